/* SPDX-License-Identifier: MIT */
/*
 * The two Python readings of a word that supervisorctl's output depends on: int() (tail -BYTES, maintail
 * -BYTES) and supervisor.datatypes.signal_number() (signal), as supervisor 4.2.5 runs them on Debian 12's
 * Python 3.11. Checked word by word against the real supervisorctl and supervisord
 * (tests/host/test-supervisorctl-compat.sh).
 */

#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "parse-util.h"
#include "sctl.h"

/* Python 3.11's int() refuses decimal strings of more digits (sys.int_info.default_max_str_digits, the
 * CVE-2020-10735 limit): ValueError, so supervisorctl says "bad argument". Underscores do not count. */
#define PYTHON_INT_MAX_STR_DIGITS 4300

static bool is_digit(char ch) {
        return ch >= '0' && ch <= '9';
}

int python_int(const char *s, int64_t *ret) {
        bool negative = false, overflow = false;
        uint64_t v = 0;
        size_t digits = 0;

        assert(s);
        assert(ret);

        /* A sign, then digits with single underscores between them. Surrounding whitespace, which int() also
         * takes, cannot reach us: supervisorctl's words are split on it. Non-ASCII digits (int('١٥') is 15)
         * are not taken. */
        if (*s == '+' || *s == '-')
                negative = *s++ == '-';
        if (!is_digit(*s))
                return -EINVAL;
        for (; *s; s++) {
                if (*s == '_' && is_digit(s[1]))
                        continue;
                if (!is_digit(*s))
                        return -EINVAL;
                digits++;
                if (v > (UINT64_C(1) << 63) / 10)
                        overflow = true;
                else
                        v = v * 10 + (uint64_t) (*s - '0');
        }
        if (digits > PYTHON_INT_MAX_STR_DIGITS)
                return -EINVAL;
        if (overflow || v > (negative ? UINT64_C(1) << 63 : (uint64_t) INT64_MAX))
                return -ERANGE; /* a valid Python int, beyond what we carry */
        *ret = negative ? (int64_t) (0 - v) : (int64_t) v;
        return 0;
}

/* getattr(signal, NAME) for NAME = value.upper() with "SIG" put in front unless it starts with it. Python's
 * signal module has cgsup's signal names (parse-util.c: HUP ... SYS, IOT, POLL, CLD, RTMIN), RTMAX, and under
 * "SIG_" names that are no signals (signal.Handlers, the sigprocmask() constants) but are taken all the same.
 * cgsup's numbers, "RTMIN+N" and "RTMAX-N" are no names there. */
static int python_signal_attribute(const char *value) {
        static const struct {
                const char *name;
                int number;
        } not_signals[] = {
                /* Python's SIG_DFL and SIG_IGN are 0 and 1 (in C they are pointers). */
                { "_DFL", 0 }, { "_IGN", 1 }, { "_BLOCK", SIG_BLOCK }, { "_UNBLOCK", SIG_UNBLOCK },
                { "_SETMASK", SIG_SETMASK },
        };
        const char *name = strncasecmp(value, "SIG", 3) == 0 ? value + 3 : value;
        int sig;

        for (size_t i = 0; i < ELEMENTSOF(not_signals); i++)
                if (strcasecmp(name, not_signals[i].name) == 0)
                        return not_signals[i].number;
        /* Python's SIGRTMIN and SIGRTMAX are glibc's at import time, as here: 34 and 64. */
        if (strcasecmp(name, "RTMAX") == 0)
                return SIGRTMAX;
        if (!(name[0] >= 'A' && name[0] <= 'Z') && !(name[0] >= 'a' && name[0] <= 'z'))
                return -EINVAL;
        /* cgsup's RTMIN+N and RTMAX-N are no attributes of Python's signal module. */
        if (strpbrk(name, "+-"))
                return -EINVAL;
        /* @value, not @name: it takes off one "SIG" itself, so "SIGSIGHUP" stays unknown, as in Python. */
        sig = signal_from_string(value);
        return sig > 0 ? sig : -EINVAL;
}

int supervisor_signal_number(const char *value) {
        int64_t num;
        int r;

        assert(value);

        /* int(value) first: "15", "+15", "1_5", "-0". */
        r = python_int(value, &num);
        if (r == -EINVAL)
                return python_signal_attribute(value);
        if (r < 0)
                return -EINVAL;
        /* num in SIGNUMS, the numbers of those names: 0 .. 31 (each has a name), SIGRTMIN, SIGRTMAX; not 32, 33,
         * 35 .. 63. */
        if (num == 0 || num == SIGRTMIN || num == SIGRTMAX || (num > 0 && num < 32 && signal_to_string((int) num)))
                return (int) num;
        return -EINVAL;
}
