/* SPDX-License-Identifier: MIT */
/*
 * The program state machine: supervisord's states and meanings (STARTING until startsecs, BACKOFF and
 * startretries, FATAL, autorestart/exitcodes) plus the cgroup rules of DESIGN.md ("the program is its
 * cgroup": STOPPED only once the cgroup is empty and removed; a restart kills the old generation first).
 *
 * Transitions live in one [state][event] table (s6's style): each cell is an action or NULL (event does
 * nothing in that state). Actions never touch the kernel directly: everything goes through m->ops so the
 * unit tests can run this file with a fake spawner and a fake clock. Every state change goes through
 * program_set_state(), which logs, arms/disarms the single per-program timer, persists state and calls
 * the hooks.
 */
#include <assert.h>
#include <signal.h>

#include "event-bus.h"
#include "journal-record.h"
#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "program-ops.h"

/* systemd's TimeoutStartSec default: how long a type=notify program may take to send READY=1, and a
 * type=forking launcher to exit, when startsecs is shorter. */
#define PROGRAM_START_TIMEOUT_MIN_USEC (90 * USEC_PER_SEC)
/* After cgroup.kill the kernel empties the cgroup in well under a second; if it has not, something sits
 * in uninterruptible sleep. We re-kill on this period rather than declaring STOPPED early. */
#define PROGRAM_KILL_RECHECK_USEC (5 * USEC_PER_SEC)

static const char *const state_table[_PROGRAM_STATE_MAX] = {
        [PROGRAM_STOPPED] = "STOPPED",   [PROGRAM_STARTING] = "STARTING", [PROGRAM_RUNNING] = "RUNNING",
        [PROGRAM_BACKOFF] = "BACKOFF",   [PROGRAM_STOPPING] = "STOPPING", [PROGRAM_EXITED] = "EXITED",
        [PROGRAM_FATAL] = "FATAL",       [PROGRAM_UNHEALTHY] = "UNHEALTHY",
};

static const char *const reason_table[_EXIT_REASON_MAX] = {
        [EXIT_REASON_NONE] = "none",
        [EXIT_REASON_EXITED] = "exit-code",
        [EXIT_REASON_SIGNAL] = "signal",
        [EXIT_REASON_OOM_KILL] = "oom-kill",
        [EXIT_REASON_PIDS_MAX] = "pids-max",
        [EXIT_REASON_HEALTH] = "health",
        [EXIT_REASON_SPAWN_FAILED] = "spawn-failed",
        [EXIT_REASON_LIMIT] = "limit",
        [EXIT_REASON_STOPPED] = "stopped",
        [EXIT_REASON_DEPENDENCY] = "dependency",
        [EXIT_REASON_TIMEOUT] = "timeout",
};

static const char *const event_table[_PROGRAM_EVENT_MAX] = {
        [PROGRAM_EVENT_START] = "start",
        [PROGRAM_EVENT_STOP] = "stop",
        [PROGRAM_EVENT_CHILD_EXIT] = "child_exit",
        [PROGRAM_EVENT_TIMEOUT] = "timeout",
        [PROGRAM_EVENT_CGROUP_EMPTY] = "cgroup_empty",
        [PROGRAM_EVENT_HEALTH_FAIL] = "health_fail",
        [PROGRAM_EVENT_HEALTH_OK] = "health_ok",
        [PROGRAM_EVENT_OOM] = "oom",
        [PROGRAM_EVENT_READY] = "ready",
        [PROGRAM_EVENT_RESTART] = "restart",
        [PROGRAM_EVENT_FREEZE] = "freeze",
        [PROGRAM_EVENT_THAW] = "thaw",
        [PROGRAM_EVENT_SET_LIMITS] = "set_limits",
        [PROGRAM_EVENT_RESET_FAILED] = "reset_failed",
};

const char *program_state_to_string(ProgramState s) {
        if (s < 0 || s >= _PROGRAM_STATE_MAX)
                return NULL;
        return state_table[s];
}

ProgramState program_state_from_string(const char *s) {
        if (!s)
                return _PROGRAM_STATE_INVALID;
        for (int i = 0; i < _PROGRAM_STATE_MAX; i++)
                if (strcasecmp(state_table[i], s) == 0)
                        return (ProgramState) i;
        return _PROGRAM_STATE_INVALID;
}

const char *exit_reason_to_string(ExitReason r) {
        if (r < 0 || r >= _EXIT_REASON_MAX)
                return NULL;
        return reason_table[r];
}

const char *program_event_to_string(ProgramEvent e) {
        if (e < 0 || e >= _PROGRAM_EVENT_MAX)
                return NULL;
        return event_table[e];
}

const ProgramExit *program_last_exit(const Program *p) {
        if (p->n_exits == 0)
                return NULL;
        return &p->exits[(p->n_exits - 1) % PROGRAM_EXIT_HISTORY];
}

const char *program_waiting_for(const Program *p) {
        return p->job.type == JOB_START ? p->waiting_for : NULL;
}

bool program_is_healthy(const Program *p) {
        return p->config->health[HEALTH_LIVENESS].type == HEALTH_NONE || p->healthy;
}

bool program_is_ready(const Program *p) {
        return p->state == PROGRAM_RUNNING &&
               (p->config->health[HEALTH_READINESS].type == HEALTH_NONE || p->health_ready);
}

const char *program_exit_summary(const Program *p, char *buf, size_t size) {
        const char *sig;

        switch (p->exit_reason) {
        case EXIT_REASON_NONE:
                snprintf(buf, size, "%s", p->exit_detail ?: "-");
                break;
        case EXIT_REASON_EXITED:
                if (p->exit_code < 0)
                        snprintf(buf, size, "exit status unknown");
                else
                        snprintf(buf, size, "exit %d", p->exit_code);
                break;
        case EXIT_REASON_SIGNAL:
                sig = signal_to_string(p->exit_signal);
                if (sig)
                        snprintf(buf, size, "signal %s", sig);
                else
                        snprintf(buf, size, "signal %d", p->exit_signal);
                break;
        default:
                snprintf(buf, size, "%s%s%s", exit_reason_to_string(p->exit_reason),
                         p->exit_detail ? ": " : "", strempty(p->exit_detail));
        }
        return buf;
}

