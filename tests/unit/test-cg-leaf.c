/* SPDX-License-Identifier: MIT */
/*
 * The cgroup leaf object (<cgsup/leaf.h>) against a fake cgroup tree: a temp dir whose "cgroups" are
 * directories holding plain files written by the test (cgroup.controllers, cgroup.subtree_control,
 * cgroup.procs, limit files). What is checked: which refusal each tree gives and its one wording, that the
 * refusal names the limit that failed (not the first one set), that create enables, applies and reads
 * back, removes a leaf it could not finish, that a claim enables what its subtree offers, and that freeze,
 * kill, wait-empty and destroy act on the leaf itself.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "fake-cgroup.h"
#include "fd-util.h"
#include "src/libcgsup/cg-internal.h"
#include "tests.h"

#define M (1ULL << 20)

static void fake_file(Fake *f, const char *cg, const char *file, const char *text) {
        char p[256];

        snprintf(p, sizeof(p), "%s%s%s", cg, *cg ? "/" : "", file);
        fake_file_at(f, p, text);
}

/* A cgroup as the kernel shows it: its controllers, what it enables for its children, its own processes,
 * and the interface files of its controllers (space-separated). */
static void fake_cgroup(Fake *f, const char *cg, const char *controllers, const char *subtree, const char *procs,
                        const char *files) {
        char buf[256], *save = NULL;

        if (*cg)
                ASSERT_OK_ERRNO(mkdirat(f->root_fd, cg, 0755));
        fake_file(f, cg, "cgroup.controllers", controllers);
        fake_file(f, cg, "cgroup.subtree_control", subtree);
        fake_file(f, cg, "cgroup.procs", procs);
        fake_file(f, cg, "cgroup.events", "populated 0\nfrozen 0\n");
        snprintf(buf, sizeof(buf), "%s", files);
        for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
                fake_file(f, cg, w, "");
}

static void fake_init(Fake *f) {
        fake_root_init(f, "test-cg-leaf");
        /* The root: every controller, all enabled for its children except io. */
        fake_cgroup(f, "", "cpu io memory pids", "cpu memory pids", "1\n", "");
}

#define ALL_FILES "memory.max memory.high memory.swap.max pids.max cpu.max cpu.weight io.weight"

static char *refusal_text(const CgsupRefusal *r) {
        char *s = NULL;
        ASSERT_OK(cgsup_refusal_format(r, "/sys/fs/cgroup", &s));
        return s;
}

static char *fake_read(Fake *f, const char *p) {
        char *text = NULL;
        ASSERT_OK(read_full_file_at(f->root_fd, p, 4096, &text, NULL));
        return text;
}

TEST(wording) {
        CgsupRefusal r = { .reason = CGSUP_REFUSAL_INTERNAL_PROCESS, .limit = CGSUP_LIMIT_IO_WEIGHT,
                           .controller = CGSUP_CONTROLLER_IO, .value = 100, .error = -EBUSY, .cgroup = "noio" };
        _cleanup_free_ char *a = refusal_text(&r), *b = NULL, *c = NULL, *d = NULL, *e = NULL;

        ASSERT_STREQ(a, "io_weight cannot be enforced: /sys/fs/cgroup/noio holds processes itself, so the io "
                        "controller cannot be enabled for its children (cgroup v2 no-internal-process rule)");
        r = (CgsupRefusal) { .reason = CGSUP_REFUSAL_NO_CONTROLLER, .limit = CGSUP_LIMIT_MEMORY_MAX,
                             .controller = CGSUP_CONTROLLER_MEMORY, .error = -EOPNOTSUPP };
        ASSERT_OK(cgsup_refusal_format(&r, "/sys/fs/cgroup/unified", &b));
        ASSERT_STREQ(b, "memory_max cannot be enforced: the cgroup2 hierarchy at /sys/fs/cgroup/unified has no "
                        "memory controller (not in the kernel, or bound to a cgroup v1 hierarchy)");
        r = (CgsupRefusal) { .reason = CGSUP_REFUSAL_VALUE, .limit = CGSUP_LIMIT_CPU_QUOTA,
                             .controller = CGSUP_CONTROLLER_CPU, .value = 15000, .error = -ERANGE,
                             .cgroup = "a/b" };
        ASSERT_OK(cgsup_refusal_format(&r, NULL, &c));
        ASSERT_STREQ(c, "cpu_quota cannot be enforced: the kernel rejected 150% in /a/b/cpu.max");
        r = (CgsupRefusal) { .reason = CGSUP_REFUSAL_CGROUP, .limit = _CGSUP_LIMIT_INVALID, .error = -EACCES,
                             .cgroup = "a" };
        ASSERT_OK(cgsup_refusal_format(&r, "/m", &d));
        ASSERT_STREQ(d, "cgroup /m/a: Permission denied");
        r = (CgsupRefusal) { .reason = CGSUP_REFUSAL_TOO_SMALL, .limit = CGSUP_LIMIT_MEMORY_HIGH,
                             .controller = CGSUP_CONTROLLER_MEMORY, .value = 4096, .error = -EINVAL };
        ASSERT_OK(cgsup_refusal_format(&r, "/m", &e));
        ASSERT_STREQ(e, "memory_high cannot be enforced: 4K is below 1M, too little for a running program");

        r.reason = CGSUP_REFUSAL_NONE;
        ASSERT_ERROR(cgsup_refusal_format(&r, "/m", &e), EINVAL);
}

