/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * depends_on = name[:started|healthy|completed], ... A name is a program section (all its instances
 * must meet the condition) or one instance. Start order: priority ascending, then dependencies gate
 * (a program whose dependencies are not met stays STOPPED with "waiting for X"). Stop order: the reverse,
 * dependents first. A dependency that goes FATAL leaves its dependents waiting - STOPPED, "waiting for X" -
 * rather than failing them too: they start by themselves as soon as X is fixed and started by hand. A
 * dependency cycle is a configuration error.
 */

#include "manager.h"

/* Whether instance @dep matches dependency name @name (section name or instance name). */
bool deps_name_matches(const Program *dep, const char *name);
/* Whether @dep meets @condition now. */
bool deps_condition_met(const Program *dep, DependCondition condition);
/* True if some active program depends on @p (stop those first). */
bool deps_has_active_dependents(Manager *m, const Program *p);
/* Detect dependency cycles among configured programs; -ELOOP with a message naming the cycle. */
int deps_check_cycles(Manager *m, char **reterr_message);
