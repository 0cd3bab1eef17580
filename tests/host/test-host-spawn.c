/* SPDX-License-Identifier: MIT */
/*
 * cgsup_spawn() on the real cgroup2 hierarchy: the child starts in its leaf, the plan's steps are applied
 * in the child, failures come back with the step and errno, and nothing leaks into the child.
 */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgsup/spawn.h"
#include "host-util.h"
#include "tests.h"

static void cgsup_seccomp_filter_freep(CgsupSeccompFilter **f) {
        cgsup_seccomp_filter_free(*f);
}

static const char *hog(void) {
        const char *h = getenv("CGSUP_HOG");
        if (!h || access(h, X_OK) < 0)
                SKIP("CGSUP_HOG not set or not executable");
        return h;
}

/* A fresh leaf under the test cgroup and an fd of it for clone3(). */
static int open_leaf(const char *name, char **ret_rel) {
        _cleanup_free_ char *rel = NULL, *abs = NULL;
        int r = host_make_leaf(name, &rel);
        if (r < 0)
                tests_fail(__FILE__, __LINE__, "host_make_leaf(%s): %s", name, tests_errno_name(-r));
        abs = host_cgroup_abs(rel);
        ASSERT_NOT_NULL(abs);
        int fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK_ERRNO(fd);
        if (ret_rel)
                *ret_rel = TAKE_PTR(rel);
        return fd;
}

static CgsupSpawnPlan plan_default(char **argv, int cgroup_fd) {
        return (CgsupSpawnPlan){
                .argv = argv,
                .cgroup_fd = cgroup_fd,
                .stdin_fd = -1,
                .stdout_fd = STDOUT_FILENO,
                .stderr_fd = STDERR_FILENO,
                .umask = -1,
                .new_session = true,
        };
}

