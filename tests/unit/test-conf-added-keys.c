/* SPDX-License-Identifier: MIT */
/* Keys cgsup adds for jobs and development: schedule=, schedule_timezone=, schedule_catch_up=,
 * interval= (parsing and what they imply), watch=, watch_ignore=, watch_debounce=, *_logfile_rotate=,
 * *_logfile_compress=. */
#include <stdio.h>

#include "conf-internal.h"
#include "conf-tests.h"
#include "strv.h"
#include "tests.h"

#define TEST_PATH "/etc/test/cgsup.conf"

static int load(const char *text, Config **ret) {
        return config_load_buffer(TEST_PATH, text, strlen(text), NULL, NULL, CONFIG_LOAD_NO_INCLUDES, ret);
}

TEST(scheduled_programs_are_oneshot) {
        _cleanup_(config_freep) Config *c = NULL;
        ASSERT_OK(load("[program:backup]\ncommand=/bin/true\nschedule=30 2 * * *\nschedule_timezone=UTC\n"
                       "autorestart=true\nstartretries=5\n"
                       "[program:poll]\ncommand=/bin/true\ninterval=90s\nschedule_catch_up=true\n",
                       &c));
        const ProgramConfig *b = config_find_program(c, "backup"), *p = config_find_program(c, "poll");
        ASSERT_NOT_NULL(b);
        ASSERT_NOT_NULL(p);
        ASSERT_TRUE(program_config_is_scheduled(b));
        ASSERT_EQ(b->type, PROGRAM_TYPE_ONESHOT);
        ASSERT_EQ(b->autorestart, AUTORESTART_FALSE);
        ASSERT_EQ(b->startretries, 0U);
        ASSERT_STREQ(b->schedule, "30 2 * * *");
        ASSERT_STREQ(b->schedule_timezone, "UTC");
        ASSERT_EQ_U64(p->interval, 90 * USEC_PER_SEC);
        ASSERT_TRUE(p->schedule_catch_up);
        ASSERT_NULL(p->schedule);
        /* a copy keeps the schedule */
        _cleanup_(program_config_freep) ProgramConfig *copy = NULL;
        ASSERT_OK(program_config_copy(b, &copy));
        ASSERT_STREQ(copy->schedule, "30 2 * * *");
        ASSERT_STREQ(copy->schedule_timezone, "UTC");
}

TEST(schedule_errors) {
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nschedule=61 * * * *\n",
                         3, "bad minute field");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nschedule=@daily\ninterval=5s\n",
                         4, "exclude each other");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\ninterval=100ms\n", 3, "less than 1s");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\ninterval=5s\ntype=simple\n",
                         4, "runs to completion");
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_ERROR(load("[program:a]\ncommand=/bin/true\nschedule=@daily\nschedule_timezone=Mars/Base\n",
                                  &c),
                             EINVAL);
                ASSERT_TRUE(has_diag(c, true, 4, "no such time zone"));
        }
}

TEST(log_rotate_and_compress_keys) {
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_OK(load("[program:a]\ncommand=/bin/true\nstdout_logfile=/var/log/a.log\n"
                               "stdout_logfile_rotate=daily\nstdout_logfile_compress=zstd\n"
                               "stderr_logfile=/var/log/a.err\nstderr_logfile_rotate=90s\nstderr_logfile_compress=gzip\n"
                               "[program:b]\ncommand=/bin/true\nstdout_logfile=/var/log/b.log\nstdout_logfile_rotate=hourly\n",
                               &c));
                const ProgramConfig *a = config_find_program(c, "a"), *b = config_find_program(c, "b");
                ASSERT_EQ(a->stdout_log.rotate, LOG_ROTATE_DAILY);
                ASSERT_EQ(a->stdout_log.compress, LOG_COMPRESS_ZSTD);
                ASSERT_EQ(a->stderr_log.rotate, LOG_ROTATE_INTERVAL);
                ASSERT_EQ_U64(a->stderr_log.rotate_interval, 90 * USEC_PER_SEC);
                ASSERT_EQ(a->stderr_log.compress, LOG_COMPRESS_GZIP);
                ASSERT_EQ(b->stdout_log.rotate, LOG_ROTATE_HOURLY);
                ASSERT_EQ(b->stdout_log.compress, LOG_COMPRESS_NONE);
                ASSERT_EQ(b->stderr_log.rotate, LOG_ROTATE_NEVER);
                /* a changed rule is a changed program: update restarts it with a new capture, as for _maxbytes */
                _cleanup_(program_config_freep) ProgramConfig *copy = NULL;
                ASSERT_OK(program_config_copy(a, &copy));
                ASSERT_TRUE(program_config_equal_for_restart(a, copy));
                copy->stdout_log.compress = LOG_COMPRESS_GZIP;
                ASSERT_FALSE(program_config_equal_for_restart(a, copy));
        }
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nstdout_logfile_rotate=weekly\n",
                         3, "must be hourly, daily, never or a duration of at least 1s");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nstdout_logfile_rotate=500ms\n",
                         3, "at least 1s");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\n\nstderr_logfile_compress=xz\n",
                         4, "must be none, gzip or zstd");
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_OK(load("[program:a]\ncommand=/bin/true\nstdout_logfile=/var/log/a.log\n"
                               "stdout_logfile_backups=0\nstdout_logfile_compress=gzip\n",
                               &c));
                ASSERT_TRUE(has_diag(c, false, 5, "stdout_logfile_compress=gzip does nothing with stdout_logfile_backups=0"));
        }
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
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nwatch=src\n", 3, "not an absolute path");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nwatch=/tmp\nwatch_ignore=\"open\n",
                         4, "watch_ignore");
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/true\nwatch=/tmp\nwatch_debounce=soon\n",
                         4, "not a duration");
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
