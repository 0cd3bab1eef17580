/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Aligned text tables for people (supervisorctl/systemctl style). Colors are used only when stdout is a
 * terminal (and $NO_COLOR is unset, $TERM is not "dumb"). */

#define ANSI_RED "\033[0;31m"
#define ANSI_GREEN "\033[0;32m"
#define ANSI_YELLOW "\033[0;33m"
#define ANSI_GREY "\033[0;90m"
#define ANSI_BOLD "\033[1m"
#define ANSI_NORMAL "\033[0m"

typedef struct Table Table;

Table *table_new(size_t n_columns, const char *const *headers);
Table *table_free(Table *t);
/* Adds one cell (copied) to the current row; rows wrap after n_columns cells. @color may be NULL. */
int table_add_cell(Table *t, const char *text, const char *color);
int table_print(Table *t, FILE *f);

bool colors_enabled(void);
/* @color when colors are enabled, else "". */
const char *ansi(const char *color);
