/* SPDX-License-Identifier: MIT */
/* The sample configuration `cgsupctl init` prints (config_sample_text(), made from the reader's key tables):
 * it is examples/sample.conf as checked in, it loads without a warning, it names every key of every table
 * exactly once in the section where the reader looks for it, a key shown with its default shows the reader's
 * real default, and each commented key, set alone, is a value the reader accepts (a user who removes one ';'
 * gets a valid file). */
#include <stdio.h>

#include "conf-internal.h"
#include "strv.h"
#include "tests.h"

#define SAMPLE_PATH "/etc/cgsup/cgsup.conf"
#define REGENERATE "build/src/cgsupctl/cgsupctl init --force examples/sample.conf"

static char *sample_conf; /* config_sample_text(), made before the tests fork */

static int load(const char *text, ConfigLoadFlags flags, Config **ret) {
        return config_load_buffer(SAMPLE_PATH, text, strlen(text), NULL, NULL, CONFIG_LOAD_NO_INCLUDES | flags,
                                  ret);
}

static void print_diags(const Config *c) {
        for (size_t i = 0; c && i < c->n_diags; i++)
                printf("# %s %u: %s\n", c->diags[i].error ? "error" : "warning", c->diags[i].line,
                       c->diags[i].message);
}

TEST(sample_loads_without_a_warning) {
        _cleanup_(config_freep) Config *c = NULL;
        int r = load(sample_conf, 0, &c);
        print_diags(c);
        ASSERT_OK(r);
        ASSERT_EQ(c->n_diags, (size_t) 0);
        ASSERT_NOT_NULL(config_find_program(c, "example"));
}

/* examples/sample.conf (named in README and cgsupctl(1)) is what `cgsupctl init` prints now. */
TEST(examples_sample_conf_is_the_generated_sample) {
        const char *dir = getenv("CGSUP_SOURCE_DIR");
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t size = 0, line = 1, i = 0;

        ASSERT_NOT_NULL(dir); /* set by meson test */
        ASSERT_TRUE(asprintf(&path, "%s/examples/sample.conf", dir) >= 0);
        f = fopen(path, "re");
        ASSERT_NOT_NULL(f);
        ASSERT_TRUE(getdelim(&text, &size, 0, f) >= 0);
        for (; text[i] && text[i] == sample_conf[i]; i++)
                if (text[i] == '\n')
                        line++;
        if (text[i] || sample_conf[i]) {
                printf("# %s differs from the sample the key tables make, from line %zu on.\n"
                       "# Regenerate it with: " REGENERATE "\n", path, line);
                ASSERT_TRUE(false);
        }
}

/* The kind of a section header line ("[program:x]" or ";[program:x]"): "program", "cgsupd", ... or NULL. */
static const char *section_kind(const char *line, size_t len) {
        static const char *const kinds[] = { "cgsupd", "program", "group", "eventlistener", "webhook", "include" };

        if (len > 0 && line[0] == ';')
                line++, len--;
        if (len < 2 || line[0] != '[')
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                size_t n = strlen(kinds[i]);
                if (len > n + 1 && strneq(line + 1, kinds[i], n) && (line[n + 1] == ']' || line[n + 1] == ':'))
                        return kinds[i];
        }
        return NULL;
}

/* How often the sample sets or shows @key (";key=" or "key=" at a line start) in the sections of @kind. */
static unsigned sample_count_key(const char *kind, const char *key) {
        const char *kind_now = NULL;
        unsigned n = 0;

        for (const char *p = sample_conf; *p;) {
                size_t len = strcspn(p, "\n");
                const char *k = section_kind(p, len), *line = p;

                if (k)
                        kind_now = k;
                else if (kind_now && streq(kind_now, kind)) {
                        if (*line == ';')
                                line++;
                        if (strneq(line, key, strlen(key)) && line[strlen(key)] == '=')
                                n++;
                }
                p += len + (p[len] == '\n');
        }
        return n;
}

