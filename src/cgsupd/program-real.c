/* SPDX-License-Identifier: MIT */
/*
 * The real ProgramOps: libcgsup for cgroups and spawning, sd-event for timers and watches. Exits are seen
 * through the main process's pidfd (readable when it ends) and reaped with waitid(P_PIDFD); emptiness
 * through inotify on cgroup.events. No polling, no sleeps.
 */
#include <fcntl.h>
#include <search.h>
#include <sys/inotify.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>

#include "adopt.h"
#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "cgsup/spawn.h"
#include "fd-util.h"
#include "health.h"
#include "event-bus.h"
#include "event-listener.h"
#include "log.h"
#include "logcap.h"
#include "manager.h"
#include "parse-util.h"
#include "program-ops.h"
#include "program-real.h"
#include "program-watch.h"
#include "program-spawn.h"

usec_t clock_usec(clockid_t id) {
        struct timespec ts;

        (void) clock_gettime(id, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / NSEC_PER_USEC;
}

static usec_t real_now(Manager *m) {
        return clock_usec(CLOCK_MONOTONIC);
}

static usec_t real_now_realtime(Manager *m) {
        return clock_usec(CLOCK_REALTIME);
}

static uint64_t real_random(Manager *m) {
        uint64_t v;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t) sizeof(v))
                v = clock_usec(CLOCK_MONOTONIC) * 2654435761ULL;
        return v;
}

static int real_signal(Program *p, int sig, bool all) {
        Manager *m = p->manager;

        if (all)
                return cgsup_cgroup_signal(m->cgroup_root_fd, p->cgroup, sig);
        if (p->pidfd < 0)
                return -ESRCH;
        return cgsup_pidfd_send_signal(p->pidfd, sig);
}

static int real_cgroup_kill(Program *p) {
        int r = cgsup_cgroup_kill(p->manager->cgroup_root_fd, p->cgroup);
        return r == -ENOENT ? 0 : r;
}

static int real_cgroup_freeze(Program *p, bool freeze) {
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        int r;

        if (!p->cgroup || p->manager->cgroup_root_fd < 0)
                return -ESRCH;
        r = cgsup_leaf_new(p->manager->cgroup_root_fd, p->cgroup, &leaf);
        if (r < 0)
                return r;
        return cgsup_leaf_freeze(leaf, freeze);
}

static int real_cgroup_set_limits(Program *p, const CgsupLimits *limits, CgsupRefusal *ret_refusal) {
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        int r;

        if (!p->cgroup || p->manager->cgroup_root_fd < 0)
                return -ENOENT;
        r = cgsup_leaf_new(p->manager->cgroup_root_fd, p->cgroup, &leaf);
        if (r < 0)
                return r;
        return cgsup_leaf_set_limits(leaf, limits, ret_refusal);
}

static int real_cgroup_count(Program *p) {
        _cleanup_free_ pid_t *pids = NULL;
        CgsupCgroupEvents ev;
        size_t n = 0;
        int r;

        if (!p->cgroup)
                return 0;
        /* The question asked most (after every exit: is anything left?) in one small read: "populated"
         * covers the whole subtree. Only a populated leaf is walked (cgroup.procs of it and of every child
         * cgroup) for the count; the walk's directory read was 4% of a stop of 1,000 programs. */
        r = cgsup_cgroup_events_read(p->manager->cgroup_root_fd, p->cgroup, &ev);
        if (r == -ENOENT || (r >= 0 && !ev.populated))
                return 0;
        r = cgsup_cgroup_pids(p->manager->cgroup_root_fd, p->cgroup, &pids, &n);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return (int) MIN(n, (size_t) INT32_MAX);
}

