/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Internals of the configuration reader, shared by conf*.c and the unit tests / fuzzer.
 *
 *   conf-ini.c      libinih driver: a reader callback that turns supervisord's dialect (Python
 *                   RawConfigParser with inline_comment_prefixes=(';','#'), strict=False) into lines
 *                   libinih reads the same way, then an IniDoc of sections merged key by key.
 *   conf-expand.c   %(name)s / %(name)02d expansion (the Python %-format subset supervisord users write).
 *   conf-util.c     shlex splitting, supervisord's environment= lists, diagnostics, key suggestions.
 *   conf-keys.c     the key tables by section: what the reader knows (the tables sit next to their readers;
 *                   conf-program-keys.c holds [program:x]'s and [group:x]'s).
 *   conf-sample.c   the sample `cgsupctl init` prints, written from those tables.
 *   conf-program.c  [program:x] / [group:x] keys to ProgramConfig / GroupConfig; defaults, copy, compare.
 *   conf-check.c    checks against this system at load: users exist, health targets parse, commands resolve.
 *   conf-health.c   healthcheck_* / readiness_* / liveness_* keys into the two HealthConfigs.
 *   health-target.c healthcheck_target= syntax, shared with the checker in cgsupd.
 *   conf.c          config_load(): files, includes, drop-ins, [cgsupd], dependency checks, ordering.
 */

#include <stdarg.h>

#include "conf.h"
#include "name-util.h"

/* Shown in a diagnostic instead of an environment= value: values can be credentials, and diagnostics reach
 * cgsupd's log and D-Bus errors. */
#define CONF_VALUE_NOT_SHOWN "(value not shown)"

/* Bounds on what a configuration may ask of us: hostile or broken input gets a clear error instead of
 * unbounded memory or time. */
#define CONF_MAX_FILE_SIZE (4U * 1024U * 1024U)
#define CONF_MAX_LINE 65536U
#define CONF_MAX_VALUE (256U * 1024U)
#define CONF_MAX_SECTIONS 10000U
#define CONF_MAX_KEYS_PER_SECTION 1000U
#define CONF_MAX_FILES 1000U
#define CONF_MAX_NUMPROCS 1000U
#define CONF_MAX_INSTANCES 10000U
#define CONF_MAX_DIAGS 1000U
/* Section headers: "program:" or "group:" plus a name of up to PROGRAM_NAME_MAX (name-util.h) bytes. */
#define CONF_MAX_SECTION_NAME (PROGRAM_NAME_MAX + 32U)
#define CONF_MAX_GROUP_PROGRAMS 1000U
/* numprocs=1000 with a 256 KiB command must not turn into gigabytes */
#define CONF_MAX_EXPANDED_TOTAL (64U * 1024U * 1024U)

typedef struct IniEntry {
        char *key;          /* lower-cased, as RawConfigParser's optionxform */
        char *value;        /* continuation lines joined with "\n" */
        const char *file;   /* points into IniDoc.files */
        unsigned line;
        bool used;          /* consumed by a known key (unknown ones get a warning) */
} IniEntry;

typedef struct IniSection {
        char *name;         /* case-sensitive; "supervisord" is stored as "cgsupd" */
        const char *file;   /* where the section was first opened */
        unsigned line;
        IniEntry *entries;
        size_t n_entries;
} IniSection;

typedef struct IniDoc {
        IniSection *sections;
        size_t n_sections;
        char **files;       /* absolute paths of every file read, in order */
} IniDoc;

void ini_doc_done(IniDoc *doc);
IniSection *ini_doc_find(const IniDoc *doc, const char *section);
IniEntry *ini_section_find(const IniSection *s, const char *key);
/* Looks a key up and marks it used. */
IniEntry *ini_section_get(IniSection *s, const char *key);

typedef enum IniReadFlags {
        INI_READ_INCLUDED = 1 << 0, /* an [include]d or drop-in file: its own [include] is not followed */
} IniReadFlags;

/* Parses @size bytes of @data (need not be NUL-terminated, may contain anything) as file @path into @doc.
 * Syntax problems become error diags in @c. Returns 0, or -ENOMEM / -E2BIG (limits, also diagnosed). */
int ini_doc_parse(IniDoc *doc, Config *c, const char *path, const char *data, size_t size,
                  IniReadFlags flags);
/* Reads @path (bounded size) and parses it. -ENOENT etc. are returned as is (not diagnosed). */
int ini_doc_read_file(IniDoc *doc, Config *c, const char *path, IniReadFlags flags);

/* ---- diagnostics ---- */
void conf_diagv(Config *c, bool error, const char *file, unsigned line, const char *fmt, va_list ap)
        _printf_(5, 0);
