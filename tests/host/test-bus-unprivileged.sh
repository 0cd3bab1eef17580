#!/bin/bash
# SPDX-License-Identifier: MIT
# An unprivileged caller (nobody, via setpriv) on a private bus whose policy lets it talk to cgsupd: reads
# work, every mutation is refused. polkit is not reachable on this bus, so the refusal must be
# org.cgsup1.Error.AccessDenied "polkit unavailable: ..." (deny, never allow), and no program changes.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
bus_require_nobody

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0

[program:idle]
command = sleep 1000
autostart = false
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
wait_state web RUNNING >/dev/null

nsend() {
        local method=$1
        shift
        as_nobody dbus-send --bus="$BUS_ADDRESS" --print-reply --dest=org.cgsup1 /org/cgsup1 \
                "org.cgsup1.Manager.$method" "$@" 2>&1
}
denied() {
        local out
        out=$(nsend "$@")
        if grep -q 'org.cgsup1.Error.AccessDenied' <<<"$out" && grep -q 'polkit unavailable' <<<"$out"; then
                return 0
        fi
        echo "expected AccessDenied (polkit unavailable), got: $out"
        return 1
}

check "nobody can ListPrograms" bash -c "$(declare -f as_nobody); as_nobody busctl --address='$BUS_ADDRESS' call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms | grep -q '\"web\"'"
check "nobody can read properties" bash -c "$(declare -f as_nobody); as_nobody busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program State | grep -q RUNNING"
check "nobody can introspect" bash -c "$(declare -f as_nobody); as_nobody busctl --address='$BUS_ADDRESS' introspect org.cgsup1 /org/cgsup1 >/dev/null"
check "nobody: StartProgram denied" denied StartProgram string:idle
check "nobody: StopProgram denied" denied StopProgram string:web
check "nobody: StopProgram all denied" denied StopProgram string:all
check "nobody: KillProgram denied" denied KillProgram string:web string:KILL
check "nobody: FreezeProgram denied" denied FreezeProgram string:web
check "nobody: RotateLogs denied" denied RotateLogs string:web
check "nobody: ClearLogs denied" denied ClearLogs string:web
check "nobody: ClearLogs all denied" denied ClearLogs string:all
check "nobody: Reload denied" denied Reload
check "nobody: Shutdown denied" denied Shutdown
check "nobody: ShutdownWithFlags (now) denied" denied ShutdownWithFlags uint64:1
check "nobody: RestartProgramWithFlags (force) denied" denied RestartProgramWithFlags string:web uint64:1
check "nobody: EnqueueJobsWithFlags (restart, force) denied" denied EnqueueJobsWithFlags string:restart string:web uint64:1
if [[ -x $BIG ]]; then
        check "nobody: RunTransient denied" bash -c "
                $(declare -f as_nobody)
                out=\$(as_nobody env DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$BIG' run Name s x true)
                grep -q 'org.cgsup1.Error.AccessDenied' <<<\"\$out\" && grep -q 'polkit unavailable' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
        check "nobody: SetProperties denied" bash -c "
                $(declare -f as_nobody)
                as_nobody env DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$BIG' setprop web CPUWeight t 50 | grep -q 'org.cgsup1.Error.AccessDenied'"
fi
check "nobody: GetProgramOutput denied" denied GetProgramOutput string:web string:stdout uint64:0 uint64:100
check "nobody: unknown program is still NoSuchProgram (validation before polkit)" \
        bash -c "$(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'; nsend StartProgram string:nope | grep -q org.cgsup1.Error.NoSuchProgram"
check "nothing changed: web still RUNNING, idle still STOPPED" bash -c "
        $(declare -f prop bctl wait_state); BUS_ADDRESS='$BUS_ADDRESS'
        [[ \$(prop web State) == RUNNING && \$(prop idle State) == STOPPED ]]"
check "nobody: cgsupctl start exits 1 with one access-denied line" bash -c "
        $(declare -f as_nobody)
        as_nobody env DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' start idle </dev/null >/dev/null 2>'$TEST_DIR/err'
        rc=\$?; chmod 644 '$TEST_DIR/err' 2>/dev/null
        cat '$TEST_DIR/err'; [[ \$rc -eq 1 && \$(wc -l <'$TEST_DIR/err') -eq 1 ]] && grep -qi 'denied' '$TEST_DIR/err'"
check "nobody: cgsupctl status works" bash -c "$(declare -f as_nobody); as_nobody env DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' status web >/dev/null"
check "daemon still serving" daemon_alive
# root is still allowed without polkit.
check "root: StartProgram idle allowed without polkit" bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager StartProgram s idle

tap_done
