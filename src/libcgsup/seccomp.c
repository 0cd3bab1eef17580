/* SPDX-License-Identifier: MIT */
/*
 * syscall_filter= → seccomp BPF. The filter is compiled by libseccomp in the parent and exported to memory
 * (2.5.4 has no export-to-buffer, so it goes through a memfd), so the child after clone3() only has to hand
 * a ready sock_fprog to seccomp(2): no allocation, no library call, no lock. libseccomp itself is
 * opened at the first filter (seccomp-dl.h).
 */

#include <fcntl.h>
#include <linux/seccomp.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "seccomp-dl.h"
#include "spawn-internal.h"

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                sym_seccomp_release(*ctx);
}

typedef struct FilterEntry {
        int nr;    /* libseccomp number (negative pseudo-numbers for other ABIs' calls) */
        int error; /* errno for deny-list entries */
} FilterEntry;

typedef struct FilterBuilder {
        FilterEntry *entries;
        size_t n, allocated;
} FilterBuilder;

static void filter_builder_done(FilterBuilder *b) {
        free(b->entries);
}

/* Adds or updates a syscall; a later mention overrides an earlier one ("~@mount mount:EACCES" gives mount
 * EACCES and the rest of @mount the default errno), as the last assignment wins in systemd. */
static int filter_builder_add(FilterBuilder *b, int nr, int error) {
        for (size_t i = 0; i < b->n; i++)
                if (b->entries[i].nr == nr) {
                        b->entries[i].error = error;
                        return 0;
                }
        if (b->n == b->allocated) {
                size_t a = MAX(b->allocated * 2, (size_t) 64);
                FilterEntry *e = realloc(b->entries, a * sizeof(FilterEntry));
                if (!e)
                        return -ENOMEM;
                b->entries = e;
                b->allocated = a;
        }
        b->entries[b->n++] = (FilterEntry){.nr = nr, .error = error};
        return 0;
}

/* "EACCES", "eacces" or "13" → 13. The kernel caps SECCOMP_RET_ERRNO values at MAX_ERRNO (4095). */
static int errno_from_name(const char *s) {
        int e;

        if (isempty(s))
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '9') {
                char *end;
                errno = 0;
                long v = strtol(s, &end, 10);
                if (errno != 0 || *end || v < 1 || v > 4095)
                        return -EINVAL;
                return (int) v;
        }
        for (e = 1; e < 4096; e++) {
                const char *n = strerrorname_np(e);
                if (n && strcasecmp(n, s) == 0)
                        return e;
        }
        return -EINVAL;
}

static int filter_builder_add_group(FilterBuilder *b, const SeccompGroup *g, int error, unsigned depth);

static int filter_builder_add_name(FilterBuilder *b, const char *name, int error, bool from_group,
                                   unsigned depth) {
        if (name[0] == '@') {
                const SeccompGroup *g = seccomp_group_find(name);
                if (!g)
                        return -EINVAL;
                return filter_builder_add_group(b, g, error, depth + 1);
        }

        int nr = sym_seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                /* Group tables list calls of every ABI and of newer kernels: a name this libseccomp does not
                 * know is skipped there, but a name the user typed must be real. */
                return from_group ? 0 : -EINVAL;
        return filter_builder_add(b, nr, error);
}

