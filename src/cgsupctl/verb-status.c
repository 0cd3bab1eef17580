/* SPDX-License-Identifier: MIT */
/*
 * status, pid, avail, list-names: reads, open to every local user.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "name-util.h"
#include "parse-util.h"
#include "strv.h"
#include "table.h"

/* cgsupd says "exit-code" (systemd's word); older texts said "exited". */
static bool reason_is_exit(const char *reason) {
        return streq(reason, "exit-code") || streq(reason, "exited");
}

/* Uptimes in whole seconds ("12s", "4min 10s", "1min", "2h 5min", "3d 4h"): the one duration style of
 * format_timespan(), used for every duration cgsupctl prints. */
static const char *format_uptime(char *buf, size_t n, uint64_t usec) {
        return format_timespan(buf, n, usec / USEC_PER_SEC * USEC_PER_SEC);
}

static const char *format_cpu(char *buf, size_t n, uint64_t nsec) {
        if (nsec == UINT64_MAX)
                return "-";
        return format_timespan(buf, n, nsec / NSEC_PER_USEC);
}

static const char *state_color(const char *state, const char *exit_reason, int32_t exit_code) {
        if (streq(state, "RUNNING"))
                return ANSI_GREEN;
        if (streq(state, "STARTING") || streq(state, "STOPPING"))
                return ANSI_YELLOW;
        if (state_is_failed(state, exit_reason, exit_code))
                return ANSI_RED;
        return NULL;
}

/* "exit 1", "signal KILL", "oom-kill", "spawn-failed: ...", with the survivors that stayed behind. */
static char *format_exit(const char *reason, int32_t code, int32_t sig, uint32_t survivors, const char *detail) {
        char *s = NULL;
        char what[128];

        if (isempty(reason))
                return strdup("");
        if (reason_is_exit(reason))
                snprintf(what, sizeof what, "exit %d", code);
        else if (streq(reason, "signal")) {
                const char *n = signal_to_string(sig);
                if (n)
                        snprintf(what, sizeof what, "signal %s", n);
                else
                        snprintf(what, sizeof what, "signal %d", sig);
        } else
                snprintf(what, sizeof what, "%s", reason);

        if (asprintf(&s, "%s%s%s", what, !isempty(detail) ? ": " : "", strempty(detail)) < 0)
                return NULL;
        if (survivors > 0) {
                char *t = NULL;
                if (asprintf(&t, "%s (%u process%s left)", s, survivors, survivors == 1 ? "" : "es") < 0) {
                        free(s);
                        return NULL;
                }
                free(s);
                s = t;
        }
        return s;
}

/* -v: the figures of the program object that the table has no room for otherwise. */
static int add_verbose_cells(Table *t, const ProgramInfo *info) {
        char restarts[16], tasks[48], a[24], b[24];
        int r;

        snprintf(restarts, sizeof restarts, "%u", info->restarts);
        if (info->tasks_current == UINT64_MAX && info->tasks_max == UINT64_MAX)
                snprintf(tasks, sizeof tasks, "-");
        else
                snprintf(tasks, sizeof tasks, "%s/%s",
                         info->tasks_current == UINT64_MAX ? "-" : (snprintf(a, sizeof a, "%" PRIu64, info->tasks_current), a),
                         info->tasks_max == UINT64_MAX ? "-" : (snprintf(b, sizeof b, "%" PRIu64, info->tasks_max), b));
        r = table_add_cell(t, restarts, NULL);
        if (r >= 0)
                r = table_add_cell(t, tasks, NULL);
        return r;
}

