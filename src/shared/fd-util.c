/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "fd-util.h"

int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size) {
        bool seekable = true;
        size_t size = 0, alloc = 4096;
        _cleanup_free_ char *buf = NULL;

        for (;;) {
                if (size + 1 >= alloc || !buf) {
                        if (buf)
                                alloc *= 2;
                        if (alloc > max_size + 1)
                                alloc = max_size + 1;
                        char *n = realloc(buf, alloc);
                        if (!n)
                                return -ENOMEM;
                        buf = n;
                }
                if (size >= max_size)
                        return -EFBIG;
                ssize_t k = seekable ? pread(fd, buf + size, alloc - size - 1, (off_t) size) :
                                       read(fd, buf + size, alloc - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ESPIPE && seekable) {
                                seekable = false; /* a pipe or a terminal: read on from where it is */
                                continue;
                        }
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        buf[size] = 0;
        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_full_file_at(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max_size, ret, ret_size);
}

int read_virtual_file_at(int dirfd, const char *path, char *buf, size_t size) {
        assert(path);
        assert(buf);
        assert(size > 1);

        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        ssize_t k;
        while ((k = read(fd, buf, size - 1)) < 0 && errno == EINTR)
                ;
        if (k < 0)
                return -errno;
        if ((size_t) k >= size - 1)
                return -EFBIG;
        buf[k] = 0;
        return 0;
}

int write_string_file_at(int dirfd, const char *path, const char *s) {
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        size_t n = strlen(s);
        ssize_t k = write(fd, s, n);
        if (k < 0)
                return -errno;
        if ((size_t) k != n)
                return -EIO;
        return 0;
}

int fd_set_nonblock(int fd, bool nonblock) {
        int flags = fcntl(fd, F_GETFL);
        if (flags < 0)
                return -errno;
        int nflags = nonblock ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (nflags != flags && fcntl(fd, F_SETFL, nflags) < 0)
                return -errno;
        return 0;
}

int fd_set_cloexec(int fd, bool cloexec) {
        int flags = fcntl(fd, F_GETFD);
        if (flags < 0)
                return -errno;
        int nflags = cloexec ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (nflags != flags && fcntl(fd, F_SETFD, nflags) < 0)
                return -errno;
        return 0;
}

int loop_write(int fd, const void *buf, size_t n) {
        const char *p = buf;
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

ssize_t loop_read(int fd, void *buf, size_t n) {
        uint8_t *p = buf;
        size_t got = 0;

        while (got < n) {
                ssize_t k = read(fd, p + got, n - got);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        return (ssize_t) got;
}

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);
        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int open_append(const char *path, int extra_flags, mode_t mode, struct stat *ret_st) {
        int fd;

        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | extra_flags, mode);
        if (fd < 0)
                return -errno;
        if (fstat(fd, ret_st) < 0) {
                int r = -errno;
                safe_close(fd);
                return r;
        }
        return fd;
}
