/* SPDX-License-Identifier: MIT */
/*
 * attach NAME [--detach-key=^]]: connects the terminal to a program (Kahi's "ctl attach", supervisorctl's
 * fg). What is typed goes to the program's stdin through WriteProgramStdin() as it is typed (the terminal
 * in raw mode: no line editing, Ctrl-C is a byte for the program; Enter sends a newline and keys are
 * echoed locally, because the program reads a pipe, not a terminal). Its output is followed by cursor
 * with GetProgramOutput(), as tail -f does. Ctrl-] (or the --detach-key) detaches; so does the end of
 * cgsupctl's stdin, and the program leaving the running states. Only bus methods are used, so attach works
 * over -H as well.
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <termios.h>
#include <unistd.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "fd-util.h"
#include "macro.h"
#include "verb-send.h"

#define ATTACH_POLL_USEC (100 * USEC_PER_MSEC)
#define ATTACH_STATE_EVERY 10            /* ticks between two looks at Active (about a second) */
#define ATTACH_CHUNK (64U * 1024U)       /* output bytes per call */
#define ATTACH_PENDING_MAX (64U * 1024U) /* typed bytes waiting for room in the pipe */
#define CURSOR_TAIL UINT64_MAX
#define DETACH_KEY_DEFAULT 0x1d          /* Ctrl-] as in telnet and docker attach */

typedef struct Attach {
        sd_bus *bus;
        sd_event *event;
        sd_event_source *input;
        const char *name;
        char *path;
        int detach_key;
        bool both_streams;               /* stderr is its own stream (no redirect_stderr) */
        bool stdin_pipe;                 /* false: stdin = null, typed keys are dropped (detach key aside) */
        uint64_t cursor[2];
        char pending[ATTACH_PENDING_MAX];
        size_t n_pending;
        unsigned ticks;
        int ret;
} Attach;

static struct termios saved_termios;
static bool termios_saved;

static void terminal_restore(void) {
        if (termios_saved)
                (void) tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_termios);
        termios_saved = false;
}

static int terminal_raw(void) {
        struct termios t;

        if (!isatty(STDIN_FILENO))
                return 0;
        if (tcgetattr(STDIN_FILENO, &saved_termios) < 0)
                return -errno;
        t = saved_termios;
        cfmakeraw(&t);
        /* Raw for the keys (no line editing, no signals: Ctrl-C and Ctrl-D are bytes for the program), but
         * Enter still means a newline, output newlines still return the carriage, and what is typed is
         * echoed: the program reads a pipe and echoes nothing. */
        t.c_iflag |= ICRNL;
        t.c_oflag |= OPOST | ONLCR;
        t.c_lflag |= ECHO;
        if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0)
                return -errno;
        termios_saved = true;
        return 0;
}

/* "^]", "^A" ... "^_", or one character. */
static int parse_detach_key(const char *s) {
        if (s[0] == '^' && s[1] && !s[2]) {
                char c = s[1];
                if (c >= 'a' && c <= 'z')
                        c = (char) (c - 'a' + 'A');
                if (c < '@' || c > '_')
                        return -EINVAL;
                return c - '@';
        }
        if (s[0] && !s[1])
                return (unsigned char) s[0];
        return -EINVAL;
}

static void detach(Attach *a, int ret) {
        a->ret = ret;
        (void) sd_event_exit(a->event, 0);
}

/* Sends what was typed; a full pipe keeps it for the next tick. */
static void flush_pending(Attach *a) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (a->n_pending == 0)
                return;
        r = stdin_write(a->bus, a->name, a->pending, a->n_pending, &error);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, CGSUP_ERROR_STDIN_FULL))
                        return;
                terminal_restore();
                (void) bus_log_call_error(&error, r);
                detach(a, send_exit_status(&error));
                return;
        }
        a->n_pending = 0;
        if (a->input)
                (void) sd_event_source_set_enabled(a->input, SD_EVENT_ON);
}

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Attach *a = userdata;
        size_t room = sizeof(a->pending) - a->n_pending;
        char *key;
        ssize_t n;

        n = read(fd, a->pending + a->n_pending, room);
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : (detach(a, 1), 0);
        if (n == 0) {
                /* End of our stdin: what is left goes out, then we are done. */
                flush_pending(a);
                detach(a, a->ret);
                return 0;
        }
        key = memchr(a->pending + a->n_pending, a->detach_key, (size_t) n);
        if (key) {
                a->n_pending = (size_t) (key - a->pending);
                flush_pending(a);
                detach(a, a->ret);
                return 0;
        }
        if (!a->stdin_pipe)
                return 0; /* nowhere to send them; only the detach key counts */
        a->n_pending += (size_t) n;
        if (a->n_pending == sizeof(a->pending))
                /* The program does not read: stop taking keys until the pipe drains. */
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        flush_pending(a);
        return 0;
}

