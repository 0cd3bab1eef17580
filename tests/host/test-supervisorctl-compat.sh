#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsup-supervisorctl against the real supervisorctl 4.2.5 (Debian's supervisor package), on one config
# file that both daemons read: Debian's supervisord on a private unix socket in a temp dir, and cgsupd on a
# private dbus-daemon. The same commands go to both; their stdout (pids, uptimes and stop times masked) and
# exit statuses must be the same, byte for byte. Then what is cgsup's own: -s http://other-host is refused
# and points to cgsupctl -H, -s unix://... is accepted, the shell, --help.

. "$(dirname "$0")/bus-lib.sh"

SUPERVISORD=$(command -v supervisord || true)
SUPERVISORCTL=$(command -v supervisorctl || true)
[[ -n $SUPERVISORD && -n $SUPERVISORCTL ]] || skip_all "supervisor (supervisord, supervisorctl) not installed (ENOENT)"
[[ -n ${CGSUP_SUPERVISORCTL:-} && -x $CGSUP_SUPERVISORCTL ]] || skip_all "CGSUP_SUPERVISORCTL not set (run through meson test)"

SV_PID=
SV_SERVER_PID=

compat_cleanup() {
        # supervisord stops its programs on SIGTERM before it exits.
        [[ -n $SV_PID ]] && stop_pid "$SV_PID" 100
        SV_PID=
        [[ -n $SV_SERVER_PID ]] && stop_pid "$SV_SERVER_PID"
        SV_SERVER_PID=
        bus_cleanup
}

bus_test_setup
trap compat_cleanup EXIT

# supervisord runs as root here: say so, or it logs a CRIT line (harmless, but noisy).
cat >"$TEST_DIR/supervisord.conf" <<EOF
[unix_http_server]
file = $TEST_DIR/supervisor.sock

[supervisord]
logfile = $TEST_DIR/supervisord.log
pidfile = $TEST_DIR/supervisord.pid
childlogdir = $TEST_DIR
nodaemon = true
user = root

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl = unix://$TEST_DIR/supervisor.sock

[program:sleeper]
command = sleep 1000

[program:crasher]
command = /bin/sh -c 'exit 1'
startretries = 0

[program:idle]
command = sleep 1000
autostart = false

[program:talker]
command = /bin/sh -c 'seq 1 1000; seq 1 600 >&2; exec sleep 1000'

[program:ticker]
command = /bin/sh -c 'i=0; while :; do i=\$((i + 1)); echo \$i; sleep 0.05; done'
stdout_logfile = $TEST_DIR/ticker.log

[program:big]
command = /bin/sh -c 'yes 0123456789abcdef | head -c 1500000; exec sleep 1000'
autostart = false

[program:w1]
command = sleep 1000

[program:w2]
command = sleep 1000

[group:grp]
programs = w1, w2
EOF
CONF=$TEST_DIR/supervisord.conf
# cgsupd honours [supervisord] logfile= and pidfile= too: its copy of the file differs in those paths (and
# ticker's log) only, so the daemons do not share a log or fight over one pidfile.
sed -e "s#^logfile = .*#logfile = $TEST_DIR/cgsupd-own.log#" -e "s#^pidfile = .*#pidfile = $TEST_DIR/cgsupd.pid#" \
        -e "s#/ticker.log\$#/cg-ticker.log#" "$CONF" >"$TEST_DIR/cgsupd.conf"

sv_direct() { "$SUPERVISORCTL" -c "$CONF" "$@"; }
sv() { sv_direct "$@"; }
cg() { "$CGSUP_SUPERVISORCTL" -c "$CONF" "$@"; }

