/* SPDX-License-Identifier: MIT */
/*
 * Configuration reader: supervisord 4's dialect (as measured in ../shared/notes/supervisord-usage.md §6),
 * expansion, includes and drop-ins, program keys and defaults, diagnostics with file:line.
 */
#include <signal.h>
#include <sys/stat.h>
#include <syslog.h>

#include "conf-internal.h"
#include "conf-tests.h"
#include "event-type.h"
#include "strv.h"
#include "tests.h"

#define TEST_PATH "/etc/test/cgsup.conf"

static char *test_env[] = { (char *) "HOME=/root", (char *) "WORKERS=3", (char *) "APP=/srv/app",
                            (char *) "TRUE_VALUE=true", (char *) "TMPDIR=/var/tmp", NULL };

/* Loads @text as if it were TEST_PATH (no file system access, no user or executable lookups: the results
 * do not depend on the host; load_checked() below makes them); returns config_load()'s result. */
static int load(const char *text, Config **ret) {
        return config_load_buffer(TEST_PATH, text, strlen(text), NULL, test_env,
                                  CONFIG_LOAD_NO_INCLUDES | CONFIG_LOAD_NO_SYSTEM_CHECKS, ret);
}

static const ProgramConfig *prog(const Config *c, const char *name) {
        const ProgramConfig *p = config_find_program(c, name);
        if (!p)
                tests_fail(__FILE__, __LINE__, "program '%s' not found", name);
        return p;
}

static size_t n_errors(const Config *c) {
        size_t n = 0;
        for (size_t i = 0; i < c->n_diags; i++)
                n += c->diags[i].error;
        return n;
}

#define LOAD_OK_BY(loader, text, c)                                                                         \
        do {                                                                                                \
                int _r = loader((text), &(c));                                                              \
                if (_r < 0)                                                                                 \
                        conf_tests_dump_diags(c);                                                           \
                ASSERT_OK(_r);                                                                              \
        } while (0)

#define LOAD_FAILS_BY(loader, text, c)                                                                      \
        do {                                                                                                \
                ASSERT_ERROR(loader((text), &(c)), EINVAL);                                                 \
                ASSERT_NOT_NULL(c);                                                                         \
                ASSERT_NOT_NULL(config_first_error(c));                                                     \
        } while (0)

#define LOAD_OK(text, c) LOAD_OK_BY(load, text, c)
#define LOAD_FAILS(text, c) LOAD_FAILS_BY(load, text, c)

static void write_file(const char *dir, const char *name, const char *text) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *f = fopen(path, "we");
        ASSERT_NOT_NULL(f);
        ASSERT_EQ(fputs(text, f) >= 0, 1);
        ASSERT_EQ(fclose(f), 0);
}

static char *make_tmpdir(void) {
        return tests_tmpdir("conf");
}

static void argv_is(char **argv, const char *const *expected) {
        size_t i = 0;
        for (; expected[i]; i++) {
                if (!argv || !argv[i])
                        tests_fail(__FILE__, __LINE__, "argv too short at %zu (want \"%s\")", i,
                                   expected[i]);
                if (!streq(argv[i], expected[i]))
                        tests_fail(__FILE__, __LINE__, "argv[%zu] = \"%s\", want \"%s\"", i, argv[i],
                                   expected[i]);
        }
        if (argv && argv[i])
                tests_fail(__FILE__, __LINE__, "argv too long: extra \"%s\"", argv[i]);
}

#define ARGV_IS(argv, ...) argv_is((argv), (const char *const[]) { __VA_ARGS__, NULL })

/* ---- INI dialect (usage notes §6) ---------------------------------------------------------------- */

TEST(inline_comments) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[supervisord]\n"
                "nodaemon=true ; (start in foreground if true;default false)\n"
                "logfile=/dev/stdout;\n"
                "user=root\t\t     ;\n"
                "[program:nginx]\n"
                "command=nginx -g \"daemon off;\"\n"
                "directory=/srv # a comment\n"
                "stdout_logfile=/var/log/a#b\n"
                "[program:fresh]\n"
                "command=freshclam -d && supervisorctl start clamav ; freshclam -d --quiet\n",
                c);
        ASSERT_TRUE(c->daemon.nodaemon);
        ASSERT_STREQ(c->daemon.logfile, "/dev/stdout;"); /* glued ';' is kept, as supervisord */
        ASSERT_STREQ(c->daemon.user, "root");
        const ProgramConfig *p = prog(c, "nginx");
        ARGV_IS(p->argv, "nginx", "-g", "daemon off;");
        ASSERT_STREQ(p->directory, "/srv");
        ASSERT_STREQ(p->stdout_log.path, "/var/log/a#b");
        p = prog(c, "fresh");
        ARGV_IS(p->argv, "freshclam", "-d", "&&", "supervisorctl", "start", "clamav");
        /* lint: shell operator without a shell */
        ASSERT_TRUE(has_diag(c, false, 10, "'&&' is passed to freshclam"));
}

TEST(comments_and_whitespace) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("# full-line comment before any section\n"
                "; another one\n"
                "\n"
                "[program:a]   ; comment after a section header\n"
                "   ; indented comment\n"
                "command\t\t\t= /bin/a\n"
                "startsecs\t= 0\n"
                "   # indented hash comment\n"
                "priority   :   5\n"
                "\n"
                "[program:b]\n"
                "command=/bin/b",          /* no final newline */
                c);
        const ProgramConfig *p = prog(c, "a");
        ARGV_IS(p->argv, "/bin/a");
        ASSERT_EQ(p->startsecs, 0);
        ASSERT_EQ(p->priority, 5);
        ARGV_IS(prog(c, "b")->argv, "/bin/b");
        ASSERT_EQ(c->n_diags, 0);
}

TEST(crlf_and_colon_delimiter) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:win]\r\ncommand : /bin/echo hi\r\nautostart: false\r\nenvironment=A=\"x:y\"\r\n",
                c);
        const ProgramConfig *p = prog(c, "win");
        ARGV_IS(p->argv, "/bin/echo", "hi");
        ASSERT_FALSE(p->autostart);
        ASSERT_STREQ(strv_env_get(p->environment, "A"), "x:y");
        c = config_free(c);

        /* old Mac line ends: a lone CR ends a line too (Python's universal newlines) */
        LOAD_OK("[program:mac]\rcommand=/bin/mac\rpriority=4\r\r[program:x]\ncommand=/bin/x", c);
        ARGV_IS(prog(c, "mac")->argv, "/bin/mac");
        ASSERT_EQ(prog(c, "mac")->priority, 4);
        ASSERT_EQ(prog(c, "x")->source_line, 5);
}

TEST(continuation_lines) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:multi]\n"
                "command=/usr/bin/java\n"
                "    -Xmx1g ; a comment in a continuation line\n"
                "\t-jar app.jar\n"
                "\n"
                "    --after-blank\n"
                "environment=\n"
                "    KEY=\"v1\",\n"
                "    OTHER=\"a,b\",\n"
                "    LAST=plain\n"
                "priority=7\n",
                c);
        const ProgramConfig *p = prog(c, "multi");
        ARGV_IS(p->argv, "/usr/bin/java", "-Xmx1g", "-jar", "app.jar", "--after-blank");
        /* Python keeps the blank line inside the value, joined with "\n" */
        ASSERT_STREQ(p->command, "/usr/bin/java\n-Xmx1g\n-jar app.jar\n\n--after-blank");
        ASSERT_STREQ(strv_env_get(p->environment, "KEY"), "v1");
        ASSERT_STREQ(strv_env_get(p->environment, "OTHER"), "a,b");
        ASSERT_STREQ(strv_env_get(p->environment, "LAST"), "plain");
        ASSERT_EQ(strv_length(p->environment), 3);
        ASSERT_EQ(p->priority, 7);
}

TEST(indentation_rule_of_rawconfigparser) {
        /* A line continues a value only when indented deeper than the key line (libinih alone would
         * take every indented line as a continuation). */
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:a]\n"
                "  command=/bin/a\n"
                "    --continued\n"
                "  priority=5\n"
                "\tautostart=false\n"
                "[program:b]\n"
                "    command=/bin/b\n"
                "  startsecs=3\n"
                "[supervisord]\n"
                "nodaemon=true\n"
                "[cgsupd]\n"
                "loglevel=debug\n"
                "[supervisord]\n"
                "loglevel=warn\n",
                c);
        const ProgramConfig *p = prog(c, "a");
        ARGV_IS(p->argv, "/bin/a", "--continued");
        ASSERT_EQ(p->priority, 5);
        ASSERT_FALSE(p->autostart);
        ASSERT_EQ(prog(c, "b")->startsecs, 3 * USEC_PER_SEC);
        /* [supervisord] and [cgsupd] are one section, merged key by key, last wins */
        ASSERT_TRUE(c->daemon.nodaemon);
        ASSERT_EQ(c->daemon.loglevel, LOG_WARNING);
}

TEST(section_name_greedy_bracket) {
        _cleanup_(config_freep) Config *c = NULL;
        /* Python's header regex takes "program:a]b" (up to the last ']'); ']' is allowed in names */
        LOAD_OK("[program:a]b]\ncommand=/bin/a\n", c);
        ARGV_IS(prog(c, "a]b")->argv, "/bin/a");
}

TEST(duplicate_keys_last_wins_and_case) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:dup]\n"
                "command=/bin/first\n"
                "stdout_logfile=/var/log/one.log\n"
                "STDOUT_LOGFILE=/var/log/two.log\n"
                "Command=/bin/second\n"
                "[program:dup]\n"
                "priority=3\n"
                "[Program:other]\n"
                "command=/bin/x\n",
                c);
        const ProgramConfig *p = prog(c, "dup");
        ARGV_IS(p->argv, "/bin/second");
        ASSERT_STREQ(p->stdout_log.path, "/var/log/two.log");
        ASSERT_EQ(p->priority, 3);
        /* section names are case-sensitive: [Program:other] is not a program */
        ASSERT_NULL(config_find_program(c, "other"));
        ASSERT_TRUE(has_diag(c, false, 8, "Unknown section [Program:other]"));
}

TEST(non_ascii_and_bom) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("\xEF\xBB\xBF# ═══ 服务配置 — box art ═══\n"
                "[program:uni]\n"
                "; 中文注释\n"
                "command=/bin/echo \"héllo wörld\" ✓\n",
                c);
        ARGV_IS(prog(c, "uni")->argv, "/bin/echo", "héllo wörld", "✓");
}

TEST(long_lines_and_names) {
        /* libinih (Debian 55) cuts lines at 200 bytes and section names at 49: the reader works around it */
        _cleanup_free_ char *text = NULL, *arg = malloc(5001);
        _cleanup_(config_freep) Config *c = NULL;
        const char *longname = "a-very-long-program-name-for-the-notification-queue-worker-high";
        ASSERT_NOT_NULL(arg);
        memset(arg, 'x', 5000);
        arg[5000] = '\0';
        ASSERT_TRUE(asprintf(&text,
                             "[program:%s]\n"
                             "command=/bin/echo %s\n"
                             "    %s ; trailing comment\n"
                             "priority=1\n",
                             longname, arg, arg) > 0);
        LOAD_OK(text, c);
        const ProgramConfig *p = prog(c, longname);
        ARGV_IS(p->argv, "/bin/echo", arg, arg);
        ASSERT_EQ(p->priority, 1);
}

TEST(syntax_errors_are_errors_with_lines) {
        ASSERT_LOAD_DIAG(load, "command=/bin/x\n[program:a]\ncommand=/bin/a\n",
                         1, "before the first [section]");
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_FAILS("[program:a]\ncommand=/bin/a\njust some words\n", c);
                ASSERT_TRUE(has_diag(c, true, 3, "neither a [section]"));
                ASSERT_STR_CONTAINS(config_first_error(c), TEST_PATH ":3: ");
        }
        ASSERT_LOAD_DIAG(load, "[program:a\ncommand=/bin/a\n", 1, "without a name or closing ']'");
        {
                _cleanup_(config_freep) Config *c = NULL;
                static const char nul[] = "[program:a]\ncommand=/bin/a\0evil\n";
                ASSERT_ERROR(config_load_buffer(TEST_PATH, nul, sizeof nul - 1, NULL, test_env,
                                                CONFIG_LOAD_NO_INCLUDES, &c),
                             EINVAL);
                ASSERT_TRUE(has_diag(c, true, 2, "NUL"));
        }
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/a \x01\n", 2, "\\x01");
        {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = malloc(CONF_MAX_LINE + 64);
                ASSERT_NOT_NULL(text);
                strcpy(text, "[program:a]\ncommand=");
                size_t l = strlen(text);
                memset(text + l, 'x', CONF_MAX_LINE);
                strcpy(text + l + CONF_MAX_LINE, "\npriority=1\n");
                LOAD_FAILS(text, c);
                ASSERT_TRUE(has_diag(c, true, 2, "Line longer than 65536 bytes"));
        }
}

