#!/usr/bin/env bash
# An unmodified supervisord.conf (extra sections included) runs: programs, a [group:x], numprocs=3 with
# %(process_num)02d names, each instance in its own leaf; stop of a double-forking program leaves no
# process; a fork storm stays contained and its cgroup is cleaned; SIGTERM stops everything in order.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup basic

cat >"$T/supervisord.conf" <<EOF
; a typical supervisord.conf, unmodified
[unix_http_server]
file=/tmp/supervisor-$$.sock   ; (the path to the socket file)

[supervisord]
logfile=$T/supervisord.log ; main log file
pidfile=$T/supervisord.pid
nodaemon=true
childlogdir=$T

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix:///tmp/supervisor-$$.sock

[program:worker]
command=$CGSUP_HOG sleep inf
process_name=%(program_name)s_%(process_num)02d
numprocs=3
autorestart=true
stdout_logfile=$T/%(program_name)s_%(process_num)02d.log

[program:cache]
command=$CGSUP_HOG sleep inf
priority=100

[program:api]
command=$CGSUP_HOG sleep inf
priority=200

[group:backend]
programs=cache,api

[program:escaper]
command=$CGSUP_HOG doublefork
stdout_logfile=$T/escaper.log

[program:storm]
command=$CGSUP_HOG forkstorm 500
stopwaitsecs=2

[program:capped]
command=$CGSUP_HOG sleep inf
memory_max=64M
EOF

check "cgsupd starts with a plain supervisord.conf" dl_start "$T/supervisord.conf"
check "unknown sections only warn" log_has "unix_http_server"
for i in 00 01 02; do
        check "worker_$i RUNNING" wait_state "worker_$i" RUNNING 10
        pid=$(field_of "worker_$i" pid)
        check "worker_$i main pid $pid lives in worker/worker_$i" \
                grep -qx "0::/$SUBTREE/worker/worker_$i" "/proc/$pid/cgroup"
done
check "group members share the group cgroup backend/" bash -c "[[ -d $CG_MOUNT/$SUBTREE/backend/cache && -d $CG_MOUNT/$SUBTREE/backend/api ]]"
check "cache RUNNING in backend/cache" wait_state cache RUNNING 10
check "cgsupd sits in its own leaf" grep -qx "0::/$SUBTREE/supervisor" "/proc/$CGSUPD_PID/cgroup"
check "SUPERVISOR_* environment" bash -c "tr '\\0' '\\n' </proc/$(field_of worker_01 pid)/environ | grep -qx SUPERVISOR_PROCESS_NAME=worker_01"

if grep -qw memory "$CG_MOUNT/cgroup.controllers"; then
        diag "this host has the memory controller: capped may run; the unenforceable case is checked in the VM"
else
        check "memory_max without a memory controller: FATAL, never started unbounded" wait_state capped FATAL 10
        check "the reason names the limit and the cgroup2 mount" log_has "capped: .*memory_max cannot be enforced: the cgroup2 hierarchy at $CG_MOUNT has no memory controller"
        check "capped never ran" bash -c "! grep -q '^cgsupd: capped: Started' $DAEMON_LOG"
fi
wait_state escaper RUNNING 10
check "the double-forked grandchild is in escaper's cgroup" wait_until 5 bash -c "[[ \$(find $CG_MOUNT/$SUBTREE/escaper -name cgroup.procs -exec cat {} + | wc -l) -ge 2 ]]"
check "storm RUNNING with ~500 processes" wait_until 10 bash -c "[[ \$(find $CG_MOUNT/$SUBTREE/storm -name cgroup.procs -exec cat {} + | wc -l) -ge 450 ]]"

# Stop through the bus when the bus layer answers; the shutdown below covers the rest either way.
if command -v busctl >/dev/null && busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager StopProgram s escaper >/dev/null 2>&1; then
        check "stop of a double-forking program leaves no process" wait_until 10 cg_gone escaper/escaper
        check "escaper STOPPED" wait_state escaper STOPPED 5
        t0=$(now_ms)
        busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager StopProgram s storm >/dev/null 2>&1
        check "stop of a 500-process storm empties and removes its cgroup" wait_until 10 cg_gone storm/storm
        diag "storm stop took $(($(now_ms) - t0)) ms"
else
        diag "bus StopProgram unavailable; covered by shutdown below"
fi
check "daemon survived" daemon_alive

t0=$(now_ms)
dl_stop
rc=$?
check "SIGTERM: graceful shutdown exits 0" test "$rc" -eq 0
diag "shutdown took $(($(now_ms) - t0)) ms"
check "no program process is left" bash -c "[[ -z \$(find $CG_MOUNT/$SUBTREE -mindepth 2 -name cgroup.procs -exec cat {} +) ]]"
check "runtime state removed after a graceful exit (nothing to adopt)" test ! -d "$RUNDIR"
check "program cgroups removed" bash -c "[[ ! -d $CG_MOUNT/$SUBTREE/worker && ! -d $CG_MOUNT/$SUBTREE/storm ]]"
check "stop order: api (200) before cache (100)" bash -c "[[ \$(grep -n '^cgsupd: api: RUNNING -> STOPPING' $DAEMON_LOG | cut -d: -f1) -lt \$(grep -n '^cgsupd: cache: RUNNING -> STOPPING' $DAEMON_LOG | cut -d: -f1) ]]"
done_testing
