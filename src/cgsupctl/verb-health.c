/* SPDX-License-Identifier: MIT */
/*
 * health [NAME...], ready [NAME...]: one line per program instance, and an exit status a script or a
 * container's HEALTHCHECK can use (Kahi's verbs): 0 when every program named (every program without a
 * name) is healthy / ready, 1 otherwise (also for a name that matches nothing).
 *   healthy: RUNNING and its liveness check passes (RUNNING is enough without one);
 *   ready:   RUNNING and its readiness check passed since it started (what depends_on=x:healthy and start
 *            jobs wait for; RUNNING is enough without one).
 * Reads only: open to every local user.
 */

#include <stdio.h>
#include <stdlib.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "name-util.h"
#include "table.h"

typedef enum HealthVerb {
        HEALTH_VERB_HEALTH,
        HEALTH_VERB_READY,
} HealthVerb;

/* One program's verdict, and the words and check shown beside it. */
typedef struct Verdict {
        bool ok;
        const char *word;  /* "healthy", "unhealthy", "ready", "not ready", "not running" */
        char check[32];    /* the check's type, "-" without one */
        char detail[256];
} Verdict;

static void verdict_of(HealthVerb verb, const ListEntry *e, const ProgramInfo *i, Verdict *ret) {
        bool running = streq(e->state, "RUNNING") || streq(e->state, "UNHEALTHY");
        const char *check = verb == HEALTH_VERB_READY ? i->readiness_check : i->liveness_check;

        *ret = (Verdict) {};
        snprintf(ret->check, sizeof(ret->check), "%s", isempty(check) ? "-" : check);
        if (!running) {
                ret->word = "not running";
                snprintf(ret->detail, sizeof(ret->detail), "%s%s%s", e->state, isempty(e->sub_state) ? "" : ", ",
                         strempty(e->sub_state));
                return;
        }
        if (verb == HEALTH_VERB_READY) {
                ret->ok = i->ready > 0;
                ret->word = ret->ok ? "ready" : "not ready";
                if (!ret->ok && !isempty(e->sub_state))
                        snprintf(ret->detail, sizeof(ret->detail), "%s", e->sub_state);
        } else {
                ret->ok = streq(e->state, "RUNNING") && i->healthy > 0;
                ret->word = ret->ok ? "healthy" : "unhealthy";
                if (!ret->ok && !isempty(i->exit_detail))
                        snprintf(ret->detail, sizeof(ret->detail), "%s", i->exit_detail);
        }
        if (ret->detail[0] == '\0' && i->health_failures > 0)
                snprintf(ret->detail, sizeof(ret->detail), "%u consecutive failures", i->health_failures);
}

static int add_json(struct json_object *arr, HealthVerb verb, const ListEntry *e, const Verdict *v) {
        struct json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        json_add(o, "name", json_object_new_string(e->name));
        json_add(o, "state", json_object_new_string(e->state));
        json_add(o, verb == HEALTH_VERB_READY ? "ready" : "healthy", json_object_new_boolean(v->ok));
        json_add(o, "check", streq(v->check, "-") ? NULL : json_object_new_string(v->check));
        json_add(o, "detail", json_string_or_null(v->detail[0] ? v->detail : NULL));
        return json_object_array_add(arr, o) < 0 ? -ENOMEM : 0;
}

static int health_or_ready(HealthVerb verb, int argc, char **argv) {
        const char *const headers[] = { "NAME", verb == HEALTH_VERB_READY ? "READY" : "HEALTH", "CHECK", "DETAIL" };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        _cleanup_free_ size_t *order = NULL;
        _cleanup_json_ struct json_object *root = NULL;
        struct json_object *arr = NULL;
        Table *t = NULL;
        bool all_ok, unknown;
        size_t n = 0, n_order = 0;
        int r;

        r = bus_connect(&bus);
        if (r < 0)
                return 1;
        r = list_programs(bus, &reply, &list, &n);
        if (r < 0)
                return 1;
        if (list_select(list, n, argv + 1, (size_t) argc - 1, SELECT_LIST_ORDER, &order, &n_order, &unknown) < 0)
                return 1;
        all_ok = !unknown;

        if (arg_json) {
                root = json_object_new_object();
                arr = json_object_new_array();
                if (!root || !arr)
                        return 1;
                json_add(root, "programs", arr);
        } else {
                t = table_new(ELEMENTSOF(headers), headers);
                if (!t)
                        return 1;
        }
        for (size_t k = 0; k < n_order; k++) {
                size_t i = order[k];
                char name[PROGRAM_DISPLAY_NAME_MAX];
                ProgramInfo info = {};
                Verdict v;

                if (program_info_get(bus, list[i].path, &info) < 0) {
                        table_free(t);
                        return 1;
                }
                verdict_of(verb, &list[i], &info, &v);
                program_info_done(&info);
                all_ok = all_ok && v.ok;
                if (arr)
                        r = add_json(arr, verb, &list[i], &v);
                else if ((r = table_add_cell(t, program_display_name(list[i].group, list[i].name, name,
                                                                     sizeof name), NULL)) >= 0 &&
                         (r = table_add_cell(t, v.word, v.ok ? ANSI_GREEN : ANSI_RED)) >= 0 &&
                         (r = table_add_cell(t, v.check, NULL)) >= 0)
                        r = table_add_cell(t, v.detail[0] ? v.detail : "", NULL);
                if (r < 0) {
                        table_free(t);
                        return 1;
                }
        }
        if (arr)
                r = json_print(root);
        else {
                r = table_print(t, stdout);
                table_free(t);
        }
        if (r < 0)
                return 1;
        /* A name that names nothing is a mistake in the check itself, not an unhealthy program. */
        return unknown ? EXIT_NO_SUCH_PROGRAM : all_ok ? 0 : 1;
}

int verb_health(int argc, char **argv) {
        return health_or_ready(streq(argv[0], "ready") ? HEALTH_VERB_READY : HEALTH_VERB_HEALTH, argc, argv);
}