/* @infos (with -v, else NULL): each shown program's properties, for the RESTARTS and TASKS/LIMIT columns. */
static int print_table(const ListEntry *list, const size_t *order, size_t n_order, const ProgramInfo *infos) {
        static const char *const headers[] = { "NAME", "STATE", "PID", "UPTIME", "MEM/LIMIT", "CPU", "EXIT/REASON",
                                                "SUB-STATE", "RESTARTS", "TASKS/LIMIT" };
        uint64_t now = now_realtime_usec();
        bool any_sub = infos != NULL;
        Table *t;
        int r = 0;

        /* The sub-state column ("restart pending (in 2s)", "frozen", "waiting for db (healthy)") only
         * when some program has one, or with -v: the usual table stays as narrow as before. */
        for (size_t k = 0; k < n_order; k++)
                if (!isempty(list[order[k]].sub_state))
                        any_sub = true;
        t = table_new(ELEMENTSOF(headers) - (infos ? 0 : 2) - !any_sub, headers);
        if (!t)
                return -ENOMEM;
        /* On a narrow terminal the explanations give way, never the name, state or numbers. */
        (void) table_set_column_flags(t, 2, TABLE_RIGHT);
        (void) table_set_column_flags(t, 6, TABLE_TRUNCATE);
        if (any_sub)
                (void) table_set_column_flags(t, 7, TABLE_TRUNCATE);
        for (size_t k = 0; k < n_order && r >= 0; k++) {
                size_t i = order[k];
                const ListEntry *e = &list[i];
                char name[PROGRAM_DISPLAY_NAME_MAX], pid[16], up[32], mem[64], a[32], b[32], cpu[32];
                _cleanup_free_ char *ex = NULL;

                snprintf(pid, sizeof pid, "%u", e->main_pid);
                if (e->active_enter_ts > 0 && now > e->active_enter_ts)
                        format_uptime(up, sizeof up, now - e->active_enter_ts);
                else
                        snprintf(up, sizeof up, "-");
                if (e->memory_current == UINT64_MAX)
                        snprintf(mem, sizeof mem, "-");
                else
                        snprintf(mem, sizeof mem, "%s", format_bytes(a, sizeof a, e->memory_current));
                if (e->memory_max != UINT64_MAX) {
                        size_t l = strlen(mem);
                        snprintf(mem + l, sizeof mem - l, "/%s", format_bytes(b, sizeof b, e->memory_max));
                }
                ex = format_exit(e->exit_reason, e->exit_code, e->exit_signal, e->survivors, NULL);

                r = table_add_cell(t, program_display_name(e->group, e->name, name, sizeof name), NULL);
                if (r >= 0)
                        r = table_add_cell(t, e->state, state_color(e->state, e->exit_reason, e->exit_code));
                if (r >= 0)
                        r = table_add_cell(t, e->main_pid > 0 ? pid : "-", NULL);
                if (r >= 0)
                        r = table_add_cell(t, up, NULL);
                if (r >= 0)
                        r = table_add_cell(t, mem, NULL);
                if (r >= 0)
                        r = table_add_cell(t, format_cpu(cpu, sizeof cpu, e->cpu_usage_nsec), NULL);
                if (r >= 0)
                        r = table_add_cell(t, ex ?: "", NULL);
                if (r >= 0 && any_sub)
                        r = table_add_cell(t, strempty(e->sub_state), NULL);
                if (r >= 0 && infos)
                        r = add_verbose_cells(t, &infos[i]);
        }
        if (r >= 0)
                r = table_print(t, stdout);
        table_free(t);
        return r;
}

