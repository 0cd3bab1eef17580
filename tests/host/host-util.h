/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Helpers for host tests that need the real cgroup2 hierarchy.
 *
 * Model: tests_main() calls the intro once in the parent, then forks one child per TEST(). So:
 *  - host_cgroup_intro() does all discovery in the parent and keeps the results in globals that every
 *    forked test inherits (root fd, mount path, own cgroup, test cgroup);
 *  - the test cgroup "<own>/cgsup-test-<pid>" (pid of the parent) is created once by the intro; each test
 *    makes its own leaves below it with host_make_leaf() (names must differ between tests, or the test
 *    removes its leaf itself);
 *  - the cleanup (cgroup.kill + rmdir of the whole test tree) is registered with atexit() by the intro
 *    and only does anything in the process that registered it, because the forked tests leave through
 *    exit() too;
 *  - the intro also removes "cgsup-test-<pid>" trees left by aborted runs whose pid is gone;
 *  - $CGSUP_TEST_CGROUP_PARENT (relative to the mount) replaces "<own>" as the parent of the test tree: in
 *    a delegated service a wrapper moves itself into a leaf, enables controllers on the service cgroup and
 *    points the tests there (the no-internal-process rule forbids that on a cgroup holding processes).
 * The helpers write cgroupfs directly instead of calling libcgsup, so a libcgsup bug cannot hide itself
 * from the tests that check libcgsup.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"

/*
 * STYLE §2.8 checks, in order: euid 0; a cgroup2 mount in /proc/self/mountinfo; the test cgroup can be
 * created under our own cgroup. Returns NULL when the tests can run, or a (static) skip reason. Errors
 * other than EACCES/EPERM/EROFS/ENOENT are not a skip: the intro prints "Bail out!" and exits 1.
 */
const char *host_cgroup_intro(void);

/* O_PATH|O_DIRECTORY fd of the cgroup2 mount root (valid after the intro), for libcgsup's root_fd. */
int host_cgroup_root_fd(void);
/* Absolute path of the cgroup2 mount ("/sys/fs/cgroup/unified" on this host). */
const char *host_cgroup_mount(void);
/* Our own cgroup, relative to the mount ("" for the root). */
const char *host_own_cgroup(void);
/* The test tree of this binary, relative to the mount: "<own>/cgsup-test-<pid>" (no leading '/'), or
 * "$CGSUP_TEST_CGROUP_PARENT/cgsup-test-<pid>". */
const char *host_test_cgroup(void);

/* Creates host_test_cgroup()/@name (parents too; "a/b" allowed) and returns its relative path. An
 * existing cgroup is fine. Returns 0 or -errno. */
int host_make_leaf(const char *name, char **ret_path);
/* Absolute filesystem path of a cgroup given relative to the mount (malloc'ed, NULL on OOM). */
char *host_cgroup_abs(const char *rel);

/* Writes / reads a cgroup attribute (rel path relative to the mount). Return 0 or -errno. */
int host_cgroup_write(const char *rel, const char *file, const char *value);
int host_cgroup_read(const char *rel, const char *file, char **ret);
/* Value of "key N" in rel/cgroup.events (populated, frozen); -errno on failure. */
int host_cgroup_event(const char *rel, const char *key);
/* Number of pids listed in rel/cgroup.procs (not recursive), or -errno. */
int host_cgroup_nprocs(const char *rel);
/* Waits (inotify on cgroup.events, bounded) until rel's "key" reads @value. 0, -ETIME, -errno. */
int host_cgroup_wait_event(const char *rel, const char *key, int value, usec_t timeout);

/* Kills everything in rel and below (cgroup.kill, or SIGKILL per pid), waits for it to empty and removes
 * the directories deepest first. Used by the atexit cleanup; tests may call it for their own leaves. */
int host_cgroup_destroy(const char *rel);
/* The atexit handler: destroys host_test_cgroup() when called in the process that ran the intro. */
void host_cgroup_cleanup(void);

/* True while @pid exists and is neither a zombie nor dead (reads /proc/PID/stat). */
bool host_pid_alive(pid_t pid);
/* Waits until @pid has exited (a zombie counts as gone), via pidfd poll; reaps it if it is our child.
 * 0, -ETIME on timeout. A pid that does not exist any more is gone: 0. */
int host_wait_gone(pid_t pid, usec_t timeout);
/* True if @ctrl ("memory", "pids", "cpu", ...) is listed in the test cgroup's cgroup.controllers, i.e. the
 * test cgroup's children can use it once it is enabled in the test cgroup's subtree_control (see
 * host_enable_controller()). */
bool host_has_controller(const char *ctrl);
/* Makes @ctrl usable by leaves under the test cgroup: enables it in the test tree's parent's subtree_control
 * (if needed and possible) and in the test cgroup's. 0, or -errno (-ENOENT: controller not available). */
int host_enable_controller(const char *ctrl);

/* Number of /proc/PID entries whose environment contains @marker (e.g. "CGSUP_TEST_MARKER=123"), skipping
 * zombies. Lets a test prove that no process of a tree survived anywhere, not just in the cgroup. */
int host_count_procs_with_env(const char *marker);

/*
 * Tests that run a helper as another user (uid 65534) cannot exec it from the build tree when the clone
 * sits in a directory only root can enter (mode 0700: /root, a `mktemp -d`; CI does that). The intro
 * copies the binaries named by $CGSUP_HOG and $CGSUPCTL into a world-readable staging directory
 * "/tmp/cgsup-stage-<pid>" (0755) and points the variables there; the atexit cleanup removes it. Returns 0
 * or -errno; a variable that is unset is left alone.
 */
int host_stage_binaries(void);

/* CLOCK_MONOTONIC in microseconds. */
usec_t host_now(void);
