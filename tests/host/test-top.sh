#!/bin/bash
# SPDX-License-Identifier: MIT
# `cgsupctl top`: batch frames for scripts (-b -n N, --sort, --json, bad options), and the live view in a real
# terminal (tmux): it lists the programs, sorts on a key, moves the selection, stops, starts and restarts
# the selected program (the bus shows it) and restores the terminal when it quits. Each refresh is one call
# to cgsupd (its own bus-call counter says so).

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
command -v tmux >/dev/null || skip_all "tmux not installed (ENOENT)"

TMUX_SOCKET="cgsup-top-test-$$"
top_cleanup() {
        tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
        bus_cleanup
}
trap top_cleanup EXIT

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0

[program:idle]
command = sleep 1000
autostart = false

[program:worker]
command = sleep 1000
process_name = worker_%(process_num)d
numprocs = 2
startsecs = 0
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20
check "worker_1 is RUNNING" wait_state worker_1 RUNNING 20

# ---- batch ----
"$CGSUPCTL" top -b -n 2 --delay 0.2 >"$TEST_DIR/batch" 2>&1
rc=$?
check "top -b -n 2 exits 0" test "$rc" -eq 0
check "... prints two frames" bash -c "[[ \$(grep -c '^cgsupctl top - ' '$TEST_DIR/batch') -eq 2 ]] || { cat '$TEST_DIR/batch'; false; }"
check "... with the header and every instance as status names it" bash -c "
        grep -q '^NAME  *STATE  *CPU%  *MEM/LIMIT  *PEAK  *PIDS/LIMIT  *IO-READ  *IO-WRITE  *RESTARTS  *UPTIME' '$TEST_DIR/batch' &&
        grep -q '^worker:worker_1  *RUNNING ' '$TEST_DIR/batch' && grep -q '^idle  *STOPPED ' '$TEST_DIR/batch' || { cat '$TEST_DIR/batch'; false; }"
check "... CPU % of running programs is known from the second frame on" bash -c "
        awk '/^cgsupctl top - /{ f++ } f == 2' '$TEST_DIR/batch' | grep -Eq '^web  *RUNNING  *[0-9]+\.[0-9] ' ||
        { cat '$TEST_DIR/batch'; false; }"
"$CGSUPCTL" top --json -n 2 --delay 0.2 >"$TEST_DIR/json" 2>&1
check "top --json -n 2: two lines, one JSON frame each, every instance with its state" python3 -c '
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1])]
assert len(frames) == 2, len(frames)
for f in frames:
    states = {p["name"]: p["state"] for p in f["programs"]}
    assert states.get("worker_1") == "RUNNING" and states.get("idle") == "STOPPED", states
    # named as status --json names them: the instance name, and its group beside it
    groups = {p["name"]: p["group"] for p in f["programs"]}
    assert groups.get("worker_1") == "worker" and groups.get("idle") == "idle", groups
web = [p for p in frames[1]["programs"] if p["name"] == "web"][0]
assert isinstance(web["cpu_percent"], float) and web["uptime_usec"] > 0, web
assert [p for p in frames[0]["programs"] if p["name"] == "web"][0]["cpu_percent"] is None
' "$TEST_DIR/json"
"$CGSUPCTL" top -b -n 1 --sort name >"$TEST_DIR/byname" 2>&1
check "--sort name lists idle, web, worker:worker_0, worker:worker_1" bash -c "
        [[ \$(awk 'NR > 2 { print \$1 }' '$TEST_DIR/byname' | paste -sd' ') == 'idle web worker:worker_0 worker:worker_1' ]] ||
        { cat '$TEST_DIR/byname'; false; }"
# One GetMetrics per refresh: cgsupd's count of method calls (cgsup_daemon_bus_calls_total) grows by the
# five frames and the second reading's own call, nothing more.
bus_calls() { "$CGSUPCTL" metrics | sed -n 's/^cgsup_daemon_bus_calls_total //p'; }
calls_before=$(bus_calls)
"$CGSUPCTL" top -b -n 5 --delay 0.2 >/dev/null 2>&1
calls_after=$(bus_calls)
diag "bus calls: $calls_before before, $calls_after after five frames"
check "five refreshes wake cgsupd five times (one GetMetrics each)" \
        test "$((calls_after - calls_before))" -eq 6
