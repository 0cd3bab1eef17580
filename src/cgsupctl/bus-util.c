/* SPDX-License-Identifier: MIT */
/*
 * cgsupctl's side of the bus: connecting, calling the manager, and turning failures into one line that
 * says what happened (daemon not running, access denied, or cgsupd's own message, which already names the
 * program and the problem).
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-dict.h"
#include "bus-util.h"
#include "cgsupctl.h"
#include "macro.h"
#include "strv.h"

/* D-Bus calls that may start programs or wait for polkit (a password prompt) need more than the default
 * 25 s. */
#define CALL_TIMEOUT_USEC (120 * USEC_PER_SEC)

const char *bus_where(void) {
        static char buf[300];

        if (arg_host) {
                snprintf(buf, sizeof buf, "%s bus on %s", arg_user ? "session" : "system", arg_host);
                return buf;
        }
        return arg_user ? "session bus" : "system bus";
}

#define PKTTYAGENT "/usr/bin/pkttyagent"

/* The polkit text agent we started for this invocation, so that polkit can ask for a password in this
 * terminal (systemctl does the same). 0 = none. */
static pid_t agent_pid = 0;

static void polkit_agent_close(void) {
        if (agent_pid <= 0)
                return;
        (void) kill(agent_pid, SIGTERM);
        (void) waitpid(agent_pid, NULL, 0);
        agent_pid = 0;
}

static void polkit_agent_open(void) {
        int fds[2];
        pid_t pid;

        if (agent_pid > 0 || geteuid() == 0 || arg_host || access(PKTTYAGENT, X_OK) < 0)
                return;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;

        pid = fork();
        if (pid < 0) {
                safe_close(fds[0]);
                safe_close(fds[1]);
                return;
        }
        if (pid == 0) {
                char notify[16], parent[16];

                /* Only the notify fd is inherited: the agent closes it once it is registered. */
                if (fcntl(fds[1], F_SETFD, 0) < 0)
                        _exit(EXIT_FAILURE);
                snprintf(notify, sizeof notify, "%d", fds[1]);
                snprintf(parent, sizeof parent, "%d", (int) getppid());
                execl(PKTTYAGENT, PKTTYAGENT, "--notify-fd", notify, "--fallback", "--process", parent, (char *) NULL);
                _exit(EXIT_FAILURE);
        }

        safe_close(fds[1]);
        agent_pid = pid;
        (void) atexit(polkit_agent_close);

        /* Wait (bounded) until the agent is registered, or the first call would race it. */
        {
                struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
                (void) poll(&pfd, 1, 10 * 1000);
        }
        safe_close(fds[0]);
}

