/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>

#include "cgsup/cgroup.h"
#include "health.h"
#include "log.h"
#include "manager.h"
#include "program-ops.h"
#include "program-spawn.h"

#define HEALTH_RESPONSE_MAX 1024
#define HEALTH_FAST_INTERVAL_USEC (1 * USEC_PER_SEC)

struct HealthCheck {
        Program *program;
        sd_event *event;
        HealthType type;
        bool active;             /* between health_check_start() and health_check_stop() */

        struct sockaddr_storage addr;
        socklen_t addrlen;
        char *host;
        unsigned port;
        char *path;

        int fd;                  /* tcp/http socket of the check in flight */
        sd_event_source *io;
        char *request;
        size_t request_len, request_sent;
        char response[HEALTH_RESPONSE_MAX];
        size_t response_len;

        int pidfd;               /* exec: the command in flight */
        pid_t pid;
        sd_event_source *child_io;
        bool exec_timed_out;     /* verdict already given; still waiting to reap it */
        char *cgroup_path;

        sd_event_source *next_timer;
        sd_event_source *timeout_timer;
};

bool health_http_status_ok(int status) {
        return status >= 200 && status < 400;
}

int health_http_parse_status(const char *buf, size_t n, int *ret_status) {
        const char *eol, *p;
        int status = 0;

        eol = memchr(buf, '\n', n);
        if (!eol) {
                /* The status line is short; if we hold more than a status line can be, it is not HTTP. */
                if (n >= 5 && memcmp(buf, "HTTP/", 5) != 0)
                        return -EBADMSG;
                return n > 256 ? -EBADMSG : 0;
        }
        if ((size_t) (eol - buf) < 12 || memcmp(buf, "HTTP/", 5) != 0)
                return -EBADMSG;
        p = memchr(buf, ' ', (size_t) (eol - buf));
        if (!p || eol - p < 4)
                return -EBADMSG;
        p++;
        for (int i = 0; i < 3; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return -EBADMSG;
                status = status * 10 + (p[i] - '0');
        }
        if (p[3] != ' ' && p[3] != '\r' && p[3] != '\n')
                return -EBADMSG;
        if (status < 100 || status > 599)
                return -EBADMSG;
        *ret_status = status;
        return 1;
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

int health_check_new(Program *p, HealthCheck **ret) {
        const HealthConfig *c = &p->config->health;
        _cleanup_(health_check_freep) HealthCheck *h = NULL;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->program = p;
        h->event = p->manager->event ? sd_event_ref(p->manager->event) : NULL;
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
                r = health_parse_url(c->target, &h->host, &h->port, &h->path);
                if (r < 0)
                        return r;
                r = asprintf(&h->request,
                             "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: cgsupd-healthcheck\r\n"
                             "Connection: close\r\n\r\n", h->path, h->host);
                if (r < 0) {
                        h->request = NULL;
                        return -ENOMEM;
                }
                h->request_len = (size_t) r;
                break;
        case HEALTH_EXEC:
                if (!c->command || !c->command[0])
                        return -EINVAL;
                if (p->cgroup && asprintf(&h->cgroup_path, "%s.health", p->cgroup) < 0) {
                        h->cgroup_path = NULL;
                        return -ENOMEM;
                }
                break;
        default:
                return -EINVAL;
        }
        *ret = TAKE_PTR(h);
        return 0;
}

/* Ends the check in flight (not an exec child still to be reaped after a timeout). */
static void check_cleanup(HealthCheck *h) {
        h->io = sd_event_source_disable_unref(h->io);
        h->fd = safe_close(h->fd);
        h->request_sent = 0;
        h->response_len = 0;
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
        free(h->host);
        free(h->path);
        free(h->request);
        free(h->cgroup_path);
        free(h);
        return NULL;
}

void health_check_report(Program *p, bool ok, const char *why) {
        const HealthConfig *c = &p->config->health;
        usec_t t = p->manager->ops->now(p->manager);

        if (ok) {
                if (!p->health_ready)
                        log_program(p, LOG_INFO, "Healthcheck passed (ready)");
                else if (p->health_failures > 0 || !p->healthy)
                        log_program(p, LOG_INFO, "Healthcheck passed again");
                p->health_failures = 0;
                (void) program_dispatch(p, PROGRAM_EVENT_HEALTH_OK);
                return;
        }
        if (!p->health_ready && t < p->health_start_usec + c->start_period) {
                log_program(p, LOG_DEBUG, "Healthcheck failed during start_period: %s", strna(why));
                return;
        }
        p->health_failures++;
        log_program(p, LOG_WARNING, "Healthcheck failed (%u/%u): %s", p->health_failures, c->retries,
                    strna(why));
        if (p->health_failures >= MAX(c->retries, 1U))
                (void) program_dispatch(p, PROGRAM_EVENT_HEALTH_FAIL);
}

