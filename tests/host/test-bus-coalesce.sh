#!/usr/bin/env bash
# The change queue (src/cgsupd/bus/bus-queue.c): changes of one program within one turn of the loop go out
# as one PropertiesChanged, and nothing clients need is lost. N programs are restarted, then stopped, by
# cgsupctl (which waits for the jobs) while dbus-monitor records every signal cgsupd sends. Then, from the
# recording alone:
#   - every program's last PropertiesChanged carries the State the daemon reports now;
#   - each JobRemoved comes after a PropertiesChanged of its program that carries the state the job ended
#     in (clients read the state when the job ends);
#   - each program's ProgramStateChanged signals chain (every old state is the previous new one) and end
#     in that state;
#   - a restart with startsecs=0 (STOPPING -> STARTING -> RUNNING, the last two in the same turn, when the
#     old process is reaped) sends at most 2 PropertiesChanged per program, where it sent one per
#     transition (3).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v dbus-monitor >/dev/null || skip_all "dbus-monitor not installed (ENOENT)"
command -v busctl >/dev/null || skip_all "busctl not installed (ENOENT)"
command -v python3 >/dev/null || skip_all "python3 not installed (ENOENT)"
dl_setup coalesce

N=20
dl_numprocs_conf "$T/cgsup.conf" c $N '%(program_name)s_%(process_num)02d'

job_removed_count() {
        grep -c 'member=JobRemoved' "$T/monitor.out"
}

check "daemon starts with $N programs" dl_start "$T/cgsup.conf"
check "all $N RUNNING" wait_until 60 dl_all_running $N

dbus-monitor --address "$DBUS_SYSTEM_BUS_ADDRESS" "type='signal',sender='org.cgsup1'" >"$T/monitor.out" 2>&1 &
dl_track_pid $!
check "dbus-monitor listens" wait_until 10 grep -q NameAcquired "$T/monitor.out"

check "restart all (waited for)" bash -c "timeout 120 '$CGSUPCTL' restart all >/dev/null"
# The JobRemoved signals come last, so once all of them are recorded everything before them is too.
check "every restart job ended on the bus" wait_until 10 bash -c "[[ \$(grep -c 'member=JobRemoved' '$T/monitor.out') -ge $N ]]"
cp "$T/monitor.out" "$T/restart.out"
check "stop all (waited for)" bash -c "timeout 120 '$CGSUPCTL' stop all >/dev/null"
check "every stop job ended on the bus" wait_until 10 bash -c "[[ \$(grep -c 'member=JobRemoved' '$T/monitor.out') -ge $((2 * N)) ]]"

# What the daemon reports now, one "name state" line per program.
for i in $(seq -f %02g 0 $((N - 1))); do
        s=$(busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" get-property org.cgsup1 "/org/cgsup1/program/c_5f$i" \
                org.cgsup1.Program State | cut -d'"' -f2)
        echo "c_$i $s"
done >"$T/states"
check "the daemon reports every program STOPPED" bash -c "[[ \$(grep -c ' STOPPED$' '$T/states') -eq $N ]]"

# Reads dbus-monitor's text output: one record per signal (member, path, arguments; for PropertiesChanged
# the State value if it carries one).
cat >"$T/check.py" <<'EOF'
import re, sys

def signals(path):
    cur = None
    for line in open(path):
        m = re.match(r'^signal .* path=([^;]+); interface=([^;]+); member=(\w+)', line)
        if m:
            if cur:
                yield cur
            cur = {"path": m.group(1), "member": m.group(3), "args": [], "state": None, "want_state": False}
            continue
        if cur is None:
            continue
        s = re.match(r'^\s+(?:variant\s+)?string "(.*)"$', line)
        u = re.match(r'^\s+uint32 (\d+)$', line)
        if cur["member"] == "PropertiesChanged" and s:
            if cur["want_state"]:
                cur["state"], cur["want_state"] = s.group(1), False
            elif s.group(1) == "State":
                cur["want_state"] = True
        elif s or u:
            cur["args"].append((s or u).group(1))
    if cur:
        yield cur

def name_of(path):
    return path.rsplit("/", 1)[1].replace("_5f", "_")

what, path = sys.argv[1], sys.argv[2]
sigs = list(signals(path))
bad = []
if what == "final":
    last = {}
    for s in sigs:
        if s["member"] == "PropertiesChanged" and s["state"] is not None:
            last[name_of(s["path"])] = s["state"]
    for line in open(sys.argv[3]):
        name, state = line.split()
        if last.get(name) != state:
            bad.append(f"{name}: last PropertiesChanged State {last.get(name)}, the daemon reports {state}")
elif what == "order":
    seen, n = {}, 0
    for s in sigs:
        if s["member"] == "PropertiesChanged" and s["state"] is not None:
            seen[name_of(s["path"])] = s["state"]
        elif s["member"] == "JobRemoved":
            n += 1
            job, name, verb, result, state = s["args"][:5]
            if seen.get(name) != state:
                bad.append(f"JobRemoved {job} ({name} {verb} {result} in {state}) came when its last "
                           f"PropertiesChanged said {seen.get(name)}")
    if n == 0:
        bad.append("no JobRemoved recorded")
elif what == "chain":
    now = {}
    for s in sigs:
        if s["member"] == "ProgramStateChanged":
            name, old, new = s["args"][:3]
            if old == new:
                bad.append(f"{name}: ProgramStateChanged {old} -> {new} says nothing")
            if name in now and now[name] != old:
                bad.append(f"{name}: ProgramStateChanged from {old}, but the last one went to {now[name]}")
            now[name] = new
    for line in open(sys.argv[3]):
        name, state = line.split()
        if now.get(name) != state:
            bad.append(f"{name}: the last ProgramStateChanged went to {now.get(name)}, the daemon reports {state}")
elif what == "max-per-program":
    count = {}
    for s in sigs:
        if s["member"] == "PropertiesChanged" and s["state"] is not None:
            count[name_of(s["path"])] = count.get(name_of(s["path"]), 0) + 1
    limit = int(sys.argv[3])
    print(f"# PropertiesChanged with State per program: {sorted(count.values())}")
    bad = [f"{n}: {c} PropertiesChanged (at most {limit} expected)" for n, c in sorted(count.items()) if c > limit]
    if not count:
        bad.append("no PropertiesChanged recorded")
for b in bad[:10]:
    print("#   " + b)
sys.exit(1 if bad else 0)
EOF

check "every program's last PropertiesChanged carries the State the daemon reports" \
        python3 "$T/check.py" final "$T/monitor.out" "$T/states"
check "every JobRemoved follows a PropertiesChanged with the state its job ended in" \
        python3 "$T/check.py" order "$T/monitor.out"
check "ProgramStateChanged signals chain and end in the reported state" \
        python3 "$T/check.py" chain "$T/monitor.out" "$T/states"
check "a restart sends at most 2 PropertiesChanged per program (one per transition before: 3)" \
        python3 "$T/check.py" max-per-program "$T/restart.out" 2
diag "stop all of $N: $(grep -c 'member=PropertiesChanged' "$T/monitor.out") PropertiesChanged in all," \
        "$(grep -c 'member=ProgramStateChanged' "$T/monitor.out") ProgramStateChanged, $(job_removed_count) JobRemoved"
check "daemon still alive" daemon_alive
done_testing
