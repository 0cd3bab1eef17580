/* SPDX-License-Identifier: MIT */
/*
 * org.cgsup1.Program: one object per program instance at /org/cgsup1/program/<sd_bus_path_encode(name)>,
 * served by a fallback vtable (the object is looked up by name on every call, so a program removed by a
 * reload can never leave a dangling pointer behind) and listed by a node enumerator (introspection and
 * GetManagedObjects show the children).
 *
 * Counters backed by cgroup files (MemoryCurrent, CPUUsageNSec, ...) are read when a client asks, never
 * on a timer. Values that cannot be read (controller missing, program not running) are UINT64_MAX, which
 * busctl and cgsupctl show as "[not set]" / "-".
 */

#include <stdlib.h>
#include <time.h>

#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "program-env.h"
#include "program-schedule.h"
#include "strv.h"

int bus_program_path(const char *name, char **ret) {
        char *p;
        int r = sd_bus_path_encode(CGSUP_BUS_PROGRAM_PREFIX, name, &p);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

int bus_program_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **ret_found,
                     sd_bus_error *error) {
        BusContext *c = userdata;
        _cleanup_free_ char *name = NULL;
        Program *p;
        int r;

        r = sd_bus_path_decode(path, CGSUP_BUS_PROGRAM_PREFIX, &name);
        if (r <= 0)
                return r;
        p = manager_find_program(c->manager, name);
        if (!p)
                return 0;
        *ret_found = p;
        return 1;
}

int bus_program_enumerate(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                          sd_bus_error *error) {
        BusContext *c = userdata;
        Manager *m = c->manager;
        _cleanup_strv_free_ char **nodes = NULL;
        size_t n = 0;

        nodes = calloc(m->n_programs + 1, sizeof(char *));
        if (!nodes)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_programs; i++) {
                int r = bus_program_path(m->programs[i]->name, &nodes[n]);
                if (r < 0)
                        return r;
                n++;
        }
        *ret_nodes = TAKE_PTR(nodes);
        return 0;
}

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

int bus_program_stats(BusContext *c, sd_bus_message *reply, Program *p, const CgsupStats **ret) {
        uint64_t now = now_usec(CLOCK_MONOTONIC);

        /* The reply pointer alone could be recycled by malloc for a later message; the short time window
         * makes a stale hit impossible in practice and harmless if it ever happened. */
        if (c->stats_reply != reply || c->stats_program != p || now - c->stats_usec > 10 * USEC_PER_MSEC) {
                c->stats = (CgsupStats) {};
                c->stats_r = p->cgroup ? program_read_stats(p, &c->stats) : -ENOENT;
                c->stats_reply = reply;
                c->stats_program = p;
                c->stats_usec = now;
        }
        if (c->stats_r < 0)
                return c->stats_r;
        *ret = &c->stats;
        return 0;
}

static BusContext *context_of_program(Program *p) {
        return bus_context_of(p->manager);
}

/* ---- property getters ---- */

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append(reply, "s", strempty(program_state_to_string(p->state)));
}

static int property_get_exit_reason(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append(reply, "s",
                                     p->exit_reason == EXIT_REASON_NONE ? "" :
                                                                          strempty(exit_reason_to_string(p->exit_reason)));
}

static int property_get_bool(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        int b;

        if (streq(property, "Healthy"))
                b = program_is_healthy(p);
        else if (streq(property, "Ready"))
                b = program_is_ready(p);
        else if (streq(property, "Frozen"))
                b = p->frozen;
        else if (streq(property, "Transient"))
                b = p->transient;
        else if (streq(property, "Active"))
                b = program_is_active(p);
        else if (streq(property, "Autostart"))
                b = p->config && p->config->autostart;
        else if (streq(property, "NoNewPrivileges"))
                b = p->config && p->config->no_new_privileges;
        else if (streq(property, "RedirectStderr"))
                b = p->config && p->config->redirect_stderr;
        else if (streq(property, "StdinPipe"))
                b = p->config && p->config->stdin_pipe && !p->transient;
        else
                return -EINVAL;
        return sd_bus_message_append(reply, "b", b);
}

