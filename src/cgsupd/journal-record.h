/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The journal records cgsupd writes about programs, so that `journalctl CGSUP_PROGRAM=web` and
 * `journalctl MESSAGE_ID=...` find them:
 *   - one record per line of a program's output forwarded to the journal (stdout_logfile=syslog,
 *     stdout_syslog=true): MESSAGE, PRIORITY (info for stdout, warning for stderr), SYSLOG_IDENTIFIER and
 *     CGSUP_PROGRAM (the name `cgsupctl status` and the metrics' program label show: "group:name" for a
 *     member of a group), CGSUP_GROUP, CGSUP_STREAM (stdout/stderr) and OBJECT_PID (the instance's main PID);
 *   - one record per state change, with a MESSAGE_ID per kind (catalog/cgsup.catalog explains each) and
 *     CGSUP_PROGRAM, CGSUP_GROUP, CGSUP_OLD_STATE, CGSUP_NEW_STATE, CGSUP_EXIT_REASON, CGSUP_EXIT_CODE,
 *     CGSUP_EXIT_SIGNAL, OBJECT_PID where they apply.
 * Building a record is pure (the unit test reads the fields); sending is sd_journal_sendv()'s.
 */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "name-util.h"
#include "program.h"

/* ---- output lines ---- */

#define OUTPUT_RECORD_IOV 7 /* MESSAGE + five fixed fields + OBJECT_PID */

typedef struct OutputRecord {
        char *fixed[5];          /* "KEY=value" for the fields every line of the stream carries */
        char pid_field[32];      /* "OBJECT_PID=n", "" while no instance is known */
        char *message;           /* "MESSAGE=" + the line, reused from line to line */
        size_t message_alloc;
} OutputRecord;

/* @name: the instance, @group: its group (NULL or empty: none), @stream 1 = stdout, 2 = stderr. */
int output_record_init(OutputRecord *r, const char *name, const char *group, int stream);
void output_record_done(OutputRecord *r);
/* The main PID the following lines are attributed to; 0 forgets it. */
void output_record_set_pid(OutputRecord *r, pid_t pid);
/* Fills @iov (OUTPUT_RECORD_IOV entries) with the record of one line (bytes verbatim, no newline).
 * Returns the number of entries, or -ENOMEM. */
int output_record_build(OutputRecord *r, const char *line, size_t len, struct iovec *iov);

/* The last @max bytes of the lines this stream sent to the journal (any earlier daemon's too: records of
 * our uid with the same CGSUP_PROGRAM and CGSUP_STREAM), oldest first, each line ended by a newline, into
 * @buf. Returns the number of bytes (0: none), or -errno when the journal cannot be read. */
ssize_t output_record_read_journal_tail(const OutputRecord *r, char *buf, size_t max);

/* ---- state changes ---- */

typedef enum StateRecordKind {
        STATE_RECORD_STARTED,       /* reached RUNNING */
        STATE_RECORD_EXITED,        /* EXITED with an expected exit code */
        STATE_RECORD_CRASHED,       /* ended unexpectedly (exit code not in exitcodes=, a signal, ...) */
        STATE_RECORD_FATAL,         /* FATAL: could not be started, no retries left */
        STATE_RECORD_OOM_KILL,      /* ended by the kernel's OOM killer */
        STATE_RECORD_HEALTH_FAILED, /* UNHEALTHY, or killed because liveness checks failed */
        STATE_RECORD_STOPPED,       /* STOPPED (on request, or never started) */
        STATE_RECORD_CHANGED,       /* any other change: STARTING, STOPPING, BACKOFF, health recovered */
        _STATE_RECORD_MAX,
        _STATE_RECORD_INVALID = -EINVAL,
} StateRecordKind;

/* The kind of a change from @old to @state, @reason being the last instance's exit reason and @expected
 * whether its exit code is one of exitcodes=. */
StateRecordKind state_record_kind(ProgramState old, ProgramState state, ExitReason reason, bool expected);
/* The MESSAGE_ID (32 lowercase hex digits, an sd-id128) of @k; the same in catalog/cgsup.catalog. */
const char *state_record_message_id(StateRecordKind k);

#define STATE_RECORD_FIELDS 9
#define STATE_RECORD_FIELD_MAX (PROGRAM_DISPLAY_NAME_MAX + 32U)

typedef struct StateRecord {
        char storage[STATE_RECORD_FIELDS][STATE_RECORD_FIELD_MAX];
        const char *fields[STATE_RECORD_FIELDS + 1]; /* NULL-terminated, for log_internal_fields() */
} StateRecord;

typedef struct StateChange {
        const char *name;
        const char *group;
        ProgramState old_state;
        ProgramState new_state;
        ExitReason exit_reason;
        bool exit_expected;
        int exit_code;           /* -1: none */
        int exit_signal;         /* 0: none */
        pid_t main_pid;          /* 0: none */
} StateChange;

/* Fills @r with the fields of the record of @c (MESSAGE_ID first). */
void state_record_build(StateRecord *r, const StateChange *c);
