/* SPDX-License-Identifier: MIT */
/*
 * bench-spawn: cost of starting a program inside its own fresh cgroup with cgsup (mkdir leaf +
 * clone3(CLONE_INTO_CGROUP) + exec + wait via pidfd + rmdir), against the baseline of a plain
 * fork + exec + waitpid of the same binary measured in the same run. Prints the ratio.
 *
 *   bench-spawn [ITERATIONS [BALLAST_MIB]]   (needs root and a writable cgroup2 tree; exits 77 otherwise)
 *
 * BALLAST_MIB makes this process that much larger first (allocated and touched), the way a daemon that
 * holds many programs is large: fork's cost grows with it (it copies the page tables), cgsup_spawn()'s
 * should not (clone3 with CLONE_VM | CLONE_VFORK on its own stack). Compare `bench-spawn 300` with
 * `bench-spawn 300 1024`.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "cgsup/cgroup.h"
#include "cgsup/spawn.h"
#include "macro.h"

static uint64_t now_nsec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n) {
        qsort(v, n, sizeof(*v), cmp_u64);
        return v[n / 2];
}

int main(int argc, char **argv) {
        size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 300;
        size_t ballast_mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
        _cleanup_free_ char *ballast = NULL;
        char *const true_argv[] = { (char *) "/bin/true", NULL };
        _cleanup_free_ char *self = NULL, *parent = NULL;
        _cleanup_free_ uint64_t *base = calloc(n, sizeof(uint64_t)), *cg = calloc(n, sizeof(uint64_t));
        _cleanup_close_ int root_fd = -EBADF;
        int r;

        if (!base || !cg || n == 0)
                return 1;
        if (geteuid() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        if (ballast_mib > 0) {
                ballast = malloc(ballast_mib << 20);
                if (!ballast)
                        return 1;
                memset(ballast, 1, ballast_mib << 20);
        }
        r = cgsup_cgroup2_open_root(&root_fd, NULL);
        if (r < 0 || cgsup_cgroup_of_pid(0, &self) < 0) {
                printf("SKIP: no cgroup2 mount\n");
                return 77;
        }
        if (asprintf(&parent, "%s%sbench-spawn-%d", self, isempty(self) ? "" : "/", (int) getpid()) < 0)
                return 1;
        r = cgsup_cgroup_create(root_fd, parent);
        if (r < 0) {
                printf("SKIP: cannot create cgroup %s: %s\n", parent, strerror(-r));
                return 77;
        }

        for (size_t i = 0; i < n; i++) {
                uint64_t t0 = now_nsec();
                pid_t pid = fork();
                if (pid == 0) {
                        execv(true_argv[0], true_argv);
                        _exit(127);
                }
                (void) waitpid(pid, NULL, 0);
                base[i] = now_nsec() - t0;
        }

        for (size_t i = 0; i < n; i++) {
                char leaf[PATH_MAX];
                snprintf(leaf, sizeof(leaf), "%s/i%zu", parent, i);
                uint64_t t0 = now_nsec();
                _cleanup_close_ int cgfd = -EBADF;
                if (cgsup_cgroup_create(root_fd, leaf) < 0 || cgsup_cgroup_open(root_fd, leaf, &cgfd) < 0)
                        return 1;
                CgsupSpawnPlan plan = {
                        .path = true_argv[0], .argv = true_argv, .cgroup_fd = cgfd, .umask = -1,
                        .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
                };
                CgsupSpawnResult res;
                r = cgsup_spawn(&plan, &res);
                if (r < 0) {
                        fprintf(stderr, "cgsup_spawn: %s\n", strerror(-r));
                        return 1;
                }
                (void) cgsup_pidfd_wait(res.pidfd, false, NULL, NULL, NULL);
                safe_close(res.pidfd);
                /* Once the only process is reaped the cgroup is empty; waiting for the cgroup.events
                 * notification first would measure the kernel's 10 ms notification rate limit instead. */
                if (cgsup_cgroup_remove(root_fd, leaf) == -EBUSY) {
                        (void) cgsup_cgroup_wait_empty(root_fd, leaf, 5 * USEC_PER_SEC);
                        (void) cgsup_cgroup_remove(root_fd, leaf);
                }
                cg[i] = now_nsec() - t0;
        }
        (void) cgsup_cgroup_remove(root_fd, parent);

        uint64_t b = median(base, n), c = median(cg, n);
        printf("bench-spawn: %zu iterations, %zu MiB of ballast\n", n, ballast_mib);
        printf("  baseline fork+exec+waitpid:                      median %7.1f us\n", b / 1e3);
        printf("  cgsup mkdir+clone3(INTO_CGROUP)+exec+wait+rmdir: median %7.1f us\n", c / 1e3);
        printf("  ratio cgsup/baseline: %.2f\n", (double) c / (double) b);
        return 0;
}
