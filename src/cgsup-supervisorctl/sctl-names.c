/* SPDX-License-Identifier: MIT */
/*
 * supervisor's names and words, as supervisorctl prints and parses them: namespecs (options.py's
 * make_namespec/split_namespec), the state sets of states.py, and the status description of
 * rpcinterface.py's _interpretProcessInfo(). Pure functions: the unit test checks them.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "name-util.h"
#include "sctl.h"

char *make_namespec(const char *group, const char *name) {
        char buf[PROGRAM_DISPLAY_NAME_MAX];

        assert(group);
        assert(name);

        /* A process in the group of its own name is referred to by its short name (supervisor's
         * backward compatibility rule): the rule cgsupctl and the metrics show names by. */
        return strdup(program_display_name(group, name, buf, sizeof buf));
}

int split_namespec(const char *spec, char **ret_group, char **ret_name) {
        _cleanup_free_ char *group = NULL, *name = NULL;
        const char *colon;

        assert(spec);
        assert(ret_group);
        assert(ret_name);

        colon = strchr(spec, ':');
        if (colon) {
                group = strndup(spec, colon - spec);
                if (!group)
                        return -ENOMEM;
                if (!isempty(colon + 1) && !streq(colon + 1, "*")) {
                        name = strdup(colon + 1);
                        if (!name)
                                return -ENOMEM;
                }
        } else {
                group = strdup(spec);
                name = strdup(spec);
                if (!group || !name)
                        return -ENOMEM;
        }
        *ret_group = TAKE_PTR(group);
        *ret_name = TAKE_PTR(name);
        return 0;
}

const Proc *proc_find(const Ctl *c, const char *group, const char *name) {
        for (size_t i = 0; i < c->n_procs; i++)
                if (streq(c->procs[i].group, group) && streq(c->procs[i].name, name))
                        return &c->procs[i];
        return NULL;
}

bool proc_in_group(const Proc *p, const char *group) {
        return streq(p->group, group);
}

static bool state_in(const char *state, const char *const *set) {
        for (; *set; set++)
                if (streq(state, *set))
                        return true;
        return false;
}

bool state_is_running(const char *state) {
        /* UNHEALTHY is cgsupd's RUNNING with failing liveness checks. */
        return state_in(state, (const char *const[]) { "RUNNING", "BACKOFF", "STARTING", "UNHEALTHY", NULL });
}

bool state_is_stopped(const char *state) {
        return state_in(state, (const char *const[]) { "STOPPED", "EXITED", "FATAL", "UNKNOWN", NULL });
}

bool state_is_signallable(const char *state) {
        return state_in(state, (const char *const[]) { "RUNNING", "STARTING", "STOPPING", "UNHEALTHY", NULL });
}

const char *state_word(const char *state) {
        /* Scripts and configuration-management modules compare against supervisor's seven words; a
         * program whose health check fails still runs (and `start` would answer "already started"). */
        if (streq(state, "UNHEALTHY"))
                return "RUNNING";
        return state;
}

int format_uptime(char *buf, size_t size, uint64_t seconds) {
        uint64_t days = seconds / 86400, rest = seconds % 86400;
        int n;

        /* Python's str(datetime.timedelta): "0:00:05", "1 day, 2:03:04", "3 days, 0:00:00". */
        if (days > 0)
                n = snprintf(buf, size, "%llu day%s, %llu:%02llu:%02llu", (unsigned long long) days,
                             days == 1 ? "" : "s", (unsigned long long) (rest / 3600),
                             (unsigned long long) (rest % 3600 / 60), (unsigned long long) (rest % 60));
        else
                n = snprintf(buf, size, "%llu:%02llu:%02llu", (unsigned long long) (rest / 3600),
                             (unsigned long long) (rest % 3600 / 60), (unsigned long long) (rest % 60));
        return n < 0 || (size_t) n >= size ? -ENOBUFS : 0;
}

static bool exited_while_starting(const Proc *p) {
        return streq(p->exit_reason, "exit-code") || streq(p->exit_reason, "signal");
}

char *proc_description(const Proc *p, uint64_t now_usec, uint64_t stop_ts_usec) {
        char *s = NULL;
        int r = 0;

        if (streq(p->state, "RUNNING") || streq(p->state, "UNHEALTHY")) {
                /* Whole seconds on both ends, as supervisord truncates both times to seconds. */
                uint64_t start = p->active_enter_ts / USEC_PER_SEC, now = now_usec / USEC_PER_SEC;
                char up[64];

                if (format_uptime(up, sizeof up, now > start ? now - start : 0) < 0)
                        return NULL;
                r = asprintf(&s, "pid %u, uptime %s", p->main_pid, up);
        } else if (streq(p->state, "FATAL") || streq(p->state, "BACKOFF")) {
                /* supervisord's spawnerr: a process that ended before startsecs "Exited too quickly";
                 * cgsupd's own reasons (spawn failure, a limit it cannot enforce) are its detail text. */
                if (exited_while_starting(p))
                        s = strdup("Exited too quickly (process log may have details)");
                else if (!isempty(p->exit_detail))
                        s = strdup(p->exit_detail);
                else
                        r = asprintf(&s, "unknown error (try \"tail %s\")", p->name);
        } else if (streq(p->state, "STOPPED") || streq(p->state, "EXITED")) {
                if (stop_ts_usec > 0) {
                        time_t t = (time_t) (stop_ts_usec / USEC_PER_SEC);
                        struct tm tm;
                        char buf[64];

                        /* Python's strftime in the C locale (supervisorctl never calls setlocale). */
                        if (!localtime_r(&t, &tm) || strftime(buf, sizeof buf, "%b %d %I:%M %p", &tm) == 0)
                                return NULL;
                        s = strdup(buf);
                } else
                        s = strdup("Not started");
        } else
                s = strdup("");
        return r < 0 ? NULL : s;
}

void proc_done(Proc *p) {
        free(p->name);
        free(p->group);
        free(p->state);
        free(p->exit_reason);
        free(p->exit_detail);
        *p = (Proc) {};
}
