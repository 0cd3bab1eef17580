/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cg-internal.h"
#include "macro.h"
#include "parse-util.h"

/* cpu.max is written as "QUOTA PERIOD"; we fix the period at the kernel's default of 100 ms. */
#define CPU_PERIOD_USEC 100000ULL
/* The kernel refuses quotas under 1 ms per period (cfs_bandwidth min_cfs_quota_period), i.e. 1 %. */
#define CPU_QUOTA_MIN_BP 100ULL
/* 10 000 CPUs: far above any machine, far below the kernel's cap of 2^44 µs per period. */
#define CPU_QUOTA_MAX_BP (10000ULL * 10000ULL)
/* pids.max accepts 0..PID_MAX_LIMIT (4 Mi on 64-bit: include/linux/threads.h). */
#define PIDS_MAX_LIMIT (4ULL * 1024ULL * 1024ULL)
#define WEIGHT_MIN 1ULL
#define WEIGHT_MAX 10000ULL

typedef enum LimitType {
        LIMIT_BYTES,
        LIMIT_COUNT,
        LIMIT_CPU_QUOTA,
        LIMIT_WEIGHT,
        LIMIT_IO_WEIGHT,
} LimitType;

/* The one table that ties a config key to its D-Bus property name, cgroup file, controller and value
 * syntax. */
static const struct {
        const char *key;
        const char *property;
        const char *file;
        unsigned controller;
        LimitType type;
} limit_table[_CGSUP_LIMIT_COUNT] = {
        [CGSUP_LIMIT_MEMORY_MAX] = { "memory_max", "MemoryMax", "memory.max", CGSUP_CONTROLLER_MEMORY,
                                    LIMIT_BYTES },
        [CGSUP_LIMIT_MEMORY_HIGH] = { "memory_high", "MemoryHigh", "memory.high", CGSUP_CONTROLLER_MEMORY,
                                     LIMIT_BYTES },
        [CGSUP_LIMIT_MEMORY_SWAP_MAX] = { "memory_swap_max", "MemorySwapMax", "memory.swap.max",
                                         CGSUP_CONTROLLER_MEMORY, LIMIT_BYTES },
        [CGSUP_LIMIT_PIDS_MAX] = { "pids_max", "TasksMax", "pids.max", CGSUP_CONTROLLER_PIDS, LIMIT_COUNT },
        [CGSUP_LIMIT_CPU_QUOTA] = { "cpu_quota", "CPUQuota", "cpu.max", CGSUP_CONTROLLER_CPU,
                                   LIMIT_CPU_QUOTA },
        [CGSUP_LIMIT_CPU_WEIGHT] = { "cpu_weight", "CPUWeight", "cpu.weight", CGSUP_CONTROLLER_CPU,
                                    LIMIT_WEIGHT },
        [CGSUP_LIMIT_IO_WEIGHT] = { "io_weight", "IOWeight", "io.weight", CGSUP_CONTROLLER_IO,
                                   LIMIT_IO_WEIGHT },
};

static bool limit_valid(CgsupLimit limit) {
        return (int) limit >= 0 && limit < _CGSUP_LIMIT_COUNT;
}

_public_ const char *cgsup_limit_to_string(CgsupLimit limit) {
        return limit_valid(limit) ? limit_table[limit].key : NULL;
}

_public_ CgsupLimit cgsup_limit_from_string(const char *key) {
        if (!key)
                return _CGSUP_LIMIT_INVALID;
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                const char *a = limit_table[i].key, *b = key;
                /* "memory-max" is accepted for "memory_max" (command-line habit). */
                while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
                        a++;
                        b++;
                }
                if (!*a && !*b)
                        return (CgsupLimit) i;
        }
        return _CGSUP_LIMIT_INVALID;
}

_public_ CgsupLimit cgsup_limit_from_property(const char *key) {
        if (!key)
                return _CGSUP_LIMIT_INVALID;
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++)
                if (streq(limit_table[i].property, key))
                        return (CgsupLimit) i;
        /* Only keys that look like config keys: "MemoryMax" is not "memorymax". */
        if (strchr(key, '_') || strchr(key, '-'))
                return cgsup_limit_from_string(key);
        return _CGSUP_LIMIT_INVALID;
}

_public_ unsigned cgsup_limit_controller(CgsupLimit limit) {
        return limit_valid(limit) ? limit_table[limit].controller : 0;
}

_public_ const char *cgsup_limit_file(CgsupLimit limit) {
        return limit_valid(limit) ? limit_table[limit].file : NULL;
}

static bool is_infinity(const char *s) {
        return strcasecmp(s, "max") == 0 || strcasecmp(s, "infinity") == 0;
}

