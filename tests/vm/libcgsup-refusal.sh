#!/bin/bash
# One refusal text (issue 9): a limit whose controller is missing is refused by cgsupd, by
# `cgsupctl run --standalone` and by `cgsupctl doctor` with the same text, and that text names the limit
# that failed (io_weight), not the first one set (memory_max, which can be enforced).
#
# The tree: /sys/fs/cgroup/cgsup-refusal has io and memory (the root passes them on) but enables only
# memory and pids for its children. Each tool runs in a child of it as its own cgroup, the way it runs in a
# Delegate=yes service: cgsupd in .../d (its subtree, so it never touches cgsup-refusal itself),
# run --standalone in .../s, doctor in .../doc. None of them can get io, and all must say that
# cgsup-refusal does not enable it.
set -u
source "$(dirname "$0")/lib.sh"

command -v cgsupd >/dev/null || skip_all "cgsupd is not installed"
command -v cgsupctl >/dev/null || skip_all "cgsupctl is not installed"
command -v jq >/dev/null || skip_all "jq not available"
cgroot=/sys/fs/cgroup
for c in io memory; do
        grep -qw "$c" "$cgroot/cgroup.controllers" || skip_all "no $c controller in the VM's cgroup2 root"
done

base=$cgroot/cgsup-refusal
work=$(mktemp -d /run/cgsup-refusal.XXXXXX)
on_exit rm -rf "$work"
on_exit bash -c "[[ ! -d $base ]] || find $base -depth -type d -exec rmdir {} +"
echo "+io +memory +pids" >"$cgroot/cgroup.subtree_control"
mkdir "$base"
echo "+memory +pids" >"$base/cgroup.subtree_control"
mkdir "$base/d" "$base/s" "$base/doc"
diag "cgsup-refusal: controllers '$(cat "$base/cgroup.controllers")', for children '$(cat "$base/cgroup.subtree_control")'"

# in_cgroup CG COMMAND...: runs COMMAND as a process of cgroup CG (below $base).
in_cgroup() {
        local cg=$1
        shift
        bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$base/$cg" "$@"
}

# The text after the first "io_weight cannot be enforced" on a line, without a trailing sentence of ours.
refusal_of() {
        grep -o 'io_weight cannot be enforced: .*' "$1" | head -n 1 | sed 's/\. Not running the command\.$//'
}

# --- cgsupd --------------------------------------------------------------------------------------------
cat >"$work/cgsup.conf" <<EOF
[program:capped]
command=/bin/sleep 1000
memory_max=64M
io_weight=100
startsecs=0
autorestart=false
EOF
# bash execs cgsupd once it sits in .../d: $! is cgsupd's PID.
bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$base/d" cgsupd -c "$work/cgsup.conf" --cgroup cgsup-refusal/d \
        >"$work/daemon.log" 2>&1 </dev/null &
daemon=$!
on_exit bash -c "kill -TERM $daemon 2>/dev/null; timeout 60 tail --pid=$daemon -f /dev/null"
check "cgsupd refuses capped naming io_weight" wait_for 90 grep -q 'io_weight cannot be enforced' "$work/daemon.log"
check "capped never ran" bash -c "! grep -q 'capped: Started' '$work/daemon.log'"
from_daemon=$(refusal_of "$work/daemon.log")
kill -TERM "$daemon" 2>/dev/null
check "cgsupd exits on SIGTERM" timeout 60 tail --pid="$daemon" -f /dev/null

# --- cgsupctl run --standalone ------------------------------------------------------------------------
rc=0
in_cgroup s cgsupctl run --standalone -p memory_max=64M -p io_weight=100 -- touch "$work/ran" \
        >"$work/run.out" 2>"$work/run.err" </dev/null || rc=$?
if [[ $rc -eq 1 && ! -e $work/ran ]]; then
        ok "run --standalone refuses (exit 1) and runs nothing"
else
        not_ok "run --standalone refuses (exit 1) and runs nothing" "exit status $rc" "$(cat "$work/run.err")"
fi
from_run=$(refusal_of "$work/run.err")

# --- cgsupctl doctor ----------------------------------------------------------------------------------
rc=0
in_cgroup doc cgsupctl doctor --json >"$work/doctor.json" 2>"$work/doctor.err" </dev/null || rc=$?
if [[ $rc -eq 1 ]] && jq -e '.limits.io_weight.enforceable == false and .limits.memory_max.enforceable == true' \
        "$work/doctor.json" >/dev/null; then
        ok "doctor: io_weight not enforceable, memory_max enforceable, exit 1"
else
        not_ok "doctor: io_weight not enforceable, memory_max enforceable, exit 1" "exit status $rc" \
                "$(cat "$work/doctor.json" "$work/doctor.err")"
fi
from_doctor=$(jq -r '.limits.io_weight.reason // ""' "$work/doctor.json" 2>/dev/null)

# --- the same words -----------------------------------------------------------------------------------
diag "daemon:     $from_daemon" "standalone: $from_run" "doctor:     $from_doctor"
if [[ -n $from_daemon && $from_daemon == "$from_run" && $from_run == "$from_doctor" ]]; then
        ok "the three refusals are identical"
else
        not_ok "the three refusals are identical"
fi
if [[ $from_run == *"$base does not enable the io controller"* ]]; then
        ok "the refusal names the cgroup that withholds io"
else
        not_ok "the refusal names the cgroup that withholds io" "$from_run"
fi
