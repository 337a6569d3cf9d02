#!/bin/sh
# SPDX-License-Identifier: ISC
# mk/dist.sh (make dist): the release archive of the static programs.
#
#   sh mk/dist.sh VERSION STATIC_BIN OUT
#
# Writes OUT/glow-VERSION-linux-ARCH.tar.gz, holding glow-VERSION/ with
# bin/ (every static program and every shell program of bin/), man/man[157]/,
# LICENSE and README.md, and OUT/SHA256SUMS.  The same tree gives the same
# bytes, whenever and wherever it is built: entries sorted by name, owner
# and group 0, modes 755 or 644, one fixed mtime, gzip without a name or a
# time stamp.  That is what lets the install action carry the archive's
# SHA-256 before the release exists (see README, "Releasing").
set -eu

[ $# -eq 3 ] || { echo "usage: mk/dist.sh VERSION STATIC_BIN OUT" >&2; exit 2; }
version=$1 sbin=$2 out=$3
cd "$(dirname "$0")/.."

die() { printf 'dist: %s\n' "$*" >&2; exit 1; }

case $(uname -m) in
x86_64 | amd64) arch=x86_64 ;;
aarch64 | arm64) arch=aarch64 ;;
*) die "no release archive for machine '$(uname -m)'" ;;
esac
name=glow-$version
tarball=$name-linux-$arch.tar.gz
# Any fixed instant would do; this one is the day GitHub Classroom closed.
mtime=2026-08-28T00:00:00Z

stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/$name/bin" "$out"
for src in bin/glow-*; do
	p=${src#bin/}
	case $p in
	*.c) p=${p%.c}
		[ -f "$sbin/$p" ] || die "no static '$p' in '$sbin' (make static)"
		head -c 4 "$sbin/$p" | grep -q ELF || die "'$sbin/$p' is not a program"
		cp "$sbin/$p" "$stage/$name/bin/$p" ;;
	*) cp "$src" "$stage/$name/bin/$p" ;;
	esac
	chmod 755 "$stage/$name/bin/$p"
done
for m in man/*.[1-8]; do
	d=$stage/$name/man/man${m##*.}
	mkdir -p "$d"
	cp "$m" "$d/"
	chmod 644 "$d/${m##*/}"
done
cp LICENSE README.md "$stage/$name/"
chmod 644 "$stage/$name/LICENSE" "$stage/$name/README.md"
find "$stage" -type d -exec chmod 755 {} +

LC_ALL=C tar -C "$stage" --sort=name --format=gnu \
	--owner=0 --group=0 --numeric-owner --mtime="$mtime" \
	-cf - "$name" | gzip -n -9 >"$out/$tarball.tmp"
mv "$out/$tarball.tmp" "$out/$tarball"
rm -rf "$stage"
(cd "$out" && sha256sum "$tarball" >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)
printf 'dist: %s %d bytes\n' "$out/$tarball" "$(wc -c <"$out/$tarball")" >&2
cat "$out/SHA256SUMS"
