/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>

#include "log.h"
#include "zlib-dl.h"

static void *zlib_dl;

DLSYM_PROTOTYPE(deflateInit2_);
DLSYM_PROTOTYPE(deflate);
DLSYM_PROTOTYPE(deflateEnd);

int dlopen_zlib(void) {
        static bool reported;
        int r;

        r = dlopen_many_sym(&zlib_dl, ZLIB_DL_SONAME,
                            DLSYM_ARG(deflateInit2_),
                            DLSYM_ARG(deflate),
                            DLSYM_ARG(deflateEnd),
                            NULL);
        /* Once: every rotation of every gzip log would repeat it. */
        if (r < 0 && !reported) {
                reported = true;
                log_error("Cannot load %s (Debian package zlib1g): log backups with compress=gzip stay "
                          "uncompressed", ZLIB_DL_SONAME);
        }
        return r;
}
