/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd-util.h"
#include "log-compress.h"
#include "log-rotate.h"
#include "log-sink.h"
#include "log.h"
#include "logcap.h"
#include "logdir.h"

void log_sink_init(LogSink *s, sd_event *event) {
        *s = (LogSink) { .event = event, .fd = -EBADF };
}

void log_sink_done(LogSink *s) {
        s->out_source = sd_event_source_disable_unref(s->out_source);
        s->rotate_timer = sd_event_source_disable_unref(s->rotate_timer);
        s->compressor = log_compressor_free(s->compressor);
        s->fd = safe_close(s->fd);
        free(s->path);
        s->path = NULL;
        free(s->queue);
        s->queue = NULL;
        s->queue_len = 0;
        free(s->segments);
        s->segments = NULL;
        s->n_segments = 0;
}

static void segments_forget(LogSink *s, size_t from) {
        for (size_t i = from; i < s->n_segments; i++)
                s->segments[i] = (LogSegment) {};
}

static int sink_open_path(LogSink *s) {
        struct stat st;
        int fd;

        /* O_NONBLOCK matters only for FIFOs/ttys (/dev/stdout behind a pipe); regular files ignore it. */
        fd = log_file_open(s->path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                fd = -errno;
        else if (fstat(fd, &st) < 0) {
                int r = -errno;
                safe_close(fd);
                return r;
        }
        if (fd == -ENXIO) {
                int n = -1;
                /* /dev/stdout on a socket (journald stream) cannot be reopened: share the descriptor. */
                if (streq(s->path, "/dev/stdout"))
                        n = STDOUT_FILENO;
                else if (streq(s->path, "/dev/stderr"))
                        n = STDERR_FILENO;
                else if (sscanf(s->path, "/dev/fd/%d", &n) != 1)
                        n = -1;
                if (n >= 0 && fstat(n, &st) >= 0)
                        fd = fcntl(n, F_DUPFD_CLOEXEC, 3);
                if (fd < 0 && n >= 0)
                        fd = -errno;
        }
        if (fd < 0)
                return fd;
        s->fd = fd;
        s->regular = S_ISREG(st.st_mode);
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        s->size = s->regular ? (uint64_t) st.st_size : 0;
        return 0;
}

static int sink_arm_rotate_timer(LogSink *s);

int log_sink_open_file(LogSink *s, const LogConfig *config) {
        int r;

        assert(s);
        assert(config);
        assert(config->path);
        s->path = strdup(config->path);
        if (!s->path)
                return -ENOMEM;
        s->maxbytes = config->maxbytes;
        s->backups = config->backups;
        s->rotate = config->rotate;
        s->rotate_interval = config->rotate_interval;
        r = sink_open_path(s);
        if (r < 0)
                return r;
        if (!s->regular)
                return 0;
        s->n_segments = MIN(s->backups, LOG_SINK_SEGMENTS_MAX) + 1;
        s->segments = calloc(s->n_segments, sizeof(LogSegment));
        if (!s->segments)
                return -ENOMEM;
        if (config->compress != LOG_COMPRESS_NONE && s->backups > 0) {
                r = log_compressor_new(s->event, s->path, s->backups, config->compress, &s->compressor);
                if (r < 0)
                        return r;
        }
        (void) sink_arm_rotate_timer(s); /* without it, size rotation still works: warned about */
        return 0;
}

int log_sink_open_fd(LogSink *s, int fd) {
        char p[64];

        snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
        s->fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_APPEND);
        if (s->fd < 0)
                s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        return s->fd < 0 ? -errno : 0;
}

int log_sink_reopen(LogSink *s) {
        dev_t dev = s->dev;
        ino_t ino = s->ino;
        int r;

        if (!s->path)
                return 0;
        s->out_source = sd_event_source_disable_unref(s->out_source);
        s->fd = safe_close(s->fd);
        r = sink_open_path(s);
        if (r < 0)
                return r;
        /* Moved away (logrotate) or removed: the bytes of the current segment live on in a file we no longer
         * know the name of. Rotated files are checked by inode when read. */
        if (s->n_segments > 0 && (s->dev != dev || s->ino != ino))
                segments_forget(s, 0);
        return 0;
}

