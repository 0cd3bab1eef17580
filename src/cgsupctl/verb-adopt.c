/* SPDX-License-Identifier: MIT */
/*
 * adopt PID [--name NAME] [--tree]: move an outside process (with --tree its descendants too) into a new
 * transient program's cgroup (Manager.AdoptProcess), so that cgsupd contains and lists it.
 */

#include <getopt.h>
#include <stdio.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "parse-util.h"

enum { ARG_NAME = 0x100, ARG_TREE };

const struct option adopt_options[] = {
        { "name", required_argument, NULL, ARG_NAME },
        { "tree", no_argument, NULL, ARG_TREE },
        {},
};

int verb_adopt(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *name = NULL, *path = NULL, *adopted = NULL;
        bool tree = false;
        unsigned pid;
        int c, r;

        while ((c = getopt_long(argc, argv, "+", adopt_options, NULL)) >= 0)
                switch (c) {
                case ARG_NAME:
                        name = optarg;
                        break;
                case ARG_TREE:
                        tree = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind + 1 != argc)
                return usage_error("adopt takes one process id.");
        if (safe_atou(argv[optind], &pid) < 0 || pid == 0)
                return usage_error("adopt: '%s' is not a process id.", argv[optind]);

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = manager_new_call(bus, "AdoptProcess", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "u", (uint32_t) pid);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0 && name)
                r = sd_bus_message_append(m, "{sv}", "Name", "s", name);
        if (r >= 0 && tree)
                r = sd_bus_message_append(m, "{sv}", "Tree", "b", 1);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r < 0)
                return bus_log_call_error(NULL, r), 1;
        r = bus_call_logged(bus, m, 0, &reply);
        if (r < 0)
                return 1;
        r = sd_bus_message_read(reply, "os", &path, &adopted);
        if (r < 0)
                return bus_log_call_error(NULL, r), 1;

        if (arg_json) {
                _cleanup_json_ struct json_object *o = json_object_new_object();
                json_add(o, "name", json_object_new_string(adopted));
                json_add(o, "object_path", json_object_new_string(path));
                json_add(o, "pid", json_object_new_int64(pid));
                return json_print(o) < 0;
        }
        printf("Adopted process %u as program %s\n", pid, adopted);
        return 0;
}
