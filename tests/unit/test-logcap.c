/* SPDX-License-Identifier: MIT */
/* Log capture without an event loop: line splitting, the tail ring, rotation, non-seekable targets. */
#include <fcntl.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "log-rotate.h"
#include "logcap.h"
#include "tests.h"

static char *tmpdir(void) {
        char *t = strdup("/tmp/test-logcap-XXXXXX");
        ASSERT_NOT_NULL(t);
        ASSERT_NOT_NULL(mkdtemp(t));
        return t;
}

static void rm_rf(const char *dir) {
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        (void) system(cmd);
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

TEST(lines_split_across_reads) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *text = NULL, *tail = NULL;
        LogConfig lc = {};
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/out.log", dir));
        lc.path = path;
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "web", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        log_capture_feed(c, "hel", 3);
        log_capture_feed(c, "lo\nwor", 6);
        ASSERT_EQ(log_capture_lines(c), 1);
        log_capture_feed(c, "ld\n\nlast", 8);
        ASSERT_EQ(log_capture_lines(c), 3);
        log_capture_flush(c); /* EOF: the partial line is written with a newline */
        ASSERT_EQ(log_capture_lines(c), 4);
        text = slurp(path);
        ASSERT_STREQ(text, "hello\nworld\n\nlast\n");
        ASSERT_OK(log_capture_tail(c, 7, &tail));
        ASSERT_STREQ(tail, "\n\nlast\n");
        free(tail);
        ASSERT_OK(log_capture_tail(c, 1000, &tail));
        ASSERT_STREQ(tail, "hello\nworld\n\nlast\n");
        log_capture_free(c);
        rm_rf(dir);
}

TEST(long_lines_are_split) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *text = NULL, *big = NULL;
        LogConfig lc = {};
        LogCapture *c;
        size_t n = LOGCAP_LINE_MAX * 2 + 10;

        ASSERT_OK(asprintf(&path, "%s/out.log", dir));
        lc.path = path;
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        big = malloc(n + 1);
        memset(big, 'a', n);
        big[n] = '\n';
        log_capture_feed(c, big, n + 1);
        ASSERT_EQ(log_capture_lines(c), 3);
        text = slurp(path);
        ASSERT_EQ(strlen(text), n + 3); /* three lines, three newlines */
        ASSERT_EQ(text[LOGCAP_LINE_MAX], '\n');
        ASSERT_EQ(text[2 * LOGCAP_LINE_MAX + 1], '\n');
        log_capture_free(c);
        rm_rf(dir);
}

TEST(rotation_keeps_backups) {
        _cleanup_free_ char *dir = tmpdir(), *path = NULL, *p1 = NULL, *p3 = NULL, *p4 = NULL;
        LogConfig lc = { .maxbytes = 1000, .backups = 3 };
        char line[101];
        LogCapture *c;

        ASSERT_OK(asprintf(&path, "%s/app.log", dir));
        ASSERT_OK(asprintf(&p1, "%s.1", path));
        ASSERT_OK(asprintf(&p3, "%s.3", path));
        ASSERT_OK(asprintf(&p4, "%s.4", path));
        lc.path = path;
        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .config = &lc,
                                                               .passthrough_fd = -1 }, &c));
        memset(line, 'z', 99);
        line[99] = '\n';
        line[100] = 0;
        /* 60 lines of 100 bytes = 6000 bytes = 6 files worth: the oldest fall off after 3 backups. */
        for (int i = 0; i < 60; i++)
                log_capture_feed(c, line, 100);
        ASSERT_LE(file_size(path), 1000);
        ASSERT_EQ(file_size(p1), 1000);
        ASSERT_EQ(file_size(p3), 1000);
        ASSERT_EQ(file_size(p4), -1);
        log_capture_free(c);
        rm_rf(dir);
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
        rm_rf(dir);
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
        ASSERT_EQ(log_capture_lines(c), 2049);
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
        rm_rf(dir);
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
