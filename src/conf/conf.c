/* SPDX-License-Identifier: MIT */
/*
 * config_load(): the main file, its [include] files=, the conf.d drop-ins, then [cgsupd], [group:x] and
 * [program:x] into a Config. Follows supervisord 4's ServerOptions.read_config():
 *   - all files go into one parser, so sections of the same name merge key by key, later file wins;
 *   - [include] is read from the main file only, before the included files are parsed; its globs are
 *     expanded (%(here)s, %(ENV_X)s, %(host_node_name)s), split on whitespace, taken relative to the
 *     main file's directory, sorted; a glob without match is a warning;
 *   - a program listed by a [group:x] belongs to that group (to each group that lists it, as in
 *     supervisord: instance names are then unique per group only), the others are their own group.
 * Sections supervisord has and cgsup does not need (HTTP/RPC servers, supervisorctl, event listeners,
 * FastCGI) are accepted with a warning, unknown keys too: real files carry plenty of both.
 */
#include <assert.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <strings.h>
#include <sys/utsname.h>

#include "conf-internal.h"
#include "fd-util.h"
#include "log.h"
#include "parse-util.h"
#include "strv.h"

extern char **environ;

/* [cgsupd]'s keys, all read by daemon_section() itself, in the sample's order. */
const KeyDef conf_daemon_keys[] = {
        { "logfile", KEY_SPECIAL, 0, "/var/log/cgsup/cgsupd.log", SAMPLE_EXAMPLE,
          "cgsupd's own log file (default: the journal or stderr)" },
        { "logfile_maxbytes", KEY_SPECIAL, 0, "50MB", SAMPLE_DEFAULT,
          "rotate cgsupd's log at this size, 0: never" },
        { "logfile_backups", KEY_SPECIAL, 0, "10", SAMPLE_DEFAULT, "rotated cgsupd logs to keep" },
        { "loglevel", KEY_SPECIAL, 0, "info", SAMPLE_DEFAULT,
          "critical, error, warn, info, debug, trace, blather" },
        { "log_format", KEY_SPECIAL, 0, "text", SAMPLE_DEFAULT,
          "json: one JSON object per line (time, level, message, program)" },
        { "pidfile", KEY_SPECIAL, 0, "/run/cgsupd.pid", SAMPLE_EXAMPLE,
          "written and locked while cgsupd runs (default: none)" },
        { "nodaemon", KEY_SPECIAL, 0, "false", SAMPLE_DEFAULT,
          "accepted: cgsupd runs in the foreground unless started with -d" },
        { "environment", KEY_SPECIAL, 0, "KEY=\"value\"", SAMPLE_EXAMPLE,
          "variables every program inherits" },
        { "environment_file", KEY_SPECIAL, 0, "-/etc/default/cgsup", SAMPLE_EXAMPLE,
          "env files every program reads ('-': may be missing)" },
        { "childlogdir", KEY_SPECIAL, 0, "/var/log/cgsup", SAMPLE_EXAMPLE,
          "AUTO program logs (default: cgsupd's log directory, never /tmp)" },
        { "directory", KEY_SPECIAL, 0, "/srv", SAMPLE_EXAMPLE,
          "cgsupd's working directory and the programs' default" },
        { "umask", KEY_SPECIAL, 0, "022", SAMPLE_EXAMPLE, "default: inherited" },
        { "user", KEY_SPECIAL, 0, "root", SAMPLE_EXAMPLE,
          "only root or cgsupd's own user; run `cgsupd --user` as another" },
        { "minfds", KEY_SPECIAL, 0, "1024", SAMPLE_DEFAULT,
          "raise cgsupd's RLIMIT_NOFILE to at least this" },
        { "minprocs", KEY_SPECIAL, 0, "200", SAMPLE_DEFAULT,
          "raise cgsupd's RLIMIT_NPROC to at least this" },
        { "identifier", KEY_SPECIAL, 0, "cgsup", SAMPLE_DEFAULT,
          "used in AUTO log names and event listener headers" },
        { "cgroup", KEY_SPECIAL, 0, "cgsup", SAMPLE_EXAMPLE, "cgroup subtree to manage (same as --cgroup)" },
        { "shutdown_timeout", KEY_SPECIAL, 0, "60s", SAMPLE_DEFAULT,
          "bound on stopping all programs at shutdown" },
        { "nocleanup", KEY_SPECIAL, 0, "false", SAMPLE_DEFAULT,
          "true: keep AUTO logs of programs that are gone" },
        { "strip_ansi", KEY_SPECIAL, 0, "false", SAMPLE_DEFAULT,
          "the default of every program's strip_ansi" },
        { "exit_when_all_done", KEY_SPECIAL, 0, "false", SAMPLE_DEFAULT,
          "exit 0 once no program runs and none will start again" },
        { "silent", KEY_SPECIAL, 0, "false", SAMPLE_DEFAULT, "accepted and ignored" },
        { "logfile_syslog", KEY_SPECIAL, 0, "false", SAMPLE_DEFAULT, "accepted and ignored" },
};
const size_t conf_daemon_n_keys = ELEMENTSOF(conf_daemon_keys);

const KeyDef conf_include_keys[] = {
        { "files", KEY_SPECIAL, 0, "conf.d/*.conf", SAMPLE_EXAMPLE, NULL },
};
const size_t conf_include_n_keys = ELEMENTSOF(conf_include_keys);

static const char *const known_section_names[] = {
        "cgsupd", "supervisord", "include", "program:", "group:", "webhook:", NULL,
        "cgsupd", "supervisord", "include", "program:", "group:", "eventlistener:", NULL,
};

static void daemon_config_done(DaemonConfig *d) {
        free(d->logfile);
        free(d->pidfile);
        free(d->user);
        strv_free(d->environment);
        strv_free(d->environment_files);
        free(d->childlogdir);
        free(d->directory);
        free(d->identifier);
        free(d->cgroup);
}

