/* SPDX-License-Identifier: MIT */
/*
 * Tables through libsmartcols. Our Table only collects rows (verbs add cells one by one, as before); the
 * layout is libsmartcols': on a terminal the table is fitted to its width, truncating the columns the verb
 * marked TABLE_TRUNCATE (unless --full); piped output keeps every character. When a pager takes stdout,
 * the terminal's width is handed to libsmartcols explicitly, since it then writes to a pipe.
 */

#include <assert.h>
#include <errno.h>
#include <libsmartcols.h>
#include <stdlib.h>
#include <string.h>

#include "cgsupctl.h"
#include "macro.h"
#include "pager.h"
#include "table.h"

typedef struct Cell {
        char *text;
        const char *color;
} Cell;

struct Table {
        size_t n_columns;
        char **headers;
        TableColumnFlags *flags;
        Cell *cells;
        size_t n_cells, alloc;
};

bool colors_enabled(void) {
        static int cached = -1;
        const char *term;

        if (cached < 0) {
                term = getenv("TERM");
                /* https://no-color.org: any non-empty NO_COLOR turns colours off. */
                cached = terminal_is_tty() && isempty(getenv("NO_COLOR")) && !(term && streq(term, "dumb"));
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
        t->flags = calloc(n_columns, sizeof(TableColumnFlags));
        if (!t->headers || !t->flags)
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
        free(t->flags);
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i].text);
        free(t->cells);
        free(t);
        return NULL;
}

int table_set_column_flags(Table *t, size_t column, TableColumnFlags flags) {
        assert(t);
        if (column >= t->n_columns)
                return -EINVAL;
        t->flags[column] = flags;
        return 0;
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

static void scols_unref_tablep(struct libscols_table **tb) {
        scols_unref_table(*tb);
}

static int table_to_scols(const Table *t, struct libscols_table *tb) {
        for (size_t c = 0; c < t->n_columns; c++) {
                int flags = 0;

                if ((t->flags[c] & TABLE_TRUNCATE) && !arg_full)
                        flags |= SCOLS_FL_TRUNC;
                if (t->flags[c] & TABLE_RIGHT)
                        flags |= SCOLS_FL_RIGHT;
                /* whint 0: as wide as the content needs; truncation only takes what does not fit. */
                if (!scols_table_new_column(tb, t->headers[c], 0, flags))
                        return -ENOMEM;
        }
        for (size_t i = 0; i < t->n_cells; i += t->n_columns) {
                struct libscols_line *ln = scols_table_new_line(tb, NULL);
                if (!ln)
                        return -ENOMEM;
                for (size_t c = 0; c < t->n_columns && i + c < t->n_cells; c++) {
                        const Cell *cell = &t->cells[i + c];
                        if (scols_line_set_data(ln, c, cell->text) < 0)
                                return -ENOMEM;
                        if (cell->color && scols_cell_set_color(scols_line_get_cell(ln, c), cell->color) < 0)
                                return -ENOMEM;
                }
        }
        return 0;
}

/* The columns @line takes on a terminal: colour sequences (ESC [ ... letter) take none, a UTF-8 character
 * one (our cells are text, no wide characters). Sets *ret_cut to the byte where the first @keep columns
 * end (the whole line if it has no more). */
static size_t line_columns(const char *line, size_t len, size_t keep, size_t *ret_cut) {
        size_t cols = 0;

        *ret_cut = len;
        for (size_t i = 0; i < len; i++) {
                if (line[i] == '\033' && i + 1 < len && line[i + 1] == '[') {
                        for (i += 2; i < len && !(line[i] >= 0x40 && line[i] <= 0x7e); i++)
                                ;
                        continue;
                }
                if (((unsigned char) line[i] & 0xc0) == 0x80)
                        continue; /* a UTF-8 continuation byte */
                if (cols == keep)
                        *ret_cut = i;
                cols++;
        }
        return cols;
}

/* libsmartcols pads every column but the last, so a row whose last cells are empty ends in spaces: cut
 * them (greppable rows, no noise in diffs). With @width (a terminal, not --full), a row that is still
 * wider than the terminal once the truncatable columns are cut (a very narrow one: the headers alone do
 * not fit in 40 columns) ends in "…" at its edge, as systemctl's do: a wrapped row would break the table
 * and make the output longer than the screen it fits on, so that less -F would wait for 'q'. */
static int print_trimmed(const char *text, size_t width, bool colors, FILE *f) {
        for (const char *p = text; *p;) {
                size_t n = strcspn(p, "\n"), len = n, cut;

                while (len > 0 && p[len - 1] == ' ')
                        len--;
                if (width > 1 && line_columns(p, len, width - 1, &cut) > width) {
                        if (fwrite(p, 1, cut, f) != cut || fputs(colors ? "…\033[0m" : "…", f) == EOF)
                                return -EIO;
                } else if (fwrite(p, 1, len, f) != len)
                        return -EIO;
                if (fputc('\n', f) == EOF)
                        return -EIO;
                p += n + (p[n] == '\n');
        }
        return fflush(f) == 0 ? 0 : -errno;
}

int table_print(Table *t, FILE *f) {
        _cleanup_(scols_unref_tablep) struct libscols_table *tb = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        assert(t);
        assert(f);

        /* Decided before the pager turns stdout into a pipe. */
        bool colors = colors_enabled(), tty = terminal_is_tty() && f == stdout;
        size_t width = terminal_columns();

        if (f == stdout) {
                r = pager_open();
                if (r < 0)
                        return r;
        }

        tb = scols_new_table();
        if (!tb)
                return -ENOMEM;
        scols_table_enable_colors(tb, colors && f == stdout);
        scols_table_enable_noheadings(tb, arg_no_legend);
        if (tty && !arg_full && width > 0) {
                scols_table_set_termforce(tb, SCOLS_TERMFORCE_ALWAYS);
                scols_table_set_termwidth(tb, width);
        } else
                /* Piped, or --full: every character, whatever the width. */
                scols_table_set_termforce(tb, SCOLS_TERMFORCE_NEVER);

        r = table_to_scols(t, tb);
        if (r < 0)
                return r;
        r = scols_print_table_to_string(tb, &text);
        if (r < 0)
                return r;
        return print_trimmed(text, tty && !arg_full ? width : 0, colors && f == stdout, f);
}
