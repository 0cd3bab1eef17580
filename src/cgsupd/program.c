/* SPDX-License-Identifier: MIT */
/*
 * Program objects and the verbs the bus layer calls. The verbs only feed events into the state machine
 * (program-state.c; start/stop/restart are jobs, program-job.c); the kernel work happens in
 * program-real.c / program-spawn.c through m->ops.
 */
#include <assert.h>
#include <fcntl.h>
#include <signal.h>

#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "health.h"
#include "event-listener.h"
#include "log.h"
#include "log-sink.h"
#include "logcap.h"
#include "manager.h"
#include "program-ops.h"
#include "parse-util.h"
#include "program-real.h"
#include "program-watch.h"
#include "strv.h"

int program_new(Manager *m, ProgramConfig *config, Program **ret) {
        _cleanup_(program_freep) Program *p = NULL;
        int r;

        if (!config || !config->name)
                return -EINVAL;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->manager = m;
        p->pidfd = -EBADF;
        p->cgroup_wd = -1;
        p->exit_code = -1;
        p->state = PROGRAM_STOPPED;
        p->stdio_fds[0] = p->stdio_fds[1] = p->stdio_fds[2] = -EBADF;
        p->held_pipe_fd[0] = p->held_pipe_fd[1] = -1;
        p->list_stat_fd[0] = p->list_stat_fd[1] = -EBADF;
        p->stdin_fd = -EBADF;
        p->held_stdin_fd = -1;
        p->state_fd = -EBADF;
        /* An earlier daemon may have left a state file: the first save writes, a forget removes it. */
        p->saved = (AdoptSaved) { .written = true, .pid = -1 };
        p->name = strdup(config->name);
        p->group = strdup(config->group_name ?: config->name);
        if (!p->name || !p->group)
                return -ENOMEM;
        if (m->cgroup) {
                r = manager_instance_cgroup(m, config, &p->cgroup);
                if (r < 0)
                        return r;
        }
        backoff_init(&p->backoff, config->backoff_initial, config->backoff_max, config->backoff_multiplier);
        p->config = config; /* owned from here on: only on success */
        *ret = TAKE_PTR(p);
        return 0;
}

Program *program_free(Program *p) {
        if (!p)
                return NULL;
        if (p->manager && p->manager->ops == &program_ops_real)
                program_unwatch(p);
        if (p->manager)
                event_listener_program_removed(p->manager, p);
        p->timer_source = sd_event_source_disable_unref(p->timer_source);
        health_program_free(p);
        p->stdout_capture = log_capture_free(p->stdout_capture);
        p->stderr_capture = log_capture_free(p->stderr_capture);
        p->pidfd = safe_close(p->pidfd);
        program_close_list_stats(p);
        p->stdin_fd = safe_close(p->stdin_fd);
        p->state_fd = safe_close(p->state_fd);
        for (int i = 0; i < 3; i++)
                p->stdio_fds[i] = safe_close(p->stdio_fds[i]);
        program_config_free(p->config);
        free(p->name);
        free(p->group);
        free(p->cgroup);
        free(p->exit_detail);
        free(p->status_text);
        free(p->waiting_for);
        p->schedule_timer = sd_event_source_disable_unref(p->schedule_timer);
        program_unwatch_files(p);
        strv_free(p->env_file_vars);
        strv_free(p->env_file_origins);
        free(p);
        return NULL;
}

int program_kill(Program *p, int sig, bool all_processes) {
        Manager *m = p->manager;

        if (sig <= 0 || sig >= _NSIG)
                return -EINVAL;
        if (all_processes) {
                if (!p->cgroup || m->cgroup_root_fd < 0)
                        return -ESRCH;
                if (!program_is_active(p) && !p->populated)
                        return -ESRCH;
                return m->ops->signal(p, sig, true);
        }
        if (p->main_pid <= 0)
                return -ESRCH;
        return m->ops->signal(p, sig, false);
}

int program_freeze(Program *p, bool freeze) {
        return program_dispatch(p, freeze ? PROGRAM_EVENT_FREEZE : PROGRAM_EVENT_THAW);
}

int program_reset_failed(Program *p) {
        assert(p);
        return program_dispatch(p, PROGRAM_EVENT_RESET_FAILED);
}

int program_set_limits(Program *p, const CgsupLimits *limits, char **reterr_message) {
        ProgramLimitsChange change = { .limits = limits };
        int r;

        assert(p);
        assert(limits);

        r = program_dispatch_with(p, PROGRAM_EVENT_SET_LIMITS, &change);
        /* A refusal is filled in (error set) when the leaf judged the limits; not when it was never reached. */
        if (r < 0 && reterr_message && change.refusal.error != 0)
                (void) cgsup_refusal_format(&change.refusal, p->manager->cgroup_mount, reterr_message);
        return r;
}

int program_read_stats(Program *p, CgsupStats *ret) {
        Manager *m = p->manager;

        if (!p->cgroup || m->cgroup_root_fd < 0)
                return -ENOENT;
        return cgsup_stats_read(m->cgroup_root_fd, p->cgroup, ret);
}

/*
 * ListPrograms answers every row with memory and CPU on each call. Reading them the way properties do
 * (cgsup_stats_read(): a path walk, open, read and close for each of some 14 files) made a 1,000-row
 * ListPrograms cost ~600 ms at load 34, 90 % of it in openat(2). The two files a row shows stay open
 * while the leaf exists and are read with pread(2) at offset 0 (cgroupfs regenerates them).
 */
static const char *const list_stat_file[2] = { "memory.current", "cpu.stat" };

