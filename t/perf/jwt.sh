#!/bin/sh
# SPDX-License-Identifier: ISC
# Whole-process time to mint one GitHub App JWT (RS256, 2048-bit key):
# glow-jwt, against node doing the same with its built-in crypto, and
# against `openssl dgst -sha256 -sign` (signing alone, no JWT around it).
# Prints the medians side by side and the ratios.  A benchmark, not a
# test: it never fails on a slow machine.
#
#   sh t/perf/jwt.sh [RUNS]        (GLOW_BIN selects the build; 50 runs)
#
# Uses hyperfine when installed (apt-get install hyperfine), else a small
# timer in python3 that forks each run the same way.

runs=${1:-50}
src=$(cd "${0%/*}/../.." && pwd)
: "${GLOW_BIN:=$src/build/bin}"
jwt=$GLOW_BIN/glow-jwt

[ -x "$jwt" ] || { echo "jwt.sh: no $jwt; run make first" >&2; exit 0; }
command -v openssl >/dev/null 2>&1 || { echo "jwt.sh: openssl not installed" >&2; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/glow-perf-jwt.XXXXXX") || exit 0
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 0
umask 077
openssl genrsa -traditional -out key.pem 2048 2>/dev/null
printf '%s' 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDU0MCwiaXNzIjoiMTIzNDUifQ' >input

# The node equivalent of glow-jwt: read the key, sign, print the same JSON.
cat >jwt.js <<'EOF'
const crypto = require("node:crypto");
const fs = require("node:fs");
const b64url = (b) => Buffer.from(b).toString("base64url");
const key = crypto.createPrivateKey(fs.readFileSync(process.argv[2]));
const now = Math.floor(Date.now() / 1000);
const claims = { iat: now - 60, exp: now + 540, iss: process.argv[3] };
const input = b64url(JSON.stringify({ alg: "RS256", typ: "JWT" })) + "." +
    b64url(JSON.stringify(claims));
const sig = crypto.sign("sha256", Buffer.from(input), key);
const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
process.stdout.write(JSON.stringify({ token: input + "." + b64url(sig),
    issued_at: iso(claims.iat), expires_at: iso(claims.exp),
    app_id: claims.iss }) + "\n");
EOF

have_node=0
command -v node >/dev/null 2>&1 && node jwt.js key.pem 12345 >node.out 2>/dev/null &&
	have_node=1

# Name and command line of each contender, tab-separated.
{
	printf 'glow-jwt\t%s -a 12345 -k key.pem\n' "$jwt"
	[ $have_node = 1 ] && printf 'node\tnode jwt.js key.pem 12345\n'
	printf 'openssl dgst -sign\topenssl dgst -sha256 -sign key.pem -out sig input\n'
} >cmds

# median NAME CMD: print the median wall time of CMD in milliseconds.
if command -v hyperfine >/dev/null 2>&1; then
	timer="hyperfine $(hyperfine --version | cut -d' ' -f2)"
	median() {
		hyperfine -N -w 3 -r "$runs" --export-json h.json "$2" \
			>/dev/null 2>&1 &&
		jq -r '.results[0].median * 1000' h.json
	}
else
	timer=python3
	median() {
		python3 - "$runs" "$2" <<'EOF'
import shlex, statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), shlex.split(sys.argv[2])
for _ in range(3):
    subprocess.run(cmd, stdout=subprocess.DEVNULL)
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL)
    t.append(time.perf_counter() - s)
print(statistics.median(t) * 1000)
EOF
	}
fi

printf '# glow-jwt vs node vs openssl: median of %s runs, whole process (%s)\n' \
	"$runs" "$timer"
printf '# %s, %s, node %s\n' "$(uname -m)" "$(openssl version | cut -d' ' -f1-2)" \
	"$(node --version 2>/dev/null || echo absent)"
base=
while IFS='	' read -r name cmd; do
	ms=$(median "$name" "$cmd")
	[ -n "$ms" ] || { printf '%-20s %10s\n' "$name" "failed"; continue; }
	[ -n "$base" ] || base=$ms
	printf '%-20s %8.2f ms   %6.1fx glow-jwt\n' "$name" "$ms" \
		"$(echo "$ms $base" | awk '{ printf "%.1f", $1 / $2 }')"
done <cmds
[ $have_node = 1 ] || echo "node                 absent"
exit 0
