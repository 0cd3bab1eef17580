/* SPDX-License-Identifier: MIT */
/*
 * The sample configuration `cgsupctl init` prints (supervisord's echo_supervisord_conf), made from the
 * reader's own key tables (conf-keys.c), so it names every key the reader knows, in the section where the
 * reader looks for it, with the value and comment the table gives. Only the notes between the sections are
 * written here. examples/sample.conf is this text, checked in (test-sample-conf fails when they differ).
 */
#include <assert.h>
#include <stdio.h>

#include "conf-internal.h"

/* Inline comments start at this column when the key line is shorter. */
#define SAMPLE_COMMENT_COLUMN 32

static const char sample_header[] =
        "; cgsup sample configuration, printed by `cgsupctl init` (supervisord's echo_supervisord_conf).\n"
        ";\n"
        "; supervisord's INI dialect: an existing supervisord.conf works unchanged. Every key cgsup reads is\n"
        "; listed below with its default, or an example value where it has none; remove the leading ';' to\n"
        "; set one. Lines starting with ';' or '#' are comments; an inline comment needs whitespace before\n"
        "; its ';'. Durations: 30 (seconds), 500ms, 1.5s, 2min, 1h. Sizes: 512K, 64M, 1G. Booleans:\n"
        "; true/false, yes/no, on/off, 1/0.\n"
        "; Reference: cgsup.conf(5). Check a file with: cgsupctl validate FILE\n";

typedef enum SampleKeys {
        SAMPLE_KEYS_ALL,
        SAMPLE_KEYS_NOT_LISTENER, /* [program:x]: the table without the [eventlistener:x]-only keys */
        SAMPLE_KEYS_LISTENER,     /* [eventlistener:x]: only those (every other key applies as well) */
} SampleKeys;

typedef struct SampleSection {
        const char *note;   /* the comment above the section */
        const char *header; /* "[program:example]" */
        bool off;           /* header and keys commented out: an example to turn on */
        ConfSection section;
        SampleKeys keys;
} SampleSection;

static const SampleSection sample_sections[] = {
        { "[supervisord] is accepted as an alias of [cgsupd]", "[cgsupd]", false, CONF_SECTION_DAEMON,
          SAMPLE_KEYS_ALL },
        { "One program. `numprocs` > 1 makes a pool of instances named by process_name.", "[program:example]",
          false, CONF_SECTION_PROGRAM, SAMPLE_KEYS_NOT_LISTENER },
        { "Programs run together under one cgroup; group limits bound all members.", "[group:backend]", true,
          CONF_SECTION_GROUP, SAMPLE_KEYS_ALL },
        { "supervisord's event listeners, protocol unchanged; every [program:x] key applies as well.",
          "[eventlistener:crashmail]", true, CONF_SECTION_PROGRAM, SAMPLE_KEYS_LISTENER },
        { "Events POSTed as JSON to a URL.", "[webhook:ops]", true, CONF_SECTION_WEBHOOK, SAMPLE_KEYS_ALL },
        { "More files, merged key by key (relative to this file's directory).", "[include]", true,
          CONF_SECTION_INCLUDE, SAMPLE_KEYS_ALL },
};

static void write_key_line(FILE *f, bool commented, const char *key, const char *value, const char *comment) {
        int len = fprintf(f, "%s%s=%s", commented ? ";" : "", key, value);

        if (comment)
                fprintf(f, "%*s; %s", len < SAMPLE_COMMENT_COLUMN ? SAMPLE_COMMENT_COLUMN - len : 1, "",
                        comment);
        fputc('\n', f);
}

static bool sample_shows(const SampleSection *s, const KeyDef *k) {
        switch (s->keys) {
        case SAMPLE_KEYS_NOT_LISTENER:
                return k->type != KEY_LISTENER;
        case SAMPLE_KEYS_LISTENER:
                return k->type == KEY_LISTENER;
        case SAMPLE_KEYS_ALL:
                break;
        }
        return true;
}

static void write_section(FILE *f, const SampleSection *s) {
        size_t n;
        const KeyDef *keys = conf_section_keys(s->section, &n);

        fprintf(f, "\n; %s\n%s%s\n", s->note, s->off ? ";" : "", s->header);
        /* A listener is a program: its command is a [program:x] key, shown here with a listener's value. */
        if (s->keys == SAMPLE_KEYS_LISTENER)
                write_key_line(f, s->off, "command", "/usr/local/bin/crashmail",
                               "a listener (READY / RESULT handshake on stdin/stdout)");
        for (size_t i = 0; i < n; i++)
                if (sample_shows(s, &keys[i]))
                        write_key_line(f, s->off || keys[i].sample_kind != SAMPLE_SET, keys[i].key,
                                       keys[i].sample, keys[i].comment);
}

int config_sample_text(char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;

        assert(ret);
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        fputs(sample_header, f);
        for (size_t i = 0; i < ELEMENTSOF(sample_sections); i++)
                write_section(f, &sample_sections[i]);
        if (ferror(f)) {
                fclose(f);
                return -ENOMEM;
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}
