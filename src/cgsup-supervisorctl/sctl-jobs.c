/* SPDX-License-Identifier: MIT */
/*
 * Start or stop several program instances at once and wait for each outcome, as supervisord's
 * startProcess(wait=True) / stopProcess(wait=True) do: "name: started" only once the program is RUNNING,
 * "ERROR (spawn error)" when it fell into BACKOFF/FATAL, "name: stopped" once it is down.
 *
 * cgsupd answers StartProgram/StopProgram either when the job finished (org.cgsup1.Error.JobFailed when it
 * failed) or as soon as the job was queued (older daemons). Both are handled the same way: the outcome is
 * the state the program reaches, read from ProgramStateChanged signals (subscribed before the calls, so
 * none is missed) and, when no signal came yet, from the program's State property.
 */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgsup/bus-names.h"
#include "macro.h"
#include "sctl.h"

#define JOB_CALL_TIMEOUT_USEC (3600 * USEC_PER_SEC)
/* Calls awaiting their reply at once. dbus-daemon refuses more than max_replies_per_connection (128 on the
 * system bus by default: "The maximum number of pending replies per connection has been reached"), and a
 * reply comes only when its job ended, so "stop all" on 1,000 programs sent every call at once and 872 of
 * them failed. The rest are sent as replies come in; query_states() may add one synchronous call. */
#define JOBS_IN_FLIGHT_MAX 64

typedef struct Job {
        JobKind kind;
        const Proc *proc;
        sd_bus_slot *slot;
        bool replied, resolved, state_from_signal;
        char *state; /* the last state seen since the call was sent, NULL = none yet */
        Fault fault;
        struct JobSet *set;
} Job;

typedef struct JobSet {
        Job *jobs;
        size_t n;
        size_t n_sent, n_in_flight;
        sd_bus *bus;
        int send_error; /* the first failure to send a call, 0 = none */
} JobSet;

static void job_resolve(Job *j, Fault f) {
        j->fault = f;
        j->resolved = true;
}

/* Decide from the last state seen, once the daemon accepted the job. */
static void job_judge(Job *j) {
        if (!j->replied || j->resolved || !j->state)
                return;

        if (j->kind == JOB_STOP) {
                if (state_is_stopped(j->state))
                        job_resolve(j, FAULT_SUCCESS);
                return;
        }
        if (streq(j->state, "RUNNING") || streq(j->state, "UNHEALTHY"))
                job_resolve(j, FAULT_SUCCESS);
        else if (streq(j->state, "BACKOFF") || streq(j->state, "FATAL"))
                job_resolve(j, FAULT_SPAWN_ERROR);
        else if (streq(j->state, "EXITED") || (streq(j->state, "STOPPED") && j->state_from_signal))
                /* It ran and ended without reaching RUNNING, or was stopped meanwhile (supervisord's
                 * ABNORMAL_TERMINATION). A STOPPED read from the property may still be a start waiting for a
                 * dependency: wait for a transition. */
                job_resolve(j, FAULT_ABNORMAL_TERMINATION);
}

static int job_set_state(Job *j, const char *state, bool from_signal) {
        char *s = strdup(state);
        if (!s)
                return -ENOMEM;
        free(j->state);
        j->state = s;
        j->state_from_signal = from_signal;
        job_judge(j);
        return 0;
}

static int on_state_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        JobSet *set = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0)
                return 0;
        /* Only jobs already sent: a change before the call is not its outcome. */
        for (size_t i = 0; i < set->n_sent; i++)
                if (!set->jobs[i].resolved && streq(set->jobs[i].proc->name, name))
                        (void) job_set_state(&set->jobs[i], new, true);
        return 0;
}

static int job_send(sd_bus *bus, Job *j, JobSet *set);

