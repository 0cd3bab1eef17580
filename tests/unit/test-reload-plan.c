/* SPDX-License-Identifier: MIT */
/*
 * reload_change_for(): the one rule that Reload() acts on and Reread()/Update() report. Programs here are
 * bare structs: the rule reads only the program's config, group and kind. manager_reload_diff_groups(): the
 * same by group, as UpdateGroups() replies, over a bare Manager holding such programs.
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

static void config_push(Config *c, ProgramConfig *p) {
        c->programs = reallocarray(c->programs, c->n_programs + 1, sizeof(ProgramConfig *));
        ASSERT_NOT_NULL(c->programs);
        c->programs[c->n_programs++] = p;
}

TEST(diff_by_group) {
        _cleanup_(program_config_freep) ProgramConfig *web = new_config("web", "web", "/bin/web");
        _cleanup_(program_config_freep) ProgramConfig *a = new_config("a", "grp", "/bin/a");
        _cleanup_(program_config_freep) ProgramConfig *gone = new_config("gone", "gone", "/bin/gone");
        _cleanup_(config_freep) Config *newc = calloc(1, sizeof(Config));
        _cleanup_(reload_diff_done) ReloadDiff d = {}, only = {};
        Program pw = { .name = (char *) "web", .group = (char *) "web", .config = web },
                pa = { .name = (char *) "a", .group = (char *) "grp", .config = a },
                pg = { .name = (char *) "gone", .group = (char *) "gone", .config = gone };
        Program *programs[] = { &pw, &pa, &pg };
        Manager m = { .programs = programs, .n_programs = ELEMENTSOF(programs) };
        char *fresh[] = { (char *) "fresh", NULL }, *grp[] = { (char *) "grp", NULL },
             *gone_l[] = { (char *) "gone", NULL }, *grp_nosuch[] = { (char *) "grp", (char *) "nosuch", NULL };

        /* The file: web's command changed, a unchanged but grp gains b, gone is gone, fresh:f is new. */
        ASSERT_NOT_NULL(newc);
        config_push(newc, new_config("web", "web", "/bin/web --v2"));
        config_push(newc, new_config("a", "grp", "/bin/a"));
        config_push(newc, new_config("b", "grp", "/bin/b"));
        config_push(newc, new_config("f", "fresh", "/bin/f"));

        ASSERT_OK(manager_reload_diff_groups(&m, newc, NULL, &d));
        ASSERT_TRUE(strv_equal(d.added, fresh));
        ASSERT_TRUE(strv_contains(d.changed, "web") && strv_contains(d.changed, "grp"));
        ASSERT_EQ(strv_length(d.changed), 2U);
        ASSERT_TRUE(strv_equal(d.removed, gone_l));

        /* UpdateGroups grp nosuch: the others are not reported (nor applied). */
        ASSERT_OK(manager_reload_diff_groups(&m, newc, grp_nosuch, &only));
        ASSERT_NULL(only.added);
        ASSERT_TRUE(strv_equal(only.changed, grp));
        ASSERT_NULL(only.removed);

        /* A group being removed (remove_when_stopped) no longer runs: its file section is "added" again. */
        pg.remove_when_stopped = true;
        config_push(newc, new_config("gone", "gone", "/bin/gone"));
        reload_diff_done(&d);
        ASSERT_OK(manager_reload_diff_groups(&m, newc, gone_l, &d));
        ASSERT_TRUE(strv_equal(d.added, gone_l));
        free(m.programs_by_name);
}

TEST(group_config_copy_is_deep) {
        char *members[] = { (char *) "a", (char *) "b", NULL };
        GroupConfig g = { .name = (char *) "grp", .programs = members, .priority = 7,
                          .source_file = (char *) "/etc/x.conf", .source_line = 3 };
        _cleanup_(group_config_freep) GroupConfig *copy = NULL;

        cgsup_limits_set(&g.limits, CGSUP_LIMIT_PIDS_MAX, 64);
        ASSERT_OK(group_config_copy(&g, &copy));
        ASSERT_TRUE(copy->name != g.name && streq(copy->name, "grp"));
        ASSERT_TRUE(copy->programs != g.programs && strv_equal(copy->programs, g.programs));
        ASSERT_NULL(copy->environment_files);
        ASSERT_EQ(copy->priority, 7);
        ASSERT_TRUE(limits_equal(&copy->limits, &g.limits));
        ASSERT_STREQ(copy->source_file, "/etc/x.conf");
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
