/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

/*
 * A locked file holding our PID: the daemon's pidfile ([cgsupd] pidfile=) and the lock on its subtree's
 * runtime state (<runtime dir>/lock). The lock is flock(LOCK_EX) on the open file, so the kernel drops it
 * when the daemon dies however it dies; a stale file from a crash is simply taken over.
 */

/* Creates @path if needed, locks it without waiting and writes our PID into it. Returns 0 with the open
 * descriptor in *ret_fd (keep it open as long as the claim holds); -EBUSY when another process holds the lock,
 * with its PID in *reterr_pid (0 if it has not written it yet); other -errno on failure. */
int pidfile_acquire(const char *path, int *ret_fd, pid_t *reterr_pid);

/* Gives a claim up: removes @path while still holding the lock (so nobody locks the old file in between),
 * then closes @fd. Returns -EBADF for the caller's variable. */
int pidfile_release(const char *path, int fd);
