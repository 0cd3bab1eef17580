/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Minimal TAP test framework. Every TEST() runs in its own forked child (a crash fails one test, not the
 * binary; leaks are checked per test under LeakSanitizer), with a 120 s alarm.
 *
 *   TEST(limit_parse) { ASSERT_OK(cgsup_limit_parse(...)); }
 *   int main(int argc, char **argv) { return tests_main(argc, argv, intro); }
 *
 * intro (may be NULL) returns NULL to run, or a static skip reason: the binary then prints
 * "1..0 # SKIP <reason>" (meson counts it skipped). Inside a test, SKIP("reason %d", x) skips just it.
 * Only privilege/absence errnos (EACCES EPERM EROFS ENOENT) should become skips; use
 * SKIP_IF_PRIVILEGE(r, "what") for that: any other error fails the test.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

typedef void (*test_func_t)(void);
typedef const char *(*test_intro_t)(void);

void tests_register(const char *name, test_func_t func);
int tests_main(int argc, char **argv, test_intro_t intro);
_noreturn_ void tests_fail(const char *file, int line, const char *fmt, ...) _printf_(3, 4);
_noreturn_ void tests_skip(const char *fmt, ...) _printf_(1, 2);
const char *tests_errno_name(int error);
/* A fresh directory /tmp/test-@name-XXXXXX (malloc'ed), and its removal with everything in it. */
char *tests_tmpdir(const char *name);
void tests_rm_rf(const char *dir);

#define TEST(name)                                                                                            \
        static void test_##name(void);                                                                      \
        __attribute__((constructor)) static void test_register_##name(void) {                               \
                tests_register(#name, test_##name);                                                         \
        }                                                                                                   \
        static void test_##name(void)

#define SKIP(...) tests_skip(__VA_ARGS__)

#define ASSERT_TRUE(expr)                                                                                     \
        do {                                                                                                 \
                if (!(expr))                                                                                 \
                        tests_fail(__FILE__, __LINE__, "Assertion failed: %s", #expr);                       \
        } while (0)
#define ASSERT_FALSE(expr) ASSERT_TRUE(!(expr))
#define ASSERT_NULL(expr) ASSERT_TRUE((expr) == NULL)
#define ASSERT_NOT_NULL(expr) ASSERT_TRUE((expr) != NULL)

#define ASSERT_OK(expr)                                                                                       \
        ({                                                                                                   \
                intmax_t _r_ = (intmax_t) (expr);                                                            \
                if (_r_ < 0)                                                                                 \
                        tests_fail(__FILE__, __LINE__, "%s failed: %jd (%s)", #expr, _r_,                    \
                                   tests_errno_name((int) -_r_));                                            \
                _r_;                                                                                         \
        })

/* For syscalls returning -1 + errno. */
#define ASSERT_OK_ERRNO(expr)                                                                                 \
        ({                                                                                                   \
                intmax_t _r_ = (intmax_t) (expr);                                                            \
                if (_r_ < 0)                                                                                 \
                        tests_fail(__FILE__, __LINE__, "%s failed: errno %s", #expr,                         \
                                   tests_errno_name(errno));                                                 \
                _r_;                                                                                         \
        })

#define ASSERT_ERROR(expr, err)                                                                               \
        do {                                                                                                 \
                intmax_t _r_ = (intmax_t) (expr);                                                            \
                if (_r_ != -(intmax_t) (err))                                                                \
                        tests_fail(__FILE__, __LINE__, "%s: expected -%s, got %jd (%s)", #expr,              \
                                   tests_errno_name(err), _r_, _r_ < 0 ? tests_errno_name((int) -_r_) : "ok"); \
        } while (0)

#define ASSERT_EQ(a, b)                                                                                       \
        do {                                                                                                 \
                intmax_t _a_ = (intmax_t) (a), _b_ = (intmax_t) (b);                                         \
                if (_a_ != _b_)                                                                              \
                        tests_fail(__FILE__, __LINE__, "Expected %s == %s, got %jd != %jd", #a, #b, _a_, _b_); \
        } while (0)

#define ASSERT_EQ_U64(a, b)                                                                                   \
        do {                                                                                                 \
                uint64_t _a_ = (uint64_t) (a), _b_ = (uint64_t) (b);                                         \
                if (_a_ != _b_)                                                                              \
                        tests_fail(__FILE__, __LINE__, "Expected %s == %s, got %" PRIu64 " != %" PRIu64, #a, #b, \
                                   _a_, _b_);                                                                \
        } while (0)

#define ASSERT_NE(a, b)                                                                                       \
        do {                                                                                                 \
                intmax_t _a_ = (intmax_t) (a), _b_ = (intmax_t) (b);                                         \
                if (_a_ == _b_)                                                                              \
                        tests_fail(__FILE__, __LINE__, "Expected %s != %s, both %jd", #a, #b, _a_);          \
        } while (0)

#define ASSERT_LE(a, b)                                                                                       \
        do {                                                                                                 \
                intmax_t _a_ = (intmax_t) (a), _b_ = (intmax_t) (b);                                         \
                if (!(_a_ <= _b_))                                                                           \
                        tests_fail(__FILE__, __LINE__, "Expected %s <= %s, got %jd > %jd", #a, #b, _a_, _b_); \
        } while (0)

#define ASSERT_GE(a, b) ASSERT_LE(b, a)

#define ASSERT_STREQ(a, b)                                                                                    \
        do {                                                                                                 \
                const char *_a_ = (a), *_b_ = (b);                                                           \
                if (!_a_ || !_b_ || strcmp(_a_, _b_) != 0)                                                   \
                        tests_fail(__FILE__, __LINE__, "Expected %s == %s, got \"%s\" != \"%s\"", #a, #b,    \
                                   _a_ ?: "(null)", _b_ ?: "(null)");                                        \
        } while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                                                      \
        do {                                                                                                 \
                const char *_h_ = (hay), *_n_ = (needle);                                                    \
                if (!_h_ || !strstr(_h_, _n_))                                                               \
                        tests_fail(__FILE__, __LINE__, "Expected \"%s\" in %s = \"%s\"", _n_, #hay,          \
                                   _h_ ?: "(null)");                                                         \
        } while (0)

#define SKIP_IF_PRIVILEGE(r, what)                                                                            \
        do {                                                                                                 \
                int _e_ = (int) (r);                                                                         \
                if (_e_ < 0 && ERRNO_IS_PRIVILEGE_OR_ABSENT(-_e_))                                           \
                        tests_skip("%s: %s", what, tests_errno_name(-_e_));                                  \
        } while (0)