static const struct {
        const char *kind;
        ConfSection section;
} sample_kinds[] = {
        { "cgsupd", CONF_SECTION_DAEMON }, { "program", CONF_SECTION_PROGRAM }, { "group", CONF_SECTION_GROUP },
        { "webhook", CONF_SECTION_WEBHOOK }, { "include", CONF_SECTION_INCLUDE },
};

/* The kind of section the sample shows @k of @section's table in. */
static const char *sample_kind_of(ConfSection section, const KeyDef *k, const char *kind) {
        return section == CONF_SECTION_PROGRAM && k->type == KEY_LISTENER ? "eventlistener" : kind;
}

/* A check of one key of @section's table, shown in the sample's sections of @kind: 1 right, 0 wrong (and
 * said why), -1 does not apply to this key. */
typedef int (*KeyCheck)(ConfSection section, const char *kind, const KeyDef *k);

/* @check on every key of every table; the number of wrong keys, of keys checked in *ret_checked. */
static unsigned check_every_key(KeyCheck check, unsigned *ret_checked) {
        unsigned wrong = 0, checked = 0;

        for (size_t i = 0; i < ELEMENTSOF(sample_kinds); i++) {
                size_t n;
                const KeyDef *table = conf_section_keys(sample_kinds[i].section, &n);

                for (size_t j = 0; j < n; j++) {
                        const char *kind = sample_kind_of(sample_kinds[i].section, &table[j], sample_kinds[i].kind);
                        int r = check(sample_kinds[i].section, kind, &table[j]);

                        checked += r >= 0;
                        wrong += r == 0;
                }
        }
        *ret_checked = checked;
        return wrong;
}

static int shown_once(ConfSection section, const char *kind, const KeyDef *k) {
        unsigned seen = sample_count_key(kind, k->key);

        if (seen == 1)
                return 1;
        printf("# [%s] %s= is in the sample %u times\n", kind, k->key, seen);
        return 0;
}

TEST(sample_names_every_key_once) {
        unsigned keys, wrong = check_every_key(shown_once, &keys);

        printf("# %u keys\n", keys);
        ASSERT_TRUE(keys >= 140); /* the tables hold 147: a lookup that loses a table fails here */
        ASSERT_EQ(wrong, 0U);
}

/* ---- the defaults the sample shows ---- */

static bool streq_null(const char *a, const char *b) {
        return a && b ? streq(a, b) : a == b;
}

static bool limits_same(const CgsupLimits *a, const CgsupLimits *b) {
        if (a->set != b->set)
                return false;
        for (unsigned l = 0; l < _CGSUP_LIMIT_COUNT; l++)
                if ((a->set & (1U << l)) && a->value[l] != b->value[l])
                        return false;
        return true;
}

static bool health_same(const HealthConfig *a, const HealthConfig *b) {
        return a->type == b->type && streq_null(a->target, b->target) && strv_equal(a->command, b->command) &&
               streq_null(a->log_line, b->log_line) && a->interval == b->interval && a->timeout == b->timeout &&
               a->retries == b->retries && a->start_period == b->start_period;
}

/* Every field a [program:x] or [eventlistener:x] key sets (program_config_equal_for_restart() has the
 * process's own, the rest follows). */
static bool program_same(const ProgramConfig *a, const ProgramConfig *b) {
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++)
                if (!health_same(&a->health[k], &b->health[k]))
                        return false;
        return program_config_equal_for_restart(a, b) && a->numprocs == b->numprocs &&
               a->priority == b->priority && a->autostart == b->autostart && a->autorestart == b->autorestart &&
               a->startsecs == b->startsecs && a->startretries == b->startretries &&
               memcmp(a->exitcodes, b->exitcodes, sizeof(a->exitcodes)) == 0 && a->stopsignal == b->stopsignal &&
               a->stopwaitsecs == b->stopwaitsecs && a->stopasgroup == b->stopasgroup &&
               a->killasgroup == b->killasgroup && limits_same(&a->limits, &b->limits) &&
               a->n_depends_on == b->n_depends_on && a->backoff_initial == b->backoff_initial &&
               a->backoff_max == b->backoff_max && a->backoff_multiplier == b->backoff_multiplier &&
               a->fatal_retry_after == b->fatal_retry_after && streq_null(a->description, b->description) &&
               a->stdout_events == b->stdout_events && a->stderr_events == b->stderr_events &&
               streq_null(a->schedule, b->schedule) && streq_null(a->schedule_timezone, b->schedule_timezone) &&
               a->interval == b->interval && a->schedule_catch_up == b->schedule_catch_up &&
               a->listener_events == b->listener_events && a->listener_buffer_size == b->listener_buffer_size &&
               strv_equal(a->watch, b->watch) && strv_equal(a->watch_ignore, b->watch_ignore) &&
               a->watch_debounce == b->watch_debounce;
}

