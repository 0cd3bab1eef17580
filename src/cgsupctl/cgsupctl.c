/* SPDX-License-Identifier: MIT */
/*
 * cgsupctl: the admin CLI of cgsupd. Options may come anywhere, like systemctl's: the global ones
 * (--json, --user, -H, ...) and the verb's own (kill -s, run -p, tail -f); `--` ends them. The verb
 * table is in verbs.c. Exit statuses, as systemctl's: 0 ok, 1 failure (daemon unreachable, refused),
 * 2 usage error, 3 a named program is not running (status, is-active), 4 no such program; `run --wait`
 * passes through the program's status (128+N for a signal).
 */

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "macro.h"
#include "pager.h"
#include "strv.h"

bool arg_json = false;
JsonFormat arg_json_format = JSON_OFF;
bool arg_user = false;
bool arg_no_pager = false;
bool arg_no_legend = false;
bool arg_full = false;
unsigned arg_verbose = 0;
const char *arg_host = NULL;
/* arg_host's own copy: the option parser's words are freed before the verb runs. */
static char *arg_host_owned = NULL;

/* The verb being run, so that usage errors can point to its --help. */
static const Verb *current_verb = NULL;

/* Values above every verb option's (verbs use letters and 0x100...). */
enum {
        ARG_VERSION = 0x1000,
        ARG_JSON,
        ARG_USER,
        ARG_SYSTEM,
        ARG_NO_PAGER,
        ARG_NO_LEGEND,
};

static const struct option global_options[] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        { "json", optional_argument, NULL, ARG_JSON },
        { "user", no_argument, NULL, ARG_USER },
        { "system", no_argument, NULL, ARG_SYSTEM },
        { "host", required_argument, NULL, 'H' },
        { "no-pager", no_argument, NULL, ARG_NO_PAGER },
        { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
        { "full", no_argument, NULL, 'l' },
        { "verbose", no_argument, NULL, 'v' },
        {},
};
#define GLOBAL_SHORT_OPTIONS "hH:lv"

int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("cgsupctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'cgsupctl %s%s--help'.\n", current_verb ? current_verb->name : "",
                current_verb ? " " : "");
        return EXIT_USAGE;
}

static void help(void) {
        printf("cgsupctl [OPTIONS...] COMMAND [ARGS...]\n\n"
               "Control cgsupd, the cgroup v2 process supervisor.\n\n"
               "Options (anywhere on the command line; '--' ends them):\n"
               "  -h --help              show this help, or with a command its help\n"
               "     --version           show the version\n"
               "     --json[=pretty|short]  one JSON document on stdout instead of tables\n"
               "                         (pretty on a terminal unless short is asked for)\n"
               "     --user              talk to the user instance (cgsupd --user) on the session bus\n"
               "     --system            talk to the system instance (the default)\n"
               "  -H --host=[USER@]HOST  talk to cgsupd on a remote host (over ssh)\n"
               "  -l --full              do not truncate table columns to fit the terminal\n"
               "  -v --verbose           more detail (status: sub-state, restarts, tasks, limits,\n"
               "                         checks); -vv also traces every D-Bus call on stderr\n"
               "     --no-legend         tables without their header line\n"
               "     --no-pager          do not pipe tables into a pager (less) on a terminal\n\n"
               "Commands:\n");
        for (size_t i = 0; i < n_verbs; i++)
                printf("  %-14s %s\n", verbs[i].name, verbs[i].summary);
        printf("\nWithout a command: status. 'cgsupctl help COMMAND' or 'cgsupctl COMMAND --help' shows a\n"
               "command's synopsis, options and exit statuses. See cgsupctl(1).\n");
}

int verb_help_verb(int argc, char **argv) {
        const Verb *v;

        if (argc < 2) {
                help();
                return 0;
        }
        v = verb_find(argv[1]);
        if (!v)
                return usage_error("unknown command '%s'.", argv[1]);
        verb_help(v);
        return 0;
}

/* Appends the options of @add whose names are not in *@table yet. */
static int options_merge(struct option **table, size_t *n, const struct option *add) {
        for (const struct option *o = add; o && o->name; o++) {
                bool dup = false;

                for (size_t i = 0; i < *n && !dup; i++)
                        dup = streq((*table)[i].name, o->name);
                if (dup)
                        continue;
                struct option *t = reallocarray(*table, *n + 2, sizeof(struct option));
                if (!t)
                        return -ENOMEM;
                t[(*n)++] = *o;
                t[*n] = (struct option) {};
                *table = t;
        }
        return 0;
}

/* The option that getopt just refused, for the message: "-x" or the "--long[=value]" word. */
static const char *refused_option(char **argv, char buf[static 3]) {
        /* A long option given a value it does not take sets optopt to its letter: name the word instead. */
        if (optopt > 0 && optopt < 0x100 && !strneq(argv[optind - 1], "--", 2)) {
                buf[0] = '-';
                buf[1] = (char) optopt;
                buf[2] = 0;
                return buf;
        }
        return argv[optind - 1];
}

