/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <json-c/json.h>

#include "curl-event.h"
#include "event-bus.h"
#include "log.h"
#include "manager.h"
#include "strv.h"
#include "webhook.h"

#define WEBHOOK_BACKOFF_MAX_USEC (30 * USEC_PER_SEC)

struct Webhook {
        Manager *manager;
        char *name;
        char *url;
        usec_t timeout;
        unsigned retries;
        struct curl_slist *headers;
        EventSubscription *subscription;

        char **queue;            /* JSON bodies, oldest first */
        size_t n_queue;
        uint64_t dropped;        /* events lost to a full queue or to exhausted retries */

        CURL *easy;              /* the request in flight */
        char curl_error[CURL_ERROR_SIZE];
        unsigned attempt;        /* failed attempts of the event at the head of the queue */
        sd_event_source *timer;  /* the next attempt (0: from the loop, not inside an event handler) */
        bool failing;            /* in an outage: failures are not logged again */
        unsigned outage_failures;
};

static void json_object_unrefp(struct json_object **o) {
        if (*o)
                (void) json_object_put(*o);
}

static void json_set(struct json_object *o, const char *key, struct json_object *v) {
        if (v)
                (void) json_object_object_add(o, key, v);
}

static char *event_to_json(const Webhook *w, const Event *e) {
        _cleanup_(json_object_unrefp) struct json_object *o = json_object_new_object();
        char *s;

        if (!o)
                return NULL;
        json_set(o, "webhook", json_object_new_string(w->name));
        json_set(o, "event", json_object_new_string(event_type_to_string(e->type)));
        json_set(o, "serial", json_object_new_int64((int64_t) e->serial));
        json_set(o, "timestamp", json_object_new_double((double) e->realtime_usec / (double) USEC_PER_SEC));
        if (e->process_name)
                json_set(o, "program", json_object_new_string(e->process_name));
        if (e->group_name)
                json_set(o, "group", json_object_new_string(e->group_name));
        if (e->from_state >= 0)
                json_set(o, "from_state", json_object_new_string(program_state_to_string(e->from_state)));
        if (e->to_state >= 0)
                json_set(o, "state", json_object_new_string(program_state_to_string(e->to_state)));
        if (e->pid > 0)
                json_set(o, "pid", json_object_new_int64(e->pid));
        if (e->expected >= 0)
                json_set(o, "expected", json_object_new_boolean(e->expected));
        if (e->type == EVENT_PROCESS_STATE_STARTING || e->type == EVENT_PROCESS_STATE_BACKOFF)
                json_set(o, "tries", json_object_new_int64(e->tries));
        json_set(o, "payload", json_object_new_string(strempty(e->payload)));
        s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        return s;
}

static void schedule(Webhook *w, usec_t delay);

static void queue_pop(Webhook *w) {
        assert(w->n_queue > 0);
        free(w->queue[0]);
        memmove(w->queue, w->queue + 1, (w->n_queue - 1) * sizeof(char *));
        w->n_queue--;
        w->attempt = 0;
}

static void on_done(CURL *easy, CURLcode result, void *userdata) {
        Webhook *w = userdata;
        long status = 0;
        char why[CURL_ERROR_SIZE + 64];

        if (result == CURLE_OK)
                (void) sym_curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        sym_curl_easy_cleanup(w->easy);
        w->easy = NULL;

        if (result == CURLE_OK && status >= 200 && status < 300) {
                if (w->failing)
                        log_info("Webhook %s: delivered again to %s (after %u failed attempts)", w->name, w->url,
                                 w->outage_failures);
                w->failing = false;
                w->outage_failures = 0;
                queue_pop(w);
                schedule(w, 0);
                return;
        }
        if (result != CURLE_OK)
                snprintf(why, sizeof(why), "%s", w->curl_error[0] ? w->curl_error : sym_curl_easy_strerror(result));
        else
                snprintf(why, sizeof(why), "the server answered %ld", status);
        w->outage_failures++;
        if (!w->failing)
                log_warning("Webhook %s: POST %s failed: %s; retrying (further failures are logged only once "
                            "it works again)", w->name, w->url, why);
        else
                log_debug("Webhook %s: POST %s failed again: %s", w->name, w->url, why);
        w->failing = true;
        if (++w->attempt > w->retries) {
                log_debug("Webhook %s: dropping an event after %u attempts", w->name, w->attempt);
                w->dropped++;
                queue_pop(w);
                schedule(w, 0);
                return;
        }
        schedule(w, MIN(USEC_PER_SEC << MIN(w->attempt - 1, 10U), WEBHOOK_BACKOFF_MAX_USEC));
}

