/* SPDX-License-Identifier: MIT */
#pragma once

#include "macro.h"

/* NULL-terminated arrays of malloc'ed strings. */
char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l);
char **strv_copy(char *const *l);
/* Appends a copy of value; on failure the list is unchanged. Returns 0 or -ENOMEM. */
int strv_extend(char ***l, const char *value);
/* Appends value itself (takes ownership on success only). */
int strv_push(char ***l, char *value);
bool strv_contains(char *const *l, const char *s);
bool strv_equal(char *const *a, char *const *b);
/* Environment helpers: "KEY=value" entries; strv_env_set() replaces an existing KEY. */
int strv_env_set(char ***l, const char *assignment);
const char *strv_env_get(char *const *l, const char *key);
char *strv_join(char *const *l, const char *sep);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)