check "without a terminal, top is batch (one frame with -n 1)" bash -c "
        [[ \$('$CGSUPCTL' top -n 1 </dev/null | grep -c '^cgsupctl top - ') -eq 1 ]]"
for bad in "-n 0" "--delay 0" "--sort size" "web"; do
        # shellcheck disable=SC2086
        "$CGSUPCTL" top -b $bad >/dev/null 2>"$TEST_DIR/bad"
        rc=$?
        check "top $bad is a usage error (exit 2, a line naming it)" bash -c "[[ $rc -eq 2 ]] && head -n 1 '$TEST_DIR/bad' | grep -q '^cgsupctl: .*top' || cat '$TEST_DIR/bad'"
done

# ---- live view in tmux ----
pane() {
        tmux -L "$TMUX_SOCKET" capture-pane -p -t top "$@"
}
# pane_has REGEX: the screen shows a line matching REGEX (bounded wait).
pane_has() {
        local deadline=$((SECONDS + 30))
        while ((SECONDS < deadline)); do
                pane | grep -Eq -- "$1" && return 0
                sleep 0.1
        done
        echo "screen does not show /$1/:"
        pane
        return 1
}
keys() {
        tmux -L "$TMUX_SOCKET" send-keys -t top "$@"
}

tmux -L "$TMUX_SOCKET" -f /dev/null new-session -d -s top -x 150 -y 30 \
        "env DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' top --delay 0.5; echo 'top exited with '\$?; sleep 600"
check "the live view shows the programs" pane_has '^web +RUNNING '
check "... and the key help" pane_has 'q quit .*s stop .*S start .*R restart'
keys n
check "n sorts by name (idle first)" pane_has 'sorted by name'
check "... idle is the first row" bash -c "$(declare -f pane); TMUX_SOCKET=$TMUX_SOCKET; pane | sed -n 3p | grep -q '^idle '"
keys j
check "j selects the next row (web, in reverse video)" bash -c "
        $(declare -f pane); TMUX_SOCKET=$TMUX_SOCKET
        for _ in \$(seq 1 100); do pane -e | grep -q \$'\\e\\[7mweb ' && exit 0; sleep 0.1; done; pane -e | cat -v; false"
# The screen as it is now (escapes kept), an artifact like test-cockpit's screenshot: README's image of top
# (docs/top.png) is made from it.
PANE=${CGSUP_BUILD_DIR:-$TEST_DIR}/meson-logs/top-pane.ansi
mkdir -p "${PANE%/*}"
check "the screen is kept ($PANE)" bash -c "$(declare -f pane); TMUX_SOCKET=$TMUX_SOCKET; pane -e >'$PANE' && grep -q 'web' '$PANE'"
keys s
check "s stops the selected program (on the bus)" wait_state web STOPPED 30
check "... and the view shows it" pane_has '^web +STOPPED '
keys S
check "S starts it again" wait_state web RUNNING 30
check "... and the view shows it" pane_has '^web +RUNNING '
web_pid=$(prop web MainPID)
keys R
check "R restarts the selected program (a new PID on the bus)" bash -c "
        $(declare -f prop wait_state bctl); BUS_ADDRESS='$BUS_ADDRESS'
        for _ in \$(seq 1 300); do
                p=\$(prop web MainPID)
                [[ -n \$p && \$p != 0 && \$p != $web_pid ]] && wait_state web RUNNING 30 && exit 0
                sleep 0.1
        done
        false"
check "... and the view shows it running" pane_has '^web +RUNNING '
keys q
check "q quits with status 0" pane_has '^top exited with 0'
check "the terminal is restored (the alternate screen is gone)" bash -c "
        $(declare -f pane); TMUX_SOCKET=$TMUX_SOCKET; ! pane | grep -q 'q quit'"

check "cgsupd is still alive" daemon_alive
tap_done
