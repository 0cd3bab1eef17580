/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "fd-util.h"
#include "log-json.h"
#include "log-rotate.h"
#include "log.h"

/* Process-wide logging settings: set once from main() before the event loop runs. */
static int log_max_level = LOG_INFO;
static LogTarget log_target = LOG_TARGET_AUTO;
static const char *log_ident = NULL;
static bool log_console = true;
static LogFormat log_format = LOG_FORMAT_TEXT;

/* The daemon's own log file ([cgsupd] logfile=): process-wide like the settings above. The size is counted
 * here rather than asked with fstat() for every line. */
static struct {
        int fd;
        char *path;
        uint64_t size, maxbytes;
        unsigned backups;
        bool regular;
} log_file = { .fd = -EBADF };

void log_set_max_level(int level) {
        log_max_level = level & LOG_PRIMASK;
}

int log_get_max_level(void) {
        return log_max_level;
}

void log_set_console(bool on) {
        log_console = on;
}

void log_set_target(LogTarget target) {
        log_target = target;
}

void log_set_ident(const char *ident) {
        log_ident = ident;
}

void log_set_format(LogFormat format) {
        log_format = format;
}

LogFormat log_format_from_string(const char *s) {
        if (streq(s, "text"))
                return LOG_FORMAT_TEXT;
        if (streq(s, "json"))
                return LOG_FORMAT_JSON;
        return _LOG_FORMAT_INVALID;
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

static int log_file_open_path(void) {
        struct stat st;
        int fd;

        fd = open_append(log_file.path, 0, 0640, &st);
        if (fd < 0)
                return fd;
        log_file.fd = fd;
        log_file.regular = S_ISREG(st.st_mode);
        log_file.size = log_file.regular ? (uint64_t) st.st_size : 0;
        return 0;
}

void log_close_file(void) {
        log_file.fd = safe_close(log_file.fd);
        free(log_file.path);
        log_file.path = NULL;
}

int log_open_file(const char *path, uint64_t maxbytes, unsigned backups) {
        int r;

        log_close_file();
        log_file.path = strdup(path);
        if (!log_file.path)
                return -ENOMEM;
        log_file.maxbytes = maxbytes;
        log_file.backups = backups;
        r = log_file_open_path();
        if (r < 0)
                log_close_file();
        return r;
}

int log_reopen_file(void) {
        if (!log_file.path)
                return 0;
        log_file.fd = safe_close(log_file.fd);
        return log_file_open_path();
}

/* The logger cannot log its own failures through itself: they go to stderr, once per failure. */
static void log_file_rotate(void) {
        int r;

        log_file.fd = safe_close(log_file.fd);
        r = log_rotate_files(log_file.path, log_file.backups);
        if (r < 0)
                fprintf(stderr, "Cannot rotate %s, continuing in it: %s\n", log_file.path, strerror(-r));
        r = log_file_open_path();
        if (r < 0)
                fprintf(stderr, "Cannot reopen %s after rotation, file logging stops until SIGUSR2: %s\n",
                        log_file.path, strerror(-r));
}

static const char *level_name(int level) {
        switch (level & LOG_PRIMASK) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
                return "CRIT";
        case LOG_ERR:
                return "ERROR";
        case LOG_WARNING:
                return "WARN";
        case LOG_NOTICE:
                return "NOTICE";
        case LOG_DEBUG:
                return "DEBUG";
        default:
                return "INFO";
        }
}

/* One write() per line: O_APPEND keeps lines whole even if someone else appends to the same file. @json: the
 * line in log_format=json, written instead of supervisord's layout. */
static void log_file_write(int level, const char *msg, const char *json) {
        char line[4096 + 128], stamp[32];
        struct timespec ts;
        struct tm tm;
        int n;

        if (log_file.fd < 0)
                return;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (!localtime_r(&ts.tv_sec, &tm) || strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm) == 0)
                stamp[0] = 0;
        if (json)
                n = snprintf(line, sizeof(line), "%s\n", json);
        else
                n = snprintf(line, sizeof(line), "%s,%03ld %s %s\n", stamp, ts.tv_nsec / 1000000L, level_name(level),
                             msg);
        if (n < 0)
                return;
        n = MIN(n, (int) sizeof(line) - 1);
        if (log_file.regular && log_file.maxbytes > 0 && log_file.size > 0 &&
            log_file.size + (uint64_t) n > log_file.maxbytes) {
                log_file_rotate();
                if (log_file.fd < 0)
                        return;
        }
        if (write(log_file.fd, line, (size_t) n) == n)
                log_file.size += (uint64_t) n;
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

#define IOVEC_STRING(s) ((struct iovec) { .iov_base = (void *) (s), .iov_len = strlen(s) })

static int log_dispatch(int level, int error, const char *const *fields, const char *format, va_list ap)
        _printf_(4, 0);
/* The CGSUP_PROGRAM= field's value (log_program()), or NULL. */
static const char *program_field(const char *const *fields) {
        for (size_t i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
                if (strncmp(fields[i], "CGSUP_PROGRAM=", strlen("CGSUP_PROGRAM=")) == 0)
                        return fields[i] + strlen("CGSUP_PROGRAM=");
        return NULL;
}

static int log_dispatch(int level, int error, const char *const *fields, const char *format, va_list ap) {
        _cleanup_free_ char *json = NULL;
        char buf[4096];
        PROTECT_ERRNO;

        errno = error;
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        if (log_format == LOG_FORMAT_JSON)
                json = log_json_line(level, buf, program_field(fields));

        log_file_write(level, buf, json);
        if (!log_console)
                return -error;
        if (use_journal()) {
                char message[sizeof(buf) + 16], priority[32], errno_field[32], ident[128];
                struct iovec iov[4 + LOG_FIELDS_MAX];
                size_t n = 0;

                snprintf(message, sizeof message, "MESSAGE=%s", buf);
                snprintf(priority, sizeof priority, "PRIORITY=%i", level & LOG_PRIMASK);
                snprintf(errno_field, sizeof errno_field, "ERRNO=%i", error);
                snprintf(ident, sizeof ident, "SYSLOG_IDENTIFIER=%s", log_ident ?: "cgsup");
                iov[n++] = IOVEC_STRING(message);
                iov[n++] = IOVEC_STRING(priority);
                iov[n++] = IOVEC_STRING(ident);
                if (error != 0)
                        iov[n++] = IOVEC_STRING(errno_field);
                for (size_t i = 0; fields && fields[i] && i < LOG_FIELDS_MAX; i++)
                        iov[n++] = IOVEC_STRING(fields[i]);
                (void) sd_journal_sendv(iov, (int) n);
        } else if (json)
                fprintf(stderr, "%s\n", json);
        else {
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
