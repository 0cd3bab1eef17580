/* SPDX-License-Identifier: MIT */
/*
 * systemd's EnvironmentFile= syntax (see env-file.h). Written from systemd.exec(5)'s description: the
 * parser walks the data once, character by character, in one of a few states, so a quote or a
 * continuation may span lines while every error still names the line where it happened.
 */
#include <assert.h>
#include <fcntl.h>
#include <string.h>

#include "env-file.h"
#include "fd-util.h"
#include "strv.h"

const char *env_file_path(const char *entry) {
        assert(entry);
        return entry[0] == '-' ? entry + 1 : entry;
}

static bool is_key_start(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c) {
        return is_key_start(c) || (c >= '0' && c <= '9');
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r';
}

/* A growing value buffer; the value is at most the file's size, itself bounded. */
typedef struct Buf {
        char *s;
        size_t n, allocated;
} Buf;

static int buf_put(Buf *b, char c) {
        if (b->n + 2 > b->allocated) {
                size_t a = b->allocated ? b->allocated * 2 : 64;
                char *n = realloc(b->s, a);
                if (!n)
                        return -ENOMEM;
                b->s = n;
                b->allocated = a;
        }
        b->s[b->n++] = c;
        b->s[b->n] = '\0';
        return 0;
}

typedef struct Cursor {
        const char *p, *end;
        unsigned line;
} Cursor;

static bool at_end(const Cursor *c) {
        return c->p >= c->end;
}

static char next(Cursor *c) {
        char ch = *c->p++;
        if (ch == '\n')
                c->line++;
        return ch;
}

/* Reads the value after '=' up to the end of its (possibly continued) line into @b. The unquoted parts lose
 * trailing whitespace; quoted parts keep everything. */
static int read_value(Cursor *c, Buf *b, unsigned *reterr_line, const char **reterr_reason) {
        size_t keep = 0; /* bytes of b that trailing-blank trimming must not remove (quoted text) */
        int r;

        while (!at_end(c) && is_blank(*c->p))
                next(c);
        while (!at_end(c) && *c->p != '\n') {
                char ch = next(c);
                if (ch == '\'' || ch == '"') {
                        unsigned start = c->line;
                        for (;;) {
                                if (at_end(c)) {
                                        *reterr_line = start;
                                        *reterr_reason = ch == '"' ? "unterminated double quote" :
                                                                     "unterminated single quote";
                                        return -EINVAL;
                                }
                                char q = next(c);
                                if (q == ch)
                                        break;
                                if (ch == '"' && q == '\\' && !at_end(c)) {
                                        char e = next(c);
                                        if (e == '\n')
                                                continue; /* line continuation inside double quotes */
                                        if (!strchr("\"\\$`", e)) {
                                                r = buf_put(b, '\\');
                                                if (r < 0)
                                                        return r;
                                        }
                                        q = e;
                                }
                                r = buf_put(b, q);
                                if (r < 0)
                                        return r;
                        }
                        keep = b->n;
                        continue;
                }
                if (ch == '\\') {
                        if (at_end(c))
                                break;
                        char e = next(c);
                        if (e == '\n')
                                continue; /* continuation: the value goes on on the next line */
                        r = buf_put(b, e);
                        if (r < 0)
                                return r;
                        keep = b->n;
                        continue;
                }
                r = buf_put(b, ch);
                if (r < 0)
                        return r;
        }
        while (b->n > keep && is_blank(b->s[b->n - 1]))
                b->s[--b->n] = '\0';
        return 0;
}

static int parse_line(Cursor *c, char ***env, unsigned *reterr_line, const char **reterr_reason) {
        _cleanup_free_ char *assignment = NULL;
        Buf b = {};
        const char *key;
        size_t key_len;
        int r;

        while (!at_end(c) && is_blank(*c->p))
                next(c);
        if (at_end(c))
                return 0;
        if (*c->p == '\n' || *c->p == '#' || *c->p == ';') {
                while (!at_end(c) && next(c) != '\n')
                        ;
                return 0;
        }
        unsigned line = c->line;
        key = c->p;
        if (!is_key_start(*c->p)) {
                *reterr_line = line;
                *reterr_reason = "expected KEY=VALUE (a name of letters, digits and '_', not starting with a digit)";
                return -EINVAL;
        }
        while (!at_end(c) && is_key_char(*c->p))
                next(c);
        key_len = (size_t) (c->p - key);
        while (!at_end(c) && is_blank(*c->p))
                next(c);
        if (at_end(c) || *c->p != '=') {
                *reterr_line = line;
                *reterr_reason = "expected KEY=VALUE (no '=' after the name, or the name has other characters)";
                return -EINVAL;
        }
        next(c);
        r = read_value(c, &b, reterr_line, reterr_reason);
        if (r < 0) {
                free(b.s);
                return r;
        }
        if (!at_end(c))
                next(c); /* the newline */
        if (b.s && memchr(b.s, '\0', b.n)) {
                free(b.s);
                *reterr_line = line;
                *reterr_reason = "the value contains a NUL byte";
                return -EINVAL;
        }
        r = asprintf(&assignment, "%.*s=%s", (int) key_len, key, b.s ? b.s : "");
        free(b.s);
        if (r < 0)
                return -ENOMEM;
        r = strv_env_set(env, assignment);
        if (r < 0)
                return r;
        /* strv_env_set() replaces a duplicate, so the length is the number of distinct names. */
        return strv_length(*env) > ENV_FILE_MAX_VARS ? -E2BIG : 0;
}

int env_file_parse(const char *data, size_t size, char ***ret, unsigned *reterr_line,
                   const char **reterr_reason) {
        _cleanup_strv_free_ char **env = NULL;
        Cursor c = { .p = data, .end = data + size, .line = 1 };
        unsigned line = 0;
        const char *reason = NULL;
        int r;

        assert(data || size == 0);
        assert(ret);

        while (!at_end(&c)) {
                r = parse_line(&c, &env, &line, &reason);
                if (r == -EINVAL) {
                        if (reterr_line)
                                *reterr_line = line;
                        if (reterr_reason)
                                *reterr_reason = reason;
                }
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

int env_file_read(const char *path, char ***ret, unsigned *reterr_line, const char **reterr_reason) {
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t size = 0;
        int r;

        assert(path);
        assert(ret);

        /* O_NONBLOCK: a FIFO put there by mistake must not hang the daemon's loop. */
        fd = open(env_file_path(path), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT && env_file_optional(path)) {
                        *ret = NULL;
                        return 0;
                }
                return -errno;
        }
        r = read_full_fd(fd, ENV_FILE_MAX_SIZE, &data, &size);
        if (r < 0)
                return r;
        return env_file_parse(data, size, ret, reterr_line, reterr_reason);
}
