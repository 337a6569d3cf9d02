#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-api and the GitHub client under it (lib/github/github.h) against the
# simulator: headers, redirects, every retry, limit and pacing rule (with
# request counts and unscaled waits), pagination, the ETag cache, bodies
# and errors, HTTPS.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'

GLOW_TOKEN=ghp_statictoken
# GitHub's waits are minutes: sleep a hundredth of each; the counters still
# report the unscaled seconds.
GLOW_WAIT_SCALE=0.01
export GLOW_TOKEN GLOW_WAIT_SCALE
T=/repos/glow-org/learning-room-template

# stat KEY FILE: a counter from the -v report line in FILE.
stat() { sed -n "s/.*[ :]$1=\([0-9.]*\).*/\1/p" "$2" | tail -n 1; }
# at_least A B / between A LO HI: numeric comparisons of decimals.
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }
between() { awk -v a="$1" -v l="$2" -v h="$3" 'BEGIN { exit !(a + 0 >= l + 0 && a + 0 <= h + 0) }'; }
now() { python3 -c 'import time; print("%.3f" % time.time())'; }
clear() { sim_ctl DELETE /_sim/requests >/dev/null && sim_ctl DELETE /_sim/faults >/dev/null; }

# A one-shot HTTP server that records the request's headers, for what the
# simulator does not log; with a Location it answers 307 there.
cat >capture.py <<'EOF'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode()
        with open(sys.argv[2], "w") as f:
            json.dump({"method": self.command, "path": self.path, "body": body,
                       "headers": {k.lower(): v for k, v in self.headers.items()}}, f)
        if len(sys.argv) > 3:
            self.send_response(307); self.send_header("Location", sys.argv[3])
            self.send_header("Content-Length", "0"); self.end_headers()
        else:
            b = b'{"ok":true}'
            self.send_response(200); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b))); self.end_headers()
            self.wfile.write(b)
    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_one
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write(str(s.server_port))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.handle_request()
EOF
# capture NAME [LOCATION]: start one, set $port.
capture() {
	rm -f "$1.port"
	python3 capture.py "$1.port" "$1.json" ${2:+"$2"} &
	test_at_exit "kill $! 2>/dev/null"
	i=0
	while [ ! -s "$1.port" ] && [ $i -lt 300 ]; do sleep 0.01; i=$((i + 1)); done
	port=$(cat "$1.port")
}

test_expect_success 'every request carries the documented headers' '
	capture hdr &&
	GITHUB_API_URL=http://127.0.0.1:$port/api/v3/ glow-api /meta >out &&
	test "$(json_get hdr.json .path)" = /api/v3/meta &&
	test "$(json_get hdr.json ".headers.accept")" = application/vnd.github+json &&
	test "$(json_get hdr.json ".headers[\"x-github-api-version\"]")" = 2022-11-28 &&
	json_get hdr.json ".headers[\"user-agent\"]" | grep -q "^glow/[0-9]" &&
	test "$(json_get hdr.json .headers.authorization)" = "Bearer ghp_statictoken"
'

test_expect_success 'a redirect to another host is followed without the token' '
	capture far &&
	far=$port &&
	capture near "http://localhost:$far/landing" &&
	echo "{\"a\":1}" >body &&
	GITHUB_API_URL=http://127.0.0.1:$port glow-api -X PATCH /moved <body >out &&
	test "$(json_get near.json .headers.authorization)" = "Bearer ghp_statictoken" &&
	test "$(json_get far.json .path)" = /landing &&
	test "$(json_get far.json .headers.authorization)" = null &&
	test "$(json_get far.json .method)" = PATCH &&
	test "$(json_get far.json .body)" = "{\"a\":1}"
'

test_expect_success 'GET prints the JSON answer' '
	clear &&
	glow-api $T >out &&
	test "$(json_get out .full_name)" = glow-org/learning-room-template &&
	test "$(sim_count GET "^$T\$")" = 1
'

test_expect_success 'an HTTP error exits 1 with GitHub'"'"'s message' '
	test_expect_code 1 glow-api /repos/glow-org/nope >out 2>err &&
	test_grep "^glow-api: GET '"'"'/repos/glow-org/nope'"'"': 404 Not Found\$" err &&
	test "$(json_get out .message)" = "Not Found"