static struct json_object *entry_to_json(const ListEntry *e) {
        struct json_object *o = json_object_new_object();
        if (!o)
                return NULL;
        json_add(o, "name", json_object_new_string(e->name));
        json_add(o, "group", json_object_new_string(e->group));
        json_add(o, "state", json_object_new_string(e->state));
        json_add(o, "sub_state", isempty(e->sub_state) ? NULL : json_object_new_string(e->sub_state));
        json_add(o, "pid", e->main_pid > 0 ? json_object_new_int64(e->main_pid) : NULL);
        json_add(o, "active_enter_timestamp_usec", e->active_enter_ts > 0 ? json_object_new_uint64(e->active_enter_ts) : NULL);
        json_add(o, "uptime_usec",
                 e->active_enter_ts > 0 ? json_object_new_uint64(now_realtime_usec() - MIN(e->active_enter_ts, now_realtime_usec())) : NULL);
        json_add(o, "memory_current", json_u64_or_null(e->memory_current));
        json_add(o, "memory_max", json_u64_or_null(e->memory_max));
        json_add(o, "cpu_usage_nsec", json_u64_or_null(e->cpu_usage_nsec));
        json_add(o, "exit_reason", isempty(e->exit_reason) ? NULL : json_object_new_string(e->exit_reason));
        json_add(o, "exit_code", e->exit_code >= 0 && reason_is_exit(e->exit_reason) ? json_object_new_int(e->exit_code) : NULL);
        /* The exit figures belong to the exit record: none without one, so a program running again carries no
         * earlier run's signal (cgsupd keeps the numbers until the next exit). */
        json_add(o, "exit_signal", !isempty(e->exit_reason) && e->exit_signal > 0 ? json_object_new_int(e->exit_signal) : NULL);
        json_add(o, "exit_detail", isempty(e->exit_detail) ? NULL : json_object_new_string(e->exit_detail));
        json_add(o, "survivors", json_object_new_int64(e->survivors));
        json_add(o, "object_path", json_object_new_string(e->path));
        return o;
}

static void info_to_json(struct json_object *o, const ProgramInfo *i) {
        struct json_object *cmd = json_object_new_array();

        STRV_FOREACH(s, i->command)
                json_object_array_add(cmd, json_object_new_string(*s));
        json_add(o, "command", cmd);
        json_add(o, "cgroup", json_string_or_null(i->cgroup));
        json_add(o, "status_text", isempty(i->status_text) ? NULL : json_object_new_string(i->status_text));
        json_add(o, "waiting_for", isempty(i->waiting_for) ? NULL : json_object_new_string(i->waiting_for));
        json_add(o, "type", json_string_or_null(i->type));
        json_add(o, "description", isempty(i->description) ? NULL : json_object_new_string(i->description));
        json_add(o, "restarts", json_object_new_int64(i->restarts));
        json_add(o, "healthy", json_object_new_boolean(i->healthy));
        json_add(o, "frozen", json_object_new_boolean(i->frozen));
        json_add(o, "transient", json_object_new_boolean(i->transient));
        json_add(o, "autostart", json_object_new_boolean(i->autostart));
        json_add(o, "priority", json_object_new_int(i->priority));
        json_add(o, "state_change_timestamp_usec", json_object_new_uint64(i->state_change_ts));
        json_add(o, "memory_peak", json_u64_or_null(i->memory_peak));
        json_add(o, "memory_high", json_u64_or_null(i->memory_high));
        json_add(o, "memory_swap_max", json_u64_or_null(i->memory_swap_max));
        json_add(o, "tasks_current", json_u64_or_null(i->tasks_current));
        json_add(o, "tasks_max", json_u64_or_null(i->tasks_max));
        json_add(o, "cpu_quota_permyriad", json_u64_or_null(i->cpu_quota));
        json_add(o, "cpu_weight", json_u64_or_null(i->cpu_weight));
        json_add(o, "io_weight", json_u64_or_null(i->io_weight));
        json_add(o, "oom_kills", json_u64_or_null(i->oom_kills));
}

static void print_limit_line(const char *label, uint64_t cur, uint64_t max, uint64_t peak, bool bytes) {
        char a[32], b[32], c[32];

        if (cur == UINT64_MAX && max == UINT64_MAX)
                return;
        printf("%12s: ", label);
        if (cur == UINT64_MAX)
                printf("-");
        else if (bytes)
                printf("%s", format_bytes(a, sizeof a, cur));
        else
                printf("%" PRIu64, cur);
        if (max != UINT64_MAX || peak != UINT64_MAX) {
                printf(" (");
                if (max != UINT64_MAX)
                        printf("%s%s", bytes ? "max: " : "limit: ",
                               bytes ? format_bytes(b, sizeof b, max) : (snprintf(b, sizeof b, "%" PRIu64, max), b));
                if (peak != UINT64_MAX)
                        printf("%speak: %s", max != UINT64_MAX ? ", " : "", format_bytes(c, sizeof c, peak));
                printf(")");
        }
        printf("\n");
}

