/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "fd-util.h"
#include "log.h"
#include "log-rotate.h"
#include "logcap.h"
#include "logdir.h"

/* One destination with its own bounded queue. Regular files are written directly (the page cache never
 * says EAGAIN); pipes, FIFOs, ttys and sockets are written non-blocking and queued when they are full. */
typedef struct LogSink {
        sd_event *event;
        int fd;
        char *path;              /* NULL for the passthrough sink */
        bool regular;            /* a regular file: rotation and size accounting apply */
        uint64_t size;
        uint64_t maxbytes;
        unsigned backups;
        char *queue;
        size_t queue_len;
        uint64_t dropped;        /* total, for status */
        uint64_t dropped_pending;/* not yet reported with a marker line */
        sd_event_source *out_source;
        bool failed_logged;
} LogSink;

struct LogCapture {
        sd_event *event;
        char *name;
        int stream;
        bool syslog;
        bool journal;
        LogSink file;
        LogSink pass;

        int fd;
        sd_event_source *in_source;

        char *line;              /* LOGCAP_LINE_MAX + 1 (room for the '\n') */
        size_t line_len;
        char *scratch;           /* passthrough line with prefix */

        char ring[LOGCAP_RING_SIZE];
        size_t ring_pos, ring_fill;
        uint64_t n_lines;
};

static void sink_init(LogSink *s, sd_event *e) {
        *s = (LogSink) { .event = e, .fd = -EBADF };
}

static void sink_done(LogSink *s) {
        s->out_source = sd_event_source_disable_unref(s->out_source);
        s->fd = safe_close(s->fd);
        free(s->path);
        s->path = NULL;
        free(s->queue);
        s->queue = NULL;
        s->queue_len = 0;
}

static int sink_open_file(LogSink *s) {
        struct stat st;
        int fd;

        /* O_NONBLOCK matters only for FIFOs/ttys (/dev/stdout behind a pipe); regular files ignore it. */
        fd = log_file_open(s->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 && errno == ENXIO) {
                int n = -1;
                /* /dev/stdout on a socket (journald stream) cannot be reopened: share the descriptor. */
                if (streq(s->path, "/dev/stdout"))
                        n = STDOUT_FILENO;
                else if (streq(s->path, "/dev/stderr"))
                        n = STDERR_FILENO;
                else if (sscanf(s->path, "/dev/fd/%d", &n) != 1)
                        n = -1;
                if (n >= 0)
                        fd = fcntl(n, F_DUPFD_CLOEXEC, 3);
        }
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                safe_close(fd);
                return r;
        }
        s->fd = fd;
        s->regular = S_ISREG(st.st_mode);
        s->size = s->regular ? (uint64_t) st.st_size : 0;
        return 0;
}

static int sink_rotate(LogSink *s) {
        int r;

        s->fd = safe_close(s->fd);
        r = log_rotate_files(s->path, s->backups);
        if (r < 0)
                log_warning_errno(r, "Failed to rotate %s, ignoring: %m", s->path);
        return sink_open_file(s);
}

static int sink_on_writable(sd_event_source *es, int fd, uint32_t revents, void *userdata);

static void sink_enqueue(LogSink *s, const char *data, size_t n) {
        char *q;

        if (s->queue_len + n > LOGCAP_QUEUE_MAX) {
                s->dropped += n;
                s->dropped_pending += n;
                return;
        }
        q = realloc(s->queue, s->queue_len + n);
        if (!q) {
                s->dropped += n;
                s->dropped_pending += n;
                return;
        }
        memcpy(q + s->queue_len, data, n);
        s->queue = q;
        s->queue_len += n;

        if (!s->out_source && s->event) {
                if (sd_event_add_io(s->event, &s->out_source, s->fd, EPOLLOUT, sink_on_writable, s) < 0)
                        s->out_source = NULL;
        } else if (s->out_source)
                (void) sd_event_source_set_enabled(s->out_source, SD_EVENT_ON);
}

/* Writes what it can now; returns bytes written (0 if it would block), or -errno. */
static ssize_t sink_write_now(LogSink *s, const char *data, size_t n) {
        size_t done = 0;

        while (done < n) {
                ssize_t k = write(s->fd, data + done, n - done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        return done > 0 ? (ssize_t) done : -errno;
                }
                done += (size_t) k;
        }
        return (ssize_t) done;
}

static void sink_write(LogSink *s, const char *data, size_t n);

static void sink_report_dropped(LogSink *s) {
        char marker[96];
        uint64_t d = s->dropped_pending;
        int k;

        if (d == 0)
                return;
        s->dropped_pending = 0;
        k = snprintf(marker, sizeof(marker), "[cgsupd: %llu bytes dropped]\n", (unsigned long long) d);
        sink_write(s, marker, (size_t) k);
}

