/* SPDX-License-Identifier: MIT */
/* Log rotation by time and compression of the backups: the next hour/midnight boundary against a fake
 * clock (summer-time changes, half-hour zones, month ends), compressed backups shifted and pruned like
 * plain ones, rotations by size and by request whose compressed backups decompress to the exact bytes,
 * and a large backup compressed in bounded steps on an event loop. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include "fd-util.h"
#include "log-compress.h"
#include "log-rotate.h"
#include "logcap.h"
#include "tests.h"

static char *tmpdir(void) {
        return tests_tmpdir("log-rotate");
}

/* Whether @path.@i@suffix exists (@i 0: @path@suffix). */
static bool exists(const char *path, unsigned i, const char *suffix) {
        char name[512];
        struct stat st;
        if (i == 0)
                snprintf(name, sizeof name, "%s%s", path, suffix);
        else
                snprintf(name, sizeof name, "%s.%u%s", path, i, suffix);
        return stat(name, &st) >= 0;
}

static void put(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs(text, f);
        fclose(f);
}

/* The whole decompressed content of a .gz or .zst file, NUL-terminated; *ret_len its size. */
static char *decompress(const char *path, size_t *ret_len) {
        size_t len = 0, alloc = 1 << 16;
        char *out = malloc(alloc);
        size_t l = strlen(path);

        ASSERT_NOT_NULL(out);
        if (l > 3 && streq(path + l - 3, ".gz")) {
                gzFile g = gzopen(path, "rb");
                int k;
                ASSERT_NOT_NULL(g);
                for (;;) {
                        if (alloc - len < 4096)
                                ASSERT_NOT_NULL(out = realloc(out, alloc *= 2));
                        k = gzread(g, out + len, (unsigned) (alloc - len - 1));
                        ASSERT_TRUE(k >= 0);
                        if (k == 0)
                                break;
                        len += (size_t) k;
                }
                gzclose(g);
        } else {
                _cleanup_free_ char *raw = NULL;
                size_t raw_len = 0, r;
                ZSTD_DCtx *d = ZSTD_createDCtx();
                ASSERT_OK(read_full_file_at(AT_FDCWD, path, 64 * 1024 * 1024, &raw, &raw_len));
                ZSTD_inBuffer in = { raw, raw_len, 0 };
                do {
                        if (alloc - len < 4096)
                                ASSERT_NOT_NULL(out = realloc(out, alloc *= 2));
                        ZSTD_outBuffer o = { out + len, alloc - len - 1, 0 };
                        r = ZSTD_decompressStream(d, &o, &in);
                        ASSERT_FALSE(ZSTD_isError(r));
                        len += o.pos;
                } while (in.pos < in.size || r != 0);
                ZSTD_freeDCtx(d);
        }
        out[len] = '\0';
        *ret_len = len;
        return out;
}

static void with_tz(const char *tz) {
        ASSERT_EQ(setenv("TZ", tz, 1), 0);
        tzset();
}

static void without_tz(void) {
        ASSERT_EQ(unsetenv("TZ"), 0);
        tzset();
}

#define SEC UINT64_C(1000000)

/* 2026-03-29 in Europe/Berlin: 02:00 CET becomes 03:00 CEST (01:00 UTC). 2026-10-25: 03:00 CEST becomes
 * 02:00 CET (01:00 UTC). */
TEST(next_boundary_hourly_across_summer_time) {
        with_tz("Europe/Berlin");
        /* 2026-03-29 00:30 UTC = 01:30 CET: the next top of an hour is 03:00 CEST = 01:00 UTC */
        ASSERT_EQ(log_rotate_next_boundary(1774744200 * SEC, false), 1774746000 * SEC);
        /* 2026-10-25 00:30 UTC = 02:30 CEST (the first 02:30): next is 02:00 CET = 01:00 UTC, one hour on */
        ASSERT_EQ(log_rotate_next_boundary(1792888200 * SEC, false), 1792890000 * SEC);
        /* 01:30 UTC = 02:30 CET (the second one): 03:00 CET = 02:00 UTC; no hour skipped or repeated */
        ASSERT_EQ(log_rotate_next_boundary(1792891800 * SEC, false), 1792893600 * SEC);
        /* exactly on a boundary: the next one, an hour later */
        ASSERT_EQ(log_rotate_next_boundary(1792893600 * SEC, false), 1792897200 * SEC);
        without_tz();
}

