# bash completion for cgsupctl                                     -*- shell-script -*-
# Program names come from the running daemon (cgsupctl list-names); nothing is completed if it is down.
#
# Names such as "group:name" contain ':', which is in bash's COMP_WORDBREAKS: bash hands us "group" ":"
# "name" as three words and replaces only the text after the last ':'. __cgsupctl_words joins them again
# (what bash-completion's _get_comp_words_by_ref -n : does) and __cgsupctl_ltrim_colon strips the part
# before the last ':' from the candidates (its __ltrim_colon_completions), so this file needs nothing else.

# Sets words[] and cword from COMP_WORDS/COMP_CWORD with the words around each ':' joined.
__cgsupctl_words() {
        local i w joining=0
        words=()
        cword=0
        for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
                w=${COMP_WORDS[i]}
                if ((i > 0)) && [[ $w == : || $joining -eq 1 ]]; then
                        words[${#words[@]} - 1]+=$w
                else
                        words+=("$w")
                fi
                [[ $w == : ]] && joining=1 || joining=0
                ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
        done
        ((COMP_CWORD >= ${#COMP_WORDS[@]})) && { words+=(""); cword=$((${#words[@]} - 1)); }
        return 0
}

# Bash replaces only what follows the last ':' of the word: drop the part of each candidate before it.
__cgsupctl_ltrim_colon() {
        local cur=$1 prefix i
        [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]] || return 0
        prefix=${cur%"${cur##*:}"}
        for i in "${!COMPREPLY[@]}"; do
                COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
        done
}

# cgsupctl ARGS... with the daemon the command line talks to: --user's, -H HOST's.
__cgsupctl_ask() {
        local -a opts=()
        local k
        for ((k = 1; k < ${#words[@]}; k++)); do
                case ${words[k]} in
                        --user) opts+=(--user) ;;
                        -H|--host) opts+=(--host="${words[k + 1]}"); ((k++)) ;;
                        --host=*) opts+=("${words[k]}") ;;
                esac
        done
        cgsupctl "${opts[@]}" "$@" 2>/dev/null
}

# The daemon's names. Arguments go to list-names (--programs: the [program:NAME] sections, for scale).
__cgsupctl_names() {
        __cgsupctl_ask list-names "$@"
}

# show -p: the properties of the program objects (all alike), read from the first program's show.
__cgsupctl_properties() {
        local first
        first=$(__cgsupctl_names --programs | head -n 1)
        [[ -n $first ]] && __cgsupctl_ask show "$first" | sed -n '/^$/q; s/=.*//p'
}

# Signal names without SIG, as cgsupctl takes them: bash's list also has EXIT, DEBUG, ERR and RETURN (its
# traps, no signals) and JUNK(32), JUNK(33) (the numbers glibc keeps for itself).
__cgsupctl_signals() {
        compgen -A signal | sed -n 's/^SIG//p' | grep -v '^JUNK'
}

_cgsupctl() {
        local cur prev verb i words cword
        COMPREPLY=()
        __cgsupctl_words
        cur=${words[cword]}
        prev=${words[cword-1]}
        _cgsupctl_complete
        __cgsupctl_ltrim_colon "$cur"
}

_cgsupctl_complete() {

        local verbs='status show cat is-active is-failed start stop restart kill signal freeze thaw rotate clear reset-failed set-property scale health ready pid avail tail send attach run adopt
                     reread update reload shutdown validate init metrics top doctor version list-names help'
        local global_opts='--json --json=pretty --json=short --user --system --host -H --no-pager --no-legend --full -l --verbose -v -vv --help --version'

        # "--opt=VALUE": '=' is in COMP_WORDBREAKS, so bash hands us "--opt" "=" "VALUE".
        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                        -H|--host|=) ((i++)) ;;
                        -*) ;;
                        *) verb=${words[i]}; break ;;
                esac
        done

        # A value after "--opt=": complete it as if "--opt" came before (the verbs' cases look at $prev).
        if [[ $prev == = ]] && ((cword >= 2)); then
                prev=${words[cword-2]}
                # --json's value is optional: only "--json=" asks for it.
                if [[ $prev == --json ]]; then
                        COMPREPLY=($(compgen -W 'pretty short' -- "$cur"))
                        return
                fi
        elif [[ $cur == --json=* ]]; then
                # '=' is not a word break here: the whole word is replaced.
                COMPREPLY=($(compgen -W '--json=pretty --json=short' -- "$cur"))
                return
        fi

        if [[ -z $verb ]]; then
                case $prev in
                        -H|--host) COMPREPLY=($(compgen -A hostname -- "$cur")); return ;;
                esac
                if [[ $cur == -* ]]; then
                        COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
                else
                        COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
                fi
                return
        fi

        case $verb in
                start|stop|restart)
                        [[ $prev == --timeout ]] && return
                        if [[ $cur == -* ]]; then
                                local job_opts='--no-block --timeout'
                                [[ $verb == restart ]] && job_opts+=' --force'
                                COMPREPLY=($(compgen -W "$job_opts" -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                adopt)
                        [[ $prev == --name ]] && return
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '--name --tree' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "$(ps -e -o pid= 2>/dev/null)" -- "$cur"))
                        fi
                        ;;
                scale)
                        # A [program:NAME] (numprocs=), not an instance or a group:*.
                        [[ $prev == scale ]] && COMPREPLY=($(compgen -W "$(__cgsupctl_names --programs)" -- "$cur"))
                        ;;
                show)
                        case $prev in
                                -p|--property)
                                        # PROP,PROP: complete the part after the last ','.
                                        local done=
                                        [[ $cur == *,* ]] && done=${cur%,*},
                                        COMPREPLY=($(compgen -P "$done" -W "$(__cgsupctl_properties)" -- "${cur##*,}"))
                                        return ;;
                        esac
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-p --property --value' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                cat)
                        COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        ;;
                is-active|is-failed)
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-q --quiet' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                freeze|thaw|rotate|clear|reset-failed|status|pid|health|ready)
                        COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        ;;
                list-names)
                        COMPREPLY=($(compgen -W '--programs --groups' -- "$cur"))
                        ;;
                update)
                        # Groups (or all): only their changes are applied.
                        COMPREPLY=($(compgen -W "all $(__cgsupctl_names --groups)" -- "$cur"))
                        ;;
                help)
                        [[ $prev == help ]] && COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
                        ;;
                metrics)
                        COMPREPLY=($(compgen -W '--openmetrics' -- "$cur"))
                        ;;
                shutdown)
                        COMPREPLY=($(compgen -W '--now' -- "$cur"))
                        ;;
                top)
                        case $prev in
                                --sort) COMPREPLY=($(compgen -W 'cpu memory pids io restarts name state' -- "$cur")); return ;;
                                -n|--iterations|--delay) return ;;
                        esac
                        COMPREPLY=($(compgen -W '-b --batch -n --iterations --delay --sort' -- "$cur"))
                        ;;
                kill)
                        case $prev in
                                -s|--signal)
                                        COMPREPLY=($(compgen -W "$(__cgsupctl_signals)" -- "$cur"))
                                        return ;;
                        esac
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-s --signal --all --kill-whom' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                signal)
                        if [[ $prev == signal ]]; then
                                COMPREPLY=($(compgen -W "$(__cgsupctl_signals)" -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                set-property)
                        if [[ $prev == set-property ]]; then
                                COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        else
                                compopt -o nospace 2>/dev/null
                                COMPREPLY=($(compgen -W 'memory_max= memory_high= memory_swap_max= pids_max=
                                                         cpu_quota= cpu_weight= io_weight=' -- "$cur"))
                        fi
                        ;;
                tail)
                        # NAME first, then the stream: count the operands before the cursor.
                        local k n_operands=0
                        for ((k = i + 1; k < cword; k++)); do
                                case ${words[k]} in
                                        --bytes) ((k++)) ;;
                                        -*) ;;
                                        *) n_operands=$((n_operands + 1)) ;;
                                esac
                        done
                        [[ $prev == --bytes ]] && return
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-f --follow --bytes' -- "$cur"))
                        elif ((n_operands == 0)); then
                                COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        elif ((n_operands == 1)); then
                                COMPREPLY=($(compgen -W 'stdout stderr' -- "$cur"))
                        fi
                        ;;
                send)
                        # The program name (after -n), then free text.
                        local k n_words=0
                        for ((k = i + 1; k < cword; k++)); do
                                [[ ${words[k]} == -n ]] || n_words=$((n_words + 1))
                        done
                        if ((n_words == 0)); then
                                if [[ $cur == -* ]]; then
                                        COMPREPLY=($(compgen -W '-n' -- "$cur"))
                                else
                                        COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                                fi
                        fi
                        ;;
                attach)
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '--detach-key=' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                run)
                        case $prev in
                                -p|--property)
                                        compopt -o nospace 2>/dev/null
                                        COMPREPLY=($(compgen -W 'memory_max= memory_high= memory_swap_max=
                                                                 pids_max= cpu_quota= cpu_weight= io_weight=
                                                                 syscall_filter= no_new_privileges=
                                                                 runtime_max= user= directory=' -- "$cur"))
                                        return ;;
                                --timeout) return ;;
                                --cgroup) return ;;
                                --uid)
                                        COMPREPLY=($(compgen -u -- "$cur")); return ;;
                        esac
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-p --property -E --setenv --name --uid -d --same-dir
                                                         --wait --pipe -q --quiet --timeout --standalone --cgroup --' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -c -- "$cur"))
                        fi
                        ;;
                validate)
                        COMPREPLY=($(compgen -f -- "$cur"))
                        ;;
                init)
                        COMPREPLY=($(compgen -W '--force' -- "$cur") $(compgen -f -- "$cur"))
                        ;;
        esac
        # Global options come anywhere, after the verb too (not inside run's command or send's data).
        case $verb in
                run|send) ;;
                *) [[ $cur == -* ]] && COMPREPLY+=($(compgen -W "$global_opts" -- "$cur")) ;;
        esac
        return 0
}

complete -F _cgsupctl cgsupctl
