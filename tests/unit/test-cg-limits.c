/* SPDX-License-Identifier: MIT */
/*
 * Limit keys: parsing, formatting, the key/file/controller table, and applying limits to a fake cgroup (a
 * temp dir whose "controller files" are plain files created by the test).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "fd-util.h"
#include "fake-cgroup.h"
#include "src/libcgsup/cg-internal.h"
#include "tests.h"

#define M (1ULL << 20)
#define G (1ULL << 30)

static uint64_t parse_ok(CgsupLimit l, const char *s) {
        uint64_t v = 0;
        int r = cgsup_limit_parse(l, s, &v);
        if (r < 0)
                tests_fail(__FILE__, __LINE__, "cgsup_limit_parse(%s, \"%s\") failed: %s",
                           cgsup_limit_to_string(l), s, tests_errno_name(-r));
        return v;
}

TEST(table) {
        ASSERT_STREQ(cgsup_limit_to_string(CGSUP_LIMIT_MEMORY_MAX), "memory_max");
        ASSERT_STREQ(cgsup_limit_to_string(CGSUP_LIMIT_CPU_QUOTA), "cpu_quota");
        ASSERT_STREQ(cgsup_limit_to_string(CGSUP_LIMIT_IO_WEIGHT), "io_weight");
        ASSERT_NULL(cgsup_limit_to_string(_CGSUP_LIMIT_COUNT));
        ASSERT_NULL(cgsup_limit_to_string(_CGSUP_LIMIT_INVALID));

        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                ASSERT_EQ(cgsup_limit_from_string(cgsup_limit_to_string((CgsupLimit) i)), i);
                ASSERT_NOT_NULL(cgsup_limit_file((CgsupLimit) i));
                ASSERT_NOT_NULL(cgsup_controller_to_string(cgsup_limit_controller((CgsupLimit) i)));
        }
        ASSERT_EQ(cgsup_limit_from_string("memory-max"), CGSUP_LIMIT_MEMORY_MAX);
        ASSERT_EQ(cgsup_limit_from_string("memory-swap-max"), CGSUP_LIMIT_MEMORY_SWAP_MAX);
        ASSERT_EQ(cgsup_limit_from_string("memory_maxx"), _CGSUP_LIMIT_INVALID);
        ASSERT_EQ(cgsup_limit_from_string("memory"), _CGSUP_LIMIT_INVALID);
        ASSERT_EQ(cgsup_limit_from_string(""), _CGSUP_LIMIT_INVALID);
        ASSERT_EQ(cgsup_limit_from_string(NULL), _CGSUP_LIMIT_INVALID);

        ASSERT_STREQ(cgsup_limit_file(CGSUP_LIMIT_MEMORY_SWAP_MAX), "memory.swap.max");
        ASSERT_STREQ(cgsup_limit_file(CGSUP_LIMIT_CPU_QUOTA), "cpu.max");
        ASSERT_STREQ(cgsup_limit_file(CGSUP_LIMIT_PIDS_MAX), "pids.max");
        ASSERT_EQ(cgsup_limit_controller(CGSUP_LIMIT_MEMORY_HIGH), CGSUP_CONTROLLER_MEMORY);
        ASSERT_EQ(cgsup_limit_controller(CGSUP_LIMIT_PIDS_MAX), CGSUP_CONTROLLER_PIDS);
        ASSERT_EQ(cgsup_limit_controller(CGSUP_LIMIT_CPU_WEIGHT), CGSUP_CONTROLLER_CPU);
        ASSERT_EQ(cgsup_limit_controller(CGSUP_LIMIT_IO_WEIGHT), CGSUP_CONTROLLER_IO);
        ASSERT_EQ(cgsup_limit_controller(_CGSUP_LIMIT_INVALID), 0);
}

TEST(parse_good) {
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX, "512M"), 512 * M);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX, "1.5G"), 3 * G / 2);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX, "1073741824"), G);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX, "max"), CGSUP_LIMIT_INFINITY);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX, "infinity"), CGSUP_LIMIT_INFINITY);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX, "0"), 0); /* the kernel accepts memory.max 0 */
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_HIGH, "256MB"), 256 * M);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_SWAP_MAX, "0"), 0);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_PIDS_MAX, "100"), 100);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_PIDS_MAX, "max"), CGSUP_LIMIT_INFINITY);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_CPU_QUOTA, "150%"), 15000);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_CPU_QUOTA, "12.5%"), 1250);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_CPU_QUOTA, "1%"), 100);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_CPU_QUOTA, "max"), CGSUP_LIMIT_INFINITY);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_CPU_WEIGHT, "1"), 1);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_CPU_WEIGHT, "10000"), 10000);
        ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_IO_WEIGHT, "500"), 500);
}

