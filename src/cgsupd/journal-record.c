/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "journal-record.h"
#include "macro.h"
#include "parse-util.h"

/* ---- output lines ---- */

#define MESSAGE_FIELD_LEN (sizeof("MESSAGE=") - 1)

int output_record_init(OutputRecord *r, const char *name, const char *group, int stream) {
        char shown[PROGRAM_DISPLAY_NAME_MAX];

        assert(r);
        assert(name);
        assert(stream == 1 || stream == 2);

        *r = (OutputRecord) {};
        program_display_name(group, name, shown, sizeof shown);
        /* stderr is a warning, as systemd's own units show it in `journalctl -p warning`. */
        if (asprintf(&r->fixed[0], "PRIORITY=%i", stream == 2 ? LOG_WARNING : LOG_INFO) < 0)
                r->fixed[0] = NULL;
        if (asprintf(&r->fixed[1], "SYSLOG_IDENTIFIER=%s", shown) < 0)
                r->fixed[1] = NULL;
        if (asprintf(&r->fixed[2], "CGSUP_PROGRAM=%s", shown) < 0)
                r->fixed[2] = NULL;
        if (asprintf(&r->fixed[3], "CGSUP_GROUP=%s", isempty(group) ? name : group) < 0)
                r->fixed[3] = NULL;
        if (asprintf(&r->fixed[4], "CGSUP_STREAM=%s", stream == 2 ? "stderr" : "stdout") < 0)
                r->fixed[4] = NULL;
        for (size_t i = 0; i < ELEMENTSOF(r->fixed); i++)
                if (!r->fixed[i]) {
                        output_record_done(r);
                        return -ENOMEM;
                }
        return 0;
}

void output_record_done(OutputRecord *r) {
        if (!r)
                return;
        for (size_t i = 0; i < ELEMENTSOF(r->fixed); i++)
                free(r->fixed[i]);
        free(r->message);
        *r = (OutputRecord) {};
}

void output_record_set_pid(OutputRecord *r, pid_t pid) {
        assert(r);
        if (pid > 0)
                snprintf(r->pid_field, sizeof r->pid_field, "OBJECT_PID=%i", (int) pid);
        else
                r->pid_field[0] = '\0';
}

int output_record_build(OutputRecord *r, const char *line, size_t len, struct iovec *iov) {
        size_t need = MESSAGE_FIELD_LEN + len, n = 0;

        assert(r);
        assert(line || len == 0);
        assert(iov);

        if (!r->fixed[0])
                return -ENOMEM; /* init failed */
        if (need > r->message_alloc) {
                size_t a = MAX(need, (size_t) 256);
                char *m = realloc(r->message, a);
                if (!m)
                        return -ENOMEM;
                r->message = m;
                r->message_alloc = a;
        }
        /* The bytes as the program wrote them: sd_journal_sendv() sends any byte, newlines excepted
         * (the line has none). */
        memcpy(r->message, "MESSAGE=", MESSAGE_FIELD_LEN);
        if (len > 0)
                memcpy(r->message + MESSAGE_FIELD_LEN, line, len);
        iov[n++] = (struct iovec) { .iov_base = r->message, .iov_len = need };
        for (size_t i = 0; i < ELEMENTSOF(r->fixed); i++)
                iov[n++] = (struct iovec) { .iov_base = r->fixed[i], .iov_len = strlen(r->fixed[i]) };
        if (r->pid_field[0])
                iov[n++] = (struct iovec) { .iov_base = r->pid_field, .iov_len = strlen(r->pid_field) };
        return (int) n;
}

/* Bounds the work of one read: a stream that sent millions of empty lines is not walked to its start. */
#define JOURNAL_TAIL_ENTRIES_MAX 100000U

ssize_t output_record_read_journal_tail(const OutputRecord *r, char *buf, size_t max) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        char uid_match[32];
        size_t start = max; /* filled from the end backwards: newest line last */
        int k;

        assert(r);
        assert(buf || max == 0);

        if (!r->fixed[0])
                return -ENOMEM;
        k = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (k < 0)
                return k;
        /* _UID is set by journald, not by the sender: records another user forged with our fields do not
         * count. */
        snprintf(uid_match, sizeof uid_match, "_UID=%u", (unsigned) geteuid());
        if ((k = sd_journal_add_match(j, r->fixed[2], 0)) < 0 || /* CGSUP_PROGRAM= */
            (k = sd_journal_add_match(j, r->fixed[4], 0)) < 0 || /* CGSUP_STREAM= */
            (k = sd_journal_add_match(j, uid_match, 0)) < 0)
                return k;
        k = sd_journal_seek_tail(j);
        if (k < 0)
                return k;
        for (unsigned n = 0; start > 0 && n < JOURNAL_TAIL_ENTRIES_MAX; n++) {
                const void *data;
                size_t len, take;

                k = sd_journal_previous(j);
                if (k <= 0)
                        break;
                if (sd_journal_get_data(j, "MESSAGE", &data, &len) < 0 || len < MESSAGE_FIELD_LEN)
                        continue;
                data = (const char *) data + MESSAGE_FIELD_LEN;
                len -= MESSAGE_FIELD_LEN;
                /* The line and its newline, or as much of its end as still fits. */
                buf[--start] = '\n';
                take = MIN(len, start);
                memcpy(buf + start - take, (const char *) data + len - take, take);
                start -= take;
        }
        memmove(buf, buf + start, max - start);
        return (ssize_t) (max - start);
}

