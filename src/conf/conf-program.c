/* SPDX-License-Identifier: MIT */
/*
 * [program:x] and [group:x] sections: supervisord 4's keys with its defaults and meanings
 * (supervisor/options.py, processes_from_section), plus cgsup's own keys. Every value is %(...)s-expanded
 * before it is converted, per process instance, because real files take numprocs, autostart and user
 * from %(ENV_X)s.
 */
#include <assert.h>
#include <ctype.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <strings.h>
#include <unistd.h>

#include "conf-internal.h"
#include "event-type.h"
#include "parse-util.h"
#include "strv.h"

/* ---- defaults, free, copy, compare --------------------------------------------------------------- */

static void log_config_defaults(LogConfig *l) {
        *l = (LogConfig) {
                .automatic = true, /* supervisord's AUTO; config_load() resolves it to a path */
                .maxbytes = 50U * 1024U * 1024U,
                .backups = 10,
        };
}

void program_config_init_defaults(ProgramConfig *p) {
        *p = (ProgramConfig) {
                .n_ref = 1,
                .numprocs = 1,
                .type = PROGRAM_TYPE_SIMPLE,
                .priority = 999,
                .autostart = true,
                .autorestart = AUTORESTART_UNEXPECTED,
                .startsecs = 1 * USEC_PER_SEC,
                .startretries = 3,
                .exitcodes = { 1 }, /* {0} */
                .stopsignal = SIGTERM,
                .stopwaitsecs = 10 * USEC_PER_SEC,
                .umask = -1,
                .backoff_initial = 1 * USEC_PER_SEC,
                .backoff_max = 30 * USEC_PER_SEC,
                .backoff_multiplier = 2.0,
                .stdin_pipe = true,
                .watch_debounce = 1 * USEC_PER_SEC,
                .listener_buffer_size = 10,
        };
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++)
                health_config_init_defaults(&p->health[k]);
        log_config_defaults(&p->stdout_log);
        log_config_defaults(&p->stderr_log);
}

ConfigSettings *config_settings_ref(ConfigSettings *s) {
        if (s)
                s->n_ref++;
        return s;
}

ConfigSettings *config_settings_unref(ConfigSettings *s) {
        if (!s || --s->n_ref > 0)
                return NULL;
        for (size_t i = 0; i < s->n_items; i++) {
                free(s->items[i].key);
                free(s->items[i].value);
                free(s->items[i].file);
        }
        free(s->items);
        free(s->section);
        free(s->file);
        free(s);
        return NULL;
}

