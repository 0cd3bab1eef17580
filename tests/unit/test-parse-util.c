/* SPDX-License-Identifier: MIT */
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "parse-util.h"
#include "tests.h"

TEST(parse_boolean) {
        ASSERT_EQ(parse_boolean("true"), 1);
        ASSERT_EQ(parse_boolean("TRUE"), 1);
        ASSERT_EQ(parse_boolean("yes"), 1);
        ASSERT_EQ(parse_boolean("on"), 1);
        ASSERT_EQ(parse_boolean("1"), 1);
        ASSERT_EQ(parse_boolean("false"), 0);
        ASSERT_EQ(parse_boolean("No"), 0);
        ASSERT_EQ(parse_boolean("off"), 0);
        ASSERT_EQ(parse_boolean("0"), 0);
        ASSERT_ERROR(parse_boolean(""), EINVAL);
        ASSERT_ERROR(parse_boolean("2"), EINVAL);
        ASSERT_ERROR(parse_boolean("truee"), EINVAL);
        ASSERT_ERROR(parse_boolean(" true"), EINVAL);
        ASSERT_ERROR(parse_boolean(NULL), EINVAL);
}

TEST(safe_atou64_atou_atoi) {
        uint64_t v = 7;
        unsigned u = 7;
        int i = 7;

        ASSERT_OK(safe_atou64("0", &v));
        ASSERT_EQ_U64(v, 0);
        ASSERT_OK(safe_atou64("18446744073709551615", &v));
        ASSERT_EQ_U64(v, UINT64_MAX);
        ASSERT_ERROR(safe_atou64("18446744073709551616", &v), ERANGE);
        ASSERT_ERROR(safe_atou64("-1", &v), EINVAL);
        ASSERT_ERROR(safe_atou64("+1", &v), EINVAL);
        ASSERT_ERROR(safe_atou64(" 1", &v), EINVAL);
        ASSERT_ERROR(safe_atou64("1 ", &v), EINVAL);
        ASSERT_ERROR(safe_atou64("", &v), EINVAL);
        ASSERT_ERROR(safe_atou64("12Q", &v), EINVAL);
        ASSERT_EQ_U64(v, UINT64_MAX); /* unchanged by failures */

        ASSERT_OK(safe_atou("4294967295", &u));
        ASSERT_EQ(u, 4294967295U);
        ASSERT_ERROR(safe_atou("4294967296", &u), ERANGE);

        ASSERT_OK(safe_atoi("-42", &i));
        ASSERT_EQ(i, -42);
        ASSERT_ERROR(safe_atoi("2147483648", &i), ERANGE);
        ASSERT_ERROR(safe_atoi("-2147483649", &i), ERANGE);
        ASSERT_ERROR(safe_atoi("4x", &i), EINVAL);
        ASSERT_EQ(i, -42);
}

TEST(parse_mode) {
        mode_t m = 0;
        ASSERT_OK(parse_mode("022", &m));
        ASSERT_EQ(m, 022);
        ASSERT_OK(parse_mode("0o027", &m));
        ASSERT_EQ(m, 027);
        ASSERT_OK(parse_mode("7777", &m));
        ASSERT_EQ(m, 07777);
        ASSERT_ERROR(parse_mode("17777", &m), ERANGE);
        ASSERT_ERROR(parse_mode("08", &m), EINVAL);
        ASSERT_ERROR(parse_mode("-1", &m), EINVAL);
        ASSERT_ERROR(parse_mode("0o", &m), EINVAL);
        ASSERT_ERROR(parse_mode("", &m), EINVAL);
        ASSERT_ERROR(parse_mode("rwx", &m), EINVAL);
}

