/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libcgsup — cgroup v2 containment core.
 *
 * Conventions (all functions):
 *  - Return an int: >= 0 on success, a negative errno on failure. Only the errnos documented here are
 *    returned (libseccomp style); anything else the kernel says is mapped to -EIO.
 *      -EINVAL      bad argument (parse error, path escaping the root, ...)
 *      -ERANGE      value outside what the kernel accepts
 *      -ENOENT      cgroup (or the cgroup2 mount) does not exist
 *      -EOPNOTSUPP  controller not available / not enabled for this cgroup (limit cannot be enforced)
 *      -EACCES      not delegated to us (no write access to the needed files)
 *      -EPERM       operation not permitted (e.g. moving a foreign process)
 *      -EBUSY       cgroup still populated, or no-internal-process rule
 *      -ENOSYS      kernel too old for the feature (clone3 into cgroup, cgroup.kill, ...)
 *      -ENOMEM      out of memory
 *      -EIO         unexpected kernel answer (e.g. a limit read back differs from what was written)
 *  - Cgroups are named by a dirfd of the cgroup2 mount root ("root_fd") plus a path relative to it
 *    ("a/b", leading '/' tolerated, ".." rejected). Tests can point root_fd at a plain temp dir.
 *  - ret_* parameters are written only on success.
 *  - The library never logs and has no global state.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- discovery ---------------------------------------------------------------------------------- */

/**
 * cgsup_cgroup2_mount_path() - find where cgroup2 is mounted, from /proc/self/mountinfo.
 * @ret_path: malloc'ed absolute path ("/sys/fs/cgroup" or "/sys/fs/cgroup/unified" on hybrid hosts).
 *
 * Return: 0, -ENOENT if no cgroup2 mount is visible, -ENOMEM.
 */
int cgsup_cgroup2_mount_path(char **ret_path);

/**
 * cgsup_cgroup2_open_root() - open the cgroup2 mount root as an O_PATH|O_DIRECTORY|O_CLOEXEC fd.
 * @ret_fd: the fd; @ret_path (optional): malloc'ed mount path.
 */
int cgsup_cgroup2_open_root(int *ret_fd, char **ret_path);

/**
 * cgsup_cgroup_path_below_mount() - a cgroup path as a user may give it (--cgroup), relative to the cgroup2
 * mount @mount, without leading slashes: "/a/b", "a/b" and "@mount/a/b" (the directory under the mount)
 * all give "a/b"; @mount itself gives "". Points into @path (trailing slashes stay); NULL for a NULL @path.
 * A NULL @mount (not known) only takes the leading slashes off.
 */
const char *cgsup_cgroup_path_below_mount(const char *mount, const char *path);

/**
 * cgsup_cgroup_of_pid() - cgroup2 path of a process ("0::" line of /proc/PID/cgroup), relative to the
 * mount, without leading slash ("" for the root). @pid 0 means the caller.
 */
int cgsup_cgroup_of_pid(pid_t pid, char **ret_path);

enum {
        CGSUP_CONTROLLER_CPU = 1 << 0,
        CGSUP_CONTROLLER_IO = 1 << 1,
        CGSUP_CONTROLLER_MEMORY = 1 << 2,
        CGSUP_CONTROLLER_PIDS = 1 << 3,
        CGSUP_CONTROLLER_CPUSET = 1 << 4,
};

/** cgsup_controller_to_string() - "cpu", "io", "memory", "pids", "cpuset" for a single bit, else NULL. */
const char *cgsup_controller_to_string(unsigned controller);
/** cgsup_controllers_parse() - parse a space-separated controller list (cgroup.controllers format). */
int cgsup_controllers_parse(const char *text, unsigned *ret_mask);

/**
 * cgsup_cgroup_controllers() - controllers available in @path (its cgroup.controllers), i.e. the ones
 * the parent enabled for it. For children of @path to use one, it must also be enabled with
 * cgsup_cgroup_enable_controllers().
 */
