#!/bin/sh
# SPDX-License-Identifier: ISC
# Signed 25 KB webhook deliveries over HTTP on 127.0.0.1, driven by wrk:
# glow-webhook behind lighttpd, as a FastCGI responder and as a CGI program
# (verified, deduplicated and durably spooled: fdatasync of the envelope
# and fsync of spool/new before the answer), side by side in the same run
# with adnanh/webhook (Debian package webhook) verifying the same
# X-Hub-Signature-256 (trigger rule payload-hmac-sha256) and running a
# no-op command (/bin/true).  Prints the medians of the runs: requests per
# second and p99 latency.  A benchmark, not a test: it never fails on a
# slow machine.
#
#   sh t/perf/webhook.sh [RUNS [SECONDS [CONNECTIONS]]]   (3, 10, 16)
#
# ONLY="glow webhook" measures only those contenders (names as in the
# "runs" lines at the end).
#
# Every request is a distinct delivery: glow-webhook drops a body it has
# seen, so a fixed body would measure its duplicate path.  wrk's LuaJIT has
# no HMAC, so the script carries SHA-256: the 25,600-byte body prefix is
# hashed once (after the HMAC inner key block), and each request only
# hashes its own tail ("seq":"THREAD-N") and the outer block, about three
# SHA-256 blocks.  Both servers get the same bodies and signatures.
#
# webhook is measured as it is deployed by default (the command is started
# and the answer sent without waiting for it) and, as "webhook (sync)", with
# include-command-output-in-response, which waits for the command.  With
# /dev/shm present, glow-webhook also runs with its spool there, which
# shows what the disk flushes cost.

runs=${1:-3}
secs=${2:-10}
conns=${3:-16}
src=$(cd "${0%/*}/../.." && pwd)
# GLOW_BIN (default build/bin) is measured as a FastCGI responder and as a
# CGI program; the static build too, when there is one (make static), or
# STATIC_BIN.  A CGI program is started for every request, and a static one
# starts in about half the time.
GLOW_BIN=${GLOW_BIN:-$src/build/bin}
STATIC_BIN=${STATIC_BIN:-$src/build/static/bin}
[ -x "$STATIC_BIN/glow-webhook" ] || STATIC_BIN=

for c in wrk lighttpd webhook curl; do
	command -v $c >/dev/null 2>&1 ||
		{ echo "webhook.sh: $c not installed (apt-get install $c)" >&2; exit 0; }
done
[ -x "$GLOW_BIN/glow-webhook" ] ||
	{ echo "webhook.sh: no $GLOW_BIN/glow-webhook; run make first" >&2; exit 0; }

# On disk, not tmpfs, unless the caller says otherwise: the flushes count.
tmp=$(mktemp -d "${PERF_TMPDIR:-$src/build}/perf-webhook.XXXXXX") || exit 0
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$tmp" || exit 0
umask 077
secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$secret" >secret
PERF_SECRET=$secret
export PERF_SECRET

freeport() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# lighttpd + glow-webhook, from an example configuration.
start_glow() { # NAME SPOOLDIR CONF BIN
	port=$(freeport)
	mkdir -p "$2" root
	sed -e "s|^var.port .*|var.port = $port|" \
	    -e "s|^var.glow_bin .*|var.glow_bin = \"$4\"|" \
	    -e "s|^var.secret_file .*|var.secret_file = \"$tmp/secret\"|" \
	    -e "s|^var.spool .*|var.spool = \"$2\"|" \
	    -e "s|^var.root .*|var.root = \"$tmp/root\"|" \
	    -e "s|^var.log .*|var.log = \"$tmp/$1.log\"|" \
	    -e "s|^var.socket .*|var.socket = \"$tmp/$1.socket\"|" \
	    "$src/examples/$3" >"$1.conf"
	lighttpd -D -f "$1.conf" >>"$1.log" 2>&1 &
	pids="$pids $!"
	eval "url_$1=http://127.0.0.1:$port/github/webhook"
}

start_webhook() { # NAME SYNC
	port=$(freeport)
	cat >"$1.json" <<EOF
[{"id": "github", "execute-command": "/bin/true",
  "include-command-output-in-response": $2,
  "response-message": "accepted",
  "trigger-rule": {"match": {"type": "payload-hmac-sha256",
    "secret": "$secret",
    "parameter": {"source": "header", "name": "X-Hub-Signature-256"}}}}]
EOF
	webhook -hooks "$1.json" -ip 127.0.0.1 -port "$port" >"$1.log" 2>&1 &
	pids="$pids $!"
	eval "url_$1=http://127.0.0.1:$port/hooks/github"
}

cat >sign.lua <<'EOF'
-- SHA-256 (FIPS 180-4) and HMAC (RFC 2104) in LuaJIT, with the midstate
-- of a fixed prefix kept, so each request hashes only its tail.
local bit = require("bit")
local band, bxor, bnot, ror, rshift, tobit, tohex =
    bit.band, bit.bxor, bit.bnot, bit.ror, bit.rshift, bit.tobit, bit.tohex
