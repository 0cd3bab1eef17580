/* SPDX-License-Identifier: MIT */
/* Log capture without an event loop: verbatim files, rotation, the ring and its lazy growth, reading by
 * cursor across rotations with exact counts of what was lost, passthrough, non-seekable targets. */
#include <fcntl.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "byte-ring.h"
#include "log-rotate.h"
#include "logcap.h"
#include "tests.h"

static char *tmpdir(void) {
        return tests_tmpdir("logcap");
}

static char *slurp(const char *path) {
        char *s = NULL;
        ASSERT_OK(read_full_file_at(AT_FDCWD, path, 64 * 1024 * 1024, &s, NULL));
        return s;
}

static void put(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs(text, f);
        fclose(f);
}

static off_t file_size(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0)
                return -1;
        return st.st_size;
}

static LogCapture *capture_file(const char *path, uint64_t maxbytes, unsigned backups) {
        LogConfig lc = { .path = (char *) path, .maxbytes = maxbytes, .backups = backups };
        LogCapture *c;

        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        return c;
}

static LogCapture *capture_ring(void) {
        LogCapture *c;

        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .passthrough_fd = -1 },
                                  &c));
        return c;
}

/* "1\n2\n3\n..." up to @n: the stream the counter tests feed. */
static char *counter_text(unsigned n, size_t *ret_len) {
        size_t len = 0, alloc = (size_t) n * 8 + 1;
        char *t = malloc(alloc);

        ASSERT_NOT_NULL(t);
        for (unsigned i = 1; i <= n; i++)
                len += (size_t) snprintf(t + len, alloc - len, "%u\n", i);
        *ret_len = len;
        return t;
}

/* Feeds @text in chunks of varying size (as pipe reads come). */
static void feed_chunked(LogCapture *c, const char *text, size_t len) {
        size_t done = 0, step = 1;

        while (done < len) {
                size_t k = MIN(step, len - done);
                log_capture_feed(c, text + done, k);
                done += k;
                step = step * 7 % 4093 + 1;
        }
}

/* Reads everything from @cursor in pieces of at most @max bytes, as `tail -f` does; returns the bytes, the
 * total lost and the final cursor. */
static char *read_all(LogCapture *c, uint64_t cursor, size_t max, size_t *ret_len, uint64_t *ret_lost,
                      uint64_t *ret_cursor) {
        size_t len = 0;
        uint64_t lost = 0;
        char *all = NULL;

        for (unsigned calls = 0;; calls++) {
                LogChunk ch = {};

                ASSERT_TRUE(calls < 1000000);
                ASSERT_OK(log_capture_read(c, cursor, max, &ch));
                ASSERT_LE(ch.size, max);
                if (ch.lost == LOGCAP_LOST_UNKNOWN)
                        lost = LOGCAP_LOST_UNKNOWN;
                else if (lost != LOGCAP_LOST_UNKNOWN)
                        lost += ch.lost;
                all = realloc(all, len + ch.size + 1);
                ASSERT_NOT_NULL(all);
                memcpy(all + len, ch.data, ch.size);
                len += ch.size;
                all[len] = 0;
                if (ch.size == 0 && ch.lost == 0 && ch.next_cursor == cursor) {
                        log_chunk_done(&ch);
                        break;
                }
                cursor = ch.next_cursor;
                log_chunk_done(&ch);
        }
        *ret_len = len;
        *ret_lost = lost;
        if (ret_cursor)
                *ret_cursor = cursor;
        return all;
}

/* Reads everything from the start and checks each chunk against @text at the position it claims (position
 * = previous end + lost): nothing is served that is not the stream's byte at that position. Returns the bytes
 * served; *ret_lost the bytes skipped. */