TEST(parse_junk_rejected) {
        static const struct {
                CgsupLimit limit;
                const char *value;
                int error;
        } bad[] = {
                { CGSUP_LIMIT_MEMORY_MAX, "12Q", EINVAL },   { CGSUP_LIMIT_MEMORY_MAX, "-5", EINVAL },
                { CGSUP_LIMIT_MEMORY_MAX, "", EINVAL },      { CGSUP_LIMIT_MEMORY_MAX, "1.5.5G", EINVAL },
                { CGSUP_LIMIT_MEMORY_MAX, "150%", EINVAL },  { CGSUP_LIMIT_MEMORY_MAX, " 512M", EINVAL },
                { CGSUP_LIMIT_MEMORY_MAX, "0x100", EINVAL }, { CGSUP_LIMIT_MEMORY_MAX, "maximum", EINVAL },
                { CGSUP_LIMIT_MEMORY_MAX, "1.5", EINVAL },   { CGSUP_LIMIT_MEMORY_HIGH, "lots", EINVAL },
                { CGSUP_LIMIT_PIDS_MAX, "0", ERANGE },       { CGSUP_LIMIT_PIDS_MAX, "-1", EINVAL },
                { CGSUP_LIMIT_PIDS_MAX, "10K", EINVAL },     { CGSUP_LIMIT_PIDS_MAX, "99999999", ERANGE },
                { CGSUP_LIMIT_CPU_QUOTA, "150", EINVAL },    { CGSUP_LIMIT_CPU_QUOTA, "1.5", EINVAL },
                { CGSUP_LIMIT_CPU_QUOTA, "-50%", EINVAL },   { CGSUP_LIMIT_CPU_QUOTA, "0%", ERANGE },
                { CGSUP_LIMIT_CPU_QUOTA, "0.5%", ERANGE },   { CGSUP_LIMIT_CPU_QUOTA, "12.345%", EINVAL },
                { CGSUP_LIMIT_CPU_QUOTA, "%", EINVAL },      { CGSUP_LIMIT_CPU_QUOTA, "", EINVAL },
                { CGSUP_LIMIT_CPU_WEIGHT, "0", ERANGE },     { CGSUP_LIMIT_CPU_WEIGHT, "10001", ERANGE },
                { CGSUP_LIMIT_CPU_WEIGHT, "max", EINVAL },   { CGSUP_LIMIT_CPU_WEIGHT, "100%", EINVAL },
                { CGSUP_LIMIT_CPU_WEIGHT, "1.5", EINVAL },   { CGSUP_LIMIT_IO_WEIGHT, "0", ERANGE },
                { CGSUP_LIMIT_IO_WEIGHT, "20000", ERANGE },  { CGSUP_LIMIT_IO_WEIGHT, "default", EINVAL },
        };
        uint64_t v = 4242;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = cgsup_limit_parse(bad[i].limit, bad[i].value, &v);
                if (r != -bad[i].error)
                        tests_fail(__FILE__, __LINE__, "%s=\"%s\": expected -%s, got %d",
                                   cgsup_limit_to_string(bad[i].limit), bad[i].value,
                                   tests_errno_name(bad[i].error), r);
        }
        ASSERT_EQ_U64(v, 4242); /* ret untouched on failure */
        ASSERT_STR_CONTAINS(cgsup_limit_parse_error(CGSUP_LIMIT_MEMORY_MAX, -EINVAL), "512M");
        ASSERT_STR_CONTAINS(cgsup_limit_parse_error(CGSUP_LIMIT_CPU_QUOTA, -EINVAL), "150%");
        ASSERT_STR_CONTAINS(cgsup_limit_parse_error(CGSUP_LIMIT_CPU_QUOTA, -ERANGE), "at least 1%");
        ASSERT_STR_CONTAINS(cgsup_limit_parse_error(CGSUP_LIMIT_CPU_WEIGHT, -ERANGE), "1 to 10000");
        ASSERT_STR_CONTAINS(cgsup_limit_parse_error(CGSUP_LIMIT_PIDS_MAX, -ERANGE), "4194304");
        ASSERT_STREQ(cgsup_limit_parse_error(_CGSUP_LIMIT_INVALID, -EINVAL), "unknown limit");
        ASSERT_ERROR(cgsup_limit_parse(_CGSUP_LIMIT_INVALID, "1", &v), EINVAL);
        ASSERT_ERROR(cgsup_limit_parse(CGSUP_LIMIT_MEMORY_MAX, NULL, &v), EINVAL);
}

