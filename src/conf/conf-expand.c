/* SPDX-License-Identifier: MIT */
/*
 * %(name)s expansion, as supervisord's expand(): Python's "value % expansions" with a dict. We implement
 * the subset real files use: %(name)s and %(name)d/i/u with flags "-0+ " and a width/precision
 * ("%(process_num)02d"), and %% for a literal percent. Everything else Python would reject is an error
 * here too ("%USER%" placeholders left for an entrypoint are "unsupported format character 'U'" in
 * supervisord), with a hint.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"
#include "parse-util.h"
#include "strv.h"

#define EXPAND_MAX_OUTPUT (CONF_MAX_VALUE * 4U)
#define EXPAND_MAX_WIDTH 4096

typedef struct Buf {
        char *s;
        size_t n, alloc;
} Buf;

static int buf_add(Buf *b, const char *s, size_t n) {
        if (b->n + n + 1 > EXPAND_MAX_OUTPUT)
                return -E2BIG;
        if (b->n + n + 1 > b->alloc) {
                size_t a = MAX(b->alloc * 2, b->n + n + 64);
                char *p = realloc(b->s, a);
                if (!p)
                        return -ENOMEM;
                b->s = p;
                b->alloc = a;
        }
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
        return 0;
}

static int buf_pad(Buf *b, char c, size_t n) {
        for (size_t i = 0; i < n; i++) {
                int r = buf_add(b, &c, 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const char *env_lookup(const ExpandVars *v, const char *key) {
        const char *r;
        if ((r = strv_env_get(v->env3, key)))
                return r;
        if ((r = strv_env_get(v->env2, key)))
                return r;
        return strv_env_get(v->env, key);
}

/* Returns 1 with a string or a number, 0 if the name is not defined here. */
static int lookup(const ExpandVars *v, const char *name, const char **ret_str, long *ret_num) {
        *ret_str = NULL;
        if (streq(name, "here") && v->here)
                *ret_str = v->here;
        else if (streq(name, "program_name") && v->program_name)
                *ret_str = v->program_name;
        else if (streq(name, "group_name") && v->group_name)
                *ret_str = v->group_name;
        else if (streq(name, "host_node_name") && v->host_node_name)
                *ret_str = v->host_node_name;
        else if (streq(name, "process_num") && v->process_num >= 0)
                *ret_num = v->process_num;
        else if (streq(name, "numprocs") && v->numprocs >= 0)
                *ret_num = v->numprocs;
        else if (strneq(name, "ENV_", 4) && (*ret_str = env_lookup(v, name + 4)))
                ;
        else
                return 0;
        return 1;
}

static char *available_names(const ExpandVars *v) {
        _cleanup_strv_free_ char **l = NULL;
        static const char *const names[] = { "here", "program_name", "group_name", "host_node_name",
                                             "process_num", "numprocs" };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *s;
                long n;
                if (lookup(v, names[i], &s, &n) > 0 && strv_extend(&l, names[i]) < 0)
                        return NULL;
        }
        if (strv_extend(&l, "ENV_*") < 0)
                return NULL;
        return strv_join(l, ", ");
}

static int fail(char **reterr_msg, const char *fmt, ...) _printf_(2, 3);
static int fail(char **reterr_msg, const char *fmt, ...) {
        if (reterr_msg) {
                va_list ap;
                va_start(ap, fmt);
                if (vasprintf(reterr_msg, fmt, ap) < 0)
                        *reterr_msg = NULL;
                va_end(ap);
        }
        return -EINVAL;
}

