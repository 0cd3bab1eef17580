/* SPDX-License-Identifier: MIT */
/*
 * Programs' subtree in a delegated scope, for systemd without DelegateSubgroup= (< 254, e.g. Debian 12).
 *
 * Why: with Delegate=yes systemd starts the main process in the root of the unit's cgroup. Once cgsupd has
 * enabled controllers there for its programs, the kernel refuses new processes in that cgroup (cgroup v2
 * no-internal-process rule), so after a crash systemd can no longer start a new cgsupd (219/CGROUP) while
 * the programs keep running - and re-adoption (DESIGN rule 5) could never happen. systemd 254 solves it
 * with DelegateSubgroup=supervisor (our unit sets it; then we run in <unit>/supervisor and use the unit's
 * cgroup as designed). Older systemd gets this fallback: the programs live in a transient scope
 * "<unit name>-programs.scope" with Delegate=yes in the unit's slice, created through systemd's
 * StartTransientUnit(); cgsupd stays alone in its (controller-free) unit cgroup, so restarts always work.
 * A scope needs a process to exist: a tiny placeholder ("keep" leaf, pause() forever) holds it while no
 * program runs and across cgsupd restarts; it is killed at graceful shutdown, after which systemd removes
 * the empty scope.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <systemd/sd-bus.h>

#include "cgsup/cgroup.h"
#include "log.h"
#include "manager.h"

#define SCOPE_JOB_TIMEOUT_USEC (30 * USEC_PER_SEC)

typedef struct JobWait {
        const char *job;
        bool done;
        char *result;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && streq(path, w->job)) {
                w->done = true;
                w->result = strdup(result);
        }
        return 0;
}

static pid_t fork_placeholder(void) {
        pid_t pid = fork();

        if (pid != 0)
                return pid;
        /* Child: async-signal-safe steps only. Default signal handling so SIGKILL/SIGTERM end it. */
        sigset_t ss;
        sigemptyset(&ss);
        (void) sigprocmask(SIG_SETMASK, &ss, NULL);
        (void) syscall(SYS_close_range, 3U, ~0U, 0U);
        (void) prctl(PR_SET_NAME, "cgsupd-keep", 0, 0, 0);
        (void) setsid();
        for (;;)
                pause();
}

static int start_scope(const char *scope, const char *slice, pid_t pid) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        JobWait w = {};
        const char *job;
        uint64_t deadline;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus to create %s: %m", scope);
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &msg, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", scope, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(msg, "(sv)(sv)(sv)(sv)", "Description", "s",
                                          "cgsupd programs (delegated subtree)", "Slice", "s", slice, "Delegate",
                                          "b", 1, "PIDs", "au", 1, (uint32_t) pid);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r < 0)
                return log_error_errno(r, "Cannot build StartTransientUnit call: %m");
        r = sd_bus_call(bus, msg, SCOPE_JOB_TIMEOUT_USEC, &error, &reply);
        if (r < 0)
                return log_error_errno(r, "systemd refused to create %s: %s", scope, error.message ?: strerror(-r));
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = job;

        /* Startup only, before the loop runs: wait for the job like systemd-run does. */
        deadline = SCOPE_JOB_TIMEOUT_USEC;
        while (!w.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return log_error_errno(r, "Lost the system bus while creating %s: %m", scope);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, deadline);
                if (r < 0)
                        return r;
                if (r == 0)
                        return log_error_errno(SYNTHETIC_ERRNO(ETIMEDOUT), "Timed out creating %s", scope);
        }
        if (!w.result || !streq(w.result, "done")) {
                log_error("Creating %s failed: job result %s", scope, strna(w.result));
                free(w.result);
                return -EIO;
        }
        free(w.result);
        return 0;
}

int manager_setup_scope(Manager *m, const char *own, char **ret_subtree) {
        _cleanup_free_ char *unit = NULL, *slice = NULL, *scope = NULL, *path = NULL, *keep = NULL, *cg = NULL;
        const char *slash, *base;
        CgsupCgroupEvents ev;
        pid_t pid;
        int r;

        /* own = "system.slice/cgsupd.service": scope "cgsupd-programs.scope" in "system.slice". */
        slash = strrchr(own, '/');
        base = slash ? slash + 1 : own;
        slice = slash ? strndup(own, (size_t) (slash - own)) : strdup("");
        unit = strdup(base);
        if (!slice || !unit)
                return -ENOMEM;
        if (strlen(unit) <= strlen(".service") || !streq(unit + strlen(unit) - strlen(".service"), ".service"))
                return -EINVAL;
        unit[strlen(unit) - strlen(".service")] = 0;
        for (char *c = unit; *c; c++)
                if (*c == '@')
                        *c = '-';
        if (asprintf(&scope, "%s-programs.scope", unit) < 0)
                return -ENOMEM;
        if (asprintf(&path, "%s%s%s", slice, *slice ? "/" : "", scope) < 0 || asprintf(&keep, "%s/keep", path) < 0)
                return -ENOMEM;

        r = cgsup_cgroup_events_read(m->cgroup_root_fd, path, &ev);
        if (r >= 0 && ev.populated) {
                log_info("Reusing %s from a previous run (programs there will be adopted)", scope);
                *ret_subtree = TAKE_PTR(path);
                return 0;
        }

        pid = fork_placeholder();
        if (pid < 0)
                return log_error_errno(errno, "fork() failed: %m");
        r = start_scope(scope, isempty(slice) ? "system.slice" : slice, pid);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                return r;
        }
        if (cgsup_cgroup_of_pid(pid, &cg) < 0 || !streq(cg, path)) {
                (void) kill(pid, SIGKILL);
                return log_error_errno(SYNTHETIC_ERRNO(EIO), "Placeholder is in /%s, not in /%s", strna(cg), path);
        }
        /* The scope root must hold no process once controllers are enabled there. */
        r = cgsup_cgroup_create(m->cgroup_root_fd, keep);
        if (r >= 0)
                r = cgsup_cgroup_attach_pid(m->cgroup_root_fd, keep, pid);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                return log_error_errno(r, "Cannot move the placeholder into /%s: %m", keep);
        }
        log_info("Programs run in %s (systemd without DelegateSubgroup=: keeps restarts of cgsupd possible)", scope);
        *ret_subtree = TAKE_PTR(path);
        return 1;
}

void manager_release_scope(Manager *m) {
        _cleanup_free_ char *keep = NULL;

        if (!m->scope_mode || !m->cgroup)
                return;
        /* Empty scope: systemd stops it and removes its cgroup. */
        if (asprintf(&keep, "%s/keep", m->cgroup) >= 0)
                (void) cgsup_cgroup_kill(m->cgroup_root_fd, keep);
}
