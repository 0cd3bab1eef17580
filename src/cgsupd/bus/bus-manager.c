/* SPDX-License-Identifier: MIT */
/*
 * org.cgsup1.Manager at /org/cgsup1. Every handler follows the same order: validate the arguments → ask
 * polkit (mutations only) → call the manager → (the manager's hooks emit the signals) → reply. Because a
 * handler whose polkit query is pending returns without replying and is dispatched again with the same
 * message once polkit answered, everything before the polkit step must be repeatable and side-effect free.
 *
 * Names accept what supervisorctl accepts: "name", "group:name", "group:*", a group name, and "all".
 * For a single program, "already in that state" is an error (AlreadyStarted / NotRunning); for a group
 * or "all" those programs are skipped, and the reply lists the programs that were acted on.
 */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus-dict.h"
#include "bus-internal.h"
#include "logcap.h"
#include "log.h"
#include "logdir.h"
#include "reload-plan.h"
#include "macro.h"
#include "name-util.h"
#include "parse-util.h"
#include "program-env.h"
#include "program-stdin.h"
#include "strv.h"

#define DEFAULT_OUTPUT_BYTES 1600 /* supervisorctl tail's default */

static int validate_name(const char *what, const char *name, sd_bus_error *error) {
        size_t n = strlen(name);

        if (n == 0)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "%s name must not be empty.", what);
        if (n > BUS_NAME_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "%s name too long (%zu bytes, at most %d).", what, n, BUS_NAME_MAX);
        for (const char *s = name; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                 "%s name contains control characters.", what);
        return 0;
}

int bus_validate_name(const char *name, sd_bus_error *error) {
        return validate_name("Program", name, error);
}

/* A single program named by a caller: the name checked, the program found, or NoSuchProgram. */
static int bus_find_program(BusContext *c, const char *name, Program **ret, sd_bus_error *error) {
        Program *p;
        int r;

        r = bus_validate_name(name, error);
        if (r < 0)
                return r;
        p = manager_find_program(c->manager, name);
        if (!p)
                return bus_error_set_errno(error, -ENOENT, BUS_OP_LOOKUP, name, NULL);
        *ret = p;
        return 0;
}

/* The first argument of a method naming one program ("s"), read and looked up. */
static int bus_read_program(sd_bus_message *m, BusContext *c, Program **ret, sd_bus_error *error) {
        const char *name;
        int r;

        assert(m);
        assert(ret);

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        return bus_find_program(c, name, ret, error);
}

static bool spec_is_multi(const char *spec, size_t n) {
        size_t l = strlen(spec);
        return n != 1 || streq(spec, "all") || (l >= 2 && streq(spec + l - 2, ":*"));
}

static int resolve_spec(BusContext *c, const char *spec, Program ***ret, size_t *ret_n, sd_bus_error *error) {
        const char *bad = NULL;
        int r;

        r = bus_validate_name(spec, error);
        if (r < 0)
                return r;
        r = manager_resolve(c->manager, spec, ret, ret_n, &bad);
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_LOOKUP, bad ?: spec, NULL);
        return 0;
}

/* Transient programs may be stopped/killed by the user who started them without asking polkit. */
static bool caller_owns_all(BusContext *c, sd_bus_message *m, Program **list, size_t n) {
        uid_t uid;

        if (n == 0 || bus_query_sender_uid(c, m, &uid) < 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!list[i]->transient || list[i]->transient_uid != uid)
                        return false;
        return true;
}

static int check_not_shutting_down(BusContext *c, BusOp op, const char *spec, sd_bus_error *error) {
        if (c->manager->shutting_down)
                return bus_error_set_errno(error, -ESHUTDOWN, op, spec, NULL);
        return 0;
}

typedef struct VerbArgs {
        BusOp op;
        int sig;
        bool all_processes;
        bool no_wait;   /* EnqueueJobs: answer with the job ids at once */
        unsigned job_flags; /* JobFlags of a job (restart --force) */
} VerbArgs;

static int verb_apply(Program *p, const VerbArgs *a) {
        switch (a->op) {
        case BUS_OP_KILL:
                return program_kill(p, a->sig, a->all_processes);
        case BUS_OP_FREEZE:
                return program_freeze(p, true);
        case BUS_OP_THAW:
                return program_freeze(p, false);
        case BUS_OP_ROTATE:
                return program_rotate_logs(p);
        case BUS_OP_CLEAR_LOGS:
                return program_clear_logs(p);
        case BUS_OP_RESET_FAILED:
                return program_reset_failed(p);
        default:
                return -EINVAL;
        }
}

static const char *verb_word(BusOp op) {
        switch (op) {
        case BUS_OP_START:
                return "start";
        case BUS_OP_STOP:
                return "stop";
        case BUS_OP_RESTART:
                return "restart";
        case BUS_OP_KILL:
                return "kill";
        case BUS_OP_FREEZE:
                return "freeze";
        case BUS_OP_THAW:
                return "thaw";
        case BUS_OP_ROTATE:
                return "rotate";
        case BUS_OP_CLEAR_LOGS:
                return "clear";
        case BUS_OP_RESET_FAILED:
                return "reset-failed";
        default:
                return "manage";
        }
}

/* Shared body of Start/Stop/Restart/Kill/Freeze/Thaw/RotateLogs/ClearLogs: the spec has been read, @a says
 * what to do. */
