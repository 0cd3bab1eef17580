/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A supervised process instance and its state machine. The state machine never talks to D-Bus: every
 * change goes through program_set_state(), which calls manager->hooks.program_changed so the bus layer
 * can emit PropertiesChanged / ProgramStateChanged.
 */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "backoff.h"
#include "conf.h"

typedef struct Manager Manager;
typedef struct LogCapture LogCapture;
typedef struct LogChunk LogChunk;
typedef struct HealthCheck HealthCheck;
typedef struct ProgramWatch ProgramWatch;

typedef enum ProgramState {
        PROGRAM_STOPPED,
        PROGRAM_STARTING,
        PROGRAM_RUNNING,
        PROGRAM_BACKOFF,
        PROGRAM_STOPPING,
        PROGRAM_EXITED,
        PROGRAM_FATAL,
        PROGRAM_UNHEALTHY,
        _PROGRAM_STATE_MAX,
        _PROGRAM_STATE_INVALID = -EINVAL,
} ProgramState;

/* Why the last instance ended. */
typedef enum ExitReason {
        EXIT_REASON_NONE,        /* never ran / still running */
        EXIT_REASON_EXITED,      /* exit code in exit_code */
        EXIT_REASON_SIGNAL,      /* signal in exit_signal */
        EXIT_REASON_OOM_KILL,    /* memory.events oom_kill went up while it ran */
        EXIT_REASON_PIDS_MAX,    /* pids.events max went up (fork refused) and it then died */
        EXIT_REASON_HEALTH,      /* killed after liveness checks failed */
        EXIT_REASON_SPAWN_FAILED,/* could not exec: exit_detail names the step and errno */
        EXIT_REASON_LIMIT,       /* limits not enforceable: exit_detail names limit and reason */
        EXIT_REASON_STOPPED,     /* stopped on request */
        EXIT_REASON_DEPENDENCY,  /* not started: a dependency can no longer be met (exit_detail says why) */
        EXIT_REASON_TIMEOUT,     /* runtime_max passed: the whole cgroup was killed */
        _EXIT_REASON_MAX,
        _EXIT_REASON_INVALID = -EINVAL,
} ExitReason;

/* Bits for program_changed(): which groups of properties changed. */
enum {
        PROGRAM_CHANGED_STATE = 1 << 0,  /* State, MainPID, ExitCode, ExitReason, Restarts, ... */
        PROGRAM_CHANGED_LIMITS = 1 << 1, /* MemoryMax, TasksMax, CPUQuota, ... */
        PROGRAM_CHANGED_CONFIG = 1 << 2, /* Command, Group, ... (after reload) */
        PROGRAM_CHANGED_HEALTH = 1 << 3, /* HealthFailures: a check failed, or passed after failures */
};

/* What a job asks for (systemd's job model: one pending job per program). */
typedef enum JobType {
        JOB_NONE,
        JOB_START,   /* done at RUNNING (after startsecs, READY=1, the readiness check passed) */
        JOB_STOP,    /* done at STOPPED: main process reaped, cgroup empty and removed */
        JOB_RESTART, /* a stop, then a start once the old generation is gone */
        _JOB_TYPE_MAX,
        _JOB_TYPE_INVALID = -EINVAL,
} JobType;

/* How a job ended (JobRemoved's result). */
typedef enum JobResult {
        JOB_DONE,
        JOB_FAILED,   /* the start failed: BACKOFF, FATAL, EXITED or UNHEALTHY before it was up */
        JOB_CANCELED, /* replaced by a later job (a stop cancels a start) or the daemon shut down */
        _JOB_RESULT_MAX,
        _JOB_RESULT_INVALID = -EINVAL,
} JobResult;

/* The one pending job of a program; id 0 = none. */
typedef struct ProgramJob {
        uint32_t id;
        JobType verb;       /* what was asked (reported when the job ends) */
        JobType type;       /* what is left: a restart becomes a start once its stop phase is over */
        bool automatic;     /* queued by the daemon itself (autorestart, BACKOFF retry, healthcheck) */
        usec_t due_usec;    /* CLOCK_MONOTONIC: not before (a pending restart's delay); 0 = now */
        bool kill;          /* restart --force: the stop phase is cgroup.kill, without stop signal or grace */
} ProgramJob;

/* How a request is carried out (program_enqueue_flags()). */
typedef enum JobFlags {
        JOB_FLAG_KILL = 1 << 0, /* restart only: kill the cgroup at once instead of stopsignal + stopwaitsecs */
        _JOB_FLAGS_ALL = JOB_FLAG_KILL,
} JobFlags;