'

test_expect_success '5xx is retried with backoff, then succeeds (count n+1)' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"status\",\"status\":502,\"times\":3}" &&
	glow-api -v $T >out 2>err &&
	test "$(json_get out .name)" = learning-room-template &&
	test "$(sim_count GET "^$T\$")" = 4 &&
	test "$(stat retries err)" = 3 &&
	w=$(stat wait_backoff err) &&
	between "$w" 3.5 7
'

test_expect_success '5xx that persists gives up after 5 retries, exit 1' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"status\",\"status\":503,\"times\":-1}" &&
	test_expect_code 1 glow-api $T >out 2>err &&
	test "$(sim_count GET "^$T\$")" = 6 &&
	test_grep "503" err
'

test_expect_success 'a connection reset is retried' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"reset\",\"times\":1}" &&
	glow-api -v $T >out 2>err &&
	test "$(json_get out .name)" = learning-room-template &&
	test "$(sim_count GET "^$T\$")" = 2 &&
	test "$(stat retries err)" = 1
'

test_expect_success 'a slow answer past GLOW_TIMEOUT is retried' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"slow\",\"delay\":2,\"times\":1}" &&
	GLOW_TIMEOUT=1 glow-api -v $T >out 2>err &&
	test "$(json_get out .name)" = learning-room-template &&
	test_grep "timed out\|Timeout" err &&
	test "$(stat requests err)" = 2 &&
	sleep 1.2 # the simulator logs the slow request when it is done
'

test_expect_success 'a plain 403 is never retried (count 1, exit 1)' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"plain403\",\"times\":-1}" &&
	test_expect_code 1 glow-api -v $T >out 2>err &&
	test "$(sim_count GET "^$T\$")" = 1 &&
	test_grep "403 Resource not accessible by integration" err &&
	test "$(stat retries err)" = 0
'

test_expect_success 'a secondary limit with retry-after waits exactly that' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"secondary\",\"retry_after\":7,\"times\":1}" &&
	glow-api -v $T >out 2>err &&
	test "$(sim_count GET "^$T\$")" = 2 &&
	test "$(stat wait_limit err)" = 7.0 &&
	test "$(stat limited err)" = 1
'

test_expect_success 'a secondary 429 without retry-after waits 60 s, then doubles' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"secondary429\",\"times\":2}" &&
	t0=$(now) &&
	glow-api -v $T >out 2>err &&
	t1=$(now) &&
	test "$(sim_count GET "^$T\$")" = 3 &&
	test "$(stat wait_limit err)" = 180.0 &&
	at_least "$(awk -v a=$t0 -v b=$t1 "BEGIN { print b - a }")" 1.8 &&
	test_grep "secondary rate limit: waiting 60.00 s" err &&
	test_grep "secondary rate limit: waiting 120.00 s" err
'

test_expect_success 'a primary limit waits until x-ratelimit-reset' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"primary\",\"retry_after\":40,\"times\":1}" &&
	sim_ctl GET /_sim/requests >/dev/null &&
	glow-api -v $T >out 2>err &&
	test "$(sim_count GET "^$T\$")" = 2 &&
	between "$(stat wait_limit err)" 39 42 &&
	test_grep "primary rate limit" err
'

test_expect_success 'the total wait is bounded: a clear error, exit 2' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"secondary\",\"times\":-1}" &&
	GLOW_MAX_WAIT=100 test_expect_code 2 glow-api -v $T >out 2>err &&
	test "$(sim_count GET "^$T\$")" = 2 &&
	test "$(stat wait_limit err)" = 60.0 &&
	test_grep "rate limited for longer than the wait allowed" err &&
	test_grep "secondary rate limit" err
'

test_expect_success 'a primary reset beyond the bound is not waited for' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"primary\",\"retry_after\":3000,\"times\":1}" &&
	test_expect_code 2 glow-api -v $T >out 2>err &&
	test "$(sim_count GET "^$T\$")" = 1 &&
	test "$(stat wait_limit err)" = 0.0
'

# Batches of n issue creations, for pacing.
issues() {
	i=0
	while [ $i -lt $1 ]; do
		i=$((i + 1))
		printf '{"method":"POST","path":"/repos/glow-org/admin/issues","body":{"title":"t%s"}}\n' $i
	done
}

