#!/usr/bin/env bash
# One daemon per subtree (a second cgsupd is refused before it touches anything), the pidfile is locked,
# every signal has a meaning or is logged and ignored, SIGUSR2 reopens log files, the daemon's own logfile=
# works in the foreground with timestamps and rotation, and passthrough output is never overwritten.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
command -v flock >/dev/null || skip_all "flock(1) not installed (ENOENT)"
dl_setup signals

cat >"$T/cgsup.conf" <<EOF
[cgsupd]
logfile=$T/daemon.log
logfile_maxbytes=4KB
logfile_backups=2
pidfile=$T/cgsupd.pid

[program:sleeper]
command=$CGSUP_HOG sleep inf
startsecs=0

[program:ticker]
command=$CGSUP_HOG print 1000000 0.02
startsecs=0
stdout_logfile=$T/ticker.log
stdout_logfile_maxbytes=0
EOF

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "sleeper RUNNING" wait_state sleeper RUNNING 10
check "ticker RUNNING" wait_state ticker RUNNING 10

# ---- the daemon's own log file, in the foreground -------------------------------------------------
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2},[0-9]{3} [A-Z]+ '
check "logfile= is written in the foreground" wait_until 10 grep -q "cgsupd .* ready:" "$T/daemon.log"
check "every file line carries a timestamp and a level" bash -c "! grep -Evq '$stamp' '$T/daemon.log'"
check "stderr still gets the messages in the foreground" log_has "cgsupd .* ready:"

# ---- pidfile and the subtree lock ------------------------------------------------------------------
check "pidfile holds our PID" grep -qx "$CGSUPD_PID" "$T/cgsupd.pid"
check "pidfile is locked" bash -c "! flock -n '$T/cgsupd.pid' true"
check "subtree lock is held" bash -c "! flock -n '$RUNDIR/lock' true"

sleeper_pid=$(field_of sleeper pid)
ticker_pid=$(field_of ticker pid)
procs_before=$(cg_pids "" | sort | tr '\n' ' ')
"$CGSUPD" -c "$T/cgsup.conf" --cgroup "$SUBTREE" >"$T/second.out" 2>&1
rc=$?
check "a second cgsupd on the same subtree exits non-zero" test "$rc" -ne 0
check "...with one line" test "$(wc -l <"$T/second.out")" -eq 1
check "...naming the first one's PID" grep -q "Another cgsupd (PID $CGSUPD_PID) already manages" "$T/second.out"
diag "$(cat "$T/second.out")"
check "the first daemon is still running" daemon_alive
check "sleeper's PID unchanged" test "$(field_of sleeper pid)" = "$sleeper_pid"
check "ticker's PID unchanged" test "$(field_of ticker pid)" = "$ticker_pid"
check "no process added or removed in the subtree" test "$(cg_pids "" | sort | tr '\n' ' ')" = "$procs_before"
check "sleeper still alive" kill -0 "$sleeper_pid"
check "the pidfile still names the first daemon" grep -qx "$CGSUPD_PID" "$T/cgsupd.pid"

# ---- signals without a meaning are logged and ignored ----------------------------------------------
kill -USR1 "$CGSUPD_PID"
check "SIGUSR1 is logged" wait_until 10 log_has "SIGUSR1 from PID [0-9]* has no meaning for cgsupd, ignoring"
kill -s RTMIN+3 "$CGSUPD_PID"
check "a real-time signal is logged" wait_until 10 log_has "SIGRTMIN+3 from PID"
check "the daemon survives them" daemon_alive

# ---- SIGUSR2 reopens every log file -----------------------------------------------------------------
check "ticker writes its log" wait_until 10 test -s "$T/ticker.log"
mv "$T/ticker.log" "$T/ticker.log.moved"
mv "$T/daemon.log" "$T/daemon.log.moved"
kill -USR2 "$CGSUPD_PID"
check "USR2: the daemon reopens its own log file" wait_until 10 grep -q "Reopened log files" "$T/daemon.log"
check "USR2: the program's output goes to a new file" wait_until 10 grep -q "^line " "$T/ticker.log"
moved_size=$(stat -c %s "$T/ticker.log.moved")
wait_until 10 bash -c "[[ \$(wc -l <'$T/ticker.log') -ge 5 ]]"
check "USR2: nothing more goes to the moved file" test "$(stat -c %s "$T/ticker.log.moved")" -eq "$moved_size"
first_new=$(head -n 1 "$T/ticker.log" | awk '{ print $2 }')
last_old=$(tail -n 1 "$T/ticker.log.moved" | awk '{ print $2 }')
check "USR2: no line lost between the two files ($last_old -> $first_new)" test "$first_new" -eq $((last_old + 1))

# ---- logfile_maxbytes / logfile_backups ------------------------------------------------------------
# Real-time signals queue (standard ones would merge while pending): 150 log lines of ~90 bytes.
for _ in $(seq 150); do kill -s RTMIN+3 "$CGSUPD_PID"; done
check "the daemon log rotates: daemon.log.1 exists" wait_until 20 test -f "$T/daemon.log.1"
check "...and .2" wait_until 20 test -f "$T/daemon.log.2"
check "no more than logfile_backups files" test ! -e "$T/daemon.log.3"
check "every file within logfile_maxbytes" bash -c "for f in $T/daemon.log $T/daemon.log.[12]; do [[ \$(stat -c %s \$f) -le 4096 ]] || exit 1; done"

dl_stop
check "clean shutdown" test $? -eq 0
check "the pidfile is removed at exit" test ! -e "$T/cgsupd.pid"
check "the subtree lock is removed at exit" test ! -e "$RUNDIR/lock"

# ---- passthrough into a regular file opened without O_APPEND ----------------------------------------
cat >"$T/pass.conf" <<EOF
[program:pt]
command=$CGSUP_HOG print 150 0.01
startsecs=0
autorestart=false
EOF
# `>` opens without O_APPEND; container= makes AUTO output pass through to our stdout.
container=test "$CGSUPD" -c "$T/pass.conf" --cgroup "$SUBTREE" >"$T/pass.out" 2>&1 &
CGSUPD_PID=$!
DAEMON_LOG="$T/pass.out"
check "cgsupd starts with stdout on a regular file" wait_until 15 grep -q "ready:" "$T/pass.out"
sent=0
while ! grep -q "^pt: line 150$" "$T/pass.out" && ((sent < 200)); do
        kill -USR1 "$CGSUPD_PID"
        sent=$((sent + 1))
        wait_until 5 bash -c "[[ \$(grep -c 'SIGUSR1 from' '$T/pass.out') -ge $sent ]]"
done
check "every passthrough line survived the daemon's own writes" wait_until 10 bash -c "[[ \$(grep -c '^pt: line [0-9]*$' '$T/pass.out') -eq 150 ]]"
check "every daemon line survived the passthrough ($sent signals)" test "$(grep -c 'SIGUSR1 from' "$T/pass.out")" -eq "$sent"
dl_stop
check "clean shutdown" test $? -eq 0
done_testing
