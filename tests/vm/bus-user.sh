#!/bin/bash
# SPDX-License-Identifier: MIT
# `cgsupd --user` under a real user session of cgsuptest: lingering user@1000.service, the session bus at
# /run/user/1000/bus, programs in the user's delegated subtree with their limits enforced; cgsupctl --user
# talks to it. adopt's refusals in this delegated, unprivileged daemon: a process outside the delegation
# (the kernel refuses) and one of another unit (cgsupd refuses), each left where it was.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bus.sh"

id cgsuptest >/dev/null 2>&1 || skip_all "no user cgsuptest"
uid=$(id -u cgsuptest)
rt=/run/user/$uid

u() {
        as_user env XDG_RUNTIME_DIR="$rt" DBUS_SESSION_BUS_ADDRESS="unix:path=$rt/bus" "$@"
}

loginctl enable-linger cgsuptest
on_exit loginctl disable-linger cgsuptest
if wait_for 120 bash -c "systemctl is-active --quiet user@$uid.service && test -S $rt/systemd/private"; then
        ok "user@$uid.service runs (lingering)"
else
        not_ok "user@$uid.service runs (lingering)" "$(systemctl status "user@$uid.service" --no-pager 2>&1)"
        exit 1
fi
# Debian starts the session bus through dbus-user-session's dbus.socket; without that package, run a session
# dbus-daemon as a user service on the same address.
if ! wait_for 20 test -S "$rt/bus"; then
        diag "no dbus-user-session: starting a session dbus-daemon at $rt/bus"
        u systemd-run --user --unit=cgsup-test-session-bus \
                dbus-daemon --session --nofork --nopidfile --address="unix:path=$rt/bus" >/dev/null 2>&1
        on_exit u systemctl --user stop cgsup-test-session-bus.service
fi
if wait_for 60 test -S "$rt/bus"; then
        ok "the user has a session bus at $rt/bus"
else
        not_ok "the user has a session bus at $rt/bus" "$(u systemctl --user status --no-pager 2>&1)"
        exit 1
fi

home=$(getent passwd cgsuptest | cut -d: -f6)
conf=$(mktemp -d /tmp/cgsup-user.XXXXXX)
chmod 755 "$conf"
on_exit rm -rf "$conf"
cat >"$conf/cgsup.conf" <<'CONF'
[program:web]
command = sleep infinity
startsecs = 0
memory_max = 64M
pids_max = 50
CONF
chmod 644 "$conf/cgsup.conf"

# A user service with Delegate=yes: its cgroup (inside user@1000.service's delegated subtree) is cgsupd's.
if u systemd-run --user --unit=cgsupd-user -p Type=notify -p Delegate=yes -p NotifyAccess=main \
        /usr/bin/cgsupd --user -c "$conf/cgsup.conf" >/dev/null 2>&1; then
        ok "cgsupd --user starts as a user service"
else
        not_ok "cgsupd --user starts as a user service" "$(u systemctl --user status cgsupd-user --no-pager 2>&1)"
fi
on_exit u systemctl --user stop cgsupd-user.service

if wait_for 120 u busctl --user call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms; then
        ok "cgsupd --user owns org.cgsup1 on the session bus"
else
        not_ok "cgsupd --user owns org.cgsup1 on the session bus" "$(u journalctl --user -u cgsupd-user --no-pager -n 30 2>&1)"
        exit 1
fi
check "the system bus has no org.cgsup1 from it" bash -c "! busctl --system status org.cgsup1 >/dev/null 2>&1 || systemctl is-active --quiet cgsupd.service"
check "UserInstance is true" bash -c "$(declare -f u as_user); CGSUP_TEST_USER=$CGSUP_TEST_USER; rt=$rt; u busctl --user get-property org.cgsup1 /org/cgsup1 org.cgsup1.Manager UserInstance | grep -q true"
check "cgsupctl --user status web: RUNNING" wait_for 60 u cgsupctl --user status web

