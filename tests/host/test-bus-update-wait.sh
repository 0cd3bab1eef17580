#!/bin/bash
# SPDX-License-Identifier: MIT
# update / reload answer once what they stop is stopped: the removed program's (or the changed one's old)
# processes are gone and its leaf removed when cgsupctl update, cgsupctl reload, cgsup-supervisorctl update
# and UpdateGroups() return; and the daemon serves other calls while such a reply waits.
# The programs ignore SIGTERM for a while (stopwaitsecs is larger), so a reply sent before the outcome
# finds them alive.

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
[[ -n ${CGSUP_SUPERVISORCTL:-} && -x $CGSUP_SUPERVISORCTL ]] || skip_all "CGSUP_SUPERVISORCTL not set (run through meson test)"

CONF=$TEST_DIR/cgsup.conf
# slow NAME [TRAP]: a program that answers SIGTERM by running TRAP (default: 1 s more), then exits.
slow() {
        printf '[program:%s]\ncommand = /bin/sh -c %q\nstopwaitsecs = 60\nstartsecs = 0\n\n' "$1" \
                "trap '${2:-sleep 1}; exit 0' TERM; while :; do sleep 0.1; done"
}
{
        slow gone1
        slow changed1
        slow gone2
        slow gone3
        printf '[group:grp]\nprograms = gone4\n\n'
        slow gone4
        slow held "while [ ! -e $TEST_DIR/release ]; do sleep 0.05; done"
} >"$CONF"
cp "$CONF" "$TEST_DIR/all.conf"

start_daemon_or_bail "$CONF"
for p in gone1 changed1 gone2 gone3 gone4 held; do
        wait_state "$p" RUNNING >/dev/null || diag "$p did not come up"
done

# snapshot NAME: "PID CGROUP-DIRECTORY" of NAME now.
snapshot() {
        echo "$(prop "$1" MainPID | awk '{ print $NF }') $CG_MOUNT$(prop "$1" CGroup)"
}
# gone_now "PID DIR": the process and its leaf are both gone.
gone_now() {
        local pid=${1% *} dir=${1#* }
        [[ $pid -gt 0 ]] || { echo "no pid recorded"; return 1; }
        if kill -0 "$pid" 2>/dev/null; then
                echo "pid $pid still exists"
                return 1
        fi
        if [[ -d $dir ]]; then
                echo "cgroup $dir still exists"
                return 1
        fi
}
# without NAME...: the configuration without those programs' sections.
without() {
        local drop=" $* "
        awk -v drop="$drop" '/^\[/ { name = $0; sub(/^\[(program|group):/, "", name); sub(/\]$/, "", name);
                skip = index(drop, " " name " ") > 0 } !skip' "$TEST_DIR/all.conf"
}

# ---- cgsupctl update: a removed program and a changed one ----
g1=$(snapshot gone1)
c1=$(snapshot changed1)
without gone1 | sed '/^\[program:changed1\]/a environment = CHANGED=1' >"$CONF"
"$CGSUPCTL" update >"$TEST_DIR/update.out" 2>&1
check "cgsupctl update: the removed program's process and cgroup are gone when it returns" gone_now "$g1"
check "cgsupctl update: the changed program's old process is gone when it returns" bash -c "! kill -0 ${c1% *} 2>/dev/null"
check "cgsupctl update: says what it did" bash -c "grep -qx 'gone1: removed' '$TEST_DIR/update.out' && grep -qx 'changed1: updated' '$TEST_DIR/update.out'"
check "the changed program runs again" wait_state changed1 RUNNING

# ---- cgsupctl reload ----
cp "$CONF" "$TEST_DIR/all.conf"
g2=$(snapshot gone2)
without gone2 >"$CONF"
check "cgsupctl reload succeeds" "$CGSUPCTL" reload
check "cgsupctl reload: the removed program's process and cgroup are gone when it returns" gone_now "$g2"

# ---- cgsup-supervisorctl update ----
cp "$CONF" "$TEST_DIR/all.conf"
g3=$(snapshot gone3)
without gone3 >"$CONF"
"$CGSUP_SUPERVISORCTL" -c "$CONF" update >"$TEST_DIR/sctl.out" 2>&1
check "cgsup-supervisorctl update: 'gone3: stopped' printed when gone3's process and cgroup are gone" bash -c "
        grep -qx 'gone3: stopped' '$TEST_DIR/sctl.out' || { cat '$TEST_DIR/sctl.out'; exit 1; }
        $(declare -f gone_now); gone_now '$g3'"

# ---- UpdateGroups ----
cp "$CONF" "$TEST_DIR/all.conf"
g4=$(snapshot gone4)
without grp gone4 >"$CONF"
check "UpdateGroups(grp) replies" bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager UpdateGroups as 1 grp
check "UpdateGroups: the removed group's process and cgroup are gone when it replies" gone_now "$g4"

# ---- the daemon serves other calls while an update waits ----
# held stops only once $TEST_DIR/release exists: the order of events is the test, not a time.
cp "$CONF" "$TEST_DIR/all.conf"
h=$(snapshot held)
without held >"$CONF"
("$CGSUPCTL" update >"$TEST_DIR/held.out" 2>&1; touch "$TEST_DIR/update-returned") &
UPDATE_PID=$!
check "held is stopping (the update has begun)" wait_state held STOPPING
check "ListPrograms is answered while the update waits" bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms
check "... and the update has not returned yet" bash -c "[[ ! -e '$TEST_DIR/update-returned' ]] && kill -0 ${h% *}"
touch "$TEST_DIR/release"
wait "$UPDATE_PID"
check "after the release the update returns, held's process and cgroup gone" bash -c "
        [[ -e '$TEST_DIR/update-returned' ]] && grep -qx 'held: removed' '$TEST_DIR/held.out'
        $(declare -f gone_now); gone_now '$h'"

# ---- a caller that goes away while its update waits leaves nothing behind ----
printf '%s' "$(slow held2 "while [ ! -e $TEST_DIR/release2 ]; do sleep 0.05; done")" >>"$CONF"
"$CGSUPCTL" update >/dev/null
wait_state held2 RUNNING >/dev/null
cp "$CONF" "$TEST_DIR/all.conf"
without held2 >"$CONF"
bctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager Update >/dev/null 2>&1 &
BUSCTL_PID=$!
check "held2 is stopping" wait_state held2 STOPPING
kill "$BUSCTL_PID" 2>/dev/null
wait "$BUSCTL_PID" 2>/dev/null
touch "$TEST_DIR/release2"
check "the daemon answers after the caller left and the stop ended" bash -c "
        for _ in \$(seq 1 100); do
                busctl --address='$BUS_ADDRESS' call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgram s held2 >/dev/null 2>&1 || exit 0
                sleep 0.1
        done
        echo 'held2 was never removed'; exit 1"
check "daemon still answers" daemon_alive

tap_done