int conf_expand(const char *s, const ExpandVars *v, char **ret, char **reterr_msg) {
        Buf b = {};
        int r;

        for (const char *p = s; *p;) {
                const char *pct = strchr(p, '%');
                if (!pct) {
                        r = buf_add(&b, p, strlen(p));
                        if (r < 0)
                                goto fail_buf;
                        break;
                }
                r = buf_add(&b, p, (size_t) (pct - p));
                if (r < 0)
                        goto fail_buf;
                p = pct + 1;

                if (*p == '%') {
                        r = buf_add(&b, "%", 1);
                        if (r < 0)
                                goto fail_buf;
                        p++;
                        continue;
                }
                if (*p == '\0') {
                        /* Python rejects a trailing '%'; we keep it so cgsup's own "cpu_quota=150%" reads
                         * naturally (no supervisord file can depend on the error). */
                        r = buf_add(&b, "%", 1);
                        if (r < 0)
                                goto fail_buf;
                        break;
                }
                if (*p != '(') {
                        free(b.s);
                        if (*p == '\0')
                                return fail(reterr_msg,
                                            "'%%' at the end of the value (write %%%% for a literal "
                                            "percent sign)");
                        return fail(reterr_msg,
                                    "'%%%c' is not a %%(name)s expansion (write %%%% for a literal percent "
                                    "sign%s)",
                                    *p,
                                    strchr(p, '%') ? "; a %VAR% placeholder must be substituted before "
                                                     "cgsupd reads the file"
                                                   : "");
                }

                /* %(name) — Python matches nested parentheses */
                const char *name_start = ++p;
                int depth = 1;
                while (*p && depth > 0) {
                        if (*p == '(')
                                depth++;
                        else if (*p == ')')
                                depth--;
                        if (depth > 0)
                                p++;
                }
                if (!*p) {
                        free(b.s);
                        return fail(reterr_msg, "unterminated '%%(' (missing ')')");
                }
                _cleanup_free_ char *name = strndup(name_start, (size_t) (p - name_start));
                if (!name) {
                        r = -ENOMEM;
                        goto fail_buf;
                }
                p++;

                bool left = false, zero = false, plus = false, space = false;
                for (;; p++) {
                        if (*p == '-')
                                left = true;
                        else if (*p == '0')
                                zero = true;
                        else if (*p == '+')
                                plus = true;
                        else if (*p == ' ')
                                space = true;
                        else if (*p == '#')
                                ;
                        else
                                break;
                }
                int width = 0, prec = -1;
                while (*p >= '0' && *p <= '9') {
                        width = width * 10 + (*p++ - '0');
                        if (width > EXPAND_MAX_WIDTH) {
                                free(b.s);
                                return fail(reterr_msg, "field width in %%(%s) too large", name);
                        }
                }
                if (*p == '.') {
                        p++;
                        prec = 0;
                        while (*p >= '0' && *p <= '9') {
                                prec = prec * 10 + (*p++ - '0');
                                if (prec > EXPAND_MAX_WIDTH) {
                                        free(b.s);
                                        return fail(reterr_msg, "precision in %%(%s) too large", name);
                                }
                        }
                }
                while (*p == 'h' || *p == 'l' || *p == 'L') /* Python accepts and ignores these */
                        p++;
                char conv = *p;
                if (!conv) {
                        free(b.s);
                        return fail(reterr_msg, "incomplete format after %%(%s) (expected s or d)", name);
                }
                p++;

                const char *str;
                long num = 0;
                if (lookup(v, name, &str, &num) == 0) {
                        _cleanup_free_ char *avail = available_names(v);
                        free(b.s);
                        return fail(reterr_msg, "%%(%s) cannot be expanded (available: %s)", name,
                                    strna(avail));
                }

                char tmp[64];
                const char *val;
                if (conv == 's') {
                        if (!str) {
                                snprintf(tmp, sizeof tmp, "%ld", num);
                                val = tmp;
                        } else
                                val = str;
                        size_t len = strlen(val);
                        if (prec >= 0 && (size_t) prec < len)
                                len = (size_t) prec;
                        size_t pad = (size_t) width > len ? (size_t) width - len : 0;
                        if (!left && (r = buf_pad(&b, ' ', pad)) < 0)
                                goto fail_buf;
                        if ((r = buf_add(&b, val, len)) < 0)
                                goto fail_buf;
                        if (left && (r = buf_pad(&b, ' ', pad)) < 0)
                                goto fail_buf;
                } else if (conv == 'd' || conv == 'i' || conv == 'u') {
                        if (str) {
                                /* Python wants a number here; a numeric ENV_ value is the obvious intent. */
                                int x;
                                if (safe_atoi(str, &x) < 0) {
                                        free(b.s);
                                        return fail(reterr_msg, "%%(%s)%c needs a number, got '%s'", name,
                                                    conv, str);
                                }
                                num = x;
                        }
                        char digits[32];
                        snprintf(digits, sizeof digits, "%lu",
                                 num < 0 ? -(unsigned long)num : (unsigned long)num);
                        /* "%.3d" pads the digits with zeros, like C */
                        size_t dl = strlen(digits),
                               zeros = prec >= 0 && (size_t)prec > dl ? (size_t)prec - dl : 0;
                        const char *sign = num < 0 ? "-" : plus ? "+" : space ? " " : "";
                        size_t len = strlen(sign) + zeros + dl;
                        size_t pad = (size_t) width > len ? (size_t) width - len : 0;
                        if (!left && !zero && (r = buf_pad(&b, ' ', pad)) < 0)
                                goto fail_buf;
                        if ((r = buf_add(&b, sign, strlen(sign))) < 0)
                                goto fail_buf;
                        if (!left && zero && (r = buf_pad(&b, '0', pad)) < 0)
                                goto fail_buf;
                        if ((r = buf_pad(&b, '0', zeros)) < 0)
                                goto fail_buf;
                        if ((r = buf_add(&b, digits, dl)) < 0)
                                goto fail_buf;
                        if (left && (r = buf_pad(&b, ' ', pad)) < 0)
                                goto fail_buf;
                } else {
                        free(b.s);
                        return fail(reterr_msg, "unsupported conversion '%c' in %%(%s)%c (use s or d)", conv,
                                    name, conv);
                }
        }

        if (!b.s) {
                b.s = strdup("");
                if (!b.s)
                        return -ENOMEM;
        }
        *ret = b.s;
        return 0;

fail_buf:
        free(b.s);
        if (r == -E2BIG)
                return fail(reterr_msg, "expanded value longer than %u bytes", EXPAND_MAX_OUTPUT);
        return r;
}
