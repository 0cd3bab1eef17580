/* SPDX-License-Identifier: MIT */
/*
 * show [NAME...] [-p PROP[,PROP...]]... [--value]: systemctl show. Every D-Bus property of the program
 * objects the names select (of the manager without a name), one KEY=VALUE line each, in the daemon's
 * order, read with one GetAll per object; programs are separated by an empty line. The values are printed
 * from the message's own type signatures, so a property added to cgsupd shows up here without a change:
 * booleans as yes/no, UINT64_MAX as "infinity" (no limit / not available), arrays space-separated, the
 * fields of a structure joined with ':' (DependsOn "db:healthy"). With --json: the same properties with
 * their D-Bus types as JSON types (a structure is an array).
 */

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus-util.h"
#include "cgsupctl.h"
#include "json-out.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"

enum { ARG_VALUE = 0x100 };

const struct option show_options[] = {
        { "property", required_argument, NULL, 'p' },
        { "value", no_argument, NULL, ARG_VALUE },
        {},
};

typedef struct ShowOptions {
        char **properties; /* -p, split at ',' ; NULL = all */
        bool value_only;
} ShowOptions;

static bool wanted(const ShowOptions *o, const char *name) {
        return !o->properties || strv_contains(o->properties, name);
}

static int format_value(sd_bus_message *m, FILE *f);

/* The basic value at the read position, as text. */
static int format_basic(sd_bus_message *m, char type, FILE *f) {
        union {
                uint8_t u8;
                int b;
                int16_t i16;
                uint16_t u16;
                int32_t i32;
                uint32_t u32;
                int64_t i64;
                uint64_t u64;
                double d;
                const char *s;
                int h;
        } v;
        int r;

        r = sd_bus_message_read_basic(m, type, &v);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        switch (type) {
        case 'y': fprintf(f, "%u", v.u8); break;
        case 'b': fputs(yes_no(v.b), f); break;
        case 'n': fprintf(f, "%d", v.i16); break;
        case 'q': fprintf(f, "%u", v.u16); break;
        case 'i': fprintf(f, "%" PRIi32, v.i32); break;
        case 'u': fprintf(f, "%" PRIu32, v.u32); break;
        case 'x': fprintf(f, "%" PRIi64, v.i64); break;
        case 't':
                if (v.u64 == UINT64_MAX)
                        fputs("infinity", f);
                else
                        fprintf(f, "%" PRIu64, v.u64);
                break;
        case 'd': fprintf(f, "%g", v.d); break;
        case 'h': fprintf(f, "%d", v.h); break;
        default: fputs(v.s, f); break; /* s, o, g */
        }
        return 0;
}

/* The members of the container just entered, separated by @sep. */
static int format_members(sd_bus_message *m, const char *sep, FILE *f) {
        bool first = true;
        int r;

        for (;;) {
                r = sd_bus_message_at_end(m, false);
                if (r < 0)
                        return r;
                if (r > 0)
                        return 0;
                if (!first)
                        fputs(sep, f);
                first = false;
                r = format_value(m, f);
                if (r < 0)
                        return r;
        }
}

static int format_value(sd_bus_message *m, FILE *f) {
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        if (!strchr("arve", type))
                return format_basic(m, type, f);
        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return r;
        r = format_members(m, type == 'a' ? " " : type == 'v' ? "" : ":", f);
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(m);
}

static struct json_object *json_value(sd_bus_message *m, int *error);

static struct json_object *json_basic(sd_bus_message *m, char type, int *error) {
        uint64_t u64 = 0;
        int64_t i64 = 0;
        uint32_t u32 = 0;
        int32_t i32 = 0;
        double d = 0;
        const char *s = NULL;
        int b = 0, r;

