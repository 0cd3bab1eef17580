/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <stdlib.h>

#include "curl-event.h"
#include "log.h"

struct CurlEvent {
        sd_event *event;
        CURLM *multi;
        sd_event_source *timer;
        /* A finished transfer's callback must not run inside sym_curl_multi_socket_action() nor inside
         * curl_event_add(): a deferred source collects them at the next loop iteration. */
        sd_event_source *defer;
        struct Transfer *transfers; /* running, so that curl_event_free() can abandon them */
};

/* Kept in CURLOPT_PRIVATE of each easy handle we run. */
typedef struct Transfer {
        CURL *easy;
        CurlEventDone done;
        void *userdata;
        struct Transfer *prev, *next;
} Transfer;

static void transfer_unlink(CurlEvent *c, Transfer *t) {
        if (t->prev)
                t->prev->next = t->next;
        else
                c->transfers = t->next;
        if (t->next)
                t->next->prev = t->prev;
        (void) sym_curl_multi_remove_handle(c->multi, t->easy);
        (void) sym_curl_easy_setopt(t->easy, CURLOPT_PRIVATE, NULL);
}

static Transfer *transfer_of(CURL *easy) {
        char *priv = NULL;

        (void) sym_curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
        return (Transfer *) priv;
}

static void collect_finished(CurlEvent *c) {
        CURLMsg *msg;
        int left;

        while ((msg = sym_curl_multi_info_read(c->multi, &left))) {
                CURL *easy = msg->easy_handle;
                CURLcode result = msg->data.result;
                Transfer *t;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                t = transfer_of(easy);
                if (!t)
                        continue;
                transfer_unlink(c, t);
                CurlEventDone done = t->done;
                void *userdata = t->userdata;
                free(t);
                done(easy, result, userdata);
        }
}

static void socket_action(CurlEvent *c, curl_socket_t fd, int events) {
        int running = 0;

        (void) sym_curl_multi_socket_action(c->multi, fd, events, &running);
        collect_finished(c);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        int events = 0;

        if (revents & (EPOLLIN | EPOLLHUP))
                events |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                events |= CURL_CSELECT_OUT;
        if (revents & EPOLLERR)
                events |= CURL_CSELECT_ERR;
        socket_action(userdata, fd, events);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        socket_action(userdata, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

static int on_defer(sd_event_source *s, void *userdata) {
        CurlEvent *c = userdata;

        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        socket_action(c, CURL_SOCKET_TIMEOUT, 0);
        return 0;
}

/* CURLMOPT_SOCKETFUNCTION: watch @fd for what curl wants, or stop watching it. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        CurlEvent *c = userp;
        sd_event_source *s = socketp;
        uint32_t events = (what == CURL_POLL_IN || what == CURL_POLL_INOUT ? EPOLLIN : 0) |
                          (what == CURL_POLL_OUT || what == CURL_POLL_INOUT ? EPOLLOUT : 0);
        int r;

        if (what == CURL_POLL_REMOVE) {
                (void) sd_event_source_disable_unref(s);
                (void) sym_curl_multi_assign(c->multi, fd, NULL);
                return 0;
        }
        if (s) {
                (void) sd_event_source_set_io_events(s, events);
                return 0;
        }
        r = sd_event_add_io(c->event, &s, fd, events, on_io, c);
        if (r < 0) {
                log_warning_errno(r, "Cannot watch an HTTP connection, it will time out: %m");
                return -1;
        }
        (void) sd_event_source_set_description(s, "curl-socket");
        (void) sym_curl_multi_assign(c->multi, fd, s);
        return 0;
}

/* CURLMOPT_TIMERFUNCTION: wake curl after @timeout_ms (-1: no timer wanted). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp) {
        CurlEvent *c = userp;
        usec_t usec = timeout_ms > 0 ? (usec_t) timeout_ms * USEC_PER_MSEC : 0;
        int r;

        if (timeout_ms < 0)
                return c->timer ? sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0 : 0;
        if (!c->timer) {
                r = sd_event_add_time_relative(c->event, &c->timer, CLOCK_MONOTONIC, usec, USEC_PER_MSEC,
                                               on_timer, c);
                if (r < 0)
                        return -1;
                (void) sd_event_source_set_description(c->timer, "curl-timer");
                return 0;
        }
        if (sd_event_source_set_time_relative(c->timer, usec) < 0 ||
            sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

int curl_event_new(sd_event *event, CurlEvent **ret) {
        _cleanup_(curl_event_freep) CurlEvent *c = NULL;
        int r;

        assert(event);
        assert(ret);
        r = dlopen_curl();
        if (r < 0)
                return r;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        /* Reference-counted by libcurl; paired with sym_curl_global_cleanup() in curl_event_free(). */
        if (sym_curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                free(TAKE_PTR(c));
                return -EIO;
        }
        c->event = sd_event_ref(event);
        c->multi = sym_curl_multi_init();
        if (!c->multi)
                return -ENOMEM;
        if (sym_curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket) != CURLM_OK ||
            sym_curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
            sym_curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer) != CURLM_OK ||
            sym_curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK)
                return -EIO;
        r = sd_event_add_defer(event, &c->defer, on_defer, c);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(c->defer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(c->defer, "curl-collect");
        *ret = TAKE_PTR(c);
        return 0;
}

