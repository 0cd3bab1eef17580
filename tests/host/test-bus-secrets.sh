#!/bin/bash
# SPDX-License-Identifier: MIT
# Secrets stay with root and authorized callers: program environment values and output. An unprivileged
# caller (nobody, via setpriv) reads states, properties, GetAll and GetManagedObjects (the Environment
# property lists names only, never values) but not GetProgramEnvironment or the output; root, a caller the
# (stand-in) polkit authorizes for org.cgsup1.manage, and the owner of a transient run can. Neither the
# environment values nor argv ever reach cgsupd's own log, even at loglevel=debug.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
bus_require_nobody
FAKE=${CGSUP_BUILD_DIR:-}/tests/host/fake-polkit
[[ -x $FAKE ]] || skip_all "fake-polkit helper not built ($FAKE)"

POLKIT_LOG=$TEST_DIR/polkit.log
FAKE_PID=
touch "$POLKIT_LOG"
trap '[[ -n $FAKE_PID ]] && kill $FAKE_PID 2>/dev/null; bus_cleanup' EXIT

# start_fake_polkit ACTION...: a stand-in polkit that allows exactly ACTION... (nothing when none).
start_fake_polkit() {
        if [[ -n $FAKE_PID ]]; then
                kill "$FAKE_PID" 2>/dev/null
                wait "$FAKE_PID" 2>/dev/null
                FAKE_PID=
                for _ in $(seq 100); do
                        bctl status org.freedesktop.PolicyKit1 >/dev/null 2>&1 || break
                        sleep 0.05
                done
        fi
        "$FAKE" "$POLKIT_LOG" "$@" >>"$TEST_DIR/fake-polkit.out" 2>&1 &
        FAKE_PID=$!
        for _ in $(seq 200); do
                bctl status org.freedesktop.PolicyKit1 >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        echo "# fake-polkit did not come up: $(cat "$TEST_DIR/fake-polkit.out")"
        return 1
}

# Markers that must never show up where they do not belong.
SECRET="hunter2-env-$$-$RANDOM"
ARGV_SECRET="argv-secret-$$-$RANDOM"
OUT_MARK="output-mark-$$"
TSECRET="transient-env-$$-$RANDOM"

cat >"$TEST_DIR/cgsup.conf" <<EOF
[cgsupd]
loglevel = debug

[program:web]
command = sh -c 'echo $OUT_MARK; exec sleep 1000' $ARGV_SECRET
environment = DB_PASSWORD="$SECRET",PLAIN="plain"
startsecs = 0
EOF
start_fake_polkit || skip_all "fake-polkit did not start"
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
wait_state web RUNNING >/dev/null

nbusctl() {
        as_nobody busctl --address="$BUS_ADDRESS" "$@"
}
nsend() {
        local method=$1
        shift
        as_nobody dbus-send --bus="$BUS_ADDRESS" --print-reply --reply-timeout=30000 --dest=org.cgsup1 /org/cgsup1 \
                "org.cgsup1.Manager.$method" "$@" 2>&1
}
nctl() {
        as_nobody env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" "$CGSUPCTL" "$@"
}
# In "bash -c" checks: the helpers and the variables they use.
LIB="$(declare -f as_nobody nbusctl nsend nctl); BUS_ADDRESS='$BUS_ADDRESS'; CGSUPCTL='$CGSUPCTL'"
# stdin from /dev/null and stderr into TEST_DIR/err (world-readable dir): nobody cannot read the test's fds.
# one_line_denial COMMAND...: exits 1 with exactly one line on stderr, naming the refusal.
one_line_denial() {
        local rc
        "$@" </dev/null >/dev/null 2>"$TEST_DIR/err"
        rc=$?
        cat "$TEST_DIR/err"
        [[ $rc -eq 1 && $(wc -l <"$TEST_DIR/err") -eq 1 ]] && grep -qi 'denied' "$TEST_DIR/err"
}

WEB=/org/cgsup1/program/web

# --- nobody, polkit says no -------------------------------------------------------------------------
check "nobody: Environment property lists the names" bash -c "$LIB
        out=\$(nbusctl get-property org.cgsup1 $WEB org.cgsup1.Program Environment); echo \"\$out\"
        [[ \$out == 'as 2 \"DB_PASSWORD\" \"PLAIN\"' ]]"
check "nobody: GetAll works and holds no environment value" bash -c "$LIB
        out=\$(nbusctl call org.cgsup1 $WEB org.freedesktop.DBus.Properties GetAll s org.cgsup1.Program) || exit 1
        grep -q RUNNING <<<\"\$out\" && ! grep -q -e '$SECRET' -e plain <<<\"\$out\""
check "nobody: GetManagedObjects works and holds no environment value" bash -c "$LIB
        out=\$(nbusctl call org.cgsup1 /org/cgsup1 org.freedesktop.DBus.ObjectManager GetManagedObjects) || exit 1
        grep -q DB_PASSWORD <<<\"\$out\" && ! grep -q '$SECRET' <<<\"\$out\""
check "nobody: argv stays public (Command)" bash -c "$LIB
        nbusctl get-property org.cgsup1 $WEB org.cgsup1.Program Command | grep -q '$ARGV_SECRET'"