static void sink_write(LogSink *s, const char *data, size_t n) {
        ssize_t k;

        if (s->fd < 0)
                return;
        if (s->queue_len > 0) {
                /* Keep the order: once queued, everything queues until the sink drains. */
                sink_enqueue(s, data, n);
                return;
        }
        if (s->regular && s->maxbytes > 0 && s->size > 0 && s->size + n > s->maxbytes) {
                if (sink_rotate(s) < 0) {
                        if (!s->failed_logged)
                                log_error("Cannot reopen log file %s after rotation, output lost", s->path);
                        s->failed_logged = true;
                        s->dropped += n;
                        return;
                }
        }
        if (s->dropped_pending > 0 && !s->queue_len) {
                uint64_t d = s->dropped_pending;
                char marker[96];
                int m;

                s->dropped_pending = 0;
                m = snprintf(marker, sizeof(marker), "[cgsupd: %llu bytes dropped]\n", (unsigned long long) d);
                k = sink_write_now(s, marker, (size_t) m);
                if (k >= 0 && (size_t) k < (size_t) m)
                        sink_enqueue(s, marker + k, (size_t) m - (size_t) k);
                if (k > 0)
                        s->size += (uint64_t) k;
        }
        k = sink_write_now(s, data, n);
        if (k < 0) {
                if (!s->failed_logged)
                        log_warning_errno((int) k, "Failed to write to %s, dropping output: %m",
                                          s->path ?: "stdout");
                s->failed_logged = true;
                s->dropped += n;
                s->dropped_pending += n;
                return;
        }
        s->size += (uint64_t) k;
        if ((size_t) k < n)
                sink_enqueue(s, data + k, n - (size_t) k);
}

static int sink_on_writable(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        LogSink *s = userdata;
        ssize_t k;

        if (s->queue_len > 0) {
                k = sink_write_now(s, s->queue, s->queue_len);
                if (k < 0) {
                        /* Reader went away (EPIPE): give up on the queue, count it. */
                        s->dropped += s->queue_len;
                        s->queue_len = 0;
                } else if (k > 0) {
                        memmove(s->queue, s->queue + k, s->queue_len - (size_t) k);
                        s->queue_len -= (size_t) k;
                }
        }
        if (s->queue_len == 0) {
                (void) sd_event_source_set_enabled(s->out_source, SD_EVENT_OFF);
                sink_report_dropped(s);
        }
        return 0;
}

int log_capture_new(sd_event *event, const LogCaptureSettings *s, LogCapture **ret) {
        LogCapture *c;
        int r;

        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->event = event ? sd_event_ref(event) : NULL;
        c->fd = -EBADF;
        c->stream = s->stream;
        sink_init(&c->file, event);
        sink_init(&c->pass, event);
        c->name = strdup(s->name);
        c->line = malloc(LOGCAP_LINE_MAX + 1);
        if (!c->name || !c->line) {
                log_capture_free(c);
                return -ENOMEM;
        }

        if (s->config) {
                c->syslog = s->config->syslog;
                if (s->config->path) {
                        c->file.path = strdup(s->config->path);
                        if (!c->file.path) {
                                log_capture_free(c);
                                return -ENOMEM;
                        }
                        c->file.maxbytes = s->config->maxbytes;
                        c->file.backups = s->config->backups;
                        r = sink_open_file(&c->file);
                        if (r < 0) {
                                log_capture_free(c);
                                return r;
                        }
                }
        }
        c->journal = s->journal;
        if (s->passthrough) {
                int fd = s->passthrough_fd >= 0 ? s->passthrough_fd : STDOUT_FILENO;
                char p[64];

                /* A fresh open file description, so O_NONBLOCK does not leak onto the terminal or pipe
                 * we share with other processes; sockets cannot be reopened and are shared as they are. */
                snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
                c->pass.fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_APPEND);
                if (c->pass.fd < 0)
                        c->pass.fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                c->scratch = malloc(LOGCAP_LINE_MAX + strlen(c->name) + 16);
                if (!c->scratch) {
                        log_capture_free(c);
                        return -ENOMEM;
                }
        }
        *ret = c;
        return 0;
}

static void detach(LogCapture *c) {
        c->in_source = sd_event_source_disable_unref(c->in_source);
        c->fd = safe_close(c->fd);
}

LogCapture *log_capture_free(LogCapture *c) {
        if (!c)
                return NULL;
        detach(c);
        sink_done(&c->file);
        sink_done(&c->pass);
        sd_event_unref(c->event);
        free(c->name);
        free(c->line);
        free(c->scratch);
        free(c);
        return NULL;
}

