/* SPDX-License-Identifier: MIT */
/*
 * Asynchronous polkit checks, in the shape of systemd's bus_verify_polkit_async() (written anew).
 *
 * A method handler that mutates state calls bus_verify_polkit_async() after validating its arguments:
 *   - the caller is root (or the daemon's own user, for `cgsupd --user`): authorized at once, no round trip;
 *   - otherwise an asynchronous CheckAuthorization call goes to org.freedesktop.PolicyKit1, the query is
 *     remembered in the registry keyed by the method call message, and the handler returns 1 without
 *     replying. When polkit answers, the verdict is stored and the very same message is put back into the
 *     bus' read queue (sd_bus_enqueue_for_read()), so the handler runs again from the top, finds the
 *     verdict and goes on (or replies with the error).
 * We never block in a handler (a synchronous call would stall every other client while a user types a
 * password), never mutate before the verdict, and treat an unreachable polkit as "no".
 *
 * The subject is the caller's unique bus name ("system-bus-name"), not its pid: polkit resolves it
 * itself, so a caller cannot exit and have its pid reused by a more privileged process in between.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "strv.h"

/* Answered queries whose message never came back (the caller's object vanished before re-dispatch) are
 * dropped after this long. */
#define POLKIT_ANSWER_TTL_USEC (60 * USEC_PER_SEC)

typedef struct AsyncQuery AsyncQuery;
struct AsyncQuery {
        PolkitRegistry *registry;
        sd_bus_message *request; /* ref'ed; the key */
        char *action;
        sd_bus_slot *slot;       /* pending CheckAuthorization */
        bool answered;
        uint64_t answered_usec;
        int result;              /* 1 authorized, < 0 denied (error set) */
        sd_bus_error error;
        AsyncQuery *prev, *next;
};

struct PolkitRegistry {
        AsyncQuery *queries;
        unsigned n_queries;
        unsigned max_pending;
};

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

static AsyncQuery *async_query_free(AsyncQuery *q) {
        if (!q)
                return NULL;
        if (q->registry) {
                if (q->prev)
                        q->prev->next = q->next;
                else
                        q->registry->queries = q->next;
                if (q->next)
                        q->next->prev = q->prev;
                q->registry->n_queries--;
        }
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        sd_bus_error_free(&q->error);
        free(q->action);
        free(q);
        return NULL;
}

int polkit_registry_new(unsigned max_pending, PolkitRegistry **ret) {
        PolkitRegistry *r = calloc(1, sizeof *r);
        if (!r)
                return -ENOMEM;
        r->max_pending = max_pending;
        *ret = r;
        return 0;
}

PolkitRegistry *polkit_registry_free(PolkitRegistry *r) {
        if (!r)
                return NULL;
        while (r->queries)
                async_query_free(r->queries);
        free(r);
        return NULL;
}

static AsyncQuery *registry_find(PolkitRegistry *r, sd_bus_message *m) {
        for (AsyncQuery *q = r->queries; q; q = q->next)
                if (q->request == m)
                        return q;
        return NULL;
}

static void registry_gc(PolkitRegistry *r) {
        uint64_t now = now_monotonic_usec();
        AsyncQuery *next;

        for (AsyncQuery *q = r->queries; q; q = next) {
                next = q->next;
                if (q->answered && now - q->answered_usec > POLKIT_ANSWER_TTL_USEC)
                        async_query_free(q);
        }
}

static const char *details_get(const char *const *details, const char *key) {
        for (const char *const *d = details; d && d[0] && d[1]; d += 2)
                if (streq(d[0], key))
                        return d[1];
        return NULL;
}

