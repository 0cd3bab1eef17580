/* SPDX-License-Identifier: MIT */
/*
 * bench-kill: time to end a process tree of N processes (default 1000) until the cgroup is empty, with
 * cgsup_cgroup_kill() (cgroup.kill, one write) against the baseline a pid-file supervisor has: walking
 * /proc for the tree's processes and SIGKILLing them one by one until none is left. Both trees are built
 * the same way in the same run. Prints the ratio.
 */
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "cgsup/cgroup.h"
#include "macro.h"

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

static uint64_t now_nsec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

/* Builds a tree of n sleeping processes: a fan-out of 25 children, each with up to 39 grandchildren, all
 * in the cgroup @leaf. Returns the top pid. */
static pid_t make_tree(int root_fd, const char *leaf, unsigned n) {
        pid_t top = fork();
        if (top != 0)
                return top;
        /* Its own session, so the baseline's session match can only ever hit the tree, never us or the
         * shell that runs the benchmark. */
        if (setsid() < 0 || cgsup_cgroup_attach_pid(root_fd, leaf, getpid()) < 0)
                _exit(1);
        unsigned made = 1;
        while (made < n) {
                unsigned sub = MIN(39u, n - made - 1);
                pid_t c = fork();
                if (c == 0) {
                        for (unsigned i = 0; i < sub; i++)
                                if (fork() == 0)
                                        for (;;)
                                                pause();
                        for (;;)
                                pause();
                }
                made += 1 + sub;
        }
        for (;;)
                pause();
}

static unsigned count_procs(int root_fd, const char *leaf) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        if (cgsup_cgroup_pids(root_fd, leaf, &pids, &n) < 0)
                return 0;
        return (unsigned) n;
}

static void wait_count(int root_fd, const char *leaf, unsigned n) {
        uint64_t deadline = now_nsec() + 30 * NSEC_PER_SEC;
        while (count_procs(root_fd, leaf) < n && now_nsec() < deadline)
                usleep(10000);
}

/* Baseline: what tools without cgroups do — find the descendants of @top via /proc/PID/stat ppid links
 * (and session, for the ones that re-parented) and kill them until none remain. */
static void kill_by_proc_walk(pid_t top) {
        pid_t sid = getsid(top);

        if (sid != top)
                return; /* not the session leader we made: refuse to match anything by session */
        for (;;) {
                unsigned killed = 0;
                _cleanup_(closedirp) DIR *d = opendir("/proc");
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        char path[64], buf[512];
                        pid_t pid = atoi(de->d_name);
                        if (pid <= 0)
                                continue;
                        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
                        FILE *f = fopen(path, "re");
                        if (!f)
                                continue;
                        size_t k = fread(buf, 1, sizeof(buf) - 1, f);
                        fclose(f);
                        buf[k] = 0;
                        char *p = strrchr(buf, ')');
                        int ppid = 0, pgrp = 0, tsid = 0;
                        char state;
                        if (!p || sscanf(p + 2, "%c %d %d %d", &state, &ppid, &pgrp, &tsid) != 4 || state == 'Z')
                                continue;
                        if (pid == getpid())
                                continue;
                        if (pid == top || pgrp == top || tsid == sid || ppid == top) {
                                kill(pid, SIGKILL);
                                killed++;
                        }
                }
                if (killed == 0)
                        return;
        }
}

int main(int argc, char **argv) {
        unsigned n = argc > 1 ? (unsigned) strtoul(argv[1], NULL, 10) : 1000;
        _cleanup_free_ char *self = NULL, *a = NULL, *b = NULL;
        _cleanup_close_ int root_fd = -EBADF;

        if (geteuid() != 0) {
                printf("SKIP: needs root\n");
                return 77;
        }
        if (cgsup_cgroup2_open_root(&root_fd, NULL) < 0 || cgsup_cgroup_of_pid(0, &self) < 0) {
                printf("SKIP: no cgroup2 mount\n");
                return 77;
        }
        if (asprintf(&a, "%s%sbench-kill-%d-a", self, isempty(self) ? "" : "/", (int) getpid()) < 0 ||
            asprintf(&b, "%s%sbench-kill-%d-b", self, isempty(self) ? "" : "/", (int) getpid()) < 0)
                return 1;
        if (cgsup_cgroup_create(root_fd, a) < 0 || cgsup_cgroup_create(root_fd, b) < 0) {
                printf("SKIP: cannot create cgroups\n");
                return 77;
        }

        /* Baseline first, in its own cgroup so that we can still clean up if it misses processes. */
        pid_t top = make_tree(root_fd, b, n);
        wait_count(root_fd, b, n);
        unsigned nb = count_procs(root_fd, b);
        uint64_t t0 = now_nsec();
        kill_by_proc_walk(top);
        (void) waitpid(top, NULL, 0);
        (void) cgsup_cgroup_wait_empty(root_fd, b, 30 * USEC_PER_SEC);
        uint64_t tb = now_nsec() - t0;
        unsigned left_b = count_procs(root_fd, b);
        (void) cgsup_cgroup_kill(root_fd, b);
        (void) cgsup_cgroup_wait_empty(root_fd, b, 30 * USEC_PER_SEC);

        top = make_tree(root_fd, a, n);
        wait_count(root_fd, a, n);
        unsigned na = count_procs(root_fd, a);
        t0 = now_nsec();
        (void) cgsup_cgroup_kill(root_fd, a);
        (void) cgsup_cgroup_wait_empty(root_fd, a, 30 * USEC_PER_SEC);
        uint64_t ta = now_nsec() - t0;
        (void) waitpid(top, NULL, 0);

        (void) cgsup_cgroup_remove(root_fd, a);
        (void) cgsup_cgroup_remove(root_fd, b);

        printf("bench-kill: tree of %u processes\n", n);
        printf("  baseline /proc walk + kill(2) each: %8.1f ms (%u procs, %u left behind)\n", tb / 1e6, nb, left_b);
        printf("  cgsup cgroup.kill until empty:      %8.1f ms (%u procs)\n", ta / 1e6, na);
        printf("  ratio cgsup/baseline: %.2f\n", (double) ta / (double) tb);
        return 0;
}
