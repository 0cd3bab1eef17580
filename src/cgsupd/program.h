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

#include "conf.h"

typedef struct Manager Manager;
typedef struct LogCapture LogCapture;
typedef struct HealthCheck HealthCheck;

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
        _EXIT_REASON_MAX,
        _EXIT_REASON_INVALID = -EINVAL,
} ExitReason;

/* Bits for program_changed(): which groups of properties changed. */
enum {
        PROGRAM_CHANGED_STATE = 1 << 0,  /* State, MainPID, ExitCode, ExitReason, Restarts, ... */
        PROGRAM_CHANGED_LIMITS = 1 << 1, /* MemoryMax, TasksMax, CPUQuota, ... */
        PROGRAM_CHANGED_CONFIG = 1 << 2, /* Command, Group, ... (after reload) */
};

typedef struct Program {
        Manager *manager;
        ProgramConfig *config;   /* owned */
        char *name;              /* instance name, == config->name, unique */
        char *group;             /* group name (== config->group_name) */
        char *cgroup;            /* path relative to the cgroup2 mount, e.g. "cgsup/web/web_01" */
        char *object_path;       /* /org/cgsup1/program/<encoded name> */
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
        bool healthy;            /* last healthcheck verdict (true when none configured and running) */
        bool frozen;

        uint64_t oom_kills_at_start;   /* memory.events oom_kill baseline */
        uint64_t pids_max_at_start;    /* pids.events max baseline */

        sd_event_source *child_source;   /* pidfd of the main process */
        sd_event_source *timer_source;   /* startsecs / stopwaitsecs / backoff */
        sd_event_source *cgroup_source;  /* inotify on cgroup.events */
        LogCapture *stdout_capture, *stderr_capture;
        HealthCheck *health;

        bool stop_requested;     /* user asked for stop: no autorestart */
        bool remove_when_stopped;/* reload removed it */
        bool restart_when_stopped;
        void *bus_data;          /* owned by the bus layer (e.g. pending RunTransient reply) */
} Program;

const char *program_state_to_string(ProgramState s);
ProgramState program_state_from_string(const char *s);
const char *exit_reason_to_string(ExitReason r);

/* Public verbs used by the bus layer; all return 0 or -errno (-EALREADY when nothing to do). */
int program_start(Program *p);
int program_stop(Program *p);
int program_restart(Program *p);
/* Signal the main process (@all_processes=false) or every process in the cgroup. */
int program_kill(Program *p, int sig, bool all_processes);
int program_freeze(Program *p, bool freeze);
/* Apply new limits live (written to the cgroup, read back); on failure nothing is changed in config and
 * reterr_limit names the limit. */
int program_set_limits(Program *p, const CgsupLimits *limits, CgsupLimit *reterr_limit);
/* Read stats from the cgroup now (properties call this when asked). */
int program_read_stats(Program *p, CgsupStats *ret);
/* Tail of captured output: stream 1 = stdout, 2 = stderr; returns malloc'ed text of at most max bytes. */
int program_tail(Program *p, int stream, size_t max, char **ret);
bool program_is_active(const Program *p); /* STARTING, RUNNING, STOPPING, UNHEALTHY, EXITED-with-survivors */
