/* SPDX-License-Identifier: MIT */
/*
 * bench-load: many bus clients at once against one cgsupd. Opens C connections to the system bus
 * ($DBUS_SYSTEM_BUS_ADDRESS) before the first call, then keeps one call in flight on each for D seconds,
 * cycling through ListPrograms, GetAll on a program object and Get of its State (the program picked from
 * the last listing), all from one event loop. Prints one JSON object: calls sent and answered, errors,
 * stuck calls (no answer within the call timeout), latency p50/p99/max per call kind, and cgsupd's RSS,
 * CPU time and run-queue wait (its PID read from the Manager's PID property) before and after. The wait
 * is the time cgsupd was ready to run but had no CPU: on a shared machine, a low CPU share with a long
 * wait means cgsupd was starved, not idle.
 *
 *   bench-load CONNECTIONS SECONDS [TIMEOUT_SECONDS]
 *
 * Exit status 0 when every call was answered without an error, 1 otherwise (2: could not start).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

enum { CALL_LIST, CALL_GET_ALL, CALL_GET, _CALL_MAX };
static const char *const call_names[_CALL_MAX] = { "ListPrograms", "GetAll", "Get" };

typedef struct Samples {
        double *ms;
        size_t n, allocated;
} Samples;

typedef struct Client {
        sd_bus *bus;
        unsigned next;     /* the kind of the next call */
        double sent_ms;
} Client;

static struct {
        sd_event *event;
        Client *clients;
        unsigned n_clients;
        Samples samples[_CALL_MAX];
        uint64_t sent, calls, errors, stuck;
        char *first_error;
        char **paths;      /* program object paths from the last ListPrograms */
        size_t n_paths;
        uint64_t picks;
        unsigned in_flight;
        bool stopping;
        uint64_t timeout_usec;
} load;

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static void sample_add(Samples *s, double ms) {
        if (s->n == s->allocated) {
                size_t a = s->allocated ? s->allocated * 2 : 4096;
                double *m = realloc(s->ms, a * sizeof(double));
                if (!m)
                        return;
                s->ms = m;
                s->allocated = a;
        }
        s->ms[s->n++] = ms;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static double percentile(Samples *s, double p) {
        size_t i;

        if (s->n == 0)
                return 0;
        i = (size_t) (p * (double) (s->n - 1) + 0.5);
        return s->ms[i];
}

/* Remembers the object paths of a ListPrograms reply (field 8 of each row), so GetAll/Get have targets. */
static void remember_paths(sd_bus_message *reply) {
        char **paths = NULL;
        size_t n = 0;
        int r;

        if (sd_bus_message_enter_container(reply, 'a', NULL) < 0)
                return;
        while ((r = sd_bus_message_enter_container(reply, 'r', NULL)) > 0) {
                const char *path = NULL;
                for (unsigned field = 0; sd_bus_message_at_end(reply, false) == 0; field++) {
                        char type;
                        const char *contents;
                        if (sd_bus_message_peek_type(reply, &type, &contents) < 0)
                                break;
                        if (type == 'o')
                                (void) sd_bus_message_read_basic(reply, 'o', &path);
                        else if (sd_bus_message_skip(reply, NULL) < 0)
                                break;
                }
                if (path) {
                        char **a = realloc(paths, (n + 1) * sizeof(char *));
                        if (a) {
                                paths = a;
                                paths[n] = strdup(path);
                                if (paths[n])
                                        n++;
                        }
                }
                if (sd_bus_message_exit_container(reply) < 0)
                        break;
        }
        if (n == 0) {
                free(paths);
                return;
        }
        for (size_t i = 0; i < load.n_paths; i++)
                free(load.paths[i]);
        free(load.paths);
        load.paths = paths;
        load.n_paths = n;
}

static int send_call(Client *c);

static int send_next(Client *c) {
        int r = send_call(c);
        if (r >= 0) {
                load.in_flight++;
                load.sent++;
        }
        return r;
}

static int on_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        Client *c = userdata;
        unsigned kind = c->next;
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        load.calls++;
        load.in_flight--;
        sample_add(&load.samples[kind], now_ms() - c->sent_ms);
        if (e) {
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) || sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
                        load.stuck++;
                else
                        load.errors++;
                if (!load.first_error &&
                    asprintf(&load.first_error, "%s: %s: %s", call_names[kind], e->name, e->message ?: "") < 0)
                        load.first_error = NULL;
        } else if (kind == CALL_LIST)
                remember_paths(reply);

        c->next = (kind + 1) % _CALL_MAX;
        if (!load.stopping && send_next(c) < 0)
                load.errors++;
        return 0;
}