/* The section's keys that a reader consumed (IniEntry.used), once its first instance was built. */
static int config_settings_from_section(const IniSection *sec, ConfigSettings **ret) {
        _cleanup_(config_settings_unrefp) ConfigSettings *s = calloc(1, sizeof(ConfigSettings));

        if (!s)
                return -ENOMEM;
        s->n_ref = 1;
        s->section = strdup(sec->name);
        s->file = strdup(strempty(sec->file));
        s->line = sec->line;
        s->items = calloc(MAX(sec->n_entries, (size_t) 1), sizeof(ConfigSetting));
        if (!s->section || !s->file || !s->items)
                return -ENOMEM;
        for (size_t i = 0; i < sec->n_entries; i++) {
                const IniEntry *e = &sec->entries[i];
                ConfigSetting *item = &s->items[s->n_items];

                if (!e->used)
                        continue;
                item->key = strdup(e->key);
                item->value = strdup(e->value);
                item->file = strdup(strempty(e->file));
                item->line = e->line;
                s->n_items++; /* counted before the check: unref frees what was made */
                if (!item->key || !item->value || !item->file)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

ProgramConfig *program_config_ref(ProgramConfig *p) {
        if (p)
                p->n_ref = MAX(p->n_ref, 1u) + 1;
        return p;
}

bool program_config_is_shared(const ProgramConfig *p) {
        return p->n_ref > 1;
}

ProgramConfig *program_config_free(ProgramConfig *p) {
        if (!p)
                return NULL;
        if (p->n_ref > 1) {
                p->n_ref--;
                return NULL;
        }
        config_settings_unref(p->settings);
        free(p->name);
        free(p->program_name);
        free(p->group_name);
        free(p->command);
        strv_free(p->argv);
        free(p->pidfile);
        free(p->user);
        free(p->directory);
        strv_free(p->environment);
        strv_free(p->environment_files);
        free(p->stdout_log.path);
        free(p->stderr_log.path);
        free(p->syscall_filter);
        free(p->description);
        free(p->schedule);
        free(p->schedule_timezone);
        strv_free(p->watch);
        strv_free(p->watch_ignore);
        for (size_t i = 0; i < p->n_depends_on; i++)
                free(p->depends_on[i].name);
        free(p->depends_on);
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++)
                health_config_done(&p->health[k]);
        free(p->source_file);
        free(p);
        return NULL;
}

static int strdup_maybe(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int strv_copy_maybe(char **l, char ***ret) {
        if (!l) {
                *ret = NULL;
                return 0;
        }
        *ret = strv_copy(l);
        return *ret ? 0 : -ENOMEM;
}

int program_config_copy(const ProgramConfig *p, ProgramConfig **ret) {
        _cleanup_(program_config_freep) ProgramConfig *c = malloc(sizeof(ProgramConfig));
        if (!c)
                return -ENOMEM;
        *c = *p;
        c->n_ref = 1;
        (void) config_settings_ref(c->settings); /* shared, not copied */
        /* Clear every pointer first so a failed copy frees only what it made. */
        c->name = c->program_name = c->group_name = c->command = c->pidfile = c->user = c->directory = NULL;
        c->argv = c->environment = c->environment_files = c->watch = c->watch_ignore = NULL;
        c->stdout_log.path = c->stderr_log.path = c->syscall_filter = c->description = NULL;
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++)
                c->health[k] = (HealthConfig) {};
        c->source_file = c->schedule = c->schedule_timezone = NULL;
        c->depends_on = NULL;
        c->n_depends_on = 0;

        if (strdup_maybe(p->name, &c->name) < 0 || strdup_maybe(p->program_name, &c->program_name) < 0 ||
            strdup_maybe(p->group_name, &c->group_name) < 0 || strdup_maybe(p->command, &c->command) < 0 ||
            strdup_maybe(p->pidfile, &c->pidfile) < 0 || strdup_maybe(p->user, &c->user) < 0 ||
            strdup_maybe(p->directory, &c->directory) < 0 ||
            strdup_maybe(p->stdout_log.path, &c->stdout_log.path) < 0 ||
            strdup_maybe(p->stderr_log.path, &c->stderr_log.path) < 0 ||
            strdup_maybe(p->syscall_filter, &c->syscall_filter) < 0 ||
            strdup_maybe(p->description, &c->description) < 0 ||
            strdup_maybe(p->source_file, &c->source_file) < 0 || strv_copy_maybe(p->argv, &c->argv) < 0 ||
            strdup_maybe(p->schedule, &c->schedule) < 0 || strv_copy_maybe(p->watch, &c->watch) < 0 ||
            strv_copy_maybe(p->watch_ignore, &c->watch_ignore) < 0 ||
            strdup_maybe(p->schedule_timezone, &c->schedule_timezone) < 0 ||
            strv_copy_maybe(p->environment, &c->environment) < 0 ||
            strv_copy_maybe(p->environment_files, &c->environment_files) < 0 ||
            health_config_copy(&p->health[HEALTH_READINESS], &c->health[HEALTH_READINESS]) < 0 ||
            health_config_copy(&p->health[HEALTH_LIVENESS], &c->health[HEALTH_LIVENESS]) < 0)
                return -ENOMEM;

        if (p->n_depends_on > 0) {
                c->depends_on = calloc(p->n_depends_on, sizeof(Dependency));
                if (!c->depends_on)
                        return -ENOMEM;
                for (size_t i = 0; i < p->n_depends_on; i++) {
                        c->depends_on[i].condition = p->depends_on[i].condition;
                        c->depends_on[i].name = strdup(p->depends_on[i].name);
                        c->n_depends_on = i + 1;
                        if (!c->depends_on[i].name)
                                return -ENOMEM;
                }
        }
        *ret = TAKE_PTR(c);
        return 0;
}

static bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static bool strv_equal_ptr(char **a, char **b) {
        return strv_equal(a, b); /* NULL and empty compare equal, as they mean the same */
}

static bool log_config_equal(const LogConfig *a, const LogConfig *b) {
        if (a->automatic != b->automatic || a->syslog != b->syslog || a->maxbytes != b->maxbytes ||
            a->backups != b->backups || a->rotate != b->rotate || a->rotate_interval != b->rotate_interval ||
            a->compress != b->compress)
                return false;
        return streq_ptr(a->path, b->path);
}

static bool rlimits_equal(const RlimitConfig *a, const RlimitConfig *b) {
        for (size_t i = 0; i < _CONF_RLIMIT_MAX; i++)
                if (a[i].set != b[i].set || (a[i].set && (a[i].limit.rlim_cur != b[i].limit.rlim_cur ||
                                                          a[i].limit.rlim_max != b[i].limit.rlim_max)))
                        return false;
        return true;
}

bool program_config_equal_for_restart(const ProgramConfig *a, const ProgramConfig *b) {
        /* What the running process was created with: changing any of it means a new process. Not compared,
         * because the manager applies them to the running instance: limits (written live to the cgroup),
         * priority, autostart, autorestart, startsecs, startretries, exitcodes, stopsignal, stopwaitsecs,
         * stopasgroup/killasgroup, depends_on, backoff_*, fatal_retry_after, healthcheck_*, and where the section
         * was read. */
        if (!a || !b)
                return a == b;
        return streq_ptr(a->name, b->name) && streq_ptr(a->program_name, b->program_name) &&
               streq_ptr(a->group_name, b->group_name) && a->process_num == b->process_num &&
               streq_ptr(a->command, b->command) && strv_equal_ptr(a->argv, b->argv) && a->type == b->type &&
               streq_ptr(a->pidfile, b->pidfile) && streq_ptr(a->user, b->user) &&
               streq_ptr(a->directory, b->directory) && a->umask == b->umask &&
               strv_equal_ptr(a->environment, b->environment) &&
               strv_equal_ptr(a->environment_files, b->environment_files) && a->redirect_stderr == b->redirect_stderr &&
               log_config_equal(&a->stdout_log, &b->stdout_log) &&
               log_config_equal(&a->stderr_log, &b->stderr_log) &&
               streq_ptr(a->syscall_filter, b->syscall_filter) &&
               a->no_new_privileges == b->no_new_privileges && a->clean_environment == b->clean_environment &&
               a->strip_ansi == b->strip_ansi && rlimits_equal(a->rlimits, b->rlimits) &&
               a->stdin_pipe == b->stdin_pipe && a->event_listener == b->event_listener;
}

bool program_config_exitcode_expected(const ProgramConfig *p, int code) {
        if (code < 0 || code > 255)
                return false;
        return p->exitcodes[code / 8] & (1U << (code % 8));
}

/* ---- value helpers ------------------------------------------------------------------------------- */

static void *mfree(void *p) {
        free(p);
        return NULL;
}

static char *dirname_dup(const char *file) {
        _cleanup_free_ char *c = strdup(strempty(file));
        if (!c)
                return NULL;
        return strdup(dirname(c));
}

int conf_get_expanded(Config *c, IniSection *s, IniEntry *e, const ExpandVars *v, char **ret) {
        _cleanup_free_ char *here = dirname_dup(e->file), *msg = NULL;
        ExpandVars vars = *v;
        int r;

        if (!here)
                return -ENOMEM;
        /* %(here)s is the directory of the file the value came from (supervisord's expand_here() runs after
         * each file is read). */
        vars.here = here;
        r = conf_expand(e->value, &vars, ret, &msg);
        if (r == -EINVAL)
                conf_error(c, e->file, e->line, "[%s] %s=%s: %s", s->name, e->key, e->value, strna(msg));
        if (r < 0)
                return r;
        c->expanded_bytes += strlen(*ret);
        if (c->expanded_bytes > CONF_MAX_EXPANDED_TOTAL) {
                *ret = mfree(*ret);
                conf_error(c, e->file, e->line,
                           "[%s] %s: the configuration expands to more than %u MiB in total.", s->name,
                           e->key, CONF_MAX_EXPANDED_TOTAL / 1024U / 1024U);
                return -EINVAL;
        }
        return 0;
}

static void report_bad_value(Config *c, IniSection *s, IniEntry *e, const char *value, const char *why) {
        conf_error(c, e->file, e->line, "[%s] %s=%s: %s", s->name, e->key, value, why);
}

/* Diagnoses and returns -EINVAL, for converters. */
static int bad_value(Config *c, IniSection *s, IniEntry *e, const char *value, const char *why) {
        report_bad_value(c, s, e, value, why);
        return -EINVAL;
}

static int parse_exitcodes(const char *value, uint8_t bitmap[32]) {
        _cleanup_free_ char *copy = strdup(value);
        char *save = NULL;
        if (!copy)
                return -ENOMEM;
        memset(bitmap, 0, 32);
        /* list_of_exitcodes(): comma separated ints 0..255, whitespace around each allowed; empty = none */
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                while (isspace((unsigned char) *t))
                        t++;
                size_t l = strlen(t);
                while (l > 0 && isspace((unsigned char) t[l - 1]))
                        t[--l] = '\0';
                int code;
                if (safe_atoi(t, &code) < 0 || code < 0 || code > 255)
                        return -EINVAL;
                bitmap[code / 8] |= (uint8_t) (1U << (code % 8));
        }
        /* "0,,2" has an empty item: Python's int('') fails */
        if (strstr(value, ",,") || (value[0] == ',') || (*value && value[strlen(value) - 1] == ','))
                return -EINVAL;
        return 0;
}

static int parse_depends(const char *value, Dependency **ret, size_t *ret_n, const char **reterr) {
        _cleanup_free_ char *copy = strdup(value);
        Dependency *d = NULL;
        size_t n = 0;
        char *save = NULL;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ", \t\n", &save); t; t = strtok_r(NULL, ", \t\n", &save)) {
                DependCondition cond = DEPEND_STARTED;
                char *colon = strchr(t, ':');
                if (colon) {
                        *colon = '\0';
                        cond = depend_condition_from_string(colon + 1);
                        if (cond < 0) {
                                *reterr = "condition must be started, healthy, completed, succeeded or log_ready";
                                r = -EINVAL;
                                break;
                        }
                }
                if (!program_name_is_valid(t)) {
                        *reterr = "not a program name (" PROGRAM_NAME_RULE ")";
                        r = -EINVAL;
                        break;
                }
                if (n >= 256) {
                        *reterr = "more than 256 dependencies";
                        r = -EINVAL;
                        break;
                }
                Dependency *nd = reallocarray(d, n + 1, sizeof(Dependency));
                if (!nd) {
                        r = -ENOMEM;
                        break;
                }
                d = nd;
                d[n].condition = cond;
                d[n].name = strdup(t);
                if (!d[n].name) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(d[i].name);
                free(d);
                return r;
        }
        *ret = d;
        *ret_n = n;
        return 0;
}

