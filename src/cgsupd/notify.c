/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgsup/cgroup.h"
#include "log.h"
#include "notify.h"
#include "parse-util.h"
#include "program-ops.h"
#include "program-real.h"

#define NOTIFY_MESSAGE_MAX 4096
#define NOTIFY_FDS_MAX 64

static bool line_value(const char *line, size_t len, const char *key, const char **ret, size_t *ret_len) {
        size_t k = strlen(key);

        if (len < k || memcmp(line, key, k) != 0)
                return false;
        *ret = line + k;
        *ret_len = len - k;
        return true;
}

void notify_handle_message(Program *p, const char *text, size_t n) {
        const char *line = text, *end = text + n;
        bool ready = false;

        while (line < end) {
                const char *nl = memchr(line, '\n', (size_t) (end - line));
                size_t len = nl ? (size_t) (nl - line) : (size_t) (end - line);
                const char *v;
                size_t vl;

                if (line_value(line, len, "READY=", &v, &vl) && vl == 1 && v[0] == '1')
                        ready = true;
                else if (line_value(line, len, "STATUS=", &v, &vl)) {
                        char *s = strndup(v, vl);
                        if (s) {
                                free(p->status_text);
                                p->status_text = s;
                                if (p->manager->hooks.program_changed)
                                        p->manager->hooks.program_changed(p->manager, p, PROGRAM_CHANGED_STATE,
                                                                          p->state);
                        }
                } else if (line_value(line, len, "MAINPID=", &v, &vl)) {
                        char buf[16];
                        unsigned pid;

                        if (vl < sizeof(buf)) {
                                memcpy(buf, v, vl);
                                buf[vl] = 0;
                                if (safe_atou(buf, &pid) >= 0 && pid > 0)
                                        (void) program_set_main_pid(p, (pid_t) pid, true);
                        }
                }
                line += len + 1;
        }
        if (ready)
                (void) program_dispatch(p, PROGRAM_EVENT_READY);
}

static int on_notify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Manager *m = userdata;
        char buf[NOTIFY_MESSAGE_MAX + 1];
        union {
                struct cmsghdr h;
                uint8_t b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
        } control = {};
        struct iovec iov = { .iov_base = buf, .iov_len = NOTIFY_MESSAGE_MAX };
        struct msghdr mh = {
                .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control),
        };
        struct ucred *cred = NULL;
        _cleanup_free_ char *cg = NULL;
        Program *p;
        ssize_t k;

        k = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (k < 0)
                return 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof(struct ucred)))
                        cred = (struct ucred *) CMSG_DATA(c);
                else if (c->cmsg_type == SCM_RIGHTS) {
                        /* FDSTORE= is not offered to programs: close whatever was sent. */
                        int *fds = (int *) CMSG_DATA(c);
                        size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < nfds; i++)
                                safe_close(fds[i]);
                }
        }
        if ((size_t) k > NOTIFY_MESSAGE_MAX) {
                log_warning("Oversized notification message (%zd bytes) ignored", k);
                return 0;
        }
        if (!cred || cred->pid <= 0) {
                log_debug("Notification without credentials ignored");
                return 0;
        }
        buf[k] = 0;
        if (cgsup_cgroup_of_pid(cred->pid, &cg) < 0) {
                log_debug("Notification from vanished pid %d ignored", (int) cred->pid);
                return 0;
        }
        p = manager_find_program_by_cgroup(m, cg);
        if (!p) {
                log_warning("Notification from pid %d in cgroup /%s, which is not a program of ours, ignored",
                            (int) cred->pid, cg);
                return 0;
        }
        notify_handle_message(p, buf, (size_t) k);
        return 0;
}

/* Binds a SO_PASSCRED datagram socket at @path with mode 0600 (owned by @uid:@gid when @uid is not ours)
 * and watches it. The umask covers the moment between bind() and chown(): the socket never exists with
 * looser permissions. */
