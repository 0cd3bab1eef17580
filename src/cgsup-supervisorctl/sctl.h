/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * cgsup-supervisorctl: supervisorctl 4.2.5's command line, shell, output and exit statuses, in front of
 * cgsupd's D-Bus API. Everything a script parses (status lines, "name: started", "ERROR (...)" lines, exit
 * statuses) is written the way supervisor/supervisorctl.py writes it; where cgsupd cannot do what
 * supervisord does, the stdout line keeps supervisorctl's shape and a note on stderr says why.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "cgsup/bus-names.h"

/* cgsupd answers a start/stop job that failed with it (daemons that wait for the job's outcome). */
#ifndef CGSUP_ERROR_JOB_FAILED
#define CGSUP_ERROR_JOB_FAILED "org.cgsup1.Error.JobFailed"
#endif

/* The most bytes GetProgramOutput() returns per call (org.cgsup1.Manager.xml). */
#define SCTL_OUTPUT_MAX (1024U * 1024U)

/* supervisorctl's exit statuses (LSBInitExitStatuses / LSBStatusExitStatuses in supervisorctl.py). */
#define SCTL_EXIT_GENERIC 1
#define SCTL_EXIT_INVALID_ARGS 2
#define SCTL_EXIT_STATUS_NOT_RUNNING 3  /* status: some process is not running */
#define SCTL_EXIT_STATUS_UNKNOWN 4      /* status: no such process, or the daemon is unreachable */
#define SCTL_EXIT_NOT_RUNNING 7         /* start/signal/pid: the process is (or ended up) not running */

/* The outcome of one action on one process: supervisor's xmlrpc Faults that supervisorctl tells apart. */
typedef enum Fault {
        FAULT_SUCCESS,
        FAULT_BAD_NAME,
        FAULT_BAD_SIGNAL,
        FAULT_NO_FILE,
        FAULT_NOT_EXECUTABLE,
        FAULT_FAILED,
        FAULT_ABNORMAL_TERMINATION,
        FAULT_SPAWN_ERROR,
        FAULT_ALREADY_STARTED,
        FAULT_NOT_RUNNING,
        _FAULT_MAX,
} Fault;

/* One program instance as ListPrograms() reports it (strings owned). */
typedef struct Proc {
        char *name, *group, *state, *exit_reason, *exit_detail;
        int32_t exit_code, exit_signal;
        uint32_t main_pid, survivors;
        uint64_t active_enter_ts;
} Proc;

typedef struct Ctl {
        sd_bus *bus;          /* connected on first use */
        bool user;            /* --user: the session bus */
        bool interactive;     /* the shell (asks before reload/shutdown) */
        int exitstatus;       /* supervisorctl's: the last status set wins, never reset to 0 */
        Proc *procs;          /* the last ListPrograms(), lexical order (supervisord's getAllProcessInfo) */
        size_t n_procs;
} Ctl;

/* sctl-bus.c */
const char *ctl_where(const Ctl *c);
int ctl_bus(Ctl *c, sd_bus **ret);
/* Print one line naming why cgsupd cannot be reached or what it said; returns -errno. */
int ctl_log_bus_error(Ctl *c, const sd_bus_error *e, int r);
int ctl_manager_call(Ctl *c, const char *member, sd_bus_message **ret_reply, sd_bus_error *reterr,
                     const char *types, ...);
/* The same with one "as" argument. */
int ctl_manager_call_strv(Ctl *c, const char *member, char **strv, sd_bus_message **ret_reply,
                          sd_bus_error *reterr);
/* supervisorctl's upcheck(): the daemon answers. On failure prints the reason and sets exit status 7. */
bool ctl_upcheck(Ctl *c);
/* Re-read ListPrograms() into c->procs, sorted by (group, name). */
int ctl_refresh(Ctl *c);
/* One property of a program / of the manager; type 's' returns a strdup()ed string. The manager variant
 * prints the error. */
int ctl_program_property(Ctl *c, const char *name, const char *property, char type, void *ret);
int ctl_manager_property(Ctl *c, const char *property, char type, void *ret);
void ctl_done(Ctl *c);
Fault fault_from_bus_error(const sd_bus_error *e);

/* sctl-names.c: supervisor's namespecs ("name", "group:name", "group:*"). */
char *make_namespec(const char *group, const char *name);
/* Splits like supervisor.options.split_namespec(): ret_name is NULL for "group:*" / "group:". */
int split_namespec(const char *spec, char **ret_group, char **ret_name);
const Proc *proc_find(const Ctl *c, const char *group, const char *name);
bool proc_in_group(const Proc *p, const char *group);
bool state_is_running(const char *state);      /* supervisor's RUNNING_STATES */
bool state_is_stopped(const char *state);      /* supervisor's STOPPED_STATES */
bool state_is_signallable(const char *state);  /* supervisor's SIGNALLABLE_STATES */
/* The state word supervisorctl prints (cgsupd's UNHEALTHY is still a running process: RUNNING). */
const char *state_word(const char *state);
/* The "description" column of a status line, like supervisor.rpcinterface._interpretProcessInfo().
 * stop_ts_usec is when a STOPPED/EXITED program stopped (0 = never started). */