static int set_logfile(LogConfig *l, const char *value) {
        char *path = NULL;
        l->automatic = false;
        if (isempty(value) || strcasecmp(value, "none") == 0 || strcasecmp(value, "off") == 0)
                ;
        else if (strcasecmp(value, "auto") == 0)
                l->automatic = true;
        else if (strcasecmp(value, "syslog") == 0)
                /* deprecated in supervisord, same as *_syslog=true without a file */
                l->syslog = true;
        else {
                path = strdup(value);
                if (!path)
                        return -ENOMEM;
        }
        free(l->path);
        l->path = path;
        return 0;
}

/* command= and the argv keys: split as a shell would (into *@ret, which the caller frees); an empty command
 * is refused. Returns 0, -EINVAL (diagnosed), -ENOMEM. */
static int parse_command_value(Config *c, IniSection *s, IniEntry *e, const char *v, char ***ret) {
        const char *why = NULL;
        int r;

        r = conf_shlex_split(v, ret, &why);
        if (r == -EINVAL)
                return bad_value(c, s, e, v, why);
        if (r < 0)
                return r;
        if (!(*ret)[0])
                return bad_value(c, s, e, v, "empty command");
        return 0;
}

/* A limit key (memory_max, cpu_quota, ...) into @limits, with a reason naming what the value should be. */
static int apply_limit(Config *c, IniSection *s, IniEntry *e, const char *v, CgsupLimits *limits) {
        CgsupLimit l = cgsup_limit_from_string(e->key);
        uint64_t x;
        int r;

        if (l < 0)
                return bad_value(c, s, e, v, "unknown limit");
        r = cgsup_limit_parse(l, v, &x);
        if (r == -ERANGE)
                return bad_value(c, s, e, v, "out of range");
        if (r < 0)
                return bad_value(c, s, e, v,
                                 l == CGSUP_LIMIT_CPU_QUOTA ? "not a CPU quota (e.g. 150%, max)" :
                                 l == CGSUP_LIMIT_CPU_WEIGHT || l == CGSUP_LIMIT_IO_WEIGHT ?
                                         "not a weight (1..10000)" :
                                 l == CGSUP_LIMIT_PIDS_MAX ? "not a process count or max" :
                                                             "not a byte size (e.g. 512M, 2G, max)");
        cgsup_limits_set(limits, l, x);
        return 0;
}

/* depends_on=: replaces the list read so far. */
static int apply_depends(Config *c, IniSection *s, IniEntry *e, const char *v, ProgramConfig *p) {
        Dependency *d = NULL;
        size_t n = 0;
        const char *why = NULL;
        int r;

        r = parse_depends(v, &d, &n, &why);
        if (r == -EINVAL)
                return bad_value(c, s, e, v, why);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_depends_on; i++)
                free(p->depends_on[i].name);
        free(p->depends_on);
        p->depends_on = d;
        p->n_depends_on = n;
        return 0;
}

/* The keys whose value is one scalar stored at k->offset in the ProgramConfig at @base. */
static int apply_scalar_key(Config *c, IniSection *s, IniEntry *e, const KeyDef *k, const char *v, uint8_t *base) {
        int r;

        switch (k->type) {
        case KEY_STRING: {
                char **f = (char **) (base + k->offset);
                char *n = NULL;
                if (!isempty(v)) {
                        n = strdup(v);
                        if (!n)
                                return -ENOMEM;
                }
                free(*f);
                *f = n;
                return 0;
        }
        case KEY_BOOL:
        case KEY_IGNORE_BOOL:
                r = parse_boolean(v);
                if (r < 0)
                        return bad_value(c, s, e, v, "not a boolean (true/false, yes/no, on/off, 1/0)");
                if (k->type == KEY_BOOL)
                        *(bool *) (base + k->offset) = r;
                return 0;
        case KEY_INT:
                if (safe_atoi(v, (int *) (base + k->offset)) < 0)
                        return bad_value(c, s, e, v, "not an integer");
                return 0;
        case KEY_UNSIGNED:
                if (safe_atou(v, (unsigned *) (base + k->offset)) < 0)
                        return bad_value(c, s, e, v, "not a non-negative integer");
                return 0;
        case KEY_SEC:
                if (parse_sec(v, (usec_t *) (base + k->offset)) < 0)
                        return bad_value(c, s, e, v,
                                         "not a duration (seconds, or with a unit: 500ms, 2min)");
                return 0;
        case KEY_SIZE:
        case KEY_IGNORE_SIZE: {
                uint64_t x;
                if (parse_size(v, &x) < 0)
                        return bad_value(c, s, e, v, "not a byte size (e.g. 0, 1024, 50MB, 1GB)");
                if (k->type == KEY_SIZE)
                        *(uint64_t *) (base + k->offset) = x;
                return 0;
        }
        case KEY_SIGNAL:
                r = signal_from_string(v);
                if (r < 0)
                        return bad_value(c, s, e, v, "unknown signal (TERM, SIGQUIT, 9, ...)");
                *(int *) (base + k->offset) = r;
                return 0;
        case KEY_UMASK: {
                mode_t m;
                if (parse_mode(v, &m) < 0 || m > 0777)
                        return bad_value(c, s, e, v, "not an octal umask (e.g. 022)");
                *(int *) (base + k->offset) = (int) m;
                return 0;
        }
        case KEY_ENUM: {
                int x = k->from_string(v);
                if (x < 0) {
                        _cleanup_free_ char *why = NULL;
                        if (asprintf(&why, "must be %s", k->choices) < 0)
                                return -ENOMEM;
                        return bad_value(c, s, e, v, why);
                }
                /* The enums of the table are int-sized (they hold -EINVAL). */
                *(int *) (base + k->offset) = x;
                return 0;
        }
        case KEY_DOUBLE: {
                char *end;
                errno = 0;
                double x = strtod(v, &end);
                if (isempty(v) || *end || errno || !isfinite(x) || x < 1.0 || x > 100.0)
                        return bad_value(c, s, e, v, "not a number between 1 and 100");
                *(double *) (base + k->offset) = x;
                return 0;
        }
        case KEY_STDIN:
                if (streq(v, "pipe") || streq(v, "null")) {
                        *(bool *) (base + k->offset) = streq(v, "pipe");
                        return 0;
                }
                return bad_value(c, s, e, v, "must be pipe or null");
        default:
                assert(false); /* apply_key() sends only the scalar keys above */
                return -EINVAL;
        }
}

