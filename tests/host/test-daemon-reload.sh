#!/usr/bin/env bash
# Reload (SIGHUP) changes exactly what changed: unchanged programs keep their process, changed ones are
# restarted, removed ones are stopped and their cgroup removed, added ones start. An invalid file changes
# nothing at all.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup reload

write_conf() {
        cat >"$T/cgsup.conf" <<EOF
[program:keep]
command=$CGSUP_HOG sleep inf
startsecs=0

[program:change]
command=$CGSUP_HOG sleep $1
startsecs=0

$2
EOF
}

write_conf 1000 "[program:gone]
command=$CGSUP_HOG sleep inf
startsecs=0"
check "cgsupd starts" dl_start "$T/cgsup.conf"
for p in keep change gone; do wait_state $p RUNNING 10; done
keep=$(field_of keep pid) change=$(field_of change pid) gone=$(field_of gone pid)

write_conf 2000 "[program:added]
command=$CGSUP_HOG sleep inf
startsecs=0"
kill -HUP "$CGSUPD_PID"
check "added program starts" wait_state added RUNNING 10
check "removed program stopped and its cgroup removed" wait_until 10 cg_gone gone
check "removed program's process is gone" wait_until 5 bash -c "! kill -0 $gone 2>/dev/null"
check "changed program restarted (new pid)" wait_until 10 bash -c "p=\$(sed -n 's/^pid=//p' $RUNDIR/state/change); [[ \$p != $change && \$p != 0 ]]"
check "changed program runs the new command" wait_until 5 bash -c "tr '\\0' ' ' </proc/\$(sed -n 's/^pid=//p' $RUNDIR/state/change)/cmdline | grep -q 'sleep 2000'"
check "unchanged program kept its process" test "$(field_of keep pid)" = "$keep"

# Invalid file: nothing changes.
keep2=$(field_of keep pid) change2=$(field_of change pid) added2=$(field_of added pid)
cp "$T/cgsup.conf" "$T/good.conf"
cat >>"$T/cgsup.conf" <<EOF
[program:broken]
command=$CGSUP_HOG sleep inf
startsecs=notanumber
EOF
sed -i 's/sleep 2000/sleep 3000/' "$T/cgsup.conf"
kill -HUP "$CGSUPD_PID"
check "invalid reload is reported with file:line" wait_until 5 bash -c "grep -q 'Reload failed, nothing changed: .*cgsup.conf:[0-9]' $DAEMON_LOG"
sleep 0.5
check "invalid reload: keep untouched" test "$(field_of keep pid)" = "$keep2"
check "invalid reload: change not restarted" test "$(field_of change pid)" = "$change2"
check "invalid reload: added still there" test "$(field_of added pid)" = "$added2"
check "invalid reload: broken not added" test ! -e "$RUNDIR/state/broken"
check "daemon alive" daemon_alive
dl_stop
check "clean shutdown" test $? -eq 0
done_testing
