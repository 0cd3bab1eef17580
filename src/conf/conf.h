/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Parsed configuration: the result of reading cgsup.conf / supervisord.conf (+ [include]s and conf.d
 * drop-ins) with libinih, supervisord 4 semantics (RawConfigParser as supervisor configures it),
 * %(...)s expansion, defaults applied. Pure data: no fds, no cgroups. Reload builds a fresh Config and
 * the manager diffs it against the running one (config_program_equal()).
 *
 * Programs are already expanded into process instances: numprocs=3 gives three ProgramConfig entries
 * ("web_00", "web_01", "web_02" per process_name), each with its own expanded command/logfiles.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "cgsup/cgroup.h"
#include "cron.h"
#include "macro.h"

typedef enum AutoRestart {
        AUTORESTART_FALSE,
        AUTORESTART_TRUE,
        AUTORESTART_UNEXPECTED,
        _AUTORESTART_MAX,
        _AUTORESTART_INVALID = -EINVAL,
} AutoRestart;

/* systemd's meanings; supervisord's behaviour is "simple". notify=true is PROGRAM_TYPE_NOTIFY. */
typedef enum ProgramType {
        PROGRAM_TYPE_SIMPLE,
        PROGRAM_TYPE_FORKING,
        PROGRAM_TYPE_NOTIFY,
        PROGRAM_TYPE_ONESHOT,
        _PROGRAM_TYPE_MAX,
        _PROGRAM_TYPE_INVALID = -EINVAL,
} ProgramType;

typedef enum HealthType {
        HEALTH_NONE,
        HEALTH_TCP,      /* *_target = host:port (or :port) */
        HEALTH_HTTP,     /* *_target = http(s)://host:port/path, 2xx/3xx (after redirects) is healthy */
        HEALTH_EXEC,     /* *_command, exit 0 is healthy; runs inside the program's group cgroup */
        HEALTH_LOG_LINE, /* *_log_line = POSIX ERE matched against each line the program prints */
        _HEALTH_TYPE_MAX,
        _HEALTH_TYPE_INVALID = -EINVAL,
} HealthType;

typedef enum DependCondition {
        DEPEND_STARTED,   /* dependency RUNNING */
        DEPEND_HEALTHY,   /* dependency RUNNING and its healthcheck passed (RUNNING if it has none) */
        DEPEND_COMPLETED, /* dependency EXITED with an expected exit code (oneshot-like) */
        DEPEND_SUCCEEDED, /* the same, and an exit with another code (no restart coming) cannot be met */
        DEPEND_LOG_READY, /* healthy, for a dependency whose readiness check is a log line (checked at load) */
        _DEPEND_CONDITION_MAX,
        _DEPEND_CONDITION_INVALID = -EINVAL,
} DependCondition;

typedef struct Dependency {
        char *name; /* program (section) name, or instance name */
        DependCondition condition;
} Dependency;

/* *_logfile_rotate=: a time rule beside _maxbytes' size rule (either rotates). */
typedef enum LogRotateTime {
        LOG_ROTATE_NEVER,
        LOG_ROTATE_HOURLY,   /* at the top of each hour, local time */
        LOG_ROTATE_DAILY,    /* at local midnight */
        LOG_ROTATE_INTERVAL, /* every LogConfig.rotate_interval from when the file was opened */
        _LOG_ROTATE_TIME_MAX,
        _LOG_ROTATE_TIME_INVALID = -EINVAL,
} LogRotateTime;

/* *_logfile_compress=: what rotated files (name.1 ... name.N) are compressed with. */
typedef enum LogCompress {
        LOG_COMPRESS_NONE,
        LOG_COMPRESS_GZIP,   /* name.N.gz, zlib */
        LOG_COMPRESS_ZSTD,   /* name.N.zst, libzstd */
        _LOG_COMPRESS_MAX,
        _LOG_COMPRESS_INVALID = -EINVAL,
} LogCompress;

