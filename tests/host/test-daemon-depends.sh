#!/usr/bin/env bash
# depends_on = x:succeeded (issue 14, item 5): the dependent waits for x's exit with an expected code and
# starts after it; an exit 3 is reported as unmet: the dependent goes FATAL with the reason instead of
# waiting forever, and the reason reaches the bus. depends_on = x:log_ready: the dependent starts once x
# printed the line its readiness_log_line matches, not when x is merely RUNNING.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
command -v busctl >/dev/null || skip_all "busctl not installed"
dl_setup depends

cat >"$T/cgsup.conf" <<EOF
[program:migrate]
command=bash -c 'sleep 1; exit 0'
startsecs=0
autorestart=false

[program:app]
command=$CGSUP_HOG sleep inf
depends_on=migrate:succeeded
startsecs=0

[program:badmig]
command=bash -c 'sleep 1; exit 3'
startsecs=0
autorestart=false

[program:app2]
command=$CGSUP_HOG sleep inf
depends_on=badmig:succeeded
startsecs=0

[program:db]
command=bash -c 'echo booting; sleep 1; echo "db: accepting connections"; exec sleep inf'
startsecs=0
readiness_log_line=accepting connections
readiness_interval=200ms
readiness_retries=150

[program:web]
command=$CGSUP_HOG sleep inf
depends_on=db:log_ready
startsecs=0
EOF

line_of() { grep -n -- "$1" "$DAEMON_LOG" | head -1 | cut -d: -f1; }

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "app waits for migrate (succeeded)" wait_until 10 log_has "app: Not starting yet: waiting for migrate (succeeded)"
check "app RUNNING after migrate succeeded" wait_state app RUNNING 20
check "migrate EXITED (exit 0)" state_is migrate EXITED
check "app started only after migrate exited" bash -c "
        e=\$(grep -n 'migrate: RUNNING -> EXITED' '$DAEMON_LOG' | head -1 | cut -d: -f1)
        s=\$(grep -n '^cgsupd: app: Started' '$DAEMON_LOG' | head -1 | cut -d: -f1)
        [[ -n \$e && -n \$s && \$e -lt \$s ]]"

check "app2: exit 3 of badmig is unmet: FATAL" wait_state app2 FATAL 20
check "the reason names the dependency and the exit" log_has "app2: Not starting: dependency badmig (succeeded) cannot be met: badmig did not succeed (exit 3"
check "app2 never started" bash -c "! grep -q '^cgsupd: app2: Started' '$DAEMON_LOG'"
reason=$(busctl --system get-property org.cgsup1 /org/cgsup1/program/app2 org.cgsup1.Program ExitReason 2>&1)
diag "app2 ExitReason: $reason"
check "ExitReason is dependency" test "$reason" = 's "dependency"'

check "web RUNNING after db's ready line" wait_state web RUNNING 20
check "web started only after db's readiness passed" bash -c "
        e=\$(grep -n 'db: Readiness check passed' '$DAEMON_LOG' | head -1 | cut -d: -f1)
        s=\$(grep -n '^cgsupd: web: Started' '$DAEMON_LOG' | head -1 | cut -d: -f1)
        [[ -n \$e && -n \$s && \$e -lt \$s ]]"
check "web waited for db (log_ready)" log_has "web: Not starting yet: waiting for db (log_ready)"

check "cgsupd stops" dl_stop
done_testing
