#!/bin/bash
# libcgsup spawn + limits on a pure cgroup v2 host with every controller, through `cgsupctl run --standalone`
# run as the main process of a `systemd-run -p Delegate=yes` service (so it owns its cgroup, moves itself into
# a leaf and enables controllers for the run's leaf):
#   - memory_max=64M: a 256M allocation is OOM-killed, the report says oom-kill and counts the kill;
#   - pids_max=32: a fork loop hits EAGAIN at <= 32 while the rest of the system forks freely;
#   - cpu_quota=20%: a 5 s busy loop gets <= 25 % of one CPU by cpu.stat;
#   - a live change of memory.max on the run's leaf takes effect: a value above usage reads back and the run
#     goes on, one below usage OOM-kills it at once, and the report shows that kill;
#   - --json reports memory peak (from memory.peak) and oom kills.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupctl >/dev/null || skip_all "cgsupctl is not installed"
command -v systemd-run >/dev/null || skip_all "systemd-run not available"
[[ -x ${CGSUP_HOG:-} ]] || skip_all "CGSUP_HOG (cgsup-hog) not available"
command -v jq >/dev/null || skip_all "jq not available"

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

# json_check NAME JQ-EXPR...: each jq expression, applied to the JSON report (last line of NAME.out) with $M =
# 1 MiB, must be true; prints the failing ones.
json_check() {
        local name=$1 last expr bad=0
        shift
        last=$(grep -v '^[[:space:]]*$' "$work/$name.out" | tail -n 1)
        if ! jq -e 'type == "object"' >/dev/null 2>&1 <<<"$last"; then
                echo "no JSON report: $last"
                return 1
        fi
        for expr in "$@"; do
                if ! jq -e --argjson M 1048576 "$expr" >/dev/null 2>&1 <<<"$last"; then
                        echo "failed: $expr"
                        bad=1
                fi
        done
        [[ $bad -eq 0 ]] || echo "report: $last"
        return $bad
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
        '.result == "oom-kill"' '.exit_signal == 9' '.exit_code == null' '.oom_kills >= 1' \
        '.memory_peak_source == "cgroup"' '.memory_peak >= 48 * $M and .memory_peak <= 72 * $M' \
        '.limits.memory_max == 64 * $M' '.cgroup_removed == true'

# --- --json: memory peak and oom kills of a run that stays under its limit -------------------------------
rc=0
run_capped peak -p memory_max=256M -p memory_swap_max=0 -- "$hog" mem 100M 0 || rc=$?
report peak "--json: memory_peak from memory.peak covers a 100M allocation, oom_kills 0" "$rc" 0 \
        '.result == "success"' '.exit_code == 0' '.memory_peak_source == "cgroup"' \
        '.memory_peak >= 100 * $M and .memory_peak <= 160 * $M' '.oom_kills == 0' \
        '.pids_peak == null or .pids_peak >= 1' '.cpu_source == "cgroup"'
if grep -q '^touched 104857600$' "$work/peak.out"; then
        ok "--json: CMD's own stdout comes before the report"
else
        not_ok "--json: CMD's own stdout comes before the report" "$(cat "$work/peak.out")"
fi

# --- accounting without limits: memory and pids are enabled for the leaf anyway -------------------------
rc=0
run_capped acct -- "$hog" mem 50M 0 || rc=$?
report acct "no limits: report still has memory_peak from memory.peak and oom_kills (accounting)" "$rc" 0 \
        '.memory_peak_source == "cgroup"' '.memory_peak >= 50 * $M' '.oom_kills == 0' '.limits == {}'

# --- a cgroup shared with another process (like a login scope with its shell) ----------------------------
# cgsupctl may not turn it into an inner node: without limits it runs CMD in a child leaf without accounting
# and leaves nothing behind (it tried moving itself into <scope>/cgsupctl for accounting and moved back);
# with a limit it refuses, naming the no-internal-process rule.
cat >"$work/scope.sh" <<'SCOPE'
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
cgsupctl run --standalone --json -- "$1" mem 10M 0 >"$2/scope.out" 2>"$2/scope.err"
echo "rc=$?" >>"$2/scope.err"
cgsupctl run --standalone -p memory_max=64M -- true >"$2/scope-limit.out" 2>"$2/scope-limit.err"
echo "rc=$?" >>"$2/scope-limit.err"
ls "$cg" | grep -E '^(cgsupctl|run-)' >"$2/scope.left" || true
SCOPE
timeout 300 systemd-run --quiet --scope -p Delegate=yes bash "$work/scope.sh" "$hog" "$work" </dev/null >/dev/null 2>&1
if grep -q '^rc=0$' "$work/scope.err" && out=$(json_check scope '.result == "success"' \
        '.memory_peak_source == "rusage-main-process"' '.cgroup_removed == true' 2>&1) && [[ ! -s $work/scope.left ]]; then
        ok "shared cgroup, no limits: runs, leaves no cgsupctl/run-* cgroup behind"
else
        not_ok "shared cgroup, no limits: runs, leaves no cgsupctl/run-* cgroup behind" "${out:-}" \
                "$(cat "$work/scope.out" "$work/scope.err" "$work/scope.left" 2>&1)"
fi
if grep -q '^rc=1$' "$work/scope-limit.err" && grep -q 'memory_max cannot be enforced' "$work/scope-limit.err"; then
        ok "shared cgroup, memory_max: refused with the reason, exit 1"
else
        not_ok "shared cgroup, memory_max: refused with the reason, exit 1" "$(cat "$work/scope-limit.err" 2>&1)"
fi

# --- pids_max: fork loop hits EAGAIN, the rest of the system does not ---------------------------------
# timeout(1) ends the hog and its children (its process group) after 20 s: exit 124.
rc=0
run_capped pids -p pids_max=32 -- timeout 20 "$hog" fork 200 &
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
report pids "pids_max=32: run ends (timeout 124), pids_peak <= 32, cgroup removed" "$rc" 124 \
        '.exit_code == 124' '.pids_peak == null or .pids_peak <= 32' '.limits.pids_max == 32' \
        '.cgroup_removed == true'

# --- cpu_quota: 20 % of one CPU --------------------------------------------------------------------------
rc=0
run_capped cpu -p cpu_quota=20% -- "$hog" spin 5 || rc=$?
report cpu "cpu_quota=20%: a 5 s busy loop gets <= 25 % of one CPU (cpu.stat)" "$rc" 0 \
        '.cpu_source == "cgroup"' '.wall_usec >= 5000000' '.cpu_usage_nsec <= 250 * .wall_usec' \
        '.cpu_usage_nsec >= 50 * .wall_usec' '.limits.cpu_quota == 2000'
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
        # Still above what the hog holds: it must read back and the hog must survive it.
        echo $((300 * 1024 * 1024)) >"$leaf/memory.max"
        now=$(cat "$leaf/memory.max")
        if [[ $now == $((300 * 1024 * 1024)) ]] && grep -q '^touched' "$work/live.out" && [[ -d $leaf ]]; then
                ok "live: memory.max lowered to 300M reads back, the 200M hog still runs"
        else
                not_ok "live: memory.max lowered to 300M reads back" "read $now"
        fi
        # Below what it holds: the kernel enforces it at once (the write returns after the OOM kill).
        echo $((64 * 1024 * 1024)) >"$leaf/memory.max" 2>/dev/null || true
else
        not_ok "live: run's leaf has memory.max 512M while it runs" "leaf '$leaf'" "$(cat "$work/live.out" "$work/live.err")"
        skip "live: memory.max lowered to 300M reads back" "no leaf"
        systemctl kill cgsup-run-live.service 2>/dev/null || true
fi
wait "$live_job" || rc=$?
report live "live: the lowered memory.max OOM-kills the 200M hog, report says oom-kill" "$rc" 137 \
        '.result == "oom-kill"' '.oom_kills >= 1' '.memory_peak >= 200 * $M'

# Nothing of ours is left: every run's service is gone and no run-* leaf survived.
left=$(find /sys/fs/cgroup/system.slice -maxdepth 2 -type d -path '*cgsup-run-*' 2>/dev/null)
if [[ -z $left ]]; then
        ok "no cgroup of any run is left behind"
else
        not_ok "no cgroup of any run is left behind" "$left"
fi
