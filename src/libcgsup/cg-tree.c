/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cg-internal.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"

_public_ int cgsup_cgroup_controllers(int root_fd, const char *path, unsigned *ret_mask) {
        if (!ret_mask)
                return -EINVAL;
        return cg_read_controllers(root_fd, path, "cgroup.controllers", ret_mask);
}

_public_ int cgsup_cgroup_create(int root_fd, const char *path) {
        _cleanup_free_ char *p = NULL;
        bool created = false;
        int r;

        r = cg_path_normalize(path, &p);
        if (r < 0)
                return r;
        if (isempty(p))
                return 0; /* the root always exists */

        /* mkdir -p, one component at a time relative to root_fd (never outside it). */
        for (char *s = p;; s++) {
                if (*s && *s != '/')
                        continue;
                char c = *s;
                *s = 0;
                if (mkdirat(root_fd, p, 0755) < 0) {
                        if (errno != EEXIST)
                                return cg_errno_filter(-errno);
                        created = false;
                } else
                        created = true;
                *s = c;
                if (!c)
                        break;
        }
        return created ? 1 : 0;
}

/* Opens the cgroup directory @rel (relative to @root_fd) to list its children. Returns 1 with *ret set,
 * 0 when the cgroup is already gone (nothing to list), or a negative errno. */
static int cg_opendir(int root_fd, const char *rel, DIR **ret) {
        _cleanup_close_ int dfd = -EBADF;
        DIR *d;

        dfd = openat(root_fd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : cg_errno_filter(-errno);
        d = fdopendir(dfd);
        if (!d)
                return cg_errno_filter(-errno);
        TAKE_FD(dfd);
        *ret = d;
        return 1;
}

/* Returns 1 with the next child cgroup of @d as "@parent/name" in *ret (to be freed), 0 when there are no
 * more, -ENOMEM. */
static int cg_next_child(DIR *d, const char *parent, char **ret) {
        struct dirent *de;

        while ((de = readdir(d))) {
                char *child;

                /* cgroupfs reports d_type; the only directories in a cgroup are its children. */
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&child, "%s/%s", parent, de->d_name) < 0)
                        return -ENOMEM;
                *ret = child;
                return 1;
        }
        return 0;
}

/* One rmdir of @rel: 0 when it is gone (or was already), -EBUSY while it holds processes or child cgroups
 * (ENOTEMPTY included), another filtered errno otherwise. */
static int rmdir_one(int root_fd, const char *rel) {
        if (unlinkat(root_fd, rel, AT_REMOVEDIR) >= 0 || errno == ENOENT)
                return 0;
        return cg_errno_filter(-errno);
}

static int remove_recursive(int root_fd, const char *rel) {
        DIR *d;
        int r, ret = 0;

        /* Most cgroups removed are leaves: one rmdir, no directory walk. EBUSY means children (or
         * processes): walk them, then try again. */
        r = rmdir_one(root_fd, rel);
        if (r != -EBUSY)
                return r;

        r = cg_opendir(root_fd, rel, &d);
        if (r <= 0)
                return r;

        for (;;) {
                _cleanup_free_ char *child = NULL;

                r = cg_next_child(d, rel, &child);
                if (r < 0)
                        ret = r;
                if (r <= 0)
                        break;
                /* Keep going after a failure: remove as much as possible, report the first error. */
                r = remove_recursive(root_fd, child);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        (void) closedir(d);
        if (ret < 0)
                return ret;

        return rmdir_one(root_fd, rel); /* EBUSY: still populated */
}

/* Normalizes @path and removes it with @remove_at; the root of root_fd (which we cannot remove) is
 * refused with -EINVAL. */
static int remove_path(int root_fd, const char *path, int (*remove_at)(int root_fd, const char *rel)) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = cg_path_normalize(path, &p);
        if (r < 0)
                return r;
        if (isempty(p))
                return -EINVAL;
        return remove_at(root_fd, p);
}

_public_ int cgsup_cgroup_remove(int root_fd, const char *path) {
        return remove_path(root_fd, path, remove_recursive);
}

/* Never the walk: a caller that must tell processes from child cgroups reads cgroup.events on -EBUSY. */
_public_ int cgsup_cgroup_rmdir(int root_fd, const char *path) {
        return remove_path(root_fd, path, rmdir_one);
}

