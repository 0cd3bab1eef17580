/* SPDX-License-Identifier: MIT */
/*
 * The program state machine driven with a fake spawner and a fake clock (STYLE 2.1): no processes, no
 * cgroups, no event loop. The fake records what the machine asked for (spawn, signal, cgroup.kill, timer)
 * and the test plays the kernel (child exits, cgroup emptiness, elapsed time).
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "adopt.h"
#include "backoff.h"
#include "health.h"
#include "deps.h"
#include "event-bus.h"
#include "event-listener.h"
#include "fd-util.h"
#include "manager.h"
#include "notify.h"
#include "program-ops.h"
#include "tests.h"

static struct {
        usec_t clock;
        uint64_t random;
        unsigned spawns;
        int spawn_error;
        ExitReason spawn_reason;
        int procs;          /* processes in the cgroup of the program under test (the last one touched) */
        struct {
                Program *p;
                int procs;
        } other[8];         /* per-program counts when a test has several programs */
        unsigned kills;
        unsigned cleanups;
        int last_signal;
        bool last_signal_all;
        usec_t timer;       /* armed delay, USEC_INFINITY = disarmed */
        unsigned health_starts, health_stops;
        uint64_t oom;
        unsigned changes;
        unsigned freezes;
        unsigned limit_writes;
        int limits_error;   /* what the next cgroup_set_limits returns (with a refusal) */
        /* jobs that ended, in order (hooks.job_removed) */
        unsigned n_removed;
        struct {
                uint32_t id;
                JobType verb;
                JobResult result;
                ProgramState state;
        } removed[64];
        /* every state entered by the program under test, in order */
        ProgramState states[64];
        unsigned n_states;
} fake;

static int *procs_of(Program *p) {
        for (size_t i = 0; i < ELEMENTSOF(fake.other); i++)
                if (fake.other[i].p == p)
                        return &fake.other[i].procs;
        for (size_t i = 0; i < ELEMENTSOF(fake.other); i++)
                if (!fake.other[i].p) {
                        fake.other[i].p = p;
                        return &fake.other[i].procs;
                }
        abort();
}

static usec_t fake_now(Manager *m) {
        return fake.clock;
}
static uint64_t fake_random(Manager *m) {
        return fake.random;
}
static int fake_spawn(Program *p, ExitReason *ret_reason, char **ret_detail) {
        if (fake.spawn_error) {
                *ret_reason = fake.spawn_reason;
                *ret_detail = strdup("memory_max: memory controller not available (fake)");
                return fake.spawn_error;
        }
        /* Rule 6 check built into the fake: never spawn while the old generation is still there. */
        ASSERT_EQ(*procs_of(p), 0);
        fake.spawns++;
        *procs_of(p) = 1;
        fake.procs = 1;
        p->main_pid = 1000 + (pid_t) fake.spawns;
        return 0;
}
static int fake_signal(Program *p, int sig, bool all) {
        fake.last_signal = sig;
        fake.last_signal_all = all;
        return 0;
}
static int fake_cgroup_kill(Program *p) {
        fake.kills++;
        return 0;
}
static int fake_cgroup_freeze(Program *p, bool freeze) {
        fake.freezes++;
        return 0;
}
static int fake_cgroup_set_limits(Program *p, const CgsupLimits *limits, CgsupRefusal *ret_refusal) {
        if (fake.limits_error) {
                *ret_refusal = (CgsupRefusal) { .reason = CGSUP_REFUSAL_NO_CONTROLLER,
                                                .limit = CGSUP_LIMIT_PIDS_MAX, .error = fake.limits_error };
                return fake.limits_error;
        }
        fake.limit_writes++;
        return 0;
}
static int fake_cgroup_count(Program *p) {
        return *procs_of(p);
}
static int fake_cgroup_cleanup(Program *p) {
        /* As rmdir: a populated leaf stays. */
        if (*procs_of(p) > 0)
                return -EBUSY;
        fake.cleanups++;
        return 0;
}
static int fake_find_main_pid(Program *p) {
        p->main_pid = *procs_of(p) == 1 ? 4242 : 0;
        return 0;
}
static int fake_read_counters(Program *p, uint64_t *oom, uint64_t *pids) {
        *oom = fake.oom;
        *pids = 0;
        return 0;
}
static int fake_timer_set(Program *p, usec_t usec) {
        fake.timer = usec;
        return 0;
}
static int fake_health_start(Program *p) {
        fake.health_starts++;
        return 0;
}
static void fake_health_stop(Program *p) {
        fake.health_stops++;
}

static const ProgramOps fake_ops = {
        .now = fake_now,
        .now_realtime = fake_now,
        .random = fake_random,
        .spawn = fake_spawn,
        .signal = fake_signal,
        .cgroup_kill = fake_cgroup_kill,
        .cgroup_count = fake_cgroup_count,
        .cgroup_freeze = fake_cgroup_freeze,
        .cgroup_set_limits = fake_cgroup_set_limits,
        .cgroup_cleanup = fake_cgroup_cleanup,
        .find_main_pid = fake_find_main_pid,
        .read_counters = fake_read_counters,
        .timer_set = fake_timer_set,
        .health_start = fake_health_start,
        .health_stop = fake_health_stop,
};

static void on_changed(Manager *m, Program *p, unsigned what, ProgramState old) {
        fake.changes++;
        if (p->state != old && fake.n_states < ELEMENTSOF(fake.states))
                fake.states[fake.n_states++] = p->state;
}

static void on_job_removed(Manager *m, Program *p, const ProgramJob *job, JobResult result) {
        ASSERT_TRUE(fake.n_removed < ELEMENTSOF(fake.removed));
        ASSERT_TRUE(job->id != 0);
        ASSERT_TRUE(p->job.id != job->id);
        fake.removed[fake.n_removed].id = job->id;
        fake.removed[fake.n_removed].verb = job->verb;
        fake.removed[fake.n_removed].result = result;
        fake.removed[fake.n_removed].state = p->state;
        fake.n_removed++;
}

static Manager manager;

static void setup(void) {
        memset(&fake, 0, sizeof(fake));
        fake.clock = 1000 * USEC_PER_SEC;
        fake.timer = USEC_INFINITY;
        manager = (Manager) { .ops = &fake_ops, .cgroup_root_fd = -EBADF, .notify_fd = -EBADF };
        manager.hooks.program_changed = on_changed;
        manager.hooks.job_removed = on_job_removed;
}

static Program *new_program_in_group(const char *name, const char *group) {
        ProgramConfig *c = calloc(1, sizeof(*c));
        Program *p;

        ASSERT_NOT_NULL(c);
        program_config_init_defaults(c);
        c->name = strdup(name);
        c->program_name = strdup(name);
        c->group_name = strdup(group);
        ASSERT_OK(program_new(&manager, c, &p));
        ASSERT_OK(manager_add_program(&manager, p));
        return p;
}

static Program *new_program(const char *name) {
        return new_program_in_group(name, name);
}

static void teardown(void) {
        while (manager.n_programs > 0)
                program_free(manager.programs[--manager.n_programs]);
        free(manager.programs);
}

/* Let the armed timer expire. */
static void fire(Program *p) {
        ASSERT_TRUE(fake.timer != USEC_INFINITY);
        fake.clock += fake.timer;
        fake.timer = USEC_INFINITY;
        ASSERT_OK(program_dispatch(p, PROGRAM_EVENT_TIMEOUT));
}

static void advance(usec_t t) {
        fake.clock += t;
}

/* The main process exits; @left processes stay in the cgroup. */
static void child_exits(Program *p, int si_code, int status, int left) {
        fake.procs = left;
        *procs_of(p) = left;
        ASSERT_OK(program_child_exited(p, si_code, status));
}

static void cgroup_empties(Program *p) {
        fake.procs = 0;
        *procs_of(p) = 0;
        ASSERT_OK(program_dispatch(p, PROGRAM_EVENT_CGROUP_EMPTY));
}

TEST(state_strings) {
        for (int s = 0; s < _PROGRAM_STATE_MAX; s++) {
                ASSERT_NOT_NULL(program_state_to_string(s));
                ASSERT_EQ(program_state_from_string(program_state_to_string(s)), s);
        }
        ASSERT_STREQ(exit_reason_to_string(EXIT_REASON_OOM_KILL), "oom-kill");
        ASSERT_STREQ(exit_reason_to_string(EXIT_REASON_PIDS_MAX), "pids-max");
        ASSERT_EQ(program_state_from_string("bogus"), -EINVAL);
        ASSERT_NULL(program_state_to_string(_PROGRAM_STATE_MAX));
}

TEST(startsecs_success) {
        setup();
        Program *p = new_program("web");
        p->config->startsecs = 3 * USEC_PER_SEC;

        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.spawns, 1);
        ASSERT_EQ(fake.timer, 3 * USEC_PER_SEC);
        /* A second start joins the pending job. */
        uint32_t id = p->job.id, id2 = 0;
        JobResult res;
        ASSERT_OK(program_enqueue(p, JOB_START, &id2, &res));
        ASSERT_EQ(id2, id);
        ASSERT_EQ(res, _JOB_RESULT_INVALID);
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_EQ(fake.n_removed, 1);
        ASSERT_EQ(fake.removed[0].id, id);
        ASSERT_EQ(fake.removed[0].result, JOB_DONE);
        ASSERT_EQ(program_start(p), -EALREADY);
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        ASSERT_EQ(p->start_attempts, 0);
        ASSERT_TRUE(fake.changes >= 2);
        teardown();
}

TEST(startsecs_zero_is_running_at_once) {
        setup();
        Program *p = new_program("web");
        p->config->startsecs = 0;
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        teardown();
}

