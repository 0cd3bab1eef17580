#!/usr/bin/env bash
# stdin as supervisord gives it: every program reads a pipe cgsupd holds, so `command=/bin/cat` stays
# RUNNING; `cgsupctl send` writes to it (words + newline, -n, - from stdin); `stdin=null` keeps /dev/null;
# a pipe nobody reads fills up and the write is refused (StdinFull) while the daemon keeps answering; a
# program that closed its stdin gives StdinClosed; the pipe survives a kill -9 of cgsupd (the program sees
# no EOF, and send works after re-adoption); `cgsupctl attach` through a pseudo-terminal sends keys and
# shows output until Ctrl-]; cgsup-supervisorctl's fg forwards the lines it reads.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
[[ -n ${CGSUP_SUPERVISORCTL:-} && -x $CGSUP_SUPERVISORCTL ]] || skip_all "CGSUP_SUPERVISORCTL not set"
command -v python3 >/dev/null || skip_all "python3 not installed (ENOENT): needed for the pty helper"
dl_setup stdin

cat >"$T/cgsup.conf" <<EOF
[program:cat]
command=/bin/cat
stdout_logfile=$T/cat.log

[program:nulled]
command=/bin/cat
stdin=null
startsecs=0
autorestart=false

[program:deaf]
command=/bin/sleep infinity
startsecs=0

[program:mute]
command=/bin/sleep infinity
stdin=null
startsecs=0

[program:closer]
command=/bin/sh -c 'exec 0<&-; exec sleep infinity'
startsecs=0
EOF
dl_start "$T/cgsup.conf"
check "cgsupd starts" daemon_alive

ctl() { "$CGSUPCTL" "$@"; }
log_line_is() { [[ $(tail -n 1 "$T/cat.log" 2>/dev/null) == "$1" ]]; }
log_contains() { grep -qxF -- "$1" "$T/cat.log" 2>/dev/null; }

# /bin/cat with a pipe on stdin waits for input: RUNNING after startsecs and still there later.
check "cat (stdin=pipe) reaches RUNNING" wait_state cat RUNNING 15
cat_pid=$(field_of cat pid)
check "cat keeps running (no EOF on its stdin)" state_is cat RUNNING
check "stdin=null keeps /dev/null: cat exits at once (EXITED, exit 0)" wait_state nulled EXITED 15

check "send cat hello: shows in its output" ctl send cat hello
check "  the output has the line" wait_until 10 log_contains hello
ctl send cat two words >/dev/null
check "send joins DATA with spaces and adds a newline" wait_until 10 log_contains "two words"
ctl send -n cat abc >/dev/null && ctl send cat def >/dev/null
check "send -n adds no newline" wait_until 10 log_contains abcdef
printf 'from\nstdin\n' | ctl send cat - >/dev/null
check "send - reads the data from cgsupctl's stdin" wait_until 10 log_line_is stdin

out=$(ctl send nosuch x 2>&1)
rc=$?
check "send to an unknown program: exit 4 with a message" test "$rc" -eq 4 -a -n "$out"
out=$(ctl send nulled x 2>&1)
rc=$?
check "send to a program that is not running: exit 3, says so" \
        bash -c '[[ $0 -eq 3 && $1 == *"not running"* ]]' "$rc" "$out"
wait_state mute RUNNING 10
out=$(ctl send mute x 2>&1)
rc=$?
check "send to stdin=null: StdinClosed naming stdin = null" \
        bash -c '[[ $0 -eq 1 && $1 == *"stdin = null"* ]]' "$rc" "$out"
wait_state closer RUNNING 10
out=$(ctl send closer x 2>&1)
rc=$?
check "send to a program that closed its stdin: says its stdin is closed" \
        bash -c '[[ $0 -eq 1 && $1 == *"stdin is closed"* ]]' "$rc" "$out"

