#!/bin/sh
# Build a small static libcurl for `make STATIC=1`: Debian's own curl source
# (the version libcurl4-openssl-dev ships, fetched from Debian's archive by
# tools/fetch-debian-source.sh), configured for HTTP and HTTPS only, over
# OpenSSL and zlib. Why not Debian's libcurl.a: it is built with GSSAPI
# (krb5), LDAP, RTMP, SSH, PSL and nghttp2, and Debian ships no static
# archives of krb5, openldap, librtmp, libssh2, libpsl or nghttp2, so it
# cannot be linked into a static binary. The agent only POSTs to webhooks.
#
# Usage: tools/static-curl.sh CROSS_COMPILE OUTDIR SRCCACHE
#   CROSS_COMPILE  "" for a native build, or e.g. aarch64-linux-gnu-
#   OUTDIR         gets include/curl/*.h and lib/libcurl.a
#   SRCCACHE       where the Debian source is unpacked (build/debian-src)
# Idempotent: an existing OUTDIR/lib/libcurl.a is kept.
set -eu

cross=$1
out=$2
srccache=$3
here=$(cd "$(dirname "$0")" && pwd)

# pkg-config file for `pkg-config --static` (the Makefile puts OUTDIR's
# first on PKG_CONFIG_PATH): only what this build needs, not Debian's list.
write_pc() {
	mkdir -p "$out/lib/pkgconfig"
	cat >"$out/lib/pkgconfig/libcurl.pc" <<PC
prefix=$out
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: libcurl
Description: static libcurl (HTTP/HTTPS, OpenSSL, zlib) for buildwarden STATIC=1
Version: $(sed -n 's/^#define LIBCURL_VERSION "\(.*\)"/\1/p' "$out/include/curl/curlver.h")
Requires.private: libssl libcrypto zlib
Libs: -L\${libdir} -lcurl
Libs.private: -pthread
Cflags: -I\${includedir}
PC
}

if [ -f "$out/lib/libcurl.a" ]; then
	out=$(cd "$out" && pwd)
	[ -f "$out/lib/pkgconfig/libcurl.pc" ] || write_pc
	exit 0
fi

src=$("$here/fetch-debian-source.sh" curl "$srccache")
mkdir -p "$out"
out=$(cd "$out" && pwd)
bld=$out/build
rm -rf "$bld"
mkdir -p "$bld"

if [ -n "$cross" ]; then
	triplet=${cross%-}
	hostopt="--host=$triplet"
	export CC="${cross}gcc" AR="${cross}ar" RANLIB="${cross}ranlib"
else
	triplet=$(gcc -dumpmachine)
	hostopt=
fi
export PKG_CONFIG_LIBDIR="/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig"

echo "static-curl: configuring $src for $triplet in $bld" >&2
cd "$bld"
# shellcheck disable=SC2086
if ! "$src/configure" $hostopt --disable-shared --enable-static --with-pic \
	--with-openssl --with-zlib \
	--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs \
	--enable-http --disable-ftp --disable-file --disable-ldap --disable-ldaps \
	--disable-rtsp --disable-dict --disable-telnet --disable-tftp --disable-pop3 \
	--disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
	--disable-manual --disable-ntlm-wb --without-libidn2 --without-librtmp \
	--without-libssh2 --without-libpsl --without-nghttp2 --without-brotli \
	--without-zstd --without-gssapi --without-libgsasl \
	>"$bld/configure.log" 2>&1; then
	tail -n 20 "$bld/configure.log" >&2
	echo "static-curl: configure failed (log: $bld/configure.log)" >&2
	exit 1
fi
echo "static-curl: building lib/libcurl.a" >&2
if ! make -C lib -j"$(nproc)" libcurl.la >"$bld/make.log" 2>&1; then
	tail -n 20 "$bld/make.log" >&2
	echo "static-curl: make failed (log: $bld/make.log)" >&2
	exit 1
fi
mkdir -p "$out/lib" "$out/include/curl"
cp "$src"/include/curl/*.h "$out/include/curl/"
cp "$bld/lib/.libs/libcurl.a" "$out/lib/libcurl.a.tmp"
mv "$out/lib/libcurl.a.tmp" "$out/lib/libcurl.a"
rm -rf "$bld"
write_pc
