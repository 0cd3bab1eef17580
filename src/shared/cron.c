/* SPDX-License-Identifier: MIT */
/*
 * Cron expressions (see cron.h). The next run is searched on the wall clock, day by day, as plain calendar
 * arithmetic (timegm: no DST), and only the match is converted to a real time in the zone with mktime():
 * a search over real time would step over the skipped hour or twice through the repeated one.
 */
#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cron.h"
#include "macro.h"

static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
                                           "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const day_names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

typedef struct FieldDef {
        unsigned min, max;
        const char *const *names; /* names[i] is min + i */
        size_t n_names;
} FieldDef;

static const FieldDef fields[5] = {
        { 0, 59, NULL, 0 },
        { 0, 23, NULL, 0 },
        { 1, 31, NULL, 0 },
        { 1, 12, month_names, 12 },
        { 0, 7, day_names, 7 }, /* 7 = Sunday, folded to 0 */
};

static int parse_value(const char **p, const FieldDef *f, unsigned *ret) {
        const char *s = *p;

        if (isdigit((unsigned char) *s)) {
                unsigned v = 0;
                size_t n = 0;
                for (; isdigit((unsigned char) *s) && n < 3; s++, n++)
                        v = v * 10 + (unsigned) (*s - '0');
                if (isdigit((unsigned char) *s) || v < f->min || v > f->max)
                        return -EINVAL;
                *ret = v;
                *p = s;
                return 0;
        }
        for (size_t i = 0; i < f->n_names; i++)
                if (strncasecmp(s, f->names[i], 3) == 0 && !isalpha((unsigned char) s[3])) {
                        *ret = f->min + (unsigned) i;
                        *p = s + 3;
                        return 0;
                }
        return -EINVAL;
}

/* One field: comma-separated items, each '*' or N or N-M, optionally /STEP. */
static int parse_field(const char *s, size_t len, const FieldDef *f, uint64_t *ret, bool *ret_star) {
        _cleanup_free_ char *copy = strndup(s, len);
        uint64_t bits = 0;
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        *ret_star = streq(copy, "*") || streq(copy, "?");
        if (len == 0 || copy[len - 1] == ',' || copy[0] == ',' || strstr(copy, ",,"))
                return -EINVAL;
        for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
                const char *p = item;
                unsigned lo, hi, step = 1;

                if (*p == '*' || *p == '?') {
                        lo = f->min;
                        hi = f->max == 7 ? 6 : f->max;
                        p++;
                } else {
                        if (parse_value(&p, f, &lo) < 0)
                                return -EINVAL;
                        hi = lo;
                        if (*p == '-') {
                                p++;
                                if (parse_value(&p, f, &hi) < 0 || hi < lo)
                                        return -EINVAL;
                        }
                }
                if (*p == '/') {
                        p++;
                        if (!isdigit((unsigned char) *p))
                                return -EINVAL;
                        step = (unsigned) strtoul(p, (char **) &p, 10);
                        if (step == 0 || step > f->max + 1)
                                return -EINVAL;
                        if (hi == lo && item[0] != '*')
                                hi = f->max == 7 ? 6 : f->max; /* "5/15": from 5 to the end */
                }
                if (*p)
                        return -EINVAL;
                for (unsigned v = lo; v <= hi; v += step)
                        bits |= UINT64_C(1) << (f->max == 7 && v == 7 ? 0 : v);
        }
        *ret = bits;
        return 0;
}

static const struct {
        const char *name;
        const char *expr;
} shorthands[] = {
        { "@yearly", "0 0 1 1 *" },  { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
        { "@weekly", "0 0 * * 0" },  { "@daily", "0 0 * * *" },    { "@midnight", "0 0 * * *" },
        { "@hourly", "0 * * * *" },
};

int cron_parse(const char *s, CronSpec *ret, const char **reterr_reason) {
        const char *why = "not a cron expression: five fields (minute hour day-of-month month day-of-week) or "
                          "@yearly, @monthly, @weekly, @daily, @hourly";
        CronSpec spec = {};
        uint64_t bits[5];
        bool star[5];
        size_t n = 0;
        int r;

        assert(s);
        assert(ret);

        while (isspace((unsigned char) *s))
                s++;
        if (*s == '@') {
                size_t l = strcspn(s, " \t\n");
                if (s[l + strspn(s + l, " \t\n")] != '\0')
                        goto invalid;
                for (size_t i = 0; i < ELEMENTSOF(shorthands); i++)
                        if (strlen(shorthands[i].name) == l && strncasecmp(s, shorthands[i].name, l) == 0)
                                return cron_parse(shorthands[i].expr, ret, reterr_reason);
                goto invalid;
        }
        while (*s) {
                size_t l = strcspn(s, " \t\n");
                if (n >= 5)
                        goto invalid;
                r = parse_field(s, l, &fields[n], &bits[n], &star[n]);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        static const char *const field_why[5] = {
                                "bad minute field (0-59)", "bad hour field (0-23)",
                                "bad day-of-month field (1-31)", "bad month field (1-12 or jan-dec)",
                                "bad day-of-week field (0-7 or sun-sat)",
                        };
                        if (reterr_reason)
                                *reterr_reason = field_why[n];
                        return -EINVAL;
                }
                n++;
                s += l;
                while (isspace((unsigned char) *s))
                        s++;
        }
        if (n != 5)
                goto invalid;
        spec = (CronSpec) {
                .minutes = bits[0],
                .hours = (uint32_t) bits[1],
                .days = (uint32_t) bits[2],
                .months = (uint16_t) bits[3],
                .weekdays = (uint8_t) bits[4],
                .days_star = star[2],
                .weekdays_star = star[4],
        };
        *ret = spec;
        return 0;
invalid:
        if (reterr_reason)
                *reterr_reason = why;
        return -EINVAL;
}

