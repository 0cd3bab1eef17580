/* SPDX-License-Identifier: MIT */
/*
 * bench-bus: the ListPrograms round trip without a client's start-up. Connects once to the system bus
 * ($DBUS_SYSTEM_BUS_ADDRESS: tools/bench/run's private one), calls org.cgsup1.Manager.ListPrograms
 * K times and prints {"rows": R, "round_trip_ms": [...]} (each call: send, wait, parse every row).
 *
 *   bench-bus K
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int fail(const char *what, int r) {
        fprintf(stderr, "bench-bus: %s: %s\n", what, strerror(-r));
        return 1;
}

/* Walks every row, so the figure includes unmarshalling what a `status` has to show. The row's type is
 * not fixed here: the benchmark must keep working while the API grows columns. */
static int count_rows(sd_bus_message *reply, unsigned *ret_rows) {
        unsigned rows = 0;
        int r = sd_bus_message_enter_container(reply, 'a', NULL);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_at_end(reply, false)) == 0) {
                r = sd_bus_message_skip(reply, NULL);
                if (r < 0)
                        return r;
                rows++;
        }
        if (r < 0)
                return r;
        *ret_rows = rows;
        return sd_bus_message_exit_container(reply);
}

int main(int argc, char **argv) {
        unsigned k = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 20, rows = 0;
        sd_bus *bus = NULL;
        int r = sd_bus_open_system(&bus);

        if (r < 0)
                return fail("connecting to the system bus", r);
        printf("{\"round_trip_ms\": [");
        for (unsigned i = 0; i < k; i++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;
                sd_bus_message *reply = NULL;
                double t0 = now_ms();
                r = sd_bus_call_method(bus, "org.cgsup1", "/org/cgsup1", "org.cgsup1.Manager", "ListPrograms",
                                       &error, &reply, NULL);
                if (r < 0) {
                        fprintf(stderr, "bench-bus: ListPrograms: %s\n", error.message ?: strerror(-r));
                        return 1;
                }
                r = count_rows(reply, &rows);
                if (r < 0)
                        return fail("reading the reply", r);
                printf("%s%.4f", i ? ", " : "", now_ms() - t0);
                sd_bus_message_unref(reply);
                sd_bus_error_free(&error);
        }
        printf("], \"rows\": %u}\n", rows);
        sd_bus_flush_close_unref(bus);
        return 0;
}