/* ---- expansion ----------------------------------------------------------------------------------- */

TEST(expand_unit) {
        ExpandVars v = { .here = "/etc/x", .program_name = "web", .group_name = "g", .host_node_name = "box",
                         .process_num = 7, .numprocs = 12, .env = test_env };
        static const struct {
                const char *in, *out;
        } ok[] = {
                { "plain", "plain" },
                { "%(here)s/conf", "/etc/x/conf" },
                { "%(program_name)s_%(process_num)02d", "web_07" },
                { "%(process_num)d/%(numprocs)d", "7/12" },
                { "%(process_num)03d|%(process_num)-3d|%(process_num)3d|", "007|7  |  7|" },
                { "%(group_name)s@%(host_node_name)s", "g@box" },
                { "100%% %(ENV_HOME)s", "100% /root" },
                { "-display :99%(ENV_WORKERS)s", "-display :993" },
                { "%(ENV_WORKERS)d", "3" },
                { "%(program_name)5s|%(program_name)-5s|%(program_name).2s", "  web|web  |we" },
                { "%(process_num)s", "7" },
                { "150%", "150%" }, /* a trailing '%' stays (cpu_quota=150%) */
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_free_ char *out = NULL, *msg = NULL;
                ASSERT_OK(conf_expand(ok[i].in, &v, &out, &msg));
                ASSERT_STREQ(out, ok[i].out);
        }
        static const char *const bad[] = { "%(nope)s", "%(ENV_NOPE)s", "%USER%", "50%x", "%(program_name)",
                                           "%(program_name", "%(program_name)x", "%(ENV_HOME)d", "%s" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *out = NULL, *msg = NULL;
                ASSERT_ERROR(conf_expand(bad[i], &v, &out, &msg), EINVAL);
                ASSERT_NOT_NULL(msg);
                ASSERT_NULL(out);
        }
        {
                _cleanup_free_ char *out = NULL, *msg = NULL;
                ASSERT_ERROR(conf_expand("%USER%", &v, &out, &msg), EINVAL);
                ASSERT_STR_CONTAINS(msg, "%VAR% placeholder");
                free(msg);
                msg = NULL;
                ASSERT_ERROR(conf_expand("%(nope)s", &v, &out, &msg), EINVAL);
                ASSERT_STR_CONTAINS(msg, "available: here, program_name");
        }
        {
                /* process_num is not defined outside a process instance */
                ExpandVars w = { .process_num = -1, .numprocs = -1 };
                _cleanup_free_ char *out = NULL, *msg = NULL;
                ASSERT_ERROR(conf_expand("%(process_num)d", &w, &out, &msg), EINVAL);
        }
}

TEST(expand_in_config) {
        _cleanup_(config_freep) Config *c = NULL;
        char host[256];
        ASSERT_OK_ERRNO(gethostname(host, sizeof host));
        LOAD_OK("[supervisord]\n"
                "environment=GLOBAL=\"g1\"\n"
                "childlogdir=%(here)s/logs\n"
                "[group:grp]\n"
                "programs=worker\n"
                "[program:worker]\n"
                "command=%(ENV_APP)s/artisan --name=%(group_name)s:%(program_name)s\n"
                "  --n=%(process_num)d/%(numprocs)d --host=%(host_node_name)s --g=%(ENV_GLOBAL)s "
                "--l=%(ENV_LOCAL)s\n"
                "  --pct=100%%\n"
                "environment=LOCAL=\"l%(process_num)d\"\n"
                "process_name=%(program_name)s_%(process_num)02d\n"
                "numprocs=%(ENV_WORKERS)s\n"
                "autostart=%(ENV_TRUE_VALUE)s\n"
                "directory=%(here)s\n"
                "stdout_logfile=/var/log/%(program_name)s-%(process_num)s.log\n",
                c);
        ASSERT_STREQ(c->daemon.childlogdir, "/etc/test/logs");
        ASSERT_EQ(c->n_programs, 3);
        const ProgramConfig *p = prog(c, "worker_02");
        ASSERT_STREQ(p->group_name, "grp");
        ASSERT_TRUE(p->in_group);
        ASSERT_EQ(p->process_num, 2);
        ASSERT_EQ(p->numprocs, 3);
        ASSERT_TRUE(p->autostart);
        ASSERT_STREQ(p->directory, "/etc/test");
        ASSERT_STREQ(p->stdout_log.path, "/var/log/worker-2.log");
        _cleanup_free_ char *host_arg = NULL;
        ASSERT_TRUE(asprintf(&host_arg, "--host=%s", host) > 0);
        ARGV_IS(p->argv, "/srv/app/artisan", "--name=grp:worker", "--n=2/3", host_arg, "--g=g1", "--l=l2",
                "--pct=100%");
        ASSERT_STREQ(prog(c, "worker_00")->name, "worker_00");
        ASSERT_STREQ(prog(c, "grp:worker_01")->name, "worker_01");
}

TEST(expand_undefined_is_error_with_line) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_FAILS("[program:a]\n"
                   "command=/bin/a\n"
                   "user=%(ENV_NO_SUCH_VAR)s\n",
                   c);
        ASSERT_TRUE(has_diag(c, true, 3,
                             "[program:a] user=%(ENV_NO_SUCH_VAR)s: %(ENV_NO_SUCH_VAR) cannot be "
                             "expanded"));
        ASSERT_STR_CONTAINS(config_first_error(c), "/etc/test/cgsup.conf:3: ");
}

TEST(expand_placeholder_hint) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_FAILS("[program:a]\ncommand=/bin/a\nuser=%USER%\n", c);
        ASSERT_TRUE(has_diag(c, true, 3, "%VAR% placeholder"));
}

TEST(numprocs_naming) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:laravel-worker]\n"
                "process_name=%(program_name)s_%(process_num)02d\n"
                "command=php /var/www/artisan queue:work --sleep=3 --tries=3\n"
                "numprocs=3\n"
                "[program:ega]\n"
                "process_name=ega-%(process_num)d\n"
                "command=/bin/ega\n"
                "numprocs=2\n"
                "numprocs_start=5\n",
                c);
        ASSERT_EQ(c->n_programs, 5);
        ASSERT_STREQ(c->programs[0]->name, "ega-5");
        ASSERT_STREQ(c->programs[1]->name, "ega-6");
        ASSERT_STREQ(c->programs[2]->name, "laravel-worker_00");
        ASSERT_STREQ(c->programs[3]->name, "laravel-worker_01");
        ASSERT_STREQ(c->programs[4]->name, "laravel-worker_02");
        for (size_t i = 2; i < 5; i++) {
                ASSERT_STREQ(c->programs[i]->program_name, "laravel-worker");
                ASSERT_STREQ(c->programs[i]->group_name, "laravel-worker");
                ASSERT_FALSE(c->programs[i]->in_group);
                ASSERT_EQ(c->programs[i]->process_num, i - 2);
        }
}

TEST(numprocs_errors) {
        ASSERT_LOAD_DIAG(load, "[program:w]\ncommand=/bin/w\nnumprocs=2\n",
                         0, "needs %(process_num) in process_name");
        ASSERT_LOAD_DIAG(load, "[program:w]\ncommand=/bin/w\nnumprocs=1001\nprocess_name=%(process_num)d\n",
                         3, "more than 1000");
        ASSERT_LOAD_DIAG(load, "[program:w]\ncommand=/bin/w\nnumprocs=-1\n", 3, "[program:w] numprocs=-1");
        ASSERT_LOAD_DIAG(load, "[program:w]\ncommand=/bin/w\nprocess_name=a/b\n",
                         3, "process_name=a/b: the process name contains '/'");
}

/* ---- the name rule (shared with RunTransient) ---------------------------------------------------- */

TEST(name_rule) {
        char n200[201], n201[202];
        memset(n200, 'n', 200);
        n200[200] = '\0';
        memset(n201, 'n', 201);
        n201[201] = '\0';

        ASSERT_NULL(program_name_invalid_reason("web"));
        ASSERT_NULL(program_name_invalid_reason("web_01.x-y@z+1"));
        ASSERT_NULL(program_name_invalid_reason("w\xc3\xa9" "b")); /* "wéb": UTF-8 is fine */
        ASSERT_NULL(program_name_invalid_reason(".hidden"));
        ASSERT_NULL(program_name_invalid_reason(n200));
        ASSERT_STREQ(program_name_invalid_reason(""), "is empty");
        ASSERT_STREQ(program_name_invalid_reason(NULL), "is empty");
        ASSERT_STREQ(program_name_invalid_reason(n201), "is longer than 200 bytes");
        ASSERT_STREQ(program_name_invalid_reason("a b"), "contains a space");
        ASSERT_STREQ(program_name_invalid_reason("a:b"), "contains ':'");
        ASSERT_STREQ(program_name_invalid_reason("a/b"), "contains '/'");
        ASSERT_STREQ(program_name_invalid_reason("."), "is '.'");
        ASSERT_STREQ(program_name_invalid_reason(".."), "contains '..'");
        ASSERT_STREQ(program_name_invalid_reason("a..b"), "contains '..'");
        ASSERT_STREQ(program_name_invalid_reason("a\tb"), "contains a control character");
        ASSERT_STREQ(program_name_invalid_reason("a\x7f"), "contains a control character");
        ASSERT_STREQ(program_name_invalid_reason("a\xc2\x85"), "contains a control character"); /* NEL */
        ASSERT_STREQ(program_name_invalid_reason("a\xff"), "is not valid UTF-8");
        ASSERT_STREQ(program_name_invalid_reason("a\xc3"), "is not valid UTF-8");       /* cut short */
        ASSERT_STREQ(program_name_invalid_reason("\xc0\xaf"), "is not valid UTF-8");    /* overlong '/' */
        ASSERT_STREQ(program_name_invalid_reason("\xed\xa0\x80"), "is not valid UTF-8"); /* surrogate */
}

/* The same UTF-8 rule for byte buffers (tail --json): embedded NULs are fine, a sequence cut by the end
 * of the buffer is not (and is not read past). */
TEST(utf8_is_valid_buffers) {
        ASSERT_TRUE(utf8_is_valid("", 0));
        ASSERT_TRUE(utf8_is_valid("a\0b\n", 4));
        ASSERT_TRUE(utf8_is_valid("w\xc3\xa9" "b", 4));
        ASSERT_TRUE(utf8_is_valid("\xf0\x9f\x98\x80", 4));
        ASSERT_FALSE(utf8_is_valid("w\xc3\xa9", 2)); /* cut inside "é" */
        ASSERT_FALSE(utf8_is_valid("\xf0\x9f\x98\x80", 3));
        ASSERT_FALSE(utf8_is_valid("a\xff", 2));
        ASSERT_FALSE(utf8_is_valid("\xc0\xaf", 2));
        ASSERT_FALSE(utf8_is_valid("\xed\xa0\x80", 3));
}

