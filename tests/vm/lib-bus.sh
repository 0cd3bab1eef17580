# shellcheck shell=bash
# Shared by tests/vm/bus-*.sh (sourced after lib.sh): a system cgsupd with a test configuration.

CGSUP_CONF_DIR=/etc/cgsup

# Bounded waits: everything is slow under TCG.
bus_wait_name() {
        wait_for "${1:-120}" busctl --system --timeout=30 call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms
}

# write_system_config: /etc/cgsup/cgsup.conf with a stopped program "idle" and a running "web".
write_system_config() {
        mkdir -p "$CGSUP_CONF_DIR"
        [[ -e $CGSUP_CONF_DIR/cgsup.conf ]] && cp "$CGSUP_CONF_DIR/cgsup.conf" "$CGSUP_CONF_DIR/cgsup.conf.vmtest-saved"
        cat >"$CGSUP_CONF_DIR/cgsup.conf" <<'CONF'
[program:web]
command = sleep infinity
startsecs = 0

[program:idle]
command = sleep infinity
autostart = false
startsecs = 0
CONF
        on_exit restore_system_config
}

restore_system_config() {
        if [[ -e $CGSUP_CONF_DIR/cgsup.conf.vmtest-saved ]]; then
                mv "$CGSUP_CONF_DIR/cgsup.conf.vmtest-saved" "$CGSUP_CONF_DIR/cgsup.conf"
        else
                rm -f "$CGSUP_CONF_DIR/cgsup.conf"
        fi
}

have_unit() {
        systemctl cat cgsupd.service >/dev/null 2>&1
}

# start_system_cgsupd: the installed unit when there is one, else an equivalent transient unit.
start_system_cgsupd() {
        if have_unit; then
                systemctl restart cgsupd.service || return 1
                on_exit systemctl stop cgsupd.service
        else
                systemd-run --unit=cgsupd -p Type=notify -p Delegate=yes -p BusName=org.cgsup1 \
                        -p NotifyAccess=main /usr/bin/cgsupd || return 1
                on_exit systemctl stop cgsupd.service
        fi
        bus_wait_name 120
}

# program_state NAME: State property as seen by root.
program_state() {
        busctl --system get-property org.cgsup1 "/org/cgsup1/program/$1" org.cgsup1.Program State | cut -d'"' -f2
}

# user_send METHOD ARGS...: dbus-send as the test user, printing the reply or "Error <name>: ...".
user_send() {
        local method=$1
        shift
        as_user dbus-send --system --print-reply --reply-timeout=60000 --dest=org.cgsup1 /org/cgsup1 \
                "org.cgsup1.Manager.$method" "$@" 2>&1
}

# A program that needs more memory than a limit allows.
hog_command() {
        if [[ -n ${CGSUP_HOG:-} && -x $CGSUP_HOG ]]; then
                echo "$CGSUP_HOG mem 256M 1"
        else
                echo "sh -c 'x=\$(head -c 268435456 /dev/zero | tr \"\\\\000\" a); echo \${#x}'"
        fi
}
