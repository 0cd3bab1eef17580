/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the small parsers every value of a config file or a D-Bus call goes through: booleans, numbers,
 * modes, signals, sizes, durations, percentages, every limit key, program names, healthcheck targets and
 * URLs, HTTP status lines (health.c) and syscall_filter= specs (compiled in memory, never installed).
 * Each input is one value; every parser sees it.
 */
#include <stdlib.h>
#include <string.h>

#include "cgsup/cgroup.h"
#include "cgsup/spawn.h"
#include "fuzz.h"
#include "health-target.h"
#include "health.h"
#include "name-util.h"
#include "parse-util.h"

static void fuzz_numbers(const char *s) {
        char buf[64];
        uint64_t u64;
        unsigned u;
        usec_t usec;
        mode_t mode;
        int i, sig;

        (void) parse_boolean(s);
        (void) safe_atou(s, &u);
        (void) safe_atoi(s, &i);
        (void) parse_mode(s, &mode);
        if (safe_atou64(s, &u64) >= 0) {
                (void) format_bytes(buf, sizeof buf, u64);
                (void) format_timespan(buf, sizeof buf, u64);
        }
        if (parse_size(s, &u64) >= 0)
                (void) format_bytes(buf, sizeof buf, u64);
        if (parse_sec(s, &usec) >= 0)
                (void) format_timespan(buf, sizeof buf, usec);
        (void) parse_permyriad(s, &u64);

        /* A signal we name must read back as the same signal. */
        sig = signal_from_string(s);
        if (sig > 0) {
                const char *name = signal_to_string(sig);
                if (name && signal_from_string(name) != sig)
                        __builtin_trap();
        }
}

static void fuzz_limits(const char *s) {
        char buf[64];
        uint64_t v;

        (void) cgsup_limit_from_string(s);
        for (CgsupLimit l = 0; l < _CGSUP_LIMIT_COUNT; l++) {
                int r = cgsup_limit_parse(l, s, &v);
                if (r < 0)
                        (void) cgsup_limit_parse_error(l, r);
                else
                        (void) cgsup_limit_format(l, v, buf, sizeof buf);
        }
}

static void fuzz_targets(const char *s, size_t size) {
        char *host = NULL, *path = NULL;
        const char *why;
        unsigned port;
        struct rlimit rl;

        if (health_parse_url(s, &host, &port, &path) >= 0) {
                free(host);
                free(path);
        }
        if (health_parse_hostport(s, &host, &port) >= 0)
                free(host);
        (void) health_target_check(HEALTH_TCP, s, &why);
        (void) health_target_check(HEALTH_HTTP, s, &why);
        for (int res = 0; res < _CONF_RLIMIT_MAX; res++)
                (void) rlimit_parse(res, s, &rl, &why);
        (void) program_name_invalid_reason(s);
}

static void fuzz_seccomp(const char *s) {
        CgsupSeccompFilter *f = NULL;
        char *bad = NULL;

        /* libseccomp compiles three ABIs per filter: keep the inputs that reach it short. */
        if (strlen(s) > 512)
                return;
        if (cgsup_seccomp_filter_new(s, 0, &f, &bad) >= 0)
                cgsup_seccomp_filter_free(f);
        free(bad);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s;

        if (size > 4096)
                return 0;
        s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';

        fuzz_numbers(s);
        fuzz_limits(s);
        fuzz_targets(s, size);
        fuzz_seccomp(s);
        free(s);
        return 0;
}
