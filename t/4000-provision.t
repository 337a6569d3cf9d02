#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-provision against the simulator: refusals before any request, the
# dry run, new learners, the second run, the name clash, stdin mode, both
# log formats, --check-auth and the Actions step summary.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"
. "$T_DIR/prov.sh"

sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'
prov_env
sim_ctl POST state '{"op":"set_config","template_delay":0.02}' >/dev/null

C=spring-2026
R=glow-org/learning-room-$C

test_expect_success 'two keys with one repository name: refused before any request' '
	cat >coll.json <<-\EOF &&
	{"version":1,"cohorts":[],"learners":[
	{"github_handle":"alice","cohort_id":"a b"},
	{"github_handle":"alice","cohort_id":"a-b"}]}
	EOF
	cp coll.json coll.orig &&
	prov_clear &&
	test_expect_code 1 glow-provision -f coll.json -l log.jsonl >out 2>err &&
	test_grep "^glow-provision: invalid roster .coll.json.: .*learning-room-a-b-alice" err &&
	test "$(sim_count "*" .)" = 0 &&
	test_cmp coll.orig coll.json &&
	test ! -e log.jsonl
'

test_expect_success 'a repository name over 100 characters: refused before any request' '
	long=$(printf "%090d" 0) &&
	prov_roster "$long" alice >long.json &&
	prov_clear &&
	test_expect_code 1 glow-provision -f long.json >out 2>err &&
	test_grep "more than 100" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'a roster that does not validate: exit 1, no request' '
	printf "{\"version\":2,\"learners\":[]}\n" >bad.json &&
	prov_clear &&
	test_expect_code 1 glow-provision -f bad.json >out 2>err &&
	test_grep "^glow-provision: invalid roster .bad.json.: version" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'no template configured: exit 2 before any request' '
	prov_roster $C alice >r0.json &&
	prov_clear &&
	test_expect_code 2 env -u LEARNING_ROOM_TEMPLATE_REPO \
		glow-provision -f r0.json >out 2>err &&
	test_grep "no template" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'dry run: the plan, and no request that changes anything' '
	prov_roster $C alice bob carol >roster.json &&
	sim_ctl POST state "{\"op\":\"add_repo\",\"full_name\":\"$R-carol\",\"private\":true}" >/dev/null &&
	cp roster.json roster.orig &&
	prov_clear &&
	glow-provision -n -f roster.json -l log.jsonl >plan 2>err &&
	test "$(grep -c "\"action\"" plan)" = 3 &&
	test "$(jq -r "select(.key==\"alice@@$C\") | .action" plan)" = create &&
	test "$(jq -r "select(.key==\"carol@@$C\") | .action" plan)" = verify &&
	test "$(jq -r "select(.key==\"bob@@$C\") | .repo" plan)" = $R-bob &&
	test "$(jq -r "select(.summary) | .dry_run" plan)" = true &&
	test "$(prov_mutations)" = 0 &&
	test "$(sim_count GET "^/orgs/glow-org/repos\$")" = 1 &&
	test_cmp roster.orig roster.json &&
	test ! -e log.jsonl &&
	sim_ctl POST state "{\"op\":\"delete_repo\",\"repo\":\"$R-carol\"}" >/dev/null
'

test_expect_success 'dry run without a token: the plan from the roster alone' '
	prov_clear &&
	env -u GLOW_TOKEN glow-provision -n -f roster.json >plan 2>err &&
	test "$(jq -r "select(.key==\"alice@@$C\") | .action" plan)" = provision &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'new learners: created, invited, roster and log written' '
	prov_clear &&
	glow-provision -f roster.json -l log.jsonl >sum 2>err &&
	cat err &&
	test "$(stat -c %a log.jsonl)" = 600 &&
	test "$(wc -l <sum)" = 1 &&
	test "$(json_get sum .created)" = 3 &&
	test "$(json_get sum .error)" = 0 &&
	test "$(jq -r ".learners[].provision_state" roster.json | sort -u)" = provisioned &&
	test "$(jq -r ".learners[] | select(.github_handle==\"bob\") | .learning_room_repo" roster.json)" = $R-bob &&
	glow-roster validate roster.json &&
	test "$(wc -l <log.jsonl)" = 3 &&
	test "$(jq -r .result log.jsonl | sort -u)" = created &&
	sha=$(sim_state ".repos[\"glow-org/learning-room-template\"].head_sha") &&
	test "$(jq -r .template_sha log.jsonl | sort -u)" = "$sha" &&
	test "$(jq -r .invitation log.jsonl | sort -u)" = invited &&
	test "$(jq -r "select(.github_handle==\"alice\") | .attempt_at" log.jsonl | cut -c1-2)" = 20 &&
	for h in alice bob carol; do
		test "$(prov_gen learning-room-$C-$h)" = 1 &&
		test "$(sim_state ".repos[\"$R-$h\"].private")" = true &&
		test "$(sim_state ".repos[\"$R-$h\"].invitations[0].invitee")" = $h ||
		return 1
	done &&
	test_grep "\[1/3\] alice@@$C: created learning-room-$C-alice" err &&
	test "$(sim_count POST /generate\$)" = 3 &&
	test "$(sim_count PUT /collaborators/)" = 3 &&
	test -d .glow-cache