TEST(new_rejects_root_and_escapes) {
        CgsupLeaf *l = NULL;

        ASSERT_ERROR(cgsup_leaf_new(0, "", &l), EINVAL);
        ASSERT_ERROR(cgsup_leaf_new(0, "a/../b", &l), EINVAL);
        ASSERT_OK(cgsup_leaf_new(0, "/a//b/", &l));
        ASSERT_STREQ(cgsup_leaf_path(l), "a/b");
        ASSERT_STREQ(cgsup_leaf_parent(l), "a");
        l = cgsup_leaf_free(l);
        ASSERT_OK(cgsup_leaf_new(0, "top", &l));
        ASSERT_STREQ(cgsup_leaf_parent(l), "");
        cgsup_leaf_free(l);
}

TEST(check_names_who_withholds_the_controller) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL, *other = NULL;
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;
        CgsupLimits l = {};
        CgsupRefusal r = {}, r2 = {};

        fake_init(&f);
        /* "noio" holds a process itself; first the root does not pass io on at all. */
        fake_cgroup(&f, "noio", "cpu memory pids", "cpu memory pids", "42\n", "memory.max pids.max cpu.max cpu.weight");
        fake_cgroup(&f, "noio/sub", "cpu memory pids", "", "", "memory.max pids.max cpu.max cpu.weight");
        fake_file(&f, "noio", "io.weight", "");

        /* memory_max is fine, io_weight is not: the refusal names io_weight, the limit that failed. */
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 64 * M);
        cgsup_limits_set(&l, CGSUP_LIMIT_IO_WEIGHT, 100);
        ASSERT_OK(cgsup_leaf_new(f.root_fd, "noio/sub/leaf", &leaf));
        ASSERT_ERROR(cgsup_leaf_check(leaf, &l, &r), EOPNOTSUPP);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_WITHHELD);
        ASSERT_EQ(r.limit, CGSUP_LIMIT_IO_WEIGHT);
        ASSERT_EQ(r.controller, CGSUP_CONTROLLER_IO);
        ASSERT_STREQ(r.cgroup, ""); /* the root has io and does not enable it for its children */
        t1 = refusal_text(&r);
        ASSERT_STREQ(t1, "io_weight cannot be enforced: /sys/fs/cgroup does not enable the io controller for "
                         "its children (cgroup.subtree_control; with systemd: Delegate=yes)");

        /* Now the root passes io on and "noio" has it, but holds a process: the no-internal-process rule. A
         * leaf elsewhere below "noio" (a parent that does not exist yet) gets the same answer. */
        fake_file(&f, "", "cgroup.subtree_control", "cpu io memory pids");
        fake_file(&f, "noio", "cgroup.controllers", "cpu io memory pids");
        ASSERT_ERROR(cgsup_leaf_check(leaf, &l, &r), EBUSY);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_INTERNAL_PROCESS);
        ASSERT_STREQ(r.cgroup, "noio");
        ASSERT_OK(cgsup_leaf_new(f.root_fd, "noio/elsewhere/leaf", &other));
        ASSERT_ERROR(cgsup_leaf_check(other, &l, &r2), EBUSY);
        free(t1);
        t1 = refusal_text(&r);
        t2 = refusal_text(&r2);
        ASSERT_STREQ(t1, t2);

        /* The hierarchy itself lacks the controller. */
        fake_file(&f, "", "cgroup.controllers", "cpu memory pids");
        fake_file(&f, "noio", "cgroup.controllers", "cpu memory pids");
        ASSERT_ERROR(cgsup_leaf_check(leaf, &l, &r), EOPNOTSUPP);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_NO_CONTROLLER);
        ASSERT_EQ(r.limit, CGSUP_LIMIT_IO_WEIGHT);
}

