/* SPDX-License-Identifier: MIT */
/*
 * How supervisorctl talks: every result, error included, is one line on stdout (Controller.output());
 * what cgsup adds for people (why something differs from supervisord) goes to stderr, where scripts that
 * parse stdout do not see it.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "sctl.h"

void ctl_output(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vfprintf(stdout, fmt, ap);
        va_end(ap);
        (void) fputc('\n', stdout);
        (void) fflush(stdout);
}

void ctl_note(const char *fmt, ...) {
        va_list ap;

        (void) fflush(stdout);
        (void) fprintf(stderr, "%s: ", program_invocation_short_name);
        va_start(ap, fmt);
        (void) vfprintf(stderr, fmt, ap);
        va_end(ap);
        (void) fputc('\n', stderr);
}

void ctl_set_exit_from_fault(Ctl *c, Fault f, Fault ignored) {
        /* supervisorctl's set_exitstatus_from_xmlrpc_fault(): a dead program is LSB's "not running" (7),
         * anything else GENERIC (1). */
        if (f == FAULT_SUCCESS || f == ignored)
                return;
        if (f == FAULT_SPAWN_ERROR || f == FAULT_ABNORMAL_TERMINATION || f == FAULT_NOT_RUNNING)
                c->exitstatus = SCTL_EXIT_NOT_RUNNING;
        else
                c->exitstatus = SCTL_EXIT_GENERIC;
}

bool ctl_usage_check(Ctl *c, bool bad, const char *message, int status, const char *help_topic) {
        if (!bad)
                return true;
        ctl_output("%s", message);
        c->exitstatus = status;
        if (help_topic)
                ctl_help(c, help_topic);
        return false;
}

bool ctl_no_arguments(Ctl *c, size_t n, const char *verb) {
        char message[64];

        snprintf(message, sizeof message, "Error: %s accepts no arguments", verb);
        return ctl_usage_check(c, n > 0, message, SCTL_EXIT_GENERIC, verb);
}

bool ctl_confirm(const char *question) {
        char line[64];

        (void) fputs(question, stdout);
        (void) fflush(stdout);
        if (!fgets(line, sizeof line, stdin))
                return false;
        return line[0] == 'y' || line[0] == 'Y';
}
