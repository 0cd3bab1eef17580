/* SPDX-License-Identifier: MIT */
/*
 * environment_file=: read at each start, as systemd reads EnvironmentFile=, so a rotated secret needs a
 * restart and no reload. What the files set is kept with the instance: the spawn puts it into the
 * environment (program-spawn.c, under environment=), and the bus layer shows the names with the file
 * each came from (values only through the polkit-checked GetProgramEnvironment).
 */
#include <assert.h>

#include "env-file.h"
#include "program-env.h"
#include "strv.h"

static int env_file_failure(const char *entry, int r, unsigned line, const char *why, char **ret_detail) {
        const char *path = env_file_path(entry);

        if (r == -EINVAL)
                (void) asprintf(ret_detail, "environment_file %s:%u: %s", path, line, why);
        else if (r == -E2BIG)
                (void) asprintf(ret_detail, "environment_file %s: more than %u variables", path,
                                ENV_FILE_MAX_VARS);
        else
                (void) asprintf(ret_detail, "environment_file %s: %s", path, strerror(-r));
        return r;
}

int program_read_env_files(Program *p, char **ret_detail) {
        _cleanup_strv_free_ char **vars = NULL, **origins = NULL;
        int r;

        assert(p);
        assert(ret_detail);

        STRV_FOREACH(f, p->config ? p->config->environment_files : NULL) {
                _cleanup_strv_free_ char **file_vars = NULL;
                const char *why = NULL;
                unsigned line = 0;

                r = env_file_read(*f, &file_vars, &line, &why);
                if (r < 0)
                        return env_file_failure(*f, r, line, why, ret_detail);
                STRV_FOREACH(v, file_vars) {
                        _cleanup_free_ char *origin = NULL;
                        if (asprintf(&origin, "%.*s=%s", (int) strcspn(*v, "="), *v, env_file_path(*f)) < 0)
                                return -ENOMEM;
                        r = strv_env_set(&vars, *v);
                        if (r < 0)
                                return r;
                        r = strv_env_set(&origins, origin);
                        if (r < 0)
                                return r;
                }
        }
        strv_free(p->env_file_vars);
        p->env_file_vars = TAKE_PTR(vars);
        strv_free(p->env_file_origins);
        p->env_file_origins = TAKE_PTR(origins);
        return 0;
}

/* @base, then "KEY=@value" (or each entry itself when @value is NULL) for every entry of environment=. */
static int overlay_environment(const Program *p, char *const *base, const char *value, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        if (base) {
                l = strv_copy(base);
                if (!l)
                        return -ENOMEM;
        }
        STRV_FOREACH(e, p->config ? p->config->environment : NULL) {
                _cleanup_free_ char *a = NULL;
                if (value && asprintf(&a, "%.*s=%s", (int) strcspn(*e, "="), *e, value) < 0)
                        return -ENOMEM;
                r = strv_env_set(&l, a ?: *e);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int program_env_origins(const Program *p, char ***ret) {
        assert(p);
        assert(ret);
        return overlay_environment(p, p->env_file_origins, "environment", ret);
}

int program_env_values(const Program *p, char ***ret) {
        assert(p);
        assert(ret);
        return overlay_environment(p, p->env_file_vars, NULL, ret);
}
