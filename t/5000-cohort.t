#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-cohort: one scheduled pass against the simulator, in an Actions-like
# environment (GITHUB_ACTIONS, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) with the
# App's credentials as the workflow passes them: registrations taken in
# and acknowledged, learners provisioned, progress applied; a second pass
# changes nothing; a dry run changes nothing; a failing learner gives exit
# 1 and the alert issue opens, and closes on the next good pass; refused
# credentials give exit 2 and touch nothing.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
test -x "$GLOW_BIN/glow-provision" || skip_all 'glow-provision is not built'

sim_config_default >sim.json
sim_start sim.json

# What the provisioning workflow wires (App 1001, installed on glow-org).
PROVISIONING_MODE=github-app
PROVISIONING_APP_ID=1001
PROVISIONING_APP_PRIVATE_KEY=@$(sim_app_key)
LEARNING_ROOM_TEMPLATE_REPO=glow-org/learning-room-template
PROVISIONING_STUDENT_OWNER=glow-org
GITHUB_ACTIONS=true
GITHUB_OUTPUT=$TRASH/output
GITHUB_STEP_SUMMARY=$TRASH/summary.md
GITHUB_REPOSITORY=glow-org/admin
GLOW_WAIT_SCALE=0.05
export PROVISIONING_MODE PROVISIONING_APP_ID PROVISIONING_APP_PRIVATE_KEY LEARNING_ROOM_TEMPLATE_REPO \
	PROVISIONING_STUDENT_OWNER GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY \
	GITHUB_REPOSITORY GLOW_WAIT_SCALE

form() {
	printf '### Cohort\n\n%s\n\n### Path\n\n%s\n\n### This issue is public\n\n- [X] I understand\n' "$1" "$2"
}
register() {
	sim_ctl POST state "$(jq -n --arg u "$1" --arg b "$(form "$2" "${3:-day1-day2 (Day 1 and Day 2)}")" \
		'{op: "add_issue", repo: "glow-org/enrollment", title: "Registration", user: $u, body: $b, labels: ["registration"]}')" |
		jq .results[0].number
}
# One pass as the workflow runs it; output, summary, stdout and stderr fresh.
pass() {
	: >"$GITHUB_OUTPUT" && : >"$GITHUB_STEP_SUMMARY" &&
	glow-cohort "$@" -d admin -e glow-org/enrollment >pass.out 2>pass.err
}
learner() { json_get admin/roster.json ".learners[] | select(.github_handle == \"$1\") | .$2"; }
posts() { sim_requests | jq -r 'select(.method != "GET") | select(.path | test("access_tokens$|^/installation/token$") | not) | "\(.method) \(.path)"'; }

