#!/bin/bash
# SPDX-License-Identifier: MIT
# Security with the real polkitd (issue 8, item 8), in one boot: the unprivileged user cgsuptest (no
# polkit rule, no active session) reads states, but every call that starts, stops, restarts, signals,
# freezes, changes limits, reloads, reads a program's environment or output, or runs something as another
# user is refused with AccessDenied and changes nothing; the Environment property carries names only; and
# neither the programs' environment values nor their argv ever reach cgsupd's own log (the journal).
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bus.sh"

[[ -e /usr/share/polkit-1/actions/org.cgsup1.policy ]] || skip_all "org.cgsup1.policy not installed"
id cgsuptest >/dev/null 2>&1 || skip_all "no user cgsuptest"

ENV_SECRET=vmtest-env-s3cret-4711
ARGV_SECRET=vmtest-argv-s3cret-0815
rm -f /etc/polkit-1/rules.d/50-cgsup-admin.rules
systemctl try-restart polkit.service
write_system_config
cat >>"$CGSUP_CONF_DIR/cgsup.conf" <<CONF

[program:secret]
command = sh -c 'exec sleep infinity' $ARGV_SECRET
environment = DB_PASSWORD="$ENV_SECRET"
startsecs = 0
CONF
since=$(date '+%Y-%m-%d %H:%M:%S')
if start_system_cgsupd; then
        ok "cgsupd runs and owns org.cgsup1"
else
        not_ok "cgsupd runs and owns org.cgsup1" "$(journalctl -u cgsupd --no-pager -n 30 2>&1)"
        exit 1
fi
check "secret RUNNING" wait_for 60 bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program State) == *RUNNING* ]]"
pid=$(busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program MainPID | cut -d' ' -f2)

# ---- what the user may do: read ----
check "cgsuptest: ListPrograms lists the programs" bash -c "$(declare -f as_user user_send); CGSUP_TEST_USER=$CGSUP_TEST_USER; user_send ListPrograms | grep -q secret"
check "cgsuptest: reads a program's State" bash -c "runuser -u $CGSUP_TEST_USER -- busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program State | grep -q RUNNING"
check "cgsuptest: cgsupctl status works" as_user cgsupctl status secret
env_prop=$(as_user busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program Environment 2>&1)
if [[ $env_prop == *DB_PASSWORD* && $env_prop != *"$ENV_SECRET"* ]]; then
        ok "cgsuptest: the Environment property names the variable, without its value"
else
        not_ok "cgsuptest: the Environment property names the variable, without its value" "$env_prop"
fi

# ---- what the user may not do ----
denied() {
        local what=$1 out
        shift
        out=$("$@" 2>&1)
        if grep -q 'AccessDenied\|Access denied' <<<"$out"; then
                ok "cgsuptest: $what is refused (AccessDenied)"
        else
                not_ok "cgsuptest: $what is refused (AccessDenied)" "$out"
        fi
}
user_busctl() {
        as_user busctl --system --timeout=60 call org.cgsup1 /org/cgsup1 org.cgsup1.Manager "$@"
}
denied "StartProgram" user_busctl StartProgram s idle
denied "StopProgram" user_busctl StopProgram s secret
denied "RestartProgram" user_busctl RestartProgram s secret
denied "EnqueueJobs stop" user_busctl EnqueueJobs ss stop all
denied "KillProgram" user_busctl KillProgram ss secret KILL
denied "KillProgramWho" user_busctl KillProgramWho sss secret TERM all
denied "FreezeProgram" user_busctl FreezeProgram s secret
denied "SetProperties MemoryMax" user_busctl SetProperties sa{sv} secret 1 MemoryMax t 1048576
denied "GetProgramEnvironment" user_busctl GetProgramEnvironment s secret
denied "GetProgramOutput" user_busctl GetProgramOutput sstt secret stdout 0 0
denied "RunTransient as root" user_busctl RunTransient asa{sv} 1 /bin/true 1 User s root
denied "Reload" user_busctl Reload
denied "Update" user_busctl Update
denied "Shutdown" user_busctl Shutdown
check "cgsuptest: cgsupctl tail is refused" bash -c "! runuser -u $CGSUP_TEST_USER -- cgsupctl tail secret >/dev/null 2>&1"
check "cgsuptest: cgsupctl run --uid root is refused" bash -c "! runuser -u $CGSUP_TEST_USER -- cgsupctl run --uid root --wait -- true >/dev/null 2>&1"

# ---- nothing changed ----
check "secret still RUNNING with the same pid" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program MainPID | cut -d' ' -f2) == $pid ]] && kill -0 $pid"
check "idle still STOPPED" test "$(program_state idle)" = STOPPED
check "secret not frozen" bash -c "busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program Frozen | grep -q false"
check "MemoryMax unchanged" bash -c "[[ \$(busctl --system get-property org.cgsup1 /org/cgsup1/program/secret org.cgsup1.Program MemoryMax) != 't 1048576' ]]"
check "cgsupd still running" systemctl is-active --quiet cgsupd.service

# ---- root may read the secrets; they never reach cgsupd's own log ----
out=$(busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgramEnvironment s secret 2>&1)
check "root: GetProgramEnvironment returns the value" grep -q "DB_PASSWORD=$ENV_SECRET" <<<"$out"
# Something for the log to talk about: a restart of the program, a reload, a refused change.
busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager RestartProgram s secret >/dev/null 2>&1
busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager Reload >/dev/null 2>&1
journal=$(journalctl -u cgsupd --since "$since" --no-pager -o cat 2>&1)
diag "cgsupd's journal since the start: $(wc -l <<<"$journal") lines"
check "cgsupd's log has lines at all" test "$(wc -l <<<"$journal")" -ge 3
check "cgsupd's log never shows an environment value" bash -c "! grep -q -- '$ENV_SECRET' <<<\"\$1\"" _ "$journal"
check "cgsupd's log never shows a program's argv" bash -c "! grep -q -- '$ARGV_SECRET' <<<\"\$1\"" _ "$journal"
