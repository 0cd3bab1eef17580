/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "program.h"

typedef struct ProgramOps ProgramOps;
typedef struct CurlEvent CurlEvent;

/* Callbacks from the manager/state machine to the bus layer; any may be NULL. */
typedef struct ManagerHooks {
        void (*program_added)(Manager *m, Program *p);
        void (*program_removed)(Manager *m, Program *p);
        void (*program_changed)(Manager *m, Program *p, unsigned what, ProgramState old_state);
        /* A transient program finished (exit report available in p); called before it is freed. */
        void (*transient_finished)(Manager *m, Program *p, const CgsupStats *final_stats);
        /* @job of @p ended with @result (p->state and p->exit_* say where it ended); p->job is already
         * cleared or holds the job that replaced it. */
        void (*job_removed)(Manager *m, Program *p, const ProgramJob *job, JobResult result);
} ManagerHooks;

typedef struct ManagerOptions {
        char *config_path;
        char *cgroup;        /* --cgroup, overrides config; NULL = auto */
        bool user;           /* --user: session bus, user runtime dir */
        bool daemonize;
        bool check_config;
        /* systemd < 254 only: create a delegated transient scope @scope in @slice around @pid and wait for
         * it (bus/systemd-scope.c). NULL = no scope fallback. */
        int (*start_scope)(const char *scope, const char *slice, pid_t pid);
} ManagerOptions;

struct Manager {
        sd_event *event;
        ManagerOptions options;
        Config *config;         /* what runs: the file as the last full reload read it, or a merge after a
                                 * reload of some groups (manager-reload.c) */
        Config *reread_config;  /* the file as last read (Reread(), UpdateGroups()) when that is not m->config:
                                 * what supervisord's getAllConfigInfo lists (ListConfiguredPrograms) and
                                 * AddGroup() adds from. Only its programs and groups are used: after a reload
                                 * of some groups its [cgsupd] settings may have moved to m->config. */

        int cgroup_root_fd;     /* O_PATH fd of the cgroup2 mount */
        char *cgroup_mount;     /* e.g. /sys/fs/cgroup/unified */
        char *cgroup;           /* our subtree, relative, e.g. "cgsup" */
        unsigned controllers;   /* controllers enableable for programs */
        char *runtime_dir;      /* /run/cgsup or $XDG_RUNTIME_DIR/cgsup: state for re-adoption */
        char *log_dir;          /* AUTO logs unless childlogdir= (logdir.c): /var/log/cgsup, ~/.local/state/cgsup */

        Program **programs;
        size_t n_programs;
        Program **programs_by_name; /* the same, sorted by name for manager_find_program(); NULL = stale */
        unsigned n_transient;

        ManagerHooks hooks;
        void *bus_data;         /* owned by the bus layer (vtables, polkit registry) */
        struct EventBus *event_bus; /* event-bus.c: subscriptions, serial, TICK timer; NULL until a subscribe */
        struct EventListeners *event_listeners; /* event-listener.c: [eventlistener:x] pools; NULL if none */

        bool shutting_down;
        bool is_pid1;
        int exit_code;

        /* ---- daemon core (added; the bus layer may read, never write) ---- */
        const ProgramOps *ops;          /* program_ops_real; fakes in unit tests */
        char **environment;             /* base environment of every program (daemon env + [cgsupd]) */
        bool under_systemd;             /* $NOTIFY_SOCKET was set: READY/WATCHDOG/fd store available */
        /* RLIMIT_NOFILE for programs without rlimit_nofile (main.c: cgsupd's own soft limit went above it) */
        struct rlimit program_nofile;
        bool program_nofile_set;
        bool journal;                   /* forward syslog=true output to the journal */
        int syslog_fd;                  /* without a journal: /dev/log (a datagram socket), else -EBADF */
        bool passthrough_default;       /* AUTO logs go to our stdout (terminal/container, no journal) */
        int notify_fd;                  /* our NOTIFY_SOCKET for type=notify programs */
        /* One inotify instance watches every program's cgroup.events (program_watch_cgroup()): instances
         * are limited per user (fs.inotify.max_user_instances, 128 by default), watches are not. */
        int cgroup_inotify_fd;
        sd_event_source *cgroup_inotify_source;
        void *cgroup_wd_index;          /* tsearch(3) tree of the watching Programs, by cgroup_wd */
        char *notify_path;
        sd_event_source *notify_source;
        struct NotifyUserSocket *notify_user_sockets; /* notify.c: one per uid other than ours */
        size_t n_notify_user_sockets;
        sd_event_source *shutdown_timer;
        sd_event_source *watchdog_timer;
        sd_event_source *deps_defer;    /* re-evaluates waiting programs once per loop iteration */
        sd_event_source *state_save_defer; /* writes batched state files when the loop is idle (adopt.c) */
        bool deps_evaluating, deps_dirty;
        usec_t shutdown_deadline;       /* CLOCK_MONOTONIC bound of a graceful shutdown */
        bool shutdown_killed;           /* shutdown_timeout passed or shutdown --now: everything was cgroup.kill'ed */
        unsigned transient_counter;
        uint32_t last_job_id;           /* job ids count up from 1, never 0 */
        int *stored_fds;                /* fds handed back by systemd's fd store at startup */
        char **stored_fd_names;
        size_t n_stored_fds;
        int lock_fd;                    /* flock'ed <runtime_dir>/lock: one daemon per subtree */
        int pidfile_fd;                 /* flock'ed [cgsupd] pidfile= */
        bool loop_running;
        usec_t watchdog_usec;           /* WATCHDOG=1 period (half of WatchdogSec=), 0 = off */
        bool scope_mode;                /* programs live in <unit>-programs.scope (systemd < 254) */
        char *origin_cgroup;            /* where we were started, before moving into <subtree>/supervisor */
        CurlEvent *curl;                /* curl-event.c: HTTP(S) checks and webhooks, made on first use */
        struct Webhook **webhooks;      /* webhook.c: one per [webhook:x] */
        size_t n_webhooks;
        char **scaled;                  /* "program=N" changed by manager_scale() until the next reload */
        bool remove_subtree;            /* subtree chosen by path (--cgroup, [cgsupd] cgroup=, /cgsup): removed
                                         * after a graceful shutdown; never our own delegated cgroup */
};

