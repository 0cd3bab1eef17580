/* SPDX-License-Identifier: MIT */
/*
 * cgsupctl run --standalone [-p KEY=VALUE]... [--timeout DURATION] [--cgroup PATH] [--json] [--uid USER]
 *     -- CMD [ARG...]
 *
 * A resource-capped run without the daemon, like `systemd-run --wait --pipe` or `time`: CMD starts
 * directly inside a fresh leaf cgroup (clone3 CLONE_INTO_CGROUP) with the caller's stdio and environment,
 * its limits are enforced by the kernel, and when its main process ends whatever is left of its process
 * tree is killed with cgroup.kill, the leaf is removed and a report is printed.
 *
 * Where the leaf goes: under our own cgroup; from the root cgroup (a host without systemd) under
 * "/cgsup-run"; with --cgroup PATH under PATH. Enabling controllers for the leaf is subject to the cgroup v2
 * no-internal-process rule, so when the parent is the cgroup we sit in ourselves (a systemd service with
 * Delegate=yes) we first move into "<parent>/cgsupctl".
 *
 * Signals: CMD stays in our process group (so a terminal's Ctrl-C and job control reach it directly and an
 * interactive CMD keeps its terminal); SIGINT/SIGTERM/SIGHUP sent to us by kill() are forwarded to it. They
 * are read from a signalfd: nothing runs in a signal handler.
 *
 * runtime_max (-p runtime_max=DURATION or --timeout DURATION, systemd's RuntimeMaxSec=): when it passes, the
 * whole tree is killed with cgroup.kill and the report's result is "timeout" (exit status 124, as timeout(1)).
 *
 * Exit status: CMD's exit code, 128+N when it died of signal N (137 for an OOM kill), 127 when CMD was not
 * found, 126 when it could not be executed (as shells do), 1 for our own failures (including a limit that
 * cannot be enforced: then nothing is run), 2 for usage errors.
 */

#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "cgsup/spawn.h"
#include "cgsupctl.h"
#include "fd-util.h"
#include "log.h"
#include "parse-util.h"
#include "run-report.h"
#include "strv.h"

extern char **environ;

/* How long the leftovers of a finished run may take to die after cgroup.kill. SIGKILL cannot be caught;
 * this only bounds a kernel that is very slow to reap (D state on a dead NFS mount). */
#define KILL_WAIT_USEC (10 * USEC_PER_SEC)

/* Name of the leaf we move ourselves into when our own cgroup must become an inner node. */
#define SELF_LEAF "cgsupctl"

typedef struct RunOptions {
        CgsupLimits limits;
        char *syscall_filter;
        bool no_new_privileges;
        char *cgroup; /* --cgroup as given, without trailing '/' */
        char *user;
        char **setenv; /* -E KEY=VALUE */
        char *name;    /* --name: leaf name instead of run-PID */
        bool quiet;    /* -q: no human report */
        usec_t runtime_max; /* -p runtime_max= / --timeout: 0 = unbounded */
        char **cmd;    /* points into argv */
} RunOptions;

static void run_options_done(RunOptions *o) {
        free(o->syscall_filter);
        free(o->cgroup);
        free(o->user);
        strv_free(o->setenv);
        free(o->name);
}

static void seccomp_filter_freep(CgsupSeccompFilter **f) {
        cgsup_seccomp_filter_free(*f);
}

static usec_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / NSEC_PER_USEC;
}

