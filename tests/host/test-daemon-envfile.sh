#!/usr/bin/env bash
# environment_file= (issue 14, item 1): a program reads variables from two env files (a third, missing one
# marked optional with '-'), in the documented order (a later file wins, environment= wins over every
# file); EnvironmentOrigins names the file that set each variable and no value reaches the log or a
# property; a malformed file is a file:line error at load (--check-config) and at start, and the files
# are read again at each start.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v busctl >/dev/null || skip_all "busctl not installed"
dl_setup envfile
SECRET="s3cr3t-$$-value"

cat >"$T/base.env" <<EOF
# shared settings
GREETING="hello world"
SHARED=base
OVERRIDDEN=from-file
TOKEN='$SECRET'
EOF
cat >"$T/local.env" <<EOF
SHARED=local   
MULTI="one \\
two"
EOF

cat >"$T/cgsup.conf" <<EOF
[program:app]
command=bash -c 'env >$T/app.env.out; exec sleep infinity'
environment_file=$T/base.env -$T/missing.env $T/local.env
environment=OVERRIDDEN=from-conf
startsecs=0

[program:late]
command=bash -c 'echo "LATE=\$LATE" >$T/late.out; exec sleep infinity'
environment_file=$T/late.env
autostart=false
startsecs=0
EOF

check "cgsupd starts (late.env missing: a warning)" dl_start "$T/cgsup.conf"
check "the missing file is a warning naming it" log_has "late.env does not exist"
check "app started" wait_until 15 test -s "$T/app.env.out"
check "a quoted value from the first file" grep -qx "GREETING=hello world" "$T/app.env.out"
check "the later file wins (trailing blanks dropped)" grep -qx "SHARED=local" "$T/app.env.out"
check "a continued value" grep -qx "MULTI=one two" "$T/app.env.out"
check "environment= wins over every file" grep -qx "OVERRIDDEN=from-conf" "$T/app.env.out"
check "a single-quoted value" grep -qx "TOKEN=$SECRET" "$T/app.env.out"

APP=/org/cgsup1/program/app
origins=$(busctl --system get-property org.cgsup1 $APP org.cgsup1.Program EnvironmentOrigins 2>&1)
diag "EnvironmentOrigins: $origins"
check "origins: SHARED from local.env" bash -c "grep -q '\"SHARED\" \"$T/local.env\"' <<<'$origins'"
check "origins: GREETING from base.env" bash -c "grep -q '\"GREETING\" \"$T/base.env\"' <<<'$origins'"
check "origins: OVERRIDDEN from environment=" bash -c "grep -q '\"OVERRIDDEN\" \"environment\"' <<<'$origins'"
names=$(busctl --system get-property org.cgsup1 $APP org.cgsup1.Program Environment 2>&1)
check "Environment lists the file's names" bash -c "grep -q '\"TOKEN\"' <<<'$names'"
files=$(busctl --system get-property org.cgsup1 $APP org.cgsup1.Program EnvironmentFiles 2>&1)
check "EnvironmentFiles keeps the optional mark" bash -c "grep -q '\"-$T/missing.env\"' <<<'$files'"
check "no value in properties" bash -c "! grep -q '$SECRET' <<<'$origins $names $files'"
check "root: GetProgramEnvironment has the file's value" bash -c "
        busctl --system call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgramEnvironment s app |
        grep -q 'TOKEN=$SECRET'"

# At start: a malformed file fails the start with file:line; fixed, the next start reads it again.
printf 'LATE=1\nthis is not an assignment\n' >"$T/late.env"
"$CGSUPCTL" start late >"$T/start.out" 2>&1
rc=$?
diag "start late (malformed): rc=$rc: $(cat "$T/start.out")"
check "start with a malformed file fails" test "$rc" -ne 0
check "the reason names file:line" log_has "environment_file $T/late.env:2: expected KEY=VALUE"
printf 'LATE=fixed\n' >"$T/late.env"
check "start after fixing the file" bash -c "'$CGSUPCTL' start late >/dev/null"
check "late reads the file at this start" wait_until 10 grep -qx "LATE=fixed" "$T/late.out"
check "no value in the daemon's log" bash -c "! grep -q '$SECRET' '$DAEMON_LOG'"

# At load: --check-config reports the malformed line as file:line and fails.
printf 'OK=1\n"quoted name"=2\n' >"$T/bad.env"
cat >"$T/bad.conf" <<EOF
[program:x]
command=/bin/true
environment_file=$T/bad.env
EOF
"$CGSUPD" --check-config -c "$T/bad.conf" >"$T/check.out" 2>&1
rc=$?
diag "check-config: rc=$rc: $(cat "$T/check.out")"
check "--check-config fails on a malformed env file" test "$rc" -ne 0
check "--check-config names bad.env:2" grep -q "$T/bad.env:2: " "$T/check.out"

check "cgsupd stops" dl_stop
done_testing