/* -v: how the program is started and checked, and every limit set on it. */
static void print_detail_verbose(const ProgramInfo *i) {
        char limits[256] = "", buf[32];
        size_t l = 0;

        printf("%12s: autostart %s, autorestart %s, priority %d, type %s%s%s\n", "Start",
               i->autostart > 0 ? "yes" : "no", strna(i->autorestart), i->priority, strna(i->type),
               isempty(i->user) ? "" : ", user ", strempty(i->user));
        if (!isempty(i->readiness_check) || !isempty(i->liveness_check))
                printf("%12s: readiness %s, liveness %s\n", "Checks", isempty(i->readiness_check) ? "-" : i->readiness_check,
                       isempty(i->liveness_check) ? "-" : i->liveness_check);
#define LIMIT(name, v, bytes)                                                                                  \
        if ((v) != UINT64_MAX && l < sizeof limits)                                                            \
                l += (size_t) snprintf(limits + l, sizeof limits - l, "%s%s=%s", l ? " " : "", name,          \
                                       bytes ? format_bytes(buf, sizeof buf, (v))                              \
                                             : (snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t) (v)), buf))
        LIMIT("memory_max", i->memory_max, true);
        LIMIT("memory_high", i->memory_high, true);
        LIMIT("memory_swap_max", i->memory_swap_max, true);
        LIMIT("pids_max", i->tasks_max, false);
        LIMIT("cpu_quota_permyriad", i->cpu_quota, false);
        LIMIT("cpu_weight", i->cpu_weight, false);
        LIMIT("io_weight", i->io_weight, false);
#undef LIMIT
        printf("%12s: %s\n", "Limits", l ? limits : "none");
}

static void print_detail(const ListEntry *e, const ProgramInfo *i) {
        const char *color = state_color(e->state, e->exit_reason, e->exit_code);
        uint64_t now = now_realtime_usec();
        char buf[64], tsbuf[64];
        _cleanup_free_ char *ex = NULL;

        printf("%s●%s %s", ansi(color ?: ""), ansi(ANSI_NORMAL), e->name);
        if (!isempty(e->group) && !streq(e->group, e->name))
                printf(" (group %s)", e->group);
        /* systemctl status: "name - Description", the command on a line of its own then. */
        if (!isempty(i->description))
                printf(" - %s", i->description);
        else if (!isempty(i->command_line))
                printf(" - %s", i->command_line);
        printf("\n");
        if (!isempty(i->description) && !isempty(i->command_line))
                printf("%12s: %s\n", "Command", i->command_line);

        printf("%12s: %s%s%s", "State", ansi(color ?: ""), e->state, ansi(ANSI_NORMAL));
        if (!isempty(format_timestamp(tsbuf, sizeof tsbuf, i->state_change_ts)))
                printf(" since %s; %s ago", tsbuf,
                       format_uptime(buf, sizeof buf, now > i->state_change_ts ? now - i->state_change_ts : 0));
        printf("\n");
        /* What State alone does not say: a dependency, frozen, a pending restart. */
        if (!isempty(i->sub_state))
                printf("%12s: %s\n", "Sub-state", i->sub_state);
        if (!isempty(i->status_text))
                printf("%12s: \"%s\"\n", "Status", i->status_text);
        if (i->transient)
                printf("%12s: %s\n", "Transient", "yes");
        if (e->main_pid > 0)
                printf("%12s: %u\n", "Main PID", e->main_pid);
        if (!isempty(i->cgroup))
                printf("%12s: %s\n", "CGroup", i->cgroup);
        print_limit_line("Tasks", i->tasks_current, i->tasks_max, UINT64_MAX, false);
        print_limit_line("Memory", i->memory_current, i->memory_max, i->memory_peak, true);
        if (i->cpu_usage_nsec != UINT64_MAX) {
                printf("%12s: %s", "CPU", format_cpu(buf, sizeof buf, i->cpu_usage_nsec));
                if (i->cpu_quota != UINT64_MAX)
                        printf(" (quota: %" PRIu64 ".%02" PRIu64 "%%)", i->cpu_quota / 100, i->cpu_quota % 100);
                printf("\n");
        }
        if (i->oom_kills != UINT64_MAX && i->oom_kills > 0)
                printf("%12s: %" PRIu64 "\n", "OOM kills", i->oom_kills);
        printf("%12s: %u\n", "Restarts", i->restarts);
        ex = format_exit(e->exit_reason, e->exit_code, e->exit_signal, e->survivors, e->exit_detail);
        if (!isempty(ex))
                printf("%12s: %s\n", "Last exit", ex);
        if (!isempty(i->stdout_log))
                printf("%12s: %s\n", "Log", i->stdout_log);
        if (!isempty(i->source_file))
                printf("%12s: %s\n", "Config", i->source_file);
        if (arg_verbose > 0)
                print_detail_verbose(i);
}

