#!/usr/bin/env bash
# Log rotation by time and compression (issue 14, item 4): a log rotated every second
# (stdout_logfile_rotate=1s) and gzip-compressed, followed by `cgsupctl tail -f` through several time
# rotations: tail shows every line once, and the .gz backups put together with the current file are the
# program's exact bytes. A size-rotated zstd log decompresses to the exact bytes too, `cgsupctl rotate`
# rotates now, backups beyond _backups are pruned in every form, and a program without a log file is a
# clear error. Programs wait on FIFOs; the test waits for files the daemon makes, never for a time.
source "$(dirname "$0")/daemon-lib.sh"
dl_requirements
[[ -n ${CGSUPCTL:-} && -x $CGSUPCTL ]] || skip_all "CGSUPCTL not set (run through meson test)"
command -v gzip >/dev/null || skip_all "gzip not installed (ENOENT)"
command -v zstd >/dev/null || skip_all "zstd not installed (ENOENT)"
dl_setup logrotate

mkfifo "$T/ticker.go" "$T/sizer.go"
dl_write_wait_go "$T/wait-go.sh"
# Three batches; between them the test waits for a time rotation to have cut the file.
cat >"$T/ticker.sh" <<EOF
source $T/wait-go.sh
echo ready
for b in 0 1 2; do
        wait_go "$T/ticker.go"
        seq \$((b * 1000 + 1)) \$((b * 1000 + 1000))
done
EOF
cat >"$T/sizer.sh" <<EOF
source $T/wait-go.sh
wait_go "$T/sizer.go"
seq 1 2000
EOF

cat >"$T/cgsup.conf" <<EOF
[program:ticker]
command=/bin/bash $T/ticker.sh
startsecs=0
autorestart=false
stdout_logfile=$T/ticker.log
stdout_logfile_maxbytes=0
stdout_logfile_backups=50
stdout_logfile_rotate=1s
stdout_logfile_compress=gzip

[program:sizer]
command=/bin/bash $T/sizer.sh
startsecs=0
autorestart=false
stdout_logfile=$T/sizer.log
stdout_logfile_maxbytes=1KB
stdout_logfile_backups=50
stdout_logfile_compress=zstd

[program:pruned]
command=/usr/bin/seq 1 1000
startsecs=0
autorestart=false
stdout_logfile=$T/pruned.log
stdout_logfile_maxbytes=200
stdout_logfile_backups=3
stdout_logfile_compress=gzip

[program:quiet]
command=$CGSUP_HOG sleep inf
startsecs=0
stdout_logfile=NONE
stderr_logfile=NONE
EOF

check "cgsupd starts" dl_start "$T/cgsup.conf"
check "ticker RUNNING" wait_state ticker RUNNING 10

go() {
        timeout 30 bash -c "echo go >'$1'"
}
lines_are() {
        [[ $(wc -l <"$1") -eq $2 ]]
}
# No backup left plain or half-written: every rotation's compression has finished.
compressed_all() {
        local log=$1
        ! ls "$log".[0-9]* 2>/dev/null | grep -qvE '\.(gz|zst)$' && [[ ! -e $log.compressing ]]
}
# Backups oldest first (decompressed), then the current file.
put_together() {
        local log=$1 n i f
        n=$(ls "$log".[0-9]* 2>/dev/null | wc -l)
        for ((i = n; i >= 1; i--)); do
                for f in "$log.$i.gz" "$log.$i.zst"; do
                        [[ -e $f ]] || continue
                        case $f in
                        *.gz) gzip -dc "$f" ;;
                        *.zst) zstd -dcq "$f" ;;
                        esac
                done
        done
        cat "$log"
}

# ---- time rotation, gzip, tail -f across it ---------------------------------------------------------
"$CGSUPCTL" tail -f ticker >"$T/ticker.tail" 2>"$T/ticker.err" &
dl_track_pid $!
check "tail -f ticker is following" wait_until 20 grep -qx ready "$T/ticker.tail"
# "ready" alone makes the file non-empty: the next 1 s tick rotates it.
check "a time rotation made ticker.log.1.gz" wait_until 20 test -e "$T/ticker.log.1.gz"
check "batch 1 sent" go "$T/ticker.go"
check "a time rotation after batch 1 (ticker.log.2.gz)" wait_until 20 test -e "$T/ticker.log.2.gz"
check "batch 2 sent" go "$T/ticker.go"
check "a time rotation after batch 2 (ticker.log.3.gz)" wait_until 20 test -e "$T/ticker.log.3.gz"
check "batch 3 sent" go "$T/ticker.go"
check "ticker EXITED" wait_state ticker EXITED 20
check "tail -f received all 3001 lines" wait_until 30 lines_are "$T/ticker.tail" 3001
check "...exactly ready, 1..3000: no gap, no repeat across the time rotations" \
        cmp -s <(echo ready; seq 1 3000) "$T/ticker.tail"
