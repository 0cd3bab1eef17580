/* SPDX-License-Identifier: MIT */
/*
 * The cgroup leaf (<cgsup/leaf.h>): the only code of cgsup that writes cgroup.subtree_control or a limit
 * file (a meson test greps the tree for it). Everything that decides whether a limit can be enforced is
 * here too, so that the check, the steps that do the work and the refusal agree.
 *
 * Order of a leaf's creation, and why:
 *  1. the parent exists (mkdir -p): its cgroup.controllers is what its own parent passes on;
 *  2. check every limit against the parent (changes nothing: a refusal leaves no trace);
 *  3. enable the limits' controllers in the parent's cgroup.subtree_control, one per write;
 *  4. mkdir the leaf: the kernel gives it the controllers' files;
 *  5. write each limit and read it back (a limit we cannot see in effect is a limit we do not have);
 *  only then may anything run in it (clone3 CLONE_INTO_CGROUP).
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cg-internal.h"
#include "cgsup/leaf.h"
#include "fd-util.h"
#include "macro.h"

/* Anything smaller leaves a program too little to page in its own binary (systemd's MemoryMax= has no
 * floor, but a live change to such a value OOM-kills a running program at once). */
#define LIVE_MEMORY_MIN (1024ULL * 1024ULL)

struct CgsupLeaf {
        int root_fd; /* borrowed */
        char *path;
        char *parent;
};

/* ---- single steps (public for tests and special callers; see <cgsup/cgroup.h>) ------------------- */

_public_ int cgsup_cgroup_subtree_controllers(int root_fd, const char *path, unsigned *ret_mask) {
        if (!ret_mask)
                return -EINVAL;
        return cg_read_controllers(root_fd, path, "cgroup.subtree_control", ret_mask);
}

/* Writes "+name" or "-name" for one controller bit. */
static int subtree_control_write(int root_fd, const char *path, char sign, unsigned bit) {
        char buf[32];
        int r;

        snprintf(buf, sizeof(buf), "%c%s", sign, cgsup_controller_to_string(bit));
        r = cg_write_file(root_fd, path, "cgroup.subtree_control", buf);
        if (r == -ENOENT)
                return -EOPNOTSUPP; /* the parent took it away between our read and the write */
        if (r == -EPERM)
                return -EACCES;
        return cg_errno_filter(r); /* EBUSY: processes in @path (no-internal-process rule) */
}

_public_ int cgsup_cgroup_enable_controllers(int root_fd, const char *path, unsigned mask) {
        unsigned available, enabled;
        int r;

        r = cgsup_cgroup_controllers(root_fd, path, &available);
        if (r < 0)
                return r;
        if (mask & ~available)
                return -EOPNOTSUPP;
        r = cgsup_cgroup_subtree_controllers(root_fd, path, &enabled);
        if (r < 0)
                return r;

        /* One controller per write, so a failure is attributable and the rest is not half-applied in an
         * order the kernel chose. */
        for (unsigned bit = 1; bit && bit <= mask; bit <<= 1) {
                if (!(mask & bit) || (enabled & bit))
                        continue;
                r = subtree_control_write(root_fd, path, '+', bit);
                if (r < 0)
                        return r;
        }
        return 0;
}

_public_ int cgsup_cgroup_is_delegated(int root_fd, const char *path) {
        static const char *const files[] = { NULL, "cgroup.procs", "cgroup.subtree_control" };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = NULL;

                r = cg_path_join(path, files[i], &p);
                if (r < 0)
                        return r;
                /* AT_EACCESS: what matters is what we (effective ids) may do. For root this is true on any
                 * writable cgroupfs; systemd delegation shows up as ownership for unprivileged users. */
                if (faccessat(root_fd, p, W_OK, AT_EACCESS) < 0) {
                        if (errno == EACCES || errno == EPERM || errno == EROFS)
                                return 0;
                        return cg_errno_filter(-errno);
                }
        }
        return 1;
}