static void ring_append(LogCapture *c, const char *data, size_t n) {
        if (n >= LOGCAP_RING_SIZE) {
                data += n - LOGCAP_RING_SIZE;
                n = LOGCAP_RING_SIZE;
        }
        while (n > 0) {
                size_t chunk = MIN(n, LOGCAP_RING_SIZE - c->ring_pos);
                memcpy(c->ring + c->ring_pos, data, chunk);
                c->ring_pos = (c->ring_pos + chunk) % LOGCAP_RING_SIZE;
                c->ring_fill = MIN(c->ring_fill + chunk, (size_t) LOGCAP_RING_SIZE);
                data += chunk;
                n -= chunk;
        }
}

/* @line has room for one more byte at line[len]. */
static void emit_line(LogCapture *c, char *line, size_t len) {
        c->n_lines++;
        line[len] = '\n';
        ring_append(c, line, len + 1);
        sink_write(&c->file, line, len + 1);

        if (c->syslog && c->journal)
                (void) sd_journal_send("MESSAGE=%.*s", (int) len, line, "PRIORITY=%i",
                                       c->stream == 2 ? LOG_WARNING : LOG_INFO, "CGSUP_PROGRAM=%s", c->name,
                                       "SYSLOG_IDENTIFIER=%s", c->name, "CGSUP_STREAM=%s",
                                       c->stream == 2 ? "stderr" : "stdout", NULL);

        if (c->pass.fd >= 0) {
                size_t pl = strlen(c->name);
                memcpy(c->scratch, c->name, pl);
                memcpy(c->scratch + pl, ": ", 2);
                memcpy(c->scratch + pl + 2, line, len + 1);
                sink_write(&c->pass, c->scratch, pl + 2 + len + 1);
        }
}

void log_capture_feed(LogCapture *c, const char *data, size_t n) {
        while (n > 0) {
                const char *nl = memchr(data, '\n', n);
                size_t take = nl ? (size_t) (nl - data) : n;
                size_t room = LOGCAP_LINE_MAX - c->line_len;

                if (take >= room) {
                        /* Over-long line: emit what fits as a line of its own and continue. */
                        memcpy(c->line + c->line_len, data, room);
                        emit_line(c, c->line, LOGCAP_LINE_MAX);
                        c->line_len = 0;
                        data += room;
                        n -= room;
                        continue;
                }
                memcpy(c->line + c->line_len, data, take);
                c->line_len += take;
                data += take;
                n -= take;
                if (nl) {
                        emit_line(c, c->line, c->line_len);
                        c->line_len = 0;
                        data++;
                        n--;
                }
        }
}

void log_capture_flush(LogCapture *c) {
        if (c->line_len > 0) {
                emit_line(c, c->line, c->line_len);
                c->line_len = 0;
        }
}

/* Reads a bounded amount per wakeup so one chatty program cannot starve the loop. */
static void read_some(LogCapture *c, unsigned max_reads) {
        char buf[64 * 1024];

        for (unsigned i = 0; i < max_reads && c->fd >= 0; i++) {
                ssize_t k = read(c->fd, buf, sizeof(buf));
                if (k > 0) {
                        log_capture_feed(c, buf, (size_t) k);
                        if ((size_t) k < sizeof(buf))
                                return;
                        continue;
                }
                if (k < 0 && (errno == EINTR))
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return;
                /* EOF: every writer (the program and anything it forked) closed the pipe. */
                log_capture_flush(c);
                detach(c);
                return;
        }
}

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        read_some(userdata, 8);
        return 0;
}

int log_capture_attach(LogCapture *c, int fd) {
        int r;

        detach(c);
        log_capture_flush(c);
        r = fd_set_nonblock(fd, true);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        c->fd = fd;
        if (!c->event)
                return 0;
        r = sd_event_add_io(c->event, &c->in_source, fd, EPOLLIN, on_input, c);
        if (r < 0) {
                c->fd = safe_close(c->fd);
                return r;
        }
        (void) sd_event_source_set_description(c->in_source, "log-capture");
        return 0;
}

void log_capture_drain(LogCapture *c) {
        read_some(c, 64);
}

bool log_capture_is_attached(const LogCapture *c) {
        return c->fd >= 0;
}

int log_capture_tail(LogCapture *c, size_t max, char **ret) {
        size_t n = MIN(max, c->ring_fill), start;
        char *s;

        s = malloc(n + 1);
        if (!s)
                return -ENOMEM;
        start = (c->ring_pos + LOGCAP_RING_SIZE - n) % LOGCAP_RING_SIZE;
        for (size_t i = 0; i < n; i++)
                s[i] = c->ring[(start + i) % LOGCAP_RING_SIZE];
        s[n] = 0;
        *ret = s;
        return 0;
}

uint64_t log_capture_bytes_dropped(const LogCapture *c) {
        return c->file.dropped + c->pass.dropped;
}

uint64_t log_capture_lines(const LogCapture *c) {
        return c->n_lines;
}

int log_capture_reopen(LogCapture *c) {
        if (!c->file.path)
                return 0;
        c->file.fd = safe_close(c->file.fd);
        return sink_open_file(&c->file);
}
