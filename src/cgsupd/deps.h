/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * depends_on = name[:started|healthy|completed|succeeded|log_ready], ... log_ready is healthy for an X whose
 * readiness check is a log line (process-compose's process_log_ready); the configuration refuses it otherwise. A name is a program section (all its
 * instances must meet the condition) or one instance. Start order: priority ascending, then dependencies
 * gate (a program whose dependencies are not met stays STOPPED with "waiting for X"). Stop order: the
 * reverse, dependents first. A dependency that can no longer be met by itself - X is FATAL, or for
 * succeeded X exited with an unexpected code and no restart is coming - fails the waiting start: the
 * dependent goes FATAL with exit reason "dependency" and the reason as detail, instead of waiting forever
 * (issue 14); it is started again by hand once X is fixed. completed keeps waiting through an unexpected
 * exit (X may be started again). A dependency cycle is a configuration error.
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
