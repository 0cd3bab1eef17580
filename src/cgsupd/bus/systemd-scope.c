/* SPDX-License-Identifier: MIT */
/*
 * The one call cgsupd makes to systemd: StartTransientUnit() of the programs' scope (manager-scope.c says
 * why that scope exists on systemd < 254). It runs once at startup, before the event loop, and waits for
 * the job like systemd-run does. The core reaches it only through ManagerOptions.start_scope.
 */
#include <systemd/sd-bus.h>

#include "log.h"
#include "systemd-scope.h"

#define SCOPE_JOB_TIMEOUT_USEC (30 * USEC_PER_SEC)

typedef struct JobWait {
        const char *job;
        bool done;
        char *result;
} JobWait;

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        JobWait *w = userdata;
        const char *path, *unit, *result;
        uint32_t id;

        if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (w->job && streq(path, w->job)) {
                w->done = true;
                w->result = strdup(result);
        }
        return 0;
}

int systemd_start_scope(const char *scope, const char *slice, pid_t pid) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *msg = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        JobWait w = {};
        const char *job;
        uint64_t deadline;
        int r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Cannot connect to the system bus to create %s: %m", scope);
        r = sd_bus_match_signal(bus, NULL, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_call(bus, &msg, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                           "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r >= 0)
                r = sd_bus_message_append(msg, "ss", scope, "fail");
        if (r >= 0)
                r = sd_bus_message_open_container(msg, 'a', "(sv)");
        if (r >= 0)
                r = sd_bus_message_append(msg, "(sv)(sv)(sv)(sv)", "Description", "s",
                                          "cgsupd programs (delegated subtree)", "Slice", "s", slice, "Delegate",
                                          "b", 1, "PIDs", "au", 1, (uint32_t) pid);
        if (r >= 0)
                r = sd_bus_message_close_container(msg);
        if (r >= 0)
                r = sd_bus_message_append(msg, "a(sa(sv))", 0);
        if (r < 0)
                return log_error_errno(r, "Cannot build StartTransientUnit call: %m");
        r = sd_bus_call(bus, msg, SCOPE_JOB_TIMEOUT_USEC, &error, &reply);
        if (r < 0)
                return log_error_errno(r, "systemd refused to create %s: %s", scope, error.message ?: strerror(-r));
        r = sd_bus_message_read(reply, "o", &job);
        if (r < 0)
                return r;
        w.job = job;

        /* Startup only, before the loop runs: wait for the job like systemd-run does. */
        deadline = SCOPE_JOB_TIMEOUT_USEC;
        while (!w.done) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return log_error_errno(r, "Lost the system bus while creating %s: %m", scope);
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, deadline);
                if (r < 0)
                        return r;
                if (r == 0)
                        return log_error_errno(SYNTHETIC_ERRNO(ETIMEDOUT), "Timed out creating %s", scope);
        }
        if (!w.result || !streq(w.result, "done")) {
                log_error("Creating %s failed: job result %s", scope, strna(w.result));
                free(w.result);
                return -EIO;
        }
        free(w.result);
        return 0;
}

