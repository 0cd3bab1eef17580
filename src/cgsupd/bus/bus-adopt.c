/* SPDX-License-Identifier: MIT */
/*
 * AdoptProcess(u pid, a{sv} options) -> (o path, s name): move an outside process (Tree: and its
 * descendants) into a new transient program (manager-adopt.c says which processes can be moved).
 *
 * Who may: root; any other caller only for a process all of whose uids (real, effective, saved) are the
 * caller's, and only when polkit allows org.cgsup1.manage (verb "adopt"). The uid check comes first, so
 * another user's process is refused with that reason whatever polkit would say.
 *
 * Options (all optional):
 *   Name s   the program's name (default "adopted-<pid>"); the rule of configured names
 *   Tree b   also move every descendant (of the caller's uid, for an unprivileged caller)
 */

#include <limits.h>
#include <stdlib.h>

#include "bus-dict.h"
#include "bus-internal.h"
#include "log.h"
#include "macro.h"
#include "proc-info.h"

typedef struct AdoptArguments {
        char *name;
        bool tree;
        sd_bus_error *error;
} AdoptArguments;

static int read_adopt_option(sd_bus_message *m, const char *key, void *userdata) {
        AdoptArguments *a = userdata;
        const char *s;
        int b, r;

        if (streq(key, "Name")) {
                r = sd_bus_message_read(m, "v", "s", &s);
                if (r < 0)
                        return r;
                r = bus_validate_transient_name(s, a->error);
                if (r < 0)
                        return r;
                free(a->name);
                a->name = strdup(s);
                return a->name ? 0 : -ENOMEM;
        }
        if (streq(key, "Tree")) {
                r = sd_bus_message_read(m, "v", "b", &b);
                a->tree = b;
                return r;
        }
        return sd_bus_error_setf(a->error, CGSUP_ERROR_INVALID_ARGUMENT, "Unknown AdoptProcess option '%.64s'.", key);
}

/* An unprivileged caller adopts only its own processes: every uid of the process must be the caller's. */
static int check_owner(pid_t pid, uid_t caller, sd_bus_error *error) {
        uid_t uids[4];
        int r;

        if (caller == 0)
                return 0;
        r = proc_uids(pid, uids);
        if (r < 0)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "Cannot adopt: no process %d.", (int) pid);
        if (uids[0] != caller || uids[1] != caller || uids[2] != caller)
                return sd_bus_error_setf(error, CGSUP_ERROR_ACCESS_DENIED,
                                         "Cannot adopt: process %d runs as uid %u, not as the caller's uid %u; only "
                                         "root adopts another user's processes.",
                                         (int) pid, (unsigned) (uids[1] != caller ? uids[1] : uids[0]),
                                         (unsigned) caller);
        return 0;
}

int method_adopt_process(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        BusContext *c = userdata;
        Manager *mgr = c->manager;
        AdoptArguments a = { .error = error };
        _cleanup_free_ char *msg = NULL, *path = NULL;
        char pidbuf[32];
        uint32_t pid;
        uid_t caller;
        Program *p = NULL;
        int r;

        if (mgr->shutting_down)
                return bus_error_set_errno(error, -ESHUTDOWN, BUS_OP_ADOPT, NULL, NULL);
        r = sd_bus_message_read(m, "u", &pid);
        if (r < 0)
                return r;
        if (pid == 0 || pid > INT_MAX)
                return sd_bus_error_setf(error, CGSUP_ERROR_INVALID_ARGUMENT, "Cannot adopt: %u is not a process id.",
                                         (unsigned) pid);
        r = bus_message_read_dict(m, read_adopt_option, &a);
        if (r >= 0)
                r = bus_query_sender_uid(c, m, &caller);
        if (r >= 0)
                r = check_owner((pid_t) pid, caller, error);
        if (r >= 0)
                r = bus_check_transient_room(mgr, a.name, caller, error);
        if (r < 0) {
                free(a.name);
                return r;
        }

        snprintf(pidbuf, sizeof pidbuf, "%u", (unsigned) pid);
        const char *details[] = { "verb", "adopt", "pid", pidbuf, NULL };
        r = bus_verify_polkit_async(c, m, CGSUP_POLKIT_ACTION_MANAGE, details, error);
        if (r <= 0) {
                free(a.name);
                return r < 0 ? r : 1; /* 0: polkit calls us again */
        }

        AdoptSpec spec = { .pid = (pid_t) pid, .name = a.name, .tree = a.tree, .owner = caller };
        r = manager_adopt_process(mgr, &spec, &p, &msg);
        free(a.name);
        if (r < 0)
                return bus_error_set_errno(error, r, BUS_OP_ADOPT, NULL, msg);
        log_info("Adopted process %u as program %s for uid %u", (unsigned) pid, p->name, (unsigned) caller);
        if (!bus_program_object_path(p, &path))
                return -ENOMEM;
        return sd_bus_reply_method_return(m, "os", path, p->name);
}