# deaf never reads: 64 KiB fill the pipe, then the daemon refuses (never blocks) and stays responsive while
# cgsupctl send waits for room; at the end it gives up with StdinFull.
wait_state deaf RUNNING 10
head -c 200000 /dev/zero >"$T/big"
ctl send deaf - <"$T/big" >"$T/full.out" 2>&1 &
send_pid=$!
check "while the pipe is full, cgsupd still answers (status)" bash -c '"$0" status cat >/dev/null' "$CGSUPCTL"
wait "$send_pid"
rc=$?
check "a pipe nobody reads: send fails with 'stdin pipe is full'" \
        bash -c '[[ $0 -eq 1 ]] && grep -q "stdin pipe is full" "$1"' "$rc" "$T/full.out"
check "cgsupd is still alive" daemon_alive

# kill -9 of cgsupd: cat keeps its stdin (no EOF), the new daemon takes the pipe back and send works.
dl_kill9
dl_start "$T/cgsup.conf"
check "cgsupd restarts after kill -9" daemon_alive
check "cat was adopted, same pid (it saw no EOF)" \
        bash -c 'wait_for() { for _ in $(seq 100); do [[ $(sed -n "s/^pid=//p" "$1") == "$2" ]] && return 0; sleep 0.1; done; return 1; }; wait_for "$0" "$1"' \
        "$RUNDIR/state/cat" "$cat_pid"
check "send after re-adoption reaches the same cat" ctl send cat after-restart
check "  the output has the line" wait_until 10 log_contains after-restart

# attach through a pseudo-terminal: typed keys go to cat, its output comes back, Ctrl-] detaches.
cat >"$T/attach_pty.py" <<'EOF'
import os, pty, select, sys, time
out, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
buf = b""
def read_until(token, limit):
    global buf
    end = time.monotonic() + limit
    while token not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return token in buf
ok = read_until(b"Attached to", 20)
os.write(fd, b"ping-from-pty\r")
# Echoed once by the terminal, then printed by cat: seen twice.
end = time.monotonic() + 20
while buf.count(b"ping-from-pty") < 2 and time.monotonic() < end:
    read_until(b"\x00never", 0.2)
ok = ok and buf.count(b"ping-from-pty") >= 2
os.write(fd, b"\x1d")
ok = ok and read_until(b"Detached", 20)
_, status = os.waitpid(pid, 0)
open(out, "wb").write(buf)
sys.exit(0 if ok and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1)
EOF
if timeout 60 python3 "$T/attach_pty.py" "$T/attach.out" "$CGSUPCTL" attach cat; then
        ok "attach through a pty: keys reach cat, its output comes back, Ctrl-] detaches with exit 0"
else
        fail "attach through a pty: keys reach cat, its output comes back, Ctrl-] detaches with exit 0"
        diag "$(cat -v "$T/attach.out" 2>&1)"
fi
check "  what was typed went to cat's stdin (newline from Enter)" log_contains ping-from-pty
out=$(ctl attach nosuch 2>&1 </dev/null)
rc=$?
check "attach to an unknown program: exit 4" test "$rc" -eq 4
out=$(ctl attach --detach-key=^X cat 2>&1 <<<"piped-line")
rc=$?
check "attach with stdin at EOF (a pipe) sends what it read, then ends with 0" test "$rc" -eq 0
check "  the piped line reached cat" wait_until 10 log_contains piped-line

# supervisorctl's fg: lines read go to the program's stdin; the end of input leaves fg.
printf 'via-fg\n' | timeout 60 "$CGSUP_SUPERVISORCTL" fg cat >"$T/fg.out" 2>&1
check "cgsup-supervisorctl fg forwards a line to stdin" wait_until 10 log_contains via-fg
check "  and says 'Exiting foreground' at the end of input" grep -q "Exiting foreground" "$T/fg.out"

check "cat is still RUNNING after all that" state_is cat RUNNING
check "cgsupd is alive" daemon_alive
dl_stop
check "graceful stop" test $? -eq 0
done_testing
