#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-dashboard publish against the GitHub simulator: the first pass
# creates one issue; an unchanged pass writes nothing; a change edits the
# same issue; a closed dashboard is reopened and a deleted one recreated; a
# second dashboard is never made; the step summary; invitations checked,
# and renewed with -R (DELETE, then PUT), paced through the client.
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
command -v curl >/dev/null 2>&1 || skip_all 'curl not installed'
. "$T_DIR/sim.sh"

sim_config_default >sim.json &&
sim_start sim.json || skip_all 'the simulator does not start'

GLOW_TOKEN=ghp_statictoken
GLOW_WAIT_SCALE=0.01
GITHUB_SERVER_URL=https://github.com
export GLOW_TOKEN GLOW_WAIT_SCALE GITHUB_SERVER_URL
ADMIN=glow-org/admin
A=glow-org/learning-room-spring-alice
B=glow-org/learning-room-spring-bob

sim_ctl POST /_sim/state "$(jq -nc --arg a "$A" --arg b "$B" '[
	{op:"add_repo", full_name:$a, private:true},
	{op:"add_repo", full_name:$b, private:true},
	{op:"add_issue", repo:"glow-org/admin", title:"An unrelated issue", body:"hello", user:"trent"}
]')" >/dev/null || skip_all 'the simulator refused the setup'

cat >roster.json <<EOF
{"version": 1, "generated_at": "2026-09-01T00:00:00.000Z",
 "cohorts": [{"cohort_id": "spring"}],
 "learners": [
  {"github_handle": "alice", "cohort_id": "spring", "provision_state": "provisioned",
   "status": "awaiting-ack", "learning_room_repo": "$A", "notes": "SENTINEL-NOTE"},
  {"github_handle": "bob", "cohort_id": "spring", "provision_state": "provisioned",
   "status": "active-day1", "learning_room_repo": "$B"},
  {"github_handle": "carol", "cohort_id": "spring", "provision_state": "failed"}
 ]}
EOF
glow-roster fmt -f roster.json >/dev/null || skip_all 'glow-roster fmt failed'
: >log.jsonl

# dashboards: the numbers of the admin repository's issues that carry the
# marker, open or closed, one a line.
dashboards() {
	sim_state '.repos["glow-org/admin"].issues[] | select((.body // "") | contains("<!-- glow:dashboard -->")) | "\(.number) \(.state)"'
}
writes() {
	echo $(( $(sim_count POST .) + $(sim_count PATCH .) + $(sim_count PUT .) + $(sim_count DELETE .) ))
}
publish() {
	glow-dashboard publish -r $ADMIN -l log.jsonl -f roster.json "$@"
}

test_expect_success 'the first pass creates one dashboard issue' '
	publish >out 2>err &&
	test "$(json_get out .action)" = created &&
	test "$(json_get out .issue)" = 2 &&
	test "$(json_get out .url)" = "https://github.com/$ADMIN/issues/2" &&
	test "$(sim_count POST "^/repos/$ADMIN/issues\$")" = 1 &&
	test "$(writes)" = 1 &&
	test "$(dashboards)" = "2 open" &&
	test "$(sim_state ".repos[\"$ADMIN\"].issues[1].title")" = "Cohort dashboard"
'

test_expect_success 'its body is the public rendering (no notes)' '
	sim_state ".repos[\"$ADMIN\"].issues[1].body" >body &&
	glow-dashboard render -l log.jsonl -f roster.json >want &&
	echo >>want &&
	test_cmp want body &&
	test_grep -v SENTINEL body &&
	test_grep "| carol | spring |" body
'

test_expect_success 'an unchanged second pass makes no write request' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish >out 2>err &&
	test "$(json_get out .action)" = unchanged &&
	test "$(json_get out .issue)" = 2 &&
	test "$(writes)" = 0 &&
	test "$(sim_count GET "^/repos/$ADMIN/issues\$")" = 1
'

test_expect_success 'a body GitHub hands back with CRLF counts as unchanged' '
	jq -Rs "{op: \"set_issue\", repo: \"$ADMIN\", number: 2, body: (. | gsub(\"\\n\"; \"\\r\\n\"))}" body >op.json &&
	sim_ctl POST /_sim/state "$(cat op.json)" >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish >out &&
	test "$(json_get out .action)" = unchanged &&
	test "$(writes)" = 0
'

test_expect_success 'a change edits the same issue, body only' '
	glow-roster set -f roster.json -k bob@@spring status=day1-complete >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish >out &&
	test "$(json_get out .action)" = edited &&
	test "$(json_get out .issue)" = 2 &&
	test "$(sim_count PATCH "^/repos/$ADMIN/issues/2\$")" = 1 &&
	test "$(writes)" = 1 &&
	sim_requests | jq -r "select(.method == \"PATCH\") | .body | keys | join(\",\")" >keys &&
	test "$(cat keys)" = body &&
	sim_state ".repos[\"$ADMIN\"].issues[1].body" >body &&
	test_grep "| bob | spring | day1-day2 | provisioned | accepted | day1-complete |" body &&
	test "$(dashboards)" = "2 open"
