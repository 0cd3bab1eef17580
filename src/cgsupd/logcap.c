/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "ansi-strip.h"
#include "byte-ring.h"
#include "fd-util.h"
#include "log-sink.h"
#include "journal-record.h"
#include "log.h"
#include "logcap.h"

/* A cursor is (epoch << 48) | position. The epoch, random per capture, tells a cursor handed out by an
 * earlier capture of the same stream (before a daemon restart or a reload) from one of ours, so it is never
 * read as a position in the wrong stream (but for one chance in CURSOR_EPOCHS). 2^48 bytes is 256 TiB of
 * output. The epoch is 1..30, so every cursor stays below 2^53: clients that carry numbers as IEEE doubles
 * (JavaScript, Cockpit's D-Bus bridge) get them back exactly, and 2^53 - 1 is free for LOGCAP_CURSOR_TAIL_JS. */
#define CURSOR_EPOCHS 30U
#define CURSOR_POS_BITS 48
#define CURSOR_POS_MASK ((UINT64_C(1) << CURSOR_POS_BITS) - 1)

struct LogCapture {
        sd_event *event;
        char *name;
        int stream;
        bool syslog;
        bool journal;
        OutputRecord record;      /* the journal fields of our lines (journal-record.h) */
        int syslog_fd;            /* borrowed from the manager */
        uint64_t epoch;
        LogSink file;
        LogSink pass;

        int fd;
        bool pipe_grown;          /* F_SETPIPE_SZ tried on this fd */
        sd_event_source *in_source;
        bool strip_ansi;
        AnsiState ansi;
        void (*observer)(void *userdata, int stream, const char *data, size_t size);
        void *observer_userdata;

        ByteRing ring;            /* every byte; its end is the stream position */
        bool cleared;             /* log_capture_clear() was called: the journal is no tail any more */
        uint64_t n_lines;         /* newlines seen, for metrics */

        LogLineHook line_hook;    /* a log_line health check */
        void *line_hook_userdata;

        /* Line assembly for the journal, passthrough and the line hook; allocated while a line is open. */
        char *line;
        size_t line_len, line_alloc;
};

void log_chunk_done(LogChunk *chunk) {
        free(chunk->data);
        *chunk = (LogChunk) {};
}

static uint64_t new_epoch(void) {
        uint32_t e = 0;

        if (getrandom(&e, sizeof(e), GRND_NONBLOCK) != sizeof(e))
                e = (uint32_t) getpid() * 2654435761U;
        /* Never 0 (LOGCAP_CURSOR_START's epoch, valid for any capture) nor 31 (LOGCAP_CURSOR_TAIL_JS's). */
        return 1 + e % CURSOR_EPOCHS;
}

