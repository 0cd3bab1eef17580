#!/usr/bin/env bash
# fatal_retry_after= (processkit's storm pause) against real processes: a program that used up startretries is
# FATAL with the sub-state "retry in ..." and starts again after the pause, with a fresh set of startretries;
# reset-failed cancels the pending retry; without the key FATAL stays FATAL. The key is checked when read.
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
done_testing
