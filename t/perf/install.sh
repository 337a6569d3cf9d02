#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/install.sh: how long the install-glow action takes on this
# machine, from the release archive (make dist, served on 127.0.0.1, the
# SHA-256 checked, unpacked) against from source (make of every program;
# the build packages already installed, so apt-get's tens of seconds on a
# bare runner are not counted).  Medians of N runs each, and the archive's
# size.  A benchmark, not a test: it prints figures and never fails on a
# slow machine.
#
#   sh t/perf/install.sh [N]      (after make static)
set -eu
cd "$(dirname "$0")/../.."
n=${1:-5}
top=$(pwd)
version=$(sed -n 's/^VERSION *= *//p' Makefile)
file=glow-$version-linux-x86_64.tar.gz
w=$(mktemp -d "${TMPDIR:-/tmp}/glow-perf-install.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$w"' EXIT

rel=$w/srv/octo/glow/releases/download/v$version
act=$w/_actions/octo/glow/v$version/.github/actions/install-glow
mkdir -p "$rel" "$act"
sh mk/dist.sh "$version" build/static/bin "$rel" >/dev/null 2>&1
cp .github/actions/install-glow/action.yml .github/actions/install-glow/install.sh "$act/"
cp "$rel/SHA256SUMS" "$act/"
python3 -m http.server --bind 127.0.0.1 0 --directory "$w/srv" >"$w/http.log" 2>&1 &
pid=$!
until port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$w/http.log" | head -n 1) && [ -n "$port" ]; do sleep 0.1; done

ms() { date +%s%N | cut -c1-13; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

i=0
while [ $i -lt "$n" ]; do
	i=$((i + 1)); rm -rf "$w/r"
	t0=$(ms)
	GITHUB_SERVER_URL=http://127.0.0.1:$port GLOW_INSTALL_DIR=$w/r sh "$act/install.sh" 2>/dev/null
	echo $(($(ms) - t0))
done | median >"$w/release"
i=0
m=$(( n < 3 ? n : 3 ))
while [ $i -lt "$m" ]; do
	i=$((i + 1)); rm -rf "$w/s"
	t0=$(ms)
	GLOW_INSTALL_FROM=source GLOW_INSTALL_DIR=$w/s sh "$top/.github/actions/install-glow/install.sh" >/dev/null 2>&1
	echo $(($(ms) - t0))
done | median >"$w/source"
r=$(cat "$w/release") s=$(cat "$w/source")
printf 'install-glow on %s (%s cores), medians\n' "$(uname -m)" "$(nproc)"
printf '  from release (%d runs): %8.0f ms   archive %d bytes\n' "$n" "$r" "$(wc -c <"$rel/$file")"
printf '  from source  (%d runs): %8.0f ms   (make only; apt-get not counted)\n' "$m" "$s"
awk -v r="$r" -v s="$s" 'BEGIN { printf "  release is %.0fx faster\n", s / r }'