check "...and no loss reported" test ! -s "$T/ticker.err"
# After the exit the file stops growing: the next tick rotates batch 3 away and leaves the file empty, and
# an empty file is not rotated, so from then on nothing moves.
settled() {
        [[ ! -s $1 ]] && compressed_all "$1"
}
check "ticker's last batch rotated away, all backups compressed" wait_until 20 settled "$T/ticker.log"
diag "ticker backups: $(cd "$T" && ls ticker.log.* | tr '\n' ' ')"
check "the .gz backups and the file are the program's exact bytes" \
        cmp -s <(echo ready; seq 1 3000) <(put_together "$T/ticker.log")
check "an empty file is not rotated: no empty backup" \
        bash -c "for f in '$T'/ticker.log.*.gz; do [[ -n \$(gzip -dc \"\$f\") ]] || exit 1; done"

# ---- size rotation, zstd; cgsupctl rotate ------------------------------------------------------------
check "sizer RUNNING" wait_state sizer RUNNING 10
check "sizer go" go "$T/sizer.go"
check "sizer EXITED" wait_state sizer EXITED 20
check "sizer's backups all compressed" wait_until 20 compressed_all "$T/sizer.log"
n=$(ls "$T"/sizer.log.*.zst 2>/dev/null | wc -l)
check "size rotation made several .zst backups ($n)" test "$n" -ge 5
check "the .zst backups and the file are the program's exact bytes" \
        cmp -s <(seq 1 2000) <(put_together "$T/sizer.log")
check "the rest of sizer.log is not empty" test -s "$T/sizer.log"
out=$("$CGSUPCTL" rotate sizer 2>&1)
check "cgsupctl rotate sizer succeeds" test "$out" = "sizer: log files rotated"
check "...the file is empty after it" test ! -s "$T/sizer.log"
check "...and its bytes went to a new backup" wait_until 20 test -e "$T/sizer.log.$((n + 1)).zst"
check "...compressed; everything still the exact bytes" \
        bash -c "$(declare -f compressed_all put_together); compressed_all '$T/sizer.log' && cmp -s <(seq 1 2000) <(put_together '$T/sizer.log')"
check "the rotation is logged" log_has "sizer: Rotated its log file"

# ---- pruning: compressed backups count like plain ones -----------------------------------------------
check "pruned EXITED" wait_state pruned EXITED 20
check "pruned's backups all compressed" wait_until 20 compressed_all "$T/pruned.log"
check "exactly 3 backups kept: pruned.log.1.gz .. .3.gz" \
        test "$(cd "$T" && ls pruned.log.* | tr '\n' ' ')" = "pruned.log.1.gz pruned.log.2.gz pruned.log.3.gz "
check "the newest backups end where the file begins" \
        bash -c "cat <(gzip -dc '$T/pruned.log.3.gz' '$T/pruned.log.2.gz' '$T/pruned.log.1.gz') '$T/pruned.log' | tail -n 1 | grep -qx 1000"

# ---- refusals ----------------------------------------------------------------------------------------
out=$("$CGSUPCTL" rotate quiet 2>&1)
rc=$?
diag "rotate quiet: rc=$rc $out"
check "rotate of a program without a log file fails" test "$rc" -ne 0
check "...saying it has no log file" grep -q "no log file to rotate" <<<"$out"
"$CGSUPCTL" rotate nosuch >/dev/null 2>&1
check "rotate of an unknown program exits 4" test $? -eq 4
out=$("$CGSUPCTL" rotate all 2>&1)
diag "rotate all: $out"
check "rotate all skips programs without a log file" bash -c "! grep -q quiet <<<'$out' && grep -q 'ticker: log files rotated' <<<'$out'"

check "cgsupd still running" daemon_alive
check "cgsupd stops" dl_stop
done_testing
