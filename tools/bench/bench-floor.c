/* SPDX-License-Identifier: MIT */
/*
 * bench-floor: the kernel floor of every figure tools/bench/run measures, with bare system calls and
 * no supervisor logic: what any cgroup-based supervisor has to pay at least. Each subcommand prints one
 * JSON object on stdout; tools/bench/run calls it once per repetition, paired with the supervisors.
 *
 *   bench-floor start-stop CGDIR N MARKER PROG ARG...
 *       N x (mkdir CGDIR/pI + clone3(CLONE_INTO_CGROUP | CLONE_PIDFD) + exec PROG) until MARKER holds N
 *       records: prints {"start_ms"}; then waits for a line on stdin (meanwhile the caller runs
 *       read-leaves); then SIGTERM to every pidfd at once, wait for every pidfd, rmdir every leaf:
 *       prints {"stop_ms"}.
 *   bench-floor read-leaves CGDIR
 *       what a `status` needs of every leaf under CGDIR: cgroup.events, cpu.stat, memory.current and
 *       pids.current (those that exist); timed from outside, so a CLI's start-up is included.
 *   bench-floor restart CGDIR K MARKER PROG ARG...
 *       one program in CGDIR/r; K times: SIGKILL through its pidfd, see the exit (pidfd in epoll,
 *       "detect_us"), reap, clone3 into the same leaf, until its record is in MARKER ("restart_ms").
 *   bench-floor kill-tree CGDIR N
 *       N sleeping processes in CGDIR/t, then one cgroup.kill write until cgroup.events says
 *       "populated 0" ("kill_ms").
 *   bench-floor copy OUTFILE PROG ARG...
 *       PROG's stdout through a pipe into OUTFILE with read(2)/write(2) of 64 KiB, as a supervisor
 *       capturing a log does ("bytes", "seconds").
 *
 * Programs get /dev/null as stdin, stdout and stderr unless told otherwise. Needs root and a writable
 * cgroup2 directory CGDIR (tools/bench/run creates it in its own subtree and removes it after).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define FLOOR_CLONE_PIDFD 0x00001000ULL
#define FLOOR_CLONE_INTO_CGROUP 0x200000000ULL
#define MARKER_RECORD_SIZE 16

/* The uapi struct clone_args up to .cgroup (CLONE_ARGS_SIZE_VER2): <linux/sched.h> clashes with glibc's
 * <sched.h>, so we keep our own copy. */
struct floor_clone_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
                set_tid_size, cgroup;
};

static void die(const char *what) {
        fprintf(stderr, "bench-floor: %s: %s\n", what, strerror(errno));
        exit(1);
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static void print_list(const char *key, const double *v, size_t n, bool last) {
        printf("\"%s\": [", key);
        for (size_t i = 0; i < n; i++)
                printf("%s%.4f", i ? ", " : "", v[i]);
        printf("]%s", last ? "" : ", ");
}

static int make_leaf(const char *cgdir, const char *name, char ret_path[PATH_MAX]) {
        snprintf(ret_path, PATH_MAX, "%s/%s", cgdir, name);
        if (mkdir(ret_path, 0755) < 0 && errno != EEXIST)
                die(ret_path);
        int fd = open(ret_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                die(ret_path);
        return fd;
}

/* clone3 straight into @cgfd; the child execs @argv with stdout on @out_fd (or /dev/null). */
static pid_t spawn_into(int cgfd, char **argv, int out_fd, int *ret_pidfd) {
        struct floor_clone_args args = {
                .flags = FLOOR_CLONE_PIDFD | FLOOR_CLONE_INTO_CGROUP,
                .pidfd = (uint64_t) (uintptr_t) ret_pidfd,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) cgfd,
        };
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                die("clone3");
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR);
                if (null < 0)
                        _exit(126);
                (void) dup2(null, STDIN_FILENO);
                (void) dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
                (void) dup2(null, STDERR_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        return pid;
}

static void wait_records(const char *marker, off_t n) {
        struct stat st;
        double deadline = now_ms() + 120e3;
        while (stat(marker, &st) < 0 || st.st_size < n * MARKER_RECORD_SIZE) {
                if (now_ms() > deadline) {
                        errno = ETIMEDOUT;
                        die(marker);
                }
                usleep(200);
        }
}

/* What a `status` needs per program: the leaf's state and counters. Files the host's cgroup2 lacks
 * (no memory/pids controller here) are simply not there; the open fails fast and is counted as tried. */
static void read_leaf_files(int cgfd) {
        static const char *const files[] = { "cgroup.events", "cpu.stat", "memory.current", "pids.current" };
        char buf[1024];
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                int fd = openat(cgfd, files[i], O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                (void) !read(fd, buf, sizeof(buf));
                close(fd);
        }
}

static int wait_pidfd_exit(int epfd, int pidfd) {
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = pidfd };
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, &ev) < 0)
                die("epoll_ctl");
        int n;
        while ((n = epoll_wait(epfd, &ev, 1, 60000)) < 0 && errno == EINTR)
                ;
        if (n != 1)
                die("epoll_wait(pidfd)");
        siginfo_t si;
        if (syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL) < 0)
                die("waitid(P_PIDFD)");
        (void) epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, NULL);
        return 0;
}