static bool daemon_same(const DaemonConfig *a, const DaemonConfig *b) {
        return streq_null(a->logfile, b->logfile) && a->logfile_maxbytes == b->logfile_maxbytes &&
               a->logfile_backups == b->logfile_backups && a->loglevel == b->loglevel &&
               a->log_format == b->log_format && streq_null(a->pidfile, b->pidfile) && a->nodaemon == b->nodaemon &&
               strv_equal(a->environment, b->environment) && strv_equal(a->environment_files, b->environment_files) &&
               streq_null(a->childlogdir, b->childlogdir) && a->childlogdir_set == b->childlogdir_set &&
               a->nocleanup == b->nocleanup && streq_null(a->directory, b->directory) && a->umask == b->umask &&
               streq_null(a->user, b->user) && a->minfds == b->minfds && a->minprocs == b->minprocs &&
               a->strip_ansi == b->strip_ansi && a->exit_when_all_done == b->exit_when_all_done &&
               streq_null(a->identifier, b->identifier) && streq_null(a->cgroup, b->cgroup) &&
               a->shutdown_timeout == b->shutdown_timeout;
}

static bool configs_same(const Config *a, const Config *b) {
        if (!daemon_same(&a->daemon, &b->daemon) || a->n_programs != b->n_programs || a->n_groups != b->n_groups ||
            a->n_webhooks != b->n_webhooks)
                return false;
        for (size_t i = 0; i < a->n_programs; i++)
                if (!program_same(a->programs[i], b->programs[i]))
                        return false;
        for (size_t i = 0; i < a->n_groups; i++) {
                const GroupConfig *x = a->groups[i], *y = b->groups[i];
                if (x->priority != y->priority || !strv_equal(x->programs, y->programs) ||
                    !strv_equal(x->environment_files, y->environment_files) || !limits_same(&x->limits, &y->limits))
                        return false;
        }
        for (size_t i = 0; i < a->n_webhooks; i++) {
                const WebhookConfig *x = a->webhooks[i], *y = b->webhooks[i];
                if (!streq_null(x->url, y->url) || !strv_equal(x->events, y->events) || x->timeout != y->timeout ||
                    x->retries != y->retries || !strv_equal(x->headers, y->headers))
                        return false;
        }
        return true;
}

/* A file with the section @k is read in last, so that a key line appended to it lands there. */
static const char *base_for(ConfSection section, const KeyDef *k) {
        switch (section) {
        case CONF_SECTION_DAEMON:
                return "[program:example]\ncommand=/bin/cat\n[cgsupd]\n";
        case CONF_SECTION_PROGRAM:
                return k->type == KEY_LISTENER ? "[program:example]\ncommand=/bin/cat\n"
                                                 "[eventlistener:l]\ncommand=/bin/cat\nevents=PROCESS_STATE\n" :
                                                 "[program:example]\ncommand=/bin/cat\n";
        case CONF_SECTION_GROUP:
                return "[program:example]\ncommand=/bin/cat\n[group:g]\nprograms=example\n";
        case CONF_SECTION_WEBHOOK:
                return "[program:example]\ncommand=/bin/cat\n[webhook:w]\nurl=http://127.0.0.1/\n";
        default:
                return NULL;
        }
}

