/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "cgsup/bus-names.h"

/* Connect to the bus cgsupd lives on (system bus, --user session bus, -H remote host). Prints one line on
 * failure and returns a negative errno. */
int bus_connect(sd_bus **ret);
/* The same bus choice without printing anything or setting up authorization (best-effort callers). */
int bus_open(sd_bus **ret);

/* "system bus", "session bus", "system bus on HOST" */
const char *bus_where(void);

/* Print one clear line for a failed call to cgsupd: unreachable daemon, access denied, or the daemon's
 * own message (which names the program and the problem). Returns -errno. */
int bus_log_call_error(const sd_bus_error *e, int r);

/* sd-bus's calls, traced on stderr with -vv (arg_verbose >= 2): the method called, its arguments'
 * signature, and the reply's signature and time (or the error); each signal a match delivers. Every
 * message cgsupctl exchanges goes through these (bus-trace.c): never call sd-bus's own directly. */
int bus_call(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *error, sd_bus_message **ret_reply);
int bus_call_method(sd_bus *bus, const char *destination, const char *path, const char *interface,
                    const char *member, sd_bus_error *error, sd_bus_message **ret_reply, const char *types, ...);
/* sd_bus_get_property() and friends: Properties.Get through bus_call(). */
int bus_get_property(sd_bus *bus, const char *destination, const char *path, const char *interface,
                     const char *member, sd_bus_error *error, sd_bus_message **ret_reply, const char *type);
/* @type: a number or boolean type (sd_bus_get_property_trivial()). */
int bus_get_property_trivial(sd_bus *bus, const char *destination, const char *path, const char *interface,
                             const char *member, sd_bus_error *error, char type, void *ret);
int bus_get_property_string(sd_bus *bus, const char *destination, const char *path, const char *interface,
                            const char *member, sd_bus_error *error, char **ret);
int bus_get_property_strv(sd_bus *bus, const char *destination, const char *path, const char *interface,
                          const char *member, sd_bus_error *error, char ***ret);
/* sd_bus_call_method_async(), sd_bus_add_match_async(), sd_bus_match_signal_async(): with -vv the reply or
 * each signal is traced before @callback sees it. A match is in place for every call sent after it. A NULL @ret_slot makes the slot floating, as in sd-bus. */
int bus_call_method_async(sd_bus *bus, sd_bus_slot **ret_slot, const char *destination, const char *path,
                          const char *interface, const char *member, sd_bus_message_handler_t callback,
                          void *userdata, const char *types, ...);
int bus_add_match(sd_bus *bus, sd_bus_slot **ret_slot, const char *match, sd_bus_message_handler_t callback,
                  void *userdata);
int bus_match_signal(sd_bus *bus, sd_bus_slot **ret_slot, const char *sender, const char *path,
                     const char *interface, const char *member, sd_bus_message_handler_t callback, void *userdata);

/* Call an org.cgsup1.Manager method; on failure prints the error (bus_log_call_error()) and returns <0. */
int manager_call(sd_bus *bus, const char *member, sd_bus_message **ret_reply, const char *types, ...);
/* Same, with a prepared message (append arguments first). */
int manager_new_call(sd_bus *bus, const char *member, sd_bus_message **ret);
int bus_call_logged(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_message **ret_reply);

/* One GetProgramOutput() call: @stream's bytes after @cursor (borrowed from *ret_reply, which the caller
 * unrefs), the next cursor and the bytes lost before them. Prints the error. */
typedef struct OutputChunk {
        const void *data;
        size_t size;
        uint64_t next_cursor, lost;
} OutputChunk;
int program_output_read(sd_bus *bus, const char *name, const char *stream, uint64_t cursor, uint64_t max,
                        sd_bus_message **ret_reply, OutputChunk *ret);

/* Object path of a program (GetProgram); prints the error. */
int program_get_path(sd_bus *bus, const char *name, char **ret);

/* One program's properties from GetAll. Fields are UINT64_MAX / NULL / -1 when not available. */
typedef struct ProgramInfo {
        char *name, *group, *state, *exit_reason, *exit_detail, *cgroup, *command_line, *type, *user,
                *autorestart, *stdout_log, *stderr_log, *source_file, *status_text, *waiting_for, *sub_state,
                *readiness_check, *liveness_check, *description;
        char **command;
        uint32_t main_pid, restarts, survivors, health_failures;
        int32_t exit_code, exit_signal, priority;
        int healthy, ready, frozen, transient, autostart;
        uint64_t state_change_ts, active_enter_ts, uptime_usec;
        uint64_t memory_current, memory_peak, memory_max, memory_high, memory_swap_max, memory_swap_current;
        uint64_t tasks_current, tasks_max, cpu_usage_nsec, cpu_quota, cpu_weight, io_weight, oom_kills;
        uint64_t io_read_bytes, io_write_bytes;
} ProgramInfo;

void program_info_done(ProgramInfo *i);
int program_info_get(sd_bus *bus, const char *path, ProgramInfo *ret);

/* One entry of ListPrograms(). Strings borrowed from the reply message. */
typedef struct ListEntry {
        const char *name, *group, *state, *exit_reason, *path, *exit_detail, *sub_state;
        int32_t exit_code, exit_signal;
        uint32_t main_pid, survivors;
        uint64_t active_enter_ts, memory_current, memory_max, cpu_usage_nsec;
} ListEntry;

/* Read ListPrograms() into an array (entries borrow from *ret_reply, which the caller unrefs last). */
int list_programs(sd_bus *bus, sd_bus_message **ret_reply, ListEntry **ret, size_t *ret_n);
/* bus_connect() + list_programs(), the start of every verb that shows programs (*ret_bus is set first, for
 * the caller's cleanup). */
int connect_and_list_programs(sd_bus **ret_bus, sd_bus_message **ret_reply, ListEntry **ret, size_t *ret_n);
/* supervisorctl name matching: "name", "group:name", "group:*", "group", "all". */
bool list_entry_matches(const ListEntry *e, const char *spec);
/* The daemon's own name ("web" for "grp:web", as its replies and --json records name programs) of the one
 * program @spec names: -ENOENT if none, -ENOTUNIQ if several. */
int program_own_name(sd_bus *bus, const char *spec, char **ret);
typedef enum SelectOrder {
        SELECT_LIST_ORDER,  /* as ListPrograms() lists them */
        SELECT_NAMES_ORDER, /* in the order of the names given (systemctl status a b shows a, then b) */
} SelectOrder;
/* The entries of @list the names select (all without names), each once, as a malloc'ed array of their
 * indexes in the order @how asks for; a name that matches nothing is said on stderr and makes *ret_unknown
 * true. Returns 0 or -ENOMEM. */
int list_select(const ListEntry *list, size_t n, char **names, size_t n_names, SelectOrder how, size_t **ret_order,
                size_t *ret_n, bool *ret_unknown);
bool state_is_running(const char *state);
/* RUNNING, STARTING, UNHEALTHY: a generation is alive, the exit fields of ListPrograms are the previous
 * run's (list_programs() clears them). */
bool state_is_live(const char *state);
/* FATAL, BACKOFF, UNHEALTHY, or EXITED other than by exit status 0 (is-failed, red in tables). */
bool state_is_failed(const char *state, const char *exit_reason, int32_t exit_code);
/* Whether a call failed with org.cgsup1.Error.NoSuchProgram (exit status 4). */
bool bus_saw_no_such_program(void);

uint64_t now_realtime_usec(void);
uint64_t now_monotonic_usec(void);
