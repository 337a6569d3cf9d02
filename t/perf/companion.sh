#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/companion.sh: glow-companion behind lighttpd (mod_cgi, the make
# serve configuration), measured with wrk (Debian package "wrk"):
# GET /register, GET /healthz, a facilitator's GET /dashboard on a roster of
# N learners (default 5,000), and registrations per second; each side by
# side with lighttpd serving a static file of the same size in the same run
# (the ceiling: what the server does with no program at all).
#
#   make && sh t/perf/companion.sh [LEARNERS] [SECONDS]
#
# Work files go to build/perf/companion/.  Targets (issue 7): the register
# page at least 1,000 requests per second on a 2-core machine; the
# dashboard on 5,000 learners under 50 ms at the 99th percentile.
set -eu

top=$(cd "${0%/*}/../.." && pwd)
bin=${GLOW_BIN:-$top/build/bin}
out=$top/build/perf/companion
n=${1:-5000}
secs=${2:-10}
threads=2
conns=${CONNS:-8}
[ -x "$bin/glow-companion" ] || { echo "companion.sh: build first (make)" >&2; exit 2; }
for t in wrk lighttpd curl make python3; do
	command -v $t >/dev/null || { echo "companion.sh: needs $t" >&2; exit 2; }
done
rm -rf "$out"
mkdir -p "$out"
cd "$out"

# The roster: n learners in 8 cohorts, every state and status.
awk -v n="$n" 'BEGIN {
	split("pending provisioned failed healed", st, " ")
	split("awaiting-ack active-day1 day1-complete day2-released needs-info", ss, " ")
	printf "{\n  \"version\": 1,\n  \"generated_at\": \"2026-03-01T10:00:00.000Z\",\n  \"cohorts\": [\n"
	for (c = 0; c < 8; c++)
		printf "    {\n      \"cohort_id\": \"cohort-%d\",\n      \"label\": \"Cohort %d\"\n    }%s\n", c, c, c < 7 ? "," : ""
	printf "  ],\n  \"learners\": [\n"
	for (i = 0; i < n; i++) {
		h = sprintf("learner-%06d", i); c = sprintf("cohort-%d", i % 8); s = st[i % 4 + 1]
		printf "    {\n      \"github_handle\": \"%s\",\n      \"cohort_id\": \"%s\",\n", h, c
		printf "      \"path\": \"%s\",\n", i % 7 ? "day1-day2" : "day2-only"
		if (s == "pending") printf "      \"learning_room_repo\": null,\n"
		else printf "      \"learning_room_repo\": \"Community-Access/learning-room-%s-%s\",\n", c, h
		printf "      \"provision_state\": \"%s\",\n      \"status\": \"%s\",\n", s, ss[i % 5 + 1]
		printf "      \"registered_at\": \"2026-02-%02dT%02d:%02d:00.000Z\",\n", i % 28 + 1, i % 24, i % 60
		printf "      \"last_signal_at\": null,\n      \"enrollment_repo\": null,\n"
		printf "      \"enrollment_issue_number\": null,\n      \"notes\": \"\"\n    }%s\n", i < n - 1 ? "," : ""
	}
	printf "  ]\n}\n"
}' >roster.json
"$bin/glow-roster" fmt -f roster.json

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$port
make -s -C "$top" serve-config SERVE_DIR="$out/serve" SERVE_PORT="$port" \
    SERVE_BIN="$bin/glow-companion" SERVE_ROSTER="$out/roster.json" SERVE_RATE_MAX=0 >/dev/null
lighttpd -D -f "$out/serve/lighttpd.conf" >lighttpd.out 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT INT TERM
i=0
until curl -sf "$URL/healthz" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "companion.sh: lighttpd did not start" >&2; exit 2; }
	sleep 0.1
done

