/* SPDX-License-Identifier: MIT */
/*
 * RunTransient(as argv, a{sv} properties) -> (o path, s name): a program that exists for one run, like
 * systemd-run. The reply comes as soon as it is started; the exit report follows as the manager signal
 * TransientFinished, so a client that wants to wait subscribes to that signal *before* calling (the
 * signal cannot overtake the reply: both come from us, in order).
 *
 * Who it runs as: the caller's effective uid as the bus reports it for the connection. Only root may
 * name another user with "User". An unprivileged caller therefore can never get a process running as
 * root, whatever it puts in the properties.
 *
 * Properties (all optional):
 *   Name s                  instance name (default "run-<n>"); the rule of configured names (name-util.h)
 *   Environment as          KEY=value entries
 *   WorkingDirectory s      absolute path
 *   User s                  user name or uid (root callers only, or the caller's own user)
 *   StandardInputFD h, StandardOutputFD h, StandardErrorFD h
 *                           the caller's fds (cgsupctl run --pipe); unset = /dev/null in, output captured
 *   SyscallFilter s         systemd SystemCallFilter= syntax
 *   NoNewPrivileges b
 *   RuntimeMaxUSec t        systemd's RuntimeMaxSec=: the whole tree is killed after this long, result "timeout"
 *                           (0 or UINT64_MAX = no bound); "runtime_max" s takes a duration ("30s", "5min")
 *   MemoryMax, MemoryHigh, MemorySwapMax, TasksMax, CPUQuota, CPUWeight, IOWeight, and the config names
 *   memory_max, ...         as for SetProperties()
 */

#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bus-dict.h"
#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "name-util.h"
#include "parse-util.h"
#include "strv.h"

static int read_strv_bounded(sd_bus_message *m, const char *what, bool env, char ***ret, sd_bus_error *error) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0, bytes = 0;
        const char *s;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "s");
        if (r < 0)
                return r;
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        while ((r = sd_bus_message_read(m, "s", &s)) > 0) {
                size_t len = strlen(s);

                if (++n > BUS_ARGV_MAX)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                 "%s has too many entries (at most %d).", what, BUS_ARGV_MAX);
                bytes += len + 1;
                if (bytes > BUS_ARGV_BYTES_MAX)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                 "%s is too large (at most %u bytes in total).", what,
                                                 BUS_ARGV_BYTES_MAX);
                if (env) {
                        const char *eq = strchr(s, '=');
                        if (!eq || eq == s)
                                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                         "Environment entry '%.64s' is not KEY=value.", s);
                }
                r = strv_extend(&l, s);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(l);
        return 0;
}

/* The same rule as for configured programs, so a transient run can be named whatever a [program:x] can. */
int bus_validate_transient_name(const char *name, sd_bus_error *error) {
        const char *why = program_name_invalid_reason(name);

        /* The name is not echoed back: it may hold control characters, and the caller knows what it sent. */
        if (why)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                         "Invalid transient name: it %s (" PROGRAM_NAME_RULE ").", why);
        return 0;
}

static int resolve_user(const char *user, uid_t *ret_uid, gid_t *ret_gid, sd_bus_error *error) {
        struct passwd pw, *result = NULL;
        char buf[4096];
        uint64_t u;
        int r;

        if (safe_atou64(user, &u) >= 0) {
                if (u >= UINT32_MAX - 1)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "Invalid uid '%s'.", user);
                r = getpwuid_r((uid_t) u, &pw, buf, sizeof buf, &result);
        } else
                r = getpwnam_r(user, &pw, buf, sizeof buf, &result);
        if (r != 0 || !result)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "Unknown user '%.64s'.", user);
        *ret_uid = pw.pw_uid;
        *ret_gid = pw.pw_gid;
        return 0;
}

static unsigned transient_count_for(Manager *m, uid_t uid) {
        unsigned n = 0;
        for (size_t i = 0; i < m->n_programs; i++)
                if (m->programs[i]->transient && m->programs[i]->transient_uid == uid)
                        n++;
        return n;
}

static int take_fd(sd_bus_message *m, int *fdp) {
        int fd, r;

        r = sd_bus_message_read(m, "v", "h", &fd);
        if (r < 0)
                return r;
        /* The message keeps its own copy; ours must outlive it (and never leak into other children). */
        fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        safe_close(*fdp);
        *fdp = fd;
        return 0;
}

/* A string property into *field (replacing what a repeated key set), refused when longer than @max. */
static int read_string_property(sd_bus_message *m, const char *key, size_t max, char **field, sd_bus_error *error) {
        const char *s;
        int r;

        r = sd_bus_message_read(m, "v", "s", &s);
        if (r < 0)
                return r;
        if (strlen(s) > max)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "%s too long (at most %zu bytes).",
                                         key, max);
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

typedef struct RunArguments {
        TransientSpec *spec;
        char *user;            /* "User" as given, resolved later */
        sd_bus_error *error;
} RunArguments;

