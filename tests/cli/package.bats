#!/usr/bin/env bats
# `make deb` (docs/DEPLOY.md, "Debian package"): lintian accepts the
# package (no error, no warning; overrides carry their reason in
# deploy/debian/lintian-overrides), it installs, `buildwarden doctor` runs
# from it, and `dpkg --purge` leaves no file and no enabled unit behind.
# Needs root (dpkg -i); lintian and dpkg-dev come from tools/deps.sh test.
# Run: bats --tap tests/cli/package.bats

bats_require_minimum_version 1.5.0

SRC=${BW_SRC:-$BATS_TEST_DIRNAME/../..}

show() {
	echo "status: $status"
	echo "output: $output"
}

setup_file() {
	# The sanitizer pass builds its own binary; the package is the release
	# build's, so it is checked once.
	case ${BW_BUILD:-} in *build-san-*) export BW_PKG_SKIP="a sanitizer build is not packaged" && return 0 ;; esac
	command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null ||
		{ export BW_PKG_SKIP="dpkg-dev missing (tools/deps.sh test)"; return 0; }
	local log=$BATS_FILE_TMPDIR/make-deb.log
	if make -C "$SRC" --no-print-directory deb >"$log" 2>&1; then
		export BW_DEB=$(tail -n 1 "$log")
	else
		export BW_DEB_FAIL=$log
	fi
}

need_deb() {
	[ -z "${BW_PKG_SKIP:-}" ] || skip "$BW_PKG_SKIP"
	[ -z "${BW_DEB_FAIL:-}" ] || { tail -n 30 "$BW_DEB_FAIL"; false; }
	[ -f "$BW_DEB" ] || { echo "make deb made no package"; false; }
}

@test "deb: the package holds the binary, unit, conffiles, man page, completion, copyright, changelog" {
	need_deb
	run dpkg-deb -c "$BW_DEB"
	[ "$status" -eq 0 ] || { show; false; }
	local f
	for f in ./usr/bin/buildwarden ./usr/lib/systemd/system/buildwarden.service \
		./etc/buildwarden/config.yaml ./etc/buildwarden/policies/strict.yaml \
		./usr/share/man/man1/buildwarden.1.gz ./usr/share/bash-completion/completions/buildwarden \
		./usr/share/doc/buildwarden/copyright ./usr/share/doc/buildwarden/changelog.Debian.gz; do
		[[ "$output" == *" $f"* ]] || { echo "missing $f"; show; false; }
	done
	[[ "$output" == *"root/root"* && "$output" != *"$(id -un)/"[^r]* ]]
	run dpkg-deb -f "$BW_DEB" Version Depends
	[[ "$output" == "Version: $("$SRC/tools/version.sh" | sed 's/-\([0-9]*\)-g/+\1.g/')-1"* ]] || { show; false; }
	# Depends from dpkg-shlibdeps: the libraries the binary links, and those it
	# opens on first use (libcurl, libcrypto: user/lib/lazy_lib.h).
	[[ "$output" == *libbpf1* && "$output" == *libcurl4* && "$output" == *libssl3* &&
		"$output" == *libc6* ]] || { show; false; }
	dpkg-deb --fsys-tarfile "$BW_DEB" | tar -xOf - ./usr/bin/buildwarden >"$BATS_TEST_TMPDIR/bw"
	! readelf -d "$BATS_TEST_TMPDIR/bw" | grep -E 'NEEDED.*lib(curl|crypto)' || { show; false; }
	dpkg-deb -I "$BW_DEB" conffiles | grep -qx /etc/buildwarden/config.yaml
	# The unit runs the packaged binary.
	dpkg-deb --fsys-tarfile "$BW_DEB" | tar -xOf - ./usr/lib/systemd/system/buildwarden.service |
		grep -qx 'ExecStart=/usr/bin/buildwarden daemon --config /etc/buildwarden/config.yaml'
	# The copyright file is machine-readable (DEP-5).
	dpkg-deb --fsys-tarfile "$BW_DEB" | tar -xOf - ./usr/share/doc/buildwarden/copyright |
		head -n 1 | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/'
}

@test "deb: lintian reports no error and no warning" {
	need_deb
	command -v lintian >/dev/null || skip "lintian missing (tools/deps.sh test)"
	run --separate-stderr lintian --tag-display-limit 0 "$BW_DEB"
	echo "$output"
	# E: errors, W: warnings; I: (information) and overridden tags pass.
	! printf '%s\n' "$output" | grep -q '^[EW]: ' || { show; false; }
	[ "$status" -eq 0 ] || { show; echo "$stderr"; false; }
}

@test "deb: installs, doctor runs, an enabled unit and its state are gone after dpkg --purge" {
	need_deb
	[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i)"
	! dpkg -s buildwarden >/dev/null 2>&1 || skip "a buildwarden package is installed on this host already"
	local want=/etc/systemd/system/multi-user.target.wants/buildwarden.service
	run dpkg -i "$BW_DEB"
	[ "$status" -eq 0 ] || { show; dpkg --purge buildwarden; false; }
	# From here on, purge whatever happens.
	local ok=1
	dpkg -L buildwarden >"$BATS_TEST_TMPDIR/files"
	[ -x /usr/bin/buildwarden ] || { echo "no /usr/bin/buildwarden"; ok=0; }
	run /usr/bin/buildwarden --version
	[ "$status" -eq 0 ] && [ "$output" = "buildwarden $("$SRC/tools/version.sh")" ] || { show; ok=0; }
	# doctor runs (status 0: this host can run the agent; 1: it says why not).
	run timeout 60 /usr/bin/buildwarden doctor
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ] || { show; ok=0; }
	[[ "$output" == *"kernel"* && "$output" == *"btf"* ]] || { show; ok=0; }
	# The man page and the completion are where man and bash look.
	man -w buildwarden | grep -qx /usr/share/man/man1/buildwarden.1.gz || ok=0
	# The service is installed disabled; an administrator enables it.
	[ ! -e "$want" ] || { echo "enabled on install"; ok=0; }
	systemctl enable buildwarden.service >/dev/null 2>&1 || ln -s /usr/lib/systemd/system/buildwarden.service "$want"
	[ -L "$want" ] || { echo "could not enable the unit"; ok=0; }
	# The daemon's state, as the unit's StateDirectory= would create it.
	mkdir -p /var/lib/buildwarden/reports && touch /var/lib/buildwarden/reports/x.json
	run dpkg --purge buildwarden
	[ "$status" -eq 0 ] || { show; false; }
	[ "$ok" -eq 1 ]
	! dpkg -s buildwarden >/dev/null 2>&1
	local f left=
	while read -r f; do
		case $f in /. | /etc | /usr | /usr/* | /var | /var/lib) [ -d "$f" ] && continue ;; esac
		[ ! -e "$f" ] || left="$left $f"
	done <"$BATS_TEST_TMPDIR/files"
	[ -z "$left" ] || { echo "left after purge:$left"; false; }
	for f in /usr/bin/buildwarden /etc/buildwarden /var/lib/buildwarden /usr/share/doc/buildwarden "$want" \
		/var/lib/systemd/deb-systemd-helper-enabled/buildwarden.service.dsh-also; do
		[ ! -e "$f" ] && [ ! -L "$f" ] || { echo "left after purge: $f"; false; }
	done
}
