/* SPDX-License-Identifier: MIT */
/*
 * The JSON form of the daemon's own log lines ([cgsupd] log_format=json): for log collectors that take one
 * JSON object per line (Loki, Vector, fluent-bit), the same fields as the journal gets.
 */

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log-json.h"

static const char *level_word(int level) {
        switch (level & LOG_PRIMASK) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
                return "critical";
        case LOG_ERR:
                return "error";
        case LOG_WARNING:
                return "warning";
        case LOG_NOTICE:
                return "notice";
        case LOG_DEBUG:
                return "debug";
        default:
                return "info";
        }
}

/* log_program() writes "instance: text"; the instance is the last part of "group:instance". */
static const char *without_program_prefix(const char *message, const char *program) {
        const char *instance = strrchr(program, ':');
        size_t l;

        instance = instance ? instance + 1 : program;
        l = strlen(instance);
        if (l > 0 && strncmp(message, instance, l) == 0 && message[l] == ':' && message[l + 1] == ' ')
                return message + l + 2;
        return message;
}

char *log_json_line(int level, const char *message, const char *program) {
        struct json_object *o = json_object_new_object();
        char stamp[64], tz[32];
        struct timespec ts;
        struct tm tm;
        char *line = NULL;

        if (!o)
                return NULL;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        if (!gmtime_r(&ts.tv_sec, &tm) || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                stamp[0] = '\0';
        /* RFC 3339 in UTC with microseconds: sorts as text, and every collector parses it. */
        snprintf(tz, sizeof tz, ".%06dZ", (int) (ts.tv_nsec / 1000L));
        strncat(stamp, tz, sizeof stamp - strlen(stamp) - 1);

        json_object_object_add(o, "time", json_object_new_string(stamp));
        json_object_object_add(o, "level", json_object_new_string(level_word(level)));
        json_object_object_add(o, "message",
                               json_object_new_string(program ? without_program_prefix(message, program) : message));
        if (program)
                json_object_object_add(o, "program", json_object_new_string(program));
        {
                const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
                line = text ? strdup(text) : NULL;
        }
        json_object_put(o);
        return line;
}
