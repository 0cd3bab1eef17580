/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "fd-util.h"
#include "host-util.h"
#include "macro.h"

/* Set once by the intro in the parent and inherited by every forked test (see host-util.h). */
static int root_fd = -EBADF;
static char *mount_path;
static char *own_cgroup;
static char *base_cgroup; /* parent of the test cgroup: own_cgroup, or $CGSUP_TEST_CGROUP_PARENT */
static char *test_cgroup;
static pid_t intro_pid;

static inline void closedirp(DIR **d) {
        if (*d)
                (void) closedir(*d);
}

#define TEST_PREFIX "cgsup-test-"
#define DESTROY_TIMEOUT_USEC (10 * USEC_PER_SEC)

usec_t host_now(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / NSEC_PER_USEC;
}

int host_cgroup_root_fd(void) {
        return root_fd;
}

const char *host_cgroup_mount(void) {
        return mount_path;
}

const char *host_own_cgroup(void) {
        return own_cgroup;
}

const char *host_test_cgroup(void) {
        return test_cgroup;
}

char *host_cgroup_abs(const char *rel) {
        char *s;
        rel += strspn(rel, "/");
        if (asprintf(&s, "%s%s%s", mount_path, isempty(rel) ? "" : "/", rel) < 0)
                return NULL;
        return s;
}

static char *cgroup_file(const char *rel, const char *file) {
        _cleanup_free_ char *dir = host_cgroup_abs(rel);
        char *s;
        if (!dir || asprintf(&s, "%s/%s", dir, file) < 0)
                return NULL;
        return s;
}

int host_cgroup_write(const char *rel, const char *file, const char *value) {
        _cleanup_free_ char *p = cgroup_file(rel, file);
        if (!p)
                return -ENOMEM;
        return write_string_file_at(AT_FDCWD, p, value);
}

int host_cgroup_read(const char *rel, const char *file, char **ret) {
        _cleanup_free_ char *p = cgroup_file(rel, file);
        if (!p)
                return -ENOMEM;
        return read_full_file_at(AT_FDCWD, p, 16 * 1024 * 1024, ret, NULL);
}

int host_cgroup_event(const char *rel, const char *key) {
        _cleanup_free_ char *text = NULL;
        size_t klen = strlen(key);
        int r;

        r = host_cgroup_read(rel, "cgroup.events", &text);
        if (r < 0)
                return r;
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strneq(l, key, klen) && l[klen] == ' ')
                        return atoi(l + klen + 1);
        return -ENOENT;
}

int host_cgroup_nprocs(const char *rel) {
        _cleanup_free_ char *text = NULL;
        int r, n = 0;

        r = host_cgroup_read(rel, "cgroup.procs", &text);
        if (r < 0)
                return r;
        for (char *p = text; *p; p++)
                if (*p == '\n')
                        n++;
        return n;
}

int host_cgroup_wait_event(const char *rel, const char *key, int value, usec_t timeout) {
        _cleanup_free_ char *p = cgroup_file(rel, "cgroup.events");
        _cleanup_close_ int fd = -EBADF;
        usec_t deadline = host_now() + timeout;
        int r;

        if (!p)
                return -ENOMEM;
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (inotify_add_watch(fd, p, IN_MODIFY) < 0)
                return -errno;

        /* Watch first, then read: a change between the two still wakes the poll. */
        for (;;) {
                char buf[4096];

                r = host_cgroup_event(rel, key);
                if (r < 0)
                        return r;
                if (r == value)
                        return 0;
                usec_t now = host_now();
                if (now >= deadline)
                        return -ETIME;
                r = poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1,
                         (int) ((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
                if (r < 0 && errno != EINTR)
                        return -errno;
                while (read(fd, buf, sizeof(buf)) > 0)
                        ;
        }
}

/* Calls @f for @abs and every cgroup below it, children before parents. */
static int walk_depth_first(const char *abs, int (*f)(const char *abs, void *userdata), void *userdata) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r, ret = 0;

        d = opendir(abs);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *child = NULL;
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&child, "%s/%s", abs, de->d_name) < 0)
                        return -ENOMEM;
                r = walk_depth_first(child, f, userdata);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        r = f(abs, userdata);
        return ret < 0 ? ret : r;
}

