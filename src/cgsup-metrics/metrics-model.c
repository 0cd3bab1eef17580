/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "bus-dict.h"
#include "metrics-model.h"
#include "name-util.h"

/*
 * One row per GetMetrics() key of a program or group record. Rows of one family are adjacent (they
 * differ in their extra labels). Names follow Prometheus' conventions: base units (seconds, bytes),
 * "_total" on counters. Counters read from cgroup files (CPU, I/O, PSI, OOM kills) belong to the current
 * cgroup of the instance and start again at zero when it is restarted: rate() handles such resets.
 */
typedef struct MetricsDesc {
        const char *key;
        const char *json_name; /* `cgsupctl metrics --json`: the names status --json gives the same figures */
        unsigned flags;        /* METRICS_FIELD_* */
        const char *program_family, *group_family;
        ExpoType type;
        unsigned decimals; /* 6: the daemon sends microseconds, the metric is in seconds */
        const char *labels[5]; /* extra label pairs, NULL-terminated */
        const char *help;
} MetricsDesc;

#define DESC(key, json_name, flags, suffix, type, decimals, help, ...)                                        \
        { key, json_name, flags, "cgsup_program_" suffix, "cgsup_group_" suffix, type, decimals, { __VA_ARGS__ }, help }

static const MetricsDesc record_descs[] = {
        DESC("Restarts", "restarts", METRICS_FIELD_PROGRAM_ONLY, "restarts_total", EXPO_COUNTER, 0, "Automatic restarts since cgsupd started.", NULL),
        DESC("Healthy", "healthy", METRICS_FIELD_PROGRAM_ONLY | METRICS_FIELD_BOOLEAN, "healthy", EXPO_GAUGE, 0, "1 while the healthcheck passes, 0 when it fails (programs with a healthcheck).", NULL),
        DESC("UptimeUSec", "uptime_usec", METRICS_FIELD_PROGRAM_ONLY, "uptime_seconds", EXPO_GAUGE, 6, "Seconds since the running instance was started.", NULL),
        DESC("CPUUserUSec", "cpu_user_usec", 0, "cpu_seconds_total", EXPO_COUNTER, 6, "CPU time of the cgroup (cpu.stat), by mode.", "mode", "user", NULL),
        DESC("CPUSystemUSec", "cpu_system_usec", 0, "cpu_seconds_total", EXPO_COUNTER, 6, "CPU time of the cgroup (cpu.stat), by mode.", "mode", "system", NULL),
        DESC("CPUThrottledUSec", "cpu_throttled_usec", 0, "cpu_throttled_seconds_total", EXPO_COUNTER, 6, "Time the cgroup was throttled by its CPU quota.", NULL),
        DESC("MemoryCurrent", "memory_current", 0, "memory_bytes", EXPO_GAUGE, 0, "Memory used by the cgroup (memory.current).", NULL),
        DESC("MemoryPeak", "memory_peak", 0, "memory_peak_bytes", EXPO_GAUGE, 0, "Highest memory use of the cgroup (memory.peak).", NULL),
        DESC("MemoryMax", "memory_max", 0, "memory_max_bytes", EXPO_GAUGE, 0, "Memory limit (memory_max), where one is set.", NULL),
        DESC("MemoryHigh", "memory_high", 0, "memory_high_bytes", EXPO_GAUGE, 0, "Memory throttling threshold (memory_high), where one is set.", NULL),
        DESC("MemorySwapCurrent", "memory_swap_current", 0, "swap_bytes", EXPO_GAUGE, 0, "Swap used by the cgroup (memory.swap.current).", NULL),
        DESC("MemorySwapMax", "memory_swap_max", 0, "swap_max_bytes", EXPO_GAUGE, 0, "Swap limit (memory_swap_max), where one is set.", NULL),
        DESC("TasksCurrent", "tasks_current", 0, "pids", EXPO_GAUGE, 0, "Processes and threads in the cgroup (pids.current).", NULL),
        DESC("TasksPeak", "tasks_peak", 0, "pids_peak", EXPO_GAUGE, 0, "Highest number of processes and threads (pids.peak).", NULL),
        DESC("TasksMax", "tasks_max", 0, "pids_max", EXPO_GAUGE, 0, "Process and thread limit (pids_max), where one is set.", NULL),
        DESC("IOReadBytes", "io_read_bytes", 0, "io_read_bytes_total", EXPO_COUNTER, 0, "Bytes read from block devices (io.stat).", NULL),
        DESC("IOWriteBytes", "io_write_bytes", 0, "io_write_bytes_total", EXPO_COUNTER, 0, "Bytes written to block devices (io.stat).", NULL),
        DESC("CPUPressureSomeUSec", "cpu_pressure_some_usec", 0, "pressure_seconds_total", EXPO_COUNTER, 6,
             "Time some (kind=some) or all (kind=full) tasks of the cgroup stalled on a resource (PSI).",
             "resource", "cpu", "kind", "some", NULL),
        DESC("MemoryPressureSomeUSec", "memory_pressure_some_usec", 0, "pressure_seconds_total", EXPO_COUNTER, 6, NULL, "resource", "memory", "kind", "some", NULL),
        DESC("MemoryPressureFullUSec", "memory_pressure_full_usec", 0, "pressure_seconds_total", EXPO_COUNTER, 6, NULL, "resource", "memory", "kind", "full", NULL),
        DESC("IOPressureSomeUSec", "io_pressure_some_usec", 0, "pressure_seconds_total", EXPO_COUNTER, 6, NULL, "resource", "io", "kind", "some", NULL),
        DESC("IOPressureFullUSec", "io_pressure_full_usec", 0, "pressure_seconds_total", EXPO_COUNTER, 6, NULL, "resource", "io", "kind", "full", NULL),
        DESC("OOMKills", "oom_kills", 0, "oom_kills_total", EXPO_COUNTER, 0, "Processes of the cgroup killed by the OOM killer (memory.events oom_kill).", NULL),
        DESC("MemoryMaxEvents", "memory_max_events", 0, "memory_max_events_total", EXPO_COUNTER, 0, "Times the cgroup reached memory_max (memory.events max).", NULL),
        DESC("MemoryHighEvents", "memory_high_events", 0, "memory_high_events_total", EXPO_COUNTER, 0, "Times the cgroup was throttled at memory_high (memory.events high).", NULL),
        DESC("PidsMaxEvents", "pids_max_events", 0, "pids_max_events_total", EXPO_COUNTER, 0, "Forks refused at pids_max (pids.events max).", NULL),
        DESC("StdoutLines", "stdout_lines", METRICS_FIELD_PROGRAM_ONLY, "log_lines_total", EXPO_COUNTER, 0, "Output lines captured from the current instance, by stream.", "stream", "stdout", NULL),
        DESC("StderrLines", "stderr_lines", METRICS_FIELD_PROGRAM_ONLY, "log_lines_total", EXPO_COUNTER, 0, NULL, "stream", "stderr", NULL),
        DESC("StdoutBytes", "stdout_bytes", METRICS_FIELD_PROGRAM_ONLY, "log_bytes_total", EXPO_COUNTER, 0, "Output bytes captured from the current instance, by stream.", "stream", "stdout", NULL),
        DESC("StderrBytes", "stderr_bytes", METRICS_FIELD_PROGRAM_ONLY, "log_bytes_total", EXPO_COUNTER, 0, NULL, "stream", "stderr", NULL),
        DESC("StdoutDroppedBytes", "stdout_dropped_bytes", METRICS_FIELD_PROGRAM_ONLY, "log_dropped_bytes_total", EXPO_COUNTER, 0, "Output bytes dropped because a log sink was too slow, by stream.", "stream", "stdout", NULL),
        DESC("StderrDroppedBytes", "stderr_dropped_bytes", METRICS_FIELD_PROGRAM_ONLY, "log_dropped_bytes_total", EXPO_COUNTER, 0, NULL, "stream", "stderr", NULL),
};

