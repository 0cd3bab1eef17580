#!/usr/bin/env bash
# More programs than the kernel allows inotify instances per user (fs.inotify.max_user_instances, 128
# by default): every program's cgroup.events must still be watched, so the daemon uses one inotify
# instance for all of them. 150 instances start, reach RUNNING, and a graceful stop empties and removes
# every leaf (which only happens when the "populated 0" event of each cgroup arrives). cgsup-supervisorctl
# stop all / start all act on all 150 although the bus answers at most 128 pending calls per connection.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup many

N=150
dl_numprocs_conf "$T/cgsup.conf" many $N '%(program_name)s_%(process_num)03d'

inotify_instances() {
        find "/proc/$CGSUPD_PID/fd" -lname 'anon_inode:inotify' 2>/dev/null | wc -l
}

check "daemon starts with $N program instances" dl_start "$T/cgsup.conf"
check "all $N RUNNING" wait_until 120 dl_all_running $N
n=$(inotify_instances)
diag "inotify instances held by cgsupd with $N programs: $n"
check "one inotify instance watches every cgroup ($n held)" test "$n" -le 1
check "no watch failed" bash -c "! grep -q 'Failed to watch\|cgroup event watching' '$DAEMON_LOG'"
check "cgsup-supervisorctl stop all stops all $N" bash -c "
        '$CGSUP_SUPERVISORCTL' stop all >'$T/sctl.stop' 2>&1
        [[ \$(grep -c ': stopped\$' '$T/sctl.stop') -eq $N ]] || { head -3 '$T/sctl.stop'; false; }"
check "cgsup-supervisorctl start all starts all $N" bash -c "
        '$CGSUP_SUPERVISORCTL' start all >'$T/sctl.start' 2>&1
        [[ \$(grep -c ': started\$' '$T/sctl.start') -eq $N ]] || { head -3 '$T/sctl.start'; false; }"
# Stopping by name: each name reads the states again only when an earlier one may have changed them.
dbus-monitor --system "type='method_call',member='ListPrograms'" >"$T/monitor" 2>&1 &
mon=$!
sleep 0.5
names=$(printf 'many:many_%03d ' $(seq 0 $((N - 1))))
check "cgsup-supervisorctl stop NAME... stops all $N" bash -c "
        '$CGSUP_SUPERVISORCTL' stop $names >'$T/sctl.names' 2>&1
        [[ \$(grep -c ': stopped\$' '$T/sctl.names') -eq $N ]] || { head -3 '$T/sctl.names'; false; }"
sleep 0.5
kill "$mon"
wait "$mon" 2>/dev/null
n=$(grep -c 'member=ListPrograms' "$T/monitor")
check "stop of $N names lists the programs once, not per name ($n)" test "$n" -le 2
pid=$CGSUPD_PID
kill -TERM "$pid"
check "graceful stop of $N programs ends the daemon" wait_until 120 bash -c "! kill -0 $pid 2>/dev/null"
wait "$pid" 2>/dev/null
CGSUPD_PID=
check "every program leaf is gone" bash -c "! find '$CG_MOUNT/$SUBTREE' -mindepth 1 -type d -name 'many*' 2>/dev/null | grep -q ."
done_testing
