/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "cg-internal.h"
#include "macro.h"
#include "parse-util.h"

/* Copies the token at @p (up to whitespace) into @buf; returns its length, or SIZE_MAX if too long. */
static size_t token(const char *p, char *buf, size_t size) {
        size_t n = strcspn(p, " \t\n");
        if (n >= size)
                return SIZE_MAX;
        memcpy(buf, p, n);
        buf[n] = 0;
        return n;
}

/* Reads the next whitespace-separated "key=value" token of the line [*p, end) into @buf and cuts it at the
 * '=': @buf is then the key (possibly empty) and *ret_value points at the value. Returns 1 for a token, 0
 * at the end of the line, -EINVAL for a token too long for @buf or one without '='. */
static int next_key_value(const char **p, const char *end, char *buf, size_t size, char **ret_value) {
        char *eq;
        size_t tn;

        *p += strspn(*p, " \t");
        if (*p >= end)
                return 0;
        tn = token(*p, buf, size);
        if (tn == SIZE_MAX)
                return -EINVAL;
        *p += tn;
        eq = strchr(buf, '=');
        if (!eq)
                return -EINVAL;
        *eq = 0;
        *ret_value = eq + 1;
        return 1;
}

_public_ int cgsup_flat_keyed_get(const char *text, const char *key, uint64_t *ret) {
        size_t klen;

        if (!text || isempty(key) || !ret)
                return -EINVAL;
        klen = strlen(key);

        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");

                if (n > klen && strneq(line, key, klen) && line[klen] == ' ') {
                        char val[32];
                        const char *v = line + klen + 1;
                        size_t vn = token(v, val, sizeof(val));
                        uint64_t x;

                        /* Exactly "key N": anything after N on the line is malformed. */
                        if (vn == SIZE_MAX || vn == 0 || v + vn != line + n || safe_atou64(val, &x) < 0)
                                return -EINVAL;
                        *ret = x;
                        return 0;
                }
                line += n;
                if (*line)
                        line++;
        }
        return -ENOENT;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

_public_ int cgsup_io_stat_parse(const char *text, uint64_t *ret_rbytes, uint64_t *ret_wbytes,
                                 uint64_t *ret_rios, uint64_t *ret_wios) {
        static const char *const keys[] = { "rbytes", "wbytes", "rios", "wios" };
        uint64_t sum[4] = {};

        if (!text)
                return -EINVAL;

        /* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n" per device; iocost adds more keys. */
        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");
                const char *end = line + n, *p = line;
                unsigned maj, min;
                int consumed = 0;

                if (n == 0) {
                        line++;
                        continue;
                }
                if (sscanf(p, "%u:%u%n", &maj, &min, &consumed) != 2 ||
                    (p[consumed] != ' ' && p + consumed != end))
                        return -EINVAL;
                p += consumed;

                for (;;) {
                        char tok[128], *val;
                        int r = next_key_value(&p, end, tok, sizeof(tok), &val);

                        if (r < 0)
                                return r;
                        if (r == 0)
                                break;
                        if (tok[0] == 0)
                                return -EINVAL; /* "=1": a value without a key */
                        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                                if (streq(tok, keys[i])) {
                                        uint64_t v;
                                        if (safe_atou64(val, &v) < 0)
                                                return -EINVAL;
                                        sum[i] = add_sat(sum[i], v);
                                }
                }
                line = *end ? end + 1 : end;
        }

        if (ret_rbytes)
                *ret_rbytes = sum[0];
        if (ret_wbytes)
                *ret_wbytes = sum[1];
        if (ret_rios)
                *ret_rios = sum[2];
        if (ret_wios)
                *ret_wios = sum[3];
        return 0;
}

/* "12.34" → 12.34 without strtod(), whose decimal separator follows the caller's locale. */
static int parse_decimal(const char *s, double *ret) {
        uint64_t ip = 0;
        double frac = 0, scale = 1;
        const char *p = s;

        if (*p < '0' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                if (ip > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                ip = ip * 10 + (uint64_t) (*p - '0');
        }
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (; *p >= '0' && *p <= '9'; p++) {
                        scale /= 10;
                        frac += (*p - '0') * scale;
                }
        }
        if (*p)
                return -EINVAL;
        *ret = (double) ip + frac;
        return 0;
}

static int pressure_line(const char *p, const char *end, CgsupPressure *ret) {
        CgsupPressure x = {};
        unsigned seen = 0;

        for (;;) {
                char tok[64], *val;
                int r = next_key_value(&p, end, tok, sizeof(tok), &val);

                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (streq(tok, "avg10") && parse_decimal(val, &x.avg10) >= 0)
                        seen |= 1;
                else if (streq(tok, "avg60") && parse_decimal(val, &x.avg60) >= 0)
                        seen |= 2;
                else if (streq(tok, "avg300") && parse_decimal(val, &x.avg300) >= 0)
                        seen |= 4;
                else if (streq(tok, "total") && safe_atou64(val, &x.total_usec) >= 0)
                        seen |= 8;
                else if (streq(tok, "avg10") || streq(tok, "avg60") || streq(tok, "avg300") ||
                         streq(tok, "total"))
                        return -EINVAL; /* known key, bad number */
        }
        if (seen != 15)
                return -EINVAL;
        *ret = x;
        return 0;
}