TEST(name_rule_in_config) {
        static const struct {
                const char *text;
                unsigned line;
                const char *needle;
        } bad[] = {
                { "[program:a..b]\ncommand=/bin/true\n", 1, "[program:a..b]: the program name contains '..'" },
                { "\n[program:a\x1b]\ncommand=/bin/true\n", 2, "the program name contains a control character" },
                { "[program:a\xff]\ncommand=/bin/true\n", 1, "the program name is not valid UTF-8" },
                { "[program:w]\ncommand=/bin/true\nprocess_name=%(program_name)s..x\n", 3,
                  "process_name=w..x: the process name contains '..'" },
                { "[program:w]\ncommand=/bin/true\nprocess_name=a b\n", 3, "the process name contains a space" },
                { "[program:w]\ncommand=/bin/true\nprocess_name=a:b\n", 3, "the process name contains ':'" },
                { "[group:g..1]\nprograms=w\n[program:w]\ncommand=/bin/true\n", 1,
                  "[group:g..1]: the group name contains '..'" },
                { "[group:g]\nprograms=w,..\n[program:w]\ncommand=/bin/true\n", 2, "programs=..: not a program name" },
                { "[program:w]\ncommand=/bin/true\ndepends_on=a..b\n", 3, "depends_on=a..b: not a program name" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                printf("# %s\n", bad[i].needle);
                LOAD_FAILS(bad[i].text, c);
                ASSERT_TRUE(has_diag(c, true, bad[i].line, bad[i].needle));
                ASSERT_TRUE(has_diag(c, true, bad[i].line, PROGRAM_NAME_RULE));
        }

        /* 200 bytes after expansion is the limit, for the process name as for the section name */
        _cleanup_free_ char *ok = NULL, *too_long = NULL;
        ASSERT_TRUE(asprintf(&ok, "[program:%0200d]\ncommand=/bin/true\n", 0) > 0);
        ASSERT_TRUE(asprintf(&too_long, "[program:w]\ncommand=/bin/true\nprocess_name=%%(program_name)s%0200d\n",
                             0) > 0);
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_OK(ok, c);
                ASSERT_EQ(strlen(c->programs[0]->name), 200);
        }
        ASSERT_LOAD_DIAG(load, too_long, 3, "the process name is longer than 200 bytes");
}

/* ---- includes and drop-ins ----------------------------------------------------------------------- */

TEST(includes_globs_and_merge) {
        _cleanup_free_ char *dir = make_tmpdir(), *sub = NULL, *abs_dir = NULL, *main_path = NULL,
                            *text = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_TRUE(asprintf(&sub, "%s/conf.d", dir) > 0);
        ASSERT_TRUE(asprintf(&abs_dir, "%s/abs", dir) > 0);
        ASSERT_OK_ERRNO(mkdir(sub, 0755));
        ASSERT_OK_ERRNO(mkdir(abs_dir, 0755));
        ASSERT_TRUE(asprintf(&text,
                             "[supervisord]\n"
                             "nodaemon=false\n"
                             "logfile=/var/log/main.log\n"
                             "loglevel=info\n"
                             "[include]\n"
                             "files = conf.d/*.conf\n"
                             "        %s/*.ini none/*.conf\n"
                             "[program:base]\n"
                             "command=/bin/base\n"
                             "priority=10\n",
                             abs_dir) > 0);
        write_file(dir, "supervisord.conf", text);
        /* sorted: b after a; the drop-in's [supervisord] merges key by key */
        write_file(sub, "b.conf", "[program:base]\npriority=30\n[supervisord]\nloglevel=debug\n");
        write_file(
                sub, "a.conf",
                "[supervisord]\nnodaemon=true\nuser=root\n[program:web]\ncommand=%(here)s/web\npriority=20\n"
                "[include]\nfiles=/nonexistent/*.conf\n");
        write_file(sub, "ignored.txt", "[program:nope]\ncommand=/bin/nope\n");
        write_file(abs_dir, "x.ini", "[program:ini]\ncommand=/bin/ini\n");

        ASSERT_TRUE(asprintf(&main_path, "%s/supervisord.conf", dir) > 0);
        int r = config_load(main_path, test_env, &c);
        if (r < 0)
                conf_tests_dump_diags(c);
        ASSERT_OK(r);

        ASSERT_TRUE(c->daemon.nodaemon);
        ASSERT_STREQ(c->daemon.user, "root");
        ASSERT_STREQ(c->daemon.logfile, "/var/log/main.log");
        ASSERT_EQ(c->daemon.loglevel, LOG_DEBUG);
        ASSERT_EQ(prog(c, "base")->priority, 30);
        _cleanup_free_ char *web = NULL;
        ASSERT_TRUE(asprintf(&web, "%s/web", sub) > 0);
        ARGV_IS(prog(c, "web")->argv, web);
        ARGV_IS(prog(c, "ini")->argv, "/bin/ini");
        ASSERT_NULL(config_find_program(c, "nope"));
        ASSERT_EQ(strv_length(c->files), 4);
        ASSERT_STREQ(c->files[0], main_path);
        ASSERT_STR_CONTAINS(c->files[1], "conf.d/a.conf");
        ASSERT_STR_CONTAINS(c->files[2], "conf.d/b.conf");
        ASSERT_STR_CONTAINS(c->files[3], "abs/x.ini");
        ASSERT_TRUE(has_diag(c, false, 6, "No file matches via include"));
        ASSERT_TRUE(has_diag(c, false, 6, "none/*.conf"));
        ASSERT_TRUE(has_diag(c, false, 7, "[include] in an included file is not followed"));
        /* sorted by (priority, name) */
        ASSERT_STREQ(c->programs[0]->name, "web");
        ASSERT_STREQ(c->programs[1]->name, "base");
        ASSERT_STREQ(c->programs[2]->name, "ini");
        tests_rm_rf(dir);
}

TEST(dropin_directory) {
        _cleanup_free_ char *dir = make_tmpdir(), *sub = NULL, *main_path = NULL;
        _cleanup_(config_freep) Config *c = NULL;

        ASSERT_TRUE(asprintf(&sub, "%s/conf.d", dir) > 0);
        ASSERT_OK_ERRNO(mkdir(sub, 0755));
        write_file(dir, "cgsup.conf", "[cgsupd]\nloglevel=warn\n[program:a]\ncommand=/bin/a\n");
        write_file(sub, "10-b.conf", "[cgsupd]\nloglevel=error\n[program:b]\ncommand=/bin/b\n");
        write_file(sub, "20-a.conf", "[program:a]\ncommand=/bin/a2\n");
        ASSERT_TRUE(asprintf(&main_path, "%s/cgsup.conf", dir) > 0);

        ASSERT_OK(config_load_with_dropins(main_path, sub, test_env, &c));
        ASSERT_EQ(c->daemon.loglevel, LOG_ERR);
        ARGV_IS(prog(c, "a")->argv, "/bin/a2");
        ARGV_IS(prog(c, "b")->argv, "/bin/b");
        c = config_free(c);

        /* -c FILE that is not the default: no drop-ins */
        ASSERT_OK(config_load(main_path, test_env, &c));
        ARGV_IS(prog(c, "a")->argv, "/bin/a");
        ASSERT_NULL(config_find_program(c, "b"));
        c = config_free(c);

        ASSERT_ERROR(config_load("/nonexistent/cgsup.conf", test_env, &c), ENOENT);
        ASSERT_NULL(c);
        tests_rm_rf(dir);
}

/* ---- program keys -------------------------------------------------------------------------------- */

TEST(defaults_match_supervisord) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:d]\ncommand=/bin/d\n", c);
        const ProgramConfig *p = prog(c, "d");
        ASSERT_STREQ(p->name, "d");
        ASSERT_STREQ(p->program_name, "d");
        ASSERT_STREQ(p->group_name, "d");
        ASSERT_FALSE(p->in_group);
        ASSERT_EQ(p->numprocs, 1);
        ASSERT_EQ(p->process_num, 0);
        ASSERT_EQ(p->priority, 999);
        ASSERT_TRUE(p->autostart);
        ASSERT_EQ(p->autorestart, AUTORESTART_UNEXPECTED);
        ASSERT_EQ(p->startsecs, 1 * USEC_PER_SEC);
        ASSERT_EQ(p->startretries, 3);
        ASSERT_TRUE(program_config_exitcode_expected(p, 0));
        for (int i = 1; i < 256; i++)
                ASSERT_FALSE(program_config_exitcode_expected(p, i));
        ASSERT_EQ(p->stopsignal, SIGTERM);
        ASSERT_EQ(p->stopwaitsecs, 10 * USEC_PER_SEC);
        ASSERT_FALSE(p->stopasgroup);
        ASSERT_FALSE(p->killasgroup);
        ASSERT_NULL(p->user);
        ASSERT_NULL(p->directory);
        ASSERT_EQ(p->umask, -1);
        ASSERT_EQ(strv_length(p->environment), 0);
        ASSERT_FALSE(p->redirect_stderr);
        ASSERT_EQ(p->type, PROGRAM_TYPE_SIMPLE);
        /* AUTO logs: <childlogdir>/<name>-<channel>---<identifier>-<8 chars>.log, 50MB x 10 */
        ASSERT_TRUE(p->stdout_log.automatic);
        ASSERT_STR_CONTAINS(p->stdout_log.path, "/var/tmp/d-stdout---cgsup-");
        ASSERT_EQ(strlen(p->stdout_log.path), strlen("/var/tmp/d-stdout---cgsup-") + 8 + 4);
        ASSERT_STR_CONTAINS(p->stderr_log.path, "/var/tmp/d-stderr---cgsup-");
        ASSERT_EQ(p->stdout_log.maxbytes, 50 * 1024 * 1024);
        ASSERT_EQ(p->stdout_log.backups, 10);
        ASSERT_FALSE(p->stdout_log.syslog);
        ASSERT_EQ(p->limits.set, 0);
        ASSERT_NULL(p->syscall_filter);
        ASSERT_FALSE(p->no_new_privileges);
        ASSERT_EQ(p->n_depends_on, 0);
        ASSERT_EQ(p->backoff_initial, 1 * USEC_PER_SEC);
        ASSERT_EQ(p->backoff_max, 30 * USEC_PER_SEC);
        ASSERT_TRUE(p->backoff_multiplier == 2.0);
        ASSERT_EQ(p->health[HEALTH_READINESS].type, HEALTH_NONE);
        ASSERT_EQ(p->health[HEALTH_READINESS].interval, 10 * USEC_PER_SEC);
        ASSERT_EQ(p->health[HEALTH_READINESS].timeout, 5 * USEC_PER_SEC);
        ASSERT_EQ(p->health[HEALTH_READINESS].retries, 3);
        ASSERT_EQ(p->health[HEALTH_READINESS].start_period, 0);
        ASSERT_STREQ(p->source_file, TEST_PATH);
        ASSERT_EQ(p->source_line, 1);

        const DaemonConfig *d = &c->daemon;
        ASSERT_NULL(d->logfile);
        ASSERT_EQ(d->logfile_maxbytes, 50 * 1024 * 1024);
        ASSERT_EQ(d->logfile_backups, 10);
        ASSERT_EQ(d->loglevel, LOG_INFO);
        ASSERT_FALSE(d->nodaemon);
        ASSERT_STREQ(d->childlogdir, "/var/tmp"); /* $TMPDIR, as tempfile.gettempdir() */
        ASSERT_EQ(d->umask, -1);
        ASSERT_EQ(d->minfds, 1024);
        ASSERT_EQ(d->minprocs, 200);
        ASSERT_STREQ(d->identifier, "cgsup");
        ASSERT_EQ(d->shutdown_timeout, 60 * USEC_PER_SEC);

        /* program_config_init_defaults() is what RunTransient starts from */
        ProgramConfig q;
        program_config_init_defaults(&q);
        ASSERT_EQ(q.priority, 999);
        ASSERT_TRUE(q.autostart);
        ASSERT_EQ(q.autorestart, AUTORESTART_UNEXPECTED);
        ASSERT_TRUE(program_config_exitcode_expected(&q, 0));
}

TEST(autorestart_values) {
        static const struct {
                const char *v;
                AutoRestart a;
        } t[] = {
                { "true", AUTORESTART_TRUE },   { "false", AUTORESTART_FALSE },
                { "unexpected", AUTORESTART_UNEXPECTED }, { "Unexpected", AUTORESTART_UNEXPECTED },
                { "yes", AUTORESTART_TRUE },    { "off", AUTORESTART_FALSE },
                { "1", AUTORESTART_TRUE },      { "0", AUTORESTART_FALSE },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\nautorestart=%s\n", t[i].v) > 0);
                LOAD_OK(text, c);
                ASSERT_EQ(prog(c, "a")->autorestart, t[i].a);
        }
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_FAILS("[program:a]\ncommand=/bin/a\nautorestart=sometimes\n", c);
        ASSERT_TRUE(has_diag(c, true, 3,
                             "[program:a] autorestart=sometimes: must be true, false or unexpected"));
        ASSERT_STREQ(autorestart_to_string(AUTORESTART_UNEXPECTED), "unexpected");
        ASSERT_EQ(autorestart_from_string(NULL), _AUTORESTART_INVALID);
}

