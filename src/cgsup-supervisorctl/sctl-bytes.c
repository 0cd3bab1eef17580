/* SPDX-License-Identifier: MIT */
/*
 * tail -BYTES and maintail -BYTES, as supervisorctl 4.2.5 reads them: int(modifier[1:]) in Python, passed
 * to supervisord as readLog(-BYTES, 0) / readProcessStdoutLog(name, -BYTES, 0), whose readFile() reads
 * from a negative offset the last bytes, from offset 0 (tail -0) the whole file, and from a positive one
 * (tail --5) the file from that offset on.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd-util.h"

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
                return r; /* -ERANGE: int() takes it, we (and XML-RPC) do not */
        /* -BYTES goes out as an XML-RPC <int>. */
        if (v < -XMLRPC_INT_MAX || v > -XMLRPC_INT_MIN)
                return -ERANGE;
        *ret = v;
        return 0;
}

uint64_t readfile_start(int64_t bytes, uint64_t size) {
        if (bytes > 0)
                return size > (uint64_t) bytes ? size - (uint64_t) bytes : 0;
        return MIN((uint64_t) -bytes, size);
}

void bytes_modifier_refused(Ctl *c, const char *modifier, int error) {
        if (error == -ERANGE)
                /* int() took it, xmlrpc.client's dump_long() refused to send it: supervisorctl's onecmd() prints
                 * the exception as compact_traceback() names it, Debian 12's Python 3.11 file and line. */
                ctl_output("error: <class 'OverflowError'>, int exceeds XML-RPC limits: "
                           "file: /usr/lib/python3.11/xmlrpc/client.py line: 552");
        else
                ctl_output("Error: bad argument %s", modifier);
        c->exitstatus = SCTL_EXIT_GENERIC;
}

int copy_range(int fd, off_t from, off_t to) {
        char buf[64 * 1024];

        (void) fflush(stdout);
        while (from < to) {
                ssize_t n = pread(fd, buf, (size_t) MIN((off_t) sizeof buf, to - from), from);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return n < 0 ? -errno : 0; /* shrunk under us: what there was */
                if (loop_write(STDOUT_FILENO, buf, (size_t) n) < 0)
                        return -EIO;
                from += n;
        }
        return 0;
}

int readfile_copy(int fd, int64_t bytes) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        return copy_range(fd, (off_t) readfile_start(bytes, (uint64_t) st.st_size), st.st_size);
}
