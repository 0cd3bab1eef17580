/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/inotify.h>

#include "program.h"

/*
 * watch= (restart on file change, for development): inotify watches on the paths, recursive, including
 * directories created later, on the daemon's single inotify instance (the one cgroup.events uses:
 * m->cgroup_inotify_fd; instances are limited per user, watches are not). A change starts a debounce
 * window of watch_debounce; at its end the program is restarted once, if it runs.
 */

/* Sets up (again) the watches of @p from its configuration; no watch= removes them. Missing paths are
 * logged and skipped. */
int program_watch_files(Program *p);
void program_unwatch_files(Program *p);
/* An event of the shared inotify fd whose wd is no program's cgroup.events watch. */
void manager_watch_event(Manager *m, const struct inotify_event *ev);
