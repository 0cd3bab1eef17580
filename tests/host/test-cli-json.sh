#!/bin/bash
# SPDX-License-Identifier: MIT
# Every cgsupctl verb that prints data, with --json, against a cgsupd on a private bus: each document is
# validated (python3-jsonschema) against its kind in docs/cgsupctl.schema.json, the schema cgsupctl(1)
# documents. The validator is shown to fail on a renamed, a missing and an extra field, and a program that
# runs again after a crash carries no exit figures of the earlier run (stale fields cleared).

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup

SRC=${CGSUP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SCHEMA_CHECK="$SRC/tests/host/json-schema.py"
PY=
# Debian's python3 first: it has python3-jsonschema (tools/install-deps) and starts fastest.
for p in /usr/bin/python3 python3; do
        if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p; break; fi
done
[[ -n $PY ]] || skip_all "python3-jsonschema not installed (tools/install-deps installs it)"

# doc DESC KIND COMMAND...: COMMAND's stdout (KIND ending in /lines: one document per line) is kept in
# $DOCS to be checked against KIND; check_docs checks them all in one validator run (one TAP line each).
DOCS="$TEST_DIR/docs"
mkdir -p "$DOCS"
DOC_N=0
declare -A DOC_DESC
doc() {
        local desc=$1 kind=$2 file rc
        shift 2
        DOC_N=$((DOC_N + 1))
        if [[ $kind == */lines ]]; then kind=${kind%/lines}.lines; fi
        file=$(printf '%03d-%s.json' "$DOC_N" "$kind")
        # Verbs that report with their exit status still print their document (is-active: 3, is-failed: 1).
        "$@" >"$DOCS/$file" 2>"$TEST_DIR/doc.err"
        rc=$?
        if [[ ! -s $DOCS/$file ]]; then
                tap_fail "$desc: no output"
                echo "exit status $rc: $(head -c 500 "$TEST_DIR/doc.err")" | sed 's/^/#   /'
                rm -f "$DOCS/$file"
                return
        fi
        DOC_DESC[$file]=$desc
}

check_docs() {
        local name
        "$PY" "$SCHEMA_CHECK" --batch "$DOCS" >"$TEST_DIR/batch.out" 2>&1
        for name in $(ls "$DOCS"); do
                if grep -qx "$name ok" "$TEST_DIR/batch.out"; then
                        tap_ok "${DOC_DESC[$name]}"
                else
                        tap_fail "${DOC_DESC[$name]}"
                        grep "^$name " "$TEST_DIR/batch.out" | head -n 15 | sed 's/^/#   /'
                        # The document may end without a newline: never glue the next TAP line to it.
                        printf '%s\n' "$(head -c 1500 "$DOCS/$name")" | sed 's/^/#   | /'
                fi
        done
}

check "the schema is JSON Schema 2020-12 and closes every object it describes" "$PY" "$SCHEMA_CHECK" --lint

mkdir -p "$TEST_DIR/state"
cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0
healthcheck_type = exec
healthcheck_command = /bin/true
healthcheck_interval = 1

[program:crashy]
; The first run dies of SIGSEGV, the second keeps running: its record must not keep the first run's signal.
command = /bin/sh -c 'if [ ! -e $TEST_DIR/state/crashed ]; then touch $TEST_DIR/state/crashed; kill -SEGV \$\$; fi; exec sleep 1000'
startsecs = 0
autorestart = true
backoff_initial = 0.1

[program:broken]
command = /bin/sh -c 'exit 3'
startsecs = 1
startretries = 0
autorestart = false

[program:chatty]
command = /bin/sh -c 'echo hello; echo oops >&2; exec sleep 1000'
startsecs = 0

[program:worker]
command = sleep 1000
numprocs = 2
process_name = %(program_name)s_%(process_num)d
startsecs = 0

[group:pool]
programs = worker
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20
check "broken is FATAL" wait_state broken FATAL 30
check "crashy crashed once and runs again" bash -c "
        for _ in \$(seq 1 300); do
                [[ -e '$TEST_DIR/state/crashed' ]] && '$CGSUPCTL' is-active -q crashy && exit 0
                sleep 0.1
        done
        exit 1"

# ---- every data-printing verb ----
C=$CGSUPCTL
doc "status --json: status" status "$C" status --json
doc "status --json=short: status" status "$C" status --json=short
doc "status NAME --json: status_detail (web, broken, a group member)" status_detail "$C" status web broken pool:worker_0 --json
doc "status pool:* --json: status_detail" status_detail "$C" status 'pool:*' --json
doc "is-active --json: is_active" is_active "$C" is-active web broken --json
doc "is-failed --json: is_failed" is_failed "$C" is-failed web broken --json
doc "show NAME --json: show" show "$C" show web crashy --json
show_has_every_property() {
        local want got
        want=$(bctl introspect org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program | awk '$2 == "property" { print substr($1, 2) }' | sort)
        got=$("$C" show web --json | "$PY" -c 'import json,sys; print("\n".join(sorted(json.load(sys.stdin)["programs"][0])))')
        [[ -n $want && $want == "$got" ]] || { diff <(echo "$want") <(echo "$got"); return 1; }
}
check "show NAME --json: every property busctl introspect lists, no other" show_has_every_property
doc "show NAME -p ... --json: show" show "$C" show web -p State,MainPID --json
doc "show --json (manager): show_manager" show_manager "$C" show --json
doc "cat NAME --json: cat" cat "$C" cat web --json
doc "pid --json: pid_daemon" pid_daemon "$C" pid --json
doc "pid NAME --json: pid" pid "$C" pid web pool:worker_1 broken --json
doc "avail --json: avail" avail "$C" avail --json
doc "list-names --json: list_names" list_names "$C" list-names --json
doc "health --json: health" health "$C" health --json
doc "ready --json: ready" ready "$C" ready --json
doc "version --json: version" version "$C" version --json
# The tables beside the documents: a group member is "pool:worker_0" in health and ready as in status.
check "health, ready, status tables: one name for a group member (pool:worker_0)" bash -c "
        for v in health ready status; do
                '$C' \$v --no-legend | grep -q '^pool:worker_0 ' || { echo \"\$v:\"; '$C' \$v; exit 1; }
        done"
doc "doctor --json: doctor" doctor "$C" doctor --json
doc "doctor --cgroup --json: doctor (requested cgroup)" doctor "$C" doctor --cgroup "/$CG_SUBTREE" --json
doc "validate --json: validate" validate "$C" validate "$TEST_DIR/cgsup.conf" --json
printf '[program:x]\ncommand = /bin/true\nnumprocs = lots\nbogus_key = 1\n' >"$TEST_DIR/bad.conf"
doc "validate --json of a bad file: validate (with diagnostics)" validate "$C" validate "$TEST_DIR/bad.conf" --json
doc "reread --json: reread" reread "$C" reread --json
doc "update --json: reread" reread "$C" update --json
doc "tail --json: output_record" output_record "$C" tail chatty --json
doc "tail --json stderr: output_record" output_record "$C" tail chatty stderr --json
doc "metrics --json: metrics" metrics "$C" metrics --json
doc "metrics --json=short: metrics" metrics "$C" metrics --json=short
doc "top -b -n 2 --json: top, one frame per line" top/lines "$C" top -b -n 2 --delay=0.1 --json
check "top --json: two frames, rates in the second" bash -c "
        '$C' top -b -n 2 --delay=0.1 --json >'$TEST_DIR/top.json' && [[ \$(wc -l <'$TEST_DIR/top.json') -eq 2 ]] &&
        tail -n 1 '$TEST_DIR/top.json' | '$PY' -c 'import json,sys; d=json.load(sys.stdin); assert any(p[\"cpu_percent\"] is not None for p in d[\"programs\"]), d'"
doc "start --json (already running): job_result" job_result "$C" start web --json
check "start --json (already running): web is in unchanged, not in affected" bash -c "
        '$C' start web --json | '$PY' -c 'import json,sys; d=json.load(sys.stdin); assert d[\"unchanged\"] == [\"web\"] and d[\"affected\"] == [], d'"
doc "restart --json: job_result" job_result "$C" restart pool:worker_1 --json
doc "stop --json: job_result" job_result "$C" stop pool:worker_1 --json
doc "kill --json: control_result" control_result "$C" kill -s CONT web --json
doc "signal --json: control_result" control_result "$C" signal CONT web --json
doc "freeze --json: control_result" control_result "$C" freeze web --json
doc "thaw --json: control_result" control_result "$C" thaw web --json
doc "rotate --json: control_result" control_result "$C" rotate chatty --json
doc "reset-failed --json: control_result" control_result "$C" reset-failed broken --json
# Limits are set only where the host can enforce them: on a cgroup2 tree without controllers (a hybrid host)
# set-property refuses with the reason; the VM tier has the controllers.
if "$C" set-property web cpu_weight=200 --json >"$TEST_DIR/sp.json" 2>"$TEST_DIR/sp.err"; then
        mv "$TEST_DIR/sp.json" "$DOCS/900-set_property.json"
        DOC_DESC[900-set_property.json]="set-property --json: set_property"
elif grep -q "cannot be enforced" "$TEST_DIR/sp.err"; then
        tap_skip "set-property --json: set_property" "no cpu controller in this host's cgroup2 tree (EOPNOTSUPP)"
else
        tap_fail "set-property --json: set_property"
        sed 's/^/#   /' "$TEST_DIR/sp.err"
fi
doc "scale --json: scale" scale "$C" scale worker 3 --json
doc "run --json (no wait): run_started" run_started "$C" run --json -- /bin/true
doc "run --wait --json: run_report" run_report "$C" run --wait --json -- /bin/sh -c 'exit 7'
doc "run --wait --json of a signalled run: run_report" run_report "$C" run --wait --json -- /bin/sh -c 'kill -TERM $$'
sleep 1000 &
ADOPTEE=$!
doc "adopt --json: adopt" adopt "$C" adopt "$ADOPTEE" --json
"$C" stop "adopted-$ADOPTEE" >/dev/null 2>&1
kill -KILL "$ADOPTEE" 2>/dev/null
wait "$ADOPTEE" 2>/dev/null
doc "run --standalone --json: run_report" run_report "$C" run --standalone --json -- /bin/true
# send's options end at NAME (what follows is DATA): --json comes before it.
doc "send --json: send" send "$C" send --json chatty hello
doc "send --json to a program not running: send" send "$C" --json send broken hello
doc "reload --json: reload" reload "$C" reload --json

check_docs
send_reports() {
        local out rc
        out=$("$C" send --json=short chatty hello) || { echo "exit $?: $out"; return 1; }
        [[ $out == '{"affected":["chatty"],"ok":true}' ]] || { echo "to chatty: $out"; return 1; }
        out=$("$C" send --json=short broken hello 2>/dev/null)
        rc=$?
        [[ $rc -eq 3 && $out == '{"affected":[],"ok":false}' ]] || { echo "to broken: exit $rc, $out"; return 1; }
}
# A program asked for as group:name is named as kill names it (the daemon's name), not as it was typed.
send_names_like_kill() {
        local sent killed
        sent=$("$C" send --json=short pool:worker_0 hello) && killed=$("$C" kill -s CONT --json=short pool:worker_0) &&
                [[ $sent == '{"affected":["worker_0"],"ok":true}' && $sent == "$killed" ]] ||
                { echo "send: $sent kill: $killed"; return 1; }
}
check "send --json pool:worker_0: affected [worker_0], as kill says" send_names_like_kill
check "tail --json pool:worker_0: the record's name is worker_0, as status --json's" bash -c "
        '$C' tail --json=short pool:worker_0 | '$PY' -c 'import json,sys; d=json.load(sys.stdin); assert d[\"name\"] == \"worker_0\", d'"
check "send --json: the program written to and ok, or none and ok false (exit 3 when not running)" send_reports

# ---- stale fields ----
check "crashy (RUNNING after a SIGSEGV): no exit_signal, no exit record" bash -c "
        '$C' status crashy --json | '$PY' -c '
import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
assert p[\"state\"] == \"RUNNING\" and p[\"restarts\"] >= 1, p
assert p[\"exit_signal\"] is None and p[\"exit_reason\"] is None and p[\"exit_code\"] is None, p'"
no_exit_on_bus() {
        [[ $(prop crashy ExitSignal) == 0 && $(prop crashy ExitCode) == -1 && $(prop crashy ExitReason) == "" ]] ||
                { echo "ExitSignal $(prop crashy ExitSignal) ExitCode $(prop crashy ExitCode) ExitReason $(prop crashy ExitReason)"; return 1; }
}
check "crashy on the bus: ExitSignal 0, ExitCode -1, ExitReason empty while it runs" no_exit_on_bus
check "broken (FATAL): exit_code 3 kept, no exit_signal" bash -c "
        '$C' status broken --json | '$PY' -c '
import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
assert p[\"state\"] in (\"FATAL\", \"STOPPED\") and p[\"exit_signal\"] is None, p'"

# ---- the validator can fail ----
"$C" status web --json >"$TEST_DIR/web.json"
mutate() {
        "$PY" -c "
import json,sys
d=json.load(open(sys.argv[1])); p=d['programs'][0]
exec(sys.argv[2])
print(json.dumps(d))" "$TEST_DIR/web.json" "$1" | "$PY" "$SCHEMA_CHECK" status_detail
}
fails() {
        ! "$@"
}
check "a renamed field fails the schema (exit_signal -> signal)" fails mutate 'p["signal"]=p.pop("exit_signal")'
# The errors say what is wrong: the field that is missing, and the one that should not be there.
renamed_named() {
        local out
        out=$(mutate 'p["signal"]=p.pop("exit_signal")')
        grep -q "'exit_signal' is a required property" <<<"$out" && grep -q "'signal' was unexpected" <<<"$out" ||
                { echo "$out"; return 1; }
}
check "the renamed-field errors name both fields" renamed_named
check "a missing field fails the schema" fails mutate 'del p["state"]'
check "an extra field fails the schema" fails mutate 'p["extra"] = 1'
check "a wrong type fails the schema (pid as a string)" fails mutate 'p["pid"] = str(p["pid"])'
check "an exit_signal without an exit record fails the schema" fails mutate 'p["exit_signal"] = 11'
check "an unknown state fails the schema" fails mutate 'p["state"] = "ACTIVE"'
check "the unmodified document passes" mutate 'pass'

# metrics --json: the programs are the ones status lists, named the same way, with the same states; the
# Prometheus text is the same model (web's restarts and exits agree); a wrong field fails its schema.
"$C" metrics --json >"$TEST_DIR/metrics.json"
metrics_names_match_status() {
        "$C" status --json | "$PY" -c '
import json, sys
status = json.load(sys.stdin)["programs"]
metrics = json.load(open(sys.argv[1]))
want = sorted((p["name"], p["group"]) for p in status)
got = sorted((p["name"], p["group"]) for p in metrics["programs"])
assert want == got, (want, got)
web = [p for p in metrics["programs"] if p["name"] == "web"][0]
assert web["state"] == "RUNNING" and web["healthy"] in (True, False) and web["uptime_usec"] is not None, web
chatty = [p for p in metrics["programs"] if p["name"] == "chatty"][0]
assert chatty["healthy"] is None and chatty["stdout_lines"] >= 1 and chatty["stderr_lines"] >= 1, chatty
broken = [p for p in metrics["programs"] if p["name"] == "broken"][0]
assert broken["uptime_usec"] is None and broken["exits"].get("exit-code", 0) >= 1, broken
assert [g["name"] for g in metrics["groups"]] == ["pool"], metrics["groups"]
assert metrics["daemon"]["pid"] == int(sys.argv[2]), metrics["daemon"]
' "$TEST_DIR/metrics.json" "$CGSUPD_PID"
}
check "metrics --json: the programs status lists, named alike; null for what was not sent" metrics_names_match_status
metrics_matches_text() {
        local restarts
        restarts=$("$PY" -c 'import json,sys; print([p for p in json.load(open(sys.argv[1]))["programs"] if p["name"] == "crashy"][0]["restarts"])' "$TEST_DIR/metrics.json")
        "$C" metrics | grep -qxF "cgsup_program_restarts_total{program=\"crashy\",group=\"crashy\"} $restarts" ||
                { echo "restarts $restarts:"; "$C" metrics | grep 'restarts_total{program="crashy"'; return 1; }
}
check "metrics --json and the Prometheus text agree (crashy's restarts)" metrics_matches_text
metrics_mutate() {
        "$PY" -c "
import json,sys
d=json.load(open(sys.argv[1])); p=d['programs'][0]
exec(sys.argv[2])
print(json.dumps(d))" "$TEST_DIR/metrics.json" "$1" | "$PY" "$SCHEMA_CHECK" metrics
}
check "metrics: a renamed field fails the schema (memory_current -> memory_bytes)" fails metrics_mutate 'p["memory_bytes"]=p.pop("memory_current")'
check "metrics: a program-only field on a group fails the schema" fails metrics_mutate 'd["groups"][0]["restarts"]=0'
check "metrics: a figure as a string fails the schema" fails metrics_mutate 'p["restarts"]=str(p["restarts"])'
check "metrics: the unmodified document passes" metrics_mutate 'pass'

check "cgsupd still answers" daemon_alive
check "shutdown --json: shutdown" bash -c "'$C' shutdown --json | '$PY' '$SCHEMA_CHECK' shutdown"
tap_done
