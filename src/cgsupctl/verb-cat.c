/* SPDX-License-Identifier: MIT */
/*
 * cat NAME...: the configuration a program runs with, key by key, each with the file:line it came from
 * (GetProgramConfig: includes merged, the last duplicate winning, values as written). Printed as INI with
 * the origins as inline comments, so it reads like the file and shows where to edit:
 *
 *     [program:web]                          ; /etc/cgsup/cgsup.conf:12
 *     command = /usr/bin/web --port 8080     ; /etc/cgsup/conf.d/web.conf:3
 *
 * environment= can hold credentials: cgsupd never sends its value with the rest; we ask for it with
 * GetProgramEnvironment (root, the owner of a transient run, or polkit's org.cgsup1.manage, never an
 * interactive prompt) and otherwise print the variable names only. The environment files and which
 * variable each one set come from the EnvironmentFiles and EnvironmentOrigins properties.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "strv.h"

/* Values longer than this are not padded to the common column: the comment follows after two spaces. */
#define ORIGIN_COLUMN_MAX 60

typedef struct Setting {
        const char *key, *value, *file;
        int hidden;
        uint32_t line;
} Setting;

typedef struct ProgramSection {
        const char *section, *file;
        uint32_t line;
        Setting *settings;
        size_t n_settings;
        char **environment;       /* environment= values (KEY=value) when we may read them, else NULL */
        char **environment_names; /* Environment property: every variable name, values never */
        char **environment_files; /* EnvironmentFiles */
        char **origins;           /* EnvironmentOrigins flattened: name, origin, name, origin, ... */
} ProgramSection;

static void program_section_done(ProgramSection *s) {
        free(s->settings);
        strv_free(s->environment);
        strv_free(s->environment_names);
        strv_free(s->environment_files);
        strv_free(s->origins);
}

/* GetProgramConfig into @s (strings borrowed from *ret_reply). */
static int read_settings(sd_bus *bus, const char *name, sd_bus_message **ret_reply, ProgramSection *s) {
        int r;

        r = manager_call(bus, "GetProgramConfig", ret_reply, "s", name);
        if (r < 0)
                return r;
        r = sd_bus_message_read(*ret_reply, "ssu", &s->section, &s->file, &s->line);
        if (r >= 0)
                r = sd_bus_message_enter_container(*ret_reply, 'a', "(ssbsu)");
        while (r >= 0) {
                Setting it = {};
                r = sd_bus_message_read(*ret_reply, "(ssbsu)", &it.key, &it.value, &it.hidden, &it.file, &it.line);
                if (r <= 0)
                        break;
                Setting *n = reallocarray(s->settings, s->n_settings + 1, sizeof(Setting));
                if (!n)
                        return -ENOMEM;
                s->settings = n;
                s->settings[s->n_settings++] = it;
        }
        if (r < 0)
                return bus_log_call_error(NULL, r);
        return 0;
}

/* What the program's object says about its environment; environment= values only if we may see them. */
static int read_environment(sd_bus *bus, const char *name, const char *path, ProgramSection *s) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *origins = NULL;
        const char *var, *origin;
        int r;

        r = bus_get_property_strv(bus, CGSUP_BUS_NAME, path, CGSUP_BUS_PROGRAM_INTERFACE, "Environment", NULL,
                                  &s->environment_names);
        if (r >= 0)
                r = bus_get_property_strv(bus, CGSUP_BUS_NAME, path, CGSUP_BUS_PROGRAM_INTERFACE,
                                          "EnvironmentFiles", NULL, &s->environment_files);
        if (r >= 0)
                r = bus_get_property(bus, CGSUP_BUS_NAME, path, CGSUP_BUS_PROGRAM_INTERFACE,
                                     "EnvironmentOrigins", NULL, &origins, "a(ss)");
        if (r >= 0)
                r = sd_bus_message_enter_container(origins, 'a', "(ss)");
        while (r >= 0 && (r = sd_bus_message_read(origins, "(ss)", &var, &origin)) > 0)
                if (strv_extend(&s->origins, var) < 0 || strv_extend(&s->origins, origin) < 0)
                        return -ENOMEM;
        if (r < 0)
                return bus_log_call_error(NULL, r);

        /* The values: a plain yes or no, never a password prompt in the middle of a listing. */
        r = manager_new_call(bus, "GetProgramEnvironment", &m);
        if (r >= 0)
                r = sd_bus_message_append(m, "s", name);
        if (r >= 0)
                r = sd_bus_message_set_allow_interactive_authorization(m, false);
        if (r < 0)
                return bus_log_call_error(NULL, r);
        if (bus_call(bus, m, 0, NULL, &reply) >= 0)
                (void) sd_bus_message_read_strv(reply, &s->environment);
        return 0;
}

