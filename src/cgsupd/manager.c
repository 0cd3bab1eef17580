/* SPDX-License-Identifier: MIT */
/*
 * The Manager owns the event loop, the configuration, the cgroup subtree and the programs. Layout (DESIGN
 * "Containment rules"):
 *
 *   <subtree>/supervisor          cgsupd itself (no-internal-process rule; a fork bomb elsewhere never
 *                                 touches it)
 *   <subtree>/<group>             one per program group, carries the [group:x] limits
 *   <subtree>/<group>/<instance>  one leaf per process instance, carries the program's limits
 *
 * The subtree is our own cgroup under systemd with Delegate=yes, else --cgroup / [cgsupd] cgroup=, else
 * "cgsup" when we run in the root cgroup.
 */
#include <fcntl.h>
#include <limits.h>
#include <search.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>

#include "adopt.h"
#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "curl-event.h"
#include "deps.h"
#include "event-bus.h"
#include "event-listener.h"
#include "fd-util.h"
#include "log.h"
#include "logcap.h"
#include "logdir.h"
#include "manager.h"
#include "notify.h"
#include "pidfile.h"
#include "webhook.h"
#include "program-ops.h"
#include "program-schedule.h"
#include "program-watch.h"
#include "program-real.h"
#include "program-spawn.h"
#include "strv.h"

extern char **environ;

/* Names that are cgroupfs control files (or our own leaves) cannot be directory names next to them. */
static const char *const reserved_prefixes[] = {
        "cgroup.", "cpu.", "cpuset.", "io.", "memory.", "pids.", "hugetlb.", "rdma.", "misc.", "irq.", "_", NULL,
};

int cgroup_name_escape(const char *name, char **ret) {
        bool prefix = false;
        char *s;

        if (isempty(name) || strchr(name, '/') || strlen(name) > 200)
                return -EINVAL;
        for (const char *c = name; *c; c++)
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        return -EINVAL;
        if (streq(name, ".") || streq(name, "..") || streq(name, "supervisor"))
                prefix = true;
        for (size_t i = 0; !prefix && reserved_prefixes[i]; i++)
                if (strneq(name, reserved_prefixes[i], strlen(reserved_prefixes[i])))
                        prefix = true;
        /* "<leaf>.health" is where exec healthchecks run. */
        if (strlen(name) > 7 && streq(name + strlen(name) - 7, ".health"))
                prefix = true;
        /* systemd's cg_escape(): a leading '_' keeps the name readable and unambiguous. */
        if (asprintf(&s, "%s%s", prefix ? "_" : "", name) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int manager_group_cgroup(Manager *m, const char *group, char **ret) {
        _cleanup_free_ char *g = NULL;
        int r;

        r = cgroup_name_escape(group, &g);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s/%s", m->cgroup, g) < 0)
                return -ENOMEM;
        return 0;
}

int manager_instance_cgroup(Manager *m, const ProgramConfig *c, char **ret) {
        _cleanup_free_ char *g = NULL, *n = NULL;
        int r;

        r = cgroup_name_escape(c->group_name ?: c->name, &g);
        if (r < 0)
                return r;
        r = cgroup_name_escape(c->name, &n);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s/%s/%s", m->cgroup, g, n) < 0)
                return -ENOMEM;
        return 0;
}

static int program_name_cmp(const void *a, const void *b) {
        return strcmp((*(Program *const *) a)->name, (*(Program *const *) b)->name);
}

static int program_name_key_cmp(const void *key, const void *b) {
        return strcmp(key, (*(Program *const *) b)->name);
}

/* By name in O(log n): the bus looks a program up for every signal it emits about it (sd-bus's fallback
 * vtable find), and a linear scan made that quadratic for a stop of 1,000 programs. */
static Program *find_by_exact_name(Manager *m, const char *name) {
        Program **hit;

        if (m->n_programs == 0)
                return NULL;
        if (!m->programs_by_name) {
                m->programs_by_name = malloc(sizeof(Program *) * m->n_programs);
                if (!m->programs_by_name) {
                        for (size_t i = 0; i < m->n_programs; i++)
                                if (streq(m->programs[i]->name, name))
                                        return m->programs[i];
                        return NULL;
                }
                memcpy(m->programs_by_name, m->programs, sizeof(Program *) * m->n_programs);
                qsort(m->programs_by_name, m->n_programs, sizeof(Program *), program_name_cmp);
        }
        hit = bsearch(name, m->programs_by_name, m->n_programs, sizeof(Program *), program_name_key_cmp);
        if (!hit || !(*hit)->remove_when_stopped)
                return hit ? *hit : NULL;
        /* A reload that moves a program to another group runs the new one while the old one stops: the name is
         * the one that stays. */
        Program **first = hit, **end = m->programs_by_name + m->n_programs;
        while (first > m->programs_by_name && streq(first[-1]->name, name))
                first--;
        for (Program **q = first; q < end && streq((*q)->name, name); q++)
                if (!(*q)->remove_when_stopped)
                        return *q;
        return *hit;
}

Program *manager_find_program(Manager *m, const char *name) {
        Program *p;

        if (!name)
                return NULL;
        p = find_by_exact_name(m, name);
        if (p)
                return p;
        /* "group:name" */
        const char *colon = strchr(name, ':');
        if (colon && colon[1] && colon[1] != '*')
                for (size_t i = 0; i < m->n_programs; i++) {
                        p = m->programs[i];
                        if (strneq(p->group, name, (size_t) (colon - name)) && p->group[colon - name] == 0 &&
                            streq(p->name, colon + 1))
                                return p;
                }
        return NULL;
}

Program *manager_find_program_by_cgroup(Manager *m, const char *cgroup_path) {
        const char *path = cgroup_path;

        while (*path == '/')
                path++;
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                size_t l;
                if (!p->cgroup)
                        continue;
                l = strlen(p->cgroup);
                if (strneq(path, p->cgroup, l) && (path[l] == 0 || path[l] == '/'))
                        return p;
        }
        return NULL;
}

int manager_resolve(Manager *m, const char *spec, Program ***ret, size_t *ret_n, const char **reterr_name) {
        _cleanup_free_ Program **list = NULL;
        size_t n = 0;
        const char *colon;

        if (isempty(spec)) {
                if (reterr_name)
                        *reterr_name = spec;
                return -EINVAL;
        }
        list = calloc(m->n_programs + 1, sizeof(Program *));
        if (!list)
                return -ENOMEM;

        colon = strchr(spec, ':');
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                bool match;

                if (streq(spec, "all"))
                        match = true;
                else if (colon && streq(colon + 1, "*"))
                        match = strneq(p->group, spec, (size_t) (colon - spec)) && p->group[colon - spec] == 0;
                else if (colon)
                        match = strneq(p->group, spec, (size_t) (colon - spec)) && p->group[colon - spec] == 0 &&
                                streq(p->name, colon + 1);
                else
                        /* supervisorctl habits: an instance, all instances of a program, or a group. */
                        match = streq(p->name, spec) ||
                                (p->config->program_name && streq(p->config->program_name, spec)) ||
                                streq(p->group, spec);
                if (match)
                        list[n++] = p;
        }
        if (n == 0 && !streq(spec, "all")) {
                if (reterr_name)
                        *reterr_name = spec;
                return -ENOENT;
        }
        *ret = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}

