/* SPDX-License-Identifier: MIT */
/*
 * run [-p KEY=VALUE]... [-E KEY=VALUE]... [--name NAME] [--uid USER] [-d] [--wait] [--pipe] [-q]
 *     [--standalone] [--] CMD...
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

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

typedef struct RunState {
        sd_bus *bus;
        sd_event *event;
        char *path, *name;
        bool finished, daemon_gone;
        unsigned interrupts;
        /* the exit report */
        char *result, *detail;
        int32_t exit_code, exit_signal;
        uint64_t cpu_nsec, memory_peak, wall_usec, oom_kills;
} RunState;

static void run_state_done(RunState *s) {
        free(s->path);
        free(s->name);
        free(s->result);
        free(s->detail);
}

static int on_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        RunState *s = userdata;
        const char *path, *name, *result, *detail;
        int r;

        r = sd_bus_message_read(m, "ossiitttts", &path, &name, &result, &s->exit_code, &s->exit_signal,
                                &s->cpu_nsec, &s->memory_peak, &s->wall_usec, &s->oom_kills, &detail);
        if (r < 0 || !s->path || !streq(path, s->path))
                return 0;
        s->result = strdup(result);
        s->detail = strdup(detail);
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
        (void) sd_bus_call_method_async(s->bus, NULL, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                        "StopProgram", NULL, NULL, "s", s->name);
        return 0;
}

static int exit_status_of(const RunState *s) {
        if (streq(s->result, "success"))
                return 0;
        if (streq(s->result, "exit-code") && s->exit_code > 0)
                return s->exit_code & 0xff;
        if (s->exit_signal > 0)
                return 128 + s->exit_signal;
        return 1;
}

static void print_report(const RunState *s) {
        char a[32], b[32], c[32];

        fprintf(stderr, "Finished with result: %s\n", s->result);
        if (s->exit_signal > 0)
                fprintf(stderr, "Main process terminated with: signal=%s\n",
                        signal_to_string(s->exit_signal) ?: "?");
        else if (s->exit_code >= 0)
                fprintf(stderr, "Main process terminated with: code=exited, status=%d\n", s->exit_code);
        if (!isempty(s->detail))
                fprintf(stderr, "Detail: %s\n", s->detail);
        if (s->wall_usec != UINT64_MAX)
                fprintf(stderr, "Runtime: %s\n", format_timespan(a, sizeof a, s->wall_usec));
        if (s->cpu_nsec != UINT64_MAX)
                fprintf(stderr, "CPU time consumed: %s\n", format_timespan(b, sizeof b, s->cpu_nsec / NSEC_PER_USEC));
        if (s->memory_peak != UINT64_MAX)
                fprintf(stderr, "Memory peak: %s\n", format_bytes(c, sizeof c, s->memory_peak));
        if (s->oom_kills != UINT64_MAX && s->oom_kills > 0)
                fprintf(stderr, "OOM kills: %" PRIu64 "\n", s->oom_kills);
}

static void print_report_json(const RunState *s) {
        _cleanup_json_ struct json_object *o = json_object_new_object();

        json_add(o, "name", json_object_new_string(s->name));
        json_add(o, "object_path", json_object_new_string(s->path));
        json_add(o, "result", json_object_new_string(s->result));
        json_add(o, "exit_code", s->exit_code >= 0 ? json_object_new_int(s->exit_code) : NULL);
        json_add(o, "exit_signal", s->exit_signal > 0 ? json_object_new_int(s->exit_signal) : NULL);
        json_add(o, "exit_detail", isempty(s->detail) ? NULL : json_object_new_string(s->detail));
        json_add(o, "wall_usec", json_u64_or_null(s->wall_usec));
        json_add(o, "cpu_usage_nsec", json_u64_or_null(s->cpu_nsec));
        json_add(o, "memory_peak", json_u64_or_null(s->memory_peak));
        json_add(o, "oom_kills", json_u64_or_null(s->oom_kills));
        (void) json_print(o);
}

/* -p KEY=VALUE: limit keys go as strings (parsed by cgsupd like the config); a few others are mapped. */
static int append_property(sd_bus_message *m, const char *assignment) {
        _cleanup_free_ char *key = NULL;
        const char *eq = strchr(assignment, '='), *value;

        if (!eq || eq == assignment) {
                (void) usage_error("expected -p KEY=VALUE, got '%s'.", assignment);
                return -EINVAL;
        }
        key = strndup(assignment, eq - assignment);
        if (!key)
                return -ENOMEM;
        value = eq + 1;

        if (streq(key, "user"))
                return sd_bus_message_append(m, "{sv}", "User", "s", value);
        if (streq(key, "directory") || streq(key, "working_directory"))
                return sd_bus_message_append(m, "{sv}", "WorkingDirectory", "s", value);
        if (streq(key, "syscall_filter"))
                return sd_bus_message_append(m, "{sv}", "SyscallFilter", "s", value);
        if (streq(key, "name"))
                return sd_bus_message_append(m, "{sv}", "Name", "s", value);
        if (streq(key, "no_new_privileges") || streq(key, "NoNewPrivileges")) {
                int b = parse_boolean(value);
                if (b < 0) {
                        (void) usage_error("%s expects a boolean, got '%s'.", key, value);
                        return -EINVAL;
                }
                return sd_bus_message_append(m, "{sv}", "NoNewPrivileges", "b", b);
        }
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
        {},
};