GroupConfig *group_config_free(GroupConfig *g) {
        if (!g)
                return NULL;
        free(g->name);
        strv_free(g->programs);
        strv_free(g->environment_files);
        free(g->source_file);
        free(g);
        return NULL;
}

int group_config_copy(const GroupConfig *g, GroupConfig **ret) {
        _cleanup_(group_config_freep) GroupConfig *copy = NULL;

        assert(g);
        assert(ret);

        copy = calloc(1, sizeof(GroupConfig));
        if (!copy)
                return -ENOMEM;
        copy->priority = g->priority;
        copy->limits = g->limits;
        copy->source_line = g->source_line;
        copy->name = strdup(g->name);
        copy->source_file = g->source_file ? strdup(g->source_file) : NULL;
        copy->programs = g->programs ? strv_copy(g->programs) : NULL;
        copy->environment_files = g->environment_files ? strv_copy(g->environment_files) : NULL;
        if (!copy->name || (g->source_file && !copy->source_file) || (g->programs && !copy->programs) ||
            (g->environment_files && !copy->environment_files))
                return -ENOMEM;
        *ret = TAKE_PTR(copy);
        return 0;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->main_file);
        strv_free(c->files);
        daemon_config_done(&c->daemon);
        for (size_t i = 0; i < c->n_programs; i++)
                program_config_free(c->programs[i]);
        free(c->programs);
        for (size_t i = 0; i < c->n_groups; i++)
                group_config_free(c->groups[i]);
        free(c->groups);
        for (size_t i = 0; i < c->n_webhooks; i++)
                webhook_config_free(c->webhooks[i]);
        free(c->webhooks);
        for (size_t i = 0; i < c->n_diags; i++) {
                free(c->diags[i].file);
                free(c->diags[i].message);
        }
        free(c->diags);
        free(c->first_error);
        free(c);
        return NULL;
}

const ProgramConfig *config_find_program(const Config *c, const char *name) {
        const char *colon;

        if (!c || !name)
                return NULL;
        /* "group:name" picks the instance of one group; a bare name the first instance of that name. */
        colon = strchr(name, ':');
        for (size_t i = 0; i < c->n_programs; i++) {
                const ProgramConfig *p = c->programs[i];
                if (colon) {
                        size_t gl = (size_t) (colon - name);
                        if (strlen(p->group_name) == gl && strneq(p->group_name, name, gl) &&
                            streq(p->name, colon + 1))
                                return p;
                } else if (streq(p->name, name))
                        return p;
        }
        return NULL;
}

/* ---- [cgsupd] ------------------------------------------------------------------------------------ */

static void daemon_config_init(DaemonConfig *d) {
        *d = (DaemonConfig) {
                .logfile_maxbytes = 50U * 1024U * 1024U,
                .logfile_backups = 10,
                .loglevel = LOG_INFO,
                .umask = -1,
                .minfds = 1024,
                .minprocs = 200,
                .shutdown_timeout = 60 * USEC_PER_SEC,
        };
}

