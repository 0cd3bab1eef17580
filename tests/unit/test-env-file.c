/* SPDX-License-Identifier: MIT */
/* environment_file=: systemd's EnvironmentFile= syntax, and the keys in [cgsupd], [group:x], [program:x]. */
#include <stdio.h>
#include <unistd.h>

#include "conf-internal.h"
#include "env-file.h"
#include "strv.h"
#include "tests.h"

static char **parse_ok(const char *text) {
        char **env = NULL;
        unsigned line = 0;
        const char *why = NULL;
        int r = env_file_parse(text, strlen(text), &env, &line, &why);
        if (r < 0)
                tests_fail(__FILE__, __LINE__, "parse failed at line %u: %s", line, strna(why));
        return env;
}

static void parse_fails(const char *text, unsigned want_line, const char *want_reason) {
        _cleanup_strv_free_ char **env = NULL;
        unsigned line = 0;
        const char *why = NULL;
        ASSERT_ERROR(env_file_parse(text, strlen(text), &env, &line, &why), EINVAL);
        ASSERT_EQ(line, want_line);
        ASSERT_STR_CONTAINS(why, want_reason);
        ASSERT_NULL(env);
}

TEST(plain_comments_blank) {
        _cleanup_strv_free_ char **env = parse_ok("# comment\n; also\n\nA=1\n  B = two words  \nC=\n\tD=x=y\n");
        ASSERT_STREQ(strv_env_get(env, "A"), "1");
        ASSERT_STREQ(strv_env_get(env, "B"), "two words");
        ASSERT_STREQ(strv_env_get(env, "C"), "");
        ASSERT_STREQ(strv_env_get(env, "D"), "x=y");
        ASSERT_EQ(strv_length(env), 4U);
}

TEST(quotes_and_escapes) {
        _cleanup_strv_free_ char **env = parse_ok("S='a \"b\" \\n $HOME'\n"
                                                  "D=\"tab\\\"q\\\\ \\$x \\n\"\n"
                                                  "M=\"line1\nline2\"\n"
                                                  "J=pre'fix 'post\n"
                                                  "E=a\\ b\\#c  \n");
        ASSERT_STREQ(strv_env_get(env, "S"), "a \"b\" \\n $HOME");
        ASSERT_STREQ(strv_env_get(env, "D"), "tab\"q\\ $x \\n");
        ASSERT_STREQ(strv_env_get(env, "M"), "line1\nline2");
        ASSERT_STREQ(strv_env_get(env, "J"), "prefix post");
        ASSERT_STREQ(strv_env_get(env, "E"), "a b#c");
}

TEST(continuation_and_duplicates) {
        _cleanup_strv_free_ char **env = parse_ok("A=one \\\ntwo\nA=again\nB=\"x\\\ny\"\n");
        ASSERT_STREQ(strv_env_get(env, "A"), "again");
        ASSERT_STREQ(strv_env_get(env, "B"), "xy");
        ASSERT_EQ(strv_length(env), 2U);
        _cleanup_strv_free_ char **e2 = parse_ok("A=one \\\ntwo\n");
        ASSERT_STREQ(strv_env_get(e2, "A"), "one two");
        _cleanup_strv_free_ char **e3 = parse_ok("");
        ASSERT_NULL(e3);
        _cleanup_strv_free_ char **e4 = parse_ok("X=no newline at the end");
        ASSERT_STREQ(strv_env_get(e4, "X"), "no newline at the end");
        _cleanup_strv_free_ char **e5 = parse_ok("X=crlf\r\n");
        ASSERT_STREQ(strv_env_get(e5, "X"), "crlf");
}

TEST(malformed_lines_name_the_line) {
        parse_fails("A=1\njust words\n", 2, "expected KEY=VALUE");
        parse_fails("A=1\n\n1X=2\n", 3, "expected KEY=VALUE");
        parse_fails("A-B=1\n", 1, "expected KEY=VALUE");
        parse_fails("A=1\nB=\"open\n\nC=3\n", 2, "unterminated double quote");
        parse_fails("B='x\n", 1, "unterminated single quote");
        parse_fails("=value\n", 1, "expected KEY=VALUE");
        /* a quote spanning lines: the error after it counts the lines inside it */
        parse_fails("A=\"x\ny\"\nbad\n", 3, "expected KEY=VALUE");
        {
                static const char nul[] = "A=x\0y\n";
                _cleanup_strv_free_ char **env = NULL;
                unsigned line = 0;
                const char *why = NULL;
                ASSERT_ERROR(env_file_parse(nul, sizeof nul - 1, &env, &line, &why), EINVAL);
                ASSERT_STR_CONTAINS(why, "NUL");
        }
}

