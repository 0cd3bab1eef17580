/* SPDX-License-Identifier: MIT */
/*
 * `cgsupctl metrics [--openmetrics]`: every figure of the daemon, its programs and groups in Prometheus'
 * text format (or OpenMetrics), from one GetMetrics() call. The same model and writer as cgsup-metrics,
 * so `cgsupctl metrics > /var/lib/prometheus/node-exporter/cgsup.prom` feeds node_exporter's textfile
 * collector with exactly what the HTTP endpoint serves. With --json the same model is printed as one
 * metrics document (docs/cgsupctl.schema.json): every figure a record can have is present, null where
 * the daemon did not send it (the exposition leaves such a series out).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "metrics-model.h"

enum { ARG_OPENMETRICS = 0x100 };

const struct option metrics_options[] = {
        { "openmetrics", no_argument, NULL, ARG_OPENMETRICS },
        {},
};

/* Every figure a @kind record can have, into @o: the number, true/false, or null when not sent. */
static int json_add_figures(struct json_object *o, const MetricsRecord *rec, MetricsKind kind) {
        const char *name;
        unsigned flags;
        int r;

        for (size_t i = 0; (r = metrics_field(kind, i, &name, &flags)) != -ENOENT; i++) {
                struct json_object *v = NULL;

                if (r == 0)
                        continue;
                if (rec->have[i])
                        v = flags & METRICS_FIELD_BOOLEAN ? json_object_new_boolean(rec->value[i] != 0) :
                                                             json_object_new_uint64(rec->value[i]);
                r = json_add(o, name, v);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The exits by reason, as an object reason -> count; NULL when out of memory. */
static struct json_object *json_exits(const MetricsRecord *rec) {
        _cleanup_json_ struct json_object *o = json_object_new_object();

        for (size_t i = 0; o && i < rec->n_exits; i++)
                if (json_add(o, rec->exits[i].reason, json_object_new_uint64(rec->exits[i].count)) < 0)
                        return NULL;
        return TAKE_PTR(o);
}

/* One record of programs (@kind METRICS_PROGRAM) or groups, appended to @array. */
static int json_add_record(struct json_object *array, const MetricsRecord *rec, MetricsKind kind) {
        _cleanup_json_ struct json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (kind == METRICS_PROGRAM) {
                /* Named as status --json names a program: its instance name and its group apart. */
                r = json_add(o, "name", json_object_new_string(rec->bus_name));
                if (r >= 0)
                        r = json_add(o, "group", json_object_new_string(rec->group));
                if (r >= 0)
                        r = json_add(o, "state", json_string_or_null(rec->state));
                if (r >= 0)
                        r = json_add(o, "exits", json_exits(rec));
        } else
                r = json_add(o, "name", json_object_new_string(rec->name));
        if (r >= 0)
                r = json_add_figures(o, rec, kind);
        if (r < 0)
                return r;
        return json_object_array_add(array, TAKE_PTR(o)) < 0 ? -ENOMEM : 0;
}

/* An empty object or array under @key of @root, owned by @root; NULL when out of memory. */
static struct json_object *json_add_container(struct json_object *root, const char *key, bool array) {
        struct json_object *o = array ? json_object_new_array() : json_object_new_object();

        if (!o || json_add(root, key, o) < 0) {
                json_object_putp(&o);
                return NULL;
        }
        return o;
}

static int print_json(const MetricsModel *model) {
        _cleanup_json_ struct json_object *root = json_object_new_object();
        struct json_object *daemon, *programs, *groups;
        int r;

        if (!root)
                return -ENOMEM;
        daemon = json_add_container(root, "daemon", false);
        programs = json_add_container(root, "programs", true);
        groups = json_add_container(root, "groups", true);
        if (!daemon || !programs || !groups)
                return -ENOMEM;
        r = json_add(daemon, "version", json_string_or_null(model->daemon.name));
        if (r >= 0)
                r = json_add_figures(daemon, &model->daemon, METRICS_DAEMON);
        for (size_t i = 0; r >= 0 && i < model->n_programs; i++)
                r = json_add_record(programs, &model->programs[i], METRICS_PROGRAM);
        for (size_t i = 0; r >= 0 && i < model->n_groups; i++)
                r = json_add_record(groups, &model->groups[i], METRICS_GROUP);
        if (r < 0)
                return r;
        return json_print(root);
}

int verb_metrics(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(metrics_model_freep) MetricsModel *model = NULL;
        ExpoFormat format = EXPO_PROMETHEUS;
        ExpoWriter w;
        int c, r;

        while ((c = getopt_long(argc, argv, "+", metrics_options, NULL)) >= 0)
                switch (c) {
                case ARG_OPENMETRICS:
                        format = EXPO_OPENMETRICS;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (arg_json && format == EXPO_OPENMETRICS) {
                fprintf(stderr, "cgsupctl: metrics: --openmetrics and --json exclude each other\n");
                return EXIT_USAGE;
        }
        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = manager_call(bus, METRICS_METHOD, &reply, NULL);
        if (r < 0)
                return 1;
        r = metrics_model_read(reply, &model);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot read the reply of %s: %s\n", METRICS_METHOD, strerror(-r));
                return 1;
        }

        if (arg_json) {
                r = print_json(model);
                if (r < 0) {
                        fprintf(stderr, "cgsupctl: cannot write the metrics: %s\n", strerror(-r));
                        return 1;
                }
                return 0;
        }
        expo_writer_init(&w, stdout, format);
        (void) metrics_model_write(model, &w);
        r = expo_finish(&w);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot write the metrics: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
