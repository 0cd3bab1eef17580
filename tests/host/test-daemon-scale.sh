#!/usr/bin/env bash
# ScaleProgram / cgsupctl scale (issue 14, item 3): "scale worker 4" then "scale worker 2" leaves exactly
# instances 0 and 1 running with their original PIDs; new instances follow process_name; surplus ones
# are stopped highest-numbered first and their objects removed; bad requests get clear errors; a reload
# goes back to the file's numprocs and says so.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
command -v busctl >/dev/null || skip_all "busctl not installed"
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
dl_setup scale

cat >"$T/cgsup.conf" <<EOF
[program:worker]
command=$CGSUP_HOG sleep inf
numprocs=2
process_name=%(program_name)s_%(process_num)d
startsecs=0

[program:single]
command=$CGSUP_HOG sleep inf
startsecs=0
EOF

M=(org.cgsup1 /org/cgsup1 org.cgsup1.Manager)
scale() { busctl --system call "${M[@]}" ScaleProgram su "$1" "$2" 2>&1; }
workers() { busctl --system call "${M[@]}" ListPrograms 2>/dev/null | grep -o '"worker_[0-9]*"' | sort | tr -d '"' | xargs; }

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "worker_0 RUNNING" wait_state worker_0 RUNNING 15
check "worker_1 RUNNING" wait_state worker_1 RUNNING 15
pid0=$(field_of worker_0 pid) pid1=$(field_of worker_1 pid)

out=$(scale worker 4)
diag "scale worker 4: $out"
check "scale 4 answers old and new count" test "$out" = "uu 2 4"
check "worker_2 RUNNING" wait_state worker_2 RUNNING 15
check "worker_3 RUNNING" wait_state worker_3 RUNNING 15
check "worker_3 runs in worker/worker_3" grep -qx "0::/$SUBTREE/worker/worker_3" "/proc/$(field_of worker_3 pid)/cgroup"
check "worker_0 untouched by scaling up" test "$(field_of worker_0 pid)" = "$pid0"
check "four instances listed" test "$(workers)" = "worker_0 worker_1 worker_2 worker_3"

out=$("$CGSUPCTL" scale worker 2 2>&1)
diag "cgsupctl scale worker 2: $out"
check "cgsupctl scale 2 prints old and new count" test "$out" = "worker: 4 -> 2 instances (until the next reload)"
check "worker_3 and worker_2 gone from the list" wait_until 20 bash -c "[[ \"\$(busctl --system call ${M[*]} ListPrograms | grep -o '\"worker_[0-9]*\"' | sort | tr -d '\"' | xargs)\" == 'worker_0 worker_1' ]]"
check "their cgroups removed" wait_until 20 bash -c "[[ ! -d $CG_MOUNT/$SUBTREE/worker/worker_2 && ! -d $CG_MOUNT/$SUBTREE/worker/worker_3 ]]"
check "highest-numbered stopped first" bash -c "
        a=\$(grep -n 'worker_3: Removed by scale' '$DAEMON_LOG' | cut -d: -f1)
        b=\$(grep -n 'worker_2: Removed by scale' '$DAEMON_LOG' | cut -d: -f1)
        [[ -n \$a && -n \$b && \$a -lt \$b ]]"
check "worker_0 keeps its original PID" bash -c "[[ '$(field_of worker_0 pid)' == $pid0 ]] && kill -0 $pid0"
check "worker_1 keeps its original PID" bash -c "[[ '$(field_of worker_1 pid)' == $pid1 ]] && kill -0 $pid1"
check "worker_0 and worker_1 still RUNNING" bash -c "[[ \$(sed -n s/^state=//p $RUNDIR/state/worker_0) == RUNNING && \$(sed -n s/^state=//p $RUNDIR/state/worker_1) == RUNNING ]]"

out=$(scale nosuch 3); diag "$out"
check "unknown program: NoSuchProgram" grep -q "No program 'nosuch' to scale" <<<"$out"
out=$(scale worker 1001); diag "$out"
check "more than 1000: InvalidArgument" grep -q "more than 1000" <<<"$out"
check "cgsupctl scale with a bad count: usage error (2)" bash -c "'$CGSUPCTL' scale worker many 2>/dev/null; [[ \$? -eq 2 ]]"
out=$(scale single 3); diag "$out"
check "no %(process_num) in process_name: InvalidArgument naming it" grep -q 'process_num' <<<"$out"
out=$(scale 'bad/name' 3); diag "$out"
check "bad name: InvalidArgument" grep -q "is not a program name" <<<"$out"

# a reload goes back to the file's numprocs and says so
check "scale 3" test "$(scale worker 3)" = "uu 2 3"
check "worker_2 RUNNING again" wait_state worker_2 RUNNING 15
check "reload" busctl --system call "${M[@]}" Reload
check "the reload says it resets the scale" log_has "Reload: worker goes back from 3 instances (scale) to its numprocs= in the file"
check "worker_2 removed by the reload" wait_until 20 bash -c "[[ ! -d $CG_MOUNT/$SUBTREE/worker/worker_2 ]]"
check "worker_0 still the original process" kill -0 "$pid0"

check "cgsupd stops" dl_stop
done_testing