/* Whether another (non-transient) program than @p belongs to @p's group: PROCESS_GROUP_* events are per group. */
static bool manager_group_has_other(Manager *m, Program *p) {
        for (size_t i = 0; i < m->n_programs; i++)
                if (m->programs[i] != p && !m->programs[i]->transient && m->programs[i]->group &&
                    p->group && streq(m->programs[i]->group, p->group))
                        return true;
        return false;
}

int manager_add_program(Manager *m, Program *p) {
        Program **a;

        a = realloc(m->programs, sizeof(Program *) * (m->n_programs + 1));
        if (!a)
                return -ENOMEM;
        m->programs = a;
        m->programs[m->n_programs++] = p;
        m->programs_by_name = mfree(m->programs_by_name);
        if (p->transient)
                m->n_transient++;
        else {
                /* supervisord's pool subscribes before its group is announced (it sees its own). */
                (void) event_listener_program_added(m, p);
                if (!manager_group_has_other(m, p))
                        event_bus_group(m, p->group, true);
        }
        if (m->hooks.program_added)
                m->hooks.program_added(m, p);
        return 0;
}

void manager_remove_program(Manager *m, Program *p) {
        /* A caller waiting for this program's job gets its answer now, not never. */
        program_job_finish(p, JOB_CANCELED);
        for (size_t i = 0; i < m->n_programs; i++)
                if (m->programs[i] == p) {
                        memmove(m->programs + i, m->programs + i + 1, sizeof(Program *) * (m->n_programs - i - 1));
                        m->n_programs--;
                        m->programs_by_name = mfree(m->programs_by_name);
                        break;
                }
        if (p->transient && m->n_transient > 0)
                m->n_transient--;
        else if (!p->transient && !manager_group_has_other(m, p))
                event_bus_group(m, p->group, false);
        event_listener_program_removed(m, p);
        /* Its pipes leave the fd store with it, its state file the state directory. */
        if (m->ops == &program_ops_real) {
                adopt_store_fds(p, -EBADF, -EBADF, -EBADF);
                adopt_forget(p);
        }
        if (m->hooks.program_removed)
                m->hooks.program_removed(m, p);
        if (m->ops && m->ops->cgroup_cleanup && !p->populated) {
                bool shared = false;

                (void) m->ops->cgroup_cleanup(p);
                for (size_t i = 0; i < m->n_programs; i++)
                        if (streq(m->programs[i]->group, p->group))
                                shared = true;
                /* The last member of a group takes the group cgroup with it. */
                if (!shared && m->cgroup && m->cgroup_root_fd >= 0 && m->ops == &program_ops_real) {
                        _cleanup_free_ char *g = NULL;
                        if (manager_group_cgroup(m, p->group, &g) >= 0)
                                (void) cgsup_cgroup_remove(m->cgroup_root_fd, g);
                }
        }
        program_free(p);
}

/* ---- reacting to state changes ------------------------------------------------------------------ */

static void deps_evaluate(Manager *m) {
        if (m->deps_evaluating) {
                m->deps_dirty = true;
                return;
        }
        m->deps_evaluating = true;
        do {
                m->deps_dirty = false;
                if (m->shutting_down)
                        break;
                for (size_t i = 0; i < m->n_programs; i++) {
                        Program *p = m->programs[i];
                        if (program_waiting_for(p) &&
                            (program_deps_satisfied(p, NULL) || program_deps_unmeetable(p, NULL)))
                                (void) program_dispatch(p, PROGRAM_EVENT_START);
                }
        } while (m->deps_dirty);
        m->deps_evaluating = false;
}

