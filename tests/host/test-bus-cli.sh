#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl against a cgsupd on a private bus: exit statuses (1 unreachable / unknown, 2 usage, 3 not
# running), --json, run --pipe / --wait, tail -f ending on SIGINT, validate.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup

ctl() {
        "$CGSUPCTL" "$@"
}

# expect_status WANT COMMAND...: exit status WANT, and if WANT is 1 or 2, exactly one line on stderr.
expect_status() {
        local want=$1 rc lines
        shift
        "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
        rc=$?
        if [[ $rc -ne $want ]]; then
                echo "exit status $rc, expected $want"
                cat "$TEST_DIR/out" "$TEST_DIR/err"
                return 1
        fi
        if [[ $want -eq 1 ]]; then
                lines=$(wc -l <"$TEST_DIR/err")
                if [[ $lines -ne 1 ]]; then
                        echo "expected one line on stderr, got $lines:"
                        cat "$TEST_DIR/err"
                        return 1
                fi
        fi
        cat "$TEST_DIR/err"
        return 0
}

# ---- no daemon yet ----
check "unreachable bus: exit 1 with one line" \
        env DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_DIR/no-such-socket bash -c "$(declare -f expect_status); TEST_DIR='$TEST_DIR'; expect_status 1 '$CGSUPCTL' status"
check "bus without cgsupd: exit 1 with one line naming org.cgsup1" bash -c "
        $(declare -f expect_status); TEST_DIR='$TEST_DIR'
        expect_status 1 '$CGSUPCTL' status && grep -q 'org.cgsup1 is not running' '$TEST_DIR/err'"
check "start without cgsupd: exit 1" bash -c "$(declare -f expect_status); TEST_DIR='$TEST_DIR'; expect_status 1 '$CGSUPCTL' start web"
check "unknown command: exit 2" expect_status 2 ctl frobnicate
check "kill without a name: exit 2" expect_status 2 ctl kill
check "unknown global option: exit 2" expect_status 2 ctl --frob status
check "run without a command: exit 2" expect_status 2 ctl run --wait
check "run -p without =: exit 2" expect_status 2 ctl run -p memory_max -- true
check "version works without cgsupd" bash -c "'$CGSUPCTL' version | grep -q '^cgsupctl '"
check "--help lists the commands" bash -c "'$CGSUPCTL' --help | grep -q set-property"

# ---- validate (no daemon) ----
cat >"$TEST_DIR/good.conf" <<EOF
[program:x]
command = sleep 1
EOF
cat >"$TEST_DIR/bad.conf" <<EOF
[program:x]
command = sleep 1
autorestart = sometimes
EOF
check "validate of a good file: exit 0" ctl validate "$TEST_DIR/good.conf"
check "validate of a bad file: exit 1 with file:line" bash -c "'$CGSUPCTL' validate '$TEST_DIR/bad.conf' 2>&1 >/dev/null | grep -q 'bad.conf:3'; [[ \${PIPESTATUS[0]} -eq 1 ]]"
check "validate --json parses" bash -c "'$CGSUPCTL' --json validate '$TEST_DIR/bad.conf' | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"valid\"] is False else 1)'"
check "validate of a missing file: exit 1" expect_status 1 ctl validate "$TEST_DIR/missing.conf"

# ---- with a daemon ----
cat >"$TEST_DIR/cgsup.conf" <<EOF
[cgsupd]
childlogdir = $TEST_DIR

[program:web]
command = /bin/sh -c 'echo web-line-1; exec sleep 1000'
startsecs = 0
stdout_logfile = $TEST_DIR/web.out

[program:chatty]
command = /bin/sh -c 'i=0; while :; do i=\$((i+1)); echo tick-\$\$-\$i; sleep 0.2; done'
startsecs = 0

[program:idle]
command = sleep 1000
autostart = false
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
wait_state web RUNNING >/dev/null

