#!/usr/bin/env bash
# start/stop/restart are jobs the CLI waits for (supervisorctl's and systemctl's habit): a start fails at
# the first failed attempt with exit 1 naming the state, a stop returns only once the cgroup is gone,
# --no-block returns while the job still runs, --timeout bounds the wait. On D-Bus the same verbs reply
# when their jobs end (org.cgsup1.Error.JobFailed otherwise); a client that leaves mid-wait changes
# nothing.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
dl_setup jobs

cat >"$T/cgsup.conf" <<EOF
[program:crasher]
command=sh -c 'sleep 0.3; exit 4'
startsecs=1
startretries=0
autostart=false

[program:stubborn]
command=$CGSUP_HOG ignore-term 1000
startsecs=0
stopwaitsecs=5

[program:web]
command=$CGSUP_HOG sleep inf
startsecs=1

[program:shorty]
command=sh -c 'sleep 0.3; exit 1'
startsecs=0
autorestart=true
autostart=false

[group:pair]
programs=good,bad

[program:good]
command=$CGSUP_HOG sleep inf
startsecs=0
autostart=false

[program:bad]
command=sh -c 'exit 3'
startsecs=1
startretries=0
autostart=false
EOF

# Every call is bounded (a daemon that never finishes a job makes a failing check, not a hung test).
ctl() {
        timeout 120 "$CGSUPCTL" "$@" >"$T/out" 2>"$T/err"
}

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "web RUNNING" wait_state web RUNNING 10
check "stubborn RUNNING" wait_state stubborn RUNNING 10

# start of a program that exits after 0.3 s with startsecs=1: the CLI waits and reports FATAL.
ctl start crasher
rc=$?
diag "start crasher: rc=$rc; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
check "start crasher: exit 1" test "$rc" -eq 1
check "start crasher: names FATAL and the exit code" grep -q 'crasher: FATAL (exit 4)' "$T/err"
check "start crasher: says what did start (nothing)" grep -q 'started: none' "$T/err"
check "start crasher: nothing claims it started" bash -c "! grep -q 'crasher: started' '$T/out'"
check "crasher is FATAL when start returned" state_is crasher FATAL

# start of a running program: success, nothing to do (systemctl).
ctl start web
rc=$?
check "start web (running): exit 0" test "$rc" -eq 0
check "start web (running): says it was already running" grep -qx 'web: already running' "$T/out"

# stop of a program that is not running: success, nothing to do (systemctl; supervisorctl exits 0 too).
ctl stop shorty
rc=$?
check "stop shorty (never started): exit 0" test "$rc" -eq 0
check "stop shorty: says it was not running" grep -qx 'shorty: not running' "$T/out"

# A group where one member fails: one line for the failure, one saying what did start.
ctl start 'pair:*'
rc=$?
diag "start pair:*: rc=$rc; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
check "start pair:*: exit 1" test "$rc" -eq 1
check "start pair:*: good started" grep -qx 'good: started' "$T/out"
check "start pair:*: bad named with its state" grep -q 'bad: FATAL (exit 3)' "$T/err"
check "start pair:*: a line saying what did start" grep -qx 'cgsupctl: started: good' "$T/err"

# Again: good runs, so it is named as already running (a group's members get no AlreadyStarted of their
# own); bad fails again.
ctl start 'pair:*'
rc=$?
diag "start pair:* again: rc=$rc; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
check "start pair:* again: good was already running" grep -qx 'good: already running' "$T/out"
check "start pair:* again: good is not started twice" bash -c "! grep -q 'good: started' '$T/out'"
check "start pair:* again: bad fails again (exit 1)" test "$rc" -eq 1

# Left alone programs are named as the jobs name them, however they were asked for: "good", not "pair:good".
ctl start pair:good
rc=$?
check "start pair:good (running): exit 0, 'good: already running'" \
        bash -c "[[ $rc -eq 0 ]] && grep -qx 'good: already running' '$T/out'"
# stop of a group says which members were not running, as start of a group says which were running.
ctl stop 'pair:*'
check "stop pair:*: good stopped" grep -qx 'good: stopped' "$T/out"
ctl stop pair
rc=$?
check "stop pair again: exit 0, each member 'not running'" \
        bash -c "[[ $rc -eq 0 ]] && grep -qx 'good: not running' '$T/out' && grep -qx 'bad: not running' '$T/out'"

# restart waits until the new generation is RUNNING (startsecs=1).
old=$(field_of web pid)
ctl restart web
rc=$?
check "restart web: exit 0" test "$rc" -eq 0
check "restart web: RUNNING with a new pid when it returned" bash -c "[[ \$(sed -n 's/^state=//p' $RUNDIR/state/web) == RUNNING && \$(sed -n 's/^pid=//p' $RUNDIR/state/web) != $old ]]"

# --no-block returns at once, while a TERM-ignoring program is still STOPPING.
ctl stop --no-block stubborn
rc=$?
st=$(state_of stubborn)
check "stop --no-block stubborn: exit 0" test "$rc" -eq 0
check "stop --no-block: still STOPPING when it returned (was $st)" test "$st" = STOPPING
check "stop --no-block: says the job is queued" grep -q 'stubborn: stop job [0-9]* queued' "$T/out"
check "stubborn STOPPED after stopwaitsecs" wait_state stubborn STOPPED 20

# stop of a TERM-ignoring program returns only after its cgroup is gone.
check "start stubborn again" ctl start stubborn
check "stubborn's cgroup exists" test -d "$CG_MOUNT/$SUBTREE/stubborn/stubborn"
ctl stop stubborn
rc=$?
if [[ -d $CG_MOUNT/$SUBTREE/stubborn/stubborn ]]; then gone=no; else gone=yes; fi
st=$(state_of stubborn)
check "stop stubborn: exit 0" test "$rc" -eq 0
check "stop stubborn: cgroup gone at the moment it returned" test "$gone" = yes
check "stop stubborn: STOPPED at the moment it returned (was $st)" test "$st" = STOPPED
check "stop stubborn: prints stopped" grep -qx 'stubborn: stopped' "$T/out"
check "stubborn needed the cgroup kill (TERM ignored)" log_has 'stubborn: Still running .* after the stop signal'

