#!/bin/bash
# libcgsup spawn + limits on a pure cgroup v2 host with every controller, through `cgsupctl run --standalone`
# run as the main process of a `systemd-run -p Delegate=yes` service (so it owns its cgroup, moves itself into
# a leaf and enables controllers for the run's leaf):
#   - memory_max=64M: a 256M allocation is OOM-killed, the report says oom-kill and counts the kill;
#   - pids_max=32: a fork loop hits EAGAIN at <= 32 while the rest of the system forks freely;
#   - cpu_quota=20%: a 5 s busy loop gets <= 25 % of one CPU by cpu.stat;
#   - a live change of memory.max on the run's leaf takes effect (read back, then the OOM kill it causes is
#     what the report shows);
#   - --json reports memory peak (from memory.peak) and oom kills.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupctl >/dev/null || skip_all "cgsupctl is not installed"
command -v systemd-run >/dev/null || skip_all "systemd-run not available"
[[ -x ${CGSUP_HOG:-} ]] || skip_all "CGSUP_HOG (cgsup-hog) not available"
command -v python3 >/dev/null || skip_all "python3 not available"

work=$(mktemp -d /run/cgsup-run.XXXXXX)
on_exit rm -rf "$work"
chmod 0755 "$work"
# The hog must be reachable from the transient services.
install -m 0755 "$CGSUP_HOG" "$work/cgsup-hog"
hog=$work/cgsup-hog

# run_capped NAME [cgsupctl run options...] -- CMD...: cgsupctl run --standalone --json as the main process of
# a Delegate=yes service; its stdout (CMD's output, then the JSON report) goes to $work/NAME.out, stderr to
# NAME.err. Returns cgsupctl's exit status (systemd-run --wait passes it through).
run_capped() {
        local name=$1
        shift
        timeout 300 systemd-run --quiet --wait --pipe --collect --unit="cgsup-run-$name" -p Delegate=yes \
                cgsupctl run --standalone --json "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err"
}

# json_check NAME PYTHON-EXPR...: each expression, evaluated with d = the JSON report (last line of NAME.out),
# must be true; prints the failing ones.
json_check() {
        local name=$1
        shift
        python3 - "$work/$name.out" "$@" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.strip()]
try:
        d = json.loads(lines[-1])
except Exception as e:
        print("no JSON report: %s: %r" % (e, lines[-1:] if lines else "(empty)"))
        sys.exit(1)
bad = [expr for expr in sys.argv[2:] if not eval(expr, {"d": d, "M": 1024 * 1024})]
for expr in bad:
        print("failed: %s" % expr)
if bad:
        print("report: %s" % json.dumps(d))
sys.exit(1 if bad else 0)
PY
}

report() {
        local name=$1 desc=$2 rc=$3 want_rc=$4
        shift 4
        local out
        if [[ $rc -eq $want_rc ]] && out=$(json_check "$name" "$@" 2>&1); then
                ok "$desc"
        else
                not_ok "$desc" "exit status $rc (want $want_rc)" "${out:-}" "stdout:" "$(cat "$work/$name.out")" \
                        "stderr:" "$(cat "$work/$name.err")"
        fi
}

# --- memory_max: OOM kill ------------------------------------------------------------------------------
rc=0
run_capped oom -p memory_max=64M -p memory_swap_max=0 -- "$hog" mem 256M || rc=$?
report oom "memory_max=64M: a 256M allocation is OOM-killed, report says oom-kill (exit 137)" "$rc" 137 \
        'd["result"] == "oom-kill"' 'd["signal"] == "SIGKILL"' 'd["exit_code"] is None' \
        'd["oom_kills"] is not None and d["oom_kills"] >= 1' \
        'd["memory_peak_source"] == "cgroup"' '48 * M <= d["memory_peak"] <= 72 * M' \
        'd["limits"]["memory_max"] == 64 * M' 'd["cgroup_removed"] is True'

# --- --json: memory peak and oom kills of a run that stays under its limit -------------------------------
rc=0
run_capped peak -p memory_max=256M -p memory_swap_max=0 -- "$hog" mem 100M 0 || rc=$?
report peak "--json: memory_peak from memory.peak covers a 100M allocation, oom_kills 0" "$rc" 0 \
        'd["result"] == "exited"' 'd["exit_code"] == 0' 'd["memory_peak_source"] == "cgroup"' \
        '100 * M <= d["memory_peak"] <= 160 * M' 'd["oom_kills"] == 0' \
        'd["pids_peak"] is None or d["pids_peak"] >= 1' 'd["cpu_source"] == "cgroup"'
if grep -q '^touched 104857600$' "$work/peak.out"; then
        ok "--json: CMD's own stdout comes before the report"
else
        not_ok "--json: CMD's own stdout comes before the report" "$(cat "$work/peak.out")"
fi

