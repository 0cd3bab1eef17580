/* SPDX-License-Identifier: MIT */
/*
 * libinih driver for supervisord's INI dialect.
 *
 * supervisord 4 reads its files with Python's RawConfigParser(inline_comment_prefixes=(';', '#'),
 * strict=False). libinih 55 as Debian builds it differs in ways that matter to real files (measured with
 * the installed library):
 *   - inline comments: only ';' is a prefix, and continuation lines are not stripped at all, so
 *     "  --opt ; comment" keeps its comment and "key = v # c" keeps "# c";
 *   - lines are cut at INI_MAX_LINE (200) bytes and the rest is parsed as a new (broken) line;
 *   - section names are silently truncated to 49 bytes ("[program:<42 chars>]" loses its tail);
 *   - blank lines inside a multi-line value are dropped (Python keeps them);
 *   - a UTF-8 BOM is skipped, keys without a section get section "".
 * We do not write our own parser: libinih still splits sections, names and values and tracks
 * continuation lines. Our ini_reader callback hands it one physical line at a time after doing what
 * RawConfigParser does first (CRLF, full-line and whitespace-preceded inline comments), and replaces
 * anything libinih would truncate (long values, long names) with a one-byte marker that the handler maps
 * back to the stashed text of the same line: libinih calls the handler synchronously for the line the
 * reader just returned, so one slot per kind is enough.
 */
#include <ctype.h>
#include <fcntl.h>
#include <ini.h>
#include <string.h>
#include <strings.h>

#include "conf-internal.h"
#include "fd-util.h"
#include "strv.h"

#define MARKER "\x01"
/* Anything longer goes through the stash. Below libinih's MAX_SECTION/MAX_NAME (50) and well below the
 * 200-byte line buffer. */
#define INI_SHORT_NAME 40U

typedef enum LineKind {
        LINE_NONE,     /* blank, comment or rejected: libinih gets an empty line */
        LINE_SECTION,
        LINE_KEY,
        LINE_CONTINUATION,
} LineKind;

typedef struct IniParser {
        IniDoc *doc;
        Config *config;
        const char *file;       /* owned by doc->files */
        IniReadFlags flags;
        const char *data;
        size_t size, pos;
        unsigned line;

        /* What the reader decided about the line it just handed out. */
        LineKind kind;
        char *stash_key, *stash_value; /* full text behind a MARKER key or value */
        unsigned blank_lines;   /* blank lines since the last value line, kept inside multi-line values */

        /* RawConfigParser's rule: a line continues the current key's value when it is indented deeper
         * than the last key, header or rejected line (indent_level) and a key has been seen in this
         * section. libinih treats every indented line as a continuation, so other lines are handed to
         * it without their indentation. */
        bool key_seen;
        size_t indent_level;
        ssize_t section;        /* index into doc->sections, -1 before the first header */
        ssize_t entry;          /* entry a continuation appends to, -1 none */
        bool skip_section;      /* a nested [include]: its keys are dropped */
        bool missing_section_reported;
        int error;              /* -ENOMEM / -E2BIG seen in a callback */
} IniParser;

static void ini_section_done(IniSection *s) {
        for (size_t i = 0; i < s->n_entries; i++) {
                free(s->entries[i].key);
                free(s->entries[i].value);
        }
        free(s->entries);
        free(s->name);
}

void ini_doc_done(IniDoc *doc) {
        for (size_t i = 0; i < doc->n_sections; i++)
                ini_section_done(&doc->sections[i]);
        free(doc->sections);
        strv_free(doc->files);
        *doc = (IniDoc) {};
}

IniSection *ini_doc_find(const IniDoc *doc, const char *section) {
        for (size_t i = 0; i < doc->n_sections; i++)
                if (streq(doc->sections[i].name, section))
                        return &doc->sections[i];
        return NULL;
}

IniEntry *ini_section_find(const IniSection *s, const char *key) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].key, key))
                        return &s->entries[i];
        return NULL;
}

IniEntry *ini_section_get(IniSection *s, const char *key) {
        IniEntry *e = ini_section_find(s, key);
        if (e)
                e->used = true;
        return e;
}

static const char *canonical_section(const char *name) {
        /* [supervisord] and [cgsupd] are one section, merged key by key in file order. */
        return streq(name, "supervisord") ? "cgsupd" : name;
}

