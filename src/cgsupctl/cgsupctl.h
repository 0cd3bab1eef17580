/* SPDX-License-Identifier: MIT */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

/* Options shared by all verbs (arg_* globals: set once by the option parser in cgsupctl.c). */
typedef enum JsonFormat {
        JSON_OFF,
        JSON_PRETTY,
        JSON_SHORT,
        JSON_AUTO, /* pretty on a terminal, short otherwise */
} JsonFormat;

extern bool arg_json; /* any --json */
extern JsonFormat arg_json_format;
extern bool arg_user;
extern bool arg_no_pager;
extern bool arg_no_legend;
extern bool arg_full;
extern unsigned arg_verbose; /* -v: more detail; -vv: D-Bus calls traced on stderr */
extern const char *arg_host;

/* Exit statuses (systemctl/supervisorctl conventions). */
#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3
#define EXIT_NO_SUCH_PROGRAM 4

/*
 * One row of the verb table (verbs.c). To add a verb: write its handler in its own file, declare the
 * handler (and its option array, if any) below, and add one Verb to verbs[] in verbs.c.
 *
 * Before the handler runs, cgsupctl.c has parsed the whole command line with the global options plus
 * the verb's own (options may come anywhere, `--` ends them, `-h`/`--help` shows the verb's help) and
 * handed the handler a normalised argv: VERB, then its own options as `--long[=VALUE]` (or `-x VALUE`
 * for a letter without a long name), then `--` (only if the verb has options), then the operands. The
 * handler parses it with getopt_long(argc, argv, "+<short_options>", options, NULL); optind is reset.
 * An option name or letter must take an argument in every verb or in none (the verb is found by a
 * first pass over the union of all options).
 */
typedef enum VerbFlags {
        VERB_STOP_AT_OPERAND = 1 << 0, /* options end at the first operand: `run CMD -x` keeps -x for CMD */
        VERB_NUMERIC_OPTION = 1 << 1,  /* `-NUM` means `--bytes=NUM` (tail -1600, like supervisorctl) */
} VerbFlags;

#define VERB_ANY ((unsigned) -1)

typedef struct Verb {
        const char *name;
        unsigned min_operands, max_operands; /* not counting the verb or options; VERB_ANY = unlimited */
        int (*run)(int argc, char **argv);
        const struct option *options; /* the verb's own options (terminated by {}), or NULL */
        const char *short_options;    /* their letters for getopt ("s:"), or NULL */
        VerbFlags flags;
        const char *synopsis;         /* after "cgsupctl ": "kill [-s SIG] [--all] NAME..." */
        const char *summary;          /* one line for the verb list of `cgsupctl --help` */
        const char *description;      /* `VERB --help`: what it does, its options; NULL for none */
        const char *exit_status;      /* `VERB --help`: exit statuses; NULL for the common ones */
} Verb;

extern const Verb verbs[];
extern const size_t n_verbs;
const Verb *verb_find(const char *name);
void verb_help(const Verb *v);

/* Verbs: argv[0] is the verb name. Return the process exit status: 0 ok, 1 failure, 2 usage, 3
 * (status) not running; run passes through the program's status. */
int verb_help_verb(int argc, char **argv);    /* help [VERB] */
int verb_doctor(int argc, char **argv);
int verb_init(int argc, char **argv);
extern const struct option init_options[];
extern const struct option doctor_options[];
/* `cgsupctl run --standalone ...`: called by verb_run when --standalone is among the options. */
int verb_run_standalone(int argc, char **argv);

/* Daemon verbs (bus helper): verb-status.c, verb-control.c, verb-tail.c, verb-run.c, verb-admin.c. */
int verb_status(int argc, char **argv);
int verb_pid(int argc, char **argv);
int verb_avail(int argc, char **argv);
int verb_list_names(int argc, char **argv);   /* list-names [--programs] */
extern const struct option list_names_options[];
int verb_is_state(int argc, char **argv);     /* verb-is.c: is-active, is-failed */
extern const struct option is_state_options[];
int verb_show(int argc, char **argv);         /* verb-show.c: show [NAME...] [-p PROP]... [--value] */
extern const struct option show_options[];
int verb_cat(int argc, char **argv);          /* verb-cat.c: cat NAME... (GetProgramConfig) */
int verb_control(int argc, char **argv);      /* freeze, thaw, rotate, clear, reset-failed */
/* The control_result document (kill, signal, freeze, ..., send): @results, the names acted on, and "ok". */
struct json_object;
int control_result_print(struct json_object *results, bool failed);
int verb_job(int argc, char **argv);          /* start, stop, restart [--no-block] [--timeout DURATION] */
extern const struct option job_options[];
extern const struct option restart_options[]; /* job_options and --force */
int verb_kill(int argc, char **argv);         /* kill [-s SIG] [--all], signal SIG */
extern const struct option kill_options[];
int verb_set_property(int argc, char **argv);
int verb_tail(int argc, char **argv);
extern const struct option tail_options[];
int verb_send(int argc, char **argv);         /* verb-send.c: send [-n] NAME DATA... | send NAME - */
extern const struct option send_options[];
int verb_attach(int argc, char **argv);       /* verb-attach.c: attach [--detach-key=KEY] NAME */
extern const struct option attach_options[];
int verb_run(int argc, char **argv);
int verb_adopt(int argc, char **argv);        /* verb-adopt.c: adopt PID [--name NAME] [--tree] */
extern const struct option adopt_options[];
/* run's options, shared by the daemon-backed run (verb-run.c) and run --standalone. */
enum {
        RUN_ARG_WAIT = 0x100,
        RUN_ARG_PIPE,
        RUN_ARG_UID,
        RUN_ARG_STANDALONE,
        RUN_ARG_NAME,
        RUN_ARG_CGROUP,
        RUN_ARG_TIMEOUT,
};
#define RUN_SHORT_OPTIONS "p:E:dq"
extern const struct option run_options[];
int verb_reread(int argc, char **argv);       /* reread, update */
int verb_reload(int argc, char **argv);
int verb_shutdown(int argc, char **argv);     /* shutdown [--now] */
extern const struct option shutdown_options[];
int verb_validate(int argc, char **argv);
int verb_version(int argc, char **argv);
int verb_metrics(int argc, char **argv);
int verb_scale(int argc, char **argv);        /* verb-scale.c: scale NAME N (ScaleProgram) */      /* verb-metrics.c: Prometheus / OpenMetrics text */
extern const struct option metrics_options[];
int verb_top(int argc, char **argv);          /* verb-top.c: live view, -b batch frames */
extern const struct option top_options[];
int verb_health(int argc, char **argv);       /* verb-health.c: health, ready */

/* Prints "cgsupctl: <message>" to stderr and returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