/* Whether setting @key=@value in @section changes nothing (and draws no diagnostic): 1 yes, 0 no. */
static int setting_changes_nothing(ConfSection section, const KeyDef *k, const char *value) {
        _cleanup_(config_freep) Config *without = NULL, *with = NULL;
        _cleanup_free_ char *text = NULL;
        const char *base = base_for(section, k);

        if (!base) {
                printf("# %s=: no base file for this section\n", k->key);
                return -EINVAL;
        }
        ASSERT_TRUE(asprintf(&text, "%s%s=%s\n", base, k->key, value) >= 0);
        ASSERT_OK(load(base, CONFIG_LOAD_NO_SYSTEM_CHECKS, &without));
        if (load(text, CONFIG_LOAD_NO_SYSTEM_CHECKS, &with) < 0 || with->n_diags != without->n_diags) {
                print_diags(with);
                return 0;
        }
        return configs_same(without, with);
}

static int shows_the_default(ConfSection section, const char *kind, const KeyDef *k) {
        if (k->sample_kind != SAMPLE_DEFAULT)
                return -1;
        if (setting_changes_nothing(section, k, k->sample) == 1)
                return 1;
        printf("# [%s] %s=%s is not the reader's default\n", kind, k->key, k->sample);
        return 0;
}

/* A key the sample shows with its default: setting it to that value gives the config of not setting it. */
TEST(sample_defaults_are_the_readers_defaults) {
        unsigned tried, wrong = check_every_key(shows_the_default, &tried);

        printf("# %u defaults compared\n", tried);
        ASSERT_TRUE(tried >= 70); /* 73 keys show their default */
        ASSERT_EQ(wrong, 0U);
}

/* The comparison above sees a value that is not the default, in each kind of section. */
TEST(a_value_other_than_the_default_is_seen) {
        static const struct {
                ConfSection section;
                const char *key, *value;
        } others[] = {
                { CONF_SECTION_PROGRAM, "priority", "1" },        { CONF_SECTION_PROGRAM, "exitcodes", "0,2" },
                { CONF_SECTION_PROGRAM, "healthcheck_retries", "4" }, { CONF_SECTION_PROGRAM, "buffer_size", "11" },
                { CONF_SECTION_PROGRAM, "stdout_logfile", "NONE" }, { CONF_SECTION_PROGRAM, "numprocs_start", "1" },
                { CONF_SECTION_DAEMON, "minfds", "1" },           { CONF_SECTION_DAEMON, "identifier", "x" },
                { CONF_SECTION_GROUP, "priority", "1" },          { CONF_SECTION_WEBHOOK, "retries", "4" },
        };

        for (size_t i = 0; i < ELEMENTSOF(others); i++) {
                const KeyDef *k = conf_key_find(others[i].section, others[i].key);

                ASSERT_NOT_NULL(k);
                printf("# %s=%s\n", others[i].key, others[i].value);
                ASSERT_EQ(setting_changes_nothing(others[i].section, k, others[i].value), 0);
        }
}

/* A copy of the sample with the ';' of the lines @uncomment says yes to removed (not blanked: a line that
 * starts with whitespace continues the previous value). @uncomment gets each line and the kind of its
 * section, and whether the section's header is commented. */
typedef bool (*LinePick)(const char *line, size_t len, const char *kind, bool header_commented, void *userdata);

static char *sample_with(LinePick uncomment, void *userdata) {
        const char *kind = NULL;
        bool header_commented = false;
        char *text = malloc(strlen(sample_conf) + 1), *out = text;

        if (!text)
                return NULL;
        for (const char *p = sample_conf; *p;) {
                size_t len = strcspn(p, "\n");
                const char *k = section_kind(p, len);

                if (k) {
                        kind = k;
                        header_commented = p[0] == ';';
                }
                if (p[0] == ';' && uncomment(p, len, kind, header_commented, userdata)) {
                        p++;
                        len--;
                }
                memcpy(out, p, len + (p[len] == '\n'));
                out += len + (p[len] == '\n');
                p += len + (p[len] == '\n');
        }
        *out = 0;
        return text;
}

/* ";key=value" (no space before the '='), the key's length in *ret_keylen. */
static bool is_key_line(const char *line, size_t len, size_t *ret_keylen) {
        const char *eq = memchr(line, '=', len);

        if (line[0] != ';' || !eq || memchr(line, ' ', (size_t) (eq - line)))
                return false;
        *ret_keylen = (size_t) (eq - line - 1);
        return true;
}

