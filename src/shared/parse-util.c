/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "parse-util.h"

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

int safe_atou64(const char *s, uint64_t *ret) {
        char *end;
        if (isempty(s) || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

int safe_atou(const char *s, unsigned *ret) {
        uint64_t v;
        int r = safe_atou64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT_MAX)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

int safe_atoi(const char *s, int *ret) {
        char *end;
        if (isempty(s) || isspace((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = (int) v;
        return 0;
}

int parse_mode(const char *s, mode_t *ret) {
        char *end;
        if (isempty(s))
                return -EINVAL;
        if (strncasecmp(s, "0o", 2) == 0)
                s += 2;
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        unsigned long v = strtoul(s, &end, 8);
        if (errno || *end)
                return -EINVAL;
        if (v > 07777)
                return -ERANGE;
        *ret = (mode_t) v;
        return 0;
}

static const struct {
        const char *name;
        int sig;
} signal_table[] = {
        { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },
        { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },     { "BUS", SIGBUS },   { "FPE", SIGFPE },
        { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
        { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT },
        { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
        { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },   { "XCPU", SIGXCPU },
        { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH },
        { "IO", SIGIO },     { "PWR", SIGPWR },       { "SYS", SIGSYS },   { "IOT", SIGABRT },
        { "POLL", SIGIO },   { "CLD", SIGCHLD },
};

int signal_from_string(const char *s) {
        int n;
        if (isempty(s))
                return -EINVAL;
        if (safe_atoi(s, &n) >= 0)
                return n > 0 && n < _NSIG ? n : -ERANGE;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (strcasecmp(s, signal_table[i].name) == 0)
                        return signal_table[i].sig;
        /* RTMIN+N counts up from SIGRTMIN, RTMAX-N down from SIGRTMAX (kill(1)'s and systemd's names, the
         * ones bash's `compgen -A signal` offers). */
        bool rtmin = strncasecmp(s, "RTMIN", 5) == 0;
        if (rtmin || strncasecmp(s, "RTMAX", 5) == 0) {
                int off = 0;
                char sign = rtmin ? '+' : '-';
                if (s[5] == sign && safe_atoi(s + 6, &off) < 0)
                        return -EINVAL;
                if (s[5] && s[5] != sign)
                        return -EINVAL;
                if (off < 0 || off > SIGRTMAX - SIGRTMIN)
                        return -ERANGE;
                return rtmin ? SIGRTMIN + off : SIGRTMAX - off;
        }
        return -EINVAL;
}

const char *signal_to_string(int sig) {
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (signal_table[i].sig == sig)
                        return signal_table[i].name;
        return NULL;
}

/*
 * Splits "1.5G" into a non-negative decimal number and the unit suffix; shared by sizes, durations and
 * percents. Digits are parsed by hand: strtold() would also take hex ("0x10"), exponents ("1e3"), "inf", and
 * its decimal point follows the caller's locale (cgsupctl calls setlocale()).
 * The number is ip + frac / 10^frac_digits; at most 18 fraction digits are kept (the rest must be digits
 * too and only matter for exactness checks, reported via ret_frac_rest_nonzero).
 */
typedef struct Number {
        uint64_t ip;
        uint64_t frac;
        unsigned frac_digits;
        bool frac_rest_nonzero;
} Number;

static int parse_number_unit(const char *s, Number *ret_num, const char **ret_unit) {
        Number n = {};
        const char *p = s;
        bool any = false;

        if (isempty(s))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                if (n.ip > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                n.ip = n.ip * 10 + (uint64_t) (*p - '0');
                any = true;
        }
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL; /* "5." and "." are junk */
                for (; isdigit((unsigned char) *p); p++) {
                        if (n.frac_digits < 18) {
                                n.frac = n.frac * 10 + (uint64_t) (*p - '0');
                                n.frac_digits++;
                        } else if (*p != '0')
                                n.frac_rest_nonzero = true;
                        any = true;
                }
        }
        if (!any)
                return -EINVAL;
        while (*p == ' ')
                p++;
        *ret_num = n;
        *ret_unit = p;
        return 0;
}

static uint64_t pow10_u64(unsigned k) {
        uint64_t v = 1;
        while (k-- > 0)
                v *= 10;
        return v;
}

/* n × factor, truncated; -ERANGE if it does not fit (UINT64_MAX itself is reserved for "infinity"). */
static int number_scale(const Number *n, uint64_t factor, uint64_t *ret) {
        uint64_t whole, part = 0;

        if (n->ip != 0 && factor > (UINT64_MAX - 1) / n->ip)
                return -ERANGE;
        whole = n->ip * factor;
        if (n->frac != 0)
                part = (uint64_t) ((long double) n->frac * (long double) factor /
                                   (long double) pow10_u64(n->frac_digits));
        if (part > UINT64_MAX - 1 - whole)
                return -ERANGE;
        *ret = whole + part;
        return 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } units[] = {
                { "", 1 },
                { "B", 1 },
                { "K", 1ULL << 10 }, { "KB", 1ULL << 10 }, { "KiB", 1ULL << 10 },
                { "M", 1ULL << 20 }, { "MB", 1ULL << 20 }, { "MiB", 1ULL << 20 },
                { "G", 1ULL << 30 }, { "GB", 1ULL << 30 }, { "GiB", 1ULL << 30 },
                { "T", 1ULL << 40 }, { "TB", 1ULL << 40 }, { "TiB", 1ULL << 40 },
        };
        Number n;
        const char *unit;
        int r = parse_number_unit(s, &n, &unit);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcasecmp(unit, units[i].suffix) == 0) {
                        if (units[i].factor == 1 && (n.frac != 0 || n.frac_rest_nonzero))
                                return -EINVAL; /* fractional bytes */
                        return number_scale(&n, units[i].factor, ret);
                }
        return -EINVAL;
}

int parse_sec(const char *s, usec_t *ret) {
        static const struct {
                const char *suffix;
                usec_t factor;
        } units[] = {
                { "", USEC_PER_SEC },         { "s", USEC_PER_SEC },          { "sec", USEC_PER_SEC },
                { "ms", USEC_PER_MSEC },      { "msec", USEC_PER_MSEC },      { "us", 1 },
                { "usec", 1 },                { "m", 60 * USEC_PER_SEC },     { "min", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC }, { "hr", 3600 * USEC_PER_SEC },  { "d", 86400 * USEC_PER_SEC },
        };
        Number n;
        const char *unit;
        int r = parse_number_unit(s, &n, &unit);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcasecmp(unit, units[i].suffix) == 0)
                        return number_scale(&n, units[i].factor, ret);
        return -EINVAL;
}

int parse_permyriad(const char *s, uint64_t *ret) {
        Number n;
        const char *unit;
        uint64_t hundredths;
        int r = parse_number_unit(s, &n, &unit);
        if (r < 0)
                return r;
        if (!streq(unit, "%"))
                return -EINVAL;
        /* Exact decimal arithmetic: "12.34%" is 1234, and a third decimal that is not 0 is refused. */
        if (n.frac_rest_nonzero)
                return -EINVAL;
        if (n.frac_digits > 2) {
                uint64_t d = pow10_u64(n.frac_digits - 2);
                if (n.frac % d != 0)
                        return -EINVAL; /* more than two decimals */
                hundredths = n.frac / d;
        } else
                hundredths = n.frac * pow10_u64(2 - n.frac_digits);
        if (n.ip > 10000000000ULL)
                return -ERANGE;
        *ret = n.ip * 100 + hundredths;
        return 0;
}

const char *format_bytes(char *buf, size_t n, uint64_t bytes) {
        static const char suffix[] = "KMGTPE";
        if (bytes < 1024) {
                snprintf(buf, n, "%" PRIu64 "B", bytes);
                return buf;
        }
        long double v = (long double) bytes;
        size_t i = 0;
        /* 1023.96K would print as "1024.0K": move to the next unit when rounding to one decimal reaches 1024. */
        for (v /= 1024; v >= 1023.95L && i + 1 < sizeof(suffix) - 1; i++)
                v /= 1024;
        if (v == floorl(v))
                snprintf(buf, n, "%.0Lf%c", v, suffix[i]);
        else
                snprintf(buf, n, "%.1Lf%c", v, suffix[i]);
        return buf;
}

const char *format_timestamp(char *buf, size_t n, usec_t t) {
        time_t sec = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        assert(buf && n > 0);
        buf[0] = '\0';
        if (t > 0 && (!localtime_r(&sec, &tm) || strftime(buf, n, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0))
                buf[0] = '\0';
        return buf;
}

const char *format_timespan(char *buf, size_t n, usec_t t) {
        if (t == USEC_INFINITY) {
                snprintf(buf, n, "infinity");
                return buf;
        }
        if (t == 0)
                snprintf(buf, n, "0s");
        else if (t < USEC_PER_MSEC)
                snprintf(buf, n, "%" PRIu64 "us", t);
        else if (t < USEC_PER_SEC)
                snprintf(buf, n, "%" PRIu64 "ms", t / USEC_PER_MSEC);
        else if (t < 60 * USEC_PER_SEC)
                snprintf(buf, n, "%.3gs", (double) t / USEC_PER_SEC);
        else {
                /* Two units at most, the smaller one left out when it is 0: "1min", not "1min 0s"
                 * (systemd's style). */
                uint64_t s = t / USEC_PER_SEC, big, small;
                const char *big_unit, *small_unit;
                if (s < 3600)
                        big = s / 60, small = s % 60, big_unit = "min", small_unit = "s";
                else if (s < 86400)
                        big = s / 3600, small = (s % 3600) / 60, big_unit = "h", small_unit = "min";
                else
                        big = s / 86400, small = (s % 86400) / 3600, big_unit = "d", small_unit = "h";
                if (small == 0)
                        snprintf(buf, n, "%" PRIu64 "%s", big, big_unit);
                else
                        snprintf(buf, n, "%" PRIu64 "%s %" PRIu64 "%s", big, big_unit, small, small_unit);
        }
        return buf;
}