# The 220 supervisorctl runs below are its real script, but each fresh one spends 0.25-0.6 s starting Python
# and importing supervisor. supervisorctl-server.py, started once under the script's own interpreter, forks
# per command and runs the unchanged script in the child with this shell's stdin, stdout and stderr (see
# there); sv_served asks it through two FIFOs. The check after the daemons start shows that served and
# direct runs print and exit alike; where the server cannot run, sv stays the direct run.
SV_REQ_FD=
SV_REP_FD=
sv_served() {
        local rc= part waited=0
        # The command's stdin, stdout and stderr go as copies on fds 7, 8 and 9: printf's own redirection
        # makes fd 1 the FIFO while it writes.
        {
                printf '%s\0' "$BASHPID" 7 8 9 $(($# + 2)) -c "$CONF" "$@" >&"$SV_REQ_FD" || return 125
                # Bounded, not timed: the slowest command here (stop all) waits for supervisord's stops. read
                # takes a byte at a time: one that times out mid-line keeps what it got in $part.
                until read -r -t 1 -u "$SV_REP_FD" part; do
                        rc+=$part
                        waited=$((waited + 1))
                        if ! kill -0 "$SV_SERVER_PID" 2>/dev/null || ((waited >= 120)); then
                                echo "supervisorctl-server gave no exit status for: $*" >&2
                                sed 's/^/  /' "$TEST_DIR/sv-server.log" >&2
                                return 125
                        fi
                done
                rc+=$part
        } 7<&0 8>&1 9>&2
        [[ $rc =~ ^[0-9]+$ ]] || { echo "supervisorctl-server answered '$rc' for: $*" >&2; return 125; }
        return "$rc"
}
sv_server_start() {
        local interp
        read -r interp <"$SUPERVISORCTL" && [[ $interp == '#!'/* ]] || return 1
        interp=${interp#'#!'}
        mkfifo "$TEST_DIR/sv.req" "$TEST_DIR/sv.rep" || return 1
        # read-write opens do not wait for the other end, so a server that dies at once cannot hang the test.
        exec {SV_REQ_FD}<>"$TEST_DIR/sv.req" {SV_REP_FD}<>"$TEST_DIR/sv.rep"
        # shellcheck disable=SC2086 # a #! line may carry an interpreter argument
        $interp "$CGSUP_SOURCE_DIR/tests/host/supervisorctl-server.py" "$SUPERVISORCTL" "$TEST_DIR/sv.req" \
                "$TEST_DIR/sv.rep" </dev/null >"$TEST_DIR/sv-server.log" 2>&1 &
        SV_SERVER_PID=$!
}

# wait_settled CTL: until both daemons show the config's resting states (crasher FATAL, the rest
# RUNNING, idle STOPPED); at most 30 s. talker has written its lines before it runs sleep.
settled() {
        local out
        out=$("$@" status 2>/dev/null)
        grep -q '^crasher  *FATAL' <<<"$out" && grep -q '^idle  *STOPPED' <<<"$out" &&
                [[ $(grep -c ' RUNNING ' <<<"$out") -eq 5 ]]
}
wait_settled() {
        local deadline=$((SECONDS + 30))
        while ((SECONDS < deadline)); do
                settled "$@" && return 0
                sleep 0.2
        done
        echo "# not settled:"
        "$@" status 2>&1 | sed 's/^/#   /'
        return 1
}

# ---- both daemons on the same file ----
"$SUPERVISORD" -c "$CONF" >"$TEST_DIR/supervisord.out" 2>&1 &
SV_PID=$!
if wait_settled sv; then
        tap_ok "supervisord 4.2.5 runs the config"
else
        tap_fail "supervisord 4.2.5 runs the config"
        sed 's/^/#   /' "$TEST_DIR/supervisord.out" | tail -n 20
        tap_done
        exit 1
fi
start_daemon_or_bail "$TEST_DIR/cgsupd.conf" "cgsupd runs the same programs"
check "cgsupd reaches the same resting states" wait_settled cg

# Mask what differs between two runs of the same thing: pids, uptimes, stop times.
mask() {
        sed -E -e 's/pid [0-9]+, uptime [0-9a-z ,:]+$/pid N, uptime U/' \
               -e 's/[A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2} [AP]M$/DATE/' \
               -e 's/^[0-9]+$/PID/'
}

# served_is_direct [--stdin TEXT] ARGS...: served and direct supervisorctl print the same (masked) stdout, the
# same stderr and exit alike; 125 when the server could not run the command at all.
served_is_direct() {
        local input= d_rc s_rc f
        if [[ $1 == --stdin ]]; then
                input=$2
                shift 2
        fi
        sv_direct "$@" >"$TEST_DIR/direct.out" 2>"$TEST_DIR/direct.err" <<<"$input"
        d_rc=$?
        sv_served "$@" >"$TEST_DIR/served.out" 2>"$TEST_DIR/served.err" <<<"$input"
        s_rc=$?
        [[ $s_rc -eq 125 ]] && { cat "$TEST_DIR/served.err"; return 125; }
        [[ $s_rc -eq "$d_rc" ]] || { echo "$*: exit $s_rc served, $d_rc direct"; return 1; }
        for f in out err; do
                mask <"$TEST_DIR/direct.$f" >"$TEST_DIR/direct.masked"
                mask <"$TEST_DIR/served.$f" >"$TEST_DIR/served.masked"
                cmp -s "$TEST_DIR/direct.masked" "$TEST_DIR/served.masked" && continue
                echo "$*: std$f differs"
                diff -u --label direct --label served "$TEST_DIR/direct.masked" "$TEST_DIR/served.masked" | head -n 20
                return 1
        done
}
# Output, an error's exit status (status of a missing name: 4), a usage error (2), a help text, the shell.
served_like_direct() {
        served_is_direct status && served_is_direct status sleeper nosuch && served_is_direct tail -x sleeper &&
                served_is_direct help tail && served_is_direct --stdin $'status idle\nfrob\nquit\n'
}
if ! sv_server_start; then
        diag "supervisorctl runs afresh for each command: its #! line or mkfifo failed"
elif out=$(served_like_direct 2>&1); then
        tap_ok "supervisorctl forked from one process prints and exits as a fresh one"
        sv() { sv_served "$@"; }
elif served_is_direct status >/dev/null 2>&1; [[ $? -eq 125 ]]; then
        diag "supervisorctl runs afresh for each command: the server cannot run it here:"
        diag "$out"
else
        tap_fail "supervisorctl forked from one process prints and exits as a fresh one"
        printf '%s\n' "$out" | sed 's/^/#   /' | head -n 30
fi

# compare [--sorted] ARGS...: the same command through both; stdout (masked) and exit status must match.
# --sorted compares the lines in sorted order (supervisord prints the results of a group or "all" in the
# order its processes finished).
N_COMPARED=0
compare() {
        local sorted=0 sv_rc cg_rc sv_job
        if [[ $1 == --sorted ]]; then
                sorted=1
                shift
        fi
        # The two talk to different daemons, so they run at once (a start waits startsecs= in both).
        sv "$@" >"$TEST_DIR/sv.out" 2>"$TEST_DIR/sv.err" </dev/null &
        sv_job=$!
        cg "$@" >"$TEST_DIR/cg.out" 2>"$TEST_DIR/cg.err" </dev/null
        cg_rc=$?
        wait "$sv_job"
        sv_rc=$?
        mask <"$TEST_DIR/sv.out" >"$TEST_DIR/sv.masked"
        mask <"$TEST_DIR/cg.out" >"$TEST_DIR/cg.masked"
        if [[ $sorted -eq 1 ]]; then
                sort -o "$TEST_DIR/sv.masked" "$TEST_DIR/sv.masked"
                sort -o "$TEST_DIR/cg.masked" "$TEST_DIR/cg.masked"
        fi
        N_COMPARED=$((N_COMPARED + 1))
        # A sanitizer build reports on stderr, which the comparison does not look at.
        if grep -qE 'Sanitizer|runtime error:' "$TEST_DIR/cg.err"; then
                tap_fail "no sanitizer report: $*"
                sed 's/^/#   /' "$TEST_DIR/cg.err" | head -n 30
                return 1
        fi
        if [[ $sv_rc -eq $cg_rc ]] && cmp -s "$TEST_DIR/sv.masked" "$TEST_DIR/cg.masked"; then
                tap_ok "same output and exit status ($cg_rc): $*"
                return 0
        fi
        tap_fail "same output and exit status: $*"
        echo "#   supervisorctl: exit $sv_rc; cgsup-supervisorctl: exit $cg_rc"
        diff -u --label supervisorctl --label cgsup-supervisorctl "$TEST_DIR/sv.masked" "$TEST_DIR/cg.masked" |
                sed 's/^/#   /' | head -n 30
        sed 's/^/#   sv stderr: /' "$TEST_DIR/sv.err" | head -n 5
        sed 's/^/#   cg stderr: /' "$TEST_DIR/cg.err" | head -n 5
        return 1
}

# ---- reading ----
compare status
compare status sleeper
compare status idle
compare status 'grp:*'
compare status grp:w1
compare status grp
compare status nosuch
compare status 'nosuch:*'
compare status sleeper nosuch
compare status nosuch idle
compare status all
compare pid nosuch
compare pid idle
compare pid sleeper
compare pid w1
compare tail nosuch
# tail -BYTES is readProcessStdoutLog(name, -BYTES, 0): -0 is the whole file, --N from offset N on; BYTES is
# Python's int(); the channel is case-blind. talker's stdout is 3893 bytes, its stderr 2292.
compare tail talker
compare tail -0 talker
compare tail -0 talker stderr
compare tail -100 talker
compare tail -5000 talker
compare tail --3800 talker
compare tail --9999 talker
compare tail -+5 talker
compare tail -1_0 talker
compare tail -1__0 talker
compare tail -_1 talker
compare tail - talker
compare tail talker STDERR
compare tail talker "Std'err"
compare tail -0 idle
compare fg
compare fg idle
compare fg nosuch
compare reread

# ---- start / stop / restart / signal ----
compare start sleeper
compare start nosuch
compare start 'nosuch:*'
compare start
compare stop
compare restart
compare stop idle
compare stop nosuch
compare stop 'nosuch:*'
compare signal HUP nosuch
compare signal HUP idle
compare signal FOO sleeper
compare signal HUP
compare clear nosuch
# clear: clearProcessLogs per name (a group is supervisorctl's "grp:None: ERROR (no such process)"),
# clearAllProcessLogs for all.
compare clear talker
compare tail talker
compare tail talker stderr
compare clear grp:w1
compare clear 'grp:*'
compare clear grp:
compare clear grp
compare clear w1
compare clear 'nosuch:*'
compare clear sleeper nosuch idle
compare clear
compare --sorted clear all
compare --sorted clear all nosuch
compare start crasher
both_settled() {
        wait_settled sv && wait_settled cg
}
check "crasher is FATAL again in both" both_settled
compare --sorted stop 'grp:*'
compare status 'grp:*'
compare --sorted start 'grp:*'
compare restart sleeper
compare restart idle
compare status idle
compare stop idle
compare status idle
compare --sorted stop all
compare status
compare --sorted start all
compare status sleeper 'grp:*'

# ---- signal names and tail sizes, as supervisor reads them ----
# signal: supervisor.datatypes.signal_number(): int() first, in SIGNUMS (0..31, SIGRTMIN 34, SIGRTMAX 64),
# else getattr(signal, 'SIG' + NAME.upper()), so "_DFL" is 0 and "RTMIN+1" and 40 are bad names. supervisord
# checks the name before the state: the stopped idle answers "not running" (exit 7) for a good name and "bad
# signal name" (exit 1) for a bad one.
compare stop idle
for sig in HUP hup SIGHUP sigHup 0 +0 -0 00 0_0 1_5 1__5 _15 15_ 31 32 33 34 35 40 63 64 65 -1 1.5 0x1 \
           _DFL _dfl SIG_DFL sig_ign _IGN _BLOCK _UNBLOCK _SETMASK DFL SIG SIGSIGHUP RTMIN rtmin SIGRTMIN RTMAX \
           sigrtmax RTMIN+1 SIGRTMIN+1 RTMAX-1 CLD IOT POLL PWR STKFLT IO SIGNALS _; do
        compare signal "$sig" idle
done
# Sent: 0 (and its names) only asks whether the process is there; CONT, CHLD and URG leave sleep running.
for sig in 0 _DFL _BLOCK CONT 1_8 chld urg; do
        compare signal "$sig" sleeper
done
compare signal 40 sleeper nosuch idle
compare --sorted signal 40 all
compare --sorted signal 0 all
compare --sorted signal _dfl 'grp:*'
compare status
# tail -BYTES: -BYTES goes out as an XML-RPC <int>; beyond it xmlrpc.client raises OverflowError before the
# name is looked at.
compare tail -2147483648 talker
compare tail -2147483649 talker
compare tail --2147483648 talker
compare tail -99999999999999999999999 nosuch
compare tail -2147483649 talker stderr
compare maintail -2147483649
compare maintail --2147483648
# tail -0 is the whole log file, here 1.5 MB (more than one GetProgramOutput() call returns).
big_written() {
        [[ $("$@" tail -0 big | wc -c) -eq 1500001 ]]
}
both_big_written() {
        local deadline=$((SECONDS + 30))
        while ((SECONDS < deadline)); do
                big_written sv && big_written cg && return 0
                sleep 0.2
        done
        return 1
}
compare start big
check "big has written its 1500000 bytes in both" both_big_written
compare tail -0 big
compare tail -1048577 big
compare tail --100 big
compare tail --1499999 big
big_checksum() {
        local want got
        want=$( (yes 0123456789abcdef | head -c 1500000; echo) | sha256sum)
        got=$(cg tail -0 big | sha256sum)
        [[ $got == "$want" ]] || { echo "sha256 $got, expected $want"; return 1; }
}
check "tail -0 big: all 1500000 bytes and the newline, checksummed" big_checksum
compare stop big
compare start idle

# ---- words and usage ----
compare help
for topic in add avail clear exit fg maintail open pid quit reload remove reread restart shutdown signal \
             start status stop tail update version help nosuch; do
        compare help "$topic"
done
compare frob
compare tail
compare tail -x sleeper
compare tail sleeper stdin
compare version extra
compare reload extra
compare shutdown extra
compare avail extra
compare reread extra
compare maintail -x
compare maintail a b
compare quit

# The shell: prompt, the initial status, an unknown command, an empty line, help, quit.
shell_compare() {
        local input=$'status sleeper\nfrob\n\nhelp quit\nstart nosuch\nquit\n'
        sv <<<"$input" 2>/dev/null | mask >"$TEST_DIR/sv.shell"
        cg <<<"$input" 2>/dev/null | mask >"$TEST_DIR/cg.shell"
        diff -u --label supervisorctl --label cgsup-supervisorctl "$TEST_DIR/sv.shell" "$TEST_DIR/cg.shell"
}
check "the shell reads, prints and ends like supervisorctl's" shell_compare

# avail: supervisord orders its group configs its own way; the lines themselves must match.
compare --sorted avail

# maintail: both daemons write a logfile= of their own; cgsupd names its file (LogFile) and maintail reads
# it as supervisord's readLog(-BYTES, 0) returns it: the last BYTES, then output()'s newline; exit 0 both.
maintail_is_the_log_end() {
        local want got
        for _ in $(seq 1 50); do
                want=$(tail -c 300 "$TEST_DIR/cgsupd-own.log"; echo; echo x)
                got=$(cg maintail -300 2>&1; echo "rc=$?"; echo x)
                [[ $got == "${want%x}rc=0"$'\n'x ]] && return 0
                sleep 0.1 # the daemon logged in between: read again
        done
        echo "maintail -300 printed:"
        cg maintail -300
        return 1
}
check "maintail -300: the end of cgsupd's logfile=, exit 0" maintail_is_the_log_end
check "maintail: exit 0 from both with a logfile=" bash -c "
        '$SUPERVISORCTL' -c '$CONF' maintail >/dev/null 2>&1 && '$CGSUP_SUPERVISORCTL' -c '$CONF' maintail >/dev/null 2>&1"
# wait_grep SECONDS PATTERN FILE: until FILE has a line matching PATTERN (bounded).
wait_grep() {
        local deadline=$((SECONDS + $1))
        while ((SECONDS < deadline)); do
                grep -q -- "$2" "$3" && return 0
                sleep 0.1
        done
        grep -q -- "$2" "$3"
}
maintail_follows() {
        local pid rc out=$TEST_DIR/maintail-f.out
        "$CGSUP_SUPERVISORCTL" -c "$CONF" maintail -f >"$out" 2>&1 &
        pid=$!
        wait_grep 20 'Press Ctrl-C' "$out" || { kill "$pid"; return 1; }
        "$CGSUP_SUPERVISORCTL" -c "$CONF" stop idle >/dev/null
        wait_grep 20 'idle' "$out" || { cat "$out"; kill "$pid"; return 1; }
        kill -INT "$pid"
        wait "$pid"
        rc=$?
        [[ $rc -eq 0 && $(head -n 1 "$out") == '==> Press Ctrl-C to exit <==' ]] || { echo "rc=$rc"; cat "$out"; return 1; }
}
check "maintail -f: follows cgsupd's log until Ctrl-C (exit 0)" maintail_follows

# clear while the program writes: cgsupd truncates the file it appends to, the next lines start it afresh
# (no hole, whole lines) and tail shows nothing from before.
# wait_lines SECONDS N FILE: until FILE has N lines (bounded).
wait_lines() {
        local deadline=$((SECONDS + $1))
        while ((SECONDS < deadline)); do
                [[ $(wc -l <"$3") -ge $2 ]] && return 0
                sleep 0.1
        done
        return 1
}
first_number() {
        head -n 1 "$1" | grep -x '[0-9][0-9]*'
}
clear_while_writing() {
        local log=$TEST_DIR/cg-ticker.log before out first
        wait_lines 20 5 "$log" || { echo "ticker wrote no 5 lines"; return 1; }
        before=$(tail -n 1 "$log")
        out=$(cg clear ticker) || { echo "clear: $out"; return 1; }
        [[ $out == "ticker: cleared" ]] || { echo "clear printed: $out"; return 1; }
        wait_lines 20 2 "$log"
        first=$(first_number "$log") || { echo "the file does not start with a line:"; head -c 64 "$log" | od -c | head -3; return 1; }
        ((first > before)) || { echo "line $first after clear, $before before"; return 1; }
        first=$(cg tail ticker | sed -n 1p)
        ((first > before)) || { echo "tail shows line $first, from before the clear ($before)"; return 1; }
        first=$("$CGSUPCTL" tail --bytes=100000 ticker 2>/dev/null | sed -n 1p)
        ((first > before)) || { echo "cgsupctl tail shows line $first, from before the clear ($before)"; return 1; }
}
check "clear while the program writes: the file restarts with whole new lines, tail has nothing older" clear_while_writing
check "cgsupctl clear ticker: 'ticker: cleared', exit 0" bash -c "[[ \$('$CGSUPCTL' clear ticker) == 'ticker: cleared' ]]"

# ---- cgsup's own ----
remote_refused() {
        local rc
        "$CGSUP_SUPERVISORCTL" -s http://other-host.example:9001 status >"$TEST_DIR/out" 2>"$TEST_DIR/err"
        rc=$?
        cat "$TEST_DIR/err"
        [[ $rc -eq 2 && ! -s $TEST_DIR/out ]] && grep -q 'cgsupctl -H' "$TEST_DIR/err"
}
check "-s http://other-host is an error pointing to cgsupctl -H (exit 2, nothing done)" remote_refused
check "-c with a remote serverurl is refused too" bash -c "
        sed 's#^serverurl = .*#serverurl = http://10.9.8.7:9001#' '$CONF' >'$TEST_DIR/remote.conf'
        '$CGSUP_SUPERVISORCTL' -c '$TEST_DIR/remote.conf' status 2>&1 >/dev/null | grep -q 'cgsupctl -H'
        [[ \${PIPESTATUS[0]} -eq 2 ]]"
check "-s unix:///... is accepted with a note on stderr" bash -c "
        '$CGSUP_SUPERVISORCTL' -s unix:///nonexistent.sock -u user -p secret status sleeper 2>'$TEST_DIR/err' | grep -q '^sleeper  *RUNNING'
        grep -q 'ignored' '$TEST_DIR/err'"
check "-s http://localhost:9001 is this machine" bash -c "'$CGSUP_SUPERVISORCTL' -s http://localhost:9001 status sleeper 2>/dev/null | grep -q RUNNING"
check "an unknown option is a usage error (exit 2), like supervisorctl's" bash -c "
        '$CGSUP_SUPERVISORCTL' --frob status 2>&1 | grep -q 'option --frob not recognized'; [[ \${PIPESTATUS[0]} -eq 2 ]]"
check "a missing -c file is a usage error (exit 2)" bash -c "
        '$CGSUP_SUPERVISORCTL' -c '$TEST_DIR/missing.conf' status 2>&1 | grep -q 'could not find config file'; [[ \${PIPESTATUS[0]} -eq 2 ]]"
check "-h prints the usage and exits 0" bash -c "'$CGSUP_SUPERVISORCTL' -h | grep -q '^Usage: '"
check "version prints cgsupd's version" bash -c "'$CGSUP_SUPERVISORCTL' version | grep -qx '[0-9][0-9.]*'"
check "pid prints cgsupd's pid" bash -c "[[ \$('$CGSUP_SUPERVISORCTL' pid) == $CGSUPD_PID ]]"
check "unreachable daemon: status exits 4" bash -c "
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_DIR/no-such-bus '$CGSUP_SUPERVISORCTL' status >/dev/null 2>&1; [[ \$? -eq 4 ]]"
check "unreachable daemon: start exits 7 and says cgsupd is not running" bash -c "
        DBUS_SYSTEM_BUS_ADDRESS=unix:path=$TEST_DIR/no-such-bus '$CGSUP_SUPERVISORCTL' start sleeper | grep -q 'cgsupd is not running'
        [[ \${PIPESTATUS[0]} -eq 7 ]]"
# bash completion: names come from the running daemon, "group:" completes within the group.
complete_words() {
        bash -c '
                . /usr/share/bash-completion/bash_completion
                . "$1"
                shift
                COMP_WORDS=("$@")
                COMP_CWORD=$(($# - 1))
                COMP_LINE="$*"
                COMP_POINT=${#COMP_LINE}
                _cgsup_supervisorctl
                printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' _ \
                "$CGSUP_SOURCE_DIR/shell-completion/cgsup-supervisorctl.bash" "$CGSUP_SUPERVISORCTL" "$@"
}
expect_completion() {
        local want=$1 got
        shift
        got=$(complete_words "$@")
        [[ $got == "$want" ]] && return 0
        echo "completing '$*': got '$got', expected '$want'"
        return 1
}
if [[ -r /usr/share/bash-completion/bash_completion ]]; then
        check "completion: actions" expect_completion "reload remove reread restart " re
        check "completion: process names and group:*" expect_completion "grp:* grp:w1 grp:w2 " start gr
        check "completion: group:<TAB> completes within the group" expect_completion "* w1 w2 " stop grp:
        check "completion: groups for update" expect_completion "big crasher grp idle sleeper talker ticker " update ""
else
        tap_skip "bash completion" "bash-completion not installed (ENOENT)"
fi

# avail lists the configuration as the last reread read it (supervisord's getAllConfigInfo): a program added
# to the file is "avail" until update adds it, one removed from it is no longer listed.
edit_both() {
        local f
        for f in "$CONF" "$TEST_DIR/cgsupd.conf"; do
                sed -i '/^\[program:idle\]/,/^$/d' "$f"
                printf '\n[program:newbie]\ncommand = sleep 1000\npriority = 5\nautostart = false\n' >>"$f"
        done
}
edit_both
compare --sorted avail
compare reread
compare --sorted avail
compare update
compare --sorted avail

# ---- add / remove / update GROUP: one group at a time, every other group left as it runs ----
compare add newbie
compare add nosuch
compare remove nosuch
compare remove sleeper
# remove takes a stopped group out of what runs although the file still lists it: avail and reread show it
# available, add or update brings it back.
compare remove newbie
compare status newbie
compare --sorted avail
compare reread
compare add newbie
compare status newbie
compare remove newbie
compare update newbie
compare update newbie
# A mix: grp stopped and removed from what runs; in the file sleeper's command changes, talker goes, a
# group "fresh" comes. Each `update NAME` applies that group only; the others stay pending.
compare --sorted stop 'grp:*'
compare remove grp
edit_mix() {
        local f
        for f in "$CONF" "$TEST_DIR/cgsupd.conf"; do
                sed -i -e '/^\[program:sleeper\]/,/^$/s/^command = .*/command = sleep 1001/' \
                        -e '/^\[program:talker\]/,/^$/d' "$f"
                printf '\n[program:f1]\ncommand = sleep 1000\nautostart = false\n\n[group:fresh]\nprograms = f1\n' >>"$f"
        done
}
edit_mix
sleeper_pid=$(cg pid sleeper)
compare reread
compare update fresh nosuch
compare status fresh:f1
compare update talker
compare reread
check "update of other groups left sleeper running as it was (same pid)" bash -c "[[ \$('$CGSUP_SUPERVISORCTL' -c '$CONF' pid sleeper) == $sleeper_pid ]]"
compare update sleeper grp
compare reread
compare update all

compare shutdown
check "cgsupd exits after shutdown" bash -c "
        for _ in \$(seq 1 300); do kill -0 $CGSUPD_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"

diag "$N_COMPARED commands compared with supervisorctl 4.2.5"
tap_done
