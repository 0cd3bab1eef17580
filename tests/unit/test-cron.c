/* SPDX-License-Identifier: MIT */
/* schedule=: cron expressions against a fake clock (the "after" argument), across month ends and DST. */
#include <stdio.h>
#include <time.h>

#include "cron.h"
#include "tests.h"

/* "YYYY-MM-DD HH:MM" in zone @tz as seconds since the epoch (via cron's own rule: tm_isdst = -1). */
static time_t at(const char *tz, const char *s) {
        struct tm tm = {};
        ASSERT_NOT_NULL(strptime(s, "%Y-%m-%d %H:%M", &tm));
        ASSERT_EQ(setenv("TZ", tz, 1), 0);
        tzset();
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        ASSERT_EQ(unsetenv("TZ"), 0);
        tzset();
        return t;
}

/* The next run after @from (wall time in @tz), as UTC "YYYY-MM-DD HH:MM". */
static const char *next_utc(const char *expr, const char *tz, const char *from, char *buf, size_t size) {
        CronSpec c;
        const char *why = NULL;
        time_t t;
        struct tm tm;

        ASSERT_OK(cron_parse(expr, &c, &why));
        ASSERT_OK(cron_next(&c, tz, at(tz, from), &t));
        ASSERT_NOT_NULL(gmtime_r(&t, &tm));
        strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
        return buf;
}

#define NEXT_IS(expr, tz, from, want)                                                                          \
        do {                                                                                                   \
                char _b[64];                                                                                   \
                ASSERT_STREQ(next_utc(expr, tz, from, _b, sizeof _b), want);                                   \
        } while (0)

TEST(parse_errors) {
        CronSpec c;
        const char *why = NULL;
        ASSERT_ERROR(cron_parse("* * * *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("* * * * * *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("60 * * * *", &c, &why), EINVAL);
        ASSERT_STR_CONTAINS(why, "minute");
        ASSERT_ERROR(cron_parse("* 24 * * *", &c, &why), EINVAL);
        ASSERT_STR_CONTAINS(why, "hour");
        ASSERT_ERROR(cron_parse("* * 0 * *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("* * * 13 *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("* * * * 8", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("*/0 * * * *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("5-1 * * * *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("1,,2 * * * *", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("@often", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("@daily 5", &c, &why), EINVAL);
        ASSERT_ERROR(cron_parse("", &c, &why), EINVAL);
        ASSERT_OK(cron_parse("0,30 9-17/2 * jan-mar mon-fri", &c, &why));
        ASSERT_OK(cron_parse("  @HOURLY ", &c, &why));
}

TEST(basic_fields) {
        NEXT_IS("*/15 * * * *", "UTC", "2026-03-01 10:07", "2026-03-01 10:15");
        NEXT_IS("*/15 * * * *", "UTC", "2026-03-01 10:15", "2026-03-01 10:30");
        NEXT_IS("0 9 * * mon-fri", "UTC", "2026-12-05 10:00", "2026-12-07 09:00"); /* Sat -> Mon */
        NEXT_IS("30 2 * * 7", "UTC", "2026-12-05 10:00", "2026-12-06 02:30");     /* 7 = Sunday */
        NEXT_IS("@hourly", "UTC", "2026-12-31 23:59", "2027-01-01 00:00");
        NEXT_IS("@daily", "UTC", "2026-12-31 00:00", "2027-01-01 00:00");
        NEXT_IS("@yearly", "UTC", "2026-06-15 12:00", "2027-01-01 00:00");
        /* either-day rule: the 13th or any Friday */
        NEXT_IS("0 0 13 * fri", "UTC", "2026-12-05 12:00", "2026-12-11 00:00");
}

TEST(weekly_and_month_ends) {
        NEXT_IS("@weekly", "UTC", "2026-12-05 12:00", "2026-12-06 00:00"); /* Sunday midnight */
        NEXT_IS("@weekly", "UTC", "2026-12-06 00:00", "2026-12-13 00:00");
        NEXT_IS("@monthly", "UTC", "2026-01-31 12:00", "2026-02-01 00:00");
        /* the 31st skips the months without one */
        NEXT_IS("0 12 31 * *", "UTC", "2026-01-31 12:00", "2026-03-31 12:00");
        NEXT_IS("0 12 31 * *", "UTC", "2026-04-01 00:00", "2026-05-31 12:00");
        /* Feb 29 only in leap years */
        NEXT_IS("0 0 29 2 *", "UTC", "2026-03-01 00:00", "2028-02-29 00:00");
        NEXT_IS("0 0 30 * *", "UTC", "2027-01-30 00:00", "2027-03-30 00:00");
        CronSpec c;
        time_t t;
        ASSERT_OK(cron_parse("0 0 31 2 *", &c, NULL));
        ASSERT_ERROR(cron_next(&c, "UTC", 0, &t), ERANGE);
}

TEST(time_zone_and_dst) {
        /* 09:00 in New York is 14:00 UTC in winter, 13:00 in summer */
        NEXT_IS("0 9 * * *", "America/New_York", "2026-01-10 10:00", "2026-01-11 14:00");
        NEXT_IS("0 9 * * *", "America/New_York", "2026-07-10 10:00", "2026-07-11 13:00");
        /* spring forward (2026-03-08, 02:00 EST -> 03:00 EDT): 02:30 does not exist and runs at 03:30
         * EDT (07:30 UTC), once; the next day is 02:30 EDT again */
        NEXT_IS("30 2 * * *", "America/New_York", "2026-03-08 01:00", "2026-03-08 07:30");
        NEXT_IS("30 2 * * *", "America/New_York", "2026-03-08 03:31", "2026-03-09 06:30");
        /* the day before and after: 24 wall-clock hours are 23 real ones */
        NEXT_IS("0 1 * * *", "America/New_York", "2026-03-07 01:00", "2026-03-08 06:00");
        NEXT_IS("0 1 * * *", "America/New_York", "2026-03-08 01:00", "2026-03-09 05:00");
        /* fall back (2026-11-01, 02:00 EDT -> 01:00 EST): 01:30 happens twice and runs once */
        {
                CronSpec c;
                time_t first, second, after_first;
                ASSERT_OK(cron_parse("30 1 * * *", &c, NULL));
                ASSERT_OK(cron_next(&c, "America/New_York", at("America/New_York", "2026-11-01 00:00"), &first));
                ASSERT_OK(cron_next(&c, "America/New_York", first, &after_first));
                ASSERT_EQ((long) (after_first - first) > 23 * 3600, 1); /* the next day, not an hour later */
                ASSERT_OK(cron_next(&c, "America/New_York", first + 1800, &second));
                ASSERT_EQ((long) second, (long) after_first);
        }
        /* Europe: 2026-03-29 02:00 CET -> 03:00 CEST; an hourly job runs at 03:00 CEST after 01:00 CET */
        NEXT_IS("0 * * * *", "Europe/Berlin", "2026-03-29 01:00", "2026-03-29 01:00");
        /* our own TZ is left as it was */
        ASSERT_NULL(getenv("TZ"));
}

TEST(timezone_names) {
        ASSERT_TRUE(cron_timezone_is_valid("Europe/Berlin"));
        ASSERT_TRUE(cron_timezone_is_valid("UTC"));
        ASSERT_FALSE(cron_timezone_is_valid("Mars/Olympus"));
        ASSERT_FALSE(cron_timezone_is_valid("../etc/passwd"));
        ASSERT_FALSE(cron_timezone_is_valid("/etc/localtime"));
        ASSERT_FALSE(cron_timezone_is_valid(""));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
