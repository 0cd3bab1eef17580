/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for polkitd on a private test bus: owns org.freedesktop.PolicyKit1 and answers
 * CheckAuthorization. Exercises cgsupd's asynchronous polkit path (registry, re-dispatch) on hosts where
 * the real polkitd cannot be pointed at a private bus with our actions installed.
 *
 *   fake-polkit LOGFILE ACTION...   authorize the listed actions, refuse all others; for every query append
 *                                   "<action> subject=<kind>:<name> flags=<u> details=<k=v,...>" to LOGFILE.
 * Answers after a short delay (100 ms) so the caller really has to wait for it.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

static char **allowed;
static const char *logfile;

typedef struct Pending {
        sd_bus_message *call;
        int authorized;
} Pending;

static int answer(sd_event_source *s, uint64_t usec, void *userdata) {
        Pending *p = userdata;
        (void) sd_bus_reply_method_return(p->call, "(bba{ss})", p->authorized, 0, 0);
        sd_bus_message_unref(p->call);
        free(p);
        sd_event_source_unref(s);
        return 0;
}

static int method_check(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *kind, *key, *action, *k, *v, *cancel, *name = "?";
        char details[1024] = "";
        uint32_t flags;
        Pending *p;
        FILE *f;
        int r;

        r = sd_bus_message_enter_container(m, 'r', "sa{sv}");
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &kind);
        if (r < 0)
                return r;
        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                if (strcmp(key, "name") == 0)
                        r = sd_bus_message_read(m, "v", "s", &name);
                else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read(m, "s", &action);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(m, "{ss}", &k, &v)) > 0) {
                size_t l = strlen(details);
                snprintf(details + l, sizeof details - l, "%s%s=%s", l ? "," : "", k, v);
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_read(m, "us", &flags, &cancel);
        if (r < 0)
                return r;

        f = fopen(logfile, "ae");
        if (f) {
                fprintf(f, "%s subject=%s:%s flags=%u details=%s\n", action, kind, name, flags, details);
                fclose(f);
        }

        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->call = sd_bus_message_ref(m);
        for (char **a = allowed; *a; a++)
                if (strcmp(*a, action) == 0)
                        p->authorized = 1;
        return sd_event_add_time_relative(sd_bus_get_event(sd_bus_message_get_bus(m)), NULL, CLOCK_MONOTONIC,
                                          100 * 1000, 0, answer, p) < 0 ? -ENOMEM : 1;
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("CheckAuthorization", "(sa{sv})sa{ss}us", "(bba{ss})", method_check,
                      SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int main(int argc, char **argv) {
        sd_event *event = NULL;
        sd_bus *bus = NULL;
        int r;

        if (argc < 2) {
                fprintf(stderr, "usage: fake-polkit LOGFILE ACTION...\n");
                return 2;
        }
        logfile = argv[1];
        allowed = argv + 2;

        r = sd_event_default(&event);
        if (r >= 0)
                r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/PolicyKit1/Authority",
                                             "org.freedesktop.PolicyKit1.Authority", vtable, NULL);
        if (r >= 0)
                r = sd_bus_attach_event(bus, event, 0);
        if (r >= 0)
                r = sd_bus_request_name(bus, "org.freedesktop.PolicyKit1", 0);
        if (r < 0) {
                fprintf(stderr, "fake-polkit: %s\n", strerror(-r));
                return 1;
        }
        r = sd_event_loop(event);
        sd_bus_unref(bus);
        sd_event_unref(event);
        return r < 0 ? 1 : 0;
}