/* One entry of the bounded exit history. */
typedef struct ProgramExit {
        usec_t realtime_usec;
        usec_t runtime_usec;     /* how long the instance ran */
        int exit_code;           /* -1 when killed by a signal */
        int exit_signal;
        ExitReason reason;
        pid_t pid;               /* the main process that ended (event listeners' "pid:") */
} ProgramExit;

#define PROGRAM_EXIT_HISTORY 16

/* What the state file for re-adoption (adopt.c) says about the fields a new daemon reads from it. */
typedef struct AdoptSaved {
        bool written;            /* a file may exist (also before the first save: an earlier daemon's) */
        pid_t pid;               /* -1: unknown, the next save writes */
        unsigned restarts;
        usec_t start_realtime_usec;
        int held_fd[3];          /* held_pipe_fd[0..1], held_stdin_fd */
        usec_t retry_due_usec;   /* a pending fatal_retry_after retry (CLOCK_MONOTONIC), 0 if none */
} AdoptSaved;

typedef struct Program {
        Manager *manager;
        ProgramConfig *config;   /* owned */
        char *name;              /* instance name, == config->name, unique */
        char *group;             /* group name (== config->group_name) */
        char *cgroup;            /* path relative to the cgroup2 mount, e.g. "cgsup/web/web_01" */
        bool transient;          /* created by RunTransient: removed when it ends */
        uid_t transient_uid;     /* caller's uid for a transient program */

        ProgramState state;
        pid_t main_pid;          /* 0 when not running */
        int pidfd;
        usec_t state_change_usec;  /* CLOCK_REALTIME of the last state change */
        usec_t start_usec;         /* CLOCK_MONOTONIC when the current instance started */
        usec_t start_realtime_usec;

        int exit_code;           /* last exit code (-1 if none) */
        int exit_signal;         /* last terminating signal (0 if none) */
        ExitReason exit_reason;
        char *exit_detail;       /* human detail: "execve: No such file or directory", limit reason, ... */
        unsigned survivors;      /* processes left in the cgroup after the main process exited */
        unsigned restarts;       /* total restarts since the daemon started */
        unsigned start_attempts; /* consecutive failed starts (for startretries) */
        usec_t backoff_usec;     /* current backoff delay */
        bool healthy;            /* last liveness verdict (true when none configured and running) */
        bool frozen;

        uint64_t oom_kills_at_start;   /* memory.events oom_kill baseline */
        uint64_t pids_max_at_start;    /* pids.events max baseline */

        sd_event_source *child_source;   /* pidfd of the main process */
        sd_event_source *timer_source;   /* startsecs / stopwaitsecs / backoff */
        int cgroup_wd;                   /* watch on cgroup.events in m->cgroup_inotify_fd, -1 = none */
        LogCapture *stdout_capture, *stderr_capture;
        HealthCheck *health[_HEALTH_KIND_MAX]; /* readiness, liveness (health.c) */

        bool remove_when_stopped;/* reload removed it */
        void *bus_data;          /* owned by the bus layer (e.g. pending RunTransient reply) */
        unsigned bus_changes;    /* bus layer: PROGRAM_CHANGED_* not announced yet (0 = not queued)... */
        ProgramState bus_changes_from; /* ...and the state before the first of them */

        /* ---- daemon core (added; read-only for the bus layer) ---- */
        bool populated;          /* cgroup had processes at the last look (events watch / count) */
        ProgramJob job;          /* the pending job (start, stop, restart); job.id == 0: none */
        uint32_t requested_job_id;  /* the job the last request (program_enqueue) made */
        uint32_t finished_job_id;   /* the last job that ended, and how (for a caller that queued it) */
        JobResult finished_job_result;
        usec_t restart_delay_usec;  /* delay armed for the latest automatic restart (0 = at once) */
        bool kill_sent;          /* cgroup.kill already written for the current generation */
        bool leaf_removed;       /* ops->cgroup_cleanup() removed the leaf (or found none), no spawn made it
                                  * again: nothing to remove */
        bool ready;              /* notify: READY=1 received for the current instance */
        bool health_ready;       /* readiness: its check passed once for the current instance */
        bool adopted;            /* taken over from a previous daemon instance */
        bool outside_adopted;    /* cgsupctl adopt: an outside process moved in; never started again */
        char *status_text;       /* notify: last STATUS= */
        char *waiting_for;       /* a start job waits for a dependency: "waiting for db (healthy)" */
        usec_t last_spawn_usec;  /* CLOCK_MONOTONIC of the last spawn attempt */
        Backoff backoff;
        int exit_status_pending_code, exit_status_pending_status; /* set by program_child_exited() */
        ProgramExit exits[PROGRAM_EXIT_HISTORY]; /* ring: bounded exit history (s6) */
        unsigned n_exits;        /* total exits recorded; exits[(n_exits - 1) % N] is the latest */
        unsigned exit_counts[_EXIT_REASON_MAX]; /* ends by reason since the daemon started, failed starts
                                                 * included (metrics: cgsup_program_exits_total) */
        usec_t health_start_usec; /* CLOCK_MONOTONIC when health checks (re)started */
        unsigned health_failures; /* consecutive failures of the check that runs now */
        CgsupStats final_stats;  /* transient: cgroup stats read when the main process ended */
        int stdio_fds[3];        /* transient: caller's stdin/stdout/stderr (owned), -1 = none/capture */
        bool logs_stale;         /* log settings changed by a reload: new captures at the next spawn */
        ProgramWatch *watch;             /* watch= (program-watch.c), NULL = none */
        sd_event_source *schedule_timer; /* schedule= / interval= (program-schedule.c), NULL = none */
        clockid_t schedule_clock;        /* the timer's clock */
        usec_t schedule_next_usec;       /* when it fires, in schedule_clock; 0 = not armed */
        bool schedule_paused;            /* a stop paused the schedule until the next start */
        unsigned schedule_skipped;       /* ticks skipped because the previous run was still going */
        char **env_file_vars;    /* environment_file= as read at the last start: "KEY=VALUE" (program-env.c) */
        char **env_file_origins; /* "KEY=<file>" for each of them: which file set it */
        int held_pipe_fd[2];     /* fd numbers of our stdout/stderr pipe read ends kept open inside the
                                  * program (no fd store): taken back with pidfd_getfd() on re-adoption */
        uint64_t main_starttime; /* /proc/PID/stat starttime of main_pid for the state file, 0 = not read yet
                                  * (reset with each new main pid: program_watch_pidfd()) */
        int list_stat_fd[2];     /* memory.current, cpu.stat of the leaf, held for ListPrograms; -EBADF = not
                                  * open yet, another -errno = the file is not there (closed with the leaf) */
        uint64_t list_memory, list_cpu_usec; /* their last reading (UINT64_MAX = none)... */
        usec_t list_stats_usec;  /* ...and when it was taken (CLOCK_MONOTONIC, 0 = not yet for this leaf) */
        int stdin_fd;            /* write end of the instance's stdin pipe (program-stdin.c), -EBADF = none */
        int held_stdin_fd;       /* its number inside the program (no fd store), -1 = none; like held_pipe_fd */
        AdoptSaved saved;        /* what the state file holds (adopt.c) */
        int state_fd;            /* the state file, open from its first save until it goes (adopt.c) */
        bool state_save_pending; /* a state change waits for the manager's state-save defer (adopt.c) */
        struct Listener *listener; /* [eventlistener:x] instance: protocol state (event-listener.c), else NULL */
} Program;

