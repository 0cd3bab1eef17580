/* SPDX-License-Identifier: MIT */
/*
 * reread, update, add, remove, reload, shutdown, open: supervisorctl's configuration and daemon commands.
 *
 * cgsupd applies a configuration as a whole (Reread() shows the difference, Update() applies all of it),
 * while supervisord can add or remove one group at a time. So `update GROUP`, `add GROUP` and
 * `remove GROUP` go ahead only when the pending difference touches nothing but the named groups, and
 * otherwise refuse with the list of the other changes: never a silently broader action.
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

/* cgsupd reports instances; supervisorctl reports groups. A name that is not loaded (yet) stays itself. */
static int to_groups(Ctl *c, char **names, char ***ret) {
        _cleanup_strv_free_ char **groups = NULL;
        int r;

        STRV_FOREACH(n, names) {
                const char *g = *n;
                for (size_t i = 0; i < c->n_procs; i++)
                        if (streq(c->procs[i].name, *n))
                                g = c->procs[i].group;
                if (strv_contains(groups, g))
                        continue;
                r = strv_extend(&groups, g);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(groups);
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
        Diff d = {};
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
        if (r >= 0)
                r = to_groups(c, added, &d.added);
        if (r >= 0)
                r = to_groups(c, changed, &d.changed);
        if (r >= 0)
                r = to_groups(c, removed, &d.removed);
        if (r < 0) {
                diff_done(&d);
                c->exitstatus = SCTL_EXIT_GENERIC;
                return ctl_log_bus_error(c, NULL, r);
        }
        *ret = d;
        return 0;
}

static bool diff_is_empty(const Diff *d) {
        return strv_length(d->added) + strv_length(d->changed) + strv_length(d->removed) == 0;
}

/* True when every pending change is one of @names; otherwise prints the refusal. */
static bool diff_only_touches(Ctl *c, const Diff *d, char **names) {
        _cleanup_strv_free_ char **others = NULL;
        _cleanup_free_ char *list = NULL;

        char **lists[] = { d->added, d->changed, d->removed };

        for (size_t k = 0; k < ELEMENTSOF(lists); k++)
                STRV_FOREACH(g, lists[k])
                        if (!strv_contains(names, *g) && !strv_contains(others, *g) && strv_extend(&others, *g) < 0)
                                return false;
        if (!others)
                return true;
        list = strv_join(others, ", ");
        ctl_output("ERROR: cgsupd applies the whole configuration, and it also changes: %s", strna(list));
        ctl_note("run `update` without names to apply every change");
        c->exitstatus = SCTL_EXIT_GENERIC;
        return false;
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

static bool wanted(char **only, const char *g) {
        return !only || strv_contains(only, g);
}

static void print_update(const Diff *d, char **only) {
        STRV_FOREACH(g, d->removed)
                if (wanted(only, *g)) {
                        ctl_output("%s: stopped", *g);
                        ctl_output("%s: removed process group", *g);
                }
        STRV_FOREACH(g, d->changed)
                if (wanted(only, *g)) {
                        ctl_output("%s: stopped", *g);
                        ctl_output("%s: updated process group", *g);
                }
        STRV_FOREACH(g, d->added)
                if (wanted(only, *g))
                        ctl_output("%s: added process group", *g);
}

/* The groups named exist (loaded or about to be added); prints supervisorctl's error for the others. */
static void check_groups(Ctl *c, char **only, const Diff *pending) {
        STRV_FOREACH(g, only) {
                bool found = strv_contains(pending->added, *g);
                for (size_t i = 0; !found && i < c->n_procs; i++)
                        found = streq(c->procs[i].group, *g);
                if (!found) {
                        ctl_output("ERROR: no such group: %s", *g);
                        c->exitstatus = SCTL_EXIT_GENERIC;
                }
        }
}

void cmd_update(Ctl *c, char **args, size_t n, const char *arg) {
        _cleanup_strv_free_ char **only = NULL;
        Diff pending = {}, done = {};

        for (size_t i = 0; i < n; i++) {
                if (streq(args[i], "all")) {
                        only = strv_free(only);
                        break;
                }
                if (!strv_contains(only, args[i]) && strv_extend(&only, args[i]) < 0)
                        return;
        }
        if (only) {
                if (diff_call(c, "Reread", "ERROR: already shutting down", &pending) < 0)
                        return;
                check_groups(c, only, &pending);
                bool ok = diff_only_touches(c, &pending, only);
                diff_done(&pending);
                if (!ok)
                        return;
        }
        if (diff_call(c, "Update", "ERROR: already shutting down", &done) < 0)
                return;
        print_update(&done, only);
        diff_done(&done);
}

static bool group_loaded(Ctl *c, const char *g) {
        for (size_t i = 0; i < c->n_procs; i++)
                if (streq(c->procs[i].group, g))
                        return true;
        return false;
}

static bool group_running(Ctl *c, const char *g) {
        for (size_t i = 0; i < c->n_procs; i++)
                if (streq(c->procs[i].group, g) &&
                    (state_is_running(c->procs[i].state) || streq(c->procs[i].state, "STOPPING")))
                        return true;
        return false;
}

/* add/remove NAME: apply the pending change for that one group, when it is the only one. */
static void apply_one(Ctl *c, const char *g, bool add) {
        char *one[] = { (char *) g, NULL };
        Diff pending = {}, done = {};
        bool listed, ok;

        if (diff_call(c, "Reread", "ERROR: shutting down", &pending) < 0)
                return;
        listed = strv_contains(add ? pending.added : pending.removed, g);
        if (add && group_loaded(c, g))
                ctl_output("ERROR: process group already active");
        else if (!add && !group_loaded(c, g)) {
                ctl_output("ERROR: no such process/group: %s", g);
                c->exitstatus = SCTL_EXIT_GENERIC;
        } else if (!add && group_running(c, g)) {
                ctl_output("ERROR: process/group still running: %s", g);
                c->exitstatus = SCTL_EXIT_GENERIC;
        } else if (!listed) {
                if (add)
                        ctl_output("ERROR: no such process/group: %s", g);
                else {
                        /* supervisord can drop a group its file still lists; cgsupd follows the file. */
                        ctl_output("ERROR: process/group still in the configuration: %s", g);
                        ctl_note("remove [program:%s] from the configuration first; `update` then removes it", g);
                }
                c->exitstatus = SCTL_EXIT_GENERIC;
        } else {
                ok = diff_only_touches(c, &pending, one);
                if (ok && diff_call(c, "Update", "ERROR: shutting down", &done) >= 0)
                        ctl_output("%s: %s process group", g, add ? "added" : "removed");
                diff_done(&done);
        }
        diff_done(&pending);
}

void cmd_add(Ctl *c, char **args, size_t n, const char *arg) {
        for (size_t i = 0; i < n; i++)
                apply_one(c, args[i], true);
}

void cmd_remove(Ctl *c, char **args, size_t n, const char *arg) {
        for (size_t i = 0; i < n; i++)
                apply_one(c, args[i], false);
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