int verb_status(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_json_ struct json_object *root = NULL;
        size_t n = 0, n_order = 0;
        bool unknown = false, not_running = false, named = argc > 1;
        int r;

        r = connect_and_list_programs(&bus, &reply, &list, &n);
        if (r < 0)
                return 1;

        /* Detail blocks come in the order of the names, as systemctl status shows one per unit it is given;
         * the JSON document and the table in the list's. */
        if (list_select(list, n, argv + 1, (size_t) argc - 1, named && !arg_json ? SELECT_NAMES_ORDER : SELECT_LIST_ORDER,
                        &order, &n_order, &unknown) < 0)
                return 1;
        for (size_t k = 0; named && k < n_order; k++)
                if (!state_is_running(list[order[k]].state))
                        not_running = true;

        if (arg_json) {
                struct json_object *arr;

                root = json_object_new_object();
                arr = json_object_new_array();
                if (!root || !arr)
                        return 1;
                json_add(root, "programs", arr);
                for (size_t k = 0; k < n_order; k++) {
                        size_t i = order[k];
                        struct json_object *o = entry_to_json(&list[i]);

                        if (!o)
                                return 1;
                        json_object_array_add(arr, o);
                        if (named) {
                                /* One shape per kind (program_detail): no record without its details. */
                                ProgramInfo info = {};
                                if (program_info_get(bus, list[i].path, &info) < 0)
                                        return 1;
                                info_to_json(o, &info);
                                program_info_done(&info);
                        }
                }
                if (json_print(root) < 0)
                        return 1;
        } else if (named) {
                /* Programs named: a systemctl-status-like block for each match (a name matching nothing
                 * was said on stderr). */
                bool first = true;

                for (size_t k = 0; k < n_order; k++) {
                        size_t i = order[k];
                        ProgramInfo info = {};
                        if (program_info_get(bus, list[i].path, &info) < 0)
                                return 1;
                        if (!first)
                                printf("\n");
                        first = false;
                        print_detail(&list[i], &info);
                        program_info_done(&info);
                }
        } else if (n == 0 && !named)
                printf("No programs configured.\n");
        else {
                _cleanup_free_ ProgramInfo *infos = NULL;

                /* -v: one GetAll per shown program, for what ListPrograms does not carry. */
                if (arg_verbose > 0) {
                        infos = calloc(MAX(n, (size_t) 1), sizeof(ProgramInfo));
                        if (!infos)
                                return 1;
                        for (size_t k = 0; k < n_order && r >= 0; k++)
                                r = program_info_get(bus, list[order[k]].path, &infos[order[k]]);
                }
                if (r >= 0)
                        r = print_table(list, order, n_order, infos);
                for (size_t i = 0; infos && i < n; i++)
                        program_info_done(&infos[i]);
                if (r < 0)
                        return 1;
        }

        if (unknown)
                return EXIT_NO_SUCH_PROGRAM;
        return named && not_running ? EXIT_NOT_RUNNING : 0;
}