static int property_get_config_string(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        const ProgramConfig *pc = p->config;
        const char *s = NULL;

        if (!pc)
                return sd_bus_message_append(reply, "s", "");
        if (streq(property, "CommandLine"))
                s = pc->command;
        else if (streq(property, "Type"))
                s = program_type_to_string(pc->type);
        else if (streq(property, "Autorestart"))
                s = autorestart_to_string(pc->autorestart);
        else if (streq(property, "User"))
                s = pc->user;
        else if (streq(property, "WorkingDirectory"))
                s = pc->directory;
        else if (streq(property, "SyscallFilter"))
                s = pc->syscall_filter;
        else if (streq(property, "StopSignal"))
                s = signal_to_string(pc->stopsignal);
        else if (streq(property, "StdoutLogfile"))
                s = pc->stdout_log.path;
        else if (streq(property, "StderrLogfile"))
                s = pc->redirect_stderr ? pc->stdout_log.path : pc->stderr_log.path;
        else if (streq(property, "SourceFile"))
                s = pc->source_file;
        else if (streq(property, "Description"))
                s = pc->description;
        else if (streq(property, "ReadinessCheck") || streq(property, "LivenessCheck")) {
                const HealthConfig *h = &pc->health[streq(property, "LivenessCheck") ? HEALTH_LIVENESS : HEALTH_READINESS];
                s = h->type == HEALTH_NONE ? "" : health_type_to_string(h->type);
        }
        return sd_bus_message_append(reply, "s", strempty(s));
}

static int property_get_command(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append_strv(reply, p->config ? p->config->argv : NULL);
}

/* Variable names only. Values can be credentials (supervisord users keep DB_PASSWORD= in environment=), and
 * a property cannot be guarded: getters are synchronous (no polkit round trip), one refusing getter fails
 * GetAll and GetManagedObjects for every client, and PropertiesChanged would broadcast the values. The
 * values come from the polkit-checked Manager.GetProgramEnvironment(). */
/* Environment (names) and EnvironmentOrigins (name, where it was set): environment=, and the environment
 * files as read at the last start. */
