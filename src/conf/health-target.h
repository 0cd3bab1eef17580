/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Healthcheck targets: what healthcheck_target= may say for each check type. One owner for the config
 * reader (which refuses a target at load, with file:line) and the checker in cgsupd (health.c, which
 * connects to what these return), so a target that loads is a target the checker runs.
 */

#include "conf.h"

/* Split "http(s)://host[:port]/path" (port 80 or 443 by default, path "/" by default). -EINVAL otherwise. */
int health_parse_url(const char *url, char **ret_host, unsigned *ret_port, char **ret_path);
/* Split "host:port", ":port", "[v6]:port" (host defaults to 127.0.0.1). */
int health_parse_hostport(const char *s, char **ret_host, unsigned *ret_port);
/* Whether @target is usable for a check of @type (tcp, http; other types take no target). Returns 0, or
 * -EINVAL with a static sentence saying what is wrong and what to write instead in *reterr_why, -ENOMEM. */
int health_target_check(HealthType type, const char *target, const char **reterr_why);
