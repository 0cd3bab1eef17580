/* SPDX-License-Identifier: MIT */
/*
 * The journal records of program output and state changes, as built before sd_journal_sendv() gets them
 * (the host has no journald; the VM test journal-records reads them back from a real journal): the fields,
 * the kind of each state change, and the catalog entry for every MESSAGE_ID.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-record.h"
#include "tests.h"

/* The field KEY=... among @iov (n entries), as a string; NULL if absent. */
static char *iov_field(const struct iovec *iov, int n, const char *key) {
        size_t kl = strlen(key);

        for (int i = 0; i < n; i++)
                if (iov[i].iov_len > kl && memcmp(iov[i].iov_base, key, kl) == 0 &&
                    ((const char *) iov[i].iov_base)[kl] == '=')
                        return strndup((const char *) iov[i].iov_base + kl + 1, iov[i].iov_len - kl - 1);
        return NULL;
}

static const char *field(const StateRecord *r, const char *key) {
        size_t kl = strlen(key);

        for (size_t i = 0; r->fields[i]; i++)
                if (strncmp(r->fields[i], key, kl) == 0 && r->fields[i][kl] == '=')
                        return r->fields[i] + kl + 1;
        return NULL;
}

#define ASSERT_IOV_FIELD(iov, n, key, want)                                                                 \
        do {                                                                                                 \
                char *_v_ = iov_field(iov, n, key);                                                          \
                ASSERT_NOT_NULL(_v_);                                                                        \
                ASSERT_STREQ(_v_, want);                                                                     \
                free(_v_);                                                                                   \
        } while (0)

TEST(output_record_of_a_group_member) {
        OutputRecord r;
        struct iovec iov[OUTPUT_RECORD_IOV];
        static const char line[] = "disk \x01 full"; /* bytes verbatim, control characters included */
        char *msg;
        int n;

        ASSERT_OK(output_record_init(&r, "worker_0", "worker", 2));
        output_record_set_pid(&r, 4242);
        n = output_record_build(&r, line, sizeof(line) - 1, iov);
        ASSERT_EQ(n, 7);
        ASSERT_EQ(iov[0].iov_len, strlen("MESSAGE=") + sizeof(line) - 1);
        ASSERT_TRUE(memcmp(iov[0].iov_base, "MESSAGE=disk \x01 full", iov[0].iov_len) == 0);
        ASSERT_IOV_FIELD(iov, n, "PRIORITY", "4");
        ASSERT_IOV_FIELD(iov, n, "SYSLOG_IDENTIFIER", "worker:worker_0");
        ASSERT_IOV_FIELD(iov, n, "CGSUP_PROGRAM", "worker:worker_0"); /* the metrics' program label */
        ASSERT_IOV_FIELD(iov, n, "CGSUP_GROUP", "worker");
        ASSERT_IOV_FIELD(iov, n, "CGSUP_STREAM", "stderr");
        ASSERT_IOV_FIELD(iov, n, "OBJECT_PID", "4242");

        /* The next line reuses the buffer; an empty line is a record too. */
        n = output_record_build(&r, "", 0, iov);
        msg = iov_field(iov, n, "MESSAGE");
        ASSERT_NOT_NULL(msg);
        ASSERT_STREQ(msg, "");
        ASSERT_EQ(iov[0].iov_len, strlen("MESSAGE="));
        free(msg);
        output_record_done(&r);
}

TEST(output_record_of_a_program_in_its_own_group) {
        OutputRecord r;
        struct iovec iov[OUTPUT_RECORD_IOV];
        int n;

        ASSERT_OK(output_record_init(&r, "web", "web", 1));
        n = output_record_build(&r, "GET /", 5, iov);
        ASSERT_EQ(n, 6); /* no PID known yet: no OBJECT_PID */
        ASSERT_IOV_FIELD(iov, n, "PRIORITY", "6");
        ASSERT_IOV_FIELD(iov, n, "CGSUP_PROGRAM", "web");
        ASSERT_IOV_FIELD(iov, n, "CGSUP_GROUP", "web");
        ASSERT_IOV_FIELD(iov, n, "CGSUP_STREAM", "stdout");
        output_record_set_pid(&r, 7);
        ASSERT_EQ(output_record_build(&r, "x", 1, iov), 7);
        output_record_set_pid(&r, 0);
        ASSERT_EQ(output_record_build(&r, "x", 1, iov), 6);
        output_record_done(&r);
        output_record_done(&r); /* idempotent */
}

