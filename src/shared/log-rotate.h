/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The suffixes a rotated backup may carry, in LogCompress order (none, gzip, zstd), NULL-terminated:
 * rotation shifts and prunes every form, so changing *_logfile_compress keeps the count of backups. */
extern const char *const log_rotate_suffixes[];

/* supervisord's RotatingFileHandler naming, shared by the daemon's own log file and the programs' logs:
 * name.N-1 -> name.N, ..., name -> name.1; the oldest (name.@backups) is deleted. Compressed backups
 * (name.N.gz, name.N.zst) move and go the same way. With @backups 0 the file is truncated in place. The
 * caller closes its descriptor first and opens @path again afterwards. Returns 0 or -errno (a missing file
 * is not an error). */
int log_rotate_files(const char *path, unsigned backups);

/* The next local-time boundary after @now_usec (CLOCK_REALTIME, µs): the next midnight when @daily, else the
 * next top of an hour. Local time is the TZ of the process. Pure apart from the time zone database, so tests
 * can drive it with any clock. */
uint64_t log_rotate_next_boundary(uint64_t now_usec, bool daily);
