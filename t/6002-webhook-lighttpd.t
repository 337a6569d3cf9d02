#!/bin/sh
# SPDX-License-Identifier: ISC
# Through lighttpd on 127.0.0.1, configured by examples/lighttpd-webhook.conf
# (glow-webhook as a FastCGI responder; t/6003 runs this script with
# WEBHOOK_CONF=lighttpd-webhook-cgi.conf, the CGI program): signed
# deliveries end up spooled; redeliveries, bad signatures, wrong methods and
# oversize bodies are refused; /metrics answers.
. "${0%/*}/lib.sh"

command -v lighttpd >/dev/null 2>&1 || skip_all 'lighttpd not installed'
command -v curl >/dev/null 2>&1 || skip_all 'curl not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'

. "$T_DIR/lighttpd.sh"
port=$(free_port)
K='lighttpd secret'
export K
conf=${WEBHOOK_CONF:-lighttpd-webhook.conf}
lighttpd_webhook "$port" "$conf"

# post FILE EVENT ID [CURL-ARGS...]: a signed delivery; the status in code,
# the answer's body in answer.
post() {
	f=$1 ev=$2 id=$3
	shift 3
	curl -s -o answer -w '%{http_code}' -H "X-GitHub-Event: $ev" \
	    -H "X-GitHub-Delivery: $id" -H "X-GitHub-Hook-ID: 99" \
	    -H "X-Hub-Signature-256: sha256=$(hmac_sign "$f")" \
	    -H 'Content-Type: application/json' -H 'User-Agent: GitHub-Hookshot/test' \
	    --data-binary @"$f" "$@" "$url" >code
}

nspooled() { ls spool/new 2>/dev/null | wc -l | tr -d ' '; }

test_expect_success 'a signed push is answered 202 and spooled' '
	printf "{\"ref\":\"refs/heads/main\",\"repository\":{\"full_name\":\"o/r\"},\"installation\":{\"id\":3}}" >push.json &&
	post push.json push lt-1 &&
	test "$(cat code)" = 202 && test "$(cat answer)" = "accepted lt-1" &&
	f=$(ls spool/new/*-lt-1.json) &&
	jq -e ".event == \"push\" and .hook_id == 99 and .installation_id == 3 and
	    .repository == \"o/r\" and .payload.ref == \"refs/heads/main\"" "$f" >/dev/null
'

test_expect_success 'ten deliveries at once all end up spooled' '
	i=0 &&
	while [ $i -lt 10 ]; do
		printf "{\"n\":%d}" $i >b$i.json &&
		(curl -s -o /dev/null -w "%{http_code}\n" -H "X-GitHub-Event: issues" \
		    -H "X-GitHub-Delivery: par-$i" \
		    -H "X-Hub-Signature-256: sha256=$(hmac_sign b$i.json)" \
		    -H "Content-Type: application/json" --data-binary @b$i.json \
		    "$url" >>codes) &
		i=$((i + 1))
	done; wait &&
	test "$(grep -c "^202$" codes)" = 10 &&
	test "$(ls spool/new/*-par-*.json | wc -l)" = 10
'

test_expect_success 'a redelivery is answered 200 duplicate and not spooled again' '
	n=$(nspooled) &&
	post push.json push lt-1 &&
	test "$(cat code)" = 200 && test "$(cat answer)" = "duplicate lt-1" &&
	test "$(nspooled)" = "$n"
'

test_expect_success 'a form-encoded delivery is accepted' '
	printf "payload=%%7B%%22action%%22%%3A%%22created%%22%%7D" >form &&
	curl -s -o answer -w "%{http_code}" -H "X-GitHub-Event: star" \
	    -H "X-GitHub-Delivery: lt-form" \
	    -H "X-Hub-Signature-256: sha256=$(hmac_sign form)" \
	    -H "Content-Type: application/x-www-form-urlencoded" \
	    --data-binary @form "$url" >code &&
	test "$(cat code)" = 202 &&
	test "$(jq -r .action spool/new/*-lt-form.json)" = created
'

test_expect_success 'a bad signature is 401 and its reason is logged' '
	n=$(nspooled) &&
	K=wrong post push.json push lt-2 &&
	test "$(cat code)" = 401 && test "$(nspooled)" = "$n" &&
	cat error.log lighttpd.out >logs &&
	test_grep "delivery rejected .lt-2.: signature does not match" logs
'

test_expect_success 'GET is 405; over 25 MB is 413' '
	curl -s -o answer -w "%{http_code}" "$url" >code &&
	test "$(cat code)" = 405 &&
	head -c $((25 * 1024 * 1024 + 1)) /dev/zero >big &&
	post big push lt-big &&
	test "$(cat code)" = 413
'

test_expect_success 'GET /metrics counts what happened' '
	curl -s -o metrics -w "%{http_code}" "$url/metrics" >code &&
	test "$(cat code)" = 200 &&
	grep -q "^glow_webhook_accepted_total 12$" metrics &&
	grep -q "^glow_webhook_duplicate_total 1$" metrics &&
	grep -q "^glow_webhook_rejected_total{reason=\"signature\"} 1$" metrics
'

test_expect_success 'the secret is nowhere in the logs' '
	! grep -F "$K" error.log lighttpd.out
'

# The FastCGI responder lighttpd started: found by its spool, as lighttpd
# passed it in its environment.
responders() {
	for p in $(pgrep -f "$GLOW_BIN/glow-webhook"); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
			grep -qx "GLOW_SPOOL=$TRASH/spool" && echo "$p"
	done
}

if [ "$conf" = lighttpd-webhook.conf ]; then
	test_expect_success 'one responder served it all; it stops with lighttpd' '
		test "$(responders | wc -l)" = 1 &&
		lighttpd_stop && i=0 &&
		while [ -n "$(responders)" ]; do
			i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1
		done
	'
fi

test_done
