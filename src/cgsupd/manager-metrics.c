/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "manager-metrics.h"

static uint64_t timeval_usec(const struct timeval *tv) {
        return (uint64_t) tv->tv_sec * USEC_PER_SEC + (uint64_t) tv->tv_usec;
}

void manager_self_usage(SelfUsage *ret) {
        _cleanup_free_ char *statm = NULL;
        struct rusage ru;
        uint64_t pages_size, pages_resident;
        long page = sysconf(_SC_PAGESIZE);

        assert(ret);
        *ret = (SelfUsage) { UINT64_MAX, UINT64_MAX, UINT64_MAX };

        /* getrusage()'s ru_maxrss is the peak; the current resident set is only in statm ("size resident
         * shared ...", in pages). */
        if (read_full_file_at(AT_FDCWD, "/proc/self/statm", 4096, &statm, NULL) >= 0 && page > 0 &&
            sscanf(statm, "%" SCNu64 " %" SCNu64, &pages_size, &pages_resident) == 2)
                ret->rss_bytes = pages_resident * (uint64_t) page;

        if (getrusage(RUSAGE_SELF, &ru) >= 0) {
                ret->cpu_user_usec = timeval_usec(&ru.ru_utime);
                ret->cpu_system_usec = timeval_usec(&ru.ru_stime);
        }
}

int manager_group_read_stats(Manager *m, const char *group, CgsupStats *ret) {
        _cleanup_free_ char *path = NULL;
        int r;

        assert(m);
        assert(group);
        assert(ret);

        if (m->cgroup_root_fd < 0 || !m->cgroup)
                return -ENOENT;
        r = manager_group_cgroup(m, group, &path);
        if (r < 0)
                return r;
        return cgsup_stats_read(m->cgroup_root_fd, path, ret);
}