int cgsup_cgroup_controllers(int root_fd, const char *path, unsigned *ret_mask);
/** cgsup_cgroup_subtree_controllers() - controllers enabled for children (cgroup.subtree_control). */
int cgsup_cgroup_subtree_controllers(int root_fd, const char *path, unsigned *ret_mask);

/**
 * cgsup_cgroup_enable_controllers() - write "+ctrl" for each bit of @mask to @path's
 * cgroup.subtree_control. Controllers not in cgroup.controllers give -EOPNOTSUPP; a populated @path
 * (no-internal-process rule) gives -EBUSY. Already-enabled controllers are not rewritten.
 */
int cgsup_cgroup_enable_controllers(int root_fd, const char *path, unsigned mask);

/**
 * cgsup_cgroup_is_delegated() - whether we may manage @path: cgroup.procs, cgroup.subtree_control and
 * the directory itself writable by us. Return: 1 yes, 0 no, <0 error (-ENOENT).
 */
int cgsup_cgroup_is_delegated(int root_fd, const char *path);

/**
 * cgsup_cgroup_move_self_to_leaf() - move the calling process (all its threads: we are single-threaded)
 * into @path/@leaf (created if needed) so that @path may enable controllers for its children
 * (cgroup v2 no-internal-process rule). Example: daemon in "cgsup" moves itself into "cgsup/supervisor".
 */
int cgsup_cgroup_move_self_to_leaf(int root_fd, const char *path, const char *leaf);

/* ---- subtrees ----------------------------------------------------------------------------------- */

/** cgsup_cgroup_create() - mkdir -p @path. Return: 1 created, 0 existed. */
int cgsup_cgroup_create(int root_fd, const char *path);
/**
 * cgsup_cgroup_remove() - rmdir @path and its (empty) child cgroups, deepest first. A populated cgroup
 * gives -EBUSY. A missing one returns 0.
 */
int cgsup_cgroup_remove(int root_fd, const char *path);
/**
 * cgsup_cgroup_rmdir() - rmdir @path alone, one system call: -EBUSY while it has processes or child
 * cgroups (cgsup_cgroup_remove() then removes empty children first). A missing one returns 0.
 */
int cgsup_cgroup_rmdir(int root_fd, const char *path);
/** cgsup_cgroup_open() - O_DIRECTORY|O_CLOEXEC fd of @path, e.g. for clone3's cgroup field. */
int cgsup_cgroup_open(int root_fd, const char *path, int *ret_fd);
/** cgsup_cgroup_attach_pid() - write @pid to @path/cgroup.procs. */
int cgsup_cgroup_attach_pid(int root_fd, const char *path, pid_t pid);
/**
 * cgsup_cgroup_attach_pidfd() - move the process behind @pidfd into @path (adoption). The pid is taken
 * from the pidfd and re-checked after the move, so a recycled pid is detected (-ESRCH).
 */
int cgsup_cgroup_attach_pidfd(int root_fd, const char *path, int pidfd);
/** cgsup_cgroup_pids() - all pids in @path and below (recursive), malloc'ed array. */
int cgsup_cgroup_pids(int root_fd, const char *path, pid_t **ret_pids, size_t *ret_n);

/* ---- limits ------------------------------------------------------------------------------------- */

typedef enum CgsupLimit {
        CGSUP_LIMIT_MEMORY_MAX,      /* memory.max, bytes */
        CGSUP_LIMIT_MEMORY_HIGH,     /* memory.high, bytes */
        CGSUP_LIMIT_MEMORY_SWAP_MAX, /* memory.swap.max, bytes */
        CGSUP_LIMIT_PIDS_MAX,        /* pids.max, count */
        CGSUP_LIMIT_CPU_QUOTA,       /* cpu.max, basis points of one CPU (150% = 15000) */
        CGSUP_LIMIT_CPU_WEIGHT,      /* cpu.weight, 1..10000 */
        CGSUP_LIMIT_IO_WEIGHT,       /* io.weight, 1..10000 */
        _CGSUP_LIMIT_COUNT,
        _CGSUP_LIMIT_INVALID = -22,
} CgsupLimit;