local byte, char, rep, sub = string.byte, string.char, string.rep, string.sub

local K = {
 0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
 0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
 0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
 0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
 0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
 0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
 0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
 0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2 }

local W = {}
local function compress(H, s, off)
	for i = 0, 15 do
		local a, b, c, d = byte(s, off + 4 * i, off + 4 * i + 3)
		W[i] = tobit(a * 16777216 + b * 65536 + c * 256 + d)
	end
	for i = 16, 63 do
		local x, y = W[i - 15], W[i - 2]
		W[i] = tobit(W[i - 16] + bxor(ror(x, 7), ror(x, 18), rshift(x, 3)) +
		    W[i - 7] + bxor(ror(y, 17), ror(y, 19), rshift(y, 10)))
	end
	local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
	for i = 0, 63 do
		local t1 = tobit(h + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) +
		    bxor(band(e, f), band(bnot(e), g)) + K[i + 1] + W[i])
		local t2 = tobit(bxor(ror(a, 2), ror(a, 13), ror(a, 22)) +
		    bxor(band(a, b), band(a, c), band(b, c)))
		h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
	end
	H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
	H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
end

local function new()
	return { H = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }, buf = "", len = 0 }
end
local function copy(st)
	local H = {}
	for i = 1, 8 do H[i] = st.H[i] end
	return { H = H, buf = st.buf, len = st.len }
end
local function update(st, s)
	s = st.buf .. s
	st.len = st.len + #s - #st.buf
	local n = #s - #s % 64
	for off = 1, n, 64 do compress(st.H, s, off) end
	st.buf = sub(s, n + 1)
end
local function final(st)
	local bits = st.len * 8
	local pad = "\128" .. rep("\0", (55 - st.len) % 64)
	local hi, lo = math.floor(bits / 4294967296), bits % 4294967296
	local function be(w)
		return char(band(rshift(w, 24), 255), band(rshift(w, 16), 255),
		    band(rshift(w, 8), 255), band(w, 255))
	end
	update(st, pad .. be(hi) .. be(lo))
	local out = {}
	for i = 1, 8 do out[i] = be(st.H[i]) end
	return table.concat(out)
end
local function hexof(d)
	return (d:gsub(".", function(c) return string.format("%02x", byte(c)) end))
end

-- HMAC states with the key blocks (and later a prefix) absorbed.
local function hmac_states(key)
	key = key .. rep("\0", 64 - #key)
	local ipad, opad = {}, {}
	for i = 1, 64 do
		ipad[i] = char(bxor(byte(key, i), 0x36))
		opad[i] = char(bxor(byte(key, i), 0x5c))
	end
	local inner, outer = new(), new()
	update(inner, table.concat(ipad))
	update(outer, table.concat(opad))
	return inner, outer
end
local function hmac_finish(inner, outer, tail)
	local i, o = copy(inner), copy(outer)
	update(i, tail)
	update(o, final(i))
	return hexof(final(o))
end

-- GitHub's test vector, or nothing is measured.
do
	local i, o = hmac_states("It's a Secret to Everybody")
	assert(hmac_finish(i, o, "Hello, World!") ==
	    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
	    "sign.lua: HMAC-SHA256 self-test failed")
end

-- The body: a 25,600-byte prefix (a multiple of 64) and a distinct tail.
local prefix = '{"zen":"perf","pad":"' .. rep("x", 25600 - 22) .. '"'
assert(#prefix == 25600)
local inner, outer = hmac_states(os.getenv("PERF_SECRET"))
update(inner, prefix)

local threads, all = 0, {}
function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
	all[threads] = thread
end

-- glow-webhook answers a duplicate with 200, a new delivery with 202.
answered200 = 0
function response(status)
	if status == 200 then answered200 = answered200 + 1 end
end
function done()
	local n = 0
	for _, t in ipairs(all) do n = n + (t:get("answered200") or 0) end
	io.write(string.format("answered 200: %d\n", n))
end

local n = 0
function request()
	n = n + 1
	local tail = string.format(',"seq":"%s-%d-%d"}', RUN or "x", tid, n)
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/json",
		["User-Agent"] = "GitHub-Hookshot/perf",
		["X-GitHub-Event"] = "push",
		["X-GitHub-Delivery"] = string.format("perf-%s-%d-%d", RUN or "x", tid, n),
		["X-Hub-Signature-256"] = "sha256=" .. hmac_finish(inner, outer, tail),
	}, prefix .. tail)
end
EOF

start_glow glow "$tmp/spool" lighttpd-webhook.conf "$GLOW_BIN"
names=glow
if [ -n "$STATIC_BIN" ]; then
	start_glow glowstatic "$tmp/spoolstatic" lighttpd-webhook.conf "$STATIC_BIN"
	start_glow glowcgistatic "$tmp/spoolcgistatic" lighttpd-webhook-cgi.conf \
	    "$STATIC_BIN"
	names="$names glowstatic glowcgistatic"
