#!/bin/bash
# SPDX-License-Identifier: MIT
# The org.cgsup1 D-Bus API through busctl and dbus-send (not cgsupctl), against a cgsupd on a private bus:
# every method and property, bad arguments with the right error names, and the daemon still serving after
# each of them.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup

cat >"$TEST_DIR/cgsup.conf" <<EOF
[cgsupd]
childlogdir = $TEST_DIR

[program:web]
command = /bin/sh -c 'echo web-started; echo web-err >&2; exec sleep 1000'
stdout_logfile = $TEST_DIR/web.out
stderr_logfile = $TEST_DIR/web.err
startsecs = 0
stopwaitsecs = 2

[program:idle]
command = sleep 1000
autostart = false
startsecs = 0

[program:a]
command = sleep 1000
startsecs = 0

[program:b]
command = sleep 1000
startsecs = 0

[group:grp]
programs = a,b
EOF

start_daemon_or_bail "$TEST_DIR/cgsup.conf" "cgsupd starts on the private bus"

M=(org.cgsup1 /org/cgsup1 org.cgsup1.Manager)

alive() {
        check "daemon still serving after $1" daemon_alive
}

# ---- introspection, tree, object manager ----
check "introspect lists the Manager interface and methods" \
        bash -c "busctl --address='$BUS_ADDRESS' introspect org.cgsup1 /org/cgsup1 | grep -q 'org.cgsup1.Manager' &&
                 busctl --address='$BUS_ADDRESS' introspect org.cgsup1 /org/cgsup1 | grep -q '.RunTransient'"
check "tree shows program objects" bash -c "busctl --address='$BUS_ADDRESS' tree org.cgsup1 | grep -q '/org/cgsup1/program/web'"
check "GetManagedObjects lists programs" \
        bash -c "busctl --address='$BUS_ADDRESS' call org.cgsup1 /org/cgsup1 org.freedesktop.DBus.ObjectManager GetManagedObjects | grep -q 'org.cgsup1.Program'"

# Every property documented in the introspection XML exists on a live object, and nothing undocumented.
xml_props() {
        grep -o '<property name="[A-Za-z]*"' "$CGSUP_SOURCE_DIR/dbus/$1" | cut -d'"' -f2 | sort
}
live_props() {
        bctl introspect org.cgsup1 "$1" "$2" | awk '$2 == "property" { print substr($1, 2) }' | sort
}
WEB=$(bctl call "${M[@]}" GetProgram s web | awk '{ print $2 }' | tr -d '"')
check "GetProgram web returns its object path" test "$WEB" = /org/cgsup1/program/web
check "Program properties match org.cgsup1.Program.xml" \
        diff <(xml_props org.cgsup1.Program.xml) <(live_props "$WEB" org.cgsup1.Program)
check "Manager properties match org.cgsup1.Manager.xml" \
        diff <(xml_props org.cgsup1.Manager.xml) <(live_props /org/cgsup1 org.cgsup1.Manager)
check "Manager methods match org.cgsup1.Manager.xml" \
        diff <(grep -o '<method name="[A-Za-z]*"' "$CGSUP_SOURCE_DIR/dbus/org.cgsup1.Manager.xml" | cut -d'"' -f2 | sort) \
             <(bctl introspect org.cgsup1 /org/cgsup1 org.cgsup1.Manager | awk '$2 == "method" { print substr($1, 2) }' | sort)

# ---- reads ----
check "ListPrograms lists web, idle, a, b" \
        bash -c "out=\$(busctl --address='$BUS_ADDRESS' call ${M[*]} ListPrograms); for n in web idle a b; do grep -q \"\\\"\$n\\\"\" <<<\"\$out\" || exit 1; done"