/* D-Bus address escaping: every byte outside [-0-9A-Za-z_/.\\] as %XX. */
static int address_escape(const char *s, char **ret) {
        char *e = malloc(strlen(s) * 3 + 1), *p = e;

        if (!e)
                return -ENOMEM;
        for (; *s; s++) {
                if (strchr("-_/.\\", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
                    (*s >= 'A' && *s <= 'Z'))
                        *p++ = *s;
                else
                        p += sprintf(p, "%%%02x", (unsigned char) *s);
        }
        *p = 0;
        *ret = e;
        return 0;
}

/*
 * -H HOST --user: libsystemd 252 has sd_bus_open_system_remote() only, so we build the same "unixexec:"
 * address it builds (ssh -xT [-p PORT] -- [USER@]HOST systemd-stdio-bridge), for the user's bus instead.
 * systemd 252's bridge accepts --user but connects to its default, the system bus, anyway (measured in
 * test-cli-remote), so it is given the user bus's path itself: $XDG_RUNTIME_DIR/bus, or /run/user/UID/bus
 * as sd-bus falls back to, expanded on the remote side by sh (quoted once more for the login shell, which
 * may be any shell). HOST may end in ":PORT" as for the system bus.
 */
#define REMOTE_USER_BRIDGE "'exec systemd-stdio-bridge --bus-path=unix:path=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/bus'"
static int bus_open_user_remote(const char *host, sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *h = NULL, *eh = NULL, *ep = NULL, *ec = NULL, *address = NULL;
        const char *colon;
        int r;

        colon = strrchr(host, ':');
        if (colon && strchr(colon, ']') == NULL && colon[1]) {
                h = strndup(host, (size_t) (colon - host));
                r = h ? address_escape(colon + 1, &ep) : -ENOMEM;
        } else {
                h = strdup(host);
                r = h ? 0 : -ENOMEM;
        }
        if (r >= 0)
                r = address_escape(h, &eh);
        if (r >= 0)
                r = address_escape(REMOTE_USER_BRIDGE, &ec);
        if (r < 0)
                return r;
        if (ep)
                r = asprintf(&address, "unixexec:path=ssh,argv1=-xT,argv2=-p,argv3=%s,argv4=--,argv5=%s,"
                             "argv6=sh,argv7=-c,argv8=%s", ep, eh, ec);
        else
                r = asprintf(&address, "unixexec:path=ssh,argv1=-xT,argv2=--,argv3=%s,argv4=sh,argv5=-c,argv6=%s",
                             eh, ec);
        if (r < 0)
                return -ENOMEM;
        r = sd_bus_new(&bus);
        if (r >= 0)
                r = sd_bus_set_address(bus, address);
        if (r >= 0)
                r = sd_bus_set_bus_client(bus, true);
        if (r >= 0)
                r = sd_bus_start(bus);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(bus);
        return 0;
}

int bus_open(sd_bus **ret) {
        if (arg_host && arg_user)
                return bus_open_user_remote(arg_host, ret);
        if (arg_host)
                return sd_bus_open_system_remote(ret, arg_host);
        if (arg_user)
                return sd_bus_open_user(ret);
        return sd_bus_open_system(ret);
}

int bus_connect(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = bus_open(&bus);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot reach cgsupd on the %s: cannot connect to the bus: %s\n",
                        bus_where(), strerror(-r));
                return r;
        }

        /* Let polkit ask for a password only when someone is there to type it, in this terminal. */
        if (isatty(STDIN_FILENO) > 0) {
                (void) sd_bus_set_allow_interactive_authorization(bus, true);
                if (!arg_user)
                        polkit_agent_open();
        }
        *ret = TAKE_PTR(bus);
        return 0;
}

static bool error_is_unreachable(const sd_bus_error *e) {
        return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
               (e->name && strncmp(e->name, "org.freedesktop.DBus.Error.Spawn.", 33) == 0);
}

/* Whether cgsupd answered NoSuchProgram (or NoSuchGroup, for update GROUP) during this invocation: main() then
 * exits 4, like systemctl for a unit that does not exist. */
static bool saw_no_such_program = false;

bool bus_saw_no_such_program(void) {
        return saw_no_such_program;
}

int bus_log_call_error(const sd_bus_error *e, int r) {
        if (e && (sd_bus_error_has_name(e, CGSUP_ERROR_NO_SUCH_PROGRAM) ||
                  sd_bus_error_has_name(e, CGSUP_ERROR_NO_SUCH_GROUP)))
                saw_no_such_program = true;
        if (e && sd_bus_error_is_set(e)) {
                if (error_is_unreachable(e))
                        fprintf(stderr, "cgsupctl: cannot reach cgsupd on the %s (%s is not running): %s\n",
                                bus_where(), CGSUP_BUS_NAME, strna(e->message));
                else if (e->name && strncmp(e->name, "System.Error.", 13) == 0)
                        /* sd-bus' own errno errors: the connection itself failed. */
                        fprintf(stderr, "cgsupctl: cannot reach cgsupd on the %s: %s\n", bus_where(),
                                strna(e->message));
                else if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
                        fprintf(stderr, "cgsupctl: cgsupd on the %s did not answer in time.\n", bus_where());
                else if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED, CGSUP_ERROR_ACCESS_DENIED,
                                                SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED) &&
                         !(e->message && strncasecmp(e->message, "access denied", 13) == 0))
                        fprintf(stderr, "cgsupctl: access denied: %s\n", strna(e->message));
                else
                        fprintf(stderr, "cgsupctl: %s\n", strna(e->message));
                return r < 0 ? r : -EIO;
        }
        if (r == -ECONNRESET || r == -ENOTCONN || r == -ECONNREFUSED || r == -ENOENT)
                fprintf(stderr, "cgsupctl: cannot reach cgsupd on the %s: %s\n", bus_where(), strerror(-r));
        else
                fprintf(stderr, "cgsupctl: D-Bus call to cgsupd failed: %s\n", strerror(-r));
        return r;
}

