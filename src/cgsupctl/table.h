/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Tables for people, through libsmartcols: fitted to the terminal (columns marked TABLE_TRUNCATE give way
 * first; --full turns that off), a header unless --no-legend, colours only on a terminal without
 * $NO_COLOR, and a pager on a terminal unless --no-pager (pager.h). Piped output is never truncated. */

#define ANSI_RED "\033[0;31m"
#define ANSI_GREEN "\033[0;32m"
#define ANSI_YELLOW "\033[0;33m"
#define ANSI_GREY "\033[0;90m"
#define ANSI_BOLD "\033[1m"
#define ANSI_NORMAL "\033[0m"

typedef enum TableColumnFlags {
        TABLE_TRUNCATE = 1 << 0, /* may be cut (with "…") to fit the terminal */
        TABLE_RIGHT = 1 << 1,    /* numbers: aligned right */
} TableColumnFlags;

typedef struct Table Table;

Table *table_new(size_t n_columns, const char *const *headers);
Table *table_free(Table *t);
/* Sets how column @column (0-based) is laid out. */
int table_set_column_flags(Table *t, size_t column, TableColumnFlags flags);
/* Adds one cell (copied) to the current row; rows wrap after n_columns cells. @color may be NULL. */
int table_add_cell(Table *t, const char *text, const char *color);
/* Prints to @f; to stdout through the pager when stdout is a terminal. */
int table_print(Table *t, FILE *f);

/* Whether stdout is a terminal that gets colours: decided at the first call, before a pager takes over
 * stdout. */
bool colors_enabled(void);
/* @color when colors are enabled, else "". */
const char *ansi(const char *color);
