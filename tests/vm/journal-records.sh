#!/bin/bash
# journald records under systemd (the host tier has no journald): program output forwarded with
# stdout_logfile=syslog / stderr_logfile=syslog carries CGSUP_PROGRAM (as `cgsupctl status` names the
# instance), CGSUP_GROUP, CGSUP_STREAM, OBJECT_PID and PRIORITY; state changes carry their MESSAGE_ID and
# the old/new state and exit fields; the installed catalog explains them (journalctl -x); `cgsupctl tail`
# shows journal-only output, also after cgsupd was restarted (then read from the journal), and over -H.
# Every kind of state record is made once for real: started, exited, crashed, fatal, oom-kill, health
# failed, stopped.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bus.sh"

command -v cgsupd >/dev/null || skip_all "cgsupd is not installed"
command -v journalctl >/dev/null || skip_all "journalctl is not installed"
have_unit || skip_all "cgsupd.service is not installed"

ID_STARTED=902ea400ed2f4ff4a1852fb7ab017b8f
ID_CRASHED=a34600c535a34b3e95f8823584014b7d
ID_STOPPED=896d6439ccc7440abc17a6a702b1324a
ID_EXITED=9c80e774b2c24f4582837b07dedde265
ID_FATAL=ba9ec85134574df2a9c4a18c1aab1698
ID_OOM_KILL=2f11740295444322af18a959fc64261c
ID_HEALTH_FAILED=7b10d1f312c24c11bb9070ced54cd79d
[[ -x ${CGSUP_HOG:-} ]] || skip_all "CGSUP_HOG (cgsup-hog) not available"
hog_dir=$(mktemp -d /run/cgsup-journal.XXXXXX)
on_exit rm -rf "$hog_dir"
install -m 0755 "$CGSUP_HOG" "$hog_dir/cgsup-hog"

mkdir -p "$CGSUP_CONF_DIR"
[[ -e $CGSUP_CONF_DIR/cgsup.conf ]] && cp "$CGSUP_CONF_DIR/cgsup.conf" "$CGSUP_CONF_DIR/cgsup.conf.vmtest-saved"
on_exit restore_system_config
cat >"$CGSUP_CONF_DIR/cgsup.conf" <<EOF
[program:web]
command = sh -c 'echo "web hello stdout"; echo "web trouble stderr" >&2; exec sleep infinity'
stdout_logfile = syslog
stderr_logfile = syslog
startsecs = 0

[program:member]
command = sh -c 'echo "member hello"; exec sleep infinity'
stdout_logfile = syslog
startsecs = 0

[group:farm]
programs = member

[program:crashy]
command = sh -c 'exit 3'
startsecs = 0
autorestart = false

[program:done]
command = sh -c 'exit 0'
startsecs = 0
autorestart = false

[program:broken]
command = /nonexistent/cgsup-test-binary
startretries = 0

[program:hog]
command = $hog_dir/cgsup-hog mem 256M
memory_max = 32M
memory_swap_max = 0
startsecs = 0
autorestart = false

[program:sick]
command = sleep infinity
startsecs = 0
autorestart = false
liveness_type = tcp
liveness_target = 127.0.0.1:9
liveness_interval = 1s
liveness_retries = 1
EOF

since=$(date '+%Y-%m-%d %H:%M:%S')
check "cgsupd.service starts" start_system_cgsupd
check "web is RUNNING" wait_for 60 bash -c "[[ \$(busctl get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program State) == *RUNNING* ]]"
web_pid=$(busctl get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program MainPID | cut -d' ' -f2)

# record FILE MATCH...: the verbose journal records since the test began that match, into FILE (non-empty).
record() {
        local out=$1
        shift
        journalctl --no-pager --since "$since" -o verbose "$@" >"$out" 2>/dev/null && grep -q '^    MESSAGE=' "$out"
}
T=$(mktemp -d)
on_exit rm -rf "$T"

check "stdout line is a record with CGSUP_PROGRAM=web CGSUP_STREAM=stdout" \
        wait_for 60 record "$T/out" CGSUP_PROGRAM=web CGSUP_STREAM=stdout
check "... its MESSAGE, PRIORITY 6, SYSLOG_IDENTIFIER, CGSUP_GROUP and OBJECT_PID ($web_pid)" bash -c "
        grep -qx '    MESSAGE=web hello stdout' '$T/out' && grep -qx '    PRIORITY=6' '$T/out' &&
        grep -qx '    SYSLOG_IDENTIFIER=web' '$T/out' && grep -qx '    CGSUP_GROUP=web' '$T/out' &&
        grep -qx '    OBJECT_PID=$web_pid' '$T/out' || { cat '$T/out'; false; }"
check "stderr line: CGSUP_STREAM=stderr, PRIORITY 4" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/err' CGSUP_PROGRAM=web CGSUP_STREAM=stderr &&
        grep -qx '    MESSAGE=web trouble stderr' '$T/err' && grep -qx '    PRIORITY=4' '$T/err' || { cat '$T/err'; false; }"
check "a group member's lines: CGSUP_PROGRAM=farm:member CGSUP_GROUP=farm" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/member' CGSUP_PROGRAM=farm:member CGSUP_GROUP=farm &&
        grep -qx '    MESSAGE=member hello' '$T/member' || { cat '$T/member'; false; }"

check "MESSAGE_ID=started CGSUP_PROGRAM=web: RUNNING, with OBJECT_PID" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/started' MESSAGE_ID=$ID_STARTED CGSUP_PROGRAM=web &&
        grep -qx '    CGSUP_NEW_STATE=RUNNING' '$T/started' && grep -qx '    OBJECT_PID=$web_pid' '$T/started' || { cat '$T/started'; false; }"
