/* SPDX-License-Identifier: MIT */
/*
 * `cgsupctl run --standalone` end to end on the real cgroup2 hierarchy: exit status passthrough, signals,
 * refusal of limits that cannot be enforced, no process left behind, the cgroup removed, --json.
 */

#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "host-util.h"
#include "tests.h"

static const char *ctl(void) {
        const char *c = getenv("CGSUPCTL");
        if (!c || access(c, X_OK) < 0)
                SKIP("CGSUPCTL not set or not executable");
        return c;
}

static const char *hog(void) {
        const char *h = getenv("CGSUP_HOG");
        if (!h || access(h, X_OK) < 0)
                SKIP("CGSUP_HOG not set or not executable");
        return h;
}

typedef struct Ctl {
        pid_t pid;
        int out_fd, err_fd;
        char *out, *err;
        int status; /* exit code, or 128+signal */
} Ctl;

static void ctl_done(Ctl *c) {
        free(c->out);
        free(c->err);
}

/* Starts `cgsupctl run --standalone ARGS...` with stdout and stderr on pipes. */
static void ctl_start(Ctl *c, char **args) {
        int out[2], err[2];
        char *argv[64] = {(char *) ctl(), (char *) "run", (char *) "--standalone"};
        size_t n = 3;

        for (char **a = args; *a; a++) {
                ASSERT_TRUE(n < ELEMENTSOF(argv) - 1);
                argv[n++] = *a;
        }
        argv[n] = NULL;

        ASSERT_OK_ERRNO(pipe2(out, O_CLOEXEC));
        ASSERT_OK_ERRNO(pipe2(err, O_CLOEXEC));
        *c = (Ctl){.out_fd = out[0], .err_fd = err[0]};
        fflush(stdout);
        c->pid = fork();
        ASSERT_OK_ERRNO(c->pid);
        if (c->pid == 0) {
                (void) dup2(out[1], 1);
                (void) dup2(err[1], 2);
                int null = open("/dev/null", O_RDONLY);
                (void) dup2(null, 0);
                execv(argv[0], argv);
                _exit(99);
        }
        close(out[1]);
        close(err[1]);
}

