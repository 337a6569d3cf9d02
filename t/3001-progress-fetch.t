#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-progress fetch against the GitHub simulator: what it reads, how many
# requests it costs, the ETag cache, and the whole pipeline into the roster.
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
command -v curl >/dev/null 2>&1 || skip_all 'curl not installed'
. "$T_DIR/sim.sh"

sim_config_default >sim.json &&
sim_start sim.json || skip_all 'the simulator does not start'

GLOW_TOKEN=ghp_statictoken
GLOW_WAIT_SCALE=0.01
export GLOW_TOKEN GLOW_WAIT_SCALE

A=glow-org/learning-room-spring-alice
B=glow-org/learning-room-spring-bob

sim_ctl POST /_sim/state "$(jq -nc --arg a "$A" --arg b "$B" '[
	{op:"add_repo", full_name:$a, private:true},
	{op:"add_repo", full_name:$b, private:true},
	{op:"add_issue", repo:$a, title:"Welcome", body:"Reply ack when ready", user:"trent",
	 comments:[{user:"trent", body:"Please reply ack"}, {user:"alice", body:"Ack!"}]},
	{op:"add_issue", repo:$a, title:"Challenge 1: find your way", user:"trent"},
	{op:"add_issue", repo:$b, title:"Challenge 1: find your way", user:"trent", state:"closed"},
	{op:"add_issue", repo:$b, title:"Challenge 2: branch", user:"trent"},
	{op:"add_pull", repo:$b, title:"My branch", body:"This fixes #2", user:"bob", merged:true, state:"closed"},
	{op:"add_pull", repo:$b, title:"Draft", body:"Fixes #1", user:"bob", state:"open"}
]')" >/dev/null || skip_all 'the simulator refused the setup'

cat >roster.json <<'EOF'
{
  "version": 1,
  "generated_at": "2026-09-01T00:00:00.000Z",
  "cohorts": [
    {
      "cohort_id": "spring"
    }
  ],
  "learners": [
    {
      "github_handle": "alice",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": "glow-org/learning-room-spring-alice",
      "provision_state": "provisioned",
      "status": "awaiting-ack",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": null,
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    },
    {
      "github_handle": "bob",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": "glow-org/learning-room-spring-bob",
      "provision_state": "healed",
      "status": "awaiting-ack",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": null,
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    },
    {
      "github_handle": "carol",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": null,
      "provision_state": "pending",
      "status": "awaiting-ack",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": null,
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    },
    {
      "github_handle": "dave",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": "glow-org/learning-room-spring-dave",
      "provision_state": "failed",
      "status": "awaiting-ack",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": null,
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    }
  ]
}
EOF
cp roster.json roster.orig

test_expect_success 'fetch: one snapshot per provisioned or healed learner' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	glow-progress fetch -f roster.json >snap 2>err &&
	test "$(jq -r .key snap | tr "\n" " ")" = "alice@@spring bob@@spring " &&
	test_grep "^\[1/2\] alice@@spring: 2 requests, 0 not modified$" err &&
	test_grep "^fetch: 2 learners, 4 requests, 0 not modified$" err
'

