/* SPDX-License-Identifier: MIT */
#pragma once

#include "manager.h"

/*
 * The one rule for "what a reload changes": Reload()/SIGHUP act on it, Reread()/Update() report it. Both
 * read it from here so the report can never drift from what the reload then does.
 */
typedef enum ReloadChange {
        RELOAD_UNCHANGED,   /* same program; the new config copy is taken (priority, autostart, ...) */
        RELOAD_LIMITS_LIVE, /* only cgroup limits differ: applied to the running leaf, no restart */
        RELOAD_RESTART,     /* the effective configuration differs: restarted if it runs */
        RELOAD_REPLACE,     /* another group (so another cgroup) or a transient run of that name: the old
                             * program stops and is forgotten, a new one is added */
        RELOAD_ADD,         /* no program of that name */
        _RELOAD_CHANGE_MAX,
} ReloadChange;

/* What a reload does with @p (NULL: none of that name runs) given its new configuration @nc. */
ReloadChange reload_change_for(const Program *p, const ProgramConfig *nc);
bool limits_equal(const CgsupLimits *a, const CgsupLimits *b);

/* A configuration about to be used by a reload or reread: loaded, checked (diagnostics logged) and with
 * its AUTO logs placed where this daemon puts them (or every program with one would look changed).
 * -EINVAL with *reterr_message (malloc'ed; may stay NULL on OOM) when the file is unreadable or invalid. */
int manager_reload_load(Manager *m, Config **ret, char **reterr_message);

/* Supervisord's reread report, for @newc against what runs. Names are instance names. */
typedef struct ReloadDiff {
        char **added, **changed, **removed;
} ReloadDiff;
int manager_reload_diff(Manager *m, const Config *newc, ReloadDiff *ret);
/* The same by group (supervisord's unit for reread and update): a group with no running program is added, one
 * @newc no longer lists removed, any other with a change changed. @only: just these groups (NULL: all). */
int manager_reload_diff_groups(Manager *m, const Config *newc, char **only, ReloadDiff *ret);
void reload_diff_done(ReloadDiff *d);
