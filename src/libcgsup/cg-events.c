/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>

#include "cg-internal.h"
#include "fd-util.h"
#include "macro.h"
#include "parse-util.h"

static const char *const controller_names[] = { "cpu", "io", "memory", "pids", "cpuset" };

_public_ const char *cgsup_controller_to_string(unsigned controller) {
        for (size_t i = 0; i < ELEMENTSOF(controller_names); i++)
                if (controller == 1U << i)
                        return controller_names[i];
        return NULL;
}

/* A controller name as the kernel prints it: lower-case letters, digits and '_' ("perf_event"). */
static bool controller_name_valid(const char *s, size_t n) {
        if (n == 0 || n > 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return false;
        return true;
}

_public_ int cgsup_controllers_parse(const char *text, unsigned *ret_mask) {
        unsigned mask = 0;

        if (!text || !ret_mask)
                return -EINVAL;
        for (const char *p = text;;) {
                p += strspn(p, " \t\n");
                if (!*p)
                        break;
                size_t n = strcspn(p, " \t\n");
                if (!controller_name_valid(p, n))
                        return -EINVAL;
                /* Controllers we do not manage (hugetlb, rdma, misc, perf_event, ...) are valid but not in
                 * the mask. */
                for (size_t i = 0; i < ELEMENTSOF(controller_names); i++)
                        if (strlen(controller_names[i]) == n && strneq(p, controller_names[i], n))
                                mask |= 1U << i;
                p += n;
        }
        *ret_mask = mask;
        return 0;
}

_public_ int cgsup_cgroup_events_parse(const char *text, CgsupCgroupEvents *ret) {
        CgsupCgroupEvents ev = {};
        bool have_populated = false;

        if (!text || !ret)
                return -EINVAL;

        for (const char *line = text; *line;) {
                size_t n = strcspn(line, "\n");
                char key[32], val[32];
                const char *sp = memchr(line, ' ', n);

                if (n == 0) {
                        line++;
                        continue;
                }
                if (!sp || (size_t) (sp - line) >= sizeof(key) ||
                    n - (size_t) (sp - line) - 1 >= sizeof(val))
                        return -EINVAL;
                memcpy(key, line, (size_t) (sp - line));
                key[sp - line] = 0;
                memcpy(val, sp + 1, n - (size_t) (sp - line) - 1);
                val[n - (size_t) (sp - line) - 1] = 0;

                /* Unknown keys are skipped: the kernel may add more, but they must still be "key N". */
                if (!streq(val, "0") && !streq(val, "1")) {
                        uint64_t dummy;
                        if (streq(key, "populated") || streq(key, "frozen") || safe_atou64(val, &dummy) < 0)
                                return -EINVAL;
                } else if (streq(key, "populated")) {
                        ev.populated = val[0] == '1';
                        have_populated = true;
                } else if (streq(key, "frozen"))
                        ev.frozen = val[0] == '1';
                line += n;
        }
        /* "frozen" only exists since Linux 5.2; "populated" always does. */
        if (!have_populated)
                return -EINVAL;
        *ret = ev;
        return 0;
}

_public_ int cgsup_cgroup_events_read(int root_fd, const char *path, CgsupCgroupEvents *ret) {
        _cleanup_free_ char *p = NULL;
        char text[256]; /* "populated 0\nfrozen 0\n": read after every exit, so one read, no allocation */
        int r;

        if (!ret)
                return -EINVAL;
        r = cg_path_join(path, "cgroup.events", &p);
        if (r < 0)
                return r;
        r = read_virtual_file_at(root_fd, p, text, sizeof(text));
        if (r < 0)
                return cg_errno_filter(r);
        r = cgsup_cgroup_events_parse(text, ret);
        return r < 0 ? -EIO : 0;
}

_public_ int cgsup_cgroup_events_add_watch(int inotify_fd, int root_fd, const char *path, int *ret_wd) {
        _cleanup_free_ char *rel = NULL, *p = NULL;
        int wd, r;

        if (inotify_fd < 0 || root_fd < 0 || !ret_wd)
                return -EINVAL;
        r = cg_path_join(path, "cgroup.events", &rel);
        if (r < 0)
                return r;
        /* inotify_add_watch() has no *at() variant: go through /proc/self/fd, which also works for an
         * O_PATH root_fd. */
        if (asprintf(&p, "/proc/self/fd/%d/%s", root_fd, rel) < 0)
                return -ENOMEM;
        /* kernfs reports changes of cgroup.events as IN_MODIFY (kernfs_notify()). */
        wd = inotify_add_watch(inotify_fd, p, IN_MODIFY);
        if (wd < 0)
                return cg_errno_filter(-errno);
        *ret_wd = wd;
        return 0;
}

_public_ int cgsup_cgroup_events_watch(int root_fd, const char *path, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        int wd, r;

        if (root_fd < 0 || !ret_fd)
                return -EINVAL;
        fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (fd < 0)
                return cg_errno_filter(-errno);
        r = cgsup_cgroup_events_add_watch(fd, root_fd, path, &wd);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

_public_ int cgsup_inotify_drain(int fd) {
        /* Aligned as struct inotify_event requires. */
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

        if (fd < 0)
                return -EINVAL;
        for (;;) {
                ssize_t k = read(fd, buf, sizeof(buf));
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        return cg_errno_filter(-errno);
                }
                if (k == 0)
                        return 0;
        }
}

static uint64_t now_usec(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

_public_ int cgsup_cgroup_wait_empty(int root_fd, const char *path, uint64_t timeout_usec) {
        _cleanup_close_ int fd = -EBADF;
        uint64_t deadline;
        int r;

        r = cgsup_cgroup_events_watch(root_fd, path, &fd);
        if (r < 0)
                return r;
        deadline = timeout_usec == UINT64_MAX ? UINT64_MAX : now_usec() + timeout_usec;

        /* The watch exists before the first read, so an emptying between read and poll still wakes us. */
        for (;;) {
                CgsupCgroupEvents ev;
                uint64_t now;
                int timeout_ms;

                r = cgsup_cgroup_events_read(root_fd, path, &ev);
                if (r < 0)
                        return r;
                if (!ev.populated)
                        return 0;

                now = now_usec();
                if (now >= deadline)
                        return -ETIME;
                timeout_ms = deadline == UINT64_MAX
                                     ? -1
                                     : (int) MIN((deadline - now + 999) / 1000, (uint64_t) INT32_MAX);
                r = poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, timeout_ms);
                if (r < 0 && errno != EINTR)
                        return cg_errno_filter(-errno);
                r = cgsup_inotify_drain(fd);
                if (r < 0)
                        return r;
        }
}
