/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by bus.c, bus-manager.c, bus-program.c, bus-transient.c, bus-errors.c and polkit.c. Nothing
 * outside the bus layer includes this. */

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "cgsup/bus-names.h"
#include "manager.h"

typedef struct PolkitRegistry PolkitRegistry;
typedef struct BusJobWait BusJobWait;

/* A sender's uid, by unique name (":1.N"; longer names are not cached). */
typedef struct BusSenderUid {
        char name[32];
        uid_t uid;
} BusSenderUid;

/* m->bus_data: everything the bus layer keeps for the daemon's lifetime. */
typedef struct BusContext {
        Manager *manager;
        sd_bus *bus;
        sd_bus_slot *manager_slot, *program_slot, *enumerator_slot, *object_manager_slot;
        PolkitRegistry *polkit;

        /*
         * The uids of the last few senders (bus_query_sender_uid()). dbus-daemon attaches no credentials to
         * messages, so each query is a blocking GetConnectionCredentials round trip through the bus, during
         * which the loop serves no program; a privileged call asks twice (the uid 0 shortcut of the
         * authorization, then the method, e.g. RunTransient's run-as user), a CLI session or Cockpit asks on
         * every call. A unique name is never given to another connection while the bus runs, and a
         * connection's uid never changes, so an answer stays true for as long as we are connected to that
         * bus: the cache goes with the connection (emptied by bus_disconnect()). Round robin: the oldest
         * entry is replaced.
         */
        BusSenderUid sender_uids[8];
        unsigned sender_uids_next;

        /* A GetAll on a program object calls several stats getters for the same reply: read the cgroup
         * files once per reply, not once per property. */
        const void *stats_reply;
        const Program *stats_program;
        uint64_t stats_usec;
        CgsupStats stats;
        int stats_r;

        /* StartProgram/StopProgram/RestartProgram calls waiting for their jobs (bus-jobs.c). */
        BusJobWait *job_waits;
        unsigned n_job_waits;
        unsigned n_stop_waits;          /* of them, reloads waiting for stops (bus_jobs_program_changed()) */

        uint64_t n_method_calls; /* method calls received (metrics: cgsup_daemon_bus_calls_total) */

        /* After the bus went away: reconnect attempts, the delay doubling from BUS_RECONNECT_FIRST_USEC to
         * BUS_RECONNECT_MAX_USEC (0 = connected, nothing scheduled). */
        sd_event_source *reconnect_timer;
        uint64_t reconnect_delay_usec;

        /* Processes queued bus messages in batches (bus.c: on_bus_drain), armed by each message. */
        sd_event_source *drain;

        /* The change queue (bus-queue.c): programs whose change is not announced yet (a removed one is
         * NULL), then the JobRemoved signals and job replies that must follow them; the low-priority defer
         * source that sends them, and the timer that bounds how long they can wait. */
        Program **changed;
        size_t n_changed, changed_allocated;
        sd_bus_message **after;
        size_t n_after, after_allocated;
        sd_event_source *flush, *flush_timer;
} BusContext;

/* Bounds on what a caller may make us hold (STYLE: enforce limits on every user controllable
 * resource). */
#define BUS_NAME_MAX 256                  /* program names and specs */
#define BUS_TRANSIENT_MAX 64              /* transient programs at once, all callers */
#define BUS_TRANSIENT_PER_USER_MAX 16     /* ... for one unprivileged uid */
#define BUS_ARGV_MAX 4096                 /* argv / environment entries */
#define BUS_ARGV_BYTES_MAX (256U * 1024U) /* total bytes of argv / environment */
#define BUS_OUTPUT_MAX (1024U * 1024U)    /* GetProgramOutput() bytes per call */
#define BUS_POLKIT_PENDING_MAX 128        /* polkit queries in flight */
#define BUS_JOB_WAITS_MAX 1024            /* calls waiting for their jobs, all callers */
#define BUS_RECONNECT_FIRST_USEC (100 * USEC_PER_MSEC)
#define BUS_RECONNECT_MAX_USEC (10 * USEC_PER_SEC)
#define BUS_DRAIN_MESSAGES_MAX 64         /* bus messages handled in one turn of the event loop... */
#define BUS_DRAIN_USEC_MAX (10 * USEC_PER_MSEC) /* ...or this much time, whichever ends first */
#define BUS_FLUSH_MAX_DELAY_USEC (50 * USEC_PER_MSEC) /* the longest a queued change waits to be announced */

