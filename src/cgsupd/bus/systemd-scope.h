/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>

/* Create the transient scope @scope in @slice with Delegate=yes around @pid (StartTransientUnit on the
 * system bus) and wait for its job. Blocking: startup only. 0 or -errno (logged). */
int systemd_start_scope(const char *scope, const char *slice, pid_t pid);