/* environment='s own entries, joined as the key takes them: GetProgramEnvironment also returns what the
 * environment files set, which EnvironmentOrigins tells apart. NULL when we may not see them. */
static char *environment_value(const ProgramSection *s) {
        _cleanup_strv_free_ char **own = NULL;

        if (!s->environment)
                return NULL;
        STRV_FOREACH(e, s->environment) {
                size_t k = strcspn(*e, "=");
                bool from_file = false;
                for (char **o = s->origins; o && o[0] && o[1]; o += 2)
                        if (strlen(o[0]) == k && strneq(o[0], *e, k) && !streq(o[1], "environment"))
                                from_file = true;
                if (!from_file && strv_extend(&own, *e) < 0)
                        return NULL;
        }
        return strv_join(own, ",");
}

static bool has_hidden(const ProgramSection *s) {
        for (size_t i = 0; i < s->n_settings; i++)
                if (s->settings[i].hidden)
                        return true;
        return false;
}

static void print_line(const char *text, const char *file, uint32_t line, int column) {
        int n = printf("%s", text);
        printf("%*s  ; %s:%" PRIu32 "\n", n < column ? column - n : 0, "", file, line);
}

static void print_setting(const ProgramSection *s, const Setting *it, int column) {
        _cleanup_free_ char *text = NULL, *joined = NULL;
        const char *value = it->value;

        if (it->hidden && !s->environment) {
                _cleanup_free_ char *names = strv_join(s->environment_names, " ");
                printf("; environment = <values hidden: root or org.cgsup1.manage reads them> (variables: %s)\n",
                       strempty(names));
                printf("; (%s:%" PRIu32 ")\n", it->file, it->line);
                return;
        }
        if (it->hidden) {
                joined = environment_value(s);
                value = strempty(joined);
        }
        /* A value of several lines (INI continuation lines): indented like the file, origin on the last. */
        if (asprintf(&text, "%s = %s", it->key, value) < 0)
                return;
        for (char *nl; (nl = strchr(text, '\n'));) {
                *nl = '\0';
                printf("%s\n", text);
                memmove(text, nl + 1, strlen(nl + 1) + 1);
                printf("    ");
        }
        print_line(text, it->file, it->line, column);
}

static void print_section(const char *name, const ProgramSection *s) {
        _cleanup_free_ char *header = NULL;
        int column = 0;

        if (isempty(s->section)) {
                printf("; %s is a transient program (cgsupctl run): it has no configuration section.\n", name);
                return;
        }
        for (size_t i = 0; i < s->n_settings; i++) {
                int w = (int) (strlen(s->settings[i].key) + 3 + strcspn(s->settings[i].value, "\n"));
                if (w <= ORIGIN_COLUMN_MAX)
                        column = MAX(column, w);
        }
        if (asprintf(&header, "[%s]", s->section) < 0)
                return;
        print_line(header, s->file, s->line, column);
        for (size_t i = 0; i < s->n_settings; i++)
                print_setting(s, &s->settings[i], column);
        if (s->environment_files && s->environment_files[0]) {
                _cleanup_free_ char *files = strv_join(s->environment_files, " ");
                printf("; environment files, in order (a later one wins; '-': may be missing): %s\n", strempty(files));
        }
        for (char **o = s->origins; o && o[0] && o[1]; o += 2)
                if (!streq(o[1], "environment"))
                        printf(";   %s from %s\n", o[0], o[1]);
}

