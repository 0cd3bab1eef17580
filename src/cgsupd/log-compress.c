/* SPDX-License-Identifier: MIT */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <zstd.h>

#include "fd-util.h"
#include "log-compress.h"
#include "log.h"
#include "zlib-dl.h"

#define OUT_BUF_SIZE (64U * 1024U)

/* One backup being compressed: the source is read through our own descriptor, so it does not matter
 * where rotation moves it meanwhile; @index says what it is called now. */
typedef struct CompressJob {
        unsigned index;       /* the source is name.@index */
        int src_fd, tmp_fd;
        dev_t dev;
        ino_t ino;
        z_stream z;           /* gzip */
        bool z_ready;
        ZSTD_CCtx *zc;        /* zstd */
        char *in, *out;
        uint64_t in_bytes, out_bytes;
} CompressJob;

struct LogCompressor {
        sd_event *event;
        char *path;
        char *tmp_path;       /* path + LOG_COMPRESS_TMP_SUFFIX */
        unsigned backups;
        LogCompress kind;
        CompressJob *job;
        sd_event_source *step_source;
        bool gave_up;         /* the last attempt failed: wait for the next rotation before scanning again */
};

static void job_free(CompressJob *j) {
        if (!j)
                return;
        safe_close(j->src_fd);
        safe_close(j->tmp_fd);
        if (j->z_ready)
                (void) sym_deflateEnd(&j->z);
        ZSTD_freeCCtx(j->zc);
        free(j->in);
        free(j->out);
        free(j);
}

static int write_all(int fd, const char *data, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, data, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ENOSPC;
                data += k;
                n -= (size_t) k;
        }
        return 0;
}

static int gzip_feed(CompressJob *j, size_t n, bool finish) {
        int zr, r;

        j->z.next_in = (Bytef *) j->in;
        j->z.avail_in = (uInt) n;
        do {
                j->z.next_out = (Bytef *) j->out;
                j->z.avail_out = OUT_BUF_SIZE;
                zr = sym_deflate(&j->z, finish ? Z_FINISH : Z_NO_FLUSH);
                if (zr == Z_STREAM_ERROR)
                        return -EIO;
                r = write_all(j->tmp_fd, j->out, OUT_BUF_SIZE - j->z.avail_out);
                if (r < 0)
                        return r;
                j->out_bytes += OUT_BUF_SIZE - j->z.avail_out;
        } while (j->z.avail_out == 0 || (finish && zr != Z_STREAM_END));
        return 0;
}

static int zstd_feed(CompressJob *j, size_t n, bool finish) {
        ZSTD_inBuffer in = { j->in, n, 0 };
        bool done;
        int r;

        do {
                ZSTD_outBuffer out = { j->out, OUT_BUF_SIZE, 0 };
                size_t left = ZSTD_compressStream2(j->zc, &out, &in, finish ? ZSTD_e_end : ZSTD_e_continue);
                if (ZSTD_isError(left))
                        return -EIO;
                r = write_all(j->tmp_fd, j->out, out.pos);
                if (r < 0)
                        return r;
                j->out_bytes += out.pos;
                done = finish ? left == 0 : in.pos == in.size;
        } while (!done);
        return 0;
}

