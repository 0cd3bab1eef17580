/* SPDX-License-Identifier: MIT */
/* What the configuration reader's unit tests share: finding a diagnostic, and the assertion that a text
 * is refused with a diagnostic on a given line. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conf-internal.h"
#include "tests.h"

static inline void conf_tests_dump_diags(const Config *c) {
        for (size_t i = 0; c && i < c->n_diags; i++)
                printf("# diag: %s:%u: %s%s\n", strna(c->diags[i].file), c->diags[i].line,
                       c->diags[i].error ? "error: " : "", c->diags[i].message);
}

/* Whether a diagnostic of the given kind mentions @needle (and sits on @line unless 0); prints them all
 * when none does, so a failing test shows what the reader said instead. */
static inline bool has_diag(const Config *c, bool error, unsigned line, const char *needle) {
        for (size_t i = 0; c && i < c->n_diags; i++)
                if (c->diags[i].error == error && (line == 0 || c->diags[i].line == line) &&
                    strstr(c->diags[i].message, needle))
                        return true;
        conf_tests_dump_diags(c);
        return false;
}

/* @loader(@text) fails with EINVAL and an error diagnostic on @line (any line if 0) that mentions @needle. */
#define ASSERT_LOAD_DIAG(loader, text, line, needle)                                                        \
        do {                                                                                                \
                _cleanup_(config_freep) Config *_c = NULL;                                                  \
                ASSERT_ERROR(loader((text), &_c), EINVAL);                                                  \
                ASSERT_TRUE(has_diag(_c, true, (line), (needle)));                                          \
        } while (0)