TEST(format_round_trip) {
        static const struct {
                CgsupLimit limit;
                uint64_t value;
                const char *text;
        } cases[] = {
                { CGSUP_LIMIT_MEMORY_MAX, 512 * M, "512M" },
                { CGSUP_LIMIT_MEMORY_MAX, 3 * G / 2, "1536M" },
                { CGSUP_LIMIT_MEMORY_MAX, 2 * G, "2G" },
                { CGSUP_LIMIT_MEMORY_MAX, 1ULL << 40, "1T" },
                { CGSUP_LIMIT_MEMORY_MAX, 4097, "4097" },
                { CGSUP_LIMIT_MEMORY_MAX, 0, "0" },
                { CGSUP_LIMIT_MEMORY_HIGH, CGSUP_LIMIT_INFINITY, "max" },
                { CGSUP_LIMIT_PIDS_MAX, 64, "64" },
                { CGSUP_LIMIT_PIDS_MAX, CGSUP_LIMIT_INFINITY, "max" },
                { CGSUP_LIMIT_CPU_QUOTA, 15000, "150%" },
                { CGSUP_LIMIT_CPU_QUOTA, 1250, "12.5%" },
                { CGSUP_LIMIT_CPU_QUOTA, 1234, "12.34%" },
                { CGSUP_LIMIT_CPU_QUOTA, 105, "1.05%" },
                { CGSUP_LIMIT_CPU_QUOTA, CGSUP_LIMIT_INFINITY, "max" },
                { CGSUP_LIMIT_CPU_WEIGHT, 100, "100" },
                { CGSUP_LIMIT_IO_WEIGHT, 10000, "10000" },
        };
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ASSERT_STREQ(cgsup_limit_format(cases[i].limit, cases[i].value, buf, sizeof(buf)),
                             cases[i].text);
                ASSERT_EQ_U64(parse_ok(cases[i].limit, buf), cases[i].value);
        }
        /* Every value parse accepts formats back to itself. */
        static const char *const inputs[] = { "1.5G", "0.5K", "1.25M", "100000", "3T" };
        for (size_t i = 0; i < ELEMENTSOF(inputs); i++) {
                uint64_t v = parse_ok(CGSUP_LIMIT_MEMORY_MAX, inputs[i]);
                ASSERT_EQ_U64(parse_ok(CGSUP_LIMIT_MEMORY_MAX,
                                       cgsup_limit_format(CGSUP_LIMIT_MEMORY_MAX, v, buf, sizeof(buf))),
                              v);
        }
}

TEST(limits_set) {
        CgsupLimits l = {};

        ASSERT_FALSE(cgsup_limits_is_set(&l, CGSUP_LIMIT_MEMORY_MAX));
        ASSERT_EQ(cgsup_limits_controllers(&l), 0);
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 512 * M);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_QUOTA, 15000);
        cgsup_limits_set(&l, _CGSUP_LIMIT_INVALID, 1); /* ignored */
        ASSERT_TRUE(cgsup_limits_is_set(&l, CGSUP_LIMIT_MEMORY_MAX));
        ASSERT_TRUE(cgsup_limits_is_set(&l, CGSUP_LIMIT_CPU_QUOTA));
        ASSERT_FALSE(cgsup_limits_is_set(&l, CGSUP_LIMIT_PIDS_MAX));
        ASSERT_EQ(cgsup_limits_controllers(&l), CGSUP_CONTROLLER_MEMORY | CGSUP_CONTROLLER_CPU);
        ASSERT_EQ_U64(l.value[CGSUP_LIMIT_MEMORY_MAX], 512 * M);
}

