#!/bin/bash
# Runs inside the VM (started by the image's cgsup-vm-hook.service from the 9p control share), once per
# boot. Files on the control share ($ctl), written by tools/vm/run:
#   cmd       the command, NUL-separated          env    `export K=V` lines (printf %q quoted)
#   user      optional: run the command as this user
#   payload   present when a payload share is attached (mounted read-only at /payload)
# Written here: stdout, stderr (the command's), harness.log (this script's), rc (the command's exit
# status, written last and atomically). When this script exits the unit powers the VM off.
set -u
ctl=/run/cgsup-vm/ctl
exec </dev/null >>"$ctl/harness.log" 2>&1

log() {
        local up
        read -r up _ </proc/uptime
        printf '[guest %ss] %s\n' "$up" "$*"
}

fail() {
        log "error: $*"
        exit 1
}

log "hook started"
state=$(timeout 180 systemctl is-system-running --wait 2>&1)
log "system state: $state"
if [[ $state != running ]]; then
        systemctl --failed --no-legend --no-pager
fi

if [[ -e $ctl/payload ]]; then
        mkdir -p /payload
        mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=mmap,ro payload /payload ||
                fail "cannot mount the payload share"
fi

# The project's `meson install --destdir` tree goes into / (tar keeps /lib -> usr/lib style symlinks).
if [[ -d /payload/destdir ]]; then
        tar -C /payload/destdir -cf - . | tar -C / --keep-directory-symlink --no-overwrite-dir -xf - ||
                fail "cannot install /payload/destdir into /"
        ldconfig
        systemctl daemon-reload || fail "systemctl daemon-reload failed"
        systemctl reload dbus.service || fail "systemctl reload dbus failed"
        log "installed the build from /payload/destdir"
fi

mapfile -d '' -t cmd <"$ctl/cmd"
[[ ${#cmd[@]} -gt 0 ]] || fail "empty command"
set -a
# shellcheck disable=SC1091
source "$ctl/env" || fail "cannot read $ctl/env"
set +a
user=
[[ -s $ctl/user ]] && user=$(<"$ctl/user")

if [[ -d /payload ]]; then
        cd /payload || fail "cd /payload"
else
        cd / || fail "cd /"
fi
log "running: ${cmd[*]}${user:+ (as $user)}"
if [[ -n $user ]]; then
        runuser -u "$user" -- "${cmd[@]}" >>"$ctl/stdout" 2>>"$ctl/stderr"
else
        "${cmd[@]}" >>"$ctl/stdout" 2>>"$ctl/stderr"
fi
rc=$?
log "command exited with status $rc"
echo "$rc" >"$ctl/rc.tmp" && mv "$ctl/rc.tmp" "$ctl/rc"
exit 0