_public_ int cgsup_cgroup_move_self_to_leaf(int root_fd, const char *path, const char *leaf) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (isempty(leaf) || strchr(leaf, '/') || streq(leaf, "..") || streq(leaf, "."))
                return -EINVAL;
        r = cg_path_join(path, leaf, &p);
        if (r < 0)
                return r;
        r = cgsup_cgroup_create(root_fd, p);
        if (r < 0)
                return r;
        /* We are single-threaded (STYLE: no threads), so cgroup.procs moves all of us. */
        return cgsup_cgroup_attach_pid(root_fd, p, getpid());
}

_public_ int cgsup_limit_apply(int root_fd, const char *path, CgsupLimit limit, uint64_t value) {
        _cleanup_free_ char *p = NULL;
        const char *file = cgsup_limit_file(limit);
        char buf[64];
        uint64_t back;
        long ps;
        int r;

        if (!file)
                return -EINVAL;
        r = cg_limit_to_kernel(limit, value, buf, sizeof(buf));
        if (r < 0)
                return r;
        /* Validate the path first: below, EINVAL means "the kernel refused the value". */
        r = cg_path_normalize(path, &p);
        if (r < 0)
                return r;

        r = cg_write_file(root_fd, p, file, buf);
        if (r == -ENOENT)
                return cg_limit_file_missing(root_fd, p);
        if (r == -EINVAL || r == -ERANGE || r == -EOVERFLOW)
                return -ERANGE; /* the kernel refused the value */
        if (r == -EPERM || r == -EROFS)
                return -EACCES;
        if (r < 0)
                return cg_errno_filter(r);

        /* Never trust the write alone: a limit we cannot see in effect is a limit we do not have. */
        r = cgsup_limit_read(root_fd, p, limit, &back);
        if (r < 0)
                return r;
        ps = sysconf(_SC_PAGESIZE);
        if (!cg_limit_readback_ok(limit, value, back, ps > 0 ? (uint64_t) ps : 4096))
                return -EIO;
        return 0;
}

_public_ int cgsup_limits_apply(int root_fd, const char *path, const CgsupLimits *limits,
                                CgsupLimit *reterr_limit) {
        int r;

        if (!limits)
                return -EINVAL;
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                if (!cgsup_limits_is_set(limits, (CgsupLimit) i))
                        continue;
                r = cgsup_limit_apply(root_fd, path, (CgsupLimit) i, limits->value[i]);
                if (r < 0) {
                        if (reterr_limit)
                                *reterr_limit = (CgsupLimit) i;
                        return r;
                }
        }
        return 0;
}

_public_ int cgsup_limits_check(int root_fd, const char *parent, const CgsupLimits *limits,
                                CgsupLimit *reterr_limit) {
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        _cleanup_free_ char *child = NULL;
        CgsupRefusal refusal;
        int r;

        if (!limits)
                return -EINVAL;
        /* The same judgement as a leaf's, for a (hypothetical) child of @parent. */
        r = cg_path_join(parent, "x", &child);
        if (r < 0)
                return r;
        r = cgsup_leaf_new(root_fd, child, &leaf);
        if (r < 0)
                return r;
        r = cgsup_leaf_check(leaf, limits, &refusal);
        if (r < 0 && reterr_limit && refusal.limit >= 0)
                *reterr_limit = refusal.limit;
        return r;
}

/* ---- refusals ----------------------------------------------------------------------------------- */

static int refuse(CgsupRefusal *reterr, CgsupRefusalReason reason, CgsupLimit limit, uint64_t value,
                  const char *cgroup, int error) {
        if (reterr) {
                *reterr = (CgsupRefusal) {
                        .reason = reason,
                        .limit = limit,
                        .controller = limit >= 0 ? cgsup_limit_controller(limit) : 0,
                        .value = value,
                        .error = error,
                };
                snprintf(reterr->cgroup, sizeof(reterr->cgroup), "%s", strempty(cgroup));
        }
        return error;
}

/* Whether @path (not the root: it is exempt) has processes of its own, which forbids enabling controllers
 * for its children. The caller itself does not count: it can move out first (cgsup_subtree_claim() with a
 * self leaf, as cgsupd does), and if it does not, enabling fails with the same refusal. 1 yes, 0 no,
 * <0 error. */
