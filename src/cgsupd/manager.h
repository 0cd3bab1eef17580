/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "program.h"

/* Callbacks from the manager/state machine to the bus layer; any may be NULL. */
typedef struct ManagerHooks {
        void (*program_added)(Manager *m, Program *p);
        void (*program_removed)(Manager *m, Program *p);
        void (*program_changed)(Manager *m, Program *p, unsigned what, ProgramState old_state);
        /* A transient program finished (exit report available in p); called before it is freed. */
        void (*transient_finished)(Manager *m, Program *p, const CgsupStats *final_stats);
} ManagerHooks;

typedef struct ManagerOptions {
        char *config_path;
        char *cgroup;        /* --cgroup, overrides config; NULL = auto */
        bool user;           /* --user: session bus, user runtime dir */
        bool daemonize;
        bool check_config;
} ManagerOptions;

struct Manager {
        sd_event *event;
        sd_bus *bus;
        ManagerOptions options;
        Config *config;

        int cgroup_root_fd;     /* O_PATH fd of the cgroup2 mount */
        char *cgroup_mount;     /* e.g. /sys/fs/cgroup/unified */
        char *cgroup;           /* our subtree, relative, e.g. "cgsup" */
        unsigned controllers;   /* controllers enableable for programs */
        char *runtime_dir;      /* /run/cgsup or $XDG_RUNTIME_DIR/cgsup: state for re-adoption */

        Program **programs;
        size_t n_programs;
        unsigned n_transient;

        ManagerHooks hooks;
        void *bus_data;         /* owned by the bus layer (vtables, polkit registry) */

        bool shutting_down;
        bool is_pid1;
        int exit_code;
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
/* Graceful stop of everything (reverse priority / dependency order), then exit the event loop. */
int manager_shutdown(Manager *m);

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
} TransientSpec;

/* Start a transient program; on success *ret is the new Program (removed after it ends). Spec fds are
 * consumed in all cases. */
int manager_run_transient(Manager *m, TransientSpec *spec, Program **ret, char **reterr_message);
void transient_spec_done(TransientSpec *s);

/* Main loop: runs until shutdown; returns the exit status for main(). */
int manager_run(Manager *m);