_public_ int cgsup_limit_parse(CgsupLimit limit, const char *value, uint64_t *ret) {
        uint64_t v;
        int r;

        if (!limit_valid(limit) || !ret)
                return -EINVAL;
        if (isempty(value))
                return -EINVAL;

        switch (limit_table[limit].type) {
        case LIMIT_BYTES:
                if (is_infinity(value)) {
                        v = CGSUP_LIMIT_INFINITY;
                        break;
                }
                /* 0 is valid: the kernel accepts memory.max 0 (reclaim everything / OOM at once). */
                r = parse_size(value, &v);
                if (r < 0)
                        return r;
                break;

        case LIMIT_COUNT:
                if (is_infinity(value)) {
                        v = CGSUP_LIMIT_INFINITY;
                        break;
                }
                r = safe_atou64(value, &v);
                if (r < 0)
                        return r;
                break;

        case LIMIT_CPU_QUOTA:
                if (is_infinity(value)) {
                        v = CGSUP_LIMIT_INFINITY;
                        break;
                }
                /* Only percentages: a bare "150" could mean 150 % or 150 µs, so it is refused. */
                r = parse_permyriad(value, &v);
                if (r < 0)
                        return r;
                break;

        case LIMIT_WEIGHT:
        case LIMIT_IO_WEIGHT:
                r = safe_atou64(value, &v);
                if (r < 0)
                        return r;
                break;

        default:
                return -EINVAL;
        }
        r = cgsup_limit_check_value(limit, v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

_public_ int cgsup_limit_check_value(CgsupLimit limit, uint64_t value) {
        if (!limit_valid(limit))
                return -EINVAL;

        switch (limit_table[limit].type) {
        case LIMIT_BYTES:
                /* Any size: 0 is valid, the kernel accepts memory.max 0 (reclaim everything / OOM at once). */
                return 0;
        case LIMIT_COUNT:
                if (value == CGSUP_LIMIT_INFINITY)
                        return 0;
                /* pids_max=0 would stop even the first process from starting: like systemd's TasksMax=,
                 * refuse it. */
                return value == 0 || value > PIDS_MAX_LIMIT ? -ERANGE : 0;
        case LIMIT_CPU_QUOTA:
                if (value == CGSUP_LIMIT_INFINITY)
                        return 0;
                return value < CPU_QUOTA_MIN_BP || value > CPU_QUOTA_MAX_BP ? -ERANGE : 0;
        case LIMIT_WEIGHT:
        case LIMIT_IO_WEIGHT:
                return value < WEIGHT_MIN || value > WEIGHT_MAX ? -ERANGE : 0;
        }
        return -EINVAL;
}

_public_ const char *cgsup_limit_parse_error(CgsupLimit limit, int error) {
        bool range = error == -ERANGE || error == ERANGE;

        if (!limit_valid(limit))
                return "unknown limit";
        switch (limit_table[limit].type) {
        case LIMIT_BYTES:
                return range ? "size too large (use max for no limit)"
                             : "expected a size like 512M, 1.5G, 1073741824 or max";
        case LIMIT_COUNT:
                return range ? "expected a number of tasks from 1 to 4194304, or max"
                             : "expected a number of tasks or max";
        case LIMIT_CPU_QUOTA:
                return range ? "expected at least 1% (the kernel's minimum of 1 ms per 100 ms period) and "
                               "at most "
                               "1000000%"
                             : "expected a percentage of one CPU like 150% or 12.5% (at most two decimals), "
                               "or max";
        case LIMIT_WEIGHT:
        case LIMIT_IO_WEIGHT:
                return "expected a weight from 1 to 10000";
        }
        return "invalid value";
}

_public_ const char *cgsup_limit_format(CgsupLimit limit, uint64_t value, char *buf, size_t size) {
        static const struct {
                char suffix;
                unsigned shift;
        } units[] = { { 'T', 40 }, { 'G', 30 }, { 'M', 20 }, { 'K', 10 } };

        if (!buf || size == 0)
                return NULL;
        if (!limit_valid(limit)) {
                snprintf(buf, size, "?");
                return buf;
        }
        if (value == CGSUP_LIMIT_INFINITY && limit_table[limit].type != LIMIT_WEIGHT &&
            limit_table[limit].type != LIMIT_IO_WEIGHT) {
                snprintf(buf, size, "max");
                return buf;
        }

        switch (limit_table[limit].type) {
        case LIMIT_BYTES:
                /* Exact forms only, so that parse(format(v)) == v: "1.5G" comes back as "1536M". */
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (value != 0 && value % (1ULL << units[i].shift) == 0) {
                                snprintf(buf, size, "%" PRIu64 "%c", value >> units[i].shift,
                                         units[i].suffix);
                                return buf;
                        }
                snprintf(buf, size, "%" PRIu64, value);
                return buf;
        case LIMIT_CPU_QUOTA:
                if (value % 100 == 0)
                        snprintf(buf, size, "%" PRIu64 "%%", value / 100);
                else if (value % 10 == 0)
                        snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%%", value / 100, (value % 100) / 10);
                else
                        snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 "%%", value / 100, value % 100);
                return buf;
        default:
                snprintf(buf, size, "%" PRIu64, value);
                return buf;
        }
}

_public_ void cgsup_limits_set(CgsupLimits *limits, CgsupLimit limit, uint64_t value) {
        if (!limits || !limit_valid(limit))
                return;
        limits->value[limit] = value;
        limits->set |= 1U << limit;
}

_public_ bool cgsup_limits_is_set(const CgsupLimits *limits, CgsupLimit limit) {
        return limits && limit_valid(limit) && (limits->set & (1U << limit));
}

_public_ unsigned cgsup_limits_controllers(const CgsupLimits *limits) {
        unsigned mask = 0;
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++)
                if (cgsup_limits_is_set(limits, (CgsupLimit) i))
                        mask |= limit_table[i].controller;
        return mask;
}

