/* SPDX-License-Identifier: MIT */
/*
 * Jobs on the bus, both of systemd's ways:
 * - StartProgram/StopProgram/RestartProgram reply when every job they made has ended (like
 *   "systemd-run --wait"): "as affected" when all are done, else org.cgsup1.Error.JobFailed with one line
 *   per program that failed (state and reason) and a line saying what did succeed. The call is kept
 *   (a reference to the message) and answered from the job_removed hook: the daemon never blocks, and a
 *   client that goes away mid-wait changes nothing (the reply is dropped by the bus).
 * - EnqueueJobs returns the job ids at once; JobRemoved(u id, s program, s verb, s result, s state,
 *   s reason) is emitted when each job ends (also for the daemon's own automatic jobs).
 * - Reload/Update/UpdateGroups reply (their own reply, made beforehand) when every stop the reload began is
 *   over: a stop job ended, a restart's stop phase over (the old leaf removed, the new start begun). Same
 *   table, same hook, plus the state-change hook for the restarts (bus_jobs_program_changed()).
 */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

struct BusJobWait {
        BusJobWait *next;
        sd_bus_message *call;
        BusOp op;
        size_t n, n_pending;
        uint32_t *ids;    /* 0 once the job ended */
        char **names;     /* program of each job */
        char **done;      /* programs whose job is done, in order */
        char *failures;   /* "name: STATE (reason)\n" per failed or canceled job */
        size_t n_failed;
        sd_bus_message *reply; /* sent as it is when all are over (a reload's report), instead of the above */
        bool until_stopped;    /* a restart is over for this call once its stop phase is */
};

static BusJobWait *job_wait_free(BusJobWait *w) {
        if (!w)
                return NULL;
        sd_bus_message_unref(w->call);
        sd_bus_message_unref(w->reply);
        free(w->ids);
        strv_free(w->names);
        strv_free(w->done);
        free(w->failures);
        free(w);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(BusJobWait *, job_wait_free);

void bus_jobs_done(BusContext *c) {
        while (c->job_waits) {
                BusJobWait *w = c->job_waits;
                c->job_waits = w->next;
                job_wait_free(w);
        }
        c->n_job_waits = 0;
        c->n_stop_waits = 0;
}

static const char *op_past(BusOp op) {
        switch (op) {
        case BUS_OP_START:
                return "started";
        case BUS_OP_STOP:
                return "stopped";
        default:
                return "restarted";
        }
}

JobType bus_op_to_job(BusOp op) {
        switch (op) {
        case BUS_OP_START:
                return JOB_START;
        case BUS_OP_STOP:
                return JOB_STOP;
        case BUS_OP_RESTART:
                return JOB_RESTART;
        default:
                return _JOB_TYPE_INVALID;
        }
}

/* "STATE (reason)" of where @p's job ended: the exit summary for a failed start, why for a cancel. */
static int job_outcome(const Program *p, JobResult result, char **ret) {
        char buf[512];

        if (result == JOB_CANCELED)
                return asprintf(ret, "%s (canceled by a later request)", program_state_to_string(p->state)) < 0 ?
                               -ENOMEM : 0;
        return asprintf(ret, "%s (%s)", program_state_to_string(p->state),
                        program_exit_summary(p, buf, sizeof(buf))) < 0 ?
                       -ENOMEM :
                       0;
}

static int job_wait_record(BusJobWait *w, size_t i, const Program *p, JobResult result) {
        _cleanup_free_ char *outcome = NULL, *line = NULL;
        int r;

        w->ids[i] = 0;
        if (result == JOB_DONE)
                return strv_extend(&w->done, w->names[i]);
        r = job_outcome(p, result, &outcome);
        if (r < 0)
                return r;
        if (asprintf(&line, "%s%s: %s\n", strempty(w->failures), w->names[i], outcome) < 0)
                return -ENOMEM;
        free(w->failures);
        w->failures = TAKE_PTR(line);
        w->n_failed++;
        return 0;
}

/* The answer is queued behind the changes of the programs (bus-queue.c): a caller told "stopped" reads the
 * final state from PropertiesChanged as well as from the properties. */
static int job_wait_reply(BusContext *c, BusJobWait *w) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *msg = NULL, *joined = NULL;
        int r;

        if (w->reply) {
                reply = sd_bus_message_ref(w->reply);
                r = 0;
        } else if (w->n_failed > 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;

                joined = strv_join(w->done, ", ");
                if (!joined)
                        return -ENOMEM;
                /* The failures, then what did succeed (busctl prints the message and exits 1). */
                if (asprintf(&msg, "%s%s: %s", w->failures, op_past(w->op), isempty(joined) ? "none" : joined) < 0)
                        return -ENOMEM;
                r = sd_bus_error_set(&e, CGSUP_ERROR_JOB_FAILED, msg);
                if (r < 0 && !sd_bus_error_is_set(&e))
                        return r;
                r = sd_bus_message_new_method_error(w->call, &reply, &e);
        } else {
                r = sd_bus_message_new_method_return(w->call, &reply);
                if (r >= 0)
                        r = sd_bus_message_append_strv(reply, w->done);
        }
        if (r < 0)
                return r;
        r = bus_queue_message(c, reply);
        if (r < 0)
                /* No room to queue it: answer now rather than never. */
                return sd_bus_send(NULL, reply, NULL);
        return 1;
}