static char *slurp(int fd) {
        size_t n = 0, a = 4096;
        char *buf = malloc(a);
        ASSERT_NOT_NULL(buf);
        for (;;) {
                if (n + 1 >= a) {
                        a *= 2;
                        buf = realloc(buf, a);
                        ASSERT_NOT_NULL(buf);
                }
                ssize_t k = read(fd, buf + n, a - n - 1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                n += (size_t)k;
        }
        buf[n] = 0;
        close(fd);
        return buf;
}

/* Someone else's process: a `sleep 60` moved into the cgroup @rel. The caller kills and reaps it. */
static pid_t sleeper_in(const char *rel) {
        char pidbuf[32];
        pid_t pid = fork();

        ASSERT_OK_ERRNO(pid);
        if (pid == 0) {
                execl("/bin/sleep", "sleep", "60", NULL);
                _exit(99);
        }
        snprintf(pidbuf, sizeof(pidbuf), "%d", (int) pid);
        ASSERT_OK(host_cgroup_write(rel, "cgroup.procs", pidbuf));
        return pid;
}

static void print_diag(const char *what, const char *text) {
        const char *p = text;
        while (*p) {
                size_t n = strcspn(p, "\n");
                printf("#   %s: %.*s\n", what, (int) n, p);
                p += n;
                if (*p)
                        p++;
        }
}

static void ctl_finish(Ctl *c) {
        int st;
        /* Outputs are small (a report, a few lines): reading one pipe after the other cannot deadlock. */
        c->out = slurp(c->out_fd);
        c->err = slurp(c->err_fd);
        ASSERT_OK_ERRNO(waitpid(c->pid, &st, 0));
        c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        /* As TAP diagnostics: every line behind "# ". */
        printf("# cgsupctl exit %d\n", c->status);
        print_diag("stdout", c->out);
        print_diag("stderr", c->err);
}

static void ctl_run(Ctl *c, char **args) {
        ctl_start(c, args);
        ctl_finish(c);
}

/* --cgroup for the runs: below this binary's test tree, so an aborted run is cleaned up by host-util. */
static const char *runs_parent(void) {
        static char *p = NULL;
        if (!p) {
                ASSERT_OK(host_make_leaf("runs", &p));
                /* host_make_leaf() created a leaf; runs go below it and it stays empty itself. */
        }
        return p;
}

/* The JSON report is the last line of stdout. */
static json_object *parse_report(const char *out) {
        const char *last = out, *nl;
        size_t len = strlen(out);
        ASSERT_TRUE(len > 0 && out[len - 1] == '\n');
        for (const char *p = out; (nl = strchr(p, '\n')) && nl[1]; p = nl + 1)
                last = nl + 1;
        json_object *j = json_tokener_parse(last);
        if (!j)
                tests_fail(__FILE__, __LINE__, "not JSON: %s", last);
        ASSERT_TRUE(json_object_is_type(j, json_type_object));
        return j;
}

static json_object *field(json_object *j, const char *key) {
        json_object *v = NULL;
        if (!json_object_object_get_ex(j, key, &v))
                tests_fail(__FILE__, __LINE__, "report has no field '%s'", key);
        return v;
}

TEST(exit_code_passthrough) {
        _cleanup_(ctl_done) Ctl c = {};
        char *args[] = {(char *) "--cgroup", (char *) runs_parent(), (char *) "--", (char *) hog(),
                        (char *) "exit",     (char *) "42",          NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 42);
        ASSERT_STR_CONTAINS(c.err, "Finished with result: exit-code");
        ASSERT_STR_CONTAINS(c.err, "code=exited, status=42");
}

TEST(signal_is_128_plus_n) {
        _cleanup_(ctl_done) Ctl c = {};
        char *args[] = {(char *) "--cgroup", (char *) runs_parent(),   (char *) "--", (char *) "/bin/sh",
                        (char *) "-c",       (char *) "kill -KILL $$", NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 128 + SIGKILL);
        ASSERT_STR_CONTAINS(c.err, "Finished with result: signal");
        ASSERT_STR_CONTAINS(c.err, "signal=SIGKILL");
}

/* SIGTERM to cgsupctl is forwarded to CMD, which dies of it: 143. */
TEST(sigterm_forwarded) {
        _cleanup_(ctl_done) Ctl c = {};
        /* The first line tells us CMD is running. */
        char *sh_args[] = {(char *) "--cgroup",
                           (char *) runs_parent(),
                           (char *) "--",
                           (char *) "/bin/sh",
                           (char *) "-c",
                           (char *) "echo started; exec sleep 60",
                           NULL};
        char buf[16] = {};

        ctl_start(&c, sh_args);
        /* Wait for CMD to be up (bounded by the test alarm), then signal cgsupctl only. */
        ssize_t k = read(c.out_fd, buf, 8);
        ASSERT_EQ(k, 8);
        ASSERT_STREQ(buf, "started\n");
        usec_t t0 = host_now();
        ASSERT_OK_ERRNO(kill(c.pid, SIGTERM));
        ctl_finish(&c);
        ASSERT_EQ(c.status, 128 + SIGTERM);
        ASSERT_STR_CONTAINS(c.err, "SIGTERM");
        /* Not the 60 s sleep running out. */
        ASSERT_LE(host_now() - t0, 10 * USEC_PER_SEC);
}

TEST(missing_program_is_127) {
        _cleanup_(ctl_done) Ctl c = {};
        char *args[] = {(char *) "--cgroup", (char *) runs_parent(), (char *) "--",
                        (char *) "cgsup-no-such-program", NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 127);
        ASSERT_STR_CONTAINS(c.err, "cgsup-no-such-program");
        ASSERT_STR_CONTAINS(c.err, "No such file or directory");
}

/* A parent that holds a process cannot enable controllers for children (no-internal-process rule), and
 * one without the controller cannot either: either way pids_max must be refused and nothing run. Works on
 * hosts with and without the pids controller. */
TEST(unenforceable_limit_refused) {
        _cleanup_(ctl_done) Ctl c = {};
        _cleanup_free_ char *busy = NULL, *marker = NULL, *script = NULL;

        ASSERT_OK(host_make_leaf("busy", &busy));
        pid_t sleeper = sleeper_in(busy);

        ASSERT_OK_ERRNO(asprintf(&marker, "/tmp/cgsup-test-refused-%d", (int) getpid()));
        ASSERT_OK_ERRNO(asprintf(&script, "touch %s", marker));
        char *args[] = {(char *) "--cgroup",    busy,         (char *) "-p",
                        (char *) "pids_max=10", (char *) "--", (char *) "/bin/sh",
                        (char *) "-c",          script,       NULL};
        ctl_run(&c, args);
        (void) kill(sleeper, SIGKILL);
        (void) waitpid(sleeper, NULL, 0);

        ASSERT_EQ(c.status, 1);
        ASSERT_STR_CONTAINS(c.err, "pids_max cannot be enforced");
        ASSERT_STR_CONTAINS(c.err, "Not running the command");
        ASSERT_TRUE(access(marker, F_OK) < 0 && errno == ENOENT);
}

/* On a host whose cgroup2 hierarchy has no memory controller (hybrid, like the dev host), the default
 * parent cannot get one: refused with the reason. */
TEST(memory_limit_refused_without_controller) {
        _cleanup_(ctl_done) Ctl c = {};
        _cleanup_free_ char *root_ctrls = NULL;
        char *args[] = {(char *) "-p",  (char *) "memory_max=64M", (char *) "--",
                        (char *) hog(), (char *) "print",          (char *) "1",
                        NULL};

        ASSERT_OK(host_cgroup_read("", "cgroup.controllers", &root_ctrls));
        if (strstr(root_ctrls, "memory"))
                SKIP("this host's cgroup2 root has the memory controller");
        ctl_run(&c, args);
        ASSERT_EQ(c.status, 1);
        ASSERT_STR_CONTAINS(c.err, "memory_max cannot be enforced");
        ASSERT_STR_CONTAINS(c.err, "no memory controller");
        ASSERT_STREQ(c.out, ""); /* the command never ran */
}

/* The main process exits at once leaving a setsid'ed grandchild: cgsupctl kills it and removes the
 * cgroup. Uses the default parent (our own cgroup, or /cgsup-run from the root). */
TEST(leftover_grandchild_killed_cgroup_removed) {
        _cleanup_(ctl_done) Ctl c = {};
        _cleanup_free_ char *marker = NULL, *abs = NULL;
        char *args[] = {(char *) "--json", (char *) "--", (char *) hog(), (char *) "escape", NULL};

        ASSERT_OK_ERRNO(asprintf(&marker, "CGSUP_TEST_MARKER=run-standalone-%d", (int) getpid()));
        ASSERT_OK_ERRNO(putenv(marker));
        ctl_run(&c, args);
        ASSERT_EQ(c.status, 0);

        json_object *j = parse_report(c.out);
        ASSERT_STREQ(json_object_get_string(field(j, "result")), "success");
        ASSERT_GE(json_object_get_int(field(j, "leftover_processes_killed")), 1);
        ASSERT_TRUE(json_object_get_boolean(field(j, "cgroup_removed")));
        const char *cg = json_object_get_string(field(j, "cgroup"));
        ASSERT_NOT_NULL(cg);
        abs = host_cgroup_abs(cg + 1);
        ASSERT_NOT_NULL(abs);
        ASSERT_TRUE(access(abs, F_OK) < 0 && errno == ENOENT);
        /* No process carrying our marker survives anywhere on the system. */
        ASSERT_EQ(host_count_procs_with_env(marker), 0);
        json_object_put(j);
}

TEST(json_report_fields) {
        _cleanup_(ctl_done) Ctl c = {};
        char *args[] = {(char *) "--cgroup", (char *) runs_parent(), (char *) "--json", (char *) "--",
                        (char *) hog(),      (char *) "exit",        (char *) "3",      NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 3);
        ASSERT_STREQ(c.err, ""); /* --json replaces the human report */
        json_object *j = parse_report(c.out);
        /* The run report's schema (cgsupctl(1), shared with run --wait): the same names and types. */
        ASSERT_STREQ(json_object_get_string(field(j, "result")), "exit-code");
        ASSERT_EQ(json_object_get_int(field(j, "exit_code")), 3);
        ASSERT_TRUE(json_object_is_type(field(j, "exit_signal"), json_type_null));
        ASSERT_TRUE(json_object_is_type(field(j, "exit_detail"), json_type_null));
        ASSERT_TRUE(json_object_is_type(field(j, "name"), json_type_null));
        ASSERT_EQ(json_object_get_int(field(j, "exit_status")), 3);
        ASSERT_GE(json_object_get_int(field(j, "main_pid")), 2);
        ASSERT_TRUE(json_object_is_type(field(j, "wall_usec"), json_type_int));
        ASSERT_TRUE(json_object_is_type(field(j, "cpu_usage_nsec"), json_type_int));
        ASSERT_TRUE(json_object_is_type(field(j, "command"), json_type_array));
        ASSERT_TRUE(json_object_is_type(field(j, "limits"), json_type_object));
        ASSERT_TRUE(json_object_is_type(field(j, "memory_peak"), json_type_int));
        ASSERT_GE(json_object_get_int64(field(j, "memory_peak")), 1);
        (void) field(j, "pids_peak");
        (void) field(j, "oom_kills");
        const char *cg = json_object_get_string(field(j, "cgroup"));
        ASSERT_TRUE(cg && cg[0] == '/');
        ASSERT_STR_CONTAINS(cg, runs_parent());
        json_object_put(j);
}

/* --cgroup as the directory an admin sees (/sys/fs/cgroup/...) is that cgroup, not a copy of the mount's
 * path created below the mount. */
TEST(cgroup_given_as_its_directory) {
        _cleanup_(ctl_done) Ctl c = {};
        _cleanup_free_ char *dir = host_cgroup_abs(runs_parent());
        ASSERT_NOT_NULL(dir);
        char *args[] = {(char *) "--cgroup", dir, (char *) "--json", (char *) "--", (char *) hog(),
                        (char *) "exit", (char *) "0", NULL};
        size_t n = strlen(runs_parent());

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 0);
        json_object *j = parse_report(c.out);
        const char *cg = json_object_get_string(field(j, "cgroup"));
        if (!cg || cg[0] != '/' || strncmp(cg + 1, runs_parent(), n) != 0 || cg[n + 1] != '/')
                tests_fail(__FILE__, __LINE__, "run's cgroup %s is not below %s", strna(cg), runs_parent());
        json_object_put(j);
}

