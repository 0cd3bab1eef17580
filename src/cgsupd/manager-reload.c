/* SPDX-License-Identifier: MIT */
/*
 * Reload (SIGHUP, Reload() on the bus): parse into a fresh Config; if it is invalid nothing changes.
 * Otherwise, like `supervisorctl update`: new programs are added (and autostarted), removed ones are
 * stopped then forgotten, programs whose effective config changed are restarted, limits that changed are
 * applied live without a restart, and group limits are updated. What happens to each program is
 * reload_change_for()'s decision (reload-plan.c), the same one Reread()/Update() report.
 *
 * supervisorctl's `update GROUP`, `add GROUP` and `remove GROUP` act on some groups only: the configuration made
 * active is then a merge (merge_groups()): those groups as the file has them, every other group exactly as it
 * runs (its programs keep their config objects, so nothing about them changes, even when their file section
 * did: that stays pending, as supervisord leaves it), and the [cgsupd] and [webhook:x] settings as they are.
 * m->config is always what runs; m->reread_config is the file as last read when that differs.
 */
#include <assert.h>

#include "cgsup/cgroup.h"
#include "health.h"
#include "webhook.h"
#include "event-listener.h"
#include "log.h"
#include "manager.h"
#include "program-ops.h"
#include "program-schedule.h"
#include "program-watch.h"
#include "reload-plan.h"
#include "strv.h"

static const GroupConfig *find_group(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_groups; i++)
                if (streq(c->groups[i]->name, name))
                        return c->groups[i];
        return NULL;
}

static void replace_config(Program *p, ProgramConfig *copy) {
        ProgramConfig *old = p->config;

        p->config = copy;
        program_config_free(old);
        /* schedule=, interval=, watch= may have changed: an armed schedule follows the new one, the
         * watches are set up again */
        program_schedule_config_changed(p);
        (void) program_watch_files(p);
        (void) event_listener_config_changed(p->manager, p); /* a pool follows events=, buffer_size= */
}

/* RELOAD_LIMITS_LIVE: true when the running leaf took the new limits (else the program is restarted). */
static bool apply_limits_live(Manager *m, Program *p, ProgramConfig *copy) {
        _cleanup_free_ char *why = NULL;
        int r = 0;

        if (program_is_active(p) || p->populated)
                r = program_set_limits(p, &copy->limits, &why);
        replace_config(p, copy);
        if (r < 0) {
                log_program_full_errno(p, LOG_ERR, r, "New limits cannot be applied live, restarting: %s",
                                       why ?: strerror(-r));
                return false;
        }
        log_program(p, LOG_INFO, "Limits updated live");
        if (m->hooks.program_changed)
                m->hooks.program_changed(m, p, PROGRAM_CHANGED_LIMITS | PROGRAM_CHANGED_CONFIG, p->state);
        return true;
}

static void restart_with(Manager *m, Program *p) {
        ProgramConfig *c = p->config;

        backoff_init(&p->backoff, c->backoff_initial, c->backoff_max, c->backoff_multiplier);
        /* The running instance keeps writing where it writes until it is stopped. */
        p->logs_stale = true;
        health_program_free(p);
        if (m->hooks.program_changed)
                m->hooks.program_changed(m, p, PROGRAM_CHANGED_CONFIG | PROGRAM_CHANGED_LIMITS, p->state);
        if (program_is_active(p) || p->state == PROGRAM_BACKOFF) {
                log_program(p, LOG_INFO, "Configuration changed, restarting");
                (void) program_restart(p);
        } else
                log_program(p, LOG_INFO, "Configuration changed");
}

/* RELOAD_UNCHANGED, RELOAD_LIMITS_LIVE, RELOAD_RESTART: the program stays, with the new copy. */
static void update_program(Manager *m, Program *p, ReloadChange change, ProgramConfig *copy) {
        switch (change) {
        case RELOAD_UNCHANGED:
                replace_config(p, copy);
                return;
        case RELOAD_LIMITS_LIVE:
                if (apply_limits_live(m, p, copy))
                        return;
                break;
        default:
                replace_config(p, copy);
        }
        restart_with(m, p);
}

static void stop_and_forget(Program *p, const char *why) {
        log_program(p, LOG_INFO, "%s, stopping", why);
        p->remove_when_stopped = true;
        (void) program_dispatch(p, PROGRAM_EVENT_STOP);
}

/* Everything that could fail is checked before anything changes. */
static int check_instance_cgroups(Manager *m, const Config *c, char **reterr_message) {
        for (size_t i = 0; i < c->n_programs; i++) {
                const ProgramConfig *pc = c->programs[i];
                _cleanup_free_ char *cg = NULL;

                if (manager_instance_cgroup(m, pc, &cg) >= 0)
                        continue;
                if (reterr_message && asprintf(reterr_message, "%s:%u: [program:%s] name '%s' is not usable as a "
                                               "cgroup name", strna(pc->source_file), pc->source_line,
                                               strna(pc->program_name), pc->name) < 0)
                        *reterr_message = NULL;
                return -EINVAL;
        }
        return 0;
}

