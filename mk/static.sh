#!/bin/sh
# SPDX-License-Identifier: ISC
# mk/static.sh: fully static glow programs linked with musl.
#
#   sh mk/static.sh [all]       BearSSL, minimal libcurl and libfcgi, then
#                               the programs
#   sh mk/static.sh deps        only BearSSL, libcurl and libfcgi
#   sh mk/static.sh curl-bench  static curl(1) tools, patched and unpatched
#                               (for t/perf/static.sh)
#
# BearSSL, curl and libfcgi come from the distribution's own source packages,
# fetched with `apt-get source` through a private apt configuration under
# $S/apt (the machine's apt configuration is only read, never changed): the
# deb-src entries are derived from the machine's own deb822 sources.
# libcurl is cut down to HTTP and HTTPS over BearSSL and patched with
# mk/curl-bearssl-handshake.patch.  Everything is cached under $S, so a
# second run only relinks what changed.  The programs are built by the main
# Makefile's own rules with B=$S and CC=musl-gcc.
#
# Environment: S (cache and output directory, default build/static), MAKE,
# CA_BUNDLE (libcurl's default CA file, default the Debian path).

set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
S=${S:-build/static}
case $S in /*) ;; *) S=$top/$S ;; esac
MAKE=${MAKE:-make}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
jobs=$(nproc 2>/dev/null || echo 2)
SYS=$S/sysroot
PATCH=$top/mk/curl-bearssl-handshake.patch

say() { printf 'static: %s\n' "$*" >&2; }
die() { printf 'static: %s\n' "$*" >&2; exit 1; }

for t in musl-gcc dpkg-source apt-get patch; do
	command -v $t >/dev/null 2>&1 ||
		die "'$t' not found; run 'make deps'"
done

# Size matters more than speed here: the target is < 1 MB per program.
OPT="-Os -ffunction-sections -fdata-sections"

# Source packages -----------------------------------------------------------

# The machine's deb822 sources with Types set to deb-src; a bookworm
# default when the machine has none in that form.
apt_sources() {
	found=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		sed 's/^Types:.*/Types: deb-src/' "$f"
		echo
		found=1
	done
	[ -n "$found" ] && return
	cat <<-EOF
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
}

