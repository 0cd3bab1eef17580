/* SPDX-License-Identifier: MIT */
/* errno + operation → org.cgsup1.Error.* and the messages clients see. */

#include <string.h>

#include "bus-internal.h"
#include "tests.h"

static void check(int r, BusOp op, const char *program, const char *detail, const char *want_name,
                  const char *want_in_message) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        int ret;

        ret = bus_error_set_errno(&e, r, op, program, detail);
        ASSERT_TRUE(ret < 0);
        ASSERT_STREQ(e.name, want_name);
        ASSERT_NOT_NULL(e.message);
        if (program)
                ASSERT_STR_CONTAINS(e.message, program);
        if (want_in_message)
                ASSERT_STR_CONTAINS(e.message, want_in_message);
        /* Never a bare strerror(): the message must be longer than the errno text alone. */
        ASSERT_TRUE(strcmp(e.message, strerror(r < 0 ? -r : r)) != 0);
        sd_bus_error_free(&e);
}

TEST(lookup_is_no_such_program) {
        check(-ENOENT, BUS_OP_LOOKUP, "nope", NULL, CGSUP_ERROR_NO_SUCH_PROGRAM, "No such program");
}

TEST(enoent_depends_on_operation) {
        check(-ENOENT, BUS_OP_START, "web", NULL, CGSUP_ERROR_SPAWN_FAILED, "not found");
        check(-ENOENT, BUS_OP_RUN, "run-1", NULL, CGSUP_ERROR_SPAWN_FAILED, NULL);
        check(-ENOENT, BUS_OP_SET_LIMIT, "web", NULL, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, "cgroup");
        check(-ENOENT, BUS_OP_RELOAD, NULL, NULL, CGSUP_ERROR_BAD_CONFIG, NULL);
        check(-ENOENT, BUS_OP_STOP, "web", NULL, CGSUP_ERROR_NOT_RUNNING, NULL);
}

TEST(already_and_not_running) {
        check(-EALREADY, BUS_OP_START, "web", NULL, CGSUP_ERROR_ALREADY_STARTED, "already started");
        check(-EALREADY, BUS_OP_RESTART, "web", NULL, CGSUP_ERROR_ALREADY_STARTED, NULL);
        check(-EALREADY, BUS_OP_STOP, "web", NULL, CGSUP_ERROR_NOT_RUNNING, "not running");
        check(-ESRCH, BUS_OP_KILL, "web", NULL, CGSUP_ERROR_NOT_RUNNING, "signal");
}

TEST(limits) {
        check(-EOPNOTSUPP, BUS_OP_SET_LIMIT, "web", "memory_max cannot be enforced: no memory controller",
              CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, "memory_max");
        check(-EOPNOTSUPP, BUS_OP_START, "web", NULL, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, "controller");
        check(-EACCES, BUS_OP_SET_LIMIT, "web", NULL, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, "delegated");
        check(-ERANGE, BUS_OP_SET_LIMIT, "web", NULL, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, "range");
}

TEST(write_stdin) {
        check(-EAGAIN, BUS_OP_WRITE_STDIN, "cat", NULL, CGSUP_ERROR_STDIN_FULL, "stdin pipe is full");
        check(-EPIPE, BUS_OP_WRITE_STDIN, "cat", NULL, CGSUP_ERROR_STDIN_CLOSED, "stdin is closed");
        check(-ENOTCONN, BUS_OP_WRITE_STDIN, "cat", NULL, CGSUP_ERROR_STDIN_CLOSED, "stdin = null");
        check(-ESRCH, BUS_OP_WRITE_STDIN, "cat", NULL, CGSUP_ERROR_NOT_RUNNING, "stdin of 'cat'");
        check(-EMSGSIZE, BUS_OP_WRITE_STDIN, "cat", NULL, CGSUP_ERROR_INVALID_ARGUMENT, "too much");
        /* Elsewhere EAGAIN keeps its meaning. */
        check(-EAGAIN, BUS_OP_START, "web", NULL, CGSUP_ERROR_TOO_MANY, NULL);
}

