#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-cohort's last step publishes the dashboard: a pass creates it in the
# admin repository (ADMIN_ROSTER_REPO, else GITHUB_REPOSITORY), an unchanged
# pass does not touch it, a dry run writes nothing, GLOW_DASHBOARD=off
# turns the step off, and a failing dashboard does not fail the pass.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
test -x "$GLOW_BIN/glow-cohort" || skip_all 'glow-cohort is not built'

sim_config_default >sim.json &&
sim_start sim.json || skip_all 'the simulator does not start'

PROVISIONING_MODE=actions-bot
PROVISIONING_TOKEN=ghp_statictoken
ADMIN_ROSTER_REPO=glow-org/admin
GLOW_WAIT_SCALE=0.01
export PROVISIONING_MODE PROVISIONING_TOKEN ADMIN_ROSTER_REPO GLOW_WAIT_SCALE

A=glow-org/learning-room-spring-alice
sim_ctl POST /_sim/state "{\"op\":\"add_repo\",\"full_name\":\"$A\",\"private\":true}" >/dev/null ||
	skip_all 'the simulator refused the setup'

dashboards() {
	sim_state '[.repos["glow-org/admin"].issues[] | select((.body // "") | contains("<!-- glow:dashboard -->"))] | length'
}
admin_writes() {
	sim_requests | jq -r 'select(.method != "GET") | select(.path | startswith("/repos/glow-org/admin/")) | "\(.method) \(.path)"'
}
pass() { glow-cohort -d admin -s progress "$@" >pass.out 2>pass.err; }

test_expect_success 'setup: an admin checkout with one provisioned learner' '
	mkdir admin &&
	cat >admin/roster.json <<-EOF &&
	{"version": 1, "cohorts": [{"cohort_id": "spring"}],
	 "learners": [{"github_handle": "alice", "cohort_id": "spring",
	   "learning_room_repo": "$A", "provision_state": "provisioned",
	   "notes": "SENTINEL-NOTE"}]}
	EOF
	glow-roster fmt -f admin/roster.json >/dev/null
'

test_expect_success 'a pass publishes the dashboard, public, as its last step' '
	pass &&
	test "$(dashboards)" = 1 &&
	admin_writes >w && test "$(cat w)" = "POST /repos/glow-org/admin/issues" &&
	sim_requests | jq -r ".path" >paths &&
	test "$(tail -n 1 paths)" = /repos/glow-org/admin/issues &&
	sim_state ".repos[\"glow-org/admin\"].issues[0].body" >body &&
	test_grep "| alice | spring |" body &&
	test_grep -v SENTINEL body
'

test_expect_success 'an unchanged pass leaves it alone' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	pass &&
	admin_writes >w && test_cmp /dev/null w &&
	test "$(sim_count GET "^/repos/glow-org/admin/issues\$")" = 1 &&
	test "$(dashboards)" = 1
'

test_expect_success 'a change in the roster edits the same issue' '
	glow-roster set -f admin/roster.json -k alice@@spring path=day2-only >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	pass &&
	admin_writes >w && test "$(cat w)" = "PATCH /repos/glow-org/admin/issues/1" &&
	test "$(dashboards)" = 1
'

test_expect_success 'a dry run writes nothing to the admin repository' '
	glow-roster set -f admin/roster.json -k alice@@spring path=day1-day2 >/dev/null &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	pass -n &&
	admin_writes >w && test_cmp /dev/null w
'

test_expect_success 'GLOW_DASHBOARD=off: not a single request to the admin issues' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	GLOW_DASHBOARD=off pass &&
	test "$(sim_count "*" "^/repos/glow-org/admin/issues")" = 0
'

test_expect_success 'the repository falls back to GITHUB_REPOSITORY' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	env -u ADMIN_ROSTER_REPO GITHUB_REPOSITORY=glow-org/admin glow-cohort -d admin -s progress >pass.out 2>pass.err &&
	test "$(sim_count GET "^/repos/glow-org/admin/issues\$")" = 1
'

test_expect_success 'a dashboard that cannot be published warns; the pass still succeeds' '
	ADMIN_ROSTER_REPO=other-org/secret pass &&
	test_grep "cannot publish the dashboard" pass.err &&
	test "$(json_get pass.out .status)" = 0
'

test_done