static int program_verb(sd_bus_message *m, BusContext *c, const char *spec, const VerbArgs *a,
                        sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ Program **list = NULL;
        _cleanup_free_ char *failures = NULL;
        size_t n = 0, n_failed = 0;
        int first_error = 0;
        const char *first_failed = NULL;
        bool multi;
        int r;

        r = check_not_shutting_down(c, a->op, spec, error);
        if (r < 0)
                return r;
        r = resolve_spec(c, spec, &list, &n, error);
        if (r < 0)
                return r;
        multi = spec_is_multi(spec, n);

        if (!caller_owns_all(c, m, list, n)) {
                const char *details[] = { "program", spec, "verb", verb_word(a->op), NULL };
                r = bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_MANAGE, details, error);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 1; /* polkit will call us again */
        }

        /* start / stop / restart are jobs: answered when they end, or at once with their ids. */
        if (bus_op_to_job(a->op) > JOB_NONE)
                return a->no_wait ? bus_jobs_enqueue(m, c, list, n, a->op, a->job_flags, multi, error) :
                                    bus_jobs_wait(m, c, list, n, a->op, a->job_flags, multi, error);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                Program *p = list[i];

                r = verb_apply(p, a);
                /* Freezing a frozen program or thawing a thawed one is not worth an error. */
                if (r == -EALREADY && (a->op == BUS_OP_FREEZE || a->op == BUS_OP_THAW))
                        r = 0;
                /* systemctl: resetting what has not failed is no error, and the program is not "affected". */
                if (r == -EALREADY && a->op == BUS_OP_RESET_FAILED)
                        continue;
                /* all / group:*: the members without a log file are simply not in the answer. */
                if ((r == -EALREADY || (r == -ENODATA && a->op == BUS_OP_ROTATE)) && multi)
                        continue;
                if (r < 0) {
                        if (!multi)
                                return bus_error_set_errno(error, r, a->op, p->name,
                                                           r == -EALREADY ? NULL : p->exit_detail);
                        if (!first_error) {
                                first_error = r;
                                first_failed = p->name;
                        }
                        n_failed++;
                        continue;
                }
                r = sd_bus_message_append(reply, "s", p->name);
                if (r < 0)
                        return r;
        }

        if (first_error) {
                _cleanup_free_ char *msg = NULL;
                sd_bus_error e = SD_BUS_ERROR_NULL;

                (void) bus_error_set_errno(&e, first_error, a->op, first_failed, NULL);
                r = asprintf(&msg, "%zu of %zu programs failed; first: %s", n_failed, n, strna(e.message));
                if (r >= 0)
                        r = sd_bus_error_set(error, e.name, msg);
                else
                        r = -ENOMEM;
                sd_bus_error_free(&e);
                return r;
        }

        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_simple_verb(sd_bus_message *m, void *userdata, sd_bus_error *error, BusOp op) {
        VerbArgs a = { .op = op };
        const char *spec;
        int r;

        r = sd_bus_message_read(m, "s", &spec);
        if (r < 0)
                return r;
        return program_verb(m, userdata, spec, &a, error);
}

static int method_start_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_START);
}

static int method_stop_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_STOP);
}

static int method_restart_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_RESTART);
}

/* The flags of RestartProgramWithFlags / EnqueueJobsWithFlags ("t"): only CGSUP_RESTART_FORCE, only for a
 * restart. */
static int parse_job_flags(uint64_t flags, BusOp op, VerbArgs *a, sd_bus_error *error) {
        if (flags & ~CGSUP_RESTART_FORCE)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%" PRIx64 " (only 0x1, force, is defined).",
                                         flags & ~CGSUP_RESTART_FORCE);
        if (flags != 0 && op != BUS_OP_RESTART)
                return sd_bus_error_set(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                        "The force flag is for a restart only.");
        a->job_flags = (flags & CGSUP_RESTART_FORCE) ? JOB_FLAG_KILL : 0;
        return 0;
}

/* RestartProgramWithFlags(s name, t flags) -> (as affected): RestartProgram; with CGSUP_RESTART_FORCE the stop
 * phase is cgroup.kill at once (restart --force). */
static int method_restart_program_with_flags(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        VerbArgs a = { .op = BUS_OP_RESTART };
        const char *spec;
        uint64_t flags;
        int r;

        r = sd_bus_message_read(m, "st", &spec, &flags);
        if (r < 0)
                return r;
        r = parse_job_flags(flags, a.op, &a, error);
        if (r < 0)
                return r;
        return program_verb(m, userdata, spec, &a, error);
}

static int method_enqueue_jobs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        VerbArgs a = { .no_wait = true };
        const char *verb, *spec;
        uint64_t flags = 0;
        int r;

        r = sd_bus_message_read(m, "ss", &verb, &spec);
        if (r < 0)
                return r;
        if (sd_bus_message_has_signature(m, "sst")) {
                r = sd_bus_message_read(m, "t", &flags);
                if (r < 0)
                        return r;
        }
        switch (job_type_from_string(verb)) {
        case JOB_START:
                a.op = BUS_OP_START;
                break;
        case JOB_STOP:
                a.op = BUS_OP_STOP;
                break;
        case JOB_RESTART:
                a.op = BUS_OP_RESTART;
                break;
        default:
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Invalid job verb '%.32s' (expected \"start\", \"stop\" or \"restart\").",
                                         verb);
        }
        r = parse_job_flags(flags, a.op, &a, error);
        if (r < 0)
                return r;
        return program_verb(m, userdata, spec, &a, error);
}

static int method_freeze_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_FREEZE);
}

static int method_thaw_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_THAW);
}

/* RotateLogs(s name) -> (as rotated): the log files of the programs named rotated now (polkit manage). */
static int method_rotate_logs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_ROTATE);
}

/* ClearLogs(s name) -> (as cleared): the log files of the programs named emptied, and what tail shows
 * (polkit manage). */
static int method_clear_logs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_CLEAR_LOGS);
}

static int method_reset_failed_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return method_simple_verb(m, userdata, error, BUS_OP_RESET_FAILED);
}

