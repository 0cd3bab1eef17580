#!/usr/bin/env bash
# watch= (issue 14, item 6): touching a watched file restarts the program once per debounce window;
# a directory created after the start is watched too; watch_ignore= globs do not restart; a missing path
# is a warning; a stopped program is not started by a change.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
dl_setup watch
mkdir -p "$T/src/lib"
echo 1 >"$T/src/lib/a.c"
echo 1 >"$T/config.ini"

cat >"$T/cgsup.conf" <<EOF
[program:dev]
command=$CGSUP_HOG sleep inf
startsecs=0
watch=$T/src $T/config.ini $T/nonexistent
watch_ignore=*.swp .git
watch_debounce=2s

[program:idle]
command=$CGSUP_HOG sleep inf
autostart=false
watch=$T/src
watch_debounce=1s
EOF

restarts() { grep -c 'dev: watch: .* changed, restarting' "$DAEMON_LOG"; }

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "a missing path is a warning" log_has "watch: $T/nonexistent does not exist"
check "dev RUNNING" wait_state dev RUNNING 15
pid=$(field_of dev pid)

# five changes inside one window: one restart
for i in 1 2 3 4 5; do echo "$i" >>"$T/src/lib/a.c"; done
check "dev restarted" wait_until 20 bash -c "[[ \$(sed -n s/^pid=//p $RUNDIR/state/dev) != $pid && \$(sed -n s/^state=//p $RUNDIR/state/dev) == RUNNING ]]"
check "five writes in one window: one restart" test "$(restarts)" -eq 1
check "the log names the file" log_has "dev: watch: $T/src/lib/a.c changed, restarting"

# an ignored file, then a new directory's file: the restart names the real change, not the .swp
pid=$(field_of dev pid)
echo x >"$T/src/lib/.a.c.swp"
mkdir "$T/src/newdir"
# the new directory itself is a change: wait for that window's restart, then write inside it
check "creating a directory restarts" wait_until 20 bash -c "[[ \$(grep -c 'dev: watch: .* changed, restarting' $DAEMON_LOG) -ge 2 ]]"
check "the .swp was not the reason" bash -c "! grep -q 'a.c.swp changed' '$DAEMON_LOG'"
check "dev RUNNING again" wait_state dev RUNNING 15
echo 1 >"$T/src/newdir/b.c"
check "a file in a directory created after the start restarts" wait_until 20 bash -c "grep -q 'dev: watch: $T/src/newdir/b.c changed' '$DAEMON_LOG'"
check "dev RUNNING before the next change" wait_state dev RUNNING 15
echo 2 >>"$T/config.ini"
check "config.ini's change is logged" wait_until 20 grep -q "dev: watch: $T/config.ini changed" "$DAEMON_LOG"
check "idle (stopped) is not started by a change" bash -c "! grep -q 'idle: watch:' '$DAEMON_LOG' && [[ \$(sed -n s/^state=//p $RUNDIR/state/idle 2>/dev/null || echo STOPPED) == STOPPED ]]"

check "cgsupd stops" dl_stop
done_testing
