/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Re-adoption (DESIGN rule 5): programs outlive cgsupd; a new cgsupd finds them in their cgroups.
 *
 * State lives in <runtime_dir>/state/<instance> where runtime_dir is /run/cgsup/<escaped subtree> (or
 * $XDG_RUNTIME_DIR/cgsup/<escaped subtree> with --user): keyed by the subtree, so two daemons side by side
 * never read each other's files. Each file holds the main pid, its start time (/proc/PID/stat field 22,
 * to detect pid reuse), the state and the restart count.
 *
 * On startup, for every configured instance whose leaf exists:
 *   - populated, saved main pid still in that leaf with the same start time -> adopted as RUNNING (same
 *     process, no second instance; its exit status will not be ours to read: it is not our child);
 *   - populated without a valid main pid -> forking: RUNNING with the pidfile's pid or the single process;
 *     others: EXITED with the survivor count (stop kills them);
 *   - empty -> the leaf is removed.
 * Adopted programs are never killed at startup. A FATAL instance waiting out fatal_retry_after has its due
 * time in the file (CLOCK_BOOTTIME and the boot id): the new cgsupd keeps the retry (at once if it is due).
 * Files of instances no longer configured are removed.
 *
 * Output: under systemd the read ends of every program's stdout/stderr pipes are kept in the service's fd
 * store (FDSTORE=1, FDNAME=<instance>-stdout/-stderr) and taken back with sd_listen_fds_with_names(), so
 * lines written while cgsupd was down sit in the pipe and are read after the restart. Without systemd
 * the program itself holds a copy of each read end (one extra fd per captured stream, its number in the
 * state file); the new cgsupd takes it back with pidfd_getfd(2) after checking it is the very pipe the
 * program's stdout/stderr writes to. Limits: a program that closes its inherited fds (daemons often do)
 * loses that copy, and then writes made while cgsupd is down get EPIPE (SIGPIPE unless ignored); up to a
 * pipe buffer (64 KiB) of output waits in the pipe, after that the program blocks on write until a new
 * cgsupd reads it - as with the fd store.
 */

#include "program.h"

/* Write the state file now (pid=0 when nothing is left to adopt; a never-started program gets none). */
int adopt_save(Program *p);
/* After a state change: written now when a field re-adoption reads changed (main pid, restarts, held
 * pipes), otherwise batched into one low-priority deferred event source (m->state_save_defer). */
void adopt_save_soon(Program *p);
/* Write @p's batched change now (a job ends: whoever waits for it may read the file next). */
void adopt_save_flush(Program *p);
/* Write every batched change (the defer source, and before the manager goes away). */
void adopt_save_pending(Manager *m);
/* Remove the state file (the program goes away). */
void adopt_forget(Program *p);
/* Remove the state files of every program that has nothing left to adopt (a graceful exit). */
void adopt_forget_idle(Manager *m);
/* Hand the stdin write end and the output read ends to the service manager's fd store (no-op without
 * one). Not consumed. */
void adopt_store_fds(Program *p, int stdin_fd, int stdout_fd, int stderr_fd);
/* Try to adopt @p's processes. Returns 1 adopted (RUNNING or EXITED with survivors), 0 nothing to adopt. */
int adopt_program(Program *p);
/* After adoption: stop (SIGTERM, bounded wait, cgroup.kill) and remove every instance cgroup of the
 * subtree that no configured program owns, so nothing is left running unsupervised (DESIGN rule 2).
 * Bounded: at most 15 s per leftover instance that ignores SIGTERM. */
void adopt_stop_unclaimed(Manager *m);
/* At startup, after adoption: remove the state files of instances the config does not have. */
void adopt_forget_unclaimed(Manager *m);
/* Take fds from the fd store at startup (sd_listen_fds_with_names). */
int adopt_load_fd_store(Manager *m);
/* Close fd store fds nobody claimed (after all programs were looked at). */
void adopt_release_unclaimed(Manager *m);
/* /proc/PID/stat start time (clock ticks since boot). */
int adopt_pid_starttime(pid_t pid, uint64_t *ret);
