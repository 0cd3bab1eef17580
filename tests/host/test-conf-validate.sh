#!/bin/bash
# SPDX-License-Identifier: MIT
# What can be checked when a configuration is read is refused by `cgsupctl validate` and `cgsupd
# --check-config` alike, with file:line (issue 8): an unknown user, http checks whose target the checker
# cannot use (host:port, https://), names that break the name rule, [cgsupd] user= naming another user.
# A command that does not resolve is only a warning: the binary may be installed after cgsupd starts.
# `cgsupctl init` writes a sample that validates here.
# No daemon, no bus, no cgroups: the config reader only.

. "$(dirname "$0")/daemon-lib.sh"

CGSUPCTL=${CGSUPCTL:?set by meson}
CGSUPD=${CGSUPD:?set by meson}
# tools/run-tests runs this test again with CGSUP_VALGRIND set to a valgrind memcheck command line: both
# tools then run under it, and a leak or a memory error makes them exit 99 (never the expected status).
read -r -a VG <<<"${CGSUP_VALGRIND:-}"
T=$(mktemp -d /tmp/test-conf-validate.XXXXXX)
trap 'rm -rf "$T"' EXIT

validate() { "${VG[@]}" "$CGSUPCTL" validate "$@"; }
check_config() { "${VG[@]}" "$CGSUPD" --check-config -c "$@"; }

# judged STATUS SEVERITY FILE LINE TEXT: `cgsupctl validate` and `cgsupd --check-config` exit STATUS;
# validate says "FILE:LINE: SEVERITY: ...TEXT"; --check-config says FILE:LINE and TEXT when it refuses.
judged() {
        local want=$1 severity=$2 file=$3 line=$4 text=$5 out rc
        out=$(validate "$file" 2>&1)
        rc=$?
        if [[ $rc -ne $want ]] || ! grep -qF -- "$file:$line: $severity: " <<<"$out" || ! grep -qF -- "$text" <<<"$out"; then
                diag "cgsupctl validate exited $rc: $out"
                return 1
        fi
        out=$(check_config "$file" 2>&1)
        rc=$?
        if [[ $rc -ne $want ]] ||
                { [[ $want -ne 0 ]] && ! { grep -qF -- "$file:$line: " <<<"$out" && grep -qF -- "$text" <<<"$out"; }; }; then
                diag "cgsupd --check-config exited $rc: $out"
                return 1
        fi
}

refused() { judged 1 error "$@"; }
accepted_with_warning() { judged 0 warning "$@"; }

conf() {
        cat >"$T/$1"
        echo "$T/$1"
}

f=$(conf nosuchuser.conf <<'EOF2'
[program:app]
command = /bin/sleep 100
user = nosuchuser
EOF2
)
check "user=nosuchuser: refused at line 3" refused "$f" 3 "user=nosuchuser: no such user"

f=$(conf webhook-event.conf <<'EOF2'
[program:app]
command = /bin/sleep 100

[webhook:ops]
url = http://127.0.0.1:9/hook
events = FATAL, crashed
EOF2
)
check "[webhook:x] events=crashed: refused at line 6" refused "$f" 6 "'crashed' is neither an event type"

f=$(conf http-hostport.conf <<'EOF2'
[program:web]
command = /bin/sleep 100
healthcheck_type = http
healthcheck_target = localhost:8080
EOF2
)
check "healthcheck_type=http with target localhost:8080: refused at line 4" refused "$f" 4 "not a URL for an http check"

