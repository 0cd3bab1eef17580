/* SPDX-License-Identifier: MIT */
/*
 * Connecting cgsupd to the bus: vtables, the per-program object tree, the manager's change hooks turned
 * into signals, and the well-known name. The name is requested last, once every object answers, so a
 * client activated by D-Bus never sees a half-registered daemon.
 */

#include <stdlib.h>

#include "bus-internal.h"
#include "bus.h"
#include "log.h"
#include "macro.h"

BusContext *bus_context_of(Manager *m) {
        return m ? m->bus_data : NULL;
}

int bus_query_sender_uid(sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        /* Only what the bus (or the socket peer) vouches for: no SD_BUS_CREDS_AUGMENT, which would read
         * /proc/<pid> and race with pid reuse. */
        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return r;
        *ret = uid;
        return 0;
}

static void hook_program_added(Manager *m, Program *p) {
        BusContext *c = bus_context_of(m);
        if (c)
                bus_program_emit_added(c, p);
}

static void hook_program_removed(Manager *m, Program *p) {
        BusContext *c = bus_context_of(m);
        if (c)
                bus_program_emit_removed(c, p);
}

static void hook_program_changed(Manager *m, Program *p, unsigned what, ProgramState old_state) {
        BusContext *c = bus_context_of(m);
        if (c)
                bus_program_emit_changed(c, p, what, old_state);
}

static void hook_transient_finished(Manager *m, Program *p, const CgsupStats *final_stats) {
        BusContext *c = bus_context_of(m);
        if (c)
                bus_transient_emit_finished(c, p, final_stats);
}

static void hook_job_removed(Manager *m, Program *p, const ProgramJob *job, JobResult result) {
        BusContext *c = bus_context_of(m);
        if (c)
                bus_jobs_removed(c, p, job, result);
}

static BusContext *bus_context_free(BusContext *c) {
        if (!c)
                return NULL;
        bus_jobs_done(c);
        sd_bus_slot_unref(c->manager_slot);
        sd_bus_slot_unref(c->program_slot);
        sd_bus_slot_unref(c->enumerator_slot);
        sd_bus_slot_unref(c->object_manager_slot);
        polkit_registry_free(c->polkit);
        if (c->bus) {
                /* Replies to Shutdown() and the last signals are still queued: send them before going. */
                (void) sd_bus_flush(c->bus);
                sd_bus_detach_event(c->bus);
                sd_bus_close(c->bus);
                sd_bus_unref(c->bus);
        }
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(BusContext *, bus_context_free);

int bus_setup(Manager *m) {
        _cleanup_(bus_context_freep) BusContext *c = NULL;
        const char *which = m->options.user ? "session" : "system";
        int r;

        (void) bus_errors_register();

        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        c->manager = m;

        r = polkit_registry_new(BUS_POLKIT_PENDING_MAX, &c->polkit);
        if (r < 0)
                return log_oom();

        /* sd_bus_open_{system,user}() honour DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS, which is
         * how tests run us against a private dbus-daemon. */
        if (m->options.user)
                r = sd_bus_open_user_with_description(&c->bus, "cgsupd");
        else
                r = sd_bus_open_system_with_description(&c->bus, "cgsupd");
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the %s bus: %m", which);

        r = sd_bus_add_object_vtable(c->bus, &c->manager_slot, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                     bus_manager_vtable, c);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s: %m", CGSUP_BUS_MANAGER_INTERFACE);

        r = sd_bus_add_fallback_vtable(c->bus, &c->program_slot, CGSUP_BUS_PROGRAM_PREFIX,
                                       CGSUP_BUS_PROGRAM_INTERFACE, bus_program_vtable, bus_program_find, c);
        if (r < 0)
                return log_error_errno(r, "Failed to register %s: %m", CGSUP_BUS_PROGRAM_INTERFACE);

        r = sd_bus_add_node_enumerator(c->bus, &c->enumerator_slot, CGSUP_BUS_PROGRAM_PREFIX,
                                       bus_program_enumerate, c);
        if (r < 0)
                return log_error_errno(r, "Failed to register the program node enumerator: %m");

        /* org.freedesktop.DBus.ObjectManager on /org/cgsup1: GetManagedObjects gives every program with all
         * its properties in one call, and InterfacesAdded/Removed follow reloads and transient runs. */
        r = sd_bus_add_object_manager(c->bus, &c->object_manager_slot, CGSUP_BUS_PATH);
        if (r < 0)
                return log_error_errno(r, "Failed to register the object manager: %m");

        r = sd_bus_add_filter(c->bus, NULL, bus_metrics_count_call, c);
        if (r < 0)
                return log_error_errno(r, "Failed to add the bus call counter: %m");

        /* The bus going away leaves us unreachable: end the loop like other system daemons do; programs
         * keep running and are adopted by the next instance. */
        r = sd_bus_set_exit_on_disconnect(c->bus, true);
        if (r < 0)
                return log_error_errno(r, "Failed to set exit-on-disconnect: %m");

        r = sd_bus_attach_event(c->bus, m->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m");

        r = sd_bus_request_name(c->bus, CGSUP_BUS_NAME, 0);
        if (r == -EEXIST)
                return log_error_errno(r, "Another cgsupd already owns %s on the %s bus.", CGSUP_BUS_NAME, which);
        if (r < 0)
                return log_error_errno(r, "Failed to acquire %s on the %s bus: %m", CGSUP_BUS_NAME, which);

        m->hooks.program_added = hook_program_added;
        m->hooks.program_removed = hook_program_removed;
        m->hooks.program_changed = hook_program_changed;
        m->hooks.transient_finished = hook_transient_finished;
        m->hooks.job_removed = hook_job_removed;
        m->bus_data = TAKE_PTR(c);

        log_debug("Connected to the %s bus as %s.", which, CGSUP_BUS_NAME);
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
        m->bus_data = bus_context_free(m->bus_data);
}
