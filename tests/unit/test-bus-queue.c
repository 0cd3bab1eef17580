/* SPDX-License-Identifier: MIT */
/* The bus change queue (bus-queue.c) alone: what a flush announces, with the emit replaced by a recorder. */

#include <systemd/sd-bus.h>

#include "bus-internal.h"
#include "program.h"
#include "tests.h"

#define EMITTED_MAX 16

static BusContext *ctx;
static Program *emitted[EMITTED_MAX];
static size_t n_emitted;
/* Queued from inside the emit of its trigger, as a hook fired while a change is announced would. */
static Program *requeue_trigger, *requeue_other;
/* Flushes from inside its own emit, as a hook that flushes (a removal, a transient's end) would. */
static Program *flush_trigger;

void bus_program_emit_changed(BusContext *c, Program *p, unsigned what, ProgramState old_state) {
        ASSERT_TRUE(c == ctx);
        ASSERT_NE(what, 0U);
        ASSERT_TRUE(n_emitted < EMITTED_MAX);
        emitted[n_emitted++] = p;
        if (p == requeue_trigger) {
                requeue_trigger = NULL;
                bus_queue_program_changed(c, requeue_other, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
                bus_queue_program_changed(c, p, PROGRAM_CHANGED_STATE, PROGRAM_STOPPING);
        }
        if (p == flush_trigger) {
                flush_trigger = NULL;
                bus_queue_flush(c);
        }
}

static void setup(BusContext *c) {
        *c = (BusContext) {};
        ASSERT_OK(sd_bus_new(&c->bus)); /* never started: only tested for non-NULL, no message is queued */
        ctx = c;
        n_emitted = 0;
}

static void teardown(BusContext *c) {
        bus_queue_clear(c);
        c->bus = sd_bus_unref(c->bus);
}

TEST(flush_announces_each_once) {
        BusContext c;
        Program a = {}, b = {};

        setup(&c);
        bus_queue_program_changed(&c, &a, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_program_changed(&c, &b, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_program_changed(&c, &a, PROGRAM_CHANGED_STATE, PROGRAM_STOPPING);
        bus_queue_flush(&c);
        ASSERT_EQ(n_emitted, (size_t) 2);
        ASSERT_TRUE(emitted[0] == &a);
        ASSERT_TRUE(emitted[1] == &b);
        ASSERT_EQ(a.bus_changes, 0U);
        ASSERT_EQ(c.n_changed, (size_t) 0);
        teardown(&c);
}

/* A change queued during the flush goes out in the same flush, and the program can be queued again
 * afterwards (it used to be dropped with bus_changes left set, and never announced again). */
TEST(change_queued_during_flush_is_announced) {
        BusContext c;
        Program a = {}, b = {};

        setup(&c);
        requeue_trigger = &a;
        requeue_other = &b;
        bus_queue_program_changed(&c, &a, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_flush(&c);
        ASSERT_EQ(n_emitted, (size_t) 3);
        ASSERT_TRUE(emitted[0] == &a);
        ASSERT_TRUE(emitted[1] == &b);
        ASSERT_TRUE(emitted[2] == &a);
        ASSERT_EQ(a.bus_changes, 0U);
        ASSERT_EQ(b.bus_changes, 0U);
        ASSERT_EQ(c.n_changed, (size_t) 0);

        bus_queue_program_changed(&c, &b, PROGRAM_CHANGED_STATE, PROGRAM_STOPPED);
        ASSERT_EQ(c.n_changed, (size_t) 1);
        bus_queue_flush(&c);
        ASSERT_EQ(n_emitted, (size_t) 4);
        ASSERT_TRUE(emitted[3] == &b);
        teardown(&c);
}

/* A flush from inside an emit announces the rest once; nothing already said is said again (the old loop
 * called the emit again for the entries before it, with nothing to say). */
TEST(nested_flush_says_nothing_twice) {
        BusContext c;
        Program a = {}, b = {};

        setup(&c);
        flush_trigger = &b;
        bus_queue_program_changed(&c, &a, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_program_changed(&c, &b, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_flush(&c);
        ASSERT_EQ(n_emitted, (size_t) 2);
        ASSERT_TRUE(emitted[0] == &a);
        ASSERT_TRUE(emitted[1] == &b);
        ASSERT_EQ(c.n_changed, (size_t) 0);
        teardown(&c);
}

/* A program removed before the flush is not announced. */
TEST(forgotten_program_is_skipped) {
        BusContext c;
        Program a = {}, b = {};

        setup(&c);
        bus_queue_program_changed(&c, &a, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_program_changed(&c, &b, PROGRAM_CHANGED_STATE, PROGRAM_RUNNING);
        bus_queue_forget_program(&c, &a);
        bus_queue_flush(&c);
        ASSERT_EQ(n_emitted, (size_t) 1);
        ASSERT_TRUE(emitted[0] == &b);
        teardown(&c);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
