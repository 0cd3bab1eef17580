/* SPDX-License-Identifier: MIT */
/*
 * tail [-f|-BYTES] NAME [stdout|stderr], fg: program output through GetProgramOutput().
 * Following reads on from the cursor the daemon returned, a few times a second, until Ctrl-C (supervisorctl
 * streams the same over HTTP): every byte once, across rotations and without a log file; bytes that were
 * gone before they could be read are reported on stderr with their count; fg follows both streams until the
 * program stops and, like supervisorctl's fg, sends every line typed to the program's stdin
 * (WriteProgramStdin(), supervisord's sendProcessStdin); the end of input leaves fg.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgsup/bus-names.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"
#include "sctl.h"

#define TAIL_DEFAULT_BYTES 1600
#define FOLLOW_CHUNK (64 * 1024)
#define FOLLOW_INTERVAL_NSEC (250 * 1000 * 1000L)

/* Set by SIGINT while following (the only work the handler does). */
volatile sig_atomic_t follow_interrupted = 0;

static void on_sigint(int sig) {
        follow_interrupted = 1;
}

typedef enum Echo { ECHO_NONE, ECHO_DATA } Echo;

typedef struct Stream {
        const char *name, *channel;
        uint64_t offset; /* GetProgramOutput()'s cursor; UINT64_MAX: not followed (the first read failed) */
} Stream;

/* One GetProgramOutput() call; the data stays in *ret_reply. Returns the daemon's fault (BAD_NAME, FAILED) or
 * SUCCESS. */
static Fault fetch_output(Ctl *c, Stream *s, uint64_t offset, uint64_t max, sd_bus_message **ret_reply,
                          const void **ret_data, size_t *ret_size) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t lost;
        int r;

        r = ctl_manager_call(c, "GetProgramOutput", &reply, &error, "sstt", s->name, s->channel, offset, max);
        if (r < 0) {
                if (sd_bus_error_has_name(&error, CGSUP_ERROR_NO_SUCH_PROGRAM))
                        return FAULT_BAD_NAME;
                ctl_note("%s", sd_bus_error_is_set(&error) ? strna(error.message) : strerror(-r));
                return FAULT_FAILED;
        }
        r = sd_bus_message_read_array(reply, 'y', ret_data, ret_size);
        if (r >= 0)
                r = sd_bus_message_read(reply, "tt", &s->offset, &lost);
        if (r < 0)
                return FAULT_FAILED;
        if (lost == UINT64_MAX)
                ctl_note("%s %s restarted (cgsupd restarted or its log settings were reloaded); output in between "
                         "may be missing", s->name, s->channel);
        else if (lost > 0)
                ctl_note("%" PRIu64 " bytes of %s %s were lost before they could be read", lost, s->name, s->channel);
        *ret_reply = TAKE_PTR(reply);
        return FAULT_SUCCESS;
}

/* One read; data is written to stdout. */
static Fault read_output(Ctl *c, Stream *s, uint64_t offset, uint64_t max, Echo echo) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const void *data;
        size_t size;
        Fault f;

        f = fetch_output(c, s, offset, max, &reply, &data, &size);
        if (f != FAULT_SUCCESS)
                return f;
        (void) fflush(stdout);
        if (echo != ECHO_NONE && size > 0)
                (void) loop_write(STDOUT_FILENO, data, size);
        return FAULT_SUCCESS;
}

/* The log file cgsupd writes @s to, opened for reading; -errno when there is none we can read here (no log
 * file, one that is not a regular file such as /dev/stdout, not readable by us). */
static int open_log_file(Ctl *c, const Stream *s) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        r = ctl_program_property(c, s->name, streq(s->channel, "stderr") ? "StderrLogfile" : "StdoutLogfile", 's',
                                 &path);
        if (r < 0)
                return r;
        if (isempty(path) || path[0] != '/')
                return -ENOENT;
        /* O_NONBLOCK: a FIFO named as the log file must not hang us; it is refused below. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return TAKE_FD(fd);
}

/* tail -BYTES: readProcessStdoutLog(name, -BYTES, 0), printed with output()'s newline. supervisord reads the
 * log file, and so do we, by the name cgsupd gives, in chunks: "-0" is all of it however big, "--N" from
 * offset N. Where there is no file we can read, GetProgramOutput() gives the end of what cgsupd holds, at most
 * SCTL_OUTPUT_MAX bytes per call. */
