/* SPDX-License-Identifier: MIT */
/*
 * Connecting cgsupd to the bus: vtables, the per-program object tree, the manager's change hooks turned
 * into signals, and the well-known name. The name is requested last, once every object answers, so a
 * client activated by D-Bus never sees a half-registered daemon. When the bus goes away (dbus-daemon
 * restarted) cgsupd keeps supervising and reconnects with a backoff, taking its name again.
 */

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bus-internal.h"
#include "bus.h"
#include "log.h"
#include "macro.h"
#include "program-ops.h"

BusContext *bus_context_of(Manager *m) {
        return m ? m->bus_data : NULL;
}

static void sender_uids_forget(BusContext *c) {
        memset(c->sender_uids, 0, sizeof c->sender_uids);
        c->sender_uids_next = 0;
}

static bool sender_uid_cached(const BusContext *c, const char *name, uid_t *ret) {
        for (size_t i = 0; name && i < ELEMENTSOF(c->sender_uids); i++)
                if (streq(c->sender_uids[i].name, name)) {
                        *ret = c->sender_uids[i].uid;
                        return true;
                }
        return false;
}

static void sender_uid_remember(BusContext *c, const char *name, uid_t uid) {
        BusSenderUid *e;

        if (!name || name[0] != ':' || strlen(name) >= sizeof c->sender_uids[0].name)
                return;
        e = &c->sender_uids[c->sender_uids_next++ % ELEMENTSOF(c->sender_uids)];
        strcpy(e->name, name);
        e->uid = uid;
}

int bus_query_sender_uid(BusContext *c, sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        uid_t uid;
        int r;

        assert(c);
        if (sender_uid_cached(c, sender, ret))
                return 0;
        /* Only what the bus (or the socket peer) vouches for: no SD_BUS_CREDS_AUGMENT, which would read
         * /proc/<pid> and race with pid reuse. */
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        sender_uid_remember(c, sender, uid);
        *ret = uid;
        return 0;
}

static void hook_program_added(Manager *m, Program *p) {
        BusContext *c = bus_context_of(m);
        if (c && c->bus)
                bus_program_emit_added(c, p);
}

static void hook_program_removed(Manager *m, Program *p) {
        BusContext *c = bus_context_of(m);
        if (!c)
                return;
        /* Its object is gone: none of its changes can be read any more. Its JobRemoved (a cancel) is a
         * Manager signal and still goes out, before ProgramRemoved. */
        bus_queue_forget_program(c, p);
        if (c->bus) {
                bus_queue_flush(c);
                bus_program_emit_removed(c, p);
        }
}

static void hook_program_changed(Manager *m, Program *p, unsigned what, ProgramState old_state) {
        BusContext *c = bus_context_of(m);
        if (c && c->bus) {
                bus_queue_program_changed(c, p, what, old_state);
                bus_jobs_program_changed(c, p);
        }
}

static void hook_transient_finished(Manager *m, Program *p, const CgsupStats *final_stats) {
        BusContext *c = bus_context_of(m);
        if (c && c->bus) {
                /* The run's final state before its report: run --wait reads both. */
                bus_queue_flush(c);
                bus_transient_emit_finished(c, p, final_stats);
        }
}

static void hook_job_removed(Manager *m, Program *p, const ProgramJob *job, JobResult result) {
        BusContext *c = bus_context_of(m);
        if (c && c->bus)
                bus_jobs_removed(c, p, job, result);
}

/* Drops the connection and everything tied to it: calls waiting for jobs or polkit (their clients are
 * gone with the connection), the object slots. The context stays, ready for bus_connect(). */
static void bus_disconnect(BusContext *c) {
        c->drain = sd_event_source_disable_unref(c->drain);
        bus_queue_clear(c);
        bus_jobs_done(c);
        sender_uids_forget(c);
        c->manager_slot = sd_bus_slot_unref(c->manager_slot);
        c->program_slot = sd_bus_slot_unref(c->program_slot);
        c->enumerator_slot = sd_bus_slot_unref(c->enumerator_slot);
        c->object_manager_slot = sd_bus_slot_unref(c->object_manager_slot);
        c->polkit = polkit_registry_free(c->polkit);
        if (c->bus) {
                /* Replies to Shutdown() and the last signals are still queued: send them before going. */
                (void) sd_bus_flush(c->bus);
                sd_bus_detach_event(c->bus);
                sd_bus_close(c->bus);
                c->bus = sd_bus_unref(c->bus);
        }
}