static int send_call(Client *c) {
        const char *path;

        if (c->next != CALL_LIST && load.n_paths == 0)
                c->next = CALL_LIST;
        path = c->next == CALL_LIST ? "/org/cgsup1" : load.paths[load.picks++ % load.n_paths];
        c->sent_ms = now_ms();
        switch (c->next) {
        case CALL_LIST:
                return sd_bus_call_method_async(c->bus, NULL, "org.cgsup1", path, "org.cgsup1.Manager",
                                                "ListPrograms", on_reply, c, NULL);
        case CALL_GET_ALL:
                return sd_bus_call_method_async(c->bus, NULL, "org.cgsup1", path, "org.freedesktop.DBus.Properties",
                                                "GetAll", on_reply, c, "s", "org.cgsup1.Program");
        default:
                return sd_bus_call_method_async(c->bus, NULL, "org.cgsup1", path, "org.freedesktop.DBus.Properties",
                                                "Get", on_reply, c, "ss", "org.cgsup1.Program", "State");
        }
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        load.stopping = true; /* no new calls; those in flight still count */
        return 0;
}

/* cgsupd's RSS (KiB), CPU time (ms) and time spent waiting for a CPU while runnable (ms) from /proc. */
static void daemon_usage(uint32_t pid, uint64_t *ret_rss_kib, uint64_t *ret_cpu_ms, uint64_t *ret_wait_ms) {
        char path[64], line[256], stat[1024];
        unsigned long utime = 0, stime = 0;
        uint64_t run_ns, wait_ns;
        FILE *f;

        *ret_rss_kib = *ret_cpu_ms = *ret_wait_ms = 0;
        snprintf(path, sizeof path, "/proc/%u/status", pid);
        if ((f = fopen(path, "re"))) {
                while (fgets(line, sizeof line, f))
                        if (sscanf(line, "VmRSS: %" SCNu64, ret_rss_kib) == 1)
                                break;
                fclose(f);
        }
        snprintf(path, sizeof path, "/proc/%u/stat", pid);
        if ((f = fopen(path, "re"))) {
                if (fgets(stat, sizeof stat, f)) {
                        const char *p = strrchr(stat, ')');
                        /* fields 14 and 15, counted from after "pid (comm)" */
                        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) == 2)
                                *ret_cpu_ms = (uint64_t) (utime + stime) * 1000 / (uint64_t) sysconf(_SC_CLK_TCK);
                }
                fclose(f);
        }
        /* "on-CPU ns, run-queue wait ns, timeslices"; absent without CONFIG_SCHED_INFO (0 then) */
        snprintf(path, sizeof path, "/proc/%u/schedstat", pid);
        if ((f = fopen(path, "re"))) {
                if (fscanf(f, "%" SCNu64 " %" SCNu64, &run_ns, &wait_ns) == 2)
                        *ret_wait_ms = wait_ns / 1000000;
                fclose(f);
        }
}

