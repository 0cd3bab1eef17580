# fish completion for cgsupctl. Program names come from the running daemon (cgsupctl list-names);
# nothing is completed if it is down.

function __cgsupctl_names
    set -l opts
    contains -- --user (commandline -opc); and set opts --user
    cgsupctl $opts list-names $argv 2>/dev/null
end

# show -p: the program objects' properties (all alike), from the first program's show.
function __cgsupctl_properties
    set -l opts
    contains -- --user (commandline -opc); and set opts --user
    set -l first (cgsupctl $opts list-names --programs 2>/dev/null)[1]
    test -n "$first"; or return
    cgsupctl $opts show $first 2>/dev/null | string replace -rf '=.*' ''
end

# The first word after the options that is not an option (and not -H's host): the verb, or nothing.
function __cgsupctl_verb
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case -H --host
                set skip 1
            case '-*'
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

function __cgsupctl_no_verb
    not __cgsupctl_verb >/dev/null
end

function __cgsupctl_verb_is
    contains -- (__cgsupctl_verb) $argv
end

# tail NAME [stdout|stderr]: how many operands come before the cursor.
function __cgsupctl_tail_operands
    set -l words (commandline -opc)
    set -l n 0
    set -l seen 0
    set -l skip 0
    for w in $words[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $w
            case --bytes -H --host
                set skip 1
            case '-*'
            case '*'
                if test $seen -eq 0
                    set seen 1
                else
                    set n (math $n + 1)
                end
        end
    end
    test $n -eq $argv[1]
end

complete -c cgsupctl -f

# Global options (anywhere on the line).
complete -c cgsupctl -l json -f -a 'pretty short' -d 'print JSON'
complete -c cgsupctl -l system -d 'the system instance'
complete -c cgsupctl -l user -d 'the user instance (session bus)'
complete -c cgsupctl -s H -l host -x -a '(__fish_print_hostnames)' -d 'a remote host, over ssh'
complete -c cgsupctl -l no-pager -d 'do not page output'
complete -c cgsupctl -l no-legend -d 'no table header'
complete -c cgsupctl -s l -l full -d 'do not shorten table cells'
complete -c cgsupctl -s v -l verbose -d 'more detail (twice: trace D-Bus calls)'
complete -c cgsupctl -s h -l help -d 'show help'
complete -c cgsupctl -l version -d 'show version'

# Verbs.
set -l verb_list \
    'status\tshow programs' \
    'show\tevery property of programs, KEY=VALUE' \
    'cat\tconfiguration of programs with file:line' \
    'is-active\twhether programs are running' \
    'is-failed\twhether programs have failed' \
    'start\tstart programs' \
    'stop\tstop programs' \
    'restart\trestart programs' \
    'kill\tsend a signal' \
    'signal\tsend a signal (supervisorctl form)' \
    'freeze\tfreeze programs' \
    'thaw\tthaw programs' \
    'rotate\trotate log files now' \
    'clear\tempty log files' \
    'reset-failed\tforget that programs failed' \
    'set-property\tchange limits live' \
    'scale\trun N instances of a numprocs program' \
    'health\tliveness of programs' \
    'ready\treadiness of programs' \
    'pid\tmain PIDs' \
    'avail\tconfigured programs' \
    'tail\tprogram output' \
    'send\twrite to the stdin of a program' \
    'attach\tconnect the terminal to a program' \
    'run\trun a transient program' \
    'adopt\tmove an outside process into a transient program' \
    'reread\tshow configuration changes' \
    'update\tapply configuration changes' \
    'reload\treload the configuration' \
    'shutdown\tstop everything and cgsupd' \
    'validate\tcheck a configuration file' \
    'init\tprint a sample configuration with every key' \
    'metrics\tall figures in Prometheus text format' \
    'top\tlive view of every program' \
    'doctor\twhat this host can enforce' \
    'version\tversions' \
    'list-names\tprogram names' \
    'help\thelp of a command'
complete -c cgsupctl -n __cgsupctl_no_verb -a "(printf '%s\n' $verb_list)"

# Verbs that take program names (and all).
complete -c cgsupctl -n '__cgsupctl_verb_is start stop restart kill signal freeze thaw rotate clear reset-failed status pid is-active is-failed health ready show cat' \
    -a '(__cgsupctl_names)' -d program
complete -c cgsupctl -n '__cgsupctl_verb_is start stop restart kill freeze thaw reset-failed status pid is-active is-failed health ready' -a all -d 'every program'
complete -c cgsupctl -n '__cgsupctl_verb_is set-property send attach' -a '(__cgsupctl_names)' -d program
# scale takes a [program:NAME] (numprocs=), not an instance or a group:*.
complete -c cgsupctl -n '__cgsupctl_verb_is scale; and __cgsupctl_tail_operands 0' -a '(__cgsupctl_names --programs)' -d program

complete -c cgsupctl -n '__cgsupctl_verb_is start stop restart' -l no-block -d 'return once the jobs are queued'
complete -c cgsupctl -n '__cgsupctl_verb_is start stop restart' -l timeout -x -d 'bound the wait (DURATION)'
complete -c cgsupctl -n '__cgsupctl_verb_is restart' -l force -d 'kill the cgroup at once (no stop signal, no grace)'
complete -c cgsupctl -n '__cgsupctl_verb_is shutdown' -l now -d 'skip the graceful stop: kill every cgroup at once'
complete -c cgsupctl -n '__cgsupctl_verb_is is-active is-failed' -s q -l quiet -d 'only the exit status'
complete -c cgsupctl -n '__cgsupctl_verb_is list-names' -l programs -d 'the program sections (for scale)'
complete -c cgsupctl -n '__cgsupctl_verb_is list-names' -l groups -d 'the groups (for update)'
# update takes groups (or all): only their changes are applied.
complete -c cgsupctl -n '__cgsupctl_verb_is update' -a '(__cgsupctl_names --groups) all' -d group
complete -c cgsupctl -n '__cgsupctl_verb_is show' -s p -l property -x -a '(__cgsupctl_properties)' -d 'only these properties'
complete -c cgsupctl -n '__cgsupctl_verb_is show' -l value -d 'values only'
complete -c cgsupctl -n '__cgsupctl_verb_is kill' -s s -l signal -x -a 'HUP INT QUIT KILL USR1 USR2 TERM CONT STOP TSTP WINCH' -d signal
complete -c cgsupctl -n '__cgsupctl_verb_is kill' -l all -d 'every process in the cgroup'
complete -c cgsupctl -n '__cgsupctl_verb_is set-property' -a 'memory_max= memory_high= memory_swap_max= pids_max= cpu_quota= cpu_weight= io_weight=' -d limit

# tail: the name first, then the stream.
complete -c cgsupctl -n '__cgsupctl_verb_is tail; and __cgsupctl_tail_operands 0' -a '(__cgsupctl_names)' -d program
complete -c cgsupctl -n '__cgsupctl_verb_is tail; and __cgsupctl_tail_operands 1' -a 'stdout stderr' -d stream
complete -c cgsupctl -n '__cgsupctl_verb_is tail' -s f -l follow -d 'keep printing new output'
complete -c cgsupctl -n '__cgsupctl_verb_is tail' -l bytes -x -d 'how much of the end to show'

complete -c cgsupctl -n '__cgsupctl_verb_is run' -s p -l property -x -a 'memory_max= memory_high= memory_swap_max= pids_max= cpu_quota= cpu_weight= io_weight= syscall_filter= no_new_privileges= runtime_max= user= directory=' -d property
complete -c cgsupctl -n '__cgsupctl_verb_is run' -s E -l setenv -x -d 'environment variable (KEY=VALUE)'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -l name -x -d 'program name'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -l uid -x -a '(__fish_complete_users)' -d 'run as user (root only)'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -s d -l same-dir -d 'use the current directory'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -l wait -d 'wait for the end'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -l pipe -d 'connect stdin/stdout/stderr'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -s q -l quiet -d 'no report'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -l timeout -x -d 'end the whole tree after DURATION'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -l standalone -d 'without the daemon'
complete -c cgsupctl -n '__cgsupctl_verb_is run' -a '(__fish_complete_command)'

complete -c cgsupctl -n '__cgsupctl_verb_is adopt' -a '(__fish_complete_pids)'
complete -c cgsupctl -n '__cgsupctl_verb_is adopt' -l name -x -d 'program name'
complete -c cgsupctl -n '__cgsupctl_verb_is adopt' -l tree -d 'also every descendant'

complete -c cgsupctl -n '__cgsupctl_verb_is metrics' -l openmetrics -d 'OpenMetrics text'
complete -c cgsupctl -n '__cgsupctl_verb_is top' -s b -l batch -d 'plain frames for scripts'
complete -c cgsupctl -n '__cgsupctl_verb_is top' -s n -l iterations -x -d 'frames before exiting'
complete -c cgsupctl -n '__cgsupctl_verb_is top' -l delay -x -d 'refresh interval'
complete -c cgsupctl -n '__cgsupctl_verb_is top' -l sort -x -a 'cpu memory pids io restarts name state' -d 'order'
complete -c cgsupctl -n '__cgsupctl_verb_is validate' -F
complete -c cgsupctl -n '__cgsupctl_verb_is help' -a "(printf '%s\n' $verb_list)"