static int real_cgroup_cleanup(Program *p) {
        Manager *m = p->manager;
        _cleanup_free_ char *health = NULL;
        int r;

        if (!p->cgroup || p->leaf_removed)
                return 0;
        /* An exec check's leaf goes with its check (health.c); this catches one left behind. */
        if (program_config_has_health(p->config) && asprintf(&health, "%s.health", p->cgroup) >= 0)
                (void) cgsup_cgroup_remove(m->cgroup_root_fd, health);
        /* One plain rmdir: the kernel refuses it while anything runs in the leaf (EBUSY), and then the watch
         * on cgroup.events must stay. Only a removal that succeeded marks the leaf removed: stop_done_maybe()
         * tries this first and, refused, counts the processes, and removes again when they left meanwhile. The
         * walk that removes empty child cgroups first (cgsup_cgroup_remove()) is for a leaf that refused with
         * nothing running in it. */
        r = cgsup_cgroup_rmdir(m->cgroup_root_fd, p->cgroup);
        if (r == -EBUSY) {
                CgsupCgroupEvents ev;

                if (cgsup_cgroup_events_read(m->cgroup_root_fd, p->cgroup, &ev) >= 0 && ev.populated)
                        return r;
                r = cgsup_cgroup_remove(m->cgroup_root_fd, p->cgroup);
                if (r == -EBUSY)
                        return r;
        }
        /* Any other failure (EMFILE, ENOMEM, EACCES) keeps the watch too: processes may still be in the
         * leaf, and their end is the cgroup.events change stop_done_maybe() waits for. */
        if (r < 0) {
                log_program_full_errno(p, LOG_WARNING, r, "Failed to remove cgroup %s, ignoring: %m", p->cgroup);
                return r;
        }
        /* The watch and the held stat files go with the directory (EINVAL from inotify_rm_watch() when the
         * kernel dropped the watch already is ignored). */
        program_unwatch_cgroup(p);
        program_close_list_stats(p);
        /* Until the next spawn makes it again (prepare_cgroup()), there is nothing to remove. The state file
         * stays (adopt.c: overwritten with the next state, pid=0); no leaf, nothing to adopt. */
        p->leaf_removed = true;
        return 0;
}

static int read_pidfile(Program *p, pid_t *ret) {
        _cleanup_free_ char *text = NULL;
        unsigned pid;
        int r;

        if (!p->config->pidfile)
                return -ENOENT;
        r = read_full_file_at(AT_FDCWD, p->config->pidfile, 64, &text, NULL);
        if (r < 0)
                return r;
        text[strcspn(text, " \t\r\n")] = 0;
        r = safe_atou(text, &pid);
        if (r < 0 || pid == 0)
                return -EBADMSG;
        *ret = (pid_t) pid;
        return 0;
}

static int real_find_main_pid(Program *p) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        pid_t pid;
        int r;

        if (read_pidfile(p, &pid) >= 0) {
                r = program_set_main_pid(p, pid, true);
                if (r >= 0)
                        return 0;
                log_program_full_errno(p, LOG_WARNING, r, "pidfile %s names pid %d outside the cgroup, ignoring: %m",
                                       p->config->pidfile, (int) pid);
        }
        r = cgsup_cgroup_pids(p->manager->cgroup_root_fd, p->cgroup, &pids, &n);
        if (r < 0)
                return r;
        if (n != 1) {
                /* Several processes and no pidfile: the cgroup is the program, no single main pid. */
                p->main_pid = 0;
                return 0;
        }
        return program_set_main_pid(p, pids[0], false);
}

static int read_counter(Manager *m, const char *cg, const char *file, const char *key, uint64_t *ret) {
        _cleanup_free_ char *path = NULL;
        char text[1024]; /* memory.events: 6 keyed lines; pids.events: 1-2 */
        int r;

        if (asprintf(&path, "%s/%s", cg, file) < 0)
                return -ENOMEM;
        r = read_virtual_file_at(m->cgroup_root_fd, path, text, sizeof(text));
        if (r < 0)
                return r;
        return cgsup_flat_keyed_get(text, key, ret);
}

static int real_read_counters(Program *p, uint64_t *ret_oom, uint64_t *ret_pids) {
        Manager *m = p->manager;
        uint64_t oom = 0, pids = 0;

        if (!p->cgroup)
                return -ENOENT;
        /* Read at every spawn and exit: a controller the subtree cannot have has no file in any leaf, and
         * the failing open of each was 2 of the 30 system calls of a program's stop on a host without them. */
        if (m->controllers & CGSUP_CONTROLLER_MEMORY)
                (void) read_counter(m, p->cgroup, "memory.events", "oom_kill", &oom);
        if (m->controllers & CGSUP_CONTROLLER_PIDS)
                (void) read_counter(m, p->cgroup, "pids.events", "max", &pids);
        *ret_oom = oom;
        *ret_pids = pids;
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Program *p = userdata;

        (void) program_dispatch(p, PROGRAM_EVENT_TIMEOUT);
        return 0;
}

