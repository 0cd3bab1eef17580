/* SPDX-License-Identifier: MIT */
/*
 * reload_change_for(): the one rule that Reload() acts on and Reread()/Update() report. Programs here are
 * bare structs: the rule reads only the program's config, group and kind.
 */
#include "program.h"
#include "reload-plan.h"
#include "strv.h"
#include "tests.h"

static ProgramConfig *new_config(const char *name, const char *group, const char *command) {
        ProgramConfig *c = calloc(1, sizeof(*c));

        ASSERT_NOT_NULL(c);
        program_config_init_defaults(c);
        c->name = strdup(name);
        c->program_name = strdup(name);
        c->group_name = group ? strdup(group) : NULL;
        c->command = strdup(command);
        ASSERT_NOT_NULL(c->name);
        ASSERT_NOT_NULL(c->command);
        return c;
}

TEST(new_program_is_added) {
        _cleanup_(program_config_freep) ProgramConfig *nc = new_config("web", "web", "/bin/web");

        ASSERT_EQ(reload_change_for(NULL, nc), RELOAD_ADD);
}

TEST(same_config_is_unchanged_priority_too) {
        _cleanup_(program_config_freep) ProgramConfig *old = new_config("web", "web", "/bin/web");
        _cleanup_(program_config_freep) ProgramConfig *nc = new_config("web", "web", "/bin/web");
        Program p = { .name = (char *) "web", .group = (char *) "web", .config = old };

        nc->priority = old->priority + 1; /* applied without a restart */
        ASSERT_EQ(reload_change_for(&p, nc), RELOAD_UNCHANGED);
}

TEST(only_limits_differ_live) {
        _cleanup_(program_config_freep) ProgramConfig *old = new_config("web", "web", "/bin/web");
        _cleanup_(program_config_freep) ProgramConfig *nc = new_config("web", "web", "/bin/web");
        Program p = { .name = (char *) "web", .group = (char *) "web", .config = old };

        cgsup_limits_set(&nc->limits, CGSUP_LIMIT_PIDS_MAX, 64);
        ASSERT_EQ(reload_change_for(&p, nc), RELOAD_LIMITS_LIVE);
        /* the same value set on both sides is no change, whatever else the struct holds */
        cgsup_limits_set(&old->limits, CGSUP_LIMIT_PIDS_MAX, 64);
        ASSERT_EQ(reload_change_for(&p, nc), RELOAD_UNCHANGED);
        ASSERT_TRUE(limits_equal(&old->limits, &nc->limits));
}

TEST(command_change_restarts_even_with_limits) {
        _cleanup_(program_config_freep) ProgramConfig *old = new_config("web", "web", "/bin/web");
        _cleanup_(program_config_freep) ProgramConfig *nc = new_config("web", "web", "/bin/web --v2");
        Program p = { .name = (char *) "web", .group = (char *) "web", .config = old };

        cgsup_limits_set(&nc->limits, CGSUP_LIMIT_MEMORY_MAX, 1 << 20);
        ASSERT_EQ(reload_change_for(&p, nc), RELOAD_RESTART);
}

TEST(group_move_and_transient_replace) {
        _cleanup_(program_config_freep) ProgramConfig *old = new_config("web", "web", "/bin/web");
        _cleanup_(program_config_freep) ProgramConfig *nc = new_config("web", "front", "/bin/web");
        _cleanup_(program_config_freep) ProgramConfig *same = new_config("web", "web", "/bin/web");
        Program p = { .name = (char *) "web", .group = (char *) "web", .config = old };

        ASSERT_EQ(reload_change_for(&p, nc), RELOAD_REPLACE);
        ASSERT_EQ(reload_change_for(&p, same), RELOAD_UNCHANGED);
        /* a transient run of that name is not the file's program, even with the same command */
        p.transient = true;
        ASSERT_EQ(reload_change_for(&p, same), RELOAD_REPLACE);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
