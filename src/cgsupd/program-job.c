/* SPDX-License-Identifier: MIT */
/*
 * Jobs (systemd's model, one pending job per program): a start, stop or restart asked for by a client,
 * by autostart or by the daemon itself (autorestart, BACKOFF retry, healthcheck restart). The state
 * machine (program-state.c) carries the job out; this file installs, joins, replaces and ends jobs, and
 * says when a job is over: a start at RUNNING (after startsecs, READY=1 and the first passing
 * healthcheck), failed at the first failed attempt; a stop at STOPPED (cgroup empty and removed).
 * Ending a job calls hooks.job_removed, which the bus layer turns into JobRemoved and into the replies
 * of StartProgram/StopProgram/RestartProgram.
 */

#include <assert.h>
#include <inttypes.h>

#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "program-ops.h"
#include "program-schedule.h"

static const char *const job_type_table[_JOB_TYPE_MAX] = {
        [JOB_NONE] = "none",
        [JOB_START] = "start",
        [JOB_STOP] = "stop",
        [JOB_RESTART] = "restart",
};

static const char *const job_result_table[_JOB_RESULT_MAX] = {
        [JOB_DONE] = "done",
        [JOB_FAILED] = "failed",
        [JOB_CANCELED] = "canceled",
};

const char *job_type_to_string(JobType t) {
        if (t < 0 || t >= _JOB_TYPE_MAX)
                return NULL;
        return job_type_table[t];
}

JobType job_type_from_string(const char *s) {
        if (!s)
                return _JOB_TYPE_INVALID;
        for (int i = JOB_START; i < _JOB_TYPE_MAX; i++)
                if (streq(job_type_table[i], s))
                        return (JobType) i;
        return _JOB_TYPE_INVALID;
}

const char *job_result_to_string(JobResult r) {
        if (r < 0 || r >= _JOB_RESULT_MAX)
                return NULL;
        return job_result_table[r];
}

void program_job_finish(Program *p, JobResult result) {
        ProgramJob job = p->job;
        Manager *m = p->manager;

        if (job.id == 0)
                return;
        p->job = (ProgramJob) {};
        p->finished_job_id = job.id;
        p->finished_job_result = result;
        if (job.type == JOB_START)
                p->waiting_for = mfree(p->waiting_for);
        log_program(p, result == JOB_DONE ? LOG_DEBUG : LOG_INFO, "Job %" PRIu32 " (%s%s) %s in state %s", job.id,
                    job.automatic ? "automatic " : "", job_type_to_string(job.verb), job_result_to_string(result),
                    program_state_to_string(p->state));
        if (m->ops->state_saved)
                m->ops->state_saved(p, true);
        if (m->hooks.job_removed)
                m->hooks.job_removed(m, p, &job, result);
}

void program_job_install(Program *p, JobType verb, bool automatic, usec_t due_usec) {
        Manager *m = p->manager;

        assert(verb > JOB_NONE && verb < _JOB_TYPE_MAX);
        program_job_finish(p, JOB_CANCELED);
        if (++m->last_job_id == 0)
                m->last_job_id = 1;
        p->job = (ProgramJob) {
                .id = m->last_job_id,
                .verb = verb,
                .type = verb,
                .automatic = automatic,
                .due_usec = due_usec,
        };
        if (!automatic)
                p->requested_job_id = p->job.id;
}

/* Called after every state change: is the pending job over? A start fails only when the state was just
 * entered (EXITED -> EXITED when survivors leave is not a new failure). */
void program_job_check(Program *p, ProgramState old) {
        bool entered = p->state != old;

        switch (p->job.type) {
        case JOB_STOP:
                if (p->state == PROGRAM_STOPPED)
                        program_job_finish(p, JOB_DONE);
                break;
        case JOB_START:
                if (program_is_ready(p))
                        program_job_finish(p, JOB_DONE);
                else if (entered && p->state == PROGRAM_EXITED && p->config->type == PROGRAM_TYPE_ONESHOT &&
                         p->exit_reason == EXIT_REASON_EXITED &&
                         program_config_exitcode_expected(p->config, p->exit_code))
                        program_job_finish(p, JOB_DONE);
                else if (entered && (p->state == PROGRAM_BACKOFF || p->state == PROGRAM_FATAL ||
                                     p->state == PROGRAM_EXITED || p->state == PROGRAM_UNHEALTHY))
                        program_job_finish(p, JOB_FAILED);
                break;
        default:
                break;
        }
}