check "status: exit 0, table with a header" bash -c "'$CGSUPCTL' status | head -n1 | grep -q '^NAME *STATE *PID *UPTIME *MEM/LIMIT *CPU *EXIT/REASON'"
check "status lists web as RUNNING" bash -c "'$CGSUPCTL' status | grep -q '^web *RUNNING'"
check "status web (running): exit 0 with a detail block" bash -c "'$CGSUPCTL' status web | grep -q 'Main PID'"
check "status idle (stopped): exit 3" expect_status 3 ctl status idle
check "status web idle: exit 3" expect_status 3 ctl status web idle
check "status web idle: a detail block for each, as systemctl status a b" bash -c "[[ \$('$CGSUPCTL' status web idle | grep -c '^● ') -eq 2 ]]"
check "status idle web / web idle: the blocks in the order named" bash -c "
        [[ \$('$CGSUPCTL' status idle web | grep '^● ' | cut -d' ' -f2 | tr '\\n' ' ') == 'idle web ' &&
           \$('$CGSUPCTL' status web idle | grep '^● ' | cut -d' ' -f2 | tr '\\n' ' ') == 'web idle ' ]]"
check "status web nope: web's block, nope named on stderr, exit 4" bash -c "
        '$CGSUPCTL' status web nope >'$TEST_DIR/st2' 2>'$TEST_DIR/st2.err'; rc=\$?
        [[ \$rc -eq 4 ]] && grep -q '^● web' '$TEST_DIR/st2' && grep -q nope '$TEST_DIR/st2.err'"
check "status of an unknown program: exit 4 (systemctl's no such unit)" expect_status 4 ctl status nope
check "start of an unknown program: exit 4" expect_status 4 ctl start nope
check "is-active web: exit 0, prints RUNNING" bash -c "[[ \$('$CGSUPCTL' is-active web) == RUNNING ]]"
check "is-active idle: exit 3" expect_status 3 ctl is-active idle
check "is-active -q idle web: exit 0 (one is), nothing printed" bash -c "[[ -z \$('$CGSUPCTL' is-active -q idle web) ]]"
check "is-active nope: exit 4" expect_status 4 ctl is-active nope
check "is-failed web: exit 1, prints RUNNING" bash -c "out=\$('$CGSUPCTL' is-failed web); rc=\$?; [[ \$out == RUNNING && \$rc -eq 1 ]]"
check "is-failed nope: exit 4" expect_status 4 ctl is-failed nope
check "is-active --json web: programs[].active" bash -c "'$CGSUPCTL' is-active web --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"programs\"][0][\"active\"] is True'"
check "list-names --json: one array of names" bash -c "'$CGSUPCTL' list-names --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert \"chatty\" in d[\"names\"]'"
check "start of a running program: exit 0, already running (systemctl)" bash -c "'$CGSUPCTL' start web | grep -qx 'web: already running'"
check "--json status is one JSON document" bash -c "'$CGSUPCTL' --json status | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(p[\"name\"] == \"web\" and p[\"state\"] == \"RUNNING\" and p[\"pid\"] > 0 for p in d[\"programs\"])'"
if command -v jq >/dev/null; then
        check "--json status web parses with jq" bash -c "'$CGSUPCTL' --json status web | jq -e '.programs[0].cgroup | startswith(\"/\")'"
