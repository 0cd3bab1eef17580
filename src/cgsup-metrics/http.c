/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "macro.h"

/* The end of the head: the first empty line (CRLF CRLF; bare LF accepted as RFC 9112 allows). Returns
 * the length of the head before it, or SIZE_MAX. */
static size_t head_length(const char *buf, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (buf[i] != '\n')
                        continue;
                if (i + 1 < n && buf[i + 1] == '\n')
                        return i;
                if (i + 2 < n && buf[i + 1] == '\r' && buf[i + 2] == '\n')
                        return i;
        }
        return SIZE_MAX;
}

static bool is_tchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Copies [s, s+n) into @dst of @size bytes; false if it does not fit or holds a NUL / control byte. */
static bool copy_field(char *dst, size_t size, const char *s, size_t n) {
        if (n >= size)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] < 0x20 && s[i] != '\t')
                        return false;
        memcpy(dst, s, n);
        dst[n] = 0;
        return true;
}

static int parse_request_line(const char *line, size_t n, HttpRequest *req) {
        const char *sp1, *sp2, *q, *v, *end = line + n;
        size_t method_n, target_n;

        sp1 = memchr(line, ' ', n);
        if (!sp1)
                return -EBADMSG;
        sp2 = memchr(sp1 + 1, ' ', (size_t) (end - sp1 - 1));
        if (!sp2)
                return -EBADMSG;

        method_n = (size_t) (sp1 - line);
        if (method_n == 0)
                return -EBADMSG;
        for (size_t i = 0; i < method_n; i++)
                if (!is_tchar(line[i]))
                        return -EBADMSG;
        if (!copy_field(req->method, sizeof req->method, line, method_n))
                return -EBADMSG;

        target_n = (size_t) (sp2 - sp1 - 1);
        if (target_n == 0 || memchr(sp1 + 1, ' ', target_n))
                return -EBADMSG;
        q = memchr(sp1 + 1, '?', target_n);
        if (q)
                target_n = (size_t) (q - sp1 - 1);
        if (!copy_field(req->path, sizeof req->path, sp1 + 1, target_n))
                return -EBADMSG;

        /* "HTTP/" DIGIT "." DIGIT */
        v = sp2 + 1;
        if ((size_t) (end - v) != strlen("HTTP/1.1") || !strneq(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' ||
            v[6] != '.' || v[7] < '0' || v[7] > '9')
                return -EBADMSG;
        if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
                return -EPROTONOSUPPORT;
        return 0;
}

/* Appends the value of an Accept header line to req->accept (several Accept lines mean one list). */
static void add_accept(HttpRequest *req, const char *v, size_t n) {
        size_t have = strlen(req->accept);

        while (n > 0 && (*v == ' ' || *v == '\t'))
                v++, n--;
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
        if (have > 0 && have + 1 < sizeof req->accept)
                req->accept[have++] = ',';
        n = MIN(n, sizeof req->accept - 1 - have);
        memcpy(req->accept + have, v, n);
        req->accept[have + n] = 0;
}

int http_request_parse(const char *buf, size_t n, HttpRequest *ret) {
        HttpRequest req = {};
        const char *p, *end;
        size_t len;
        int r;

        assert(buf || n == 0);
        assert(ret);

        len = head_length(buf, n);
        if (len == SIZE_MAX)
                return n >= HTTP_REQUEST_MAX ? -E2BIG : 0;
        if (len >= HTTP_REQUEST_MAX)
                return -E2BIG;
        if (memchr(buf, 0, len))
                return -EBADMSG;

        end = buf + len;
        p = buf;
        for (bool first = true; p < end; first = false) {
                const char *eol = memchr(p, '\n', (size_t) (end - p)) ?: end;
                size_t ln = (size_t) (eol - p);

                if (ln > 0 && p[ln - 1] == '\r')
                        ln--;
                if (first) {
                        r = parse_request_line(p, ln, &req);
                        if (r < 0)
                                return r;
                } else {
                        const char *colon = memchr(p, ':', ln);

                        /* field-name ":" OWS value OWS; no obsolete line folding. */
                        if (!colon || colon == p || p[0] == ' ' || p[0] == '\t')
                                return -EBADMSG;
                        for (const char *c = p; c < colon; c++)
                                if (!is_tchar(*c))
                                        return -EBADMSG;
                        if ((size_t) (colon - p) == strlen("Accept") && strncasecmp(p, "Accept", 6) == 0)
                                add_accept(&req, colon + 1, ln - (size_t) (colon - p) - 1);
                }
                p = eol + 1;
        }
        *ret = req;
        return 1;
}

/* The q-value of one media range ("type/sub;version=1.0.0;q=0.5"): 1000 for q=1, 0 for q=0. */
static unsigned media_range_q(const char *s, size_t n) {
        for (const char *p = s; p < s + n; p++) {
                unsigned q = 0, scale = 1000;
                const char *v;

                if (*p != ';')
                        continue;
                v = p + 1;
                while (v < s + n && (*v == ' ' || *v == '\t'))
                        v++;
                if (v + 2 > s + n || (v[0] != 'q' && v[0] != 'Q') || v[1] != '=')
                        continue;
                v += 2;
                if (v < s + n && *v == '1')
                        return 1000;
                if (v >= s + n || *v != '0')
                        return 0;
                if (++v < s + n && *v == '.')
                        for (v++; v < s + n && *v >= '0' && *v <= '9' && scale > 1; v++) {
                                scale /= 10;
                                q += (unsigned) (*v - '0') * scale;
                        }
                return q;
        }
        return 1000;
}

static bool media_type_is(const char *s, size_t n, const char *type) {
        size_t t = strlen(type);

        while (n > 0 && (*s == ' ' || *s == '\t'))
                s++, n--;
        return n >= t && strncasecmp(s, type, t) == 0 && (n == t || s[t] == ';' || s[t] == ' ');
}

ExpoFormat http_negotiate_format(const char *accept) {
        unsigned om = 0, text = 0;

        if (isempty(accept))
                return EXPO_PROMETHEUS;
        for (const char *p = accept; *p;) {
                size_t n = strcspn(p, ",");
                unsigned q = media_range_q(p, n);

                if (media_type_is(p, n, "application/openmetrics-text"))
                        om = MAX(om, q);
                else if (media_type_is(p, n, "text/plain") || media_type_is(p, n, "text/*") ||
                         media_type_is(p, n, "*/*"))
                        text = MAX(text, q);
                p += n;
                if (*p)
                        p++;
        }
        return om > 0 && om > text ? EXPO_OPENMETRICS : EXPO_PROMETHEUS;
}

static const char *status_reason(int status) {
        switch (status) {
        case 200:
                return "OK";
        case 400:
                return "Bad Request";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 408:
                return "Request Timeout";
        case 431:
                return "Request Header Fields Too Large";
        case 500:
                return "Internal Server Error";
        case 505:
                return "HTTP Version Not Supported";
        default:
                return "Error";
        }
}

int http_response_head(int status, const char *content_type, size_t content_length, char **ret) {
        assert(content_type);
        assert(ret);

        if (asprintf(ret,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "%s"
                     "Connection: close\r\n"
                     "\r\n",
                     status, status_reason(status), content_type, content_length,
                     status == 405 ? "Allow: GET, HEAD\r\n" : "") < 0)
                return -ENOMEM;
        return 0;
}
