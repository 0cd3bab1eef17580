/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * strip_ansi=true: ANSI escape sequences (ECMA-48) taken out of a program's output before it is stored, so
 * log files and the journal hold text. Removed: CSI sequences (ESC [ ... final byte: colors, cursor
 * movement), string sequences (ESC ] OSC, ESC P DCS, ESC X, ESC ^, ESC _ ... up to BEL or ESC \), and the
 * other escape sequences (ESC, intermediate bytes, a final byte: ESC ( B, ESC =). A sequence may be cut
 * between two reads: the state carries it over. Everything else, UTF-8 included, passes unchanged.
 */

#include <stddef.h>

typedef enum AnsiState {
        ANSI_TEXT,
        ANSI_ESC,        /* after ESC (and intermediate bytes) */
        ANSI_CSI,        /* after ESC [ */
        ANSI_STRING,     /* after ESC ], P, X, ^ or _ */
        ANSI_STRING_ESC, /* ESC inside a string sequence: \ ends it */
} AnsiState;

/* Removes the escape sequences of buf[0..n) in place; returns the length left. */
size_t ansi_strip(AnsiState *state, char *buf, size_t n);
