#!/bin/sh
# Fetch and unpack the source of a Debian package, from Debian's archive only,
# into a cache directory, and print the unpacked source directory on stdout.
#
# Usage: tools/fetch-debian-source.sh [--build-dep] PACKAGE DESTDIR
#
# Idempotent, and cheap when repeated:
#   - an already unpacked copy in DESTDIR is reused as is (no network);
#   - a deb-src twin of the Debian `deb` sources is added only when no deb-src
#     source is configured (/etc/apt/sources.list.d/buildwarden-src.sources or
#     buildwarden-src.list), and only for Debian archive URIs (*.debian.org);
#   - `apt-get update` runs only when the source index does not know PACKAGE;
#   - dpkg-dev (dpkg-source), gcc and make are installed only when missing;
#     --build-dep also runs `apt-get build-dep PACKAGE` (the full Debian
#     packaging build dependencies, not needed for a plain ./configure && make).
#
# The current version of the source (what `apt-get source PACKAGE` picks, a
# security update if there is one) is fetched when the archive has it;
# otherwise (e.g. 404 from the security archive) the version of this Debian
# release (`apt-get source PACKAGE/CODENAME`, VERSION_CODENAME of
# /etc/os-release). stderr says which version was used, and from which release.
#
# Exit status: 0 ok; 1 failure (message on stderr says what and why; this
# includes the archive answering that it has no source files for the current
# nor the release's version); 2 usage; 3 Debian's archive could not be reached
# (no network, DNS failure, connection refused or timed out, server error
# 5xx: mirror down), so callers such as tests can tell "cannot fetch here"
# from a real failure.
set -eu

prog=fetch-debian-source.sh
SRC_LIST_BASE=/etc/apt/sources.list.d/buildwarden-src

die() { # status message...
	st=$1
	shift
	echo "$prog: $*" >&2
	exit "$st"
}
say() { echo "$prog: $*" >&2; }

build_dep=0
if [ "${1-}" = "--build-dep" ]; then
	build_dep=1
	shift
fi
if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
	echo "usage: $prog [--build-dep] PACKAGE DESTDIR" >&2
	exit 2
fi
pkg=$1
dest=$2
case $pkg in
*[!a-z0-9.+-]* | [!a-z0-9]*) die 2 "'$pkg' is not a valid Debian source package name" ;;
esac

mkdir -p "$dest" || die 1 "cannot create the cache directory $dest"
dest=$(cd "$dest" && pwd -P)
marker="$dest/.$pkg.srcdir"

# Serialise concurrent fetches of the same cache directory.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$dest/.lock" || die 1 "cannot open $dest/.lock"
	flock 9 || die 1 "cannot lock $dest/.lock"
fi

# 1. Reuse an unpacked copy: the marker names a directory of DESTDIR that a
#    previous run unpacked completely (it is written last).
#    With --build-dep, the build dependencies are still checked below.
cached=
if [ -f "$marker" ]; then
	dir=$(cat "$marker")
	if [ -n "$dir" ] && [ -d "$dest/$dir" ]; then
		cached="$dest/$dir"
		# Which version it is (written by the run that unpacked it).
		if [ -f "$dest/.$pkg.version" ]; then
			echo "$prog: reusing $cached: $(cat "$dest/.$pkg.version")" >&2
		fi
		if [ "$build_dep" -eq 0 ]; then
			echo "$cached"
			exit 0
		fi
	fi
fi

