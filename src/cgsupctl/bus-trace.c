/* SPDX-License-Identifier: MIT */
/*
 * Every D-Bus message cgsupctl exchanges goes through here, so that -vv (arg_verbose >= 2) traces all of
 * them on stderr: method calls (blocking or async) with the reply or error and its time, property reads,
 * the matches a verb installs and each signal they deliver. Like busctl --verbose, but one line each way,
 * on stderr so that stdout (tables, --json) stays as it was. Without -vv these are the plain sd-bus calls.
 */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "macro.h"

static bool tracing(void) {
        return arg_verbose >= 2;
}

static void trace_sent(sd_bus_message *m, const char *how) {
        fprintf(stderr, "cgsupctl: -> %s %s.%s(%s)%s\n", strna(sd_bus_message_get_path(m)),
                strna(sd_bus_message_get_interface(m)), strna(sd_bus_message_get_member(m)),
                strempty(sd_bus_message_get_signature(m, true)), how);
}

/* A reply (@error set or @m an error message: the error) @start microseconds after the call, or a signal. */
static void trace_received(sd_bus_message *m, const sd_bus_error *error, int r, uint64_t start) {
        double ms = (double) (now_monotonic_usec() - start) / 1000.0;

        if (!error && m && sd_bus_message_is_method_error(m, NULL))
                error = sd_bus_message_get_error(m);
        if (r < 0 || error)
                fprintf(stderr, "cgsupctl: <- error %s: %s (%.1f ms)\n",
                        error && error->name ? error->name : strerror(-r), error && error->message ? error->message : "", ms);
        else if (sd_bus_message_is_signal(m, NULL, NULL) > 0)
                fprintf(stderr, "cgsupctl: <- signal %s %s.%s(%s)\n", strna(sd_bus_message_get_path(m)),
                        strna(sd_bus_message_get_interface(m)), strna(sd_bus_message_get_member(m)),
                        strempty(sd_bus_message_get_signature(m, true)));
        else
                fprintf(stderr, "cgsupctl: <- reply (%s) (%.1f ms)\n", strempty(sd_bus_message_get_signature(m, true)), ms);
}

int bus_call(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *error, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint64_t start;
        int r;

        if (!tracing())
                return sd_bus_call(bus, m, usec, error, ret_reply);
        trace_sent(m, "");
        start = now_monotonic_usec();
        r = sd_bus_call(bus, m, usec, error, &reply);
        trace_received(reply, r < 0 ? error : NULL, r, start);
        if (ret_reply)
                *ret_reply = TAKE_PTR(reply);
        return r;
}

static int new_method_callv(sd_bus *bus, sd_bus_message **ret, const char *destination, const char *path,
                            const char *interface, const char *member, const char *types, va_list ap) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, destination, path, interface, member);
        if (r < 0)
                return r;
        if (types) {
                r = sd_bus_message_appendv(m, types, ap);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

int bus_call_method(sd_bus *bus, const char *destination, const char *path, const char *interface,
                    const char *member, sd_bus_error *error, sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = new_method_callv(bus, &m, destination, path, interface, member, types, ap);
        va_end(ap);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        return bus_call(bus, m, 0, error, ret_reply);
}

/* ---- property reads: org.freedesktop.DBus.Properties.Get through bus_call() ---- */

int bus_get_property(sd_bus *bus, const char *destination, const char *path, const char *interface,
                     const char *member, sd_bus_error *error, sd_bus_message **ret_reply, const char *type) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        assert(ret_reply);
        assert(type);

        r = bus_call_method(bus, destination, path, "org.freedesktop.DBus.Properties", "Get", error, &reply, "ss",
                            interface, member);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'v', type);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        *ret_reply = TAKE_PTR(reply);
        return 0;
}

int bus_get_property_trivial(sd_bus *bus, const char *destination, const char *path, const char *interface,
                             const char *member, sd_bus_error *error, char type, void *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        /* Numbers and booleans only: a string would point into the reply freed on return. */
        assert(!strchr("sog", type));
        r = bus_get_property(bus, destination, path, interface, member, error, &reply, (char[]) { type, 0 });
        if (r < 0)
                return r;
        r = sd_bus_message_read_basic(reply, type, ret);
        return r < 0 ? sd_bus_error_set_errno(error, r) : 0;
}

int bus_get_property_string(sd_bus *bus, const char *destination, const char *path, const char *interface,
                            const char *member, sd_bus_error *error, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *s;
        char *copy;
        int r;

        assert(ret);
        r = bus_get_property(bus, destination, path, interface, member, error, &reply, "s");
        if (r < 0)
                return r;
        /* @s lives in @reply: copied before the reply goes. */
        r = sd_bus_message_read_basic(reply, 's', &s);
        if (r < 0)
                return sd_bus_error_set_errno(error, r);
        copy = strdup(s);
        if (!copy)
                return sd_bus_error_set_errno(error, -ENOMEM);
        *ret = copy;
        return 0;
}