const char *program_state_to_string(ProgramState s);
ProgramState program_state_from_string(const char *s);
const char *exit_reason_to_string(ExitReason r);

/* Public verbs used by the bus layer; all return 0 or -errno (-EALREADY when nothing to do). */
int program_start(Program *p);
int program_stop(Program *p);
int program_restart(Program *p);
/*
 * program_enqueue() - ask for @type (START, STOP, RESTART) as a job. A request that matches the pending
 * job joins it (same id); otherwise the new job replaces it (the old one ends "canceled"). *ret_id (may
 * be NULL) is the job that answers the request, 0 when none was made (-EALREADY: already in that state;
 * -ESHUTDOWN). When the job already ended inside this call (a stop of an idle program, startsecs=0),
 * *ret_result says how; else it is _JOB_RESULT_INVALID and manager hooks.job_removed reports it later.
 * Returns the state machine's result (a spawn error, say) even when a job was made.
 */
int program_enqueue(Program *p, JobType type, uint32_t *ret_id, JobResult *ret_result);
/* The same with @flags (JobFlags): -EINVAL for an unknown flag or JOB_FLAG_KILL with anything but a restart.
 * A forced restart does not join a pending restart that is not forced: it replaces it. */
int program_enqueue_flags(Program *p, JobType type, unsigned flags, uint32_t *ret_id, JobResult *ret_result);
const char *job_type_to_string(JobType t);
JobType job_type_from_string(const char *s);
const char *job_result_to_string(JobResult r);
/* Why the program is where it is, beside State: "waiting for db (healthy)", "frozen", "restart pending
 * (in 2s)", "stop pending", ... ; "" when there is nothing to add. Written into @buf. */