# --- pids_max: fork loop hits EAGAIN, the rest of the system does not ---------------------------------
# timeout(1) ends the hog after 40 s (exit 124); its sleeping children are left for cgroup.kill.
rc=0
run_capped pids -p pids_max=32 -- timeout 40 "$hog" fork 200 &
pids_job=$!
if wait_for 120 grep -q '^EAGAIN at' "$work/pids.out"; then
        k=$(sed -n 's/^EAGAIN at \([0-9]*\)$/\1/p' "$work/pids.out")
        if [[ -n $k && $k -le 32 && $k -ge 16 ]]; then
                ok "pids_max=32: fork loop hits EAGAIN at $k (<= 32)"
        else
                not_ok "pids_max=32: fork loop hits EAGAIN at <= 32" "got: $(cat "$work/pids.out")"
        fi
        # While the capped tree is at its limit, 64 processes outside it start fine.
        kids=()
        for _ in $(seq 64); do
                sleep 30 &
                kids+=($!)
        done
        started=${#kids[@]}
        alive=0
        for p in "${kids[@]}"; do
                kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
        done
        kill "${kids[@]}" 2>/dev/null
        wait "${kids[@]}" 2>/dev/null
        if [[ $started -eq 64 && $alive -eq 64 ]]; then
                ok "pids_max=32: the rest of the system still forks (64 of 64 outside processes started)"
        else
                not_ok "pids_max=32: the rest of the system still forks" "started $started, alive $alive"
        fi
else
        not_ok "pids_max=32: fork loop hits EAGAIN" "no EAGAIN line: $(cat "$work/pids.out" "$work/pids.err")"
        skip "pids_max=32: the rest of the system still forks" "capped run did not reach its limit"
fi
wait "$pids_job" || rc=$?
report pids "pids_max=32: run ends (timeout 124), leftovers killed, pids_peak <= 32, cgroup removed" "$rc" 124 \
        'd["exit_code"] == 124' 'd["leftover_processes_killed"] >= 10' \
        'd["pids_peak"] is None or d["pids_peak"] <= 32' 'd["limits"]["pids_max"] == 32' \
        'd["cgroup_removed"] is True'

# --- cpu_quota: 20 % of one CPU --------------------------------------------------------------------------
rc=0
run_capped cpu -p cpu_quota=20% -- "$hog" spin 5 || rc=$?
report cpu "cpu_quota=20%: a 5 s busy loop gets <= 25 % of one CPU (cpu.stat)" "$rc" 0 \
        'd["cpu_source"] == "cgroup"' 'd["wall_usec"] >= 5000000' \
        'd["cpu_usec"] <= 0.25 * d["wall_usec"]' 'd["cpu_usec"] >= 0.05 * d["wall_usec"]' \
        'd["limits"]["cpu_quota"] == 2000'
diag "cpu: $(tail -n 1 "$work/cpu.out")"

# --- live change of memory.max ---------------------------------------------------------------------------
# The run starts with 512M and holds a 200M allocation; the test lowers memory.max on the run's leaf to 64M
# while it runs. The kernel must take the new value (read back) and enforce it at once: the hog, which
# cannot shrink, is OOM-killed, and the report the run prints afterwards says so.
rc=0
run_capped live -p memory_max=512M -p memory_swap_max=0 -- "$hog" mem 200M inf &
live_job=$!
leaf=
if wait_for 120 grep -q '^touched' "$work/live.out"; then
        svc=$(systemctl show -P ControlGroup cgsup-run-live.service)
        leaf=$(find "/sys/fs/cgroup$svc" -mindepth 1 -maxdepth 1 -type d -name 'run-*' | head -n 1)
fi
if [[ -n $leaf && $(cat "$leaf/memory.max") == $((512 * 1024 * 1024)) ]]; then
        ok "live: run's leaf $leaf has memory.max 512M while it runs"
        echo $((64 * 1024 * 1024)) >"$leaf/memory.max" 2>/dev/null || true
        now=$(cat "$leaf/memory.max" 2>/dev/null || echo gone)
        # Either we read 64M back, or the kill was so quick that the leaf is already gone.
        if [[ $now == $((64 * 1024 * 1024)) || $now == gone ]]; then
                ok "live: memory.max lowered to 64M reads back ($now)"
        else
                not_ok "live: memory.max lowered to 64M reads back" "read $now"
        fi
else
        not_ok "live: run's leaf has memory.max 512M while it runs" "leaf '$leaf'" "$(cat "$work/live.out" "$work/live.err")"
        skip "live: memory.max lowered to 64M reads back" "no leaf"
        systemctl kill cgsup-run-live.service 2>/dev/null || true
fi
wait "$live_job" || rc=$?
report live "live: the lowered memory.max OOM-kills the 200M hog, report says oom-kill" "$rc" 137 \
        'd["result"] == "oom-kill"' 'd["oom_kills"] >= 1' 'd["memory_peak"] >= 200 * M'

# Nothing of ours is left: every run's service is gone and no run-* leaf survived.
left=$(find /sys/fs/cgroup/system.slice -maxdepth 2 -type d -path '*cgsup-run-*' 2>/dev/null)
if [[ -z $left ]]; then
        ok "no cgroup of any run is left behind"
else
        not_ok "no cgroup of any run is left behind" "$left"
fi
