/* SPDX-License-Identifier: MIT */
#include "seccomp-dl.h"

static void *seccomp_dl;

DLSYM_PROTOTYPE(seccomp_init);
DLSYM_PROTOTYPE(seccomp_release);
DLSYM_PROTOTYPE(seccomp_attr_set);
DLSYM_PROTOTYPE(seccomp_arch_add);
DLSYM_PROTOTYPE(seccomp_rule_add);
DLSYM_PROTOTYPE(seccomp_export_bpf);
DLSYM_PROTOTYPE(seccomp_syscall_resolve_name);

int dlopen_seccomp(void) {
        return dlopen_many_sym(&seccomp_dl, SECCOMP_DL_SONAME,
                               DLSYM_ARG(seccomp_init),
                               DLSYM_ARG(seccomp_release),
                               DLSYM_ARG(seccomp_attr_set),
                               DLSYM_ARG(seccomp_arch_add),
                               DLSYM_ARG(seccomp_rule_add),
                               DLSYM_ARG(seccomp_export_bpf),
                               DLSYM_ARG(seccomp_syscall_resolve_name),
                               NULL);
}
