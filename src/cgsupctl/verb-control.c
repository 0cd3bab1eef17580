/* SPDX-License-Identifier: MIT */
/*
 * freeze, thaw, rotate, clear, reset-failed, kill, signal, set-property: mutations, authorized by polkit in the
 * daemon. Each NAME is sent as given ("web", "grp:*", "all"); cgsupd resolves it and answers with the
 * programs it acted on, printed supervisorctl-style ("web: started").
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arg-check.h"
#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "strv.h"

typedef struct ControlVerb {
        const char *verb, *method, *done;
        const char *without_names; /* the spec sent when no name is given, or NULL (a name is required) */
} ControlVerb;

/* start, stop and restart are jobs the CLI waits for: verb-job.c. */
static const ControlVerb control_verbs[] = {
        { "freeze", "FreezeProgram", "frozen" },
        { "thaw", "ThawProgram", "thawed" },
        { "rotate", "RotateLogs", "log files rotated" },
        { "clear", "ClearLogs", "cleared" },
        /* systemctl reset-failed without a unit resets them all. */
        { "reset-failed", "ResetFailedProgram", "failed state reset", "all" },
};

/* Calls @m (arguments appended), prints "<name>: <done>" for every program in the reply's "as". */
static int call_and_report(sd_bus *bus, sd_bus_message *m, const char *done, struct json_object *results) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = bus_call_logged(bus, m, 0, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_read_strv(reply, &names);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        STRV_FOREACH(n, names) {
                if (results)
                        json_object_array_add(results, json_object_new_string(*n));
                else
                        printf("%s: %s\n", *n, done);
        }
        return 0;
}

int control_result_print(struct json_object *results, bool failed) {
        _cleanup_json_ struct json_object *root = json_object_new_object();
        json_add(root, "affected", json_object_get(results));
        json_add(root, "ok", json_object_new_boolean(!failed));
        return json_print(root);
}

int verb_control(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_json_ struct json_object *results = NULL;
        const ControlVerb *v = NULL;
        char *default_argv[3] = {};
        bool failed = false;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(control_verbs); i++)
                if (streq(control_verbs[i].verb, argv[0]))
                        v = &control_verbs[i];
        if (!v)
                return usage_error("unknown command '%s'.", argv[0]);
        for (int a = 1; a < argc; a++)
                if (argv[a][0] == '-' && !streq(argv[a], "-"))
                        return usage_error("%s takes no options, got '%s'.", argv[0], argv[a]);

        if (argc == 1 && v->without_names) {
                default_argv[0] = argv[0];
                default_argv[1] = (char *) v->without_names;
                argv = default_argv;
                argc = 2;
        }

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        if (arg_json)
                results = json_object_new_array();

        for (int a = 1; a < argc; a++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

                r = manager_new_call(bus, v->method, &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", argv[a]);
                if (r < 0) {
                        bus_log_call_error(NULL, r);
                        return 1;
                }
                if (call_and_report(bus, m, v->done, results) < 0)
                        failed = true;
        }
        if (results && control_result_print(results, failed) < 0)
                return 1;
        if (failed && bus_saw_no_such_program())
                return EXIT_NO_SUCH_PROGRAM;
        return failed ? 1 : 0;
}

const struct option kill_options[] = {
        { "signal", required_argument, NULL, 's' },
        { "all", no_argument, NULL, 'a' },
        { "kill-whom", required_argument, NULL, 'w' },
        {},
};

int verb_kill(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_json_ struct json_object *results = NULL;
        const char *sig = "TERM", *who = "main";
        bool failed = false, is_signal = streq(argv[0], "signal");
        int c, first, r;

        if (is_signal) {
                /* supervisorctl: signal SIG NAME... */
                sig = argv[1];
                first = 2;
        } else {
                while ((c = getopt_long(argc, argv, "+s:", kill_options, NULL)) >= 0)
                        switch (c) {
                        case 's':
                                sig = optarg;
                                break;
                        case 'a':
                                who = "all";
                                break;
                        case 'w':
                                if (!streq(optarg, "main") && !streq(optarg, "all"))
                                        return usage_error("--kill-whom must be 'main' or 'all', not '%s'.", optarg);
                                who = optarg;
                                break;
                        default:
                                return EXIT_USAGE;
                        }
                first = optind;
        }
        if (first >= argc)
                return usage_error("%s needs a program name.", argv[0]);
        r = arg_check_signal(sig);
        if (r != 0)
                return r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        if (arg_json)
                results = json_object_new_array();

        for (int a = first; a < argc; a++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
                char done[64];

                r = manager_new_call(bus, "KillProgramWho", &m);
                if (r >= 0)
                        r = sd_bus_message_append(m, "sss", argv[a], sig, who);
                if (r < 0) {
                        bus_log_call_error(NULL, r);
                        return 1;
                }
                snprintf(done, sizeof done, "signalled (%s%s)", sig, streq(who, "all") ? ", all processes" : "");
                if (call_and_report(bus, m, done, results) < 0)
                        failed = true;
        }
        if (results && control_result_print(results, failed) < 0)
                return 1;
        return failed ? 1 : 0;
}

int verb_set_property(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        int r;

        for (int a = 2; a < argc; a++) {
                r = arg_check_limit_assignment(argv[a]);
                if (r != 0)
                        return r;
        }

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = manager_new_call(bus, "SetProperties", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", argv[1]);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (int a = 2; a < argc && r >= 0; a++) {
                _cleanup_free_ char *key = strndup(argv[a], strchr(argv[a], '=') - argv[a]);
                if (!key)
                        return 1;
                /* Values go as strings: cgsupd parses them exactly like the config file ("512M", "150%"). */
                r = sd_bus_message_append(m, "{sv}", key, "s", strchr(argv[a], '=') + 1);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0) {
                bus_log_call_error(NULL, r);
                return 1;
        }
        r = bus_call_logged(bus, m, 0, &reply);
        if (r < 0)
                return 1;
        if (arg_json)
                return json_print_ok() < 0;
        return 0;
}
