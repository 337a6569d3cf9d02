#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-provision: waiting for the template's content, verifying and
# healing the workflow files, the invitation states, the "room is ready"
# comment, and -a on an unchanged cohort costing only 304s.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"
. "$T_DIR/prov.sh"

sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'
prov_env
sim_ctl POST state '{"op":"set_config","template_delay":0.02}' >/dev/null

C=c1
R=glow-org/learning-room-$C
W=.github/workflows

test_expect_success 'setup: three learners provisioned' '
	prov_roster $C alice bob carol >roster.json &&
	glow-provision -f roster.json -l log.jsonl >sum 2>err &&
	test "$(json_get sum .created)" = 3
'

test_expect_success 'delayed content: waited for with backoff, then verified' '
	sim_ctl POST state "{\"op\":\"set_config\",\"template_delay\":1.0}" >/dev/null &&
	prov_roster $C dave >d.json &&
	prov_clear &&
	GLOW_WAIT_SCALE=0.02 glow-provision -k 1000 -f d.json -l d.log >sum 2>err &&
	test "$(json_get d.log .result)" = created &&
	test "$(sim_count GET "^/repos/$R-dave/contents/$W\$")" -ge 2 &&
	test "$(sim_requests | jq -r "select(.path==\"/repos/$R-dave/contents/$W\") | .status" | tail -n 1)" = 200 &&
	test "$(sim_requests | jq -r "select(.path==\"/repos/$R-dave/contents/$W\") | .status" | head -n 1)" = 404 &&
	test "$(json_get sum .wait_content_s)" -gt 0 &&
	test "$(sim_count PUT "/repos/$R-dave/collaborators/")" = 1
'

test_expect_success 'content that never arrives in -k seconds: failed, the re-run finishes it' '
	sim_ctl POST state "{\"op\":\"set_config\",\"template_delay\":3.0}" >/dev/null &&
	prov_roster $C erin >e.json &&
	prov_clear &&
	test_expect_code 1 glow-provision -k 20 -f e.json -l e.log >sum 2>err &&
	test "$(json_get e.log .result)" = error &&
	json_get e.log .error_detail | grep "did not arrive" &&
	test "$(json_get e.json .learners[0].provision_state)" = failed &&
	test "$(sim_count PUT /collaborators/)" = 0 &&
	sleep 3 &&
	glow-provision -f e.json -l e.log >sum 2>err &&
	test "$(tail -n 1 e.log | jq -r .result)" = already-exists &&
	test "$(json_get e.json .learners[0].provision_state)" = provisioned &&
	test "$(prov_gen learning-room-$C-erin)" = 1 &&
	sim_ctl POST state "{\"op\":\"set_config\",\"template_delay\":0.02}" >/dev/null
'

test_expect_success '-a on an unchanged cohort: only 304s after the first pass' '
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	prov_clear &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test "$(json_get sum .verified)" = 3 &&
	n=$(sim_count "*" .) &&
	test "$n" -gt 0 &&
	test "$(sim_requests | jq -r .status | sort -u)" = 304 &&
	test "$(json_get sum .not_modified)" = "$n"
'

test_expect_success 'healing: a deleted workflow file is copied back from the template' '
	sim_ctl POST state "{\"op\":\"delete_file\",\"repo\":\"$R-bob\",\"path\":\"$W/student-progression.yml\"}" >/dev/null &&
	test -z "$(prov_file $R-bob $W/student-progression.yml)" &&
	lines=$(wc -l <log.jsonl) &&
	prov_clear &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test "$(json_get sum .healed)" = 1 &&
	test "$(sim_count PUT "^/repos/$R-bob/contents/")" = 1 &&
	test "$(prov_file $R-bob $W/student-progression.yml)" = \
		"$(prov_file glow-org/learning-room-template $W/student-progression.yml)" &&
	test "$(tail -n 1 log.jsonl | jq -r .result)" = healed &&
	test "$(tail -n 1 log.jsonl | jq -r ".healed | join(\",\")")" = student-progression.yml &&
	test "$(wc -l <log.jsonl)" = $((lines + 1)) &&
	test "$(jq -r ".learners[] | select(.github_handle==\"bob\") | .provision_state" roster.json)" = healed &&
	test "$(prov_mutations)" = 1
