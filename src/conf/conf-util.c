/* SPDX-License-Identifier: MIT */
/* Diagnostics, shlex splitting, supervisord's environment lists, key suggestions, enum tables. */
#include <assert.h>
#include <stdarg.h>
#include <strings.h>

#include "conf-internal.h"
#include "log-rotate.h"
#include "parse-util.h"
#include "strv.h"

/* ---- diagnostics -------------------------------------------------------------------------------- */

void conf_diagv(Config *c, bool error, const char *file, unsigned line, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL, *f = NULL;

        if (error)
                c->has_error = true;
        /* A hostile file must not turn into a million warnings; the first error always gets a slot. */
        if (c->n_diags >= CONF_MAX_DIAGS && !(error && !c->first_error)) {
                c->n_diags_dropped++;
                return;
        }
        if (vasprintf(&msg, fmt, ap) < 0)
                return (void) (c->n_diags_dropped++);
        f = file ? strdup(file) : NULL;
        if (file && !f)
                return (void) (c->n_diags_dropped++);

        if (error && !c->first_error) {
                if (line > 0)
                        (void) asprintf(&c->first_error, "%s:%u: %s", strna(file), line, msg);
                else
                        (void) asprintf(&c->first_error, "%s: %s", strna(file), msg);
        }

        ConfigDiag *n = reallocarray(c->diags, c->n_diags + 1, sizeof(ConfigDiag));
        if (!n)
                return (void) (c->n_diags_dropped++);
        c->diags = n;
        n[c->n_diags++] = (ConfigDiag) { .file = TAKE_PTR(f), .line = line, .message = TAKE_PTR(msg),
                                         .error = error };
}

void conf_warn(Config *c, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        conf_diagv(c, false, file, line, fmt, ap);
        va_end(ap);
}

void conf_error(Config *c, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        conf_diagv(c, true, file, line, fmt, ap);
        va_end(ap);
}

bool conf_diags_full(const Config *c) {
        return c->n_diags >= CONF_MAX_DIAGS;
}

bool config_has_error(const Config *c) {
        return c->has_error;
}

const char *config_first_error(const Config *c) {
        return c ? c->first_error : NULL;
}

/* ---- shlex -------------------------------------------------------------------------------------- */

static bool shlex_ws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int conf_shlex_split(const char *s, char ***ret, const char **reterr_reason) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *tok = malloc(strlen(s) + 1);
        enum { OUT, WORD, SQUOTE, DQUOTE } st = OUT;
        size_t n = 0;
        int r;

        if (!tok)
                return -ENOMEM;

        /* Python's shlex.split() (POSIX mode, no comments): what supervisord hands to execve(). */
        for (const char *c = s; *c; c++)
                switch (st) {
                case OUT:
                case WORD:
                        if (shlex_ws(*c)) {
                                if (st == WORD) {
                                        tok[n] = '\0';
                                        r = strv_extend(&l, tok);
                                        if (r < 0)
                                                return r;
                                        n = 0;
                                }
                                st = OUT;
                        } else if (*c == '\'') {
                                st = SQUOTE;
                        } else if (*c == '"') {
                                st = DQUOTE;
                        } else if (*c == '\\') {
                                if (!c[1]) {
                                        if (reterr_reason)
                                                *reterr_reason =
                                                        "backslash at the end (no escaped character)";
                                        return -EINVAL;
                                }
                                tok[n++] = *++c;
                                st = WORD;
                        } else {
                                tok[n++] = *c;
                                st = WORD;
                        }
                        break;
                case SQUOTE:
                        if (*c == '\'')
                                st = WORD;
                        else
                                tok[n++] = *c;
                        break;
                case DQUOTE:
                        if (*c == '"')
                                st = WORD;
                        else if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
                                tok[n++] = *++c;
                        else
                                tok[n++] = *c;
                        break;
                }

        if (st == SQUOTE || st == DQUOTE) {
                if (reterr_reason)
                        *reterr_reason = "no closing quotation";
                return -EINVAL;
        }
        if (st == WORD) {
                tok[n] = '\0';
                r = strv_extend(&l, tok);
                if (r < 0)
                        return r;
        }
        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

/* ---- environment= ------------------------------------------------------------------------------- */

static bool env_wordchar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                strchr("/.+-():", c);
}

/* Python's shlex.shlex(s) in non-POSIX mode with wordchars += '/.+-():', as dict_of_key_value_pairs() uses
 * it: quoted strings are one token with their quotes, words are runs of wordchars (quote characters glue
 * onto a word), '#' drops the rest of the line, every other character is a token of its own. */
