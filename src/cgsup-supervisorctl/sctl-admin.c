/* SPDX-License-Identifier: MIT */
/*
 * reread, update, add, remove, reload, shutdown, open: supervisorctl's configuration and daemon commands.
 *
 * Like supervisord, cgsupd acts on one group at a time when asked: `update GROUP...` is UpdateGroups() (only
 * those groups' part of the pending difference; the rest stays pending), `add GROUP` AddGroup() (from the file
 * as last read), `remove GROUP` RemoveGroup() (out of what runs, even when the file still lists it).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgsup/bus-names.h"
#include "macro.h"
#include "sctl.h"
#include "strv.h"

typedef struct Diff {
        char **added, **changed, **removed; /* group names (supervisord's unit for these commands) */
} Diff;

static void diff_done(Diff *d) {
        strv_free(d->added);
        strv_free(d->changed);
        strv_free(d->removed);
        *d = (Diff) {};
}

/* The programs of the configuration as the last reread read it (ListConfiguredPrograms()): parallel lists
 * of instance and group names. */
typedef struct Configured {
        char **names, **groups;
} Configured;

static void configured_done(Configured *cf) {
        cf->names = strv_free(cf->names);
        cf->groups = strv_free(cf->groups);
}

static int configured_read(Ctl *c, Configured *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(configured_done) Configured cf = {};
        const char *name, *group;
        int in_use, autostart, r;
        int32_t prio, group_prio;

        r = ctl_manager_call(c, "ListConfiguredPrograms", &reply, &error, NULL);
        if (r < 0)
                return ctl_log_bus_error(c, &error, r);
        r = sd_bus_message_enter_container(reply, 'a', "(ssbbii)");
        while (r > 0) {
                r = sd_bus_message_read(reply, "(ssbbii)", &name, &group, &in_use, &autostart, &prio, &group_prio);
                if (r > 0 && (strv_extend(&cf.names, name) < 0 || strv_extend(&cf.groups, group) < 0))
                        r = -ENOMEM;
        }
        if (r < 0)
                return ctl_log_bus_error(c, NULL, r);
        *ret = cf;
        cf = (Configured) {};
        return 0;
}

static bool group_runs(Ctl *c, const char *g) {
        for (size_t i = 0; i < c->n_procs; i++)
                if (streq(c->procs[i].group, g))
                        return true;
        return false;
}

/* The group of instance @name: from what ran before (c->procs), else from the configuration; else itself. */
static const char *group_of(Ctl *c, const Configured *cf, const char *name) {
        size_t k = 0;

        for (size_t i = 0; i < c->n_procs; i++)
                if (streq(c->procs[i].name, name))
                        return c->procs[i].group;
        STRV_FOREACH(n, cf->names) {
                if (streq(*n, name))
                        return cf->groups[k];
                k++;
        }
        return name;
}

static int extend_once(char ***l, const char *s) {
        return strv_contains(*l, s) ? 0 : strv_extend(l, s);
}

/* cgsupd reports instances; supervisorctl reports groups, by supervisord's diff_to_active(): a group that did
 * not run is added, one the configuration no longer lists removed, any other with a change changed. */
static int diff_by_group(Ctl *c, char **lists[3], Diff *ret) {
        _cleanup_(configured_done) Configured cf = {};
        Diff d = {};
        int r;

        r = configured_read(c, &cf);
        if (r < 0)
                return r;
        for (size_t k = 0; k < 3; k++)
                STRV_FOREACH(n, lists[k]) {
                        const char *g = group_of(c, &cf, *n);
                        char ***to = !group_runs(c, g) ? &d.added : !strv_contains(cf.groups, g) ? &d.removed :
                                                                                                   &d.changed;
                        r = extend_once(to, g);
                        if (r < 0) {
                                diff_done(&d);
                                return ctl_log_bus_error(c, NULL, r);
                        }
                }
        *ret = d;
        return 0;
}

static void print_diff_error(Ctl *c, const sd_bus_error *e, int r, const char *shutting_down) {
        c->exitstatus = SCTL_EXIT_GENERIC;
        if (sd_bus_error_has_name(e, CGSUP_ERROR_SHUTTING_DOWN))
                ctl_output("%s", shutting_down);
        else if (sd_bus_error_has_name(e, CGSUP_ERROR_BAD_CONFIG))
                ctl_output("ERROR: %s", strna(e->message));
        else
                (void) ctl_log_bus_error(c, e, r);
}

