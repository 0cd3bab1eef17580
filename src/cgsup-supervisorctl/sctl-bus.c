/* SPDX-License-Identifier: MIT */
/*
 * The D-Bus side of cgsup-supervisorctl: one connection per invocation (system bus, or the session bus
 * with --user; sd-bus honours DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS), ListPrograms() in
 * supervisord's lexical order, and cgsupd's errors turned into supervisor's fault codes.
 */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgsup/bus-names.h"
#include "macro.h"
#include "sctl.h"

/* Calls that may wait for a job (start/stop wait for the outcome) or for polkit (a password prompt):
 * supervisorctl itself waits as long as supervisord takes. */
#define CALL_TIMEOUT_USEC (3600 * USEC_PER_SEC)


const char *ctl_where(const Ctl *c) {
        return c->user ? "session bus" : "system bus";
}

int ctl_bus(Ctl *c, sd_bus **ret) {
        int r;

        if (!c->bus) {
                r = c->user ? sd_bus_open_user(&c->bus) : sd_bus_open_system(&c->bus);
                if (r < 0)
                        return r;
                /* polkit may ask for a password only when someone can type it. */
                if (isatty(STDIN_FILENO) > 0)
                        (void) sd_bus_set_allow_interactive_authorization(c->bus, true);
        }
        *ret = c->bus;
        return 0;
}

static bool error_is_unreachable(const sd_bus_error *e, int r) {
        if (e && sd_bus_error_is_set(e))
                return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER) ||
                       (e->name && strneq(e->name, "org.freedesktop.DBus.Error.Spawn.", 33));
        return r == -ECONNREFUSED || r == -ENOENT || r == -ECONNRESET || r == -ENOTCONN;
}

int ctl_log_bus_error(Ctl *c, const sd_bus_error *e, int r) {
        if (error_is_unreachable(e, r))
                /* supervisorctl's "unix:///... no such file" case (exit 7), in words that say where. */
                ctl_output("cgsupd is not running on the %s (%s: %s)", ctl_where(c), CGSUP_BUS_NAME,
                           e && sd_bus_error_is_set(e) ? strna(e->message) : strerror(-r));
        else if (e && sd_bus_error_is_set(e))
                ctl_output("ERROR: %s", strna(e->message));
        else
                ctl_output("ERROR: D-Bus call to cgsupd on the %s failed: %s", ctl_where(c), strerror(-r));
        return r < 0 ? r : -EIO;
}

/* A method call to the manager, to be filled in. */
static int new_manager_call(Ctl *c, const char *member, sd_bus **ret_bus, sd_bus_message **ret) {
        int r;

        r = ctl_bus(c, ret_bus);
        if (r < 0)
                return r;
        return sd_bus_message_new_method_call(*ret_bus, ret, CGSUP_BUS_NAME, CGSUP_BUS_PATH,
                                              CGSUP_BUS_MANAGER_INTERFACE, member);
}

int ctl_manager_call(Ctl *c, const char *member, sd_bus_message **ret_reply, sd_bus_error *reterr,
                     const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus;
        va_list ap;
        int r;

        r = new_manager_call(c, member, &bus, &m);
        if (r < 0)
                return r;
        if (types) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
                if (r < 0)
                        return r;
        }
        return sd_bus_call(bus, m, CALL_TIMEOUT_USEC, reterr, ret_reply);
}

int ctl_manager_call_strv(Ctl *c, const char *member, char **strv, sd_bus_message **ret_reply,
                          sd_bus_error *reterr) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus *bus;
        int r;

        r = new_manager_call(c, member, &bus, &m);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(m, strv);
        if (r < 0)
                return r;
        return sd_bus_call(bus, m, CALL_TIMEOUT_USEC, reterr, ret_reply);
}

static int proc_compare(const void *a, const void *b) {
        const Proc *x = a, *y = b;
        int d = strcmp(x->group, y->group);
        return d != 0 ? d : strcmp(x->name, y->name);
}

static void procs_free(Ctl *c) {
        for (size_t i = 0; i < c->n_procs; i++)
                proc_done(&c->procs[i]);
        free(c->procs);
        c->procs = NULL;
        c->n_procs = 0;
}

/* The fields of a ListPrograms() entry this tool reads: the first ones of CGSUP_LIST_PROGRAMS_ENTRY. Fields
 * appended later are skipped, so a newer daemon still answers an older client. */
#define LIST_ENTRY_PREFIX "ssssiiuottttus"

