/* SPDX-License-Identifier: MIT */
/* What cgsupd does to a program's output besides storing it: strip_ansi (ansi-strip.c) and the line hook that
 * log_line health checks use (logcap.c). */
#include <string.h>

#include "ansi-strip.h"
#include "logcap.h"
#include "tests.h"

static char *strip_all(const char *in, size_t chunk) {
        AnsiState st = ANSI_TEXT;
        size_t n = strlen(in), out = 0;
        char *buf = strdup(in), *res = calloc(1, n + 1);

        ASSERT_TRUE(buf && res);
        /* In pieces of @chunk bytes, as reads cut the stream. */
        for (size_t i = 0; i < n; i += chunk) {
                size_t k = MIN(chunk, n - i), left = ansi_strip(&st, buf + i, k);
                memcpy(res + out, buf + i, left);
                out += left;
        }
        free(buf);
        return res;
}

TEST(ansi_strip_sequences) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "plain text\n", "plain text\n" },
                { "\033[1;31mred\033[0m and \033[38;5;208morange\033[m\n", "red and orange\n" },
                { "\033[2K\033[1Gprogress 50%\r", "progress 50%\r" },
                { "\033]0;window title\007after", "after" },
                { "\033]8;;http://x\033\\link\033]8;;\033\\", "link" },
                { "\033(Bcharset \033=keypad", "charset keypad" },
                { "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93" }, /* UTF-8 untouched */
                { "\033[12\nbroken", "\nbroken" },                        /* a newline ends a broken CSI */
                { "tail\033", "tail" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                for (size_t chunk = 1; chunk <= 4; chunk += 3) {
                        _cleanup_free_ char *got = strip_all(cases[i].in, chunk);
                        ASSERT_STREQ(got, cases[i].out);
                }
}

typedef struct Lines {
        unsigned n;
        char last[64];
} Lines;

static void on_line(void *userdata, const char *line, size_t len) {
        Lines *l = userdata;

        l->n++;
        snprintf(l->last, sizeof(l->last), "%.*s", (int) len, line);
}

TEST(line_hook_sees_whole_lines_while_set) {
        LogCapture *c = NULL;
        Lines l = {};

        ASSERT_OK(log_capture_new(NULL, &(LogCaptureSettings) { .name = "x", .stream = 1, .passthrough_fd = -1,
                                                                 .syslog_fd = -1 },
                                  &c));
        log_capture_feed(c, "before\n", 7);
        log_capture_set_line_hook(c, on_line, &l);
        log_capture_feed(c, "listen", 6);
        ASSERT_EQ(l.n, 0u);
        log_capture_feed(c, "ing on 80\nnext", 14);
        ASSERT_EQ(l.n, 1u);
        ASSERT_STREQ(l.last, "listening on 80");
        log_capture_set_line_hook(c, NULL, NULL);
        log_capture_feed(c, "\n", 1);
        ASSERT_EQ(l.n, 1u);
        log_capture_free(c);
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
