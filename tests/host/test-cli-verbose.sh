#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl -v / -vv against a cgsupd on a private bus: -v adds the sub-state, restarts and tasks columns to
# status and the start policy, checks and limits to status NAME; -vv traces every D-Bus call on stderr and
# leaves stdout (tables, --json) as it was.

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
check "without -v nothing is traced" bash -c "[[ -z \$('$C' status 2>&1 >/dev/null) ]]"
check "cgsupd still answers" daemon_alive
tap_done