static int on_next(sd_event_source *s, uint64_t usec, void *userdata);

static void schedule_next(HealthCheck *h, bool first) {
        Program *p = h->program;
        const HealthConfig *c = &p->config->health;
        usec_t t = p->manager->ops->now(p->manager), delay = c->interval;

        if (first || (!p->health_ready && t < p->health_start_usec + c->start_period))
                delay = MIN(c->interval, HEALTH_FAST_INTERVAL_USEC);
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
        int err = 0, status;
        socklen_t l = sizeof(err);
        ssize_t k;

        if (h->request_sent == 0 && h->response_len == 0) {
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
                        err = errno;
                if (err != 0) {
                        snprintf(why, sizeof(why), "connect to %s:%u: %s", h->host, h->port, strerror(err));
                        finish(h, false, why);
                        return 0;
                }
                if (h->type == HEALTH_TCP) {
                        finish(h, true, NULL);
                        return 0;
                }
        }
        if (h->request_sent < h->request_len) {
                k = send(fd, h->request + h->request_sent, h->request_len - h->request_sent, MSG_NOSIGNAL);
                if (k < 0 && errno != EAGAIN && errno != EINTR) {
                        snprintf(why, sizeof(why), "send to %s:%u: %m", h->host, h->port);
                        finish(h, false, why);
                        return 0;
                }
                if (k > 0)
                        h->request_sent += (size_t) k;
                if (h->request_sent == h->request_len)
                        (void) sd_event_source_set_io_events(s, EPOLLIN);
                return 0;
        }
        k = recv(fd, h->response + h->response_len, sizeof(h->response) - h->response_len, 0);
        if (k < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                snprintf(why, sizeof(why), "recv from %s:%u: %m", h->host, h->port);
                finish(h, false, why);
                return 0;
        }
        h->response_len += (size_t) k;
        switch (health_http_parse_status(h->response, h->response_len, &status)) {
        case 1:
                snprintf(why, sizeof(why), "http://%s:%u%s answered %d", h->host, h->port, h->path, status);
                finish(h, health_http_status_ok(status), why);
                return 0;
        case 0:
                if (k > 0 && h->response_len < sizeof(h->response))
                        return 0;
                _fallthrough_;
        default:
                snprintf(why, sizeof(why), "http://%s:%u%s: no valid HTTP status line", h->host, h->port,
                         h->path);
                finish(h, false, why);
                return 0;
        }
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
                snprintf(why, sizeof(why), "healthcheck_command exited with %d", status);
        else
                snprintf(why, sizeof(why), "healthcheck_command killed by signal %d", status);
        finish(h, r > 0 && code == CLD_EXITED && status == 0, why);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        HealthCheck *h = userdata;
        Manager *m = h->program->manager;
        char why[160];

        if (h->type == HEALTH_EXEC) {
                snprintf(why, sizeof(why), "healthcheck_command did not finish within the timeout");
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
        usec_t t = h->program->config->health.timeout;

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

static void begin_check(HealthCheck *h) {
        Program *p = h->program;
        char why[160];
        int r;

        if (h->type == HEALTH_EXEC) {
                CgsupSpawnResult res = { .pidfd = -EBADF };

                if (h->pidfd >= 0) {
                        /* The previous (timed out) command has not even died yet. */
                        finish(h, false, "previous healthcheck_command still running");
                        return;
                }
                r = program_spawn_helper(p, p->config->health.command, h->cgroup_path, &res);
                if (r < 0) {
                        snprintf(why, sizeof(why), "cannot run healthcheck_command (%s): %s",
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
                        finish(h, false, "cannot watch healthcheck_command");
                        return;
                }
                (void) arm_timeout(h);
                return;
        }

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

static int on_next(sd_event_source *s, uint64_t usec, void *userdata) {
        HealthCheck *h = userdata;

        if (h->active && h->fd < 0)
                begin_check(h);
        return 0;
}

int health_check_start(HealthCheck *h) {
        /* Once per start until it works, never per check: the lookup blocks the loop. */
        if ((h->type == HEALTH_TCP || h->type == HEALTH_HTTP) && h->addrlen == 0)
                (void) resolve(h);
        check_cleanup(h);
        h->active = true;
        schedule_next(h, true);
        return 0;
}

void health_check_stop(HealthCheck *h) {
        if (!h)
                return;
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