TEST(early_exit_backoff_then_fatal) {
        setup();
        Program *p = new_program("crashy");
        usec_t expected[] = { 1 * USEC_PER_SEC, 2 * USEC_PER_SEC, 4 * USEC_PER_SEC };

        p->config->startretries = 3;
        ASSERT_OK(program_start(p));
        for (unsigned i = 0; i < 3; i++) {
                ASSERT_EQ(p->state, PROGRAM_STARTING);
                advance(USEC_PER_SEC / 10);
                child_exits(p, CLD_EXITED, 1, 0);
                ASSERT_EQ(p->state, PROGRAM_BACKOFF);
                ASSERT_EQ(p->exit_reason, EXIT_REASON_EXITED);
                ASSERT_EQ(p->exit_code, 1);
                /* Growing delay, never below 1 s: no busy loop. */
                ASSERT_EQ_U64(fake.timer, expected[i]);
                fire(p);
                ASSERT_EQ(fake.spawns, i + 2);
        }
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ(fake.spawns, 4); /* first try + startretries */
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        ASSERT_EQ(p->n_exits, 4);
        ASSERT_EQ(program_last_exit(p)->exit_code, 1);
        /* A start by hand gets a fresh set of retries. */
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(p->start_attempts, 0);
        teardown();
}

TEST(spawn_failure_counts_as_failed_start) {
        setup();
        Program *p = new_program("missing");
        p->config->startretries = 1;
        fake.spawn_error = -ENOENT;
        fake.spawn_reason = EXIT_REASON_SPAWN_FAILED;
        ASSERT_ERROR(program_start(p), ENOENT);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        ASSERT_EQ(p->exit_reason, EXIT_REASON_SPAWN_FAILED);
        ASSERT_NOT_NULL(p->exit_detail);
        fake.timer = USEC_PER_SEC;
        fake.clock += fake.timer;
        ASSERT_ERROR(program_dispatch(p, PROGRAM_EVENT_TIMEOUT), ENOENT);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        teardown();
}

TEST(limit_not_enforceable_is_fatal_without_retry) {
        setup();
        Program *p = new_program("capped");
        fake.spawn_error = -EOPNOTSUPP;
        fake.spawn_reason = EXIT_REASON_LIMIT;
        ASSERT_ERROR(program_start(p), EOPNOTSUPP);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ(p->exit_reason, EXIT_REASON_LIMIT);
        ASSERT_STR_CONTAINS(p->exit_detail, "memory_max");
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        teardown();
}

static Program *running(const char *name) {
        Program *p = new_program(name);
        ASSERT_OK(program_start(p));
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        return p;
}

TEST(autorestart_unexpected_honours_exitcodes) {
        setup();
        Program *p = running("job");
        /* exitcodes=0,2 */
        memset(p->config->exitcodes, 0, sizeof(p->config->exitcodes));
        p->config->exitcodes[0] = (1 << 0) | (1 << 2);
        ASSERT_TRUE(program_config_exitcode_expected(p->config, 2));

        advance(5 * USEC_PER_SEC);
        child_exits(p, CLD_EXITED, 2, 0);
        ASSERT_EQ(p->state, PROGRAM_EXITED);
        ASSERT_EQ(p->restarts, 0);
        ASSERT_EQ(fake.spawns, 1);

        ASSERT_OK(program_start(p));
        fire(p);
        advance(5 * USEC_PER_SEC);
        child_exits(p, CLD_EXITED, 1, 0);
        /* Ran 5 s (>= max(startsecs, 1 s)): EXITED, then STARTING again at once. */
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.states[fake.n_states - 2], PROGRAM_EXITED);
        ASSERT_EQ(p->restarts, 1);
        ASSERT_EQ(fake.spawns, 3);

        /* A signal is never an expected exit. */
        fire(p);
        advance(5 * USEC_PER_SEC);
        child_exits(p, CLD_KILLED, SIGSEGV, 0);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(program_last_exit(p)->reason, EXIT_REASON_SIGNAL);
        ASSERT_EQ(program_last_exit(p)->exit_signal, SIGSEGV);
        teardown();
}

TEST(autorestart_false_and_true) {
        setup();
        Program *p = running("a");
        p->config->autorestart = AUTORESTART_FALSE;
        child_exits(p, CLD_EXITED, 3, 0);
        ASSERT_EQ(p->state, PROGRAM_EXITED);

        Program *q = running("b");
        q->config->autorestart = AUTORESTART_TRUE;
        child_exits(q, CLD_EXITED, 0, 0);
        ASSERT_EQ(q->state, PROGRAM_STARTING);
        teardown();
}

TEST(running_crashes_grow_backoff_until_stable) {
        setup();
        Program *p = new_program("flappy");
        usec_t delays[4];

        p->config->startsecs = 0; /* RUNNING at once: exits count as crashes after RUNNING */
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        for (unsigned i = 0; i < 4; i++) {
                advance(USEC_PER_SEC / 2); /* shorter than max(startsecs, 1 s) */
                fake.n_states = 0;
                child_exits(p, CLD_EXITED, 1, 0);
                /* supervisord's order: EXITED, with the restart pending (a job, not a state). */
                ASSERT_EQ(p->state, PROGRAM_EXITED);
                ASSERT_EQ(fake.states[0], PROGRAM_EXITED);
                ASSERT_EQ(p->job.type, JOB_START);
                ASSERT_TRUE(p->job.automatic);
                ASSERT_EQ_U64(p->restart_delay_usec, fake.timer);
                delays[i] = fake.timer;
                fire(p);
                ASSERT_EQ(p->state, PROGRAM_RUNNING);
                ASSERT_EQ(p->start_attempts, 0); /* exits after RUNNING never count toward startretries */
        }
        ASSERT_EQ_U64(delays[0], 1 * USEC_PER_SEC);
        ASSERT_EQ_U64(delays[1], 2 * USEC_PER_SEC);
        ASSERT_EQ_U64(delays[3], 8 * USEC_PER_SEC);
        /* A run of at least max(startsecs, 1 s) is restarted at once and forgets the history. */
        advance(1 * USEC_PER_SEC);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_EQ_U64(p->restart_delay_usec, 0);
        advance(USEC_PER_SEC / 2);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ_U64(fake.timer, 1 * USEC_PER_SEC);
        teardown();
}

TEST(restart_timing_rule) {
        setup();
        Program *p = running("svc"); /* startsecs=1 */
        unsigned spawns = fake.spawns;

        /* Ran 3 s, then killed: EXITED -> STARTING with no delay armed. */
        advance(3 * USEC_PER_SEC);
        fake.n_states = 0;
        child_exits(p, CLD_KILLED, SIGKILL, 0);
        ASSERT_EQ(fake.n_states, 2);
        ASSERT_EQ(fake.states[0], PROGRAM_EXITED);
        ASSERT_EQ(fake.states[1], PROGRAM_STARTING);
        ASSERT_EQ_U64(p->restart_delay_usec, 0);
        ASSERT_EQ(fake.spawns, spawns + 1);
        ASSERT_EQ_U64(fake.timer, 1 * USEC_PER_SEC); /* the startsecs timer, no backoff */

        /* startsecs=5: a run of 3 s ends during STARTING: BACKOFF, counted toward startretries. */
        p->config->startsecs = 5 * USEC_PER_SEC;
        p->config->startretries = 1;
        ASSERT_OK(program_restart(p));
        child_exits(p, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        advance(3 * USEC_PER_SEC);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        ASSERT_EQ(p->start_attempts, 1);
        ASSERT_EQ_U64(p->restart_delay_usec, fake.timer);
        fire(p);
        advance(3 * USEC_PER_SEC);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ(fake.timer, USEC_INFINITY);

        /* The floor: startsecs=0 and a run of 0.9 s still waits (a crash loop cannot spin). */
        p->config->startsecs = 0;
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        advance(USEC_PER_SEC * 9 / 10);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_EXITED);
        ASSERT_GE(fake.timer, BACKOFF_FLOOR_USEC);
        char buf[128];
        ASSERT_STR_CONTAINS(program_sub_state(p, buf, sizeof(buf)), "restart pending (in 1s)");
        /* A person's start does not wait out the delay. */
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        teardown();
}

/* ---- the job table: start / stop / restart arriving in every state --------------------------------- */

typedef enum Where {
        W_STOPPED, W_WAITING, W_STARTING, W_RUNNING, W_BACKOFF, W_STOPPING, W_EXITED_PENDING, W_EXITED,
        W_FATAL, W_UNHEALTHY, _W_MAX,
} Where;

/* The state each setup leaves the program in: together they cover every ProgramState (checked below). */
static const ProgramState where_state[_W_MAX] = {
        [W_STOPPED] = PROGRAM_STOPPED,   [W_WAITING] = PROGRAM_STOPPED,   [W_STARTING] = PROGRAM_STARTING,
        [W_RUNNING] = PROGRAM_RUNNING,   [W_BACKOFF] = PROGRAM_BACKOFF,   [W_STOPPING] = PROGRAM_STOPPING,
        [W_EXITED_PENDING] = PROGRAM_EXITED, [W_EXITED] = PROGRAM_EXITED, [W_FATAL] = PROGRAM_FATAL,
        [W_UNHEALTHY] = PROGRAM_UNHEALTHY,
};

