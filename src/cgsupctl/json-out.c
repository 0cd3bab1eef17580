/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "name-util.h"

static int print_with(struct json_object *o, int flags) {
        const char *s;

        s = json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        if (puts(s) == EOF || fflush(stdout) != 0)
                return -EIO;
        return 0;
}

int json_print(struct json_object *o) {
        if (arg_json_format == JSON_PRETTY || (arg_json_format != JSON_SHORT && isatty(STDOUT_FILENO) > 0))
                return print_with(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
        return print_with(o, JSON_C_TO_STRING_PLAIN);
}

int json_print_ok(void) {
        _cleanup_json_ struct json_object *root = json_object_new_object();

        if (!root || json_add(root, "ok", json_object_new_boolean(true)) < 0)
                return -ENOMEM;
        return json_print(root);
}

int json_print_line(struct json_object *o) {
        return print_with(o, JSON_C_TO_STRING_PLAIN);
}

struct json_object *json_bytes(const void *data, size_t size) {
        struct json_object *a;
        const unsigned char *p = data;

        if (utf8_is_valid(data, size))
                return json_object_new_string_len(data, (int) size);
        /* journalctl's convention for bytes that are not UTF-8: an array of numbers, so nothing is lost or
         * replaced and the document stays valid JSON. */
        a = json_object_new_array_ext((int) size);
        if (!a)
                return NULL;
        for (size_t i = 0; i < size; i++)
                (void) json_object_array_add(a, json_object_new_int(p[i]));
        return a;
}

struct json_object *json_u64_or_null(uint64_t v) {
        if (v == UINT64_MAX)
                return NULL;
        return json_object_new_uint64(v);
}

struct json_object *json_string_or_null(const char *s) {
        if (!s)
                return NULL;
        return json_object_new_string(s);
}

struct json_object *json_strv(char *const *l) {
        struct json_object *a = json_object_new_array();

        if (!a)
                return NULL;
        for (char *const *s = l; s && *s; s++)
                if (json_object_array_add(a, json_object_new_string(*s)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

int json_add(struct json_object *o, const char *key, struct json_object *value) {
        /* A NULL value is JSON null (json-c's convention); allocation failures of non-null values are rare
         * enough that we report them as -ENOMEM from the caller's final print instead. */
        return json_object_object_add(o, key, value) < 0 ? -ENOMEM : 0;
}
