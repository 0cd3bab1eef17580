/* SPDX-License-Identifier: MIT */
/*
 * libcgsup against the real cgroup2 hierarchy: subtrees, attaching, killing whole trees (setsid,
 * double fork, fork storms), freeze/thaw, the events watch, limits the host cannot enforce, stats.
 * Needs root and a writable cgroup2 mount; no controllers (this host has none in cgroup2).
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "host-util.h"
#include "src/libcgsup/cg-internal.h"
#include "tests.h"

#define WAIT_USEC (10 * USEC_PER_SEC)
/* Emptying a 500-process cgroup takes ~30 ms here but ~4 s under QEMU TCG (the VM tier). */
#define STORM_WAIT_USEC (60 * USEC_PER_SEC)

static void sleep_usec(usec_t t) {
        struct timespec ts = { .tv_sec = (time_t) (t / USEC_PER_SEC),
                               .tv_nsec = (long) (t % USEC_PER_SEC) * 1000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Bounded wait (tests only) until @rel holds at least @n processes (not recursive). */
static int wait_nprocs_at_least(const char *rel, int n, usec_t timeout) {
        usec_t deadline = host_now() + timeout;
        for (;;) {
                int k = host_cgroup_nprocs(rel);
                if (k < 0)
                        return k;
                if (k >= n)
                        return k;
                if (host_now() > deadline)
                        return -ETIME;
                sleep_usec(5 * USEC_PER_MSEC);
        }
}

/*
 * Forks a child that waits until the parent has moved it into @cg, then runs @fn (which must not return
 * for long-lived children). The child dies with the test (PDEATHSIG) even if the cleanup never runs.
 */
static pid_t fork_into(const char *cg, void (*fn)(void *), void *userdata) {
        int go[2];
        pid_t pid;
        char c = 0;

        ASSERT_OK_ERRNO(pipe2(go, O_CLOEXEC));
        pid = fork();
        ASSERT_OK_ERRNO(pid);
        if (pid == 0) {
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                (void) close(go[1]);
                if (read(go[0], &c, 1) != 1)
                        _exit(3);
                fn(userdata);
                _exit(0);
        }
        (void) close(go[0]);
        ASSERT_OK(cgsup_cgroup_attach_pid(host_cgroup_root_fd(), cg, pid));
        ASSERT_EQ(write(go[1], &c, 1), 1);
        (void) close(go[1]);
        return pid;
}

static void do_pause(void *userdata) {
        for (;;)
                pause();
}

static void do_spin(void *userdata) {
        volatile uint64_t x = 0;
        for (;;)
                x++;
}

static bool pid_in_cgroup(pid_t pid, const char *cg) {
        _cleanup_free_ char *p = NULL;
        return cgsup_cgroup_of_pid(pid, &p) >= 0 && streq(p, cg);
}

static char *path_join2(const char *a, const char *b) {
        char *s;
        ASSERT_OK_ERRNO(asprintf(&s, "%s/%s", a, b));
        return s;
}

static bool cgroup_dir_exists(const char *rel) {
        _cleanup_free_ char *abs = host_cgroup_abs(rel);
        struct stat st;
        return abs && stat(abs, &st) >= 0 && S_ISDIR(st.st_mode);
}

TEST(discovery) {
        _cleanup_free_ char *mnt = NULL, *own = NULL;
        _cleanup_close_ int fd = -EBADF;
        unsigned mask;

        ASSERT_OK(cgsup_cgroup2_mount_path(&mnt));
        ASSERT_STREQ(mnt, host_cgroup_mount());
        ASSERT_OK(cgsup_cgroup2_open_root(&fd, NULL));
        ASSERT_OK(cgsup_cgroup_of_pid(0, &own));
        ASSERT_STREQ(own, host_own_cgroup());
        ASSERT_EQ(own[0] == '/', false);

        ASSERT_EQ(cgsup_cgroup_is_delegated(host_cgroup_root_fd(), host_test_cgroup()), 1);
        ASSERT_ERROR(cgsup_cgroup_is_delegated(host_cgroup_root_fd(), "cgsup-no-such-cgroup"), ENOENT);
        ASSERT_OK(cgsup_cgroup_controllers(host_cgroup_root_fd(), host_test_cgroup(), &mask));
        printf("# test cgroup controllers mask 0x%x\n", mask);
        ASSERT_ERROR(cgsup_cgroup_controllers(host_cgroup_root_fd(), "cgsup-no-such-cgroup", &mask), ENOENT);

        /* Enabling a controller the parent does not offer is refused before any write. */
        if (!host_has_controller("memory"))
                ASSERT_ERROR(cgsup_cgroup_enable_controllers(host_cgroup_root_fd(), host_test_cgroup(),
                                                             CGSUP_CONTROLLER_MEMORY),
                             EOPNOTSUPP);
        ASSERT_OK(cgsup_cgroup_enable_controllers(host_cgroup_root_fd(), host_test_cgroup(), 0));
}

TEST(create_remove_nested) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *top = path_join2(host_test_cgroup(), "nest");
        _cleanup_free_ char *deep = path_join2(top, "a/b/c"), *sib = path_join2(top, "a/d");
        _cleanup_free_ char *slash = NULL, *escape = NULL;

        ASSERT_EQ(cgsup_cgroup_create(root, deep), 1);
        ASSERT_EQ(cgsup_cgroup_create(root, deep), 0);
        ASSERT_OK_ERRNO(asprintf(&slash, "//%s/", sib));
        ASSERT_EQ(cgsup_cgroup_create(root, slash), 1); /* leading and trailing '/' tolerated */
        ASSERT_TRUE(cgroup_dir_exists(deep));
        ASSERT_TRUE(cgroup_dir_exists(sib));

        ASSERT_OK_ERRNO(asprintf(&escape, "%s/../../escape", top));
        ASSERT_ERROR(cgsup_cgroup_create(root, escape), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_create(root, "../x"), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_remove(root, ".."), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_remove(root, "/"), EINVAL);

        ASSERT_OK(cgsup_cgroup_remove(root, top));
        ASSERT_FALSE(cgroup_dir_exists(top));
        ASSERT_EQ(cgsup_cgroup_remove(root, top), 0); /* missing is fine */
}

TEST(remove_populated_is_busy) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *top = path_join2(host_test_cgroup(), "busy");
        _cleanup_free_ char *leaf = path_join2(top, "leaf"), *empty = path_join2(top, "empty");
        pid_t pid;

        ASSERT_OK(cgsup_cgroup_create(root, leaf));
        ASSERT_OK(cgsup_cgroup_create(root, empty));
        pid = fork_into(leaf, do_pause, NULL);

        ASSERT_ERROR(cgsup_cgroup_remove(root, top), EBUSY);
        ASSERT_TRUE(cgroup_dir_exists(leaf));
        ASSERT_FALSE(cgroup_dir_exists(empty)); /* the empty sibling went, deepest first */

        ASSERT_OK(cgsup_cgroup_kill(root, top));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, top, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_remove(root, top));
        ASSERT_FALSE(cgroup_dir_exists(top));
}