/* Send calls until JOBS_IN_FLIGHT_MAX await replies or every job was sent. */
static void send_more(JobSet *set) {
        while (set->send_error == 0 && set->n_sent < set->n && set->n_in_flight < JOBS_IN_FLIGHT_MAX) {
                int r = job_send(set->bus, &set->jobs[set->n_sent], set);
                if (r < 0) {
                        set->send_error = r;
                        return;
                }
                set->n_sent++;
                set->n_in_flight++;
        }
}

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Job *j = userdata;
        JobSet *set = j->set;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        j->slot = sd_bus_slot_unref(j->slot);
        assert(set->n_in_flight > 0);
        set->n_in_flight--;
        send_more(set);
        if (e) {
                Fault f = fault_from_bus_error(e);

                /* The reasons a start fails are all "spawn error" for supervisorctl; a failed stop job is
                 * FAILED. Keep the daemon's words for people. */
                if (j->kind == JOB_STOP && f == FAULT_SPAWN_ERROR)
                        f = FAULT_FAILED;
                if (sd_bus_error_has_name(e, CGSUP_ERROR_JOB_FAILED))
                        /* Its first line already says "name: STATE (reason)"; the last one sums up a
                         * whole call, and this call was for one program. */
                        ctl_note("%.*s", (int) strcspn(strempty(e->message), "\n"), strempty(e->message));
                else if (f == FAULT_FAILED || f == FAULT_SPAWN_ERROR)
                        ctl_note("%s: %s", j->proc->name, strna(e->message));
                job_resolve(j, f);
                return 0;
        }
        j->replied = true;
        job_judge(j);
        return 0;
}

static int job_send(sd_bus *bus, Job *j, JobSet *set) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                           j->kind == JOB_START ? "StartProgram" : "StopProgram");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", j->proc->name);
        if (r >= 0)
                r = sd_bus_call_async(bus, &j->slot, m, on_reply, j, JOB_CALL_TIMEOUT_USEC);
        if (r >= 0)
                j->set = set;
        return r;
}

static bool all_resolved(const JobSet *set) {
        for (size_t i = 0; i < set->n; i++)
                if (!set->jobs[i].resolved)
                        return false;
        return true;
}

/* Accepted jobs for which no signal told the state yet: ask the program object. */
static int query_states(Ctl *c, JobSet *set) {
        int r;

        for (size_t i = 0; i < set->n; i++) {
                Job *j = &set->jobs[i];
                _cleanup_free_ char *state = NULL;

                if (!j->replied || j->resolved || j->state)
                        continue;
                r = ctl_program_property(c, j->proc->name, "State", 's', &state);
                if (r < 0)
                        return r;
                r = job_set_state(j, state, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int wait_jobs(Ctl *c, sd_bus *bus, JobSet *set) {
        int r;

        for (;;) {
                if (set->send_error < 0)
                        return set->send_error;
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                r = query_states(c, set);
                if (r < 0)
                        return r;
                if (all_resolved(set))
                        return 0;
                /* Every job ends in a signal, a reply, or the connection dropping: no timer needed beyond
                 * the method call timeout. */
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return r;
        }
}

int ctl_run_jobs(Ctl *c, JobKind kind, const Proc *const *targets, size_t n, Fault *ret_faults) {
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *match = NULL;
        JobSet set = {};
        sd_bus *bus;
        int r;

        assert(ret_faults);
        if (n == 0)
                return 0;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return ctl_log_bus_error(c, NULL, r);
        set.jobs = calloc(n, sizeof *set.jobs);
        if (!set.jobs)
                return -ENOMEM;
        set.n = n;
        set.bus = bus;

        r = sd_bus_match_signal(bus, &match, NULL, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                CGSUP_SIGNAL_PROGRAM_STATE_CHANGED, on_state_changed, &set);
        for (size_t i = 0; i < n; i++)
                set.jobs[i] = (Job) { .kind = kind, .proc = targets[i] };
        if (r >= 0) {
                send_more(&set);
                r = set.send_error;
        }
        if (r >= 0)
                r = wait_jobs(c, bus, &set);
        if (r < 0)
                (void) ctl_log_bus_error(c, NULL, r);

        for (size_t i = 0; i < n; i++) {
                ret_faults[i] = set.jobs[i].resolved ? set.jobs[i].fault : FAULT_FAILED;
                sd_bus_slot_unref(set.jobs[i].slot);
                free(set.jobs[i].state);
        }
        free(set.jobs);
        return r < 0 ? r : 0;
}
