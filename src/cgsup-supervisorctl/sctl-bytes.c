/* SPDX-License-Identifier: MIT */
/*
 * tail -BYTES and maintail -BYTES, as supervisorctl 4.2.5 reads them: int(modifier[1:]) in Python, passed
 * to supervisord as readLog(-BYTES, 0) / readProcessStdoutLog(name, -BYTES, 0), whose readFile() reads
 * from a negative offset the last bytes, from offset 0 (tail -0) the whole file, and from a positive one
 * (tail --5) the file from that offset on.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "macro.h"
#include "sctl.h"

/* XML-RPC's <int> is 32 bits: supervisorctl cannot send an offset -BYTES outside it. */
#define XMLRPC_INT_MIN (-INT64_C(2147483648))
#define XMLRPC_INT_MAX INT64_C(2147483647)

static bool is_digit(char ch) {
        return ch >= '0' && ch <= '9';
}

int parse_bytes_modifier(const char *modifier, int64_t *ret) {
        const char *s = modifier + 1;
        bool negative = false;
        int64_t v = 0;

        /* Python's int(): a sign, then digits with single underscores between them. */
        if (*s == '+' || *s == '-')
                negative = *s++ == '-';
        if (!is_digit(*s))
                return -EINVAL;
        for (; *s; s++) {
                if (*s == '_' && is_digit(s[1]))
                        continue;
                if (!is_digit(*s))
                        return -EINVAL;
                v = v * 10 + (*s - '0');
                if (v > XMLRPC_INT_MAX + 1)
                        return -EINVAL;
        }
        if (negative)
                v = -v;
        if (-v < XMLRPC_INT_MIN || -v > XMLRPC_INT_MAX)
                return -EINVAL;
        *ret = v;
        return 0;
}

uint64_t readfile_start(int64_t bytes, uint64_t size) {
        if (bytes > 0)
                return size > (uint64_t) bytes ? size - (uint64_t) bytes : 0;
        return MIN((uint64_t) -bytes, size);
}