TEST(read_optional_and_missing) {
        char dir[] = "/tmp/test-env-file-XXXXXX";
        char path[256], opt[256];
        _cleanup_strv_free_ char **env = NULL, **none = NULL;
        unsigned line = 0;
        const char *why = NULL;

        ASSERT_NOT_NULL(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/app.env", dir);
        FILE *f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        fputs("TOKEN=s3cret\n", f);
        ASSERT_EQ(fclose(f), 0);

        ASSERT_OK(env_file_read(path, &env, &line, &why));
        ASSERT_STREQ(strv_env_get(env, "TOKEN"), "s3cret");
        snprintf(opt, sizeof opt, "-%s/missing.env", dir);
        ASSERT_OK(env_file_read(opt, &none, &line, &why));
        ASSERT_NULL(none);
        ASSERT_ERROR(env_file_read(opt + 1, &none, &line, &why), ENOENT);
        ASSERT_TRUE(env_file_optional(opt));
        ASSERT_STREQ(env_file_path(opt), opt + 1);
        ASSERT_OK_ERRNO(unlink(path));
        ASSERT_OK_ERRNO(rmdir(dir));
}

/* ---- the configuration keys ---- */

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        ASSERT_EQ(fputs(text, f) >= 0, 1);
        ASSERT_EQ(fclose(f), 0);
}

static bool has_diag(const Config *c, bool error, const char *file, unsigned line, const char *needle) {
        for (size_t i = 0; c && i < c->n_diags; i++)
                if (c->diags[i].error == error && (!file || streq(c->diags[i].file, file)) &&
                    (line == 0 || c->diags[i].line == line) && strstr(c->diags[i].message, needle))
                        return true;
        for (size_t i = 0; c && i < c->n_diags; i++)
                printf("# diag: %s:%u: %s\n", strna(c->diags[i].file), c->diags[i].line, c->diags[i].message);
        return false;
}

TEST(keys_merge_order_and_checks) {
        char dir[] = "/tmp/test-env-file-XXXXXX";
        char conf[256], good[256], bad[256], text[2048];

        ASSERT_NOT_NULL(mkdtemp(dir));
        snprintf(conf, sizeof conf, "%s/cgsup.conf", dir);
        snprintf(good, sizeof good, "%s/good.env", dir);
        snprintf(bad, sizeof bad, "%s/bad.env", dir);
        write_text(good, "A=1\n");
        write_text(bad, "# ok\nA=1\nnot an assignment\n");

        snprintf(text, sizeof text,
                 "[cgsupd]\nenvironment_file = %%(here)s/good.env\n"
                 "[group:g]\nprograms = a\nenvironment_file = -%%(here)s/none.env\n"
                 "[program:a]\ncommand = /bin/true\nenvironment_file = %%(here)s/good.env \"-%s/x y.env\"\n"
                 "[program:b]\ncommand = /bin/true\n",
                 dir);
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_OK(config_load_buffer(conf, text, strlen(text), NULL, NULL, CONFIG_LOAD_NO_INCLUDES, &c));
                const ProgramConfig *a = config_find_program(c, "a"), *b = config_find_program(c, "b");
                ASSERT_NOT_NULL(a);
                ASSERT_NOT_NULL(b);
                ASSERT_EQ(strv_length(a->environment_files), 4U);
                ASSERT_STREQ(a->environment_files[0], good);
                ASSERT_STR_CONTAINS(a->environment_files[1], "-/");
                ASSERT_STR_CONTAINS(a->environment_files[1], "/none.env");
                ASSERT_STREQ(a->environment_files[2], good);
                ASSERT_STR_CONTAINS(a->environment_files[3], "/x y.env");
                ASSERT_EQ(strv_length(b->environment_files), 1U);
        }
        /* a malformed line is an error at the environment file's own file:line */
        snprintf(text, sizeof text, "[program:a]\ncommand = /bin/true\nenvironment_file = %s\n", bad);
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_ERROR(config_load_buffer(conf, text, strlen(text), NULL, NULL, CONFIG_LOAD_NO_INCLUDES, &c),
                             EINVAL);
                ASSERT_TRUE(has_diag(c, true, bad, 3, "expected KEY=VALUE"));
        }
        /* missing: a warning (it may exist by the first start); relative: an error */
        snprintf(text, sizeof text,
                 "[program:a]\ncommand = /bin/true\nenvironment_file = %s/missing.env\n"
                 "[program:b]\ncommand = /bin/true\nenvironment_file = rel.env\n",
                 dir);
        {
                _cleanup_(config_freep) Config *c = NULL;
                ASSERT_ERROR(config_load_buffer(conf, text, strlen(text), NULL, NULL, CONFIG_LOAD_NO_INCLUDES, &c),
                             EINVAL);
                ASSERT_TRUE(has_diag(c, false, conf, 3, "does not exist"));
                ASSERT_TRUE(has_diag(c, true, conf, 6, "not an absolute path"));
        }
        ASSERT_OK_ERRNO(unlink(good));
        ASSERT_OK_ERRNO(unlink(bad));
        ASSERT_OK_ERRNO(rmdir(dir));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