static int parse_kill_args(const char *signame, const char *who, VerbArgs *a, sd_bus_error *error) {
        int sig;

        if (strlen(signame) > 32)
                return sd_bus_error_set(error, CGSUP_ERROR_INVALID_ARGUMENT, "Signal name too long.");
        sig = signal_from_string(signame);
        if (sig <= 0 || sig >= _NSIG)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Unknown signal '%s' (expected a name like TERM or SIGHUP, or a number).",
                                         signame);
        a->sig = sig;

        if (isempty(who) || streq(who, "main"))
                a->all_processes = false;
        else if (streq(who, "all"))
                a->all_processes = true;
        else
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Invalid kill target '%.32s' (expected \"main\" or \"all\").", who);
        return 0;
}

static int method_kill_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        VerbArgs a = { .op = BUS_OP_KILL };
        const char *spec, *signame;
        int r;

        r = sd_bus_message_read(m, "ss", &spec, &signame);
        if (r < 0)
                return r;
        r = parse_kill_args(signame, NULL, &a, error);
        if (r < 0)
                return r;
        return program_verb(m, userdata, spec, &a, error);
}

static int method_kill_program_who(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        VerbArgs a = { .op = BUS_OP_KILL };
        const char *spec, *signame, *who;
        int r;

        r = sd_bus_message_read(m, "sss", &spec, &signame, &who);
        if (r < 0)
                return r;
        r = parse_kill_args(signame, who, &a, error);
        if (r < 0)
                return r;
        return program_verb(m, userdata, spec, &a, error);
}

/* numprocs= allows as many (conf-internal.h's CONF_MAX_NUMPROCS) */
#define CGSUP_SCALE_MAX 1000U

/* ScaleProgram(s name, u instances) -> (u old, u new): validate, polkit manage, manager_scale(). */
static int method_scale_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        _cleanup_free_ char *msg = NULL;
        const char *name;
        uint32_t n;
        unsigned old = 0;
        int r;

        r = sd_bus_message_read(m, "su", &name, &n);
        if (r < 0)
                return r;
        r = check_not_shutting_down(c, BUS_OP_START, name, error);
        if (r < 0)
                return r;
        if (!program_name_is_valid(name))
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "'%.64s' is not a program name (" PROGRAM_NAME_RULE ").", name);
        if (n > CGSUP_SCALE_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "%s: %" PRIu32 " instances, more than %u (numprocs' limit).", name, n,
                                         CGSUP_SCALE_MAX);
        const char *details[] = { "program", name, "verb", "scale", NULL };
        r = bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_MANAGE, details, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* denied, or polkit will call us again */

        r = manager_scale(c->manager, name, n, &old, &msg);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, CGSUP_ERROR_NO_SUCH_PROGRAM, "No program '%s' to scale.", name);
        if (r == -EINVAL)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "Cannot scale %s to %" PRIu32 ": %s",
                                         name, n, msg ?: "invalid configuration");
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_START, name, msg);
        return sd_bus_reply_method_return(m, "uu", (uint32_t) old, n);
}

/* ---- reads ---- */

static int append_list_entry(sd_bus_message *reply, Program *p) {
        _cleanup_free_ char *path = NULL;
        uint64_t mem, mem_max = UINT64_MAX, cpu_usec, cpu = UINT64_MAX;
        char sub[512];

        program_read_list_stats(p, &mem, &cpu_usec);
        if (cpu_usec != UINT64_MAX)
                cpu = cpu_usec * NSEC_PER_USEC;
        if (p->config && cgsup_limits_is_set(&p->config->limits, CGSUP_LIMIT_MEMORY_MAX))
                mem_max = p->config->limits.value[CGSUP_LIMIT_MEMORY_MAX];
        if (!bus_program_object_path(p, &path))
                return -ENOMEM;

        return sd_bus_message_append(reply, CGSUP_LIST_PROGRAMS_ENTRY, p->name, strempty(p->group),
                                     strempty(program_state_to_string(p->state)),
                                     p->exit_reason == EXIT_REASON_NONE ? "" :
                                                                          strempty(exit_reason_to_string(p->exit_reason)),
                                     (int32_t) p->exit_code, (int32_t) p->exit_signal, (uint32_t) MAX(p->main_pid, 0),
                                     path, (uint64_t) (p->main_pid > 0 ? p->start_realtime_usec : 0), mem,
                                     mem_max, cpu, (uint32_t) p->survivors, strempty(p->exit_detail),
                                     program_sub_state(p, sub, sizeof(sub)));
}

