/* SPDX-License-Identifier: MIT */
/*
 * Event listener pools (event-listener.h). The protocol parser follows supervisord's
 * PEventListenerDispatcher.handle_listener_state_change() case by case, so a listener written for
 * supervisord (supervisor.childutils) sees the same bytes and the same reactions. Bounds supervisord does
 * not have: a result line longer than LISTENER_LINE_MAX, or a result longer than LISTENER_RESULT_MAX, is a
 * protocol violation (UNKNOWN), so a listener that writes garbage cannot make the daemon hold more than a
 * few KiB for it; envelopes waiting for room in the listener's stdin pipe are bounded by the pool's buffer.
 */
#include <assert.h>
#include <stdarg.h>
#include <unistd.h>

#include "event-bus.h"
#include "event-listener.h"
#include "fd-util.h"
#include "log.h"
#include "manager.h"
#include "program-ops.h"

#define LISTENER_LINE_MAX 4096U           /* "RESULT <len>\n" or waiting for "READY\n" */
#define LISTENER_RESULT_MAX (64U * 1024U) /* the result body */
#define LISTENER_IN_MAX (LISTENER_RESULT_MAX + LISTENER_LINE_MAX)

typedef enum ListenerState {
        LISTENER_ACKNOWLEDGED, /* waiting for READY (also right after the start) */
        LISTENER_READY,
        LISTENER_BUSY,         /* an event was sent, waiting for its RESULT */
        LISTENER_UNKNOWN,      /* violated the protocol: no more events until it starts again */
} ListenerState;

static const char *const listener_state_names[] = {
        [LISTENER_ACKNOWLEDGED] = "ACKNOWLEDGED",
        [LISTENER_READY] = "READY",
        [LISTENER_BUSY] = "BUSY",
        [LISTENER_UNKNOWN] = "UNKNOWN",
};

typedef struct Buffered {
        Event *event;
        uint64_t pool_serial;
} Buffered;

typedef struct ListenerPool ListenerPool;

/* One instance's protocol state, hung off Program.listener. */
typedef struct Listener {
        Program *program;
        ListenerPool *pool;
        ListenerState state;
        Buffered current;           /* the event being processed (BUSY), event NULL otherwise */
        char *in;                   /* stdout bytes not consumed yet (at most LISTENER_LINE_MAX, or the result) */
        size_t n_in;
        size_t result_len;          /* SIZE_MAX: no RESULT line yet */
        char *out;                  /* the envelope not yet written to stdin */
        size_t n_out, out_done;
        sd_event_source *out_source;
} Listener;

struct ListenerPool {
        Manager *manager;
        char *name;
        unsigned buffer_size;
        EventMask events;
        EventSubscription *subscription; /* events= */
        EventSubscription *watch;        /* our own instances' states */
        Buffered *buffer;                /* FIFO, oldest first */
        size_t n_buffer;
        uint64_t pool_serial;            /* last given; supervisord's per-pool serial starts at 0 */
        bool pool_serial_used;
        Listener **members;
        size_t n_members;
        sd_event_source *dispatch_defer;
};

typedef struct EventListeners {
        ListenerPool **pools;
        size_t n_pools;
} EventListeners;

static void listener_log(Listener *l, int level, const char *fmt, ...) _printf_(3, 4);
static void listener_log(Listener *l, int level, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_program(l->program, level, "%s", msg);
}

static void set_state(Listener *l, ListenerState s) {
        if (l->state == s)
                return;
        listener_log(l, LOG_DEBUG, "%s -> %s", listener_state_names[l->state], listener_state_names[s]);
        l->state = s;
        if (s == LISTENER_UNKNOWN)
                listener_log(l, LOG_WARNING,
                             "has entered the UNKNOWN state and will no longer receive events, this usually "
                             "indicates the process violated the eventlistener protocol");
}

/* ---- the pool's buffer ---------------------------------------------------------------------------- */

static void schedule_dispatch(ListenerPool *pool);

/* supervisord's _acceptEvent(): a new event gets the next pool serial; a full buffer drops its oldest. */
static void pool_accept(ListenerPool *pool, Buffered b, bool head) {
        if (pool->buffer_size == 0) {
                event_unref(b.event);
                return;
        }
        if (pool->n_buffer >= pool->buffer_size) {
                Buffered oldest = pool->buffer[0];
                memmove(pool->buffer, pool->buffer + 1, sizeof(Buffered) * (pool->n_buffer - 1));
                pool->n_buffer--;
                log_error("pool %s event buffer overflowed, discarding event %" PRIu64, pool->name,
                          oldest.event->serial);
                event_unref(oldest.event);
        }
        if (head) {
                memmove(pool->buffer + 1, pool->buffer, sizeof(Buffered) * pool->n_buffer);
                pool->buffer[0] = b;
        } else
                pool->buffer[pool->n_buffer] = b;
        pool->n_buffer++;
        schedule_dispatch(pool);
}

