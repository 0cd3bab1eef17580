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

/* What each signal an admin may send means (cgsupd(8) SIGNALS). Signals whose default action would end the
 * daemon without a word, and that have no meaning here, are logged and ignored instead: a stray
 * `kill -USR1` must not orphan every program. SIGKILL/SIGSTOP cannot be caught; the core-dumping faults
 * (SEGV, ABRT, ...) keep their default. */
typedef enum SignalAction {
        SIGNAL_SHUTDOWN,
        SIGNAL_RELOAD,
        SIGNAL_REOPEN_LOGS,
        SIGNAL_REAP,
        SIGNAL_IGNORE,
} SignalAction;

static const struct {
        int sig;
        SignalAction action;
} signal_table[] = {
        { SIGTERM, SIGNAL_SHUTDOWN },   { SIGINT, SIGNAL_SHUTDOWN },    { SIGQUIT, SIGNAL_SHUTDOWN },
        { SIGHUP, SIGNAL_RELOAD },      { SIGUSR2, SIGNAL_REOPEN_LOGS }, { SIGCHLD, SIGNAL_REAP },
        { SIGUSR1, SIGNAL_IGNORE },     { SIGALRM, SIGNAL_IGNORE },     { SIGVTALRM, SIGNAL_IGNORE },
        { SIGPROF, SIGNAL_IGNORE },     { SIGIO, SIGNAL_IGNORE },       { SIGPWR, SIGNAL_IGNORE },
        { SIGSTKFLT, SIGNAL_IGNORE },   { SIGXCPU, SIGNAL_IGNORE },     { SIGXFSZ, SIGNAL_IGNORE },
};

static SignalAction signal_action(int sig) {
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (signal_table[i].sig == sig)
                        return signal_table[i].action;
        return SIGNAL_IGNORE; /* the real-time signals */
}

static void signal_name(int sig, char *buf, size_t size) {
        const char *n = sigabbrev_np(sig);

        if (n)
                snprintf(buf, size, "SIG%s", n);
        else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
                snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
        else
                snprintf(buf, size, "signal %d", sig);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ char *msg = NULL;
        char name[32];

        signal_name((int) si->ssi_signo, name, sizeof(name));
        switch (signal_action((int) si->ssi_signo)) {
        case SIGNAL_SHUTDOWN:
                if (m->shutting_down) {
                        log_notice("Second %s while shutting down; still waiting for programs (shutdown_timeout)",
                                   name);
                        return 0;
                }
                log_info("%s from PID %u: shutting down", name, si->ssi_pid);
                (void) manager_shutdown(m);
                break;
        case SIGNAL_RELOAD:
                if (m->under_systemd)
                        (void) sd_notify(false, "RELOADING=1");
                (void) manager_reload(m, &msg);
                if (m->under_systemd)
                        (void) sd_notify(false, "READY=1");
                break;
        case SIGNAL_REOPEN_LOGS:
                manager_reopen_logs(m);
                break;
        case SIGNAL_REAP:
                manager_reap_orphans(m);
                break;
        case SIGNAL_IGNORE:
                log_notice("%s from PID %u has no meaning for cgsupd, ignoring it", name, si->ssi_pid);
                break;
        }
        return 0;
}

/* Blocks every handled signal (before anything forks: children get a clean mask from the spawn plan) so that
 * they arrive through the loop's signalfd, never through handlers. */
static int block_signals(sigset_t *ret) {
        sigemptyset(ret);
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                sigaddset(ret, signal_table[i].sig);
        for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
                sigaddset(ret, sig);
        return sigprocmask(SIG_BLOCK, ret, NULL) < 0 ? -errno : 0;
}

