/* SPDX-License-Identifier: MIT */
/*
 * The health keys of [program:x]: healthcheck_<field> (both checks), readiness_<field> and
 * liveness_<field> (one check each; they win over healthcheck_<field> whatever their order in the file).
 * Fields: type, target, command, log_line, interval, timeout, retries, start_period. A check's type
 * follows from what is given when it is not spelled out: a command is exec, a log_line is log_line, an
 * http(s):// target is http, another target is tcp.
 */
#include <assert.h>
#include <regex.h>
#include <strings.h>

#include "conf-internal.h"
#include "parse-util.h"
#include "strv.h"

typedef enum HealthField {
        HEALTH_FIELD_TYPE,
        HEALTH_FIELD_TARGET,
        HEALTH_FIELD_COMMAND,
        HEALTH_FIELD_LOG_LINE,
        HEALTH_FIELD_INTERVAL,
        HEALTH_FIELD_TIMEOUT,
        HEALTH_FIELD_RETRIES,
        HEALTH_FIELD_START_PERIOD,
        _HEALTH_FIELD_MAX,
} HealthField;

static const char *const health_field_names[_HEALTH_FIELD_MAX] = {
        [HEALTH_FIELD_TYPE] = "type",         [HEALTH_FIELD_TARGET] = "target",
        [HEALTH_FIELD_COMMAND] = "command",   [HEALTH_FIELD_LOG_LINE] = "log_line",
        [HEALTH_FIELD_INTERVAL] = "interval", [HEALTH_FIELD_TIMEOUT] = "timeout",
        [HEALTH_FIELD_RETRIES] = "retries",   [HEALTH_FIELD_START_PERIOD] = "start_period",
};

/* healthcheck_ first: the specific prefixes applied after it win. */
static const char *const health_prefixes[] = { "healthcheck", "readiness", "liveness" };

static IniEntry *find_field(const IniSection *s, const char *prefix, const char *field) {
        char key[64];

        snprintf(key, sizeof(key), "%s_%s", prefix, field);
        return ini_section_find(s, key);
}

IniEntry *conf_health_entry(const IniSection *s, HealthKind kind, const char *field) {
        return find_field(s, health_kind_to_string(kind), field) ?: find_field(s, "healthcheck", field);
}

/* Converts one expanded value into @h. Returns 0, or a static reason for -EINVAL, or -ENOMEM. */
static int health_field_parse(HealthConfig *h, HealthField f, const char *v, const char **reterr_why) {
        switch (f) {
        case HEALTH_FIELD_TYPE: {
                HealthType t = health_type_from_string(v);
                if (t < 0) {
                        *reterr_why = "must be tcp, http, exec, log_line or none";
                        return -EINVAL;
                }
                h->type = t;
                return 0;
        }
        case HEALTH_FIELD_TARGET:
        case HEALTH_FIELD_LOG_LINE: {
                char **field = f == HEALTH_FIELD_TARGET ? &h->target : &h->log_line;
                char *n = NULL;

                if (!isempty(v) && !(n = strdup(v)))
                        return -ENOMEM;
                free(*field);
                *field = n;
                return 0;
        }
        case HEALTH_FIELD_COMMAND: {
                _cleanup_strv_free_ char **argv = NULL;
                int r = conf_shlex_split(v, &argv, reterr_why);
                if (r < 0)
                        return r;
                if (!argv[0]) {
                        *reterr_why = "empty command";
                        return -EINVAL;
                }
                strv_free(h->command);
                h->command = TAKE_PTR(argv);
                return 0;
        }
        case HEALTH_FIELD_INTERVAL:
        case HEALTH_FIELD_TIMEOUT:
        case HEALTH_FIELD_START_PERIOD: {
                usec_t *u = f == HEALTH_FIELD_INTERVAL ? &h->interval :
                            f == HEALTH_FIELD_TIMEOUT  ? &h->timeout :
                                                         &h->start_period;
                if (parse_sec(v, u) < 0) {
                        *reterr_why = "not a time span (e.g. 10, 10s, 500ms, 1min)";
                        return -EINVAL;
                }
                if (f != HEALTH_FIELD_START_PERIOD && *u == 0) {
                        *reterr_why = "must be more than 0";
                        return -EINVAL;
                }
                return 0;
        }
        case HEALTH_FIELD_RETRIES:
                if (safe_atou(v, &h->retries) < 0 || h->retries == 0) {
                        *reterr_why = "not a positive integer";
                        return -EINVAL;
                }
                return 0;
        default:
                return -EINVAL;
        }
}

