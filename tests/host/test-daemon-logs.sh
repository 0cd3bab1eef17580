#!/usr/bin/env bash
# Output capture: *_logfile rotation by size keeps exactly _backups files, stderr goes to its own file
# (or into stdout with redirect_stderr), and AUTO logs land in childlogdir.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
dl_setup logs

cat >"$T/cgsup.conf" <<EOF
[supervisord]
childlogdir=$T/auto

[program:chatty]
command=$CGSUP_HOG print 6000
environment=HOG_STDERR=1
startsecs=0
autorestart=false
stdout_logfile=$T/chatty.out
stdout_logfile_maxbytes=10KB
stdout_logfile_backups=3
stderr_logfile=$T/chatty.err
stderr_logfile_maxbytes=0

[program:merged]
command=$CGSUP_HOG print 5
environment=HOG_STDERR=1
startsecs=0
autorestart=false
redirect_stderr=true
stdout_logfile=$T/merged.log

[program:auto]
command=$CGSUP_HOG print 3
startsecs=0
autorestart=false
EOF
mkdir -p "$T/auto"

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "chatty EXITED" wait_state chatty EXITED 20
check "stdout rotated: .1 .2 .3 exist" bash -c "[[ -f $T/chatty.out.1 && -f $T/chatty.out.2 && -f $T/chatty.out.3 ]]"
check "no more than _backups files" test ! -e "$T/chatty.out.4"
check "every file within maxbytes" bash -c "for f in $T/chatty.out $T/chatty.out.[123]; do [[ \$(stat -c %s \$f) -le 10240 ]] || exit 1; done"
check "last line is in the current file" bash -c "tail -n 1 $T/chatty.out | grep -qx 'line 6000'"
check "lines are whole and in order across rotation" bash -c "cat $T/chatty.out.3 $T/chatty.out.2 $T/chatty.out.1 $T/chatty.out | awk '{ if (\$1 != \"line\" || (prev && \$2 != prev + 1)) bad = 1; prev = \$2 } END { exit bad }'"
check "stderr has all 6000 lines (no rotation with maxbytes=0)" bash -c "[[ \$(wc -l <$T/chatty.err) -eq 6000 ]]"
check "redirect_stderr merges both streams" wait_until 10 bash -c "[[ \$(grep -c '^line' $T/merged.log) -eq 5 && \$(grep -c '^err' $T/merged.log) -eq 5 ]]"
check "AUTO log in childlogdir" wait_until 10 bash -c "cat $T/auto/auto-stdout---*.log 2>/dev/null | grep -qx 'line 3'"
dl_stop
check "clean shutdown" test $? -eq 0
done_testing
