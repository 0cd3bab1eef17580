#!/bin/bash
# Ground truth for the VM tier: a `Delegate=yes` service (as root and as the unprivileged test user) can
# move itself into a leaf, enable memory, pids and cpu for a child cgroup, set limits there, and the kernel
# enforces them. cgsupd relies on exactly this when it runs as a systemd service.
set -u
source "$(dirname "$0")/lib.sh"

work=$(mktemp -d /run/cgsup-ground.XXXXXX)
on_exit rm -rf "$work"
chmod 0755 "$work"

# What runs inside the delegated service. It is a file, not `bash -c '...'`: systemd would rewrite the `$`s.
cat >"$work/inner.sh" <<'INNER'
set -eu
cg=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)
echo "cgroup: $cg"
echo "owner: $(stat -c %U "$cg")"
echo "delegated: $(cat "$cg/cgroup.controllers")"
# No internal processes: leave the service's own cgroup before enabling controllers for children.
mkdir "$cg/supervisor"
echo $$ >"$cg/supervisor/cgroup.procs"
echo "+memory +pids +cpu" >"$cg/cgroup.subtree_control"
mkdir "$cg/child"
echo "child: $(cat "$cg/child/cgroup.controllers")"
echo $((32 * 1024 * 1024)) >"$cg/child/memory.max"
echo 0 >"$cg/child/memory.swap.max" 2>/dev/null || true
echo 8 >"$cg/child/pids.max"
echo "50000 100000" >"$cg/child/cpu.max"
echo "cpu.max: $(cat "$cg/child/cpu.max")"
# pids.max: the 8th fork in the child cgroup must fail with EAGAIN.
python3 - "$cg/child" <<'PY'
import os, sys, time
with open(sys.argv[1] + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
kids, refused = [], 0
for _ in range(12):
        try:
                pid = os.fork()
        except BlockingIOError:
                refused += 1
                continue
        if pid == 0:
                time.sleep(30)
                os._exit(0)
        kids.append(pid)
for pid in kids:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
print("forks: %d started, %d refused" % (len(kids), refused))
PY
# memory.max: a 128 MiB allocation in the 32 MiB child is OOM-killed.
python3 - "$cg/child" <<'PY' || echo "hog exit: $?"
import os, sys
with open(sys.argv[1] + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
b = bytearray(128 * 1024 * 1024)
for i in range(0, len(b), 4096):
        b[i] = 1
print("hog survived")
PY
echo "oom_kill: $(sed -n 's/^oom_kill //p' "$cg/child/memory.events")"
rmdir "$cg/child"
echo "inner done"
INNER
chmod 0644 "$work/inner.sh"

run_delegated() {
        local who=$1
        shift
        timeout 300 systemd-run --quiet --wait --pipe --collect --unit="cgsup-ground-delegate-$who" \
                -p Delegate=yes "$@" /bin/bash "$work/inner.sh" </dev/null 2>&1
}

for who in root cgsuptest; do
        props=()
        [[ $who == root ]] || props=(-p "User=$who")
        rc=0
        out=$(run_delegated "$who" "${props[@]}") || rc=$?
        diag "$who: $(tr '\n' ';' <<<"$out")"
        line() { sed -n "s/^$1: //p" <<<"$out" | head -n 1; }
        if [[ $rc -eq 0 && $out == *"inner done"* ]]; then
                ok "$who: delegated service ran"
        else
                not_ok "$who: delegated service ran" "systemd-run exit status $rc"
        fi
        [[ $(line owner) == "$who" ]] && ok "$who: delegated cgroup is owned by $who" ||
                not_ok "$who: delegated cgroup is owned by $who" "owner: $(line owner)"
        child=" $(line child) "
        if [[ $child == *" memory "* && $child == *" pids "* && $child == *" cpu "* ]]; then
                ok "$who: child cgroup has memory, pids and cpu enabled"
        else
                not_ok "$who: child cgroup has memory, pids and cpu enabled" "child controllers: $(line child)"
        fi
        [[ $(line cpu.max) == "50000 100000" ]] && ok "$who: cpu.max set" ||
                not_ok "$who: cpu.max set" "cpu.max: $(line cpu.max)"
        forks=$(line forks)
        if [[ $forks =~ ^([0-9]+)\ started,\ ([0-9]+)\ refused$ ]] &&
           ((BASH_REMATCH[1] == 7 && BASH_REMATCH[2] == 5)); then
                ok "$who: pids.max=8 enforced (7 children + the forker)"
        else
                not_ok "$who: pids.max=8 enforced (7 children + the forker)" "forks: $forks"
        fi
        if [[ $(line oom_kill) -ge 1 && $(line "hog exit") == 137 ]]; then
                ok "$who: memory.max enforced (128 MiB hog OOM-killed in 32 MiB)"
        else
                not_ok "$who: memory.max enforced (128 MiB hog OOM-killed in 32 MiB)" "oom_kill: $(line oom_kill), hog exit: $(line "hog exit")"
        fi
        if systemctl is-active --quiet "cgsup-ground-delegate-$who.service" ||
           [[ -d /sys/fs/cgroup/system.slice/cgsup-ground-delegate-$who.service ]]; then
                not_ok "$who: service and cgroup gone afterwards"
        else
                ok "$who: service and cgroup gone afterwards"
        fi
done
