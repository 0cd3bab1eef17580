#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl show (systemctl show: KEY=VALUE, -p, --value, --json), cat (the effective configuration with
# the file:line of each key), reset-failed and doctor (the running daemon's subtree, a fix per refusal),
# against a cgsupd on a private bus.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
bus_require_nobody

mkdir -p "$TEST_DIR/conf.d"
cat >"$TEST_DIR/cgsup.conf" <<EOF
[include]
files = $TEST_DIR/conf.d/*.conf

[program:web]
command = sleep 1000
startsecs = 0
depends_on = db
environment = SECRET_TOKEN="hunter2",MODE=x
environment_file = $TEST_DIR/web.env
EOF
echo FROM_FILE=1 >"$TEST_DIR/web.env"
cat >"$TEST_DIR/conf.d/more.conf" <<EOF
[program:web]
stopsignal = INT

[program:db]
command = sleep 1000
startsecs = 0

[program:broken]
command = /bin/sh -c 'exit 3'
startsecs = 1
startretries = 0
autorestart = false
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20
check "broken is FATAL" wait_state broken FATAL 30

# ---- show ----
check "show web: KEY=VALUE lines with Name, State, MainPID" bash -c "
        '$CGSUPCTL' show web >'$TEST_DIR/show' && grep -qx 'Name=web' '$TEST_DIR/show' && grep -qx 'State=RUNNING' '$TEST_DIR/show' &&
        grep -qE '^MainPID=[1-9][0-9]*$' '$TEST_DIR/show' || { cat '$TEST_DIR/show'; exit 1; }"
check "show web: every property of the object (as busctl introspect lists them)" bash -c "
        want=\$(busctl --address='$BUS_ADDRESS' introspect org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program | awk '\$2 == \"property\" { print substr(\$1, 2) }' | sort)
        got=\$(cut -d= -f1 '$TEST_DIR/show' | sort)
        [[ -n \$want && \$want == \$got ]] || { diff <(echo \"\$want\") <(echo \"\$got\"); exit 1; }"
check "show: booleans yes/no, structures joined with ':'" bash -c "
        grep -qx 'Frozen=no' '$TEST_DIR/show' && grep -qx 'DependsOn=db:started' '$TEST_DIR/show' || { cat '$TEST_DIR/show'; exit 1; }"
# systemctl show's times: a date for *Timestamp, a duration for *USec; the same instant as on the bus.
show_times_like_systemctl() {
        local usec want
        usec=$(busctl --address="$BUS_ADDRESS" get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program \
                ActiveEnterTimestamp | cut -d' ' -f2)
        want=$(date -d "@$((usec / 1000000))" '+%a %Y-%m-%d %H:%M:%S %Z')
        grep -qx "ActiveEnterTimestamp=$want" "$TEST_DIR/show" &&
                grep -qx 'StopWaitUSec=10s' "$TEST_DIR/show" && grep -qx 'StartSecUSec=0s' "$TEST_DIR/show" &&
                grep -qx 'RuntimeMaxUSec=infinity' "$TEST_DIR/show" && grep -qx 'NextRunUSec=' "$TEST_DIR/show" ||
                { echo "want ActiveEnterTimestamp=$want"; grep -E 'Timestamp|USec' "$TEST_DIR/show"; return 1; }
}
check "show: *Timestamp as a date (bus value), *USec as a duration, never as empty" show_times_like_systemctl
check "show --json: times stay microseconds" bash -c "'$CGSUPCTL' show --json web -p ActiveEnterTimestamp,StopWaitUSec |
        python3 -c 'import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
assert p[\"ActiveEnterTimestamp\"] > 10**15 and p[\"StopWaitUSec\"] == 10**7, p'"
check "show -p State --value web prints RUNNING" bash -c "[[ \$('$CGSUPCTL' show -p State --value web) == RUNNING ]]"
check "show web -p State,MainPID -p Name (options after the name, a list)" bash -c "
        out=\$('$CGSUPCTL' show web -p State,MainPID -p Name); [[ \$(echo \"\$out\" | wc -l) -eq 3 ]] && echo \"\$out\" | grep -qx State=RUNNING"
check "show of an unknown program: exit 4" expect_rc 4 "$CGSUPCTL" show nope
check "show without a name: the manager's properties" bash -c "'$CGSUPCTL' show | grep -qx 'PID=$CGSUPD_PID'"
check "show web db: two blocks separated by an empty line" bash -c "
        out=\$('$CGSUPCTL' show -p Name web db); [[ \$out == \$'Name=db\n\nName=web' || \$out == \$'Name=web\n\nName=db' ]] || { echo \"\$out\"; exit 1; }"
check "show --json web: typed values" bash -c "'$CGSUPCTL' show --json web | python3 -c '
import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
assert p[\"Name\"] == \"web\" and p[\"MainPID\"] > 0 and p[\"Frozen\"] is False and p[\"DependsOn\"] == [[\"db\", \"started\"]], p'"
check "show --help: synopsis and exit statuses" bash -c "'$CGSUPCTL' show --help | grep -q 'show \[NAME...\]' && '$CGSUPCTL' show --help | grep -q 'Exit status'"
check "show --bogus: usage error" expect_rc 2 "$CGSUPCTL" show --bogus web

# ---- cat ----
CONF="$TEST_DIR/cgsup.conf" MORE="$TEST_DIR/conf.d/more.conf"
"$CGSUPCTL" cat web >"$TEST_DIR/cat" 2>"$TEST_DIR/cat.err"
diag "$(cat "$TEST_DIR/cat")"
check "cat web: the section header with its file:line" bash -c "head -n1 '$TEST_DIR/cat' | grep -qE '^\[program:web\] +; $CONF:4\$'"
check "cat web: each key with the file:line it came from" bash -c "
        grep -qE '^command = sleep 1000 +; $CONF:5\$' '$TEST_DIR/cat' && grep -qE '^depends_on = db +; $CONF:7\$' '$TEST_DIR/cat'"
check "cat web: a key merged from an included file names that file" bash -c "grep -qE '^stopsignal = INT +; $MORE:2\$' '$TEST_DIR/cat'"
check "cat web as root: environment= with its values" bash -c "grep -qE '^environment = SECRET_TOKEN=hunter2,MODE=x +; $CONF:8\$' '$TEST_DIR/cat'"
check "cat web: the environment file and what it set" bash -c "
        grep -q '^; environment files.*: $TEST_DIR/web.env\$' '$TEST_DIR/cat' && grep -qx ';   FROM_FILE from $TEST_DIR/web.env' '$TEST_DIR/cat'"
as_nobody env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" "$CGSUPCTL" cat web >"$TEST_DIR/cat.nobody" 2>"$TEST_DIR/cat.nobody.err"
check "cat web as nobody: exit 0, the variable names but never a value" bash -c "
        grep -q 'SECRET_TOKEN' '$TEST_DIR/cat.nobody' && ! grep -q hunter2 '$TEST_DIR/cat.nobody' '$TEST_DIR/cat.nobody.err' &&
        grep -qE '^command = sleep 1000 +; $CONF:5\$' '$TEST_DIR/cat.nobody' || { cat '$TEST_DIR/cat.nobody' '$TEST_DIR/cat.nobody.err'; exit 1; }"
check "GetProgramConfig never sends environment= values, even to root" bash -c "
        out=\$(busctl --address='$BUS_ADDRESS' call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgramConfig s web) &&
        [[ \$out == *stopsignal* && \$out != *hunter2* ]]"
check "cat --json web: settings with key, value, file, line" bash -c "'$CGSUPCTL' cat --json web | python3 -c '
import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
s={e[\"key\"]: e for e in p[\"settings\"]}
assert p[\"section\"] == \"program:web\" and s[\"stopsignal\"][\"file\"].endswith(\"more.conf\") and s[\"stopsignal\"][\"line\"] == 2, p
assert p[\"environment_origins\"][\"FROM_FILE\"].endswith(\"web.env\"), p'"
check "cat of an unknown program: exit 4" expect_rc 4 "$CGSUPCTL" cat nope
check "cat without a name: usage error" expect_rc 2 "$CGSUPCTL" cat

# ---- doctor ----
"$CGSUPCTL" doctor >"$TEST_DIR/doctor" 2>&1
diag "$(cat "$TEST_DIR/doctor")"
check "doctor checks the running cgsupd's subtree, not the CLI's cgroup" bash -c "
        grep -qE '^Checked cgroup: +/$CG_SUBTREE\$' '$TEST_DIR/doctor' && grep -q 'subtree of the running cgsupd' '$TEST_DIR/doctor'"
check "doctor --json: target_cgroup is the daemon's subtree; a controller held by v1 comes with the kernel command line fix" bash -c "
        '$CGSUPCTL' doctor --json | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d[\"target_cgroup\"] == \"/$CG_SUBTREE\", d[\"target_cgroup\"]
v1 = d[\"cgroup_v1_controllers\"]
for key, l in d[\"limits\"].items():
    if not l[\"enforceable\"] and l[\"controller\"] in v1 and l[\"controller\"] not in d[\"controllers\"]:
        want = \"cgroup_no_v1=\" + (\"blkio\" if l[\"controller\"] == \"io\" else l[\"controller\"])
        assert want in l[\"fix\"] and \"systemd.unified_cgroup_hierarchy=1\" in l[\"fix\"], (key, l)
'"
check "doctor --cgroup PATH still checks PATH" bash -c "'$CGSUPCTL' doctor --cgroup /cgsup-doctor-nonexistent-$$ | grep -q 'does not exist yet'"
check "doctor -H: refused, it reads this host's files (exit 2)" expect_rc 2 "$CGSUPCTL" -H nowhere.invalid doctor

# ---- reset-failed ----
check "is-failed broken: exit 0 (FATAL)" expect_rc 0 "$CGSUPCTL" is-failed -q broken
check "reset-failed web (running): exit 0, nothing affected" bash -c "[[ -z \$('$CGSUPCTL' reset-failed web) ]] && [[ \$('$CGSUPCTL' is-active web) == RUNNING ]]"
check "reset-failed broken: exit 0, says so" bash -c "[[ \$('$CGSUPCTL' reset-failed broken) == 'broken: failed state reset' ]]"
check "broken is STOPPED with no exit record, restarts 0" bash -c "
        out=\$('$CGSUPCTL' show broken -p State,ExitReason,ExitCode,Restarts)
        [[ \$out == \$'State=STOPPED\nExitCode=-1\nExitReason=\nRestarts=0' ]] || { echo \"\$out\"; exit 1; }"
check "is-failed broken: exit 1 now" expect_rc 1 "$CGSUPCTL" is-failed -q broken
check "reset-failed of an unknown program: exit 4" expect_rc 4 "$CGSUPCTL" reset-failed nope
check "reset-failed without names: exit 0" expect_rc 0 "$CGSUPCTL" reset-failed
check "reset-failed --help: exit statuses" bash -c "'$CGSUPCTL' reset-failed --help | grep -q 'Exit status'"

tap_done
