/* SPDX-License-Identifier: MIT */
/*
 * Checks of what a configuration asks against this system, made when it is read, so that `cgsupctl
 * validate`, `cgsupd --check-config` and a reload refuse what would otherwise only fail when a program
 * starts (or worse, start without it):
 *   user=                the user must exist: an error, as supervisord refuses an unknown user at load;
 *   healthcheck_target=  it must parse and be supported by the checker: an error (health-target.c);
 *   command=, healthcheck_command=
 *                        should resolve to an executable: only a warning, because supervisord resolves it
 *                        at spawn and configs that install the binary after cgsupd starts must keep loading;
 *   [cgsupd] user=       cgsupd never drops privileges (see daemon_user_check()).
 * The rules are those of the start path, so load and runtime agree: a number in user= is a uid, anything
 * else a name (program-spawn.c), and the executable is found by cgsup_find_executable() with the PATH the
 * program will get (its environment=, then [cgsupd] environment=, then cgsupd's own).
 */
#include <assert.h>
#include <pwd.h>
#include <unistd.h>

#include "cgsup/spawn.h"
#include "conf-internal.h"
#include "health-target.h"
#include "parse-util.h"
#include "strv.h"

int conf_lookup_user(const char *user, uid_t *ret_uid) {
        _cleanup_free_ char *buf = NULL;
        struct passwd pw, *result = NULL;
        size_t size = 16384;
        unsigned uid;
        int r;

        assert(user);
        for (;;) {
                buf = malloc(size);
                if (!buf)
                        return -ENOMEM;
                if (safe_atou(user, &uid) >= 0)
                        r = getpwuid_r((uid_t) uid, &pw, buf, size, &result);
                else
                        r = getpwnam_r(user, &pw, buf, size, &result);
                if (r != ERANGE || size >= 1024U * 1024U)
                        break;
                free(buf);
                buf = NULL;
                size *= 4;
        }
        /* getpwnam_r(3): "not found" may also come back as ENOENT, ESRCH, EBADF or EPERM. */
        if (r == 0 && !result)
                return -ESRCH;
        if (r == ENOENT || r == ESRCH || r == EBADF || r == EPERM)
                return -ESRCH;
        if (r != 0)
                return -r;
        if (ret_uid)
                *ret_uid = pw.pw_uid;
        return 0;
}

/* file:line of @key in @s, else of the section header. */
static void entry_location(IniSection *s, const char *key, const char **ret_file, unsigned *ret_line) {
        IniEntry *e = ini_section_find(s, key);
        *ret_file = e ? e->file : s->file;
        *ret_line = e ? e->line : s->line;
}

static int check_user(Config *c, IniSection *s, const char *user) {
        const char *file;
        unsigned line;
        int r;

        entry_location(s, "user", &file, &line);
        r = conf_lookup_user(user, NULL);
        if (r == -ENOMEM)
                return r;
        if (r == -ESRCH) {
                conf_error(c, file, line, "[%s] user=%s: no such user on this system (as supervisord, cgsup "
                           "refuses it when the file is read).", s->name, user);
                return -EINVAL;
        }
        if (r < 0)
                /* NSS itself failed (LDAP down, ...): the start will look again. */
                conf_warn(c, file, line, "[%s] user=%s: cannot look the user up (%s), not checked.", s->name,
                          user, strerror(-r));
        return 0;
}

/* The PATH the program will be started with (program-spawn.c build_env()). */
static const char *program_path(const ProgramConfig *p, const ProgramContext *ctx) {
        const char *path = strv_env_get(p->environment, "PATH");
        if (!path)
                path = strv_env_get(ctx->daemon->environment, "PATH");
        if (!path)
                path = strv_env_get(ctx->process_env, "PATH");
        return path;
}

static int check_executable(Config *c, IniSection *s, const char *key, char **argv, const ProgramContext *ctx,
                            const ProgramConfig *p) {
        _cleanup_free_ char *exe = NULL;
        const char *file, *name = argv ? argv[0] : NULL, *how;
        unsigned line;
        int r;

        /* A relative path with a '/' depends on cgsupd's working directory when it starts the program:
         * nothing to say about it from here. */
        if (!name || (strchr(name, '/') && name[0] != '/'))
                return 0;
        r = cgsup_find_executable(name, program_path(p, ctx), &exe);
        if (r == -ENOMEM)
                return r;
        if (r >= 0)
                return 0;
        entry_location(s, key, &file, &line);
        if (r == -EACCES)
                how = name[0] == '/' ? "is not an executable file" : "is in PATH but not executable";
        else
                how = name[0] == '/' ? "does not exist" : "is not found in PATH";
        /* numprocs instances share the command: say it once per section. */
        if (c->n_diags > 0 && !c->diags[c->n_diags - 1].error && c->diags[c->n_diags - 1].line == line &&
            strstr(c->diags[c->n_diags - 1].message, name) && strstr(c->diags[c->n_diags - 1].message, how))
                return 0;
        if (name[0] == '/')
                conf_warn(c, file, line, "[%s] %s: %s %s; cgsupd looks again when the program starts.", s->name,
                          key, name, how);
        else
                conf_warn(c, file, line, "[%s] %s: '%s' %s (%s); cgsupd looks again when the program starts.",
                          s->name, key, name, how, program_path(p, ctx) ?: "the default PATH");
        return 0;
}

