/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/*
 * What cgsupctl checks itself before it asks cgsupd: a mistyped signal, limit or duration is a usage error
 * (exit 2, the word named) on every verb, whether or not cgsupd is reachable. The rules are cgsupd's own
 * (parse-util's signal names, libcgsup's limit table and value parsers), so the two cannot disagree.
 * Each returns 0, or EXIT_USAGE after saying what is wrong.
 */
int arg_check_signal(const char *s);
/* KEY=VALUE of set-property: a limit (config key or D-Bus name) and a value it accepts. */
int arg_check_limit_assignment(const char *assignment);
/* VALUE for the limit @key if @key is one (*ret_is_limit set); 0 and false for any other key. */
int arg_check_limit_value(const char *key, const char *value, bool *ret_is_limit);