static int property_get_environment(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        _cleanup_strv_free_ char **origins = NULL;
        Program *p = userdata;
        bool with_origin = streq(property, "EnvironmentOrigins");
        int r;

        r = program_env_origins(p, &origins);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', with_origin ? "(ss)" : "s");
        if (r < 0)
                return r;
        STRV_FOREACH(e, origins) {
                _cleanup_free_ char *key = strndup(*e, strcspn(*e, "="));
                if (!key)
                        return -ENOMEM;
                if (with_origin)
                        r = sd_bus_message_append(reply, "(ss)", key, *e + strlen(key) + 1);
                else
                        r = sd_bus_message_append(reply, "s", key);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

/* schedule= / interval= and the timer (program-schedule.c): read when asked. */
static int property_get_schedule(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        const ProgramConfig *pc = p->config;

        if (streq(property, "Schedule"))
                return sd_bus_message_append(reply, "s", pc ? strempty(pc->schedule) : "");
        if (streq(property, "ScheduleTimezone"))
                return sd_bus_message_append(reply, "s", pc ? strempty(pc->schedule_timezone) : "");
        if (streq(property, "IntervalUSec"))
                return sd_bus_message_append(reply, "t", pc ? pc->interval : 0);
        if (streq(property, "NextRunUSec"))
                return sd_bus_message_append(reply, "t", program_schedule_next_realtime(p));
        if (streq(property, "ScheduleSkipped"))
                return sd_bus_message_append(reply, "u", p->schedule_skipped);
        return sd_bus_message_append(reply, "b", p->schedule_paused);
}

static int property_get_environment_files(sd_bus *bus, const char *path, const char *interface,
                                          const char *property, sd_bus_message *reply, void *userdata,
                                          sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append_strv(reply, p->config ? p->config->environment_files : NULL);
}

static int property_get_depends_on(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "(ss)");
        if (r < 0)
                return r;
        for (size_t i = 0; p->config && i < p->config->n_depends_on; i++) {
                r = sd_bus_message_append(reply, "(ss)", p->config->depends_on[i].name,
                                          strempty(depend_condition_to_string(p->config->depends_on[i].condition)));
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_config_int(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        int32_t v = 0;

        if (!p->config)
                v = 0;
        else if (streq(property, "Priority"))
                v = p->config->priority;
        else if (streq(property, "ProcessNum"))
                v = (int32_t) p->config->process_num;
        return sd_bus_message_append(reply, "i", v);
}

static int property_get_config_usec(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        uint64_t v = UINT64_MAX;

        if (!p->config)
                v = UINT64_MAX;
        else if (streq(property, "StartSecUSec"))
                v = p->config->startsecs;
        else if (streq(property, "StopWaitUSec"))
                v = p->config->stopwaitsecs;
        else if (streq(property, "FatalRetryAfterUSec"))
                v = p->config->fatal_retry_after;
        else if (streq(property, "RuntimeMaxUSec"))
                v = p->config->runtime_max == 0 ? UINT64_MAX : p->config->runtime_max;
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_cgroup(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        _cleanup_free_ char *s = NULL;

        /* Like systemd's ControlGroup: absolute within the cgroup2 mount. */
        if (p->cgroup && asprintf(&s, "/%s", p->cgroup[0] == '/' ? p->cgroup + 1 : p->cgroup) < 0)
                return -ENOMEM;
        return sd_bus_message_append(reply, "s", strempty(s));
}

static int property_get_limit(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        CgsupLimit l;
        uint64_t v = UINT64_MAX;

        if (streq(property, "MemoryMax"))
                l = CGSUP_LIMIT_MEMORY_MAX;
        else if (streq(property, "MemoryHigh"))
                l = CGSUP_LIMIT_MEMORY_HIGH;
        else if (streq(property, "MemorySwapMax"))
                l = CGSUP_LIMIT_MEMORY_SWAP_MAX;
        else if (streq(property, "TasksMax"))
                l = CGSUP_LIMIT_PIDS_MAX;
        else if (streq(property, "CPUQuota"))
                l = CGSUP_LIMIT_CPU_QUOTA;
        else if (streq(property, "CPUWeight"))
                l = CGSUP_LIMIT_CPU_WEIGHT;
        else if (streq(property, "IOWeight"))
                l = CGSUP_LIMIT_IO_WEIGHT;
        else
                return -EINVAL;

        /* The configured (or live-set) value: program_set_limits() keeps config->limits in sync with what
         * was written to the cgroup. UINT64_MAX = no limit. */
        if (p->config && cgsup_limits_is_set(&p->config->limits, l))
                v = p->config->limits.value[l];
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_stat(sd_bus *bus, const char *path, const char *interface, const char *property,
                             sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        const CgsupStats *s;
        uint64_t v = UINT64_MAX;

        if (bus_program_stats(context_of_program(p), reply, p, &s) < 0)
                return sd_bus_message_append(reply, "t", v);

#define STAT(prop, bit, expr)                                                                                 \
        else if (streq(property, prop)) {                                                                     \
                if (s->valid & (bit))                                                                         \
                        v = (expr);                                                                           \
        }
        if (false) {
        }
        STAT("MemoryCurrent", CGSUP_STATS_MEMORY, s->memory_current)
        STAT("MemoryPeak", CGSUP_STATS_MEMORY_PEAK, s->memory_peak)
        STAT("MemorySwapCurrent", CGSUP_STATS_MEMORY, s->memory_swap_current)
        STAT("OOMKills", CGSUP_STATS_MEMORY_EVENTS, s->memory_events_oom_kill)
        STAT("TasksCurrent", CGSUP_STATS_PIDS, s->pids_current)
        STAT("TasksPeak", CGSUP_STATS_PIDS_PEAK, s->pids_peak)
        STAT("CPUUsageNSec", CGSUP_STATS_CPU, s->cpu_usage_usec * NSEC_PER_USEC)
        STAT("CPUThrottledUSec", CGSUP_STATS_CPU_THROTTLE, s->cpu_throttled_usec)
        STAT("IOReadBytes", CGSUP_STATS_IO, s->io_rbytes)
        STAT("IOWriteBytes", CGSUP_STATS_IO, s->io_wbytes)
#undef STAT
        return sd_bus_message_append(reply, "t", v);
}

static int property_get_pressure(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        const CgsupStats *s;
        const CgsupPressure *pr = NULL;
        CgsupPressure none = { -1, -1, -1, UINT64_MAX };

        if (bus_program_stats(context_of_program(p), reply, p, &s) >= 0 && (s->valid & CGSUP_STATS_PRESSURE)) {
                if (streq(property, "CPUPressure"))
                        pr = &s->cpu_some;
                else if (streq(property, "MemoryPressure"))
                        pr = &s->memory_some;
                else if (streq(property, "IOPressure"))
                        pr = &s->io_some;
        }
        if (!pr)
                pr = &none;
        return sd_bus_message_append(reply, "(dddt)", pr->avg10, pr->avg60, pr->avg300, pr->total_usec);
}

static int property_get_waiting_for(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append(reply, "s", strempty(program_waiting_for(p)));
}

static int property_get_sub_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        char buf[512];
        return sd_bus_message_append(reply, "s", program_sub_state(p, buf, sizeof(buf)));
}

static int property_get_job(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append(reply, "(us)", p->job.id,
                                     p->job.id ? job_type_to_string(p->job.verb) : "");
}

static int property_get_active_enter(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        return sd_bus_message_append(reply, "t", p->main_pid > 0 ? p->start_realtime_usec : 0);
}

static int property_get_uptime(sd_bus *bus, const char *path, const char *interface, const char *property,
                               sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Program *p = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC), v = 0;

        if (p->main_pid > 0 && p->start_usec > 0 && now > p->start_usec)
                v = now - p->start_usec;
        return sd_bus_message_append(reply, "t", v);
}

const sd_bus_vtable bus_program_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", NULL, offsetof(Program, name), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Group", "s", NULL, offsetof(Program, group), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Active", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MainPID", "u", NULL, offsetof(Program, main_pid), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CGroup", "s", property_get_cgroup, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitCode", "i", NULL, offsetof(Program, exit_code), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitSignal", "i", NULL, offsetof(Program, exit_signal),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitReason", "s", property_get_exit_reason, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ExitDetail", "s", NULL, offsetof(Program, exit_detail),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Restarts", "u", NULL, offsetof(Program, restarts), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Survivors", "u", NULL, offsetof(Program, survivors), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Healthy", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Ready", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ReadinessCheck", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LivenessCheck", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("HealthFailures", "u", NULL, offsetof(Program, health_failures),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Frozen", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Transient", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("StatusText", "s", NULL, offsetof(Program, status_text), SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("WaitingFor", "s", property_get_waiting_for, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SubState", "s", property_get_sub_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Job", "(us)", property_get_job, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RestartDelayUSec", "t", NULL, offsetof(Program, restart_delay_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StateChangeTimestamp", "t", NULL, offsetof(Program, state_change_usec),
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ActiveEnterTimestamp", "t", property_get_active_enter, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("UptimeUSec", "t", property_get_uptime, 0, 0),
        /* Limits: configured or live-set values, UINT64_MAX = none. CPUQuota is in basis points of one CPU
         * (15000 = 150%), like the cpu_quota config key. */
        SD_BUS_PROPERTY("MemoryMax", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MemoryHigh", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("MemorySwapMax", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TasksMax", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CPUQuota", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CPUWeight", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("IOWeight", "t", property_get_limit, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Counters read from the cgroup when asked; UINT64_MAX = not available. */
        SD_BUS_PROPERTY("MemoryCurrent", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("MemoryPeak", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("MemorySwapCurrent", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("OOMKills", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("TasksCurrent", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("TasksPeak", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("CPUUsageNSec", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("CPUThrottledUSec", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("IOReadBytes", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("IOWriteBytes", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("CPUPressure", "(dddt)", property_get_pressure, 0, 0),
        SD_BUS_PROPERTY("MemoryPressure", "(dddt)", property_get_pressure, 0, 0),
        SD_BUS_PROPERTY("IOPressure", "(dddt)", property_get_pressure, 0, 0),
        /* Configuration (changes only with a reload). */
        SD_BUS_PROPERTY("Command", "as", property_get_command, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("CommandLine", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Environment", "as", property_get_environment, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Which file set what is known only once a start has read the files: read when asked. */
        SD_BUS_PROPERTY("EnvironmentOrigins", "a(ss)", property_get_environment, 0, 0),
        SD_BUS_PROPERTY("EnvironmentFiles", "as", property_get_environment_files, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Schedule", "s", property_get_schedule, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScheduleTimezone", "s", property_get_schedule, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("IntervalUSec", "t", property_get_schedule, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NextRunUSec", "t", property_get_schedule, 0, 0),
        SD_BUS_PROPERTY("ScheduleSkipped", "u", property_get_schedule, 0, 0),
        SD_BUS_PROPERTY("SchedulePaused", "b", property_get_schedule, 0, 0),
        SD_BUS_PROPERTY("Type", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Autostart", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Autorestart", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Priority", "i", property_get_config_int, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ProcessNum", "i", property_get_config_int, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("User", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("TransientUID", "u", NULL, offsetof(Program, transient_uid), SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("WorkingDirectory", "s", property_get_config_string, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StopSignal", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StartSecUSec", "t", property_get_config_usec, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StopWaitUSec", "t", property_get_config_usec, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("FatalRetryAfterUSec", "t", property_get_config_usec, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RuntimeMaxUSec", "t", property_get_config_usec, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("SyscallFilter", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("NoNewPrivileges", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("RedirectStderr", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StdinPipe", "b", property_get_bool, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("DependsOn", "a(ss)", property_get_depends_on, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StdoutLogfile", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("StderrLogfile", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SourceFile", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Description", "s", property_get_config_string, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_VTABLE_END,
};

/* ---- signals ---- */

/* What a change of state (PROGRAM_CHANGED_STATE, _HEALTH) can move: every EMITS_CHANGE property that is neither
 * configuration nor a limit. The whole set, not the one field we thought of, so a client never misses one
 * that moved along with it; but not the 30 configuration properties, which only a reload changes: sending
 * them at each of the 2,000 transitions of a stop of 1,000 programs was most of its bus traffic. The limits
 * come first, so that the runtime properties alone are the tail of the same list. */
#define N_LIMIT_PROPERTIES 7
static const char *const changed_properties[] = {
        "MemoryMax", "MemoryHigh", "MemorySwapMax", "TasksMax", "CPUQuota", "CPUWeight", "IOWeight",
        "State", "Active", "MainPID", "CGroup", "ExitCode", "ExitSignal", "ExitReason", "ExitDetail",
        "Restarts", "Survivors", "Healthy", "Ready", "HealthFailures", "Frozen", "StatusText", "WaitingFor",
        "SubState", "Job", "RestartDelayUSec", "StateChangeTimestamp", "ActiveEnterTimestamp", NULL,
};

void bus_program_emit_changed(BusContext *c, Program *p, unsigned what, ProgramState old_state) {
        _cleanup_free_ char *path = NULL;
        const char *op = bus_program_object_path(p, &path);
        char **names = NULL; /* NULL: every property marked EMITS_CHANGE (a reload may have moved any) */
        int r;

        if (!op)
                return;

        if (!(what & PROGRAM_CHANGED_CONFIG))
                names = (char **) changed_properties + (what & PROGRAM_CHANGED_LIMITS ? 0 : N_LIMIT_PROPERTIES);
        r = sd_bus_emit_properties_changed_strv(c->bus, op, CGSUP_BUS_PROGRAM_INTERFACE, names);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged for %s, ignoring: %m", p->name);

        if ((what & PROGRAM_CHANGED_STATE) && old_state != p->state) {
                r = sd_bus_emit_signal(c->bus, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                       CGSUP_SIGNAL_PROGRAM_STATE_CHANGED, "ssso", p->name,
                                       strempty(program_state_to_string(old_state)),
                                       strempty(program_state_to_string(p->state)), op);
                if (r < 0)
                        log_debug_errno(r, "Failed to emit ProgramStateChanged for %s, ignoring: %m", p->name);
        }
}

const char *bus_program_object_path(const Program *p, char **buf) {
        if (bus_program_path(p->name, buf) < 0)
                return NULL;
        return *buf;
}

/* ProgramAdded / ProgramRemoved (name, object path) on the manager object; best effort. */
static void emit_program_signal(BusContext *c, const char *member, Program *p, const char *op) {
        int r;

        r = sd_bus_emit_signal(c->bus, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, member, "so", p->name,
                               op);
        if (r < 0)
                log_debug_errno(r, "Failed to emit %s for %s, ignoring: %m", member, p->name);
}

void bus_program_emit_added(BusContext *c, Program *p) {
        _cleanup_free_ char *path = NULL;
        const char *op = bus_program_object_path(p, &path);
        int r;

        if (!op)
                return;
        emit_program_signal(c, CGSUP_SIGNAL_PROGRAM_ADDED, p, op);
        r = sd_bus_emit_object_added(c->bus, op);
        if (r < 0)
                log_debug_errno(r, "Failed to emit InterfacesAdded for %s, ignoring: %m", p->name);
}

void bus_program_emit_removed(BusContext *c, Program *p) {
        _cleanup_free_ char *path = NULL;
        const char *op = bus_program_object_path(p, &path);
        int r;

        if (!op)
                return;
        /* InterfacesRemoved needs the object to still be found: the manager calls this hook before it
         * drops the program from its list. If it already did, the ProgramRemoved signal still goes out. */
        r = sd_bus_emit_object_removed(c->bus, op);
        if (r < 0)
                log_debug_errno(r, "Failed to emit InterfacesRemoved for %s, ignoring: %m", p->name);
        emit_program_signal(c, CGSUP_SIGNAL_PROGRAM_REMOVED, p, op);
}