TEST(check_missing_file_and_delegation) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        CgsupLimits l = {};
        CgsupRefusal r = {};

        fake_init(&f);
        /* memory on, but no memory.swap.max: a kernel without swap accounting. */
        fake_cgroup(&f, "svc", "cpu memory pids", "memory", "", "memory.max memory.high pids.max cpu.max cpu.weight");
        ASSERT_OK(cgsup_leaf_new(f.root_fd, "svc/leaf", &leaf));
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_SWAP_MAX, 0);
        ASSERT_ERROR(cgsup_leaf_check(leaf, &l, &r), EOPNOTSUPP);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_NO_FILE);
        ASSERT_STREQ(r.cgroup, "svc");

        l = (CgsupLimits) {};
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_WEIGHT, 50);
        ASSERT_OK(cgsup_leaf_check(leaf, &l, NULL));
        if (geteuid() != 0) {
                /* cpu would have to be enabled in svc, which is not ours to write. */
                ASSERT_OK_ERRNO(fchmodat(f.root_fd, "svc/cgroup.subtree_control", 0444, 0));
                ASSERT_ERROR(cgsup_leaf_check(leaf, &l, &r), EACCES);
                ASSERT_EQ(r.reason, CGSUP_REFUSAL_NOT_DELEGATED);
                ASSERT_EQ(r.limit, CGSUP_LIMIT_CPU_WEIGHT);
        }
}

TEST(create_enables_applies_and_reads_back) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        CgsupLimits l = {};
        CgsupRefusal r = {};
        uint64_t v;

        fake_init(&f);
        fake_cgroup(&f, "svc", "cpu memory pids", "", "", ALL_FILES);
        /* A fake leaf must exist with its files (mkdir in a temp dir does not make them). */
        fake_cgroup(&f, "svc/leaf", "", "", "", ALL_FILES);
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 64 * M);
        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 32);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_QUOTA, 5000);

        ASSERT_OK(cgsup_leaf_new(f.root_fd, "svc/leaf", &leaf));
        ASSERT_EQ(cgsup_leaf_create(leaf, &l, 0, &r), 0); /* existed: reused */
        {
                /* One controller per write; the fake file keeps the last one. */
                _cleanup_free_ char *sc = fake_read(&f, "svc/cgroup.subtree_control");
                ASSERT_STREQ(sc, "+cpu");
        }
        /* What the kernel would show now. */
        fake_file(&f, "svc", "cgroup.subtree_control", "cpu memory pids");
        ASSERT_OK(cgsup_limit_read(f.root_fd, "svc/leaf", CGSUP_LIMIT_MEMORY_MAX, &v));
        ASSERT_EQ_U64(v, 64 * M);
        ASSERT_OK(cgsup_limit_read(f.root_fd, "svc/leaf", CGSUP_LIMIT_CPU_QUOTA, &v));
        ASSERT_EQ_U64(v, 5000);

        /* Live: only what is set changes; a tiny memory limit is refused before anything is written. */
        l = (CgsupLimits) {};
        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 64);
        ASSERT_OK(cgsup_leaf_set_limits(leaf, &l, &r));
        ASSERT_OK(cgsup_limit_read(f.root_fd, "svc/leaf", CGSUP_LIMIT_PIDS_MAX, &v));
        ASSERT_EQ_U64(v, 64);
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 4096);
        ASSERT_ERROR(cgsup_leaf_set_limits(leaf, &l, &r), EINVAL);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_TOO_SMALL);
        ASSERT_EQ(r.limit, CGSUP_LIMIT_MEMORY_MAX);
        ASSERT_OK(cgsup_limit_read(f.root_fd, "svc/leaf", CGSUP_LIMIT_MEMORY_MAX, &v));
        ASSERT_EQ_U64(v, 64 * M);

        /* In use and EXCLUSIVE: never joined. */
        fake_file(&f, "svc/leaf", "cgroup.events", "populated 1\nfrozen 0\n");
        ASSERT_ERROR(cgsup_leaf_create(leaf, NULL, CGSUP_LEAF_EXCLUSIVE, &r), EBUSY);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_CGROUP);
        ASSERT_OK(cgsup_leaf_create(leaf, NULL, 0, NULL));
}