/* cgsup_cgroup_rmdir() is one rmdir, never the walk: a leaf with processes or an empty child cgroup is
 * refused with EBUSY and left as it was (the daemon reads cgroup.events on that refusal). */
TEST(rmdir_alone_never_walks) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *top = path_join2(host_test_cgroup(), "rmdir");
        _cleanup_free_ char *leaf = path_join2(top, "leaf"), *empty = path_join2(top, "leaf/empty");
        pid_t pid;

        ASSERT_ERROR(cgsup_cgroup_rmdir(root, ".."), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_rmdir(root, "/"), EINVAL);

        ASSERT_OK(cgsup_cgroup_create(root, empty));
        ASSERT_ERROR(cgsup_cgroup_rmdir(root, leaf), EBUSY); /* an empty child: refused, not walked */
        ASSERT_TRUE(cgroup_dir_exists(empty));
        ASSERT_EQ(cgsup_cgroup_rmdir(root, empty), 0);
        ASSERT_FALSE(cgroup_dir_exists(empty));

        pid = fork_into(leaf, do_pause, NULL);
        ASSERT_ERROR(cgsup_cgroup_rmdir(root, leaf), EBUSY); /* processes: refused */
        ASSERT_TRUE(cgroup_dir_exists(leaf));
        ASSERT_OK(cgsup_cgroup_kill(root, leaf));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, leaf, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_EQ(cgsup_cgroup_rmdir(root, leaf), 0);
        ASSERT_FALSE(cgroup_dir_exists(leaf));
        ASSERT_EQ(cgsup_cgroup_rmdir(root, leaf), 0); /* missing is fine */
        ASSERT_OK(cgsup_cgroup_remove(root, top));
}

