/* SPDX-License-Identifier: MIT */
/* The syscall group tables: complete, resolvable, free of duplicates, and lookups behave. */

#include <seccomp.h>

#include "cgsup/spawn.h"
#include "tests.h"

static const char *const required_groups[] = {
        "@default",       "@mount",   "@module",    "@reboot",   "@swap",
        "@raw-io",        "@clock",   "@debug",     "@obsolete", "@privileged",
        "@cpu-emulation", "@keyring", "@resources", "@process",  "@network-io",
};

TEST(required_groups_exist) {
        for (size_t i = 0; i < ELEMENTSOF(required_groups); i++) {
                const char *const *l = cgsup_seccomp_group_syscalls(required_groups[i]);
                if (!l)
                        tests_fail(__FILE__, __LINE__, "group %s missing", required_groups[i]);
                ASSERT_NOT_NULL(l[0]);
                /* Also without the '@'. */
                ASSERT_TRUE(cgsup_seccomp_group_syscalls(required_groups[i] + 1) == l);
        }
}

TEST(groups_list_matches_lookup) {
        const char *const *all = cgsup_seccomp_groups();
        size_t n = 0;

        ASSERT_NOT_NULL(all);
        for (const char *const *g = all; *g; g++, n++) {
                ASSERT_TRUE((*g)[0] == '@');
                ASSERT_NOT_NULL(cgsup_seccomp_group_syscalls(*g));
                for (const char *const *h = all; h < g; h++)
                        if (streq(*g, *h))
                                tests_fail(__FILE__, __LINE__, "group %s listed twice", *g);
        }
        ASSERT_GE(n, ELEMENTSOF(required_groups));
        for (size_t i = 0; i < ELEMENTSOF(required_groups); i++) {
                bool found = false;
                for (const char *const *g = all; *g; g++)
                        found = found || streq(*g, required_groups[i]);
                ASSERT_TRUE(found);
        }
}

TEST(unknown_group_is_null) {
        ASSERT_NULL(cgsup_seccomp_group_syscalls("@nosuchgroup"));
        ASSERT_NULL(cgsup_seccomp_group_syscalls("nosuchgroup"));
        ASSERT_NULL(cgsup_seccomp_group_syscalls("@"));
        ASSERT_NULL(cgsup_seccomp_group_syscalls(""));
        ASSERT_NULL(cgsup_seccomp_group_syscalls(NULL));
        /* A group name is matched whole, not as a prefix. */
        ASSERT_NULL(cgsup_seccomp_group_syscalls("@mou"));
        ASSERT_NULL(cgsup_seccomp_group_syscalls("@mountx"));
}

/* Every entry is a nested group that exists or a syscall name libseccomp knows (on some ABI). */
TEST(every_entry_resolves) {
        for (const char *const *g = cgsup_seccomp_groups(); *g; g++)
                for (const char *const *s = cgsup_seccomp_group_syscalls(*g); *s; s++) {
                        if ((*s)[0] == '@') {
                                if (!cgsup_seccomp_group_syscalls(*s))
                                        tests_fail(__FILE__, __LINE__, "%s: nested group %s unknown", *g,
                                                   *s);
                                if (streq(*s, *g))
                                        tests_fail(__FILE__, __LINE__, "%s includes itself", *g);
                                continue;
                        }
                        if (seccomp_syscall_resolve_name(*s) == __NR_SCMP_ERROR)
                                tests_fail(__FILE__, __LINE__, "%s: syscall %s unknown to libseccomp", *g,
                                           *s);
                }
}

/* On x86-64, every group the daemon documents has at least one call that really exists on the native ABI
 * (otherwise "~@group" would silently deny nothing). */
TEST(every_group_has_native_calls_on_x86_64) {
#if defined(__x86_64__) && !defined(__ILP32__)
        for (const char *const *g = cgsup_seccomp_groups(); *g; g++) {
                size_t native = 0;
                for (const char *const *s = cgsup_seccomp_group_syscalls(*g); *s; s++)
                        if ((*s)[0] == '@' || seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, *s) >= 0)
                                native++;
                if (native == 0)
                        tests_fail(__FILE__, __LINE__, "group %s has no x86-64 syscall", *g);
        }
        /* Spot checks of well-known members. */
        ASSERT_GE(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, "mount"), 0);
#else
        SKIP("not x86-64");
#endif
}

TEST(no_duplicates_within_a_group) {
        for (const char *const *g = cgsup_seccomp_groups(); *g; g++) {
                const char *const *l = cgsup_seccomp_group_syscalls(*g);
                for (size_t i = 0; l[i]; i++)
                        for (size_t j = 0; j < i; j++)
                                if (streq(l[i], l[j]))
                                        tests_fail(__FILE__, __LINE__, "%s lists %s twice", *g, l[i]);
        }
}

static bool group_contains(const char *group, const char *name) {
        for (const char *const *s = cgsup_seccomp_group_syscalls(group); s && *s; s++)
                if (streq(*s, name))
                        return true;
        return false;
}

TEST(well_known_members) {
        ASSERT_TRUE(group_contains("@mount", "mount"));
        ASSERT_TRUE(group_contains("@mount", "umount2"));
        ASSERT_TRUE(group_contains("@reboot", "reboot"));
        ASSERT_TRUE(group_contains("@reboot", "kexec_load"));
        ASSERT_TRUE(group_contains("@module", "init_module"));
        ASSERT_TRUE(group_contains("@swap", "swapon"));
        ASSERT_TRUE(group_contains("@clock", "settimeofday"));
        ASSERT_TRUE(group_contains("@debug", "ptrace"));
        ASSERT_TRUE(group_contains("@raw-io", "iopl"));
        ASSERT_TRUE(group_contains("@keyring", "keyctl"));
        ASSERT_TRUE(group_contains("@network-io", "socket"));
        ASSERT_TRUE(group_contains("@process", "clone3"));
        ASSERT_TRUE(group_contains("@resources", "setrlimit"));
        ASSERT_TRUE(group_contains("@default", "execve"));
        ASSERT_TRUE(group_contains("@default", "exit_group"));
        ASSERT_TRUE(group_contains("@privileged", "@reboot"));
        /* setgid() needs no privilege when dropping to a group one already has: not in @privileged. */
        ASSERT_FALSE(group_contains("@privileged", "setgid"));
        ASSERT_FALSE(group_contains("@default", "mount"));
}

int main(int argc, char **argv) {
        return tests_main(argc, argv, NULL);
}