check "web is RUNNING" wait_state web RUNNING
check "idle (autostart=false) is STOPPED" wait_state idle STOPPED
check "GetAll on a program object" bctl call org.cgsup1 "$WEB" org.freedesktop.DBus.Properties GetAll s org.cgsup1.Program
for p in Name Group State MainPID CGroup ExitCode ExitReason ExitSignal Restarts MemoryCurrent MemoryPeak \
         MemoryMax TasksCurrent TasksMax CPUUsageNSec CPUQuota Command Survivors StateChangeTimestamp \
         ActiveEnterTimestamp UptimeUSec Healthy; do
        check "get-property $p" bctl get-property org.cgsup1 "$WEB" org.cgsup1.Program "$p"
done
check "MainPID of a running program is a live process" bash -c "pid=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 '$WEB' org.cgsup1.Program MainPID | cut -d' ' -f2); [[ \$pid -gt 0 ]] && kill -0 \$pid"
check "CGroup is a directory under the cgroup2 mount holding the main pid" bash -c "
        cg=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 '$WEB' org.cgsup1.Program CGroup | cut -d' ' -f2 | tr -d '\"')
        pid=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 '$WEB' org.cgsup1.Program MainPID | cut -d' ' -f2)
        grep -qx \"\$pid\" '$CG_MOUNT'\$cg/cgroup.procs"
check "CPUUsageNSec is a number (cpu.stat is always there on cgroup2)" \
        bash -c "v=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 '$WEB' org.cgsup1.Program CPUUsageNSec | cut -d' ' -f2); [[ \$v =~ ^[0-9]+$ && \$v != 18446744073709551615 ]]"
for p in Version PID CGroup CGroupMount Controllers ConfigFile LogFile UserInstance ShuttingDown NPrograms NTransient; do
        check "Manager get-property $p" bctl get-property "${M[@]}" "$p"
done
check "Manager PID is cgsupd's" bash -c "[[ \$(busctl --address='$BUS_ADDRESS' get-property ${M[*]} PID | cut -d' ' -f2) == $CGSUPD_PID ]]"
check "GetProgramOutput web stdout" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} GetProgramOutput sstt web stdout 18446744073709551615 100 | grep -q 'ay'"
check "GetProgramOutput returns what the program printed" bash -c "
        for i in \$(seq 50); do
                python3 - '$BUS_ADDRESS' <<'PY' && exit 0
import subprocess, sys
out = subprocess.run(['busctl', '--address=' + sys.argv[1], '--json=short', 'call', 'org.cgsup1', '/org/cgsup1',
                      'org.cgsup1.Manager', 'GetProgramOutput', 'sstt', 'web', 'stdout', str(2**64 - 1), '4096'],
                     capture_output=True, text=True).stdout
import json
data = bytes(json.loads(out)['data'][0])
sys.exit(0 if b'web-started' in data else 1)
PY
                sleep 0.1
        done; exit 1"