int bus_get_property_strv(sd_bus *bus, const char *destination, const char *path, const char *interface,
                          const char *member, sd_bus_error *error, char ***ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        assert(ret);
        r = bus_get_property(bus, destination, path, interface, member, error, &reply, "as");
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(reply, ret);
        return r < 0 ? sd_bus_error_set_errno(error, r) : 0;
}

/* ---- async calls and matches: the caller's callback behind one that traces what arrives ---- */

typedef struct Traced {
        sd_bus_message_handler_t callback;
        void *userdata;
        uint64_t start; /* async calls: when sent */
} Traced;

static int traced_handler(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Traced *t = userdata;

        trace_received(m, NULL, 0, t->start);
        return t->callback ? t->callback(m, t->userdata, ret_error) : 0;
}

/* Without -vv the caller's callback is installed as it is. With -vv, a Traced wrapper owned by the slot
 * (freed when the slot goes); a caller that wants no slot gets a floating one, as sd-bus gives it. */
static int traced_install(sd_bus_slot **ret_slot, sd_bus_message_handler_t callback, void *userdata,
                          int (*install)(sd_bus_slot **slot, sd_bus_message_handler_t h, void *u, void *arg), void *arg) {
        _cleanup_free_ Traced *t = NULL;
        sd_bus_slot *slot = NULL;
        int r;

        if (!tracing())
                return install(ret_slot, callback, userdata, arg);
        t = malloc(sizeof *t);
        if (!t)
                return -ENOMEM;
        *t = (Traced) { callback, userdata, now_monotonic_usec() };
        r = install(&slot, traced_handler, t, arg);
        if (r < 0)
                return r;
        (void) sd_bus_slot_set_destroy_callback(slot, free);
        TAKE_PTR(t);
        if (ret_slot)
                *ret_slot = slot;
        else {
                (void) sd_bus_slot_set_floating(slot, 1);
                sd_bus_slot_unref(slot);
        }
        return r;
}

typedef struct AsyncCall {
        sd_bus *bus;
        sd_bus_message *m;
} AsyncCall;

static int install_async(sd_bus_slot **slot, sd_bus_message_handler_t h, void *u, void *arg) {
        AsyncCall *c = arg;
        return sd_bus_call_async(c->bus, slot, c->m, h, u, 0);
}

int bus_call_method_async(sd_bus *bus, sd_bus_slot **ret_slot, const char *destination, const char *path,
                          const char *interface, const char *member, sd_bus_message_handler_t callback,
                          void *userdata, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        va_start(ap, types);
        r = new_method_callv(bus, &m, destination, path, interface, member, types, ap);
        va_end(ap);
        if (r < 0)
                return r;
        if (tracing())
                trace_sent(m, " (async)");
        return traced_install(ret_slot, callback, userdata, install_async, &(AsyncCall) { bus, m });
}

typedef struct AddMatch {
        sd_bus *bus;
        const char *match;
} AddMatch;

/* The answer to an async AddMatch: traced with -vv; a refusal is said, and ends the connection (sd-bus). */
static int match_installed(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        const sd_bus_error *e = sd_bus_message_get_error(reply);

        (void) ret_error;
        if (tracing()) {
                Traced *t = userdata;
                trace_received(reply, NULL, 0, t->start);
        }
        if (!e)
                return 0;
        fprintf(stderr, "cgsupctl: the bus refused to deliver the signals this command waits for: %s\n",
                e->message ? e->message : e->name);
        return -sd_bus_error_get_errno(e);
}

static int install_match(sd_bus_slot **slot, sd_bus_message_handler_t h, void *u, void *arg) {
        AddMatch *a = arg;
        return sd_bus_add_match_async(a->bus, slot, a->match, h, match_installed, u);
}

/* Async, as systemd-run does: the bus handles one connection's messages in order, so the match is in place
 * before the bus routes the call sent after it, and the call needs no round trip of its own first. */
int bus_add_match(sd_bus *bus, sd_bus_slot **ret_slot, const char *match, sd_bus_message_handler_t callback,
                  void *userdata) {
        assert(match);
        if (tracing())
                fprintf(stderr, "cgsupctl: -> /org/freedesktop/DBus org.freedesktop.DBus.AddMatch(s) %s (async)\n", match);
        return traced_install(ret_slot, callback, userdata, install_match, &(AddMatch) { bus, match });
}

int bus_match_signal(sd_bus *bus, sd_bus_slot **ret_slot, const char *sender, const char *path,
                     const char *interface, const char *member, sd_bus_message_handler_t callback, void *userdata) {
        char match[512];
        int n;

        assert(sender && path && interface && member);
        n = snprintf(match, sizeof match, "type='signal',sender='%s',path='%s',interface='%s',member='%s'", sender,
                     path, interface, member);
        if (n < 0 || (size_t) n >= sizeof match)
                return -ENAMETOOLONG;
        return bus_add_match(bus, ret_slot, match, callback, userdata);
}
