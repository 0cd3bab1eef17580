/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes libcgsup's parsers of cgroupfs text (cgroup.events, cgroup.controllers, flat-keyed files such as
 * cpu.stat and memory.events, io.stat, PSI files): the kernel writes them, but a parser that trusts their
 * shape is one kernel change away from reading out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "cgsup/cgroup.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        CgsupCgroupEvents ev;
        CgsupPressure some, full;
        uint64_t a, b, c, d;
        unsigned mask;
        char *text;

        if (size > 65536)
                return 0;
        text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        (void) cgsup_cgroup_events_parse(text, &ev);
        (void) cgsup_controllers_parse(text, &mask);
        (void) cgsup_flat_keyed_get(text, "usage_usec", &a);
        (void) cgsup_flat_keyed_get(text, "oom_kill", &a);
        (void) cgsup_io_stat_parse(text, &a, &b, &c, &d);
        (void) cgsup_pressure_parse(text, &some, &full);
        (void) cgsup_pressure_parse(text, &some, NULL);
        free(text);
        return 0;
}
