#!/bin/sh
# Install Debian's podman (daemonless: podman -> conmon -> crun -> the
# container's process) and busybox-static (a one-file root filesystem for
# a container, so no image registry is needed) for
# tests/bpf/test_containers.py. Installs only what is missing, so re-running
# it is cheap and changes nothing.
# Exit status: 0 when podman and busybox are there afterwards, 1 otherwise
# (the reason on stderr); the test then skips the podman part, naming it.
set -u
DEPS_NAME=tools/deps-containers.sh
# shellcheck source-path=SCRIPTDIR source=lib-deps.sh
. "$(dirname "$0")/lib-deps.sh"

# crun is the runtime podman's Debian package prefers; recommends (buildah,
# slirp4netns, fuse-overlayfs, ...) are not needed for a rootful container
# without a network.
pkgs="podman crun runc busybox-static"
# shellcheck disable=SC2086
missing=$(deps_missing $pkgs)
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "$DEPS_NAME: missing Debian packages:$missing; run as root to install them" >&2
		exit 1
	fi
	if ! deps_install "$missing"; then
		echo "$DEPS_NAME: cannot install the Debian packages$missing (apt-get install failed)" >&2
		exit 1
	fi
fi
for bin in /usr/bin/podman /bin/busybox; do
	if [ ! -x "$bin" ]; then
		echo "$DEPS_NAME: $bin is missing after the install" >&2
		exit 1
	fi
done
exit 0
