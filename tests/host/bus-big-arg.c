/* SPDX-License-Identifier: MIT */
/*
 * Test helper for the bus host tests: sends arguments busctl cannot (a command line argument is limited
 * to 128 KiB). Prints "ok" or "error <name>: <message>" and exits 0 when the call got any answer.
 *
 *   bus-big-arg string METHOD SIZE      Manager.METHOD(s) with a SIZE-byte name
 *   bus-big-arg argv COUNT              Manager.RunTransient() with COUNT argv entries
 *   bus-big-arg env COUNT               Manager.RunTransient(["true"]) with COUNT environment entries
 *   bus-big-arg setprop NAME KEY TYPE VALUE
 *                                       Manager.SetProperties(NAME, {KEY: <TYPE VALUE>}), TYPE t, s, b or i
 *   bus-big-arg run KEY TYPE VALUE CMD... Manager.RunTransient(CMD, {KEY: <TYPE VALUE>})
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

static int finish(int r, sd_bus_error *error) {
        if (r >= 0)
                printf("ok\n");
        else if (sd_bus_error_is_set(error))
                printf("error %s: %.200s\n", error->name, error->message ? error->message : "");
        else {
                printf("failed %s\n", strerror(-r));
                return 1;
        }
        return 0;
}

int main(int argc, char **argv) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        sd_bus *bus = NULL;
        int r, ret;

        if (argc < 3) {
                fprintf(stderr, "usage: bus-big-arg string METHOD SIZE | argv COUNT | env COUNT\n");
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "cannot connect: %s\n", strerror(-r));
                return 1;
        }

        if (strcmp(argv[1], "string") == 0 && argc == 4) {
                size_t n = strtoul(argv[3], NULL, 10);
                char *s = malloc(n + 1);
                if (!s)
                        return 1;
                memset(s, 'a', n);
                s[n] = 0;
                r = sd_bus_message_new_method_call(bus, &m, "org.cgsup1", "/org/cgsup1", "org.cgsup1.Manager",
                                                   argv[2]);
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", s);
                free(s);
        } else if ((strcmp(argv[1], "argv") == 0 || strcmp(argv[1], "env") == 0) && argc == 3) {
                size_t n = strtoul(argv[2], NULL, 10);
                int env = strcmp(argv[1], "env") == 0;
                r = sd_bus_message_new_method_call(bus, &m, "org.cgsup1", "/org/cgsup1", "org.cgsup1.Manager",
                                                   "RunTransient");
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "s");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", "true");
                for (size_t i = 0; !env && r >= 0 && i < n; i++)
                        r = sd_bus_message_append(m, "s", "x");
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{sv}");
                if (r >= 0 && env) {
                        r = sd_bus_message_open_container(m, 'e', "sv");
                        if (r >= 0)
                                r = sd_bus_message_append(m, "s", "Environment");
                        if (r >= 0)
                                r = sd_bus_message_open_container(m, 'v', "as");
                        if (r >= 0)
                                r = sd_bus_message_open_container(m, 'a', "s");
                        for (size_t i = 0; r >= 0 && i < n; i++)
                                r = sd_bus_message_append(m, "s", "K=v");
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                        if (r >= 0)
                                r = sd_bus_message_close_container(m);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        } else if ((strcmp(argv[1], "setprop") == 0 && argc == 6) || (strcmp(argv[1], "run") == 0 && argc >= 5)) {
                int run = strcmp(argv[1], "run") == 0;
                const char *key = argv[run ? 2 : 3], *type = argv[run ? 3 : 4], *value = argv[run ? 4 : 5];

                r = sd_bus_message_new_method_call(bus, &m, "org.cgsup1", "/org/cgsup1", "org.cgsup1.Manager",
                                                   run ? "RunTransient" : "SetProperties");
                if (r >= 0 && run)
                        r = sd_bus_message_append_strv(m, argv + 5);
                else if (r >= 0)
                        r = sd_bus_message_append(m, "s", argv[2]);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'a', "{sv}");
                if (r >= 0) {
                        if (strcmp(type, "t") == 0)
                                r = sd_bus_message_append(m, "{sv}", key, "t", (uint64_t) strtoull(value, NULL, 0));
                        else if (strcmp(type, "i") == 0)
                                r = sd_bus_message_append(m, "{sv}", key, "i", (int32_t) strtol(value, NULL, 0));
                        else if (strcmp(type, "b") == 0)
                                r = sd_bus_message_append(m, "{sv}", key, "b", (int) (strcmp(value, "true") == 0));
                        else
                                r = sd_bus_message_append(m, "{sv}", key, "s", value);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        } else {
                fprintf(stderr, "bad arguments\n");
                return 2;
        }
        if (r < 0) {
                fprintf(stderr, "cannot build message: %s\n", strerror(-r));
                return 1;
        }

        r = sd_bus_call(bus, m, 30 * 1000000ULL, &error, &reply);
        ret = finish(r, &error);
        sd_bus_error_free(&error);
        sd_bus_message_unref(reply);
        sd_bus_message_unref(m);
        sd_bus_flush_close_unref(bus);
        return ret;
}
