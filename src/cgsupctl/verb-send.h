/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by send and attach (verb-send.c, verb-attach.c). */

#include <stddef.h>
#include <systemd/sd-bus.h>

/* send -: at most this much from cgsupctl's stdin. */
#define SEND_STDIN_MAX (16U * 1024U * 1024U)

/* One WriteProgramStdin() call; the daemon's error in @reterr. */
int stdin_write(sd_bus *bus, const char *name, const void *data, size_t size, sd_bus_error *reterr);
/* Exit status for a failed call: 4 no such program, 3 not running, else 1 (DESIGN's CLI statuses). */
int send_exit_status(const sd_bus_error *e);
