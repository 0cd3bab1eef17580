/* SPDX-License-Identifier: MIT */
/*
 * Transient runs (RunTransient, `cgsupctl run`): programs created from a spec instead of a file, removed
 * when they end.
 */
#include <assert.h>

#include "manager.h"
#include "program-ops.h"
#include "strv.h"

#define TRANSIENT_MAX 64

static void close_spec_fds(TransientSpec *s) {
        if (s->stdin_fd >= 0)
                safe_close(s->stdin_fd);
        if (s->stdout_fd >= 0)
                safe_close(s->stdout_fd);
        if (s->stderr_fd >= 0)
                safe_close(s->stderr_fd);
        s->stdin_fd = s->stdout_fd = s->stderr_fd = -1;
}

void transient_spec_done(TransientSpec *s) {
        if (!s)
                return;
        strv_free(s->argv);
        strv_free(s->environment);
        free(s->working_directory);
        free(s->syscall_filter);
        free(s->name);
        s->argv = s->environment = NULL;
        s->working_directory = s->syscall_filter = s->name = NULL;
        close_spec_fds(s);
}

ProgramConfig *transient_config_new(const char *name, char *const *argv) {
        _cleanup_(program_config_freep) ProgramConfig *pc = calloc(1, sizeof(ProgramConfig));

        assert(name && argv && argv[0]);
        if (!pc)
                return NULL;
        program_config_init_defaults(pc);
        pc->name = strdup(name);
        pc->program_name = strdup(name);
        pc->group_name = strdup(name);
        pc->command = strv_join(argv, " ");
        pc->argv = strv_copy(argv);
        /* One run: never started by cgsupd on its own, no startsecs to wait out, output into the ring only. */
        pc->autostart = false;
        pc->autorestart = AUTORESTART_FALSE;
        pc->startsecs = 0;
        pc->startretries = 0;
        pc->stdout_log = (LogConfig) {};
        pc->stderr_log = (LogConfig) {};
        if (!pc->name || !pc->program_name || !pc->group_name || !pc->command || !pc->argv)
                return NULL;
        return TAKE_PTR(pc);
}

int manager_run_transient(Manager *m, TransientSpec *spec, Program **ret, char **reterr_message) {
        _cleanup_(program_config_freep) ProgramConfig *pc = NULL;
        _cleanup_free_ char *name = NULL;
        Program *p;
        int r;

        if (m->shutting_down) {
                close_spec_fds(spec);
                return -ESHUTDOWN;
        }
        if (m->n_transient >= TRANSIENT_MAX) {
                close_spec_fds(spec);
                if (reterr_message)
                        (void) asprintf(reterr_message, "too many transient runs (at most %d)", TRANSIENT_MAX);
                return -EUSERS;
        }
        if (!spec->argv || !spec->argv[0]) {
                close_spec_fds(spec);
                if (reterr_message)
                        *reterr_message = strdup("empty command line");
                return -EINVAL;
        }
        if (spec->name)
                name = strdup(spec->name);
        else {
                /* Pick a name not in use. */
                do {
                        free(name);
                        if (asprintf(&name, "run-%u", ++m->transient_counter) < 0)
                                name = NULL;
                } while (name && manager_find_program(m, name));
        }
        if (!name) {
                close_spec_fds(spec);
                return -ENOMEM;
        }
        if (manager_find_program(m, name)) {
                close_spec_fds(spec);
                if (reterr_message)
                        (void) asprintf(reterr_message, "a program named %s exists already", name);
                return -EEXIST;
        }

        pc = transient_config_new(name, spec->argv);
        if (!pc) {
                close_spec_fds(spec);
                return -ENOMEM;
        }
        pc->environment = spec->environment ? strv_copy(spec->environment) : NULL;
        pc->directory = spec->working_directory ? strdup(spec->working_directory) : NULL;
        pc->syscall_filter = spec->syscall_filter ? strdup(spec->syscall_filter) : NULL;
        if (spec->uid != geteuid() || spec->gid != getegid())
                (void) asprintf(&pc->user, "%u", (unsigned) spec->uid);
        pc->no_new_privileges = spec->no_new_privileges;
        pc->limits = spec->limits;
        pc->runtime_max = spec->runtime_max;

        r = program_new(m, pc, &p);
        if (r < 0) {
                close_spec_fds(spec);
                if (reterr_message)
                        (void) asprintf(reterr_message, "name %s is not usable", name);
                return r;
        }
        TAKE_PTR(pc);
        p->transient = true;
        p->transient_uid = spec->uid;
        p->stdio_fds[0] = spec->stdin_fd;
        p->stdio_fds[1] = spec->stdout_fd;
        p->stdio_fds[2] = spec->stderr_fd;
        spec->stdin_fd = spec->stdout_fd = spec->stderr_fd = -1;

        r = manager_add_program(m, p);
        if (r < 0) {
                program_free(p);
                return r;
        }
        r = program_dispatch(p, PROGRAM_EVENT_START);
        if (r < 0 || p->state == PROGRAM_FATAL) {
                if (reterr_message)
                        *reterr_message = strdup(p->exit_detail ?: strerror(r < 0 ? -r : EIO));
                if (r >= 0)
                        r = p->exit_reason == EXIT_REASON_LIMIT ? -EOPNOTSUPP : -EIO;
                manager_remove_program(m, p);
                return r;
        }
        *ret = p;
        return 0;
}