fi
check "status --json (option after the verb) is JSON" bash -c "'$CGSUPCTL' status --json=short | python3 -c 'import json,sys; d=json.load(sys.stdin); assert any(p[\"name\"] == \"web\" for p in d[\"programs\"])'"
check "status web --json=pretty is indented JSON" bash -c "'$CGSUPCTL' status web --json=pretty | python3 -c 'import json,sys; t=sys.stdin.read(); json.loads(t); assert \"\\n  \" in t'"
check "tail web -100 (supervisorctl's -BYTES after the name)" bash -c "for i in \$(seq 50); do '$CGSUPCTL' tail web -100 | grep -q web-line-1 && exit 0; sleep 0.1; done; exit 1"
check "--json status idle: exit 3, still valid JSON" bash -c "'$CGSUPCTL' --json status idle | python3 -m json.tool >/dev/null; [[ \${PIPESTATUS[0]} -eq 3 ]]"
check "start idle" bash -c "'$CGSUPCTL' start idle | grep -qx 'idle: started'"
check "status idle: exit 0 once running" bash -c "for i in \$(seq 50); do '$CGSUPCTL' status idle >/dev/null && exit 0; sleep 0.1; done; exit 1"
check "pid idle is the MainPID" bash -c "[[ \$('$CGSUPCTL' pid idle) == \$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program MainPID | cut -d' ' -f2) ]]"
check "pid without a name is cgsupd's" bash -c "[[ \$('$CGSUPCTL' pid) == $CGSUPD_PID ]]"
check "signal HUP idle" ctl signal CONT idle
check "kill -s CONT --all idle" ctl kill -s CONT --all idle
check "kill idle --all -s CONT (options after the name)" ctl kill idle --all -s CONT
check "kill -s NOPE idle: usage error (exit 2) naming the signal" bash -c "$(declare -f expect_status); TEST_DIR='$TEST_DIR'; expect_status 2 '$CGSUPCTL' kill -s NOPE idle && grep -q NOPE '$TEST_DIR/err'"
check "freeze/thaw idle" bash -c "'$CGSUPCTL' freeze idle && '$CGSUPCTL' thaw idle"
check "set-property with a bad value: usage error (exit 2)" expect_status 2 ctl set-property idle memory_max=lots
check "set-property without =: exit 2" expect_status 2 ctl set-property idle memory_max
# A RUNNING program carries no exit fields of its previous run.
IDLE_PID=$("$CGSUPCTL" pid idle)
"$CGSUPCTL" kill -s KILL idle >/dev/null
check "idle restarts after SIGKILL with a new pid" bash -c "for i in \$(seq 100); do p=\$('$CGSUPCTL' pid idle); [[ \$p != 0 && \$p != $IDLE_PID ]] && '$CGSUPCTL' is-active -q idle && exit 0; sleep 0.1; done; exit 1"
check "status --json of the restarted idle: no stale exit fields" bash -c "'$CGSUPCTL' status idle --json | python3 -c '
import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
assert p[\"state\"] == \"RUNNING\", p
stale = {k: p.get(k) for k in (\"exit_reason\", \"exit_code\", \"exit_signal\", \"exit_detail\") if p.get(k) is not None}
assert not stale, stale'"
check "stop idle" bash -c "'$CGSUPCTL' stop idle | grep -qx 'idle: stopped'"
check "restart all" ctl restart all
check "avail lists programs" bash -c "'$CGSUPCTL' avail | grep -q '^idle'"
check "list-names lists programs" bash -c "'$CGSUPCTL' list-names | grep -qx chatty"
check "reread: no changes" bash -c "'$CGSUPCTL' reread | grep -q 'No config updates'"
check "version shows the daemon" bash -c "'$CGSUPCTL' version | grep -q '^cgsupd '"
check "tail web shows its output" bash -c "for i in \$(seq 50); do '$CGSUPCTL' tail web | grep -q web-line-1 && exit 0; sleep 0.1; done; exit 1"
check "tail of an unknown program: exit 4" expect_status 4 ctl tail nope

# bash completion: verbs, and program names from the running daemon (cgsupctl list-names).
complete_words() {
        bash -c "
                PATH='$(dirname "$CGSUPCTL")':\$PATH
                . '$CGSUP_SOURCE_DIR/shell-completion/cgsupctl.bash'
                COMP_WORDS=(\$1); COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
                [[ \$1 == *' ' ]] && { COMP_WORDS+=(''); COMP_CWORD=\$((COMP_CWORD + 1)); }
                _cgsupctl; printf '%s\n' \"\${COMPREPLY[@]}\"" _ "$1"
}
check "bash completion completes verbs" bash -c "$(declare -f complete_words); CGSUPCTL='$CGSUPCTL'; CGSUP_SOURCE_DIR='$CGSUP_SOURCE_DIR'; complete_words 'cgsupctl set-' | grep -qx set-property"
check "bash completion completes program names from the daemon" bash -c "$(declare -f complete_words); CGSUPCTL='$CGSUPCTL'; CGSUP_SOURCE_DIR='$CGSUP_SOURCE_DIR'; complete_words 'cgsupctl restart ch' | grep -qx chatty"
check "bash completion completes limit keys for set-property" bash -c "$(declare -f complete_words); CGSUPCTL='$CGSUPCTL'; CGSUP_SOURCE_DIR='$CGSUP_SOURCE_DIR'; complete_words 'cgsupctl set-property web memory_m' | grep -qx memory_max="
if command -v zsh >/dev/null; then
        check "zsh completion parses" zsh -n "$CGSUP_SOURCE_DIR/shell-completion/_cgsupctl"
fi

# tail -f follows new output and ends cleanly (exit 0) on SIGINT.
"$CGSUPCTL" tail -f chatty >"$TEST_DIR/tail.out" 2>&1 &
TAIL_PID=$!
sleep 2
kill -INT "$TAIL_PID"
TAIL_RC=
for _ in $(seq 50); do
        if ! kill -0 "$TAIL_PID" 2>/dev/null; then
                wait "$TAIL_PID"
                TAIL_RC=$?
                break
        fi
        sleep 0.1
done
if [[ -z $TAIL_RC ]]; then
        kill -KILL "$TAIL_PID" 2>/dev/null
        tap_fail "tail -f ends on SIGINT"
else
        check "tail -f ends on SIGINT with exit 0" test "$TAIL_RC" -eq 0
fi
diag "$(head -c 600 "$TEST_DIR/tail.out")"
check "tail -f printed new lines while following" bash -c "[[ \$(grep -c '^tick-' '$TEST_DIR/tail.out') -ge 3 ]] && ! sort '$TEST_DIR/tail.out' | uniq -d | grep -q ."

# tail --json: output records; -f prints one per line as output arrives.
check "tail --json: an output record with the program's bytes" bash -c "
        '$CGSUPCTL' tail --json=short chatty >'$TEST_DIR/tj.json' && python3 '$(dirname "$0")/json-schema.py' output_record <'$TEST_DIR/tj.json' &&
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if \"tick-\" in d[\"data\"] and d[\"stream\"] == \"stdout\" else 1)' '$TEST_DIR/tj.json'"
"$CGSUPCTL" tail -f --json chatty >"$TEST_DIR/tailj.out" 2>"$TEST_DIR/tailj.err" &
TAILJ_PID=$!
for _ in $(seq 100); do
        [[ $(wc -l <"$TEST_DIR/tailj.out") -ge 2 ]] && break
        sleep 0.1
done
kill -INT "$TAILJ_PID" 2>/dev/null
wait "$TAILJ_PID"
check "tail -f --json: one output record per line, each valid" bash -c "
        [[ \$(wc -l <'$TEST_DIR/tailj.out') -ge 2 ]] && python3 '$(dirname "$0")/json-schema.py' output_record --lines <'$TEST_DIR/tailj.out' || { cat '$TEST_DIR/tailj.out' '$TEST_DIR/tailj.err'; exit 1; }"

# ---- run ----
check "run --pipe round-trips stdin to stdout and exits 42" bash -c "
        out=\$(printf hello | '$CGSUPCTL' run --pipe -- sh -c 'cat; exit 42' 2>'$TEST_DIR/run.err'); rc=\$?
        [[ \$out == hello && \$rc -eq 42 ]] || { echo \"out='\$out' rc=\$rc\"; cat '$TEST_DIR/run.err'; exit 1; }"
check "run --wait exits 0 for success" ctl run --wait -q -- true
check "run --wait passes the exit code through" expect_status 7 ctl run --wait -- sh -c 'exit 7'
check "run --wait: 128+N for a signal" expect_status 137 ctl run --wait -- sh -c 'kill -9 $$'
check "run --wait prints the exit report on stderr" bash -c "'$CGSUPCTL' run --wait -- sh -c 'exit 3' 2>&1 >/dev/null | grep -q 'Finished with result: exit-code'"
check "run --pipe keeps stdout and stderr apart" bash -c "
        out=\$('$CGSUPCTL' run --pipe -q -- sh -c 'echo out; echo err >&2' 2>'$TEST_DIR/err2')
        [[ \$out == out ]] && grep -qx err '$TEST_DIR/err2'"
check "run --pipe runs as the caller (root here)" bash -c "[[ \$('$CGSUPCTL' run --pipe -q -- id -u) == 0 ]]"
check "run -E sets the environment" bash -c "[[ \$('$CGSUPCTL' run --pipe -q -E FOO=bar -- sh -c 'echo \$FOO') == bar ]]"
check "run -d uses the current directory" bash -c "cd '$TEST_DIR' && [[ \$('$CGSUPCTL' run --pipe -q -d -- pwd) == '$TEST_DIR' ]]"
check "run --pipe runs in its own cgroup under the subtree" bash -c "
        cg=\$('$CGSUPCTL' run --pipe -q -- cat /proc/self/cgroup | grep '^0::')
        [[ \$cg == 0::/$CG_SUBTREE/* ]] || { echo \"\$cg\"; exit 1; }"
check "run of a missing command: exit 1" expect_status 1 ctl run --wait -- /nonexistent/cmd
check "run without --wait returns at once naming the program" bash -c "'$CGSUPCTL' run --name bg1 -- sleep 30 2>&1 | grep -q bg1"
check "--json run --wait gives an exit report" bash -c "'$CGSUPCTL' --json run --wait -- sh -c 'exit 5' | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"exit_code\"] == 5 and d[\"result\"] == \"exit-code\" else 1)'"
# One run report schema (cgsupctl(1), JSON OUTPUT) for run --wait and run --standalone: the same keys and
# types, the same words for the same ending.
SCHEMA="$(dirname "$0")/json-schema.py"
check "run --wait --json: the run report schema" bash -c "
        '$CGSUPCTL' run --wait --json -- sh -c 'exit 5' >'$TEST_DIR/rw.json'; rc=\$?
        [[ \$rc -eq 5 ]] && python3 '$SCHEMA' run_report <'$TEST_DIR/rw.json' || { echo rc=\$rc; cat '$TEST_DIR/rw.json'; exit 1; }"
STANDALONE_CG="$CG_SUBTREE-standalone"
check "run --standalone --json: the same schema" bash -c "
        '$CGSUPCTL' run --standalone --cgroup '$STANDALONE_CG' --json -- sh -c 'exit 5' >'$TEST_DIR/rs.json'; rc=\$?
        [[ \$rc -eq 5 ]] && python3 '$SCHEMA' run_report <'$TEST_DIR/rs.json' || { echo rc=\$rc; cat '$TEST_DIR/rs.json'; exit 1; }"
rmdir "$CG_MOUNT/$STANDALONE_CG" 2>/dev/null
check "run --wait and run --standalone report an exit the same way" python3 -c "
import json, sys
a, b = (json.load(open(f)) for f in ('$TEST_DIR/rw.json', '$TEST_DIR/rs.json'))
keys = ('result', 'exit_code', 'exit_signal', 'exit_status', 'command')
sys.exit(0 if all(a[k] == b[k] for k in keys) and a['result'] == 'exit-code' else print(a, b) or 1)"
check "run --wait --json for a signal: exit_signal is a number, result signal" bash -c "
        '$CGSUPCTL' run --wait --json -- sh -c 'kill -9 \$\$' | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d[\"exit_signal\"] == 9 and d[\"result\"] == \"signal\" and d[\"exit_code\"] is None and d[\"exit_status\"] == 137 else 1)'"
check "stop bg1" ctl stop bg1
check "daemon still answers" daemon_alive

# ---- tables (libsmartcols): fitted to a terminal, colours and a pager only there ----
# A program whose EXIT/REASON is long: it exits 3 and leaves a process behind.
cat >>"$TEST_DIR/cgsup.conf" <<EOF

[program:leftover]
command = /bin/sh -c 'sleep 1000 & exit 3'
startsecs = 0
autorestart = false
EOF
"$CGSUPCTL" update >/dev/null
wait_state leftover EXITED >/dev/null
# update GROUP: that group's change only; the other pending one (a new late4) stays pending.
printf '\n[program:late3]\ncommand = sleep 1000\nautostart = false\n\n[program:late4]\ncommand = sleep 1000\nautostart = false\n' \
        >>"$TEST_DIR/cgsup.conf"
check "update of an unknown group: exit 4, the error names it, nothing applied" bash -c "
        $(declare -f expect_status ctl); CGSUPCTL='$CGSUPCTL'; TEST_DIR='$TEST_DIR'
        expect_status 4 ctl update late3 nosuch | grep -q \"'nosuch'\" && ! '$CGSUPCTL' status late3 >/dev/null 2>&1"
check "update late3: 'late3: added', late4 still pending" bash -c "
        [[ \$('$CGSUPCTL' update late3) == 'late3: added' ]] && '$CGSUPCTL' reread | grep -qx 'late4: available'"
check "list-names --groups: the running groups and the file's (late4)" bash -c "
        '$CGSUPCTL' list-names --groups | grep -qx late3 && '$CGSUPCTL' list-names --groups | grep -qx late4"
check "update all applies the rest" bash -c "[[ \$('$CGSUPCTL' update all) == 'late4: added' ]]"
# on_tty COLS COMMAND: COMMAND on a pseudo-terminal COLS wide (util-linux script), its output on stdout.
on_tty() {
        script -qec "stty cols $1 rows 40; $2" /dev/null </dev/null | tr -d '\r'
}
export -f on_tty
export CGSUPCTL TEST_DIR
check "status rows end without spaces" bash -c '"$CGSUPCTL" status >"$TEST_DIR/st" && ! grep -n " \$" "$TEST_DIR/st"'
check "piped status: the whole EXIT/REASON, no colours" bash -c '
        "$CGSUPCTL" status | grep -q "^leftover .*exit 3 (1 process left)\$" && ! "$CGSUPCTL" status | grep -q $'"'\\e'"
check "--no-legend: no header line" bash -c '! "$CGSUPCTL" status --no-legend | grep -q "^NAME" && "$CGSUPCTL" status --no-legend | grep -q "^web "'
check "on a terminal: colours" bash -c 'on_tty 200 "$CGSUPCTL status --no-pager" | grep -q $'"'\\e\\[0;32mRUNNING'"
check "on a terminal with NO_COLOR: no colours" bash -c '! on_tty 200 "NO_COLOR=1 $CGSUPCTL status --no-pager" | grep -q $'"'\\e'"
check "on a narrow terminal: EXIT/REASON is cut to fit" bash -c '
        out=$(on_tty 60 "$CGSUPCTL status --no-pager"); echo "$out"
        grep -q "^leftover .*exit 3" <<<"$out" && ! grep -q "process left" <<<"$out"'
check "COLUMNS=60 on a wide terminal: cut as on a narrow one (systemctl's \$COLUMNS)" bash -c '
        out=$(on_tty 200 "COLUMNS=60 $CGSUPCTL status --no-pager"); echo "$out"
        grep -q "^leftover .*exit 3" <<<"$out" && ! grep -q "process left" <<<"$out"'
check "on a narrow terminal with --full: nothing is cut" bash -c '
        on_tty 60 "$CGSUPCTL status --no-pager --full" | grep -q "exit 3 (1 process left)"'
check "on a terminal: the table goes through the pager, with systemctl's LESS=FRXMK" bash -c '
        on_tty 200 "CGSUP_PAGER=\"echo LESS=\\\$LESS >$TEST_DIR/pager.env; cat >$TEST_DIR/paged\" $CGSUPCTL status" >/dev/null
        grep -qx "LESS=FRXMK" "$TEST_DIR/pager.env" && grep -q "^leftover" "$TEST_DIR/paged"'
# 40 columns: even the headers do not fit, so rows end in "…" at the edge instead of wrapping (or being
# chopped by less -S, after which less -F waited for q).
check "on a 40-column terminal: no row is wider than 40 columns, cut rows end in …" bash -c '
        on_tty 40 "$CGSUPCTL status --no-pager" >"$TEST_DIR/st40"; cat "$TEST_DIR/st40"
        python3 -c "
import re, sys
rows = [re.sub(r\"\\x1b\\[[0-9;?]*[A-Za-z]\", \"\", l) for l in open(sys.argv[1], encoding=\"utf-8\").read().splitlines()]
sys.exit(0 if rows and all(len(r) <= 40 for r in rows) and any(r.endswith(\"\u2026\") for r in rows) else 1)" "$TEST_DIR/st40"'
if command -v less >/dev/null; then
        check "on a 40-column terminal, less quits by itself when the table fits the screen (no q needed)" bash -c '
                timeout 30 script -qec "stty cols 40 rows 40; env -u PAGER -u LESS -u CGSUP_PAGER $CGSUPCTL status" /dev/null </dev/null >/dev/null'
else
        tap_skip "less quits by itself at 40 columns" "less not installed (ENOENT)"
fi
check "--no-pager on a terminal: no pager" bash -c 'rm -f "$TEST_DIR/paged2"
        on_tty 200 "CGSUP_PAGER=\"cat >$TEST_DIR/paged2\" $CGSUPCTL status --no-pager" | grep -q "^leftover" && [[ ! -e $TEST_DIR/paged2 ]]'
check "piped: no pager" bash -c 'rm -f "$TEST_DIR/paged3"; CGSUP_PAGER="cat >$TEST_DIR/paged3" "$CGSUPCTL" status | grep -q "^leftover" && [[ ! -e $TEST_DIR/paged3 ]]'
check "one duration style: never '2m 3s' (format_timespan's '2min 3s')" bash -c '! "$CGSUPCTL" status | grep -E " [0-9]+m [0-9]+s "'

# cgsup-supervisorctl's shell: Ctrl-C at the prompt ends it with exit 0, as supervisorctl's does.
if [[ -n ${CGSUP_SUPERVISORCTL:-} && -x $CGSUP_SUPERVISORCTL ]]; then
        mkfifo "$TEST_DIR/sctl.in"
        sleep 600 >"$TEST_DIR/sctl.in" &
        HOLD_PID=$!
        "$CGSUP_SUPERVISORCTL" -i <"$TEST_DIR/sctl.in" >"$TEST_DIR/sctl.out" 2>&1 &
        SCTL_PID=$!
        for _ in $(seq 100); do grep -q 'supervisor> ' "$TEST_DIR/sctl.out" && break; sleep 0.1; done
        kill -INT "$SCTL_PID"
        SCTL_RC=
        for _ in $(seq 50); do
                if ! kill -0 "$SCTL_PID" 2>/dev/null; then
                        wait "$SCTL_PID"
                        SCTL_RC=$?
                        break
                fi
                sleep 0.1
        done
        [[ -z $SCTL_RC ]] && kill -KILL "$SCTL_PID" 2>/dev/null
        kill "$HOLD_PID" 2>/dev/null
        wait "$HOLD_PID" 2>/dev/null
        check "cgsup-supervisorctl shell: Ctrl-C at the prompt exits 0" test "${SCTL_RC:-none}" = 0
fi

# ---- shutdown ----
check "shutdown" ctl shutdown
check "cgsupd exits" bash -c "for i in \$(seq 300); do kill -0 $CGSUPD_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
check "status after shutdown: exit 1 with one line" expect_status 1 ctl status

tap_done
