/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libcgsup — spawning into a cgroup, and seccomp filters. Error conventions: see <cgsup/cgroup.h>.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- seccomp ------------------------------------------------------------------------------------ */

typedef struct CgsupSeccompFilter CgsupSeccompFilter;

/**
 * cgsup_seccomp_filter_new() - compile a filter from a systemd SystemCallFilter=-style spec.
 * @spec: whitespace-separated syscall names and groups ("@mount", "@reboot", ...). A leading "~" makes
 *        it a deny-list (listed calls fail, everything else allowed); otherwise it is an allow-list (listed
 *        calls plus "@default" and execve allowed, everything else fails). An entry may end in ":ERRNO"
 *        ("mount:EACCES") to choose its errno.
 * @default_errno: errno returned by denied calls (EPERM when 0).
 * @ret: the compiled filter (BPF kept in memory so the child can install it without allocating).
 * @reterr_bad: on -EINVAL, malloc'ed name of the unknown syscall/group/errno (may be NULL on other errors).
 *
 * The filter covers the native ABI and, on x86-64, the i386 and x32 ABIs so a deny-list cannot be
 * bypassed through them. libseccomp is opened (dlopen) at the first call. Return: 0, -EINVAL (unknown
 * name), -ENOMEM, -EIO (libseccomp failed), -EOPNOTSUPP (libseccomp.so.2 cannot be loaded).
 */
int cgsup_seccomp_filter_new(const char *spec, int default_errno, CgsupSeccompFilter **ret, char **reterr_bad);
/** cgsup_seccomp_filter_free() - NULL-safe; returns NULL. */
CgsupSeccompFilter *cgsup_seccomp_filter_free(CgsupSeccompFilter *f);
/**
 * cgsup_seccomp_group_syscalls() - NULL-terminated syscall names of a group ("@mount" or "mount"),
 * NULL if unknown. Groups: @default @mount @module @reboot @swap @raw-io @clock @debug @obsolete
 * @privileged @cpu-emulation @keyring @resources @process @network-io, and systemd's others (@aio
 * @basic-io @chown @file-system @io-event @ipc @memlock @pkey @sandbox @setuid @signal @sync @timer
 * @system-service). Entries starting with '@' name a nested group (@privileged, @system-service). Names
 * of every ABI are listed; those unknown to libseccomp or absent on this machine are skipped when compiling.
 */
const char *const *cgsup_seccomp_group_syscalls(const char *group);
/** cgsup_seccomp_groups() - NULL-terminated list of all group names (with '@'). */
const char *const *cgsup_seccomp_groups(void);
/**
 * cgsup_seccomp_filter_install() - install into the calling process (seccomp(2), no allocation, so safe
 * after fork/clone). Needs no_new_privs or CAP_SYS_ADMIN.
 * Return: 0, -EINVAL, or the kernel's errno ("kernel refused filter": -EACCES without no_new_privs, ...).
 */
int cgsup_seccomp_filter_install(const CgsupSeccompFilter *f);

/* ---- spawn -------------------------------------------------------------------------------------- */

typedef struct CgsupRlimit {
        int resource;   /* RLIMIT_NOFILE, ... */
        struct rlimit limit;
} CgsupRlimit;

/**
 * struct CgsupSpawnPlan - everything the child does between clone3() and execve(), prepared by the
 * parent so the child runs only async-signal-safe steps, in this order:
 *   reset signal mask and dispositions; setsid(); stdio dup2; chdir; umask; rlimits; setgroups/setgid/
 *   setuid; no_new_privileges; close_range(3, ~0) except @keep_fds; seccomp; execve.
 * Fields left zero/NULL/-1 mean "inherit / do nothing" as documented.
 */
