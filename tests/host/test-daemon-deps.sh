#!/usr/bin/env bash
# depends_on=a:healthy: B starts only after A's TCP port answers (A listens 2 s after it starts, its
# healthcheck is tcp); while waiting B is STOPPED with "waiting for a". Also an http healthcheck and an
# exec healthcheck (run inside the program's group cgroup).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup deps
PORT=$((20000 + $$ % 20000))
PORT2=$((PORT + 1))

cat >"$T/cgsup.conf" <<EOF
[program:a]
command=$CGSUP_HOG listen $PORT 2
startsecs=0
healthcheck_type=tcp
healthcheck_target=127.0.0.1:$PORT
healthcheck_interval=5
healthcheck_timeout=1
healthcheck_start_period=30

[program:b]
command=bash -c 'if exec 3<>/dev/tcp/127.0.0.1/$PORT; then echo up; else echo down; fi >$T/b.result; exec sleep infinity'
depends_on=a:healthy
startsecs=0

[program:web]
command=$CGSUP_HOG listen $PORT2
startsecs=0
healthcheck_type=http
healthcheck_target=http://127.0.0.1:$PORT2/health
healthcheck_interval=1
healthcheck_start_period=10

[program:checked]
command=$CGSUP_HOG sleep inf
startsecs=0
healthcheck_type=exec
healthcheck_command=sh -c 'cat /proc/self/cgroup >$T/exec-check.cgroup; exit 0'
healthcheck_interval=1

[program:c]
command=$CGSUP_HOG sleep inf
depends_on=web:healthy,checked:healthy
startsecs=0

[program:ready]
command=$CGSUP_HOG notify 2
type=notify

[program:after_ready]
command=$CGSUP_HOG sleep inf
depends_on=ready:started
startsecs=0

[program:legacy]
command=$CGSUP_HOG escape
type=forking
stdout_logfile=$T/legacy.log

# A target that parses but whose host does not resolve: the check fails (it used to be dropped, and the
# program showed RUNNING as if checked). The .invalid TLD never resolves (RFC 6761).
[program:unresolved]
command=$CGSUP_HOG sleep inf
startsecs=0
healthcheck_target=cgsup-test.invalid:80
healthcheck_interval=1
healthcheck_retries=1
autorestart=false
EOF

t0=$(now_ms)
check "cgsupd starts" dl_start "$T/cgsup.conf"
check "notify: STARTING until READY=1" state_is ready STARTING
check "b waits (STOPPED, waiting for a)" bash -c "grep -q 'b: Not starting yet: waiting for a' $DAEMON_LOG"
check "b not started while a's port is closed" bash -c "! grep -q '^cgsupd: b: Started' $DAEMON_LOG"
check "a ready via tcp check" wait_until 15 log_has "a: Readiness check passed"
check "b started after a became healthy" wait_until 10 test -f "$T/b.result"
diag "b started $(($(now_ms) - t0)) ms after cgsupd (a listens after 2 s)"
check "b saw a's port open at its start" grep -qx up "$T/b.result"
check "web healthy through http" wait_until 10 log_has "web: Readiness check passed"
check "exec check ran inside the program's group" wait_until 10 bash -c "grep -q '^0::/$SUBTREE/checked/' $T/exec-check.cgroup"
check "c started once web and checked were healthy" wait_state c RUNNING 10
check "healthcheck leaf cleaned up between checks" wait_until 5 bash -c "[[ ! -d $CG_MOUNT/$SUBTREE/checked/checked.health ]] || [[ -z \$(cat $CG_MOUNT/$SUBTREE/checked/checked.health/cgroup.procs) ]]"
check "notify: READY=1 (sent after 2 s) makes it RUNNING" wait_state ready RUNNING 10
check "notify: dependent started after READY" wait_state after_ready RUNNING 5
check "forking: launcher exits, daemon left -> RUNNING" wait_state legacy RUNNING 10
check "a health target whose host does not resolve fails its checks (not dropped)" wait_until 30 \
        log_has "unresolved: Readiness check failed (1/1): host 'cgsup-test.invalid' did not resolve"

gc=$(sed -n 's/^grandchild //p' "$T/legacy.log")
check "forking: main pid is the daemonized grandchild ($gc)" wait_until 5 bash -c "[[ \$(sed -n 's/^pid=//p' $RUNDIR/state/legacy) == $gc ]]"
dl_stop
check "clean shutdown" test $? -eq 0
check "forking: the daemonized process was stopped" bash -c "[[ ! -e /proc/$gc ]] || grep -q '^State:.*Z' /proc/$gc/status"
check "b stopped before a (dependents first)" bash -c "[[ \$(grep -n '^cgsupd: b: RUNNING -> STOPPING' $DAEMON_LOG | cut -d: -f1) -lt \$(grep -n '^cgsupd: a: RUNNING -> STOPPING' $DAEMON_LOG | cut -d: -f1) ]]"
done_testing
