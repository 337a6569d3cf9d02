#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-webhook as a CGI program (and raw, and -e), no server: signatures
# (GitHub's test vector, rotation), every rejection and its status,
# redeliveries, concurrent deliveries, the spool, installations.json, ping,
# metrics, and no secret in any output.
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'

secret="It's a Secret to Everybody"
GLOW_WEBHOOK_SECRET=$secret
GLOW_SPOOL=$TRASH/spool
K=$secret
export GLOW_WEBHOOK_SECRET GLOW_SPOOL K
unset GLOW_WEBHOOK_STATE GITHUB_EVENT_NAME GITHUB_EVENT_PATH GITHUB_RUN_ID \
    GITHUB_RUN_ATTEMPT 2>/dev/null
cap=$((25 * 1024 * 1024))

# body N [EXTRA]: a small distinct push-like payload in body.json.
body() {
	printf '{"action":"opened","n":%s,"installation":{"id":42},"repository":{"full_name":"octo/hello"},"sender":{"login":"mona","type":"User"}%s}' \
	    "$1" "${2:-}" >body.json
}

# deliver FILE ID [VAR=VALUE...]: one CGI request as GitHub makes it, FILE
# signed with $K; stdout in out, stderr in err, exit status in rc.  Later
# VAR=VALUE override earlier ones; an empty value is an absent header.
deliver() {
	f=$1 id=$2
	shift 2
	env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <"$f" | tr -d ' ') HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY="$id" HTTP_X_GITHUB_HOOK_ID=123 \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign "$f")" "$@" \
	    glow-webhook <"$f" >out 2>err
	echo $? >rc
	cat out err >>"$TRASH/all.log"
}

# expect STATUS RC [BODY-PATTERN]: the last delivery's answer.
expect() {
	grep -q "^Status: $1 " out && test "$(cat rc)" = "$2" &&
	{ test -z "${3:-}" || tail -n 1 out | grep -q -e "$3"; } ||
	{ echo "wanted $1 (exit $2) ${3:-}; got exit $(cat rc):"; cat out err; false; }
}

nspooled() { ls "$GLOW_SPOOL/new" 2>/dev/null | wc -l | tr -d ' '; }

test_expect_success 'the signer agrees with GitHub test vector' '
	printf "Hello, World!" >hello &&
	test "$(hmac_sign hello)" = 757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17
'

test_expect_success 'the test vector verifies (then the body is not JSON: 400)' '
	deliver hello v-1 HTTP_X_HUB_SIGNATURE_256=sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17 &&
	expect 400 1 "malformed JSON" &&
	deliver hello v-2 HTTP_X_HUB_SIGNATURE_256=sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17 &&
	expect 400 1 "malformed JSON"
'

test_expect_success 'one flipped digit of the test vector is refused: 401' '
	deliver hello v-3 HTTP_X_HUB_SIGNATURE_256=sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18 &&
	expect 401 1 "signature does not match"
'

test_expect_success 'a signed delivery is accepted: 202 with its delivery ID' '
	body 1 &&
	deliver body.json d-0001 &&
	expect 202 0 "^accepted d-0001$" &&
	test "$(nspooled)" = 1 &&
	test ! -s err
'

