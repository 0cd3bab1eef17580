#!/bin/bash
# SPDX-License-Identifier: MIT
# Metrics end to end: cgsupd on a private bus, `cgsupctl metrics` (also as uid 65534), cgsup-metrics
# --listen on a port of its own choosing (HTTP status codes, Accept negotiation, the deadline for a silent
# client, cgsup_up 0 without a daemon), `promtool check metrics` on both, and a real Prometheus server
# (Debian's package) scraping cgsup-metrics until its query API returns the series.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
bus_require_nobody
command -v python3 >/dev/null || skip_all "python3 not installed (ENOENT)"
[[ -n ${CGSUP_METRICS:-} && -x $CGSUP_METRICS ]] || skip_all "CGSUP_METRICS not set (run through meson test)"

METRICS_PID=
PROM_PID=
ACT_PID=
metrics_cleanup() {
        local pid
        for pid in $PROM_PID $ACT_PID $METRICS_PID; do
                stop_pid "$pid"
        done
        bus_cleanup
}
trap metrics_cleanup EXIT

cat >"$TEST_DIR/metrics.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0

[program:worker]
command = sleep 1000
process_name = worker_%(process_num)d
numprocs = 2
startsecs = 0

[program:batch]
command = sh -c 'echo batch says hello; exec sleep 1000'
startsecs = 0

[program:broken]
command = /nonexistent/program
startretries = 0

[group:pool]
programs = batch
EOF

start_daemon_or_bail "$TEST_DIR/metrics.conf"
check "web, worker_0/1 and batch are RUNNING" bash -c "$(declare -f prop wait_state bctl); BUS_ADDRESS='$BUS_ADDRESS'
        wait_state web RUNNING 20 && wait_state worker_0 RUNNING 20 && wait_state worker_1 RUNNING 20 && wait_state batch RUNNING 20"
check "broken is FATAL" bash -c "$(declare -f prop wait_state bctl); BUS_ADDRESS='$BUS_ADDRESS'; wait_state broken FATAL 20"

# has FILE LINE: FILE has exactly this line.
has() {
        if grep -qxF -- "$2" "$1"; then
                return 0
        fi
        echo "missing line: $2"
        grep -F -- "${2%%\{*}" "$1" | head -n 20
        return 1
}

# ---- cgsupctl metrics ----
check "cgsupctl metrics exits 0" bash -c "'$CGSUPCTL' metrics >'$TEST_DIR/ctl.prom'"
check "the daemon answered" has "$TEST_DIR/ctl.prom" 'cgsup_up 1'
check "up for every instance, named as cgsupctl status names it" bash -c "
        $(declare -f has)
        has '$TEST_DIR/ctl.prom' 'cgsup_program_up{program=\"web\",group=\"web\"} 1' &&
        has '$TEST_DIR/ctl.prom' 'cgsup_program_up{program=\"worker:worker_0\",group=\"worker\"} 1' &&
        has '$TEST_DIR/ctl.prom' 'cgsup_program_up{program=\"worker:worker_1\",group=\"worker\"} 1' &&
        has '$TEST_DIR/ctl.prom' 'cgsup_program_up{program=\"pool:batch\",group=\"pool\"} 1' &&
        has '$TEST_DIR/ctl.prom' 'cgsup_program_up{program=\"broken\",group=\"broken\"} 0'"
check "status names match the labels" bash -c "
        '$CGSUPCTL' status | awk 'NR > 1 { print \$1 }' | sort >'$TEST_DIR/status.names'
        sed -n 's/^cgsup_program_up{program=\"\\([^\"]*\\)\".*/\\1/p' '$TEST_DIR/ctl.prom' | sort >'$TEST_DIR/metrics.names'
        diff '$TEST_DIR/status.names' '$TEST_DIR/metrics.names'"
check "one state series per state, 1 for the current one" bash -c "
        $(declare -f has)
        has '$TEST_DIR/ctl.prom' 'cgsup_program_state{program=\"broken\",group=\"broken\",state=\"FATAL\"} 1' &&
        has '$TEST_DIR/ctl.prom' 'cgsup_program_state{program=\"broken\",group=\"broken\",state=\"RUNNING\"} 0' &&
        [[ \$(grep -c '^cgsup_program_state{program=\"web\",' '$TEST_DIR/ctl.prom') -eq 8 ]] &&
        [[ \$(grep -c '^cgsup_program_state{program=\"web\",.*} 1\$' '$TEST_DIR/ctl.prom') -eq 1 ]]"