static int parse_property(RunOptions *o, const char *assignment) {
        _cleanup_free_ char *key = NULL;
        const char *eq = strchr(assignment, '=');
        uint64_t v;
        int r;

        if (!eq || eq == assignment) {
                log_error("Property '%s' is not of the form KEY=VALUE.", assignment);
                return -EINVAL;
        }
        key = strndup(assignment, (size_t) (eq - assignment));
        if (!key)
                return log_oom();
        const char *value = eq + 1;

        if (streq(key, "syscall_filter") || streq(key, "syscall-filter")) {
                char *f = strdup(value);
                if (!f)
                        return log_oom();
                free(o->syscall_filter);
                o->syscall_filter = f;
                return 0;
        }
        if (streq(key, "runtime_max")) {
                if (parse_sec(value, &o->runtime_max) < 0) {
                        log_error("Invalid runtime_max '%s' (expected a duration such as 30s).", value);
                        return -EINVAL;
                }
                return 0;
        }
        if (streq(key, "no_new_privileges") || streq(key, "no-new-privileges")) {
                r = parse_boolean(value);
                if (r < 0) {
                        log_error("Invalid boolean for no_new_privileges: '%s'.", value);
                        return -EINVAL;
                }
                o->no_new_privileges = r;
                return 0;
        }

        CgsupLimit limit = cgsup_limit_from_string(key);
        if (limit < 0) {
                log_error(
                        "Unknown property '%s' (known: memory_max, memory_high, memory_swap_max, pids_max, "
                        "cpu_quota, cpu_weight, io_weight, syscall_filter, no_new_privileges, runtime_max).",
                        key);
                return -EINVAL;
        }
        r = cgsup_limit_parse(limit, value, &v);
        if (r < 0) {
                log_error("Invalid value for %s: '%s'%s.", cgsup_limit_to_string(limit), value,
                          r == -ERANGE ? " (out of range)" : "");
                return -EINVAL;
        }
        cgsup_limits_set(&o->limits, limit, v);
        return 0;
}

/* Returns 0 to go on, or an exit status (2 usage, 0 for --help) as a positive number via *ret_exit. */
static int parse_argv(int argc, char **argv, RunOptions *o, int *ret_exit) {
        int c;

        /* verb_run() hands us its argv, already normalised by cgsupctl.c (options, then "--", then CMD). */
        while ((c = getopt_long(argc, argv, "+" RUN_SHORT_OPTIONS, run_options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        if (parse_property(o, optarg) < 0) {
                                *ret_exit = 2;
                                return 1;
                        }
                        break;
                case 'E':
                        if (!strchr(optarg, '=') || optarg[0] == '=') {
                                log_error("Expected -E KEY=VALUE, got '%s'.", optarg);
                                *ret_exit = 2;
                                return 1;
                        }
                        if (strv_extend(&o->setenv, optarg) < 0) {
                                *ret_exit = 1;
                                return log_oom();
                        }
                        break;
                case RUN_ARG_NAME:
                        if (isempty(optarg) || strchr(optarg, '/') || optarg[0] == '.' ||
                            strlen(optarg) > 200 || strneq(optarg, "cgroup.", 7)) {
                                log_error("Invalid --name '%s': must be a single cgroup directory name.",
                                          optarg);
                                *ret_exit = 2;
                                return 1;
                        }
                        free(o->name);
                        o->name = strdup(optarg);
                        if (!o->name) {
                                *ret_exit = 1;
                                return log_oom();
                        }
                        break;
                case 'q':
                        o->quiet = true;
                        break;
                case RUN_ARG_TIMEOUT:
                        if (parse_sec(optarg, &o->runtime_max) < 0 || o->runtime_max == 0) {
                                log_error("Invalid --timeout '%s' (expected a duration such as 30s).", optarg);
                                *ret_exit = 2;
                                return 1;
                        }
                        break;
                case RUN_ARG_STANDALONE:
                case RUN_ARG_WAIT:
                case RUN_ARG_PIPE:
                case 'd':
                        break;
                case RUN_ARG_CGROUP: {
                        /* Below the cgroup2 mount: setup_cgroup() takes the mount's path off, if given. */
                        const char *p = optarg;
                        if (strstr(p, "..")) {
                                log_error("Invalid --cgroup '%s': must not contain '..'.", optarg);
                                *ret_exit = 2;
                                return 1;
                        }
                        free(o->cgroup);
                        o->cgroup = strdup(p);
                        if (!o->cgroup) {
                                *ret_exit = 1;
                                return log_oom();
                        }
                        /* Trailing slashes would make our derived paths ugly. */
                        size_t n = strlen(o->cgroup);
                        while (n > 0 && o->cgroup[n - 1] == '/')
                                o->cgroup[--n] = 0;
                        break;
                }
                case RUN_ARG_UID:
                        free(o->user);
                        o->user = strdup(optarg);
                        if (!o->user) {
                                *ret_exit = 1;
                                return log_oom();
                        }
                        break;
                case '?':
                default:
                        *ret_exit = 2;
                        return 1;
                }

        if (optind >= argc) {
                log_error("run --standalone: no command given (cgsupctl run --standalone [-p KEY=VALUE]... "
                          "-- CMD...).");
                *ret_exit = 2;
                return 1;
        }
        o->cmd = argv + optind;
        return 0;
}

/* User lookup for --uid: name or number; supplementary groups as initgroups() would set them. */
typedef struct RunIds {
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        int n_groups;
        char *name, *home;
} RunIds;

static void run_ids_done(RunIds *ids) {
        free(ids->groups);
        free(ids->name);
        free(ids->home);
}

static int resolve_user(const char *user, RunIds *ret) {
        struct passwd *pw;
        unsigned u;

        errno = 0;
        if (safe_atou(user, &u) >= 0)
                pw = getpwuid((uid_t) u);
        else
                pw = getpwnam(user);
        if (!pw) {
                if (safe_atou(user, &u) < 0)
                        return log_error_errno(errno > 0 ? errno : ENOENT, "Unknown user '%s'.", user);
                /* A bare number without a passwd entry: same group number, no supplementary groups. */
                *ret = (RunIds){.uid = (uid_t) u, .gid = (gid_t) u};
                return 0;
        }

        int n = 64;
        _cleanup_free_ gid_t *groups = NULL;
        for (;;) {
                gid_t *g = realloc(groups, (size_t) n * sizeof(gid_t));
                if (!g)
                        return log_oom();
                groups = g;
                int k = n;
                if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &k) >= 0) {
                        n = k;
                        break;
                }
                if (k <= n)
                        return log_error_errno(EIO, "Failed to list the groups of '%s'.", pw->pw_name);
                n = k;
        }
        *ret = (RunIds){
                .uid = pw->pw_uid,
                .gid = pw->pw_gid,
                .groups = TAKE_PTR(groups),
                .n_groups = n,
                .name = strdup(pw->pw_name),
                .home = strdup(pw->pw_dir),
        };
        if (!ret->name || !ret->home)
                return log_oom();
        return 0;
}

