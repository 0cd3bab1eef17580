/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log-rotate.h"

const char *const log_rotate_suffixes[] = { "", ".gz", ".zst", NULL };

int log_rotate_files(const char *path, unsigned backups) {
        size_t n = strlen(path) + 32;
        char from[n], to[n];

        if (backups == 0)
                return truncate(path, 0) < 0 && errno != ENOENT ? -errno : 0;

        for (const char *const *x = log_rotate_suffixes; *x; x++) {
                snprintf(to, n, "%s.%u%s", path, backups, *x);
                if (unlink(to) < 0 && errno != ENOENT)
                        return -errno;
        }
        for (unsigned i = backups - 1; i >= 1; i--)
                for (const char *const *x = log_rotate_suffixes; *x; x++) {
                        snprintf(from, n, "%s.%u%s", path, i, *x);
                        snprintf(to, n, "%s.%u%s", path, i + 1, *x);
                        if (rename(from, to) < 0 && errno != ENOENT)
                                return -errno;
                }
        snprintf(to, n, "%s.1", path);
        if (rename(path, to) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

#define USEC_PER_SEC_U64 UINT64_C(1000000)

uint64_t log_rotate_next_boundary(uint64_t now_usec, bool daily) {
        time_t now = (time_t) (now_usec / USEC_PER_SEC_U64), next;
        struct tm tm;

        if (!localtime_r(&now, &tm))
                return now_usec + (daily ? 86400 : 3600) * USEC_PER_SEC_U64;
        if (!daily) {
                /* From the offset in force now, not from tm_hour + 1 through mktime(): in the hour that repeats
                 * when summer time ends, 03:00 would be the second 03:00 and an hour would be skipped. */
                int64_t local = (int64_t) now + tm.tm_gmtoff;
                next = now + (time_t) (3600 - ((local % 3600) + 3600) % 3600);
        } else {
                /* Midnight is never the repeated hour; where a change skips it, mktime() gives the first
                 * time that exists (01:00). */
                tm.tm_mday++;
                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                tm.tm_isdst = -1;
                next = mktime(&tm);
                if (next == (time_t) -1 || next <= now)
                        next = now + 86400;
        }
        return (uint64_t) next * USEC_PER_SEC_U64;
}