static int has_own_processes(int root_fd, const char *path) {
        _cleanup_free_ char *text = NULL;
        char *save = NULL;
        int r;

        if (isempty(path))
                return 0;
        r = cg_read_file(root_fd, path, "cgroup.procs", &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return cg_errno_filter(r);
        for (char *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
                if (atoi(w) != getpid())
                        return 1;
        return 0;
}

/* The parent directory of @path ("" for a top-level cgroup). @path is normalised. */
static char *path_parent(const char *path) {
        const char *slash = strrchr(path, '/');
        return slash ? strndup(path, (size_t) (slash - path)) : strdup("");
}

/* Could @cg enable @limit's controller (which it has) for its children? Changes nothing. */
static int judge_enabler(int root_fd, const char *cg, CgsupLimit limit, uint64_t value, CgsupRefusal *reterr) {
        int r;

        r = cgsup_cgroup_is_delegated(root_fd, cg);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, limit, value, cg, r);
        if (r == 0)
                return refuse(reterr, CGSUP_REFUSAL_NOT_DELEGATED, limit, value, cg, -EACCES);
        r = has_own_processes(root_fd, cg);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, limit, value, cg, r);
        if (r > 0)
                return refuse(reterr, CGSUP_REFUSAL_INTERNAL_PROCESS, limit, value, cg, -EBUSY);
        return 0;
}

/* @limit's controller is not in @cg's cgroup.controllers: finds who withholds it. That is the nearest
 * ancestor that has it but does not pass it on, or nobody (the hierarchy lacks it). The answer depends on
 * the tree only, not on who asks, so every caller names the same cgroup. */
static int refuse_missing(int root_fd, const char *cg, CgsupLimit limit, uint64_t value, CgsupRefusal *reterr) {
        _cleanup_free_ char *a = strdup(cg);
        unsigned c = cgsup_limit_controller(limit), avail;
        int r;

        if (!a)
                return -ENOMEM;
        while (!isempty(a)) {
                char *up = path_parent(a);
                if (!up)
                        return -ENOMEM;
                free(a);
                a = up;
                r = cgsup_cgroup_controllers(root_fd, a, &avail);
                if (r < 0)
                        return refuse(reterr, CGSUP_REFUSAL_CGROUP, limit, value, a, r);
                if (!(avail & c))
                        continue;
                /* @a has it and does not pass it on: say why it cannot (or is not ours to). */
                r = judge_enabler(root_fd, a, limit, value, reterr);
                if (r < 0)
                        return r;
                return refuse(reterr, CGSUP_REFUSAL_WITHHELD, limit, value, a, -EOPNOTSUPP);
        }
        return refuse(reterr, CGSUP_REFUSAL_NO_CONTROLLER, limit, value, "", -EOPNOTSUPP);
}

