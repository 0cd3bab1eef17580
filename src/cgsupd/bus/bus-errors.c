/* SPDX-License-Identifier: MIT */
/*
 * errno + what we were doing → org.cgsup1.Error.*. The same errno means different things depending on the
 * operation (ENOENT while resolving a name is "no such program", while spawning it is "command not
 * found"), so the mapping takes the operation too. Messages always name the program and the problem; the
 * kernel's strerror() text only ever appears as the last part of a message that already says what failed.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus-internal.h"
#include "macro.h"

static const char *const bus_op_table[_BUS_OP_MAX] = {
        [BUS_OP_LOOKUP] = "look up",
        [BUS_OP_START] = "start",
        [BUS_OP_STOP] = "stop",
        [BUS_OP_RESTART] = "restart",
        [BUS_OP_KILL] = "signal",
        [BUS_OP_FREEZE] = "freeze",
        [BUS_OP_THAW] = "thaw",
        [BUS_OP_SET_LIMIT] = "set limits of",
        [BUS_OP_RUN] = "run",
        [BUS_OP_RELOAD] = "reload",
        [BUS_OP_OUTPUT] = "read the output of",
        [BUS_OP_SHUTDOWN] = "shut down",
        [BUS_OP_WRITE_STDIN] = "write to the stdin of",
        [BUS_OP_ROTATE] = "rotate the log files of",
        [BUS_OP_CLEAR_LOGS] = "clear the log files of",
        [BUS_OP_RESET_FAILED] = "reset the failed state of",
        [BUS_OP_ADOPT] = "adopt",
};

const char *bus_op_to_string(BusOp op) {
        if (op < 0 || op >= _BUS_OP_MAX)
                return NULL;
        return bus_op_table[op];
}

static const sd_bus_error_map cgsup_error_map[] = {
        SD_BUS_ERROR_MAP(CGSUP_ERROR_NO_SUCH_PROGRAM, ENOENT),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_INVALID_ARGUMENT, EINVAL),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE, EOPNOTSUPP),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_ALREADY_STARTED, EALREADY),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_NOT_RUNNING, ESRCH),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_SPAWN_FAILED, ENOEXEC),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_BAD_CONFIG, EBADMSG),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_ACCESS_DENIED, EACCES),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_SHUTTING_DOWN, ESHUTDOWN),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_TOO_MANY, EUSERS),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_FAILED, EIO),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_JOB_FAILED, EREMOTEIO),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_STDIN_FULL, EAGAIN),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_STDIN_CLOSED, EPIPE),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_CANNOT_ADOPT, EBUSY),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_NO_SUCH_GROUP, ENOENT),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_GROUP_ACTIVE, EEXIST),
        SD_BUS_ERROR_MAP(CGSUP_ERROR_STILL_RUNNING, EBUSY),
        SD_BUS_ERROR_MAP_END,
};

int bus_errors_register(void) {
        int r = sd_bus_error_add_map(cgsup_error_map);
        return r < 0 ? r : 0;
}

static bool op_spawns(BusOp op) {
        return op == BUS_OP_START || op == BUS_OP_RESTART || op == BUS_OP_RUN;
}

const char *bus_error_name_for(int r, BusOp op) {
        int e = r < 0 ? -r : r;

        if (op == BUS_OP_ADOPT && e == EBUSY)
                return CGSUP_ERROR_CANNOT_ADOPT;
        if (op == BUS_OP_ADOPT && (e == ESRCH || e == EEXIST))
                return CGSUP_ERROR_INVALID_ARGUMENT;
        if (op == BUS_OP_WRITE_STDIN && e == EAGAIN)
                return CGSUP_ERROR_STDIN_FULL;
        if (op == BUS_OP_WRITE_STDIN && (e == EPIPE || e == ENOTCONN))
                return CGSUP_ERROR_STDIN_CLOSED;
        switch (e) {
        case ENOENT:
                if (op == BUS_OP_LOOKUP || op == BUS_OP_OUTPUT)
                        return CGSUP_ERROR_NO_SUCH_PROGRAM;
                if (op_spawns(op))
                        return CGSUP_ERROR_SPAWN_FAILED;
                if (op == BUS_OP_SET_LIMIT)
                        return CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE;
                if (op == BUS_OP_RELOAD)
                        return CGSUP_ERROR_BAD_CONFIG;
                return CGSUP_ERROR_NOT_RUNNING;
        case EALREADY:
        case EEXIST:
                if (op_spawns(op))
                        return CGSUP_ERROR_ALREADY_STARTED;
                if (op == BUS_OP_RELOAD || op == BUS_OP_SHUTDOWN)
                        return CGSUP_ERROR_FAILED;
                return CGSUP_ERROR_NOT_RUNNING;
        case ESRCH:
                return CGSUP_ERROR_NOT_RUNNING;
        case EINVAL:
        case EBADMSG:
                if (op == BUS_OP_RELOAD)
                        return CGSUP_ERROR_BAD_CONFIG;
                return CGSUP_ERROR_INVALID_ARGUMENT;
        case ERANGE:
                if (op == BUS_OP_SET_LIMIT)
                        return CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE;
                return CGSUP_ERROR_INVALID_ARGUMENT;
        case E2BIG:
        case EMSGSIZE:
        case ENAMETOOLONG:
        case EDOM:
                return CGSUP_ERROR_INVALID_ARGUMENT;
        case EOPNOTSUPP:
                return CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE;
        case EACCES:
        case EPERM:
                if (op == BUS_OP_SET_LIMIT)
                        return CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE;
                if (op_spawns(op))
                        return CGSUP_ERROR_SPAWN_FAILED;
                return CGSUP_ERROR_ACCESS_DENIED;
        case EUSERS:
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case EDQUOT:
                return CGSUP_ERROR_TOO_MANY;
        case EAGAIN:
                if (op_spawns(op))
                        return CGSUP_ERROR_TOO_MANY;
                return CGSUP_ERROR_FAILED;
        case ESHUTDOWN:
                return CGSUP_ERROR_SHUTTING_DOWN;
        case ENOEXEC:
        case ECHILD:
        case ETXTBSY:
        case ELIBBAD:
                return CGSUP_ERROR_SPAWN_FAILED;
        case ENOMEM:
                return SD_BUS_ERROR_NO_MEMORY;
        default:
                return op_spawns(op) ? CGSUP_ERROR_SPAWN_FAILED : CGSUP_ERROR_FAILED;
        }
}

/* A description of @e that says what it means for @op, for when the caller has no better detail. */
static const char *problem_for(int e, BusOp op) {
        if (op == BUS_OP_WRITE_STDIN)
                switch (e) {
                case EAGAIN:
                        return "its stdin pipe is full (the program is not reading its input); nothing was written";
                case EPIPE:
                        return "its stdin is closed (the program closed it, or it was not taken back after a "
                               "restart of cgsupd)";
                case ENOTCONN:
                        return "it has no stdin pipe (stdin = null, or a transient run)";
                case EMSGSIZE:
                        return "too much data at once";
                default:
                        break;
                }
        switch (e) {
        case ENOENT:
                if (op_spawns(op))
                        return "command or working directory not found";
                if (op == BUS_OP_SET_LIMIT)
                        return "the program's cgroup does not exist";
                if (op == BUS_OP_RELOAD)
                        return "configuration file not found";
                return "not running";
        case EOPNOTSUPP:
                return "the needed cgroup controller is not available to cgsupd (not enabled or not delegated)";
        case EACCES:
        case EPERM:
                if (op == BUS_OP_SET_LIMIT)
                        return "the cgroup is not delegated to cgsupd (permission denied)";
                if (op_spawns(op))
                        return "permission denied (command not executable, or user switch refused)";
                return "permission denied";
        case ERANGE:
                return "value out of range for the kernel";
        case EUSERS:
        case ENOBUFS:
                return "limit of concurrent requests reached";
        case EMFILE:
        case ENFILE:
                return "out of file descriptors";
        case EAGAIN:
                return "resource temporarily exhausted (process limit reached?)";
        case EBUSY:
                return "busy (a state change is in progress)";
        case ENOSYS:
                return "not supported by this kernel";
        case ENOEXEC:
                return "not an executable format";
        case ESHUTDOWN:
                return "cgsupd is shutting down";
        case ENODATA:
                if (op == BUS_OP_ROTATE)
                        return "it has no log file to rotate (not started since cgsupd started, or its "
                               "*_logfile is NONE, syslog or a stream such as /dev/stdout)";
                return NULL;
        default:
                return NULL;
        }
}

