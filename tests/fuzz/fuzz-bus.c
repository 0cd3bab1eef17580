/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the D-Bus argument decoding of every method of org.cgsup1.Manager, and the program object
 * lookup and property getters, without a bus daemon.
 *
 * The method table is bus_manager_vtable itself: for the method an input selects, the harness builds a
 * call with exactly the method's declared signature (what sd-bus' own dispatcher lets through) and fills
 * it from the input — strings, numbers, arrays of any length, variants of any type — then calls the
 * handler as sd-bus would. Methods added later are fuzzed without touching this file.
 *
 * The messages are built on a connection that was started and closed at once (a pipe that never
 * authenticated): sd-bus allows messages on it, sends fail with ENOTCONN, and the caller's credentials
 * cannot be determined, so polkit.c denies every mutation after the arguments were decoded — exactly the
 * code an unprivileged client reaches. No program is ever started, stopped or changed.
 *
 * Input layout: byte 0 chooses the mode (low bit: method call or object path + properties) and the method;
 * byte 1 the message flags; then the arguments. A string is a length byte and that many bytes; a length
 * byte of 255 picks one of the words in fuzz_words[] (program names, verbs, property keys) instead, so the
 * fuzzer reaches the code behind the name lookups.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus-internal.h"
#include "conf-internal.h"
#include "fuzz.h"
#include "log.h"
#include "macro.h"
#include "program-ops.h"

/* The daemon the calls go to: groups, numprocs, dependencies, a health check, limits. */
static const char fuzz_config[] =
        "[cgsupd]\n"
        "[program:web]\n"
        "command=/bin/true\n"
        "healthcheck_type=http\n"
        "healthcheck_target=http://127.0.0.1:8080/health\n"
        "environment=DB_PASSWORD=\"hunter2\"\n"
        "memory_max=64M\n"
        "[program:worker]\n"
        "command=/bin/true --worker %(process_num)d\n"
        "process_name=%(program_name)s_%(process_num)02d\n"
        "numprocs=2\n"
        "depends_on=web:healthy\n"
        "[program:api]\n"
        "command=/bin/true\n"
        "autostart=false\n"
        "[group:backend]\n"
        "programs=api,worker\n";

static const char *const fuzz_words[] = {
        "web", "api", "worker", "worker_00", "backend:worker_01", "backend:*", "backend", "all", "nosuch",
        "start", "stop", "restart", "stdout", "stderr", "TERM", "SIGKILL", "HUP", "main", "group", "all",
        "MemoryMax", "MemoryHigh", "MemorySwapMax", "TasksMax", "CPUQuota", "CPUWeight", "IOWeight",
        "memory_max", "pids_max", "cpu_quota", "Name", "Environment", "WorkingDirectory", "User",
        "StandardInputFD", "StandardOutputFD", "StandardErrorFD", "SyscallFilter", "NoNewPrivileges",
        "/bin/true", "/org/cgsup1/program/web", "/org/cgsup1/program/backend_3aworker_5f00",
        CGSUP_BUS_MANAGER_INTERFACE, CGSUP_BUS_PROGRAM_INTERFACE, "",
};

/* Types a variant may hold ('h' is left out: the closed connection never negotiated fd passing). */
static const char *const fuzz_variant_types[] = {
        "s", "b", "t", "u", "i", "x", "d", "y", "n", "q", "o", "g", "as", "ay", "a{sv}", "(dddt)", "(us)",
};

#define FUZZ_DEPTH_MAX 8
#define FUZZ_ARRAY_MAX 16

typedef struct FuzzInput {
        const uint8_t *data;
        size_t size;
} FuzzInput;

static struct {
        bool ready;
        Manager manager;
        BusContext context;
        const sd_bus_vtable *methods[64];
        size_t n_methods;
        uint64_t cookie;
} fuzz;

static uint8_t take_byte(FuzzInput *in) {
        uint8_t b;

        if (in->size == 0)
                return 0;
        b = in->data[0];
        in->data++;
        in->size--;
        return b;
}

static void take_bytes(FuzzInput *in, void *buf, size_t n) {
        size_t k = MIN(n, in->size);

        memset(buf, 0, n);
        memcpy(buf, in->data, k);
        in->data += k;
        in->size -= k;
}

/* A string from the input (see the layout above), malloc'ed, NUL-terminated. */
static char *take_string(FuzzInput *in) {
        uint8_t len = take_byte(in);
        char *s;

        if (len == 255)
                return strdup(fuzz_words[take_byte(in) % ELEMENTSOF(fuzz_words)]);
        s = malloc((size_t) len + 1);
        if (!s)
                return NULL;
        take_bytes(in, s, len);
        s[len] = '\0';
        return s;
}

