/* SPDX-License-Identifier: MIT */
/*
 * tail -BYTES and maintail -BYTES, as supervisorctl 4.2.5 reads them: int(modifier[1:]) in Python, passed
 * to supervisord as readLog(-BYTES, 0) / readProcessStdoutLog(name, -BYTES, 0), whose readFile() reads
 * from a negative offset the last bytes, from offset 0 (tail -0) the whole file, and from a positive one
 * (tail --5) the file from that offset on.
 */

#include <errno.h>
#include <stdint.h>

#include "macro.h"
#include "sctl.h"

/* XML-RPC's <int> is 32 bits: supervisorctl cannot send an offset -BYTES outside it. */
#define XMLRPC_INT_MIN (-INT64_C(2147483648))
#define XMLRPC_INT_MAX INT64_C(2147483647)

int parse_bytes_modifier(const char *modifier, int64_t *ret) {
        int64_t v;
        int r;

        r = python_int(modifier + 1, &v);
        if (r < 0)
                return -EINVAL;
        /* -BYTES goes out as an XML-RPC <int>. */
        if (v < -XMLRPC_INT_MAX || v > -XMLRPC_INT_MIN)
                return -EINVAL;
        *ret = v;
        return 0;
}

uint64_t readfile_start(int64_t bytes, uint64_t size) {
        if (bytes > 0)
                return size > (uint64_t) bytes ? size - (uint64_t) bytes : 0;
        return MIN((uint64_t) -bytes, size);
}