int manager_new_call(sd_bus *bus, const char *member, sd_bus_message **ret) {
        return sd_bus_message_new_method_call(bus, ret, CGSUP_BUS_NAME, CGSUP_BUS_PATH,
                                              CGSUP_BUS_MANAGER_INTERFACE, member);
}

int bus_call_logged(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = bus_call(bus, m, usec ?: CALL_TIMEOUT_USEC, &error, ret_reply);
        if (r < 0)
                return bus_log_call_error(&error, r);
        return r;
}

int manager_call(sd_bus *bus, const char *member, sd_bus_message **ret_reply, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        r = manager_new_call(bus, member, &m);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return bus_log_call_error(NULL, r);
        }
        return bus_call_logged(bus, m, 0, ret_reply);
}

int program_output_read(sd_bus *bus, const char *name, const char *stream, uint64_t cursor, uint64_t max,
                        sd_bus_message **ret_reply, OutputChunk *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        OutputChunk c = {};
        int r;

        r = manager_call(bus, "GetProgramOutput", &reply, "sstt", name, stream, cursor, max);
        if (r < 0)
                return r;
        r = sd_bus_message_read_array(reply, 'y', &c.data, &c.size);
        if (r >= 0)
                r = sd_bus_message_read(reply, "tt", &c.next_cursor, &c.lost);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        *ret_reply = TAKE_PTR(reply);
        *ret = c;
        return 0;
}

int program_get_path(sd_bus *bus, const char *name, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *path;
        char *s;
        int r;

        r = manager_call(bus, "GetProgram", &reply, "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(reply, "o", &path);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        s = strdup(path);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

void program_info_done(ProgramInfo *i) {
        free(i->name);
        free(i->group);
        free(i->state);
        free(i->exit_reason);
        free(i->exit_detail);
        free(i->cgroup);
        free(i->command_line);
        free(i->type);
        free(i->user);
        free(i->autorestart);
        free(i->stdout_log);
        free(i->stderr_log);
        free(i->source_file);
        free(i->status_text);
        free(i->waiting_for);
        free(i->sub_state);
        free(i->readiness_check);
        free(i->liveness_check);
        free(i->description);
        strv_free(i->command);
        *i = (ProgramInfo) {};
}

static int read_property(sd_bus_message *m, const char *key, void *userdata) {
        ProgramInfo *i = userdata;
        static const struct {
                const char *key;
                char type;
                size_t offset;
        } table[] = {
#define P(k, t, f) { k, t, offsetof(ProgramInfo, f) }
                P("Name", 's', name), P("Group", 's', group), P("State", 's', state),
                P("ExitReason", 's', exit_reason), P("ExitDetail", 's', exit_detail), P("CGroup", 's', cgroup),
                P("CommandLine", 's', command_line), P("Type", 's', type), P("User", 's', user),
                P("Autorestart", 's', autorestart), P("StdoutLogfile", 's', stdout_log),
                P("StderrLogfile", 's', stderr_log), P("SourceFile", 's', source_file),
                P("StatusText", 's', status_text), P("WaitingFor", 's', waiting_for),
                P("SubState", 's', sub_state), P("ReadinessCheck", 's', readiness_check),
                P("LivenessCheck", 's', liveness_check), P("HealthFailures", 'u', health_failures),
                P("Ready", 'b', ready), P("Description", 's', description),
                P("MainPID", 'u', main_pid), P("Restarts", 'u', restarts), P("Survivors", 'u', survivors),
                P("ExitCode", 'i', exit_code), P("ExitSignal", 'i', exit_signal), P("Priority", 'i', priority),
                P("Healthy", 'b', healthy), P("Frozen", 'b', frozen), P("Transient", 'b', transient),
                P("Autostart", 'b', autostart), P("StateChangeTimestamp", 't', state_change_ts),
                P("ActiveEnterTimestamp", 't', active_enter_ts), P("UptimeUSec", 't', uptime_usec),
                P("MemoryCurrent", 't', memory_current), P("MemoryPeak", 't', memory_peak),
                P("MemoryMax", 't', memory_max), P("MemoryHigh", 't', memory_high),
                P("MemorySwapMax", 't', memory_swap_max), P("MemorySwapCurrent", 't', memory_swap_current),
                P("TasksCurrent", 't', tasks_current), P("TasksMax", 't', tasks_max),
                P("CPUUsageNSec", 't', cpu_usage_nsec), P("CPUQuota", 't', cpu_quota),
                P("CPUWeight", 't', cpu_weight), P("IOWeight", 't', io_weight), P("OOMKills", 't', oom_kills),
                P("IOReadBytes", 't', io_read_bytes), P("IOWriteBytes", 't', io_write_bytes),
#undef P
        };
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r < 0)
                return r;

        if (streq(key, "Command") && streq(contents, "as")) {
                r = sd_bus_message_enter_container(m, 'v', "as");
                if (r < 0)
                        return r;
                strv_free(i->command);
                i->command = NULL;
                r = sd_bus_message_read_strv(m, &i->command);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m);
        }

        for (size_t k = 0; k < ELEMENTSOF(table); k++) {
                void *field = (uint8_t *) i + table[k].offset;
                char sig[2] = { table[k].type, 0 };

                if (!streq(table[k].key, key))
                        continue;
                if (!streq(contents, sig))
                        break; /* an unexpected type: skip it rather than fail */

                if (table[k].type == 's') {
                        const char *s;
                        r = sd_bus_message_read(m, "v", "s", &s);
                        if (r < 0)
                                return r;
                        free(*(char **) field);
                        *(char **) field = strdup(s);
                        return *(char **) field ? 0 : -ENOMEM;
                }
                return sd_bus_message_read(m, "v", sig, field);
        }
        return sd_bus_message_skip(m, "v");
}

