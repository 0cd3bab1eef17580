#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl adopt PID [--name NAME] [--tree] (Manager.AdoptProcess) against a cgsupd on a private bus: an
# outside process (with --tree its descendants) is moved into a new transient program's cgroup, listed and
# stopped like any program; its exit is seen through its pidfd and reported as unknown; refusals say why
# (a process another program holds, another systemd unit's cgroup, PID 1, cgsupd itself, no such process,
# another user's process); an unprivileged caller needs polkit (org.cgsup1.manage) and its own process.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
bus_require_nobody
FAKE=${CGSUP_BUILD_DIR:-}/tests/host/fake-polkit
[[ -x $FAKE ]] || skip_all "fake-polkit helper not built ($FAKE)"

# Processes this test starts, ended by PID on exit (whatever cgsupd did with them).
OURS=()
OTHER_CG=
FAKE_PID=
adopt_cleanup() {
        local pid
        for pid in "${OURS[@]}" $FAKE_PID; do
                kill -KILL "$pid" 2>/dev/null
        done
        [[ -n $OTHER_CG && -d $OTHER_CG ]] && rmdir "$OTHER_CG" 2>/dev/null
        bus_cleanup
}
trap adopt_cleanup EXIT

err_has() {
        grep -q -- "$1" "$TEST_DIR/err" || { echo "stderr lacks '$1':"; cat "$TEST_DIR/err"; return 1; }
}

cgroup_of() {
        sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null
}

# in_cgroup PID PATH: PID's cgroup2 path is /PATH.
in_cgroup() {
        local cg
        cg=$(cgroup_of "$1")
        [[ $cg == "/$2" ]] || { echo "process $1 is in '$cg', expected '/$2'"; return 1; }
}

# wait_until_true SECONDS COMMAND...: polls COMMAND (bounded).
wait_until_true() {
        local deadline=$((SECONDS + $1))
        shift
        while ((SECONDS < deadline)); do
                "$@" && return 0
                sleep 0.05
        done
        "$@"
}

# reap PID: collect our child PID once it has ended (never blocks on one that still runs).
reap() {
        gone "$1" && wait "$1" 2>/dev/null
        return 0
}

gone() {
        ! kill -0 "$1" 2>/dev/null || [[ $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) == Z ]]
}

wait_gone() {
        local deadline=$((SECONDS + ${2:-20}))
        while ((SECONDS < deadline)); do
                gone "$1" && return 0
                sleep 0.1
        done
        echo "process $1 is still there"
        return 1
}

# program_listed NAME: whether status lists NAME.
program_listed() {
        "$CGSUPCTL" list-names 2>/dev/null | grep -qx -- "$1"
}

wait_unlisted() {
        local deadline=$((SECONDS + 20))
        while ((SECONDS < deadline)); do
                program_listed "$1" || return 0
                sleep 0.1
        done
        echo "$1 is still listed"
        return 1
}

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20

# ---- a single process ----
sleep 1000 >/dev/null 2>&1 &
P1=$!
OURS+=("$P1")
# The exit report (TransientFinished), recorded from before the adoption.
dbus-monitor --address "$BUS_ADDRESS" "type='signal',interface='org.cgsup1.Manager',member='TransientFinished'" \
        >"$TEST_DIR/finished.log" 2>&1 &
MON=$!
OURS+=("$MON")
check "adopt PID --name one: exit 0, says so" bash -c "
        '$CGSUPCTL' adopt $P1 --name one >'$TEST_DIR/a1.out' 2>&1 && grep -qx 'Adopted process $P1 as program one' '$TEST_DIR/a1.out' ||
                { cat '$TEST_DIR/a1.out'; exit 1; }"
check "the process is in the new program's cgroup" in_cgroup "$P1" "$CG_SUBTREE/one/one"
check "status lists it RUNNING with its PID" bash -c "
        '$CGSUPCTL' status one --json | python3 -c '
