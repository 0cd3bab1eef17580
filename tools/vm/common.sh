# shellcheck shell=bash
# Shared settings and helpers of the VM test harness; sourced by tools/vm/{build-image,run,meson-test}.
#
# Environment (all optional):
#   CGSUP_VM_CACHE    cache directory (default /var/cache/cgsup-vm): base tarball, image, kernel, initramfs
#   CGSUP_VM_KERNEL   path of the guest kernel (default: newest /boot/vmlinuz-*, which must have its
#                     /lib/modules/<version> on the host: its modules are copied into the image)
#   CGSUP_VM_SUITE    Debian suite of the image (default bookworm)
#   CGSUP_VM_MIRROR   Debian mirror (default: the one apt on the host already uses)
#   CGSUP_VM_VERBOSE  1: print the guest console and harness log after every run

VM_TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_SRC_DIR=$(cd "$VM_TOOLS_DIR/../.." && pwd)
VM_CACHE=${CGSUP_VM_CACHE:-/var/cache/cgsup-vm}
VM_SUITE=${CGSUP_VM_SUITE:-bookworm}
VM_IMAGE_SIZE=4G
# Bump when the way the image is made changes in a way the hashed recipe files do not show.
VM_FORMAT=1

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() { printf 'vm: error: %s\n' "$*" >&2; exit 125; }

# The package list, without comments and blank lines, comma separated (for debootstrap --include).
vm_packages() {
        sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$VM_TOOLS_DIR/packages" | paste -sd, -
}

vm_kernel() {
        local k
        if [[ -n ${CGSUP_VM_KERNEL:-} ]]; then
                k=$CGSUP_VM_KERNEL
        else
                # The newest kernel whose modules are installed too (they are copied into the image).
                k=
                while read -r cand; do
                        [[ -f /lib/modules/${cand#/boot/vmlinuz-}/modules.dep ]] && k=$cand
                done < <(find /boot -maxdepth 1 -name 'vmlinuz-*' 2>/dev/null | sort -V)
        fi
        [[ -n $k && -r $k ]] || vm_die "no guest kernel: install linux-image-amd64 (or set CGSUP_VM_KERNEL)"
        printf '%s\n' "$k"
}

vm_kernel_version() {
        local v
        v=$(basename "$1")
        printf '%s\n' "${v#vmlinuz-}"
}

# Key of the debootstrapped base tree: suite + package list.
vm_base_key() {
        printf 'suite=%s\npackages=%s\n' "$VM_SUITE" "$(vm_packages)" | sha256sum | cut -c1-16
}

# Key of the bootable image: base key + kernel + recipe (every file the image is made from).
vm_image_key() {
        local kver=$1
        {
                printf 'base=%s\nkernel=%s\nsize=%s\nformat=%s\n' "$(vm_base_key)" "$kver" "$VM_IMAGE_SIZE" "$VM_FORMAT"
                cat "$VM_TOOLS_DIR/build-image" "$VM_TOOLS_DIR/guest/init" "$VM_TOOLS_DIR/guest/cgsup-vm-hook" \
                    "$VM_TOOLS_DIR/guest/cgsup-vm-hook.service"
        } | sha256sum | cut -c1-16
}

# The directory holding image.raw, vmlinux and initrd.cpio for the current key.
vm_image_dir() {
        local kver
        kver=$(vm_kernel_version "$(vm_kernel)")
        printf '%s/image-%s\n' "$VM_CACHE" "$(vm_image_key "$kver")"
}

# Mirror: the first Packages index of the suite that apt on the host already uses. No mirror is written
# into this project: when apt has none that debootstrap can use, say so and fail (1), naming the way out.
vm_mirror() {
        if [[ -n ${CGSUP_VM_MIRROR:-} ]]; then
                printf '%s\n' "$CGSUP_VM_MIRROR"
                return 0
        fi
        local uri
        uri=$(apt-get indextargets --format '$(CODENAME) $(URI)' 'Created-By: Packages' 2>/dev/null |
              awk -v s="$VM_SUITE" '$1 == s { print $2; exit }')
        # debootstrap speaks http(s) and file only (not mirror+, tor+ or cdrom sources).
        if [[ $uri =~ ^(https?|file):// && $uri == */dists/* ]]; then
                printf '%s\n' "${uri%%/dists/*}"
                return 0
        fi
        if [[ -z $uri ]]; then
                echo "vm: apt on this host has no Packages index for $VM_SUITE (run apt-get update, or add a $VM_SUITE source); or set CGSUP_VM_MIRROR=URL" >&2
        else
                echo "vm: apt's source for $VM_SUITE ($uri) is not an http(s) or file URL that debootstrap can use; set CGSUP_VM_MIRROR=URL" >&2
        fi
        return 1
}
