#!/bin/bash
# SPDX-License-Identifier: MIT
# D-Bus activation: with cgsupd stopped, a method call on org.cgsup1 starts cgsupd.service through
# /usr/share/dbus-1/system-services/org.cgsup1.service, and the call is answered.
set -u
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib-bus.sh"

[[ -e /usr/share/dbus-1/system-services/org.cgsup1.service ]] || skip_all "org.cgsup1.service not installed"
systemctl cat cgsupd.service >/dev/null 2>&1 || skip_all "cgsupd.service not installed"

write_system_config
systemctl stop cgsupd.service 2>/dev/null
on_exit systemctl stop cgsupd.service
check "cgsupd is not running" bash -c "! systemctl is-active --quiet cgsupd.service"
check "bus policy lets root own org.cgsup1 (policy file installed)" test -e /usr/share/dbus-1/system.d/org.cgsup1.conf

out=$(busctl --system --timeout=120 call org.cgsup1 /org/cgsup1 org.cgsup1.Manager ListPrograms 2>&1)
if grep -q '"web"' <<<"$out"; then
        ok "a call to org.cgsup1 activates cgsupd and is answered"
else
        not_ok "a call to org.cgsup1 activates cgsupd and is answered" "$out" "$(journalctl -u cgsupd --no-pager -n 30 2>&1)"
fi
check "cgsupd.service is active after activation" systemctl is-active cgsupd.service
check "the unit's main process owns the name" bash -c "
        [[ \$(busctl --system get-property org.cgsup1 /org/cgsup1 org.cgsup1.Manager PID | cut -d' ' -f2) == \$(systemctl show -P MainPID cgsupd.service) ]]"
check "cgsupctl works after activation" cgsupctl status web
check "programs run below the subtree cgsupd reports, under system.slice" bash -c "
        top=\$(busctl --system get-property org.cgsup1 /org/cgsup1 org.cgsup1.Manager CGroup | cut -d'\"' -f2)
        cg=\$(busctl --system get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program CGroup | cut -d'\"' -f2)
        [[ \$top == /system.slice/* && \$cg == \$top/* ]] || { echo \"manager \$top, web \$cg\"; exit 1; }
        grep -qx \"\$(busctl --system get-property org.cgsup1 /org/cgsup1/program/web org.cgsup1.Program MainPID | cut -d' ' -f2)\" /sys/fs/cgroup\$cg/cgroup.procs"