bool program_is_active(const Program *p) {
        switch (p->state) {
        case PROGRAM_STARTING:
        case PROGRAM_RUNNING:
        case PROGRAM_STOPPING:
        case PROGRAM_UNHEALTHY:
                return true;
        case PROGRAM_EXITED:
        case PROGRAM_BACKOFF:
                return p->populated;
        default:
                return false;
        }
}

static usec_t now(Program *p) {
        return p->manager->ops->now(p->manager);
}

static void set_detail(Program *p, char *detail) {
        free(p->exit_detail);
        p->exit_detail = detail;
}

static int count_processes(Program *p) {
        int n = p->manager->ops->cgroup_count(p);
        if (n < 0) {
                /* Unknown: assume populated; the events watch will tell us when it is empty. */
                log_program(p, LOG_DEBUG, "Cannot count processes of cgroup: %s", strerror(-n));
                p->populated = true;
                return 1;
        }
        p->populated = n > 0;
        return n;
}

static void kill_cgroup(Program *p) {
        int r = p->manager->ops->cgroup_kill(p);
        if (r < 0)
                log_program_full_errno(p, LOG_ERR, r, "Failed to kill cgroup %s: %m", strna(p->cgroup));
        p->kill_sent = true;
}

static usec_t start_timeout(const Program *p) {
        switch (p->config->type) {
        case PROGRAM_TYPE_SIMPLE:
                return p->config->startsecs;
        case PROGRAM_TYPE_NOTIFY:
        case PROGRAM_TYPE_FORKING:
                return MAX(p->config->startsecs, PROGRAM_START_TIMEOUT_MIN_USEC);
        default: /* oneshot: runs as long as it needs */
                return USEC_INFINITY;
        }
}

static bool exit_was_expected(Program *p) {
        return p->exit_reason == EXIT_REASON_EXITED && program_config_exitcode_expected(p->config, p->exit_code);
}

bool program_state_runs_health(ProgramState s) {
        return s == PROGRAM_STARTING || s == PROGRAM_RUNNING || s == PROGRAM_UNHEALTHY;
}

/* One journal record per change, with its MESSAGE_ID and fields (journal-record.h), and the same line on
 * stderr / in the log file. */
static void log_state_change(Program *p, ProgramState old, ProgramState state) {
        StateRecord rec;
        char buf[256];
        int level = LOG_INFO;

        if (state == old) {
                log_program(p, LOG_DEBUG, "%s", program_state_to_string(state));
                return;
        }
        state_record_build(&rec, &(StateChange) {
                .name = p->name,
                .group = p->group,
                .old_state = old,
                .new_state = state,
                .exit_reason = p->exit_reason,
                .exit_expected = exit_was_expected(p),
                .exit_code = p->exit_code,
                .exit_signal = p->exit_signal,
                .main_pid = p->main_pid,
        });
        if (state == PROGRAM_FATAL || state == PROGRAM_BACKOFF || state == PROGRAM_UNHEALTHY ||
            state == PROGRAM_EXITED) {
                if (state == PROGRAM_FATAL)
                        level = LOG_ERR;
                else if (!(state == PROGRAM_EXITED && exit_was_expected(p)))
                        level = LOG_WARNING;
                (void) log_internal_fields(level, 0, rec.fields, "%s: %s -> %s (%s)%s%s", p->name,
                                           program_state_to_string(old), program_state_to_string(state),
                                           program_exit_summary(p, buf, sizeof(buf)),
                                           state == PROGRAM_BACKOFF ? ", retrying" : "",
                                           state == PROGRAM_EXITED && p->survivors > 0 ? ", survivors remain in cgroup" : "");
        } else
                (void) log_internal_fields(level, 0, rec.fields, "%s: %s -> %s", p->name, program_state_to_string(old),
                                           program_state_to_string(state));
}

void program_set_state(Program *p, ProgramState state) {
        const ProgramOps *ops = p->manager->ops;
        ProgramState old = p->state;
        usec_t timer = USEC_INFINITY;

        p->state = state;
        p->state_change_usec = ops->now_realtime(p->manager);
        if (state != PROGRAM_STOPPED)
                p->waiting_for = mfree(p->waiting_for);
        if (state == PROGRAM_STOPPED || state == PROGRAM_FATAL || state == PROGRAM_STARTING)
                p->frozen = false; /* nothing left to be frozen, or a new generation */

        switch (state) {
        case PROGRAM_STARTING:
                timer = start_timeout(p);
                break;
        case PROGRAM_BACKOFF:
                timer = p->backoff_usec;
                break;
        case PROGRAM_STOPPING:
                timer = p->kill_sent ? PROGRAM_KILL_RECHECK_USEC : p->config->stopwaitsecs;
                break;
        case PROGRAM_RUNNING:
                /* runtime_max: counted from the spawn; the timer has nothing else to do while RUNNING. */
                if (p->config->runtime_max > 0) {
                        timer = p->start_usec + p->config->runtime_max > now(p) ?
                                        p->start_usec + p->config->runtime_max - now(p) : 1;
                        break;
                }
                _fallthrough_;
        default:
                /* STOPPED / EXITED with a pending restart: its delay. */
                if (p->job.type == JOB_START && p->job.due_usec > now(p))
                        timer = p->job.due_usec - now(p);
                break;
        }
        (void) ops->timer_set(p, timer);

        /* Nothing left of the instance: its leaf goes (rule 2), whichever event got us here. */
        if ((state == PROGRAM_STOPPED || state == PROGRAM_EXITED || state == PROGRAM_FATAL) && p->main_pid <= 0 &&
            !p->populated)
                (void) ops->cgroup_cleanup(p);

        if (program_state_runs_health(state) && !program_state_runs_health(old) &&
            program_config_has_health(p->config)) {
                p->health_failures = 0;
                p->health_start_usec = now(p);
                (void) ops->health_start(p);
        } else if (!program_state_runs_health(state) && program_state_runs_health(old))
                ops->health_stop(p);

        log_state_change(p, old, state);

        if (ops->state_saved)
                ops->state_saved(p, false);
        /* The job ends after the state is known to everyone, before the hook announces it: a client
         * waiting for the job sees the state it ended in. */
        program_job_check(p, old);
        event_bus_program_state(p, old);
        if (p->manager->hooks.program_changed)
                p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_STATE, old);
        manager_program_state_changed(p->manager, p, old);
}