static size_t read_checked(LogCapture *c, const char *text, size_t len, size_t max, uint64_t *ret_lost) {
        uint64_t cursor = LOGCAP_CURSOR_START, pos = 0, lost = 0;
        size_t served = 0;

        for (unsigned calls = 0;; calls++) {
                LogChunk ch = {};

                ASSERT_TRUE(calls < 1000000);
                ASSERT_OK(log_capture_read(c, cursor, max, &ch));
                ASSERT_TRUE(ch.lost != LOGCAP_LOST_UNKNOWN);
                pos += ch.lost;
                lost += ch.lost;
                ASSERT_LE(pos + ch.size, len);
                ASSERT_TRUE(memcmp(ch.data, text + pos, ch.size) == 0);
                pos += ch.size;
                served += ch.size;
                if (ch.size == 0 && ch.lost == 0) {
                        log_chunk_done(&ch);
                        break;
                }
                cursor = ch.next_cursor;
                log_chunk_done(&ch);
        }
        ASSERT_EQ_U64(pos, len);
        *ret_lost = lost;
        return served;
}

TEST(files_get_the_bytes_verbatim) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *text = NULL, *big = NULL;
        size_t n = LOGCAP_LINE_MAX * 2 + 10;
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/out.log", dir));
        c = capture_file(path, 0, 0);
        log_capture_feed(c, "hel", 3);
        log_capture_feed(c, "lo\nwor", 6);
        log_capture_feed(c, "ld\n\nlast", 8);
        log_capture_flush(c); /* EOF: a partial last line stays as it is, no newline is added */
        text = slurp(path);
        ASSERT_STREQ(text, "hello\nworld\n\nlast");
        free(text);

        /* Output without newlines: no '\n' inserted every LOGCAP_LINE_MAX bytes. */
        big = malloc(n);
        memset(big, 'a', n);
        log_capture_feed(c, big, n);
        log_capture_flush(c);
        ASSERT_EQ(file_size(path), (off_t) (n + 17));
        text = slurp(path);
        ASSERT_NULL(strchr(text + 17, '\n'));
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(rotation_keeps_backups_and_whole_lines) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL, *p3 = NULL, *p4 = NULL, *cat = NULL;
        _cleanup_free_ char *f[4] = {};
        char line[101];
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        ASSERT_OK(asprintf(&p3, "%s.3", path));
        ASSERT_OK(asprintf(&p4, "%s.4", path));
        c = capture_file(path, 1000, 3);
        memset(line, 'z', 99);
        line[99] = '\n';
        line[100] = 0;
        /* 60 lines of 100 bytes fed as 30 chunks of 200: files cut after a newline, never above maxbytes;
         * the oldest fall off after 3 backups. */
        for (int i = 0; i < 30; i++) {
                char two[200];
                memcpy(two, line, 100);
                memcpy(two + 100, line, 100);
                log_capture_feed(c, two, 200);
        }
        ASSERT_LE(file_size(path), 1000);
        ASSERT_EQ(file_size(p1), 1000);
        ASSERT_EQ(file_size(p3), 1000);
        ASSERT_EQ(file_size(p4), -1);

        /* A line that does not fit is not split when a newline allows: 300-byte lines, 1000-byte files. */
        log_capture_free(c);
        tests_rm_rf(dir);
        free(dir);
        dir = tmpdir();
        free(path);
        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        c = capture_file(path, 1000, 3);
        char l300[300];
        memset(l300, 'q', 299);
        l300[299] = '\n';
        for (int i = 0; i < 7; i++)
                log_capture_feed(c, l300, 300);
        ASSERT_OK(asprintf(&cat, "%s.1", path));
        /* 7 lines: 3 in .2, 3 in .1, 1 in the current file; each file ends with a whole line. */
        ASSERT_EQ(file_size(cat), 900);
        ASSERT_EQ(file_size(path), 300);
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(byte_ring_grows_wraps_and_copies_by_position) {
        ByteRing r = BYTE_RING_INIT(4, 16);
        char out[32];

        ASSERT_EQ(r.size, 0u);
        ASSERT_OK(byte_ring_append(&r, "ab", 2));
        ASSERT_EQ(r.size, 4u);
        ASSERT_OK(byte_ring_append(&r, "cdefg", 5));
        ASSERT_EQ(r.size, 8u);
        ASSERT_EQ(byte_ring_copy(&r, 0, out, sizeof(out)), 7u);
        ASSERT_TRUE(memcmp(out, "abcdefg", 7) == 0);
        ASSERT_OK(byte_ring_append(&r, "hijklmnopqrs", 12)); /* 19 bytes > max 16: wraps */
        ASSERT_EQ(r.size, 16u);
        ASSERT_EQ(byte_ring_start(&r), 3u);
        ASSERT_EQ(r.end, 19u);
        ASSERT_EQ(byte_ring_copy(&r, 2, out, sizeof(out)), 0u); /* gone */
        ASSERT_EQ(byte_ring_copy(&r, 3, out, sizeof(out)), 16u);
        ASSERT_TRUE(memcmp(out, "defghijklmnopqrs", 16) == 0);
        ASSERT_EQ(byte_ring_copy(&r, 17, out, 1), 1u);
        ASSERT_EQ(out[0], 'r');
        ASSERT_OK(byte_ring_append(&r, "0123456789ABCDEFGHIJ", 20)); /* more than the whole ring at once */
        ASSERT_EQ(byte_ring_start(&r), 23u);
        ASSERT_EQ(byte_ring_copy(&r, 23, out, sizeof(out)), 16u);
        ASSERT_TRUE(memcmp(out, "456789ABCDEFGHIJ", 16) == 0);
        byte_ring_done(&r);
}

