#!/bin/bash
# SPDX-License-Identifier: MIT
# [cgsupd] log_format=json: cgsupd's own log lines, on stderr and in its logfile, are one JSON object per
# line with time, level, message and (for a line about a program) program; a bad value is a config error.

. "$(dirname "$0")/daemon-lib.sh"

dl_requirements
dl_setup logjson

cat >"$T/cgsup.conf" <<EOF
[cgsupd]
log_format = json
logfile = $T/own.log
logfile_maxbytes = 0

[program:web]
command = sleep 1000
startsecs = 0

EOF

"$CGSUPD" -c "$T/cgsup.conf" --cgroup "$SUBTREE" >"$DAEMON_LOG" 2>&1 &
CGSUPD_PID=$!
check "cgsupd starts and says it is ready (in JSON)" wait_until 60 grep -q '"message":"cgsupd .* ready:' "$DAEMON_LOG"
check "web is RUNNING" wait_state web RUNNING 20

# check_lines FILE: from the first JSON line on, every line is an object with the fields of cgsup.conf(5).
check_lines() {
        python3 - "$1" <<'PY'
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
first = next((i for i, l in enumerate(lines) if l.startswith("{")), None)
assert first is not None, "no JSON line"
stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
n = 0
for l in lines[first:]:
    o = json.loads(l)
    keys = set(o)
    assert keys in ({"time", "level", "message"}, {"time", "level", "message", "program"}), o
    assert stamp.match(o["time"]), o
    assert o["level"] in ("critical", "error", "warning", "notice", "info", "debug"), o
    assert isinstance(o["message"], str) and o["message"], o
    n += 1
assert n >= 3, n
print(n, "lines")
PY
}
check "stderr: every line after the configuration is read is one JSON object" check_lines "$DAEMON_LOG"
check "the logfile too" check_lines "$T/own.log"
check "a line about web has program web, and the message does not repeat it" python3 -c "
import json, sys
objs = [json.loads(l) for l in open('$T/own.log') if l.startswith('{')]
web = [o for o in objs if o.get('program') == 'web']
assert web, objs
assert any(o['message'].startswith('Started') for o in web), web
assert not any(o['message'].startswith('web: ') for o in web), web"
check "a line about no program has no program field" python3 -c "
import json
objs = [json.loads(l) for l in open('$T/own.log') if l.startswith('{')]
assert any('ready:' in o['message'] and 'program' not in o for o in objs), objs"
dl_stop
check "clean shutdown" test $? -eq 0
check "the shutdown lines are JSON too" bash -c "tail -n 1 '$T/own.log' | python3 -c 'import json,sys; json.loads(sys.stdin.read())'"

printf '[cgsupd]\nlog_format = xml\n[program:x]\ncommand = /bin/true\n' >"$T/bad.conf"
check "log_format = xml: a config error naming the file:line and the values" bash -c "
        ! '$CGSUPD' --check-config -c '$T/bad.conf' >'$T/bad.out' 2>&1 && grep -q 'bad.conf:2' '$T/bad.out' &&
        grep -q 'text or json' '$T/bad.out' || { cat '$T/bad.out'; exit 1; }"
done_testing
