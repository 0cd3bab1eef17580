/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libcgsup — the cgroup leaf as one object.
 *
 * Every tool that runs something under limits goes through the same sequence: choose the parent, make the
 * needed controllers available there, check that every limit can be enforced, create the leaf, apply the
 * limits and read them back — and, when any step fails, explain which limit cannot be enforced and why.
 * CgsupLeaf owns that sequence (and the leaf's later life: live limit changes, freeze, kill, wait for
 * emptiness, removal); CgsupRefusal is the one value that says why a limit cannot be enforced and
 * cgsup_refusal_format() the one function that words it, so the daemon, `cgsupctl run --standalone` and
 * `cgsupctl doctor` say the same thing for the same host. The design follows crun's cgroup manager
 * (src/libcrun/cgroup-internal.h): one object per cgroup we own instead of a sequence in every caller.
 *
 * The conventions of <cgsup/cgroup.h> hold: negative errnos from its documented set, a cgroup2 root dirfd
 * plus relative paths (so tests can point it at a temp dir), no logging, no global state. This file
 * (src/libcgsup/cg-leaf.c) is the only code of cgsup that writes cgroup.subtree_control or a limit file.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cgsup/cgroup.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- refusals ----------------------------------------------------------------------------------- */

typedef enum CgsupRefusalReason {
        CGSUP_REFUSAL_NONE,
        /* The cgroup2 hierarchy has no such controller at all (not in the root's cgroup.controllers: not built
         * into the kernel, or bound to a cgroup v1 hierarchy on a hybrid host). */
        CGSUP_REFUSAL_NO_CONTROLLER,
        /* @cgroup has the controller but does not enable it for its children (its cgroup.subtree_control),
         * and it is not ours to change (above the subtree we were given). */
        CGSUP_REFUSAL_WITHHELD,
        /* @cgroup would have to enable the controller for its children but we may not write there. */
        CGSUP_REFUSAL_NOT_DELEGATED,
        /* @cgroup holds processes itself, so it cannot enable controllers for its children (cgroup v2
         * no-internal-process rule). */
        CGSUP_REFUSAL_INTERNAL_PROCESS,
        /* The controller is enabled for @cgroup but the kernel has no file for this limit there
         * (memory.swap.max without swap accounting, io.weight without blk-iocost). */
        CGSUP_REFUSAL_NO_FILE,
        /* The kernel rejected the value written to @cgroup's limit file. */
        CGSUP_REFUSAL_VALUE,
        /* The value read back from @cgroup's limit file is not the one written. */
        CGSUP_REFUSAL_READBACK,
        /* A live change would leave a running program too little to run: memory_max and memory_high below 1M. */
        CGSUP_REFUSAL_TOO_SMALL,
        /* @cgroup itself could not be created, opened or used; @error says why. */
        CGSUP_REFUSAL_CGROUP,
        _CGSUP_REFUSAL_REASON_MAX,
} CgsupRefusalReason;

/* Long enough for any cgroup path cgsup creates; longer ones are cut (the value is for messages). */
#define CGSUP_REFUSAL_PATH_MAX 512

typedef struct CgsupRefusal {
        CgsupRefusalReason reason;
        CgsupLimit limit;    /* the limit that failed; _CGSUP_LIMIT_INVALID when the cgroup itself failed */
        unsigned controller; /* CGSUP_CONTROLLER_* bit the limit needs; 0 when none */
        uint64_t value;      /* the value asked for @limit */
        int error;           /* negative errno of the refusal (what the function returned) */
        char cgroup[CGSUP_REFUSAL_PATH_MAX]; /* cgroup the reason is about, relative to the root ("" = root) */
} CgsupRefusal;

/**
 * cgsup_refusal_format() - the one wording of a refusal, e.g. "io_weight cannot be enforced: /sys/fs/cgroup/a
 * holds processes itself, so the io controller cannot be enabled for its children (cgroup v2
 * no-internal-process rule)".
 * @refusal: as filled in by a failed call below.
 * @mount: absolute path of the cgroup2 mount, prefixed to the cgroup path; NULL prints "/path".
 * @ret: malloc'ed text without trailing newline or full stop.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
int cgsup_refusal_format(const CgsupRefusal *refusal, const char *mount, char **ret);

/* ---- the leaf ----------------------------------------------------------------------------------- */

typedef struct CgsupLeaf CgsupLeaf;

/**
 * cgsup_leaf_new() - an object for the cgroup @path (relative to @root_fd). No I/O: the cgroup is created
 * by cgsup_leaf_create(). @root_fd is borrowed and must stay open as long as the object.
 * Return: 0, -EINVAL (path escapes the root, or is the root: a leaf always has a parent), -ENOMEM.
 */
int cgsup_leaf_new(int root_fd, const char *path, CgsupLeaf **ret);
/** cgsup_leaf_free() - frees the object (the cgroup stays; see cgsup_leaf_destroy()). NULL-safe, returns NULL. */
CgsupLeaf *cgsup_leaf_free(CgsupLeaf *leaf);
/* For __attribute__((cleanup)): frees *@leafp. */
static inline void cgsup_leaf_freep(CgsupLeaf **leafp) {
        if (*leafp)
                cgsup_leaf_free(*leafp);
}
/** cgsup_leaf_path() - the leaf's normalised path relative to the root ("a/b"). */
const char *cgsup_leaf_path(const CgsupLeaf *leaf);
/** cgsup_leaf_parent() - the normalised path of its parent ("" for a child of the root). */
const char *cgsup_leaf_parent(const CgsupLeaf *leaf);

