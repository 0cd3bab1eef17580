#!/usr/bin/env bash
# cgsupd as PID 1 (containers): in a new PID namespace it reaps every orphan (a double-forking program's
# grandchild is reparented to it) without stealing supervised children's exit status, and SIGTERM is a
# graceful shutdown with exit status 0.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
command -v unshare >/dev/null || skip_all "unshare not installed (ENOENT)"
unshare --pid --fork --mount-proc true 2>/dev/null || skip_all "cannot create a PID namespace (EPERM)"
dl_setup pid1

cat >"$T/cgsup.conf" <<EOF
[program:escape]
command=$CGSUP_HOG escape
startsecs=0
autorestart=false
stdout_logfile=$T/escape.log

[program:crash]
command=$CGSUP_HOG exit 7
startsecs=0
autorestart=false

[program:chatter]
command=$CGSUP_HOG print 3
startsecs=0
autorestart=false
EOF

unshare --pid --fork --mount-proc --kill-child "$CGSUPD" -c "$T/cgsup.conf" --cgroup "$SUBTREE" >>"$DAEMON_LOG" 2>&1 &
UNSHARE_PID=$!
check "cgsupd starts as PID 1" wait_until 15 grep -q "^cgsupd: cgsupd .* ready:" "$DAEMON_LOG"
CGSUPD_PID=$(cat "$CG_MOUNT/$SUBTREE/supervisor/cgroup.procs" | head -n 1)
check "it is PID 1 in its namespace" grep -q "^NSpid:.*[[:space:]]1$" "/proc/$CGSUPD_PID/status"
check "escape's main exited, the grandchild survives contained (EXITED)" wait_state escape EXITED 10
gc=$(cg_pids escape/escape | head -n 1)
check "grandchild $gc is in escape's cgroup" test -n "$gc"
check "crash's exit status 7 was seen (not stolen by the reaper)" wait_until 10 log_has "crash: RUNNING -> EXITED (exit 7)"
if [[ ! -S /run/systemd/journal/socket ]]; then
        check "no logfile, no journal, PID 1: output passes through to cgsupd's stdout, prefixed" \
                wait_until 10 grep -qx "chatter: line 3" "$DAEMON_LOG"
fi
kill -KILL "$gc"
check "the orphan is reaped by cgsupd (no zombie)" wait_until 10 bash -c "[[ ! -e /proc/$gc ]]"
check "escape's survivors gone -> cgroup removed" wait_until 10 cg_gone escape/escape
kill -TERM "$CGSUPD_PID"
wait "$UNSHARE_PID"
rc=$?
CGSUPD_PID=
check "SIGTERM to PID 1: graceful shutdown, exit status 0" test "$rc" -eq 0
check "shutdown logged" log_has "All programs stopped."
done_testing
