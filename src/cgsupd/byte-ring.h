/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The last bytes of a stream, addressed by stream position: a ring that holds positions
 * [byte_ring_start(), end). Memory is allocated at the first byte and doubles while the ring is full, from
 * @min up to @max, so a quiet program costs a kilobyte, not the maximum.
 */

#include <stddef.h>
#include <stdint.h>

typedef struct ByteRing {
        char *buf;
        size_t size;      /* allocated */
        size_t fill;      /* valid bytes, ending at position end */
        size_t head;      /* index in buf where the next byte goes */
        size_t min, max;
        uint64_t end;     /* stream position after the last byte appended */
} ByteRing;

#define BYTE_RING_INIT(mn, mx) ((ByteRing) { .min = (mn), .max = (mx) })

void byte_ring_done(ByteRing *r);
/* Appends @n bytes at position r->end. When memory cannot grow, the oldest bytes are overwritten (they were
 * going to be eventually); returns -ENOMEM only if nothing could be allocated at all (then end still moves,
 * and the bytes count as gone). */
int byte_ring_append(ByteRing *r, const void *data, size_t n);
/* Forgets every byte held (the memory stays); end does not move, so positions go on. */
void byte_ring_clear(ByteRing *r);
/* Oldest position still held. */
uint64_t byte_ring_start(const ByteRing *r);
/* Copies up to @max bytes from position @pos (byte_ring_start() <= pos <= end) into @out; returns the count. */
size_t byte_ring_copy(const ByteRing *r, uint64_t pos, void *out, size_t max);
