/* SPDX-License-Identifier: MIT */
/*
 * status, pid, avail, version: supervisorctl's reading commands. The status line is the one scripts parse
 * most: "%-33s%-10s%s" (name column at least 30 wide plus 3), state word, description.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "sctl.h"

static uint64_t now_realtime_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* When a STOPPED/EXITED program stopped; 0 when it never ran (supervisorctl: "Not started"). */
static uint64_t stop_timestamp(Ctl *c, const Proc *p) {
        uint64_t ts = 0;

        if (!streq(p->state, "STOPPED") && !streq(p->state, "EXITED"))
                return 0;
        /* cgsupd records why the last instance ended; a program that never ran has no reason. */
        if (isempty(p->exit_reason) && p->exit_code < 0 && p->exit_signal == 0)
                return 0;
        if (ctl_program_property(c, p->name, "StateChangeTimestamp", 't', &ts) < 0)
                return 0;
        return ts;
}

static void show_statuses(Ctl *c, const Proc *const *procs, size_t n) {
        size_t width = 30;
        uint64_t now = now_realtime_usec();

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *spec = make_namespec(procs[i]->group, procs[i]->name);
                if (spec)
                        width = MAX(width, strlen(spec));
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *spec = make_namespec(procs[i]->group, procs[i]->name);
                _cleanup_free_ char *desc = proc_description(procs[i], now, stop_timestamp(c, procs[i]));

                ctl_output("%-*s%-10s%s", (int) width + 3, strempty(spec), state_word(procs[i]->state),
                           strempty(desc));
        }
}

/* The names given, as supervisorctl's do_status matches them: "group:*" is the group, "name" is the
 * process of that name in the group of that name, "group:name" one process. */
static size_t match_names(Ctl *c, char **names, size_t n_names, const Proc **out) {
        size_t n = 0;

        for (size_t k = 0; k < n_names; k++) {
                _cleanup_free_ char *group = NULL, *name = NULL;
                bool bad = true;

                if (split_namespec(names[k], &group, &name) < 0)
                        continue;
                for (size_t i = 0; i < c->n_procs; i++) {
                        const Proc *p = &c->procs[i];
                        if (!proc_in_group(p, group) || (name && !streq(p->name, name)))
                                continue;
                        bad = false;
                        out[n++] = p;
                }
                if (bad) {
                        if (!name)
                                ctl_output("%s: ERROR (no such group)", group);
                        else
                                ctl_output("%s: ERROR (no such process)", names[k]);
                        c->exitstatus = SCTL_EXIT_STATUS_UNKNOWN;
                }
        }
        return n;
}

void cmd_status(Ctl *c, char **args, size_t n_args, const char *arg) {
        _cleanup_free_ const Proc **procs = NULL;
        bool all = n_args == 0;
        size_t n = 0;

        if (!ctl_upcheck(c)) {
                c->exitstatus = SCTL_EXIT_STATUS_UNKNOWN;
                return;
        }
        for (size_t i = 0; i < n_args; i++)
                if (streq(args[i], "all"))
                        all = true;

        /* A name may match the same process twice (supervisorctl prints it twice too). */
        procs = calloc(MAX(c->n_procs * MAX(n_args, (size_t) 1), (size_t) 1), sizeof *procs);
        if (!procs) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (all)
                for (; n < c->n_procs; n++)
                        procs[n] = &c->procs[n];
        else
                n = match_names(c, args, n_args, procs);

        show_statuses(c, procs, n);
        for (size_t i = 0; i < n; i++)
                if (state_is_stopped(procs[i]->state))
                        c->exitstatus = SCTL_EXIT_STATUS_NOT_RUNNING;
}

