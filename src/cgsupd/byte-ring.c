/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "byte-ring.h"
#include "macro.h"

void byte_ring_done(ByteRing *r) {
        free(r->buf);
        *r = BYTE_RING_INIT(r->min, r->max);
}

/* Room for @want more bytes without overwriting: double (linearising the content) up to max. */
static void ring_grow(ByteRing *r, size_t want) {
        size_t size = r->size > 0 ? r->size : MAX(r->min, (size_t) 1);
        char *buf;

        while (size < r->max && size - r->fill < want)
                size *= 2;
        size = MIN(size, r->max);
        if (size <= r->size)
                return;
        buf = malloc(size);
        if (!buf)
                return;
        (void) byte_ring_copy(r, byte_ring_start(r), buf, r->fill);
        free(r->buf);
        r->buf = buf;
        r->size = size;
        r->head = r->fill % size;
}

int byte_ring_append(ByteRing *r, const void *data, size_t n) {
        const char *p = data;

        assert(r);
        assert(data || n == 0);
        if (n == 0)
                return 0;
        if (r->size - r->fill < n && r->size < r->max)
                ring_grow(r, n);
        r->end += n;
        if (r->size == 0)
                return -ENOMEM;
        if (n >= r->size) {
                /* Only the last size bytes survive. */
                memcpy(r->buf, p + n - r->size, r->size);
                r->head = 0;
                r->fill = r->size;
                return 0;
        }
        while (n > 0) {
                size_t chunk = MIN(n, r->size - r->head);
                memcpy(r->buf + r->head, p, chunk);
                r->head = (r->head + chunk) % r->size;
                p += chunk;
                n -= chunk;
                r->fill = MIN(r->fill + chunk, r->size);
        }
        return 0;
}

void byte_ring_clear(ByteRing *r) {
        assert(r);
        r->fill = 0;
        r->head = 0;
}

uint64_t byte_ring_start(const ByteRing *r) {
        return r->end - r->fill;
}

size_t byte_ring_copy(const ByteRing *r, uint64_t pos, void *out, size_t max) {
        size_t skip, n, idx, done = 0;
        char *o = out;

        if (pos < byte_ring_start(r) || pos >= r->end)
                return 0;
        skip = (size_t) (pos - byte_ring_start(r));
        n = MIN(max, r->fill - skip);
        /* The oldest byte sits at head - fill (mod size). */
        idx = (r->head + r->size - r->fill + skip) % r->size;
        while (done < n) {
                size_t chunk = MIN(n - done, r->size - idx);
                memcpy(o + done, r->buf + idx, chunk);
                done += chunk;
                idx = (idx + chunk) % r->size;
        }
        return n;
}