TEST(exitcodes_lists) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:a]\ncommand=/bin/a\nexitcodes=0,2\n"
                "[program:b]\ncommand=/bin/b\nexitcodes= 1 , 255\n"
                "[program:c]\ncommand=/bin/c\nexitcodes=\n",
                c);
        const ProgramConfig *a = prog(c, "a"), *b = prog(c, "b"), *e = prog(c, "c");
        ASSERT_TRUE(program_config_exitcode_expected(a, 0));
        ASSERT_TRUE(program_config_exitcode_expected(a, 2));
        ASSERT_FALSE(program_config_exitcode_expected(a, 1));
        ASSERT_FALSE(program_config_exitcode_expected(b, 0));
        ASSERT_TRUE(program_config_exitcode_expected(b, 1));
        ASSERT_TRUE(program_config_exitcode_expected(b, 255));
        ASSERT_FALSE(program_config_exitcode_expected(b, 256));
        ASSERT_FALSE(program_config_exitcode_expected(b, -1));
        for (int i = 0; i < 256; i++)
                ASSERT_FALSE(program_config_exitcode_expected(e, i));

        static const char *const bad[] = { "256", "-1", "0,,2", "a", "0;2", "1,", "0x1" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\nexitcodes=%s\n", bad[i]) > 0);
                LOAD_FAILS(text, d);
                ASSERT_TRUE(has_diag(d, true, 3, "exit codes 0..255"));
        }
}

TEST(signals) {
        static const struct {
                const char *v;
                int sig;
        } t[] = {
                { "TERM", SIGTERM }, { "QUIT", SIGQUIT }, { "SIGINT", SIGINT }, { "hup", SIGHUP },
                { "9", SIGKILL },    { "USR2", SIGUSR2 }, { "SIGWINCH", SIGWINCH },
        };
        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\nstopsignal=%s\n", t[i].v) > 0);
                LOAD_OK(text, c);
                ASSERT_EQ(prog(c, "a")->stopsignal, t[i].sig);
        }
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_FAILS("[program:a]\ncommand=/bin/a\nstopsignal=SIGFOO\n", c);
        ASSERT_TRUE(has_diag(c, true, 3, "[program:a] stopsignal=SIGFOO: unknown signal"));
}

TEST(durations_sizes_and_scalars) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:a]\ncommand=/bin/a\nstartsecs=5\nstopwaitsecs=3600\nstartretries=0\n"
                "backoff_initial=500ms\nbackoff_max=2min\nbackoff_multiplier=1.5\n"
                "stdout_logfile=/var/log/a.log\nstdout_logfile_maxbytes=10MB\nstdout_logfile_backups=3\n"
                "stderr_logfile=NONE\nstderr_logfile_maxbytes=1KB\numask=022\nuser=www-data\n"
                "stopasgroup=true\nkillasgroup=true\nredirect_stderr=false\n"
                "stdout_capture_maxbytes=1MB\nstdout_events_enabled=true\nserverurl=AUTO\n"
                "syscall_filter=@system-service\nno_new_privileges=yes\npriority=-5\n",
                c);
        const ProgramConfig *p = prog(c, "a");
        ASSERT_EQ(p->startsecs, 5 * USEC_PER_SEC);
        ASSERT_EQ(p->stopwaitsecs, 3600 * USEC_PER_SEC);
        ASSERT_EQ(p->startretries, 0);
        ASSERT_EQ(p->backoff_initial, 500 * USEC_PER_MSEC);
        ASSERT_EQ(p->backoff_max, 120 * USEC_PER_SEC);
        ASSERT_TRUE(p->backoff_multiplier == 1.5);
        ASSERT_STREQ(p->stdout_log.path, "/var/log/a.log");
        ASSERT_FALSE(p->stdout_log.automatic);
        ASSERT_EQ(p->stdout_log.maxbytes, 10 * 1024 * 1024);
        ASSERT_EQ(p->stdout_log.backups, 3);
        ASSERT_NULL(p->stderr_log.path);
        ASSERT_FALSE(p->stderr_log.automatic);
        ASSERT_EQ(p->stderr_log.maxbytes, 1024);
        ASSERT_EQ(p->umask, 022);
        ASSERT_STREQ(p->user, "www-data");
        ASSERT_TRUE(p->stopasgroup);
        ASSERT_TRUE(p->killasgroup);
        ASSERT_STREQ(p->syscall_filter, "@system-service");
        ASSERT_TRUE(p->no_new_privileges);
        ASSERT_EQ(p->priority, -5);
        ASSERT_EQ(c->n_diags, 0);

        static const char *const bad[] = {
                "startsecs=soon", "startretries=-1", "priority=high", "umask=999", "umask=abc",
                "stdout_logfile_maxbytes=50XB", "backoff_multiplier=0.5", "autostart=maybe",
                "redirect_stderr=2", "type=daemon", "healthcheck_type=udp", "depends_on=a:done",
                "stopasgroup=true\nkillasgroup=false",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\n%s\n", bad[i]) > 0);
                int r = load(text, &d);
                if (r != -EINVAL) {
                        conf_tests_dump_diags(d);
                        tests_fail(__FILE__, __LINE__, "'%s' was accepted", bad[i]);
                }
                ASSERT_STR_CONTAINS(config_first_error(d), "[program:a]");
        }
}

TEST(killasgroup_follows_stopasgroup) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:a]\ncommand=/bin/a\nstopasgroup=true\n", c);
        ASSERT_TRUE(prog(c, "a")->killasgroup);
}

TEST(environment_parsing) {
        static const struct {
                const char *in;
                const char *const out[5];
        } ok[] = {
                { "A=1", { "A=1" } },
                { "A=\"x,y\",B='q r'", { "A=x,y", "B=q r" } },
                { "A=\"1\", B=\"2\",", { "A=1", "B=2" } },
                { "\nA=\"1\",\n  B=/usr/bin:/bin,\n  C=a.b+c-d", { "A=1", "B=/usr/bin:/bin", "C=a.b+c-d" } },
                { "A=1,A=2", { "A=2" } },
                { "A=\"\"", { "A=" } },
                { "PATH=\"/opt/bin:%(x)s\"", { "PATH=/opt/bin:%(x)s" } },
                { "", {} },
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_strv_free_ char **env = NULL;
                const char *why = NULL;
                ASSERT_OK(conf_parse_environment(ok[i].in, &env, &why));
                size_t n = 0;
                for (; ok[i].out[n]; n++)
                        ASSERT_STREQ(env[n], ok[i].out[n]);
                ASSERT_EQ(strv_length(env), n);
        }
        static const char *const bad[] = { "A", "A=\"unterminated", "A=1,B", "=1", "A=$x" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **env = NULL;
                const char *why = NULL;
                ASSERT_ERROR(conf_parse_environment(bad[i], &env, &why), EINVAL);
                ASSERT_NOT_NULL(why);
        }
}

TEST(shlex_cases) {
        static const struct {
                const char *in;
                const char *const out[6];
        } ok[] = {
                {"a b  c", {"a", "b", "c"}},
                {"nginx -g \"daemon off;\"", {"nginx", "-g", "daemon off;"}},
                {"sh -c 'echo \"$HOME\" && exit 3'", {"sh", "-c", "echo \"$HOME\" && exit 3"}},
                {"wine C:\\\\Program\\ Files\\ (x86)\\\\x.exe", {"wine", "C:\\Program Files (x86)\\x.exe"}},
                {"a\n  b\tc", {"a", "b", "c"}},
                {"x \"\" ''", {"x", "", ""}},
                {"say \"a \\\"q\\\" \\n\"", {"say", "a \"q\" \\n"}},
                {"a'b'\"c\"d", {"abcd"}},
                {"-display :99 \"1920\"x\"1080\"x24", {"-display", ":99", "1920x1080x24"}},
        };
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                _cleanup_strv_free_ char **argv = NULL;
                const char *why = NULL;
                ASSERT_OK(conf_shlex_split(ok[i].in, &argv, &why));
                argv_is(argv, ok[i].out);
        }
        static const char *const bad[] = { "a \"b", "a 'b", "a \\" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_strv_free_ char **argv = NULL;
                const char *why = NULL;
                ASSERT_ERROR(conf_shlex_split(bad[i], &argv, &why), EINVAL);
                ASSERT_NOT_NULL(why);
        }
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_FAILS("[program:a]\ncommand=\"  \n[program:b]\ncommand=   \n[program:c]\npriority=1\n", c);
        ASSERT_TRUE(has_diag(c, true, 2, "no closing quotation"));
        ASSERT_TRUE(has_diag(c, true, 4, "[program:b] command=: empty command"));
        ASSERT_TRUE(has_diag(c, true, 5, "[program:c] has no command="));
}

TEST(logs_redirect_and_streams) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:docker]\ncommand=/bin/a\nstdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\n"
                "redirect_stderr=true\n"
                "[program:confluent]\ncommand=/bin/b\nstdout_logfile=/dev/stdout\nstderr_logfile=/dev/fd/2\n"
                "[program:sys]\ncommand=/bin/"
                "c\nstdout_logfile=syslog\nstderr_syslog=true\nstderr_logfile=Off\n"
                "[program:both]\ncommand=/bin/d\nredirect_stderr=true\nstderr_logfile=/var/log/err.log\n"
                "[program:proc]\ncommand=/bin/e\nstdout_logfile=/proc/1/fd/1\nstdout_logfile_maxbytes=0\n",
                c);
        const ProgramConfig *p = prog(c, "docker");
        ASSERT_STREQ(p->stdout_log.path, "/dev/stdout");
        ASSERT_EQ(p->stdout_log.maxbytes, 0);
        ASSERT_TRUE(p->redirect_stderr);
        ASSERT_NULL(p->stderr_log.path);
        ASSERT_FALSE(p->stderr_log.automatic);

        p = prog(c, "confluent"); /* /dev/stdout without maxbytes=0: cannot be rotated, forced to 0 */
        ASSERT_EQ(p->stdout_log.maxbytes, 0);
        ASSERT_EQ(p->stderr_log.maxbytes, 0);
        ASSERT_TRUE(has_diag(c, false, 8, "stdout_logfile=/dev/stdout cannot be rotated"));
        ASSERT_TRUE(has_diag(c, false, 9, "stderr_logfile=/dev/fd/2 cannot be rotated"));

        p = prog(c, "sys");
        ASSERT_NULL(p->stdout_log.path);
        ASSERT_TRUE(p->stdout_log.syslog);
        ASSERT_NULL(p->stderr_log.path);
        ASSERT_TRUE(p->stderr_log.syslog);

        ASSERT_TRUE(has_diag(c, false, 18, "redirect_stderr=true but stderr_logfile is also set"));
        ASSERT_NULL(prog(c, "both")->stderr_log.path);
        ASSERT_EQ(prog(c, "proc")->stdout_log.maxbytes, 0);
        /* docker and proc set maxbytes=0 themselves: no warning for them */
        ASSERT_FALSE(has_diag(c, false, 3, "cannot be rotated"));
        ASSERT_FALSE(has_diag(c, false, 20, "cannot be rotated"));
}

