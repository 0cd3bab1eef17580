/* SPDX-License-Identifier: MIT */
/*
 * /proc readers for processes cgsupd did not start (see proc-info.h).
 */

#include <assert.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"
#include "proc-info.h"
#include "strv.h"

int proc_stat_field(pid_t pid, unsigned field, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        const char *p;
        uint64_t v;
        int r;

        assert(field >= 4 && ret);
        if (pid <= 0)
                return -ENOENT; /* as /proc/PID/stat of no process */
        snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        r = read_full_file_at(AT_FDCWD, path, 4096, &text, NULL);
        if (r < 0)
                return r;
        /* comm may contain spaces and parentheses: fields start after the last ')'. */
        p = strrchr(text, ')');
        if (!p)
                return -EBADMSG;
        p++;
        /* Field 3 (state) is the first after ')'. */
        for (unsigned f = 3; f < field; f++) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EBADMSG;
        }
        if (sscanf(p, " %" SCNu64, &v) != 1)
                return -EBADMSG;
        *ret = v;
        return 0;
}

int proc_uids(pid_t pid, uid_t ret[4]) {
        _cleanup_free_ char *text = NULL;
        char path[64];
        unsigned u[4];
        const char *line;
        int r;

        assert(pid > 0 && ret);
        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        r = read_full_file_at(AT_FDCWD, path, 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        line = strstr(text, "\nUid:");
        if (!line || sscanf(line + 5, "%u %u %u %u", &u[0], &u[1], &u[2], &u[3]) != 4)
                return -EBADMSG;
        for (int i = 0; i < 4; i++)
                ret[i] = (uid_t) u[i];
        return 0;
}

int proc_cmdline(pid_t pid, char ***ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_strv_free_ char **argv = NULL;
        char path[64];
        size_t size = 0;
        int r;

        assert(pid > 0 && ret);
        snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
        r = read_full_file_at(AT_FDCWD, path, 64 * 1024, &text, &size);
        if (r < 0)
                return r;
        argv = calloc(1, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        for (size_t i = 0; i < size;) {
                size_t l = strnlen(text + i, size - i);
                if (strv_extend(&argv, text + i) < 0)
                        return -ENOMEM;
                i += l + 1;
        }
        *ret = TAKE_PTR(argv);
        return 0;
}

static bool pid_in(const pid_t *pids, size_t n, pid_t pid) {
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

int proc_add_children(pid_t **pids, size_t *n) {
        size_t n_parents = *n; /* the parents: what the list held when called (it grows, and moves, below) */
        DIR *d;
        struct dirent *de;
        int r = 0;

        assert(pids && n);
        d = opendir("/proc");
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                uint64_t ppid;
                unsigned pid;
                pid_t *grown;

                if (!isdigit((unsigned char) de->d_name[0]) || safe_atou(de->d_name, &pid) < 0)
                        continue;
                /* Field 4 is the parent pid; a process gone meanwhile is simply not a child. */
                if (proc_stat_field((pid_t) pid, 4, &ppid) < 0 || !pid_in(*pids, n_parents, (pid_t) ppid) ||
                    pid_in(*pids, *n, (pid_t) pid))
                        continue;
                grown = realloc(*pids, (*n + 1) * sizeof(pid_t));
                if (!grown) {
                        r = -ENOMEM;
                        break;
                }
                *pids = grown;
                (*pids)[(*n)++] = (pid_t) pid;
        }
        closedir(d);
        return r;
}