TEST(next_boundary_hourly_half_hour_zone) {
        /* India is UTC+05:30: its hours begin at hh:30 UTC */
        with_tz("Asia/Kolkata");
        /* 2026-01-01 00:10 UTC = 05:40 IST -> 06:00 IST = 00:30 UTC */
        ASSERT_EQ(log_rotate_next_boundary(1767226200 * SEC, false), 1767227400 * SEC);
        without_tz();
}

TEST(next_boundary_daily) {
        with_tz("Europe/Berlin");
        /* 2026-03-28 12:00 CET (11:00 UTC) -> midnight 2026-03-29 00:00 CET = 2026-03-28 23:00 UTC */
        ASSERT_EQ(log_rotate_next_boundary(1774695600 * SEC, true), 1774738800 * SEC);
        /* 2026-03-29 12:00 CEST (10:00 UTC), a 23-hour day -> 2026-03-30 00:00 CEST = 03-29 22:00 UTC */
        ASSERT_EQ(log_rotate_next_boundary(1774778400 * SEC, true), 1774821600 * SEC);
        without_tz();
        with_tz("UTC");
        /* month and year ends: 2026-02-28 23:59:59 -> 2026-03-01 00:00; 2026-12-31 12:00 -> 2027-01-01 */
        ASSERT_EQ(log_rotate_next_boundary(1772323199 * SEC, true), 1772323200 * SEC);
        ASSERT_EQ(log_rotate_next_boundary(1798718400 * SEC, true), 1798761600 * SEC);
        /* exactly at midnight: the next one */
        ASSERT_EQ(log_rotate_next_boundary(1772323200 * SEC, true), 1772409600 * SEC);
        without_tz();
}

TEST(rotate_files_moves_and_prunes_compressed_backups) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL;
        char name[512];

        ASSERT_OK(asprintf(&path, "%s/f", dir));
        put(path, "new");
        snprintf(name, sizeof name, "%s.1.gz", path);
        put(name, "one");
        snprintf(name, sizeof name, "%s.2.zst", path);
        put(name, "two");
        ASSERT_OK(log_rotate_files(path, 2));
        ASSERT_TRUE(exists(path, 1, ""));     /* the file */
        ASSERT_TRUE(exists(path, 2, ".gz"));  /* moved up */
        ASSERT_FALSE(exists(path, 2, ".zst")); /* the oldest, deleted */
        ASSERT_FALSE(exists(path, 3, ".zst"));
        ASSERT_FALSE(exists(path, 1, ".gz"));
        tests_rm_rf(dir);
}

static LogCapture *capture(const char *path, uint64_t maxbytes, unsigned backups, LogCompress kind) {
        LogConfig lc = { .path = (char *) path, .maxbytes = maxbytes, .backups = backups, .compress = kind };
        LogCapture *c;

        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        return c;
}

/* Backups N..1 decompressed, then the current file: what the program wrote, if nothing was pruned. */
static char *put_together(const char *path, unsigned backups, const char *suffix) {
        char *all = strdup("");
        ASSERT_NOT_NULL(all);
        for (unsigned i = backups; i >= 1; i--) {
                _cleanup_free_ char *name = NULL, *part = NULL;
                size_t len;
                ASSERT_OK(asprintf(&name, "%s.%u%s", path, i, suffix));
                if (access(name, F_OK) < 0)
                        continue;
                part = decompress(name, &len);
                ASSERT_EQ(strlen(part), len);
                ASSERT_NOT_NULL(all = realloc(all, strlen(all) + len + 1));
                strcat(all, part);
        }
        _cleanup_free_ char *current = NULL;
        ASSERT_OK(read_full_file_at(AT_FDCWD, path, 1 << 20, &current, NULL));
        ASSERT_NOT_NULL(all = realloc(all, strlen(all) + strlen(current) + 1));
        strcat(all, current);
        return all;
}

