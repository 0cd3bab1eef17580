/* SPDX-License-Identifier: MIT */
/*
 * cgsup-hog: a deliberately badly behaved program for tests. Each verb exercises one thing a supervisor
 * must contain: memory, forks, CPU, escaping via setsid/double fork, slow startup, readiness, output.
 * Kept dependency-free (no libsystemd) so it runs anywhere, including the VM tier.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "parse-util.h"

static void usage(void) {
        fprintf(stderr,
                "usage: cgsup-hog VERB [ARGS]\n"
                "  mem SIZE [SECS]       allocate and touch SIZE bytes (512M), then sleep (forever)\n"
                "  fork N                fork sleeping children until N or EAGAIN; prints the count\n"
                "  spin SECS             busy loop\n"
                "  doublefork            leave a setsid'ed grandchild behind; main sleeps forever\n"
                "  escape                like doublefork, but the main process exits at once\n"
                "  forkstorm N           N sleeping processes (tree), main sleeps forever\n"
                "  sleep SECS            sleep (inf = forever)\n"
                "  exit CODE             exit with CODE\n"
                "  crash [SECS]          SIGSEGV itself after SECS (default 0)\n"
                "  listen PORT [DELAY]   after DELAY seconds listen on 127.0.0.1:PORT, answer HTTP 200\n"
                "  notify [DELAY]        send READY=1 to $NOTIFY_SOCKET after DELAY, then sleep\n"
                "  print N [INTERVAL]    print N numbered lines on stdout (and stderr with HOG_STDERR=1)\n"
                "  syscall mount|reboot  try the syscall harmlessly, print the errno name, exit 0 if EPERM\n"
                "  ids                   print uid gid groups\n"
                "  cat [CODE]            copy stdin to stdout, then exit CODE\n"
                "  ignore-term SECS      ignore SIGTERM, sleep SECS\n"
                "  euid                  print real and effective uid (a setuid copy shows what exec granted)\n"
                "  forkbomb              every process forks until EAGAIN; then the main aborts, the rest sleep\n"
                "  scatter N             leave N double-forked, setsid'ed descendants; main sleeps forever\n"
                "  closeout [SECS]       close stdout and stderr, then busy loop (forever)\n"
                "  flood SIZE [noline]   write SIZE bytes to stdout as fast as possible (lines, or no newline)\n");
}

static void sleep_usec(uint64_t usec) {
        struct timespec ts = { .tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000 };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

static _noreturn_ void sleep_forever(void) {
        for (;;)
                pause();
}

static double parse_secs(const char *s) {
        if (!s || streq(s, "inf"))
                return -1;
        return strtod(s, NULL);
}

static void sleep_secs(double secs) {
        if (secs < 0)
                sleep_forever();
        sleep_usec((uint64_t) (secs * 1e6));
}

static int verb_mem(int argc, char **argv) {
        uint64_t size;
        if (argc < 2 || parse_size(argv[1], &size) < 0)
                return usage(), 2;
        char *p = malloc(size);
        if (!p) {
                printf("malloc failed\n");
                return 1;
        }
        long pg = sysconf(_SC_PAGESIZE);
        for (uint64_t i = 0; i < size; i += (uint64_t) pg)
                p[i] = 1;
        printf("touched %" PRIu64 "\n", size);
        fflush(stdout);
        sleep_secs(parse_secs(argc > 2 ? argv[2] : NULL));
        return 0;
}

static int verb_fork(int argc, char **argv) {
        unsigned n, k = 0;
        if (argc < 2 || safe_atou(argv[1], &n) < 0)
                return usage(), 2;
        for (; k < n; k++) {
                pid_t pid = fork();
                if (pid < 0) {
                        printf("EAGAIN at %u\n", k);
                        fflush(stdout);
                        sleep_forever();
                }
                if (pid == 0)
                        sleep_forever();
        }
        printf("forked %u\n", k);
        fflush(stdout);
        sleep_forever();
}

static int verb_spin(int argc, char **argv) {
        double secs = parse_secs(argc > 1 ? argv[1] : "inf");
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (volatile uint64_t i = 0;; i++) {
                if ((i & 0xfffff) != 0 || secs < 0)
                        continue;
                clock_gettime(CLOCK_MONOTONIC, &now);
                if ((double) (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 >= secs)
                        return 0;
        }
}

static pid_t leave_grandchild(void) {
        int p[2];
        pid_t gc = 0;
        if (pipe(p) < 0)
                return -1;
        pid_t pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                (void) setsid();
                pid_t g = fork();
                if (g == 0) {
                        close(p[0]);
                        close(p[1]);
                        setsid();
                        sleep_forever();
                }
                (void) write(p[1], &g, sizeof(g));
                _exit(0);
        }
        close(p[1]);
        (void) read(p[0], &gc, sizeof(gc));
        close(p[0]);
        (void) waitpid(pid, NULL, 0);
        return gc;
}

static int verb_doublefork(bool exit_main) {
        pid_t gc = leave_grandchild();
        if (gc <= 0)
                return 1;
        printf("grandchild %d\n", (int) gc);
        fflush(stdout);
        if (exit_main)
                return 0;
        sleep_forever();
}

static int verb_forkstorm(int argc, char **argv) {
        unsigned n;
        if (argc < 2 || safe_atou(argv[1], &n) < 0)
                return usage(), 2;
        /* A two-level tree (fan-out of ~sqrt(n)) so that some processes are not our direct children. */
        unsigned made = 1;
        while (made < n) {
                pid_t pid = fork();
                if (pid < 0)
                        break;
                if (pid == 0) {
                        unsigned sub = 0;
                        for (; sub < 20 && made + 1 + sub < n; sub++)
                                if (fork() == 0)
                                        sleep_forever();
                        sleep_forever();
                }
                made += 1 + MIN(20u, n - made - 1);
        }
        printf("storm %u\n", made);
        fflush(stdout);
        sleep_forever();
}

