/* SPDX-License-Identifier: MIT */
/*
 * rlimit_<name> = VALUE: setrlimit(2) for the program, in systemd's Limit*= value syntax (systemd.exec(5)):
 * one value sets the soft and the hard limit, "SOFT:HARD" each; "infinity" is no limit. Byte limits take
 * sizes (1024-based K, M, G, ...), rlimit_cpu seconds or a time span, rlimit_rttime a time span (in µs, as
 * the kernel counts it), the others plain numbers.
 */
#include <assert.h>
#include <strings.h>
#include <sys/resource.h>

#include "conf-internal.h"
#include "parse-util.h"

typedef enum RlimitUnit {
        RLIMIT_UNIT_NUMBER,
        RLIMIT_UNIT_BYTES,
        RLIMIT_UNIT_SECONDS,
        RLIMIT_UNIT_USEC,
} RlimitUnit;

static const struct {
        const char *key;
        int resource;
        RlimitUnit unit;
} rlimit_table[] = {
        { "rlimit_as", RLIMIT_AS, RLIMIT_UNIT_BYTES },
        { "rlimit_core", RLIMIT_CORE, RLIMIT_UNIT_BYTES },
        { "rlimit_cpu", RLIMIT_CPU, RLIMIT_UNIT_SECONDS },
        { "rlimit_data", RLIMIT_DATA, RLIMIT_UNIT_BYTES },
        { "rlimit_fsize", RLIMIT_FSIZE, RLIMIT_UNIT_BYTES },
        { "rlimit_locks", RLIMIT_LOCKS, RLIMIT_UNIT_NUMBER },
        { "rlimit_memlock", RLIMIT_MEMLOCK, RLIMIT_UNIT_BYTES },
        { "rlimit_msgqueue", RLIMIT_MSGQUEUE, RLIMIT_UNIT_BYTES },
        { "rlimit_nice", RLIMIT_NICE, RLIMIT_UNIT_NUMBER },
        { "rlimit_nofile", RLIMIT_NOFILE, RLIMIT_UNIT_NUMBER },
        { "rlimit_nproc", RLIMIT_NPROC, RLIMIT_UNIT_NUMBER },
        { "rlimit_rss", RLIMIT_RSS, RLIMIT_UNIT_BYTES },
        { "rlimit_rtprio", RLIMIT_RTPRIO, RLIMIT_UNIT_NUMBER },
        { "rlimit_rttime", RLIMIT_RTTIME, RLIMIT_UNIT_USEC },
        { "rlimit_sigpending", RLIMIT_SIGPENDING, RLIMIT_UNIT_NUMBER },
        { "rlimit_stack", RLIMIT_STACK, RLIMIT_UNIT_BYTES },
};

int rlimit_from_key(const char *key) {
        for (size_t i = 0; key && i < ELEMENTSOF(rlimit_table); i++)
                if (streq(key, rlimit_table[i].key))
                        return rlimit_table[i].resource;
        return -EINVAL;
}

const char *rlimit_to_key(int resource) {
        for (size_t i = 0; i < ELEMENTSOF(rlimit_table); i++)
                if (rlimit_table[i].resource == resource)
                        return rlimit_table[i].key;
        return NULL;
}

static int parse_one(const char *s, RlimitUnit unit, rlim_t *ret) {
        uint64_t v;
        usec_t u;
        int r;

        if (strcasecmp(s, "infinity") == 0) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        switch (unit) {
        case RLIMIT_UNIT_BYTES:
                r = parse_size(s, &v);
                break;
        case RLIMIT_UNIT_SECONDS:
        case RLIMIT_UNIT_USEC:
                r = parse_sec(s, &u);
                /* Seconds round up, as systemd does: "500ms" must not become no time at all. */
                v = unit == RLIMIT_UNIT_USEC ? u : (u + USEC_PER_SEC - 1) / USEC_PER_SEC;
                break;
        default:
                r = safe_atou64(s, &v);
                break;
        }
        if (r < 0)
                return -EINVAL;
        if (v == (uint64_t) RLIM_INFINITY)
                return -ERANGE;
        *ret = (rlim_t) v;
        return 0;
}

int rlimit_parse(int resource, const char *value, struct rlimit *ret, const char **reterr_why) {
        _cleanup_free_ char *soft = NULL;
        const char *colon, *hard;
        RlimitUnit unit = RLIMIT_UNIT_NUMBER;
        struct rlimit l;
        bool known = false;

        assert(value && ret && reterr_why);
        for (size_t i = 0; i < ELEMENTSOF(rlimit_table); i++)
                if (rlimit_table[i].resource == resource) {
                        unit = rlimit_table[i].unit;
                        known = true;
                }
        if (!known)
                return -EINVAL;
        colon = strchr(value, ':');
        soft = colon ? strndup(value, (size_t) (colon - value)) : strdup(value);
        if (!soft)
                return -ENOMEM;
        hard = colon ? colon + 1 : soft;
        if (parse_one(soft, unit, &l.rlim_cur) < 0 || parse_one(hard, unit, &l.rlim_max) < 0) {
                *reterr_why = unit == RLIMIT_UNIT_BYTES ?
                                      "not a size, SOFT:HARD or infinity (e.g. 64M, 8M:16M, infinity)" :
                              unit == RLIMIT_UNIT_NUMBER ?
                                      "not a number, SOFT:HARD or infinity (e.g. 4096, 1024:65536, infinity)" :
                                      "not a time, SOFT:HARD or infinity (e.g. 30s, 1min:2min, infinity)";
                return -EINVAL;
        }
        if (l.rlim_cur > l.rlim_max) {
                *reterr_why = "the soft limit is above the hard limit";
                return -EINVAL;
        }
        *ret = l;
        return 0;
}
