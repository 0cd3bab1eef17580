/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * A fake cgroup2 tree for unit tests: a temp dir opened O_PATH as the "mount root". Cgroups are plain
 * directories and their "kernel files" plain files written by the test (mkdir does not create them, and
 * writes replace the content instead of being parsed), so libcgsup's root_fd + relative path API can be
 * driven without privileges.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

typedef struct Fake {
        char dir[64];
        int root_fd;
} Fake;

static inline void fake_done(Fake *f) {
        if (f->root_fd >= 0)
                (void) close(f->root_fd);
        if (f->dir[0]) {
                char cmd[128];
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
                (void) system(cmd);
        }
}

/* Creates the temp dir "/tmp/@name-XXXXXX" and opens it as the root. */
static inline void fake_root_init(Fake *f, const char *name) {
        snprintf(f->dir, sizeof(f->dir), "/tmp/%s-XXXXXX", name);
        ASSERT_NOT_NULL(mkdtemp(f->dir));
        f->root_fd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_OK_ERRNO(f->root_fd);
}

/* Creates or replaces the file @path (relative to the root) with @text. */
static inline void fake_file_at(Fake *f, const char *path, const char *text) {
        int fd = openat(f->root_fd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        ASSERT_OK_ERRNO(fd);
        if (text[0])
                ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        (void) close(fd);
}
