/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "parse-util.h"
#include "pidfile.h"

static pid_t read_pid(int fd) {
        char buf[32];
        ssize_t n;
        unsigned v;

        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        if (safe_atou(buf, &v) < 0)
                return 0;
        return (pid_t) v;
}

/* The holder may have removed the file (graceful exit) between our open() and our flock(): then we locked a
 * file nobody else will ever look at, and the next daemon would create and lock a new one. Only a lock on
 * the inode that is still at @path counts. */
static int lock_is_on_path(int fd, const char *path) {
        struct stat a, b;

        if (fstat(fd, &a) < 0)
                return -errno;
        if (stat(path, &b) < 0)
                return errno == ENOENT ? 0 : -errno;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int pidfile_acquire(const char *path, int *ret_fd, pid_t *reterr_pid) {
        char text[32];
        int r;

        assert(path);
        assert(ret_fd);

        for (unsigned attempt = 0; attempt < 16; attempt++) {
                _cleanup_close_ int fd = -EBADF;

                fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0644);
                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno != EWOULDBLOCK)
                                return -errno;
                        if (reterr_pid)
                                *reterr_pid = read_pid(fd);
                        return -EBUSY;
                }
                r = lock_is_on_path(fd, path);
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                snprintf(text, sizeof(text), "%d\n", (int) getpid());
                if (ftruncate(fd, 0) < 0)
                        return -errno;
                r = loop_write(fd, text, strlen(text));
                if (r < 0)
                        return r;
                *ret_fd = TAKE_FD(fd);
                return 0;
        }
        return -EBUSY;
}

int pidfile_release(const char *path, int fd) {
        if (fd < 0)
                return -EBADF;
        if (path)
                (void) unlink(path);
        return safe_close(fd);
}
