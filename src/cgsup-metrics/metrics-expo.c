/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "metrics-expo.h"

const char *expo_content_type(ExpoFormat format) {
        return format == EXPO_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8" :
                                            "text/plain; version=0.0.4; charset=utf-8";
}

void expo_writer_init(ExpoWriter *w, FILE *f, ExpoFormat format) {
        assert(w);
        assert(f);
        *w = (ExpoWriter) { .f = f, .format = format };
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names; label names have no ':'. */
static bool name_is_valid(const char *s, bool colon) {
        if (isempty(s))
                return false;
        for (const char *p = s; *p; p++) {
                bool alpha = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (colon && *p == ':');
                if (!alpha && !(p > s && *p >= '0' && *p <= '9'))
                        return false;
        }
        return true;
}

static int writer_fail(ExpoWriter *w, int r) {
        if (w->error == 0)
                w->error = r;
        return r;
}

int expo_family(ExpoWriter *w, const char *name, ExpoType type, const char *help) {
        assert(w);
        assert(help);

        if (!name_is_valid(name, true) || type < 0 || type >= _EXPO_TYPE_MAX ||
            (type == EXPO_COUNTER) != endswith(name, "_total"))
                return writer_fail(w, -EINVAL);
        for (size_t i = 0; i < w->n_seen; i++)
                if (streq(w->seen[i], name))
                        return writer_fail(w, -EEXIST);
        if (w->n_seen >= ELEMENTSOF(w->seen))
                return writer_fail(w, -E2BIG);
        w->seen[w->n_seen++] = name;
        w->family = name;
        w->help = help;
        w->type = type;
        w->header_written = false;
        return 0;
}

/* HELP text: 0.0.4 escapes backslash and newline; OpenMetrics also the double quote. */
static void write_help_text(ExpoWriter *w, const char *s) {
        for (; *s; s++)
                if (*s == '\\')
                        fputs("\\\\", w->f);
                else if (*s == '\n')
                        fputs("\\n", w->f);
                else if (*s == '"' && w->format == EXPO_OPENMETRICS)
                        fputs("\\\"", w->f);
                else
                        fputc(*s, w->f);
}

static void write_header(ExpoWriter *w) {
        size_t n = strlen(w->family);

        /* OpenMetrics names a counter family without its "_total" sample suffix. */
        if (w->format == EXPO_OPENMETRICS && w->type == EXPO_COUNTER)
                n -= strlen("_total");
        fprintf(w->f, "# HELP %.*s ", (int) n, w->family);
        write_help_text(w, w->help);
        fprintf(w->f, "\n# TYPE %.*s %s\n", (int) n, w->family, w->type == EXPO_COUNTER ? "counter" : "gauge");
        w->header_written = true;
}

int expo_escape_label_value(const char *s, char **ret) {
        size_t n = 0;
        char *buf, *q;

        assert(s);
        assert(ret);

        for (const char *p = s; *p; p++)
                n += (*p == '\\' || *p == '"' || *p == '\n') ? 2 : 1;
        buf = malloc(n + 1);
        if (!buf)
                return -ENOMEM;
        q = buf;
        for (const char *p = s; *p; p++)
                switch (*p) {
                case '\\':
                        *q++ = '\\';
                        *q++ = '\\';
                        break;
                case '"':
                        *q++ = '\\';
                        *q++ = '"';
                        break;
                case '\n':
                        *q++ = '\\';
                        *q++ = 'n';
                        break;
                default:
                        *q++ = *p;
                }
        *q = 0;
        *ret = buf;
        return 0;
}

static int write_labels(ExpoWriter *w, const char *const *labels) {
        if (!labels || !labels[0])
                return 0;
        fputc('{', w->f);
        for (size_t i = 0; labels[i]; i += 2) {
                _cleanup_free_ char *v = NULL;
                int r;

                if (!labels[i + 1] || !name_is_valid(labels[i], false))
                        return -EINVAL;
                r = expo_escape_label_value(labels[i + 1], &v);
                if (r < 0)
                        return r;
                fprintf(w->f, "%s%s=\"%s\"", i > 0 ? "," : "", labels[i], v);
        }
        fputc('}', w->f);
        return 0;
}

/* @value / 10^@decimals, exactly: "12", "0.5", "3.000001". */
static void write_value(ExpoWriter *w, uint64_t value, unsigned decimals) {
        uint64_t scale = 1, frac;
        char digits[24];
        size_t n;

        for (unsigned i = 0; i < decimals; i++)
                scale *= 10;
        fprintf(w->f, "%" PRIu64, value / scale);
        frac = value % scale;
        if (frac == 0)
                return;
        (void) snprintf(digits, sizeof digits, "%0*" PRIu64, (int) decimals, frac);
        n = strlen(digits);
        while (n > 0 && digits[n - 1] == '0')
                n--;
        fprintf(w->f, ".%.*s", (int) n, digits);
}

int expo_sample(ExpoWriter *w, const char *const *labels, uint64_t value, unsigned decimals) {
        int r;

        assert(w);

        if (!w->family || decimals > 18)
                return writer_fail(w, -EINVAL);
        if (!w->header_written)
                write_header(w);
        fputs(w->family, w->f);
        r = write_labels(w, labels);
        if (r < 0)
                return writer_fail(w, r);
        fputc(' ', w->f);
        write_value(w, value, decimals);
        fputc('\n', w->f);
        return 0;
}

int expo_finish(ExpoWriter *w) {
        assert(w);

        if (w->format == EXPO_OPENMETRICS)
                fputs("# EOF\n", w->f);
        if (fflush(w->f) != 0 || ferror(w->f))
                (void) writer_fail(w, errno > 0 ? -errno : -EIO);
        return w->error;
}
