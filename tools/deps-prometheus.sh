#!/bin/sh
# Install Debian's Prometheus server (package `prometheus`, 2.42 on
# Debian 12) for tests/bpf/test_metrics.py, which starts its own instance
# on loopback to scrape `buildwarden daemon`'s metrics endpoint. Installs
# only when missing, so re-running it is cheap and changes nothing.
# Exit status: 0 when /usr/bin/prometheus is there afterwards, 1 otherwise
# (the reason on stderr); the test then skips, naming the reason.
#
# The package's own service is not wanted: policy-rc.d stops invoke-rc.d
# from starting it during the install, and the test never uses it.
set -u
# shellcheck source-path=SCRIPTDIR source=lib-deps.sh
. "$(dirname "$0")/lib-deps.sh"

if deps_installed prometheus && [ -x /usr/bin/prometheus ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "tools/deps-prometheus.sh: Debian package prometheus is missing; run as root to install it" >&2
	exit 1
fi

echo "tools/deps-prometheus.sh: installing prometheus" >&2
export DEBIAN_FRONTEND=noninteractive
rcd=/usr/sbin/policy-rc.d
own_rcd=0
if [ ! -e "$rcd" ]; then
	# 101: "action forbidden by policy" — the service is not started.
	printf '#!/bin/sh\nexit 101\n' >"$rcd" && chmod 0755 "$rcd" && own_rcd=1
fi
ok=1
if ! apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1; then
	# An empty or stale index is the usual reason on a fresh machine.
	apt-get update -qq >/dev/null 2>&1 || echo "tools/deps-prometheus.sh: apt-get update failed" >&2
	apt-get install -y -qq --no-install-recommends prometheus >/dev/null 2>&1 || ok=0
fi
[ "$own_rcd" -eq 1 ] && rm -f "$rcd"
if [ "$ok" -eq 0 ] || [ ! -x /usr/bin/prometheus ]; then
	echo "tools/deps-prometheus.sh: cannot install the Debian package prometheus (apt-get install failed)" >&2
	exit 1
fi
exit 0
