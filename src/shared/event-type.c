/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "event-type.h"
#include "macro.h"

static const char *const type_names[_EVENT_TYPE_MAX] = {
        [EVENT_PROCESS_STATE_STOPPED] = "PROCESS_STATE_STOPPED",
        [EVENT_PROCESS_STATE_EXITED] = "PROCESS_STATE_EXITED",
        [EVENT_PROCESS_STATE_STARTING] = "PROCESS_STATE_STARTING",
        [EVENT_PROCESS_STATE_STOPPING] = "PROCESS_STATE_STOPPING",
        [EVENT_PROCESS_STATE_BACKOFF] = "PROCESS_STATE_BACKOFF",
        [EVENT_PROCESS_STATE_FATAL] = "PROCESS_STATE_FATAL",
        [EVENT_PROCESS_STATE_RUNNING] = "PROCESS_STATE_RUNNING",
        [EVENT_PROCESS_STATE_UNKNOWN] = "PROCESS_STATE_UNKNOWN",
        [EVENT_PROCESS_COMMUNICATION_STDOUT] = "PROCESS_COMMUNICATION_STDOUT",
        [EVENT_PROCESS_COMMUNICATION_STDERR] = "PROCESS_COMMUNICATION_STDERR",
        [EVENT_PROCESS_LOG_STDOUT] = "PROCESS_LOG_STDOUT",
        [EVENT_PROCESS_LOG_STDERR] = "PROCESS_LOG_STDERR",
        [EVENT_REMOTE_COMMUNICATION] = "REMOTE_COMMUNICATION",
        [EVENT_SUPERVISOR_STATE_CHANGE_RUNNING] = "SUPERVISOR_STATE_CHANGE_RUNNING",
        [EVENT_SUPERVISOR_STATE_CHANGE_STOPPING] = "SUPERVISOR_STATE_CHANGE_STOPPING",
        [EVENT_TICK_5] = "TICK_5",
        [EVENT_TICK_60] = "TICK_60",
        [EVENT_TICK_3600] = "TICK_3600",
        [EVENT_PROCESS_GROUP_ADDED] = "PROCESS_GROUP_ADDED",
        [EVENT_PROCESS_GROUP_REMOVED] = "PROCESS_GROUP_REMOVED",
};

#define RANGE(a, b) ((EVENT_MASK(b) - EVENT_MASK(a)) | EVENT_MASK(b))

/* supervisord's abstract types (class hierarchy of events.py). */
static const struct {
        const char *name;
        EventMask mask;
} supertypes[] = {
        { "EVENT", RANGE(0, _EVENT_TYPE_MAX - 1) },
        { "PROCESS_STATE", RANGE(EVENT_PROCESS_STATE_STOPPED, EVENT_PROCESS_STATE_UNKNOWN) },
        { "PROCESS_COMMUNICATION", RANGE(EVENT_PROCESS_COMMUNICATION_STDOUT, EVENT_PROCESS_COMMUNICATION_STDERR) },
        { "PROCESS_LOG", RANGE(EVENT_PROCESS_LOG_STDOUT, EVENT_PROCESS_LOG_STDERR) },
        { "SUPERVISOR_STATE_CHANGE",
          RANGE(EVENT_SUPERVISOR_STATE_CHANGE_RUNNING, EVENT_SUPERVISOR_STATE_CHANGE_STOPPING) },
        { "TICK", RANGE(EVENT_TICK_5, EVENT_TICK_3600) },
        { "PROCESS_GROUP", RANGE(EVENT_PROCESS_GROUP_ADDED, EVENT_PROCESS_GROUP_REMOVED) },
};

const char *event_type_to_string(EventType t) {
        if (t < 0 || t >= _EVENT_TYPE_MAX)
                return NULL;
        return type_names[t];
}

EventMask event_mask_from_string(const char *name) {
        if (!name)
                return 0;
        for (int i = 0; i < _EVENT_TYPE_MAX; i++)
                if (streq(type_names[i], name))
                        return EVENT_MASK(i);
        for (size_t i = 0; i < ELEMENTSOF(supertypes); i++)
                if (streq(supertypes[i].name, name))
                        return supertypes[i].mask;
        return 0;
}

EventMask event_mask_from_name_or_state(const char *name) {
        char state[128];
        EventMask m = event_mask_from_string(name);

        if (m != 0 || !name)
                return m;
        /* FATAL = PROCESS_STATE_FATAL: every program state has its PROCESS_STATE_ event type. */
        if ((size_t) snprintf(state, sizeof(state), "PROCESS_STATE_%s", name) >= sizeof(state))
                return 0;
        return event_mask_from_string(state);
}

int event_mask_from_list(const char *list, EventMask *ret, const char **reterr_name) {
        static char bad[128];
        EventMask mask = 0;
        const char *p = list;

        assert(ret);
        while (p && *p) {
                size_t n;
                char word[128];

                p += strspn(p, ", \t\n");
                n = strcspn(p, ", \t\n");
                if (n == 0)
                        break;
                snprintf(word, sizeof(word), "%.*s", (int) MIN(n, sizeof(word) - 1), p);
                EventMask m = n < sizeof(word) ? event_mask_from_string(word) : 0;
                if (m == 0) {
                        snprintf(bad, sizeof(bad), "%s", word);
                        if (reterr_name)
                                *reterr_name = bad;
                        return -EINVAL;
                }
                mask |= m;
                p += n;
        }
        *ret = mask;
        return 0;
}

