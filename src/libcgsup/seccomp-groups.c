/* SPDX-License-Identifier: MIT */
/*
 * Named syscall groups for syscall_filter=, modelled on systemd's SystemCallFilter= sets so that a spec
 * written for a systemd unit means the same here. The lists name syscalls of every architecture:
 * names this libseccomp does not know, or that do not exist on an architecture of the filter, are skipped
 * when the filter is compiled (seccomp.c), so listing e.g. "getuid32" costs nothing on x86-64 and closes
 * the i386 ABI door. An entry starting with '@' pulls in another group (@privileged, @system-service).
 */

#include "spawn-internal.h"

#define GROUP(n, ...)                                                                                       \
        {                                                                                                   \
                .name = n, .syscalls = (const char *const[]) {                                              \
                        __VA_ARGS__, NULL                                                                   \
                }                                                                                           \
        }

static const SeccompGroup groups[] = {
        GROUP("@default",
              /* Calls every program needs to start and run at all; implicitly part of an allow-list. */
              "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
              "clock_nanosleep_time64", "execve", "exit", "exit_group", "futex", "futex_time64",
              "futex_waitv", "get_robust_list", "get_thread_area", "getegid", "getegid32", "geteuid",
              "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getpgid", "getpgrp", "getpid",
              "getppid", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit",
              "getsid", "gettid", "gettimeofday", "getuid", "getuid32", "membarrier", "mmap", "mmap2",
              "munmap", "nanosleep", "pause", "prlimit64", "restart_syscall", "rseq", "rt_sigreturn",
              "sched_getaffinity", "sched_yield", "set_robust_list", "set_thread_area", "set_tid_address",
              "set_tls", "sigreturn", "time", "ugetrlimit"),
        GROUP("@aio", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
              "io_setup", "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup"),
        GROUP("@basic-io", "_llseek", "close", "close_range", "dup", "dup2", "dup3", "lseek", "pread64",
              "preadv", "preadv2", "pwrite64", "pwritev", "pwritev2", "read", "readv", "write", "writev"),
        GROUP("@chown", "chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32"),
        GROUP("@clock", "adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64",
              "settimeofday", "stime"),
        GROUP("@cpu-emulation", "modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old"),
        GROUP("@debug", "lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace", "rtas",
              "s390_runtime_instr", "sys_debug_setcontext"),
        GROUP("@file-system", "access", "chdir", "chmod", "close", "creat", "faccessat", "faccessat2",
              "fallocate", "fchdir", "fchmod", "fchmodat", "fcntl", "fcntl64", "fgetxattr", "flistxattr",
              "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64",
              "ftruncate", "ftruncate64", "futimesat", "getcwd", "getdents", "getdents64", "getxattr",
              "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "lgetxattr", "link",
              "linkat", "listxattr", "llistxattr", "lremovexattr", "lsetxattr", "lstat", "lstat64", "mkdir",
              "mkdirat", "mknod", "mknodat", "newfstatat", "oldfstat", "oldlstat", "oldstat", "open",
              "openat", "openat2", "readlink", "readlinkat", "removexattr", "rename", "renameat",
              "renameat2", "rmdir", "setxattr", "stat", "stat64", "statfs", "statfs64", "statx", "symlink",
              "symlinkat", "truncate", "truncate64", "unlink", "unlinkat", "utime", "utimensat",
              "utimensat_time64", "utimes"),
        GROUP("@io-event", "_newselect", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
              "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "poll",
              "ppoll", "ppoll_time64", "pselect6", "pselect6_time64", "select"),
        GROUP("@ipc", "ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
              "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "msgctl",
              "msgget", "msgrcv", "msgsnd", "pipe", "pipe2", "process_vm_readv", "process_vm_writev",
              "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "shmat", "shmctl", "shmdt",
              "shmget"),
        GROUP("@keyring", "add_key", "keyctl", "request_key"),
        GROUP("@memlock", "mlock", "mlock2", "mlockall", "munlock", "munlockall"),
        GROUP("@module", "delete_module", "finit_module", "init_module"),
        GROUP("@mount", "chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
              "move_mount", "open_tree", "pivot_root", "umount", "umount2"),
        GROUP("@network-io", "accept", "accept4", "bind", "connect", "getpeername", "getsockname",
              "getsockopt", "listen", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send",
              "sendmmsg", "sendmsg", "sendto", "setsockopt", "shutdown", "socket", "socketcall",
              "socketpair"),
        GROUP("@obsolete", "_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime",
              "get_kernel_syms", "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil", "putpmsg",
              "query_module", "security", "sgetmask", "ssetmask", "stty", "sysfs", "tuxcall", "ulimit",
              "uselib", "ustat", "vserver"),
        GROUP("@pkey", "pkey_alloc", "pkey_free", "pkey_mprotect"),
        GROUP("@privileged",
              /* Everything that needs CAP_SYS_* or CAP_SETUID; setgid() is left out on purpose (systemd does
               * the same): dropping to a group you are in needs no privilege. */
              "@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap", "_sysctl", "acct", "bpf",
              "capset", "chroot", "fanotify_init", "fanotify_mark", "nfsservctl", "open_by_handle_at",
              "pivot_root", "quotactl", "quotactl_fd", "setdomainname", "setfsuid", "setfsuid32",
              "setgroups", "setgroups32", "sethostname", "setresuid", "setresuid32", "setreuid",
              "setreuid32", "setuid", "setuid32", "vhangup"),
        GROUP("@process", "arch_prctl", "capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill",
              "pidfd_open", "pidfd_send_signal", "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns",
              "swapcontext", "tgkill", "times", "tkill", "unshare", "vfork", "wait4", "waitid", "waitpid"),
        GROUP("@raw-io", "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write",
              "s390_pci_mmio_read", "s390_pci_mmio_write"),
        GROUP("@reboot", "kexec_file_load", "kexec_load", "reboot"),
        GROUP("@resources", "ioprio_set", "mbind", "migrate_pages", "move_pages", "nice",
              "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
              "set_mempolicy_home_node", "setpriority", "setrlimit"),
        GROUP("@sandbox", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
              "seccomp"),
        GROUP("@setuid", "setgid", "setgid32", "setgroups", "setgroups32", "setregid", "setregid32",
              "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setuid",
              "setuid32"),
        GROUP("@signal", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend",
              "rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaction", "sigaltstack", "signal", "signalfd",
              "signalfd4", "sigpending", "sigprocmask", "sigsuspend"),
        GROUP("@swap", "swapoff", "swapon"),
        GROUP("@sync", "fdatasync", "fsync", "msync", "sync", "sync_file_range", "sync_file_range2",
              "syncfs"),
        GROUP("@system-service",
              /* What an ordinary daemon uses: the usual allow-list ("syscall_filter=@system-service"). */
              "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@keyring",
              "@memlock", "@network-io", "@process", "@resources", "@sandbox", "@setuid", "@signal", "@sync",
              "@timer", "arm_fadvise64_64", "brk", "capget", "capset", "copy_file_range", "fadvise64",
              "fadvise64_64", "flock", "get_mempolicy", "getcpu", "getpriority", "ioctl", "ioprio_get",
              "kcmp", "madvise", "mprotect", "mremap", "name_to_handle_at", "oldolduname", "olduname",
              "personality", "readahead", "readdir", "remap_file_pages", "sched_get_priority_max",
              "sched_get_priority_min", "sched_getattr", "sched_getparam", "sched_getscheduler",
              "sched_rr_get_interval", "sched_rr_get_interval_time64", "sendfile", "sendfile64", "setfsgid",
              "setfsgid32", "setfsuid", "setfsuid32", "setpgid", "setsid", "splice", "sysinfo", "tee",
              "umask", "uname", "userfaultfd", "vmsplice"),
        GROUP("@timer", "alarm", "getitimer", "setitimer", "timer_create", "timer_delete",
              "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
              "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
              "timerfd_settime64", "times"),
};

