/* SPDX-License-Identifier: MIT */
#include "deps.h"
#include "program-ops.h"

bool deps_name_matches(const Program *dep, const char *name) {
        return streq(dep->name, name) || (dep->config->program_name && streq(dep->config->program_name, name));
}

bool deps_condition_met(const Program *dep, DependCondition condition) {
        switch (condition) {
        case DEPEND_STARTED:
                return dep->state == PROGRAM_RUNNING || dep->state == PROGRAM_UNHEALTHY;
        case DEPEND_HEALTHY:
        case DEPEND_LOG_READY: /* the configuration made sure its readiness check is a log line */
                return program_is_ready(dep);
        case DEPEND_COMPLETED:
        case DEPEND_SUCCEEDED:
                return dep->state == PROGRAM_EXITED && dep->exit_reason == EXIT_REASON_EXITED &&
                        program_config_exitcode_expected(dep->config, dep->exit_code);
        default:
                return false;
        }
}

bool program_deps_satisfied(Program *p, char **ret_waiting) {
        Manager *m = p->manager;

        for (size_t i = 0; i < p->config->n_depends_on; i++) {
                const Dependency *d = &p->config->depends_on[i];
                const char *cond = depend_condition_to_string(d->condition);
                bool found = false, met = true;

                for (size_t j = 0; j < m->n_programs; j++) {
                        Program *q = m->programs[j];
                        if (q == p || !deps_name_matches(q, d->name))
                                continue;
                        found = true;
                        if (!deps_condition_met(q, d->condition))
                                met = false;
                }
                if (found && met)
                        continue;
                if (ret_waiting) {
                        char *s = NULL;
                        if (asprintf(&s, "waiting for %s (%s)%s", d->name, strna(cond),
                                     found ? "" : ": not configured") < 0)
                                s = NULL;
                        *ret_waiting = s;
                }
                return false;
        }
        return true;
}

/* Why @dep can no longer meet @condition by itself, into @buf, or NULL while it still may: it is FATAL (it
 * gave up), or for succeeded it ended with an unexpected code and no restart is coming. */
static const char *unmeetable(const Program *dep, DependCondition condition, char *buf, size_t size) {
        char exit_buf[256];

        if (dep->state == PROGRAM_FATAL) {
                snprintf(buf, size, "%s is FATAL (%s)", dep->name, program_exit_summary(dep, exit_buf, sizeof exit_buf));
                return buf;
        }
        if (condition == DEPEND_SUCCEEDED && dep->state == PROGRAM_EXITED && dep->job.id == 0 &&
            !deps_condition_met(dep, condition)) {
                snprintf(buf, size, "%s did not succeed (%s; succeeded needs an expected exit code)", dep->name,
                         program_exit_summary(dep, exit_buf, sizeof exit_buf));
                return buf;
        }
        return NULL;
}

bool program_deps_unmeetable(Program *p, char **ret_reason) {
        Manager *m = p->manager;
        char buf[512];

        for (size_t i = 0; i < p->config->n_depends_on; i++) {
                const Dependency *d = &p->config->depends_on[i];
                for (size_t j = 0; j < m->n_programs; j++) {
                        Program *q = m->programs[j];
                        if (q == p || !deps_name_matches(q, d->name) || !unmeetable(q, d->condition, buf, sizeof buf))
                                continue;
                        if (ret_reason) {
                                char *s = NULL;
                                if (asprintf(&s, "dependency %s (%s) cannot be met: %s", d->name,
                                             strna(depend_condition_to_string(d->condition)), buf) < 0)
                                        s = NULL;
                                *ret_reason = s;
                        }
                        return true;
                }
        }
        return false;
}

bool deps_has_active_dependents(Manager *m, const Program *p) {
        for (size_t j = 0; j < m->n_programs; j++) {
                Program *q = m->programs[j];
                if (q == p || !program_is_active(q))
                        continue;
                for (size_t i = 0; i < q->config->n_depends_on; i++)
                        if (deps_name_matches(p, q->config->depends_on[i].name))
                                return true;
        }
        return false;
}

/* Depth-first search with colours over the instance graph; n is small (programs in one config). */
static int visit(Manager *m, size_t i, uint8_t *colour, size_t *path, size_t depth, char **reterr_message) {
        Program *p = m->programs[i];
        int r;

        colour[i] = 1;
        path[depth] = i;
        for (size_t k = 0; k < p->config->n_depends_on; k++)
                for (size_t j = 0; j < m->n_programs; j++) {
                        if (j == i || !deps_name_matches(m->programs[j], p->config->depends_on[k].name))
                                continue;
                        if (colour[j] == 1) {
                                if (reterr_message && asprintf(reterr_message, "dependency cycle: %s -> %s",
                                                               p->name, m->programs[j]->name) < 0)
                                        *reterr_message = NULL;
                                return -ELOOP;
                        }
                        if (colour[j] == 0) {
                                r = visit(m, j, colour, path, depth + 1, reterr_message);
                                if (r < 0)
                                        return r;
                        }
                }
        colour[i] = 2;
        return 0;
}

int deps_check_cycles(Manager *m, char **reterr_message) {
        _cleanup_free_ uint8_t *colour = NULL;
        _cleanup_free_ size_t *path = NULL;
        int r;

        if (m->n_programs == 0)
                return 0;
        colour = calloc(m->n_programs, 1);
        path = calloc(m->n_programs + 1, sizeof(size_t));
        if (!colour || !path)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_programs; i++)
                if (colour[i] == 0) {
                        r = visit(m, i, colour, path, 0, reterr_message);
                        if (r < 0)
                                return r;
                }
        return 0;
}