static int parser_open_section(IniParser *p, const char *raw) {
        const char *name = canonical_section(raw);

        for (size_t i = 0; i < p->doc->n_sections; i++)
                if (streq(p->doc->sections[i].name, name)) {
                        p->section = (ssize_t) i;
                        return 0;
                }

        if (p->doc->n_sections >= CONF_MAX_SECTIONS) {
                conf_error(p->config, p->file, p->line, "Too many sections (more than %u).",
                           CONF_MAX_SECTIONS);
                return -E2BIG;
        }
        IniSection *n = reallocarray(p->doc->sections, p->doc->n_sections + 1, sizeof(IniSection));
        if (!n)
                return -ENOMEM;
        p->doc->sections = n;
        char *copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        n[p->doc->n_sections] = (IniSection) { .name = copy, .file = p->file, .line = p->line };
        p->section = (ssize_t) p->doc->n_sections++;
        return 0;
}

static int parser_set(IniParser *p, const char *name, const char *value) {
        IniSection *s = &p->doc->sections[p->section];
        _cleanup_free_ char *key = strdup(name), *v = strdup(value);
        if (!key || !v)
                return -ENOMEM;
        for (char *c = key; *c; c++)
                *c = (char) tolower((unsigned char) *c);

        /* strict=False: the last duplicate wins, in one file and across files. */
        for (size_t i = 0; i < s->n_entries; i++)
                if (streq(s->entries[i].key, key)) {
                        free(s->entries[i].value);
                        s->entries[i].value = TAKE_PTR(v);
                        s->entries[i].file = p->file;
                        s->entries[i].line = p->line;
                        p->entry = (ssize_t) i;
                        return 0;
                }

        if (s->n_entries >= CONF_MAX_KEYS_PER_SECTION) {
                conf_error(p->config, p->file, p->line, "Too many keys in [%s] (more than %u).", s->name,
                           CONF_MAX_KEYS_PER_SECTION);
                return -E2BIG;
        }
        IniEntry *n = reallocarray(s->entries, s->n_entries + 1, sizeof(IniEntry));
        if (!n)
                return -ENOMEM;
        s->entries = n;
        n[s->n_entries] = (IniEntry) { .key = TAKE_PTR(key), .value = TAKE_PTR(v), .file = p->file,
                                       .line = p->line };
        p->entry = (ssize_t) s->n_entries++;
        return 0;
}

static int parser_append(IniParser *p, const char *value) {
        IniEntry *e = &p->doc->sections[p->section].entries[p->entry];
        size_t old = strlen(e->value), add = strlen(value), nl = 1 + p->blank_lines;

        if (old + nl + add > CONF_MAX_VALUE) {
                conf_error(p->config, p->file, p->line, "Value of '%s' is longer than %u bytes.", e->key,
                           CONF_MAX_VALUE);
                return -E2BIG;
        }
        char *n = realloc(e->value, old + nl + add + 1);
        if (!n)
                return -ENOMEM;
        memset(n + old, '\n', nl);
        memcpy(n + old + nl, value, add + 1);
        e->value = n;
        /* e->line stays the key's line: that is where a multi-line value starts */
        return 0;
}

static int ini_handler_cb(void *userdata, const char *section, const char *name, const char *value) {
        IniParser *p = userdata;
        int r = 0;

        if (p->error < 0 || p->skip_section || p->section < 0)
                return 1;

        /* Names and values behind a marker are the stashed full text of this very line. */
        if (streq(name, MARKER) && p->stash_key)
                name = p->stash_key;
        if (value && streq(value, MARKER) && p->stash_value)
                value = p->stash_value;
        if (!value)
                value = "";

        if (p->kind == LINE_CONTINUATION && p->entry >= 0)
                r = parser_append(p, value);
        else if (p->kind == LINE_KEY)
                r = parser_set(p, name, value);
        /* Anything else means libinih and the reader disagree about the line: ignore it rather than
         * guess (never happens with the inputs the reader produces). */

        p->blank_lines = 0;
        if (r < 0)
                p->error = r;
        return 1;
}

static bool is_ws(char c) {
        return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r' || c == '\n';
}

static char *emit(char *buf, int num, const char *s) {
        size_t n = strlen(s);
        /* Callers only emit short lines; keep libinih's buffer contract even if that changes. */
        if (num <= 1)
                return NULL;
        if (n > (size_t) num - 2)
                n = (size_t) num - 2;
        memcpy(buf, s, n);
        buf[n] = '\n';
        buf[n + 1] = '\0';
        return buf;
}

