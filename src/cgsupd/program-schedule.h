/* SPDX-License-Identifier: MIT */
#pragma once

#include "program.h"

/*
 * Scheduled programs (schedule= cron expression, interval= between starts): one sd-event timer per
 * program (CLOCK_REALTIME for a calendar, CLOCK_MONOTONIC for an interval), no polling. Each tick asks
 * for a start job when no run is going (never two at once: a tick that finds the previous run still going
 * is skipped and logged). A person's stop pauses the schedule until the next start.
 */

/* Arms the timer from the program's configuration (disarms it when it has no schedule). Called when the
 * daemon starts its programs (instead of autostarting a scheduled one) and after a reload. */
int program_schedule_arm(Program *p);
void program_schedule_disarm(Program *p);
/* The configuration changed (reload): re-arm an armed schedule with the new one. */
void program_schedule_config_changed(Program *p);
/* A request by a person or client (program_enqueue): a stop pauses the schedule, a start resumes it. */
void program_schedule_request(Program *p, JobType type);
/* For the sub-state of an idle scheduled program: "next run in 5min", "schedule paused (start resumes
 * it)". Written into @buf. */
void program_schedule_sub_state(const Program *p, char *buf, size_t size);
/* CLOCK_REALTIME of the next tick, 0 when none is armed (no schedule, or paused). */
usec_t program_schedule_next_realtime(const Program *p);