int main(int argc, char **argv) {
        unsigned n_clients = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 200;
        double seconds = argc > 2 ? strtod(argv[2], NULL) : 30;
        double timeout_s = argc > 3 ? strtod(argv[3], NULL) : 25;
        uint64_t rss0, cpu0, wait0, rss1, cpu1, wait1;
        sd_event_source *deadline = NULL;
        double t0, t1;
        uint32_t pid = 0;
        int r;

        if (n_clients == 0 || seconds <= 0 || timeout_s <= 0) {
                fprintf(stderr, "usage: bench-load CONNECTIONS SECONDS [TIMEOUT_SECONDS]\n");
                return 2;
        }
        load.timeout_usec = (uint64_t) (timeout_s * 1e6);
        r = sd_event_default(&load.event);
        if (r < 0)
                return fprintf(stderr, "bench-load: sd_event_default: %s\n", strerror(-r)), 2;
        load.clients = calloc(n_clients, sizeof(Client));
        if (!load.clients)
                return 2;

        /* Every connection is open (and has said Hello) before the first call. */
        for (unsigned i = 0; i < n_clients; i++) {
                Client *c = &load.clients[i];
                r = sd_bus_open_system(&c->bus);
                if (r >= 0)
                        r = sd_bus_set_method_call_timeout(c->bus, load.timeout_usec);
                if (r >= 0)
                        r = sd_bus_attach_event(c->bus, load.event, 0);
                if (r < 0) {
                        fprintf(stderr, "bench-load: connection %u: %s\n", i + 1, strerror(-r));
                        return 2;
                }
                load.n_clients++;
        }
        r = sd_bus_get_property_trivial(load.clients[0].bus, "org.cgsup1", "/org/cgsup1", "org.cgsup1.Manager", "PID",
                                        NULL, 'u', &pid);
        if (r < 0) {
                fprintf(stderr, "bench-load: reading cgsupd's PID: %s\n", strerror(-r));
                return 2;
        }
        daemon_usage(pid, &rss0, &cpu0, &wait0);

        t0 = now_ms();
        for (unsigned i = 0; i < n_clients; i++)
                if (send_next(&load.clients[i]) < 0)
                        load.errors++;
        r = sd_event_add_time_relative(load.event, &deadline, CLOCK_MONOTONIC, (uint64_t) (seconds * 1e6), 0,
                                       on_deadline, NULL);
        if (r < 0)
                return 2;
        while (!load.stopping)
                (void) sd_event_run(load.event, UINT64_MAX);
        /* The calls in flight at the deadline are answered (or time out) too: none may be lost. */
        {
                uint64_t end = (uint64_t) (now_ms() * 1e3) + load.timeout_usec + 5 * 1000000ULL;
                while (load.in_flight > 0 && (uint64_t) (now_ms() * 1e3) < end)
                        (void) sd_event_run(load.event, 100000);
                load.stuck += load.in_flight;
        }
        t1 = now_ms();
        daemon_usage(pid, &rss1, &cpu1, &wait1);

        printf("{\"connections\": %u, \"seconds\": %.1f, \"sent\": %" PRIu64 ", \"calls\": %" PRIu64
               ", \"calls_per_s\": %.0f, \"errors\": %" PRIu64 ", \"stuck\": %" PRIu64 ", \"programs\": %zu",
               n_clients, (t1 - t0) / 1e3, load.sent, load.calls, (double) load.calls * 1e3 / (t1 - t0),
               load.errors, load.stuck, load.n_paths);
        for (unsigned k = 0; k < _CALL_MAX; k++) {
                Samples *s = &load.samples[k];
                if (s->n > 0)
                        qsort(s->ms, s->n, sizeof(double), cmp_double);
                printf(", \"%s\": {\"calls\": %zu, \"p50_ms\": %.2f, \"p99_ms\": %.2f, \"max_ms\": %.2f}",
                       call_names[k], s->n, percentile(s, 0.50), percentile(s, 0.99), s->n ? s->ms[s->n - 1] : 0.0);
        }
        printf(", \"cgsupd\": {\"pid\": %u, \"rss_kib_before\": %" PRIu64 ", \"rss_kib_after\": %" PRIu64
               ", \"cpu_ms\": %" PRIu64 ", \"cpu_percent_of_one_core\": %.1f"
               ", \"runqueue_wait_ms\": %" PRIu64 "}",
               pid, rss0, rss1, cpu1 - cpu0, (double) (cpu1 - cpu0) * 100.0 / (t1 - t0), wait1 - wait0);
        if (load.first_error) {
                for (char *q = load.first_error; *q; q++)
                        if (*q == '"' || *q == '\\' || (unsigned char) *q < 0x20)
                                *q = '\'';
                printf(", \"first_error\": \"%s\"", load.first_error);
        }
        printf("}\n");
        return load.errors == 0 && load.stuck == 0 ? 0 : 1;
}