_public_ int cgsup_cgroup_open(int root_fd, const char *path, int *ret_fd) {
        _cleanup_free_ char *p = NULL;
        int fd, r;

        if (!ret_fd)
                return -EINVAL;
        r = cg_path_join(path, NULL, &p);
        if (r < 0)
                return r;
        fd = openat(root_fd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return cg_errno_filter(-errno);
        *ret_fd = fd;
        return 0;
}

_public_ int cgsup_cgroup_attach_pid(int root_fd, const char *path, pid_t pid) {
        char buf[32];
        int r;

        if (pid <= 0)
                return -EINVAL;
        snprintf(buf, sizeof(buf), "%d", (int) pid);
        r = cg_write_file(root_fd, path, "cgroup.procs", buf);
        /* EBUSY: @path has controllers enabled for children (no-internal-process rule). ESRCH: no such
         * pid. EACCES/EPERM: we may not write the common ancestor's cgroup.procs (not delegated). */
        return cg_errno_filter(r);
}

/* Pid behind a pidfd, from /proc/self/fdinfo (Linux 5.4+); -ESRCH once the process is gone (-1 there). */
static int pidfd_get_pid(int pidfd, pid_t *ret) {
        _cleanup_free_ char *text = NULL;
        char fn[64];
        const char *p;
        int r, pid;

        snprintf(fn, sizeof(fn), "/proc/self/fdinfo/%d", pidfd);
        r = read_full_file_at(AT_FDCWD, fn, 64 * 1024, &text, NULL);
        if (r < 0)
                return r == -ENOENT ? -EINVAL : cg_errno_filter(r);
        p = strstr(text, "\nPid:");
        if (!p)
                return -EINVAL; /* not a pidfd */
        p += strlen("\nPid:");
        p += strspn(p, " \t");
        if (sscanf(p, "%d", &pid) != 1)
                return -EIO;
        if (pid <= 0)
                return -ESRCH; /* -1: exited; 0: not in our pid namespace */
        *ret = pid;
        return 0;
}

_public_ int cgsup_cgroup_attach_pidfd(int root_fd, const char *path, int pidfd) {
        pid_t pid = 0;
        int r;

        if (pidfd < 0)
                return -EINVAL;
        r = pidfd_get_pid(pidfd, &pid);
        if (r < 0)
                return r;
        r = cgsup_cgroup_attach_pid(root_fd, path, pid);
        if (r < 0)
                return r;

        /* Between reading the pid and the write, the process may have exited and its pid been reused: then
         * we moved a stranger. If the pidfd's process is still alive now, it held the pid throughout and the
         * moved process was the right one. */
        if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
                return errno == ESRCH ? -ESRCH : cg_errno_filter(-errno);
        return 0;
}

typedef struct PidList {
        pid_t *pids;
        size_t n, allocated;
} PidList;

static int pids_collect(int root_fd, const char *rel, PidList *l) {
        _cleanup_free_ char *procs = NULL, *dir = NULL, *text = NULL;
        DIR *d;
        int r;

        r = cg_path_join(rel, "cgroup.procs", &procs);
        if (r < 0)
                return r;
        r = read_full_file_at(root_fd, procs, CG_FILE_MAX, &text, NULL);
        if (r == -ENOENT)
                return 0; /* removed while we walked */
        if (r < 0)
                return cg_errno_filter(r);

        for (const char *s = text; *s;) {
                char num[16];
                size_t n = strcspn(s, "\n");
                int pid;

                if (n == 0 || n >= sizeof(num))
                        return -EIO;
                memcpy(num, s, n);
                num[n] = 0;
                if (safe_atoi(num, &pid) < 0 || pid <= 0)
                        return -EIO;
                if (l->n >= l->allocated) {
                        size_t na = MAX(l->allocated * 2, (size_t) 64);
                        pid_t *np = realloc(l->pids, na * sizeof(pid_t));
                        if (!np)
                                return -ENOMEM;
                        l->pids = np;
                        l->allocated = na;
                }
                l->pids[l->n++] = pid;
                s += n;
                s += strspn(s, "\n");
        }

        r = cg_path_join(rel, NULL, &dir);
        if (r < 0)
                return r;
        r = cg_opendir(root_fd, dir, &d);
        if (r <= 0)
                return r;
        for (;;) {
                _cleanup_free_ char *child = NULL;

                r = cg_next_child(d, dir, &child);
                if (r <= 0)
                        break;
                r = pids_collect(root_fd, child, l);
                if (r < 0)
                        break;
        }
        (void) closedir(d);
        return r;
}

_public_ int cgsup_cgroup_pids(int root_fd, const char *path, pid_t **ret_pids, size_t *ret_n) {
        PidList l = {};
        int r;

        if (!ret_pids || !ret_n)
                return -EINVAL;
        r = pids_collect(root_fd, path, &l);
        if (r < 0) {
                free(l.pids);
                return r;
        }
        *ret_pids = l.pids;
        *ret_n = l.n;
        return 0;
}
