#!/usr/bin/env bash
# Load, the short variant of tools/bench/load (issue 8, item 7): 100 programs, a tenth of them restarting
# every 2 s, while 200 bus connections opened at once call ListPrograms, GetAll and Get for 5 s. Every
# call sent must be answered, without an error; no timing is checked: "stuck" here means no answer within
# 300 s (a machine at load 45 answered ASan's cgsupd in 25 s), the full run's figures use D-Bus' 25 s.
# 200 connections because that is where calls went unanswered (one bus message per loop turn).
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUP_BUILD_DIR:-} && -x $CGSUP_BUILD_DIR/tools/bench/bench-load ]] || skip_all "bench-load not built (run through meson test)"

out=$(CGSUPD=$CGSUPD "$CGSUP_SOURCE_DIR/tools/bench/load" --build "$CGSUP_BUILD_DIR" --programs 100 --connections 200 --seconds 5 --call-timeout 300 2>"${TMPDIR:-/tmp}/cgsup-load-$$.err")
rc=$?
diag "$(cat "${TMPDIR:-/tmp}/cgsup-load-$$.err")"
rm -f "${TMPDIR:-/tmp}/cgsup-load-$$.err"
diag "$out"
[[ $rc -eq 77 ]] && skip_all "tools/bench/load cannot run here"
# The first (top-level) value of a key in bench-load's JSON.
field() {
        grep -o "\"$1\": [0-9]*" <<<"$out" | head -n 1 | cut -d' ' -f2
}
check "tools/bench/load ran (exit $rc)" test "$rc" -eq 0
check "calls were made ($(field calls))" test "$(field calls)" -gt 0
check "every call sent was answered ($(field sent) sent, $(field calls) answered)" \
        test "$(field sent)" = "$(field calls)"
check "no call failed ($(field errors) errors)" test "$(field errors)" = 0
check "no call was left without an answer ($(field stuck) stuck)" test "$(field stuck)" = 0
check "every program was listed ($(field programs))" test "$(field programs)" = 100
done_testing
