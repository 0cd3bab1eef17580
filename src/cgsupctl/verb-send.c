/* SPDX-License-Identifier: MIT */
/*
 * send NAME DATA... | send -n NAME DATA... | send NAME -: write to a program's stdin (supervisord's
 * sendProcessStdin, Kahi's "ctl send") through WriteProgramStdin(). Everything goes through bus methods,
 * so it works over -H (ssh carries no file descriptors) just as locally.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "fd-util.h"
#include "json-out.h"
#include "macro.h"
#include "verb-send.h"

#define SEND_CHUNK (4U * 1024U) /* PIPE_BUF: each chunk goes into the pipe whole or not at all */
#define SEND_RETRY_USEC (50 * USEC_PER_MSEC)
#define SEND_FULL_PATIENCE_USEC (10 * USEC_PER_SEC)

int send_exit_status(const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, CGSUP_ERROR_NO_SUCH_PROGRAM))
                return 4;
        if (sd_bus_error_has_name(e, CGSUP_ERROR_NOT_RUNNING))
                return EXIT_NOT_RUNNING;
        return 1;
}

int stdin_write(sd_bus *bus, const char *name, const void *data, size_t size, sd_bus_error *reterr) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = manager_new_call(bus, "WriteProgramStdin", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', data, size);
        if (r < 0)
                return r;
        return bus_call(bus, m, 0, reterr, NULL);
}

/* Sends @size bytes in pipe-sized pieces; a full pipe is waited out (the program reads slower than we
 * send) for up to SEND_FULL_PATIENCE_USEC without progress. Prints the error; returns the exit status. */
static int send_all(sd_bus *bus, const char *name, const char *data, size_t size) {
        usec_t waited = 0;

        while (size > 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
                size_t n = MIN(size, (size_t) SEND_CHUNK);
                int r = stdin_write(bus, name, data, n, &error);

                if (r >= 0) {
                        data += n;
                        size -= n;
                        waited = 0;
                        continue;
                }
                if (sd_bus_error_has_name(&error, CGSUP_ERROR_STDIN_FULL) && waited < SEND_FULL_PATIENCE_USEC) {
                        (void) usleep(SEND_RETRY_USEC);
                        waited += SEND_RETRY_USEC;
                        continue;
                }
                (void) bus_log_call_error(&error, r);
                return send_exit_status(&error);
        }
        return 0;
}

const struct option send_options[] = {
        { "no-newline", no_argument, NULL, 'n' },
        {},
};

int verb_send(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *data = NULL;
        bool newline = true, from_stdin;
        const char *name;
        size_t size = 0;
        int c, r;

        /* Options end at NAME (VERB_STOP_AT_OPERAND): "send web -n" sends "-n". */
        while ((c = getopt_long(argc, argv, "+n", send_options, NULL)) >= 0)
                switch (c) {
                case 'n':
                        newline = false;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (argc - optind < 2)
                return usage_error("send needs a program name and DATA (or '-' to read it from stdin).");
        name = argv[optind];
        from_stdin = argc - optind == 2 && streq(argv[optind + 1], "-");

        if (from_stdin) {
                r = read_full_fd(STDIN_FILENO, SEND_STDIN_MAX, &data, &size);
                if (r < 0) {
                        fprintf(stderr, "cgsupctl: cannot read the data from stdin: %s\n",
                                r == -EFBIG ? "more than 16 MiB" : strerror(-r));
                        return 1;
                }
        } else {
                /* DATA words joined by spaces, then a newline unless -n (Kahi's ctl send). */
                for (int i = optind + 1; i < argc; i++) {
                        size_t l = strlen(argv[i]);
                        char *d = realloc(data, size + l + 2);
                        if (!d) {
                                fprintf(stderr, "cgsupctl: out of memory\n");
                                return 1;
                        }
                        data = d;
                        if (i > optind + 1)
                                data[size++] = ' ';
                        memcpy(data + size, argv[i], l);
                        size += l;
                }
                if (newline)
                        data[size++] = '\n';
        }

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = send_all(bus, name, data ?: "", size);
        if (arg_json) {
                /* As kill and signal: the program written to by its own name ("web" for "grp:web", as the
                 * daemon names it in their replies), and whether all of it went. */
                _cleanup_json_ struct json_object *affected = json_object_new_array();
                _cleanup_free_ char *own = NULL;

                if (!affected)
                        return 1;
                if (r == 0 && (program_own_name(bus, name, &own) < 0 ||
                               json_object_array_add(affected, json_object_new_string(own)) < 0))
                        return 1;
                if (control_result_print(affected, r != 0) < 0)
                        return 1;
        }
        return r;
}
