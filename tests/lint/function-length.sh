#!/bin/bash
# STYLE §2.7: no C function in src/ longer than 120 lines (tools/function-lengths lists them). It first
# proves it can fail: a planted function of 121 lines must be reported, one of 120 must not. TAP output.
set -u
src=${1:?usage: function-length.sh SOURCE_DIR}
tool=$src/tools/function-lengths
if ! command -v ctags >/dev/null || ! ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
        echo "1..0 # SKIP universal-ctags is not installed (ENOENT; Debian package universal-ctags)"
        exit 0
fi
. "$(dirname "$0")/tap.sh"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# plant NAME LINES: a function of exactly LINES lines (signature to closing brace).
plant() {
        { echo "static int $1(int x) {"; for ((i = 0; i < $2 - 3; i++)); do echo "        x += $i;"; done
          echo "        return x;"; echo "}"; } >"$scratch/$1.c"
}
plant long_one 121
plant short_one 120
out=$("$tool" "$scratch")
if [[ $? -eq 1 ]] && grep -q '^  121 .*long_one\.c:1 long_one$' <<<"$out" && ! grep -q short_one <<<"$out"; then
        ok "self-test: a 121-line function is reported, a 120-line one is not"
else
        not_ok "self-test: a 121-line function is reported, a 120-line one is not" "$out"
fi

out=$("$tool" "$src/src")
if [[ $? -eq 0 ]]; then
        ok "no function in src/ is longer than 120 lines"
else
        not_ok "no function in src/ is longer than 120 lines (split them, STYLE §2.7)" "$out"
fi
echo "1..$n"
exit $failed