TEST(type_notify_pidfile_health) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:n]\ncommand=/bin/n\nnotify=true\n"
                "[program:f]\ncommand=service x start\ntype=forking\npidfile=/run/x.pid\n"
                "[program:o]\ncommand=/bin/o\ntype=oneshot\n"
                "[program:p]\ncommand=/bin/p\npidfile=/run/p.pid\n"
                "[program:h1]\ncommand=/bin/h\nhealthcheck_target=127.0.0.1:80\n"
                "[program:h2]\ncommand=/bin/h\nhealthcheck_target=http://localhost:8080/health\n"
                "healthcheck_interval=30s\nhealthcheck_timeout=2\nhealthcheck_retries=5\n"
                "healthcheck_start_period=1min\n"
                "[program:h3]\ncommand=/bin/h\nhealthcheck_type=exec\nhealthcheck_command=pg_isready -q\n",
                c);
        ASSERT_EQ(prog(c, "n")->type, PROGRAM_TYPE_NOTIFY);
        ASSERT_EQ(prog(c, "f")->type, PROGRAM_TYPE_FORKING);
        ASSERT_STREQ(prog(c, "f")->pidfile, "/run/x.pid");
        ASSERT_EQ(prog(c, "o")->type, PROGRAM_TYPE_ONESHOT);
        ASSERT_TRUE(has_diag(c, false, 13, "pidfile= only has an effect with type=forking"));
        ASSERT_EQ(prog(c, "h1")->health[HEALTH_READINESS].type, HEALTH_TCP);
        ASSERT_STREQ(prog(c, "h1")->health[HEALTH_READINESS].target, "127.0.0.1:80");
        const ProgramConfig *h = prog(c, "h2");
        ASSERT_EQ(h->health[HEALTH_READINESS].type, HEALTH_HTTP);
        ASSERT_EQ(h->health[HEALTH_READINESS].interval, 30 * USEC_PER_SEC);
        ASSERT_EQ(h->health[HEALTH_READINESS].timeout, 2 * USEC_PER_SEC);
        ASSERT_EQ(h->health[HEALTH_READINESS].retries, 5);
        ASSERT_EQ(h->health[HEALTH_READINESS].start_period, 60 * USEC_PER_SEC);
        ARGV_IS(prog(c, "h3")->health[HEALTH_READINESS].command, "pg_isready", "-q");
        ASSERT_EQ(prog(c, "h3")->health[HEALTH_READINESS].type, HEALTH_EXEC);

        static const char *const bad[] = {"notify=true\ntype=forking", "healthcheck_type=tcp",
                                          "healthcheck_type=exec", "backoff_initial=1min\nbackoff_max=10s"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\n%s\n", bad[i]) > 0);
                LOAD_FAILS(text, d);
        }
        ASSERT_EQ(program_type_from_string("forking"), PROGRAM_TYPE_FORKING);
        ASSERT_EQ(health_type_from_string("log_line"), HEALTH_LOG_LINE);
        ASSERT_STREQ(health_kind_to_string(HEALTH_LIVENESS), "liveness");
        ASSERT_STREQ(program_type_to_string(PROGRAM_TYPE_ONESHOT), "oneshot");
        ASSERT_EQ(health_type_from_string("HTTP"), HEALTH_HTTP);
        ASSERT_STREQ(health_type_to_string(HEALTH_EXEC), "exec");
        ASSERT_EQ(depend_condition_from_string("healthy"), DEPEND_HEALTHY);
        ASSERT_STREQ(depend_condition_to_string(DEPEND_COMPLETED), "completed");
        ASSERT_EQ(program_type_from_string("nope"), _PROGRAM_TYPE_INVALID);
}

/* ---- diagnostics ---------------------------------------------------------------------------------- */

TEST(unknown_keys_and_sections_warn) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[supervisord]\n"
                "nodaemon=true\n"
                "unmask=022\n"
                "[program:a]\n"
                "comand=/bin/typo\n"
                "command=/bin/a\n"
                "stdout_backups=3\n"
                "redirect_stdout=true\n"
                "[unix_http_server]\n"
                "file=/var/run/supervisor.sock\n"
                "chmod=0700\n"
                "[inet_http_server]  ; comment\n"
                "port=*:9001\n"
                "[supervisorctl]\n"
                "serverurl=unix:///var/run/supervisor.sock\n"
                "[rpcinterface:supervisor]\n"
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                "[eventlistener:crash]\n"
                "command=/bin/crash\n"
                "events=PROCESS_STATE_FATAL\n"
                "[fcgi-program:php]\n"
                "command=/usr/bin/php-cgi\n"
                "socket=tcp://localhost:9000\n"
                "[programm:typo]\n"
                "command=/bin/x\n",
                c);
        ASSERT_TRUE(
                has_diag(c, false, 3, "Unknown key 'unmask' in [cgsupd], ignoring (did you mean 'umask'?)"));
        ASSERT_TRUE(has_diag(c, false, 5,
                             "Unknown key 'comand' in [program:a], ignoring (did you mean 'command'?)"));
        ASSERT_TRUE(has_diag(c, false, 7, "Unknown key 'stdout_backups'"));
        ASSERT_TRUE(has_diag(c, false, 8, "Unknown key 'redirect_stdout'"));
        ASSERT_TRUE(has_diag(c, false, 9, "[unix_http_server] is not used"));
        ASSERT_TRUE(has_diag(c, false, 12, "[inet_http_server] is not used"));
        ASSERT_TRUE(has_diag(c, false, 14, "[supervisorctl] is not used"));
        ASSERT_TRUE(has_diag(c, false, 16, "[rpcinterface:supervisor] is not used"));
        ASSERT_FALSE(has_diag(c, false, 18, "not used")); /* [eventlistener:x] is a pool now */
        ASSERT_TRUE(prog(c, "crash")->event_listener);
        ASSERT_TRUE(has_diag(c, false, 21, "FastCGI programs are not supported"));
        ASSERT_TRUE(has_diag(c, false, 24, "Unknown section [programm:typo]"));
        for (size_t i = 0; i < c->n_diags; i++) {
                ASSERT_FALSE(c->diags[i].error);
                ASSERT_STREQ(c->diags[i].file, TEST_PATH);
        }
        ASSERT_EQ(c->n_programs, 2); /* a, and the listener crash */
        ASSERT_NULL(config_first_error(c));
}

TEST(lint_orphaned_keys) {
        /* EMSTrack: "[include]" commented out, its files= lands in [supervisorctl] */
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[supervisorctl]\nserverurl=unix:///tmp/s.sock\n;[include]\nfiles = "
                "/etc/supervisor/conf.d/*.conf\n"
                "[unix_http_server]\nfile=/tmp/s.sock\ncommand=/bin/x\n",
                c);
        ASSERT_TRUE(has_diag(c, false, 4,
                             "Key 'files' does not belong in [supervisorctl] (is the [include] header "
                             "above it commented out?)"));
        ASSERT_TRUE(has_diag(c, false, 7, "Key 'command' does not belong in [unix_http_server]"));
        ASSERT_EQ(c->n_programs, 0);
}

TEST(bad_value_error_names_file_line_section_key_value) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_FAILS("[program:web]\ncommand=/bin/web\n\nstartretries=many\n", c);
        ASSERT_STREQ(config_first_error(c),
                     TEST_PATH ":4: [program:web] startretries=many: not a non-negative integer");
        ASSERT_EQ(n_errors(c), 1);
}

TEST(lint_templates) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:a]\ncommand=/bin/a --user {{ user }}\n", c);
        ASSERT_TRUE(has_diag(c, false, 2, "'{{ }}' template placeholder"));
}

/* ---- dependencies --------------------------------------------------------------------------------- */

TEST(depends_on) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:db]\ncommand=/bin/db\n"
                "[program:migrate]\ncommand=/bin/migrate\ntype=oneshot\ndepends_on=db:healthy\n"
                "[program:web]\ncommand=/bin/web\nnumprocs=2\nprocess_name=web_%(process_num)d\n"
                "depends_on = db, migrate:completed\n"
                "[program:front]\ncommand=/bin/front\ndepends_on=web_1 db:started\n",
                c);
        const ProgramConfig *w = prog(c, "web_1");
        ASSERT_EQ(w->n_depends_on, 2);
        ASSERT_STREQ(w->depends_on[0].name, "db");
        ASSERT_EQ(w->depends_on[0].condition, DEPEND_STARTED);
        ASSERT_STREQ(w->depends_on[1].name, "migrate");
        ASSERT_EQ(w->depends_on[1].condition, DEPEND_COMPLETED);
        ASSERT_EQ(prog(c, "migrate")->depends_on[0].condition, DEPEND_HEALTHY);
        ASSERT_EQ(prog(c, "front")->n_depends_on, 2);
}

TEST(depends_on_cycle_and_unknown) {
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_FAILS("[program:a]\ncommand=/bin/a\ndepends_on=b\n"
                           "[program:b]\ncommand=/bin/b\ndepends_on=c\n"
                           "[program:c]\ncommand=/bin/c\ndepends_on=a\n"
                           "[program:d]\ncommand=/bin/d\ndepends_on=a\n",
                           c);
                ASSERT_TRUE(has_diag(c, true, 0, "Dependency cycle in depends_on: "));
                ASSERT_STR_CONTAINS(config_first_error(c), TEST_PATH ":");
                ASSERT_TRUE(has_diag(c, true, 0, "a -> b -> c -> a") ||
                            has_diag(c, true, 0, "b -> c -> a -> b") ||
                            has_diag(c, true, 0, "c -> a -> b -> c"));
        }
        ASSERT_LOAD_DIAG(load, "[program:a]\ncommand=/bin/a\ndepends_on=a\n",
                         3, "Dependency cycle in depends_on: a -> a");
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_FAILS("[program:a]\ncommand=/bin/a\n\ndepends_on=ghost\n", c);
                ASSERT_STREQ(config_first_error(c),
                             TEST_PATH ":4: [program:a] depends_on names unknown program 'ghost'.");
        }
}

TEST(depends_on_log_ready) {
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_OK("[program:db]\ncommand=/bin/db\nreadiness_log_line=^ready\n"
                        "[program:web]\ncommand=/bin/web\ndepends_on=db:log_ready\n",
                        c);
                ASSERT_EQ(prog(c, "web")->depends_on[0].condition, DEPEND_LOG_READY);
        }
        {
                /* healthcheck_log_line sets the readiness check too */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_OK("[program:db]\ncommand=/bin/db\nhealthcheck_log_line=up\n"
                        "[program:web]\ncommand=/bin/web\ndepends_on=db:log_ready\n",
                        c);
        }
        {
                /* a tcp readiness check is not a log line: a load error naming both keys' owner */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_FAILS("[program:db]\ncommand=/bin/db\nreadiness_target=127.0.0.1:5432\n"
                           "[program:web]\ncommand=/bin/web\n\ndepends_on=db:log_ready\n",
                           c);
                ASSERT_STREQ(config_first_error(c),
                             TEST_PATH ":7: [program:web] depends_on=db:log_ready, but db has no log-line readiness "
                             "check (readiness_log_line= or healthcheck_log_line=).");
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_FAILS("[program:db]\ncommand=/bin/db\n[program:web]\ncommand=/bin/web\ndepends_on=db:log_ready\n",
                           c);
                ASSERT_TRUE(has_diag(c, true, 5, "db has no log-line readiness check"));
        }
}

/* ---- limits and groups ---------------------------------------------------------------------------- */

TEST(limit_keys) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:a]\ncommand=/bin/a\nmemory_max=512M\nmemory_high=400M\nmemory_swap_max=0\n"
                "pids_max=100\ncpu_quota=150%\ncpu_weight=200\nio_weight=50\n",
                c);
        const CgsupLimits *l = &prog(c, "a")->limits;
        ASSERT_TRUE(cgsup_limits_is_set(l, CGSUP_LIMIT_MEMORY_MAX));
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_MEMORY_MAX], 512ULL * 1024 * 1024);
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_MEMORY_HIGH], 400ULL * 1024 * 1024);
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_MEMORY_SWAP_MAX], 0);
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_PIDS_MAX], 100);
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_CPU_QUOTA], 15000);
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_CPU_WEIGHT], 200);
        ASSERT_EQ_U64(l->value[CGSUP_LIMIT_IO_WEIGHT], 50);
        c = config_free(c);

        LOAD_OK("[program:a]\ncommand=/bin/a\nmemory_max=max\npids_max=infinity\n", c);
        ASSERT_EQ_U64(prog(c, "a")->limits.value[CGSUP_LIMIT_MEMORY_MAX], CGSUP_LIMIT_INFINITY);

        static const char *const bad[] = {"memory_max=lots", "memory_high=-1", "pids_max=many",
                                          "cpu_quota=fast",  "cpu_weight=0",   "cpu_weight=10001",
                                          "io_weight=x",     "pids_max=0"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\n%s\n", bad[i]) > 0);
                LOAD_FAILS(text, d);
                ASSERT_TRUE(has_diag(d, true, 3, bad[i]));
        }
}

