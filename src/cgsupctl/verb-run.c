/* SPDX-License-Identifier: MIT */
/*
 * run [-p KEY=VALUE]... [-E KEY=VALUE]... [--name NAME] [--uid USER] [-d] [--wait] [--pipe] [-q]
 *     [--timeout DURATION] [--standalone] [--] CMD...
 *
 * Asks cgsupd for a transient program (RunTransient) that runs as the caller. --wait waits for its end and
 * exits with its status (128+N for a signal), printing the exit report to stderr; --pipe hands our
 * stdin/stdout/stderr to the program, like systemd-run --pipe, and implies --wait. --standalone needs no
 * daemon at all (verb-run-standalone.c, libcgsup directly).
 *
 * To never miss the end of a short program, the TransientFinished match is installed *before* the call;
 * the daemon sends the reply before the signal, and signals queued while we waited for the reply are
 * dispatched afterwards, when we know our object path.
 */

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "arg-check.h"
#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"
#include "run-report.h"
#include "strv.h"

typedef struct RunState {
        sd_bus *bus;
        sd_event *event;
        char *path, *name;
        bool finished, daemon_gone;
        unsigned interrupts;
        /* the exit report */
        char *result, *detail, *cgroup;
        int32_t exit_code, exit_signal;
        uint32_t main_pid;
        uint64_t cpu_nsec, memory_peak, wall_usec, oom_kills;
} RunState;

static void run_state_done(RunState *s) {
        free(s->path);
        free(s->name);
        free(s->result);
        free(s->detail);
        free(s->cgroup);
        sd_event_unref(s->event);
}

static int on_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        RunState *s = userdata;
        const char *path, *name, *result, *detail, *cgroup = NULL;
        int r;

        r = sd_bus_message_read(m, "ossiitttts", &path, &name, &result, &s->exit_code, &s->exit_signal,
                                &s->cpu_nsec, &s->memory_peak, &s->wall_usec, &s->oom_kills, &detail);
        if (r < 0 || !s->path || !streq(path, s->path))
                return 0;
        /* Added later at the end of the signal: a cgsupd without them (over -H, an older host) leaves them null. */
        if (sd_bus_message_read(m, "us", &s->main_pid, &cgroup) < 0)
                s->main_pid = 0, cgroup = NULL;
        s->result = strdup(result);
        s->detail = strdup(detail);
        /* The report's cgroup is without the leading '/' (run-report.h). */
        s->cgroup = cgroup && cgroup[0] == '/' && cgroup[1] ? strdup(cgroup + 1) : NULL;
        s->finished = true;
        return sd_event_exit(s->event, 0);
}

static int on_name_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        RunState *s = userdata;
        const char *name, *old, *new;

        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || !streq(name, CGSUP_BUS_NAME) || !isempty(new))
                return 0;
        s->daemon_gone = true;
        return sd_event_exit(s->event, 0);
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        RunState *s = userdata;

        /* First Ctrl-C: stop the program (its whole cgroup) and keep waiting for the report; the second one
         * gives up waiting. */
        if (++s->interrupts > 1 || !s->name) {
                fprintf(stderr, "cgsupctl: not waiting for %s any longer.\n", strna(s->name));
                return sd_event_exit(s->event, 128 + (int) si->ssi_signo);
        }
        fprintf(stderr, "cgsupctl: stopping %s (press Ctrl-C again to stop waiting)...\n", s->name);
        (void) bus_call_method_async(s->bus, NULL, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                     "StopProgram", NULL, NULL, "s", s->name);
        return 0;
}

/* The signal's fields as the one report type (run-report.c), with what we asked for. */
static RunReport report_of(const RunState *s, char **command) {
        RunReport r = RUN_REPORT_INIT;

        r.name = s->name;
        r.object_path = s->path;
        r.result = s->result;
        r.exit_code = s->exit_code;
        r.exit_signal = s->exit_signal;
        r.exit_detail = s->detail;
        r.exit_status = run_report_exit_status(s->result, s->exit_code, s->exit_signal);
        r.wall_usec = s->wall_usec;
        r.cpu_usage_nsec = s->cpu_nsec;
        r.cpu_source = s->cpu_nsec != UINT64_MAX ? "cgroup" : NULL;
        r.memory_peak = s->memory_peak;
        r.memory_peak_source = s->memory_peak != UINT64_MAX ? "cgroup" : NULL;
        r.oom_kills = s->oom_kills;
        r.main_pid = (pid_t) s->main_pid;
        r.cgroup = s->cgroup;
        r.command = command;
        return r;
}