static bool shutdown_pending(const Program *p) {
        if (p->populated || p->main_pid > 0)
                return true;
        return p->state == PROGRAM_STARTING || p->state == PROGRAM_RUNNING || p->state == PROGRAM_STOPPING ||
                p->state == PROGRAM_UNHEALTHY || p->state == PROGRAM_BACKOFF;
}

/* After a graceful shutdown: remove every (empty) group and leaf; our own leaf stays until we exit. */
static void manager_remove_cgroups(Manager *m) {
        for (size_t i = 0; i < m->n_programs; i++) {
                _cleanup_free_ char *g = NULL;
                Program *p = m->programs[i];
                if (p->populated)
                        continue;
                (void) m->ops->cgroup_cleanup(p);
                if (m->cgroup_root_fd >= 0 && manager_group_cgroup(m, p->group, &g) >= 0)
                        (void) cgsup_cgroup_remove(m->cgroup_root_fd, g);
        }
}

/* Stops the next wave: the highest priority among programs nobody active depends on. */
static void shutdown_step(Manager *m) {
        bool any = false;
        int top = INT_MIN;

        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (!shutdown_pending(p))
                        continue;
                any = true;
                /* A wave still stopping keeps the next one waiting: its priority stays the top. */
                if (p->state == PROGRAM_STOPPING || !deps_has_active_dependents(m, p))
                        top = MAX(top, p->config->priority);
        }
        if (!any) {
                log_info("All programs stopped.");
                manager_remove_cgroups(m);
                manager_release_scope(m);
                if (m->event)
                        (void) sd_event_exit(m->event, m->exit_code);
                return;
        }
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (shutdown_pending(p) && p->state != PROGRAM_STOPPING && p->config->priority == top &&
                    !deps_has_active_dependents(m, p)) {
                        int r = program_dispatch(p, PROGRAM_EVENT_STOP);
                        if (r == -EALREADY && p->populated)
                                (void) m->ops->cgroup_kill(p);
                }
        }
}

static void gc_programs(Manager *m) {
        for (size_t i = 0; i < m->n_programs;) {
                Program *p = m->programs[i];
                bool done = !p->populated && p->main_pid <= 0 &&
                        (p->state == PROGRAM_STOPPED || p->state == PROGRAM_EXITED || p->state == PROGRAM_FATAL);

                if (done && p->transient) {
                        if (m->hooks.transient_finished)
                                m->hooks.transient_finished(m, p, &p->final_stats);
                        manager_remove_program(m, p);
                        continue;
                }
                if (done && p->remove_when_stopped) {
                        log_program(p, LOG_INFO, "Removed");
                        manager_remove_program(m, p);
                        continue;
                }
                i++;
        }
}

/* [cgsupd] exit_when_all_done (go-supervisord): nothing runs, nothing is left over in a cgroup, and no job
 * (a pending restart, a start waiting for a dependency) will start anything again. */
static bool all_done(Manager *m) {
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];

                if (p->transient)
                        continue;
                if (program_is_active(p) || p->state == PROGRAM_BACKOFF || p->job.id != 0)
                        return false;
        }
        return true;
}

static void after_change(Manager *m) {
        gc_programs(m);
        deps_evaluate(m);
        if (!m->shutting_down && m->config && m->config->daemon.exit_when_all_done && all_done(m)) {
                log_info("Every program is done, shutting down (exit_when_all_done=true)");
                (void) manager_shutdown(m); /* takes its first step itself */
                return;
        }
        if (m->shutting_down)
                shutdown_step(m);
}

static int on_deps_defer(sd_event_source *s, void *userdata) {
        after_change(userdata);
        return 0;
}

/* Runs gc, dependency evaluation and shutdown progress once the current callback has returned. */
void manager_schedule_check(Manager *m) {
        int r;

        if (!m->event) {
                after_change(m);
                return;
        }
        if (!m->deps_defer) {
                r = sd_event_add_defer(m->event, &m->deps_defer, on_deps_defer, m);
                if (r < 0) {
                        log_error_errno(r, "Failed to schedule dependency evaluation: %m");
                        return;
                }
                (void) sd_event_source_set_description(m->deps_defer, "manager-deps");
        }
        (void) sd_event_source_set_enabled(m->deps_defer, SD_EVENT_ONESHOT);
}

void manager_program_state_changed(Manager *m, Program *p, ProgramState old) {

        /* Transient runs: once the main process is gone the rest of the run is killed (it has no one to
         * report to), and the report goes out when the cgroup is empty. An adopted process's descendants
         * were running before cgsupd took them in: they stay, contained, until they end or it is stopped. */
        if (p->transient && !p->outside_adopted && (p->state == PROGRAM_EXITED || p->state == PROGRAM_FATAL) &&
            p->populated && !p->kill_sent && m->ops->cgroup_kill) {
                (void) m->ops->cgroup_kill(p);
                p->kill_sent = true;
        }
        /* Deferred to the loop: actions of another program never run inside this program's transition,
         * and a program is never freed while one of its own callbacks is on the stack. (Unit tests have no
         * loop: evaluated right away, re-entrancy guarded.) */
        manager_schedule_check(m);
}