static int method_list_programs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *c = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', CGSUP_LIST_PROGRAMS_ENTRY);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->manager->n_programs; i++) {
                r = append_list_entry(reply, c->manager->programs[i]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ListProgramSections() -> a(ss): each instance with the section it was made from ("program:worker" for
 * worker_0), what GetProgramConfig() says one program at a time: cgsupctl list-names --programs (scale's
 * completion) in one call. Open to every caller, like the configuration. */
static int method_list_program_sections(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *c = userdata;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < c->manager->n_programs; i++) {
                const Program *p = c->manager->programs[i];
                const ConfigSettings *s = p->config ? p->config->settings : NULL;

                r = sd_bus_message_append(reply, "(ss)", p->name, s ? strempty(s->section) : "");
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int method_get_program(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        Program *p = NULL;
        int r;

        r = bus_read_program(m, c, &p, error);
        if (r < 0)
                return r;
        _cleanup_free_ char *path = NULL;
        if (!bus_program_object_path(p, &path))
                return -ENOMEM;
        return sd_bus_reply_method_return(m, "o", path);
}

/*
 * What can hold secrets (a program's environment values, its output) is not open to every local user like
 * its state is: root, the user who started a transient program (for that program), or a caller polkit
 * authorizes for org.cgsup1.manage. Same return convention as bus_verify_polkit_async(): 1 go on, 0
 * pending (return 1 from the handler), <0 denied with @error set.
 */
static int verify_secret_read(sd_bus_message *m, BusContext *c, Program *p, const char *verb,
                              sd_bus_error *error) {
        const char *details[] = { "program", p->name, "verb", verb, NULL };

        if (caller_owns_all(c, m, &p, 1))
                return 1;
        return bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_MANAGE, details, error);
}

static int method_get_program_environment(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        Program *p = NULL;
        int r;

        r = bus_read_program(m, c, &p, error);
        if (r < 0)
                return r;

        r = verify_secret_read(m, c, p, "environment", error);
        if (r <= 0)
                return r < 0 ? r : 1; /* denied, or polkit will call us again */

        /* When polkit answers, the handler runs again from the top and looks the program up by name once
         * more: one removed by a reload meanwhile is NoSuchProgram, never a stale pointer. */
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **env = NULL;
        r = program_env_values(p, &env);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, env);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* The program's section as it took effect, key by key with file:line (cgsupctl cat). Open to every caller,
 * like the properties: environment= is the one key whose value can hold credentials, so its value is never
 * sent here (hidden = true); GetProgramEnvironment gives it to those allowed to see it. */
static int method_get_program_config(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *c = userdata;
        const ConfigSettings *s;
        Program *p = NULL;
        int r;

        r = bus_read_program(m, c, &p, error);
        if (r < 0)
                return r;
        s = p->config->settings;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "ssu", s ? s->section : "", s ? s->file : "", s ? s->line : 0);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssbsu)");
        for (size_t i = 0; r >= 0 && s && i < s->n_items; i++) {
                const ConfigSetting *it = &s->items[i];
                bool hidden = streq(it->key, "environment");
                r = sd_bus_message_append(reply, "(ssbsu)", it->key, hidden ? "" : it->value, hidden, it->file,
                                          it->line);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Output by cursor; the capture (logcap.c) owns the ring, the log files and what was lost. */
static int method_get_program_output(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(log_chunk_done) LogChunk chunk = {};
        BusContext *c = userdata;
        const char *name, *stream;
        uint64_t cursor, max;
        int which, r;
        Program *p = NULL;

        r = sd_bus_message_read(m, "sstt", &name, &stream, &cursor, &max);
        if (r < 0)
                return r;
        r = bus_find_program(c, name, &p, error);
        if (r < 0)
                return r;
        if (isempty(stream) || streq(stream, "stdout"))
                which = 1;
        else if (streq(stream, "stderr"))
                which = 2;
        else
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Invalid stream '%.32s' (expected \"stdout\" or \"stderr\").", stream);
        if (max == 0)
                max = DEFAULT_OUTPUT_BYTES;
        max = MIN(max, (uint64_t) BUS_OUTPUT_MAX);

        r = verify_secret_read(m, c, p, "tail", error);
        if (r <= 0)
                return r < 0 ? r : 1; /* denied, or polkit will call us again */

        r = program_read_output(p, which, cursor, (size_t) max, &chunk);
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_OUTPUT, name, NULL);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_array(reply, 'y', chunk.data ?: "", chunk.size);
        if (r < 0)
                return r;
        r = sd_bus_message_append(reply, "tt", chunk.next_cursor, chunk.lost);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Bytes for a program's stdin (supervisord's sendProcessStdin). Never blocks: a pipe with no room for all of
 * it refuses the whole write (StdinFull), so the caller can retry. */
static int method_write_program_stdin(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        const char *name;
        const void *data;
        size_t size;
        Program *p = NULL;
        int r;

        r = bus_read_program(m, c, &p, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(m, 'y', &data, &size);
        if (r < 0)
                return r;
        name = p->name;
        r = check_not_shutting_down(c, BUS_OP_WRITE_STDIN, name, error);
        if (r < 0)
                return r;
        if (size > PROGRAM_STDIN_WRITE_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Too much data for the stdin of '%s' at once (%zu bytes, at most %u).",
                                         name, size, PROGRAM_STDIN_WRITE_MAX);

        r = verify_secret_read(m, c, p, "stdin", error);
        if (r <= 0)
                return r < 0 ? r : 1; /* denied, or polkit will call us again */

        r = program_write_stdin(p, data, size);
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_WRITE_STDIN, name, NULL);
        return sd_bus_reply_method_return(m, NULL);
}

/* ---- limits ---- */

/* Values that the kernel would take but that make no sense for a program: refuse them with a message
 * instead of producing a program that is OOM-killed before its first instruction. */
int bus_parse_limit_property(sd_bus_message *m, const char *key, CgsupLimits *limits, sd_bus_error *error) {
        const char *contents;
        CgsupLimit l;
        uint64_t v;
        char type;
        int r;

        l = cgsup_limit_from_property(key);
        if (l < 0)
                return 0;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;
        if (type != 'v' || !contents || strlen(contents) != 1)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "%s: expected a number (t/u) or a string.", key);
        r = sd_bus_message_enter_container(m, 'v', contents);
        if (r < 0)
                return r;

        switch (contents[0]) {
        case 't':
                r = sd_bus_message_read(m, "t", &v);
                break;
        case 'u': {
                uint32_t u;
                r = sd_bus_message_read(m, "u", &u);
                v = u == UINT32_MAX ? CGSUP_LIMIT_INFINITY : u;
                break;
        }
        case 'x':
        case 'i': {
                int64_t x;
                if (contents[0] == 'x')
                        r = sd_bus_message_read(m, "x", &x);
                else {
                        int32_t i;
                        r = sd_bus_message_read(m, "i", &i);
                        x = i;
                }
                if (r >= 0 && x < 0)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "%s must not be negative.",
                                                 key);
                v = (uint64_t) x;
                break;
        }
        case 's': {
                const char *s;
                r = sd_bus_message_read(m, "s", &s);
                if (r < 0)
                        return r;
                if (strlen(s) > 64)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "%s: value too long.", key);
                r = cgsup_limit_parse(l, s, &v);
                if (r < 0)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                 "%s: invalid value '%s' for %s.", key, s, cgsup_limit_to_string(l));
                break;
        }
        default:
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "%s: expected a number (t/u) or a string, got '%s'.", key, contents);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;

        /* The value rules are libcgsup's (the same as for the configuration file). */
        if (cgsup_limit_check_value(l, v) < 0)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "%s: %" PRIu64 " is out of range: %s.",
                                         key, v, cgsup_limit_parse_error(l, -ERANGE));
        cgsup_limits_set(limits, l, v);
        return 1;
}