static int check_health_target(Config *c, IniSection *s, const ProgramConfig *p, HealthKind kind) {
        const HealthConfig *h = &p->health[kind];
        const char *why = NULL, *file = s->file;
        unsigned line = s->line;
        IniEntry *e;
        int r;

        r = health_target_check(h->type, h->target, &why);
        if (r != -EINVAL)
                return r;
        e = conf_health_entry(s, kind, "target");
        if (e) {
                file = e->file;
                line = e->line;
        }
        /* "(healthcheck_type=http)" or "(readiness_type=http)": the prefix of the key that set it */
        const char *key = e ? e->key : "healthcheck_target";
        conf_error(c, file, line, "[%s] %s=%s (%.*stype=%s): %s.", s->name, key, strna(h->target),
                   (int) (strchr(key, '_') - key + 1), key, health_type_to_string(h->type), why);
        return -EINVAL;
}

int conf_check_instance(Config *c, IniSection *s, const ProgramConfig *p, const ProgramContext *ctx) {
        bool failed = false;
        int r;

        assert(c && s && p && ctx);
        /* Every problem of the section at once, not one per run of validate. */
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++) {
                /* healthcheck_* sets both: one message for one mistake. */
                if (k == HEALTH_LIVENESS && failed && p->health[k].type == p->health[HEALTH_READINESS].type &&
                    conf_health_entry(s, k, "target") == conf_health_entry(s, HEALTH_READINESS, "target"))
                        break;
                r = check_health_target(c, s, p, k);
                if (r == -ENOMEM)
                        return r;
                failed = failed || r < 0;
        }
        if (ctx->check_system) {
                if (p->user) {
                        r = check_user(c, s, p->user);
                        if (r == -ENOMEM)
                                return r;
                        failed = failed || r < 0;
                }
                r = check_executable(c, s, "command", p->argv, ctx, p);
                if (r < 0)
                        return r;
                for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++) {
                        IniEntry *e = conf_health_entry(s, k, "command");

                        if (p->health[k].type != HEALTH_EXEC)
                                continue;
                        /* The same healthcheck_command for both checks is looked up once. */
                        if (k == HEALTH_LIVENESS && p->health[HEALTH_READINESS].type == HEALTH_EXEC &&
                            strv_equal(p->health[k].command, p->health[HEALTH_READINESS].command))
                                break;
                        r = check_executable(c, s, e ? e->key : "healthcheck_command", p->health[k].command,
                                             ctx, p);
                        if (r < 0)
                                return r;
                }
        }
        return failed ? -EINVAL : 0;
}

int conf_check_daemon_user(Config *c, IniSection *s, IniEntry *e, const char *user, bool check_system) {
        uid_t uid;
        int r;

        assert(c && s && e && user);
        /* supervisord's user= makes the daemon drop to that user. cgsupd cannot: the system instance must
         * keep owning org.cgsup1 under the bus policy and asking polkit about its callers, which a process
         * that dropped to www-data can do neither of. The way to run everything as one user is the user
         * instance, started as that user. But 20 of 74 real files say user=root only to silence
         * supervisord's "running as root" line: root, and whoever cgsupd already runs as, mean "no change"
         * and are accepted without a word. */
        if (streq(user, "root") || streq(user, "0"))
                return 0;
        if (!check_system)
                return 0;
        r = conf_lookup_user(user, &uid);
        if (r == -ENOMEM)
                return r;
        if (r == -ESRCH) {
                conf_error(c, e->file, e->line, "[%s] user=%s: no such user on this system.", s->name, user);
                return 0;
        }
        if (r < 0) {
                conf_warn(c, e->file, e->line, "[%s] user=%s: cannot look the user up (%s), not checked.",
                          s->name, user, strerror(-r));
                return 0;
        }
        if (uid == 0 || uid == geteuid())
                return 0;
        conf_error(c, e->file, e->line,
                   "[%s] user=%s: cgsupd does not drop privileges (it must keep its bus name and ask polkit "
                   "about callers). Run the user instance as that user instead (cgsupd --user, started by "
                   "%s, e.g. from its systemd --user manager), or set user=%s in each [program:x].",
                   s->name, user, user, user);
        return 0;
}
