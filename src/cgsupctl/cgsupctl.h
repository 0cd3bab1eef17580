/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* Options shared by all verbs (arg_* globals: set once by the option parser in cgsupctl.c). */
extern bool arg_json;
extern bool arg_user;
extern bool arg_no_pager;
extern const char *arg_host;

/* Verbs: argv[0] is the verb name. Return the process exit status: 0 ok, 1 failure, 2 usage, 3
 * (status) not running; run passes through the program's status. */
int verb_doctor(int argc, char **argv);
/* `cgsupctl run --standalone ...`: called by verb_run when --standalone is among the options. */
int verb_run_standalone(int argc, char **argv);
