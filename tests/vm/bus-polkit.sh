#!/bin/bash
# SPDX-License-Identifier: MIT
# polkit decides for real: cgsuptest (not root, no active session) may read but not change anything; with
# the shipped example rule (group cgsupadmin) it may manage programs and run transients, which run as
# cgsuptest with their limits enforced (memory.max in the program's cgroup, an over-allocation OOM-killed).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bus.sh"

[[ -e /usr/share/polkit-1/actions/org.cgsup1.policy ]] || skip_all "org.cgsup1.policy not installed"
id cgsuptest >/dev/null 2>&1 || skip_all "no user cgsuptest"

rm -f /etc/polkit-1/rules.d/50-cgsup-admin.rules
systemctl try-restart polkit.service
write_system_config
if start_system_cgsupd; then
        ok "cgsupd runs and owns org.cgsup1"
else
        not_ok "cgsupd runs and owns org.cgsup1" "$(journalctl -u cgsupd --no-pager -n 30 2>&1)"
        exit 1
fi

check "cgsuptest: ListPrograms works" bash -c "$(declare -f as_user user_send); CGSUP_TEST_USER=$CGSUP_TEST_USER; user_send ListPrograms | grep -q web"
check "cgsuptest: cgsupctl status works" as_user cgsupctl status web
out=$(user_send StartProgram string:idle)
if grep -q 'org.cgsup1.Error.AccessDenied' <<<"$out"; then
        ok "cgsuptest without a rule: StartProgram denied (AccessDenied)"
else
        not_ok "cgsuptest without a rule: StartProgram denied (AccessDenied)" "$out"
fi
check "idle still STOPPED" test "$(program_state idle)" = STOPPED
check "cgsuptest without a rule: cgsupctl run refused" bash -c "$(declare -f as_user); CGSUP_TEST_USER=$CGSUP_TEST_USER; ! as_user cgsupctl run --wait -- true"

install -m 0644 /usr/share/doc/cgsup/50-cgsup-admin.rules.example /etc/polkit-1/rules.d/50-cgsup-admin.rules
on_exit rm -f /etc/polkit-1/rules.d/50-cgsup-admin.rules
systemctl try-restart polkit.service
wait_for 60 busctl --system introspect org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority || true

out=$(user_send StartProgram string:idle)
if grep -q '"idle"' <<<"$out"; then
        ok "cgsuptest with the example rule: StartProgram allowed"
else
        not_ok "cgsuptest with the example rule: StartProgram allowed" "$out"
fi
check "idle RUNNING" wait_for 60 bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program State) == *RUNNING* ]]"
check "cgsuptest with the rule: Reload still denied (not in the rule)" bash -c "$(declare -f as_user user_send); CGSUP_TEST_USER=$CGSUP_TEST_USER; user_send Reload | grep -q AccessDenied"

out=$(as_user cgsupctl run --pipe -q -p memory_max=64M -- sh -c 'id -u; cat /sys/fs/cgroup$(grep "^0::" /proc/self/cgroup | cut -d: -f3)/memory.max' </dev/null 2>&1)
if [[ $out == $'1000\n67108864' ]]; then
        ok "cgsupctl run as cgsuptest runs as uid 1000 with memory.max = 64M"
else
        not_ok "cgsupctl run as cgsuptest runs as uid 1000 with memory.max = 64M" "$out"
fi

hog=$(hog_command)
out=$(as_user bash -c "cgsupctl run --wait -p memory_max=32M -p memory_swap_max=0 -- $hog" </dev/null 2>&1)
rc=$?
if [[ $rc -eq 137 ]] && grep -q 'oom-kill' <<<"$out"; then
        ok "an over-allocation under memory_max=32M is OOM-killed (exit 137, result oom-kill)"
else
        not_ok "an over-allocation under memory_max=32M is OOM-killed (exit 137, result oom-kill)" "rc=$rc" "$out"
fi
check "run --uid root as cgsuptest is refused" bash -c "$(declare -f as_user); CGSUP_TEST_USER=$CGSUP_TEST_USER; ! as_user cgsupctl run --uid root --wait -- true"
