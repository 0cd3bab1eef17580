/* SPDX-License-Identifier: MIT */
/*
 * schedule= / interval= (see program-schedule.h). A run is an ordinary start job of a oneshot program
 * (the configuration made it so), contained, limited and logged like any other; this file only decides
 * when to ask for it. Missed ticks (a suspended machine, a clock set forward: the timer fires late) are
 * not replayed, unless schedule_catch_up=true asks for one run.
 */
#include <assert.h>
#include <time.h>

#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "program-ops.h"
#include "program-schedule.h"

/* A tick that fires this much after it was due was missed (suspend, clock jump), not merely late. */
#define SCHEDULE_MISSED_USEC (60 * USEC_PER_SEC)

static clockid_t schedule_clock(const ProgramConfig *c) {
        return c->schedule ? CLOCK_REALTIME : CLOCK_MONOTONIC;
}

static int clock_now(Program *p, clockid_t clock, usec_t *ret) {
        return sd_event_now(p->manager->event, clock, ret);
}

/* The next tick after @after (in the schedule's clock). */
static int next_tick(Program *p, usec_t after, usec_t *ret) {
        const ProgramConfig *c = p->config;
        time_t t;
        int r;

        if (!c->schedule) {
                *ret = after + c->interval;
                return 0;
        }
        r = cron_next(&c->schedule_spec, c->schedule_timezone, (time_t) (after / USEC_PER_SEC), &t);
        if (r < 0)
                return r;
        *ret = (usec_t) t * USEC_PER_SEC;
        return 0;
}

static int set_timer(Program *p, usec_t due);

static void run_tick(Program *p, usec_t due, usec_t now) {
        char buf[64];

        if (now > due + SCHEDULE_MISSED_USEC && !p->config->schedule_catch_up) {
                log_program(p, LOG_NOTICE, "Missed the run due %s ago (suspend or clock change), not replayed "
                            "(schedule_catch_up=false)", format_timespan(buf, sizeof buf, now - due));
                return;
        }
        if (program_is_active(p) || p->job.id != 0) {
                p->schedule_skipped++;
                log_program(p, LOG_WARNING, "Skipped a scheduled run: the previous run is still going (%s)",
                            program_state_to_string(p->state));
                return;
        }
        log_program(p, LOG_INFO, "Scheduled run");
        (void) program_enqueue(p, JOB_START, NULL, NULL);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Program *p = userdata;
        usec_t now, next;
        int r;

        r = clock_now(p, schedule_clock(p->config), &now);
        if (r < 0)
                return 0;
        /* The next tick first: the run below may end synchronously (a spawn failure) and that must not
         * leave the schedule without a timer. Interval: counted from the due time, so runs do not drift;
         * after a long gap from now (missed ticks are not replayed one by one). */
        r = next_tick(p, p->config->schedule ? now : usec, &next);
        if (r >= 0 && next <= now)
                r = next_tick(p, now, &next);
        if (r >= 0)
                r = set_timer(p, next);
        if (r < 0)
                log_program_full_errno(p, LOG_ERR, r, "Schedule stopped, cannot compute the next run: %m");
        run_tick(p, usec, now);
        return 0;
}

static int set_timer(Program *p, usec_t due) {
        clockid_t clock = schedule_clock(p->config);
        int r;

        if (p->schedule_timer && p->schedule_clock != clock)
                p->schedule_timer = sd_event_source_disable_unref(p->schedule_timer);
        if (!p->schedule_timer) {
                /* Calendar runs need no better than a second; intervals get 1 ms (they are measured). */
                r = sd_event_add_time(p->manager->event, &p->schedule_timer, clock, due,
                                      clock == CLOCK_REALTIME ? USEC_PER_SEC : USEC_PER_MSEC, on_tick, p);
                if (r < 0)
                        return r;
                p->schedule_clock = clock;
                (void) sd_event_source_set_description(p->schedule_timer, "program-schedule");
        } else {
                r = sd_event_source_set_time(p->schedule_timer, due);
                if (r < 0)
                        return r;
                r = sd_event_source_set_enabled(p->schedule_timer, SD_EVENT_ONESHOT);
                if (r < 0)
                        return r;
        }
        p->schedule_next_usec = due;
        return 0;
}

int program_schedule_arm(Program *p) {
        usec_t now, next;
        int r;

        assert(p);

        if (!p->config || !program_config_is_scheduled(p->config) || p->transient) {
                program_schedule_disarm(p);
                return 0;
        }
        if (!p->manager->event)
                return 0; /* unit tests drive the state machine without a loop */
        r = clock_now(p, schedule_clock(p->config), &now);
        if (r >= 0)
                r = next_tick(p, now, &next);
        if (r >= 0)
                r = set_timer(p, next);
        if (r < 0)
                return log_program_full_errno(p, LOG_ERR, r, "Failed to arm the schedule: %m");
        p->schedule_paused = false;
        return 0;
}

void program_schedule_disarm(Program *p) {
        assert(p);
        p->schedule_timer = sd_event_source_disable_unref(p->schedule_timer);
        p->schedule_next_usec = 0;
}

void program_schedule_config_changed(Program *p) {
        assert(p);
        if (p->schedule_timer && sd_event_source_get_enabled(p->schedule_timer, NULL) > 0)
                (void) program_schedule_arm(p);
        else if (!p->config || !program_config_is_scheduled(p->config))
                program_schedule_disarm(p);
        else if (!p->schedule_paused && p->config->autostart && !p->schedule_timer)
                (void) program_schedule_arm(p); /* became scheduled by this reload */
}

void program_schedule_request(Program *p, JobType type) {
        assert(p);
        if (!p->config || !program_config_is_scheduled(p->config) || p->transient)
                return;
        if (type == JOB_STOP) {
                if (!p->schedule_paused)
                        log_program(p, LOG_INFO, "Schedule paused until the next start");
                program_schedule_disarm(p);
                p->schedule_paused = true;
        } else if (type == JOB_START || type == JOB_RESTART) {
                bool armed = p->schedule_timer && sd_event_source_get_enabled(p->schedule_timer, NULL) > 0;
                if (!armed)
                        (void) program_schedule_arm(p);
        }
}

usec_t program_schedule_next_realtime(const Program *p) {
        usec_t now_mono, now_rt;

        assert(p);
        if (!p->schedule_timer || p->schedule_next_usec == 0 ||
            sd_event_source_get_enabled(p->schedule_timer, NULL) <= 0)
                return 0;
        if (p->schedule_clock == CLOCK_REALTIME)
                return p->schedule_next_usec;
        if (sd_event_now(p->manager->event, CLOCK_MONOTONIC, &now_mono) < 0 ||
            sd_event_now(p->manager->event, CLOCK_REALTIME, &now_rt) < 0)
                return 0;
        return p->schedule_next_usec > now_mono ? now_rt + (p->schedule_next_usec - now_mono) : now_rt;
}

void program_schedule_sub_state(const Program *p, char *buf, size_t size) {
        usec_t next = program_schedule_next_realtime(p), now;
        char span[64];

        assert(p);
        assert(buf && size > 0);
        if (p->schedule_paused)
                snprintf(buf, size, "schedule paused (start resumes it)");
        else if (next > 0 && sd_event_now(p->manager->event, CLOCK_REALTIME, &now) >= 0)
                snprintf(buf, size, "next run in %s", format_timespan(span, sizeof span,
                                                              next > now ? (next - now) / USEC_PER_SEC * USEC_PER_SEC : 0));
        else
                snprintf(buf, size, "schedule not armed (start arms it)");
}