/* Records why the main process ended, and keeps the bounded history. */
static void record_exit(Program *p, int si_code, int status) {
        ExitReason prev = p->exit_reason;
        pid_t pid = p->main_pid;
        uint64_t oom = 0, pmax = 0;
        ProgramExit *e;
        usec_t t = now(p);

        p->main_pid = 0;
        set_detail(p, NULL);
        if (si_code == 0) {
                /* Adopted process: not our child, its status went to whoever reaped it. Counted as an
                 * unexpected exit (autorestart=unexpected restarts it). */
                p->exit_code = -1;
                p->exit_signal = 0;
                p->exit_reason = EXIT_REASON_EXITED;
                set_detail(p, strdup("exit status unknown (adopted process, not our child)"));
        } else if (si_code == CLD_EXITED) {
                p->exit_code = status;
                p->exit_signal = 0;
                p->exit_reason = EXIT_REASON_EXITED;
        } else {
                p->exit_code = -1;
                p->exit_signal = status;
                p->exit_reason = EXIT_REASON_SIGNAL;
        }

        /* The kernel's own counters say whether the cgroup limits killed it: an oom_kill that went up while
         * it ran beats the bare "signal KILL". */
        if (p->manager->ops->read_counters(p, &oom, &pmax) >= 0) {
                if (oom > p->oom_kills_at_start) {
                        p->exit_reason = EXIT_REASON_OOM_KILL;
                        set_detail(p, strdup("memory.events oom_kill increased (memory_max reached)"));
                } else if (pmax > p->pids_max_at_start && si_code != CLD_EXITED) {
                        p->exit_reason = EXIT_REASON_PIDS_MAX;
                        set_detail(p, strdup("pids.events max increased (fork refused at pids_max)"));
                }
                p->oom_kills_at_start = oom;
                p->pids_max_at_start = pmax;
        }
        /* Killed by us: say why we did it rather than "signal TERM". */
        if (p->state == PROGRAM_STOPPING && p->exit_reason != EXIT_REASON_OOM_KILL) {
                if (p->job.automatic && p->job.verb == JOB_STOP) {
                        /* The daemon's only own stop job: runtime_max (act_timeout_running). */
                        char span[64];
                        p->exit_reason = EXIT_REASON_TIMEOUT;
                        set_detail(p, NULL);
                        (void) asprintf(&p->exit_detail, "runtime_max (%s) reached, cgroup killed",
                                        format_timespan(span, sizeof(span), p->config->runtime_max));
                } else if (p->job.automatic && p->job.verb == JOB_RESTART && prev == EXIT_REASON_HEALTH) {
                        p->exit_reason = EXIT_REASON_HEALTH;
                        (void) asprintf(&p->exit_detail, "restarted after failing healthchecks");
                } else
                        p->exit_reason = EXIT_REASON_STOPPED;
        }

        e = &p->exits[p->n_exits % PROGRAM_EXIT_HISTORY];
        *e = (ProgramExit) {
                .realtime_usec = p->manager->ops->now_realtime(p->manager),
                .runtime_usec = p->start_usec > 0 && t > p->start_usec ? t - p->start_usec : 0,
                .exit_code = p->exit_code,
                .exit_signal = p->exit_signal,
                .reason = p->exit_reason,
                .pid = pid,
        };
        p->n_exits++;
        p->exit_counts[p->exit_reason]++;
}

static bool wants_restart(Program *p) {
        if (p->manager->shutting_down || p->transient)
                return false;
        switch (p->config->autorestart) {
        case AUTORESTART_TRUE:
                return true;
        case AUTORESTART_UNEXPECTED:
                return !exit_was_expected(p);
        default:
                return false;
        }
}

/* The restart-timing rule (s6's: a minimum time between two starts, not a pause after every exit): a run
 * that lasted at least max(startsecs, 1 s) is restarted at once and forgets the backoff; shorter runs
 * wait an exponentially growing delay with jitter (backoff_*), never below 1 s, so a crash loop cannot
 * spin. Returns the delay and records it in p->restart_delay_usec. */
static usec_t restart_delay(Program *p, usec_t ran) {
        usec_t delay = 0;

        if (ran >= backoff_stable_usec(&p->backoff, p->config->startsecs))
                backoff_reset(&p->backoff);
        else
                delay = backoff_next(&p->backoff, p->manager->ops->random(p->manager));
        p->restart_delay_usec = delay;
        return delay;
}

/* Waits out the backoff before the next automatic start. The old generation is killed now (rule 6: never
 * two generations at once), so the spawn at the end of the wait finds an empty cgroup. */
static void enter_backoff(Program *p) {
        p->backoff_usec = backoff_next(&p->backoff, p->manager->ops->random(p->manager));
        p->restart_delay_usec = p->backoff_usec;
        if (count_processes(p) > 0 && !p->kill_sent)
                kill_cgroup(p);
        program_set_state(p, PROGRAM_BACKOFF);
}

/* The retry job, due at @due_usec (CLOCK_MONOTONIC). Re-entering FATAL arms the timer for the pause and
 * announces the sub-state; the state file records the due time (adopt.c), so a cgsupd started during the
 * pause keeps it. */
static void fatal_retry_install(Program *p, usec_t due_usec) {
        program_job_install(p, JOB_RESTART, true, due_usec);
        p->job.type = JOB_START;
        program_set_state(p, PROGRAM_FATAL);
}

void program_fatal_retry_restore(Program *p, usec_t due_usec) {
        assert(p);
        assert(!p->transient);

        usec_t t;

        /* FATAL first: a start job that enters FATAL has failed (program_job_check()); the retry is
         * installed on a program already FATAL, as fatal_retry_arm() does. */
        program_set_state(p, PROGRAM_FATAL);
        fatal_retry_install(p, due_usec);
        /* The timer again: a due time already passed (or passing while the state was set) is one tick
         * away, so the start happens in the event loop once the daemon is up, like any pending restart. */
        t = now(p);
        (void) p->manager->ops->timer_set(p, p->job.due_usec > t ? p->job.due_usec - t : 1);
}