int manager_start_autostart(Manager *m) {
        /* Programs are sorted by (priority, name): start order is priority ascending. Dependencies hold a
         * program in STOPPED ("waiting for X") until they are met. supervisord announces RUNNING first. */
        event_bus_daemon_state(m, true);
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (p->transient)
                        continue;
                (void) program_watch_files(p);
                if (!p->config->autostart)
                        continue;
                /* A scheduled program waits for its first tick (an adopted run in progress included). */
                if (program_config_is_scheduled(p->config)) {
                        (void) program_schedule_arm(p);
                        continue;
                }
                if (p->state != PROGRAM_STOPPED || p->populated)
                        continue;
                (void) program_dispatch(p, PROGRAM_EVENT_START);
        }
        return 0;
}

/* ---- shutdown ----------------------------------------------------------------------------------- */

/* The graceful stop is over (shutdown_timeout) or skipped (shutdown --now): cgroup.kill every program that
 * has anything left; stops that begin from now on kill at once too (program-state.c). */
static void kill_all_pending(Manager *m) {
        m->shutdown_killed = true;
        for (size_t i = 0; i < m->n_programs; i++)
                if (shutdown_pending(m->programs[i])) {
                        (void) m->ops->cgroup_kill(m->programs[i]);
                        m->programs[i]->kill_sent = true;
                }
}

static int on_shutdown_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (!m->shutdown_killed) {
                log_warning("shutdown_timeout reached, killing every remaining program's cgroup");
                kill_all_pending(m);
                /* cgroup.kill empties cgroups in milliseconds; if something is stuck in D state we still
                 * exit a little later rather than hang forever. */
                (void) sd_event_source_set_time_relative(s, 10 * USEC_PER_SEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        log_error("Programs still not stopped after cgroup.kill; exiting anyway");
        m->exit_code = 1;
        return sd_event_exit(m->event, m->exit_code);
}

int manager_shutdown(Manager *m) {
        usec_t timeout = m->config ? m->config->daemon.shutdown_timeout : 60 * USEC_PER_SEC;
        int r;

        if (m->shutting_down)
                return -EALREADY;
        m->shutting_down = true;
        event_bus_daemon_state(m, false);
        log_info("Shutting down: stopping all programs (timeout %llus)",
                 (unsigned long long) (timeout / USEC_PER_SEC));
        if (m->under_systemd)
                (void) sd_notify(false, "STOPPING=1\nSTATUS=Stopping programs");
        if (m->event && timeout > 0) {
                r = sd_event_add_time_relative(m->event, &m->shutdown_timer, CLOCK_MONOTONIC, timeout, USEC_PER_MSEC,
                                               on_shutdown_timeout, m);
                if (r < 0)
                        log_warning_errno(r, "Failed to arm shutdown timeout, ignoring: %m");
        }
        /* Starts still waiting (for a dependency, a restart delay) will not happen: end their jobs. */
        for (size_t i = 0; i < m->n_programs; i++)
                if (m->programs[i]->job.type == JOB_START && !program_is_active(m->programs[i]))
                        program_job_finish(m->programs[i], JOB_CANCELED);
        shutdown_step(m);
        return 0;
}

int manager_shutdown_now(Manager *m) {
        if (m->shutdown_killed)
                return -EALREADY;
        log_info("Shutting down now: killing every program's cgroup (no stop signal, no grace period)");
        if (!m->shutting_down) {
                /* Every stop of the first wave kills at once (stop_kills_at_once()), the rest below. */
                m->shutdown_killed = true;
                (void) manager_shutdown(m);
        }
        /* Also when a graceful shutdown is under way already: it need not wait any longer. */
        kill_all_pending(m);
        if (m->shutdown_timer) {
                /* cgroup.kill empties cgroups in milliseconds; something stuck in D state must not hold
                 * the exit for the whole shutdown_timeout. */
                (void) sd_event_source_set_time_relative(m->shutdown_timer, 10 * USEC_PER_SEC);
                (void) sd_event_source_set_enabled(m->shutdown_timer, SD_EVENT_ONESHOT);
        }
        manager_schedule_check(m);
        return 0;
}

/* ---- setup -------------------------------------------------------------------------------------- */

/* stdout_syslog / stderr_syslog without journald: the classic syslog socket, as supervisord's syslog
 * handler uses. $CGSUP_SYSLOG_SOCKET names another one (tests, containers with a relay elsewhere). Neither:
 * a warning naming the programs whose output then goes only to their log files. */
static void open_syslog(Manager *m) {
        const char *path = getenv("CGSUP_SYSLOG_SOCKET") ?: "/dev/log";
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *names = NULL;

        if (m->journal)
                return;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd >= 0 && strlen(path) < sizeof(sa.sun_path)) {
                memcpy(sa.sun_path, path, strlen(path));
                if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) >= 0) {
                        m->syslog_fd = TAKE_FD(fd);
                        return;
                }
        }
        for (size_t i = 0; i < m->config->n_programs; i++) {
                const ProgramConfig *p = m->config->programs[i];
                char *n;

                if (!p->stdout_log.syslog && !p->stderr_log.syslog)
                        continue;
                if (asprintf(&n, "%s%s%s", strempty(names), names ? ", " : "", p->name) < 0)
                        return;
                free(names);
                names = n;
        }
        if (names)
                log_warning("Neither journald nor %s is there: the syslog output of %s goes only to its log "
                            "files", path, names);
}

static int print_diags(const Config *c) {
        for (size_t i = 0; i < c->n_diags; i++) {
                const ConfigDiag *d = &c->diags[i];
                if (d->line > 0)
                        log_full(d->error ? LOG_ERR : LOG_WARNING, "%s:%u: %s", strna(d->file), d->line, d->message);
                else
                        log_full(d->error ? LOG_ERR : LOG_WARNING, "%s: %s", strna(d->file), d->message);
        }
        return 0;
}

