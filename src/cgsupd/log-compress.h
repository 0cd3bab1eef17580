/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Compression of a log file's rotated backups (*_logfile_compress = gzip | zstd): name.N becomes name.N.gz or
 * name.N.zst. cgsupd has no threads and must never stall capture on a large file, so the work is done in
 * steps of LOG_COMPRESS_STEP input bytes from an idle-priority defer source: every pipe and timer that is
 * ready is served between two steps. One backup at a time per log file; the output goes to
 * name.compressing (LOG_COMPRESS_TMP_SUFFIX) and is renamed into place when complete, so a name.N.gz is
 * always whole.
 *
 * The LogSink that owns the file owns its compressor and tells it about each rotation: the backup being
 * compressed has moved from name.N to name.N+1 (or was deleted as the oldest), and name.1 is new. After each
 * rotation and each finished file it looks for backups still uncompressed (left by a restart, or a
 * setting changed), oldest first.
 */

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "conf.h"

#define LOG_COMPRESS_STEP (128U * 1024U)

typedef struct LogCompressor LogCompressor;

/* Compresses the backups of @path (name.1 ... name.@backups) with @kind. Without an event loop (@event
 * NULL, tests) each rotation compresses at once. */
int log_compressor_new(sd_event *event, const char *path, unsigned backups, LogCompress kind,
                       LogCompressor **ret);
/* A compression in progress is abandoned (its partial output removed); its backup stays uncompressed. */
LogCompressor *log_compressor_free(LogCompressor *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(LogCompressor *, log_compressor_free);
/* Call after log_rotate_files() renamed the backups. */
void log_compressor_rotated(LogCompressor *c);
/* Whether a backup is being compressed now (tests, status). */
bool log_compressor_busy(const LogCompressor *c);
