/* SPDX-License-Identifier: MIT */
/*
 * The event model (event-bus.h): supervisord 4's types and payloads (supervisor/events.py), a global
 * serial, subscriptions by type mask, and the TICK timers. Payload formats, as supervisord writes them:
 *
 *   PROCESS_STATE_*   processname:N groupname:G from_state:S [tries:T | expected:E pid:P | pid:P]
 *   PROCESS_LOG_*     processname:N groupname:G pid:P channel:stdout\nDATA
 *   PROCESS_GROUP_*   groupname:G\n
 *   SUPERVISOR_STATE_CHANGE_*   (empty)
 *   TICK_*            when:SECONDS
 */
#include <assert.h>
#include <time.h>

#include "event-bus.h"
#include "log.h"
#include "manager.h"
#include "program-ops.h"

#define TICK_MASK (EVENT_MASK(EVENT_TICK_5) | EVENT_MASK(EVENT_TICK_60) | EVENT_MASK(EVENT_TICK_3600))

static const unsigned tick_periods[3] = { 5, 60, 3600 };

struct EventSubscription {
        Manager *manager;
        EventMask mask;
        EventHandler handler;
        void *userdata;
        bool quiet;              /* event_bus_watch(): no serial */
};

typedef struct EventBus {
        EventSubscription **subs;
        size_t n_subs;
        uint64_t serial;         /* last serial given (supervisord's GlobalSerial starts at 0) */
        bool serial_used;
        sd_event_source *tick_timer;
        uint64_t last_tick[3];   /* the slice each TICK_* last fired for (supervisord's self.ticks) */
} EventBus;

Event *event_ref(Event *e) {
        if (e)
                e->n_ref++;
        return e;
}

Event *event_unref(Event *e) {
        if (!e || --e->n_ref > 0)
                return NULL;
        free(e->payload);
        free(e->process_name);
        free(e->group_name);
        free(e);
        return NULL;
}

size_t event_payload_len(const Event *e) {
        size_t n = 0;

        /* Python's len() of the decoded str: count every byte that does not continue a UTF-8 sequence. */
        for (const unsigned char *s = (const unsigned char *) e->payload; s && *s; s++)
                if ((*s & 0xc0) != 0x80)
                        n++;
        return n;
}

static EventBus *bus_get(Manager *m, bool create) {
        if (!m->event_bus && create)
                m->event_bus = calloc(1, sizeof(EventBus));
        return m->event_bus;
}

static EventMask wanted_mask(Manager *m) {
        EventBus *b = bus_get(m, false);
        EventMask mask = 0;

        if (!b)
                return 0;
        for (size_t i = 0; i < b->n_subs; i++)
                mask |= b->subs[i]->mask;
        return mask;
}

bool event_bus_wants(Manager *m, EventType t) {
        return m && (wanted_mask(m) & EVENT_MASK(t)) != 0;
}

/* supervisord's timeslice(): the start of the period @now falls in. */
static uint64_t timeslice(unsigned period, uint64_t now_sec) {
        return now_sec - now_sec % period;
}

static int tick_arm(Manager *m);

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        EventBus *b = bus_get(m, false);
        uint64_t now_sec = usec / USEC_PER_SEC;

        if (!b)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(tick_periods); i++) {
                uint64_t slice = timeslice(tick_periods[i], now_sec);
                if (slice != b->last_tick[i]) {
                        b->last_tick[i] = slice;
                        event_bus_tick(m, EVENT_TICK_5 + (EventType) i, slice);
                }
        }
        (void) tick_arm(m);
        return 0;
}

/* One realtime timer at the next 5 s boundary serves all three periods (60 and 3600 are multiples). */
static int tick_arm(Manager *m) {
        EventBus *b = bus_get(m, false);
        struct timespec ts;
        uint64_t now_sec, next;
        int r;

        if (!b || !m->event)
                return 0;
        if (!(wanted_mask(m) & TICK_MASK)) {
                b->tick_timer = sd_event_source_disable_unref(b->tick_timer);
                return 0;
        }
        if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
                return -errno;
        now_sec = (uint64_t) ts.tv_sec;
        if (b->last_tick[0] == 0)
                /* supervisord remembers the current slices first and ticks at the next boundary. */
                for (size_t i = 0; i < ELEMENTSOF(tick_periods); i++)
                        b->last_tick[i] = timeslice(tick_periods[i], now_sec);
        next = (timeslice(5, now_sec) + 5) * USEC_PER_SEC;
        if (b->tick_timer)
                return sd_event_source_set_time(b->tick_timer, next) < 0 ? -EIO :
                       sd_event_source_set_enabled(b->tick_timer, SD_EVENT_ONESHOT);
        r = sd_event_add_time(m->event, &b->tick_timer, CLOCK_REALTIME, next, USEC_PER_SEC / 10, on_tick, m);
        if (r < 0)
                return log_warning_errno(r, "Cannot arm the TICK event timer, ignoring: %m");
        (void) sd_event_source_set_description(b->tick_timer, "event-tick");
        return 0;
}

