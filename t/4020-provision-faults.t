#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-provision under trouble: token renewal with -c (before expiry and
# after a 401), a 401 that stays, a plain 403 against the rate limits,
# 5xx storms and resets, a limit longer than GLOW_MAX_WAIT, SIGTERM.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"
. "$T_DIR/prov.sh"

sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'
prov_env
sim_ctl POST state '{"op":"set_config","template_delay":0.02}' >/dev/null
PROVISIONING_APP_ID=1001
PROVISIONING_APP_PRIVATE_KEY=@$(sim_app_key)
export PROVISIONING_APP_ID PROVISIONING_APP_PRIVATE_KEY
MINT='glow-jwt | glow-token -i 42'

C=c2
R=glow-org/learning-room-$C
GEN='^/repos/glow-org/learning-room-template/generate$'

test_expect_success '-c: a short-lived token is renewed before it expires' '
	sim_ctl POST state "{\"op\":\"set_config\",\"token_ttl\":6}" >/dev/null &&
	prov_roster $C alice bob carol >t.json &&
	prov_clear &&
	env -u GLOW_TOKEN GLOW_WAIT_SCALE=1 GLOW_PACE=1.3 \
		glow-provision -c "$MINT" -f t.json -l t.log >sum 2>err &&
	test "$(json_get sum .created)" = 3 &&
	test "$(json_get sum .elapsed_s | cut -d. -f1)" -ge 6 &&
	test "$(sim_count POST "^/app/installations/42/access_tokens\$")" -ge 2 &&
	test "$(sim_requests | jq -r "select(.status==401)" | wc -l)" = 0 &&
	sim_ctl POST state "{\"op\":\"set_config\",\"token_ttl\":3600}" >/dev/null
'

test_expect_success '-c: a 401 mints a new token and the call is made again' '
	sim_fault "{\"method\":\"POST\",\"path\":\"$GEN\",\"kind\":\"status\",\"status\":401,\"body\":\"{\\\"message\\\":\\\"Bad credentials\\\"}\",\"times\":1}" &&
	prov_roster $C erin >e.json &&
	prov_clear &&
	env -u GLOW_TOKEN glow-provision -c "$MINT" -f e.json -l e.log >sum 2>err &&
	test "$(json_get e.log .result)" = created &&
	test "$(sim_count POST "^/app/installations/42/access_tokens\$")" = 2 &&
	test "$(sim_count POST "$GEN")" = 2
'

test_expect_success '-c: a call that outlives two tokens gets a third, and goes on' '
	sim_fault "{\"method\":\"POST\",\"path\":\"$GEN\",\"kind\":\"status\",\"status\":401,\"body\":\"{\\\"message\\\":\\\"Bad credentials\\\"}\",\"times\":2}" &&
	prov_roster c2-renew peggy >ev.json &&
	prov_clear &&
	env -u GLOW_TOKEN glow-provision -c "$MINT" -f ev.json -l ev.log >sum 2>err &&
	test "$(json_get ev.log .result)" = created &&
	test "$(sim_count POST "^/app/installations/42/access_tokens\$")" = 3 &&
	test "$(sim_count POST "$GEN")" = 3
'

test_expect_success 'a 401 that stays stops the batch: exit 2; the learner in flight and the rest stay pending' '
	sim_fault "{\"method\":\"POST\",\"path\":\"$GEN\",\"kind\":\"status\",\"status\":401,\"body\":\"{\\\"message\\\":\\\"Bad credentials\\\"}\",\"times\":1}" &&
	prov_roster $C frank grace >f.json &&
	prov_clear &&
	test_expect_code 2 glow-provision -f f.json -l f.log >sum 2>err &&
	test_grep "authentication refused" err &&
	test "$(sim_count POST "$GEN")" = 1 &&
	test "$(jq -r ".learners[] | select(.github_handle==\"grace\") | .provision_state" f.json)" = pending &&
	test "$(jq -r ".learners[] | select(.github_handle==\"frank\") | .provision_state" f.json)" = pending &&
	test "$(json_get f.log .result)" = skipped &&
	json_get f.log .error_detail | grep "401 Bad credentials"
'

test_expect_success 'a token command that fails: exit 2 before any request' '
	prov_roster $C heidi >h.json &&
	prov_clear &&
	test_expect_code 2 env -u GLOW_TOKEN glow-provision -c false -f h.json >sum 2>err &&
	test_grep "token command failed" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'a plain 403 fails that learner with GitHub'"'"'s message, never retried' '
	sim_fault "{\"method\":\"POST\",\"path\":\"$GEN\",\"kind\":\"plain403\",\"times\":1}" &&
	prov_roster $C ivan judy >i.json &&
	prov_clear &&
	test_expect_code 1 glow-provision -f i.json -l i.log >sum 2>err &&
	test "$(sim_count POST "$GEN")" = 2 &&
	test "$(jq -r "select(.github_handle==\"ivan\") | .result" i.log)" = error &&
	jq -r "select(.github_handle==\"ivan\") | .error_detail" i.log |
		grep "403 Resource not accessible by integration" &&
	test "$(jq -r "select(.github_handle==\"judy\") | .result" i.log)" = created &&
	test "$(json_get sum .limited)" = 0
