#!/usr/bin/env bash
# [eventlistener:x] with supervisord's protocol, unchanged. One configuration file runs under Debian's
# supervisord 4.2.5 and under cgsupd: a listener written with supervisor.childutils records every
# PROCESS_STATE event of a program that runs once, exits unexpectedly, then crashes at once until FATAL.
# The header lines and payloads must be byte for byte the same (serials, pids and the lengths that depend
# on the pids aside). Then, under cgsupd only: supervisord's documented "stop the supervisor on FATAL"
# listener stops cgsupd; listeners that break the protocol (garbage, never READY, a crash while BUSY)
# are logged, their events kept or dropped as supervisord does, and the daemon is fine.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
PY=/usr/bin/python3 # Debian's python3, where the supervisor package lives
[[ -x $PY ]] && $PY -c 'import supervisor.childutils' 2>/dev/null ||
        skip_all "Debian's python3-supervisor (package supervisor) not installed (ENOENT)"
SUPERVISORD=$(command -v supervisord || true)
[[ -n $SUPERVISORD ]] || skip_all "supervisord (package supervisor) not installed (ENOENT)"
dl_setup events

SD_PID=
events_cleanup() {
        [[ -n $SD_PID ]] && kill -KILL "$SD_PID" 2>/dev/null
        dl_cleanup
}
trap events_cleanup EXIT

# The listener: supervisor.childutils for the protocol; one line per event, the header line as it came
# (childutils keeps the order of the fields) and the payload with newlines escaped.
cat >"$T/record.py" <<'EOF'
import sys
from supervisor import childutils
out = open(sys.argv[1], "a", buffering=1)
while True:
    headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
    line = " ".join("%s:%s" % kv for kv in headers.items())
    out.write(line + "|" + payload.replace("\n", "\\n") + "\n")
    childutils.listener.ok(sys.stdout)
EOF
# Runs long enough to be RUNNING, exits 3 when the test says so, then every new start exits 1 at once.
cat >"$T/crash.sh" <<'EOF'
[ -e "$RUNDIR_/ran" ] && exit 1
touch "$RUNDIR_/ran"
while [ ! -e "$RUNDIR_/go" ]; do sleep 0.05; done
exit 3
EOF

# %(ENV_RUN)s keeps each daemon's files apart; everything else is the same file.
cat >"$T/events.conf" <<EOF
[supervisord]
logfile = %(ENV_RUN)s/daemon.log
pidfile = %(ENV_RUN)s/daemon.pid
childlogdir = %(ENV_RUN)s
identifier = cgsup-test
nodaemon = true
user = root

[program:crash]
command = /bin/sh $T/crash.sh
environment = RUNDIR_="%(ENV_RUN)s"
; supervisord's loop sees an exit up to a second late under load: a wide startsecs keeps its BACKOFFs
startsecs = 4
startretries = 1
autorestart = unexpected

[eventlistener:recorder]
command = $PY $T/record.py %(ENV_RUN)s/events.txt
events = PROCESS_STATE
EOF

# The crash program's events, once it is FATAL: header lines and payloads with serials, pids and lengths
# masked (the pids differ between the two runs, and so may the number of their digits).
normalize() {
        grep ' eventname:PROCESS_STATE_[A-Z]* ' "$1" | grep 'processname:crash ' |
                sed -E 's/serial:[0-9]+/serial:S/; s/poolserial:[0-9]+/poolserial:S/; s/len:[0-9]+/len:L/;
                        s/pid:[0-9]+/pid:P/'
}
fatal_seen() {
        grep -q 'eventname:PROCESS_STATE_FATAL .*processname:crash ' "$1/events.txt" 2>/dev/null
}
running_seen() {
        grep -q 'eventname:PROCESS_STATE_RUNNING .*processname:crash ' "$1/events.txt" 2>/dev/null
}
# The payload's len: header is right when childutils read exactly the payload; check it anyway.
lens_match() {
        $PY - "$1" <<'EOF'
import sys
for line in open(sys.argv[1]):
    head, payload = line.rstrip("\n").split("|", 1)
    fields = dict(f.split(":", 1) for f in head.split())
    if int(fields["len"]) != len(payload.replace("\\n", "\n")):
        sys.exit(1)
EOF
}

# 1. supervisord 4.2.5
mkdir -p "$T/sd"
RUN=$T/sd "$SUPERVISORD" -n -c "$T/events.conf" >"$T/sd/out" 2>&1 &
SD_PID=$!
if wait_until 30 running_seen "$T/sd"; then
        touch "$T/sd/go"
        wait_until 60 fatal_seen "$T/sd"
fi
kill -TERM "$SD_PID" 2>/dev/null
wait "$SD_PID" 2>/dev/null
SD_PID=
check "supervisord 4.2.5: the recorder saw crash go FATAL" fatal_seen "$T/sd"

# 2. cgsupd, same file
mkdir -p "$T/cg"
RUN=$T/cg dl_start "$T/events.conf"
check "cgsupd starts with an [eventlistener:x]" daemon_alive
if wait_until 30 running_seen "$T/cg"; then
        touch "$T/cg/go"
        wait_until 60 fatal_seen "$T/cg"
fi
check "cgsupd: the recorder (supervisor.childutils) saw crash go FATAL" fatal_seen "$T/cg"
normalize "$T/sd/events.txt" >"$T/sd.norm"
normalize "$T/cg/events.txt" >"$T/cg.norm"
check "the events are STARTING RUNNING EXITED STARTING BACKOFF STARTING BACKOFF FATAL" \
        bash -c '[[ $(sed -E "s/.*eventname:PROCESS_STATE_([A-Z]+) .*/\1/" "$0" | tr "\n" " ") == \
                "STARTING RUNNING EXITED STARTING BACKOFF STARTING BACKOFF FATAL " ]]' "$T/cg.norm"