int manager_new(const ManagerOptions *options, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

Program *manager_find_program(Manager *m, const char *name);
/* Resolves supervisorctl-style names: "name", "group:name", "group:*", "all". Returns a malloc'ed array
 * of borrowed pointers; -ENOENT (with the bad name in *reterr_name) when nothing matches. */
int manager_resolve(Manager *m, const char *spec, Program ***ret, size_t *ret_n, const char **reterr_name);

/* Re-read the configuration: adds/removes/changes programs; an invalid file changes nothing and returns
 * -EINVAL with *reterr_message ("file:line: ..."), malloc'ed. */
int manager_reload(Manager *m, char **reterr_message);
/* manager_groups_with_moves() - @groups and the groups the programs @file puts in them run in now (a program that
 * moves into an updated group takes its old group along: one name cannot run twice). */
int manager_groups_with_moves(Manager *m, const Config *file, char **groups, char ***ret);
/*
 * supervisord's per-group reload (manager-reload.c): only the groups named change, every other group keeps
 * running as it is, even where its file section changed (that stays pending, as after supervisorctl's
 * `update GROUP`). A daemon restart reads the whole file again, as supervisord does.
 *
 * manager_update_groups() - @groups as *@file (a fresh read of the file, taken: it becomes the file as last
 * read) has them: added, changed or removed. -ENOENT with the name in *reterr_message when a group neither
 * runs nor is in the file; -EINVAL (message) when a program's name is unusable; -ESHUTDOWN.
 * manager_add_group() - @group from the file as last read (supervisord's addProcessGroup: no new read).
 * -EEXIST it runs already; -ENOENT not in the file as last read.
 * manager_remove_group() - @group out of what runs, the file untouched (it comes back with an update or add).
 * -ENOENT not running; -EBUSY a program of it is not STOPPED, EXITED or FATAL (its name in *reterr_message).
 */
int manager_update_groups(Manager *m, Config **file, char **groups, char **reterr_message);
int manager_add_group(Manager *m, const char *group, char **reterr_message);
int manager_remove_group(Manager *m, const char *group, char **reterr_message);
/* A configured (not transient) group has a program that is not being removed. */
bool manager_group_is_active(Manager *m, const char *group);
/*
 * manager_scale() - run @n instances of the numprocs program [program:@name] (manager-scale.c): new ones
 * are made from the file as a reload with numprocs=@n would make them and started, surplus ones stopped
 * (highest-numbered first) and forgotten, the others left alone. *ret_old (optional) is the count before.
 * Returns 0; -ENOENT no such program; -EINVAL with *reterr_message (malloc'ed) when the file cannot make
 * @n instances (no %(process_num) in process_name, a file error) or the program is in several groups;
 * -ESHUTDOWN.
 */
int manager_scale(Manager *m, const char *name, unsigned n, unsigned *ret_old, char **reterr_message);
/* A reload resets every scale to the file's numprocs=: logs which, and forgets them. */
void manager_scale_forget(Manager *m);
/* The scale of the programs of @groups (NULL: all) is forgotten: a reload of them went back to numprocs=. */
void manager_scale_forget_groups(Manager *m, char **groups);
/* Graceful stop of everything (reverse priority / dependency order), then exit the event loop. */
int manager_shutdown(Manager *m);
/* shutdown --now: the same without the graceful stop: cgroup.kill every program, then exit. Also ends a graceful
 * shutdown under way. -EALREADY when everything was killed already. */
int manager_shutdown_now(Manager *m);

typedef struct TransientSpec {
        char **argv;
        char **environment;
        char *working_directory;
        CgsupLimits limits;
        uid_t uid;              /* whom it runs as (the caller unless root asked otherwise) */
        gid_t gid;
        int stdin_fd, stdout_fd, stderr_fd; /* owned: closed by the manager; -1 = capture into log ring */
        char *syscall_filter;
        bool no_new_privileges;
        char *name;             /* NULL = "run-<n>" */
        usec_t runtime_max;     /* 0 = unbounded; else the whole tree is killed this long after the start */
} TransientSpec;

/* Start a transient program; on success *ret is the new Program (removed after it ends). Spec fds are
 * consumed in all cases. */
int manager_run_transient(Manager *m, TransientSpec *spec, Program **ret, char **reterr_message);
void transient_spec_done(TransientSpec *s);
/* The configuration of a transient program named @name running @argv (shown as its command): no autostart,
 * no restart, no startsecs, output captured into the ring only. NULL on OOM. */
ProgramConfig *transient_config_new(const char *name, char *const *argv);

typedef struct AdoptSpec {
        pid_t pid;
        const char *name;       /* NULL = "adopted-<pid>" */
        bool tree;              /* also every descendant */
        uid_t owner;            /* with tree: only descendants all of whose uids are this (0 = any) */
} AdoptSpec;

/* Move an outside process (and with tree its descendants) into the leaf of a new transient program
 * (manager-adopt.c). On a refusal *reterr_message (optional) says why: -ESRCH no such process, -EINVAL
 * init, cgsupd or a kernel thread, -EBUSY a cgroup cgsupd may not take it from, -EEXIST the name. */
int manager_adopt_process(Manager *m, const AdoptSpec *spec, Program **ret, char **reterr_message);

/* Main loop: runs until shutdown; returns the exit status for main(). */
int manager_run(Manager *m);

/* ---- added by the daemon core ------------------------------------------------------------------- */

/* Start every autostart program (priority order; dependencies gate). Called by main() after bus_setup(). */
int manager_start_autostart(Manager *m);
/* A program changed state: re-evaluate waiting dependents, shutdown progress, transient cleanup. */
void manager_program_state_changed(Manager *m, Program *p, ProgramState old);
/* systemd < 254 fallback (manager-scope.c): create or reuse "<unit>-programs.scope" (Delegate=yes) as the
 * programs' subtree. Returns 1 created, 0 reused, <0 error (caller falls back to its own cgroup). */
int manager_setup_scope(Manager *m, const char *own, char **ret_subtree);
/* After a graceful shutdown: let the scope go (kills its placeholder). */
void manager_release_scope(Manager *m);
/* Schedule gc of removed/finished programs, dependency evaluation and shutdown progress. */
void manager_schedule_check(Manager *m);
/* Add / remove a program (used by load, reload and transient runs). */
int manager_add_program(Manager *m, Program *p);
void manager_remove_program(Manager *m, Program *p);
/* Find the program whose instance cgroup contains @cgroup_path (relative to the mount), or NULL. */
Program *manager_find_program_by_cgroup(Manager *m, const char *cgroup_path);
/* Instance cgroup path for a config ("<subtree>/<group>/<name>", escaped). */
int manager_instance_cgroup(Manager *m, const ProgramConfig *c, char **ret);
int manager_group_cgroup(Manager *m, const char *group, char **ret);
/* Creates the [group:x] cgroup with the group's limits (a CgsupLeaf), or updates them. On failure it is
 * logged and *reterr_message (optional) is the refusal's wording. */
int manager_apply_group_limits(Manager *m, const GroupConfig *g, char **reterr_message);
/* Escape a config name into a safe cgroup directory name (prefix '_' like systemd; -EINVAL for '/'). */
int cgroup_name_escape(const char *name, char **ret);
/* Load and print diagnostics of a config file; -EINVAL with *reterr_message ("file:line: ...") on errors. */
int manager_load_config(const char *path, Config **ret, char **reterr_message);
/* Create (not start) a Program for every instance of @c (configs are copied). */
int manager_create_programs(Manager *m, const Config *c);
/* PID 1 / subreaper duty: reap exited children that are not ours to wait for (not a main process or a
 * helper watched through a pidfd). */
void manager_reap_orphans(Manager *m);
/* SIGUSR2 (supervisord's meaning, logrotate's postrotate): open every log file again by name, the daemon's own
 * and each program's, so output goes to the new files after they were moved away. */
void manager_reopen_logs(Manager *m);