# ---- bad arguments: right error names, daemon keeps serving ----
check "GetProgram of an unknown name: NoSuchProgram" expect_error org.cgsup1.Error.NoSuchProgram dsend GetProgram string:nope
check "StartProgram of an unknown name: NoSuchProgram" expect_error org.cgsup1.Error.NoSuchProgram dsend StartProgram string:nope
check "StartProgram with a wrong type: InvalidArgs" expect_error org.freedesktop.DBus.Error.InvalidArgs dsend StartProgram int32:5
alive "a wrong argument type"
check "StartProgram with no argument: InvalidArgs" expect_error org.freedesktop.DBus.Error.InvalidArgs dsend StartProgram
check "StartProgram with an empty name: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument dsend StartProgram string:
if [[ -x $BIG ]]; then
        check "StartProgram with a 1 MiB name: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" string StartProgram 1048576
        alive "a 1 MiB string"
        check "GetProgram with a 1 MiB name: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" string GetProgram 1048576
        check "RunTransient with 5000 argv entries: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" argv 5000
        check "RunTransient with 5000 environment entries: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" env 5000
        alive "huge argv/environment"
        check "SetProperties MemoryMax=1: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web MemoryMax t 1
        check "SetProperties TasksMax=0: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web TasksMax t 0
        check "SetProperties CPUWeight=0: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web CPUWeight t 0
        check "SetProperties CPUQuota=1 (0.01%): InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web CPUQuota t 1
        check "SetProperties memory_max=lots: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web memory_max s lots
        check "SetProperties MemoryMax as a boolean: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web MemoryMax b true
        check "SetProperties of an unknown key: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" setprop web Color s blue
        check "SetProperties on an unknown program: NoSuchProgram" expect_error org.cgsup1.Error.NoSuchProgram "$BIG" setprop nope MemoryMax s 64M
        alive "absurd limits"
        if bctl get-property "${M[@]}" Controllers | grep -q '"memory"'; then
                check "SetProperties memory_max=64M is applied" bash -c "'$BIG' setprop web memory_max s 64M | grep -qx ok"
                check "MemoryMax reads back 64M" bash -c "[[ \$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 '$WEB' org.cgsup1.Program MemoryMax | cut -d' ' -f2) == 67108864 ]]"
        else
                check "SetProperties memory_max=64M without a memory controller: LimitNotEnforceable" \
                        expect_error org.cgsup1.Error.LimitNotEnforceable "$BIG" setprop web memory_max s 64M
                check "MemoryMax unchanged after a refused limit" bash -c "[[ \$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 '$WEB' org.cgsup1.Program MemoryMax | cut -d' ' -f2) == 18446744073709551615 ]]"
        fi
        check "RunTransient with an unknown property: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" run Color s blue true
        check "RunTransient with a bad Name: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" run Name s 'a/b' true
        # One name rule for the configuration and the bus (src/shared/name-util.c); the error says what is wrong.
        check "RunTransient Name 'a b': InvalidArgument naming the space" expect_error 'org.cgsup1.Error.InvalidArgument: Invalid transient name: it contains a space' "$BIG" run Name s 'a b' true
        check "RunTransient Name 'a:b': InvalidArgument naming ':'" expect_error "InvalidArgument: Invalid transient name: it contains ':'" "$BIG" run Name s 'a:b' true
        check "RunTransient Name '..': InvalidArgument naming '..'" expect_error "InvalidArgument: Invalid transient name: it contains '..'" "$BIG" run Name s '..' true
        check "RunTransient Name with a tab: InvalidArgument naming the control character" expect_error 'InvalidArgument: Invalid transient name: it contains a control character' "$BIG" run Name s $'a\tb' true
        check "RunTransient Name of 201 bytes: InvalidArgument naming the length" expect_error 'InvalidArgument: Invalid transient name: it is longer than 200 bytes' "$BIG" run Name s "$(printf 'n%.0s' {1..201})" true
        check "RunTransient with an unknown User: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" run User s no-such-user-xyz true
        check "RunTransient with a relative WorkingDirectory: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" run WorkingDirectory s tmp true
        check "RunTransient of a missing command: SpawnFailed" expect_error org.cgsup1.Error.SpawnFailed "$BIG" run Name s missing /nonexistent/cmd
        alive "bad RunTransient calls"
else
        tap_skip "1 MiB / huge argv / a{sv} error tests" "bus-big-arg helper not built ($BIG)"
fi
check "KillProgram with signal NOPE: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument dsend KillProgram string:web string:NOPE
check "KillProgram with signal 99: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument dsend KillProgram string:web string:99
check "KillProgramWho with who=everyone: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument dsend KillProgramWho string:web string:TERM string:everyone
check "GetProgramOutput of stream stdin: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument dsend GetProgramOutput string:web string:stdin uint64:0 uint64:10
if [[ -x $BIG ]]; then
        check "RunTransient with an empty argv: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" run Name s empty
fi
alive "bad signals and streams"

# ---- signals: watch the bus while idle starts and stops ----
MON_PID=
if command -v dbus-monitor >/dev/null; then
        dbus-monitor --address "$BUS_ADDRESS" "type='signal',sender='org.cgsup1'" >"$TEST_DIR/monitor.out" 2>&1 &
        MON_PID=$!
        sleep 0.5