static int cmd_start_stop(const char *cgdir, unsigned n, const char *marker, char **argv) {
        int *cgfds = calloc(n, sizeof(int)), *pidfds = calloc(n, sizeof(int));
        char (*paths)[PATH_MAX] = calloc(n, PATH_MAX);
        if (!cgfds || !pidfds || !paths)
                die("calloc");

        double t0 = now_ms();
        for (unsigned i = 0; i < n; i++) {
                char name[32];
                snprintf(name, sizeof(name), "p%u", i);
                cgfds[i] = make_leaf(cgdir, name, paths[i]);
                (void) spawn_into(cgfds[i], argv, -1, &pidfds[i]);
        }
        wait_records(marker, n);
        double start_ms = now_ms() - t0;

        /* Hold while tools/bench/run times `bench-floor read-leaves CGDIR` (a CLI's start-up plus the
         * reads) against the supervisors' `status`: one line out, one line back. */
        printf("{\"programs\": %u, \"start_ms\": %.4f}\n", n, start_ms);
        fflush(stdout);
        char go[8];
        if (!fgets(go, sizeof(go), stdin))
                die("waiting for the go-ahead on stdin");

        int epfd = epoll_create1(EPOLL_CLOEXEC);
        if (epfd < 0)
                die("epoll_create1");
        t0 = now_ms();
        for (unsigned i = 0; i < n; i++) {
                struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
                if (syscall(SYS_pidfd_send_signal, pidfds[i], SIGTERM, NULL, 0) < 0)
                        die("pidfd_send_signal");
                if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfds[i], &ev) < 0)
                        die("epoll_ctl");
        }
        for (unsigned left = n; left > 0;) {
                struct epoll_event evs[64];
                int k = epoll_wait(epfd, evs, 64, 60000);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        die("epoll_wait");
                for (int j = 0; j < k; j++) {
                        unsigned i = evs[j].data.u32;
                        siginfo_t si;
                        (void) syscall(SYS_waitid, P_PIDFD, pidfds[i], &si, WEXITED, NULL);
                        (void) epoll_ctl(epfd, EPOLL_CTL_DEL, pidfds[i], NULL);
                        close(pidfds[i]);
                        close(cgfds[i]);
                        /* The only process is reaped, so the leaf is empty: no need to wait for the
                         * cgroup.events notification (rate-limited to one per 10 ms by the kernel). */
                        if (rmdir(paths[i]) < 0)
                                die(paths[i]);
                        left--;
                }
        }
        double stop_ms = now_ms() - t0;
        close(epfd);

        printf("{\"stop_ms\": %.4f}\n", stop_ms);
        free(cgfds);
        free(pidfds);
        free(paths);
        return 0;
}

static int cmd_read_leaves(const char *cgdir) {
        DIR *d = opendir(cgdir);
        struct dirent *de;
        unsigned leaves = 0;
        if (!d)
                die(cgdir);
        while ((de = readdir(d)))
                if (de->d_type == DT_DIR && de->d_name[0] != '.') {
                        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0)
                                die(de->d_name);
                        read_leaf_files(fd);
                        close(fd);
                        leaves++;
                }
        closedir(d);
        printf("{\"leaves\": %u}\n", leaves);
        return 0;
}

static int cmd_restart(const char *cgdir, unsigned k, const char *marker, char **argv) {
        char path[PATH_MAX];
        double *restart = calloc(k, sizeof(double)), *detect = calloc(k, sizeof(double));
        int pidfd, epfd = epoll_create1(EPOLL_CLOEXEC);
        if (!restart || !detect || epfd < 0)
                die("setup");

        int cgfd = make_leaf(cgdir, "r", path);
        (void) spawn_into(cgfd, argv, -1, &pidfd);
        off_t have = 1;
        wait_records(marker, have);
        for (unsigned i = 0; i < k; i++) {
                double t0 = now_ms();
                if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
                        die("pidfd_send_signal");
                (void) wait_pidfd_exit(epfd, pidfd);
                detect[i] = (now_ms() - t0) * 1e3;
                close(pidfd);
                (void) spawn_into(cgfd, argv, -1, &pidfd);
                wait_records(marker, ++have);
                restart[i] = now_ms() - t0;
        }
        if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
                die("pidfd_send_signal");
        (void) wait_pidfd_exit(epfd, pidfd);
        close(pidfd);
        close(cgfd);
        close(epfd);
        if (rmdir(path) < 0)
                die(path);
        printf("{");
        print_list("restart_ms", restart, k, false);
        print_list("detect_us", detect, k, true);
        printf("}\n");
        free(restart);
        free(detect);
        return 0;
}