static int real_timer_set(Program *p, usec_t usec) {
        Manager *m = p->manager;
        int r;

        if (usec == USEC_INFINITY) {
                if (p->timer_source)
                        (void) sd_event_source_set_enabled(p->timer_source, SD_EVENT_OFF);
                return 0;
        }
        if (!p->timer_source) {
                /* 1 ms accuracy: restart latency is something people measure. */
                r = sd_event_add_time_relative(m->event, &p->timer_source, CLOCK_MONOTONIC, usec, USEC_PER_MSEC,
                                               on_timer, p);
                if (r < 0)
                        return log_program_full_errno(p, LOG_ERR, r, "Failed to arm timer: %m");
                (void) sd_event_source_set_description(p->timer_source, "program-timer");
                return 0;
        }
        r = sd_event_source_set_time_relative(p->timer_source, usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(p->timer_source, SD_EVENT_ONESHOT);
}

static int real_health_start(Program *p) {
        return health_program_start(p);
}

static void real_health_stop(Program *p) {
        health_program_stop(p);
}

static void real_state_saved(Program *p, bool now) {
        if (now)
                adopt_save_flush(p);
        else
                adopt_save_soon(p);
}

const ProgramOps program_ops_real = {
        .now = real_now,
        .now_realtime = real_now_realtime,
        .random = real_random,
        .spawn = program_spawn_main,
        .signal = real_signal,
        .cgroup_kill = real_cgroup_kill,
        .cgroup_count = real_cgroup_count,
        .cgroup_freeze = real_cgroup_freeze,
        .cgroup_set_limits = real_cgroup_set_limits,
        .cgroup_cleanup = real_cgroup_cleanup,
        .find_main_pid = real_find_main_pid,
        .read_counters = real_read_counters,
        .timer_set = real_timer_set,
        .health_start = real_health_start,
        .health_stop = real_health_stop,
        .state_saved = real_state_saved,
};

/* ---- watches ------------------------------------------------------------------------------------ */

static int on_main_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Program *p = userdata;
        int code = 0, status = 0, r;

        r = cgsup_pidfd_wait(p->pidfd, true, &code, &status, NULL);
        if (r == 0)
                /* Not reapable yet (edge-triggered watch, see program_watch_pidfd()): arm it again, which
                 * reports it at once if it is still readable. */
                return sd_event_source_set_io_events(s, EPOLLIN | EPOLLET);
        if (r == -ECHILD) {
                /* Not our child (adopted from a previous daemon, or a forking daemon's grandchild that was
                 * reparented elsewhere): it is gone, but its status is not ours to read. */
                code = 0;
                status = 0;
        } else if (r < 0) {
                log_program_full_errno(p, LOG_ERR, r, "waitid() on main process failed: %m");
                code = 0;
        }
        p->child_source = sd_event_source_disable_unref(p->child_source);
        p->pidfd = safe_close(p->pidfd);
        if (p->transient)
                /* The report of a transient run wants the cgroup's totals before it is removed. */
                (void) cgsup_stats_read(p->manager->cgroup_root_fd, p->cgroup, &p->final_stats);
        /* Lines written just before the exit should be in the log before the exit is. */
        if (p->stdout_capture)
                log_capture_drain(p->stdout_capture);
        if (p->stderr_capture)
                log_capture_drain(p->stderr_capture);
        (void) program_child_exited(p, code, status);
        return 0;
}

int program_watch_pidfd(Program *p, pid_t pid, int pidfd) {
        int r;

        p->child_source = sd_event_source_disable_unref(p->child_source);
        safe_close(p->pidfd);
        p->pidfd = pidfd;
        p->main_pid = pid;
        p->main_starttime = 0;
        /* Edge-triggered: an exited process stays readable until it is reaped, and sd-event dispatches one
         * source per iteration, so with level-triggering each epoll_wait() reported every exit not yet
         * dispatched again (a stop of 1,000 programs spent a third of its time in pidfd_poll). */
        r = sd_event_add_io(p->manager->event, &p->child_source, pidfd, EPOLLIN | EPOLLET, on_main_exit, p);
        if (r < 0)
                return log_program_full_errno(p, LOG_ERR, r, "Failed to watch main process: %m");
        /* Exits before output and cgroup events of the same iteration: the exit record comes first. */
        (void) sd_event_source_set_priority(p->child_source, SD_EVENT_PRIORITY_NORMAL - 10);
        (void) sd_event_source_set_description(p->child_source, "program-main-pid");
        return 0;
}