TEST(kernel_text_parsing) {
        uint64_t v;

        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_MEMORY_MAX, "max\n", &v));
        ASSERT_EQ_U64(v, CGSUP_LIMIT_INFINITY);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_MEMORY_MAX, "536870912\n", &v));
        ASSERT_EQ_U64(v, 512 * M);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_CPU_QUOTA, "max 100000\n", &v));
        ASSERT_EQ_U64(v, CGSUP_LIMIT_INFINITY);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_CPU_QUOTA, "150000 100000\n", &v));
        ASSERT_EQ_U64(v, 15000);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_CPU_QUOTA, "50000 50000\n", &v)); /* other period */
        ASSERT_EQ_U64(v, 10000);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_IO_WEIGHT, "default 100\n8:0 200\n", &v));
        ASSERT_EQ_U64(v, 100);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_IO_WEIGHT, "8:0 200\ndefault 300\n", &v));
        ASSERT_EQ_U64(v, 300);
        ASSERT_OK(cg_limit_from_kernel(CGSUP_LIMIT_CPU_WEIGHT, "100\n", &v));
        ASSERT_EQ_U64(v, 100);

        ASSERT_ERROR(cg_limit_from_kernel(CGSUP_LIMIT_CPU_QUOTA, "150000\n", &v), EIO);
        ASSERT_ERROR(cg_limit_from_kernel(CGSUP_LIMIT_CPU_QUOTA, "150000 0\n", &v), EIO);
        ASSERT_ERROR(cg_limit_from_kernel(CGSUP_LIMIT_IO_WEIGHT, "8:0 200\n", &v), EIO);
        ASSERT_ERROR(cg_limit_from_kernel(CGSUP_LIMIT_CPU_WEIGHT, "max\n", &v), EIO);
        ASSERT_ERROR(cg_limit_from_kernel(CGSUP_LIMIT_MEMORY_MAX, "", &v), EIO);
        ASSERT_ERROR(cg_limit_from_kernel(CGSUP_LIMIT_MEMORY_MAX, "12abc\n", &v), EIO);
}

TEST(readback_rounding) {
        /* The kernel keeps memory limits in pages, rounding down. */
        ASSERT_TRUE(cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, 512 * M, 512 * M, 4096));
        ASSERT_TRUE(cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, 1000000, 999424, 4096));
        ASSERT_FALSE(
                cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, 1000000, 995328, 4096)); /* a page too low */
        ASSERT_FALSE(cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, 1000000, 1003520, 4096)); /* rounded up */
        ASSERT_FALSE(cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, 512 * M, CGSUP_LIMIT_INFINITY, 4096));
        ASSERT_FALSE(cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, CGSUP_LIMIT_INFINITY, 512 * M, 4096));
        /* Beyond PAGE_COUNTER_MAX the kernel clamps and reads back "max". */
        ASSERT_TRUE(
                cg_limit_readback_ok(CGSUP_LIMIT_MEMORY_MAX, UINT64_MAX - 1, CGSUP_LIMIT_INFINITY, 4096));
        /* Other limits must come back exactly. */
        ASSERT_FALSE(cg_limit_readback_ok(CGSUP_LIMIT_PIDS_MAX, 100, 99, 4096));
        ASSERT_FALSE(cg_limit_readback_ok(CGSUP_LIMIT_CPU_QUOTA, 15000, 14999, 4096));
        ASSERT_TRUE(cg_limit_readback_ok(CGSUP_LIMIT_CPU_QUOTA, 15000, 15000, 4096));
}

/* A fake cgroup: temp dir "root" with "grp/" holding the given files (empty content). */
static void fake_init(Fake *f, const char *const *files) {
        fake_root_init(f, "test-cg-limits");
        ASSERT_OK_ERRNO(mkdirat(f->root_fd, "grp", 0755));
        for (; files && *files; files++) {
                char p[256];
                snprintf(p, sizeof(p), "grp/%s", *files);
                fake_file_at(f, p, "");
        }
}

