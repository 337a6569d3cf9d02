#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-cohort's parts that need no provisioning: the version kept in step
# with the Makefile, usage, POSIX sh, the registration front door
# (register), the alert issue (alert), the commit that survives a
# concurrent push (commit).  The install-glow action: t/5020.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'

test_expect_success '-V prints the Makefile'"'"'s VERSION' '
	v=$(sed -n "s/^VERSION *= *//p" "$GLOW_SRC/Makefile") &&
	test -n "$v" &&
	glow-cohort -V >out &&
	echo "glow-cohort $v" >expect &&
	test_cmp expect out
'

test_expect_success '-h prints the usage; a bad option or command exits 2' '
	glow-cohort -h >out &&
	test_grep "^usage: glow-cohort" out &&
	test_expect_code 2 glow-cohort -Z 2>err &&
	test_expect_code 2 glow-cohort frobnicate 2>err &&
	test_grep "^usage:" err
'

test_expect_success 'it is POSIX sh: dash parses it, and shellcheck (if here) is clean' '
	dash -n "$GLOW_SRC/bin/glow-cohort" 2>/dev/null || sh -n "$GLOW_SRC/bin/glow-cohort" &&
	if command -v shellcheck >/dev/null 2>&1; then
		shellcheck -s sh "$GLOW_SRC/bin/glow-cohort" \
			"$GLOW_SRC/.github/actions/install-glow/install.sh"
	fi
'

test_expect_success 'each step is one glow program on one marked line' '
	grep "# step:" "$GLOW_SRC/bin/glow-cohort" >steps &&
	for p in glow-roster glow-api glow-provision "glow-progress fetch" \
		"glow-progress derive" "glow-progress apply"; do
		grep -q "$p" steps || { echo "no step runs $p"; exit 1; }
	done
'

test_expect_success 'bad configuration exits 2 before any request' '
	mkdir -p cfg &&
	test_expect_code 2 env PROVISIONING_MODE=classroom glow-cohort -d cfg 2>err &&
	test_grep "bad PROVISIONING_MODE" err &&
	test_expect_code 2 glow-cohort -d cfg -e "../etc" 2>err &&
	test_grep "bad enrollment repository" err &&
	test_expect_code 2 glow-cohort -d nowhere 2>err &&
	test_expect_code 2 glow-cohort -d cfg 2>err &&
	test_grep "no such file" err
'

test_expect_success 'a glow program missing from PATH is named, not taken for a bad roster' '
	mkdir -p nogr cfg2 &&
	printf "{\"version\":1,\"cohorts\":[],\"learners\":[]}\n" >cfg2/roster.json &&
	for p in "$GLOW_BIN"/glow-*; do
		case ${p##*/} in glow-roster) ;; *) ln -sf "$p" nogr/ ;; esac
	done &&
	test_expect_code 2 env PATH="$TRASH/nogr:/usr/bin:/bin" glow-cohort -d cfg2 2>err &&
	test_grep "cannot run .glow-roster.: not found on PATH" err &&
	test_grep -v "does not validate" err
'

sim_config_default >sim.json
sim_start sim.json

# An issues event as Actions writes it to GITHUB_EVENT_PATH.
event() {
	jq -n --arg user "$1" --argjson n "$2" --arg body "$3" --arg repo "${4:-glow-org/enrollment}" \
		--argjson private "${5:-false}" '{
		action: "opened",
		issue: {number: $n, state: "open", title: "Registration",
			user: {login: $user, type: "User"},
			created_at: "2026-09-01T10:00:00Z",
			repository_url: ("https://api.github.com/repos/" + $repo),
			html_url: ("https://github.com/" + $repo + "/issues/\($n)"),
			body: $body},
		repository: {full_name: $repo, private: $private}}'
}
form='### Cohort

spring-2026

### Path

day2-only (Day 2 only)

### This issue is public

- [X] I understand that this issue is public and I have not written anything private in it.'