static int subscribe(Manager *m, EventMask mask, bool quiet, EventHandler handler, void *userdata,
                     EventSubscription **ret) {
        EventBus *b = bus_get(m, true);
        EventSubscription *s, **a;

        assert(handler);
        assert(ret);
        if (!b)
                return -ENOMEM;
        s = calloc(1, sizeof(EventSubscription));
        if (!s)
                return -ENOMEM;
        a = reallocarray(b->subs, b->n_subs + 1, sizeof(*a));
        if (!a) {
                free(s);
                return -ENOMEM;
        }
        *s = (EventSubscription) {
                .manager = m, .mask = mask, .handler = handler, .userdata = userdata, .quiet = quiet,
        };
        b->subs = a;
        b->subs[b->n_subs++] = s;
        if (mask & TICK_MASK)
                (void) tick_arm(m);
        *ret = s;
        return 0;
}

int event_bus_subscribe(Manager *m, EventMask mask, EventHandler handler, void *userdata, EventSubscription **ret) {
        return subscribe(m, mask, false, handler, userdata, ret);
}

int event_bus_watch(Manager *m, EventMask mask, EventHandler handler, void *userdata, EventSubscription **ret) {
        return subscribe(m, mask, true, handler, userdata, ret);
}

EventSubscription *event_subscription_free(EventSubscription *s) {
        EventBus *b;

        if (!s)
                return NULL;
        b = bus_get(s->manager, false);
        for (size_t i = 0; b && i < b->n_subs; i++)
                if (b->subs[i] == s) {
                        memmove(b->subs + i, b->subs + i + 1, sizeof(*b->subs) * (b->n_subs - i - 1));
                        b->n_subs--;
                        break;
                }
        if (s->mask & TICK_MASK)
                (void) tick_arm(s->manager);
        free(s);
        return NULL;
}

void event_bus_free(Manager *m) {
        EventBus *b = bus_get(m, false);

        if (!b)
                return;
        /* Subscribers free their subscriptions first (they are owned by the pools/webhooks); whatever is
         * left is freed here so nothing leaks. */
        for (size_t i = 0; i < b->n_subs; i++)
                free(b->subs[i]);
        free(b->subs);
        sd_event_source_disable_unref(b->tick_timer);
        free(b);
        m->event_bus = NULL;
}

static Event *event_new(Manager *m, EventType t) {
        Event *e = calloc(1, sizeof(Event));
        struct timespec ts;

        if (!e)
                return NULL;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        *e = (Event) {
                .n_ref = 1,
                .type = t,
                .realtime_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000,
                .from_state = _PROGRAM_STATE_INVALID,
                .to_state = _PROGRAM_STATE_INVALID,
                .expected = -1,
        };
        return e;
}

/* Delivers @e (consumed) to every subscriber of its type; it gets the next serial only if one wants it. */
static void deliver(Manager *m, Event *e) {
        _cleanup_(event_unrefp) Event *owned = e;
        EventBus *b = bus_get(m, false);
        _cleanup_free_ EventSubscription **snapshot = NULL;
        size_t n = 0;
        bool counted = false;

        if (!e || !b)
                return;
        /* A handler may not subscribe or unsubscribe, but be robust anyway: deliver to a snapshot. */
        snapshot = calloc(b->n_subs + 1, sizeof(*snapshot));
        if (!snapshot) {
                log_warning("Out of memory, dropping the %s event", event_type_to_string(e->type));
                return;
        }
        for (size_t i = 0; i < b->n_subs; i++)
                if (b->subs[i]->mask & EVENT_MASK(e->type)) {
                        snapshot[n++] = b->subs[i];
                        counted = counted || !b->subs[i]->quiet;
                }
        if (n == 0)
                return;
        /* supervisord: the first serial given is 0, then +1 per event a pool accepted. */
        if (counted) {
                e->serial = b->serial_used ? ++b->serial : 0;
                b->serial_used = true;
        }
        for (size_t i = 0; i < n; i++)
                snapshot[i]->handler(m, e, snapshot[i]->userdata);
}

