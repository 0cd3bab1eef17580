/* SPDX-License-Identifier: MIT */
#include <strings.h>

#include "health-target.h"
#include "macro.h"

int health_parse_hostport(const char *s, char **ret_host, unsigned *ret_port) {
        const char *colon;
        char *host, *end;
        unsigned long port;

        if (!s)
                return -EINVAL;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (!close || close[1] != ':')
                        return -EINVAL;
                host = strndup(s + 1, (size_t) (close - s - 1));
                colon = close + 1;
        } else {
                colon = strrchr(s, ':');
                if (!colon)
                        return -EINVAL;
                host = colon == s ? strdup("127.0.0.1") : strndup(s, (size_t) (colon - s));
        }
        if (!host)
                return -ENOMEM;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno != 0 || *end != 0 || end == colon + 1 || port == 0 || port > 65535) {
                free(host);
                return -EINVAL;
        }
        *ret_host = host;
        *ret_port = (unsigned) port;
        return 0;
}

int health_parse_url(const char *url, char **ret_host, unsigned *ret_port, char **ret_path) {
        _cleanup_free_ char *hostport = NULL, *host = NULL;
        const char *rest, *slash;
        char *path;
        unsigned port;
        int r;

        if (url && strncasecmp(url, "http://", 7) == 0) {
                rest = url + 7;
                port = 80;
        } else if (url && strncasecmp(url, "https://", 8) == 0) {
                rest = url + 8;
                port = 443;
        } else
                return -EINVAL;
        slash = strchr(rest, '/');
        hostport = slash ? strndup(rest, (size_t) (slash - rest)) : strdup(rest);
        if (!hostport)
                return -ENOMEM;
        if (isempty(hostport))
                return -EINVAL;
        if (strchr(hostport, ':') && !(hostport[0] == '[' && !strstr(hostport, "]:"))) {
                r = health_parse_hostport(hostport, &host, &port);
                if (r < 0)
                        return r;
        } else {
                size_t l = strlen(hostport);
                host = hostport[0] == '[' && l > 2 ? strndup(hostport + 1, l - 2) : strdup(hostport);
                if (!host)
                        return -ENOMEM;
        }
        path = strdup(slash ? slash : "/");
        if (!path)
                return -ENOMEM;
        *ret_host = TAKE_PTR(host);
        *ret_port = port;
        *ret_path = path;
        return 0;
}

int health_target_check(HealthType type, const char *target, const char **reterr_why) {
        _cleanup_free_ char *host = NULL, *path = NULL;
        unsigned port;
        int r;

        switch (type) {
        case HEALTH_TCP:
                r = health_parse_hostport(target, &host, &port);
                if (r == -EINVAL)
                        *reterr_why = "not host:port for a tcp check (e.g. 127.0.0.1:8080, :8080, [::1]:8080, "
                                      "db.local:5432)";
                return r;
        case HEALTH_HTTP:
                r = health_parse_url(target, &host, &port, &path);
                if (r == -EINVAL)
                        *reterr_why = target && !strstr(target, "://") ?
                                              "not a URL for an http check: write http://HOST:PORT/PATH (e.g. "
                                              "http://localhost:8080/health), or use healthcheck_type=tcp for "
                                              "host:port" :
                                              "not an http:// or https:// URL with a host and a port 1..65535 "
                                              "(e.g. http://127.0.0.1:8080/health)";
                return r;
        default:
                return 0;
        }
}
