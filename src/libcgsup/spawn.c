/* SPDX-License-Identifier: MIT */
/*
 * cgsup_spawn(): the parent side. Everything that can allocate or fail for a reason the caller should see
 * early (PATH lookup, /dev/null, the status pipe, the list of fds to keep) happens here, before clone3();
 * the child then only runs the fixed steps of spawn-child.c.
 *
 * clone3(CLONE_INTO_CGROUP) puts the child into its cgroup atomically with its creation, so it never runs
 * an instruction, allocates a page or forks outside its limits. There is deliberately no fork-then-move
 * fallback: a kernel without it (< 5.7) gets -ENOSYS, and the caller says so.
 */

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fd-util.h"
#include "spawn-internal.h"
#include "strv.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static const char *const spawn_step_table[_CGSUP_SPAWN_STEP_COUNT] = {
        [CGSUP_SPAWN_STEP_NONE] = "none",
        [CGSUP_SPAWN_STEP_CLONE] = "clone3",
        [CGSUP_SPAWN_STEP_SIGNALS] = "signals",
        [CGSUP_SPAWN_STEP_SETSID] = "setsid",
        [CGSUP_SPAWN_STEP_STDIO] = "stdio",
        [CGSUP_SPAWN_STEP_CHDIR] = "chdir",
        [CGSUP_SPAWN_STEP_RLIMITS] = "setrlimit",
        [CGSUP_SPAWN_STEP_GROUPS] = "setgroups",
        [CGSUP_SPAWN_STEP_GID] = "setgid",
        [CGSUP_SPAWN_STEP_UID] = "setuid",
        [CGSUP_SPAWN_STEP_NO_NEW_PRIVS] = "no_new_privs",
        [CGSUP_SPAWN_STEP_CLOSE_FDS] = "close_range",
        [CGSUP_SPAWN_STEP_SECCOMP] = "seccomp",
        [CGSUP_SPAWN_STEP_EXEC] = "execve",
};

_public_ const char *cgsup_spawn_step_to_string(CgsupSpawnStep step) {
        if ((int) step < 0 || step >= _CGSUP_SPAWN_STEP_COUNT)
                return NULL;
        return spawn_step_table[step];
}

/* 0 if @path is something execve() could run, else the errno execve() would give. */
static int check_executable(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
        if (S_ISDIR(st.st_mode))
                return -EACCES;
        if (access(path, X_OK) < 0)
                return errno == ENOENT ? -ENOENT : -EACCES;
        return 0;
}

