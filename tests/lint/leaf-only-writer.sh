#!/bin/bash
# Issue 9: the cgroup leaf is one object. Only its own file, src/libcgsup/cg-leaf.c, may write
# cgroup.subtree_control or a limit file (memory.max, pids.max, cpu.max, ...); every other caller goes
# through CgsupLeaf / cgsup_subtree_claim(). This greps the source tree for the ways around it:
#   1. the literal "cgroup.subtree_control" (a path to write to) outside cg-leaf.c;
#   2. calls of the single-step writers (enable controllers, apply limits, move into a leaf) outside it;
#   3. a limit file's name as a literal outside the one table that maps keys to files (cg-limits.c);
#   4. a write whose file is computed with cgsup_limit_file() outside cg-leaf.c.
# It first proves it can fail: the same checks on a copy with one planted violation per rule must each
# report it. TAP output.
set -u
src=${1:?usage: leaf-only-writer.sh SOURCE_DIR}
. "$(dirname "$0")/tap.sh"

# violations DIR RULE: prints offending lines (file:line:text) of rule RULE under DIR/src.
violations() {
        local dir=$1/src
        case $2 in
        1) grep -rn --include='*.c' --include='*.h' '"cgroup\.subtree_control"' "$dir" |
                grep -v '/src/libcgsup/cg-leaf\.c:' ;;
        2) grep -rnE --include='*.c' '\b(cgsup_cgroup_enable_controllers|cgsup_limits?_apply|cgsup_cgroup_move_self_to_leaf|subtree_control_write)[[:space:]]*\(' "$dir" |
                grep -v '/src/libcgsup/cg-leaf\.c:' ;;
        3) grep -rnE --include='*.c' --include='*.h' '"(memory\.max|memory\.high|memory\.swap\.max|pids\.max|cpu\.max|cpu\.weight|io\.weight)"' "$dir" |
                grep -v '/src/libcgsup/cg-limits\.c:' ;;
        4) grep -rnE --include='*.c' '(cg_write_file|write_string_file_at|write_string_file|openat|fopen)[[:space:]]*\(.*cgsup_limit_file' "$dir" |
                grep -v '/src/libcgsup/cg-leaf\.c:' ;;
        esac
        return 0
}

rules=("no \"cgroup.subtree_control\" literal outside cg-leaf.c"
       "no call of the single-step writers outside cg-leaf.c"
       "no limit file name outside the table in cg-limits.c"
       "no write to a cgsup_limit_file() path outside cg-leaf.c")

# Self-test: plant one violation per rule in a scratch tree.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/src/cgsupd"
cat >"$scratch/src/cgsupd/planted.c" <<'C'
static void planted(int fd) {
        (void) cg_write_file(fd, "x", "cgroup.subtree_control", "+io");
        (void) cgsup_limits_apply(fd, "x", NULL, NULL);
        (void) cg_write_file(fd, "x", "memory.max", "1");
        (void) write_string_file_at(fd, cgsup_limit_file(0), "1");
}
C
for rule in 1 2 3 4; do
        if [[ -n $(violations "$scratch" $rule) ]]; then
                ok "self-test: rule $rule catches a planted violation"
        else
                not_ok "self-test: rule $rule catches a planted violation"
        fi
done

for rule in 1 2 3 4; do
        out=$(violations "$src" $rule)
        if [[ -z $out ]]; then
                ok "${rules[$((rule - 1))]}"
        else
                not_ok "${rules[$((rule - 1))]}" "$out"
        fi
done
echo "1..$n"
exit $failed