/* Changed and new programs; the new ones are returned in @added (not started yet), the ones that came back
 * while being removed in @revived (likewise: to be started as if added, which the reply says they are). */
static int apply_programs(Manager *m, const Config *c, Program **added, size_t *n_added, Program **revived,
                          size_t *n_revived) {
        for (size_t i = 0; i < c->n_programs; i++) {
                ProgramConfig *nc = c->programs[i], *copy;
                Program *p = manager_find_program(m, nc->name), *np;
                bool came_back = false;
                ReloadChange change;
                int r;

                if (p && p->remove_when_stopped && !p->transient) {
                        /* Came back in the same reload cycle (AddGroup() after RemoveGroup() reads the very
                         * same object): keep it. */
                        p->remove_when_stopped = false;
                        came_back = true;
                }
                if (p && p->config == nc) {
                        /* a group a partial reload keeps as it runs: not touched at all */
                        if (came_back)
                                revived[(*n_revived)++] = p;
                        continue;
                }
                change = reload_change_for(p, nc);
                copy = program_config_ref(nc); /* shared with the new Config, not copied */
                if (change != RELOAD_ADD && change != RELOAD_REPLACE) {
                        update_program(m, p, change, copy);
                        if (came_back)
                                revived[(*n_revived)++] = p;
                        continue;
                }
                if (change == RELOAD_REPLACE)
                        stop_and_forget(p, p->transient ? "Name taken by the configuration" : "Moved to another group");
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
                added[(*n_added)++] = np;
        }
        return 0;
}

static void apply_group_limits(Manager *m, const Config *c, char **only) {
        for (size_t i = 0; i < c->n_groups; i++) {
                const GroupConfig *g = c->groups[i], *og = find_group(m->config, g->name);

                if ((only && !strv_contains(only, g->name)) || g->limits.set == 0 || (og && limits_equal(&og->limits, &g->limits)))
                        continue;
                if (manager_apply_group_limits(m, g, NULL) >= 0)
                        log_info("[group:%s] limits updated", g->name);
        }
}

/* [cgsupd] environment may have changed: future starts see the new one. */
static void apply_daemon_environment(Manager *m) {
        extern char **environ;
        _cleanup_strv_free_ char **env = strv_copy(environ);

        if (!env)
                return (void) log_oom();
        STRV_FOREACH(e, m->config->daemon.environment)
                if (strv_env_set(&env, *e) < 0)
                        return (void) log_oom();
        strv_free(m->environment);
        m->environment = TAKE_PTR(env);
}

/* [cgsupd] and [webhook:x] are daemon-wide: a reload of some groups keeps the running ones (the webhooks
 * built from them keep pointing at the same objects). Cannot fail. */
static void take_daemon_settings(Config *to, Config *from) {
        SWAP_TWO(to->daemon, from->daemon);
        SWAP_TWO(to->webhooks, from->webhooks);
        SWAP_TWO(to->n_webhooks, from->n_webhooks);
}

/* Makes @c (taken) what runs. @only: the groups a partial reload acts on (NULL: everything, a full reload). The
 * removed programs of those groups are stopped and forgotten, the changed ones updated, the new ones added and
 * (autostart) started. */
static int apply_config(Manager *m, Config *c, char **only) {
        _cleanup_(config_freep) Config *new_config = c, *old = NULL;
        _cleanup_free_ Program **added = NULL, **revived = NULL;
        size_t n_added = 0, n_revived = 0;
        int r;

        added = calloc(new_config->n_programs + 1, sizeof(Program *));
        revived = calloc(new_config->n_programs + 1, sizeof(Program *));
        if (!added || !revived)
                return -ENOMEM;

        /* Removed programs: stop, then forget (gc when the cgroup is empty). */
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (!p->transient && !config_find_program(new_config, p->name))
                        stop_and_forget(p, "Removed from configuration");
        }
        if (only)
                /* Before the reload: the groups the scaled instances run in now. */
                manager_scale_forget_groups(m, only);
        r = apply_programs(m, new_config, added, &n_added, revived, &n_revived);
        if (r < 0)
                return r;
        apply_group_limits(m, new_config, only);
        old = m->config;
        m->config = TAKE_PTR(new_config);
        if (only) {
                take_daemon_settings(m->config, old);
                /* With nothing else kept, the old configuration was the file as last read: it still is. */
                if (!m->reread_config)
                        m->reread_config = TAKE_PTR(old);
        } else {
                manager_scale_forget(m);
                m->reread_config = config_free(m->reread_config); /* what a reread read is now applied, or older */
                apply_daemon_environment(m);
                /* Events queued for the old webhooks go with them. */
                if (webhooks_setup(m) < 0)
                        log_warning("Webhooks could not all be set up again after the reload");
        }

        for (size_t i = 0; i < n_added; i++)
                (void) program_watch_files(added[i]);
        for (size_t i = 0; i < n_added; i++)
                if (added[i]->config->autostart && program_config_is_scheduled(added[i]->config))
                        (void) program_schedule_arm(added[i]);
                else if (added[i]->config->autostart)
                        (void) program_dispatch(added[i], PROGRAM_EVENT_START);
        /* As supervisord's addProcessGroup starts them; a stop still under way ends first (the job model). */
        for (size_t i = 0; i < n_revived; i++)
                if (revived[i]->config->autostart && program_config_is_scheduled(revived[i]->config))
                        (void) program_schedule_arm(revived[i]);
                else if (revived[i]->config->autostart)
                        (void) program_start(revived[i]);
        /* Removed programs that were not running are forgotten now. */
        manager_schedule_check(m);
        log_info("Reload done (%zu added)", n_added);
        return 0;
}

