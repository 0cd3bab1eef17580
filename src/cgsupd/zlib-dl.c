/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

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
        return dlopen_report_once(r, &reported, ZLIB_DL_SONAME, "zlib1g", "log backups with compress=gzip stay "
                                  "uncompressed");
}