void cmd_pid(Ctl *c, char **args, size_t n, const char *arg) {
        if (!ctl_upcheck(c))
                return;
        if (n == 0) {
                uint32_t pid;
                if (ctl_manager_property(c, "PID", 'u', &pid) < 0) {
                        c->exitstatus = SCTL_EXIT_GENERIC;
                        return;
                }
                ctl_output("%u", pid);
                return;
        }
        for (size_t i = 0; i < n; i++)
                if (streq(args[i], "all")) {
                        for (size_t k = 0; k < c->n_procs; k++)
                                ctl_output("%u", c->procs[k].main_pid);
                        return;
                }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *group = NULL, *name = NULL;
                const Proc *p = NULL;

                /* getProcessInfo(): exactly one process, by its namespec. */
                if (split_namespec(args[i], &group, &name) >= 0 && name)
                        p = proc_find(c, group, name);
                if (!p) {
                        ctl_output("No such process %s", args[i]);
                        c->exitstatus = SCTL_EXIT_GENERIC;
                        continue;
                }
                ctl_output("%u", p->main_pid);
                if (p->main_pid == 0)
                        c->exitstatus = SCTL_EXIT_NOT_RUNNING;
        }
}

void cmd_version(Ctl *c, char **args, size_t n, const char *arg) {
        _cleanup_free_ char *version = NULL;

        if (!ctl_no_arguments(c, n, "version") || !ctl_upcheck(c))
                return;
        if (ctl_manager_property(c, "Version", 's', &version) < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        ctl_output("%s", version);
}

typedef struct AvailLine {
        char *spec;
        int in_use, autostart;
        int32_t priority, group_priority;
} AvailLine;

static int avail_compare(const void *a, const void *b) {
        const AvailLine *x = a, *y = b;
        /* supervisord lists its process group configs by priority; ties keep the lexical order. */
        if (x->group_priority != y->group_priority)
                return x->group_priority < y->group_priority ? -1 : 1;
        return strcmp(x->spec, y->spec);
}

static void avail_lines_free(AvailLine *lines, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(lines[i].spec);
        free(lines);
}

/* ListConfiguredPrograms(): the configuration as the last reread read it (supervisord's getAllConfigInfo). */
static int read_avail(Ctl *c, AvailLine **ret, size_t *ret_n) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        AvailLine *lines = NULL;
        size_t n = 0;
        int r;

        r = ctl_manager_call(c, "ListConfiguredPrograms", &reply, &error, NULL);
        if (r < 0)
                return ctl_log_bus_error(c, &error, r);
        r = sd_bus_message_enter_container(reply, 'a', "(ssbbii)");
        while (r >= 0) {
                const char *name, *group;
                AvailLine l = {}, *grown;

                r = sd_bus_message_read(reply, "(ssbbii)", &name, &group, &l.in_use, &l.autostart, &l.priority,
                                        &l.group_priority);
                if (r <= 0)
                        break;
                l.spec = make_namespec(group, name);
                grown = l.spec ? reallocarray(lines, n + 1, sizeof *lines) : NULL;
                if (!grown) {
                        free(l.spec);
                        r = -ENOMEM;
                        break;
                }
                lines = grown;
                lines[n++] = l;
        }
        if (r < 0) {
                avail_lines_free(lines, n);
                return ctl_log_bus_error(c, NULL, r);
        }
        *ret = lines;
        *ret_n = n;
        return 0;
}

void cmd_avail(Ctl *c, char **args, size_t n, const char *arg) {
        AvailLine *lines = NULL;
        size_t n_lines = 0;

        if (!ctl_no_arguments(c, n, "avail"))
                return;
        if (read_avail(c, &lines, &n_lines) < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        qsort(lines, n_lines, sizeof *lines, avail_compare);
        for (size_t i = 0; i < n_lines; i++)
                ctl_output("%-32s %-9s %-9s %d:%d", lines[i].spec, lines[i].in_use ? "in use" : "avail",
                           lines[i].autostart ? "auto" : "manual", lines[i].group_priority, lines[i].priority);
        avail_lines_free(lines, n_lines);
}