/* Converts one expanded value of a table key into @p. Returns 0, -EINVAL (diagnosed), -ENOMEM. */
static int apply_key(Config *c, IniSection *s, IniEntry *e, const KeyDef *k, const char *v, ProgramConfig *p,
                     CgsupLimits *limits) {
        uint8_t *base = (uint8_t *) p;
        int r;

        switch (k->type) {
        case KEY_COMMAND: {
                _cleanup_strv_free_ char **argv = NULL;
                r = parse_command_value(c, s, e, v, &argv);
                if (r < 0)
                        return r;
                free(p->command);
                p->command = strdup(v);
                if (!p->command)
                        return -ENOMEM;
                strv_free(p->argv);
                p->argv = TAKE_PTR(argv);
                return 0;
        }
        case KEY_ARGV: {
                _cleanup_strv_free_ char **argv = NULL;
                r = parse_command_value(c, s, e, v, &argv);
                if (r < 0)
                        return r;
                char ***f = (char ***) (base + k->offset);
                strv_free(*f);
                *f = TAKE_PTR(argv);
                return 0;
        }
        case KEY_STRING:
        case KEY_BOOL:
        case KEY_IGNORE_BOOL:
        case KEY_INT:
        case KEY_UNSIGNED:
        case KEY_SEC:
        case KEY_SIZE:
        case KEY_IGNORE_SIZE:
        case KEY_SIGNAL:
        case KEY_UMASK:
        case KEY_ENUM:
        case KEY_DOUBLE:
        case KEY_STDIN:
                return apply_scalar_key(c, s, e, k, v, base);
        case KEY_RLIMIT: {
                int resource = rlimit_from_key(k->key);
                const char *why = NULL;
                assert(resource >= 0 && resource < _CONF_RLIMIT_MAX);
                r = rlimit_parse(resource, v, &p->rlimits[resource].limit, &why);
                if (r == -EINVAL)
                        return bad_value(c, s, e, v, why);
                if (r < 0)
                        return r;
                p->rlimits[resource].set = true;
                return 0;
        }
        case KEY_EXITCODES:
                r = parse_exitcodes(v, p->exitcodes);
                if (r == -EINVAL)
                        return bad_value(c, s, e, v, "not a comma-separated list of exit codes 0..255");
                return r;
        case KEY_LOGFILE:
                if (!isempty(v) && v[strlen(v) - 1] == ';')
                        conf_warn(c, e->file, e->line,
                                  "[%s] %s=%s: the file name ends with ';' (an inline comment needs "
                                  "whitespace before ';'), using it as written.",
                                  s->name, e->key, v);
                return set_logfile((LogConfig *) (base + k->offset), v);
        case KEY_LOG_ROTATE: {
                LogConfig *l = (LogConfig *) (base + k->offset);
                if (log_rotate_time_parse(v, &l->rotate, &l->rotate_interval) < 0)
                        return bad_value(c, s, e, v, "must be hourly, daily, never or a duration of at least 1s");
                return 0;
        }
        case KEY_LIMIT:
                return apply_limit(c, s, e, v, limits);
        case KEY_DEPENDS:
                return apply_depends(c, s, e, v, p);
        case KEY_IGNORE:
        case KEY_SPECIAL:
        case KEY_HEALTH:
        case KEY_LISTENER:
                return 0;
        }
        return 0;
}

/* ---- instances ----------------------------------------------------------------------------------- */

static bool argv0_is_shell(const char *a) {
        const char *b = strrchr(a, '/');
        b = b ? b + 1 : a;
        return streq(b, "sh") || streq(b, "bash") || streq(b, "dash") || streq(b, "zsh") ||
               streq(b, "ash") || streq(b, "ksh") || streq(b, "busybox");
}

static void lint_command(Config *c, IniSection *s, IniEntry *e, const ProgramConfig *p) {
        static const char *const ops[] = { "&&", "||", "|", ";", "&", ">", ">>", "<", "2>&1", ">/dev/null",
                                           NULL };
        if (!p->argv || !p->argv[0] || argv0_is_shell(p->argv[0]))
                return;
        for (char **a = p->argv + 1; *a; a++)
                for (const char *const *o = ops; *o; o++)
                        if (streq(*a, *o)) {
                                conf_warn(c, e->file, e->line,
                                          "[%s] command: '%s' is passed to %s as an argument: commands run "
                                          "without a shell (as in supervisord); use sh -c '...' for shell "
                                          "syntax.", s->name, *a, p->argv[0]);
                                return;
                        }
}

#define AUTO_LOG_HASH_LEN 8

/* supervisord names AUTO logs with a random mkstemp() suffix. We derive the suffix from the instance
 * instead (FNV-1a of group, name and channel), so a reload or a restarted daemon that adopts running
 * programs keeps writing to the same file: the name format stays supervisord's. Each part is hashed with
 * its NUL, so "ab"+"c" and "a"+"bc" differ. */
static void name_hash(const char *const *parts, size_t n_parts, char buf[static AUTO_LOG_HASH_LEN + 1]) {
        static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
        uint64_t h = 0xcbf29ce484222325ULL;

        for (size_t i = 0; i < n_parts; i++)
                for (const char *c = strempty(parts[i]);; c++) {
                        h ^= (uint8_t) *c;
                        h *= 0x100000001b3ULL;
                        if (!*c)
                                break;
                }
        for (size_t i = 0; i < AUTO_LOG_HASH_LEN; i++) {
                buf[i] = chars[h % (sizeof chars - 1)];
                h /= sizeof chars - 1;
        }
        buf[AUTO_LOG_HASH_LEN] = '\0';
}

/* "<identifier>-" or, for a placed log, "<identifier>-<instance tag>-": what follows "---" in the name. */
static int auto_log_marker(const char *identifier, const char *instance, char **ret) {
        char tag[AUTO_LOG_HASH_LEN + 1];

        if (!instance)
                return asprintf(ret, "%s-", identifier) < 0 ? -ENOMEM : 0;
        name_hash((const char *const[]) { instance }, 1, tag);
        return asprintf(ret, "%s-%s-", identifier, tag) < 0 ? -ENOMEM : 0;
}

/* supervisord's get_autochildlog_name(): <dir>/<name>-<channel>---<identifier>-<suffix>.log, with cgsupd's
 * instance tag after the identifier when @instance is given. */
static int auto_log_path(LogConfig *l, const ProgramConfig *p, const char *channel, const char *dir,
                         const char *identifier, const char *instance) {
        _cleanup_free_ char *marker = NULL;
        char suffix[AUTO_LOG_HASH_LEN + 1];
        char *path;
        int r;

        r = auto_log_marker(identifier, instance, &marker);
        if (r < 0)
                return r;
        name_hash((const char *const[]) { p->group_name, p->name, channel }, 3, suffix);
        if (asprintf(&path, "%s/%s-%s---%s%s.log", dir, p->name, channel, marker, suffix) < 0)
                return -ENOMEM;
        free(l->path);
        l->path = path;
        return 0;
}

static int resolve_auto_log(LogConfig *l, const ProgramConfig *p, const char *channel,
                            const DaemonConfig *d) {
        if (!l->automatic || l->path)
                return 0;
        return auto_log_path(l, p, channel, d->childlogdir ? d->childlogdir : "/tmp",
                             d->identifier ? d->identifier : "cgsup", NULL);
}