/* The -p keys that are not limits: the config-style key, the RunTransient property it becomes. Limits go as
 * strings under their own key (cgsupd parses them exactly like the config file). */
static const struct {
        const char *key, *property;
        char type; /* 's', or 'b' for a boolean */
} run_keys[] = {
        { "user", "User", 's' },
        { "User", "User", 's' },
        { "directory", "WorkingDirectory", 's' },
        { "working_directory", "WorkingDirectory", 's' },
        { "WorkingDirectory", "WorkingDirectory", 's' },
        { "syscall_filter", "SyscallFilter", 's' },
        { "SyscallFilter", "SyscallFilter", 's' },
        { "name", "Name", 's' },
        { "Name", "Name", 's' },
        { "runtime_max", "runtime_max", 's' },
        { "no_new_privileges", "NoNewPrivileges", 'b' },
        { "NoNewPrivileges", "NoNewPrivileges", 'b' },
};

/* Checks a -p KEY=VALUE (before the daemon is asked, so that a typo is a usage error on every path); returns
 * 0 or EXIT_USAGE (said), with the property to send in *ret_index (-1: a limit). */
static int check_property(const char *assignment, int *ret_index) {
        _cleanup_free_ char *key = NULL;
        const char *eq = strchr(assignment, '='), *value;
        bool is_limit;
        usec_t t;
        int r;

        if (!eq || eq == assignment)
                return usage_error("expected -p KEY=VALUE, got '%s'.", assignment);
        key = strndup(assignment, eq - assignment);
        if (!key)
                return log_oom(), 1;
        value = eq + 1;

        r = arg_check_limit_value(key, value, &is_limit);
        if (r != 0 || is_limit) {
                *ret_index = -1;
                return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(run_keys); i++) {
                if (!streq(run_keys[i].key, key))
                        continue;
                if (run_keys[i].type == 'b' && parse_boolean(value) < 0)
                        return usage_error("%s expects a boolean, got '%s'.", key, value);
                if (streq(key, "runtime_max") && parse_sec(value, &t) < 0)
                        return usage_error("invalid runtime_max '%s' (expected a duration such as 30s).", value);
                *ret_index = (int) i;
                return 0;
        }
        return usage_error("unknown property '%s' for run -p (limits such as memory_max, pids_max, cpu_quota; "
                           "user, directory, name, syscall_filter, no_new_privileges, runtime_max).", key);
}

static int append_property(sd_bus_message *m, const char *assignment) {
        _cleanup_free_ char *key = NULL;
        const char *value = strchr(assignment, '=') + 1;
        int i;

        if (check_property(assignment, &i) != 0)
                return -EINVAL;
        if (i >= 0 && run_keys[i].type == 'b')
                return sd_bus_message_append(m, "{sv}", run_keys[i].property, "b", parse_boolean(value));
        if (i >= 0)
                return sd_bus_message_append(m, "{sv}", run_keys[i].property, "s", value);
        key = strndup(assignment, value - 1 - assignment);
        if (!key)
                return -ENOMEM;
        return sd_bus_message_append(m, "{sv}", key, "s", value);
}

/* One table for both runs: the standalone run accepts --wait, --pipe and --same-dir (what it always does),
 * the daemon-backed run refuses --cgroup (cgsupd decides where its programs go). */
const struct option run_options[] = {
        { "property", required_argument, NULL, 'p' },
        { "setenv", required_argument, NULL, 'E' },
        { "wait", no_argument, NULL, RUN_ARG_WAIT },
        { "pipe", no_argument, NULL, RUN_ARG_PIPE },
        { "uid", required_argument, NULL, RUN_ARG_UID },
        { "name", required_argument, NULL, RUN_ARG_NAME },
        { "same-dir", no_argument, NULL, 'd' },
        { "quiet", no_argument, NULL, 'q' },
        { "standalone", no_argument, NULL, RUN_ARG_STANDALONE },
        { "cgroup", required_argument, NULL, RUN_ARG_CGROUP },
        { "timeout", required_argument, NULL, RUN_ARG_TIMEOUT }, /* -p runtime_max=DURATION */
        {},
};

