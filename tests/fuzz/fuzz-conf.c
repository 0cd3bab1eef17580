/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the whole configuration reader on one in-memory file: the libinih reader callback, section
 * merging, %(...)s expansion, shlex and environment= splitting, every key converter, dependency checks.
 * Includes are off so an input can never make us read the file system.
 */
#include <stddef.h>
#include <stdint.h>

#include "conf-internal.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static char *env[] = { (char *) "HOME=/root", (char *) "WORKERS=3", (char *) "EMPTY=", NULL };
        Config *c = NULL;

        if (size > CONF_MAX_FILE_SIZE)
                return 0;

        (void)config_load_buffer("/fuzz/cgsup.conf", (const char *)data, size, NULL, env,
                                 CONFIG_LOAD_NO_INCLUDES | CONFIG_LOAD_NO_SYSTEM_CHECKS, &c);
        if (!c)
                return 0;

        (void) config_first_error(c);
        for (size_t i = 0; i < c->n_programs; i++) {
                ProgramConfig *copy = NULL;
                if (program_config_copy(c->programs[i], &copy) >= 0) {
                        if (!program_config_equal_for_restart(c->programs[i], copy))
                                __builtin_trap(); /* a copy must compare equal to its original */
                        program_config_free(copy);
                }
                if (i > 0)
                        (void) program_config_equal_for_restart(c->programs[i - 1], c->programs[i]);
                (void) config_find_program(c, c->programs[i]->name);
                (void) program_config_exitcode_expected(c->programs[i], (int) i);
        }
        config_free(c);
        return 0;
}