static bool populated(int cgfd) {
        char buf[256];
        int fd = openat(cgfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                die("cgroup.events");
        ssize_t r = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[r > 0 ? r : 0] = 0;
        return !strstr(buf, "populated 0");
}

static unsigned count_procs(int cgfd) {
        char buf[65536];
        int fd = openat(cgfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        unsigned lines = 0;
        ssize_t r;
        if (fd < 0)
                die("cgroup.procs");
        while ((r = read(fd, buf, sizeof(buf))) > 0)
                for (ssize_t i = 0; i < r; i++)
                        lines += buf[i] == '\n';
        close(fd);
        return lines;
}

static int cmd_kill_tree(const char *cgdir, unsigned n) {
        char path[PATH_MAX];
        int cgfd = make_leaf(cgdir, "t", path), pidfd;
        char *const sleeper[] = { (char *) "/bin/sleep", (char *) "1000000", NULL };

        /* N sleepers in one leaf, all children of ours: cgroup.kill does not care about the tree's
         * shape, and reaping them here is what a supervisor's own children cost it too. */
        for (unsigned i = 0; i < n; i++) {
                (void) spawn_into(cgfd, (char **) sleeper, -1, &pidfd);
                close(pidfd);
        }
        double deadline = now_ms() + 120e3;
        while (count_procs(cgfd) < n && now_ms() < deadline)
                usleep(1000);

        int killfd = openat(cgfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
        if (killfd < 0)
                die("cgroup.kill");
        double t0 = now_ms();
        if (write(killfd, "1", 1) != 1)
                die("write cgroup.kill");
        while (populated(cgfd)) {
                /* Reaping is part of emptying: a zombie still counts as populated. */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
                if (now_ms() - t0 > 60e3) {
                        errno = ETIMEDOUT;
                        die("cgroup.kill");
                }
        }
        double kill_ms = now_ms() - t0;
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        close(killfd);
        close(cgfd);
        if (rmdir(path) < 0)
                die(path);
        printf("{\"processes\": %u, \"kill_ms\": %.4f}\n", n, kill_ms);
        return 0;
}

static int cmd_copy(const char *outfile, char **argv) {
        static char buf[64 * 1024];
        int pipefd[2], pidfd;
        uint64_t bytes = 0;
        ssize_t r;

        int out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (out < 0 || pipe2(pipefd, O_CLOEXEC) < 0)
                die(outfile);
        double t0 = now_ms();
        /* The copy is the figure, not the cgroup: the writer stays in our own cgroup. */
        struct floor_clone_args args = { .flags = FLOOR_CLONE_PIDFD, .pidfd = (uint64_t) (uintptr_t) &pidfd,
                                          .exit_signal = SIGCHLD };
        pid_t pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0)
                die("clone3");
        if (pid == 0) {
                (void) dup2(pipefd[1], STDOUT_FILENO);
                execv(argv[0], argv);
                _exit(127);
        }
        close(pipefd[1]);
        while ((r = read(pipefd[0], buf, sizeof(buf))) != 0) {
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        die("read");
                }
                for (ssize_t done = 0; done < r;) {
                        ssize_t w = write(out, buf + done, (size_t) (r - done));
                        if (w < 0)
                                die("write");
                        done += w;
                }
                bytes += (uint64_t) r;
        }
        double seconds = (now_ms() - t0) / 1e3;
        siginfo_t si;
        (void) syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED, NULL);
        close(out);
        close(pidfd);
        printf("{\"bytes\": %" PRIu64 ", \"seconds\": %.6f}\n", bytes, seconds);
        return 0;
}

int main(int argc, char **argv) {
        if (argc >= 6 && strcmp(argv[1], "start-stop") == 0)
                return cmd_start_stop(argv[2], (unsigned) strtoul(argv[3], NULL, 10), argv[4], argv + 5);
        if (argc == 3 && strcmp(argv[1], "read-leaves") == 0)
                return cmd_read_leaves(argv[2]);
        if (argc >= 6 && strcmp(argv[1], "restart") == 0)
                return cmd_restart(argv[2], (unsigned) strtoul(argv[3], NULL, 10), argv[4], argv + 5);
        if (argc == 4 && strcmp(argv[1], "kill-tree") == 0)
                return cmd_kill_tree(argv[2], (unsigned) strtoul(argv[3], NULL, 10));
        if (argc >= 4 && strcmp(argv[1], "copy") == 0)
                return cmd_copy(argv[2], argv + 3);
        fprintf(stderr, "usage: bench-floor start-stop CGDIR N MARKER PROG... | read-leaves CGDIR |\n"
                        "       restart CGDIR K MARKER PROG... | kill-tree CGDIR N | copy OUTFILE PROG...\n");
        return 2;
}
