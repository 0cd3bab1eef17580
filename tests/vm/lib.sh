# shellcheck shell=bash
# Helpers for vm test scripts (tests/vm/<name>.sh). How a vm test runs:
#
#   tools/vm/meson-test boots a fresh Debian 12 VM (systemd, system bus, polkitd; pure cgroup v2 with
#   cpuset cpu io memory pids), installs the build (`meson install`, prefix /usr, sysconfdir /etc) into /,
#   runs `systemctl daemon-reload` and reloads dbus, then runs `bash /payload/tests/vm/<name>.sh` as root
#   in /payload (read-only) with stdin /dev/null. The VM is discarded afterwards, so a test may change
#   anything in it; still, clean up what a later step of the same script could trip over.
#   Environment: CGSUP_VM=1, CGSUP_HOG=/payload/helpers/cgsup-hog (when built). The unprivileged user is
#   `cgsuptest` (uid 1000, groups cgsuptest + cgsupadmin); use as_user to run something as it.
#   Everything is 5-20x slower than native (QEMU TCG): use generous timeouts.
#
# A script prints TAP on stdout and exits 0 iff nothing failed. Usage:
#
#   source "$(dirname "$0")/lib.sh"
#   on_exit systemctl stop foo.service        # cleanup, run at exit in reverse order (do not trap EXIT)
#   check "bus answers" busctl status         # ok if the command succeeds, else not ok + its output
#   ok "text" / not_ok "text" [diag lines...] / skip "text" "reason" / diag "line"...
#   todo "text" "reason" [diag lines...]      # a known failure: not ok ... # TODO reason (does not fail)
#   wait_for 30 test -e /run/foo              # poll (every 0.1 s) until true or 30 s passed; 1 on timeout
#   as_user id -u                             # run a command as cgsuptest
#   skip_all "reason"                         # nothing applies here: plan 1..0 # SKIP, exit 0
#
# The plan (1..N) is printed at exit. A script that dies early (set -e, a stray non-zero exit) gets a final
# "not ok" naming its exit status, so it cannot pass by accident.

_tap_n=0
_tap_failed=0
_tap_done=0
_tap_cleanups=()

diag() {
        local line
        for line in "$@"; do
                printf '%s\n' "$line" | sed 's/^/# /'
        done
}

ok() {
        _tap_n=$((_tap_n + 1))
        printf 'ok %d - %s\n' "$_tap_n" "$1"
}

not_ok() {
        _tap_n=$((_tap_n + 1))
        _tap_failed=$((_tap_failed + 1))
        printf 'not ok %d - %s\n' "$_tap_n" "$1"
        shift
        [[ $# -eq 0 ]] || diag "$@"
}

todo() {
        _tap_n=$((_tap_n + 1))
        printf 'not ok %d - %s # TODO %s\n' "$_tap_n" "$1" "$2"
        shift 2
        [[ $# -eq 0 ]] || diag "$@"
}

skip() {
        _tap_n=$((_tap_n + 1))
        printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "${2:-no reason given}"
}

# check DESCRIPTION COMMAND [ARG...]: ok when COMMAND exits 0; otherwise not ok with its output.
check() {
        local desc=$1 out rc=0
        shift
        out=$("$@" 2>&1) || rc=$?
        if [[ $rc -eq 0 ]]; then
                ok "$desc"
        else
                not_ok "$desc" "command: $* (exit status $rc)" "$out"
        fi
        return 0
}

skip_all() {
        printf '1..0 # SKIP %s\n' "$1"
        _tap_done=1
        exit 0
}

# on_exit COMMAND [ARG...]: run COMMAND when the script exits (last registered runs first).
on_exit() {
        local q
        printf -v q '%q ' "$@"
        _tap_cleanups+=("$q")
}

# wait_for SECONDS COMMAND [ARG...]: poll COMMAND until it succeeds; returns 1 when SECONDS passed.
wait_for() {
        local limit=$1 start now
        shift
        start=$(date +%s%N)
        while ! "$@" >/dev/null 2>&1; do
                now=$(date +%s%N)
                if (((now - start) / 1000000 >= limit * 1000)); then
                        return 1
                fi
                sleep 0.1
        done
        return 0
}

# as_user COMMAND [ARG...]: run COMMAND as the unprivileged test user (stdin, stdout, stderr inherited).
CGSUP_TEST_USER=cgsuptest
as_user() {
        runuser -u "$CGSUP_TEST_USER" -- "$@"
}

_tap_end() {
        local rc=$? i
        set +e
        for ((i = ${#_tap_cleanups[@]} - 1; i >= 0; i--)); do
                eval "${_tap_cleanups[i]}" >&2 || true
        done
        [[ $_tap_done -eq 1 ]] && exit "$rc"
        if [[ $rc -ne 0 ]]; then
                not_ok "script exited early with status $rc"
        fi
        if [[ $_tap_n -eq 0 ]]; then
                not_ok "script ran no test"
        fi
        printf '1..%d\n' "$_tap_n"
        if [[ $_tap_failed -gt 0 ]]; then
                exit 1
        fi
        exit 0
}
trap _tap_end EXIT
