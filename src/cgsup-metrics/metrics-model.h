/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The one model of cgsup's metrics, shared by `cgsupctl metrics` and cgsup-metrics: the reply of
 * org.cgsup1.Manager.GetMetrics() (one round trip per scrape) read into records, and written as metric
 * families through metrics-expo.h. Which bus key becomes which metric, with its type, unit and help, is
 * one table in metrics-model.c.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "macro.h"
#include "metrics-expo.h"

#define METRICS_METHOD "GetMetrics"
#define METRICS_KEYS_MAX 48

typedef struct MetricsExit {
        char *reason;
        uint64_t count;
} MetricsExit;

/* A program instance or a [group:x]: the figures the daemon sent (have[i] says whether key i came). */
typedef struct MetricsRecord {
        char *name;     /* programs: the name status shows (group:name for group members) */
        char *bus_name; /* programs: the instance name on the bus; groups: NULL */
        char *group;  /* programs: their group; groups: NULL */
        char *state;  /* programs: State */
        uint64_t value[METRICS_KEYS_MAX];
        bool have[METRICS_KEYS_MAX];
        MetricsExit *exits;
        size_t n_exits;
} MetricsRecord;

typedef struct MetricsModel {
        MetricsRecord daemon; /* name = Version */
        MetricsRecord *programs;
        size_t n_programs;
        MetricsRecord *groups;
        size_t n_groups;
} MetricsModel;

MetricsModel *metrics_model_free(MetricsModel *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(MetricsModel *, metrics_model_free);

/* Read a GetMetrics() reply. Keys this version does not know are skipped (newer daemons may add keys). */
int metrics_model_read(sd_bus_message *reply, MetricsModel **ret);

/* The figure @key (a GetMetrics key of programs and groups, e.g. "MemoryCurrent") of @rec: false when the
 * daemon did not send it (not running, no controller, no limit) or this version does not know the key. */
bool metrics_record_get(const MetricsRecord *rec, const char *key, uint64_t *ret);

typedef enum MetricsKind {
        METRICS_DAEMON,
        METRICS_PROGRAM,
        METRICS_GROUP,
} MetricsKind;

enum {
        METRICS_FIELD_PROGRAM_ONLY = 1 << 0, /* a program's own figure (restarts, health, uptime, logs): no group has it */
        METRICS_FIELD_BOOLEAN = 1 << 1,      /* sent as a D-Bus boolean (stored as 0/1) */
};

/* Figure @i (0, 1, ... in the order value[] and have[] use) of a @kind record, for printers other than the
 * exposition writer (`cgsupctl metrics --json`): its snake_case name (the one status --json gives the same
 * figure) and METRICS_FIELD_* flags. Returns 1, 0 if @kind never has the figure, -ENOENT past the last. */
int metrics_field(MetricsKind kind, size_t i, const char **ret_json_name, unsigned *ret_flags);

/* Every family of @m (cgsup_up 1 first), through @w; the caller calls expo_finish(). */
int metrics_model_write(const MetricsModel *m, ExpoWriter *w);
/* What a scrape shows when the daemon cannot be asked: cgsup_up 0. */
int metrics_write_down(ExpoWriter *w);