static void size_rotation_compresses(LogCompress kind, const char *suffix) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *text = NULL, *all = NULL;
        size_t len = 0;
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/x.log", dir));
        ASSERT_NOT_NULL(text = malloc(16 * 1024));
        for (unsigned i = 1; i <= 1500; i++)
                len += (size_t) snprintf(text + len, 16 * 1024 - len, "%u\n", i);
        c = capture(path, 1000, 50, kind);
        for (size_t done = 0; done < len; done += 97)
                log_capture_feed(c, text + done, MIN((size_t) 97, len - done));
        /* more than 5 rotations, each backup compressed, none left plain */
        ASSERT_TRUE(exists(path, 1, "") == false);
        ASSERT_TRUE(exists(path, 5, suffix));
        ASSERT_FALSE(exists(path, 5, ""));
        ASSERT_FALSE(exists(path, 0, LOG_COMPRESS_TMP_SUFFIX));
        all = put_together(path, 50, suffix);
        ASSERT_EQ(strlen(all), len);
        ASSERT_TRUE(memcmp(all, text, len) == 0);
        log_capture_free(c);
        tests_rm_rf(dir);
}

TEST(size_rotation_gzip_decompresses_to_the_bytes) {
        size_rotation_compresses(LOG_COMPRESS_GZIP, ".gz");
}

TEST(size_rotation_zstd_decompresses_to_the_bytes) {
        size_rotation_compresses(LOG_COMPRESS_ZSTD, ".zst");
}

TEST(rotate_now_and_prune) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *one = NULL, *two = NULL;
        size_t len;
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/x.log", dir));
        ASSERT_OK(asprintf(&one, "%s.1.gz", path));
        ASSERT_OK(asprintf(&two, "%s.2.gz", path));
        c = capture(path, 0, 2, LOG_COMPRESS_GZIP);
        log_capture_feed(c, "a\n", 2);
        ASSERT_OK(log_capture_rotate(c));
        log_capture_feed(c, "b\n", 2);
        ASSERT_OK(log_capture_rotate(c));
        {
                _cleanup_free_ char *t1 = decompress(one, &len), *t2 = decompress(two, &len);
                ASSERT_STREQ(t1, "b\n");
                ASSERT_STREQ(t2, "a\n");
        }
        log_capture_feed(c, "c\n", 2);
        ASSERT_OK(log_capture_rotate(c));
        {
                /* two backups kept: "a" is gone */
                _cleanup_free_ char *t1 = decompress(one, &len), *t2 = decompress(two, &len);
                ASSERT_STREQ(t1, "c\n");
                ASSERT_STREQ(t2, "b\n");
                ASSERT_FALSE(exists(path, 3, ".gz"));
        }
        log_capture_free(c);

        /* No file: nothing to rotate. */
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .passthrough_fd = -1 },
                                  &c));
        ASSERT_EQ(log_capture_rotate(c), -EOPNOTSUPP);
        log_capture_free(c);
        tests_rm_rf(dir);
}

/* A backup larger than a step is compressed across several loop iterations, with the loop free in between. */
TEST(compression_runs_in_steps_on_the_loop) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *b1 = NULL, *gz = NULL, *back = NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        LogCompressor *c;
        const size_t size = 4 * LOG_COMPRESS_STEP + 123;
        unsigned iterations = 0;
        size_t len;
        FILE *f;

        ASSERT_OK(asprintf(&path, "%s/big.log", dir));
        ASSERT_OK(asprintf(&b1, "%s.1", path));
        ASSERT_OK(asprintf(&gz, "%s.1.gz", path));
        f = fopen(b1, "we");
        ASSERT_NOT_NULL(f);
        for (size_t i = 0; i < size; i++)
                fputc("0123456789abcdef\n"[(i * 7 + i / 1000) % 17], f);
        fclose(f);

        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(log_compressor_new(e, path, 3, LOG_COMPRESS_GZIP, &c));
        /* as if log_rotate_files() had just made big.log.1: it starts, but does not finish at once */
        log_compressor_rotated(c);
        ASSERT_TRUE(log_compressor_busy(c));
        while (log_compressor_busy(c)) {
                ASSERT_TRUE(sd_event_run(e, 5 * SEC) >= 0);
                iterations++;
                ASSERT_TRUE(iterations < 100);
        }
        ASSERT_TRUE(iterations >= 4);
        ASSERT_FALSE(exists(path, 1, ""));
        back = decompress(gz, &len);
        ASSERT_EQ(len, size);
        for (size_t i = 0; i < size; i++)
                if (back[i] != "0123456789abcdef\n"[(i * 7 + i / 1000) % 17])
                        ASSERT_TRUE(false);
        log_compressor_free(c);
        tests_rm_rf(dir);
}