static Program *program_in(Where w) {
        Program *p = new_program("p"), *dep;
        Dependency *d;

        p->config->startretries = 0;
        switch (w) {
        case W_STOPPED:
                break;
        case W_WAITING:
                dep = new_program("dep");
                d = calloc(1, sizeof(*d));
                d->name = strdup("dep");
                d->condition = DEPEND_STARTED;
                p->config->depends_on = d;
                p->config->n_depends_on = 1;
                ASSERT_OK(program_start(p));
                ASSERT_NOT_NULL(program_waiting_for(p));
                (void) dep;
                break;
        case W_STARTING:
                ASSERT_OK(program_start(p));
                break;
        case W_RUNNING:
                ASSERT_OK(program_start(p));
                fire(p);
                break;
        case W_BACKOFF:
                p->config->startretries = 3;
                ASSERT_OK(program_start(p));
                child_exits(p, CLD_EXITED, 1, 0);
                break;
        case W_STOPPING:
                ASSERT_OK(program_start(p));
                fire(p);
                ASSERT_OK(program_stop(p));
                break;
        case W_EXITED_PENDING:
                p->config->startsecs = 0;
                ASSERT_OK(program_start(p));
                child_exits(p, CLD_EXITED, 1, 0);
                ASSERT_TRUE(p->job.due_usec > 0);
                break;
        case W_EXITED:
                p->config->autorestart = AUTORESTART_FALSE;
                ASSERT_OK(program_start(p));
                fire(p);
                child_exits(p, CLD_EXITED, 0, 0);
                break;
        case W_FATAL:
                ASSERT_OK(program_start(p));
                child_exits(p, CLD_EXITED, 1, 0);
                break;
        case W_UNHEALTHY:
                for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].type = HEALTH_TCP;
                for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].retries = 1;
                p->config->autorestart = AUTORESTART_FALSE;
                ASSERT_OK(program_start(p));
                fire(p);
                health_check_report(p, true, NULL);
                health_check_report(p, false, "refused");
                break;
        default:
                abort();
        }
        /* The setup reached the state the case is named after (a changed rule would otherwise test
         * another cell of the table without saying so). */
        ASSERT_EQ(p->state, where_state[w]);
        if (w == W_WAITING)
                ASSERT_NOT_NULL(program_waiting_for(p));
        if (w == W_EXITED_PENDING || w == W_WAITING)
                ASSERT_TRUE(p->job.id != 0);
        return p;
}

/* Plays the kernel and the clock until the program has no job left (or @max steps). */
static void settle(Program *p) {
        for (unsigned i = 0; i < 8 && p->job.id != 0; i++) {
                if (p->main_pid > 0 && p->state == PROGRAM_STOPPING)
                        child_exits(p, CLD_KILLED, SIGTERM, 0);
                else if (p->state != PROGRAM_STOPPING && *procs_of(p) > 0 && p->main_pid <= 0)
                        cgroup_empties(p);
                else if (p->state == PROGRAM_RUNNING && program_config_has_health(p->config))
                        health_check_report(p, true, NULL);
                else if (fake.timer != USEC_INFINITY)
                        fire(p);
                else
                        break;
        }
}

TEST(job_table_every_state) {
        static const struct {
                Where where;
                JobType verb;
                int r;                   /* what the request returns */
                ProgramState state;      /* where the job leaves the program (no job left) */
                JobResult result;        /* how the request's job ended; _JOB_RESULT_INVALID: no job made */
        } cases[] = {
                { W_STOPPED, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_STOPPED, JOB_STOP, -EALREADY, PROGRAM_STOPPED, _JOB_RESULT_INVALID },
                { W_STOPPED, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_WAITING, JOB_START, 0, PROGRAM_STOPPED, _JOB_RESULT_INVALID }, /* joins, keeps waiting */
                { W_WAITING, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_WAITING, JOB_RESTART, 0, PROGRAM_STOPPED, _JOB_RESULT_INVALID }, /* joins, keeps waiting */
                { W_STARTING, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_STARTING, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_STARTING, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_RUNNING, JOB_START, -EALREADY, PROGRAM_RUNNING, _JOB_RESULT_INVALID },
                { W_RUNNING, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_RUNNING, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_BACKOFF, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_BACKOFF, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_BACKOFF, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_STOPPING, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_STOPPING, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE }, /* joins the pending stop */
                { W_STOPPING, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_EXITED_PENDING, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_EXITED_PENDING, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_EXITED_PENDING, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_EXITED, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_EXITED, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_EXITED, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_FATAL, JOB_START, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_FATAL, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_FATAL, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
                { W_UNHEALTHY, JOB_START, -EALREADY, PROGRAM_UNHEALTHY, _JOB_RESULT_INVALID },
                { W_UNHEALTHY, JOB_STOP, 0, PROGRAM_STOPPED, JOB_DONE },
                { W_UNHEALTHY, JOB_RESTART, 0, PROGRAM_RUNNING, JOB_DONE },
        };
        bool seen[_W_MAX][_JOB_TYPE_MAX] = {};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                uint32_t id = 0, before;
                JobResult res = _JOB_RESULT_INVALID;
                Program *p;
                int r;

                setup();
                p = program_in(cases[i].where);
                before = p->job.id;
                fake.n_removed = 0;
                printf("# case %zu: %s in state %s\n", i, job_type_to_string(cases[i].verb),
                       program_state_to_string(p->state));
                r = program_enqueue(p, cases[i].verb, &id, &res);
                ASSERT_EQ(r, cases[i].r);
                if (cases[i].where == W_WAITING && cases[i].verb != JOB_STOP)
                        ASSERT_EQ(id, before);
                else if (cases[i].where == W_STOPPING && cases[i].verb == JOB_STOP)
                        ASSERT_EQ(id, before);
                if (cases[i].result == _JOB_RESULT_INVALID && cases[i].where != W_WAITING)
                        ASSERT_EQ(id, 0);
                else {
                        ASSERT_TRUE(id != 0);
                        /* The job it replaced ended as canceled (a pending restart, a stop, a start). */
                        if (before != 0 && id != before) {
                                ASSERT_TRUE(fake.n_removed >= 1);
                                ASSERT_EQ(fake.removed[0].id, before);
                                ASSERT_EQ(fake.removed[0].result, JOB_CANCELED);
                        }
                        if (res == _JOB_RESULT_INVALID)
                                settle(p);
                }
                ASSERT_EQ(p->state, cases[i].state);
                if (cases[i].result != _JOB_RESULT_INVALID) {
                        bool found = false;
                        ASSERT_EQ(p->job.id, 0);
                        for (unsigned k = 0; k < fake.n_removed; k++)
                                if (fake.removed[k].id == id) {
                                        ASSERT_EQ(fake.removed[k].result, cases[i].result);
                                        ASSERT_EQ(fake.removed[k].verb, cases[i].verb);
                                        ASSERT_EQ(fake.removed[k].state, cases[i].state);
                                        found = true;
                                }
                        ASSERT_TRUE(found);
                }
                seen[cases[i].where][cases[i].verb] = true;
                teardown();
        }
        for (int w = 0; w < _W_MAX; w++)
                for (int v = JOB_START; v < _JOB_TYPE_MAX; v++)
                        ASSERT_TRUE(seen[w][v]);
        /* ... and every state of the table is among the setups. */
        for (int s = 0; s < _PROGRAM_STATE_MAX; s++) {
                bool covered = false;
                for (int w = 0; w < _W_MAX; w++)
                        covered = covered || where_state[w] == (ProgramState) s;
                if (!covered)
                        printf("# no setup reaches %s\n", program_state_to_string(s));
                ASSERT_TRUE(covered);
        }
}

TEST(start_job_fails_at_first_failed_attempt) {
        setup();
        Program *p = new_program("crasher");
        uint32_t id;
        JobResult res;

        p->config->startretries = 2;
        ASSERT_OK(program_enqueue(p, JOB_START, &id, &res));
        ASSERT_EQ(res, _JOB_RESULT_INVALID);
        advance(USEC_PER_SEC * 3 / 10);
        child_exits(p, CLD_EXITED, 4, 0);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        ASSERT_EQ(fake.n_removed, 1);
        ASSERT_EQ(fake.removed[0].id, id);
        ASSERT_EQ(fake.removed[0].result, JOB_FAILED);
        ASSERT_EQ(fake.removed[0].state, PROGRAM_BACKOFF);
        /* The daemon keeps retrying (automatic jobs), until FATAL. */
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_TRUE(p->job.automatic);
        child_exits(p, CLD_EXITED, 4, 0);
        fire(p);
        child_exits(p, CLD_EXITED, 4, 0);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ(p->job.id, 0);

        /* A start waits for the first passing healthcheck; a stop cancels it. */
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].type = HEALTH_TCP;
        ASSERT_OK(program_enqueue(p, JOB_START, &id, &res));
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_EQ(p->job.id, id);
        char buf[128];
        ASSERT_STR_CONTAINS(program_sub_state(p, buf, sizeof(buf)), "waiting for the readiness check");
        health_check_report(p, true, NULL);
        ASSERT_EQ(p->job.id, 0);
        ASSERT_EQ(p->finished_job_result, JOB_DONE);
        teardown();
}

TEST(freeze_is_a_table_event) {
        setup();
        Program *p = new_program("f");
        char buf[64];

        ASSERT_ERROR(program_freeze(p, true), ESRCH);
        ASSERT_OK(program_start(p));
        ASSERT_OK(program_freeze(p, true));
        ASSERT_TRUE(p->frozen);
        ASSERT_STREQ(program_sub_state(p, buf, sizeof(buf)), "frozen");
        ASSERT_EQ(program_freeze(p, true), -EALREADY);
        ASSERT_OK(program_freeze(p, false));
        ASSERT_EQ(fake.freezes, 2);
        ASSERT_OK(program_freeze(p, true));
        ASSERT_OK(program_stop(p));
        child_exits(p, CLD_KILLED, SIGTERM, 0);
        ASSERT_FALSE(p->frozen);
        teardown();
}

/* reset-failed: FATAL and failed EXITED become STOPPED without an exit record; anything else is left alone
 * (-EALREADY), and a failed program with processes left in its cgroup is refused. */