fi
start_glow glowcgi "$tmp/spoolcgi" lighttpd-webhook-cgi.conf "$GLOW_BIN"
start_webhook webhook false
start_webhook webhooksync true
names="$names glowcgi webhook webhooksync"
if [ -d /dev/shm ] && shm=$(mktemp -d /dev/shm/glow-perf.XXXXXX); then
	start_glow glowshm "$shm/spool" lighttpd-webhook.conf "$GLOW_BIN"
	names="$names glowshm"
	trap 'cleanup; rm -rf "$shm"' EXIT
fi
[ -n "${ONLY:-}" ] && names=$ONLY
sleep 1

# Signed deliveries through each, checked before any load.
for n in $names; do
	eval "u=\$url_$n"
	code=$(wrk -t1 -c1 -d1s -s sign.lua "$u" 2>&1 | grep -c "Non-2xx")
	if [ "$code" != 0 ]; then
		echo "webhook.sh: $n does not accept the signed deliveries:" >&2
		curl -s -i "$u" >&2
		cat "$tmp/$n.log" >&2
		exit 0
	fi
done

# measure NAME RUN: one wrk run; "rps p99ms non2xx requests" into res.NAME.
# The disk is flushed first: a run writes about a gigabyte, and the next
# contender must not pay for its writeback.
measure() {
	eval "u=\$url_$1"
	sed "s/RUN or \"x\"/\"$1r$2\"/g" sign.lua >run.lua
	sync
	sleep 1
	wrk -t2 -c"$conns" -d"${secs}s" --latency -s run.lua "$u" >"wrk.$1.$2" 2>&1
	awk -v n="$1" '
	    /Requests\/sec:/ { rps = $2 }
	    /^ +99%/ { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0;
	        else if (v ~ /s$/) v = v * 1000; p99 = v }
	    /requests in/ { req = $1 }
	    /Non-2xx/ { bad = $NF }
	    /^answered 200:/ { dup = $3 }
	    END { printf "%s %.1f %.2f %d %d %d\n", n, rps, p99, bad + 0, req, dup }' \
	    "wrk.$1.$2" >>"res.$1"
}

before=$(ls "$tmp/spool/new" | wc -l)
echo "# $(nproc) CPUs; wrk -t2 -c$conns -d${secs}s; 25,6xx-byte signed deliveries, each distinct"
echo "# glow-webhook: $GLOW_BIN/glow-webhook ($(file -b "$GLOW_BIN/glow-webhook" 2>/dev/null | cut -d, -f1-5))"
[ -n "$STATIC_BIN" ] &&
	echo "# static: $STATIC_BIN/glow-webhook ($(file -b "$STATIC_BIN/glow-webhook" 2>/dev/null | cut -d, -f1-5))"
for r in $(seq 1 "$runs"); do
	for n in $names; do
		measure "$n" "$r"
	done
done

# Every delivery is distinct (the run's name is in its body and ID), so
# every 2xx of glow-webhook was a 202 after a durable spool: count them.
spooled=$(( $(ls "$tmp/spool/new" | wc -l) - before ))
answered=$(awk '{ s += $5 } END { print s }' res.glow)
dups=$(awk '{ s += $6 } END { print s }' res.glow)

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
label() {
	case $1 in
	glow) echo "glow-webhook (lighttpd FastCGI, fsync'd spool)" ;;
	glowstatic) echo "glow-webhook static (FastCGI, fsync'd spool)" ;;
	glowcgistatic) echo "glow-webhook static (CGI, fsync'd spool)" ;;
	glowcgi) echo "glow-webhook (lighttpd CGI, fsync'd spool)" ;;
	glowshm) echo "glow-webhook (FastCGI, spool on /dev/shm)" ;;
	webhook) echo "adnanh/webhook $(webhook -version 2>/dev/null | awk '{print $3}') (async command)" ;;
	webhooksync) echo "adnanh/webhook (sync command)" ;;
	esac
}
printf '%-46s %10s %10s %8s\n' contender 'req/s' 'p99 ms' 'non-2xx'
for n in $names; do
	rps=$(awk '{ print $2 }' "res.$n" | median)
	p99=$(awk '{ print $3 }' "res.$n" | median)
	bad=$(awk '{ s += $4 } END { print s }' "res.$n")
	printf '%-46s %10s %10s %8s\n' "$(label $n)" "$rps" "$p99" "$bad"
done
for n in $names; do
	printf '# %s runs (req/s p99):' "$n"
	awk '{ printf " %s/%s", $2, $3 } END { print "" }' "res.$n"
done
echo "# glow-webhook: $answered requests completed by wrk ($dups answered 200 duplicate), $spooled envelopes in spool/new"
