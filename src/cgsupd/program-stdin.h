/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A program's stdin, as supervisord gives it: a pipe whose write end cgsupd holds for the instance's life
 * (stdin = pipe, the default), or /dev/null (stdin = null, and transient runs without --pipe). Writes
 * never block the daemon: the write end is O_NONBLOCK, and a write that does not fit is refused whole.
 *
 * Across a restart of cgsupd the write end is kept like the output pipes (adopt.h): in systemd's fd
 * store, or else as a copy held by the program itself and taken back with pidfd_getfd(). Either way the
 * program never sees EOF on stdin because cgsupd went away.
 */

#include <stddef.h>

#include "program.h"

/* Largest single write accepted (a pipe holds 64 KiB by default; more could never go in at once). */
#define PROGRAM_STDIN_WRITE_MAX (64U * 1024U)

/* The pipe for the next spawn of @p: *ret_read becomes the child's fd 0, *ret_write is ours (O_NONBLOCK,
 * O_CLOEXEC). Both -EBADF (and 0 returned) when @p gets /dev/null. */
int program_stdin_pipe(Program *p, int *ret_read, int *ret_write);
/* Make @fd (ownership moves in, -EBADF = none) the current instance's stdin write end. */
void program_stdin_set(Program *p, int fd);
/*
 * program_write_stdin() - write all of @data to @p's stdin, or nothing. Returns 0, or -ESRCH (not running),
 * -ENOTCONN (stdin = null), -EPIPE (the program closed its stdin), -EAGAIN (the pipe has no room for
 * @size bytes now: the program is not reading), -EMSGSIZE (@size over PROGRAM_STDIN_WRITE_MAX).
 */
int program_write_stdin(Program *p, const void *data, size_t size);