        switch (type) {
        case 'b':
                r = sd_bus_message_read_basic(m, type, &b);
                return r > 0 ? json_object_new_boolean(b) : (*error = -EBADMSG, NULL);
        case 't':
                r = sd_bus_message_read_basic(m, type, &u64);
                /* UINT64_MAX: no limit / not available, as everywhere in --json. */
                return r > 0 ? json_u64_or_null(u64) : (*error = -EBADMSG, NULL);
        case 'x':
                r = sd_bus_message_read_basic(m, type, &i64);
                return r > 0 ? json_object_new_int64(i64) : (*error = -EBADMSG, NULL);
        case 'u':
                r = sd_bus_message_read_basic(m, type, &u32);
                return r > 0 ? json_object_new_int64(u32) : (*error = -EBADMSG, NULL);
        case 'i':
                r = sd_bus_message_read_basic(m, type, &i32);
                return r > 0 ? json_object_new_int(i32) : (*error = -EBADMSG, NULL);
        case 'd':
                r = sd_bus_message_read_basic(m, type, &d);
                return r > 0 ? json_object_new_double(d) : (*error = -EBADMSG, NULL);
        case 's':
        case 'o':
        case 'g':
                r = sd_bus_message_read_basic(m, type, &s);
                return r > 0 ? json_object_new_string(s) : (*error = -EBADMSG, NULL);
        default: {
                /* y, n, q, h: no property of ours has them; text keeps the document valid if one appears. */
                _cleanup_free_ char *text = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&text, &size);
                if (!f)
                        return *error = -ENOMEM, NULL;
                r = format_basic(m, type, f);
                fclose(f);
                return r < 0 ? (*error = r, NULL) : json_object_new_string(text);
        }
        }
}

static struct json_object *json_value(sd_bus_message *m, int *error) {
        struct json_object *a;
        const char *contents;
        char type;
        int r;

        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return *error = r < 0 ? r : -EBADMSG, NULL;
        if (!strchr("arve", type))
                return json_basic(m, type, error);
        r = sd_bus_message_enter_container(m, type, contents);
        if (r < 0)
                return *error = r, NULL;
        if (type == 'v') {
                a = json_value(m, error);
        } else {
                /* Arrays and structures (and dict entries) alike: a JSON array. */
                a = json_object_new_array();
                while (a && (r = sd_bus_message_at_end(m, false)) == 0 && *error == 0)
                        (void) json_object_array_add(a, json_value(m, error));
                if (r < 0)
                        *error = r;
        }
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                *error = r;
        return a;
}

/* systemctl's way with times: a *Timestamp (and NextRunUSec, also µs since the epoch) as a date, "" for
 * never; any other *USec as a duration ("1min 30s", "infinity"). --json and busctl keep the numbers.
 * Returns 1 when @name is such a property and its value was printed, 0 to print it the generic way. */
static int format_time_property(sd_bus_message *m, const char *name, FILE *f) {
        const char *contents;
        char type, buf[64];
        bool timestamp = endswith(name, "Timestamp") || streq(name, "NextRunUSec");
        uint64_t v;
        int r;

        if (!timestamp && !endswith(name, "USec"))
                return 0;
        r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r < 0 ? r : -EBADMSG;
        if (type != 'v' || !streq(contents, "t"))
                return 0;
        r = sd_bus_message_read(m, "v", "t", &v);
        if (r < 0)
                return r;
        fputs(timestamp ? format_timestamp(buf, sizeof buf, v) : format_timespan(buf, sizeof buf, v), f);
        return 1;
}