static int job_enqueue_one(Program *p, BusOp op, unsigned job_flags, bool multi, uint32_t *ret_id,
                           JobResult *ret_result, sd_bus_error *error) {
        int r;

        r = program_enqueue_flags(p, bus_op_to_job(op), job_flags, ret_id, ret_result);
        if (*ret_id != 0)
                return 0; /* the job says how it went, even when the state machine returned an error */
        if (r == -EALREADY && multi)
                return 0;
        if (r >= 0)
                return 0;
        if (r == -EOPNOTSUPP && p->outside_adopted)
                return sd_bus_error_setf(error, CGSUP_ERROR_FAILED,
                                         "Cannot %s '%s': an adopted process cannot be started again (cgsupd does "
                                         "not know how it was started)",
                                         bus_op_to_string(op) ?: "start", p->name);
        return bus_error_set_errno(error, r, op, p->name, r == -EALREADY ? NULL : p->exit_detail);
}

int bus_jobs_wait(sd_bus_message *m, BusContext *c, Program **list, size_t n, BusOp op, unsigned job_flags,
                  bool multi, sd_bus_error *error) {
        _cleanup_(job_wait_freep) BusJobWait *w = NULL;
        int r;

        if (c->n_job_waits >= BUS_JOB_WAITS_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_TOO_MANY,
                                         "Too many calls waiting for jobs (%u); use EnqueueJobs.",
                                         BUS_JOB_WAITS_MAX);
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->op = op;
        w->call = sd_bus_message_ref(m);
        w->ids = calloc(MAX(n, 1u), sizeof(uint32_t));
        if (!w->ids)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                JobResult res;
                uint32_t id;

                r = job_enqueue_one(list[i], op, job_flags, multi, &id, &res, error);
                if (r < 0 && !multi)
                        return r;
                if (r < 0) {
                        /* One of several could not even be asked: a failure line, the others go on. */
                        _cleanup_free_ char *line = NULL;
                        if (asprintf(&line, "%s%s: %s\n", strempty(w->failures), list[i]->name,
                                     error->message ?: "failed") < 0)
                                return -ENOMEM;
                        free(w->failures);
                        w->failures = TAKE_PTR(line);
                        w->n_failed++;
                        sd_bus_error_free(error);
                        continue;
                }
                if (id == 0)
                        continue; /* nothing to do for this one (already in that state) */
                r = strv_extend(&w->names, list[i]->name);
                if (r < 0)
                        return r;
                w->ids[w->n] = id;
                if (res != _JOB_RESULT_INVALID) {
                        r = job_wait_record(w, w->n, list[i], res);
                        if (r < 0)
                                return r;
                } else
                        w->n_pending++;
                w->n++;
        }

        if (w->n_pending == 0)
                return job_wait_reply(c, w);
        w->next = c->job_waits;
        c->job_waits = TAKE_PTR(w);
        c->n_job_waits++;
        return 1;
}

