/* SPDX-License-Identifier: MIT */
/*
 * Reload (SIGHUP, Reload() on the bus): parse into a fresh Config; if it is invalid nothing changes.
 * Otherwise, like `supervisorctl update`: new programs are added (and autostarted), removed ones are
 * stopped then forgotten, programs whose effective config changed are restarted, limits that changed are
 * applied live without a restart, and group limits are updated.
 *
 * Transient runs (RunTransient) live here too: they are programs created from a spec instead of a file.
 */
#include <fcntl.h>

#include "cgsup/cgroup.h"
#include "deps.h"
#include "health.h"
#include "log.h"
#include "logdir.h"
#include "manager.h"
#include "program-ops.h"
#include "strv.h"

#define TRANSIENT_MAX 64

static bool limits_equal(const CgsupLimits *a, const CgsupLimits *b) {
        if (a->set != b->set)
                return false;
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++)
                if ((a->set & (1U << l)) && a->value[l] != b->value[l])
                        return false;
        return true;
}

static const GroupConfig *find_group(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_groups; i++)
                if (streq(c->groups[i]->name, name))
                        return c->groups[i];
        return NULL;
}

static void update_program(Manager *m, Program *p, const ProgramConfig *nc, ProgramConfig *copy) {
        bool restart = !program_config_equal_for_restart(p->config, nc);
        bool limits_changed = !limits_equal(&p->config->limits, &nc->limits);
        ProgramConfig *old = p->config;

        if (!restart && !limits_changed) {
                /* Same program; take the new copy anyway (priority, autostart... may differ). */
                p->config = copy;
                program_config_free(old);
                return;
        }
        if (!restart) {
                _cleanup_free_ char *why = NULL;
                int r = 0;

                if (program_is_active(p) || p->populated)
                        r = program_set_limits(p, &nc->limits, &why);
                if (r < 0 && why)
                        log_program_full_errno(p, LOG_ERR, r, "New limits cannot be applied live, restarting: %s",
                                               why);
                else if (r < 0)
                        log_program_full_errno(p, LOG_ERR, r, "New limits cannot be applied live, restarting: %m");
                p->config = copy;
                program_config_free(old);
                if (r >= 0) {
                        log_program(p, LOG_INFO, "Limits updated live");
                        if (m->hooks.program_changed)
                                m->hooks.program_changed(m, p, PROGRAM_CHANGED_LIMITS | PROGRAM_CHANGED_CONFIG, p->state);
                        return;
                }
        } else {
                p->config = copy;
                program_config_free(old);
        }
        backoff_init(&p->backoff, copy->backoff_initial, copy->backoff_max, copy->backoff_multiplier);
        /* The running instance keeps writing where it writes until it is stopped. */
        p->logs_stale = true;
        p->health = health_check_free(p->health);
        if (m->hooks.program_changed)
                m->hooks.program_changed(m, p, PROGRAM_CHANGED_CONFIG | PROGRAM_CHANGED_LIMITS, p->state);
        if (program_is_active(p) || p->state == PROGRAM_BACKOFF) {
                log_program(p, LOG_INFO, "Configuration changed, restarting");
                (void) program_restart(p);
        } else
                log_program(p, LOG_INFO, "Configuration changed");
}

