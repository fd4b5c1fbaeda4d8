#!/bin/sh
# Install the Debian packages `make bench` compares buildwarden with, and
# only the missing ones, so re-running it is cheap and changes nothing:
#   auditd      the audit daemon (auditctl, the execve rule)
#   bpftrace    the bpftrace execve tracer
#   gnuplot-nox the per-exec CPU plot (optional)
# The static libc the tiny exec target links against comes with libc6-dev.
# The jq workload builds Debian's jq source, which ships configure.ac only
# and uses the system oniguruma: autoconf, automake, libtool, libonig-dev
# (Debian's shipped parser and lexer are used: no bison, no flex).
# A package that cannot be installed is reported and skipped: the benchmark
# then prints "unavailable: REASON" for that agent or workload and goes on.
set -u
DEPS_NAME=tools/bench/deps.sh
# shellcheck source-path=SCRIPTDIR source=../lib-deps.sh
. "$(dirname "$0")/../lib-deps.sh"

missing=$(deps_missing auditd bpftrace gnuplot-nox libc6-dev autoconf automake libtool libonig-dev)
[ -z "$missing" ] && exit 0
deps_need_root "$missing" 0

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