TEST(reset_failed_is_a_table_event) {
        setup();
        Program *f = new_program("f");

        ASSERT_EQ(program_reset_failed(f), -EALREADY); /* STOPPED */
        fake.spawn_error = -EOPNOTSUPP;
        fake.spawn_reason = EXIT_REASON_LIMIT;
        ASSERT_ERROR(program_start(f), EOPNOTSUPP);
        ASSERT_EQ(f->state, PROGRAM_FATAL);
        ASSERT_OK(program_reset_failed(f));
        ASSERT_EQ(f->state, PROGRAM_STOPPED);
        ASSERT_EQ(f->exit_reason, EXIT_REASON_NONE);
        ASSERT_EQ(f->exit_code, -1);
        ASSERT_NULL(f->exit_detail);
        ASSERT_EQ(program_reset_failed(f), -EALREADY);
        fake.spawn_error = 0;

        Program *ok = running("ok");
        ASSERT_EQ(program_reset_failed(ok), -EALREADY); /* RUNNING */
        ok->config->autorestart = AUTORESTART_FALSE;
        child_exits(ok, CLD_EXITED, 0, 0);
        ASSERT_EQ(ok->state, PROGRAM_EXITED);
        ASSERT_EQ(program_reset_failed(ok), -EALREADY); /* exited with status 0: not failed */

        Program *bad = running("bad");
        bad->config->autorestart = AUTORESTART_FALSE;
        child_exits(bad, CLD_EXITED, 3, 1); /* one process left behind */
        ASSERT_EQ(bad->state, PROGRAM_EXITED);
        ASSERT_EQ(program_reset_failed(bad), -EBUSY);
        ASSERT_EQ(bad->exit_code, 3);
        cgroup_empties(bad);
        ASSERT_OK(program_reset_failed(bad));
        ASSERT_EQ(bad->state, PROGRAM_STOPPED);
        ASSERT_EQ(bad->restarts, 0U);
        teardown();
}

/* Fail the start at hand: the main process exits at once (startsecs=1 not reached). */
static void start_fails(Program *p) {
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        advance(USEC_PER_SEC / 10);
        child_exits(p, CLD_EXITED, 1, 0);
}

TEST(fatal_retry_after_pause) {
        char sub[128];

        setup();
        Program *p = new_program("storm");
        p->config->startretries = 1;
        p->config->fatal_retry_after = 30 * USEC_PER_SEC;

        ASSERT_OK(program_start(p));
        start_fails(p);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        fire(p);
        start_fails(p);
        /* FATAL, but not for good: an automatic job waits out the pause. */
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ(fake.spawns, 2);
        ASSERT_EQ_U64(fake.timer, 30 * USEC_PER_SEC);
        ASSERT_TRUE(p->job.id != 0 && p->job.automatic && p->job.type == JOB_START);
        ASSERT_STREQ(program_sub_state(p, sub, sizeof(sub)), "retry in 30s");
        ASSERT_EQ(fake.removed[fake.n_removed - 1].result, JOB_FAILED); /* the start by hand failed */
        advance(20 * USEC_PER_SEC);
        ASSERT_STREQ(program_sub_state(p, sub, sizeof(sub)), "retry in 10s");
        /* An early timer does nothing; the pause's end starts it, with a fresh set of startretries. */
        ASSERT_EQ(program_dispatch(p, PROGRAM_EVENT_TIMEOUT), 0);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ(fake.spawns, 2);
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.spawns, 3);
        start_fails(p);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF); /* startretries=1 again, not FATAL at once */
        fire(p);
        start_fails(p);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_EQ_U64(fake.timer, 30 * USEC_PER_SEC);

        /* reset-failed cancels the retry. */
        uint32_t retry = p->job.id;
        ASSERT_OK(program_reset_failed(p));
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        ASSERT_EQ(p->job.id, 0U);
        ASSERT_EQ(fake.removed[fake.n_removed - 1].id, retry);
        ASSERT_EQ(fake.removed[fake.n_removed - 1].result, JOB_CANCELED);
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        ASSERT_STREQ(program_sub_state(p, sub, sizeof(sub)), "");

        /* So does a stop. */
        ASSERT_OK(program_start(p));
        start_fails(p);
        fire(p);
        start_fails(p);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_TRUE(p->job.automatic);
        ASSERT_OK(program_stop(p));
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        ASSERT_EQ(p->job.id, 0U);
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        unsigned spawns = fake.spawns;
        ASSERT_EQ(program_dispatch(p, PROGRAM_EVENT_TIMEOUT), -EALREADY);
        ASSERT_EQ(fake.spawns, spawns);

        /* Without the key FATAL stays FATAL (supervisord); a limit that cannot be enforced never retries. */
        Program *plain = new_program("plain");
        plain->config->startretries = 0;
        ASSERT_OK(program_start(plain));
        start_fails(plain);
        ASSERT_EQ(plain->state, PROGRAM_FATAL);
        ASSERT_EQ(plain->job.id, 0U);
        Program *capped = new_program("capped");
        capped->config->fatal_retry_after = USEC_PER_SEC;
        fake.spawn_error = -EOPNOTSUPP;
        fake.spawn_reason = EXIT_REASON_LIMIT;
        ASSERT_ERROR(program_start(capped), EOPNOTSUPP);
        ASSERT_EQ(capped->state, PROGRAM_FATAL);
        ASSERT_EQ(capped->job.id, 0U);
        fake.spawn_error = 0;
        teardown();
}

TEST(fatal_retry_after_is_canceled_by_shutdown) {
        setup();
        Program *p = new_program("storm");
        p->config->startretries = 0;
        p->config->fatal_retry_after = 5 * USEC_PER_SEC;
        ASSERT_OK(program_start(p));
        start_fails(p);
        ASSERT_EQ(p->state, PROGRAM_FATAL);
        ASSERT_TRUE(p->job.automatic);
        ASSERT_OK(manager_shutdown(&manager));
        ASSERT_EQ(p->job.id, 0U);
        ASSERT_EQ(fake.removed[fake.n_removed - 1].result, JOB_CANCELED);
        teardown();
}

TEST(limit_change_is_a_table_event) {
        setup();
        Program *p = new_program("lim");
        CgsupLimits want = {};
        char *why = NULL;

        cgsup_limits_set(&want, CGSUP_LIMIT_PIDS_MAX, 32);
        /* not running: checked, kept for the next start, the state untouched */
        ASSERT_OK(program_set_limits(p, &want, NULL));
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        ASSERT_TRUE(cgsup_limits_is_set(&p->config->limits, CGSUP_LIMIT_PIDS_MAX));
        ASSERT_OK(program_start(p));
        fire(p); /* startsecs */
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        cgsup_limits_set(&want, CGSUP_LIMIT_PIDS_MAX, 64);
        unsigned changes = fake.changes;
        ASSERT_OK(program_set_limits(p, &want, &why));
        ASSERT_EQ(p->config->limits.value[CGSUP_LIMIT_PIDS_MAX], 64);
        ASSERT_EQ(fake.limit_writes, 2);
        ASSERT_EQ(fake.changes, changes + 1);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        /* refused: nothing changes, and the refusal is worded naming the limit */
        fake.limits_error = -EOPNOTSUPP;
        cgsup_limits_set(&want, CGSUP_LIMIT_PIDS_MAX, 128);
        ASSERT_ERROR(program_set_limits(p, &want, &why), EOPNOTSUPP);
        ASSERT_NOT_NULL(why);
        ASSERT_NOT_NULL(strstr(why, "pids_max"));
        free(why);
        ASSERT_EQ(p->config->limits.value[CGSUP_LIMIT_PIDS_MAX], 64);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        teardown();
}

TEST(stop_during_starting_waits_for_empty_cgroup) {
        setup();
        Program *p = new_program("slow");
        ASSERT_OK(program_start(p));
        *procs_of(p) = 3;
        ASSERT_OK(program_stop(p));
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_EQ(fake.last_signal, SIGTERM);
        ASSERT_FALSE(fake.last_signal_all);
        ASSERT_EQ_U64(fake.timer, 10 * USEC_PER_SEC); /* stopwaitsecs */

        /* Main exits, children remain: they are killed at once, and STOPPED waits for emptiness. */
        child_exits(p, CLD_KILLED, SIGTERM, 2);
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_EQ(fake.kills, 1);
        cgroup_empties(p);
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        ASSERT_EQ(p->exit_reason, EXIT_REASON_STOPPED);
        ASSERT_TRUE(fake.cleanups >= 1);
        ASSERT_EQ(program_stop(p), -EALREADY);
        teardown();
}

TEST(stop_timeout_kills_cgroup) {
        setup();
        Program *p = running("stubborn");
        ASSERT_OK(program_stop(p));
        fire(p);
        ASSERT_EQ(fake.kills, 1);
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        child_exits(p, CLD_KILLED, SIGKILL, 1);
        ASSERT_EQ(p->state, PROGRAM_STOPPING); /* cgroup not empty yet */
        cgroup_empties(p);
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        teardown();
}

TEST(stop_during_backoff) {
        setup();
        Program *p = new_program("crashy");
        ASSERT_OK(program_start(p));
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        ASSERT_OK(program_stop(p));
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        ASSERT_EQ(fake.spawns, 1);
        teardown();
}

TEST(survivors_stay_when_not_restarting) {
        setup();
        Program *p = running("forker");
        p->config->autorestart = AUTORESTART_FALSE;
        child_exits(p, CLD_EXITED, 0, 2);
        ASSERT_EQ(p->state, PROGRAM_EXITED);
        ASSERT_EQ(p->survivors, 2);
        ASSERT_EQ(fake.kills, 0);
        ASSERT_TRUE(program_is_active(p));

        /* stop kills the survivors: the stop signal to all, then emptiness. */
        ASSERT_OK(program_stop(p));
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_TRUE(fake.last_signal_all);
        cgroup_empties(p);
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        teardown();
}

TEST(survivors_leave_on_their_own) {
        setup();
        Program *p = running("forker");
        p->config->autorestart = AUTORESTART_FALSE;
        child_exits(p, CLD_EXITED, 0, 1);
        ASSERT_EQ(p->survivors, 1);
        cgroup_empties(p);
        ASSERT_EQ(p->state, PROGRAM_EXITED);
        ASSERT_EQ(p->survivors, 0);
        teardown();
}

TEST(restart_kills_old_generation_first) {
        setup();
        Program *p = running("forker");
        p->config->autorestart = AUTORESTART_TRUE;
        child_exits(p, CLD_EXITED, 1, 2);
        ASSERT_EQ(p->state, PROGRAM_EXITED);
        ASSERT_EQ(fake.kills, 1);
        /* Restarted at once, but the old processes are still dying: no spawn yet (the fake asserts too). */
        ASSERT_EQ(fake.spawns, 1);
        ASSERT_EQ(p->job.type, JOB_START);
        cgroup_empties(p);
        ASSERT_EQ(fake.spawns, 2);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        teardown();
}