TEST(attach_and_list_pids) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *top = path_join2(host_test_cgroup(), "attach");
        _cleanup_free_ char *a = path_join2(top, "a"), *b = path_join2(top, "b/c");
        _cleanup_free_ pid_t *pids = NULL;
        pid_t p1, p2;
        size_t n;

        ASSERT_OK(cgsup_cgroup_create(root, a));
        ASSERT_OK(cgsup_cgroup_create(root, b));
        p1 = fork_into(a, do_pause, NULL);
        p2 = fork_into(b, do_pause, NULL);
        ASSERT_TRUE(pid_in_cgroup(p1, a));
        ASSERT_TRUE(pid_in_cgroup(p2, b));

        ASSERT_OK(cgsup_cgroup_pids(root, top, &pids, &n));
        ASSERT_EQ(n, 2);
        ASSERT_TRUE((pids[0] == p1 && pids[1] == p2) || (pids[0] == p2 && pids[1] == p1));
        free(pids);
        pids = NULL;
        ASSERT_OK(cgsup_cgroup_pids(root, b, &pids, &n));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(pids[0], p2);

        ASSERT_ERROR(cgsup_cgroup_attach_pid(root, a, 0), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_attach_pid(root, "cgsup-no-such-cgroup", p1), ENOENT);

        ASSERT_OK(cgsup_cgroup_kill(root, top));
        ASSERT_OK(host_wait_gone(p1, WAIT_USEC));
        ASSERT_OK(host_wait_gone(p2, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, top, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_remove(root, top));
}

TEST(attach_pidfd_adopts) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *from = path_join2(host_test_cgroup(), "adopt-from");
        _cleanup_free_ char *to = path_join2(host_test_cgroup(), "adopt-to");
        _cleanup_close_ int pidfd = -EBADF, dead_fd = -EBADF;
        pid_t pid, dead;

        ASSERT_OK(cgsup_cgroup_create(root, from));
        ASSERT_OK(cgsup_cgroup_create(root, to));
        pid = fork_into(from, do_pause, NULL);
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        ASSERT_OK_ERRNO(pidfd);

        ASSERT_OK(cgsup_cgroup_attach_pidfd(root, to, pidfd));
        ASSERT_TRUE(pid_in_cgroup(pid, to));
        ASSERT_EQ(host_cgroup_nprocs(from), 0);

        /* A pidfd whose process has exited cannot be adopted: the pid may already belong to someone else. */
        dead = fork();
        ASSERT_OK_ERRNO(dead);
        if (dead == 0)
                _exit(0);
        dead_fd = (int) syscall(SYS_pidfd_open, dead, 0);
        ASSERT_OK_ERRNO(dead_fd);
        ASSERT_OK_ERRNO(waitpid(dead, NULL, 0));
        ASSERT_ERROR(cgsup_cgroup_attach_pidfd(root, to, dead_fd), ESRCH);
        ASSERT_ERROR(cgsup_cgroup_attach_pidfd(root, to, STDIN_FILENO), EINVAL); /* not a pidfd */

        ASSERT_OK(cgsup_cgroup_kill(root, to));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
}

static void do_exec_setsid_tree(void *userdata) {
        char *envp[] = { userdata, (char *) "PATH=/usr/bin:/bin", NULL };
        execle("/bin/sh", "sh", "-c", "(setsid sh -c 'sleep 1000 & sleep 1000 & wait' &); sleep 1000 & wait",
               (char *) NULL, envp);
        _exit(127);
}

TEST(kill_setsid_double_fork_tree) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "setsid-tree");
        _cleanup_free_ pid_t *pids = NULL;
        char marker[64];
        size_t n;
        pid_t pid;
        int r;

        ASSERT_OK(cgsup_cgroup_create(root, cg));
        snprintf(marker, sizeof(marker), "CGSUP_TEST_MARKER=setsid-%d", (int) getpid());

        /* A launcher that daemonizes twice over: a background subshell (orphaned at once) runs setsid, which
         * starts two more sleeps in a new session; the launcher itself also keeps a sleep. Every process
         * carries the marker in its environment, so we can look for survivors anywhere in /proc. */
        pid = fork_into(cg, do_exec_setsid_tree, marker);

        usec_t deadline = host_now() + WAIT_USEC;
        while ((r = host_count_procs_with_env(marker)) < 5) {
                ASSERT_OK(r);
                ASSERT_TRUE(host_now() < deadline);
                sleep_usec(10 * USEC_PER_MSEC);
        }
        ASSERT_OK(cgsup_cgroup_pids(root, cg, &pids, &n));
        printf("# tree has %zu processes in the cgroup, %d with the marker\n", n, r);
        ASSERT_EQ((int) n, r);

        ASSERT_OK(cgsup_cgroup_kill(root, cg));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));

        for (size_t i = 0; i < n; i++) {
                ASSERT_OK(host_wait_gone(pids[i], WAIT_USEC));
                ASSERT_FALSE(host_pid_alive(pids[i]));
        }
        ASSERT_EQ(host_count_procs_with_env(marker), 0);
        ASSERT_OK(cgsup_cgroup_remove(root, cg));
}

