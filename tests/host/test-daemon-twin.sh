#!/usr/bin/env bash
# Two cgsupd side by side, each with its own subtree and bus: same program names, separate cgroups,
# separate state (runtime dir keyed by subtree), and stopping one leaves the other alone.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup twin

SUBTREE2="$SUBTREE-b"
RUNDIR2="/run/cgsup/$SUBTREE2"
write_bus_conf "$T/bus2.conf" system "$T/bus2.sock"
dbus-daemon --config-file="$T/bus2.conf" --nofork --nopidfile >"$T/dbus2.log" 2>&1 &
DBUS2_PID=$!
disown "$DBUS2_PID" 2>/dev/null
B_PID=
twin_cleanup() {
        [[ -n $B_PID ]] && kill -KILL "$B_PID" 2>/dev/null
        kill -KILL "$DBUS2_PID" 2>/dev/null
        cg_destroy "$CG_MOUNT/$SUBTREE2"
        rm -rf "$RUNDIR2"
        dl_cleanup
}
trap twin_cleanup EXIT
wait_until 10 test -S "$T/bus2.sock"

cat >"$T/cgsup.conf" <<EOF
[program:same]
command=$CGSUP_HOG sleep inf
startsecs=0
EOF

check "daemon A starts" dl_start "$T/cgsup.conf"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/bus2.sock" "$CGSUPD" -c "$T/cgsup.conf" --cgroup "$SUBTREE2" >"$T/b.log" 2>&1 &
B_PID=$!
check "daemon B starts beside it" wait_until 15 grep -q "^cgsupd: cgsupd .* ready:" "$T/b.log"
check "A's 'same' RUNNING" wait_state same RUNNING 10
check "B's 'same' RUNNING" wait_until 10 grep -qx state=RUNNING "$RUNDIR2/state/same"
a=$(field_of same pid)
b=$(sed -n 's/^pid=//p' "$RUNDIR2/state/same")
check "two different processes" test "$a" != "$b"
check "A's in A's subtree" grep -qx "0::/$SUBTREE/same/same" "/proc/$a/cgroup"
check "B's in B's subtree" grep -qx "0::/$SUBTREE2/same/same" "/proc/$b/cgroup"
dl_stop
check "A stopped cleanly" test $? -eq 0
check "A's program is gone" bash -c "! kill -0 $a 2>/dev/null"
check "B's program untouched" kill -0 "$b"
check "B still running" kill -0 "$B_PID"
kill -TERM "$B_PID"
wait "$B_PID"
check "B stopped cleanly" test $? -eq 0
B_PID=
done_testing
