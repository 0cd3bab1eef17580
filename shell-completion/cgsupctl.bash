# bash completion for cgsupctl                                     -*- shell-script -*-
# Program names come from the running daemon (cgsupctl list-names); nothing is completed if it is down.

__cgsupctl_names() {
        local -a opts=()
        local w
        for w in "${COMP_WORDS[@]}"; do
                case $w in
                        --user) opts+=(--user) ;;
                esac
        done
        cgsupctl "${opts[@]}" list-names 2>/dev/null
}

_cgsupctl() {
        local cur prev verb i
        COMPREPLY=()
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}

        local verbs='status show is-active is-failed start stop restart kill signal freeze thaw rotate reset-failed set-property scale health ready pid avail tail send attach run
                     reread update reload shutdown validate init metrics top doctor version list-names help'
        local global_opts='--json --json=pretty --json=short --user --system --host -H --no-pager --help --version'

        for ((i = 1; i < COMP_CWORD; i++)); do
                case ${COMP_WORDS[i]} in
                        -H|--host) ((i++)) ;;
                        -*) ;;
                        *) verb=${COMP_WORDS[i]}; break ;;
                esac
        done

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
                                COMPREPLY=($(compgen -W '--no-block --timeout' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                scale)
                        [[ $prev == scale ]] && COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        ;;
                show)
                        case $prev in
                                -p|--property) return ;;
                        esac
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-p --property --value' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "$(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                freeze|thaw|rotate|reset-failed|status|pid|is-active|is-failed|health|ready)
                        COMPREPLY=($(compgen -W "all $(__cgsupctl_names)" -- "$cur"))
                        ;;
                metrics)
                        COMPREPLY=($(compgen -W '--openmetrics' -- "$cur"))
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
                                        COMPREPLY=($(compgen -W "$(compgen -A signal | sed 's/^SIG//')" -- "$cur"))
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
                                COMPREPLY=($(compgen -W "$(compgen -A signal | sed 's/^SIG//')" -- "$cur"))
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
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-f --follow' -- "$cur"))
                        else
                                COMPREPLY=($(compgen -W "stdout stderr $(__cgsupctl_names)" -- "$cur"))
                        fi
                        ;;
                send)
                        # The program name (after -n), then free text.
                        local k n_words=0
                        for ((k = i + 1; k < COMP_CWORD; k++)); do
                                [[ ${COMP_WORDS[k]} == -n ]] || n_words=$((n_words + 1))
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
                                                                 user= directory=' -- "$cur"))
                                        return ;;
                                --uid)
                                        COMPREPLY=($(compgen -u -- "$cur")); return ;;
                        esac
                        if [[ $cur == -* ]]; then
                                COMPREPLY=($(compgen -W '-p --property -E --setenv --name --uid -d --same-dir
                                                         --wait --pipe -q --quiet --standalone --' -- "$cur"))
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
}

complete -F _cgsupctl cgsupctl
