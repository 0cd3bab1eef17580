/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fd-util.h"
#include "log.h"
#include "program-ops.h"
#include "program-stdin.h"

int program_stdin_pipe(Program *p, int *ret_read, int *ret_write) {
        int fds[2];

        assert(ret_read && ret_write);
        *ret_read = *ret_write = -EBADF;
        /* Transient runs keep their documented stdio (cgsupctl run: /dev/null unless --pipe). */
        if (p->transient || !p->config->stdin_pipe)
                return 0;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        /* Only our end is non-blocking: O_NONBLOCK belongs to the open file description, and the
         * program's end must behave like an ordinary stdin. */
        int r = fd_set_nonblock(fds[1], true);
        if (r < 0) {
                safe_close(fds[0]);
                safe_close(fds[1]);
                return r;
        }
        *ret_read = fds[0];
        *ret_write = fds[1];
        return 0;
}

void program_stdin_set(Program *p, int fd) {
        safe_close(p->stdin_fd);
        p->stdin_fd = fd;
        /* A write end taken back from the fd store or the program may have lost O_NONBLOCK. */
        if (fd >= 0)
                (void) fd_set_nonblock(fd, true);
}

/* Room left in the pipe behind @fd, or -errno. */
static int pipe_room(int fd, size_t *ret) {
        int size, queued = 0;

        size = fcntl(fd, F_GETPIPE_SZ);
        if (size < 0)
                return -errno;
        /* FIONREAD works on either end of a pipe: the bytes written and not read yet. */
        if (ioctl(fd, FIONREAD, &queued) < 0)
                return -errno;
        *ret = queued >= size ? 0 : (size_t) (size - queued);
        return 0;
}

int program_write_stdin(Program *p, const void *data, size_t size) {
        size_t room = 0;
        ssize_t n;
        int r;

        assert(p);
        assert(data || size == 0);
        if (!program_is_active(p))
                return -ESRCH;
        if (p->transient || !p->config->stdin_pipe)
                return -ENOTCONN;
        if (p->stdin_fd < 0)
                return -EPIPE;
        if (size > PROGRAM_STDIN_WRITE_MAX)
                return -EMSGSIZE;
        if (size == 0)
                return 0;
        /* All or nothing: a partial write would leave half a line in the program's input, and the caller
         * could not tell where to resume. */
        r = pipe_room(p->stdin_fd, &room);
        if (r < 0)
                return r;
        if (room < size)
                return -EAGAIN;
        n = write(p->stdin_fd, data, size);
        if (n < 0)
                return -errno; /* EPIPE: no reader left (SIGPIPE is ignored by the daemon) */
        if ((size_t) n != size) {
                /* Cannot happen after the room check (a pipe takes what fits in its free pages), but if a
                 * kernel ever splits it, say so rather than pretend. */
                log_program(p, LOG_WARNING, "Only %zd of %zu bytes went into stdin", n, size);
                return -EAGAIN;
        }
        return 0;
}
