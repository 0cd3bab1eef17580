/* SPDX-License-Identifier: MIT */
/* The pure parsers of cgroup files, with real-looking contents and malformed ones, and cgsup_stats_read()
 * on a fake cgroup directory. */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "fd-util.h"
#include "tests.h"

/* cpu.stat of a cgroup with the cpu controller enabled (Linux 6.1). */
static const char cpu_stat[] = "usage_usec 1234567\n"
                               "user_usec 1000000\n"
                               "system_usec 234567\n"
                               "core_sched.force_idle_usec 0\n"
                               "nr_periods 120\n"
                               "nr_throttled 17\n"
                               "throttled_usec 898989\n"
                               "nr_bursts 0\n"
                               "burst_usec 0\n";

static const char memory_events[] = "low 0\nhigh 12\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n";

TEST(flat_keyed_get) {
        uint64_t v = 77;

        ASSERT_OK(cgsup_flat_keyed_get(cpu_stat, "usage_usec", &v));
        ASSERT_EQ_U64(v, 1234567);
        ASSERT_OK(cgsup_flat_keyed_get(cpu_stat, "user_usec", &v));
        ASSERT_EQ_U64(v, 1000000);
        ASSERT_OK(cgsup_flat_keyed_get(cpu_stat, "throttled_usec", &v));
        ASSERT_EQ_U64(v, 898989);
        ASSERT_OK(cgsup_flat_keyed_get(cpu_stat, "burst_usec", &v)); /* last line */
        ASSERT_EQ_U64(v, 0);
        ASSERT_OK(cgsup_flat_keyed_get(memory_events, "oom_kill", &v));
        ASSERT_EQ_U64(v, 1);
        ASSERT_OK(cgsup_flat_keyed_get(memory_events, "max", &v));
        ASSERT_EQ_U64(v, 3);
        /* "oom" must not match "oom_kill" or "oom_group_kill" and vice versa. */
        ASSERT_OK(cgsup_flat_keyed_get("oom_kill 5\noom 2\n", "oom", &v));
        ASSERT_EQ_U64(v, 2);
        ASSERT_OK(cgsup_flat_keyed_get("usage_usec 9", "usage_usec", &v)); /* no trailing newline */
        ASSERT_EQ_U64(v, 9);

        v = 77;
        ASSERT_ERROR(cgsup_flat_keyed_get(cpu_stat, "usage", &v), ENOENT);
        ASSERT_ERROR(cgsup_flat_keyed_get(cpu_stat, "nr_periods_x", &v), ENOENT);
        ASSERT_ERROR(cgsup_flat_keyed_get("", "usage_usec", &v), ENOENT);
        ASSERT_ERROR(cgsup_flat_keyed_get("usage_usec\n", "usage_usec", &v), ENOENT);
        ASSERT_ERROR(cgsup_flat_keyed_get("usage_usec abc\n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgsup_flat_keyed_get("usage_usec -1\n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgsup_flat_keyed_get("usage_usec 1 2\n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgsup_flat_keyed_get("usage_usec 99999999999999999999999\n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgsup_flat_keyed_get("usage_usec \n", "usage_usec", &v), EINVAL);
        ASSERT_ERROR(cgsup_flat_keyed_get(cpu_stat, "", &v), EINVAL);
        ASSERT_EQ_U64(v, 77);
}

TEST(io_stat_parse) {
        uint64_t rb = 1, wb = 1, ri = 1, wi = 1;

        ASSERT_OK(cgsup_io_stat_parse(
                "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
                "8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 "
                "dios=3021\n",
                &rb, &wb, &ri, &wi));
        ASSERT_EQ_U64(rb, 1459200ULL + 90430464ULL);
        ASSERT_EQ_U64(wb, 314773504ULL + 299008000ULL);
        ASSERT_EQ_U64(ri, 192 + 8950);
        ASSERT_EQ_U64(wi, 353 + 1252);

        /* iocost adds cost.* keys (some with decimals): ignored. Empty file: no I/O yet. */
        ASSERT_OK(cgsup_io_stat_parse(
                "253:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0 cost.vrate=135.23 "
                "cost.usage=1234\n",
                &rb, NULL, NULL, &wi));
        ASSERT_EQ_U64(rb, 10);
        ASSERT_EQ_U64(wi, 2);
        ASSERT_OK(cgsup_io_stat_parse("", &rb, &wb, &ri, &wi));
        ASSERT_EQ_U64(rb + wb + ri + wi, 0);

        rb = 5;
        ASSERT_ERROR(cgsup_io_stat_parse("8:0 rbytes=abc\n", &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_io_stat_parse("8:0 rbytes\n", &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_io_stat_parse("sda rbytes=1\n", &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_io_stat_parse("8:0rbytes=1\n", &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_io_stat_parse("8:0 =5\n", &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_io_stat_parse("8:0 rbytes=-1\n", &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_ERROR(cgsup_io_stat_parse(NULL, &rb, NULL, NULL, NULL), EINVAL);
        ASSERT_EQ_U64(rb, 5);
}

static bool near(double a, double b) {
        return fabs(a - b) < 1e-9;
}

TEST(pressure_parse) {
        CgsupPressure some = {}, full = {};

        ASSERT_OK(cgsup_pressure_parse("some avg10=1.53 avg60=0.87 avg300=0.25 total=12345678\n"
                                       "full avg10=0.50 avg60=0.10 avg300=0.00 total=2345\n",
                                       &some, &full));
        ASSERT_TRUE(near(some.avg10, 1.53));
        ASSERT_TRUE(near(some.avg60, 0.87));
        ASSERT_TRUE(near(some.avg300, 0.25));
        ASSERT_EQ_U64(some.total_usec, 12345678);
        ASSERT_TRUE(near(full.avg10, 0.5));
        ASSERT_EQ_U64(full.total_usec, 2345);

        /* cpu.pressure before 5.13: only "some". "full" then reads as zeros. */
        full.total_usec = 99;
        ASSERT_OK(cgsup_pressure_parse("some avg10=100.00 avg60=0.00 avg300=0.00 total=7\n", &some, &full));
        ASSERT_TRUE(near(some.avg10, 100.0));
        ASSERT_EQ_U64(some.total_usec, 7);
        ASSERT_EQ_U64(full.total_usec, 0);
        ASSERT_OK(cgsup_pressure_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &some, NULL));
        /* Keys a later kernel may add are skipped, wherever they stand. */
        ASSERT_OK(cgsup_pressure_parse("some future=1 avg10=0.00 avg60=0.00 avg300=0.00 total=3 x=y\n", &some,
                                       NULL));
        ASSERT_EQ_U64(some.total_usec, 3);

        some.total_usec = 42;
        ASSERT_ERROR(cgsup_pressure_parse("", &some, NULL), EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &some, NULL),
                     EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("some avg10=0.00 avg60=0.00 total=0\n", &some, NULL), EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("some avg10=x avg60=0.00 avg300=0.00 total=0\n", &some, NULL),
                     EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("some avg10=1. avg60=0.00 avg300=0.00 total=0\n", &some, NULL),
                     EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("some avg10=1,5 avg60=0.00 avg300=0.00 total=0\n", &some, NULL),
                     EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=-1\n", &some, NULL),
                     EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("some avg10 avg60=0.00 avg300=0.00 total=1\n", &some, NULL),
                     EINVAL);
        ASSERT_ERROR(cgsup_pressure_parse("bogus avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", &some, NULL),
                     EINVAL);
        ASSERT_EQ_U64(some.total_usec, 42);
}

TEST(cgroup_events_parse) {
        CgsupCgroupEvents ev = {};

        ASSERT_OK(cgsup_cgroup_events_parse("populated 1\nfrozen 0\n", &ev));
        ASSERT_TRUE(ev.populated);
        ASSERT_FALSE(ev.frozen);
        ASSERT_OK(cgsup_cgroup_events_parse("populated 0\nfrozen 1\n", &ev));
        ASSERT_FALSE(ev.populated);
        ASSERT_TRUE(ev.frozen);
        /* Before 5.2 there is no "frozen" line; unknown future keys are skipped. */
        ASSERT_OK(cgsup_cgroup_events_parse("populated 1\n", &ev));
        ASSERT_TRUE(ev.populated);
        ASSERT_FALSE(ev.frozen);
        ASSERT_OK(cgsup_cgroup_events_parse("populated 0\nfrozen 0\nsomething_new 17\n", &ev));

        ev.populated = true;
        ASSERT_ERROR(cgsup_cgroup_events_parse("", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse("frozen 1\n", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse("populated 2\n", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse("populated yes\n", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse("populated\n", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse("populated 0\nfrozen x\n", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse("populated 0\nnew_key junk\n", &ev), EINVAL);
        ASSERT_ERROR(cgsup_cgroup_events_parse(NULL, &ev), EINVAL);
        ASSERT_TRUE(ev.populated);
}

TEST(controllers_parse) {
        unsigned m = 0;

        ASSERT_OK(cgsup_controllers_parse("cpuset cpu io memory hugetlb pids rdma misc\n", &m));
        ASSERT_EQ(m, CGSUP_CONTROLLER_CPUSET | CGSUP_CONTROLLER_CPU | CGSUP_CONTROLLER_IO |
                             CGSUP_CONTROLLER_MEMORY | CGSUP_CONTROLLER_PIDS);
        ASSERT_OK(cgsup_controllers_parse("hugetlb\n", &m)); /* this host's cgroup2 */
        ASSERT_EQ(m, 0);
        ASSERT_OK(cgsup_controllers_parse("", &m));
        ASSERT_EQ(m, 0);
        ASSERT_OK(cgsup_controllers_parse("memory", &m));
        ASSERT_EQ(m, CGSUP_CONTROLLER_MEMORY);
        /* "cpu" must not be found inside "cpuset". */
        ASSERT_OK(cgsup_controllers_parse("cpuset", &m));
        ASSERT_EQ(m, CGSUP_CONTROLLER_CPUSET);

        m = 99;
        ASSERT_ERROR(cgsup_controllers_parse("+memory", &m), EINVAL);
        ASSERT_ERROR(cgsup_controllers_parse("memory,cpu", &m), EINVAL);
        ASSERT_ERROR(cgsup_controllers_parse("Memory", &m), EINVAL);
        ASSERT_ERROR(cgsup_controllers_parse(NULL, &m), EINVAL);
        ASSERT_EQ(m, 99);

        ASSERT_STREQ(cgsup_controller_to_string(CGSUP_CONTROLLER_MEMORY), "memory");
        ASSERT_STREQ(cgsup_controller_to_string(CGSUP_CONTROLLER_CPUSET), "cpuset");
        ASSERT_NULL(cgsup_controller_to_string(CGSUP_CONTROLLER_CPU | CGSUP_CONTROLLER_IO));
        ASSERT_NULL(cgsup_controller_to_string(0));
        ASSERT_NULL(cgsup_controller_to_string(1 << 10));
}

static void put(int dfd, const char *name, const char *content) {
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_OK_ERRNO(fd);
        ASSERT_OK(loop_write(fd, content, strlen(content)));
        (void) close(fd);
}

/* The one-read reader of cgroup.events and the *.events counters: the whole text, or EFBIG when it fills
 * the buffer (it might have been cut); a real kernel file, and cgsup_cgroup_events_read() on a fake one. */
TEST(read_virtual_file) {
        char dir[] = "/tmp/test-cg-virtual-XXXXXX", cmd[128], buf[64];
        CgsupCgroupEvents ev = { .populated = true };
        int root;

        ASSERT_ERROR(read_virtual_file_at(AT_FDCWD, "/proc/self/stat", buf, sizeof(buf)), EFBIG); /* > 63 bytes */
        ASSERT_OK(read_virtual_file_at(AT_FDCWD, "/proc/sys/kernel/ostype", buf, sizeof(buf)));
        ASSERT_STREQ(buf, "Linux\n");
        ASSERT_ERROR(read_virtual_file_at(AT_FDCWD, "/proc/self/no-such-file", buf, sizeof(buf)), ENOENT);

        ASSERT_NOT_NULL(mkdtemp(dir));
        root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK_ERRNO(root);
        ASSERT_OK_ERRNO(mkdirat(root, "svc", 0755));
        int dfd = openat(root, "svc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK_ERRNO(dfd);
        put(dfd, "cgroup.events", "populated 0\nfrozen 1\n");
        ASSERT_OK(cgsup_cgroup_events_read(root, "svc", &ev));
        ASSERT_FALSE(ev.populated);
        ASSERT_TRUE(ev.frozen);
        ASSERT_OK(read_virtual_file_at(dfd, "cgroup.events", buf, 23)); /* 21 bytes: one to spare, then the NUL */
        ASSERT_ERROR(read_virtual_file_at(dfd, "cgroup.events", buf, 22), EFBIG);
        ASSERT_ERROR(cgsup_cgroup_events_read(root, "gone", &ev), ENOENT);

        (void) close(dfd);
        (void) close(root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ASSERT_EQ(system(cmd), 0);
}

TEST(stats_read_fake_cgroup) {
        char dir[] = "/tmp/test-cg-stats-XXXXXX", cmd[128];
        int root, dfd;
        CgsupStats s;

        ASSERT_NOT_NULL(mkdtemp(dir));
        root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK_ERRNO(root);
        ASSERT_OK_ERRNO(mkdirat(root, "svc", 0755));
        dfd = openat(root, "svc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK_ERRNO(dfd);

        /* Only cpu.stat without the controller and PSI: what this host's cgroup2 offers. */
        put(dfd, "cpu.stat", "usage_usec 100\nuser_usec 60\nsystem_usec 40\nnice_usec 0\n");
        put(dfd, "cpu.pressure",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
        put(dfd, "memory.pressure",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=6\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=2\n");
        put(dfd, "io.pressure",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=3\n");
        ASSERT_OK(cgsup_stats_read(root, "svc", &s));
        ASSERT_EQ(s.valid, CGSUP_STATS_CPU | CGSUP_STATS_PRESSURE);
        ASSERT_EQ_U64(s.cpu_usage_usec, 100);
        ASSERT_EQ_U64(s.cpu_system_usec, 40);
        ASSERT_EQ_U64(s.cpu_some.total_usec, 5);
        ASSERT_EQ_U64(s.memory_full.total_usec, 2);
        ASSERT_EQ_U64(s.io_full.total_usec, 3);

        /* Everything, as in a cgroup with all controllers enabled. */
        put(dfd, "cpu.stat", cpu_stat);
        put(dfd, "memory.current", "52428800\n");
        put(dfd, "memory.swap.current", "4096\n");
        put(dfd, "memory.peak", "104857600\n");
        put(dfd, "memory.events", memory_events);
        put(dfd, "pids.current", "12\n");
        put(dfd, "pids.peak", "40\n");
        put(dfd, "pids.events", "max 3\n");
        put(dfd, "io.stat", "8:0 rbytes=100 wbytes=200 rios=3 wios=4 dbytes=0 dios=0\n");
        ASSERT_OK(cgsup_stats_read(root, "/svc/", &s));
        ASSERT_EQ(s.valid, CGSUP_STATS_MEMORY | CGSUP_STATS_MEMORY_PEAK | CGSUP_STATS_MEMORY_EVENTS |
                                   CGSUP_STATS_PIDS | CGSUP_STATS_PIDS_PEAK | CGSUP_STATS_PIDS_EVENTS |
                                   CGSUP_STATS_CPU | CGSUP_STATS_CPU_THROTTLE | CGSUP_STATS_IO |
                                   CGSUP_STATS_PRESSURE | CGSUP_STATS_SWAP);
        ASSERT_EQ_U64(s.memory_current, 52428800);
        ASSERT_EQ_U64(s.memory_swap_current, 4096);
        ASSERT_EQ_U64(s.memory_peak, 104857600);
        ASSERT_EQ_U64(s.memory_events_high, 12);
        ASSERT_EQ_U64(s.memory_events_oom_kill, 1);
        ASSERT_EQ_U64(s.pids_current, 12);
        ASSERT_EQ_U64(s.pids_peak, 40);
        ASSERT_EQ_U64(s.pids_events_max, 3);
        ASSERT_EQ_U64(s.cpu_nr_throttled, 17);
        ASSERT_EQ_U64(s.io_wbytes, 200);

        /* A malformed file just leaves its bit unset. */
        put(dfd, "memory.events", "low zero\n");
        ASSERT_OK(cgsup_stats_read(root, "svc", &s));
        ASSERT_FALSE(s.valid & CGSUP_STATS_MEMORY_EVENTS);
        ASSERT_TRUE(s.valid & CGSUP_STATS_MEMORY);

        /* Swap accounting off (no memory.swap.current): memory is still read, swap is unknown, not 0. */
        ASSERT_OK_ERRNO(unlinkat(dfd, "memory.swap.current", 0));
        ASSERT_OK(cgsup_stats_read(root, "svc", &s));
        ASSERT_TRUE(s.valid & CGSUP_STATS_MEMORY);
        ASSERT_FALSE(s.valid & CGSUP_STATS_SWAP);

        ASSERT_ERROR(cgsup_stats_read(root, "missing", &s), ENOENT);
        ASSERT_ERROR(cgsup_stats_read(root, "../x", &s), EINVAL);

        (void) close(dfd);
        (void) close(root);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ASSERT_EQ(system(cmd), 0);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