test_expect_success 'pacing: n mutating requests take at least (n-1) intervals' '
	clear &&
	issues 5 >batch &&
	t0=$(now) &&
	GLOW_PACE=0.4 GLOW_WAIT_SCALE=1 glow-api -v -b <batch >out 2>err &&
	t1=$(now) &&
	test "$(wc -l <out)" = 5 &&
	test "$(jq -s "map(.status) | unique | join(\",\")" out)" = "\"201\"" &&
	at_least "$(awk -v a=$t0 -v b=$t1 "BEGIN { print b - a }")" 1.6 &&
	at_least "$(stat wait_pace err)" 1.5 &&
	test "$(sim_count POST "/issues\$")" = 5
'

test_expect_success 'pacing is counted unscaled under GLOW_WAIT_SCALE' '
	clear &&
	issues 4 >batch &&
	t0=$(now) &&
	GLOW_PACE=10 glow-api -v -b <batch >out 2>err &&
	t1=$(now) &&
	at_least "$(stat wait_pace err)" 29.5 &&
	at_least 5 "$(awk -v a=$t0 -v b=$t1 "BEGIN { print b - a }")"
'

test_expect_success 'the content limit is real: unpaced writes meet it' '
	clear &&
	sim_ctl POST /_sim/state "[{\"op\":\"set_config\",\"content_limit\":{\"per_window\":4,\"window\":2,\"hourly\":500,\"hour\":3600,\"retry_after\":true}},{\"op\":\"reset_limits\"}]" >/dev/null &&
	issues 6 >batch &&
	GLOW_PACE=off glow-api -v -b <batch >out 2>err &&
	test "$(jq -s "map(select(.status == 201)) | length" out)" = 6 &&
	at_least "$(sim_state .secondary_limited)" 1 &&
	at_least "$(stat limited err)" 1
'

test_expect_success 'a matching pace never meets the content limit' '
	clear &&
	sim_ctl POST /_sim/state "{\"op\":\"reset_limits\"}" >/dev/null &&
	before=$(sim_state .secondary_limited) &&
	issues 9 >batch &&
	GLOW_PACE=0,4/2 GLOW_WAIT_SCALE=1 glow-api -v -b <batch >out 2>err &&
	test "$(jq -s "map(select(.status == 201)) | length" out)" = 9 &&
	test "$(sim_state .secondary_limited)" = "$before" &&
	test "$(stat limited err)" = 0 &&
	at_least "$(stat wait_pace err)" 3.5 &&
	test "$(sim_count POST "/issues\$")" = 9
'

test_expect_success 'pagination merges every page (count = pages)' '
	clear &&
	ops=$(i=0; printf "["; while [ $i -lt 23 ]; do i=$((i + 1)); [ $i -gt 1 ] && printf ","; printf "{\"op\":\"add_repo\",\"full_name\":\"glow-org/r%02d\"}" $i; done; printf "]") &&
	sim_ctl POST /_sim/state "$ops" >/dev/null &&
	total=$(sim_state "[.repos | keys[] | select(startswith(\"glow-org/\"))] | length") &&
	clear &&
	glow-api -p "/orgs/glow-org/repos?per_page=10" >out &&
	test "$(jq length out)" = "$total" &&
	test "$(jq "map(.full_name) | unique | length" out)" = "$total" &&
	test "$(sim_count GET "^/orgs/glow-org/repos\$")" = $(( (total + 9) / 10 ))
'

test_expect_success 'pagination asks per_page=100 itself; wrapped lists are merged' '
	clear &&
	glow-api -p /installation/repositories >out &&
	test "$(jq "type" out)" = "\"array\"" &&
	at_least "$(jq length out)" 26 &&
	test "$(sim_count GET "^/installation/repositories\$")" = 1 &&
	sim_requests | jq -s -e "map(select(.path == \"/installation/repositories\")) | length == 1 and (.[0].query | test(\"per_page=100\"))" >/dev/null
'

