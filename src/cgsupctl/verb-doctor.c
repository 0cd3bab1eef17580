/* SPDX-License-Identifier: MIT */
/*
 * `cgsupctl doctor [--json] [--cgroup PATH]`: what this host can enforce, without a daemon.
 *
 * Where it looks — the cgroup under which cgsupd would create the programs' cgroups (the "target"):
 *  - a cgsupd answers on the bus (system, or session with --user) and no --cgroup is given: its own subtree
 *    (Manager.CGroup), where its programs really go, whatever cgroup this CLI runs in.
 *  - `--cgroup PATH` given: PATH, as cgsupd's --cgroup would use it. If PATH does not exist yet, its nearest
 *    existing ancestor is checked instead, because that is where cgsupd would have to create it and enable
 *    the controllers.
 *  - we sit in the root cgroup: the root (cgsupd's default subtree is then /cgsup, created below it). The
 *    root may enable every controller listed in its cgroup.controllers; it is exempt from the
 *    no-internal-process rule.
 *  - anywhere else: our own cgroup (its parent if we are in a "supervisor" leaf, as cgsupd does). Under
 *    systemd with Delegate=yes that is the service's delegated cgroup, which cgsupd uses as its subtree (it
 *    moves itself into a leaf and enables controllers for its children). Only controllers the parent
 *    enabled for it (its cgroup.controllers) can be passed on.
 * A limit key is enforceable when the target offers its controller and the target is delegated to us
 * (cgroup.procs, cgroup.subtree_control and the directory writable), plus per-key kernel checks where they
 * can be seen from the target (memory.swap.max needs swap accounting, io.weight needs blk-iocost).
 * Each refusal comes with its fix (kernel command line, Delegate=yes, the unit to use): fix_for().
 * Exit status: 0 when every limit key can be enforced, 1 otherwise, 2 on usage errors.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bus-util.h"
#include "cgsup/cgroup.h"
#include "cgsup/leaf.h"
#include "cgsupctl.h"
#include "fd-util.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "table.h"

#define N_CONTROLLER_BITS 5

typedef struct LimitVerdict {
        bool enforceable;
        char *reason; /* NULL when enforceable */
        char *fix;    /* what to change so it can be, or NULL when we know no fix */
} LimitVerdict;

typedef struct Doctor {
        char *mount; /* NULL: no cgroup2 mount */
        int root_fd;
        char *own;    /* relative, "" for the root */
        char *target; /* relative */
        const char *target_why;
        bool target_missing;    /* --cgroup PATH does not exist: target is its nearest ancestor */
        char *requested;        /* --cgroup PATH as given, normalised */
        char *daemon_cgroup;    /* the running cgsupd's subtree (relative), when one answered */
        int delegated;          /* 1, 0, or -errno */
        char *controllers_text; /* target's cgroup.controllers, whitespace-normalised */
        unsigned controllers;
        char *v1_mount[N_CONTROLLER_BITS]; /* v1 hierarchy a controller is bound to, if any */
        bool have_features;
        CgsupKernelFeatures features;
        LimitVerdict limits[_CGSUP_LIMIT_COUNT];
} Doctor;

static void doctor_done(Doctor *d) {
        free(d->mount);
        safe_close(d->root_fd);
        free(d->own);
        free(d->target);
        free(d->requested);
        free(d->controllers_text);
        for (size_t i = 0; i < N_CONTROLLER_BITS; i++)
                free(d->v1_mount[i]);
        for (size_t i = 0; i < _CGSUP_LIMIT_COUNT; i++) {
                free(d->limits[i].reason);
                free(d->limits[i].fix);
        }
        free(d->daemon_cgroup);
}

static int controller_index(unsigned bit) {
        for (int i = 0; i < N_CONTROLLER_BITS; i++)
                if (bit == 1U << i)
                        return i;
        return -1;
}

/*
 * On hybrid hosts (this project's dev host) the controllers live in cgroup v1 hierarchies and cgroup2 has
 * none: saying so beats "not available". v1 names differ: the io controller is "blkio" there.
 */