int log_capture_new(sd_event *event, const LogCaptureSettings *s, LogCapture **ret) {
        _cleanup_(log_capture_freep) LogCapture *c = NULL;
        int r;

        assert(s);
        assert(ret);
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->event = event ? sd_event_ref(event) : NULL;
        c->fd = -EBADF;
        c->stream = s->stream;
        c->strip_ansi = s->strip_ansi;
        c->observer = s->observer;
        c->observer_userdata = s->observer_userdata;
        c->epoch = new_epoch();
        log_sink_init(&c->file, event);
        log_sink_init(&c->pass, event);
        c->name = strdup(s->name);
        if (!c->name)
                return -ENOMEM;

        if (s->config) {
                c->syslog = s->config->syslog;
                if (s->config->path) {
                        r = log_sink_open_file(&c->file, s->config);
                        if (r < 0)
                                return r;
                }
        }
        /* The files hold the history; the ring then only needs to serve readers that keep up. */
        c->ring = BYTE_RING_INIT(LOGCAP_RING_MIN, c->file.n_segments > 0 ? LOGCAP_RING_MAX_FILE : LOGCAP_RING_MAX);
        c->journal = s->journal;
        if (c->syslog && c->journal) {
                r = output_record_init(&c->record, s->name, s->group, s->stream);
                if (r < 0)
                        return r;
        }
        c->syslog_fd = s->syslog_fd;
        if (s->passthrough) {
                r = log_sink_open_fd(&c->pass, s->passthrough_fd >= 0 ? s->passthrough_fd : STDOUT_FILENO);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static void detach(LogCapture *c) {
        c->in_source = sd_event_source_disable_unref(c->in_source);
        c->fd = safe_close(c->fd);
        c->pipe_grown = false;
}

LogCapture *log_capture_free(LogCapture *c) {
        if (!c)
                return NULL;
        detach(c);
        log_sink_done(&c->file);
        log_sink_done(&c->pass);
        sd_event_unref(c->event);
        byte_ring_done(&c->ring);
        output_record_done(&c->record);
        free(c->name);
        free(c->line);
        free(c);
        return NULL;
}

static bool wants_lines(const LogCapture *c) {
        return (c->syslog && (c->journal || c->syslog_fd >= 0)) || c->pass.fd >= 0 || c->line_hook;
}

/* RFC 3164 without a timestamp (the receiver adds it): "<PRI>name: line". A full socket drops the line:
 * the log file has it, and the loop never waits for a syslog daemon. */
static void syslog_send(LogCapture *c, const char *line, size_t len) {
        char head[64 + 256];
        int hl = snprintf(head, sizeof(head), "<%d>%.200s: ", LOG_DAEMON | (c->stream == 2 ? LOG_WARNING : LOG_INFO),
                          c->name);
        struct iovec iov[2] = {
                { .iov_base = head, .iov_len = (size_t) MAX(hl, 0) },
                { .iov_base = (void *) line, .iov_len = len },
        };
        struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

        (void) sendmsg(c->syslog_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void emit_line(LogCapture *c, const char *line, size_t len) {
        if (c->line_hook)
                c->line_hook(c->line_hook_userdata, line, len);
        if (c->syslog && c->journal) {
                struct iovec iov[OUTPUT_RECORD_IOV];
                int n = output_record_build(&c->record, line, len, iov);

                if (n > 0)
                        (void) sd_journal_sendv(iov, n);
        } else if (c->syslog && c->syslog_fd >= 0)
                syslog_send(c, line, len);

        if (c->pass.fd >= 0) {
                size_t pl = strlen(c->name);
                _cleanup_free_ char *buf = malloc(pl + 2 + len + 1);

                if (!buf) {
                        c->pass.dropped += len + 1;
                        return;
                }
                memcpy(buf, c->name, pl);
                memcpy(buf + pl, ": ", 2);
                memcpy(buf + pl + 2, line, len);
                buf[pl + 2 + len] = '\n';
                log_sink_write(&c->pass, 0, buf, pl + 2 + len + 1);
        }
}

/* Appends to the open line, growing its buffer as needed up to LOGCAP_LINE_MAX. */
static bool line_append(LogCapture *c, const char *data, size_t n) {
        if (c->line_len + n > c->line_alloc) {
                size_t a = MAX(c->line_alloc * 2, (size_t) 256);
                char *l;

                while (a < c->line_len + n)
                        a *= 2;
                a = MIN(a, (size_t) LOGCAP_LINE_MAX);
                l = realloc(c->line, a);
                if (!l)
                        return false;
                c->line = l;
                c->line_alloc = a;
        }
        memcpy(c->line + c->line_len, data, n);
        c->line_len += n;
        return true;
}

static void line_close(LogCapture *c) {
        emit_line(c, c->line ?: "", c->line_len);
        c->line_len = 0;
        /* Do not keep a big buffer around for a program that once printed a long line. */
        if (c->line_alloc > 4096) {
                free(c->line);
                c->line = NULL;
                c->line_alloc = 0;
        }
}

/* Journal records and passthrough are line-based: split at newlines, and at LOGCAP_LINE_MAX. */
static void feed_lines(LogCapture *c, const char *data, size_t n) {
        while (n > 0) {
                const char *nl = memchr(data, '\n', n);
                size_t take = nl ? (size_t) (nl - data) : n;
                size_t room = LOGCAP_LINE_MAX - c->line_len;

                if (take >= room) {
                        if (line_append(c, data, room))
                                line_close(c);
                        data += room;
                        n -= room;
                        continue;
                }
                if (take > 0 && !line_append(c, data, take))
                        c->line_len = 0; /* out of memory: this line is lost to the journal */
                data += take;
                n -= take;
                if (nl) {
                        line_close(c);
                        data++;
                        n--;
                }
        }
}

void log_capture_feed(LogCapture *c, const char *data, size_t n) {
        uint64_t pos = c->ring.end;

        if (n == 0)
                return;
        for (const char *p = data, *e = data + n; (p = memchr(p, '\n', (size_t) (e - p))); p++)
                c->n_lines++;
        /* Without memory the bytes still count (their positions pass), they are just not in the ring. */
        (void) byte_ring_append(&c->ring, data, n);
        log_sink_write(&c->file, pos, data, n);
        if (wants_lines(c))
                feed_lines(c, data, n);
        if (c->observer)
                c->observer(c->observer_userdata, c->stream, data, n);
}

void log_capture_flush(LogCapture *c) {
        if (c->line_len > 0)
                line_close(c);
}

/* A program that fills the pipe (64 KiB by default) gets a pipe this big, so that each wakeup moves more
 * and the writer blocks less often: 1 MiB took the capture of a flat-out writer from 0.93x to 1.1x a plain
 * 64 KiB read/write copy (tools/bench/run, 256 KiB: 0.91x). Only then, and only as root: the kernel
 * charges pipe buffers to the user, and an unprivileged user over pipe-user-pages-soft gets tiny pipes
 * everywhere (pipe(7)); root is exempt. A quiet program never needs more. */
#define LOGCAP_PIPE_GROWN (1024U * 1024U)

static void grow_pipe(LogCapture *c) {
        if (c->pipe_grown)
                return;
        c->pipe_grown = true;
        /* EPERM above /proc/sys/fs/pipe-max-size: the default size still works. */
        if (geteuid() == 0)
                (void) fcntl(c->fd, F_SETPIPE_SZ, (int) LOGCAP_PIPE_GROWN);
}

/* Reads a bounded amount per wakeup so one chatty program cannot starve the loop. Large reads: every read
 * goes to the log file in one write(2), whatever the lines. Returns true when the pipe may hold more (the
 * bound was reached), false when it was emptied (a short read, EAGAIN) or closed. */
static bool read_some(LogCapture *c, unsigned max_reads) {
        char buf[256 * 1024];

        for (unsigned i = 0; i < max_reads && c->fd >= 0; i++) {
                ssize_t k = read(c->fd, buf, sizeof(buf));
                if (k > 0) {
                        log_capture_feed(c, buf, c->strip_ansi ? ansi_strip(&c->ansi, buf, (size_t) k) : (size_t) k);
                        /* A pipe's read returns all it holds up to the size: a short read emptied it. */
                        if ((size_t) k < 64 * 1024)
                                return false;
                        grow_pipe(c);
                        if ((size_t) k < sizeof(buf))
                                return false;
                        continue;
                }
                if (k < 0 && (errno == EINTR))
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return false;
                /* EOF: every writer (the program and anything it forked) closed the pipe. */
                log_capture_flush(c);
                detach(c);
                return false;
        }
        return c->fd >= 0;
}

static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        /* Edge-triggered (log_capture_attach()): stopped at the bound with data left, the watch is armed
         * again, which reports the pipe at once while it is readable. */
        if (read_some(userdata, 8))
                return sd_event_source_set_io_events(s, EPOLLIN | EPOLLET);
        return 0;
}

int log_capture_attach(LogCapture *c, int fd) {
        int r;

        detach(c);
        log_capture_flush(c);
        r = log_sink_reopen(&c->file);
        if (r < 0)
                log_warning_errno(r, "Cannot open log file %s for %s, its output is kept in memory only: %m",
                                  c->file.path, c->name);
        r = fd_set_nonblock(fd, true);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        c->fd = fd;
        if (!c->event)
                return 0;
        /* Edge-triggered: a pipe whose writers are gone stays readable (EOF) until its turn comes, and
         * sd-event dispatches one source per iteration, so with level-triggering every epoll_wait() polled
         * every such pipe again (a stop of 1,000 programs spent a quarter of its time in pipe_poll). */
        r = sd_event_add_io(c->event, &c->in_source, fd, EPOLLIN | EPOLLET, on_input, c);
        if (r < 0) {
                c->fd = safe_close(c->fd);
                return r;
        }
        (void) sd_event_source_set_description(c->in_source, "log-capture");
        return 0;
}

void log_capture_drain(LogCapture *c) {
        /* Data left after the bound still raises an edge for the watch (it was never emptied). */
        if (read_some(c, 64) && c->in_source)
                (void) sd_event_source_set_io_events(c->in_source, EPOLLIN | EPOLLET);
}

bool log_capture_is_attached(const LogCapture *c) {
        return c->fd >= 0;
}

static uint64_t cursor_make(const LogCapture *c, uint64_t pos) {
        return (c->epoch << CURSOR_POS_BITS) | (pos & CURSOR_POS_MASK);
}

void log_capture_set_pid(LogCapture *c, pid_t pid) {
        assert(c);
        output_record_set_pid(&c->record, pid);
}

uint64_t log_capture_end_cursor(const LogCapture *c) {
        return cursor_make(c, c->ring.end);
}

/* The initial `tail`: the end of the log file when there is one (it may hold earlier runs, as supervisorctl
 * shows them), else of the ring. */
static int read_tail(LogCapture *c, size_t max, LogChunk *ret) {
        uint64_t start = byte_ring_start(&c->ring);
        ssize_t k;

        ret->data = malloc(MAX(max, (size_t) 1));
        if (!ret->data)
                return -ENOMEM;
        k = log_sink_read_tail(&c->file, ret->data, max);
        /* Output that goes only to the journal, and nothing captured yet by this daemon (it was restarted
         * or reloaded): the journal still has what the stream said before. */
        if (k < 0 && c->syslog && c->journal && c->ring.end == 0 && !c->cleared && max > 0)
                k = output_record_read_journal_tail(&c->record, ret->data, max);
        if (k >= 0)
                ret->size = (size_t) k;
        else {
                if (c->ring.end - start > max)
                        start = c->ring.end - max;
                ret->size = byte_ring_copy(&c->ring, start, ret->data, max);
        }
        ret->next_cursor = log_capture_end_cursor(c);
        return 0;
}

int log_capture_read(LogCapture *c, uint64_t cursor, size_t max, LogChunk *ret) {
        uint64_t end = c->ring.end, pos = cursor & CURSOR_POS_MASK, oldest, lost = 0;
        LogChunk chunk = {};

        assert(c);
        assert(ret);
        if (cursor == LOGCAP_CURSOR_TAIL || cursor == LOGCAP_CURSOR_TAIL_JS) {
                int r = read_tail(c, max, &chunk);
                if (r < 0)
                        return r;
                *ret = chunk;
                return 0;
        }
        oldest = MIN(byte_ring_start(&c->ring), log_sink_oldest(&c->file));
        if ((cursor >> CURSOR_POS_BITS) != 0 && (cursor >> CURSOR_POS_BITS) != c->epoch) {
                /* An earlier capture's cursor: continue from the oldest byte we have, and say that what lies
                 * in between is unknown. */
                pos = oldest;
                lost = LOGCAP_LOST_UNKNOWN;
        } else if (pos > end)
                pos = end; /* cannot be ours; nothing to repeat */
        if (pos < oldest) {
                lost = oldest - pos;
                pos = oldest;
        }

        chunk.data = malloc(MAX(max, (size_t) 1));
        if (!chunk.data)
                return -ENOMEM;
        while (chunk.size < max && pos < end) {
                uint64_t next = UINT64_MAX;
                size_t n;

                if (pos >= byte_ring_start(&c->ring))
                        n = byte_ring_copy(&c->ring, pos, chunk.data + chunk.size, max - chunk.size);
                else
                        n = log_sink_read(&c->file, pos, chunk.data + chunk.size,
                                          (size_t) MIN((uint64_t) (max - chunk.size), byte_ring_start(&c->ring) - pos),
                                          &next);
                if (n > 0) {
                        chunk.size += n;
                        pos += n;
                        continue;
                }
                /* A gap: report it with the next call, so the reader knows where it was. */
                if (chunk.size > 0)
                        break;
                next = MIN(next, byte_ring_start(&c->ring));
                if (lost != LOGCAP_LOST_UNKNOWN)
                        lost += next - pos;
                pos = next;
        }
        chunk.next_cursor = cursor_make(c, pos);
        chunk.lost = lost;
        *ret = chunk;
        return 0;
}

uint64_t log_capture_lines(const LogCapture *c) {
        return c->n_lines;
}

uint64_t log_capture_bytes(const LogCapture *c) {
        return c->ring.end; /* the stream position: every byte fed counts, overwritten in the ring or not */
}

uint64_t log_capture_bytes_dropped(const LogCapture *c) {
        return c->file.dropped + c->pass.dropped;
}

size_t log_capture_ring_size(const LogCapture *c) {
        return c->ring.size;
}

int log_capture_reopen(LogCapture *c) {
        return log_sink_reopen(&c->file);
}

int log_capture_rotate(LogCapture *c) {
        return log_sink_rotate(&c->file);
}

int log_capture_clear(LogCapture *c) {
        int r;

        assert(c);
        byte_ring_clear(&c->ring);
        c->cleared = true;
        r = log_sink_clear(&c->file);
        return r == -EOPNOTSUPP ? 0 : r;
}

void log_capture_set_line_hook(LogCapture *c, LogLineHook hook, void *userdata) {
        c->line_hook = hook;
        c->line_hook_userdata = userdata;
}