typedef struct LimitArguments {
        CgsupLimits *limits;
        sd_bus_error *error;
} LimitArguments;

static int read_limit_property(sd_bus_message *m, const char *key, void *userdata) {
        LimitArguments *a = userdata;
        int r;

        r = bus_parse_limit_property(m, key, a->limits, a->error);
        if (r == 0)
                return sd_bus_error_setf(a->error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Unknown or read-only property '%.64s' (settable: MemoryMax, MemoryHigh, "
                                         "MemorySwapMax, TasksMax, CPUQuota, CPUWeight, IOWeight, or their "
                                         "config names memory_max, ...).",
                                         key);
        return r < 0 ? r : 0;
}

static int method_set_properties(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        _cleanup_free_ Program **list = NULL;
        CgsupLimits limits = {};
        const char *spec;
        size_t n = 0;
        int r;

        r = sd_bus_message_read(m, "s", &spec);
        if (r < 0)
                return r;
        r = check_not_shutting_down(c, BUS_OP_SET_LIMIT, spec, error);
        if (r < 0)
                return r;
        r = resolve_spec(c, spec, &list, &n, error);
        if (r < 0)
                return r;

        r = bus_message_read_dict(m, read_limit_property, &(LimitArguments) { &limits, error });
        if (r < 0)
                return r;
        if (limits.set == 0)
                return sd_bus_error_set(error, CGSUP_ERROR_INVALID_ARGUMENT, "No properties given.");

        {
                const char *details[] = { "program", spec, "verb", "set-property", NULL };
                r = bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_MANAGE, details, error);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 1;
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *why = NULL;

                r = program_set_limits(list[i], &limits, &why);
                if (r < 0)
                        return bus_error_set_errno(error, r, BUS_OP_SET_LIMIT, list[i]->name, why);
        }
        return sd_bus_reply_method_return(m, NULL);
}

/* ---- configuration ---- */

static const char *config_path(Manager *m) {
        if (m->config && m->config->main_file)
                return m->config->main_file;
        return m->options.config_path;
}

/* A failed load or reload: an invalid file (-EINVAL, @msg "file:line: ...") is BadConfig. */
static int reload_error(sd_bus_error *error, int r, const char *msg) {
        if (r == -EINVAL)
                return sd_bus_error_setf(error, CGSUP_ERROR_BAD_CONFIG, "Configuration not applied: %s",
                                         msg ?: "invalid configuration");
        return bus_error_set_errno(error, r, BUS_OP_RELOAD, NULL, msg);
}

/* Reread's report from the one rule the reload follows (reload-plan.c). With @keep, the configuration read is
 * kept as m->reread_config. */
static int load_and_diff(Manager *m, ReloadDiff *ret, bool keep, sd_bus_error *error) {
        _cleanup_(config_freep) Config *newc = NULL;
        _cleanup_free_ char *msg = NULL;
        int r;

        r = manager_reload_load(m, &newc, &msg);
        if (r < 0)
                return reload_error(error, r, msg);
        r = manager_reload_diff(m, newc, ret);
        if (r >= 0 && keep) {
                config_free(m->reread_config);
                m->reread_config = TAKE_PTR(newc);
        }
        return r;
}

/* (as added, as changed, as removed): the reply of Reread(), Update() and UpdateGroups(). */
static int diff_reply_new(sd_bus_message *m, const ReloadDiff *d, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, d->added);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, d->changed);
        if (r >= 0)
                r = sd_bus_message_append_strv(reply, d->removed);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(reply);
        return 0;
}

static int reply_diff(sd_bus_message *m, const ReloadDiff *d) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = diff_reply_new(m, d, &reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* Update()/UpdateGroups(): the report once the stops the change began are over (see method_reload()). */
static int reply_diff_when_stopped(sd_bus_message *m, BusContext *c, const ReloadDiff *d, uint32_t jobs_before) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = diff_reply_new(m, d, &reply);
        if (r < 0)
                return r;
        return bus_jobs_reply_when_stopped(c, m, reply, jobs_before);
}

static int verify_reload(sd_bus_message *m, BusContext *c, const char *verb, sd_bus_error *error) {
        const char *details[] = { "verb", verb, NULL };
        return bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_RELOAD, details, error);
}

/* Every method that changes what runs from the file: not while shutting down, then polkit org.cgsup1.reload.
 * >0 go on; 0 polkit is pending (the handler returns 1 and is called again); <0 refused. */
static int check_reload(sd_bus_message *m, BusContext *c, const char *verb, sd_bus_error *error) {
        int r;

        r = check_not_shutting_down(c, BUS_OP_RELOAD, NULL, error);
        if (r < 0)
                return r;
        return verify_reload(m, c, verb, error);
}