/* The boolean keys of [cgsupd]: true with the field to set (NULL: accepted and checked, no effect). */
static bool daemon_bool_key(DaemonConfig *d, const char *key, bool **ret_field) {
        const struct {
                const char *key;
                bool *field;
        } keys[] = {
                { "nodaemon", &d->nodaemon },     { "nocleanup", &d->nocleanup },
                { "strip_ansi", &d->strip_ansi }, { "exit_when_all_done", &d->exit_when_all_done },
                { "silent", NULL },               { "logfile_syslog", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (streq(key, keys[i].key)) {
                        *ret_field = keys[i].field;
                        return true;
                }
        return false;
}

static int daemon_bad(Config *c, IniSection *s, IniEntry *e, const char *v, const char *why) {
        conf_error(c, e->file, e->line, "[%s] %s=%s: %s", s->name, e->key, v, why);
        return 0;
}

static int daemon_section(Config *c, IniSection *s, char *const *process_env, const char *host,
                          bool check_system) {
        DaemonConfig *d = &c->daemon;
        ExpandVars v = {
                .host_node_name = host,
                .process_num = -1,
                .numprocs = -1,
                .env = process_env,
        };
        int r;

        for (size_t i = 0; s && i < s->n_entries; i++) {
                IniEntry *e = &s->entries[i];
                _cleanup_free_ char *val = NULL;
                const char *k = e->key;

                if (!conf_key_find(CONF_SECTION_DAEMON, k))
                        continue;
                e->used = true;
                r = conf_get_expanded(c, s, e, &v, &val);
                if (r == -EINVAL)
                        continue;
                if (r < 0)
                        return r;

                bool *bool_field = NULL;
                char **str_field = streq(k, "logfile")     ? &d->logfile :
                                   streq(k, "pidfile")     ? &d->pidfile :
                                   streq(k, "childlogdir") ? &d->childlogdir :
                                   streq(k, "directory")   ? &d->directory :
                                   streq(k, "user")        ? &d->user :
                                   streq(k, "identifier")  ? &d->identifier :
                                   streq(k, "cgroup")      ? &d->cgroup :
                                                             NULL;
                if (str_field) {
                        if (str_field == &d->user && !isempty(val)) {
                                r = conf_check_daemon_user(c, s, e, val, check_system);
                                if (r < 0)
                                        return r;
                        }
                        free(*str_field);
                        *str_field = isempty(val) ? NULL : TAKE_PTR(val);
                        if (str_field == &d->childlogdir)
                                d->childlogdir_set = *str_field != NULL;
                } else if (streq(k, "logfile_maxbytes")) {
                        if (parse_size(val, &d->logfile_maxbytes) < 0)
                                daemon_bad(c, s, e, val, "not a byte size (e.g. 0, 50MB)");
                } else if (streq(k, "logfile_backups")) {
                        if (safe_atou(val, &d->logfile_backups) < 0)
                                daemon_bad(c, s, e, val, "not a non-negative integer");
                } else if (streq(k, "log_format")) {
                        LogFormat f = log_format_from_string(val);
                        if (f < 0)
                                daemon_bad(c, s, e, val, "must be text or json");
                        else
                                d->log_format = f;
                } else if (streq(k, "loglevel")) {
                        int l = log_level_from_string(val);
                        if (l < 0)
                                daemon_bad(c, s, e, val,
                                           "must be critical, error, warn, info, debug, trace or blather");
                        else
                                d->loglevel = l;
                } else if (daemon_bool_key(d, k, &bool_field)) {
                        r = parse_boolean(val);
                        if (r < 0)
                                daemon_bad(c, s, e, val, "not a boolean");
                        else if (bool_field)
                                *bool_field = r;
                } else if (streq(k, "environment")) {
                        _cleanup_strv_free_ char **env = NULL;
                        const char *why = NULL;
                        r = conf_parse_environment(val, &env, &why);
                        if (r == -EINVAL)
                                daemon_bad(c, s, e, CONF_VALUE_NOT_SHOWN, why);
                        else if (r < 0)
                                return r;
                        else {
                                strv_free(d->environment);
                                d->environment = TAKE_PTR(env);
                        }
                } else if (streq(k, "environment_file")) {
                        r = conf_parse_env_files(c, s, e, val, check_system, &d->environment_files);
                        if (r < 0 && r != -EINVAL)
                                return r;
                } else if (streq(k, "umask")) {
                        mode_t m;
                        if (parse_mode(val, &m) < 0 || m > 0777)
                                daemon_bad(c, s, e, val, "not an octal umask (e.g. 022)");
                        else
                                d->umask = (int) m;
                } else if (streq(k, "minfds") || streq(k, "minprocs")) {
                        if (safe_atou64(val, streq(k, "minfds") ? &d->minfds : &d->minprocs) < 0)
                                daemon_bad(c, s, e, val, "not a non-negative integer");
                } else if (streq(k, "shutdown_timeout")) {
                        if (parse_sec(val, &d->shutdown_timeout) < 0)
                                daemon_bad(c, s, e, val, "not a duration");
                }
        }

        if (d->logfile && conf_log_path_is_stream(d->logfile) && d->logfile_maxbytes > 0) {
                if (!streq(d->logfile, "/dev/null"))
                        conf_warn(c, s->file, s->line,
                                  "[%s] logfile=%s cannot be rotated; logfile_maxbytes treated as 0.",
                                  s->name, d->logfile);
                d->logfile_maxbytes = 0;
        }
        return 0;
}

static int daemon_defaults_finish(DaemonConfig *d, char *const *process_env) {
        if (!d->childlogdir) {
                /* supervisord: tempfile.gettempdir() */
                const char *t = strv_env_get(process_env, "TMPDIR");
                d->childlogdir = strdup(!isempty(t) && t[0] == '/' ? t : "/tmp");
                if (!d->childlogdir)
                        return -ENOMEM;
        }
        if (!d->identifier) {
                d->identifier = strdup("cgsup");
                if (!d->identifier)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- files --------------------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int read_glob(IniDoc *doc, Config *c, const char *pattern, const char *from_file, unsigned from_line,
                     bool warn_no_match) {
        glob_t g = {};
        int r;

        r = glob(pattern, GLOB_NOSORT, NULL, &g);
        if (r == GLOB_NOSPACE) {
                globfree(&g);
                return -ENOMEM;
        }
        if (r != 0 || g.gl_pathc == 0) {
                if (warn_no_match)
                        conf_warn(c, from_file, from_line, "No file matches via include \"%s\".", pattern);
                globfree(&g);
                return 0;
        }
        /* Python's sorted(): byte order, not the locale's collation. */
        qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                r = ini_doc_read_file(doc, c, g.gl_pathv[i], INI_READ_INCLUDED);
                if (r == -ENOMEM || r == -E2BIG) {
                        globfree(&g);
                        return r;
                }
                if (r < 0)
                        /* RawConfigParser.read() skips files it cannot open; say so at least. */
                        conf_warn(c, from_file, from_line, "Cannot read included file %s: %s, ignoring.",
                                  g.gl_pathv[i], strerror(-r));
        }
        globfree(&g);
        return 0;
}

static int read_includes(IniDoc *doc, Config *c, const char *main_file, char *const *process_env,
                         const char *host) {
        IniSection *s = ini_doc_find(doc, "include");
        _cleanup_free_ char *files = NULL, *dir_copy = strdup(main_file);
        int r;

        if (!dir_copy)
                return -ENOMEM;
        if (!s)
                return 0;
        IniEntry *e = ini_section_get(s, "files");
        if (!e) {
                conf_error(c, s->file, s->line, "[include] section without files=.");
                return 0;
        }
        ExpandVars v = { .host_node_name = host, .process_num = -1, .numprocs = -1, .env = process_env };
        r = conf_get_expanded(c, s, e, &v, &files);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;

        const char *base = dirname(dir_copy);
        unsigned from_line = e->line;
        _cleanup_free_ char *from_file = strdup(e->file);
        if (!from_file)
                return -ENOMEM;
        char *save = NULL;
        for (char *t = strtok_r(files, " \t\n\r\f\v", &save); t; t = strtok_r(NULL, " \t\n\r\f\v", &save)) {
                _cleanup_free_ char *pattern = NULL;
                if (t[0] == '/')
                        pattern = strdup(t);
                else if (asprintf(&pattern, "%s/%s", base, t) < 0)
                        pattern = NULL;
                if (!pattern)
                        return -ENOMEM;
                /* doc may grow while we read: e and s must not be used below this point */
                r = read_glob(doc, c, pattern, from_file, from_line, true);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- sections ------------------------------------------------------------------------------------ */

static void warn_unknown_keys(Config *c, IniSection *s, ConfSection section) {
        for (size_t i = 0; i < s->n_entries; i++) {
                IniEntry *e = &s->entries[i];
                if (conf_key_find(section, e->key))
                        continue;
                if (conf_diags_full(c)) { /* spare the suggestion search on hostile input */
                        c->n_diags_dropped++;
                        continue;
                }
                const char *sug = conf_key_suggest(section, e->key);
                if (sug)
                        conf_warn(c, e->file, e->line,
                                  "Unknown key '%s' in [%s], ignoring (did you mean '%s'?).", e->key,
                                  s->name, sug);
                else
                        conf_warn(c, e->file, e->line, "Unknown key '%s' in [%s], ignoring.", e->key,
                                  s->name);
        }
}

static void lint_templates(Config *c, IniSection *s) {
        for (size_t i = 0; i < s->n_entries; i++) {
                const char *o = strstr(s->entries[i].value, "{{");
                if (o && strstr(o, "}}"))
                        conf_warn(c, s->entries[i].file, s->entries[i].line,
                                  "[%s] %s contains a '{{ }}' template placeholder; cgsupd does not "
                                  "substitute it (render the template before starting cgsupd).",
                                  s->name, s->entries[i].key);
        }
}

static bool has_prefix(const char *s, const char *p) {
        return strneq(s, p, strlen(p));
}

typedef enum SectionKind {
        SECTION_DAEMON,
        SECTION_INCLUDE,
        SECTION_PROGRAM,
        SECTION_GROUP,
        SECTION_WEBHOOK,
        SECTION_EVENTLISTENER,
        SECTION_IGNORED,
        SECTION_UNKNOWN,
} SectionKind;

static SectionKind section_kind(const char *name) {
        if (streq(name, "cgsupd"))
                return SECTION_DAEMON;
        if (streq(name, "include"))
                return SECTION_INCLUDE;
        if (has_prefix(name, "program:"))
                return SECTION_PROGRAM;
        if (has_prefix(name, "group:"))
                return SECTION_GROUP;
        if (has_prefix(name, "webhook:"))
                return SECTION_WEBHOOK;
        if (has_prefix(name, "eventlistener:"))
                return SECTION_EVENTLISTENER;
        if (streq(name, "unix_http_server") || streq(name, "inet_http_server") ||
            streq(name, "supervisorctl") || has_prefix(name, "rpcinterface:") ||
            has_prefix(name, "fcgi-program:") ||
            has_prefix(name, "ctlplugin:") || has_prefix(name, "unix_http_server:") ||
            has_prefix(name, "inet_http_server:"))
                return SECTION_IGNORED;
        return SECTION_UNKNOWN;
}

/* Keys supervisord knows in the sections cgsup ignores: anything else there was probably meant for another
 * section whose header got commented out (a real file has "files=" under [supervisorctl] that way). */
static void lint_ignored_section_keys(Config *c, IniSection *s) {
        static const char *const unix_keys[] = { "file", "chmod", "chown", "username", "password", NULL };
        static const char *const inet_keys[] = { "port", "username", "password", NULL };
        static const char *const ctl_keys[] = { "serverurl", "username",     "password",
                                                "prompt",    "history_file", NULL };
        const char *const *known = streq(s->name, "unix_http_server") ? unix_keys :
                                   streq(s->name, "inet_http_server") ? inet_keys :
                                   streq(s->name, "supervisorctl")    ? ctl_keys :
                                                                        NULL;
        if (!known)
                return;
        for (size_t i = 0; i < s->n_entries; i++) {
                const char *k = s->entries[i].key;
                if (strv_contains((char **) known, k))
                        continue;
                bool elsewhere = conf_key_find(CONF_SECTION_PROGRAM, k) || conf_key_find(CONF_SECTION_DAEMON, k) ||
                                 streq(k, "files");
                conf_warn(c, s->entries[i].file, s->entries[i].line,
                          "Key '%s' does not belong in [%s]%s, ignoring.", k, s->name,
                          streq(k, "files") ? " (is the [include] header above it commented out?)" :
                          elsewhere ? " (is a section header above it commented out?)" : "");
        }
}

static void warn_ignored_section(Config *c, IniSection *s) {
        const char *why;
        if (streq(s->name, "unix_http_server") || streq(s->name, "inet_http_server") ||
            has_prefix(s->name, "rpcinterface:") || streq(s->name, "supervisorctl") ||
            has_prefix(s->name, "ctlplugin:") || has_prefix(s->name, "unix_http_server:") ||
            has_prefix(s->name, "inet_http_server:"))
                why = "cgsup is controlled over D-Bus with cgsupctl";
        else
                why = "FastCGI programs are not supported by cgsup";
        conf_warn(c, s->file, s->line, "[%s] is not used (%s), ignoring.", s->name, why);
}

/* ---- sorted name indexes ------------------------------------------------------------------------ */

/* Lookups by name over sections, group members, programs and instances: sorted arrays + binary search, so
 * a hostile file with thousands of each stays n log n. */
typedef struct NameRef {
        const char *name;
        size_t idx;
} NameRef;

static int cmp_nameref(const void *a, const void *b) {
        const NameRef *x = a, *y = b;
        int r = strcmp(x->name, y->name);
        if (r != 0)
                return r;
        return x->idx < y->idx ? -1 : x->idx > y->idx ? 1 : 0;
}

/* First entry named @name, or NULL. */
static const NameRef *nameref_find(const NameRef *v, size_t n, const char *name) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(v[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < n && streq(v[lo].name, name) ? &v[lo] : NULL;
}

static int nameref_add(NameRef **v, size_t *n, const char *name, size_t idx) {
        NameRef *nv = reallocarray(*v, *n + 1, sizeof(NameRef));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[(*n)++] = (NameRef) { name, idx };
        return 0;
}

static void nameref_sort(NameRef *v, size_t n) {
        if (n > 0)
                qsort(v, n, sizeof(NameRef), cmp_nameref);
}

/* ---- dependencies -------------------------------------------------------------------------------- */

typedef struct DepNode {
        const char *name;      /* program section name */
        IniEntry *entry;       /* its depends_on= */
        size_t *edges;
        size_t n_edges;
        size_t indegree;
        bool done;
} DepNode;

typedef struct DepGraph {
        DepNode *nodes;
        size_t n;
        NameRef *by_program, *by_instance; /* by_program[].idx: the node index */
        size_t n_prog, n_inst;
} DepGraph;

static void dep_graph_done(DepGraph *g) {
        for (size_t i = 0; i < g->n; i++)
                free(g->nodes[i].edges);
        free(g->nodes);
        free(g->by_program);
        free(g->by_instance);
}

/* One node per program section that produced instances; instances of a program share depends_on. */
static int dep_graph_nodes(DepGraph *g, Config *c, IniDoc *doc) {
        for (size_t i = 0; i < c->n_programs; i++)
                if (nameref_add(&g->by_instance, &g->n_inst, c->programs[i]->name, i) < 0 ||
                    nameref_add(&g->by_program, &g->n_prog, c->programs[i]->program_name, i) < 0)
                        return -ENOMEM;
        nameref_sort(g->by_instance, g->n_inst);
        nameref_sort(g->by_program, g->n_prog);
        g->nodes = calloc(g->n_prog + 1, sizeof(DepNode));
        if (!g->nodes)
                return -ENOMEM;
        for (size_t i = 0; i < g->n_prog; i++) {
                if (i == 0 || !streq(g->by_program[i].name, g->by_program[i - 1].name)) {
                        _cleanup_free_ char *sname = NULL;
                        if (asprintf(&sname, "program:%s", g->by_program[i].name) < 0)
                                return -ENOMEM;
                        IniSection *ps = ini_doc_find(doc, sname);
                        g->nodes[g->n++] = (DepNode) { .name = g->by_program[i].name,
                                                       .entry = ini_section_find(ps, "depends_on") };
                }
                g->by_program[i].idx = g->n - 1;
        }
        return 0;
}

/* The node @name stands for (a program, or an instance name such as "web_01" for its program); -1 if none. */
static ssize_t dep_graph_target(const DepGraph *g, const Config *c, const char *name) {
        const NameRef *t = nameref_find(g->by_program, g->n_prog, name);

        if (t)
                return (ssize_t) t->idx;
        t = nameref_find(g->by_instance, g->n_inst, name);
        if (!t)
                return -1;
        return (ssize_t) nameref_find(g->by_program, g->n_prog, c->programs[t->idx]->program_name)->idx;
}

/* Whether every instance @name stands for has a log-line readiness check (what depends_on=x:log_ready waits
 * for: without one it would only mean "healthy" under a name that promises something else). */
static bool dep_target_has_log_readiness(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_programs; i++) {
                const ProgramConfig *q = c->programs[i];
                if ((streq(q->name, name) || streq(q->program_name, name)) &&
                    q->health[HEALTH_READINESS].type != HEALTH_LOG_LINE)
                        return false;
        }
        return true;
}

/* Edges from depends_on, built once per program; unknown names are errors with file:line. */
static int dep_graph_edges(DepGraph *g, Config *c) {
        for (size_t i = 0; i < c->n_programs; i++) {
                const ProgramConfig *p = c->programs[i];
                DepNode *node = &g->nodes[nameref_find(g->by_program, g->n_prog, p->program_name)->idx];

                if (node->done || p->n_depends_on == 0)
                        continue;
                node->done = true;
                for (size_t j = 0; j < p->n_depends_on; j++) {
                        ssize_t target = dep_graph_target(g, c, p->depends_on[j].name);
                        size_t *ne;

                        if (target < 0) {
                                conf_error(c, node->entry ? node->entry->file : p->source_file,
                                           node->entry ? node->entry->line : p->source_line,
                                           "[program:%s] depends_on names unknown program '%s'.", p->program_name,
                                           p->depends_on[j].name);
                                continue;
                        }
                        if (p->depends_on[j].condition == DEPEND_LOG_READY &&
                            !dep_target_has_log_readiness(c, p->depends_on[j].name))
                                conf_error(c, node->entry ? node->entry->file : p->source_file,
                                           node->entry ? node->entry->line : p->source_line,
                                           "[program:%s] depends_on=%s:log_ready, but %s has no log-line readiness "
                                           "check (readiness_log_line= or healthcheck_log_line=).",
                                           p->program_name, p->depends_on[j].name, p->depends_on[j].name);
                        ne = reallocarray(node->edges, node->n_edges + 1, sizeof(size_t));
                        if (!ne)
                                return -ENOMEM;
                        node->edges = ne;
                        node->edges[node->n_edges++] = (size_t) target;
                        g->nodes[target].indegree++;
                }
        }
        return 0;
}

/* Kahn: repeatedly drop nodes nothing depends on (they end .done); returns how many remain, which sit on
 * or behind a cycle. */
static ssize_t dep_graph_prune(DepGraph *g) {
        _cleanup_free_ size_t *queue = calloc(g->n + 1, sizeof(size_t));
        size_t qh = 0, qt = 0, removed = 0;

        if (!queue)
                return -ENOMEM;
        for (size_t i = 0; i < g->n; i++) {
                g->nodes[i].done = false;
                if (g->nodes[i].indegree == 0)
                        queue[qt++] = i;
        }
        while (qh < qt) {
                size_t x = queue[qh++];
                g->nodes[x].done = true;
                removed++;
                for (size_t k = 0; k < g->nodes[x].n_edges; k++)
                        if (--g->nodes[g->nodes[x].edges[k]].indegree == 0)
                                queue[qt++] = g->nodes[x].edges[k];
        }
        return (ssize_t) (g->n - removed);
}

/* The first remaining successor of @x (itself if none). */
static size_t dep_graph_next(const DepGraph *g, size_t x) {
        for (size_t k = 0; k < g->nodes[x].n_edges; k++)
                if (!g->nodes[g->nodes[x].edges[k]].done)
                        return g->nodes[x].edges[k];
        return x;
}

/* Every remaining node has a remaining predecessor, and following remaining edges from any remaining node
 * must end in a cycle: walk until a node repeats, then print the cycle from there around to it. */
static int dep_graph_report_cycle(DepGraph *g, Config *c) {
        _cleanup_free_ size_t *seen = calloc(g->n, sizeof(size_t));
        size_t x = 0, step = 1, len = 0, y, at;
        char buf[1024] = "";
        IniEntry *e;

        if (!seen)
                return -ENOMEM;
        while (g->nodes[x].done)
                x++;
        while (!seen[x]) {
                seen[x] = step++;
                x = dep_graph_next(g, x);
        }
        y = x;
        do {
                at = MIN(len, sizeof buf - 1);
                len += (size_t) snprintf(buf + at, sizeof buf - at, "%s -> ", g->nodes[y].name);
                y = dep_graph_next(g, y);
        } while (y != x && len < sizeof buf);
        at = MIN(len, sizeof buf - 1);
        snprintf(buf + at, sizeof buf - at, "%s", g->nodes[x].name);
        e = g->nodes[x].entry;
        conf_error(c, e ? e->file : c->main_file, e ? e->line : 0, "Dependency cycle in depends_on: %s.", buf);
        return 0;
}

static int check_dependencies(Config *c, IniDoc *doc) {
        _cleanup_(dep_graph_done) DepGraph g = {};
        ssize_t remaining;
        int r;

        r = dep_graph_nodes(&g, c, doc);
        if (r >= 0)
                r = dep_graph_edges(&g, c);
        if (r < 0)
                return r;
        remaining = dep_graph_prune(&g);
        if (remaining < 0)
                return (int) remaining;
        return remaining > 0 ? dep_graph_report_cycle(&g, c) : 0;
}

static int cmp_program(const void *a, const void *b) {
        const ProgramConfig *x = *(ProgramConfig *const *) a, *y = *(ProgramConfig *const *) b;
        if (x->priority != y->priority)
                return x->priority < y->priority ? -1 : 1;
        int r = strcmp(x->name, y->name);
        if (r != 0)
                return r;
        return strcmp(x->group_name, y->group_name);
}

void config_sort_programs(Config *c) {
        assert(c);
        if (c->n_programs > 0)
                qsort(c->programs, c->n_programs, sizeof(ProgramConfig *), cmp_program);
}

static int cmp_instance_name(const void *a, const void *b) {
        const ProgramConfig *x = *(ProgramConfig *const *) a, *y = *(ProgramConfig *const *) b;
        int r = strcmp(x->name, y->name);
        return r != 0 ? r : strcmp(x->group_name, y->group_name);
}

static const char *section_prefix(const ProgramConfig *p) {
        return p->event_listener ? "eventlistener" : "program";
}

static int check_duplicates(Config *c) {
        /* Instance names must be unique in the whole file, not only within a group as in supervisord: the
         * name alone addresses an instance (its D-Bus object, its cgsupctl name). Sorted copy: n log n. */
        if (c->n_programs < 2)
                return 0;
        _cleanup_free_ ProgramConfig **v = reallocarray(NULL, c->n_programs, sizeof(ProgramConfig *));
        if (!v)
                return -ENOMEM;
        memcpy(v, c->programs, c->n_programs * sizeof(ProgramConfig *));
        qsort(v, c->n_programs, sizeof(ProgramConfig *), cmp_instance_name);
        for (size_t i = 1; i < c->n_programs; i++) {
                const ProgramConfig *p = v[i - 1], *q = v[i];

                if (!streq(p->name, q->name))
                        continue;
                if (streq(p->group_name, q->group_name))
                        conf_error(c, q->source_file, q->source_line,
                                   "Process name '%s' in group '%s' is used by [%s:%s] and [%s:%s].",
                                   q->name, q->group_name, section_prefix(p), p->program_name,
                                   section_prefix(q), q->program_name);
                else
                        conf_error(c, q->source_file, q->source_line,
                                   "Process name '%s' is used by [%s:%s] in group '%s' and [%s:%s] in group "
                                   "'%s': instance names are unique in cgsup, across groups.",
                                   q->name, section_prefix(p), p->program_name, p->group_name,
                                   section_prefix(q), q->program_name, q->group_name);
                return 0;
        }
        return 0;
}

/* Reads the [group:x] and [webhook:x] sections and warns about unknown keys and sections; programs and
 * event listeners are read later, once every group is known. */
static int read_sections(Config *c, IniDoc *doc, const ProgramContext *ctx, char *const *process_env) {
        int r;

        for (size_t i = 0; i < doc->n_sections; i++) {
                IniSection *s = &doc->sections[i];
                switch (section_kind(s->name)) {
                case SECTION_DAEMON:
                        warn_unknown_keys(c, s, CONF_SECTION_DAEMON);
                        lint_templates(c, s);
                        break;
                case SECTION_INCLUDE:
                        warn_unknown_keys(c, s, CONF_SECTION_INCLUDE);
                        break;
                case SECTION_PROGRAM:
                case SECTION_EVENTLISTENER:
                        warn_unknown_keys(c, s, CONF_SECTION_PROGRAM);
                        lint_templates(c, s);
                        break;
                case SECTION_GROUP:
                        warn_unknown_keys(c, s, CONF_SECTION_GROUP);
                        lint_templates(c, s);
                        r = conf_group_section(c, s, s->name + strlen("group:"), ctx);
                        if (r < 0)
                                return r;
                        break;
                case SECTION_WEBHOOK:
                        warn_unknown_keys(c, s, CONF_SECTION_WEBHOOK);
                        r = conf_webhook_section(c, s, &(ExpandVars) { .process_num = -1, .numprocs = -1,
                                                                        .env = process_env,
                                                                        .env2 = c->daemon.environment });
                        if (r < 0)
                                return r;
                        break;
                case SECTION_IGNORED:
                        warn_ignored_section(c, s);
                        lint_ignored_section_keys(c, s);
                        break;
                case SECTION_UNKNOWN: {
                        const char *sug = conf_suggest(s->name, known_section_names);
                        if (sug)
                                conf_warn(c, s->file, s->line,
                                          "Unknown section [%s], ignoring (did you mean "
                                          "[%s]?).",
                                          s->name, sug);
                        else
                                conf_warn(c, s->file, s->line, "Unknown section [%s], ignoring.", s->name);
                        break;
                }
                }
        }
        return 0;
}

/* The programs= entry of @g (where errors about its members point), or NULL. */
static int group_programs_entry(IniDoc *doc, const NameRef *sections, size_t n_sections,
                                const GroupConfig *g, IniEntry **ret) {
        _cleanup_free_ char *gsn = NULL;

        if (asprintf(&gsn, "group:%s", g->name) < 0)
                return -ENOMEM;
        const NameRef *gs = nameref_find(sections, n_sections, gsn);
        *ret = gs ? ini_section_find(&doc->sections[gs->idx], "programs") : NULL;
        return 0;
}

/* Groups must name existing programs (supervisord: "[group:x] names unknown program y"). */
static int check_group_members(Config *c, IniDoc *doc, const NameRef *sections, size_t n_sections) {
        int r;

        for (size_t i = 0; i < c->n_groups; i++) {
                GroupConfig *g = c->groups[i];
                IniEntry *e = NULL;
                STRV_FOREACH(pn, g->programs) {
                        _cleanup_free_ char *sn = NULL, *fn = NULL;
                        if (asprintf(&sn, "program:%s", *pn) < 0 ||
                            asprintf(&fn, "fcgi-program:%s", *pn) < 0)
                                return -ENOMEM;
                        if (nameref_find(sections, n_sections, sn))
                                continue;
                        if (!e) {
                                r = group_programs_entry(doc, sections, n_sections, g, &e);
                                if (r < 0)
                                        return r;
                        }
                        if (nameref_find(sections, n_sections, fn))
                                conf_warn(c, e ? e->file : g->source_file, e ? e->line : g->source_line,
                                          "[group:%s] lists fcgi-program %s, which is not supported, "
                                          "ignoring.",
                                          g->name, *pn);
                        else
                                conf_error(c, e ? e->file : g->source_file, e ? e->line : g->source_line,
                                           "[group:%s] names unknown program '%s'.", g->name, *pn);
                }
        }
        return 0;
}

/* A program listed by two groups: supervisord runs it once in each (a:x and b:x), but cgsup addresses an
 * instance by its name alone (one D-Bus object, one cgsupctl name per instance), so the two would be one
 * object. @members is sorted by (program, group index) and holds each group once per program (a group's
 * programs= drops repeats), so every repeat of a name here is a second group. */
static int check_program_in_one_group(Config *c, IniDoc *doc, const NameRef *sections, size_t n_sections,
                                      const NameRef *members, size_t n_members) {
        int r;

        for (size_t i = 1; i < n_members; i++) {
                const GroupConfig *first, *g;
                IniEntry *fe, *e;

                if (!streq(members[i].name, members[i - 1].name))
                        continue;
                first = c->groups[nameref_find(members, n_members, members[i].name)->idx];
                g = c->groups[members[i].idx];
                r = group_programs_entry(doc, sections, n_sections, first, &fe);
                if (r >= 0)
                        r = group_programs_entry(doc, sections, n_sections, g, &e);
                if (r < 0)
                        return r;
                conf_error(c, e ? e->file : g->source_file, e ? e->line : g->source_line,
                           "[group:%s] lists program '%s', which [group:%s] (%s:%u) lists too: a program "
                           "can be in one group only (instance names are unique in cgsup).",
                           g->name, members[i].name, first->name, fe ? fe->file : first->source_file,
                           fe ? fe->line : first->source_line);
        }
        return 0;
}

/* [eventlistener:x] and [program:x] sections, each program in its group. */
static int read_programs(Config *c, IniDoc *doc, const ProgramContext *ctx, const NameRef *sections,
                         size_t n_sections, const NameRef *members, size_t n_members) {
        int r;

        /* [eventlistener:x]: a pool is a group of its own (supervisord does not let [group:x] list one). */
        ProgramContext listener_ctx = *ctx;
        listener_ctx.event_listener = true;
        for (size_t i = 0; i < doc->n_sections; i++) {
                IniSection *s = &doc->sections[i];
                const char *name = s->name + strlen("eventlistener:");
                if (section_kind(s->name) != SECTION_EVENTLISTENER)
                        continue;
                r = conf_program_section(c, s, name, name, false, &listener_ctx);
                if (r < 0)
                        return r;
        }

        for (size_t i = 0; i < doc->n_sections; i++) {
                IniSection *s = &doc->sections[i];
                if (section_kind(s->name) != SECTION_PROGRAM)
                        continue;
                const char *name = s->name + strlen("program:");
                const NameRef *m = nameref_find(members, n_members, name);
                if (!m) {
                        /* Its own group would be a second group of that name: supervisord silently
                         * drops one of the two. */
                        _cleanup_free_ char *gsn = NULL;
                        if (asprintf(&gsn, "group:%s", name) < 0)
                                return -ENOMEM;
                        if (nameref_find(sections, n_sections, gsn)) {
                                conf_error(c, s->file, s->line,
                                           "[%s] is in no group, but [group:%s] exists: its group name would be "
                                           "used twice (list it in programs= or rename one).", s->name, name);
                                continue;
                        }
                        r = conf_program_section(c, s, name, name, false, ctx);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* In the first group that lists it only: check_program_in_one_group() refuses the others. */
                r = conf_program_section(c, s, name, c->groups[m->idx]->name, true, ctx);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int process_doc(Config *c, IniDoc *doc, char *const *process_env, const char *host, bool check_system,
                       const ConfigScale *scale) {
        int r;

        daemon_config_init(&c->daemon);
        r = daemon_section(c, ini_doc_find(doc, "cgsupd"), process_env, host, check_system);
        if (r < 0)
                return r;
        r = daemon_defaults_finish(&c->daemon, process_env);
        if (r < 0)
                return r;

        ProgramContext ctx = {
                .daemon = &c->daemon,
                .process_env = process_env,
                .host_node_name = host,
                .check_system = check_system,
                .scale = scale,
        };

        r = read_sections(c, doc, &ctx, process_env);
        if (r < 0)
                return r;

        /* Indexes: section names, and (program name -> groups listing it) in group order. */
        _cleanup_free_ NameRef *sections = NULL, *members = NULL;
        size_t n_sections = 0, n_members = 0;
        for (size_t i = 0; i < doc->n_sections; i++)
                if (nameref_add(&sections, &n_sections, doc->sections[i].name, i) < 0)
                        return -ENOMEM;
        nameref_sort(sections, n_sections);
        for (size_t i = 0; i < c->n_groups; i++)
                STRV_FOREACH(pn, c->groups[i]->programs)
                        if (nameref_add(&members, &n_members, *pn, i) < 0)
                                return -ENOMEM;
        nameref_sort(members, n_members);

        r = check_group_members(c, doc, sections, n_sections);
        if (r >= 0)
                r = check_program_in_one_group(c, doc, sections, n_sections, members, n_members);
        if (r < 0)
                return r;
        r = read_programs(c, doc, &ctx, sections, n_sections, members, n_members);
        if (r < 0)
                return r;

        config_sort_programs(c);
        r = check_duplicates(c);
        if (r < 0)
                return r;
        return check_dependencies(c, doc);
}

static int host_node_name(char **ret) {
        struct utsname u;
        if (uname(&u) < 0)
                return -errno;
        *ret = strdup(u.nodename);
        return *ret ? 0 : -ENOMEM;
}

static int load_buffer(const char *path, const char *data, size_t size, const char *dropin_dir, char **extra_env,
                       ConfigLoadFlags flags, const ConfigScale *scale, Config **ret) {
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));
        _cleanup_(ini_doc_done) IniDoc doc = {};
        _cleanup_free_ char *host = NULL, *dropin_glob = NULL;
        char *const *process_env = extra_env ? extra_env : environ;
        int r;

        if (!c)
                return -ENOMEM;
        c->main_file = strdup(path);
        if (!c->main_file)
                return -ENOMEM;
        r = host_node_name(&host);
        if (r < 0)
                return r;

        r = ini_doc_parse(&doc, c, path, data, size, 0);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && !(flags & CONFIG_LOAD_NO_INCLUDES)) {
                r = read_includes(&doc, c, path, process_env, host);
                if (r == -ENOMEM)
                        return r;
                if (r >= 0 && dropin_dir) {
                        if (asprintf(&dropin_glob, "%s/*.conf", dropin_dir) < 0)
                                return -ENOMEM;
                        r = read_glob(&doc, c, dropin_glob, path, 0, false);
                        if (r == -ENOMEM)
                                return r;
                }
        }

        /* Limits hit while reading (-E2BIG) are already diagnosed as errors; nothing else to do then. */
        if (r >= 0) {
                r = process_doc(c, &doc, process_env, host, !(flags & CONFIG_LOAD_NO_SYSTEM_CHECKS), scale);
                if (r == -ENOMEM)
                        return r;
        }

        c->files = TAKE_PTR(doc.files);
        bool failed = config_has_error(c);
        *ret = TAKE_PTR(c);
        return failed ? -EINVAL : 0;
}

int config_load_buffer(const char *path, const char *data, size_t size, const char *dropin_dir,
                       char **extra_env, ConfigLoadFlags flags, Config **ret) {
        return load_buffer(path, data, size, dropin_dir, extra_env, flags, NULL, ret);
}

static int absolute_path(const char *path, char **ret) {
        if (path[0] == '/') {
                *ret = strdup(path);
                return *ret ? 0 : -ENOMEM;
        }
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        if (!cwd)
                return -errno;
        if (asprintf(ret, "%s/%s", cwd, path) < 0)
                return -ENOMEM;
        return 0;
}

static int load_with_dropins(const char *path, const char *dropin_dir, char **extra_env, const ConfigScale *scale,
                             Config **ret) {
        _cleanup_free_ char *abs = NULL, *data = NULL;
        size_t size;
        int r;

        if (isempty(path))
                return -EINVAL;
        r = absolute_path(path, &abs);
        if (r < 0)
                return r;

        r = read_full_file_at(AT_FDCWD, abs, CONF_MAX_FILE_SIZE, &data, &size);
        if (r == -EFBIG) {
                _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));
                if (!c || !(c->main_file = strdup(abs)))
                        return -ENOMEM;
                conf_error(c, abs, 0, "File is larger than %u bytes.", CONF_MAX_FILE_SIZE);
                *ret = TAKE_PTR(c);
                return -EINVAL;
        }
        if (r < 0)
                return r;
        return load_buffer(abs, data, size, dropin_dir, extra_env, 0, scale, ret);
}

int config_load_with_dropins(const char *path, const char *dropin_dir, char **extra_env, Config **ret) {
        return load_with_dropins(path, dropin_dir, extra_env, NULL, ret);
}

static int load_default_dropins(const char *path, char **extra_env, const ConfigScale *scale, Config **ret) {
        _cleanup_free_ char *dropin = NULL;

        if (!path)
                path = CONFIG_DEFAULT_PATH;
        /* Drop-ins only for the default file: "-c FILE" means exactly that file (and its [include]s). */
        if (streq(path, CONFIG_DEFAULT_PATH)) {
                _cleanup_free_ char *copy = strdup(path);
                if (!copy || asprintf(&dropin, "%s/conf.d", dirname(copy)) < 0)
                        return -ENOMEM;
        }
        return load_with_dropins(path, dropin, extra_env, scale, ret);
}

int config_load(const char *path, char **extra_env, Config **ret) {
        return load_default_dropins(path, extra_env, NULL, ret);
}

int config_load_scaled(const char *path, char **extra_env, const char *program, unsigned numprocs, Config **ret) {
        const ConfigScale scale = { .program = program, .numprocs = numprocs };

        assert(program);
        return load_default_dropins(path, extra_env, &scale, ret);
}