import json,sys; p=json.load(sys.stdin)[\"programs\"][0]
assert p[\"state\"] == \"RUNNING\" and p[\"pid\"] == $P1 and p[\"transient\"] is True, p
assert p[\"command\"] == [\"sleep\", \"1000\"], p'"
check "show: MainPID and CGroup" bash -c "
        out=\$('$CGSUPCTL' show one -p MainPID,CGroup); grep -qx 'MainPID=$P1' <<<\"\$out\" &&
        grep -qx 'CGroup=/$CG_SUBTREE/one/one' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "restart of an adopted program is refused (exit 1, the reason)" bash -c "
        $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'
        expect_rc 1 '$CGSUPCTL' restart one && err_has 'one'"
check "... and the process still runs" kill -0 "$P1"
kill -TERM "$P1"
reap "$P1"
check "its exit is seen: the program goes away" wait_unlisted one
check "TransientFinished: result unknown, exit code -1 (not cgsupd's child)" bash -c "
        for _ in \$(seq 1 100); do grep -q '\"unknown\"' '$TEST_DIR/finished.log' && break; sleep 0.1; done
        grep -A4 '\"one\"' '$TEST_DIR/finished.log' | grep -q '\"unknown\"' &&
        grep -A5 '\"one\"' '$TEST_DIR/finished.log' | grep -q 'int32 -1' || { cat '$TEST_DIR/finished.log'; exit 1; }"
check "the daemon log says the exit status is unknown" grep -q "one.*exit status unknown" "$TEST_DIR/cgsupd.log"
check "its cgroup is removed" bash -c "[[ ! -d '$CG_MOUNT/$CG_SUBTREE/one' ]]"

# ---- --tree, and without it ----
# start_tree: a shell with two children, $TREE and ${KIDS[@]}; run in this shell, not under check (its
# command substitution would wait for the background shell's copy of its stdout).
start_tree() {
        bash -c 'sleep 1000 & sleep 1000 & wait' >/dev/null 2>&1 &
        TREE=$!
        OURS+=("$TREE")
        local deadline=$((SECONDS + 10))
        while ((SECONDS < deadline)); do
                KIDS=($(pgrep -P "$TREE"))
                [[ ${#KIDS[@]} -eq 2 ]] && { OURS+=("${KIDS[@]}"); return 0; }
                sleep 0.05
        done
        echo "the tree did not start"
        return 1
}
if start_tree; then tap_ok "a shell with two children"; else tap_fail "a shell with two children"; fi
check "adopt --tree --json: the adoption record" bash -c "
        '$CGSUPCTL' adopt --tree --name tree $TREE --json | python3 -c '
import json,sys; d=json.load(sys.stdin)
assert d == {\"name\": \"tree\", \"object_path\": \"/org/cgsup1/program/tree\", \"pid\": $TREE}, d'"
check "the shell is in the program's cgroup" in_cgroup "$TREE" "$CG_SUBTREE/tree/tree"
check "so are both children" bash -c "$(declare -f cgroup_of in_cgroup); in_cgroup ${KIDS[0]} '$CG_SUBTREE/tree/tree' && in_cgroup ${KIDS[1]} '$CG_SUBTREE/tree/tree'"
check "stop kills the whole tree" bash -c "'$CGSUPCTL' stop tree >/dev/null 2>&1 || true
        $(declare -f gone wait_gone); wait_gone $TREE && wait_gone ${KIDS[0]} && wait_gone ${KIDS[1]}"
reap "$TREE"
check "... and the program is gone" wait_unlisted tree

if start_tree; then tap_ok "another shell with two children"; else tap_fail "another shell with two children"; fi
check "adopt without --tree moves the process only" bash -c "'$CGSUPCTL' adopt --name parent $TREE >/dev/null"
check "the shell is in the program's cgroup" in_cgroup "$TREE" "$CG_SUBTREE/parent/parent"
check "its children stay where they were" bash -c "
        [[ \$(sed -n 's/^0:://p' /proc/${KIDS[0]}/cgroup) != /$CG_SUBTREE/* ]]"
check "stop ends the shell, not the children outside" bash -c "
        '$CGSUPCTL' stop parent >/dev/null 2>&1; $(declare -f gone wait_gone); wait_gone $TREE && kill -0 ${KIDS[0]}"
reap "$TREE"
kill -KILL "${KIDS[@]}" 2>/dev/null

# ---- refusals ----
WEB_PID=$(prop web MainPID)
check "adopt of a process another program holds: refused with the reason" bash -c "
        $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'
        expect_rc 1 '$CGSUPCTL' adopt $WEB_PID && err_has 'already supervised by program web'"
check "... it stays in web's cgroup" in_cgroup "$WEB_PID" "$CG_SUBTREE/web/web"
OTHER_CG="$CG_MOUNT/cgsup-test-other-$$.scope"
mkdir "$OTHER_CG"
sleep 1000 >/dev/null 2>&1 &
P2=$!
OURS+=("$P2")
echo "$P2" >"$OTHER_CG/cgroup.procs"
check "adopt of a process in another systemd unit's cgroup: refused, naming the unit" bash -c "
        $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'
        expect_rc 1 '$CGSUPCTL' adopt $P2 && err_has 'belongs to the systemd unit cgsup-test-other-$$.scope'"
check "... it stays in that cgroup" in_cgroup "$P2" "cgsup-test-other-$$.scope"
kill -KILL "$P2"
reap "$P2"
check "adopt 1: refused (the init process)" bash -c "
        $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'; expect_rc 1 '$CGSUPCTL' adopt 1 && err_has 'init process'"
check "adopt of cgsupd: refused" bash -c "
        $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'; expect_rc 1 '$CGSUPCTL' adopt $CGSUPD_PID && err_has 'cgsupd'"
check "adopt of no such process: refused" bash -c "
        $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'; expect_rc 1 '$CGSUPCTL' adopt 2147483646 && err_has 'no process'"
check "adopt of a name in use: refused" bash -c "
        sleep 1000 & p=\$!; $(declare -f expect_rc err_has); TEST_DIR='$TEST_DIR'
        expect_rc 1 '$CGSUPCTL' adopt --name web \$p && err_has 'web'; rc=\$?; kill \$p; exit \$rc"
check "adopt abc: usage error (exit 2)" expect_rc 2 "$CGSUPCTL" adopt abc
check "adopt without a pid: usage error (exit 2)" expect_rc 2 "$CGSUPCTL" adopt

# ---- an unprivileged caller (uid 65534) ----
sleep 1000 >/dev/null 2>&1 &
ROOT_P=$!
OURS+=("$ROOT_P")
# setpriv itself in the background (not the as_nobody function: that would be a subshell's pid).
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 >/dev/null 2>&1 &
NOBODY_P=$!
OURS+=("$NOBODY_P")
# setpriv switches uids, then execs sleep: wait until it runs as nobody.
runs_as_nobody() {
        [[ $(awk '/^Uid:/ { print $2 $3 $4 }' "/proc/$NOBODY_P/status" 2>/dev/null) == 655346553465534 ]] &&
                [[ $(cat "/proc/$NOBODY_P/comm" 2>/dev/null) == sleep ]]
}
check "nobody's sleep runs" wait_until_true 10 runs_as_nobody
check "nobody: its own process, without polkit: refused (AccessDenied)" bash -c "
        $(declare -f expect_rc err_has as_nobody); TEST_DIR='$TEST_DIR'
        expect_rc 1 as_nobody '$CGSUPCTL' adopt $NOBODY_P && err_has 'polkit'"
"$FAKE" "$TEST_DIR/polkit.log" org.cgsup1.manage >"$TEST_DIR/fake-polkit.out" 2>&1 &
FAKE_PID=$!
check "fake polkit is up" bash -c "for _ in \$(seq 1 100); do busctl --address='$BUS_ADDRESS' list 2>/dev/null | grep -q org.freedesktop.PolicyKit1 && exit 0; sleep 0.05; done; exit 1"
check "nobody: root's process, polkit allowing: refused, naming the uid" bash -c "
        $(declare -f expect_rc err_has as_nobody); TEST_DIR='$TEST_DIR'
        expect_rc 1 as_nobody '$CGSUPCTL' adopt $ROOT_P && err_has 'runs as uid 0'"
check "... and it was not moved" bash -c "[[ \$(sed -n 's/^0:://p' /proc/$ROOT_P/cgroup) != /$CG_SUBTREE/* ]]"
check "nobody: its own process, polkit allowing: adopted" as_nobody "$CGSUPCTL" adopt --name mine "$NOBODY_P"
check "polkit was asked about org.cgsup1.manage, verb adopt" grep -q "^org.cgsup1.manage .*verb=adopt,pid=$NOBODY_P" "$TEST_DIR/polkit.log"
check "nobody's process is in the program's cgroup" in_cgroup "$NOBODY_P" "$CG_SUBTREE/mine/mine"
check "nobody may stop it (its own transient program)" as_nobody "$CGSUPCTL" stop mine
check "... it is gone" wait_gone "$NOBODY_P"
reap "$NOBODY_P"

check "cgsupd still answers" daemon_alive
tap_done