'

test_expect_success 'second run over a healthy cohort: no request at all' '
	cp roster.json roster.before &&
	prov_clear &&
	glow-provision -f roster.json -l log.jsonl >sum 2>err &&
	test "$(sim_count "*" .)" = 0 &&
	test "$(json_get sum .selected)" = 0 &&
	test "$(json_get sum .requests)" = 0 &&
	test_cmp roster.before roster.json &&
	test "$(wc -l <log.jsonl)" = 3
'

# A repository glow made earlier (from the template, with glow's mark for
# the key) that the roster does not record: a run that stopped before
# writing the roster.
made_by_glow() {
	sim_ctl POST state "{\"op\":\"add_repo\",\"full_name\":\"$R-$1\",\"private\":true,
		\"template\":\"glow-org/learning-room-template\",
		\"description\":\"Learning room of @$1 ($C) [glow ${2:-$1}@@$C]\",
		\"files\":$(sim_state ".repos[\"glow-org/learning-room-template\"].files")}" >/dev/null
}

test_expect_success 'a repository glow made earlier: already-exists, never generated' '
	made_by_glow dave &&
	prov_roster $C dave >d.json &&
	prov_clear &&
	glow-provision -f d.json -l d.log >sum 2>err &&
	test "$(json_get d.log .result)" = already-exists &&
	test "$(json_get d.log .template_sha)" = null &&
	test "$(json_get d.json .learners[0].provision_state)" = provisioned &&
	test "$(prov_gen learning-room-$C-dave)" = 0 &&
	test "$(sim_state ".repos[\"$R-dave\"].invitations[0].invitee")" = dave
'

test_expect_success 'the name clash (422) when the listing missed it: already-exists' '
	made_by_glow erin &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^/orgs/glow-org/repos\$\",\"kind\":\"status\",\"status\":404,\"times\":1}" &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^/installation/repositories\$\",\"kind\":\"status\",\"status\":404,\"times\":1}" &&
	sim_fault "{\"method\":\"GET\",\"path\":\"^/repos/$R-erin\$\",\"kind\":\"status\",\"status\":404,\"times\":1}" &&
	prov_roster $C erin >e.json &&
	prov_clear &&
	glow-provision -f e.json -l e.log >sum 2>err &&
	test "$(sim_count POST /generate\$)" = 1 &&
	test "$(json_get e.log .result)" = already-exists &&
	test "$(json_get e.json .learners[0].provision_state)" = provisioned &&
	test "$(sim_state ".generated[\"$R-erin\"] // 0")" = 0
'

test_expect_success 'a repository of the name that glow did not make: that learner fails, nothing written' '
	sim_ctl POST state "{\"op\":\"add_repo\",\"full_name\":\"$R-walter\",\"private\":true,
		\"files\":$(sim_state ".repos[\"glow-org/learning-room-template\"].files")}" >/dev/null &&
	sim_ctl POST state "{\"op\":\"set_files\",\"repo\":\"$R-walter\",\"files\":{\"README.md\":\"mine\"}}" >/dev/null &&
	prov_roster $C walter >w.json &&
	prov_clear &&
	test_expect_code 1 glow-provision -f w.json -l w.log >sum 2>err &&
	test_grep "the name is taken by a repository glow did not make for walter@@$C: .$R-walter. was not made from the template" err &&
	test "$(json_get w.json .learners[0].provision_state)" = failed &&
	test "$(json_get w.json .learners[0].learning_room_repo)" = null &&
	test "$(json_get w.log .result)" = error &&
	test "$(prov_mutations)" = 0 &&
	test "$(sim_state ".repos[\"$R-walter\"].invitations | length")" = 0 &&
	test "$(sim_state ".repos[\"$R-walter\"].files | keys | join(\",\")")" = README.md &&
	glow-dashboard render -P -l w.log -f w.json >dash.md &&
	test_grep "1 needs attention" dash.md &&
	test_grep "walter.*the name is taken by a repository glow did not make" dash.md
'

test_expect_success 'a room made from the template for another key is not given to this one' '
	made_by_glow victor someone-else &&
	prov_roster $C victor >v.json &&
	prov_clear &&
	test_expect_code 1 glow-provision -f v.json -l v.log >sum 2>err &&
	test_grep "did not make for victor@@$C: .$R-victor. was made from the template for someone else" err &&
	test "$(prov_mutations)" = 0 &&
	test "$(sim_state ".repos[\"$R-victor\"].invitations | length")" = 0
'

test_expect_success 'the roster'"'"'s record of the repository is proof enough (no read of it)' '
	sim_ctl POST state "{\"op\":\"add_repo\",\"full_name\":\"$R-trent\",\"private\":true,
		\"files\":$(sim_state ".repos[\"glow-org/learning-room-template\"].files")}" >/dev/null &&
	prov_roster $C trent | jq ".learners[0].learning_room_repo = \"$R-trent\" | .learners[0].provision_state = \"failed\"" >t.json &&
	prov_clear &&
	glow-provision -f t.json -l t.log >sum 2>err &&
	test "$(json_get t.log .result)" = already-exists &&
	test "$(sim_count GET "^/repos/$R-trent\$")" = 0
