/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <regex.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>

#include "cgsup/cgroup.h"
#include "curl-event.h"
#include "health.h"
#include "log.h"
#include "logcap.h"
#include "manager.h"
#include "program-ops.h"
#include "program-spawn.h"

#define HEALTH_FAST_INTERVAL_USEC (1 * USEC_PER_SEC)
#define HEALTH_HTTP_MAX_REDIRECTS 5L

struct HealthCheck {
        Program *program;
        sd_event *event;
        HealthKind kind;
        HealthType type;
        bool active;             /* between health_check_start() and health_check_stop() */

        /* tcp */
        struct sockaddr_storage addr;
        socklen_t addrlen;
        char *host;
        unsigned port;
        int fd;                  /* the connection in flight */
        sd_event_source *io;

        /* http */
        CURL *easy;              /* the transfer in flight */
        char curl_error[CURL_ERROR_SIZE];

        /* exec */
        int pidfd;               /* the command in flight */
        pid_t pid;
        sd_event_source *child_io;
        bool exec_timed_out;     /* verdict already given; still waiting to reap it */
        char *cgroup_path;

        /* log_line */
        regex_t regex;
        bool regex_compiled;
        bool line_matched;       /* readiness: since the start; liveness: since the previous check */

        sd_event_source *next_timer;
        sd_event_source *timeout_timer;
};

static const HealthConfig *check_config(const HealthCheck *h) {
        return &h->program->config->health[h->kind];
}

bool health_http_status_ok(long status) {
        return status >= 200 && status < 400;
}

static int resolve(HealthCheck *h) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
        struct addrinfo *res = NULL;
        char portbuf[16];
        int r;

        snprintf(portbuf, sizeof(portbuf), "%u", h->port);
        /* Resolved once, here: a name lookup inside every check would block the loop. */
        r = getaddrinfo(streq(h->host, "localhost") ? "127.0.0.1" : h->host, portbuf, &hints, &res);
        if (r != 0)
                return -EADDRNOTAVAIL;
        memcpy(&h->addr, res->ai_addr, res->ai_addrlen);
        h->addrlen = res->ai_addrlen;
        freeaddrinfo(res);
        return 0;
}

