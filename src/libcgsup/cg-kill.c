/* SPDX-License-Identifier: MIT */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cg-internal.h"
#include "macro.h"

/* How long the fallback path waits for the freezer to report "frozen 1" before signalling anyway. */
#define FREEZE_WAIT_USEC (2 * 1000000ULL)
/* Passes over cgroup.procs of the pid-by-pid fallback; each pass only signals pids not seen before. */
#define SIGNAL_PASSES_MAX 1000

_public_ int cgsup_kernel_has_cgroup_kill(int root_fd, const char *path) {
        int r = cg_file_exists(root_fd, path, "cgroup.kill");
        return r < 0 ? cg_errno_filter(r) : r;
}

static int missing_file_error(int root_fd, const char *path) {
        int r = cg_file_exists(root_fd, path, NULL);
        if (r < 0)
                return cg_errno_filter(r);
        /* The cgroup exists but the interface file does not: the kernel predates the feature. */
        return r ? -ENOSYS : -ENOENT;
}

_public_ int cgsup_cgroup_freeze(int root_fd, const char *path, bool freeze) {
        int r = cg_write_file(root_fd, path, "cgroup.freeze", freeze ? "1" : "0");
        if (r == -ENOENT)
                return missing_file_error(root_fd, path); /* cgroup.freeze: Linux 5.2+ */
        return cg_errno_filter(r);
}

/* Whether the calling process sits in @path or below: freezing that would freeze ourselves. */
static bool cgroup_contains_self(const char *path) {
        _cleanup_free_ char *self = NULL, *p = NULL;
        size_t n;

        if (cgsup_cgroup_of_pid(0, &self) < 0 || cg_path_normalize(path, &p) < 0)
                return true; /* unknown: assume the worst, do not freeze */
        n = strlen(p);
        return n == 0 || (strneq(self, p, n) && (self[n] == 0 || self[n] == '/'));
}

static uint64_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

/* Waits (inotify on cgroup.events, bounded) until the freezer reports the whole subtree frozen. */
static int wait_frozen(int root_fd, const char *path) {
        _cleanup_close_ int fd = -EBADF;
        uint64_t deadline = now_usec() + FREEZE_WAIT_USEC;
        int r;

        r = cgsup_cgroup_events_watch(root_fd, path, &fd);
        if (r < 0)
                return r;
        for (;;) {
                CgsupCgroupEvents ev;
                uint64_t now;

                r = cgsup_cgroup_events_read(root_fd, path, &ev);
                if (r < 0)
                        return r;
                if (ev.frozen || !ev.populated)
                        return 0;
                now = now_usec();
                if (now >= deadline)
                        return -ETIME;
                if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1,
                         (int) ((deadline - now + 999) / 1000)) < 0 &&
                    errno != EINTR)
                        return cg_errno_filter(-errno);
                (void) cgsup_inotify_drain(fd);
        }
}

static int pid_cmp(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return x < y ? -1 : x > y;
}

/* Sends @sig to every pid of the subtree, pass after pass, until a pass finds no pid it has not signalled
 * yet (so a process forked during the walk is caught and nobody gets the signal twice). */
static int signal_each(int root_fd, const char *path, int sig) {
        _cleanup_free_ pid_t *done = NULL;
        size_t n_done = 0;
        int r;

        for (unsigned pass = 0; pass < SIGNAL_PASSES_MAX; pass++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n, n_new = 0;

                r = cgsup_cgroup_pids(root_fd, path, &pids, &n);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++) {
                        if (done && bsearch(&pids[i], done, n_done, sizeof(pid_t), pid_cmp))
                                continue;
                        if (kill(pids[i], sig) < 0 && errno != ESRCH)
                                return cg_errno_filter(-errno);
                        pids[n_new++] = pids[i];
                }
                if (n_new == 0)
                        return 0;

                pid_t *nd = realloc(done, (n_done + n_new) * sizeof(pid_t));
                if (!nd)
                        return -ENOMEM;
                done = nd;
                memcpy(done + n_done, pids, n_new * sizeof(pid_t));
                n_done += n_new;
                qsort(done, n_done, sizeof(pid_t), pid_cmp);
        }
        return -EBUSY; /* something keeps adding processes faster than we signal them */
}

/*
 * The portable path (crun's cgroup_killall_path()): freeze so nothing can fork while we walk, signal each
 * pid, and always thaw (the "goto thaw"), because SIGKILL is only acted upon by running tasks and other
 * signals are meant to be handled. A cgroup that was frozen before is left frozen unless the signal is
 * SIGKILL (a frozen cgroup v2 task still dies of SIGKILL; thawing just lets it finish exiting sooner).
 */
static int signal_frozen(int root_fd, const char *path, int sig) {
        bool can_freeze = false, was_frozen = false;
        int r, q;

        r = cg_file_exists(root_fd, path, "cgroup.freeze");
        if (r < 0)
                return cg_errno_filter(r);
        if (r > 0 && !cgroup_contains_self(path)) {
                _cleanup_free_ char *v = NULL;

                can_freeze = true;
                if (cg_read_file(root_fd, path, "cgroup.freeze", &v) >= 0)
                        was_frozen = v[0] == '1';
        }

        if (can_freeze && !was_frozen) {
                r = cgsup_cgroup_freeze(root_fd, path, true);
                if (r < 0)
                        return r;
                /* A timeout is not fatal: the pass loop below still catches late forks. */
                r = wait_frozen(root_fd, path);
                if (r < 0 && r != -ETIME)
                        goto thaw;
        }

        r = signal_each(root_fd, path, sig);

thaw:
        if (can_freeze && (!was_frozen || sig == SIGKILL)) {
                q = cgsup_cgroup_freeze(root_fd, path, false);
                if (q < 0 && q != -ENOENT && r >= 0)
                        r = q;
        }
        return r;
}

int cg_signal_by_freezing(int root_fd, const char *path, int sig) {
        return signal_frozen(root_fd, path, sig);
}

_public_ int cgsup_cgroup_signal(int root_fd, const char *path, int sig) {
        int r;

        if (sig < 0 || sig >= _NSIG)
                return -EINVAL;
        if (sig == SIGKILL) {
                r = cgsup_kernel_has_cgroup_kill(root_fd, path);
                if (r < 0)
                        return r;
                if (r > 0)
                        return cgsup_cgroup_kill(root_fd, path);
        }
        r = cg_file_exists(root_fd, path, NULL);
        if (r < 0)
                return cg_errno_filter(r);
        if (r == 0)
                return -ENOENT;
        return signal_frozen(root_fd, path, sig);
}

_public_ int cgsup_cgroup_kill(int root_fd, const char *path) {
        int r;

        /* cgroup.kill (Linux 5.14) kills the whole subtree in the kernel, including tasks forked while it
         * runs: one write, no race with fork storms. */
        r = cg_write_file(root_fd, path, "cgroup.kill", "1");
        if (r != -ENOENT)
                return cg_errno_filter(r);

        r = cg_file_exists(root_fd, path, NULL);
        if (r < 0)
                return cg_errno_filter(r);
        if (r == 0)
                return -ENOENT;
        r = cg_file_exists(root_fd, path, "cgroup.freeze");
        if (r < 0)
                return cg_errno_filter(r);
        if (r == 0)
                return -ENOSYS; /* < 5.2: neither cgroup.kill nor the freezer */
        return signal_frozen(root_fd, path, SIGKILL);
}