/* fatal_retry_after= (processkit's storm pause): FATAL is not for good. An automatic restart job waits out
 * the pause (sub-state "retry in ..."), then the program starts with a fresh set of startretries. The job is
 * what a stop, a start by hand, reset-failed or a shutdown cancels, like any pending restart. Not for
 * transient runs (they report and go) nor while shutting down. */
static void fatal_retry_arm(Program *p) {
        usec_t pause = p->config->fatal_retry_after;
        char buf[64];

        if (pause == 0 || p->transient || p->manager->shutting_down || p->state != PROGRAM_FATAL)
                return;
        log_program(p, LOG_INFO, "Retrying in %s (fatal_retry_after)", format_timespan(buf, sizeof(buf), pause));
        p->start_attempts = 0;
        backoff_reset(&p->backoff);
        p->restarts++;
        p->restart_delay_usec = pause;
        fatal_retry_install(p, now(p) + pause);
}

/* The instance died (or could not be made) before it counted as started. */
static int start_failed(Program *p) {
        p->start_attempts++;
        if (p->start_attempts > p->config->startretries) {
                /* Gave up: nothing of the failed generation is kept around. */
                if (count_processes(p) > 0)
                        kill_cgroup(p);
                log_program(p, LOG_ERR, "Gave up after %u failed start attempts (startretries=%u)",
                            p->start_attempts, p->config->startretries);
                program_set_state(p, PROGRAM_FATAL);
                fatal_retry_arm(p);
                return 0;
        }
        enter_backoff(p);
        return 0;
}

static void became_running(Program *p) {
        p->start_attempts = 0;
        program_set_state(p, PROGRAM_RUNNING);
}

/* cgroup.kill leaves a mark on the cgroup: Linux 6.18 SIGKILLs a process that clone3(CLONE_INTO_CGROUP)
 * puts into a cgroup that was killed before (test-daemon-storm: a restart after the survivors were killed
 * died 1 ms after the spawn, signalled by nobody; the next start, in a new leaf, ran). A start after a
 * kill therefore gets a fresh leaf: the old one is empty and removed, prepare_cgroup() creates it again. */
static void drop_killed_leaf(Program *p) {
        if (!p->kill_sent)
                return;
        (void) p->manager->ops->cgroup_cleanup(p);
        p->kill_sent = false;
}

static int spawn_now(Program *p) {
        ExitReason reason = EXIT_REASON_SPAWN_FAILED;
        char *detail = NULL;
        int r;

        drop_killed_leaf(p);
        p->ready = false;
        p->healthy = false;
        p->health_ready = false;
        p->survivors = 0;
        p->status_text = mfree(p->status_text);
        p->last_spawn_usec = now(p);
        p->start_realtime_usec = p->manager->ops->now_realtime(p->manager);

        r = p->manager->ops->spawn(p, &reason, &detail);
        if (r < 0) {
                p->exit_code = -1;
                p->exit_signal = 0;
                p->exit_reason = reason;
                p->exit_counts[reason]++;
                set_detail(p, detail ?: strdup(strerror(-r)));
                log_program(p, LOG_ERR, "Failed to start: %s", strna(p->exit_detail));
                if (reason == EXIT_REASON_LIMIT) {
                        /* Rule 3: never start unbounded, and retrying cannot help. */
                        p->start_attempts = 0;
                        program_set_state(p, PROGRAM_FATAL);
                        return r;
                }
                (void) start_failed(p);
                return r;
        }
        free(detail);
        p->populated = true;
        p->start_usec = now(p);
        /* A new run has no exit record yet: ExitCode/ExitSignal must not show the previous run's. */
        p->exit_reason = EXIT_REASON_NONE;
        p->exit_code = -1;
        p->exit_signal = 0;
        set_detail(p, NULL);

        program_set_state(p, PROGRAM_STARTING);
        /* supervisord: startsecs=0 means RUNNING as soon as it was spawned. */
        if (p->state == PROGRAM_STARTING && p->config->type == PROGRAM_TYPE_SIMPLE && p->config->startsecs == 0)
                became_running(p);
        return 0;
}

/* Waiting for a dependency would be forever (deps.h): the start fails with the reason (FATAL, exit reason
 * "dependency"), and the job's caller hears it now. Takes @reason. */
static int dependency_unmeetable(Program *p, char *reason) {
        p->waiting_for = mfree(p->waiting_for);
        p->exit_code = -1;
        p->exit_signal = 0;
        p->exit_reason = EXIT_REASON_DEPENDENCY;
        p->exit_counts[EXIT_REASON_DEPENDENCY]++;
        log_program(p, LOG_ERR, "Not starting: %s", strna(reason));
        set_detail(p, reason);
        program_set_state(p, PROGRAM_FATAL);
        return 0;
}

/* Carries out the pending start job from an idle state (STOPPED, EXITED, FATAL, BACKOFF) once nothing
 * holds it back: its delay, a dependency (not for automatic restarts: the program was running), the old
 * generation still in the cgroup (rule 6: killed, and the start waits for CGROUP_EMPTY). */
static int job_run(Program *p) {
        _cleanup_free_ char *waiting = NULL;
        usec_t t = now(p);

        assert(p->job.type == JOB_START);
        if (p->job.due_usec > t)
                return p->manager->ops->timer_set(p, p->job.due_usec - t);
        if (!p->job.automatic && !program_deps_satisfied(p, &waiting)) {
                char *unmet = NULL;

                if (program_deps_unmeetable(p, &unmet))
                        return dependency_unmeetable(p, unmet);
                bool again = p->state == PROGRAM_STOPPED && p->waiting_for && streq(p->waiting_for, waiting);

                free(p->waiting_for);
                p->waiting_for = TAKE_PTR(waiting);
                if (!again)
                        log_program(p, LOG_INFO, "Not starting yet: %s", p->waiting_for);
                /* STOPPED with the reason as sub-state (one that cannot be met fails above, deps.h). */
                program_set_state(p, PROGRAM_STOPPED);
                return 0;
        }
        p->waiting_for = mfree(p->waiting_for);
        if (count_processes(p) > 0) {
                /* Old generation still there (EXITED with survivors, or a kill not finished yet): the
                 * start follows CGROUP_EMPTY, or this recheck if no event comes. */
                if (!p->kill_sent)
                        kill_cgroup(p);
                return p->manager->ops->timer_set(p, PROGRAM_KILL_RECHECK_USEC);
        }
        return spawn_now(p);
}

