/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-id128.h>
#include <time.h>

#include "adopt.h"
#include "cgsup/cgroup.h"
#include "cgsup/spawn.h"
#include "fd-util.h"
#include "log.h"
#include "manager.h"
#include "parse-util.h"
#include "program-ops.h"
#include "program-real.h"
#include "program-stdin.h"
#include "proc-info.h"
#include "strv.h"

int adopt_pid_starttime(pid_t pid, uint64_t *ret) {
        /* Field 22: clock ticks since boot when the process started. */
        return proc_stat_field(pid, 22, ret);
}

/* Every state file is this long: a save overwrites the whole record in place (one pwrite(2) at offset 0,
 * padded with newlines, which the reader skips), so a shorter record leaves nothing of a longer one behind. */
#define STATE_RECORD_SIZE 512

/*
 * Overwritten in place, never replaced by rename(2) nor unlinked at a stop: on ext4 (this host's /run, and
 * any /run that is not tmpfs) replacing a file forces its blocks to be allocated, and the file that loses
 * its last name has them freed again when it goes - with the `discard` mount option a synchronous discard,
 * ~3 ms each, which was most of the time a stop of 1,000 programs took. A write within one page cannot be
 * cut in half by the daemon's death, so the next daemon reads either the old record or the new one.
 * The file stays open from its first save until it goes (adopt_forget()): a save is one pwrite(2), where
 * opening and closing it made 2 of the 23 system calls of every stopped program.
 */