_public_ int cgsup_find_executable(const char *name, const char *path_env, char **ret) {
        bool seen_eacces = false;
        int r;

        if (!ret)
                return -EINVAL;
        if (isempty(name))
                return -ENOENT;

        if (strchr(name, '/')) {
                r = check_executable(name);
                if (r < 0)
                        return r;
                char *p = strdup(name);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        if (!path_env)
                path_env = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

        /* As execvp(): each element in order, an empty one meaning the current directory; a non-executable
         * match is remembered (EACCES) but the search goes on. */
        for (const char *p = path_env;;) {
                size_t len = strcspn(p, ":");
                _cleanup_free_ char *candidate = NULL;

                if (asprintf(&candidate, "%.*s%s%s", (int) len, p, len > 0 ? "/" : "", name) < 0)
                        return -ENOMEM;
                r = check_executable(candidate);
                if (r == 0) {
                        *ret = TAKE_PTR(candidate);
                        return 0;
                }
                if (r == -EACCES)
                        seen_eacces = true;

                if (p[len] == 0)
                        break;
                p += len + 1;
        }
        return seen_eacces ? -EACCES : -ENOENT;
}

static int cmp_int(const void *a, const void *b) {
        int x = *(const int *) a, y = *(const int *) b;
        return x < y ? -1 : x > y;
}

/* fds the child keeps: the caller's keep_fds and our status pipe, sorted and unique, for the gaps that
 * close_range() closes. */
static int build_keep_list(const CgsupSpawnPlan *plan, int status_fd, int **ret, size_t *ret_n) {
        _cleanup_free_ int *keep = malloc((plan->n_keep_fds + 1) * sizeof(int));
        size_t n = 0;

        if (!keep)
                return -ENOMEM;
        for (size_t i = 0; i < plan->n_keep_fds; i++)
                keep[n++] = plan->keep_fds[i];
        keep[n++] = status_fd;
        qsort(keep, n, sizeof(int), cmp_int);

        size_t u = 0;
        for (size_t i = 0; i < n; i++)
                if (u == 0 || keep[u - 1] != keep[i])
                        keep[u++] = keep[i];
        *ret = TAKE_PTR(keep);
        *ret_n = u;
        return 0;
}

/* Moves @fd above 2 if it landed on a stdio number (our caller may run with 0..2 closed), so the child's
 * dup2() onto 0..2 cannot clobber it. */
static int fd_move_above_stdio(int fd) {
        if (fd >= 3)
                return fd;
        int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (n < 0)
                return -errno;
        (void) close(fd);
        return n;
}

static int read_report(int fd, SpawnChildReport *ret) {
        ssize_t got = loop_read(fd, ret, sizeof(*ret));

        if (got < 0)
                return (int) got;
        if (got == 0)
                return 0; /* EOF: execve() closed the pipe */
        if ((size_t) got != sizeof(*ret))
                return -EIO; /* died half-way through a report: should not happen */
        return 1;
}

static int spawn_fail(CgsupSpawnResult *ret, CgsupSpawnStep step, int r) {
        ret->failed_step = step;
        return r;
}

static bool plan_is_valid(const CgsupSpawnPlan *plan) {
        if (!plan || !plan->argv || !plan->argv[0] || plan->cgroup_fd < 0 ||
            (plan->n_keep_fds > 0 && !plan->keep_fds) || (plan->n_rlimits > 0 && !plan->rlimits) ||
            (plan->n_groups > 0 && !plan->groups))
                return false;
        /* 0..2 are the child's stdio, set from stdin_fd/stdout_fd/stderr_fd, and cannot also be "kept". */
        for (size_t i = 0; i < plan->n_keep_fds; i++)
                if (plan->keep_fds[i] < 3)
                        return false;
        return true;
}

/* Where the child stops looking for descriptors to close when close_range(2) is missing. */
static unsigned fallback_max_fd(void) {
        struct rlimit nofile;

        if (getrlimit(RLIMIT_NOFILE, &nofile) < 0 || nofile.rlim_cur == RLIM_INFINITY || nofile.rlim_cur > 1U << 20)
                return 1U << 16;
        return (unsigned) nofile.rlim_cur;
}

/* clone3(CLONE_INTO_CGROUP | CLONE_PIDFD) of the child that runs @ctx; the PID, or -errno. */
static long clone_into_cgroup(const CgsupSpawnPlan *plan, const SpawnChildContext *ctx, int *ret_pidfd) {
        sigset_t all, saved;
        SpawnCloneArgs args = {
                .flags = CLONE_PIDFD | CLONE_INTO_CGROUP,
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) plan->cgroup_fd,
        };

        /* Block everything across the clone so that no handler of ours runs in the child before it has reset
         * the dispositions; the child empties its mask itself. */
        (void) sigfillset(&all);
        if (sigprocmask(SIG_SETMASK, &all, &saved) < 0)
                return -errno;

        long cloned = spawn_clone(&args, ctx);
        (void) sigprocmask(SIG_SETMASK, &saved, NULL);

        /* ENOSYS: no clone3 (< 5.3); E2BIG: clone3 without the cgroup field (< 5.7). Other errors as they
         * are: EBUSY: the cgroup has children with controllers (not a leaf); EAGAIN: pids.max of the target
         * reached; EACCES/EPERM: cgroup.procs not writable; ENOENT: cgroup removed meanwhile. */
        if (cloned == -ENOSYS || cloned == -E2BIG)
                return -ENOSYS;
        return cloned;
}