int manager_reload(Manager *m, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ Program **added = NULL;
        size_t n_added = 0;
        char *msg = NULL;
        int r;

        if (m->shutting_down)
                return -ESHUTDOWN;
        log_info("Reloading configuration from %s", m->options.config_path);
        r = manager_load_config(m->options.config_path, &c, &msg);
        if (r < 0) {
                log_error("Reload failed, nothing changed: %s", strna(msg));
                if (reterr_message)
                        *reterr_message = msg;
                else
                        free(msg);
                return -EINVAL;
        }
        r = logdir_place_auto_logs(m, c);
        if (r < 0)
                return r;

        /* Validate everything that could fail before changing anything. */
        for (size_t i = 0; i < c->n_programs; i++) {
                _cleanup_free_ char *cg = NULL;
                r = manager_instance_cgroup(m, c->programs[i], &cg);
                if (r < 0) {
                        if (reterr_message && asprintf(reterr_message, "%s:%u: [program:%s] name '%s' is not usable "
                                                       "as a cgroup name", strna(c->programs[i]->source_file),
                                                       c->programs[i]->source_line,
                                                       strna(c->programs[i]->program_name), c->programs[i]->name) < 0)
                                *reterr_message = NULL;
                        return -EINVAL;
                }
        }
        added = calloc(c->n_programs + 1, sizeof(Program *));
        if (!added)
                return -ENOMEM;

        /* Removed programs: stop, then forget (gc when the cgroup is empty). */
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (p->transient || config_find_program(c, p->name))
                        continue;
                log_program(p, LOG_INFO, "Removed from configuration, stopping");
                p->remove_when_stopped = true;
                r = program_dispatch(p, PROGRAM_EVENT_STOP);
                (void) r;
        }

        /* Changed and added programs. */
        for (size_t i = 0; i < c->n_programs; i++) {
                const ProgramConfig *nc = c->programs[i];
                ProgramConfig *copy = NULL;
                Program *p = manager_find_program(m, nc->name);

                if (p && p->remove_when_stopped) {
                        /* Came back in the same reload cycle: keep it. */
                        p->remove_when_stopped = false;
                }
                r = program_config_copy(nc, &copy);
                if (r < 0)
                        return log_oom();
                if (p && streq(p->group, nc->group_name ?: nc->name)) {
                        update_program(m, p, nc, copy);
                        continue;
                }
                if (p) {
                        /* Moved to another group: another cgroup, so it is a different program. */
                        p->remove_when_stopped = true;
                        (void) program_dispatch(p, PROGRAM_EVENT_STOP);
                }
                Program *np;
                r = program_new(m, copy, &np);
                if (r < 0) {
                        program_config_free(copy);
                        log_error_errno(r, "Cannot add program %s: %m", nc->name);
                        continue;
                }
                r = manager_add_program(m, np);
                if (r < 0) {
                        program_free(np);
                        continue;
                }
                log_program(np, LOG_INFO, "Added");
                added[n_added++] = np;
        }

        /* Group limits, live. */
        for (size_t i = 0; i < c->n_groups; i++) {
                const GroupConfig *g = c->groups[i], *og = find_group(m->config, g->name);

                if (og && limits_equal(&og->limits, &g->limits))
                        continue;
                if (g->limits.set == 0)
                        continue;
                if (manager_apply_group_limits(m, g, NULL) >= 0)
                        log_info("[group:%s] limits updated", g->name);
        }

        config_free(m->config);
        m->config = TAKE_PTR(c);
        {
                /* [cgsupd] environment may have changed: future starts see the new one. */
                extern char **environ;
                _cleanup_strv_free_ char **env = strv_copy(environ);
                bool ok = env != NULL;
                STRV_FOREACH(e, m->config->daemon.environment)
                        if (strv_env_set(&env, *e) < 0)
                                ok = false;
                if (ok) {
                        strv_free(m->environment);
                        m->environment = TAKE_PTR(env);
                }
        }

        for (size_t i = 0; i < n_added; i++)
                if (added[i]->config->autostart)
                        (void) program_dispatch(added[i], PROGRAM_EVENT_START);
        /* Removed programs that were not running are forgotten now. */
        manager_schedule_check(m);
        log_info("Reload done (%zu added)", n_added);
        return 0;
}

static void close_spec_fds(TransientSpec *s) {
        if (s->stdin_fd >= 0)
                safe_close(s->stdin_fd);
        if (s->stdout_fd >= 0)
                safe_close(s->stdout_fd);
        if (s->stderr_fd >= 0)
                safe_close(s->stderr_fd);
        s->stdin_fd = s->stdout_fd = s->stderr_fd = -1;
}

void transient_spec_done(TransientSpec *s) {
        if (!s)
                return;
        strv_free(s->argv);
        strv_free(s->environment);
        free(s->working_directory);
        free(s->syscall_filter);
        free(s->name);
        s->argv = s->environment = NULL;
        s->working_directory = s->syscall_filter = s->name = NULL;
        close_spec_fds(s);
}