int program_info_get(sd_bus *bus, const char *path, ProgramInfo *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        ProgramInfo i = {
                .exit_code = -1,
                .memory_current = UINT64_MAX, .memory_peak = UINT64_MAX, .memory_max = UINT64_MAX,
                .memory_high = UINT64_MAX, .memory_swap_max = UINT64_MAX, .memory_swap_current = UINT64_MAX,
                .tasks_current = UINT64_MAX, .tasks_max = UINT64_MAX, .cpu_usage_nsec = UINT64_MAX,
                .cpu_quota = UINT64_MAX, .cpu_weight = UINT64_MAX, .io_weight = UINT64_MAX,
                .oom_kills = UINT64_MAX, .io_read_bytes = UINT64_MAX, .io_write_bytes = UINT64_MAX,
        };
        int r;

        r = bus_call_method(bus, CGSUP_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error,
                               &reply, "s", CGSUP_BUS_PROGRAM_INTERFACE);
        if (r < 0)
                return bus_log_call_error(&error, r);

        r = bus_message_read_dict(reply, read_property, &i);
        if (r < 0)
                goto fail;
        *ret = i;
        return 0;
fail:
        program_info_done(&i);
        return bus_log_call_error(NULL, r);
}

int list_programs(sd_bus *bus, sd_bus_message **ret_reply, ListEntry **ret, size_t *ret_n) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        size_t n = 0, alloc = 0;
        int r;

        r = manager_call(bus, "ListPrograms", &reply, NULL);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', CGSUP_LIST_PROGRAMS_ENTRY);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        for (;;) {
                ListEntry e = {};

                r = sd_bus_message_read(reply, CGSUP_LIST_PROGRAMS_ENTRY, &e.name, &e.group, &e.state,
                                        &e.exit_reason, &e.exit_code, &e.exit_signal, &e.main_pid, &e.path,
                                        &e.active_enter_ts, &e.memory_current, &e.memory_max, &e.cpu_usage_nsec,
                                        &e.survivors, &e.exit_detail, &e.sub_state);
                if (r < 0)
                        return bus_log_call_error(NULL, r);
                if (r == 0)
                        break;
                /* A live generation has no exit yet: what cgsupd still holds is the previous run's. */
                if (state_is_live(e.state)) {
                        e.exit_reason = e.exit_detail = "";
                        e.exit_code = e.exit_signal = -1;
                        e.survivors = 0;
                }
                if (n >= alloc) {
                        ListEntry *l;
                        alloc = MAX(alloc * 2, (size_t) 16);
                        l = reallocarray(list, alloc, sizeof *l);
                        if (!l)
                                return -ENOMEM;
                        list = l;
                }
                list[n++] = e;
        }
        *ret_reply = TAKE_PTR(reply);
        *ret = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}