/* ---- bus.c ---- */
BusContext *bus_context_of(Manager *m);
/* The uid of the sender from the bus (not from /proc: no augmented creds, no pid race). */
int bus_query_sender_uid(BusContext *c, sd_bus_message *m, uid_t *ret);

/* ---- bus-program.c ---- */
extern const sd_bus_vtable bus_program_vtable[];
int bus_program_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **ret_found,
                     sd_bus_error *error);
int bus_program_enumerate(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                          sd_bus_error *error);
/* /org/cgsup1/program/<sd_bus_path_encode(name)> */
int bus_program_path(const char *name, char **ret);
/* The same for @p into *@buf (malloc'ed, the caller frees it); NULL on OOM. */
const char *bus_program_object_path(const Program *p, char **buf);
/* Stats for property getters (cached per reply message). */
int bus_program_stats(BusContext *c, sd_bus_message *reply, Program *p, const CgsupStats **ret);
/* PropertiesChanged for the @what groups, and ProgramStateChanged(@old_state, now) if the state moved: at
 * once. Everything else goes through the change queue (bus-queue.c). */
void bus_program_emit_changed(BusContext *c, Program *p, unsigned what, ProgramState old_state);
void bus_program_emit_added(BusContext *c, Program *p);
void bus_program_emit_removed(BusContext *c, Program *p);

/* ---- bus-queue.c ---- */
int bus_queue_setup(BusContext *c);
/* hooks.program_changed: @p is announced at the next flush, with every change queued until then. */
void bus_queue_program_changed(BusContext *c, Program *p, unsigned what, ProgramState old_state);
/* Send @m (a reference is taken) at the next flush, after every change queued before it. */
int bus_queue_message(BusContext *c, sd_bus_message *m);
/* @p goes away: nothing more is said about it. */
void bus_queue_forget_program(BusContext *c, Program *p);
/* Announce everything queued now (before InterfacesRemoved, TransientFinished, the daemon's exit). */
void bus_queue_flush(BusContext *c);
/* Drop everything queued and the sources (the connection is gone). */
void bus_queue_clear(BusContext *c);

/* ---- bus-manager.c ---- */
extern const sd_bus_vtable bus_manager_vtable[];
/* Validate a program name / spec sent by a client (length, characters). */
int bus_validate_name(const char *name, sd_bus_error *error);
/* Parse one SetProperties()/RunTransient() limit entry (the variant is the next thing in @m). Returns 1
 * if @key is a limit (parsed into @limits), 0 if it is not a limit key (variant left unread), <0 error. */
int bus_parse_limit_property(sd_bus_message *m, const char *key, CgsupLimits *limits, sd_bus_error *error);