/* The daemon's own figures: GetMetrics key and --json name. */
enum { DAEMON_BUS_CALLS, DAEMON_RSS, DAEMON_CPU_USER, DAEMON_CPU_SYSTEM, DAEMON_PID, _DAEMON_KEY_MAX };
static const char *const daemon_keys[_DAEMON_KEY_MAX][2] = {
        [DAEMON_BUS_CALLS] = { "BusCalls", "bus_calls" },
        [DAEMON_RSS] = { "ResidentMemoryBytes", "memory_resident" },
        [DAEMON_CPU_USER] = { "CPUUserUSec", "cpu_user_usec" },
        [DAEMON_CPU_SYSTEM] = { "CPUSystemUSec", "cpu_system_usec" },
        [DAEMON_PID] = { "PID", "pid" },
};

/* DESIGN.md's states, in supervisord's order; a state a newer daemon reports beyond these gets its own
 * series too. */
static const char *const states[] = { "STOPPED", "STARTING", "RUNNING", "BACKOFF",
                                      "STOPPING", "EXITED", "FATAL", "UNHEALTHY" };

_Static_assert(ELEMENTSOF(record_descs) <= METRICS_KEYS_MAX, "METRICS_KEYS_MAX too small");
_Static_assert(_DAEMON_KEY_MAX <= METRICS_KEYS_MAX, "METRICS_KEYS_MAX too small");

