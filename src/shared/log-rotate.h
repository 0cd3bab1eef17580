/* SPDX-License-Identifier: MIT */
#pragma once

/* supervisord's RotatingFileHandler naming, shared by the daemon's own log file and the programs' logs:
 * name.N-1 -> name.N, ..., name -> name.1; the oldest (name.@backups) is deleted. With @backups 0 the file
 * is truncated in place. The caller closes its descriptor first and opens @path again afterwards. Returns 0
 * or -errno (a missing file is not an error). */
int log_rotate_files(const char *path, unsigned backups);