/* ---- bus-metrics.c ---- */
int method_get_metrics(sd_bus_message *m, void *userdata, sd_bus_error *error);
/* sd_bus_add_filter() callback counting the method calls we receive. */
int bus_metrics_count_call(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* ---- bus-transient.c ---- */
int method_run_transient(sd_bus_message *m, void *userdata, sd_bus_error *error);
void bus_transient_emit_finished(BusContext *c, Program *p, const CgsupStats *final_stats);
/* Short result word for an exit report: "success", "exit-code", "signal", "oom-kill", ... */
const char *bus_transient_result(const Program *p);
/* A transient name follows the rule of configured names; InvalidArgument naming the problem otherwise. */
int bus_validate_transient_name(const char *name, sd_bus_error *error);
/* Room for one more transient program (named @name, NULL = generated) for @caller: TooMany otherwise. */
int bus_check_transient_room(Manager *mgr, const char *name, uid_t caller, sd_bus_error *error);

/* ---- bus-adopt.c ---- */
int method_adopt_process(sd_bus_message *m, void *userdata, sd_bus_error *error);

/* ---- polkit.c ---- */
int polkit_registry_new(unsigned max_pending, PolkitRegistry **ret);
PolkitRegistry *polkit_registry_free(PolkitRegistry *r);
/*
 * bus_verify_polkit_async() - may the sender of @call do @action (asked through @c's registry)? @details:
 * NULL-terminated key/value pairs passed to polkit (e.g. {"program", "web", "verb", "start", NULL}).
 * Returns 1 authorized (go on), 0 pending (return 1 from the handler: the message is dispatched again
 * when polkit answered), <0 denied or failed, with @error set (AccessDenied ...).
 */
int bus_verify_polkit_async(BusContext *c, sd_bus_message *call, const char *action, const char *const *details,
                            sd_bus_error *error);

/* ---- bus-errors.c ---- */
typedef enum BusOp {
        BUS_OP_LOOKUP,
        BUS_OP_START,
        BUS_OP_STOP,
        BUS_OP_RESTART,
        BUS_OP_KILL,
        BUS_OP_FREEZE,
        BUS_OP_THAW,
        BUS_OP_SET_LIMIT,
        BUS_OP_RUN,
        BUS_OP_RELOAD,
        BUS_OP_OUTPUT,
        BUS_OP_SHUTDOWN,
        BUS_OP_WRITE_STDIN,
        BUS_OP_ROTATE,
        BUS_OP_CLEAR_LOGS,
        BUS_OP_RESET_FAILED,
        BUS_OP_ADOPT,
        _BUS_OP_MAX,
        _BUS_OP_INVALID = -EINVAL,
} BusOp;

const char *bus_op_to_string(BusOp op);
/* Register our error names with sd-bus so that clients and sd_bus_error_get_errno() agree. */
int bus_errors_register(void);
/*
 * bus_error_set_errno() - map errno @r of @op on @program (may be NULL) to an org.cgsup1.Error.* with a
 * message naming the program and the problem; @detail (may be NULL) is added ("memory_max", the
 * daemon's own explanation, ...). Returns a negative errno, so handlers can "return bus_error_...".
 */
int bus_error_set_errno(sd_bus_error *error, int r, BusOp op, const char *program, const char *detail);
/* Error name bus_error_set_errno() picks for (@r, @op); exported for the unit test. */
const char *bus_error_name_for(int r, BusOp op);

/* ---- bus-jobs.c ---- */
/* START / STOP / RESTART -> the job type; _JOB_TYPE_INVALID for other operations. */
JobType bus_op_to_job(BusOp op);
/* Queue @op for each of @list (@multi: a group or "all": programs with nothing to do are skipped) and
 * answer @m when every job has ended. Returns 1 when the answer is deferred, else the reply's result or
 * an error in @error. */
int bus_jobs_wait(sd_bus_message *m, BusContext *c, Program **list, size_t n, BusOp op, unsigned job_flags,
                  bool multi, sd_bus_error *error);
/* The same, answering at once with a(uss): job id, program, verb. @job_flags: JobFlags (program.h). */
int bus_jobs_enqueue(sd_bus_message *m, BusContext *c, Program **list, size_t n, BusOp op, unsigned job_flags,
                     bool multi, sd_bus_error *error);
/* hooks.job_removed: JobRemoved, and the answers of calls whose last job this was. */
void bus_jobs_removed(BusContext *c, Program *p, const ProgramJob *job, JobResult result);
/* Answer @call with @reply (made already) once every stop or restart job made after job @before (the
 * manager's last_job_id before a reload) is past its stop phase: stopped, the leaf removed, or failed.
 * Returns 1 when deferred, else what sending returned. */
int bus_jobs_reply_when_stopped(BusContext *c, sd_bus_message *call, sd_bus_message *reply, uint32_t before);
/* hooks.program_changed: a reload waiting for a restart's stop phase hears of its end. */
void bus_jobs_program_changed(BusContext *c, Program *p);
/* Forget the waiting calls (daemon exit: their clients see the connection end). */
void bus_jobs_done(BusContext *c);
