/* SPDX-License-Identifier: MIT */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _pure_ __attribute__((pure))
#define _const_ __attribute__((const))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))
#define _fallthrough_ __attribute__((fallthrough))
#define _public_ __attribute__((visibility("default")))
#define _hidden_ __attribute__((visibility("hidden")))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define SWAP_TWO(x, y)                                                                                        \
        do {                                                                                                  \
                __typeof__(x) _swap_tmp_ = (x);                                                               \
                (x) = (y);                                                                                    \
                (y) = _swap_tmp_;                                                                             \
        } while (false)
#define CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Errors we make up ourselves (not returned by a syscall): keeps errno untouched and marks the value so
 * readers can tell. Same spirit as systemd's SYNTHETIC_ERRNO(). */
#define SYNTHETIC_ERRNO(e) (e)

#define ERRNO_IS_NEG(r) ((r) < 0)
/* An errno that means "the host does not give us this", which tests turn into a skip and the daemon into
 * "limit not enforceable" rather than an internal failure. */
#define ERRNO_IS_PRIVILEGE_OR_ABSENT(e) ((e) == EACCES || (e) == EPERM || (e) == EROFS || (e) == ENOENT)

/* Hand over ownership: returns the value and resets the variable so the cleanup handler does nothing. */
#define TAKE_GENERIC(var, type, nullvalue)                                                                    \
        ({                                                                                                    \
                type *_pvar_ = &(var);                                                                        \
                type _var_ = *_pvar_;                                                                         \
                type _nullvalue_ = nullvalue;                                                                 \
                *_pvar_ = _nullvalue_;                                                                        \
                _var_;                                                                                        \
        })
#define TAKE_PTR_TYPE(ptr, type) TAKE_GENERIC(ptr, type, NULL)
#define TAKE_PTR(ptr) TAKE_PTR_TYPE(ptr, __typeof__(ptr))
#define TAKE_FD(fd) TAKE_GENERIC(fd, int, -EBADF)

#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                               \
        static inline void func##p(type *p) {                                                                 \
                if (*p)                                                                                       \
                        func(*p);                                                                             \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline int safe_close(int fd) {
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -EBADF;
}
static inline void closep(int *fd) {
        safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                (void) fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Keeps errno across a cleanup path so the caller sees the original failure. */
static inline void reset_errnop(int *e) {
        errno = *e;
}
#define PROTECT_ERRNO _cleanup_(reset_errnop) _unused_ int _saved_errno_ = errno

static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
#define strneq(a, b, n) (strncmp((a), (b), (n)) == 0)
#define isempty(s) (!(s) || (s)[0] == '\0')
#define strna(s) ((s) ? (s) : "n/a")
#define strempty(s) ((s) ? (s) : "")
#define yes_no(b) ((b) ? "yes" : "no")

static inline bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);
        return a >= b && streq(s + a - b, suffix);
}

typedef uint64_t usec_t;
#define USEC_INFINITY ((usec_t) UINT64_MAX)
#define USEC_PER_SEC ((usec_t) 1000000ULL)
#define USEC_PER_MSEC ((usec_t) 1000ULL)
#define NSEC_PER_USEC ((uint64_t) 1000ULL)
#define NSEC_PER_SEC ((uint64_t) 1000000000ULL)
