/* SPDX-License-Identifier: MIT */
/* cgsup-supervisorctl's supervisor words: namespecs, state sets, uptimes and status descriptions, checked
 * against what supervisor 4.2.5's options.py / rpcinterface.py produce for the same input. */
#include <stdlib.h>
#include <time.h>

#include "sctl.h"
#include "tests.h"

TEST(make_namespec) {
        char *s;

        ASSERT_NOT_NULL(s = make_namespec("web", "web"));
        ASSERT_STREQ(s, "web");
        free(s);
        ASSERT_NOT_NULL(s = make_namespec("grp", "w1"));
        ASSERT_STREQ(s, "grp:w1");
        free(s);
}

TEST(split_namespec) {
        static const struct {
                const char *spec, *group, *name;
        } cases[] = {
                { "web", "web", "web" },      { "grp:w1", "grp", "w1" }, { "grp:*", "grp", NULL },
                { "grp:", "grp", NULL },      { ":x", "", "x" },         { "a:b:c", "a", "b:c" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *group = NULL, *name = NULL;

                ASSERT_OK(split_namespec(cases[i].spec, &group, &name));
                ASSERT_STREQ(group, cases[i].group);
                if (cases[i].name)
                        ASSERT_STREQ(name, cases[i].name);
                else
                        ASSERT_NULL(name);
                free(group);
                free(name);
        }
}

TEST(states) {
        ASSERT_TRUE(state_is_running("BACKOFF"));
        ASSERT_TRUE(state_is_running("UNHEALTHY"));
        ASSERT_FALSE(state_is_running("STOPPING"));
        ASSERT_TRUE(state_is_stopped("FATAL"));
        ASSERT_FALSE(state_is_stopped("STOPPING"));
        ASSERT_TRUE(state_is_signallable("STOPPING"));
        ASSERT_FALSE(state_is_signallable("BACKOFF"));
        ASSERT_STREQ(state_word("UNHEALTHY"), "RUNNING");
        ASSERT_STREQ(state_word("EXITED"), "EXITED");
}

TEST(format_uptime) {
        char buf[64];

        /* Python: str(datetime.timedelta(seconds=N)). */
        ASSERT_OK(format_uptime(buf, sizeof buf, 5));
        ASSERT_STREQ(buf, "0:00:05");
        ASSERT_OK(format_uptime(buf, sizeof buf, 3 * 3600 + 62));
        ASSERT_STREQ(buf, "3:01:02");
        ASSERT_OK(format_uptime(buf, sizeof buf, 86400 + 3723));
        ASSERT_STREQ(buf, "1 day, 1:02:03");
        ASSERT_OK(format_uptime(buf, sizeof buf, 3 * 86400));
        ASSERT_STREQ(buf, "3 days, 0:00:00");
        ASSERT_ERROR(format_uptime(buf, 4, 5), ENOBUFS);
}

TEST(proc_description) {
        Proc p = { .name = (char *) "web", .group = (char *) "web", .exit_reason = (char *) "",
                   .exit_detail = (char *) "", .main_pid = 42, .exit_code = -1 };
        uint64_t start = 1796476039 * USEC_PER_SEC + 900000;
        char *s;

        p.state = (char *) "RUNNING";
        p.active_enter_ts = start;
        /* Whole seconds on both ends: 1.9 s after a start at .9 is "0:00:02" in supervisord. */
        ASSERT_NOT_NULL(s = proc_description(&p, start + 1100000, 0));
        ASSERT_STREQ(s, "pid 42, uptime 0:00:02");
        free(s);
        /* A clock set back: no negative uptime. */
        ASSERT_NOT_NULL(s = proc_description(&p, start - 5 * USEC_PER_SEC, 0));
        ASSERT_STREQ(s, "pid 42, uptime 0:00:00");
        free(s);

        p.state = (char *) "FATAL";
        p.exit_reason = (char *) "exit-code";
        ASSERT_NOT_NULL(s = proc_description(&p, 0, 0));
        ASSERT_STREQ(s, "Exited too quickly (process log may have details)");
        free(s);
        p.exit_reason = (char *) "spawn-failed";
        p.exit_detail = (char *) "cannot execute /nonexistent: No such file or directory";
        ASSERT_NOT_NULL(s = proc_description(&p, 0, 0));
        ASSERT_STREQ(s, "cannot execute /nonexistent: No such file or directory");
        free(s);
        p.exit_detail = (char *) "";
        ASSERT_NOT_NULL(s = proc_description(&p, 0, 0));
        ASSERT_STREQ(s, "unknown error (try \"tail web\")");
        free(s);

        p.state = (char *) "STOPPED";
        ASSERT_NOT_NULL(s = proc_description(&p, 0, 0));
        ASSERT_STREQ(s, "Not started");
        free(s);
        /* 2026-12-05 13:06:09 UTC, printed in local time (TZ=UTC here) as supervisord does. */
        ASSERT_NOT_NULL(s = proc_description(&p, 0, 1796475969 * USEC_PER_SEC));
        ASSERT_STREQ(s, "Dec 05 01:06 PM");
        free(s);

        p.state = (char *) "STARTING";
        ASSERT_NOT_NULL(s = proc_description(&p, 0, 0));
        ASSERT_STREQ(s, "");
        free(s);
}

static const char *intro(void) {
        /* Stop times are local time: pin the zone so the expected text does not depend on the host. */
        setenv("TZ", "UTC", 1);
        tzset();
        return NULL;
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, intro);
}
