/* SPDX-License-Identifier: MIT */
/*
 * [webhook:NAME] (Kahi's webhooks): url, events, timeout, retries, headers. The event names are checked
 * here against supervisord's event types (src/shared/event-type.h), so `cgsupctl validate` and
 * `cgsupd --check-config` refuse what the daemon would.
 */
#include <assert.h>
#include <ctype.h>
#include <strings.h>

#include "conf-internal.h"
#include "event-type.h"
#include "parse-util.h"
#include "strv.h"

#define WEBHOOK_MAX_RETRIES 100U

/* All read by webhook_key(), in the sample's order. */
const KeyDef conf_webhook_keys[] = {
        { "url", KEY_SPECIAL, 0, "https://hooks.example.net/cgsup", SAMPLE_EXAMPLE,
          "required: http:// or https://" },
        { "events", KEY_SPECIAL, 0, "FATAL, EXITED", SAMPLE_EXAMPLE,
          "event types, supertypes, or state names (default: PROCESS_STATE)" },
        { "timeout", KEY_SPECIAL, 0, "5s", SAMPLE_DEFAULT, "bound of one attempt" },
        { "retries", KEY_SPECIAL, 0, "3", SAMPLE_DEFAULT,
          "attempts after a failure, with backoff (0..100)" },
        { "headers", KEY_SPECIAL, 0, "Authorization=\"Bearer secret\"", SAMPLE_EXAMPLE, "request headers" },
};
const size_t conf_webhook_n_keys = ELEMENTSOF(conf_webhook_keys);

WebhookConfig *webhook_config_free(WebhookConfig *w) {
        if (!w)
                return NULL;
        free(w->name);
        free(w->url);
        strv_free(w->events);
        strv_free(w->headers);
        free(w->source_file);
        free(w);
        return NULL;
}

/* "PROCESS_STATE_FATAL, FATAL tick_60" -> upper-case words, each an event type, a supertype or a state
 * name; -EINVAL with the first bad word. */
static int split_events(const char *v, char ***ret, char **reterr_word) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *copy = strdup(v);
        char *save = NULL;

        if (!copy)
                return -ENOMEM;
        for (char *t = strtok_r(copy, ", \t\n", &save); t; t = strtok_r(NULL, ", \t\n", &save)) {
                _cleanup_free_ char *upper = strdup(t);

                if (!upper)
                        return -ENOMEM;
                for (char *c = upper; *c; c++)
                        *c = (char) toupper((unsigned char) *c);
                if (event_mask_from_name_or_state(upper) == 0) {
                        *reterr_word = strdup(t);
                        return -EINVAL;
                }
                if (strv_push(&l, upper) < 0)
                        return -ENOMEM;
                TAKE_PTR(upper);
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* headers = Name="value",Other=value (environment= syntax) -> "Name: value". */
static int parse_headers(const char *v, char ***ret, const char **reterr_why) {
        _cleanup_strv_free_ char **kv = NULL, **l = NULL;
        int r;

        r = conf_parse_environment(v, &kv, reterr_why);
        if (r < 0)
                return r;
        STRV_FOREACH(e, kv) {
                const char *eq = strchr(*e, '=');
                _cleanup_free_ char *h = NULL;

                assert(eq);
                if (eq == *e || strpbrk(eq + 1, "\r\n")) {
                        *reterr_why = "a header needs a name, and its value no line break";
                        return -EINVAL;
                }
                if (asprintf(&h, "%.*s: %s", (int) (eq - *e), *e, eq + 1) < 0)
                        return -ENOMEM;
                if (strv_extend(&l, h) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static int webhook_key(Config *c, IniSection *s, IniEntry *e, const char *v, WebhookConfig *w) {
        const char *why = NULL;
        int r;

        if (streq(e->key, "url")) {
                if (strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0) {
                        why = "not an http:// or https:// URL";
                        goto bad;
                }
                free(w->url);
                w->url = strdup(v);
                return w->url ? 0 : -ENOMEM;
        }
        if (streq(e->key, "events")) {
                _cleanup_free_ char *word = NULL;
                _cleanup_strv_free_ char **l = NULL;

                r = split_events(v, &l, &word);
                if (r == -EINVAL) {
                        conf_error(c, e->file, e->line,
                                   "[%s] events=%s: '%s' is neither an event type (e.g. PROCESS_STATE_FATAL, "
                                   "PROCESS_STATE, TICK_60) nor a state name (e.g. FATAL, EXITED).",
                                   s->name, v, strna(word));
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
                strv_free(w->events);
                w->events = TAKE_PTR(l);
                return 0;
        }
        if (streq(e->key, "timeout")) {
                if (parse_sec(v, &w->timeout) < 0 || w->timeout == 0) {
                        why = "not a time span above 0 (e.g. 5s)";
                        goto bad;
                }
                return 0;
        }
        if (streq(e->key, "retries")) {
                if (safe_atou(v, &w->retries) < 0 || w->retries > WEBHOOK_MAX_RETRIES) {
                        why = "not a number of retries 0..100";
                        goto bad;
                }
                return 0;
        }
        if (streq(e->key, "headers")) {
                _cleanup_strv_free_ char **l = NULL;

                r = parse_headers(v, &l, &why);
                if (r == -EINVAL) {
                        /* Not echoed: headers carry tokens. */
                        conf_error(c, e->file, e->line, "[%s] headers=%s: %s.", s->name, CONF_VALUE_NOT_SHOWN, why);
                        return -EINVAL;
                }
                if (r < 0)
                        return r;
                strv_free(w->headers);
                w->headers = TAKE_PTR(l);
                return 0;
        }
        return 0;
bad:
        conf_error(c, e->file, e->line, "[%s] %s=%s: %s.", s->name, e->key, v, why);
        return -EINVAL;
}

int conf_webhook_section(Config *c, IniSection *s, const ExpandVars *v) {
        _cleanup_(webhook_config_freep) WebhookConfig *w = NULL;
        const char *name = s->name + strlen("webhook:");
        const char *why = program_name_invalid_reason(name);
        bool failed = false;
        int r;

        assert(c && s && v);
        if (why) {
                conf_error(c, s->file, s->line, "[%s]: the webhook name %s (" PROGRAM_NAME_RULE ").", s->name, why);
                return 0;
        }
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->timeout = 5 * USEC_PER_SEC;
        w->retries = 3;
        w->source_line = s->line;
        if (!(w->name = strdup(name)) || !(w->source_file = strdup(strempty(s->file))) ||
            strv_extend(&w->events, "PROCESS_STATE") < 0)
                return -ENOMEM;
        for (size_t i = 0; i < conf_webhook_n_keys; i++) {
                _cleanup_free_ char *val = NULL;
                IniEntry *e = ini_section_get(s, conf_webhook_keys[i].key);

                if (!e)
                        continue;
                r = conf_get_expanded(c, s, e, v, &val);
                if (r == -EINVAL) {
                        failed = true;
                        continue;
                }
                if (r < 0)
                        return r;
                r = webhook_key(c, s, e, val, w);
                if (r == -EINVAL)
                        failed = true;
                else if (r < 0)
                        return r;
        }
        if (failed)
                return 0;
        if (!w->url) {
                conf_error(c, s->file, s->line, "[%s] has no url=.", s->name);
                return 0;
        }
        WebhookConfig **n = reallocarray(c->webhooks, c->n_webhooks + 1, sizeof(WebhookConfig *));
        if (!n)
                return -ENOMEM;
        c->webhooks = n;
        n[c->n_webhooks++] = TAKE_PTR(w);
        return 0;
}