static bool day_matches(const CronSpec *c, const struct tm *tm) {
        bool dom = c->days & (UINT32_C(1) << tm->tm_mday);
        bool dow = c->weekdays & (1U << tm->tm_wday);

        if (!(c->months & (1U << (tm->tm_mon + 1))))
                return false;
        /* Vixie cron: with both day fields restricted, either one matching is enough. */
        if (!c->days_star && !c->weekdays_star)
                return dom || dow;
        return dom && dow;
}

/* Whether @t shows as @wall's hour and minute on the clock of the current TZ. */
static bool shows_as(time_t t, const struct tm *wall) {
        struct tm tm;
        return localtime_r(&t, &tm) && tm.tm_hour == wall->tm_hour && tm.tm_min == wall->tm_min &&
               tm.tm_mday == wall->tm_mday;
}

/* Real time of wall-clock @wall (broken down) in the current TZ. A time the fall-back repeats is the
 * earlier of the two, always (mktime() with tm_isdst = -1 picks either, depending on its last call, which
 * would run a job twice); a time the spring-forward jump skips is moved forward by the jump (mktime()). */
static time_t wall_to_real(const struct tm *wall) {
        time_t best = (time_t) -1;

        for (int dst = 0; dst <= 1; dst++) {
                struct tm t = *wall;
                t.tm_isdst = dst;
                time_t r = mktime(&t);
                if (r != (time_t) -1 && shows_as(r, wall) && (best == (time_t) -1 || r < best))
                        best = r;
        }
        if (best == (time_t) -1) {
                struct tm t = *wall;
                t.tm_isdst = -1;
                best = mktime(&t);
        }
        return best;
}

static int next_in_current_zone(const CronSpec *c, time_t after, time_t *ret) {
        struct tm now_wall;
        time_t wall_day;

        if (!localtime_r(&after, &now_wall))
                return -EINVAL;
        /* The wall clock as if it were UTC, so days are 86400 s and minutes 60 s apart. */
        now_wall.tm_sec = 0;
        time_t now_w = timegm(&now_wall);
        wall_day = now_w - now_wall.tm_hour * 3600 - now_wall.tm_min * 60;

        for (unsigned d = 0; d < 366U * 8U; d++, wall_day += 86400) {
                struct tm day;
                if (!gmtime_r(&wall_day, &day))
                        return -EINVAL;
                if (!day_matches(c, &day))
                        continue;
                for (int h = 0; h < 24; h++) {
                        if (!(c->hours & (UINT32_C(1) << h)))
                                continue;
                        for (int mi = 0; mi < 60; mi++) {
                                if (!(c->minutes & (UINT64_C(1) << mi)))
                                        continue;
                                time_t w = wall_day + h * 3600 + mi * 60;
                                /* strictly after the current wall minute (it has begun already) */
                                if (w <= now_w)
                                        continue;
                                struct tm wt;
                                if (!gmtime_r(&w, &wt))
                                        return -EINVAL;
                                time_t real = wall_to_real(&wt);
                                /* strictly later in real time: this also skips the second pass through a
                                 * repeated hour after a run in the first */
                                if (real > after) {
                                        *ret = real;
                                        return 0;
                                }
                        }
                }
        }
        return -ERANGE;
}

int cron_next(const CronSpec *spec, const char *tz, time_t after, time_t *ret) {
        _cleanup_free_ char *saved = NULL;
        const char *old;
        bool had_tz;
        int r;

        assert(spec);
        assert(ret);

        if (!tz || !*tz) {
                tzset();
                return next_in_current_zone(spec, after, ret);
        }
        old = getenv("TZ");
        had_tz = old != NULL;
        if (had_tz) {
                saved = strdup(old);
                if (!saved)
                        return -ENOMEM;
        }
        if (setenv("TZ", tz, 1) < 0)
                return -errno;
        tzset();
        r = next_in_current_zone(spec, after, ret);
        if (had_tz)
                (void) setenv("TZ", saved, 1);
        else
                (void) unsetenv("TZ");
        tzset();
        return r;
}

bool cron_timezone_is_valid(const char *tz) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        if (!tz || !*tz || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 255)
                return false;
        for (const char *c = tz; *c; c++)
                if (!isalnum((unsigned char) *c) && !strchr("/_+-", *c))
                        return false;
        if (asprintf(&path, "/usr/share/zoneinfo/%s", tz) < 0)
                return false;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