static int method_reread(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(reload_diff_done) ReloadDiff diff = {};
        BusContext *c = userdata;
        int r;

        /* Reading the configuration may reveal file contents in error messages: same action as reload. */
        r = verify_reload(m, c, "reread", error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = load_and_diff(c->manager, &diff, true, error);
        if (r < 0)
                return r;
        return reply_diff(m, &diff);
}

static int compare_str_ptr(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int compare_group_ptr(const void *a, const void *b) {
        return strcmp((*(const GroupConfig *const *) a)->name, (*(const GroupConfig *const *) b)->name);
}

/* The names of the groups in use (manager_group_is_active()), sorted for bsearch(); borrowed strings. */
static int groups_in_use(Manager *m, const char ***ret, size_t *ret_n) {
        _cleanup_free_ const char **v = calloc(m->n_programs + 1, sizeof(char *));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_programs; i++) {
                const Program *p = m->programs[i];
                if (!p->transient && !p->remove_when_stopped && p->group)
                        v[n++] = p->group;
        }
        qsort(v, n, sizeof(char *), compare_str_ptr);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* ListConfiguredPrograms() -> a(ssbbii): supervisord's getAllConfigInfo, for supervisorctl's avail: every
 * program instance of the configuration as the last Reread() read it (else as loaded), with whether its group
 * is loaded, autostart, and the program's and its group's priority. The groups in use and the [group:x]
 * sections are sorted once per call and looked up with bsearch(): a row costs O(log n), not a scan. */
static int method_list_configured_programs(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ const char **in_use = NULL;
        _cleanup_free_ GroupConfig **groups = NULL;
        BusContext *c = userdata;
        const Config *conf = c->manager->reread_config ?: c->manager->config;
        size_t n_in_use = 0, n_groups = conf ? conf->n_groups : 0;
        int r;

        r = groups_in_use(c->manager, &in_use, &n_in_use);
        if (r < 0)
                return r;
        groups = calloc(n_groups + 1, sizeof(GroupConfig *));
        if (!groups)
                return -ENOMEM;
        if (n_groups > 0) {
                memcpy(groups, conf->groups, n_groups * sizeof(GroupConfig *));
                qsort(groups, n_groups, sizeof(GroupConfig *), compare_group_ptr);
        }

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(ssbbii)");
        for (size_t i = 0; r >= 0 && conf && i < conf->n_programs; i++) {
                const ProgramConfig *pc = conf->programs[i];
                const GroupConfig key = { .name = pc->group_name }, *kp = &key, *const *g;
                bool used;

                g = n_groups > 0 ? bsearch(&kp, groups, n_groups, sizeof(GroupConfig *), compare_group_ptr) : NULL;
                used = n_in_use > 0 && bsearch(&pc->group_name, in_use, n_in_use, sizeof(char *), compare_str_ptr);
                r = sd_bus_message_append(reply, "(ssbbii)", pc->name, pc->group_name, used, pc->autostart,
                                          pc->priority, g ? (*g)->priority : pc->priority);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

static int do_reload(sd_bus_message *m, BusContext *c, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL;
        int r;

        r = manager_reload(c->manager, &msg);
        if (r < 0)
                return reload_error(error, r, msg);
        return 0;
}

/* Reload(), Update() and UpdateGroups() answer when the programs they stop (removed ones, and the stop half of
 * changed ones' restarts) are stopped and their leaves removed, as supervisorctl's update has stopped a group
 * before it says so; the daemon goes on meanwhile (bus-jobs.c). Reload() too: it makes the same changes as
 * Update(), and a caller that reloads and then reads the states must not see the old generation. A SIGHUP has
 * nobody to answer. The starts that follow are not waited for (supervisord's update does not either). */
static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        BusContext *c = userdata;
        uint32_t jobs_before = c->manager->last_job_id;
        int r;

        r = check_reload(m, c, "reload", error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = do_reload(m, c, error);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        return bus_jobs_reply_when_stopped(c, m, reply, jobs_before);
}

static int method_update(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(reload_diff_done) ReloadDiff diff = {};
        BusContext *c = userdata;
        uint32_t jobs_before = c->manager->last_job_id;
        int r;

        r = check_reload(m, c, "update", error);
        if (r <= 0)
                return r < 0 ? r : 1;
        /* The diff is computed from the same file the reload reads next; a BadConfig here means the reload
         * would have refused it too. */
        r = load_and_diff(c->manager, &diff, false, error);
        if (r < 0)
                return r;
        r = do_reload(m, c, error);
        if (r < 0)
                return r;
        return reply_diff_when_stopped(m, c, &diff, jobs_before);
}

/* UpdateGroups(as groups) -> (as added, as changed, as removed): supervisorctl's `update GROUP...`. The file is
 * read again and only the named groups' part of the difference is applied; every other group runs on as it is
 * (its pending changes stay pending). The reply names groups, not programs. */
static int method_update_groups(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(reload_diff_done) ReloadDiff diff = {};
        _cleanup_(config_freep) Config *file = NULL;
        _cleanup_strv_free_ char **groups = NULL, **moved = NULL;
        _cleanup_free_ char *msg = NULL;
        BusContext *c = userdata;
        uint32_t jobs_before = c->manager->last_job_id;
        int r;

        r = sd_bus_message_read_strv(m, &groups);
        if (r < 0)
                return r;
        if (strv_length(groups) == 0)
                return sd_bus_error_set(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                        "No group given (Update() applies every change).");
        STRV_FOREACH(g, groups) {
                r = validate_name("Group", *g, error);
                if (r < 0)
                        return r;
        }
        r = check_reload(m, c, "update", error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = manager_reload_load(c->manager, &file, &msg);
        if (r >= 0)
                /* A program moving between groups takes its old group along: the reply names it too. */
                r = manager_groups_with_moves(c->manager, file, groups, &moved);
        if (r >= 0)
                r = manager_reload_diff_groups(c->manager, file, moved, &diff);
        if (r < 0) /* a missing file or include is not a missing group */
                return reload_error(error, r, msg);
        r = manager_update_groups(c->manager, &file, groups, &msg);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, CGSUP_ERROR_NO_SUCH_GROUP,
                                         "No such group '%s': it neither runs nor is in %s.", strna(msg),
                                         config_path(c->manager));
        if (r < 0)
                return reload_error(error, r, msg);
        return reply_diff_when_stopped(m, c, &diff, jobs_before);
}

/* AddGroup(s group) and RemoveGroup(s group): the group read and checked, polkit asked. */
static int group_method_prologue(sd_bus_message *m, BusContext *c, const char *verb, const char **ret,
                                 sd_bus_error *error) {
        const char *group;
        int r;

        r = sd_bus_message_read(m, "s", &group);
        if (r < 0)
                return r;
        r = validate_name("Group", group, error);
        if (r < 0)
                return r;
        r = check_reload(m, c, verb, error);
        if (r > 0)
                *ret = group;
        return r;
}

/* AddGroup(s group): supervisord's addProcessGroup, from the file as last read (Reread()), not read again. */
static int method_add_group(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL;
        BusContext *c = userdata;
        const char *group = NULL;
        int r;

        r = group_method_prologue(m, c, "add", &group, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = manager_add_group(c->manager, group, &msg);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, CGSUP_ERROR_GROUP_ACTIVE, "Group '%s' is already active.", group);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, CGSUP_ERROR_NO_SUCH_GROUP,
                                         "No such group '%s' in %s as last read (Reread() reads it again).", group,
                                         config_path(c->manager));
        if (r < 0)
                return reload_error(error, r, msg);
        return sd_bus_reply_method_return(m, NULL);
}

/* RemoveGroup(s group): supervisord's removeProcessGroup: a group whose programs are all stopped leaves what
 * runs, whether or not the file still lists it (then Reread() shows it available again). */
static int method_remove_group(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *msg = NULL;
        BusContext *c = userdata;
        const char *group = NULL;
        Program *p;
        int r;

        r = group_method_prologue(m, c, "remove", &group, error);
        if (r <= 0)
                return r < 0 ? r : 1;
        r = manager_remove_group(c->manager, group, &msg);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, CGSUP_ERROR_NO_SUCH_GROUP, "No group '%s' is active.", group);
        if (r == -EBUSY) {
                p = msg ? manager_find_program(c->manager, msg) : NULL;
                return sd_bus_error_setf(error, CGSUP_ERROR_STILL_RUNNING,
                                         "Group '%s' still runs: program '%s' is %s; stop it first.", group,
                                         strna(msg), p ? program_state_to_string(p->state) : "active");
        }
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_RELOAD, NULL, msg);
        return sd_bus_reply_method_return(m, NULL);
}

/* Shutdown() and ShutdownWithFlags(t flags): CGSUP_SHUTDOWN_NOW skips the graceful stop (also when a
 * graceful shutdown is under way). */
static int method_shutdown(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        uint64_t flags = 0;
        bool now;
        int r;

        if (sd_bus_message_has_signature(m, "t")) {
                r = sd_bus_message_read(m, "t", &flags);
                if (r < 0)
                        return r;
        }
        if (flags & ~CGSUP_SHUTDOWN_NOW)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Unknown flags 0x%" PRIx64 " (only 0x1, now, is defined).",
                                         flags & ~CGSUP_SHUTDOWN_NOW);
        now = flags & CGSUP_SHUTDOWN_NOW;
        if (c->manager->shutting_down && (!now || c->manager->shutdown_killed))
                return sd_bus_reply_method_return(m, NULL);
        r = verify_reload(m, c, "shutdown", error);
        if (r <= 0)
                return r < 0 ? r : 1;
        /* Reply first: the loop may end soon after, and the caller deserves its answer. */
        r = sd_bus_reply_method_return(m, NULL);
        if (r < 0)
                return r;
        r = now ? manager_shutdown_now(c->manager) : manager_shutdown(c->manager);
        if (r < 0)
                log_error_errno(r, "Shutdown requested over D-Bus failed: %m");
        return 1;
}

