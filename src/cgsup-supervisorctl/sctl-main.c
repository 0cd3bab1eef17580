/* SPDX-License-Identifier: MIT */
/*
 * cgsup-supervisorctl's command line and shell, shaped like supervisorctl 4.2.5's (supervisorctl.py's
 * main() and its cmd.Cmd Controller): options before the action only, the action and its arguments joined
 * into one line and parsed like a shell line, the exit status of that one command; without an action, a
 * "supervisor> " shell that first runs `status`.
 */

#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "sctl.h"
#include "strv.h"

typedef struct Command {
        const char *name;
        CommandFunc func;
} Command;

static const Command commands[] = {
        { "add", cmd_add },         { "avail", cmd_avail },       { "clear", cmd_clear },
        { "fg", cmd_fg },           { "maintail", cmd_maintail }, { "open", cmd_open },
        { "pid", cmd_pid },         { "reload", cmd_reload },     { "remove", cmd_remove },
        { "reread", cmd_reread },   { "restart", cmd_restart },   { "shutdown", cmd_shutdown },
        { "signal", cmd_signal },   { "start", cmd_start },       { "status", cmd_status },
        { "stop", cmd_stop },       { "tail", cmd_tail },         { "update", cmd_update },
        { "version", cmd_version },
};

/* Python's str.split(): runs of whitespace separate, none at either end. */
static char **split_words(const char *s) {
        _cleanup_strv_free_ char **words = NULL;

        for (;;) {
                size_t len;
                char *w;

                s += strspn(s, " \t\n\r\f\v");
                if (!*s)
                        break;
                len = strcspn(s, " \t\n\r\f\v");
                w = strndup(s, len);
                if (!w || strv_push(&words, w) < 0) {
                        free(w);
                        return NULL;
                }
                s += len;
        }
        if (!words)
                words = calloc(1, sizeof(char *));
        return TAKE_PTR(words);
}

static bool is_identchar(char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static char *strip(const char *s) {
        size_t len;

        s += strspn(s, " \t\n\r\f\v");
        len = strlen(s);
        while (len > 0 && strchr(" \t\n\r\f\v", s[len - 1]))
                len--;
        return strndup(s, len);
}

static void unknown_syntax(Ctl *c, const char *line) {
        ctl_output("*** Unknown syntax: %s", line);
        c->exitstatus = SCTL_EXIT_GENERIC;
}

bool ctl_onecmd(Ctl *c, const char *raw) {
        _cleanup_free_ char *line = strip(raw), *verb = NULL, *arg = NULL;
        _cleanup_strv_free_ char **args = NULL;
        const char *rest;
        size_t i = 0;

        if (!line)
                return false;
        if (isempty(line))
                return false; /* an empty line does not repeat the last command */
        if (line[0] == '?') {
                char *h;
                if (asprintf(&h, "help %s", line + 1) < 0)
                        return false;
                free(line);
                line = h;
        }
        while (line[i] && is_identchar(line[i]))
                i++;
        verb = strndup(line, i);
        rest = line + i;
        arg = strip(rest);
        args = arg ? split_words(arg) : NULL;
        if (!verb || !arg || !args)
                return false;
        if (isempty(verb)) {
                unknown_syntax(c, line);
                return false;
        }

        if (streq(verb, "EOF") || streq(verb, "quit") || streq(verb, "exit")) {
                ctl_output("%s", "");
                return true;
        }
        if (streq(verb, "help")) {
                ctl_help(c, arg);
                return false;
        }
        for (size_t k = 0; k < ELEMENTSOF(commands); k++)
                if (streq(commands[k].name, verb)) {
                        commands[k].func(c, args, strv_length(args), arg);
                        return false;
                }
        unknown_syntax(c, line);
        return false;
}

/* Set by SIGINT while the shell waits at its prompt; only a flag is written in the handler. */
static volatile sig_atomic_t prompt_interrupted = 0;

static void on_prompt_sigint(int sig) {
        prompt_interrupted = 1;
}

/* Reads one line at the prompt. Ctrl-C there ends the shell like supervisorctl's (a new line, exit 0)
 * instead of killing us with 130: the handler has no SA_RESTART, so getline() returns with EINTR. Commands
 * run with the default disposition again (tail -f ends on Ctrl-C by itself). */
static ssize_t prompt_getline(char **line, size_t *size, bool *ret_interrupted) {
        struct sigaction sa = { .sa_handler = on_prompt_sigint }, old;
        ssize_t n;

        prompt_interrupted = 0;
        (void) sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGINT, &sa, &old);
        n = getline(line, size, stdin);
        (void) sigaction(SIGINT, &old, NULL);
        *ret_interrupted = prompt_interrupted;
        return n;
}

static void shell(Ctl *c, const char *prompt) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;

        (void) ctl_onecmd(c, "status");
        for (;;) {
                bool interrupted;
                ssize_t n;

                (void) fputs(prompt, stdout);
                (void) fputs("> ", stdout);
                (void) fflush(stdout);
                n = prompt_getline(&line, &size, &interrupted);
                if (n < 0 && interrupted) {
                        ctl_output("%s", "");
                        return;
                }
                if (n < 0) {
                        (void) ctl_onecmd(c, "EOF");
                        return;
                }
                if (ctl_onecmd(c, line))
                        return;
        }
}

typedef struct CtlConfig {
        char *serverurl, *prompt;
        bool has_section;
} CtlConfig;

