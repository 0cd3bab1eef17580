/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/* [cgsupd] log_format=json: one log line as one JSON object (json-c), without the newline:
 * {"time": "2026-12-05T22:59:01.123456Z", "level": "info", "message": "...", "program": "web"}.
 * "program" only where the line is about one (@program non-NULL: the CGSUP_PROGRAM= journal field's
 * value); its "name: " prefix is then taken off the message. Returns a malloc'ed string or NULL (OOM). */
char *log_json_line(int level, const char *message, const char *program);