'

test_expect_success 'a healed learner stays healed, and is not healed twice' '
	prov_clear &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test "$(json_get sum .healed)" = 0 &&
	test "$(prov_mutations)" = 0 &&
	test "$(jq -r ".learners[] | select(.github_handle==\"bob\") | .provision_state" roster.json)" = healed
'

test_expect_success 'healing needs the Workflows permission: without it the learner fails with GitHub'"'"'s message' '
	printf "Authorization: Bearer %s\n" "$(sim_jwt)" >jwthdr &&
	curl -sS -A t -H @jwthdr -X POST -o narrow.json \
		--data-binary "{\"permissions\":{\"administration\":\"write\",\"contents\":\"write\",\"metadata\":\"read\",\"issues\":\"write\"}}" \
		"$SIM_URL/app/installations/42/access_tokens" &&
	sim_ctl POST state "{\"op\":\"delete_file\",\"repo\":\"$R-carol\",\"path\":\"$W/content-validation.yml\"}" >/dev/null &&
	test_expect_code 1 glow-provision -a -t narrow.json -f roster.json -l log.jsonl >sum 2>err &&
	test "$(tail -n 1 log.jsonl | jq -r .result)" = error &&
	tail -n 1 log.jsonl | jq -r .error_detail | grep "Resource not accessible by integration" &&
	test "$(jq -r ".learners[] | select(.github_handle==\"carol\") | .provision_state" roster.json)" = failed &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test "$(jq -r ".learners[] | select(.github_handle==\"carol\") | .provision_state" roster.json)" = healed
'

test_expect_success 'a template that lacks a required file fails the pass before any learner' '
	prov_roster $C frank >f.json &&
	cp f.json f.orig &&
	prov_clear &&
	test_expect_code 2 glow-provision -w pr-validation-bot.yml,missing.yml -f f.json -l f.log >sum 2>err &&
	test_grep "cannot use template .glow-org/learning-room-template.: it lacks .github/workflows/missing.yml; no learner was touched" err &&
	test "$(wc -l <err)" = 1 &&
	test_cmp f.orig f.json &&
	test ! -s f.log &&
	test "$(prov_mutations)" = 0
'

test_expect_success 'a wrong template fails the pass with one message naming it, no learner failed' '
	prov_roster $C frank >f.json &&
	cp f.json f.orig &&
	prov_clear &&
	test_expect_code 2 env LEARNING_ROOM_TEMPLATE_REPO=glow-org/no-such-template \
		glow-provision -f f.json -l f.log >sum 2>err &&
	test_grep "cannot read template .glow-org/no-such-template.: no such repository, or the App cannot see it; no learner was touched" err &&
	test_cmp f.orig f.json &&
	test ! -s f.log &&
	test_expect_code 2 env LEARNING_ROOM_TEMPLATE_REPO=glow-org/admin \
		glow-provision -f f.json -l f.log >sum 2>err &&
	test_grep "not a template repository" err &&
	test "$(prov_mutations)" = 0
'

test_expect_success 'invitation: a collaborator needs nothing' '
	sim_ctl POST state "{\"op\":\"accept_invitation\",\"repo\":\"$R-alice\",\"user\":\"alice\"}" >/dev/null &&
	prov_clear &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test_grep "alice@@$C: verified .*collaborator" err &&
	test "$(sim_count PUT /collaborators/)" = 0
'

test_expect_success 'invitation: a live invitation is success, not sent again' '
	test "$(sim_state ".repos[\"$R-carol\"].invitations | length")" = 1 &&
	prov_clear &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test_grep "carol@@$C: verified .*already-invited" err &&
	test "$(sim_count PUT /collaborators/)" = 0 &&
	test "$(sim_state ".repos[\"$R-carol\"].invitations | length")" = 1