static char *read_all(int fd) {
        size_t n = 0, a = 0;
        char *buf = NULL;
        for (;;) {
                if (n + 4096 > a) {
                        a = a * 2 + 8192;
                        buf = realloc(buf, a);
                        ASSERT_NOT_NULL(buf);
                }
                ssize_t k = read(fd, buf + n, a - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                ASSERT_OK_ERRNO(k);
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;
        return buf;
}

/* Spawns @plan with stdout (and stderr when @merge) into a pipe; returns the output, exit code via
 * @ret_code/@ret_status (si_code/si_status). */
static char *spawn_capture(CgsupSpawnPlan *plan, bool merge, int *ret_code, int *ret_status) {
        int p[2];
        CgsupSpawnResult res = {};

        ASSERT_OK_ERRNO(pipe2(p, O_CLOEXEC));
        plan->stdout_fd = p[1];
        if (merge)
                plan->stderr_fd = p[1];
        int r = cgsup_spawn(plan, &res);
        if (r < 0)
                tests_fail(__FILE__, __LINE__, "cgsup_spawn(%s): %s at step %s", plan->argv[0],
                           tests_errno_name(-r), cgsup_spawn_step_to_string(res.failed_step));
        ASSERT_TRUE(res.pid > 0);
        ASSERT_TRUE(res.pidfd >= 0);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_NONE);
        close(p[1]);
        char *out = read_all(p[0]);
        close(p[0]);
        ASSERT_EQ(cgsup_pidfd_wait(res.pidfd, false, ret_code, ret_status, NULL), 1);
        close(res.pidfd);
        return out;
}

static char *run_sh(CgsupSpawnPlan *plan, const char *script) {
        char *argv[] = {(char *) "/bin/sh", (char *) "-c", (char *) script, NULL};
        int code, status;
        plan->argv = argv;
        char *out = spawn_capture(plan, false, &code, &status);
        if (code != CLD_EXITED || status != 0)
                tests_fail(__FILE__, __LINE__, "sh -c '%s': code %d status %d, output: %s", script, code,
                           status, out);
        plan->argv = NULL;
        return out;
}

TEST(child_starts_in_its_leaf) {
        _cleanup_free_ char *rel = NULL, *out = NULL, *expected = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-leaf", &rel);
        char *argv[] = {(char *) "cat", (char *) "/proc/self/cgroup", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        int code, status;

        out = spawn_capture(&plan, false, &code, &status);
        ASSERT_EQ(code, CLD_EXITED);
        ASSERT_EQ(status, 0);
        /* cgroup2 is the "0::" line; on hybrid hosts the v1 lines come first. */
        ASSERT_OK_ERRNO(asprintf(&expected, "0::/%s\n", rel));
        ASSERT_STR_CONTAINS(out, expected);
        /* And it is gone from there after it exited: the leaf is empty. */
        ASSERT_EQ(host_cgroup_nprocs(rel), 0);
}

/* A process that forks at once still has all its children in the leaf: nothing ran outside it. */
TEST(children_of_child_in_leaf) {
        _cleanup_free_ char *rel = NULL, *out = NULL, *expected = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-fork", &rel);
        CgsupSpawnPlan plan = plan_default(NULL, cg);

        out = run_sh(&plan, "cat /proc/self/cgroup & wait; grep '^0::' /proc/$$/cgroup");
        ASSERT_OK_ERRNO(asprintf(&expected, "0::/%s\n0::/%s\n", rel, rel));
        ASSERT_STR_CONTAINS(out, expected);
}

TEST(missing_executable_in_path) {
        _cleanup_close_ int cg = open_leaf("spawn-missing", NULL);
        char *argv[] = {(char *) "cgsup-no-such-program", NULL};
        char *envp[] = {(char *) "PATH=/usr/bin:/bin", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        CgsupSpawnResult res = {.pid = -7};

        plan.envp = envp;
        ASSERT_ERROR(cgsup_spawn(&plan, &res), ENOENT);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_EXEC);
        ASSERT_STREQ(cgsup_spawn_step_to_string(res.failed_step), "execve");
        ASSERT_EQ(res.pid, -7); /* not filled on failure */
}

/* An explicit path is not checked in the parent: the child's execve() fails, the child is reaped, and the
 * errno and step come back through the status pipe. */
TEST(missing_executable_explicit_path) {
        _cleanup_free_ char *rel = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-missing2", &rel);
        char *argv[] = {(char *) "x", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        CgsupSpawnResult res = {};

        plan.path = "/nonexistent/cgsup-no-such-program";
        ASSERT_ERROR(cgsup_spawn(&plan, &res), ENOENT);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_EXEC);
        /* Reaped: no zombie of ours is left, and the leaf is empty. */
        ASSERT_TRUE(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
        ASSERT_EQ(host_cgroup_nprocs(rel), 0);

        /* A file without x bits: EACCES (even for root); with x bits but no valid format: ENOEXEC. */
        char path[] = "/tmp/cgsup-test-noexec-XXXXXX";
        int fd = mkstemp(path);
        ASSERT_OK_ERRNO(fd);
        ASSERT_OK_ERRNO(write(fd, "\x01\x02junk\n", 7));
        close(fd);
        ASSERT_OK_ERRNO(chmod(path, 0644));
        plan.path = path;
        int r1 = cgsup_spawn(&plan, &res);
        CgsupSpawnStep s1 = res.failed_step;
        ASSERT_OK_ERRNO(chmod(path, 0755));
        int r2 = cgsup_spawn(&plan, &res);
        (void) unlink(path);
        ASSERT_EQ(r1, -EACCES);
        ASSERT_EQ(s1, CGSUP_SPAWN_STEP_EXEC);
        ASSERT_EQ(r2, -ENOEXEC);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_EXEC);
}

TEST(failed_chdir_reports_step) {
        _cleanup_close_ int cg = open_leaf("spawn-chdir", NULL);
        char *argv[] = {(char *) "/bin/true", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        CgsupSpawnResult res = {};

        plan.working_directory = "/nonexistent-dir";
        ASSERT_ERROR(cgsup_spawn(&plan, &res), ENOENT);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_CHDIR);
        ASSERT_STREQ(cgsup_spawn_step_to_string(res.failed_step), "chdir");
}

TEST(cwd_env_umask_rlimits) {
        _cleanup_free_ char *out = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-env", NULL);
        char *envp[] = {(char *) "PATH=/usr/bin:/bin", (char *) "CGSUP_FOO=bar baz", NULL};
        CgsupRlimit rl[] = {
                {RLIMIT_NOFILE, {123, 456}},
                {RLIMIT_CORE, {0, 0}},
        };
        CgsupSpawnPlan plan = plan_default(NULL, cg);

        plan.envp = envp;
        plan.working_directory = "/usr/share";
        plan.umask = 027;
        plan.rlimits = rl;
        plan.n_rlimits = ELEMENTSOF(rl);
        out = run_sh(&plan, "pwd; echo \"$CGSUP_FOO\"; umask; ulimit -n; ulimit -Hn; ulimit -c; "
                            "env | grep -c . ");
        /* env lists exactly what we gave plus what sh itself exports (PWD, maybe OLDPWD/SHLVL). */
        ASSERT_TRUE(strncmp(out, "/usr/share\nbar baz\n0027\n123\n456\n0\n", 33) == 0 ||
                    (tests_fail(__FILE__, __LINE__, "output: %s", out), false));
        int n_env = atoi(out + 33);
        ASSERT_LE(n_env, 5);
}

TEST(empty_environment_by_default) {
        _cleanup_free_ char *out = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-noenv", NULL);
        char *argv[] = {(char *) "/usr/bin/env", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        int code, status;

        ASSERT_OK_ERRNO(setenv("CGSUP_SHOULD_NOT_LEAK", "1", 1));
        out = spawn_capture(&plan, false, &code, &status);
        ASSERT_EQ(status, 0);
        ASSERT_STREQ(out, "");
}

TEST(uid_drop_clears_groups) {
        _cleanup_free_ char *out = NULL, *out2 = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-uid", NULL);
        char *argv[] = {(char *) hog(), (char *) "ids", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        int code, status;

        plan.change_ids = true;
        plan.uid = 65534;
        plan.gid = 65534;
        out = spawn_capture(&plan, false, &code, &status);
        ASSERT_EQ(status, 0);
        ASSERT_STREQ(out, "uid=65534 gid=65534 groups=\n");

        gid_t groups[] = {100, 65534};
        plan.groups = groups;
        plan.n_groups = ELEMENTSOF(groups);
        plan.gid = 100;
        out2 = spawn_capture(&plan, false, &code, &status);
        ASSERT_EQ(status, 0);
        ASSERT_STREQ(out2, "uid=65534 gid=100 groups=100,65534\n");
}

TEST(signals_reset_and_new_session) {
        _cleanup_free_ char *out = NULL, *stat_out = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-sig", NULL);
        CgsupSpawnPlan plan = plan_default(NULL, cg);
        sigset_t block;

        /* The parent ignores and blocks things (as cgsupctl run does around its signalfd): the child must
         * start clean. */
        ASSERT_TRUE(signal(SIGTERM, SIG_IGN) != SIG_ERR);
        ASSERT_TRUE(signal(SIGHUP, SIG_IGN) != SIG_ERR);
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGUSR1);
        ASSERT_OK_ERRNO(sigprocmask(SIG_BLOCK, &block, NULL));

        out = run_sh(&plan, "grep -E '^Sig(Blk|Ign):' /proc/self/status");
        ASSERT_STREQ(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");

        /* setsid(): the child leads its own session (field 6 of /proc/PID/stat == its pid). */
        char *argv[] = {(char *) "cat", (char *) "/proc/self/stat", NULL};
        int code, status;
        plan.argv = argv;
        stat_out = spawn_capture(&plan, false, &code, &status);
        int pid, ppid, pgrp, session;
        char state;
        const char *after_comm = strrchr(stat_out, ')');
        ASSERT_NOT_NULL(after_comm);
        ASSERT_EQ(sscanf(after_comm + 2, "%c %d %d %d", &state, &ppid, &pgrp, &session), 4);
        pid = atoi(stat_out);
        ASSERT_EQ(session, pid);
        ASSERT_EQ(pgrp, pid);
        ASSERT_EQ(ppid, getpid());
}

TEST(fds_not_kept_are_closed) {
        _cleanup_free_ char *out = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-fds", NULL);
        CgsupSpawnPlan plan = plan_default(NULL, cg);
        int keep[] = {50};

        /* Neither fd is O_CLOEXEC: only close_range() can keep 51 from the child. */
        int fd = open("/dev/null", O_RDONLY);
        ASSERT_OK_ERRNO(fd);
        ASSERT_OK_ERRNO(dup2(fd, 50));
        ASSERT_OK_ERRNO(dup2(fd, 51));
        close(fd);
        /* And one that is CLOEXEC but kept: the child must clear the flag. */
        ASSERT_OK_ERRNO(fcntl(50, F_SETFD, FD_CLOEXEC));
        plan.keep_fds = keep;
        plan.n_keep_fds = 1;
        /* ls runs as a child of sh and lists sh's fds: exactly stdio and the kept one, no status pipe. No
         * pipeline: its pipes would be sh's fds for a moment. */
        out = run_sh(&plan, "ls -1 /proc/$$/fd");
        ASSERT_STREQ(out, "0\n1\n2\n50\n");
}

TEST(keep_fd_not_open_fails) {
        _cleanup_close_ int cg = open_leaf("spawn-badfd", NULL);
        char *argv[] = {(char *) "/bin/true", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        CgsupSpawnResult res = {};
        int keep[] = {77};

        (void) close(77);
        plan.keep_fds = keep;
        plan.n_keep_fds = 1;
        ASSERT_ERROR(cgsup_spawn(&plan, &res), EBADF);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_CLOSE_FDS);
}

TEST(stdio_merge_and_collisions) {
        _cleanup_free_ char *merged = NULL, *a_out = NULL, *b_out = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-stdio", NULL);
        CgsupSpawnPlan plan = plan_default(NULL, cg);
        CgsupSpawnResult res = {};
        char *argv[] = {(char *) "/bin/sh", (char *) "-c", (char *) "echo out; echo err >&2; cat", NULL};
        int code, status;

        /* 2>&1, stdin /dev/null (cat ends at once). */
        plan.argv = argv;
        merged = spawn_capture(&plan, true, &code, &status);
        ASSERT_EQ(status, 0);
        ASSERT_STREQ(merged, "out\nerr\n");

        /* Swapped: our 1 becomes the child's 2 and our 2 its 1. Both sources are stdio numbers that the
         * other dup2() overwrites. */
        int a[2], b[2], in[2];
        ASSERT_OK_ERRNO(pipe2(a, O_CLOEXEC));
        ASSERT_OK_ERRNO(pipe2(b, O_CLOEXEC));
        ASSERT_OK_ERRNO(pipe2(in, O_CLOEXEC));
        ASSERT_OK_ERRNO(dup2(a[1], 1));
        ASSERT_OK_ERRNO(dup2(b[1], 2));
        ASSERT_OK_ERRNO(dup2(in[0], 0));
        close(a[1]);
        close(b[1]);
        close(in[0]);
        ASSERT_OK_ERRNO(write(in[1], "in\n", 3));
        close(in[1]);
        plan.stdin_fd = 0;
        plan.stdout_fd = 2;
        plan.stderr_fd = 1;
        int r = cgsup_spawn(&plan, &res);
        /* Give our stdio back to the TAP stream before asserting anything. */
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        (void) dup2(devnull, 0);
        (void) dup2(devnull, 1);
        (void) dup2(devnull, 2);
        ASSERT_OK(r);
        a_out = read_all(a[0]);
        b_out = read_all(b[0]);
        ASSERT_EQ(cgsup_pidfd_wait(res.pidfd, false, &code, &status, NULL), 1);
        ASSERT_EQ(status, 0);
        ASSERT_STREQ(b_out, "out\nin\n");
        ASSERT_STREQ(a_out, "err\n");
}

TEST(seccomp_denies_mount_and_reboot) {
        _cleanup_(cgsup_seccomp_filter_freep) CgsupSeccompFilter *f = NULL;
        _cleanup_free_ char *mount_out = NULL, *reboot_out = NULL, *control = NULL, *allowed = NULL,
                            *as_nobody = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-seccomp", NULL);
        char *argv_mount[] = {(char *) hog(), (char *) "syscall", (char *) "mount", NULL};
        char *argv_reboot[] = {(char *) hog(), (char *) "syscall", (char *) "reboot", NULL};
        CgsupSpawnPlan plan = plan_default(argv_mount, cg);
        int code, status;

        /* Control: as root without a filter, the probe is refused for another reason (ENODEV). */
        control = spawn_capture(&plan, false, &code, &status);
        ASSERT_TRUE(strstr(control, "EPERM") == NULL);

        ASSERT_OK(cgsup_seccomp_filter_new("~@mount @reboot", 0, &f, NULL));
        plan.seccomp = f;
        mount_out = spawn_capture(&plan, false, &code, &status);
        ASSERT_STREQ(mount_out, "mount: EPERM\n");
        ASSERT_EQ(status, 0);
        plan.argv = argv_reboot;
        reboot_out = spawn_capture(&plan, false, &code, &status);
        ASSERT_STREQ(reboot_out, "reboot: EPERM\n");

        /* A program that needs none of it runs normally under the same filter. */
        allowed = run_sh(&plan, "echo hello; ls / >/dev/null && echo ok");
        ASSERT_STREQ(allowed, "hello\nok\n");

        /* As an unprivileged user the filter needs no_new_privs, which the plan implies. */
        plan.change_ids = true;
        plan.uid = plan.gid = 65534;
        plan.argv = argv_mount;
        as_nobody = spawn_capture(&plan, false, &code, &status);
        ASSERT_STREQ(as_nobody, "mount: EPERM\n");
}

TEST(seccomp_allow_list) {
        _cleanup_(cgsup_seccomp_filter_freep) CgsupSeccompFilter *f = NULL;
        _cleanup_free_ char *out = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-allow", NULL);
        char *argv[] = {(char *) hog(), (char *) "syscall", (char *) "mount", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        int code, status;

        /* In sanitizer builds the helper itself is instrumented: LeakSanitizer's exit-time check
         * ptrace()s the process, which the allow-list (rightly) refuses, and it then prints a "fatal
         * error" report. The leak check is not what this test is about. */
        char *envp[] = {(char *) "ASAN_OPTIONS=detect_leaks=0", NULL};

        ASSERT_OK(cgsup_seccomp_filter_new("@system-service", 0, &f, NULL));
        plan.seccomp = f;
        plan.envp = envp;
        out = spawn_capture(&plan, false, &code, &status);
        ASSERT_STREQ(out, "mount: EPERM\n");
}

TEST(spawn_into_missing_cgroup) {
        _cleanup_free_ char *rel = NULL, *abs = NULL;
        _cleanup_close_ int cg = open_leaf("spawn-gone", &rel);
        char *argv[] = {(char *) "/bin/true", NULL};
        CgsupSpawnPlan plan = plan_default(argv, cg);
        CgsupSpawnResult res = {};

        abs = host_cgroup_abs(rel);
        ASSERT_OK_ERRNO(rmdir(abs));
        int r = cgsup_spawn(&plan, &res);
        ASSERT_TRUE(r < 0);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_CLONE);
}

static const char *intro(void) {
        return host_cgroup_intro();
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, intro);
}