static int kill_procs_of(const char *abs, void *userdata) {
        _cleanup_free_ char *p = NULL, *text = NULL;
        unsigned *n = userdata;

        if (asprintf(&p, "%s/cgroup.procs", abs) < 0)
                return -ENOMEM;
        if (read_full_file_at(AT_FDCWD, p, 16 * 1024 * 1024, &text, NULL) < 0)
                return 0;
        for (char *s = text; *s;) {
                pid_t pid = (pid_t) strtol(s, &s, 10);
                if (pid > 0 && kill(pid, SIGKILL) >= 0)
                        (*n)++;
                s += strspn(s, "\n");
        }
        return 0;
}

static int rmdir_one(const char *abs, void *userdata) {
        if (rmdir(abs) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int host_cgroup_destroy(const char *rel) {
        _cleanup_free_ char *abs = host_cgroup_abs(rel), *kill_file = NULL;
        int r;

        if (!abs)
                return -ENOMEM;
        if (access(abs, F_OK) < 0)
                return errno == ENOENT ? 0 : -errno;

        if (asprintf(&kill_file, "%s/cgroup.kill", abs) < 0)
                return -ENOMEM;
        r = write_string_file_at(AT_FDCWD, kill_file, "1");
        if (r == -ENOENT) {
                /* Before Linux 5.14 there is no cgroup.kill: SIGKILL pid by pid until nothing is left. */
                usec_t deadline = host_now() + DESTROY_TIMEOUT_USEC;
                for (;;) {
                        unsigned n = 0;
                        r = walk_depth_first(abs, kill_procs_of, &n);
                        if (r < 0)
                                return r;
                        if (n == 0 || host_now() > deadline)
                                break;
                }
        } else if (r < 0)
                return r;

        r = host_cgroup_wait_event(rel, "populated", 0, DESTROY_TIMEOUT_USEC);
        if (r < 0 && r != -ENOENT)
                return r;
        return walk_depth_first(abs, rmdir_one, NULL);
}

static char *stage_dir = NULL;

static void stage_cleanup(void) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!stage_dir)
                return;
        d = opendir(stage_dir);
        while (d && (de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        (void) rmdir(stage_dir);
}

/* Copies the file $@var names into stage_dir with mode 0755 and points $@var at the copy. */
static int stage_one(const char *var) {
        _cleanup_close_ int in = -EBADF, out = -EBADF;
        _cleanup_free_ char *dest = NULL;
        const char *src = getenv(var), *base;
        char buf[65536];
        ssize_t n;

        if (!src || !*src)
                return 0;
        base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
        if (asprintf(&dest, "%s/%s", stage_dir, base) < 0)
                return -ENOMEM;
        in = open(src, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return -errno;
        out = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
        if (out < 0)
                return -errno;
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (loop_write(out, buf, (size_t) n) < 0)
                        return -EIO;
        if (n < 0 || fchmod(out, 0755) < 0)
                return -errno;
        return setenv(var, dest, 1) < 0 ? -errno : 0;
}

int host_stage_binaries(void) {
        int r;

        if (stage_dir)
                return 0;
        if (asprintf(&stage_dir, "/tmp/cgsup-stage-%d", (int) getpid()) < 0)
                return -ENOMEM;
        if (mkdir(stage_dir, 0755) < 0 && errno != EEXIST)
                return -errno;
        /* mkdir honours the umask: make sure others may enter. */
        if (chmod(stage_dir, 0755) < 0)
                return -errno;
        r = stage_one("CGSUP_HOG");
        if (r >= 0)
                r = stage_one("CGSUPCTL");
        return r;
}

void host_cgroup_cleanup(void) {
        int r;

        /* Forked tests end with exit() and would run this too: only the intro's process owns the tree. */
        if (!test_cgroup || getpid() != intro_pid)
                return;
        stage_cleanup();
        r = host_cgroup_destroy(test_cgroup);
        if (r < 0)
                printf("# cleanup of cgroup %s failed: %s\n", test_cgroup, strerror(-r));
}

/* Removes "cgsup-test-<pid>" trees in our own cgroup whose creator is gone (aborted or killed runs). */
static void remove_stale(void) {
        _cleanup_free_ char *abs = host_cgroup_abs(base_cgroup);
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;

        if (!abs)
                return;
        d = opendir(abs);
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *rel = NULL;
                char *end;

                if (de->d_type != DT_DIR || !strneq(de->d_name, TEST_PREFIX, strlen(TEST_PREFIX)))
                        continue;
                long pid = strtol(de->d_name + strlen(TEST_PREFIX), &end, 10);
                if (*end || pid <= 0 || (pid != getpid() && (kill((pid_t) pid, 0) >= 0 || errno != ESRCH)))
                        continue;
                if (asprintf(&rel, "%s%s%s", base_cgroup, isempty(base_cgroup) ? "" : "/", de->d_name) < 0)
                        return;
                printf("# removing stale test cgroup %s\n", rel);
                (void) host_cgroup_destroy(rel);
        }
}

_noreturn_ static void bail_out(const char *what, int error) {
        printf("Bail out! %s: %s\n", what, strerror(error));
        fflush(stdout);
        exit(1);
}

const char *host_cgroup_intro(void) {
        static char reason[512];
        _cleanup_free_ char *abs = NULL;
        int r;

        if (geteuid() != 0)
                return "not running as root (euid != 0)";

        r = cgsup_cgroup2_open_root(&root_fd, &mount_path);
        if (r == -ENOENT)
                return "no cgroup2 mount in /proc/self/mountinfo";
        if (r < 0 && ERRNO_IS_PRIVILEGE_OR_ABSENT(-r)) {
                snprintf(reason, sizeof(reason), "cannot open the cgroup2 mount: %s", strerror(-r));
                return reason;
        }
        if (r < 0)
                bail_out("cannot open the cgroup2 mount", -r);

        r = cgsup_cgroup_of_pid(0, &own_cgroup);
        if (r == -ENOENT)
                return "no cgroup2 (\"0::\") line in /proc/self/cgroup";
        if (r < 0)
                bail_out("cannot read /proc/self/cgroup", -r);

        /* In a delegated service the test binary sits in an inner cgroup, where the no-internal-process rule
         * forbids enabling controllers for children. A wrapper can move itself into a leaf, enable the
         * controllers on the service's cgroup and name it here as the parent of the test tree. */
        const char *e = getenv("CGSUP_TEST_CGROUP_PARENT");
        base_cgroup = strdup(e ? e + strspn(e, "/") : own_cgroup);
        if (!base_cgroup)
                bail_out("strdup", ENOMEM);

        remove_stale();

        intro_pid = getpid();
        if (asprintf(&test_cgroup, "%s%s" TEST_PREFIX "%d", base_cgroup, isempty(base_cgroup) ? "" : "/",
                     (int) intro_pid) < 0)
                bail_out("asprintf", ENOMEM);
        abs = host_cgroup_abs(test_cgroup);
        if (!abs)
                bail_out("asprintf", ENOMEM);
        if (mkdir(abs, 0755) < 0) {
                r = errno;
                if (ERRNO_IS_PRIVILEGE_OR_ABSENT(r)) {
                        snprintf(reason, sizeof(reason), "cannot create cgroup %s: %s", abs,
                                 strerrorname_np(r));
                        free(test_cgroup);
                        test_cgroup = NULL;
                        return reason;
                }
                if (r != EEXIST) /* EEXIST: our own pid's leftover, removed above as stale */
                        bail_out(abs, r);
        }
        if (atexit(host_cgroup_cleanup) != 0)
                bail_out("atexit", ENOMEM);
        r = host_stage_binaries();
        if (r < 0)
                bail_out("staging the helper binaries in /tmp for other users", -r);
        return NULL;
}

int host_make_leaf(const char *name, char **ret_path) {
        _cleanup_free_ char *rel = NULL, *abs = NULL;
        int r;

        if (!test_cgroup)
                return -ENOENT;
        if (asprintf(&rel, "%s/%s", test_cgroup, name) < 0)
                return -ENOMEM;
        abs = host_cgroup_abs(rel);
        if (!abs)
                return -ENOMEM;
        r = mkdir_p(abs, 0755);
        if (r < 0)
                return r;
        if (ret_path)
                *ret_path = TAKE_PTR(rel);
        return 0;
}

bool host_pid_alive(pid_t pid) {
        _cleanup_free_ char *text = NULL;
        char fn[64];
        const char *p;

        snprintf(fn, sizeof(fn), "/proc/%d/stat", (int) pid);
        if (read_full_file_at(AT_FDCWD, fn, 64 * 1024, &text, NULL) < 0)
                return false;
        /* The state letter follows the last ')' (the comm may contain ')'). */
        p = strrchr(text, ')');
        if (!p || p[1] != ' ')
                return false;
        return p[2] != 'Z' && p[2] != 'X' && p[2] != 'x';
}

int host_wait_gone(pid_t pid, usec_t timeout) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0) {
                /* ESRCH: no such pid. EINVAL: the pid number is still referenced but no longer has a thread
                 * group leader (Linux 6.1 answers so right after the task is released). Both mean gone. */
                if (errno != ESRCH && !(errno == EINVAL && pid > 0))
                        return -errno;
        } else {
                /* A pidfd turns readable when the process exits, zombie or not. */
                r = poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1,
                         timeout == USEC_INFINITY ? -1
                                                  : (int) ((timeout + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -ETIME;
        }
        (void) waitpid(pid, NULL, WNOHANG); /* ECHILD when it is not ours: fine */
        return 0;
}

static bool word_in(const char *text, const char *word) {
        size_t n = strlen(word);
        for (const char *p = text; (p = strstr(p, word)); p += n)
                if ((p == text || isspace((unsigned char) p[-1])) &&
                    (p[n] == 0 || isspace((unsigned char) p[n])))
                        return true;
        return false;
}

bool host_has_controller(const char *ctrl) {
        _cleanup_free_ char *text = NULL;
        if (!test_cgroup || host_cgroup_read(test_cgroup, "cgroup.controllers", &text) < 0)
                return false;
        return word_in(text, ctrl);
}

int host_enable_controller(const char *ctrl) {
        _cleanup_free_ char *text = NULL, *plus = NULL;
        int r;

        if (!test_cgroup)
                return -ENOENT;
        if (asprintf(&plus, "+%s", ctrl) < 0)
                return -ENOMEM;
        if (!host_has_controller(ctrl)) {
                r = host_cgroup_read(base_cgroup, "cgroup.controllers", &text);
                if (r < 0)
                        return r;
                if (!word_in(text, ctrl))
                        return -ENOENT;
                r = host_cgroup_write(base_cgroup, "cgroup.subtree_control", plus);
                if (r < 0)
                        return r;
        }
        return host_cgroup_write(test_cgroup, "cgroup.subtree_control", plus);
}

int host_count_procs_with_env(const char *marker) {
        _cleanup_(closedirp) DIR *d = opendir("/proc");
        struct dirent *de;
        size_t mlen = strlen(marker);
        int n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *env = NULL;
                char fn[300];
                size_t size;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                snprintf(fn, sizeof(fn), "/proc/%s/environ", de->d_name);
                if (read_full_file_at(AT_FDCWD, fn, 4 * 1024 * 1024, &env, &size) < 0)
                        continue; /* gone meanwhile, or a kernel thread */
                for (size_t i = 0; i < size; i += strlen(env + i) + 1)
                        if (size - i >= mlen && memcmp(env + i, marker, mlen) == 0 &&
                            (env[i + mlen] == 0 || i + mlen == size)) {
                                if (host_pid_alive((pid_t) atoi(de->d_name)))
                                        n++;
                                break;
                        }
        }
        return n;
}
