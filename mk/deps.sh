#!/bin/sh
# SPDX-License-Identifier: ISC
# mk/deps.sh (make deps): check what building and testing glow needs and
# install what is missing with apt-get when run as root; otherwise print the
# exact command.  Exit 0 when everything is there (or was installed), 1
# otherwise.
#
#   sh mk/deps.sh [-n] [build|demo|check]
#
#   -n      only check and print, never install
#   build   what make all needs (compiler, headers)
#   demo    and what make demo needs (the simulator, openssl, jq, curl)
#   check   and what make check, make static and the sanitizer, valgrind
#           and fuzz runs need: every test runs, none is skipped for a
#           missing package (the default)

set -u

dry=
[ "${1:-}" = -n ] && { dry=1; shift; }
group=${1:-check}
case $group in
build | demo | check) ;;
*) echo "usage: sh mk/deps.sh [-n] [build|demo|check]" >&2; exit 2 ;;
esac

CC=${CC:-cc}
missing=
have=

# need PACKAGE WHAT CHECK...: PACKAGE provides WHAT, present when CHECK
# succeeds.
need() {
	pkg=$1 what=$2
	shift 2
	if "$@" >/dev/null 2>&1; then
		have="$have $what"
	else
		printf 'deps: missing %-34s (%s)\n' "$what" "$pkg" >&2
		case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
	fi
}

tool() { command -v "$1"; }

# header H: the C compiler finds H.
header() { printf '#include <%s>\n' "$1" | $CC -E -x c - -o /dev/null; }

# The sanitizer runtime belongs to the installed clang's version.
sanitizers() {
	d=$(mktemp -d) || return 1
	printf 'int main(void) { return 0; }\n' >"$d/t.c"
	clang -fsanitize=address,undefined -o "$d/t" "$d/t.c"
	s=$?
	rm -rf "$d"
	return $s
}
clang_rt=libclang-rt-dev
v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
[ -n "$v" ] && clang_rt=libclang-rt-$v-dev

# Building (make).
need gcc			"C compiler ($CC)"	tool "$CC"
need libc6-dev			"C library headers"	header stdio.h
need make			make			tool make
need binutils			ar			tool ar
need libbearssl-dev		bearssl.h		header bearssl.h
need libjsmn-dev		jsmn.h			header jsmn.h
need libcurl4-openssl-dev	curl/curl.h		header curl/curl.h
need libfcgi-dev		fcgiapp.h		header fcgiapp.h
if [ "$group" != build ]; then
# The demo: the simulator, a throwaway key, glow-cohort's jq.
need jq				jq			tool jq
need python3			python3			tool python3
need openssl			openssl			tool openssl
need curl			curl			tool curl
fi
if [ "$group" = check ]; then
# Testing (make check, lint-man).
need perl			prove			tool prove
need mandoc			mandoc			tool mandoc
need libfcgi-bin		cgi-fcgi		tool cgi-fcgi
need ca-certificates		"CA bundle"		test -r /etc/ssl/certs/ca-certificates.crt
need git			git			tool git
need lighttpd			lighttpd		tool lighttpd
need chromium			chromium		test -x /usr/bin/chromium
need fonts-dejavu-core		"a font for screenshots" test -d /usr/share/fonts/truetype/dejavu
need nodejs			node			tool node
need npm			npm			tool npm
need shellcheck			shellcheck		tool shellcheck
need strace			strace			tool strace
# make static and its test.
need musl-tools			musl-gcc		tool musl-gcc
need dpkg-dev			dpkg-source		tool dpkg-source
need patch			patch			tool patch
need binutils			readelf			tool readelf
# make check-asan, make check-valgrind.
need clang			clang			tool clang
# Without clang yet, Debian's default runtime package comes with it.
need "$clang_rt" "ASan/UBSan runtime"	sanitizers
need valgrind			valgrind		tool valgrind
fi

if [ -z "$missing" ]; then
	echo "deps: everything $group needs is present"
	exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ -n "$dry" ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "deps: to install what is missing, run as root:"
	echo "    apt-get update && $cmd"
	exit 1
fi

# A fresh system may have no package lists yet.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
	echo "deps: apt-get update"
	apt-get update || exit 1
fi
echo "deps: $cmd"
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $cmd || {
	echo "deps: apt-get install failed; retrying after apt-get update" >&2
	apt-get update && DEBIAN_FRONTEND=noninteractive $cmd
} || exit 1
echo "deps: installed:$missing"