/* Nearest existing ancestor-or-self of @path (normalised). */
static int existing_ancestor(int root_fd, const char *path, char **ret) {
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        while (!isempty(p)) {
                if (fstatat(root_fd, p, &st, 0) >= 0)
                        break;
                if (errno != ENOENT)
                        return cg_errno_filter(-errno);
                char *up = path_parent(p);
                if (!up)
                        return -ENOMEM;
                free(p);
                p = up;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

/* Can @limit be enforced in a child of the existing cgroup @cg? */
static int judge_limit(int root_fd, const char *cg, unsigned avail, unsigned enabled, CgsupLimit limit,
                       uint64_t value, CgsupRefusal *reterr) {
        unsigned c = cgsup_limit_controller(limit);
        int r;

        if (!(avail & c))
                return refuse_missing(root_fd, cg, limit, value, reterr);
        /* Where the controller is on for @cg, its files are there exactly when the kernel has them (the root
         * has none of its own), so a missing one is the kernel's: swap accounting, blk-iocost. */
        if (!isempty(cg)) {
                r = cg_file_exists(root_fd, cg, cgsup_limit_file(limit));
                if (r < 0)
                        return refuse(reterr, CGSUP_REFUSAL_CGROUP, limit, value, cg, cg_errno_filter(r));
                if (r == 0)
                        return refuse(reterr, CGSUP_REFUSAL_NO_FILE, limit, value, cg, -EOPNOTSUPP);
        }
        if (enabled & c)
                return 0;
        return judge_enabler(root_fd, cg, limit, value, reterr);
}

static int check_in(int root_fd, const char *parent, const CgsupLimits *limits, CgsupRefusal *reterr) {
        _cleanup_free_ char *cg = NULL;
        unsigned avail, enabled;
        int r;

        if (!limits || limits->set == 0)
                return 0;
        r = existing_ancestor(root_fd, parent, &cg);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, parent, r);
        r = cgsup_cgroup_controllers(root_fd, cg, &avail);
        if (r >= 0)
                r = cgsup_cgroup_subtree_controllers(root_fd, cg, &enabled);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, cg, r);

        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                if (!cgsup_limits_is_set(limits, (CgsupLimit) i))
                        continue;
                r = judge_limit(root_fd, cg, avail, enabled, (CgsupLimit) i, limits->value[i], reterr);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Enables every controller the set limits need in @parent, naming the limit whose controller failed. */
static int enable_for(int root_fd, const char *parent, const CgsupLimits *limits, CgsupRefusal *reterr) {
        unsigned enabled;
        int r;

        r = cgsup_cgroup_subtree_controllers(root_fd, parent, &enabled);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, parent, r);
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                unsigned c = cgsup_limit_controller((CgsupLimit) i);

                if (!cgsup_limits_is_set(limits, (CgsupLimit) i) || (enabled & c))
                        continue;
                r = subtree_control_write(root_fd, parent, '+', c);
                if (r < 0)
                        return refuse(reterr,
                                      r == -EBUSY ? CGSUP_REFUSAL_INTERNAL_PROCESS
                                      : r == -EACCES ? CGSUP_REFUSAL_NOT_DELEGATED
                                      : r == -EOPNOTSUPP ? CGSUP_REFUSAL_WITHHELD
                                                         : CGSUP_REFUSAL_CGROUP,
                                      (CgsupLimit) i, limits->value[i], parent, r);
                enabled |= c;
        }
        return 0;
}

/* Writes every set limit into @path and reads it back; stops at the first that fails. */
static int apply_to(int root_fd, const char *path, const CgsupLimits *limits, CgsupRefusal *reterr) {
        int r;

        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                CgsupRefusalReason why;

                if (!cgsup_limits_is_set(limits, (CgsupLimit) i))
                        continue;
                r = cgsup_limit_apply(root_fd, path, (CgsupLimit) i, limits->value[i]);
                if (r >= 0)
                        continue;
                why = r == -ERANGE           ? CGSUP_REFUSAL_VALUE
                      : r == -EIO            ? CGSUP_REFUSAL_READBACK
                      : r == -EOPNOTSUPP     ? CGSUP_REFUSAL_NO_FILE
                      : r == -EACCES         ? CGSUP_REFUSAL_NOT_DELEGATED
                                             : CGSUP_REFUSAL_CGROUP;
                return refuse(reterr, why, (CgsupLimit) i, limits->value[i], path, r);
        }
        return 0;
}

/* ---- the leaf ----------------------------------------------------------------------------------- */

_public_ int cgsup_leaf_new(int root_fd, const char *path, CgsupLeaf **ret) {
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        int r;

        if (root_fd < 0 || !path || !ret)
                return -EINVAL;
        leaf = calloc(1, sizeof(*leaf));
        if (!leaf)
                return -ENOMEM;
        leaf->root_fd = root_fd;
        r = cg_path_normalize(path, &leaf->path);
        if (r < 0)
                return r;
        if (isempty(leaf->path))
                return -EINVAL;
        leaf->parent = path_parent(leaf->path);
        if (!leaf->parent)
                return -ENOMEM;
        *ret = TAKE_PTR(leaf);
        return 0;
}

_public_ CgsupLeaf *cgsup_leaf_free(CgsupLeaf *leaf) {
        if (!leaf)
                return NULL;
        free(leaf->path);
        free(leaf->parent);
        free(leaf);
        return NULL;
}

_public_ const char *cgsup_leaf_path(const CgsupLeaf *leaf) {
        return leaf ? leaf->path : NULL;
}

_public_ const char *cgsup_leaf_parent(const CgsupLeaf *leaf) {
        return leaf ? leaf->parent : NULL;
}