test_expect_success 'register: a new registration issue becomes a roster entry, acknowledged' '
	n=$(sim_ctl POST state "$(jq -n --arg b "$form" "{op: \"add_issue\", repo: \"glow-org/enrollment\", title: \"Registration\", user: \"Erin\", body: \$b}")" | jq .results[0].number) &&
	event Erin "$n" "$form" >event.json &&
	mkdir -p reg && : >out.env && : >summary.md &&
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$TRASH/out.env GITHUB_EVENT_PATH=$TRASH/event.json \
	GLOW_TOKEN=ghp_statictoken ADMIN_ROSTER_REPO=glow-org/admin \
		glow-cohort -d reg register >reg.out 2>reg.err &&
	test "$(json_get reg/roster.json ".learners[0].github_handle")" = Erin &&
	test "$(json_get reg/roster.json ".learners[0].path")" = day2-only &&
	test "$(json_get reg/roster.json ".learners[0].provision_state")" = pending &&
	test "$(json_get reg/roster.json ".learners[0].enrollment_issue_number")" = "$n" &&
	test_grep "^changed=true$" out.env &&
	test_grep "^added=1$" out.env &&
	test "$(json_get reg.out ".added[0]")" = erin@@spring-2026 &&
	sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number == $n) | .comments" >comments.json &&
	test "$(json_get comments.json "length")" = 1 &&
	json_get comments.json ".[0].body" >ack.md &&
	test_grep "@Erin" ack.md &&
	test_grep "spring-2026" ack.md &&
	test_grep "glow-cohort:registered" ack.md &&
	echo $n >issue.n
'

test_expect_success 'the acknowledgement holds nothing private from the roster' '
	glow-roster set -f reg/roster.json -k erin@@spring-2026 notes="needs captions" &&
	event Erin "$(cat issue.n)" "$form" >event.json &&
	GLOW_TOKEN=ghp_statictoken ADMIN_ROSTER_REPO=glow-org/admin \
		glow-cohort -d reg register event.json >reg.out 2>reg.err &&
	sim_state ".repos[\"glow-org/enrollment\"].issues[].comments[].body" >all.txt &&
	test_grep -v "captions" all.txt
'

test_expect_success 'an edited registration is not taken in or acknowledged twice' '
	cp reg/roster.json before.json &&
	: >out.env &&
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$TRASH/out.env GLOW_TOKEN=ghp_statictoken \
	ADMIN_ROSTER_REPO=glow-org/admin glow-cohort -d reg register event.json >reg.out 2>reg.err &&
	test_cmp before.json reg/roster.json &&
	test_grep "^changed=false$" out.env &&
	test "$(sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number == $(cat issue.n)) | .comments | length")" = 1
'

test_expect_success 'register refuses to keep the roster in the public enrollment repository' '
	event frank 99 "$form" >pub.json &&
	mkdir -p pub &&
	test_expect_code 2 env GLOW_TOKEN=ghp_statictoken glow-cohort -d pub register pub.json 2>err &&
	test_grep "refusing to keep the roster in the public repository" err &&
	test ! -e pub/roster.json &&
	test_expect_code 2 env GLOW_TOKEN=ghp_statictoken ADMIN_ROSTER_REPO=glow-org/enrollment \
		glow-cohort -d pub register pub.json 2>err &&
	test ! -e pub/roster.json
'

test_expect_success 'a registration that cannot be read: exit 1, the learner is told once, nothing added' '
	bad="### Cohort

_No response_

### Path

day1-day2"
	n=$(sim_ctl POST state "$(jq -n --arg b "$bad" "{op: \"add_issue\", repo: \"glow-org/enrollment\", title: \"Registration\", user: \"grace\", body: \$b}")" | jq .results[0].number) &&
	event grace "$n" "$bad" >bad.json &&
	cp reg/roster.json before.json &&
	test_expect_code 1 env GLOW_TOKEN=ghp_statictoken ADMIN_ROSTER_REPO=glow-org/admin \
		glow-cohort -d reg register bad.json >reg.out 2>reg.err &&
	test_cmp before.json reg/roster.json &&
	test_expect_code 1 env GLOW_TOKEN=ghp_statictoken ADMIN_ROSTER_REPO=glow-org/admin \
		glow-cohort -d reg register bad.json >reg.out 2>reg.err &&
	sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number == $n) | .comments" >c.json &&
	test "$(json_get c.json length)" = 1 &&
	test_grep "could not be read" c.json
'