static const char *supervisord_state_name(ProgramState s) {
        /* cgsup's UNHEALTHY is a RUNNING program as far as supervisord's listeners know. */
        return program_state_to_string(s == PROGRAM_UNHEALTHY ? PROGRAM_RUNNING : s);
}

static EventType state_event_type(ProgramState s) {
        switch (s) {
        case PROGRAM_STOPPED:
                return EVENT_PROCESS_STATE_STOPPED;
        case PROGRAM_STARTING:
                return EVENT_PROCESS_STATE_STARTING;
        case PROGRAM_RUNNING:
                return EVENT_PROCESS_STATE_RUNNING;
        case PROGRAM_BACKOFF:
                return EVENT_PROCESS_STATE_BACKOFF;
        case PROGRAM_STOPPING:
                return EVENT_PROCESS_STATE_STOPPING;
        case PROGRAM_EXITED:
                return EVENT_PROCESS_STATE_EXITED;
        case PROGRAM_FATAL:
                return EVENT_PROCESS_STATE_FATAL;
        default:
                return _EVENT_TYPE_INVALID;
        }
}

/* The pid that just ended (EXITED, STOPPED after STOPPING): record_exit() already cleared main_pid. */
static pid_t ended_pid(const Program *p) {
        const ProgramExit *x = program_last_exit(p);
        return x ? x->pid : 0;
}

static void emit_state(Program *p, ProgramState from, ProgramState to, unsigned tries) {
        Manager *m = p->manager;
        EventType t = state_event_type(to);
        _cleanup_(event_unrefp) Event *e = NULL;
        int r;

        if (t < 0 || !event_bus_wants(m, t))
                return;
        e = event_new(m, t);
        if (!e)
                goto oom;
        e->process_name = strdup(p->name);
        e->group_name = strdup(p->group ?: p->name);
        if (!e->process_name || !e->group_name)
                goto oom;
        e->from_state = from;
        e->to_state = to;
        e->tries = tries;
        switch (to) {
        case PROGRAM_STARTING:
        case PROGRAM_BACKOFF:
                r = asprintf(&e->payload, "processname:%s groupname:%s from_state:%s tries:%u", e->process_name,
                             e->group_name, supervisord_state_name(from), tries);
                break;
        case PROGRAM_EXITED:
                e->pid = p->main_pid > 0 ? p->main_pid : ended_pid(p);
                e->expected = p->exit_reason == EXIT_REASON_EXITED &&
                              program_config_exitcode_expected(p->config, p->exit_code);
                r = asprintf(&e->payload, "processname:%s groupname:%s from_state:%s expected:%d pid:%d",
                             e->process_name, e->group_name, supervisord_state_name(from), e->expected,
                             (int) e->pid);
                break;
        case PROGRAM_RUNNING:
        case PROGRAM_STOPPING:
        case PROGRAM_STOPPED:
                e->pid = p->main_pid > 0                                  ? p->main_pid :
                         to == PROGRAM_STOPPED && from == PROGRAM_STOPPING ? ended_pid(p) :
                                                                             0;
                r = asprintf(&e->payload, "processname:%s groupname:%s from_state:%s pid:%d", e->process_name,
                             e->group_name, supervisord_state_name(from), (int) e->pid);
                break;
        default:
                r = asprintf(&e->payload, "processname:%s groupname:%s from_state:%s", e->process_name,
                             e->group_name, supervisord_state_name(from));
        }
        if (r < 0) {
                e->payload = NULL;
                goto oom;
        }
        deliver(m, TAKE_PTR(e));
        return;
oom:
        log_program(p, LOG_WARNING, "Out of memory, dropping the %s event", event_type_to_string(t));
}

void event_bus_program_state(Program *p, ProgramState old) {
        ProgramState to = p->state, from = old;
        unsigned tries = p->start_attempts;

        if (!p->manager->event_bus || to == from)
                return;
        /* UNHEALTHY and back are not supervisord states: the program stays RUNNING for listeners. */
        if (to == PROGRAM_UNHEALTHY || (from == PROGRAM_UNHEALTHY && to == PROGRAM_RUNNING))
                return;
        if (from == PROGRAM_UNHEALTHY)
                from = PROGRAM_RUNNING;
        /* supervisord reaches FATAL only from BACKOFF, and BACKOFF only from STARTING: cgsup gives up
         * straight from STARTING, and a spawn that fails never enters STARTING. Announce the steps
         * supervisord would have taken, so listeners see its sequence. */
        if (to == PROGRAM_FATAL && from != PROGRAM_BACKOFF) {
                if (from != PROGRAM_STARTING) {
                        emit_state(p, from, PROGRAM_STARTING, tries > 0 ? tries - 1 : 0);
                        from = PROGRAM_STARTING;
                }
                emit_state(p, from, PROGRAM_BACKOFF, tries);
                from = PROGRAM_BACKOFF;
        } else if (to == PROGRAM_BACKOFF && from != PROGRAM_STARTING) {
                emit_state(p, from, PROGRAM_STARTING, tries > 0 ? tries - 1 : 0);
                from = PROGRAM_STARTING;
        }
        emit_state(p, from, to, tries);
}

