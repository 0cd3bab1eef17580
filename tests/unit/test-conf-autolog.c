/* SPDX-License-Identifier: MIT */
/*
 * AUTO log placement by cgsupd (config_place_auto_logs()) and the names its startup cleanup recognizes
 * (config_is_auto_log_name()): its own log directory unless childlogdir= is set, the instance in the name
 * (two daemons never share a file), stable across loads (adopted programs keep their file).
 */
#include <string.h>

#include "conf-internal.h"
#include "macro.h"
#include "tests.h"

static char *test_env[] = { (char *) "TMPDIR=/var/tmp", NULL };

static Config *load(const char *text) {
        Config *c = NULL;
        ASSERT_OK(config_load_buffer("/etc/test/cgsup.conf", text, strlen(text), NULL, test_env,
                                     CONFIG_LOAD_NO_INCLUDES, &c));
        return c;
}

static const ProgramConfig *prog(const Config *c, const char *name) {
        const ProgramConfig *p = config_find_program(c, name);
        ASSERT_NOT_NULL(p);
        return p;
}

static const char *base(const char *path) {
        const char *s = strrchr(path, '/');
        return s ? s + 1 : path;
}

#define TWO "[program:web]\ncommand=true\n\n[program:quiet]\ncommand=true\nstdout_logfile=NONE\n" \
            "stderr_logfile=/var/log/q.err\n\n[program:joined]\ncommand=true\nredirect_stderr=true\n"

TEST(placed_in_own_dir_with_instance) {
        _cleanup_(config_freep) Config *c = load(TWO);
        const ProgramConfig *web;

        /* Loaded as supervisord would (validate, --check-config): $TMPDIR, no instance. */
        ASSERT_STR_CONTAINS(prog(c, "web")->stdout_log.path, "/var/tmp/web-stdout---cgsup-");
        ASSERT_OK(config_place_auto_logs(c, "/var/log/cgsup", "cgsup"));
        web = prog(c, "web");
        ASSERT_TRUE(strncmp(web->stdout_log.path, "/var/log/cgsup/web-stdout---cgsup-", 34) == 0);
        /* <name>-stdout---cgsup-<8>-<8>.log */
        ASSERT_EQ(strlen(base(web->stdout_log.path)), strlen("web-stdout---cgsup-") + 8 + 1 + 8 + 4);
        ASSERT_TRUE(strncmp(web->stderr_log.path, "/var/log/cgsup/web-stderr---cgsup-", 34) == 0);
        ASSERT_TRUE(config_is_auto_log_name(c, base(web->stdout_log.path), "cgsup"));
        /* Explicit files and NONE stay what they were; redirect_stderr has no stderr file. */
        ASSERT_NULL(prog(c, "quiet")->stdout_log.path);
        ASSERT_STREQ(prog(c, "quiet")->stderr_log.path, "/var/log/q.err");
        ASSERT_NULL(prog(c, "joined")->stderr_log.path);
        ASSERT_NOT_NULL(prog(c, "joined")->stdout_log.path);
}

TEST(two_instances_never_share) {
        _cleanup_(config_freep) Config *a = load(TWO), *b = load(TWO), *a2 = load(TWO);

        ASSERT_OK(config_place_auto_logs(a, "/var/log/cgsup", "system.slice/cgsupd.service"));
        ASSERT_OK(config_place_auto_logs(b, "/var/log/cgsup", "cgsup-other"));
        ASSERT_OK(config_place_auto_logs(a2, "/var/log/cgsup", "system.slice/cgsupd.service"));
        ASSERT_TRUE(!streq(prog(a, "web")->stdout_log.path, prog(b, "web")->stdout_log.path));
        /* The same instance again (restart, reload): the same file. */
        ASSERT_STREQ(prog(a, "web")->stdout_log.path, prog(a2, "web")->stdout_log.path);
        /* The cleanup of one never matches the other's files. */
        ASSERT_FALSE(config_is_auto_log_name(a, base(prog(b, "web")->stdout_log.path),
                                             "system.slice/cgsupd.service"));
        ASSERT_TRUE(config_is_auto_log_name(b, base(prog(b, "web")->stdout_log.path), "cgsup-other"));
}

TEST(childlogdir_wins) {
        _cleanup_(config_freep) Config *c = load("[cgsupd]\nchildlogdir=/srv/logs\n\n" TWO);

        ASSERT_TRUE(c->daemon.childlogdir_set);
        ASSERT_OK(config_place_auto_logs(c, "/var/log/cgsup", "cgsup"));
        ASSERT_TRUE(strncmp(prog(c, "web")->stdout_log.path, "/srv/logs/web-stdout---cgsup-", 29) == 0);
}

TEST(nocleanup_parsed) {
        _cleanup_(config_freep) Config *c = load("[supervisord]\nnocleanup=true\n\n" TWO);
        _cleanup_(config_freep) Config *d = load(TWO);

        ASSERT_TRUE(c->daemon.nocleanup);
        ASSERT_FALSE(d->daemon.nocleanup);
        ASSERT_FALSE(d->daemon.childlogdir_set);
}

TEST(auto_log_names) {
        _cleanup_(config_freep) Config *c = load(TWO);
        _cleanup_free_ char *name = NULL;
        char buf[512];

        ASSERT_OK(config_place_auto_logs(c, "/d", "inst"));
        name = strdup(base(prog(c, "web")->stdout_log.path));
        ASSERT_NOT_NULL(name);
        ASSERT_TRUE(config_is_auto_log_name(c, name, "inst"));
        /* Rotated backups are ours too. */
        snprintf(buf, sizeof buf, "%s.1", name);
        ASSERT_TRUE(config_is_auto_log_name(c, buf, "inst"));
        snprintf(buf, sizeof buf, "%s.10", name);
        ASSERT_TRUE(config_is_auto_log_name(c, buf, "inst"));
        snprintf(buf, sizeof buf, "%s.x", name);
        ASSERT_FALSE(config_is_auto_log_name(c, buf, "inst"));
        snprintf(buf, sizeof buf, "%s.", name);
        ASSERT_FALSE(config_is_auto_log_name(c, buf, "inst"));
        /* A program of any name (one removed from the configuration) with our marker. */
        snprintf(buf, sizeof buf, "gone%s", strstr(name, "-stdout---"));
        ASSERT_TRUE(config_is_auto_log_name(c, buf, "inst"));
        /* Not ours: another instance, supervisord's name without an instance, other files. */
        ASSERT_FALSE(config_is_auto_log_name(c, name, "other"));
        ASSERT_FALSE(config_is_auto_log_name(c, "web-stdout---cgsup-abcdefgh.log", "inst"));
        ASSERT_FALSE(config_is_auto_log_name(c, "notes.txt", "inst"));
        ASSERT_FALSE(config_is_auto_log_name(c, "---cgsup-", "inst"));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