cg=$(u busctl --user get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program CGroup | cut -d'"' -f2)
if [[ $cg == /user.slice/user-$uid.slice/user@$uid.service/* ]]; then
        ok "web runs in the user's delegated subtree ($cg)"
else
        not_ok "web runs in the user's delegated subtree" "CGroup=$cg"
fi
check "memory.max of web is 64M" bash -c "[[ \$(cat /sys/fs/cgroup$cg/memory.max) == 67108864 ]]"
check "pids.max of web is 50" bash -c "[[ \$(cat /sys/fs/cgroup$cg/pids.max) == 50 ]]"
check "web's process runs as cgsuptest" bash -c "
        pid=\$(cat /sys/fs/cgroup$cg/cgroup.procs | head -n1); [[ \$(stat -c %u /proc/\$pid) == $uid ]]"

hog=$(hog_command)
out=$(u bash -c "cgsupctl --user run --wait -p memory_max=32M -p memory_swap_max=0 -- $hog" </dev/null 2>&1)
rc=$?
if [[ $rc -eq 137 ]] && grep -q 'oom-kill' <<<"$out"; then
        ok "cgsupctl --user run: over-allocation under memory_max=32M is OOM-killed"
else
        not_ok "cgsupctl --user run: over-allocation under memory_max=32M is OOM-killed" "rc=$rc" "$out"
fi

# adopt's refusals in a delegated, unprivileged daemon. outsider: a process of cgsuptest in a cgroup outside
# the user's delegation that is no unit's (the common ancestor with cgsupd's subtree is the root cgroup,
# root's: the kernel refuses the move); unitproc: one in a system unit's cgroup (cgsupd refuses before
# trying). Each is refused with CannotAdopt and its reason, and left where it was, running.
outside=/sys/fs/cgroup/cgsup-test-outside
mkdir -p "$outside"
setpriv --reuid="$uid" --regid="$(id -g cgsuptest)" --clear-groups sleep infinity </dev/null >/dev/null 2>&1 &
outsider=$!
outsider_cleanup() {
        kill -KILL "$outsider" 2>/dev/null
        wait "$outsider" 2>/dev/null
        rmdir "$outside"
}
on_exit outsider_cleanup
echo "$outsider" >"$outside/cgroup.procs"
check "outsider ($outsider, uid $uid) sits in /cgsup-test-outside" grep -qx "0::/cgsup-test-outside" "/proc/$outsider/cgroup"
out=$(u cgsupctl --user -vv adopt "$outsider" 2>&1)
rc=$?
if [[ $rc -ne 0 ]] && grep -q '^cgsupctl: <- error org.cgsup1.Error.CannotAdopt' <<<"$out" &&
        grep -q "may not move process $outsider out of /cgsup-test-outside" <<<"$out" &&
        grep -q "outside cgsupd's delegation" <<<"$out"; then
        ok "adopt outside the delegation: CannotAdopt, the kernel's refusal and its reason"
else
        not_ok "adopt outside the delegation: CannotAdopt, the kernel's refusal and its reason" "rc=$rc" "$out"
fi
check "outsider left in /cgsup-test-outside" grep -qx "0::/cgsup-test-outside" "/proc/$outsider/cgroup"
check "outsider still runs" kill -0 "$outsider"
check "no program adopted-$outsider" bash -c "$(declare -f u as_user); CGSUP_TEST_USER=$CGSUP_TEST_USER; rt=$rt; ! u cgsupctl --user status adopted-$outsider >/dev/null 2>&1"

systemd-run --uid="$uid" --unit=cgsup-test-unitproc sleep infinity >/dev/null 2>&1
on_exit systemctl stop cgsup-test-unitproc.service
unitproc=$(systemctl show -P MainPID cgsup-test-unitproc.service)
out=$(u cgsupctl --user -vv adopt "$unitproc" 2>&1)
rc=$?
if [[ $rc -ne 0 && $unitproc -gt 0 ]] && grep -q '^cgsupctl: <- error org.cgsup1.Error.CannotAdopt' <<<"$out" &&
        grep -q "belongs to the systemd unit cgsup-test-unitproc.service" <<<"$out"; then
        ok "adopt of another unit's process: CannotAdopt naming the unit"
else
        not_ok "adopt of another unit's process: CannotAdopt naming the unit" "pid=$unitproc rc=$rc" "$out"
fi
check "the unit's process still runs in its unit" bash -c "
        kill -0 $unitproc && grep -qx '0::/system.slice/cgsup-test-unitproc.service' /proc/$unitproc/cgroup"
check "cgsupd --user keeps working after the refusals: web RUNNING" u cgsupctl --user is-active web
check "cgsupctl --user stop web" u cgsupctl --user stop web
check "cgsupctl --user shutdown" u cgsupctl --user shutdown
