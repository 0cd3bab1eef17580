/* SPDX-License-Identifier: MIT */
/*
 * AUTO log placement and cleanup, and the mode of log files (see logdir.h).
 *
 * Names: config_place_auto_logs() (the config reader owns the name format) puts the daemon's subtree into
 * every AUTO name, so two daemons sharing a directory never share a file, and the name stays the same
 * across restarts, so an adopted program keeps its file. The startup cleanup only touches names that
 * carry this instance's tag.
 */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"
#include "log.h"
#include "logdir.h"
#include "macro.h"

/* The group new log files get: set once by logdir_setup() (a system instance), read by log_file_open(),
 * which logcap calls without a Manager at hand. (gid_t) -1 = keep the creating process' group. */
static gid_t log_group = (gid_t) -1;

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

static int default_log_dir(const Manager *m, char **ret) {
        const char *e = getenv("LOGS_DIRECTORY");
        char *d;

        if (!isempty(e) && e[0] == '/') {
                /* systemd's LogsDirectory= may list several, separated by ':'; ours is the first. */
                d = strndup(e, strcspn(e, ":"));
        } else if (m->options.user) {
                const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
                if (!isempty(state) && state[0] == '/') {
                        if (asprintf(&d, "%s/cgsup", state) < 0)
                                d = NULL;
                } else if (!isempty(home) && home[0] == '/') {
                        if (asprintf(&d, "%s/.local/state/cgsup", home) < 0)
                                d = NULL;
                } else
                        return log_error_errno(SYNTHETIC_ERRNO(ENXIO),
                                               "--user needs $XDG_STATE_HOME or $HOME for its logs");
        } else
                d = strdup("/var/log/cgsup");
        if (!d)
                return -ENOMEM;
        *ret = d;
        return 0;
}

static void create_log_dir(const Manager *m) {
        _cleanup_free_ char *parent = NULL;
        const char *slash;

        slash = strrchr(m->log_dir, '/');
        if (slash && slash != m->log_dir) {
                parent = strndup(m->log_dir, (size_t) (slash - m->log_dir));
                if (parent)
                        (void) mkdir_p(parent, 0755);
        }
        /* rwx for us, r-x for the log group, nothing for others: file names name the programs. */
        if (mkdir(m->log_dir, m->options.user ? 0700 : 0750) >= 0) {
                if (log_group != (gid_t) -1 && chown(m->log_dir, (uid_t) -1, log_group) < 0)
                        log_debug_errno(errno, "Cannot give %s to the log group, ignoring: %m", m->log_dir);
        } else if (errno != EEXIST)
                log_warning_errno(errno, "Cannot create log directory %s (for AUTO logs): %m", m->log_dir);
}

int logdir_setup(Manager *m) {
        int r;

        r = default_log_dir(m, &m->log_dir);
        if (r < 0)
                return r;
        if (!m->options.user && geteuid() == 0) {
                struct group *g = getgrnam("adm");
                log_group = g ? g->gr_gid : 0;
        }
        if (!m->config->daemon.childlogdir_set)
                create_log_dir(m);
        return logdir_place_auto_logs(m, m->config);
}

int logdir_place_auto_logs(Manager *m, Config *c) {
        assert(m->log_dir);
        assert(m->cgroup);
        return config_place_auto_logs(c, m->log_dir, m->cgroup);
}

/* Whether @path is, or is a rotated backup of, an AUTO log of a program that runs now (adopted or not). */
static bool auto_log_in_use(Manager *m, const char *path) {
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                const LogConfig *logs[] = { p->config ? &p->config->stdout_log : NULL,
                                            p->config ? &p->config->stderr_log : NULL };

                if (!p->adopted && !p->populated && !program_is_active(p))
                        continue;
                for (size_t k = 0; k < ELEMENTSOF(logs); k++) {
                        size_t l;
                        if (!logs[k] || !logs[k]->automatic || !logs[k]->path)
                                continue;
                        l = strlen(logs[k]->path);
                        if (strneq(path, logs[k]->path, l) && (path[l] == '\0' || path[l] == '.'))
                                return true;
                }
        }
        return false;
}

void logdir_cleanup_auto_logs(Manager *m) {
        const DaemonConfig *d = &m->config->daemon;
        const char *dir = d->childlogdir_set ? d->childlogdir : m->log_dir;
        _cleanup_(closedirp) DIR *dp = NULL;
        unsigned n_removed = 0;
        struct dirent *de;

        if (d->nocleanup || !dir)
                return;
        dp = opendir(dir);
        if (!dp) {
                if (errno != ENOENT)
                        log_warning_errno(errno, "Cannot open %s to remove old AUTO logs, ignoring: %m",
                                          dir);
                return;
        }
        while ((de = readdir(dp))) {
                _cleanup_free_ char *path = NULL;

                if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
                        continue;
                if (!config_is_auto_log_name(m->config, de->d_name, m->cgroup))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        log_oom();
                        return;
                }
                if (auto_log_in_use(m, path))
                        continue;
                if (unlinkat(dirfd(dp), de->d_name, 0) < 0) {
                        log_debug_errno(errno, "Cannot remove old AUTO log %s, ignoring: %m", path);
                        continue;
                }
                n_removed++;
        }
        if (n_removed > 0)
                log_info("Removed %u AUTO log file(s) of programs not running from %s (nocleanup=true "
                         "keeps them)", n_removed, dir);
}

int log_file_open(const char *path, int flags) {
        int fd;

        /* Created here (O_EXCL tells): our mode and group. An existing file keeps what its owner gave it. */
        fd = open(path, flags | O_CREAT | O_EXCL, 0640);
        if (fd >= 0) {
                if (log_group != (gid_t) -1 && fchown(fd, (uid_t) -1, log_group) < 0)
                        log_debug_errno(errno, "Cannot give %s to the log group, ignoring: %m", path);
                return fd;
        }
        if (errno != EEXIST)
                return -1;
        /* Removed in between (rotation by someone else): create it after all. */
        fd = open(path, flags, 0640);
        if (fd < 0 && errno == ENOENT)
                fd = open(path, flags | O_CREAT, 0640);
        return fd;
}
