#!/bin/bash
# SPDX-License-Identifier: MIT
# Shell completion for cgsupctl against a running cgsupd: bash (the function called with COMP_WORDS as bash
# splits them, ':' included), zsh (its completion system driven in a pseudo-terminal by zsh-complete.zsh)
# and fish (asked with `complete -C`).

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sleep 1000
startsecs = 0

[program:worker]
command = sleep 1000
process_name = worker_%(process_num)d
numprocs = 2
startsecs = 0

[group:grp]
programs = worker
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"
check "web is RUNNING" wait_state web RUNNING 20
diag "list-names: $("$CGSUPCTL" list-names | tr '\n' ' ')"

# bash_complete WORD...: COMPREPLY of _cgsupctl for the words as bash splits them (COMP_WORDBREAKS has ':',
# so "grp:wor" is the three words "grp" ":" "wor"); the last word is the one being completed.
bash_complete() {
        PATH="$(dirname "$CGSUPCTL"):$PATH" DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" bash -c '
                . "$0"
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                _cgsupctl
                printf "%s\n" "${COMPREPLY[@]}"' "$CGSUP_SOURCE_DIR/shell-completion/cgsupctl.bash" "$@"
}
# expect_words "WANTED..." WORD...: every wanted candidate is offered; "-X" (not "--X") or "!X" marks one that
# must not be ("--X" is an option that must be offered).
expect_words() {
        local want=$1 out w
        shift
        out=$(bash_complete "$@")
        for w in $want; do
                if [[ $w == !* ]]; then
                        grep -qxF -- "${w#!}" <<<"$out" && { echo "offered ${w#!}:"; echo "$out"; return 1; }
                elif [[ $w == -* && $w != --* ]]; then
                        grep -qxF -- "${w#-}" <<<"$out" && { echo "offered ${w#-}:"; echo "$out"; return 1; }
                else
                        grep -qxF -- "$w" <<<"$out" || { echo "missing $w:"; echo "$out"; return 1; }
                fi
        done
        return 0
}
check "bash: verbs, show and cat among them" expect_words "show" cgsupctl sh
check "bash: cat completes names" expect_words "web" cgsupctl cat w
check "bash: help <TAB> offers the verbs" expect_words "restart reset-failed -web" cgsupctl help re
check "bash: run --<TAB> offers --cgroup" expect_words "--cgroup" cgsupctl run --c
check "bash: 'grp:wor' completes to the part after the ':' (bash keeps 'grp:')" \
        expect_words "worker_0 worker_1 -grp:worker_0" cgsupctl restart grp : wor
