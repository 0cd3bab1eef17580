/* SPDX-License-Identifier: MIT */
/*
 * The clone3() of cgsup_spawn(), with vfork semantics where we can (x86-64): CLONE_VM | CLONE_VFORK on a
 * stack of its own, as glibc's posix_spawn() does. A plain clone copies the caller's page tables, so one
 * spawn cost more the larger the caller was (a daemon holding 1,000 programs' buffers spent its start in
 * copy_page_range()); sharing the memory costs the same at any size. The caller is suspended until the
 * child has called execve() or exited.
 *
 * Sharing the memory is safe because the child only runs spawn_child_run(): async-signal-safe calls on its
 * own stack, reading the context the parent prepared (the parent's stack stays as it is while the parent is
 * suspended), writing nothing the parent reads except through the status pipe. What the child changes of
 * itself (signal dispositions, ids, fds, seccomp) is per task: no CLONE_SIGHAND, CLONE_FILES or
 * CLONE_THREAD. errno is shared (one TLS), which is why the result comes back in a register, not errno.
 *
 * Elsewhere (another architecture, or an AddressSanitizer build, whose shadow memory and interceptors
 * would be shared with a child on a stack ASan does not know) it is the fork-style clone3(), whose cost
 * grows with the caller.
 */

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn-internal.h"

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
#  define SPAWN_VFORK 1
#else
#  define SPAWN_VFORK 0
#endif

#ifndef CLONE_VM
#define CLONE_VM 0x00000100
#endif
#ifndef CLONE_VFORK
#define CLONE_VFORK 0x00004000
#endif

/* The child's stack: spawn_child_run() and the libc calls it makes need a few KiB; execve() copies argv
 * and envp from the caller's memory, not from here. */
#define SPAWN_STACK_SIZE (64U * 1024U)

#if SPAWN_VFORK
/* clone3() that starts the child on args->stack: a C wrapper cannot do that (the child would return
 * through a stack frame it does not have). The child calls fn(ctx) and never comes back; the parent gets
 * the pid or -errno. The kernel preserves every register but rax, rcx and r11 in the child, so fn and ctx
 * travel in r8 and r9; the new stack is 16-byte aligned, as the call needs. */
static long clone3_on_stack(SpawnCloneArgs *args, _noreturn_ void (*fn)(const SpawnChildContext *),
                            const SpawnChildContext *ctx) {
        register void *r8 __asm__("r8") = (void *) fn;
        register const void *r9 __asm__("r9") = ctx;
        long ret;

        __asm__ volatile("syscall\n\t"
                         "test %%rax, %%rax\n\t"
                         "jnz 1f\n\t"
                         "xor %%ebp, %%ebp\n\t" /* the outermost frame of the child */
                         "mov %%r9, %%rdi\n\t"
                         "call *%%r8\n\t"
                         "hlt\n\t"
                         "1:\n\t"
                         : "=a"(ret)
                         : "0"((long) SYS_clone3), "D"(args), "S"(sizeof(*args)), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return ret;
}

long spawn_clone(SpawnCloneArgs *args, const SpawnChildContext *ctx) {
        size_t page = (size_t) sysconf(_SC_PAGESIZE), size = SPAWN_STACK_SIZE + page;
        uint8_t *stack;
        long r;

        stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
                     -1, 0);
        if (stack == MAP_FAILED)
                return -errno;
        /* A guard page below: a child that overran its stack faults instead of writing into our memory. */
        if (mprotect(stack, page, PROT_NONE) < 0) {
                r = -errno;
                (void) munmap(stack, size);
                return r;
        }
        args->flags |= CLONE_VM | CLONE_VFORK;
        args->stack = (uint64_t) (uintptr_t) (stack + page);
        args->stack_size = SPAWN_STACK_SIZE;
        r = clone3_on_stack(args, spawn_child_run, ctx);
        /* Back here only once the child has exec'd or exited: its stack is ours to free. */
        (void) munmap(stack, size);
        return r;
}
#else
long spawn_clone(SpawnCloneArgs *args, const SpawnChildContext *ctx) {
        long pid = syscall(SYS_clone3, args, sizeof(*args));

        if (pid == 0)
                spawn_child_run(ctx);
        return pid < 0 ? -errno : pid;
}
#endif

bool spawn_clone_shares_memory(void) {
        return SPAWN_VFORK;
}