check "programs by state" bash -c "
        $(declare -f has)
        has '$TEST_DIR/ctl.prom' 'cgsup_programs{state=\"RUNNING\"} 4' && has '$TEST_DIR/ctl.prom' 'cgsup_programs{state=\"FATAL\"} 1'"
check "the failed start is counted with its reason" has "$TEST_DIR/ctl.prom" \
        'cgsup_program_exits_total{program="broken",group="broken",reason="spawn-failed"} 1'
check "running programs have uptime and CPU time, the FATAL one has none" bash -c "
        grep -q '^cgsup_program_uptime_seconds{program=\"web\",group=\"web\"} ' '$TEST_DIR/ctl.prom' &&
        grep -q '^cgsup_program_cpu_seconds_total{program=\"worker:worker_1\",group=\"worker\",mode=\"user\"} ' '$TEST_DIR/ctl.prom' &&
        ! grep -q '^cgsup_program_uptime_seconds{program=\"broken\"' '$TEST_DIR/ctl.prom' &&
        ! grep -q '^cgsup_program_cpu_seconds_total{program=\"broken\"' '$TEST_DIR/ctl.prom'"
check "the daemon's own figures" bash -c "
        grep -Eq '^cgsup_daemon_resident_memory_bytes [1-9][0-9]*\$' '$TEST_DIR/ctl.prom' &&
        grep -Eq '^cgsup_daemon_bus_calls_total [1-9][0-9]*\$' '$TEST_DIR/ctl.prom' &&
        grep -q '^cgsup_daemon_info{version=\"' '$TEST_DIR/ctl.prom'"
# batch printed "batch says hello\n" (17 bytes, one line) at its start; the capture may take a moment.
check "captured output: lines and bytes by stream" bash -c "
        for _ in \$(seq 1 300); do
                '$CGSUPCTL' metrics >'$TEST_DIR/log.prom' &&
                        grep -qx 'cgsup_program_log_bytes_total{program=\"pool:batch\",group=\"pool\",stream=\"stdout\"} 17' '$TEST_DIR/log.prom' && break
                sleep 0.1
        done
        grep -qx 'cgsup_program_log_bytes_total{program=\"pool:batch\",group=\"pool\",stream=\"stdout\"} 17' '$TEST_DIR/log.prom' &&
        grep -qx 'cgsup_program_log_lines_total{program=\"pool:batch\",group=\"pool\",stream=\"stdout\"} 1' '$TEST_DIR/log.prom' &&
        grep -qx 'cgsup_program_log_bytes_total{program=\"web\",group=\"web\",stream=\"stdout\"} 0' '$TEST_DIR/log.prom' ||
                { grep '^cgsup_program_log_' '$TEST_DIR/log.prom'; false; }"
check "the [group:pool] cgroup has its own series" grep -q '^cgsup_group_cpu_seconds_total{group="pool",mode="user"} ' "$TEST_DIR/ctl.prom"

# PSI: series exactly where the kernel has pressure files (never zeros standing in for "unknown").
web_cgroup=$(prop web CGroup)
if cat "$CG_MOUNT$web_cgroup/cpu.pressure" >/dev/null 2>&1; then
        check "PSI series where the kernel has pressure files" \
                grep -q '^cgsup_program_pressure_seconds_total{program="web",group="web",resource="cpu",kind="some"} ' "$TEST_DIR/ctl.prom"
else
        check "no PSI series where the kernel has no pressure files" bash -c "! grep -q '^cgsup_program_pressure_seconds_total{program=\"web\"' '$TEST_DIR/ctl.prom'"
fi
# Limits: only where set; this host tier sets none (hybrid cgroups; limits are the VM tier's).
check "no limit series for programs without limits" bash -c "! grep -q '^cgsup_program_memory_max_bytes{program=\"web\"' '$TEST_DIR/ctl.prom'"

check "OpenMetrics on request, ending in # EOF" bash -c "
        '$CGSUPCTL' metrics --openmetrics >'$TEST_DIR/ctl.om' &&
        grep -qx '# TYPE cgsup_program_restarts counter' '$TEST_DIR/ctl.om' && [[ \$(tail -n 1 '$TEST_DIR/ctl.om') == '# EOF' ]]"