# --timeout bounds the client's wait; the job goes on in the daemon.
check "start stubborn for the timeout case" ctl start stubborn
ctl stop --timeout 1s stubborn
rc=$?
check "stop --timeout 1s: exit 1" test "$rc" -eq 1
check "stop --timeout 1s: says the job is still running" grep -q 'stubborn: the stop job is still running after 1s' "$T/err"
check "stubborn still STOPPING after the client gave up" state_is stubborn STOPPING
check "stubborn STOPPED in the end" wait_state stubborn STOPPED 20
check "bad --timeout: exit 2" bash -c "'$CGSUPCTL' stop --timeout soon web 2>/dev/null; [[ \$? -eq 2 ]]"

if command -v busctl >/dev/null; then
        M=(org.cgsup1 /org/cgsup1 org.cgsup1.Manager)
        # D-Bus: the waiting method fails with JobFailed, message one line per program plus what did start.
        out=$(busctl --system call "${M[@]}" StartProgram s crasher 2>&1)
        rc=$?
        diag "busctl StartProgram crasher: rc=$rc: $out"
        check "StartProgram crasher: busctl exits 1" test "$rc" -eq 1
        check "StartProgram crasher: JobFailed naming FATAL" bash -c "grep -q 'crasher: FATAL (exit 4)' <<<'$out'"
        # EnqueueJobs answers at once with the job ids.
        out=$(busctl --system call "${M[@]}" StartProgram s stubborn 2>&1); rc=$?
        diag "busctl StartProgram stubborn: rc=$rc: $out"
        check "start stubborn over D-Bus" test "$rc" -eq 0
        out=$(busctl --system call "${M[@]}" EnqueueJobs ss stop stubborn 2>&1)
        check "EnqueueJobs stop stubborn: a(uss) with one job, at once" bash -c "grep -Eq '^a\\(uss\\) 1 [0-9]+ \"stubborn\" \"stop\"' <<<'$out'"
        check "EnqueueJobs: still STOPPING" state_is stubborn STOPPING
        check "stubborn STOPPED" wait_state stubborn STOPPED 20
        check "EnqueueJobs with a bad verb: InvalidArgument" bash -c "busctl --system call ${M[*]} EnqueueJobs ss frob web 2>&1 | grep -q 'Invalid job verb'"
        # A client that disconnects while waiting changes nothing.
        check "start stubborn once more" busctl --system call "${M[@]}" StartProgram s stubborn
        busctl --system --timeout=60 call "${M[@]}" StopProgram s stubborn >/dev/null 2>&1 &
        waiter=$!
        check "StopProgram is waiting (STOPPING)" wait_state stubborn STOPPING 10
        kill -TERM "$waiter" 2>/dev/null
        wait "$waiter" 2>/dev/null
        check "stubborn STOPPED after the waiting client left" wait_state stubborn STOPPED 20
        check "web untouched (RUNNING)" state_is web RUNNING
fi

# Sub-states: a pending restart and a frozen program show beside State, never as a new State.
check "start shorty (runs 0.3 s, restarted after a delay)" ctl start shorty
check "status shows EXITED with 'restart pending (in ...)'" wait_until 15 bash -c "'$CGSUPCTL' status | grep -Eq '^shorty +EXITED .*restart pending \(in [0-9.]+m?s\)'"
check "status shorty: a Sub-state line" wait_until 15 bash -c "'$CGSUPCTL' status shorty | grep -q 'Sub-state: restart pending'"
check "stop shorty cancels the pending restart" ctl stop shorty
check "shorty STOPPED" state_is shorty STOPPED
check "freeze web" ctl freeze web
check "status web: RUNNING, sub-state frozen" bash -c "'$CGSUPCTL' status | grep -Eq '^web +RUNNING .* frozen\$'"
check "--json status: sub_state frozen" bash -c "'$CGSUPCTL' --json status web | grep -q '\"sub_state\": *\"frozen\"'"
check "thaw web" ctl thaw web

# all: one call for every program, returning when every job is over (the TERM-ignoring stubborn included).
check "start stubborn for stop all" ctl start stubborn
ctl stop all
rc=$?
running=$(for p in web stubborn good; do state_is "$p" STOPPED || echo "$p=$(state_of "$p")"; done)
leaves=$(find "$CG_MOUNT/$SUBTREE" -mindepth 2 -maxdepth 2 -type d | wc -l)
check "stop all: exit 0" test "$rc" -eq 0
check "stop all: every program STOPPED at the moment it returned (not: $running)" test -z "$running"
check "stop all: no program's cgroup left at the moment it returned ($leaves)" test "$leaves" -eq 0
ctl start all
rc=$?
st=$(state_of web)
diag "start all: rc=$rc; stdout: $(cat "$T/out"); stderr: $(cat "$T/err")"
check "start all: exit 1 (crasher and bad fail)" test "$rc" -eq 1
check "start all: web RUNNING (startsecs=1) at the moment it returned (was $st)" test "$st" = RUNNING
check "start all: one line per failure" bash -c "grep -q 'crasher: FATAL (exit 4)' '$T/err' && grep -q 'bad: FATAL (exit 3)' '$T/err'"
check "start all: a line saying what did start" grep -Eq 'started: .*web' "$T/err"

check "daemon alive" daemon_alive
dl_stop
check "clean shutdown" test $? -eq 0
done_testing
