/* SPDX-License-Identifier: MIT */
/*
 * Reload (SIGHUP, Reload() on the bus): parse into a fresh Config; if it is invalid nothing changes.
 * Otherwise, like `supervisorctl update`: new programs are added (and autostarted), removed ones are
 * stopped then forgotten, programs whose effective config changed are restarted, limits that changed are
 * applied live without a restart, and group limits are updated. What happens to each program is
 * reload_change_for()'s decision (reload-plan.c), the same one Reread()/Update() report.
 */
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

/* Changed and new programs; the new ones are returned in @added (not started yet). */
static int apply_programs(Manager *m, const Config *c, Program **added, size_t *n_added) {
        for (size_t i = 0; i < c->n_programs; i++) {
                ProgramConfig *nc = c->programs[i], *copy;
                Program *p = manager_find_program(m, nc->name), *np;
                ReloadChange change;
                int r;

                if (p && p->remove_when_stopped && !p->transient)
                        /* Came back in the same reload cycle: keep it. */
                        p->remove_when_stopped = false;
                change = reload_change_for(p, nc);
                copy = program_config_ref(nc); /* shared with the new Config, not copied */
                if (change != RELOAD_ADD && change != RELOAD_REPLACE) {
                        update_program(m, p, change, copy);
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

static void apply_group_limits(Manager *m, const Config *c) {
        for (size_t i = 0; i < c->n_groups; i++) {
                const GroupConfig *g = c->groups[i], *og = find_group(m->config, g->name);

                if (g->limits.set == 0 || (og && limits_equal(&og->limits, &g->limits)))
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

int manager_reload(Manager *m, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ Program **added = NULL;
        _cleanup_free_ char *msg = NULL;
        size_t n_added = 0;
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
        added = calloc(c->n_programs + 1, sizeof(Program *));
        if (!added)
                return -ENOMEM;

        /* Removed programs: stop, then forget (gc when the cgroup is empty). */
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (!p->transient && !config_find_program(c, p->name))
                        stop_and_forget(p, "Removed from configuration");
        }
        r = apply_programs(m, c, added, &n_added);
        if (r < 0)
                return r;
        apply_group_limits(m, c);
        manager_scale_forget(m);
        config_free(m->config);
        m->config = TAKE_PTR(c);
        m->reread_config = config_free(m->reread_config); /* what a reread read is now applied, or older */
        apply_daemon_environment(m);
        /* Events queued for the old webhooks go with them. */
        if (webhooks_setup(m) < 0)
                log_warning("Webhooks could not all be set up again after the reload");

        for (size_t i = 0; i < n_added; i++)
                (void) program_watch_files(added[i]);
        for (size_t i = 0; i < n_added; i++)
                if (added[i]->config->autostart && program_config_is_scheduled(added[i]->config))
                        (void) program_schedule_arm(added[i]);
                else if (added[i]->config->autostart)
                        (void) program_dispatch(added[i], PROGRAM_EVENT_START);
        /* Removed programs that were not running are forgotten now. */
        manager_schedule_check(m);
        log_info("Reload done (%zu added)", n_added);
        return 0;
}