static int write_record(Program *p, const char *path, const char *text) {
        char buf[STATE_RECORD_SIZE];
        size_t l = strlen(text);
        ssize_t n;

        if (l > sizeof(buf))
                return -E2BIG;
        memcpy(buf, text, l);
        memset(buf + l, '\n', sizeof(buf) - l);
        if (p->state_fd < 0) {
                p->state_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
                if (p->state_fd < 0)
                        return (p->state_fd = -errno);
        }
        n = pwrite(p->state_fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;
        return n == (ssize_t) sizeof(buf) ? 0 : -EIO;
}

static int state_path(Program *p, char **ret) {
        if (!p->manager->runtime_dir)
                return -ENOENT;
        if (asprintf(ret, "%s/state/%s", p->manager->runtime_dir, p->name) < 0)
                return -ENOMEM;
        return 0;
}

/* The due time (CLOCK_MONOTONIC) of a fatal_retry_after retry the program waits for, 0 if none. */
static usec_t pending_fatal_retry(const Program *p) {
        if (p->state == PROGRAM_FATAL && p->job.type == JOB_START && p->job.automatic)
                return p->job.due_usec;
        return 0;
}

/* What a new daemon needs from the file to adopt the instance (the state line is for people and tests). */
static AdoptSaved adopt_saved_of(const Program *p) {
        return (AdoptSaved) {
                .written = true,
                .pid = p->main_pid,
                .restarts = p->restarts,
                .start_realtime_usec = p->start_realtime_usec,
                .held_fd = { p->held_pipe_fd[0], p->held_pipe_fd[1], p->held_stdin_fd },
                .retry_due_usec = pending_fatal_retry(p),
        };
}

static bool adopt_saved_equal(const AdoptSaved *a, const AdoptSaved *b) {
        return a->written == b->written && a->pid == b->pid && a->restarts == b->restarts &&
                a->start_realtime_usec == b->start_realtime_usec && a->held_fd[0] == b->held_fd[0] &&
                a->held_fd[1] == b->held_fd[1] && a->held_fd[2] == b->held_fd[2] && a->retry_due_usec == b->retry_due_usec;
}

/* The lines of a pending fatal_retry_after retry ("" without one). The due time is kept in CLOCK_BOOTTIME
 * with the boot id: the monotonic clock of our timers stops during suspend (a pause that spans one would
 * be longer than asked) and CLOCK_REALTIME jumps when the clock is set (an NTP step early in boot would
 * retry at once or hours late); boottime is the same for every process of one boot and only goes forward.
 * The state directory is under /run, gone at reboot; the boot id catches one that is not. */
static int format_fatal_retry(Program *p, char **ret) {
        usec_t due = pending_fatal_retry(p), now = p->manager->ops->now(p->manager);
        char boot[SD_ID128_STRING_MAX];
        sd_id128_t id;

        if (due == 0 || sd_id128_get_boot(&id) < 0)
                return (*ret = strdup("")) ? 0 : -ENOMEM;
        if (asprintf(ret, "retry_due_boottime=%" PRIu64 "\nboot_id=%s\n",
                     (uint64_t) (clock_usec(CLOCK_BOOTTIME) + (due > now ? due - now : 0)), sd_id128_to_string(id, boot)) < 0)
                return -ENOMEM;
        return 0;
}

int adopt_save(Program *p) {
        _cleanup_free_ char *path = NULL, *text = NULL, *retry = NULL;
        uint64_t starttime = 0;
        int r;

        p->state_save_pending = false;
        if (p->transient || !p->manager->runtime_dir)
                return 0;
        /* Never ran (or its file went with a previous program of that name): nothing to say. */
        if (p->state == PROGRAM_STOPPED && !p->populated && !p->saved.written)
                return 0;
        r = state_path(p, &path);
        if (r < 0)
                return r;
        /* Read once per main process, not at every state change: a stop of 1,000 programs saved each one
         * at STOPPING, and the /proc read was a third of the system calls of the stop request. */
        if (p->main_pid > 0 && p->main_starttime == 0)
                (void) adopt_pid_starttime(p->main_pid, &p->main_starttime);
        if (p->main_pid > 0)
                starttime = p->main_starttime;
        r = format_fatal_retry(p, &retry);
        if (r < 0)
                return r;
        /* A stopped program keeps its file with pid=0: nothing for a new daemon to adopt (its leaf is gone
         * too); the file goes with the program (reload, scale) or at a graceful exit. */
        if (asprintf(&text, "pid=%d\nstarttime=%" PRIu64 "\nstate=%s\nrestarts=%u\nstart_realtime=%" PRIu64 "\n"
                     "stdout_fd=%d\nstderr_fd=%d\nstdin_fd=%d\n%s",
                     (int) p->main_pid, starttime, program_state_to_string(p->state), p->restarts,
                     (uint64_t) p->start_realtime_usec, p->held_pipe_fd[0], p->held_pipe_fd[1],
                     p->held_stdin_fd, retry) < 0)
                return -ENOMEM;
        r = write_record(p, path, text);
        if (r == -ENOENT) {
                _cleanup_free_ char *dir = NULL;
                if (asprintf(&dir, "%s/state", p->manager->runtime_dir) < 0)
                        return -ENOMEM;
                (void) mkdir_p(dir, 0755);
                r = write_record(p, path, text);
        }
        if (r < 0)
                return log_program_full_errno(p, LOG_DEBUG, r, "Cannot write state file %s: %m", path);
        p->saved = adopt_saved_of(p);
        return 0;
}

static int on_state_save_defer(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        adopt_save_pending(m);
        return 0;
}

void adopt_save_soon(Program *p) {
        Manager *m = p->manager;
        AdoptSaved now = adopt_saved_of(p);
        int r;

        if (p->transient || !m->runtime_dir)
                return;
        /* A new main process, restart count or held pipe is what re-adoption reads: written at once, so a
         * daemon killed right after a spawn is never followed by one that takes its program for a stranger.
         * A change of state alone can wait for the loop to be idle: a stop of 1,000 programs wrote and
         * renamed 1,000 files at STOPPING only to rewrite them at STOPPED (a third of its system time). */
        if (!m->event || !adopt_saved_equal(&now, &p->saved) || (p->state == PROGRAM_STOPPED && !p->populated)) {
                (void) adopt_save(p);
                return;
        }
        p->state_save_pending = true;
        if (!m->state_save_defer) {
                r = sd_event_add_defer(m->event, &m->state_save_defer, on_state_save_defer, m);
                if (r < 0) {
                        log_debug_errno(r, "Cannot defer state saving, saving now: %m");
                        (void) adopt_save(p);
                        return;
                }
                /* After every pending exit, output and bus call: the batch is as large as it can be. */
                (void) sd_event_source_set_priority(m->state_save_defer, SD_EVENT_PRIORITY_IDLE);
                (void) sd_event_source_set_description(m->state_save_defer, "state-save");
        }
        (void) sd_event_source_set_enabled(m->state_save_defer, SD_EVENT_ONESHOT);
}

void adopt_save_flush(Program *p) {
        if (p->state_save_pending)
                (void) adopt_save(p);
}

void adopt_save_pending(Manager *m) {
        for (size_t i = 0; i < m->n_programs; i++)
                adopt_save_flush(m->programs[i]);
}

void adopt_forget(Program *p) {
        _cleanup_free_ char *path = NULL;

        p->state_save_pending = false;
        p->state_fd = safe_close(p->state_fd);
        if (p->transient || !p->saved.written || state_path(p, &path) < 0)
                return;
        p->saved = (AdoptSaved) {};
        (void) unlink(path);
}

void adopt_forget_idle(Manager *m) {
        for (size_t i = 0; i < m->n_programs; i++) {
                Program *p = m->programs[i];
                if (!p->populated && p->main_pid <= 0)
                        adopt_forget(p);
        }
}

/* FDNAME= allows printable ASCII without ':' (sd_notify(3)), at most 255 bytes. */
static void fd_name(const Program *p, const char *suffix, char *buf, size_t size) {
        size_t i;

        snprintf(buf, size, "%s-%s", p->name, suffix);
        for (i = 0; buf[i]; i++)
                if (buf[i] == ':' || buf[i] < 0x21 || buf[i] > 0x7e)
                        buf[i] = '_';
}

static void store_one(Program *p, int fd, const char *suffix) {
        char name[256], msg[320];
        int r;

        fd_name(p, suffix, name, sizeof(name));
        /* Replace the previous instance's pipe. */
        snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
        (void) sd_notify(false, msg);
        if (fd < 0)
                return;
        snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
        r = sd_pid_notify_with_fds(0, false, msg, &fd, 1);
        if (r < 0)
                log_program_full_errno(p, LOG_WARNING, r, "Cannot put %s pipe into the fd store, ignoring: %m", suffix);
}

void adopt_store_fds(Program *p, int stdin_fd, int stdout_fd, int stderr_fd) {
        if (!p->manager->under_systemd || p->transient)
                return;
        store_one(p, stdin_fd, "stdin");
        store_one(p, stdout_fd, "stdout");
        store_one(p, stderr_fd, "stderr");
}

int adopt_load_fd_store(Manager *m) {
        char **names = NULL;
        int n;

        n = sd_listen_fds_with_names(true, &names);
        if (n <= 0) {
                strv_free(names);
                return n;
        }
        m->stored_fds = calloc((size_t) n, sizeof(int));
        if (!m->stored_fds) {
                strv_free(names);
                return -ENOMEM;
        }
        for (int i = 0; i < n; i++)
                m->stored_fds[i] = SD_LISTEN_FDS_START + i;
        m->stored_fd_names = names;
        m->n_stored_fds = (size_t) n;
        log_debug("Got %d fds back from the fd store", n);
        return n;
}

static int take_stored_fd(Manager *m, const char *name) {
        for (size_t i = 0; i < m->n_stored_fds; i++)
                if (m->stored_fds[i] >= 0 && m->stored_fd_names && m->stored_fd_names[i] &&
                    streq(m->stored_fd_names[i], name))
                        return TAKE_FD(m->stored_fds[i]);
        return -EBADF;
}

void adopt_release_unclaimed(Manager *m) {
        for (size_t i = 0; i < m->n_stored_fds; i++)
                if (m->stored_fds[i] >= 0) {
                        /* A program that is gone (or renamed by a config change): drop its pipe from the
                         * store too, or systemd would hand it to us forever. */
                        char msg[320];
                        snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", strna(m->stored_fd_names[i]));
                        if (m->under_systemd)
                                (void) sd_notify(false, msg);
                        m->stored_fds[i] = safe_close(m->stored_fds[i]);
                }
}

typedef struct SavedState {
        pid_t pid;
        uint64_t starttime;
        unsigned restarts;
        uint64_t start_realtime;
        char state[32];
        int held_fd[2];
        int held_stdin_fd;
        uint64_t retry_due_boottime; /* 0: no fatal_retry_after retry pending */
        char boot_id[SD_ID128_STRING_MAX];
} SavedState;

static int read_state(Program *p, SavedState *ret) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        SavedState s = { .held_fd = { -1, -1 }, .held_stdin_fd = -1 };
        char *line, *save = NULL;
        int r;

        r = state_path(p, &path);
        if (r < 0)
                return r;
        r = read_full_file_at(AT_FDCWD, path, 4096, &text, NULL);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned u;
                uint64_t v;
                if (strneq(line, "pid=", 4) && safe_atou(line + 4, &u) >= 0)
                        s.pid = (pid_t) u;
                else if (strneq(line, "starttime=", 10) && safe_atou64(line + 10, &v) >= 0)
                        s.starttime = v;
                else if (strneq(line, "restarts=", 9) && safe_atou(line + 9, &u) >= 0)
                        s.restarts = u;
                else if (strneq(line, "start_realtime=", 15) && safe_atou64(line + 15, &v) >= 0)
                        s.start_realtime = v;
                else if (strneq(line, "stdout_fd=", 10) && safe_atou(line + 10, &u) >= 0)
                        s.held_fd[0] = (int) u;
                else if (strneq(line, "stderr_fd=", 10) && safe_atou(line + 10, &u) >= 0)
                        s.held_fd[1] = (int) u;
                else if (strneq(line, "stdin_fd=", 9) && safe_atou(line + 9, &u) >= 0)
                        s.held_stdin_fd = (int) u;
                else if (strneq(line, "retry_due_boottime=", 19) && safe_atou64(line + 19, &v) >= 0)
                        s.retry_due_boottime = v;
                else if (strneq(line, "boot_id=", 8))
                        snprintf(s.boot_id, sizeof(s.boot_id), "%s", line + 8);
                else if (strneq(line, "state=", 6))
                        snprintf(s.state, sizeof(s.state), "%s", line + 6);
        }
        *ret = s;
        return 0;
}