/* Value meaning "no limit" ("max" / "infinity" in config). */
#define CGSUP_LIMIT_INFINITY UINT64_MAX

typedef struct CgsupLimits {
        uint64_t value[_CGSUP_LIMIT_COUNT];
        unsigned set; /* bit (1 << CgsupLimit) set when value[] is meaningful */
} CgsupLimits;

/** cgsup_limit_to_string() - config key: "memory_max", "cpu_quota", ...; NULL if out of range. */
const char *cgsup_limit_to_string(CgsupLimit limit);
/** cgsup_limit_from_string() - inverse of the above; also accepts "-" for "_" ("memory-max"). */
CgsupLimit cgsup_limit_from_string(const char *key);
/** cgsup_limit_from_property() - the D-Bus property name ("MemoryMax", "TasksMax", ...) or a config key. */
CgsupLimit cgsup_limit_from_property(const char *key);
/** cgsup_limit_controller() - the CGSUP_CONTROLLER_* bit a limit needs. */
unsigned cgsup_limit_controller(CgsupLimit limit);
/** cgsup_limit_file() - the cgroup file a limit is written to ("memory.max", "cpu.max", ...). */
const char *cgsup_limit_file(CgsupLimit limit);

/**
 * cgsup_limit_parse() - parse a config value for @limit. Sizes: "512M", "1.5G", "1073741824", "max",
 * "infinity". cpu_quota: "150%" (basis points), "max". Weights: 1..10000. pids_max: count or "max".
 * Return: 0, -EINVAL (junk, message via cgsup_limit_parse_error()), -ERANGE.
 */
int cgsup_limit_parse(CgsupLimit limit, const char *value, uint64_t *ret);
/**
 * cgsup_limit_check_value() - is @value (in our units, as cgsup_limit_parse() returns them) acceptable for
 * @limit? The one place for the value rules: pids_max 1..4194304 or max, cpu_quota 1%..1000000% or max,
 * weights 1..10000; any size for the memory limits. cgsup_limit_parse() applies it; callers that get
 * numbers from elsewhere (D-Bus) call it themselves and word a failure with cgsup_limit_parse_error().
 * Return: 0, -ERANGE, -EINVAL (unknown limit).
 */
int cgsup_limit_check_value(CgsupLimit limit, uint64_t value);
/**
 * cgsup_limit_parse_error() - what @limit accepts, for the message after cgsup_limit_parse() failed with
 * @error (-EINVAL or -ERANGE), e.g. "expected a size like 512M, 1.5G, 1073741824 or max". Static string.
 */
const char *cgsup_limit_parse_error(CgsupLimit limit, int error);
/** cgsup_limit_format() - human/config form of a value ("512M", "150%", "max") into @buf. */
const char *cgsup_limit_format(CgsupLimit limit, uint64_t value, char *buf, size_t size);
/** cgsup_limits_set() - set one limit in @limits (marks it set). */
void cgsup_limits_set(CgsupLimits *limits, CgsupLimit limit, uint64_t value);
/** cgsup_limits_is_set() - whether @limit is set in @limits. */
bool cgsup_limits_is_set(const CgsupLimits *limits, CgsupLimit limit);
/** cgsup_limits_controllers() - the union of controllers needed by the set limits. */
unsigned cgsup_limits_controllers(const CgsupLimits *limits);

/*
 * The functions below are the single steps that CgsupLeaf (<cgsup/leaf.h>) puts together; they live in
 * its file. Use the leaf: it checks, enables, creates, applies and reads back in the right order and says
 * which limit failed and why.
 */

