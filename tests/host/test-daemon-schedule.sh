#!/usr/bin/env bash
# schedule= / interval= (issue 14, item 2): an interval=1s program runs about once a second; one whose
# run takes longer than its interval never runs twice at once (the ticks that find it running are
# skipped and logged); a failed run is EXITED with its exit code (no BACKOFF, no FATAL); stop pauses the
# schedule and start runs it now and resumes it; a cron schedule shows its next run (NextRunUSec, status).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v busctl >/dev/null || skip_all "busctl not installed"
dl_setup schedule

cat >"$T/cgsup.conf" <<EOF
[program:fast]
command=bash -c 'date +%%s%%N >>$T/fast.runs'
interval=1s

[program:slow]
command=bash -c 'mkdir $T/slow.lock 2>/dev/null || echo overlap >>$T/slow.overlap; echo run >>$T/slow.runs; sleep 2.5; rmdir $T/slow.lock'
interval=1s

[program:failing]
command=bash -c 'echo run >>$T/failing.runs; exit 3'
interval=1s

[program:nightly]
command=/bin/true
schedule=* * * * *
schedule_timezone=UTC
EOF

prop() { busctl --system get-property org.cgsup1 "/org/cgsup1/program/$1" org.cgsup1.Program "$2" | cut -d' ' -f2; }
runs() { [[ -f $T/$1.runs ]] && wc -l <"$T/$1.runs" || echo 0; }

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "fast runs five times" wait_until 60 bash -c "[[ \$(wc -l <'$T/fast.runs' 2>/dev/null) -ge 5 ]]"
# Ticks are due one interval apart, counted from the due times (no drift); what a run records is its
# start plus the load's spawn latency, so one gap may look short after a late start. Over the whole series
# the runs cannot be faster than the interval (k gaps span at least k - 1 s, one second of latency
# allowed) and not much slower (a start delayed by load may skip a tick: mean below 3 s).
gaps=$(awk 'NR > 1 { printf "%d ", ($1 - prev) / 1000000 } { prev = $1 }' "$T/fast.runs")
diag "fast: gaps between starts (ms): $gaps"
check "fast: not faster than once a second" bash -c "
        set -- $gaps; sum=0; for g; do sum=\$((sum + g)); done; (( sum >= (\$# - 1) * 1000 ))"
check "fast: not a run per tick missed: mean gap below 3 s" bash -c "
        set -- $gaps; sum=0; for g; do sum=\$((sum + g)); done; (( sum / \$# < 3000 ))"

check "slow ran twice" wait_until 60 bash -c "[[ \$(wc -l <'$T/slow.runs' 2>/dev/null) -ge 2 ]]"
check "slow: ticks during a run are skipped and logged" log_has "slow: Skipped a scheduled run: the previous run is still going"
check "slow: never two runs at once" test ! -e "$T/slow.overlap"
skipped=$(prop slow ScheduleSkipped)
check "slow: ScheduleSkipped counts them ($skipped)" test "${skipped:-0}" -ge 1

check "failing ran" wait_until 30 bash -c "[[ -s '$T/failing.runs' ]]"
check "failing: EXITED after a failed run" wait_state failing EXITED 20
check "failing: exit code 3 recorded" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/failing org.cgsup1.Program ExitCode) == 'i 3' ]]"
check "failing: runs again at the next tick (no BACKOFF/FATAL)" wait_until 30 bash -c "[[ \$(wc -l <'$T/failing.runs') -ge 3 ]]"
check "failing: never BACKOFF or FATAL" bash -c "! grep -Eq 'failing: .*(BACKOFF|FATAL)' '$DAEMON_LOG'"

# stop pauses, start runs now and resumes
check "stop fast" bash -c "'$CGSUPCTL' stop fast >/dev/null"
check "fast: schedule paused" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/fast org.cgsup1.Program SchedulePaused) == 'b true' ]]"
check "fast: no next run while paused" test "$(prop fast NextRunUSec)" = 0
check "status shows the pause" bash -c "'$CGSUPCTL' status fast | grep -q 'schedule paused'"
before=$(runs fast)
"$CGSUPCTL" start fast >/dev/null 2>&1
check "start runs it now" wait_until 10 bash -c "[[ \$(wc -l <'$T/fast.runs') -gt $before ]]"
check "start resumes the schedule" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/fast org.cgsup1.Program SchedulePaused) == 'b false' ]]"

# a calendar schedule: the next run within the next minute, shown by status
next=$(prop nightly NextRunUSec)
now=$(($(date +%s) * 1000000))
diag "nightly: NextRunUSec=$next now=$now"
check "nightly: next run within the minute" bash -c "(( $next > $now - 1000000 && $next <= $now + 61000000 ))"
check "nightly: Schedule property" bash -c "busctl --system get-property org.cgsup1 /org/cgsup1/program/nightly org.cgsup1.Program Schedule | grep -q '\"\\* \\* \\* \\* \\*\"'"
check "status shows the next run" bash -c "'$CGSUPCTL' status nightly | grep -q 'next run in'"

check "cgsupd stops" dl_stop
done_testing
