/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"

/* The registry is filled by constructors before main() runs; a test binary is single-purpose, so a
 * static table is simpler than allocation. */
#define TESTS_MAX 256
static struct {
        const char *name;
        test_func_t func;
} tests[TESTS_MAX];
static size_t n_tests;
/* Shared with the forked child so it can hand back its skip reason. */
static char *skip_reason;
#define SKIP_REASON_MAX 512

void tests_register(const char *name, test_func_t func) {
        if (n_tests >= TESTS_MAX) {
                fprintf(stderr, "Too many tests\n");
                abort();
        }
        tests[n_tests].name = name;
        tests[n_tests].func = func;
        n_tests++;
}

char *tests_tmpdir(const char *name) {
        char *d = NULL;

        if (asprintf(&d, "/tmp/test-%s-XXXXXX", name) < 0 || !mkdtemp(d))
                tests_fail(__FILE__, __LINE__, "Cannot make a temporary directory for %s", name);
        return d;
}

void tests_rm_rf(const char *dir) {
        char cmd[4200];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                tests_fail(__FILE__, __LINE__, "Cannot remove %s", dir);
}

const char *tests_errno_name(int error) {
        const char *n = strerrorname_np(error);
        return n ?: "unknown errno";
}

void tests_fail(const char *file, int line, const char *fmt, ...) {
        va_list ap;
        fflush(stdout);
        printf("# %s:%d: ", file, line);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        fflush(stdout);
        _exit(1);
}

void tests_skip(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (skip_reason)
                vsnprintf(skip_reason, SKIP_REASON_MAX, fmt, ap);
        va_end(ap);
        fflush(stdout);
        exit(77);
}

static int run_one(size_t i) {
        pid_t pid;
        int status;

        skip_reason[0] = 0;
        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0) {
                printf("# fork failed: %m\n");
                return 1;
        }
        if (pid == 0) {
                /* Hang guards, not speed checks: 120 s of CPU catches a spinning case however loaded
                 * the machine is (ASan cases take ~20 s of CPU, but minutes of wall time at load 30);
                 * the wall-clock alarm, below meson's 600 s timeout, catches one blocked for good. */
                (void) setrlimit(RLIMIT_CPU, &(struct rlimit) { 120, 121 });
                alarm(540);
                tests[i].func();
                fflush(stdout);
                exit(0);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 1;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        printf("# test killed by signal %s\n", sigabbrev_np(WTERMSIG(status)) ?: "?");
        return 1;
}

int tests_main(int argc, char **argv, test_intro_t intro) {
        const char *filter = argc > 1 ? argv[1] : NULL;
        unsigned failed = 0, n = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (intro) {
                const char *reason = intro();
                if (reason) {
                        printf("1..0 # SKIP %s\n", reason);
                        return 0;
                }
        }

        skip_reason = mmap(NULL, SKIP_REASON_MAX, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (skip_reason == MAP_FAILED)
                return 1;

        for (size_t i = 0; i < n_tests; i++)
                if (!filter || strstr(tests[i].name, filter))
                        n++;
        printf("1..%u\n", n);
        n = 0;
        for (size_t i = 0; i < n_tests; i++) {
                if (filter && !strstr(tests[i].name, filter))
                        continue;
                n++;
                int r = run_one(i);
                if (r == 0)
                        printf("ok %u - %s\n", n, tests[i].name);
                else if (r == 77)
                        printf("ok %u - %s # SKIP %s\n", n, tests[i].name, skip_reason);
                else {
                        printf("not ok %u - %s\n", n, tests[i].name);
                        failed++;
                }
        }
        (void) munmap(skip_reason, SKIP_REASON_MAX);
        return failed > 0 ? 1 : 0;
}
