/* SPDX-License-Identifier: MIT */
#include <assert.h>

#include "logdir.h"
#include "macro.h"
#include "reload-plan.h"
#include "strv.h"

bool limits_equal(const CgsupLimits *a, const CgsupLimits *b) {
        assert(a);
        assert(b);

        if (a->set != b->set)
                return false;
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++)
                if ((a->set & (1U << l)) && a->value[l] != b->value[l])
                        return false;
        return true;
}

ReloadChange reload_change_for(const Program *p, const ProgramConfig *nc) {
        assert(nc);

        if (!p)
                return RELOAD_ADD;
        /* A transient run is not the file's program, and the group is part of the cgroup path. */
        if (p->transient || !p->config || !streq(strempty(p->group), nc->group_name ?: nc->name))
                return RELOAD_REPLACE;
        if (!program_config_equal_for_restart(p->config, nc))
                return RELOAD_RESTART;
        if (!limits_equal(&p->config->limits, &nc->limits))
                return RELOAD_LIMITS_LIVE;
        return RELOAD_UNCHANGED;
}

int manager_reload_load(Manager *m, Config **ret, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        assert(m);
        assert(ret);

        if (!m->options.config_path) {
                if (reterr_message)
                        *reterr_message = strdup("cgsupd runs without a configuration file");
                return -EINVAL;
        }
        r = manager_load_config(m->options.config_path, &c, reterr_message);
        if (r < 0)
                return r;
        r = logdir_place_auto_logs(m, c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

void reload_diff_done(ReloadDiff *d) {
        if (!d)
                return;
        d->added = strv_free(d->added);
        d->changed = strv_free(d->changed);
        d->removed = strv_free(d->removed);
}

int manager_reload_diff(Manager *m, const Config *newc, ReloadDiff *ret) {
        _cleanup_(reload_diff_done) ReloadDiff d = {};
        int r;

        assert(m);
        assert(newc);
        assert(ret);

        for (size_t i = 0; i < newc->n_programs; i++) {
                const ProgramConfig *nc = newc->programs[i];
                const Program *p = manager_find_program(m, nc->name);

                /* Being removed (RemoveGroup(), a reload) but back in the file: the reload keeps it, it
                 * is added again as far as anyone can see (supervisord forgets a group at once). */
                if (p && p->remove_when_stopped && !p->transient) {
                        r = strv_extend(&d.added, nc->name);
                        if (r < 0)
                                return r;
                        continue;
                }
                switch (reload_change_for(p, nc)) {
                case RELOAD_ADD:
                        r = strv_extend(&d.added, nc->name);
                        break;
                case RELOAD_UNCHANGED:
                        r = 0;
                        break;
                default:
                        r = strv_extend(&d.changed, nc->name);
                }
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < m->n_programs; i++) {
                const Program *p = m->programs[i];

                if (p->transient || p->remove_when_stopped || config_find_program(newc, p->name))
                        continue;
                r = strv_extend(&d.removed, p->name);
                if (r < 0)
                        return r;
        }
        *ret = d;
        d = (ReloadDiff) {};
        return 0;
}

static int extend_once(char ***l, const char *s) {
        return strv_contains(*l, s) ? 0 : strv_extend(l, s);
}

static bool config_lists_group(const Config *c, const char *group) {
        for (size_t i = 0; i < c->n_programs; i++)
                if (streq(c->programs[i]->group_name, group))
                        return true;
        return false;
}

int manager_reload_diff_groups(Manager *m, const Config *newc, char **only, ReloadDiff *ret) {
        _cleanup_(reload_diff_done) ReloadDiff d = {}, g = {};
        int r;

        assert(m);
        assert(newc);
        assert(ret);

        r = manager_reload_diff(m, newc, &d);
        if (r < 0)
                return r;
        /* Added or changed programs are in @newc; removed ones run. */
        char **lists[] = { d.added, d.changed, d.removed };
        for (size_t k = 0; k < ELEMENTSOF(lists); k++)
                STRV_FOREACH(n, lists[k]) {
                        const ProgramConfig *pc = k < 2 ? config_find_program(newc, *n) : NULL;
                        const Program *p = k == 2 ? manager_find_program(m, *n) : NULL;
                        const char *group = pc ? pc->group_name : p ? p->group : NULL;

                        if (!group || (only && !strv_contains(only, group)))
                                continue;
                        if (!manager_group_is_active(m, group))
                                r = extend_once(&g.added, group);
                        else if (!config_lists_group(newc, group))
                                r = extend_once(&g.removed, group);
                        else
                                r = extend_once(&g.changed, group);
                        if (r < 0)
                                return r;
                }
        /* A group whose programs all moved to another group (manager_groups_with_moves()) is removed too. */
        for (size_t i = 0; i < m->n_programs; i++) {
                const Program *p = m->programs[i];

                if (p->transient || p->remove_when_stopped || !p->group || (only && !strv_contains(only, p->group)) ||
                    config_lists_group(newc, p->group))
                        continue;
                r = extend_once(&g.removed, p->group);
                if (r < 0)
                        return r;
        }
        *ret = g;
        g = (ReloadDiff) {};
        return 0;
}