static int option_error(int c, char **argv, const Verb *v) {
        char buf[3];
        const char *opt = refused_option(argv, buf);

        if (c == ':')
                fprintf(stderr, "cgsupctl: option '%s' needs an argument.\n", opt);
        else if (strneq(opt, "--", 2) && strchr(opt, '='))
                fprintf(stderr, "cgsupctl: unknown option, or an option that takes no value: '%s'.\n", opt);
        else
                fprintf(stderr, "cgsupctl: unknown option '%s'%s%s%s.\n", opt, v ? " for '" : "", v ? v->name : "",
                        v ? "'" : "");
        fprintf(stderr, "Try 'cgsupctl %s%s--help'.\n", v ? v->name : "", v ? " " : "");
        return -EXIT_USAGE;
}

/* First pass: where is the verb? Options before it are checked against the union of all options (so an
 * option of any verb may come first, `cgsupctl --no-block stop web`); the second pass checks them against
 * the verb's own. Returns the verb's index in argv (argc if there is none) or -EXIT_USAGE. */
static int find_verb(int argc, char **argv) {
        _cleanup_free_ struct option *all = NULL;
        _cleanup_strv_free_ char **letters = NULL;
        _cleanup_free_ char *shorts = NULL;
        size_t n = 0;
        int c;

        if (strv_extend(&letters, "+:" GLOBAL_SHORT_OPTIONS) < 0 || options_merge(&all, &n, global_options) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n_verbs; i++) {
                if (options_merge(&all, &n, verbs[i].options) < 0)
                        return -ENOMEM;
                if (verbs[i].short_options && strv_extend(&letters, verbs[i].short_options) < 0)
                        return -ENOMEM;
        }
        shorts = strv_join(letters, "");
        if (!shorts)
                return -ENOMEM;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shorts, all, NULL)) >= 0)
                if (c == '?' || c == ':')
                        return option_error(c, argv, NULL);
        return optind;
}

static int json_format_parse(const char *s) {
        if (!s)
                return JSON_AUTO;
        if (streq(s, "pretty"))
                return JSON_PRETTY;
        if (streq(s, "short"))
                return JSON_SHORT;
        return -EINVAL;
}

/* Handles a global option; returns 1 if @c was one, 0 if not, -EXIT_USAGE for a bad value. */
static int global_option(int c, const char *value) {
        int r;

        switch (c) {
        case ARG_JSON:
                r = json_format_parse(value);
                if (r < 0)
                        return -usage_error("--json takes 'pretty' or 'short', not '%s'.", value);
                arg_json = true;
                arg_json_format = r;
                return 1;
        case ARG_USER:
                arg_user = true;
                return 1;
        case ARG_SYSTEM:
                arg_user = false;
                return 1;
        case 'H':
                free(arg_host_owned);
                arg_host = arg_host_owned = strdup(value);
                return arg_host ? 1 : -ENOMEM;
        case ARG_NO_PAGER:
                arg_no_pager = true;
                return 1;
        case ARG_NO_LEGEND:
                arg_no_legend = true;
                return 1;
        case 'l':
                arg_full = true;
                return 1;
        case 'v':
                arg_verbose++;
                return 1;
        }
        return 0;
}

/* The verb's option @c (optarg @value) as one normalised word: "--long[=VALUE]" or "-x" + VALUE. */
static int verb_option_push(const Verb *v, int c, const char *value, char ***words) {
        for (const struct option *o = v->options; o && o->name; o++) {
                _cleanup_free_ char *word = NULL;

                if (o->val != c)
                        continue;
                if (asprintf(&word, "--%s%s%s", o->name, value ? "=" : "", strempty(value)) < 0)
                        return -ENOMEM;
                return strv_push(words, TAKE_PTR(word)) < 0 ? -ENOMEM : 0;
        }
        /* A letter without a long name. */
        char word[3] = { '-', (char) c, 0 };
        if (strv_extend(words, word) < 0)
                return -ENOMEM;
        return value ? strv_extend(words, value) : 0;
}

typedef struct Command {
        const Verb *verb;
        char **argv; /* normalised: VERB [OPTIONS...] [--] OPERANDS... */
        bool help, version;
} Command;

static void command_done(Command *cmd) {
        strv_free(cmd->argv);
        free(arg_host_owned);
        arg_host = arg_host_owned = NULL;
}