/* Reread() or Update(); prints supervisorctl's error line and returns <0 on failure. */
static int diff_call(Ctl *c, const char *method, const char *shutting_down, Diff *ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **added = NULL, **changed = NULL, **removed = NULL;
        int r;

        /* The instance -> group map must be read before Update() forgets removed programs. */
        r = ctl_refresh(c);
        if (r < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return r;
        }
        r = ctl_manager_call(c, method, &reply, &error, NULL);
        if (r < 0) {
                print_diff_error(c, &error, r, shutting_down);
                return r;
        }
        r = sd_bus_message_read_strv(reply, &added);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &changed);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &removed);
        if (r < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return ctl_log_bus_error(c, NULL, r);
        }
        r = diff_by_group(c, (char **[3]) { added, changed, removed }, ret);
        if (r < 0)
                c->exitstatus = SCTL_EXIT_GENERIC;
        return r;
}

static bool diff_is_empty(const Diff *d) {
        return strv_length(d->added) + strv_length(d->changed) + strv_length(d->removed) == 0;
}

static int compare_strings(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void cmd_reread(Ctl *c, char **args, size_t n, const char *arg) {
        _cleanup_strv_free_ char **names = NULL;
        Diff d = {};

        if (!ctl_no_arguments(c, n, "reread"))
                return;
        if (diff_call(c, "Reread", "ERROR: supervisor shutting down", &d) < 0)
                return;
        if (diff_is_empty(&d))
                ctl_output("No config updates to processes");
        else {
                /* supervisorctl's _formatChanges(): one line per name, sorted. */
                const char *kinds[] = { "available", "changed", "disappeared" };
                char **lists[] = { d.added, d.changed, d.removed };

                for (size_t k = 0; k < ELEMENTSOF(lists); k++)
                        STRV_FOREACH(g, lists[k])
                                if (!strv_contains(names, *g))
                                        (void) strv_extend(&names, *g);
                qsort(names, strv_length(names), sizeof *names, compare_strings);
                STRV_FOREACH(g, names) {
                        const char *kind = NULL;
                        for (size_t k = 0; k < ELEMENTSOF(lists); k++)
                                if (strv_contains(lists[k], *g))
                                        kind = kinds[k]; /* the later kind wins, as in the Python dict */
                        ctl_output("%s: %s", *g, kind);
                }
        }
        diff_done(&d);
}

static void print_update(const Diff *d) {
        STRV_FOREACH(g, d->removed) {
                ctl_output("%s: stopped", *g);
                ctl_output("%s: removed process group", *g);
        }
        STRV_FOREACH(g, d->changed) {
                ctl_output("%s: stopped", *g);
                ctl_output("%s: updated process group", *g);
        }
        STRV_FOREACH(g, d->added)
                ctl_output("%s: added process group", *g);
}

/* supervisorctl's check of `update GROUP...`: a group must run or be in the file just read; the others get
 * "no such group". Returns the good ones. */
static int known_groups(Ctl *c, char **only, char ***ret) {
        _cleanup_(configured_done) Configured cf = {};
        _cleanup_strv_free_ char **known = NULL;
        int r;

        r = configured_read(c, &cf);
        if (r < 0)
                return r;
        STRV_FOREACH(g, only) {
                if (!strv_contains(cf.groups, *g) && !group_runs(c, *g)) {
                        ctl_output("ERROR: no such group: %s", *g);
                        c->exitstatus = SCTL_EXIT_GENERIC;
                } else if (strv_extend(&known, *g) < 0)
                        return ctl_log_bus_error(c, NULL, -ENOMEM);
        }
        *ret = TAKE_PTR(known);
        return 0;
}

/* UpdateGroups(): the reply is already by group. */
static void update_groups(Ctl *c, char **groups) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Diff d = {};
        int r;

        r = ctl_manager_call_strv(c, "UpdateGroups", groups, &reply, &error);
        if (r < 0) {
                print_diff_error(c, &error, r, "ERROR: already shutting down");
                return;
        }
        r = sd_bus_message_read_strv(reply, &d.added);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &d.changed);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &d.removed);
        if (r < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                (void) ctl_log_bus_error(c, NULL, r);
        } else
                print_update(&d);
        diff_done(&d);
}

