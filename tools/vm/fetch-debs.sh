#!/bin/sh
# Fetch, from Debian's archive only, what a VM guest of ARCH needs — the
# packaged kernel (linux-image-<flavour>, bookworm: 6.1) and busybox-static —
# as .debs into CACHE/debs/ with `apt-get download`, and unpack them into
# CACHE/ARCH/ (vmlinuz, config, busybox). Nothing is installed on the host.
# A .deb already in the cache is not fetched again.
# Usage: tools/vm/fetch-debs.sh ARCH CACHE      (ARCH: x86_64 | arm64)
# Prints the unpacked directory on stdout; exits 3 when the packages cannot
# be had (no network, no arm64 in dpkg's architectures), with the reason.
set -eu

arch=$1
cache=$2
case $arch in
x86_64) darch=amd64 flavour=amd64 ;;
arm64) darch=arm64 flavour=arm64 ;;
*) echo "fetch-debs: unknown arch $arch" >&2; exit 2 ;;
esac

mkdir -p "$cache/debs"
cache=$(cd "$cache" && pwd)
out=$cache/$arch

if [ "$darch" != "$(dpkg --print-architecture)" ] &&
	! dpkg --print-foreign-architectures | grep -qx "$darch"; then
	echo "fetch-debs: dpkg has no $darch architecture (tools/deps-cross.sh adds it)" >&2
	exit 3
fi

# The metapackage names the versioned image package; resolve it once and
# remember it, so later runs work from the cache without apt's lists.
pkgfile=$cache/debs/kernel-$darch.name
if [ ! -s "$pkgfile" ]; then
	kpkg=$(apt-cache depends "linux-image-$flavour:$darch" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n1)
	if [ -z "$kpkg" ]; then
		apt-get update -qq >/dev/null 2>&1 || true
		kpkg=$(apt-cache depends "linux-image-$flavour:$darch" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\).*/\1/p' | head -n1)
	fi
	if [ -z "$kpkg" ]; then
		echo "fetch-debs: apt knows no linux-image-$flavour:$darch" >&2
		exit 3
	fi
	echo "$kpkg" >"$pkgfile"
fi
kpkg=$(cat "$pkgfile")

fetch() { # PKG: leave PKG_*_DARCH.deb in the cache
	if ! ls "$cache/debs/$1"_*_"$darch".deb >/dev/null 2>&1; then
		echo "fetch-debs: apt-get download $1:$darch" >&2
		(cd "$cache/debs" && apt-get download -qq -o APT::Sandbox::User=root "$1:$darch" >/dev/null) || {
			echo "fetch-debs: apt-get download $1:$darch failed" >&2
			exit 3
		}
	fi
	ls "$cache/debs/$1"_*_"$darch".deb | tail -n1
}

kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

stamp=$out/.unpacked
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$kdeb $bdeb" ]; then
	rm -rf "$out"
	mkdir -p "$out/x"
	dpkg-deb -x "$kdeb" "$out/x"
	dpkg-deb -x "$bdeb" "$out/x"
	cp "$out"/x/boot/vmlinuz-* "$out/vmlinuz"
	cp "$out"/x/boot/config-* "$out/config"
	cp "$out/x/bin/busybox" "$out/busybox"
	ls "$out"/x/lib/modules >"$out/kernel-release"
	# The modules are not needed (everything the guest uses is built in)
	# and are large; keep only the kernel, its config and busybox.
	rm -rf "$out/x"
	echo "$kdeb $bdeb" >"$stamp"
fi
echo "$out"
