/* SPDX-License-Identifier: MIT */
/* cgsup-supervisorctl's Python readings: int() and supervisor.datatypes.signal_number(), each case as
 * supervisorctl 4.2.5 and supervisord answered it on Debian 12 (Python 3.11.2): "not running" from a stopped
 * program for a good signal, "bad signal name" for a bad one. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sctl.h"
#include "tests.h"

TEST(python_int) {
        static const struct {
                const char *s;
                int r;
                int64_t v;
        } cases[] = {
                { "0", 0, 0 },          { "-0", 0, 0 },          { "+15", 0, 15 },       { "007", 0, 7 },
                { "1_000", 0, 1000 },   { "0_0", 0, 0 },         { "-1_5", 0, -15 },     { "1__5", -EINVAL, 0 },
                { "_15", -EINVAL, 0 },  { "15_", -EINVAL, 0 },   { "", -EINVAL, 0 },     { "-", -EINVAL, 0 },
                { "+-1", -EINVAL, 0 },  { "1.5", -EINVAL, 0 },   { "0x1", -EINVAL, 0 },  { "1e3", -EINVAL, 0 },
                { "9223372036854775807", 0, INT64_MAX },         { "-9223372036854775808", 0, INT64_MIN },
                { "9223372036854775808", -ERANGE, 0 },           { "-9223372036854775809", -ERANGE, 0 },
                { "99999999999999999999999", -ERANGE, 0 },
        };
        char *big;
        int64_t v;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                v = 42;
                ASSERT_EQ(python_int(cases[i].s, &v), cases[i].r);
                ASSERT_EQ(v, cases[i].r == 0 ? cases[i].v : 42);
        }

        /* Python 3.11's limit: 4300 digits are an int (here beyond int64), 4301 a ValueError; underscores do
         * not count. */
        ASSERT_NOT_NULL(big = malloc(2 * 4301 + 1));
        memset(big, '9', 4300);
        big[4300] = 0;
        ASSERT_ERROR(python_int(big, &v), ERANGE);
        strcpy(big + 4300, "9");
        ASSERT_ERROR(python_int(big, &v), EINVAL);
        for (size_t i = 0; i < 4300; i++)
                memcpy(big + 2 * i, "1_", 2);
        strcpy(big + 2 * 4300, "1");
        ASSERT_ERROR(python_int(big, &v), EINVAL); /* 4301 digits */
        strcpy(big + 4300, "1"); /* "1_1_..._1" of 2151 digits */
        ASSERT_ERROR(python_int(big, &v), ERANGE);
        free(big);
}