static void do_fork_storm(void *userdata) {
        unsigned n = *(unsigned *) userdata;
        for (unsigned i = 0; i < n; i++) {
                pid_t p = fork();
                if (p == 0)
                        for (;;)
                                pause();
                if (p < 0)
                        _exit(2);
        }
        for (;;)
                pause();
}

TEST(kill_fork_storm) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "storm");
        unsigned n = 500;
        usec_t t0, t1, t2;
        pid_t pid;

        ASSERT_OK(cgsup_cgroup_create(root, cg));
        pid = fork_into(cg, do_fork_storm, &n);
        ASSERT_OK(wait_nprocs_at_least(cg, (int) n + 1, 60 * USEC_PER_SEC));

        t0 = host_now();
        ASSERT_OK(cgsup_cgroup_kill(root, cg));
        t1 = host_now();
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, STORM_WAIT_USEC));
        t2 = host_now();
        printf("# fork storm of %u+1 processes: kill call %.2f ms, empty after %.2f ms (cgroup.kill: %s)\n",
               n, (double) (t1 - t0) / USEC_PER_MSEC, (double) (t2 - t0) / USEC_PER_MSEC,
               cgsup_kernel_has_cgroup_kill(root, cg) > 0 ? "yes" : "no");

        ASSERT_EQ(host_cgroup_event(cg, "populated"), 0);
        ASSERT_EQ(host_cgroup_nprocs(cg), 0);
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_remove(root, cg));
}

/* Thawed: cgroup.freeze reads 0 (what the library wrote). cgroup.events' "frozen" flag is only waited for
 * while tasks are left: on kernel 6.18 an emptied cgroup that was frozen while its tasks died was seen to
 * keep "frozen 1" for more than 10 s after the thaw (under load), with nothing left that it could hold. */
static void assert_thawed(const char *cg) {
        _cleanup_free_ char *v = NULL;

        ASSERT_OK(host_cgroup_read(cg, "cgroup.freeze", &v));
        ASSERT_TRUE(v[0] == '0');
        if (host_cgroup_event(cg, "populated") > 0)
                ASSERT_OK(host_cgroup_wait_event(cg, "frozen", 0, WAIT_USEC));
}

TEST(kill_fork_storm_by_freezing) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "storm-freeze");
        _cleanup_free_ char *sub = path_join2(cg, "sub");
        unsigned n = 300, n2 = 50;
        usec_t t0, t1, t2;
        pid_t pid, pid2;

        /* What kernels before 5.14 get: freeze, SIGKILL each pid (child cgroups too), thaw. */
        ASSERT_OK(cgsup_cgroup_create(root, sub));
        pid = fork_into(cg, do_fork_storm, &n);
        pid2 = fork_into(sub, do_fork_storm, &n2);
        ASSERT_OK(wait_nprocs_at_least(cg, (int) n + 1, 60 * USEC_PER_SEC));
        ASSERT_OK(wait_nprocs_at_least(sub, (int) n2 + 1, 60 * USEC_PER_SEC));

        t0 = host_now();
        ASSERT_OK(cg_signal_by_freezing(root, cg, SIGKILL));
        t1 = host_now();
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, STORM_WAIT_USEC));
        t2 = host_now();
        printf("# freeze/kill/thaw of %u processes: %.2f ms, empty after %.2f ms\n", n + n2 + 2,
               (double) (t1 - t0) / USEC_PER_MSEC, (double) (t2 - t0) / USEC_PER_MSEC);
        /* Always thawed: our write of 0 is synchronous, the "frozen" flag in cgroup.events follows it (on a
         * loaded machine not necessarily by the time we look): wait for the event, bounded. */
        assert_thawed(cg);
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid2, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_remove(root, cg));
}