/* One output stream's destination. */
typedef struct LogConfig {
        char *path;          /* NULL = NONE; resolved: AUTO becomes a file in childlogdir */
        bool automatic;      /* was AUTO (file removed when the program is removed, as supervisord) */
        bool syslog;         /* stdout_logfile=syslog or stdout_syslog=true: forward to journal */
        uint64_t maxbytes;   /* 0 = no rotation; default 50MB */
        unsigned backups;    /* default 10 */
        LogRotateTime rotate;
        usec_t rotate_interval; /* LOG_ROTATE_INTERVAL */
        LogCompress compress;   /* needs backups > 0 */
} LogConfig;

/* The two jobs a health check does: readiness gates the start job and depends_on=x:healthy (it runs until
 * its first pass); liveness runs from then on, and its failures restart the program. healthcheck_* sets
 * both, readiness_* and liveness_* each one (and win over healthcheck_*). */
typedef enum HealthKind {
        HEALTH_READINESS,
        HEALTH_LIVENESS,
        _HEALTH_KIND_MAX,
        _HEALTH_KIND_INVALID = -EINVAL,
} HealthKind;

typedef struct HealthConfig {
        HealthType type;
        char *target;        /* tcp: "host:port", http: URL */
        char **command;      /* exec: argv */
        char *log_line;      /* log_line: POSIX extended regular expression */
        usec_t interval;     /* default 10s */
        usec_t timeout;      /* default 5s */
        unsigned retries;    /* consecutive failures before unhealthy, default 3 */
        usec_t start_period; /* failures ignored this long after start, default 0 */
} HealthConfig;

/* rlimit_<name>= of a program: one per RLIMIT_* resource, indexed by it. */
#define _CONF_RLIMIT_MAX RLIMIT_NLIMITS
typedef struct RlimitConfig {
        bool set;
        struct rlimit limit;
} RlimitConfig;

/* The keys of a [program:x] section as they took effect: after includes were merged key by key (the last
 * duplicate wins), in the order they were first written, each with its value as written (before %(...)s
 * expansion) and the file:line it came from. Unknown keys (warned about) are not in it. Shared by the
 * instances of the section (numprocs) and by copies: reference counted. For `cgsupctl cat`. */
typedef struct ConfigSetting {
        char *key, *value, *file;
        unsigned line;
} ConfigSetting;

typedef struct ConfigSettings {
        unsigned n_ref;
        char *section;        /* "program:web" */
        char *file;           /* where the section was first opened */
        unsigned line;
        ConfigSetting *items;
        size_t n_items;
} ConfigSettings;

