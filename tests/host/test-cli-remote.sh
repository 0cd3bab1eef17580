#!/bin/bash
# SPDX-License-Identifier: MIT
# cgsupctl -H [USER@]HOST for real: an sshd (Debian's openssh-server) on the loopback of a network
# namespace this test creates, with a host key and a client key made here, and a private system bus that
# the remote side's systemd-stdio-bridge reaches. systemd 252's bridge ignores DBUS_SYSTEM_BUS_ADDRESS and
# connects to /run/dbus/system_bus_socket, so the test runs in a mount namespace of its own too, with a
# tmpfs on /run where that socket is a link to the private bus. Nothing of the host's configuration is
# read or changed: sshd runs with -f on a file of the test, root's ~/.ssh is not used (an `ssh` wrapper first
# in PATH gives the key and an empty known-hosts file), and both namespaces end with the test.
# -H --user: cgsupctl has the remote bridge connect to $XDG_RUNTIME_DIR/bus, which sshd sets (SetEnv) to a
# directory where the link points to a second private bus with a cgsupd --user on it.

if [[ -z ${CGSUP_REMOTE_NS:-} ]]; then
        [[ $(id -u) -eq 0 ]] || { echo "1..0 # SKIP needs root (namespaces, sshd)"; exit 0; }
        SSHD=${CGSUP_TEST_SSHD:-$(command -v sshd || echo /usr/sbin/sshd)}
        [[ -x $SSHD ]] || { echo "1..0 # SKIP sshd not installed (openssh-server, ENOENT)"; exit 0; }
        for tool in ssh ssh-keygen unshare systemd-stdio-bridge ip; do
                command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool not installed (ENOENT)"; exit 0; }
        done
        # A new network namespace (only its own loopback) and mount namespace (its own /run), both gone
        # when this process ends.
        if ! unshare --net --mount --propagation private true 2>/dev/null; then
                echo "1..0 # SKIP cannot create network and mount namespaces (EPERM)"
                exit 0
        fi
        CGSUP_REMOTE_NS=1 SSHD=$SSHD exec unshare --net --mount --propagation private bash "$0" "$@"
fi

. "$(dirname "$0")/bus-lib.sh"

bus_test_setup
ip link set lo up || { echo "Bail out! cannot bring up lo in the test's network namespace"; exit 1; }
mount -t tmpfs -o mode=0755 cgsup-remote-test /run || { echo "Bail out! cannot mount a tmpfs on /run"; exit 1; }
mkdir -p /run/dbus /run/sshd /run/user/0
chmod 0700 /run/user/0
ln -s "$TEST_DIR/bus" /run/dbus/system_bus_socket
# sshd's privilege separation needs a user "sshd": openssh-server's package makes it; without it (sshd not
# installed from the package) the test's mount namespace gets a passwd that has one.
if ! getent passwd sshd >/dev/null; then
        cp /etc/passwd "$TEST_DIR/passwd"
        echo 'sshd:x:64999:65534::/run/sshd:/usr/sbin/nologin' >>"$TEST_DIR/passwd"
        mount --bind "$TEST_DIR/passwd" /etc/passwd
fi

remote_cleanup() {
        [[ -n ${SSHD_PID:-} ]] && stop_pid "$SSHD_PID"
        [[ -n ${UCGSUPD_PID:-} ]] && stop_pid "$UCGSUPD_PID"
        [[ -n ${UDBUS_PID:-} ]] && stop_pid "$UDBUS_PID"
        if [[ -n ${UCG:-} && -d $CG_MOUNT/$UCG ]]; then
                echo 1 >"$CG_MOUNT/$UCG/cgroup.kill" 2>/dev/null
                find "$CG_MOUNT/$UCG" -depth -type d 2>/dev/null | while read -r d; do rmdir "$d" 2>/dev/null; done
        fi
        bus_cleanup
}
trap remote_cleanup EXIT

cat >"$TEST_DIR/cgsup.conf" <<EOF
[program:web]
command = sh -c 'echo web says hello over ssh; exec sleep 1000'
startsecs = 0

[program:idle]
command = sleep 1000
autostart = false
EOF
start_daemon_or_bail "$TEST_DIR/cgsup.conf"

# ---- sshd on 127.0.0.1 of the namespace, keys made here ----
ssh-keygen -q -t ed25519 -N '' -f "$TEST_DIR/host_key" || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$TEST_DIR/client_key" || exit 1
cp "$TEST_DIR/client_key.pub" "$TEST_DIR/authorized_keys"
cat >"$TEST_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port 22
HostKey $TEST_DIR/host_key
AuthorizedKeysFile $TEST_DIR/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile none
SetEnv XDG_RUNTIME_DIR=/run/user/0
EOF
"$SSHD" -D -e -f "$TEST_DIR/sshd_config" 2>"$TEST_DIR/sshd.log" &
SSHD_PID=$!
mkdir -p "$TEST_DIR/sshbin"
cat >"$TEST_DIR/sshbin/ssh" <<EOF
#!/bin/sh
exec $(command -v ssh) -F none -i "$TEST_DIR/client_key" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "\$@"
EOF
chmod 0755 "$TEST_DIR/sshbin/ssh"
export PATH="$TEST_DIR/sshbin:$PATH"
sshd_up=0
for _ in $(seq 1 100); do
        ssh root@127.0.0.1 true 2>/dev/null && { sshd_up=1; break; }
        kill -0 "$SSHD_PID" 2>/dev/null || break
        sleep 0.1
