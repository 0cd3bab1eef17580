/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgsup/cgroup.h"

/*
 * The exit report of one run, whichever way it ran: `run --wait` fills it from cgsupd's TransientFinished
 * signal, `run --standalone` from its own cgroup and the main process's rusage. One human writer and one
 * JSON writer, so the two paths cannot drift apart: a field a path cannot know is left at its "unknown"
 * value and printed as null (JSON) or not at all (human). The JSON schema is in cgsupctl(1), RUN REPORT.
 */
typedef struct RunReport {
        const char *name, *object_path;   /* the transient program (daemon runs); NULL standalone */
        const char *result;               /* cgsupd's words: success, exit-code, signal, oom-kill, ... */
        int exit_code;                    /* -1: none (it did not exit by itself) */
        int exit_signal;                  /* 0: none */
        const char *exit_detail;          /* NULL or "" for none */
        int exit_status;                  /* what cgsupctl exits with: the code, 128+signal, ... */
        pid_t main_pid;                   /* 0: not known */
        uint64_t wall_usec, cpu_usage_nsec, memory_peak, pids_peak, oom_kills; /* UINT64_MAX: not known */
        const char *cpu_source;           /* "cgroup" (the whole tree) or "rusage" (main process); NULL */
        const char *memory_peak_source;   /* "cgroup" or "rusage-main-process"; NULL */
        const char *cgroup;               /* path below the cgroup2 mount, without the leading '/'; NULL */
        int cgroup_removed;               /* -1: not known */
        uint64_t leftover_processes_killed; /* UINT64_MAX: not known */
        char **command;                   /* NULL: not known */
        const CgsupLimits *limits;        /* NULL: not known */
} RunReport;

#define RUN_REPORT_INIT                                                                                         \
        ((RunReport) {                                                                                          \
                .exit_code = -1,                                                                                \
                .wall_usec = UINT64_MAX,                                                                        \
                .cpu_usage_nsec = UINT64_MAX,                                                                   \
                .memory_peak = UINT64_MAX,                                                                      \
                .pids_peak = UINT64_MAX,                                                                        \
                .oom_kills = UINT64_MAX,                                                                        \
                .cgroup_removed = -1,                                                                           \
                .leftover_processes_killed = UINT64_MAX,                                                        \
        })

/* The exit status for @result/@exit_code/@exit_signal: 0 for success, the code, 128+N for signal N, else 1. */
int run_report_exit_status(const char *result, int exit_code, int exit_signal);
/* systemd-run's words on stderr: "Finished with result: ...", then what is known. */
void run_report_print(const RunReport *r);
/* One JSON document on stdout (json_print). Returns 0 or -errno. */
int run_report_print_json(const RunReport *r);
