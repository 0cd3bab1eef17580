/* SPDX-License-Identifier: MIT */
/*
 * Filter spec parsing, and the compiled filters on the live kernel. Installing a filter needs no privilege
 * once no_new_privs is set, and each TEST() runs in its own forked child, so the filter dies with it.
 */

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "cgsup/spawn.h"
#include "tests.h"

static void filter_freep(CgsupSeccompFilter **f) {
        cgsup_seccomp_filter_free(*f);
}
#define _cleanup_filter_ _cleanup_(filter_freep)

static void assert_bad(const char *spec, const char *expected_bad) {
        CgsupSeccompFilter *f = NULL;
        _cleanup_free_ char *bad = NULL;
        int r = cgsup_seccomp_filter_new(spec, 0, &f, &bad);
        if (r != -EINVAL)
                tests_fail(__FILE__, __LINE__, "spec \"%s\": expected -EINVAL, got %d", spec, r);
        ASSERT_NULL(f);
        if (!bad || !streq(bad, expected_bad))
                tests_fail(__FILE__, __LINE__, "spec \"%s\": expected bad entry \"%s\", got \"%s\"", spec,
                           expected_bad, bad ?: "(null)");
}

static void assert_good(const char *spec) {
        _cleanup_filter_ CgsupSeccompFilter *f = NULL;
        _cleanup_free_ char *bad = NULL;
        int r = cgsup_seccomp_filter_new(spec, 0, &f, &bad);
        if (r < 0)
                tests_fail(__FILE__, __LINE__, "spec \"%s\": %s (bad: %s)", spec, tests_errno_name(-r),
                           bad ?: "-");
        ASSERT_NOT_NULL(f);
}

TEST(parse_good_specs) {
        assert_good("~@mount");
        assert_good("~@mount @reboot mount:EACCES");
        assert_good("  ~ @mount  ");
        assert_good("~mount:13 reboot:eacces");
        assert_good("@system-service");
        assert_good("@default read write");
        assert_good("~@privileged @obsolete @debug @cpu-emulation @raw-io @clock @swap @module @keyring");
        /* Group names without '@' are syscalls; duplicates are fine (last one wins). */
        assert_good("~mount mount:EACCES");
}

TEST(parse_bad_specs) {
        assert_bad("~nosuchcall", "nosuchcall");
        assert_bad("~mount nosuchcall reboot", "nosuchcall");
        assert_bad("~@nosuchgroup", "@nosuchgroup");
        assert_bad("@default @nosuchgroup", "@nosuchgroup");
        assert_bad("~mount:EBOGUS", "mount:EBOGUS");
        assert_bad("~mount:0", "mount:0");
        assert_bad("~mount:5000", "mount:5000");
        assert_bad("~mount:", "mount:");
        assert_bad("~:EPERM", ":EPERM");
        /* An errno in an allow-list means a forgotten '~'. */
        assert_bad("mount:EACCES", "mount:EACCES");
        assert_bad("", "");
        assert_bad("   ", "");
        assert_bad("~", "~");
}

