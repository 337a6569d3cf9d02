#!/bin/sh
# SPDX-License-Identifier: ISC
# The user workflows (examples/workflows/) run as a runner runs them
# (t/runner.mjs: GitHub's own workflow parser and expression evaluator,
# every if: with only the contexts available there), against the
# simulator, glow installed by the install-glow action from the make dist
# archive served on 127.0.0.1:
#   - a scheduled pass, configured only in the environment `provisioning`,
#     provisions the cohort, commits with the App's token (no PAT), and
#     publishes the dashboard; the next pass, with the ETag cache restored,
#     costs 304s;
#   - a job if: on vars would have skipped that run (the old workflows' bug);
#   - an unconfigured repository gets a failed run naming what is missing;
#   - a burst of registrations, of whose runs GitHub keeps only some, ends
#     with every learner in the roster and acknowledged once;
#   - no secret reaches the log.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

for c in node npm git python3 jq curl; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
done
SB=${GLOW_STATIC_BIN:-$GLOW_SRC/build/static/bin}
[ -x "$SB/glow-api" ] || skip_all "no static build in $SB (make static)"
test_npm @actions/workflow-parser @actions/expressions || skip_all 'npm cannot install the workflow parser'
npm_dir=$GLOW_BUILD/npm
cp "$T_DIR/runner.mjs" "$T_DIR/json-hooks.mjs" "$T_DIR/json-register.mjs" "$npm_dir/"
version=$(sed -n 's/^VERSION *= *//p' "$GLOW_SRC/Makefile")

sim_config_default >sim.json
sim_start sim.json
key=$(sim_app_key)

# The release server: the archive make dist writes, where GitHub keeps a
# release's assets, served on 127.0.0.1.
rel=releases/glow-toolkit/glow/releases/download/v$version
act=$TRASH/_actions/glow-toolkit/glow/v$version/.github/actions/install-glow
test_expect_success 'setup: the release archive, served as a release asset' '
	mkdir -p "$rel" &&
	sh "$GLOW_SRC/mk/dist.sh" "$version" "$SB" "$TRASH/$rel" >/dev/null &&
	test -f "$rel/glow-$version-linux-x86_64.tar.gz"
'
python3 -m http.server --bind 127.0.0.1 0 --directory "$TRASH/releases" >http.log 2>&1 &
http_pid=$!
test_at_exit "kill $http_pid 2>/dev/null"
i=0
until port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' http.log | head -n 1) && [ -n "$port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done

# The action as the runner unpacks it (.../_actions/OWNER/NAME/REF/), with
# the sums of the archive just built (the committed pin is checked by
# make dist-verify when a release is made).
test_expect_success 'setup: the install action, an admin repository, the harness' '
	mkdir -p "$act" &&
	cp "$GLOW_SRC"/.github/actions/install-glow/action.yml "$GLOW_SRC"/.github/actions/install-glow/install.sh "$act/" &&
	cp "$TRASH/$rel/SHA256SUMS" "$act/SHA256SUMS" &&
	git init -q --bare admin.git &&
	git clone -q admin.git seed 2>/dev/null &&
	(cd seed &&
	 git config user.email t@example.com && git config user.name t &&
	 cat >roster.json <<-\EOF &&
	{"version": 1, "generated_at": "2026-09-01T08:00:00.000Z",
	 "cohorts": [{"cohort_id": "spring-2026"}],
	 "learners": [{"github_handle": "bob", "cohort_id": "spring-2026"},
	  {"github_handle": "erin", "cohort_id": "spring-2026", "path": "day2-only"}]}
	EOF
	 glow-roster fmt roster.json >r && mv r roster.json &&
	 git add roster.json && git commit -q -m roster && git push -q origin HEAD:main) &&
	git --git-dir=admin.git symbolic-ref HEAD refs/heads/main
'

# config NAME WORKFLOW EVENT_NAME EVENT_JSON VARS_JSON SECRETS_JSON
config() {
	jq -n --arg wf "$GLOW_SRC/examples/workflows/$2" --arg ev "$3" --argjson event "$4" \
		--argjson vars "$5" --argjson secrets "$6" --arg t "$TRASH" --arg n "$1" \
		--arg api "$SIM_URL" --arg server "http://127.0.0.1:$port" --arg act "$act" \
		--arg path "/usr/local/bin:/usr/bin:/bin" '{
		workflow: $wf, event_name: $ev, event: $event, repository: "glow-org/admin",
		github_token: "ghp_statictoken", vars: $vars, secrets: $secrets, inputs: {},
		workspace: "\($t)/\($n)/work", temp: "\($t)/\($n)/temp", cache_dir: "\($t)/cache",
		server_url: $server, run_id: (now * 1000 | floor),
		actions: {"glow-toolkit/glow/.github/actions/install-glow": $act},
		checkout: {"glow-org/admin": "\($t)/admin.git"},
		env: {PATH: $path, HOME: $t, GITHUB_API_URL: $api, GLOW_WAIT_SCALE: "0.05",
		      LC_ALL: "C.UTF-8", GIT_AUTHOR_NAME: "glow", GIT_COMMITTER_NAME: "glow",
		      GIT_AUTHOR_EMAIL: "glow@example.com", GIT_COMMITTER_EMAIL: "glow@example.com"}
	}' >"$1.json"
}
run() { (cd "$npm_dir" && node --import ./json-register.mjs runner.mjs "$TRASH/$1.json") >"$1.report" 2>"$1.log"; }
job() { json_get "$1" "$2"; }
step() { json_get "$1" "[.jobs[].steps[] | select(.name == \"$2\")][0].$3"; }