static char *fake_read(Fake *f, const char *file) {
        char p[256], *text = NULL;
        snprintf(p, sizeof(p), "grp/%s", file);
        ASSERT_OK(read_full_file_at(f->root_fd, p, 4096, &text, NULL));
        return text;
}

TEST(apply_on_fake_cgroup) {
        static const char *const files[] = { "memory.max", "memory.high", "memory.swap.max", "pids.max",
                                             "cpu.max",    "cpu.weight",  "io.weight",       NULL };
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        CgsupLimits l = {};
        CgsupLimit bad = _CGSUP_LIMIT_INVALID;
        uint64_t v;

        fake_init(&f, files);

        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 512 * M);
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_HIGH, CGSUP_LIMIT_INFINITY);
        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_SWAP_MAX, 0);
        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 64);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_QUOTA, 15000);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_WEIGHT, 200);
        cgsup_limits_set(&l, CGSUP_LIMIT_IO_WEIGHT, 300);
        ASSERT_OK(cgsup_limits_apply(f.root_fd, "/grp", &l, &bad));
        ASSERT_EQ(bad, _CGSUP_LIMIT_INVALID); /* reterr untouched on success */

        /* The kernel syntax of every file. */
        {
                _cleanup_free_ char *a = fake_read(&f, "memory.max"), *b = fake_read(&f, "memory.high"),
                                    *c = fake_read(&f, "memory.swap.max"), *d = fake_read(&f, "pids.max"),
                                    *e = fake_read(&f, "cpu.max"), *g = fake_read(&f, "cpu.weight"),
                                    *h = fake_read(&f, "io.weight");
                ASSERT_STREQ(a, "536870912");
                ASSERT_STREQ(b, "max");
                ASSERT_STREQ(c, "0");
                ASSERT_STREQ(d, "64");
                ASSERT_STREQ(e, "150000 100000");
                ASSERT_STREQ(g, "200");
                ASSERT_STREQ(h, "default 300");
        }
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                ASSERT_OK(cgsup_limit_read(f.root_fd, "grp", (CgsupLimit) i, &v));
                ASSERT_EQ_U64(v, l.value[i]);
        }

        /* Changed live: a shorter value replaces a longer one completely. */
        ASSERT_OK(cgsup_limit_apply(f.root_fd, "grp", CGSUP_LIMIT_MEMORY_MAX, CGSUP_LIMIT_INFINITY));
        ASSERT_OK(cgsup_limit_read(f.root_fd, "grp", CGSUP_LIMIT_MEMORY_MAX, &v));
        ASSERT_EQ_U64(v, CGSUP_LIMIT_INFINITY);
        ASSERT_OK(cgsup_limit_apply(f.root_fd, "grp", CGSUP_LIMIT_CPU_QUOTA, CGSUP_LIMIT_INFINITY));
        {
                _cleanup_free_ char *e = fake_read(&f, "cpu.max");
                ASSERT_STREQ(e, "max 100000");
        }
        ASSERT_OK(cgsup_limit_apply(f.root_fd, "grp", CGSUP_LIMIT_CPU_QUOTA, 1250));
        ASSERT_OK(cgsup_limit_read(f.root_fd, "grp", CGSUP_LIMIT_CPU_QUOTA, &v));
        ASSERT_EQ_U64(v, 1250);

        ASSERT_ERROR(cgsup_limit_apply(f.root_fd, "../grp", CGSUP_LIMIT_PIDS_MAX, 1), EINVAL);
        ASSERT_ERROR(cgsup_limit_apply(f.root_fd, "grp", _CGSUP_LIMIT_INVALID, 1), EINVAL);
}

