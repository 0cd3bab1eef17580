/* SPDX-License-Identifier: MIT */
/*
 * The pager, as systemctl does it: our stdout becomes a pipe into `less` (or $CGSUP_PAGER / $PAGER, run by
 * /bin/sh so it may carry arguments), started only when stdout is a terminal. LESS=FRXMK (unless the user
 * set $LESS), systemctl's: F quits at once when everything fits on one screen, so short output is never
 * paged; R passes colours; X leaves the text on the screen. Not S: with lines chopped, less -F does not
 * quit on a screenful it could scroll sideways (it waited for 'q'); rows are cut to the terminal's width
 * by table.c instead, and with --full they wrap, as systemctl's do.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgsupctl.h"
#include "fd-util.h"
#include "macro.h"
#include "pager.h"
#include "parse-util.h"

static int tty_state = -1; /* -1 not probed yet */
static struct winsize tty_size;
static pid_t pager_pid = 0;

static void terminal_probe(void) {
        unsigned cols;

        if (tty_state >= 0)
                return;
        tty_state = isatty(STDOUT_FILENO) > 0;
        if (!tty_state || ioctl(STDOUT_FILENO, TIOCGWINSZ, &tty_size) < 0)
                tty_size = (struct winsize) {};
        /* $COLUMNS overrides the terminal's width, as for systemctl (a narrower table on a wide terminal,
         * one of the size a script expects). */
        if (tty_state && getenv("COLUMNS") && safe_atou(getenv("COLUMNS"), &cols) >= 0 && cols > 0 &&
            cols <= USHRT_MAX)
                tty_size.ws_col = (unsigned short) cols;
}

bool terminal_is_tty(void) {
        terminal_probe();
        return tty_state;
}

size_t terminal_columns(void) {
        terminal_probe();
        return tty_size.ws_col;
}

/* The pager failed to start: pass the text through, so nothing is lost. */
static _noreturn_ void copy_through(void) {
        char buf[4096];
        ssize_t n;

        while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0)
                if (loop_write(STDOUT_FILENO, buf, (size_t) n) < 0)
                        break;
        _exit(EXIT_SUCCESS);
}

int pager_open(void) {
        const char *pager;
        int fds[2];

        if (pager_pid > 0 || arg_no_pager || !terminal_is_tty())
                return 0;
        pager = getenv("CGSUP_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (isempty(pager) || streq(pager, "cat")))
                return 0;

        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        (void) fflush(stdout);
        pager_pid = fork();
        if (pager_pid < 0) {
                int r = -errno;
                safe_close(fds[0]);
                safe_close(fds[1]);
                pager_pid = 0;
                return r;
        }
        if (pager_pid == 0) {
                if (dup2(fds[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                (void) setenv("LESS", "FRXMK", 0);
                if (pager)
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
                else {
                        execlp("less", "less", (char *) NULL);
                        execlp("more", "more", (char *) NULL);
                }
                copy_through();
        }
        if (dup2(fds[1], STDOUT_FILENO) < 0) {
                int r = -errno;
                safe_close(fds[0]);
                safe_close(fds[1]);
                return r;
        }
        safe_close(fds[0]);
        safe_close(fds[1]);
        /* Ctrl-C belongs to the pager while it runs (less uses it to stop a search); quitting the pager
         * ends us through SIGPIPE or EPIPE. */
        (void) signal(SIGINT, SIG_IGN);
        return 0;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        (void) fflush(stdout);
        (void) close(STDOUT_FILENO);
        (void) waitpid(pager_pid, NULL, 0);
        pager_pid = 0;
}
