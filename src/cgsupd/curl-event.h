/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libcurl's multi interface driven by the sd-event loop: curl tells us which sockets to watch and when to
 * wake it (CURLMOPT_SOCKETFUNCTION / CURLMOPT_TIMERFUNCTION), we turn those into io and time sources, and
 * each finished transfer is handed to its owner's callback from the loop. Nothing blocks: connects, TLS
 * handshakes and redirects all progress inside curl_multi_socket_action(). One per daemon, shared by the
 * HTTP(S) health checks and the webhooks. Making it loads libcurl (curl-dl.h).
 */

#include <systemd/sd-event.h>

#include "curl-dl.h"

#include "macro.h"

typedef struct CurlEvent CurlEvent;

/* @easy ended with @result (CURLE_OK: the transfer completed, whatever the HTTP status). The easy handle
 * is no longer part of the multi handle and still belongs to the caller. */
typedef void (*CurlEventDone)(CURL *easy, CURLcode result, void *userdata);

int curl_event_new(sd_event *event, CurlEvent **ret);
/* Abandons the transfers still running (no callbacks); their easy handles stay their owners'. */
CurlEvent *curl_event_free(CurlEvent *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(CurlEvent *, curl_event_free);

/* Starts @easy; @done is called exactly once, from the loop (never inside this call), unless
 * curl_event_remove() abandons the transfer first. */
int curl_event_add(CurlEvent *c, CURL *easy, CurlEventDone done, void *userdata);
/* Abandons @easy without calling its callback (NULL-safe, and a no-op when it is not running). */
void curl_event_remove(CurlEvent *c, CURL *easy);

/* Makes *@c on first use (the daemon's one, shared by health checks and webhooks). */
int curl_event_ensure(CurlEvent **c, sd_event *event);
/* An easy handle for one request to @url (http and https only, also after a redirect), bounded by
 * @timeout_usec as a whole, with @user_agent; curl's error text goes to @errbuf (CURL_ERROR_SIZE). */
int curl_event_easy_new(const char *url, uint64_t timeout_usec, const char *user_agent, char *errbuf, CURL **ret);
