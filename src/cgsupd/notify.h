/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * NOTIFY_SOCKET for type=notify programs: one AF_UNIX datagram socket per daemon under its runtime dir,
 * with SO_PASSCRED. A message is attributed to the program whose instance cgroup holds the sender (from
 * /proc/PID/cgroup of the SCM_CREDENTIALS pid), so a helper the program forked can notify too, and a
 * process outside our programs cannot impersonate one. READY=1 -> PROGRAM_EVENT_READY, STATUS= recorded,
 * MAINPID= honoured only for a pid inside the program's cgroup.
 */

#include "manager.h"

int notify_socket_open(Manager *m);
void notify_socket_close(Manager *m);
/* Apply one datagram's text from a sender known to belong to @p (exposed for tests). */
void notify_handle_message(Program *p, const char *text, size_t n);