/* One object's properties: printed as text, or added to @json. */
static int show_object(sd_bus *bus, const char *path, const char *interface, const ShowOptions *o,
                       struct json_object *json) {
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *name;
        int r;

        r = bus_call_method(bus, CGSUP_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", &error,
                               &reply, "s", interface);
        if (r < 0)
                return bus_log_call_error(&error, r);
        r = sd_bus_message_enter_container(reply, 'a', "{sv}");
        if (r < 0)
                goto bad;
        while ((r = sd_bus_message_enter_container(reply, 'e', "sv")) > 0) {
                r = sd_bus_message_read_basic(reply, 's', &name);
                if (r < 0)
                        goto bad;
                if (!wanted(o, name)) {
                        r = sd_bus_message_skip(reply, "v");
                } else if (json) {
                        int e = 0;
                        json_add(json, name, json_value(reply, &e));
                        r = e;
                } else {
                        _cleanup_free_ char *text = NULL;
                        size_t size = 0;
                        FILE *f = open_memstream(&text, &size);
                        if (!f)
                                return -ENOMEM;
                        r = format_time_property(reply, name, f);
                        if (r == 0)
                                r = format_value(reply, f);
                        fclose(f);
                        if (r >= 0 && o->value_only)
                                printf("%s\n", text);
                        else if (r >= 0)
                                printf("%s=%s\n", name, text);
                }
                if (r < 0)
                        goto bad;
                r = sd_bus_message_exit_container(reply);
                if (r < 0)
                        goto bad;
        }
        if (r < 0)
                goto bad;
        return 0;
bad:
        fprintf(stderr, "cgsupctl: cannot read the properties of %s: %s\n", path, strerror(-r));
        return r;
}

static int parse_show_options(int argc, char **argv, ShowOptions *o) {
        int c;

        while ((c = getopt_long(argc, argv, "+p:", show_options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        /* -p A,B as systemctl: several names in one option. */
                        for (const char *p = optarg; *p;) {
                                size_t k = strcspn(p, ",");
                                _cleanup_free_ char *one = strndup(p, k);
                                if (!one || (k > 0 && strv_extend(&o->properties, one) < 0))
                                        return 1;
                                p += k + (p[k] == ',');
                        }
                        break;
                case ARG_VALUE:
                        o->value_only = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        return 0;
}

/* Without names: the manager object, like `systemctl show` without a unit. */
static int show_manager(const ShowOptions *o) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_json_ struct json_object *props = NULL, *root = NULL;

        if (bus_connect(&bus) < 0)
                return 1;
        if (arg_json) {
                props = json_object_new_object();
                root = json_object_new_object();
                if (!props || !root)
                        return 1;
        }
        if (show_object(bus, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, o, props) < 0)
                return 1;
        if (!arg_json)
                return 0;
        json_add(root, "manager", TAKE_PTR(props));
        return json_print(root) < 0;
}

int verb_show(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_json_ struct json_object *arr = NULL, *root = NULL;
        _cleanup_strv_free_ char **props = NULL;
        _cleanup_free_ ListEntry *list = NULL;
        _cleanup_free_ size_t *order = NULL;
        ShowOptions o = {};
        bool unknown = false, first = true;
        size_t n = 0, n_order = 0;
        int r;

        r = parse_show_options(argc, argv, &o);
        props = o.properties; /* freed on every path */
        if (r != 0)
                return r;
        if (optind >= argc)
                return show_manager(&o);

        r = connect_and_list_programs(&bus, &reply, &list, &n);
        if (r < 0)
                return 1;
        if (list_select(list, n, argv + optind, (size_t) (argc - optind), SELECT_LIST_ORDER, &order, &n_order,
                        &unknown) < 0)
                return 1;
        if (arg_json) {
                arr = json_object_new_array();
                root = json_object_new_object();
                if (!arr || !root)
                        return 1;
        }
        for (size_t k = 0; k < n_order; k++) {
                size_t i = order[k];
                struct json_object *one = NULL;

                if (arr) {
                        one = json_object_new_object();
                        if (!one || json_object_array_add(arr, one) < 0)
                                return 1;
                } else if (!first)
                        putchar('\n');
                first = false;
                if (show_object(bus, list[i].path, CGSUP_BUS_PROGRAM_INTERFACE, &o, one) < 0)
                        return bus_saw_no_such_program() ? EXIT_NO_SUCH_PROGRAM : 1;
        }
        if (root) {
                json_add(root, "programs", TAKE_PTR(arr));
                if (json_print(root) < 0)
                        return 1;
        }
        return unknown ? EXIT_NO_SUCH_PROGRAM : 0;
}
