/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "name-util.h"

/* Length of the well-formed UTF-8 sequence at @s, of which @avail bytes may be read (RFC 3629: no
 * overlongs, no surrogates, at most U+10FFFF), 0 if there is none. */
static size_t utf8_sequence_length(const unsigned char *s, size_t avail) {
        size_t n;
        unsigned cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xC2 && s[0] <= 0xDF) {
                n = 2;
                cp = s[0] & 0x1F;
        } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
                n = 3;
                cp = s[0] & 0x0F;
        } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
                n = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        if (n > avail)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
                return 0;
        return n;
}

const char *program_name_invalid_reason(const char *name) {
        size_t len;

        if (!name || !*name)
                return "is empty";
        len = strlen(name);
        if (len > PROGRAM_NAME_MAX)
                return "is longer than 200 bytes";
        if (strcmp(name, ".") == 0)
                return "is '.'";
        /* Any "..", not only the whole name: no name can then ever be read as a parent directory, whatever a
         * later use joins it with. */
        if (strstr(name, ".."))
                return "contains '..'";
        for (const unsigned char *c = (const unsigned char *) name; *c;) {
                size_t n;

                if (*c == ' ')
                        return "contains a space";
                if (*c == ':')
                        return "contains ':'";
                if (*c == '/')
                        return "contains '/'";
                if (*c < 0x20 || *c == 0x7F)
                        return "contains a control character";
                n = utf8_sequence_length(c, len - (size_t) (c - (const unsigned char *) name));
                if (n == 0)
                        return "is not valid UTF-8";
                /* C1 controls (U+0080..U+009F) move terminals as well as C0 ones do. */
                if (n == 2 && c[0] == 0xC2 && c[1] < 0xA0)
                        return "contains a control character";
                c += n;
        }
        return NULL;
}

bool utf8_is_valid(const void *data, size_t size) {
        const unsigned char *p = data;

        assert(data || size == 0);
        while (size > 0) {
                size_t n = utf8_sequence_length(p, size);
                if (n == 0)
                        return false;
                p += n;
                size -= n;
        }
        return true;
}

const char *program_display_name(const char *group, const char *name, char *buf, size_t size) {
        assert(name);
        assert(buf);
        assert(size > 0);

        if (group && *group && strcmp(group, name) != 0)
                snprintf(buf, size, "%s:%s", group, name);
        else
                snprintf(buf, size, "%s", name);
        return buf;
}
