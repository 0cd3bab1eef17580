/* SPDX-License-Identifier: MIT */
#pragma once

/* Internals of the spawn half of libcgsup: shared by spawn.c, spawn-child.c, seccomp*.c and the unit
 * tests (which link the static twin, where these are visible). */

#include <linux/filter.h>
#include <signal.h>
#include <sys/types.h>

#include "cgsup/spawn.h"
#include "macro.h"

typedef struct SeccompGroup {
        const char *name;            /* "@mount" */
        const char *const *syscalls; /* NULL-terminated; "@x" entries name nested groups */
} SeccompGroup;

/* Looks a group up by "@name" or "name"; NULL if unknown. */
const SeccompGroup *seccomp_group_find(const char *name);

struct CgsupSeccompFilter {
        struct sock_fprog prog; /* what seccomp(2) takes; .filter points into the same allocation */
        bool allow_list;
};

/* Everything the child needs, computed by the parent before clone3() so that the child does not allocate,
 * look anything up or take a lock. The child only reads this (its own copy-on-write image of it). */
typedef struct SpawnChildContext {
        const CgsupSpawnPlan *plan;
        const char *exec_path; /* resolved executable */
        char *const *envp;     /* never NULL */
        int stdio[3];          /* source fds for 0, 1, 2 (already >= 0: /dev/null substituted) */
        int status_fd;         /* write end of the CLOEXEC status pipe, >= 3 */
        const int *keep;       /* sorted, unique, all >= 3: keep_fds plus status_fd */
        size_t n_keep;
        bool no_new_privileges;   /* plan->no_new_privileges, or implied by the seccomp filter */
        unsigned fallback_max_fd; /* highest fd to close by hand if close_range() is missing */
} SpawnChildContext;

/* What the child writes to the status pipe when a step fails. */
typedef struct SpawnChildReport {
        int32_t step;  /* CgsupSpawnStep */
        int32_t error; /* positive errno */
} SpawnChildReport;

/* Runs the ordered child steps and execve(); never returns. Async-signal-safe only. */
_noreturn_ void spawn_child_run(const SpawnChildContext *c);

/* Our own copy of the uapi struct clone_args (CLONE_ARGS_SIZE_VER2): <linux/sched.h> and glibc's <sched.h>
 * do not mix well across versions. */
typedef struct SpawnCloneArgs {
        uint64_t flags;
        uint64_t pidfd;
        uint64_t child_tid;
        uint64_t parent_tid;
        uint64_t exit_signal;
        uint64_t stack;
        uint64_t stack_size;
        uint64_t tls;
        uint64_t set_tid;
        uint64_t set_tid_size;
        uint64_t cgroup;
} SpawnCloneArgs;

/* clone3(@args) whose child runs spawn_child_run(@ctx); with vfork semantics where available (see
 * spawn-clone.c), so the parent returns after the child exec'd or exited. Returns the pid, or -errno. */
long spawn_clone(SpawnCloneArgs *args, const SpawnChildContext *ctx);
/* Whether spawn_clone() uses CLONE_VM | CLONE_VFORK in this build (tests). */
bool spawn_clone_shares_memory(void);