_public_ int cgsup_pressure_parse(const char *text, CgsupPressure *ret_some, CgsupPressure *ret_full) {
        CgsupPressure some = {}, full = {};
        bool have_some = false;
        int r;

        if (!text)
                return -EINVAL;
        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");
                const char *end = line + n;

                if (n == 0) {
                        line++;
                        continue;
                }
                if (strneq(line, "some ", 5)) {
                        r = pressure_line(line + 5, end, &some);
                        if (r < 0)
                                return r;
                        have_some = true;
                } else if (strneq(line, "full ", 5)) {
                        r = pressure_line(line + 5, end, &full);
                        if (r < 0)
                                return r;
                } else
                        return -EINVAL;
                line = *end ? end + 1 : end;
        }
        if (!have_some)
                return -EINVAL;
        if (ret_some)
                *ret_some = some;
        /* cpu.pressure has a "full" line only since Linux 5.13: missing means zeros. */
        if (ret_full)
                *ret_full = full;
        return 0;
}

static int read_u64_file(int root_fd, const char *path, const char *file, uint64_t *ret) {
        _cleanup_free_ char *text = NULL;
        char buf[32];
        int r;

        r = cg_read_file(root_fd, path, file, &text);
        if (r < 0)
                return r;
        if (token(text, buf, sizeof(buf)) == SIZE_MAX)
                return -EINVAL;
        if (streq(buf, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        return safe_atou64(buf, ret);
}

_public_ int cgsup_stats_read(int root_fd, const char *path, CgsupStats *ret) {
        CgsupStats s = {};
        char *t;
        int r;

        if (!ret)
                return -EINVAL;
        r = cg_file_exists(root_fd, path, NULL);
        if (r < 0)
                return cg_errno_filter(r);
        if (r == 0)
                return -ENOENT;

        /* Each group of files sets its bit only when it could be read and parsed; a file that is missing
         * (controller not enabled, older kernel) or unreadable just leaves its bit unset. */
        if (read_u64_file(root_fd, path, "memory.current", &s.memory_current) >= 0) {
                s.valid |= CGSUP_STATS_MEMORY;
                if (read_u64_file(root_fd, path, "memory.swap.current", &s.memory_swap_current) >= 0)
                        s.valid |= CGSUP_STATS_SWAP;
        }
        if (read_u64_file(root_fd, path, "memory.peak", &s.memory_peak) >= 0)
                s.valid |= CGSUP_STATS_MEMORY_PEAK;

        if (cg_read_file(root_fd, path, "memory.events", &t) >= 0) {
                _cleanup_free_ char *text = t;
                if (cgsup_flat_keyed_get(text, "low", &s.memory_events_low) >= 0 &&
                    cgsup_flat_keyed_get(text, "high", &s.memory_events_high) >= 0 &&
                    cgsup_flat_keyed_get(text, "max", &s.memory_events_max) >= 0 &&
                    cgsup_flat_keyed_get(text, "oom", &s.memory_events_oom) >= 0 &&
                    cgsup_flat_keyed_get(text, "oom_kill", &s.memory_events_oom_kill) >= 0) {
                        /* oom_group_kill: Linux 5.17+. */
                        (void) cgsup_flat_keyed_get(text, "oom_group_kill", &s.memory_events_oom_group_kill);
                        s.valid |= CGSUP_STATS_MEMORY_EVENTS;
                }
        }

        if (read_u64_file(root_fd, path, "pids.current", &s.pids_current) >= 0)
                s.valid |= CGSUP_STATS_PIDS;
        if (read_u64_file(root_fd, path, "pids.peak", &s.pids_peak) >= 0)
                s.valid |= CGSUP_STATS_PIDS_PEAK;
        if (cg_read_file(root_fd, path, "pids.events", &t) >= 0) {
                _cleanup_free_ char *text = t;
                if (cgsup_flat_keyed_get(text, "max", &s.pids_events_max) >= 0)
                        s.valid |= CGSUP_STATS_PIDS_EVENTS;
        }

        if (cg_read_file(root_fd, path, "cpu.stat", &t) >= 0) {
                _cleanup_free_ char *text = t;
                if (cgsup_flat_keyed_get(text, "usage_usec", &s.cpu_usage_usec) >= 0 &&
                    cgsup_flat_keyed_get(text, "user_usec", &s.cpu_user_usec) >= 0 &&
                    cgsup_flat_keyed_get(text, "system_usec", &s.cpu_system_usec) >= 0)
                        s.valid |= CGSUP_STATS_CPU;
                /* Only with the cpu controller enabled for this cgroup. */
                if (cgsup_flat_keyed_get(text, "nr_periods", &s.cpu_nr_periods) >= 0 &&
                    cgsup_flat_keyed_get(text, "nr_throttled", &s.cpu_nr_throttled) >= 0 &&
                    cgsup_flat_keyed_get(text, "throttled_usec", &s.cpu_throttled_usec) >= 0)
                        s.valid |= CGSUP_STATS_CPU_THROTTLE;
        }

        if (cg_read_file(root_fd, path, "io.stat", &t) >= 0) {
                _cleanup_free_ char *text = t;
                if (cgsup_io_stat_parse(text, &s.io_rbytes, &s.io_wbytes, &s.io_rios, &s.io_wios) >= 0)
                        s.valid |= CGSUP_STATS_IO;
        }

        /* PSI files exist unless the kernel was booted with psi=0 (then reading gives EOPNOTSUPP). */
        {
                _cleanup_free_ char *cpu = NULL, *mem = NULL, *io = NULL;
                if (cg_read_file(root_fd, path, "cpu.pressure", &cpu) >= 0 &&
                    cg_read_file(root_fd, path, "memory.pressure", &mem) >= 0 &&
                    cg_read_file(root_fd, path, "io.pressure", &io) >= 0 &&
                    cgsup_pressure_parse(cpu, &s.cpu_some, NULL) >= 0 &&
                    cgsup_pressure_parse(mem, &s.memory_some, &s.memory_full) >= 0 &&
                    cgsup_pressure_parse(io, &s.io_some, &s.io_full) >= 0)
                        s.valid |= CGSUP_STATS_PRESSURE;
        }

        *ret = s;
        return 0;
}
