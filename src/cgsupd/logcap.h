/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Capture of a program's stdout or stderr: a non-blocking pipe read on the event loop, split into lines
 * (at most LOGCAP_LINE_MAX bytes, longer lines are split), then
 *   - written to *_logfile with supervisord's _maxbytes/_backups rotation (name.1 ... name.N); targets
 *     that cannot be rotated (/dev/stdout, /dev/stderr, /dev/fd/N, FIFOs, ttys) are written as they are,
 *   - forwarded to the journal (syslog / *_syslog=true) with CGSUP_PROGRAM= and SYSLOG_IDENTIFIER=,
 *   - or, with no logfile and no journal (container, PID 1, terminal), passed through to cgsupd's stdout
 *     prefixed with the program name,
 *   - and always kept in an in-memory ring (LOGCAP_RING_SIZE) for `cgsupctl tail`.
 * A slow sink never blocks the loop: writes that would block are queued up to LOGCAP_QUEUE_MAX, beyond
 * that lines are dropped and a "[cgsupd: N bytes dropped]" marker line is written once space frees up.
 */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "conf.h"

#define LOGCAP_LINE_MAX (64U * 1024U)
#define LOGCAP_RING_SIZE (64U * 1024U)
#define LOGCAP_QUEUE_MAX (1024U * 1024U)

typedef struct LogCapture LogCapture;

typedef struct LogCaptureSettings {
        const char *name;         /* program instance name (prefix, journal fields) */
        int stream;               /* 1 = stdout, 2 = stderr */
        const LogConfig *config;  /* NULL = no file, no syslog */
        bool journal;             /* a journal is available for syslog forwarding */
        bool passthrough;         /* copy lines to cgsupd's stdout, prefixed "name: " */
        int passthrough_fd;       /* where passthrough goes; -1 = our stdout */
} LogCaptureSettings;

int log_capture_new(sd_event *event, const LogCaptureSettings *s, LogCapture **ret);
LogCapture *log_capture_free(LogCapture *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(LogCapture *, log_capture_free);

/* Start reading @fd (a pipe read end; ownership moves in, also on failure). Replaces a previous fd. */
int log_capture_attach(LogCapture *c, int fd);
/* Read whatever is buffered in the pipe now, without blocking (before the program is forgotten). */
void log_capture_drain(LogCapture *c);
/* Whether a pipe is attached (and not at EOF). */
bool log_capture_is_attached(const LogCapture *c);
/* Feed raw output as if read from the pipe (used by the reader and by tests). */
void log_capture_feed(LogCapture *c, const char *data, size_t n);
/* End of stream: flush a partial last line. */
void log_capture_flush(LogCapture *c);
/* The last @max bytes of the ring (malloc'ed, NUL-terminated). */
int log_capture_tail(LogCapture *c, size_t max, char **ret);
/* Counters for status/tests. */
uint64_t log_capture_bytes_dropped(const LogCapture *c);
uint64_t log_capture_lines(const LogCapture *c);
/* Reopen the log file (after rotation by someone else, or after a reload). */
int log_capture_reopen(LogCapture *c);
