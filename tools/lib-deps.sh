# shellcheck shell=sh
# What the Debian package installers (tools/deps.sh, tools/deps-cross.sh,
# tools/deps-prometheus.sh, tools/bench/deps.sh) share: which packages are
# missing, and installing them. Sourced, not run; DEPS_NAME names the
# installer in messages ("tools/deps.sh").

# Is Debian package $1 installed?
deps_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# The packages among "$@" that are not installed, each with a leading space.
deps_missing() {
	_m=""
	for _p in "$@"; do
		deps_installed "$_p" || _m="$_m $_p"
	done
	printf '%s' "$_m"
}

# Unless we are root: say which packages ($1) are missing, and exit $2.
deps_need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$DEPS_NAME: missing Debian packages:$1; run as root to install them" >&2
		exit "$2"
	fi
}

# Install packages ($1, a list) after refreshing the package index, which
# is empty or stale on a fresh machine. Fails when any cannot be installed.
deps_install() {
	echo "$DEPS_NAME: installing$1" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $1 >/dev/null
}