/* ---- actions ------------------------------------------------------------------------------------ */

/* start / restart of an idle program: a new job, a fresh set of retries, then run it. A start asked for
 * earlier that still waits (for a dependency, for the old generation to leave) is kept: the request joins
 * it, so its caller waits for that start instead of being answered at once with nothing done. */
static int start_job(Program *p, JobType verb) {
        if (p->job.type == JOB_START && !p->job.automatic)
                p->requested_job_id = p->job.id;
        else {
                program_job_install(p, verb, false, 0);
                p->job.type = JOB_START;
                p->start_attempts = 0;
                backoff_reset(&p->backoff);
        }
        return job_run(p);
}

static int act_start(Program *p, void *arg) {
        return start_job(p, JOB_START);
}

static int act_restart_idle(Program *p, void *arg) {
        return start_job(p, JOB_RESTART);
}

/* start while STARTING, or while RUNNING before the readiness check passed: a job that ends when the
 * program is up. */
static int act_start_active(Program *p, void *arg) {
        if (program_is_ready(p))
                return -EALREADY;
        if (p->state == PROGRAM_UNHEALTHY)
                return -EALREADY;
        program_job_install(p, JOB_START, false, 0);
        return 0;
}

static void stop_done_maybe(Program *p);

/* A forced restart (restart --force), or a shutdown that skips the graceful stop (shutdown --now, or
 * shutdown_timeout passed): the stop is cgroup.kill at once, no stop signal and no stopwaitsecs. */
static bool stop_kills_at_once(const Program *p) {
        return p->job.kill || p->manager->shutdown_killed;
}

static int begin_stop(Program *p) {
        int r;

        p->kill_sent = false;
        if (stop_kills_at_once(p)) {
                if (p->main_pid > 0 || count_processes(p) > 0)
                        kill_cgroup(p);
        } else if (p->main_pid > 0) {
                r = p->manager->ops->signal(p, p->config->stopsignal, false);
                if (r < 0 && r != -ESRCH)
                        log_program_full_errno(p, LOG_WARNING, r, "Failed to send stop signal, killing cgroup: %m");
                if (r < 0)
                        kill_cgroup(p);
        } else if (count_processes(p) > 0) {
                /* No main process (EXITED with survivors, forking without one): the stop signal goes to
                 * everything left, then stopwaitsecs, then cgroup.kill as always. */
                r = p->manager->ops->signal(p, p->config->stopsignal, true);
                if (r < 0)
                        kill_cgroup(p);
        }
        program_set_state(p, PROGRAM_STOPPING);
        stop_done_maybe(p);
        return 0;
}

static int act_stop(Program *p, void *arg) {
        program_job_install(p, JOB_STOP, false, 0);
        return begin_stop(p);
}

/* The flags of a restart request (program_enqueue_flags()); NULL when the daemon itself asked. */
static bool restart_forced(const void *arg) {
        return arg && (*(const unsigned *) arg & JOB_FLAG_KILL);
}

static int act_restart(Program *p, void *arg) {
        program_job_install(p, JOB_RESTART, false, 0);
        p->job.kill = restart_forced(arg);
        return begin_stop(p);
}

/* start / restart / stop while STOPPING: the stop goes on; what follows it changes. */
static int act_start_stopping(Program *p, void *arg) {
        program_job_install(p, JOB_START, false, 0);
        return 0;
}

static int act_restart_stopping(Program *p, void *arg) {
        program_job_install(p, JOB_RESTART, false, 0);
        p->job.kill = restart_forced(arg);
        if (p->job.kill && !p->kill_sent) {
                /* A stop still in its grace period: do not wait it out. */
                kill_cgroup(p);
                (void) p->manager->ops->timer_set(p, PROGRAM_KILL_RECHECK_USEC);
        }
        return 0;
}

static int act_stop_stopping(Program *p, void *arg) {
        program_job_install(p, JOB_STOP, false, 0);
        return 0;
}

/* stop of an idle program: cancels a pending (re)start; whatever is left in the cgroup gets the stop
 * signal; FATAL and EXITED become STOPPED (supervisorctl says "not running", the state is clean). */
static int act_stop_idle(Program *p, void *arg) {
        if (p->state == PROGRAM_STOPPED && p->job.id == 0 && !p->populated)
                return -EALREADY;
        program_job_install(p, JOB_STOP, false, 0);
        p->start_attempts = 0;
        p->waiting_for = mfree(p->waiting_for);
        if (count_processes(p) > 0) {
                if (p->kill_sent) {
                        /* BACKOFF: the old generation is already being killed. */
                        program_set_state(p, PROGRAM_STOPPING);
                        stop_done_maybe(p);
                        return 0;
                }
                return begin_stop(p);
        }
        (void) p->manager->ops->cgroup_cleanup(p);
        program_set_state(p, PROGRAM_STOPPED);
        return 0;
}

/* A restart's stop phase is over: start again, at once when a person asked, after the restart-timing
 * rule when a failing healthcheck did. */
static void restart_after_stop(Program *p) {
        const ProgramExit *e = program_last_exit(p);

        p->job.type = JOB_START;
        p->restarts++;
        if (p->job.automatic) {
                usec_t delay = restart_delay(p, e ? e->runtime_usec : 0);
                if (delay > 0) {
                        p->job.due_usec = now(p) + delay;
                        program_set_state(p, PROGRAM_STOPPED); /* sub-state: restart pending */
                        return;
                }
        } else {
                p->start_attempts = 0;
                backoff_reset(&p->backoff);
        }
        (void) job_run(p);
}