static int on_ini_value(void *userdata, const char *section, const char *key, const char *value) {
        CtlConfig *cc = userdata;
        char **field;

        if (!streq(section, "supervisorctl"))
                return 1;
        cc->has_section = true;
        if (strcasecmp(key, "serverurl") == 0)
                field = &cc->serverurl;
        else if (strcasecmp(key, "prompt") == 0)
                field = &cc->prompt;
        else
                return 1; /* username, password, history_file: polkit decides, there is no history */
        free(*field);
        *field = strdup(value);
        return *field ? 1 : 0;
}

static int usage_error(const char *argv0, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage_error(const char *argv0, const char *fmt, ...) {
        va_list ap;

        (void) fputs("Error: ", stderr);
        va_start(ap, fmt);
        (void) vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nFor help, use %s -h\n", argv0);
        return SCTL_EXIT_INVALID_ARGS;
}

static void print_usage(const char *argv0) {
        printf("%s -- control the programs cgsupd runs, the way supervisorctl does.\n"
               "\n"
               "Usage: %s [options] [action [arguments]]\n"
               "\n"
               "Options:\n"
               "-c/--configuration FILENAME -- configuration file ([supervisorctl] prompt= is used)\n"
               "-h/--help -- print usage message and exit\n"
               "-i/--interactive -- start an interactive shell after executing commands\n"
               "-s/--serverurl URL -- unix://... and http://localhost... are accepted and ignored\n"
               "     (cgsupd is reached over D-Bus); for another machine use cgsupctl -H HOST\n"
               "-u/--username USERNAME -- accepted and ignored (polkit decides who may act)\n"
               "-p/--password PASSWORD -- accepted and ignored\n"
               "-r/--history-file -- accepted and ignored\n"
               "--user -- talk to cgsupd --user on the session bus\n"
               "\n"
               "action [arguments] -- see below\n"
               "\n"
               "Actions are commands like \"tail\" or \"stop\".  If -i is specified or no action is\n"
               "specified on the command line, a \"shell\" interpreting actions typed\n"
               "interactively is started.  Use the action \"help\" to find out about available\n"
               "actions.\n",
               program_invocation_short_name, argv0);
}

enum { ARG_USER = 0x100 };

static const struct option options[] = {
        { "configuration", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "interactive", no_argument, NULL, 'i' },
        { "serverurl", required_argument, NULL, 's' },
        { "username", required_argument, NULL, 'u' },
        { "password", required_argument, NULL, 'p' },
        { "history_file", required_argument, NULL, 'r' },
        { "history-file", required_argument, NULL, 'r' },
        { "user", no_argument, NULL, ARG_USER },
        {},
};

static int read_config(const char *argv0, const char *path, CtlConfig *cc) {
        if (access(path, F_OK) < 0)
                return usage_error(argv0, "could not find config file %s", path);
        /* Only [supervisorctl] matters here; libinih's view of the rest of a supervisord file is irrelevant,
         * so its line errors are not ours to report. */
        if (ini_parse(path, on_ini_value, cc) < 0)
                return usage_error(argv0, "could not read config file %s", path);
        return 0;
}

static int parse_argv(int argc, char *argv[], Ctl *c, CtlConfig *cc, const char **ret_serverurl) {
        const char *serverurl = NULL;
        int opt, r;

        opterr = 0;
        /* "+": options only before the action, as Python's getopt.getopt(). */
        while ((opt = getopt_long(argc, argv, "+c:his:u:p:r:", options, NULL)) != -1)
                switch (opt) {
                case 'c':
                        r = read_config(argv[0], optarg, cc);
                        if (r != 0)
                                return r;
                        break;
                case 'h':
                        print_usage(argv[0]);
                        return -1;
                case 'i':
                        c->interactive = true;
                        break;
                case 's':
                        serverurl = optarg;
                        break;
                case 'u':
                case 'p':
                case 'r':
                        break;
                case ARG_USER:
                        c->user = true;
                        break;
                default:
                        if (optopt && strchr("csupr", optopt))
                                return usage_error(argv[0], "option -%c requires argument", optopt);
                        if (optopt)
                                return usage_error(argv[0], "option -%c not recognized", optopt);
                        return usage_error(argv[0], "option %s not recognized", argv[optind - 1]);
                }
        *ret_serverurl = serverurl;
        return 0;
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *line = NULL;
        CtlConfig cc = {};
        Ctl c = {};
        const char *serverurl = NULL;
        int r;

        r = parse_argv(argc, argv, &c, &cc, &serverurl);
        if (r != 0) {
                free(cc.serverurl);
                free(cc.prompt);
                return r < 0 ? EXIT_SUCCESS : r;
        }
        if (serverurl)
                r = serverurl_check(serverurl, "-s", true);
        else if (cc.serverurl)
                r = serverurl_check(cc.serverurl, "serverurl", false);
        if (r < 0) {
                free(cc.serverurl);
                free(cc.prompt);
                return SCTL_EXIT_INVALID_ARGS;
        }

        if (optind < argc) {
                line = strv_join(argv + optind, " ");
                if (!line)
                        return SCTL_EXIT_GENERIC;
                (void) ctl_onecmd(&c, line);
                r = c.exitstatus;
        } else {
                c.interactive = true;
                shell(&c, cc.prompt ?: "supervisor");
                r = EXIT_SUCCESS; /* supervisorctl's shell ends with 0, whatever the commands did */
        }
        free(cc.serverurl);
        free(cc.prompt);
        ctl_done(&c);
        return r;
}
