/* SPDX-License-Identifier: MIT */
/* The sample configuration `cgsupctl init` prints (examples/sample.conf): it loads without a warning, it
 * names every key the reader knows in the section where the key belongs, and each commented key, set
 * alone, is a value the reader accepts (a user who removes one ';' gets a valid file). */
#include <stdio.h>

#include "conf-internal.h"
#include "sample-conf.h"
#include "strv.h"
#include "tests.h"

#define SAMPLE_PATH "/etc/cgsup/cgsup.conf"

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

/* Whether the sample sets or shows @key (";key=" or "key=" at a line start) in a section of @kind. */
static bool sample_has_key(const char *kind, const char *key) {
        const char *kind_now = NULL;

        for (const char *p = sample_conf; *p;) {
                size_t len = strcspn(p, "\n");
                const char *k = section_kind(p, len), *line = p;

                if (k)
                        kind_now = k;
                else if (kind_now && streq(kind_now, kind)) {
                        if (*line == ';')
                                line++;
                        if (strneq(line, key, strlen(key)) && line[strlen(key)] == '=')
                                return true;
                }
                p += len + (p[len] == '\n');
        }
        return false;
}

static bool is_listener_only(const char *key) {
        static char *const listener_keys[] = { (char *) "events", (char *) "buffer_size", (char *) "result_handler",
                                               NULL };
        return strv_contains(listener_keys, key);
}

TEST(sample_names_every_key) {
        static const char *const include_keys[] = { "files", NULL };
        static const struct {
                const char *kind;
                const char *const *keys;
        } lists[] = {
                { "cgsupd", daemon_known_keys },       { "program", program_known_keys },
                { "group", group_known_keys },         { "webhook", webhook_known_keys },
                { "include", include_keys },
        };
        unsigned missing = 0;

        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                for (const char *const *k = lists[i].keys; *k; k++) {
                        const char *kind = streq(lists[i].kind, "program") && is_listener_only(*k) ? "eventlistener"
                                                                                                 : lists[i].kind;
                        if (!sample_has_key(kind, *k)) {
                                printf("# [%s] %s= is not in examples/sample.conf\n", kind, *k);
                                missing++;
                        }
                }
        ASSERT_EQ(missing, 0U);
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

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
