/* SPDX-License-Identifier: MIT */
/*
 * environment_file= in [cgsupd], [group:x] and [program:x]: the list of files, and what can be checked when
 * the configuration is read. The files are read again at each start (program-env.c in cgsupd), as systemd
 * reads EnvironmentFile= at each start: a secret rotated in the file needs a restart, not a reload.
 */
#include <assert.h>

#include "conf-internal.h"
#include "env-file.h"
#include "strv.h"

/* Diagnoses a file that exists and cannot be parsed: the error names the environment file's own line, the
 * way a bad value names the configuration file's line. Missing files are warnings (a file created before
 * the first start is fine); unreadable ones are left to the start (cgsupctl validate may run unprivileged). */
static void check_env_file(Config *c, IniSection *s, IniEntry *e, const char *entry) {
        _cleanup_strv_free_ char **vars = NULL;
        const char *why = NULL;
        unsigned line = 0;
        int r;

        r = env_file_read(entry, &vars, &line, &why);
        if (r == -EINVAL)
                conf_error(c, env_file_path(entry), line, "environment_file: %s (in [%s] %s=).", why,
                           s->name, e->key);
        else if (r == -E2BIG)
                conf_error(c, env_file_path(entry), 0, "environment_file: more than %u variables.",
                           ENV_FILE_MAX_VARS);
        else if (r == -ENOENT)
                conf_warn(c, e->file, e->line,
                          "[%s] %s: %s does not exist; the program cannot start until it does (write "
                          "-%s to make it optional).",
                          s->name, e->key, entry, entry);
        else if (r < 0 && r != -EACCES && r != -EPERM)
                conf_error(c, e->file, e->line, "[%s] %s: %s: %s.", s->name, e->key, env_file_path(entry),
                           strerror(-r));
}

/* Absolute paths split like command= (quotes for a path with spaces); @optional_mark: "-/path" allowed. */
static int split_paths(Config *c, IniSection *s, IniEntry *e, const char *value, bool optional_mark, char ***ret) {
        _cleanup_strv_free_ char **paths = NULL;
        const char *why = NULL;
        int r;

        r = conf_shlex_split(value, &paths, &why);
        if (r == -EINVAL) {
                conf_error(c, e->file, e->line, "[%s] %s=%s: %s", s->name, e->key, value, why);
                return r;
        }
        if (r < 0)
                return r;
        STRV_FOREACH(f, paths) {
                const char *path = optional_mark ? env_file_path(*f) : *f;
                if (path[0] != '/') {
                        conf_error(c, e->file, e->line,
                                   "[%s] %s=%s: not an absolute path (use %%(here)s/%s for one next to this "
                                   "file).",
                                   s->name, e->key, *f, path);
                        return -EINVAL;
                }
        }
        *ret = TAKE_PTR(paths);
        return 0;
}

int conf_split_paths(Config *c, IniSection *s, IniEntry *e, const char *value, char ***ret) {
        _cleanup_strv_free_ char **paths = NULL;
        int r;

        assert(c);
        assert(s);
        assert(e);
        assert(ret);
        r = split_paths(c, s, e, value, false, &paths);
        if (r < 0)
                return r;
        strv_free(*ret);
        *ret = TAKE_PTR(paths);
        return 0;
}

int conf_parse_env_files(Config *c, IniSection *s, IniEntry *e, const char *value, bool check_system,
                         char ***ret) {
        _cleanup_strv_free_ char **files = NULL;
        int r;

        assert(c);
        assert(s);
        assert(e);
        assert(ret);

        r = split_paths(c, s, e, value, true, &files);
        if (r < 0)
                return r;
        if (check_system)
                STRV_FOREACH(f, files)
                        check_env_file(c, s, e, *f);
        strv_free(*ret);
        *ret = TAKE_PTR(files);
        return 0;
}

int conf_env_files_concat(char *const *a, char *const *b, char *const *d, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char *const *lists[] = { a, b, d };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                STRV_FOREACH(f, lists[i]) {
                        r = strv_extend(&l, *f);
                        if (r < 0)
                                return r;
                }
        strv_free(*ret);
        *ret = TAKE_PTR(l);
        return 0;
}