check "metrics with an argument is a usage error (exit 2)" bash -c "'$CGSUPCTL' metrics web; [[ \$? -eq 2 ]]"
check "any local user may read the metrics (uid 65534)" bash -c "
        $(declare -f as_nobody)
        as_nobody '$CGSUPCTL' metrics | grep -qx 'cgsup_program_up{program=\"web\",group=\"web\"} 1'"

if command -v promtool >/dev/null; then
        check "promtool check metrics accepts cgsupctl metrics" bash -c "promtool check metrics <'$TEST_DIR/ctl.prom'"
else
        tap_skip "promtool check metrics accepts cgsupctl metrics" "promtool not installed (ENOENT; Debian package prometheus)"
fi

# ---- cgsup-metrics over HTTP ----
"$CGSUP_METRICS" --listen 127.0.0.1:0 2>"$TEST_DIR/cgsup-metrics.log" &
METRICS_PID=$!
PORT=
for _ in $(seq 1 100); do
        PORT=$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TEST_DIR/cgsup-metrics.log" | head -n 1)
        [[ -n $PORT ]] && break
        kill -0 "$METRICS_PID" 2>/dev/null || break
        sleep 0.1
done
if [[ -z $PORT ]]; then
        tap_fail "cgsup-metrics --listen 127.0.0.1:0 reports its port"
        sed 's/^/#   /' "$TEST_DIR/cgsup-metrics.log"
        tap_done
        exit 1
fi
tap_ok "cgsup-metrics --listen 127.0.0.1:0 listens (port $PORT)"

# http METHOD PATH [ACCEPT]: prints the status, the Content-Type line, then the body (python3's http.client:
# no proxy settings, any method).
http() {
        python3 - "$PORT" "$@" <<'EOF'
import http.client, sys
port, method, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
headers = {"Accept": sys.argv[4]} if len(sys.argv) > 4 else {}
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
c.request(method, path, headers=headers)
r = c.getresponse()
print(r.status)
print(r.getheader("Content-Type"))
sys.stdout.write(r.read().decode())
EOF
}

# raw BYTES...: sends raw bytes, prints the status line of the answer.
raw() {
        python3 - "$PORT" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n", 1)[0].decode())
EOF
}

# One round trip per scrape: cgsupd's count of method calls grows by the three scrapes and the second
# reading's own call, nothing more.
bus_calls() { "$CGSUPCTL" metrics | sed -n 's/^cgsup_daemon_bus_calls_total //p'; }
calls_before=$(bus_calls)
for _ in 1 2 3; do http GET /metrics >/dev/null; done
calls_after=$(bus_calls)
diag "bus calls: $calls_before before, $calls_after after three scrapes"
check "three scrapes cost cgsupd three method calls (one GetMetrics each)" test "$((calls_after - calls_before))" -eq 4
check "GET /metrics: 200, text format 0.0.4, every program" bash -c "
        $(declare -f http has); PORT=$PORT
        http GET /metrics >'$TEST_DIR/http.out' || exit 1
        [[ \$(sed -n 1p '$TEST_DIR/http.out') == 200 ]] &&
        [[ \$(sed -n 2p '$TEST_DIR/http.out') == 'text/plain; version=0.0.4; charset=utf-8' ]] &&
        tail -n +3 '$TEST_DIR/http.out' >'$TEST_DIR/http.prom' &&
        has '$TEST_DIR/http.prom' 'cgsup_program_up{program=\"worker:worker_0\",group=\"worker\"} 1' &&
        has '$TEST_DIR/http.prom' 'cgsup_program_up{program=\"broken\",group=\"broken\"} 0'"
check "Accept: application/openmetrics-text gets OpenMetrics" bash -c "
        $(declare -f http); PORT=$PORT
        http GET /metrics 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' >'$TEST_DIR/http.om' || exit 1
        [[ \$(sed -n 2p '$TEST_DIR/http.om') == 'application/openmetrics-text; version=1.0.0; charset=utf-8' ]] &&
        [[ \$(tail -n 1 '$TEST_DIR/http.om') == '# EOF' ]]"
