/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The event model: supervisord 4's event types (events.py), with their names, supertypes and payloads
 * byte for byte, emitted by the daemon core and delivered to subscribers (event listener pools,
 * webhooks). One owner: the payload text of every event is built here, nowhere else.
 *
 * State changes reach the bus through one call in program_set_state(); the bus translates cgsup's
 * transitions into the order supervisord emits (a failed start is always STARTING -> BACKOFF, FATAL
 * always follows BACKOFF, UNHEALTHY has no supervisord counterpart and is not announced).
 *
 * Handlers run synchronously inside the state change: they must only queue work (a listener's buffer,
 * a webhook request) and never call back into the state machine, nor subscribe or unsubscribe.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event-type.h"
#include "program.h"

typedef struct Event {
        unsigned n_ref;
        EventType type;
        uint64_t serial;        /* supervisord's global serial: counts events that had a subscriber */
        uint64_t realtime_usec; /* when it happened */
        char *payload;          /* supervisord's payload, exactly (the listener's "len:" counts its characters) */
        /* The same facts, structured, for process events (NULL / 0 / -1 otherwise). */
        char *process_name, *group_name;
        ProgramState from_state, to_state; /* _PROGRAM_STATE_INVALID when not a state event */
        pid_t pid;
        int expected;           /* EXITED: 1 or 0; -1 otherwise */
        unsigned tries;         /* STARTING / BACKOFF */
} Event;

Event *event_ref(Event *e);
Event *event_unref(Event *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(Event *, event_unref);
/* Number of characters of the payload as supervisord counts them (Python str length: UTF-8 code points). */
size_t event_payload_len(const Event *e);

typedef struct EventSubscription EventSubscription;
typedef void (*EventHandler)(Manager *m, Event *e, void *userdata);

/* Calls @handler for every event whose type is in @mask, from now on, until the subscription is freed.
 * TICK types arm realtime timers on m->event while someone wants them. */
int event_bus_subscribe(Manager *m, EventMask mask, EventHandler handler, void *userdata, EventSubscription **ret);
/* The same for the daemon's own bookkeeping (an event listener watching its own instances): such a watch
 * does not make an event count for supervisord's serial, which only counts events a subscriber took. */
int event_bus_watch(Manager *m, EventMask mask, EventHandler handler, void *userdata, EventSubscription **ret);
EventSubscription *event_subscription_free(EventSubscription *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(EventSubscription *, event_subscription_free);
/* Whether anyone listens to @t (so emitters skip building payloads nobody reads). */
bool event_bus_wants(Manager *m, EventType t);
/* Everything the bus holds (manager_free). */
void event_bus_free(Manager *m);

/* ---- emitters (the daemon core calls these) ---------------------------------------------------- */

/* @p just went from @old to p->state (program_set_state()). */
void event_bus_program_state(Program *p, ProgramState old);
/* A group (its first instance) was added, or (its last) removed. */
void event_bus_group(Manager *m, const char *group, bool added);
/* SUPERVISOR_STATE_CHANGE_RUNNING (true, after the start) or _STOPPING (false, shutdown begins). */
void event_bus_daemon_state(Manager *m, bool running);
/* PROCESS_LOG_STDOUT / _STDERR (@stream 1 / 2) for bytes @p wrote, if its *_events_enabled says so. */
void event_bus_process_log(Program *p, int stream, const void *data, size_t size);
/* TICK_* with when=@when_sec (the timers call this; tests too). */
void event_bus_tick(Manager *m, EventType tick, uint64_t when_sec);