/* Whether a request of @type is answered by the pending job: the same request, or a start while a start
 * (or the start half of a restart) is on its way. A start does not wait out an automatic restart's
 * delay: asked by a person, it starts now. */
static bool job_joins(const ProgramJob *job, JobType type, unsigned flags, usec_t now) {
        if (job->id == 0)
                return false;
        switch (type) {
        case JOB_START:
                if (job->automatic && job->due_usec > now)
                        return false;
                return job->type == JOB_START || job->verb == JOB_RESTART;
        case JOB_STOP:
                return job->type == JOB_STOP;
        case JOB_RESTART:
                return !job->automatic && job->verb == JOB_RESTART && (job->kill || !(flags & JOB_FLAG_KILL));
        default:
                return false;
        }
}

int program_enqueue_flags(Program *p, JobType type, unsigned flags, uint32_t *ret_id, JobResult *ret_result) {
        static const ProgramEvent event[_JOB_TYPE_MAX] = {
                [JOB_START] = PROGRAM_EVENT_START,
                [JOB_STOP] = PROGRAM_EVENT_STOP,
                [JOB_RESTART] = PROGRAM_EVENT_RESTART,
        };
        Manager *m = p->manager;
        uint32_t id = 0;
        int r = 0;

        if (type <= JOB_NONE || type >= _JOB_TYPE_MAX)
                return -EINVAL;
        if ((flags & ~(unsigned) _JOB_FLAGS_ALL) || ((flags & JOB_FLAG_KILL) && type != JOB_RESTART))
                return -EINVAL;
        if (ret_id)
                *ret_id = 0;
        if (ret_result)
                *ret_result = _JOB_RESULT_INVALID;
        if (type != JOB_STOP && m->shutting_down)
                return -ESHUTDOWN;
        /* An adopted outside process: cgsupd does not know how it was started. */
        if (type != JOB_STOP && p->outside_adopted)
                return -EOPNOTSUPP;

        program_schedule_request(p, type);
        if (job_joins(&p->job, type, flags, m->ops->now(m)))
                id = p->job.id;
        else {
                p->requested_job_id = 0;
                /* The restart actions read the flags (a forced one kills instead of the stop signal). */
                r = program_dispatch_with(p, event[type], &flags);
                id = p->requested_job_id;
        }
        if (ret_id)
                *ret_id = id;
        if (id != 0 && p->job.id != id && ret_result)
                *ret_result = p->finished_job_id == id ? p->finished_job_result : JOB_CANCELED;
        return r;
}

int program_enqueue(Program *p, JobType type, uint32_t *ret_id, JobResult *ret_result) {
        return program_enqueue_flags(p, type, 0, ret_id, ret_result);
}

int program_start(Program *p) {
        return program_enqueue(p, JOB_START, NULL, NULL);
}

int program_stop(Program *p) {
        return program_enqueue(p, JOB_STOP, NULL, NULL);
}

int program_restart(Program *p) {
        return program_enqueue(p, JOB_RESTART, NULL, NULL);
}

const char *program_sub_state(const Program *p, char *buf, size_t size) {
        const ProgramJob *j = &p->job;
        usec_t now = p->manager->ops->now(p->manager);
        char span[64];

        assert(buf && size > 0);
        buf[0] = '\0';
        if (p->frozen)
                snprintf(buf, size, "frozen");
        else if (j->type == JOB_START && p->waiting_for)
                snprintf(buf, size, "%s", p->waiting_for);
        else if (j->type == JOB_START && j->due_usec > now && p->state == PROGRAM_FATAL)
                snprintf(buf, size, "retry in %s", format_timespan(span, sizeof(span), j->due_usec - now));
        else if (j->type == JOB_START && j->due_usec > now)
                snprintf(buf, size, "restart pending (in %s)",
                         format_timespan(span, sizeof(span), j->due_usec - now));
        else if (j->type == JOB_START && p->state != PROGRAM_STARTING && p->state != PROGRAM_RUNNING)
                snprintf(buf, size, "%s pending (old processes exiting)", job_type_to_string(j->verb));
        else if (j->type == JOB_START && p->state == PROGRAM_RUNNING)
                snprintf(buf, size, "waiting for the readiness check");
        else if (j->id != 0 && p->state == PROGRAM_STOPPING && j->type != JOB_STOP)
                snprintf(buf, size, "restart pending");
        else if (j->id == 0 && program_config_is_scheduled(p->config))
                program_schedule_sub_state(p, buf, size);
        return buf;
}