/* Group names in table order, for cgsup_seccomp_groups(). Kept next to the table; a unit test checks that
 * both list the same names. */
static const char *const group_names[] = {
        "@default",       "@aio",       "@basic-io",       "@chown",    "@clock",
        "@cpu-emulation", "@debug",     "@file-system",    "@io-event", "@ipc",
        "@keyring",       "@memlock",   "@module",         "@mount",    "@network-io",
        "@obsolete",      "@pkey",      "@privileged",     "@process",  "@raw-io",
        "@reboot",        "@resources", "@sandbox",        "@setuid",   "@signal",
        "@swap",          "@sync",      "@system-service", "@timer",    NULL,
};

_Static_assert(ELEMENTSOF(group_names) == ELEMENTSOF(groups) + 1, "group_names[] out of sync with groups[]");

const SeccompGroup *seccomp_group_find(const char *name) {
        if (isempty(name))
                return NULL;

        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                /* Accept both "@mount" and "mount", as the header promises. */
                if (streq(groups[i].name, name) || (name[0] != '@' && streq(groups[i].name + 1, name)))
                        return &groups[i];
        return NULL;
}

_public_ const char *const *cgsup_seccomp_group_syscalls(const char *group) {
        const SeccompGroup *g = seccomp_group_find(group);
        return g ? g->syscalls : NULL;
}

_public_ const char *const *cgsup_seccomp_groups(void) {
        return group_names;
}
