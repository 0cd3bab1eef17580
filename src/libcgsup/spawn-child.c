/* SPDX-License-Identifier: MIT */
/*
 * The child side of cgsup_spawn(): everything between clone3() and execve().
 *
 * The child is a copy of a process that may have had other threads (a library caller), so another thread
 * may have held the malloc lock or a stdio lock at clone time: only async-signal-safe calls here, no
 * allocation, no stdio. glibc also does not know a raw clone3() made a new process (its thread list still
 * names the parent's threads), so credential changes use raw syscalls: glibc's setuid() family would try to
 * broadcast the change to those threads.
 *
 * Every failure writes {step, errno} to the status pipe and exits; the parent reaps us and returns the
 * errno. The pipe is O_CLOEXEC, so a successful execve() closes it and the parent reads EOF.
 */

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "spawn-internal.h"

/* Exit status of a child that failed before execve(); the parent reaps it, so nobody else should see it. */
#define CHILD_FAILED_EXIT 127

static _noreturn_ void child_fail(const SpawnChildContext *c, CgsupSpawnStep step, int error) {
        SpawnChildReport report = {.step = step, .error = error > 0 ? error : EIO};
        const uint8_t *p = (const uint8_t *) &report;
        size_t left = sizeof(report);

        /* If a seccomp filter already denies write(2), the parent sees EOF and then this exit status: the
         * best we can do after the filter is in place. */
        while (left > 0) {
                ssize_t k = write(c->status_fd, p, left);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                p += k;
                left -= (size_t) k;
        }
        _exit(CHILD_FAILED_EXIT);
}

static int child_reset_signals(void) {
        struct sigaction sa = {.sa_handler = SIG_DFL};
        sigset_t none;

        /* Dispositions first, then the mask: a signal that was pending while blocked must meet the default
         * action, not a handler copied from the parent. EINVAL for SIGKILL/SIGSTOP and glibc's internal
         * signals is expected. */
        for (int sig = 1; sig < _NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                (void) sigaction(sig, &sa, NULL);
        }
        if (sigemptyset(&none) < 0 || sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                return -errno;
        return 0;
}

/* Puts c->stdio[i] on fd i. A source may itself be 0..2 (the caller's own stdout passed as stderr, or 2>&1
 * expressed as stdout_fd == stderr_fd == 1): every low source that is not already in place is first moved
 * above 2, so no dup2() can overwrite a source another target still needs. */
static int child_setup_stdio(const SpawnChildContext *c) {
        int fds[3] = {c->stdio[0], c->stdio[1], c->stdio[2]};

        for (int i = 0; i < 3; i++) {
                if (fds[i] >= 3 || fds[i] == i)
                        continue;
                int old = fds[i];
                int moved = fcntl(old, F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                        return -errno;
                for (int j = 0; j < 3; j++)
                        if (fds[j] == old)
                                fds[j] = moved;
        }

        for (int i = 0; i < 3; i++) {
                if (fds[i] == i) {
                        /* Already in place: dup2() would be a no-op that leaves FD_CLOEXEC set. */
                        if (fcntl(i, F_SETFD, 0) < 0)
                                return -errno;
                } else if (dup2(fds[i], i) < 0)
                        return -errno;
        }
        /* The moved copies are O_CLOEXEC and fall in close_range() below anyway. */
        return 0;
}

static int child_close_range(unsigned lo, unsigned hi, unsigned fallback_max) {
        if (lo > hi)
                return 0;
        if (syscall(SYS_close_range, lo, hi, 0) >= 0)
                return 0;
        if (errno != ENOSYS)
                return -errno;
        /* Before 5.9: close one by one up to the limit the parent computed (RLIMIT_NOFILE). */
        for (unsigned fd = lo; fd <= hi && fd <= fallback_max; fd++)
                (void) close((int) fd);
        return 0;
}

/* Closes every fd >= 3 except c->keep[] (sorted, unique), and clears FD_CLOEXEC on the caller's keep_fds
 * so they survive execve(). The status pipe is in c->keep[] but stays O_CLOEXEC. */
static int child_close_fds(const SpawnChildContext *c) {
        unsigned lo = 3;
        int r;

        for (size_t i = 0; i < c->n_keep; i++) {
                unsigned k = (unsigned) c->keep[i];
                if (k > lo) {
                        r = child_close_range(lo, k - 1, c->fallback_max_fd);
                        if (r < 0)
                                return r;
                }
                lo = k + 1;
        }
        r = child_close_range(lo, ~0U, c->fallback_max_fd);
        if (r < 0)
                return r;

        for (size_t i = 0; i < c->plan->n_keep_fds; i++)
                if (fcntl(c->plan->keep_fds[i], F_SETFD, 0) < 0)
                        return -errno; /* EBADF: the caller asked to keep an fd that is not open */
        return 0;
}

_noreturn_ void spawn_child_run(const SpawnChildContext *c) {
        const CgsupSpawnPlan *p = c->plan;
        int r;

        r = child_reset_signals();
        if (r < 0)
                child_fail(c, CGSUP_SPAWN_STEP_SIGNALS, -r);

        if (p->new_session && setsid() < 0)
                child_fail(c, CGSUP_SPAWN_STEP_SETSID, errno);

        r = child_setup_stdio(c);
        if (r < 0)
                child_fail(c, CGSUP_SPAWN_STEP_STDIO, -r);

        if (p->working_directory && chdir(p->working_directory) < 0)
                child_fail(c, CGSUP_SPAWN_STEP_CHDIR, errno);

        if (p->umask >= 0)
                (void) umask((mode_t) p->umask & 07777);

        for (size_t i = 0; i < p->n_rlimits; i++)
                if (setrlimit((__rlimit_resource_t) p->rlimits[i].resource, &p->rlimits[i].limit) < 0)
                        child_fail(c, CGSUP_SPAWN_STEP_RLIMITS, errno);

        if (p->change_ids) {
                /* Groups first, uid last: after setresuid() we would no longer be allowed the others. */
                if (syscall(SYS_setgroups, p->groups ? p->n_groups : 0, p->groups) < 0)
                        child_fail(c, CGSUP_SPAWN_STEP_GROUPS, errno);
                if (syscall(SYS_setresgid, p->gid, p->gid, p->gid) < 0)
                        child_fail(c, CGSUP_SPAWN_STEP_GID, errno);
                if (syscall(SYS_setresuid, p->uid, p->uid, p->uid) < 0)
                        child_fail(c, CGSUP_SPAWN_STEP_UID, errno);
        }

        if (c->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                child_fail(c, CGSUP_SPAWN_STEP_NO_NEW_PRIVS, errno);

        r = child_close_fds(c);
        if (r < 0)
                child_fail(c, CGSUP_SPAWN_STEP_CLOSE_FDS, -r);

        /* Last before execve(), so the filter does not have to allow what the steps above need. */
        if (p->seccomp) {
                r = cgsup_seccomp_filter_install(p->seccomp);
                if (r < 0)
                        child_fail(c, CGSUP_SPAWN_STEP_SECCOMP, -r);
        }

        execve(c->exec_path, p->argv, c->envp);
        child_fail(c, CGSUP_SPAWN_STEP_EXEC, errno);
}