TEST(create_fails_cleanly_and_names_the_failed_limit) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL, *fresh = NULL;
        CgsupLimits l = {};
        CgsupRefusal r = {};
        struct stat st;

        fake_init(&f);
        fake_cgroup(&f, "svc", "cpu memory pids", "cpu memory pids", "", ALL_FILES);

        /* A new leaf whose limit files do not appear (as when the kernel lacks them): the leaf is removed
         * again and the refusal names pids_max, the limit whose write failed, not memory_max. */
        fake_cgroup(&f, "svc/half", "", "", "", "memory.max");
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 64 * M);
        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 10);
        ASSERT_OK(cgsup_leaf_new(f.root_fd, "svc/half", &leaf));
        ASSERT_ERROR(cgsup_leaf_create(leaf, &l, 0, &r), EOPNOTSUPP);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_NO_FILE);
        ASSERT_EQ(r.limit, CGSUP_LIMIT_PIDS_MAX);
        ASSERT_STREQ(r.cgroup, "svc/half");
        ASSERT_OK_ERRNO(fstatat(f.root_fd, "svc/half", &st, 0)); /* existed before: not ours to remove */

        ASSERT_OK(cgsup_leaf_new(f.root_fd, "svc/fresh", &fresh));
        ASSERT_ERROR(cgsup_leaf_create(fresh, &l, 0, &r), EOPNOTSUPP);
        ASSERT_EQ(r.limit, CGSUP_LIMIT_MEMORY_MAX);
        ASSERT_TRUE(fstatat(f.root_fd, "svc/fresh", &st, 0) < 0 && errno == ENOENT); /* created, then removed */

        /* Read-back: a "kernel" that swallows the write. */
        ASSERT_OK_ERRNO(unlinkat(f.root_fd, "svc/half/memory.max", 0));
        ASSERT_OK_ERRNO(symlinkat("/dev/null", f.root_fd, "svc/half/memory.max"));
        l = (CgsupLimits) {};
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 64 * M);
        ASSERT_ERROR(cgsup_leaf_set_limits(leaf, &l, &r), EIO);
        ASSERT_EQ(r.reason, CGSUP_REFUSAL_READBACK);

        /* Without limits a leaf is just a directory: created, then destroyed. */
        /* set_limits on a leaf that does not exist only checks. */
        ASSERT_OK(cgsup_leaf_set_limits(fresh, &l, &r));
        ASSERT_TRUE(fstatat(f.root_fd, "svc/fresh", &st, 0) < 0 && errno == ENOENT);
        ASSERT_EQ(cgsup_leaf_create(fresh, NULL, 0, &r), 1);
        ASSERT_OK(cgsup_leaf_destroy(fresh));
        ASSERT_TRUE(fstatat(f.root_fd, "svc/fresh", &st, 0) < 0 && errno == ENOENT);
        ASSERT_OK(cgsup_leaf_destroy(fresh)); /* gone already: fine */
}