/*
 * 200 clients calling ListPrograms at once on 1,000 programs (tools/bench/load) made cgsupd spend some
 * 60 % of its CPU in these two preads (cgroupfs formats cpu.stat anew on each read), so a burst of calls
 * shares one reading: a row's figures are at most this old. Short next to the 1-2 s refresh of the
 * Cockpit page and status loops, which compute CPU rates from consecutive readings.
 */
#define LIST_STATS_MAX_AGE_USEC (100 * USEC_PER_MSEC)

void program_close_list_stats(Program *p) {
        for (size_t i = 0; i < ELEMENTSOF(p->list_stat_fd); i++) {
                if (p->list_stat_fd[i] >= 0)
                        safe_close(p->list_stat_fd[i]);
                p->list_stat_fd[i] = -EBADF;
        }
        p->list_stats_usec = 0;
}

/* Reads list_stat_file[i] into @buf (NUL-terminated); -errno when it is not there. */
static int list_stat_read(Program *p, size_t i, char *buf, size_t size) {
        Manager *m = p->manager;
        ssize_t k;

        if (p->list_stat_fd[i] == -EBADF) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", p->cgroup, list_stat_file[i]) < 0)
                        return -ENOMEM;
                p->list_stat_fd[i] = openat(m->cgroup_root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (p->list_stat_fd[i] < 0)
                        /* Remembered (a controller that is not enabled stays so while the leaf exists). */
                        p->list_stat_fd[i] = errno == EBADF ? -EIO : -errno;
        }
        if (p->list_stat_fd[i] < 0)
                return p->list_stat_fd[i];
        k = pread(p->list_stat_fd[i], buf, size - 1, 0);
        if (k < 0) {
                /* ENODEV: the leaf was removed under us. Opened again at the next call. */
                int r = -errno;
                p->list_stat_fd[i] = safe_close(p->list_stat_fd[i]);
                return r;
        }
        buf[k] = 0;
        return 0;
}

void program_read_list_stats(Program *p, uint64_t *ret_memory, uint64_t *ret_cpu_usec) {
        char buf[1024];
        uint64_t v;
        usec_t now;

        assert(ret_memory);
        assert(ret_cpu_usec);
        *ret_memory = *ret_cpu_usec = UINT64_MAX;
        /* Only a leaf with processes in it exists for sure; an idle program's is removed (rule 2). */
        if (!p->cgroup || p->manager->cgroup_root_fd < 0 || (p->main_pid <= 0 && !p->populated))
                return;
        now = p->manager->ops->now(p->manager);
        if (p->list_stats_usec == 0 || now < p->list_stats_usec ||
            now - p->list_stats_usec >= LIST_STATS_MAX_AGE_USEC) {
                p->list_memory = p->list_cpu_usec = UINT64_MAX;
                if (list_stat_read(p, 0, buf, sizeof(buf)) >= 0) {
                        buf[strcspn(buf, "\n")] = 0;
                        if (safe_atou64(buf, &v) >= 0)
                                p->list_memory = v;
                }
                if (list_stat_read(p, 1, buf, sizeof(buf)) >= 0 &&
                    cgsup_flat_keyed_get(buf, "usage_usec", &v) >= 0)
                        p->list_cpu_usec = v;
                p->list_stats_usec = now;
        }
        *ret_memory = p->list_memory;
        *ret_cpu_usec = p->list_cpu_usec;
}

int program_rotate_logs(Program *p) {
        LogCapture *captures[] = { p->stdout_capture, p->stderr_capture };
        unsigned rotated = 0;
        int first_error = 0;

        for (size_t i = 0; i < ELEMENTSOF(captures); i++) {
                int r;

                if (!captures[i])
                        continue;
                /* What is still in the pipe was written before the request: it belongs to the old file. */
                log_capture_drain(captures[i]);
                r = log_capture_rotate(captures[i]);
                if (r == -EOPNOTSUPP)
                        continue;
                if (r < 0 && first_error == 0)
                        first_error = r;
                if (r >= 0)
                        rotated++;
        }
        if (first_error < 0)
                return first_error;
        if (rotated > 0)
                log_program(p, LOG_INFO, "Rotated its log file%s", rotated > 1 ? "s" : "");
        return rotated > 0 ? (int) rotated : -ENODATA;
}

int program_clear_logs(Program *p) {
        LogCapture *captures[] = { p->stdout_capture, p->stderr_capture };
        const LogConfig *configs[] = { &p->config->stdout_log, &p->config->stderr_log };
        int first_error = 0;

        for (size_t i = 0; i < ELEMENTSOF(captures); i++) {
                int r;

                if (captures[i]) {
                        log_capture_drain(captures[i]);
                        r = log_capture_clear(captures[i]);
                } else
                        r = configs[i]->path ? log_file_clear(configs[i]->path) : 0;
                if (r < 0 && first_error == 0)
                        first_error = r;
        }
        if (first_error < 0)
                return log_program_full_errno(p, LOG_WARNING, first_error, "Cannot clear its log files: %m");
        log_program(p, LOG_INFO, "Cleared its log files");
        return 0;
}

int program_read_output(Program *p, int stream, uint64_t cursor, size_t max, LogChunk *ret) {
        LogCapture *c;

        if (stream != 1 && stream != 2)
                return -EINVAL;
        c = stream == 2 && !p->config->redirect_stderr ? p->stderr_capture : p->stdout_capture;
        if (!c) {
                *ret = (LogChunk) { .next_cursor = LOGCAP_CURSOR_START };
                return 0;
        }
        /* Whatever is still in the pipe belongs to the answer. */
        log_capture_drain(c);
        return log_capture_read(c, cursor, max, ret);
}