static void find_v1_controllers(Doctor *d) {
        _cleanup_free_ char *text = NULL;
        char *save = NULL;

        if (read_full_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 * 1024 * 1024, &text, NULL) < 0)
                return;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char mnt[4096], fstype[64], opts[1024];
                const char *sep = strstr(line, " - ");

                /* fields: id parent maj:min root mountpoint ... - fstype source superopts */
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
                    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2 || !streq(fstype, "cgroup"))
                        continue;
                for (char *o = strtok(opts, ","); o; o = strtok(NULL, ",")) {
                        unsigned bit = streq(o, "blkio") ? CGSUP_CONTROLLER_IO : 0;
                        for (unsigned b = 1; !bit && b < 1U << N_CONTROLLER_BITS; b <<= 1)
                                if (streq(o, cgsup_controller_to_string(b)))
                                        bit = b;
                        int i = controller_index(bit);
                        if (i >= 0 && !d->v1_mount[i])
                                d->v1_mount[i] =
                                        strdup(mnt); /* mountinfo escapes (\040) kept: display only */
                }
        }
}

static char *abs_path(const char *rel) {
        char *s;
        if (asprintf(&s, "/%s", rel) < 0)
                return NULL;
        return s;
}

static int verdict(LimitVerdict *v, const char *fmt, ...) _printf_(2, 3);
static int verdict(LimitVerdict *v, const char *fmt, ...) {
        va_list ap;
        int r;

        v->enforceable = false;
        va_start(ap, fmt);
        r = vasprintf(&v->reason, fmt, ap);
        va_end(ap);
        if (r < 0) {
                v->reason = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* The kernel option a controller needs when the kernel has none at all. */
static const char *controller_kconfig(unsigned controller) {
        switch (controller) {
        case CGSUP_CONTROLLER_MEMORY:
                return "CONFIG_MEMCG";
        case CGSUP_CONTROLLER_PIDS:
                return "CONFIG_CGROUP_PIDS";
        case CGSUP_CONTROLLER_CPU:
                return "CONFIG_CGROUP_SCHED and CONFIG_CFS_BANDWIDTH";
        case CGSUP_CONTROLLER_IO:
                return "CONFIG_BLK_CGROUP";
        default:
                return "the controller";
        }
}

/* What to change so that @r no longer refuses; NULL where no change on our side helps (a value the kernel
 * refused). The controller held by cgroup v1 is the usual case on hybrid hosts: its fix is the kernel
 * command line, not anything cgsupd could do. */
static char *fix_for(const Doctor *d, const CgsupRefusal *r) {
        const char *ctrl = cgsup_controller_to_string(r->controller) ?: "?";
        const char *v1name = r->controller == CGSUP_CONTROLLER_IO ? "blkio" : ctrl;
        int i = controller_index(r->controller);
        char *s = NULL;
        int k = -1;

        switch (r->reason) {
        case CGSUP_REFUSAL_NO_CONTROLLER:
                if (i >= 0 && d->v1_mount[i])
                        k = asprintf(&s,
                                     "%s is held by the cgroup v1 hierarchy at %s: boot with "
                                     "systemd.unified_cgroup_hierarchy=1 on the kernel command line (cgroup v2 only, "
                                     "the default since systemd 247), or add cgroup_no_v1=%s to give cgroup2 this "
                                     "controller alone; then reboot",
                                     ctrl, d->v1_mount[i], v1name);
                else
                        k = asprintf(&s, "this kernel has no %s controller: use one built with %s", ctrl,
                                     controller_kconfig(r->controller));
                break;
        case CGSUP_REFUSAL_WITHHELD:
                k = asprintf(&s,
                             "/%s does not pass %s on to its children: run cgsupd as the systemd unit "
                             "cgsupd.service (Delegate=yes gives it every controller), or as root write +%s to "
                             "cgroup.subtree_control of each cgroup from the root down to /%s",
                             r->cgroup, ctrl, ctrl, r->cgroup);
                break;
        case CGSUP_REFUSAL_NOT_DELEGATED:
                k = asprintf(&s,
                             "/%s is not delegated: run cgsupd as root (cgsupd.service, Delegate=yes), or for "
                             "a user instance in a delegated scope: systemd-run --user --scope -p Delegate=yes "
                             "cgsupd --user",
                             r->cgroup);
                break;
        case CGSUP_REFUSAL_INTERNAL_PROCESS:
                k = asprintf(&s,
                             "/%s holds processes itself: give cgsupd a subtree of its own (cgsupd.service with "
                             "Delegate=yes, or --cgroup PATH of an empty cgroup)",
                             r->cgroup);
                break;
        case CGSUP_REFUSAL_NO_FILE:
                if (r->limit == CGSUP_LIMIT_MEMORY_SWAP_MAX)
                        k = asprintf(&s, "swap accounting is off: boot with swapaccount=1 (kernels before 5.8, "
                                         "or a distribution that disables it), or drop memory_swap_max");
                else if (r->limit == CGSUP_LIMIT_IO_WEIGHT)
                        k = asprintf(&s, "io.weight needs the BFQ I/O scheduler or blk-iocost "
                                         "(CONFIG_BLK_CGROUP_IOCOST) on the program's disks");
                break;
        default:
                break;
        }
        return k < 0 ? NULL : s;
}

/* The verdict is libcgsup's leaf check for a program leaf below the checked cgroup, worded by the one
 * refusal text: the daemon and `run --standalone` say exactly the same for the same host. */
static int judge_limit(Doctor *d, CgsupLimit l) {
        _cleanup_(cgsup_leaf_freep) CgsupLeaf *leaf = NULL;
        _cleanup_free_ char *probe = NULL;
        LimitVerdict *v = &d->limits[l];
        CgsupRefusal refusal = {};
        CgsupLimits limits = {};
        bool weight = l == CGSUP_LIMIT_CPU_WEIGHT || l == CGSUP_LIMIT_IO_WEIGHT;
        const char *base = d->requested ?: d->target;
        int r;

        if (!d->mount)
                return verdict(v, "no cgroup2 mount in /proc/self/mountinfo");
        /* Any valid value: only its controller and file matter for the check. */
        cgsup_limits_set(&limits, l, weight ? 100 : CGSUP_LIMIT_INFINITY);
        if (asprintf(&probe, "%s%sprogram", base, isempty(base) ? "" : "/") < 0)
                return -ENOMEM;
        r = cgsup_leaf_new(d->root_fd, probe, &leaf);
        if (r < 0)
                return r;
        r = cgsup_leaf_check(leaf, &limits, &refusal);
        if (r >= 0) {
                v->enforceable = true;
                return 0;
        }
        v->enforceable = false;
        v->fix = fix_for(d, &refusal);
        if (cgsup_refusal_format(&refusal, d->mount, &v->reason) < 0)
                return verdict(v, "cannot be checked: %s", strerror(-r));
        return 0;
}

/* A Manager property of a cgsupd that runs already: the call must not start one through D-Bus activation
 * (org.cgsup1.service) just to be examined. */
static int running_daemon_property(sd_bus *bus, const char *property, char **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *s;
        int r;

        r = sd_bus_message_new_method_call(bus, &m, CGSUP_BUS_NAME, CGSUP_BUS_PATH, "org.freedesktop.DBus.Properties",
                                           "Get");
        if (r >= 0)
                r = sd_bus_message_set_auto_start(m, false);
        if (r >= 0)
                r = sd_bus_message_append(m, "ss", CGSUP_BUS_MANAGER_INTERFACE, property);
        if (r >= 0)
                r = bus_call(bus, m, 0, NULL, &reply);
        if (r >= 0)
                r = sd_bus_message_read(reply, "v", "s", &s);
        if (r < 0)
                return r;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

/* The subtree of the cgsupd that answers on our bus, if one runs and uses the same cgroup2 mount. Quiet:
 * without a daemon the doctor checks where one would go. */
static void find_daemon_subtree(Doctor *d) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *cgroup = NULL, *mount = NULL;

        if (bus_open(&bus) < 0)
                return;
        if (running_daemon_property(bus, "CGroup", &cgroup) < 0 ||
            running_daemon_property(bus, "CGroupMount", &mount) < 0)
                return;
        if (!d->mount || !streq(mount, d->mount) || strstr(cgroup, ".."))
                return;
        d->daemon_cgroup = strdup(cgroup + strspn(cgroup, "/"));
}

/* Nearest existing ancestor of @path (itself if it exists). */
static int existing_ancestor(int root_fd, const char *path, char **ret) {
        _cleanup_free_ char *p = strdup(path);
        struct stat st;

        if (!p)
                return -ENOMEM;
        for (;;) {
                if (isempty(p) || fstatat(root_fd, p, &st, 0) >= 0)
                        break;
                if (errno != ENOENT)
                        return -errno;
                char *slash = strrchr(p, '/');
                if (slash)
                        *slash = 0;
                else
                        p[0] = 0;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

static int doctor_run(Doctor *d, const char *cgroup_arg) {
        _cleanup_free_ char *text = NULL, *rel = NULL;
        int r;

        find_v1_controllers(d);

        r = cgsup_cgroup2_open_root(&d->root_fd, &d->mount);
        if (r == -ENOENT) {
                d->mount = NULL;
                goto judge;
        }
        if (r < 0)
                return log_error_errno(r, "Failed to open the cgroup2 mount: %m");

        r = cgsup_cgroup_of_pid(0, &d->own);
        if (r < 0)
                return log_error_errno(r, "Failed to read our cgroup from /proc/self/cgroup: %m");

        if (!cgroup_arg)
                find_daemon_subtree(d);
        if (d->daemon_cgroup) {
                d->target = strdup(d->daemon_cgroup);
                d->target_why = "the subtree of the running cgsupd (its CGroup property)";
        } else if (cgroup_arg) {
                const char *p = cgsup_cgroup_path_below_mount(d->mount, cgroup_arg);
                size_t n = strlen(p);

                while (n > 0 && p[n - 1] == '/')
                        n--;
                d->requested = strndup(p, n);
                if (!d->requested)
                        return log_oom();
                if (strstr(d->requested, "..") || strstr(d->requested, "//")) {
                        (void) usage_error("--cgroup: invalid cgroup path '%s'.", cgroup_arg);
                        return -EINVAL;
                }
                r = existing_ancestor(d->root_fd, d->requested, &d->target);
                if (r < 0)
                        return log_error_errno(r, "Failed to look up cgroup '%s': %m", cgroup_arg);
                d->target_missing = !streq(d->target, d->requested);
                d->target_why = "given with --cgroup";
        } else if (isempty(d->own)) {
                d->target = strdup("");
                d->target_why = "we are in the root cgroup (cgsupd would create /cgsup below it)";
        } else {
                size_t n = strlen(d->own);
                /* Like cgsupd: inside its "supervisor" leaf, the subtree is the leaf's parent. */
                if (n > 11 && streq(d->own + n - 11, "/supervisor"))
                        n -= 11;
                d->target = strndup(d->own, n);
                d->target_why =
                        "our own cgroup (cgsupd under systemd with Delegate=yes uses it as its subtree)";
        }
        if (!d->target)
                return log_oom();

        d->delegated = cgsup_cgroup_is_delegated(d->root_fd, d->target);

        if (asprintf(&rel, "%s%scgroup.controllers", d->target, isempty(d->target) ? "" : "/") < 0)
                return log_oom();
        r = read_full_file_at(d->root_fd, rel, 64 * 1024, &text, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s/%s: %m", d->mount, rel);
        r = cgsup_controllers_parse(text, &d->controllers);
        if (r < 0)
                return log_error_errno(r, "Failed to parse %s/%s: %m", d->mount, rel);
        text[strcspn(text, "\n")] = 0;
        d->controllers_text = TAKE_PTR(text);

        r = cgsup_kernel_features(d->root_fd, d->target, &d->features);
        if (r < 0)
                return log_error_errno(r, "Failed to probe kernel features: %m");
        d->have_features = true;

judge:
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++) {
                r = judge_limit(d, (CgsupLimit) l);
                if (r < 0)
                        return log_oom();
        }
        return 0;
}

static bool all_enforceable(const Doctor *d) {
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++)
                if (!d->limits[l].enforceable)
                        return false;
        return true;
}

static struct json_object *feature_json(const Doctor *d, bool have) {
        return d->have_features ? json_object_new_boolean(have) : NULL;
}

static int print_json(const Doctor *d) {
        _cleanup_json_ struct json_object *o = json_object_new_object();
        struct json_object *kernel, *limits, *ctrls, *v1;

        if (!o)
                return log_oom();

        kernel = json_object_new_object();
        json_add(o, "kernel", kernel);
        /* Every key always there (the doctor schema): null when the features could not be probed. */
        json_add(kernel, "release", d->have_features ? json_object_new_string(d->features.release) : NULL);
        json_add(kernel, "clone3_into_cgroup", feature_json(d, d->features.clone3_into_cgroup));
        json_add(kernel, "cgroup_kill", feature_json(d, d->features.cgroup_kill));
        json_add(kernel, "memory_peak", feature_json(d, d->features.memory_peak));
        json_add(kernel, "pidfd", feature_json(d, d->features.pidfd));
        json_add(kernel, "cgroup_freeze", feature_json(d, d->features.cgroup_freeze));

        json_add(o, "cgroup2_mount", json_string_or_null(d->mount));
        {
                _cleanup_free_ char *own = d->own ? abs_path(d->own) : NULL,
                                    *target = d->target ? abs_path(d->target) : NULL,
                                    *req = d->requested ? abs_path(d->requested) : NULL;
                json_add(o, "own_cgroup", json_string_or_null(own));
                json_add(o, "target_cgroup", json_string_or_null(target));
                json_add(o, "target_reason", json_string_or_null(d->target_why));
                json_add(o, "requested_cgroup", json_string_or_null(req));
                json_add(o, "requested_cgroup_exists",
                         d->requested ? json_object_new_boolean(!d->target_missing) : NULL);
        }
        json_add(o, "delegated",
                 d->mount && d->delegated >= 0 ? json_object_new_boolean(d->delegated > 0) : NULL);

        ctrls = json_object_new_array();
        if (d->controllers_text) {
                _cleanup_free_ char *copy = strdup(d->controllers_text);
                char *save = NULL;
                for (char *w = copy ? strtok_r(copy, " \t", &save) : NULL; w;
                     w = strtok_r(NULL, " \t", &save))
                        json_object_array_add(ctrls, json_object_new_string(w));
        }
        json_add(o, "controllers", ctrls);

        v1 = json_object_new_object();
        for (int i = 0; i < N_CONTROLLER_BITS; i++)
                if (d->v1_mount[i])
                        json_add(v1, cgsup_controller_to_string(1U << i),
                                 json_object_new_string(d->v1_mount[i]));
        json_add(o, "cgroup_v1_controllers", v1);

        limits = json_object_new_object();
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++) {
                struct json_object *e = json_object_new_object();
                json_add(e, "enforceable", json_object_new_boolean(d->limits[l].enforceable));
                json_add(e, "controller",
                         json_object_new_string(
                                 cgsup_controller_to_string(cgsup_limit_controller((CgsupLimit) l))));
                json_add(e, "file", json_object_new_string(cgsup_limit_file((CgsupLimit) l)));
                json_add(e, "reason", json_string_or_null(d->limits[l].reason));
                json_add(e, "fix", json_string_or_null(d->limits[l].fix));
                json_add(limits, cgsup_limit_to_string((CgsupLimit) l), e);
        }
        json_add(o, "limits", limits);
        json_add(o, "all_enforceable", json_object_new_boolean(all_enforceable(d)));

        int r = json_print(o);
        if (r < 0)
                return log_error_errno(r, "Failed to print JSON: %m");
        return 0;
}

static void line(const char *key, const char *value, const char *color) {
        printf("%-22s %s%s%s\n", key, color ? ansi(color) : "", value, color ? ansi(ANSI_NORMAL) : "");
}

static void line_yes_no(const char *key, bool b) {
        line(key, yes_no(b), b ? ANSI_GREEN : ANSI_RED);
}

static unsigned first_v1(const Doctor *d) {
        for (int i = 0; i < N_CONTROLLER_BITS; i++)
                if (d->v1_mount[i])
                        return 1U << i;
        return 0;
}

/* One line per distinct fix, with the keys it unlocks: four keys held by v1's memory controller get one. */
static void print_fixes(const Doctor *d) {
        bool done[_CGSUP_LIMIT_COUNT] = {}, header = false;

        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++) {
                if (done[l] || !d->limits[l].fix)
                        continue;
                if (!header)
                        printf("\nTo fix:\n");
                header = true;
                printf("  %s", cgsup_limit_to_string((CgsupLimit) l));
                for (int m = l + 1; m < _CGSUP_LIMIT_COUNT; m++)
                        if (!done[m] && d->limits[m].fix && streq(d->limits[m].fix, d->limits[l].fix)) {
                                printf(", %s", cgsup_limit_to_string((CgsupLimit) m));
                                done[m] = true;
                        }
                printf(": %s.\n", d->limits[l].fix);
        }
}

static int print_human(const Doctor *d) {
        static const char *const headers[] = { "LIMIT", "ENFORCEABLE", "CONTROLLER", "REASON" };
        _cleanup_free_ char *own = d->own ? abs_path(d->own) : NULL,
                            *target = d->target ? abs_path(d->target) : NULL;
        Table *t;
        unsigned n_ok = 0;
        int r;

        if (d->have_features) {
                line("Kernel:", d->features.release, NULL);
                line_yes_no("  clone3 into cgroup:", d->features.clone3_into_cgroup);
                line_yes_no("  cgroup.kill:", d->features.cgroup_kill);
                line_yes_no("  cgroup.freeze:", d->features.cgroup_freeze);
                line_yes_no("  memory.peak:", d->features.memory_peak);
                line_yes_no("  pidfd:", d->features.pidfd);
        }
        line("cgroup2 mount:", d->mount ?: "none found", d->mount ? NULL : ANSI_RED);
        if (d->mount) {
                line("Our cgroup:", strna(own), NULL);
                if (d->requested) {
                        _cleanup_free_ char *req = abs_path(d->requested);
                        line("Requested cgroup:", strna(req), NULL);
                        if (d->target_missing)
                                line("", "(does not exist yet: checking where it would be created)",
                                     ANSI_GREY);
                }
                line("Checked cgroup:", strna(target), NULL);
                line("", d->target_why, ANSI_GREY);
                line("Delegated to us:", d->delegated < 0 ? "unknown" : yes_no(d->delegated > 0),
                     d->delegated > 0 ? ANSI_GREEN : ANSI_RED);
                line("Controllers:", isempty(d->controllers_text) ? "(none)" : d->controllers_text, NULL);
        }
        for (int i = 0; i < N_CONTROLLER_BITS; i++)
                if (d->v1_mount[i]) {
                        char key[64];
                        if (i == controller_index(first_v1(d)))
                                line("In cgroup v1:", "(controllers cgroup2 cannot use while v1 holds them)",
                                     ANSI_GREY);
                        snprintf(key, sizeof(key), "  %s (v1):", cgsup_controller_to_string(1U << i));
                        line(key, d->v1_mount[i], ANSI_YELLOW);
                }
        printf("\n");

        t = table_new(ELEMENTSOF(headers), headers);
        if (!t)
                return log_oom();
        for (int l = 0; l < _CGSUP_LIMIT_COUNT; l++) {
                const LimitVerdict *v = &d->limits[l];
                n_ok += v->enforceable;
                if (table_add_cell(t, cgsup_limit_to_string((CgsupLimit) l), NULL) < 0 ||
                    table_add_cell(t, yes_no(v->enforceable), v->enforceable ? ANSI_GREEN : ANSI_RED) < 0 ||
                    table_add_cell(t, cgsup_controller_to_string(cgsup_limit_controller((CgsupLimit) l)),
                                   NULL) < 0 ||
                    table_add_cell(t, v->reason ?: "-", NULL) < 0) {
                        table_free(t);
                        return log_oom();
                }
        }
        r = table_print(t, stdout);
        table_free(t);
        if (r < 0)
                return log_error_errno(r, "Failed to print table: %m");

        printf("\n%s%u of %d limit keys can be enforced here.%s\n",
               ansi(n_ok == _CGSUP_LIMIT_COUNT ? ANSI_GREEN : ANSI_RED), n_ok, (int) _CGSUP_LIMIT_COUNT,
               ansi(ANSI_NORMAL));
        print_fixes(d);
        return 0;
}

enum { ARG_CGROUP = 0x100 };

const struct option doctor_options[] = {
        { "cgroup", required_argument, NULL, ARG_CGROUP },
        {},
};

int verb_doctor(int argc, char **argv) {
        _cleanup_(doctor_done) Doctor d = { .root_fd = -EBADF };
        const char *cgroup_arg = NULL;
        int c, r;

        while ((c = getopt_long(argc, argv, "+", doctor_options, NULL)) >= 0)
                switch (c) {
                case ARG_CGROUP:
                        cgroup_arg = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        /* It reads this host's /proc and cgroup files: over ssh it would describe the wrong machine. */
        if (arg_host)
                return usage_error("doctor checks the host it runs on and cannot work over -H; run "
                                   "'ssh %s cgsupctl doctor' instead.", arg_host);
        r = doctor_run(&d, cgroup_arg);
        if (r == -EINVAL && cgroup_arg)
                return EXIT_USAGE;
        if (r < 0)
                return 1;

        r = arg_json ? print_json(&d) : print_human(&d);
        if (r < 0)
                return 1;
        return all_enforceable(&d) ? 0 : 1;
}
