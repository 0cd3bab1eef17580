/* SPDX-License-Identifier: MIT */
/*
 * maintail [-f|-BYTES]: cgsupd's own log file, as supervisorctl shows supervisord's. cgsupd names the file
 * it writes ([cgsupd] logfile=, or [supervisord] logfile= of a supervisord.conf) in its LogFile property,
 * and we read it here, on this machine (the only one cgsup-supervisorctl talks to): the last BYTES (1600)
 * as supervisord's readLog(-BYTES, 0) returns them, or, with -f, supervisord's /mainlogtail stream (from
 * 1024 bytes before the end, on across rotations, "==> File truncated <==" when it shrinks). Without a
 * log file cgsupd logs to the journal or its stderr: supervisord's NO_FILE answer, and a note says where.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "sctl.h"

#define MAINTAIL_DEFAULT_BYTES 1600
#define MAINTAIL_FOLLOW_HEAD 1024 /* supervisor.http.tail_f_producer's head */
#define MAINTAIL_FOLLOW_INTERVAL_NSEC (250 * 1000 * 1000L)

static void no_log_file(Ctl *c) {
        ctl_output("supervisord: ERROR (no log file)");
        c->exitstatus = SCTL_EXIT_GENERIC;
}

static int open_log(Ctl *c, const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd >= 0)
                return fd;
        if (errno == ENOENT)
                no_log_file(c);
        else {
                ctl_output("supervisord: ERROR (unknown error reading log)");
                ctl_note("cannot read %s: %s", path, strerror(errno));
                c->exitstatus = SCTL_EXIT_GENERIC;
        }
        return -1;
}

/* readLog(-bytes, 0) (see readfile_start()), then output()'s newline. */
static void show_end(Ctl *c, const char *path, int64_t bytes) {
        _cleanup_close_ int fd = open_log(c, path);

        if (fd < 0)
                return;
        if (readfile_copy(fd, bytes) < 0) {
                ctl_output("supervisord: ERROR (unknown error reading log)");
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        (void) loop_write(STDOUT_FILENO, "\n", 1);
}

/* Until Ctrl-C: what is appended, from a new file after a rotation (another inode at @path). */
static void follow_log(Ctl *c, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct sigaction saved;
        struct stat st;
        off_t pos = 0;

        ctl_output("==> Press Ctrl-C to exit <==");
        fd = open_log(c, path);
        if (fd < 0)
                return;
        if (fstat(fd, &st) == 0 && st.st_size >= MAINTAIL_FOLLOW_HEAD)
                pos = st.st_size - MAINTAIL_FOLLOW_HEAD;
        sigint_catch(&saved);
        while (!follow_interrupted) {
                struct timespec ts = { .tv_nsec = MAINTAIL_FOLLOW_INTERVAL_NSEC };
                struct stat now;

                if (stat(path, &now) == 0 && fstat(fd, &st) == 0 && now.st_ino != st.st_ino) {
                        int nfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                        if (nfd >= 0) {
                                safe_close(fd);
                                fd = nfd;
                                pos = 0;
                        }
                }
                if (fstat(fd, &st) < 0)
                        break;
                if (st.st_size < pos) {
                        (void) fflush(stdout);
                        (void) loop_write(STDOUT_FILENO, "==> File truncated <==\n", 23);
                        pos = 0;
                }
                if (st.st_size > pos && copy_range(fd, pos, st.st_size) < 0)
                        break;
                pos = st.st_size;
                (void) nanosleep(&ts, NULL);
        }
        (void) sigaction(SIGINT, &saved, NULL);
        ctl_output("%s", "");
}

void cmd_maintail(Ctl *c, char **args, size_t n, const char *arg) {
        _cleanup_free_ char *path = NULL;
        int64_t bytes = MAINTAIL_DEFAULT_BYTES;
        bool follow_mode = false;

        if (!ctl_upcheck(c) || !ctl_usage_check(c, n > 1, "Error: too many arguments", SCTL_EXIT_GENERIC, "maintail"))
                return;
        if (n == 1) {
                int r = args[0][0] == '-' ? 0 : -EINVAL;

                if (streq(args[0], "-f"))
                        follow_mode = true;
                else if (r < 0 || (r = parse_bytes_modifier(args[0], &bytes)) < 0)
                        return bytes_modifier_refused(c, args[0], r);
        }
        if (ctl_manager_property(c, "LogFile", 's', &path) < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (isempty(path)) {
                no_log_file(c);
                ctl_note("cgsupd has no logfile= and logs to the journal: journalctl -u cgsupd (or its stderr "
                         "when run by hand)");
                return;
        }
        if (follow_mode)
                follow_log(c, path);
        else
                show_end(c, path, bytes);
}