int bus_jobs_enqueue(sd_bus_message *m, BusContext *c, Program **list, size_t n, BusOp op, unsigned job_flags,
                     bool multi, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(reply, 'a', "(uss)");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                JobResult res;
                uint32_t id;

                r = job_enqueue_one(list[i], op, job_flags, multi, &id, &res, error);
                if (r < 0)
                        return r;
                if (id == 0)
                        continue;
                r = sd_bus_message_append(reply, "(uss)", id, list[i]->name,
                                          job_type_to_string(bus_op_to_job(op)));
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* JobRemoved with the values of the moment the job ended, sent after the changes queued before it. */
static void emit_job_removed(BusContext *c, Program *p, const ProgramJob *job, JobResult result) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        char buf[512];
        int r;

        r = sd_bus_message_new_signal(c->bus, &m, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                      CGSUP_SIGNAL_JOB_REMOVED);
        if (r >= 0)
                r = sd_bus_message_append(m, "ussss" "s", job->id, p->name, job_type_to_string(job->verb),
                                          job_result_to_string(result), program_state_to_string(p->state),
                                          result == JOB_DONE ? "" : program_exit_summary(p, buf, sizeof(buf)));
        if (r >= 0) {
                r = bus_queue_message(c, m);
                if (r < 0)
                        r = sd_bus_send(c->bus, m, NULL); /* no room to queue it: now rather than never */
        }
        if (r < 0)
                log_debug_errno(r, "Failed to emit JobRemoved for %s, ignoring: %m", p->name);
}

/* Job @id of @p is over for the calls waiting on it (@stop_phase: only its stop phase, which counts for
 * until_stopped waits alone); the calls with nothing left to wait for are answered. */
static void job_waits_settle(BusContext *c, Program *p, uint32_t id, JobResult result, bool stop_phase) {
        for (BusJobWait **wp = &c->job_waits; *wp;) {
                BusJobWait *w = *wp;
                bool hit = false;
                int r;

                for (size_t i = 0; i < w->n; i++)
                        if (w->ids[i] == id && (!stop_phase || w->until_stopped)) {
                                r = job_wait_record(w, i, p, result);
                                if (r < 0)
                                        log_oom();
                                w->n_pending--;
                                hit = true;
                        }
                if (!hit || w->n_pending > 0) {
                        wp = &w->next;
                        continue;
                }
                r = job_wait_reply(c, w);
                if (r < 0)
                        log_debug_errno(r, "Failed to answer a call waiting for jobs, ignoring: %m");
                *wp = w->next;
                c->n_job_waits--;
                if (w->until_stopped)
                        c->n_stop_waits--;
                job_wait_free(w);
        }
}

void bus_jobs_removed(BusContext *c, Program *p, const ProgramJob *job, JobResult result) {
        emit_job_removed(c, p, job, result);
        job_waits_settle(c, p, job->id, result, false);
}

/* A restart's stop phase ends where its job turns into a start (the old leaf is gone by then): the state
 * changes right after (STARTING, or STOPPED waiting for a dependency), which calls this. */
void bus_jobs_program_changed(BusContext *c, Program *p) {
        if (c->n_stop_waits == 0 || p->job.id == 0 || p->job.type != JOB_START)
                return;
        job_waits_settle(c, p, p->job.id, JOB_DONE, true);
}

/* Whether @p's job was made after job @before and is stopping something now. Job ids count up and wrap
 * (skipping 0): "after" is the distance from @before, within what was handed out since. */
static bool job_stops_since(const Manager *m, const Program *p, uint32_t before) {
        if (p->job.id == 0 || (p->job.type != JOB_STOP && p->job.type != JOB_RESTART))
                return false;
        return p->job.id - before - 1 < m->last_job_id - before;
}

int bus_jobs_reply_when_stopped(BusContext *c, sd_bus_message *call, sd_bus_message *reply, uint32_t before) {
        _cleanup_(job_wait_freep) BusJobWait *w = NULL;
        Manager *m = c->manager;
        int r;

        assert(call);
        assert(reply);

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->op = BUS_OP_STOP;
        w->until_stopped = true;
        w->call = sd_bus_message_ref(call);
        w->reply = sd_bus_message_ref(reply);
        w->ids = calloc(MAX(m->n_programs, 1u), sizeof(uint32_t));
        if (!w->ids)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];

                if (!job_stops_since(m, p, before))
                        continue;
                r = strv_extend(&w->names, p->name);
                if (r < 0)
                        return r;
                w->ids[w->n++] = p->job.id;
                w->n_pending++;
        }
        if (w->n_pending == 0 || c->n_job_waits >= BUS_JOB_WAITS_MAX) {
                /* Nothing stops; or no room to wait (the change is made already): answer now. */
                if (w->n_pending > 0)
                        log_warning("Too many calls waiting for jobs (%u): answering a reload before its stops end",
                                    BUS_JOB_WAITS_MAX);
                return job_wait_reply(c, w);
        }
        w->next = c->job_waits;
        c->job_waits = TAKE_PTR(w);
        c->n_job_waits++;
        c->n_stop_waits++;
        return 1;
}
