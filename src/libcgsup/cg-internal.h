/* SPDX-License-Identifier: MIT */
#pragma once

/* Helpers shared by the cg-*.c files of libcgsup; not part of the public API. */

#include <stdbool.h>
#include <sys/types.h>

#include "cgsup/cgroup.h"

/* cgroupfs files are small; the biggest we read is cgroup.procs of a fork storm (7 bytes a pid). */
#define CG_FILE_MAX (4U * 1024U * 1024U)

/*
 * Normalises a caller-supplied cgroup path: leading, trailing and doubled '/' are dropped, "." components
 * skipped, ".." (anything that could escape root_fd) rejected with -EINVAL. The root cgroup becomes "".
 */
int cg_path_normalize(const char *path, char **ret);

/*
 * "path/file" relative to root_fd, normalising @path first; @file may be NULL (the directory itself).
 * The root cgroup's directory is ".", so the result can always be handed to the *at() calls.
 */
int cg_path_join(const char *path, const char *file, char **ret);

/* Reads @path/@file (whole, NUL-terminated). Errors are raw -errno (callers map them). */
int cg_read_file(int root_fd, const char *path, const char *file, char **ret);
/* Writes @value to @path/@file with a single write(): cgroupfs reports rejection as the write's errno. */
int cg_write_file(int root_fd, const char *path, const char *file, const char *value);
/* 1 if @path/@file exists, 0 if not, <0 on other errors. */
int cg_file_exists(int root_fd, const char *path, const char *file);

/* Maps an errno outside the documented set of <cgsup/cgroup.h> to -EIO. EROFS becomes -EACCES (a
 * read-only cgroupfs is "not delegated to us"), ENOTEMPTY -EBUSY, ENOTDIR -ENOENT. */
int cg_errno_filter(int r);

/* Parses a kernel release ("6.1.0-18-amd64") into a comparable number major*65536 + minor*256 + patch
 * (patch capped at 255). Returns 0 for an unparsable release. */
unsigned cg_kernel_version_code(const char *release);
#define CG_KERNEL_VERSION(a, b, c) (((unsigned) (a) << 16) + ((unsigned) (b) << 8) + (unsigned) (c))
/* Code of the running kernel (uname), 0 if unknown. */
unsigned cg_running_kernel_version(void);

/* Reads and parses a controller list file (cgroup.controllers / cgroup.subtree_control). */
int cg_read_controllers(int root_fd, const char *path, const char *file, unsigned *ret_mask);

/* Parses the kernel's text of a limit file (memory.max, cpu.max "Q P", io.weight "default N", ...) back into
 * our units. -EIO for anything unexpected. */
int cg_limit_from_kernel(CgsupLimit limit, const char *text, uint64_t *ret);
/* Kernel syntax of @value for @limit, as written to its file ("max 100000", "default 300", ...). */
int cg_limit_to_kernel(CgsupLimit limit, uint64_t value, char *buf, size_t size);
/* After ENOENT on a limit file of @path: -EOPNOTSUPP when @path exists (controller or kernel feature
 * missing), -ENOENT when the cgroup itself is gone. */
int cg_limit_file_missing(int root_fd, const char *path);
/* Whether @read_back is what the kernel makes of @written (memory sizes are rounded down to pages). */
bool cg_limit_readback_ok(CgsupLimit limit, uint64_t written, uint64_t read_back, uint64_t page_size);

/* The pre-5.14 path of cgsup_cgroup_kill()/cgsup_cgroup_signal(): freeze, signal every pid of the subtree,
 * thaw. Exposed so host tests can exercise it on kernels that have cgroup.kill. */
int cg_signal_by_freezing(int root_fd, const char *path, int sig);