is_root() { [ "$(id -u)" -eq 0 ]; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
export DEBIAN_FRONTEND=noninteractive

# 2. A deb-src source. Is one configured (any format)?
has_deb_src() {
	# shellcheck disable=SC2016 # $(CREATED_BY) is apt's field, not the shell's
	apt-get indextargets --no-release-info --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources
}

# The deb822 stanzas of FILE with Types including "deb" and a *.debian.org
# URI, rewritten as deb-src stanzas with the same URIs, Suites, Components
# and Signed-By. Comments and other fields are dropped.
twin_deb822() {
	awk '
	function flush() {
		if (types ~ /(^|[ \t])deb([ \t]|$)/ && uris ~ /^(https?:\/\/)?[^ \t\/]*debian\.org\// && suites != "") {
			if (n++) print ""
			print "Types: deb-src"
			print "URIs: " uris
			print "Suites: " suites
			if (comps != "") print "Components: " comps
			if (signed != "") print "Signed-By: " signed
		}
		types = uris = suites = comps = signed = ""
	}
	function val(s) { sub(/^[^:]*:[ \t]*/, "", s); sub(/[ \t]+$/, "", s); return s }
	/^[ \t]*#/ { next }
	/^[ \t]*$/ { flush(); next }
	tolower($0) ~ /^types:/ { types = val($0); next }
	tolower($0) ~ /^uris:/ { uris = val($0); next }
	tolower($0) ~ /^suites:/ { suites = val($0); next }
	tolower($0) ~ /^components:/ { comps = val($0); next }
	tolower($0) ~ /^signed-by:/ { signed = val($0); next }
	END { flush() }
	' "$1"
}

# One-line format: "deb [opts] URI suite comps" for *.debian.org URIs.
twin_oneline() {
	sed -n -E 's%^[[:space:]]*deb[[:space:]]+((\[[^]]*\][[:space:]]+)?(https?://)?[^[:space:]/]*debian\.org/.*)$%deb-src \1%p' "$1"
}

ensure_deb_src() {
	has_deb_src && return 0
	is_root || die 1 "no deb-src source is configured for apt, and adding one needs root (run as root, or add deb-src lines for Debian's archive yourself)"
	twin=
	kind=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		t=$(twin_deb822 "$f")
		[ -n "$t" ] && twin="$twin${twin:+

}$t" && kind=sources
	done
	if [ -z "$twin" ]; then
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			t=$(twin_oneline "$f")
			[ -n "$t" ] && twin="$twin${twin:+
}$t" && kind=list
		done
	fi
	[ -n "$twin" ] || die 1 "no deb-src source is configured and no Debian archive 'deb' source (a *.debian.org URI) was found in /etc/apt to derive one from"
	out="$SRC_LIST_BASE.$kind"
	{
		echo "# Added by buildwarden tools/$prog: the deb-src twin of the"
		echo "# Debian archive sources, to fetch source packages. Safe to remove."
		echo "$twin"
	} >"$out.tmp" || die 1 "cannot write $out.tmp"
	mv "$out.tmp" "$out" || die 1 "cannot rename $out.tmp to $out"
	say "added the deb-src source $out"
	has_deb_src || die 1 "apt still sees no deb-src source after writing $out (apt-get indextargets lists no Sources)"
}

# Does apt's source index know PACKAGE?
knows_source() {
	apt-cache showsrc --only-source "$pkg" 2>/dev/null | grep -q '^Package:'
}

apt_update() {
	is_root || die 1 "apt's source index does not know '$pkg' and refreshing it (apt-get update) needs root"
	say "apt-get update (source index)"
	log=$(apt-get update -q 2>&1) && st=0 || st=$?
	# apt-get update may exit 0 even when an index could not be fetched; only
	# Debian's archive matters here.
	if echo "$log" | grep -qE "^(W|E): Failed to fetch [a-z]+://[^/[:space:]]*debian\.org/"; then
		echo "$log" | grep -E '^(W|E):' | head -n 5 >&2
		die 3 "apt-get update could not fetch the indexes of Debian's archive (no network or mirror down?)"
	fi
	if [ "$st" -ne 0 ]; then
		echo "$log" | tail -n 5 >&2
		die 1 "apt-get update failed with status $st (see above)"
	fi
}

ensure_pkgs() { # pkg...
	missing=
	for p in "$@"; do
		installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	is_root || die 1 "missing Debian packages:$missing; run as root to install them"
	say "installing$missing"
	# shellcheck disable=SC2086
	if ! log=$(apt-get install -y -q --no-install-recommends $missing 2>&1); then
		echo "$log" | tail -n 5 >&2
		if unreachable "$log"; then
			die 3 "installing$missing failed: Debian's archive is unreachable"
		fi
		die 1 "installing$missing failed (apt-get install, see above)"
	fi
}

# Does apt-get's output LOG say Debian's archive could not be reached (no
# network, DNS, refused or timed-out connections, or the server answering 5xx:
# mirror down)? A 4xx answer (404: no such file) is not unreachable: the
# archive answered that it has no such file.
unreachable() { # log
	echo "$1" | grep -qE 'Temporary failure resolving|Could not resolve|Unable to connect|Could not connect|Connection failed|Connection timed out|Connection refused|Network is unreachable|No route to host|Failed to fetch .*[[:space:]]5[0-9][0-9][[:space:]]'
}

# Why apt-get's output LOG failed, in a few words for a message.
reason_of() { # log
	code=$(echo "$1" | sed -n -E 's/^E: Failed to fetch [^[:space:]]+[[:space:]]+([0-9]{3}[[:space:]]+[^[]*[^[:space:][]).*/\1/p' | head -n 1)
	if [ -n "$code" ]; then
		echo " (the archive answered: $(echo "$code" | tr -s ' '))"
	elif unreachable "$1"; then
		echo " (Debian's archive is unreachable)"
	fi
}

# apt-get's errors and warnings in LOG, on stderr (the last few; not the
# warning that root downloads unsandboxed, which is harmless).
apt_errors() { # log
	echo "$1" | grep -E '^(W|E):' | grep -v 'unsandboxed as root' | tail -n 5 >&2
}

# The .dsc file name `apt-get source SPEC` fetches (SPEC: PACKAGE or
# PACKAGE/RELEASE). Run from / : --print-uris omits files already present
# in the current directory.
dsc_of() { # spec
	(cd / && apt-get source -qq --print-uris --only-source "$1" 2>/dev/null) |
		awk '{ gsub(/\047/, "", $2); if ($2 ~ /\.dsc$/) { print $2; exit } }'
}