static Fault show_tail(Ctl *c, Stream *s, int64_t bytes) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_close_ int fd = open_log_file(c, s);
        const uint8_t *data;
        size_t size, start;
        Fault f;

        if (fd >= 0) {
                if (readfile_copy(fd, bytes) < 0)
                        return FAULT_FAILED;
                (void) loop_write(STDOUT_FILENO, "\n", 1);
                return FAULT_SUCCESS;
        }
        f = fetch_output(c, s, UINT64_MAX, bytes > 0 ? (uint64_t) bytes : SCTL_OUTPUT_MAX, &reply,
                         (const void **) &data, &size);
        if (f != FAULT_SUCCESS)
                return f;
        if ((bytes <= 0 || (uint64_t) bytes > SCTL_OUTPUT_MAX) && size >= SCTL_OUTPUT_MAX)
                ctl_note("cgsupd returns at most the last %u bytes of %s %s", SCTL_OUTPUT_MAX, s->name, s->channel);
        start = (size_t) readfile_start(bytes, size);
        (void) fflush(stdout);
        if (size > start)
                (void) loop_write(STDOUT_FILENO, data + start, size - start);
        (void) loop_write(STDOUT_FILENO, "\n", 1);
        return FAULT_SUCCESS;
}

void sigint_catch(struct sigaction *saved) {
        struct sigaction sa = { .sa_handler = on_sigint };

        /* No SA_RESTART: the sleep between reads returns at once on Ctrl-C. */
        follow_interrupted = 0;
        (void) sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGINT, &sa, saved);
}

/* One line typed in fg, to the program's stdin. Returns false when fg should end (the program cannot take it). */
static bool send_line(Ctl *c, const char *name, const char *line, size_t size) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r >= 0)
                r = sd_bus_message_new_method_call(bus, &m, CGSUP_BUS_NAME, CGSUP_BUS_PATH,
                                                   CGSUP_BUS_MANAGER_INTERFACE, "WriteProgramStdin");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_append_array(m, 'y', line, size);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &error, NULL);
        if (r >= 0)
                return true;
        ctl_note("%s", sd_bus_error_is_set(&error) ? strna(error.message) : strerror(-r));
        /* A full pipe loses this line only (supervisorctl would block); anything else ends fg. */
        return sd_bus_error_has_name(&error, CGSUP_ERROR_STDIN_FULL);
}

/* Waits a follow interval; with @stdin_to, meanwhile sends each complete line typed on our stdin to that
 * program. Returns false at the end of input or when the program cannot take input any more. */
static bool wait_forwarding(Ctl *c, const char *stdin_to) {
        static char line[4096];
        static size_t n_line;
        struct timespec ts = { .tv_nsec = FOLLOW_INTERVAL_NSEC };
        struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
        ssize_t n;
        char *nl;

        if (!stdin_to) {
                (void) nanosleep(&ts, NULL);
                return true;
        }
        if (poll(&pfd, 1, (int) (FOLLOW_INTERVAL_NSEC / 1000000)) <= 0)
                return true; /* timeout, or EINTR from Ctrl-C */
        n = read(STDIN_FILENO, line + n_line, sizeof(line) - n_line);
        if (n <= 0)
                return n < 0 && errno == EINTR;
        n_line += (size_t) n;
        while ((nl = memchr(line, '\n', n_line)) || n_line == sizeof(line)) {
                size_t len = nl ? (size_t) (nl - line) + 1 : n_line;
                if (!send_line(c, stdin_to, line, len))
                        return false;
                memmove(line, line + len, n_line - len);
                n_line -= len;
        }
        return true;
}

/* Follows @streams until Ctrl-C, or until @until_stopped's program is no longer RUNNING (fg: its stdin gets
 * the lines we read, and the end of our input ends it too). Returns true when it ended on Ctrl-C. */
static bool follow(Ctl *c, Stream *streams, size_t n, const char *until_stopped) {
        struct sigaction saved;
        bool by_user;

        sigint_catch(&saved);
        while (!follow_interrupted) {

                for (size_t i = 0; i < n; i++)
                        if (streams[i].offset != UINT64_MAX &&
                            read_output(c, &streams[i], streams[i].offset, FOLLOW_CHUNK, ECHO_DATA) != FAULT_SUCCESS)
                                follow_interrupted = 1;
                if (until_stopped) {
                        _cleanup_free_ char *state = NULL;
                        if (ctl_program_property(c, until_stopped, "State", 's', &state) < 0 ||
                            !streq(state, "RUNNING"))
                                break;
                }
                if (!wait_forwarding(c, until_stopped)) {
                        follow_interrupted = 1; /* supervisorctl's fg ends on EOFError like on Ctrl-C */
                        break;
                }
        }
        by_user = follow_interrupted;
        (void) sigaction(SIGINT, &saved, NULL);
        return by_user;
}

