#!/bin/sh
# SPDX-License-Identifier: ISC
# Chaos: a 30-learner cohort provisioned under injected faults (5xx,
# connection resets, slow answers), the run killed with SIGKILL at random
# instants 20 times, then one clean run.  Every learner's repository is
# generated exactly once, every learner the roster says is provisioned has
# its record in the log at every instant, the log always parses, and the
# roster always validates.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"
. "$T_DIR/prov.sh"

command -v od >/dev/null || skip_all 'od is not installed'
sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'
prov_env
# waits at a tenth: 5xx backoff 50-100 ms, 40 ms between writes
GLOW_WAIT_SCALE=0.1
GLOW_PACE=0.4
GLOW_CACHE_DIR=$PWD/cache
export GLOW_WAIT_SCALE GLOW_PACE GLOW_CACHE_DIR
sim_ctl POST state '{"op":"set_config","template_delay":0.05}' >/dev/null

C=chaos
N=30
KILLS=20
handles=
i=1
while [ $i -le $N ]; do
	h=$(printf 'learner%02d' $i)
	handles="$handles $h"
	sim_ctl POST state "{\"op\":\"add_user\",\"login\":\"$h\"}" >/dev/null ||
		skip_all 'cannot add users to the simulator'
	i=$((i + 1))
done
# shellcheck disable=SC2086
prov_roster $C $handles >roster.json

rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }
# The earliest kill, in ms: under valgrind a program needs about a second
# before its first request, and the kills must land mid-run.
kill_after=50
[ "${GLOW_VALGRIND:-}" = 1 ] && kill_after=1500

# Faults for one round: a few 5xx and resets anywhere, slow answers to
# reads.  Slow writes are left out: a write answered after the client died
# would land after the next run's listing (GitHub would do the same).
add_faults() {
	sim_ctl DELETE faults >/dev/null &&
	sim_fault "{\"method\":\"*\",\"path\":\"^/repos/\",\"kind\":\"status\",\"status\":502,\"times\":2,\"skip\":$(($(rand) % 12))}" &&
	sim_fault "{\"method\":\"*\",\"path\":\"^/repos/\",\"kind\":\"status\",\"status\":503,\"times\":1,\"skip\":$(($(rand) % 20))}" &&
	sim_fault "{\"method\":\"*\",\"path\":\"^/repos/\",\"kind\":\"reset\",\"times\":1,\"skip\":$(($(rand) % 16))}" &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^/repos/\",\"kind\":\"slow\",\"delay\":0.15,\"times\":2,\"skip\":$(($(rand) % 10))}"
}

# Every learner the roster calls provisioned has a successful record.
records_cover_roster() {
	jq -r '.learners[] | select(.provision_state == "provisioned") | .github_handle' \
		roster.json | sort >prov.list &&
	if [ -s log.jsonl ]; then
		jq -r 'select(.result == "created" or .result == "already-exists" or
			.result == "healed") | .github_handle' log.jsonl | sort -u >ok.list
	else
		: >ok.list
	fi &&
	comm -23 prov.list ok.list >missing &&
	test ! -s missing
}

test_expect_success "$KILLS runs killed with SIGKILL at random instants" '
	k=1 && interrupted=0 &&
	while [ $k -le $KILLS ]; do
		add_faults &&
		glow-provision -f roster.json -l log.jsonl >/dev/null 2>>runs.err &
		pid=$! &&
		ms=$((kill_after + $(rand) % 400)) &&
		sleep "$((ms / 1000)).$(printf "%03d" $((ms % 1000)))" &&
		kill -KILL $pid 2>/dev/null
		wait $pid 2>/dev/null
		glow-roster validate roster.json >/dev/null &&
		{ [ ! -s log.jsonl ] || jq -c . log.jsonl >/dev/null; } &&
		records_cover_roster || { echo "after kill $k:"; cat missing; return 1; }
		left=$(jq "[.learners[] | select(.provision_state != \"provisioned\")] | length" roster.json) &&
		if [ "$left" -gt 0 ]; then interrupted=$((interrupted + 1)); fi &&
		k=$((k + 1))
	done &&
	done_now=$(jq "[.learners[] | select(.provision_state == \"provisioned\")] | length" roster.json) &&
	echo "provisioned before the clean run: $done_now of $N; $interrupted kills left work undone" &&
	test "$done_now" -gt 0 &&
	test "$interrupted" -gt 0 &&
	test "$(grep -c "^\[" runs.err)" -gt 0
'

test_expect_success 'one clean run finishes the cohort' '
	sim_ctl DELETE faults >/dev/null &&
	glow-provision -f roster.json -l log.jsonl >sum 2>err &&
	test "$(json_get sum .error)" = 0 &&
	test "$(jq -r ".learners[].provision_state" roster.json | sort -u)" = provisioned &&
	glow-roster validate roster.json &&
	records_cover_roster
'

test_expect_success 'every repository was generated exactly once' '
	for h in $handles; do
		g=$(sim_state ".generate_counts[\"glow-org/learning-room-$C-$h\"] // 0") &&
		s=$(sim_state ".generated[\"glow-org/learning-room-$C-$h\"] // 0") &&
		{ [ "$g" = 1 ] && [ "$s" = 1 ]; } ||
		{ echo "$h: $g generate calls, $s generated"; return 1; }
	done
'

test_expect_success 'every learner is invited once, and created is logged at most once' '
	for h in $handles; do
		test "$(sim_state "[.repos[\"glow-org/learning-room-$C-$h\"].invitations[] | select(.invitee == \"$h\")] | length")" = 1 &&
		test "$(jq -r "select(.github_handle == \"$h\" and .result == \"created\") | .result" log.jsonl | wc -l)" -le 1 ||
		return 1
	done
'

test_expect_success 'a run after that makes no request' '
	prov_clear &&
	glow-provision -f roster.json -l log.jsonl >sum 2>err &&
	test "$(sim_count "*" .)" = 0
'

test_done