static bool pid_is_ours(Program *p, pid_t pid, uint64_t starttime) {
        _cleanup_free_ char *cg = NULL;
        uint64_t st;

        if (pid <= 0)
                return false;
        if (cgsup_cgroup_of_pid(pid, &cg) < 0 || !streq(cg, p->cgroup))
                return false;
        if (adopt_pid_starttime(pid, &st) < 0 || st != starttime)
                return false;
        return true;
}

/* Takes back a pipe read end the program holds at @fdnum, checked to be the pipe its @target_fd writes to. */
static int take_held_pipe(Program *p, int fdnum, int target_fd) {
        char path[64];
        struct stat a, b;
        int fd;

        if (p->pidfd < 0 || fdnum < 3)
                return -EBADF;
        fd = (int) syscall(SYS_pidfd_getfd, p->pidfd, fdnum, 0);
        if (fd < 0)
                return -errno;
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int) p->main_pid, target_fd);
        if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || !S_ISFIFO(a.st_mode) || a.st_ino != b.st_ino ||
            a.st_dev != b.st_dev) {
                safe_close(fd);
                return -ESTALE;
        }
        return fd;
}

/* The stdin write end: from the fd store, or the copy the program holds (checked to be the pipe its fd 0
 * reads). Without either the program keeps running; writing to its stdin then says it is closed. */
