/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The little HTTP/1.1 cgsup-metrics needs: parse one request head (request line and headers, no body),
 * negotiate the exposition format from Accept, and write a response head. Pure functions over buffers,
 * so the unit test can feed them hostile input.
 */

#include <stdbool.h>
#include <stddef.h>

#include "metrics-expo.h"

#define HTTP_REQUEST_MAX 8192 /* a request head larger than this is refused (431) */

typedef struct HttpRequest {
        char method[16];
        char path[1024];   /* the target without its query */
        char accept[1024]; /* Accept header(s), joined with ',' (truncated when longer) */
} HttpRequest;

/*
 * http_request_parse() - parse the head in @buf[0, @n).
 * Returns 0 when the head is not complete yet, 1 when it was parsed into @ret, -E2BIG when @n reached
 * HTTP_REQUEST_MAX without a complete head, -EBADMSG for a malformed head, -EPROTONOSUPPORT for a version
 * other than HTTP/1.0 and HTTP/1.1.
 */
int http_request_parse(const char *buf, size_t n, HttpRequest *ret);

/* OpenMetrics when the Accept header prefers application/openmetrics-text to text/plain (by q-value, as
 * Prometheus asks for it), else the 0.0.4 text format. */
ExpoFormat http_negotiate_format(const char *accept);

/* "HTTP/1.1 <status> <reason>\r\n" + Content-Type, Content-Length, Connection: close (+ Allow for 405)
 * + the blank line, into a malloc'ed string. */
int http_response_head(int status, const char *content_type, size_t content_length, char **ret);
