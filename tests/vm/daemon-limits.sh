#!/bin/bash
# cgsupd under systemd from units/cgsupd.service (Delegate=yes) on a pure cgroup v2 host:
#   - a program's memory_max is enforced: allocating past it is OOM-killed and the exit reason says
#     oom-kill (memory.events), the program is restarted per autorestart;
#   - a [group:x] pids_max bounds all members together;
#   - a limit the host cannot enforce would be FATAL (checked via doctor elsewhere); here every controller
#     is delegated, so cgsupd enables them on its subtree.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupd >/dev/null || skip_all "cgsupd is not installed"
[[ -x ${CGSUP_HOG:-} ]] || skip_all "CGSUP_HOG (cgsup-hog) not available"
systemctl cat cgsupd.service >/dev/null 2>&1 || skip_all "cgsupd.service is not installed"

work=$(mktemp -d /run/cgsup-daemon.XXXXXX)
chmod 0755 "$work"
install -m 0755 "$CGSUP_HOG" "$work/cgsup-hog"
hog=$work/cgsup-hog
mkdir -p /etc/cgsup
on_exit rm -rf "$work" /etc/cgsup/cgsup.conf
on_exit systemctl stop cgsupd.service

cat >/etc/cgsup/cgsup.conf <<EOF
[program:hog]
command=$hog mem 256M
memory_max=64M
startsecs=0
autorestart=true
startretries=100

[program:forker1]
command=$hog fork 1000
startsecs=0
autorestart=false
stdout_logfile=$work/forker1.log

[program:forker2]
command=$hog fork 1000
startsecs=0
autorestart=false
stdout_logfile=$work/forker2.log

[group:farm]
programs=forker1,forker2
pids_max=40

[program:steady]
command=$hog sleep inf
memory_max=100M
startsecs=0

[program:syslogger]
command=$hog print 3
startsecs=0
autorestart=false
stdout_logfile=NONE
stdout_syslog=true
EOF

check "cgsupd.service starts (Type=notify: READY after the bus name)" timeout 120 systemctl start cgsupd.service
cg=$(systemctl show -P ControlGroup cgsupd.service)
# The programs' subtree: the unit's own cgroup (systemd >= 254, DelegateSubgroup=supervisor), or the
# delegated "cgsupd-programs.scope" beside it (older systemd; see src/cgsupd/manager-scope.c).
root=/sys/fs/cgroup$cg
scope=/sys/fs/cgroup${cg%/*}/cgsupd-programs.scope
[[ -d $scope ]] && root=$scope
diag "unit cgroup: $cg, programs under: ${root#/sys/fs/cgroup}"
check "cgsupd is not inside any program's cgroup" bash -c "grep -q '^0::$cg' /proc/\$(systemctl show -P MainPID cgsupd.service)/cgroup && [[ ! -d $root/supervisor/hog ]]"
check "memory and pids enabled for programs" grep -qw memory "$root/cgroup.subtree_control"

prop() {
        busctl get-property org.cgsup1 "/org/cgsup1/program/$1" org.cgsup1.Program "$2" 2>/dev/null
}
check "hog's leaf has memory.max = 64M" wait_for 60 grep -qx 67108864 "$root/hog/hog/memory.max"
check "hog is OOM-killed and the exit reason says oom-kill" wait_for 120 bash -c "busctl get-property org.cgsup1 /org/cgsup1/program/hog org.cgsup1.Program ExitReason | grep -q oom-kill"
check "memory.events counts the oom_kill" bash -c "grep -q 'oom_kill [1-9]' $root/hog/hog/memory.events || grep -q 'oom_kill [1-9]' $root/hog/memory.events"
check "hog restarted after the OOM kill (Restarts > 0)" wait_for 120 bash -c "busctl get-property org.cgsup1 /org/cgsup1/program/hog org.cgsup1.Program Restarts | grep -qv 'u 0'"
check "journal has the oom-kill exit" wait_for 30 bash -c "journalctl -u cgsupd.service --no-pager | grep -q 'hog: .*oom-kill'"

check "group farm has pids.max 40" wait_for 60 grep -qx 40 "$root/farm/pids.max"
check "both forkers report their count" wait_for 120 bash -c "[[ -s $work/forker1.log && -s $work/forker2.log ]]"
n1=$(grep -o '[0-9]*' "$work/forker1.log" | tail -n 1)
n2=$(grep -o '[0-9]*' "$work/forker2.log" | tail -n 1)
diag "forker1 made $n1 children, forker2 $n2 (group pids_max=40)"
check "the group's members together stay within pids_max" bash -c "[[ \$(cat $root/farm/pids.peak 2>/dev/null || cat $root/farm/pids.current) -le 40 ]]"
check "pids.events max counted the refused forks" grep -q 'max [1-9]' "$root/farm/pids.events"
check "the rest of the system still forks" bash -c "for i in \$(seq 50); do /bin/true || exit 1; done"

check "stdout_syslog=true forwards lines to the journal" wait_for 60 bash -c "journalctl SYSLOG_IDENTIFIER=syslogger --no-pager -o cat | grep -qx 'line 3'"
check "forwarded lines carry CGSUP_PROGRAM=" bash -c "journalctl CGSUP_PROGRAM=syslogger --no-pager -o cat | grep -qx 'line 1'"
check "cgsupd's own messages carry CGSUP_PROGRAM=" bash -c "journalctl CGSUP_PROGRAM=hog --no-pager -o cat | grep -q oom-kill"

# Reload with a changed limit: applied live to the running instance, no restart.
check "steady has memory.max 100M" wait_for 60 grep -qx 104857600 "$root/steady/steady/memory.max"
steady_pid=$(cat "$root/steady/steady/cgroup.procs")
sed -i 's/^memory_max=100M/memory_max=200M/' /etc/cgsup/cgsup.conf
check "systemctl reload cgsupd" timeout 60 systemctl reload cgsupd.service
check "new memory_max applied live" wait_for 60 grep -qx 209715200 "$root/steady/steady/memory.max"
check "steady not restarted by the limit change" bash -c "[[ \$(cat $root/steady/steady/cgroup.procs) == $steady_pid ]]"

check "systemctl stop: graceful, programs stopped, cgroups removed" timeout 120 systemctl stop cgsupd.service
check "no program process left" bash -c "[[ -z \$(find $root -mindepth 2 -name cgroup.procs -exec cat {} + 2>/dev/null) ]]"
if [[ $root == "$scope" ]]; then
        check "the programs scope is gone after a graceful stop" wait_for 30 test ! -d "$scope"
fi