test_expect_success 'register -n: nothing written, nothing posted' '
	n=$(sim_ctl POST state "$(jq -n --arg b "$form" "{op: \"add_issue\", repo: \"glow-org/enrollment\", title: \"Registration\", user: \"heidi\", body: \$b}")" | jq .results[0].number) &&
	event heidi "$n" "$form" >dry.json &&
	cp reg/roster.json before.json &&
	sim_ctl DELETE requests >/dev/null &&
	GLOW_TOKEN=ghp_statictoken ADMIN_ROSTER_REPO=glow-org/admin \
		glow-cohort -n -d reg register dry.json >reg.out 2>reg.err &&
	test_cmp before.json reg/roster.json &&
	test "$(json_get reg.out ".added[0]")" = heidi@@spring-2026 &&
	test "$(sim_count POST .)" = 0
'

# The alert issue, in the admin repository, through the workflow's token.
alerts() { sim_state '[.repos["glow-org/admin"].issues[] | select(.body | contains("glow-cohort:alert:'"${1:-provisioning}"'")) | {number, state}]'; }

test_expect_success 'alert failure opens one issue; a second failure opens no other' '
	GLOW_TOKEN=ghp_statictoken GITHUB_REPOSITORY=glow-org/admin GITHUB_RUN_ID=77 \
		glow-cohort alert failure 2>err &&
	test_grep "alert: opened #" err &&
	alerts >a.json &&
	test "$(json_get a.json "length")" = 1 &&
	test "$(json_get a.json ".[0].state")" = open &&
	GLOW_TOKEN=ghp_statictoken GITHUB_REPOSITORY=glow-org/admin GITHUB_RUN_ID=78 \
		glow-cohort alert failure 2>err &&
	test_grep "already open" err &&
	test "$(alerts | jq length)" = 1 &&
	sim_state ".repos[\"glow-org/admin\"].issues[0].body" >body &&
	test_grep "actions/runs/77" body
'

test_expect_success 'alert success closes it; another success makes no write' '
	GLOW_TOKEN=ghp_statictoken glow-cohort -r glow-org/admin -u https://example.invalid/run/79 alert success 2>err &&
	test_grep "alert: closed #" err &&
	test "$(alerts | jq -r ".[0].state")" = closed &&
	sim_state ".repos[\"glow-org/admin\"].issues[0].comments[0].body" >c &&
	test_grep "run/79" c &&
	sim_ctl DELETE requests >/dev/null &&
	GLOW_TOKEN=ghp_statictoken glow-cohort -r glow-org/admin alert success 2>err &&
	test "$(sim_count "*" .)" = 1 &&
	test "$(sim_count GET "^/repos/glow-org/admin/issues$")" = 1
'

test_expect_success 'alerts of another kind are kept apart; a new failure opens a new issue' '
	GLOW_TOKEN=ghp_statictoken glow-cohort -r glow-org/admin -k credentials alert failure 2>err &&
	GLOW_TOKEN=ghp_statictoken glow-cohort -r glow-org/admin alert failure 2>err &&
	test "$(alerts credentials | jq "map(select(.state == \"open\")) | length")" = 1 &&
	test "$(alerts | jq "map(select(.state == \"open\")) | length")" = 1 &&
	test "$(alerts | jq length)" = 2 &&
	GLOW_TOKEN=ghp_statictoken glow-cohort -r glow-org/admin -k credentials alert success 2>err &&
	test "$(alerts | jq "map(select(.state == \"open\")) | length")" = 1
'

test_expect_success 'alert: no token or no repository exits 2' '
	test_expect_code 2 glow-cohort -r glow-org/admin alert failure 2>err &&
	test_expect_code 2 env GLOW_TOKEN=ghp_statictoken glow-cohort alert failure 2>err &&
	test_expect_code 2 env GLOW_TOKEN=ghp_statictoken glow-cohort -r glow-org/admin alert maybe 2>err
'

# commit: an admin repository (bare) and the workflow's checkout of it.
command -v git >/dev/null 2>&1 || { test_done; }
git_id() { git -c init.defaultBranch=main "$@"; }

test_expect_success 'commit: set up an admin repository and a checkout' '
	git_id init -q --bare origin.git &&
	git_id clone -q origin.git seed 2>/dev/null &&
	cp reg/roster.json seed/roster.json &&
	printf "%s\n" "{\"github_handle\":\"erin\",\"result\":\"created\"}" >seed/provisioning-log.jsonl &&
	(cd seed && git add . && git -c user.name=t -c user.email=t@e commit -q -m seed &&
	 git push -q origin HEAD:main) &&
	git_id clone -q origin.git admin &&
	git_id clone -q origin.git other
'

test_expect_success 'commit with nothing changed makes no commit' '
	: >out.env &&
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$TRASH/out.env glow-cohort -d admin commit 2>err &&
	test_grep "nothing to commit" err &&
	test_grep "^committed=false$" out.env &&
	test "$(git -C admin rev-list --count HEAD)" = 1
'

test_expect_success 'commit survives a concurrent push: rebase, union of the log, retry' '
	# someone else pushes first: a new learner and a log record
	printf "%s\n" "[{\"github_handle\":\"ivan\",\"cohort_id\":\"spring-2026\"}]" >ivan.json &&
	glow-roster add -f other/roster.json ivan.json >/dev/null &&
	printf "%s\n" "{\"github_handle\":\"ivan\",\"result\":\"created\"}" >>other/provisioning-log.jsonl &&
	(cd other && git add roster.json provisioning-log.jsonl && git -c user.name=t -c user.email=t@e commit -q -m other &&
	 git push -q origin HEAD:main) &&
	# this pass: another learner moves, another record
	glow-roster set -f admin/roster.json -k erin@@spring-2026 provision_state=provisioned >/dev/null &&
	printf "%s\n" "{\"github_handle\":\"erin\",\"result\":\"already-exists\"}" >>admin/provisioning-log.jsonl &&
	: >out.env &&
	GITHUB_ACTIONS=true GITHUB_OUTPUT=$TRASH/out.env GLOW_PUSH_BACKOFF=0 \
		glow-cohort -d admin -m "glow: test pass" commit 2>err &&
	test_grep "rebasing" err &&
	test_grep "^committed=true$" out.env &&
	git_id clone -q origin.git check &&
	glow-roster validate -f check/roster.json &&
	test "$(json_get check/roster.json "[.learners[].github_handle] | sort | join(\",\")")" = "Erin,ivan" &&
	test "$(json_get check/roster.json ".learners[] | select(.github_handle == \"Erin\") | .provision_state")" = provisioned &&
	test "$(wc -l <check/provisioning-log.jsonl)" -eq 3 &&
	test_grep ivan check/provisioning-log.jsonl &&
	test_grep already-exists check/provisioning-log.jsonl &&
	test "$(git -C check log -1 --format=%s)" = "glow: test pass"
'

test_expect_success 'commit: where both sides changed one field, the pass'"'"'s change wins' '
	(cd other && git pull -q origin main) &&
	glow-roster set -f other/roster.json -k erin@@spring-2026 status=needs-info >/dev/null &&
	(cd other && git -c user.name=t -c user.email=t@e commit -q -am theirs && git push -q origin HEAD:main) &&
	glow-roster set -f admin/roster.json -k erin@@spring-2026 status=active-day1 >/dev/null &&
	GLOW_PUSH_BACKOFF=0 glow-cohort -d admin commit 2>err &&
	(cd check && git pull -q origin main) &&
	test "$(json_get check/roster.json ".learners[] | select(.github_handle == \"Erin\") | .status")" = active-day1
'

test_expect_success 'commit: a roster that cannot be merged pushes nothing and exits 1' '
	(cd other && git pull -q origin main) &&
	echo "{ not json" >other/roster.json &&
	(cd other && git -c user.name=t -c user.email=t@e commit -q -am broken && git push -q origin HEAD:main) &&
	before=$(git -C origin.git rev-parse main) &&
	glow-roster set -f admin/roster.json -k erin@@spring-2026 status=day1-complete >/dev/null &&
	test_expect_code 1 env GLOW_PUSH_BACKOFF=0 glow-cohort -d admin commit 2>err &&
	test_grep "does not merge" err &&
	test "$(git -C origin.git rev-parse main)" = "$before" &&
	test ! -d admin/.git/rebase-merge &&
	glow-roster validate -f admin/roster.json
'

test_done