static uint64_t cpu_usage_usec(const char *cg) {
        _cleanup_free_ char *text = NULL;
        uint64_t v = 0;
        ASSERT_OK(host_cgroup_read(cg, "cpu.stat", &text));
        ASSERT_OK(cgsup_flat_keyed_get(text, "usage_usec", &v));
        return v;
}

TEST(freeze_thaw) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "freeze");
        CgsupCgroupEvents ev;
        uint64_t u0, u1, u2;
        pid_t pid;

        ASSERT_OK(cgsup_cgroup_create(root, cg));
        pid = fork_into(cg, do_spin, NULL);
        sleep_usec(100 * USEC_PER_MSEC);

        ASSERT_OK(cgsup_cgroup_freeze(root, cg, true));
        ASSERT_OK(host_cgroup_wait_event(cg, "frozen", 1, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_events_read(root, cg, &ev));
        ASSERT_TRUE(ev.frozen);
        ASSERT_TRUE(ev.populated);

        u0 = cpu_usage_usec(cg);
        sleep_usec(300 * USEC_PER_MSEC);
        u1 = cpu_usage_usec(cg);
        printf("# frozen spinner: %" PRIu64 " us of CPU in 300 ms\n", u1 - u0);
        ASSERT_TRUE(u1 - u0 < 5000); /* allow for accounting lag, not for 300 ms of spinning */

        ASSERT_OK(cgsup_cgroup_freeze(root, cg, false));
        ASSERT_OK(host_cgroup_wait_event(cg, "frozen", 0, WAIT_USEC));
        sleep_usec(300 * USEC_PER_MSEC);
        u2 = cpu_usage_usec(cg);
        printf("# thawed spinner: %" PRIu64 " us of CPU in 300 ms\n", u2 - u1);
        ASSERT_TRUE(u2 - u1 > 50000);

        /* Killing a frozen cgroup works too (SIGKILL gets through the v2 freezer). */
        ASSERT_OK(cgsup_cgroup_freeze(root, cg, true));
        ASSERT_OK(host_cgroup_wait_event(cg, "frozen", 1, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_kill(root, cg));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_ERROR(cgsup_cgroup_freeze(root, "cgsup-no-such-cgroup", true), ENOENT);
}

TEST(events_watch_readable_on_empty) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "watch");
        _cleanup_close_ int fd = -EBADF;
        CgsupCgroupEvents ev;
        pid_t pid;
        int r;

        ASSERT_OK(cgsup_cgroup_create(root, cg));
        pid = fork_into(cg, do_pause, NULL);
        ASSERT_OK(cgsup_cgroup_events_watch(root, cg, &fd));
        ASSERT_OK(cgsup_inotify_drain(fd));
        ASSERT_OK(cgsup_cgroup_events_read(root, cg, &ev));
        ASSERT_TRUE(ev.populated);

        /* Still populated: a bounded wait times out. (The fd itself may still see the late notification of
         * the attach, kernfs notifies from a workqueue, so its quietness is not asserted.) */
        ASSERT_ERROR(cgsup_cgroup_wait_empty(root, cg, 50 * USEC_PER_MSEC), ETIME);
        ASSERT_OK(cgsup_inotify_drain(fd));

        ASSERT_OK_ERRNO(kill(pid, SIGKILL));
        r = poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, (int) (WAIT_USEC / USEC_PER_MSEC));
        ASSERT_EQ(r, 1);
        ASSERT_OK(cgsup_inotify_drain(fd));
        ASSERT_OK(cgsup_cgroup_events_read(root, cg, &ev));
        ASSERT_FALSE(ev.populated);
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, 0));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_ERROR(cgsup_cgroup_events_watch(root, "cgsup-no-such-cgroup", &fd), ENOENT);
}

static void do_sleep_children(void *userdata) {
        for (int i = 0; i < 3; i++)
                if (fork() == 0) {
                        execl("/bin/sleep", "sleep", "1000", (char *) NULL);
                        _exit(127);
                }
        for (;;)
                pause();
}