'

test_expect_success 'stdin mode: the roster to stdout, the summary to stderr or -s' '
	prov_roster $C frank >f.json &&
	glow-provision -l f.log <f.json >f.out 2>err &&
	test "$(json_get f.out .learners[0].provision_state)" = provisioned &&
	test "$(json_get f.out .learners[0].learning_room_repo)" = $R-frank &&
	glow-roster validate f.out &&
	test "$(grep "^{\"summary\"" err | jq -r .created)" = 1 &&
	prov_roster $C grace >g.json &&
	glow-provision -s g.sum <g.json >g.out 2>err &&
	test "$(json_get g.sum .created)" = 1 &&
	test_grep -v "\"summary\"" err
'

test_expect_success 'an array-format log (the earlier provisioning-log.json) stays an array' '
	cat >prov-log.json <<-\EOF &&
	[
	  {
	    "github_handle": "old",
	    "cohort_id": "fall-2025",
	    "attempt_at": "2025-10-01T10:00:00.000Z",
	    "result": "created",
	    "repo": "glow-org/learning-room-fall-2025-old",
	    "template_sha": null,
	    "error_detail": null
	  }
	]
	EOF
	head -n 9 prov-log.json >old.part &&
	prov_roster $C heidi ivan >h.json &&
	glow-provision -f h.json -l prov-log.json >sum 2>err &&
	test "$(jq length prov-log.json)" = 3 &&
	test "$(jq -r ".[0].github_handle" prov-log.json)" = old &&
	test "$(jq -r ".[1].github_handle,.[2].github_handle" prov-log.json | tr "\n" " ")" = "heidi ivan " &&
	head -n 9 prov-log.json >new.part &&
	test_cmp old.part new.part
'

test_expect_success 'a log that is neither format: refused before any request' '
	echo "not a log" >junk.log &&
	prov_roster $C judy >j.json &&
	prov_clear &&
	test_expect_code 2 glow-provision -f j.json -l junk.log >out 2>err &&
	test_grep "junk.log" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'a torn last log line is left alone, the next record on its own line' '
	printf "{\"github_handle\":\"x\",\"result\":\"created\"}\n{\"github_ha" >torn.log &&
	prov_roster $C judy >j.json &&
	glow-provision -f j.json -l torn.log >out 2>err &&
	test_grep "torn" err &&
	test "$(tail -n 1 torn.log | jq -r .github_handle)" = judy
'

test_expect_success '--check-auth: sees the template and its workflows, exit 0; a bad token, exit 2' '
	prov_clear &&
	glow-provision --check-auth >out 2>err &&
	test "$(json_get out .is_template)" = true &&
	test "$(sim_count "*" .)" = 2 &&
	test "$(sim_count GET "^/repos/glow-org/learning-room-template/contents/.github/workflows\$")" = 1 &&
	GLOW_TOKEN=ghs_nonsense test_expect_code 2 glow-provision --check-auth >out 2>err &&
	test_grep "authentication refused" err &&
	test_expect_code 2 glow-provision --check-auth -T glow-org/admin >out 2>err &&
	test_grep "not a template" err
'

test_expect_success 'in Actions: a step summary table' '
	prov_roster $C mallory niaj >m.json &&
	: >step.md &&
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/step.md \
		glow-provision -f m.json -l m.log >sum 2>err &&
	test_grep "^### glow-provision" step.md &&
	test_grep "| learner | repository | result |" step.md &&
	test_grep "mallory@@$C | glow-org/learning-room-$C-mallory | created" step.md
'

test_expect_success '-t FILE: the raw token or token JSON; an empty file is refused' '
	printf "{\"token\":\"ghp_statictoken\",\"expires_at\":null}\n" >tok.json &&
	printf "ghp_statictoken\n" >tok.raw &&
	: >tok.empty &&
	prov_roster $C olivia >o.json &&
	env -u GLOW_TOKEN glow-provision -t tok.json -f o.json >sum 2>err &&
	test "$(json_get sum .created)" = 1 &&
	prov_roster $C peggy >p.json &&
	env -u GLOW_TOKEN glow-provision -t tok.raw -f p.json >sum 2>err &&
	test "$(json_get sum .created)" = 1 &&
	prov_roster $C rupert >q.json &&
	prov_clear &&
	test_expect_code 2 env -u GLOW_TOKEN glow-provision -t tok.empty -f q.json >sum 2>err &&
	test_grep "tok.empty" err &&
	test_expect_code 2 env -u GLOW_TOKEN glow-provision -f q.json >sum 2>err &&
	test_grep "no token" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 glow-provision -x >out 2>err &&
	test_expect_code 2 glow-provision -c true -t tok -f m.json >out 2>err &&
	test_expect_code 2 glow-provision -w "a/b" -f m.json >out 2>err &&
	glow-provision -h >out &&
	test_grep "usage" out
'

test_done