TEST(ring_is_allocated_on_first_use) {
        LogCapture *c = capture_ring();
        char big[LOGCAP_RING_MAX * 2];

        ASSERT_EQ(log_capture_ring_size(c), 0u);
        log_capture_feed(c, "one line\n", 9);
        ASSERT_EQ(log_capture_ring_size(c), (size_t) LOGCAP_RING_MIN);
        memset(big, 'b', sizeof(big));
        log_capture_feed(c, big, sizeof(big));
        ASSERT_EQ(log_capture_ring_size(c), (size_t) LOGCAP_RING_MAX);
        log_capture_free(c);
}

TEST(ring_cursor_reads_identical_lines_exactly_once) {
        LogCapture *c = capture_ring();
        uint64_t cursor = LOGCAP_CURSOR_START, lost;
        size_t len;
        char *got;

        /* Identical lines: a reader guessing the overlap from the text would see one; cursors see all. */
        for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 11; i++)
                        log_capture_feed(c, "same\n", 5);
                got = read_all(c, cursor, 7, &len, &lost, &cursor);
                ASSERT_EQ(len, 55u);
                ASSERT_EQ_U64(lost, 0);
                for (size_t i = 0; i < len; i += 5)
                        ASSERT_TRUE(memcmp(got + i, "same\n", 5) == 0);
                free(got);
        }
        /* Nothing new: nothing again. */
        got = read_all(c, cursor, 100, &len, &lost, NULL);
        ASSERT_EQ(len, 0u);
        free(got);
        log_capture_free(c);
}

TEST(ring_overflow_reports_exactly_what_was_lost) {
        LogCapture *c = capture_ring();
        size_t burst = LOGCAP_RING_MAX * 3 + 123, len;
        _cleanup_free_ char *text = malloc(burst), *got = NULL;
        uint64_t cursor, lost;
        LogChunk ch = {};

        for (size_t i = 0; i < burst; i++)
                text[i] = (char) ('a' + i % 26);
        log_capture_feed(c, "x\n", 2);
        ASSERT_OK(log_capture_read(c, LOGCAP_CURSOR_START, 100, &ch));
        ASSERT_EQ(ch.size, 2u);
        cursor = ch.next_cursor;
        log_chunk_done(&ch);

        feed_chunked(c, text, burst);
        got = read_all(c, cursor, 4096, &len, &lost, NULL);
        ASSERT_EQ_U64(lost, burst - LOGCAP_RING_MAX);
        ASSERT_EQ(len, (size_t) LOGCAP_RING_MAX);
        ASSERT_TRUE(memcmp(got, text + burst - LOGCAP_RING_MAX, len) == 0);
        log_capture_free(c);
}

