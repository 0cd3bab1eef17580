/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "json-out.h"
#include "macro.h"
#include "parse-util.h"
#include "run-report.h"

static bool str_is(const char *a, const char *b) {
        return a && streq(a, b);
}

int run_report_exit_status(const char *result, int exit_code, int exit_signal) {
        if (str_is(result, "success"))
                return 0;
        /* timeout(1)'s status: the run was ended because runtime_max passed. */
        if (str_is(result, "timeout"))
                return 124;
        if (exit_code > 0)
                return exit_code & 0xff;
        if (exit_signal > 0)
                return 128 + exit_signal;
        return 1;
}

void run_report_print(const RunReport *r) {
        char b[32];

        assert(r);

        fprintf(stderr, "Finished with result: %s\n", strna(r->result));
        if (r->exit_signal > 0)
                fprintf(stderr, "Main process terminated with: code=killed, signal=SIG%s\n",
                        signal_to_string(r->exit_signal) ?: "?");
        else if (r->exit_code >= 0)
                fprintf(stderr, "Main process terminated with: code=exited, status=%d\n", r->exit_code);
        if (!isempty(r->exit_detail))
                fprintf(stderr, "Detail: %s\n", r->exit_detail);
        if (r->wall_usec != UINT64_MAX)
                fprintf(stderr, "Runtime: %s\n", format_timespan(b, sizeof b, r->wall_usec));
        if (r->cpu_usage_nsec != UINT64_MAX)
                fprintf(stderr, "CPU time consumed: %s%s\n",
                        format_timespan(b, sizeof b, r->cpu_usage_nsec / NSEC_PER_USEC),
                        str_is(r->cpu_source, "rusage") ? " (main process only)" : "");
        if (r->memory_peak != UINT64_MAX)
                fprintf(stderr, "Memory peak: %s%s\n", format_bytes(b, sizeof b, r->memory_peak),
                        str_is(r->memory_peak_source, "rusage-main-process")
                                ? " (max RSS of the main process only)" : "");
        if (r->pids_peak != UINT64_MAX)
                fprintf(stderr, "Pids peak: %" PRIu64 "\n", r->pids_peak);
        if (r->oom_kills != UINT64_MAX && r->oom_kills > 0)
                fprintf(stderr, "OOM kills: %" PRIu64 "\n", r->oom_kills);
        if (r->leftover_processes_killed != UINT64_MAX && r->leftover_processes_killed > 0)
                fprintf(stderr, "Leftover processes killed: %" PRIu64 "\n", r->leftover_processes_killed);
        if (r->cgroup)
                fprintf(stderr, "Cgroup: /%s%s\n", r->cgroup,
                        r->cgroup_removed < 0 ? "" : r->cgroup_removed ? " (removed)" : " (NOT removed)");
}

static struct json_object *limits_to_json(const CgsupLimits *limits) {
        struct json_object *o;

        if (!limits)
                return NULL;
        o = json_object_new_object();
        if (!o)
                return NULL;
        for (int i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                uint64_t v = limits->value[i];
                if (!cgsup_limits_is_set(limits, (CgsupLimit) i))
                        continue;
                json_add(o, cgsup_limit_to_string((CgsupLimit) i),
                         v == CGSUP_LIMIT_INFINITY ? json_object_new_string("max") : json_object_new_uint64(v));
        }
        return o;
}

static struct json_object *strv_to_json(char **l) {
        struct json_object *a;

        if (!l)
                return NULL;
        a = json_object_new_array();
        if (!a)
                return NULL;
        for (char **s = l; *s; s++)
                (void) json_object_array_add(a, json_object_new_string(*s));
        return a;
}

int run_report_print_json(const RunReport *r) {
        _cleanup_json_ struct json_object *o = json_object_new_object();

        assert(r);
        if (!o)
                return -ENOMEM;

        /* Every key always, null when this path cannot know it: one shape for every run. */
        json_add(o, "name", json_string_or_null(r->name));
        json_add(o, "object_path", json_string_or_null(r->object_path));
        json_add(o, "result", json_string_or_null(r->result));
        json_add(o, "exit_code", r->exit_code >= 0 ? json_object_new_int(r->exit_code) : NULL);
        json_add(o, "exit_signal", r->exit_signal > 0 ? json_object_new_int(r->exit_signal) : NULL);
        json_add(o, "exit_detail", isempty(r->exit_detail) ? NULL : json_object_new_string(r->exit_detail));
        json_add(o, "exit_status", json_object_new_int(r->exit_status));
        json_add(o, "main_pid", r->main_pid > 0 ? json_object_new_int64(r->main_pid) : NULL);
        json_add(o, "wall_usec", json_u64_or_null(r->wall_usec));
        json_add(o, "cpu_usage_nsec", json_u64_or_null(r->cpu_usage_nsec));
        json_add(o, "cpu_source", json_string_or_null(r->cpu_source));
        json_add(o, "memory_peak", json_u64_or_null(r->memory_peak));
        json_add(o, "memory_peak_source", json_string_or_null(r->memory_peak_source));
        json_add(o, "pids_peak", json_u64_or_null(r->pids_peak));
        json_add(o, "oom_kills", json_u64_or_null(r->oom_kills));
        json_add(o, "leftover_processes_killed", json_u64_or_null(r->leftover_processes_killed));
        if (r->cgroup) {
                _cleanup_free_ char *p = NULL;
                if (asprintf(&p, "/%s", r->cgroup) < 0)
                        return -ENOMEM;
                json_add(o, "cgroup", json_object_new_string(p));
        } else
                json_add(o, "cgroup", NULL);
        json_add(o, "cgroup_removed", r->cgroup_removed >= 0 ? json_object_new_boolean(r->cgroup_removed) : NULL);
        json_add(o, "command", strv_to_json(r->command));
        json_add(o, "limits", limits_to_json(r->limits));
        return json_print(o);
}
