/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * zlib, loaded with dlopen() when the first backup of a log file with compress=gzip is compressed: the
 * only user of zlib in the daemon, so a cgsupd without such a log never maps it (~84 KiB of RSS). Only
 * the header comes from the build dependency; every call goes through the sym_ pointers below, valid once
 * dlopen_zlib() returned >= 0. (zstd stays linked: libsystemd maps it into every cgsupd anyway.)
 */

#include <zlib.h>

#include "dlopen-util.h"

/* The run-time name of the library whose header we compile against (zlib1g-dev: libz.so.1). */
#define ZLIB_DL_SONAME "libz.so.1"

/* deflateInit2() is a macro around deflateInit2_(), which checks the header's version against the library's. */
extern DLSYM_PROTOTYPE(deflateInit2_);
extern DLSYM_PROTOTYPE(deflate);
extern DLSYM_PROTOTYPE(deflateEnd);

/* Loads zlib unless it is loaded (0 then, 1 when loaded now); -EOPNOTSUPP when it cannot be, logged once
 * as an error naming the library (gzip compression of log backups then fails with that reason). */
int dlopen_zlib(void);
