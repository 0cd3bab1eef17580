/* SPDX-License-Identifier: MIT */
#pragma once

/* The kernel-facing half of a program (program-real.c): watches and fds. */

#include <time.h>

#include "program.h"

/* clock_gettime(@id) in microseconds. */
usec_t clock_usec(clockid_t id);
/* Watch @pid as the main process (pidfd + io source). With @check_cgroup, the pid must live in the
 * program's cgroup (MAINPID= from a notification, pidfile of a forking program). */
int program_set_main_pid(Program *p, pid_t pid, bool check_cgroup);
/* Watch an already open pidfd (ownership moves in). */
int program_watch_pidfd(Program *p, pid_t pid, int pidfd);
/* Watch cgroup.events of the instance leaf (populated 1 -> 0 raises PROGRAM_EVENT_CGROUP_EMPTY). */
int program_watch_cgroup(Program *p);
/* The daemon's one inotify instance (cgroup.events watches, watch= directories), made on first use. */
int manager_cgroup_inotify(Manager *m);
void program_unwatch(Program *p);
/* Drops the program's cgroup.events watch (the shared inotify fd stays). */
void program_unwatch_cgroup(Program *p);
/* Create the log captures (if missing) and attach the read ends (ownership moves in, -1 = none). */
int program_attach_output(Program *p, int stdout_fd, int stderr_fd);
/* pid of the exec healthcheck in flight (for the reaper), 0 if none. */
pid_t program_helper_pid(const Program *p);