typedef struct RunCgroup {
        int root_fd;
        char *mount;
        char *parent;    /* where our leaf goes */
        CgsupLeaf *leaf; /* parent/run-PID; NULL when it is not ours to remove */
        int leaf_fd;
        bool created_parent;
} RunCgroup;

static void run_cgroup_done(RunCgroup *c) {
        cgsup_leaf_free(c->leaf);
        safe_close(c->leaf_fd);
        safe_close(c->root_fd);
        free(c->mount);
        free(c->parent);
}

static const char *run_cgroup_path(const RunCgroup *c) {
        return cgsup_leaf_path(c->leaf);
}

/* Where the leaf goes: --cgroup, else our own cgroup, else (from the root) "cgsup-run". */
static int pick_parent(const RunOptions *o, const char *mount, const char *own, char **ret) {
        if (o->cgroup)
                *ret = strdup(cgsup_cgroup_path_below_mount(mount, o->cgroup));
        else if (isempty(own))
                /* The root cgroup may hold processes but our leaf should not sit among the host's own
                 * top-level cgroups unlabelled. */
                *ret = strdup("cgsup-run");
        else
                *ret = strdup(own);
        return *ret ? 0 : -ENOMEM;
}

/* Makes the controllers of the limits (and, best effort, memory and pids for the report's accounting)
 * available to our leaf. A parent other than our own cgroup is claimed with the controllers enabled
 * along its path. Our own cgroup can only pass controllers on once we moved out of it into
 * "<own>/cgsupctl"; if nothing could be enabled after all (a login scope with the shell still in it), we
 * move back and leave no trace, and the leaf's check names the refusal. */
