#!/bin/bash
# shellcheck shell=bash
# The unit and host suites from a copy of this tree in a directory only root can enter (mode 0700), as CI
# and a newcomer's `git clone` into /root or a `mktemp -d` have it. Tests that run helpers as another
# user (uid 65534) must stage what they run somewhere that user can reach; this test keeps them honest.
#
# The copy holds the files git tracks, as they are in the working tree (uncommitted edits included), so
# it tests what is being changed, not only what was committed. The inner run sets CGSUP_FRESH_CLONE_INNER
# so it does not copy itself again. Under a sanitizer build it skips: the plain build's run covers it.
#
# It builds the tree once more and runs two suites (~1.5 min alone on 2 cores), so a bare `meson test`
# skips it; tools/run-tests (the README's test command, what CI runs) sets CGSUP_FRESH_CLONE=1.
#
# Environment from meson: CGSUP_SOURCE_DIR, CGSUP_SANITIZE; CGSUP_FRESH_CLONE from tools/run-tests.

set -u

if [[ ${CGSUP_FRESH_CLONE:-0} != 1 ]]; then
        echo "1..0 # SKIP set CGSUP_FRESH_CLONE=1 to run it (tools/run-tests does)"
        exit 0
fi

if [[ -n ${CGSUP_FRESH_CLONE_INNER:-} ]]; then
        echo "1..0 # SKIP running inside the fresh-clone run itself"
        exit 0
fi
if [[ ${CGSUP_SANITIZE:-none} != none ]]; then
        echo "1..0 # SKIP sanitizer build (b_sanitize=$CGSUP_SANITIZE): the plain build runs this check"
        exit 0
fi
[[ $(id -u) -eq 0 ]] || { echo "1..0 # SKIP needs root (the host suite does; EPERM)"; exit 0; }
for tool in git meson ninja setpriv; do
        command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed (ENOENT)"; exit 0; }
done
src=${CGSUP_SOURCE_DIR:?}
git -C "$src" rev-parse --git-dir >/dev/null 2>&1 || {
        echo "1..0 # SKIP $src is not a git work tree (nothing says which files belong to the project)"
        exit 0
}

dir=$(mktemp -d /tmp/cgsup-fresh.XXXXXX)
cleanup() { rm -rf --one-file-system "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0700 "$dir"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }

# Not even uid 65534 may enter the copy's parent: the point of the test.
if setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$dir"; then
        not_ok "uid 65534 cannot enter $dir (mode $(stat -c %a "$dir"))"
else
        ok "uid 65534 cannot enter $dir (mode 0700)"
fi

if (cd "$src" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
        tar -C "$dir" -xf - 2>"$dir/tar.err"; then
        ok "copied $(git -C "$src" ls-files | wc -l) tracked files into $dir"
else
        not_ok "copy of the source tree"
        sed 's/^/#   /' "$dir/tar.err"
fi

if meson setup "$dir/build" "$dir" -Dtests=true -Dvm-tests=false >"$dir/setup.log" 2>&1 &&
        ninja -C "$dir/build" >"$dir/build.log" 2>&1; then
        ok "configure and build in the 0700 copy"
else
        not_ok "configure and build in the 0700 copy"
        tail -n 30 "$dir/setup.log" "$dir/build.log" 2>/dev/null | sed 's/^/#   /'
        echo "1..$n"
        exit 1
fi

for suite in unit host; do
        CGSUP_FRESH_CLONE_INNER=1 meson test -C "$dir/build" --no-rebuild --suite "$suite" \
                --logbase "fresh-$suite" >"$dir/$suite.log" 2>&1
        rc=$?
        summary=$(grep -E '^(Ok|Fail|Skipped|Timeout|Unexpected Pass|Expected Fail):' "$dir/$suite.log" |
                tr -s ' ' | paste -sd ' ')
        if [[ $rc -eq 0 ]]; then
                ok "suite $suite passes from the 0700 copy ($summary)"
        else
                not_ok "suite $suite passes from the 0700 copy ($summary)"
                grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)' "$dir/$suite.log" | sed 's/^/#   /'
                grep -E '^not ok' "$dir/build/meson-logs/fresh-$suite.txt" 2>/dev/null | head -n 20 | sed 's/^/#   /'
        fi
done

echo "1..$n"
[[ $failed -eq 0 ]]
