/* SPDX-License-Identifier: MIT */
/*
 * cgsup-metrics: serves GET /metrics over HTTP for Prometheus, reading cgsupd over D-Bus (one
 * GetMetrics() call per scrape). It is a separate, unprivileged program so that cgsupd never parses
 * HTTP. Sockets come from systemd (units/cgsup-metrics.socket) or --listen ADDR:PORT.
 *
 * Deliberately small: one connection at a time (the listening sockets are switched off while one is
 * served; Prometheus scrapes sequentially), a bounded request head, a deadline for the whole exchange,
 * "Connection: close" after every response, no request bodies. No threads: sd-event runs everything,
 * and the D-Bus call is synchronous with its own timeout.
 */

#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "cgsup/bus-names.h"
#include "fd-util.h"
#include "http.h"
#include "log.h"
#include "macro.h"
#include "metrics-model.h"

#define CONNECTION_TIMEOUT_USEC (10 * USEC_PER_SEC) /* whole exchange: request, scrape, response */
#define BUS_CALL_TIMEOUT_USEC (8 * USEC_PER_SEC)
#define LISTEN_MAX 16

static const char *arg_listen = NULL;
static bool arg_user = false;

typedef struct Server Server;

typedef struct Connection {
        Server *server;
        int fd;
        sd_event_source *io, *timer;
        char in[HTTP_REQUEST_MAX];
        size_t n_in;
        char *out;
        size_t n_out, out_done;
} Connection;

struct Server {
        sd_event *event;
        sd_bus *bus; /* connected on the first scrape, again after it broke */
        sd_event_source *listen[LISTEN_MAX];
        size_t n_listen;
        Connection *connection; /* the one being served, or NULL */
        bool bus_error_logged;
};

static void server_listen_enable(Server *s, bool on) {
        for (size_t i = 0; i < s->n_listen; i++)
                (void) sd_event_source_set_enabled(s->listen[i], on ? SD_EVENT_ON : SD_EVENT_OFF);
}

static Connection *connection_free(Connection *c) {
        if (!c)
                return NULL;
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->timer);
        if (c->fd >= 0)
                (void) close(c->fd);
        free(c->out);
        if (c->server && c->server->connection == c) {
                c->server->connection = NULL;
                server_listen_enable(c->server, true);
        }
        free(c);
        return NULL;
}

/* ---- the scrape ---- */

static int bus_reconnect(Server *s) {
        if (s->bus && sd_bus_is_open(s->bus) > 0)
                return 0;
        s->bus = sd_bus_flush_close_unref(s->bus);
        /* DBUS_SYSTEM_BUS_ADDRESS / DBUS_SESSION_BUS_ADDRESS are honoured by sd-bus. */
        return arg_user ? sd_bus_open_user_with_description(&s->bus, "cgsup-metrics") :
                          sd_bus_open_system_with_description(&s->bus, "cgsup-metrics");
}

static int scrape(Server *s, MetricsModel **ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = bus_reconnect(s);
        if (r < 0)
                return log_warning_errno(r, "Cannot connect to the %s bus: %m", arg_user ? "session" : "system");
        r = sd_bus_message_new_method_call(s->bus, &call, CGSUP_BUS_NAME, CGSUP_BUS_PATH,
                                           CGSUP_BUS_MANAGER_INTERFACE, METRICS_METHOD);
        if (r < 0)
                return log_error_errno(r, "Cannot create the D-Bus call: %m");
        r = sd_bus_call(s->bus, call, BUS_CALL_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                /* Log a failing daemon once, not at every scrape; cgsup_up 0 says it to Prometheus. */
                if (!s->bus_error_logged)
                        log_warning_errno(r, "%s.%s failed: %s", CGSUP_BUS_MANAGER_INTERFACE, METRICS_METHOD,
                                          error.message ?: strerror(-r));
                s->bus_error_logged = true;
                return r;
        }
        if (s->bus_error_logged)
                log_info("%s answers again.", CGSUP_BUS_NAME);
        s->bus_error_logged = false;
        r = metrics_model_read(reply, ret);
        if (r < 0)
                return log_warning_errno(r, "Cannot read the reply of %s: %m", METRICS_METHOD);
        return 0;
}