TEST(signals) {
        ASSERT_EQ(signal_from_string("TERM"), SIGTERM);
        ASSERT_EQ(signal_from_string("SIGTERM"), SIGTERM);
        ASSERT_EQ(signal_from_string("term"), SIGTERM);
        ASSERT_EQ(signal_from_string("sigkill"), SIGKILL);
        ASSERT_EQ(signal_from_string("15"), SIGTERM);
        ASSERT_EQ(signal_from_string("HUP"), SIGHUP);
        ASSERT_EQ(signal_from_string("USR2"), SIGUSR2);
        ASSERT_EQ(signal_from_string("RTMIN"), SIGRTMIN);
        ASSERT_EQ(signal_from_string("RTMIN+3"), SIGRTMIN + 3);
        ASSERT_EQ(signal_from_string("SIGRTMIN+1"), SIGRTMIN + 1);
        ASSERT_EQ(signal_from_string("RTMAX"), SIGRTMAX);
        ASSERT_EQ(signal_from_string("SIGRTMAX-2"), SIGRTMAX - 2);
        ASSERT_EQ(signal_from_string("rtmax-1"), SIGRTMAX - 1);
        ASSERT_ERROR(signal_from_string("RTMAX+1"), EINVAL);
        ASSERT_ERROR(signal_from_string("RTMAX-100"), ERANGE);
        ASSERT_ERROR(signal_from_string("RTMIN-1"), EINVAL);
        ASSERT_ERROR(signal_from_string("RTMIN+100"), ERANGE);
        ASSERT_ERROR(signal_from_string("RTMIN+"), EINVAL);
        ASSERT_ERROR(signal_from_string("RTMINX"), EINVAL);
        ASSERT_ERROR(signal_from_string("0"), ERANGE);
        ASSERT_ERROR(signal_from_string("65"), ERANGE);
        ASSERT_ERROR(signal_from_string("-9"), ERANGE);
        ASSERT_ERROR(signal_from_string("NOPE"), EINVAL);
        ASSERT_ERROR(signal_from_string("SIG"), EINVAL);
        ASSERT_ERROR(signal_from_string(""), EINVAL);

        ASSERT_STREQ(signal_to_string(SIGTERM), "TERM");
        ASSERT_STREQ(signal_to_string(SIGKILL), "KILL");
        ASSERT_STREQ(signal_to_string(SIGABRT), "ABRT");
        ASSERT_NULL(signal_to_string(0));
        ASSERT_NULL(signal_to_string(1000));
        /* Round trip for every named signal. */
        for (int sig = 1; sig < SIGRTMIN; sig++) {
                const char *n = signal_to_string(sig);
                if (n)
                        ASSERT_EQ(signal_from_string(n), sig);
        }
}

TEST(parse_size) {
        uint64_t v = 0;

        ASSERT_OK(parse_size("1024", &v));
        ASSERT_EQ_U64(v, 1024);
        ASSERT_OK(parse_size("0", &v));
        ASSERT_EQ_U64(v, 0);
        ASSERT_OK(parse_size("512K", &v));
        ASSERT_EQ_U64(v, 512ULL << 10);
        ASSERT_OK(parse_size("512KB", &v));
        ASSERT_EQ_U64(v, 512ULL << 10);
        ASSERT_OK(parse_size("512M", &v));
        ASSERT_EQ_U64(v, 512ULL << 20);
        ASSERT_OK(parse_size("10MB", &v));
        ASSERT_EQ_U64(v, 10ULL << 20);
        ASSERT_OK(parse_size("1.5G", &v));
        ASSERT_EQ_U64(v, 3ULL << 29);
        ASSERT_OK(parse_size("2GiB", &v));
        ASSERT_EQ_U64(v, 2ULL << 30);
        ASSERT_OK(parse_size("1g", &v));
        ASSERT_EQ_U64(v, 1ULL << 30);
        ASSERT_OK(parse_size("0.5K", &v));
        ASSERT_EQ_U64(v, 512);
        ASSERT_OK(parse_size("1T", &v));
        ASSERT_EQ_U64(v, 1ULL << 40);
        ASSERT_OK(parse_size("100B", &v));
        ASSERT_EQ_U64(v, 100);

        ASSERT_ERROR(parse_size("", &v), EINVAL);
        ASSERT_ERROR(parse_size("12Q", &v), EINVAL);
        ASSERT_ERROR(parse_size("-5", &v), EINVAL);
        ASSERT_ERROR(parse_size("-5M", &v), EINVAL);
        ASSERT_ERROR(parse_size("1.5.5G", &v), EINVAL);
        ASSERT_ERROR(parse_size("1.5", &v), EINVAL); /* fractional bytes */
        ASSERT_ERROR(parse_size("M", &v), EINVAL);
        ASSERT_ERROR(parse_size("5.", &v), EINVAL);
        ASSERT_ERROR(parse_size(".", &v), EINVAL);
        /* strtold() would have taken these: */
        ASSERT_ERROR(parse_size("0x10", &v), EINVAL);
        ASSERT_ERROR(parse_size("1e3", &v), EINVAL);
        ASSERT_ERROR(parse_size("inf", &v), EINVAL);
        ASSERT_ERROR(parse_size("nan", &v), EINVAL);
        ASSERT_ERROR(parse_size("20000000T", &v), ERANGE);
        ASSERT_ERROR(parse_size("99999999999999999999999", &v), ERANGE);
        ASSERT_EQ_U64(v, 100);
}

TEST(parse_size_ignores_locale) {
        uint64_t v = 0;
        /* A locale with a decimal comma must not change how "1.5G" reads (cgsupctl calls setlocale()). */
        if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "fr_FR.UTF-8"))
                SKIP("no decimal-comma locale installed");
        ASSERT_OK(parse_size("1.5G", &v));
        ASSERT_EQ_U64(v, 3ULL << 29);
        ASSERT_OK(parse_permyriad("12.5%", &v));
        ASSERT_EQ_U64(v, 1250);
}