# A facilitator's cookie, a learner's session and CSRF token.
curl -s -D h -o b "$URL/login"
jar=$(tr -d '\r' <h | sed -n 's/^Set-Cookie: glow_session=\([^;]*\);.*/\1/p')
csrf=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' b | head -n 1)
curl -s -D h -o /dev/null -b "glow_session=$jar" --data "csrf=$csrf&token=$(cat serve/token)" "$URL/login"
fjar=$(tr -d '\r' <h | sed -n 's/^Set-Cookie: glow_session=\([^;]*\);.*/\1/p')
[ -n "$fjar" ] || { echo "companion.sh: cannot sign in" >&2; exit 2; }

# The ceiling: static files as large as each answer.
mkdir -p serve/www/ceiling
size_of() { curl -s -o body "$@" && wc -c <body; }
head -c "$(size_of "$URL/register")" /dev/zero | tr '\0' x >serve/www/ceiling/register.html
head -c "$(size_of "$URL/healthz")" /dev/zero | tr '\0' x >serve/www/ceiling/healthz.html
head -c "$(size_of -b "glow_session=$fjar" "$URL/dashboard")" /dev/zero | tr '\0' x >serve/www/ceiling/dashboard.html
head -c "$(size_of -b "glow_session=$jar" --data "csrf=$csrf&github_handle=perf-probe&cohort_id=cohort-0&path=day1-day2" "$URL/register")" \
    /dev/zero | tr '\0' x >serve/www/ceiling/registration.html

cat >register.lua <<EOF
-- distinct handles across wrk's threads: thread id and a counter
local id, count = 0, 0
local threads = {}
function setup(thread) id = id + 1; thread:set("tid", id) end
function request()
	count = count + 1
	return wrk.format("POST", "/register", {
		["Content-Type"] = "application/x-www-form-urlencoded",
		["Cookie"] = "glow_session=$jar" },
		"csrf=$csrf&github_handle=perf-" .. tid .. "-" .. count .. "&cohort_id=cohort-1&path=day1-day2")
end
EOF

# wrk URL [wrk options]: "req/s p50 p99" (ms)
measure() {
	u=$1
	shift
	wrk -t$threads -c$conns -d${secs}s --latency "$@" "$u" >wrk.out 2>&1 || true
	awk '
	function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
	/Requests\/sec:/ { r = $2 }
	/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
	/Non-2xx or 3xx/ { bad = $NF }
	END { printf "%.0f %.2f %.2f %s\n", r, p50, p99, bad ? bad : 0 }' wrk.out
}

printf 'glow-companion behind lighttpd %s (mod_cgi), %d cores, wrk -t%d -c%d -d%ss\n' \
    "$(lighttpd -v 2>/dev/null | sed -n 's/^lighttpd\/\([^ ]*\).*/\1/p')" "$(nproc)" $threads $conns "$secs"
printf 'roster: %d learners, %d bytes; load average %s\n' "$n" "$(wc -c <roster.json)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-24s %9s %8s %8s %6s | %9s %8s %8s\n' route 'req/s' 'p50 ms' 'p99 ms' 'non2xx' \
    'static/s' 'p50 ms' 'p99 ms'
row() {
	name=$1 path=$2 ceiling=$3
	shift 3
	set -- $(measure "$URL$path" "$@") $(measure "$URL/ceiling/$ceiling")
	printf '%-24s %9s %8s %8s %6s | %9s %8s %8s\n' "$name" "$1" "$2" "$3" "$4" "$5" "$6" "$7"
}
row 'GET /register' /register register.html
row 'GET /healthz' /healthz healthz.html
row "GET /dashboard ($n)" /dashboard dashboard.html -H "Cookie: glow_session=$fjar"
before=$(jq '.learners | length' roster.json)
row 'POST /register (new)' /register registration.html -s register.lua
after=$(jq '.learners | length' roster.json)
printf 'registrations: %d learners added in %ss; roster: ' $((after - before)) "$secs"
"$bin/glow-roster" validate roster.json >/dev/null && echo valid || echo INVALID