TEST(groups) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[group:web]\nprograms=nginx,php-fpm\npriority=10\nmemory_max=1G\npids_max=500\n"
                "[program:nginx]\ncommand=nginx -g \"daemon off;\"\npriority=20\n"
                "[program:php-fpm]\ncommand=php-fpm -F\n"
                "[program:cron]\ncommand=cron -f\n",
                c);
        ASSERT_EQ(c->n_groups, 1);
        const GroupConfig *g = c->groups[0];
        ASSERT_STREQ(g->name, "web");
        ASSERT_EQ(g->priority, 10);
        ASSERT_EQ(strv_length(g->programs), 2);
        ASSERT_EQ_U64(g->limits.value[CGSUP_LIMIT_MEMORY_MAX], 1ULL << 30);
        ASSERT_EQ_U64(g->limits.value[CGSUP_LIMIT_PIDS_MAX], 500);
        ASSERT_TRUE(cgsup_limits_is_set(&g->limits, CGSUP_LIMIT_MEMORY_MAX));
        ASSERT_FALSE(cgsup_limits_is_set(&g->limits, CGSUP_LIMIT_CPU_WEIGHT));
        ASSERT_EQ(g->source_line, 1);
        ASSERT_STREQ(prog(c, "nginx")->group_name, "web");
        ASSERT_TRUE(prog(c, "nginx")->in_group);
        ASSERT_STREQ(prog(c, "php-fpm")->group_name, "web");
        ASSERT_STREQ(prog(c, "cron")->group_name, "cron");
        ASSERT_FALSE(prog(c, "cron")->in_group);
        /* (priority, name): nginx 20, then cron and php-fpm at 999 */
        ASSERT_STREQ(c->programs[0]->name, "nginx");
        ASSERT_STREQ(c->programs[1]->name, "cron");
        ASSERT_STREQ(c->programs[2]->name, "php-fpm");
        c = config_free(c);

        LOAD_FAILS("[group:g]\nprograms=a,ghost\n[program:a]\ncommand=/bin/a\n", c);
        ASSERT_TRUE(has_diag(c, true, 2, "[group:g] names unknown program 'ghost'"));
        c = config_free(c);

        LOAD_FAILS("[group:g]\nprograms=a\nmemory_max=huge\n[program:a]\ncommand=/bin/a\n", c);
        ASSERT_TRUE(has_diag(c, true, 3, "[group:g] memory_max=huge"));
        c = config_free(c);

        /* supervisord runs a program listed by two groups once in each (g1:a, g2:a); cgsup names an instance
         * (its D-Bus object, its cgsupctl name) by its name alone, so the second group is refused, naming
         * both, and the first keeps the program (no second error about the name). */
        LOAD_FAILS("[group:g1]\nprograms=a\n[group:g2]\nprograms=a\n[program:a]\ncommand=/bin/a\n", c);
        ASSERT_TRUE(has_diag(c, true, 4,
                             "[group:g2] lists program 'a', which [group:g1] (" TEST_PATH ":2) lists too"));
        ASSERT_EQ(n_errors(c), 1);
        ASSERT_EQ(c->n_programs, 1);
        ASSERT_STREQ(prog(c, "a")->group_name, "g1");
        c = config_free(c);

        /* ... and so is each further group, against the first one; numprocs changes nothing */
        LOAD_FAILS("[group:g1]\nprograms=b,a\n[group:g2]\nprograms=a\n[group:g3]\nprograms=c,a\n"
                   "[program:a]\ncommand=/bin/a\nnumprocs=2\nprocess_name=%(program_name)s_%(process_num)d\n"
                   "[program:b]\ncommand=/bin/b\n[program:c]\ncommand=/bin/c\n",
                   c);
        ASSERT_TRUE(
                has_diag(c, true, 4, "[group:g2] lists program 'a', which [group:g1] (" TEST_PATH ":2)"));
        ASSERT_TRUE(
                has_diag(c, true, 6, "[group:g3] lists program 'a', which [group:g1] (" TEST_PATH ":2)"));
        ASSERT_EQ(n_errors(c), 2);
        c = config_free(c);

        /* One group listing a program twice: supervisord keeps one instance (its group is a dict by name),
         * so does cgsup, with a warning at the line */
        LOAD_OK("[group:g]\nprograms=a, a,b\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n", c);
        ASSERT_EQ(c->n_programs, 2);
        ASSERT_STREQ(prog(c, "a")->group_name, "g");
        ASSERT_TRUE(has_diag(c, false, 2, "[group:g] lists program 'a' twice"));
        c = config_free(c);

        LOAD_FAILS("[group:a]\nprograms=b\n[program:a]\ncommand=/bin/a\n[program:b]\ncommand=/bin/b\n", c);
        ASSERT_TRUE(has_diag(c, true, 3, "[program:a] is in no group, but [group:a] exists"));
        c = config_free(c);

        LOAD_FAILS("[program:a]\ncommand=/bin/a\nprocess_name=same\n[group:g]\nprograms=a,b\n"
                   "[program:b]\ncommand=/bin/b\nprocess_name=same\n",
                   c);
        ASSERT_TRUE(has_diag(c, true, 0, "Process name 'same' in group 'g'"));
        c = config_free(c);

        /* Instance names are unique across groups too (supervisord only asks for group:name): two programs
         * with one process_name in two groups, a member named like an ungrouped program, a listener named
         * like a program */
        LOAD_FAILS("[program:a]\ncommand=/bin/a\nprocess_name=same\n[program:b]\ncommand=/bin/b\n"
                   "process_name=same\n[group:g1]\nprograms=a\n[group:g2]\nprograms=b\n",
                   c);
        ASSERT_TRUE(
                has_diag(c, true, 0,
                         "Process name 'same' is used by [program:a] in group 'g1' and [program:b] in group "
                         "'g2': instance names are unique in cgsup"));
        c = config_free(c);
        LOAD_FAILS("[program:x]\ncommand=/bin/x\n[program:b]\ncommand=/bin/b\nprocess_name=x\n"
                   "[group:g]\nprograms=b\n",
                   c);
        ASSERT_TRUE(has_diag(c, true, 0,
                             "Process name 'x' is used by [program:b] in group 'g' and [program:x]"));
        c = config_free(c);
        LOAD_FAILS("[program:x]\ncommand=/bin/x\n[eventlistener:x]\ncommand=/bin/l\nevents=TICK_5\n", c);
        ASSERT_TRUE(has_diag(c, true, 0,
                             "Process name 'x' in group 'x' is used by [eventlistener:x] and [program:x]"));
}

/* ---- equality and copies -------------------------------------------------------------------------- */

TEST(program_config_equal_for_restart) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;
        const char *base = "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\n";
        _cleanup_free_ char *t = NULL;

        LOAD_OK(base, a);
        LOAD_OK(base, b);
        /* identical config; AUTO log names are stable across loads (reload, adoption) */
        ASSERT_TRUE(program_config_equal_for_restart(prog(a, "x"), prog(b, "x")));
        ASSERT_STREQ(prog(a, "x")->stdout_log.path, prog(b, "x")->stdout_log.path);
        ASSERT_TRUE(!streq(prog(a, "x")->stdout_log.path, prog(a, "x")->stderr_log.path));
        b = config_free(b);

        /* live-applicable changes: limits, priority, autostart, ... */
        ASSERT_TRUE(asprintf(&t, "%smemory_max=1G\npriority=1\nautostart=false\nautorestart=true\n"
                                 "stopwaitsecs=99\nstartsecs=7\n", base) > 0);
        LOAD_OK(t, b);
        ASSERT_TRUE(program_config_equal_for_restart(prog(a, "x"), prog(b, "x")));
        b = config_free(b);

        static const char *const restart[] = {
                "[program:x]\ncommand=/bin/x --b\nenvironment=A=1\nuser=nobody\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=2\nuser=nobody\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=root\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\ndirectory=/tmp\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\nstdout_logfile=/var/log/x\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\ntype=forking\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\nredirect_stderr=true\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\numask=077\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\nno_new_privileges=true\n",
                "[program:x]\ncommand=/bin/x --a\nenvironment=A=1\nuser=nobody\nsyscall_filter=@basic-io\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(restart); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                LOAD_OK(restart[i], d);
                if (program_config_equal_for_restart(prog(a, "x"), prog(d, "x")))
                        tests_fail(__FILE__, __LINE__, "change %zu not detected", i);
        }

        /* deep copy is equal and independent */
        _cleanup_(program_config_freep) ProgramConfig *copy = NULL;
        ASSERT_OK(program_config_copy(prog(a, "x"), &copy));
        ASSERT_TRUE(program_config_equal_for_restart(prog(a, "x"), copy));
        ASSERT_TRUE(copy->argv != prog(a, "x")->argv);
        ASSERT_STREQ(copy->stdout_log.path, prog(a, "x")->stdout_log.path);
}

TEST(program_config_copy_everything) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:x]\ncommand=/bin/x\ndepends_on=y:healthy\nhealthcheck_command=/bin/check\n"
                "syscall_filter=@system-service\npidfile=/run/x.pid\ntype=forking\n"
                "[program:y]\ncommand=/bin/y\n",
                c);
        _cleanup_(program_config_freep) ProgramConfig *copy = NULL;
        ASSERT_OK(program_config_copy(prog(c, "x"), &copy));
        ASSERT_EQ(copy->n_depends_on, 1);
        ASSERT_STREQ(copy->depends_on[0].name, "y");
        ASSERT_EQ(copy->depends_on[0].condition, DEPEND_HEALTHY);
        ARGV_IS(copy->health[HEALTH_READINESS].command, "/bin/check");
        ASSERT_STREQ(copy->pidfile, "/run/x.pid");
        ASSERT_STREQ(copy->source_file, TEST_PATH);
}

TEST(readiness_and_liveness_keys) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:both]\ncommand=/bin/h\nhealthcheck_target=:80\nhealthcheck_retries=2\n"
                /* the specific key wins wherever it is in the section */
                "[program:split]\ncommand=/bin/h\nreadiness_log_line=^listening on [0-9]+$\n"
                "healthcheck_interval=3s\nliveness_command=/bin/check --quick\nliveness_interval=30s\n"
                "[program:live]\ncommand=/bin/h\nliveness_target=https://127.0.0.1:8443/up\n"
                "liveness_start_period=1min\n"
                "[program:plain]\ncommand=/bin/p\n",
                c);
        const ProgramConfig *p = prog(c, "both");
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++) {
                ASSERT_EQ(p->health[k].type, HEALTH_TCP);
                ASSERT_STREQ(p->health[k].target, ":80");
                ASSERT_EQ(p->health[k].retries, 2);
        }
        p = prog(c, "split");
        ASSERT_EQ(p->health[HEALTH_READINESS].type, HEALTH_LOG_LINE);
        ASSERT_STREQ(p->health[HEALTH_READINESS].log_line, "^listening on [0-9]+$");
        ASSERT_EQ(p->health[HEALTH_READINESS].interval, 3 * USEC_PER_SEC);
        ASSERT_EQ(p->health[HEALTH_LIVENESS].type, HEALTH_EXEC);
        ARGV_IS(p->health[HEALTH_LIVENESS].command, "/bin/check", "--quick");
        ASSERT_EQ(p->health[HEALTH_LIVENESS].interval, 30 * USEC_PER_SEC);
        p = prog(c, "live");
        ASSERT_EQ(p->health[HEALTH_READINESS].type, HEALTH_NONE);
        ASSERT_EQ(p->health[HEALTH_LIVENESS].type, HEALTH_HTTP);
        ASSERT_EQ(p->health[HEALTH_LIVENESS].start_period, 60 * USEC_PER_SEC);
        ASSERT_TRUE(program_config_has_health(p));
        ASSERT_FALSE(program_config_has_health(prog(c, "plain")));

        static const struct {
                const char *keys;
                unsigned line;       /* of the error: the key's line (3+), or the section's (1) */
                const char *message;
        } bad[] = {
                { "readiness_log_line=(unclosed", 3, "not a POSIX extended regular expression" },
                { "liveness_type=log_line", 3, "needs liveness_log_line=" },
                { "readiness_type=exec", 3, "needs readiness_command=" },
                { "healthcheck_type=udp", 3, "must be tcp, http, exec, log_line or none" },
                { "liveness_retries=0", 3, "not a positive integer" },
                { "readiness_interval=0", 3, "must be more than 0" },
                { "liveness_target=ftp://x/", 3, "liveness_target=ftp://x/" },
                { "readiness_target=http://:0/", 3, "readiness_target=http://:0/ (readiness_type=http)" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:a]\ncommand=/bin/a\n%s\n", bad[i].keys) > 0);
                LOAD_FAILS(text, d);
                ASSERT_TRUE(has_diag(d, true, bad[i].line, bad[i].message));
        }
}