static void on_event(Manager *m, Event *e, void *userdata) {
        ListenerPool *pool = userdata;

        pool->pool_serial = pool->pool_serial_used ? pool->pool_serial + 1 : 0;
        pool->pool_serial_used = true;
        pool_accept(pool, (Buffered) { .event = event_ref(e), .pool_serial = pool->pool_serial }, false);
}

/* supervisord's handle_rejected(): the event goes back to the head of the buffer, same serials. */
static void listener_reject_current(Listener *l) {
        Buffered b = l->current;

        l->current = (Buffered) {};
        if (!b.event)
                return;
        log_debug("rebuffering event %" PRIu64 " for pool %s (buf size=%zu, max=%u)", b.event->serial,
                  l->pool->name, l->pool->n_buffer, l->pool->buffer_size);
        pool_accept(l->pool, b, true);
}

/* ---- writing envelopes ---------------------------------------------------------------------------- */

static void out_reset(Listener *l) {
        l->out = mfree(l->out);
        l->n_out = l->out_done = 0;
        l->out_source = sd_event_source_disable_unref(l->out_source);
}

static int flush_out(Listener *l);

static int on_stdin_writable(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        (void) flush_out(userdata);
        return 0;
}

/* Writes what fits; the rest when the pipe has room again. -EPIPE: the listener closed its stdin. */
static int flush_out(Listener *l) {
        Program *p = l->program;
        int r;

        while (l->out_done < l->n_out) {
                ssize_t n = write(p->stdin_fd, l->out + l->out_done, l->n_out - l->out_done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        if (l->out_source || !p->manager->event)
                                return 0;
                        r = sd_event_add_io(p->manager->event, &l->out_source, p->stdin_fd, EPOLLOUT,
                                            on_stdin_writable, l);
                        if (r < 0) {
                                listener_log(l, LOG_WARNING, "Cannot wait for room in its stdin: %s", strerror(-r));
                                return r;
                        }
                        return 0;
                }
                if (n < 0) {
                        r = -errno;
                        out_reset(l);
                        return r;
                }
                l->out_done += (size_t) n;
        }
        out_reset(l);
        return 0;
}

static int send_envelope(Listener *l, const Buffered *b) {
        Manager *m = l->pool->manager;
        const char *id = m->config && m->config->daemon.identifier ? m->config->daemon.identifier : "supervisor";
        char *text = NULL;
        int n;

        if (l->program->stdin_fd < 0)
                return -EPIPE;
        n = asprintf(&text, "ver:3.0 server:%s serial:%" PRIu64 " pool:%s poolserial:%" PRIu64
                            " eventname:%s len:%zu\n%s",
                     id, b->event->serial, l->pool->name, b->pool_serial, event_type_to_string(b->event->type),
                     event_payload_len(b->event), b->event->payload);
        if (n < 0)
                return -ENOMEM;
        out_reset(l);
        l->out = text;
        l->n_out = (size_t) n;
        return flush_out(l);
}

/* ---- dispatch --------------------------------------------------------------------------------------- */

/* supervisord's _dispatchEvent(): the first RUNNING instance that is READY gets it. */
static bool dispatch_one(ListenerPool *pool, Buffered b) {
        for (size_t i = 0; i < pool->n_members; i++) {
                Listener *l = pool->members[i];
                int r;

                if (l->program->state != PROGRAM_RUNNING || l->state != LISTENER_READY)
                        continue;
                r = send_envelope(l, &b);
                if (r == -EPIPE) {
                        listener_log(l, LOG_DEBUG, "epipe occurred while sending event %" PRIu64
                                     " to listener, listener state unchanged", b.event->serial);
                        continue;
                }
                if (r < 0) {
                        listener_log(l, LOG_WARNING, "Cannot send event %" PRIu64 ": %s", b.event->serial,
                                     strerror(-r));
                        continue;
                }
                set_state(l, LISTENER_BUSY);
                l->current = b;
                listener_log(l, LOG_DEBUG, "event %" PRIu64 " sent to listener", b.event->serial);
                return true;
        }
        return false;
}

