/* SPDX-License-Identifier: MIT */
/*
 * start, stop, restart, signal, clear: supervisorctl's do_start/do_stop/... with their result lines
 * (_startresult, _signalresult, _clearresult) and exit statuses. Which processes a group or "all" acts on
 * follows supervisord's predicates (isNotRunning for start, isRunning for stop, isSignallable for signal),
 * checked against the state list read just before.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgsup/bus-names.h"
#include "macro.h"
#include "sctl.h"

typedef enum Action { ACTION_START, ACTION_STOP, ACTION_SIGNAL, ACTION_CLEAR } Action;

static const char *fault_text(Fault f) {
        static const char *const text[_FAULT_MAX] = {
                [FAULT_BAD_NAME] = "no such process",
                [FAULT_BAD_SIGNAL] = "bad signal name",
                [FAULT_NO_FILE] = "no such file",
                [FAULT_NOT_EXECUTABLE] = "file is not executable",
                [FAULT_FAILED] = "failed",
                [FAULT_ABNORMAL_TERMINATION] = "abnormal termination",
                [FAULT_SPAWN_ERROR] = "spawn error",
                [FAULT_ALREADY_STARTED] = "already started",
                [FAULT_NOT_RUNNING] = "not running",
        };
        return text[f];
}

static const char *success_word(Action a) {
        switch (a) {
        case ACTION_START:
                return "started";
        case ACTION_STOP:
                return "stopped";
        case ACTION_SIGNAL:
                return "signalled";
        default:
                return "cleared";
        }
}

/* The exit status a fault leaves, per command: start ignores "already started", stop "not running". */
static Fault ignored_fault(Action a) {
        return a == ACTION_START ? FAULT_ALREADY_STARTED : a == ACTION_STOP ? FAULT_NOT_RUNNING : FAULT_SUCCESS;
}

static void print_result(Ctl *c, Action a, const char *group, const char *name, Fault f) {
        _cleanup_free_ char *spec = make_namespec(group, name);

        if (!spec)
                return;
        if (f == FAULT_SUCCESS)
                ctl_output("%s: %s", spec, success_word(a));
        else
                ctl_output("%s: ERROR (%s)", spec, fault_text(f));
        ctl_set_exit_from_fault(c, f, ignored_fault(a));
}

static bool action_applies(Action a, const Proc *p) {
        switch (a) {
        case ACTION_START:
                return !state_is_running(p->state);
        case ACTION_STOP:
                /* EXITED with survivors: cgsupd still holds processes that a stop ends. */
                return state_is_running(p->state) || (streq(p->state, "EXITED") && p->survivors > 0);
        case ACTION_SIGNAL:
                return state_is_signallable(p->state);
        default:
                return true;
        }
}

/* Why a process the action does not apply to is refused when named on its own. */
static Fault refusal(Action a) {
        return a == ACTION_START ? FAULT_ALREADY_STARTED : FAULT_NOT_RUNNING;
}

/* KillProgram (signal @signo) or ClearLogs (clear) for one process. */
static int call_one(Ctl *c, Action a, const Proc *p, int signo, Fault *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        char number[16];
        int r;

        if (a == ACTION_SIGNAL && signo == 0) {
                /* supervisord's kill(pid, 0) only asks whether the process is there, and calls even "no" a
                 * success (it just exited on its own). */
                *ret = FAULT_SUCCESS;
                return 0;
        }
        if (a == ACTION_CLEAR)
                r = ctl_manager_call(c, "ClearLogs", NULL, &error, "s", p->name);
        else {
                /* By number: KillProgram's names are cgsupd's ("RTMIN+1"), the number is what supervisord
                 * would send. */
                (void) snprintf(number, sizeof number, "%d", signo);
                r = ctl_manager_call(c, "KillProgram", NULL, &error, "ss", p->name, number);
        }
        if (r >= 0) {
                *ret = FAULT_SUCCESS;
                return 0;
        }
        if (!sd_bus_error_is_set(&error))
                return ctl_log_bus_error(c, &error, r);
        *ret = sd_bus_error_has_name(&error, CGSUP_ERROR_INVALID_ARGUMENT) ? FAULT_BAD_SIGNAL
                                                                          : fault_from_bus_error(&error);
        return 0;
}

/* Act on every process in @targets (already filtered); prints one result line each, in order. */
static void act(Ctl *c, Action a, const Proc *const *targets, size_t n, const char *sig) {
        _cleanup_free_ Fault *faults = calloc(MAX(n, (size_t) 1), sizeof *faults);

        if (!faults) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (a == ACTION_START || a == ACTION_STOP) {
                /* On a bus failure the jobs without an outcome are FAULT_FAILED, printed below. */
                (void) ctl_run_jobs(c, a == ACTION_START ? JOB_START : JOB_STOP, targets, n, faults);
        } else {
                int signo = a == ACTION_SIGNAL ? supervisor_signal_number(sig) : 0;

                for (size_t i = 0; i < n; i++) {
                        if (signo < 0)
                                faults[i] = FAULT_BAD_SIGNAL;
                        else if (call_one(c, a, targets[i], signo, &faults[i]) < 0)
                                faults[i] = FAULT_FAILED;
                }
        }
        for (size_t i = 0; i < n; i++)
                print_result(c, a, targets[i]->group, targets[i]->name, faults[i]);
}

