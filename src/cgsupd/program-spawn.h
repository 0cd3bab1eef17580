/* SPDX-License-Identifier: MIT */
#pragma once

#include "cgsup/spawn.h"
#include "program.h"

/* Environment for a program's processes: daemon env + [cgsupd] environment + program environment +
 * SUPERVISOR_* / CGSUP_PROGRAM (+ HOME/USER/LOGNAME when user= is set). */
int program_build_env(Program *p, char ***ret);
/* An adopted type=notify program running as another user keeps its NOTIFY_SOCKET=<runtime>/notify.<uid>:
 * bind that socket again (a restarted daemon makes per-user sockets only on demand). */
void program_restore_notify_socket(Program *p);
/* Spawn a helper (healthcheck command) with the program's user/env/directory into @cgroup_path
 * (relative to the mount, created if needed); stdio to /dev/null. */
int program_spawn_helper(Program *p, char **argv, const char *cgroup_path, CgsupSpawnResult *ret);
/* The real spawn op (see ProgramOps.spawn). */
int program_spawn_main(Program *p, ExitReason *ret_reason, char **ret_detail);
