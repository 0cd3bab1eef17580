#!/usr/bin/env bash
# Faults around a running cgsupd (issue 8, item 6): the bus daemon restarted under it (it reconnects with
# a backoff and owns its name again, programs untouched), a full disk under a program's log file (the
# daemon keeps running, says so once, and writes again when there is room), the configuration file
# deleted or unreadable at reload (nothing changes, the error names the file).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v busctl >/dev/null || skip_all "busctl not installed (ENOENT)"
dl_setup faults
FULL="$T/full"
trap 'umount "$FULL" 2>/dev/null; dl_cleanup' EXIT

cat >"$T/cgsup.conf" <<EOF
[program:svc]
command=$CGSUP_HOG sleep inf
startsecs=0

[program:writer]
command=$CGSUP_HOG print 1000000 0.005
startsecs=0
stdout_logfile=$FULL/writer.log
stdout_logfile_maxbytes=0
EOF
mkdir "$FULL"
mount -t tmpfs -o size=256k,mode=0755 tmpfs "$FULL" || skip_all "cannot mount a tmpfs (EPERM)"

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "programs RUNNING" wait_until 10 bash -c "[[ \$(sed -n 's/^state=//p' $RUNDIR/state/svc) == RUNNING && \$(sed -n 's/^state=//p' $RUNDIR/state/writer) == RUNNING ]]"
svc=$(field_of svc pid)
writer=$(field_of writer pid)

quiet() {
        "$@" >/dev/null
}
name_owned() {
        busctl --system status org.cgsup1 >/dev/null 2>&1 && timeout 10 "$CGSUPCTL" status >/dev/null 2>&1
}
start_bus() {
        dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile >>"$T/dbus.log" 2>&1 &
        DBUS_PID=$!
        disown "$DBUS_PID" 2>/dev/null
        wait_until 10 test -S "$T/bus.sock"
}
stop_bus() {
        kill -TERM "$DBUS_PID"
        wait_until 10 bash -c "! kill -0 $DBUS_PID 2>/dev/null"
        rm -f "$T/bus.sock"
}

# ---- the bus daemon restarted ----
check "the name is owned before" name_owned
stop_bus
check "cgsupd notices the bus is gone and stays up" wait_until 10 log_has "Lost the connection to the system bus; reconnecting"
check "it retries with a backoff while the bus is away" wait_until 30 bash -c "[[ \$(grep -c 'Cannot reconnect to the system bus yet' $DAEMON_LOG) -ge 3 ]]"
delays=$(sed -n 's/.*trying again in \([0-9]*\) ms.*/\1/p' "$DAEMON_LOG" | head -3 | tr '\n' ' ')
diag "retry delays: $delays"
check "the delays grow ($delays)" bash -c "set -- $delays; (( \$1 < \$2 && \$2 < \$3 ))"
check "cgsupd still runs without a bus" daemon_alive
start_bus
check "reconnected after the bus came back" wait_until 30 log_has "Reconnected to the system bus as org.cgsup1"
check "the name is owned again and calls work" wait_until 20 name_owned
check "programs untouched by the bus restart" test "$(field_of svc pid) $(field_of writer pid)" = "$svc $writer"
# A quick restart, as `systemctl restart dbus` does: gone and back before the first retry.
stop_bus
start_bus
check "reconnected after a quick bus restart" wait_until 30 bash -c "[[ \$(grep -c 'Reconnected to the system bus' $DAEMON_LOG) -ge 2 ]]"
check "calls work after the quick restart" wait_until 20 name_owned
check "a stop over the reconnected bus works" quiet timeout 60 "$CGSUPCTL" stop svc
check "and a start" quiet timeout 60 "$CGSUPCTL" start svc

# ---- a full disk under a log file ----
check "the writer's log fills" wait_until 10 bash -c "[[ \$(wc -l <$FULL/writer.log) -ge 20 ]]"
# The disk fills while the writer is stopped (a filler racing with the writer would free and take the
# last page by turns); then the writer runs on a full disk.
timeout 60 "$CGSUPCTL" stop writer >/dev/null
: >"$FULL/writer.log"
dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
check "the writer starts on a full disk" quiet timeout 60 "$CGSUPCTL" start writer
writer=$(field_of writer pid)
check "the write failure is logged" wait_until 20 log_has "Failed to write to $FULL/writer.log"
# The writer prints a numbered line every 5 ms: wait until it wrote 2,000 bytes into its pipe (its own
# write count) while none of it could reach the file.
wrote_beyond() {
        local w
        w=$(sed -n 's/^wchar: //p' "/proc/$writer/io" 2>/dev/null)
        [[ -n $w ]] && ((w > $1))
}
check "the writer goes on while its log cannot be written" wait_until 30 wrote_beyond 2000
check "cgsupd keeps running on a full disk" daemon_alive
check "status answers on a full disk" quiet timeout 10 "$CGSUPCTL" status
rm -f "$FULL/filler"
check "writing resumes once there is room" wait_until 20 bash -c "n=\$(tail -n 1 $FULL/writer.log | tr -dc 0-9); (( n > 200 ))"
check "resuming is logged" wait_until 10 log_has "Writing to $FULL/writer.log again"
check "the failure was logged once ($(log_count "Failed to write to $FULL/writer.log"))" test "$(log_count "Failed to write to $FULL/writer.log")" -eq 1
check "the writer ran on throughout" test "$(field_of writer pid)" = "$writer"
timeout 60 "$CGSUPCTL" stop writer >/dev/null

# ---- the configuration deleted or unreadable at reload ----
svc=$(field_of svc pid)
mv "$T/cgsup.conf" "$T/cgsup.conf.away"
kill -HUP "$CGSUPD_PID"
check "a reload of a deleted file fails, naming it" wait_until 10 bash -c "grep -q 'Reload failed, nothing changed: .*$T/cgsup.conf' $DAEMON_LOG"
out=$(timeout 30 "$CGSUPCTL" reload 2>&1)
rc=$?
diag "cgsupctl reload: $out"
check "cgsupctl reload of a deleted file fails with the file's name" bash -c "(( $rc != 0 )) && [[ '$out' == *'$T/cgsup.conf'* ]]"
check "nothing changed: svc keeps its process" test "$(field_of svc pid)" = "$svc"
check "nothing changed: writer is still known" bash -c "timeout 10 '$CGSUPCTL' status writer | grep -q 'State: STOPPED'"
mkdir "$T/cgsup.conf"
out=$(timeout 30 "$CGSUPCTL" reload 2>&1)
rc=$?
diag "cgsupctl reload: $out"
check "an unreadable file (a directory) fails the reload, naming it" bash -c "(( $rc != 0 )) && [[ '$out' == *'$T/cgsup.conf'* ]]"
check "nothing changed after the unreadable reload" test "$(field_of svc pid)" = "$svc"
rmdir "$T/cgsup.conf"
mv "$T/cgsup.conf.away" "$T/cgsup.conf"
check "the restored file reloads" quiet timeout 30 "$CGSUPCTL" reload
check "cgsupd ran through every fault" daemon_alive

dl_stop
check "graceful stop" test $? -eq 0
done_testing