TEST(start_of_exited_with_survivors_kills_them_first) {
        setup();
        Program *p = running("forker");
        p->config->autorestart = AUTORESTART_FALSE;
        child_exits(p, CLD_EXITED, 0, 1);
        ASSERT_OK(program_start(p));
        ASSERT_EQ(fake.kills, 1);
        ASSERT_EQ(fake.spawns, 1);
        cgroup_empties(p);
        ASSERT_EQ(fake.spawns, 2);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        teardown();
}

TEST(restart_request) {
        setup();
        Program *p = running("web");
        ASSERT_OK(program_restart(p));
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        child_exits(p, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.spawns, 2);
        ASSERT_EQ(p->restarts, 1);
        teardown();
}

TEST(restart_force_kills_at_once) {
        uint32_t id = 0, id2 = 0;
        JobResult res;

        setup();
        Program *p = running("stubborn");
        p->config->stopwaitsecs = 60 * USEC_PER_SEC;
        /* Only a restart can be forced; unknown flags are refused. */
        ASSERT_ERROR(program_enqueue_flags(p, JOB_STOP, JOB_FLAG_KILL, &id, &res), EINVAL);
        ASSERT_ERROR(program_enqueue_flags(p, JOB_RESTART, 1u << 7, &id, &res), EINVAL);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);

        ASSERT_OK(program_enqueue_flags(p, JOB_RESTART, JOB_FLAG_KILL, &id, &res));
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_EQ(fake.kills, 1);        /* cgroup.kill at once... */
        ASSERT_EQ(fake.last_signal, 0);  /* ...and no stop signal */
        ASSERT_EQ(fake.timer, 5 * USEC_PER_SEC); /* the kill recheck, not stopwaitsecs */
        child_exits(p, CLD_KILLED, SIGKILL, 0);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.spawns, 2);
        ASSERT_EQ(p->restarts, 1);
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_EQ(fake.removed[fake.n_removed - 1].id, id);
        ASSERT_EQ(fake.removed[fake.n_removed - 1].result, JOB_DONE);

        /* A plain restart waits out its grace; a forced one asked meanwhile does not join it: it kills now. */
        ASSERT_OK(program_restart(p));
        ASSERT_EQ(fake.last_signal, SIGTERM);
        ASSERT_EQ(fake.kills, 1);
        ASSERT_EQ(fake.timer, 60 * USEC_PER_SEC);
        ASSERT_OK(program_enqueue_flags(p, JOB_RESTART, JOB_FLAG_KILL, &id2, &res));
        ASSERT_TRUE(id2 != id);
        ASSERT_EQ(fake.kills, 2);
        ASSERT_EQ(fake.timer, 5 * USEC_PER_SEC);
        ASSERT_EQ(fake.removed[fake.n_removed - 1].result, JOB_CANCELED); /* the plain restart */
        /* A second forced restart joins the first. */
        ASSERT_OK(program_enqueue_flags(p, JOB_RESTART, JOB_FLAG_KILL, &id, &res));
        ASSERT_EQ(id, id2);
        ASSERT_EQ(fake.kills, 2);
        child_exits(p, CLD_KILLED, SIGKILL, 0);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.spawns, 3);
        teardown();
}

TEST(runtime_max_kills_the_tree_with_reason_timeout) {
        setup();
        Program *p = new_program("run-1");
        p->config->startsecs = 0;
        p->config->stopwaitsecs = 60 * USEC_PER_SEC;
        p->config->runtime_max = 30 * USEC_PER_SEC;
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_EQ_U64(fake.timer, 30 * USEC_PER_SEC); /* from the spawn */
        ASSERT_EQ(fake.kills, 0);
        fire(p);
        /* The whole tree at once: cgroup.kill, no stop signal, no stopwaitsecs. */
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_EQ(fake.kills, 1);
        ASSERT_EQ(fake.last_signal, 0);
        ASSERT_EQ_U64(fake.timer, 5 * USEC_PER_SEC);
        child_exits(p, CLD_KILLED, SIGKILL, 2);
        ASSERT_EQ(p->exit_reason, EXIT_REASON_TIMEOUT);
        ASSERT_STREQ(exit_reason_to_string(p->exit_reason), "timeout");
        ASSERT_STREQ(p->exit_detail, "runtime_max (30s) reached, cgroup killed");
        ASSERT_EQ(p->state, PROGRAM_STOPPING); /* two processes left */
        cgroup_empties(p);
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        ASSERT_EQ(program_last_exit(p)->reason, EXIT_REASON_TIMEOUT);
        ASSERT_EQ(fake.spawns, 1); /* never restarted */

        /* Without runtime_max the timer stays off while RUNNING, and a stray timeout does nothing. */
        Program *q = new_program("plain");
        q->config->startsecs = 0;
        ASSERT_OK(program_start(q));
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        ASSERT_EQ(program_dispatch(q, PROGRAM_EVENT_TIMEOUT), -EALREADY);
        ASSERT_EQ(q->state, PROGRAM_RUNNING);
        teardown();
}

TEST(shutdown_now_kills_without_stop_signal) {
        setup();
        Program *low = running("low");
        Program *high = running("high");
        low->config->priority = 10;
        high->config->priority = 20;
        high->config->stopwaitsecs = low->config->stopwaitsecs = 60 * USEC_PER_SEC;
        ASSERT_OK(manager_shutdown_now(&manager));
        ASSERT_TRUE(manager.shutting_down);
        ASSERT_EQ(fake.last_signal, 0); /* no stop signal to anyone */
        ASSERT_TRUE(fake.kills >= 2);  /* both cgroups killed, not only the first wave's */
        ASSERT_TRUE(low->kill_sent && high->kill_sent);
        ASSERT_EQ(manager_shutdown_now(&manager), -EALREADY);
        child_exits(high, CLD_KILLED, SIGKILL, 0);
        child_exits(low, CLD_KILLED, SIGKILL, 0);
        ASSERT_EQ(high->state, PROGRAM_STOPPED);
        ASSERT_EQ(low->state, PROGRAM_STOPPED);
        ASSERT_EQ(fake.last_signal, 0);
        ASSERT_EQ(fake.spawns, 2); /* no restart */
        teardown();
}

TEST(shutdown_now_ends_a_graceful_shutdown) {
        setup();
        Program *p = running("stubborn");
        p->config->stopwaitsecs = 60 * USEC_PER_SEC;
        ASSERT_OK(manager_shutdown(&manager));
        ASSERT_EQ(fake.last_signal, SIGTERM);
        ASSERT_EQ(fake.kills, 0);
        ASSERT_OK(manager_shutdown_now(&manager));
        ASSERT_EQ(fake.kills, 1);
        child_exits(p, CLD_KILLED, SIGKILL, 0);
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        teardown();
}

TEST(health_fail_unhealthy_then_restart) {
        setup();
        Program *p = new_program("api");
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].type = HEALTH_TCP;
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].retries = 2;
        ASSERT_OK(program_start(p));
        ASSERT_EQ(fake.health_starts, 1);
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        health_check_report(p, true, NULL);
        ASSERT_TRUE(p->health_ready);
        /* Readiness passed: its check stopped, the liveness check started. */
        ASSERT_EQ(fake.health_stops, 1);
        ASSERT_EQ(fake.health_starts, 2);

        health_check_report(p, false, "connection refused");
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        health_check_report(p, false, "connection refused");
        /* UNHEALTHY was entered (hook saw it), then the restart began with the stop signal. */
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_EQ(fake.last_signal, SIGTERM);
        child_exits(p, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(program_last_exit(p)->reason, EXIT_REASON_HEALTH);
        /* It ran past max(startsecs, 1 s): started again at once. */
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ(fake.spawns, 2);
        ASSERT_EQ(p->restarts, 1);
        teardown();
}

TEST(readiness_alone_gates_the_start_then_stops) {
        setup();
        Program *p = new_program("api");
        p->config->health[HEALTH_READINESS].type = HEALTH_LOG_LINE;
        p->config->health[HEALTH_READINESS].retries = 1;
        ASSERT_OK(program_start(p));
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_FALSE(program_is_ready(p));
        ASSERT_EQ(health_current_kind(p), HEALTH_READINESS);
        health_check_report(p, true, NULL);
        ASSERT_TRUE(program_is_ready(p));
        ASSERT_EQ(p->job.id, 0u);
        /* No liveness check: nothing starts after readiness, and no verdict can make it unhealthy. */
        ASSERT_EQ(fake.health_starts, 1);
        ASSERT_EQ(fake.health_stops, 1);
        ASSERT_EQ(health_current_kind(p), _HEALTH_KIND_INVALID);
        health_check_report(p, false, "ignored");
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        teardown();
}

TEST(liveness_alone_restarts_and_does_not_gate) {
        setup();
        Program *p = new_program("api");
        p->config->health[HEALTH_LIVENESS].type = HEALTH_EXEC;
        p->config->health[HEALTH_LIVENESS].retries = 2;
        ASSERT_OK(program_start(p));
        fire(p);
        /* Without a readiness check the start job ends at RUNNING. */
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_TRUE(program_is_ready(p));
        ASSERT_EQ(p->job.id, 0u);
        ASSERT_EQ(health_current_kind(p), HEALTH_LIVENESS);
        health_check_report(p, false, "exit 1");
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        health_check_report(p, false, "exit 1");
        /* A restart job (the daemon's own), through the stop half first. */
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        ASSERT_EQ(p->job.verb, JOB_RESTART);
        ASSERT_TRUE(p->job.automatic);
        child_exits(p, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(program_last_exit(p)->reason, EXIT_REASON_HEALTH);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        teardown();
}

TEST(health_fail_without_autorestart_stays_unhealthy) {
        setup();
        Program *p = new_program("api");
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].type = HEALTH_TCP;
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].retries = 1;
        p->config->autorestart = AUTORESTART_FALSE;
        ASSERT_OK(program_start(p));
        fire(p);
        health_check_report(p, false, "timeout");
        ASSERT_EQ(p->state, PROGRAM_UNHEALTHY);
        health_check_report(p, true, NULL);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_EQ(p->exit_reason, EXIT_REASON_NONE);
        teardown();
}

