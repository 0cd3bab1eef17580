/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * One destination of a captured stream.
 *
 * A regular file gets the bytes verbatim, rotated supervisord-style by size and, with *_logfile_rotate, by
 * time (a timer on the sink's loop; an empty file is not rotated), its backups compressed by the sink's
 * LogCompressor (log-compress.h) when *_logfile_compress asks. The sink is the one owner of its file's
 * rotation: size, time and `cgsupctl rotate` all go through log_sink_rotate(). It keeps a map from stream
 * positions to files: segment [0] is the current file, [i] is "path.i", each the range of positions
 * [pos, end) this sink wrote at @offset of the file with inode @dev/@ino. Whatever disturbs the map (a write
 * error, another writer appending to the same file, the file moved away and reopened) starts a new segment,
 * and positions that no segment covers are simply not readable from files any more. Reads check the inode,
 * so a file replaced behind our back is never read as ours.
 *
 * Anything else (pipe, tty, socket, our passthrough stdout) is written non-blocking; what would block is
 * queued up to LOGCAP_QUEUE_MAX and beyond that dropped, reported by a "[cgsupd: N bytes dropped]" line once
 * the queue drains (such a sink is for people; a regular file never gets bytes that are not the program's).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "conf.h"

typedef struct LogCompressor LogCompressor;

/* How many rotated files keep their position map (more backups are still rotated, just not read back). */
#define LOG_SINK_SEGMENTS_MAX 1024U

typedef struct LogSegment {
        uint64_t pos, end;        /* stream positions [pos, end); pos == end: empty or unknown */
        uint64_t offset;          /* file offset of pos */
        dev_t dev;
        ino_t ino;
} LogSegment;

typedef struct LogSink {
        sd_event *event;
        int fd;
        char *path;               /* NULL for the passthrough sink */
        bool regular;             /* a regular file: rotation, position map */
        dev_t dev;
        ino_t ino;
        uint64_t size;            /* file size after our last write, as far as we know */
        uint64_t maxbytes;
        unsigned backups;
        LogRotateTime rotate;
        usec_t rotate_interval;
        sd_event_source *rotate_timer;
        LogCompressor *compressor; /* NULL: backups stay as they are */
        LogSegment *segments;
        size_t n_segments;
        char *queue;
        size_t queue_len;
        uint64_t dropped;         /* total, for status */
        uint64_t dropped_pending; /* not yet reported with a marker line */
        sd_event_source *out_source;
        bool failed_logged;       /* the current failure was warned about */
        bool failing;             /* the last write failed */
        uint64_t warned_usec;     /* CLOCK_MONOTONIC of the last write-failure warning */
} LogSink;

void log_sink_init(LogSink *s, sd_event *event);
void log_sink_done(LogSink *s);
/* Open @config's path for appending (created 0644), with its size and time rules and compression. Streams
 * such as /dev/stdout on a socket are shared, not reopened. */
int log_sink_open_file(LogSink *s, const LogConfig *config);
/* Rotate the file now (time rule, `cgsupctl rotate`). 0 on success, -EOPNOTSUPP when the sink is not a regular
 * file (nothing to rotate), or -errno when the file cannot be opened again. */
int log_sink_rotate(LogSink *s);
/* A sink on our own descriptor @fd (passthrough); it gets its own open file description when it can, so
 * O_NONBLOCK does not leak onto a terminal or pipe we share with others. */
int log_sink_open_fd(LogSink *s, int fd);
/* Empty the file now (supervisorctl's clear), the descriptor kept: O_APPEND puts the next write at 0. Its
 * bytes leave the position map; rotated backups stay. 0, -EOPNOTSUPP when the sink is not a regular file,
 * or -errno. */
int log_sink_clear(LogSink *s);
/* The same for a log file no sink has open (a program not started since cgsupd started): emptied if it
 * exists and is a regular file, never created. 0 or -errno. */
int log_file_clear(const char *path);
/* Open the file again by name (SIGUSR2, each start of the program). */
int log_sink_reopen(LogSink *s);
/* Write @n bytes that are stream positions [pos, pos + n). */
void log_sink_write(LogSink *s, uint64_t pos, const char *data, size_t n);
/* Oldest stream position a file still maps, UINT64_MAX if none. */
uint64_t log_sink_oldest(const LogSink *s);
/* Read up to @max bytes at stream position @pos from the files. Returns the count (> 0), or 0 when @pos
 * cannot be read from a file: then *ret_next is the next position that might be (UINT64_MAX: none). */
size_t log_sink_read(const LogSink *s, uint64_t pos, void *out, size_t max, uint64_t *ret_next);
/* The last @max bytes of the current file (whoever wrote them); -errno if it cannot be read. */
ssize_t log_sink_read_tail(const LogSink *s, void *out, size_t max);