TEST(file_cursor_across_100_rotations_no_gap_no_repeat) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *text = NULL, *got = NULL;
        uint64_t cursor = LOGCAP_CURSOR_START, lost;
        size_t len, glen, half;
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/counter.log", dir));
        text = counter_text(20000, &len);
        /* ~109 KB through 1 KB files: over 100 rotations, far more than the ring holds. */
        c = capture_file(path, 1024, 200);
        half = len / 2;
        feed_chunked(c, text, half);
        got = read_all(c, cursor, 333, &glen, &lost, &cursor);
        ASSERT_EQ(glen, half);
        ASSERT_EQ_U64(lost, 0);
        ASSERT_TRUE(memcmp(got, text, half) == 0);
        free(got);
        feed_chunked(c, text + half, len - half);
        got = read_all(c, cursor, 5000, &glen, &lost, NULL);
        ASSERT_EQ(glen, len - half);
        ASSERT_EQ_U64(lost, 0);
        ASSERT_TRUE(memcmp(got, text + half, glen) == 0);
        free(got);
        /* And once more from the start, all in one go. */
        got = read_all(c, LOGCAP_CURSOR_START, 1024 * 1024, &glen, &lost, NULL);
        ASSERT_EQ(glen, len);
        ASSERT_TRUE(memcmp(got, text, len) == 0);
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(file_backups_deleted_are_counted_as_lost) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL, *p2 = NULL, *text = NULL, *got = NULL;
        uint64_t lost;
        size_t len, glen, kept;
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        ASSERT_OK(asprintf(&p2, "%s.2", path));
        text = counter_text(30000, &len);
        /* Three files of 10 KB hold more than the file-backed ring (8 KB): the files are the oldest source. */
        c = capture_file(path, 10000, 2);
        feed_chunked(c, text, len);
        kept = (size_t) (file_size(path) + file_size(p1) + file_size(p2));
        got = read_all(c, LOGCAP_CURSOR_START, 4096, &glen, &lost, NULL);
        ASSERT_EQ_U64(lost, len - kept);
        ASSERT_EQ(glen, kept);
        ASSERT_TRUE(memcmp(got, text + len - kept, kept) == 0);
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(moved_or_replaced_files_are_never_read_as_ours) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL, *moved = NULL, *text = NULL, *got = NULL;
        uint64_t lost;
        size_t len, glen;
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        ASSERT_OK(asprintf(&moved, "%s.moved", path));
        text = counter_text(20000, &len);
        c = capture_file(path, 50000, 3);
        feed_chunked(c, text, len);
        /* Someone replaces app.log.1 with other bytes: they must count as lost, never be served. */
        ASSERT_OK_ERRNO(unlink(p1));
        put(p1, "not ours\n");
        glen = read_checked(c, text, len, 4096, &lost);
        ASSERT_EQ(glen + lost, len);
        ASSERT_TRUE(lost > 0);

        /* logrotate moves the current file away and sends SIGUSR2: the new file starts a new map. */
        ASSERT_OK_ERRNO(rename(path, moved));
        ASSERT_OK(log_capture_reopen(c));
        log_capture_feed(c, "after\n", 6);
        got = slurp(path);
        ASSERT_STREQ(got, "after\n");
        free(got);
        got = NULL;
        _cleanup_free_ char *all = malloc(len + 6);
        ASSERT_NOT_NULL(all);
        memcpy(all, text, len);
        memcpy(all + len, "after\n", 6);
        glen = read_checked(c, all, len + 6, 4096, &lost);
        ASSERT_EQ(glen + lost, len + 6);
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(another_writer_on_the_same_file_is_never_served) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *text = NULL;
        uint64_t lost;
        size_t len, glen;
        LogCapture *a, *b;

        ASSERT_OK(asprintf(&path, "%s/shared.log", dir));
        text = counter_text(8000, &len);
        a = capture_file(path, 0, 0);
        b = capture_file(path, 0, 0);
        feed_chunked(a, text, len / 2);
        log_capture_feed(b, "intruder\n", 9);
        feed_chunked(a, text + len / 2, len - len / 2);
        glen = read_checked(a, text, len, 1000, &lost);
        ASSERT_EQ(glen + lost, len);
        log_capture_free(a);
        log_capture_free(b);
        tests_rm_rf(dir);
}

