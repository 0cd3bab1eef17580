#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl -v / -vv against a cgsupd on a private bus: -v adds the sub-state, restarts and tasks columns to
# status and the start policy, checks and limits to status NAME; -vv traces every D-Bus call on stderr and
# leaves stdout (tables, --json) as it was: method calls, property reads (pid), matches and the signals
# they deliver (run --wait, start), and async calls (run --wait's StopProgram on Ctrl-C).

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup

cat >"$TEST_DIR/cgsup.conf" <<EOF2
[program:web]
command = sleep 1000
startsecs = 0
priority = 42
healthcheck_type = exec
healthcheck_command = /bin/true
EOF2
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20
C=$CGSUPCTL

check "status: no RESTARTS column without -v" bash -c "! '$C' status --full | head -n 1 | grep -q RESTARTS"
check "status -v: SUB-STATE, RESTARTS and TASKS/LIMIT columns" bash -c "
        out=\$('$C' -v status --full); head -n 1 <<<\"\$out\" | grep -q 'SUB-STATE.*RESTARTS.*TASKS/LIMIT' &&
        grep -q '^web ' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "status web -v (after the verb): Start, Checks and Limits lines" bash -c "
        out=\$('$C' status web -v); grep -q 'Start: autostart yes, autorestart .*priority 42, type simple' <<<\"\$out\" &&
        grep -q 'Checks: readiness .*liveness' <<<\"\$out\" && grep -q 'Limits: none' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "status web: no Start line without -v" bash -c "! '$C' status web | grep -q 'Start:'"
check "--verbose is -v" bash -c "'$C' --verbose status web | grep -q 'Limits:'"

check "-vv: each call traced on stderr (method, then reply)" bash -c "
        '$C' -vv status >'$TEST_DIR/vv.out' 2>'$TEST_DIR/vv.err'
        grep -q '^cgsupctl: -> /org/cgsup1 org.cgsup1.Manager.ListPrograms()' '$TEST_DIR/vv.err' &&
        grep -qE '^cgsupctl: <- reply \\(a\\(.*\\)\\) \\([0-9.]+ ms\\)' '$TEST_DIR/vv.err' || { cat '$TEST_DIR/vv.err'; exit 1; }"
check "-vv: stdout is the table, without a trace line" bash -c "
        head -n 1 '$TEST_DIR/vv.out' | grep -q '^NAME' && ! grep -q -- '->' '$TEST_DIR/vv.out'"
check "-vv: an error is traced with its D-Bus name" bash -c "
        '$C' -vv stop nosuch >/dev/null 2>'$TEST_DIR/vv2.err'
        grep -q '^cgsupctl: <- error org.cgsup1.Error.NoSuchProgram' '$TEST_DIR/vv2.err' || { cat '$TEST_DIR/vv2.err'; exit 1; }"
check "-vv --json: stdout is still one JSON document" bash -c "
        '$C' -vv status --json 2>/dev/null | python3 -c 'import json,sys; json.load(sys.stdin)'"
check "-vv: a property read is traced (pid: Properties.Get of Manager.PID)" bash -c "
        '$C' -vv pid >/dev/null 2>'$TEST_DIR/vv3.err'
        grep -q '^cgsupctl: -> /org/cgsup1 org.freedesktop.DBus.Properties.Get(ss)' '$TEST_DIR/vv3.err' &&
        grep -qE '^cgsupctl: <- reply \\(v\\) \\([0-9.]+ ms\\)' '$TEST_DIR/vv3.err' || { cat '$TEST_DIR/vv3.err'; exit 1; }"
check "-vv: run --wait traces its matches and the TransientFinished signal" bash -c "
        '$C' -vv run --wait -- /bin/true >/dev/null 2>'$TEST_DIR/vv4.err'
        grep -q \"^cgsupctl: -> /org/freedesktop/DBus org.freedesktop.DBus.AddMatch(s) type='signal',sender='org.cgsup1',path='/org/cgsup1',interface='org.cgsup1.Manager',member='TransientFinished'\" '$TEST_DIR/vv4.err' &&
        grep -q '^cgsupctl: <- signal /org/cgsup1 org.cgsup1.Manager.TransientFinished(' '$TEST_DIR/vv4.err' || { cat '$TEST_DIR/vv4.err'; exit 1; }"