TEST(apply_missing_file_is_not_supported) {
        static const char *const files[] = { "cpu.max", "cpu.weight", NULL };
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        CgsupLimits l = {};
        CgsupLimit bad = _CGSUP_LIMIT_INVALID;
        uint64_t v;

        fake_init(&f, files);
        /* cpu only: memory.max is absent, as when the memory controller is not enabled for the cgroup. */
        ASSERT_ERROR(cgsup_limit_apply(f.root_fd, "grp", CGSUP_LIMIT_MEMORY_MAX, 512 * M), EOPNOTSUPP);
        ASSERT_ERROR(cgsup_limit_read(f.root_fd, "grp", CGSUP_LIMIT_MEMORY_MAX, &v), EOPNOTSUPP);
        ASSERT_ERROR(cgsup_limit_apply(f.root_fd, "nope", CGSUP_LIMIT_CPU_WEIGHT, 100), ENOENT);

        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_WEIGHT, 100);
        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 10);
        ASSERT_ERROR(cgsup_limits_apply(f.root_fd, "grp", &l, &bad), EOPNOTSUPP);
        ASSERT_EQ(bad, CGSUP_LIMIT_PIDS_MAX); /* names the limit that could not be enforced */
        ASSERT_STREQ(cgsup_limit_to_string(bad), "pids_max");
}

TEST(apply_readback_mismatch_is_an_error) {
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        uint64_t v;

        fake_init(&f, NULL);
        /* A "kernel" that swallows the write and shows nothing: the limit is not in effect, so it is an
         * error (-EIO), not a success. */
        ASSERT_OK_ERRNO(symlinkat("/dev/null", f.root_fd, "grp/pids.max"));
        ASSERT_ERROR(cgsup_limit_apply(f.root_fd, "grp", CGSUP_LIMIT_PIDS_MAX, 10), EIO);
        ASSERT_ERROR(cgsup_limit_read(f.root_fd, "grp", CGSUP_LIMIT_PIDS_MAX, &v), EIO);
}

TEST(limits_check_on_fake_parent) {
        /* A real cgroup with cpu and memory on has their files and cgroup.procs. */
        static const char *const files[] = { "cgroup.controllers", "cgroup.subtree_control", "cgroup.procs",
                                             "memory.max", "cpu.max", "cpu.weight", NULL };
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        CgsupLimits l = {};
        CgsupLimit bad = _CGSUP_LIMIT_INVALID;

        fake_init(&f, files);
        /* The root offers no pids controller (a hybrid host's cgroup2): nobody can pass it on. */
        fake_file_at(&f, "cgroup.controllers", "cpuset cpu io memory hugetlb\n");
        fake_file_at(&f, "cgroup.subtree_control", "");
        fake_file_at(&f, "cgroup.procs", "");
        ASSERT_OK(
                write_string_file_at(f.root_fd, "grp/cgroup.controllers", "cpuset cpu io memory hugetlb\n"));
        ASSERT_OK(write_string_file_at(f.root_fd, "grp/cgroup.subtree_control", "memory\n"));

        cgsup_limits_set(&l, CGSUP_LIMIT_MEMORY_MAX, 512 * M);
        cgsup_limits_set(&l, CGSUP_LIMIT_CPU_QUOTA, 5000);
        ASSERT_OK(cgsup_limits_check(f.root_fd, "grp", &l, &bad));
        ASSERT_EQ(bad, _CGSUP_LIMIT_INVALID);

        cgsup_limits_set(&l, CGSUP_LIMIT_PIDS_MAX, 10);
        ASSERT_ERROR(cgsup_limits_check(f.root_fd, "grp", &l, &bad), EOPNOTSUPP);
        ASSERT_EQ(bad, CGSUP_LIMIT_PIDS_MAX);
        /* A parent that does not exist yet is judged where it would be created: its nearest ancestor. */
        bad = _CGSUP_LIMIT_INVALID;
        ASSERT_ERROR(cgsup_limits_check(f.root_fd, "missing/deeper", &l, &bad), EOPNOTSUPP);
        ASSERT_EQ(bad, CGSUP_LIMIT_PIDS_MAX);

        if (geteuid() != 0) {
                /* Not delegated: cpu would need enabling but subtree_control is not ours to write. */
                CgsupLimits l2 = {};
                cgsup_limits_set(&l2, CGSUP_LIMIT_CPU_WEIGHT, 100);
                ASSERT_OK_ERRNO(fchmodat(f.root_fd, "grp/cgroup.subtree_control", 0444, 0));
                ASSERT_ERROR(cgsup_limits_check(f.root_fd, "grp", &l2, &bad), EACCES);
                ASSERT_EQ(bad, CGSUP_LIMIT_CPU_WEIGHT);
        }
}