TEST(cursors_of_another_capture_and_the_tail) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL;
        LogCapture *a = capture_ring(), *b = capture_ring(), *f;
        LogChunk ch = {};

        /* Epochs are random in 1..30: take a b whose epoch differs from a's, as a restarted daemon's does but
         * for one time in 30 (then a's cursor reads as one of b's positions, which is clamped). */
        for (int i = 0; i < 1000 && log_capture_end_cursor(a) >> 48 == log_capture_end_cursor(b) >> 48; i++) {
                log_capture_free(b);
                b = capture_ring();
        }
        ASSERT_TRUE(log_capture_end_cursor(a) >> 48 != log_capture_end_cursor(b) >> 48);
        log_capture_feed(a, "aaaa\n", 5);
        log_capture_feed(b, "bbbbbbbb\n", 9);
        /* a's cursor handed to b (b is a's stream after a daemon restart): no position is trusted. */
        ASSERT_OK(log_capture_read(b, log_capture_end_cursor(a), 100, &ch));
        ASSERT_EQ_U64(ch.lost, LOGCAP_LOST_UNKNOWN);
        ASSERT_EQ(ch.size, 9u);
        ASSERT_EQ_U64(ch.next_cursor, log_capture_end_cursor(b));
        log_chunk_done(&ch);

        ASSERT_OK(log_capture_read(b, LOGCAP_CURSOR_TAIL, 4, &ch));
        ASSERT_EQ(ch.size, 4u);
        ASSERT_TRUE(memcmp(ch.data, "bbb\n", 4) == 0);
        ASSERT_EQ_U64(ch.next_cursor, log_capture_end_cursor(b));
        log_chunk_done(&ch);

        /* JavaScript clients (the Cockpit page) ask for the tail with 2^53 - 1 and get every cursor back
         * exactly: all are below 2^53. */
        ASSERT_OK(log_capture_read(b, LOGCAP_CURSOR_TAIL_JS, 4, &ch));
        ASSERT_EQ(ch.size, 4u);
        ASSERT_TRUE(memcmp(ch.data, "bbb\n", 4) == 0);
        ASSERT_TRUE(ch.next_cursor < LOGCAP_CURSOR_TAIL_JS);
        log_chunk_done(&ch);

        /* With a file, the tail is the file's, including what an earlier run wrote there. */
        ASSERT_OK(asprintf(&path, "%s/t.log", dir));
        put(path, "earlier run\n");
        f = capture_file(path, 0, 0);
        log_capture_feed(f, "now\n", 4);
        ASSERT_OK(log_capture_read(f, LOGCAP_CURSOR_TAIL, 100, &ch));
        ASSERT_EQ(ch.size, 16u);
        ASSERT_TRUE(memcmp(ch.data, "earlier run\nnow\n", 16) == 0);
        log_chunk_done(&ch);
        ASSERT_OK(log_capture_read(f, LOGCAP_CURSOR_START, 100, &ch));
        ASSERT_EQ(ch.size, 4u);
        log_chunk_done(&ch);
        log_capture_free(a);
        log_capture_free(b);
        log_capture_free(f);
        tests_rm_rf(dir);
}

TEST(rotation_without_backups_truncates) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL;
        LogConfig lc = { .maxbytes = 250, .backups = 0 };
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        lc.path = path;
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        for (int i = 0; i < 10; i++)
                log_capture_feed(c, "0123456789012345678901234567890123456789012345678\n", 50);
        ASSERT_LE(file_size(path), 250);
        ASSERT_EQ(file_size(p1), -1);
        log_capture_free(c);
        tests_rm_rf(dir);
}

/* Reads the tail of @c (@max bytes) and checks it is @want. */
static void assert_tail(LogCapture *c, size_t max, const char *want) {
        LogChunk ch = {};

        ASSERT_OK(log_capture_read(c, LOGCAP_CURSOR_TAIL, max, &ch));
        ASSERT_EQ_U64(ch.size, strlen(want));
        ASSERT_TRUE(memcmp(ch.data, want, ch.size) == 0);
        log_chunk_done(&ch);
}

