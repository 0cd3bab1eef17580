/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * schedule=: cron's five fields (minute hour day-of-month month day-of-week) with '*', lists, ranges,
 * steps ("*\/15", "1-5/2") and names (jan..dec, sun..sat; 7 is Sunday too), or @yearly (@annually),
 * @monthly, @weekly, @daily (@midnight), @hourly. As in Vixie cron, when both day fields are restricted a
 * day matching either one is a match. Pure: the time zone is an argument, the clock the caller's.
 */

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

typedef struct CronSpec {
        uint64_t minutes;   /* bit n: minute n (0..59) */
        uint32_t hours;     /* 0..23 */
        uint32_t days;      /* bit n: day n of the month (1..31) */
        uint16_t months;    /* bit n: month n (1..12) */
        uint8_t weekdays;   /* bit n: weekday n (0 = Sunday .. 6) */
        bool days_star, weekdays_star; /* the field was '*' (for the either-day rule) */
} CronSpec;

/* Parses @s. Returns 0, or -EINVAL with a static reason in *reterr_reason. */
int cron_parse(const char *s, CronSpec *ret, const char **reterr_reason);

/*
 * cron_next() - the first time strictly after @after (seconds since the epoch) whose wall-clock time in
 * @tz (NULL or "" = the local zone, else an IANA name such as "Europe/Berlin") matches @spec, in *ret.
 * Across DST: a wall-clock time the spring-forward jump skips runs at the same distance after the jump
 * (02:30 becomes 03:30); one the fall-back repeats runs once. Returns 0, or -ERANGE when nothing matches
 * within eight years (e.g. "0 0 31 2 *").
 * It sets TZ for the duration of the call (the daemon has no threads) and restores it.
 */
int cron_next(const CronSpec *spec, const char *tz, time_t after, time_t *ret);

/* Whether @tz names a zone this system has (a file under /usr/share/zoneinfo, no "..", no leading '/'). */
bool cron_timezone_is_valid(const char *tz);