TEST(signal_whole_tree) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "signal");
        _cleanup_free_ char *sub = path_join2(cg, "sub");
        pid_t pid, pid2;

        ASSERT_OK(cgsup_cgroup_create(root, sub));
        pid = fork_into(cg, do_sleep_children, NULL);
        pid2 = fork_into(sub, do_pause, NULL);
        ASSERT_OK(wait_nprocs_at_least(cg, 4, WAIT_USEC));

        /* SIGTERM's default action ends every process, including the one in the child cgroup; this goes
         * through the freeze → signal each → thaw path. */
        ASSERT_OK(cgsup_cgroup_signal(root, cg, SIGTERM));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid2, WAIT_USEC));
        assert_thawed(cg); /* thawed again */

        ASSERT_ERROR(cgsup_cgroup_signal(root, cg, -1), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_signal(root, cg, 1000), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_kill(root, "cgsup-no-such-cgroup"), ENOENT);
        ASSERT_OK(cgsup_cgroup_remove(root, cg));
}

TEST(move_self_to_leaf) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "self"),
                            *leaf = path_join2(cg, "supervisor");

        /* We are the forked test process: moving it does not disturb the parent. */
        ASSERT_OK(cgsup_cgroup_move_self_to_leaf(root, cg, "supervisor"));
        ASSERT_TRUE(pid_in_cgroup(getpid(), leaf));
        ASSERT_ERROR(cgsup_cgroup_move_self_to_leaf(root, cg, "../x"), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_move_self_to_leaf(root, cg, ""), EINVAL);
        /* Back to where the intro found us, so this leaf can be removed at cleanup. */
        ASSERT_OK(cgsup_cgroup_attach_pid(root, host_own_cgroup(), getpid()));
}

TEST(kernel_features) {
        CgsupKernelFeatures f;
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "features");

        ASSERT_OK(cgsup_cgroup_create(host_cgroup_root_fd(), cg));
        ASSERT_OK(cgsup_kernel_features(host_cgroup_root_fd(), cg, &f));
        printf("# kernel %s: clone3_into_cgroup=%d cgroup_kill=%d memory_peak=%d pidfd=%d "
               "cgroup_freeze=%d\n",
               f.release, f.clone3_into_cgroup, f.cgroup_kill, f.memory_peak, f.pidfd, f.cgroup_freeze);
        ASSERT_TRUE(strlen(f.release) > 0);
        /* The host is 6.x: all of these exist. */
        ASSERT_TRUE(f.pidfd);
        ASSERT_TRUE(f.cgroup_freeze);
        ASSERT_EQ(f.cgroup_kill, cgsup_kernel_has_cgroup_kill(host_cgroup_root_fd(), cg) > 0);
        ASSERT_TRUE(f.clone3_into_cgroup);
}

TEST(limit_not_enforceable_is_refused) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *np = path_join2(host_test_cgroup(), "limits"), *child = path_join2(np, "child"),
                            *leaf = path_join2(child, "leaf");
        CgsupLimits limits = {};
        CgsupLimit bad = _CGSUP_LIMIT_INVALID;

        /* "limits" enables nothing for its children, so "limits/child" has no controller files and offers no
         * controller to its own children: on every host (this one, the VM) memory and pids limits cannot be
         * enforced there, and saying so is the only correct answer. */
        ASSERT_OK(cgsup_cgroup_create(root, leaf));
        cgsup_limits_set(&limits, CGSUP_LIMIT_MEMORY_MAX, 512ULL << 20);
        cgsup_limits_set(&limits, CGSUP_LIMIT_PIDS_MAX, 100);
        ASSERT_ERROR(cgsup_limits_check(root, child, &limits, &bad), EOPNOTSUPP);
        ASSERT_EQ(bad, CGSUP_LIMIT_MEMORY_MAX);
        ASSERT_STREQ(cgsup_limit_to_string(bad), "memory_max");

        /* Applying directly fails too (memory.max does not exist): never silently unbounded. */
        bad = _CGSUP_LIMIT_INVALID;
        ASSERT_ERROR(cgsup_limits_apply(root, child, &limits, &bad), EOPNOTSUPP);
        ASSERT_EQ(bad, CGSUP_LIMIT_MEMORY_MAX);
        ASSERT_ERROR(cgsup_limit_apply(root, leaf, CGSUP_LIMIT_PIDS_MAX, 100), EOPNOTSUPP);
        ASSERT_ERROR(cgsup_limit_apply(root, leaf, CGSUP_LIMIT_CPU_QUOTA, 15000), EOPNOTSUPP);

        /* On this hybrid host the whole cgroup2 hierarchy lacks memory. */
        if (!host_has_controller("memory")) {
                bad = _CGSUP_LIMIT_INVALID;
                ASSERT_ERROR(cgsup_limits_check(root, host_test_cgroup(), &limits, &bad), EOPNOTSUPP);
                ASSERT_EQ(bad, CGSUP_LIMIT_MEMORY_MAX);
        }

        /* An empty limit set is trivially enforceable. */
        ASSERT_OK(cgsup_limits_check(root, child, &(CgsupLimits){}, &bad));
        ASSERT_OK(cgsup_cgroup_remove(root, np));
}

