#!/bin/bash
# SPDX-License-Identifier: MIT
# run --timeout DURATION / -p runtime_max=DURATION (systemd-run's RuntimeMaxSec=): once the run has lasted
# that long its whole process tree is killed (cgroup.kill: a setsid'd grandchild too), the run report's
# result is "timeout" and cgsupctl exits 124, the same through cgsupd (run --wait, the TransientFinished
# signal) and with run --standalone; one report schema for both. The run itself would last 1000 s: every
# call is bounded far below that, so a bound that is not enforced makes a failing check, not a hung test.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
SCHEMA="$(dirname "$0")/json-schema.py"

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:idle]
command=sleep 1000
autostart=false
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"

# A run that would go on for 1000 s, with a grandchild in its own session whose pid goes to $1.
cat >"$TEST_DIR/long.sh" <<'EOF'
setsid sleep 1000 &
echo $! >"$1"
exec sleep 1000
EOF

# The grandchild's pid in $1 names no live process: none, or a zombie (killed; its new parent, the host's init
# when nothing closer reaps, may not have collected it yet).
dead_or_zombie() {
        local pid
        pid=$(cat "$1") && [[ -n $pid ]] || return 1
        [[ ! -e /proc/$pid ]] || [[ $(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) == Z ]] ||
                [[ ! -e /proc/$pid ]]
}

gone() {
        [[ -s $1 ]] && wait_until_ok 10 dead_or_zombie "$1"
}

# wait_until_ok SECONDS command...: a bounded poll for a state the kernel reaches on its own.
wait_until_ok() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                ((SECONDS < end)) || return 1
                sleep 0.05
        done
}

timeout 60 "$CGSUPCTL" run --wait --timeout 1s -- sh "$TEST_DIR/long.sh" "$TEST_DIR/bg1" >"$TEST_DIR/out1" 2>"$TEST_DIR/err1"
rc=$?
check "run --wait --timeout 1s: exit 124" test "$rc" -eq 124
check "run --wait --timeout: 'Finished with result: timeout'" grep -qx 'Finished with result: timeout' "$TEST_DIR/err1"
check "run --wait --timeout: the detail names runtime_max" grep -q '^Detail: runtime_max (1s) reached, cgroup killed' "$TEST_DIR/err1"
check "run --wait --timeout: the setsid'd grandchild is gone too" gone "$TEST_DIR/bg1"
check "run --wait --timeout: the transient program is gone" \
        bash -c "! '$CGSUPCTL' status --no-legend | grep -q '^run-'"

timeout 60 "$CGSUPCTL" --json run --wait -p runtime_max=1s -- sh "$TEST_DIR/long.sh" "$TEST_DIR/bg2" >"$TEST_DIR/rw.json"
rc=$?
check "run --wait -p runtime_max=1s --json: exit 124" test "$rc" -eq 124
check "run --wait --json: the run report schema" python3 "$SCHEMA" run_report <"$TEST_DIR/rw.json"
check "run --wait --json: result timeout, killed by SIGKILL, exit_status 124" python3 -c "
import json, sys
d = json.load(open('$TEST_DIR/rw.json'))
ok = d['result'] == 'timeout' and d['exit_signal'] == 9 and d['exit_code'] is None and d['exit_status'] == 124
sys.exit(0 if ok and 'runtime_max' in d['exit_detail'] and d['wall_usec'] >= 1000000 else print(d) or 1)"
check "run -p runtime_max: the grandchild is gone" gone "$TEST_DIR/bg2"

check "run --timeout soon: usage error (exit 2)" bash -c "'$CGSUPCTL' run --timeout soon -- true 2>/dev/null; [[ \$? -eq 2 ]]"
check "run -p runtime_max=soon: refused by cgsupd, naming the value" \
        bash -c "! '$CGSUPCTL' run --wait -p runtime_max=soon -- true 2>'$TEST_DIR/err3' && grep -q \"runtime_max 'soon'\" '$TEST_DIR/err3'"
check "RunTransient with RuntimeMaxUSec (t): the program is killed when it passed" bash -c "
        busctl --address=\"\$DBUS_SYSTEM_BUS_ADDRESS\" call org.cgsup1 /org/cgsup1 org.cgsup1.Manager RunTransient 'asa{sv}' 2 sleep 1000 2 Name s rt RuntimeMaxUSec t 500000 >/dev/null &&
        for _ in \$(seq 200); do busctl --address=\"\$DBUS_SYSTEM_BUS_ADDRESS\" call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgram s rt >/dev/null 2>&1 || break; sleep 0.05; done
        grep -q 'rt: Ran longer than runtime_max (500ms)' '$TEST_DIR/cgsupd.log'"
check "RuntimeMaxUSec: the bound of a running transient program, UINT64_MAX without one" bash -c "
        '$CGSUPCTL' run --name bounded --timeout 1000s -- sleep 1000 >/dev/null &&
        '$CGSUPCTL' run --name unbounded -- sleep 1000 >/dev/null &&
        [[ \$(busctl --address=\"\$DBUS_SYSTEM_BUS_ADDRESS\" get-property org.cgsup1 /org/cgsup1/program/bounded org.cgsup1.Program RuntimeMaxUSec) == 't 1000000000' ]] &&
        [[ \$(busctl --address=\"\$DBUS_SYSTEM_BUS_ADDRESS\" get-property org.cgsup1 /org/cgsup1/program/unbounded org.cgsup1.Program RuntimeMaxUSec) == 't 18446744073709551615' ]]"
check "stop the two runs" timeout 60 "$CGSUPCTL" stop bounded unbounded
check "a run that ends before its runtime_max: success, exit 0" \
        timeout 60 "$CGSUPCTL" run --wait -q --timeout 1000s -- true
check "daemon still answers" daemon_alive

# The same without the daemon.
STANDALONE_CG="$CG_SUBTREE-standalone"
timeout 60 "$CGSUPCTL" run --standalone --cgroup "$STANDALONE_CG" --json --timeout 1s -- sh "$TEST_DIR/long.sh" "$TEST_DIR/bg4" \
        >"$TEST_DIR/rs.json" 2>"$TEST_DIR/err4"
rc=$?
if [[ $rc -eq 1 ]] && grep -qi 'cgroup' "$TEST_DIR/err4" && [[ ! -s $TEST_DIR/rs.json ]]; then
        tap_skip "run --standalone --timeout" "no cgroup for a standalone run here: $(head -n1 "$TEST_DIR/err4")"
else
        check "run --standalone --timeout 1s: exit 124" test "$rc" -eq 124
        check "run --standalone --json: the run report schema" python3 "$SCHEMA" run_report <"$TEST_DIR/rs.json"
        check "run --standalone and run --wait report the timeout the same way" python3 -c "
import json, sys
a, b = (json.load(open(f)) for f in ('$TEST_DIR/rw.json', '$TEST_DIR/rs.json'))
keys = ('result', 'exit_code', 'exit_signal', 'exit_status', 'exit_detail')
sys.exit(0 if all(a[k] == b[k] for k in keys) else print(a, b) or 1)"
        check "run --standalone --timeout: the grandchild is gone" gone "$TEST_DIR/bg4"
        check "run --standalone --timeout: its cgroup removed" python3 -c "
import json, sys; sys.exit(0 if json.load(open('$TEST_DIR/rs.json'))['cgroup_removed'] is True else 1)"
fi
rmdir "$CG_MOUNT/$STANDALONE_CG" 2>/dev/null

tap_done
