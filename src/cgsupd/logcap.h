/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Capture of a program's stdout or stderr: a non-blocking pipe read on the event loop. Every byte read has a
 * position in the stream (how many bytes were captured before it), and goes
 *   - verbatim to *_logfile, with supervisord's _maxbytes/_backups rotation (name.1 ... name.N), also by time
 *     and with compressed backups (*_logfile_rotate, *_logfile_compress: log-sink.h). Rotation
 *     cuts after a newline when one fits, so lines stay whole unless a line is longer than maxbytes; the
 *     files put together are exactly the program's bytes. The capture remembers at which stream position
 *     each file it wrote begins, so a reader can continue from a position across rotations. Targets that
 *     cannot be rotated (/dev/stdout, /dev/fd/N, FIFOs, ttys) are written as they are, queued up to
 *     LOGCAP_QUEUE_MAX when they block;
 *   - in lines (at most LOGCAP_LINE_MAX bytes each) to the journal (syslog / *_syslog=true) with
 *     CGSUP_PROGRAM= and SYSLOG_IDENTIFIER=, and to cgsupd's stdout prefixed "name: " (passthrough: no
 *     logfile and no journal, in a container, as PID 1 or on a terminal);
 *   - into an in-memory ring, allocated at the first byte and grown from LOGCAP_RING_MIN as it fills, up to
 *     LOGCAP_RING_MAX (LOGCAP_RING_MAX_FILE when a log file holds the bytes as well).
 * log_capture_read() hands out bytes by cursor: from the ring, else from the log files; bytes that are gone
 * (overwritten in the ring, deleted by rotation, lost to a write error) are counted, never guessed.
 * A slow sink never blocks the loop.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"

#define LOGCAP_LINE_MAX (64U * 1024U)
#define LOGCAP_RING_MIN (1024U)
#define LOGCAP_RING_MAX (64U * 1024U)
#define LOGCAP_RING_MAX_FILE (8U * 1024U)
#define LOGCAP_QUEUE_MAX (1024U * 1024U)

/* Cursors are opaque to clients. LOGCAP_CURSOR_START: from the first byte of the stream (also of a capture
 * that does not exist yet); LOGCAP_CURSOR_TAIL: the last @max bytes. */
#define LOGCAP_CURSOR_START UINT64_C(0)
#define LOGCAP_CURSOR_TAIL UINT64_MAX
/* The tail as well, for clients whose numbers are IEEE doubles (JavaScript's Number.MAX_SAFE_INTEGER, 2^53 - 1):
 * every cursor handed out is below it, so they can follow cursors exactly. */
#define LOGCAP_CURSOR_TAIL_JS ((UINT64_C(1) << 53) - 1)
/* lost_bytes when the cursor belongs to an earlier capture of the stream (cgsupd restarted, or a reload
 * changed the program's log settings): how much is missing in between is not known. */
#define LOGCAP_LOST_UNKNOWN UINT64_MAX

typedef struct LogCapture LogCapture;

typedef struct LogCaptureSettings {
        const char *name;         /* program instance name (prefix, journal fields) */
        const char *group;        /* its group (journal fields); NULL = none */
        int stream;               /* 1 = stdout, 2 = stderr */
        const LogConfig *config;  /* NULL = no file, no syslog */
        bool journal;             /* a journal is available for syslog forwarding */
        bool passthrough;         /* copy lines to cgsupd's stdout, prefixed "name: " */
        int passthrough_fd;       /* where passthrough goes; -1 = our stdout */
        bool strip_ansi;          /* take ANSI escape sequences out as the bytes are read (ansi-strip.h) */
        int syslog_fd;            /* no journal: a connected /dev/log socket for syslog lines, -1 = none */
        /* Called with every chunk captured (event listener protocol, PROCESS_LOG events); may be NULL. */
        void (*observer)(void *userdata, int stream, const char *data, size_t size);
        void *observer_userdata;
} LogCaptureSettings;

/* What log_capture_read() returns. */
typedef struct LogChunk {
        char *data;               /* malloc'ed, not NUL-terminated */
        size_t size;
        uint64_t next_cursor;     /* where to continue */
        uint64_t lost;            /* bytes gone between the cursor asked for and data; LOGCAP_LOST_UNKNOWN */
} LogChunk;

void log_chunk_done(LogChunk *chunk);

int log_capture_new(sd_event *event, const LogCaptureSettings *s, LogCapture **ret);
LogCapture *log_capture_free(LogCapture *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(LogCapture *, log_capture_free);

/* Start reading @fd (a pipe read end; ownership moves in, also on failure) for a new run of the program.
 * Replaces a previous fd and opens the log file again by name (supervisord opens it at every start: a file
 * removed or moved away since is created anew). */
int log_capture_attach(LogCapture *c, int fd);
/* Read whatever is buffered in the pipe now, without blocking (before the program is forgotten). */
void log_capture_drain(LogCapture *c);
/* Whether a pipe is attached (and not at EOF). */
bool log_capture_is_attached(const LogCapture *c);
/* Feed raw output as if read from the pipe (used by the reader and by tests). */
void log_capture_feed(LogCapture *c, const char *data, size_t n);
/* End of stream: a partial last line goes to the journal/passthrough (the file already has its bytes). */
void log_capture_flush(LogCapture *c);
/* Up to @max bytes from @cursor (see LOGCAP_CURSOR_*). Returns 0 or -ENOMEM; read errors on log files
 * count as lost bytes. */
int log_capture_read(LogCapture *c, uint64_t cursor, size_t max, LogChunk *ret);
/* The main PID that journal records of the following lines name (OBJECT_PID=); 0 = none. */
void log_capture_set_pid(LogCapture *c, pid_t pid);
/* The cursor of the next byte to be captured (what a reader that has seen everything holds). */
uint64_t log_capture_end_cursor(const LogCapture *c);
/* Newlines captured so far (metrics). */
uint64_t log_capture_lines(const LogCapture *c);
/* Bytes captured so far, all of them, whatever became of them later (metrics). */
uint64_t log_capture_bytes(const LogCapture *c);
/* Bytes that a sink could not take (a full pipe, a write error), for status and tests. */
uint64_t log_capture_bytes_dropped(const LogCapture *c);
/* Bytes of ring buffer allocated now (tests, memory accounting). */
size_t log_capture_ring_size(const LogCapture *c);
/* Called with each line of output (without its newline, at most LOGCAP_LINE_MAX bytes, not NUL-terminated)
 * while set; one hook per capture (log_line health checks), NULL removes it. */
typedef void (*LogLineHook)(void *userdata, const char *line, size_t len);
void log_capture_set_line_hook(LogCapture *c, LogLineHook hook, void *userdata);
/* Open the log file again by name (SIGUSR2, after logrotate moved it). */
int log_capture_reopen(LogCapture *c);
/* Rotate the log file now (`cgsupctl rotate`): 0, -EOPNOTSUPP when there is no file to rotate, or -errno. */
int log_capture_rotate(LogCapture *c);
/* Forget the output captured so far (supervisorctl's clear): the ring is emptied and the log file truncated,
 * so the tail starts afresh; older cursors read the cleared bytes as lost. Rotated backups and journal
 * records stay. 0 or -errno (the file could not be truncated; the ring is emptied anyway). */
int log_capture_clear(LogCapture *c);