'

test_expect_success 'a secondary limit waits (retry-after, or a minute) and goes on' '
	sim_fault "{\"method\":\"POST\",\"path\":\"$GEN\",\"kind\":\"secondary\",\"retry_after\":30,\"times\":1}" &&
	sim_fault "{\"method\":\"PUT\",\"path\":\"/collaborators/\",\"kind\":\"secondary429\",\"times\":1}" &&
	prov_roster $C mallory >m.json &&
	prov_clear &&
	glow-provision -f m.json -l m.log >sum 2>err &&
	test "$(json_get m.log .result)" = created &&
	test "$(json_get sum .limited)" = 2 &&
	test "$(json_get sum .wait_limit_s)" = 90 &&
	test "$(sim_count POST "$GEN")" = 2
'

test_expect_success 'a primary limit waits until the reset and goes on' '
	sim_fault "{\"method\":\"GET\",\"path\":\"^/orgs/glow-org/repos\$\",\"kind\":\"primary\",\"retry_after\":5,\"times\":1}" &&
	prov_roster $C niaj >n.json &&
	prov_clear &&
	glow-provision -f n.json -l n.log >sum 2>err &&
	test "$(json_get n.log .result)" = created &&
	test "$(json_get sum .limited)" = 1 &&
	test "$(json_get sum .wait_limit_s)" -ge 4
'

test_expect_success 'a limit longer than GLOW_MAX_WAIT stops the batch, exit 1' '
	sim_fault "{\"method\":\"POST\",\"path\":\"$GEN\",\"kind\":\"secondary\",\"retry_after\":500,\"times\":1}" &&
	prov_roster $C olivia peggy >o.json &&
	prov_clear &&
	test_expect_code 1 env GLOW_MAX_WAIT=100 glow-provision -f o.json -l o.log >sum 2>err &&
	test "$(sim_count POST "$GEN")" = 1 &&
	test "$(json_get o.log .result)" = error &&
	test "$(wc -l <o.log)" = 1 &&
	test "$(json_get sum .interrupted)" = true &&
	test "$(jq -r ".learners[] | select(.github_handle==\"peggy\") | .provision_state" o.json)" = pending &&
	glow-provision -f o.json -l o.log >sum 2>err &&
	test "$(jq -r ".learners[].provision_state" o.json | sort -u)" = provisioned
'

test_expect_success '5xx storms and connection resets are retried: all created' '
	sim_fault "{\"method\":\"*\",\"path\":\"^/repos/\",\"kind\":\"status\",\"status\":502,\"times\":6,\"skip\":2}" &&
	sim_fault "{\"method\":\"*\",\"path\":\"^/repos/\",\"kind\":\"status\",\"status\":503,\"times\":3,\"skip\":4}" &&
	sim_fault "{\"method\":\"*\",\"path\":\"^/repos/\",\"kind\":\"reset\",\"times\":2,\"skip\":9}" &&
	prov_roster $C rupert sybil trent >s.json &&
	prov_clear &&
	glow-provision -f s.json -l s.log >sum 2>err &&
	test "$(json_get sum .created)" = 3 &&
	test "$(json_get sum .retries)" -ge 9 &&
	test "$(sim_ctl GET faults | jq "[.[] | select(.times > 0)] | length")" = 0 &&
	for h in rupert sybil trent; do
		test "$(prov_gen learning-room-$C-$h)" = 1 || return 1
	done
'

test_expect_success 'SIGTERM: the current learner is finished, roster and log written' '
	prov_roster $C victor walter alice bob carol dave >v.json &&
	sed "s/\"cohort_id\":\"$C\"/\"cohort_id\":\"sig\"/g" v.json >sig.json &&
	GLOW_WAIT_SCALE=1 GLOW_PACE=0.4 glow-provision -f sig.json -l sig.log >sum 2>err &
	pid=$! &&
	i=0 &&
	while [ ! -s sig.log ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	kill -TERM $pid &&
	{ wait $pid; st=$?; } &&
	test $st = 1 &&
	test "$(json_get sum .interrupted)" = true &&
	done=$(wc -l <sig.log) &&
	test "$done" -lt 6 &&
	test "$(jq -r ".learners[] | select(.provision_state==\"provisioned\") | .github_handle" sig.json | wc -l)" = "$done" &&
	test "$(sim_state "[.generated | to_entries[] | select(.key | test(\"-sig-\"))] | length")" = "$done" &&
	test_grep "left for the next run" err &&
	glow-roster validate sig.json &&
	glow-provision -f sig.json -l sig.log >sum 2>err &&
	test "$(wc -l <sig.log)" = 6 &&
	test "$(jq -r ".learners[].provision_state" sig.json | sort -u)" = provisioned
'

test_done