TEST(syscall_filter_property) {
        _cleanup_(ctl_done) Ctl c = {}, bad = {};
        char *args[] = {(char *) "--cgroup",
                        (char *) runs_parent(),
                        (char *) "-p",
                        (char *) "syscall_filter=~@mount @reboot",
                        (char *) "--",
                        (char *) hog(),
                        (char *) "syscall",
                        (char *) "mount",
                        NULL};
        char *bad_args[] = {(char *) "--cgroup",
                            (char *) runs_parent(),
                            (char *) "-p",
                            (char *) "syscall_filter=~@mount nosuchcall",
                            (char *) "--",
                            (char *) "true",
                            NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 0);
        ASSERT_STREQ(c.out, "mount: EPERM\n");

        ctl_run(&bad, bad_args);
        ASSERT_EQ(bad.status, 2);
        ASSERT_STR_CONTAINS(bad.err, "nosuchcall");
}

TEST(uid_option) {
        _cleanup_(ctl_done) Ctl c = {};
        char *args[] = {(char *) "--cgroup", (char *) runs_parent(), (char *) "--uid", (char *) "65534",
                        (char *) "--",       (char *) hog(),         (char *) "ids",   NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 0);
        ASSERT_STR_CONTAINS(c.out, "uid=65534 gid=");
}