static void claim_parent(const RunOptions *o, RunCgroup *c, bool parent_is_own) {
        unsigned want = cgsup_limits_controllers(&o->limits) | CGSUP_CONTROLLER_MEMORY | CGSUP_CONTROLLER_PIDS;
        unsigned before = 0, avail = 0, enabled = 0;

        if (!parent_is_own) {
                (void) cgsup_subtree_claim(c->root_fd, c->parent, NULL, want,
                                           isempty(c->parent) ? 0 : CGSUP_CLAIM_ALONG_PATH, NULL, &c->created_parent);
                return;
        }
        if (isempty(c->parent) || cgsup_cgroup_controllers(c->root_fd, c->parent, &avail) < 0 ||
            cgsup_cgroup_subtree_controllers(c->root_fd, c->parent, &before) < 0)
                return;
        if (!(want & avail & ~before))
                return; /* nothing to gain from moving */
        if (cgsup_subtree_claim(c->root_fd, c->parent, SELF_LEAF, want, 0, &enabled, NULL) < 0)
                return;
        if (!(enabled & ~before))
                (void) cgsup_subtree_unclaim(c->root_fd, c->parent, SELF_LEAF, before);
}

/* Finds the parent, creates the leaf with its limits (libcgsup's CgsupLeaf: check, enable, create, apply,
 * read back). Returns 0, or an exit status (> 0) after logging why. */
static int setup_cgroup(const RunOptions *o, RunCgroup *c) {
        _cleanup_free_ char *own = NULL, *why = NULL;
        CgsupRefusal refusal = {};
        char name[64];
        int r;

        r = cgsup_cgroup2_open_root(&c->root_fd, &c->mount);
        if (r < 0) {
                log_error_errno(r, "No usable cgroup2 mount found: %m.");
                return 1;
        }
        r = cgsup_cgroup_of_pid(0, &own);
        if (r < 0) {
                log_error_errno(r, "Failed to find our own cgroup: %m.");
                return 1;
        }
        if (pick_parent(o, c->mount, own, &c->parent) < 0)
                return log_oom(), 1;
        claim_parent(o, c, streq(c->parent, own));

        snprintf(name, sizeof(name), "run-%d", (int) getpid());
        {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s%s%s", c->parent, isempty(c->parent) ? "" : "/", o->name ?: name) < 0)
                        return log_oom(), 1;
                r = cgsup_leaf_new(c->root_fd, path, &c->leaf);
                if (r < 0) {
                        log_error_errno(r, "Invalid cgroup path /%s: %m.", path);
                        return 1;
                }
        }
        /* Never join (and later kill) someone else's processes: EXCLUSIVE refuses a leaf in use. */
        r = cgsup_leaf_create(c->leaf, &o->limits, CGSUP_LEAF_EXCLUSIVE, &refusal);
        if (r < 0) {
                if (refusal.reason == CGSUP_REFUSAL_CGROUP && r == -EBUSY &&
                    streq(refusal.cgroup, run_cgroup_path(c))) {
                        log_error("Cgroup /%s already exists and is in use (another run with this name?).",
                                  run_cgroup_path(c));
                        c->leaf = cgsup_leaf_free(c->leaf); /* not ours: never remove it */
                        return 1;
                }
                if (cgsup_refusal_format(&refusal, c->mount, &why) >= 0)
                        log_error("%s. Not running the command.", why);
                else
                        log_error_errno(r, "Cannot set up the run's cgroup: %m. Not running the command.");
                return 1;
        }
        r = cgsup_leaf_open(c->leaf, &c->leaf_fd);
        if (r < 0) {
                log_error_errno(r, "Failed to open cgroup /%s: %m.", run_cgroup_path(c));
                (void) cgsup_leaf_destroy(c->leaf);
                return 1;
        }
        return 0;
}

/* Removes what we created; an empty "cgsup-run" parent goes too (a concurrent run keeps it: -EBUSY). */
static bool cleanup_cgroup(RunCgroup *c) {
        int r;

        if (!c->leaf || c->root_fd < 0)
                return true;
        r = cgsup_leaf_destroy(c->leaf);
        if (r < 0) {
                log_warning_errno(r, "Failed to remove cgroup /%s, ignoring: %m", run_cgroup_path(c));
                return false;
        }
        if (c->created_parent && !isempty(c->parent)) {
                /* rmdir only: a sibling run may be using it right now. */
                (void) unlinkat(c->root_fd, c->parent, AT_REMOVEDIR);
        }
        return true;
}

/* Milliseconds until @deadline (CLOCK_MONOTONIC) for poll(): -1 without one, rounded up. */
static int poll_timeout(usec_t deadline) {
        usec_t n = now_usec();

        if (deadline == USEC_INFINITY)
                return -1;
        if (n >= deadline)
                return 0;
        return (int) MIN((deadline - n + USEC_PER_MSEC - 1) / USEC_PER_MSEC, (usec_t) INT_MAX);
}

