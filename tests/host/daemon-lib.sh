# shellcheck shell=bash
# Shared by the daemon host tests (test-daemon-*.sh): TAP output, a private dbus-daemon, cgsupd with its own
# cgroup subtree, state inspection through the re-adoption state files and /proc, and cleanup of all of it
# (daemon and dbus by PID, the subtree with cgroup.kill + rmdir) on every exit.
#
# Environment from meson: CGSUPD, CGSUP_HOG, CGSUP_SOURCE_DIR, CGSUP_BUILD_DIR.

set -u

source "${BASH_SOURCE[0]%/*}/bus-conf.sh"

TAP_N=0
TAP_FAILED=0
T=
DBUS_PID=
CGSUPD_PID=
CG_MOUNT=
SUBTREE=
RUNDIR=
DAEMON_LOG=

ok() {
        TAP_N=$((TAP_N + 1))
        echo "ok $TAP_N - $*"
}

fail() {
        TAP_N=$((TAP_N + 1))
        TAP_FAILED=$((TAP_FAILED + 1))
        echo "not ok $TAP_N - $*"
        if [[ -n $DAEMON_LOG && -f $DAEMON_LOG ]]; then
                echo "#   last daemon log lines:"
                tail -n 15 "$DAEMON_LOG" | sed 's/^/#     /'
        fi
}

# check "description" command...: passes when the command succeeds.
# check DESC CMD...: one TAP line for CMD's exit status. CMD's own stdout goes to stderr: on stdout it would
# be read as (unknown) TAP output.
check() {
        local desc=$1
        shift
        if "$@" >&2; then ok "$desc"; else fail "$desc"; fi
}

diag() {
        printf '%s\n' "$*" | sed 's/^/# /'
}

skip_all() {
        echo "1..0 # SKIP $*"
        exit 0
}

done_testing() {
        echo "1..$TAP_N"
        [[ $TAP_FAILED -eq 0 ]]
}

now_ms() {
        date +%s%3N
}

# wait_until SECONDS command...: polls (bounded, tests only) until the command succeeds.
wait_until() {
        local limit=$1 end
        shift
        end=$(($(now_ms) + limit * 1000))
        while (($(now_ms) < end)); do
                "$@" && return 0
                sleep 0.05
        done
        "$@"
}

# dl_write_wait_go FILE: a script to source that defines wait_go FIFO, which reads until it really gets
# "go": a reader that reopens the FIFO while the last writer still holds it open gets EOF, not a go.
# Programs wait on such FIFOs so that each step of a test is driven by an event, not by time.
dl_write_wait_go() {
        cat >"$1" <<'EOF'
wait_go() {
        local line=
        until [[ $line == go ]]; do read -r line <"$1" || line=; done
}
EOF
}

dl_requirements() {
        [[ $(id -u) -eq 0 ]] || skip_all "needs root (cgroup subtree, EPERM)"
        [[ -n ${CGSUPD:-} && -x $CGSUPD ]] || skip_all "CGSUPD not set (run through meson test)"
        [[ -n ${CGSUP_HOG:-} && -x $CGSUP_HOG ]] || skip_all "CGSUP_HOG not set (run through meson test)"
        command -v dbus-daemon >/dev/null || skip_all "dbus-daemon not installed (ENOENT)"
        CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
        [[ -n $CG_MOUNT ]] || skip_all "no cgroup2 mount in /proc/self/mountinfo (ENOENT)"
        local probe="$CG_MOUNT/cgsup-test-probe-$$"
        mkdir "$probe" 2>/dev/null || skip_all "cannot create a cgroup under $CG_MOUNT (EACCES/EROFS)"
        rmdir "$probe"
        [[ -e $CG_MOUNT/cgroup.kill || -e $probe/../cgroup.procs ]] || true
}

# Kill everything in a cgroup subtree and remove it, deepest first.
cg_destroy() {
        local path=$1 d
        [[ -d $path ]] || return 0
        [[ -e $path/cgroup.kill ]] && echo 1 >"$path/cgroup.kill" 2>/dev/null
        for _ in $(seq 100); do
                grep -q 'populated 0' "$path/cgroup.events" 2>/dev/null && break
                sleep 0.05
        done
        find "$path" -depth -type d 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null; done
}

# dl_track_pid PID: a helper process the test started (a `tail -f`, a watcher) that dl_cleanup ends too.
DL_PIDS=()
dl_track_pid() {
        DL_PIDS+=("$1")
}