static void adopt_stdin(Program *p, const SavedState *s) {
        char name[256];
        int fd;

        if (!p->config->stdin_pipe)
                return;
        fd_name(p, "stdin", name, sizeof(name));
        fd = take_stored_fd(p->manager, name);
        if (fd < 0 && s->held_stdin_fd >= 0) {
                fd = take_held_pipe(p, s->held_stdin_fd, STDIN_FILENO);
                p->held_stdin_fd = fd >= 0 ? s->held_stdin_fd : -1;
        }
        if (fd < 0) {
                log_program(p, LOG_WARNING, "Adopted without its stdin pipe: writing to its stdin is not possible");
                return;
        }
        program_stdin_set(p, fd);
}

/* The previous daemon went while @p was FATAL and waiting out fatal_retry_after: FATAL again, the retry due
 * when it was (at once if that has passed). Not from a file of another boot (its boottime means nothing
 * now), nor when the config no longer has the pause; a shorter pause in the config bounds the wait. Returns
 * whether the retry was restored. */
static bool adopt_fatal_retry(Program *p, const SavedState *s) {
        usec_t now = clock_usec(CLOCK_BOOTTIME), left;
        char boot[SD_ID128_STRING_MAX], span[64];
        sd_id128_t id;

        if (s->retry_due_boottime == 0 || !streq(s->state, "FATAL") || p->config->fatal_retry_after == 0 ||
            sd_id128_get_boot(&id) < 0 || !streq(s->boot_id, sd_id128_to_string(id, boot)))
                return false;
        left = MIN(s->retry_due_boottime > now ? s->retry_due_boottime - now : 0, p->config->fatal_retry_after);
        p->restarts = s->restarts;
        log_program(p, LOG_NOTICE, "FATAL with a pending retry (fatal_retry_after) when cgsupd went: retrying in %s",
                    format_timespan(span, sizeof(span), left));
        program_fatal_retry_restore(p, p->manager->ops->now(p->manager) + left);
        return true;
}

