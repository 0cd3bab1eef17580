/* SPDX-License-Identifier: MIT */
/*
 * init [--force] [FILE]: the sample configuration (examples/sample.conf), every key cgsup reads with its
 * default, commented out (supervisord's echo_supervisord_conf), made from the config reader's own key tables
 * (config_sample_text()). To stdout, or into FILE, which is never overwritten without --force. No daemon
 * needed.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgsupctl.h"
#include "conf.h"
#include "fd-util.h"
#include "macro.h"

const struct option init_options[] = {
        { "force", no_argument, NULL, 'f' },
        {},
};

int verb_init(int argc, char **argv) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *sample_conf = NULL;
        bool force = false;
        const char *path;
        int c, r;

        while ((c = getopt_long(argc, argv, "+f", init_options, NULL)) >= 0)
                switch (c) {
                case 'f':
                        force = true;
                        break;
                default:
                        return EXIT_USAGE;
                }
        /* FILE is a path on this machine: over -H it would be written here while the user means that host. */
        if (arg_host && optind < argc)
                return usage_error("init writes %s on this machine, not on %s (-H); run 'ssh %s cgsupctl init %s' "
                                   "instead, or 'cgsupctl init > FILE' here.", argv[optind], arg_host, arg_host,
                                   argv[optind]);
        r = config_sample_text(&sample_conf);
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot make the sample: %s\n", strerror(-r));
                return 1;
        }
        if (optind >= argc) {
                /* The sample is this cgsupctl's own key table; nothing is asked of the other host. */
                if (arg_host)
                        fprintf(stderr, "cgsupctl: init does not use -H: this is the sample of cgsupctl %s on "
                                        "this machine; %s's cgsupd may read other keys.\n", PACKAGE_VERSION,
                                arg_host);
                /* stdout: a pipe closed early (| head) is not an error worth a message. */
                if (fputs(sample_conf, stdout) == EOF || fflush(stdout) == EOF)
                        return errno == EPIPE ? 0 : 1;
                return 0;
        }
        path = argv[optind];
        /* A new file is 0644 like a fresh supervisord.conf; --force keeps an existing file's mode and owner
         * (it may hold secrets in environment= and be 0600). */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | (force ? O_TRUNC : O_EXCL), 0644);
        if (fd < 0) {
                if (errno == EEXIST) {
                        fprintf(stderr, "cgsupctl: %s exists already; --force replaces it.\n", path);
                        return 1;
                }
                fprintf(stderr, "cgsupctl: cannot create %s: %s\n", path, strerror(errno));
                return 1;
        }
        r = loop_write(fd, sample_conf, strlen(sample_conf));
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (r < 0) {
                fprintf(stderr, "cgsupctl: cannot write %s: %s\n", path, strerror(-r));
                return 1;
        }
        if (!arg_json)
                fprintf(stderr, "Wrote %s; check it with: cgsupctl validate %s\n", path, path);
        return 0;
}