int config_place_auto_logs(Config *c, const char *dir, const char *instance) {
        const DaemonConfig *d = &c->daemon;
        int r;

        assert(c);
        assert(dir);
        assert(instance);

        for (size_t i = 0; i < c->n_programs; i++) {
                ProgramConfig *p = c->programs[i];
                const char *where = d->childlogdir_set ? d->childlogdir : dir;

                if (p->stdout_log.automatic) {
                        r = auto_log_path(&p->stdout_log, p, "stdout", where, d->identifier, instance);
                        if (r < 0)
                                return r;
                }
                if (p->stderr_log.automatic) {
                        r = auto_log_path(&p->stderr_log, p, "stderr", where, d->identifier, instance);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* What may follow a log file's name: nothing, a rotated backup (".<N>", compressed ".<N>.gz" or ".<N>.zst"),
 * or the file a compression in progress writes (LOG_COMPRESS_TMP_SUFFIX). */
static bool is_log_file_suffix(const char *rest) {
        size_t digits;

        if (isempty(rest) || streq(rest, LOG_COMPRESS_TMP_SUFFIX))
                return true;
        if (rest[0] != '.')
                return false;
        digits = strspn(rest + 1, "0123456789");
        if (digits == 0)
                return false;
        rest += 1 + digits;
        for (LogCompress k = 0; k < _LOG_COMPRESS_MAX; k++)
                if (streq(rest, log_compress_suffix(k)))
                        return true;
        return false;
}

bool config_is_auto_log_name(const Config *c, const char *filename, const char *instance) {
        _cleanup_free_ char *marker = NULL;
        const char *m, *rest;

        if (auto_log_marker(c->daemon.identifier, instance, &marker) < 0)
                return false;
        /* <name>-<channel>---<marker><suffix>.log, or a rotated backup: .log.<N>[.gz|.zst] */
        m = strstr(filename, "---");
        for (; m; m = strstr(m + 1, "---")) {
                if (m == filename || !strneq(m + 3, marker, strlen(marker)))
                        continue;
                rest = m + 3 + strlen(marker);
                if (strspn(rest, "abcdefghijklmnopqrstuvwxyz0123456789_") != AUTO_LOG_HASH_LEN)
                        continue;
                rest += AUTO_LOG_HASH_LEN;
                if (strneq(rest, ".log", 4) && is_log_file_suffix(rest + 4))
                        return true;
        }
        return false;
}

/* Rotation with no backups truncates in place: there is nothing to compress. */
static void warn_compress_without_backups(Config *c, IniSection *s, const char *channel, const LogConfig *l) {
        _cleanup_free_ char *key = NULL;

        if (l->compress == LOG_COMPRESS_NONE || l->backups > 0 || !l->path)
                return;
        if (asprintf(&key, "%s_logfile_compress", channel) < 0)
                key = NULL;
        IniEntry *e = key ? ini_section_find(s, key) : NULL;
        conf_warn(c, e ? e->file : s->file, e ? e->line : s->line,
                  "[%s] %s_logfile_compress=%s does nothing with %s_logfile_backups=0 (rotation truncates the "
                  "file in place).", s->name, channel, log_compress_to_string(l->compress), channel);
}

static void fix_stream_log(Config *c, IniSection *s, const char *channel, LogConfig *l, bool maxbytes_set) {
        _cleanup_free_ char *key = NULL;
        warn_compress_without_backups(c, s, channel, l);
        if (!conf_log_path_is_stream(l->path) || l->maxbytes == 0)
                return;
        if (asprintf(&key, "%s_logfile", channel) < 0)
                key = NULL;
        IniEntry *e = key ? ini_section_find(s, key) : NULL;
        /* A pipe or terminal cannot be rotated: supervisord would fail at the first rollover. */
        if (!streq(l->path, "/dev/null"))
                conf_warn(c, e ? e->file : s->file, e ? e->line : s->line,
                          "[%s] %s_logfile=%s cannot be rotated; %s_logfile_maxbytes=%s treated as 0.",
                          s->name, channel, l->path, channel, maxbytes_set ? "(set)" : "50MB (default)");
        l->maxbytes = 0;
        l->backups = 0;
        l->rotate = LOG_ROTATE_NEVER;
        l->compress = LOG_COMPRESS_NONE;
}

static int add_instance(Config *c, ProgramConfig *p) {
        if (c->n_programs >= CONF_MAX_INSTANCES) {
                conf_error(c, p->source_file, p->source_line, "Too many process instances (more than %u).",
                           CONF_MAX_INSTANCES);
                return -E2BIG;
        }
        ProgramConfig **n = reallocarray(c->programs, c->n_programs + 1, sizeof(ProgramConfig *));
        if (!n)
                return -ENOMEM;
        c->programs = n;
        n[c->n_programs++] = p;
        return 0;
}

static int expand_entry(Config *c, IniSection *s, const char *key, const ExpandVars *v, char **ret) {
        IniEntry *e = ini_section_get(s, key);
        if (!e) {
                *ret = NULL;
                return 0;
        }
        return conf_get_expanded(c, s, e, v, ret);
}

/* schedule= / interval=: a run to completion started by a timer. Makes the program oneshot without
 * autorestart or start retries (each run is judged by exitcodes; the next tick is the retry). */
static int check_schedule(Config *c, IniSection *s, ProgramConfig *p, bool type_set, bool check_system) {
        IniEntry *se = ini_section_find(s, "schedule"), *ie = ini_section_find(s, "interval");
        IniEntry *ze = ini_section_find(s, "schedule_timezone");
        const char *why = NULL;

        if (p->schedule) {
                int r = cron_parse(p->schedule, &p->schedule_spec, &why);
                if (r == -EINVAL)
                        return bad_value(c, s, se, p->schedule, why);
                if (r < 0)
                        return r;
        }
        if (p->schedule && p->interval > 0) {
                conf_error(c, ie->file, ie->line, "[%s] schedule= and interval= exclude each other.", s->name);
                return -EINVAL;
        }
        if (ie && p->interval > 0 && p->interval < USEC_PER_SEC)
                return bad_value(c, s, ie, ie->value, "less than 1s between starts");
        if (p->schedule_timezone) {
                if (!p->schedule)
                        conf_warn(c, ze->file, ze->line, "[%s] schedule_timezone= without schedule=, ignoring.",
                                  s->name);
                else if (check_system && !cron_timezone_is_valid(p->schedule_timezone))
                        return bad_value(c, s, ze, p->schedule_timezone,
                                         "no such time zone (a name under /usr/share/zoneinfo, e.g. Europe/Berlin)");
        }
        if (!program_config_is_scheduled(p))
                return 0;
        if (type_set && p->type != PROGRAM_TYPE_ONESHOT) {
                IniEntry *te = ini_section_find(s, "type");
                conf_error(c, te->file, te->line,
                           "[%s] type=%s: a scheduled program (schedule=, interval=) runs to completion "
                           "(type=oneshot).", s->name, program_type_to_string(p->type));
                return -EINVAL;
        }
        p->type = PROGRAM_TYPE_ONESHOT;
        p->autorestart = AUTORESTART_FALSE;
        p->startretries = 0;
        return 0;
}

/* watch= (absolute paths, checked once per section: missing ones are warnings, they are skipped when the
 * program starts) and watch_ignore= (globs). */
static int instance_watch(Config *c, IniSection *s, const ExpandVars *v, bool check_files, ProgramConfig *p) {
        _cleanup_free_ char *val = NULL, *ign = NULL;
        int r;

        r = expand_entry(c, s, "watch", v, &val);
        if (r < 0)
                return r;
        if (val) {
                IniEntry *e = ini_section_find(s, "watch");
                r = conf_split_paths(c, s, e, val, &p->watch);
                if (r < 0)
                        return r;
                STRV_FOREACH(w, p->watch)
                        if (check_files && access(*w, F_OK) < 0 && errno == ENOENT)
                                conf_warn(c, e->file, e->line, "[%s] watch: %s does not exist (not watched).",
                                          s->name, *w);
        }
        r = expand_entry(c, s, "watch_ignore", v, &ign);
        if (r < 0)
                return r;
        if (ign) {
                const char *why = NULL;
                strv_free(p->watch_ignore);
                p->watch_ignore = NULL;
                r = conf_shlex_split(ign, &p->watch_ignore, &why);
                if (r == -EINVAL)
                        return bad_value(c, s, ini_section_find(s, "watch_ignore"), ign, why);
                if (r < 0)
                        return r;
        }
        return 0;
}

static const GroupConfig *find_group(const Config *c, const char *name) {
        for (size_t i = 0; i < c->n_groups; i++)
                if (streq(c->groups[i]->name, name))
                        return c->groups[i];
        return NULL;
}

/* The instance's environment files: [cgsupd]'s, its group's, then its own, so the most specific file wins. */
static int instance_env_files(Config *c, IniSection *s, const ExpandVars *v, const ProgramContext *ctx,
                              const GroupConfig *g, bool check_files, ProgramConfig *p) {
        _cleanup_strv_free_ char **own = NULL;
        _cleanup_free_ char *val = NULL;
        int r;

        r = expand_entry(c, s, "environment_file", v, &val);
        if (r < 0)
                return r;
        if (val) {
                r = conf_parse_env_files(c, s, ini_section_find(s, "environment_file"), val,
                                         check_files, &own);
                if (r < 0)
                        return r;
        }
        return conf_env_files_concat(ctx->daemon->environment_files, g ? g->environment_files : NULL, own,
                                     &p->environment_files);
}

/* [eventlistener:x]'s own keys (supervisord's options.py): events= (required), buffer_size= (default 10),
 * result_handler= (only supervisord's default: the others are Python imports). In [program:x] they are
 * warned about and ignored. Returns 0, -EINVAL (diagnosed) or -ENOMEM. */
static int listener_keys(Config *c, IniSection *s, const ExpandVars *v, bool listener, ProgramConfig *p) {
        _cleanup_free_ char *events = NULL, *size = NULL, *handler = NULL;
        const char *bad = NULL;
        EventMask mask = 0;
        IniEntry *e;
        int r;

        if (!listener) {
                for (size_t i = 0; i < conf_program_n_keys; i++)
                        if (conf_program_keys[i].type == KEY_LISTENER &&
                            (e = ini_section_find(s, conf_program_keys[i].key)))
                                conf_warn(c, e->file, e->line, "[%s] %s= only applies to [eventlistener:x], ignoring.",
                                          s->name, e->key);
                return 0;
        }
        p->event_listener = true;
        if (p->redirect_stderr) {
                conf_error(c, s->file, s->line,
                           "[%s] sets redirect_stderr=true, which is not allowed for an event listener (its stdout "
                           "is the protocol).", s->name);
                return -EINVAL;
        }
        if (!p->stdin_pipe) {
                conf_error(c, s->file, s->line, "[%s] sets stdin=null: an event listener reads its events on stdin.",
                           s->name);
                return -EINVAL;
        }
        e = ini_section_get(s, "events");
        if (!e) {
                conf_error(c, s->file, s->line, "[%s] must specify events=.", s->name);
                return -EINVAL;
        }
        r = conf_get_expanded(c, s, e, v, &events);
        if (r < 0)
                return r;
        if (event_mask_from_list(events, &mask, &bad) < 0) {
                char why[256];
                snprintf(why, sizeof(why), "unknown event type '%s' (supervisord 4's names: EVENT, PROCESS_STATE, "
                         "PROCESS_STATE_EXITED, PROCESS_LOG, TICK_60, ...)", strna(bad));
                return bad_value(c, s, e, events, why);
        }
        if (mask == 0)
                return bad_value(c, s, e, events, "no event type given");
        p->listener_events = mask;
        e = ini_section_get(s, "buffer_size");
        if (e) {
                r = conf_get_expanded(c, s, e, v, &size);
                if (r < 0)
                        return r;
                if (safe_atou(size, &p->listener_buffer_size) < 0 || p->listener_buffer_size > 100000)
                        return bad_value(c, s, e, size, "not an integer between 0 and 100000");
        }
        e = ini_section_get(s, "result_handler");
        if (e) {
                r = conf_get_expanded(c, s, e, v, &handler);
                if (r < 0)
                        return r;
                if (!streq(handler, "supervisor.dispatchers:default_handler"))
                        conf_warn(c, e->file, e->line,
                                  "[%s] result_handler=%s is a Python import that cgsup cannot load; using "
                                  "supervisor.dispatchers:default_handler (OK accepts, anything else rejects).",
                                  s->name, handler);
        }
        return 0;
}

/* environment= of an instance, expanded and split into "KEY=VALUE" (NULL when not set). -EINVAL: diagnosed. */
static int instance_environment(Config *c, IniSection *s, const ExpandVars *v, char ***ret) {
        _cleanup_free_ char *env_str = NULL;
        const char *why = NULL;
        int r;

        *ret = NULL;
        r = expand_entry(c, s, "environment", v, &env_str);
        if (r < 0 || !env_str)
                return r;
        r = conf_parse_environment(env_str, ret, &why);
        if (r == -EINVAL)
                /* Not echoed: the value may hold credentials, and diags reach cgsupd's log. */
                report_bad_value(c, s, ini_section_find(s, "environment"), CONF_VALUE_NOT_SHOWN, why);
        return r;
}

/* The instance's name: process_name= (or @tmpl when not set), expanded and checked against the name rule.
 * -EINVAL: diagnosed. */
static int instance_name(Config *c, IniSection *s, const ExpandVars *v, const char *tmpl, char **ret) {
        IniEntry fake = { .key = (char *) "process_name", .value = (char *) tmpl, .file = s->file, .line = s->line };
        IniEntry *pe = ini_section_find(s, "process_name") ?: &fake;
        _cleanup_free_ char *pname = NULL;
        const char *why;
        int r;

        r = conf_get_expanded(c, s, pe, v, &pname);
        if (r < 0)
                return r;
        why = program_name_invalid_reason(pname);
        if (why) {
                conf_error(c, pe->file, pe->line,
                           "[%s] process_name=%s: the process name %s (" PROGRAM_NAME_RULE ").", s->name, pname,
                           why);
                return -EINVAL;
        }
        *ret = TAKE_PTR(pname);
        return 0;
}

/* Every table key the section sets, expanded and converted into @p; notify= is only noted (it combines with
 * type=, instance_type_and_stop()). Every bad value is diagnosed before -EINVAL is returned. */
static int instance_keys(Config *c, IniSection *s, const ExpandVars *v, ProgramConfig *p, bool *notify,
                         bool *notify_set, bool *type_set) {
        bool failed = false;
        int r;

        for (size_t i = 0; i < conf_program_n_keys; i++) {
                const KeyDef *k = &conf_program_keys[i];
                /* The other KEY_SPECIAL keys, health and listener keys have their own readers. */
                if ((k->type == KEY_SPECIAL && !streq(k->key, "notify")) || k->type == KEY_HEALTH ||
                    k->type == KEY_LISTENER)
                        continue;
                IniEntry *e = ini_section_get(s, k->key);
                if (!e)
                        continue;
                _cleanup_free_ char *val = NULL;
                r = conf_get_expanded(c, s, e, v, &val);
                if (r == -EINVAL) {
                        failed = true;
                        continue;
                }
                if (r < 0)
                        return r;
                if (streq(k->key, "notify")) {
                        r = parse_boolean(val);
                        if (r < 0) {
                                bad_value(c, s, e, val, "not a boolean");
                                failed = true;
                                continue;
                        }
                        *notify = r;
                        *notify_set = true;
                        continue;
                }
                if (streq(k->key, "type"))
                        *type_set = true;
                r = apply_key(c, s, e, k, val, p, &p->limits);
                if (r == -EINVAL) {
                        failed = true;
                        continue;
                }
                if (r < 0)
                        return r;
                if (k->type == KEY_COMMAND)
                        lint_command(c, s, e, p);
        }
        return failed ? -EINVAL : 0;
}

/* notify= against type= (@notify: -1 not set, else its value), pidfile= without type=forking, and
 * stopasgroup/killasgroup as supervisord has them. -EINVAL: diagnosed. */
static int instance_type_and_stop(Config *c, IniSection *s, ProgramConfig *p, int notify, bool type_set) {
        if (notify > 0) {
                if (type_set && p->type != PROGRAM_TYPE_NOTIFY) {
                        conf_error(c, s->file, s->line, "[%s] notify=true conflicts with type=%s.", s->name,
                                   program_type_to_string(p->type));
                        return -EINVAL;
                }
                p->type = PROGRAM_TYPE_NOTIFY;
        } else if (notify == 0 && type_set && p->type == PROGRAM_TYPE_NOTIFY) {
                conf_error(c, s->file, s->line, "[%s] notify=false conflicts with type=notify.", s->name);
                return -EINVAL;
        }
        if (p->pidfile && p->type != PROGRAM_TYPE_FORKING)
                conf_warn(c, ini_section_find(s, "pidfile")->file, ini_section_find(s, "pidfile")->line,
                          "[%s] pidfile= only has an effect with type=forking (supervisord ignores it), "
                          "ignoring.",
                          s->name);

        /* killasgroup defaults to stopasgroup; supervisord refuses stopasgroup without killasgroup. */
        if (!ini_section_find(s, "killasgroup"))
                p->killasgroup = p->stopasgroup;
        if (p->stopasgroup && !p->killasgroup) {
                conf_error(c, s->file, s->line,
                           "[%s] stopasgroup=true needs killasgroup=true (as supervisord).", s->name);
                return -EINVAL;
        }
        return 0;
}

/* The instance's log settings once every key is read: redirect_stderr sends stderr into stdout's log, never
 * a file of its own; AUTO files get their paths. */
static int instance_logs(Config *c, IniSection *s, ProgramConfig *p, const DaemonConfig *daemon) {
        int r;

        if (p->redirect_stderr) {
                IniEntry *se = ini_section_find(s, "stderr_logfile");
                if (p->stderr_log.path && !p->stderr_log.automatic && se)
                        conf_warn(c, se->file, se->line,
                                  "[%s] redirect_stderr=true but stderr_logfile is also set, ignoring "
                                  "stderr_logfile.", s->name);
                free(p->stderr_log.path);
                p->stderr_log.path = NULL;
                p->stderr_log.automatic = false;
        }
        fix_stream_log(c, s, "stdout", &p->stdout_log, ini_section_find(s, "stdout_logfile_maxbytes"));
        fix_stream_log(c, s, "stderr", &p->stderr_log, ini_section_find(s, "stderr_logfile_maxbytes"));
        r = resolve_auto_log(&p->stdout_log, p, "stdout", daemon);
        if (r < 0)
                return r;
        return resolve_auto_log(&p->stderr_log, p, "stderr", daemon);
}

static int build_instance(Config *c, IniSection *s, const char *name, const char *group_name, bool in_group,
                          const ProgramContext *ctx, const char *process_name_tmpl, long first_process_num,
                          long process_num, unsigned numprocs, ProgramConfig **ret) {
        _cleanup_(program_config_freep) ProgramConfig *p = calloc(1, sizeof(ProgramConfig));
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *pname = NULL;
        bool failed = false, notify = false, notify_set = false, type_set = false;
        int r;

        if (!p)
                return -ENOMEM;
        program_config_init_defaults(p);
        p->strip_ansi = ctx->daemon->strip_ansi;

        ExpandVars v = {
                .program_name = name,
                .group_name = group_name,
                .host_node_name = ctx->host_node_name,
                .process_num = process_num,
                .numprocs = numprocs,
                .env = ctx->process_env,
                .env2 = ctx->daemon->environment,
        };

        /* environment= first: its variables become %(ENV_X)s for the program's other keys (supervisor 4). */
        r = instance_environment(c, s, &v, &env);
        if (r < 0)
                return r == -EINVAL ? 0 : r;
        v.env3 = env;
        r = instance_name(c, s, &v, process_name_tmpl, &pname);
        if (r < 0)
                return r == -EINVAL ? 0 : r;

        p->name = TAKE_PTR(pname);
        p->program_name = strdup(name);
        p->group_name = strdup(group_name);
        p->source_file = strdup(strempty(s->file));
        if (!p->program_name || !p->group_name || !p->source_file)
                return -ENOMEM;
        p->source_line = s->line;
        p->in_group = in_group;
        p->process_num = (unsigned) process_num;
        p->numprocs = numprocs;
        p->environment = TAKE_PTR(env);

        r = instance_keys(c, s, &v, p, &notify, &notify_set, &type_set);
        if (r == -EINVAL)
                failed = true;
        else if (r < 0)
                return r;
        r = listener_keys(c, s, &v, ctx->event_listener, p);
        if (r == -EINVAL)
                failed = true;
        else if (r < 0)
                return r;
        if (failed)
                return 0;
        /* The files are checked once per section: each instance would only repeat the same messages. */
        r = instance_env_files(c, s, &v, ctx, in_group ? find_group(c, group_name) : NULL,
                               ctx->check_system && process_num == first_process_num, p);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        r = instance_watch(c, s, &v, ctx->check_system && process_num == first_process_num, p);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;

        if (!p->command) {
                conf_error(c, s->file, s->line, "[%s] has no command=.", s->name);
                return 0;
        }

        r = instance_type_and_stop(c, s, p, notify_set ? (int) notify : -1, type_set);
        if (r < 0)
                return r == -EINVAL ? 0 : r;

        r = conf_health_section(c, s, &v, p);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        r = check_schedule(c, s, p, type_set, ctx->check_system);
        if (r < 0)
                return r == -EINVAL ? 0 : r;
        r = conf_check_instance(c, s, p, ctx);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        if (p->backoff_max < p->backoff_initial) {
                conf_error(c, s->file, s->line, "[%s] backoff_max is smaller than backoff_initial.",
                           s->name);
                return 0;
        }

        r = instance_logs(c, s, p, ctx->daemon);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(p);
        return 1;
}

int conf_program_section(Config *c, IniSection *s, const char *name, const char *group_name, bool in_group,
                         const ProgramContext *ctx) {
        _cleanup_free_ char *numprocs_s = NULL, *start_s = NULL;
        _cleanup_(config_settings_unrefp) ConfigSettings *settings = NULL;
        unsigned numprocs = 1, start = 0;
        int r;

        const char *why = program_name_invalid_reason(name);
        if (why) {
                conf_error(c, s->file, s->line, "[%s]: the program name %s (" PROGRAM_NAME_RULE ").", s->name,
                           why);
                return 0;
        }

        ExpandVars v = {
                .program_name = name,
                .group_name = group_name,
                .host_node_name = ctx->host_node_name,
                .process_num = -1,
                .numprocs = -1,
                .env = ctx->process_env,
                .env2 = ctx->daemon->environment,
        };

        r = expand_entry(c, s, "numprocs", &v, &numprocs_s);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        if (ctx->scale && streq(ctx->scale->program, name)) {
                numprocs = ctx->scale->numprocs;
                if (numprocs > CONF_MAX_NUMPROCS) {
                        conf_error(c, s->file, s->line, "[%s] %u instances: more than %u (the limit).", s->name,
                                   numprocs, CONF_MAX_NUMPROCS);
                        return 0;
                }
        } else if (numprocs_s) {
                IniEntry *e = ini_section_find(s, "numprocs");
                if (safe_atou(numprocs_s, &numprocs) < 0) {
                        report_bad_value(c, s, e, numprocs_s, "not a non-negative integer");
                        return 0;
                }
                if (numprocs > CONF_MAX_NUMPROCS) {
                        report_bad_value(c, s, e, numprocs_s, "more than 1000 processes (the limit)");
                        return 0;
                }
        }
        r = expand_entry(c, s, "numprocs_start", &v, &start_s);
        if (r == -EINVAL)
                return 0;
        if (r < 0)
                return r;
        if (start_s) {
                IniEntry *e = ini_section_find(s, "numprocs_start");
                if (safe_atou(start_s, &start) < 0 || start > 1000000) {
                        report_bad_value(c, s, e, start_s, "not an integer between 0 and 1000000");
                        return 0;
                }
        }

        IniEntry *pe = ini_section_get(s, "process_name");
        const char *tmpl = pe ? pe->value : "%(program_name)s";
        if (numprocs > 1 && !strstr(tmpl, "%(process_num)")) {
                conf_error(c, pe ? pe->file : s->file, pe ? pe->line : s->line,
                           "[%s] numprocs=%u needs %%(process_num) in process_name (e.g. "
                           "process_name=%%(program_name)s_%%(process_num)02d).", s->name, numprocs);
                return 0;
        }
        if (numprocs == 0)
                conf_warn(c, s->file, s->line, "[%s] numprocs=0: the program has no process.", s->name);

        for (unsigned i = 0; i < numprocs; i++) {
                ProgramConfig *p = NULL;
                bool had_error = config_has_error(c);
                r = build_instance(c, s, name, group_name, in_group, ctx, tmpl, (long) start, (long) start + i,
                                   numprocs, &p);
                if (r < 0)
                        return r;
                if (r == 0) {
                        /* diagnosed; the other instances would only repeat the same message */
                        if (!had_error && !config_has_error(c))
                                conf_error(c, s->file, s->line, "[%s] could not be read.", s->name);
                        return 0;
                }
                /* After the first instance every key the readers know has been marked used. */
                if (!settings) {
                        r = config_settings_from_section(s, &settings);
                        if (r < 0) {
                                program_config_free(p);
                                return r;
                        }
                }
                p->settings = config_settings_ref(settings);
                r = add_instance(c, p);
                if (r < 0) {
                        program_config_free(p);
                        return r == -E2BIG ? 0 : r;
                }
        }
        return 0;
}

int conf_group_section(Config *c, IniSection *s, const char *name, const ProgramContext *ctx) {
        int r;

        const char *why = program_name_invalid_reason(name);
        if (why) {
                conf_error(c, s->file, s->line, "[%s]: the group name %s (" PROGRAM_NAME_RULE ").", s->name,
                           why);
                return 0;
        }

        GroupConfig *g = calloc(1, sizeof(GroupConfig));
        if (!g)
                return -ENOMEM;
        g->priority = 999;
        g->name = strdup(name);
        g->source_file = strdup(strempty(s->file));
        g->source_line = s->line;
        g->programs = calloc(1, sizeof(char *));
        GroupConfig **n = reallocarray(c->groups, c->n_groups + 1, sizeof(GroupConfig *));
        if (!n || !g->name || !g->source_file || !g->programs) {
                free(g->name);
                free(g->source_file);
                free(g->programs);
                free(g);
                return -ENOMEM;
        }
        c->groups = n;
        n[c->n_groups++] = g;

        ExpandVars v = {
                .group_name = name,
                .host_node_name = ctx->host_node_name,
                .process_num = -1,
                .numprocs = -1,
                .env = ctx->process_env,
                .env2 = ctx->daemon->environment,
        };

        for (size_t i = 0; i < s->n_entries; i++) {
                IniEntry *e = &s->entries[i];
                _cleanup_free_ char *val = NULL;
                const KeyDef *k = conf_key_find(CONF_SECTION_GROUP, e->key);

                if (!k)
                        continue; /* unknown keys are reported by the caller */
                e->used = true;
                r = conf_get_expanded(c, s, e, &v, &val);
                if (r == -EINVAL)
                        continue;
                if (r < 0)
                        return r;

                if (streq(e->key, "programs")) {
                        char *save = NULL;
                        for (char *t = strtok_r(val, ", \t\n", &save); t;
                             t = strtok_r(NULL, ", \t\n", &save)) {
                                if (!program_name_is_valid(t)) {
                                        bad_value(c, s, e, t, "not a program name (" PROGRAM_NAME_RULE ")");
                                        continue;
                                }
                                /* supervisord makes the instance twice, and its group keeps one of the two
                                 * (a dict by name): the program runs once. */
                                if (strv_contains(g->programs, t)) {
                                        conf_warn(c, e->file, e->line,
                                                  "[%s] lists program '%s' twice; it runs once.", s->name,
                                                  t);
                                        continue;
                                }
                                if (strv_length(g->programs) >= CONF_MAX_GROUP_PROGRAMS) {
                                        bad_value(c, s, e, t,
                                                  "too many programs in one group (more than 1000)");
                                        break;
                                }
                                r = strv_extend(&g->programs, t);
                                if (r < 0)
                                        return r;
                        }
                } else if (streq(e->key, "priority")) {
                        if (safe_atoi(val, &g->priority) < 0)
                                bad_value(c, s, e, val, "not an integer");
                } else if (streq(e->key, "environment_file")) {
                        r = conf_parse_env_files(c, s, e, val, ctx->check_system, &g->environment_files);
                        if (r < 0 && r != -EINVAL)
                                return r;
                } else {
                        ProgramConfig dummy = {};
                        assert(k->type == KEY_LIMIT);
                        r = apply_key(c, s, e, k, val, &dummy, &g->limits);
                        if (r < 0 && r != -EINVAL)
                                return r;
                }
        }
        if (!ini_section_find(s, "programs"))
                conf_error(c, s->file, s->line, "[%s] has no programs=.", s->name);
        return 0;
}