/* What the command line asks of the daemon (everything but --standalone). */
typedef struct RunRequest {
        char **props, **env; /* -p and -E assignments */
        const char *uid, *name;
        char **command;
        bool wait, pipe_fds, same_dir, quiet;
} RunRequest;

static void run_request_done(RunRequest *q) {
        strv_free(q->props);
        strv_free(q->env);
}

static int add_assignment(char ***l, char opt, const char *arg) {
        int i, r;

        if (!strchr(arg, '=') || arg[0] == '=')
                return usage_error("expected -%c KEY=VALUE, got '%s'.", opt, arg);
        if (opt == 'p') {
                r = check_property(arg, &i);
                if (r != 0)
                        return r;
        }
        return strv_extend(l, arg) < 0 ? 1 : 0;
}

/* 0, or the exit status to leave with. */
static int parse_run_request(int argc, char **argv, RunRequest *q) {
        int c, r;

        while ((c = getopt_long(argc, argv, "+" RUN_SHORT_OPTIONS, run_options, NULL)) >= 0)
                switch (c) {
                case 'p':
                case 'E':
                        r = add_assignment(c == 'p' ? &q->props : &q->env, (char) c, optarg);
                        if (r != 0)
                                return r;
                        break;
                case RUN_ARG_WAIT:
                        q->wait = true;
                        break;
                case RUN_ARG_PIPE:
                        q->pipe_fds = q->wait = true;
                        break;
                case RUN_ARG_UID:
                        q->uid = optarg;
                        break;
                case RUN_ARG_NAME:
                        q->name = optarg;
                        break;
                case 'd':
                        q->same_dir = true;
                        break;
                case 'q':
                        q->quiet = true;
                        break;
                case RUN_ARG_CGROUP:
                        return usage_error("--cgroup is for run --standalone; cgsupd places its runs itself.");
                case RUN_ARG_TIMEOUT: {
                        _cleanup_free_ char *a = NULL;
                        usec_t t;

                        if (parse_sec(optarg, &t) < 0 || t == 0)
                                return usage_error("invalid --timeout '%s' (expected a duration such as 30s).",
                                                   optarg);
                        if (asprintf(&a, "runtime_max=%s", optarg) < 0 || strv_extend(&q->props, a) < 0)
                                return log_oom(), 1;
                        break;
                }
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("run needs a command (cgsupctl run [OPTIONS] -- CMD...).");
        if (q->pipe_fds && arg_host)
                return usage_error("--pipe cannot pass file descriptors to a remote host.");
        /* Our working directory is a path on this machine, not on the other host. */
        if (q->same_dir && arg_host)
                return usage_error("--same-dir names a directory on this machine: not with -H; use "
                                   "-p directory=PATH for a directory on %s.", arg_host);
        q->command = argv + optind;
        return 0;
}

/* Installed before the call, so that the end of a short program is never missed. */
static int watch_for_finish(sd_bus *bus, RunState *s) {
        char match[256];
        int r;

        r = sd_event_default(&s->event);
        if (r < 0)
                return r;
        r = bus_match_signal(bus, NULL, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                             CGSUP_SIGNAL_TRANSIENT_FINISHED, on_finished, s);
        if (r < 0)
                return r;
        snprintf(match, sizeof match,
                 "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                 "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'",
                 CGSUP_BUS_NAME);
        return bus_add_match(bus, NULL, match, on_name_owner_changed, s);
}

/* RunTransient's a{sv}, after the -p properties: the ones the options set. */
static int append_option_properties(sd_bus_message *m, const RunRequest *q) {
        int r = 0;

        if (q->env) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "Environment");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, q->env);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0 && q->uid)
                r = sd_bus_message_append(m, "{sv}", "User", "s", q->uid);
        if (r >= 0 && q->name)
                r = sd_bus_message_append(m, "{sv}", "Name", "s", q->name);
        if (r >= 0 && q->same_dir) {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd) {
                        fprintf(stderr, "cgsupctl: cannot get the current directory: %m\n");
                        return -ECANCELED;
                }
                r = sd_bus_message_append(m, "{sv}", "WorkingDirectory", "s", cwd);
        }
        if (r >= 0 && q->pipe_fds)
                r = sd_bus_message_append(m, "{sv}{sv}{sv}", "StandardInputFD", "h", STDIN_FILENO,
                                          "StandardOutputFD", "h", STDOUT_FILENO, "StandardErrorFD", "h",
                                          STDERR_FILENO);
        return r;
}