static bool pid_in_cgroup(Program *p, pid_t pid) {
        _cleanup_free_ char *cg = NULL;
        size_t l = strlen(p->cgroup);

        if (cgsup_cgroup_of_pid(pid, &cg) < 0)
                return false;
        return strneq(cg, p->cgroup, l) && (cg[l] == 0 || cg[l] == '/');
}

int program_set_main_pid(Program *p, pid_t pid, bool check_cgroup) {
        int fd = -EBADF, r;

        if (pid == p->main_pid && p->pidfd >= 0)
                return 0;
        if (check_cgroup && !pid_in_cgroup(p, pid))
                return -EPERM;
        r = cgsup_pidfd_open(pid, &fd);
        if (r < 0)
                return r;
        /* Re-check after opening: the pidfd pins the process, so a pid recycled in between is caught. */
        if (check_cgroup && !pid_in_cgroup(p, pid)) {
                safe_close(fd);
                return -EPERM;
        }
        log_program(p, LOG_INFO, "Main process is now %d", (int) pid);
        r = program_watch_pidfd(p, pid, fd);
        if (r >= 0 && p->manager->hooks.program_changed)
                p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_STATE, p->state);
        if (r >= 0)
                (void) adopt_save(p);
        return r;
}

static void program_cgroup_changed(Program *p) {
        CgsupCgroupEvents ev;
        int r;

        r = cgsup_cgroup_events_read(p->manager->cgroup_root_fd, p->cgroup, &ev);
        if (r < 0)
                return; /* removed under us; the state machine already knows */
        if (!ev.populated && p->populated) {
                p->populated = false;
                (void) program_dispatch(p, PROGRAM_EVENT_CGROUP_EMPTY);
        } else if (ev.populated)
                p->populated = true;
}

/* m->cgroup_wd_index holds every Program with p->cgroup_wd >= 0, ordered by it. A linear scan per event
 * made a stop of 1,000 programs O(n^2): each exit brings two events (populated 0, then IN_IGNORED after
 * the leaf's watch is removed) for a program no longer watching, so both scans ran to the end of the list,
 * and on through every watch= entry (manager_watch_event()). */
static int cgroup_wd_cmp(const void *a, const void *b) {
        /* The nodes are &p->cgroup_wd, so that a lookup's key is a plain int. */
        int x = *(const int *) a, y = *(const int *) b;
        return (x > y) - (x < y);
}

static Program *program_by_cgroup_wd(Manager *m, int wd) {
        int **hit = tfind(&wd, &m->cgroup_wd_index, cgroup_wd_cmp);

        return hit ? (Program *) ((char *) *hit - offsetof(Program, cgroup_wd)) : NULL;
}

/* Before p->cgroup_wd changes: the tree is ordered by it. */
static void cgroup_wd_forget(Program *p) {
        if (p->cgroup_wd >= 0)
                (void) tdelete(&p->cgroup_wd, &p->manager->cgroup_wd_index, cgroup_wd_cmp);
        p->cgroup_wd = -1;
}

static int on_cgroup_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        /* Aligned as struct inotify_event requires. */
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        Manager *m = userdata;
        bool overflow = false;

        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                log_warning_errno(errno, "Failed to read cgroup events, ignoring: %m");
                        break;
                }
                for (char *e = buf; e < buf + n;) {
                        const struct inotify_event *ev = (const struct inotify_event *) e;
                        Program *p;

                        e += sizeof(*ev) + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                overflow = true;
                                continue;
                        }
                        p = program_by_cgroup_wd(m, ev->wd);
                        if (!p) {
                                /* Not a cgroup.events watch: watch= directories share this fd. */
                                manager_watch_event(m, ev);
                                continue;
                        }
                        if (ev->mask & IN_IGNORED) {
                                cgroup_wd_forget(p); /* the cgroup went away: the kernel dropped the watch */
                                continue;
                        }
                        program_cgroup_changed(p);
                }
        }
        if (overflow) {
                /* Events were lost (fs.inotify.max_queued_events): look at every watched cgroup once. */
                log_warning("cgroup event queue overflowed, rechecking every program");
                for (size_t i = 0; i < m->n_programs; i++)
                        if (m->programs[i]->cgroup_wd >= 0)
                                program_cgroup_changed(m->programs[i]);
        }
        return 0;
}

int manager_cgroup_inotify(Manager *m) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (m->cgroup_inotify_fd >= 0)
                return 0;
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = sd_event_add_io(m->event, &m->cgroup_inotify_source, fd, EPOLLIN, on_cgroup_inotify, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->cgroup_inotify_source, "cgroup-events");
        m->cgroup_inotify_fd = TAKE_FD(fd);
        return 0;
}