'

test_expect_success 'a hand-edited title is kept' '
	sim_ctl POST /_sim/state "{\"op\":\"set_issue\",\"repo\":\"$ADMIN\",\"number\":2,\"title\":\"Spring board\"}" >/dev/null &&
	glow-roster set -f roster.json -k bob@@spring status=day2-released >/dev/null &&
	publish >out &&
	test "$(json_get out .action)" = edited &&
	test "$(sim_state ".repos[\"$ADMIN\"].issues[1].title")" = "Spring board"
'

test_expect_success 'a closed dashboard is reopened, not duplicated' '
	sim_ctl POST /_sim/state "{\"op\":\"set_issue\",\"repo\":\"$ADMIN\",\"number\":2,\"state\":\"closed\"}" >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish >out &&
	test "$(json_get out .action)" = reopened &&
	test "$(sim_count POST .)" = 0 &&
	test "$(sim_count PATCH "^/repos/$ADMIN/issues/2\$")" = 1 &&
	test "$(dashboards)" = "2 open"
'

test_expect_success 'a deleted dashboard is recreated, found again past 100 issues' '
	jq -nc "[range(0; 150) | {op: \"add_issue\", repo: \"$ADMIN\", title: \"Issue \\(.)\", body: \"not a dashboard\", user: \"trent\"}]" >ops.json &&
	sim_ctl POST /_sim/state "$(cat ops.json)" >/dev/null &&
	sim_ctl POST /_sim/state "{\"op\":\"delete_issue\",\"repo\":\"$ADMIN\",\"number\":2}" >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish >out &&
	test "$(json_get out .action)" = created &&
	n=$(json_get out .issue) && test "$n" = 153 &&
	test "$(dashboards)" = "153 open" &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish >out &&
	test "$(json_get out .action)" = unchanged &&
	test "$(json_get out .issue)" = 153 &&
	test "$(writes)" = 0 &&
	test "$(sim_count GET "^/repos/$ADMIN/issues\$")" = 2
'

test_expect_success 'a second dashboard is never created' '
	for i in 1 2 3; do
		glow-roster set -f roster.json -k alice@@spring notes="note $i" >/dev/null &&
		publish >out || return 1
	done &&
	test "$(dashboards | wc -l)" = 1
'

test_expect_success 'dry run (-n): the plan, no write' '
	glow-roster set -f roster.json -k bob@@spring path=day2-only >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish -n >out 2>err &&
	test "$(json_get out .action)" = edited &&
	test "$(json_get out .dry_run)" = true &&
	test "$(writes)" = 0 &&
	test_grep "dry run" err
'

test_expect_success 'in Actions the same Markdown goes to the step summary' '
	: >summary.md &&
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/summary.md publish >out &&
	glow-dashboard render -l log.jsonl -f roster.json >want &&
	echo >>want &&
	test_cmp want summary.md &&
	publish >out &&
	test_cmp want summary.md
'

test_expect_success 'the private view (-P) shows notes; the public one does not' '
	publish -P >out &&
	sim_state ".repos[\"$ADMIN\"].issues[] | select(.number == 153) | .body" >body &&
	test_grep "note 3" body &&
	publish >out &&
	sim_state ".repos[\"$ADMIN\"].issues[] | select(.number == 153) | .body" >body &&
	test_grep -v "note 3" body
'

test_expect_success 'refusals: no repository, a bad one, no access' '
	test_expect_code 2 glow-dashboard publish -f roster.json 2>err &&
	test_grep "no repository" err &&
	test_expect_code 2 glow-dashboard publish -r nope -f roster.json 2>err &&
	test_grep "bad repository" err &&
	test_expect_code 2 glow-dashboard publish -r other-org/secret -f roster.json 2>err &&
	test_grep "cannot list the issues of .other-org/secret.: 404" err
'

# Invitations.  alice is invited; the log says so, ten days ago.
test_expect_success 'setup: alice invited ten days ago, bob a collaborator' '
	glow-api -X PUT /repos/$A/collaborators/alice <<-EOF >/dev/null &&
	{"permission":"push"}
	EOF
	test "$(sim_state ".repos[\"$A\"].invitations | length")" = 1 &&
	ago=$(date -u -d "@$(($(date +%s) - 10 * 86400))" +%Y-%m-%dT%H:%M:%SZ) &&
	jq -nc --arg t "$ago" --arg a "$A" "{github_handle: \"alice\", cohort_id: \"spring\", attempt_at: \$t,
		result: \"created\", repo: \$a, template_sha: null, error_detail: null, requests: 4,
		invitation: \"invited\"}" >log.jsonl &&
	glow-roster set -f roster.json -k bob@@spring status=active-day1 >/dev/null
