/* SPDX-License-Identifier: MIT */
/* Root-free parts of the spawn API: step names, PATH lookup, argument checks, pidfd helpers. */

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgsup/spawn.h"
#include "tests.h"

TEST(step_to_string) {
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_EXEC), "execve");
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_CHDIR), "chdir");
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_UID), "setuid");
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_GID), "setgid");
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_GROUPS), "setgroups");
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_CLONE), "clone3");
        ASSERT_STREQ(cgsup_spawn_step_to_string(CGSUP_SPAWN_STEP_SECCOMP), "seccomp");
        ASSERT_NULL(cgsup_spawn_step_to_string(_CGSUP_SPAWN_STEP_COUNT));
        ASSERT_NULL(cgsup_spawn_step_to_string((CgsupSpawnStep) -1));

        /* Every step has a name, and no two share one. */
        for (int i = 0; i < _CGSUP_SPAWN_STEP_COUNT; i++) {
                const char *a = cgsup_spawn_step_to_string((CgsupSpawnStep) i);
                ASSERT_NOT_NULL(a);
                ASSERT_TRUE(a[0] != 0);
                for (int j = 0; j < i; j++)
                        ASSERT_FALSE(streq(a, cgsup_spawn_step_to_string((CgsupSpawnStep) j)));
        }
}

TEST(find_executable) {
        _cleanup_free_ char *p = NULL, *q = NULL, *dir = NULL, *path_env = NULL, *noexec = NULL;
        char template[] = "/tmp/test-spawn-util-XXXXXX";

        ASSERT_OK(cgsup_find_executable("sh", NULL, &p));
        ASSERT_TRUE(p[0] == '/');
        ASSERT_TRUE(access(p, X_OK) == 0);

        ASSERT_OK(cgsup_find_executable("/bin/sh", "/nonexistent", &q));
        ASSERT_STREQ(q, "/bin/sh");

        char *r = (char *) 0x1;
        ASSERT_ERROR(cgsup_find_executable("cgsup-no-such-program", NULL, &r), ENOENT);
        ASSERT_TRUE(r == (char *) 0x1); /* ret untouched on failure */
        ASSERT_ERROR(cgsup_find_executable("/nonexistent/prog", NULL, &r), ENOENT);
        ASSERT_ERROR(cgsup_find_executable("", NULL, &r), ENOENT);
        /* A directory is not executable, as execve() says. */
        ASSERT_ERROR(cgsup_find_executable("/tmp", NULL, &r), EACCES);

        /* Only a non-executable match in PATH: EACCES, like execvp(). */
        dir = strdup(mkdtemp(template));
        ASSERT_NOT_NULL(dir);
        ASSERT_OK_ERRNO(asprintf(&noexec, "%s/prog", dir));
        int fd = open(noexec, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        ASSERT_OK_ERRNO(fd);
        close(fd);
        ASSERT_OK_ERRNO(asprintf(&path_env, "/nonexistent:%s", dir));
        ASSERT_ERROR(cgsup_find_executable("prog", path_env, &r), EACCES);
        /* Once it is executable it is found, with the directory it was found in. */
        ASSERT_OK_ERRNO(chmod(noexec, 0755));
        _cleanup_free_ char *found = NULL;
        if (geteuid() != 0 || access(noexec, X_OK) == 0) {
                ASSERT_OK(cgsup_find_executable("prog", path_env, &found));
                ASSERT_STREQ(found, noexec);
        }
        (void) unlink(noexec);
        (void) rmdir(dir);
}

TEST(spawn_rejects_bad_plans) {
        char *argv[] = {(char *) "true", NULL};
        int low_keep[] = {1};
        CgsupSpawnResult res = {.failed_step = CGSUP_SPAWN_STEP_EXEC};

        ASSERT_ERROR(cgsup_spawn(NULL, &res), EINVAL);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_NONE);

        CgsupSpawnPlan plan = {.argv = argv,
                               .cgroup_fd = -1,
                               .stdin_fd = -1,
                               .stdout_fd = -1,
                               .stderr_fd = -1,
                               .umask = -1};
        ASSERT_ERROR(cgsup_spawn(&plan, &res), EINVAL); /* no cgroup */

        plan.cgroup_fd = 0;
        plan.keep_fds = low_keep;
        plan.n_keep_fds = 1;
        ASSERT_ERROR(cgsup_spawn(&plan, &res), EINVAL); /* stdio cannot be "kept" */

        plan.keep_fds = NULL;
        plan.n_keep_fds = 0;
        char *no_argv[] = {NULL};
        plan.argv = no_argv;
        ASSERT_ERROR(cgsup_spawn(&plan, &res), EINVAL);
}

TEST(spawn_missing_program_fails_before_clone) {
        /* The PATH lookup happens in the parent: no cgroup is needed to see the error. */
        char *argv[] = {(char *) "cgsup-no-such-program", NULL};
        char *envp[] = {(char *) "PATH=/nonexistent:/usr/bin", NULL};
        CgsupSpawnPlan plan = {.argv = argv,
                               .envp = envp,
                               .cgroup_fd = 0,
                               .stdin_fd = -1,
                               .stdout_fd = -1,
                               .stderr_fd = -1,
                               .umask = -1};
        CgsupSpawnResult res = {};

        ASSERT_ERROR(cgsup_spawn(&plan, &res), ENOENT);
        ASSERT_EQ(res.failed_step, CGSUP_SPAWN_STEP_EXEC);
}

TEST(pidfd_helpers) {
        int pidfd, code, status;
        struct rusage ru;

        pid_t pid = fork();
        ASSERT_OK_ERRNO(pid);
        if (pid == 0) {
                pause();
                _exit(0);
        }
        ASSERT_OK(cgsup_pidfd_open(pid, &pidfd));
        ASSERT_EQ(cgsup_pidfd_wait(pidfd, true, &code, &status, &ru), 0);
        ASSERT_OK(cgsup_pidfd_send_signal(pidfd, SIGTERM));
        ASSERT_EQ(cgsup_pidfd_wait(pidfd, false, &code, &status, &ru), 1);
        ASSERT_EQ(code, CLD_KILLED);
        ASSERT_EQ(status, SIGTERM);
        /* Reaped: signalling it now fails cleanly instead of hitting a recycled pid. */
        ASSERT_ERROR(cgsup_pidfd_send_signal(pidfd, SIGTERM), ESRCH);
        close(pidfd);

        pid = fork();
        ASSERT_OK_ERRNO(pid);
        if (pid == 0)
                _exit(42);
        ASSERT_OK(cgsup_pidfd_open(pid, &pidfd));
        ASSERT_EQ(cgsup_pidfd_wait(pidfd, false, &code, &status, NULL), 1);
        ASSERT_EQ(code, CLD_EXITED);
        ASSERT_EQ(status, 42);
        close(pidfd);

        ASSERT_ERROR(cgsup_pidfd_open(0, &pidfd), EINVAL);
        ASSERT_ERROR(cgsup_pidfd_wait(-1, true, NULL, NULL, NULL), EBADF);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
