/* SPDX-License-Identifier: MIT */
/*
 * is-active NAME... and is-failed NAME..., systemctl's script tests: one state per line (unless --quiet)
 * and the answer in the exit status. is-active: 0 if any named program is RUNNING, 3 if none is, 4 if a
 * name matches nothing. is-failed: 0 if any is failed (FATAL, BACKOFF, UNHEALTHY, EXITED other than with
 * status 0), 1 if none is, 4 if a name matches nothing.
 */

#include <stdio.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"

const struct option is_state_options[] = {
        { "quiet", no_argument, NULL, 'q' },
        {},
};

int verb_is_state(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ struct json_object *arr = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        bool failed_verb = streq(argv[0], "is-failed"), quiet = false, any = false, unknown = false;
        size_t n = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "+q", is_state_options, NULL)) >= 0)
                switch (c) {
                case 'q':
                        quiet = true;
                        break;
                default:
                        return EXIT_USAGE;
                }

        r = connect_and_list_programs(&bus, &reply, &list, &n);
        if (r < 0)
                return 1;
        if (arg_json && !quiet) {
                arr = json_object_new_array();
                if (!arr)
                        return 1;
        }

        for (int a = optind; a < argc; a++) {
                bool found = false;

                for (size_t i = 0; i < n; i++) {
                        const ListEntry *e = &list[i];
                        bool yes;

                        if (!list_entry_matches(e, argv[a]))
                                continue;
                        found = true;
                        yes = failed_verb ? state_is_failed(e->state, e->exit_reason, e->exit_code)
                                          : state_is_running(e->state);
                        any = any || yes;
                        if (arr) {
                                struct json_object *o = json_object_new_object();
                                json_add(o, "name", json_object_new_string(e->name));
                                json_add(o, "state", json_object_new_string(e->state));
                                json_add(o, failed_verb ? "failed" : "active", json_object_new_boolean(yes));
                                json_object_array_add(arr, o);
                        } else if (!quiet)
                                printf("%s\n", e->state);
                }
                if (!found) {
                        if (!quiet)
                                fprintf(stderr, "cgsupctl: No such program: '%s'\n", argv[a]);
                        unknown = true;
                }
        }
        if (arr) {
                _cleanup_json_ struct json_object *root = json_object_new_object();
                json_add(root, "programs", json_object_get(arr));
                if (json_print(root) < 0)
                        return 1;
        }
        if (unknown)
                return EXIT_NO_SUCH_PROGRAM;
        if (failed_verb)
                return any ? 0 : 1;
        return any ? 0 : EXIT_NOT_RUNNING;
}