int cg_limit_to_kernel(CgsupLimit limit, uint64_t value, char *buf, size_t size) {
        bool inf = value == CGSUP_LIMIT_INFINITY;

        switch (limit_table[limit].type) {
        case LIMIT_BYTES:
        case LIMIT_COUNT:
                if (inf)
                        snprintf(buf, size, "max");
                else
                        snprintf(buf, size, "%" PRIu64, value);
                return 0;
        case LIMIT_CPU_QUOTA:
                if (inf)
                        snprintf(buf, size, "max %llu", CPU_PERIOD_USEC);
                else
                        /* basis points of one CPU → µs per 100 000 µs period: 1 bp = 10 µs. */
                        snprintf(buf, size, "%" PRIu64 " %llu", (uint64_t) (value * CPU_PERIOD_USEC / 10000),
                                 CPU_PERIOD_USEC);
                return 0;
        case LIMIT_WEIGHT:
                snprintf(buf, size, "%" PRIu64, value);
                return 0;
        case LIMIT_IO_WEIGHT:
                snprintf(buf, size, "default %" PRIu64, value);
                return 0;
        }
        return -EINVAL;
}

int cg_limit_from_kernel(CgsupLimit limit, const char *text, uint64_t *ret) {
        char word[32], word2[32];
        uint64_t v, period;

        if (!limit_valid(limit) || !text)
                return -EINVAL;

        switch (limit_table[limit].type) {
        case LIMIT_BYTES:
        case LIMIT_COUNT:
        case LIMIT_WEIGHT:
                if (sscanf(text, "%31s", word) != 1)
                        return -EIO;
                if (streq(word, "max") && limit_table[limit].type != LIMIT_WEIGHT)
                        v = CGSUP_LIMIT_INFINITY;
                else if (safe_atou64(word, &v) < 0)
                        return -EIO;
                break;

        case LIMIT_CPU_QUOTA:
                if (sscanf(text, "%31s %31s", word, word2) != 2 || safe_atou64(word2, &period) < 0 ||
                    period == 0)
                        return -EIO;
                if (streq(word, "max"))
                        v = CGSUP_LIMIT_INFINITY;
                else if (safe_atou64(word, &v) < 0 || v > UINT64_MAX / 10000)
                        return -EIO;
                else
                        v = (v * 10000 + period / 2) / period; /* rounded, for periods set by others */
                break;

        case LIMIT_IO_WEIGHT: {
                /* "default 100\n8:0 200\n": we manage the default; per-device overrides are not ours. */
                const char *p = text;
                for (;;) {
                        if (strneq(p, "default ", 8)) {
                                if (sscanf(p + 8, "%31s", word) != 1 || safe_atou64(word, &v) < 0)
                                        return -EIO;
                                break;
                        }
                        p = strchr(p, '\n');
                        if (!p)
                                return -EIO;
                        p++;
                }
                break;
        }
        default:
                return -EIO;
        }
        *ret = v;
        return 0;
}

/* Memory sizes are stored in pages (rounded down: page_counter_memparse()), and values beyond
 * PAGE_COUNTER_MAX (LONG_MAX / PAGE_SIZE) pages are clamped and read back as "max". */
bool cg_limit_readback_ok(CgsupLimit limit, uint64_t written, uint64_t read_back, uint64_t page_size) {
        if (written == read_back)
                return true;
        if (!limit_valid(limit) || limit_table[limit].type != LIMIT_BYTES || page_size == 0)
                return false;
        if (written == CGSUP_LIMIT_INFINITY)
                return false;
        if (read_back == CGSUP_LIMIT_INFINITY)
                return written / page_size >= (uint64_t) LONG_MAX / page_size;
        return read_back <= written && written - read_back < page_size && read_back % page_size == 0;
}

int cg_limit_file_missing(int root_fd, const char *path) {
        int r = cg_file_exists(root_fd, path, NULL);
        if (r < 0)
                return cg_errno_filter(r);
        /* The cgroup is there but not the file: its parent has not enabled the controller for it (or the
         * kernel lacks the feature, e.g. memory.swap.max without swap accounting). */
        return r ? -EOPNOTSUPP : -ENOENT;
}

_public_ int cgsup_limit_read(int root_fd, const char *path, CgsupLimit limit, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!limit_valid(limit) || !ret)
                return -EINVAL;
        r = cg_read_file(root_fd, path, limit_table[limit].file, &text);
        if (r == -ENOENT)
                return cg_limit_file_missing(root_fd, path);
        if (r < 0)
                return cg_errno_filter(r);
        return cg_limit_from_kernel(limit, text, ret);
}