TEST(supervisor_signal_number) {
        static const struct {
                const char *s;
                int sig;
        } good[] = {
                { "HUP", SIGHUP },    { "hup", SIGHUP },       { "SIGHUP", SIGHUP },    { "sigHup", SIGHUP },
                { "15", SIGTERM },    { "+15", SIGTERM },      { "1_5", SIGTERM },      { "31", SIGSYS },
                { "0", 0 },           { "-0", 0 },             { "00", 0 },             { "0_0", 0 },
                { "_DFL", 0 },        { "_dfl", 0 },           { "SIG_DFL", 0 },        { "_BLOCK", 0 },
                { "sig_ign", 1 },     { "_IGN", 1 },           { "_UNBLOCK", 1 },       { "_SETMASK", 2 },
                { "RTMIN", 34 },      { "rtmin", 34 },         { "SIGRTMIN", 34 },      { "34", 34 },
                { "RTMAX", 64 },      { "sigrtmax", 64 },      { "64", 64 },            { "CLD", SIGCHLD },
                { "IOT", SIGABRT },   { "POLL", SIGIO },       { "PWR", SIGPWR },       { "STKFLT", SIGSTKFLT },
                { "IO", SIGIO },
        };
        static const char *const bad[] = {
                "DFL", "SIG", "SIGSIGHUP", "RTMIN+1", "SIGRTMIN+1", "RTMAX-1", "32", "33", "35", "40", "63", "65",
                "-1", "-9", "1.5", "0x1", "1__5", "_15", "15_", "SIGNALS", "Signals", "_", "", "FOO",
                "99999999999999999999999",
        };

        /* [k for k in dir(signal) if k.startswith('SIG')], Python 3.11 on Linux, with their numbers. */
        static const struct {
                const char *name;
                int sig;
        } python[] = {
                { "SIGABRT", 6 },    { "SIGALRM", 14 },  { "SIGBUS", 7 },     { "SIGCHLD", 17 },  { "SIGCLD", 17 },
                { "SIGCONT", 18 },   { "SIGFPE", 8 },    { "SIGHUP", 1 },     { "SIGILL", 4 },    { "SIGINT", 2 },
                { "SIGIO", 29 },     { "SIGIOT", 6 },    { "SIGKILL", 9 },    { "SIGPIPE", 13 },  { "SIGPOLL", 29 },
                { "SIGPROF", 27 },   { "SIGPWR", 30 },   { "SIGQUIT", 3 },    { "SIGRTMAX", 64 }, { "SIGRTMIN", 34 },
                { "SIGSEGV", 11 },   { "SIGSTKFLT", 16 }, { "SIGSTOP", 19 },  { "SIGSYS", 31 },   { "SIGTERM", 15 },
                { "SIGTRAP", 5 },    { "SIGTSTP", 20 },  { "SIGTTIN", 21 },   { "SIGTTOU", 22 },  { "SIGURG", 23 },
                { "SIGUSR1", 10 },   { "SIGUSR2", 12 },  { "SIGVTALRM", 26 }, { "SIGWINCH", 28 }, { "SIGXCPU", 24 },
                { "SIGXFSZ", 25 },   { "SIG_BLOCK", 0 }, { "SIG_DFL", 0 },    { "SIG_IGN", 1 },   { "SIG_SETMASK", 2 },
                { "SIG_UNBLOCK", 1 },
        };

        /* Python's SIGRTMIN/SIGRTMAX are glibc's; the recorded answers were for 34 and 64. */
        if (SIGRTMIN != 34 || SIGRTMAX != 64)
                tests_skip("SIGRTMIN %d, SIGRTMAX %d: not glibc's 34 and 64", SIGRTMIN, SIGRTMAX);
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ASSERT_EQ(supervisor_signal_number(good[i].s), good[i].sig);
        for (size_t i = 0; i < ELEMENTSOF(python); i++) {
                char number[16];

                ASSERT_EQ(supervisor_signal_number(python[i].name), python[i].sig);
                ASSERT_EQ(supervisor_signal_number(python[i].name + 3), python[i].sig);
                snprintf(number, sizeof number, "%d", python[i].sig);
                ASSERT_EQ(supervisor_signal_number(number), python[i].sig);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_ERROR(supervisor_signal_number(bad[i]), EINVAL);
}

TEST(parse_bytes_modifier) {
        int64_t v;

        /* -BYTES must fit XML-RPC's 32-bit <int>; beyond it supervisorctl prints the OverflowError. */
        ASSERT_OK(parse_bytes_modifier("-2147483648", &v));
        ASSERT_EQ(v, 2147483648);
        ASSERT_OK(parse_bytes_modifier("--2147483647", &v));
        ASSERT_EQ(v, -2147483647);
        ASSERT_ERROR(parse_bytes_modifier("-2147483649", &v), ERANGE);
        ASSERT_ERROR(parse_bytes_modifier("--2147483648", &v), ERANGE);
        ASSERT_ERROR(parse_bytes_modifier("-99999999999999999999999", &v), ERANGE);
        ASSERT_ERROR(parse_bytes_modifier("-x", &v), EINVAL);
        ASSERT_ERROR(parse_bytes_modifier("-", &v), EINVAL);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
