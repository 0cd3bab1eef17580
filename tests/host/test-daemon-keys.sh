#!/usr/bin/env bash
# The keys of issue 11, item 5, each observed in the program itself: clean_environment (its environment),
# strip_ansi (its log file), rlimit_* and [cgsupd] minfds (its /proc/self/limits), description (status),
# the syslog fallback without journald ($CGSUP_SYSLOG_SOCKET stands for /dev/log), and
# exit_when_all_done (cgsupd exits by itself once the last program is done).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "no $PY (ENOENT)"
[[ -e /run/systemd/journal/socket ]] && skip_all "journald runs here: the syslog fallback is not used (EEXIST)"
dl_setup keys

# A syslog receiver on a datagram socket: every message on a line of its own.
$PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' "$T/log.sock" "$T/syslog.out" &
SYSLOG_PID=$!
trap 'kill $SYSLOG_PID 2>/dev/null; dl_cleanup' EXIT
wait_until 10 test -S "$T/log.sock" || skip_all "the syslog receiver did not start"

cat >"$T/cgsup.conf" <<CONF
[cgsupd]
exit_when_all_done = true
minfds = 4096
environment = FROM_CGSUPD=1

[program:clean]
command = bash -c 'env >$T/clean.env'
clean_environment = true
environment = FOO=bar
startsecs = 0
autorestart = false

[program:dirty]
command = bash -c 'env >$T/dirty.env'
environment = FOO=bar
startsecs = 0
autorestart = false

[program:ansi]
command = printf '\033[1;31mred\033[0m \033]0;title\007plain\n'
stdout_logfile = $T/ansi.log
strip_ansi = true
startsecs = 0
autorestart = false

[program:raw]
command = printf '\033[1;31mred\033[0m\n'
stdout_logfile = $T/raw.log
startsecs = 0
autorestart = false

[program:limits]
command = bash -c 'cat /proc/self/limits >$T/limits.out'
rlimit_nofile = 1000:2000
rlimit_core = infinity
rlimit_stack = 4M:8M
startsecs = 0
autorestart = false

[program:inherit]
command = bash -c 'cat /proc/self/limits >$T/inherit.out'
startsecs = 0
autorestart = false

[program:sys]
command = echo to syslog
stdout_syslog = true
stdout_logfile = NONE
startsecs = 0
autorestart = false

[program:waiter]
description = Waits for the test, then ends
command = bash -c 'while [ ! -e $T/done ]; do sleep 0.05; done'
startsecs = 0
autorestart = false
CONF

# minfds is seen when cgsupd starts below it: a soft limit of 1024 (the hard one stays; raising that needs
# CAP_SYS_RESOURCE, which a container may lack).
(( $(ulimit -Hn) >= 4096 )) || skip_all "the hard RLIMIT_NOFILE here is below 4096"
ulimit -Sn 1024
MARKER=from-the-environment CGSUP_SYSLOG_SOCKET="$T/log.sock" dl_start "$T/cgsup.conf"
check "cgsupd starts" daemon_alive

check "clean_environment: the program ran" wait_until 10 test -s "$T/clean.env"
check "clean_environment: its own environment= is there" grep -qx FOO=bar "$T/clean.env"
check "clean_environment: [cgsupd] environment= is there" grep -qx FROM_CGSUPD=1 "$T/clean.env"
check "clean_environment: cgsupd's own environment is not" bash -c "! grep -q '^MARKER=' $T/clean.env"
check "clean_environment: supervisord's variables are" grep -qx SUPERVISOR_ENABLED=1 "$T/clean.env"
check "without it the program inherits cgsupd's environment" wait_until 10 grep -qx MARKER=from-the-environment "$T/dirty.env"

check "strip_ansi: the log holds text" wait_until 10 bash -c "[[ \$(cat $T/ansi.log) == 'red plain' ]]"
check "without strip_ansi the bytes are kept" wait_until 10 bash -c "grep -q \$'\\033\\\\[1;31mred' $T/raw.log"

check "rlimit_nofile 1000:2000 in the program" wait_until 10 \
        grep -Eq '^Max open files +1000 +2000 +files' "$T/limits.out"
check "rlimit_core infinity in the program" grep -Eq '^Max core file size +unlimited +unlimited +bytes' "$T/limits.out"
check "rlimit_stack 4M:8M in the program" grep -Eq '^Max stack size +4194304 +8388608 +bytes' "$T/limits.out"
check "minfds: the program inherits cgsupd's soft limit, raised from 1024 to 4096" wait_until 10 \
        bash -c "(( \$(awk '/^Max open files/ { print \$4 }' $T/inherit.out) == 4096 ))"

check "syslog without journald: the line reached the syslog socket" wait_until 10 \
        grep -qx '<30>sys: to syslog' "$T/syslog.out"

check "description in status NAME" bash -c "'$CGSUPCTL' status waiter | head -1 | grep -q 'waiter - Waits for the test, then ends'"
check "description on D-Bus" bash -c "busctl --system get-property org.cgsup1 /org/cgsup1/program/waiter org.cgsup1.Program Description | grep -qx 's \"Waits for the test, then ends\"'"
check "cgsupd still runs while one program does" daemon_alive

touch "$T/done"
check "exit_when_all_done: cgsupd exits once the last program ended" wait_until 30 bash -c "! kill -0 $CGSUPD_PID 2>/dev/null"
wait "$CGSUPD_PID"
rc=$?
CGSUPD_PID=
check "exit_when_all_done: with status 0" test "$rc" -eq 0
check "exit_when_all_done: said why" log_has "Every program is done, shutting down (exit_when_all_done=true)"
done_testing
