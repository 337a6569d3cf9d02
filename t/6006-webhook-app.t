#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-webhook and the App, against the simulator.  -D: the App's recent
# deliveries are listed (App JWT, cursor pagination), and each one not
# committed to this spool is redelivered once (POST
# /app/hook/deliveries/{id}/attempts); committed, too old and too recent
# ones are left alone.  GET /setup: the setup URL records an installation
# only with a state glow signed and GitHub's confirmation.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

for c in jq python3 openssl; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
done

K="It's a Secret to Everybody"
GLOW_WEBHOOK_SECRET=$K
GLOW_SPOOL=$TRASH/spool
export GLOW_WEBHOOK_SECRET GLOW_SPOOL K
unset GLOW_WEBHOOK_STATE 2>/dev/null

sim_config_default >sim.json && sim_start sim.json || exit 1
PROVISIONING_APP_ID=1001 PROVISIONING_APP_PRIVATE_KEY=@$(sim_app_key) glow-jwt >jwt.json ||
	skip_all 'glow-jwt does not work'

# deliver ID: one signed CGI delivery of a small body
deliver() {
	printf '{"n":"%s"}' "$1" >body.json
	env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <body.json | tr -d ' ') HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY="$1" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
	    glow-webhook <body.json >out 2>err
}
# add GUID STATUS [AGE-SECONDS]: a delivery GitHub recorded
add() {
	at=$(date -u -d "@$(( $(date +%s) - ${3:-600} ))" +%Y-%m-%dT%H:%M:%SZ)
	sim_ctl POST state "{\"op\":\"add_hook_delivery\",\"guid\":\"$1\",\"status_code\":$2,\"delivered_at\":\"$at\"}" >/dev/null
}

test_expect_success 'setup: deliveries GitHub recorded, one of them in this spool' '
	deliver g-ok && grep -q "^Status: 202" out &&
	add g-ok 202 && add g-failed 502 && add g-elsewhere 202 &&
	add g-old 502 $((4 * 86400)) && add g-recent 502 10 &&
	i=0 && while [ $i -lt 120 ]; do add "g-many-$i" 202 700 || return 1; i=$((i + 1)); done &&
	deliver g-many-5 && grep -q "^Status: 202" out
'

test_expect_success '-n: what would be redelivered, nothing redelivered' '
	sim_ctl DELETE requests >/dev/null &&
	glow-webhook -D -n <jwt.json >out &&
	jq -r .delivery out | sort >got &&
	{ echo g-elsewhere; echo g-failed; i=0; while [ $i -lt 120 ]; do [ $i = 5 ] || echo "g-many-$i"; i=$((i + 1)); done; } | sort >expect &&
	test_cmp expect got &&
	test "$(sim_count POST /attempts)" = 0 &&
	test "$(sim_count GET /app/hook/deliveries)" = 2
'

test_expect_success 'every delivery not committed here is redelivered once, paced' '
	sim_ctl DELETE requests >/dev/null &&
	GLOW_WAIT_SCALE=0.01 glow-webhook -D <jwt.json >out &&
	test "$(jq -s "map(select(.redelivered)) | length" out)" = 121 &&
	test "$(sim_count POST /attempts)" = 121 &&
	sim_ctl GET "requests?method=POST&path=/attempts" >log &&
	jq -e "all(.[]; .auth == \"jwt\" and .status == 202)" log
'

test_expect_success 'a second pass asks only for what is still missing' '
	deliver g-failed && grep -q "^Status: 202" out &&
	sim_ctl DELETE requests >/dev/null &&
	GLOW_WAIT_SCALE=0.01 glow-webhook -D <jwt.json >out &&
	! jq -r .delivery out | grep -qx g-failed &&
	! jq -r .delivery out | grep -qx g-ok
'

test_expect_success '-w: older deliveries come into the window; bad input refused' '
	GLOW_WAIT_SCALE=0.01 glow-webhook -D -n -w 168 <jwt.json >out &&
	jq -r .delivery out | grep -qx g-old &&
	test_expect_code 2 glow-webhook -D -w 999 <jwt.json 2>err &&
	test_expect_code 2 glow-webhook -D </dev/null 2>err &&
	grep -q "no token" err
'

# ---- the App's setup URL ----

# setup QUERY: GET /setup as a CGI request; the answer in out (a refusal
# exits 1: the answer is what counts)
setup() {
	env REQUEST_METHOD=GET PATH_INFO=/setup QUERY_STRING="$1" \
	    GLOW_WEBHOOK_APP_JWT="cat $TRASH/jwt.json" glow-webhook >out 2>err ||
	    test $? = 1
}
inst() { jq -r '[.installations[].id] | map(tostring) | join(" ")' \
    "$GLOW_SPOOL/state/installations.json" 2>/dev/null; }

test_expect_success 'setup: a signed state and an installation GitHub confirms: recorded' '
	st=$(glow-webhook -I) &&
	setup "installation_id=43&setup_action=install&state=$st" &&
	grep -q "^Status: 200" out && grep -q "installation 43 recorded" out &&
	test "$(inst)" = 43 &&
	jq -e ".installations[0].account.login == \"dave\"" "$GLOW_SPOOL/state/installations.json"
'

test_expect_success 'setup: a forged or expired state changes nothing' '
	cp "$GLOW_SPOOL/state/installations.json" before.json &&
	setup "installation_id=42&setup_action=install&state=1.2.3" &&
	grep -q "^Status: 403" out &&
	st=$(glow-webhook -I) &&
	case $st in *0) bad=${st%0}1 ;; *) bad=${st%?}0 ;; esac &&
	test "$bad" != "$st" &&
	setup "installation_id=42&setup_action=install&state=$bad" &&
	grep -q "^Status: 403" out &&
	old="1000.0123456789abcdef0123456789abcdef.$(echo "$st" | cut -d. -f3)" &&
	setup "installation_id=42&setup_action=install&state=$old" &&
	grep -q "^Status: 403" out &&
	setup "installation_id=42&setup_action=install" &&
	grep -q "^Status: 403" out &&
	cmp before.json "$GLOW_SPOOL/state/installations.json"
'

test_expect_success 'setup: an installation GitHub does not confirm changes nothing' '
	st=$(glow-webhook -I) &&
	setup "installation_id=9999&setup_action=install&state=$st" &&
	grep -q "^Status: 404" out &&
	cmp before.json "$GLOW_SPOOL/state/installations.json" &&
	sim_ctl GET "requests?path=/app/installations/9999" | jq -e ".[0].auth == \"jwt\""
'

test_expect_success 'setup: a request awaiting approval is thanked, not recorded' '
	st=$(glow-webhook -I) &&
	setup "setup_action=request&state=$st" &&
	grep -q "^Status: 200" out && grep -q "requested" out &&
	cmp before.json "$GLOW_SPOOL/state/installations.json"
'

test_done
