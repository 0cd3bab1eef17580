/* SPDX-License-Identifier: MIT */
#pragma once

/* Figures for the metrics (org.cgsup1.Manager.GetMetrics) that are not a program's own: the daemon's cost
 * and the group cgroups. Read when asked, never on a timer. */

#include <stdint.h>

#include "manager.h"

typedef struct SelfUsage {
        uint64_t rss_bytes;          /* resident set now (/proc/self/statm), UINT64_MAX if unreadable */
        uint64_t cpu_user_usec, cpu_system_usec;
} SelfUsage;

/* Never fails: fields that cannot be read are UINT64_MAX. */
void manager_self_usage(SelfUsage *ret);

/* Stats of the [group:x] parent cgroup of @group; -ENOENT when it does not exist (no member running). */
int manager_group_read_stats(Manager *m, const char *group, CgsupStats *ret);