static void pool_dispatch(ListenerPool *pool) {
        while (pool->n_buffer > 0) {
                Buffered b = pool->buffer[0];
                memmove(pool->buffer, pool->buffer + 1, sizeof(Buffered) * (pool->n_buffer - 1));
                pool->n_buffer--;
                if (!dispatch_one(pool, b)) {
                        /* Nobody can take it now: back to the head, try again when a listener is READY. */
                        memmove(pool->buffer + 1, pool->buffer, sizeof(Buffered) * pool->n_buffer);
                        pool->buffer[0] = b;
                        pool->n_buffer++;
                        break;
                }
        }
}

static int on_dispatch(sd_event_source *s, void *userdata) {
        ListenerPool *pool = userdata;

        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        pool_dispatch(pool);
        return 0;
}

/* Dispatching happens from the loop, never inside a state change or a read of the listener's output. */
static void schedule_dispatch(ListenerPool *pool) {
        Manager *m = pool->manager;
        int r;

        if (!m->event) {
                pool_dispatch(pool); /* unit tests have no loop: at once */
                return;
        }
        if (!pool->dispatch_defer) {
                r = sd_event_add_defer(m->event, &pool->dispatch_defer, on_dispatch, pool);
                if (r < 0) {
                        log_warning_errno(r, "pool %s: cannot schedule dispatch, ignoring: %m", pool->name);
                        return;
                }
                (void) sd_event_source_set_description(pool->dispatch_defer, "event-listener-dispatch");
        }
        (void) sd_event_source_set_enabled(pool->dispatch_defer, SD_EVENT_ONESHOT);
}

/* ---- what the listener says on stdout --------------------------------------------------------------- */

static void in_consume(Listener *l, size_t n) {
        memmove(l->in, l->in + n, l->n_in - n);
        l->n_in -= n;
}

static void protocol_violation(Listener *l) {
        set_state(l, LISTENER_UNKNOWN);
        l->n_in = 0;
        l->result_len = SIZE_MAX;
        listener_reject_current(l);
}

/* supervisord's handle_result() with the default result handler: OK processes the event, anything else
 * rejects it (it goes back to the buffer); either way the listener is ACKNOWLEDGED again. */
static void handle_result(Listener *l, const char *result, size_t len) {
        if (len == 2 && memcmp(result, "OK", 2) == 0) {
                listener_log(l, LOG_DEBUG, "event was processed");
                l->current.event = event_unref(l->current.event);
                l->current = (Buffered) {};
        } else {
                listener_log(l, LOG_WARNING, "event was rejected");
                listener_reject_current(l);
        }
        set_state(l, LISTENER_ACKNOWLEDGED);
}

/* One step of the parser; returns true when it consumed something and may be called again. */
static bool protocol_step(Listener *l) {
        switch (l->state) {
        case LISTENER_UNKNOWN:
                l->n_in = 0;
                return false;
        case LISTENER_ACKNOWLEDGED:
                if (l->n_in < 6)
                        return false;
                if (memcmp(l->in, "READY\n", 6) != 0) {
                        protocol_violation(l);
                        return false;
                }
                in_consume(l, 6);
                set_state(l, LISTENER_READY);
                schedule_dispatch(l->pool);
                return l->n_in > 0;
        case LISTENER_READY:
                /* supervisord is strict: nothing may come between READY and an event. */
                protocol_violation(l);
                return false;
        case LISTENER_BUSY:
                if (l->result_len == SIZE_MAX) {
                        char line[LISTENER_LINE_MAX + 1], *end;
                        unsigned long long len;
                        char *nl = memchr(l->in, '\n', l->n_in);
                        size_t ll;

                        if (!nl)
                                return false;
                        ll = (size_t) (nl - l->in);
                        if (ll > LISTENER_LINE_MAX) {
                                listener_log(l, LOG_WARNING, "result line longer than %u bytes", LISTENER_LINE_MAX);
                                protocol_violation(l);
                                return false;
                        }
                        memcpy(line, l->in, ll);
                        line[ll] = '\0';
                        in_consume(l, ll + 1);
                        /* supervisord takes what follows the 7 bytes of "RESULT " as the length. */
                        errno = 0;
                        len = ll > 7 ? strtoull(line + 7, &end, 10) : 0;
                        if (ll <= 7 || errno != 0 || *end != '\0' || line[7] == '-' || len > LISTENER_RESULT_MAX) {
                                listener_log(l, LOG_WARNING, "bad result line: '%.*s'", (int) MIN(ll, 200u), line);
                                protocol_violation(l);
                                return false;
                        }
                        l->result_len = (size_t) len;
                        return true;
                }
                if (l->n_in < l->result_len)
                        return false;
                {
                        size_t len = l->result_len;
                        l->result_len = SIZE_MAX;
                        handle_result(l, l->in, len);
                        in_consume(l, len);
                        schedule_dispatch(l->pool);
                }
                return l->n_in > 0;
        }
        return false;
}

