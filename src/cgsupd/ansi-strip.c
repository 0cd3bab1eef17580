/* SPDX-License-Identifier: MIT */
#include <stdint.h>

#include "ansi-strip.h"

#define ESC 0x1b
#define BEL 0x07

size_t ansi_strip(AnsiState *state, char *buf, size_t n) {
        AnsiState s = *state;
        size_t out = 0;

        for (size_t i = 0; i < n; i++) {
                uint8_t b = (uint8_t) buf[i];

                switch (s) {
                case ANSI_TEXT:
                        if (b == ESC)
                                s = ANSI_ESC;
                        else
                                buf[out++] = (char) b;
                        break;
                case ANSI_ESC:
                        if (b == '[')
                                s = ANSI_CSI;
                        else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
                                s = ANSI_STRING;
                        else if (b >= 0x20 && b <= 0x2f)
                                ; /* intermediate byte: the final one follows */
                        else if (b >= 0x30 && b <= 0x7e)
                                s = ANSI_TEXT;
                        else {
                                /* Not a sequence after all (a stray ESC): keep what follows. */
                                s = b == ESC ? ANSI_ESC : ANSI_TEXT;
                                if (b != ESC)
                                        buf[out++] = (char) b;
                        }
                        break;
                case ANSI_CSI:
                        if (b >= 0x40 && b <= 0x7e)
                                s = ANSI_TEXT;
                        else if (b < 0x20 || b > 0x3f) {
                                /* A broken sequence: it ends here, the byte is text (a newline stays). */
                                s = b == ESC ? ANSI_ESC : ANSI_TEXT;
                                if (b != ESC)
                                        buf[out++] = (char) b;
                        }
                        break;
                case ANSI_STRING:
                        if (b == BEL)
                                s = ANSI_TEXT;
                        else if (b == ESC)
                                s = ANSI_STRING_ESC;
                        break;
                case ANSI_STRING_ESC:
                        s = b == '\\' ? ANSI_TEXT : b == ESC ? ANSI_STRING_ESC : ANSI_STRING;
                        break;
                }
        }
        *state = s;
        return out;
}