ConfigSettings *config_settings_ref(ConfigSettings *s);
ConfigSettings *config_settings_unref(ConfigSettings *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(ConfigSettings *, config_settings_unref);

typedef struct ProgramConfig {
        /* Owners (program_config_ref()): the Config that read it and every Program running with it share
         * one copy. 0 counts as 1 (a config made with calloc and never referenced). */
        unsigned n_ref;
        char *name;          /* instance name: process_name expanded ("web_01"); unique within group */
        char *program_name;  /* section name after "program:" */
        char *group_name;    /* [group:x] that lists it, else == program_name */
        bool in_group;       /* listed by an explicit [group:x] */
        unsigned process_num;
        unsigned numprocs;

        char *command;       /* expanded, as written */
        char **argv;         /* shlex-split command (no shell) */
        ProgramType type;
        char *pidfile;       /* forking: where the daemon writes its pid */

        int priority;        /* default 999 */
        bool autostart;      /* default true */
        AutoRestart autorestart; /* default unexpected */
        usec_t startsecs;    /* default 1s */
        unsigned startretries; /* default 3 */
        uint8_t exitcodes[32]; /* bitmap of expected exit codes 0..255; default {0} */
        int stopsignal;      /* default SIGTERM */
        usec_t stopwaitsecs; /* default 10s */
        bool stopasgroup, killasgroup; /* accepted; the whole cgroup is always killed at the end */

        char *user;          /* NULL = daemon's user */
        char *directory;     /* NULL = inherit daemon's */
        int umask;           /* -1 = inherit */
        char **environment;  /* KEY=value, program-level (daemon-level merged in by the manager) */
        char **environment_files; /* environment_file= of [cgsupd], then [group:x], then the program, in
                                   * that order (a later file wins); "-/path" is optional. Read at each
                                   * start, never at load (program-env.c) */

        bool redirect_stderr;
        LogConfig stdout_log, stderr_log;

        CgsupLimits limits;
        char *syscall_filter; /* systemd SystemCallFilter= syntax, NULL = none */
        bool no_new_privileges;

        Dependency *depends_on;
        size_t n_depends_on;

        usec_t backoff_initial;   /* default 1s */
        usec_t backoff_max;       /* default 30s */
        double backoff_multiplier; /* default 2.0 */
        usec_t runtime_max;       /* transient runs (-p runtime_max=, RunTransient RuntimeMaxUSec): kill the whole
                                   * tree this long after the start, exit reason "timeout"; 0 = no bound */
        usec_t fatal_retry_after; /* 0 (default): FATAL stays FATAL (supervisord); else an automatic retry after
                                   * this pause, with a fresh set of startretries (processkit's storm pause) */

        HealthConfig health[_HEALTH_KIND_MAX]; /* readiness, liveness */

        RlimitConfig rlimits[_CONF_RLIMIT_MAX]; /* rlimit_*: set in the program before exec */
        bool clean_environment;  /* start from [cgsupd] environment= and its own, not cgsupd's environment */
        bool strip_ansi;         /* remove ANSI escape sequences from its output (default: [cgsupd] strip_ansi) */
        char *description;       /* free text for status and D-Bus */
        bool stdout_events, stderr_events; /* stdout/stderr_events_enabled: PROCESS_LOG_* events */
        bool stdin_pipe;     /* stdin = pipe (default, as supervisord) | null (/dev/null) */

        /* Scheduled programs (issue 14): schedule= or interval= makes a run-to-completion job started by a
         * timer; type is oneshot, autorestart and startretries do not apply. */
        char *schedule;            /* cron expression as written (parsed into schedule_spec), NULL = none */
        CronSpec schedule_spec;
        char *schedule_timezone;   /* NULL = local time */
        usec_t interval;           /* between starts, 0 = none */
        bool schedule_catch_up;    /* run once for ticks missed (suspend, clock jump), default false */
        /* [eventlistener:x] instances (supervisord's protocol on stdin/stdout, src/cgsupd/event-listener.c) */
        bool event_listener;
        uint64_t listener_events;      /* events=: an EventMask (src/shared/event-type.h) */
        unsigned listener_buffer_size; /* buffer_size=, default 10 */

        /* Restart on file change (issue 14): absolute paths, watched recursively by cgsupd. */
        char **watch;
        char **watch_ignore;       /* globs on the name or the whole path */
        usec_t watch_debounce;     /* default 1s: changes within it restart once, at its end */

        char *source_file;   /* where the section was defined, for messages */
        unsigned source_line;
        ConfigSettings *settings; /* NULL for transient programs */
} ProgramConfig;

typedef struct GroupConfig {
        char *name;
        char **programs;     /* program (section) names */
        char **environment_files; /* given to each member (ProgramConfig.environment_files) */
        int priority;
        CgsupLimits limits;  /* applied to the group's parent cgroup */
        char *source_file;
        unsigned source_line;
} GroupConfig;

GroupConfig *group_config_free(GroupConfig *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(GroupConfig *, group_config_free);
/* Deep copy (a reload that keeps one group of the old configuration in the new one). */
int group_config_copy(const GroupConfig *g, GroupConfig **ret);

/* [webhook:NAME]: events POSTed as JSON (cgsupd's webhook.c). */
typedef struct WebhookConfig {
        char *name;
        char *url;           /* http:// or https:// */
        char **events;       /* upper-case names as written: types, supertypes, state names; default PROCESS_STATE */
        usec_t timeout;      /* one attempt, default 5s */
        unsigned retries;    /* attempts after the first failed one, default 3 */
        char **headers;      /* "Name: value" */
        char *source_file;
        unsigned source_line;
} WebhookConfig;

WebhookConfig *webhook_config_free(WebhookConfig *w);
DEFINE_TRIVIAL_CLEANUP_FUNC(WebhookConfig *, webhook_config_free);

typedef struct DaemonConfig {
        char *logfile;       /* NULL = stderr/journal; supervisord default "supervisord.log" is not used */
        uint64_t logfile_maxbytes;
        unsigned logfile_backups;
        int loglevel;        /* LOG_INFO default */
        int log_format;      /* LogFormat (log.h): LOG_FORMAT_TEXT default, or json */
        char *pidfile;
        bool nodaemon;       /* cgsupd always runs in the foreground unless -d; recorded for reference */
        char **environment;  /* inherited by every program */
        char **environment_files; /* given to each program (ProgramConfig.environment_files) */
        char *childlogdir;   /* AUTO logs; default $TMPDIR or /tmp (cgsupd: config_place_auto_logs()) */
        bool childlogdir_set; /* childlogdir= was given: it wins over cgsupd's own log directory */
        bool nocleanup;      /* keep AUTO logs of programs not running at start (default: remove them) */
        char *directory;
        int umask;           /* -1 = unset (supervisord default 022 applied when daemonizing) */
        char *user;          /* recorded, never applied: accepted only when it names root or the user cgsupd
                              * runs as (cgsupd never drops privileges, conf-check.c), nor given to programs */
        uint64_t minfds;     /* default 1024: cgsupd raises its RLIMIT_NOFILE to at least this (supervisord) */
        uint64_t minprocs;   /* default 200: the same for RLIMIT_NPROC */
        bool strip_ansi;     /* default of the programs' strip_ansi */
        bool exit_when_all_done; /* shut down once no program runs nor will be restarted */
        char *identifier;    /* default "cgsup" */
        char *cgroup;        /* [cgsupd] cgroup=, relative to the cgroup2 mount */
        usec_t shutdown_timeout; /* bound for stopping everything at shutdown, default 60s */
} DaemonConfig;

/* A warning or error with where it came from. */
typedef struct ConfigDiag {
        char *file;
        unsigned line;       /* 0 = whole file */
        char *message;
        bool error;
} ConfigDiag;

typedef struct Config {
        char *main_file;     /* absolute path of the file given with -c (or the default) */
        char **files;        /* every file read, in order (main, includes) */
        DaemonConfig daemon;
        ProgramConfig **programs; /* process instances, sorted by (priority, name) */
        size_t n_programs;
        GroupConfig **groups;     /* explicit [group:x] sections */
        size_t n_groups;
        WebhookConfig **webhooks; /* [webhook:x] sections, in file order */
        size_t n_webhooks;
        ConfigDiag *diags;   /* warnings (and the error on failure) */
        size_t n_diags;
        size_t n_diags_dropped; /* beyond the cap on stored diagnostics (hostile input) */
        bool has_error;
        char *first_error;   /* "file:line: message" of the first error, see config_first_error() */
        uint64_t expanded_bytes; /* internal: bounds what %(...)s expansion may produce in total */
} Config;

/* The default main file. When config_load() reads exactly this path it also reads the drop-ins: the
 * *.conf files in <dir of the main file>/conf.d (sorted, after the main file and its [include]s; later wins). */
#define CONFIG_DEFAULT_PATH SYSCONFDIR "/cgsup/cgsup.conf"


/* Defaults of supervisord and of the added keys; used by config_load() and by RunTransient. */
void program_config_init_defaults(ProgramConfig *p);
/* Drops one owner; the last one frees it. */
ProgramConfig *program_config_free(ProgramConfig *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(ProgramConfig *, program_config_free);
/* One more owner of @p (shared, not copied: whoever changes a shared config copies it first). */
ProgramConfig *program_config_ref(ProgramConfig *p);
bool program_config_is_shared(const ProgramConfig *p);
/* Deep copy (a program changing a shared config gets its own first). */
int program_config_copy(const ProgramConfig *p, ProgramConfig **ret);
/* Whether two instances differ in anything that needs a restart (limits excluded: those apply live). */
bool program_config_equal_for_restart(const ProgramConfig *a, const ProgramConfig *b);
bool program_config_exitcode_expected(const ProgramConfig *p, int code);
/* schedule= or interval= is set. */
static inline bool program_config_is_scheduled(const ProgramConfig *p) {
        return p->schedule || p->interval > 0;
}

/*
 * config_load() - read @path (and its includes), apply @extra_env for %(ENV_X)s (NULL = environ).
 * On success returns 0 and a Config whose diags hold the warnings. On a config error returns -EINVAL and
 * still returns the Config in *ret with the error(s) in diags (error=true) so the caller can print
 * "file:line: message"; nothing should be started then. Other errors (-ENOENT for a missing main file,
 * -ENOMEM) are returned without a Config.
 */
int config_load(const char *path, char **extra_env, Config **ret);

/* The sample configuration `cgsupctl init` prints (examples/sample.conf): every key the reader knows, with
 * its default or an example value, commented out, made from the reader's key tables (conf-sample.c).
 * Returns 0 and a malloc'ed text, or -ENOMEM. */
int config_sample_text(char **ret);
/* config_load() with an explicit drop-in directory whose *.conf files are read after the main file and its
 * includes (NULL = none, whatever @path is). */
int config_load_with_dropins(const char *path, const char *dropin_dir, char **extra_env, Config **ret);
/* config_load() with [program:@program]'s numprocs= taken as @numprocs (cgsupctl scale: the instances are
 * made from the file exactly as a reload would make them). */
int config_load_scaled(const char *path, char **extra_env, const char *program, unsigned numprocs, Config **ret);
Config *config_free(Config *c);
/* Puts c->programs in their order: (priority, name, group), as config_load() leaves them. */
void config_sort_programs(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);
/*
 * config_place_auto_logs() - where cgsupd puts AUTO logs, after config_load() (which, like supervisord,
 * puts them in childlogdir= or $TMPDIR or /tmp): in @dir, cgsupd's own log directory, unless [cgsupd]
 * childlogdir= is set, and named <name>-<channel>---<identifier>-<tag>-<suffix>.log with <tag> derived
 * from @instance (the daemon's cgroup subtree), so two daemons never share a file while a restarted
 * daemon that adopts its programs keeps writing to the same one. Returns 0 or -ENOMEM.
 */
int config_place_auto_logs(Config *c, const char *dir, const char *instance);
/* Whether @filename (no directory) is an AUTO log, or a rotated backup of one, that
 * config_place_auto_logs(@c, ..., @instance) names. */
bool config_is_auto_log_name(const Config *c, const char *filename, const char *instance);
/* First error diag, formatted "file:line: message" (static buffer in c), or NULL. */
const char *config_first_error(const Config *c);
const ProgramConfig *config_find_program(const Config *c, const char *name);

const char *autorestart_to_string(AutoRestart a);
AutoRestart autorestart_from_string(const char *s);
const char *program_type_to_string(ProgramType t);
ProgramType program_type_from_string(const char *s);
const char *health_type_to_string(HealthType t);
HealthType health_type_from_string(const char *s);
/* "readiness", "liveness": also the prefix of the kind's keys. */
const char *health_kind_to_string(HealthKind k);
/* Whether either check is configured. */
bool program_config_has_health(const ProgramConfig *p);
const char *depend_condition_to_string(DependCondition c);
const char *log_compress_to_string(LogCompress c);
LogCompress log_compress_from_string(const char *s);
/* What a compression in progress writes to, beside the log file, until it is renamed to name.N.gz. */
#define LOG_COMPRESS_TMP_SUFFIX ".compressing"
/* The file name suffix of a compressed backup (".gz", ".zst"; "" for none). */
const char *log_compress_suffix(LogCompress c);
/* "never", "hourly", "daily", or a duration of at least LOG_ROTATE_INTERVAL_MIN. */
int log_rotate_time_parse(const char *s, LogRotateTime *ret, usec_t *ret_interval);
#define LOG_ROTATE_INTERVAL_MIN (1 * USEC_PER_SEC)
/* rlimit_<name> key <-> RLIMIT_* resource (conf-rlimit.c); -EINVAL / NULL when unknown. */
int rlimit_from_key(const char *key);
const char *rlimit_to_key(int resource);
/* systemd's Limit*= syntax for @resource: VALUE or SOFT:HARD, "infinity"; sizes for byte limits, time spans
 * for cpu (seconds) and rttime (µs). Returns 0, -EINVAL with a static reason, -ENOMEM. */
int rlimit_parse(int resource, const char *value, struct rlimit *ret, const char **reterr_why);
DependCondition depend_condition_from_string(const char *s);
