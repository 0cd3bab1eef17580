/* SPDX-License-Identifier: MIT */
/*
 * tail [-f] [-BYTES] NAME [stdout|stderr]: like supervisorctl tail. Output comes from GetProgramOutput() by
 * cursor: the daemon hands out the bytes after the cursor we hold, from its memory ring or from the log files
 * across rotations, and says how many bytes were gone before we could read them (the ring overwrote them,
 * rotation deleted the file). So -f prints every byte exactly once, and a loss is reported on stderr with its
 * size, never hidden; stdout gets only the program's bytes.
 * -f polls (at once again while there is more, else every FOLLOW_INTERVAL) on an sd-event loop that also owns
 * SIGINT/SIGTERM, so Ctrl-C ends it cleanly (exit 0) even in the middle of a call.
 * --json prints the bytes as "output chunk" records instead: one document, or with -f one per line.
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "fd-util.h"
#include "json-out.h"
#include "macro.h"
#include "parse-util.h"

#define TAIL_DEFAULT_BYTES 1600
#define FOLLOW_CHUNK (256 * 1024)
#define FOLLOW_INTERVAL_USEC (200 * USEC_PER_MSEC)
#define CURSOR_TAIL UINT64_MAX  /* GetProgramOutput: the last max_bytes */
#define LOST_UNKNOWN UINT64_MAX /* GetProgramOutput: the output restarted, the amount is not known */

typedef struct Tail {
        sd_bus *bus;
        const char *name, *stream;
        const char *json_name; /* --json's "name": the program's own name, as the other records give it */
        uint64_t cursor;
        bool follow;
        int ret;
} Tail;

static void report_lost(const Tail *t, uint64_t lost) {
        if (lost == 0)
                return;
        if (lost == LOST_UNKNOWN)
                fprintf(stderr, "cgsupctl: %s %s restarted (cgsupd restarted or its log settings were reloaded); "
                        "output in between may be missing.\n", t->name, t->stream);
        else
                fprintf(stderr, "cgsupctl: %" PRIu64 " bytes of %s %s were lost before they could be read "
                        "(overwritten in cgsupd's memory or rotated away).\n", lost, t->name, t->stream);
}

/* --json: one "output chunk" record (schema in cgsupctl(1)); concatenating the "data" of all records gives
 * the bytes exactly. -f prints one record per line, and only when something happened. */
static int print_chunk_json(const Tail *t, const OutputChunk *c) {
        _cleanup_json_ struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        if (t->follow && c->size == 0 && c->lost == 0)
                return 0;
        json_add(o, "name", json_object_new_string(t->json_name ?: t->name));
        json_add(o, "stream", json_object_new_string(t->stream));
        json_add(o, "data", json_bytes(c->data, c->size));
        json_add(o, "size", json_object_new_uint64(c->size));
        json_add(o, "lost_bytes", c->lost == LOST_UNKNOWN ? NULL : json_object_new_uint64(c->lost));
        json_add(o, "next_cursor", json_object_new_uint64(c->next_cursor));
        return t->follow ? json_print_line(o) : json_print(o);
}

/* One call: prints the data, reports a loss, advances the cursor. Returns the number of bytes printed. */
static int fetch(Tail *t, uint64_t max, size_t *ret_size) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        OutputChunk c;
        int r;

        r = program_output_read(t->bus, t->name, t->stream, t->cursor, max, &reply, &c);
        if (r < 0)
                return r;
        /* The loss came before these bytes: say so first (stderr is unbuffered, stdout written directly). */
        report_lost(t, c.lost);
        if (arg_json)
                (void) print_chunk_json(t, &c);
        else if (c.size > 0)
                (void) loop_write(STDOUT_FILENO, c.data, c.size);
        t->cursor = c.next_cursor;
        *ret_size = c.size;
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Tail *t = userdata;
        size_t size = 0;
        int r;

        r = fetch(t, FOLLOW_CHUNK, &size);
        if (r < 0) {
                t->ret = 1;
                return sd_event_exit(sd_event_source_get_event(s), 0);
        }
        /* A full chunk means more is waiting: ask again at once. */
        r = sd_event_source_set_time_relative(s, size >= FOLLOW_CHUNK ? 0 : FOLLOW_INTERVAL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

static int follow(Tail *t) {
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_time_relative(event, NULL, CLOCK_MONOTONIC, FOLLOW_INTERVAL_USEC, 0, on_timer, t);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot set up the event loop: %s\n", strerror(-r));
                return 1;
        }
        r = sd_event_loop(event);
        if (r < 0)
                return 1;
        return t->ret;
}

enum { ARG_BYTES = 0x100 };

/* cgsupctl.c turns supervisorctl's `-1600` into `--bytes=1600` (VERB_NUMERIC_OPTION). */
const struct option tail_options[] = {
        { "follow", no_argument, NULL, 'f' },
        { "bytes", required_argument, NULL, ARG_BYTES },
        {},
};

int verb_tail(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool follow_mode = false;
        uint64_t bytes = TAIL_DEFAULT_BYTES;
        const char *name, *stream = "stdout";
        _cleanup_free_ char *own = NULL;
        size_t size;
        Tail t = {};
        int c, r;

        while ((c = getopt_long(argc, argv, "+f", tail_options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        follow_mode = true;
                        break;
                case ARG_BYTES:
                        if (safe_atou64(optarg, &bytes) < 0 || bytes == 0)
                                return usage_error("invalid byte count '%s'.", optarg);
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("tail needs a program name.");
        name = argv[optind];
        if (optind + 1 < argc) {
                stream = argv[optind + 1];
                if (!streq(stream, "stdout") && !streq(stream, "stderr"))
                        return usage_error("expected 'stdout' or 'stderr', got '%s'.", stream);
        }

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        t = (Tail) { .bus = bus, .name = name, .stream = stream, .cursor = CURSOR_TAIL, .follow = follow_mode };
        /* "grp:web" is "web" in the record; a name that matches nothing (or several) gets the daemon's
         * error from the first read. */
        if (arg_json)
                (void) program_own_name(bus, name, &own);
        t.json_name = own;

        r = fetch(&t, bytes, &size);
        if (r < 0)
                return 1;
        if (!follow_mode)
                return 0;
        return follow(&t);
}
