#!/bin/sh
# SPDX-License-Identifier: ISC
# The examples of glow-trigger against the simulator: examples/rules.json
# runs examples/pr-context.sh (the pull request, its diff, files and
# comments) and examples/push-commits.sh (the pushed commits) through
# glow-api.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'

sim_config_default >sim.json && sim_start sim.json || exit 1
GLOW_TOKEN=ghp_statictoken
export GLOW_TOKEN
ln -s "$GLOW_SRC/examples" examples
rules=examples/rules.json
repo=glow-org/enrollment

env() {         # env EVENT ACTION DELIVERY PAYLOAD
	printf '{"event":"%s","action":%s,"delivery_id":"%s","hook_id":7,"installation_id":42,"repository":"%s","sender":{"login":"alice","type":"User"},"received_at":"2030-01-01T00:00:00Z","payload":%s}\n' \
	    "$1" "$2" "$3" "$repo" "$4"
}
pr_env() {      # pr_env NUMBER DELIVERY
	env pull_request '"opened"' "$2" "{\"number\":$1,\"pull_request\":{\"number\":$1,\"user\":{\"login\":\"alice\"},\"base\":{\"ref\":\"main\"},\"labels\":[]}}"
}
add_pull() {
	sim_ctl POST state "{\"op\":\"add_pull\",\"repo\":\"$repo\",\"title\":\"Add a\",\"user\":\"alice\",$1}" | jq -r ".results[0].number"
}

test_expect_success 'a pull request: pr-context.sh writes the PR, its diff, files and comments' '
	n=$(add_pull "\"files\":[{\"filename\":\"src/a.c\",\"patch\":\"@@ -0,0 +1 @@\n+int a;\"},{\"filename\":\"README.md\",\"patch\":\"@@ -1 +1 @@\n-x\n+y\"}]") &&
	sim_ctl POST state "{\"op\":\"add_comment\",\"repo\":\"$repo\",\"number\":$n,\"body\":\"looks good\",\"user\":\"bob\"}" >/dev/null &&
	pr_env $n pr-1 >e.json &&
	glow-trigger -x $rules e.json >out 2>err &&
	test "$(jq -r .rule out)" = pr-context &&
	f=context/pr-pr-1.json &&
	jq -e --argjson n $n ".repository == \"$repo\" and .number == \$n and
	    .pull_request.number == \$n and .pull_request.title == \"Add a\" and
	    (.diff | contains(\"diff --git a/src/a.c b/src/a.c\")) and .diff_error == null and
	    ([.files[].filename] == [\"src/a.c\", \"README.md\"]) and
	    ([.comments[].body] == [\"looks good\"])" $f >/dev/null
'

test_expect_success 'a pull request that only changes Markdown does not trigger it (paths-ignore)' '
	n=$(add_pull "\"files\":[{\"filename\":\"README.md\"}]") &&
	pr_env $n pr-2 >e.json &&
	test_expect_code 1 glow-trigger -x $rules e.json >out &&
	test ! -s out && test ! -e context/pr-pr-2.json
'

test_expect_success 'over 300 files: the diff is refused (406), the files are the context' '
	n=$(add_pull "\"file_count\":301") &&
	pr_env $n pr-3 >e.json &&
	glow-trigger -x $rules e.json >out 2>err &&
	f=context/pr-pr-3.json &&
	jq -e ".diff == null and (.diff_error | startswith(\"406 Sorry, the diff exceeded\")) and
	    (.files | length) == 301 and (.files[300].patch | length) > 0" $f >/dev/null
'

test_expect_success 'pr-context.sh refuses what is not a pull request' '
	env issues "\"opened\"" i-1 "{}" >i.json &&
	test_expect_code 2 sh examples/pr-context.sh <i.json 2>err &&
	grep -q "not a pull request envelope" err
'

test_expect_success 'a push to main: push-commits.sh reads the pushed commits' '
	sha=$(glow-api /repos/$repo/commits | jq -r ".[0].sha") &&
	test -n "$sha" &&
	env push null push-1 "{\"ref\":\"refs/heads/main\",\"before\":\"0000000000000000000000000000000000000000\",\"after\":\"$sha\",\"commits\":[{\"id\":\"$sha\",\"added\":[\"README.md\"]}]}" >e.json &&
	glow-trigger -x $rules e.json >out 2>err &&
	test "$(jq -r .rule out)" = push-commits &&
	jq -e ".repository == \"$repo\" and .ref == \"refs/heads/main\" and .after == \"$sha\" and
	    .truncated == false and (.commits | length) == 1 and .commits[0].sha == \"$sha\"" \
	    context/push-push-1.json >/dev/null
'

test_expect_success 'a branch deletion (no commits): an empty list, no API call' '
	sim_ctl DELETE requests >/dev/null &&
	env push null push-2 "{\"ref\":\"refs/heads/main\",\"deleted\":true,\"commits\":[]}" >e.json &&
	sh examples/push-commits.sh <e.json >out &&
	jq -e ".commits == [] and .truncated == false" out >/dev/null &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'push-commits.sh refuses a commit id that is not hex' '
	env push null push-3 "{\"ref\":\"refs/heads/main\",\"commits\":[{\"id\":\"../../x\"}]}" >e.json &&
	test_must_fail sh examples/push-commits.sh <e.json >out 2>err
'

test_expect_success 'a release tag and a labelled bug run their rules' '
	env push null tag-1 "{\"ref\":\"refs/tags/v1.2.3\",\"commits\":[]}" >e.json &&
	glow-trigger -x $rules e.json >out &&
	test "$(jq -r .rule out)" = release-tags &&
	test "$(cat releases.log)" = "release $repo" &&
	env issues "\"labeled\"" bug-1 "{\"issue\":{\"user\":{\"login\":\"carol\"},\"labels\":[{\"name\":\"bug\"}]}}" >e.json &&
	glow-trigger -x $rules e.json >out &&
	test "$(jq -r .rule out)" = bug-triage &&
	cmp e.json bug-bug-1.json
'

test_done
