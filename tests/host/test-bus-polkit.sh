#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupd's asynchronous polkit path against a stand-in polkit (fake-polkit) on a private bus: an allowed
# action goes through after the (delayed) answer, a refused one is AccessDenied, the details name the
# program and verb, the subject is the caller's bus name, the interactive flag follows the client, an
# unprivileged transient runs as its caller and never as root, and its owner may stop it without polkit.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
bus_require_nobody
FAKE=${CGSUP_BUILD_DIR:-}/tests/host/fake-polkit
[[ -x $FAKE ]] || skip_all "fake-polkit helper not built ($FAKE)"

POLKIT_LOG=$TEST_DIR/polkit.log
touch "$POLKIT_LOG"
"$FAKE" "$POLKIT_LOG" org.cgsup1.manage org.cgsup1.run >"$TEST_DIR/fake-polkit.out" 2>&1 &
FAKE_PID=$!
trap 'kill $FAKE_PID 2>/dev/null; bus_cleanup' EXIT
for _ in $(seq 100); do
        bctl status org.freedesktop.PolicyKit1 >/dev/null 2>&1 && break
        sleep 0.05
done

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0

[program:idle]
command = sleep 1000
autostart = false
startsecs = 0
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
wait_state web RUNNING >/dev/null

nsend() {
        local method=$1
        shift
        as_nobody dbus-send --bus="$BUS_ADDRESS" --print-reply --reply-timeout=30000 --dest=org.cgsup1 /org/cgsup1 \
                "org.cgsup1.Manager.$method" "$@" 2>&1
}
nctl() {
        as_nobody env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" "$CGSUPCTL" "$@"
}

check "nobody: StartProgram idle allowed by polkit" bash -c "$(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'; nsend StartProgram string:idle | grep -q '\"idle\"'"
check "idle is RUNNING" wait_state idle RUNNING
check "polkit was asked about org.cgsup1.manage with program and verb" \
        grep -q '^org.cgsup1.manage subject=system-bus-name::1\.[0-9]* flags=0 details=program=idle,verb=start$' "$POLKIT_LOG"
check "busctl (interactive by default) sets AllowUserInteraction" bash -c "
        $(declare -f as_nobody)
        as_nobody busctl --address='$BUS_ADDRESS' call org.cgsup1 /org/cgsup1 org.cgsup1.Manager StopProgram s idle >/dev/null &&
        grep -q '^org.cgsup1.manage .* flags=1 details=program=idle,verb=stop$' '$POLKIT_LOG'"
check "nobody: ClearLogs allowed by polkit (org.cgsup1.manage, verb clear)" bash -c "
        $(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'
        nsend ClearLogs string:web | grep -q '\"web\"' &&
        grep -q '^org.cgsup1.manage .* details=program=web,verb=clear$' '$POLKIT_LOG'"
check "nobody: Reload refused by polkit: AccessDenied" bash -c "$(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'; nsend Reload | grep -q 'org.cgsup1.Error.AccessDenied'"
check "polkit was asked about org.cgsup1.reload" grep -q '^org.cgsup1.reload .*verb=reload' "$POLKIT_LOG"
# The per-group reloads go through the same check as Update(), with the same refusal.
check "nobody: UpdateGroups, AddGroup, RemoveGroup refused with Update's AccessDenied text" bash -c "
        $(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'
        want=\$(nsend Update | grep 'org.cgsup1.Error.AccessDenied') || exit 1
        for call in 'UpdateGroups array:string:web' 'AddGroup string:web' 'RemoveGroup string:idle'; do
                got=\$(nsend \$call)
                [[ \$got == \"\$want\" ]] || { echo \"\$call: \$got (Update: \$want)\"; exit 1; }
        done"
check "polkit was asked about org.cgsup1.reload for update, add and remove" bash -c "
        grep -q '^org.cgsup1.reload .*verb=update' '$POLKIT_LOG' && grep -q '^org.cgsup1.reload .*verb=add' '$POLKIT_LOG' &&
        grep -q '^org.cgsup1.reload .*verb=remove' '$POLKIT_LOG'"
check "a refused RemoveGroup removed nothing" bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgram s idle
check "nobody: Shutdown refused, daemon still serving" bash -c "
        $(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'
        nsend Shutdown | grep -q 'org.cgsup1.Error.AccessDenied' && kill -0 $CGSUPD_PID"

# Many callers waiting for polkit at once: every one gets its answer.
check "20 concurrent authorized calls all answered" bash -c "
        $(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'
        for i in \$(seq 20); do nsend KillProgram string:web string:CONT >'$TEST_DIR/c.'\$i & done; wait
        for i in \$(seq 20); do grep -q '\"web\"' '$TEST_DIR/c.'\$i || { cat '$TEST_DIR/c.'\$i; exit 1; }; done"
check "daemon still serving" daemon_alive

# Transient runs as the unprivileged caller.
check "nobody: run --pipe runs as uid 65534" bash -c "
        $(declare -f as_nobody nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'
        [[ \$(nctl run --pipe -q -- id -u </dev/null) == 65534 ]]"
check "polkit was asked about org.cgsup1.run with the uid" grep -q '^org.cgsup1.run .*verb=run,command=id,uid=65534$' "$POLKIT_LOG"
check "nobody: run --uid root is AccessDenied (never root)" bash -c "
        $(declare -f as_nobody nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'
        out=\$(nctl run --uid root --pipe -q -- id -u </dev/null 2>&1); rc=\$?
        [[ \$rc -eq 1 ]] && grep -qi 'only root' <<<\"\$out\" || { echo \"rc=\$rc \$out\"; exit 1; }"
check "nobody: run -p user=root is AccessDenied too" bash -c "
        $(declare -f as_nobody nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'
        ! nctl run -p user=root --pipe -q -- id -u </dev/null >/dev/null 2>&1"
check "nobody: run --name mine -- sleep 30" bash -c "
        $(declare -f as_nobody nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'
        nctl run --name mine -- sleep 30 </dev/null"
check "the transient's main process runs as uid 65534" bash -c "
        pid=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/mine org.cgsup1.Program MainPID | cut -d' ' -f2)
        [[ \$(stat -c %u /proc/\$pid) == 65534 ]]"
BEFORE=$(wc -l <"$POLKIT_LOG")
check "nobody stops its own transient" bash -c "
        $(declare -f as_nobody nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'
        nctl stop mine </dev/null"
check "... without asking polkit" test "$(wc -l <"$POLKIT_LOG")" -eq "$BEFORE"

# An unprivileged user gets at most 16 transient programs at once.
check "nobody: the 17th concurrent transient is TooMany" bash -c "
        $(declare -f as_nobody nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'
        for i in \$(seq 16); do nctl run --name many\$i -q -- sleep 60 </dev/null || exit 1; done
        out=\$(nctl run --name many17 -q -- sleep 60 </dev/null 2>&1); rc=\$?
        for i in \$(seq 16); do nctl stop many\$i >/dev/null </dev/null; done
        [[ \$rc -eq 1 ]] && grep -qi 'too many' <<<\"\$out\" || { echo \"rc=\$rc \$out\"; exit 1; }"

# polkit going away: deny, with a clear error.
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
check "polkit gone: AccessDenied 'polkit unavailable'" bash -c "
        $(declare -f as_nobody nsend); BUS_ADDRESS='$BUS_ADDRESS'
        out=\$(nsend StartProgram string:idle); grep -q 'org.cgsup1.Error.AccessDenied' <<<\"\$out\" && grep -q 'polkit unavailable' <<<\"\$out\""
check "root still allowed without polkit" bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager StopProgram s web

tap_done