TEST(state_change_kinds) {
        ASSERT_EQ(state_record_kind(PROGRAM_STARTING, PROGRAM_RUNNING, EXIT_REASON_NONE, false), STATE_RECORD_STARTED);
        ASSERT_EQ(state_record_kind(PROGRAM_UNHEALTHY, PROGRAM_RUNNING, EXIT_REASON_NONE, false), STATE_RECORD_CHANGED);
        ASSERT_EQ(state_record_kind(PROGRAM_RUNNING, PROGRAM_EXITED, EXIT_REASON_EXITED, true), STATE_RECORD_EXITED);
        ASSERT_EQ(state_record_kind(PROGRAM_RUNNING, PROGRAM_EXITED, EXIT_REASON_EXITED, false), STATE_RECORD_CRASHED);
        ASSERT_EQ(state_record_kind(PROGRAM_RUNNING, PROGRAM_EXITED, EXIT_REASON_SIGNAL, false), STATE_RECORD_CRASHED);
        ASSERT_EQ(state_record_kind(PROGRAM_STARTING, PROGRAM_BACKOFF, EXIT_REASON_EXITED, false), STATE_RECORD_CRASHED);
        ASSERT_EQ(state_record_kind(PROGRAM_BACKOFF, PROGRAM_FATAL, EXIT_REASON_EXITED, false), STATE_RECORD_FATAL);
        ASSERT_EQ(state_record_kind(PROGRAM_RUNNING, PROGRAM_EXITED, EXIT_REASON_OOM_KILL, false), STATE_RECORD_OOM_KILL);
        ASSERT_EQ(state_record_kind(PROGRAM_STARTING, PROGRAM_FATAL, EXIT_REASON_OOM_KILL, false), STATE_RECORD_OOM_KILL);
        ASSERT_EQ(state_record_kind(PROGRAM_RUNNING, PROGRAM_UNHEALTHY, EXIT_REASON_NONE, false),
                  STATE_RECORD_HEALTH_FAILED);
        ASSERT_EQ(state_record_kind(PROGRAM_UNHEALTHY, PROGRAM_EXITED, EXIT_REASON_HEALTH, false),
                  STATE_RECORD_HEALTH_FAILED);
        ASSERT_EQ(state_record_kind(PROGRAM_STOPPING, PROGRAM_STOPPED, EXIT_REASON_STOPPED, false), STATE_RECORD_STOPPED);
        ASSERT_EQ(state_record_kind(PROGRAM_STOPPED, PROGRAM_STARTING, EXIT_REASON_OOM_KILL, false), STATE_RECORD_CHANGED);
        ASSERT_EQ(state_record_kind(PROGRAM_RUNNING, PROGRAM_STOPPING, EXIT_REASON_NONE, false), STATE_RECORD_CHANGED);
}

TEST(state_change_fields) {
        StateRecord r;

        state_record_build(&r, &(StateChange) {
                .name = "worker_1", .group = "worker", .old_state = PROGRAM_RUNNING, .new_state = PROGRAM_EXITED,
                .exit_reason = EXIT_REASON_SIGNAL, .exit_code = -1, .exit_signal = SIGKILL, .main_pid = 0,
        });
        ASSERT_TRUE(strncmp(r.fields[0], "MESSAGE_ID=", 11) == 0);
        ASSERT_STREQ(field(&r, "MESSAGE_ID"), state_record_message_id(STATE_RECORD_CRASHED));
        ASSERT_STREQ(field(&r, "CGSUP_PROGRAM"), "worker:worker_1");
        ASSERT_STREQ(field(&r, "CGSUP_GROUP"), "worker");
        ASSERT_STREQ(field(&r, "CGSUP_OLD_STATE"), "RUNNING");
        ASSERT_STREQ(field(&r, "CGSUP_NEW_STATE"), "EXITED");
        ASSERT_STREQ(field(&r, "CGSUP_EXIT_REASON"), "signal");
        ASSERT_STREQ(field(&r, "CGSUP_EXIT_SIGNAL"), "KILL");
        ASSERT_NULL(field(&r, "CGSUP_EXIT_CODE"));
        ASSERT_NULL(field(&r, "OBJECT_PID"));

        state_record_build(&r, &(StateChange) {
                .name = "web", .group = "web", .old_state = PROGRAM_STARTING, .new_state = PROGRAM_RUNNING,
                .exit_reason = EXIT_REASON_EXITED, .exit_code = 3, .main_pid = 99,
        });
        ASSERT_STREQ(field(&r, "MESSAGE_ID"), state_record_message_id(STATE_RECORD_STARTED));
        ASSERT_STREQ(field(&r, "CGSUP_PROGRAM"), "web");
        ASSERT_STREQ(field(&r, "OBJECT_PID"), "99");
        ASSERT_NULL(field(&r, "CGSUP_EXIT_REASON")); /* the previous run's exit is not repeated */

        state_record_build(&r, &(StateChange) {
                .name = "job", .group = NULL, .old_state = PROGRAM_RUNNING, .new_state = PROGRAM_EXITED,
                .exit_reason = EXIT_REASON_EXITED, .exit_expected = true, .exit_code = 0,
        });
        ASSERT_STREQ(field(&r, "MESSAGE_ID"), state_record_message_id(STATE_RECORD_EXITED));
        ASSERT_STREQ(field(&r, "CGSUP_GROUP"), "job");
        ASSERT_STREQ(field(&r, "CGSUP_EXIT_CODE"), "0");
}

/* Every MESSAGE_ID is a distinct sd-id128 with an entry in catalog/cgsup.catalog. */
TEST(message_ids_and_catalog) {
        const char *src = getenv("CGSUP_SOURCE_DIR");
        char path[4096], line[1024];
        FILE *f;
        bool found[_STATE_RECORD_MAX] = {};

        for (StateRecordKind k = 0; k < _STATE_RECORD_MAX; k++) {
                const char *id = state_record_message_id(k);
                ASSERT_NOT_NULL(id);
                ASSERT_EQ(strlen(id), 32u);
                ASSERT_EQ(strspn(id, "0123456789abcdef"), 32u);
                for (StateRecordKind j = 0; j < k; j++)
                        ASSERT_TRUE(strcmp(id, state_record_message_id(j)) != 0);
        }
        ASSERT_NULL(state_record_message_id(_STATE_RECORD_MAX));

        ASSERT_NOT_NULL(src);
        snprintf(path, sizeof path, "%s/catalog/cgsup.catalog", src);
        f = fopen(path, "re");
        ASSERT_NOT_NULL(f);
        while (fgets(line, sizeof line, f))
                for (StateRecordKind k = 0; k < _STATE_RECORD_MAX; k++)
                        if (strncmp(line, "-- ", 3) == 0 && strncmp(line + 3, state_record_message_id(k), 32) == 0)
                                found[k] = true;
        fclose(f);
        for (StateRecordKind k = 0; k < _STATE_RECORD_MAX; k++)
                ASSERT_TRUE(found[k]);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
