#!/usr/bin/env bash
# fatal_retry_after= (processkit's storm pause) against real processes: a program that used up startretries is
# FATAL with the sub-state "retry in ..." and starts again after the pause, with a fresh set of startretries;
# reset-failed cancels the pending retry; without the key FATAL stays FATAL. The key is checked when read.
# A pending retry survives a cgsupd killed with SIGKILL during the pause: the new daemon keeps the due time
# (retrying at once when it has passed, not before when it has not) and removes the state file of a
# program that left the config meanwhile.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v busctl >/dev/null || skip_all "busctl not installed (ENOENT)"
dl_setup retry

cat >"$T/cgsup.conf" <<EOF
[program:storm]
command=sh -c 'date +%%s%%3N >>$T/storm.starts; exit 3'
startsecs=1
startretries=1
fatal_retry_after=2s

[program:plain]
command=sh -c 'echo x >>$T/plain.starts; exit 3'
startsecs=1
startretries=0
EOF

starts() {
        [[ -f $T/$1.starts ]] && wc -l <"$T/$1.starts" || echo 0
}

prop() {
        busctl --system get-property org.cgsup1 "/org/cgsup1/program/$1" org.cgsup1.Program "$2" 2>/dev/null
}

check "validate accepts fatal_retry_after" "$CGSUPCTL" validate "$T/cgsup.conf"
printf '[program:x]\ncommand=/bin/true\nfatal_retry_after=soon\n' >"$T/bad.conf"
check "validate: a bad fatal_retry_after is an error with file:line" \
        bash -c "! '$CGSUPCTL' validate '$T/bad.conf' 2>'$T/bad.err' && grep -q 'bad.conf:3' '$T/bad.err'"

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "storm: FATAL after 1 + startretries attempts" wait_state storm FATAL 20
check "storm: the sub-state says when it retries" \
        wait_until 10 bash -c "'$CGSUPCTL' status storm | grep -Eq 'Sub-state: retry in [0-9.]+m?s'"
check "storm: SubState on D-Bus" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/storm org.cgsup1.Program SubState) == 's \"retry in'* ]]"
check "storm: FatalRetryAfterUSec is 2 s" test "$(prop storm FatalRetryAfterUSec)" = "t 2000000"
check "storm: tried again after the pause, and again with a fresh startretries (>= 4 starts)" \
        wait_until 30 bash -c "(( \$(wc -l <'$T/storm.starts') >= 4 ))"
mapfile -t s <"$T/storm.starts"
gap=$((s[2] - s[1]))
diag "storm: pause between the FATAL attempt and the retry ${gap} ms"
check "storm: the retry waited the pause (>= 2 s)" test "$gap" -ge 2000
check "storm: restarts counted" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/storm org.cgsup1.Program Restarts) != 'u 0' ]]"

check "storm: FATAL again" wait_state storm FATAL 20
"$CGSUPCTL" reset-failed storm >/dev/null
check "reset-failed: exit 0" test $? -eq 0
check "reset-failed: STOPPED" wait_state storm STOPPED 10
check "reset-failed: no sub-state left" test "$(prop storm SubState)" = 's ""'
check "reset-failed: no job left (the retry is canceled)" test "$(prop storm Job)" = '(us) 0 ""'
check "reset-failed: the canceled retry is logged" log_has 'storm: Job [0-9]* (automatic restart) canceled'

check "plain: FATAL for good (no fatal_retry_after)" wait_state plain FATAL 20
check "plain: no retry job" test "$(prop plain Job)" = '(us) 0 ""'
check "plain: no sub-state" test "$(prop plain SubState)" = 's ""'
check "plain: started once" test "$(starts plain)" -eq 1

check "cgsupd stops cleanly" dl_stop

# ---- a pending retry across a cgsupd killed during the pause ----
# pause: the daemon comes back well inside its 12 s pause; due: its 2 s pause is over before the daemon
# comes back; gone: left out of the config the new daemon reads.
for name in pause due gone; do
        case $name in pause) after=12s ;; due) after=2s ;; gone) after=60s ;; esac
        printf '[program:%s]\ncommand=sh -c %s\nstartsecs=1\nstartretries=0\nfatal_retry_after=%s\n\n' \
                "$name" "'date +%%s%%3N >>$T/$name.starts; exit 3'" "$after"
done >"$T/kill.conf"
sed '/^\[program:gone\]/,/^$/d' "$T/kill.conf" >"$T/kill-less.conf"

retry_due() {
        [[ -n $(field_of "$1" retry_due_boottime) && -n $(field_of "$1" boot_id) ]]
}
# uptime_ms: CLOCK_BOOTTIME, the clock of retry_due_boottime.
uptime_ms() {
        awk '{ printf "%d", $1 * 1000 }' /proc/uptime
}
due_passed() {
        local due
        due=$(field_of "$1" retry_due_boottime)
        [[ -n $due ]] && (($(uptime_ms) > due / 1000))
}

check "cgsupd starts (kill.conf)" dl_start "$T/kill.conf"
for name in pause due gone; do
        check "$name: FATAL with its retry's due time in the state file" wait_until 20 bash -c \
                "$(declare -f state_of state_is field_of retry_due); RUNDIR='$RUNDIR'; state_is $name FATAL && retry_due $name"
done
dl_kill9
check "cgsupd killed (SIGKILL) during the pauses" test -z "$CGSUPD_PID"
check "due: the 2 s pause passed while no cgsupd ran" wait_until 20 due_passed due
check "cgsupd restarted on the same state directory, without gone in its config" dl_start "$T/kill-less.conf"
check "pause: FATAL again, not started at once by the new daemon" bash -c "
        [[ \$('$CGSUPCTL' status pause 2>&1) == *FATAL* ]] && (( \$(wc -l <'$T/pause.starts') == 1 ))"
check "pause: the sub-state says the retry is still pending" \
        bash -c "'$CGSUPCTL' status pause | grep -Eq 'Sub-state: retry in [0-9.]+m?s'"
check "due: retried at once (its due time had passed)" wait_until 20 bash -c "(( \$(wc -l <'$T/due.starts') >= 2 ))"
check "pause: started again after the pause" wait_until 40 bash -c "(( \$(wc -l <'$T/pause.starts') >= 2 ))"
mapfile -t s <"$T/pause.starts"
gap=$((s[1] - s[0]))
diag "pause: ${gap} ms from the failed start to the retry, cgsupd restarted in between"
check "pause: the retry kept the pause across the restart (>= 12 s)" test "$gap" -ge 12000
check "the new daemon logged the kept retry" log_has 'pause: FATAL with a pending retry (fatal_retry_after)'
check "gone: its state file removed (not in the config any longer)" test ! -e "$RUNDIR/state/gone"
check "gone: not started again" test "$(starts gone)" -eq 1
check "cgsupd stops cleanly (kill.conf)" dl_stop
done_testing
