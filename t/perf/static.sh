#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/static.sh: HTTPS request latency, side by side.
#
#   - glow-api, dynamic (glibc, Debian's libcurl with OpenSSL) against static
#     (musl, libcurl 7.88 with BearSSL): one whole process per request;
#   - static curl(1) 7.88 with BearSSL, with and without
#     mk/curl-bearssl-handshake.patch: the one-second handshake stall.
#
# Each against a local HTTPS server on https://localhost (a test CA made
# here), once answering at once and once answering each connection 5 ms late,
# as a server a few milliseconds away does.  Medians of N runs (default 20).
# Needs make, make static; builds the two curl(1) with mk/static.sh
# curl-bench (cached in build/static/bench).
#
#   sh t/perf/static.sh [N]

set -eu
cd "$(dirname "$0")/../.."
top=$(pwd)
N=${1:-20}
W=$top/build/perf/static
DYN=$top/build/bin/glow-api
STA=$top/build/static/bin/glow-api

[ -x "$DYN" ] || make -s all >/dev/null
[ -x "$STA" ] || make -s static >/dev/null
sh mk/static.sh curl-bench
rm -rf "$W"
mkdir -p "$W"
cd "$W"

# A test CA and a certificate for localhost (BearSSL checks names, not IPs).
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
    -days 1 -subj /CN=glow-perf-ca -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
    -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out srv.pem -days 1 -extfile ext 2>/dev/null

# server DELAY: an HTTPS server answering a small JSON document, the
# response written in one piece (no Nagle/delayed-ACK artefact); DELAY
# seconds pass before each TLS handshake starts.  Prints its port.
server() {
	python3 -c '
import socket, ssl, sys, threading, time
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("srv.pem", "srv.key")
delay = float(sys.argv[1])
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(64)
print(ls.getsockname()[1], flush=True)
body = b"{\"full_name\": \"glow-org/perf\"}\n"
resp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
def serve(c):
    try:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if delay:
            time.sleep(delay)
        s = ctx.wrap_socket(c, server_side=True)
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                return
            buf += d
        s.sendall(resp)
        s.close()
    except Exception:
        c.close()
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$1" >"port.$1" &
	echo $! >>pids
	i=0
	while [ ! -s "port.$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	cat "port.$1"
}
trap 'for p in $(cat "$W/pids" 2>/dev/null); do kill "$p" 2>/dev/null; done' EXIT INT TERM

# median CMD...: median wall time of N runs of CMD, in milliseconds; every
# run must succeed.
median() {
	python3 -c '
import statistics, subprocess, sys, time
n = int(sys.argv[1]); cmd = sys.argv[2:]
t = []
for _ in range(n):
    a = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    t.append((time.perf_counter() - a) * 1000)
print("%8.1f ms  (min %.1f, max %.1f)" % (statistics.median(t), min(t), max(t)))
' "$N" "$@"
}

export SSL_CERT_FILE=$W/ca.pem GLOW_TOKEN=ghp_perf
fast=$(server 0)
slow=$(server 0.005)

for port in $fast $slow; do
	if [ "$port" = "$fast" ]; then
		what="server answering at once"
	else
		what="server answering each connection 5 ms late"
	fi
	echo "HTTPS GET https://localhost:$port/ ($what), median of $N, whole process"
	export GITHUB_API_URL=https://localhost:$port
	printf '  %-44s %s\n' "glow-api dynamic (glibc, libcurl+OpenSSL)" \
	    "$(median "$DYN" /repos/glow-org/perf)"
	printf '  %-44s %s\n' "glow-api static (musl, libcurl+BearSSL)" \
	    "$(median "$STA" /repos/glow-org/perf)"
	for v in unpatched patched; do
		printf '  %-44s %s\n' "curl(1) static, BearSSL, $v" \
		    "$(median "$top/build/static/bench/curl-$v" -sS -o /dev/null \
		    --cacert ca.pem "https://localhost:$port/")"
	done
	echo
done
printf 'sizes: glow-api dynamic %d bytes (+ shared libraries), static %d bytes\n' \
    "$(wc -c <"$DYN")" "$(wc -c <"$STA")"