/* A key whose sample value names a second key (a check type names its target): uncommented together. */
static const char *companion_of(const char *key, size_t keylen) {
        static const char *const pairs[][2] = {
                { "healthcheck_type", "healthcheck_target" },
                { "readiness_type", "readiness_log_line" },
                { "liveness_type", "liveness_target" },
        };
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++)
                if (strlen(pairs[i][0]) == keylen && strneq(key, pairs[i][0], keylen))
                        return pairs[i][1];
        return NULL;
}

typedef struct OneKey {
        const char *line;      /* the key line to set */
        const char *companion; /* and this key of the same section, or NULL */
} OneKey;

static bool pick_one_key(const char *line, size_t len, const char *kind, bool header_commented, void *userdata) {
        const OneKey *k = userdata;
        size_t keylen;

        if (line == k->line)
                return true;
        return k->companion && is_key_line(line, len, &keylen) && keylen == strlen(k->companion) &&
               strneq(line + 1, k->companion, keylen);
}

/* In the sections that are on ([cgsupd], [program:example]): each commented key set alone. */
TEST(each_commented_key_of_an_active_section_is_valid_alone) {
        const char *kind = NULL;
        bool header_commented = false;
        unsigned bad = 0, tried = 0;

        for (const char *p = sample_conf; *p;) {
                size_t len = strcspn(p, "\n"), keylen;
                const char *k = section_kind(p, len);

                if (k) {
                        kind = k;
                        header_commented = p[0] == ';';
                } else if (kind && !header_commented && is_key_line(p, len, &keylen)) {
                        _cleanup_(config_freep) Config *c = NULL;
                        OneKey one = { .line = p, .companion = companion_of(p + 1, keylen) };
                        _cleanup_free_ char *text = sample_with(pick_one_key, &one);
                        int r;

                        ASSERT_NOT_NULL(text);
                        /* Values only: the users and paths the sample names need not exist here. */
                        r = load(text, CONFIG_LOAD_NO_SYSTEM_CHECKS, &c);
                        tried++;
                        /* depends_on names programs of the reader's own file: the sample has none to name. */
                        if (r < 0 && !(keylen == strlen("depends_on") && strneq(p + 1, "depends_on", keylen) &&
                                       strstr(config_first_error(c), "names unknown program"))) {
                                printf("# alone: %.*s\n", (int) len, p);
                                print_diags(c);
                                bad++;
                        }
                }
                p += len + (p[len] == '\n');
        }
        printf("# %u commented keys tried one by one\n", tried);
        ASSERT_TRUE(tried >= 110); /* the sample has 122: a change that skips lines fails here */
        ASSERT_EQ(bad, 0U);
}

static bool pick_section(const char *line, size_t len, const char *kind, bool header_commented, void *userdata) {
        size_t keylen;

        return kind && streq(kind, userdata) && header_commented &&
               (section_kind(line, len) || is_key_line(line, len, &keylen));
}

/* The sections that are off ([group:x], [eventlistener:x], [webhook:x], [include]): each one turned on whole
 * (header and every key) is valid. */
TEST(each_commented_section_is_valid_whole) {
        static const char *const kinds[] = { "group", "eventlistener", "webhook", "include" };

        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = sample_with(pick_section, (void *) kinds[i]);
                int r;

                ASSERT_NOT_NULL(text);
                ASSERT_TRUE(strlen(text) < strlen(sample_conf)); /* something was uncommented */
                r = load(text, CONFIG_LOAD_NO_SYSTEM_CHECKS, &c);
                if (r < 0) {
                        printf("# [%s] on:\n", kinds[i]);
                        print_diags(c);
                }
                ASSERT_OK(r);
        }
}

static const char *make_sample(void) {
        if (config_sample_text(&sample_conf) < 0)
                return "out of memory";
        return NULL;
}

int main(int argc, char **argv) {
        int r = tests_main(argc, argv, make_sample);

        free(sample_conf);
        return r;
}