/* "group:*", "group:" or "all": the group's (or every) process the action applies to. */
static void act_on_group(Ctl *c, Action a, const char *group, const char *sig) {
        _cleanup_free_ const Proc **targets = calloc(MAX(c->n_procs, (size_t) 1), sizeof *targets);
        size_t n = 0;
        bool known = false;

        if (!targets) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        for (size_t i = 0; i < c->n_procs; i++) {
                const Proc *p = &c->procs[i];
                if (group && !proc_in_group(p, group))
                        continue;
                known = true;
                if (action_applies(a, p))
                        targets[n++] = p;
        }
        if (group && !known) {
                ctl_output("%s: ERROR (no such group)", group);
                /* start answers an unknown group with INVALID_ARGS, the others with GENERIC. */
                c->exitstatus = a == ACTION_START ? SCTL_EXIT_INVALID_ARGS : SCTL_EXIT_GENERIC;
                return;
        }
        act(c, a, targets, n, sig);
}

static void act_on_name(Ctl *c, Action a, const char *spec, const char *sig) {
        _cleanup_free_ char *group = NULL, *name = NULL;
        const Proc *p;

        if (split_namespec(spec, &group, &name) < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (!name && a == ACTION_CLEAR) {
                /* clearProcessLogs() takes one process: supervisorctl answers a group with BAD_NAME, named
                 * by make_namespec(group, None). */
                ctl_output("%s:None: ERROR (%s)", group, fault_text(FAULT_BAD_NAME));
                ctl_set_exit_from_fault(c, FAULT_BAD_NAME, FAULT_SUCCESS);
                return;
        }
        if (!name)
                return act_on_group(c, a, group, sig);

        p = proc_find(c, group, name);
        if (!p)
                return print_result(c, a, group, name, FAULT_BAD_NAME);
        /* supervisord checks the signal name before the state. */
        if (a == ACTION_SIGNAL && supervisor_signal_number(sig) < 0)
                return print_result(c, a, group, name, FAULT_BAD_SIGNAL);
        if (!action_applies(a, p))
                return print_result(c, a, group, name, refusal(a));
        act(c, a, &p, 1, sig);
}

/* Whether two namespecs can name the same process ("g:*" and "g:x", "x" and "x"); true when unsure. */
static bool specs_overlap(const char *a, const char *b) {
        _cleanup_free_ char *ga = NULL, *na = NULL, *gb = NULL, *nb = NULL;

        if (split_namespec(a, &ga, &na) < 0 || split_namespec(b, &gb, &nb) < 0)
                return true;
        return streq(ga, gb) && (!na || !nb || streq(na, nb));
}

static bool acted_on_before(char **names, size_t i) {
        for (size_t j = 0; j < i; j++)
                if (specs_overlap(names[j], names[i]))
                        return true;
        return false;
}

static void act_on_names(Ctl *c, Action a, char **names, size_t n, const char *sig) {
        for (size_t i = 0; i < n; i++)
                if (streq(names[i], "all"))
                        return act_on_group(c, a, NULL, sig);
        for (size_t i = 0; i < n; i++) {
                /* Each name sees the states the previous ones left. Only a name an earlier one may have
                 * acted on needs them read again: a ListPrograms per name was quadratic ("stop" of 1,000
                 * names: 10.8 s, 4.4 s of cgsupd CPU; now 4.1 s, 2.2 s). The daemon still answers for a
                 * process whose state moved on meanwhile. */
                if (i > 0 && acted_on_before(names, i) && ctl_refresh(c) < 0) {
                        c->exitstatus = SCTL_EXIT_GENERIC;
                        return;
                }
                act_on_name(c, a, names[i], sig);
        }
}

void cmd_start(Ctl *c, char **args, size_t n, const char *arg) {
        if (!ctl_upcheck(c) ||
            !ctl_usage_check(c, n == 0, "Error: start requires a process name", SCTL_EXIT_INVALID_ARGS, "start"))
                return;
        act_on_names(c, ACTION_START, args, n, NULL);
}

void cmd_stop(Ctl *c, char **args, size_t n, const char *arg) {
        if (!ctl_upcheck(c) ||
            !ctl_usage_check(c, n == 0, "Error: stop requires a process name", SCTL_EXIT_GENERIC, "stop"))
                return;
        act_on_names(c, ACTION_STOP, args, n, NULL);
}

void cmd_restart(Ctl *c, char **args, size_t n, const char *arg) {
        if (!ctl_upcheck(c) ||
            !ctl_usage_check(c, n == 0, "Error: restart requires a process name", SCTL_EXIT_GENERIC, "restart"))
                return;
        /* supervisorctl's restart is its stop followed by its start, output and exit status included. */
        cmd_stop(c, args, n, arg);
        cmd_start(c, args, n, arg);
}

void cmd_signal(Ctl *c, char **args, size_t n, const char *arg) {
        if (!ctl_upcheck(c) || !ctl_usage_check(c, n < 2, "Error: signal requires a signal name and a process name",
                                                 SCTL_EXIT_GENERIC, "signal"))
                return;
        act_on_names(c, ACTION_SIGNAL, args + 1, n - 1, args[0]);
}

void cmd_clear(Ctl *c, char **args, size_t n, const char *arg) {
        if (!ctl_upcheck(c) ||
            !ctl_usage_check(c, n == 0, "Error: clear requires a process name", SCTL_EXIT_GENERIC, "clear"))
                return;
        act_on_names(c, ACTION_CLEAR, args, n, NULL);
}