/**
 * cgsup_leaf_check() - could @limits be enforced on this leaf? Changes nothing. For each set limit, in
 * CgsupLimit order: its controller must be in the parent's cgroup.controllers (else the refusal names the
 * ancestor that withholds it, or says the hierarchy lacks it), the parent must be able to enable it for
 * its children (delegated to us, no processes of its own unless it is the root), and the limit's file must
 * exist where the controller is already on. The parent need not exist yet: then its nearest existing
 * ancestor is judged, as that is where the controller would have to come from.
 * @reterr (optional): filled in on failure.
 * Return: 0 enforceable, -EOPNOTSUPP, -EACCES, -EBUSY, -ENOENT, -ENOMEM, -EIO.
 */
int cgsup_leaf_check(CgsupLeaf *leaf, const CgsupLimits *limits, CgsupRefusal *reterr);

enum {
        /* Refuse a leaf that exists already and has processes (cgsupctl run: never join someone else's). */
        CGSUP_LEAF_EXCLUSIVE = 1 << 0,
};

/**
 * cgsup_leaf_create() - check, enable, create, apply, read back: creates the parent if needed, checks
 * @limits (as cgsup_leaf_check()), enables their controllers in the parent's cgroup.subtree_control,
 * creates the leaf and writes every limit, reading each one back. Nothing runs in the leaf yet, so a
 * process started in it afterwards (clone3 CLONE_INTO_CGROUP) never runs unbounded. On failure after the
 * leaf was created by this call it is removed again. @limits may be NULL (no limits).
 * @flags: CGSUP_LEAF_*.
 * Return: 1 created, 0 it existed (and is reused), -EOPNOTSUPP/-EACCES/-EBUSY (a limit cannot be enforced,
 * or EXCLUSIVE and in use), -ERANGE (value rejected), -EIO (read-back differs), -ENOENT, -EINVAL, -ENOMEM.
 */
int cgsup_leaf_create(CgsupLeaf *leaf, const CgsupLimits *limits, unsigned flags, CgsupRefusal *reterr);

/**
 * cgsup_leaf_set_limits() - change limits live: the set limits of @limits are checked, their controllers
 * enabled in the parent and the values written to the leaf and read back; limits not set in @limits are
 * left alone. A leaf that does not exist (a program that is not running) is only checked. memory_max and
 * memory_high below 1M are refused (CGSUP_REFUSAL_TOO_SMALL, -EINVAL): they would leave a running program
 * nothing to run with.
 * Return: 0, -EINVAL, or the errors of cgsup_leaf_create(); stops at the first limit that fails.
 */
int cgsup_leaf_set_limits(CgsupLeaf *leaf, const CgsupLimits *limits, CgsupRefusal *reterr);

/** cgsup_leaf_open() - O_DIRECTORY|O_CLOEXEC fd of the leaf, for clone3's cgroup field. */
int cgsup_leaf_open(CgsupLeaf *leaf, int *ret_fd);
/** cgsup_leaf_freeze() - freeze (true) or thaw (false) everything in the leaf (cgroup.freeze). */
int cgsup_leaf_freeze(CgsupLeaf *leaf, bool freeze);
/** cgsup_leaf_kill() - SIGKILL everything in the leaf and below at once (see cgsup_cgroup_kill()). */
int cgsup_leaf_kill(CgsupLeaf *leaf);
/** cgsup_leaf_wait_empty() - block until the leaf holds no process, at most @timeout_usec. 0, -ETIME. */
int cgsup_leaf_wait_empty(CgsupLeaf *leaf, uint64_t timeout_usec);
/** cgsup_leaf_destroy() - remove the (empty) leaf and its child cgroups. -EBUSY while populated; 0 if gone. */
int cgsup_leaf_destroy(CgsupLeaf *leaf);

/* ---- claiming a subtree ------------------------------------------------------------------------- */

enum {
        /* Also enable the controllers in every existing ancestor from the root down (best effort: an
         * ancestor that refuses is left alone, and a later check names it). For subtrees picked by path,
         * never for the cgroup we were started in and what is above it (not ours to change). */
        CGSUP_CLAIM_ALONG_PATH = 1 << 0,
};

/**
 * cgsup_subtree_claim() - make @path a subtree we can create leaves with limits in: create it (mkdir -p),
 * move the calling process into "@path/@self_leaf" when @self_leaf is not NULL (no-internal-process rule:
 * a cgroup holding us cannot enable controllers; the caller must be single-threaded), then enable in
 * @path's cgroup.subtree_control every controller of @controllers that @path offers. Controllers that
 * cannot be enabled are not an error here: a leaf's check names the limit that needs them.
 * @ret_enabled (optional): @path's cgroup.subtree_control afterwards.
 * @ret_created (optional): whether @path was created by this call.
 * Return: 0, -EINVAL, -ENOENT, -EACCES, -EPERM, -EBUSY, -ENOMEM, -EIO.
 */
int cgsup_subtree_claim(int root_fd, const char *path, const char *self_leaf, unsigned controllers,
                        unsigned flags, unsigned *ret_enabled, bool *ret_created);

/**
 * cgsup_subtree_unclaim() - undo cgsup_subtree_claim() with a @self_leaf: switch off in @path the
 * controllers not in @enabled_before, move the caller back into @path and remove "@path/@self_leaf".
 * For a claim that turned out useless (e.g. a login scope where another process still sits in @path), so
 * that @path is left as it was found. Best effort; returns the first error.
 */
int cgsup_subtree_unclaim(int root_fd, const char *path, const char *self_leaf, unsigned enabled_before);

#ifdef __cplusplus
}
#endif
