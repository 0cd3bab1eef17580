/* SPDX-License-Identifier: MIT */
/*
 * Everything the parent prepares before cgsup_spawn(): the instance leaf with its limits (checked first:
 * a limit that cannot be enforced means no start at all), argv with a PATH search in the program's own
 * environment, the environment (supervisord's SUPERVISOR_* variables), user/groups resolved here in the
 * parent (getpwnam/getgrouplist are not async-signal-safe), output pipes, NOTIFY_SOCKET, rlimits, seccomp.
 */
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>

#include "adopt.h"
#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "cgsup/spawn.h"
#include "log.h"
#include "logcap.h"
#include "manager.h"
#include "notify.h"
#include "parse-util.h"
#include "program-env.h"
#include "program-ops.h"
#include "program-real.h"
#include "program-spawn.h"
#include "program-stdin.h"
#include "strv.h"

/* Inherited from our own service manager; meaningless (or harmful) for our children. */
static const char *const env_blocklist[] = {
        "NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID",
        "JOURNAL_STREAM", "INVOCATION_ID", "MAINPID", NULL,
};

static bool env_blocked(const char *assignment) {
        for (size_t i = 0; env_blocklist[i]; i++) {
                size_t l = strlen(env_blocklist[i]);
                if (strneq(assignment, env_blocklist[i], l) && assignment[l] == '=')
                        return true;
        }
        return false;
}

static int env_set(char ***env, const char *key, const char *value) {
        _cleanup_free_ char *a = NULL;

        if (asprintf(&a, "%s=%s", key, value) < 0)
                return -ENOMEM;
        return strv_env_set(env, a);
}

typedef struct UserInfo {
        bool set;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
        char *name, *home, *shell;
} UserInfo;

static void user_info_done(UserInfo *u) {
        free(u->groups);
        free(u->name);
        free(u->home);
        free(u->shell);
}

static int resolve_user(const char *user, UserInfo *ret) {
        struct passwd *pw;
        unsigned uid;
        int n = 16;

        errno = 0;
        pw = safe_atou(user, &uid) >= 0 ? getpwuid((uid_t) uid) : getpwnam(user);
        if (!pw)
                return errno > 0 ? -errno : -ESRCH;
        *ret = (UserInfo) { .set = true, .uid = pw->pw_uid, .gid = pw->pw_gid };
        ret->name = strdup(pw->pw_name);
        ret->home = strdup(pw->pw_dir ?: "/");
        ret->shell = strdup(pw->pw_shell ?: "/bin/sh");
        if (!ret->name || !ret->home || !ret->shell)
                return -ENOMEM;
        for (;;) {
                gid_t *g = realloc(ret->groups, sizeof(gid_t) * (size_t) n);
                int want = n;
                if (!g)
                        return -ENOMEM;
                ret->groups = g;
                if (getgrouplist(pw->pw_name, pw->pw_gid, g, &want) >= 0) {
                        ret->n_groups = (size_t) want;
                        return 0;
                }
                if (want <= n || want > 65536)
                        return -E2BIG;
                n = want;
        }
}

/* Only the program's own user=: [cgsupd] user= no longer applies to programs (it is refused at load unless
 * it names the user cgsupd runs as). */
static const char *effective_user(Program *p) {
        return p->config->user;
}