int manager_reload(Manager *m, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *msg = NULL;
        int r;

        if (m->shutting_down)
                return -ESHUTDOWN;
        log_info("Reloading configuration from %s", m->options.config_path);
        r = manager_reload_load(m, &c, &msg);
        if (r == -EINVAL)
                log_error("Reload failed, nothing changed: %s", strna(msg));
        if (r >= 0)
                r = check_instance_cgroups(m, c, &msg);
        if (r < 0) {
                if (reterr_message)
                        *reterr_message = TAKE_PTR(msg);
                return r;
        }
        return apply_config(m, TAKE_PTR(c), NULL);
}

static int push_program(Config *c, ProgramConfig *p) {
        ProgramConfig **v = reallocarray(c->programs, c->n_programs + 1, sizeof(ProgramConfig *));

        if (!v)
                return -ENOMEM;
        c->programs = v;
        c->programs[c->n_programs++] = program_config_ref(p);
        return 0;
}

static int push_group_copy(Config *c, const GroupConfig *g) {
        GroupConfig **v = reallocarray(c->groups, c->n_groups + 1, sizeof(GroupConfig *));
        int r;

        if (!v)
                return -ENOMEM;
        c->groups = v;
        r = group_config_copy(g, &c->groups[c->n_groups]);
        if (r < 0)
                return r;
        c->n_groups++;
        return 0;
}

/* What a reload of only @groups makes active (see the top of the file); @file: the configuration @groups are
 * taken from (a group it lacks is removed). The daemon-wide settings are moved over by apply_config(). */
static int merge_groups(Manager *m, const Config *file, char **groups, Config **ret) {
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));
        int r;

        if (!c)
                return -ENOMEM;
        c->main_file = m->config->main_file ? strdup(m->config->main_file) : NULL;
        c->files = strv_copy(m->config->files);
        if ((m->config->main_file && !c->main_file) || (m->config->files && !c->files))
                return -ENOMEM;
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];

                if (p->transient || p->remove_when_stopped || !p->config || strv_contains(groups, p->group))
                        continue;
                r = push_program(c, p->config); /* the very object it runs with: apply_programs() skips it */
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; file && i < file->n_programs; i++)
                if (strv_contains(groups, file->programs[i]->group_name)) {
                        r = push_program(c, file->programs[i]);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; i < m->config->n_groups; i++)
                if (!strv_contains(groups, m->config->groups[i]->name)) {
                        r = push_group_copy(c, m->config->groups[i]);
                        if (r < 0)
                                return r;
                }
        for (size_t i = 0; file && i < file->n_groups; i++)
                if (strv_contains(groups, file->groups[i]->name)) {
                        r = push_group_copy(c, file->groups[i]);
                        if (r < 0)
                                return r;
                }
        config_sort_programs(c);
        *ret = TAKE_PTR(c);
        return 0;
}

int manager_groups_with_moves(Manager *m, const Config *file, char **groups, char ***ret) {
        _cleanup_strv_free_ char **all = strv_copy(groups);
        bool grew = true;

        assert(m);
        assert(ret);

        if (!all)
                return -ENOMEM;
        while (grew) {
                grew = false;
                for (size_t i = 0; file && i < file->n_programs; i++) {
                        const ProgramConfig *pc = file->programs[i];
                        const Program *p;

                        if (!strv_contains(all, pc->group_name))
                                continue;
                        p = manager_find_program(m, pc->name);
                        if (!p || p->transient || p->remove_when_stopped || !p->group || strv_contains(all, p->group))
                                continue;
                        log_info("%s moves from group %s to %s: updating group %s too", pc->name, p->group,
                                 pc->group_name, p->group);
                        if (strv_extend(&all, p->group) < 0)
                                return -ENOMEM;
                        grew = true;
                }
        }
        *ret = TAKE_PTR(all);
        return 0;
}

