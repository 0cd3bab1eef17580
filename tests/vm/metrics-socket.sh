#!/bin/bash
# cgsup-metrics as installed, under systemd on a pure cgroup v2 host: cgsup-metrics.socket listens on
# 127.0.0.1:9558, the first scrape starts cgsup-metrics.service (unprivileged, sandboxed), and
# /metrics has the figures the host tier cannot show: memory and pids against their limits, the limit
# series of a [group:x], and PSI exactly where the kernel has pressure files.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupd >/dev/null || skip_all "cgsupd is not installed"
[[ -x ${CGSUP_HOG:-} ]] || skip_all "CGSUP_HOG (cgsup-hog) not available"
systemctl cat cgsupd.service >/dev/null 2>&1 || skip_all "cgsupd.service is not installed"
systemctl cat cgsup-metrics.socket >/dev/null 2>&1 || skip_all "cgsup-metrics.socket is not installed"

work=$(mktemp -d /run/cgsup-metrics.XXXXXX)
chmod 0755 "$work"
install -m 0755 "$CGSUP_HOG" "$work/cgsup-hog"
mkdir -p /etc/cgsup
on_exit rm -rf "$work" /etc/cgsup/cgsup.conf
on_exit systemctl stop cgsupd.service
on_exit systemctl stop cgsup-metrics.socket cgsup-metrics.service

cat >/etc/cgsup/cgsup.conf <<EOF
[program:steady]
command=$work/cgsup-hog sleep inf
memory_max=100M
pids_max=50
startsecs=0

[program:member]
command=$work/cgsup-hog sleep inf
startsecs=0

[group:farm]
programs=member
memory_max=300M
EOF

# scrape: GET /metrics on the socket unit's address with bash's /dev/tcp (the image has no HTTP client).
scrape() {
        local out=$1
        exec 3<>/dev/tcp/127.0.0.1/9558 || return 1
        printf 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' >&3
        timeout 20 cat <&3 >"$out"
        exec 3<&-
        head -n 1 "$out" | grep -q '^HTTP/1.1 200 '
}

check "cgsupd.service starts" timeout 120 systemctl start cgsupd.service
check "cgsup-metrics.socket starts" timeout 60 systemctl start cgsup-metrics.socket
check "the socket listens on 127.0.0.1:9558 only" bash -c "ss -Hltn | awk '{ print \$4 }' | grep -qx '127.0.0.1:9558'"
check "steady is RUNNING" wait_for 60 bash -c "busctl get-property org.cgsup1 /org/cgsup1/program/steady org.cgsup1.Program State | grep -q RUNNING"
check "the first scrape starts cgsup-metrics.service and answers 200" wait_for 60 scrape "$work/m"
check "cgsup-metrics reaches cgsupd over the system bus (cgsup_up 1)" bash -c "grep -qx 'cgsup_up 1' '$work/m' || { cat '$work/m'; journalctl -u cgsup-metrics.service --no-pager | tail -n 5; false; }"
check "cgsup-metrics.service does not run as root" bash -c "
        pid=\$(systemctl show -P MainPID cgsup-metrics.service); [[ \$pid -gt 0 ]] &&
        [[ \$(ps -o uid= -p \$pid | tr -d ' ') -ne 0 ]]"

check "memory and its limit" bash -c "
        grep -qx 'cgsup_program_memory_max_bytes{program=\"steady\",group=\"steady\"} 104857600' '$work/m' &&
        grep -Eq '^cgsup_program_memory_bytes\\{program=\"steady\",group=\"steady\"\\} [1-9][0-9]*\$' '$work/m'"
check "pids and its limit" bash -c "
        grep -qx 'cgsup_program_pids_max{program=\"steady\",group=\"steady\"} 50' '$work/m' &&
        grep -Eq '^cgsup_program_pids\\{program=\"steady\",group=\"steady\"\\} [1-9]' '$work/m'"
check "the group's limit and memory" bash -c "
        grep -qx 'cgsup_group_memory_max_bytes{group=\"farm\"} 314572800' '$work/m' &&
        grep -q '^cgsup_group_memory_bytes{group=\"farm\"} ' '$work/m'"
check "the group member is labelled as cgsupctl status names it" \
        grep -q '^cgsup_program_up{program="farm:member",group="farm"} 1' "$work/m"
check "no memory limit series for a program without one" bash -c "! grep -q '^cgsup_program_memory_max_bytes{program=\"farm:member\"' '$work/m'"
leaf=$(busctl get-property org.cgsup1 /org/cgsup1/program/steady org.cgsup1.Program CGroup | cut -d'"' -f2)
if cat "/sys/fs/cgroup$leaf/memory.pressure" >/dev/null 2>&1; then
        check "PSI memory full where the kernel has pressure files" \
                grep -q '^cgsup_program_pressure_seconds_total{program="steady",group="steady",resource="memory",kind="full"} ' "$work/m"
else
        check "no PSI series without pressure files" bash -c "! grep -q '^cgsup_program_pressure_seconds_total' '$work/m'"
fi
check "cgsupctl metrics prints the same families" bash -c "
        cgsupctl metrics | grep -q '^cgsup_program_memory_max_bytes{program=\"steady\",group=\"steady\"} 104857600\$'"
# cgsupctl top reads the same GetMetrics(): with the controllers of this host, memory and pids against
# their limits (the host tier shows '-' there).
cgsupctl top -b -n 2 --delay 0.5 >"$work/top" 2>&1
diag "$(cat "$work/top")"
check "cgsupctl top: memory and pids against their limits" bash -c "
        awk '/^cgsupctl top - /{ f++ } f == 2' '$work/top' |
        grep -Eq '^steady +RUNNING +[0-9]+\.[0-9] +[0-9.]+[BKMG]/100M +[0-9.]+[BKMG] +[0-9]+/50 '"
check "cgsupctl top: the group member as status names it" grep -q '^farm:member  *RUNNING ' "$work/top"
