/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"

int json_print(struct json_object *o) {
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
        const char *s;

        if (arg_json_format == JSON_PRETTY || (arg_json_format != JSON_SHORT && isatty(STDOUT_FILENO) > 0))
                flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
        else
                flags |= JSON_C_TO_STRING_PLAIN;
        s = json_object_to_json_string_ext(o, flags);
        if (!s)
                return -ENOMEM;
        if (puts(s) == EOF || fflush(stdout) != 0)
                return -EIO;
        return 0;
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

int json_add(struct json_object *o, const char *key, struct json_object *value) {
        /* A NULL value is JSON null (json-c's convention); allocation failures of non-null values are rare
         * enough that we report them as -ENOMEM from the caller's final print instead. */
        return json_object_object_add(o, key, value) < 0 ? -ENOMEM : 0;
}
