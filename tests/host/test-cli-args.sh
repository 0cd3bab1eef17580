#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl's command line, without a daemon: global and verb options anywhere, `--` ends them, `help` and
# `VERB --help` for every verb (synopsis, options, exit statuses), unknown options are usage errors (2)
# naming the option. With the bus pointing nowhere, "parsed fine" shows as exit 1 (cgsupd unreachable)
# and a usage error as exit 2, so no daemon is needed.

. "$(dirname "$0")/bus-lib.sh"

[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
TEST_DIR=$(mktemp -d /tmp/cgsup-cli-args.XXXXXX)
trap 'rm -rf "$TEST_DIR"' EXIT
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$TEST_DIR/no-such-socket"
export DBUS_SESSION_BUS_ADDRESS="unix:path=$TEST_DIR/no-such-socket"

# rc WANT ARGS...: cgsupctl ARGS exits WANT; stdout/stderr kept in $TEST_DIR/out, $TEST_DIR/err.
rc() {
        local want=$1 got
        shift
        "$CGSUPCTL" "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" </dev/null
        got=$?
        if [[ $got -ne $want ]]; then
                echo "cgsupctl $*: exit $got, expected $want"
                cat "$TEST_DIR/out" "$TEST_DIR/err"
                return 1
        fi
}
err_has() { grep -qF -- "$1" "$TEST_DIR/err" || { echo "stderr lacks '$1':"; cat "$TEST_DIR/err"; return 1; }; }
out_has() { grep -qF -- "$1" "$TEST_DIR/out" || { echo "stdout lacks '$1':"; cat "$TEST_DIR/out"; return 1; }; }

# Every verb of `cgsupctl --help`.
mapfile -t VERBS < <("$CGSUPCTL" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
check "--help lists at least 20 commands" test "${#VERBS[@]}" -ge 20

for v in "${VERBS[@]}"; do
        check "$v --help: exit 0, synopsis, exit statuses, nothing on stderr" bash -c "
                '$CGSUPCTL' $v --help >'$TEST_DIR/h1' 2>'$TEST_DIR/h1.err' &&
                head -n1 '$TEST_DIR/h1' | grep -q '^cgsupctl \[OPTIONS...\] $v' &&
                grep -q '^Exit status:' '$TEST_DIR/h1' && ! [ -s '$TEST_DIR/h1.err' ]"
        check "help $v is $v --help" bash -c "'$CGSUPCTL' help $v | cmp -s - '$TEST_DIR/h1'"
        check "$v -h is $v --help" bash -c "'$CGSUPCTL' $v -h | cmp -s - '$TEST_DIR/h1'"
        check "$v --frobnicate: exit 2 naming the option and the verb" \
                bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'
                         rc 2 $v --frobnicate && err_has \"unknown option '--frobnicate' for '$v'\""
done

# Options the verb documents in its --help are options that it accepts.
check "every long option in a verb's help is accepted by that verb" bash -c '
        for v in '"${VERBS[*]}"'; do
                for o in $("'"$CGSUPCTL"'" help $v | sed -n "/^Options/,/^\$/p" | grep -oE -- "--[a-z][a-z-]*" | sort -u); do
                        "'"$CGSUPCTL"'" $v $o --help >/dev/null 2>&1 && continue
                        # an option that needs a value
                        "'"$CGSUPCTL"'" $v $o=x --help >/dev/null 2>&1 || { echo "$v $o refused"; exit 1; }
                done
        done'

check "help without a verb is --help" bash -c "'$CGSUPCTL' help | cmp -s - <('$CGSUPCTL' --help)"
check "help of an unknown verb: exit 2" rc 2 help frobnicate
check "unknown command: exit 2 naming it" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 frobnicate && err_has \"unknown command 'frobnicate'\""
check "unknown global option before the verb: exit 2 naming it" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 --frob status && err_has \"'--frob'\""
check "unknown short option: exit 2 naming it" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 status -Z && err_has \"'-Z'\""
check "missing option value: exit 2 naming the option" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 kill web -s && err_has \"'-s' needs an argument\""
check "an option of another verb: exit 2" rc 2 status --no-block
check "a value for a flag: exit 2" rc 2 stop --no-block=yes web
check "--json=bogus: exit 2" rc 2 --json=bogus status
check "too many arguments: exit 2 naming the extra one" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 avail extra && err_has \"'extra'\""
check "missing argument: exit 2 with the synopsis" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 kill && err_has 'kill [-s SIGNAL]'"
check "--host and --user together: the user instance on that host (unreachable here: exit 1)" rc 1 status -H somehost.invalid --user
# What reads this machine says so under -H (before any ssh), instead of acting on the wrong host.
check "-H: validate names the local file it would check: exit 2" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 -H somehost.invalid validate /etc/cgsup/cgsup.conf && err_has 'cannot work over -H'"
check "-H: init FILE (a file of this machine) is refused, nothing written: exit 2" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 -H somehost.invalid init '$TEST_DIR/sample.conf' && err_has 'on this machine' && ! [ -e '$TEST_DIR/sample.conf' ]"
check "-H: init to stdout prints the sample and says -H is not used" bash -c "$(declare -f rc err_has out_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 0 -H somehost.invalid init && out_has '[program:' && err_has 'does not use -H'"
# Every verb under -H either asks that host (here unreachable: exit 1) or refuses (exit 2) saying that it
# works on this machine: none may succeed silently with this machine's data.
check "-H: every verb asks that host or refuses naming -H" bash -c '
        for v in '"${VERBS[*]}"'; do
                case $v in
                help|init) continue ;;  # this cgsupctl'"'"'s own text (init: tested above)
                avail|reread|update|reload|shutdown|metrics|top|version|list-names|doctor|validate) args=() ;;
                signal) args=(HUP web) ;;
                set-property) args=(web memory_max=1G) ;;
                scale) args=(web 1) ;;
                send) args=(web data) ;;
                run) args=(-- true) ;;
                adopt) args=(1) ;;
                *) args=(web) ;;
                esac
                "'"$CGSUPCTL"'" -H somehost.invalid $v "${args[@]}" >"'"$TEST_DIR"'/h.err" 2>&1 </dev/null
                rc=$?
                case $v in
                doctor|validate) want=2 ;;
                version) want=0 ;;  # cgsupctl'"'"'s version, and that cgsupd on that host is not reachable
                *) want=1 ;;
                esac
                [[ $rc -eq $want ]] || { echo "$v -H: exit $rc, expected $want"; cat "'"$TEST_DIR"'/h.err"; exit 1; }
                if [[ $want -eq 2 ]]; then
                        grep -q -- "-H" "'"$TEST_DIR"'/h.err" || { echo "$v -H: refusal does not name -H"; cat "'"$TEST_DIR"'/h.err"; exit 1; }
                else
                        grep -q "somehost.invalid" "'"$TEST_DIR"'/h.err" || { echo "$v -H: did not try the host"; cat "'"$TEST_DIR"'/h.err"; exit 1; }
                fi
        done'
