/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include "macro.h"

/* Reads a whole (small, e.g. cgroupfs/procfs) file relative to dirfd (AT_FDCWD allowed). The result is
 * NUL-terminated; ret_size (optional) excludes the NUL. Files above max_size give -EFBIG. */
int read_full_file_at(int dirfd, const char *path, size_t max_size, char **ret, size_t *ret_size);
/* Reads from an already open fd with pread() at offset 0 (cgroupfs files can be re-read that way); a pipe
 * or terminal is read with read() until EOF. */
int read_full_fd(int fd, size_t max_size, char **ret, size_t *ret_size);
/* Reads a small kernel-generated file (cgroupfs, procfs) into buf with one read: such a file's text is
 * made whole at the first read (seq_file), so a read that leaves room in buf has all of it, and the
 * second read read_full_fd() needs to see the end is saved (one system call in four per cgroup.events
 * read after every exit). NUL-terminated; -EFBIG when the text does not fit in size - 1 bytes. */
int read_virtual_file_at(int dirfd, const char *path, char *buf, size_t size);
/* Writes s (no newline added) with one write(); cgroupfs reports rejections as the write's errno. */
int write_string_file_at(int dirfd, const char *path, const char *s);
int fd_set_nonblock(int fd, bool nonblock);
int fd_set_cloexec(int fd, bool cloexec);
/* Loops over short writes / EINTR; returns 0 or -errno. */
int loop_write(int fd, const void *buf, size_t n);
/* Reads until @n bytes or EOF, looping over short reads / EINTR; returns the bytes read (less than @n only
 * at EOF) or -errno. */
ssize_t loop_read(int fd, void *buf, size_t n);
int mkdir_p(const char *path, mode_t mode);
/* Opens @path for appending (O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC|O_NOCTTY plus @extra_flags, created with
 * @mode) and stats it into *ret_st. Returns the fd or -errno. */
int open_append(const char *path, int extra_flags, mode_t mode, struct stat *ret_st);