int log_sink_clear(LogSink *s) {
        assert(s);
        if (!s->path || !s->regular || s->fd < 0)
                return -EOPNOTSUPP;
        /* Our descriptor is O_APPEND: the program's next bytes land at offset 0, whatever it writes
         * meanwhile waits in its pipe (we own the only writer of this file). */
        if (ftruncate(s->fd, 0) < 0)
                return -errno;
        s->size = 0;
        if (s->n_segments > 0)
                s->segments[0] = (LogSegment) {}; /* the backups still hold what they held */
        return 0;
}

int log_file_clear(const char *path) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        assert(path);
        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return 0; /* /dev/stdout, a FIFO: nothing kept to clear */
        return ftruncate(fd, 0) < 0 ? -errno : 0;
}

static int sink_rotate(LogSink *s) {
        int r;

        s->fd = safe_close(s->fd);
        r = log_rotate_files(s->path, s->backups);
        if (r < 0)
                log_warning_errno(r, "Failed to rotate %s, ignoring: %m", s->path);
        if (s->backups == 0)
                segments_forget(s, 0); /* truncated in place */
        else if (s->n_segments > 0) {
                memmove(s->segments + 1, s->segments, (s->n_segments - 1) * sizeof(LogSegment));
                s->segments[0] = (LogSegment) {};
        }
        if (r >= 0 && s->compressor)
                log_compressor_rotated(s->compressor);
        return sink_open_path(s);
}

int log_sink_rotate(LogSink *s) {
        int r;

        assert(s);
        if (!s->path || !s->regular)
                return -EOPNOTSUPP;
        r = sink_rotate(s);
        /* A DURATION counts from the last rotation, whatever caused it: the age of the file's first byte. */
        if (s->rotate == LOG_ROTATE_INTERVAL)
                (void) sink_arm_rotate_timer(s);
        if (r < 0 && !s->failed_logged) {
                log_error_errno(r, "Cannot reopen log file %s after rotation, output lost until it can be "
                                "opened: %m", s->path);
                s->failed_logged = true;
        }
        return r;
}

/* ---- rotation by time ---- */

static int on_rotate_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        LogSink *s = userdata;

        /* An empty file is not worth a backup: it would push one with content out. */
        if (s->size > 0 && s->fd >= 0 && log_sink_rotate(s) >= 0 && s->rotate == LOG_ROTATE_INTERVAL)
                return 0; /* re-armed by the rotation */
        (void) sink_arm_rotate_timer(s);
        return 0;
}

/* Arms (or re-arms) the one-shot timer for the next time rotation: the next local hour or midnight on the
 * wall clock (so a daily file is one calendar day, and a clock change moves the rotation with it), or
 * rotate_interval from now on the monotonic clock. */