/* The RunTransient call; -EINVAL: a -p assignment was refused, -ECANCELED: no current directory (both
 * already said). */
static int build_run_call(sd_bus *bus, const RunRequest *q, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = manager_new_call(bus, "RunTransient", &m);
        if (r >= 0)
                r = sd_bus_message_append_strv(m, q->command);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        STRV_FOREACH(p, q->props) {
                r = append_property(m, *p);
                if (r < 0)
                        return r;
        }
        r = append_option_properties(m, q);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

/* --wait: the event loop until TransientFinished (or the daemon leaves, or a second Ctrl-C). Returns the
 * exit status. */
static int wait_for_finish(sd_bus *bus, RunState *s, const RunRequest *q) {
        sigset_t mask;
        int r;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        r = sd_event_add_signal(s->event, NULL, SIGINT, on_signal, s);
        if (r >= 0)
                r = sd_event_add_signal(s->event, NULL, SIGTERM, on_signal, s);
        if (r >= 0)
                r = sd_bus_attach_event(bus, s->event, SD_EVENT_PRIORITY_NORMAL);
        if (r >= 0)
                r = sd_event_loop(s->event);
        if (r < 0) {
                bus_log_call_error(NULL, r);
                return 1;
        }
        if (r > 0)
                return r; /* gave up waiting after a second interrupt */
        if (s->daemon_gone && !s->finished) {
                fprintf(stderr, "cgsupctl: cgsupd left the %s before %s finished.\n", bus_where(), s->name);
                return 1;
        }
        if (!s->finished || !s->result)
                return 1;
        RunReport rep = report_of(s, q->command);
        if (arg_json && !q->pipe_fds)
                (void) run_report_print_json(&rep);
        else if (!q->quiet)
                run_report_print(&rep);
        return rep.exit_status;
}

static int report_started(const RunState *s, const RunRequest *q) {
        if (!q->wait && arg_json) {
                _cleanup_json_ struct json_object *o = json_object_new_object();
                json_add(o, "name", json_object_new_string(s->name));
                json_add(o, "object_path", json_object_new_string(s->path));
                return json_print(o) < 0;
        }
        if (!q->quiet && !q->pipe_fds)
                fprintf(stderr, "Running as program: %s\n", s->name);
        return 0;
}

int verb_run(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(run_request_done) RunRequest q = {};
        _cleanup_(run_state_done) RunState s = { .exit_code = -1 };
        const char *path, *rname;
        int r;

        /* --standalone changes everything: hand the untouched argv to the daemon-less implementation. */
        for (int a = 1; a < argc; a++) {
                if (streq(argv[a], "--"))
                        break;
                if (streq(argv[a], "--standalone") && arg_host)
                        return usage_error("run --standalone runs here, without a daemon: it cannot run on %s "
                                           "(-H); drop --standalone to run it through that host's cgsupd.",
                                           arg_host);
                if (streq(argv[a], "--standalone"))
                        return verb_run_standalone(argc, argv);
        }
        r = parse_run_request(argc, argv, &q);
        if (r != 0)
                return r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        s.bus = bus;
        if (q.wait) {
                r = watch_for_finish(bus, &s);
                if (r < 0)
                        goto fail;
        }
        r = build_run_call(bus, &q, &m);
        if (r == -EINVAL)
                return EXIT_USAGE;
        if (r == -ECANCELED)
                return 1;
        if (r < 0)
                goto fail;
        r = bus_call_logged(bus, m, 0, &reply);
        if (r < 0)
                return 1;
        r = sd_bus_message_read(reply, "os", &path, &rname);
        if (r < 0)
                goto fail;
        s.path = strdup(path);
        s.name = strdup(rname);
        if (!s.path || !s.name)
                return 1;

        r = report_started(&s, &q);
        if (r != 0 || !q.wait)
                return r;
        return wait_for_finish(bus, &s, &q);

fail:
        bus_log_call_error(NULL, r);
        return 1;
}
