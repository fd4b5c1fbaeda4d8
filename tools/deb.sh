#!/bin/sh
# Build the Debian package of `make deb` with dpkg-deb, from a binary the
# Makefile built with dpkg-buildflags (hardening) and linked against
# Debian's shared libraries: Depends comes from dpkg-shlibdeps, so
# security updates of libcurl, OpenSSL, libbpf ... reach the agent without
# a new package (Debian policy 4.13, no convenience copies).
# Files: deploy/debian/ (control, maintainer scripts, copyright).
#
# Usage: [BW_OPENED_LIBS="-lcurl ..."] tools/deb.sh VERSION OUTDIR BINARY MANPAGE
set -eu

[ $# -eq 4 ] || { echo "usage: $0 VERSION OUTDIR BINARY MANPAGE" >&2; exit 2; }
version=$1 out=$2 bin=$3 man=$4
src=$(cd "$(dirname "$0")/.." && pwd)
deb=$src/deploy/debian
: "${SOURCE_DATE_EPOCH:?set SOURCE_DATE_EPOCH (the Makefile does)}"
maintainer=${DEB_MAINTAINER:-The buildwarden authors <buildwarden@users.noreply.github.com>}
# git describe's 0.1.0-3-gHASH sorts after 0.1.0 as 0.1.0+3.gHASH.
debver=$(echo "$version" | sed 's/-\([0-9]*\)-g/+\1.g/')-1
arch=$(dpkg --print-architecture)

mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$out/root
rm -rf "$root" "$out/shlibs"
umask 022
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/systemd/system" \
	"$root/etc/buildwarden/policies" "$root/usr/share/man/man1" \
	"$root/usr/share/bash-completion/completions" "$root/usr/share/doc/buildwarden/docs"

strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	-o "$root/usr/bin/buildwarden" "$bin"
chmod 0755 "$root/usr/bin/buildwarden"
# The unit of deploy/systemd names /usr/local (make install); here /usr.
sed -e 's|/usr/local/bin/buildwarden|/usr/bin/buildwarden|g' \
	-e 's|^Documentation=.*|Documentation=man:buildwarden(1) file:///usr/share/doc/buildwarden/docs/DEPLOY.md|' \
	"$src/deploy/systemd/buildwarden.service" >"$root/usr/lib/systemd/system/buildwarden.service"
install -m 0644 "$src/deploy/config.example.yaml" "$root/etc/buildwarden/config.yaml"
install -m 0644 "$src"/deploy/policies/*.yaml "$root/etc/buildwarden/policies/"
gzip -9n <"$man" >"$root/usr/share/man/man1/buildwarden.1.gz"
install -m 0644 "$src/deploy/completion/buildwarden.bash" \
	"$root/usr/share/bash-completion/completions/buildwarden"
install -m 0644 "$deb/copyright" "$root/usr/share/doc/buildwarden/copyright"
install -d "$root/usr/share/lintian/overrides"
install -m 0644 "$deb/lintian-overrides" "$root/usr/share/lintian/overrides/buildwarden"
install -m 0644 "$src/README.md" "$root/usr/share/doc/buildwarden/"
for d in CLI POLICY DETECTIONS DAEMON DEPLOY EVENTS REPORTS REDACTION ALERTS SECURITY PLATFORMS; do
	gzip -9n <"$src/docs/$d.md" >"$root/usr/share/doc/buildwarden/docs/$d.md.gz"
done
{
	printf 'buildwarden (%s) unstable; urgency=medium\n\n' "$debver"
	printf '  * Upstream release %s, packaged by make deb.\n\n' "$version"
	printf ' -- %s  %s\n' "$maintainer" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$root/usr/share/doc/buildwarden/changelog.Debian.gz"

(cd "$root" && find etc -type f | sed 's|^|/|' | sort) >"$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 0755 "$deb/$s" "$root/DEBIAN/$s"
done

# dpkg-shlibdeps wants a source tree's debian/control.
mkdir -p "$out/shlibs/debian"
printf 'Source: buildwarden\n\nPackage: buildwarden\nArchitecture: any\n' >"$out/shlibs/debian/control"
# Libraries the agent opens on first use instead of linking (BW_OPENED_LIBS,
# e.g. "-lcurl -lcrypto"; user/lib/lazy_lib.h): a stub linked against them
# gives dpkg-shlibdeps their packages as well.
stub=
if [ -n "${BW_OPENED_LIBS:-}" ]; then
	stub=$out/shlibs/opened-libs
	echo 'int main(void) { return 0; }' >"$stub.c"
	# shellcheck disable=SC2086 # a list of -l flags
	${CC:-cc} "$stub.c" -o "$stub" -Wl,--no-as-needed $BW_OPENED_LIBS
fi
depends=$(cd "$out/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/buildwarden" $stub |
	sed -n 's/^shlibs:Depends=//p')
rm -rf "$out/shlibs"
[ -n "$depends" ] || { echo "$0: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$debver|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$maintainer|" \
	-e "s|@SIZE@|$size|" -e "s|@DEPENDS@|$depends|" "$deb/control" >"$root/DEBIAN/control"

(cd "$root" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
pkg=$out/buildwarden_${debver}_$arch.deb
rm -f "$out"/buildwarden_*.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$pkg" >/dev/null
rm -rf "$root"
echo "$pkg"