'

test_expect_success 'invitation: an expired one is deleted and sent again' '
	old=$(sim_state ".repos[\"$R-carol\"].invitations[0].id") &&
	sim_ctl POST state "{\"op\":\"expire_invitation\",\"repo\":\"$R-carol\",\"user\":\"carol\"}" >/dev/null &&
	prov_clear &&
	glow-provision -a -f roster.json -l log.jsonl >sum 2>err &&
	test "$(sim_count DELETE "^/repos/$R-carol/invitations/$old\$")" = 1 &&
	test "$(sim_count PUT "^/repos/$R-carol/collaborators/carol\$")" = 1 &&
	test "$(sim_state ".repos[\"$R-carol\"].invitations | length")" = 1 &&
	test "$(sim_state ".repos[\"$R-carol\"].invitations[0].expired")" = false &&
	test "$(tail -n 1 log.jsonl | jq -r .invitation)" = renewed &&
	test "$(tail -n 1 log.jsonl | jq -r .result)" = already-exists
'

test_expect_success 'invitation: 204 from the PUT (already has access) is success' '
	sim_ctl POST state "{\"op\":\"accept_invitation\",\"repo\":\"$R-dave\",\"user\":\"dave\"}" >/dev/null &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^/repos/$R-dave/collaborators\$\",\"kind\":\"status\",\"status\":200,\"body\":\"[]\",\"times\":1}" &&
	jq ".learners |= map(if .github_handle == \"dave\" then .provision_state = \"failed\" else . end)" d.json >d2.json &&
	mv d2.json d.json &&
	prov_clear &&
	glow-provision -f d.json -l d.log >sum 2>err &&
	test "$(sim_requests | jq -r "select(.method==\"PUT\") | .status")" = 204 &&
	test "$(tail -n 1 d.log | jq -r .invitation)" = collaborator &&
	test "$(json_get d.json .learners[0].provision_state)" = provisioned
'

test_expect_success 'an unknown user fails that learner only: exit 1' '
	prov_roster $C nobody-here grace >u.json &&
	test_expect_code 1 glow-provision -f u.json -l u.log >sum 2>err &&
	test "$(jq -r "select(.github_handle==\"nobody-here\") | .result" u.log)" = error &&
	test "$(jq -r "select(.github_handle==\"grace\") | .result" u.log)" = created &&
	test "$(jq -r ".learners[] | select(.github_handle==\"grace\") | .provision_state" u.json)" = provisioned &&
	test "$(jq -r ".learners[] | select(.github_handle==\"nobody-here\") | .provision_state" u.json)" = failed
'

test_expect_success '-i: the room-ready comment, exactly once' '
	n=$(sim_ctl POST state "{\"op\":\"add_issue\",\"repo\":\"glow-org/enrollment\",\"title\":\"Registration\",\"user\":\"heidi\"}" | jq -r ".results[0].number") &&
	cat >i.json <<-EOF &&
	{"version":1,"cohorts":[{"cohort_id":"$C"}],"learners":[
	{"github_handle":"heidi","cohort_id":"$C","enrollment_repo":"glow-org/enrollment","enrollment_issue_number":$n}]}
	EOF
	glow-provision -i -f i.json -l i.log >sum 2>err &&
	test "$(json_get i.log .comment)" = posted &&
	test "$(sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number==$n) | .comments | length")" = 1 &&
	sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number==$n) | .comments[0].body" >body &&
	test_grep "<!-- glow:room-ready -->" body &&
	test_grep "learning-room-$C-heidi" body &&
	prov_clear &&
	glow-provision -a -i -f i.json -l i.log >sum 2>err &&
	test "$(sim_count POST /comments)" = 0 &&
	test "$(sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number==$n) | .comments | length")" = 1
'

test_done