dl_cleanup() {
        local pid
        for pid in "${DL_PIDS[@]}" $CGSUPD_PID $DBUS_PID; do
                [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null
        done
        [[ -n $SUBTREE ]] && cg_destroy "$CG_MOUNT/$SUBTREE"
        [[ -n $RUNDIR ]] && rm -rf "$RUNDIR"
        [[ -n $T ]] && rm -rf "$T"
}

dl_setup() {
        local name=$1
        T=$(mktemp -d "/tmp/cgsup-$name-XXXXXX")
        SUBTREE="cgsup-test-$name-$$"
        RUNDIR="/run/cgsup/$SUBTREE"
        DAEMON_LOG="$T/cgsupd.log"
        # AUTO logs of configs without childlogdir= stay in the test's directory, not /var/log/cgsup.
        export LOGS_DIRECTORY="$T/logs"
        trap dl_cleanup EXIT
        cg_destroy "$CG_MOUNT/$SUBTREE"
        write_bus_conf "$T/bus.conf" system "$T/bus.sock"
        dbus-daemon --config-file="$T/bus.conf" --nofork --nopidfile >"$T/dbus.log" 2>&1 &
        DBUS_PID=$!
        disown "$DBUS_PID" 2>/dev/null
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$T/bus.sock"
        wait_until 10 test -S "$T/bus.sock" || skip_all "private dbus-daemon did not start"
}

# dl_start CONF [ARGS...]: start cgsupd on our subtree and wait until it is ready.
dl_start() {
        local conf=$1 readies
        shift
        # The log is appended across restarts: wait for one more "ready" line than there was, or a restart
        # after kill -9 would return at once on the previous daemon's line, before the new one has adopted
        # anything or owns the bus name (a slow ASan start lost that race).
        readies=$(ready_lines)
        "$CGSUPD" -c "$conf" --cgroup "$SUBTREE" "$@" >>"$DAEMON_LOG" 2>&1 &
        CGSUPD_PID=$!
        # Ready comes after the autostart: 150 programs under ASan on a loaded 2-core machine took > 15 s.
        wait_until 60 bash -c '[[ $(grep -c "^cgsupd: cgsupd .* ready:" "$0" 2>/dev/null) -gt $1 ]]' \
                "$DAEMON_LOG" "$readies"
}

ready_lines() {
        grep -c "^cgsupd: cgsupd .* ready:" "$DAEMON_LOG" 2>/dev/null
}

daemon_alive() {
        kill -0 "$CGSUPD_PID" 2>/dev/null
}

# dl_stop: graceful SIGTERM, waits for the exit; returns cgsupd's exit status.
dl_stop() {
        local rc
        kill -TERM "$CGSUPD_PID" 2>/dev/null
        wait "$CGSUPD_PID"
        rc=$?
        CGSUPD_PID=
        return $rc
}

dl_kill9() {
        kill -KILL "$CGSUPD_PID" 2>/dev/null
        wait "$CGSUPD_PID" 2>/dev/null
        CGSUPD_PID=
}

# State of an instance as the daemon last persisted it (STOPPED when there is no state file).
state_of() {
        local f="$RUNDIR/state/$1"
        if [[ -f $f ]]; then sed -n "s/^state=//p" "$f" 2>/dev/null || echo STOPPED; else echo STOPPED; fi
}

field_of() {
        sed -n "s/^$2=//p" "$RUNDIR/state/$1" 2>/dev/null
}

state_is() {
        [[ $(state_of "$1") == "$2" ]]
}

wait_state() {
        wait_until "${3:-10}" state_is "$1" "$2"
}

# dl_numprocs_conf FILE NAME N FORMAT: N instances of [program:NAME] running `sleep inf`, named by FORMAT
# (process_name=), with startsecs=0 and no log files.
dl_numprocs_conf() {
        cat >"$1" <<CONF
[program:$2]
command=$CGSUP_HOG sleep inf
process_name=$4
numprocs=$3
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
CONF
}

# dl_all_running N: at least N instances are RUNNING (their state files say so).
dl_all_running() {
        [[ $(grep -lx state=RUNNING "$RUNDIR"/state/* 2>/dev/null | wc -l) -ge $1 ]]
}

# Processes (recursive) of a cgroup path relative to our subtree.
cg_pids() {
        local d
        [[ -d $CG_MOUNT/$SUBTREE/$1 ]] || return 0
        find "$CG_MOUNT/$SUBTREE/$1" -name cgroup.procs 2>/dev/null | while read -r d; do cat "$d"; done
}

cg_count() {
        cg_pids "$1" | wc -l
}

cg_empty() {
        [[ $(cg_count "$1") -eq 0 ]]
}

cg_gone() {
        [[ ! -d $CG_MOUNT/$SUBTREE/$1 ]]
}

log_has() {
        grep -q -- "$1" "$DAEMON_LOG"
}

log_count() {
        grep -c -- "$1" "$DAEMON_LOG"
}