/* Where the controllers exist (the VM tier; skipped on this hybrid host): every limit is written, read back
 * and changed live, memory rounding included, and pids.max is actually enforced. */
TEST(limits_applied_when_available) {
        static const char *const ctrls[] = { "memory", "pids", "cpu", "io" };
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "enforce");
        CgsupLimits l = {};
        CgsupLimit bad = _CGSUP_LIMIT_INVALID;
        long ps = sysconf(_SC_PAGESIZE);
        uint64_t v;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(ctrls); i++) {
                r = host_enable_controller(ctrls[i]);
                if (r < 0)
                        SKIP("cannot enable the %s controller for the test cgroup: %s", ctrls[i],
                             tests_errno_name(-r));
        }
        ASSERT_OK(cgsup_limits_check(root, host_test_cgroup(), &l, &bad));
        ASSERT_OK(cgsup_cgroup_create(root, cg));

        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 64 * 1024 * 1024 + 100); /* not a page multiple */
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_HIGH, 48 * 1024 * 1024);
        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 4);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_QUOTA, 15000);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_WEIGHT, 50);
        cgsup_limits_set(&l, CGSUP_LIMIT_IO_WEIGHT, 200);
        ASSERT_OK(cgsup_limits_check(root, host_test_cgroup(), &l, &bad));
        r = cgsup_limits_apply(root, cg, &l, &bad);
        if (r == -EOPNOTSUPP && bad == CGSUP_LIMIT_IO_WEIGHT)
                SKIP("io.weight not provided by this kernel (no blk-iocost)");
        ASSERT_OK(r);

        ASSERT_OK(cgsup_limit_read(root, cg, CGSUP_LIMIT_MEMORY_MAX, &v));
        ASSERT_EQ_U64(v, (64 * 1024 * 1024 + 100) / (uint64_t) ps * (uint64_t) ps);
        ASSERT_OK(cgsup_limit_read(root, cg, CGSUP_LIMIT_CPU_QUOTA, &v));
        ASSERT_EQ_U64(v, 15000);
        {
                _cleanup_free_ char *text = NULL;
                ASSERT_OK(host_cgroup_read(cg, "cpu.max", &text));
                ASSERT_STREQ(text, "150000 100000\n");
        }

        /* Live changes, including back to "max". */
        ASSERT_OK(cgsup_limit_apply(root, cg, CGSUP_LIMIT_MEMORY_MAX, CGSUP_LIMIT_INFINITY));
        ASSERT_OK(cgsup_limit_apply(root, cg, CGSUP_LIMIT_CPU_QUOTA, 5000));
        ASSERT_OK(cgsup_limit_read(root, cg, CGSUP_LIMIT_MEMORY_MAX, &v));
        ASSERT_EQ_U64(v, CGSUP_LIMIT_INFINITY);

        /* The kernel refuses what it cannot represent; we report -ERANGE, not success. */
        ASSERT_ERROR(cgsup_limit_apply(root, cg, CGSUP_LIMIT_PIDS_MAX, 1ULL << 40), ERANGE);

        /* pids.max=4: a fork storm of 10 gets at most 3 children beside its parent. */
        unsigned n = 10;
        pid_t pid = fork_into(cg, do_fork_storm, &n);
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC)); /* do_fork_storm exits 2 when fork fails */
        CgsupStats st;
        ASSERT_OK(cgsup_stats_read(root, cg, &st));
        ASSERT_TRUE(st.valid & CGSUP_STATS_PIDS_EVENTS);
        ASSERT_TRUE(st.pids_events_max >= 1);
        ASSERT_OK(cgsup_cgroup_kill(root, cg));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, WAIT_USEC));
        ASSERT_OK(cgsup_cgroup_remove(root, cg));
}