static int sink_arm_rotate_timer(LogSink *s) {
        clockid_t clock = s->rotate == LOG_ROTATE_INTERVAL ? CLOCK_MONOTONIC : CLOCK_REALTIME;
        uint64_t now, next, accuracy;
        int r;

        if (!s->event || s->rotate == LOG_ROTATE_NEVER || !s->regular)
                return 0;
        r = sd_event_now(s->event, clock, &now);
        if (r < 0)
                return r;
        if (s->rotate == LOG_ROTATE_INTERVAL) {
                next = now > UINT64_MAX - s->rotate_interval ? UINT64_MAX : now + s->rotate_interval;
                accuracy = MIN(s->rotate_interval / 20, USEC_PER_SEC);
        } else {
                next = log_rotate_next_boundary(now, s->rotate == LOG_ROTATE_DAILY);
                accuracy = USEC_PER_SEC;
        }
        if (s->rotate_timer) {
                r = sd_event_source_set_time(s->rotate_timer, next);
                if (r >= 0)
                        r = sd_event_source_set_enabled(s->rotate_timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(s->event, &s->rotate_timer, clock, next, accuracy, on_rotate_timer, s);
        if (r < 0)
                return log_warning_errno(r, "Cannot arm the time rotation of %s, rotating by size only: %m",
                                         s->path);
        return 0;
}

/* Extends the current segment with [pos, pos + n) at file offset @offset, or starts a new one where the
 * map would not be continuous. */
static void segment_record(LogSink *s, uint64_t pos, uint64_t offset, size_t n) {
        LogSegment *g = &s->segments[0];

        if (g->end > g->pos && g->end == pos && g->offset + (g->end - g->pos) == offset && g->dev == s->dev &&
            g->ino == s->ino) {
                g->end += n;
                return;
        }
        *g = (LogSegment) { .pos = pos, .end = pos + n, .offset = offset, .dev = s->dev, .ino = s->ino };
}

/* A disk that is almost full fails and takes writes by turns (tmpfs counts free blocks per CPU, by
 * batches): one warning per this interval, one notice when writing works again after a warning. */
#define LOG_SINK_WARN_INTERVAL_USEC (60 * USEC_PER_SEC)

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

static void sink_write_failed(LogSink *s, int error) {
        uint64_t now = now_monotonic_usec();

        s->failing = true;
        if (s->failed_logged || (s->warned_usec > 0 && now - s->warned_usec < LOG_SINK_WARN_INTERVAL_USEC))
                return;
        log_warning_errno(error, "Failed to write to %s, dropping output: %m", s->path ?: "stdout");
        s->failed_logged = true;
        s->warned_usec = now;
}

static void sink_write_worked(LogSink *s) {
        if (!s->failing)
                return;
        if (s->failed_logged)
                log_notice("Writing to %s again (%" PRIu64 " bytes of output dropped so far)", s->path ?: "stdout",
                           s->dropped);
        s->failing = false;
        s->failed_logged = false;
}

/* A regular file: the page cache never says EAGAIN, so this writes everything or fails. */
static void file_write_chunk(LogSink *s, uint64_t pos, const char *data, size_t n) {
        size_t done = 0;
        off_t end;

        while (done < n) {
                ssize_t k = write(s->fd, data + done, n - done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        sink_write_failed(s, k < 0 ? errno : ENOSPC);
                        s->dropped += n - done;
                        break;
                }
                done += (size_t) k;
        }
        if (done == 0)
                return;
        sink_write_worked(s);
        /* With O_APPEND our bytes went to the end, wherever that was: another writer of the same file moves
         * it. Where they landed keeps the position map honest. */
        end = lseek(s->fd, 0, SEEK_CUR);
        if (end < 0 || (uint64_t) end < done) {
                segments_forget(s, 0);
                return;
        }
        s->size = (uint64_t) end;
        segment_record(s, pos, s->size - done, done);
}

/* Bytes that fit before a rotation: up to the last newline within the room, so lines stay whole; a line
 * longer than the whole file is cut. 0 = rotate first. */
static size_t fit_before_rotation(const LogSink *s, const char *data, size_t n) {
        size_t room = s->size < s->maxbytes ? (size_t) MIN(s->maxbytes - s->size, (uint64_t) SIZE_MAX) : 0;
        const char *nl;

        if (n <= room)
                return n;
        if (room == 0)
                return 0;
        nl = memrchr(data, '\n', room);
        if (nl)
                return (size_t) (nl - data) + 1;
        return s->size == 0 ? room : 0;
}

static void file_write(LogSink *s, uint64_t pos, const char *data, size_t n) {
        bool rotated = false;

        while (n > 0 && s->fd >= 0) {
                size_t k = s->maxbytes > 0 ? fit_before_rotation(s, data, n) : n;

                /* A rotation that did not empty the file (rename refused): write rather than loop. */
                if (k == 0 && rotated)
                        k = n;
                rotated = false;
                if (k > 0)
                        file_write_chunk(s, pos, data, k);
                pos += k;
                data += k;
                n -= k;
                if (n == 0)
                        break;
                rotated = true;
                (void) log_sink_rotate(s);
        }
        s->dropped += n;
}

/* ---- streams (pipes, ttys, sockets) ---- */

static int sink_on_writable(sd_event_source *es, int fd, uint32_t revents, void *userdata);

static void stream_enqueue(LogSink *s, const char *data, size_t n) {
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
static ssize_t stream_write_now(LogSink *s, const char *data, size_t n) {
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

static void stream_write(LogSink *s, const char *data, size_t n);

static void stream_report_dropped(LogSink *s) {
        char marker[96];
        uint64_t d = s->dropped_pending;
        int k;

        if (d == 0)
                return;
        s->dropped_pending = 0;
        k = snprintf(marker, sizeof(marker), "[cgsupd: %llu bytes dropped]\n", (unsigned long long) d);
        stream_write(s, marker, (size_t) k);
}

static void stream_write(LogSink *s, const char *data, size_t n) {
        ssize_t k;

        if (s->queue_len > 0) {
                /* Keep the order: once queued, everything queues until the sink drains. */
                stream_enqueue(s, data, n);
                return;
        }
        stream_report_dropped(s);
        if (s->queue_len > 0) {
                stream_enqueue(s, data, n);
                return;
        }
        k = stream_write_now(s, data, n);
        if (k < 0) {
                sink_write_failed(s, (int) -k);
                s->dropped += n;
                s->dropped_pending += n;
                return;
        }
        sink_write_worked(s);
        if ((size_t) k < n)
                stream_enqueue(s, data + k, n - (size_t) k);
}

static int sink_on_writable(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        LogSink *s = userdata;
        ssize_t k;

        if (s->queue_len > 0) {
                k = stream_write_now(s, s->queue, s->queue_len);
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
                stream_report_dropped(s);
        }
        return 0;
}

void log_sink_write(LogSink *s, uint64_t pos, const char *data, size_t n) {
        if (n == 0)
                return;
        if (s->fd < 0) {
                s->dropped += n;
                return;
        }
        if (s->regular && s->path)
                file_write(s, pos, data, n);
        else
                stream_write(s, data, n);
}

/* ---- reading back ---- */

uint64_t log_sink_oldest(const LogSink *s) {
        uint64_t oldest = UINT64_MAX;

        for (size_t i = 0; i < s->n_segments; i++)
                if (s->segments[i].end > s->segments[i].pos)
                        oldest = MIN(oldest, s->segments[i].pos);
        return oldest;
}

/* Opens the file of segment @i for reading, only if it still is the file we wrote: the same inode (numbers are
 * reused at once after a removal, so also) big enough to hold the whole segment. Our own descriptor is
 * write-only; /proc/self/fd reaches its inode wherever it has been moved. */
static int segment_open(const LogSink *s, size_t i) {
        const LogSegment *g = &s->segments[i];
        char p[64];
        struct stat st;
        int fd = -EBADF;

        if (g->dev == s->dev && g->ino == s->ino && s->fd >= 0) {
                snprintf(p, sizeof(p), "/proc/self/fd/%d", s->fd);
                fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0) {
                _cleanup_free_ char *name = NULL;
                if (i == 0)
                        name = strdup(s->path);
                else if (asprintf(&name, "%s.%zu", s->path, i) < 0)
                        name = NULL;
                if (!name)
                        return -ENOMEM;
                fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0)
                        return -errno;
        }
        if (fstat(fd, &st) < 0 || st.st_dev != g->dev || st.st_ino != g->ino ||
            (uint64_t) st.st_size < g->offset + (g->end - g->pos)) {
                safe_close(fd);
                return -ESTALE;
        }
        return fd;
}

size_t log_sink_read(const LogSink *s, uint64_t pos, void *out, size_t max, uint64_t *ret_next) {
        uint64_t next = UINT64_MAX;

        for (size_t i = 0; i < s->n_segments; i++) {
                const LogSegment *g = &s->segments[i];
                _cleanup_close_ int fd = -EBADF;
                size_t n;
                ssize_t k;

                if (g->end <= g->pos)
                        continue;
                if (pos < g->pos) {
                        next = MIN(next, g->pos);
                        continue;
                }
                if (pos >= g->end)
                        continue;
                fd = segment_open(s, i);
                n = (size_t) MIN((uint64_t) max, g->end - pos);
                k = fd >= 0 ? pread(fd, out, n, (off_t) (g->offset + (pos - g->pos))) : -1;
                if (k > 0)
                        return (size_t) k;
                /* Removed, replaced or truncated behind our back: this segment is gone. */
                next = MIN(next, g->end);
                break;
        }
        /* A gap ends at the next segment that starts after @pos. */
        for (size_t i = 0; i < s->n_segments; i++)
                if (s->segments[i].end > s->segments[i].pos && s->segments[i].pos > pos)
                        next = MIN(next, s->segments[i].pos);
        *ret_next = next;
        return 0;
}

ssize_t log_sink_read_tail(const LogSink *s, void *out, size_t max) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        uint64_t start;
        char p[64];
        ssize_t k;

        if (!s->path || !s->regular || s->fd < 0)
                return -ENODATA;
        snprintf(p, sizeof(p), "/proc/self/fd/%d", s->fd);
        fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        start = (uint64_t) st.st_size > max ? (uint64_t) st.st_size - max : 0;
        k = pread(fd, out, (size_t) ((uint64_t) st.st_size - start), (off_t) start);
        return k < 0 ? -errno : k;
}