fi

# ---- mutations (root: no polkit round trip) ----
check "StartProgram on a running program: AlreadyStarted" expect_error org.cgsup1.Error.AlreadyStarted dsend StartProgram string:web
check "StopProgram on a stopped program: NotRunning" expect_error org.cgsup1.Error.NotRunning dsend StopProgram string:idle
check "StartProgram idle" bctl call "${M[@]}" StartProgram s idle
check "idle becomes RUNNING" wait_state idle RUNNING
OLD=$(prop idle MainPID)
check "RestartProgram idle" bctl call "${M[@]}" RestartProgram s idle
check "idle RUNNING with a new MainPID after restart" bash -c "
        for i in \$(seq 100); do
                s=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program State | cut -d' ' -f2 | tr -d '\"')
                p=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program MainPID | cut -d' ' -f2)
                [[ \$s == RUNNING && \$p != $OLD && \$p -gt 0 ]] && exit 0
                sleep 0.1
        done; exit 1"
check "Restarts counted" bash -c "[[ \$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program Restarts | cut -d' ' -f2) -ge 1 ]]"
check "FreezeProgram idle" bctl call "${M[@]}" FreezeProgram s idle
check "Frozen is true" bash -c "for i in \$(seq 50); do busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program Frozen | grep -q true && exit 0; sleep 0.1; done; exit 1"
check "ThawProgram idle" bctl call "${M[@]}" ThawProgram s idle
check "KillProgram idle CONT" bctl call "${M[@]}" KillProgram ss idle CONT
check "KillProgramWho idle CONT all" bctl call "${M[@]}" KillProgramWho sss idle CONT all
check "StopProgram idle" bctl call "${M[@]}" StopProgram s idle
check "idle STOPPED with MainPID 0" bash -c "
        for i in \$(seq 100); do
                s=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program State | cut -d' ' -f2 | tr -d '\"')
                p=\$(busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/idle org.cgsup1.Program MainPID | cut -d' ' -f2)
                [[ \$s == STOPPED && \$p == 0 ]] && exit 0
                sleep 0.1
        done; exit 1"
if [[ -n $MON_PID ]]; then
        sleep 0.5
        kill "$MON_PID" 2>/dev/null
        wait "$MON_PID" 2>/dev/null
        check "ProgramStateChanged(idle, STOPPED, STARTING|RUNNING) was emitted" bash -c "
                grep -A4 'member=ProgramStateChanged' '$TEST_DIR/monitor.out' | tr -d '\n' | grep -q 'string \"idle\" *string \"STOPPED\"'"
        check "PropertiesChanged on the program object was emitted" \
                grep -q 'path=/org/cgsup1/program/idle; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged' "$TEST_DIR/monitor.out"
        # A change of state carries what moved with it (State, MainPID, Job, ...), not the configuration
        # (Command, Environment, ...), which only a reload changes.
        check "a state change's PropertiesChanged carries State, MainPID and Job" bash -c "
                grep -q 'string \"State\"' '$TEST_DIR/monitor.out' && grep -q 'string \"MainPID\"' '$TEST_DIR/monitor.out' &&
                grep -q 'string \"Job\"' '$TEST_DIR/monitor.out'"
        check "and not the configuration" bash -c "! grep -q 'string \"Command\"\\|string \"Environment\"' '$TEST_DIR/monitor.out'"
else
        tap_skip "signals" "dbus-monitor not installed"
fi
check "StopProgram grp:* stops a and b" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} StopProgram s 'grp:*' | grep -q '\"a\"'"
check "a and b STOPPED" bash -c "$(declare -f wait_state prop bctl); BUS_ADDRESS='$BUS_ADDRESS'; wait_state a STOPPED && wait_state b STOPPED"
check "StartProgram all starts the stopped ones" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} StartProgram s all | grep -q '\"b\"'"
check "StartProgram all when everything runs affects nothing (no error)" bash -c "sleep 0.5; busctl --address='$BUS_ADDRESS' call ${M[*]} StartProgram s all"