void event_listener_stdout(Program *p, const char *data, size_t size) {
        Listener *l = p->listener;

        if (!l || size == 0)
                return;
        log_program(p, LOG_DEBUG, "stdout output: %zu bytes", size);
        while (size > 0) {
                size_t n = MIN(size, LISTENER_IN_MAX - l->n_in);

                if (l->state == LISTENER_UNKNOWN)
                        return; /* everything is discarded */
                memcpy(l->in + l->n_in, data, n);
                l->n_in += n;
                data += n;
                size -= n;
                while (protocol_step(l))
                        ;
                /* Waiting for a line that does not come within 4 KiB: not the protocol (and not memory we
                 * keep for a listener gone mad). */
                if (l->state == LISTENER_BUSY && l->result_len == SIZE_MAX && l->n_in >= LISTENER_LINE_MAX) {
                        listener_log(l, LOG_WARNING, "no result line within %u bytes", LISTENER_LINE_MAX);
                        protocol_violation(l);
                        return;
                }
        }
}

/* ---- the instances' lives --------------------------------------------------------------------------- */

/* A new start begins ACKNOWLEDGED with nothing pending; an end while BUSY gives the event back
 * (supervisord's finish(): "we died before we processed the current event"). */
static void on_member_state(Manager *m, Event *e, void *userdata) {
        ListenerPool *pool = userdata;

        for (size_t i = 0; i < pool->n_members; i++) {
                Listener *l = pool->members[i];
                if (!streq(l->program->name, e->process_name))
                        continue;
                switch (e->to_state) {
                case PROGRAM_STARTING:
                        out_reset(l);
                        l->n_in = 0;
                        l->result_len = SIZE_MAX;
                        listener_reject_current(l);
                        set_state(l, LISTENER_ACKNOWLEDGED);
                        break;
                case PROGRAM_RUNNING:
                        /* Adopted after a restart of cgsupd: the READY it sent went to the old daemon. A
                         * listener idles blocked on its stdin after READY, so that is where it most likely
                         * is; if it was in the middle of an event, its RESULT makes it UNKNOWN (logged). */
                        if (l->program->adopted && e->from_state == PROGRAM_STOPPED &&
                            l->state == LISTENER_ACKNOWLEDGED) {
                                listener_log(l, LOG_INFO, "adopted: taken as READY for events");
                                set_state(l, LISTENER_READY);
                        }
                        schedule_dispatch(pool);
                        break;
                default:
                        if (l->current.event)
                                listener_log(l, LOG_WARNING, "ended while processing event %" PRIu64
                                             ", giving it back to pool %s", l->current.event->serial, pool->name);
                        out_reset(l);
                        listener_reject_current(l);
                        break;
                }
        }
}

static ListenerPool *pool_find(Manager *m, const char *name) {
        EventListeners *ls = m->event_listeners;

        for (size_t i = 0; ls && i < ls->n_pools; i++)
                if (streq(ls->pools[i]->name, name))
                        return ls->pools[i];
        return NULL;
}

static ListenerPool *pool_free(ListenerPool *pool) {
        EventListeners *ls;

        if (!pool)
                return NULL;
        ls = pool->manager->event_listeners;
        for (size_t i = 0; ls && i < ls->n_pools; i++)
                if (ls->pools[i] == pool) {
                        memmove(ls->pools + i, ls->pools + i + 1, sizeof(*ls->pools) * (ls->n_pools - i - 1));
                        ls->n_pools--;
                        break;
                }
        event_subscription_free(pool->subscription);
        event_subscription_free(pool->watch);
        for (size_t i = 0; i < pool->n_buffer; i++)
                event_unref(pool->buffer[i].event);
        free(pool->buffer);
        free(pool->members);
        sd_event_source_disable_unref(pool->dispatch_defer);
        free(pool->name);
        free(pool);
        return NULL;
}

