/* SPDX-License-Identifier: MIT */
/*
 * The change queue, as systemd's unit_add_to_dbus_queue(): a program that changed is marked and queued,
 * and a low-priority defer source announces it once, with the union of what changed, after the loop has
 * drained every exit, cgroup event and bus message that was ready. A stop of 1,000 programs sent five
 * messages per program (PropertiesChanged and ProgramStateChanged for STOPPING and for STOPPED, then
 * JobRemoved); a change that a later one of the same burst overtakes is now announced with it, one
 * PropertiesChanged and one ProgramStateChanged(old, new) from the state last announced to the state
 * reached.
 *
 * Messages that report an outcome — JobRemoved, and the replies of calls that waited for jobs — are
 * built when the job ends (the values of that moment) and queued behind the changes: clients read the
 * state when a job ends, so they must never see a job end before the PropertiesChanged of its program.
 */

#include <assert.h>
#include <stdlib.h>

#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "program-ops.h"

/* Room for one more element in *@array (doubling: a burst of 1,000 changes reallocates ten times). */
static bool grow(void **array, size_t *allocated, size_t n, size_t size) {
        void *a;
        size_t want;

        if (n < *allocated)
                return true;
        want = MAX(*allocated * 2, (size_t) 16);
        a = reallocarray(*array, want, size);
        if (!a)
                return false;
        *array = a;
        *allocated = want;
        return true;
}

static void flush_arm(BusContext *c) {
        int enabled = SD_EVENT_OFF;

        (void) sd_event_source_set_enabled(c->flush, SD_EVENT_ONESHOT);
        /* The bound: under a steady stream of higher-priority events (a program writing flat out keeps
         * its pipe ready) the defer source alone might never run. Left armed after a flush: it fires for
         * nothing at worst, which costs less than disarming and re-arming the timerfd for every batch. */
        (void) sd_event_source_get_enabled(c->flush_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;
        (void) sd_event_source_set_time_relative(c->flush_timer, BUS_FLUSH_MAX_DELAY_USEC);
        (void) sd_event_source_set_enabled(c->flush_timer, SD_EVENT_ONESHOT);
}

void bus_queue_program_changed(BusContext *c, Program *p, unsigned what, ProgramState old_state) {
        assert(c);
        assert(p);

        if (what == 0)
                return;
        if (p->bus_changes != 0) {
                p->bus_changes |= what;
                return;
        }
        if (!grow((void **) &c->changed, &c->changed_allocated, c->n_changed, sizeof(Program *))) {
                /* No room to remember it: say it now rather than never. */
                bus_program_emit_changed(c, p, what, old_state);
                return;
        }
        c->changed[c->n_changed++] = p;
        p->bus_changes = what;
        p->bus_changes_from = old_state;
        flush_arm(c);
}

int bus_queue_message(BusContext *c, sd_bus_message *m) {
        assert(c);
        assert(m);

        if (!grow((void **) &c->after, &c->after_allocated, c->n_after, sizeof(sd_bus_message *)))
                return -ENOMEM;
        c->after[c->n_after++] = sd_bus_message_ref(m);
        flush_arm(c);
        return 0;
}

void bus_queue_forget_program(BusContext *c, Program *p) {
        assert(c);
        assert(p);

        if (p->bus_changes == 0)
                return;
        p->bus_changes = 0;
        for (size_t i = 0; i < c->n_changed; i++)
                if (c->changed[i] == p)
                        c->changed[i] = NULL;
}

void bus_queue_flush(BusContext *c) {
        int r;

        assert(c);

        /* Every change first, then what reports outcomes (see the top of this file). A hook fired from inside
         * an emit may queue more (a change, with its program's bus_changes set again, or a message), or
         * flush itself: the bounds are read again on every step, each entry is taken out before it is
         * said (a nested flush says nothing twice), and a change queued while the messages go out sends
         * the loop round again, so it precedes every message queued after it and is not left waiting with
         * the defer source disarmed. The loop ends with both queues empty. */
        while (c->n_changed > 0 || c->n_after > 0) {
                for (size_t i = 0; i < c->n_changed; i++) {
                        Program *p = c->changed[i];
                        unsigned what;

                        if (!p)
                                continue; /* removed meanwhile (InterfacesRemoved said everything), or said */
                        c->changed[i] = NULL;
                        what = p->bus_changes;
                        p->bus_changes = 0;
                        if (c->bus)
                                bus_program_emit_changed(c, p, what, p->bus_changes_from);
                }
                c->n_changed = 0;

                for (size_t i = 0; i < c->n_after && c->n_changed == 0; i++) {
                        sd_bus_message *m = TAKE_PTR(c->after[i]);

                        if (!m)
                                continue;
                        if (c->bus) {
                                r = sd_bus_send(c->bus, m, NULL);
                                if (r < 0)
                                        log_debug_errno(r, "Failed to send a queued job message, ignoring: %m");
                        }
                        sd_bus_message_unref(m);
                }
                if (c->n_changed == 0)
                        c->n_after = 0;
        }
        if (c->flush)
                (void) sd_event_source_set_enabled(c->flush, SD_EVENT_OFF);
}

void bus_queue_clear(BusContext *c) {
        assert(c);

        for (size_t i = 0; i < c->n_changed; i++)
                if (c->changed[i])
                        c->changed[i]->bus_changes = 0;
        c->changed = mfree(c->changed);
        c->n_changed = c->changed_allocated = 0;
        for (size_t i = 0; i < c->n_after; i++)
                sd_bus_message_unref(c->after[i]);
        c->after = mfree(c->after);
        c->n_after = c->after_allocated = 0;
        c->flush = sd_event_source_disable_unref(c->flush);
        c->flush_timer = sd_event_source_disable_unref(c->flush_timer);
}

static int on_flush(sd_event_source *s, void *userdata) {
        bus_queue_flush(userdata);
        return 0;
}

static int on_flush_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        bus_queue_flush(userdata);
        return 0;
}

int bus_queue_setup(BusContext *c) {
        sd_event *e = c->manager->event;
        int r;

        assert(!c->flush);

        /* Below every source of the daemon's own events (main-process exits at NORMAL - 10, cgroup.events,
         * pipes, timers and the bus at NORMAL), so a burst of exits is drained before anything is said. */
        r = sd_event_add_defer(e, &c->flush, on_flush, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(c->flush, SD_EVENT_PRIORITY_NORMAL + 5);
        (void) sd_event_source_set_description(c->flush, "bus-change-queue");
        r = sd_event_source_set_enabled(c->flush, SD_EVENT_OFF);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(e, &c->flush_timer, CLOCK_MONOTONIC, BUS_FLUSH_MAX_DELAY_USEC,
                                       BUS_FLUSH_MAX_DELAY_USEC / 5,                                        on_flush_timer, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(c->flush_timer, "bus-change-queue-bound");
        return sd_event_source_set_enabled(c->flush_timer, SD_EVENT_OFF);
}