int verb_run(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_event_unrefp) sd_event *event = NULL;
        _cleanup_strv_free_ char **props = NULL, **env = NULL;
        _cleanup_(run_state_done) RunState s = { .exit_code = -1 };
        const char *uid = NULL, *name = NULL, *path, *rname;
        bool wait = false, pipe_fds = false, same_dir = false, quiet = false;
        int c, r;

        /* --standalone changes everything: hand the untouched argv to the daemon-less implementation. */
        for (int a = 1; a < argc; a++) {
                if (streq(argv[a], "--"))
                        break;
                if (streq(argv[a], "--standalone"))
                        return verb_run_standalone(argc, argv);
        }

        while ((c = getopt_long(argc, argv, "+" RUN_SHORT_OPTIONS, run_options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        if (!strchr(optarg, '=') || optarg[0] == '=')
                                return usage_error("expected -p KEY=VALUE, got '%s'.", optarg);
                        if (strv_extend(&props, optarg) < 0)
                                return 1;
                        break;
                case 'E':
                        if (!strchr(optarg, '=') || optarg[0] == '=')
                                return usage_error("expected -E KEY=VALUE, got '%s'.", optarg);
                        if (strv_extend(&env, optarg) < 0)
                                return 1;
                        break;
                case RUN_ARG_WAIT:
                        wait = true;
                        break;
                case RUN_ARG_PIPE:
                        pipe_fds = wait = true;
                        break;
                case RUN_ARG_UID:
                        uid = optarg;
                        break;
                case RUN_ARG_NAME:
                        name = optarg;
                        break;
                case 'd':
                        same_dir = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case RUN_ARG_CGROUP:
                        return usage_error("--cgroup is for run --standalone; cgsupd places its runs itself.");
                default:
                        return EXIT_USAGE;
                }
        if (optind >= argc)
                return usage_error("run needs a command (cgsupctl run [OPTIONS] -- CMD...).");
        if (pipe_fds && arg_host)
                return usage_error("--pipe cannot pass file descriptors to a remote host.");

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        s.bus = bus;

        if (wait) {
                char match[256];

                r = sd_event_default(&event);
                if (r < 0)
                        goto fail;
                s.event = event;
                r = sd_bus_match_signal(bus, NULL, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                        CGSUP_SIGNAL_TRANSIENT_FINISHED, on_finished, &s);
                if (r < 0)
                        goto fail;
                snprintf(match, sizeof match,
                         "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',"
                         "interface='org.freedesktop.DBus',member='NameOwnerChanged',arg0='%s'",
                         CGSUP_BUS_NAME);
                r = sd_bus_add_match(bus, NULL, match, on_name_owner_changed, &s);
                if (r < 0)
                        goto fail;
        }

        r = manager_new_call(bus, "RunTransient", &m);
        if (r < 0)
                goto fail;
        r = sd_bus_message_append_strv(m, argv + optind);
        if (r < 0)
                goto fail;
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r < 0)
                goto fail;
        STRV_FOREACH(p, props) {
                r = append_property(m, *p);
                if (r == -EINVAL)
                        return EXIT_USAGE;
                if (r < 0)
                        goto fail;
        }
        if (env) {
                r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "Environment");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(m, env);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r < 0)
                        goto fail;
        }
        if (uid) {
                r = sd_bus_message_append(m, "{sv}", "User", "s", uid);
                if (r < 0)
                        goto fail;
        }
        if (name) {
                r = sd_bus_message_append(m, "{sv}", "Name", "s", name);
                if (r < 0)
                        goto fail;
        }
        if (same_dir) {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd) {
                        fprintf(stderr, "cgsupctl: cannot get the current directory: %m\n");
                        return 1;
                }
                r = sd_bus_message_append(m, "{sv}", "WorkingDirectory", "s", cwd);
                if (r < 0)
                        goto fail;
        }
        if (pipe_fds) {
                r = sd_bus_message_append(m, "{sv}{sv}{sv}", "StandardInputFD", "h", STDIN_FILENO,
                                          "StandardOutputFD", "h", STDOUT_FILENO, "StandardErrorFD", "h",
                                          STDERR_FILENO);
                if (r < 0)
                        goto fail;
        }
        r = sd_bus_message_close_container(m);
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

        if (!wait) {
                if (arg_json) {
                        _cleanup_json_ struct json_object *o = json_object_new_object();
                        json_add(o, "name", json_object_new_string(s.name));
                        json_add(o, "object_path", json_object_new_string(s.path));
                        return json_print(o) < 0;
                }
                if (!quiet)
                        fprintf(stderr, "Running as program: %s\n", s.name);
                return 0;
        }
        if (!quiet && !pipe_fds)
                fprintf(stderr, "Running as program: %s\n", s.name);

        {
                sigset_t mask;
                sigemptyset(&mask);
                sigaddset(&mask, SIGINT);
                sigaddset(&mask, SIGTERM);
                (void) sigprocmask(SIG_BLOCK, &mask, NULL);
        }
        r = sd_event_add_signal(event, NULL, SIGINT, on_signal, &s);
        if (r >= 0)
                r = sd_event_add_signal(event, NULL, SIGTERM, on_signal, &s);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                goto fail;

        r = sd_event_loop(event);
        if (r < 0)
                goto fail;
        if (r > 0)
                return r; /* gave up waiting after a second interrupt */
        if (s.daemon_gone && !s.finished) {
                fprintf(stderr, "cgsupctl: cgsupd left the %s before %s finished.\n", bus_where(), s.name);
                return 1;
        }
        if (!s.finished || !s.result)
                return 1;

        if (arg_json && !pipe_fds)
                print_report_json(&s);
        else if (!quiet)
                print_report(&s);
        return exit_status_of(&s);

fail:
        bus_log_call_error(NULL, r);
        return 1;
}
