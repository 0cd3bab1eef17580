#!/usr/bin/env bash
# More programs than the soft RLIMIT_NOFILE cgsupd starts with has room for: cgsupd holds several
# descriptors per program (pidfd, output pipes, stdin), so it raises its own soft limit to the hard one,
# while the programs keep the soft limit minfds gave them (as under supervisord; select() needs < 1,024).
# Before, the spawn after the limit's worth of descriptors failed with EMFILE (the 168th of 1,000 at the
# soft limit of 1,024 a service gets from systemd).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup nofile

N=60
SOFT=64
(( $(ulimit -Hn) >= 4 * N + 64 )) || skip_all "the hard RLIMIT_NOFILE here is below $((4 * N + 64))"
dl_numprocs_conf "$T/cgsup.conf" many $N 'many_%(process_num)02d'
cat >>"$T/cgsup.conf" <<CONF

[program:limited]
command=$CGSUP_HOG sleep inf
startsecs=0
rlimit_nofile=40
CONF
sed -i "1i [cgsupd]\nminfds = $SOFT\n" "$T/cgsup.conf"

ulimit -Sn $SOFT
dl_start "$T/cgsup.conf"
check "cgsupd starts" daemon_alive
check "all $N programs and one more run at a soft limit of $SOFT descriptors" wait_until 30 dl_all_running $((N + 1))
check "no spawn failed for want of descriptors" bash -c "! grep -q 'Too many open files' '$DAEMON_LOG'"
check "cgsupd's own soft limit is its hard limit" \
        bash -c "[[ \$(awk '/^Max open files/ { print \$4 }' /proc/$CGSUPD_PID/limits) == \$(awk '/^Max open files/ { print \$5 }' /proc/$CGSUPD_PID/limits) ]]"
pid=$(field_of many_00 pid)
check "a program keeps the soft limit minfds left ($SOFT)" bash -c "[[ \$(awk '/^Max open files/ { print \$4 }' /proc/$pid/limits) == $SOFT ]]"
pid=$(field_of limited pid)
check "rlimit_nofile still sets a program's own limit" \
        bash -c "awk '/^Max open files/ { print \$4 \" \" \$5 }' /proc/$pid/limits | grep -qx '40 40'"
check "stop all" "$CGSUPCTL" stop all
check "cgsupd stops" dl_stop
done_testing