void conf_warn(Config *c, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
void conf_error(Config *c, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);
bool config_has_error(const Config *c);
/* The diagnostics store is full: callers may skip work that only produces more of them. */
bool conf_diags_full(const Config *c);

/* ---- expansion ---- */
typedef struct ExpandVars {
        const char *here;
        const char *program_name;
        const char *group_name;
        const char *host_node_name;
        long process_num;       /* < 0: not available in this context */
        long numprocs;          /* < 0: not available */
        char *const *env;       /* "KEY=value" lists searched for ENV_KEY, last list wins */
        char *const *env2;
        char *const *env3;
} ExpandVars;

/* Expands @s. On failure returns -EINVAL and a malloc'ed message in *reterr_msg (when non-NULL). */
int conf_expand(const char *s, const ExpandVars *v, char **ret, char **reterr_msg);

/* ---- splitting ---- */
/* POSIX shlex.split(): quotes, backslash escapes, no comments; newlines are whitespace. -EINVAL with a
 * static reason in *reterr_reason (unterminated quote, trailing backslash). */
int conf_shlex_split(const char *s, char ***ret, const char **reterr_reason);
/* supervisord's dict_of_key_value_pairs(): KEY="val",KEY2=val2 (non-POSIX shlex with wordchars + "/.+-():",
 * '#' starts a comment). Result: "KEY=val" strv with later duplicates replacing earlier ones. */
int conf_parse_environment(const char *s, char ***ret, const char **reterr_reason);
/* Closest of @candidates (NULL-terminated) to @word within a small edit distance, or NULL. */
const char *conf_suggest(const char *word, const char *const *candidates);
/* The same over candidates offered one by one: conf_suggest_init(), conf_suggest_try() each, then .best. */
typedef struct ConfSuggest {
        const char *word;
        const char *best;
        size_t best_distance, limit;
} ConfSuggest;
void conf_suggest_init(ConfSuggest *s, const char *word);
void conf_suggest_try(ConfSuggest *s, const char *candidate);

/* ---- program sections ---- */
/* config_load_scaled(): one program's numprocs= replaced. */
typedef struct ConfigScale {
        const char *program;
        unsigned numprocs;
} ConfigScale;

/* Daemon-level context the program parser needs. */
typedef struct ProgramContext {
        const DaemonConfig *daemon;
        char *const *process_env;  /* environ or extra_env */
        const char *host_node_name;
        bool check_system;         /* look users and executables up (not when fuzzing) */
        const ConfigScale *scale;  /* NULL = numprocs= as written */
        bool event_listener;       /* building an [eventlistener:x] section */
} ProgramContext;

/* Builds the instances of [program:NAME] as member of @group_name (== NAME when not in a [group:x]) and
 * appends them to @c. Errors are diagnosed in @c (return 0 then, the caller checks config_has_error()). */
int conf_program_section(Config *c, IniSection *s, const char *name, const char *group_name, bool in_group,
                         const ProgramContext *ctx);
/* [group:NAME]: programs=, priority=, limit keys. */
int conf_group_section(Config *c, IniSection *s, const char *name, const ProgramContext *ctx);

/* ---- health keys (conf-health.c) ---- */
/* Reads healthcheck_*, readiness_* and liveness_* into p->health[] (the specific prefixes win), infers each
 * check's type from what is given and checks it has what it needs (a log_line must compile). Returns 0,
 * -EINVAL (diagnosed), -ENOMEM. */
int conf_health_section(Config *c, IniSection *s, const ExpandVars *v, ProgramConfig *p);
/* The entry that set @field ("target", "command", ...) of the @kind check: <kind>_<field>, else
 * healthcheck_<field>; NULL when neither is in @s. */
IniEntry *conf_health_entry(const IniSection *s, HealthKind kind, const char *field);
void health_config_init_defaults(HealthConfig *h);
void health_config_done(HealthConfig *h);
int health_config_copy(const HealthConfig *from, HealthConfig *to);

/* [webhook:NAME] (conf-webhook.c): appended to c->webhooks; errors are diagnosed (returns 0 then). */
int conf_webhook_section(Config *c, IniSection *s, const ExpandVars *v);

/* ---- the key tables (conf-keys.c) ---- */
/* One table per kind of section is what the reader knows: a key not in its section's table is warned about
 * as unknown. Each entry also carries the line `cgsupctl init` prints for it (conf-sample.c), so a key
 * cannot be read without being in the sample. [eventlistener:x] reads the [program:x] table (its own keys
 * are KEY_LISTENER there). */
typedef enum ConfSection {
        CONF_SECTION_DAEMON,  /* [cgsupd], alias [supervisord] */
        CONF_SECTION_PROGRAM, /* [program:x] and [eventlistener:x] */
        CONF_SECTION_GROUP,
        CONF_SECTION_WEBHOOK,
        CONF_SECTION_INCLUDE,
        _CONF_SECTION_MAX,
} ConfSection;

typedef enum KeyType {
        KEY_SPECIAL,    /* read by the section's own code, not by the table-driven conversion */
        KEY_COMMAND,
        KEY_STRING,
        KEY_BOOL,
        KEY_INT,
        KEY_UNSIGNED,
        KEY_SEC,
        KEY_SIZE,
        KEY_SIGNAL,
        KEY_UMASK,
        KEY_ENUM,       /* KeyDef.from_string, the choices named in KeyDef.choices */
        KEY_RLIMIT,     /* rlimit_<name>: systemd's Limit*= syntax (conf-rlimit.c) */
        KEY_EXITCODES,
        KEY_LOGFILE,
        KEY_LOG_ROTATE, /* *_logfile_rotate: into the LogConfig at offset */
        KEY_LIMIT,
        KEY_DEPENDS,
        KEY_DOUBLE,
        KEY_ARGV,
        KEY_STDIN,
        KEY_HEALTH,     /* healthcheck_* / readiness_* / liveness_*: conf-health.c */
        KEY_LISTENER,   /* [eventlistener:x] only (warned about in [program:x]) */
        KEY_IGNORE_BOOL, /* accepted, checked, no effect */
        KEY_IGNORE_SIZE,
        KEY_IGNORE,
} KeyType;

/* What the sample shows for a key. */
typedef enum SampleKind {
        SAMPLE_DEFAULT, /* the reader's default (test-sample-conf checks it is) */
        SAMPLE_EXAMPLE, /* the key has no fixed default: an example value, commented out */
        SAMPLE_SET,     /* an example value set in the sample (not commented out), so the sample loads */
} SampleKind;

typedef struct KeyDef {
        const char *key;
        KeyType type;
        size_t offset;                     /* of the field in ProgramConfig (table-converted types) */
        const char *sample;                /* the value `cgsupctl init` shows */
        SampleKind sample_kind;
        const char *comment;               /* the sample's comment on the key's line, or NULL */
        int (*from_string)(const char *s); /* KEY_ENUM: the enum's parser, < 0 for junk */
        const char *choices;               /* KEY_ENUM: what the error message offers */
} KeyDef;

/* The tables, in the sample's order (each next to its section's reader). */
extern const KeyDef conf_daemon_keys[];
extern const size_t conf_daemon_n_keys;
extern const KeyDef conf_include_keys[];
extern const size_t conf_include_n_keys;
extern const KeyDef conf_program_keys[];
extern const size_t conf_program_n_keys;
extern const KeyDef conf_group_keys[];
extern const size_t conf_group_n_keys;
extern const KeyDef conf_webhook_keys[];
extern const size_t conf_webhook_n_keys;

/* The table of @section, its length in *ret_n. */
const KeyDef *conf_section_keys(ConfSection section, size_t *ret_n);
/* The entry of @key in @section's table, or NULL when the reader does not know it there. */
const KeyDef *conf_key_find(ConfSection section, const char *key);
/* The known key of @section closest to @word (conf_suggest()), or NULL. */
const char *conf_key_suggest(ConfSection section, const char *word);

/* ---- environment_file= (conf-envfile.c) ---- */
/* Splits @value into absolute paths ("-/path" optional) into *ret (replacing it). With @check_system, a file
 * that exists is parsed now: a malformed line is an error naming the environment file and its line, a
 * missing one a warning. Returns 0, -EINVAL (diagnosed), -ENOMEM. */
int conf_parse_env_files(Config *c, IniSection *s, IniEntry *e, const char *value, bool check_system,
                         char ***ret);
/* Whitespace-separated absolute paths (quotes for spaces) into *ret (replacing it). Returns 0, -EINVAL
 * (diagnosed), -ENOMEM. */
int conf_split_paths(Config *c, IniSection *s, IniEntry *e, const char *value, char ***ret);
/* *ret = a + b + d (each may be NULL), replacing *ret. Returns 0 or -ENOMEM. */
int conf_env_files_concat(char *const *a, char *const *b, char *const *d, char ***ret);

/* ---- checks against this system (conf-check.c) ---- */
/* A number is a uid, anything else a user name, as when the program starts. 0 (and the uid), -ESRCH when
 * there is no such user, other negative errno when the lookup itself failed. */
int conf_lookup_user(const char *user, uid_t *ret_uid);
/* User, health target (errors) and executables (warnings) of one built instance. Returns 0, -EINVAL when
 * it diagnosed an error, -ENOMEM. */
int conf_check_instance(Config *c, IniSection *s, const ProgramConfig *p, const ProgramContext *ctx);
/* [cgsupd] user=: accepted when it is root or the user cgsupd runs as, else an error pointing to the user
 * instance. Returns 0 or -ENOMEM. */
int conf_check_daemon_user(Config *c, IniSection *s, IniEntry *e, const char *user, bool check_system);

/* Whether a log path is a stream that cannot be rotated (/dev/stdout, /dev/fd/N, /proc/N/fd/N, ...). */
bool conf_log_path_is_stream(const char *path);
/* Expands and converts one value; shared by [cgsupd] and programs. */
int conf_get_expanded(Config *c, IniSection *s, IniEntry *e, const ExpandVars *v, char **ret);

typedef enum ConfigLoadFlags {
        CONFIG_LOAD_NO_INCLUDES = 1 << 0,      /* fuzzing: never touch the file system beyond the buffer */
        CONFIG_LOAD_NO_SYSTEM_CHECKS = 1 << 1, /* fuzzing, tests of the syntax: do not look up users or
                                                * executables (conf-check.c), so results do not depend on
                                                * the host */
} ConfigLoadFlags;

/* config_load() on a buffer: @path is used for messages and %(here)s. */
int config_load_buffer(const char *path, const char *data, size_t size, const char *dropin_dir,
                       char **extra_env, ConfigLoadFlags flags, Config **ret);