test_expect_success 'ETag cache: the second GET is a 304, counted, same output' '
	clear &&
	glow-api -v -c cache $T >out1 2>err1 &&
	glow-api -v -c cache $T >out2 2>err2 &&
	test_cmp out1 out2 &&
	test "$(stat not_modified err1)" = 0 &&
	test "$(stat not_modified err2)" = 1 &&
	test "$(sim_requests | jq -s "map(.status) | join(\",\")")" = "\"200,304\"" &&
	test "$(find cache -type f -perm 0600 | wc -l)" = 1 &&
	! grep -r ghp_statictoken cache
'

test_expect_success 'ETag cache from GLOW_CACHE_DIR, with pagination' '
	clear &&
	GLOW_CACHE_DIR=cache2 glow-api -p "/orgs/glow-org/repos?per_page=10" >out1 &&
	GLOW_CACHE_DIR=cache2 glow-api -v -p "/orgs/glow-org/repos?per_page=10" >out2 2>err &&
	test_cmp out1 out2 &&
	pages=$(stat pages err) &&
	test "$(stat not_modified err)" = "$pages"
'

test_expect_success 'an absolute URL on the API host is accepted' '
	clear &&
	glow-api "$SIM_URL$T" >out &&
	test "$(json_get out .name)" = learning-room-template &&
	test "$(sim_count GET "^$T\$")" = 1
'

test_expect_success 'an absolute URL on another host is refused before any request' '
	clear &&
	test_expect_code 2 glow-api "http://localhost:1$T" >out 2>err &&
	test_grep "not on the API" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'a write sends the JSON body from stdin' '
	clear &&
	echo "{\"title\":\"hello\",\"body\":\"x\"}" >in &&
	glow-api -X POST /repos/glow-org/admin/issues <in >out &&
	test "$(json_get out .title)" = hello &&
	test "$(sim_requests | jq -r .body.title)" = hello
'

test_expect_success '-n sends no body and leaves stdin alone' '
	clear &&
	printf "alice\nbob\n" >users &&
	while read u; do
		glow-api -n -X PUT /repos/glow-org/admin/collaborators/$u >/dev/null || exit 1
	done <users &&
	test "$(sim_count PUT "/collaborators/")" = 2
'

test_expect_success 'a malformed JSON body is refused with its offset, no request' '
	clear &&
	printf "{\"title\":\"x\",}" >in &&
	test_expect_code 2 glow-api -X POST /repos/glow-org/admin/issues <in >out 2>err &&
	test_grep "offset 12" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'a bad token is "authentication refused", exit 2' '
	GLOW_TOKEN=ghs_wrong GH_TOKEN=ghp_statictoken test_expect_code 2 glow-api $T >out 2>err &&
	test_grep "authentication refused: 401 Bad credentials" err
'

test_expect_success 'token order: GLOW_TOKEN, GH_TOKEN, GITHUB_TOKEN' '
	(unset GLOW_TOKEN; GH_TOKEN=ghp_statictoken GITHUB_TOKEN=bad glow-api $T >out) &&
	(unset GLOW_TOKEN; GITHUB_TOKEN=ghp_statictoken glow-api $T >out) &&
	(unset GLOW_TOKEN; test_expect_code 2 glow-api $T >out 2>err) &&
	test_grep "no token" err
'

test_expect_success 'a token file: raw, or JSON with "token"' '
	echo ghp_statictoken >tok.raw &&
	echo "{\"token\":\"ghp_statictoken\",\"expires_at\":null}" >tok.json &&
	GLOW_TOKEN=bad glow-api -t tok.raw $T >out &&
	GLOW_TOKEN=bad glow-api -t tok.json $T >out &&
	test "$(json_get out .name)" = learning-room-template
'

test_expect_success '-v traces requests but never the token' '
	sim_fault "{\"method\":\"GET\",\"path\":\"^$T\$\",\"kind\":\"status\",\"times\":1}" &&
	glow-api -v -i $T >out 2>err &&
	test_grep "GET http.*$T: 200" err &&
	test_grep -v ghp_statictoken err &&
	glow-api -v -t tok.json $T >out 2>err &&
	test_grep -v ghp_statictoken err
'

test_expect_success '-i prints the status line and headers' '
	glow-api -i $T >out &&
	head -n 1 out | grep -q "^HTTP/1.[01] 200" &&
	grep -qi "^x-ratelimit-remaining: " out
'

