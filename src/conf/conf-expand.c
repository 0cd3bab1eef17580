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

/* What follows "%(name)": Python's conversion flags, width, precision and type. */
typedef struct FormatSpec {
        bool left, zero, plus, space;
        int width, prec; /* prec -1: none */
        char conv;
} FormatSpec;

/* At the character after '%' and '(': the name, nested parentheses matched as Python does. */
static int parse_name(const char **pp, char **ret_name, char **reterr_msg) {
        const char *p = *pp, *start = p;
        int depth = 1;

        while (*p && depth > 0) {
                if (*p == '(')
                        depth++;
                else if (*p == ')')
                        depth--;
                if (depth > 0)
                        p++;
        }
        if (!*p)
                return fail(reterr_msg, "unterminated '%%(' (missing ')')");
        *ret_name = strndup(start, (size_t) (p - start));
        if (!*ret_name)
                return -ENOMEM;
        *pp = p + 1;
        return 0;
}

static int parse_number(const char **pp, int *ret, const char *what, const char *name, char **reterr_msg) {
        const char *p = *pp;
        int n = 0;

        while (*p >= '0' && *p <= '9') {
                n = n * 10 + (*p++ - '0');
                if (n > EXPAND_MAX_WIDTH)
                        return fail(reterr_msg, "%s in %%(%s) too large", what, name);
        }
        *pp = p;
        *ret = n;
        return 0;
}

static int parse_spec(const char **pp, const char *name, FormatSpec *f, char **reterr_msg) {
        const char *p = *pp;
        int r;

        *f = (FormatSpec) { .prec = -1 };
        for (;; p++) {
                if (*p == '-')
                        f->left = true;
                else if (*p == '0')
                        f->zero = true;
                else if (*p == '+')
                        f->plus = true;
                else if (*p == ' ')
                        f->space = true;
                else if (*p != '#')
                        break;
        }
        r = parse_number(&p, &f->width, "field width", name, reterr_msg);
        if (r < 0)
                return r;
        if (*p == '.') {
                p++;
                r = parse_number(&p, &f->prec, "precision", name, reterr_msg);
                if (r < 0)
                        return r;
        }
        while (*p == 'h' || *p == 'l' || *p == 'L') /* Python accepts and ignores these */
                p++;
        f->conv = *p;
        if (!f->conv)
                return fail(reterr_msg, "incomplete format after %%(%s) (expected s or d)", name);
        *pp = p + 1;
        return 0;
}

static int emit_string(Buf *b, const FormatSpec *f, const char *val) {
        size_t len = strlen(val), pad;
        int r;

        if (f->prec >= 0 && (size_t) f->prec < len)
                len = (size_t) f->prec;
        pad = (size_t) f->width > len ? (size_t) f->width - len : 0;
        if (!f->left && (r = buf_pad(b, ' ', pad)) < 0)
                return r;
        if ((r = buf_add(b, val, len)) < 0)
                return r;
        return f->left ? buf_pad(b, ' ', pad) : 0;
}

static int emit_number(Buf *b, const FormatSpec *f, long num) {
        char digits[32];
        const char *sign = num < 0 ? "-" : f->plus ? "+" : f->space ? " " : "";
        size_t dl, zeros, len, pad;
        int r;

        snprintf(digits, sizeof digits, "%lu", num < 0 ? -(unsigned long) num : (unsigned long) num);
        /* "%.3d" pads the digits with zeros, like C */
        dl = strlen(digits);
        zeros = f->prec >= 0 && (size_t) f->prec > dl ? (size_t) f->prec - dl : 0;
        len = strlen(sign) + zeros + dl;
        pad = (size_t) f->width > len ? (size_t) f->width - len : 0;
        if (!f->left && !f->zero && (r = buf_pad(b, ' ', pad)) < 0)
                return r;
        if ((r = buf_add(b, sign, strlen(sign))) < 0)
                return r;
        if (!f->left && f->zero && (r = buf_pad(b, '0', pad)) < 0)
                return r;
        if ((r = buf_pad(b, '0', zeros)) < 0)
                return r;
        if ((r = buf_add(b, digits, dl)) < 0)
                return r;
        return f->left ? buf_pad(b, ' ', pad) : 0;
}

/* One "%(name)<spec>" at @pp (just past the '('), appended to @b. */
static int expand_one(const char **pp, const ExpandVars *v, Buf *b, char **reterr_msg) {
        _cleanup_free_ char *name = NULL;
        const char *str;
        char tmp[64];
        long num = 0;
        FormatSpec f;
        int r, x;

        r = parse_name(pp, &name, reterr_msg);
        if (r >= 0)
                r = parse_spec(pp, name, &f, reterr_msg);
        if (r < 0)
                return r;
        if (lookup(v, name, &str, &num) == 0) {
                _cleanup_free_ char *avail = available_names(v);
                return fail(reterr_msg, "%%(%s) cannot be expanded (available: %s)", name, strna(avail));
        }
        if (f.conv == 's') {
                if (!str)
                        snprintf(tmp, sizeof tmp, "%ld", num);
                return emit_string(b, &f, str ?: tmp);
        }
        if (f.conv != 'd' && f.conv != 'i' && f.conv != 'u')
                return fail(reterr_msg, "unsupported conversion '%c' in %%(%s)%c (use s or d)", f.conv, name,
                            f.conv);
        if (str) {
                /* Python wants a number here; a numeric ENV_ value is the obvious intent. */
                if (safe_atoi(str, &x) < 0)
                        return fail(reterr_msg, "%%(%s)%c needs a number, got '%s'", name, f.conv, str);
                num = x;
        }
        return emit_number(b, &f, num);
}

/* At the character after a '%' that is not the end: "%%", or "%(" and an expansion. */
static int expand_percent(const char **pp, const ExpandVars *v, Buf *b, char **reterr_msg) {
        const char *p = *pp;

        if (*p == '%') {
                *pp = p + 1;
                return buf_add(b, "%", 1);
        }
        if (*p != '(')
                return fail(reterr_msg,
                            "'%%%c' is not a %%(name)s expansion (write %%%% for a literal percent sign%s)", *p,
                            strchr(p, '%') ? "; a %VAR% placeholder must be substituted before cgsupd reads the file"
                                           : "");
        *pp = p + 1;
        return expand_one(pp, v, b, reterr_msg);
}

int conf_expand(const char *s, const ExpandVars *v, char **ret, char **reterr_msg) {
        _cleanup_free_ char *out = NULL;
        Buf b = {};
        int r = 0;

        for (const char *p = s; *p && r >= 0;) {
                const char *pct = strchr(p, '%');

                if (!pct) {
                        r = buf_add(&b, p, strlen(p));
                        break;
                }
                r = buf_add(&b, p, (size_t) (pct - p));
                p = pct + 1;
                if (r >= 0 && *p == '\0') {
                        /* Python rejects a trailing '%'; we keep it so cgsup's own "cpu_quota=150%" reads
                         * naturally (no supervisord file can depend on the error). */
                        r = buf_add(&b, "%", 1);
                        break;
                }
                if (r >= 0)
                        r = expand_percent(&p, v, &b, reterr_msg);
        }
        out = b.s;
        if (r == -E2BIG)
                return fail(reterr_msg, "expanded value longer than %u bytes", EXPAND_MAX_OUTPUT);
        if (r < 0)
                return r;
        *ret = out ? TAKE_PTR(out) : strdup("");
        return *ret ? 0 : -ENOMEM;
}
