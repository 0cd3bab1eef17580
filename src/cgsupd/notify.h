/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * NOTIFY_SOCKET for type=notify programs: AF_UNIX datagram sockets under the daemon's runtime dir, with
 * SO_PASSCRED. None is world-writable: <runtime>/notify (0600) serves the programs running as cgsupd's
 * own user (root), and <runtime>/notify.<uid> (0600, owned by that uid) those running as another user,
 * made when the first such program needs it (and again at startup for adopted ones, at the same path). A message is attributed to the program whose instance cgroup holds the sender (from
 * /proc/PID/cgroup of the SCM_CREDENTIALS pid), so a helper the program forked can notify too, and a
 * process outside our programs cannot impersonate one. READY=1 -> PROGRAM_EVENT_READY, STATUS= recorded,
 * MAINPID= honoured only for a pid inside the program's cgroup.
 */

#include "manager.h"

typedef struct NotifyUserSocket {
        uid_t uid;
        int fd;
        char *path;
        sd_event_source *source;
} NotifyUserSocket;

int notify_socket_open(Manager *m);
void notify_socket_close(Manager *m);
/* The NOTIFY_SOCKET path for a program running as @uid:@gid (made on first use). Returns 0, -ENOENT
 * without a notify socket, or an error from creating it (logged). */
int notify_socket_for_user(Manager *m, uid_t uid, gid_t gid, const char **ret_path);
/* Apply one datagram's text from a sender known to belong to @p (exposed for tests). */
void notify_handle_message(Program *p, const char *text, size_t n);