static void record_done(MetricsRecord *r) {
        free(r->name);
        free(r->bus_name);
        free(r->group);
        free(r->state);
        for (size_t i = 0; i < r->n_exits; i++)
                free(r->exits[i].reason);
        free(r->exits);
}

MetricsModel *metrics_model_free(MetricsModel *m) {
        if (!m)
                return NULL;
        record_done(&m->daemon);
        for (size_t i = 0; i < m->n_programs; i++)
                record_done(&m->programs[i]);
        free(m->programs);
        for (size_t i = 0; i < m->n_groups; i++)
                record_done(&m->groups[i]);
        free(m->groups);
        free(m);
        return NULL;
}

/* ---- reading the reply ---- */

/* Reads the variant at the cursor as an unsigned number (t, u, b); 0 if it holds something else (then it
 * is skipped), 1 if read. */
static int read_variant_number(sd_bus_message *m, uint64_t *ret) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v')
                return -EBADMSG;
        if (streq(contents, "t") || streq(contents, "u") || streq(contents, "b")) {
                uint64_t t = 0;
                uint32_t u = 0;
                int b = 0;

                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = sd_bus_message_read_basic(m, contents[0], contents[0] == 't' ? (void *) &t :
                                                                contents[0] == 'u' ? (void *) &u : (void *) &b);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
                *ret = contents[0] == 't' ? t : contents[0] == 'u' ? u : (uint64_t) !!b;
                return 1;
        }
        r = sd_bus_message_skip(m, "v");
        return r < 0 ? r : 0;
}

static int read_variant_string(sd_bus_message *m, char **ret) {
        const char *s;
        char *copy;
        int r;

        r = sd_bus_message_read(m, "v", "s", &s);
        if (r < 0)
                return r;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*ret);
        *ret = copy;
        return 0;
}

