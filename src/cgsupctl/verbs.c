/* SPDX-License-Identifier: MIT */
/*
 * The verb table: every cgsupctl command, its operand counts, its handler, its own options and its help.
 * `cgsupctl --help` lists the summaries; `cgsupctl VERB --help` and `cgsupctl help VERB` print the rest.
 * Keep the texts in step with man/cgsupctl.1.scd and the shell completions.
 */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "cgsupctl.h"
#include "macro.h"

#define JOB_OPTIONS_HELP                                                                                   \
        "Options:\n"                                                                                       \
        "     --no-block         return once the jobs are queued, do not wait\n"                          \
        "     --timeout=DURATION stop waiting after DURATION (e.g. 30s); the job goes on in cgsupd\n"

#define NAMES_HELP "NAME may be a program, group:name, group:*, a group, or all.\n"

/* The exit statuses of the verbs that print what they are asked about (show, cat). */
#define SHOWN_EXIT_HELP "0 shown, 1 cgsupd failed, 2 usage error, 4 a name matches nothing.\n"

const Verb verbs[] = {
        {
                .name = "status", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_status,
                .synopsis = "status [NAME...]",
                .summary = "show programs (exit 3 if a named one is not running)",
                .description = "Without a name, a table of all programs; with names, a detail block for each\n"
                               "program they match, like systemctl status.\n" NAMES_HELP,
                .exit_status = "0 every named program is running, 1 cgsupd failed, 2 usage error,\n"
                               "3 a named program is not running, 4 a name matches nothing.\n",
        },
        {
                .name = "is-active", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_is_state,
                .options = is_state_options, .short_options = "q",
                .synopsis = "is-active [-q] NAME...",
                .summary = "whether programs are RUNNING (exit 0 if one is)",
                .description = "Prints each matching program's state, one per line.\n" NAMES_HELP
                               "Options:\n"
                               "  -q --quiet             print nothing, only the exit status tells\n",
                .exit_status = "0 a named program is RUNNING, 3 none is, 4 a name matches nothing,\n"
                               "1 cgsupd unreachable, 2 usage error.\n",
        },
        {
                .name = "is-failed", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_is_state,
                .options = is_state_options, .short_options = "q",
                .synopsis = "is-failed [-q] NAME...",
                .summary = "whether programs have failed (exit 0 if one has)",
                .description = "Failed: FATAL, BACKOFF, UNHEALTHY, or EXITED other than with status 0. Prints each\n"
                               "matching program's state, one per line.\n" NAMES_HELP
                               "Options:\n"
                               "  -q --quiet             print nothing, only the exit status tells\n",
                .exit_status = "0 a named program has failed, 1 none has (or cgsupd is unreachable),\n"
                               "4 a name matches nothing, 2 usage error.\n",
        },
        {
                .name = "show", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_show,
                .options = show_options, .short_options = "p:",
                .synopsis = "show [NAME...] [-p PROP[,PROP...]]... [--value]",
                .summary = "every D-Bus property of programs (of cgsupd without a name), KEY=VALUE",
                .description = "systemctl show: one KEY=VALUE line per property of the program objects, in\n"
                               "cgsupd's order; programs separated by an empty line. yes/no for booleans,\n"
                               "infinity for no limit or not available, arrays space-separated, the fields of\n"
                               "a structure joined with ':'. *Timestamp as a date (empty for never), other\n"
                               "*USec as a duration (1min 30s); --json keeps the microseconds.\n"
                               "Values that can be secrets are not properties\n"
                               "(Environment lists names only).\n" NAMES_HELP
                               "Options:\n"
                               "  -p --property=PROP     only these properties (repeat, or PROP,PROP)\n"
                               "     --value            print the values only, one per line\n",
                .exit_status = SHOWN_EXIT_HELP,
        },
        {
                .name = "cat", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_cat,
                .synopsis = "cat NAME...",
                .summary = "the configuration a program runs with, each key with its file:line",
                .description = "The program's section as it took effect (includes merged, the last duplicate\n"
                               "winning), values as written, each key with the file:line it came from as an\n"
                               "INI comment, then its environment files and which variable each one set. The\n"
                               "values of environment= only for root or callers polkit allows\n"
                               "(org.cgsup1.manage); others see the variable names.\n" NAMES_HELP,
                .exit_status = SHOWN_EXIT_HELP,
        },
        {
                .name = "start", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_job,
                .options = job_options,
                .synopsis = "start [--no-block] [--timeout=DURATION] NAME...",
                .summary = "start programs, wait until they are RUNNING",
                .description = "Queue a start job per program and wait until each is RUNNING (after startsecs,\n"
                               "READY=1 and the first passing health check). A running program is not an error.\n"
                               NAMES_HELP JOB_OPTIONS_HELP,
        },
        {
                .name = "stop", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_job,
                .options = job_options,
                .synopsis = "stop [--no-block] [--timeout=DURATION] NAME...",
                .summary = "stop programs, wait until their cgroups are gone",
                .description = "Queue a stop job per program and wait until every process of its cgroup has\n"
                               "ended and the cgroup is removed. A program that is not running is not an error.\n"
                               NAMES_HELP JOB_OPTIONS_HELP,
        },
        {
                .name = "restart", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_job,
                .options = restart_options,
                .synopsis = "restart [--force] [--no-block] [--timeout=DURATION] NAME...",
                .summary = "stop, then start programs; wait until RUNNING",
                .description = "Stop, then start each program; wait until the new generation is RUNNING.\n"
                               NAMES_HELP JOB_OPTIONS_HELP
                               "     --force            kill the cgroup at once (cgroup.kill): no stop signal,\n"
                               "                        no stopwaitsecs\n",
        },
        {
                .name = "kill", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_kill,
                .options = kill_options, .short_options = "s:",
                .synopsis = "kill [-s SIGNAL] [--all] NAME...",
                .summary = "send a signal to the main process (or, with --all, every process)",
                .description = "Options:\n"
                               "  -s --signal=SIGNAL     the signal (name or number; default TERM)\n"
                               "     --all              every process of the program's cgroup\n"
                               "     --kill-whom=main|all  the same choice, systemctl's spelling\n",
        },
        {
                .name = "signal", .min_operands = 2, .max_operands = VERB_ANY, .run = verb_kill,
                .synopsis = "signal SIGNAL NAME...",
                .summary = "send SIGNAL to the main process (supervisorctl's form of kill)",
        },
        {
                .name = "freeze", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_control,
                .synopsis = "freeze NAME...",
                .summary = "freeze the program's cgroup (cgroup.freeze)",
        },
        {
                .name = "thaw", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_control,
                .synopsis = "thaw NAME...",
                .summary = "thaw a frozen program",
        },
        {
                .name = "rotate", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_control,
                .synopsis = "rotate NAME...",
                .summary = "rotate the programs' log files now",
                .description = "As stdout_logfile_maxbytes or stdout_logfile_rotate would: name -> name.1 ...,\n"
                               "the oldest beyond stdout_logfile_backups deleted, backups compressed when\n"
                               "stdout_logfile_compress says so (stderr_* alike). tail -f follows across it.\n"
                               "With group:* or all, programs without a log file are skipped. Authorized by\n"
                               "polkit (org.cgsup1.manage).\n" NAMES_HELP,
        },
        {
                .name = "clear", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_control,
                .synopsis = "clear NAME...",
                .summary = "empty the programs' log files (supervisorctl's clear)",
                .description = "Truncates stdout_logfile and stderr_logfile while the program keeps writing, and\n"
                               "forgets the output cgsupd keeps in memory: tail shows only what comes after.\n"
                               "Rotated backups and the journal stay. Authorized by polkit (org.cgsup1.manage).\n"
                               NAMES_HELP,
        },
        {
                .name = "reset-failed", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_control,
                .synopsis = "reset-failed [NAME...]",
                .summary = "forget that programs failed (FATAL, EXITED with an error) -> STOPPED",
                .description = "systemctl reset-failed: each named program (every program without a name) that has\n"
                               "failed becomes STOPPED with no exit record and its restart count at 0; the\n"
                               "others are left alone. One whose processes are still running is refused.\n"
                               NAMES_HELP,
        },
        {
                .name = "set-property", .min_operands = 2, .max_operands = VERB_ANY, .run = verb_set_property,
                .synopsis = "set-property NAME KEY=VALUE...",
                .summary = "change limits live (memory_max=512M, cpu_quota=50%, ...)",
                .description = "Keys: memory_max, memory_high, memory_swap_max, pids_max, cpu_quota, cpu_weight,\n"
                               "io_weight (or their D-Bus names). Values as in the configuration file.\n",
        },
        {
                .name = "scale", .min_operands = 2, .max_operands = 2, .run = verb_scale,
                .synopsis = "scale NAME N",
                .summary = "run N instances of a numprocs program, live",
                .description = "New instances are made from the configuration file as with numprocs=N and\n"
                               "started; surplus ones are stopped, highest-numbered first; the others are not\n"
                               "touched. Kept until the next reload, which goes back to the file's numprocs.\n"
                               "N is 0 to 1000. Authorized by polkit (org.cgsup1.manage).\n",
        },
        {
                .name = "pid", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_pid,
                .synopsis = "pid [NAME...]",
                .summary = "main PID of programs, or cgsupd's PID without a name",
        },
        {
                .name = "avail", .min_operands = 0, .max_operands = 0, .run = verb_avail,
                .synopsis = "avail",
                .summary = "list configured programs",
        },
        {
                .name = "tail", .min_operands = 1, .max_operands = 2, .run = verb_tail,
                .options = tail_options, .short_options = "f", .flags = VERB_NUMERIC_OPTION,
                .synopsis = "tail [-f] [-BYTES] NAME [stdout|stderr]",
                .summary = "show (and follow) a program's output",
                .description = "Options:\n"
                               "  -f --follow            keep printing new output until interrupted\n"
                               "  -BYTES --bytes=BYTES   how much of the end to show (default 1600)\n"
                               "With --json the bytes come as output records (see cgsupctl(1)), with -f one\n"
                               "per line as they arrive.\n",
        },
        {
                .name = "send", .min_operands = 2, .max_operands = VERB_ANY, .run = verb_send,
                .options = send_options, .short_options = "n", .flags = VERB_STOP_AT_OPERAND,
                .synopsis = "send [-n] NAME DATA... | send NAME -",
                .summary = "write to a program's stdin",
                .description = "Write DATA (the words joined by spaces) and a newline to the program's stdin\n"
                               "(stdin = pipe, supervisord's default); `-` sends cgsupctl's own stdin as it is\n"
                               "(up to 16 MiB). A full pipe is waited on for up to 10 s. Options end at NAME:\n"
                               "what follows is data.\n"
                               "Options:\n"
                               "  -n --no-newline        do not add a newline\n",
                .exit_status = "0 written, 1 its stdin is closed or full or cgsupd failed, 2 usage error,\n"
                               "3 the program is not running, 4 no such program.\n",
        },
        {
                .name = "attach", .min_operands = 1, .max_operands = 1, .run = verb_attach,
                .options = attach_options,
                .synopsis = "attach [--detach-key=KEY] NAME",
                .summary = "connect the terminal to a program's stdin and output",
                .description = "Keys go to the program's stdin as they are typed (raw terminal: Enter sends a\n"
                               "newline, Ctrl-C is a byte for the program) and its output is shown as it comes,\n"
                               "until Ctrl-] detaches, cgsupctl's stdin ends or the program stops running.\n"
                               "Uses D-Bus methods only, so it works over -H too.\n"
                               "Options:\n"
                               "     --detach-key=KEY    the key that detaches, as ^X or one character (default ^])\n",
                .exit_status = "0 detached, 1 failure, 2 usage error, 3 the program is not running (or\n"
                               "stopped while attached), 4 no such program.\n",
        },
        {
                .name = "run", .min_operands = 1, .max_operands = VERB_ANY, .run = verb_run,
                .options = run_options, .short_options = RUN_SHORT_OPTIONS, .flags = VERB_STOP_AT_OPERAND,
                .synopsis = "run [OPTIONS...] [--] CMD [ARG...]",
                .summary = "run CMD as a transient program in its own cgroup",
                .description = "Options (the first word that is not an option starts CMD):\n"
                               "  -p --property=KEY=VALUE  a limit or program key (memory_max=512M, ...)\n"
                               "  -E --setenv=KEY=VALUE    an environment variable for CMD\n"
                               "     --wait               wait for CMD to end, exit with its status\n"
                               "     --pipe               --wait, and connect CMD to our stdin/stdout/stderr\n"
                               "     --uid=USER           run as USER\n"
                               "     --name=NAME          the transient program's name\n"
                               "  -d --same-dir           run in the current directory\n"
                               "  -q --quiet              no report on stderr\n"
                               "     --timeout=DURATION   end CMD's whole tree after DURATION (-p runtime_max=),\n"
                               "                          result timeout, exit status 124\n"
                               "     --standalone         run without cgsupd (see cgsupctl(1))\n"
                               "     --cgroup=PATH        with --standalone: the parent cgroup\n",
                .exit_status = "With --wait/--pipe/--standalone: CMD's exit status, 128+N if it died of signal N;\n"
                               "1 if it could not be started, 2 usage error. Otherwise 0 once it is started.\n",
        },
        {
                .name = "adopt", .min_operands = 1, .max_operands = 1, .run = verb_adopt,
                .options = adopt_options,
                .synopsis = "adopt PID [--name NAME] [--tree]",
                .summary = "move an outside process into a new transient program's cgroup",
                .description = "The process (with --tree, every descendant too) is moved into the cgroup of a\n"
                               "new transient program: listed, stopped and limited like any other, removed once\n"
                               "its cgroup is empty. Its exit status is not cgsupd's to read: reported unknown.\n"
                               "It cannot be restarted. Root, or callers polkit allows (org.cgsup1.manage), and\n"
                               "those only for their own processes. Refused, with the reason: PID 1, cgsupd, a\n"
                               "process another program holds, one in another systemd unit's cgroup or outside\n"
                               "cgsupd's delegation.\n"
                               "Options:\n"
                               "     --name=NAME        the program's name (default adopted-PID)\n"
                               "     --tree             also every descendant of PID\n",
                .exit_status = "0 adopted, 1 refused (the reason on stderr) or cgsupd unreachable, 2 usage error.\n",
        },
        {
                .name = "reread", .min_operands = 0, .max_operands = 0, .run = verb_reread,
                .synopsis = "reread",
                .summary = "show what a reload would change",
        },
        {
                .name = "update", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_reread,
                .synopsis = "update [GROUP...|all]",
                .summary = "apply the configuration, report the changes",
                .description = "Without GROUP (or with all): apply every change of the configuration file. With\n"
                               "GROUP names: read the file and apply only those groups' changes (added, changed\n"
                               "or removed), as supervisorctl's update GROUP; every other group runs on as it is\n"
                               "and its changes stay pending (reread shows them). Names are groups: a\n"
                               "[group:x]'s name, or a program's name when no [group:x] lists it. Lists what\n"
                               "changed: GROUP: added|updated|removed when groups were named, else programs.\n",
                .exit_status = "0 applied (or nothing to do), 1 invalid file (nothing changed) or cgsupd\n"
                               "unreachable, 2 usage error, 4 a GROUP neither runs nor is in the file (nothing\n"
                               "changed).\n",
        },
        {
                .name = "reload", .min_operands = 0, .max_operands = 0, .run = verb_reload,
                .synopsis = "reload",
                .summary = "re-read and apply the configuration",
        },
        {
                .name = "shutdown", .min_operands = 0, .max_operands = 0, .run = verb_shutdown,
                .options = shutdown_options,
                .synopsis = "shutdown [--now]",
                .summary = "stop all programs and cgsupd",
                .description = "Stop every program gracefully (stop signal, stopwaitsecs, in reverse priority\n"
                               "order), then cgsupd exits.\n"
                               "Options:\n"
                               "     --now              skip the graceful stop: cgroup.kill every program at\n"
                               "                        once, then exit (also ends a shutdown under way)\n",
        },
        {
                .name = "validate", .min_operands = 0, .max_operands = 1, .run = verb_validate,
                .synopsis = "validate [FILE]",
                .summary = "check a configuration file (no daemon needed)",
                .exit_status = "0 valid, 1 errors (printed with file:line), 2 usage error.\n",
        },
        {
                .name = "init", .min_operands = 0, .max_operands = 1, .run = verb_init,
                .options = init_options, .short_options = "f",
                .synopsis = "init [--force] [FILE]",
                .summary = "print a sample configuration with every key (no daemon needed)",
                .description = "Every key cgsup reads, with its default, commented out (supervisord's\n"
                               "echo_supervisord_conf). To stdout, or into FILE (created 0644).\n"
                               "Options:\n"
                               "  -f --force             replace FILE if it exists (keeping its mode)\n",
                .exit_status = "0 written, 1 FILE exists (without --force) or cannot be written, 2 usage error.\n",
        },
        {
                .name = "health", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_health,
                .synopsis = "health [NAME...]",
                .summary = "liveness of programs: one line each (exit 1 unless all are healthy)",
                .description = "healthy: RUNNING and its liveness check passes (or it has none); else unhealthy or\n"
                               "not running, with the check's type and what failed. Without a name, every program.\n"
                               NAMES_HELP,
                .exit_status = "0 every program named is healthy, 1 one is not or cgsupd failed, 2 usage error,\n"
                               "4 a name matches no program.\n",
        },
        {
                .name = "ready", .min_operands = 0, .max_operands = VERB_ANY, .run = verb_health,
                .synopsis = "ready [NAME...]",
                .summary = "readiness of programs: one line each (exit 1 unless all are ready)",
                .description = "ready: RUNNING and its readiness check passed since it started (or it has none):\n"
                               "what start jobs and depends_on=NAME:healthy wait for. Without a name, every\n"
                               "program.\n" NAMES_HELP,
                .exit_status = "0 every program named is ready, 1 one is not or cgsupd failed, 2 usage error,\n"
                               "4 a name matches no program.\n",
        },
        {
                .name = "metrics", .min_operands = 0, .max_operands = 0, .run = verb_metrics,
                .options = metrics_options,
                .synopsis = "metrics [--openmetrics]",
                .summary = "all figures in Prometheus' text format",
                .description = "Options:\n"
                               "     --openmetrics      OpenMetrics text instead of Prometheus' format\n"
                               "With --json the same figures as one metrics document (see cgsupctl(1)).\n",
        },
        {
                .name = "top", .min_operands = 0, .max_operands = 0, .run = verb_top,
                .options = top_options, .short_options = "bn:",
                .synopsis = "top [-b] [-n N] [--delay=SECS] [--sort=KEY]",
                .summary = "live CPU, memory, pids and I/O of every program",
                .description = "One GetMetrics() call per refresh; CPU % and I/O rates between two refreshes.\n"
                               "Keys: up/down (k/j) select, s stop, S start, R restart the selected program,\n"
                               "c m p i r n sort by cpu, memory, pids, io, restarts, name; q quits.\n"
                               "Options:\n"
                               "  -b --batch              plain frames for scripts (also without a terminal)\n"
                               "                          (--json: one JSON object per frame and line)\n"
                               "  -n --iterations=N       end after N frames\n"
                               "     --delay=SECS         refresh interval (default 2, at least 0.1; 500ms)\n"
                               "     --sort=KEY           cpu (default), memory, pids, io, restarts, name, state\n",
        },
        {
                .name = "doctor", .min_operands = 0, .max_operands = 0, .run = verb_doctor,
                .options = doctor_options,
                .synopsis = "doctor [--cgroup=PATH]",
                .summary = "what this host can enforce",
                .description = "Report the kernel's cgroup features, the cgroup2 mount, delegation and which limit\n"
                               "keys this host can enforce, and how to fix each refusal (kernel command line for\n"
                               "a controller held by cgroup v1, Delegate=yes, the unit to use). With a cgsupd\n"
                               "running, its own subtree is checked. Not over -H: run it on that host.\n\n"
                               "Options:\n"
                               "     --cgroup=PATH      check the subtree cgsupd would use with --cgroup PATH\n"
                               "                        (default: the running cgsupd's subtree, else the root\n"
                               "                        cgroup if we are in it, else our own)\n",
                .exit_status = "0 every limit can be enforced, 1 some cannot, 2 usage error.\n",
        },
        {
                .name = "version", .min_operands = 0, .max_operands = 0, .run = verb_version,
                .synopsis = "version",
                .summary = "versions of cgsupctl and cgsupd",
        },
        {
                .name = "list-names", .min_operands = 0, .max_operands = 0, .run = verb_list_names,
                .options = list_names_options,
                .synopsis = "list-names [--programs|--groups]",
                .summary = "program names, one per line (for completion)",
                .description = "The names status shows (group:name for a group's member) and a group:* per group.\n"
                               "Options:\n"
                               "     --programs         the [program:NAME] sections behind them instead (what\n"
                               "                        scale takes), each once\n"
                               "     --groups           the groups instead (what update takes): those that run\n"
                               "                        and those of the file as last read, each once\n",
        },
        {
                .name = "help", .min_operands = 0, .max_operands = 1, .run = verb_help_verb,
                .synopsis = "help [VERB]",
                .summary = "this list, or a verb's synopsis, options and exit statuses",
        },
};

const size_t n_verbs = ELEMENTSOF(verbs);

const Verb *verb_find(const char *name) {
        assert(name);

        for (size_t i = 0; i < n_verbs; i++)
                if (streq(verbs[i].name, name))
                        return &verbs[i];
        return NULL;
}

static void print_indented(const char *text) {
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, "\n");
                printf("  %.*s\n", (int) n, p);
                p += n + (p[n] == '\n');
        }
}

void verb_help(const Verb *v) {
        assert(v);

        printf("cgsupctl [OPTIONS...] %s\n\n%s: %s.\n", v->synopsis, v->name, v->summary);
        if (v->description)
                printf("\n%s", v->description);
        printf("\nExit status:\n");
        print_indented(v->exit_status ?: "0 success, 1 failure (cgsupd unreachable, refused), 2 usage error,\n"
                                         "4 no such program.\n");
        printf("\nGlobal options (--json, --user, -H HOST, ...) may come anywhere: see 'cgsupctl --help'.\n");
}