TEST(health_start_period_ignores_failures) {
        setup();
        Program *p = new_program("api");
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].type = HEALTH_HTTP;
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].retries = 1;
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                p->config->health[k_].start_period = 10 * USEC_PER_SEC;
        ASSERT_OK(program_start(p));
        fire(p);
        health_check_report(p, false, "refused");
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        advance(11 * USEC_PER_SEC);
        health_check_report(p, false, "refused");
        ASSERT_EQ(p->state, PROGRAM_STOPPING);
        teardown();
}

TEST(notify_ready) {
        setup();
        Program *p = new_program("notifier");
        p->config->type = PROGRAM_TYPE_NOTIFY;
        ASSERT_OK(program_start(p));
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        ASSERT_EQ_U64(fake.timer, 90 * USEC_PER_SEC);
        ASSERT_OK(program_dispatch(p, PROGRAM_EVENT_READY));
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        teardown();
}

TEST(notify_without_ready_times_out) {
        setup();
        Program *p = new_program("notifier");
        p->config->type = PROGRAM_TYPE_NOTIFY;
        ASSERT_OK(program_start(p));
        fire(p);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        ASSERT_EQ(fake.kills, 1);
        ASSERT_STR_CONTAINS(p->exit_detail, "READY=1");
        teardown();
}

TEST(oneshot_and_forking) {
        setup();
        Program *p = new_program("migrate");
        p->config->type = PROGRAM_TYPE_ONESHOT;
        ASSERT_OK(program_start(p));
        ASSERT_EQ(fake.timer, USEC_INFINITY);
        child_exits(p, CLD_EXITED, 0, 0);
        ASSERT_EQ(p->state, PROGRAM_EXITED);

        Program *f = new_program("legacy");
        f->config->type = PROGRAM_TYPE_FORKING;
        ASSERT_OK(program_start(f));
        child_exits(f, CLD_EXITED, 0, 1); /* launcher daemonized: one process left */
        ASSERT_EQ(f->state, PROGRAM_RUNNING);
        ASSERT_EQ(f->main_pid, 4242);
        child_exits(f, CLD_EXITED, 0, 0);
        ASSERT_EQ(f->state, PROGRAM_EXITED);
        teardown();
}

TEST(oom_kill_is_the_exit_reason) {
        setup();
        Program *p = running("hog");
        fake.oom = 1;
        child_exits(p, CLD_KILLED, SIGKILL, 0);
        ASSERT_EQ(program_last_exit(p)->reason, EXIT_REASON_OOM_KILL);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        teardown();
}

TEST(dependency_gates_start) {
        setup();
        Program *db = new_program("db");
        Program *app = new_program("app");
        Dependency *d = calloc(1, sizeof(*d));
        d->name = strdup("db");
        d->condition = DEPEND_STARTED;
        app->config->depends_on = d;
        app->config->n_depends_on = 1;

        ASSERT_OK(program_start(app));
        ASSERT_EQ(app->state, PROGRAM_STOPPED);
        ASSERT_STR_CONTAINS(program_waiting_for(app), "waiting for db");
        ASSERT_EQ(fake.spawns, 0);

        ASSERT_OK(program_start(db));
        ASSERT_EQ(fake.spawns, 1);
        fire(db); /* db RUNNING -> app starts */
        ASSERT_EQ(app->state, PROGRAM_STARTING);
        ASSERT_NULL(program_waiting_for(app));
        teardown();
}

TEST(dependency_healthy_waits_for_first_success) {
        setup();
        Program *db = new_program("db");
        Program *app = new_program("app");
        Dependency *d = calloc(1, sizeof(*d));
        for (HealthKind k_ = 0; k_ < _HEALTH_KIND_MAX; k_++)
                db->config->health[k_].type = HEALTH_TCP;
        d->name = strdup("db");
        d->condition = DEPEND_HEALTHY;
        app->config->depends_on = d;
        app->config->n_depends_on = 1;

        ASSERT_OK(program_start(app));
        ASSERT_OK(program_start(db));
        fire(db);
        ASSERT_EQ(db->state, PROGRAM_RUNNING);
        ASSERT_EQ(app->state, PROGRAM_STOPPED);
        health_check_report(db, true, NULL);
        ASSERT_EQ(app->state, PROGRAM_STARTING);
        teardown();
}

TEST(exit_history_is_bounded) {
        setup();
        Program *p = running("x");
        p->config->autorestart = AUTORESTART_TRUE;
        for (unsigned i = 0; i < PROGRAM_EXIT_HISTORY * 2; i++) {
                advance(USEC_PER_SEC);
                child_exits(p, CLD_EXITED, (int) i, 0);
                fire(p);
        }
        ASSERT_EQ(p->n_exits, PROGRAM_EXIT_HISTORY * 2);
        ASSERT_EQ(program_last_exit(p)->exit_code, PROGRAM_EXIT_HISTORY * 2 - 1);
        teardown();
}


TEST(notify_messages) {
        setup();
        Program *p = new_program("n");
        p->config->type = PROGRAM_TYPE_NOTIFY;
        ASSERT_OK(program_start(p));
        notify_handle_message(p, "STATUS=warming up", 17);
        ASSERT_STREQ(p->status_text, "warming up");
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        notify_handle_message(p, "READY=0\nX=1", 11);
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        notify_handle_message(p, "STATUS=serving\nREADY=1\n", 23);
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        ASSERT_STREQ(p->status_text, "serving");
        teardown();
}

TEST(cgroup_names) {
        char *s = NULL;
        ASSERT_OK(cgroup_name_escape("web_01", &s));
        ASSERT_STREQ(s, "web_01");
        free(s);
        ASSERT_OK(cgroup_name_escape("cgroup.procs", &s));
        ASSERT_STREQ(s, "_cgroup.procs");
        free(s);
        ASSERT_OK(cgroup_name_escape("memory.max", &s));
        ASSERT_STREQ(s, "_memory.max");
        free(s);
        ASSERT_OK(cgroup_name_escape("..", &s));
        ASSERT_STREQ(s, "_..");
        free(s);
        ASSERT_OK(cgroup_name_escape("supervisor", &s));
        ASSERT_STREQ(s, "_supervisor");
        free(s);
        ASSERT_OK(cgroup_name_escape("_x", &s));
        ASSERT_STREQ(s, "__x");
        free(s);
        ASSERT_OK(cgroup_name_escape("db.health", &s));
        ASSERT_STREQ(s, "_db.health");
        free(s);
        ASSERT_ERROR(cgroup_name_escape("a/b", &s), EINVAL);
        ASSERT_ERROR(cgroup_name_escape("", &s), EINVAL);
        ASSERT_ERROR(cgroup_name_escape("a\nb", &s), EINVAL);
}

TEST(dependency_cycles_rejected) {
        setup();
        Program *a = new_program("a");
        Program *b = new_program("b");
        Dependency *da = calloc(1, sizeof(*da)), *db = calloc(1, sizeof(*db));
        char *msg = NULL;

        da->name = strdup("b");
        db->name = strdup("a");
        a->config->depends_on = da;
        a->config->n_depends_on = 1;
        ASSERT_OK(deps_check_cycles(&manager, &msg));
        b->config->depends_on = db;
        b->config->n_depends_on = 1;
        ASSERT_ERROR(deps_check_cycles(&manager, &msg), ELOOP);
        ASSERT_STR_CONTAINS(msg, "dependency cycle");
        free(msg);
        teardown();
}

/* Issue 14: a dependency that can no longer be met fails the waiting start with the reason (it used to
 * leave the dependent waiting forever). */
TEST(fatal_dependency_fails_the_dependent) {
        setup();
        Program *db = new_program("db");
        Program *app = new_program("app");
        Dependency *d = calloc(1, sizeof(*d));
        d->name = strdup("db");
        d->condition = DEPEND_STARTED;
        app->config->depends_on = d;
        app->config->n_depends_on = 1;
        db->config->startretries = 0;

        ASSERT_OK(program_start(app));
        ASSERT_OK(program_start(db));
        child_exits(db, CLD_EXITED, 1, 0);
        ASSERT_EQ(db->state, PROGRAM_FATAL);
        ASSERT_EQ(app->state, PROGRAM_FATAL);
        ASSERT_EQ(app->exit_reason, EXIT_REASON_DEPENDENCY);
        ASSERT_STR_CONTAINS(app->exit_detail, "dependency db (started) cannot be met: db is FATAL (exit 1)");
        ASSERT_NULL(program_waiting_for(app));
        /* Fixed and started by hand, then the dependent by hand. */
        ASSERT_OK(program_start(db));
        fire(db);
        ASSERT_OK(program_start(app));
        ASSERT_EQ(app->state, PROGRAM_STARTING);
        teardown();
}

TEST(succeeded_waits_for_an_expected_exit) {
        setup();
        Program *mig = new_program("mig");
        Program *app = new_program("app");
        Program *app2 = new_program("app2");
        Dependency *d = calloc(1, sizeof(*d)), *d2 = calloc(1, sizeof(*d2));
        d->name = strdup("mig");
        d->condition = DEPEND_SUCCEEDED;
        d2->name = strdup("mig");
        d2->condition = DEPEND_COMPLETED;
        app->config->depends_on = d;
        app->config->n_depends_on = 1;
        app2->config->depends_on = d2;
        app2->config->n_depends_on = 1;
        mig->config->autorestart = AUTORESTART_FALSE;
        mig->config->startsecs = 0;

        /* exit 3 after running: succeeded cannot be met, completed keeps waiting */
        ASSERT_OK(program_start(app));
        ASSERT_OK(program_start(app2));
        ASSERT_OK(program_start(mig));
        ASSERT_EQ(mig->state, PROGRAM_RUNNING);
        child_exits(mig, CLD_EXITED, 3, 0);
        ASSERT_EQ(mig->state, PROGRAM_EXITED);
        ASSERT_EQ(app->state, PROGRAM_FATAL);
        ASSERT_STR_CONTAINS(app->exit_detail, "mig did not succeed (exit 3");
        ASSERT_STREQ(exit_reason_to_string(app->exit_reason), "dependency");
        ASSERT_EQ(app2->state, PROGRAM_STOPPED);
        ASSERT_STR_CONTAINS(program_waiting_for(app2), "waiting for mig (completed)");

        /* exit 0: both conditions met */
        ASSERT_OK(program_start(mig));
        child_exits(mig, CLD_EXITED, 0, 0);
        ASSERT_EQ(mig->state, PROGRAM_EXITED);
        ASSERT_EQ(app2->state, PROGRAM_STARTING);
        ASSERT_OK(program_start(app));
        ASSERT_EQ(app->state, PROGRAM_STARTING);
        teardown();
}