secrets=$(jq -n --rawfile k "$key" '{org: {}, repo: {},
	env: {PROVISIONING_APP_ID: "1001", PROVISIONING_APP_PRIVATE_KEY: $k}}')
env_vars='{"org": {}, "repo": {}, "env": {
	"PROVISIONING_STUDENT_OWNER": "glow-org",
	"LEARNING_ROOM_TEMPLATE_REPO": "glow-org/learning-room-template"}}'

test_expect_success 'a scheduled run, configured in the environment only, provisions the cohort' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	config pass1 provision.yml schedule "{\"schedule\": \"17,47 * * * *\"}" "$env_vars" "$secrets" &&
	run pass1 || { cat pass1.log; exit 1; }
	test "$(job pass1.report ".jobs.provision.result")" = success || { cat pass1.log; exit 1; }
	test "$(step pass1.report "Install glow" outcome)" = success &&
	test "$(step pass1.report "Check the configuration" outcome)" = success &&
	test "$(sim_state ".repos[\"glow-org/learning-room-spring-2026-bob\"] != null")" = true &&
	test "$(sim_state ".repos[\"glow-org/learning-room-spring-2026-erin\"] != null")" = true
'

test_expect_success 'glow came from the release archive, verified, not from a build' '
	test_grep "downloading glow $version: http://127.0.0.1:$port/glow-toolkit/glow/releases/download/v$version/" pass1.log &&
	test_grep "installed glow $version in $TRASH/pass1/temp/glow/glow-$version/bin" pass1.log &&
	test_grep -v "building glow" pass1.log
'