/**
 * cgsup_limits_check() - can every set limit be enforced on a child of @parent? The judgement of
 * cgsup_leaf_check() (controller offered, enable-able by us, file present; a missing @parent is judged at
 * its nearest existing ancestor), reduced to the limit that failed in @reterr_limit.
 * Return: 0 all enforceable, -EOPNOTSUPP, -EACCES, -EBUSY, -ENOENT, -ENOMEM, -EIO.
 */
int cgsup_limits_check(int root_fd, const char *parent, const CgsupLimits *limits, CgsupLimit *reterr_limit);

/**
 * cgsup_limit_apply() - write @value for @limit into @path's controller file and read it back.
 * Return: 0, -EOPNOTSUPP (controller not enabled for @path: file missing), -EACCES, -ERANGE (kernel
 * rejected the value), -EIO (read-back differs).
 */
int cgsup_limit_apply(int root_fd, const char *path, CgsupLimit limit, uint64_t value);
/** cgsup_limits_apply() - all set limits; stops at the first failure, naming it in @reterr_limit. */
int cgsup_limits_apply(int root_fd, const char *path, const CgsupLimits *limits, CgsupLimit *reterr_limit);
/** cgsup_limit_read() - current value of @limit in @path (CGSUP_LIMIT_INFINITY for "max"). */
int cgsup_limit_read(int root_fd, const char *path, CgsupLimit limit, uint64_t *ret);

/* ---- kill, freeze, events ----------------------------------------------------------------------- */

/**
 * cgsup_cgroup_kill() - SIGKILL every process in @path and below, in one operation: cgroup.kill
 * (Linux 5.14+); on older kernels freeze, SIGKILL each pid, thaw (-ENOSYS only if neither exists).
 * Returns once the signal is sent; wait for emptiness with the events fd below.
 */
int cgsup_cgroup_kill(int root_fd, const char *path);
/** cgsup_cgroup_signal() - send @sig to every process in @path and below (freeze, signal each, thaw). */
int cgsup_cgroup_signal(int root_fd, const char *path, int sig);
/** cgsup_cgroup_freeze() - write cgroup.freeze (1 / 0). Frozen state is reported by the events file. */
int cgsup_cgroup_freeze(int root_fd, const char *path, bool freeze);
/** cgsup_kernel_has_cgroup_kill() - 1 if @path has cgroup.kill, 0 if not. */
int cgsup_kernel_has_cgroup_kill(int root_fd, const char *path);

typedef struct CgsupCgroupEvents {
        bool populated;
        bool frozen;
} CgsupCgroupEvents;

/** cgsup_cgroup_events_parse() - parse cgroup.events text ("populated 1\nfrozen 0\n"). */
int cgsup_cgroup_events_parse(const char *text, CgsupCgroupEvents *ret);
/** cgsup_cgroup_events_read() - read and parse @path/cgroup.events. */
int cgsup_cgroup_events_read(int root_fd, const char *path, CgsupCgroupEvents *ret);
/**
 * cgsup_cgroup_events_watch() - inotify fd (IN_NONBLOCK|IN_CLOEXEC) that becomes readable whenever
 * @path/cgroup.events changes (populated/frozen flips). The caller polls it in its event loop, drains it
 * with cgsup_inotify_drain(), then calls cgsup_cgroup_events_read(). No polling loop, no sleeps.
 */
int cgsup_cgroup_events_watch(int root_fd, const char *path, int *ret_fd);
/**
 * cgsup_cgroup_events_add_watch() - the same watch on the caller's inotify fd @inotify_fd, returning the
 * watch descriptor in @ret_wd. One inotify instance can then watch many cgroups: the kernel limits
 * inotify instances per user (fs.inotify.max_user_instances, 128 by default) far below the number of
 * cgroups a supervisor may watch, while watches are plentiful. Remove the watch with inotify_rm_watch();
 * the kernel drops it by itself (IN_IGNORED) when the cgroup is removed.
 */