/* The body of a /metrics response: the model, or cgsup_up 0 when the daemon could not be asked. */
static int render_metrics(Server *s, ExpoFormat format, char **ret, size_t *ret_size) {
        _cleanup_(metrics_model_freep) MetricsModel *model = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        ExpoWriter w;
        FILE *f;
        int r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        expo_writer_init(&w, f, format);
        if (scrape(s, &model) >= 0)
                (void) metrics_model_write(model, &w);
        else
                (void) metrics_write_down(&w);
        r = expo_finish(&w);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* ---- the connection ---- */

static int connection_respond(Connection *c, int status, const char *content_type, char *body, size_t n,
                              bool with_body) {
        _cleanup_free_ char *head = NULL, *owned = body;
        char *out;
        size_t hn;
        int r;

        r = http_response_head(status, content_type, n, &head);
        if (r < 0)
                return r;
        hn = strlen(head);
        out = malloc(hn + (with_body ? n : 0) + 1);
        if (!out)
                return -ENOMEM;
        memcpy(out, head, hn);
        if (with_body && n > 0)
                memcpy(out + hn, owned, n);
        free(c->out);
        c->out = out;
        c->n_out = hn + (with_body ? n : 0);
        c->out_done = 0;
        return sd_event_source_set_io_events(c->io, EPOLLOUT);
}

static int connection_respond_text(Connection *c, int status, const char *text) {
        char *body = strdup(text);
        if (!body)
                return -ENOMEM;
        return connection_respond(c, status, "text/plain; charset=utf-8", body, strlen(body), true);
}

static int connection_handle(Connection *c, const HttpRequest *req) {
        bool head = streq(req->method, "HEAD");
        ExpoFormat format;
        char *body = NULL;
        size_t n = 0;
        int r;

        if (!streq(req->path, "/metrics"))
                return connection_respond_text(c, 404, "Not found: cgsup-metrics serves /metrics only.\n");
        if (!head && !streq(req->method, "GET"))
                return connection_respond_text(c, 405, "Only GET and HEAD are supported.\n");

        format = http_negotiate_format(req->accept);
        r = render_metrics(c->server, format, &body, &n);
        if (r < 0) {
                log_error_errno(r, "Cannot render the metrics: %m");
                return connection_respond_text(c, 500, "Internal error.\n");
        }
        return connection_respond(c, 200, expo_content_type(format), body, n, !head);
}

static int connection_read(Connection *c) {
        HttpRequest req;
        ssize_t k;
        int r;

        k = read(c->fd, c->in + c->n_in, sizeof c->in - c->n_in);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (k == 0)
                return -ECONNRESET; /* closed before a complete request */
        c->n_in += (size_t) k;

        r = http_request_parse(c->in, c->n_in, &req);
        if (r == 0)
                return 0;
        if (r == -E2BIG)
                return connection_respond_text(c, 431, "Request head too large.\n");
        if (r == -EPROTONOSUPPORT)
                return connection_respond_text(c, 505, "HTTP/1.0 and HTTP/1.1 only.\n");
        if (r < 0)
                return connection_respond_text(c, 400, "Malformed request.\n");
        return connection_handle(c, &req);
}

static int connection_write(Connection *c) {
        ssize_t k;

        k = send(c->fd, c->out + c->out_done, c->n_out - c->out_done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        c->out_done += (size_t) k;
        if (c->out_done < c->n_out)
                return 0;
        /* All sent: half-close so the client sees the end, then we are done. */
        (void) shutdown(c->fd, SHUT_WR);
        return 1;
}

static int on_connection_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Connection *c = userdata;
        int r;

        if (c->out)
                r = connection_write(c);
        else if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                r = connection_read(c);
        else
                r = 0;
        if (r < 0)
                log_debug_errno(r, "Connection closed: %m");
        if (r != 0)
                connection_free(c);
        return 0;
}

static int on_connection_timeout(sd_event_source *source, uint64_t usec, void *userdata) {
        log_debug("Connection timed out.");
        connection_free(userdata);
        return 0;
}

static int on_listen_io(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Server *s = userdata;
        _cleanup_close_ int cfd = -EBADF;
        Connection *c;
        int r;

        if (s->connection)
                return 0; /* switched off while one is served; a level-triggered leftover */

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        log_warning_errno(errno, "accept() failed, ignoring: %m");
                return 0;
        }

        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom(), 0;
        c->fd = TAKE_FD(cfd);
        c->server = s;
        r = sd_event_add_io(s->event, &c->io, c->fd, EPOLLIN, on_connection_io, c);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &c->timer, CLOCK_MONOTONIC, CONNECTION_TIMEOUT_USEC, 0,
                                               on_connection_timeout, c);
        if (r < 0) {
                log_warning_errno(r, "Cannot watch a connection, dropping it: %m");
                c->server = NULL;
                connection_free(c);
                return 0;
        }
        s->connection = c;
        server_listen_enable(s, false);
        return 0;
}

/* ---- sockets ---- */

static int listen_address(const char *spec, int *ret_fd) {
        _cleanup_free_ char *host = NULL;
        struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res = NULL;
        const char *colon = strrchr(spec, ':'), *port;
        int fd = -EBADF, r;

        if (!colon || colon == spec || isempty(colon + 1))
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--listen '%s': expected ADDRESS:PORT (e.g. 127.0.0.1:9558).", spec);
        port = colon + 1;
        /* [::1]:9558 */
        if (spec[0] == '[' && colon[-1] == ']')
                host = strndup(spec + 1, (size_t) (colon - spec - 2));
        else
                host = strndup(spec, (size_t) (colon - spec));
        if (!host)
                return log_oom();

        r = getaddrinfo(host, port, &hints, &res);
        if (r != 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "--listen '%s': %s", spec, gai_strerror(r));

        r = -EADDRNOTAVAIL;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
                int one = 1;

                fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd < 0) {
                        r = -errno;
                        continue;
                }
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
                if (bind(fd, a->ai_addr, a->ai_addrlen) >= 0 && listen(fd, 16) >= 0) {
                        r = 0;
                        break;
                }
                r = -errno;
                (void) close(fd);
                fd = -EBADF;
        }
        freeaddrinfo(res);
        if (r < 0)
                return log_error_errno(r, "Cannot listen on %s: %m", spec);
        *ret_fd = fd;
        return 0;
}