/* Waits for the main process, forwarding signals. At @deadline (runtime_max; USEC_INFINITY = none) the
 * whole tree is killed at once and *ret_timed_out set; the wait goes on for the main process. Returns 0
 * with si_code/si_status/rusage. */
static int wait_main(int pidfd, int sigfd, CgsupLeaf *leaf, usec_t deadline, bool *ret_timed_out, int *ret_code,
                     int *ret_status, struct rusage *ret_ru) {
        int n_ready, r;

        for (;;) {
                struct pollfd p[2] = {
                        {.fd = pidfd, .events = POLLIN},
                        {.fd = sigfd, .events = POLLIN},
                };
                n_ready = poll(p, 2, poll_timeout(deadline));
                if (n_ready < 0) {
                        if (errno == EINTR)
                                continue;
                        return log_error_errno(errno, "poll() failed: %m");
                }
                if (n_ready == 0) {
                        r = cgsup_leaf_kill(leaf);
                        if (r < 0)
                                return log_error_errno(r, "Failed to kill the run at runtime_max: %m");
                        *ret_timed_out = true;
                        deadline = USEC_INFINITY;
                        continue;
                }
                if (p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        ssize_t k = read(sigfd, &si, sizeof(si));
                        if (k == (ssize_t) sizeof(si) && si.ssi_code != SI_KERNEL) {
                                /* From kill(): pass it on. SI_KERNEL ones come from the terminal, which
                                 * sent the same signal to CMD (it is in our process group) already. */
                                r = cgsup_pidfd_send_signal(pidfd, (int) si.ssi_signo);
                                if (r < 0 && r != -ESRCH)
                                        log_warning_errno(r, "Failed to forward SIG%s, ignoring: %m",
                                                          signal_to_string((int) si.ssi_signo) ?: "?");
                        }
                }
                if (p[0].revents & (POLLIN | POLLHUP)) {
                        r = cgsup_pidfd_wait(pidfd, true, ret_code, ret_status, ret_ru);
                        if (r < 0)
                                return log_error_errno(r, "Failed to wait for the command: %m");
                        if (r > 0)
                                return 0;
                }
        }
}

static int exec_failure_status(int r, CgsupSpawnStep step, const char *cmd) {
        if (step == CGSUP_SPAWN_STEP_CLONE && r == -ENOSYS) {
                log_error(
                        "This kernel cannot start a process directly in a cgroup (clone3 CLONE_INTO_CGROUP "
                        "needs Linux 5.7). Not running '%s'.",
                        cmd);
                return 1;
        }
        if (step == CGSUP_SPAWN_STEP_SECCOMP) {
                log_error_errno(r, "The kernel refused the syscall filter for '%s': %m", cmd);
                return 1;
        }
        log_error_errno(r, "Failed to execute '%s' (step %s): %m", cmd,
                        strna(cgsup_spawn_step_to_string(step)));
        if (step == CGSUP_SPAWN_STEP_EXEC)
                return r == -ENOENT ? 127 : 126;
        return 1;
}

/* 0, or the exit status: 2 for a malformed filter. */
static int compile_filter(const RunOptions *o, CgsupSeccompFilter **ret) {
        _cleanup_free_ char *bad = NULL;
        int r;

        if (!o->syscall_filter)
                return 0;
        r = cgsup_seccomp_filter_new(o->syscall_filter, 0, ret, &bad);
        if (r == -EINVAL) {
                log_error("Invalid syscall_filter: unknown or malformed entry '%s'.", strna(bad));
                return 2;
        }
        if (r < 0) {
                log_error_errno(r, "Failed to compile syscall_filter (libseccomp): %m");
                return 1;
        }
        return 0;
}

/* Ours, with -E applied and, for --uid, what login(1)/runuser set: the program should not think it is
 * still root. 0 or the exit status. */