check "bash: 'grp:' offers the group's members" expect_words "worker_0 worker_1" cgsupctl stop grp :
check "bash: without ':' in COMP_WORDBREAKS the whole name is offered" bash -c "
        out=\$(PATH='$(dirname "$CGSUPCTL")':\$PATH DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' bash -c '
                COMP_WORDBREAKS=\${COMP_WORDBREAKS//:}
                . \"\$0\"; COMP_WORDS=(cgsupctl restart grp:wor); COMP_CWORD=2; _cgsupctl; printf \"%s\n\" \"\${COMPREPLY[@]}\"' \
                '$CGSUP_SOURCE_DIR/shell-completion/cgsupctl.bash')
        grep -qx 'grp:worker_0' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "bash: tail -f <TAB> offers names first, not streams" expect_words "web -stdout -stderr" cgsupctl tail -f ""
check "bash: tail -f NAME <TAB> offers the streams" expect_words "stdout stderr -web" cgsupctl tail -f web ""
check "bash: tail --bytes 100 <TAB>: the number is no operand" expect_words "web -stdout" cgsupctl tail --bytes 100 ""
check "bash: --json status: the verb after a global option" expect_words "web all" cgsupctl --json status ""
check "bash: kill -s <TAB> offers signals" expect_words "TERM HUP" cgsupctl kill -s ""
check "bash: kill -s <TAB> offers no shell traps or JUNK(32)" expect_words '!EXIT !DEBUG !ERR !RETURN !JUNK(32) RTMAX-1' cgsupctl kill -s ""
# Each offered signal is one cgsupctl takes: a usage error (exit 2) would be the parser refusing it.
offered_signals_accepted() {
        local s argv n=0
        for s in $(bash_complete cgsupctl kill -s ""); do
                for argv in "kill -s $s" "signal $s"; do
                        DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$CGSUPCTL" $argv web 2>/dev/null
                        [[ $? -ne 2 ]] || { echo "cgsupctl $argv web: usage error"; return 1; }
                done
                n=$((n + 1))
        done
        ((n >= 30)) || { echo "only $n signals offered"; return 1; }
}
check "bash: every signal kill -s <TAB> offers is accepted by kill and signal" offered_signals_accepted
check "bash: show web -p <TAB> offers the properties" expect_words "State StateChangeTimestamp -Name=web" cgsupctl show web -p Sta
check "bash: show -p State,Main<TAB> completes after the ','" expect_words "State,MainPID" cgsupctl show -p State,Main
check "bash: show --property=<TAB> offers them too (bash splits at '=')" expect_words "MainPID" cgsupctl show --property = Mai
check "bash: show -<TAB> offers its options" expect_words "--property --value" cgsupctl show -
check "bash: status --json=<TAB> offers the formats (bash splits at '=')" expect_words "pretty short -web" cgsupctl status --json = ""
check "bash: --json=short status <TAB>: the verb after '--json' '=' 'short'" expect_words "web all -short" cgsupctl --json = short status ""
check "bash: --json=<TAB> as one word (no '=' break)" expect_words "--json=pretty --json=short" cgsupctl status --json=
check "bash: top --sort=<TAB> offers the keys" expect_words "cpu memory" cgsupctl top --sort = ""
check "bash: scale <TAB> offers [program:x] names, not instances or group:*" \
        expect_words "worker web -grp:* -grp:worker_0 -all" cgsupctl scale ""
check "bash: update <TAB> offers groups and all, not instances or group:*" \
        expect_words "grp web all -grp:* -grp:worker_0 -worker_0" cgsupctl update ""
check "list-names --groups: each group once" bash -c "[[ \$(DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' list-names --groups | sort | tr '\n' ' ') == 'grp web ' ]]"
check "bash: global options after the verb (status --no-<TAB>)" expect_words "--no-pager --no-legend" cgsupctl status --no
check "bash: is-active -<TAB> offers -q and the global options" expect_words "--quiet --json" cgsupctl is-active -
check "bash: no global options inside run's command" expect_words "!--json" cgsupctl run --wait -- sleep --j
check "list-names --json: the same names as the text, group:* included" bash -c "
        a=\$(DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' list-names)
        b=\$(DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' --json=short list-names | python3 -c 'import json,sys; print(chr(10).join(json.load(sys.stdin)[\"names\"]))')
        [[ \$a == \"\$b\" ]] && grep -qx 'grp:\*' <<<\"\$b\" || { echo \"\$a\"; echo --; echo \"\$b\"; exit 1; }"
check "list-names --programs: the sections, each once" bash -c "[[ \$(DBUS_SYSTEM_BUS_ADDRESS='$BUS_ADDRESS' '$CGSUPCTL' list-names --programs | sort | tr '\n' ' ') == 'web worker ' ]]"
# One call for every program (-vv traces each call: "cgsupctl: -> PATH IFACE.METHOD(...)"), not one per instance.
sections_in_one_call() {
        local calls
        calls=$(DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDRESS "$CGSUPCTL" -vv list-names --programs 2>&1 >/dev/null | grep ' -> ')
        [[ $(wc -l <<<"$calls") -eq 1 ]] && grep -q 'ListProgramSections' <<<"$calls" || { echo "$calls"; return 1; }
}
check "list-names --programs: one bus call (ListProgramSections), whatever the number of programs" sections_in_one_call

if command -v zsh >/dev/null; then
        check "zsh: _cgsupctl parses (zsh -n)" zsh -n "$CGSUP_SOURCE_DIR/shell-completion/_cgsupctl"
        check "zsh: _cgsupctl loads as a completion function (compinit)" zsh -f -c "
                fpath=('$CGSUP_SOURCE_DIR/shell-completion' \$fpath); autoload -Uz compinit; compinit -u -d '$TEST_DIR/zcompdump'
                [[ \${_comps[cgsupctl]} == _cgsupctl ]]"
        # zsh_complete WORD...: the candidates zsh offers for the line (tests/host/zsh-complete.zsh drives an
        # interactive zsh in a pseudo-terminal and records what the completion functions add).
        zsh_complete() {
                PATH="$(dirname "$CGSUPCTL"):$PATH" DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" \
                        zsh -f "$CGSUP_SOURCE_DIR/tests/host/zsh-complete.zsh" "$CGSUP_SOURCE_DIR/shell-completion" \
                        "$TEST_DIR/zcompdump" "$@"
        }
        # zsh_expect "WANTED..." WORD...: every wanted candidate is offered ("-" marks one that must not be).
        zsh_expect() {
                local want=$1 out w
                shift
                out=$(zsh_complete "$@") || { echo "zsh did not finish completing: $out"; return 1; }
                for w in $want; do
                        if [[ $w == -* && $w != --* ]]; then
                                grep -qxF -- "${w#-}" <<<"$out" && { echo "offered ${w#-}:"; echo "$out"; return 1; }
                        else
                                grep -qxF -- "$w" <<<"$out" || { echo "missing $w:"; echo "$out"; return 1; }
                        fi
                done
                return 0
        }
        check "zsh: verbs (res -> restart, reset-failed; not status)" zsh_expect "restart reset-failed -status" cgsupctl res
        check "zsh: program names from the daemon, and all" zsh_expect "web all" cgsupctl restart ""
        check "zsh: a group member as group:name" zsh_expect "grp:worker_0 grp:worker_1" cgsupctl stop grp
        check "zsh: kill -s offers signals" zsh_expect "TERM -HUP" cgsupctl kill -s T
        check "zsh: show -p <TAB> offers the properties" zsh_expect "State StateChangeTimestamp -web" cgsupctl show -p Sta
        check "zsh: help <TAB> offers the verbs" zsh_expect "restart reset-failed -web" cgsupctl help res
        check "zsh: tail NAME offers the streams" zsh_expect "stdout stderr -web" cgsupctl tail web ""
        check "zsh: top --sort= offers the keys" zsh_expect "cpu memory pids io restarts name state" cgsupctl top --sort=
        check "zsh: adopt's options" zsh_expect "--name --tree" cgsupctl adopt --
        check "zsh: global options" zsh_expect "--json --no-pager --user" cgsupctl --
        check "zsh: global options after the verb (stop --<TAB>)" zsh_expect "--no-block --json --no-pager" cgsupctl stop --
        check "zsh: is-active offers --quiet" zsh_expect "--quiet" cgsupctl is-active --
        check "zsh: status --json=<TAB> offers the formats" zsh_expect "pretty short" cgsupctl status --json=
        check "zsh: update <TAB> offers groups and all, not instances" zsh_expect "grp web all -grp:worker_0" cgsupctl update ""
        check "zsh: scale <TAB> offers [program:x] names, not instances or group:*" zsh_expect "worker web -grp:worker_0 -all" cgsupctl scale ""
else
        tap_skip "zsh: completion checks" "zsh not installed (ENOENT)"
fi

if command -v fish >/dev/null; then
        FISH_FILE="$CGSUP_SOURCE_DIR/shell-completion/cgsupctl.fish"
        fish_complete() {
                PATH="$(dirname "$CGSUPCTL"):$PATH" DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDRESS" HOME="$TEST_DIR" \
                        XDG_CONFIG_HOME="$TEST_DIR/fish-config" XDG_DATA_HOME="$TEST_DIR/fish-data" \
                        fish --no-config -c "source '$FISH_FILE'; complete -C '$1'" | cut -f1
        }
        check "fish: the file parses (fish -n)" fish -n "$FISH_FILE"
        check "fish: verbs" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                fish_complete 'cgsupctl res' | grep -qx restart && fish_complete 'cgsupctl res' | grep -qx reset-failed"
        check "fish: program names from the daemon" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                out=\$(fish_complete 'cgsupctl restart '); grep -qx web <<<\"\$out\" && grep -qx all <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
        check "fish: tail -f <TAB> offers names, then the streams" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                a=\$(fish_complete 'cgsupctl tail -f '); b=\$(fish_complete 'cgsupctl tail -f web ')
                grep -qx web <<<\"\$a\" && ! grep -qx stdout <<<\"\$a\" && grep -qx stdout <<<\"\$b\" && ! grep -qx web <<<\"\$b\" || { echo \"\$a\"; echo --; echo \"\$b\"; exit 1; }"
        check "fish: show -p <TAB> offers the properties" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                out=\$(fish_complete 'cgsupctl show -p Sta'); grep -qx State <<<\"\$out\" && grep -qx StateChangeTimestamp <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
        check "fish: status --json=<TAB> offers the formats" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                out=\$(fish_complete 'cgsupctl status --json='); grep -qx -- --json=pretty <<<\"\$out\" && grep -qx -- --json=short <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
        check "fish: update <TAB> offers groups and all, not instances" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                out=\$(fish_complete 'cgsupctl update '); grep -qx grp <<<\"\$out\" && grep -qx all <<<\"\$out\" && ! grep -q 'grp:' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
        check "fish: scale <TAB> offers [program:x] names, not instances or group:*" bash -c "$(declare -f fish_complete); CGSUPCTL='$CGSUPCTL' BUS_ADDRESS='$BUS_ADDRESS' TEST_DIR='$TEST_DIR' FISH_FILE='$FISH_FILE'
                out=\$(fish_complete 'cgsupctl scale '); grep -qx worker <<<\"\$out\" && ! grep -q 'grp:' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
else
        tap_skip "fish: completion checks" "fish not installed (ENOENT)"
fi

tap_done
