/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The one rule for the names of programs, groups and process instances, whether they come from a
 * configuration file ([program:x], [group:x], process_name= after expansion, programs=, depends_on=) or from
 * the bus (RunTransient's Name). supervisord's rule (no space, ':' or '/'), and what our uses of a name
 * need besides: it becomes a cgroup directory and a state file ("..", "." and '/' would leave the subtree),
 * an fd store name (at most 255 bytes with "-stdout", no control characters), a D-Bus string (valid UTF-8,
 * or every GetAll and ListPrograms reply would fail) and a line in logs and tables (no control characters).
 */

#include <stdbool.h>
#include <stddef.h>

#define PROGRAM_NAME_MAX 200U

/* The rule in words, for messages that refuse a name. */
#define PROGRAM_NAME_RULE "names are 1 to 200 bytes of UTF-8 without spaces, ':', '/', '..' or control characters"

/* NULL when @name is a valid name, else a static English phrase saying what is wrong ("contains ':'"),
 * to be put after the name in a message. */
const char *program_name_invalid_reason(const char *name);

static inline bool program_name_is_valid(const char *name) {
        return !program_name_invalid_reason(name);
}

/* Room for "group:name" of two valid names and the NUL. */
#define PROGRAM_DISPLAY_NAME_MAX (2U * PROGRAM_NAME_MAX + 2U)

/* The one name an instance is shown by, wherever it appears: `cgsupctl status`, the metrics' `program` label,
 * the journal's CGSUP_PROGRAM=, supervisorctl's namespec. "group:name" for a member of a group, the bare name
 * for a program in the group of its own name (or in none): supervisor's make_namespec rule. Writes into
 * @buf (truncating at @size, which PROGRAM_DISPLAY_NAME_MAX never needs) and returns it. */
const char *program_display_name(const char *group, const char *name, char *buf, size_t size);

/* Whether @size bytes at @data are well-formed UTF-8 (RFC 3629; NUL bytes allowed). */
bool utf8_is_valid(const void *data, size_t size);
