/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* What stdout was when cgsupctl started (before a pager replaced it with a pipe). */
bool terminal_is_tty(void);
/* Its width in columns ($COLUMNS if set); 0 when unknown or not a terminal. */
size_t terminal_columns(void);

/* Pipes stdout through $CGSUP_PAGER, $PAGER or less (LESS=FRXMK, so it quits at once when the output fits
 * on one screen), like systemctl: only when stdout is a terminal and --no-pager was not given, at most
 * once. Returns 0 (paging or not), or -errno. */
int pager_open(void);
/* Flushes stdout, closes the pipe and waits for the pager. Safe to call when no pager runs. */
void pager_close(void);