int health_check_new(Program *p, HealthKind kind, HealthCheck **ret) {
        const HealthConfig *c = &p->config->health[kind];
        _cleanup_(health_check_freep) HealthCheck *h = NULL;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->program = p;
        h->event = p->manager->event ? sd_event_ref(p->manager->event) : NULL;
        h->kind = kind;
        h->type = c->type;
        h->fd = -EBADF;
        h->pidfd = -EBADF;

        switch (c->type) {
        case HEALTH_TCP:
                /* resolved by health_check_start() */
                r = health_parse_hostport(c->target, &h->host, &h->port);
                if (r < 0)
                        return r;
                break;
        case HEALTH_HTTP:
                /* curl parses the URL; the config reader already checked it is http(s)://host[:port]/... */
                if (!c->target)
                        return -EINVAL;
                break;
        case HEALTH_EXEC:
                if (!c->command || !c->command[0])
                        return -EINVAL;
                if (p->cgroup && asprintf(&h->cgroup_path, "%s.health", p->cgroup) < 0) {
                        h->cgroup_path = NULL;
                        return -ENOMEM;
                }
                break;
        case HEALTH_LOG_LINE:
                if (!c->log_line || regcomp(&h->regex, c->log_line, REG_EXTENDED | REG_NOSUB) != 0)
                        return -EINVAL;
                h->regex_compiled = true;
                break;
        default:
                return -EINVAL;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

static void http_cleanup(HealthCheck *h) {
        if (!h->easy)
                return;
        curl_event_remove(h->program->manager->curl, h->easy);
        sym_curl_easy_cleanup(h->easy);
        h->easy = NULL;
}

/* Ends the check in flight (not an exec child still to be reaped after a timeout). */
static void check_cleanup(HealthCheck *h) {
        h->io = sd_event_source_disable_unref(h->io);
        h->fd = safe_close(h->fd);
        http_cleanup(h);
        if (h->timeout_timer)
                (void) sd_event_source_set_enabled(h->timeout_timer, SD_EVENT_OFF);
}

static void exec_cleanup(HealthCheck *h) {
        Manager *m = h->program->manager;

        h->child_io = sd_event_source_disable_unref(h->child_io);
        h->pidfd = safe_close(h->pidfd);
        h->pid = 0;
        h->exec_timed_out = false;
        if (h->cgroup_path && m->cgroup_root_fd >= 0) {
                (void) cgsup_cgroup_kill(m->cgroup_root_fd, h->cgroup_path);
                (void) cgsup_cgroup_remove(m->cgroup_root_fd, h->cgroup_path);
        }
}

static void line_hooks_set(HealthCheck *h, bool on);
HealthCheck *health_check_free(HealthCheck *h) {
        if (!h)
                return NULL;
        health_check_stop(h);
        if (h->pidfd >= 0) {
                /* Killed by exec_cleanup's cgroup.kill; reap so no zombie is left behind. */
                (void) cgsup_pidfd_send_signal(h->pidfd, SIGKILL);
                (void) cgsup_pidfd_wait(h->pidfd, false, NULL, NULL, NULL);
        }
        exec_cleanup(h);
        h->next_timer = sd_event_source_disable_unref(h->next_timer);
        h->timeout_timer = sd_event_source_disable_unref(h->timeout_timer);
        sd_event_unref(h->event);
        if (h->regex_compiled)
                regfree(&h->regex);
        free(h->host);
        free(h->cgroup_path);
        free(h);
        return NULL;
}

HealthKind health_current_kind(const Program *p) {
        if (p->config->health[HEALTH_READINESS].type != HEALTH_NONE && !p->health_ready)
                return HEALTH_READINESS;
        if (p->config->health[HEALTH_LIVENESS].type != HEALTH_NONE)
                return HEALTH_LIVENESS;
        return _HEALTH_KIND_INVALID;
}

/* HealthFailures moves without a state change: clients (Cockpit, `cgsupctl health`) watch it. */
static void announce_failures(Program *p) {
        Manager *m = p->manager;

        if (m->hooks.program_changed)
                m->hooks.program_changed(m, p, PROGRAM_CHANGED_HEALTH, p->state);
}

static void report_readiness_passed(Program *p) {
        const ProgramOps *ops = p->manager->ops;

        log_program(p, LOG_INFO, "Readiness check passed");
        p->health_failures = 0;
        ops->health_stop(p);
        (void) program_dispatch(p, PROGRAM_EVENT_HEALTH_OK);
        /* From now on the liveness check watches it (if there is one, and if it still runs). */
        if (health_current_kind(p) == HEALTH_LIVENESS && program_state_runs_health(p->state))
                (void) ops->health_start(p);
}

void health_check_report(Program *p, bool ok, const char *why) {
        HealthKind kind = health_current_kind(p);
        const HealthConfig *c;
        usec_t t = p->manager->ops->now(p->manager);

        if (kind < 0)
                return;
        c = &p->config->health[kind];
        if (ok) {
                if (kind == HEALTH_READINESS)
                        return report_readiness_passed(p);
                unsigned failures = p->health_failures;
                ProgramState state = p->state;

                if (p->health_failures > 0 || !p->healthy)
                        log_program(p, LOG_INFO, "Liveness check passed again");
                p->health_failures = 0;
                (void) program_dispatch(p, PROGRAM_EVENT_HEALTH_OK);
                /* A state change announced it already. */
                if (failures > 0 && p->state == state)
                        announce_failures(p);
                return;
        }
        if (!p->health_ready && t < p->health_start_usec + c->start_period) {
                log_program(p, LOG_DEBUG, "%s check failed during start_period: %s",
                            kind == HEALTH_READINESS ? "Readiness" : "Liveness", strna(why));
                return;
        }
        p->health_failures++;
        announce_failures(p);
        log_program(p, LOG_WARNING, "%s check failed (%u/%u): %s",
                    kind == HEALTH_READINESS ? "Readiness" : "Liveness", p->health_failures, c->retries,
                    strna(why));
        if (p->health_failures >= MAX(c->retries, 1U))
                (void) program_dispatch(p, PROGRAM_EVENT_HEALTH_FAIL);
}

static int on_next(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_in(HealthCheck *h, usec_t delay) {
        if (!h->event)
                return;
        if (!h->next_timer) {
                if (sd_event_add_time_relative(h->event, &h->next_timer, CLOCK_MONOTONIC, delay, 0, on_next, h) < 0)
                        return;
                (void) sd_event_source_set_description(h->next_timer, "healthcheck-interval");
        } else {
                (void) sd_event_source_set_time_relative(h->next_timer, delay);
                (void) sd_event_source_set_enabled(h->next_timer, SD_EVENT_ONESHOT);
        }
}

static void schedule_next(HealthCheck *h, bool first) {
        Program *p = h->program;
        const HealthConfig *c = check_config(h);
        usec_t t = p->manager->ops->now(p->manager), delay = c->interval;

        /* A heartbeat line is asked for once per interval, from the first one on. */
        if (h->type == HEALTH_LOG_LINE && h->kind == HEALTH_LIVENESS)
                delay = c->interval;
        else if (first || (!p->health_ready && t < p->health_start_usec + c->start_period))
                delay = MIN(c->interval, HEALTH_FAST_INTERVAL_USEC);
        schedule_in(h, delay);
}

static void finish(HealthCheck *h, bool ok, const char *why) {
        Program *p = h->program;

        check_cleanup(h);
        /* The verdict may stop the program (and so this check): schedule only if still wanted. */
        health_check_report(p, ok, why);
        if (h->active)
                schedule_next(h, false);
}

static int on_socket(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HealthCheck *h = userdata;
        char why[128];
        int err = 0;
        socklen_t l = sizeof(err);

        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
                err = errno;
        if (err != 0) {
                snprintf(why, sizeof(why), "connect to %s:%u: %s", h->host, h->port, strerror(err));
                finish(h, false, why);
                return 0;
        }
        finish(h, true, NULL);
        return 0;
}

static void on_http_done(CURL *easy, CURLcode result, void *userdata) {
        HealthCheck *h = userdata;
        const char *url = check_config(h)->target;
        long status = 0;
        char why[CURL_ERROR_SIZE + 256];

        if (result != CURLE_OK) {
                snprintf(why, sizeof(why), "%s: %s", url,
                         h->curl_error[0] ? h->curl_error : sym_curl_easy_strerror(result));
                finish(h, false, why);
                return;
        }
        (void) sym_curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        snprintf(why, sizeof(why), "%s answered %ld", url, status);
        finish(h, health_http_status_ok(status), why);
}

/* The response body is not looked at: only the status decides. */
static size_t http_discard(char *data, size_t size, size_t n, void *userdata) {
        return size * n;
}

static int http_begin(HealthCheck *h) {
        Manager *m = h->program->manager;
        const HealthConfig *c = check_config(h);
        int r;

        r = curl_event_ensure(&m->curl, m->event);
        if (r < 0)
                return r;
        r = curl_event_easy_new(c->target, c->timeout, "cgsupd-healthcheck", h->curl_error, &h->easy);
        if (r < 0)
                return r;
        if (sym_curl_easy_setopt(h->easy, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK ||
            sym_curl_easy_setopt(h->easy, CURLOPT_MAXREDIRS, HEALTH_HTTP_MAX_REDIRECTS) != CURLE_OK ||
            sym_curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, http_discard) != CURLE_OK ||
            /* A check is one request: a connection kept from the previous one could not say that the
             * server still accepts new ones. */
            sym_curl_easy_setopt(h->easy, CURLOPT_FORBID_REUSE, 1L) != CURLE_OK) {
                http_cleanup(h);
                return -EINVAL;
        }
        r = curl_event_add(m->curl, h->easy, on_http_done, h);
        if (r < 0) {
                sym_curl_easy_cleanup(h->easy);
                h->easy = NULL;
        }
        return r;
}

static int on_exec_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        HealthCheck *h = userdata;
        int code = 0, status = 0, r;
        bool timed_out = h->exec_timed_out;
        char why[128];

        r = cgsup_pidfd_wait(h->pidfd, true, &code, &status, NULL);
        if (r == 0)
                return 0;
        exec_cleanup(h);
        if (timed_out)
                return 0; /* verdict already given */
        if (r < 0)
                snprintf(why, sizeof(why), "waitid: %s", strerror(-r));
        else if (code == CLD_EXITED)
                snprintf(why, sizeof(why), "the %s command exited with %d", health_kind_to_string(h->kind),
                         status);
        else
                snprintf(why, sizeof(why), "the %s command was killed by signal %d",
                         health_kind_to_string(h->kind), status);
        finish(h, r > 0 && code == CLD_EXITED && status == 0, why);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        HealthCheck *h = userdata;
        Manager *m = h->program->manager;
        char why[160];

        if (h->type == HEALTH_EXEC) {
                snprintf(why, sizeof(why), "the %s command did not finish within the timeout",
                         health_kind_to_string(h->kind));
                /* Kill it (and what it forked); the pidfd source reaps it later without a verdict. */
                h->exec_timed_out = true;
                if (h->cgroup_path && m->cgroup_root_fd >= 0)
                        (void) cgsup_cgroup_kill(m->cgroup_root_fd, h->cgroup_path);
        } else
                snprintf(why, sizeof(why), "%s:%u did not answer within the timeout", h->host, h->port);
        finish(h, false, why);
        return 0;
}

static int arm_timeout(HealthCheck *h) {
        usec_t t = check_config(h)->timeout;

        if (!h->timeout_timer) {
                int r = sd_event_add_time_relative(h->event, &h->timeout_timer, CLOCK_MONOTONIC, t, 0, on_timeout, h);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(h->timeout_timer, "healthcheck-timeout");
                return 0;
        }
        (void) sd_event_source_set_time_relative(h->timeout_timer, t);
        return sd_event_source_set_enabled(h->timeout_timer, SD_EVENT_ONESHOT);
}

static void exec_begin(HealthCheck *h) {
        CgsupSpawnResult res = { .pidfd = -EBADF };
        const char *kind = health_kind_to_string(h->kind);
        char why[160];
        int r;

        if (h->pidfd >= 0) {
                /* The previous (timed out) command has not even died yet. */
                snprintf(why, sizeof(why), "the previous %s command is still running", kind);
                finish(h, false, why);
                return;
        }
        r = program_spawn_helper(h->program, check_config(h)->command, h->cgroup_path, &res);
        if (r < 0) {
                snprintf(why, sizeof(why), "cannot run the %s command (%s): %s", kind,
                         cgsup_spawn_step_to_string(res.failed_step) ?: "spawn", strerror(-r));
                finish(h, false, why);
                return;
        }
        h->pidfd = res.pidfd;
        h->pid = res.pid;
        r = sd_event_add_io(h->event, &h->child_io, h->pidfd, EPOLLIN, on_exec_exit, h);
        if (r < 0) {
                (void) cgsup_pidfd_send_signal(h->pidfd, SIGKILL);
                (void) cgsup_pidfd_wait(h->pidfd, false, NULL, NULL, NULL);
                exec_cleanup(h);
                snprintf(why, sizeof(why), "cannot watch the %s command", kind);
                finish(h, false, why);
                return;
        }
        (void) arm_timeout(h);
}

static void tcp_begin(HealthCheck *h) {
        char why[160];
        int r;

        /* A name that did not resolve (DNS not up yet, a typo): every check fails and counts, so the program
         * goes UNHEALTHY instead of RUNNING without a check. The lookup blocks, so it is not repeated
         * here, at every interval, but at the next start (health_check_start()). */
        if (h->addrlen == 0) {
                snprintf(why, sizeof(why), "host '%.64s' did not resolve when the program started", h->host);
                finish(h, false, why);
                return;
        }
        h->fd = socket(h->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (h->fd < 0) {
                snprintf(why, sizeof(why), "socket: %m");
                finish(h, false, why);
                return;
        }
        if (connect(h->fd, (struct sockaddr *) &h->addr, h->addrlen) < 0 && errno != EINPROGRESS) {
                snprintf(why, sizeof(why), "connect to %s:%u: %m", h->host, h->port);
                finish(h, false, why);
                return;
        }
        r = sd_event_add_io(h->event, &h->io, h->fd, EPOLLOUT, on_socket, h);
        if (r < 0) {
                finish(h, false, "cannot watch socket");
                return;
        }
        (void) arm_timeout(h);
}

static void log_line_verdict(HealthCheck *h) {
        bool matched = h->line_matched;
        char why[160];

        /* Liveness asks for a matching line in every interval; readiness for one since the start. */
        if (h->kind == HEALTH_LIVENESS)
                h->line_matched = false;
        snprintf(why, sizeof(why), "no line matched /%.100s/ %s", check_config(h)->log_line,
                 h->kind == HEALTH_LIVENESS ? "since the previous check" : "yet");
        finish(h, matched, why);
}

static void begin_check(HealthCheck *h) {
        char why[CURL_ERROR_SIZE + 64];
        int r;

        switch (h->type) {
        case HEALTH_EXEC:
                return exec_begin(h);
        case HEALTH_TCP:
                return tcp_begin(h);
        case HEALTH_LOG_LINE:
                return log_line_verdict(h);
        case HEALTH_HTTP:
                r = http_begin(h);
                if (r < 0) {
                        snprintf(why, sizeof(why), "cannot start the HTTP request: %s", strerror(-r));
                        finish(h, false, why);
                }
                return;
        default:
                return;
        }
}

static int on_next(sd_event_source *s, uint64_t usec, void *userdata) {
        HealthCheck *h = userdata;

        if (h->active && h->fd < 0 && !h->easy)
                begin_check(h);
        return 0;
}

/* Called by the log capture for every line the program prints, while a log_line check runs. */
static void on_line(void *userdata, const char *line, size_t len) {
        HealthCheck *h = userdata;
        _cleanup_free_ char *copy = NULL;

        if (!h->active || h->line_matched)
                return;
        /* regexec() wants a C string (REG_STARTEND is a glibc extension that sanitizers do not follow): a
         * copy, made only while no line has matched yet; a NUL byte in the line ends what is matched. */
        copy = strndup(line, len);
        if (!copy || regexec(&h->regex, copy, 0, NULL, 0) != 0)
                return;
        h->line_matched = true;
        /* Readiness: say so now, not at the next interval; from the loop, not from inside the capture. */
        if (h->kind == HEALTH_READINESS)
                schedule_in(h, 0);
}

static void line_hooks_set(HealthCheck *h, bool on) {
        Program *p = h->program;
        LogCapture *captures[] = { p->stdout_capture, p->stderr_capture };

        if (h->type != HEALTH_LOG_LINE)
                return;
        for (size_t i = 0; i < ELEMENTSOF(captures); i++)
                if (captures[i])
                        log_capture_set_line_hook(captures[i], on ? on_line : NULL, on ? h : NULL);
}

int health_check_start(HealthCheck *h) {
        /* Once per start until it works, never per check: the lookup blocks the loop. */
        if (h->type == HEALTH_TCP && h->addrlen == 0)
                (void) resolve(h);
        check_cleanup(h);
        h->active = true;
        h->line_matched = false;
        line_hooks_set(h, true);
        schedule_next(h, true);
        return 0;
}

void health_check_stop(HealthCheck *h) {
        if (!h)
                return;
        if (h->active)
                line_hooks_set(h, false);
        h->active = false;
        check_cleanup(h);
        if (h->next_timer)
                (void) sd_event_source_set_enabled(h->next_timer, SD_EVENT_OFF);
        if (h->pidfd >= 0 && !h->exec_timed_out) {
                Manager *m = h->program->manager;
                /* Abandon the verdict; the child source still reaps it. */
                h->exec_timed_out = true;
                if (h->cgroup_path && m->cgroup_root_fd >= 0)
                        (void) cgsup_cgroup_kill(m->cgroup_root_fd, h->cgroup_path);
        }
}

pid_t health_check_pid(const HealthCheck *h) {
        return h && h->pidfd >= 0 ? h->pid : 0;
}

int health_program_start(Program *p) {
        HealthKind kind = health_current_kind(p);
        int r;

        if (kind < 0)
                return 0;
        health_check_stop(p->health[!kind]);
        if (!p->health[kind]) {
                r = health_check_new(p, kind, &p->health[kind]);
                if (r < 0)
                        return log_program_full_errno(p, LOG_ERR, r, "Cannot set up the %s check: %m",
                                                      health_kind_to_string(kind));
        }
        return health_check_start(p->health[kind]);
}

void health_program_stop(Program *p) {
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++)
                health_check_stop(p->health[k]);
}

void health_program_free(Program *p) {
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++)
                p->health[k] = health_check_free(p->health[k]);
}