TEST(shutdown_stops_in_reverse_priority_and_dependents_first) {
        setup();
        Program *low = new_program("low");
        Program *high = new_program("high");
        low->config->priority = 10;
        high->config->priority = 20;
        low->config->startsecs = high->config->startsecs = 0;
        ASSERT_OK(program_start(low));
        ASSERT_OK(program_start(high));
        ASSERT_EQ(low->state, PROGRAM_RUNNING);
        ASSERT_EQ(high->state, PROGRAM_RUNNING);
        ASSERT_OK(manager_shutdown(&manager));
        ASSERT_EQ(high->state, PROGRAM_STOPPING);
        ASSERT_EQ(low->state, PROGRAM_RUNNING); /* next wave */
        child_exits(high, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(high->state, PROGRAM_STOPPED);
        ASSERT_EQ(low->state, PROGRAM_STOPPING);
        child_exits(low, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(low->state, PROGRAM_STOPPED);
        /* no restart while shutting down */
        ASSERT_EQ(fake.spawns, 2);
        teardown();
}

TEST(pid_starttime_detects_reuse) {
        uint64_t a = 0, b = 0, c = 0;

        /* /proc/PID/stat field 22, parsed after the last ')' (comm may contain spaces and parentheses). */
        ASSERT_OK(adopt_pid_starttime(getpid(), &a));
        ASSERT_OK(adopt_pid_starttime(getpid(), &b));
        ASSERT_EQ_U64(a, b);
        ASSERT_TRUE(a > 0);
        ASSERT_OK(adopt_pid_starttime(1, &c));
        ASSERT_LE(c, a);
        ASSERT_ERROR(adopt_pid_starttime(-5, &c), ENOENT);
}

/* ---- backoff arithmetic ------------------------------------------------------------------------- */

TEST(backoff_growth_cap_reset) {
        Backoff b;
        backoff_init(&b, 1 * USEC_PER_SEC, 30 * USEC_PER_SEC, 2.0);
        ASSERT_EQ_U64(backoff_next(&b, 0), 1 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), 2 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), 4 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), 8 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), 16 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), 30 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), 30 * USEC_PER_SEC);
        backoff_reset(&b);
        ASSERT_EQ_U64(backoff_next(&b, 0), 1 * USEC_PER_SEC);
        /* Restarted at once after a run of max(startsecs, 1 s). */
        ASSERT_EQ_U64(backoff_stable_usec(&b, 0), 1 * USEC_PER_SEC);
        ASSERT_EQ_U64(backoff_stable_usec(&b, 60 * USEC_PER_SEC), 60 * USEC_PER_SEC);
}

TEST(backoff_jitter_bounds) {
        Backoff b;
        for (uint64_t r = 0; r < 5000; r += 7) {
                backoff_init(&b, 2 * USEC_PER_SEC, 30 * USEC_PER_SEC, 2.0);
                usec_t d = backoff_next(&b, r * 104729ULL);
                ASSERT_GE(d, 2 * USEC_PER_SEC);
                ASSERT_LE(d, 2 * USEC_PER_SEC + 2 * USEC_PER_SEC / 10);
        }
        backoff_init(&b, 1 * USEC_PER_SEC, 30 * USEC_PER_SEC, 2.0);
        for (int i = 0; i < 20; i++) {
                usec_t d = backoff_next(&b, UINT64_MAX);
                ASSERT_LE(d, 33 * USEC_PER_SEC);
                ASSERT_GE(d, 1 * USEC_PER_SEC);
        }
}

TEST(backoff_floor) {
        Backoff b;
        /* Configured below the floor: clamped, a crash loop never spins faster than 1/s. */
        backoff_init(&b, 0, 0, 0.5);
        ASSERT_EQ_U64(backoff_next(&b, 0), BACKOFF_FLOOR_USEC);
        ASSERT_EQ_U64(backoff_next(&b, 0), BACKOFF_FLOOR_USEC);
        ASSERT_EQ_U64(backoff_floor_remaining(10 * USEC_PER_SEC, 10 * USEC_PER_SEC + 300000), 700000);
        ASSERT_EQ_U64(backoff_floor_remaining(10 * USEC_PER_SEC, 12 * USEC_PER_SEC), 0);
        ASSERT_EQ_U64(backoff_floor_remaining(0, 5), 0);
}

/* ---- the event model (event-bus.c): supervisord's sequence and payloads ------------------------------ */

static struct {
        char lines[32][256];
        unsigned n;
        uint64_t last_serial;
} seen;

static void on_event(Manager *m, Event *e, void *userdata) {
        ASSERT_TRUE(seen.n < ELEMENTSOF(seen.lines));
        ASSERT_TRUE(seen.n == 0 || e->serial == seen.last_serial + 1);
        seen.last_serial = e->serial;
        snprintf(seen.lines[seen.n++], sizeof(seen.lines[0]), "%s %s", event_type_to_string(e->type), e->payload);
}

static EventSubscription *subscribe_all(const char *events) {
        EventSubscription *s = NULL;
        EventMask mask = 0;
        memset(&seen, 0, sizeof(seen));
        ASSERT_OK(event_mask_from_list(events, &mask, NULL));
        ASSERT_OK(event_bus_subscribe(&manager, mask, on_event, NULL, &s));
        return s;
}

static void unsubscribe(EventSubscription *s) {
        event_subscription_free(s);
        event_bus_free(&manager);
}

TEST(event_names_and_supertypes) {
        const char *bad = NULL;
        EventMask m = 0;

        ASSERT_STREQ(event_type_to_string(EVENT_PROCESS_STATE_RUNNING), "PROCESS_STATE_RUNNING");
        ASSERT_EQ_U64(event_mask_from_string("PROCESS_STATE_FATAL"), EVENT_MASK(EVENT_PROCESS_STATE_FATAL));
        ASSERT_TRUE(event_mask_from_string("PROCESS_STATE") & EVENT_MASK(EVENT_PROCESS_STATE_UNKNOWN));
        ASSERT_FALSE(event_mask_from_string("PROCESS_STATE") & EVENT_MASK(EVENT_TICK_5));
        ASSERT_EQ_U64(event_mask_from_string("EVENT"), EVENT_MASK(_EVENT_TYPE_MAX) - 1);
        ASSERT_EQ_U64(event_mask_from_string("TICK"),
                      EVENT_MASK(EVENT_TICK_5) | EVENT_MASK(EVENT_TICK_60) | EVENT_MASK(EVENT_TICK_3600));
        ASSERT_EQ_U64(event_mask_from_string("process_state"), 0); /* supervisord's names are case-sensitive */
        ASSERT_OK(event_mask_from_list("PROCESS_STATE_EXITED, TICK_60,PROCESS_GROUP", &m, NULL));
        ASSERT_EQ_U64(m, EVENT_MASK(EVENT_PROCESS_STATE_EXITED) | EVENT_MASK(EVENT_TICK_60) |
                                 EVENT_MASK(EVENT_PROCESS_GROUP_ADDED) | EVENT_MASK(EVENT_PROCESS_GROUP_REMOVED));
        ASSERT_ERROR(event_mask_from_list("PROCESS_STATE,BOGUS", &m, &bad), EINVAL);
        ASSERT_STREQ(bad, "BOGUS");
}

/* A program that runs once, exits unexpectedly, then crashes at once until FATAL: the events are those
 * supervisord 4 sends, in its order (it gives up from BACKOFF, cgsup from STARTING). */
TEST(event_crash_sequence) {
        setup();
        EventSubscription *s = subscribe_all("PROCESS_STATE");
        Program *p = new_program("crash");
        p->config->startretries = 1;

        ASSERT_OK(program_start(p));
        fire(p); /* startsecs */
        ASSERT_EQ(p->state, PROGRAM_RUNNING);
        advance(5 * USEC_PER_SEC);
        child_exits(p, CLD_EXITED, 3, 0); /* ran long enough: restarted at once */
        ASSERT_EQ(p->state, PROGRAM_STARTING);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);
        fire(p);
        child_exits(p, CLD_EXITED, 1, 0);
        ASSERT_EQ(p->state, PROGRAM_FATAL);

        const char *want[] = {
                "PROCESS_STATE_STARTING processname:crash groupname:crash from_state:STOPPED tries:0",
                "PROCESS_STATE_RUNNING processname:crash groupname:crash from_state:STARTING pid:1001",
                "PROCESS_STATE_EXITED processname:crash groupname:crash from_state:RUNNING expected:0 pid:1001",
                "PROCESS_STATE_STARTING processname:crash groupname:crash from_state:EXITED tries:0",
                "PROCESS_STATE_BACKOFF processname:crash groupname:crash from_state:STARTING tries:1",
                "PROCESS_STATE_STARTING processname:crash groupname:crash from_state:BACKOFF tries:1",
                "PROCESS_STATE_BACKOFF processname:crash groupname:crash from_state:STARTING tries:2",
                "PROCESS_STATE_FATAL processname:crash groupname:crash from_state:BACKOFF",
        };
        ASSERT_EQ(seen.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ASSERT_STREQ(seen.lines[i], want[i]);
        unsubscribe(s);
        teardown();
}