fetch() {
	if ls "$S"/src/bearssl_*.dsc "$S"/src/curl_*.dsc \
	    "$S"/src/libfcgi_*.dsc >/dev/null 2>&1; then
		return
	fi
	say "fetching the bearssl, curl and libfcgi source packages (apt-get source)"
	A=$S/apt
	mkdir -p "$A/sources.list.d" "$A/lists/partial" \
	    "$A/cache/archives/partial" "$S/src"
	apt_sources >"$A/sources.list.d/deb-src.sources"
	set -- -q -o Dir::Etc::SourceList=/dev/null \
	    -o Dir::Etc::SourceParts="$A/sources.list.d" \
	    -o Dir::State::Lists="$A/lists" \
	    -o Dir::Cache="$A/cache" \
	    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
	    -o APT::Sandbox::User="$(id -un)"
	apt-get "$@" update >"$A/update.log" 2>&1 ||
		{ cat "$A/update.log" >&2; die "apt-get update (private lists) failed"; }
	# Download into a scratch directory first, so that an interrupted
	# download never looks like a complete cache.
	rm -rf "$S/src.tmp"
	mkdir -p "$S/src.tmp"
	(cd "$S/src.tmp" && apt-get "$@" source --download-only bearssl curl libfcgi) \
	    >>"$A/update.log" 2>&1 ||
		{ cat "$A/update.log" >&2; die "apt-get source failed"; }
	mv "$S"/src.tmp/* "$S/src/"
	rmdir "$S/src.tmp"
	# The package lists (20 MB) served their purpose.
	rm -rf "$A/lists" "$A/cache"
}

dsc() { ls "$S"/src/"$1"_*.dsc | tail -n 1; }

# A fresh tree of source package $1 in $2, with Debian's patches applied.
unpack() {
	rm -rf "$2"
	mkdir -p "${2%/*}"
	dpkg-source --no-check -x "$(dsc "$1")" "$2" >/dev/null
}

# BearSSL -------------------------------------------------------------------

bearssl() {
	key=$(printf '%s %s' "$(dsc bearssl)" "$OPT" | cksum)
	if [ -f "$SYS/lib/libbearssl.a" ] &&
	   [ "$(cat "$SYS/.bearssl" 2>/dev/null)" = "$key" ]; then
		return
	fi
	say "building BearSSL ($(basename "$(dsc bearssl)" .dsc))"
	W=$S/work/bearssl
	unpack bearssl "$W"
	$MAKE -s -C "$W" -j"$jobs" CC=musl-gcc AR=ar \
	    CFLAGS="-W -Wall $OPT" lib >"$S/work/bearssl.log" 2>&1 ||
		{ tail -n 30 "$S/work/bearssl.log" >&2; die "BearSSL build failed"; }
	mkdir -p "$SYS/lib" "$SYS/include"
	cp "$W/build/libbearssl.a" "$SYS/lib/"
	cp "$W"/inc/*.h "$SYS/include/"
	echo "$key" >"$SYS/.bearssl"
	rm -f "$SYS/.curl"	# libcurl links against this BearSSL
}

# libcurl -------------------------------------------------------------------

# HTTP and HTTPS over BearSSL, nothing else: no other protocol, no
# compression, IDN, PSL, HTTP/2, SSH, LDAP.
CURL_CONFIG="--disable-shared --enable-static
	--with-bearssl=$SYS --with-ca-bundle=$CA_BUNDLE --without-ca-path
	--enable-http --disable-ftp --disable-file --disable-ldap
	--disable-ldaps --disable-rtsp --disable-dict --disable-telnet
	--disable-tftp --disable-pop3 --disable-imap --disable-smb
	--disable-smtp --disable-gopher --disable-mqtt --disable-websockets
	--disable-manual --disable-ntlm --disable-ntlm-wb --disable-tls-srp
	--disable-doh --disable-alt-svc --disable-hsts --disable-netrc --disable-mime
	--disable-cookies --disable-libcurl-option
	--without-zlib --without-brotli --without-zstd --without-libidn2
	--without-libpsl --without-nghttp2 --without-ngtcp2 --without-nghttp3
	--without-libssh2 --without-libssh --without-librtmp
	--without-libgsasl --without-hyper --disable-dependency-tracking"

# curl_tree DIR PATCH: configure Debian's curl in DIR, with the handshake
# patch when PATCH is 1.
curl_tree() {
	unpack curl "$1"
	# Debian applies its GnuTLS and NSS flavour patches last (they rename
	# the library); this is the plain libcurl, so take them off again.
	# Maintainer mode is off, so the build never regenerates from them.
	for p in 99_nss.patch 90_gnutls.patch; do
		if [ -f "$1/debian/patches/$p" ]; then
			(cd "$1" && patch -s -R -p1 <"debian/patches/$p") ||
				die "cannot take off debian/patches/$p"
		fi
	done
	if [ "$2" = 1 ]; then
		(cd "$1" && patch -s -p1 <"$PATCH") ||
			die "mk/curl-bearssl-handshake.patch does not apply"
	fi
	say "configuring curl in ${1#"$top"/}"
	# shellcheck disable=SC2086
	(cd "$1" && ./configure CC=musl-gcc CFLAGS="$OPT" \
	    CPPFLAGS="-I$SYS/include" LDFLAGS="-L$SYS/lib" \
	    --prefix="$SYS" $CURL_CONFIG) >"$1.log" 2>&1 ||
		{ tail -n 30 "$1.log" >&2; die "curl configure failed (see $1.log)"; }
}

libcurl() {
	key=$(printf '%s %s %s' "$(dsc curl)" "$OPT $CURL_CONFIG" \
	    "$(cksum <"$PATCH")" | cksum)
	if [ -f "$SYS/lib/libcurl.a" ] &&
	   [ "$(cat "$SYS/.curl" 2>/dev/null)" = "$key" ]; then
		return
	fi
	say "building libcurl ($(basename "$(dsc curl)" .dsc), BearSSL, HTTP(S) only)"
	W=$S/work/curl
	curl_tree "$W" 1
	(cd "$W" && $MAKE -j"$jobs" -C lib && $MAKE -C lib install &&
	    $MAKE -C include install) >>"$W.log" 2>&1 ||
		{ tail -n 30 "$W.log" >&2; die "libcurl build failed (see $W.log)"; }
	echo "$key" >"$SYS/.curl"
}

# libfcgi ------------------------------------------------------------------

# Only the C library (fcgiapp.c and its os_unix.c), compiled directly: the
# source package has no configure script, and the configuration the
# distribution generated for Linux (libfcgi-dev's fcgi_config.h) holds
# for musl too.
libfcgi() {
	key=$(printf '%s %s' "$(dsc libfcgi)" "$OPT" | cksum)
	if [ -f "$SYS/lib/libfcgi.a" ] &&
	   [ "$(cat "$SYS/.fcgi" 2>/dev/null)" = "$key" ]; then
		return
	fi
	[ -r /usr/include/fcgi_config.h ] ||
		die "/usr/include/fcgi_config.h not found (libfcgi-dev); run 'make deps'"
	say "building libfcgi ($(basename "$(dsc libfcgi)" .dsc))"
	W=$S/work/libfcgi
	unpack libfcgi "$W"
	cp /usr/include/fcgi_config.h "$W/include/"
	(cd "$W/libfcgi" && for f in fcgiapp os_unix; do
		musl-gcc $OPT -I../include -c -o $f.o $f.c || exit 1
	done && ar rcs libfcgi.a fcgiapp.o os_unix.o) >"$W.log" 2>&1 ||
		{ tail -n 30 "$W.log" >&2; die "libfcgi build failed (see $W.log)"; }
	mkdir -p "$SYS/lib" "$SYS/include"
	cp "$W/libfcgi/libfcgi.a" "$SYS/lib/"
	for h in fastcgi.h fcgiapp.h fcgi_config.h; do
		cp "$W/include/$h" "$SYS/include/"
	done
	echo "$key" >"$SYS/.fcgi"
}

# The curl(1) tool, linked fully static, patched ($1=1) or not ($1=0), for
# the handshake benchmark.
curl_tool() {
	out=$S/bench/curl-$2
	[ -x "$out" ] && [ "$out" -nt "$PATCH" ] && return
	say "building a static curl(1), $2"
	W=$S/work/curl-$2
	curl_tree "$W" "$1"
	(cd "$W" && $MAKE -j"$jobs" -C lib && $MAKE -j"$jobs" -C src \
	    LDFLAGS="-L$SYS/lib -all-static") >>"$W.log" 2>&1 ||
		{ tail -n 30 "$W.log" >&2; die "curl build failed (see $W.log)"; }
	mkdir -p "$S/bench"
	strip -o "$out" "$W/src/curl"
}

deps() {
	fetch
	bearssl
	libcurl
	libfcgi
	# jsmn is a single header; musl-gcc must not see glibc's /usr/include.
	[ -r /usr/include/jsmn.h ] ||
		die "/usr/include/jsmn.h not found (libjsmn-dev); run 'make deps'"
	cmp -s /usr/include/jsmn.h "$SYS/include/jsmn.h" ||
		cp /usr/include/jsmn.h "$SYS/include/"
}

programs() {
	say "building the programs (musl, static)"
	$MAKE --no-print-directory -j"$jobs" B="${S#"$top"/}" CC=musl-gcc \
	    CPPFLAGS="-I$SYS/include" \
	    CFLAGS="$OPT -Wall -Wextra -Wno-unused-parameter" \
	    LDFLAGS="-static -s -Wl,--gc-sections -L$SYS/lib" \
	    LDLIBS="-lcurl -lbearssl" all
	for p in "$S"/bin/glow-*; do
		[ -f "$p" ] && head -c 4 "$p" | grep -q ELF || continue
		printf 'static: %-32s %8d bytes\n' "${p#"$top"/}" \
		    "$(wc -c <"$p")" >&2
	done
}

case ${1:-all} in
all)		deps; programs ;;
deps)		deps ;;
curl-bench)	fetch; bearssl; curl_tool 1 patched; curl_tool 0 unpatched ;;
*)		die "usage: mk/static.sh [all|deps|curl-bench]" ;;
esac
