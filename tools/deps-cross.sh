#!/bin/sh
# Install the Debian packages for cross builds (make ARCH=arm64), static
# builds (make STATIC=1) and the QEMU kernel tests (make test-vm) — only the
# ones that are missing, so re-running it is cheap and changes nothing.
# Debian's archive only: arm64 libraries come from multiarch
# (dpkg --add-architecture arm64) and co-install with the amd64 ones.
# Usage: tools/deps-cross.sh [cross|static|vm|all]   (default: all)
set -eu
DEPS_NAME=tools/deps-cross.sh
# shellcheck source-path=SCRIPTDIR source=lib-deps.sh
. "$(dirname "$0")/lib-deps.sh"

want="${1:-all}"

# Cross toolchain and the agent's libraries for arm64 (Multi-Arch: same).
cross_pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
	libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64
	libjson-c-dev:arm64 libyaml-dev:arm64 libcurl4-openssl-dev:arm64 libssl-dev:arm64
	libpcre2-dev:arm64"
# Static builds: libc.a and the .a files libelf pulls in; a small libcurl is
# built from Debian's curl source (tools/static-curl.sh), which needs these.
static_pkgs="libc6-dev libzstd-dev dpkg-dev autoconf automake libtool make"
# The VM tests: emulators and cpio, and Debian's i386 and armhf cross
# compilers for the static 32-bit fixture (tests/fixtures/compat32.c) the
# x86_64 guest runs under IA32 emulation and the arm64 guest as AArch32.
# gcc-multilib would do for i386 but conflicts with gcc-aarch64-linux-gnu;
# the cross toolchains co-install with it. The
# guests' kernels and busybox-static (amd64 and arm64 conflict as installed
# packages) are not installed: the test fetches their .debs with apt-get
# download into build/vm-cache/ and unpacks them there
# (tools/vm/fetch-debs.sh).
vm_pkgs="qemu-system-arm qemu-system-x86 cpio gcc-i686-linux-gnu libc6-dev-i386-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross"

case "$want" in
cross) pkgs="$cross_pkgs" ;;
static) pkgs="$static_pkgs" ;;
vm) pkgs="$vm_pkgs" ;;
all) pkgs="$cross_pkgs $static_pkgs $vm_pkgs" ;;
*)
	echo "tools/deps-cross.sh: unknown set '$want' (expected cross, static, vm or all)" >&2
	exit 2
	;;
esac

need_arm64=0
case "$pkgs" in *:arm64*) need_arm64=1 ;; esac

# shellcheck disable=SC2086
missing=$(deps_missing $pkgs)
[ -z "$missing" ] && exit 0
deps_need_root "$missing" 1

if [ $need_arm64 -eq 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "tools/deps-cross.sh: dpkg --add-architecture arm64" >&2
	dpkg --add-architecture arm64
fi
deps_install "$missing"
