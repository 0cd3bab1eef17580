/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

/* D-Bus names and polkit action ids shared by cgsupd, cgsupctl and the tests. The API itself is
 * documented in dbus/org.cgsup1.Manager.xml and dbus/org.cgsup1.Program.xml. */

#define CGSUP_BUS_NAME "org.cgsup1"
#define CGSUP_BUS_PATH "/org/cgsup1"
#define CGSUP_BUS_PROGRAM_PREFIX "/org/cgsup1/program"
#define CGSUP_BUS_MANAGER_INTERFACE "org.cgsup1.Manager"
#define CGSUP_BUS_PROGRAM_INTERFACE "org.cgsup1.Program"

#define CGSUP_ERROR_NO_SUCH_PROGRAM "org.cgsup1.Error.NoSuchProgram"
#define CGSUP_ERROR_INVALID_ARGUMENT "org.cgsup1.Error.InvalidArgument"
#define CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE "org.cgsup1.Error.LimitNotEnforceable"
#define CGSUP_ERROR_ALREADY_STARTED "org.cgsup1.Error.AlreadyStarted"
#define CGSUP_ERROR_NOT_RUNNING "org.cgsup1.Error.NotRunning"
#define CGSUP_ERROR_SPAWN_FAILED "org.cgsup1.Error.SpawnFailed"
#define CGSUP_ERROR_BAD_CONFIG "org.cgsup1.Error.BadConfig"
#define CGSUP_ERROR_ACCESS_DENIED "org.cgsup1.Error.AccessDenied"
#define CGSUP_ERROR_SHUTTING_DOWN "org.cgsup1.Error.ShuttingDown"
#define CGSUP_ERROR_TOO_MANY "org.cgsup1.Error.TooMany"
/* Anything else (an unexpected kernel or internal failure); the message names the program and step. */
#define CGSUP_ERROR_FAILED "org.cgsup1.Error.Failed"
/* A start/stop/restart job ended without reaching its goal; the message has one line per program. */
#define CGSUP_ERROR_JOB_FAILED "org.cgsup1.Error.JobFailed"
/* WriteProgramStdin: the pipe has no room for the data now (nothing was written; retry later). */
#define CGSUP_ERROR_STDIN_FULL "org.cgsup1.Error.StdinFull"
/* WriteProgramStdin: the program closed its stdin, or has none (stdin = null). */
#define CGSUP_ERROR_STDIN_CLOSED "org.cgsup1.Error.StdinClosed"
/* AdoptProcess: the process's cgroup is not cgsupd's to take it from (another program's, another systemd
 * unit's, outside cgsupd's delegation); the message says which. */
#define CGSUP_ERROR_CANNOT_ADOPT "org.cgsup1.Error.CannotAdopt"
/* UpdateGroups, AddGroup, RemoveGroup: no group of that name runs, nor (update, add) is in the configuration
 * file as read. */
#define CGSUP_ERROR_NO_SUCH_GROUP "org.cgsup1.Error.NoSuchGroup"
/* AddGroup: the group runs already (supervisord's ALREADY_ADDED). */
#define CGSUP_ERROR_GROUP_ACTIVE "org.cgsup1.Error.GroupActive"
/* RemoveGroup: a program of the group is running, starting, stopping or in backoff (supervisord's
 * STILL_RUNNING); the message names it. */
#define CGSUP_ERROR_STILL_RUNNING "org.cgsup1.Error.StillRunning"

/* Manager signals. */
#define CGSUP_SIGNAL_PROGRAM_STATE_CHANGED "ProgramStateChanged"
#define CGSUP_SIGNAL_PROGRAM_ADDED "ProgramAdded"
#define CGSUP_SIGNAL_PROGRAM_REMOVED "ProgramRemoved"
#define CGSUP_SIGNAL_TRANSIENT_FINISHED "TransientFinished"
#define CGSUP_SIGNAL_JOB_REMOVED "JobRemoved"

/* Flags of RestartProgramWithFlags() / EnqueueJobsWithFlags() (verb "restart") and ShutdownWithFlags(). */
#define CGSUP_RESTART_FORCE (UINT64_C(1) << 0) /* cgroup.kill at once: no stop signal, no stopwaitsecs */
#define CGSUP_SHUTDOWN_NOW (UINT64_C(1) << 0)  /* cgroup.kill every program at once, then exit */

/* Element type of ListPrograms()' array, field by field (see org.cgsup1.Manager.xml). */
#define CGSUP_LIST_PROGRAMS_ENTRY "(ssssiiuottttuss)"

#define CGSUP_POLKIT_ACTION_MANAGE "org.cgsup1.manage"
#define CGSUP_POLKIT_ACTION_RUN "org.cgsup1.run"
#define CGSUP_POLKIT_ACTION_RELOAD "org.cgsup1.reload"
