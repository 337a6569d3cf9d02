#!/bin/sh
# SPDX-License-Identifier: ISC
# End to end through lighttpd (examples/lighttpd-webhook.conf): signed
# deliveries are spooled by glow-webhook, picked up by a watching
# glow-trigger, run, and moved to done/; a command that hangs is killed
# at its timeout, with its children, and its envelope goes to failed/.
. "${0%/*}/lib.sh"

command -v lighttpd >/dev/null 2>&1 || skip_all 'lighttpd not installed'
command -v curl >/dev/null 2>&1 || skip_all 'curl not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'

. "$T_DIR/lighttpd.sh"
port=$(free_port)
K='end to end secret'
export K
lighttpd_webhook "$port"

post() {        # post FILE EVENT ID: a signed delivery; the status in code
	curl -s -o answer -w '%{http_code}' -H "X-GitHub-Event: $2" \
	    -H "X-GitHub-Delivery: $3" -H "X-GitHub-Hook-ID: 99" \
	    -H "X-Hub-Signature-256: sha256=$(hmac_sign "$1")" \
	    -H 'Content-Type: application/json' -H 'User-Agent: GitHub-Hookshot/test' \
	    --data-binary @"$1" "$url" >code
}

cat >rules.json <<'EOF2'
{"workflows": [
  {"id": "main", "on": "push", "branches": ["main"],
   "run": "cat >\"got-$GLOW_DELIVERY.json\"; echo \"$GLOW_EVENT $GLOW_REPOSITORY $GLOW_INSTALLATION_ID\" >>ran.log"},
  {"id": "hang", "on": "issues", "timeout": 1,
   "run": "(sleep 9877) & sleep 9878"}
]}
EOF2
glow-trigger -w -i 50 -k 1 -m 1 -j 2 -s spool rules.json >trigger.out 2>trigger.err &
tpid=$!
test_at_exit "kill $tpid 2>/dev/null; wait $tpid 2>/dev/null"

test_expect_success 'a signed push to main is spooled, run, and moved to done/' '
	printf "{\"ref\":\"refs/heads/main\",\"repository\":{\"full_name\":\"o/r\"},\"installation\":{\"id\":3},\"sender\":{\"login\":\"mona\",\"type\":\"User\"},\"commits\":[]}" >push.json &&
	post push.json push e2e-1 &&
	test "$(cat code)" = 202 &&
	i=0 && while ! ls spool/done/*-e2e-1.json >/dev/null 2>&1 && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	cmp got-e2e-1.json spool/done/*-e2e-1.json &&
	test "$(cat ran.log)" = "push o/r 3" &&
	jq -e "select(.delivery == \"e2e-1\") | .rule == \"main\" and .ok" spool/runs.jsonl >/dev/null
'

test_expect_success 'a push to another branch matches nothing and goes to done/' '
	sed "s/main/dev/" push.json >dev.json &&
	post dev.json push e2e-2 &&
	test "$(cat code)" = 202 &&
	i=0 && while ! ls spool/done/*-e2e-2.json >/dev/null 2>&1 && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	ls spool/done/*-e2e-2.json >/dev/null &&
	test "$(grep -c e2e-2 spool/runs.jsonl)" = 0
'

test_expect_success 'a hanging command is killed at its timeout; the envelope goes to failed/' '
	printf "{\"action\":\"opened\",\"issue\":{\"number\":1,\"user\":{\"login\":\"mona\"}},\"repository\":{\"full_name\":\"o/r\"},\"sender\":{\"login\":\"mona\",\"type\":\"User\"}}" >issue.json &&
	post issue.json issues e2e-3 &&
	test "$(cat code)" = 202 &&
	i=0 && while ! ls spool/failed/*-e2e-3.json >/dev/null 2>&1 && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	ls spool/failed/*-e2e-3.json >/dev/null &&
	jq -e "select(.delivery == \"e2e-3\") | .rule == \"hang\" and .timed_out and .signal == 15 and .ok == false" spool/runs.jsonl >/dev/null &&
	sleep 0.2 &&
	test "$(ps -eo args | grep -c "^sleep 987[78]")" = 0
'

test_expect_success 'a redelivery is not run twice' '
	post push.json push e2e-1 &&
	test "$(cat code)" = 200 &&
	sleep 0.3 &&
	test "$(wc -l <ran.log)" = 1
'

# Stopped here, not in a body: a body is a subshell, which cannot wait
# for it.  Status 1: one envelope went to failed/.
kill $tpid
wait $tpid
tstatus=$?

test_expect_success 'glow-trigger stops on SIGTERM, leaving nothing in new/ or cur/' '
	test $tstatus = 1 &&
	test -z "$(ls spool/new)" && test -z "$(ls spool/cur)" &&
	test ! -s trigger.err
'

test_done