TEST(rlimit_values) {
        static const struct {
                const char *key, *value;
                rlim_t soft, hard;
        } good[] = {
                { "rlimit_nofile", "4096", 4096, 4096 },
                { "rlimit_nofile", "1024:65536", 1024, 65536 },
                { "rlimit_nofile", "infinity", RLIM_INFINITY, RLIM_INFINITY },
                { "rlimit_nofile", "1024:infinity", 1024, RLIM_INFINITY },
                { "rlimit_core", "0", 0, 0 },
                { "rlimit_stack", "8M", 8U << 20, 8U << 20 },
                { "rlimit_memlock", "64K:1G", 64U << 10, 1U << 30 },
                { "rlimit_cpu", "1min:2min", 60, 120 },
                { "rlimit_cpu", "500ms", 1, 1 }, /* seconds round up, as systemd does */
                { "rlimit_rttime", "1s", 1000000, 1000000 },
        };
        static const struct {
                const char *key, *value, *why;
        } bad[] = {
                { "rlimit_nofile", "lots", "not a number" },
                { "rlimit_nofile", "2048:1024", "soft limit is above the hard limit" },
                { "rlimit_nofile", "1:2:3", "not a number" },
                { "rlimit_nofile", "", "not a number" },
                { "rlimit_stack", "8Q", "not a size" },
                { "rlimit_cpu", "soon", "not a time" },
        };
        struct rlimit l;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                const char *why = NULL;
                int res = rlimit_from_key(good[i].key);

                ASSERT_TRUE(res >= 0);
                ASSERT_STREQ(rlimit_to_key(res), good[i].key);
                ASSERT_OK(rlimit_parse(res, good[i].value, &l, &why));
                ASSERT_EQ_U64(l.rlim_cur, good[i].soft);
                ASSERT_EQ_U64(l.rlim_max, good[i].hard);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                const char *why = NULL;

                ASSERT_ERROR(rlimit_parse(rlimit_from_key(bad[i].key), bad[i].value, &l, &why), EINVAL);
                ASSERT_STR_CONTAINS(why, bad[i].why);
        }
        ASSERT_ERROR(rlimit_from_key("rlimit_bogus"), EINVAL);
        ASSERT_NULL(rlimit_to_key(-1));
}

TEST(program_keys_of_issue_11) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[cgsupd]\nstrip_ansi=true\nexit_when_all_done=yes\n"
                "[program:a]\ncommand=/bin/a\nclean_environment=true\ndescription=The A service\n"
                "rlimit_nofile=1024:4096\nrlimit_core=infinity\n"
                "[program:b]\ncommand=/bin/b\nstrip_ansi=false\n",
                c);
        const ProgramConfig *a = prog(c, "a"), *b = prog(c, "b");
        ASSERT_TRUE(c->daemon.strip_ansi);
        ASSERT_TRUE(c->daemon.exit_when_all_done);
        ASSERT_TRUE(a->clean_environment);
        ASSERT_TRUE(a->strip_ansi); /* from [cgsupd] */
        ASSERT_FALSE(b->strip_ansi);
        ASSERT_FALSE(b->clean_environment);
        ASSERT_STREQ(a->description, "The A service");
        ASSERT_TRUE(a->rlimits[RLIMIT_NOFILE].set);
        ASSERT_EQ_U64(a->rlimits[RLIMIT_NOFILE].limit.rlim_cur, 1024);
        ASSERT_EQ_U64(a->rlimits[RLIMIT_NOFILE].limit.rlim_max, 4096);
        ASSERT_EQ_U64(a->rlimits[RLIMIT_CORE].limit.rlim_max, RLIM_INFINITY);
        ASSERT_FALSE(a->rlimits[RLIMIT_STACK].set);
        ASSERT_FALSE(b->rlimits[RLIMIT_NOFILE].set);
        ASSERT_FALSE(program_config_equal_for_restart(a, b));

        _cleanup_(program_config_freep) ProgramConfig *copy = NULL;
        ASSERT_OK(program_config_copy(a, &copy));
        ASSERT_STREQ(copy->description, "The A service");
        ASSERT_TRUE(program_config_equal_for_restart(a, copy));

        {
                _cleanup_(config_freep) Config *d = NULL;
                LOAD_FAILS("[program:a]\ncommand=/bin/a\nrlimit_nofile=4096:1024\n", d);
                ASSERT_TRUE(has_diag(d, true, 3, "rlimit_nofile=4096:1024: the soft limit is above the hard limit"));
        }
        {
                _cleanup_(config_freep) Config *d = NULL;
                LOAD_FAILS("[cgsupd]\nexit_when_all_done=sometimes\n[program:a]\ncommand=/bin/a\n", d);
                ASSERT_TRUE(has_diag(d, true, 2, "exit_when_all_done=sometimes: not a boolean"));
        }
        {
                _cleanup_(config_freep) Config *d = NULL;
                LOAD_FAILS("[program:a]\ncommand=/bin/a\nautorestart=often\n", d);
                ASSERT_TRUE(has_diag(d, true, 3, "autorestart=often: must be true, false or unexpected"));
        }
}

TEST(webhook_sections) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[webhook:ops]\nurl=https://hooks.example/x\nevents=fatal, PROCESS_STATE_EXITED\ntimeout=2s\n"
                "retries=0\nheaders=Authorization=\"Bearer t\",X-Env=prod\n"
                "[webhook:all]\nurl=http://127.0.0.1:9/\n",
                c);
        ASSERT_EQ(c->n_webhooks, 2u);
        const WebhookConfig *w = c->webhooks[0];
        ASSERT_STREQ(w->name, "ops");
        ASSERT_STREQ(w->url, "https://hooks.example/x");
        ARGV_IS(w->events, "FATAL", "PROCESS_STATE_EXITED");
        ASSERT_EQ(w->timeout, 2 * USEC_PER_SEC);
        ASSERT_EQ(w->retries, 0u);
        ARGV_IS(w->headers, "Authorization: Bearer t", "X-Env: prod");
        ARGV_IS(c->webhooks[1]->events, "PROCESS_STATE");
        ASSERT_EQ(c->webhooks[1]->retries, 3u);

        static const struct {
                const char *text, *message;
        } bad[] = {
                { "[webhook:w]\nevents=FATAL\n", "[webhook:w] has no url=" },
                { "[webhook:w]\nurl=ftp://x/\n", "url=ftp://x/: not an http:// or https:// URL" },
                { "[webhook:w]\nurl=http://x/\nevents=FATAL;rm\n", "'FATAL;rm' is neither an event type" },
                { "[webhook:w]\nurl=http://x/\nevents=FATAL, crashed\n", "'crashed' is neither an event type" },
                { "[webhook:w]\nurl=http://x/\nretries=1000\n", "not a number of retries 0..100" },
                { "[webhook:a b]\nurl=http://x/\n", "the webhook name" },
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *d = NULL;
                LOAD_FAILS(bad[i].text, d);
                ASSERT_STR_CONTAINS(config_first_error(d), bad[i].message);
        }
}

/* ---- realistic files ------------------------------------------------------------------------------ */

static char *data_path(const char *name) {
        const char *src = getenv("CGSUP_SOURCE_DIR");
        char *p = NULL;
        if (!src)
                tests_skip("CGSUP_SOURCE_DIR not set (run through meson test)");
        ASSERT_TRUE(asprintf(&p, "%s/tests/data/conf/%s", src, name) > 0);
        return p;
}

TEST(unmodified_supervisord_conf) {
        _cleanup_free_ char *path = data_path("supervisord-docker.conf");
        _cleanup_(config_freep) Config *c = NULL;
        int r = config_load(path, test_env, &c);
        if (r < 0)
                conf_tests_dump_diags(c);
        ASSERT_OK(r);
        ASSERT_EQ(n_errors(c), 0);
        ASSERT_TRUE(c->n_diags > 0); /* [unix_http_server], [supervisorctl], [rpcinterface:supervisor] */

        ASSERT_TRUE(c->daemon.nodaemon);
        ASSERT_STREQ(c->daemon.logfile, "/dev/null");
        ASSERT_EQ(c->daemon.logfile_maxbytes, 0);
        ASSERT_STREQ(c->daemon.pidfile, "/run/supervisord.pid");
        ASSERT_STREQ(c->daemon.user, "root");

        const ProgramConfig *nginx = prog(c, "nginx"), *php = prog(c, "php-fpm");
        ARGV_IS(nginx->argv, "/usr/sbin/nginx", "-g", "daemon off;");
        ASSERT_EQ(nginx->stopsignal, SIGQUIT);
        ASSERT_STREQ(nginx->stdout_log.path, "/dev/stdout");
        ASSERT_EQ(nginx->stdout_log.maxbytes, 0);
        ASSERT_STREQ(nginx->stderr_log.path, "/dev/stderr");
        ASSERT_EQ(nginx->priority, 10);
        ARGV_IS(php->argv, "php-fpm", "-F");
        ASSERT_EQ(php->autorestart, AUTORESTART_TRUE);
        for (unsigned i = 0; i < 4; i++) {
                char n[64];
                snprintf(n, sizeof n, "laravel-worker_%02u", i);
                const ProgramConfig *w = prog(c, n);
                ARGV_IS(w->argv, "php", "/var/www/html/artisan", "queue:work", "redis", "--sleep=3",
                        "--tries=3", "--max-time=3600");
                ASSERT_STREQ(w->user, "www-data");
                ASSERT_EQ(w->stopwaitsecs, 3600 * USEC_PER_SEC);
                ASSERT_TRUE(w->stopasgroup);
                ASSERT_TRUE(w->killasgroup);
                ASSERT_TRUE(w->redirect_stderr);
                ASSERT_STREQ(w->stdout_log.path, "/var/www/html/storage/logs/worker.log");
        }
        ASSERT_EQ(c->n_programs, 7);
}

TEST(example_supervisord_compat) {
        const char *src = getenv("CGSUP_SOURCE_DIR");
        _cleanup_free_ char *path = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        if (!src)
                SKIP("CGSUP_SOURCE_DIR not set (run through meson test)");
        ASSERT_TRUE(asprintf(&path, "%s/examples/supervisord-compat.conf", src) > 0);
        int r = config_load(path, test_env, &c);
        if (r < 0)
                conf_tests_dump_diags(c);
        ASSERT_OK(r);
        ASSERT_EQ(n_errors(c), 0);
        ASSERT_TRUE(c->n_programs >= 3);
}