static int verb_listen(int argc, char **argv) {
        unsigned port;
        if (argc < 2 || safe_atou(argv[1], &port) < 0 || port > 65535)
                return usage(), 2;
        sleep_secs(argc > 2 ? parse_secs(argv[2]) : 0);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int one = 1;
        (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
                printf("listen failed: %s\n", strerror(errno));
                return 1;
        }
        printf("listening %u\n", port);
        fflush(stdout);
        for (;;) {
                int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
                if (c < 0)
                        continue;
                char buf[1024];
                (void) !read(c, buf, sizeof(buf));
                static const char resp[] = "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
                (void) !write(c, resp, sizeof(resp) - 1);
                close(c);
        }
}

static int verb_notify(int argc, char **argv) {
        const char *path = getenv("NOTIFY_SOCKET");
        sleep_secs(argc > 1 ? parse_secs(argv[1]) : 0);
        if (!path) {
                printf("no NOTIFY_SOCKET\n");
                return 1;
        }
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t len = strlen(path);
        if (len >= sizeof(sa.sun_path))
                return 1;
        memcpy(sa.sun_path, path, len);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        static const char msg[] = "READY=1\nSTATUS=hog ready";
        if (sendto(fd, msg, sizeof(msg) - 1, 0, (struct sockaddr *) &sa,
                   offsetof(struct sockaddr_un, sun_path) + len) < 0) {
                printf("sendto failed: %s\n", strerror(errno));
                return 1;
        }
        printf("notified\n");
        fflush(stdout);
        sleep_forever();
}

static int verb_print(int argc, char **argv) {
        unsigned n;
        if (argc < 2 || safe_atou(argv[1], &n) < 0)
                return usage(), 2;
        double interval = argc > 2 ? parse_secs(argv[2]) : 0;
        bool err = getenv("HOG_STDERR") != NULL;
        for (unsigned i = 1; i <= n; i++) {
                printf("line %u\n", i);
                fflush(stdout);
                if (err) {
                        fprintf(stderr, "err %u\n", i);
                        fflush(stderr);
                }
                if (interval > 0)
                        sleep_secs(interval);
        }
        return 0;
}

static int verb_syscall(int argc, char **argv) {
        long r;
        if (argc < 2)
                return usage(), 2;
        if (streq(argv[1], "mount"))
                /* A filesystem type that does not exist: a permitted mount(2) fails with ENODEV and nothing
                 * is ever mounted, so the probe is harmless on a real host. */
                r = mount("none", "/", "cgsup-no-such-fs", MS_RDONLY, NULL);
        else if (streq(argv[1], "reboot"))
                /* An invalid magic makes a permitted reboot(2) fail with EINVAL instead of rebooting. */
                r = syscall(SYS_reboot, 0, 0, 0, NULL);
        else
                return usage(), 2;
        int e = r < 0 ? errno : 0;
        printf("%s: %s\n", argv[1], e ? strerrorname_np(e) : "OK");
        return e == EPERM ? 0 : 1;
}

static int verb_ids(void) {
        gid_t groups[256];
        int n = getgroups(ELEMENTSOF(groups), groups);
        printf("uid=%u gid=%u groups=", (unsigned) getuid(), (unsigned) getgid());
        for (int i = 0; i < n; i++)
                printf("%s%u", i ? "," : "", (unsigned) groups[i]);
        printf("\n");
        return 0;
}