static int build_environment(const RunOptions *o, RunIds *ids, char ***ret) {
        _cleanup_strv_free_ char **env = strv_copy(environ);
        _cleanup_free_ char *u = NULL, *l = NULL, *h = NULL;

        if (!env)
                return log_oom(), 1;
        STRV_FOREACH(e, o->setenv)
                if (strv_env_set(&env, *e) < 0)
                        return log_oom(), 1;
        if (o->user) {
                if (resolve_user(o->user, ids) < 0)
                        return 1;
                if (ids->name && (asprintf(&u, "USER=%s", ids->name) < 0 || asprintf(&l, "LOGNAME=%s", ids->name) < 0 ||
                                  asprintf(&h, "HOME=%s", ids->home) < 0 || strv_env_set(&env, u) < 0 ||
                                  strv_env_set(&env, l) < 0 || strv_env_set(&env, h) < 0))
                        return log_oom(), 1;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* Blocked before anything is created, so a Ctrl-C cannot strand a half-made cgroup, and no signal meant for
 * CMD is lost before it runs; the child starts with an empty mask (cgsup_spawn resets it). They stay
 * blocked until we exit: unblocking would let a late signal kill us before the cleanup. */
static int block_signals(int *ret_sigfd) {
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "Failed to block signals: %m"), 1;
        *ret_sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (*ret_sigfd < 0)
                return log_error_errno(errno, "Failed to create signalfd: %m"), 1;
        return 0;
}

/* The program is its cgroup, not its main process: whatever it left behind (setsid, double fork) is killed
 * now, in one operation. */
static void kill_leftovers(RunCgroup *cg, RunReport *rep) {
        CgsupCgroupEvents ev = {};
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = cgsup_cgroup_events_read(cg->root_fd, run_cgroup_path(cg), &ev);
        if (r < 0 || !ev.populated)
                return;
        if (cgsup_cgroup_pids(cg->root_fd, run_cgroup_path(cg), &pids, &n) >= 0)
                rep->leftover_processes_killed = n;
        r = cgsup_leaf_kill(cg->leaf);
        if (r < 0)
                log_error_errno(r, "Failed to kill the processes left in /%s: %m", run_cgroup_path(cg));
        r = cgsup_leaf_wait_empty(cg->leaf, KILL_WAIT_USEC);
        if (r < 0)
                log_error_errno(r, "Processes left in /%s did not go away: %m", run_cgroup_path(cg));
}

/* How it ended and what it used: the cgroup's accounting where there is one (the whole tree), else the
 * main process's rusage. */
static void fill_report(RunReport *rep, int code, int status, const CgsupStats *st, const struct rusage *ru) {
        if (code == CLD_EXITED) {
                rep->result = status == 0 ? "success" : "exit-code";
                rep->exit_code = status;
                rep->exit_status = status;
        } else {
                rep->exit_signal = status;
                rep->exit_status = 128 + status;
                rep->result = status == SIGKILL && (st->valid & CGSUP_STATS_MEMORY_EVENTS) &&
                                              st->memory_events_oom_kill > 0
                                      ? "oom-kill"
                                      : "signal";
        }
        if (st->valid & CGSUP_STATS_CPU) {
                rep->cpu_usage_nsec = st->cpu_usage_usec * NSEC_PER_USEC;
                rep->cpu_source = "cgroup";
        } else {
                uint64_t usec = (uint64_t) ru->ru_utime.tv_sec * USEC_PER_SEC + (uint64_t) ru->ru_utime.tv_usec +
                                (uint64_t) ru->ru_stime.tv_sec * USEC_PER_SEC + (uint64_t) ru->ru_stime.tv_usec;
                rep->cpu_usage_nsec = usec * NSEC_PER_USEC;
                rep->cpu_source = "rusage";
        }
        if (st->valid & CGSUP_STATS_MEMORY_PEAK) {
                rep->memory_peak = st->memory_peak;
                rep->memory_peak_source = "cgroup";
        } else {
                rep->memory_peak = (uint64_t) ru->ru_maxrss * 1024;
                rep->memory_peak_source = "rusage-main-process";
        }
        if (st->valid & CGSUP_STATS_PIDS_PEAK)
                rep->pids_peak = st->pids_peak;
        if (st->valid & CGSUP_STATS_MEMORY_EVENTS)
                rep->oom_kills = st->memory_events_oom_kill;
}

int verb_run_standalone(int argc, char **argv) {
        _cleanup_(run_options_done) RunOptions o = {};
        _cleanup_(run_cgroup_done) RunCgroup cg = {.root_fd = -EBADF, .leaf_fd = -EBADF};
        _cleanup_(run_ids_done) RunIds ids = {};
        _cleanup_(seccomp_filter_freep) CgsupSeccompFilter *filter = NULL;
        _cleanup_close_ int sigfd = -EBADF, pidfd = -EBADF;
        _cleanup_strv_free_ char **env = NULL;
        CgsupSpawnResult res = {};
        RunReport rep = RUN_REPORT_INIT;
        CgsupStats st = {};
        struct rusage ru = {};
        int code = 0, status = 0, ret = 0, r;
        bool timed_out = false;
        char span[64], detail[128];

        if (parse_argv(argc, argv, &o, &ret) != 0)
                return ret;
        ret = compile_filter(&o, &filter);
        if (ret == 0)
                ret = build_environment(&o, &ids, &env);
        if (ret == 0)
                ret = block_signals(&sigfd);
        if (ret != 0)
                return ret;

        ret = setup_cgroup(&o, &cg);
        if (ret != 0) {
                if (cg.created_parent)
                        (void) unlinkat(cg.root_fd, cg.parent, AT_REMOVEDIR);
                return ret;
        }

        CgsupSpawnPlan plan = {
                .argv = o.cmd,
                .envp = env,
                .cgroup_fd = cg.leaf_fd,
                .stdin_fd = STDIN_FILENO,
                .stdout_fd = STDOUT_FILENO,
                .stderr_fd = STDERR_FILENO,
                .umask = -1,
                .no_new_privileges = o.no_new_privileges,
                .new_session = false,
                .seccomp = filter,
                .change_ids = !!o.user,
                .uid = ids.uid,
                .gid = ids.gid,
                .groups = ids.groups,
                .n_groups = (size_t) ids.n_groups,
        };
        /* Standard fds that are closed in our caller stay closed-ish: /dev/null instead. */
        for (int fd = 0; fd < 3; fd++)
                if (fcntl(fd, F_GETFD) < 0)
                        *(fd == 0 ? &plan.stdin_fd : fd == 1 ? &plan.stdout_fd : &plan.stderr_fd) = -1;

        usec_t start = now_usec();
        r = cgsup_spawn(&plan, &res);
        if (r < 0) {
                ret = exec_failure_status(r, res.failed_step, o.cmd[0]);
                (void) cleanup_cgroup(&cg);
                return ret;
        }
        pidfd = res.pidfd;
        rep.main_pid = res.pid;
        rep.command = o.cmd;
        rep.limits = &o.limits;
        rep.leftover_processes_killed = 0;

        r = wait_main(pidfd, sigfd, cg.leaf, o.runtime_max > 0 ? start + o.runtime_max : USEC_INFINITY, &timed_out,
                      &code, &status, &ru);
        rep.wall_usec = now_usec() - start;
        if (r < 0) {
                /* Do not leave it running unsupervised. */
                (void) cgsup_leaf_kill(cg.leaf);
                (void) cgsup_leaf_wait_empty(cg.leaf, KILL_WAIT_USEC);
                (void) cleanup_cgroup(&cg);
                return 1;
        }
        kill_leftovers(&cg, &rep);

        /* Read the cgroup's accounting once everything in it is dead, so it covers the whole tree. */
        r = cgsup_stats_read(cg.root_fd, run_cgroup_path(&cg), &st);
        if (r < 0)
                st.valid = 0;
        fill_report(&rep, code, status, &st, &ru);
        if (timed_out) {
                /* cgsupd's words for the same end (record_exit()), so both paths report it alike. */
                snprintf(detail, sizeof(detail), "runtime_max (%s) reached, cgroup killed",
                         format_timespan(span, sizeof(span), o.runtime_max));
                rep.result = "timeout";
                rep.exit_detail = detail;
                rep.exit_status = run_report_exit_status(rep.result, rep.exit_code, rep.exit_signal);
        }
        rep.cgroup = run_cgroup_path(&cg);
        rep.cgroup_removed = cleanup_cgroup(&cg);

        if (arg_json)
                (void) run_report_print_json(&rep);
        else if (!o.quiet)
                run_report_print(&rep);

        return rep.exit_status;
}