static BusContext *bus_context_free(BusContext *c) {
        if (!c)
                return NULL;
        sd_event_source_disable_unref(c->reconnect_timer);
        bus_disconnect(c);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(BusContext *, bus_context_free);

static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *error);

/*
 * sd-bus' own event source handles one message per turn of the event loop, and the loop takes turns with
 * every program's sources. With 1,000 programs restarting and 200 clients calling at once
 * (tools/bench/load), a loaded machine ran some 23 turns a second: the bus got a few of them, and calls
 * waited in our socket for more than D-Bus' 25 s while most of the CPU went to spawns. So once a message
 * came in, this source takes the bus' next turns in batches: up to BUS_DRAIN_MESSAGES_MAX messages or
 * BUS_DRAIN_USEC_MAX, whichever ends first, then the programs' sources have their turn again.
 */
static int on_bus_drain(sd_event_source *s, void *userdata) {
        BusContext *c = userdata;
        usec_t start = c->manager->ops->now(c->manager);

        for (unsigned i = 0; i < BUS_DRAIN_MESSAGES_MAX && c->bus; i++) {
                /* 0: nothing queued; < 0: the connection failed, which sd-bus' own source reports (a
                 * Disconnected message for on_bus_message). Each message handled re-arms us. */
                if (sd_bus_process(c->bus, NULL) <= 0)
                        break;
                if (c->manager->ops->now(c->manager) - start >= BUS_DRAIN_USEC_MAX)
                        break;
        }
        return 0;
}

/* Connects, registers every object, attaches to the loop and takes the name (last, once every object
 * answers, so a client activated by D-Bus never sees a half-registered daemon). On failure the context
 * is left disconnected. */
static int bus_connect(BusContext *c) {
        Manager *m = c->manager;
        const char *which = m->options.user ? "session" : "system";
        int r;

        assert(!c->bus);

        r = polkit_registry_new(BUS_POLKIT_PENDING_MAX, &c->polkit);
        if (r < 0)
                return log_oom();

        /* sd_bus_open_{system,user}() honour DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS, which is
         * how tests run us against a private dbus-daemon. */
        if (m->options.user)
                r = sd_bus_open_user_with_description(&c->bus, "cgsupd");
        else
                r = sd_bus_open_system_with_description(&c->bus, "cgsupd");
        if (r < 0) {
                log_error_errno(r, "Failed to connect to the %s bus: %m", which);
                goto fail;
        }

        r = sd_bus_add_object_vtable(c->bus, &c->manager_slot, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                     bus_manager_vtable, c);
        if (r < 0) {
                log_error_errno(r, "Failed to register %s: %m", CGSUP_BUS_MANAGER_INTERFACE);
                goto fail;
        }
        r = sd_bus_add_fallback_vtable(c->bus, &c->program_slot, CGSUP_BUS_PROGRAM_PREFIX,
                                       CGSUP_BUS_PROGRAM_INTERFACE, bus_program_vtable, bus_program_find, c);
        if (r < 0) {
                log_error_errno(r, "Failed to register %s: %m", CGSUP_BUS_PROGRAM_INTERFACE);
                goto fail;
        }
        r = sd_bus_add_node_enumerator(c->bus, &c->enumerator_slot, CGSUP_BUS_PROGRAM_PREFIX,
                                       bus_program_enumerate, c);
        if (r < 0) {
                log_error_errno(r, "Failed to register the program node enumerator: %m");
                goto fail;
        }
        /* org.freedesktop.DBus.ObjectManager on /org/cgsup1: GetManagedObjects gives every program with all
         * its properties in one call, and InterfacesAdded/Removed follow reloads and transient runs. */
        r = sd_bus_add_object_manager(c->bus, &c->object_manager_slot, CGSUP_BUS_PATH);
        if (r < 0) {
                log_error_errno(r, "Failed to register the object manager: %m");
                goto fail;
        }
        /* Counts method calls, and notices the connection's end (sd-bus' local Disconnected message). */
        r = sd_bus_add_filter(c->bus, NULL, on_bus_message, c);
        if (r < 0) {
                log_error_errno(r, "Failed to add the bus message filter: %m");
                goto fail;
        }
        r = sd_bus_attach_event(c->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                log_error_errno(r, "Failed to attach the bus to the event loop: %m");
                goto fail;
        }
        r = sd_event_add_defer(m->event, &c->drain, on_bus_drain, c);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->drain, SD_EVENT_OFF);
        if (r < 0) {
                log_error_errno(r, "Failed to add the bus drain to the event loop: %m");
                goto fail;
        }
        r = bus_queue_setup(c);
        if (r < 0) {
                log_error_errno(r, "Failed to add the bus change queue to the event loop: %m");
                goto fail;
        }
        r = sd_bus_request_name(c->bus, CGSUP_BUS_NAME, 0);
        if (r == -EEXIST) {
                log_error_errno(r, "Another cgsupd already owns %s on the %s bus.", CGSUP_BUS_NAME, which);
                goto fail;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to acquire %s on the %s bus: %m", CGSUP_BUS_NAME, which);
                goto fail;
        }
        return 0;