test_expect_success 'a raw media type (diff) is printed as it came' '
	n=$(sim_ctl POST /_sim/state "{\"op\":\"add_pull\",\"repo\":\"glow-org/admin\",\"title\":\"p\",\"files\":[{\"filename\":\"a.txt\",\"status\":\"modified\",\"additions\":1,\"deletions\":0,\"patch\":\"@@ -1 +1,2 @@\\n a\\n+b\"}]}" | jq -r ".results[0].number") &&
	glow-api -H "Accept: application/vnd.github.diff" /repos/glow-org/admin/pulls/$n >out &&
	head -n 1 out | grep -q "^diff --git a/a.txt b/a.txt"
'

test_expect_success '-H adds a header as gh api -H does; Authorization is refused' '
	glow-api -i /rate_limit >out &&
	grep -qi "^x-github-api-version-selected: 2022-11-28" out &&
	glow-api -i -H "X-GitHub-Api-Version: 2026-03-10" /rate_limit >out &&
	grep -qi "^x-github-api-version-selected: 2026-03-10" out &&
	test_expect_code 2 glow-api -H application/vnd.github.diff /rate_limit 2>err &&
	test_grep "bad header .application/vnd.github.diff.: want .Name: value." err &&
	test_expect_code 2 glow-api -H "Authorization: token x" /rate_limit 2>err &&
	test_grep "cannot send .Authorization. from the command line" err &&
	test_grep -v "token x" err
'

test_expect_success 'a renamed repository: GET follows 301, PATCH 307 keeps method and body' '
	sim_ctl POST /_sim/state "[{\"op\":\"add_repo\",\"full_name\":\"glow-org/old\"},{\"op\":\"rename_repo\",\"repo\":\"glow-org/old\",\"name\":\"new\"}]" >/dev/null &&
	clear &&
	glow-api /repos/glow-org/old >out &&
	test "$(json_get out .full_name)" = glow-org/new &&
	test "$(sim_requests | jq -s "map(.status) | join(\",\")")" = "\"301,200\"" &&
	clear &&
	echo "{\"description\":\"d\"}" >in &&
	glow-api -X PATCH /repos/glow-org/old <in >out 2>err;
	sim_requests >log &&
	test "$(jq -s "map(.method) | join(\",\")" log)" = "\"PATCH,PATCH\"" &&
	test "$(jq -s ".[0].status" log)" = 307 &&
	jq -s -e ".[1].path | startswith(\"/repositories/\")" log &&
	test "$(jq -s -r ".[1].body.description" log)" = d
'

test_expect_success 'malformed JSON in a page is an error, exit 2' '
	clear &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^/installation/repositories\$\",\"kind\":\"badjson\",\"times\":1}" &&
	test_expect_code 2 glow-api -p /installation/repositories >out 2>err &&
	test_grep "not the JSON expected" err
'

test_expect_success 'bad settings are refused' '
	GLOW_PACE=fast test_expect_code 2 glow-api $T >out 2>err &&
	test_grep "GLOW_PACE" err &&
	test_expect_code 2 glow-api -X FETCH $T >out 2>err &&
	test_expect_code 2 glow-api >out 2>err &&
	test_grep "usage: glow-api" err
'

test_expect_success 'a connection refused is retried, then exit 2' '
	GITHUB_API_URL=http://127.0.0.1:1 test_expect_code 2 glow-api -v /x >out 2>err &&
	test "$(stat requests err)" = 6 &&
	test_grep "connection to the API failed" err
'

sim_start sim.json --tls || skip_all 'the simulator does not start with TLS'

test_expect_success 'HTTPS with the CA from SSL_CERT_FILE (localhost)' '
	test "${SIM_URL#https://localhost:}" != "$SIM_URL" &&
	unset CURL_CA_BUNDLE &&
	glow-api $T >out &&
	test "$(json_get out .name)" = learning-room-template
'

test_expect_success 'HTTPS with an untrusted certificate fails, not retried' '
	unset CURL_CA_BUNDLE &&
	SSL_CERT_FILE=$(sim_app_key) test_expect_code 2 glow-api -v $T >out 2>err ||
	SSL_CERT_FILE=/dev/null test_expect_code 2 glow-api -v $T >out 2>err &&
	test "$(stat requests err)" = 1
'

test_done
