# bash completion for cgsup-supervisorctl                                    -*- shell-script -*-
# What supervisorctl's own shell completes: actions, then process names (group:name, group:*) or group
# names, read from the running cgsupd through `cgsup-supervisorctl status`.

_cgsup_supervisorctl_names() {
        local bus=$1 what=$2
        "${COMP_WORDS[0]}" $bus status 2>/dev/null | awk -v what="$what" '
                { spec = $1; n = index(spec, ":"); group = n ? substr(spec, 1, n - 1) : spec }
                what == "groups" { if (!(group in seen)) { seen[group] = 1; print group }; next }
                { print spec; if (n && !((group ":*") in seen)) { seen[group ":*"] = 1; print group ":*" } }'
}

# The groups of the configuration as last read that do not run (avail's "avail" lines): what add takes.
_cgsup_supervisorctl_available() {
        "${COMP_WORDS[0]}" $1 avail 2>/dev/null | awk '
                $2 == "avail" { n = index($1, ":"); group = n ? substr($1, 1, n - 1) : $1
                                if (!(group in seen)) { seen[group] = 1; print group } }'
}

_cgsup_supervisorctl() {
        local cur prev words cword
        # ':' is part of a name ("group:name"), not a word break.
        _init_completion -n : || return

        local actions="add avail clear exit fg help maintail open pid quit reload remove reread restart
                       shutdown signal start status stop tail update version"
        local opts="-c --configuration -h --help -i --interactive -s --serverurl -u --username -p --password
                    -r --history-file --user"
        local i action= bus=

        case $prev in
        -c|--configuration|-r|--history-file)
                _filedir
                return ;;
        -s|--serverurl|-u|--username|-p|--password)
                return ;;
        esac

        for ((i = 1; i < cword; i++)); do
                case ${words[i]} in
                --user) bus=--user ;;
                -c|--configuration|-s|--serverurl|-u|--username|-p|--password|-r|--history-file) ((i++)) ;;
                -*) ;;
                *) action=${words[i]}; break ;;
                esac
        done

        if [[ -z $action ]]; then
                if [[ $cur == -* ]]; then
                        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
                else
                        mapfile -t COMPREPLY < <(compgen -W "$actions" -- "$cur")
                fi
                return
        fi

        case $action in
        help)
                mapfile -t COMPREPLY < <(compgen -W "$actions" -- "$cur") ;;
        add)
                mapfile -t COMPREPLY < <(compgen -W "$(_cgsup_supervisorctl_available "$bus")" -- "$cur") ;;
        remove)
                mapfile -t COMPREPLY < <(compgen -W "$(_cgsup_supervisorctl_names "$bus" groups)" -- "$cur") ;;
        update)
                mapfile -t COMPREPLY < <(compgen -W "$(_cgsup_supervisorctl_names "$bus" groups)
                                                 $(_cgsup_supervisorctl_available "$bus")" -- "$cur") ;;
        signal)
                if ((cword == i + 1)); then
                        mapfile -t COMPREPLY < <(compgen -W "HUP INT QUIT KILL USR1 USR2 TERM STOP CONT" -- "$cur")
                else
                        mapfile -t COMPREPLY < <(compgen -W "all $(_cgsup_supervisorctl_names "$bus" processes)" -- "$cur")
                fi ;;
        tail)
                if [[ $cur == -* ]]; then
                        COMPREPLY=(-f)
                elif [[ $prev == tail || $prev == -* ]]; then
                        mapfile -t COMPREPLY < <(compgen -W "$(_cgsup_supervisorctl_names "$bus" processes)" -- "$cur")
                else
                        mapfile -t COMPREPLY < <(compgen -W "stdout stderr" -- "$cur")
                fi ;;
        clear|fg|pid|restart|start|status|stop)
                mapfile -t COMPREPLY < <(compgen -W "all $(_cgsup_supervisorctl_names "$bus" processes)" -- "$cur") ;;
        esac
        __ltrim_colon_completions "$cur"
}

complete -F _cgsup_supervisorctl cgsup-supervisorctl