static int read_runtime_max(sd_bus_message *m, const char *key, TransientSpec *spec, sd_bus_error *error) {
        const char *s;
        uint64_t v;
        int r;

        if (streq(key, "RuntimeMaxUSec")) {
                r = sd_bus_message_read(m, "v", "t", &v);
                if (r < 0)
                        return r;
        } else {
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                if (parse_sec(s, &v) < 0)
                        return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                 "Invalid runtime_max '%.64s' (expected a duration such as 30s).", s);
        }
        spec->runtime_max = v == UINT64_MAX ? 0 : v;
        return 0;
}

static int read_run_property(sd_bus_message *m, const char *key, void *userdata) {
        RunArguments *a = userdata;
        TransientSpec *spec = a->spec;
        int *fdp = NULL, b, r;

        if (streq(key, "Name")) {
                r = read_string_property(m, key, 4096, &spec->name, a->error);
                return r < 0 ? r : bus_validate_transient_name(spec->name, a->error);
        }
        if (streq(key, "Environment")) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r < 0)
                        return r;
                spec->environment = strv_free(spec->environment);
                r = read_strv_bounded(m, "Environment", true, &spec->environment, a->error);
                return r < 0 ? r : sd_bus_message_exit_container(m);
        }
        if (streq(key, "WorkingDirectory")) {
                r = read_string_property(m, key, 4096, &spec->working_directory, a->error);
                if (r >= 0 && spec->working_directory[0] != '/')
                        return sd_bus_error_set(a->error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                "WorkingDirectory must be an absolute path.");
                return r;
        }
        if (streq(key, "User")) {
                r = read_string_property(m, key, 64, &a->user, a->error);
                if (r >= 0 && isempty(a->user))
                        return sd_bus_error_set(a->error, CGSUP_ERROR_INVALID_ARGUMENT, "Invalid User.");
                return r;
        }
        if (streq(key, "SyscallFilter"))
                return read_string_property(m, key, 4096, &spec->syscall_filter, a->error);
        if (streq(key, "NoNewPrivileges")) {
                r = sd_bus_message_read(m, "v", "b", &b);
                spec->no_new_privileges = b;
                return r;
        }
        if (streq(key, "RuntimeMaxUSec") || streq(key, "runtime_max"))
                return read_runtime_max(m, key, spec, a->error);
        if (streq(key, "StandardInputFD"))
                fdp = &spec->stdin_fd;
        else if (streq(key, "StandardOutputFD"))
                fdp = &spec->stdout_fd;
        else if (streq(key, "StandardErrorFD"))
                fdp = &spec->stderr_fd;
        if (fdp) {
                r = take_fd(m, fdp);
                if (r < 0)
                        return sd_bus_error_setf(a->error, CGSUP_ERROR_INVALID_ARGUMENT,
                                                 "Invalid value for transient property '%.64s': %s", key, strerror(-r));
                return 0;
        }
        r = bus_parse_limit_property(m, key, &spec->limits, a->error);
        if (r == 0)
                return sd_bus_error_setf(a->error, CGSUP_ERROR_INVALID_ARGUMENT, "Unknown transient property '%.64s'.",
                                         key);
        return r < 0 ? r : 0;
}

/* Who asks decides who runs it: the caller's own uid unless root names another "User". */
static int resolve_run_user(BusContext *c, sd_bus_message *m, const char *user, TransientSpec *spec,
                            uid_t *ret_caller, sd_bus_error *error) {
        char buf[32];
        uid_t caller;
        int r;

        r = bus_query_sender_uid(c, m, &caller);
        if (r < 0)
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                         "Access denied: cannot determine the caller's user: %s", strerror(-r));
        if (user) {
                r = resolve_user(user, &spec->uid, &spec->gid, error);
                if (r < 0)
                        return r;
                if (caller != 0 && spec->uid != caller)
                        return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                                 "Access denied: only root may run a program as another user ('%s').",
                                                 user);
        } else {
                snprintf(buf, sizeof buf, "%u", (unsigned) caller);
                r = resolve_user(buf, &spec->uid, &spec->gid, error);
                if (r < 0)
                        return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                                 "Access denied: the calling uid %u has no user database entry.",
                                                 (unsigned) caller);
        }
        /* A --user instance cannot switch users at all. */
        if (geteuid() != 0 && spec->uid != geteuid())
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                         "Access denied: this cgsupd runs as uid %u and cannot run programs as uid %u.",
                                         (unsigned) geteuid(), (unsigned) spec->uid);
        *ret_caller = caller;
        return 0;
}

int bus_check_transient_room(Manager *mgr, const char *name, uid_t caller, sd_bus_error *error) {
        if (name && manager_find_program(mgr, name))
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "A program named '%s' already exists.",
                                         name);
        if (mgr->n_transient >= BUS_TRANSIENT_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_TOO_MANY,
                                         "Too many transient programs running (%u, at most %d).", mgr->n_transient,
                                         BUS_TRANSIENT_MAX);
        if (caller != 0 && transient_count_for(mgr, caller) >= BUS_TRANSIENT_PER_USER_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_TOO_MANY,
                                         "Too many transient programs for uid %u (at most %d).", (unsigned) caller,
                                         BUS_TRANSIENT_PER_USER_MAX);
        return 0;
}

