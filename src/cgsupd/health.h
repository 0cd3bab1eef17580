/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Healthchecks, all asynchronous on the event loop (no blocking connect, no threads):
 *   tcp   non-blocking connect() to host:port within timeout;
 *   http  GET over a plain TCP socket, the status line decides (2xx/3xx healthy);
 *   exec  command spawned with cgsup_spawn into a sibling leaf of the instance ("<leaf>.health", inside
 *         the group so group limits bound it), exit 0 within timeout is healthy.
 * Readiness: the first success (gates depends_on=x:healthy). Liveness: `retries` consecutive failures
 * while RUNNING raise PROGRAM_EVENT_HEALTH_FAIL. Failures before the first success are not counted while
 * start_period lasts; during that time checks repeat every min(interval, 1s) so readiness is seen early.
 * Host names in targets are resolved when the program starts, until that works once (numeric addresses
 * avoid the lookup); while a name does not resolve, every check fails (and counts).
 */

#include <stdbool.h>
#include <stddef.h>

#include "health-target.h" /* health_parse_url(), health_parse_hostport(): in the config reader */
#include "program.h"

int health_check_new(Program *p, HealthCheck **ret);
HealthCheck *health_check_free(HealthCheck *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(HealthCheck *, health_check_free);
/* Begin checking the current instance (first check after min(interval, 1s)). */
int health_check_start(HealthCheck *h);
/* Cancel the pending check (connection, exec child) and the timer. */
void health_check_stop(HealthCheck *h);
/* pid of the exec command in flight (the PID 1 reaper must leave it alone), 0 if none. */
pid_t health_check_pid(const HealthCheck *h);
/* Feed one verdict (what the async checks call; tests call it directly). */
void health_check_report(Program *p, bool ok, const char *why);

/* Parse the status line of an HTTP response held in buf[0..n). Returns 1 with *ret_status when complete,
 * 0 when more bytes are needed, -EBADMSG when it is not HTTP. */
int health_http_parse_status(const char *buf, size_t n, int *ret_status);
/* Whether an HTTP status counts as healthy (2xx, 3xx). */
bool health_http_status_ok(int status);