typedef struct CgsupSpawnPlan {
        const char *path;              /* executable; NULL = argv[0], searched in PATH of @envp (parent side) */
        char *const *argv;             /* required */
        char *const *envp;             /* NULL = empty environment */
        const char *working_directory; /* NULL = inherit */
        int cgroup_fd;                 /* target cgroup dirfd for CLONE_INTO_CGROUP; required (>= 0) */
        int stdin_fd, stdout_fd, stderr_fd; /* -1 = /dev/null; an fd may be given twice (2>&1) */
        const int *keep_fds;           /* extra fds kept open (numbers unchanged, CLOEXEC cleared) */
        size_t n_keep_fds;
        bool change_ids;               /* when true: uid/gid/groups below are applied */
        uid_t uid;
        gid_t gid;
        const gid_t *groups;           /* supplementary groups; NULL with change_ids = initgroups-like empty */
        size_t n_groups;
        int umask;                     /* -1 = inherit */
        const CgsupRlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        bool new_session;              /* setsid(): default wanted by supervisors */
        const CgsupSeccompFilter *seccomp; /* NULL = none; implies no_new_privileges when not root */
} CgsupSpawnPlan;

/* Which child step failed, reported through the CLOEXEC status pipe. */
typedef enum CgsupSpawnStep {
        CGSUP_SPAWN_STEP_NONE,
        CGSUP_SPAWN_STEP_CLONE,
        CGSUP_SPAWN_STEP_SIGNALS,
        CGSUP_SPAWN_STEP_SETSID,
        CGSUP_SPAWN_STEP_STDIO,
        CGSUP_SPAWN_STEP_CHDIR,
        CGSUP_SPAWN_STEP_RLIMITS,
        CGSUP_SPAWN_STEP_GROUPS,
        CGSUP_SPAWN_STEP_GID,
        CGSUP_SPAWN_STEP_UID,
        CGSUP_SPAWN_STEP_NO_NEW_PRIVS,
        CGSUP_SPAWN_STEP_CLOSE_FDS,
        CGSUP_SPAWN_STEP_SECCOMP,
        CGSUP_SPAWN_STEP_EXEC,
        _CGSUP_SPAWN_STEP_COUNT,
} CgsupSpawnStep;

/** cgsup_spawn_step_to_string() - "chdir", "setuid", "execve", ... */
const char *cgsup_spawn_step_to_string(CgsupSpawnStep step);

typedef struct CgsupSpawnResult {
        pid_t pid;
        int pidfd;           /* CLOEXEC; owned by the caller */
        CgsupSpawnStep failed_step; /* on failure: which step, CGSUP_SPAWN_STEP_NONE on success */
} CgsupSpawnResult;

/**
 * cgsup_spawn() - start a process directly inside the cgroup @plan->cgroup_fd with
 * clone3(CLONE_INTO_CGROUP | CLONE_PIDFD): it never runs a single instruction outside its cgroup.
 * Returns after the child has exec'd (EOF on the status pipe) or failed. On child failure the child
 * has been reaped, @ret->failed_step names the step and the return value is the child's -errno
 * (e.g. -ENOENT for a missing executable, found before clone when @plan->path is NULL).
 * There is no fork-then-move fallback: a kernel without clone3 CLONE_INTO_CGROUP gives -ENOSYS.
 * @ret is filled on success and failed_step is also set on failure.
 * The seccomp filter is installed last, just before execve(): if it denies write(2) and execve() then
 * fails, the child cannot report it and exits 127 after the parent already saw success.
 */
int cgsup_spawn(const CgsupSpawnPlan *plan, CgsupSpawnResult *ret);

/**
 * cgsup_find_executable() - PATH search as execvp() does, with @path_env (NULL = "/usr/local/sbin:
 * /usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"). Names containing '/' are checked as they are.
 * Return: 0 with malloc'ed @ret, -ENOENT, -EACCES.
 */
int cgsup_find_executable(const char *name, const char *path_env, char **ret);

/**
 * cgsup_pidfd_wait() - waitid(P_PIDFD) for an exited child, non-blocking when @nohang.
 * Return: 1 reaped (@ret_status: si_code CLD_EXITED/KILLED/DUMPED in *ret_code, status in *ret_status;
 * @ret_rusage optional), 0 not exited yet (@nohang), <0 error.
 */
int cgsup_pidfd_wait(int pidfd, bool nohang, int *ret_code, int *ret_status, struct rusage *ret_rusage);
/** cgsup_pidfd_open() - pidfd for an existing pid (adoption). */
int cgsup_pidfd_open(pid_t pid, int *ret_fd);
/** cgsup_pidfd_send_signal() - pidfd_send_signal(2) wrapper. */
int cgsup_pidfd_send_signal(int pidfd, int sig);

#ifdef __cplusplus
}
#endif