const char *program_sub_state(const Program *p, char *buf, size_t size);
/* Signal the main process (@all_processes=false) or every process in the cgroup. */
int program_kill(Program *p, int sig, bool all_processes);
int program_freeze(Program *p, bool freeze);
/* Rotate the program's log files now (`cgsupctl rotate`), as their size or time rule would. Returns how
 * many files were rotated (> 0), -ENODATA when it has no log file (never started, NONE, syslog, or a
 * stream such as /dev/stdout), or -errno when a file could not be opened again. */
int program_rotate_logs(Program *p);
/* supervisorctl's clear: empty the program's log files and forget the output kept for tail (what is still in
 * the pipe was written before the request: it goes too). A program not started since cgsupd started has
 * its configured files emptied if they exist. 0 (also with nothing to clear, as supervisord answers) or
 * -errno of the first file that could not be truncated. */
int program_clear_logs(Program *p);
/* systemctl reset-failed: a FATAL program, or one EXITED other than with status 0, becomes STOPPED with no
 * exit record and its restart counters at 0. -EALREADY when it had not failed, -EBUSY while processes of it
 * are left in its cgroup. */
int program_reset_failed(Program *p);
/* Re-adoption of a FATAL program whose fatal_retry_after retry was pending when the previous cgsupd went:
 * FATAL again, with the retry due at @due_usec (CLOCK_MONOTONIC; a time already passed retries at once). */
void program_fatal_retry_restore(Program *p, usec_t due_usec);
/* Apply new limits live (through the program's CgsupLeaf: checked, written, read back; only checked while
 * it does not run). On failure nothing changes and *reterr_message (malloc'ed, may stay NULL on OOM) is
 * the refusal's one wording, naming the limit that failed. */
int program_set_limits(Program *p, const CgsupLimits *limits, char **reterr_message);
/* Read stats from the cgroup now (properties call this when asked). */
int program_read_stats(Program *p, CgsupStats *ret);
/* The two figures of a list row (memory.current, cpu.stat usage_usec; UINT64_MAX = not available) from
 * descriptors held while the leaf exists: two pread(2)s, no path walk, at most one pair per 100 ms. */
void program_read_list_stats(Program *p, uint64_t *ret_memory, uint64_t *ret_cpu_usec);
/* Close what program_read_list_stats() holds (before the leaf is removed). */
void program_close_list_stats(Program *p);
/* Captured output by cursor (logcap.h: LOGCAP_CURSOR_TAIL for the last @max bytes, LOGCAP_CURSOR_START for
 * everything): stream 1 = stdout, 2 = stderr (with redirect_stderr, the merged stdout stream). A program that
 * has not printed yet gives no data and a cursor that catches its first byte. */
int program_read_output(Program *p, int stream, uint64_t cursor, size_t max, LogChunk *ret);
bool program_is_active(const Program *p); /* STARTING, RUNNING, STOPPING, UNHEALTHY, EXITED-with-survivors */

/* ---- added by the daemon core ------------------------------------------------------------------- */

/* Events of the state machine ([state][event] table in program-state.c). */
typedef enum ProgramEvent {
        PROGRAM_EVENT_START,
        PROGRAM_EVENT_STOP,
        PROGRAM_EVENT_CHILD_EXIT,
        PROGRAM_EVENT_TIMEOUT,
        PROGRAM_EVENT_CGROUP_EMPTY,
        PROGRAM_EVENT_HEALTH_FAIL,
        PROGRAM_EVENT_HEALTH_OK,
        PROGRAM_EVENT_OOM,
        PROGRAM_EVENT_READY,
        PROGRAM_EVENT_RESTART,
        PROGRAM_EVENT_FREEZE,
        PROGRAM_EVENT_THAW,
        PROGRAM_EVENT_SET_LIMITS, /* argument: ProgramLimitsChange */
        PROGRAM_EVENT_RESET_FAILED,
        _PROGRAM_EVENT_MAX,
        _PROGRAM_EVENT_INVALID = -EINVAL,
} ProgramEvent;

const char *program_event_to_string(ProgramEvent e);
/* Latest exit record, NULL if the program never exited. */
const ProgramExit *program_last_exit(const Program *p);
/* Survivor-aware summary for status lines: "exit 1", "signal KILL", "oom-kill", ... into buf. */
const char *program_exit_summary(const Program *p, char *buf, size_t size);
/* "waiting for X" when a dependency holds the program back, else NULL. */
const char *program_waiting_for(const Program *p);
/* Whether the program's liveness check currently passes (true when none is configured). */
bool program_is_healthy(const Program *p);
/* Whether the program is ready: RUNNING (or UNHEALTHY) and its readiness check passed (RUNNING is enough
 * without one). What depends_on=x:healthy and a start job wait for. */
bool program_is_ready(const Program *p);
/* STARTING, RUNNING, UNHEALTHY: the states in which health checks run. */
bool program_state_runs_health(ProgramState s);