int method_run_transient(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        Manager *mgr = c->manager;
        _cleanup_(transient_spec_done) TransientSpec spec = {
                .stdin_fd = -1,
                .stdout_fd = -1,
                .stderr_fd = -1,
        };
        RunArguments args = { .spec = &spec, .error = error };
        _cleanup_free_ char *msg = NULL, *path = NULL;
        char uidbuf[32];
        uid_t caller = (uid_t) -1;
        Program *p = NULL;
        int r;

        if (mgr->shutting_down)
                return bus_error_set_errno(error, -ESHUTDOWN, BUS_OP_RUN, NULL, NULL);

        r = read_strv_bounded(m, "argv", false, &spec.argv, error);
        if (r < 0)
                return r;
        if (!spec.argv[0] || isempty(spec.argv[0]))
                return sd_bus_error_set(error, CGSUP_ERROR_INVALID_ARGUMENT, "No command given (argv is empty).");
        r = bus_message_read_dict(m, read_run_property, &args);
        if (r >= 0)
                r = resolve_run_user(c, m, args.user, &spec, &caller, error);
        free(args.user);
        if (r < 0)
                return r;
        r = bus_check_transient_room(mgr, spec.name, caller, error);
        if (r < 0)
                return r;

        snprintf(uidbuf, sizeof uidbuf, "%u", (unsigned) spec.uid);
        const char *details[] = { "verb", "run", "command", spec.argv[0], "uid", uidbuf, NULL };
        r = bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_RUN, details, error);
        if (r <= 0)
                return r < 0 ? r : 1; /* 0: polkit calls us again; the fds we dup'ed are closed by cleanup */

        r = manager_run_transient(mgr, &spec, &p, &msg);
        /* The manager consumed the fds whatever happened. */
        spec.stdin_fd = spec.stdout_fd = spec.stderr_fd = -1;
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_RUN, spec.name ?: spec.argv[0], msg);

        p->transient_uid = caller;
        log_info("Started transient program %s for uid %u: %s", p->name, (unsigned) caller, spec.argv[0]);
        if (!bus_program_object_path(p, &path))
                return -ENOMEM;
        return sd_bus_reply_method_return(m, "os", path, p->name);
}

const char *bus_transient_result(const Program *p) {
        switch (p->exit_reason) {
        case EXIT_REASON_EXITED:
                /* An adopted process is not our child: its exit status was not ours to read. */
                if (p->exit_code < 0)
                        return "unknown";
                return p->exit_code == 0 ? "success" : "exit-code";
        case EXIT_REASON_SIGNAL:
                return "signal";
        case EXIT_REASON_OOM_KILL:
                return "oom-kill";
        case EXIT_REASON_PIDS_MAX:
                return "pids-max";
        case EXIT_REASON_HEALTH:
                return "health";
        case EXIT_REASON_SPAWN_FAILED:
                return "spawn-failed";
        case EXIT_REASON_LIMIT:
                return "limit";
        case EXIT_REASON_STOPPED:
                return "stopped";
        case EXIT_REASON_DEPENDENCY:
                return "dependency";
        case EXIT_REASON_TIMEOUT:
                return "timeout";
        default:
                return "unknown";
        }
}

void bus_transient_emit_finished(BusContext *c, Program *p, const CgsupStats *s) {
        _cleanup_free_ char *path = NULL, *cgroup = NULL;
        const ProgramExit *e = program_last_exit(p);
        uint64_t cpu = UINT64_MAX, peak = UINT64_MAX, ooms = UINT64_MAX, wall = UINT64_MAX;
        struct timespec ts;
        int r;

        if (s && (s->valid & CGSUP_STATS_CPU))
                cpu = s->cpu_usage_usec * NSEC_PER_USEC;
        if (s && (s->valid & CGSUP_STATS_MEMORY_PEAK))
                peak = s->memory_peak;
        if (s && (s->valid & CGSUP_STATS_MEMORY_EVENTS))
                ooms = s->memory_events_oom_kill;
        if (p->start_usec > 0 && clock_gettime(CLOCK_MONOTONIC, &ts) >= 0) {
                uint64_t now = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
                if (now >= p->start_usec)
                        wall = now - p->start_usec;
        }

        if (!bus_program_object_path(p, &path))
                return;
        /* The main PID and the cgroup last, so that readers of the first ten fields need no change: a run's
         * report carries them however it is read (run --wait, run --standalone, this signal). */
        if (asprintf(&cgroup, "/%s", strempty(p->cgroup)) < 0) {
                log_oom();
                return;
        }
        r = sd_bus_emit_signal(c->bus, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, CGSUP_SIGNAL_TRANSIENT_FINISHED,
                               "ossiittttsus", path, p->name, bus_transient_result(p),
                               (int32_t) p->exit_code, (int32_t) p->exit_signal, cpu, peak, wall, ooms,
                               strempty(p->exit_detail), e && e->pid > 0 ? (uint32_t) e->pid : 0, cgroup);
        if (r < 0)
                log_warning_errno(r, "Failed to emit TransientFinished for %s, ignoring: %m", p->name);
}