TEST(parse_bad_args) {
        CgsupSeccompFilter *f = NULL;
        ASSERT_ERROR(cgsup_seccomp_filter_new(NULL, 0, &f, NULL), EINVAL);
        ASSERT_ERROR(cgsup_seccomp_filter_new("~mount", 0, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_seccomp_filter_new("~mount", -1, &f, NULL), EINVAL);
        ASSERT_ERROR(cgsup_seccomp_filter_new("~mount", 4096, &f, NULL), EINVAL);
        /* reterr_bad may be NULL. */
        ASSERT_ERROR(cgsup_seccomp_filter_new("~nosuchcall", 0, &f, NULL), EINVAL);
        ASSERT_NULL(f);
}

TEST(every_group_compiles_both_ways) {
        for (const char *const *g = cgsup_seccomp_groups(); *g; g++) {
                _cleanup_free_ char *deny = NULL;
                ASSERT_OK_ERRNO(asprintf(&deny, "~%s", *g));
                assert_good(deny);
                assert_good(*g);
        }
}

TEST(free_null) {
        ASSERT_NULL(cgsup_seccomp_filter_free(NULL));
}

static void install(const char *spec, int default_errno) {
        _cleanup_filter_ CgsupSeccompFilter *f = NULL;
        ASSERT_OK(cgsup_seccomp_filter_new(spec, default_errno, &f, NULL));
        ASSERT_OK_ERRNO(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        ASSERT_OK(cgsup_seccomp_filter_install(f));
}

/* Ends a test that installed a filter: LeakSanitizer's exit-time scan (ptrace, getppid, ...) would run into
 * the filter, and everything worth checking for leaks happened before the install. */
static _noreturn_ void filtered_test_done(void) {
        fflush(stdout);
        _exit(0);
}

TEST(deny_list_live) {
        struct utsname u;

        ASSERT_OK_ERRNO(uname(&u));
        install("~uname:EACCES getppid", EPERM);
        errno = 0;
        ASSERT_TRUE(uname(&u) < 0 && errno == EACCES);
        errno = 0;
        ASSERT_TRUE(syscall(SYS_getppid) < 0 && errno == EPERM);
        /* Everything else still works. */
        ASSERT_TRUE(getpid() > 0);
        ASSERT_OK_ERRNO(write(STDOUT_FILENO, "# still alive\n", 14));
        filtered_test_done();
}

TEST(default_errno_live) {
        install("~getppid", ENOTSUP);
        errno = 0;
        ASSERT_TRUE(syscall(SYS_getppid) < 0 && errno == ENOTSUP);
        filtered_test_done();
}

TEST(allow_list_live) {
        /* Enough for this process to keep running and report: exit, write, and what glibc/the test
         * framework touch on the way out. getcwd is not in there. */
        char buf[256];

        install("@basic-io @signal @default @file-system", EPERM);
        ASSERT_OK_ERRNO(write(STDOUT_FILENO, "# still alive\n", 14));
        errno = 0;
        ASSERT_TRUE(syscall(SYS_uname, buf) < 0 && errno == EPERM);
        ASSERT_TRUE(getpid() > 0);
        filtered_test_done();
}

#if defined(__x86_64__) && !defined(__ILP32__)
/* i386 getppid through int 0x80: takes no pointer, so it works from a 64-bit process when the kernel has
 * IA32 emulation. */
static long getppid_i386(void) {
        long ret = 64; /* __NR_getppid on i386 */
        __asm__ volatile("int $0x80" : "+a"(ret) : : "memory", "r8", "r9", "r10", "r11");
        return ret;
}

/* Whether int 0x80 works here, asked in a child: on some kernels built with IA32 emulation it still ends
 * in SIGSEGV (seen on this project's CI machines), and a probe must never crash the test. The child puts
 * SIGSEGV back to the kernel default with the raw syscall, so a sanitizer's handler does not turn the
 * expected crash into a report. */
static bool have_ia32_syscalls(pid_t ppid) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return false;
        if (pid == 0) {
                struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } dfl = {};
                (void) syscall(SYS_rt_sigaction, SIGSEGV, &dfl, NULL, sizeof(dfl.mask));
                _exit(getppid_i386() == ppid ? 0 : 1);
        }
        if (waitpid(pid, &status, 0) != pid)
                return false;
        if (WIFSIGNALED(status))
                printf("# IA32 probe: int $0x80 died with signal %d\n", WTERMSIG(status));
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

/* The deny-list also covers the i386 and x32 ABIs, so "~getppid" cannot be bypassed through them. */
TEST(deny_list_covers_compat_abis) {
#if defined(__x86_64__) && !defined(__ILP32__)
        /* The probe's child has us as its parent: our pid is what its i386 getppid must return. */
        bool have_ia32 = have_ia32_syscalls(getpid());

        install("~getppid:EACCES", EPERM);
        if (have_ia32)
                ASSERT_EQ(getppid_i386(), -EACCES);
        /* Without IA32 emulation the i386 entry is not reached at all, so it cannot bypass the filter. */
        /* x32: the native number with __X32_SYSCALL_BIT. Blocked by the filter whether or not the kernel
         * was built with x32 support (without it the kernel would say ENOSYS, never return ppid). */
        errno = 0;
        long r = syscall(SYS_getppid | 0x40000000);
        ASSERT_TRUE(r < 0 && errno == EACCES);
        if (!have_ia32)
                printf("# kernel without IA32 emulation: only the x32 path was checked\n");
        filtered_test_done();
#else
        SKIP("not x86-64");
#endif
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
