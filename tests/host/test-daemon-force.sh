#!/usr/bin/env bash
# The verbs that skip the graceful stop: `restart --force` kills the program's cgroup at once (cgroup.kill,
# no stop signal, no stopwaitsecs) and starts it again, also cutting short a plain restart still in its
# grace period; `shutdown --now` kills every program's cgroup and cgsupd exits. The program traps TERM and
# writes it down, so a stop signal that was sent shows; stopwaitsecs is longer than every bounded wait, so a
# graceful stop cannot pass for a forced one. The D-Bus flags methods refuse unknown flags.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v busctl >/dev/null || skip_all "busctl not installed (ENOENT)"
dl_setup force

# The TERM trap runs between two short sleeps; the loop never ends on its own.
cat >"$T/cgsup.conf" <<EOF
[cgsupd]
shutdown_timeout=300

[program:stubborn]
command=sh -c 'trap "echo TERM >>$T/stubborn.term" TERM; echo \$\$ >>$T/stubborn.pids; while :; do sleep 0.2; done'
startsecs=0
stopwaitsecs=300

[program:other]
command=sh -c 'trap "echo TERM >>$T/other.term" TERM; while :; do sleep 0.2; done'
startsecs=0
stopwaitsecs=300
priority=10
EOF

# Every call is bounded, far below stopwaitsecs: a graceful stop makes a failing check, not a hung test.
ctl() {
        timeout 60 "$CGSUPCTL" "$@" >"$T/out" 2>"$T/err"
}

pid_count() {
        [[ -f $T/stubborn.pids ]] && wc -l <"$T/stubborn.pids" || echo 0
}

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "stubborn RUNNING" wait_state stubborn RUNNING 10
check "other RUNNING" wait_state other RUNNING 10
check "stubborn wrote its pid" wait_until 10 test "$(pid_count)" -eq 1

ctl restart --force stubborn
rc=$?
check "restart --force: exit 0 (well within stopwaitsecs=300)" test "$rc" -eq 0
check "restart --force: 'stubborn: restarted'" grep -qx 'stubborn: restarted' "$T/out"
check "restart --force: a new generation started" wait_until 10 test "$(pid_count)" -eq 2
check "restart --force: no stop signal reached the program" test ! -e "$T/stubborn.term"
check "restart --force: RUNNING again" wait_state stubborn RUNNING 10
check "restart --force: the old pid is gone" \
        bash -c "! kill -0 \$(head -n1 '$T/stubborn.pids') 2>/dev/null"

# A plain restart sends TERM and waits stopwaitsecs; a forced one asked meanwhile ends the wait.
ctl restart --no-block stubborn
check "plain restart: queued" test $? -eq 0
check "plain restart: the stop signal arrives (the trap writes it)" wait_until 10 test -s "$T/stubborn.term"
check "plain restart: still STOPPING (stopwaitsecs=300)" state_is stubborn STOPPING
ctl restart --force stubborn
rc=$?
check "restart --force during a graceful stop: exit 0" test "$rc" -eq 0
check "restart --force during a graceful stop: a third generation" wait_until 10 test "$(pid_count)" -eq 3
check "restart --force during a graceful stop: RUNNING" wait_state stubborn RUNNING 10
check "the daemon logged the replaced job as canceled" log_has 'Job [0-9]* (restart) canceled'

# Usage and D-Bus: force is for restart only, unknown flags are refused, the waiting method works too.
"$CGSUPCTL" start --force stubborn >/dev/null 2>&1
check "start --force: usage error (exit 2)" test $? -eq 2
check "RestartProgramWithFlags(stubborn, 1) answers with the program" \
        bash -c "timeout 60 busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager RestartProgramWithFlags st stubborn 1 | grep -qx 'as 1 \"stubborn\"'"
check "RestartProgramWithFlags: still no stop signal" test "$(wc -l <"$T/stubborn.term")" -eq 1
check "RestartProgramWithFlags(stubborn, 2): InvalidArgument" \
        bash -c "busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager RestartProgramWithFlags st stubborn 2 2>&1 | grep -q 'Unknown flags 0x2'"
check "EnqueueJobsWithFlags(stop, stubborn, 1): InvalidArgument" \
        bash -c "busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager EnqueueJobsWithFlags sst stop stubborn 1 2>&1 | grep -q 'for a restart only'"
check "ShutdownWithFlags(4): InvalidArgument, cgsupd keeps running" \
        bash -c "busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ShutdownWithFlags t 4 2>&1 | grep -q 'Unknown flags 0x4' && kill -0 $CGSUPD_PID"
check "stubborn RUNNING before the shutdown" wait_state stubborn RUNNING 10
rm -f "$T/stubborn.term" "$T/other.term"

ctl shutdown --now
check "shutdown --now: exit 0" test $? -eq 0
check "shutdown --now: cgsupd exits (shutdown_timeout=300, stopwaitsecs=300)" \
        wait_until 60 bash -c "! kill -0 $CGSUPD_PID 2>/dev/null"
wait "$CGSUPD_PID"
rc=$?
CGSUPD_PID=
check "shutdown --now: cgsupd exit status 0" test "$rc" -eq 0
check "shutdown --now: no stop signal reached either program" \
        bash -c "[[ ! -e '$T/stubborn.term' && ! -e '$T/other.term' ]]"
check "shutdown --now: no process left in the subtree" test "$(cg_count .)" -eq 0
check "shutdown --now: logged" log_has 'Shutting down now'

done_testing
