#!/usr/bin/env bash
# Output that loses nothing: `cgsupctl tail -f` reads by cursor, so a counter printed 20,000 times through
# 100 rotations arrives with no gap and no repeat, and so do 20,000 identical lines in ring mode; a burst
# larger than the ring, read late, is reported with the exact number of bytes lost; 100 MiB without a
# newline reach the log file byte for byte; a program's log file is opened again at each start.
# Programs wait on FIFOs the test writes to, so every step is driven by an event, not by time.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
dl_setup tail

for f in counter ring burst; do mkfifo "$T/$f.go"; done
# Each program prints "ready" first: once a tail -f shows it, that tail holds a cursor (its first call is
# done), and only then does the test let the program go on (dl_write_wait_go).
dl_write_wait_go "$T/wait-go.sh"
cat >"$T/counter.sh" <<EOF
source $T/wait-go.sh
echo ready
wait_go "$T/counter.go"
seq 1 20000
EOF
cat >"$T/ring.sh" <<EOF
source $T/wait-go.sh
echo ready
for b in \$(seq 20); do
        wait_go "$T/ring.go"
        yes same | head -n 1000
done
EOF
cat >"$T/burst.sh" <<EOF
source $T/wait-go.sh
echo ready
wait_go "$T/burst.go"
head -c 204800 /dev/zero | tr '\0' x
EOF
# 100 MiB without a single newline (random bytes with the newlines taken out).
head -c 110M /dev/urandom | tr -d '\n' | head -c 100M >"$T/flat.src"

cat >"$T/cgsup.conf" <<EOF
[program:counter]
command=/bin/bash $T/counter.sh
startsecs=0
autorestart=false
stdout_logfile=$T/counter.log
stdout_logfile_maxbytes=1KB
stdout_logfile_backups=200

[program:ring]
command=/bin/bash $T/ring.sh
startsecs=0
autorestart=false
stdout_logfile=NONE

[program:burst]
command=/bin/bash $T/burst.sh
startsecs=0
autorestart=false
stdout_logfile=NONE

[program:flat]
command=/bin/cat $T/flat.src
startsecs=0
autorestart=false
stdout_logfile=$T/flat.log
stdout_logfile_maxbytes=0

[program:once]
command=/bin/echo run
startsecs=0
autorestart=false
stdout_logfile=$T/once.log
EOF

check "cgsupd starts" dl_start "$T/cgsup.conf"
for p in counter ring burst; do check "$p RUNNING" wait_state "$p" RUNNING 10; done

# tail -f NAME >FILE 2>ERRFILE in the background.
follow() {
        "$CGSUPCTL" tail -f "$1" >"$T/$1.tail" 2>"$T/$1.err" &
        dl_track_pid $!
}
lines_are() {
        [[ $(wc -l <"$1") -eq $2 ]]
}
go() {
        timeout 30 bash -c "echo go >'$T/$1.go'"
}

# ---- a counter through 100 rotations ----------------------------------------------------------------
follow counter
check "tail -f counter is following" wait_until 20 grep -qx ready "$T/counter.tail"
go counter
check "tail -f received 20,000 lines" wait_until 60 lines_are "$T/counter.tail" 20001
check "...exactly 1..20000: no gap, no repeat" cmp -s <(echo ready; seq 1 20000) "$T/counter.tail"
check "...and no loss reported" test ! -s "$T/counter.err"
rotated=$(ls "$T"/counter.log.* 2>/dev/null | wc -l)
check "the log rotated at least 100 times ($rotated files)" test "$rotated" -ge 100
check "the files put together are the program's bytes" \
        cmp -s <(echo ready; seq 1 20000) <(for i in $(seq "$rotated" -1 1); do cat "$T/counter.log.$i"; done; cat "$T/counter.log")

# ---- ring mode, identical lines ----------------------------------------------------------------------
follow ring
check "tail -f ring is following" wait_until 20 grep -qx ready "$T/ring.tail"
ok_ring=1
for b in $(seq 20); do
        go ring || { ok_ring=0; break; }
        wait_until 30 lines_are "$T/ring.tail" $((b * 1000 + 1)) || { ok_ring=0; break; }
done
check "ring mode: 20 batches of 1,000 identical lines arrived in step" test "$ok_ring" -eq 1
[[ $ok_ring -eq 1 ]] || diag "batch $b: $(wc -l <"$T/ring.tail") lines; stderr: $(cat "$T/ring.err")"
check "ring mode: exactly 20,000 lines, all 'same'" bash -c "[[ \$(grep -cx same '$T/ring.tail') -eq 20000 && \$(wc -l <'$T/ring.tail') -eq 20001 ]]"
check "ring mode: no loss reported" test ! -s "$T/ring.err"

# ---- a burst larger than the ring, read late ---------------------------------------------------------
follow burst
burst_tail=${DL_PIDS[-1]}
check "tail -f burst is following" wait_until 20 grep -qx ready "$T/burst.tail"
kill -STOP "$burst_tail"
go burst
check "burst printed and exited" wait_state burst EXITED 30
# 204,800 bytes through a 64 KiB ring: 139,264 are gone before the reader wakes up (6 more, "ready\n",
# for a reader from the very first byte).
check "GetProgramOutput from cursor 0 reports 139270 lost bytes" bash -c \
        "busctl call org.cgsup1 /org/cgsup1 org.cgsup1.Manager GetProgramOutput sstt burst stdout 0 16 | grep -Eq ' 139270\$'"
kill -CONT "$burst_tail"
check "tail -f says how many bytes were lost" wait_until 15 grep -q "^cgsupctl: 139264 bytes of burst stdout were lost" "$T/burst.err"
grep -q "bytes of burst stdout were lost" "$T/burst.err" || diag "tail -f burst stderr: $(cat "$T/burst.err")"
check "...and prints the 65,536 bytes still held" wait_until 15 bash -c "[[ \$(stat -c %s '$T/burst.tail') -eq 65542 ]]"
check "...which are the burst's last bytes" bash -c "[[ \$(head -c 6 '$T/burst.tail') == ready ]] && ! tail -c +7 '$T/burst.tail' | tr -d x | grep -q ."

# ---- 100 MiB without a newline ------------------------------------------------------------------------
check "flat (100 MiB) EXITED" wait_state flat EXITED 120
check "the log file has exactly 100 MiB" wait_until 30 bash -c "[[ \$(stat -c %s '$T/flat.log') -eq 104857600 ]]"
check "byte for byte (sha256)" test "$(sha256sum <"$T/flat.log")" = "$(sha256sum <"$T/flat.src")"
rm -f "$T/flat.src" "$T/flat.log"

# ---- the log file is opened again at each start ---------------------------------------------------------
check "once EXITED" wait_state once EXITED 10
check "once wrote its log" grep -qx run "$T/once.log"
rm "$T/once.log"
check "start once again" "$CGSUPCTL" start once
check "the new run's output is in a new file" wait_until 10 grep -qx run "$T/once.log"

dl_stop
check "clean shutdown" test $? -eq 0
done_testing
