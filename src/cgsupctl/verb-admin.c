/* SPDX-License-Identifier: MIT */
/*
 * reread, update [GROUP...], reload, shutdown (org.cgsup1.reload), validate (no daemon: config_load()
 * directly), version.
 */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "conf.h"
#include "json-out.h"
#include "macro.h"
#include "strv.h"

/* Reread, Update, UpdateGroups (@groups non-NULL) and Reload. The last three answer once every program they stop
 * is stopped: up to its stopwaitsecs, which may be far longer than any fixed call timeout, and the daemon ends
 * each wait itself (stopwaitsecs, then cgroup.kill). So no timeout, as systemctl's job waits. */
static int config_call(sd_bus *bus, const char *member, char **groups, sd_bus_message **ret_reply) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = manager_new_call(bus, member, &m);
        if (r >= 0 && groups)
                r = sd_bus_message_append_strv(m, groups);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        return bus_call_logged(bus, m, streq(member, "Reread") ? 0 : UINT64_MAX, ret_reply);
}

int verb_reread(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **added = NULL, **changed = NULL, **removed = NULL;
        bool update = streq(argv[0], "update");
        /* "all" is every group, as in supervisorctl. */
        bool some = update && argc > 1 && !strv_contains(argv + 1, "all");
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        /* UpdateGroups: only those groups' part of the changes (the rest stays pending). */
        r = config_call(bus, some ? "UpdateGroups" : update ? "Update" : "Reread", some ? argv + 1 : NULL, &reply);
        if (r < 0)
                return 1;
        r = sd_bus_message_read_strv(reply, &added);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &changed);
        if (r >= 0)
                r = sd_bus_message_read_strv(reply, &removed);
        if (r < 0) {
                bus_log_call_error(NULL, r);
                return 1;
        }

        if (arg_json) {
                _cleanup_json_ struct json_object *o = json_object_new_object();
                json_add(o, "added", json_strv(added));
                json_add(o, "changed", json_strv(changed));
                json_add(o, "removed", json_strv(removed));
                json_add(o, "applied", json_object_new_boolean(update));
                return json_print(o) < 0;
        }

        /* supervisorctl's words. */
        if (!added && !changed && !removed) {
                printf("No config updates to processes\n");
                return 0;
        }
        STRV_FOREACH(s, added)
                printf("%s: %s\n", *s, update ? "added" : "available");
        STRV_FOREACH(s, changed)
                printf("%s: %s\n", *s, update ? "updated" : "changed");
        STRV_FOREACH(s, removed)
                printf("%s: %s\n", *s, update ? "removed" : "disappeared");
        return 0;
}

int verb_reload(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = config_call(bus, "Reload", NULL, NULL);
        if (r < 0)
                return 1;
        if (arg_json)
                return json_print_ok() < 0;
        printf("Reloaded configuration\n");
        return 0;
}

const struct option shutdown_options[] = {
        { "now", no_argument, NULL, 'N' },
        {},
};

int verb_shutdown(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool now = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "+", shutdown_options, NULL)) >= 0)
                if (c == 'N')
                        now = true;
                else
                        return EXIT_USAGE;
        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        /* ShutdownWithFlags only for --now: a plain shutdown works with any cgsupd. */
        if (now)
                r = manager_call(bus, "ShutdownWithFlags", NULL, "t", CGSUP_SHUTDOWN_NOW);
        else
                r = manager_call(bus, "Shutdown", NULL, NULL);
        if (r < 0)
                return 1;
        if (arg_json)
                return json_print_ok() < 0;
        printf("Shut down\n");
        return 0;
}

int verb_validate(int argc, char **argv) {
        _cleanup_(config_freep) Config *c = NULL;
        const char *path = argc > 1 ? argv[1] : CONFIG_DEFAULT_PATH;
        _cleanup_json_ struct json_object *diags = NULL;
        size_t n_errors = 0, n_warnings = 0;
        int r;

        /* It reads a file on this machine: over -H it would pass or fail the wrong file without a word. */
        if (arg_host)
                return usage_error("validate checks a file on the host it runs on and cannot work over -H; run "
                                   "'ssh %s cgsupctl validate %s' instead.", arg_host, path);
        r = config_load(path, NULL, &c);
        if (r < 0 && !(r == -EINVAL && c)) {
                fprintf(stderr, "cgsupctl: cannot read %s: %s\n", path, strerror(-r));
                return 1;
        }

        if (arg_json)
                diags = json_object_new_array();
        for (size_t i = 0; i < c->n_diags; i++) {
                const ConfigDiag *d = &c->diags[i];

                if (d->error)
                        n_errors++;
                else
                        n_warnings++;
                if (diags) {
                        struct json_object *o = json_object_new_object();
                        json_add(o, "file", json_string_or_null(d->file));
                        json_add(o, "line", d->line > 0 ? json_object_new_int64(d->line) : NULL);
                        json_add(o, "severity", json_object_new_string(d->error ? "error" : "warning"));
                        json_add(o, "message", json_string_or_null(d->message));
                        json_object_array_add(diags, o);
                } else if (d->line > 0)
                        fprintf(stderr, "%s:%u: %s: %s\n", strna(d->file), d->line, d->error ? "error" : "warning",
                                strna(d->message));
                else
                        fprintf(stderr, "%s: %s: %s\n", strna(d->file), d->error ? "error" : "warning",
                                strna(d->message));
        }
        if (r == -EINVAL && n_errors == 0) {
                /* Should not happen, but never report an invalid file as fine. */
                fprintf(stderr, "%s\n", strna(config_first_error(c)));
                n_errors = 1;
        }

        if (diags) {
                _cleanup_json_ struct json_object *o = json_object_new_object();
                json_add(o, "file", json_object_new_string(path));
                json_add(o, "valid", json_object_new_boolean(n_errors == 0));
                json_add(o, "programs", json_object_new_int64((int64_t) c->n_programs));
                json_add(o, "groups", json_object_new_int64((int64_t) c->n_groups));
                json_add(o, "diagnostics", json_object_get(diags));
                if (json_print(o) < 0)
                        return 1;
        } else if (n_errors == 0)
                printf("%s: OK (%zu program instance%s, %zu group%s, %zu warning%s)\n", path, c->n_programs,
                       c->n_programs == 1 ? "" : "s", c->n_groups, c->n_groups == 1 ? "" : "s", n_warnings,
                       n_warnings == 1 ? "" : "s");
        return n_errors > 0 ? 1 : 0;
}

int verb_version(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *version = NULL;
        int r;

        /* The daemon part is best effort: version works without cgsupd. */
        r = bus_open(&bus);
        if (r >= 0)
                r = bus_get_property_string(bus, CGSUP_BUS_NAME, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE,
                                            "Version", &error, &version);

        if (arg_json) {
                _cleanup_json_ struct json_object *o = json_object_new_object();
                json_add(o, "cgsupctl", json_object_new_string(PACKAGE_VERSION));
                json_add(o, "cgsupd", json_string_or_null(version));
                return json_print(o) < 0;
        }
        printf("cgsupctl %s\n", PACKAGE_VERSION);
        if (version)
                printf("cgsupd %s (%s)\n", version, bus_where());
        else
                printf("cgsupd: not reachable on the %s\n", bus_where());
        return 0;
}