TEST(hostile_bounds) {
        /* many sections: bounded, clear error, no crash */
        size_t n = CONF_MAX_SECTIONS + 5, len = n * 32;
        _cleanup_free_ char *big = malloc(len);
        size_t pos = 0;
        ASSERT_NOT_NULL(big);
        for (size_t i = 0; i < n; i++)
                pos += (size_t) snprintf(big + pos, len - pos, "[x%zu]\n", i);
        _cleanup_(config_freep) Config *c = NULL;
        ASSERT_ERROR(config_load_buffer(TEST_PATH, big, pos, NULL, test_env, CONFIG_LOAD_NO_INCLUDES, &c),
                     EINVAL);
        ASSERT_TRUE(has_diag(c, true, 0, "Too many sections"));
        c = config_free(c);

        /* many problems: the stored diagnostics are capped, the first error is kept */
        pos = 0;
        for (size_t i = 0; i < 3000 && pos + 32 < len; i++)
                pos += (size_t) snprintf(big + pos, len - pos, "[program:p%zu]\nbogus_key=1\n", i);
        pos += (size_t) snprintf(big + pos, len - pos, "junk line\n");
        ASSERT_ERROR(config_load_buffer(TEST_PATH, big, pos, NULL, test_env, CONFIG_LOAD_NO_INCLUDES, &c),
                     EINVAL);
        ASSERT_TRUE(c->n_diags <= CONF_MAX_DIAGS + 1);
        ASSERT_TRUE(c->n_diags_dropped > 0);
        ASSERT_STR_CONTAINS(config_first_error(c), "junk line");

        /* numprocs across many programs is bounded by the instance cap */
        c = config_free(c);
        pos = 0;
        for (size_t i = 0; i < 12 && pos + 128 < len; i++)
                pos += (size_t)snprintf(
                        big + pos, len - pos,
                        "[program:p%zu]\ncommand=/bin/x\nnumprocs=1000\nprocess_name=p%%(process_num)d\n",
                        i);
        ASSERT_ERROR(config_load_buffer(TEST_PATH, big, pos, NULL, test_env, CONFIG_LOAD_NO_INCLUDES, &c),
                     EINVAL);
        ASSERT_TRUE(has_diag(c, true, 0, "Too many process instances"));
        ASSERT_TRUE(c->n_programs <= CONF_MAX_INSTANCES);
}

/* ---- checks against this system at load (conf-check.c) ------------------------------------------- */

/* As load(), with the user and executable lookups that cgsupd, --check-config and validate make. */
static int load_checked(const char *text, Config **ret) {
        return config_load_buffer(TEST_PATH, text, strlen(text), NULL, test_env, CONFIG_LOAD_NO_INCLUDES, ret);
}

#define LOAD_CHECKED_OK(text, c) LOAD_OK_BY(load_checked, text, c)
#define LOAD_CHECKED_FAILS(text, c) LOAD_FAILS_BY(load_checked, text, c)

TEST(check_program_user) {
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_FAILS("[program:a]\ncommand=/bin/true\n\nuser=no-such-user-cgsup\n", c);
                ASSERT_TRUE(has_diag(c, true, 4, "[program:a] user=no-such-user-cgsup: no such user"));
        }
        {
                /* a uid is looked up too (program-spawn.c does the same at start) */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_FAILS("[program:a]\ncommand=/bin/true\nuser=3999999999\n", c);
                ASSERT_TRUE(has_diag(c, true, 3, "user=3999999999: no such user"));
        }
        if (conf_lookup_user("root", NULL) >= 0) {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\ncommand=/bin/true\nuser=root\n[program:b]\ncommand=/bin/true\nuser=0\n",
                                c);
        }
        {
                /* without the lookups (fuzzing) the same file loads */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_OK("[program:a]\ncommand=/bin/true\nuser=no-such-user-cgsup\n", c);
        }
}

TEST(check_health_targets) {
        static const struct {
                const char *keys;
                const char *needle;
        } bad[] = {
                /* the examples of issue 8: silently dropped at start before */
                { "healthcheck_type=http\nhealthcheck_target=localhost:8080\n",
                  "healthcheck_target=localhost:8080 (healthcheck_type=http): not a URL for an http check" },
                { "healthcheck_type=http\nhealthcheck_target=http://localhost:0/\n", "not an http:// or https:// URL" },
                { "healthcheck_type=http\nhealthcheck_target=http:///x\n", "not an http:// or https:// URL" },
                { "readiness_type=http\nreadiness_target=localhost:8080\n",
                  "readiness_target=localhost:8080 (readiness_type=http): not a URL" },
                { "healthcheck_type=tcp\nhealthcheck_target=localhost\n", "not host:port for a tcp check" },
                { "healthcheck_type=tcp\nhealthcheck_target=http://localhost:80/\n", "not host:port" },
                { "healthcheck_target=db:99999\n", "not host:port" }, /* tcp by default */
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:h]\ncommand=/bin/true\n%s", bad[i].keys) > 0);
                printf("# %s\n", bad[i].needle);
                /* no lookups needed: a target is wrong on every host */
                LOAD_FAILS(text, c);
                /* on the healthcheck_target= line, the last one of the text */
                unsigned line = 0;
                for (const char *t = text; *t; t++)
                        line += *t == '\n';
                ASSERT_TRUE(has_diag(c, true, line, bad[i].needle));
        }

        static const char *const good[] = {
                "healthcheck_type=http\nhealthcheck_target=http://localhost:8080/health\n",
                "healthcheck_target=https://localhost:8443/health\n", /* http by its scheme, TLS by libcurl */
                "healthcheck_target=HTTP://[::1]/\n",
                "healthcheck_type=tcp\nhealthcheck_target=:5432\n",
                "healthcheck_target=db.local:3306\n",
                "healthcheck_command=/bin/true\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[program:h]\ncommand=/bin/true\n%s", good[i]) > 0);
                LOAD_OK(text, c);
        }
}

TEST(check_command_resolves) {
        {
                /* a warning, not an error: supervisord resolves at spawn, the binary may come later */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\n\ncommand=/nonexistent/cgsup-test --flag\n", c);
                ASSERT_EQ(n_errors(c), 0);
                ASSERT_TRUE(has_diag(c, false, 3, "[program:a] command: /nonexistent/cgsup-test does not exist"));
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\ncommand=no-such-command-cgsup\nenvironment=PATH=\"/usr/bin:/bin\"\n",
                                c);
                ASSERT_TRUE(has_diag(c, false, 2,
                                     "'no-such-command-cgsup' is not found in PATH (/usr/bin:/bin); cgsupd looks again"));
        }
        {
                /* the PATH of [cgsupd] environment= when the program has none */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[cgsupd]\nenvironment=PATH=\"/nonexistent\"\n[program:a]\ncommand=sh -c true\n", c);
                ASSERT_TRUE(has_diag(c, false, 4, "'sh' is not found in PATH (/nonexistent)"));
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\ncommand=/\n[program:b]\ncommand=sh -c true\n", c);
                ASSERT_TRUE(has_diag(c, false, 2, "command: / is not an executable file"));
                ASSERT_EQ(c->n_diags, 1); /* sh is found in the process's PATH */
        }
        {
                /* numprocs instances: one warning */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\ncommand=/nonexistent/x\nnumprocs=3\nprocess_name=a%(process_num)d\n",
                                c);
                ASSERT_EQ(c->n_diags, 1);
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\ncommand=/bin/true\nhealthcheck_command=/nonexistent/probe\n", c);
                ASSERT_TRUE(has_diag(c, false, 3, "healthcheck_command: /nonexistent/probe does not exist"));
        }
        {
                /* relative to cgsupd's working directory at start: not judged here */
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK("[program:a]\ncommand=./bin/nonexistent\n", c);
                ASSERT_EQ(c->n_diags, 0);
        }
}

TEST(check_daemon_user) {
        /* user=root in [supervisord] (20 of 74 real files, to silence supervisord) stays accepted, silently */
        static const char *const accepted[] = { "[supervisord]\nuser=root\n", "[cgsupd]\nuser=0\n",
                                                "[supervisord]\nuser=\n" };
        for (size_t i = 0; i < ELEMENTSOF(accepted); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_OK(accepted[i], c);
                ASSERT_EQ(c->n_diags, 0);
        }
        {
                /* the user cgsupd runs as, by uid */
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                ASSERT_TRUE(asprintf(&text, "[cgsupd]\nuser=%u\n", (unsigned) geteuid()) > 0);
                if (conf_lookup_user(text + strlen("[cgsupd]\nuser="), NULL) >= 0) {
                        LOAD_CHECKED_OK(text, c);
                        ASSERT_EQ(c->n_diags, 0);
                }
        }
        if (geteuid() != 65534 && conf_lookup_user("nobody", NULL) >= 0) {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_FAILS("[supervisord]\nnodaemon=true\nuser=nobody\n", c);
                ASSERT_TRUE(has_diag(c, true, 3, "[cgsupd] user=nobody: cgsupd does not drop privileges"));
                ASSERT_TRUE(has_diag(c, true, 3, "cgsupd --user"));
        }
        {
                _cleanup_(config_freep) Config *c = NULL;
                LOAD_CHECKED_FAILS("[supervisord]\nuser=no-such-user-cgsup\n", c);
                ASSERT_TRUE(has_diag(c, true, 2, "user=no-such-user-cgsup: no such user"));
        }
}

TEST(stdin_and_events_keys) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[program:piped]\n"
                "command=/bin/cat\n"
                "stderr_events_enabled=true\n"
                "[program:nulled]\n"
                "command=/bin/cat\n"
                "stdin=null\n",
                c);
        ASSERT_TRUE(prog(c, "piped")->stdin_pipe); /* supervisord's default: a pipe */
        ASSERT_FALSE(prog(c, "nulled")->stdin_pipe);
        ASSERT_TRUE(prog(c, "piped")->stderr_events);
        ASSERT_FALSE(prog(c, "piped")->stdout_events);
        ASSERT_FALSE(program_config_equal_for_restart(prog(c, "piped"), prog(c, "nulled")));
        config_free(TAKE_PTR(c));
        ASSERT_ERROR(load("[program:x]\ncommand=/bin/cat\nstdin=tty\n", &c), EINVAL);
        ASSERT_TRUE(has_diag(c, true, 3, "must be pipe or null"));
}

TEST(eventlistener_sections) {
        _cleanup_(config_freep) Config *c = NULL;
        LOAD_OK("[eventlistener:mail]\n"
                "command=/bin/cat\n"
                "events=PROCESS_STATE_EXITED, PROCESS_STATE_FATAL TICK_60\n"
                "buffer_size=50\n"
                "numprocs=2\n"
                "process_name=%(program_name)s_%(process_num)d\n"
                "[eventlistener:all]\n"
                "command=/bin/cat\n"
                "events=EVENT\n"
                "result_handler=superlance.foo:handler\n"
                "[program:web]\n"
                "command=/bin/cat\n"
                "events=PROCESS_STATE\n",
                c);
        const ProgramConfig *p = prog(c, "mail_1");
        ASSERT_TRUE(p->event_listener);
        ASSERT_STREQ(p->group_name, "mail");
        ASSERT_EQ(p->listener_buffer_size, 50);
        ASSERT_EQ_U64(p->listener_events, EVENT_MASK(EVENT_PROCESS_STATE_EXITED) |
                                                  EVENT_MASK(EVENT_PROCESS_STATE_FATAL) | EVENT_MASK(EVENT_TICK_60));
        ASSERT_NOT_NULL(prog(c, "mail_0"));
        ASSERT_EQ(prog(c, "all")->listener_buffer_size, 10); /* supervisord's default */
        ASSERT_EQ_U64(prog(c, "all")->listener_events, EVENT_MASK(_EVENT_TYPE_MAX) - 1);
        ASSERT_TRUE(has_diag(c, false, 10, "result_handler=superlance.foo:handler is a Python import"));
        ASSERT_FALSE(prog(c, "web")->event_listener);
        ASSERT_TRUE(has_diag(c, false, 13, "events= only applies to [eventlistener:x]"));
        config_free(TAKE_PTR(c));

        ASSERT_ERROR(load("[eventlistener:x]\ncommand=/bin/cat\nevents=PROCESS_STATE,NOPE\n", &c), EINVAL);
        ASSERT_TRUE(has_diag(c, true, 3, "unknown event type 'NOPE'"));
        config_free(TAKE_PTR(c));
        ASSERT_ERROR(load("[eventlistener:x]\ncommand=/bin/cat\n", &c), EINVAL);
        ASSERT_TRUE(has_diag(c, true, 1, "must specify events="));
        config_free(TAKE_PTR(c));
        ASSERT_ERROR(load("[eventlistener:x]\ncommand=/bin/cat\nevents=TICK\nredirect_stderr=true\n", &c), EINVAL);
        ASSERT_TRUE(has_diag(c, true, 1, "redirect_stderr=true, which is not allowed"));
        config_free(TAKE_PTR(c));
        ASSERT_ERROR(load("[eventlistener:x]\ncommand=/bin/cat\nevents=TICK\nbuffer_size=-1\n", &c), EINVAL);
        ASSERT_TRUE(has_diag(c, true, 4, "buffer_size=-1"));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