done
if [[ $sshd_up -ne 1 ]]; then
        tap_fail "sshd answers on 127.0.0.1 with the test's key"
        sed 's/^/#   /' "$TEST_DIR/sshd.log" | tail -n 20
        tap_done
        exit 1
fi
tap_ok "sshd answers on 127.0.0.1 with the test's key"

# The remote side must not see this shell's bus address: only the bridge's default socket leads to cgsupd.
remote() {
        env -u DBUS_SYSTEM_BUS_ADDRESS -u DBUS_SESSION_BUS_ADDRESS "$CGSUPCTL" -H root@127.0.0.1 "$@"
}
check "-H: status lists the remote programs" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'
        out=\$(remote status); grep -q '^web *RUNNING' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "-H: start idle waits for RUNNING" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'
        [[ \$(remote start idle) == 'idle: started' ]]"
check "the local bus sees what -H did" wait_state idle RUNNING 10
check "-H: stop idle" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; [[ \$(remote stop idle) == 'idle: stopped' ]]"
check "-H: show -p State --value web" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; [[ \$(remote show -p State --value web) == RUNNING ]]"
check "-H: cat web" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; remote cat web | grep -q '^command = sh -c'"
check "-H: tail shows the program's output" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'
        out=\$(remote tail web); grep -qx 'web says hello over ssh' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "-H: --json works (D-Bus methods only)" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; remote --json status | python3 -m json.tool >/dev/null"
check "-H: top -b -n 1 shows the remote programs" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'
        out=\$(remote top -b -n 1); grep -q '^web  *RUNNING ' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
check "-H: an unknown program is exit 4, as locally" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; remote status nope >/dev/null 2>&1; [[ \$? -eq 4 ]]"
check "-H: run --pipe says plainly it needs a local bus (exit 2)" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'
        remote run --pipe -- true 2>'$TEST_DIR/pipe.err'; rc=\$?; [[ \$rc -eq 2 ]] && grep -q 'remote' '$TEST_DIR/pipe.err'"
check "-H: run --standalone says it runs here only (exit 2)" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; remote run --standalone -- true 2>/dev/null; [[ \$? -eq 2 ]]"
check "-H: doctor says it checks the local host only (exit 2)" bash -c "$(declare -f remote); CGSUPCTL='$CGSUPCTL'; remote doctor 2>/dev/null; [[ \$? -eq 2 ]]"
check "-H as a user sshd refuses: exit 1, our line names the host" bash -c "
        out=\$(env -u DBUS_SYSTEM_BUS_ADDRESS '$CGSUPCTL' -H no-such-user-cgsup@127.0.0.1 status 2>&1); rc=\$?
        [[ \$rc -eq 1 ]] && grep -q '^cgsupctl: cannot reach cgsupd on the system bus on no-such-user-cgsup@127.0.0.1' <<<\"\$out\" ||
                { echo \"rc=\$rc: \$out\"; exit 1; }"

# ---- -H --user: the bridge's --user, to root's session bus on the remote side ----
UCG="$CG_SUBTREE-user"
write_bus_conf "$TEST_DIR/ubus.conf" session "$TEST_DIR/ubus"
dbus-daemon --config-file="$TEST_DIR/ubus.conf" --nofork --nopidfile --nosyslog 2>"$TEST_DIR/ubus.log" &
UDBUS_PID=$!
for _ in $(seq 1 100); do [[ -S $TEST_DIR/ubus ]] && break; sleep 0.05; done
ln -s "$TEST_DIR/ubus" /run/user/0/bus
cat >"$TEST_DIR/user.conf" <<EOF
[program:mine]
command = sleep 1000
startsecs = 0
EOF
XDG_RUNTIME_DIR=/run/user/0 DBUS_SESSION_BUS_ADDRESS="unix:path=$TEST_DIR/ubus" "$CGSUPD" --user -c "$TEST_DIR/user.conf" --cgroup "$UCG" \
        >"$TEST_DIR/ucgsupd.log" 2>&1 &
UCGSUPD_PID=$!
up=0
for _ in $(seq 1 200); do
        busctl --address="unix:path=$TEST_DIR/ubus" call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms \
                >/dev/null 2>&1 && { up=1; break; }
        kill -0 "$UCGSUPD_PID" 2>/dev/null || break
        sleep 0.05
done
if [[ $up -eq 1 ]]; then
        check "-H --user: status lists the user instance's programs, not the system's" bash -c "
                out=\$(env -u DBUS_SYSTEM_BUS_ADDRESS -u DBUS_SESSION_BUS_ADDRESS '$CGSUPCTL' --user -H root@127.0.0.1 list-names)
                [[ \$out == mine ]] || { echo \"\$out\"; exit 1; }"
        check "-H --user: top -b -n 1 shows the user instance's programs" bash -c "
                out=\$(env -u DBUS_SYSTEM_BUS_ADDRESS -u DBUS_SESSION_BUS_ADDRESS '$CGSUPCTL' --user -H root@127.0.0.1 top -b -n 1)
                grep -q '^mine  *RUNNING ' <<<\"\$out\" && ! grep -q '^web ' <<<\"\$out\" || { echo \"\$out\"; exit 1; }"
else
        tap_fail "-H --user: a cgsupd --user on the second bus" 
        sed 's/^/#   /' "$TEST_DIR/ucgsupd.log" | tail -n 20
fi

tap_done