TEST(enable_controllers_on_fake_cgroup) {
        static const char *const files[] = { "cgroup.controllers", "cgroup.subtree_control", NULL };
        _cleanup_(fake_done) Fake f = { .root_fd = -EBADF };
        unsigned mask;

        fake_init(&f, files);
        ASSERT_OK(write_string_file_at(f.root_fd, "grp/cgroup.controllers", "cpu memory pids\n"));
        ASSERT_OK(write_string_file_at(f.root_fd, "grp/cgroup.subtree_control", "memory\n"));
        ASSERT_OK(cgsup_cgroup_controllers(f.root_fd, "grp", &mask));
        ASSERT_EQ(mask, CGSUP_CONTROLLER_CPU | CGSUP_CONTROLLER_MEMORY | CGSUP_CONTROLLER_PIDS);
        ASSERT_OK(cgsup_cgroup_subtree_controllers(f.root_fd, "grp", &mask));
        ASSERT_EQ(mask, CGSUP_CONTROLLER_MEMORY);

        /* memory is already on: only "+cpu" is written (one controller per write). */
        ASSERT_OK(cgsup_cgroup_enable_controllers(f.root_fd, "grp",
                                                  CGSUP_CONTROLLER_CPU | CGSUP_CONTROLLER_MEMORY));
        {
                _cleanup_free_ char *t = fake_read(&f, "cgroup.subtree_control");
                ASSERT_STREQ(t, "+cpu");
        }
        /* io is not offered by the parent: refused before anything is written. */
        ASSERT_ERROR(cgsup_cgroup_enable_controllers(f.root_fd, "grp",
                                                     CGSUP_CONTROLLER_IO | CGSUP_CONTROLLER_PIDS),
                     EOPNOTSUPP);
        {
                _cleanup_free_ char *t = fake_read(&f, "cgroup.subtree_control");
                ASSERT_STREQ(t, "+cpu");
        }
        ASSERT_ERROR(cgsup_cgroup_enable_controllers(f.root_fd, "nope", CGSUP_CONTROLLER_CPU), ENOENT);
}

TEST(path_normalize) {
        static const struct {
                const char *in, *out;
        } ok[] = {
                { "", "" },          { "/", "" },          { "a", "a" },         { "/a/b/", "a/b" },
                { "//a//b", "a/b" }, { "./a/./b", "a/b" }, { "a/..b", "a/..b" }, { "...", "..." },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_free_ char *p = NULL;
                ASSERT_OK(cg_path_normalize(ok[i].in, &p));
                ASSERT_STREQ(p, ok[i].out);
        }
        static const char *const bad[] = { "..", "/..", "a/../b", "a/..", "../a" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *p = NULL;
                ASSERT_ERROR(cg_path_normalize(bad[i], &p), EINVAL);
        }
        _cleanup_free_ char *j1 = NULL, *j2 = NULL, *j3 = NULL;
        ASSERT_OK(cg_path_join("", "cgroup.procs", &j1));
        ASSERT_STREQ(j1, "cgroup.procs");
        ASSERT_OK(cg_path_join("/", NULL, &j2));
        ASSERT_STREQ(j2, ".");
        ASSERT_OK(cg_path_join("/a/b", "memory.max", &j3));
        ASSERT_STREQ(j3, "a/b/memory.max");
        ASSERT_ERROR(cg_path_join("a", "x/y", &j3), EINVAL);
}

TEST(kernel_version_code) {
        ASSERT_EQ(cg_kernel_version_code("6.1.0-18-amd64"), CG_KERNEL_VERSION(6, 1, 0));
        ASSERT_EQ(cg_kernel_version_code("5.14"), CG_KERNEL_VERSION(5, 14, 0));
        ASSERT_EQ(cg_kernel_version_code("6.18.44-fc-v445"), CG_KERNEL_VERSION(6, 18, 44));
        ASSERT_TRUE(cg_kernel_version_code("5.19.0") >= CG_KERNEL_VERSION(5, 19, 0));
        ASSERT_TRUE(cg_kernel_version_code("5.13.19") < CG_KERNEL_VERSION(5, 14, 0));
        ASSERT_EQ(cg_kernel_version_code("garbage"), 0);
        ASSERT_EQ(cg_kernel_version_code(NULL), 0);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
