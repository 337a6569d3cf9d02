#!/bin/sh
# SPDX-License-Identifier: ISC
# install.sh: the install-glow action's work (see action.yml).  Installs
# glow under GLOW_INSTALL_DIR (default $RUNNER_TEMP/glow), appends its bin
# directory to GITHUB_PATH and writes bin=DIR and version=V to
# GITHUB_OUTPUT.
#
#   GLOW_INSTALL_FROM        release (default) or source
#   GLOW_INSTALL_REPOSITORY  with release: OWNER/NAME of the release; by
#                            default the repository this action was taken
#                            from, read from its path on the runner
#                            (.../_actions/OWNER/NAME/REF/...), since the
#                            runner does not promise github.action_repository
#                            to composite actions (actions/runner#2473)
#   GLOW_INSTALL_SERVER_URL  with release: the server (default
#                            $GITHUB_SERVER_URL, else https://github.com)
#   GLOW_INSTALL_DIR         where to install
#
# The release installed is the one SHA256SUMS beside this file names for
# this machine (make pin-release writes it before a release is tagged); its
# archive is checked against that SHA-256 before anything is unpacked.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../../.." && pwd)
dest=${GLOW_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/glow}
from=${GLOW_INSTALL_FROM:-release}

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
		die "missing:$missing (no apt-get here: install them first)"
	say "apt-get install$missing"
	$sudo apt-get update -qq >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
}
# shellcheck disable=SC2317
header() { printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - -o /dev/null; }

# The repository this action was taken from: the runner unpacks an action
# to .../_actions/OWNER/NAME/REF/ and this file is .github/actions/install-glow
# below that.
action_repository() {
	p=${src%/}
	case $p in */_actions/*/*/*) ;; *) return 1 ;; esac
	p=${p%/*}
	name=${p##*/}
	p=${p%/*}
	printf '%s/%s\n' "${p##*/}" "$name"
}

from_release() {
	case $(uname -m) in
	x86_64 | amd64) arch=x86_64 ;;
	aarch64 | arm64) arch=aarch64 ;;
	*) die "no glow release for machine '$(uname -m)': use from: source" ;;
	esac
	[ -r "$here/SHA256SUMS" ] || die "no release is pinned in '$here/SHA256SUMS': use from: source"
	line=$(grep -E "^[0-9a-f]{64}  glow-[0-9][0-9A-Za-z.-]*-linux-$arch\.tar\.gz\$" "$here/SHA256SUMS" | head -n 1)
	[ -n "$line" ] || die "no release archive for linux-$arch is pinned in SHA256SUMS: use from: source"
	sum=${line%% *}
	file=${line##* }
	version=${file#glow-}
	version=${version%-linux-"$arch".tar.gz}

	repo=${GLOW_INSTALL_REPOSITORY:-}
	[ -n "$repo" ] || repo=$(action_repository) || repo=${GITHUB_REPOSITORY:-}
	case $repo in
	*/*/* | /* | */ | *[!A-Za-z0-9._/-]*) die "bad repository '$repo': want OWNER/NAME" ;;
	*/*) ;;
	*) die "cannot tell which repository's release to install: set the repository input" ;;
	esac
	server=${GLOW_INSTALL_SERVER_URL:-${GITHUB_SERVER_URL:-https://github.com}}
	server=${server%/}
	# https, or plain http to this machine only (the tests' server).
	case $server in
	https://* | http://127.0.0.1 | http://127.0.0.1:* | http://localhost | http://localhost:*) ;;
	*) die "bad server URL '$server': want https://" ;;
	esac
	url=$server/$repo/releases/download/v$version/$file

	apt_need curl command -v curl
	apt_need jq command -v jq
	apt_install
	mkdir -p "$dest"
	archive=$dest/$file
	say "downloading glow $version: $url"
	curl -fsSL --retry 3 --proto '=https,http' -o "$archive" "$url" ||
		die "cannot download '$url' (is release v$version published in $repo?)"
	printf '%s  %s\n' "$sum" "$archive" | sha256sum -c --status || {
		rm -f "$archive"
		die "refusing '$url': its SHA-256 is not the $sum this action pins"
	}
	rm -rf "$dest/glow-$version"
	tar -xzf "$archive" -C "$dest" "glow-$version/" ||
		die "cannot unpack '$archive'"
	rm -f "$archive"
	bin=$dest/glow-$version/bin
}

from_source() {
	apt_need make command -v make
	apt_need gcc command -v "${CC:-cc}"
	apt_need jq command -v jq
	apt_need libc6-dev header stdio.h
	apt_need libbearssl-dev header bearssl.h
	apt_need libcurl4-openssl-dev header curl/curl.h
	apt_need libjsmn-dev header jsmn.h
	apt_need libfcgi-dev header fcgiapp.h
	apt_install
	say "building glow from $src"
	mkdir -p "$dest/bin"
	make -s -C "$src" -j2 B="$dest/build" all >&2
	cp "$dest/build/bin"/glow-* "$dest/bin/"
	version=$(sed -n 's/^VERSION *= *//p' "$src/Makefile")
	bin=$dest/bin
}

case $from in
release) from_release ;;
source) from_source ;;
*) die "bad from '$from': want release or source" ;;
esac
chmod 755 "$bin"/glow-*
"$bin/glow-api" -V >/dev/null || die "the installed glow-api does not run"
say "installed glow $version in $bin: $(cd "$bin" && echo glow-*)"
[ -n "${GITHUB_PATH:-}" ] && printf '%s\n' "$bin" >>"$GITHUB_PATH"
[ -n "${GITHUB_OUTPUT:-}" ] && printf 'bin=%s\nversion=%s\n' "$bin" "$version" >>"$GITHUB_OUTPUT"
exit 0