static int read_entry(sd_bus_message *reply, Proc *p) {
        const char *name, *group, *state, *reason, *path, *detail;
        uint64_t mem, mem_max, cpu;
        int r;

        /* Entering with the contents left open fails (ENXIO) at the end of the array: ask first. */
        r = sd_bus_message_at_end(reply, false);
        if (r != 0)
                return r < 0 ? r : 0;
        r = sd_bus_message_enter_container(reply, 'r', NULL);
        if (r <= 0)
                return r;
        r = sd_bus_message_read(reply, LIST_ENTRY_PREFIX, &name, &group, &state, &reason, &p->exit_code,
                                &p->exit_signal, &p->main_pid, &path, &p->active_enter_ts, &mem, &mem_max, &cpu,
                                &p->survivors, &detail);
        if (r < 0)
                return r;
        while ((r = sd_bus_message_at_end(reply, false)) == 0) {
                r = sd_bus_message_skip(reply, NULL);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(reply);
        if (r < 0)
                return r;
        p->name = strdup(name);
        p->group = strdup(isempty(group) ? name : group);
        p->state = strdup(state);
        p->exit_reason = strdup(reason);
        p->exit_detail = strdup(detail);
        if (!p->name || !p->group || !p->state || !p->exit_reason || !p->exit_detail)
                return -ENOMEM;
        return 1;
}

static int read_entries(sd_bus_message *reply, Proc **ret, size_t *ret_n) {
        Proc *list = NULL;
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(reply, 'a', NULL);
        while (r >= 0) {
                Proc p = {};
                Proc *l;

                r = read_entry(reply, &p);
                if (r <= 0) {
                        proc_done(&p);
                        break;
                }
                l = reallocarray(list, n + 1, sizeof *l);
                if (!l) {
                        proc_done(&p);
                        r = -ENOMEM;
                        break;
                }
                list = l;
                list[n++] = p;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        proc_done(&list[i]);
                free(list);
                return r;
        }
        qsort(list, n, sizeof *list, proc_compare);
        *ret = list;
        *ret_n = n;
        return 0;
}

int ctl_refresh(Ctl *c) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Proc *list;
        size_t n;
        int r;

        r = ctl_manager_call(c, "ListPrograms", &reply, &error, NULL);
        if (r < 0)
                return ctl_log_bus_error(c, &error, r);
        r = read_entries(reply, &list, &n);
        if (r < 0)
                return ctl_log_bus_error(c, NULL, r);
        procs_free(c);
        c->procs = list;
        c->n_procs = n;
        return 0;
}

bool ctl_upcheck(Ctl *c) {
        if (ctl_refresh(c) < 0) {
                c->exitstatus = SCTL_EXIT_NOT_RUNNING;
                return false;
        }
        return true;
}

static int get_property(Ctl *c, const char *path, const char *interface, const char *property, char type,
                        void *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        char sig[2] = { type, 0 };
        sd_bus *bus;
        int r;

        r = ctl_bus(c, &bus);
        if (r < 0)
                return r;
        /* The reply comes back positioned inside the variant. */
        r = sd_bus_get_property(bus, CGSUP_BUS_NAME, path, interface, property, &error, &reply, sig);
        if (r < 0)
                return r;
        if (type == 's') {
                const char *s;
                char *copy;

                r = sd_bus_message_read_basic(reply, 's', &s);
                if (r < 0)
                        return r;
                copy = strdup(s);
                if (!copy)
                        return -ENOMEM;
                *(char **) ret = copy;
                return 0;
        }
        return sd_bus_message_read_basic(reply, type, ret);
}

int ctl_program_property(Ctl *c, const char *name, const char *property, char type, void *ret) {
        _cleanup_free_ char *path = NULL;
        int r;

        assert(name);
        r = sd_bus_path_encode(CGSUP_BUS_PROGRAM_PREFIX, name, &path);
        if (r < 0)
                return r;
        return get_property(c, path, CGSUP_BUS_PROGRAM_INTERFACE, property, type, ret);
}

int ctl_manager_property(Ctl *c, const char *property, char type, void *ret) {
        int r;

        r = get_property(c, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, property, type, ret);
        return r < 0 ? ctl_log_bus_error(c, NULL, r) : 0;
}

Fault fault_from_bus_error(const sd_bus_error *e) {
        if (sd_bus_error_has_name(e, CGSUP_ERROR_NO_SUCH_PROGRAM))
                return FAULT_BAD_NAME;
        if (sd_bus_error_has_name(e, CGSUP_ERROR_ALREADY_STARTED))
                return FAULT_ALREADY_STARTED;
        if (sd_bus_error_has_name(e, CGSUP_ERROR_NOT_RUNNING))
                return FAULT_NOT_RUNNING;
        if (sd_bus_error_has_name(e, CGSUP_ERROR_SPAWN_FAILED)) {
                /* supervisord checks the command before it forks: a missing or non-executable file is
                 * its own fault there. */
                if (e->message && strstr(e->message, strerror(ENOENT)))
                        return FAULT_NO_FILE;
                if (e->message && strstr(e->message, strerror(EACCES)))
                        return FAULT_NOT_EXECUTABLE;
                return FAULT_SPAWN_ERROR;
        }
        if (sd_bus_error_has_names(e, CGSUP_ERROR_JOB_FAILED, CGSUP_ERROR_LIMIT_NOT_ENFORCEABLE))
                return FAULT_SPAWN_ERROR;
        return FAULT_FAILED;
}

void ctl_done(Ctl *c) {
        procs_free(c);
        c->bus = sd_bus_flush_close_unref(c->bus);
}