static int read_fields(Config *c, IniSection *s, const ExpandVars *v, ProgramConfig *p, bool *failed) {
        int r;

        for (size_t i = 0; i < ELEMENTSOF(health_prefixes); i++)
                for (HealthField f = 0; f < _HEALTH_FIELD_MAX; f++) {
                        _cleanup_free_ char *val = NULL, *key = NULL;
                        const char *why = NULL;
                        IniEntry *e;

                        if (asprintf(&key, "%s_%s", health_prefixes[i], health_field_names[f]) < 0)
                                return -ENOMEM;
                        e = ini_section_get(s, key);
                        if (!e)
                                continue;
                        r = conf_get_expanded(c, s, e, v, &val);
                        if (r == -EINVAL) {
                                *failed = true;
                                continue;
                        }
                        if (r < 0)
                                return r;
                        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++) {
                                if (i > 0 && !streq(health_prefixes[i], health_kind_to_string(k)))
                                        continue;
                                r = health_field_parse(&p->health[k], f, val, &why);
                                if (r == -ENOMEM)
                                        return r;
                                if (r < 0) {
                                        conf_error(c, e->file, e->line, "[%s] %s=%s: %s.", s->name, key, val, why);
                                        *failed = true;
                                        break;
                                }
                        }
                }
        return 0;
}

static HealthType infer_type(const HealthConfig *h) {
        if (h->command)
                return HEALTH_EXEC;
        if (h->log_line)
                return HEALTH_LOG_LINE;
        if (h->target)
                return strncasecmp(h->target, "http://", 7) == 0 || strncasecmp(h->target, "https://", 8) == 0 ?
                               HEALTH_HTTP :
                               HEALTH_TCP;
        return HEALTH_NONE;
}

/* What each type needs, and a log_line that regcomp(3) takes. Returns 0 or -EINVAL (diagnosed). */
static int check_kind(Config *c, IniSection *s, HealthKind kind, const HealthConfig *h) {
        const char *kname = health_kind_to_string(kind);
        const char *need = h->type == HEALTH_TCP || h->type == HEALTH_HTTP ? "target" :
                           h->type == HEALTH_EXEC                          ? "command" :
                           h->type == HEALTH_LOG_LINE                      ? "log_line" :
                                                                             NULL;
        bool missing = (h->type == HEALTH_TCP || h->type == HEALTH_HTTP) ? !h->target :
                       h->type == HEALTH_EXEC                            ? !h->command :
                       h->type == HEALTH_LOG_LINE                        ? !h->log_line :
                                                                           false;
        IniEntry *e;

        if (missing) {
                e = conf_health_entry(s, kind, "type");
                conf_error(c, e ? e->file : s->file, e ? e->line : s->line,
                           "[%s] the %s check is type %s and needs %s_%s= (or healthcheck_%s=).", s->name, kname,
                           health_type_to_string(h->type), kname, need, need);
                return -EINVAL;
        }
        if (h->type == HEALTH_LOG_LINE) {
                regex_t re;
                int r = regcomp(&re, h->log_line, REG_EXTENDED | REG_NOSUB);
                if (r != 0) {
                        char why[256];

                        (void) regerror(r, &re, why, sizeof(why));
                        e = conf_health_entry(s, kind, "log_line");
                        conf_error(c, e ? e->file : s->file, e ? e->line : s->line,
                                   "[%s] %s=%s: not a POSIX extended regular expression: %s.", s->name,
                                   e ? e->key : "log_line", h->log_line, why);
                        return -EINVAL;
                }
                regfree(&re);
        }
        return 0;
}

int conf_health_section(Config *c, IniSection *s, const ExpandVars *v, ProgramConfig *p) {
        bool failed = false;
        int r;

        assert(c && s && v && p);
        r = read_fields(c, s, v, p, &failed);
        if (r < 0)
                return r;
        if (failed)
                return -EINVAL;
        for (HealthKind k = 0; k < _HEALTH_KIND_MAX; k++) {
                HealthConfig *h = &p->health[k];

                if (h->type == HEALTH_NONE && !conf_health_entry(s, k, "type"))
                        h->type = infer_type(h);
                if (check_kind(c, s, k, h) < 0)
                        failed = true;
        }
        return failed ? -EINVAL : 0;
}

void health_config_init_defaults(HealthConfig *h) {
        *h = (HealthConfig) {
                .type = HEALTH_NONE,
                .interval = 10 * USEC_PER_SEC,
                .timeout = 5 * USEC_PER_SEC,
                .retries = 3,
        };
}

void health_config_done(HealthConfig *h) {
        free(h->target);
        free(h->log_line);
        h->command = strv_free(h->command);
        h->target = h->log_line = NULL;
}

int health_config_copy(const HealthConfig *from, HealthConfig *to) {
        *to = *from;
        to->target = to->log_line = NULL;
        to->command = NULL;
        if ((from->target && !(to->target = strdup(from->target))) ||
            (from->log_line && !(to->log_line = strdup(from->log_line))) ||
            (from->command && !(to->command = strv_copy(from->command)))) {
                health_config_done(to);
                return -ENOMEM;
        }
        return 0;
}

bool program_config_has_health(const ProgramConfig *p) {
        return p->health[HEALTH_READINESS].type != HEALTH_NONE || p->health[HEALTH_LIVENESS].type != HEALTH_NONE;
}
