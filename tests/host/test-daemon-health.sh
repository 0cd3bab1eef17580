#!/usr/bin/env bash
# Readiness and liveness checks (issue 11, item 4), each with its own keys:
#   - readiness by log line gates depends_on=x:healthy: the dependent starts only after the line is printed;
#   - liveness by exec restarts the program (a restart job of the daemon's, exit reason "health");
#   - http readiness through libcurl against a local python3 http.server, through a redirect, and https
#     against a self-signed certificate that libcurl must refuse (TLS really happens);
#   - cgsupctl ready / health print one line per program and exit 0 only when all are ready / healthy;
#     the Ready and ReadinessCheck properties on D-Bus.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "no $PY (ENOENT)"
dl_setup health
PORT=$((20000 + $$ % 20000))
PORT2=$((PORT + 1))
mkdir -p "$T/www/sub"
echo ok >"$T/www/sub/index.html"
touch "$T/alive"

HAVE_TLS=0
if command -v openssl >/dev/null &&
        openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout "$T/key.pem" \
                -out "$T/cert.pem" >/dev/null 2>&1; then
        HAVE_TLS=1
fi

cat >"$T/cgsup.conf" <<CONF
[program:db]
; prints its readiness line only once the test creates $T/go
command=bash -c 'echo starting; while [ ! -e $T/go ]; do sleep 0.05; done; echo "listening on 5432"; exec sleep infinity'
startsecs=0
readiness_log_line=^listening on [0-9]+\$
readiness_interval=60
liveness_command=true

[program:app]
command=bash -c 'touch $T/app.started; exec sleep infinity'
depends_on=db:healthy
startsecs=0

[program:live]
command=sleep infinity
startsecs=0
liveness_command=test -e $T/alive
liveness_interval=1
liveness_retries=2

[program:web]
; /sub answers 301 to /sub/ (http.server's directory redirect): the check follows it to the 200
command=$PY -m http.server $PORT --bind 127.0.0.1 --directory $T/www
startsecs=0
readiness_target=http://127.0.0.1:$PORT/sub
readiness_interval=1
readiness_start_period=30
CONF
if ((HAVE_TLS)); then
        cat >>"$T/cgsup.conf" <<CONF

[program:tls]
command=$PY -c 'import http.server, ssl; s = http.server.HTTPServer(("127.0.0.1", $PORT2), http.server.SimpleHTTPRequestHandler); c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain("$T/cert.pem", "$T/key.pem"); s.socket = c.wrap_socket(s.socket, server_side=True); s.serve_forever()'
directory=$T/www
startsecs=0
autorestart=false
healthcheck_target=https://127.0.0.1:$PORT2/
healthcheck_interval=1
healthcheck_retries=1
healthcheck_start_period=5
CONF
fi

# Its table goes to $T/ctl.out (stdout is TAP).
ctl() {
        timeout 60 "$CGSUPCTL" "$@" >"$T/ctl.out"
}

prop() {
        busctl --system get-property org.cgsup1 "/org/cgsup1/program/$1" org.cgsup1.Program "${@:2}" | tr '\n' ' '
}
export -f prop

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "db runs" wait_state db RUNNING 10
check "app waits for db's readiness" wait_until 10 log_has "app: Not starting yet: waiting for db"
check "ready db: exit 1 before the line" bash -c "! '$CGSUPCTL' ready db >$T/ready.out"
check "ready db: says not ready" grep -q "^db *not ready" "$T/ready.out"
check "D-Bus: Ready=false, ReadinessCheck=log_line" bash -c "[[ \"\$(prop db Ready ReadinessCheck)\" == 'b false s \"log_line\" ' ]]"
check "app not started before the line" test ! -e "$T/app.started"
touch "$T/go"
check "db ready by its log line" wait_until 10 log_has "db: Readiness check passed"
check "app started once db printed the line" wait_until 10 test -e "$T/app.started"
check "ready db app: exit 0" ctl ready db app
check "D-Bus: Ready=true" bash -c "[[ \"\$(prop db Ready)\" == 'b true ' ]]"

check "web ready through http (a 301 followed to the 200)" wait_until 20 log_has "web: Readiness check passed"
check "health live web: exit 0" ctl health live web
check "health: one line each, with the check's type" grep -q "^live *healthy *exec" "$T/ctl.out"
check "health nosuch: exit 4 (no such program), not 1 (unhealthy)" bash -c "
        '$CGSUPCTL' health live nosuch >/dev/null 2>'$T/nosuch.err'; rc=\$?
        [[ \$rc -eq 4 ]] && grep -q \"No such program: 'nosuch'\" '$T/nosuch.err' || { echo rc=\$rc; cat '$T/nosuch.err'; exit 1; }"
check "ready nosuch: exit 4" bash -c "'$CGSUPCTL' ready nosuch >/dev/null 2>&1; [[ \$? -eq 4 ]]"
check "health --json: live is healthy" bash -c "'$CGSUPCTL' --json health live | grep -q '\"healthy\": *true'"

pid=$(field_of live pid)
# HealthFailures is announced when a check fails, not only with the next state change: a client watching
# the bus sees 1 (the state change to UNHEALTHY comes with 2).
MON_PID=
if command -v dbus-monitor >/dev/null; then
        dbus-monitor --address "$DBUS_SYSTEM_BUS_ADDRESS" \
                "type='signal',interface='org.freedesktop.DBus.Properties',path='/org/cgsup1/program/live'" \
                >"$T/monitor.out" 2>&1 &
        MON_PID=$!
        wait_until 10 grep -q "NameAcquired\|signal" "$T/monitor.out"
fi
rm -f "$T/alive"
check "live: liveness failures counted" wait_until 10 \
        log_has "live: Liveness check failed (1/2): the liveness command exited with 1"
check "live: UNHEALTHY after 2 failures" wait_until 10 log_has "live: RUNNING -> UNHEALTHY"
if [[ -n $MON_PID ]]; then
        check "live: PropertiesChanged carried HealthFailures=1 before the state moved" wait_until 10 \
                bash -c "grep -A1 '\"HealthFailures\"' '$T/monitor.out' | grep -q 'uint32 1\$'"
        kill "$MON_PID" 2>/dev/null
        wait "$MON_PID" 2>/dev/null
else
        ok "# SKIP HealthFailures signal: dbus-monitor not installed"
fi
touch "$T/alive"
check "live: restarted, running with a new pid" wait_until 15 \
        bash -c "[[ \$(sed -n 's/^state=//p' $RUNDIR/state/live) == RUNNING && \$(sed -n 's/^pid=//p' $RUNDIR/state/live) != $pid ]]"
check "live: the exit is counted as a health failure" bash -c \
        "'$CGSUPCTL' metrics | grep -q '^cgsup_program_exits_total{program=\"live\",group=\"live\",reason=\"health\"} 1\$'"
check "live: healthy again" wait_until 10 ctl health live

if ((HAVE_TLS)); then
        check "https: libcurl refuses the self-signed certificate" wait_until 20 bash -c \
                "grep -q 'tls: Readiness check failed (1/1): https://127.0.0.1:$PORT2/: SSL certificate problem' $DAEMON_LOG"
else
        ok "# SKIP https: openssl cannot make a certificate here"
fi
check "ready (all): exit 1 while one is not ready" bash -c "! '$CGSUPCTL' ready >/dev/null"
check "ready nosuch: exit 1" bash -c "! '$CGSUPCTL' ready nosuch 2>/dev/null"

dl_stop
check "clean shutdown" test $? -eq 0
done_testing