/* Length of the single complete type at the start of @sig ("a{sv}" in "a{sv}s" is 5), 0 if malformed. */
static size_t complete_type_length(const char *sig) {
        size_t n, depth = 0;

        for (n = 0; sig[n]; n++) {
                char c = sig[n];
                if (c == 'a')
                        continue;
                if (c == '(' || c == '{')
                        depth++;
                else if (c == ')' || c == '}') {
                        if (depth == 0)
                                return 0;
                        depth--;
                }
                if (depth == 0)
                        return n + 1;
        }
        return 0;
}

static int append_signature(sd_bus_message *m, const char *sig, FuzzInput *in, unsigned depth);

/* Appends one value of the complete type @type (of @len characters, not NUL-terminated). */
static int append_one(sd_bus_message *m, const char *type, size_t len, FuzzInput *in, unsigned depth) {
        _cleanup_free_ char *inner = NULL;
        int r;

        if (depth > FUZZ_DEPTH_MAX)
                return -E2BIG;

        switch (type[0]) {
        case 'y': case 'b': case 'n': case 'q': case 'i': case 'u': case 'x': case 't': case 'd': {
                uint64_t v;
                take_bytes(in, &v, sizeof v);
                if (type[0] == 'b')
                        v &= 1;
                /* sd_bus_message_append_basic() reads the width of the type from the pointer. */
                return sd_bus_message_append_basic(m, type[0], &v);
        }
        case 's': case 'o': case 'g': {
                _cleanup_free_ char *s = take_string(in);
                if (!s)
                        return -ENOMEM;
                return sd_bus_message_append_basic(m, type[0], s);
        }
        case 'v': {
                const char *t = fuzz_variant_types[take_byte(in) % ELEMENTSOF(fuzz_variant_types)];
                r = sd_bus_message_open_container(m, 'v', t);
                if (r < 0)
                        return r;
                r = append_signature(m, t, in, depth + 1);
                if (r < 0)
                        return r;
                return sd_bus_message_close_container(m);
        }
        case 'a': {
                unsigned n = take_byte(in) % FUZZ_ARRAY_MAX;
                inner = strndup(type + 1, len - 1);
                if (!inner)
                        return -ENOMEM;
                r = sd_bus_message_open_container(m, 'a', inner);
                if (r < 0)
                        return r;
                for (unsigned i = 0; i < n && in->size > 0; i++) {
                        r = append_signature(m, inner, in, depth + 1);
                        if (r < 0)
                                return r;
                }
                return sd_bus_message_close_container(m);
        }
        case '(': case '{':
                inner = strndup(type + 1, len - 2);
                if (!inner)
                        return -ENOMEM;
                r = sd_bus_message_open_container(m, type[0] == '(' ? 'r' : 'e', inner);
                if (r < 0)
                        return r;
                r = append_signature(m, inner, in, depth + 1);
                if (r < 0)
                        return r;
                return sd_bus_message_close_container(m);
        default:
                return -EINVAL;
        }
}

/* Appends values for every complete type of @sig, in order. */
static int append_signature(sd_bus_message *m, const char *sig, FuzzInput *in, unsigned depth) {
        while (*sig) {
                size_t len = complete_type_length(sig);
                int r;

                if (len == 0)
                        return -EINVAL;
                r = append_one(m, sig, len, in, depth);
                if (r < 0)
                        return r;
                sig += len;
        }
        return 0;
}

/* A call to @path's @member, sealed and rewound as sd-bus hands a received message to a handler. */
static int new_call(const char *path, const char *interface, const char *member, const char *sig, uint8_t flags,
                    FuzzInput *in, sd_bus_message **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        r = sd_bus_message_new_method_call(fuzz.context.bus, &m, CGSUP_BUS_NAME, path, interface, member);
        if (r < 0)
                return r;
        (void) sd_bus_message_set_allow_interactive_authorization(m, flags & 1);
        (void) sd_bus_message_set_expect_reply(m, !(flags & 2));
        r = append_signature(m, sig, in, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_seal(m, ++fuzz.cookie, 0);
        if (r < 0)
                return r;
        r = sd_bus_message_rewind(m, true);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(m);
        return 0;
}

static void fuzz_method(const sd_bus_vtable *v, uint8_t flags, FuzzInput *in) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;

        if (new_call(CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, v->x.method.member, strempty(v->x.method.signature),
                     flags, in, &m) < 0)
                return;
        (void) v->x.method.handler(m, &fuzz.context, &error);
        sd_bus_error_free(&error);
}

