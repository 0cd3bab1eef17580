/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The names of supervisord 4's event types (supervisor/events.py EventTypes), concrete and abstract: the
 * vocabulary of [eventlistener:x] events= (and of anything else that subscribes to events). Shared by the
 * configuration reader, which checks the names when the file is read, and by the daemon's event model
 * (src/cgsupd/event-bus.h), which builds and delivers the events.
 */

#include <errno.h>
#include <stdint.h>

typedef enum EventType {
        EVENT_PROCESS_STATE_STOPPED,
        EVENT_PROCESS_STATE_EXITED,
        EVENT_PROCESS_STATE_STARTING,
        EVENT_PROCESS_STATE_STOPPING,
        EVENT_PROCESS_STATE_BACKOFF,
        EVENT_PROCESS_STATE_FATAL,
        EVENT_PROCESS_STATE_RUNNING,
        EVENT_PROCESS_STATE_UNKNOWN,
        EVENT_PROCESS_COMMUNICATION_STDOUT, /* accepted in events= like supervisord; cgsup never emits them */
        EVENT_PROCESS_COMMUNICATION_STDERR,
        EVENT_PROCESS_LOG_STDOUT,           /* programs with stdout_events_enabled=true */
        EVENT_PROCESS_LOG_STDERR,
        EVENT_REMOTE_COMMUNICATION,         /* accepted; there is no XML-RPC to send one */
        EVENT_SUPERVISOR_STATE_CHANGE_RUNNING,
        EVENT_SUPERVISOR_STATE_CHANGE_STOPPING,
        EVENT_TICK_5,
        EVENT_TICK_60,
        EVENT_TICK_3600,
        EVENT_PROCESS_GROUP_ADDED,
        EVENT_PROCESS_GROUP_REMOVED,
        _EVENT_TYPE_MAX,
        _EVENT_TYPE_INVALID = -EINVAL,
} EventType;

/* A set of concrete event types. */
typedef uint64_t EventMask;
#define EVENT_MASK(t) ((EventMask) 1 << (t))

/* supervisord's name of a concrete type ("PROCESS_STATE_RUNNING"). */
const char *event_type_to_string(EventType t);
/* A concrete or abstract name (EVENT, PROCESS_STATE, PROCESS_LOG, PROCESS_COMMUNICATION,
 * SUPERVISOR_STATE_CHANGE, TICK, PROCESS_GROUP) to the concrete types it covers; 0 when unknown. */
EventMask event_mask_from_string(const char *name);
/* As event_mask_from_string(), or a program state's name (webhooks' events=: FATAL means
 * PROCESS_STATE_FATAL); 0 when it is neither. */
EventMask event_mask_from_name_or_state(const char *name);
/* A comma/space separated list (supervisord's events= value); -EINVAL with the bad name in *reterr_name
 * (points into a static buffer: copy it) when one is unknown. */
int event_mask_from_list(const char *list, EventMask *ret, const char **reterr_name);