int program_watch_cgroup(Program *p) {
        Manager *m = p->manager;
        int r;

        program_unwatch_cgroup(p);
        r = manager_cgroup_inotify(m);
        if (r < 0)
                return log_program_full_errno(p, LOG_ERR, r, "Failed to set up cgroup event watching: %m");
        r = cgsup_cgroup_events_add_watch(m->cgroup_inotify_fd, m->cgroup_root_fd, p->cgroup, &p->cgroup_wd);
        if (r < 0)
                return log_program_full_errno(p, LOG_ERR, r, "Failed to watch %s/cgroup.events: %m", p->cgroup);
        if (!tsearch(&p->cgroup_wd, &m->cgroup_wd_index, cgroup_wd_cmp)) {
                program_unwatch_cgroup(p);
                return log_program_full_errno(p, LOG_ERR, -ENOMEM, "Failed to watch %s/cgroup.events: %m", p->cgroup);
        }
        return 0;
}

void program_unwatch_cgroup(Program *p) {
        if (p->cgroup_wd < 0)
                return;
        /* EINVAL: the kernel already dropped it with the cgroup; nothing else can fail here. */
        (void) inotify_rm_watch(p->manager->cgroup_inotify_fd, p->cgroup_wd);
        cgroup_wd_forget(p);
}

void program_unwatch(Program *p) {
        p->child_source = sd_event_source_disable_unref(p->child_source);
        program_unwatch_cgroup(p);
        p->timer_source = sd_event_source_disable_unref(p->timer_source);
        p->pidfd = safe_close(p->pidfd);
}

/* What a program writes, beyond its logs: PROCESS_LOG_* events, and an event listener's protocol. */
static void output_observed(void *userdata, int stream, const char *data, size_t size) {
        Program *p = userdata;

        event_bus_process_log(p, stream, data, size);
        if (stream == 1)
                event_listener_stdout(p, data, size);
}

static int capture_for(Program *p, int stream, LogCapture **c) {
        Manager *m = p->manager;
        const LogConfig *lc = stream == 1 ? &p->config->stdout_log : &p->config->stderr_log;
        const LogConfig no_file = { .syslog = lc->syslog };
        LogCaptureSettings s = {
                .name = p->name,
                .group = p->group,
                .stream = stream,
                .config = lc,
                .journal = m->journal,
                .passthrough_fd = -1,
                .strip_ansi = p->config->strip_ansi,
                .syslog_fd = m->syslog_fd,
                .observer = output_observed,
                .observer_userdata = p,
        };
        int r;

        if (*c)
                return 0;
        /* Not configured (AUTO) and no journal, in a container, as PID 1 or on a terminal: pass through to
         * our own stdout, prefixed, where people look; an AUTO file under /tmp would be invisible there.
         * An explicit NONE still discards, an explicit file is still written. */
        if (lc->automatic && !m->journal && (m->is_pid1 || m->passthrough_default)) {
                s.passthrough = true;
                s.config = &no_file;
        }
        r = log_capture_new(m->event, &s, c);
        if (r < 0)
                return log_program_full_errno(p, LOG_ERR, r, "Cannot open %s log %s: %m",
                                              stream == 1 ? "stdout" : "stderr", strna(lc->path));
        return 0;
}

int program_attach_output(Program *p, int stdout_fd, int stderr_fd) {
        int r;

        if (stdout_fd >= 0) {
                r = capture_for(p, 1, &p->stdout_capture);
                if (r < 0) {
                        safe_close(stdout_fd);
                        safe_close(stderr_fd);
                        return r;
                }
                r = log_capture_attach(p->stdout_capture, stdout_fd);
                if (r < 0) {
                        safe_close(stderr_fd);
                        return r;
                }
                log_capture_set_pid(p->stdout_capture, p->main_pid);
        }
        if (stderr_fd >= 0) {
                r = capture_for(p, 2, &p->stderr_capture);
                if (r < 0) {
                        safe_close(stderr_fd);
                        return r;
                }
                r = log_capture_attach(p->stderr_capture, stderr_fd);
                if (r < 0)
                        return r;
                log_capture_set_pid(p->stderr_capture, p->main_pid);
        }
        return 0;
}

pid_t program_helper_pid(const Program *p) {
        return health_check_pid(p->health[HEALTH_READINESS]) ?: health_check_pid(p->health[HEALTH_LIVENESS]);
}
