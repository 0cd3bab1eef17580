/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cg-internal.h"
#include "fd-util.h"
#include "macro.h"

int cg_path_normalize(const char *path, char **ret) {
        _cleanup_free_ char *out = NULL;
        size_t n = 0;

        if (!path)
                path = "";
        out = malloc(strlen(path) + 1);
        if (!out)
                return -ENOMEM;

        for (const char *p = path; *p;) {
                size_t len = strcspn(p, "/");

                if (len == 0) {
                        p++;
                        continue;
                }
                /* ".." could walk out of root_fd (the mount or the delegated subtree we were given); "." is
                 * harmless but would make two spellings of one cgroup. */
                if (len == 2 && strneq(p, "..", 2))
                        return -EINVAL;
                if (!(len == 1 && p[0] == '.')) {
                        if (n > 0)
                                out[n++] = '/';
                        memcpy(out + n, p, len);
                        n += len;
                }
                p += len;
        }
        out[n] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

int cg_path_join(const char *path, const char *file, char **ret) {
        _cleanup_free_ char *p = NULL;
        char *s;
        int r;

        r = cg_path_normalize(path, &p);
        if (r < 0)
                return r;
        if (file && (strchr(file, '/') || isempty(file)))
                return -EINVAL;

        if (isempty(p))
                s = strdup(file ?: ".");
        else if (!file)
                s = TAKE_PTR(p);
        else if (asprintf(&s, "%s/%s", p, file) < 0)
                s = NULL;
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int cg_read_file(int root_fd, const char *path, const char *file, char **ret) {
        _cleanup_free_ char *p = NULL;
        int r;

        r = cg_path_join(path, file, &p);
        if (r < 0)
                return r;
        return read_full_file_at(root_fd, p, CG_FILE_MAX, ret, NULL);
}

int cg_write_file(int root_fd, const char *path, const char *file, const char *value) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(value);
        ssize_t k;
        int r;

        r = cg_path_join(path, file, &p);
        if (r < 0)
                return r;
        /* O_TRUNC is what a shell's "echo 1 > cgroup.kill" does and is harmless on cgroupfs; it keeps a fake
         * cgroup (plain files in a temp dir, for tests) from ending up with "max870912". No O_CREAT: a
         * missing file means a missing controller or feature and must stay ENOENT. */
        fd = openat(root_fd, p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        /* One write(): cgroupfs parses each write as a whole and reports rejection as its errno. */
        k = write(fd, value, n);
        if (k < 0)
                return -errno;
        if ((size_t) k != n)
                return -EIO;
        return 0;
}

int cg_file_exists(int root_fd, const char *path, const char *file) {
        _cleanup_free_ char *p = NULL;
        struct stat st;
        int r;

        r = cg_path_join(path, file, &p);
        if (r < 0)
                return r;
        if (fstatat(root_fd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        return 1;
}

int cg_errno_filter(int r) {
        if (r >= 0)
                return r;
        switch (-r) {
        case EINVAL:
        case ERANGE:
        case ENOENT:
        case EOPNOTSUPP:
        case EACCES:
        case EPERM:
        case EBUSY:
        case ENOSYS:
        case ENOMEM:
        case EIO:
        case ESRCH:
        case ETIME:
                return r;
        case EROFS:
                return -EACCES;
        case ENOTEMPTY:
                return -EBUSY;
        case ENOTDIR:
                return -ENOENT;
        default:
                return -EIO;
        }
}

unsigned cg_kernel_version_code(const char *release) {
        unsigned a = 0, b = 0, c = 0;

        if (!release || sscanf(release, "%u.%u.%u", &a, &b, &c) < 2)
                return 0;
        return CG_KERNEL_VERSION(MIN(a, 255U), MIN(b, 255U), MIN(c, 255U));
}

unsigned cg_running_kernel_version(void) {
        struct utsname u;

        if (uname(&u) < 0)
                return 0;
        return cg_kernel_version_code(u.release);
}

int cg_read_controllers(int root_fd, const char *path, const char *file, unsigned *ret_mask) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = cg_read_file(root_fd, path, file, &text);
        if (r < 0)
                return cg_errno_filter(r);
        return cgsup_controllers_parse(text, ret_mask);
}