_public_ int cgsup_leaf_check(CgsupLeaf *leaf, const CgsupLimits *limits, CgsupRefusal *reterr) {
        if (!leaf)
                return -EINVAL;
        return check_in(leaf->root_fd, leaf->parent, limits, reterr);
}

/* A leaf that exists already: reused when empty; with CGSUP_LEAF_EXCLUSIVE never joined when in use. */
static int leaf_reuse_ok(CgsupLeaf *leaf, unsigned flags, CgsupRefusal *reterr) {
        CgsupCgroupEvents ev = {};
        int r;

        if (!(flags & CGSUP_LEAF_EXCLUSIVE))
                return 0;
        r = cgsup_cgroup_events_read(leaf->root_fd, leaf->path, &ev);
        if (r >= 0 && ev.populated)
                r = -EBUSY;
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, leaf->path, r);
        return 0;
}

_public_ int cgsup_leaf_create(CgsupLeaf *leaf, const CgsupLimits *limits, unsigned flags, CgsupRefusal *reterr) {
        static const CgsupLimits none = {};
        bool created;
        int r;

        if (!leaf)
                return -EINVAL;
        if (!limits)
                limits = &none;

        r = cgsup_cgroup_create(leaf->root_fd, leaf->parent);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, leaf->parent, r);
        r = check_in(leaf->root_fd, leaf->parent, limits, reterr);
        if (r < 0)
                return r;
        r = enable_for(leaf->root_fd, leaf->parent, limits, reterr);
        if (r < 0)
                return r;

        r = cgsup_cgroup_create(leaf->root_fd, leaf->path);
        if (r < 0)
                return refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, leaf->path, r);
        created = r > 0;
        if (!created) {
                r = leaf_reuse_ok(leaf, flags, reterr);
                if (r < 0)
                        return r;
        }
        r = apply_to(leaf->root_fd, leaf->path, limits, reterr);
        if (r < 0) {
                /* Nothing runs in it yet: a leaf whose limits are not in place must not stay around. */
                if (created)
                        (void) cgsup_cgroup_remove(leaf->root_fd, leaf->path);
                return r;
        }
        return created ? 1 : 0;
}

_public_ int cgsup_leaf_set_limits(CgsupLeaf *leaf, const CgsupLimits *limits, CgsupRefusal *reterr) {
        static const CgsupLimit memory[] = { CGSUP_LIMIT_MEMORY_MAX, CGSUP_LIMIT_MEMORY_HIGH };
        int r;

        if (!leaf || !limits)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(memory); i++) {
                uint64_t v = limits->value[memory[i]];
                if (cgsup_limits_is_set(limits, memory[i]) && v != CGSUP_LIMIT_INFINITY && v < LIVE_MEMORY_MIN)
                        return refuse(reterr, CGSUP_REFUSAL_TOO_SMALL, memory[i], v, leaf->path, -EINVAL);
        }
        r = check_in(leaf->root_fd, leaf->parent, limits, reterr);
        if (r < 0)
                return r;
        /* Not created (yet): the values only have to be enforceable when it is. */
        r = cg_file_exists(leaf->root_fd, leaf->path, NULL);
        if (r <= 0)
                return r < 0 ? refuse(reterr, CGSUP_REFUSAL_CGROUP, _CGSUP_LIMIT_INVALID, 0, leaf->path,
                                      cg_errno_filter(r))
                             : 0;
        r = enable_for(leaf->root_fd, leaf->parent, limits, reterr);
        if (r < 0)
                return r;
        return apply_to(leaf->root_fd, leaf->path, limits, reterr);
}

_public_ int cgsup_leaf_open(CgsupLeaf *leaf, int *ret_fd) {
        if (!leaf)
                return -EINVAL;
        return cgsup_cgroup_open(leaf->root_fd, leaf->path, ret_fd);
}

_public_ int cgsup_leaf_freeze(CgsupLeaf *leaf, bool freeze) {
        if (!leaf)
                return -EINVAL;
        return cgsup_cgroup_freeze(leaf->root_fd, leaf->path, freeze);
}

_public_ int cgsup_leaf_kill(CgsupLeaf *leaf) {
        if (!leaf)
                return -EINVAL;
        return cgsup_cgroup_kill(leaf->root_fd, leaf->path);
}