test_expect_success 'fetch: issues (state=all, labels), all comments, pulls from the issue list' '
	jq -se "first(.[] | select(.key == \"bob@@spring\")) |
		.repo == \"$B\" and .github_handle == \"bob\" and .path == \"day1-day2\" and
		([.issues[] | select(.pull_request | not) | .number] == [2, 1]) and
		([.issues[] | select(.pull_request) | .number] == [4, 3]) and
		(.pulls | map({number, merged: (.merged_at != null), body}) ==
			[{number: 4, merged: false, body: \"Fixes #1\"},
			 {number: 3, merged: true, body: \"This fixes #2\"}])" snap &&
	jq -se "first(.[] | select(.key == \"alice@@spring\")) |
		[.comments[] | .user + \": \" + .body] == [\"trent: Please reply ack\", \"alice: Ack!\"] and
		(.comments | all(.created_at | test(\"Z$\")))" snap
'

test_expect_success 'fetch: two list requests per repository, one page each, no pulls call' '
	test "$(sim_count GET "^/repos/$A/issues$")" = 1 &&
	test "$(sim_count GET "^/repos/$A/issues/comments$")" = 1 &&
	test "$(sim_count GET "/pulls")" = 0 &&
	test "$(sim_count "*" "learning-room-spring-dave")" = 0 &&
	test "$(sim_count "*" ".")" = 4 &&
	sim_requests >log &&
	jq -se "map(select(.path | endswith(\"/issues\")) | .query | test(\"state=all\") and test(\"per_page=100\")) == [true, true]" log
'

test_expect_success 'fetch -P: also reads the pull request list' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	glow-progress fetch -P -f roster.json >snapP 2>err &&
	test "$(sim_count GET "^/repos/$B/pulls$")" = 1 &&
	test "$(sim_count "*" ".")" = 6 &&
	jq -c "{key, pulls: [.pulls[] | {number, merged_at, body}]}" snap >a &&
	jq -c "{key, pulls: [.pulls[] | {number, merged_at, body}]}" snapP >b &&
	test_cmp a b
'

test_expect_success 'derive over the fetched snapshots' '
	glow-progress derive snap >derived &&
	jq -r "[.key, .status, (.evidence.challenges | map(tostring) | join(\",\"))] | join(\" \")" derived >got &&
	printf "%s\n" "alice@@spring active-day1 " "bob@@spring active-day1 1,2" >want &&
	test_cmp want got
'

test_expect_success 'fetch with a cache: the second run is all 304s' '
	glow-progress fetch -c cache -f roster.json >first 2>/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	glow-progress fetch -c cache -f roster.json >second 2>err &&
	test_cmp first second &&
	test "$(sim_count GET ".")" = 4 &&
	test "$(sim_requests | jq -s "map(select(.status != 304)) | length")" = 0 &&
	test_grep "^fetch: 2 learners, 4 requests, 4 not modified$" err
'

# A new comment changes the comment list and its issue (updated_at, the
# comment count): two 200s for that learner, 304s for the other.
test_expect_success 'fetch with a cache (GLOW_CACHE_DIR): only a changed repository costs' '
	sim_ctl POST /_sim/state "{\"op\":\"add_comment\",\"repo\":\"$A\",\"number\":2,\"user\":\"alice\",\"body\":\"day1-complete\"}" >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	GLOW_CACHE_DIR=$PWD/cache glow-progress fetch -f roster.json >third 2>err &&
	sim_requests >log &&
	test "$(jq -sc "map(select(.status == 200) | .path)" log)" = "[\"/repos/$A/issues\",\"/repos/$A/issues/comments\"]" &&
	test "$(jq -sc "map(select(.status == 304) | .path) | sort" log)" = "[\"/repos/$B/issues\",\"/repos/$B/issues/comments\"]" &&
	test "$(sim_count GET ".")" = 4 &&
	test "$(jq -r "select(.key == \"alice@@spring\") | .comments[-1].body" third)" = day1-complete
'

test_expect_success 'fetch: many comments are read page by page' '
	jq -nc --arg a "$A" "[range(150) | {op:\"add_comment\", repo:\$a, number:1, user:\"trent\", body:\"note \\(.)\"}]" >ops &&
	sim_ctl POST /_sim/state "$(cat ops)" >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	glow-progress fetch -f roster.json >paged 2>/dev/null &&
	test "$(sim_count GET "^/repos/$A/issues/comments$")" = 2 &&
	test "$(jq "select(.key == \"alice@@spring\") | .comments | length" paged)" = 153
'

test_expect_success 'the pipeline moves learners in the roster' '
	glow-progress fetch -f roster.json >s 2>/dev/null &&
	glow-progress derive s >d &&
	glow-progress apply -f roster.json d 2>report &&
	test "$(jq -r ".learners | map(.github_handle + \"=\" + .status) | join(\" \")" roster.json)" = \
		"alice=day1-complete bob=active-day1 carol=awaiting-ack dave=awaiting-ack" &&
	test_grep "^alice@@spring: awaiting-ack -> day1-complete$" report &&
	jq -e ".learners[0].last_signal_at | test(\"^20[0-9-]*T[0-9:.]*Z$\")" roster.json
'

test_expect_success 'needs-info: set by the label, cleared when it is removed' '
	sim_ctl POST /_sim/state "{\"op\":\"add_label\",\"repo\":\"$B\",\"number\":2,\"labels\":[\"Needs-Info\"]}" >/dev/null &&
	glow-progress fetch -f roster.json >s 2>/dev/null &&
	glow-progress derive s >d &&
	glow-progress apply -f roster.json d 2>report &&
	test "$(jq -r ".learners[1].status" roster.json)" = needs-info &&
	curl -sS -f -X DELETE -H "Authorization: Bearer $GLOW_TOKEN" -H "User-Agent: t" \
		"$SIM_URL/repos/$B/issues/2/labels/Needs-Info" >/dev/null &&
	glow-progress fetch -f roster.json >s 2>/dev/null &&
	glow-progress derive s >d &&
	glow-progress apply -f roster.json d 2>report &&
	test "$(jq -r ".learners[1].status" roster.json)" = active-day1 &&
	test_grep "^bob@@spring: needs-info -> active-day1$" report
'

test_expect_success 'fetch: a repository that cannot be read is reported, the others fetched' '
	jq ".learners[3].provision_state = \"provisioned\"" roster.orig >r2.json &&
	test_expect_code 1 glow-progress fetch -f r2.json >s 2>err &&
	test "$(jq -r .key s | tr "\n" " ")" = "alice@@spring bob@@spring " &&
	test_grep "^glow-progress: cannot fetch ./repos/glow-org/learning-room-spring-dave/issues?state=all.: 404 " err &&
	test_grep "^\[3/3\] dave@@spring: failed$" err
'

test_expect_success 'fetch: a refused token stops the run with status 2' '
	GLOW_TOKEN=ghp_wrong test_expect_code 2 glow-progress fetch -f roster.json >s 2>err &&
	test_grep "401" err &&
	test_grep -v "ghp_wrong" err &&
	test ! -s s
'

test_expect_success 'fetch: the token from a file (glow-token JSON)' '
	printf "{\"token\":\"ghp_statictoken\",\"expires_at\":null}\n" >token.json &&
	chmod 600 token.json &&
	GLOW_TOKEN= glow-progress fetch -t token.json -f roster.json >s 2>err &&
	test "$(jq -r .key s | wc -l)" = 2
'

test_expect_success 'fetch: reads are paced to 12 requests a second' '
	t0=$(date +%s%N) &&
	GLOW_WAIT_SCALE=1 glow-progress fetch -f roster.json >s 2>err &&
	t1=$(date +%s%N) &&
	test_grep "^fetch: 2 learners, 5 requests" err &&
	test $(( (t1 - t0) / 1000000 )) -ge 160
'

test_expect_success 'fetch: roster from stdin or as the operand' '
	glow-progress fetch <roster.json >s1 2>/dev/null &&
	glow-progress fetch roster.json >s2 2>/dev/null &&
	test_cmp s1 s2 &&
	test "$(wc -l <s1)" = 2
'

test_expect_success '-t - reads the token from standard input, never a file named -' '
	printf "{\"version\":1,\"cohorts\":[],\"learners\":[]}\n" >empty.json &&
	: >./- &&
	echo ghp_statictoken | glow-progress fetch -t - -f empty.json >out 2>err &&
	printf "" | test_expect_code 2 glow-progress fetch -t - -f empty.json >out 2>err &&
	test_grep "cannot use token .-.: it is empty" err &&
	rm ./- &&
	test_expect_code 2 glow-progress fetch -t - <empty.json >out 2>err &&
	test_grep "cannot read both the token and the roster from standard input" err
'

test_done