/* A rotation while a backup is being compressed: the job follows the file to its new name, or is dropped
 * (its partial output removed) when rotation deleted the file as the oldest. */
TEST(compression_follows_rotation) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *tmp = NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        LogCompressor *c;
        size_t len;
        FILE *f;

        ASSERT_OK(asprintf(&path, "%s/r.log", dir));
        ASSERT_OK(asprintf(&tmp, "%s" LOG_COMPRESS_TMP_SUFFIX, path));
        ASSERT_OK(sd_event_new(&e));
        ASSERT_OK(log_compressor_new(e, path, 2, LOG_COMPRESS_ZSTD, &c));

        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        for (size_t i = 0; i < 3 * LOG_COMPRESS_STEP; i++)
                fputc('a' + (int) (i % 26), f);
        fclose(f);
        ASSERT_OK(log_rotate_files(path, 2)); /* r.log -> r.log.1 */
        log_compressor_rotated(c);
        ASSERT_TRUE(sd_event_run(e, 5 * SEC) >= 0); /* one step */
        ASSERT_TRUE(log_compressor_busy(c));
        put(path, "second\n");
        ASSERT_OK(log_rotate_files(path, 2)); /* r.log.1 -> r.log.2, r.log -> r.log.1 */
        log_compressor_rotated(c);
        while (log_compressor_busy(c))
                ASSERT_TRUE(sd_event_run(e, 5 * SEC) >= 0);
        {
                _cleanup_free_ char *name2 = NULL, *name1 = NULL, *t2 = NULL, *t1 = NULL;
                ASSERT_OK(asprintf(&name2, "%s.2.zst", path));
                ASSERT_OK(asprintf(&name1, "%s.1.zst", path));
                t2 = decompress(name2, &len);
                ASSERT_EQ(len, 3 * LOG_COMPRESS_STEP);
                t1 = decompress(name1, &len);
                ASSERT_STREQ(t1, "second\n");
        }
        ASSERT_FALSE(exists(path, 1, ""));
        ASSERT_FALSE(exists(path, 2, ""));

        /* now the one being compressed is the oldest, and the next rotation deletes it */
        f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        for (size_t i = 0; i < 3 * LOG_COMPRESS_STEP; i++)
                fputc('z', f);
        fclose(f);
        ASSERT_OK(log_rotate_files(path, 2));
        put(path, "x\n");
        log_compressor_rotated(c);
        ASSERT_TRUE(sd_event_run(e, 5 * SEC) >= 0);
        ASSERT_TRUE(log_compressor_busy(c));
        ASSERT_OK(log_rotate_files(path, 2)); /* r.log.1 (being compressed) -> r.log.2; the next one deletes it */
        log_compressor_rotated(c);
        put(path, "y\n");
        ASSERT_OK(log_rotate_files(path, 2));
        log_compressor_rotated(c);
        while (log_compressor_busy(c))
                ASSERT_TRUE(sd_event_run(e, 5 * SEC) >= 0);
        ASSERT_TRUE(access(tmp, F_OK) < 0);
        {
                _cleanup_free_ char *name2 = NULL, *name1 = NULL, *t2 = NULL, *t1 = NULL;
                ASSERT_OK(asprintf(&name2, "%s.2.zst", path));
                ASSERT_OK(asprintf(&name1, "%s.1.zst", path));
                t2 = decompress(name2, &len);
                ASSERT_STREQ(t2, "x\n");
                t1 = decompress(name1, &len);
                ASSERT_STREQ(t1, "y\n");
        }
        log_compressor_free(c);
        tests_rm_rf(dir);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