static int cmp_config_name(const void *a, const void *b) {
        return strcmp((*(ProgramConfig *const *) a)->name, (*(ProgramConfig *const *) b)->name);
}

/* manager_find_program() finds a program by its name alone: what runs must not have one name twice. */
static int check_unique_names(const Config *c, char **reterr_message) {
        _cleanup_free_ ProgramConfig **v = NULL;

        if (c->n_programs < 2)
                return 0;
        v = reallocarray(NULL, c->n_programs, sizeof(ProgramConfig *));
        if (!v)
                return -ENOMEM;
        memcpy(v, c->programs, c->n_programs * sizeof(ProgramConfig *));
        qsort(v, c->n_programs, sizeof(ProgramConfig *), cmp_config_name);
        for (size_t i = 1; i < c->n_programs; i++)
                if (streq(v[i - 1]->name, v[i]->name)) {
                        if (reterr_message &&
                            asprintf(reterr_message, "Program '%s' would run in both group '%s' and group '%s'; "
                                     "update both groups at once", v[i]->name, strna(v[i - 1]->group_name),
                                     strna(v[i]->group_name)) < 0)
                                *reterr_message = NULL;
                        return -EINVAL;
                }
        return 0;
}

/* @groups of @file (NULL: none, they are removed) made active, everything else left as it runs. A program of
 * @groups that runs in another group takes that group along (manager_groups_with_moves()). */
static int apply_groups(Manager *m, const Config *file, char **groups, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_strv_free_ char **all = NULL;
        int r;

        assert(m);
        assert(groups);

        if (m->shutting_down)
                return -ESHUTDOWN;
        r = manager_groups_with_moves(m, file, groups, &all);
        if (r < 0)
                return r;
        groups = all;
        r = merge_groups(m, file, groups, &c);
        if (r >= 0)
                r = check_unique_names(c, reterr_message);
        if (r >= 0)
                r = check_instance_cgroups(m, c, reterr_message);
        if (r < 0)
                return r;
        return apply_config(m, TAKE_PTR(c), groups);
}

bool manager_group_is_active(Manager *m, const char *group) {
        assert(m);
        assert(group);

        for (size_t i = 0; i < m->n_programs; i++) {
                const Program *p = m->programs[i];
                if (!p->transient && !p->remove_when_stopped && streq(p->group, group))
                        return true;
        }
        return false;
}

static bool config_has_group(const Config *c, const char *group) {
        for (size_t i = 0; c && i < c->n_programs; i++)
                if (streq(c->programs[i]->group_name, group))
                        return true;
        return false;
}

int manager_update_groups(Manager *m, Config **file, char **groups, char **reterr_message) {
        int r;

        assert(m);
        assert(file && *file);

        STRV_FOREACH(g, groups)
                if (!manager_group_is_active(m, *g) && !config_has_group(*file, *g)) {
                        if (reterr_message)
                                *reterr_message = strdup(*g);
                        return -ENOENT;
                }
        {
                _cleanup_free_ char *list = strv_join(groups, ", ");
                log_info("Updating group(s) %s from %s", strna(list), strna((*file)->main_file));
        }
        r = apply_groups(m, *file, groups, reterr_message);
        if (r < 0)
                return r;
        config_free(m->reread_config);
        m->reread_config = TAKE_PTR(*file);
        return 0;
}

int manager_add_group(Manager *m, const char *group, char **reterr_message) {
        const Config *file;

        assert(m);
        assert(group);

        file = m->reread_config ?: m->config;
        if (manager_group_is_active(m, group))
                return -EEXIST;
        if (!config_has_group(file, group))
                return -ENOENT;
        log_info("Adding group %s", group);
        return apply_groups(m, file, (char *[]) { (char *) group, NULL }, reterr_message);
}

int manager_remove_group(Manager *m, const char *group, char **reterr_message) {
        assert(m);
        assert(group);

        if (!manager_group_is_active(m, group))
                return -ENOENT;
        for (size_t i = 0; i < m->n_programs; i++) {
                const Program *p = m->programs[i];

                if (p->transient || p->remove_when_stopped || !streq(p->group, group))
                        continue;
                /* supervisord's get_unstopped_processes(): all but STOPPED, EXITED, FATAL. */
                if (p->state != PROGRAM_STOPPED && p->state != PROGRAM_EXITED && p->state != PROGRAM_FATAL) {
                        if (reterr_message)
                                *reterr_message = strdup(p->name);
                        return -EBUSY;
                }
        }
        log_info("Removing group %s from the running configuration", group);
        return apply_groups(m, NULL, (char *[]) { (char *) group, NULL }, reterr_message);
}
