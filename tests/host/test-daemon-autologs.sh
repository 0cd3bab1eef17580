#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# AUTO logs (stdout_logfile unset or AUTO): in cgsupd's own log directory ($LOGS_DIRECTORY here, else
# /var/log/cgsup), mode 0640 with group adm (root's where there is no adm), a name that carries the
# daemon's instance so two daemons with the same program names never share a file; childlogdir= still
# wins; at start, the AUTO logs of programs neither running nor adopted are removed unless nocleanup=true.
# Runtime and state files are never world-writable, the notify sockets included (a type=notify program
# running as nobody gets a socket of its own, 0600, again after a restart that adopts it).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup autologs
LOGS=$LOGS_DIRECTORY
LOG_GROUP=$(getent group adm >/dev/null && echo adm || getent group 0 | cut -d: -f1)

SUBTREE2="$SUBTREE-b"
RUNDIR2="/run/cgsup/$SUBTREE2"
B_PID=
DBUS2_PID=
DEFAULT_FILES=
autologs_cleanup() {
        [[ -n $B_PID ]] && kill -KILL "$B_PID" 2>/dev/null
        [[ -n $DBUS2_PID ]] && kill -KILL "$DBUS2_PID" 2>/dev/null
        cg_destroy "$CG_MOUNT/$SUBTREE2"
        rm -rf "$RUNDIR2"
        # Only the files this test made in the real default directory, and the directory if we made it.
        [[ -n $DEFAULT_FILES ]] && rm -f $DEFAULT_FILES
        [[ -n ${MADE_VAR_LOG:-} ]] && rmdir /var/log/cgsup 2>/dev/null
        dl_cleanup
}
trap autologs_cleanup EXIT

cat >"$T/cgsup.conf" <<EOF
[program:same]
command=sh -c 'echo from-a; exec sleep 1000'
startsecs=0

[program:idle]
command=sleep 1000
autostart=false

[program:notifier]
command=/usr/bin/python3 -c 'import os, socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(os.environ["NOTIFY_SOCKET"]); s.send(b"READY=1"); time.sleep(1000)'
type=notify
user=nobody
stdout_logfile=NONE
stderr_logfile=NONE
EOF

# start_a CONF: daemon A with a fresh log (dl_start waits for the "ready" line).
start_a() {
        : >"$DAEMON_LOG"
        dl_start "$1"
}

# auto_file PROGRAM CHANNEL [DIR]: the one AUTO file of PROGRAM in DIR (default $LOGS).
auto_file() {
        local f
        f=$(ls "${3:-$LOGS}/$1-$2---"*.log 2>/dev/null)
        [[ -n $f && $(wc -l <<<"$f") -eq 1 ]] || return 1
        echo "$f"
}

check "daemon A starts" start_a "$T/cgsup.conf"
check "same RUNNING" wait_state same RUNNING 10
check "its stdout goes to an AUTO file in the log directory" \
        wait_until 10 bash -c "$(declare -f auto_file); LOGS='$LOGS'; f=\$(auto_file same stdout) && grep -qx from-a \"\$f\""
A_OUT=$(auto_file same stdout)
diag "AUTO file: $A_OUT"
check "... named <name>-stdout---cgsup-<instance>-<suffix>.log" \
        bash -c "[[ \$(basename '$A_OUT') =~ ^same-stdout---cgsup-[a-z0-9_]{8}-[a-z0-9_]{8}\.log\$ ]]"
