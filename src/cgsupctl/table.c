/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "macro.h"
#include "table.h"

typedef struct Cell {
        char *text;
        const char *color;
} Cell;

struct Table {
        size_t n_columns;
        char **headers;
        Cell *cells;
        size_t n_cells, alloc;
};

bool colors_enabled(void) {
        static int cached = -1;
        const char *term;

        if (cached < 0) {
                term = getenv("TERM");
                cached = isatty(STDOUT_FILENO) > 0 && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
        }
        return cached;
}

const char *ansi(const char *color) {
        return colors_enabled() && color ? color : "";
}

Table *table_new(size_t n_columns, const char *const *headers) {
        Table *t = calloc(1, sizeof *t);
        if (!t)
                return NULL;
        t->n_columns = n_columns;
        t->headers = calloc(n_columns, sizeof(char *));
        if (!t->headers)
                return table_free(t);
        for (size_t i = 0; i < n_columns; i++) {
                t->headers[i] = strdup(headers[i]);
                if (!t->headers[i])
                        return table_free(t);
        }
        return t;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; t->headers && i < t->n_columns; i++)
                free(t->headers[i]);
        free(t->headers);
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i].text);
        free(t->cells);
        free(t);
        return NULL;
}

int table_add_cell(Table *t, const char *text, const char *color) {
        if (t->n_cells >= t->alloc) {
                size_t a = MAX(t->alloc * 2, (size_t) 64);
                Cell *c = reallocarray(t->cells, a, sizeof *c);
                if (!c)
                        return -ENOMEM;
                t->cells = c;
                t->alloc = a;
        }
        t->cells[t->n_cells].text = strdup(text ?: "");
        if (!t->cells[t->n_cells].text)
                return -ENOMEM;
        t->cells[t->n_cells].color = color;
        t->n_cells++;
        return 0;
}

/* Display width of a UTF-8 string (program names and exit details may contain non-ASCII). */
static size_t text_width(const char *s) {
        mbstate_t st = {};
        size_t w = 0;
        wchar_t wc;

        while (*s) {
                size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
                int cw;
                if (n == (size_t) -1 || n == (size_t) -2 || n == 0) {
                        w++;
                        s++;
                        memset(&st, 0, sizeof st);
                        continue;
                }
                cw = wcwidth(wc);
                w += cw > 0 ? (size_t) cw : 0;
                s += n;
        }
        return w;
}

int table_print(Table *t, FILE *f) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));
        size_t n_rows = (t->n_cells + t->n_columns - 1) / t->n_columns;

        if (!width)
                return -ENOMEM;
        for (size_t c = 0; c < t->n_columns; c++)
                width[c] = text_width(t->headers[c]);
        for (size_t i = 0; i < t->n_cells; i++)
                width[i % t->n_columns] = MAX(width[i % t->n_columns], text_width(t->cells[i].text));

        for (size_t c = 0; c < t->n_columns; c++) {
                bool last = c + 1 == t->n_columns;
                fprintf(f, "%s%s%s", ansi(ANSI_BOLD), t->headers[c], ansi(ANSI_NORMAL));
                if (!last)
                        fprintf(f, "%*s", (int) (width[c] - text_width(t->headers[c]) + 1), "");
        }
        fputc('\n', f);

        for (size_t r = 0; r < n_rows; r++) {
                for (size_t c = 0; c < t->n_columns; c++) {
                        size_t i = r * t->n_columns + c;
                        const Cell *cell = i < t->n_cells ? &t->cells[i] : NULL;
                        const char *text = cell ? cell->text : "";
                        bool last = c + 1 == t->n_columns;

                        if (cell && cell->color && colors_enabled())
                                fprintf(f, "%s%s%s", cell->color, text, ANSI_NORMAL);
                        else
                                fputs(text, f);
                        if (!last)
                                fprintf(f, "%*s", (int) (width[c] - text_width(text) + 1), "");
                }
                fputc('\n', f);
        }
        return 0;
}