/* "Listening on 127.0.0.1:43117": with port 0 this is how a caller learns the port. */
static void log_listening(int fd) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        char host[NI_MAXHOST], serv[NI_MAXSERV];

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0 ||
            getnameinfo((struct sockaddr *) &ss, len, host, sizeof host, serv, sizeof serv,
                        NI_NUMERICHOST | NI_NUMERICSERV) != 0)
                return;
        log_info(ss.ss_family == AF_INET6 ? "Listening on [%s]:%s" : "Listening on %s:%s", host, serv);
}

static int server_add_listener(Server *s, int fd) {
        int r;

        if (s->n_listen >= LISTEN_MAX) {
                (void) close(fd);
                return log_error_errno(SYNTHETIC_ERRNO(E2BIG), "At most %d listening sockets.", LISTEN_MAX);
        }
        r = fd_set_nonblock(fd, true);
        if (r >= 0)
                r = sd_event_add_io(s->event, &s->listen[s->n_listen], fd, EPOLLIN, on_listen_io, s);
        if (r < 0) {
                (void) close(fd);
                return log_error_errno(r, "Cannot watch listening socket: %m");
        }
        (void) sd_event_source_set_io_fd_own(s->listen[s->n_listen], true);
        s->n_listen++;
        log_listening(fd);
        return 0;
}

static int server_open_sockets(Server *s) {
        int n, fd = -EBADF, r;

        if (arg_listen) {
                r = listen_address(arg_listen, &fd);
                if (r < 0)
                        return r;
                return server_add_listener(s, fd);
        }

        n = sd_listen_fds(true);
        if (n < 0)
                return log_error_errno(n, "Cannot take the sockets passed by systemd: %m");
        if (n == 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL),
                                       "No socket passed by systemd: start cgsup-metrics.socket, or use --listen ADDRESS:PORT.");
        for (fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; fd++) {
                if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
                        (void) close(fd);
                        log_warning("Passed fd %d is not a listening stream socket, ignoring.", fd);
                        continue;
                }
                r = server_add_listener(s, fd);
                if (r < 0)
                        return r;
        }
        if (s->n_listen == 0)
                return log_error_errno(SYNTHETIC_ERRNO(EINVAL), "None of the passed fds is a listening stream socket.");
        return 0;
}

static void server_done(Server *s) {
        connection_free(s->connection);
        for (size_t i = 0; i < s->n_listen; i++)
                sd_event_source_disable_unref(s->listen[i]);
        sd_bus_flush_close_unref(s->bus);
        sd_event_unref(s->event);
}

/* ---- main ---- */

static void help(void) {
        printf("cgsup-metrics [OPTIONS...]\n\n"
               "Serve cgsupd's metrics for Prometheus at /metrics over HTTP.\n\n"
               "  -h --help               show this help\n"
               "     --version            show the version\n"
               "     --listen ADDR:PORT   listen there (default: the sockets systemd passes)\n"
               "     --user               read the user instance (cgsupd --user) on the session bus\n\n"
               "See cgsup-metrics(8).\n");
}

static int parse_argv(int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_LISTEN, ARG_USER, ARG_SYSTEM };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "listen", required_argument, NULL, ARG_LISTEN },
                { "user", no_argument, NULL, ARG_USER },
                { "system", no_argument, NULL, ARG_SYSTEM },
                {},
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cgsup-metrics %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_LISTEN:
                        arg_listen = optarg;
                        break;
                case ARG_USER:
                        arg_user = true;
                        break;
                case ARG_SYSTEM:
                        arg_user = false;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc) {
                log_error("Unexpected argument '%s'.", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

static int run(int argc, char **argv) {
        _cleanup_(server_done) Server s = {};
        sigset_t mask;
        int r;

        log_set_ident("cgsup-metrics");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        r = sd_event_default(&s.event);
        if (r < 0)
                return log_error_errno(r, "Cannot create the event loop: %m"), 1;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(errno, "sigprocmask() failed: %m"), 1;
        r = sd_event_add_signal(s.event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(s.event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Cannot watch signals: %m"), 1;

        r = server_open_sockets(&s);
        if (r < 0)
                return 1;
        (void) sd_notify(false, "READY=1");

        r = sd_event_loop(s.event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), 1;
        return 0;
}

int main(int argc, char **argv) {
        return run(argc, argv);
}
