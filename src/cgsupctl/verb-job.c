/* SPDX-License-Identifier: MIT */
/*
 * start, stop, restart: jobs that the CLI waits for, as supervisorctl and systemctl do. systemd's client
 * model: subscribe to JobRemoved first, then EnqueueJobs for each NAME (so every program's job runs at
 * once, not one after the other), then wait until each job has ended. A start returns at the first failed
 * attempt (the daemon keeps retrying per startretries). --no-block returns once the jobs are queued;
 * --timeout bounds the wait (the jobs go on in the daemon).
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

typedef struct JobWatch {
        uint32_t id;
        char *program;
        char *result, *state, *reason; /* from JobRemoved; result NULL while the job runs */
} JobWatch;

typedef struct JobSet {
        JobWatch *jobs;
        size_t n;
        /* JobRemoved signals that arrived before we knew their id (a job can end inside EnqueueJobs). */
        JobWatch *early;
        size_t n_early;
} JobSet;

static void job_watch_done(JobWatch *w) {
        free(w->program);
        free(w->result);
        free(w->state);
        free(w->reason);
}

static void job_set_done(JobSet *s) {
        for (size_t i = 0; i < s->n; i++)
                job_watch_done(&s->jobs[i]);
        for (size_t i = 0; i < s->n_early; i++)
                job_watch_done(&s->early[i]);
        free(s->jobs);
        free(s->early);
}

static int job_watch_end(JobWatch *w, const char *result, const char *state, const char *reason) {
        w->result = strdup(result);
        w->state = strdup(state);
        w->reason = strdup(reason);
        return w->result && w->state && w->reason ? 0 : -ENOMEM;
}