_public_ int cgsup_spawn(const CgsupSpawnPlan *plan, CgsupSpawnResult *ret) {
        static char *const empty_env[] = {NULL};
        _cleanup_close_ int devnull = -EBADF, status_read = -EBADF, status_write = -EBADF, pidfd = -EBADF;
        _cleanup_free_ char *resolved = NULL;
        _cleanup_free_ int *keep = NULL;
        SpawnChildContext ctx = {};
        SpawnChildReport report = {};
        size_t n_keep;
        int pipefd[2], r;

        if (!ret)
                return -EINVAL;
        if (!plan_is_valid(plan))
                return spawn_fail(ret, CGSUP_SPAWN_STEP_NONE, -EINVAL);

        ctx.plan = plan;
        ctx.envp = plan->envp ?: empty_env;

        if (plan->path)
                ctx.exec_path = plan->path;
        else {
                /* Looked up here, with the PATH the program will get, so "no such program" is a clean error
                 * before anything is started. */
                r = cgsup_find_executable(plan->argv[0], strv_env_get(ctx.envp, "PATH"), &resolved);
                if (r < 0)
                        return spawn_fail(ret, CGSUP_SPAWN_STEP_EXEC, r);
                ctx.exec_path = resolved;
        }

        if (plan->stdin_fd < 0 || plan->stdout_fd < 0 || plan->stderr_fd < 0) {
                devnull = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);
                if (devnull < 0)
                        return spawn_fail(ret, CGSUP_SPAWN_STEP_STDIO, -errno);
        }
        ctx.stdio[0] = plan->stdin_fd >= 0 ? plan->stdin_fd : devnull;
        ctx.stdio[1] = plan->stdout_fd >= 0 ? plan->stdout_fd : devnull;
        ctx.stdio[2] = plan->stderr_fd >= 0 ? plan->stderr_fd : devnull;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return spawn_fail(ret, CGSUP_SPAWN_STEP_NONE, -errno);
        status_read = pipefd[0];
        status_write = fd_move_above_stdio(pipefd[1]);
        if (status_write < 0) {
                r = status_write;
                (void) close(pipefd[1]);
                return spawn_fail(ret, CGSUP_SPAWN_STEP_NONE, r);
        }
        ctx.status_fd = status_write;

        r = build_keep_list(plan, status_write, &keep, &n_keep);
        if (r < 0)
                return spawn_fail(ret, CGSUP_SPAWN_STEP_NONE, r);
        ctx.keep = keep;
        ctx.n_keep = n_keep;

        /* seccomp(2) demands no_new_privs unless the caller keeps CAP_SYS_ADMIN, which it loses with a
         * non-root uid. A root caller without CAP_SYS_ADMIN (a container) must set no_new_privileges. */
        ctx.no_new_privileges = plan->no_new_privileges ||
                                (plan->seccomp && (plan->change_ids ? plan->uid : geteuid()) != 0);

        ctx.fallback_max_fd = fallback_max_fd();

        long cloned = clone_into_cgroup(plan, &ctx, &pidfd);
        if (cloned < 0)
                return spawn_fail(ret, CGSUP_SPAWN_STEP_CLONE, (int) cloned);
        pid_t pid = (pid_t) cloned;

        status_write = safe_close(status_write);
        r = read_report(status_read, &report);
        if (r == 0) {
                *ret = (CgsupSpawnResult){
                        .pid = pid,
                        .pidfd = TAKE_FD(pidfd),
                        .failed_step = CGSUP_SPAWN_STEP_NONE,
                };
                return 0;
        }

        /* The child failed (or the pipe did): it exits right after writing, so this wait is short. */
        (void) cgsup_pidfd_wait(pidfd, false, NULL, NULL, NULL);
        if (r < 0)
                return spawn_fail(ret, CGSUP_SPAWN_STEP_NONE, -EIO);
        if (report.step <= CGSUP_SPAWN_STEP_NONE || report.step >= _CGSUP_SPAWN_STEP_COUNT ||
            report.error <= 0)
                return spawn_fail(ret, CGSUP_SPAWN_STEP_NONE, -EIO);
        return spawn_fail(ret, (CgsupSpawnStep) report.step, -report.error);
}