void event_bus_group(Manager *m, const char *group, bool added) {
        EventType t = added ? EVENT_PROCESS_GROUP_ADDED : EVENT_PROCESS_GROUP_REMOVED;
        Event *e;

        if (!event_bus_wants(m, t))
                return;
        e = event_new(m, t);
        if (!e || !(e->group_name = strdup(group)) || asprintf(&e->payload, "groupname:%s\n", group) < 0) {
                if (e)
                        e->payload = NULL;
                event_unref(e);
                log_warning("Out of memory, dropping the %s event", event_type_to_string(t));
                return;
        }
        deliver(m, e);
}

void event_bus_daemon_state(Manager *m, bool running) {
        EventType t = running ? EVENT_SUPERVISOR_STATE_CHANGE_RUNNING : EVENT_SUPERVISOR_STATE_CHANGE_STOPPING;
        Event *e;

        if (!event_bus_wants(m, t))
                return;
        e = event_new(m, t);
        if (!e || !(e->payload = strdup(""))) {
                event_unref(e);
                log_warning("Out of memory, dropping the %s event", event_type_to_string(t));
                return;
        }
        deliver(m, e);
}

void event_bus_tick(Manager *m, EventType tick, uint64_t when_sec) {
        Event *e;

        if (!event_bus_wants(m, tick))
                return;
        e = event_new(m, tick);
        if (!e || asprintf(&e->payload, "when:%" PRIu64, when_sec) < 0) {
                if (e)
                        e->payload = NULL;
                event_unref(e);
                log_warning("Out of memory, dropping the %s event", event_type_to_string(tick));
                return;
        }
        deliver(m, e);
}

/* supervisord decodes the bytes as UTF-8 and, when that fails, sends "Undecodable: %r" of them. We send the
 * bytes when they are valid UTF-8 and otherwise replace each invalid byte by U+FFFD, a documented
 * difference (the Python repr() of arbitrary bytes is not worth reproducing). */
static int utf8_sanitize(const uint8_t *s, size_t n, char **ret) {
        char *out = malloc(n * 3 + 1), *o = out;
        size_t i = 0;

        if (!out)
                return -ENOMEM;
        while (i < n) {
                uint8_t c = s[i];
                size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
                bool ok = len > 0 && i + len <= n && c != 0;
                for (size_t k = 1; ok && k < len; k++)
                        ok = (s[i + k] & 0xc0) == 0x80;
                if (ok && len == 2 && c < 0xc2)
                        ok = false; /* overlong */
                if (ok) {
                        memcpy(o, s + i, len);
                        o += len;
                        i += len;
                } else {
                        memcpy(o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                }
        }
        *o = '\0';
        *ret = out;
        return 0;
}

void event_bus_process_log(Program *p, int stream, const void *data, size_t size) {
        Manager *m = p->manager;
        EventType t = stream == 2 ? EVENT_PROCESS_LOG_STDERR : EVENT_PROCESS_LOG_STDOUT;
        _cleanup_free_ char *text = NULL;
        Event *e;

        if (size == 0 || !(stream == 2 ? p->config->stderr_events : p->config->stdout_events) ||
            !event_bus_wants(m, t))
                return;
        if (utf8_sanitize(data, size, &text) < 0)
                goto oom;
        e = event_new(m, t);
        if (!e)
                goto oom;
        e->process_name = strdup(p->name);
        e->group_name = strdup(p->group ?: p->name);
        e->pid = p->main_pid;
        if (!e->process_name || !e->group_name ||
            asprintf(&e->payload, "processname:%s groupname:%s pid:%d channel:%s\n%s", e->process_name,
                     e->group_name, (int) e->pid, stream == 2 ? "stderr" : "stdout", text) < 0) {
                e->payload = NULL;
                event_unref(e);
                goto oom;
        }
        deliver(m, e);
        return;
oom:
        log_program(p, LOG_WARNING, "Out of memory, dropping the %s event", event_type_to_string(t));
}