/* The instance a namespec names ("name" or "group:name"), or NULL. */
static const Proc *find_namespec(Ctl *c, const char *spec) {
        _cleanup_free_ char *group = NULL, *name = NULL;

        if (split_namespec(spec, &group, &name) < 0 || !name)
                return NULL;
        return proc_find(c, group, name);
}

/* Python's repr() of a str, as supervisorctl's "bad channel %r" shows it. */
static void output_bad_channel(const char *channel) {
        char quote = strchr(channel, '\'') && !strchr(channel, '"') ? '"' : '\'';
        _cleanup_free_ char *buf = malloc(strlen(channel) * 4 + 1);
        char *o = buf;

        if (!buf)
                return;
        for (const unsigned char *p = (const unsigned char *) channel; *p; p++)
                if (*p == '\\' || *p == (unsigned char) quote)
                        o += sprintf(o, "\\%c", *p);
                else if (*p < 0x20 || *p == 0x7f)
                        o += sprintf(o, "\\x%02x", *p);
                else
                        *o++ = (char) *p;
        *o = 0;
        ctl_output("Error: bad channel %c%s%c", quote, buf, quote);
}

void cmd_tail(Ctl *c, char **args, size_t n, const char *arg) {
        const char *modifier = NULL, *spec, *channel = "stdout";
        int64_t bytes = TAIL_DEFAULT_BYTES;
        bool follow_mode = false;
        const Proc *p;
        Stream s;
        Fault f;

        if (!ctl_upcheck(c) ||
            !ctl_usage_check(c, n < 1 || n > 3, n < 1 ? "Error: too few arguments" : "Error: too many arguments",
                             SCTL_EXIT_GENERIC, "tail"))
                return;
        if (args[0][0] == '-') {
                modifier = args[0];
                args++;
                n--;
        }
        if (n == 0) {
                ctl_output("Error: tail requires process name");
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        spec = args[0];
        if (n > 1) {
                for (char *ch = args[n - 1]; *ch; ch++) /* supervisorctl: args[-1].lower() */
                        if (*ch >= 'A' && *ch <= 'Z')
                                *ch = (char) (*ch - 'A' + 'a');
                channel = args[n - 1];
                if (!streq(channel, "stdout") && !streq(channel, "stderr")) {
                        output_bad_channel(channel);
                        c->exitstatus = SCTL_EXIT_GENERIC;
                        return;
                }
        }
        if (modifier) {
                int r;

                if (streq(modifier, "-f"))
                        follow_mode = true;
                else if ((r = parse_bytes_modifier(modifier, &bytes)) < 0)
                        return bytes_modifier_refused(c, modifier, r);
        }

        p = find_namespec(c, spec);
        if (!p) {
                ctl_output("%s: ERROR (no such process name)", spec);
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        s = (Stream) { .name = p->name, .channel = channel };
        if (follow_mode)
                ctl_output("==> Press Ctrl-C to exit <==");
        f = follow_mode ? read_output(c, &s, UINT64_MAX, TAIL_DEFAULT_BYTES, ECHO_DATA) : show_tail(c, &s, bytes);
        if (f != FAULT_SUCCESS) {
                ctl_output("%s: ERROR (%s)", spec, f == FAULT_BAD_NAME ? "no such process name"
                                                                        : "unknown error reading log");
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (!follow_mode)
                return;
        (void) follow(c, &s, 1, NULL);
        ctl_output("%s", "");
}

void cmd_fg(Ctl *c, char **args, size_t n, const char *arg) {
        const Proc *p;
        Stream streams[2];

        if (!ctl_upcheck(c) ||
            !ctl_usage_check(c, n == 0, "ERROR: no process name supplied", SCTL_EXIT_GENERIC, "fg") ||
            !ctl_usage_check(c, n > 1, "ERROR: too many process names supplied", SCTL_EXIT_GENERIC, NULL))
                return;
        p = find_namespec(c, args[0]);
        if (!p) {
                ctl_output("ERROR: bad process name supplied");
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (!streq(state_word(p->state), "RUNNING")) {
                ctl_output("ERROR: process not running");
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        ctl_output("==> Press Ctrl-C to exit <==");
        streams[0] = (Stream) { .name = p->name, .channel = "stdout", .offset = UINT64_MAX };
        streams[1] = (Stream) { .name = p->name, .channel = "stderr", .offset = UINT64_MAX };
        /* Start from the end: fg shows what the program writes from now on. */
        for (size_t i = 0; i < ELEMENTSOF(streams); i++)
                if (read_output(c, &streams[i], UINT64_MAX, 1, ECHO_NONE) != FAULT_SUCCESS)
                        streams[i].offset = UINT64_MAX;
        if (!follow(c, streams, ELEMENTSOF(streams), p->name))
                ctl_output("Process got killed");
        ctl_output("Exiting foreground");
}
