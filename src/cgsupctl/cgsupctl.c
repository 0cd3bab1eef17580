/* SPDX-License-Identifier: MIT */
/*
 * cgsupctl: the admin CLI of cgsupd. Global options come before the verb; each verb parses its own
 * options. Exit statuses: 0 ok, 1 failure (daemon unreachable, unknown program, refused), 2 usage error,
 * 3 `status` found a named program not running (supervisorctl); `run --wait` passes through the program's
 * status (128+N for a signal).
 */

#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgsupctl.h"
#include "macro.h"

bool arg_json = false;
bool arg_user = false;
bool arg_no_pager = false;
const char *arg_host = NULL;

typedef struct Verb {
        const char *name;
        int min_args, max_args; /* counting the verb itself; -1 = unlimited */
        int (*func)(int argc, char **argv);
        const char *help;
} Verb;

static const Verb verbs[] = {
        { "status", 1, -1, verb_status, "status [NAME...]            show programs (exit 3 if a named one is not running)" },
        { "start", 2, -1, verb_job, "start [--no-block] [--timeout T] NAME|group:*|all... start programs, wait until RUNNING" },
        { "stop", 2, -1, verb_job, "stop [--no-block] [--timeout T] NAME|group:*|all... stop programs, wait until the cgroup is gone" },
        { "restart", 2, -1, verb_job, "restart [--no-block] [--timeout T] NAME|group:*|all... stop, then start; wait" },
        { "kill", 2, -1, verb_kill, "kill [-s SIG] [--all] NAME  send a signal (default TERM) to the main process (--all: every process)" },
        { "signal", 3, -1, verb_kill, "signal SIG NAME...          send SIG to the main process (supervisorctl)" },
        { "freeze", 2, -1, verb_control, "freeze NAME...              freeze the program's cgroup" },
        { "thaw", 2, -1, verb_control, "thaw NAME...                thaw it again" },
        { "set-property", 3, -1, verb_set_property, "set-property NAME KEY=VALUE... change limits live (memory_max=512M, cpu_quota=50%, ...)" },
        { "pid", 1, -1, verb_pid, "pid [NAME...]               main pid of programs, or cgsupd's pid" },
        { "avail", 1, 1, verb_avail, "avail                       list configured programs" },
        { "tail", 2, -1, verb_tail, "tail [-f] [-BYTES] NAME [stdout|stderr] show (and follow) output" },
        { "run", 2, -1, verb_run, "run [-p KEY=VALUE]... [--wait] [--pipe] [--uid USER] [--standalone] -- CMD..." },
        { "reread", 1, 1, verb_reread, "reread                      show what a reload would change" },
        { "update", 1, 1, verb_reread, "update                      apply the configuration, report changes" },
        { "reload", 1, 1, verb_reload, "reload                      re-read and apply the configuration" },
        { "shutdown", 1, 1, verb_shutdown, "shutdown                    stop all programs and cgsupd" },
        { "validate", 1, 2, verb_validate, "validate [FILE]             check a configuration file (no daemon needed)" },
        { "metrics", 1, -1, verb_metrics, "metrics [--openmetrics]     all figures in Prometheus' text format" },
        { "doctor", 1, -1, verb_doctor, "doctor                      what this host can enforce" },
        { "version", 1, 1, verb_version, "version                     versions of cgsupctl and cgsupd" },
        { "list-names", 1, 1, verb_list_names, "list-names                  program names, one per line (for completion)" },
};

int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("cgsupctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'cgsupctl --help'.\n", stderr);
        return EXIT_USAGE;
}

static void help(void) {
        printf("cgsupctl [OPTIONS...] COMMAND [ARGS...]\n\n"
               "Control cgsupd, the cgroup v2 process supervisor.\n\n"
               "Options:\n"
               "  -h --help           show this help\n"
               "     --version        show the version\n"
               "     --json           one JSON document on stdout instead of tables\n"
               "     --user           talk to the user instance (cgsupd --user) on the session bus\n"
               "  -H --host=[USER@]HOST  talk to cgsupd on a remote host (over ssh)\n"
               "     --no-pager       accepted for systemctl habits (output is never paged)\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %s\n", verbs[i].help);
        printf("\nSee cgsupctl(1).\n");
}

enum {
        ARG_VERSION = 0x100,
        ARG_JSON,
        ARG_USER,
        ARG_SYSTEM,
        ARG_NO_PAGER,
};

static int parse_argv(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", no_argument, NULL, ARG_JSON },
                { "user", no_argument, NULL, ARG_USER },
                { "system", no_argument, NULL, ARG_SYSTEM },
                { "host", required_argument, NULL, 'H' },
                { "no-pager", no_argument, NULL, ARG_NO_PAGER },
                {},
        };
        int c;

        /* '+': stop at the verb, whose own options (kill -s, run -p, tail -f) are parsed by the verb. */
        while ((c = getopt_long(argc, argv, "+hH:", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cgsupctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_SYSTEM:
                        arg_user = false;
                        break;
                case 'H':
                        arg_host = optarg;
                        break;
                case ARG_NO_PAGER:
                        arg_no_pager = true;
                        break;
                case '?':
                        return -EXIT_USAGE;
                default:
                        return -EXIT_USAGE;
                }

        if (arg_host && arg_user)
                return -usage_error("--host and --user cannot be combined.");
        return 1;
}

int main(int argc, char **argv) {
        const Verb *verb = NULL;
        int n_args, r;

        setlocale(LC_ALL, "");

        r = parse_argv(argc, argv);
        if (r == -EXIT_USAGE) {
                fputs("Try 'cgsupctl --help'.\n", stderr);
                return EXIT_USAGE;
        }
        if (r <= 0)
                return -r;

        if (optind >= argc) {
                /* supervisorctl without a command opens a shell; we show the status instead. */
                char *def[] = { (char *) "status", NULL };
                return verb_status(1, def);
        }

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[optind])) {
                        verb = &verbs[i];
                        break;
                }
        if (!verb)
                return usage_error("unknown command '%s'.", argv[optind]);

        n_args = argc - optind;
        if (n_args < verb->min_args)
                return usage_error("'%s' needs more arguments: %s", verb->name, verb->help);
        if (verb->max_args >= 0 && n_args > verb->max_args)
                return usage_error("too many arguments for '%s': %s", verb->name, verb->help);

        /* Verbs parse their own options starting from argv[0] = the verb; reset getopt. */
        optind = 0;
        return verb->func(n_args, argv + (argc - n_args));
}