# ---- transient programs ----
check "RunTransient replies with a path and name" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} RunTransient 'asa{sv}' 2 sleep 30 1 Name s tr1 | grep -q '/org/cgsup1/program/tr1'"
LONG_NAME="long.name-$(printf 'x%.0s' {1..190})" # 200 bytes: a name a [program:x] may have
check "RunTransient accepts a 200-byte name (the configuration's limit, not 64)" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} RunTransient 'asa{sv}' 2 sleep 30 1 Name s '$LONG_NAME' | grep -q '\"$LONG_NAME\"'"
check "StopProgram of the 200-byte name" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} StopProgram s '$LONG_NAME' >/dev/null"
check "transient program visible with Transient=true and TransientUID=0" bash -c "
        busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/tr1 org.cgsup1.Program Transient | grep -q true &&
        busctl --address='$BUS_ADDRESS' get-property org.cgsup1 /org/cgsup1/program/tr1 org.cgsup1.Program TransientUID | grep -q 'u 0'"
if [[ -x $BIG ]]; then
        check "RunTransient with a name in use: InvalidArgument" expect_error org.cgsup1.Error.InvalidArgument "$BIG" run Name s tr1 true
fi
check "StopProgram tr1 ends and removes it" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} StopProgram s tr1 >/dev/null || exit 1
        for i in \$(seq 100); do
                busctl --address='$BUS_ADDRESS' call ${M[*]} GetProgram s tr1 >/dev/null 2>&1 || exit 0
                sleep 0.1
        done; exit 1"

# ---- configuration ----
check "Reread with no changes" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} Reread | grep -qx 'asasas 0 0 0'"
cat >>"$TEST_DIR/cgsup.conf" <<EOF

[program:late]
command = sleep 1000
startsecs = 0
EOF
check "Reread reports the added program" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} Reread | grep -q 'as 1 \"late\"'"
check "Reread applies nothing" expect_error org.cgsup1.Error.NoSuchProgram dsend GetProgram string:late
check "Update applies it" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} Update | grep -q '\"late\"'"
check "the added program has an object" bctl call "${M[@]}" GetProgram s late
cp "$TEST_DIR/cgsup.conf" "$TEST_DIR/cgsup.conf.good"
echo "startsecs = not-a-number" >>"$TEST_DIR/cgsup.conf"
check "Reload of an invalid file: BadConfig with file:line" bash -c "dbus-send --bus='$BUS_ADDRESS' --print-reply --dest=org.cgsup1 /org/cgsup1 org.cgsup1.Manager.Reload 2>&1 | grep 'org.cgsup1.Error.BadConfig' | grep -q 'cgsup.conf:'"
check "Reread of an invalid file: BadConfig" expect_error org.cgsup1.Error.BadConfig dsend Reread
check "an invalid reload changed nothing" bctl call "${M[@]}" GetProgram s late
alive "a bad configuration"
cp "$TEST_DIR/cgsup.conf.good" "$TEST_DIR/cgsup.conf"
check "Reload of the valid file" bctl call "${M[@]}" Reload

# ---- one group at a time: UpdateGroups, AddGroup, RemoveGroup ----
call_m() { busctl --address="$BUS_ADDRESS" call "${M[@]}" "$@" 2>&1; }
pid_of() { busctl --address="$BUS_ADDRESS" get-property org.cgsup1 "/org/cgsup1/program/$1" org.cgsup1.Program MainPID; }