'

test_expect_success 'the log says ten days, GitHub says fresh: GitHub decides, nothing written' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	glow-dashboard invitations -l log.jsonl -f roster.json >snap.json 2>err &&
	test "$(jq length snap.json)" = 1 &&
	test "$(jq -r ".[0].invitation" snap.json)" = pending &&
	glow-api /repos/$A/invitations >inv.json &&
	test "$(jq -r ".[0].created_at" snap.json)" = "$(jq -r ".[0].created_at" inv.json)" &&
	test_grep "alice@@spring: invitation pending\$" err &&
	test "$(writes)" = 0 &&
	glow-dashboard render -i snap.json -l log.jsonl -f roster.json >md &&
	grep "^| alice |" md >row &&
	test_grep "| invited 20" row &&
	test_grep -v "invitation not accepted" row &&
	glow-dashboard render -d 0 -i snap.json -l log.jsonl -f roster.json >md &&
	GLOW_NOW=$(date -u -d "@$(($(date +%s) + 86400))" +%Y-%m-%dT%H:%M:%SZ) \
		glow-dashboard render -d 0 -i snap.json -l log.jsonl -f roster.json >md &&
	grep "^| alice |" md >row &&
	test_grep "\*\*invitation not accepted\*\* for over 0 days" row
'

test_expect_success 'an expired invitation: listed as no live invitation' '
	sim_ctl POST /_sim/state "{\"op\":\"expire_invitation\",\"repo\":\"$A\",\"user\":\"alice\"}" >/dev/null &&
	glow-dashboard invitations -l log.jsonl -f roster.json >snap.json 2>err &&
	test "$(jq -r ".[0].invitation" snap.json)" = expired &&
	glow-dashboard render -i snap.json -f roster.json >md &&
	test_grep "| alice | spring | day1-day2 | provisioned | expired | .*no live invitation" md
'

test_expect_success 'publish -R renews it: DELETE the old one, PUT again, logged' '
	old=$(sim_state ".repos[\"$A\"].invitations[0].id") &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	GLOW_WAIT_SCALE=1 publish -R >out 2>err &&
	test "$(json_get out .invitations_renewed)" = 1 &&
	test "$(sim_count DELETE "^/repos/$A/invitations/$old\$")" = 1 &&
	test "$(sim_count PUT "^/repos/$A/collaborators/alice\$")" = 1 &&
	sim_requests | jq -r "select(.method != \"GET\") | .method" >order &&
	printf "DELETE\nPUT\nPATCH\n" >want && test_cmp want order &&
	sim_requests | jq -r "select(.method != \"GET\") | .time" >times &&
	awk "NR > 1 && \$1 - prev < 0.9 { exit 1 } { prev = \$1 }" times &&
	test "$(sim_state "[.repos[\"$A\"].invitations[] | select(.expired | not)] | length")" = 1 &&
	test "$(sim_state ".repos[\"$A\"].invitations | length")" = 1 &&
	test "$(tail -n 1 log.jsonl | jq -r .invitation)" = renewed &&
	test "$(tail -n 1 log.jsonl | jq -r .github_handle)" = alice &&
	sim_state ".repos[\"$ADMIN\"].issues[] | select(.number == 153) | .body" >body &&
	test_grep "| alice | spring | day1-day2 | provisioned | invited 20" body
'

test_expect_success 'the next pass: nothing to renew, nothing written' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	publish -R >out 2>err &&
	test "$(json_get out .invitations_checked)" = 0 &&
	test "$(json_get out .action)" = unchanged &&
	test "$(writes)" = 0
'

test_expect_success 'an accepted invitation reads accepted' '
	sim_ctl POST /_sim/state "{\"op\":\"accept_invitation\",\"repo\":\"$A\",\"user\":\"alice\"}" >/dev/null &&
	glow-dashboard invitations -a -l log.jsonl -f roster.json >snap.json 2>err &&
	test "$(jq -r ".[0].invitation" snap.json)" = accepted
'

test_expect_success 'those passes wrote only to the dashboard and the invitation (nothing pinned)' '
	sim_requests | jq -r "select(.method != \"GET\") | .path" |
		grep -v -e "^/repos/$ADMIN/issues\\(/[0-9]*\\)\\?\$" \
			-e "^/repos/$A/invitations/[0-9]*\$" -e "^/repos/$A/collaborators/alice\$" >other || true &&
	test ! -s other
'

test_done