# The version in a .dsc file name PACKAGE_VERSION.dsc (without the epoch).
ver_of() { # dsc
	v=${1#"${pkg}_"}
	echo "${v%.dsc}"
}

# Download the source SPEC into the current directory; DSC must be there
# afterwards. Status 0 on success; otherwise apt-get's output is in $log.
download() { # spec dsc
	say "downloading $2 and its files into $dest"
	log=$(apt-get source -q --download-only --only-source "$1" 2>&1) || return 1
	[ -f "$2" ] || die 1 "apt-get source $1 reported success but $dest/$2 is missing"
}

# The last download failed ($log): exit 3 when the archive could not be
# reached, 1 otherwise (it answered without the files: no source for WHAT).
fetch_failed() { # what
	if unreachable "$log"; then
		die 3 "downloading the source of $pkg failed ($1): Debian's archive is unreachable"
	fi
	die 1 "Debian's archive has no source files for $pkg, $1$(reason_of "$log"); see above"
}

ensure_deb_src
knows_source || apt_update
knows_source || die 1 "Debian's archive has no source package '$pkg' (apt-cache showsrc --only-source $pkg finds nothing)"
# dpkg-dev for dpkg-source; gcc and make to build a plain C project.
ensure_pkgs dpkg-dev gcc make
if [ "$build_dep" -eq 1 ]; then
	is_root || die 1 "--build-dep needs root (apt-get build-dep)"
	say "apt-get build-dep $pkg"
	if ! log=$(apt-get build-dep -y -q "$pkg" 2>&1); then
		echo "$log" | tail -n 5 >&2
		die 1 "apt-get build-dep $pkg failed (see above)"
	fi
fi
if [ -n "$cached" ]; then
	echo "$cached"
	exit 0
fi

# 3. Download (apt-get keeps files already present with the right hash) and
#    unpack into a temporary directory, renamed into place when complete.
#    The current version (what `apt-get source PACKAGE` picks, often a
#    security update) comes first. When the archive has no source for it (the
#    security archive or a mirror lacks the files: 404), the release's own
#    version (`apt-get source PACKAGE/CODENAME`, CODENAME from /etc/os-release)
#    is used instead, and stderr says so.
cd "$dest"
cur_dsc=$(dsc_of "$pkg")
[ -n "$cur_dsc" ] || die 1 "apt-get source --print-uris $pkg names no .dsc file"
cur_ver=$(ver_of "$cur_dsc")
if download "$pkg" "$cur_dsc"; then
	dsc=$cur_dsc
	used="$pkg $cur_ver, the current version"
else
	apt_errors "$log"
	release=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d "\"'" | head -n 1)
	rel_dsc=
	[ -n "$release" ] && rel_dsc=$(dsc_of "$pkg/$release")
	if [ -z "$rel_dsc" ] || [ "$rel_dsc" = "$cur_dsc" ]; then
		# No other version to fall back to.
		why="the current version $cur_ver"
		if [ -z "$release" ]; then
			why="$why; no VERSION_CODENAME in /etc/os-release to fall back to the release's own version"
		elif [ -z "$rel_dsc" ]; then
			why="$why; $release has no source of $pkg to fall back to"
		else
			why="$why, which is also $release's own version"
		fi
		fetch_failed "$why"
	fi
	rel_ver=$(ver_of "$rel_dsc")
	say "the source of $pkg $cur_ver (the current version) cannot be fetched$(reason_of "$log"); falling back to $pkg $rel_ver, the version of the release $release ($pkg/$release)"
	if ! download "$pkg/$release" "$rel_dsc"; then
		apt_errors "$log"
		fetch_failed "$release's version $rel_ver, tried after the current version $cur_ver"
	fi
	dsc=$rel_dsc
	used="$pkg $rel_ver from $release (the current version $cur_ver could not be fetched)"
fi
say "using $used"

tmp="$dest/.unpack.$pkg.$$"
rm -rf "$tmp"
mkdir "$tmp" || die 1 "cannot create $tmp"
if ! log=$(dpkg-source --no-copy -x "$dsc" "$tmp/src" 2>&1); then
	echo "$log" | tail -n 5 >&2
	rm -rf "$tmp"
	die 1 "dpkg-source -x $dsc failed (see above)"
fi
# The conventional name: PACKAGE-UPSTREAMVERSION (no epoch, no Debian revision).
ver=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc" | head -n 1)
up=${ver#*:}
up=${up%-*}
dir="$pkg-$up"
rm -rf "${dest:?}/$dir"
mv "$tmp/src" "$dest/$dir" || die 1 "cannot move the unpacked source to $dest/$dir"
rm -rf "$tmp"
echo "$used" >"$dest/.$pkg.version" || die 1 "cannot write $dest/.$pkg.version"
echo "$dir" >"$marker.tmp" || die 1 "cannot write $marker.tmp"
mv "$marker.tmp" "$marker" || die 1 "cannot rename $marker.tmp to $marker"
echo "$dest/$dir"