static int bind_notify_socket(Manager *m, const char *path, uid_t uid, gid_t gid, int *ret_fd,
                              sd_event_source **ret_source) {
        union {
                struct sockaddr sa;
                struct sockaddr_un un;
        } sa = { .un.sun_family = AF_UNIX };
        _cleanup_(sd_event_source_disable_unrefp) sd_event_source *source = NULL;
        _cleanup_close_ int fd = -EBADF;
        mode_t old_umask;
        int one = 1, r;

        if (strlen(path) >= sizeof(sa.un.sun_path))
                return log_error_errno(SYNTHETIC_ERRNO(ENAMETOOLONG), "Notify socket path %s is too long", path);
        strcpy(sa.un.sun_path, path);

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return log_error_errno(errno, "Failed to create notify socket: %m");
        (void) unlink(path);
        old_umask = umask(0177);
        r = bind(fd, &sa.sa, sizeof(sa.un)) < 0 ? -errno : 0;
        umask(old_umask);
        if (r < 0)
                return log_error_errno(r, "Failed to bind notify socket %s: %m", path);
        if (uid != geteuid() && chown(path, uid, gid) < 0) {
                r = -errno;
                (void) unlink(path);
                return log_error_errno(r, "Failed to give notify socket %s to uid %u: %m", path, (unsigned) uid);
        }
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return log_error_errno(errno, "Failed to enable SO_PASSCRED: %m");
        r = sd_event_add_io(m->event, &source, fd, EPOLLIN, on_notify, m);
        if (r < 0)
                return log_error_errno(r, "Failed to watch notify socket: %m");
        (void) sd_event_source_set_description(source, "notify-socket");
        *ret_fd = TAKE_FD(fd);
        *ret_source = TAKE_PTR(source);
        return 0;
}

int notify_socket_open(Manager *m) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/notify", m->runtime_dir) < 0)
                return -ENOMEM;
        r = bind_notify_socket(m, path, geteuid(), getegid(), &m->notify_fd, &m->notify_source);
        if (r < 0)
                return r;
        m->notify_path = TAKE_PTR(path);
        return 0;
}

int notify_socket_for_user(Manager *m, uid_t uid, gid_t gid, const char **ret_path) {
        NotifyUserSocket *n;
        char *path;
        int r;

        if (!m->notify_path)
                return -ENOENT;
        if (uid == geteuid()) {
                *ret_path = m->notify_path;
                return 0;
        }
        for (size_t i = 0; i < m->n_notify_user_sockets; i++)
                if (m->notify_user_sockets[i].uid == uid) {
                        *ret_path = m->notify_user_sockets[i].path;
                        return 0;
                }

        n = reallocarray(m->notify_user_sockets, m->n_notify_user_sockets + 1, sizeof(NotifyUserSocket));
        if (!n)
                return -ENOMEM;
        m->notify_user_sockets = n;
        if (asprintf(&path, "%s.%u", m->notify_path, (unsigned) uid) < 0)
                return -ENOMEM;
        n = &m->notify_user_sockets[m->n_notify_user_sockets];
        *n = (NotifyUserSocket) { .uid = uid, .fd = -EBADF };
        r = bind_notify_socket(m, path, uid, gid, &n->fd, &n->source);
        if (r < 0) {
                free(path);
                return r;
        }
        n->path = path;
        m->n_notify_user_sockets++;
        *ret_path = path;
        return 0;
}

void notify_socket_close(Manager *m) {
        for (size_t i = 0; i < m->n_notify_user_sockets; i++) {
                NotifyUserSocket *n = &m->notify_user_sockets[i];
                n->source = sd_event_source_disable_unref(n->source);
                n->fd = safe_close(n->fd);
                (void) unlink(n->path);
                free(n->path);
        }
        free(m->notify_user_sockets);
        m->notify_user_sockets = NULL;
        m->n_notify_user_sockets = 0;

        m->notify_source = sd_event_source_disable_unref(m->notify_source);
        m->notify_fd = safe_close(m->notify_fd);
        if (m->notify_path)
                (void) unlink(m->notify_path);
        free(m->notify_path);
        m->notify_path = NULL;
}
