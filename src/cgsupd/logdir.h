/* SPDX-License-Identifier: MIT */
#pragma once

#include "manager.h"

/*
 * Where program output goes when the configuration does not say (supervisord's AUTO), and how cgsupd
 * creates log files. AUTO logs live in cgsupd's own log directory — $LOGS_DIRECTORY (systemd's
 * LogsDirectory=), else /var/log/cgsup, or for a --user instance $XDG_STATE_HOME/cgsup (~/.local/state) —
 * unless [cgsupd] childlogdir= names one. Log files are created 0640 with group adm (Debian's log
 * readers; root's group where there is no adm): output can hold secrets, /tmp and 0644 are wrong for it.
 */

/* Decides m->log_dir and the log group, creates the directory, and places the AUTO logs of m->config.
 * Needs m->cgroup (the instance). Returns 0 or -ENOMEM; a directory that cannot be created is a warning
 * (the programs' log files then fail to open, each with its own error). */
int logdir_setup(Manager *m);
/* config_place_auto_logs() for a configuration @c this daemon is about to use (reload, reread). */
int logdir_place_auto_logs(Manager *m, Config *c);
/* supervisord's startup cleanup: removes the AUTO logs (and rotated backups) this instance named for
 * programs that are neither running nor adopted now; nothing with [cgsupd] nocleanup=true. Call after
 * adoption, before autostart. */
void logdir_cleanup_auto_logs(Manager *m);
/* open(2) for a log file (@flags without O_CREAT): a file that does not exist yet is created 0640 with
 * the log group. Returns the fd, or -1 with errno set, like open(2). */
int log_file_open(const char *path, int flags);
