/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "backoff.h"

void backoff_init(Backoff *b, usec_t initial, usec_t max, double multiplier) {
        /* Config values are validated by the reader; clamp anyway so a transient spec or a zero can never
         * produce a zero delay or a shrinking one. */
        b->initial = MAX(initial, BACKOFF_FLOOR_USEC);
        b->max = MAX(max, b->initial);
        b->multiplier = isfinite(multiplier) && multiplier >= 1.0 ? multiplier : 1.0;
        b->current = 0;
}

void backoff_reset(Backoff *b) {
        b->current = 0;
}

usec_t backoff_next(Backoff *b, uint64_t random) {
        usec_t base, jitter, next;
        double d;

        base = b->current == 0 ? b->initial : b->current;
        base = CLAMP(base, BACKOFF_FLOOR_USEC, b->max);

        /* Jitter in [0, base/10]: only upwards, so the floor and the configured initial delay hold. */
        jitter = base / 10 > 0 ? random % (base / 10 + 1) : 0;

        d = (double) base * b->multiplier;
        next = d >= (double) b->max ? b->max : (usec_t) d;
        b->current = MAX(next, base);
        return base + jitter;
}

usec_t backoff_stable_usec(const Backoff *b, usec_t startsecs) {
        return MAX(startsecs, BACKOFF_FLOOR_USEC);
}

usec_t backoff_floor_remaining(usec_t last_start, usec_t now) {
        if (last_start == 0 || now >= last_start + BACKOFF_FLOOR_USEC)
                return 0;
        if (now < last_start)
                return BACKOFF_FLOOR_USEC;
        return last_start + BACKOFF_FLOOR_USEC - now;
}
