#!/usr/bin/env bash
# DESIGN rule 5: SIGKILL cgsupd, start it again: the running programs are adopted (same PIDs, no second
# instance, never killed), their output keeps flowing into the log file with no line lost, and the adopted
# programs are supervised again (a crash is restarted, stop works).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup adopt

cat >"$T/cgsup.conf" <<EOF
[program:svc]
command=$CGSUP_HOG sleep inf
startsecs=0

[program:talker]
command=$CGSUP_HOG print 400 0.01
startsecs=0
autorestart=false
stdout_logfile=$T/talker.log

[program:multi]
command=$CGSUP_HOG sleep inf
process_name=multi_%(process_num)d
numprocs=2
startsecs=0
EOF

check "cgsupd starts" dl_start "$T/cgsup.conf"
for p in svc talker multi_0 multi_1; do wait_state $p RUNNING 10; done
svc=$(field_of svc pid) talker=$(field_of talker pid) m0=$(field_of multi_0 pid)
wait_until 5 bash -c "[[ -s $T/talker.log ]]"
# A stopped program keeps its state file (overwritten in place, never unlinked at a stop), saying there is
# nothing to adopt; the daemon started after the crash must not take it for a running one.
check "stop multi_1" timeout 60 "$CGSUPCTL" stop multi_1
check "multi_1's state file says STOPPED" state_is multi_1 STOPPED
check "multi_1's state file says pid=0" test "$(field_of multi_1 pid)" = 0
dl_kill9
check "programs survive SIGKILL of cgsupd" bash -c "kill -0 $svc && kill -0 $talker && kill -0 $m0"
sleep 0.5 # talker keeps printing into the pipe while nobody reads
check "cgsupd restarts" dl_start "$T/cgsup.conf"
check "svc adopted with the same pid" wait_until 5 bash -c "[[ \$(sed -n 's/^pid=//p' $RUNDIR/state/svc) == $svc ]]"
check "svc RUNNING after adoption" state_is svc RUNNING
check "multi_0 adopted with the same pid" test "$(field_of multi_0 pid)" = "$m0"
check "no second instance of svc" test "$(cg_count svc/svc)" -eq 1
check "stopped multi_1 started afresh" wait_state multi_1 RUNNING 10
check "... and never said to be adopted" test "$(log_count 'multi_1: Adopted')" -eq 0
# The state file can be rewritten before the log line reaches the file: wait for it (bounded).
check "adoption logged" wait_until 10 log_has "svc: Adopted running instance, main pid $svc"
check "talker finished all 400 lines" wait_until 20 bash -c "[[ \$(wc -l <$T/talker.log) -ge 400 ]]"
check "no line lost or doubled across the restart" bash -c "[[ \$(grep -c . $T/talker.log) -eq 400 && \$(sort -u $T/talker.log | wc -l) -eq 400 ]]"
check "talker EXITED after adoption (exit seen through its pidfd)" wait_state talker EXITED 10

t0=$(now_ms)
kill -KILL "$svc"
check "adopted program is supervised: crash -> restarted" wait_until 10 bash -c "p=\$(sed -n 's/^pid=//p' $RUNDIR/state/svc); [[ -n \$p && \$p != 0 && \$p != $svc ]]"
diag "adopted crash restarted after $(($(now_ms) - t0)) ms"
dl_stop
check "clean shutdown" test $? -eq 0
check "state files removed at the graceful exit" test ! -e "$RUNDIR/state"
# Not our child: once killed it may linger as a zombie of whoever inherited it; zombie = gone.
check "adopted processes stopped at shutdown" bash -c "[[ ! -e /proc/$m0 ]] || grep -q '^State:.*Z' /proc/$m0/status"
done_testing