CurlEvent *curl_event_free(CurlEvent *c) {
        if (!c)
                return NULL;
        if (c->multi) {
                while (c->transfers)
                        curl_event_remove(c, c->transfers->easy);
                /* Closes the connections it kept alive; their sockets' sources go through on_curl_socket. */
                (void) sym_curl_multi_cleanup(c->multi);
        }
        c->timer = sd_event_source_disable_unref(c->timer);
        c->defer = sd_event_source_disable_unref(c->defer);
        sd_event_unref(c->event);
        if (c->multi)
                sym_curl_global_cleanup();
        free(c);
        return NULL;
}

int curl_event_add(CurlEvent *c, CURL *easy, CurlEventDone done, void *userdata) {
        Transfer *t;

        assert(c);
        assert(easy);
        assert(done);
        t = malloc(sizeof(*t));
        if (!t)
                return -ENOMEM;
        *t = (Transfer) { .easy = easy, .done = done, .userdata = userdata, .next = c->transfers };
        (void) sym_curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
        if (sym_curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
                (void) sym_curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
                free(t);
                return -EIO;
        }
        if (c->transfers)
                c->transfers->prev = t;
        c->transfers = t;
        /* curl asks for its timer from inside add_handle; the first action runs from the loop. */
        (void) sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
        return 0;
}

void curl_event_remove(CurlEvent *c, CURL *easy) {
        Transfer *t;

        if (!c || !easy)
                return;
        t = transfer_of(easy);
        if (!t)
                return;
        transfer_unlink(c, t);
        free(t);
}

int curl_event_ensure(CurlEvent **c, sd_event *event) {
        assert(c);
        return *c ? 0 : curl_event_new(event, c);
}

int curl_event_easy_new(const char *url, uint64_t timeout_usec, const char *user_agent, char *errbuf, CURL **ret) {
        long timeout_ms = (long) MAX(timeout_usec / USEC_PER_MSEC, (uint64_t) 1);
        CURL *easy;

        assert(url && user_agent && errbuf && ret);
        easy = sym_curl_easy_init();
        if (!easy)
                return -ENOMEM;
        errbuf[0] = '\0';
        /* http(s) only, also after a redirect: a configured URL never makes cgsupd read file:// or speak
         * another protocol. NOSIGNAL: no SIGALRM around name lookups in a daemon with its own signals. */
        if (sym_curl_easy_setopt(easy, CURLOPT_URL, url) != CURLE_OK ||
            sym_curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
            sym_curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            sym_curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK ||
            sym_curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK ||
            sym_curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
            sym_curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent) != CURLE_OK) {
                sym_curl_easy_cleanup(easy);
                return -EINVAL;
        }
        *ret = easy;
        return 0;
}