# A program listed by a second group would be a second instance of the same name (one object per name):
# every path that reads the file refuses it, naming both groups, and applies nothing.
A_PID=$(pid_of a)
cp "$TEST_DIR/cgsup.conf" "$TEST_DIR/cgsup.conf.good"
printf '\n[group:again]\nprograms = a\n' >>"$TEST_DIR/cgsup.conf"
TWO_GROUPS="lists program 'a', which [group:grp]"
refused_two_groups() { expect_error org.cgsup1.Error.BadConfig dsend "$@" | grep -qF -- "$TWO_GROUPS"; }
check "Reload of a program in two groups: BadConfig naming both groups" refused_two_groups Reload
check "Update of a program in two groups: BadConfig naming both groups" refused_two_groups Update
check "UpdateGroups of a program in two groups: BadConfig naming both groups" \
        refused_two_groups UpdateGroups array:string:again
a_untouched() {
        local n
        n=$(busctl --address="$BUS_ADDRESS" call "${M[@]}" ListPrograms | grep -o '"a"' | wc -l)
        [[ $n == 1 && $(prop a Group) == grp && $(pid_of a) == "$A_PID" ]] ||
                { echo "a listed $n times, group $(prop a Group), $(pid_of a) (was $A_PID)"; return 1; }
}
check "... a still runs once, in grp, untouched" a_untouched
alive "a program in two groups"
bad_subtree="cgsup-test-$$-two-groups"
daemon_refuses_two_groups() {
        local out rc
        out=$(timeout 30 "$CGSUPD" -c "$TEST_DIR/cgsup.conf" --cgroup "$bad_subtree" 2>&1)
        rc=$?
        [[ $rc -eq 1 ]] && grep -qF -- "$TWO_GROUPS" <<<"$out" || { echo "exit status $rc: $out"; return 1; }
}
check "cgsupd refuses to start on it, exit status 1, naming both groups" daemon_refuses_two_groups
(CG_SUBTREE=$bad_subtree; cgroup_remove_subtree)
cp "$TEST_DIR/cgsup.conf.good" "$TEST_DIR/cgsup.conf"

check "UpdateGroups with no group: InvalidArgument" expect_error "No group given" call_m UpdateGroups as 0
check "UpdateGroups with an empty name: InvalidArgument naming the problem" expect_error "Group name must not be empty" \
        call_m UpdateGroups as 2 web ""
check "UpdateGroups with a control character: InvalidArgument" expect_error "Group name contains control characters" \
        dsend UpdateGroups "array:string:$(printf 'a\tb')"
check "UpdateGroups with a string, not an array: InvalidArgs" expect_error "org.freedesktop.DBus.Error.InvalidArgs" \
        dsend UpdateGroups string:web
check "UpdateGroups of an unknown group: NoSuchGroup naming it" bash -c "
        $(declare -f dsend expect_error); BUS_ADDRESS='$BUS_ADDRESS'
        expect_error 'org.cgsup1.Error.NoSuchGroup' dsend UpdateGroups array:string:web,nosuch | grep -q \"'nosuch'\""
check "AddGroup of a running group: GroupActive" expect_error "org.cgsup1.Error.GroupActive" dsend AddGroup string:web
check "AddGroup of an unknown group: NoSuchGroup" expect_error "org.cgsup1.Error.NoSuchGroup" dsend AddGroup string:nosuch
check "RemoveGroup of a running group: StillRunning naming the program" bash -c "
        $(declare -f dsend expect_error); BUS_ADDRESS='$BUS_ADDRESS'
        expect_error 'org.cgsup1.Error.StillRunning' dsend RemoveGroup string:grp | grep -q \"program 'a'\|program 'b'\""
