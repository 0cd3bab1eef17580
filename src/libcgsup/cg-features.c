/* SPDX-License-Identifier: MIT */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cg-internal.h"
#include "macro.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* struct clone_args up to the cgroup field (CLONE_ARGS_SIZE_VER2, Linux 5.7). */
struct probe_clone_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
                set_tid_size, cgroup;
};

/*
 * Asks the kernel whether clone3() knows CLONE_INTO_CGROUP without creating a process: the cgroup fd is
 * deliberately invalid. A kernel with the flag gets as far as looking the fd up and answers EBADF; 5.3–5.6
 * reject the unknown flag (EINVAL) or the larger struct (E2BIG); no clone3, or a seccomp policy that hides
 * it (container runtimes answer ENOSYS so libc falls back), gives ENOSYS. Either way we cannot use it.
 */
static bool probe_clone3_into_cgroup(void) {
        struct probe_clone_args args = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) INT32_MAX, /* never a valid fd: RLIMIT_NOFILE is far below */
        };
        long r;

        r = syscall(SYS_clone3, &args, sizeof(args));
        if (r == 0)
                _exit(0); /* cannot happen with an invalid fd; if it does, the child must not run on */
        if (r > 0) {
                (void) waitpid((pid_t) r, NULL, 0);
                return true;
        }
        return errno == EBADF;
}

static bool probe_pidfd_open(void) {
        int fd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (fd < 0)
                return false;
        (void) close(fd);
        return true;
}

_public_ int cgsup_kernel_features(int root_fd, const char *path, CgsupKernelFeatures *ret) {
        CgsupKernelFeatures f = {};
        _cleanup_free_ char *p = NULL;
        struct utsname u;
        unsigned version, controllers = 0;
        int r;

        if (!ret)
                return -EINVAL;
        r = cg_path_normalize(path, &p);
        if (r < 0)
                return r;
        r = cg_file_exists(root_fd, p, NULL);
        if (r < 0)
                return cg_errno_filter(r);
        if (r == 0)
                return -ENOENT;

        if (uname(&u) < 0)
                return cg_errno_filter(-errno);
        snprintf(f.release, sizeof(f.release), "%s", u.release);
        version = cg_kernel_version_code(u.release);

        f.clone3_into_cgroup = probe_clone3_into_cgroup();
        f.pidfd = probe_pidfd_open();

        /* The root cgroup has no cgroup.kill, cgroup.freeze or memory.peak of its own (they are
         * CFTYPE_NOT_ON_ROOT), so there the kernel version has to answer; anywhere else the file decides. */
        if (isempty(p)) {
                f.cgroup_kill = version >= CG_KERNEL_VERSION(5, 14, 0);
                f.cgroup_freeze = version >= CG_KERNEL_VERSION(5, 2, 0);
                f.memory_peak = version >= CG_KERNEL_VERSION(5, 19, 0);
        } else {
                f.cgroup_kill = cg_file_exists(root_fd, p, "cgroup.kill") > 0;
                f.cgroup_freeze = cg_file_exists(root_fd, p, "cgroup.freeze") > 0;
                /* memory.peak is only visible where the memory controller is enabled. */
                (void) cgsup_cgroup_controllers(root_fd, p, &controllers);
                if (controllers & CGSUP_CONTROLLER_MEMORY)
                        f.memory_peak = cg_file_exists(root_fd, p, "memory.peak") > 0;
                else
                        f.memory_peak = version >= CG_KERNEL_VERSION(5, 19, 0);
        }

        *ret = f;
        return 0;
}
