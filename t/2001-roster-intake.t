#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-roster intake: registration issues to pending learners.
. "${0%/*}/lib.sh"

ex=$GLOW_SRC/examples/roster.example.json
GLOW_NOW=2030-01-01T00:00:00.000Z
export GLOW_NOW

# What GET /repos/o/r/issues returns, cut down: forms with CRLF, missing
# answers, an edited body, an [ENROLL-INTAKE] body, a pull request, an
# existing learner, a bot.
cat >issues.json <<'EOF'
[
 {"number": 27, "title": "Register", "state": "open", "user": {"login": "ivy"},
  "body": "### Path\n\nday3\n\n### Cohort\n\nspring-2026"},
 {"number": 21, "title": "Register", "state": "open", "user": {"login": "Dora-D"},
  "created_at": "2026-03-05T08:00:00Z",
  "repository_url": "https://api.github.com/repos/Community-Access/glow-enroll",
  "html_url": "https://github.com/Community-Access/glow-enroll/issues/21",
  "body": "### GitHub username\r\n\r\nsomeone-else\r\n\r\n### Cohort\r\n\r\nspring-2026\r\n\r\n### Path\r\n\r\nday2-only\r\n\r\n### Consent\r\n\r\n- [X] I agree\r\n"},
 {"number": 22, "title": "Register", "state": "open", "user": {"login": "eve"},
  "created_at": "2026-03-05T09:00:00Z",
  "repository_url": "https://api.github.com/repos/Community-Access/glow-enroll",
  "body": "### Cohort\n\n_No response_\n\n### Path\n\n_No response_\n"},
 {"number": 23, "title": "Fix typo", "state": "open", "user": {"login": "frank"},
  "pull_request": {"url": "https://api.github.com/repos/o/r/pulls/23"}, "body": "### Cohort\n\nspring-2026"},
 {"number": 24, "title": "[ENROLL-INTAKE] gina", "state": "open", "user": {"login": "glow-bot"},
  "created_at": "2026-03-06T09:00:00Z",
  "repository_url": "https://api.github.com/repos/Community-Access/glow-admin",
  "body": "[ENROLL-INTAKE]\r\n\r\n- Submitted by: @Gina-G\r\n- Captured at: 2026-03-06T08:59:00.000Z\r\n- Public issue: https://github.com/Community-Access/glow-enroll/issues/7\r\n"},
 {"number": 25, "title": "hello", "state": "open", "user": {"login": "hank"}, "body": "I edited the form away"},
 {"number": 26, "title": "Register", "state": "open", "user": {"login": "alice-example"},
  "body": "### Cohort\n\nspring-2026\n\n### Path\n\nday2-only\n"},
 {"number": 28, "title": "Register", "state": "open", "user": {"login": "dependabot[bot]"},
  "body": "### Cohort\n\nspring-2026"}
]
EOF

test_expect_success 'intake -f: new learners in, report on stdout, exit 1 for unreadable issues' '
	cp "$ex" r.json &&
	test_expect_code 1 glow-roster intake -f r.json -c autumn issues.json >report 2>err &&
	glow-roster validate r.json &&
	test "$(jq -c "[.added[] | [.issue, .key]]" report)" = "[[21,\"dora-d@@spring-2026\"],[22,\"eve@@autumn\"],[24,\"gina-g@@autumn\"]]" &&
	test "$(jq -c "[.existing[].issue]" report)" = "[26]" &&
	test "$(jq -c "[.skipped[] | [.issue, .reason]]" report)" = "[[23,\"a pull request\"]]" &&
	test "$(jq -c "[.unparseable[].issue]" report)" = "[25,27,28]"
'

test_expect_success 'unreadable issues are named on stderr with the reason' '
	test_grep "cannot take in issue .#25.: not a registration" err &&
	test_grep "cannot take in issue .#27.: path .day3. is not one of day1-day2, day2-only" err &&
	test_grep "cannot take in issue .#28.: author .dependabot\[bot\]. is not a valid GitHub handle" err
'

test_expect_success 'a form learner: the author is the handle, CRLF read, path answer' '
	test "$(json_get r.json ".learners[] | select(.github_handle == \"Dora-D\") | [.cohort_id, .path, .provision_state, .registered_at, .enrollment_repo, (.enrollment_issue_number|tostring)] | join(\",\")")" = "spring-2026,day2-only,pending,2026-03-05T08:00:00Z,Community-Access/glow-enroll,21" &&
	test_grep -v someone-else r.json
'

test_expect_success 'missing answers: default path, the -c cohort, which is added' '
	test "$(json_get r.json ".learners[] | select(.github_handle == \"eve\") | [.cohort_id, .path] | join(\",\")")" = "autumn,day1-day2" &&
	test "$(json_get r.json "[.cohorts[].cohort_id] | join(\",\")")" = "spring-2026,autumn"
'

test_expect_success '[ENROLL-INTAKE]: submitted-by handle, captured time, public issue' '
	test "$(json_get r.json ".learners[] | select(.github_handle == \"Gina-G\") | [.registered_at, .enrollment_repo, (.enrollment_issue_number|tostring)] | join(\",\")")" = "2026-03-06T08:59:00.000Z,Community-Access/glow-enroll,7"
'

test_expect_success 'an existing learner is not modified' '
	jq -c ".learners[] | select(.github_handle == \"alice-example\")" "$ex" >want &&
	jq -c ".learners[] | select(.github_handle == \"alice-example\")" r.json >got &&
	test_cmp want got
'

test_expect_success 'intake again changes nothing' '
	cp r.json r1.json &&
	test_expect_code 1 glow-roster intake -f r.json -c autumn issues.json >report 2>err &&
	cmp r1.json r.json &&
	test "$(jq -c ".added" report)" = "[]"
'

test_expect_success 'without a cohort anywhere the issue is unreadable' '
	cp "$ex" r2.json &&
	test_expect_code 1 glow-roster intake -f r2.json -R rep.json issues.json >out 2>err &&
	test_grep "cannot take in issue .#22.: no cohort" err &&
	test "$(jq -c "[.unparseable[].issue]" rep.json)" = "[22,24,25,27,28]"
'

test_expect_success 'intake on stdin to stdout, report to a file' '
	test_expect_code 1 glow-roster intake -c autumn -R rep.json issues.json <"$ex" >out 2>err &&
	test "$(json_get out ".learners | length")" = 5 &&
	test "$(jq -c ".added | length" rep.json)" = 3
'

test_expect_success 'an input that is not an array of issues is an error (2)' '
	echo "{}" >obj.json &&
	test_expect_code 2 glow-roster intake -f r.json obj.json 2>err &&
	test_grep "not an array of issues" err
'

test_done