void cmd_update(Ctl *c, char **args, size_t n, const char *arg) {
        _cleanup_strv_free_ char **only = NULL, **known = NULL;
        Diff d = {};

        for (size_t i = 0; i < n; i++) {
                if (streq(args[i], "all")) {
                        only = strv_free(only);
                        break;
                }
                if (!strv_contains(only, args[i]) && strv_extend(&only, args[i]) < 0)
                        return;
        }
        if (!only) {
                if (diff_call(c, "Update", "ERROR: already shutting down", &d) >= 0)
                        print_update(&d);
                diff_done(&d);
                return;
        }
        /* supervisorctl rereads first (reloadConfig), then checks the names against what runs and was read. */
        if (diff_call(c, "Reread", "ERROR: already shutting down", &d) < 0)
                return;
        diff_done(&d);
        if (known_groups(c, only, &known) < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (known)
                update_groups(c, known);
}

/* add/remove NAME: AddGroup() / RemoveGroup(), with supervisorctl's words for their refusals. */
static void group_call(Ctl *c, const char *g, bool add) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_manager_call(c, add ? "AddGroup" : "RemoveGroup", NULL, &error, "s", g);
        if (r >= 0)
                ctl_output("%s: %s process group", g, add ? "added" : "removed");
        else if (sd_bus_error_has_name(&error, CGSUP_ERROR_GROUP_ACTIVE))
                ctl_output("ERROR: process group already active"); /* and exit status 0, as supervisorctl */
        else {
                c->exitstatus = SCTL_EXIT_GENERIC;
                if (sd_bus_error_has_name(&error, CGSUP_ERROR_NO_SUCH_GROUP))
                        ctl_output("ERROR: no such process/group: %s", g);
                else if (sd_bus_error_has_name(&error, CGSUP_ERROR_STILL_RUNNING))
                        ctl_output("ERROR: process/group still running: %s", g);
                else if (add && sd_bus_error_has_name(&error, CGSUP_ERROR_SHUTTING_DOWN))
                        ctl_output("ERROR: shutting down");
                else
                        (void) ctl_log_bus_error(c, &error, r);
        }
}

void cmd_add(Ctl *c, char **args, size_t n, const char *arg) {
        for (size_t i = 0; i < n; i++)
                group_call(c, args[i], true);
}

void cmd_remove(Ctl *c, char **args, size_t n, const char *arg) {
        for (size_t i = 0; i < n; i++)
                group_call(c, args[i], false);
}

/* reload and shutdown: no arguments, a question in the shell, one method call. */
static void daemon_call(Ctl *c, size_t n, const char *verb, const char *question, const char *method,
                        const char *done, bool shutting_down_is_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        if (!ctl_no_arguments(c, n, verb))
                return;
        if (c->interactive && !ctl_confirm(question))
                return;
        r = ctl_manager_call(c, method, NULL, &error, NULL);
        if (r >= 0) {
                ctl_output("%s", done);
                return;
        }
        if (sd_bus_error_has_name(&error, CGSUP_ERROR_SHUTTING_DOWN)) {
                ctl_output("ERROR: already shutting down");
                if (shutting_down_is_error)
                        c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        c->exitstatus = SCTL_EXIT_GENERIC;
        (void) ctl_log_bus_error(c, &error, r);
}

void cmd_reload(Ctl *c, char **args, size_t n, const char *arg) {
        daemon_call(c, n, "reload", "Really restart the remote supervisord process y/N? ", "Reload",
                    "Restarted supervisord", true);
}

void cmd_shutdown(Ctl *c, char **args, size_t n, const char *arg) {
        daemon_call(c, n, "shutdown", "Really shut the remote supervisord process down y/N? ", "Shutdown",
                    "Shut down", false);
}

void cmd_open(Ctl *c, char **args, size_t n, const char *arg) {
        int saved = c->exitstatus;

        if (!strneq(arg, "unix://", 7) && !strneq(arg, "http://", 7)) {
                ctl_output("ERROR: url must be http:// or unix://");
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        if (serverurl_check(arg, "open", true) < 0) {
                c->exitstatus = SCTL_EXIT_GENERIC;
                return;
        }
        cmd_status(c, NULL, 0, "");
        c->exitstatus = saved;
}
