/* SPDX-License-Identifier: MIT */
/*
 * supervisorctl's server URL (-s, [supervisorctl] serverurl=, `open`). cgsupd is reached over D-Bus, so a
 * URL that names this machine (unix://..., http://localhost...) is accepted and ignored; a URL that names
 * another machine is an error that points to `cgsupctl -H`: acting on the local daemon instead would be a
 * silent wrong action.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "sctl.h"

/* The host part of http://[user:pass@]host[:port]/..., into buf. */
static void url_host(const char *url, char *buf, size_t size) {
        const char *start = strstr(url, "://"), *end, *at;
        size_t len;

        start = start ? start + 3 : url;
        end = start + strcspn(start, "/?#");
        at = memchr(start, '@', end - start);
        if (at)
                start = at + 1;
        if (*start == '[') {
                const char *close = memchr(start, ']', end - start);
                end = close ? close + 1 : end;
        } else {
                const char *colon = memchr(start, ':', end - start);
                if (colon)
                        end = colon;
        }
        len = MIN((size_t) (end - start), size - 1);
        memcpy(buf, start, len);
        buf[len] = 0;
}

static bool host_is_local(const char *host) {
        return isempty(host) || strcasecmp(host, "localhost") == 0 || strneq(host, "127.", 4) || streq(host, "[::1]") ||
               streq(host, "::1");
}

int serverurl_check(const char *url, const char *origin, bool note) {
        char host[256];

        if (strneq(url, "unix://", 7)) {
                if (note)
                        ctl_note("note: %s %s ignored: cgsupd is reached over D-Bus", origin, url);
                return 0;
        }
        if (!strneq(url, "http://", 7) && !strneq(url, "https://", 8)) {
                (void) fflush(stdout);
                fprintf(stderr, "Error: %s %s: the URL must be http:// or unix://\n", origin, url);
                return -EINVAL;
        }
        url_host(url, host, sizeof host);
        if (host_is_local(host)) {
                if (note)
                        ctl_note("note: %s %s ignored: cgsupd on this machine is reached over D-Bus", origin, url);
                return 0;
        }
        (void) fflush(stdout);
        fprintf(stderr,
                "Error: %s %s names another machine; %s controls the cgsupd of this machine over D-Bus.\n"
                "To control cgsupd on %s, use: cgsupctl -H [USER@]%s COMMAND\n",
                origin, url, program_invocation_short_name, host, host);
        return -EINVAL;
}
