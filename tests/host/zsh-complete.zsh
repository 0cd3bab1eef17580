#!/usr/bin/zsh -f
# SPDX-License-Identifier: MIT
# zsh-complete.zsh FPATH_DIR DUMP_FILE WORDS...: the candidates zsh's completion system offers for the
# command line WORDS (the cursor at its end), one per line, as zsh itself computes them: an interactive zsh
# in a pseudo-terminal (zsh/zpty) with compinit, where compadd is wrapped to print what it is given.
# Used by test-cli-completion for _cgsupctl, as bash's function and fish's complete -C are for theirs.
zmodload zsh/zpty || exit 77
local dir=$1 dump=$2
shift 2
local line="$*"

zpty z zsh -f -i
zpty -w z "PROMPT=''; RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -d ${(q)dump}"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
# Every candidate added, between markers, instead of listing or inserting one.
# (A compadd that only asks which words match, with -O/-A/-D, adds nothing: passed through as it is.)
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi; local -a __hits; builtin compadd -O __hits "$@"; (( $#__hits )) && print -rl -- "<CA""ND>"${^__hits}; builtin compadd "$@" }'
zpty -w z 'comppostfuncs=(__cand_done); __cand_done() { print -r -- "<DO""NE>"; exit 0 }'
zpty -w -n z "$line"$'\t'
local out chunk
integer deadline=$(( SECONDS + 15 ))
# Bounded: a completion function that never returns ends the wait after 15 s.
while (( SECONDS < deadline )) && [[ $out != *'<DONE>'* ]]; do
        if zpty -r -t z chunk 2>/dev/null; then
                out+=$chunk
        else
                sleep 0.05
        fi
done
zpty -d z
[[ -n $CAND_DEBUG ]] && print -r -- "$out" >&2
# A candidate line may follow the echo of the typed line on the same terminal line: take what follows the marker.
local l
local -aU cands
for l in ${(f)out//$'\r'/}; do
        [[ $l == *'<CAND>'* ]] && cands+=("${l##*<CAND>}")
done
print -rl -- $cands
[[ $out == *'<DONE>'* ]]
