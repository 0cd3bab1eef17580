/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arg-check.h"
#include "cgsup/cgroup.h"
#include "cgsupctl.h"
#include "macro.h"
#include "parse-util.h"

int arg_check_signal(const char *s) {
        assert(s);

        if (signal_from_string(s) < 0)
                return usage_error("unknown signal '%s' (expected a name such as TERM, SIGHUP or RTMIN+3, or a "
                                   "number).", s);
        return 0;
}

int arg_check_limit_value(const char *key, const char *value, bool *ret_is_limit) {
        CgsupLimit l;
        uint64_t v;
        int r;

        assert(key);
        assert(value);
        assert(ret_is_limit);

        l = cgsup_limit_from_property(key);
        *ret_is_limit = l >= 0;
        if (l < 0)
                return 0;
        r = cgsup_limit_parse(l, value, &v);
        if (r < 0)
                return usage_error("invalid value '%s' for %s: %s.", value, key, cgsup_limit_parse_error(l, r));
        return 0;
}

int arg_check_limit_assignment(const char *assignment) {
        _cleanup_free_ char *key = NULL;
        const char *eq = strchr(assignment, '=');
        bool is_limit;
        int r;

        if (!eq || eq == assignment || eq[1] == '\0')
                return usage_error("expected KEY=VALUE, got '%s'.", assignment);
        key = strndup(assignment, (size_t) (eq - assignment));
        if (!key)
                return 1;
        r = arg_check_limit_value(key, eq + 1, &is_limit);
        if (r != 0)
                return r;
        if (!is_limit)
                return usage_error("'%s' is not a limit that can be set (memory_max, memory_high, "
                                   "memory_swap_max, pids_max, cpu_quota, cpu_weight, io_weight, or their "
                                   "D-Bus names MemoryMax, ...).", key);
        return 0;
}