int manager_load_config(const char *path, Config **ret, char **reterr_message) {
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        r = config_load(path, NULL, &c);
        if (c)
                print_diags(c);
        if (r < 0) {
                if (reterr_message) {
                        const char *e = c ? config_first_error(c) : NULL;
                        if (e)
                                *reterr_message = strdup(e);
                        else if (asprintf(reterr_message, "%s: %s", path, strerror(-r)) < 0)
                                *reterr_message = NULL;
                }
                return r == -ENOMEM ? r : -EINVAL;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static int build_environment(Manager *m) {
        _cleanup_strv_free_ char **env = NULL;
        int r;

        env = strv_copy(environ);
        if (!env)
                return -ENOMEM;
        STRV_FOREACH(e, m->config->daemon.environment) {
                r = strv_env_set(&env, *e);
                if (r < 0)
                        return r;
        }
        strv_free(m->environment);
        m->environment = TAKE_PTR(env);
        return 0;
}

/* Whether cgroup path @p lies strictly below @dir ("a/b/c" below "a/b"). */
static bool path_is_below(const char *p, const char *dir) {
        size_t l = strlen(dir);
        return strneq(p, dir, l) && p[l] == '/';
}

static bool under_systemd_delegation(void) {
        /* systemd sets INVOCATION_ID for every service it starts. */
        return getenv("INVOCATION_ID") != NULL;
}

static int pick_subtree(Manager *m, char **ret) {
        _cleanup_free_ char *own = NULL;
        const char *want = m->options.cgroup ?: (m->config ? m->config->daemon.cgroup : NULL);
        char *s;
        int r;

        if (want) {
                /* "/sys/fs/cgroup/x" (the directory) is the cgroup "/x", not a path to create below it. */
                want = cgsup_cgroup_path_below_mount(m->cgroup_mount, want);
                if (isempty(want) || strstr(want, ".."))
                        return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "Invalid cgroup path '%s'", want);
                s = strdup(want);
                if (!s)
                        return -ENOMEM;
                /* strip trailing slashes */
                for (size_t l = strlen(s); l > 0 && s[l - 1] == '/'; l--)
                        s[l - 1] = 0;
                *ret = s;
                return 0;
        }
        r = cgsup_cgroup_of_pid(0, &own);
        if (r < 0)
                return log_error_errno(r, "Cannot determine our own cgroup: %m");
        if (isempty(own)) {
                s = strdup("cgsup");
                if (!s)
                        return -ENOMEM;
                *ret = s;
                return 0;
        }
        /* Restarted inside our own supervisor leaf (e.g. systemd put us back there): the subtree is its
         * parent. */
        size_t l = strlen(own);
        if (l > 11 && streq(own + l - 11, "/supervisor"))
                own[l - 11] = 0;
        else if (under_systemd_delegation() && !m->options.user && l > 8 && streq(own + l - 8, ".service")) {
                /* Started by systemd in the root of our unit's cgroup: no DelegateSubgroup= (systemd < 254).
                 * Enabling controllers here would make every later restart of cgsupd fail; see
                 * manager-scope.c. */
                r = manager_setup_scope(m, own, &s);
                if (r >= 0) {
                        m->scope_mode = true;
                        *ret = s;
                        return 0;
                }
                log_warning_errno(r, "Cannot use a programs scope, using our own cgroup /%s; a restart of cgsupd "
                                  "will fail while programs run (systemd < 254 without DelegateSubgroup=): %m", own);
        }
        if (cgsup_cgroup_is_delegated(m->cgroup_root_fd, own) > 0 || under_systemd_delegation()) {
                *ret = TAKE_PTR(own);
                return 0;
        }
        return log_error_errno(SYNTHETIC_ERRNO(EACCES),
                               "Our cgroup /%s is not delegated to us: run under systemd with Delegate=yes or "
                               "pass --cgroup PATH", own);
}

static int escape_path(const char *path, char **ret) {
        char *s = strdup(path);

        if (!s)
                return -ENOMEM;
        for (char *c = s; *c; c++)
                if (*c == '/')
                        *c = '-';
        *ret = s;
        return 0;
}

static int setup_runtime_dir(Manager *m) {
        _cleanup_free_ char *esc = NULL;
        const char *base;
        int r;

        if (m->options.user) {
                base = getenv("XDG_RUNTIME_DIR");
                if (!base)
                        return log_error_errno(SYNTHETIC_ERRNO(ENXIO), "--user needs $XDG_RUNTIME_DIR");
        } else
                base = "/run";
        r = escape_path(m->cgroup, &esc);
        if (r < 0)
                return r;
        if (asprintf(&m->runtime_dir, "%s/cgsup/%s", base, esc) < 0)
                return -ENOMEM;
        r = mkdir_p(m->runtime_dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Cannot create runtime directory %s: %m", m->runtime_dir);
        return 0;
}

/* Which subtree is ours; nothing is created or moved yet. */
static int choose_subtree(Manager *m) {
        int r;

        r = cgsup_cgroup2_open_root(&m->cgroup_root_fd, &m->cgroup_mount);
        if (r < 0)
                return log_error_errno(r, "No cgroup2 mount found (cgsup needs the unified hierarchy): %m");
        return pick_subtree(m, &m->cgroup);
}

/* One daemon per subtree: the lock on the subtree's runtime state is taken before any cgroup, state file or
 * program is touched, so a second cgsupd started on the same subtree leaves the first one's programs alone
 * (it would otherwise adopt them, then fail on the bus name). The pidfile is claimed the same way. */
static int lock_subtree(Manager *m) {
        const char *pidfile = m->config->daemon.pidfile;
        _cleanup_free_ char *path = NULL;
        char holder[32] = "unknown";
        pid_t other = 0;
        int r;

        if (asprintf(&path, "%s/lock", m->runtime_dir) < 0)
                return log_oom();
        r = pidfile_acquire(path, &m->lock_fd, &other);
        if (r == -EBUSY && other > 0)
                snprintf(holder, sizeof(holder), "%d", (int) other);
        if (r == -EBUSY)
                return log_error_errno(r, "Another cgsupd (PID %s) already manages cgroup subtree %s/%s (%s is locked), "
                                       "exiting.", holder, m->cgroup_mount, m->cgroup, path);
        if (r < 0)
                return log_error_errno(r, "Cannot lock %s: %m", path);
        if (!pidfile)
                return 0;
        r = pidfile_acquire(pidfile, &m->pidfile_fd, &other);
        if (r == -EBUSY && other > 0)
                snprintf(holder, sizeof(holder), "%d", (int) other);
        if (r == -EBUSY)
                return log_error_errno(r, "Another cgsupd (PID %s) holds the pidfile %s, exiting.", holder, pidfile);
        if (r < 0)
                return log_error_errno(r, "Cannot write pidfile %s: %m", pidfile);
        return 0;
}

static int setup_cgroup(Manager *m) {
        _cleanup_free_ char *own = NULL;
        int r;

        r = cgsup_cgroup_of_pid(0, &own);
        if (r < 0)
                return log_error_errno(r, "Cannot determine our own cgroup: %m");
        /* A subtree we picked by path is ours to remove after a graceful shutdown (systemd removes a
         * delegated unit cgroup itself, and after a crash the tree must stay for re-adoption). */
        m->remove_subtree = !m->scope_mode && !streq(own, m->cgroup) && !path_is_below(own, m->cgroup);
        m->origin_cgroup = TAKE_PTR(own);
        /* Rule 4: our own leaf, never inside a program's cgroup. In scope mode we already are outside the
         * programs' subtree (alone in the unit's cgroup). A subtree picked by path gets the controllers
         * enabled along its path too; our own delegated cgroup is never changed above. */
        r = cgsup_subtree_claim(m->cgroup_root_fd, m->cgroup, m->scope_mode ? NULL : "supervisor",
                                CGSUP_CONTROLLER_CPU | CGSUP_CONTROLLER_IO | CGSUP_CONTROLLER_MEMORY |
                                        CGSUP_CONTROLLER_PIDS,
                                m->remove_subtree ? CGSUP_CLAIM_ALONG_PATH : 0, &m->controllers, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot claim cgroup %s/%s (create it, move into its supervisor leaf, "
                                       "enable controllers): %m",
                                       m->cgroup_mount, m->cgroup);
        log_info("Managing cgroup %s/%s (controllers for programs:%s%s%s%s)", m->cgroup_mount, m->cgroup,
                 m->controllers & CGSUP_CONTROLLER_CPU ? " cpu" : "", m->controllers & CGSUP_CONTROLLER_IO ? " io" : "",
                 m->controllers & CGSUP_CONTROLLER_MEMORY ? " memory" : "",
                 m->controllers & CGSUP_CONTROLLER_PIDS ? " pids" : "");
        return 0;
}

int manager_apply_group_limits(Manager *m, const GroupConfig *g, char **reterr_message) {
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        _cleanup_free_ char *path = NULL, *why = NULL;
        CgsupRefusal refusal = {};
        int r;

        if (g->limits.set == 0)
                return 0;
        r = manager_group_cgroup(m, g->name, &path);
        if (r < 0)
                return r;
        /* The group's cgroup is a leaf with the group's limits until its members' leaves appear below it. */
        r = cgsup_leaf_new(m->cgroup_root_fd, path, &leaf);
        if (r < 0)
                return r;
        r = cgsup_leaf_create(leaf, &g->limits, 0, &refusal);
        if (r < 0) {
                (void) cgsup_refusal_format(&refusal, m->cgroup_mount, &why);
                if (why)
                        log_error_errno(r, "[group:%s] %s", g->name, why);
                else
                        log_error_errno(r, "[group:%s] cannot set up its cgroup: %m", g->name);
                if (reterr_message)
                        *reterr_message = TAKE_PTR(why);
                return r;
        }
        return 0;
}

/* Programs in a group whose limits cannot be enforced must not start (rule 3). */
static void mark_group_failed(Manager *m, const char *group, int error, const char *why) {
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (!streq(p->group, group))
                        continue;
                p->exit_reason = EXIT_REASON_LIMIT;
                free(p->exit_detail);
                if (asprintf(&p->exit_detail, "group %s: %s", group, why ?: strerror(-error)) < 0)
                        p->exit_detail = NULL;
                program_set_state(p, PROGRAM_FATAL);
        }
}

int manager_create_programs(Manager *m, const Config *c) {
        int r;

        for (size_t i = 0; i < c->n_programs; i++) {
                /* Shared with the Config, not copied: one copy of each program's settings (~1 KiB). */
                _cleanup_(program_config_freep) ProgramConfig *pc = program_config_ref(c->programs[i]);
                Program *p;

                r = program_new(m, pc, &p);
                if (r < 0)
                        return log_error_errno(r, "Program %s: cannot set up (%s): %m", c->programs[i]->name,
                                               r == -EINVAL ? "name not usable as a cgroup name" : "internal error");
                TAKE_PTR(pc);
                r = manager_add_program(m, p);
                if (r < 0) {
                        program_free(p);
                        return r;
                }
        }
        return 0;
}

static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        /* The only periodic wakeup of an idle cgsupd. */
        (void) sd_notify(false, "WATCHDOG=1");
        (void) sd_event_source_set_time_relative(s, m->watchdog_usec);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* Re-adoption: whatever a previous cgsupd left running is taken over, never killed or doubled; what it
 * left that the config no longer has is stopped (cgroups) or removed (state files). */
static void readopt(Manager *m) {
        for (size_t i = 0; i < m->n_programs; i++)
                if (adopt_program(m->programs[i]) > 0)
                        program_restore_notify_socket(m->programs[i]);
        adopt_release_unclaimed(m);
        adopt_stop_unclaimed(m);
        adopt_forget_unclaimed(m);
}

int manager_new(const ManagerOptions *options, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        _cleanup_free_ char *msg = NULL;
        char *errmsg = NULL;
        const char *path;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return log_oom();
        m->ops = &program_ops_real;
        m->cgroup_root_fd = -EBADF;
        m->notify_fd = -EBADF;
        m->cgroup_inotify_fd = -EBADF;
        m->lock_fd = -EBADF;
        m->syslog_fd = -EBADF;
        m->pidfile_fd = -EBADF;
        m->is_pid1 = getpid() == 1;
        m->options = *options;
        m->options.config_path = NULL;
        m->options.cgroup = NULL;
        path = options->config_path ?: CONFIG_DEFAULT_PATH;
        m->options.config_path = strdup(path);
        if (options->cgroup)
                m->options.cgroup = strdup(options->cgroup);
        if (!m->options.config_path || (options->cgroup && !m->options.cgroup))
                return log_oom();

        m->under_systemd = getenv("NOTIFY_SOCKET") != NULL;
        m->journal = access("/run/systemd/journal/socket", F_OK) >= 0;
        /* In the background (-d) our stdout becomes /dev/null: AUTO logs go to their files instead. */
        m->passthrough_default = !options->daemonize && (isatty(STDOUT_FILENO) || getenv("container") != NULL);

        r = manager_load_config(m->options.config_path, &m->config, &errmsg);
        if (r < 0) {
                msg = errmsg;
                return log_error_errno(r, "Invalid configuration: %s", strna(msg));
        }
        /* Early, so that what follows (a refusal, adoption) is in the file too. */
        if (m->config->daemon.logfile) {
                r = log_open_file(m->config->daemon.logfile, m->config->daemon.logfile_maxbytes,
                                  m->config->daemon.logfile_backups);
                if (r < 0)
                        log_warning_errno(r, "Cannot open logfile %s, ignoring: %m", m->config->daemon.logfile);
        }
        open_syslog(m);
        r = build_environment(m);
        if (r < 0)
                return log_oom();

        r = sd_event_default(&m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate event loop: %m");

        r = choose_subtree(m);
        if (r < 0)
                return r;
        r = setup_runtime_dir(m);
        if (r < 0)
                return r;
        r = lock_subtree(m);
        if (r < 0)
                return r;
        r = setup_cgroup(m);
        if (r < 0)
                return r;
        r = logdir_setup(m);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : r;
        /* Orphans of double-forking programs are reparented to us, so their exit status is ours and
         * nothing lingers as a zombie in a cgroup we want to remove. */
        (void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);

        r = manager_create_programs(m, m->config);
        if (r < 0)
                return r;
        r = webhooks_setup(m);
        if (r < 0)
                return r;
        r = deps_check_cycles(m, &errmsg);
        if (r < 0) {
                msg = errmsg;
                return log_error_errno(r, "Invalid configuration: %s", strna(msg));
        }
        for (size_t i = 0; i < m->config->n_groups; i++) {
                _cleanup_free_ char *why = NULL;

                r = manager_apply_group_limits(m, m->config->groups[i], &why);
                if (r < 0)
                        mark_group_failed(m, m->config->groups[i]->name, r, why);
        }
        r = notify_socket_open(m);
        if (r < 0)
                return r;

        if (m->under_systemd) {
                uint64_t wd = 0;
                (void) adopt_load_fd_store(m);
                if (sd_watchdog_enabled(false, &wd) > 0 && wd > 0) {
                        m->watchdog_usec = wd / 2;
                        r = sd_event_add_time_relative(m->event, &m->watchdog_timer, CLOCK_MONOTONIC, m->watchdog_usec,
                                                       m->watchdog_usec / 4, on_watchdog, m);
                        if (r < 0)
                                log_warning_errno(r, "Cannot arm the watchdog timer, ignoring: %m");
                }
        }

        readopt(m);
        /* Before autostart (the programs about to start get fresh files), after adoption (adopted ones
         * keep theirs). */
        logdir_cleanup_auto_logs(m);

        *ret = TAKE_PTR(m);
        return 0;
}

/* tdestroy() of m->cgroup_wd_index: its nodes point into Programs, which go with m->programs. */
static void keep_node(void *node) {
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        event_listener_free_all(m);
        /* A batched state change still waiting is written before the daemon goes; at a graceful exit the
         * files that leave nothing to adopt are removed instead. */
        adopt_save_pending(m);
        if (m->shutting_down)
                adopt_forget_idle(m);
        m->state_save_defer = sd_event_source_disable_unref(m->state_save_defer);
        while (m->n_programs > 0) {
                Program *p = m->programs[m->n_programs - 1];
                m->n_programs--;
                m->programs_by_name = mfree(m->programs_by_name);
                program_free(p);
        }
        free(m->programs);
        webhooks_free(m);
        event_bus_free(m);
        /* After the programs: their checks abandon their transfers first. */
        m->curl = curl_event_free(m->curl);
        notify_socket_close(m);
        if (m->shutting_down && m->remove_subtree && m->origin_cgroup && m->cgroup_root_fd >= 0) {
                /* Leave the supervisor leaf first (a populated cgroup cannot be removed). Everything below
                 * is empty after a graceful stop; EBUSY means something survived, and then the tree stays. */
                int k = cgsup_cgroup_attach_pid(m->cgroup_root_fd, m->origin_cgroup, getpid());
                if (k >= 0)
                        k = cgsup_cgroup_remove(m->cgroup_root_fd, m->cgroup);
                if (k < 0)
                        log_debug_errno(k, "Cannot remove cgroup %s/%s, leaving it: %m", strna(m->cgroup_mount),
                                        m->cgroup);
        }
        if (m->config)
                m->pidfile_fd = pidfile_release(m->config->daemon.pidfile, m->pidfile_fd);
        if (m->shutting_down && m->runtime_dir) {
                /* Graceful exit: nothing is left to adopt, so no state either (a crash keeps it). */
                _cleanup_free_ char *state = NULL, *lock = NULL;
                if (asprintf(&state, "%s/state", m->runtime_dir) >= 0)
                        (void) rmdir(state);
                if (asprintf(&lock, "%s/lock", m->runtime_dir) >= 0)
                        m->lock_fd = pidfile_release(lock, m->lock_fd);
                (void) rmdir(m->runtime_dir);
        }
        /* A crash or a failed start keeps the file; the kernel drops the lock with the descriptor. */
        m->lock_fd = safe_close(m->lock_fd);
        m->syslog_fd = safe_close(m->syslog_fd);
        m->cgroup_inotify_source = sd_event_source_disable_unref(m->cgroup_inotify_source);
        m->cgroup_inotify_fd = safe_close(m->cgroup_inotify_fd);
        tdestroy(m->cgroup_wd_index, keep_node);
        m->cgroup_wd_index = NULL;
        m->shutdown_timer = sd_event_source_disable_unref(m->shutdown_timer);
        m->watchdog_timer = sd_event_source_disable_unref(m->watchdog_timer);
        m->deps_defer = sd_event_source_disable_unref(m->deps_defer);
        for (size_t i = 0; i < m->n_stored_fds; i++)
                safe_close(m->stored_fds[i]);
        free(m->stored_fds);
        strv_free(m->stored_fd_names);
        config_free(m->config);
        config_free(m->reread_config);
        strv_free(m->environment);
        strv_free(m->scaled);
        safe_close(m->cgroup_root_fd);
        free(m->cgroup_mount);
        free(m->cgroup);
        free(m->origin_cgroup);
        free(m->runtime_dir);
        free(m->log_dir);
        free(m->options.config_path);
        free(m->options.cgroup);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}

int manager_run(Manager *m) {
        int r;

        m->loop_running = true;
        r = sd_event_loop(m->event);
        m->loop_running = false;
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        return r;
}

static bool pid_is_watched(Manager *m, pid_t pid) {
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (p->main_pid == pid || program_helper_pid(p) == pid)
                        return true;
        }
        return false;
}

void manager_reap_orphans(Manager *m) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        char *tok, *save = NULL;

        /* Our own children list (zombies included until reaped). Waiting with P_ALL would steal the status
         * of a supervised main process before its pidfd source has read it. */
        if (asprintf(&path, "/proc/self/task/%d/children", (int) getpid()) < 0)
                return;
        if (read_full_file_at(AT_FDCWD, path, 1024 * 1024, &text, NULL) < 0)
                return;
        for (tok = strtok_r(text, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
                siginfo_t si = {};
                int pid = atoi(tok);

                if (pid <= 0 || pid_is_watched(m, pid))
                        continue;
                if (waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG) == 0 && si.si_pid == pid)
                        log_debug("Reaped orphan %d (%s %d)", pid, si.si_code == CLD_EXITED ? "exit" : "signal",
                                  si.si_status);
        }
}

void manager_reopen_logs(Manager *m) {
        unsigned failed = 0;
        int r;

        r = log_reopen_file();
        if (r < 0)
                log_error_errno(r, "Cannot reopen the daemon's log file: %m");
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                LogCapture *c[] = { p->stdout_capture, p->stderr_capture };

                for (size_t k = 0; k < ELEMENTSOF(c); k++) {
                        if (!c[k])
                                continue;
                        r = log_capture_reopen(c[k]);
                        if (r < 0) {
                                log_program_full_errno(p, LOG_ERR, r, "Cannot reopen its %s log file: %m",
                                                       k == 0 ? "stdout" : "stderr");
                                failed++;
                        }
                }
        }
        log_info("Reopened log files (SIGUSR2)%s", failed > 0 ? ", some failed (see above)" : "");
}