f=$(conf regex.conf <<'EOF2'
[program:web]
command = /bin/sleep 100

readiness_log_line = listening on (port
EOF2
)
check "a readiness_log_line that regcomp refuses: refused at line 4" refused "$f" 4 "not a POSIX extended regular expression"

f=$(conf names.conf <<'EOF2'
[program:web]
command = /bin/sleep 100
process_name = ..
EOF2
)
check "process_name=..: refused at line 3" refused "$f" 3 "the process name contains '..'"

f=$(conf daemon-user.conf <<'EOF2'
[supervisord]
user = nobody
[program:web]
command = /bin/sleep 100
EOF2
)
if [[ $(id -u) -ne 65534 ]]; then
        check "[supervisord] user=nobody: refused at line 2, pointing to cgsupd --user" refused "$f" 2 "cgsupd --user"
fi

f=$(conf daemon-root.conf <<'EOF2'
[supervisord]
nodaemon = true
user = root
[program:web]
command = /bin/sleep 100
EOF2
)
root_accepted() {
        [[ $(validate "$f" 2>&1) == "$f: OK (1 program instance, 0 groups, 0 warnings)" ]] && check_config "$f" >/dev/null
}
check "[supervisord] user=root: accepted without a word" root_accepted

f=$(conf missing-command.conf <<'EOF2'
[program:later]
command = /opt/not-installed-yet/bin/server --port 80
EOF2
)
check "a command that does not exist yet: a warning at line 2, the file is valid" \
        accepted_with_warning "$f" 2 "/opt/not-installed-yet/bin/server does not exist"

f=$(conf two-groups.conf <<'EOF2'
[program:x]
command = /bin/sleep 1000
[group:a]
programs = x
[group:b]
programs = x
EOF2
)
check "a program in two groups: refused at line 6, naming the program and both groups" \
        refused "$f" 6 "[group:b] lists program 'x', which [group:a] ($f:4) lists too"

f=$(conf one-name-two-groups.conf <<'EOF2'
[program:p1]
command = /bin/sleep 1000
process_name = same
[program:p2]
command = /bin/sleep 1000
process_name = same
[group:a]
programs = p1
[group:b]
programs = p2
EOF2
)
check "one process_name in two groups: refused at [program:p2], naming both" \
        refused "$f" 4 "Process name 'same' is used by [program:p1] in group 'a' and [program:p2] in group 'b'"

f=$(conf listed-twice.conf <<'EOF2'
[program:x]
command = /bin/sleep 1000
[group:a]
programs = x, x
EOF2
)
check "a program listed twice by one group: a warning at line 4, the file is valid" \
        accepted_with_warning "$f" 4 "[group:a] lists program 'x' twice"

# cgsupctl init: the sample, byte for byte as examples/sample.conf, valid on this system (users, commands);
# a FILE is created once, refused when it exists, replaced with --force keeping its mode.
check "init prints examples/sample.conf" bash -c '"$0" init | cmp -s - "$1"' "$CGSUPCTL" \
        "${CGSUP_SOURCE_DIR:?set by meson}/examples/sample.conf"
check "init FILE writes it, and it validates here with no warning" \
        bash -c '"$0" init "$1" 2>/dev/null && [[ $("$0" validate "$1" 2>&1) == *": OK ("*", 0 warnings)" ]]' \
        "$CGSUPCTL" "$T/init.conf"
chmod 600 "$T/init.conf"
echo "; mine" >>"$T/init.conf"
out=$("$CGSUPCTL" init "$T/init.conf" 2>&1)
rc=$?
check "init over an existing file: exit 1, says --force, file untouched" \
        bash -c '[[ $0 -eq 1 && $1 == *"--force"* ]] && tail -n 1 "$2" | grep -qx "; mine"' "$rc" "$out" "$T/init.conf"
check "init --force replaces it and keeps mode 0600" \
        bash -c '"$0" init --force "$1" 2>/dev/null && cmp -s "$1" "$2" && [[ $(stat -c %a "$1") == 600 ]]' \
        "$CGSUPCTL" "$T/init.conf" "$CGSUP_SOURCE_DIR/examples/sample.conf"
check "init into a directory that does not exist: exit 1 naming the file" \
        bash -c '! "$0" init "$1/nodir/x.conf" 2>"$1/err" && grep -q "nodir/x.conf" "$1/err"' "$CGSUPCTL" "$T"

done_testing
