/* SPDX-License-Identifier: MIT */
#pragma once

#include "manager.h"

/*
 * D-Bus layer (owned by bus*.c / polkit.c). manager_new() does not touch the bus; main() calls
 * bus_setup() after the manager has loaded its config and adopted/started nothing yet, and bus_done()
 * before manager_free(). bus_setup() connects (system bus, or session bus with --user; honouring
 * DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS), registers the vtables, installs m->hooks,
 * attaches the bus to m->event, and requests the name org.cgsup1. Returns 0 or -errno (logged).
 */
int bus_setup(Manager *m);
void bus_done(Manager *m);