TEST(arguments_and_config) {
        check(-EINVAL, BUS_OP_KILL, "web", NULL, CGSUP_ERROR_INVALID_ARGUMENT, NULL);
        check(-E2BIG, BUS_OP_RUN, "run-1", NULL, CGSUP_ERROR_INVALID_ARGUMENT, NULL);
        check(-EINVAL, BUS_OP_RELOAD, NULL, "/etc/cgsup/cgsup.conf:3: bad value", CGSUP_ERROR_BAD_CONFIG,
              "cgsup.conf:3");
}

TEST(access_and_capacity) {
        check(-EACCES, BUS_OP_STOP, "web", NULL, CGSUP_ERROR_ACCESS_DENIED, "permission");
        check(-EPERM, BUS_OP_START, "web", NULL, CGSUP_ERROR_SPAWN_FAILED, NULL);
        check(-EUSERS, BUS_OP_RUN, "run-1", NULL, CGSUP_ERROR_TOO_MANY, NULL);
        check(-EMFILE, BUS_OP_START, "web", NULL, CGSUP_ERROR_TOO_MANY, "file descriptors");
        check(-EAGAIN, BUS_OP_RUN, "run-1", NULL, CGSUP_ERROR_TOO_MANY, NULL);
        check(-ESHUTDOWN, BUS_OP_START, "web", NULL, CGSUP_ERROR_SHUTTING_DOWN, "shutting down");
}

TEST(unexpected_errors_keep_context) {
        /* An errno we have no special word for still says what failed, on which program, and which errno. */
        check(-EXDEV, BUS_OP_FREEZE, "web", NULL, CGSUP_ERROR_FAILED, "EXDEV");
        check(-EXDEV, BUS_OP_START, "web", NULL, CGSUP_ERROR_SPAWN_FAILED, "start");
        check(-EIO, BUS_OP_THAW, "db", NULL, CGSUP_ERROR_FAILED, "thaw");
}

TEST(detail_wins_over_errno_text) {
        check(-ENOEXEC, BUS_OP_START, "web", "execve(/bin/nope): No such file or directory",
              CGSUP_ERROR_SPAWN_FAILED, "execve(/bin/nope)");
}

TEST(zero_and_positive_errno) {
        sd_bus_error e = SD_BUS_ERROR_NULL;
        ASSERT_EQ(bus_error_set_errno(&e, 0, BUS_OP_STOP, "web", NULL), -EIO);
        ASSERT_STREQ(e.name, CGSUP_ERROR_FAILED);
        sd_bus_error_free(&e);
        ASSERT_EQ(bus_error_set_errno(&e, EALREADY, BUS_OP_START, "web", NULL), -EALREADY);
        ASSERT_STREQ(e.name, CGSUP_ERROR_ALREADY_STARTED);
        sd_bus_error_free(&e);
}

TEST(error_map_round_trip) {
        sd_bus_error e = SD_BUS_ERROR_NULL;

        ASSERT_OK(bus_errors_register());
        /* Clients (and sd-bus internally) get a sensible errno back from our names. */
        sd_bus_error_set(&e, CGSUP_ERROR_NO_SUCH_PROGRAM, "x");
        ASSERT_EQ(sd_bus_error_get_errno(&e), ENOENT);
        sd_bus_error_free(&e);
        sd_bus_error_set(&e, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, "x");
        ASSERT_EQ(sd_bus_error_get_errno(&e), EOPNOTSUPP);
        sd_bus_error_free(&e);
        sd_bus_error_set(&e, CGSUP_ERROR_TOO_MANY, "x");
        ASSERT_EQ(sd_bus_error_get_errno(&e), EUSERS);
        sd_bus_error_free(&e);
}

TEST(op_names) {
        for (int op = 0; op < _BUS_OP_MAX; op++)
                ASSERT_NOT_NULL(bus_op_to_string(op));
        ASSERT_NULL(bus_op_to_string(_BUS_OP_MAX));
        ASSERT_NULL(bus_op_to_string(-1));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