static int env_tokenize(const char *s, char ***ret, const char **reterr_reason) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *tok = malloc(strlen(s) + 1);
        size_t n = 0;
        int r;

        if (!tok)
                return -ENOMEM;

        for (const char *c = s; *c;) {
                if (shlex_ws(*c)) {
                        c++;
                } else if (*c == '#') {
                        c += strcspn(c, "\n");
                } else if (*c == '\'' || *c == '"') {
                        char q = *c;
                        const char *end = strchr(c + 1, q);
                        if (!end) {
                                if (reterr_reason)
                                        *reterr_reason = "no closing quotation";
                                return -EINVAL;
                        }
                        char *q_tok = strndup(c, (size_t) (end - c + 1));
                        if (!q_tok)
                                return -ENOMEM;
                        r = strv_push(&l, q_tok);
                        if (r < 0) {
                                free(q_tok);
                                return r;
                        }
                        c = end + 1;
                } else if (env_wordchar(*c)) {
                        n = 0;
                        while (*c) {
                                if (*c == '#') {
                                        /* non-POSIX shlex skips the comment and keeps reading the word */
                                        c += strcspn(c, "\n");
                                        if (*c)
                                                c++;
                                        continue;
                                }
                                if (!env_wordchar(*c) && *c != '\'' && *c != '"')
                                        break;
                                tok[n++] = *c++;
                        }
                        tok[n] = '\0';
                        r = strv_extend(&l, tok);
                        if (r < 0)
                                return r;
                } else {
                        char one[2] = { *c++, '\0' };
                        r = strv_extend(&l, one);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int conf_parse_environment(const char *s, char ***ret, const char **reterr_reason) {
        _cleanup_strv_free_ char **tokens = NULL, **env = NULL;
        size_t n;
        int r;

        r = env_tokenize(s, &tokens, reterr_reason);
        if (r < 0)
                return r;

        n = strv_length(tokens);
        for (size_t i = 0; i < n; i += 4) {
                /* KEY = VALUE <separator>: the separator token is skipped whatever it is, as supervisord */
                if (i + 2 >= n || !streq(tokens[i + 1], "=")) {
                        if (reterr_reason)
                                *reterr_reason = "expected KEY=value pairs separated by commas";
                        return -EINVAL;
                }
                /* supervisord skips the fourth token whatever it is, so KEY=$x silently becomes KEY=$;
                 * we insist on a comma and ask for quotes instead. */
                if (i + 3 < n && !streq(tokens[i + 3], ",")) {
                        if (reterr_reason)
                                *reterr_reason =
                                        "unquoted value with special characters (write KEY=\"value\")";
                        return -EINVAL;
                }
                const char *v = tokens[i + 2];
                size_t vl = strlen(v);
                while (*v == '"' || *v == '\'')
                        v++, vl--;
                while (vl > 0 && (v[vl - 1] == '"' || v[vl - 1] == '\''))
                        vl--;
                if (strchr(tokens[i], '=') || isempty(tokens[i])) {
                        if (reterr_reason)
                                *reterr_reason = "invalid variable name";
                        return -EINVAL;
                }
                _cleanup_free_ char *a = NULL;
                if (asprintf(&a, "%s=%.*s", tokens[i], (int) vl, v) < 0)
                        return -ENOMEM;
                r = strv_env_set(&env, a);
                if (r < 0)
                        return r;
        }
        if (!env) {
                env = calloc(1, sizeof(char *));
                if (!env)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* ---- suggestions -------------------------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b);
        if (la > 64 || lb > 64)
                return SIZE_MAX;
        size_t d[65][65];
        for (size_t i = 0; i <= la; i++)
                d[i][0] = i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = j;
        for (size_t i = 1; i <= la; i++)
                for (size_t j = 1; j <= lb; j++) {
                        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
                        size_t v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);
                        v = MIN(v, d[i - 1][j - 1] + cost);
                        /* transposition ("comamnd") */
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                                v = MIN(v, d[i - 2][j - 2] + 1);
                        d[i][j] = v;
                }
        return d[la][lb];
}

void conf_suggest_init(ConfSuggest *s, const char *word) {
        assert(s);
        assert(word);
        *s = (ConfSuggest) {
                .word = word,
                .best_distance = SIZE_MAX,
                .limit = strlen(word) <= 4 ? 1 : strlen(word) <= 8 ? 2 : 3,
        };
}

void conf_suggest_try(ConfSuggest *s, const char *candidate) {
        size_t d = edit_distance(s->word, candidate);

        /* The first of equally close candidates wins. */
        if (d <= s->limit && d < s->best_distance) {
                s->best = candidate;
                s->best_distance = d;
        }
}

const char *conf_suggest(const char *word, const char *const *candidates) {
        ConfSuggest s;

        conf_suggest_init(&s, word);
        for (const char *const *c = candidates; *c; c++)
                conf_suggest_try(&s, *c);
        return s.best;
}

/* ---- names and paths ---------------------------------------------------------------------------- */

bool conf_log_path_is_stream(const char *path) {
        if (!path)
                return false;
        if (streq(path, "/dev/stdout") || streq(path, "/dev/stderr") || streq(path, "/dev/null") ||
            streq(path, "/dev/console") || strneq(path, "/dev/fd/", 8) || strneq(path, "/dev/tty", 8) ||
            strneq(path, "/dev/pts/", 9))
                return true;
        /* /proc/1/fd/1, /proc/self/fd/2 */
        if (strneq(path, "/proc/", 6)) {
                const char *p = strchr(path + 6, '/');
                return p && strneq(p, "/fd/", 4);
        }
        return false;
}

/* ---- enum tables -------------------------------------------------------------------------------- */

static const char *const autorestart_table[_AUTORESTART_MAX] = {
        [AUTORESTART_FALSE] = "false",
        [AUTORESTART_TRUE] = "true",
        [AUTORESTART_UNEXPECTED] = "unexpected",
};

const char *autorestart_to_string(AutoRestart a) {
        return a >= 0 && a < _AUTORESTART_MAX ? autorestart_table[a] : NULL;
}

AutoRestart autorestart_from_string(const char *s) {
        if (!s)
                return _AUTORESTART_INVALID;
        /* supervisord's auto_restart(): any boolean spelling, or "unexpected" */
        if (strcasecmp(s, "unexpected") == 0)
                return AUTORESTART_UNEXPECTED;
        int b = parse_boolean(s);
        if (b < 0)
                return _AUTORESTART_INVALID;
        return b ? AUTORESTART_TRUE : AUTORESTART_FALSE;
}

static const char *const program_type_table[_PROGRAM_TYPE_MAX] = {
        [PROGRAM_TYPE_SIMPLE] = "simple",
        [PROGRAM_TYPE_FORKING] = "forking",
        [PROGRAM_TYPE_NOTIFY] = "notify",
        [PROGRAM_TYPE_ONESHOT] = "oneshot",
};

static const char *const health_type_table[_HEALTH_TYPE_MAX] = {
        [HEALTH_NONE] = "none",
        [HEALTH_TCP] = "tcp",
        [HEALTH_HTTP] = "http",
        [HEALTH_EXEC] = "exec",
        [HEALTH_LOG_LINE] = "log_line",
};

static const char *const health_kind_table[_HEALTH_KIND_MAX] = {
        [HEALTH_READINESS] = "readiness",
        [HEALTH_LIVENESS] = "liveness",
};

static const char *const depend_condition_table[_DEPEND_CONDITION_MAX] = {
        [DEPEND_STARTED] = "started",
        [DEPEND_HEALTHY] = "healthy",
        [DEPEND_COMPLETED] = "completed",
        [DEPEND_SUCCEEDED] = "succeeded",
        [DEPEND_LOG_READY] = "log_ready",
};

static const char *const log_compress_table[_LOG_COMPRESS_MAX] = {
        [LOG_COMPRESS_NONE] = "none",
        [LOG_COMPRESS_GZIP] = "gzip",
        [LOG_COMPRESS_ZSTD] = "zstd",
};

static int table_lookup(const char *const *table, int n, const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (table[i] && strcasecmp(table[i], s) == 0)
                        return i;
        return -EINVAL;
}

const char *program_type_to_string(ProgramType t) {
        return t >= 0 && t < _PROGRAM_TYPE_MAX ? program_type_table[t] : NULL;
}

ProgramType program_type_from_string(const char *s) {
        return (ProgramType) table_lookup(program_type_table, _PROGRAM_TYPE_MAX, s);
}

const char *health_type_to_string(HealthType t) {
        return t >= 0 && t < _HEALTH_TYPE_MAX ? health_type_table[t] : NULL;
}

HealthType health_type_from_string(const char *s) {
        return (HealthType) table_lookup(health_type_table, _HEALTH_TYPE_MAX, s);
}

const char *health_kind_to_string(HealthKind k) {
        return k >= 0 && k < _HEALTH_KIND_MAX ? health_kind_table[k] : NULL;
}

const char *depend_condition_to_string(DependCondition c) {
        return c >= 0 && c < _DEPEND_CONDITION_MAX ? depend_condition_table[c] : NULL;
}

const char *log_compress_to_string(LogCompress c) {
        return c >= 0 && c < _LOG_COMPRESS_MAX ? log_compress_table[c] : NULL;
}

LogCompress log_compress_from_string(const char *s) {
        return (LogCompress) table_lookup(log_compress_table, _LOG_COMPRESS_MAX, s);
}

const char *log_compress_suffix(LogCompress c) {
        /* log_rotate_suffixes is in LogCompress order */
        return c >= 0 && c < _LOG_COMPRESS_MAX ? log_rotate_suffixes[c] : "";
}

int log_rotate_time_parse(const char *s, LogRotateTime *ret, usec_t *ret_interval) {
        usec_t u = 0;

        if (streq(s, "never") || streq(s, "none"))
                *ret = LOG_ROTATE_NEVER;
        else if (streq(s, "hourly"))
                *ret = LOG_ROTATE_HOURLY;
        else if (streq(s, "daily"))
                *ret = LOG_ROTATE_DAILY;
        else if (parse_sec(s, &u) < 0 || u < LOG_ROTATE_INTERVAL_MIN || u == USEC_INFINITY)
                return -EINVAL;
        else
                *ret = LOG_ROTATE_INTERVAL;
        *ret_interval = u;
        return 0;
}

DependCondition depend_condition_from_string(const char *s) {
        return (DependCondition) table_lookup(depend_condition_table, _DEPEND_CONDITION_MAX, s);
}
