/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * [webhook:NAME] (Kahi's webhooks): every event of the event model (event-bus.h) that the webhook's
 * events= asks for is POSTed to its url as one JSON object, asynchronously through libcurl's multi
 * interface on the loop (curl-event.c), one request at a time per webhook so they arrive in order.
 * A failed delivery (no connection, a timeout, an answer other than 2xx) is tried again after 1 s, 2 s,
 * 4 s, ... (at most 30 s) up to `retries` times, then that event is dropped. Failures are logged once per
 * outage (the first one, then nothing until a delivery works again, which is logged with the count).
 * At most WEBHOOK_QUEUE_MAX events wait per webhook; beyond, the oldest are dropped and counted.
 *
 * The body: {"webhook", "event", "serial", "timestamp" (seconds since the epoch), "program", "group",
 * "from_state", "state", "pid", "expected", "tries", "payload" (supervisord's payload text)}; keys that do
 * not apply to the event are left out.
 */

#include "conf.h"

#define WEBHOOK_QUEUE_MAX 256U

typedef struct Manager Manager;
typedef struct Webhook Webhook;

/* (Re)creates m->webhooks from m->config: the old ones go (their queued events with them). */
int webhooks_setup(Manager *m);
void webhooks_free(Manager *m);