static int async_polkit_callback(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AsyncQuery *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0, r;

        q->slot = sd_bus_slot_unref(q->slot);
        q->answered = true;
        q->answered_usec = now_monotonic_usec();

        e = sd_bus_message_get_error(reply);
        if (e) {
                /* No polkit on this bus (ServiceUnknown), polkitd crashed (NoReply), timeout, ...: deny. */
                log_warning("polkit check for %s failed: %s: %s", q->action, e->name, strna(e->message));
                q->result = -EACCES;
                sd_bus_error_setf(&q->error, CGSUP_ERROR_ACCESS_DENIED, "polkit unavailable: %s: %s", e->name,
                                  strna(e->message));
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0) {
                        q->result = -EACCES;
                        sd_bus_error_setf(&q->error, CGSUP_ERROR_ACCESS_DENIED,
                                          "polkit unavailable: malformed CheckAuthorization reply: %s",
                                          strerror(-r));
                } else if (authorized)
                        q->result = 1;
                else if (challenge) {
                        q->result = -EACCES;
                        sd_bus_error_setf(&q->error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                          "Interactive authentication required for %s.", q->action);
                } else {
                        q->result = -EACCES;
                        sd_bus_error_setf(&q->error, CGSUP_ERROR_ACCESS_DENIED,
                                          "Access denied: polkit does not allow %s for this caller.", q->action);
                }
        }

        /* Run the handler again with the original message. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_error_errno(r, "Failed to re-dispatch method call after polkit answered: %m");
                (void) sd_bus_reply_method_errorf(q->request, CGSUP_ERROR_FAILED,
                                                  "Cannot finish the request after authorization: %s",
                                                  strerror(-r));
                async_query_free(q);
        }
        return 1;
}

static int polkit_check_async(sd_bus_message *call, const char *action, const char *const *details,
                              PolkitRegistry *registry, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *pk = NULL;
        sd_bus *bus = sd_bus_message_get_bus(call);
        const char *sender = sd_bus_message_get_sender(call);
        AsyncQuery *q;
        int r;

        if (!sender)
                /* A direct (peer-to-peer) connection has no name polkit could resolve. */
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                         "Access denied: %s needs a bus name for polkit, and the caller has none.",
                                         action);

        registry_gc(registry);
        if (registry->n_queries >= registry->max_pending)
                return sd_bus_error_setf(error, CGSUP_ERROR_TOO_MANY,
                                         "Too many authorization requests in flight (%u); try again later.",
                                         registry->max_pending);

        r = sd_bus_message_new_method_call(bus, &pk, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r < 0)
                return r;
        r = sd_bus_message_append(pk, "(sa{sv})s", "system-bus-name", 1, "name", "s", sender, action);
        if (r < 0)
                return r;
        r = sd_bus_message_open_container(pk, 'a', "{ss}");
        if (r < 0)
                return r;
        for (const char *const *d = details; d && d[0] && d[1]; d += 2) {
                r = sd_bus_message_append(pk, "{ss}", d[0], d[1]);
                if (r < 0)
                        return r;
        }
        r = sd_bus_message_close_container(pk);
        if (r < 0)
                return r;
        /* Flag 1 = AllowUserInteraction, only when the client said it can wait for a password prompt. */
        r = sd_bus_message_append(pk, "us", (uint32_t) !!sd_bus_message_get_allow_interactive_authorization(call),
                                  "");
        if (r < 0)
                return r;

        q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->action = strdup(action);
        if (!q->action) {
                free(q);
                return -ENOMEM;
        }
        q->request = sd_bus_message_ref(call);

        /* Default timeout: an interactive prompt is answered by polkit's agent, bounded by polkit itself. */
        r = sd_bus_call_async(bus, &q->slot, pk, async_polkit_callback, q, 0);
        if (r < 0) {
                async_query_free(q);
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED, "polkit unavailable: %s",
                                         strerror(-r));
        }

        q->registry = registry;
        q->next = registry->queries;
        if (q->next)
                q->next->prev = q;
        registry->queries = q;
        registry->n_queries++;

        log_debug("Asked polkit about %s for %s (program=%s verb=%s)", action, sender,
                  strna(details_get(details, "program")), strna(details_get(details, "verb")));
        return 0;
}

int bus_verify_polkit_async(BusContext *c, sd_bus_message *call, const char *action, const char *const *details,
                            sd_bus_error *error) {
        PolkitRegistry *registry = c->polkit;
        AsyncQuery *q;
        uid_t uid;
        int r;

        /* Second dispatch: polkit has answered for this very message. */
        q = registry_find(registry, call);
        if (q) {
                if (!q->answered)
                        return 0;
                if (!streq(q->action, action)) {
                        async_query_free(q);
                        return sd_bus_error_setf(error, CGSUP_ERROR_FAILED,
                                                 "Internal error: authorization answered for another action.");
                }
                r = q->result;
                if (r < 0)
                        sd_bus_error_copy(error, &q->error);
                async_query_free(q);
                return r;
        }

        r = bus_query_sender_uid(c, call, &uid);
        if (r < 0)
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                         "Access denied: cannot determine the caller's user: %s", strerror(-r));
        /* root, or the user a --user instance runs as: it could ptrace us anyway. */
        if (uid == 0 || uid == geteuid())
                return 1;

#if HAVE_POLKIT
        r = polkit_check_async(call, action, details, registry, error);
        if (r < 0 && !sd_bus_error_is_set(error))
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED, "polkit unavailable: %s", strerror(-r));
        return r;
#else
        (void) polkit_check_async;
        return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                 "Access denied: cgsupd was built without polkit; only root may %s.", action);
#endif
}