/* A continuation line of a multi-line value. */
static char *prepare_continuation(IniParser *p, const char *content, size_t clen, int num, char *buf) {
        p->kind = LINE_CONTINUATION;
        if (clen + 4 < (size_t) num) {
                snprintf(buf, num, " %s\n", content);
                return buf;
        }
        p->stash_value = strdup(content);
        if (!p->stash_value) {
                p->error = -ENOMEM;
                return NULL;
        }
        return emit(buf, num, " " MARKER);
}

/* A "[name]" line. */
static char *prepare_section(IniParser *p, char *content, int num, char *buf) {
        /* Python's SECTCRE "\[(?P<header>.+)\]" is greedy: the name ends at the last ']' */
        char *end = strrchr(content, ']');
        const char *name = content + 1;
        int r;

        if (!end || end == content + 1) {
                conf_error(p->config, p->file, p->line, "Section header without a name or closing ']': %s",
                           content);
                return emit(buf, num, "");
        }
        *end = '\0';
        p->blank_lines = 0;
        p->key_seen = false;
        p->entry = -1;
        p->skip_section = false;
        if (strlen(name) > CONF_MAX_SECTION_NAME) {
                conf_error(p->config, p->file, p->line, "Section name longer than %u bytes.", CONF_MAX_SECTION_NAME);
                p->skip_section = true;
                return emit(buf, num, "");
        }
        if ((p->flags & INI_READ_INCLUDED) && streq(name, "include")) {
                conf_warn(p->config, p->file, p->line,
                          "[include] in an included file is not followed (supervisord reads "
                          "[include] only from the main file), ignoring.");
                p->skip_section = true;
        }
        r = parser_open_section(p, name);
        if (r < 0) {
                p->error = r;
                return NULL;
        }
        p->kind = LINE_SECTION;
        /* libinih would truncate long names and cut at the first ']': it gets a marker, we know the
         * section anyway. */
        if (strlen(name) < INI_SHORT_NAME && !strchr(name, ']'))
                snprintf(buf, num, "[%s]\n", name);
        else
                emit(buf, num, "[" MARKER "]");
        return buf;
}

/* key = value / key : value: the first '=' or ':' splits, as in both RawConfigParser and libinih. */
static char *prepare_key(IniParser *p, const char *content, size_t clen, int num, char *buf) {
        size_t d = strcspn(content, "=:"), klen = d;
        const char *value;

        if (content[d] == '\0') {
                conf_error(p->config, p->file, p->line, "Line is neither a [section], a key=value nor a comment: %s",
                           content);
                return emit(buf, num, "");
        }
        if (p->section < 0) {
                if (!p->missing_section_reported)
                        conf_error(p->config, p->file, p->line, "Key before the first [section] header: %s",
                                   content);
                p->missing_section_reported = true;
                return emit(buf, num, "");
        }
        while (klen > 0 && is_ws(content[klen - 1]))
                klen--;
        if (klen == 0) {
                conf_error(p->config, p->file, p->line, "Empty key name: %s", content);
                return emit(buf, num, "");
        }
        value = content + d + 1;
        while (is_ws(*value))
                value++;

        p->kind = LINE_KEY;
        p->key_seen = true;
        p->entry = -1;
        p->blank_lines = 0;
        if (klen < INI_SHORT_NAME && clen + 3 < (size_t) num)
                return emit(buf, num, content);

        p->stash_key = strndup(content, klen);
        p->stash_value = strdup(value);
        if (!p->stash_key || !p->stash_value) {
                p->error = -ENOMEM;
                return NULL;
        }
        return emit(buf, num, MARKER "=" MARKER);
}

/* Handles one physical line the way RawConfigParser would before libinih sees it. Returns the text to give
 * libinih (possibly with markers; an empty line for comments and rejected lines), or NULL with p->error set,
 * which ends the parse. */
