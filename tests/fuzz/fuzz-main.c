/* SPDX-License-Identifier: MIT */
/*
 * Replays inputs through a fuzzer's entry point without libFuzzer (systemd's src/fuzz/fuzz-main.c): each
 * argument is a file or a directory of files (the corpus). `meson test --suite fuzz` runs this over
 * tests/fuzz/corpus/<name>/, so every regression input stays a test, under ASan when the build has it.
 * TAP output, one line per input.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fd-util.h"
#include "fuzz.h"
#include "macro.h"

#define FUZZ_INPUT_MAX (16U * 1024U * 1024U)

static unsigned n_ok;

static int run_file(const char *path) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r = read_full_file_at(AT_FDCWD, path, FUZZ_INPUT_MAX, &data, &size);
        if (r < 0) {
                printf("not ok %u - %s: %s\n", n_ok + 1, path, strerror(-r));
                return r;
        }
        (void) LLVMFuzzerTestOneInput((const uint8_t *) data, size);
        printf("ok %u - %s\n", ++n_ok, path);
        fflush(stdout);
        return 0;
}

static int cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char **argv) {
        char **files = NULL;
        size_t n = 0;
        int ret = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        files = realloc(files, (n + 1) * sizeof(char *));
                        if (!files || !(files[n++] = strdup(argv[i])))
                                return 1;
                        continue;
                }
                DIR *d = opendir(argv[i]);
                if (!d) {
                        fprintf(stderr, "%s: %m\n", argv[i]);
                        return 1;
                }
                for (struct dirent *de; (de = readdir(d));) {
                        if (de->d_name[0] == '.')
                                continue;
                        files = realloc(files, (n + 1) * sizeof(char *));
                        if (!files || asprintf(&files[n++], "%s/%s", argv[i], de->d_name) < 0)
                                return 1;
                }
                closedir(d);
        }
        if (n == 0) {
                printf("1..0 # SKIP no inputs given\n");
                return 0;
        }
        qsort(files, n, sizeof(char *), cmp);
        printf("1..%zu\n", n);
        for (size_t i = 0; i < n; i++) {
                if (run_file(files[i]) < 0)
                        ret = 1;
                free(files[i]);
        }
        free(files);
        return ret;
}