check "-H: run -d (a local directory) is refused: exit 2" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 -H somehost.invalid run -d -- true && err_has 'directory on this machine'"

# Parsed fine: the command gets as far as the (absent) bus, exit 1.
check "status --json (global option after the verb)" rc 1 status --json
check "status web --json=short (after an operand)" rc 1 status web --json=short
check "--json status (before the verb)" rc 1 --json status
check "stop web --no-block --timeout 5s (verb options after the operand)" rc 1 stop web --no-block --timeout 5s
check "--no-block stop web (a verb option before the verb)" rc 1 --no-block stop web
check "kill web -s HUP --all" rc 1 kill web -s HUP --all
check "kill --signal=HUP web" rc 1 kill --signal=HUP web
check "tail web -f -200 stderr (supervisorctl's -BYTES after the name)" rc 1 tail web -f -200 stderr
check "tail -0: exit 2 (invalid byte count)" rc 2 tail -0 web
check "tail web bogus: exit 2" rc 2 tail web bogus
check "--user status --no-pager" rc 1 --user status --no-pager
check "status -- --json: after --, --json is a name (no JSON, no usage error)" bash -c "$(declare -f rc); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 1 status -- --json"
check "run: options end at CMD, so CMD keeps --json" rc 1 run --wait sh -c 'exit 0' --json
check "run --cgroup without --standalone: exit 2" rc 2 run --cgroup x -- true
# One rule for every value an option or operand carries: a bad one is a usage error (exit 2) naming it, checked
# before cgsupd is asked (here there is none: a value let through would show as exit 1). systemctl itself
# exits 1 for these; cgsupctl keeps DESIGN's usage status 2 throughout.
BAD_VALUES=(
        "BOGUS|kill -s BOGUS web"
        "BOGUS|kill --signal=BOGUS web"
        "SIGFOO|signal SIGFOO web"
        "some|kill --kill-whom=some web"
        "bogus|set-property web memory_max=bogus"
        "bogus|set-property web MemoryMax=bogus"
        "150x|set-property web cpu_quota=150x"
        "frobnicate|set-property web frobnicate=1"
        "KEY=VALUE|set-property web memory_max"
        "bogus|run -p memory_max=bogus -- true"
        "-5|run -p pids_max=-5 -- true"
        "frobnicate|run -p frobnicate=1 -- true"
        "xx|run -p runtime_max=xx -- true"
        "maybe|run -p no_new_privileges=maybe -- true"
        "KEY=VALUE|run -p memory_max -- true"
        "KEY=VALUE|run -E FOO -- true"
        "xx|run --timeout=xx -- true"
        "bogus|run --standalone -p memory_max=bogus -- true"
        "xx|stop --timeout=xx web"
        "xx|restart --timeout xx web"
        "x|tail --bytes=x web"
        "x|top -b -n x"
        "x|top -b --delay=x"
        "x|top -b --sort=x"
        "x|scale web x"
        "grp:web|scale grp:web 2"
        "x|adopt x"
        "xyz|attach --detach-key=xyz web"
        "../x|doctor --cgroup=../x"
        "--quiet=x|is-active --quiet=x web"
        "bogus|--json=bogus status"
)
for case in "${BAD_VALUES[@]}"; do
        word=${case%%|*}
        args=${case#*|}
        # shellcheck disable=SC2086 # the words of $args are the command line
        check "bad value: cgsupctl $args: exit 2 naming '$word'" bash -c "$(declare -f rc err_has); CGSUPCTL='$CGSUPCTL' TEST_DIR='$TEST_DIR'; rc 2 $args && err_has '$word'"
done
# ... and good ones pass the same checks (exit 1: no cgsupd here).
for args in "kill -s RTMIN+3 web" "kill -s 9 web" "signal SIGHUP web" "set-property web MemoryMax=1G pids_max=max" \
        "run -p memory_max=512M -p cpu_quota=150% -p runtime_max=1min -p no_new_privileges=yes -- true"; do
        # shellcheck disable=SC2086
        check "good value: cgsupctl $args gets to the bus (exit 1)" rc 1 $args
done

check "--version anywhere" bash -c "'$CGSUPCTL' status --version | grep -q '^cgsupctl '"

tap_done
