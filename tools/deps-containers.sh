#!/bin/sh
# Install Debian's container engines for tests/bpf/test_containers.py:
#   tools/deps-containers.sh          podman (daemonless: podman -> conmon ->
#                                     runc -> the container's process), runc,
#                                     and busybox-static, a one-file root file
#                                     system for a container (no registry)
#   tools/deps-containers.sh docker   also docker.io (dockerd, containerd),
#                                     whose services are not started: the
#                                     test starts its own private dockerd
# Installs only what is missing, so re-running it is cheap and changes nothing.
# Exit status: 0 when the programs are there afterwards, 1 otherwise (the
# reason on stderr); the test then skips that part, naming the reason.
set -u
DEPS_NAME=tools/deps-containers.sh
# shellcheck source-path=SCRIPTDIR source=lib-deps.sh
. "$(dirname "$0")/lib-deps.sh"

# runc, not crun: crun refuses hosts with cgroup v1 controllers and v2
# mounted beside them (hybrid), where runc puts a container in both.
# Recommends (buildah, slirp4netns, fuse-overlayfs ...) are not needed for a
# rootful container without a network.
pkgs="podman crun runc busybox-static"
bins="/usr/bin/podman /usr/sbin/runc /bin/busybox"
case "${1:-}" in
"") ;;
docker)
	pkgs="$pkgs docker.io"
	bins="$bins /usr/sbin/dockerd /usr/bin/docker"
	;;
*)
	echo "$DEPS_NAME: unknown set '$1' (expected nothing or docker)" >&2
	exit 2
	;;
esac

# shellcheck disable=SC2086
missing=$(deps_missing $pkgs)
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "$DEPS_NAME: missing Debian packages:$missing; run as root to install them" >&2
		exit 1
	fi
	# 101: "action forbidden by policy": invoke-rc.d starts no daemon.
	rcd=/usr/sbin/policy-rc.d
	own_rcd=0
	if [ ! -e "$rcd" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod 0755 "$rcd" && own_rcd=1
	fi
	ok=1
	deps_install "$missing" || ok=0
	[ "$own_rcd" -eq 1 ] && rm -f "$rcd"
	if [ "$ok" -eq 0 ]; then
		echo "$DEPS_NAME: cannot install the Debian packages$missing (apt-get install failed)" >&2
		exit 1
	fi
fi
for bin in $bins; do
	if [ ! -x "$bin" ]; then
		echo "$DEPS_NAME: $bin is missing after the install" >&2
		exit 1
	fi
done
exit 0