/* ---- manager properties ---- */

static int property_get_version(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_manager_string(sd_bus *bus, const char *path, const char *interface,
                                       const char *property, sd_bus_message *reply, void *userdata,
                                       sd_bus_error *error) {
        BusContext *c = userdata;
        Manager *m = c->manager;
        _cleanup_free_ char *s = NULL;

        if (streq(property, "CGroup")) {
                if (m->cgroup && asprintf(&s, "/%s", m->cgroup[0] == '/' ? m->cgroup + 1 : m->cgroup) < 0)
                        return -ENOMEM;
                return sd_bus_message_append(reply, "s", strempty(s));
        }
        if (streq(property, "CGroupMount"))
                return sd_bus_message_append(reply, "s", strempty(m->cgroup_mount));
        if (streq(property, "ConfigFile"))
                return sd_bus_message_append(reply, "s", strempty(config_path(m)));
        if (streq(property, "LogFile")) {
                const char *f = m->config ? m->config->daemon.logfile : NULL;
                /* A relative logfile= was opened relative to our working directory: say which file. */
                if (f && f[0] != '/') {
                        _cleanup_free_ char *cwd = getcwd(NULL, 0);
                        if (cwd && asprintf(&s, "%s/%s", cwd, f) < 0)
                                return -ENOMEM;
                        f = s;
                }
                return sd_bus_message_append(reply, "s", strempty(f));
        }
        return -EINVAL;
}

static int property_get_manager_u(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        uint32_t v;

        if (streq(property, "NPrograms"))
                v = (uint32_t) c->manager->n_programs;
        else if (streq(property, "NTransient"))
                v = c->manager->n_transient;
        else if (streq(property, "PID"))
                v = (uint32_t) getpid();
        else
                return -EINVAL;
        return sd_bus_message_append(reply, "u", v);
}

static int property_get_manager_bool(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        BusContext *c = userdata;
        if (streq(property, "UserInstance"))
                return sd_bus_message_append(reply, "b", (int) c->manager->options.user);
        if (streq(property, "ShuttingDown"))
                return sd_bus_message_append(reply, "b", (int) c->manager->shutting_down);
        return -EINVAL;
}

static int property_get_controllers(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        int r;

        r = sd_bus_message_open_container(reply, 'a', "s");
        if (r < 0)
                return r;
        for (unsigned bit = 1; bit <= CGSUP_CONTROLLER_CPUSET; bit <<= 1) {
                const char *n = cgsup_controller_to_string(bit);
                if (!(c->manager->controllers & bit) || !n)
                        continue;
                r = sd_bus_message_append(reply, "s", n);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

const sd_bus_vtable bus_manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PID", "u", property_get_manager_u, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CGroup", "s", property_get_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("CGroupMount", "s", property_get_manager_string, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Controllers", "as", property_get_controllers, 0, 0),
        SD_BUS_PROPERTY("ConfigFile", "s", property_get_manager_string, 0, 0),
        SD_BUS_PROPERTY("LogFile", "s", property_get_manager_string, 0, 0),
        SD_BUS_PROPERTY("UserInstance", "b", property_get_manager_bool, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ShuttingDown", "b", property_get_manager_bool, 0, 0),
        SD_BUS_PROPERTY("NPrograms", "u", property_get_manager_u, 0, 0),
        SD_BUS_PROPERTY("NTransient", "u", property_get_manager_u, 0, 0),

        SD_BUS_METHOD_WITH_ARGS("ListPrograms", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a" CGSUP_LIST_PROGRAMS_ENTRY, programs), method_list_programs,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("o", path), method_get_program,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListProgramSections", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ss)", programs),
                                method_list_program_sections, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMetrics", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a{sv}", daemon, "a(ssa{sv})", programs, "a(sa{sv})", groups),
                                method_get_metrics, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StartProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", affected),
                                method_start_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("StopProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", affected),
                                method_stop_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RestartProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", affected),
                                method_restart_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RestartProgramWithFlags", SD_BUS_ARGS("s", name, "t", flags),
                                SD_BUS_RESULT("as", affected), method_restart_program_with_flags,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnqueueJobs", SD_BUS_ARGS("s", verb, "s", name), SD_BUS_RESULT("a(uss)", jobs),
                                method_enqueue_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnqueueJobsWithFlags", SD_BUS_ARGS("s", verb, "s", name, "t", flags),
                                SD_BUS_RESULT("a(uss)", jobs), method_enqueue_jobs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillProgram", SD_BUS_ARGS("s", name, "s", signal), SD_BUS_RESULT("as", affected),
                                method_kill_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ScaleProgram", SD_BUS_ARGS("s", name, "u", instances),
                                SD_BUS_RESULT("u", old_instances, "u", instances), method_scale_program,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RotateLogs", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", rotated),
                                method_rotate_logs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ClearLogs", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", cleared),
                                method_clear_logs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("KillProgramWho", SD_BUS_ARGS("s", name, "s", signal, "s", who),
                                SD_BUS_RESULT("as", affected), method_kill_program_who, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("FreezeProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", affected),
                                method_freeze_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ThawProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", affected),
                                method_thaw_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ResetFailedProgram", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", affected),
                                method_reset_failed_program, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetProperties", SD_BUS_ARGS("s", name, "a{sv}", properties), SD_BUS_NO_RESULT,
                                method_set_properties, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("WriteProgramStdin", SD_BUS_ARGS("s", name, "ay", data), SD_BUS_NO_RESULT,
                                method_write_program_stdin, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProgramOutput", SD_BUS_ARGS("s", name, "s", stream, "t", cursor, "t", max_bytes),
                                SD_BUS_RESULT("ay", data, "t", next_cursor, "t", lost_bytes), method_get_program_output,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProgramEnvironment", SD_BUS_ARGS("s", name), SD_BUS_RESULT("as", environment),
                                method_get_program_environment, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetProgramConfig", SD_BUS_ARGS("s", name),
                                SD_BUS_RESULT("s", section, "s", file, "u", line, "a(ssbsu)", settings),
                                method_get_program_config, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RunTransient", SD_BUS_ARGS("as", argv, "a{sv}", properties),
                                SD_BUS_RESULT("o", path, "s", name), method_run_transient,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AdoptProcess", SD_BUS_ARGS("u", pid, "a{sv}", options),
                                SD_BUS_RESULT("o", path, "s", name), method_adopt_process,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Reread", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", added, "as", changed, "as", removed),
                                method_reread, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListConfiguredPrograms", SD_BUS_NO_ARGS, SD_BUS_RESULT("a(ssbbii)", programs),
                                method_list_configured_programs, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Update", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", added, "as", changed, "as", removed),
                                method_update, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UpdateGroups", SD_BUS_ARGS("as", groups),
                                SD_BUS_RESULT("as", added, "as", changed, "as", removed), method_update_groups,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddGroup", SD_BUS_ARGS("s", group), SD_BUS_NO_RESULT, method_add_group,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveGroup", SD_BUS_ARGS("s", group), SD_BUS_NO_RESULT, method_remove_group,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Reload", NULL, NULL, method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Shutdown", NULL, NULL, method_shutdown, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ShutdownWithFlags", SD_BUS_ARGS("t", flags), SD_BUS_NO_RESULT, method_shutdown,
                                SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS(CGSUP_SIGNAL_PROGRAM_STATE_CHANGED,
                                SD_BUS_ARGS("s", name, "s", old_state, "s", new_state, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS(CGSUP_SIGNAL_JOB_REMOVED,
                                SD_BUS_ARGS("u", id, "s", program, "s", verb, "s", result, "s", state, "s", reason),
                                0),
        SD_BUS_SIGNAL_WITH_ARGS(CGSUP_SIGNAL_PROGRAM_ADDED, SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS(CGSUP_SIGNAL_PROGRAM_REMOVED, SD_BUS_ARGS("s", name, "o", path), 0),
        SD_BUS_SIGNAL_WITH_ARGS(CGSUP_SIGNAL_TRANSIENT_FINISHED,
                                SD_BUS_ARGS("o", path, "s", name, "s", result, "i", exit_code, "i", exit_signal, "t",
                                            cpu_usage_nsec, "t", memory_peak, "t", wall_usec, "t", oom_kills, "s",
                                            detail),
                                0),
        SD_BUS_VTABLE_END,
};
