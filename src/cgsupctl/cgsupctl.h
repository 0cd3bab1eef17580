/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* Options shared by all verbs (arg_* globals: set once by the option parser in cgsupctl.c). */
extern bool arg_json;
extern bool arg_user;
extern bool arg_no_pager;
extern const char *arg_host;

/* Exit statuses (supervisorctl/systemctl conventions). */
#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3

/* Verbs: argv[0] is the verb name. Return the process exit status: 0 ok, 1 failure, 2 usage, 3
 * (status) not running; run passes through the program's status. */
int verb_doctor(int argc, char **argv);
/* `cgsupctl run --standalone ...`: called by verb_run when --standalone is among the options. */
int verb_run_standalone(int argc, char **argv);

/* Daemon verbs (bus helper): verb-status.c, verb-control.c, verb-tail.c, verb-run.c, verb-admin.c. */
int verb_status(int argc, char **argv);
int verb_pid(int argc, char **argv);
int verb_avail(int argc, char **argv);
int verb_list_names(int argc, char **argv);
int verb_control(int argc, char **argv);      /* freeze, thaw */
int verb_job(int argc, char **argv);          /* start, stop, restart [--no-block] [--timeout DURATION] */
int verb_kill(int argc, char **argv);         /* kill [-s SIG] [--all], signal SIG */
int verb_set_property(int argc, char **argv);
int verb_tail(int argc, char **argv);
int verb_run(int argc, char **argv);
int verb_reread(int argc, char **argv);       /* reread, update */
int verb_reload(int argc, char **argv);
int verb_shutdown(int argc, char **argv);
int verb_validate(int argc, char **argv);
int verb_version(int argc, char **argv);
int verb_metrics(int argc, char **argv);      /* verb-metrics.c: Prometheus / OpenMetrics text */

/* Prints "cgsupctl: <message>" to stderr and returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