test_expect_success 'the envelope: event, action, ids, repository, sender, payload' '
	f=$(ls "$GLOW_SPOOL"/new/*-d-0001.json) &&
	test "$(wc -l <"$f" | tr -d " ")" = 1 &&
	jq -e ".event == \"push\" and .action == \"opened\" and
	    .delivery_id == \"d-0001\" and .hook_id == 123 and
	    .installation_id == 42 and .repository == \"octo/hello\" and
	    .sender == {login: \"mona\", type: \"User\"} and
	    (.received_at | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$\")) and
	    .payload.n == 1 and (keys_unsorted == [\"event\",\"action\",
	    \"delivery_id\",\"hook_id\",\"installation_id\",\"repository\",
	    \"sender\",\"received_at\",\"payload\"])" "$f" >/dev/null &&
	jq -c .payload "$f" >got && jq -c . body.json >want && test_cmp want got
'

test_expect_success 'the spool: new/TIME-ID.json, mode 0600, tmp/ left empty' '
	ls "$GLOW_SPOOL/new" >names &&
	grep -q "^[0-9]\{8\}T[0-9]\{6\}\.[0-9]\{6\}Z-d-0001\.json$" names &&
	test "$(stat -c %a "$GLOW_SPOOL"/new/*-d-0001.json)" = 600 &&
	test -z "$(ls "$GLOW_SPOOL/tmp")"
'

test_expect_success 'names sort in the order of arrival' '
	body 2 && deliver body.json d-0002 && expect 202 0 &&
	body 3 && deliver body.json a-0003 && expect 202 0 &&
	ls "$GLOW_SPOOL/new" | sed "s/^[^-]*-//" >order &&
	printf "d-0001.json\nd-0002.json\na-0003.json\n" >want &&
	test_cmp want order
'

test_expect_success 'a wrong secret: 401, nothing spooled, no hint of the expected value' '
	body 4 && n=$(nspooled) &&
	K=not-the-secret deliver body.json d-0004 &&
	expect 401 1 "signature does not match" &&
	test "$(nspooled)" = "$n" &&
	good=$(K=$secret hmac_sign body.json) &&
	! grep -q "$good" out && ! grep -q "$good" err &&
	test_grep "delivery rejected .d-0004.: signature does not match" err
'

test_expect_success 'rotation: either of two secrets (GLOW_WEBHOOK_SECRET, \n between)' '
	body 5 &&
	K=new-secret deliver body.json d-0005 "GLOW_WEBHOOK_SECRET=$secret\\nnew-secret" &&
	expect 202 0 &&
	body 6 &&
	K=$secret deliver body.json d-0006 "GLOW_WEBHOOK_SECRET=$secret\\nnew-secret" &&
	expect 202 0 &&
	body 7 &&
	K=third deliver body.json d-0007 "GLOW_WEBHOOK_SECRET=$secret\\nnew-secret" &&
	expect 401 1
'

test_expect_success 'rotation: a 0600 secret file (-s), one secret a line' '
	(umask 077 && printf "old-one\n\n  %s  \n" "$secret" >secret.txt) &&
	body 8 &&
	K=old-one deliver body.json d-0008 GLOW_WEBHOOK_SECRET= &&
	expect 503 2 &&
	env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <body.json) HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY=d-0008 \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(K=old-one hmac_sign body.json)" \
	    GLOW_WEBHOOK_SECRET= glow-webhook -s secret.txt <body.json >out 2>err;
	echo $? >rc && expect 202 0 &&
	body 9 &&
	env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <body.json) HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY=d-0009 \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
	    GLOW_WEBHOOK_SECRET= glow-webhook -s secret.txt <body.json >out 2>err;
	echo $? >rc && expect 202 0
'

test_expect_success 'a secret file readable by others is refused: 503, exit 2' '
	cp secret.txt loose.txt && chmod 644 loose.txt && body 10 &&
	env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <body.json) HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY=d-0010 \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
	    GLOW_WEBHOOK_SECRET= glow-webhook -s loose.txt <body.json >out 2>err;
	echo $? >rc && expect 503 2 &&
	test_grep "loose.txt" err && test_grep "chmod 600" err
'

test_expect_success 'no secret at all: 503 with one line, exit 2, the reason on stderr' '
	body 11 &&
	deliver body.json d-0011 GLOW_WEBHOOK_SECRET= &&
	expect 503 2 "not configured" &&
	test "$(sed -n "/^\r*$/,\$p" out | sed 1d | wc -l | tr -d " ")" = 1 &&
	test_grep "no webhook secret" err
'

test_expect_success 'missing X-GitHub-Event, X-GitHub-Delivery: 400' '
	body 12 &&
	deliver body.json d-0012 HTTP_X_GITHUB_EVENT= &&
	expect 400 1 "missing X-GitHub-Event" &&
	deliver body.json "" &&
	expect 400 1 "missing X-GitHub-Delivery" &&
	deliver body.json "../../etc" &&
	expect 400 1 "bad X-GitHub-Delivery" &&
	test "$(nspooled)" = 7
'

test_expect_success 'missing signature: 401; the SHA-1 signature alone is not accepted' '
	deliver body.json d-0012 HTTP_X_HUB_SIGNATURE_256= &&
	expect 401 1 "missing X-Hub-Signature-256" &&
	deliver body.json d-0012 HTTP_X_HUB_SIGNATURE_256= \
	    HTTP_X_HUB_SIGNATURE=sha1=0123456789abcdef0123456789abcdef01234567 &&
	expect 401 1 "SHA-1" &&
	deliver body.json d-0012 HTTP_X_HUB_SIGNATURE_256=sha1=abc &&
	expect 401 1 "does not match"
'

test_expect_success 'a body shorter than CONTENT_LENGTH: 400' '
	deliver body.json d-0012 CONTENT_LENGTH=5000 &&
	expect 400 1 "shorter than Content-Length" &&
	test "$(nspooled)" = 7
'

test_expect_success 'no CONTENT_LENGTH: 411; chunked: 411' '
	deliver body.json d-0012 CONTENT_LENGTH= &&
	expect 411 1 "Content-Length required" &&
	deliver body.json d-0012 HTTP_TRANSFER_ENCODING=chunked &&
	expect 411 1 "chunked"
'

test_expect_success 'over 25 MB: 413, and not a byte of the body is read' '
	head -c $((cap + 4096)) /dev/zero >big &&
	{ env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$((cap + 4096)) HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY=big-1 HTTP_X_HUB_SIGNATURE_256=sha256=00 \
	    glow-webhook >out 2>err; echo $? >rc; cat >rest; } <big &&
	expect 413 1 "over 25 MB" &&
	test "$(wc -c <rest | tr -d " ")" = $((cap + 4096))
'

test_expect_success 'exactly 25 MB is read, and no further than Content-Length' '
	{ env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$cap HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY=big-2 HTTP_X_HUB_SIGNATURE_256=sha256=00 \
	    glow-webhook >out 2>err; echo $? >rc; cat >rest; } <big &&
	expect 401 1 &&
	test "$(wc -c <rest | tr -d " ")" = 4096 &&
	deliver body.json d-0012 CONTENT_LENGTH=10 &&
	expect 401 1
'

test_expect_success 'wrong method: 405 with Allow: POST' '
	deliver body.json d-0012 REQUEST_METHOD=GET &&
	expect 405 1 &&
	grep -q "^Allow: POST" out &&
	deliver body.json d-0012 REQUEST_METHOD=PUT &&
	expect 405 1
'

test_expect_success 'content types: text/plain and none are 415; parameters are fine' '
	deliver body.json d-0012 CONTENT_TYPE=text/plain &&
	expect 415 1 "content type" &&
	deliver body.json d-0012 CONTENT_TYPE= &&
	expect 415 1 &&
	deliver body.json d-0012 "CONTENT_TYPE=Application/JSON; charset=utf-8" &&
	expect 202 0 "accepted d-0012"
'

test_expect_success 'form-encoded payload=: decoded (+ and %XX), signed over the raw form' '
	printf "%s" "payload=%7B%22action%22%3A%22edited%22%2C%22x%22%3A%22a+b%25c%2Bd%22%2C%22u%22%3A%22%C3%A9%22%7D" >form &&
	deliver form f-1 CONTENT_TYPE=application/x-www-form-urlencoded &&
	expect 202 0 &&
	f=$(ls "$GLOW_SPOOL"/new/*-f-1.json) &&
	test "$(jq -r .action "$f")" = edited &&
	test "$(jq -r .payload.x "$f")" = "a b%c+d" &&
	test "$(jq -r .payload.u "$f")" = "$(printf "\303\251")" &&
	printf "%s" "{\"action\":\"edited\",\"x\":\"a b%c+d\",\"u\":\"\303\251\"}" >decoded &&
	env REQUEST_METHOD=POST CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=$(wc -c <form) HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY=f-2 \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign decoded)" \
	    glow-webhook <form >out 2>err; echo $? >rc &&
	expect 401 1
'

test_expect_success 'form-encoded: no payload field, or a broken %, is 400' '
	printf "other=1&pay=2" >form2 &&
	deliver form2 f-3 CONTENT_TYPE=application/x-www-form-urlencoded &&
	expect 400 1 "no payload field" &&
	printf "payload=%%7Bx%%zz" >form3 &&
	deliver form3 f-4 CONTENT_TYPE=application/x-www-form-urlencoded &&
	expect 400 1 "bad form encoding"
'

test_expect_success 'malformed JSON, or not an object: 400' '
	printf "{\"a\":1,}" >bad.json &&
	deliver bad.json j-1 && expect 400 1 "malformed JSON payload at byte 6: trailing comma" &&
	printf "[1,2]" >arr.json &&
	deliver arr.json j-2 && expect 400 1 "not a JSON object"
'

test_expect_success 'a redelivery (same delivery ID) is dropped: 200 duplicate' '
	n=$(nspooled) &&
	body 2 && deliver body.json d-0002 &&
	expect 200 0 "^duplicate d-0002$" &&
	body 900 && deliver body.json d-0002 &&
	expect 200 0 "duplicate" &&
	test "$(nspooled)" = "$n"
'

test_expect_success 'the same body under another delivery ID is dropped too' '
	n=$(nspooled) &&
	body 3 && deliver body.json fresh-id-1 &&
	expect 200 0 "^duplicate fresh-id-1$" &&
	test "$(nspooled)" = "$n"
'

# GHES lets a delivery be redelivered for 7 days (github.com: 3).
test_expect_success 'a marker older than 8 days has expired: the delivery is new again' '
	body 1 &&
	touch -d "9 days ago" "$GLOW_SPOOL/state/seen/d-d-0001" \
	    "$GLOW_SPOOL/state/seen/h-$(hmac_sign body.json)" &&
	deliver body.json d-0001 && expect 202 0 &&
	touch -d "7 days ago" "$GLOW_SPOOL/state/seen/d-d-0002" &&
	body 2 && deliver body.json d-0002 && expect 200 0 duplicate
'

test_expect_success '20 identical deliveries at once: exactly one is spooled' '
	body 20 && n=$(nspooled) && i=0 &&
	while [ $i -lt 20 ]; do
		(env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
		    CONTENT_LENGTH=$(wc -c <body.json) HTTP_X_GITHUB_EVENT=push \
		    HTTP_X_GITHUB_DELIVERY=same-1 \
		    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
		    glow-webhook <body.json >c.$i 2>&1; echo $? >>c.rc) &
		i=$((i + 1))
	done; wait &&
	test "$(cat c.[0-9]* | grep -c "^Status: 202 ")" = 1 &&
	test "$(cat c.[0-9]* | grep -c "^Status: 200 ")" = 19 &&
	test "$(grep -c "^0$" c.rc)" = 20 &&
	test "$(nspooled)" = $((n + 1))
'

test_expect_success '20 deliveries of one body under 20 IDs at once: exactly one' '
	body 21 && n=$(nspooled) && i=0 && rm -f c.* &&
	while [ $i -lt 20 ]; do
		(env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
		    CONTENT_LENGTH=$(wc -c <body.json) HTTP_X_GITHUB_EVENT=push \
		    HTTP_X_GITHUB_DELIVERY=many-$i \
		    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
		    glow-webhook <body.json >c.$i 2>&1) &
		i=$((i + 1))
	done; wait &&
	test "$(cat c.[0-9]* | grep -c "^Status: 202 ")" = 1 &&
	test "$(nspooled)" = $((n + 1))
'

test_expect_success 'a spool that cannot be written: 500, and a redelivery later succeeds' '
	body 30 && mkdir -p broken && : >broken/new &&
	deliver body.json s-1 GLOW_SPOOL="$TRASH/broken" GLOW_WEBHOOK_STATE="$TRASH/bstate" &&
	expect 500 2 "cannot spool" &&
	test_grep "cannot spool delivery .s-1." err &&
	rm broken/new &&
	deliver body.json s-1 GLOW_SPOOL="$TRASH/broken" GLOW_WEBHOOK_STATE="$TRASH/bstate" &&
	expect 202 0
'

# inst ACTION ID [EXTRA]: an installation event payload in inst.json.
inst() {
	printf '{"action":"%s","installation":{"id":%s,"account":{"login":"octo-org","id":9,"type":"Organization","avatar_url":"x"},"repository_selection":"selected","permissions":{"contents":"read"},"events":["push"],"suspended_at":%s,"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z"},"sender":{"login":"mona","type":"User"}%s}' \
	    "$1" "$2" "${4:-null}" "${3:-}" >inst.json
}
I=$TRASH/spool/state/installations.json

test_expect_success 'installation created: installations.json records it' '
	inst created 7 ",\"repositories\":[{\"full_name\":\"octo-org/b\"},{\"full_name\":\"octo-org/a\"}]" &&
	deliver inst.json i-1 HTTP_X_GITHUB_EVENT=installation &&
	expect 202 0 &&
	jq -e ".version == 1 and (.installations | length) == 1 and
	    .installations[0].id == 7 and
	    .installations[0].account == {login: \"octo-org\", id: 9, type: \"Organization\"} and
	    .installations[0].repositories == [\"octo-org/a\", \"octo-org/b\"] and
	    .installations[0].permissions == {contents: \"read\"} and
	    .installations[0].suspended == false" "$I" >/dev/null &&
	test "$(stat -c %a "$I")" = 600
'

test_expect_success 'installation_repositories added and removed edit the list' '
	inst added 7 ",\"repository_selection\":\"selected\",\"repositories_added\":[{\"full_name\":\"octo-org/c\"}],\"repositories_removed\":[]" &&
	deliver inst.json i-2 HTTP_X_GITHUB_EVENT=installation_repositories &&
	expect 202 0 &&
	test "$(jq -c ".installations[0].repositories" "$I")" = "[\"octo-org/a\",\"octo-org/b\",\"octo-org/c\"]" &&
	inst removed 7 ",\"repository_selection\":\"selected\",\"repositories_added\":[],\"repositories_removed\":[{\"full_name\":\"octo-org/a\"}]" &&
	deliver inst.json i-3 HTTP_X_GITHUB_EVENT=installation_repositories &&
	test "$(jq -c ".installations[0].repositories" "$I")" = "[\"octo-org/b\",\"octo-org/c\"]"
'

test_expect_success 'suspend, unsuspend, new_permissions_accepted' '
	inst suspend 7 "" "\"2024-02-01T00:00:00Z\"" &&
	deliver inst.json i-4 HTTP_X_GITHUB_EVENT=installation &&
	test "$(jq ".installations[0].suspended" "$I")" = true &&
	test "$(jq -r ".installations[0].suspended_at" "$I")" = 2024-02-01T00:00:00Z &&
	inst unsuspend 7 &&
	deliver inst.json i-5 HTTP_X_GITHUB_EVENT=installation &&
	test "$(jq ".installations[0].suspended" "$I")" = false &&
	sed "s/\"contents\":\"read\"/\"contents\":\"write\",\"issues\":\"read\"/" inst.json >perm.json &&
	sed -i "s/\"unsuspend\"/\"new_permissions_accepted\"/" perm.json &&
	deliver perm.json i-6 HTTP_X_GITHUB_EVENT=installation &&
	test "$(jq -c ".installations[0].permissions" "$I")" = "{\"contents\":\"write\",\"issues\":\"read\"}" &&
	test "$(jq -c ".installations[0].repositories" "$I")" = "[\"octo-org/b\",\"octo-org/c\"]"
'

test_expect_success 'a second installation sorts by id; deleted removes one' '
	inst created 3 ",\"repositories\":[]" &&
	deliver inst.json i-7 HTTP_X_GITHUB_EVENT=installation &&
	test "$(jq -c "[.installations[].id]" "$I")" = "[3,7]" &&
	inst deleted 7 &&
	deliver inst.json i-8 HTTP_X_GITHUB_EVENT=installation &&
	expect 202 0 &&
	test "$(jq -c "[.installations[].id]" "$I")" = "[3]"
'

test_expect_success 'a corrupt installations.json is kept, the delivery still accepted' '
	printf "{\"version\": 1, \"installations\": [" >"$I" && cp "$I" corrupt &&
	inst created 8 &&
	deliver inst.json i-9 HTTP_X_GITHUB_EVENT=installation &&
	expect 202 0 &&
	test_cmp corrupt "$I" &&
	test_grep "cannot update .*installations.json" err &&
	rm "$I"
'

test_expect_success 'ping: 202 pong, and spooled like any delivery' '
	printf "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":5,\"hook\":{}}" >ping.json &&
	deliver ping.json p-1 HTTP_X_GITHUB_EVENT=ping &&
	expect 202 0 "^pong p-1$" &&
	f=$(ls "$GLOW_SPOOL"/new/*-p-1.json) &&
	test "$(jq -r .event "$f")" = ping &&
	test "$(jq .action "$f")" = null
'

test_expect_success 'metrics: -m in Prometheus text format' '
	glow-webhook -m >metrics &&
	grep -q "^# TYPE glow_webhook_received_total counter$" metrics &&
	acc=$(ls "$GLOW_SPOOL"/new | wc -l) &&
	grep -q "^glow_webhook_accepted_total $acc$" metrics &&
	grep -q "^glow_webhook_duplicate_total [1-9][0-9]*$" metrics &&
	grep -q "^glow_webhook_rejected_total{reason=\"signature\"} [1-9]" metrics &&
	grep -q "^glow_webhook_rejected_total{reason=\"too_large\"} 1$" metrics &&
	grep -q "^glow_webhook_rejected_total{reason=\"method\"} 2$" metrics &&
	grep -q "^glow_webhook_failed_total{reason=\"configuration\"} [1-9]" metrics
'

test_expect_success 'metrics: received is the sum of the outcomes' '
	glow-webhook -m >metrics &&
	awk "/^glow_webhook_received_total/ { r = \$2 }
	    /^glow_webhook_(accepted|duplicate)_total/ { s += \$2 }
	    /^glow_webhook_(rejected|failed)_total/ { s += \$2 }
	    END { if (r != s || r == 0) { print r, s; exit 1 } }" metrics
'

test_expect_success 'metrics: GET /metrics over CGI; POST there is 405' '
	env REQUEST_METHOD=GET PATH_INFO=/metrics glow-webhook >out 2>err &&
	grep -q "^Status: 200 " out &&
	grep -q "^Content-Type: text/plain; version=0.0.4" out &&
	grep -q "^glow_webhook_accepted_total " out &&
	deliver body.json m-1 PATH_INFO=/metrics && expect 405 1 &&
	grep -q "^Allow: GET" out
'

test_expect_success 'raw mode: one HTTP/1.1 request on stdin, a raw response' '
	body 40 &&
	{ printf "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" &&
	  printf "X-GitHub-Event: push\r\nX-GitHub-Delivery: r-1\r\n" &&
	  printf "x-hub-signature-256: sha256=%s\r\n" "$(hmac_sign body.json)" &&
	  printf "Content-Length: %s\r\n\r\n" "$(wc -c <body.json)" && cat body.json; } >req &&
	glow-webhook -r <req >out 2>err &&
	head -n 1 out | grep -q "^HTTP/1.1 202 Accepted" &&
	grep -q "^Content-Length: 13" out && tail -n 1 out | grep -q "^accepted r-1$" &&
	test -f "$GLOW_SPOOL"/new/*-r-1.json
'

test_expect_success 'raw mode: chunked is 411, a broken head 400, GET /metrics 200' '
	printf "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: r-2\r\nX-Hub-Signature-256: sha256=00\r\nContent-Type: application/json\r\n\r\n5\r\nhello\r\n0\r\n\r\n" >req &&
	test_expect_code 1 glow-webhook -r <req >out 2>err &&
	head -n 1 out | grep -q "^HTTP/1.1 411 " &&
	printf "POST / HTTP/1.1\r\n folded: x\r\n\r\n" >req &&
	test_expect_code 1 glow-webhook -r <req >out 2>err &&
	head -n 1 out | grep -q "^HTTP/1.1 400 " && grep -q "folding" out &&
	printf "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" >req &&
	glow-webhook -r <req >out 2>err &&
	head -n 1 out | grep -q "^HTTP/1.1 200 OK"
'

test_expect_success '-e: the envelope of an Actions event, printed' '
	printf "{\"action\":\"synchronize\",\"number\":5,\"repository\":{\"full_name\":\"o/r\"},\"sender\":{\"login\":\"dependabot[bot]\",\"type\":\"Bot\"}}" >event.json &&
	env GITHUB_EVENT_NAME=pull_request GITHUB_EVENT_PATH=event.json \
	    GITHUB_RUN_ID=4711 GITHUB_RUN_ATTEMPT=2 GLOW_WEBHOOK_SECRET= \
	    glow-webhook -e >env.out 2>err &&
	jq -e ".event == \"pull_request\" and .action == \"synchronize\" and
	    .delivery_id == \"actions-4711-2\" and .hook_id == null and
	    .installation_id == null and .repository == \"o/r\" and
	    .sender.type == \"Bot\" and .payload.number == 5" env.out >/dev/null &&
	test ! -s err
'

test_expect_success '-e -d: spooled instead, the file named on stdout' '
	env GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=event.json GITHUB_RUN_ID=4712 \
	    glow-webhook -e -d espool >name 2>err &&
	test -f "$(cat name)" &&
	case $(cat name) in espool/new/*-actions-4712-1.json) ;; *) false ;; esac &&
	test "$(jq -r .event "$(cat name)")" = push
'

test_expect_success '-e without GITHUB_EVENT_PATH, or with a broken file, fails' '
	test_expect_code 2 env GITHUB_EVENT_NAME=push glow-webhook -e >out 2>err &&
	test_grep "GITHUB_EVENT_PATH" err &&
	printf "{" >broken.json &&
	test_expect_code 1 env GITHUB_EVENT_NAME=push GITHUB_EVENT_PATH=broken.json \
	    glow-webhook -e >out 2>err &&
	test ! -s out
'

test_expect_success 'no secret, nor the signature GitHub expects, in any output' '
	cat out err >>all.log &&
	! grep -F "$secret" all.log &&
	! grep -F "new-secret" all.log &&
	! grep -F "old-one" all.log &&
	! grep -F "$(K=$secret hmac_sign body.json)" all.log
'

test_done
