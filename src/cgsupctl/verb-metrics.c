/* SPDX-License-Identifier: MIT */
/*
 * `cgsupctl metrics [--openmetrics]`: every figure of the daemon, its programs and groups in Prometheus'
 * text format (or OpenMetrics), from one GetMetrics() call. The same model and writer as cgsup-metrics,
 * so `cgsupctl metrics > /var/lib/prometheus/node-exporter/cgsup.prom` feeds node_exporter's textfile
 * collector with exactly what the HTTP endpoint serves.
 */

#include <getopt.h>
#include <stdio.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "macro.h"
#include "metrics-model.h"

enum { ARG_OPENMETRICS = 0x100 };

const struct option metrics_options[] = {
        { "openmetrics", no_argument, NULL, ARG_OPENMETRICS },
        {},
};

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

        expo_writer_init(&w, stdout, format);
        (void) metrics_model_write(model, &w);
        r = expo_finish(&w);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot write the metrics: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