/* Second pass: the global options and @v's own, anywhere in @words (VERB first). */
static int parse_verb_argv(const Verb *v, char **words, Command *cmd) {
        _cleanup_free_ struct option *table = NULL;
        _cleanup_free_ char *shorts = NULL;
        _cleanup_strv_free_ char **opts = NULL;
        int argc = (int) strv_length(words), c, r;
        size_t n = 0;
        unsigned n_operands;

        if (asprintf(&shorts, "%s" GLOBAL_SHORT_OPTIONS "%s", v->flags & VERB_STOP_AT_OPERAND ? "+:" : ":",
                     strempty(v->short_options)) < 0)
                shorts = NULL;
        if (!shorts || options_merge(&table, &n, v->options) < 0 || options_merge(&table, &n, global_options) < 0)
                return -ENOMEM;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, words, shorts, table, NULL)) >= 0) {
                if (c == '?' || c == ':')
                        return option_error(c, words, v);
                if (c == 'h') {
                        cmd->help = true;
                        continue;
                }
                if (c == ARG_VERSION) {
                        cmd->version = true;
                        continue;
                }
                r = global_option(c, optarg);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (verb_option_push(v, c, optarg, &opts) < 0)
                        return -ENOMEM;
        }
        if (cmd->help || cmd->version)
                return 0;

        n_operands = (unsigned) (argc - optind);
        if (n_operands < v->min_operands)
                return -usage_error("'%s' needs %s: %s", v->name,
                                    v->min_operands == 1 ? "an argument" : "more arguments", v->synopsis);
        if (v->max_operands != VERB_ANY && n_operands > v->max_operands)
                return -usage_error("too many arguments for '%s' ('%s'): %s", v->name,
                                    words[optind + v->max_operands], v->synopsis);

        if (strv_extend(&cmd->argv, v->name) < 0)
                return -ENOMEM;
        STRV_FOREACH(o, opts)
                if (strv_extend(&cmd->argv, *o) < 0)
                        return -ENOMEM;
        if (v->options && strv_extend(&cmd->argv, "--") < 0)
                return -ENOMEM;
        STRV_FOREACH(w, words + optind)
                if (strv_extend(&cmd->argv, *w) < 0)
                        return -ENOMEM;
        return 0;
}

static int oom(void) {
        fputs("cgsupctl: out of memory.\n", stderr);
        return -1;
}

static bool is_numeric_option(const char *s) {
        return s[0] == '-' && s[1] >= '0' && s[1] <= '9' && s[strspn(s + 1, "0123456789") + 1] == '\0';
}

/* Returns 0 and fills @cmd, or an exit status as a negative number (-EXIT_USAGE, -1). */
static int parse_argv(int argc, char **argv, Command *cmd) {
        _cleanup_strv_free_ char **words = NULL;
        int verb_index, r;

        verb_index = find_verb(argc, argv);
        if (verb_index == -ENOMEM)
                return oom();
        if (verb_index < 0)
                return verb_index;

        /* supervisorctl without a command opens a shell; we show the status instead. */
        cmd->verb = verb_find(verb_index < argc ? argv[verb_index] : "status");
        if (!cmd->verb)
                return -usage_error("unknown command '%s'.", argv[verb_index]);
        current_verb = cmd->verb;

        /* VERB, then every other word in order: options before the verb count as well. */
        if (strv_extend(&words, cmd->verb->name) < 0)
                return oom();
        for (int i = 1; i < argc; i++) {
                bool after_dashes = strv_contains(words, "--");
                if (i == verb_index)
                        continue;
                if ((cmd->verb->flags & VERB_NUMERIC_OPTION) && !after_dashes && is_numeric_option(argv[i])) {
                        char bytes[64];
                        snprintf(bytes, sizeof bytes, "--bytes=%s", argv[i] + 1);
                        r = strv_extend(&words, bytes);
                } else
                        r = strv_extend(&words, argv[i]);
                if (r < 0)
                        return oom();
        }

        r = parse_verb_argv(cmd->verb, words, cmd);
        if (r == -ENOMEM)
                return oom();
        if (r < 0)
                return r;
        return 0;
}

int main(int argc, char **argv) {
        _cleanup_(command_done) Command cmd = {};
        int r;

        setlocale(LC_ALL, "");

        r = parse_argv(argc, argv, &cmd);
        if (r < 0)
                return -r;
        if (cmd.version) {
                printf("cgsupctl %s\n", PACKAGE_VERSION);
                return 0;
        }
        if (cmd.help) {
                /* `cgsupctl --help` alone is the general help; with a verb, that verb's. */
                bool explicit_verb = false;
                for (int i = 1; i < argc; i++)
                        explicit_verb = explicit_verb || streq(argv[i], cmd.verb->name);
                if (explicit_verb)
                        verb_help(cmd.verb);
                else
                        help();
                return 0;
        }

        optind = 0;
        r = cmd.verb->run((int) strv_length(cmd.argv), cmd.argv);
        pager_close();
        /* cgsupd said NoSuchProgram: systemctl's "no such unit". */
        if (r == EXIT_FAILURE && bus_saw_no_such_program())
                r = EXIT_NO_SUCH_PROGRAM;
        return r;
}
