/* SPDX-License-Identifier: MIT */
/*
 * Adopting an outside process (AdoptProcess, `cgsupctl adopt PID [--name NAME] [--tree]`): the process
 * (with tree, also every descendant) is moved into the leaf of a new transient program, so that it is
 * contained (stop = its cgroup dies, DESIGN rule 2) and listed. Its exit is seen through its pidfd; it is
 * not our child, so its exit status is not ours to read and is reported as unknown. It cannot be started
 * again (cgsupd does not know how); processes it leaves behind stay contained until they end or it is
 * stopped, then the program goes away like every transient one.
 *
 * Which processes: never PID 1, cgsupd itself or a kernel thread; never one that another program already
 * holds; never one in another systemd unit's cgroup (moving it would take it from the unit that owns
 * it); and the kernel decides the rest (moving needs write access to the cgroup.procs of the common
 * ancestor: a process outside cgsupd's delegation is refused with that reason). Whose: checked by the bus
 * layer (root any, others only processes all of whose uids are theirs).
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "cgsup/spawn.h"
#include "log.h"
#include "manager.h"
#include "proc-info.h"
#include "program-ops.h"
#include "program-real.h"
#include "strv.h"

/* Bounds the --tree walk: rounds of looking for children forked while we moved their parents. */
#define ADOPT_TREE_ROUNDS 5
#define ADOPT_TREE_MAX 4096

static bool path_has_prefix(const char *path, const char *prefix) {
        size_t l = strlen(prefix);

        return l == 0 || (strneq(path, prefix, l) && (path[l] == '\0' || path[l] == '/'));
}

/* "system.slice/foo.service/x" -> the first systemd unit on the path ("foo.service"), its end in *ret_end. */
static const char *unit_on_path(const char *path, size_t *ret_len, size_t *ret_end) {
        static const char *const suffixes[] = { ".service", ".scope", ".socket", ".mount", ".swap" };
        const char *c = path;

        while (*c) {
                size_t len = strcspn(c, "/");
                for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                        size_t sl = strlen(suffixes[i]);
                        if (len > sl && strneq(c + len - sl, suffixes[i], sl)) {
                                *ret_len = len;
                                *ret_end = (size_t) (c - path) + len;
                                return c;
                        }
                }
                c += len;
                if (*c == '/')
                        c++;
        }
        return NULL;
}

/* Whether cgsupd may take a process out of @cg (relative to the mount); *reason says why not. */
static int check_source_cgroup(Manager *m, pid_t pid, const char *cg, char **reason) {
        const char *unit;
        size_t len, end;

        if (path_has_prefix(cg, m->cgroup)) {
                Program *owner = manager_find_program_by_cgroup(m, cg);
                if (owner)
                        (void) asprintf(reason, "process %d is already supervised by program %s (cgroup /%s)",
                                        (int) pid, owner->name, cg);
                else
                        (void) asprintf(reason, "process %d is in cgsupd's own cgroup /%s", (int) pid, cg);
                return -EBUSY;
        }
        unit = unit_on_path(cg, &len, &end);
        /* A unit above our own subtree is our delegation (cgsupd.service/...): anything else is another's. */
        if (unit && !(strneq(m->cgroup, cg, end) && (m->cgroup[end] == '\0' || m->cgroup[end] == '/'))) {
                (void) asprintf(reason,
                                "process %d belongs to the systemd unit %.*s (cgroup /%s): cgsupd moves processes "
                                "only from outside other units' cgroups",
                                (int) pid, (int) len, unit, cg);
                return -EBUSY;
        }
        return 0;
}

/* The checks every process to move passes: not init, not us, not a kernel thread, a cgroup we may take it from. */
/* Whether every uid (real, effective, saved) of the process behind @pidfd is @owner (root owns all). The
 * uids are read by pid, so the pidfd must still be alive after the read: then the pid was not reused in
 * between and the uids were the pinned process's own. */
static bool owned_by(pid_t pid, int pidfd, uid_t owner) {
        uid_t uids[4];

        if (owner == 0)
                return true;
        if (proc_uids(pid, uids) < 0 || uids[0] != owner || uids[1] != owner || uids[2] != owner)
                return false;
        return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) >= 0;
}

