/* SPDX-License-Identifier: MIT */
/*
 * cgsupd: parse options, build the Manager, connect the bus, start programs, run the loop, shut down in
 * order, return an exit status. Nothing below main() calls exit(): errors travel back here.
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <inttypes.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "bus.h"
#include "systemd-scope.h"
#include "log.h"
#include "manager.h"

static char *arg_config = NULL;
static char *arg_cgroup = NULL;
static bool arg_user = false;
static bool arg_daemonize = false;
static bool arg_check_config = false;

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "cgroup v2 process supervisor (supervisord-compatible configuration).\n\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "  -c --configuration FILE\n"
               "                        Configuration file (default %s)\n"
               "     --user             Use the session bus and $XDG_RUNTIME_DIR\n"
               "     --cgroup PATH      Subtree to manage, relative to the cgroup2 mount\n"
               "  -d --daemonize        Fork into the background\n"
               "  -n --nodaemon         Stay in the foreground (the default; accepted for supervisord habits)\n"
               "     --check-config     Validate the configuration and exit (0 valid, 1 invalid)\n",
               program_invocation_short_name, CONFIG_DEFAULT_PATH);
}

enum {
        ARG_VERSION = 0x100,
        ARG_USER,
        ARG_CGROUP,
        ARG_CHECK_CONFIG,
};

/* Returns 1 to run, 0 to exit successfully, <0 on usage errors. */
static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "configuration", required_argument, NULL, 'c' },
                { "config", required_argument, NULL, 'c' },
                { "user", no_argument, NULL, ARG_USER },
                { "cgroup", required_argument, NULL, ARG_CGROUP },
                { "daemonize", no_argument, NULL, 'd' },
                { "nodaemon", no_argument, NULL, 'n' },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "hc:dn", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cgsupd %s\n", PACKAGE_VERSION);
                        return 0;
                case 'c':
                        arg_config = optarg;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_CGROUP:
                        arg_cgroup = optarg;
                        break;
                case 'd':
                        arg_daemonize = true;
                        break;
                case 'n':
                        arg_daemonize = false;
                        break;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("Unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int check_config(void) {
        _cleanup_(config_freep) Config *c = NULL;
        const char *path = arg_config ?: CONFIG_DEFAULT_PATH;
        char *msg = NULL;
        int r;

        r = manager_load_config(path, &c, &msg);
        if (r < 0) {
                fprintf(stderr, "%s: invalid: %s\n", path, msg ?: strerror(-r));
                free(msg);
                return r;
        }
        printf("%s: valid, %zu program instance(s), %zu group(s), %zu warning(s)\n", path, c->n_programs,
               c->n_groups, c->n_diags);
        return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *msg = NULL;

        switch (si->ssi_signo) {
        case SIGTERM:
        case SIGINT:
                if (m->shutting_down) {
                        log_notice("Second %s while shutting down; still waiting for programs (shutdown_timeout)",
                                   si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
                        return 0;
                }
                (void) manager_shutdown(m);
                break;
        case SIGHUP:
                if (m->under_systemd)
                        (void) sd_notify(false, "RELOADING=1");
                (void) manager_reload(m, &msg);
                if (m->under_systemd)
                        (void) sd_notify(false, "READY=1");
                break;
        case SIGCHLD:
                manager_reap_orphans(m);
                break;
        default:
                break;
        }
        return 0;
}

/* In the background our stdout/stderr would go nowhere useful: [cgsupd] logfile= (supervisord's) gets our
 * own log lines and passed-through program output; without it they go to /dev/null. */
static void redirect_output(const char *logfile) {
        int fd = open(logfile ?: "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        if (null >= 0) {
                (void) dup2(null, STDIN_FILENO);
                safe_close(null);
        }
        if (fd < 0) {
                log_warning_errno(errno, "Cannot open logfile %s, ignoring: %m", logfile);
                return;
        }
        (void) dup2(fd, STDOUT_FILENO);
        (void) dup2(fd, STDERR_FILENO);
        safe_close(fd);
}

/* supervisord's minfds: raise our soft RLIMIT_NOFILE (programs inherit it) as far as the hard limit allows. */
static void raise_nofile(uint64_t minfds) {
        struct rlimit rl;

        if (minfds == 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= minfds)
                return;
        if (minfds > rl.rlim_max) {
                log_warning("minfds=%" PRIu64 " is above the hard limit %llu, using that", minfds,
                            (unsigned long long) rl.rlim_max);
                minfds = rl.rlim_max;
        }
        rl.rlim_cur = minfds;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_warning_errno(errno, "Cannot raise RLIMIT_NOFILE to %" PRIu64 ", ignoring: %m", minfds);
}

static int daemonize(void) {
        pid_t pid = fork();

        if (pid < 0)
                return log_error_errno(errno, "fork() failed: %m");
        if (pid > 0)
                _exit(0); /* the parent owns nothing yet: nothing to clean up */
        if (setsid() < 0)
                return log_error_errno(errno, "setsid() failed: %m");
        return 0;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        ManagerOptions o = {};
        sigset_t mask;
        int r;

        log_set_ident("cgsupd");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (arg_check_config)
                return check_config() < 0 ? 1 : 0;

        /* Signals go through the loop (signalfd), never through handlers. Blocked before anything forks so
         * children start with a clean mask set up by the spawn plan. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "sigprocmask() failed: %m"), 1;
        /* Log pipes whose reader went away must not kill us. */
        (void) signal(SIGPIPE, SIG_IGN);

        if (arg_daemonize) {
                r = daemonize();
                if (r < 0)
                        return 1;
        }

        o.config_path = arg_config;
        o.cgroup = arg_cgroup;
        o.user = arg_user;
        o.daemonize = arg_daemonize;
        o.start_scope = systemd_start_scope;
        r = manager_new(&o, &m);
        if (r < 0)
                return 1;
        if (m->config->daemon.loglevel > 0)
                log_set_max_level(m->config->daemon.loglevel);
        if (arg_daemonize)
                redirect_output(m->config->daemon.logfile);
        raise_nofile(m->config->daemon.minfds);

        r = sd_event_add_signal(m->event, NULL, SIGTERM, on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGHUP, on_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGCHLD, on_signal, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m"), 1;

        r = bus_setup(m);
        if (r < 0) {
                log_error_errno(r, "D-Bus setup failed, exiting (programs adopted from a previous run keep running): %m");
                return 1;
        }

        if (m->config->daemon.pidfile) {
                FILE *f = fopen(m->config->daemon.pidfile, "we");
                if (f) {
                        fprintf(f, "%d\n", (int) getpid());
                        fclose(f);
                } else
                        log_warning_errno(errno, "Cannot write pidfile %s, ignoring: %m", m->config->daemon.pidfile);
        }

        (void) manager_start_autostart(m);
        if (m->under_systemd)
                (void) sd_notifyf(false, "READY=1\nSTATUS=Supervising %zu program instance(s)\nMAINPID=%d",
                                  m->n_programs, (int) getpid());
        log_info("cgsupd %s ready: %zu program instance(s), subtree %s/%s", PACKAGE_VERSION, m->n_programs,
                 m->cgroup_mount, m->cgroup);

        r = manager_run(m);
        if (m->config->daemon.pidfile)
                (void) unlink(m->config->daemon.pidfile);
        bus_done(m);
        if (r < 0)
                return 1;
        return m->exit_code != 0 ? m->exit_code : r;
}

int main(int argc, char *argv[]) {
        return run(argc, argv);
}