int verb_pid(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ ListEntry *list = NULL;
        size_t n = 0;
        int ret = 0, r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;

        if (argc == 1) {
                uint32_t pid;
                r = bus_get_property_trivial(bus, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                             "PID", &error, 'u', &pid);
                if (r < 0) {
                        bus_log_call_error(&error, r);
                        return 1;
                }
                if (arg_json) {
                        _cleanup_json_ struct json_object *o = json_object_new_object();
                        json_add(o, "pid", json_object_new_int64(pid));
                        return json_print(o) < 0;
                }
                printf("%u\n", pid);
                return 0;
        }

        r = list_programs(bus, &reply, &list, &n);
        if (r < 0)
                return 1;
        {
                /* {"programs": [{name, group, pid}]}: program names are values, never keys (a program may
                 * be called "pid"). */
                _cleanup_json_ struct json_object *root = arg_json ? json_object_new_object() : NULL;
                struct json_object *o = root ? json_object_new_array() : NULL;
                if (root && (!o || json_add(root, "programs", o) < 0))
                        return 1;
                for (int a = 1; a < argc; a++) {
                        bool found = false;
                        for (size_t i = 0; i < n; i++) {
                                if (!list_entry_matches(&list[i], argv[a]))
                                        continue;
                                found = true;
                                if (o) {
                                        struct json_object *p = json_object_new_object();
                                        if (!p || json_object_array_add(o, p) < 0) {
                                                json_object_put(p);
                                                return 1;
                                        }
                                        json_add(p, "name", json_object_new_string(list[i].name));
                                        json_add(p, "group", json_object_new_string(list[i].group));
                                        json_add(p, "pid", list[i].main_pid > 0 ? json_object_new_int64(list[i].main_pid) : NULL);
                                }
                                else
                                        printf("%u\n", list[i].main_pid);
                        }
                        if (!found) {
                                fprintf(stderr, "cgsupctl: No such program: '%s'\n", argv[a]);
                                ret = EXIT_NO_SUCH_PROGRAM;
                        }
                }
                if (root && json_print(root) < 0)
                        return 1;
        }
        return ret;
}

