#!/bin/bash
# Ground truth for the VM tier: polkitd answers CheckAuthorization for actions shipped by a test policy,
# and really decides: the same call is allowed for root and denied for the unprivileged user, and a rule
# keyed on the cgsupadmin group allows that user a second action.
set -u
source "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
install -m 0644 "$here/ground-polkit.policy" /usr/share/polkit-1/actions/org.cgsup1.test.ground.policy
on_exit rm -f /usr/share/polkit-1/actions/org.cgsup1.test.ground.policy
install -m 0644 "$here/ground-polkit.rules" /etc/polkit-1/rules.d/50-cgsup-ground-test.rules
on_exit rm -f /etc/polkit-1/rules.d/50-cgsup-ground-test.rules
# polkitd watches both directories, but a restart makes the new files certain.
systemctl try-restart polkit.service

# check_auth PID ACTION: prints polkit's (is_authorized is_challenged) for the process PID.
check_auth() {
        local pid=$1 action=$2 start
        start=$(awk '{ print $22 }' "/proc/$pid/stat")
        busctl --system --timeout=120 call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
                org.freedesktop.PolicyKit1.Authority CheckAuthorization '(sa{sv})sa{ss}us' \
                unix-process 2 pid u "$pid" start-time t "$start" "$action" 0 0 ""
}

if wait_for 120 busctl --system --timeout=60 introspect org.freedesktop.PolicyKit1 \
                /org/freedesktop/PolicyKit1/Authority; then
        ok "polkitd answers on the system bus"
else
        not_ok "polkitd answers on the system bus"
fi

actions=$(pkaction 2>&1) || true
if [[ $actions == *org.cgsup1.test.ground-root* ]]; then
        ok "polkitd knows the test policy's actions"
else
        not_ok "polkitd knows the test policy's actions" "pkaction: $actions"
fi

sleep 600 &
root_pid=$!
on_exit kill "$root_pid"
as_user sleep 600 &
runuser_pid=$!
on_exit kill "$runuser_pid"
# runuser forks the command: find the sleep that runs as uid 1000.
wait_for 30 pgrep -u cgsuptest -x sleep || true
user_pid=$(pgrep -u cgsuptest -x sleep | head -n 1)
[[ -z $user_pid ]] || on_exit kill "$user_pid"

expect() {
        local who=$1 pid=$2 action=$3 want=$4 reply
        reply=$(check_auth "$pid" "$action" 2>&1) || true
        if [[ $reply == "(bba{ss}) $want "* ]]; then
                ok "$who: $action -> $want"
        else
                not_ok "$who: $action -> $want" "reply: $reply"
        fi
}
expect root "$root_pid" org.cgsup1.test.ground-root "true false"
if [[ -n $user_pid ]]; then
        expect cgsuptest "$user_pid" org.cgsup1.test.ground-root "false false"
        expect cgsuptest "$user_pid" org.cgsup1.test.ground-admins "true false"
else
        not_ok "cgsuptest: a process of the test user to check" "no sleep running as cgsuptest"
fi
reply=$(check_auth "$root_pid" org.cgsup1.test.no-such-action 2>&1) || true
if [[ $reply == *"is not registered"* ]]; then
        ok "root: an unknown action is an error, not a grant"
else
        not_ok "root: an unknown action is an error, not a grant" "reply: $reply"
fi

# pkcheck, as the user for itself: polkit's answer reaches an unprivileged client too (exit 1 = no).
as_user bash -c 'pkcheck --action-id org.cgsup1.test.ground-root --process $$' >/dev/null 2>&1 && urc=0 || urc=$?
if [[ $urc -eq 1 ]]; then
        ok "cgsuptest: pkcheck for itself is refused (exit 1)"
else
        not_ok "cgsuptest: pkcheck for itself is refused (exit 1)" "pkcheck exit status $urc"
fi
as_user bash -c 'pkcheck --action-id org.cgsup1.test.ground-admins --process $$' >/dev/null 2>&1 && urc=0 || urc=$?
if [[ $urc -eq 0 ]]; then
        ok "cgsuptest: pkcheck for itself is allowed the cgsupadmin action"
else
        not_ok "cgsuptest: pkcheck for itself is allowed the cgsupadmin action" "pkcheck exit status $urc"
fi
