# shellcheck shell=bash
# Shared by the bus host tests (test-bus-*.sh): TAP output, a private dbus-daemon, a cgsupd on it with its
# own cgroup subtree, and cleanup of all of it by PID / path on every exit.
#
# Environment from meson: CGSUPD, CGSUPCTL, CGSUP_SOURCE_DIR, CGSUP_BUILD_DIR.

set -u

source "${BASH_SOURCE[0]%/*}/bus-conf.sh"

TAP_N=0
TAP_FAILED=0
TEST_DIR=
DBUS_PID=
CGSUPD_PID=
CG_MOUNT=
CG_SUBTREE=

tap_ok() {
        TAP_N=$((TAP_N + 1))
        echo "ok $TAP_N - $*"
}

tap_fail() {
        TAP_N=$((TAP_N + 1))
        TAP_FAILED=$((TAP_FAILED + 1))
        echo "not ok $TAP_N - $*"
}

tap_skip() {
        TAP_N=$((TAP_N + 1))
        echo "ok $TAP_N - $1 # SKIP ${2:-}"
}

# check "description" command...: ok when the command succeeds; its output goes to the TAP log as comments.
check() {
        local desc=$1 out rc
        shift
        out=$("$@" 2>&1)
        rc=$?
        if [[ $rc -eq 0 ]]; then
                tap_ok "$desc"
        else
                tap_fail "$desc"
                printf '%s\n' "$out" | sed 's/^/#   /' | head -n 20
                echo "#   (exit status $rc: $*)"
        fi
}

diag() {
        printf '%s\n' "$*" | sed 's/^/# /'
}

skip_all() {
        echo "1..0 # SKIP $*"
        exit 0
}

tap_done() {
        # A sanitizer build of cgsupd reports leaks and UB in its log; make them fail the test.
        if [[ -n $TEST_DIR && -f $TEST_DIR/cgsupd.log ]] &&
           grep -qE 'Sanitizer|runtime error:' "$TEST_DIR/cgsupd.log"; then
                tap_fail "cgsupd log has no sanitizer reports"
                grep -E -A12 'Sanitizer|runtime error:' "$TEST_DIR/cgsupd.log" | head -n 40 | sed 's/^/#   /'
        fi
        echo "1..$TAP_N"
        [[ $TAP_FAILED -eq 0 ]]
}

