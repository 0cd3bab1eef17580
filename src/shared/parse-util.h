/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

#include "macro.h"

/* All parsers: 0 on success (ret_* written), -EINVAL for junk, -ERANGE for out-of-range; leading and
 * trailing whitespace is not accepted unless stated. */

/* supervisord's booleans: true/false, yes/no, on/off, 1/0 (case-insensitive). Returns 1/0 or -EINVAL. */
int parse_boolean(const char *s);
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou(const char *s, unsigned *ret);
int safe_atoi(const char *s, int *ret);
/* Octal mode like "022" or "0o22". */
int parse_mode(const char *s, mode_t *ret);
/* "TERM", "SIGTERM", "term", "15", "RTMIN+3" -> signal number. */
int signal_from_string(const char *s);
/* "TERM" (without SIG), or NULL for unknown numbers. */
const char *signal_to_string(int sig);
/* Byte sizes: "1024", "512K", "512KB", "1.5G", "2GiB", "10MB" (base 1024, as supervisord and systemd). */
int parse_size(const char *s, uint64_t *ret);
/* Durations: plain number = seconds (supervisord), or with units "1.5s", "500ms", "2min", "1h", "100us".
 * Result in microseconds. */
int parse_sec(const char *s, usec_t *ret);
/* Percentages with up to two decimals: "150%", "12.5%" -> basis points (1% = 100). */
int parse_permyriad(const char *s, uint64_t *ret);
/* Formats bytes as "41.2M" style into buf (at least 16 bytes). */
const char *format_bytes(char *buf, size_t n, uint64_t bytes);
/* Formats a duration as "1h 2min 3s" / "150ms" into buf. */
const char *format_timespan(char *buf, size_t n, usec_t t);
/* Formats µs since the epoch as local time, systemd's style: "Sun 2026-12-06 08:08:55 UTC"; 0 (never) as "". */
const char *format_timestamp(char *buf, size_t n, usec_t t);