/* Output of @stream (1 stdout, 2 stderr) from the cursor on. Returns bytes printed or <0. */
static int fetch_output(Attach *a, int stream) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        OutputChunk c;
        int r;

        r = program_output_read(a->bus, a->name, stream == 1 ? "stdout" : "stderr", a->cursor[stream - 1],
                                a->cursor[stream - 1] == CURSOR_TAIL ? 1 : ATTACH_CHUNK, &reply, &c);
        if (r < 0)
                return r;
        /* The first call only finds the end: attach shows what the program writes from now on. */
        if (a->cursor[stream - 1] != CURSOR_TAIL && c.size > 0)
                (void) loop_write(stream == 1 ? STDOUT_FILENO : STDERR_FILENO, c.data, c.size);
        a->cursor[stream - 1] = c.next_cursor;
        return (int) MIN(c.size, (size_t) INT32_MAX);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Attach *a = userdata;
        bool more = false;
        int r;

        for (int stream = 1; stream <= (a->both_streams ? 2 : 1); stream++) {
                r = fetch_output(a, stream);
                if (r < 0) {
                        detach(a, 1);
                        return 0;
                }
                more = more || (size_t) r >= ATTACH_CHUNK;
        }
        flush_pending(a);
        if (++a->ticks % ATTACH_STATE_EVERY == 0) {
                int active = 1;
                r = bus_get_property_trivial(a->bus, CGSUP_BUS_NAME, a->path, CGSUP_BUS_PROGRAM_INTERFACE,
                                             "Active", NULL, 'b', &active);
                if (r >= 0 && !active) {
                        /* What it wrote last is shown before we go. */
                        for (int stream = 1; stream <= (a->both_streams ? 2 : 1); stream++)
                                (void) fetch_output(a, stream);
                        terminal_restore();
                        fprintf(stderr, "\ncgsupctl: %s is no longer running.\n", a->name);
                        detach(a, EXIT_NOT_RUNNING);
                        return 0;
                }
        }
        r = sd_event_source_set_time_relative(s, more ? 0 : ATTACH_POLL_USEC);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

static int attach_setup(Attach *a) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_default(&a->event);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGINT, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(a->event, NULL, SIGHUP, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_io(a->event, &a->input, STDIN_FILENO, EPOLLIN, on_input, a);
        if (r >= 0)
                r = sd_event_add_time_relative(a->event, NULL, CLOCK_MONOTONIC, 0, 0, on_tick, a);
        return r;
}

/* The program's object path; NoSuchProgram in @error. */
static int attach_find(Attach *a, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        int r;

        r = bus_call_method(a->bus, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, "GetProgram",
                               error, &reply, "s", a->name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return r;
        a->path = strdup(path);
        return a->path ? 0 : -ENOMEM;
}

enum { ARG_DETACH_KEY = 0x100 };

const struct option attach_options[] = {
        { "detach-key", required_argument, NULL, ARG_DETACH_KEY },
        {},
};

int verb_attach(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        Attach a = { .detach_key = DETACH_KEY_DEFAULT, .cursor = { CURSOR_TAIL, CURSOR_TAIL } };
        int active = 0, redirect = 0, stdin_pipe = 1, c, r;
        const char *key_text = "^]";

        while ((c = getopt_long(argc, argv, "+", attach_options, NULL)) >= 0)
                switch (c) {
                case ARG_DETACH_KEY:
                        key_text = optarg;
                        a.detach_key = parse_detach_key(key_text);
                        if (a.detach_key < 0)
                                return usage_error("invalid --detach-key '%s' (expected ^X or one character).",
                                                   key_text);
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind != argc - 1)
                return usage_error("attach takes one program name.");
        a.name = argv[optind];

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        a.bus = bus;
        r = attach_find(&a, &error);
        if (r < 0) {
                (void) bus_log_call_error(&error, r);
                return send_exit_status(&error);
        }
        r = bus_get_property_trivial(bus, CGSUP_BUS_NAME, a.path, CGSUP_BUS_PROGRAM_INTERFACE, "Active", &error,
                                     'b', &active);
        if (r >= 0)
                r = bus_get_property_trivial(bus, CGSUP_BUS_NAME, a.path, CGSUP_BUS_PROGRAM_INTERFACE,
                                             "RedirectStderr", &error, 'b', &redirect);
        if (r >= 0)
                r = bus_get_property_trivial(bus, CGSUP_BUS_NAME, a.path, CGSUP_BUS_PROGRAM_INTERFACE,
                                             "StdinPipe", &error, 'b', &stdin_pipe);
        if (r < 0) {
                (void) bus_log_call_error(&error, r);
                free(a.path);
                return 1;
        }
        if (!active) {
                fprintf(stderr, "cgsupctl: cannot attach to '%s': the program is not running.\n", a.name);
                free(a.path);
                return EXIT_NOT_RUNNING;
        }
        a.both_streams = !redirect;
        a.stdin_pipe = stdin_pipe;
        /* Find the ends of the streams before anything can be typed: output caused by the first keys must
         * come after the cursors, or it would be skipped as "before we attached". */
        for (int stream = 1; stream <= (a.both_streams ? 2 : 1); stream++)
                if (fetch_output(&a, stream) < 0) {
                        free(a.path);
                        return 1;
                }
        r = attach_setup(&a);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot set up the event loop: %s\n", strerror(-r));
                a.event = sd_event_unref(a.event);
                free(a.path);
                return 1;
        }
        if (!stdin_pipe)
                fprintf(stderr, "cgsupctl: %s has stdin = null: showing its output only.\n", a.name);
        fprintf(stderr, "Attached to %s (detach with %s).\n", a.name, key_text);
        r = terminal_raw();
        if (r < 0)
                fprintf(stderr, "cgsupctl: cannot put the terminal in raw mode, ignoring: %s\n", strerror(-r));

        r = sd_event_loop(a.event);
        terminal_restore();
        a.input = sd_event_source_disable_unref(a.input);
        a.event = sd_event_unref(a.event);
        free(a.path);
        if (r < 0)
                return 1;
        if (a.ret == 0)
                fprintf(stderr, "\nDetached from %s.\n", a.name);
        return a.ret;
}
