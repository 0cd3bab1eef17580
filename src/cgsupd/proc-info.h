/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * What /proc says about a process that is not ours (re-adoption, `cgsupctl adopt`): fields of
 * /proc/PID/stat, its uids, its command line, its children. Every call reads the file anew; a process
 * that is gone gives -ENOENT or -ESRCH.
 */

#include <stdint.h>
#include <sys/types.h>

/* PF_KTHREAD in /proc/PID/stat's flags (field 9): a kernel thread, which no cgroup move may touch. */
#define PROC_FLAG_KTHREAD 0x00200000U

/* Numeric field @field (1-based, as proc(5) counts; 4 and above) of /proc/@pid/stat. */
int proc_stat_field(pid_t pid, unsigned field, uint64_t *ret);
/* Real, effective, saved and filesystem uid (the "Uid:" line of /proc/@pid/status). */
int proc_uids(pid_t pid, uid_t ret[4]);
/* argv from /proc/@pid/cmdline (an empty list for a kernel thread or a zombie). */
int proc_cmdline(pid_t pid, char ***ret);
/* Appends to *@pids / *@n every process whose parent is one of the *@n pids in it already (one generation;
 * call again for the next). *@pids may be reallocated. */
int proc_add_children(pid_t **pids, size_t *n);