static int send_head(Webhook *w) {
        Manager *m = w->manager;
        int r;

        r = curl_event_ensure(&m->curl, m->event);
        if (r < 0)
                return r;
        r = curl_event_easy_new(w->url, w->timeout, "cgsupd-webhook", w->curl_error, &w->easy);
        if (r < 0)
                return r;
        if (sym_curl_easy_setopt(w->easy, CURLOPT_COPYPOSTFIELDS, w->queue[0]) != CURLE_OK ||
            sym_curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, w->headers) != CURLE_OK) {
                sym_curl_easy_cleanup(w->easy);
                w->easy = NULL;
                return -EINVAL;
        }
        r = curl_event_add(m->curl, w->easy, on_done, w);
        if (r < 0) {
                sym_curl_easy_cleanup(w->easy);
                w->easy = NULL;
        }
        return r;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Webhook *w = userdata;
        int r;

        if (w->easy || w->n_queue == 0)
                return 0;
        r = send_head(w);
        if (r < 0) {
                log_warning_errno(r, "Webhook %s: cannot start a request, dropping the event: %m", w->name);
                w->dropped++;
                queue_pop(w);
                schedule(w, 0);
        }
        return 0;
}

static void schedule(Webhook *w, usec_t delay) {
        Manager *m = w->manager;

        if (w->n_queue == 0 || w->easy || !m->event)
                return;
        if (!w->timer) {
                if (sd_event_add_time_relative(m->event, &w->timer, CLOCK_MONOTONIC, delay, USEC_PER_MSEC, on_timer,
                                               w) < 0)
                        return;
                (void) sd_event_source_set_description(w->timer, "webhook");
                return;
        }
        (void) sd_event_source_set_time_relative(w->timer, delay);
        (void) sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

/* From inside a state change: only queue (event-bus.h). */
static void on_event(Manager *m, Event *e, void *userdata) {
        Webhook *w = userdata;
        char *body = event_to_json(w, e);
        bool idle = w->n_queue == 0;

        if (!body) {
                w->dropped++;
                return;
        }
        if (w->n_queue >= WEBHOOK_QUEUE_MAX) {
                /* The oldest goes (not the one being sent: it is still in flight). */
                size_t victim = w->easy || w->attempt > 0 ? 1 : 0;

                free(w->queue[victim]);
                memmove(w->queue + victim, w->queue + victim + 1, (w->n_queue - victim - 1) * sizeof(char *));
                w->n_queue--;
                if (w->dropped++ == 0)
                        log_warning("Webhook %s: more than %u events wait, dropping the oldest", w->name,
                                    WEBHOOK_QUEUE_MAX);
        }
        char **q = reallocarray(w->queue, w->n_queue + 1, sizeof(char *));
        if (!q) {
                free(body);
                w->dropped++;
                return;
        }
        w->queue = q;
        w->queue[w->n_queue++] = body;
        /* A retry already waits for its time: the new event goes after it. */
        if (idle && w->attempt == 0)
                schedule(w, 0);
}

static Webhook *webhook_free(Webhook *w) {
        if (!w)
                return NULL;
        w->subscription = event_subscription_free(w->subscription);
        if (w->easy) {
                curl_event_remove(w->manager->curl, w->easy);
                sym_curl_easy_cleanup(w->easy);
        }
        w->timer = sd_event_source_disable_unref(w->timer);
        if (w->headers) /* NULL also when libcurl could not be loaded */
                sym_curl_slist_free_all(w->headers);
        for (size_t i = 0; i < w->n_queue; i++)
                free(w->queue[i]);
        free(w->queue);
        free(w->name);
        free(w->url);
        free(w);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Webhook *, webhook_free);

static int webhook_new(Manager *m, const WebhookConfig *c, Webhook **ret) {
        _cleanup_(webhook_freep) Webhook *w = calloc(1, sizeof(Webhook));
        EventMask mask = 0;
        int r;

        if (!w)
                return -ENOMEM;
        /* The headers list is libcurl's own type: the library is needed from here on. */
        r = dlopen_curl();
        if (r < 0)
                return r;
        w->manager = m;
        w->timeout = c->timeout;
        w->retries = c->retries;
        w->name = strdup(c->name);
        w->url = strdup(c->url);
        if (!w->name || !w->url)
                return -ENOMEM;
        w->headers = sym_curl_slist_append(NULL, "Content-Type: application/json");
        if (!w->headers)
                return -ENOMEM;
        STRV_FOREACH(h, c->headers) {
                struct curl_slist *l = sym_curl_slist_append(w->headers, *h);
                if (!l)
                        return -ENOMEM;
                w->headers = l;
        }
        STRV_FOREACH(n, c->events)
                mask |= event_mask_from_name_or_state(*n);
        r = event_bus_subscribe(m, mask, on_event, w, &w->subscription);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

void webhooks_free(Manager *m) {
        for (size_t i = 0; i < m->n_webhooks; i++)
                webhook_free(m->webhooks[i]);
        free(m->webhooks);
        m->webhooks = NULL;
        m->n_webhooks = 0;
}

int webhooks_setup(Manager *m) {
        const Config *c = m->config;
        int r;

        webhooks_free(m);
        if (!c || c->n_webhooks == 0)
                return 0;
        m->webhooks = calloc(c->n_webhooks, sizeof(Webhook *));
        if (!m->webhooks)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_webhooks; i++) {
                r = webhook_new(m, c->webhooks[i], &m->webhooks[m->n_webhooks]);
                if (r < 0)
                        return log_error_errno(r, "Webhook %s: cannot set it up: %m", c->webhooks[i]->name);
                m->n_webhooks++;
        }
        return 0;
}
