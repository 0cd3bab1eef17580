/* SPDX-License-Identifier: MIT */
/*
 * bench-prog: the program every supervisor runs in tools/bench/run, so that cgsupd, supervisord, runit,
 * s6 and the kernel floor all start, feed and stop the very same binary.
 *
 *   bench-prog chatty MARKER INTERVAL   record our pid in MARKER, then write one line to stdout and
 *                                       one to stderr at once and every INTERVAL seconds, forever
 *   bench-prog write BYTES              write BYTES of the fixed pattern to stdout as fast as the
 *                                       reader takes it, then exit 0 (the log capture figure)
 *   bench-prog doublefork MARKER        fork a child that calls setsid() and forks a grandchild (which
 *                                       outlives it, re-parented), record both pids, then pause: the
 *                                       processes a supervisor must not leave behind on stop
 *
 * MARKER is a file opened with O_APPEND: each process appends one fixed-size record ("%15d\n"), so
 * the harness learns "N programs have exec'd" from the file's size alone (one stat per poll), the
 * same way for every supervisor. stdin is left alone (supervisord and cgsupd give a pipe).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MARKER_RECORD_SIZE 16
#define PATTERN_LINE_SIZE 64

static int marker_append(const char *marker) {
        char rec[MARKER_RECORD_SIZE + 1];
        int fd = open(marker, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        snprintf(rec, sizeof(rec), "%15d\n", (int) getpid());
        ssize_t n = write(fd, rec, MARKER_RECORD_SIZE);
        int r = n == MARKER_RECORD_SIZE ? 0 : -EIO;
        close(fd);
        return r;
}

static void write_all(int fd, const char *buf, size_t len) {
        while (len > 0) {
                ssize_t n = write(fd, buf, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        _exit(3);
                buf += n;
                len -= (size_t) n;
        }
}

static int run_chatty(const char *marker, unsigned interval) {
        char line[64];
        if (marker_append(marker) < 0)
                return 2;
        for (unsigned long i = 0;; i++) {
                int n = snprintf(line, sizeof(line), "bench-prog %d line %lu\n", (int) getpid(), i);
                write_all(STDOUT_FILENO, line, (size_t) n);
                write_all(STDERR_FILENO, line, (size_t) n);
                struct timespec ts = { .tv_sec = interval };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
        }
}

/* Line k of the pattern: 15 decimal digits, a space, 47 letters that shift with k, a newline. tools/bench/run
 * gets the expected checksum by hashing this same output, so the format is free to change. */
static void pattern_line(uint64_t k, char out[PATTERN_LINE_SIZE]) {
        snprintf(out, PATTERN_LINE_SIZE, "%015" PRIu64 " ", k);
        for (unsigned i = 16; i < PATTERN_LINE_SIZE - 1; i++)
                out[i] = (char) ('a' + (k + i) % 26);
        out[PATTERN_LINE_SIZE - 1] = '\n';
}

static int run_write(uint64_t bytes) {
        static char buf[64 * 1024];
        uint64_t k = 0;

        while (bytes > 0) {
                size_t fill = 0;
                while (fill + PATTERN_LINE_SIZE <= sizeof(buf) && fill < bytes) {
                        pattern_line(k++, buf + fill);
                        fill += PATTERN_LINE_SIZE;
                }
                fill = fill < bytes ? fill : (size_t) bytes;
                write_all(STDOUT_FILENO, buf, fill);
                bytes -= fill;
        }
        return 0;
}

static int run_doublefork(const char *marker) {
        if (marker_append(marker) < 0)
                return 2;
        pid_t child = fork();
        if (child < 0)
                return 2;
        if (child == 0) {
                (void) setsid();
                pid_t grandchild = fork();
                if (grandchild == 0) {
                        (void) marker_append(marker);
                        for (;;)
                                pause();
                }
                _exit(grandchild < 0 ? 2 : 0);
        }
        for (;;)
                pause();
}

int main(int argc, char **argv) {
        /* A supervisor's stop must be the only thing that ends us, not a reader going away. */
        signal(SIGPIPE, SIG_IGN);
        if (argc == 4 && strcmp(argv[1], "chatty") == 0)
                return run_chatty(argv[2], (unsigned) strtoul(argv[3], NULL, 10));
        if (argc == 3 && strcmp(argv[1], "write") == 0)
                return run_write(strtoull(argv[2], NULL, 10));
        if (argc == 3 && strcmp(argv[1], "doublefork") == 0)
                return run_doublefork(argv[2]);
        fprintf(stderr, "usage: bench-prog chatty MARKER INTERVAL | write BYTES | doublefork MARKER\n");
        return 2;
}
