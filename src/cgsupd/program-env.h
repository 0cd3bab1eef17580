/* SPDX-License-Identifier: MIT */
#pragma once

#include "program.h"

/*
 * program_read_env_files() - reads the instance's environment_file= list (ProgramConfig.environment_files)
 * at a start, in order, a later file winning, into p->env_file_vars ("KEY=VALUE") and p->env_file_origins
 * ("KEY=<file>"). On failure nothing changes and *ret_detail (malloc'ed, may stay NULL on OOM) says which
 * file and, for a malformed line, which line ("environment_file /etc/app.env:3: unterminated double
 * quote"), never a value. Returns 0 or a negative errno.
 */
int program_read_env_files(Program *p, char **ret_detail);

/*
 * program_env_origins() - which configuration set each variable cgsup gives the program beyond its own
 * environment: entries "KEY=<origin>", where <origin> is the environment file that set it at the last start
 * or "environment" for the program's environment= (which wins over every file). Names and origins only.
 */
int program_env_origins(const Program *p, char ***ret);

/* program_env_values() - the same variables with their values (for the polkit-checked
 * GetProgramEnvironment): file variables of the last start, then environment= over them. */
int program_env_values(const Program *p, char ***ret);