test_expect_success 'the roster and log were committed with the App'"'"'s token, no PAT' '
	test "$(json_get pass1.report ".jobs.provision.checkouts[0].token")" = ghs_ &&
	git --git-dir=admin.git log --format=%s main >commits &&
	test_grep "glow: provisioning pass" commits &&
	git --git-dir=admin.git show main:roster.json >roster.json &&
	test "$(json_get roster.json "[.learners[] | select(.provision_state == \"provisioned\")] | length")" = 2 &&
	git --git-dir=admin.git show main:provisioning-log.jsonl >log.jsonl &&
	test "$(jq -s "map(select(.result == \"created\")) | length" log.jsonl)" = 2
'

test_expect_success 'the day-2-only learner is invited like any other' '
	test "$(sim_state "[.repos[\"glow-org/learning-room-spring-2026-erin\"].invitations[] | select(.invitee == \"erin\")] | length")" = 1 &&
	test "$(json_get roster.json ".learners[] | select(.github_handle == \"erin\") | .provision_state")" = provisioned
'

test_expect_success 'the dashboard was published and the summary written' '
	test_grep "glow-cohort" pass1.report &&
	test "$(sim_state "[.repos[\"glow-org/admin\"].issues[] | select(.title | test(\"dashboard\"; \"i\"))] | length")" = 1
'

test_expect_success 'no secret reached the log' '
	test "$(json_get pass1.report ".leaks | length")" = 0 &&
	! grep -F "BEGIN RSA PRIVATE KEY" pass1.log &&
	! grep "ghs_[A-Za-z0-9]" pass1.log
'

test_expect_success 'the next pass restores the ETag cache: its reads are 304s' '
	sim_requests >req1 &&
	sim_ctl DELETE /_sim/requests >/dev/null &&
	config pass2 provision.yml schedule "{\"schedule\": \"17,47 * * * *\"}" "$env_vars" "$secrets" &&
	run pass2 && test "$(job pass2.report ".jobs.provision.result")" = success &&
	test "$(step pass2.report "Restore the ETag cache" "outputs[\"cache-hit\"]")" = false &&
	test -d cache && ls cache | grep -q "^glow-etags-" &&
	sim_requests >req2 &&
	n1=$(wc -l <req1) && n2=$(wc -l <req2) &&
	c1=$(grep -c "\"status\": *304" req1 || :) && c2=$(grep -c "\"status\": *304" req2) &&
	echo "# requests: pass 1 $n1 (${c1:-0} of them 304), pass 2 with the cache restored $n2 ($c2 of them 304)" >figures &&
	test "$c2" -gt 0 &&
	test "$(grep -v "\"method\": *\"GET\"" req2 | grep -v "access_tokens\|installation/token" | wc -l)" = 0
'

test -f figures && cat figures

test_expect_success 'a job if: on vars skips a run configured in the environment (the old bug)' '
	sed "s/^    runs-on: ubuntu-24.04\$/    if: vars.PROVISIONING_STUDENT_OWNER != '"''"'\n    runs-on: ubuntu-24.04/" \
		"$GLOW_SRC/examples/workflows/provision.yml" >old.yml &&
	grep -q "if: vars.PROVISIONING_STUDENT_OWNER" old.yml &&
	config old provision.yml schedule "{}" "$env_vars" "$secrets" &&
	jq --arg w "$TRASH/old.yml" ".workflow = \$w" old.json >o && mv o old.json &&
	run old &&
	test "$(job old.report ".jobs.provision.if")" = false &&
	test "$(job old.report ".jobs.provision.ran")" = false
'

test_expect_success 'no job if: of the workflows reads vars, secrets or env' '
	! grep -n -A3 "^  [a-z_-]*:$" "$GLOW_SRC"/examples/workflows/*.yml | grep -E "^[^:]*-[0-9]+-    if:.*(vars|secrets|env)\."
'

test_expect_success 'an unconfigured repository gets a failed run that names what is missing' '
	sim_ctl DELETE /_sim/requests >/dev/null &&
	config bare provision.yml schedule "{}" "{\"org\":{},\"repo\":{},\"env\":{}}" "{\"org\":{},\"repo\":{},\"env\":{}}" &&
	run bare &&
	test "$(job bare.report ".jobs.provision.ran")" = true &&
	test "$(job bare.report ".jobs.provision.result")" = failure &&
	test "$(step bare.report "Check the configuration" outcome)" = failure &&
	test "$(step bare.report "One pass (intake, provision, progress)" outcome)" = skipped &&
	json_get bare.report .summary >bare.md &&
	test_grep "glow is not configured for provision" bare.md &&
	test_grep "PROVISIONING_STUDENT_OWNER. | variable | \*\*missing\*\*" bare.md &&
	test_grep "PROVISIONING_APP_PRIVATE_KEY. | secret | \*\*missing\*\*" bare.md &&
	test "$(sim_requests | wc -l)" = 0
'

test_expect_success 'repository-level variables work as well' '
	repo_vars=$(printf "%s" "$env_vars" | jq "{org: {}, repo: .env, env: {}}") &&
	repo_secrets=$(printf "%s" "$secrets" | jq "{org: {}, repo: .env, env: {}}") &&
	config repo provision.yml workflow_dispatch "{}" "$repo_vars" "$repo_secrets" &&
	run repo && test "$(job repo.report ".jobs.provision.result")" = success
'

# A burst: five learners open registrations at once.  GitHub runs the
# first event's run, keeps one pending and cancels the rest: here the runs
# of the first and the last events survive.
form() {
	printf '### Cohort\n\nspring-2026\n\n### Path\n\nday1-day2 (Day 1 and Day 2)\n\n### This issue is public\n\n- [X] I understand\n'
}
test_expect_success 'a burst of registrations: every learner in the roster, each acknowledged once' '
	for u in grace heidi ivan judy niaj; do
		sim_ctl POST state "$(jq -n --arg u "$u" --arg b "$(form)" \
			"{op: \"add_issue\", repo: \"glow-org/enrollment\", title: \"Registration\", user: \$u, body: \$b, labels: [\"registration\"]}")" |
			jq .results[0].number || exit 1
	done >numbers &&
	reg_vars="{\"org\":{},\"repo\":{},\"env\":{\"ADMIN_ROSTER_REPO\":\"glow-org/admin\",\"PROVISIONING_STUDENT_OWNER\":\"glow-org\"}}" &&
	for n in $(head -n 1 numbers) $(tail -n 1 numbers); do
		sim_state ".repos[\"glow-org/enrollment\"].issues[] | select(.number == $n)" >issue.json &&
		ev=$(jq "{action: \"opened\", issue: ., repository: {full_name: \"glow-org/enrollment\", private: false}}" issue.json) &&
		config reg$n register.yml issues "$ev" "$reg_vars" "$secrets" &&
		jq ".repository = \"glow-org/enrollment\"" reg$n.json >r && mv r reg$n.json &&
		run reg$n && test "$(job reg$n.report ".jobs.register.result")" = success || { cat reg$n.log; exit 1; }
	done &&
	git --git-dir=admin.git show main:roster.json >roster.json &&
	for u in grace heidi ivan judy niaj; do
		test "$(json_get roster.json "[.learners[] | select(.github_handle == \"$u\")] | length")" = 1 || exit 1
	done &&
	sim_state ".repos[\"glow-org/enrollment\"].issues" >issues.json &&
	for n in $(cat numbers); do
		test "$(json_get issues.json "[.[] | select(.number == $n) | .comments[] | select(.body | contains(\"glow-cohort:registered\"))] | length")" = 1 &&
		test "$(json_get issues.json ".[] | select(.number == $n) | .labels | index(\"glow-registered\") != null")" = true || exit 1
	done
'

test_done