# The matches are asked for asynchronously (as systemd-run does): RunTransient goes out before their replies.
check "-vv: run --wait sends RunTransient without waiting for the AddMatch replies" bash -c "
        awk '/RunTransient/ { call = NR } /^cgsupctl: <- reply \\(\\)/ && !first { first = NR }
             END { exit !(call && first && call < first) }' '$TEST_DIR/vv4.err' || { cat '$TEST_DIR/vv4.err'; exit 1; }"
# dbus-daemon attaches no credentials: cgsupd asks the bus for a caller's uid, once per connection (the
# authorization's uid 0 shortcut and RunTransient's run-as user share the answer).
uid_queries() {
        local mon=$TEST_DIR/uid-monitor.out pid n i
        dbus-monitor --address "$BUS_ADDRESS" "type='method_call',destination='org.freedesktop.DBus'" >"$mon" 2>&1 &
        pid=$!
        for i in $(seq 1 100); do grep -q '^signal.*NameAcquired\|^method call' "$mon" && break; sleep 0.05; done
        "$C" run --wait -- /bin/true >/dev/null || { kill "$pid"; wait "$pid"; return 1; }
        "$C" status >/dev/null
        kill "$pid"
        wait "$pid" 2>/dev/null
        n=$(grep -c 'member=GetConnectionUnixUser\|member=GetConnectionCredentials' "$mon")
        [[ $n -eq 1 ]] || { echo "expected 1 uid query for one run --wait, saw $n"; grep 'member=GetConnection' "$mon"; return 1; }
}
if command -v dbus-monitor >/dev/null; then
        check "cgsupd asks the bus for the caller's uid once per run --wait" uid_queries
else
        tap_skip "cgsupd asks the bus for the caller's uid once per run --wait" "dbus-monitor not installed"
fi
check "-vv: stop (a job waited for) traces the JobRemoved signal" bash -c "
        '$C' -vv stop web >/dev/null 2>'$TEST_DIR/vv5.err'
        grep -q '^cgsupctl: <- signal /org/cgsup1 org.cgsup1.Manager.JobRemoved(' '$TEST_DIR/vv5.err' || { cat '$TEST_DIR/vv5.err'; exit 1; }"
# Ctrl-C during run --wait stops the program with an async StopProgram call: its send and reply are traced.
async_stop_traced() {
        local pid i
        "$C" -vv run --wait -- sleep 1000 >/dev/null 2>"$TEST_DIR/vv6.err" &
        pid=$!
        for i in $(seq 1 200); do
                grep -q 'TransientStarted\|RunTransient' "$TEST_DIR/vv6.err" && grep -q '^cgsupctl: <- reply' "$TEST_DIR/vv6.err" &&
                        [[ $(grep -c '^cgsupctl: <- ' "$TEST_DIR/vv6.err") -ge 3 ]] && break
                sleep 0.1
        done
        kill -INT "$pid"
        for i in $(seq 1 200); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        grep -q '^cgsupctl: -> /org/cgsup1 org.cgsup1.Manager.StopProgram(s) (async)' "$TEST_DIR/vv6.err" &&
                [[ $(grep -A3 'StopProgram(s) (async)' "$TEST_DIR/vv6.err" | grep -c '^cgsupctl: <- reply (') -ge 1 ]] ||
                { cat "$TEST_DIR/vv6.err"; return 1; }
}
check "-vv: run --wait's async StopProgram (Ctrl-C) is traced with its reply" async_stop_traced
check "without -v nothing is traced" bash -c "[[ -z \$('$C' status 2>&1 >/dev/null) ]]"
check "cgsupd still answers" daemon_alive
tap_done
