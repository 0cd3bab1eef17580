/* SPDX-License-Identifier: MIT */
/*
 * org.cgsup1.Manager.GetMetrics(): every figure a metrics scraper needs, for the daemon, every program
 * instance and every [group:x], in one reply, so a scrape costs one round trip however many programs
 * there are (a GetAll per program would cost one per program and read the cgroup files once per property
 * group). Read-only and open to every local user, like the properties it summarizes.
 *
 * Each record is a dictionary whose keys are named like the Program properties they match; a key is left
 * out when its value is unknown (program not running, controller not enabled, kernel without PSI, no
 * limit set), so a client never mistakes "cannot know" for zero. Unknown keys are ignored by clients, so
 * keys can be added without changing the signature.
 */

#include <time.h>

#include "bus-internal.h"
#include "logcap.h"
#include "macro.h"
#include "manager-metrics.h"

static int append_u64(sd_bus_message *reply, const char *key, uint64_t v) {
        return sd_bus_message_append(reply, "{sv}", key, "t", v);
}

/* The cgroup figures, shared by programs and groups: only the ones the kernel gave us. */
static int append_stats(sd_bus_message *reply, const CgsupStats *s) {
        const struct {
                const char *key;
                unsigned bit;
                uint64_t value;
        } table[] = {
                { "MemoryCurrent", CGSUP_STATS_MEMORY, s->memory_current },
                { "MemoryPeak", CGSUP_STATS_MEMORY_PEAK, s->memory_peak },
                { "MemorySwapCurrent", CGSUP_STATS_SWAP, s->memory_swap_current },
                { "OOMKills", CGSUP_STATS_MEMORY_EVENTS, s->memory_events_oom_kill },
                { "MemoryMaxEvents", CGSUP_STATS_MEMORY_EVENTS, s->memory_events_max },
                { "MemoryHighEvents", CGSUP_STATS_MEMORY_EVENTS, s->memory_events_high },
                { "TasksCurrent", CGSUP_STATS_PIDS, s->pids_current },
                { "TasksPeak", CGSUP_STATS_PIDS_PEAK, s->pids_peak },
                { "PidsMaxEvents", CGSUP_STATS_PIDS_EVENTS, s->pids_events_max },
                { "CPUUserUSec", CGSUP_STATS_CPU, s->cpu_user_usec },
                { "CPUSystemUSec", CGSUP_STATS_CPU, s->cpu_system_usec },
                { "CPUThrottledUSec", CGSUP_STATS_CPU_THROTTLE, s->cpu_throttled_usec },
                { "IOReadBytes", CGSUP_STATS_IO, s->io_rbytes },
                { "IOWriteBytes", CGSUP_STATS_IO, s->io_wbytes },
                { "CPUPressureSomeUSec", CGSUP_STATS_PRESSURE, s->cpu_some.total_usec },
                { "MemoryPressureSomeUSec", CGSUP_STATS_PRESSURE, s->memory_some.total_usec },
                { "MemoryPressureFullUSec", CGSUP_STATS_PRESSURE, s->memory_full.total_usec },
                { "IOPressureSomeUSec", CGSUP_STATS_PRESSURE, s->io_some.total_usec },
                { "IOPressureFullUSec", CGSUP_STATS_PRESSURE, s->io_full.total_usec },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (!(s->valid & table[i].bit))
                        continue;
                r = append_u64(reply, table[i].key, table[i].value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Limits that are set (a limit of "max" is no limit: left out). */
static int append_limits(sd_bus_message *reply, const CgsupLimits *l) {
        static const struct {
                const char *key;
                CgsupLimit limit;
        } table[] = {
                { "MemoryMax", CGSUP_LIMIT_MEMORY_MAX },
                { "MemoryHigh", CGSUP_LIMIT_MEMORY_HIGH },
                { "MemorySwapMax", CGSUP_LIMIT_MEMORY_SWAP_MAX },
                { "TasksMax", CGSUP_LIMIT_PIDS_MAX },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (!cgsup_limits_is_set(l, table[i].limit) || l->value[table[i].limit] == CGSUP_LIMIT_INFINITY)
                        continue;
                r = append_u64(reply, table[i].key, l->value[table[i].limit]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int append_exit_counts(sd_bus_message *reply, const Program *p) {
        int r;

        r = sd_bus_message_open_container(reply, 'e', "sv");
        if (r >= 0)
                r = sd_bus_message_append(reply, "s", "ExitCounts");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'v', "a{su}");
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "{su}");
        for (ExitReason e = EXIT_REASON_NONE + 1; r >= 0 && e < _EXIT_REASON_MAX; e++)
                r = sd_bus_message_append(reply, "{su}", exit_reason_to_string(e), (uint32_t) p->exit_counts[e]);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int append_log_counters(sd_bus_message *reply, const char *stream, const LogCapture *c) {
        char key[32];
        int r;

        if (!c)
                return 0;
        (void) snprintf(key, sizeof key, "%sLines", stream);
        r = append_u64(reply, key, log_capture_lines(c));
        if (r < 0)
                return r;
        (void) snprintf(key, sizeof key, "%sBytes", stream);
        r = append_u64(reply, key, log_capture_bytes(c));
        if (r < 0)
                return r;
        (void) snprintf(key, sizeof key, "%sDroppedBytes", stream);
        return append_u64(reply, key, log_capture_bytes_dropped(c));
}

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

static int append_program(sd_bus_message *reply, Program *p, uint64_t now) {
        CgsupStats s = {};
        int r;

        r = sd_bus_message_open_container(reply, 'r', "ssa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "ss", p->name, strempty(p->group));
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;

        r = sd_bus_message_append(reply, "{sv}{sv}", "State", "s", strempty(program_state_to_string(p->state)),
                                  "Restarts", "u", (uint32_t) p->restarts);
        if (r < 0)
                return r;
        if (p->config && program_config_has_health(p->config)) {
                r = sd_bus_message_append(reply, "{sv}", "Healthy", "b", program_is_healthy(p));
                if (r < 0)
                        return r;
        }
        if (p->main_pid > 0 && p->start_usec > 0) {
                r = append_u64(reply, "UptimeUSec", now > p->start_usec ? now - p->start_usec : 0);
                if (r < 0)
                        return r;
        }
        r = append_exit_counts(reply, p);
        if (r < 0)
                return r;
        if (program_read_stats(p, &s) >= 0) {
                r = append_stats(reply, &s);
                if (r < 0)
                        return r;
        }
        if (p->config) {
                r = append_limits(reply, &p->config->limits);
                if (r < 0)
                        return r;
        }
        r = append_log_counters(reply, "Stdout", p->stdout_capture);
        if (r < 0)
                return r;
        r = append_log_counters(reply, "Stderr", p->stderr_capture);
        if (r < 0)
                return r;

        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int append_group(sd_bus_message *reply, Manager *m, const GroupConfig *g) {
        CgsupStats s = {};
        int r;

        r = sd_bus_message_open_container(reply, 'r', "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "s", g->name);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        if (manager_group_read_stats(m, g->name, &s) >= 0) {
                r = append_stats(reply, &s);
                if (r < 0)
                        return r;
        }
        r = append_limits(reply, &g->limits);
        if (r < 0)
                return r;
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

static int append_daemon(sd_bus_message *reply, BusContext *c) {
        SelfUsage u;
        int r;

        manager_self_usage(&u);

        r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "{sv}{sv}", "Version", "s", PACKAGE_VERSION, "PID", "u", (uint32_t) getpid());
        if (r < 0)
                return r;
        r = append_u64(reply, "BusCalls", c->n_method_calls);
        if (r < 0)
                return r;
        if (u.rss_bytes != UINT64_MAX) {
                r = append_u64(reply, "ResidentMemoryBytes", u.rss_bytes);
                if (r < 0)
                        return r;
        }
        if (u.cpu_user_usec != UINT64_MAX) {
                r = sd_bus_message_append(reply, "{sv}{sv}", "CPUUserUSec", "t", u.cpu_user_usec, "CPUSystemUSec",
                                          "t", u.cpu_system_usec);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

int method_get_metrics(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *c = userdata;
        Manager *mgr = c->manager;
        uint64_t now = now_monotonic_usec();
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = append_daemon(reply, c);
        if (r < 0)
                return r;

        r = sd_bus_message_open_container(reply, 'a', "(ssa{sv})");
        if (r < 0)
                return r;
        for (size_t i = 0; i < mgr->n_programs; i++) {
                r = append_program(reply, mgr->programs[i], now);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        r = sd_bus_message_open_container(reply, 'a', "(sa{sv})");
        if (r < 0)
                return r;
        for (size_t i = 0; mgr->config && i < mgr->config->n_groups; i++) {
                r = append_group(reply, mgr, mgr->config->groups[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;

        return sd_bus_send(NULL, reply, NULL);
}

/* Counts the method calls addressed to us (cgsup_daemon_bus_calls_total); never consumes a message. */
int bus_metrics_count_call(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;

        if (sd_bus_message_is_method_call(m, NULL, NULL) > 0)
                c->n_method_calls++;
        return 0;
}
