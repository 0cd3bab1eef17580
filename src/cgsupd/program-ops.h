/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The seam between the state machine (program-state.c) and the world (program.c, crun's
 * libcrun_cgroup_manager idea): spawning, signalling, cgroup inspection, timers, the clock and
 * randomness are reached only through a ProgramOps table hung off the Manager. The daemon installs
 * program_ops_real; tests/unit/test-program-state.c installs fakes and drives time by hand.
 */

#include <stdlib.h>

#include "cgsup/leaf.h"
#include "name-util.h"
#include "program.h"

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

typedef struct ProgramOps {
        /* CLOCK_MONOTONIC and CLOCK_REALTIME, microseconds. */
        usec_t (*now)(Manager *m);
        usec_t (*now_realtime)(Manager *m);
        uint64_t (*random)(Manager *m);
        /* Start the main process of @p in its leaf cgroup; sets p->main_pid and watches it. On failure
         * *ret_reason is EXIT_REASON_LIMIT (limit not enforceable: never start unbounded) or
         * EXIT_REASON_SPAWN_FAILED, and *ret_detail (malloc'ed) says why. */
        int (*spawn)(Program *p, ExitReason *ret_reason, char **ret_detail);
        /* Signal the main process, or (all) every process in the cgroup. */
        int (*signal)(Program *p, int sig, bool all);
        /* cgroup.kill the instance cgroup. */
        int (*cgroup_kill)(Program *p);
        /* Number of processes left in the instance cgroup (0 = empty). */
        int (*cgroup_count)(Program *p);
        /* Freeze (true) or thaw the instance cgroup (cgroup.freeze). */
        int (*cgroup_freeze)(Program *p, bool freeze);
        /* Write @limits (those set) to the instance leaf and read them back; a leaf that does not exist is
         * only checked (enforceable at the next start). *ret_refusal says why on failure. */
        int (*cgroup_set_limits)(Program *p, const CgsupLimits *limits, CgsupRefusal *ret_refusal);
        /* Remove the instance leaf if it is empty: -EBUSY (and nothing done) while processes are left. */
        int (*cgroup_cleanup)(Program *p);
        /* forking: choose the main pid after the launcher exited (pidfile or the single process left) and
         * watch it; 0 with p->main_pid == 0 when there is no single candidate. */
        int (*find_main_pid)(Program *p);
        /* Fill oom_kill / pids.events max counters of the instance cgroup (0 when unavailable). */
        int (*read_counters)(Program *p, uint64_t *ret_oom_kills, uint64_t *ret_pids_max);
        /* Arm the program's single timer @usec from now; USEC_INFINITY disarms. */
        int (*timer_set)(Program *p, usec_t usec);
        /* Start/stop healthchecks for the current instance. */
        int (*health_start)(Program *p);
        void (*health_stop)(Program *p);
        /* Called after every state change (persist state for re-adoption, ...) with @now false: it may be
         * batched; with @now true when a job ends, so the state is on disk before its caller hears. */
        void (*state_saved)(Program *p, bool now);
} ProgramOps;

extern const ProgramOps program_ops_real;

/* Allocate a Program for @config (ownership of @config moves in only on success). No cgroup, no fds. */
int program_new(Manager *m, ProgramConfig *config, Program **ret);
Program *program_free(Program *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Program *, program_free);

/* Feed an event into the [state][event] table. Returns the action's result, -EALREADY if the event has
 * nothing to do in this state. */
int program_dispatch(Program *p, ProgramEvent e);
/* The same for an event that carries an argument (PROGRAM_EVENT_SET_LIMITS: a ProgramLimitsChange). */
int program_dispatch_with(Program *p, ProgramEvent e, void *arg);

/* PROGRAM_EVENT_SET_LIMITS' argument: the limits to set (others unchanged); on failure the refusal. */
typedef struct ProgramLimitsChange {
        const CgsupLimits *limits;
        CgsupRefusal refusal;
} ProgramLimitsChange;
/* The main process ended (already reaped): records why, then dispatches CHILD_EXIT. */
int program_child_exited(Program *p, int si_code, int status);
/* The only way to change p->state: logs, arms/disarms the timer, saves state, runs hooks. */
void program_set_state(Program *p, ProgramState state);
/* Whether all depends_on conditions hold; if not, *ret_waiting (optional, malloc'ed) explains. */
bool program_deps_satisfied(Program *p, char **ret_waiting);
/* Whether a dependency of @p can no longer be met by itself (deps.h); *ret_reason (optional, malloc'ed) says
 * which and why: "dependency db (succeeded) cannot be met: db did not succeed (exit 3; ...)". */
bool program_deps_unmeetable(Program *p, char **ret_reason);

/* Jobs (program-job.c). install: replace the pending job (it ends "canceled") by a new one.
 * finish: end the pending job with @result (hooks.job_removed). check: end it if @p's state (just changed
 * from @old) finishes it. */
void program_job_install(Program *p, JobType verb, bool automatic, usec_t due_usec);
void program_job_finish(Program *p, JobResult result);
void program_job_check(Program *p, ProgramState old);

/* Log with the CGSUP_PROGRAM= field (the name `cgsupctl status` shows), prefixed by the instance name. */
#define log_program_full_errno(p, level, error, fmt, ...)                                                     \
        ({                                                                                                   \
                char _f_[PROGRAM_DISPLAY_NAME_MAX + 16], _n_[PROGRAM_DISPLAY_NAME_MAX];                      \
                const char *_fields_[] = { _f_, NULL };                                                      \
                (void) snprintf(_f_, sizeof(_f_), "CGSUP_PROGRAM=%s",                                        \
                                program_display_name((p)->group, (p)->name, _n_, sizeof(_n_)));              \
                log_internal_fields((level), (error), _fields_, "%s: " fmt, (p)->name, ##__VA_ARGS__);       \
        })
#define log_program(p, level, fmt, ...) (void) log_program_full_errno(p, level, 0, fmt, ##__VA_ARGS__)