static JobWatch *job_set_find(JobWatch *list, size_t n, uint32_t id) {
        for (size_t i = 0; i < n; i++)
                if (list[i].id == id)
                        return &list[i];
        return NULL;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *program, *verb, *result, *state, *reason;
        JobSet *s = userdata;
        JobWatch *w, *e;
        uint32_t id;
        int r;

        r = sd_bus_message_read(m, "ussss" "s", &id, &program, &verb, &result, &state, &reason);
        if (r < 0)
                return 0; /* not ours to judge: ignore a malformed signal */
        w = job_set_find(s->jobs, s->n, id);
        if (w)
                return w->result ? 0 : job_watch_end(w, result, state, reason);
        e = reallocarray(s->early, s->n_early + 1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        s->early = e;
        e = &s->early[s->n_early++];
        *e = (JobWatch) { .id = id };
        return job_watch_end(e, result, state, reason);
}

/* What "nothing to do" means for @verb: a start of what runs, a stop of what does not. */
static const char *nothing_text(const char *verb) {
        return streq(verb, "start") ? "already running" : "not running";
}

/* EnqueueJobs(verb, name), or EnqueueJobsWithFlags(verb, name, flags) when there are flags (restart --force,
 * so a daemon without the flags method still serves the plain verbs): appends the jobs to @s. Returns 0, or 1
 * when there was nothing to do (start: already running, stop: not running), or <0 (error printed). */
static int enqueue(sd_bus *bus, const char *verb, const char *name, uint64_t flags, JobSet *s) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *program, *v;
        uint32_t id;
        int r;

        r = manager_new_call(bus, flags ? "EnqueueJobsWithFlags" : "EnqueueJobs", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", verb, name);
        if (r >= 0 && flags)
                r = sd_bus_message_append(m, "t", flags);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        r = bus_call(bus, m, 0, &error, &reply);
        if (r < 0) {
                /* systemctl: starting what runs is success with nothing to do (the daemon says
                 * AlreadyStarted for a single name), and so is stopping what does not run (supervisorctl
                 * exits 0 there too). */
                if (streq(verb, "start") && sd_bus_error_has_name(&error, CGSUP_ERROR_ALREADY_STARTED))
                        return 1;
                if (streq(verb, "stop") && sd_bus_error_has_name(&error, CGSUP_ERROR_NOT_RUNNING))
                        return 1;
                return bus_log_call_error(&error, r);
        }
        r = sd_bus_message_enter_container(reply, 'a', "(uss)");
        if (r < 0)
                return bus_log_call_error(NULL, r);
        while ((r = sd_bus_message_read(reply, "(uss)", &id, &program, &v)) > 0) {
                JobWatch *w = reallocarray(s->jobs, s->n + 1, sizeof(*w)), *e;
                if (!w)
                        return -ENOMEM;
                s->jobs = w;
                w = &s->jobs[s->n++];
                *w = (JobWatch) { .id = id, .program = strdup(program) };
                if (!w->program)
                        return -ENOMEM;
                e = job_set_find(s->early, s->n_early, id);
                if (e) {
                        w->result = TAKE_PTR(e->result);
                        w->state = TAKE_PTR(e->state);
                        w->reason = TAKE_PTR(e->reason);
                }
        }
        if (r < 0)
                return bus_log_call_error(NULL, r);
        return 0;
}

static bool job_set_has(const JobSet *s, const char *program) {
        for (size_t i = 0; i < s->n; i++)
                if (streq(s->jobs[i].program, program))
                        return true;
        return false;
}

/* Whether @state is what @verb leaves alone: start, a program that runs; stop, one that does not. */
static bool state_needs_nothing(const char *verb, const char *state) {
        if (streq(verb, "start"))
                return state_is_live(state);
        return streq(state, "STOPPED") || streq(state, "EXITED") || streq(state, "FATAL");
}

/* systemctl says nothing to do is success; we also say which programs were left alone, by their names as
 * the jobs carry them ("web", whether asked as "web", "grp:web", "grp" or "all"): EnqueueJobs leaves them
 * out of its reply (a single name gets AlreadyStarted or NotRunning instead). @patterns are the names
 * queued without an error, for start and stop. Appends the programs' names to @unchanged. */
static int note_unchanged(sd_bus *bus, const char *verb, char **patterns, const JobSet *s, char ***unchanged) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        size_t n = 0;
        int r;

        if (!patterns)
                return 0;
        r = list_programs(bus, &reply, &list, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                bool matched = false;

                STRV_FOREACH(p, patterns)
                        matched = matched || list_entry_matches(&list[i], *p);
                if (!matched || !state_needs_nothing(verb, list[i].state) || job_set_has(s, list[i].name))
                        continue;
                r = strv_extend(unchanged, list[i].name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static size_t jobs_running(const JobSet *s) {
        size_t n = 0;
        for (size_t i = 0; i < s->n; i++)
                if (!s->jobs[i].result)
                        n++;
        return n;
}

/* Process the bus until every job has ended or @deadline (CLOCK_MONOTONIC, USEC_INFINITY = none). */
static int wait_jobs(sd_bus *bus, JobSet *s, usec_t deadline) {
        int r;

        while (jobs_running(s) > 0) {
                usec_t n = now_monotonic_usec();

                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return bus_log_call_error(NULL, r);
                if (r > 0)
                        continue;
                if (deadline != USEC_INFINITY && n >= deadline)
                        return -ETIMEDOUT;
                r = sd_bus_wait(bus, deadline == USEC_INFINITY ? UINT64_MAX : deadline - n);
                if (r < 0)
                        return bus_log_call_error(NULL, r);
        }
        return 0;
}

static const char *verb_past(const char *verb) {
        return streq(verb, "start") ? "started" : streq(verb, "stop") ? "stopped" : "restarted";
}

static int report(const char *verb, const JobSet *s, char **unchanged, bool timed_out, const char *timeout_text) {
        _cleanup_json_ struct json_object *root = NULL, *affected = NULL, *jobs = NULL;
        _cleanup_strv_free_ char **done = NULL;
        _cleanup_free_ char *joined = NULL;
        size_t n_failed = 0;

        if (arg_json) {
                root = json_object_new_object();
                affected = json_object_new_array();
                jobs = json_object_new_array();
        }
        STRV_FOREACH(l, unchanged)
                if (!arg_json)
                        printf("%s: %s\n", *l, nothing_text(verb));
        for (size_t i = 0; i < s->n; i++) {
                const JobWatch *w = &s->jobs[i];
                bool ok = w->result && streq(w->result, "done");

                if (jobs) {
                        struct json_object *o = json_object_new_object();
                        json_add(o, "id", json_object_new_int64(w->id));
                        json_add(o, "program", json_object_new_string(w->program));
                        json_add(o, "verb", json_object_new_string(verb));
                        json_add(o, "result", json_object_new_string(w->result ?: "running"));
                        json_add(o, "state", w->state ? json_object_new_string(w->state) : NULL);
                        json_add(o, "reason", isempty(w->reason) ? NULL : json_object_new_string(w->reason));
                        json_object_array_add(jobs, o);
                }
                if (ok) {
                        if (strv_extend(&done, w->program) < 0)
                                return log_oom(), 1;
                        if (affected)
                                json_object_array_add(affected, json_object_new_string(w->program));
                        else
                                printf("%s: %s\n", w->program, verb_past(verb));
                        continue;
                }
                n_failed++;
                if (arg_json)
                        continue;
                if (!w->result)
                        fprintf(stderr, "cgsupctl: %s: the %s job is still running after %s\n", w->program, verb,
                                timeout_text);
                else if (streq(w->result, "canceled"))
                        fprintf(stderr, "cgsupctl: %s: %s canceled by a later request (now %s)\n", w->program, verb,
                                w->state);
                else
                        fprintf(stderr, "cgsupctl: %s: %s%s%s%s\n", w->program, w->state,
                                isempty(w->reason) ? "" : " (", strempty(w->reason), isempty(w->reason) ? "" : ")");
        }
        if (root) {
                json_add(root, "affected", json_object_get(affected));
                json_add(root, "jobs", json_object_get(jobs));
                json_add(root, "unchanged", json_strv(unchanged));
                json_add(root, "ok", json_object_new_boolean(n_failed == 0));
                json_add(root, "timed_out", json_object_new_boolean(timed_out));
                if (json_print(root) < 0)
                        return 1;
        } else if (n_failed > 0) {
                joined = strv_join(done, ", ");
                fprintf(stderr, "cgsupctl: %s: %s\n", verb_past(verb), isempty(joined) ? "none" : joined);
        }
        return n_failed > 0 ? 1 : 0;
}

const struct option job_options[] = {
        { "no-block", no_argument, NULL, 'n' },
        { "timeout", required_argument, NULL, 't' },
        {},
};

/* restart's: the job options and --force (cgroup.kill instead of the stop signal and grace). */
const struct option restart_options[] = {
        { "no-block", no_argument, NULL, 'n' },
        { "timeout", required_argument, NULL, 't' },
        { "force", no_argument, NULL, 'f' },
        {},
};

static int parse_job_options(int argc, char **argv, bool *no_block, usec_t *timeout, uint64_t *flags) {
        int c;

        while ((c = getopt_long(argc, argv, "+", streq(argv[0], "restart") ? restart_options : job_options,
                                NULL)) >= 0)
                switch (c) {
                case 'f':
                        *flags |= CGSUP_RESTART_FORCE;
                        break;
                case 'n':
                        *no_block = true;
                        break;
                case 't':
                        if (parse_sec(optarg, timeout) < 0 || *timeout == 0)
                                return usage_error("invalid --timeout '%s' (expected a duration such as 30s).",
                                                   optarg);
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("%s needs a program name.", argv[0]);
        return 0;
}

int verb_job(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_strv_free_ char **unchanged = NULL, **queued = NULL;
        _cleanup_(job_set_done) JobSet s = {};
        const char *verb = argv[0];
        usec_t timeout = USEC_INFINITY, deadline = USEC_INFINITY;
        bool no_block = false, failed = false;
        uint64_t flags = 0;
        char span[64] = "";
        int r;

        r = parse_job_options(argc, argv, &no_block, &timeout, &flags);
        if (r != 0)
                return r;
        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        if (!no_block) {
                /* Subscribe before the first job is queued: none can end unseen. */
                r = bus_match_signal(bus, &slot, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                     CGSUP_SIGNAL_JOB_REMOVED, on_job_removed, &s);
                if (r < 0) {
                        bus_log_call_error(NULL, r);
                        return 1;
                }
        }
        if (timeout != USEC_INFINITY) {
                deadline = now_monotonic_usec() + timeout;
                format_timespan(span, sizeof(span), timeout);
        }

        for (int a = optind; a < argc; a++) {
                r = enqueue(bus, verb, argv[a], flags, &s);
                if (r < 0)
                        failed = true;
                if (r >= 0 && !streq(verb, "restart") && strv_extend(&queued, argv[a]) < 0)
                        return log_oom(), 1;
        }
        r = note_unchanged(bus, verb, queued, &s, &unchanged);
        if (r < 0) {
                bus_log_call_error(NULL, r);
                failed = true;
        }
        if (no_block) {
                for (size_t i = 0; i < s.n && !arg_json; i++)
                        printf("%s: %s job %" PRIu32 " queued\n", s.jobs[i].program, verb, s.jobs[i].id);
                STRV_FOREACH(l, unchanged)
                        printf("%s: %s\n", *l, nothing_text(verb));
                return failed ? 1 : 0;
        }

        r = wait_jobs(bus, &s, deadline);
        if (r < 0 && r != -ETIMEDOUT)
                return 1;
        if (report(verb, &s, unchanged, r == -ETIMEDOUT, span) != 0)
                failed = true;
        return failed ? 1 : 0;
}
