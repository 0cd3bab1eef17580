/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Health checks, all asynchronous on the event loop (no blocking connect, no threads of ours):
 *   tcp       non-blocking connect() to host:port within timeout;
 *   http      GET through libcurl's multi interface (curl-event.c): http and https, redirects followed (at
 *             most 5, http(s) only), 2xx/3xx of the last answer is healthy; timeout bounds the whole exchange;
 *   exec      command spawned with cgsup_spawn into a sibling leaf of the instance ("<leaf>.health", inside
 *             the group so group limits bound it), exit 0 within timeout is healthy;
 *   log_line  a POSIX extended regular expression matched against each line the program prints (stdout and
 *             stderr): readiness passes at the first matching line; liveness passes when a line matched
 *             since its previous check (a heartbeat line every interval).
 * A program has up to two checks (conf.h HealthKind), never both running at once: the readiness check from
 * the start until its first pass (which ends the start job and lets depends_on=x:healthy go), then the
 * liveness check. `retries` consecutive failures of either while RUNNING raise PROGRAM_EVENT_HEALTH_FAIL:
 * UNHEALTHY, then a restart job (program-state.c). Failures before the first pass are not counted while
 * start_period lasts; during that time checks repeat every min(interval, 1s) so readiness is seen early.
 * Host names in tcp targets are resolved when the program starts, until that works once (numeric
 * addresses avoid the lookup); while a name does not resolve, every check fails (and counts).
 */

#include <stdbool.h>
#include <stddef.h>

#include "health-target.h" /* health_parse_url(), health_parse_hostport(): in the config reader */
#include "program.h"

int health_check_new(Program *p, HealthKind kind, HealthCheck **ret);
HealthCheck *health_check_free(HealthCheck *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(HealthCheck *, health_check_free);
/* Begin checking the current instance (first check after min(interval, 1s)). */
int health_check_start(HealthCheck *h);
/* Cancel the pending check (connection, transfer, exec child) and the timer. */
void health_check_stop(HealthCheck *h);
/* pid of the exec command in flight (the PID 1 reaper must leave it alone), 0 if none. */
pid_t health_check_pid(const HealthCheck *h);

/* The check that applies to @p now: readiness until it passed once (when there is one), then liveness;
 * _HEALTH_KIND_INVALID when neither is configured. */
HealthKind health_current_kind(const Program *p);
/* Start the check that applies now (creating it on first use), stopping the other one. */
int health_program_start(Program *p);
/* Stop both checks. */
void health_program_stop(Program *p);
/* Free both checks (reload: the configuration they were made from goes away). */
void health_program_free(Program *p);
/* Feed one verdict of the check that applies now (what the async checks call; tests call it directly). */
void health_check_report(Program *p, bool ok, const char *why);

/* Whether an HTTP status counts as healthy (2xx, 3xx). */
bool health_http_status_ok(long status);