/* STOPPING is over only when the main process has been reaped and the cgroup is empty (and removed). */
static void stop_done_maybe(Program *p) {
        int r;

        if (p->state != PROGRAM_STOPPING || p->main_pid > 0)
                return;
        /* The leaf's removal is the emptiness test: the kernel refuses it (EBUSY) while anything runs in
         * the leaf or in a child cgroup. After the exit of a main process that was alone, that is one rmdir
         * where reading cgroup.events first took three more system calls of every stopped program. A
         * refusal is not the answer, though: the last processes may leave between it and the count that
         * follows. Then the leaf is still there and must be removed again before it counts as gone (bd80ed1
         * took it for a removed one and started the next generation inside it, which the old generation's
         * cgroup.kill then ended, seen under ASan in test-daemon-force). */
        r = p->manager->ops->cgroup_cleanup(p);
        if (r < 0) {
                if (count_processes(p) > 0) {
                        if (!p->kill_sent)
                                /* The main process is gone; whatever it left behind would only outlive the
                                 * stop signal, so there is nothing to wait for. */
                                kill_cgroup(p);
                        return;
                }
                if (r == -EBUSY)
                        (void) p->manager->ops->cgroup_cleanup(p);
        }
        p->populated = false;
        p->kill_sent = false;

        if (p->job.type == JOB_START || p->job.type == JOB_RESTART) {
                /* The old leaf is gone before the next generation or the job's end. */
                if (!p->manager->shutting_down) {
                        restart_after_stop(p);
                        return;
                }
                program_job_finish(p, JOB_CANCELED);
        }
        /* STOPPED removes the leaf (program_set_state()), before the stop job ends. */
        program_set_state(p, PROGRAM_STOPPED);
}

static int act_child_exit_starting(Program *p, void *arg) {
        const ProgramConfig *c = p->config;

        switch (c->type) {
        case PROGRAM_TYPE_ONESHOT:
                /* A scheduled run that failed is over too (its job fails): the next tick is its retry. */
                if (exit_was_expected(p) || program_config_is_scheduled(c)) {
                        p->start_attempts = 0;
                        p->survivors = count_processes(p);
                        program_set_state(p, PROGRAM_EXITED);
                        return 0;
                }
                return start_failed(p);
        case PROGRAM_TYPE_FORKING:
                if (exit_was_expected(p) && count_processes(p) > 0) {
                        (void) p->manager->ops->find_main_pid(p);
                        became_running(p);
                        return 0;
                }
                return start_failed(p);
        default:
                return start_failed(p);
        }
}

/* supervisord's order, as event listeners see it: RUNNING -> EXITED, then (autorestart) a restart job
 * that goes STARTING at once or after its delay; exits after RUNNING never count toward startretries. */
static int exited_while_running(Program *p) {
        usec_t ran = now(p) - p->start_usec, delay;
        char b1[64], b2[64];

        p->survivors = count_processes(p);
        program_set_state(p, PROGRAM_EXITED);
        if (!wants_restart(p) || p->job.type == JOB_STOP)
                return 0; /* rule 6: whatever is left stays, contained, until stop/shutdown */

        delay = restart_delay(p, ran);
        p->restarts++;
        /* The daemon's own record of the delay (also RestartDelayUSec), which the tests read. */
        if (delay > 0)
                log_program(p, LOG_INFO, "Restarting in %s (ran %s, less than max(startsecs, 1s))",
                            format_timespan(b1, sizeof(b1), delay), format_timespan(b2, sizeof(b2), ran));
        else
                log_program(p, LOG_INFO, "Restarting at once (ran %s)", format_timespan(b2, sizeof(b2), ran));
        program_job_install(p, JOB_RESTART, true, delay > 0 ? now(p) + delay : 0);
        p->job.type = JOB_START;
        if (delay > 0)
                /* Re-enter EXITED: the timer is armed for the delay and the sub-state is announced. */
                program_set_state(p, PROGRAM_EXITED);
        return job_run(p);
}

static int act_child_exit_running(Program *p, void *arg) {
        if (p->config->type == PROGRAM_TYPE_FORKING && count_processes(p) > 0) {
                /* forking: the program is its cgroup; a new main pid may be found (pidfile rewritten). */
                (void) p->manager->ops->find_main_pid(p);
                if (p->manager->hooks.program_changed)
                        p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_STATE, p->state);
                return 0;
        }
        return exited_while_running(p);
}

static int act_cgroup_empty_running(Program *p, void *arg) {
        p->populated = false;
        if (p->main_pid > 0)
                return 0; /* stale event; the pidfd will tell */
        if (p->config->type == PROGRAM_TYPE_FORKING)
                return exited_while_running(p);
        return 0;
}

static int act_child_exit_stopping(Program *p, void *arg) {
        stop_done_maybe(p);
        return 0;
}

static int act_timeout_starting(Program *p, void *arg) {
        char buf[64];

        if (p->config->type == PROGRAM_TYPE_SIMPLE) {
                became_running(p);
                return 0;
        }
        /* notify without READY=1, or a forking launcher that never returned. */
        set_detail(p, NULL);
        (void) asprintf(&p->exit_detail, "%s within %s",
                        p->config->type == PROGRAM_TYPE_NOTIFY ? "no READY=1" : "launcher did not exit",
                        format_timespan(buf, sizeof(buf), start_timeout(p)));
        log_program(p, LOG_ERR, "Start timed out: %s", p->exit_detail);
        kill_cgroup(p);
        return start_failed(p);
}

/* The BACKOFF wait is over: the next attempt is an automatic job (it does not reset startretries). */
static int act_timeout_backoff(Program *p, void *arg) {
        if (p->job.type != JOB_START) {
                program_job_install(p, JOB_RESTART, true, 0);
                p->job.type = JOB_START;
        }
        return job_run(p);
}

/* RUNNING: runtime_max passed (systemd's RuntimeMaxSec=): the whole tree ends now, by an automatic stop job
 * that kills the cgroup at once; the exit reason is "timeout" (record_exit()). */
static int act_timeout_running(Program *p, void *arg) {
        char span[64];

        if (p->config->runtime_max == 0)
                return -EALREADY;
        /* sd-event counts a relative timer from the loop's wake-up, which can be earlier than the clock we
         * read when arming it: never end a run before its time. */
        if (now(p) < p->start_usec + p->config->runtime_max)
                return p->manager->ops->timer_set(p, p->start_usec + p->config->runtime_max - now(p));
        log_program(p, LOG_WARNING, "Ran longer than runtime_max (%s), killing its cgroup",
                    format_timespan(span, sizeof(span), p->config->runtime_max));
        program_job_install(p, JOB_STOP, true, 0);
        p->job.kill = true;
        return begin_stop(p);
}

