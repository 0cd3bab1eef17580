#!/bin/bash
# DESIGN rule 5 under systemd: `systemctl kill -s KILL cgsupd` (KillMode=process leaves the programs
# alone), Restart=on-failure starts a new cgsupd, which re-adopts the running programs (same PIDs, no
# second instance) and gets their output pipes back from the fd store: no log line is lost.
# Issue 8 item 6, "no log line lost under systemd": a talker prints 3000 numbered lines to its log file
# and to the journal while cgsupd is SIGKILLed three times (each time restarted by systemd) and reloaded
# once in the middle; every line is in the file and in the journal exactly once.
# 200 more programs print a line every 3 s: each keeps its pipes in the fd store too (three entries a
# program; the unit's FileDescriptorStoreMax=512 held 170), so none dies of SIGPIPE after a crash.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupd >/dev/null || skip_all "cgsupd is not installed"
[[ -x ${CGSUP_HOG:-} ]] || skip_all "CGSUP_HOG (cgsup-hog) not available"
systemctl cat cgsupd.service >/dev/null 2>&1 || skip_all "cgsupd.service is not installed"

work=$(mktemp -d /run/cgsup-adopt.XXXXXX)
chmod 0755 "$work"
install -m 0755 "$CGSUP_HOG" "$work/cgsup-hog"
hog=$work/cgsup-hog
mkdir -p /etc/cgsup
on_exit rm -rf "$work" /etc/cgsup/cgsup.conf
on_exit systemctl stop cgsupd.service

cat >/etc/cgsup/cgsup.conf <<EOF
[program:svc]
command=$hog sleep inf
startsecs=0

[program:talker]
command=$hog print 3000 0.02
startsecs=0
autorestart=false
stdout_logfile=$work/talker.log
stdout_syslog=true

[program:quiet]
command=$hog print 100000 3
process_name=quiet_%(process_num)03d
numprocs=200
startsecs=0
EOF

check "cgsupd.service starts" timeout 120 systemctl start cgsupd.service
cg=$(systemctl show -P ControlGroup cgsupd.service)
root=/sys/fs/cgroup$cg
[[ -d /sys/fs/cgroup${cg%/*}/cgsupd-programs.scope ]] && root=/sys/fs/cgroup${cg%/*}/cgsupd-programs.scope
rel=${root#/sys/fs/cgroup/}
rundir=/run/cgsup/${rel//\//-}
diag "programs under /$rel, state in $rundir"
pid_of() { sed -n 's/^pid=//p' "$rundir/state/$1" 2>/dev/null; }
check "svc running" wait_for 60 test -n "$(pid_of svc)"
svc=$(pid_of svc)
talker=$(pid_of talker)
check "talker's pipe is in the fd store" bash -c "systemctl show -P NFileDescriptorStore cgsupd.service | grep -qv '^0$'"
quiet_pids() { for i in $(seq -f %03g 0 199); do pid_of "quiet_$i"; done; }
check "the 200 quiet programs run" wait_for 120 bash -c "[[ \$(grep -lx state=RUNNING $rundir/state/quiet_* | wc -l) -eq 200 ]]"
quiet_before=$(quiet_pids | sort | tr '\n' ' ')
check "every program's three pipes are in the fd store (606 entries)" \
        wait_for 60 bash -c "[[ \$(systemctl show -P NFileDescriptorStore cgsupd.service) -ge 606 ]]"
check "output flowing" wait_for 30 test -s "$work/talker.log"

printed_more_than() {
        wait_for 120 bash -c "[[ \$(wc -l <$work/talker.log) -gt $1 ]]"
}
# Kills cgsupd (--kill-who=main: a crash of cgsupd alone; plain `systemctl kill` signals every process of
# the unit's cgroup, programs included, whatever KillMode= says) once the talker has printed more than $1
# lines, and waits for systemd to start the next cgsupd.
crash_after() {
        local old_main
        printed_more_than "$1" || return 1
        old_main=$(systemctl show -P MainPID cgsupd.service)
        systemctl kill --kill-who=main -s KILL cgsupd.service || return 1
        wait_for 120 bash -c "p=\$(systemctl show -P MainPID cgsupd.service); [[ \$p != 0 && \$p != $old_main ]] && systemctl is-active -q cgsupd.service"
}
check "crash 1 (SIGKILL after 200 lines), systemd restarts cgsupd (Restart=on-failure)" crash_after 200
check "programs survive (KillMode=process)" bash -c "kill -0 $svc"
check "talker kept running while cgsupd was down" kill -0 "$talker"
check "crash 2 (after 800 lines) and restart" crash_after 800
check "reload (SIGHUP) after 1200 lines" eval 'printed_more_than 1200 && systemctl reload cgsupd.service'
check "crash 3 (after 1600 lines) and restart" crash_after 1600
check "talker is still the same process" kill -0 "$talker"
check "svc adopted with the same pid" wait_for 60 bash -c "[[ \$(sed -n 's/^pid=//p' $rundir/state/svc) == $svc ]]"
check "no second instance of svc" bash -c "[[ \$(cat $root/svc/svc/cgroup.procs | wc -l) -eq 1 ]]"
# Each quiet program printed several lines since the first crash: without its pipes it would have died.
alive=0
for p in $quiet_before; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
check "the 200 quiet programs are the same processes after three crashes ($alive alive)" test "$alive" -eq 200
check "and were adopted as such" wait_for 60 bash -c "[[ \$(grep -l '^state=RUNNING' $rundir/state/quiet_* | wc -l) -eq 200 ]]"
quiet_after=$(quiet_pids | sort | tr '\n' ' ')
check "no quiet program restarted" test "$quiet_after" == "$quiet_before"
check "adoption is in the journal" bash -c "journalctl -u cgsupd.service --no-pager | grep -q 'svc: Adopted running instance'"
check "talker printed all 3000 lines" wait_for 300 bash -c "[[ \$(wc -l <$work/talker.log) -ge 3000 ]]"
check "no log line lost or doubled across the crashes (file)" bash -c "[[ \$(sort -u $work/talker.log | wc -l) -eq 3000 && \$(wc -l <$work/talker.log) -eq 3000 ]]"
# The journal takes the lines asynchronously: wait until all are there (or the bound), then count.
journal_lines() { journalctl --no-pager -o cat CGSUP_PROGRAM=talker CGSUP_STREAM=stdout; }
check "the journal got all 3000 lines" wait_for 120 bash -c "[[ \$(journalctl --no-pager -o cat CGSUP_PROGRAM=talker CGSUP_STREAM=stdout | wc -l) -ge 3000 ]]"
journal_total=$(journal_lines | wc -l)
journal_unique=$(journal_lines | sort -u | wc -l)
check "no log line lost or doubled across the crashes (journal: $journal_total lines, $journal_unique distinct)" \
        test "$journal_total" -eq 3000 -a "$journal_unique" -eq 3000
check "systemctl stop stops the adopted programs" timeout 120 systemctl stop cgsupd.service
check "svc is gone" bash -c "[[ ! -e /proc/$svc ]] || grep -q '^State:.*Z' /proc/$svc/status"