# The requirements every bus test has; skips with the reason otherwise.
bus_test_requirements() {
        [[ $(id -u) -eq 0 ]] || skip_all "needs root (cgroup subtree for cgsupd, setpriv)"
        [[ -n ${CGSUPD:-} && -x $CGSUPD ]] || skip_all "CGSUPD not set (run through meson test)"
        [[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
        command -v dbus-daemon >/dev/null || skip_all "dbus-daemon not installed (ENOENT)"
        command -v busctl >/dev/null || skip_all "busctl not installed (ENOENT)"
        CG_MOUNT=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
        [[ -n $CG_MOUNT ]] || skip_all "no cgroup2 mount in /proc/self/mountinfo (ENOENT)"
        local probe="$CG_MOUNT/cgsup-test-probe-$$"
        if ! mkdir "$probe" 2>/dev/null; then
                skip_all "cannot create a cgroup under $CG_MOUNT (EACCES/EROFS)"
        fi
        rmdir "$probe"
}

# stop_pid PID [TENTHS]: SIGTERM, up to TENTHS (default 50) tenths of a second to exit, then SIGKILL.
stop_pid() {
        local pid=$1
        kill -TERM "$pid" 2>/dev/null || return 0
        for _ in $(seq 1 "${2:-50}"); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
}

bus_cleanup() {
        local pid
        for pid in $CGSUPD_PID $DBUS_PID; do
                [[ -n $pid ]] && stop_pid "$pid"
        done
        CGSUPD_PID=
        DBUS_PID=
        cgroup_remove_subtree
        [[ -n $TEST_DIR && -d $TEST_DIR ]] && rm -rf "$TEST_DIR"
}

# Kill whatever is left in our subtree and remove it, deepest first.
cgroup_remove_subtree() {
        local d
        [[ -n $CG_SUBTREE && -d $CG_MOUNT/$CG_SUBTREE ]] || return 0
        [[ -e $CG_MOUNT/$CG_SUBTREE/cgroup.kill ]] && echo 1 >"$CG_MOUNT/$CG_SUBTREE/cgroup.kill" 2>/dev/null
        for _ in $(seq 1 50); do
                grep -q '^populated 0' "$CG_MOUNT/$CG_SUBTREE/cgroup.events" 2>/dev/null && break
                sleep 0.1
        done
        find "$CG_MOUNT/$CG_SUBTREE" -depth -type d 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null; done
}

# A dbus-daemon on $TEST_DIR/bus whose policy lets everybody do everything (the test decides who calls).
start_private_bus() {
        write_bus_conf "$TEST_DIR/bus.conf" system "$TEST_DIR/bus"
        dbus-daemon --config-file="$TEST_DIR/bus.conf" --nofork --nopidfile --nosyslog 2>"$TEST_DIR/dbus.log" &
        DBUS_PID=$!
        export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TEST_DIR/bus"
        BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS
        for _ in $(seq 1 100); do
                [[ -S $TEST_DIR/bus ]] && return 0
                sleep 0.05
        done
        echo "# dbus-daemon did not come up: $(cat "$TEST_DIR/dbus.log")"
        return 1
}

bctl() {
        busctl --address="$BUS_ADDRESS" "$@"
}

# Waits until org.cgsup1 answers ListPrograms (or the daemon died).
wait_for_daemon() {
        for _ in $(seq 1 200); do
                if bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms >/dev/null 2>&1; then
                        return 0
                fi
                if [[ -n $CGSUPD_PID ]] && ! kill -0 "$CGSUPD_PID" 2>/dev/null; then
                        echo "# cgsupd exited early:"
                        sed 's/^/#   /' "$TEST_DIR/cgsupd.log" | tail -n 30
                        return 1
                fi
                sleep 0.05
        done
        echo "# cgsupd did not answer on the bus within 10 s"
        sed 's/^/#   /' "$TEST_DIR/cgsupd.log" | tail -n 30
        return 1
}

# start_daemon CONFIG: cgsupd with its own subtree, on the private bus.
start_daemon() {
        CG_SUBTREE="cgsup-test-$$"
        "$CGSUPD" -c "$1" --cgroup "$CG_SUBTREE" >"$TEST_DIR/cgsupd.log" 2>&1 &
        CGSUPD_PID=$!
        wait_for_daemon
}

# start_daemon_or_bail CONFIG [POINT]: start_daemon as the first test point (POINT, default "cgsupd
# starts"); without a daemon the rest of the test has nothing to talk to, so a failure ends it.
start_daemon_or_bail() {
        local point=${2:-cgsupd starts}
        if ! start_daemon "$1"; then
                tap_fail "$point"
                tap_done
                exit 1
        fi
        tap_ok "$point"
}

# For tests that call cgsupd as the unprivileged user nobody (uid 65534), through setpriv. The clone may sit
# in a directory only root can enter (mode 0700: /root, a `mktemp -d`, as CI does), so the binaries nobody
# runs are copied into $TEST_DIR/bin (TEST_DIR is under /tmp, mode 0755) and CGSUPCTL / BIG point there.
bus_require_nobody() {
        command -v setpriv >/dev/null || skip_all "setpriv not installed (ENOENT)"
        getent passwd 65534 >/dev/null || skip_all "no user with uid 65534 (ENOENT)"
        [[ -n $TEST_DIR ]] || skip_all "bus_require_nobody called before bus_test_setup"
        install -d -m 0755 "$TEST_DIR/bin"
        local var
        for var in CGSUPCTL BIG; do
                [[ -n ${!var:-} && -f ${!var} ]] || continue
                install -m 0755 "${!var}" "$TEST_DIR/bin/" || skip_all "cannot stage ${!var} for uid 65534"
                printf -v "$var" '%s' "$TEST_DIR/bin/$(basename "${!var}")"
        done
        if ! as_nobody test -x "$CGSUPCTL"; then
                echo "Bail out! uid 65534 cannot execute the staged $CGSUPCTL"
                exit 1
        fi
}

as_nobody() {
        setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

daemon_alive() {
        kill -0 "$CGSUPD_PID" 2>/dev/null &&
                bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms >/dev/null 2>&1
}

# prop NAME PROPERTY: the value part of busctl get-property (e.g. "s \"RUNNING\"" -> RUNNING).
prop() {
        local path
        path=$(bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgram s "$1" 2>/dev/null | awk '{ print $2 }' | tr -d '"')
        [[ -n $path ]] || return 1
        bctl get-property org.cgsup1 "$path" org.cgsup1.Program "$2" | cut -d' ' -f2- | tr -d '"'
}

# wait_state NAME STATE [SECONDS]
wait_state() {
        local deadline=$((SECONDS + ${3:-10})) s=
        while ((SECONDS < deadline)); do
                s=$(prop "$1" State 2>/dev/null)
                [[ $s == "$2" ]] && return 0
                sleep 0.1
        done
        echo "state of $1 is '$s', expected '$2'"
        return 1
}

# dsend METHOD ARGS...: dbus-send to the manager, printing the reply or "Error <name>: <message>" (busctl
# prints only the message of an error, and the tests check error names).
dsend() {
        local method=$1
        shift
        dbus-send --bus="$BUS_ADDRESS" --print-reply --reply-timeout=30000 --dest=org.cgsup1 /org/cgsup1 \
                "org.cgsup1.Manager.$method" "$@" 2>&1
}

# expect_rc WANT COMMAND...: exit status WANT; output in $TEST_DIR/out and err.
expect_rc() {
        local want=$1 rc
        shift
        "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
        rc=$?
        [[ $rc -eq $want ]] && return 0
        echo "exit status $rc, expected $want"
        cat "$TEST_DIR/out" "$TEST_DIR/err"
        return 1
}

# expect_error ERRORNAME COMMAND...: COMMAND's output (dsend / bus-big-arg) names that D-Bus error.
expect_error() {
        local want=$1 out
        shift
        out=$("$@" 2>&1)
        if grep -q -- "$want" <<<"$out"; then
                echo "$out"
                return 0
        fi
        echo "expected $want, got: $out"
        return 1
}

BIG=${CGSUP_BUILD_DIR:-}/tests/host/bus-big-arg

bus_test_setup() {
        bus_test_requirements
        TEST_DIR=$(mktemp -d /tmp/cgsup-bus-test.XXXXXX)
        chmod 755 "$TEST_DIR"
        # AUTO logs of configs without childlogdir= stay in the test's directory, not /var/log/cgsup.
        export LOGS_DIRECTORY="$TEST_DIR/logs"
        trap bus_cleanup EXIT
        trap 'exit 130' INT TERM
        start_private_bus || { echo "1..0 # SKIP private dbus-daemon failed to start"; exit 0; }
}
