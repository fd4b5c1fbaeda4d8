#!/bin/sh
# Install the Debian packages buildwarden needs to build and test, and only
# the ones that are missing, so re-running it is cheap and changes nothing.
# Usage: tools/deps.sh [build|test|all]   (default: all)
set -eu
DEPS_NAME=tools/deps.sh
# shellcheck source-path=SCRIPTDIR source=lib-deps.sh
. "$(dirname "$0")/lib-deps.sh"

want="${1:-all}"

build_pkgs="clang llvm make gcc pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev libjson-c-dev libyaml-dev libcurl4-openssl-dev libssl-dev libpcre2-dev"
test_pkgs="libcmocka-dev bats python3 valgrind util-linux iproute2 shellcheck libxml2-utils"
# tests/cli/start_exit.bats holds run's exit back with strace's fault injection.
test_pkgs="$test_pkgs strace"
# The jq build of tests/bpf/test_default_policy_builds.py: Debian's jq source
# has only configure.ac (autoreconf) and uses the system oniguruma.
test_pkgs="$test_pkgs autoconf automake libtool libonig-dev"
# make deb and its test (tests/cli/package.bats): dpkg-shlibdeps and
# dpkg-buildflags, and Debian's package checker; file(1) for release.bats.
test_pkgs="$test_pkgs dpkg-dev lintian file"
# Deploy-file checks use systemd-analyze and npm validators; keep a node
# that is already there (a newer one than Debian's may be installed).
command -v systemd-analyze >/dev/null 2>&1 || test_pkgs="$test_pkgs systemd"
command -v npm >/dev/null 2>&1 || test_pkgs="$test_pkgs nodejs npm"
# The attack corpus pipes a download into busybox's sh (tests/attacks/58-*),
# the only shell of busybox-based images; any busybox will do.
command -v busybox >/dev/null 2>&1 || test_pkgs="$test_pkgs busybox-static"

case "$want" in
build) pkgs="$build_pkgs" ;;
test | all) pkgs="$build_pkgs $test_pkgs" ;;
*)
	echo "tools/deps.sh: unknown set '$want' (expected build, test or all)" >&2
	exit 2
	;;
esac

# shellcheck disable=SC2086
missing=$(deps_missing $pkgs)
[ -z "$missing" ] && exit 0
deps_need_root "$missing" 1
deps_install "$missing"