check "nobody: GetProgramEnvironment is AccessDenied" bash -c "$LIB
        out=\$(nsend GetProgramEnvironment string:web); echo \"\$out\"
        grep -q org.cgsup1.Error.AccessDenied <<<\"\$out\" && ! grep -q '$SECRET' <<<\"\$out\""
check "polkit was asked about org.cgsup1.manage, verb environment" \
        grep -q '^org.cgsup1.manage subject=system-bus-name::1\.[0-9]* flags=0 details=program=web,verb=environment$' "$POLKIT_LOG"
check "nobody: GetProgramEnvironment of an unknown program is NoSuchProgram" bash -c "$LIB
        nsend GetProgramEnvironment string:nope | grep -q org.cgsup1.Error.NoSuchProgram"
check "nobody: cgsupctl tail exits 1 with one access-denied line" bash -c "$LIB; $(declare -f one_line_denial); TEST_DIR='$TEST_DIR'
        one_line_denial nctl tail web"
check "... and the output did not leak into that line" bash -c "! grep -q '$OUT_MARK' '$TEST_DIR/err'"
check "polkit was asked about org.cgsup1.manage, verb tail" grep -q '^org.cgsup1.manage .*details=program=web,verb=tail$' "$POLKIT_LOG"
check "nobody: cgsupctl status works" bash -c "$LIB; nctl status web </dev/null | grep -q RUNNING"

# --- root ----------------------------------------------------------------------------------------------
BEFORE=$(wc -l <"$POLKIT_LOG")
check "root: GetProgramEnvironment returns the values" bash -c "
        out=\$(busctl --address='$BUS_ADDRESS' call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgramEnvironment s web)
        echo \"\$out\"; [[ \$out == 'as 2 \"DB_PASSWORD=$SECRET\" \"PLAIN=plain\"' ]]"
check "root: cgsupctl tail shows the output" bash -c "'$CGSUPCTL' tail web </dev/null | grep -q '$OUT_MARK'"
check "root: no polkit round trip" test "$(wc -l <"$POLKIT_LOG")" -eq "$BEFORE"

# --- nobody, authorized by polkit for org.cgsup1.manage --------------------------------------------------
start_fake_polkit org.cgsup1.manage
check "authorized nobody: GetProgramEnvironment returns the values" bash -c "$LIB
        nsend GetProgramEnvironment string:web | grep -q 'DB_PASSWORD=$SECRET'"
check "authorized nobody: cgsupctl tail shows the output" bash -c "$LIB; nctl tail web </dev/null | grep -q '$OUT_MARK'"

# --- transient runs: the owner reads its own, not someone else's ----------------------------------------
start_fake_polkit org.cgsup1.run
check "nobody: run --name mine -E TOKEN=..." bash -c "$LIB; nctl run --name mine -E TOKEN=$TSECRET -- sleep 60 </dev/null"
BEFORE=$(wc -l <"$POLKIT_LOG")
check "owner: GetProgramEnvironment of its own transient" bash -c "$LIB
        nsend GetProgramEnvironment string:mine | grep -q 'TOKEN=$TSECRET'"
check "... without asking polkit" test "$(wc -l <"$POLKIT_LOG")" -eq "$BEFORE"
check "root: run --name roots -E TOKEN=... (a transient of another user)" \
        "$CGSUPCTL" run --name roots -E "TOKEN=$TSECRET" -- sleep 60
check "nobody: GetProgramEnvironment of root's transient is AccessDenied" bash -c "$LIB
        out=\$(nsend GetProgramEnvironment string:roots); echo \"\$out\"
        grep -q org.cgsup1.Error.AccessDenied <<<\"\$out\" && ! grep -q '$TSECRET' <<<\"\$out\""
check "nobody: stopping root's transient is AccessDenied" bash -c "$LIB
        nsend StopProgram string:roots | grep -q org.cgsup1.Error.AccessDenied"
check "root's transient still RUNNING" wait_state roots RUNNING

# --- a broken environment= names the problem, never the value --------------------------------------------
BAD_SECRET="bad-env-$$-$RANDOM"
cp "$TEST_DIR/cgsup.conf" "$TEST_DIR/good.conf"
printf '[program:broken]\ncommand = true\nenvironment = DB_PASSWORD=%s$oops\n' "$BAD_SECRET" >>"$TEST_DIR/cgsup.conf"
check "root: Reload with a broken environment= is BadConfig without the value" bash -c "
        out=\$(dbus-send --bus='$BUS_ADDRESS' --print-reply --dest=org.cgsup1 /org/cgsup1 org.cgsup1.Manager.Reload 2>&1)
        echo \"\$out\"; grep -q org.cgsup1.Error.BadConfig <<<\"\$out\" && grep -q environment <<<\"\$out\" &&
        ! grep -q '$BAD_SECRET' <<<\"\$out\""
cp "$TEST_DIR/good.conf" "$TEST_DIR/cgsup.conf"

# --- cgsupd's own log --------------------------------------------------------------------------------------
check "daemon still serving" daemon_alive
check "cgsupd's log was written (loglevel=debug)" test -s "$TEST_DIR/cgsupd.log"
check "no environment value in cgsupd's log" \
        bash -c "! grep -n -e '$SECRET' -e '$TSECRET' -e '$BAD_SECRET' '$TEST_DIR/cgsupd.log'"
check "no argv in cgsupd's log" bash -c "! grep -n '$ARGV_SECRET' '$TEST_DIR/cgsupd.log'"

tap_done
