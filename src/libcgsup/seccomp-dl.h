/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libseccomp, loaded with dlopen() when the first filter is compiled (cgsup_seccomp_filter_new()): a
 * daemon none of whose programs has syscall_filter= never maps it (~70 KiB of RSS), and a CLI run without
 * --syscall-filter neither. Only the header comes from the build dependency; every call goes through the
 * sym_ pointers below, valid once dlopen_seccomp() returned >= 0.
 */

#include <seccomp.h>

#include "dlopen-util.h"

/* The run-time name of the library whose header we compile against (libseccomp-dev: libseccomp.so.2). */
#define SECCOMP_DL_SONAME "libseccomp.so.2"

extern DLSYM_PROTOTYPE(seccomp_init);
extern DLSYM_PROTOTYPE(seccomp_release);
extern DLSYM_PROTOTYPE(seccomp_attr_set);
extern DLSYM_PROTOTYPE(seccomp_arch_add);
extern DLSYM_PROTOTYPE(seccomp_rule_add);
extern DLSYM_PROTOTYPE(seccomp_export_bpf);
extern DLSYM_PROTOTYPE(seccomp_syscall_resolve_name);

/* Loads libseccomp unless it is loaded (0 then, 1 when loaded now); -EOPNOTSUPP when it cannot be. */
int dlopen_seccomp(void);
