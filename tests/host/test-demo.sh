#!/usr/bin/env bash
# The README's first command as a newcomer meets it: tools/demo starts cgsupd on examples/demo.conf,
# writes an env file a second shell sources, suggests only a capped run this host can carry out, and
# Ctrl-C ends the daemon, every program, the private bus, the subtree and the env file.
#
# The demo builds into the test's own build directory (already built, so its `ninja` of the two targets
# it runs is a no-op), on a private bus, in a subtree named for this test, without apt.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUP_SOURCE_DIR:-} && -n ${CGSUP_BUILD_DIR:-} ]] || skip_all "CGSUP_SOURCE_DIR/CGSUP_BUILD_DIR not set (run through meson test)"
for tool in setsid python3 ninja meson; do
        command -v "$tool" >/dev/null || skip_all "$tool not installed (ENOENT)"
done

T=$(mktemp -d /tmp/cgsup-demo-test-XXXXXX)
DEMO_CGROUP="cgsup-test-demo-$$"
ENV_FILE=$CGSUP_BUILD_DIR/demo.env
DEMO_PID=
demo_cleanup() {
        local dbus_pid
        [[ -n $DEMO_PID ]] && kill -KILL -- "-$DEMO_PID" 2>/dev/null
        # The demo's private dbus-daemon forks away from its process group: its pid file says which.
        dbus_pid=$(cat "$(demo_rundir)/dbus.pid" 2>/dev/null)
        [[ -n $dbus_pid ]] && kill -KILL "$dbus_pid" 2>/dev/null
        cg_destroy "$CG_MOUNT/$DEMO_CGROUP"
        rm -rf "/run/cgsup/$DEMO_CGROUP" "$(demo_rundir)" "$T"
        rm -f "$ENV_FILE"
}
trap demo_cleanup EXIT

# The demo's temporary directory, from its "started a private one at DIR/system_bus_socket" line.
demo_rundir() {
        sed -n 's|^tools/demo: no system bus here; started a private one at \(.*\)/system_bus_socket$|\1|p' \
                "$T/demo.out" 2>/dev/null | head -n 1
}

# In its own session, as from a terminal: SIGINT at its default (a background job of a script has it
# ignored, and bash would keep ignoring it), so the group's Ctrl-C below is what a user's Ctrl-C is.
(cd "$CGSUP_SOURCE_DIR" && CGSUP_SKIP_DEPS=1 CGSUP_DEMO_BUILD="$CGSUP_BUILD_DIR" CGSUP_DEMO_PRIVATE_BUS=1 \
        CGSUP_DEMO_CGROUP="$DEMO_CGROUP" exec setsid env --default-signal=INT,QUIT bash tools/demo \
        >"$T/demo.out" 2>"$T/demo.err" </dev/null) &
DEMO_PID=$!

check "the demo tells how to reach it from a second shell" wait_until 300 grep -qF ". $ENV_FILE" "$T/demo.out"
check "the env file exists" test -s "$ENV_FILE"
# ctl ARGS...: cgsupctl as the second shell runs it, with only what the env file gives.
ctl() {
        env -u DBUS_SYSTEM_BUS_ADDRESS bash -c '. "$1" && shift && cgsupctl "$@"' ctl "$ENV_FILE" "$@"
}
check "the env file puts this build's cgsupctl on PATH" bash -c \
        ". '$ENV_FILE' && [[ \$(command -v cgsupctl) == '$CGSUP_BUILD_DIR/src/cgsupctl/cgsupctl' ]]"
check "the env file names the demo's private bus" grep -q '^export DBUS_SYSTEM_BUS_ADDRESS=' "$ENV_FILE"
check "clock RUNNING" wait_until 60 bash -c "$(declare -f ctl); ENV_FILE='$ENV_FILE'; ctl status clock | grep -q RUNNING"
check "tail shows clock's ticks" wait_until 30 bash -c "$(declare -f ctl); ENV_FILE='$ENV_FILE'; ctl tail clock | grep -q '^tick '"

controllers=$(cat "$CG_MOUNT/cgroup.controllers")
run_line=$(sed -n 's/^    \(cgsupctl run --pipe .*\)$/\1/p' "$T/demo.out")
check "one run is suggested" test -n "$run_line"
if [[ " $controllers " == *" memory "* && " $controllers " == *" pids "* ]]; then
        check "with memory and pids here, the suggested run is capped" grep -q 'memory_max=' <<<"$run_line"
        check "capped RUNNING within its limits" wait_until 60 bash -c \
                "$(declare -f ctl); ENV_FILE='$ENV_FILE'; ctl status capped | grep -q 'State: RUNNING'"
else
        check "without memory/pids here, the suggested run asks for no limit" bash -c '! grep -q "_max=" <<<"$1"' _ "$run_line"
        check "the demo says why" grep -q 'has no memory or pids controller for cgsup' "$T/demo.out"
        check "capped refused (FATAL), not run unbounded" wait_until 60 bash -c \
                "$(declare -f ctl); ENV_FILE='$ENV_FILE'; ctl status capped | grep -q 'State: FATAL'"
        check "status names the limit and the reason" bash -c \
                "$(declare -f ctl); ENV_FILE='$ENV_FILE'; ctl status capped | grep -q 'Last exit: limit: memory_max cannot be enforced'"
fi
check "the suggested run works here" bash -c ". '$ENV_FILE' && $run_line | grep -q '^hello from a'"

pids=$(cat "$CG_MOUNT/$DEMO_CGROUP"/*/cgroup.procs "$CG_MOUNT/$DEMO_CGROUP"/*/*/cgroup.procs 2>/dev/null)
check "the demo's programs run in its subtree" test -n "$pids"
dbus_pid=$(cat "$(demo_rundir)/dbus.pid" 2>/dev/null)
check "a private bus was started (its pid is known)" test -n "$dbus_pid"

# Ctrl-C: the terminal signals the whole foreground group (the script and cgsupd).
kill -INT -- "-$DEMO_PID"
check "Ctrl-C ends the demo" wait_until 60 bash -c "! kill -0 $DEMO_PID 2>/dev/null"
wait "$DEMO_PID" 2>/dev/null
DEMO_PID=
# A zombie is gone too: cgsupd has exited, and reaping its orphans is this machine's init's business.
alive() {
        local p
        for p; do [[ $(ps -o stat= -p "$p" 2>/dev/null) == [^Z]* ]] && { ps -o pid,stat,args -p "$p"; return 0; }; done
        return 1
}
check "no program process is left" bash -c "$(declare -f alive); ! alive \"\$@\"" _ $pids
check "the subtree is removed" wait_until 10 test ! -d "$CG_MOUNT/$DEMO_CGROUP"
check "the private bus is stopped" wait_until 10 bash -c "! kill -0 $dbus_pid 2>/dev/null"
check "the env file is removed" test ! -e "$ENV_FILE"
check "the demo's temporary directory is removed" test ! -d "$(demo_rundir)"
done_testing