static int build_env(Program *p, const UserInfo *u, char ***ret) {
        Manager *m = p->manager;
        _cleanup_strv_free_ char **env = NULL;
        int r;

        /* clean_environment: not cgsupd's own environment (what it inherited), only [cgsupd] environment=
         * and the program's (Kahi's meaning), plus the variables set below. */
        STRV_FOREACH(e, p->config->clean_environment ? (m->config ? m->config->daemon.environment : NULL) :
                                                        m->environment) {
                if (env_blocked(*e))
                        continue;
                r = strv_extend(&env, *e);
                if (r < 0)
                        return r;
        }
        /* supervisord's variables (scripts test SUPERVISOR_ENABLED), then ours. */
        if (env_set(&env, "SUPERVISOR_ENABLED", "1") < 0 || env_set(&env, "SUPERVISOR_PROCESS_NAME", p->name) < 0 ||
            env_set(&env, "SUPERVISOR_GROUP_NAME", p->group) < 0 || env_set(&env, "CGSUP_PROGRAM", p->name) < 0)
                return -ENOMEM;
        if (u && u->set) {
                /* Like supervisord with user=: the target user's identity, before the program's own
                 * environment= so that one can still override it. */
                if (env_set(&env, "HOME", u->home) < 0 || env_set(&env, "USER", u->name) < 0 ||
                    env_set(&env, "LOGNAME", u->name) < 0 || env_set(&env, "SHELL", u->shell) < 0)
                        return -ENOMEM;
        }
        /* environment_file= over supervisord's variables, the program's environment= over every file
         * (the order cgsup.conf(5) documents). */
        STRV_FOREACH(e, p->env_file_vars) {
                r = strv_env_set(&env, *e);
                if (r < 0)
                        return r;
        }
        STRV_FOREACH(e, p->config->environment) {
                r = strv_env_set(&env, *e);
                if (r < 0)
                        return r;
        }
        if (p->config->type == PROGRAM_TYPE_NOTIFY && m->notify_path) {
                const char *path = NULL;
                /* A failure is logged: the program starts and its start times out without READY=1. */
                bool other = u && u->set;
                (void) notify_socket_for_user(m, other ? u->uid : geteuid(), other ? u->gid : getegid(), &path);
                if (path && env_set(&env, "NOTIFY_SOCKET", path) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

void program_restore_notify_socket(Program *p) {
        _cleanup_(user_info_done) UserInfo u = {};
        const char *user, *path;

        if (!p->config || p->config->type != PROGRAM_TYPE_NOTIFY)
                return;
        user = effective_user(p);
        if (user && resolve_user(user, &u) >= 0 && u.uid != geteuid())
                (void) notify_socket_for_user(p->manager, u.uid, u.gid, &path);
}

int program_build_env(Program *p, char ***ret) {
        _cleanup_(user_info_done) UserInfo u = {};
        const char *user = effective_user(p);

        if (user && resolve_user(user, &u) < 0)
                u.set = false;
        return build_env(p, &u, ret);
}

/* The instance leaf with all limits in place (libcgsup's CgsupLeaf: check, enable, create, apply, read
 * back), before anything runs in it. A limit that cannot be enforced means no start at all, with the
 * refusal's one wording as the reason. */
static int prepare_cgroup(Program *p, ExitReason *ret_reason, char **ret_detail) {
        Manager *m = p->manager;
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        CgsupRefusal refusal = {};
        int r;

        r = cgsup_leaf_new(m->cgroup_root_fd, p->cgroup, &leaf);
        if (r < 0)
                return r;
        /* Even a failed create may have made the directory: cleanup must look again. */
        p->leaf_removed = false;
        r = cgsup_leaf_create(leaf, &p->config->limits, 0, &refusal);
        if (r < 0) {
                if (refusal.limit >= 0)
                        *ret_reason = EXIT_REASON_LIMIT;
                (void) cgsup_refusal_format(&refusal, m->cgroup_mount, ret_detail);
                return r;
        }
        return 0;
}

typedef struct SpawnContext {
        UserInfo user;
        char **env;
        char *exe;
        CgsupSeccompFilter *seccomp;
        int cgroup_fd;
        int in[2], out[2], err[2];
} SpawnContext;

static void spawn_context_done(SpawnContext *c) {
        user_info_done(&c->user);
        strv_free(c->env);
        free(c->exe);
        cgsup_seccomp_filter_free(c->seccomp);
        safe_close(c->cgroup_fd);
        safe_close(c->in[0]);
        safe_close(c->in[1]);
        safe_close(c->out[0]);
        safe_close(c->out[1]);
        safe_close(c->err[0]);
        safe_close(c->err[1]);
}

/* Shared by the main process and helpers: user, env, executable, seccomp. */
static int prepare_common(Program *p, char **argv, SpawnContext *c, char **ret_detail) {
        const char *user = effective_user(p);
        char *bad = NULL;
        int r;

        if (user) {
                r = resolve_user(user, &c->user);
                if (r < 0) {
                        (void) asprintf(ret_detail, "user %s: %s", user,
                                        r == -ESRCH ? "no such user" : strerror(-r));
                        return r;
                }
        }
        r = build_env(p, &c->user, &c->env);
        if (r < 0)
                return r;
        if (!argv || !argv[0]) {
                (void) asprintf(ret_detail, "empty command");
                return -EINVAL;
        }
        r = cgsup_find_executable(argv[0], strv_env_get(c->env, "PATH"), &c->exe);
        if (r < 0) {
                (void) asprintf(ret_detail, "%s: %s", argv[0],
                                r == -ENOENT ? "command not found" : strerror(-r));
                return r;
        }
        if (p->config->syscall_filter) {
                r = cgsup_seccomp_filter_new(p->config->syscall_filter, 0, &c->seccomp, &bad);
                if (r < 0) {
                        (void) asprintf(ret_detail, "syscall_filter: %s%s%s", r == -EINVAL ? "unknown name " : "",
                                        r == -EINVAL ? strna(bad) : "",
                                        r == -EINVAL      ? "" :
                                        r == -EOPNOTSUPP ? "libseccomp.so.2 cannot be loaded (Debian package libseccomp2)" :
                                                           strerror(-r));
                        free(bad);
                        return r;
                }
        }
        return 0;
}

static void fill_plan(Program *p, SpawnContext *c, char **argv, CgsupSpawnPlan *plan,
                      CgsupRlimit rl[static _CONF_RLIMIT_MAX]) {
        Manager *m = p->manager;
        const ProgramConfig *pc = p->config;
        const char *dir = pc->directory ?: (m->config ? m->config->daemon.directory : NULL);
        int um = pc->umask >= 0 ? pc->umask : (m->config ? m->config->daemon.umask : -1);

        *plan = (CgsupSpawnPlan) {
                .path = c->exe,
                .argv = argv,
                .envp = c->env,
                .working_directory = dir,
                .cgroup_fd = c->cgroup_fd,
                .stdin_fd = -1,
                .stdout_fd = -1,
                .stderr_fd = -1,
                .umask = um,
                .no_new_privileges = pc->no_new_privileges,
                .new_session = true,
                .seccomp = c->seccomp,
        };
        if (c->user.set && (c->user.uid != geteuid() || c->user.gid != getegid())) {
                plan->change_ids = true;
                plan->uid = c->user.uid;
                plan->gid = c->user.gid;
                plan->groups = c->user.groups;
                plan->n_groups = c->user.n_groups;
        }
        for (int i = 0; i < _CONF_RLIMIT_MAX; i++)
                if (pc->rlimits[i].set)
                        rl[plan->n_rlimits++] = (CgsupRlimit) { .resource = i, .limit = pc->rlimits[i].limit };
                else if (i == RLIMIT_NOFILE && p->manager->program_nofile_set)
                        /* cgsupd's own soft limit is above what programs get (main.c). */
                        rl[plan->n_rlimits++] = (CgsupRlimit) { .resource = i, .limit = p->manager->program_nofile };
        plan->rlimits = plan->n_rlimits > 0 ? rl : NULL;
}

static char *spawn_failure(const char *step, int r) {
        char *s = NULL;
        if (asprintf(&s, "%s: %s", step, strerror(-r)) < 0)
                return NULL;
        return s;
}

int program_spawn_main(Program *p, ExitReason *ret_reason, char **ret_detail) {
        Manager *m = p->manager;
        _cleanup_(spawn_context_done) SpawnContext c = {
                .cgroup_fd = -EBADF, .in = { -EBADF, -EBADF }, .out = { -EBADF, -EBADF }, .err = { -EBADF, -EBADF },
        };
        CgsupSpawnResult res = { .pidfd = -EBADF };
        CgsupSpawnPlan plan;
        CgsupRlimit rl[_CONF_RLIMIT_MAX];
        int r;

        *ret_reason = EXIT_REASON_SPAWN_FAILED;
        r = prepare_cgroup(p, ret_reason, ret_detail);
        if (r < 0)
                return r;
        (void) m->ops->read_counters(p, &p->oom_kills_at_start, &p->pids_max_at_start);

        /* Read at each start (systemd's EnvironmentFile=); helpers later use what this start read. */
        r = program_read_env_files(p, ret_detail);
        if (r < 0)
                return r;
        r = prepare_common(p, p->config->argv, &c, ret_detail);
        if (r < 0)
                return r;
        r = cgsup_cgroup_open(m->cgroup_root_fd, p->cgroup, &c.cgroup_fd);
        if (r < 0) {
                *ret_detail = spawn_failure("open cgroup", r);
                return r;
        }
        /* Transient runs may bring their own stdio (cgsupctl run --pipe); everything else is captured. */
        if (p->stdio_fds[1] < 0 && pipe2(c.out, O_CLOEXEC) < 0)
                return -errno;
        if (p->stdio_fds[2] < 0 && !p->config->redirect_stderr && pipe2(c.err, O_CLOEXEC) < 0)
                return -errno;
        if (p->stdio_fds[0] < 0) {
                r = program_stdin_pipe(p, &c.in[0], &c.in[1]);
                if (r < 0) {
                        *ret_detail = spawn_failure("stdin pipe", r);
                        return r;
                }
        }

        fill_plan(p, &c, p->config->argv, &plan, rl);
        /* Without a service manager's fd store nobody would hold our pipe read ends if cgsupd died: the
         * program's next write would get EPIPE/SIGPIPE and its output would be lost. So the program itself
         * keeps a copy of each read end (an extra fd, numbers recorded in the state file) and a new cgsupd
         * takes them back with pidfd_getfd(). Under systemd the fd store does this without the extra fd. */
        int held[3];
        size_t n_held = 0;
        p->held_pipe_fd[0] = p->held_pipe_fd[1] = p->held_stdin_fd = -1;
        if (!m->under_systemd && !p->transient) {
                if (c.out[0] >= 0)
                        held[n_held++] = p->held_pipe_fd[0] = c.out[0];
                if (c.err[0] >= 0)
                        held[n_held++] = p->held_pipe_fd[1] = c.err[0];
                /* Our stdin write end too: the program never sees EOF because cgsupd restarted. */
                if (c.in[1] >= 0)
                        held[n_held++] = p->held_stdin_fd = c.in[1];
                plan.keep_fds = held;
                plan.n_keep_fds = n_held;
        }
        plan.stdin_fd = p->stdio_fds[0] >= 0 ? p->stdio_fds[0] : c.in[0];
        plan.stdout_fd = p->stdio_fds[1] >= 0 ? p->stdio_fds[1] : c.out[1];
        if (p->stdio_fds[2] >= 0)
                plan.stderr_fd = p->stdio_fds[2];
        else
                plan.stderr_fd = p->config->redirect_stderr ? plan.stdout_fd : c.err[1];

        r = cgsup_spawn(&plan, &res);
        if (r < 0) {
                *ret_detail = spawn_failure(cgsup_spawn_step_to_string(res.failed_step) ?: "spawn", r);
                if (r == -ENOSYS)
                        log_program(p, LOG_ERR, "Kernel lacks clone3(CLONE_INTO_CGROUP) (needs Linux 5.7)");
                return r;
        }
        c.in[0] = safe_close(c.in[0]);
        c.out[1] = safe_close(c.out[1]);
        c.err[1] = safe_close(c.err[1]);
        for (int i = 0; i < 3; i++)
                p->stdio_fds[i] = safe_close(p->stdio_fds[i]);

        log_program(p, LOG_INFO, "Started %s as pid %d in cgroup %s", c.exe, (int) res.pid, p->cgroup);
        r = program_watch_pidfd(p, res.pid, res.pidfd);
        if (r < 0) {
                /* Cannot see it exit: do not leave it running unsupervised. */
                (void) cgsup_cgroup_kill(m->cgroup_root_fd, p->cgroup);
                return r;
        }
        p->adopted = false;
        (void) program_watch_cgroup(p);

        /* The fd store keeps our read ends across a crash of cgsupd, so re-adoption loses no line. */
        if (p->logs_stale) {
                p->stdout_capture = log_capture_free(p->stdout_capture);
                p->stderr_capture = log_capture_free(p->stderr_capture);
                p->logs_stale = false;
        }
        adopt_store_fds(p, c.in[1], c.out[0], c.err[0]);
        program_stdin_set(p, TAKE_FD(c.in[1]));
        r = program_attach_output(p, TAKE_FD(c.out[0]), TAKE_FD(c.err[0]));
        if (r < 0)
                log_program_full_errno(p, LOG_WARNING, r, "Output of this instance is not captured: %m");
        return 0;
}

int program_spawn_helper(Program *p, char **argv, const char *cgroup_path, CgsupSpawnResult *ret) {
        Manager *m = p->manager;
        _cleanup_(spawn_context_done) SpawnContext c = {
                .cgroup_fd = -EBADF, .in = { -EBADF, -EBADF }, .out = { -EBADF, -EBADF }, .err = { -EBADF, -EBADF },
        };
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        _cleanup_free_ char *detail = NULL;
        CgsupSpawnPlan plan;
        CgsupRlimit rl[_CONF_RLIMIT_MAX];
        int r;

        if (!cgroup_path)
                return -EINVAL;
        r = cgsup_leaf_new(m->cgroup_root_fd, cgroup_path, &leaf);
        if (r < 0)
                return r;
        r = cgsup_leaf_create(leaf, NULL, 0, NULL);
        if (r < 0)
                return r;
        r = prepare_common(p, argv, &c, &detail);
        if (r < 0) {
                if (detail)
                        log_program(p, LOG_WARNING, "healthcheck_command: %s", detail);
                return r;
        }
        r = cgsup_leaf_open(leaf, &c.cgroup_fd);
        if (r < 0)
                return r;
        fill_plan(p, &c, argv, &plan, rl);
        /* The check's own seccomp/no_new_privileges are the program's: it runs with the same rights. */
        return cgsup_spawn(&plan, ret);
}