test_expect_success 'setup: an admin checkout, a learner provisioned earlier, registrations' '
	mkdir admin &&
	cat >admin/roster.json <<-\EOF &&
	{"version": 1, "generated_at": "2026-09-01T08:00:00.000Z",
	 "cohorts": [{"cohort_id": "spring-2026", "label": "Spring"}],
	 "learners": [
	  {"github_handle": "bob", "cohort_id": "spring-2026"},
	  {"github_handle": "carol", "cohort_id": "spring-2026",
	   "learning_room_repo": "glow-org/learning-room-spring-2026-carol",
	   "provision_state": "provisioned", "notes": "private note"}]}
	EOF
	glow-roster fmt admin/roster.json >r && mv r admin/roster.json &&
	sim_ctl POST state "[{\"op\":\"add_repo\",\"full_name\":\"glow-org/learning-room-spring-2026-carol\",\"private\":true},
		{\"op\":\"add_issue\",\"repo\":\"glow-org/learning-room-spring-2026-carol\",\"title\":\"Challenge 1: find your way\",\"user\":\"carol\",\"state\":\"closed\"}]" >/dev/null &&
	register alice spring-2026 >alice.n &&
	sim_ctl POST state "{\"op\":\"add_issue\",\"repo\":\"glow-org/enrollment\",\"title\":\"Question\",\"user\":\"dave\",\"body\":\"When does it start?\"}" >/dev/null &&
	cp admin/roster.json roster.0
'

test_expect_success 'a first pass takes in, provisions and applies progress: exit 0, changed=true' '
	sim_ctl DELETE requests >/dev/null &&
	pass &&
	test_grep "^changed=true$" "$GITHUB_OUTPUT" &&
	test_grep "^failed=0$" "$GITHUB_OUTPUT" &&
	test_grep "^added=1$" "$GITHUB_OUTPUT" &&
	test "$(json_get pass.out .status)" = 0 &&
	test "$(json_get pass.out .changed)" = true &&
	test "$(json_get pass.out .provision.created)" = 2
'

test_expect_success 'the registration became a learner, acknowledged once on its issue' '
	test "$(learner alice provision_state)" = provisioned &&
	test "$(learner alice enrollment_repo)" = glow-org/enrollment &&
	test "$(learner alice enrollment_issue_number)" = "$(cat alice.n)" &&
	sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number == $(cat alice.n)) | .comments" >c.json &&
	test "$(json_get c.json length)" = 1 &&
	test_grep "@alice" c.json &&
	test_grep -v "private note" c.json &&
	test "$(sim_state "[.repos[\"glow-org/enrollment\"].issues[] | select(.user == \"dave\") | .comments[]] | length")" = 0
'

test_expect_success 'pending learners were provisioned and invited' '
	for h in alice bob; do
		r=$(learner $h learning_room_repo) &&
		test "$(learner $h provision_state)" = provisioned &&
		test "$(sim_state ".repos[\"$r\"].private")" = true &&
		test "$(sim_state ".repos[\"$r\"].invitations[0].invitee")" = $h || exit 1
	done &&
	test "$(sim_state ".generate_counts[\"glow-org/learning-room-spring-2026-bob\"]")" = 1
'

test_expect_success 'progress was fetched and applied (the closed challenge moved carol)' '
	test "$(learner carol status)" = active-day1 &&
	test "$(learner carol notes)" = "private note" &&
	test "$(learner bob status)" = awaiting-ack
'

test_expect_success 'the log has one record per learner attempt' '
	test "$(wc -l <admin/provisioning-log.jsonl)" -eq 2 &&
	jq -s -e "map(.result) == [\"created\", \"created\"]" admin/provisioning-log.jsonl >/dev/null
'

test_expect_success 'the step summary has glow-cohort'"'"'s table and the programs'"'"'' '
	test_grep "^## glow-cohort$" summary.md &&
	test_grep "^| intake | 0 |$" summary.md &&
	test_grep "^| provision | 0 |$" summary.md &&
	test_grep "^| progress | 0 |$" summary.md &&
	test_grep "learning-room-spring-2026-bob" summary.md &&
	test_grep "roster changed: true" summary.md
'

test_expect_success 'no token or key leaves the pass, except as a mask' '
	grep -v "^::add-mask::" pass.err >err.plain &&
	test_grep -v "ghs_" err.plain &&
	test_grep -v "eyJ" err.plain &&
	test_grep -v "PRIVATE KEY" err.plain &&
	test_grep -v "ghs_" pass.out &&
	test_grep -v "ghs_" summary.md &&
	test_grep -v "ghs_" admin/provisioning-log.jsonl
'

test_expect_success 'the pass revoked the token it minted' '
	test "$(sim_count DELETE "^/installation/token$")" -ge 1
'

test_expect_success 'a second pass changes nothing: same bytes, changed=false, no write' '
	cp admin/roster.json roster.1 && cp admin/provisioning-log.jsonl log.1 &&
	sim_ctl DELETE requests >/dev/null &&
	pass &&
	test_cmp roster.1 admin/roster.json &&
	test_cmp log.1 admin/provisioning-log.jsonl &&
	test_grep "^changed=false$" "$GITHUB_OUTPUT" &&
	test_grep "^added=0$" "$GITHUB_OUTPUT" &&
	posts >writes && test_cmp /dev/null writes &&
	test "$(sim_count POST "/generate$")" = 0
'

test_expect_success 'a dry run changes nothing and makes no write' '
	register erin spring-2026 >erin.n &&
	sim_ctl POST state "{\"op\":\"add_issue\",\"repo\":\"glow-org/learning-room-spring-2026-bob\",\"title\":\"hi\",\"user\":\"bob\",\"comments\":[{\"user\":\"bob\",\"body\":\"ack\"}]}" >/dev/null &&
	sim_ctl DELETE requests >/dev/null &&
	pass -n &&
	test_cmp roster.1 admin/roster.json &&
	test_cmp log.1 admin/provisioning-log.jsonl &&
	test_grep "^changed=false$" "$GITHUB_OUTPUT" &&
	test "$(json_get pass.out .dry_run)" = true &&
	test_grep "intake: 1 added" pass.err &&
	test_grep "erin" pass.err &&
	test_grep "awaiting-ack -> active-day1" pass.err &&
	posts >writes && test_cmp /dev/null writes
'

test_expect_success 'steps can be chosen: -s provision runs only glow-provision' '
	sim_ctl DELETE requests >/dev/null &&
	pass -s provision &&
	test "$(sim_count GET "^/repos/glow-org/enrollment/issues$")" = 0 &&
	test "$(sim_count GET "^/repos/glow-org/learning-room-spring-2026-carol/issues$")" = 0 &&
	test_grep "^| provision | 0 |$" summary.md &&
	test_grep -v "^| intake" summary.md &&
	test_expect_code 2 glow-cohort -d admin -s intake,frobnicate 2>err &&
	test_grep "bad step" err
'

test_expect_success 'a learner who cannot be invited fails: exit 1, failed=1, the others go on' '
	register ivan spring-2026 >n.n &&
	sim_fault "{\"method\":\"PUT\",\"path\":\"/collaborators/ivan$\",\"kind\":\"plain403\",\"times\":-1}" &&
	test_expect_code 1 pass &&
	test_grep "^failed=1$" "$GITHUB_OUTPUT" &&
	test_grep "^changed=true$" "$GITHUB_OUTPUT" &&
	test "$(json_get pass.out .status)" = 1 &&
	test "$(learner ivan provision_state)" = failed &&
	test "$(learner erin provision_state)" = provisioned &&
	test "$(learner bob status)" = active-day1 &&
	test_grep "^| provision | 1 |$" summary.md &&
	glow-roster validate -f admin/roster.json
'

alerts() { sim_state '[.repos["glow-org/admin"].issues[] | select(.body | contains("glow-cohort:alert:provisioning")) | .state]'; }

test_expect_success 'the failed run opens the alert issue, once' '
	GITHUB_RUN_ID=101 GLOW_TOKEN=ghp_statictoken glow-cohort alert failure 2>err &&
	GITHUB_RUN_ID=102 GLOW_TOKEN=ghp_statictoken glow-cohort alert failure 2>err &&
	test "$(alerts | jq -c .)" = "[\"open\"]"
'

test_expect_success 'once the cause is fixed the next pass succeeds and the alert closes' '
	sim_ctl DELETE faults >/dev/null &&
	pass &&
	test_grep "^failed=0$" "$GITHUB_OUTPUT" &&
	test "$(learner ivan provision_state)" = provisioned &&
	GITHUB_RUN_ID=103 GLOW_TOKEN=ghp_statictoken glow-cohort alert success 2>err &&
	test "$(alerts | jq -c .)" = "[\"closed\"]"
'

test_expect_success 'refused credentials: exit 2, nothing read or written, changed=false' '
	cp admin/roster.json roster.2 && cp admin/provisioning-log.jsonl log.2 &&
	openssl genrsa -traditional -out other.pem 2048 2>/dev/null &&
	sim_ctl DELETE requests >/dev/null &&
	register frank spring-2026 >/dev/null &&
	test_expect_code 2 env PROVISIONING_APP_PRIVATE_KEY=@other.pem glow-cohort -d admin \
		-e glow-org/enrollment >pass.out 2>pass.err &&
	test_grep "cannot mint a token" pass.err &&
	test_cmp roster.2 admin/roster.json &&
	test_cmp log.2 admin/provisioning-log.jsonl &&
	test "$(json_get pass.out .changed)" = false &&
	test "$(sim_count "*" "^/repos/")" = 0
'

test_expect_success 'a roster that does not validate: exit 1, left as it is' '
	mkdir -p broken &&
	printf "{\"version\": 2, \"learners\": 7}\n" >broken/roster.json &&
	cp broken/roster.json expect &&
	test_expect_code 1 glow-cohort -d broken 2>err &&
	test_grep "glow-roster: invalid roster .broken/roster.json.: version" err &&
	test_grep "cannot use .broken/roster.json.; nothing was done" err &&
	test_cmp expect broken/roster.json
'

test_expect_success 'actions-bot mode: a pass with PROVISIONING_TOKEN and no App' '
	register grace spring-2026 >/dev/null &&
	pass_bot() {
		: >"$GITHUB_OUTPUT" &&
		env -u PROVISIONING_APP_ID -u PROVISIONING_APP_PRIVATE_KEY \
			PROVISIONING_MODE=actions-bot PROVISIONING_TOKEN=ghp_statictoken \
			glow-cohort -d admin -e glow-org/enrollment >pass.out 2>pass.err
	} &&
	pass_bot &&
	test "$(learner grace provision_state)" = provisioned &&
	test_grep "^changed=true$" "$GITHUB_OUTPUT" &&
	pass_bot &&
	test_grep "^changed=false$" "$GITHUB_OUTPUT" &&
	test "$(sim_count DELETE "^/installation/token$")" = 0
'

test_expect_success 'check-auth: good credentials exit 0, refused ones exit 2' '
	glow-cohort check-auth >out 2>err &&
	test_expect_code 2 env PROVISIONING_APP_PRIVATE_KEY=@other.pem glow-cohort check-auth >out 2>err
'

test_done