/* Calls every getter of @vtable for @userdata into one reply, as GetAll does. */
static void get_all(const sd_bus_vtable *vtable, const char *path, const char *interface, void *userdata,
                    sd_bus_message *reply) {
        for (const sd_bus_vtable *v = vtable; v->type != _SD_BUS_VTABLE_END; v++) {
                sd_bus_error error = SD_BUS_ERROR_NULL;

                if (v->type != _SD_BUS_VTABLE_PROPERTY || !v->x.property.get)
                        continue;
                (void) v->x.property.get(fuzz.context.bus, path, interface, v->x.property.member, reply,
                                         userdata, &error);
                sd_bus_error_free(&error);
        }
}

static void fuzz_object(uint8_t flags, FuzzInput *in) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_free_ char *path = take_string(in);
        sd_bus_error error = SD_BUS_ERROR_NULL;
        void *found = NULL;
        int r;

        if (!path || !sd_bus_object_path_is_valid(path))
                return;
        r = bus_program_find(fuzz.context.bus, path, CGSUP_BUS_PROGRAM_INTERFACE, &fuzz.context, &found, &error);
        sd_bus_error_free(&error);
        if (new_call(path, "org.freedesktop.DBus.Properties", "GetAll", "s", flags, in, &call) < 0)
                return;
        if (sd_bus_message_new_method_return(call, &reply) < 0)
                return;
        if (r > 0)
                get_all(bus_program_vtable, path, CGSUP_BUS_PROGRAM_INTERFACE, found, reply);
        else
                get_all(bus_manager_vtable, CGSUP_BUS_PATH, CGSUP_BUS_MANAGER_INTERFACE, &fuzz.context, reply);
}

/* A connection on which messages can be built but nothing is sent and no caller is known. */
static int closed_bus(sd_bus **ret) {
        _cleanup_(sd_bus_unrefp) sd_bus *bus = NULL;
        int pipefd[2], null_fd, r;

        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;
        (void) close(pipefd[1]);
        null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd < 0) {
                r = -errno;
                (void) close(pipefd[0]);
                return r;
        }
        r = sd_bus_set_fd(bus, pipefd[0], null_fd);
        if (r < 0) {
                (void) close(pipefd[0]);
                (void) close(null_fd);
                return r;
        }
        r = sd_bus_start(bus);
        if (r < 0)
                return r;
        sd_bus_close(bus);
        *ret = TAKE_PTR(bus);
        return 0;
}

static void setup(void) {
        Manager *m = &fuzz.manager;
        Config *c = NULL;

        log_set_max_level(LOG_CRIT);
        if (config_load_buffer("/fuzz/cgsup.conf", fuzz_config, sizeof fuzz_config - 1, NULL, NULL,
                               CONFIG_LOAD_NO_INCLUDES | CONFIG_LOAD_NO_SYSTEM_CHECKS, &c) < 0 ||
            config_first_error(c))
                abort();

        *m = (Manager) {
                .ops = &program_ops_real,
                .config = c,
                .cgroup_root_fd = -EBADF,
                .cgroup_inotify_fd = -EBADF,
                .notify_fd = -EBADF,
                .lock_fd = -EBADF,
                .pidfile_fd = -EBADF,
                .bus_data = &fuzz.context,
        };
        if (manager_create_programs(m, c) < 0)
                abort();

        fuzz.context.manager = m;
        if (closed_bus(&fuzz.context.bus) < 0 || polkit_registry_new(BUS_POLKIT_PENDING_MAX, &fuzz.context.polkit) < 0)
                abort();

        for (const sd_bus_vtable *v = bus_manager_vtable; v->type != _SD_BUS_VTABLE_END; v++)
                if (v->type == _SD_BUS_VTABLE_METHOD && fuzz.n_methods < ELEMENTSOF(fuzz.methods))
                        fuzz.methods[fuzz.n_methods++] = v;
        if (fuzz.n_methods == 0)
                abort();
        fuzz.ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        FuzzInput in = { data, size };
        uint8_t mode, flags;

        if (size > 64 * 1024)
                return 0;
        if (!fuzz.ready)
                setup();

        mode = take_byte(&in);
        flags = take_byte(&in);
        if (mode & 1)
                fuzz_object(flags, &in);
        else
                fuzz_method(fuzz.methods[(mode >> 1) % fuzz.n_methods], flags, &in);
        return 0;
}
