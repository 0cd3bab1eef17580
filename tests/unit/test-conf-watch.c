/* SPDX-License-Identifier: MIT */
/* watch=, watch_ignore=, watch_debounce=: parsing, defaults, checks. */
#include <stdio.h>

#include "conf-internal.h"
#include "strv.h"
#include "tests.h"

#define TEST_PATH "/etc/test/cgsup.conf"

static int load(const char *text, Config **ret) {
        return config_load_buffer(TEST_PATH, text, strlen(text), NULL, NULL, CONFIG_LOAD_NO_INCLUDES, ret);
}

static bool has_diag(const Config *c, bool error, unsigned line, const char *needle) {
        for (size_t i = 0; c && i < c->n_diags; i++)
                if (c->diags[i].error == error && c->diags[i].line == line && strstr(c->diags[i].message, needle))
                        return true;
        for (size_t i = 0; c && i < c->n_diags; i++)
                printf("# diag: %u: %s\n", c->diags[i].line, c->diags[i].message);
        return false;
}

TEST(watch_keys) {
        _cleanup_(config_freep) Config *c = NULL;
        ASSERT_OK(load("[program:dev]\ncommand=/bin/true\nwatch=/tmp \"/nonexistent dir\"\n"
                       "watch_ignore=*.swp .git\nwatch_debounce=250ms\n"
                       "[program:plain]\ncommand=/bin/true\n",
                       &c));
        const ProgramConfig *d = config_find_program(c, "dev"), *p = config_find_program(c, "plain");
        ASSERT_NOT_NULL(d);
        ASSERT_NOT_NULL(p);
        ASSERT_EQ(strv_length(d->watch), 2U);
        ASSERT_STREQ(d->watch[1], "/nonexistent dir");
        ASSERT_TRUE(has_diag(c, false, 3, "/nonexistent dir does not exist"));
        ASSERT_EQ(strv_length(d->watch_ignore), 2U);
        ASSERT_STREQ(d->watch_ignore[0], "*.swp");
        ASSERT_EQ_U64(d->watch_debounce, 250 * USEC_PER_MSEC);
        ASSERT_NULL(p->watch);
        ASSERT_EQ_U64(p->watch_debounce, USEC_PER_SEC);
        _cleanup_(program_config_freep) ProgramConfig *copy = NULL;
        ASSERT_OK(program_config_copy(d, &copy));
        ASSERT_STREQ(copy->watch[0], "/tmp");
        ASSERT_STREQ(copy->watch_ignore[1], ".git");
}

TEST(watch_errors) {
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_ERROR(load("[program:a]\ncommand=/bin/true\nwatch=src\n", &c), EINVAL);
                ASSERT_TRUE(has_diag(c, true, 3, "not an absolute path"));
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_ERROR(load("[program:a]\ncommand=/bin/true\nwatch=/tmp\nwatch_ignore=\"open\n", &c), EINVAL);
                ASSERT_TRUE(has_diag(c, true, 4, "watch_ignore"));
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_ERROR(load("[program:a]\ncommand=/bin/true\nwatch=/tmp\nwatch_debounce=soon\n", &c), EINVAL);
                ASSERT_TRUE(has_diag(c, true, 4, "not a duration"));
        }
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