static int pool_new(Manager *m, const ProgramConfig *c, ListenerPool **ret) {
        EventListeners *ls = m->event_listeners;
        ListenerPool *pool, **a;
        int r;

        if (!ls) {
                ls = m->event_listeners = calloc(1, sizeof(EventListeners));
                if (!ls)
                        return -ENOMEM;
        }
        a = reallocarray(ls->pools, ls->n_pools + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        ls->pools = a;
        pool = calloc(1, sizeof(ListenerPool));
        if (!pool)
                return -ENOMEM;
        pool->manager = m;
        pool->buffer_size = c->listener_buffer_size;
        pool->events = c->listener_events;
        pool->name = strdup(c->program_name);
        pool->buffer = calloc(MAX(c->listener_buffer_size, 1u), sizeof(Buffered));
        ls->pools[ls->n_pools++] = pool;
        if (!pool->name || !pool->buffer) {
                pool_free(pool);
                return -ENOMEM;
        }
        r = event_bus_subscribe(m, c->listener_events, on_event, pool, &pool->subscription);
        if (r >= 0)
                r = event_bus_watch(m, event_mask_from_string("PROCESS_STATE"), on_member_state, pool, &pool->watch);
        if (r < 0) {
                pool_free(pool);
                return r;
        }
        *ret = pool;
        return 0;
}

int event_listener_program_added(Manager *m, Program *p) {
        ListenerPool *pool;
        Listener *l, **a;
        int r;

        if (!p->config->event_listener || p->listener)
                return 0;
        pool = pool_find(m, p->config->program_name);
        if (!pool) {
                r = pool_new(m, p->config, &pool);
                if (r < 0)
                        return log_program_full_errno(p, LOG_ERR, r, "Cannot set up event listener pool: %m");
        }
        a = reallocarray(pool->members, pool->n_members + 1, sizeof(*a));
        l = calloc(1, sizeof(Listener));
        if (a)
                pool->members = a;
        if (!a || !l || !(l->in = malloc(LISTENER_IN_MAX))) {
                free(l);
                if (pool->n_members == 0)
                        pool_free(pool);
                return log_oom();
        }
        l->program = p;
        l->pool = pool;
        l->state = LISTENER_ACKNOWLEDGED;
        l->result_len = SIZE_MAX;
        pool->members[pool->n_members++] = l;
        p->listener = l;
        return 0;
}

void event_listener_program_removed(Manager *m, Program *p) {
        Listener *l = p->listener;
        ListenerPool *pool;

        if (!l)
                return;
        pool = l->pool;
        for (size_t i = 0; i < pool->n_members; i++)
                if (pool->members[i] == l) {
                        memmove(pool->members + i, pool->members + i + 1,
                                sizeof(*pool->members) * (pool->n_members - i - 1));
                        pool->n_members--;
                        break;
                }
        /* An event it was working on is not lost while the pool lives on. */
        listener_reject_current(l);
        out_reset(l);
        free(l->in);
        free(l);
        p->listener = NULL;
        if (pool->n_members == 0)
                pool_free(pool);
}

int event_listener_config_changed(Manager *m, Program *p) {
        const ProgramConfig *c = p->config;
        ListenerPool *pool;
        int r;

        if (!p->listener)
                return event_listener_program_added(m, p);
        if (!c->event_listener) {
                event_listener_program_removed(m, p);
                return 0;
        }
        pool = p->listener->pool;
        if (c->listener_buffer_size != pool->buffer_size) {
                size_t keep = MIN(pool->n_buffer, (size_t) c->listener_buffer_size);
                size_t drop = pool->n_buffer - keep;
                Buffered *b;

                for (size_t i = 0; i < drop; i++)
                        event_unref(pool->buffer[i].event);
                memmove(pool->buffer, pool->buffer + drop, sizeof(Buffered) * keep);
                pool->n_buffer = keep;
                b = reallocarray(pool->buffer, MAX(c->listener_buffer_size, 1u), sizeof(Buffered));
                if (!b)
                        return log_oom();
                pool->buffer = b;
                pool->buffer_size = c->listener_buffer_size;
        }
        if (c->listener_events != pool->events) {
                EventSubscription *s = NULL;
                r = event_bus_subscribe(m, c->listener_events, on_event, pool, &s);
                if (r < 0)
                        return log_program_full_errno(p, LOG_ERR, r, "Cannot change the pool's events: %m");
                event_subscription_free(pool->subscription);
                pool->subscription = s;
                pool->events = c->listener_events;
        }
        return 0;
}

void event_listener_free_all(Manager *m) {
        EventListeners *ls = m->event_listeners;

        if (!ls)
                return;
        for (size_t i = 0; i < m->n_programs; i++)
                if (m->programs[i]->listener)
                        event_listener_program_removed(m, m->programs[i]);
        while (ls->n_pools > 0)
                pool_free(ls->pools[ls->n_pools - 1]);
        free(ls->pools);
        free(ls);
        m->event_listeners = NULL;
}
