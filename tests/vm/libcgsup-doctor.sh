#!/bin/bash
# `cgsupctl doctor` in the VM (pure cgroup v2, all controllers): inside a `Delegate=yes` service every limit
# key must be enforceable (exit 0), as root and as the unprivileged test user; in a service that is not
# delegated to the unprivileged user, doctor must say so and exit 1.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupctl >/dev/null || skip_all "cgsupctl is not installed"
command -v systemd-run >/dev/null || skip_all "systemd-run not available"

work=$(mktemp -d /run/cgsup-doctor.XXXXXX)
on_exit rm -rf "$work"
chmod 0755 "$work"

# run_service NAME [systemd-run properties...] -- COMMAND...: runs COMMAND in a transient service, prints its
# stdout, returns its exit status (systemd-run --wait --pipe passes it through).
run_service() {
        local name=$1
        shift
        local props=()
        while [[ $1 != -- ]]; do
                props+=("$1")
                shift
        done
        shift
        timeout 300 systemd-run --quiet --wait --pipe --collect --unit="cgsup-doctor-$name" "${props[@]}" "$@" \
                </dev/null
}

# check_json FILE: prints one line per problem (nothing when all is well); fails if FILE is not JSON.
# Every key enforceable, delegation seen, the target is the service's own cgroup, kernel features present.
check_json() {
        jq -r '
                (["memory_max", "memory_high", "memory_swap_max", "pids_max", "cpu_quota", "cpu_weight",
                  "io_weight"][] as $k | select(.limits[$k].enforceable != true)
                 | "\($k): \(.limits[$k].reason)"),
                (select(.all_enforceable != true) | "all_enforceable: \(.all_enforceable)"),
                (select(.delegated != true) | "delegated: \(.delegated)"),
                (select(.target_cgroup != .own_cgroup or ((.own_cgroup // "") | endswith(".service") | not))
                 | "target \(.target_cgroup) is not our own service cgroup \(.own_cgroup)"),
                (select(.cgroup2_mount != "/sys/fs/cgroup") | "cgroup2_mount: \(.cgroup2_mount)"),
                (["memory", "pids", "cpu", "io"][] as $c | select((.controllers // []) | index($c) | not)
                 | "controller \($c) missing from \(.controllers)"),
                (["clone3_into_cgroup", "cgroup_kill", "memory_peak", "pidfd", "cgroup_freeze"][] as $f
                 | select(.kernel[$f] != true) | "kernel feature \($f): \(.kernel[$f])")
        ' "$1"
}

for who in root cgsuptest; do
        props=(-p Delegate=yes)
        [[ $who == root ]] || props+=(-p "User=$who")

        rc=0
        run_service "json-$who" "${props[@]}" -- cgsupctl doctor --json >"$work/$who.json" 2>"$work/$who.err" || rc=$?
        if [[ $rc -eq 0 ]]; then
                ok "$who: doctor --json exits 0 in a Delegate=yes service"
        else
                not_ok "$who: doctor --json exits 0 in a Delegate=yes service" "exit status $rc" \
                        "$(cat "$work/$who.json" "$work/$who.err")"
        fi
        if out=$(check_json "$work/$who.json" 2>&1) && [[ -z $out ]]; then
                ok "$who: every limit key enforceable, delegated, own cgroup checked, kernel features present"
        else
                not_ok "$who: every limit key enforceable, delegated, own cgroup checked, kernel features present" "$out"
        fi

        # The global option spelling, and the human output.
        rc=0
        out=$(run_service "human-$who" "${props[@]}" -- cgsupctl doctor 2>&1) || rc=$?
        if [[ $rc -eq 0 && $out == *"7 of 7 limit keys can be enforced"* ]]; then
                ok "$who: human output says 7 of 7"
        else
                not_ok "$who: human output says 7 of 7" "exit status $rc" "$out"
        fi
        rc=0
        run_service "global-$who" "${props[@]}" -- cgsupctl --json doctor >"$work/$who-global.json" 2>&1 || rc=$?
        if [[ $rc -eq 0 ]] && jq -e '.limits | length == 7' "$work/$who-global.json" >/dev/null; then
                ok "$who: cgsupctl --json doctor gives JSON too"
        else
                not_ok "$who: cgsupctl --json doctor gives JSON too" "exit status $rc" "$(cat "$work/$who-global.json")"
        fi
done

# Not delegated: the unprivileged user's service cgroup belongs to root, so nothing can be enforced there.
rc=0
run_service "nodelegate" -p User=cgsuptest -- cgsupctl doctor --json >"$work/nodelegate.json" 2>&1 || rc=$?
if [[ $rc -eq 1 ]] && jq -e '.delegated == false and .all_enforceable == false and
                              ([.limits[] | select(.enforceable != false or .reason == null)] | length == 0)' \
                           "$work/nodelegate.json" >/dev/null; then
        ok "without Delegate=yes the unprivileged user's doctor exits 1 and names the reason"
else
        not_ok "without Delegate=yes the unprivileged user's doctor exits 1 and names the reason" "exit status $rc" \
                "$(cat "$work/nodelegate.json")"
fi