/* STOPPED / EXITED: a pending restart's delay is over. */
static int act_timeout_idle(Program *p, void *arg) {
        if (p->job.type != JOB_START)
                return -EALREADY;
        return job_run(p);
}

static int act_timeout_stopping(Program *p, void *arg) {
        char buf[64];

        /* Without a working cgroup.events watch (inotify refused) this timer is how we learn the cgroup
         * emptied: count again before killing again. */
        if (p->main_pid <= 0 && count_processes(p) == 0) {
                stop_done_maybe(p);
                return 0;
        }
        if (!p->kill_sent)
                log_program(p, LOG_WARNING, "Still running %s after the stop signal, killing the cgroup",
                            format_timespan(buf, sizeof(buf), p->config->stopwaitsecs));
        else
                log_program(p, LOG_WARNING, "cgroup still populated after cgroup.kill, killing again");
        kill_cgroup(p);
        (void) p->manager->ops->timer_set(p, PROGRAM_KILL_RECHECK_USEC);
        return 0;
}

static int act_cgroup_empty_stopping(Program *p, void *arg) {
        p->populated = false;
        stop_done_maybe(p);
        return 0;
}

static int act_cgroup_empty_idle(Program *p, void *arg) {
        /* EXITED with survivors, BACKOFF/STOPPED/FATAL after a kill: the old generation is gone. */
        p->populated = false;
        /* A start (or the end of a BACKOFF wait) found the old generation still there. */
        if (p->job.type == JOB_START) {
                drop_killed_leaf(p);
                return job_run(p);
        }
        p->kill_sent = false;
        (void) p->manager->ops->cgroup_cleanup(p);
        if (p->state == PROGRAM_EXITED && p->survivors > 0) {
                p->survivors = 0;
                program_set_state(p, PROGRAM_EXITED);
        }
        return 0;
}

static int act_child_exit_idle(Program *p, void *arg) {
        /* The main process of a generation we already gave up on (start timeout kill) was reaped. */
        return 0;
}

static int act_health_fail(Program *p, void *arg) {
        p->healthy = false;
        p->exit_reason = EXIT_REASON_HEALTH;
        set_detail(p, NULL);
        (void) asprintf(&p->exit_detail, "%u consecutive healthcheck failures", p->health_failures);
        program_set_state(p, PROGRAM_UNHEALTHY);
        if (p->config->autorestart == AUTORESTART_FALSE || p->manager->shutting_down)
                return 0; /* stays UNHEALTHY until a check passes or someone acts */
        program_job_install(p, JOB_RESTART, true, 0);
        return begin_stop(p);
}

static int act_health_ok(Program *p, void *arg) {
        bool first = !p->health_ready;

        p->healthy = true;
        p->health_ready = true;
        p->health_failures = 0;
        if (p->state == PROGRAM_UNHEALTHY) {
                if (p->exit_reason == EXIT_REASON_HEALTH) {
                        p->exit_reason = EXIT_REASON_NONE;
                        set_detail(p, NULL);
                }
                program_set_state(p, PROGRAM_RUNNING);
        } else if (first) {
                /* Readiness: a start job waiting for it is done, dependents waiting for "healthy" go. */
                program_job_check(p, p->state);
                if (p->manager->hooks.program_changed)
                        p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_STATE, p->state);
                manager_program_state_changed(p->manager, p, p->state);
        }
        return 0;
}

static int act_ready(Program *p, void *arg) {
        p->ready = true;
        if (p->state == PROGRAM_STARTING && p->config->type == PROGRAM_TYPE_NOTIFY)
                became_running(p);
        return 0;
}

static int act_oom(Program *p, void *arg) {
        log_program(p, LOG_WARNING, "OOM killer acted inside the cgroup");
        return 0;
}

static int set_frozen(Program *p, bool freeze) {
        int r;

        if (p->frozen == freeze)
                return -EALREADY;
        r = p->manager->ops->cgroup_freeze(p, freeze);
        if (r < 0)
                return r;
        p->frozen = freeze;
        log_program(p, LOG_INFO, "%s", freeze ? "Frozen" : "Thawed");
        if (p->manager->hooks.program_changed)
                p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_STATE, p->state);
        return 0;
}

static int act_freeze(Program *p, void *arg) {
        /* EXITED / BACKOFF count only while processes are left (survivors, a kill in progress). */
        if (!program_is_active(p))
                return -ESRCH;
        return set_frozen(p, true);
}

static int act_thaw(Program *p, void *arg) {
        if (!p->frozen && !program_is_active(p))
                return -ESRCH;
        return set_frozen(p, false);
}

/* Limits are written to the leaf while processes may be in it, else only checked for the next start; either
 * way config->limits then holds them, so a restart and the Limit* properties see what was set. */
static int set_limits(Program *p, ProgramLimitsChange *change, bool live) {
        CgsupLimits merged = p->config->limits;
        int r;

        assert(change);
        r = p->manager->ops->cgroup_set_limits(p, change->limits, &change->refusal);
        if (r < 0)
                return r;
        if (program_config_is_shared(p->config)) {
                /* Shared with the Config (and a reload's comparison): this program's own copy changes. */
                ProgramConfig *own = NULL;
                r = program_config_copy(p->config, &own);
                if (r < 0)
                        return r;
                program_config_free(p->config);
                p->config = own;
        }
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++)
                if (cgsup_limits_is_set(change->limits, (CgsupLimit) l))
                        cgsup_limits_set(&merged, (CgsupLimit) l, change->limits->value[l]);
        p->config->limits = merged;
        log_program(p, LOG_INFO, "%s", live ? "Limits changed live" : "Limits changed for the next start");
        if (p->manager->hooks.program_changed)
                p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_LIMITS, p->state);
        return 0;
}

static int act_limits_live(Program *p, void *arg) {
        return set_limits(p, arg, true);
}