TEST(clear_truncates_the_file_and_forgets_the_tail) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL, *text = NULL, *all = NULL;
        uint64_t lost, cursor;
        size_t len;
        LogChunk ch = {};
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        c = capture_file(path, 20, 1);
        log_capture_feed(c, "0123456789abcdef\n", 17);
        log_capture_feed(c, "old\n", 4); /* rotated: app.log.1 has the first line */
        ASSERT_OK(log_capture_read(c, LOGCAP_CURSOR_TAIL, 1, &ch)); /* a reader that has seen all */
        cursor = ch.next_cursor;
        log_chunk_done(&ch);

        ASSERT_OK(log_capture_clear(c));
        ASSERT_EQ(file_size(path), 0);
        ASSERT_EQ(file_size(p1), 17); /* backups stay, as supervisord's clear leaves them */
        assert_tail(c, 1600, "");

        /* The program goes on writing: its bytes start the file afresh (O_APPEND after ftruncate). */
        log_capture_feed(c, "new\n", 4);
        text = slurp(path);
        ASSERT_STREQ(text, "new\n");
        assert_tail(c, 1600, "new\n");
        /* A follower sees what came after, nothing lost; from the start, the backup then a counted gap. */
        all = read_all(c, cursor, 100, &len, &lost, NULL);
        ASSERT_STREQ(all, "new\n");
        ASSERT_EQ_U64(lost, 0);
        free(all);
        all = read_all(c, LOGCAP_CURSOR_START, 100, &len, &lost, NULL);
        ASSERT_STREQ(all, "0123456789abcdef\nnew\n");
        ASSERT_EQ_U64(lost, 4);
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(clear_without_a_file_empties_the_ring) {
        LogCapture *c = capture_ring();

        log_capture_feed(c, "secret\n", 7);
        ASSERT_OK(log_capture_clear(c));
        assert_tail(c, 1600, "");
        log_capture_feed(c, "after\n", 6);
        assert_tail(c, 1600, "after\n");
        log_capture_free(c);
}

TEST(passthrough_prefixes_and_slow_sink_drops_with_marker) {
        int pfd[2];
        LogCapture *c;
        char buf[256];
        ssize_t k;

        ASSERT_OK_ERRNO(pipe2(pfd, O_CLOEXEC));
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "web", .stream = 1, .passthrough = true,
                                                               .passthrough_fd = pfd[1] }, &c));
        log_capture_feed(c, "hi\n", 3);
        k = read(pfd[0], buf, sizeof(buf) - 1);
        ASSERT_EQ(k, 8);
        buf[k] = 0;
        ASSERT_STREQ(buf, "web: hi\n");

        /* Nobody reads: the pipe fills (64 KiB), then the bounded queue (1 MiB), then lines are dropped
         * and counted; never blocking. */
        char line[1024];
        memset(line, 'x', sizeof(line) - 1);
        line[sizeof(line) - 1] = '\n';
        for (int i = 0; i < 2048; i++)
                log_capture_feed(c, line, sizeof(line));
        ASSERT_TRUE(log_capture_bytes_dropped(c) > 0);
        log_capture_free(c);
        safe_close(pfd[0]);
        safe_close(pfd[1]);
}

TEST(rotate_files_shifts) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL, *p2 = NULL, *t = NULL;

        ASSERT_OK(asprintf(&path, "%s/f", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        ASSERT_OK(asprintf(&p2, "%s.2", path));
        put(path, "new");
        put(p1, "old");
        ASSERT_OK(log_rotate_files(path, 2));
        t = slurp(p2);
        ASSERT_STREQ(t, "old");
        free(t);
        t = slurp(p1);
        ASSERT_STREQ(t, "new");
        ASSERT_EQ(file_size(path), -1);
        tests_rm_rf(dir);
}

TEST(non_seekable_target_is_not_rotated) {
        LogConfig lc = { .maxbytes = 16, .backups = 2 };
        char path[64], buf[4096];
        int pfd[2];
        LogCapture *c;
        ssize_t k;

        ASSERT_OK_ERRNO(pipe2(pfd, O_CLOEXEC));
        snprintf(path, sizeof(path), "/dev/fd/%d", pfd[1]);
        lc.path = path;
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        for (int i = 0; i < 10; i++)
                log_capture_feed(c, "0123456789\n", 11);
        k = read(pfd[0], buf, sizeof(buf));
        ASSERT_EQ(k, 110); /* everything, in order, although far above maxbytes */
        log_capture_free(c);
        safe_close(pfd[0]);
        safe_close(pfd[1]);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