TEST(parse_sec) {
        usec_t t = 0;

        ASSERT_OK(parse_sec("10", &t));
        ASSERT_EQ_U64(t, 10 * USEC_PER_SEC);
        ASSERT_OK(parse_sec("1.5s", &t));
        ASSERT_EQ_U64(t, 1500 * USEC_PER_MSEC);
        ASSERT_OK(parse_sec("500ms", &t));
        ASSERT_EQ_U64(t, 500 * USEC_PER_MSEC);
        ASSERT_OK(parse_sec("2min", &t));
        ASSERT_EQ_U64(t, 120 * USEC_PER_SEC);
        ASSERT_OK(parse_sec("1h", &t));
        ASSERT_EQ_U64(t, 3600 * USEC_PER_SEC);
        ASSERT_OK(parse_sec("100us", &t));
        ASSERT_EQ_U64(t, 100);
        ASSERT_OK(parse_sec("0", &t));
        ASSERT_EQ_U64(t, 0);
        ASSERT_OK(parse_sec("0.1", &t));
        ASSERT_EQ_U64(t, 100 * USEC_PER_MSEC);

        ASSERT_ERROR(parse_sec("", &t), EINVAL);
        ASSERT_ERROR(parse_sec("-1", &t), EINVAL);
        ASSERT_ERROR(parse_sec("10 years", &t), EINVAL);
        ASSERT_ERROR(parse_sec("1e3", &t), EINVAL);
        ASSERT_ERROR(parse_sec("s", &t), EINVAL);
        ASSERT_ERROR(parse_sec("99999999999999999d", &t), ERANGE);
        ASSERT_EQ_U64(t, 100 * USEC_PER_MSEC);
}

TEST(parse_permyriad) {
        uint64_t v = 0;

        ASSERT_OK(parse_permyriad("150%", &v));
        ASSERT_EQ_U64(v, 15000);
        ASSERT_OK(parse_permyriad("12.5%", &v));
        ASSERT_EQ_U64(v, 1250);
        ASSERT_OK(parse_permyriad("12.34%", &v));
        ASSERT_EQ_U64(v, 1234);
        ASSERT_OK(parse_permyriad("0.29%", &v)); /* 0.29 * 100 is 28.999… in binary floating point */
        ASSERT_EQ_U64(v, 29);
        ASSERT_OK(parse_permyriad("0.07%", &v));
        ASSERT_EQ_U64(v, 7);
        ASSERT_OK(parse_permyriad("1.100%", &v)); /* trailing zeros are not extra precision */
        ASSERT_EQ_U64(v, 110);
        ASSERT_OK(parse_permyriad("0%", &v));
        ASSERT_EQ_U64(v, 0);

        ASSERT_ERROR(parse_permyriad("150", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("12.345%", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("-5%", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("%", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("5%%", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("0x10%", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("", &v), EINVAL);
        ASSERT_ERROR(parse_permyriad("100000000000%", &v), ERANGE);
        ASSERT_EQ_U64(v, 0);
}

TEST(format_bytes) {
        char buf[32];
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 0), "0B");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 1023), "1023B");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 1024), "1K");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 1536), "1.5K");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 512ULL << 20), "512M");
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), 3ULL << 29), "1.5G");
        /* Just under 1M must not print as "1024.0K". */
        ASSERT_STREQ(format_bytes(buf, sizeof(buf), (1ULL << 20) - 10), "1.0M");
}

TEST(format_timespan) {
        char buf[64];
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 0), "0s");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 7), "7us");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 150 * USEC_PER_MSEC), "150ms");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 1500 * USEC_PER_MSEC), "1.5s");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 62 * USEC_PER_SEC), "1min 2s");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 3720 * USEC_PER_SEC), "1h 2min");
        /* A zero second unit is left out, as systemd does. */
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 60 * USEC_PER_SEC), "1min");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 60 * USEC_PER_SEC + 999 * USEC_PER_MSEC), "1min");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 7200 * USEC_PER_SEC + 59 * USEC_PER_SEC), "2h");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 3 * 86400 * USEC_PER_SEC), "3d");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), 90000 * USEC_PER_SEC), "1d 1h");
        ASSERT_STREQ(format_timespan(buf, sizeof(buf), USEC_INFINITY), "infinity");

        /* Timestamps: systemd's date, nothing for 0 (never). */
        ASSERT_OK(setenv("TZ", "UTC", 1));
        tzset();
        ASSERT_STREQ(format_timestamp(buf, sizeof(buf), 1796544535500791), "Sun 2026-12-06 08:08:55 UTC");
        ASSERT_STREQ(format_timestamp(buf, sizeof(buf), 0), "");
        ASSERT_STREQ(format_timestamp(buf, 4, 1796544535500791), "");
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