/* ---- state changes ---- */

/* sd-id128 values, made once with a random generator; catalog/cgsup.catalog uses the same. */
static const char *const message_ids[_STATE_RECORD_MAX] = {
        [STATE_RECORD_STARTED] = "902ea400ed2f4ff4a1852fb7ab017b8f",
        [STATE_RECORD_EXITED] = "9c80e774b2c24f4582837b07dedde265",
        [STATE_RECORD_CRASHED] = "a34600c535a34b3e95f8823584014b7d",
        [STATE_RECORD_FATAL] = "ba9ec85134574df2a9c4a18c1aab1698",
        [STATE_RECORD_OOM_KILL] = "2f11740295444322af18a959fc64261c",
        [STATE_RECORD_HEALTH_FAILED] = "7b10d1f312c24c11bb9070ced54cd79d",
        [STATE_RECORD_STOPPED] = "896d6439ccc7440abc17a6a702b1324a",
        [STATE_RECORD_CHANGED] = "7504ff1e592247e3a6650a2b0c3604a8",
};

const char *state_record_message_id(StateRecordKind k) {
        if (k < 0 || k >= _STATE_RECORD_MAX)
                return NULL;
        return message_ids[k];
}

static bool state_is_end(ProgramState s) {
        return s == PROGRAM_EXITED || s == PROGRAM_BACKOFF || s == PROGRAM_FATAL;
}

StateRecordKind state_record_kind(ProgramState old, ProgramState state, ExitReason reason, bool expected) {
        /* Why an instance ended matters more than where it went: an OOM kill or a health kill is told
         * as such whether the program is then restarted (BACKOFF, EXITED + pending restart) or not. */
        if (state_is_end(state) && reason == EXIT_REASON_OOM_KILL)
                return STATE_RECORD_OOM_KILL;
        if (state == PROGRAM_UNHEALTHY || (state_is_end(state) && reason == EXIT_REASON_HEALTH))
                return STATE_RECORD_HEALTH_FAILED;
        switch (state) {
        case PROGRAM_RUNNING:
                return old == PROGRAM_UNHEALTHY ? STATE_RECORD_CHANGED : STATE_RECORD_STARTED;
        case PROGRAM_FATAL:
                return STATE_RECORD_FATAL;
        case PROGRAM_EXITED:
                return expected ? STATE_RECORD_EXITED : STATE_RECORD_CRASHED;
        case PROGRAM_BACKOFF:
                /* Died before startsecs: a crash, retried. */
                return STATE_RECORD_CRASHED;
        case PROGRAM_STOPPED:
                return STATE_RECORD_STOPPED;
        default:
                return STATE_RECORD_CHANGED;
        }
}

void state_record_build(StateRecord *r, const StateChange *c) {
        char shown[PROGRAM_DISPLAY_NAME_MAX];
        size_t n = 0;
        bool ended;

        assert(r);
        assert(c);
        assert(c->name);

#define FIELD(...) (void) snprintf(r->storage[n], sizeof r->storage[n], __VA_ARGS__), r->fields[n] = r->storage[n], n++
        FIELD("MESSAGE_ID=%s", state_record_message_id(state_record_kind(c->old_state, c->new_state, c->exit_reason,
                                                                         c->exit_expected)));
        FIELD("CGSUP_PROGRAM=%s", program_display_name(c->group, c->name, shown, sizeof shown));
        FIELD("CGSUP_GROUP=%s", isempty(c->group) ? c->name : c->group);
        FIELD("CGSUP_OLD_STATE=%s", program_state_to_string(c->old_state));
        FIELD("CGSUP_NEW_STATE=%s", program_state_to_string(c->new_state));
        /* Exit fields only where an instance has just ended: a STARTING record does not repeat the
         * previous run's exit. */
        ended = state_is_end(c->new_state) || (c->new_state == PROGRAM_STOPPED && c->old_state == PROGRAM_STOPPING);
        if (ended && c->exit_reason != EXIT_REASON_NONE) {
                FIELD("CGSUP_EXIT_REASON=%s", exit_reason_to_string(c->exit_reason));
                if (c->exit_reason == EXIT_REASON_EXITED && c->exit_code >= 0)
                        FIELD("CGSUP_EXIT_CODE=%i", c->exit_code);
                if (c->exit_signal > 0) {
                        const char *sig = signal_to_string(c->exit_signal);
                        if (sig)
                                FIELD("CGSUP_EXIT_SIGNAL=%s", sig);
                        else
                                FIELD("CGSUP_EXIT_SIGNAL=%i", c->exit_signal);
                }
        }
        if (c->main_pid > 0 && n < STATE_RECORD_FIELDS)
                FIELD("OBJECT_PID=%i", (int) c->main_pid);
#undef FIELD
        assert(n <= STATE_RECORD_FIELDS);
        r->fields[n] = NULL;
}
