/* SPDX-License-Identifier: MIT */
/*
 * scale NAME N: run N instances of a numprocs program (Manager.ScaleProgram). New instances start, the
 * surplus stop highest-numbered first, the others are left alone; until the next reload.
 */

#include <inttypes.h>
#include <stdio.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "name-util.h"
#include "parse-util.h"

/* numprocs' own bound (the daemon checks it too) */
#define SCALE_MAX 1000U

int verb_scale(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t old = 0, now = 0;
        unsigned n;
        int r;

        if (argc != 3)
                return usage_error("scale takes a program name and an instance count.");
        /* A [program:NAME], not an instance (group:name) or a spec (group:*): list-names --programs. */
        if (!program_name_is_valid(argv[1]))
                return usage_error("scale: '%s' is not a program name: it %s (scale takes the NAME of a "
                                   "[program:NAME] section, see 'cgsupctl list-names --programs').",
                                   argv[1], program_name_invalid_reason(argv[1]));
        if (safe_atou(argv[2], &n) < 0 || n > SCALE_MAX)
                return usage_error("scale: '%s' is not an instance count (0 to %u).", argv[2], SCALE_MAX);

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = manager_call(bus, "ScaleProgram", &reply, "su", argv[1], (uint32_t) n);
        if (r < 0)
                return 1;
        r = sd_bus_message_read(reply, "uu", &old, &now);
        if (r < 0) {
                (void) bus_log_call_error(NULL, r);
                return 1;
        }
        if (arg_json) {
                _cleanup_json_ struct json_object *root = json_object_new_object();
                json_add(root, "program", json_object_new_string(argv[1]));
                json_add(root, "old_instances", json_object_new_int64(old));
                json_add(root, "instances", json_object_new_int64(now));
                return json_print(root) < 0 ? 1 : 0;
        }
        printf("%s: %" PRIu32 " -> %" PRIu32 " instances (until the next reload)\n", argv[1], old, now);
        return 0;
}