TEST(stats_cpu_usage_grows) {
        int root = host_cgroup_root_fd();
        _cleanup_free_ char *cg = path_join2(host_test_cgroup(), "stats");
        CgsupStats s0, s1;
        pid_t pid;

        ASSERT_OK(cgsup_cgroup_create(root, cg));
        pid = fork_into(cg, do_spin, NULL);
        ASSERT_OK(cgsup_stats_read(root, cg, &s0));
        ASSERT_TRUE(s0.valid & CGSUP_STATS_CPU);
        /* On a loaded host the spinner may get little CPU in any fixed window: wait (bounded) until it
         * has accumulated 50 ms rather than asserting on what 300 ms of wall time gave it. */
        usec_t waited = 0;
        do {
                sleep_usec(100 * USEC_PER_MSEC);
                waited += 100 * USEC_PER_MSEC;
                ASSERT_OK(cgsup_stats_read(root, cg, &s1));
        } while (s1.cpu_usage_usec - s0.cpu_usage_usec <= 50000 && waited < 20 * USEC_PER_SEC);
        printf("# spinner used %" PRIu64 " us (user %" PRIu64 ", system %" PRIu64
               ") in %" PRIu64 " ms; valid=0x%x\n",
               s1.cpu_usage_usec - s0.cpu_usage_usec, s1.cpu_user_usec - s0.cpu_user_usec,
               s1.cpu_system_usec - s0.cpu_system_usec, waited / USEC_PER_MSEC, s1.valid);
        ASSERT_TRUE(s1.cpu_usage_usec - s0.cpu_usage_usec > 50000);
        ASSERT_TRUE(s1.cpu_user_usec >= s0.cpu_user_usec);
        if (s1.valid & CGSUP_STATS_PRESSURE)
                ASSERT_TRUE(s1.cpu_some.total_usec >= s0.cpu_some.total_usec);

        ASSERT_OK(cgsup_cgroup_kill(root, cg));
        ASSERT_OK(cgsup_cgroup_wait_empty(root, cg, WAIT_USEC));
        ASSERT_OK(host_wait_gone(pid, WAIT_USEC));
        ASSERT_ERROR(cgsup_stats_read(root, "cgsup-no-such-cgroup", &s0), ENOENT);
}

/* `cgsupctl doctor --json` on this host: exit status and verdicts must match what libcgsup sees. */
TEST(doctor_json) {
        const char *ctl = getenv("CGSUPCTL");
        _cleanup_free_ char *cmd = NULL;
        char buf[65536];
        size_t n;
        FILE *f;
        int status;
        bool any_missing = false;
        unsigned avail;

        if (!ctl)
                SKIP("$CGSUPCTL not set (run through meson test)");
        ASSERT_OK_ERRNO(asprintf(&cmd, "'%s' doctor --json", ctl));
        f = popen(cmd, "r");
        ASSERT_NOT_NULL(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        status = pclose(f);
        ASSERT_TRUE(WIFEXITED(status));

        struct json_object *o = json_tokener_parse(buf), *limits, *e, *v;
        ASSERT_NOT_NULL(o);
        ASSERT_TRUE(json_object_object_get_ex(o, "cgroup2_mount", &v));
        ASSERT_STREQ(json_object_get_string(v), host_cgroup_mount());
        ASSERT_TRUE(json_object_object_get_ex(o, "limits", &limits));

        /* The intro put us where doctor looks: in the root cgroup here, or our own cgroup elsewhere. */
        ASSERT_OK(cgsup_cgroup_controllers(host_cgroup_root_fd(), host_own_cgroup(), &avail));
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++) {
                const char *key = cgsup_limit_to_string((CgsupLimit) l);
                bool has = avail & cgsup_limit_controller((CgsupLimit) l);

                ASSERT_TRUE(json_object_object_get_ex(limits, key, &e));
                ASSERT_TRUE(json_object_object_get_ex(e, "enforceable", &v));
                if (!has) {
                        struct json_object *reason;
                        any_missing = true;
                        ASSERT_FALSE(json_object_get_boolean(v));
                        ASSERT_TRUE(json_object_object_get_ex(e, "reason", &reason));
                        ASSERT_STR_CONTAINS(
                                json_object_get_string(reason),
                                cgsup_controller_to_string(cgsup_limit_controller((CgsupLimit) l)));
                }
        }
        ASSERT_TRUE(json_object_object_get_ex(o, "all_enforceable", &v));
        if (any_missing) {
                ASSERT_FALSE(json_object_get_boolean(v));
                ASSERT_EQ(WEXITSTATUS(status), 1);
        }
        printf("# doctor exit status %d, all_enforceable=%d\n", WEXITSTATUS(status),
               json_object_get_boolean(v));
        json_object_put(o);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, host_cgroup_intro);
}