int verb_avail(int argc, char **argv) {
        static const char *const headers[] = { "NAME", "IN-USE", "AUTOSTART", "PRIORITY", "STATE" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        _cleanup_json_ struct json_object *arr = NULL;
        Table *t = NULL;
        size_t n = 0;
        int r;

        r = connect_and_list_programs(&bus, &reply, &list, &n);
        if (r < 0)
                return 1;
        if (arg_json)
                arr = json_object_new_array();
        else
                t = table_new(ELEMENTSOF(headers), headers);
        if (!arr && !t)
                return 1;

        for (size_t i = 0; i < n; i++) {
                ProgramInfo info = {};
                char name[PROGRAM_DISPLAY_NAME_MAX], prio[16];
                bool in_use = !streq(list[i].state, "STOPPED") || list[i].main_pid > 0;

                if (program_info_get(bus, list[i].path, &info) < 0) {
                        table_free(t);
                        return 1;
                }
                snprintf(prio, sizeof prio, "%d", info.priority);
                if (arr) {
                        struct json_object *o = json_object_new_object();
                        json_add(o, "name", json_object_new_string(list[i].name));
                        json_add(o, "group", json_object_new_string(list[i].group));
                        json_add(o, "in_use", json_object_new_boolean(in_use));
                        json_add(o, "autostart", json_object_new_boolean(info.autostart));
                        json_add(o, "priority", json_object_new_int(info.priority));
                        json_add(o, "transient", json_object_new_boolean(info.transient));
                        json_add(o, "state", json_object_new_string(list[i].state));
                        json_object_array_add(arr, o);
                } else {
                        (void) table_add_cell(t, program_display_name(list[i].group, list[i].name, name, sizeof name), NULL);
                        (void) table_add_cell(t, in_use ? "in use" : "avail", NULL);
                        (void) table_add_cell(t, info.transient ? "transient" : info.autostart ? "auto" : "manual", NULL);
                        (void) table_add_cell(t, prio, NULL);
                        (void) table_add_cell(t, list[i].state, NULL);
                }
                program_info_done(&info);
        }
        if (arr) {
                _cleanup_json_ struct json_object *root = json_object_new_object();
                json_add(root, "programs", json_object_get(arr));
                return json_print(root) < 0;
        }
        r = table_print(t, stdout);
        table_free(t);
        return r < 0;
}

/* The names as status shows them ("group:name" for a member of a group, program_display_name()), then
 * "group:*" once per group: what completion offers, and what every verb accepts. */
const struct option list_names_options[] = {
        { "programs", no_argument, NULL, 'P' },
        { "groups", no_argument, NULL, 'G' },
        {},
};

/* The [program:NAME] sections behind the instances (what scale takes), each once, in one ListProgramSections()
 * call; transient programs (no section) and event listeners are left out. */
static int list_program_sections(sd_bus *bus, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **sections = NULL;
        const char *name, *section;
        int r;

        r = manager_call(bus, "ListProgramSections", &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ss)");
        while (r > 0) {
                r = sd_bus_message_read(reply, "(ss)", &name, &section);
                if (r > 0 && strneq(section, "program:", 8) && !strv_contains(sections, section + 8) &&
                    strv_extend(&sections, section + 8) < 0)
                        r = -ENOMEM;
        }
        if (r < 0)
                return bus_log_call_error(NULL, r);
        *ret = TAKE_PTR(sections);
        return 0;
}

/* The groups update takes: those of the running programs (a transient run is its own group: update refuses
 * it, a completion offering it is harmless) and those of the file as last read (ListConfiguredPrograms()),
 * which also has the groups a removal took out of what runs. */
static int list_groups(sd_bus *bus, const ListEntry *list, size_t n, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **groups = NULL;
        const char *name, *group;
        int in_use, autostart, r;
        int32_t prio, group_prio;

        for (size_t i = 0; i < n; i++)
                if (!isempty(list[i].group) && !strv_contains(groups, list[i].group) &&
                    strv_extend(&groups, list[i].group) < 0)
                        return -ENOMEM;
        r = manager_call(bus, "ListConfiguredPrograms", &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssbbii)");
        while (r > 0) {
                r = sd_bus_message_read(reply, "(ssbbii)", &name, &group, &in_use, &autostart, &prio, &group_prio);
                if (r > 0 && !strv_contains(groups, group) && strv_extend(&groups, group) < 0)
                        r = -ENOMEM;
        }
        if (r < 0)
                return bus_log_call_error(NULL, r);
        *ret = TAKE_PTR(groups);
        return 0;
}

/* The names status shows, each group's group:* after its first member: one list for text and JSON. */
static int list_display_names(const ListEntry *list, size_t n, char ***ret) {
        _cleanup_strv_free_ char **names = NULL, **groups = NULL;
        char buf[PROGRAM_DISPLAY_NAME_MAX];

        for (size_t i = 0; i < n; i++) {
                if (strv_extend(&names, program_display_name(list[i].group, list[i].name, buf, sizeof buf)) < 0)
                        return -ENOMEM;
                if (isempty(list[i].group) || streq(list[i].group, list[i].name) ||
                    strv_contains(groups, list[i].group))
                        continue;
                snprintf(buf, sizeof buf, "%s:*", list[i].group);
                if (strv_extend(&groups, list[i].group) < 0 || strv_extend(&names, buf) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(names);
        return 0;
}

int verb_list_names(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        _cleanup_strv_free_ char **names = NULL;
        bool programs = false, groups = false;
        size_t n = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "+", list_names_options, NULL)) >= 0)
                if (c == 'P')
                        programs = true;
                else if (c == 'G')
                        groups = true;
                else
                        return EXIT_USAGE;

        /* The sections need no ListPrograms(). */
        r = programs ? bus_connect(&bus) : connect_and_list_programs(&bus, &reply, &list, &n);
        if (r < 0)
                return 1;
        r = programs ? list_program_sections(bus, &names) :
            groups   ? list_groups(bus, list, n, &names) :
                       list_display_names(list, n, &names);
        if (r < 0)
                return 1;
        if (arg_json) {
                _cleanup_json_ struct json_object *root = json_object_new_object();
                json_add(root, "names", json_strv(names));
                return json_print(root) < 0;
        }
        STRV_FOREACH(s, names)
                printf("%s\n", *s);
        return 0;
}
