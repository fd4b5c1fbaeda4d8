#!/bin/sh
# Build the VM test's initramfs: busybox-static of the guest's architecture
# (unpacked by tools/vm/fetch-debs.sh), the static agent and the static test
# fixtures built for it (make [ARCH=arm64] STATIC=1 vm-guest), /init
# (tools/vm/init.sh) and the guest's tests (tools/vm/guest-tests.sh), as a
# newc cpio archive.
# Usage: tools/vm/mkinitramfs.sh BUSYBOX GUESTBUILD OUT.cpio
#   BUSYBOX     the static busybox binary for the guest
#   GUESTBUILD  build dir holding buildwarden and tests/fixtures/ (static)
set -eu

busybox=$1
gb=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)

for f in "$busybox" "$gb/buildwarden"; do
	[ -x "$f" ] || { echo "mkinitramfs: $f missing" >&2; exit 1; }
done
root=$(mktemp -d "${TMPDIR:-/tmp}/bwvm-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin" "$root/proc" \
	"$root/sys" "$root/dev" "$root/tmp" "$root/run" "$root/etc" \
	"$root/bw/fixtures" "$root/root"
cp "$busybox" "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
cp "$here/guest-tests.sh" "$root/bw/guest-tests.sh"
chmod 755 "$root/init" "$root/bin/busybox"
cp "$gb/buildwarden" "$root/bw/buildwarden"
for f in "$gb"/tests/fixtures/*; do
	[ -x "$f" ] && cp "$f" "$root/bw/fixtures/"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$root/etc/hosts"
# The kernel wants /dev/console before /init runs (devtmpfs comes later).
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --owner 0:0 --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
