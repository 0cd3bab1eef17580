/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cg-internal.h"
#include "fd-util.h"
#include "macro.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo (octal) in paths: undo that in place. */
static void mountinfo_unescape(char *s) {
        char *w = s;

        for (char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 4;
                } else
                        *w++ = *r++;
        }
        *w = 0;
}

/*
 * Picks the cgroup2 mount out of a mountinfo text. Hosts may show more than one (hybrid layouts, bind mounts
 * into containers): a mount of the hierarchy's root ("/" in field 4) is preferred over a bind mount of a
 * subdirectory, because cgroup paths from /proc/PID/cgroup are relative to the hierarchy root; among equals
 * the first wins, which is what the kernel lists first (the oldest mount).
 */
static int mountinfo_find_cgroup2(char *text, char **ret_path) {
        _cleanup_free_ char *best = NULL;
        bool best_is_root = false;
        char *saveptr = NULL;

        for (char *line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                char *fields[5], *p = line, *sep, *fstype;
                size_t i;

                for (i = 0; i < ELEMENTSOF(fields); i++) {
                        p += strspn(p, " ");
                        if (!*p)
                                break;
                        fields[i] = p;
                        p += strcspn(p, " ");
                        if (*p)
                                *p++ = 0;
                }
                if (i < ELEMENTSOF(fields))
                        continue; /* malformed line: not ours to judge, skip it */

                /* Optional fields end with a lone "-", then the filesystem type. */
                sep = strstr(p, " - ");
                if (!sep)
                        continue;
                fstype = sep + 3;
                fstype[strcspn(fstype, " ")] = 0;
                if (!streq(fstype, "cgroup2"))
                        continue;

                mountinfo_unescape(fields[3]);
                mountinfo_unescape(fields[4]);
                bool is_root = streq(fields[3], "/");
                if (best && (best_is_root || !is_root))
                        continue;
                free(best);
                best = strdup(fields[4]);
                if (!best)
                        return -ENOMEM;
                best_is_root = is_root;
        }
        if (!best)
                return -ENOENT;
        *ret_path = TAKE_PTR(best);
        return 0;
}

_public_ int cgsup_cgroup2_mount_path(char **ret_path) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!ret_path)
                return -EINVAL;
        r = read_full_file_at(AT_FDCWD, "/proc/self/mountinfo", CG_FILE_MAX, &text, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : -ENOENT;
        return mountinfo_find_cgroup2(text, ret_path);
}

_public_ int cgsup_cgroup2_open_root(int *ret_fd, char **ret_path) {
        _cleanup_free_ char *path = NULL;
        int fd, r;

        if (!ret_fd)
                return -EINVAL;
        r = cgsup_cgroup2_mount_path(&path);
        if (r < 0)
                return r;
        fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cg_errno_filter(-errno);
        *ret_fd = fd;
        if (ret_path)
                *ret_path = TAKE_PTR(path);
        return 0;
}

_public_ const char *cgsup_cgroup_path_below_mount(const char *mount, const char *path) {
        size_t n;

        if (!path)
                return NULL;
        n = mount ? strlen(mount) : 0;
        while (n > 0 && mount[n - 1] == '/')
                n--;
        /* "/sys/fs/cgroup/x" is the directory an admin sees; "/x" the cgroup's own name for it. */
        if (n > 0 && strncmp(path, mount, n) == 0 && (path[n] == '/' || path[n] == '\0'))
                path += n;
        while (*path == '/')
                path++;
        return path;
}

_public_ int cgsup_cgroup_of_pid(pid_t pid, char **ret_path) {
        _cleanup_free_ char *text = NULL;
        char fn[64];
        int r;

        if (pid < 0 || !ret_path)
                return -EINVAL;
        if (pid == 0)
                snprintf(fn, sizeof(fn), "/proc/self/cgroup");
        else
                snprintf(fn, sizeof(fn), "/proc/%d/cgroup", (int) pid);

        r = read_full_file_at(AT_FDCWD, fn, CG_FILE_MAX, &text, NULL);
        if (r < 0)
                return r == -ENOMEM ? r : r == -ESRCH ? -ESRCH : -ENOENT;

        /* The unified hierarchy is the "0::" line; v1 hierarchies have a non-zero id and a controller
         * list. A pure v1 host has no such line. */
        for (char *line = text; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                if (strneq(line, "0::", 3)) {
                        const char *p = line + 3;
                        char *s;

                        /* A cgroup removed under a zombie reads " (deleted)"; it no longer exists. */
                        if (strstr(p, " (deleted)"))
                                return -ENOENT;
                        p += strspn(p, "/");
                        s = strdup(p);
                        if (!s)
                                return -ENOMEM;
                        *ret_path = s;
                        return 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}