int bus_error_set_errno(sd_bus_error *error, int r, BusOp op, const char *program, const char *detail) {
        int e = r < 0 ? -r : r;
        const char *name, *verb, *what;
        char buf[256];

        if (e == 0)
                e = EIO;
        name = bus_error_name_for(-e, op);
        verb = bus_op_to_string(op) ?: "handle";
        what = detail;
        if (!what) {
                what = problem_for(e, op);
                if (!what) {
                        /* Last resort: say what failed, then the kernel's word for it with its name, so the
                         * message is never just "Invalid argument". */
                        snprintf(buf, sizeof buf, "%s (%s)", strerror(e), strerrorname_np(e) ?: "?");
                        what = buf;
                }
        }

        if (streq(name, CGSUP_ERROR_NO_SUCH_PROGRAM))
                sd_bus_error_setf(error, name, "No such program: '%s'%s%s", strna(program),
                                  detail ? ": " : "", strempty(detail));
        else if (streq(name, CGSUP_ERROR_ALREADY_STARTED))
                sd_bus_error_setf(error, name, "Program '%s' is already started", strna(program));
        else if (streq(name, CGSUP_ERROR_NOT_RUNNING))
                sd_bus_error_setf(error, name, "Cannot %s '%s': the program is not running%s%s", verb,
                                  strna(program), detail ? ": " : "", strempty(detail));
        else if (streq(name, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE))
                sd_bus_error_setf(error, name, "Cannot %s '%s': %s", verb, strna(program), what);
        else if (streq(name, CGSUP_ERROR_BAD_CONFIG))
                sd_bus_error_setf(error, name, "Configuration not applied: %s", what);
        else if (streq(name, CGSUP_ERROR_SHUTTING_DOWN))
                sd_bus_error_setf(error, name, "Cannot %s '%s': cgsupd is shutting down", verb, strna(program));
        else if (program)
                sd_bus_error_setf(error, name, "Cannot %s '%s': %s", verb, program, what);
        else
                sd_bus_error_setf(error, name, "Cannot %s: %s", verb, what);

        return -e;
}
