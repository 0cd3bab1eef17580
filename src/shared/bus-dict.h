/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

/*
 * Reading an a{sv} (D-Bus properties, RunTransient's and SetProgramLimits' arguments, GetMetrics' records):
 * the container walk is written once here, the callers only say what each key means.
 */

/* Called with @m positioned at the entry's variant; it must read or skip ("v") it. A negative return
 * stops the walk and is returned. */
typedef int (*BusDictEntryFn)(sd_bus_message *m, const char *key, void *userdata);

/* Walk the a{sv} at @m's read position, calling @fn for each entry. Returns 0 or the first negative
 * result (of sd-bus or of @fn). */
int bus_message_read_dict(sd_bus_message *m, BusDictEntryFn fn, void *userdata);