int cgsup_cgroup_events_add_watch(int inotify_fd, int root_fd, const char *path, int *ret_wd);
/** cgsup_inotify_drain() - read and discard all pending events of an inotify fd. */
int cgsup_inotify_drain(int fd);
/**
 * cgsup_cgroup_wait_empty() - block until @path is not populated or @timeout_usec passes (poll() on the
 * events watch). For tools without an event loop. Return: 0 empty, -ETIME timeout.
 */
int cgsup_cgroup_wait_empty(int root_fd, const char *path, uint64_t timeout_usec);

/* ---- stats -------------------------------------------------------------------------------------- */

typedef struct CgsupPressure {
        double avg10, avg60, avg300;
        uint64_t total_usec;
} CgsupPressure;

enum {
        CGSUP_STATS_MEMORY = 1 << 0,       /* memory_current, memory_swap_current */
        CGSUP_STATS_MEMORY_PEAK = 1 << 1,  /* memory.peak (5.19+) */
        CGSUP_STATS_MEMORY_EVENTS = 1 << 2,
        CGSUP_STATS_PIDS = 1 << 3,
        CGSUP_STATS_PIDS_PEAK = 1 << 4,
        CGSUP_STATS_PIDS_EVENTS = 1 << 5,
        CGSUP_STATS_CPU = 1 << 6,          /* cpu.stat usage (always present on cgroup2) */
        CGSUP_STATS_CPU_THROTTLE = 1 << 7, /* cpu.stat nr_throttled/throttled_usec (cpu controller) */
        CGSUP_STATS_IO = 1 << 8,
        CGSUP_STATS_PRESSURE = 1 << 9,
        CGSUP_STATS_SWAP = 1 << 10,        /* memory.swap.current (swap accounting on) */
};

typedef struct CgsupStats {
        unsigned valid; /* CGSUP_STATS_* bits for the fields that could be read */
        uint64_t memory_current, memory_peak, memory_swap_current;
        uint64_t memory_events_low, memory_events_high, memory_events_max, memory_events_oom,
                memory_events_oom_kill, memory_events_oom_group_kill;
        uint64_t pids_current, pids_peak, pids_events_max;
        uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
        uint64_t cpu_nr_periods, cpu_nr_throttled, cpu_throttled_usec;
        uint64_t io_rbytes, io_wbytes, io_rios, io_wios;
        CgsupPressure cpu_some, memory_some, memory_full, io_some, io_full;
} CgsupStats;

/** cgsup_stats_read() - read everything available for @path; missing files just leave bits unset. */
int cgsup_stats_read(int root_fd, const char *path, CgsupStats *ret);
/** cgsup_flat_keyed_get() - value of @key in a "key value\n" file text (cpu.stat, memory.events). */
int cgsup_flat_keyed_get(const char *text, const char *key, uint64_t *ret);
/** cgsup_io_stat_parse() - sum rbytes/wbytes/rios/wios over all devices of an io.stat text. */
int cgsup_io_stat_parse(const char *text, uint64_t *ret_rbytes, uint64_t *ret_wbytes, uint64_t *ret_rios,
                        uint64_t *ret_wios);
/** cgsup_pressure_parse() - parse a PSI file; @ret_full may be NULL (cpu.pressure "full" is optional). */
int cgsup_pressure_parse(const char *text, CgsupPressure *ret_some, CgsupPressure *ret_full);

/* ---- kernel features ---------------------------------------------------------------------------- */

typedef struct CgsupKernelFeatures {
        char release[65];          /* uname -r */
        bool clone3_into_cgroup;   /* 5.7+ */
        bool cgroup_kill;          /* 5.14+ */
        bool memory_peak;          /* 5.19+ (only visible where memory is enabled) */
        bool pidfd;                /* pidfd_open, 5.3+ */
        bool cgroup_freeze;        /* 5.2+ */
} CgsupKernelFeatures;

/** cgsup_kernel_features() - probe what the running kernel supports (checks @path for files). */
int cgsup_kernel_features(int root_fd, const char *path, CgsupKernelFeatures *ret);

#ifdef __cplusplus
}
#endif