check "MESSAGE_ID=crashed CGSUP_PROGRAM=crashy: exit code 3, EXITED" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/crashed' MESSAGE_ID=$ID_CRASHED CGSUP_PROGRAM=crashy &&
        grep -qx '    CGSUP_EXIT_CODE=3' '$T/crashed' && grep -qx '    CGSUP_EXIT_REASON=exit-code' '$T/crashed' &&
        grep -qx '    CGSUP_NEW_STATE=EXITED' '$T/crashed' || { cat '$T/crashed'; false; }"
check "cgsupctl tail shows output that goes only to the journal" bash -c "
        cgsupctl tail web | grep -qx 'web hello stdout' && cgsupctl tail web stderr | grep -qx 'web trouble stderr'"
# -H: the image has no sshd, so an 'ssh' first in PATH runs the remote command here; what is tested is
# cgsupctl's remote path (unixexec: ssh ... systemd-stdio-bridge) to the same journal reading. The ssh hop
# itself is tested against a real sshd by the host tier's test-cli-remote.
mkdir -p "$T/bin"
cat >"$T/bin/ssh" <<'EOF'
#!/bin/sh
# ssh [-xT] [-p PORT] -- HOST COMMAND...: run COMMAND on this machine.
while [ $# -gt 0 ]; do
        case $1 in
        --) shift 2; break ;;
        -p) shift 2 ;;
        *) shift ;;
        esac
done
echo "$*" >>"${0%/*}/ssh.log"
exec "$@"
EOF
chmod +x "$T/bin/ssh"
check "cgsupctl -H tail shows journal-only output" bash -c "
        out=\$(PATH='$T/bin':\$PATH cgsupctl -H root@this-vm tail web) && grep -qx 'web hello stdout' <<<\"\$out\" &&
        grep -q 'systemd-stdio-bridge' '$T/bin/ssh.log' || { echo \"\$out\"; cat '$T/bin/ssh.log'; false; }"
check "MESSAGE_ID=exited CGSUP_PROGRAM=done: exit code 0, EXITED" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/exited' MESSAGE_ID=$ID_EXITED CGSUP_PROGRAM=done &&
        grep -qx '    CGSUP_EXIT_CODE=0' '$T/exited' && grep -qx '    CGSUP_NEW_STATE=EXITED' '$T/exited' ||
                { cat '$T/exited'; false; }"
check "MESSAGE_ID=fatal CGSUP_PROGRAM=broken: FATAL, spawn-failed" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/fatal' MESSAGE_ID=$ID_FATAL CGSUP_PROGRAM=broken &&
        grep -qx '    CGSUP_NEW_STATE=FATAL' '$T/fatal' && grep -qx '    CGSUP_EXIT_REASON=spawn-failed' '$T/fatal' ||
                { cat '$T/fatal'; false; }"
check "MESSAGE_ID=oom-kill CGSUP_PROGRAM=hog: exit reason oom-kill" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 90 record '$T/oom' MESSAGE_ID=$ID_OOM_KILL CGSUP_PROGRAM=hog &&
        grep -qx '    CGSUP_EXIT_REASON=oom-kill' '$T/oom' || { cat '$T/oom'; false; }"
check "MESSAGE_ID=health-failed CGSUP_PROGRAM=sick: UNHEALTHY" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/sick' MESSAGE_ID=$ID_HEALTH_FAILED CGSUP_PROGRAM=sick &&
        grep -qx '    CGSUP_NEW_STATE=UNHEALTHY' '$T/sick' || { cat '$T/sick'; false; }"
# cgsupd crashes (KillMode=process keeps web), systemd starts a new one, which adopts web; web prints
# nothing more, so what it said before is only in the journal.
old_main=$(systemctl show -P MainPID cgsupd.service)
check "cgsupd is killed (SIGKILL, main process only)" systemctl kill --kill-who=main -s KILL cgsupd.service
check "systemd starts a new cgsupd" wait_for 120 bash -c "
        p=\$(systemctl show -P MainPID cgsupd.service); [[ \$p != 0 && \$p != $old_main ]] && systemctl is-active -q cgsupd.service"
check "... which adopts web (same PID)" wait_for 120 bash -c "
        [[ \$(busctl get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program MainPID | cut -d' ' -f2) == $web_pid ]]"
check "after the restart, cgsupctl tail reads web's earlier output from the journal" bash -c "
        cgsupctl tail web | grep -qx 'web hello stdout' && cgsupctl tail web stderr | grep -qx 'web trouble stderr'"
check "cgsupctl stop web" timeout 120 cgsupctl stop web
check "MESSAGE_ID=stopped CGSUP_PROGRAM=web: STOPPING -> STOPPED" bash -c "
        $(declare -f wait_for record); since='$since'
        wait_for 60 record '$T/stopped' MESSAGE_ID=$ID_STOPPED CGSUP_PROGRAM=web &&
        grep -qx '    CGSUP_OLD_STATE=STOPPING' '$T/stopped' || { cat '$T/stopped'; false; }"

check "the catalog is installed" test -s /usr/lib/systemd/catalog/cgsup.catalog
check "journalctl --update-catalog reads it" journalctl --update-catalog
check "journalctl -x explains the crash" bash -c "
        journalctl --no-pager --since '$since' -x MESSAGE_ID=$ID_CRASHED CGSUP_PROGRAM=crashy | grep -q 'ended unexpectedly'"
