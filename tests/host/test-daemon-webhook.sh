#!/usr/bin/env bash
# [webhook:x] (issue 11, item 3): events POSTed as JSON to a local python3 http.server on the loopback that
# refuses the first two requests (503) and then accepts: the delivery is retried with backoff, the outage
# is logged once (and its end once), headers= reach the server, and an unknown event name is refused at
# load with file:line. libcurl is loaded only for a daemon that has a webhook (or an http(s) check): one
# without never maps it.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "no $PY (ENOENT)"
dl_setup webhook
PORT=$((20000 + $$ % 20000))

# Answers 503 to the first two POSTs, then 200; each accepted body on a line of $T/bodies, the X-Token
# header of each request on a line of $T/tokens.
$PY - "$PORT" "$T" <<'PY' &
import http.server, sys
port, d = int(sys.argv[1]), sys.argv[2]
seen = 0
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(d + "/tokens", "a") as f:
            f.write(str(self.headers.get("X-Token")) + " " + str(self.headers.get("Content-Type")) + "\n")
        if seen <= 2:
            self.send_response(503)
            self.end_headers()
            return
        with open(d + "/bodies", "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null; dl_cleanup' EXIT
wait_until 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null || skip_all "the test server did not start"

cat >"$T/plain.conf" <<CONF
[program:idle]
command = sleep 600
startsecs = 0
CONF
check "cgsupd without webhooks starts" dl_start "$T/plain.conf"
check "idle runs" wait_state idle RUNNING 15
check "and cgsupd has not mapped libcurl" bash -c "grep -q libc /proc/$CGSUPD_PID/maps && ! grep -q libcurl /proc/$CGSUPD_PID/maps"
dl_stop
check "clean shutdown" test $? -eq 0

cat >"$T/cgsup.conf" <<CONF
[webhook:ops]
url = http://127.0.0.1:$PORT/hook
events = FATAL
retries = 5
timeout = 5s
headers = X-Token="secret value"

[program:crash]
command = sh -c 'exit 3'
startsecs = 1
startretries = 0
CONF

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "crash goes FATAL" wait_state crash FATAL 15
check "a webhook loads libcurl" grep -q 'libcurl' "/proc/$CGSUPD_PID/maps"
check "the event arrives after two refusals" wait_until 30 test -s "$T/bodies"
check "three requests were made" bash -c "[[ \$(wc -l <$T/tokens) -eq 3 ]]"
check "the body is JSON with the event, program and state" $PY -c "
import json, sys
b = json.loads(open('$T/bodies').readline())
assert b['webhook'] == 'ops', b
assert b['event'] == 'PROCESS_STATE_FATAL', b
assert b['program'] == 'crash' and b['group'] == 'crash', b
assert b['from_state'] == 'BACKOFF' and b['state'] == 'FATAL', b
assert 'processname:crash groupname:crash from_state:BACKOFF' in b['payload'], b
assert b['serial'] >= 0 and b['timestamp'] > 0, b
"
check "headers= and Content-Type reach the server" grep -qx "secret value application/json" "$T/tokens"
check "the outage is logged once" bash -c "[[ \$(grep -c 'Webhook ops: POST http://127.0.0.1:$PORT/hook failed: the server answered 503' $DAEMON_LOG) -eq 1 ]]"
check "and its end once" log_has "Webhook ops: delivered again to http://127.0.0.1:$PORT/hook (after 2 failed attempts)"
dl_stop
check "clean shutdown" test $? -eq 0

cat >"$T/bad.conf" <<CONF
[program:a]
command = sleep 1

[webhook:ops]
url = http://127.0.0.1:$PORT/hook
events = FATAL, NOSUCHTHING
CONF
check "an unknown event name is refused at load with file:line" bash -c \
        "! '$CGSUPD' --check-config -c $T/bad.conf >$T/bad.out 2>&1 && grep -q '$T/bad.conf:6: .*\[webhook:ops\] events=.*NOSUCHTHING. is neither' $T/bad.out"
done_testing
