/* SPDX-License-Identifier: MIT */
/*
 * cgsupctl scale NAME N (pm2 scale, process-compose's process scale): the number of instances of a
 * numprocs program, changed live. The instances are made from the configuration file exactly as a reload
 * with numprocs=N would make them (config_load_scaled()), so names, commands and logs follow the file's
 * process_name and %(process_num)s; the instances that stay are not touched (same processes, same
 * configuration), new ones are started, surplus ones stopped highest-numbered first and then forgotten.
 * The count holds until the next reload, which goes back to the file's numprocs and says so.
 */
#include <assert.h>

#include "log.h"
#include "logdir.h"
#include "manager.h"
#include "program-ops.h"
#include "program-schedule.h"
#include "program-watch.h"
#include "strv.h"

/* The instances of [program:@name] that are not on their way out, in @m's order. */
static int current_instances(Manager *m, const char *name, Program ***ret, size_t *ret_n) {
        _cleanup_free_ Program **l = NULL;
        size_t n = 0;

        l = calloc(m->n_programs + 1, sizeof(Program *));
        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (!p->transient && !p->remove_when_stopped && p->config && streq(p->config->program_name, name))
                        l[n++] = p;
        }
        *ret = TAKE_PTR(l);
        *ret_n = n;
        return 0;
}

static int cmp_process_num_desc(const void *a, const void *b) {
        const Program *x = *(Program *const *) a, *y = *(Program *const *) b;
        return x->config->process_num < y->config->process_num ? 1 :
               x->config->process_num > y->config->process_num ? -1 : 0;
}

static int add_instance(Manager *m, ProgramConfig *nc) {
        ProgramConfig *copy = program_config_ref(nc); /* shared: outlives the scaled Config */
        Program *np;
        int r;

        r = program_new(m, copy, &np);
        if (r < 0) {
                program_config_free(copy);
                return r;
        }
        r = manager_add_program(m, np);
        if (r < 0) {
                program_free(np);
                return r;
        }
        log_program(np, LOG_INFO, "Added by scale");
        (void) program_watch_files(np);
        if (program_config_is_scheduled(np->config))
                (void) program_schedule_arm(np);
        else
                (void) program_dispatch(np, PROGRAM_EVENT_START);
        return 0;
}

static int note_scaled(Manager *m, const char *name, unsigned n) {
        _cleanup_free_ char *entry = NULL;

        if (asprintf(&entry, "%s=%u", name, n) < 0)
                return -ENOMEM;
        return strv_env_set(&m->scaled, entry);
}

int manager_scale(Manager *m, const char *name, unsigned n, unsigned *ret_old, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ Program **cur = NULL;
        _cleanup_free_ char *msg = NULL;
        const char *group = NULL;
        size_t n_cur = 0, n_new = 0;
        int r;

        assert(m);
        assert(name);

        if (m->shutting_down)
                return -ESHUTDOWN;
        r = current_instances(m, name, &cur, &n_cur);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_cur; i++) {
                if (group && !streq(group, cur[i]->group)) {
                        if (reterr_message)
                                (void) asprintf(reterr_message, "%s is in more than one group (%s, %s); change "
                                                "numprocs= in the file and reload", name, group, cur[i]->group);
                        return -EINVAL;
                }
                group = cur[i]->group;
        }

        r = config_load_scaled(m->options.config_path, NULL, name, n, &c);
        if (r < 0) {
                if (reterr_message) {
                        const char *e = c ? config_first_error(c) : NULL;
                        if (e)
                                *reterr_message = strdup(e);
                        else
                                (void) asprintf(reterr_message, "%s: %s", m->options.config_path, strerror(-r));
                }
                return r == -ENOMEM ? r : -EINVAL;
        }
        r = logdir_place_auto_logs(m, c);
        if (r < 0)
                return r;

        /* The file must still have the program (in the same group): scale never adds or moves programs. */
        bool known = n_cur > 0;
        for (size_t i = 0; i < c->n_programs; i++) {
                const ProgramConfig *nc = c->programs[i];
                if (!streq(nc->program_name, name) || (group && !streq(nc->group_name, group)))
                        continue;
                known = true;
                n_new++;
        }
        if (!known)
                return -ENOENT;
        if (n_cur == 0 && n > 0 && n_new == 0)
                return -ENOENT;

        /* Surplus first, highest-numbered first: their stop is asked for before anything new starts. */
        qsort(cur, n_cur, sizeof(Program *), cmp_process_num_desc);
        for (size_t i = 0; i < n_cur; i++) {
                const ProgramConfig *nc = config_find_program(c, cur[i]->name);
                if (nc && streq(nc->group_name, cur[i]->group))
                        continue;
                log_program(cur[i], LOG_INFO, "Removed by scale %s %u, stopping", name, n);
                cur[i]->remove_when_stopped = true;
                (void) program_dispatch(cur[i], PROGRAM_EVENT_STOP);
        }
        for (size_t i = 0; i < c->n_programs; i++) {
                ProgramConfig *nc = c->programs[i];
                Program *p;

                if (!streq(nc->program_name, name) || (group && !streq(nc->group_name, group)))
                        continue;
                p = manager_find_program(m, nc->name);
                if (p && !p->remove_when_stopped && streq(p->group, nc->group_name))
                        continue; /* stays as it is: same process, same configuration */
                r = add_instance(m, nc);
                if (r < 0)
                        return log_error_errno(r, "Cannot add an instance of %s: %m", name);
        }
        manager_schedule_check(m);
        log_info("Scaled %s from %zu to %u instances (until the next reload)", name, n_cur, n);
        if (ret_old)
                *ret_old = (unsigned) n_cur;
        return note_scaled(m, name, n);
}

/* The group @entry's ("program=N") instances run in; NULL when none runs. */
static const char *scaled_group(Manager *m, const char *entry) {
        size_t l = strcspn(entry, "=");

        for (size_t i = 0; i < m->n_programs; i++) {
                const Program *p = m->programs[i];
                if (!p->transient && p->config && p->config->program_name &&
                    strlen(p->config->program_name) == l && strneq(p->config->program_name, entry, l))
                        return p->group;
        }
        return NULL;
}

void manager_scale_forget_groups(Manager *m, char **groups) {
        size_t k = 0;

        assert(m);

        STRV_FOREACH(e, m->scaled) {
                const char *g = scaled_group(m, *e);
                size_t l = strcspn(*e, "=");

                if (groups && (!g || !strv_contains(groups, g))) {
                        m->scaled[k++] = *e;
                        continue;
                }
                log_info("Reload: %.*s goes back from %s instances (scale) to its numprocs= in the file", (int) l,
                         *e, *e + l + 1);
                free(*e);
        }
        if (!m->scaled)
                return;
        m->scaled[k] = NULL;
        if (k == 0)
                m->scaled = strv_free(m->scaled);
}

void manager_scale_forget(Manager *m) {
        manager_scale_forget_groups(m, NULL);
}