/* Reads and compresses up to LOG_COMPRESS_STEP bytes. 1: the output is complete, 0: more to do, -errno. */
static int job_step(LogCompressor *c, CompressJob *j) {
        size_t n = 0;
        bool finish;
        int r;

        while (n < LOG_COMPRESS_STEP) {
                ssize_t k = read(j->src_fd, j->in + n, LOG_COMPRESS_STEP - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        /* A backup is never written again, so a short read is its end. */
        finish = n < LOG_COMPRESS_STEP;
        j->in_bytes += n;
        r = c->kind == LOG_COMPRESS_GZIP ? gzip_feed(j, n, finish) : zstd_feed(j, n, finish);
        if (r < 0)
                return r;
        return finish;
}

static char *backup_name(const LogCompressor *c, unsigned index, const char *suffix) {
        char *s;
        return asprintf(&s, "%s.%u%s", c->path, index, suffix) < 0 ? NULL : s;
}

static int job_start(LogCompressor *c, unsigned index, CompressJob **ret) {
        _cleanup_free_ char *src = backup_name(c, index, "");
        CompressJob *j;
        struct stat st;
        int r;

        if (!src)
                return -ENOMEM;
        j = calloc(1, sizeof(CompressJob));
        if (!j)
                return -ENOMEM;
        *j = (CompressJob) { .index = index, .src_fd = -EBADF, .tmp_fd = -EBADF };
        j->in = malloc(LOG_COMPRESS_STEP);
        j->out = malloc(OUT_BUF_SIZE);
        if (!j->in || !j->out) {
                job_free(j);
                return -ENOMEM;
        }
        j->src_fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (j->src_fd < 0 || fstat(j->src_fd, &st) < 0) {
                r = -errno;
                job_free(j);
                return r;
        }
        j->dev = st.st_dev;
        j->ino = st.st_ino;
        /* Owned like the log file (created 0644 by log_file_open); O_TRUNC: a leftover of a daemon that
         * stopped in the middle is ours to overwrite. */
        j->tmp_fd = open(c->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
                         st.st_mode & 0666);
        if (j->tmp_fd < 0) {
                r = -errno;
                job_free(j);
                return r;
        }
        if (c->kind == LOG_COMPRESS_GZIP) {
                int zr;

                r = dlopen_zlib();
                if (r < 0) {
                        job_free(j);
                        return r;
                }
                /* windowBits 15 + 16: a gzip header and trailer, what gzip(1) and zcat read */
                zr = sym_deflateInit2_(&j->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                       ZLIB_VERSION, (int) sizeof(z_stream));
                if (zr != Z_OK) {
                        job_free(j);
                        return -ENOMEM;
                }
                j->z_ready = true;
        } else {
                j->zc = ZSTD_createCCtx();
                if (!j->zc || ZSTD_isError(ZSTD_CCtx_setParameter(j->zc, ZSTD_c_compressionLevel, 3))) {
                        job_free(j);
                        return -ENOMEM;
                }
        }
        *ret = j;
        return 0;
}

/* The output is complete: name.N.gz replaces name.N, if name.N still is the file we read (nobody else
 * moved it meanwhile). The compressed file goes into place first, so the bytes always exist under a name. */
static int job_finish(LogCompressor *c, CompressJob *j) {
        _cleanup_free_ char *src = backup_name(c, j->index, ""),
                            *dst = backup_name(c, j->index, log_compress_suffix(c->kind));
        struct stat st;

        if (!src || !dst)
                return -ENOMEM;
        if (stat(src, &st) < 0 || st.st_dev != j->dev || st.st_ino != j->ino)
                return -ESTALE;
        if (rename(c->tmp_path, dst) < 0)
                return -errno;
        if (unlink(src) < 0)
                log_warning_errno(errno, "Cannot remove %s after compressing it to %s, ignoring: %m", src, dst);
        log_debug("Compressed %s: %" PRIu64 " -> %" PRIu64 " bytes", dst, j->in_bytes, j->out_bytes);
        return 0;
}

static void job_abandon(LogCompressor *c) {
        if (!c->job)
                return;
        job_free(c->job);
        c->job = NULL;
        (void) unlink(c->tmp_path);
}

/* The oldest backup still uncompressed (a plain name.N that is a non-empty regular file), 0 if none. */
static unsigned find_uncompressed(const LogCompressor *c) {
        for (unsigned i = c->backups; i >= 1; i--) {
                _cleanup_free_ char *name = backup_name(c, i, "");
                struct stat st;

                if (name && lstat(name, &st) >= 0 && S_ISREG(st.st_mode) && st.st_size > 0)
                        return i;
        }
        return 0;
}

/* The job ended with @r (> 0 complete, < 0 failed): put the output in place or give up on this round. */
static void job_end(LogCompressor *c, int r) {
        unsigned index = c->job->index;

        if (r > 0)
                r = job_finish(c, c->job);
        job_abandon(c);
        /* ESTALE: someone else moved the file; it is theirs now, not a failure. */
        if (r < 0 && r != -ESTALE) {
                _cleanup_free_ char *src = backup_name(c, index, "");
                log_warning_errno(r, "Cannot compress %s, leaving it as it is: %m", strna(src));
                c->gave_up = true;
        }
}

static int arm_step_source(LogCompressor *c);

/* Starts on the oldest uncompressed backup, if any and nothing runs. On a loop that is all; without one
 * (tests) each is compressed to the end at once. */
static void start_next(LogCompressor *c) {
        for (;;) {
                unsigned index;
                int r;

                if (c->job || c->gave_up)
                        return;
                index = find_uncompressed(c);
                if (index == 0) {
                        if (c->step_source)
                                (void) sd_event_source_set_enabled(c->step_source, SD_EVENT_OFF);
                        return;
                }
                r = job_start(c, index, &c->job);
                if (r < 0) {
                        _cleanup_free_ char *src = backup_name(c, index, "");
                        log_warning_errno(r, "Cannot compress %s, leaving it as it is: %m", strna(src));
                        c->gave_up = true;
                        (void) unlink(c->tmp_path);
                        return;
                }
                if (c->event) {
                        (void) arm_step_source(c);
                        return;
                }
                do
                        r = job_step(c, c->job);
                while (r == 0);
                job_end(c, r);
        }
}

static int on_step(sd_event_source *s, void *userdata) {
        LogCompressor *c = userdata;
        int r;

        if (!c->job) {
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return 0;
        }
        r = job_step(c, c->job);
        if (r != 0) {
                job_end(c, r);
                start_next(c);
        }
        return 0;
}

/* Idle priority: every pipe and timer that is ready goes first, one step runs when nothing else does. */
static int arm_step_source(LogCompressor *c) {
        int r = 0;

        if (!c->step_source) {
                r = sd_event_add_defer(c->event, &c->step_source, on_step, c);
                if (r >= 0)
                        r = sd_event_source_set_priority(c->step_source, SD_EVENT_PRIORITY_IDLE);
        }
        if (r >= 0)
                r = sd_event_source_set_enabled(c->step_source, SD_EVENT_ON);
        if (r < 0) {
                log_warning_errno(r, "Cannot schedule the compression of %s's backups, ignoring: %m", c->path);
                c->step_source = sd_event_source_disable_unref(c->step_source);
                job_abandon(c);
                c->gave_up = true;
        }
        return r;
}

int log_compressor_new(sd_event *event, const char *path, unsigned backups, LogCompress kind,
                       LogCompressor **ret) {
        _cleanup_(log_compressor_freep) LogCompressor *c = NULL;

        assert(path);
        assert(kind == LOG_COMPRESS_GZIP || kind == LOG_COMPRESS_ZSTD);
        assert(backups > 0);
        c = calloc(1, sizeof(LogCompressor));
        if (!c)
                return -ENOMEM;
        c->event = event ? sd_event_ref(event) : NULL;
        c->backups = backups;
        c->kind = kind;
        c->path = strdup(path);
        if (!c->path || asprintf(&c->tmp_path, "%s%s", path, LOG_COMPRESS_TMP_SUFFIX) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

LogCompressor *log_compressor_free(LogCompressor *c) {
        if (!c)
                return NULL;
        if (c->tmp_path)
                job_abandon(c);
        c->step_source = sd_event_source_disable_unref(c->step_source);
        sd_event_unref(c->event);
        free(c->path);
        free(c->tmp_path);
        free(c);
        return NULL;
}

void log_compressor_rotated(LogCompressor *c) {
        assert(c);
        /* The backup being read moved up one name; past the last one, rotation deleted it. */
        if (c->job && ++c->job->index > c->backups)
                job_abandon(c);
        c->gave_up = false;
        start_next(c);
}

bool log_compressor_busy(const LogCompressor *c) {
        return c && c->job;
}