/* EXITED/BACKOFF/STOPPED/FATAL: processes may be left (survivors, a kill in progress), so the leaf decides. */
static int act_limits_idle(Program *p, void *arg) {
        return set_limits(p, arg, p->populated);
}

static int act_already(Program *p, void *arg) {
        return -EALREADY;
}

static int act_not_running(Program *p, void *arg) {
        return -ESRCH;
}

/* FATAL, or EXITED other than with status 0 (what `cgsupctl is-failed` calls failed): forget the failure.
 * An EXITED program whose leftovers still run is not idle, so it keeps its record. */
static int act_reset_failed(Program *p, void *arg) {
        if (p->state == PROGRAM_EXITED && p->exit_reason == EXIT_REASON_EXITED && p->exit_code == 0)
                return -EALREADY;
        if (count_processes(p) > 0)
                return -EBUSY;
        p->exit_code = -1;
        p->exit_signal = 0;
        p->exit_reason = EXIT_REASON_NONE;
        set_detail(p, NULL);
        p->restarts = 0;
        p->start_attempts = 0;
        /* A retry waiting out fatal_retry_after is part of the failure: it goes too. */
        if (p->state == PROGRAM_FATAL && p->job.type == JOB_START && p->job.automatic)
                program_job_finish(p, JOB_CANCELED);
        log_program(p, LOG_INFO, "Failed state reset");
        program_set_state(p, PROGRAM_STOPPED);
        return 0;
}

typedef int (*ProgramAction)(Program *p, void *arg);

#define S(st) [PROGRAM_##st]
#define E(ev) [PROGRAM_EVENT_##ev]
static const ProgramAction transitions[_PROGRAM_STATE_MAX][_PROGRAM_EVENT_MAX] = {
        S(STOPPED) = {
                E(START) = act_start,           E(STOP) = act_stop_idle,    E(RESTART) = act_restart_idle,
                E(CHILD_EXIT) = act_child_exit_idle, E(CGROUP_EMPTY) = act_cgroup_empty_idle,
                E(TIMEOUT) = act_timeout_idle,  E(FREEZE) = act_not_running, E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_idle,
        },
        S(STARTING) = {
                E(START) = act_start_active,    E(STOP) = act_stop,         E(RESTART) = act_restart,
                E(CHILD_EXIT) = act_child_exit_starting, E(TIMEOUT) = act_timeout_starting,
                E(HEALTH_OK) = act_health_ok,   E(READY) = act_ready,       E(OOM) = act_oom,
                E(FREEZE) = act_freeze,         E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_live,
        },
        S(RUNNING) = {
                E(START) = act_start_active,    E(STOP) = act_stop,         E(RESTART) = act_restart,
                E(CHILD_EXIT) = act_child_exit_running, E(CGROUP_EMPTY) = act_cgroup_empty_running,
                E(HEALTH_FAIL) = act_health_fail, E(HEALTH_OK) = act_health_ok,
                E(READY) = act_ready,           E(OOM) = act_oom,        E(TIMEOUT) = act_timeout_running,
                E(FREEZE) = act_freeze,         E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_live,
        },
        S(BACKOFF) = {
                E(START) = act_start,           E(STOP) = act_stop_idle,    E(RESTART) = act_restart_idle,
                E(CHILD_EXIT) = act_child_exit_idle, E(TIMEOUT) = act_timeout_backoff,
                E(CGROUP_EMPTY) = act_cgroup_empty_idle,
                E(FREEZE) = act_freeze,         E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_idle,
        },
        S(STOPPING) = {
                E(START) = act_start_stopping,  E(STOP) = act_stop_stopping, E(RESTART) = act_restart_stopping,
                E(CHILD_EXIT) = act_child_exit_stopping, E(TIMEOUT) = act_timeout_stopping,
                E(CGROUP_EMPTY) = act_cgroup_empty_stopping, E(OOM) = act_oom,
                E(FREEZE) = act_freeze,         E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_live,
        },
        S(EXITED) = {
                E(START) = act_start,           E(STOP) = act_stop_idle,    E(RESTART) = act_restart_idle,
                E(CHILD_EXIT) = act_child_exit_idle, E(CGROUP_EMPTY) = act_cgroup_empty_idle,
                E(TIMEOUT) = act_timeout_idle,  E(OOM) = act_oom,
                E(FREEZE) = act_freeze,         E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_idle, E(RESET_FAILED) = act_reset_failed,
        },
        S(FATAL) = {
                E(START) = act_start,           E(STOP) = act_stop_idle,    E(RESTART) = act_restart_idle,
                E(CHILD_EXIT) = act_child_exit_idle, E(CGROUP_EMPTY) = act_cgroup_empty_idle,
                E(TIMEOUT) = act_timeout_idle,  E(FREEZE) = act_not_running, E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_idle, E(RESET_FAILED) = act_reset_failed,
        },
        S(UNHEALTHY) = {
                E(START) = act_start_active,    E(STOP) = act_stop,         E(RESTART) = act_restart,
                E(CHILD_EXIT) = act_child_exit_running, E(CGROUP_EMPTY) = act_cgroup_empty_running,
                E(HEALTH_FAIL) = act_already,   E(HEALTH_OK) = act_health_ok,
                E(READY) = act_ready,           E(OOM) = act_oom,
                E(FREEZE) = act_freeze,         E(THAW) = act_thaw,
                E(SET_LIMITS) = act_limits_live,
        },
};
#undef S
#undef E

int program_dispatch(Program *p, ProgramEvent e) {
        return program_dispatch_with(p, e, NULL);
}

int program_dispatch_with(Program *p, ProgramEvent e, void *arg) {
        ProgramAction action;

        if (e < 0 || e >= _PROGRAM_EVENT_MAX || p->state < 0 || p->state >= _PROGRAM_STATE_MAX)
                return -EINVAL;
        action = transitions[p->state][e];
        if (!action) {
                log_program(p, LOG_DEBUG, "Event %s ignored in state %s", program_event_to_string(e),
                            program_state_to_string(p->state));
                return -EALREADY;
        }
        return action(p, arg);
}

int program_child_exited(Program *p, int si_code, int status) {
        record_exit(p, si_code, status);
        return program_dispatch(p, PROGRAM_EVENT_CHILD_EXIT);
}