static int check_process(Manager *m, pid_t pid, char **ret_cgroup, char **reason) {
        _cleanup_free_ char *cg = NULL;
        uint64_t flags;
        int r;

        if (pid == 1) {
                (void) asprintf(reason, "process 1 is the init process");
                return -EINVAL;
        }
        if (pid == getpid()) {
                (void) asprintf(reason, "process %d is cgsupd itself", (int) pid);
                return -EINVAL;
        }
        r = proc_stat_field(pid, 9, &flags);
        if (r < 0) {
                (void) asprintf(reason, "no process %d", (int) pid);
                return -ESRCH;
        }
        if (flags & PROC_FLAG_KTHREAD) {
                (void) asprintf(reason, "process %d is a kernel thread", (int) pid);
                return -EINVAL;
        }
        r = cgsup_cgroup_of_pid(pid, &cg);
        if (r < 0) {
                (void) asprintf(reason, "cannot read the cgroup of process %d: %s", (int) pid, strerror(-r));
                return r == -ENOENT ? -ESRCH : r;
        }
        r = check_source_cgroup(m, pid, cg, reason);
        if (r < 0)
                return r;
        if (ret_cgroup)
                *ret_cgroup = TAKE_PTR(cg);
        return 0;
}

/* Moves @pid (behind @pidfd) into @leaf; *reason words a refusal of the kernel. */
static int move_process(Manager *m, int pidfd, pid_t pid, const char *from, const char *leaf, char **reason) {
        int r;

        r = cgsup_cgroup_attach_pidfd(m->cgroup_root_fd, leaf, pidfd);
        if (r == -EACCES || r == -EPERM)
                (void) asprintf(reason,
                                "cgsupd may not move process %d out of /%s: that needs write access to the "
                                "cgroup.procs of the common ancestor of /%s and /%s, outside cgsupd's delegation",
                                (int) pid, from, from, leaf);
        else if (r == -ESRCH)
                (void) asprintf(reason, "process %d ended before it could be moved", (int) pid);
        else if (r < 0)
                (void) asprintf(reason, "the kernel refused to move process %d out of /%s: %s", (int) pid, from,
                                strerror(-r));
        return r == -EACCES || r == -EPERM ? -EBUSY : r;
}

/* --tree: moves every descendant of @pid that is not in @leaf yet, for a few rounds (children forked while
 * we moved their parents). A descendant that fails a check or ends meanwhile is left where it is. */
static unsigned move_descendants(Manager *m, pid_t pid, const char *leaf, uid_t owner) {
        _cleanup_free_ pid_t *seen = NULL;
        size_t n_seen = 0;
        unsigned moved = 0;

        seen = malloc(sizeof(pid_t));
        if (!seen)
                return 0;
        seen[n_seen++] = pid;
        for (int round = 0; round < ADOPT_TREE_ROUNDS && n_seen < ADOPT_TREE_MAX; round++) {
                size_t before = n_seen;

                /* The children of everything found so far (the tree is small: a few rounds of /proc). */
                if (proc_add_children(&seen, &n_seen) < 0 || n_seen == before)
                        break;
                for (size_t i = before; i < n_seen; i++) {
                        _cleanup_free_ char *cg = NULL, *why = NULL;
                        _cleanup_close_ int fd = -EBADF;

                        if (check_process(m, seen[i], &cg, &why) < 0 || streq(cg, leaf))
                                continue;
                        /* An unprivileged caller's tree: only its own processes (a setuid child stays out),
                         * judged on the process the pidfd pins. */
                        if (cgsup_pidfd_open(seen[i], &fd) < 0 || !owned_by(seen[i], fd, owner) ||
                            move_process(m, fd, seen[i], cg, leaf, &why) < 0)
                                continue;
                        moved++;
                }
        }
        return moved;
}

static ProgramConfig *adopted_config(const char *name, pid_t pid) {
        _cleanup_strv_free_ char **argv = NULL;

        /* The command line as the process shows it: for status and cat only, never run. */
        if (proc_cmdline(pid, &argv) < 0 || !argv[0]) {
                argv = strv_free(argv);
                if (strv_extend(&argv, "?") < 0)
                        return NULL;
        }
        return transient_config_new(name, argv);
}

