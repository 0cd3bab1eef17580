/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Restart backoff (s6's throttling plus systemd's RestartSteps spirit): exponential from backoff_initial,
 * multiplied by backoff_multiplier after every failed run, capped at backoff_max, with up to +10 % random
 * jitter so that a group of programs crashing together does not restart in lock-step. Never below
 * BACKOFF_FLOOR_USEC between starts: a program that dies instantly cannot busy-loop the daemon.
 * Pure arithmetic, no clock: the caller passes the time and a random value, so tests are exact.
 */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define BACKOFF_FLOOR_USEC (1 * USEC_PER_SEC)

typedef struct Backoff {
        usec_t initial;
        usec_t max;
        double multiplier;
        usec_t current; /* base delay of the next wait (before jitter); 0 = not started */
} Backoff;

void backoff_init(Backoff *b, usec_t initial, usec_t max, double multiplier);
/* Delay to wait now (jitter from @random, any 64-bit value) and advance the base for the next failure. */
usec_t backoff_next(Backoff *b, uint64_t random);
/* Forget past failures (after a stable run). */
void backoff_reset(Backoff *b);
/* How long a run must last to be restarted at once and forget past failures: max(startsecs, 1 s) (s6's
 * rule: a minimum time between two starts, not a pause after every exit). */
usec_t backoff_stable_usec(const Backoff *b, usec_t startsecs);
/* Delay still needed so that at least BACKOFF_FLOOR_USEC lie between @last_start and @now. */
usec_t backoff_floor_remaining(usec_t last_start, usec_t now);