int manager_run_transient(Manager *m, TransientSpec *spec, Program **ret, char **reterr_message) {
        _cleanup_(program_config_freep) ProgramConfig *pc = NULL;
        _cleanup_free_ char *name = NULL;
        Program *p;
        int r;

        if (m->shutting_down) {
                close_spec_fds(spec);
                return -ESHUTDOWN;
        }
        if (m->n_transient >= TRANSIENT_MAX) {
                close_spec_fds(spec);
                if (reterr_message)
                        (void) asprintf(reterr_message, "too many transient runs (at most %d)", TRANSIENT_MAX);
                return -EUSERS;
        }
        if (!spec->argv || !spec->argv[0]) {
                close_spec_fds(spec);
                if (reterr_message)
                        *reterr_message = strdup("empty command line");
                return -EINVAL;
        }
        if (spec->name)
                name = strdup(spec->name);
        else {
                /* Pick a name not in use. */
                do {
                        free(name);
                        if (asprintf(&name, "run-%u", ++m->transient_counter) < 0)
                                name = NULL;
                } while (name && manager_find_program(m, name));
        }
        if (!name) {
                close_spec_fds(spec);
                return -ENOMEM;
        }
        if (manager_find_program(m, name)) {
                close_spec_fds(spec);
                if (reterr_message)
                        (void) asprintf(reterr_message, "a program named %s exists already", name);
                return -EEXIST;
        }

        pc = calloc(1, sizeof(*pc));
        if (!pc) {
                close_spec_fds(spec);
                return -ENOMEM;
        }
        program_config_init_defaults(pc);
        pc->name = strdup(name);
        pc->program_name = strdup(name);
        pc->group_name = strdup(name);
        pc->command = strv_join(spec->argv, " ");
        pc->argv = strv_copy(spec->argv);
        pc->environment = spec->environment ? strv_copy(spec->environment) : NULL;
        pc->directory = spec->working_directory ? strdup(spec->working_directory) : NULL;
        pc->syscall_filter = spec->syscall_filter ? strdup(spec->syscall_filter) : NULL;
        if (spec->uid != geteuid() || spec->gid != getegid())
                (void) asprintf(&pc->user, "%u", (unsigned) spec->uid);
        pc->no_new_privileges = spec->no_new_privileges;
        pc->limits = spec->limits;
        pc->autostart = false;
        pc->autorestart = AUTORESTART_FALSE;
        pc->startsecs = 0;
        pc->startretries = 0;
        pc->stdout_log = (LogConfig) {};
        pc->stderr_log = (LogConfig) {};
        if (!pc->name || !pc->program_name || !pc->group_name || !pc->command || !pc->argv) {
                close_spec_fds(spec);
                return -ENOMEM;
        }

        r = program_new(m, pc, &p);
        if (r < 0) {
                close_spec_fds(spec);
                if (reterr_message)
                        (void) asprintf(reterr_message, "name %s is not usable", name);
                return r;
        }
        TAKE_PTR(pc);
        p->transient = true;
        p->transient_uid = spec->uid;
        p->stdio_fds[0] = spec->stdin_fd;
        p->stdio_fds[1] = spec->stdout_fd;
        p->stdio_fds[2] = spec->stderr_fd;
        spec->stdin_fd = spec->stdout_fd = spec->stderr_fd = -1;

        r = manager_add_program(m, p);
        if (r < 0) {
                program_free(p);
                return r;
        }
        r = program_dispatch(p, PROGRAM_EVENT_START);
        if (r < 0 || p->state == PROGRAM_FATAL) {
                if (reterr_message)
                        *reterr_message = strdup(p->exit_detail ?: strerror(r < 0 ? -r : EIO));
                if (r >= 0)
                        r = p->exit_reason == EXIT_REASON_LIMIT ? -EOPNOTSUPP : -EIO;
                manager_remove_program(m, p);
                return r;
        }
        *ret = p;
        return 0;
}