int adopt_program(Program *p) {
        Manager *m = p->manager;
        SavedState s = { .held_fd = { -1, -1 }, .held_stdin_fd = -1 };
        CgsupCgroupEvents ev;
        int n, r, fd = -EBADF;
        char name[256];

        if (!p->cgroup)
                return 0;
        r = cgsup_cgroup_events_read(m->cgroup_root_fd, p->cgroup, &ev);
        n = r == -ENOENT ? 0 : m->ops->cgroup_count(p);
        if (n <= 0) {
                /* Nothing runs: a FATAL program waiting out fatal_retry_after keeps its retry; otherwise the
                 * file and a leftover empty leaf of a previous run go. */
                if (r != -ENOENT)
                        (void) cgsup_cgroup_remove(m->cgroup_root_fd, p->cgroup);
                if (read_state(p, &s) >= 0 && adopt_fatal_retry(p, &s))
                        return 0;
                adopt_forget(p);
                return 0;
        }
        (void) read_state(p, &s);
        p->restarts = s.restarts;
        p->populated = true;
        p->adopted = true;
        p->start_usec = m->ops->now(m);
        p->start_realtime_usec = s.start_realtime;
        (void) m->ops->read_counters(p, &p->oom_kills_at_start, &p->pids_max_at_start);

        if (pid_is_ours(p, s.pid, s.starttime)) {
                r = cgsup_pidfd_open(s.pid, &fd);
                if (r >= 0)
                        r = program_watch_pidfd(p, s.pid, fd);
                if (r < 0)
                        log_program_full_errno(p, LOG_WARNING, r, "Cannot watch adopted pid %d: %m", (int) s.pid);
        } else if (p->config->type == PROGRAM_TYPE_FORKING)
                (void) m->ops->find_main_pid(p);

        (void) program_watch_cgroup(p);
        fd_name(p, "stdout", name, sizeof(name));
        {
                int out = take_stored_fd(m, name), err;
                fd_name(p, "stderr", name, sizeof(name));
                err = take_stored_fd(m, name);
                if (out < 0 && err < 0 && s.held_fd[0] >= 0) {
                        /* No fd store: the program kept copies of the read ends for us. */
                        out = take_held_pipe(p, s.held_fd[0], STDOUT_FILENO);
                        err = s.held_fd[1] >= 0 ? take_held_pipe(p, s.held_fd[1], STDERR_FILENO) : -EBADF;
                        p->held_pipe_fd[0] = out >= 0 ? s.held_fd[0] : -1;
                        p->held_pipe_fd[1] = err >= 0 ? s.held_fd[1] : -1;
                }
                if (out >= 0 || err >= 0)
                        (void) program_attach_output(p, out >= 0 ? out : -EBADF, err >= 0 ? err : -EBADF);
                else
                        log_program(p, LOG_WARNING, "Adopted without its output pipes: its output is lost");
        }
        adopt_stdin(p, &s);

        if (p->main_pid > 0 || p->config->type == PROGRAM_TYPE_FORKING) {
                log_program(p, LOG_NOTICE, "Adopted running instance, main pid %d, %d process(es) in %s",
                            (int) p->main_pid, n, p->cgroup);
                p->ready = true;
                program_set_state(p, PROGRAM_RUNNING);
        } else {
                p->survivors = (unsigned) n;
                log_program(p, LOG_NOTICE, "Adopted %d process(es) in %s without a main process", n, p->cgroup);
                program_set_state(p, PROGRAM_EXITED);
        }
        return 1;
}

/* How long a leftover instance gets to exit on SIGTERM before cgroup.kill (supervisord's default
 * stopwaitsecs), and how long the kill may take to empty it. */
#define LEFTOVER_TERM_USEC (10 * USEC_PER_SEC)
#define LEFTOVER_KILL_USEC (5 * USEC_PER_SEC)

