/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

/* --json output: one document on stdout, snake_case keys, null for values cgsupd could not read. */

static inline void json_object_putp(struct json_object **o) {
        if (*o)
                (void) json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_object_putp)))

/* Prints @o (pretty when stdout is a terminal) followed by a newline. Returns 0 or -errno. */
int json_print(struct json_object *o);
/* {"ok": true}: what a verb that changes something and has nothing else to report prints (set-property,
 * reload, shutdown). */
int json_print_ok(void);
/* Prints @o on one line whatever --json asked: streaming verbs (tail -f, top) print one object per line. */
int json_print_line(struct json_object *o);
/* @size bytes as a JSON string when they are UTF-8, else as an array of byte values (journalctl's rule). */
struct json_object *json_bytes(const void *data, size_t size);
/* UINT64_MAX ("not available" / "no limit") becomes null. */
struct json_object *json_u64_or_null(uint64_t v);
struct json_object *json_string_or_null(const char *s);
/* An array of the strings of @l ([] for NULL); NULL on OOM. */
struct json_object *json_strv(char *const *l);
/* Adds @value under @key, taking ownership; returns -ENOMEM if @value is NULL when @required. */
int json_add(struct json_object *o, const char *key, struct json_object *value);