if cmp -s "$T/sd.norm" "$T/cg.norm"; then
        ok "headers and payloads equal supervisord 4.2.5's (serials, pids and lens aside)"
else
        fail "headers and payloads equal supervisord 4.2.5's (serials, pids and lens aside)"
        diag "$(diff "$T/sd.norm" "$T/cg.norm")"
fi
check "every len: header counts the payload's characters" lens_match "$T/cg/events.txt"
check "a header line is supervisord's (ver:3.0 server:identifier ... pool:recorder)" \
        grep -q '^ver:3.0 server:cgsup-test serial:[0-9]* pool:recorder poolserial:[0-9]* eventname:PROCESS_STATE_EXITED len:[0-9]*|processname:crash groupname:crash from_state:RUNNING expected:0 pid:[0-9]*$' \
        "$T/cg/events.txt"
check "serials count up" bash -c 'grep -o " serial:[0-9]*" "$0" | cut -d: -f2 | sort -n -c' "$T/cg/events.txt"
check "the listener runs in its own cgroup" test -d "$CG_MOUNT/$SUBTREE/recorder/recorder"
dl_stop
check "graceful stop" test $? -eq 0

# 3. Misbehaving listeners, and supervisord's documented listener that stops the supervisor on FATAL.
cat >"$T/stopper.py" <<'EOF'
# After supervisord's documentation: on PROCESS_STATE_FATAL, SIGQUIT to the daemon in its pidfile.
import os, signal, sys
def write_stdout(s):
    sys.stdout.write(s)
    sys.stdout.flush()
while True:
    write_stdout("READY\n")
    line = sys.stdin.readline()
    headers = dict([x.split(":") for x in line.split()])
    data = sys.stdin.read(int(headers["len"]))
    sys.stderr.write(line + data + "\n")
    sys.stderr.flush()
    write_stdout("RESULT 2\nOK")
    if headers["eventname"] == "PROCESS_STATE_FATAL":
        os.kill(int(open(sys.argv[1]).read().strip()), signal.SIGQUIT)
EOF
# Takes one event and dies without a RESULT the first time; records the events it gets afterwards.
cat >"$T/dies.py" <<'EOF'
import os, sys
from supervisor import childutils
marker, out = sys.argv[1], sys.argv[2]
headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
if not os.path.exists(marker):
    open(marker, "w").write(headers["serial"])
    os._exit(1)
with open(out, "a", buffering=1) as f:
    while True:
        f.write(headers["serial"] + "\n")
        childutils.listener.ok(sys.stdout)
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
EOF
mkdir -p "$T/bad"
cat >"$T/bad.conf" <<EOF
[supervisord]
pidfile = $T/bad/daemon.pid
identifier = cgsup-test

[program:doomed]
command = /bin/sh -c 'exec sleep 2'
startsecs = 3
startretries = 1
autostart = false

[program:ticker]
command = /bin/sleep infinity
startsecs = 0

[eventlistener:garbage]
command = /bin/sh -c 'head -c 200000 /dev/urandom; echo; exec sleep infinity'
events = PROCESS_STATE
startsecs = 0

[eventlistener:silent]
command = /bin/sleep infinity
events = PROCESS_STATE
buffer_size = 2
startsecs = 0

[eventlistener:dies]
command = $PY $T/dies.py $T/bad/died-with $T/bad/after.txt
events = PROCESS_GROUP_ADDED
buffer_size = 100
startsecs = 0
autorestart = true

[eventlistener:ticks]
command = $PY $T/record.py $T/bad/ticks.txt
events = TICK_5
startsecs = 0

[eventlistener:stopper]
command = $PY $T/stopper.py $T/bad/daemon.pid
events = PROCESS_STATE_FATAL
startsecs = 0
EOF
dl_start "$T/bad.conf"
check "cgsupd starts with misbehaving listeners" daemon_alive
check "garbage on a listener's stdout: UNKNOWN state, logged" \
        wait_until 20 log_has "garbage: has entered the UNKNOWN state"
check "a listener that never says READY: its pool overflows, the oldest event is dropped and logged" \
        wait_until 20 log_has "pool silent event buffer overflowed, discarding event"
check "a listener that dies while BUSY gets the same event again after its restart" \
        wait_until 30 bash -c '[[ -s $0 && -s $1 && $(head -n 1 "$1") == "$(cat "$0")" ]]' \
        "$T/bad/died-with" "$T/bad/after.txt"
tick_seen() {
        grep -qE '^ver:3.0 server:cgsup-test serial:[0-9]+ pool:ticks poolserial:[0-9]+ eventname:TICK_5 len:[0-9]+[|]when:[0-9]*[05]$' \
                "$T/bad/ticks.txt" 2>/dev/null
}
check "TICK_5 comes at a 5 s boundary of the wall clock (when:...0 or ...5)" wait_until 30 tick_seen
check "cgsupd still answers" bash -c '"$0" status ticker >/dev/null 2>&1' "$CGSUPCTL"
"$CGSUPCTL" start doomed >/dev/null 2>&1 &
check "the FATAL listener stops cgsupd (SIGQUIT from the pidfile, as in supervisord's docs)" \
        wait_until 60 bash -c '! kill -0 "$0" 2>/dev/null' "$CGSUPD_PID"
wait "$CGSUPD_PID"
rc=$?
CGSUPD_PID=
check "cgsupd exited cleanly (status $rc) after stopping every program" test "$rc" -eq 0
check "no program is left behind" cg_empty ""
done_testing