_public_ int cgsup_leaf_wait_empty(CgsupLeaf *leaf, uint64_t timeout_usec) {
        if (!leaf)
                return -EINVAL;
        return cgsup_cgroup_wait_empty(leaf->root_fd, leaf->path, timeout_usec);
}

_public_ int cgsup_leaf_destroy(CgsupLeaf *leaf) {
        if (!leaf)
                return -EINVAL;
        return cgsup_cgroup_remove(leaf->root_fd, leaf->path);
}

/* ---- claiming a subtree ------------------------------------------------------------------------- */

/* Best effort: every existing ancestor of @path from the root down enables what it has of @mask. */
static void enable_along_path(int root_fd, const char *path, unsigned mask) {
        _cleanup_free_ char *prefix = strdup("");
        const char *p = path;

        for (;;) {
                const char *slash = strchr(p, '/');
                unsigned avail = 0;

                if (!prefix)
                        return;
                if (cgsup_cgroup_controllers(root_fd, prefix, &avail) >= 0)
                        for (unsigned bit = 1; bit && bit <= (mask & avail); bit <<= 1)
                                if (mask & avail & bit)
                                        /* A refusal here is named later by the leaf's check. */
                                        (void) cgsup_cgroup_enable_controllers(root_fd, prefix, bit);
                if (!slash)
                        return;
                free(prefix);
                prefix = strndup(path, (size_t) (slash - path));
                p = slash + 1;
        }
}

_public_ int cgsup_subtree_claim(int root_fd, const char *path, const char *self_leaf, unsigned controllers,
                                 unsigned flags, unsigned *ret_enabled, bool *ret_created) {
        _cleanup_free_ char *p = NULL;
        unsigned avail = 0, enabled = 0;
        bool created;
        int r;

        r = cg_path_normalize(path, &p);
        if (r < 0)
                return r;
        r = cgsup_cgroup_create(root_fd, p);
        if (r < 0)
                return r;
        created = r > 0;
        if (self_leaf) {
                r = cgsup_cgroup_move_self_to_leaf(root_fd, p, self_leaf);
                if (r < 0)
                        return r;
        }
        if (controllers != 0) {
                if ((flags & CGSUP_CLAIM_ALONG_PATH) && !isempty(p))
                        enable_along_path(root_fd, p, controllers);
                r = cgsup_cgroup_controllers(root_fd, p, &avail);
                if (r < 0)
                        return r;
                /* One at a time: a controller the kernel refuses (e.g. a realtime task blocks cpu) must
                 * not keep the others off. */
                for (unsigned bit = 1; bit && bit <= (controllers & avail); bit <<= 1)
                        if (controllers & avail & bit)
                                (void) cgsup_cgroup_enable_controllers(root_fd, p, bit);
        }
        if (ret_enabled) {
                r = cgsup_cgroup_subtree_controllers(root_fd, p, &enabled);
                if (r < 0)
                        return r;
                *ret_enabled = enabled;
        }
        if (ret_created)
                *ret_created = created;
        return 0;
}

_public_ int cgsup_subtree_unclaim(int root_fd, const char *path, const char *self_leaf, unsigned enabled_before) {
        _cleanup_free_ char *self = NULL;
        unsigned now = 0;
        int r, ret = 0;

        if (isempty(self_leaf) || strchr(self_leaf, '/'))
                return -EINVAL;
        r = cg_path_join(path, self_leaf, &self);
        if (r < 0)
                return r;
        r = cgsup_cgroup_subtree_controllers(root_fd, path, &now);
        if (r < 0)
                ret = r;
        for (unsigned bit = 1; bit && bit <= now; bit <<= 1)
                if ((now & ~enabled_before & bit) && cgsup_controller_to_string(bit)) {
                        r = subtree_control_write(root_fd, path, '-', bit);
                        if (r < 0 && ret == 0)
                                ret = r;
                }
        r = cgsup_cgroup_attach_pid(root_fd, path, getpid());
        if (r < 0)
                return ret < 0 ? ret : r;
        if (unlinkat(root_fd, self, AT_REMOVEDIR) < 0 && errno != ENOENT && ret == 0)
                ret = cg_errno_filter(-errno);
        return ret;
}