char *proc_description(const Proc *p, uint64_t now_usec, uint64_t stop_ts_usec);
/* "pid 42, uptime 1 day, 2:03:04" style uptime (Python's str(timedelta)). */
int format_uptime(char *buf, size_t size, uint64_t seconds);
void proc_done(Proc *p);

/* sctl-output.c */
void ctl_output(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ctl_set_exit_from_fault(Ctl *c, Fault f, Fault ignored);
bool ctl_confirm(const char *question);
/* supervisorctl's argument errors: when @bad, print @message (and the help of @help_topic, if any), set
 * @status and return false. */
bool ctl_usage_check(Ctl *c, bool bad, const char *message, int status, const char *help_topic);
/* "Error: VERB accepts no arguments" + the help, when n > 0. */
bool ctl_no_arguments(Ctl *c, size_t n, const char *verb);

/* sctl-jobs.c: start or stop several instances at once and wait for each outcome. */
typedef enum JobKind { JOB_START, JOB_STOP } JobKind;
int ctl_run_jobs(Ctl *c, JobKind kind, const Proc *const *targets, size_t n, Fault *ret_faults);

/* Commands: arg is the rest of the line (split on whitespace like Python's str.split()). */
typedef void (*CommandFunc)(Ctl *c, char **args, size_t n_args, const char *arg);
/* Returns true when the shell should end (quit, exit, EOF). */
bool ctl_onecmd(Ctl *c, const char *line);
void ctl_help(Ctl *c, const char *topic);

void cmd_status(Ctl *c, char **args, size_t n, const char *arg);
void cmd_pid(Ctl *c, char **args, size_t n, const char *arg);
void cmd_avail(Ctl *c, char **args, size_t n, const char *arg);
void cmd_version(Ctl *c, char **args, size_t n, const char *arg);
void cmd_start(Ctl *c, char **args, size_t n, const char *arg);
void cmd_stop(Ctl *c, char **args, size_t n, const char *arg);
void cmd_restart(Ctl *c, char **args, size_t n, const char *arg);
void cmd_signal(Ctl *c, char **args, size_t n, const char *arg);
void cmd_clear(Ctl *c, char **args, size_t n, const char *arg);
void cmd_reread(Ctl *c, char **args, size_t n, const char *arg);
void cmd_update(Ctl *c, char **args, size_t n, const char *arg);
void cmd_add(Ctl *c, char **args, size_t n, const char *arg);
void cmd_remove(Ctl *c, char **args, size_t n, const char *arg);
void cmd_reload(Ctl *c, char **args, size_t n, const char *arg);
void cmd_shutdown(Ctl *c, char **args, size_t n, const char *arg);
void cmd_open(Ctl *c, char **args, size_t n, const char *arg);
void cmd_tail(Ctl *c, char **args, size_t n, const char *arg);
void cmd_maintail(Ctl *c, char **args, size_t n, const char *arg); /* sctl-maintail.c */
void cmd_fg(Ctl *c, char **args, size_t n, const char *arg);

/* sctl-tail.c: following until Ctrl-C. sigint_catch() clears follow_interrupted and makes SIGINT set it (no
 * SA_RESTART: a sleep returns at once); restore @saved afterwards. */
extern volatile sig_atomic_t follow_interrupted;
void sigint_catch(struct sigaction *saved);
/* sctl-bytes.c: supervisorctl's "-BYTES" modifier (tail, maintail) and what supervisord's readFile() makes of
 * it. BYTES is Python's int() of what follows the '-' ("+5", "1_000" and "-5" too), -BYTES within XML-RPC's
 * 32-bit integers; -EINVAL when int() refuses it, -ERANGE when XML-RPC does. */
int parse_bytes_modifier(const char *modifier, int64_t *ret);
/* What supervisorctl prints (and its exit status) for a modifier parse_bytes_modifier() refused with @error. */
void bytes_modifier_refused(Ctl *c, const char *modifier, int error);
/* Where readFile(path, -bytes, 0) starts reading a file of @size bytes: the last @bytes for bytes > 0, the
 * whole file for 0 (its offset -0 is 0), from offset -bytes on for bytes < 0 (@size: nothing). */
uint64_t readfile_start(int64_t bytes, uint64_t size);
/* Copies [from, to) of @fd to stdout (less when the file shrinks meanwhile); 0 or -errno. */
int copy_range(int fd, off_t from, off_t to);
/* readFile(fd's file, -bytes, 0) to stdout, in chunks: the file's size does not matter. 0 or -errno. */
int readfile_copy(int fd, int64_t bytes);

/* sctl-python.c: Python's int() of an ASCII decimal word (sign, digits, single underscores, at most 4300
 * digits): 0, -EINVAL where int() raises ValueError, -ERANGE for a valid int beyond int64_t. */
int python_int(const char *s, int64_t *ret);
/* supervisor.datatypes.signal_number(): a number in SIGNUMS (0..31, SIGRTMIN, SIGRTMAX) or a name of Python's
 * signal module with or without "SIG", any case ("hup", "SIGRTMIN", even "_DFL" = 0); the number, or -EINVAL
 * (supervisord's BAD_SIGNAL). */
int supervisor_signal_number(const char *value);

/* sctl-url.c: -s / serverurl handling. Returns 0 when the URL means "this machine" (ignored: cgsupd is
 * on D-Bus), or prints why not and returns -EINVAL. */
int serverurl_check(const char *url, const char *origin, bool note);
