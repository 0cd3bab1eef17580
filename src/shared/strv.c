/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        for (char **i = l; i && *i; i++)
                free(*i);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;
        while (l && l[n])
                n++;
        return n;
}

char **strv_copy(char *const *l) {
        size_t n = strv_length(l);
        char **c = calloc(n + 1, sizeof(char *));
        if (!c)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                c[i] = strdup(l[i]);
                if (!c[i])
                        return strv_free(c);
        }
        return c;
}

int strv_push(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **c = realloc(*l, (n + 2) * sizeof(char *));
        if (!c)
                return -ENOMEM;
        c[n] = value;
        c[n + 1] = NULL;
        *l = c;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        char *v = strdup(value);
        if (!v)
                return -ENOMEM;
        int r = strv_push(l, v);
        if (r < 0)
                free(v);
        return r;
}

bool strv_contains(char *const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

bool strv_equal(char *const *a, char *const *b) {
        size_t n = strv_length(a);
        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

static size_t env_key_len(const char *s) {
        const char *eq = strchr(s, '=');
        return eq ? (size_t) (eq - s) : strlen(s);
}

int strv_env_set(char ***l, const char *assignment) {
        size_t k = env_key_len(assignment);
        for (char **i = *l; i && *i; i++)
                if (env_key_len(*i) == k && strneq(*i, assignment, k)) {
                        char *v = strdup(assignment);
                        if (!v)
                                return -ENOMEM;
                        free(*i);
                        *i = v;
                        return 0;
                }
        return strv_extend(l, assignment);
}

const char *strv_env_get(char *const *l, const char *key) {
        size_t k = strlen(key);
        STRV_FOREACH(i, l)
                if (env_key_len(*i) == k && strneq(*i, key, k) && (*i)[k] == '=')
                        return *i + k + 1;
        return NULL;
}

char *strv_join(char *const *l, const char *sep) {
        size_t n = 0, sl = strlen(sep);
        STRV_FOREACH(i, l)
                n += strlen(*i) + sl;
        char *r = malloc(n + 1), *p = r;
        if (!r)
                return NULL;
        *p = 0;
        STRV_FOREACH(i, l) {
                if (i != l)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *i);
        }
        return r;
}
