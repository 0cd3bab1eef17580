/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Optional libraries opened at their first use, the way systemd opens its optional ones: a daemon whose
 * configuration never needs a library never maps it (nor the dozen libraries it drags in), and a host
 * without it still runs everything else. Each library has a small wrapper (curl-dl.c) holding one
 * `sym_NAME` pointer per function it calls, filled all at once by dlopen_many_sym().
 */

#include <stdbool.h>

#include "macro.h"

/* Declares (with `extern`) or defines the pointer to @name, of @name's own type. */
#define DLSYM_PROTOTYPE(name) __typeof__(name) *sym_##name

/* One (pointer, name) pair for dlopen_many_sym(); checks at compile time that sym_NAME has NAME's type. */
#define DLSYM_ARG(name)                                                                                       \
        ({                                                                                                    \
                _Static_assert(__builtin_types_compatible_p(__typeof__(sym_##name), __typeof__(&name)),      \
                               "sym_" #name " has the wrong type");                                          \
                (void **) &sym_##name;                                                                        \
        }), #name

/* Opens @filename into *@dl unless it is open already (then 0 at once), and resolves every
 * (void **sym, const char *name) pair that follows, up to a NULL: all of them or none (on failure no
 * pointer is set and the library is closed again). Returns 1 when it opened the library now, 0 when it
 * was open, -EOPNOTSUPP when the library or one of its functions is missing (@filename and dlerror()'s
 * text logged at debug level: the caller says what needed it). */
int dlopen_many_sym(void **dl, const char *filename, ...) __attribute__((sentinel));
/* For a daemon's wrapper: when @r (dlopen_many_sym()'s result) is negative and *@reported is still false,
 * logs at error level "Cannot load FILENAME (Debian package PACKAGE): CONSEQUENCE" and sets *@reported, so
 * that a caller that tries again at every use (a webhook retrying, each log rotation) says it once. Returns
 * @r. Libraries (libcgsup) do not log: their callers say what failed. */
int dlopen_report_once(int r, bool *reported, const char *filename, const char *package, const char *consequence);