check "HEAD /metrics: 200" bash -c "$(declare -f http); PORT=$PORT; [[ \$(http HEAD /metrics | head -n 1) == 200 ]]"
check "GET /other: 404" bash -c "$(declare -f http); PORT=$PORT; [[ \$(http GET /other | head -n 1) == 404 ]]"
check "POST /metrics: 405" bash -c "$(declare -f http); PORT=$PORT; [[ \$(http POST /metrics | head -n 1) == 405 ]]"
check "a malformed request: 400" bash -c "$(declare -f raw); PORT=$PORT; [[ \$(raw 'GARBAGE\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]]"
check "HTTP/2.0 request line: 505" bash -c "$(declare -f raw); PORT=$PORT; [[ \$(raw 'GET /metrics HTTP/2.0\r\n\r\n') == 'HTTP/1.1 505 HTTP Version Not Supported' ]]"
check "a request head over 8 KiB: 431" bash -c "
        $(declare -f raw); PORT=$PORT
        [[ \$(raw \"GET /metrics HTTP/1.1\r\nX-Big: \$(head -c 9000 /dev/zero | tr '\\0' a)\r\n\r\n\") == 'HTTP/1.1 431 Request Header Fields Too Large' ]]"

# A client that connects and says nothing holds the one connection until the 10 s deadline, no longer.
python3 - "$PORT" >"$TEST_DIR/silent.out" <<'EOF' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
print("connected", flush=True)
time.sleep(60)
EOF
SILENT_PID=$!
for _ in $(seq 1 100); do
        grep -q connected "$TEST_DIR/silent.out" && break
        sleep 0.1
done
start=$SECONDS
check "a silent client is dropped at the deadline, then the next scrape is served" bash -c "
        $(declare -f http); PORT=$PORT; [[ \$(http GET /metrics | head -n 1) == 200 ]]"
diag "next scrape after a silent client took $((SECONDS - start)) s"
kill "$SILENT_PID" 2>/dev/null
wait "$SILENT_PID" 2>/dev/null

if command -v promtool >/dev/null; then
        check "promtool check metrics accepts cgsup-metrics' /metrics" bash -c "promtool check metrics <'$TEST_DIR/http.prom'"
else
        tap_skip "promtool check metrics accepts cgsup-metrics' /metrics" "promtool not installed (ENOENT; Debian package prometheus)"
fi

# ---- socket activation (what cgsup-metrics.socket does) ----
check "without --listen and without sockets from systemd: exit 1 with the reason" bash -c "
        '$CGSUP_METRICS' 2>'$TEST_DIR/nosock.err'; rc=\$?
        [[ \$rc -eq 1 ]] && grep -q 'No socket passed by systemd' '$TEST_DIR/nosock.err'"
if command -v systemd-socket-activate >/dev/null; then
        ACT_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        # Without --accept it passes the listening socket and execs cgsup-metrics in its own process. It
        # passes on only the environment named with -E.
        act_env=(-E DBUS_SYSTEM_BUS_ADDRESS)
        for var in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
                [[ -n ${!var:-} ]] && act_env+=(-E "$var")
        done
        systemd-socket-activate "${act_env[@]}" -l "127.0.0.1:$ACT_PORT" "$CGSUP_METRICS" 2>"$TEST_DIR/activate.log" &
        ACT_PID=$!
        check "socket-activated: GET /metrics on the passed socket" bash -c "
                $(declare -f http)
                for _ in \$(seq 1 100); do
                        PORT=$ACT_PORT http GET /metrics >'$TEST_DIR/act.out' 2>/dev/null && break
                        sleep 0.1
                done
                [[ \$(head -n 1 '$TEST_DIR/act.out') == 200 ]] && grep -q '^cgsup_program_up{program=\"web\"' '$TEST_DIR/act.out' ||
                        { head -n 5 '$TEST_DIR/act.out'; cat '$TEST_DIR/activate.log'; false; }"
        kill -TERM "$ACT_PID" 2>/dev/null
        wait "$ACT_PID" 2>/dev/null
        ACT_PID=
else
        tap_skip "socket-activated: GET /metrics on the passed socket" "systemd-socket-activate not installed (ENOENT)"
fi

if command -v promtool >/dev/null; then
        check "the example alert rules load (promtool check rules)" \
                promtool check rules "$CGSUP_SOURCE_DIR/examples/prometheus/cgsup-alerts.yml"
else
        tap_skip "the example alert rules load (promtool check rules)" "promtool not installed (ENOENT)"
fi

# ---- a real Prometheus server scrapes it ----
if command -v prometheus >/dev/null; then
        PROM_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        mkdir -p "$TEST_DIR/prom"
        cat >"$TEST_DIR/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: cgsup
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
        prometheus --config.file="$TEST_DIR/prom/prometheus.yml" --storage.tsdb.path="$TEST_DIR/prom/data" \
                --web.listen-address="127.0.0.1:$PROM_PORT" >"$TEST_DIR/prom/log" 2>&1 &
        PROM_PID=$!
        query() {
                python3 - "$PROM_PORT" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    data = json.load(opener.open(url, timeout=5))
except Exception:
    sys.exit(1)
for r in data.get("data", {}).get("result", []):
    print(r["metric"].get("program", ""), r["value"][1])
EOF
        }
        found=
        for _ in $(seq 1 240); do
                if query cgsup_program_up >"$TEST_DIR/prom/result" 2>/dev/null &&
                   grep -qx 'worker:worker_0 1' "$TEST_DIR/prom/result"; then
                        found=1
                        break
                fi
                kill -0 "$PROM_PID" 2>/dev/null || break
                sleep 0.5
        done
        if [[ -n $found ]]; then
                tap_ok "Prometheus scraped cgsup-metrics: its query API returns cgsup_program_up"
        else
                tap_fail "Prometheus scraped cgsup-metrics: its query API returns cgsup_program_up"
                sed 's/^/#   /' "$TEST_DIR/prom/result" 2>/dev/null
                tail -n 20 "$TEST_DIR/prom/log" | sed 's/^/#   /'
        fi
        check "Prometheus has every program" bash -c "
                grep -qx 'web 1' '$TEST_DIR/prom/result' && grep -qx 'worker:worker_1 1' '$TEST_DIR/prom/result' &&
                grep -qx 'pool:batch 1' '$TEST_DIR/prom/result' && grep -qx 'broken 0' '$TEST_DIR/prom/result'"
else
        tap_skip "Prometheus scraped cgsup-metrics: its query API returns cgsup_program_up" "prometheus not installed (ENOENT)"
        tap_skip "Prometheus has every program" "prometheus not installed (ENOENT)"
fi

# ---- without a daemon ----
kill -TERM "$CGSUPD_PID"
for _ in $(seq 1 300); do
        kill -0 "$CGSUPD_PID" 2>/dev/null || break
        sleep 0.1
done
wait "$CGSUPD_PID" 2>/dev/null
CGSUPD_PID=
check "without cgsupd, /metrics still answers 200 with cgsup_up 0" bash -c "
        $(declare -f http has); PORT=$PORT
        http GET /metrics >'$TEST_DIR/down.out' && [[ \$(head -n 1 '$TEST_DIR/down.out') == 200 ]] &&
        has '$TEST_DIR/down.out' 'cgsup_up 0' && ! grep -q '^cgsup_program_' '$TEST_DIR/down.out'"
check "without cgsupd, cgsupctl metrics fails with one line (exit 1)" bash -c "
        '$CGSUPCTL' metrics >/dev/null 2>'$TEST_DIR/ctl.err'; rc=\$?
        [[ \$rc -eq 1 && \$(wc -l <'$TEST_DIR/ctl.err') -eq 1 ]]"
check "cgsup-metrics kept running" kill -0 "$METRICS_PID"
check "cgsup-metrics ends on SIGTERM with status 0" bash -c "
        kill -TERM $METRICS_PID
        for _ in \$(seq 1 100); do kill -0 $METRICS_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
wait "$METRICS_PID"
rc=$?
METRICS_PID=
check "cgsup-metrics exit status 0 (got $rc)" test "$rc" -eq 0

if grep -qE 'Sanitizer|runtime error:' "$TEST_DIR/cgsup-metrics.log"; then
        tap_fail "cgsup-metrics log has no sanitizer reports"
        grep -E -A12 'Sanitizer|runtime error:' "$TEST_DIR/cgsup-metrics.log" | head -n 40 | sed 's/^/#   /'
fi
tap_done