static int read_exit_counts(sd_bus_message *m, MetricsRecord *rec) {
        const char *reason;
        uint32_t count;
        int r;

        r = sd_bus_message_enter_container(m, 'v', "a{su}");
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{su}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{su}", &reason, &count)) > 0) {
                MetricsExit *e;
                char *copy;

                /* A reason reported twice would make two identical series. */
                for (size_t i = 0; i < rec->n_exits; i++)
                        if (streq(rec->exits[i].reason, reason))
                                return -EBADMSG;
                e = reallocarray(rec->exits, rec->n_exits + 1, sizeof *e);
                if (!e)
                        return -ENOMEM;
                rec->exits = e;
                copy = strdup(reason);
                if (!copy)
                        return -ENOMEM;
                rec->exits[rec->n_exits++] = (MetricsExit) { copy, count };
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static const char *record_key(MetricsKind kind, size_t i) {
        return kind == METRICS_DAEMON ? daemon_keys[i][0] : record_descs[i].key;
}

static size_t n_record_keys(MetricsKind kind) {
        return kind == METRICS_DAEMON ? (size_t) _DAEMON_KEY_MAX : ELEMENTSOF(record_descs);
}

typedef struct DictTarget {
        MetricsRecord *rec;
        MetricsKind kind;
} DictTarget;

/* One entry of a record's a{sv}: numeric keys are stored by their index in the kind's table. */
static int read_dict_entry(sd_bus_message *m, const char *key, void *userdata) {
        DictTarget *t = userdata;
        size_t n_keys = n_record_keys(t->kind);
        size_t i;
        uint64_t v;
        int r;

        for (i = 0; i < n_keys; i++)
                if (streq(record_key(t->kind, i), key))
                        break;
        if (i < n_keys) {
                r = read_variant_number(m, &v);
                if (r > 0) {
                        t->rec->value[i] = v;
                        t->rec->have[i] = true;
                }
                return r < 0 ? r : 0;
        }
        if (t->kind == METRICS_PROGRAM && streq(key, "State"))
                return read_variant_string(m, &t->rec->state);
        if (t->kind == METRICS_PROGRAM && streq(key, "ExitCounts"))
                return read_exit_counts(m, t->rec);
        if (t->kind == METRICS_DAEMON && streq(key, "Version"))
                return read_variant_string(m, &t->rec->name);
        return sd_bus_message_skip(m, "v");
}

static int read_dict(sd_bus_message *m, MetricsRecord *rec, MetricsKind kind) {
        return bus_message_read_dict(m, read_dict_entry, &(DictTarget) { rec, kind });
}

static int strdup_to(char **dst, const char *s) {
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

/* a(ssa{sv}) programs (@with_group) or a(sa{sv}) groups. */
static int read_records(sd_bus_message *m, bool with_group, MetricsRecord **ret, size_t *ret_n) {
        const char *sig = with_group ? "ssa{sv}" : "sa{sv}";
        const char *name, *group;
        int r;

        r = sd_bus_message_enter_container(m, 'a', with_group ? "(ssa{sv})" : "(sa{sv})");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'r', sig)) > 0) {
                MetricsRecord *a, *rec;

                a = reallocarray(*ret, *ret_n + 1, sizeof *a);
                if (!a)
                        return -ENOMEM;
                *ret = a;
                rec = &a[(*ret_n)++];
                *rec = (MetricsRecord) {};

                r = sd_bus_message_read(m, "s", &name);
                if (r < 0)
                        return r;
                if (with_group) {
                        r = sd_bus_message_read(m, "s", &group);
                        if (r < 0)
                                return r;
                        r = strdup_to(&rec->group, group);
                        if (r >= 0)
                                r = strdup_to(&rec->bus_name, name);
                        if (r < 0)
                                return r;
                        /* The label is the name `cgsupctl status` shows. */
                        char shown[PROGRAM_DISPLAY_NAME_MAX];
                        r = strdup_to(&rec->name, program_display_name(group, name, shown, sizeof shown));
                } else
                        r = strdup_to(&rec->name, name);
                if (r < 0)
                        return r;
                r = read_dict(m, rec, with_group ? METRICS_PROGRAM : METRICS_GROUP);
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

bool metrics_record_get(const MetricsRecord *rec, const char *key, uint64_t *ret) {
        assert(rec);
        assert(key);
        assert(ret);

        for (size_t i = 0; i < ELEMENTSOF(record_descs); i++)
                if (streq(record_descs[i].key, key)) {
                        if (!rec->have[i])
                                return false;
                        *ret = rec->value[i];
                        return true;
                }
        return false;
}

int metrics_field(MetricsKind kind, size_t i, const char **ret_json_name, unsigned *ret_flags) {
        assert(ret_json_name);
        assert(ret_flags);

        if (i >= n_record_keys(kind))
                return -ENOENT;
        if (kind == METRICS_DAEMON) {
                *ret_json_name = daemon_keys[i][1];
                *ret_flags = 0;
                return 1;
        }
        *ret_json_name = record_descs[i].json_name;
        *ret_flags = record_descs[i].flags;
        return kind == METRICS_PROGRAM || !(record_descs[i].flags & METRICS_FIELD_PROGRAM_ONLY);
}

int metrics_model_read(sd_bus_message *reply, MetricsModel **ret) {
        _cleanup_(metrics_model_freep) MetricsModel *m = NULL;
        int r;

        assert(reply);
        assert(ret);

        m = calloc(1, sizeof *m);
        if (!m)
                return -ENOMEM;
        r = read_dict(reply, &m->daemon, METRICS_DAEMON);
        if (r < 0)
                return r;
        r = read_records(reply, true, &m->programs, &m->n_programs);
        if (r < 0)
                return r;
        r = read_records(reply, false, &m->groups, &m->n_groups);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* ---- writing the families ---- */

static bool state_is_up(const char *state) {
        /* Up: the main process runs and got past startsecs; UNHEALTHY still runs (see cgsup_program_healthy). */
        return state && (streq(state, "RUNNING") || streq(state, "UNHEALTHY"));
}

static bool state_is_known(const char *state) {
        for (size_t i = 0; i < ELEMENTSOF(states); i++)
                if (streq(states[i], state))
                        return true;
        return false;
}

static int write_daemon(const MetricsModel *m, ExpoWriter *w) {
        const MetricsRecord *d = &m->daemon;
        int r;

        r = expo_family(w, "cgsup_daemon_info", EXPO_GAUGE, "cgsupd's version (value always 1).");
        if (r >= 0)
                r = expo_sample(w, (const char *const[]) { "version", d->name ?: "unknown", NULL }, 1, 0);
        if (r >= 0)
                r = expo_family(w, "cgsup_programs", EXPO_GAUGE, "Program instances by state.");
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(states); i++) {
                uint64_t n = 0;
                for (size_t j = 0; j < m->n_programs; j++)
                        n += m->programs[j].state && streq(m->programs[j].state, states[i]);
                r = expo_sample(w, (const char *const[]) { "state", states[i], NULL }, n, 0);
        }
        if (r >= 0 && d->have[DAEMON_RSS]) {
                r = expo_family(w, "cgsup_daemon_resident_memory_bytes", EXPO_GAUGE, "cgsupd's resident memory.");
                if (r >= 0)
                        r = expo_sample(w, NULL, d->value[DAEMON_RSS], 0);
        }
        if (r >= 0 && d->have[DAEMON_CPU_USER] && d->have[DAEMON_CPU_SYSTEM]) {
                r = expo_family(w, "cgsup_daemon_cpu_seconds_total", EXPO_COUNTER, "cgsupd's own CPU time, by mode.");
                if (r >= 0)
                        r = expo_sample(w, (const char *const[]) { "mode", "user", NULL }, d->value[DAEMON_CPU_USER], 6);
                if (r >= 0)
                        r = expo_sample(w, (const char *const[]) { "mode", "system", NULL }, d->value[DAEMON_CPU_SYSTEM], 6);
        }
        if (r >= 0 && d->have[DAEMON_BUS_CALLS]) {
                r = expo_family(w, "cgsup_daemon_bus_calls_total", EXPO_COUNTER, "D-Bus method calls cgsupd received.");
                if (r >= 0)
                        r = expo_sample(w, NULL, d->value[DAEMON_BUS_CALLS], 0);
        }
        return r;
}

static int write_program_states(const MetricsModel *m, ExpoWriter *w) {
        int r;

        r = expo_family(w, "cgsup_program_state", EXPO_GAUGE, "1 for the state the program instance is in, 0 for the others.");
        for (size_t i = 0; r >= 0 && i < m->n_programs; i++) {
                const MetricsRecord *p = &m->programs[i];

                for (size_t s = 0; r >= 0 && s < ELEMENTSOF(states); s++)
                        r = expo_sample(w, (const char *const[]) { "program", p->name, "group", p->group, "state", states[s], NULL },
                                        p->state && streq(p->state, states[s]), 0);
                if (r >= 0 && p->state && !state_is_known(p->state))
                        r = expo_sample(w, (const char *const[]) { "program", p->name, "group", p->group, "state", p->state, NULL }, 1, 0);
        }
        if (r >= 0)
                r = expo_family(w, "cgsup_program_up", EXPO_GAUGE, "1 while the program instance is RUNNING (or UNHEALTHY), else 0.");
        for (size_t i = 0; r >= 0 && i < m->n_programs; i++)
                r = expo_sample(w, (const char *const[]) { "program", m->programs[i].name, "group", m->programs[i].group, NULL },
                                state_is_up(m->programs[i].state), 0);
        if (r >= 0)
                r = expo_family(w, "cgsup_program_exits_total", EXPO_COUNTER,
                                "Ends of the program instance since cgsupd started, by reason (failed starts included).");
        for (size_t i = 0; r >= 0 && i < m->n_programs; i++)
                for (size_t e = 0; r >= 0 && e < m->programs[i].n_exits; e++)
                        r = expo_sample(w, (const char *const[]) { "program", m->programs[i].name, "group", m->programs[i].group,
                                                                    "reason", m->programs[i].exits[e].reason, NULL },
                                        m->programs[i].exits[e].count, 0);
        return r;
}

/* One sample of @d for @rec: its identity labels, then the row's own. */
static int write_record_sample(ExpoWriter *w, const MetricsDesc *d, size_t i, const MetricsRecord *rec, bool is_program) {
        const char *labels[2 * 2 + ELEMENTSOF(d->labels)] = {};
        size_t n = 0;

        if (is_program) {
                labels[n++] = "program";
                labels[n++] = rec->name;
        }
        labels[n++] = "group";
        labels[n++] = is_program ? rec->group : rec->name;
        for (size_t k = 0; k < ELEMENTSOF(d->labels) && d->labels[k]; k++)
                labels[n++] = d->labels[k];
        return expo_sample(w, labels, rec->value[i], d->decimals);
}

static int write_records(ExpoWriter *w, const MetricsRecord *recs, size_t n_recs, bool is_program) {
        const char *help = NULL;
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(record_descs); i++) {
                const MetricsDesc *d = &record_descs[i];
                const char *family = is_program ? d->program_family : d->group_family;

                /* Rows of one family are adjacent; the first one carries the help. */
                if (i == 0 || !streq(family, is_program ? record_descs[i - 1].program_family :
                                                          record_descs[i - 1].group_family)) {
                        help = d->help;
                        r = expo_family(w, family, d->type, help);
                        if (r < 0)
                                return r;
                }
                for (size_t j = 0; j < n_recs; j++)
                        if (recs[j].have[i]) {
                                r = write_record_sample(w, d, i, &recs[j], is_program);
                                if (r < 0)
                                        return r;
                        }
        }
        return r;
}

int metrics_model_write(const MetricsModel *m, ExpoWriter *w) {
        int r;

        assert(m);
        assert(w);

        r = expo_family(w, "cgsup_up", EXPO_GAUGE, "1 when cgsupd answered this scrape.");
        if (r >= 0)
                r = expo_sample(w, NULL, 1, 0);
        if (r >= 0)
                r = write_daemon(m, w);
        if (r >= 0)
                r = write_program_states(m, w);
        if (r >= 0)
                r = write_records(w, m->programs, m->n_programs, true);
        if (r >= 0)
                r = write_records(w, m->groups, m->n_groups, false);
        return r;
}

int metrics_write_down(ExpoWriter *w) {
        int r;

        assert(w);
        r = expo_family(w, "cgsup_up", EXPO_GAUGE, "1 when cgsupd answered this scrape.");
        if (r >= 0)
                r = expo_sample(w, NULL, 0, 0);
        return r;
}
