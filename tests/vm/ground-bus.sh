#!/bin/bash
# Ground truth for the VM tier: the system bus answers root and the unprivileged test user, and systemd
# (the manager cgsupd runs under) is reachable on it.
set -u
source "$(dirname "$0")/lib.sh"

check "system bus socket exists" test -S /run/dbus/system_bus_socket
check "dbus.service is active" systemctl is-active --quiet dbus.service

bus_id() {
        "$@" busctl --system --timeout=60 call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetId
}
root_id=$(bus_id env 2>&1) || true
if [[ $root_id =~ ^s\ \"[0-9a-f]{32}\"$ ]]; then
        ok "root: org.freedesktop.DBus.GetId answers"
else
        not_ok "root: org.freedesktop.DBus.GetId answers" "reply: $root_id"
fi
user_id=$(bus_id as_user 2>&1) || true
if [[ -n $user_id && $user_id == "$root_id" ]]; then
        ok "cgsuptest: the same bus answers"
else
        not_ok "cgsuptest: the same bus answers" "reply: $user_id"
fi

version=$(busctl --system --timeout=60 get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 \
          org.freedesktop.systemd1.Manager Version 2>&1) || true
if [[ $version =~ ^s\ \"[0-9]+ ]]; then
        ok "systemd answers on the system bus ($version)"
else
        not_ok "systemd answers on the system bus" "reply: $version"
fi

names=$(busctl --system --timeout=60 call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
        ListActivatableNames 2>&1) || true
if [[ $names == *'"org.freedesktop.PolicyKit1"'* ]]; then
        ok "polkitd is activatable on the system bus"
else
        not_ok "polkitd is activatable on the system bus" "reply: $names"
fi