static int watch_signals(Manager *m, const sigset_t *mask) {
        for (int sig = 1; sig < _NSIG; sig++) {
                int r;

                if (sigismember(mask, sig) != 1)
                        continue;
                r = sd_event_add_signal(m->event, NULL, sig, on_signal, m);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* When our stdout or stderr is a regular file opened without O_APPEND (`cgsupd >file 2>&1`), a program
 * writing to the same file through its own open (/dev/stdout) or our passthrough would be overwritten by
 * our next write at the stale offset, and vice versa. O_APPEND on the shared description makes every
 * writer append. */
static void make_output_append(void) {
        for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
                struct stat st;
                int flags;

                if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                flags = fcntl(fd, F_GETFL);
                if (flags >= 0 && !(flags & O_APPEND))
                        (void) fcntl(fd, F_SETFL, flags | O_APPEND);
        }
}

/* In the background our stdin/stdout/stderr lead nowhere useful: /dev/null. Our own messages go to
 * [cgsupd] logfile= (log_open_file()); programs with AUTO logs write to childlogdir as under supervisord. */
static void detach_stdio(void) {
        int fd = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return;
        (void) dup2(fd, STDIN_FILENO);
        (void) dup2(fd, STDOUT_FILENO);
        (void) dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
                safe_close(fd);
}

/* supervisord's minfds / minprocs: when our soft limit is below @min, set it to @min, and the hard limit too
 * when that is lower (root may raise it). Programs inherit both. supervisord refuses to start when this
 * fails; we say so and go on with what we have (the programs still start, with the lower limit). */
static void raise_rlimit(int resource, const char *key, uint64_t min) {
        struct rlimit rl;

        if (min == 0 || getrlimit(resource, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= min)
                return;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < min)
                rl.rlim_max = min;
        rl.rlim_cur = min;
        if (setrlimit(resource, &rl) >= 0)
                return;
        log_warning_errno(errno, "[cgsupd] %s=%" PRIu64 ": cannot raise the limit (%m), ignoring", key, min);
        /* Without the right to raise the hard limit, at least up to it. */
        if (getrlimit(resource, &rl) >= 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(resource, &rl);
        }
}

/* cgsupd holds several descriptors per program (its pidfd, output pipes, stdin, state file, held cgroup
 * files): 1,000 programs need far more than the 1,024 a service gets by default (systemd's soft limit),
 * whatever minfds says; at 1,024 the 168th spawn failed with EMFILE, and a restarted cgsupd given 600 pipes
 * back from the fd store ran out while adopting 200 programs. So before anything else cgsupd's own soft
 * limit goes up to the hard limit, as systemd's daemons do. */
static void raise_own_nofile(struct rlimit *ret_at_start) {
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) < 0) {
                *ret_at_start = (struct rlimit) { RLIM_INFINITY, RLIM_INFINITY };
                return;
        }
        *ret_at_start = rl;
        if (rl.rlim_cur >= rl.rlim_max)
                return;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
                log_debug_errno(errno, "Cannot raise the soft RLIMIT_NOFILE to the hard limit, ignoring: %m");
}

/* Programs still get the soft limit they would get under supervisord: the one cgsupd started with, raised
 * to minfds (a program using select() breaks with descriptors above 1,023). */
static void set_program_nofile(Manager *m, const struct rlimit *at_start, uint64_t minfds) {
        struct rlimit now;
        rlim_t soft = MAX(at_start->rlim_cur, (rlim_t) minfds);

        if (getrlimit(RLIMIT_NOFILE, &now) < 0 || soft >= now.rlim_cur)
                return;
        m->program_nofile = (struct rlimit) { soft, now.rlim_max };
        m->program_nofile_set = true;
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
        struct rlimit nofile_at_start;
        sigset_t mask;
        int r;

        log_set_ident("cgsupd");
        raise_own_nofile(&nofile_at_start);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;
        if (arg_check_config)
                return check_config() < 0 ? 1 : 0;

        if (block_signals(&mask) < 0)
                return log_error_errno(errno, "sigprocmask() failed: %m"), 1;
        /* Log pipes whose reader went away must not kill us. */
        (void) signal(SIGPIPE, SIG_IGN);
        make_output_append();

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
        log_set_format(m->config->daemon.log_format);
        if (arg_daemonize) {
                detach_stdio();
                log_set_console(false);
        }
        raise_rlimit(RLIMIT_NOFILE, "minfds", m->config->daemon.minfds);
        set_program_nofile(m, &nofile_at_start, m->config->daemon.minfds);
        raise_rlimit(RLIMIT_NPROC, "minprocs", m->config->daemon.minprocs);

        r = watch_signals(m, &mask);
        if (r < 0)
                return log_error_errno(r, "Failed to watch signals: %m"), 1;

        r = bus_setup(m);
        if (r < 0) {
                log_error_errno(r, "D-Bus setup failed, exiting (programs adopted from a previous run keep running): %m");
                return 1;
        }

        (void) manager_start_autostart(m);
        if (m->under_systemd)
                (void) sd_notifyf(false, "READY=1\nSTATUS=Supervising %zu program instance(s)\nMAINPID=%d",
                                  m->n_programs, (int) getpid());
        log_info("cgsupd %s ready: %zu program instance(s), subtree %s/%s", PACKAGE_VERSION, m->n_programs,
                 m->cgroup_mount, m->cgroup);

        r = manager_run(m);
        bus_done(m);
        if (r < 0)
                return 1;
        return m->exit_code != 0 ? m->exit_code : r;
}

int main(int argc, char *argv[]) {
        return run(argc, argv);
}
