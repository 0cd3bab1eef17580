# TAP for the lint scripts (sourced): ok DESC; not_ok DESC [DETAIL...] (each detail line as a # comment);
# "1..$n" and "exit $failed" at the end are the script's.
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
        n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift
        printf '%s\n' "$@" | sed 's/^/# /'
}