check "... mode 0640, group $LOG_GROUP" bash -c "[[ \$(stat -c '%a %G' '$A_OUT') == '640 $LOG_GROUP' ]]"
check "stderr has its own AUTO file, 0640 too" bash -c "
        f=\$(ls '$LOGS'/same-stderr---*.log) && [[ \$(stat -c %a \"\$f\") == 640 ]]"
check "the log directory is not world-readable" bash -c "[[ \$(stat -c %a '$LOGS') == 750 ]]"
check "a type=notify program running as nobody reaches RUNNING (READY=1)" wait_state notifier RUNNING 15
check "nothing in the runtime directory is world-writable" bash -c "
        out=\$(find '$RUNDIR' -perm -o+w ! -type l); [[ -z \$out ]] || { echo \"\$out\"; exit 1; }"
check "the notify socket is 0600" bash -c "[[ \$(stat -c '%F %a %u' '$RUNDIR/notify') == 'socket 600 0' ]]"
check "nobody's notify socket is 0600, owned by nobody" \
        bash -c "[[ \$(stat -c '%F %a %u' '$RUNDIR/notify.65534') == 'socket 600 65534' ]]"

# A second daemon, same program names, same log directory: files of its own.
sed 's/from-a/from-b/' "$T/cgsup.conf" >"$T/b.conf"
write_bus_conf "$T/bus2.conf" system "$T/bus2.sock"
dbus-daemon --config-file="$T/bus2.conf" --nofork --nopidfile >"$T/dbus2.log" 2>&1 &
DBUS2_PID=$!
disown "$DBUS2_PID" 2>/dev/null
wait_until 10 test -S "$T/bus2.sock"
DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/bus2.sock" "$CGSUPD" -c "$T/b.conf" --cgroup "$SUBTREE2" >"$T/b.log" 2>&1 &
B_PID=$!
check "daemon B starts beside it" wait_until 15 grep -q "^cgsupd: cgsupd .* ready:" "$T/b.log"
check "B's same writes its own AUTO file" wait_until 10 bash -c "grep -qx from-b '$LOGS'/same-stdout---*.log"
B_OUT=$(grep -lx from-b "$LOGS"/same-stdout---*.log 2>/dev/null)
check "two daemons, two files" bash -c "[[ -n '$B_OUT' && '$B_OUT' != '$A_OUT' ]]"
check "A's file has only A's output" bash -c "! grep -q from-b '$A_OUT'"
kill -TERM "$B_PID"
wait "$B_PID"
B_PID=

# Cleanup at start: a stale AUTO log of this instance goes (rotated backups too), the adopted program's
# file stays, another instance's file and unrelated files stay.
STALE=${A_OUT/same-stdout/gone-stdout}
printf 'old\n' >"$STALE"
printf 'old\n' >"$STALE.1"
printf 'keep\n' >"$LOGS/notes.txt"
dl_kill9
check "same survives cgsupd's SIGKILL" kill -0 "$(field_of same pid)"
check "daemon A restarts (adopts same)" start_a "$T/cgsup.conf"
check "the stale AUTO log of this instance was removed" test ! -e "$STALE"
check "... and its rotated backup" test ! -e "$STALE.1"
check "the adopted program's AUTO log was kept" grep -qx from-a "$A_OUT"
check "daemon B's AUTO log was kept" test -e "$B_OUT"
check "an unrelated file was kept" test -e "$LOGS/notes.txt"
check "the adopted notifier's socket is bound again" \
        bash -c "[[ \$(stat -c '%F %a %u' '$RUNDIR/notify.65534') == 'socket 600 65534' ]]"
check "cgsupd said what it removed" log_has "Removed 2 AUTO log file"

# nocleanup=true keeps them.
dl_stop
printf '[cgsupd]\nnocleanup=true\n\n' | cat - "$T/cgsup.conf" >"$T/keep.conf"
printf 'old\n' >"$STALE"
check "daemon A starts with nocleanup=true" start_a "$T/keep.conf"
check "nocleanup=true: the stale AUTO log stays" test -e "$STALE"
dl_stop

# childlogdir= still wins.
mkdir -p "$T/child"
printf '[cgsupd]\nchildlogdir=%s\n\n' "$T/child" | cat - "$T/cgsup.conf" >"$T/child.conf"
check "daemon A starts with childlogdir=" start_a "$T/child.conf"
check "childlogdir=: the AUTO log is there" \
        wait_until 10 bash -c "grep -qx from-a '$T/child'/same-stdout---cgsup-*.log"
dl_stop

# Without $LOGS_DIRECTORY (no systemd LogsDirectory=), a system instance uses /var/log/cgsup.
[[ -d /var/log/cgsup ]] || MADE_VAR_LOG=1
TAG=$(basename "$A_OUT" | cut -d- -f6)
DEFAULT_FILES="/var/log/cgsup/*---cgsup-$TAG-*.log"
unset LOGS_DIRECTORY
check "daemon A starts without LOGS_DIRECTORY" start_a "$T/cgsup.conf"
export LOGS_DIRECTORY=$LOGS
check "its AUTO log is in /var/log/cgsup" \
        wait_until 10 bash -c "f=\$(grep -lx from-a /var/log/cgsup/same-stdout---cgsup-$TAG-*.log) && [[ \$(stat -c %a \"\$f\") == 640 ]]"
if [[ -n ${MADE_VAR_LOG:-} ]]; then
        check "/var/log/cgsup was created 0750, group $LOG_GROUP" \
                bash -c "[[ \$(stat -c '%a %G' /var/log/cgsup) == '750 $LOG_GROUP' ]]"
fi
dl_stop
done_testing