/* The new program, running with @pid as its main process (moved already); takes @pidfd. */
static int adopted_program_run(Program *p, pid_t pid, int pidfd) {
        Manager *m = p->manager;
        int r;

        p->populated = true;
        p->start_usec = m->ops->now(m);
        p->start_realtime_usec = m->ops->now_realtime(m);
        (void) m->ops->read_counters(p, &p->oom_kills_at_start, &p->pids_max_at_start);
        r = program_watch_pidfd(p, pid, pidfd);
        if (r < 0)
                return r;
        (void) program_watch_cgroup(p);
        p->ready = true;
        program_set_state(p, PROGRAM_RUNNING);
        return 0;
}

int manager_adopt_process(Manager *m, const AdoptSpec *spec, Program **ret, char **reterr_message) {
        _cleanup_(program_config_freep) ProgramConfig *pc = NULL;
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        _cleanup_free_ char *name = NULL, *from = NULL, *reason = NULL;
        _cleanup_close_ int pidfd = -EBADF;
        unsigned descendants = 0;
        Program *p;
        int r;

        assert(m && spec && ret);
        if (m->shutting_down)
                return -ESHUTDOWN;
        if (spec->pid <= 0) {
                if (reterr_message)
                        (void) asprintf(reterr_message, "%d is not a process id", (int) spec->pid);
                return -EINVAL;
        }
        /* The pidfd pins the process: a pid reused after this is told apart when it is moved. */
        r = cgsup_pidfd_open(spec->pid, &pidfd);
        if (r < 0) {
                if (reterr_message)
                        (void) asprintf(reterr_message, "no process %d", (int) spec->pid);
                return -ESRCH;
        }
        r = check_process(m, spec->pid, &from, &reason);
        if (r < 0)
                goto refuse;
        /* The bus layer checked the caller's ownership by pid, before this pidfd existed: a pid reused in
         * between is caught here, on the pinned process. */
        if (!owned_by(spec->pid, pidfd, spec->owner)) {
                (void) asprintf(&reason, "process %d is not (or no longer) a process of uid %u", (int) spec->pid,
                                (unsigned) spec->owner);
                r = -EPERM;
                goto refuse;
        }

        if (spec->name)
                name = strdup(spec->name);
        else if (asprintf(&name, "adopted-%d", (int) spec->pid) < 0)
                name = NULL;
        if (!name)
                return -ENOMEM;
        if (manager_find_program(m, name)) {
                (void) asprintf(&reason, "a program named %s exists already", name);
                r = -EEXIST;
                goto refuse;
        }
        pc = adopted_config(name, spec->pid);
        if (!pc)
                return -ENOMEM;
        r = program_new(m, pc, &p);
        if (r < 0) {
                (void) asprintf(&reason, "name %s is not usable", name);
                goto refuse;
        }
        TAKE_PTR(pc);
        p->transient = true;
        p->outside_adopted = true;
        p->transient_uid = spec->owner;
        r = manager_add_program(m, p);
        if (r < 0) {
                program_free(p);
                return r;
        }

        r = cgsup_leaf_new(m->cgroup_root_fd, p->cgroup, &leaf);
        if (r >= 0)
                r = cgsup_leaf_create(leaf, NULL, CGSUP_LEAF_EXCLUSIVE, NULL);
        if (r < 0) {
                (void) asprintf(&reason, "cannot create the cgroup /%s: %s", p->cgroup, strerror(-r));
                goto remove;
        }
        r = move_process(m, pidfd, spec->pid, from, p->cgroup, &reason);
        if (r < 0) {
                (void) cgsup_leaf_destroy(leaf);
                goto remove;
        }
        if (spec->tree)
                descendants = move_descendants(m, spec->pid, p->cgroup, spec->owner);
        r = adopted_program_run(p, spec->pid, TAKE_FD(pidfd));
        if (r < 0) {
                (void) asprintf(&reason, "cannot watch process %d: %s", (int) spec->pid, strerror(-r));
                /* Moved already: it stays contained; stopping the program kills it. */
                *ret = p;
                return 0;
        }
        if (spec->tree)
                log_program(p, LOG_NOTICE, "Adopted process %d and %u descendant(s) from /%s into %s",
                            (int) spec->pid, descendants, from, p->cgroup);
        else
                log_program(p, LOG_NOTICE, "Adopted process %d from /%s into %s", (int) spec->pid, from, p->cgroup);
        *ret = p;
        return 0;

remove:
        manager_remove_program(m, p);
refuse:
        if (reterr_message)
                *reterr_message = TAKE_PTR(reason);
        return r;
}