TEST(event_stop_and_spawn_failure) {
        setup();
        EventSubscription *s = subscribe_all("PROCESS_STATE_STOPPING PROCESS_STATE_STOPPED PROCESS_STATE_STARTING "
                                             "PROCESS_STATE_BACKOFF");
        Program *p = new_program("web");
        p->config->startsecs = 0;

        ASSERT_OK(program_start(p)); /* startsecs=0: RUNNING at once */
        ASSERT_OK(program_stop(p));
        child_exits(p, CLD_KILLED, SIGTERM, 0);
        ASSERT_EQ(p->state, PROGRAM_STOPPED);
        fake.spawn_error = -ENOENT;
        fake.spawn_reason = EXIT_REASON_SPAWN_FAILED;
        (void) program_start(p); /* never entered STARTING: supervisord would have */
        ASSERT_EQ(p->state, PROGRAM_BACKOFF);

        const char *want[] = {
                "PROCESS_STATE_STARTING processname:web groupname:web from_state:STOPPED tries:0",
                "PROCESS_STATE_STOPPING processname:web groupname:web from_state:RUNNING pid:1001",
                "PROCESS_STATE_STOPPED processname:web groupname:web from_state:STOPPING pid:1001",
                "PROCESS_STATE_STARTING processname:web groupname:web from_state:STOPPED tries:0",
                "PROCESS_STATE_BACKOFF processname:web groupname:web from_state:STARTING tries:1",
        };
        ASSERT_EQ(seen.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ASSERT_STREQ(seen.lines[i], want[i]);
        unsubscribe(s);
        teardown();
}

TEST(event_group_daemon_tick_log) {
        setup();
        EventSubscription *s = subscribe_all("PROCESS_GROUP SUPERVISOR_STATE_CHANGE TICK_60 PROCESS_LOG_STDERR");
        Program *a = new_program("a");
        Program *b = new_program("b");
        Program *c = new_program_in_group("c", "a"); /* a's group exists: no second PROCESS_GROUP_ADDED */
        (void) b;
        a->config->stderr_events = true;
        a->main_pid = 77;

        event_bus_daemon_state(&manager, true);
        event_bus_tick(&manager, EVENT_TICK_5, 1000); /* not subscribed */
        event_bus_tick(&manager, EVENT_TICK_60, 1020);
        event_bus_process_log(a, 1, "out\n", 4);            /* stdout not subscribed */
        event_bus_process_log(a, 2, "h\xc3\xa9\xff\n", 5);   /* invalid byte becomes U+FFFD */
        manager_remove_program(&manager, a); /* frees it; its group "a" still has c */
        manager_remove_program(&manager, c);
        event_bus_daemon_state(&manager, false);

        const char *want[] = {
                "PROCESS_GROUP_ADDED groupname:a\n",
                "PROCESS_GROUP_ADDED groupname:b\n",
                "SUPERVISOR_STATE_CHANGE_RUNNING ",
                "TICK_60 when:1020",
                "PROCESS_LOG_STDERR processname:a groupname:a pid:77 channel:stderr\nh\xc3\xa9\xef\xbf\xbd\n",
                "PROCESS_GROUP_REMOVED groupname:a\n",
                "SUPERVISOR_STATE_CHANGE_STOPPING ",
        };
        ASSERT_EQ(seen.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                ASSERT_STREQ(seen.lines[i], want[i]);
        unsubscribe(s);
        teardown();
}

TEST(event_payload_len_counts_characters) {
        Event e = { .payload = (char *) "when:1 \xc3\xa9\xe2\x82\xac" };
        ASSERT_EQ(event_payload_len(&e), 9);
}

/* ---- event listeners (event-listener.c): the protocol against a pipe ------------------------------- */

static Program *new_listener(const char *name, const char *events, unsigned buffer_size, int *ret_read_fd) {
        ProgramConfig *c = calloc(1, sizeof(*c));
        Program *p;
        int fds[2];

        ASSERT_NOT_NULL(c);
        program_config_init_defaults(c);
        c->name = strdup(name);
        c->program_name = strdup(name);
        c->group_name = strdup(name);
        c->event_listener = true;
        c->startsecs = 0;
        c->listener_buffer_size = buffer_size;
        ASSERT_OK(event_mask_from_list(events, &c->listener_events, NULL));
        ASSERT_OK(program_new(&manager, c, &p));
        ASSERT_OK(manager_add_program(&manager, p));
        ASSERT_OK_ERRNO(pipe2(fds, O_CLOEXEC | O_NONBLOCK));
        p->stdin_fd = fds[1];
        *ret_read_fd = fds[0];
        return p;
}

/* What the listener got on stdin since the last call. */
static char *stdin_got(int fd) {
        static char buf[8192];
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        return buf;
}

static void say(Program *l, const char *text) {
        event_listener_stdout(l, text, strlen(text));
}

static void listener_teardown(int fd) {
        safe_close(fd);
        teardown();
        event_listener_free_all(&manager);
        event_bus_free(&manager);
}

TEST(listener_protocol) {
        setup();
        int in;
        /* supervisord's pool subscribes before its group is announced: it sees its own PROCESS_GROUP_ADDED. */
        Program *l = new_listener("lsn", "PROCESS_STATE_RUNNING, PROCESS_GROUP_ADDED", 10, &in);
        Program *web = new_program("web");
        web->config->startsecs = 0;

        ASSERT_OK(program_start(l));
        ASSERT_EQ(l->state, PROGRAM_RUNNING);
        ASSERT_STREQ(stdin_got(in), ""); /* not READY yet */
        say(l, "READY\n");
        ASSERT_STREQ(stdin_got(in), "ver:3.0 server:supervisor serial:0 pool:lsn poolserial:0 "
                                    "eventname:PROCESS_GROUP_ADDED len:14\ngroupname:lsn\n");
        say(l, "RESULT 2\nOKREADY\n"); /* both in one read */
        ASSERT_STREQ(stdin_got(in), "ver:3.0 server:supervisor serial:1 pool:lsn poolserial:1 "
                                    "eventname:PROCESS_GROUP_ADDED len:14\ngroupname:web\n");
        /* FAIL rejects: the same event, same serials, after the next READY (which may come in pieces). */
        say(l, "RESULT 4\nFAIL");
        say(l, "READ");
        ASSERT_STREQ(stdin_got(in), "");
        say(l, "Y\n");
        ASSERT_TRUE(strstr(stdin_got(in), "serial:1 pool:lsn poolserial:1 eventname:PROCESS_GROUP_ADDED") != NULL);
        say(l, "RESULT 2\nOKREADY\n");
        ASSERT_STREQ(stdin_got(in), "ver:3.0 server:supervisor serial:2 pool:lsn poolserial:2 "
                                    "eventname:PROCESS_STATE_RUNNING len:58\n"
                                    "processname:lsn groupname:lsn from_state:STARTING pid:1001");
        say(l, "RESULT 2\nOK");
        ASSERT_OK(program_start(web));
        say(l, "READY\n");
        ASSERT_TRUE(strstr(stdin_got(in), "serial:3 pool:lsn poolserial:3 eventname:PROCESS_STATE_RUNNING len:58\n"
                                          "processname:web groupname:web from_state:STARTING pid:1002") != NULL);
        /* A bad result line: UNKNOWN, no more events; the event goes back to the buffer. */
        say(l, "RESULT x\n");
        say(l, "READY\n");
        ASSERT_STREQ(stdin_got(in), "");
        /* A new start of the listener: ACKNOWLEDGED again, and it gets that event first. */
        ASSERT_OK(program_stop(l));
        child_exits(l, CLD_KILLED, SIGTERM, 0);
        ASSERT_OK(program_start(l));
        ASSERT_STREQ(stdin_got(in), "");
        say(l, "READY\n");
        ASSERT_TRUE(strstr(stdin_got(in), "serial:3 pool:lsn poolserial:3 eventname:PROCESS_STATE_RUNNING") != NULL);
        listener_teardown(in);
}

static const char *first_line(const char *s, char *buf, size_t size) {
        snprintf(buf, size, "%.*s", (int) strcspn(s, "\n"), s);
        return buf;
}

TEST(listener_garbage_overflow_and_crash) {
        setup();
        int in, in2;
        char first[256], again[256];
        Program *g = new_listener("garbage", "PROCESS_STATE", 2, &in);
        Program *c = new_listener("crashy", "PROCESS_STATE_RUNNING", 10, &in2);
        Program *web = new_program("web");
        web->config->startsecs = 0;

        ASSERT_OK(program_start(g));
        say(g, "hello world, no protocol here\n"); /* not READY: UNKNOWN, and what follows is discarded */
        char junk[100000];
        memset(junk, 'x', sizeof(junk));
        event_listener_stdout(g, junk, sizeof(junk));
        say(g, "READY\n");
        /* Its pool keeps buffer_size events, the oldest dropped (logged). */
        for (int i = 0; i < 3; i++) {
                ASSERT_OK(program_start(web));
                ASSERT_OK(program_stop(web));
                child_exits(web, CLD_KILLED, SIGTERM, 0);
        }
        ASSERT_STREQ(stdin_got(in), "");

        /* A listener that ends while BUSY: the event goes back, same serials, to its next start. */
        ASSERT_OK(program_start(c));
        say(c, "READY\n");
        first_line(stdin_got(in2), first, sizeof(first));
        ASSERT_TRUE(strstr(first, "eventname:PROCESS_STATE_RUNNING") != NULL);
        advance(5 * USEC_PER_SEC);
        child_exits(c, CLD_KILLED, SIGKILL, 0); /* RUNNING -> EXITED, restarted */
        if (c->state != PROGRAM_RUNNING)
                fire(c);
        ASSERT_EQ(c->state, PROGRAM_RUNNING);
        say(c, "READY\n");
        first_line(stdin_got(in2), again, sizeof(again));
        ASSERT_STREQ(first, again);
        safe_close(in2);
        listener_teardown(in);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
