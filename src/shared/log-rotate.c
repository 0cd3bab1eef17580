/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log-rotate.h"

int log_rotate_files(const char *path, unsigned backups) {
        size_t n = strlen(path) + 16;
        char from[n], to[n];

        if (backups == 0)
                return truncate(path, 0) < 0 && errno != ENOENT ? -errno : 0;

        snprintf(to, n, "%s.%u", path, backups);
        if (unlink(to) < 0 && errno != ENOENT)
                return -errno;
        for (unsigned i = backups - 1; i >= 1; i--) {
                snprintf(from, n, "%s.%u", path, i);
                snprintf(to, n, "%s.%u", path, i + 1);
                if (rename(from, to) < 0 && errno != ENOENT)
                        return -errno;
        }
        snprintf(to, n, "%s.1", path);
        if (rename(path, to) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
