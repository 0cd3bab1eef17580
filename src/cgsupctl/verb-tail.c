/* SPDX-License-Identifier: MIT */
/*
 * tail [-f] [-BYTES] NAME [stdout|stderr]: like supervisorctl tail. Output comes from GetProgramOutput():
 * with a log file cgsupd gives byte offsets and -f resumes exactly where it stopped; with only the
 * in-memory ring there are no offsets, and -f prints what follows the last text it saw.
 * -f polls twice a second on an sd-event loop that also owns SIGINT/SIGTERM, so Ctrl-C ends it cleanly
 * (exit 0) even in the middle of a call.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"

#define TAIL_DEFAULT_BYTES 1600
#define FOLLOW_CHUNK (64 * 1024)
#define FOLLOW_INTERVAL_USEC (500 * USEC_PER_MSEC)
#define OVERLAP_PROBE 256

typedef struct Tail {
        sd_bus *bus;
        const char *name, *stream;
        uint64_t offset;  /* UINT64_MAX: ring mode (no offsets) */
        char *last;       /* ring mode: the text seen last time */
        size_t last_size;
        int ret;
} Tail;

static int get_output(Tail *t, uint64_t offset, uint64_t max, const void **ret_data, size_t *ret_size,
                      uint64_t *ret_next, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = manager_call(t->bus, "GetProgramOutput", &reply, "sstt", t->name, t->stream, offset, max);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(reply, 'y', ret_data, ret_size);
        if (r >= 0)
                r = sd_bus_message_read(reply, "t", ret_next);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

static int remember(Tail *t, const void *data, size_t size) {
        char *copy = malloc(size + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, size);
        free(t->last);
        t->last = copy;
        t->last_size = size;
        return 0;
}

/* Ring mode: print the part of @data that comes after what we printed last time. */
static void print_new_ring_text(Tail *t, const char *data, size_t size) {
        size_t probe, start = 0;

        if (t->last_size > 0) {
                const char *hit = NULL, *p = data;
                probe = MIN(t->last_size, (size_t) OVERLAP_PROBE);
                /* The last occurrence of the end of the old text marks where new text starts. */
                while (p < data + size) {
                        const char *h = memmem(p, data + size - p, t->last + t->last_size - probe, probe);
                        if (!h)
                                break;
                        hit = h;
                        p = h + 1;
                }
                start = hit ? (size_t) (hit - data) + probe : 0;
                if (size == t->last_size && memcmp(data, t->last, size) == 0)
                        start = size;
        }
        if (start < size)
                (void) loop_write(STDOUT_FILENO, data + start, size - start);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Tail *t = userdata;
        const void *data;
        size_t size;
        uint64_t next;
        int r;

        r = get_output(t, t->offset == UINT64_MAX ? UINT64_MAX : t->offset, FOLLOW_CHUNK, &data, &size, &next,
                       &reply);
        if (r < 0) {
                t->ret = 1;
                return sd_event_exit(sd_event_source_get_event(s), 0);
        }
        if (next != UINT64_MAX) {
                if (size > 0)
                        (void) loop_write(STDOUT_FILENO, data, size);
                t->offset = next;
        } else {
                print_new_ring_text(t, data, size);
                (void) remember(t, data, size);
                t->offset = UINT64_MAX;
        }
        r = sd_event_source_set_time_relative(s, FOLLOW_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

int verb_tail(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        bool follow = false;
        uint64_t bytes = TAIL_DEFAULT_BYTES, next;
        const char *name = NULL, *stream = "stdout";
        const void *data;
        size_t size;
        Tail t = {};
        int r;

        for (int a = 1; a < argc; a++) {
                const char *s = argv[a];
                if (streq(s, "-f") || streq(s, "--follow"))
                        follow = true;
                else if (s[0] == '-' && s[1] >= '0' && s[1] <= '9') {
                        if (safe_atou64(s + 1, &bytes) < 0 || bytes == 0)
                                return usage_error("invalid byte count '%s'.", s);
                } else if (s[0] == '-')
                        return usage_error("unknown option '%s' for tail.", s);
                else if (!name)
                        name = s;
                else if (streq(s, "stdout") || streq(s, "stderr"))
                        stream = s;
                else
                        return usage_error("expected 'stdout' or 'stderr', got '%s'.", s);
        }
        if (!name)
                return usage_error("tail needs a program name.");

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        t = (Tail) { .bus = bus, .name = name, .stream = stream };

        r = get_output(&t, UINT64_MAX, bytes, &data, &size, &next, &reply);
        if (r < 0)
                return 1;
        if (size > 0)
                (void) loop_write(STDOUT_FILENO, data, size);
        if (!follow)
                return 0;

        t.offset = next;
        if (next == UINT64_MAX && remember(&t, data, size) < 0)
                return 1;

        {
                sigset_t mask;
                sigemptyset(&mask);
                sigaddset(&mask, SIGINT);
                sigaddset(&mask, SIGTERM);
                (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        }
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, FOLLOW_INTERVAL_USEC, 0, on_timer, &t);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot set up the event loop: %s\n", strerror(-r));
                return 1;
        }
        r = sd_event_loop(event);
        free(t.last);
        if (r < 0)
                return 1;
        return t.ret;
}
