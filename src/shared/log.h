/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "macro.h"

/* Logging for the daemon and the CLI. libcgsup never calls these (it only returns errors).
 * log_*_errno() return -abs(error) so that "return log_error_errno(r, ...)" logs and propagates in one
 * step; %m in the format expands to strerror(error). */

typedef enum LogTarget {
        LOG_TARGET_AUTO,    /* journal when stderr is connected to it (JOURNAL_STREAM), else stderr */
        LOG_TARGET_STDERR,
        LOG_TARGET_JOURNAL,
} LogTarget;

void log_set_max_level(int level);
/* Whether messages go to stderr/the journal at all (false in the background, where stderr is /dev/null and
 * only the log file is read). On by default. */
void log_set_console(bool on);
/* [cgsupd] logfile=: every message is also appended to @path as "YYYY-MM-DD HH:MM:SS,mmm LEVEL message" (local
 * time, supervisord's layout), rotated by size like supervisord (name.1 ... name.@backups; @maxbytes 0 never
 * rotates). Replaces a file opened before. Returns 0 or -errno (then no file is written). */
int log_open_file(const char *path, uint64_t maxbytes, unsigned backups);
/* Opens the same path again (after logrotate moved it away: SIGUSR2). 0 when no file is configured. */
int log_reopen_file(void);
void log_close_file(void);
int log_get_max_level(void);
void log_set_target(LogTarget target);
void log_set_ident(const char *ident);
int log_level_from_string(const char *s);
/* [cgsupd] log_format=: text (the default) or json (one JSON object per line, log-json.h) on stderr and in
 * the log file; the journal gets its fields either way. */
typedef enum LogFormat {
        LOG_FORMAT_TEXT,
        LOG_FORMAT_JSON,
        _LOG_FORMAT_MAX,
        _LOG_FORMAT_INVALID = -EINVAL,
} LogFormat;
void log_set_format(LogFormat format);
LogFormat log_format_from_string(const char *s);

/* Extra journal fields (NULL-terminated "KEY=value" strings, at most LOG_FIELDS_MAX) may be given via
 * log_internal_fields(). */
#define LOG_FIELDS_MAX 12
int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...)
        _printf_(6, 7);
int log_internal_fields(int level, int error, const char *const *fields, const char *format, ...) _printf_(4, 5);

#define log_full_errno(level, error, ...)                                                                    \
        ({                                                                                                   \
                int _level_ = (level), _e_ = (error);                                                        \
                _e_ = _e_ < 0 ? -_e_ : _e_;                                                                  \
                log_get_max_level() >= (_level_ & LOG_PRIMASK)                                               \
                        ? log_internal(_level_, _e_, __FILE__, __LINE__, __func__, __VA_ARGS__)              \
                        : -_e_;                                                                              \
        })
#define log_full(level, ...) (void) log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
