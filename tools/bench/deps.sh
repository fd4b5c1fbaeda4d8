#!/bin/sh
# Install the Debian packages `make bench` compares buildwarden with, and
# only the missing ones, so re-running it is cheap and changes nothing:
#   auditd      the audit daemon (auditctl, the execve rule)
#   bpftrace    the bpftrace execve tracer
#   gnuplot-nox the per-exec CPU plot (optional)
# The static libc the tiny exec target links against comes with libc6-dev.
# A package that cannot be installed is reported and skipped: the benchmark
# then prints "unavailable: REASON" for that agent and goes on.
set -u

pkgs="auditd bpftrace gnuplot-nox libc6-dev"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=""
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "tools/bench/deps.sh: missing Debian packages:$missing; run as root to install them" >&2
	exit 0
fi

echo "tools/bench/deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || echo "tools/bench/deps.sh: apt-get update failed" >&2
for p in $missing; do
	# One at a time, so one unavailable package does not block the others.
	# auditd's postinst may try to start the daemon; without an init system
	# that fails harmlessly and the benchmark starts its own.
	if ! apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1; then
		echo "tools/bench/deps.sh: could not install $p; the benchmark will report it unavailable" >&2
	fi
done
exit 0