static int filter_builder_add_group(FilterBuilder *b, const SeccompGroup *g, int error, unsigned depth) {
        int r;

        /* Groups nest one level today (@system-service → @default); the bound only guards the tables. */
        if (depth > 4)
                return -ELOOP;
        for (const char *const *s = g->syscalls; *s; s++) {
                r = filter_builder_add_name(b, *s, error, true, depth);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Parses one whitespace-separated entry ("mount", "@mount", "mount:EACCES") into the builder. On -EINVAL,
 * *ret_bad is the piece that is wrong. */
static int filter_builder_add_entry(FilterBuilder *b, const char *entry, bool allow_list, int default_errno,
                                    char **ret_bad) {
        _cleanup_free_ char *name = strdup(entry);
        int error = default_errno, r;

        if (!name)
                return -ENOMEM;

        char *colon = strchr(name, ':');
        if (colon) {
                *colon = 0;
                /* In an allow-list, listed calls are allowed: an errno there is meaningless, and silently
                 * ignoring it would hide a typo'd "~". */
                if (allow_list)
                        goto bad_entry;
                error = errno_from_name(colon + 1);
                if (error < 0)
                        goto bad_entry;
        }
        if (isempty(name))
                goto bad_entry;

        r = filter_builder_add_name(b, name, error, false, 0);
        if (r == -EINVAL) {
                *ret_bad = TAKE_PTR(name);
                return -EINVAL;
        }
        return r;

bad_entry:
        *ret_bad = strdup(entry);
        return *ret_bad ? -EINVAL : -ENOMEM;
}

/* The ABIs a process on this machine can enter the kernel through. A deny-list that only covered the native
 * one could be sidestepped with int 0x80 (i386) or the x32 syscall bit. */
static int filter_add_archs(scmp_filter_ctx ctx) {
#if defined(__x86_64__) && !defined(__ILP32__)
        static const uint32_t extra[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
        static const uint32_t extra[] = {SCMP_ARCH_ARM};
#else
        static const uint32_t extra[] = {};
#endif
        int r;

        for (size_t i = 0; i < ELEMENTSOF(extra); i++) {
                r = sym_seccomp_arch_add(ctx, extra[i]);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

/* Exports the compiled filter and reads it back into one allocation with the sock_fprog in front. */
static int filter_export(scmp_filter_ctx ctx, bool allow_list, CgsupSeccompFilter **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ CgsupSeccompFilter *f = NULL;
        struct stat st;
        int r;

        fd = memfd_create("cgsup-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return errno == ENOMEM ? -ENOMEM : -EIO;
        r = sym_seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r == -ENOMEM ? -ENOMEM : -EIO;
        if (fstat(fd, &st) < 0)
                return -EIO;
        if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
            (size_t) st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -EIO;

        f = malloc(sizeof(CgsupSeccompFilter) + (size_t) st.st_size);
        if (!f)
                return -ENOMEM;
        struct sock_filter *insns = (struct sock_filter *) (f + 1);
        size_t done = 0;
        while (done < (size_t) st.st_size) {
                ssize_t k = pread(fd, (uint8_t *) insns + done, (size_t) st.st_size - done, (off_t) done);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return -EIO;
                done += (size_t) k;
        }
        f->prog = (struct sock_fprog){
                .len = (unsigned short) (st.st_size / sizeof(struct sock_filter)),
                .filter = insns,
        };
        f->allow_list = allow_list;
        *ret = TAKE_PTR(f);
        return 0;
}

_public_ int cgsup_seccomp_filter_new(const char *spec, int default_errno, CgsupSeccompFilter **ret,
                                      char **reterr_bad) {
        _cleanup_(filter_builder_done) FilterBuilder b = {};
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_free_ char *copy = NULL;
        char *bad = NULL, *state = NULL;
        bool allow_list = true;
        int r;

        if (!spec || !ret)
                return -EINVAL;
        if (default_errno == 0)
                default_errno = EPERM;
        if (default_errno < 1 || default_errno > 4095)
                return -EINVAL;
        r = dlopen_seccomp();
        if (r < 0)
                return r;

        spec += strspn(spec, " \t\n");
        if (spec[0] == '~') {
                allow_list = false;
                spec++;
        }
        copy = strdup(spec);
        if (!copy)
                return -ENOMEM;

        size_t n_entries = 0;
        for (char *w = strtok_r(copy, " \t\n", &state); w; w = strtok_r(NULL, " \t\n", &state)) {
                r = filter_builder_add_entry(&b, w, allow_list, default_errno, &bad);
                if (r < 0) {
                        if (reterr_bad)
                                *reterr_bad = bad;
                        else
                                free(bad);
                        return r;
                }
                n_entries++;
        }
        if (n_entries == 0) {
                /* "" or "~" alone: almost certainly a templating mistake, and an allow-list of nothing would
                 * make every program fail in confusing ways. */
                if (reterr_bad)
                        *reterr_bad = strdup(allow_list ? "" : "~");
                return -EINVAL;
        }
        if (allow_list) {
                /* The child calls execve() after installing the filter, and nothing runs without @default.
                 */
                r = filter_builder_add_group(&b, seccomp_group_find("@default"), 0, 0);
                if (r < 0)
                        return r;
                r = filter_builder_add_name(&b, "execve", 0, false, 0);
                if (r < 0)
                        return r;
        }

        ctx = sym_seccomp_init(allow_list ? SCMP_ACT_ERRNO((uint32_t) default_errno) : SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        /* Real kernel errnos instead of -ECANCELED, and no NNP from libseccomp: we never let it load the
         * filter, the child does that itself (and sets no_new_privs in its plan order). */
        if (sym_seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1) < 0 ||
            sym_seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
                return -EIO;
        r = filter_add_archs(ctx);
        if (r < 0)
                return r == -ENOMEM ? -ENOMEM : -EIO;

        for (size_t i = 0; i < b.n; i++) {
                uint32_t action = allow_list ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO((uint32_t) b.entries[i].error);
                r = sym_seccomp_rule_add(ctx, action, b.entries[i].nr, 0);
                /* -EDOM: the call does not exist on any ABI of this filter (an s390 call on x86-64). */
                if (r == -EDOM)
                        continue;
                if (r < 0)
                        return r == -ENOMEM ? -ENOMEM : -EIO;
        }

        return filter_export(ctx, allow_list, ret);
}

_public_ CgsupSeccompFilter *cgsup_seccomp_filter_free(CgsupSeccompFilter *f) {
        free(f);
        return NULL;
}

/* Runs in the child between clone3() and execve(): raw syscalls only, errno returned as -errno. */
_public_ int cgsup_seccomp_filter_install(const CgsupSeccompFilter *f) {
        if (!f)
                return -EINVAL;
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &f->prog) >= 0)
                return 0;
        if (errno != ENOSYS)
                return -errno;
        /* Kernels before 3.17 only have the prctl() interface. */
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &f->prog, 0, 0) < 0)
                return -errno;
        return 0;
}
