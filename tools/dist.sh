#!/bin/sh
# Pack the release tarballs of `make dist` (docs/DEPLOY.md, "Install from
# a release"): one per architecture, laid out as a prefix, so that
#   tar -C /usr/local --strip-components=1 -xzf buildwarden-V-linux-ARCH.tar.gz
# installs it (the systemd unit names /usr/local/bin/buildwarden), and a
# SHA256SUMS over them. Reproducible: files sorted by name, every mtime
# SOURCE_DATE_EPOCH (the Makefile sets it to the last commit's time),
# owner and group 0, gzip without name or time; binaries stripped.
#
# Usage: tools/dist.sh VERSION OUTDIR MANPAGE ARCH=STATIC_BINARY...
#   ARCH is the release name of the architecture: x86_64 or arm64.
set -eu

[ $# -ge 4 ] || { echo "usage: $0 VERSION OUTDIR MANPAGE ARCH=BINARY..." >&2; exit 2; }
version=$1 out=$2 man=$3
shift 3
src=$(cd "$(dirname "$0")/.." && pwd)
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH (the Makefile does)}"
host=$(uname -m)

# The user-facing pages; the design and test pages stay in the repository.
docs="CLI.md POLICY.md DETECTIONS.md DAEMON.md DEPLOY.md EVENTS.md REPORTS.md
	REDACTION.md ALERTS.md SECURITY.md PLATFORMS.md"

mkdir -p "$out"
rm -rf "$out"/stage-* "$out"/buildwarden-*.tar.gz "$out/SHA256SUMS"

for pair in "$@"; do
	arch=${pair%%=*} bin=${pair#*=}
	case $arch in
	x86_64) triplet=x86_64-linux-gnu ;;
	arm64) triplet=aarch64-linux-gnu ;;
	*) echo "$0: unknown architecture '$arch' (x86_64 or arm64)" >&2; exit 2 ;;
	esac
	[ -x "$bin" ] || { echo "$0: $bin: no such binary" >&2; exit 1; }
	strip="strip"
	[ "$host" = "${triplet%%-*}" ] || strip=$triplet-strip
	name=buildwarden-$version-linux-$arch
	st=$out/stage-$arch/$name
	umask 022
	install -d "$st/bin" "$st/share/man/man1" "$st/share/bash-completion/completions" \
		"$st/share/doc/buildwarden/docs" "$st/share/doc/buildwarden/examples/policies" \
		"$st/lib/systemd/system"
	"$strip" --strip-unneeded -o "$st/bin/buildwarden" "$bin" ||
		{ echo "$0: $strip failed on $bin" >&2; exit 1; }
	chmod 0755 "$st/bin/buildwarden"
	gzip -9n <"$man" >"$st/share/man/man1/buildwarden.1.gz"
	install -m 0644 "$src/deploy/completion/buildwarden.bash" \
		"$st/share/bash-completion/completions/buildwarden"
	install -m 0644 "$src/deploy/systemd/buildwarden.service" "$st/lib/systemd/system/"
	install -m 0644 "$src/deploy/config.example.yaml" "$st/share/doc/buildwarden/examples/"
	install -m 0644 "$src"/deploy/policies/*.yaml "$st/share/doc/buildwarden/examples/policies/"
	install -m 0644 "$src/README.md" "$st/share/doc/buildwarden/"
	for d in $docs; do
		install -m 0644 "$src/docs/$d" "$st/share/doc/buildwarden/docs/"
	done
	# The license: the machine-readable notice, then GPL-2's full text
	# (BSD-2-Clause's is in the notice).
	{
		cat "$src/deploy/debian/copyright"
		echo
		echo "Full text of GPL-2:"
		echo
		cat /usr/share/common-licenses/GPL-2
	} >"$st/LICENSE"
	chmod 0644 "$st/LICENSE"
	(cd "$out/stage-$arch" &&
		LC_ALL=C tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 \
			--numeric-owner --format=gnu -cf - "$name") | gzip -9n >"$out/$name.tar.gz"
	rm -rf "$out/stage-$arch"
done
(cd "$out" && sha256sum buildwarden-"$version"-linux-*.tar.gz >SHA256SUMS)
cat "$out/SHA256SUMS"
