#!/bin/sh
# SPDX-License-Identifier: ISC
# install.sh: the install-glow action's work (see action.yml).  Installs
# glow under GLOW_INSTALL_DIR (default $RUNNER_TEMP/glow), appends its bin
# directory to GITHUB_PATH and writes bin=DIR to GITHUB_OUTPUT.
#
#   GLOW_INSTALL_FROM     source (default) or url
#   GLOW_INSTALL_URL      with url: the archive (https://, or file:// for tests)
#   GLOW_INSTALL_SHA256   with url: its SHA-256, required
#   GLOW_INSTALL_DIR      where to install
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
dest=${GLOW_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/glow}
from=${GLOW_INSTALL_FROM:-source}

say() { printf 'install-glow: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

# apt_need PACKAGE CHECK...: install PACKAGE unless CHECK succeeds.
missing=
apt_need() {
	p=$1
	shift
	"$@" >/dev/null 2>&1 || missing="$missing $p"
}
apt_install() {
	[ -n "$missing" ] || return 0
	command -v apt-get >/dev/null 2>&1 ||
		die "missing:$missing (no apt-get here: install them, or use from: url)"
	say "apt-get install$missing"
	$sudo apt-get update -qq >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}
# shellcheck disable=SC2317
header() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - -o /dev/null; }

mkdir -p "$dest/bin"
case $from in
source)
	apt_need make command -v make
	apt_need gcc command -v "${CC:-cc}"
	apt_need jq command -v jq
	apt_need libc6-dev header stdio.h
	apt_need libbearssl-dev header bearssl.h
	apt_need libcurl4-openssl-dev header curl/curl.h
	apt_need libjsmn-dev header jsmn.h
	apt_install
	say "building glow from $src"
	make -s -C "$src" -j2 B="$dest/build" all >&2
	cp "$dest/build/bin"/glow-* "$dest/bin/"
	;;
url)
	[ -n "${GLOW_INSTALL_URL:-}" ] || die "from: url needs url"
	case ${GLOW_INSTALL_SHA256:-} in
	"" | *[!0-9a-f]*) die "from: url needs sha256 (64 lower-case hex digits)" ;;
	esac
	[ ${#GLOW_INSTALL_SHA256} -eq 64 ] || die "from: url needs sha256 (64 lower-case hex digits)"
	case $GLOW_INSTALL_URL in
	https://* | file://*) ;;
	*) die "bad url '$GLOW_INSTALL_URL': want https://" ;;
	esac
	apt_need jq command -v jq
	apt_need curl command -v curl
	apt_install
	curl -fsSL --proto '=https,file' -o "$dest/glow.tar.gz" "$GLOW_INSTALL_URL" ||
		die "cannot download '$GLOW_INSTALL_URL'"
	printf '%s  %s\n' "$GLOW_INSTALL_SHA256" "$dest/glow.tar.gz" | sha256sum -c --status ||
		die "cannot use '$GLOW_INSTALL_URL': its SHA-256 is not $GLOW_INSTALL_SHA256"
	mkdir -p "$dest/unpack"
	tar -xzf "$dest/glow.tar.gz" -C "$dest/unpack"
	find "$dest/unpack" -type f -name 'glow-*' -exec cp {} "$dest/bin/" \;
	# The shell programs come from this tree when the archive lacks them.
	for s in "$src"/bin/glow-*; do
		case $s in *.c) continue ;; esac
		[ -e "$dest/bin/${s##*/}" ] || cp "$s" "$dest/bin/"
	done
	rm -rf "$dest/unpack" "$dest/glow.tar.gz"
	;;
*)
	die "bad from '$from': want source or url"
	;;
esac
chmod 755 "$dest/bin"/glow-*
"$dest/bin/glow-api" -V >/dev/null || die "the installed glow-api does not run"
say "installed: $(cd "$dest/bin" && echo glow-*)"
[ -n "${GITHUB_PATH:-}" ] && printf '%s\n' "$dest/bin" >>"$GITHUB_PATH"
[ -n "${GITHUB_OUTPUT:-}" ] && printf 'bin=%s\n' "$dest/bin" >>"$GITHUB_OUTPUT"
exit 0
