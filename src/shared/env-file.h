/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * environment_file=: systemd's EnvironmentFile= syntax (systemd.exec(5)). One KEY=VALUE per line; blank
 * lines and lines starting with '#' or ';' are comments; whitespace around '=' and around an unquoted value
 * is dropped; a value may be quoted with '...' (literal) or "..." (\" \\ \$ \` escapes, backslash-newline
 * joins lines), and a backslash at the end of an unquoted line continues it. A later duplicate wins.
 * Pure parser: no logging, so a value (often a credential) never reaches a message by accident.
 */

#include <stdbool.h>
#include <stddef.h>

/* Bounds: an env file is a small file; anything bigger is a mistake or hostile. */
#define ENV_FILE_MAX_SIZE (1024U * 1024U)
#define ENV_FILE_MAX_VARS 4096U

/*
 * env_file_parse() - @size bytes of @data into "KEY=VALUE" entries (*ret, NULL-terminated; NULL when the
 * file sets nothing). Returns 0; -EINVAL for a malformed line, with its number in *reterr_line and a static
 * reason in *reterr_reason (neither names the value); -E2BIG beyond ENV_FILE_MAX_VARS; -ENOMEM.
 */
int env_file_parse(const char *data, size_t size, char ***ret, unsigned *reterr_line, const char **reterr_reason);

/*
 * env_file_read() - reads @path (at most ENV_FILE_MAX_SIZE bytes) and parses it. A path written "-/x" is
 * optional: when it does not exist the result is 0 and no entries. Errors as env_file_parse(), plus the
 * errno of opening or reading the file (-ENOENT, -EACCES, -EFBIG for a file over the bound, ...).
 */
int env_file_read(const char *path, char ***ret, unsigned *reterr_line, const char **reterr_reason);

/* The path of an environment_file= entry without its optional leading '-'. */
const char *env_file_path(const char *entry);
static inline bool env_file_optional(const char *entry) {
        return entry && entry[0] == '-';
}