static struct json_object *section_to_json(const char *name, const ProgramSection *s) {
        struct json_object *o = json_object_new_object(), *a = json_object_new_array(), *files, *origins;

        if (!o || !a) {
                json_object_put(o);
                json_object_put(a);
                return NULL;
        }
        json_add(o, "name", json_object_new_string(name));
        json_add(o, "section", isempty(s->section) ? NULL : json_object_new_string(s->section));
        json_add(o, "file", isempty(s->section) ? NULL : json_object_new_string(s->file));
        json_add(o, "line", isempty(s->section) ? NULL : json_object_new_int64(s->line));
        for (size_t i = 0; i < s->n_settings; i++) {
                const Setting *it = &s->settings[i];
                _cleanup_free_ char *joined = it->hidden ? environment_value(s) : NULL;
                struct json_object *e = json_object_new_object();
                json_add(e, "key", json_object_new_string(it->key));
                /* null: hidden from this caller */
                json_add(e, "value", !it->hidden ? json_object_new_string(it->value) : json_string_or_null(joined));
                json_add(e, "file", json_object_new_string(it->file));
                json_add(e, "line", json_object_new_int64(it->line));
                json_object_array_add(a, e);
        }
        json_add(o, "settings", a);
        files = json_object_new_array();
        STRV_FOREACH(f, s->environment_files)
                json_object_array_add(files, json_object_new_string(*f));
        json_add(o, "environment_files", files);
        origins = json_object_new_object();
        for (char **p = s->origins; p && p[0] && p[1]; p += 2)
                json_add(origins, p[0], json_object_new_string(p[1]));
        json_add(o, "environment_origins", origins);
        return o;
}

int verb_cat(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *list_reply = NULL;
        _cleanup_json_ struct json_object *arr = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        _cleanup_free_ size_t *order = NULL;
        bool unknown = false, first = true;
        size_t n = 0, n_order = 0;
        int r;

        for (int a = 1; a < argc; a++)
                if (argv[a][0] == '-')
                        return usage_error("cat takes no options, got '%s'.", argv[a]);
        r = connect_and_list_programs(&bus, &list_reply, &list, &n);
        if (r < 0)
                return 1;
        if (list_select(list, n, argv + 1, (size_t) (argc - 1), SELECT_LIST_ORDER, &order, &n_order, &unknown) < 0)
                return 1;
        if (arg_json && !(arr = json_object_new_array()))
                return 1;

        for (size_t k = 0; k < n_order; k++) {
                _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                _cleanup_(program_section_done) ProgramSection s = {};
                size_t i = order[k];

                if (read_settings(bus, list[i].name, &reply, &s) < 0 ||
                    read_environment(bus, list[i].name, list[i].path, &s) < 0)
                        return bus_saw_no_such_program() ? EXIT_NO_SUCH_PROGRAM : 1;
                if (arr) {
                        json_object_array_add(arr, section_to_json(list[i].name, &s));
                        continue;
                }
                if (!first)
                        putchar('\n');
                first = false;
                print_section(list[i].name, &s);
                if (has_hidden(&s) && !s.environment)
                        fprintf(stderr, "cgsupctl: the values of %s's environment= are not shown to this user.\n",
                                list[i].name);
        }
        if (arr) {
                _cleanup_json_ struct json_object *root = json_object_new_object();
                json_add(root, "programs", json_object_get(arr));
                if (json_print(root) < 0)
                        return 1;
        }
        return unknown ? EXIT_NO_SUCH_PROGRAM : 0;
}
