/* SPDX-License-Identifier: MIT */
/*
 * pidfd helpers. Waiting, signalling and adopting by pidfd instead of by pid: a pid can be recycled between
 * the moment we learn it and the moment we use it, a pidfd cannot.
 */

#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "spawn-internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

_public_ int cgsup_pidfd_wait(int pidfd, bool nohang, int *ret_code, int *ret_status,
                              struct rusage *ret_rusage) {
        siginfo_t si = {};
        struct rusage ru = {};

        if (pidfd < 0)
                return -EBADF;

        /* The raw syscall, because glibc's waitid() has no rusage argument and wait4() takes no pidfd. */
        for (;;) {
                if (syscall(SYS_waitid, P_PIDFD, pidfd, &si, WEXITED | (nohang ? WNOHANG : 0), &ru) >= 0)
                        break;
                if (errno == EINTR)
                        continue;
                return -errno; /* ECHILD: not our child or already reaped; EINVAL: kernel before 5.4 */
        }

        if (si.si_pid == 0)
                return 0; /* WNOHANG and still running */

        if (ret_code)
                *ret_code = si.si_code;
        if (ret_status)
                *ret_status = si.si_status;
        if (ret_rusage)
                *ret_rusage = ru;
        return 1;
}

_public_ int cgsup_pidfd_open(pid_t pid, int *ret_fd) {
        if (pid <= 0 || !ret_fd)
                return -EINVAL;
        /* pidfd_open() always returns an O_CLOEXEC fd. */
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return -errno; /* ESRCH, ENOSYS (before 5.3) */
        *ret_fd = fd;
        return 0;
}

_public_ int cgsup_pidfd_send_signal(int pidfd, int sig) {
        if (pidfd < 0)
                return -EBADF;
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                return -errno; /* ESRCH once the process has exited */
        return 0;
}