fail:
        bus_disconnect(c);
        return r;
}

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        BusContext *c = userdata;
        const char *which = c->manager->options.user ? "session" : "system";

        bus_disconnect(c);
        if (bus_connect(c) >= 0) {
                log_notice("Reconnected to the %s bus as %s.", which, CGSUP_BUS_NAME);
                c->reconnect_delay_usec = 0;
                return 0;
        }
        c->reconnect_delay_usec = MIN(c->reconnect_delay_usec * 2, BUS_RECONNECT_MAX_USEC);
        log_warning("Cannot reconnect to the %s bus yet; trying again in %" PRIu64 " ms.", which,
                    c->reconnect_delay_usec / USEC_PER_MSEC);
        (void) sd_event_source_set_time_relative(s, c->reconnect_delay_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* The bus went away (dbus-daemon restarted, or it dropped us): the programs do not need it, their
 * clients do. Reconnect with a backoff on the loop instead of exiting; the teardown happens in the
 * timer, not inside this callback of the very connection being dropped. */
static int bus_schedule_reconnect(BusContext *c) {
        const char *which = c->manager->options.user ? "session" : "system";
        int r;

        if (c->reconnect_delay_usec > 0)
                return 0; /* already scheduled */
        c->reconnect_delay_usec = BUS_RECONNECT_FIRST_USEC;
        log_warning("Lost the connection to the %s bus; reconnecting.", which);
        if (!c->reconnect_timer) {
                r = sd_event_add_time_relative(c->manager->event, &c->reconnect_timer, CLOCK_MONOTONIC,
                                               c->reconnect_delay_usec, 0, on_reconnect_timer, c);
                if (r < 0)
                        return log_error_errno(r, "Cannot schedule the bus reconnection: %m");
                return 0;
        }
        r = sd_event_source_set_time_relative(c->reconnect_timer, c->reconnect_delay_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->reconnect_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return log_error_errno(r, "Cannot schedule the bus reconnection: %m");
        return 0;
}

static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;

        if (sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected")) {
                if (bus_schedule_reconnect(c) < 0)
                        (void) sd_event_exit(c->manager->event, EXIT_FAILURE);
                return 0;
        }
        if (c->drain)
                (void) sd_event_source_set_enabled(c->drain, SD_EVENT_ONESHOT);
        return bus_metrics_count_call(m, userdata, error);
}

int bus_setup(Manager *m) {
        _cleanup_(bus_context_freep) BusContext *c = NULL;
        int r;

        (void) bus_errors_register();

        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        c->manager = m;

        r = bus_connect(c);
        if (r < 0)
                return r;

        m->hooks.program_added = hook_program_added;
        m->hooks.program_removed = hook_program_removed;
        m->hooks.program_changed = hook_program_changed;
        m->hooks.transient_finished = hook_transient_finished;
        m->hooks.job_removed = hook_job_removed;
        m->bus_data = TAKE_PTR(c);

        log_debug("Connected to the %s bus as %s.", m->options.user ? "session" : "system", CGSUP_BUS_NAME);
        return 0;
}

void bus_done(Manager *m) {
        if (!m)
                return;
        m->hooks.program_added = NULL;
        m->hooks.program_removed = NULL;
        m->hooks.program_changed = NULL;
        m->hooks.transient_finished = NULL;
        m->hooks.job_removed = NULL;
        /* The last changes (a shutdown's STOPPED) still reach the clients. */
        if (bus_context_of(m) && bus_context_of(m)->bus)
                bus_queue_flush(bus_context_of(m));
        m->bus_data = bus_context_free(m->bus_data);
}