int program_own_name(sd_bus *bus, const char *spec, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        const char *found = NULL;
        size_t n = 0;
        int r;

        assert(bus);
        assert(spec);
        assert(ret);

        r = list_programs(bus, &reply, &list, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (!list_entry_matches(&list[i], spec))
                        continue;
                if (found)
                        return -ENOTUNIQ;
                found = list[i].name;
        }
        if (!found)
                return -ENOENT;
        *ret = strdup(found);
        return *ret ? 0 : -ENOMEM;
}

int connect_and_list_programs(sd_bus **ret_bus, sd_bus_message **ret_reply, ListEntry **ret, size_t *ret_n) {
        int r;

        r = bus_connect(ret_bus);
        if (r < 0)
                return r;
        return list_programs(*ret_bus, ret_reply, ret, ret_n);
}

bool list_entry_matches(const ListEntry *e, const char *spec) {
        const char *colon;

        if (streq(spec, "all") || streq(spec, e->name))
                return true;
        colon = strchr(spec, ':');
        if (!colon)
                return streq(spec, e->group); /* a bare group name means the whole group */
        if (strlen(e->group) != (size_t) (colon - spec) || strncmp(spec, e->group, colon - spec) != 0)
                return false;
        return streq(colon + 1, "*") || streq(colon + 1, e->name);
}

bool state_is_running(const char *state) {
        return streq(state, "RUNNING");
}

bool state_is_live(const char *state) {
        return streq(state, "RUNNING") || streq(state, "STARTING") || streq(state, "UNHEALTHY");
}

bool state_is_failed(const char *state, const char *exit_reason, int32_t exit_code) {
        if (streq(state, "FATAL") || streq(state, "BACKOFF") || streq(state, "UNHEALTHY"))
                return true;
        /* EXITED is a failure unless the program ended by itself with status 0. */
        return streq(state, "EXITED") &&
               !((streq(exit_reason, "exit-code") || streq(exit_reason, "exited") || streq(exit_reason, "success")) &&
                 exit_code == 0);
}

static uint64_t clock_now_usec(clockid_t id) {
        struct timespec ts;
        (void) clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / NSEC_PER_USEC;
}

uint64_t now_realtime_usec(void) {
        return clock_now_usec(CLOCK_REALTIME);
}

uint64_t now_monotonic_usec(void) {
        return clock_now_usec(CLOCK_MONOTONIC);
}

int list_select(const ListEntry *list, size_t n, char **names, size_t n_names, SelectOrder how, size_t **ret_order,
                size_t *ret_n, bool *ret_unknown) {
        _cleanup_free_ size_t *order = calloc(MAX(n, (size_t) 1), sizeof(size_t));
        _cleanup_free_ bool *taken = calloc(MAX(n, (size_t) 1), sizeof(bool));
        bool unknown = false;
        size_t k = 0;

        if (!order || !taken)
                return -ENOMEM;
        /* Without names one pass takes every entry. */
        for (size_t a = 0; a < MAX(n_names, (size_t) 1); a++) {
                const char *spec = n_names > 0 ? names[a] : NULL;
                bool found = false;

                for (size_t i = 0; i < n; i++) {
                        if (spec && !list_entry_matches(&list[i], spec))
                                continue;
                        found = true;
                        if (!taken[i]) {
                                taken[i] = true;
                                order[k++] = i;
                        }
                }
                if (spec && !found) {
                        fprintf(stderr, "cgsupctl: No such program: '%s'\n", spec);
                        unknown = true;
                }
        }
        if (how == SELECT_LIST_ORDER) {
                k = 0;
                for (size_t i = 0; i < n; i++)
                        if (taken[i])
                                order[k++] = i;
        }
        *ret_order = TAKE_PTR(order);
        *ret_n = k;
        *ret_unknown = unknown;
        return 0;
}
