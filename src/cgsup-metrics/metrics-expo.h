/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A writer of the Prometheus text exposition format 0.0.4 and of OpenMetrics 1.0 text, the two formats
 * Prometheus scrapes. The caller opens a family (name, type, help) and adds its samples; the family's
 * HELP and TYPE lines are written before its first sample (a family without samples writes nothing), and
 * a family name can be opened only once, so the output never repeats a family. Values are unsigned
 * integers with a fixed number of decimals (microseconds are written as seconds with 6 decimals), printed
 * exactly and independently of the locale.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum ExpoFormat {
        EXPO_PROMETHEUS,  /* text/plain; version=0.0.4 */
        EXPO_OPENMETRICS, /* application/openmetrics-text; version=1.0.0 */
        _EXPO_FORMAT_MAX,
        _EXPO_FORMAT_INVALID = -EINVAL,
} ExpoFormat;

typedef enum ExpoType {
        EXPO_GAUGE,
        EXPO_COUNTER, /* the family name ends in "_total" */
        _EXPO_TYPE_MAX,
        _EXPO_TYPE_INVALID = -EINVAL,
} ExpoType;

#define EXPO_FAMILIES_MAX 128

typedef struct ExpoWriter {
        FILE *f;
        ExpoFormat format;
        const char *family, *help; /* the open family (borrowed) */
        ExpoType type;
        bool header_written;
        const char *seen[EXPO_FAMILIES_MAX]; /* families opened so far (borrowed: static strings) */
        size_t n_seen;
        int error; /* first error, reported by expo_finish() */
} ExpoWriter;

/* The HTTP Content-Type of @format. */
const char *expo_content_type(ExpoFormat format);

void expo_writer_init(ExpoWriter *w, FILE *f, ExpoFormat format);
/* Open family @name (a valid metric name; counters end in "_total"). @name and @help must outlive the
 * writer. -EEXIST if it was opened before, -EINVAL for a bad name. */
int expo_family(ExpoWriter *w, const char *name, ExpoType type, const char *help);
/* One sample of the open family: @labels is NULL or a NULL-terminated list of name, value pairs (values
 * are escaped here); the value is @value / 10^@decimals. */
int expo_sample(ExpoWriter *w, const char *const *labels, uint64_t value, unsigned decimals);
/* Ends the output ("# EOF" for OpenMetrics) and flushes; returns the first error of the writer. */
int expo_finish(ExpoWriter *w);

/* Exposed for the unit test: a label value escaped for the text formats (\\, \", \n). */
int expo_escape_label_value(const char *s, char **ret);
