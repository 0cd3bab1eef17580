#!/bin/bash
# SPDX-License-Identifier: MIT
# The Cockpit page in a real browser: Debian's cockpit-ws in a local session (no login, the session runs as
# the user who starts cockpit-ws) serving cockpit/ from the source tree, its bridge on the private bus where
# cgsupd runs, and headless Chromium driven by selenium (tests/host/cockpit-page.py). As root the page lists
# the programs, stops one (the bus shows it), follows a start made with cgsupctl without a reload and shows
# output; as uid 65534, with a stand-in polkit that denies everything, it shows the denial and changes
# nothing. A screenshot of the page is kept in meson-logs/cockpit-page.png.

. "$(dirname "$0")/bus-lib.sh"

COCKPIT_WS=/usr/lib/cockpit/cockpit-ws
PY=/usr/bin/python3 # Debian's, where python3-selenium is installed (not another python3 on PATH)
DRIVER=$(dirname "$0")/cockpit-page.py
FAKE=${CGSUP_BUILD_DIR:-}/tests/host/fake-polkit

bus_test_setup
bus_require_nobody
[[ -x $COCKPIT_WS ]] || skip_all "cockpit-ws not installed ($COCKPIT_WS: ENOENT)"
command -v cockpit-bridge >/dev/null || skip_all "cockpit-bridge not installed (ENOENT)"
[[ -x $PY ]] || skip_all "$PY not installed (ENOENT)"
[[ -x $FAKE ]] || skip_all "fake-polkit helper not built ($FAKE)"
if ! why=$("$PY" "$DRIVER" probe 2>&1); then
        skip_all "$(tail -n 1 <<<"$why")"
fi

WS_PID=
FAKE_PID=
SESSION_BUS_PIDS=
cockpit_cleanup() {
        local pid
        for pid in $WS_PID $FAKE_PID $SESSION_BUS_PIDS; do
                [[ -n $pid ]] && stop_pid "$pid"
        done
        bus_cleanup
}
trap cockpit_cleanup EXIT

# The page as installed: share/cockpit/cgsup/ under a data dir of our own (readable by uid 65534).
install -d -m 0755 "$TEST_DIR/share/cockpit/cgsup" "$TEST_DIR/home"
install -m 0644 "$CGSUP_SOURCE_DIR"/cockpit/* "$TEST_DIR/share/cockpit/cgsup/"
chown 65534:65534 "$TEST_DIR/home"

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sh -c 'echo "web says hello"; i=0; while :; do i=\$((i+1)); echo "tick \$i"; sleep 1; done'
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

# A denying polkit (no action allowed) on the private bus: root needs no polkit, uid 65534 is refused.
"$FAKE" "$TEST_DIR/polkit.log" >"$TEST_DIR/fake-polkit.out" 2>&1 &
FAKE_PID=$!
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20

# free_port: a TCP port nothing listens on (cockpit-ws cannot pick one itself).
free_port() {
        "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_ws [PREFIX...]: cockpit-ws for one browser session (a local session ends when the browser leaves), run
# through PREFIX (setpriv) so that WS_PID is cockpit-ws itself.
start_ws() {
        local port session_sock session_pid
        port=$(free_port)
        # A session bus of our own for the bridge: without one it autolaunches a session dbus-daemon that
        # outlives the test.
        session_sock="$TEST_DIR/home/session-bus-$port"
        session_pid=$("$@" dbus-daemon --session --fork --print-pid --address="unix:path=$session_sock") || return 1
        SESSION_BUS_PIDS+=" $session_pid"
        "$@" env HOME="$TEST_DIR/home" XDG_DATA_DIRS="$TEST_DIR/share:/usr/share" \
                DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" DBUS_SESSION_BUS_ADDRESS="unix:path=$session_sock" \
                "$COCKPIT_WS" --no-tls -a 127.0.0.1 -p "$port" --local-session=cockpit-bridge \
                >>"$TEST_DIR/cockpit-ws.log" 2>&1 &
        WS_PID=$!
        for _ in $(seq 1 200); do
                if "$PY" -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
                        URL="http://127.0.0.1:$port/cgsup"
                        return 0
                fi
                kill -0 "$WS_PID" 2>/dev/null || break
                sleep 0.1
        done
        echo "# cockpit-ws did not listen on $port:"
        sed 's/^/#   /' "$TEST_DIR/cockpit-ws.log" | tail -n 20
        return 1
}

# run_driver MODE ARGS...: the browser session, its PASS/FAIL lines as TAP.
run_driver() {
        local line
        while IFS= read -r line; do
                case $line in
                "PASS "*) tap_ok "${line#PASS }" ;;
                "FAIL "*) tap_fail "${line#FAIL }" ;;
                *) echo "$line" | sed 's/^\([^#]\)/# \1/' ;;
                esac
        done < <(CGSUPCTL="$CGSUPCTL" DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" timeout 600 "$PY" "$DRIVER" "$@" 2>&1)
}

SHOT=${CGSUP_BUILD_DIR:-$TEST_DIR}/meson-logs/cockpit-page.png
mkdir -p "$(dirname "$SHOT")"
if start_ws; then
        tap_ok "cockpit-ws (root session) listens"
        run_driver admin "$URL" "$SHOT"
        check "screenshot kept ($SHOT)" test -s "$SHOT"
        stop_pid "$WS_PID"
        WS_PID=
else
        tap_fail "cockpit-ws (root session) listens"
fi

wait_state web RUNNING 20 >/dev/null || "$CGSUPCTL" start web >/dev/null
check "web is RUNNING again" wait_state web RUNNING 20
if start_ws setpriv --reuid=65534 --regid=65534 --clear-groups; then
        tap_ok "cockpit-ws (uid 65534 session) listens"
        run_driver denied "$URL"
        check "the stand-in polkit was asked for org.cgsup1.manage" grep -q 'org.cgsup1.manage' "$TEST_DIR/polkit.log"
else
        tap_fail "cockpit-ws (uid 65534 session) listens"
fi

check "cgsupd is still alive" daemon_alive
tap_done