static char *parser_prepare_line(IniParser *p, char *line, size_t len, int num, char *buf) {
        size_t indent = 0;

        p->kind = LINE_NONE;
        free(p->stash_key);
        free(p->stash_value);
        p->stash_key = p->stash_value = NULL;

        if (memchr(line, '\0', len) || memchr(line, '\x01', len)) {
                conf_error(p->config, p->file, p->line, "Line contains a NUL or \\x01 byte.");
                return emit(buf, num, "");
        }
        if (len > 0 && line[len - 1] == '\r') /* CRLF */
                len--;
        line[len] = '\0';
        if (p->line == 1 && len >= 3 && strneq(line, "\xEF\xBB\xBF", 3)) { /* UTF-8 BOM, as libinih */
                len -= 3;
                memmove(line, line + 3, len + 1);
        }
        while (indent < len && is_ws(line[indent]))
                indent++;
        if (indent == len) {
                /* Python keeps blank lines inside a multi-line value if more indented lines follow. */
                if (p->key_seen)
                        p->blank_lines++;
                return emit(buf, num, "");
        }
        if (line[indent] == ';' || line[indent] == '#')
                return emit(buf, num, "");

        /* Inline comment: ';' or '#' preceded by whitespace, anywhere (also in continuation lines and after
         * section headers). A ';' glued to a value ("daemon off;", "/dev/stdout;") stays. */
        for (size_t i = indent + 1; i < len; i++)
                if ((line[i] == ';' || line[i] == '#') && is_ws(line[i - 1])) {
                        len = i;
                        break;
                }
        while (len > indent && is_ws(line[len - 1]))
                len--;
        line[len] = '\0';

        if (p->key_seen && indent > p->indent_level)
                return prepare_continuation(p, line + indent, len - indent, num, buf);
        p->indent_level = indent;
        if (line[indent] == '[')
                return prepare_section(p, line + indent, num, buf);
        return prepare_key(p, line + indent, len - indent, num, buf);
}

static char *ini_reader_cb(char *buf, int num, void *userdata) {
        IniParser *p = userdata;

        if (p->error < 0 || p->pos >= p->size)
                return NULL;

        const char *start = p->data + p->pos;
        /* Python reads the file with universal newlines: "\n", "\r\n" and a lone "\r" end a line. */
        size_t rest = p->size - p->pos, len = 0;
        while (len < rest && start[len] != '\n' && start[len] != '\r')
                len++;
        p->pos += len;
        if (len < rest)
                p->pos += start[len] == '\r' && len + 1 < rest && start[len + 1] == '\n' ? 2 : 1;
        p->line++;

        if (len > CONF_MAX_LINE) {
                conf_error(p->config, p->file, p->line, "Line longer than %u bytes.", CONF_MAX_LINE);
                p->kind = LINE_NONE;
                return emit(buf, num, "");
        }
        _cleanup_free_ char *line = strndup(start, len);
        if (!line) {
                p->error = -ENOMEM;
                return NULL;
        }
        if (strlen(line) != len) { /* embedded NUL: strndup stopped early */
                conf_error(p->config, p->file, p->line, "Line contains a NUL byte.");
                p->kind = LINE_NONE;
                return emit(buf, num, "");
        }
        return parser_prepare_line(p, line, len, num, buf);
}

static int doc_add_file(IniDoc *doc, const char *path, const char **ret) {
        if (strv_length(doc->files) >= CONF_MAX_FILES)
                return -E2BIG;
        int r = strv_extend(&doc->files, path);
        if (r < 0)
                return r;
        *ret = doc->files[strv_length(doc->files) - 1];
        return 0;
}

int ini_doc_parse(IniDoc *doc, Config *c, const char *path, const char *data, size_t size,
                  IniReadFlags flags) {
        IniParser p = {
                .doc = doc,
                .config = c,
                .flags = flags,
                .data = data,
                .size = size,
                .section = -1,
                .entry = -1,
        };
        int r;

        r = doc_add_file(doc, path, &p.file);
        if (r == -E2BIG)
                conf_error(c, path, 0, "Too many configuration files (more than %u).", CONF_MAX_FILES);
        if (r < 0)
                return r;

        /* Every syntax problem is diagnosed by the reader; libinih's own return value only repeats the
         * line number of one of them. */
        (void) ini_parse_stream(ini_reader_cb, &p, ini_handler_cb, &p);
        free(p.stash_key);
        free(p.stash_value);
        return p.error;
}

int ini_doc_read_file(IniDoc *doc, Config *c, const char *path, IniReadFlags flags) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_full_file_at(AT_FDCWD, path, CONF_MAX_FILE_SIZE, &data, &size);
        if (r == -EFBIG) {
                conf_error(c, path, 0, "File is larger than %u bytes.", CONF_MAX_FILE_SIZE);
                return -E2BIG;
        }
        if (r < 0)
                return r;
        return ini_doc_parse(doc, c, path, data, size, flags);
}