TEST(claim_enables_what_the_subtree_offers) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        unsigned enabled = 0;
        bool created = true;

        fake_init(&f);
        fake_cgroup(&f, "svc", "cpu memory", "", "", "");
        ASSERT_OK(cgsup_subtree_claim(f.root_fd, "svc", NULL, CGSUP_CONTROLLER_MEMORY | CGSUP_CONTROLLER_IO, 0,
                                      NULL, &created));
        ASSERT_FALSE(created);
        {
                /* io is not offered: only memory was asked of the kernel. */
                _cleanup_free_ char *sc = fake_read(&f, "svc/cgroup.subtree_control");
                ASSERT_STREQ(sc, "+memory");
        }
        fake_file(&f, "svc", "cgroup.subtree_control", "cpu memory");
        ASSERT_OK(cgsup_subtree_claim(f.root_fd, "svc", NULL, CGSUP_CONTROLLER_MEMORY, 0, &enabled, NULL));
        ASSERT_EQ(enabled, CGSUP_CONTROLLER_CPU | CGSUP_CONTROLLER_MEMORY);

        ASSERT_OK(cgsup_subtree_claim(f.root_fd, "new/sub", NULL, 0, 0, NULL, &created));
        ASSERT_TRUE(created);
        ASSERT_ERROR(cgsup_subtree_claim(f.root_fd, "../x", NULL, 0, 0, NULL, NULL), EINVAL);
}

/* --cgroup as an admin types it: the cgroup's name, or the directory under the mount. */
TEST(cgroup_path_below_mount) {
        const char *m = "/sys/fs/cgroup/unified";

        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "/sys/fs/cgroup/unified/a/b"), "a/b");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "/sys/fs/cgroup/unified"), "");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "/sys/fs/cgroup/unified/"), "");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "/a/b"), "a/b");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "a/b"), "a/b");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "//a"), "a");
        /* Only the whole mount path: a sibling directory with the same start is a cgroup name. */
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(m, "/sys/fs/cgroup/unifiedx/a"), "sys/fs/cgroup/unifiedx/a");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount("/sys/fs/cgroup/", "/sys/fs/cgroup/a"), "a");
        ASSERT_STREQ(cgsup_cgroup_path_below_mount(NULL, "/a"), "a");
        ASSERT_TRUE(cgsup_cgroup_path_below_mount(m, NULL) == NULL);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}

/* The operations on a running leaf go to the leaf's own files: cgroup.freeze, cgroup.kill, cgroup.events. */
TEST(freeze_kill_wait_empty_destroy) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        struct stat st;

        fake_init(&f);
        fake_cgroup(&f, "svc", "cpu memory pids", "cpu memory pids", "", "");
        fake_cgroup(&f, "svc/leaf", "cpu memory pids", "", "4242\n", "cgroup.freeze cgroup.kill");
        ASSERT_OK(cgsup_leaf_new(f.root_fd, "svc/leaf", &leaf));

        ASSERT_OK(cgsup_leaf_freeze(leaf, true));
        {
                _cleanup_free_ char *v = fake_read(&f, "svc/leaf/cgroup.freeze");
                ASSERT_STREQ(v, "1");
        }
        ASSERT_OK(cgsup_leaf_freeze(leaf, false));
        {
                _cleanup_free_ char *v = fake_read(&f, "svc/leaf/cgroup.freeze");
                ASSERT_STREQ(v, "0");
        }

        ASSERT_OK(cgsup_leaf_kill(leaf));
        {
                _cleanup_free_ char *v = fake_read(&f, "svc/leaf/cgroup.kill");
                ASSERT_STREQ(v, "1");
        }

        /* Populated: the wait ends at its timeout; empty: at once. */
        fake_file(&f, "svc/leaf", "cgroup.events", "populated 1\nfrozen 0\n");
        ASSERT_ERROR(cgsup_leaf_wait_empty(leaf, 50 * 1000), ETIME);
        fake_file(&f, "svc/leaf", "cgroup.events", "populated 0\nfrozen 0\n");
        ASSERT_OK(cgsup_leaf_wait_empty(leaf, 50 * 1000));

        /* destroy removes the (empty) leaf; a fake leaf's files go first, as the kernel's would with it. */
        static const char *const files[] = { "cgroup.controllers", "cgroup.subtree_control", "cgroup.procs",
                                             "cgroup.events", "cgroup.freeze", "cgroup.kill" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                char p[128];
                snprintf(p, sizeof(p), "svc/leaf/%s", files[i]);
                ASSERT_OK_ERRNO(unlinkat(f.root_fd, p, 0));
        }
        ASSERT_OK(cgsup_leaf_destroy(leaf));
        ASSERT_TRUE(fstatat(f.root_fd, "svc/leaf", &st, 0) < 0 && errno == ENOENT);
        ASSERT_ERROR(cgsup_leaf_freeze(leaf, true), ENOENT);
}
