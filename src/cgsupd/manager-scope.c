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
 * StartTransientUnit() (bus/systemd-scope.c, reached through ManagerOptions.start_scope); cgsupd stays
 * alone in its (controller-free) unit cgroup, so restarts always work.
 * A scope needs a process to exist: a tiny placeholder ("keep" leaf, pause() forever) holds it while no
 * program runs and across cgsupd restarts; it is killed at graceful shutdown, after which systemd removes
 * the empty scope.
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "log.h"
#include "manager.h"

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

int manager_setup_scope(Manager *m, const char *own, char **ret_subtree) {
        _cleanup_free_ char *unit = NULL, *slice = NULL, *scope = NULL, *path = NULL, *keep = NULL, *cg = NULL;
        const char *slash, *base;
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *keep_leaf = NULL;
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
        if (!m->options.start_scope)
                return -EOPNOTSUPP;
        r = m->options.start_scope(scope, isempty(slice) ? "system.slice" : slice, pid);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                return r;
        }
        if (cgsup_cgroup_of_pid(pid, &cg) < 0 || !streq(cg, path)) {
                (void) kill(pid, SIGKILL);
                return log_error_errno(SYNTHETIC_ERRNO(EIO), "Placeholder is in /%s, not in /%s", strna(cg), path);
        }
        /* The scope root must hold no process once controllers are enabled there. */
        r = cgsup_leaf_new(m->cgroup_root_fd, keep, &keep_leaf);
        if (r >= 0)
                r = cgsup_leaf_create(keep_leaf, NULL, 0, NULL);
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
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *keep_leaf = NULL;
        _cleanup_free_ char *keep = NULL;

        if (!m->scope_mode || !m->cgroup)
                return;
        /* Empty scope: systemd stops it and removes its cgroup. */
        if (asprintf(&keep, "%s/keep", m->cgroup) >= 0 && cgsup_leaf_new(m->cgroup_root_fd, keep, &keep_leaf) >= 0)
                (void) cgsup_leaf_kill(keep_leaf);
}