check "RemoveGroup of an unknown group: NoSuchGroup" expect_error "org.cgsup1.Error.NoSuchGroup" dsend RemoveGroup string:nosuch
check "RemoveGroup with an empty name: InvalidArgument" expect_error "org.cgsup1.Error.InvalidArgument" dsend RemoveGroup string:
alive "bad group arguments"
check "stop idle" bctl call "${M[@]}" StopProgram s idle
check "RemoveGroup of a stopped group the file still lists" bctl call "${M[@]}" RemoveGroup s idle
check "... it is gone" expect_error org.cgsup1.Error.NoSuchProgram dsend GetProgram string:idle
check "... Reread reports it available again" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} Reread | grep -qx 'asasas 1 \"idle\" 0 0'"
check "... ListConfiguredPrograms lists it not in use" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} ListConfiguredPrograms | grep -q '\"idle\" \"idle\" false false'"
check "AddGroup brings it back" bctl call "${M[@]}" AddGroup s idle
check "... with an object, STOPPED (autostart=false)" wait_state idle STOPPED
check "RemoveGroup, then UpdateGroups brings it back too" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} RemoveGroup s idle &&
        busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 idle | grep -qx 'asasas 1 \"idle\" 0 0'"
# Only the named group changes: web's new command stays pending, its process untouched.
WEB_PID=$(pid_of web)
cp "$TEST_DIR/cgsup.conf" "$TEST_DIR/cgsup.conf.good"
sed -i '/^\[program:web\]/,/^$/s/exec sleep 1000/exec sleep 1001/' "$TEST_DIR/cgsup.conf"
printf '\n[program:late2]\ncommand = sleep 1000\nstartsecs = 0\n' >>"$TEST_DIR/cgsup.conf"
check "UpdateGroups late2 adds late2 only" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 late2 | grep -qx 'asasas 1 \"late2\" 0 0'"
check "late2 runs" wait_state late2 RUNNING
check "web's process was not touched" test "$(pid_of web)" == "$WEB_PID"
check "web's change is still pending" bash -c "
        out=\$(busctl --address='$BUS_ADDRESS' call ${M[*]} Reread); [[ \$out == 'asasas 0 1 \"web\" 0' ]] || { echo \"\$out\"; exit 1; }"
echo "startsecs = not-a-number" >>"$TEST_DIR/cgsup.conf"
check "UpdateGroups of an invalid file: BadConfig with file:line" bash -c "
        $(declare -f dsend expect_error); BUS_ADDRESS='$BUS_ADDRESS'
        expect_error 'org.cgsup1.Error.BadConfig' dsend UpdateGroups array:string:web | grep -q 'cgsup.conf:'"
check "an invalid file changed nothing" test "$(pid_of web)" == "$WEB_PID"
alive "UpdateGroups of an invalid file"
cp "$TEST_DIR/cgsup.conf.good" "$TEST_DIR/cgsup.conf"

# A program moving into an updated group takes its old group along: one name never runs twice, in two groups.
n_named() { busctl --address="$BUS_ADDRESS" --json=short call "${M[@]}" "${2:-ListPrograms}" |
        python3 -c 'import json,sys; print(sum(p[0] == sys.argv[1] for p in json.load(sys.stdin)["data"][0]))' "$1"; }
WEB_PID=$(pid_of web)
printf '\n[group:apps]\nprograms = web\n' >>"$TEST_DIR/cgsup.conf"
check "UpdateGroups apps, web moving in from its own group: apps added, web removed" bash -c "
        out=\$(busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 apps)
        [[ \$out == 'asasas 1 \"apps\" 0 1 \"web\"' ]] || { echo \"\$out\"; exit 1; }"
check "... web runs in group apps, a new process" bash -c "
        $(declare -f wait_state prop bctl); BUS_ADDRESS='$BUS_ADDRESS'
        wait_state web RUNNING && [[ \$(prop web Group) == apps && \$(prop web MainPID) != $WEB_PID ]]"
check "... and only once" bash -c "$(declare -f n_named); M=(${M[*]}); BUS_ADDRESS='$BUS_ADDRESS'
        for i in \$(seq 100); do [[ \$(n_named web) == 1 ]] && exit 0; sleep 0.1; done; n_named web; exit 1"
check "... and configured once, in apps" bash -c "$(declare -f n_named); M=(${M[*]}); BUS_ADDRESS='$BUS_ADDRESS'
        [[ \$(n_named web ListConfiguredPrograms) == 1 ]] || { n_named web ListConfiguredPrograms; exit 1; }"
check "... nothing about web or apps left pending" bash -c "
        out=\$(busctl --address='$BUS_ADDRESS' call ${M[*]} Reread); [[ \$out == 'asasas 0 0 1 \"late2\"' ]] || { echo \"\$out\"; exit 1; }"
alive "a program moving between groups"

# A group back in the file while its removal is still under way (its stop waits out stopwaitsecs) is started
# again once that stop is over, as the reply says it was added (supervisord's addProcessGroup starts it).
cp "$TEST_DIR/cgsup.conf" "$TEST_DIR/cgsup.conf.good"
cat >>"$TEST_DIR/cgsup.conf" <<EOF

[program:left]
command = /bin/sh -c 'echo started >>$TEST_DIR/left.starts; trap "" TERM; while :; do sleep 0.1; done'
startsecs = 0
stopwaitsecs = 2
EOF
check "UpdateGroups left starts it" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 left >/dev/null"
check "... RUNNING" wait_state left RUNNING
cp "$TEST_DIR/cgsup.conf" "$TEST_DIR/cgsup.conf.left"
cp "$TEST_DIR/cgsup.conf.good" "$TEST_DIR/cgsup.conf"
busctl --address="$BUS_ADDRESS" call "${M[@]}" UpdateGroups as 1 left >/dev/null 2>&1 & # answers when stopped
REMOVING=$!
check "UpdateGroups left, left out of the file: STOPPING (SIGTERM ignored)" wait_state left STOPPING
cp "$TEST_DIR/cgsup.conf.left" "$TEST_DIR/cgsup.conf"
check "UpdateGroups left, back in the file while it stops: added" bash -c "
        out=\$(busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 left); [[ \$out == 'asasas 1 \"left\" 0 0' ]] || { echo \"\$out\"; exit 1; }"
wait "$REMOVING"
check "... left is started again once the stop is over" bash -c "
        for i in \$(seq 100); do [[ \$(wc -l <'$TEST_DIR/left.starts') == 2 ]] && exit 0; sleep 0.1; done; cat '$TEST_DIR/left.starts'; exit 1"
check "... RUNNING" wait_state left RUNNING

# A partial reload of a scaled program's group goes back to the file's numprocs= and forgets the scale then.
cat >>"$TEST_DIR/cgsup.conf" <<EOF

[program:worker]
command = sleep 1000
process_name = %(program_name)s_%(process_num)s
numprocs = 2
startsecs = 0
EOF
check "UpdateGroups worker adds 2 instances" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 worker >/dev/null && busctl --address='$BUS_ADDRESS' call ${M[*]} GetProgram s worker_1 >/dev/null"
check "ScaleProgram worker 3" bash -c "busctl --address='$BUS_ADDRESS' call ${M[*]} ScaleProgram su worker 3 | grep -qx 'uu 2 3'"
check "UpdateGroups worker goes back to numprocs=2 and says the scale is forgotten" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} UpdateGroups as 1 worker >/dev/null &&
        grep -q 'Reload: worker goes back from 3 instances (scale)' '$TEST_DIR/cgsupd.log'"
check "... a full Reload later does not say it again" bash -c "
        busctl --address='$BUS_ADDRESS' call ${M[*]} Reload >/dev/null &&
        [[ \$(grep -c 'Reload: worker goes back from 3 instances' '$TEST_DIR/cgsupd.log') == 1 ]]"

# ---- shutdown ----
check "Shutdown replies" bctl call "${M[@]}" Shutdown
check "cgsupd exits after Shutdown" bash -c "for i in \$(seq 300); do kill -0 $CGSUPD_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
check "no program process is left in the subtree" bash -c "
        [[ ! -d '$CG_MOUNT/$CG_SUBTREE' ]] || ! find '$CG_MOUNT/$CG_SUBTREE' -name cgroup.procs -exec cat {} + | grep -q ."

tap_done