static int verb_cat(int argc, char **argv) {
        char buf[65536];
        ssize_t k;
        while ((k = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
                if (write(STDOUT_FILENO, buf, (size_t) k) != k)
                        return 1;
        return argc > 1 ? atoi(argv[1]) : 0;
}

static int verb_euid(void) {
        printf("uid=%u euid=%u\n", (unsigned) getuid(), (unsigned) geteuid());
        return 0;
}

/* A classic fork bomb held by pids_max: parent and children alike fork as long as the kernel lets them.
 * The first refused fork makes the main process abort (a program that cannot cope with EAGAIN), so its
 * exit is a signal with pids.events "max" raised; the children sleep, left for the stop to clean up. */
static _noreturn_ void verb_forkbomb(void) {
        pid_t main_pid = getpid();
        printf("bomb %d\n", (int) main_pid);
        fflush(stdout);
        for (;;) {
                pid_t pid = fork();
                if (pid < 0) {
                        if (getpid() == main_pid)
                                abort();
                        sleep_forever();
                }
        }
}

static int verb_scatter(int argc, char **argv) {
        unsigned n, made = 0;
        if (argc < 2 || safe_atou(argv[1], &n) < 0)
                return usage(), 2;
        for (; made < n; made++)
                if (leave_grandchild() <= 0)
                        break;
        printf("scattered %u\n", made);
        fflush(stdout);
        sleep_forever();
}

static int verb_closeout(int argc, char **argv) {
        close(STDOUT_FILENO);
        close(STDERR_FILENO);
        return verb_spin(argc, argv);
}

/* Flat out: big writes, no pause; "noline" leaves out every newline so a reader cannot split on lines. */
static int verb_flood(int argc, char **argv) {
        static char buf[65536];
        uint64_t size, done = 0;
        if (argc < 2 || parse_size(argv[1], &size) < 0)
                return usage(), 2;
        bool noline = argc > 2 && streq(argv[2], "noline");
        memset(buf, 'x', sizeof(buf));
        if (!noline)
                for (size_t i = 79; i < sizeof(buf); i += 80)
                        buf[i] = '\n';
        while (done < size) {
                size_t chunk = (size_t) MIN((uint64_t) sizeof(buf), size - done);
                ssize_t k = write(STDOUT_FILENO, buf, chunk);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return 1;
                done += (uint64_t) k;
        }
        return 0;
}

int main(int argc, char **argv) {
        if (argc < 2) {
                usage();
                return 2;
        }
        const char *verb = argv[1];
        argc--;
        argv++;
        setvbuf(stdout, NULL, _IOLBF, 0);

        if (streq(verb, "mem"))
                return verb_mem(argc, argv);
        if (streq(verb, "fork"))
                return verb_fork(argc, argv);
        if (streq(verb, "spin"))
                return verb_spin(argc, argv);
        if (streq(verb, "doublefork"))
                return verb_doublefork(false);
        if (streq(verb, "escape"))
                return verb_doublefork(true);
        if (streq(verb, "forkstorm"))
                return verb_forkstorm(argc, argv);
        if (streq(verb, "sleep")) {
                sleep_secs(parse_secs(argc > 1 ? argv[1] : "inf"));
                return 0;
        }
        if (streq(verb, "exit"))
                return argc > 1 ? atoi(argv[1]) : 0;
        if (streq(verb, "crash")) {
                sleep_secs(argc > 1 ? parse_secs(argv[1]) : 0);
                raise(SIGSEGV);
                return 1;
        }
        if (streq(verb, "listen"))
                return verb_listen(argc, argv);
        if (streq(verb, "notify"))
                return verb_notify(argc, argv);
        if (streq(verb, "print"))
                return verb_print(argc, argv);
        if (streq(verb, "syscall"))
                return verb_syscall(argc, argv);
        if (streq(verb, "ids"))
                return verb_ids();
        if (streq(verb, "cat"))
                return verb_cat(argc, argv);
        if (streq(verb, "euid"))
                return verb_euid();
        if (streq(verb, "forkbomb"))
                verb_forkbomb();
        if (streq(verb, "scatter"))
                return verb_scatter(argc, argv);
        if (streq(verb, "closeout"))
                return verb_closeout(argc, argv);
        if (streq(verb, "flood"))
                return verb_flood(argc, argv);
        if (streq(verb, "ignore-term")) {
                signal(SIGTERM, SIG_IGN);
                sleep_secs(argc > 1 ? parse_secs(argv[1]) : -1);
                return 0;
        }
        usage();
        return 2;
}