/* --name naming a cgroup that holds someone else's processes: refused, and those processes and their cgroup
 * are left alone (the run would otherwise kill and remove them at its end). */
TEST(name_clash_refused) {
        _cleanup_(ctl_done) Ctl c = {};
        _cleanup_free_ char *taken = NULL, *abs = NULL;

        ASSERT_OK(host_make_leaf("runs/taken", &taken));
        pid_t sleeper = sleeper_in(taken);

        char *args[] = {(char *) "--cgroup",
                        (char *) runs_parent(),
                        (char *) "--name",
                        (char *) "taken",
                        (char *) "--",
                        (char *) "true",
                        NULL};
        ctl_run(&c, args);
        bool alive = host_pid_alive(sleeper);
        abs = host_cgroup_abs(taken);
        bool exists = abs && access(abs, F_OK) == 0;
        (void) kill(sleeper, SIGKILL);
        (void) waitpid(sleeper, NULL, 0);

        ASSERT_EQ(c.status, 1);
        ASSERT_STR_CONTAINS(c.err, "already exists and is in use");
        ASSERT_TRUE(alive);
        ASSERT_TRUE(exists);
}

TEST(setenv_and_daemon_run_options) {
        _cleanup_(ctl_done) Ctl c = {};
        /* -E like systemd-run; --wait/--pipe/-d/-q are what a standalone run does anyway (-q: no report). */
        char *args[] = {(char *) "--cgroup",
                        (char *) runs_parent(),
                        (char *) "-E",
                        (char *) "CGSUP_X=a b",
                        (char *) "--wait",
                        (char *) "--pipe",
                        (char *) "-d",
                        (char *) "-q",
                        (char *) "--",
                        (char *) "/bin/sh",
                        (char *) "-c",
                        (char *) "echo \"$CGSUP_X\"",
                        NULL};

        ctl_run(&c, args);
        ASSERT_EQ(c.status, 0);
        ASSERT_STREQ(c.out, "a b\n");
        ASSERT_STREQ(c.err, "");
}

static const char *intro(void) {
        return host_cgroup_intro();
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, intro);
}
