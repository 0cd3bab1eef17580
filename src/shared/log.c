/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

#include "log.h"

/* Process-wide logging settings: set once from main() before the event loop runs. */
static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_AUTO;
static const char *log_ident = NULL;

void log_set_max_level(int level) {
        log_max_level = level & LOG_PRIMASK;
}

int log_get_max_level(void) {
        return log_max_level;
}

void log_set_target(LogTarget target) {
        log_target = target;
}

void log_set_ident(const char *ident) {
        log_ident = ident;
}

int log_level_from_string(const char *s) {
        static const struct {
                const char *name;
                int level;
        } table[] = {
                { "critical", LOG_CRIT }, { "crit", LOG_CRIT },       { "error", LOG_ERR },
                { "err", LOG_ERR },       { "warn", LOG_WARNING },    { "warning", LOG_WARNING },
                { "notice", LOG_NOTICE }, { "info", LOG_INFO },       { "debug", LOG_DEBUG },
                { "trace", LOG_DEBUG },   { "blather", LOG_DEBUG },
        };
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(table[i].name, s) == 0)
                        return table[i].level;
        return -EINVAL;
}

/* journald sets JOURNAL_STREAM=dev:ino for the stream it hands us as stderr; when that matches, structured
 * logging to the journal beats text on stderr (fields survive, no double timestamps). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

static bool use_journal(void) {
        if (log_target == LOG_TARGET_JOURNAL)
                return true;
        if (log_target == LOG_TARGET_STDERR)
                return false;
        return stderr_is_journal();
}

static const char *level_prefix(int level) {
        switch (level & LOG_PRIMASK) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
                return "CRIT ";
        case LOG_ERR:
                return "ERROR ";
        case LOG_WARNING:
                return "WARN ";
        case LOG_DEBUG:
                return "DEBUG ";
        default:
                return "";
        }
}

static int log_dispatch(int level, int error, const char *const *fields, const char *format, va_list ap)
        _printf_(4, 0);
static int log_dispatch(int level, int error, const char *const *fields, const char *format, va_list ap) {
        char buf[4096];
        PROTECT_ERRNO;

        errno = error;
        (void) vsnprintf(buf, sizeof(buf), format, ap);

        if (use_journal()) {
                /* sd_journal_send wants a NULL-terminated vararg list; we pass the fixed fields and at most
                 * four extra ones, which is all the daemon uses. */
                const char *f[4] = {};
                for (size_t i = 0; fields && fields[i] && i < ELEMENTSOF(f); i++)
                        f[i] = fields[i];
                (void) sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%i", level & LOG_PRIMASK,
                                       "ERRNO=%i", error, "SYSLOG_IDENTIFIER=%s", log_ident ?: "cgsup",
                                       f[0] ? "%s" : NULL, f[0], f[1] ? "%s" : NULL, f[1],
                                       f[2] ? "%s" : NULL, f[2], f[3] ? "%s" : NULL, f[3], NULL);
        } else {
                if (log_ident)
                        fprintf(stderr, "%s: %s%s\n", log_ident, level_prefix(level), buf);
                else
                        fprintf(stderr, "%s%s\n", level_prefix(level), buf);
        }
        return -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_dispatch(level, error, NULL, format, ap);
        va_end(ap);
        return r;
}

int log_internal_fields(int level, int error, const char *const *fields, const char *format, ...) {
        va_list ap;
        int r;

        if (log_max_level < (level & LOG_PRIMASK))
                return -error;
        va_start(ap, format);
        r = log_dispatch(level, error < 0 ? -error : error, fields, format, ap);
        va_end(ap);
        return r;
}