static bool cgroup_is_claimed(Manager *m, const char *path) {
        for (size_t i = 0; i < m->n_programs; i++)
                if (m->programs[i]->cgroup && streq(m->programs[i]->cgroup, path))
                        return true;
        return false;
}

/* Stops what runs in @path (relative to the mount): SIGTERM, a bounded wait, cgroup.kill; then removes it. */
static void stop_leftover(Manager *m, const char *path) {
        CgsupCgroupEvents ev;
        int r;

        r = cgsup_cgroup_events_read(m->cgroup_root_fd, path, &ev);
        if (r >= 0 && ev.populated) {
                log_notice("Stopping the processes left in %s: no configured program owns it (a reload that "
                           "removed it, or a transient run, did not finish before the previous cgsupd ended)",
                           path);
                /* A frozen cgroup would hold the SIGTERM until it is thawed. */
                (void) cgsup_cgroup_freeze(m->cgroup_root_fd, path, false);
                (void) cgsup_cgroup_signal(m->cgroup_root_fd, path, SIGTERM);
                if (cgsup_cgroup_wait_empty(m->cgroup_root_fd, path, LEFTOVER_TERM_USEC) < 0) {
                        (void) cgsup_cgroup_kill(m->cgroup_root_fd, path);
                        r = cgsup_cgroup_wait_empty(m->cgroup_root_fd, path, LEFTOVER_KILL_USEC);
                        if (r < 0)
                                log_warning_errno(r, "Processes in %s survived cgroup.kill: %m", path);
                }
        }
        (void) cgsup_cgroup_remove(m->cgroup_root_fd, path);
}

void adopt_stop_unclaimed(Manager *m) {
        _cleanup_close_ int subtree_fd = -EBADF;
        DIR *groups;

        if (!m->cgroup || m->cgroup_root_fd < 0)
                return;
        subtree_fd = openat(m->cgroup_root_fd, m->cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (subtree_fd < 0)
                return;
        groups = fdopendir(TAKE_FD(subtree_fd));
        if (!groups)
                return;

        /* Instances live at <subtree>/<group>/<leaf>; the daemon's own leaf ("supervisor") and a scope's
         * placeholder ("keep") sit one level up and have no children. */
        for (struct dirent *g; (g = readdir(groups));) {
                _cleanup_free_ char *group_path = NULL;
                unsigned stopped = 0;
                DIR *leaves;
                int fd;

                if (g->d_type != DT_DIR || g->d_name[0] == '.')
                        continue;
                if (asprintf(&group_path, "%s/%s", m->cgroup, g->d_name) < 0)
                        break;
                fd = openat(dirfd(groups), g->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                leaves = fdopendir(fd);
                if (!leaves) {
                        safe_close(fd);
                        continue;
                }
                for (struct dirent *l; (l = readdir(leaves));) {
                        _cleanup_free_ char *path = NULL;

                        if (l->d_type != DT_DIR || l->d_name[0] == '.')
                                continue;
                        if (asprintf(&path, "%s/%s", group_path, l->d_name) < 0)
                                break;
                        if (!cgroup_is_claimed(m, path)) {
                                stop_leftover(m, path);
                                stopped++;
                        }
                }
                closedir(leaves);
                /* The group of a program that is gone goes with it (fails harmlessly while others remain). */
                if (stopped > 0)
                        (void) cgsup_cgroup_remove(m->cgroup_root_fd, group_path);
        }
        closedir(groups);
}

void adopt_forget_unclaimed(Manager *m) {
        _cleanup_free_ char *dir = NULL;
        DIR *d;

        if (!m->runtime_dir || asprintf(&dir, "%s/state", m->runtime_dir) < 0)
                return;
        d = opendir(dir);
        if (!d)
                return;
        /* A file whose program left the config while no cgsupd ran (or a half-written .tmp): nothing reads
         * it now, and a program of that name added later must not inherit its pid or a pending retry. */
        for (struct dirent *e; (e = readdir(d));) {
                Program *p;

                if (e->d_type != DT_REG)
                        continue;
                p = manager_find_program(m, e->d_name);
                if (p && !p->transient)
                        continue;
                if (unlinkat(dirfd(d), e->d_name, 0) >= 0)
                        log_debug("Removed the state file %s/%s: no such program", dir, e->d_name);
        }
        closedir(d);
}
