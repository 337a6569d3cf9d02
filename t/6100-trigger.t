#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-trigger: rules validation, matching by every filter, pull request
# files through the simulator (over 300, over 3000), -x (environment,
# stdin, timeout killing the whole process group, concurrency cap), spool
# mode (done/, failed/, retries, runs.jsonl) and crash recovery.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'

# env EVENT ACTION REPO SENDER TYPE PAYLOAD: an envelope as glow-webhook
# writes it (ACTION and REPO are JSON: null or "...").
env() {
	printf '{"event":"%s","action":%s,"delivery_id":"%s","hook_id":7,"installation_id":42,"repository":%s,"sender":{"login":"%s","type":"%s"},"received_at":"2030-01-01T00:00:00Z","payload":%s}\n' \
	    "$1" "$2" "${DELIVERY:-d-$1}" "$3" "$4" "$5" "$6"
}
push() {        # push REF FILE...: a push to REF adding the files
	ref=$1
	shift
	files=$(printf '"%s",' "$@")
	env push null '"glow-org/app"' alice User \
	    "{\"ref\":\"$ref\",\"commits\":[{\"id\":\"c1\",\"added\":[${files%,}],\"modified\":[],\"removed\":[]}]}"
}
# matched FILE: the ids of the matched rules, space-separated
matched() { jq -r 'select(.matched) | .rule' "$1" | tr '\n' ' ' | sed 's/ $//'; }

# ---- rules validation ----

bad_rules() {   # bad_rules JSON EXPECTED-DIAGNOSTIC
	printf '%s\n' "$1" >bad.json &&
	test_expect_code 2 glow-trigger -c bad.json 2>err &&
	printf '%s\n' "$2" >expect &&
	test_cmp expect err
}

test_expect_success 'an unknown key is refused, naming the rule and the key' '
	bad_rules "{\"workflows\": [{\"id\": \"a\", \"on\": \"push\", \"run\": \"x\",
  \"branch\": [\"main\"]}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 2: rule '"'"'a'"'"': unknown key '"'"'branch'"'"'"
'

test_expect_success 'a filter together with its -ignore twin is refused' '
	bad_rules "{\"workflows\": [{\"id\": \"b\", \"on\": \"push\", \"run\": \"x\", \"paths\": [\"a\"], \"paths-ignore\": [\"b\"]}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 1: rule '"'"'b'"'"': key '"'"'paths-ignore'"'"': '"'"'paths'"'"' and '"'"'paths-ignore'"'"' cannot both be set"
'

test_expect_success 'a bad glob is refused with its reason' '
	bad_rules "{\"workflows\": [{\"id\": \"c\", \"on\": \"push\", \"run\": \"x\", \"branches\": [\"ok\", \"v[9-0]\"]}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 1: rule '"'"'c'"'"': key '"'"'branches'"'"': bad pattern '"'"'v[9-0]'"'"': bad range in [...]: only parts of a-z, A-Z, 0-9 at offset 2"
'

test_expect_success 'bad types, events and values are refused' '
	for r in "\"on\": 5" "\"on\": \"pushh\"" "\"on\": []" "\"timeout\": \"10\"" \
	    "\"timeout\": 0" "\"ignore_bots\": \"yes\"" "\"authors\": \"alice\"" \
	    "\"actions\": [\"Opened\"]" "\"repository\": [1]" "\"run\": \"\""; do
		printf "{\"workflows\": [{\"id\": \"d\", \"run\": \"x\", \"on\": \"issues\", %s}]}\n" "$r" >bad.json &&
		test_expect_code 2 glow-trigger -c bad.json 2>err &&
		grep -q "^glow-trigger: invalid rules .bad.json.: line 1: rule .d.: " err ||
		{ echo "accepted: $r"; cat err; return 1; }
	done
'

test_expect_success 'a rule without id, on or run is refused; ids are unique' '
	bad_rules "{\"workflows\": [{\"on\": \"push\", \"run\": \"x\"}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 1: rule #1: key '"'"'id'"'"': no '"'"'id'"'"'" &&
	bad_rules "{\"workflows\": [{\"id\": \"e\", \"run\": \"x\"}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 1: rule '"'"'e'"'"': no '"'"'on'"'"': name the events" &&
	bad_rules "{\"workflows\": [{\"id\": \"e\", \"on\": \"push\", \"run\": \"x\"}, {\"id\": \"e\", \"on\": \"push\", \"run\": \"y\"}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 1: rule '"'"'e'"'"': key '"'"'id'"'"': the id of rule 1 again"
'

test_expect_success 'a branch filter on events without branches is refused' '
	bad_rules "{\"workflows\": [{\"id\": \"f\", \"on\": [\"issues\", \"issue_comment\"], \"run\": \"x\", \"branches\": [\"main\"]}]}" \
	    "glow-trigger: invalid rules '"'"'bad.json'"'"': line 1: rule '"'"'f'"'"': key '"'"'branches'"'"': none of the rule'"'"'s events carries a branch"
'

test_expect_success 'malformed JSON is refused with its line' '
	printf "{\"workflows\": [\n{\"id\": \"g\",,}]}\n" >bad.json &&
	test_expect_code 2 glow-trigger -c bad.json 2>err &&
	grep -q "^glow-trigger: invalid rules .bad.json.: line 2: " err
'

test_expect_success 'the example rules file is valid' '
	glow-trigger -c "$GLOW_SRC/examples/rules.json"
'

# ---- matching ----

cat >rules.json <<'EOF'
{"workflows": [
  {"id": "main", "on": "push", "branches": ["main", "releases/**", "!releases/**-alpha"], "run": "true"},
  {"id": "not-wip", "on": "push", "branches-ignore": ["wip/**"], "run": "true"},
  {"id": "tags", "on": "push", "tags": ["v[0-9]+.*"], "run": "true"},
  {"id": "docs", "on": ["push", "pull_request"], "paths": ["docs/**", "!docs/drafts/**"], "run": "true"},
  {"id": "code", "on": ["push", "pull_request"], "paths-ignore": ["**.md"], "run": "true"},
  {"id": "main-docs", "on": "push", "branches": ["main"], "paths": ["docs/**"], "run": "true"},
  {"id": "opened", "on": "pull_request", "actions": ["opened", "reopened"], "run": "true"},
  {"id": "org", "on": "*", "repository": ["glow-org/*", "!glow-org/secret"], "run": "true"},
  {"id": "alice", "on": ["issues", "pull_request"], "authors": ["Alice"], "run": "true"},
  {"id": "bugs", "on": ["issues", "pull_request"], "labels": ["bug"], "run": "true"},
  {"id": "bots-too", "on": "issues", "ignore_bots": false, "run": "true"}
]}
EOF

# case NAME EXPECTED: the envelope in e.json matches exactly EXPECTED
match_case() {
	test_expect_success "$1" "
		test_might_match=\$(glow-trigger rules.json e.json >out; echo \$?) &&
		test \"\$(matched out)\" = '$2' &&
		if [ -n '$2' ]; then test \$test_might_match = 0; else test \$test_might_match = 1; fi
	"
}

push refs/heads/main src/a.c >e.json
match_case 'push to main: branch filters, paths-ignore, repository' 'main not-wip code org'
push refs/heads/releases/10-alpha src/a.c >e.json
match_case 'a later negation overrides: releases/10-alpha' 'not-wip code org'
push refs/heads/wip/x src/a.c >e.json
match_case 'branches-ignore: wip/x' 'code org'
push refs/tags/v1.2 src/a.c >e.json
# "Path filters are not evaluated for pushes of tags": docs runs too.
match_case 'a tag push matches tag filters, never branch filters; paths not evaluated' 'tags docs code org'
push refs/heads/dev docs/a.md docs/b.md >e.json
match_case 'paths: docs only, to dev' 'not-wip docs org'
push refs/heads/main docs/a.md >e.json
match_case 'branches and paths both set: both must match' 'main not-wip docs main-docs org'
push refs/heads/dev docs/drafts/a.md >e.json
match_case 'paths: a negated path' 'not-wip org'
push refs/heads/dev README.md >e.json
match_case 'paths-ignore: every file ignored' 'not-wip org'
sed -i 's/"glow-org\/app"/"glow-org\/secret"/' e.json
match_case 'repository: a negated repository' 'not-wip'
env issues '"opened"' '"x/y"' alice User '{"issue":{"user":{"login":"alice"},"labels":[{"name":"BUG"}]}}' >e.json
match_case 'issues: author (case-insensitive) and label (case-insensitive)' 'alice bugs bots-too'
env issues '"opened"' '"glow-org/x"' 'dependabot[bot]' Bot '{"issue":{"user":{"login":"alice"},"labels":[{"name":"bug"}]}}' >e.json
match_case 'a bot sender is ignored unless ignore_bots is false' 'bots-too'
env issue_comment '"created"' '"x/y"' bob User '{"issue":{"user":{"login":"alice"},"labels":[]},"comment":{"user":{"login":"bob"}}}' >e.json
match_case 'no rule for issue_comment: nothing matches, status 1' ''

test_expect_success '-v says why each rule matched or not' '
	push refs/heads/wip/x src/a.c >e.json &&
	glow-trigger -v rules.json e.json >out &&
	test "$(wc -l <out)" = 11 &&
	test "$(jq -r "select(.rule == \"main\") | .reason" out)" = "branch '"'"'wip/x'"'"' not selected by '"'"'branches'"'"'" &&
	test "$(jq -r "select(.rule == \"not-wip\") | .reason" out)" = "branch '"'"'wip/x'"'"' ignored by '"'"'branches-ignore'"'"'" &&
	test "$(jq -r "select(.rule == \"code\") | .reason" out)" = "event '"'"'push'"'"', 1 of 1 changed files not ignored" &&
	test "$(jq -r "select(.rule == \"opened\") | .reason" out)" = "event '"'"'push'"'"' not in '"'"'on'"'"'" &&
	test "$(jq -r "select(.rule == \"main\") | .delivery" out)" = d-push
'

test_expect_success 'a push of more than 1000 commits passes path filters (as in Actions)' '
	jq -c ".payload.ref = \"refs/heads/dev\" | .payload.commits = [range(1001) | {id: \"c\(.)\", added: [\"src/\(.).c\"]}]" e.json >big.json &&
	glow-trigger rules.json big.json >out &&
	test "$(matched out)" = "not-wip docs code org" &&
	jq -c ".payload.commits |= .[:1000]" big.json >k.json &&
	glow-trigger rules.json k.json >out &&
	test "$(matched out)" = "not-wip code org"
'

# "Diffs are limited to 300 files. If there are files changed that aren't
# matched in the first 300 files returned by the filter, the workflow will
# not run."
test_expect_success 'only the first 300 files count' '
	files=$(seq 1 300 | sed "s|^|f/|") &&
	push refs/heads/dev $files src/late.c >e.json &&
	cat >late.json <<-\EOF &&
	{"workflows": [{"id": "late", "on": "push", "paths": ["src/**"], "run": "true"}]}
	EOF
	test_expect_code 1 glow-trigger late.json e.json >out
'

# "By default, a workflow only runs when a pull_request event's activity
# type is opened, synchronize, or reopened."
test_expect_success 'a pull_request rule without actions: opened, synchronize, reopened only' '
	cat >pr.json <<-\EOF &&
	{"workflows": [{"id": "pr", "on": ["pull_request", "pull_request_target"], "run": "true"},
	  {"id": "closed", "on": "pull_request", "actions": ["closed"], "run": "true"}]}
	EOF
	for a in opened synchronize reopened closed labeled; do
		env pull_request "\"$a\"" "\"glow-org/app\"" alice User "{\"pull_request\":{\"base\":{\"ref\":\"main\"}}}" >e.json &&
		{ glow-trigger pr.json e.json >out; true; } &&
		echo "$a: $(matched out)" >>got || return 1
	done &&
	printf "opened: pr\nsynchronize: pr\nreopened: pr\nclosed: closed\nlabeled: \n" >expect &&
	test_cmp expect got
'

test_expect_success 'repository patterns ignore case, as GitHub names do' '
	cat >repo.json <<-\EOF &&
	{"workflows": [{"id": "r", "on": "push", "repository": "Glow-Org/APP", "run": "true"}]}
	EOF
	env push null "\"glow-org/app\"" alice User "{\"ref\":\"refs/heads/main\"}" >e.json &&
	glow-trigger repo.json e.json >out && test "$(matched out)" = r &&
	env push null "\"GLOW-ORG/App\"" alice User "{\"ref\":\"refs/heads/main\"}" >e.json &&
	glow-trigger repo.json e.json >out && test "$(matched out)" = r
'

# "If you define a branch with the ! character, you must also define at
# least one branch without the ! character."
test_expect_success 'a list of negations alone is refused' '
	printf "%s\n" "{\"workflows\": [{\"id\": \"a\", \"on\": \"push\", \"branches\": [\"!main\"], \"run\": \"x\"}]}" >bad.json &&
	test_expect_code 2 glow-trigger -c bad.json 2>err &&
	grep -q "rule .a.: key .branches.: only .!. patterns: add one without .!. (as Actions requires), or use the -ignore form" err
'

test_expect_success 'a backslash escapes any character' '
	cat >esc.json <<-\EOF &&
	{"workflows": [{"id": "e", "on": "push", "branches": ["re\\lease"], "run": "true"}]}
	EOF
	push refs/heads/release a >e.json &&
	glow-trigger esc.json e.json >out && test "$(matched out)" = e
'

test_expect_success '-v: paths-ignore that leaves no file says so once' '
	push refs/heads/dev a.md >e.json &&
	glow-trigger -v rules.json e.json >out &&
	jq -r "select(.rule == \"code\") | .reason" out >reason &&
	grep -q "the one of 1 changed files left by .paths-ignore." reason &&
	! grep -q "by by" reason
'

# ---- conditions on payload fields ("if") ----

cat >if.json <<'EOF'
{"workflows": [
  {"id": "merged", "on": "pull_request", "actions": ["closed"],
   "if": {"field": "pull_request.merged", "equals": true}, "run": "true"},
  {"id": "approved", "on": "pull_request_review",
   "if": {"field": "review.state", "matches": "approved"}, "run": "true"},
  {"id": "outsider", "on": "issues",
   "if": {"not": {"any": [{"field": "issue.author_association", "equals": "OWNER"},
                          {"field": "issue.author_association", "regex": "^(MEMBER|COLLABORATOR)$"}]}},
   "run": "true"},
  {"id": "first-label", "on": "issues",
   "if": {"all": [{"field": "issue.labels.0.name", "equals": "bug"},
                  {"field": "issue.milestone", "exists": false}]}, "run": "true"}
]}
EOF

test_expect_success 'if: a payload field equals a value (a merged pull request)' '
	env pull_request "\"closed\"" "\"glow-org/app\"" alice User "{\"pull_request\":{\"merged\":true,\"base\":{\"ref\":\"main\"}}}" >e.json &&
	glow-trigger if.json e.json >out && test "$(matched out)" = merged &&
	env pull_request "\"closed\"" "\"glow-org/app\"" alice User "{\"pull_request\":{\"merged\":false,\"base\":{\"ref\":\"main\"}}}" >e.json &&
	test_expect_code 1 glow-trigger -v if.json e.json >out &&
	test "$(jq -r "select(.rule == \"merged\") | .reason" out)" = "its '"'"'if'"'"' does not hold"
'

test_expect_success 'if: a pattern, a regular expression, not, any, all, exists' '
	env pull_request_review "\"submitted\"" "\"glow-org/app\"" alice User "{\"review\":{\"state\":\"approved\"},\"pull_request\":{\"base\":{\"ref\":\"main\"}}}" >e.json &&
	glow-trigger if.json e.json >out && test "$(matched out)" = approved &&
	env issues "\"opened\"" "\"glow-org/app\"" alice User "{\"issue\":{\"author_association\":\"NONE\",\"labels\":[{\"name\":\"bug\"}],\"milestone\":null}}" >e.json &&
	glow-trigger if.json e.json >out && test "$(matched out)" = "outsider first-label" &&
	env issues "\"opened\"" "\"glow-org/app\"" alice User "{\"issue\":{\"author_association\":\"MEMBER\",\"labels\":[{\"name\":\"docs\"},{\"name\":\"bug\"}],\"milestone\":{\"id\":1}}}" >e.json &&
	test_expect_code 1 glow-trigger if.json e.json >out
'

test_expect_success 'if: -c refuses a bad condition, naming it' '
	for c in "{\"field\": \"a\", \"regex\": \"(\"}" "{\"field\": \"a\"}" \
	    "{\"field\": \"a\", \"equals\": 1, \"exists\": true}" "{\"every\": []}" \
	    "{\"field\": \"a..b\", \"exists\": true}" "{\"not\": [1]}"; do
		printf "{\"workflows\": [{\"id\": \"a\", \"on\": \"push\", \"if\": %s, \"run\": \"x\"}]}\n" "$c" >bad.json &&
		test_expect_code 2 glow-trigger -c bad.json 2>err &&
		grep -q "rule .a.: key .if.: " err || { cat err; return 1; }
	done
'

test_expect_success 'an envelope that is not one is an error' '
	echo "{\"payload\": {}}" >e.json &&
	test_expect_code 2 glow-trigger rules.json e.json 2>err &&
	grep -q "^glow-trigger: invalid envelope .e.json.: not an envelope" err &&
	echo "[" >e.json &&
	test_expect_code 2 glow-trigger rules.json <e.json 2>err &&
	grep -q "^glow-trigger: invalid envelope .stdin.: offset [0-9]*: " err
'

# ---- pull request files through the simulator ----

sim_config_default >sim.json && sim_start sim.json || exit 1
GLOW_TOKEN=ghp_statictoken
export GLOW_TOKEN

# pr N CHANGED: a pull_request envelope for glow-org/admin#N
pr() {
	env pull_request '"synchronize"' '"glow-org/admin"' alice User \
	    "{\"number\":$1,\"pull_request\":{\"number\":$1,\"user\":{\"login\":\"alice\"},\"base\":{\"ref\":\"main\"},\"labels\":[],\"changed_files\":$2}}"
}
add_pull() {    # add_pull JSON-FILES: the new pull request's number
	sim_ctl POST state "{\"op\":\"add_pull\",\"repo\":\"glow-org/admin\",$1}" | jq -r ".results[0].number"
}

test_expect_success 'a pull request: its files come from the API' '
	n=$(add_pull "\"files\":[{\"filename\":\"docs/x.md\"},{\"filename\":\"src/a.c\"}]") &&
	pr $n 2 >e.json &&
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger -v rules.json e.json >out &&
	test "$(matched out)" = "docs code org alice" &&
	test "$(jq -r "select(.rule == \"docs\") | .reason" out)" = "event '"'"'pull_request'"'"', action '"'"'synchronize'"'"', 1 of 2 changed files selected" &&
	test "$(sim_count GET "/pulls/$n/files")" = 1
'

test_expect_success 'no path filter wanted: no API call' '
	cat >nopath.json <<-\EOF &&
	{"workflows": [{"id": "any", "on": "pull_request", "run": "true"}]}
	EOF
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger nopath.json e.json >out &&
	test "$(matched out)" = any &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'no token: an error naming the variables' '
	(unset GLOW_TOKEN; test_expect_code 2 glow-trigger rules.json e.json >out 2>err) &&
	grep -q "^glow-trigger: cannot evaluate envelope .e.json.: no token: give -t FILE, or set GLOW_TOKEN, GH_TOKEN or GITHUB_TOKEN (for the changed files and dispatches)" err
'

test_expect_success 'the token may come from -t FILE' '
	(umask 077 && echo ghp_statictoken >tok) &&
	(unset GLOW_TOKEN; glow-trigger -t tok rules.json e.json >out) &&
	test "$(matched out)" = "docs code org alice"
'

test_expect_success 'over 300 files: only the first 300 count, as in Actions' '
	jq -cn "[range(300) | {filename: \"src/f\(.).c\"}] + [{filename: \"docs/late.md\"}, {filename: \"x.md\"}]" >files.json &&
	n=$(add_pull "\"files\":$(cat files.json)") && echo $n >n &&
	pr $n 302 >e.json &&
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger -v rules.json e.json >out &&
	test "$(matched out)" = "code org alice" &&
	test "$(jq -r "select(.rule == \"docs\") | .reason" out)" = "none of 300 changed files selected by '"'"'paths'"'"'" &&
	test "$(sim_count GET "/pulls/$n/files")" = 3
'

test_expect_success '... with -a, every listed file counts' '
	n=$(cat n) && sim_ctl DELETE requests >/dev/null &&
	glow-trigger -a -v rules.json e.json >out &&
	test "$(matched out)" = "docs code org alice" &&
	test "$(sim_count GET "/pulls/$n/files")" = 4
'

test_expect_success '... and paths-ignore looks at the first 300 too' '
	cat >ign.json <<-\EOF &&
	{"workflows": [{"id": "not-src", "on": "pull_request", "paths-ignore": ["src/**"], "run": "true"}]}
	EOF
	test_expect_code 1 glow-trigger ign.json e.json >out &&
	glow-trigger -a ign.json e.json >out &&
	test "$(matched out)" = not-src
'

test_expect_success 'more files than the API lists (3000): with -a the path filter passes' '
	n=$(add_pull "\"file_count\":3005") &&
	pr $n 3005 >e.json &&
	glow-trigger -a -v rules.json e.json >out &&
	test "$(jq -r "select(.rule == \"docs\") | .reason" out)" = "event '"'"'pull_request'"'"', action '"'"'synchronize'"'"', changed files not all listed (path filter passes)" &&
	test "$(sim_count GET "/pulls/$n/files")" = 30 &&
	test_expect_code 0 glow-trigger rules.json e.json >out &&
	test "$(matched out)" = "code org alice"
'

test_expect_success 'an API error is an error, with GitHub'"'"'s message' '
	pr 999 1 >e.json &&
	test_expect_code 2 glow-trigger rules.json e.json >out 2>err &&
	grep -q "^glow-trigger: cannot evaluate envelope .e.json.: GET ./repos/glow-org/admin/pulls/999/files?per_page=100.: .*404 Not Found" err
'
# ---- a push's files: its diff, from the compare API ----

# commit FILES-JSON: make the files glow-org/admin's whole tree; its sha
commit() {
	sim_ctl POST state "{\"op\":\"set_files\",\"repo\":\"glow-org/admin\",\"files\":$1}" | jq -r ".results[0].head_sha"
}
# cpush BEFORE AFTER [FILE...]: a push to main of glow-org/admin whose
# commits claim to add FILE...
cpush() {
	b=$1 a=$2
	shift 2
	files=$(printf '"%s",' "$@")
	[ $# -gt 0 ] || files=,
	env push null '"glow-org/admin"' alice User \
	    "{\"ref\":\"refs/heads/main\",\"before\":\"$b\",\"after\":\"$a\",\"commits\":[{\"id\":\"$a\",\"added\":[${files%,}],\"modified\":[],\"removed\":[]}]}"
}
cat >paths.json <<'EOF'
{"workflows": [{"id": "src", "on": "push", "paths": ["src/**"], "run": "true"},
  {"id": "tmp", "on": "push", "paths": ["tmp/**"], "run": "true"},
  {"id": "any", "on": "push", "run": "true"}]}
EOF

# "Pushes to existing branches: A two-dot diff compares the head and base
# SHAs directly with each other."
test_expect_success 'a push: its files are its diff (compare API), not its commits'"'"' lists' '
	c0=$(commit "{\"a.md\":\"a\"}") &&
	c1=$(commit "{\"a.md\":\"a\",\"tmp/x\":\"x\",\"src/m.c\":\"1\"}") &&
	c2=$(commit "{\"a.md\":\"a\",\"src/m.c\":\"1\"}") &&
	echo $c0 $c1 $c2 >shas &&
	cpush $c0 $c2 README.md >e.json &&
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger paths.json e.json >out &&
	test "$(matched out)" = "src any" &&
	test "$(sim_count GET "/compare/$c0...$c2")" = 1
'

test_expect_success 'a file added then removed within the push is not changed' '
	read c0 c1 c2 <shas &&
	cpush $c0 $c2 tmp/x >e.json &&
	glow-trigger -v paths.json e.json >out &&
	test "$(jq -r "select(.rule == \"tmp\") | .matched" out)" = false
'

test_expect_success 'a rewinding force push: the files it takes back are changed' '
	read c0 c1 c2 <shas &&
	cpush $c2 $c1 >e.json &&
	glow-trigger paths.json e.json >out &&
	test "$(matched out)" = "tmp any"
'

test_expect_success 'no token: a push keeps its commits'"'"' lists (and -v says so)' '
	read c0 c1 c2 <shas &&
	cpush $c0 $c2 tmp/x >e.json &&
	(unset GLOW_TOKEN; glow-trigger -v paths.json e.json >out 2>err) &&
	test "$(matched out)" = "tmp any" &&
	grep -q "no token: the push.s files are its commits. lists" err
'

test_expect_success 'a push creating a branch (before all zeros): its commits'"'"' lists' '
	read c0 c1 c2 <shas &&
	sim_ctl DELETE requests >/dev/null &&
	cpush 0000000000000000000000000000000000000000 $c2 src/n.c >e.json &&
	glow-trigger paths.json e.json >out &&
	test "$(matched out)" = "src any" &&
	test "$(sim_count GET /compare/)" = 0
'

sim_stop

# ---- dispatch to GitHub Actions ----

sim_config_default | jq '.installations[0].permissions.actions = "write"' >sim2.json &&
sim_start sim2.json || exit 1
GLOW_TOKEN=ghp_statictoken
export GLOW_TOKEN

test_expect_success 'dispatch: -c checks it (one of run and dispatch; a workflow wants a ref)' '
	for d in "\"run\": \"x\", \"dispatch\": {\"repository\": \"o/r\", \"event_type\": \"e\"}" \
	    "\"dispatch\": {\"repository\": \"o/r\", \"workflow\": \"w.yml\"}" \
	    "\"dispatch\": {\"repository\": \"o/r\", \"event_type\": \"e\", \"ref\": \"main\"}" \
	    "\"dispatch\": {\"repository\": \"o\", \"event_type\": \"e\"}" \
	    "\"dispatch\": {\"repository\": \"o/r\", \"workflow\": \"w.yml\", \"event_type\": \"e\", \"ref\": \"main\"}" \
	    "\"dispatch\": {\"repository\": \"o/r\", \"event_type\": \"e\", \"extra\": 1}"; do
		printf "{\"workflows\": [{\"id\": \"a\", \"on\": \"push\", %s}]}\n" "$d" >bad.json &&
		test_expect_code 2 glow-trigger -c bad.json 2>err || { cat err; return 1; }
	done
'

cat >disp.json <<'EOF'
{"workflows": [{"id": "rd", "on": "push", "dispatch": {"repository": "glow-org/admin", "event_type": "glow-push"}}]}
EOF

test_expect_success 'repository_dispatch: the delivery and the payload, within GitHub'"'"'s limits' '
	DELIVERY=disp-1 push refs/heads/main a.c >e.json &&
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger -x disp.json e.json >out &&
	jq -e ".rule == \"rd\" and .ok and .attempt == 1" out &&
	sim_ctl GET "requests?method=POST&path=/dispatches" >log &&
	jq -e "length == 1 and .[0].status == 204" log &&
	jq -e ".[0].body | .event_type == \"glow-push\" and .client_payload.delivery == \"disp-1\" and .client_payload.event == \"push\" and .client_payload.payload.ref == \"refs/heads/main\" and (.client_payload | keys | length) <= 10" log
'

test_expect_success 'repository_dispatch: a payload past 65,535 characters is left out' '
	big=$(head -c 70000 /dev/zero | tr "\0" x) &&
	env push null "\"glow-org/app\"" alice User "{\"ref\":\"refs/heads/main\",\"big\":\"$big\"}" >e.json &&
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger -x disp.json e.json >out &&
	jq -e .ok out &&
	sim_ctl GET "requests?method=POST&path=/dispatches" >log &&
	jq -e ".[0].status == 204 and (.[0].body.client_payload | .payload_omitted == true and (has(\"payload\") | not) and .delivery == \"d-push\")" log
'

cat >wf.json <<'EOF'
{"workflows": [{"id": "wd", "on": "push", "dispatch": {"repository": "glow-org/admin", "workflow": "on-event.yml", "ref": "main"}}]}
EOF

test_expect_success 'workflow_dispatch: the envelope'"'"'s essentials as inputs' '
	sim_ctl POST state "{\"op\":\"put_file\",\"repo\":\"glow-org/admin\",\"path\":\".github/workflows/on-event.yml\",\"content\":\"on:\\n  workflow_dispatch:\\n    inputs:\\n      delivery:\\n      event:\\n      action:\\n      repository:\\n      sender:\\njobs: {}\\n\"}" >/dev/null &&
	DELIVERY=wd-1 push refs/heads/main a.c >e.json &&
	sim_ctl DELETE requests >/dev/null &&
	glow-trigger -x wf.json e.json >out &&
	jq -e ".ok" out &&
	sim_ctl GET "requests?method=POST&path=/actions/workflows/on-event.yml/dispatches" >log &&
	jq -e ".[0].status == 204 and .[0].body.ref == \"main\" and .[0].body.inputs.delivery == \"wd-1\" and .[0].body.inputs.event == \"push\" and .[0].body.inputs.repository == \"glow-org/app\"" log
'

test_expect_success 'workflow_dispatch: GitHub'"'"'s refusal is a failed attempt, with its message' '
	sim_ctl POST state "{\"op\":\"put_file\",\"repo\":\"glow-org/admin\",\"path\":\".github/workflows/on-event.yml\",\"content\":\"on:\\n  workflow_dispatch:\\njobs: {}\\n\"}" >/dev/null &&
	test_expect_code 1 glow-trigger -x wf.json e.json >out &&
	jq -e "(.ok | not) and (.error | test(\"422 Unexpected inputs provided\"))" out
'

test_expect_success 'dispatch in spool mode, with a credential helper (-C) renewed on a 401' '
	cat >helper <<-\EOF &&
	#!/bin/sh
	# the first token is revoked already; then a good one
	if [ -e minted ]; then t=ghp_statictoken; else t=ghp_revoked; touch minted; fi
	printf "{\"token\":\"%s\",\"expires_at\":\"2099-01-01T00:00:00Z\"}\n" "$t"
	EOF
	chmod +x helper && rm -f minted &&
	DELIVERY=sp-1 push refs/heads/main a.c >e.json &&
	mkdir -p spd/new && cp e.json spd/new/20300101T000000.000000Z-sp-1.json &&
	(unset GLOW_TOKEN; glow-trigger -v -C ./helper -s spd disp.json >out 2>err) &&
	test -e spd/done/20300101T000000.000000Z-sp-1.json &&
	jq -e ".ok and .rule == \"rd\"" out &&
	test "$(grep -c "minted a token" err)" = 2 &&
	! grep -q ghp_ err out
'

sim_stop

# ---- -x: running ----

test_expect_success '-x runs the command with the envelope on stdin and the basics in the environment' '
	cat >x.json <<-\EOF &&
	{"workflows": [{"id": "show", "on": "push", "run": "env | grep ^GLOW_ | sort >env.out; cat >stdin.out; echo ran"}]}
	EOF
	DELIVERY=dx-1 push refs/heads/main a >e.json &&
	glow-trigger -x x.json <e.json >out 2>err &&
	cmp e.json stdin.out &&
	cat >expect <<-\EOF &&
	GLOW_ACTION=
	GLOW_ATTEMPT=1
	GLOW_DELIVERY=dx-1
	GLOW_EVENT=push
	GLOW_INSTALLATION_ID=42
	GLOW_REPOSITORY=glow-org/app
	GLOW_RULE=show
	EOF
	grep -E "^GLOW_(ACTION|ATTEMPT|DELIVERY|EVENT|INSTALLATION_ID|REPOSITORY|RULE|ENVELOPE)=" env.out >env.got &&
	test_cmp expect env.got &&
	grep -q "^ran$" out &&
	grep "^{" out >rec &&
	jq -e ".rule == \"show\" and .delivery == \"dx-1\" and .exit == 0 and .ok and .timed_out == false" rec
'

test_expect_success '-x: a failing command is recorded and the status is 1' '
	cat >x.json <<-\EOF &&
	{"workflows": [{"id": "fail", "on": "push", "run": "exit 3"}, {"id": "ok", "on": "push", "run": "true"}]}
	EOF
	test_expect_code 1 glow-trigger -x x.json e.json >out &&
	jq -se "map(select(.rule == \"fail\"))[0] | .exit == 3 and .ok == false" out &&
	jq -se "map(select(.rule == \"ok\"))[0] | .exit == 0 and .ok" out
'

test_expect_success '-x: nothing matched is status 1, nothing run' '
	env issues null null a User "{}" >i.json &&
	test_expect_code 1 glow-trigger -x x.json i.json >out &&
	test ! -s out
'

test_expect_success 'a hanging command and its children are killed at the timeout' '
	cat >x.json <<-\EOF &&
	{"workflows": [{"id": "hang", "on": "push", "timeout": 1,
	  "run": "(sleep 9871; echo leaked >leaked) & sleep 9872"}]}
	EOF
	start=$(date +%s) &&
	test_expect_code 1 glow-trigger -x -k 2 x.json e.json >out &&
	end=$(date +%s) &&
	test $((end - start)) -le 3 &&
	jq -e ".rule == \"hang\" and .timed_out and .signal == 15 and .ok == false and .duration_ms >= 1000" out &&
	sleep 0.2 &&
	test "$(ps -eo args | grep -c "^sleep 987[12]")" = 0 &&
	test ! -e leaked
'

test_expect_success '... and one that ignores SIGTERM gets SIGKILL after the grace' '
	cat >x.json <<-\EOF &&
	{"workflows": [{"id": "stubborn", "on": "push", "timeout": 1,
	  "run": "trap \"\" TERM; (sleep 9873) & sleep 9874; echo survived >survived"}]}
	EOF
	start=$(date +%s) &&
	test_expect_code 1 glow-trigger -x -k 1 x.json e.json >out &&
	end=$(date +%s) &&
	test $((end - start)) -ge 2 && test $((end - start)) -le 4 &&
	jq -e ".timed_out and .signal == 9" out &&
	sleep 0.2 &&
	test "$(ps -eo args | grep -c "^sleep 987[34]")" = 0 &&
	test ! -e survived
'

test_expect_success 'what a command leaves running in its group is killed when it exits' '
	cat >x.json <<-\EOF &&
	{"workflows": [{"id": "bg", "on": "push", "run": "sleep 9875 & echo started"}]}
	EOF
	glow-trigger -x x.json e.json >out &&
	sleep 0.2 &&
	test "$(ps -eo args | grep -c "^sleep 9875")" = 0
'

# conc.json N: N rules that log how many of them run at once
conc_rules() {
	i=0 && printf "{\"workflows\": [" >conc.json &&
	while [ $i -lt $1 ]; do
		printf "%s{\"id\": \"r%d\", \"on\": \"push\", \"run\": \"touch run.\$GLOW_RULE; ls run.* | wc -l >>conc.log; sleep 0.4; rm run.\$GLOW_RULE\"}" \
		    "$([ $i = 0 ] || echo ,)" $i >>conc.json
		i=$((i + 1))
	done && echo "]}" >>conc.json
}

test_expect_success 'the concurrency cap: -j 2 runs at most 2 at once' '
	conc_rules 6 && rm -f conc.log &&
	glow-trigger -x -j 2 conc.json e.json >out &&
	test "$(jq -s length out)" = 6 &&
	test "$(sort -n conc.log | tail -n 1 | tr -d " ")" -le 2
'

test_expect_success '... and -j 6 runs all 6 at once (the test can tell)' '
	rm -f conc.log &&
	glow-trigger -x -j 6 conc.json e.json >out &&
	test "$(sort -n conc.log | tail -n 1 | tr -d " ")" -ge 4
'

# ---- spool mode ----

# spool_put DIR NAME: put e.json into DIR/new as NAME (via tmp/, renamed)
spool_put() {
	mkdir -p "$1/tmp" "$1/new" && cp e.json "$1/tmp/$2" && mv "$1/tmp/$2" "$1/new/$2"
}

GLOW_WAIT_SCALE=0.01
export GLOW_WAIT_SCALE

test_expect_success 'spool: every envelope is processed in order and moved to done/' '
	cat >s.json <<-\EOF &&
	{"workflows": [{"id": "log", "on": "push", "run": "echo $GLOW_DELIVERY >>order.log"},
	  {"id": "iss", "on": "issues", "run": "true"}]}
	EOF
	for i in 3 1 2; do DELIVERY=s-$i push refs/heads/main a >e.json && spool_put sp 2030010${i}T000000.000000Z-s-$i.json || return 1; done &&
	env ping null null a User "{}" >e.json && spool_put sp 20300104T000000.000000Z-p.json &&
	glow-trigger -j 1 -s sp s.json >out &&
	printf "s-1\ns-2\ns-3\n" >expect && test_cmp expect order.log &&
	test "$(ls sp/done | wc -l)" = 4 && test "$(ls sp/new sp/cur sp/failed | grep -c json)" = 0 &&
	test "$(wc -l <sp/runs.jsonl)" = 3 &&
	jq -se "map(.rule == \"log\" and .ok and .exit == 0 and .attempt == 1 and (.duration_ms | type) == \"number\" and (.envelope | test(\"-s-[123].json$\"))) | all" sp/runs.jsonl &&
	cmp sp/runs.jsonl out
'

test_expect_success 'spool: a failing rule is retried, then the envelope goes to failed/' '
	cat >s.json <<-\EOF &&
	{"workflows": [{"id": "flaky", "on": "push", "run": "echo x >>tries; test $(wc -l <tries) -ge 2"},
	  {"id": "broken", "on": "push", "branches": ["broken"], "run": "exit 4"}]}
	EOF
	DELIVERY=f-1 push refs/heads/main a >e.json && spool_put sp2 a-f1.json &&
	DELIVERY=f-2 push refs/heads/broken a >e.json && spool_put sp2 b-f2.json &&
	test_expect_code 1 glow-trigger -j 1 -s sp2 s.json >out &&
	test -e sp2/done/a-f1.json && test -e sp2/failed/b-f2.json &&
	test "$(jq -r "select(.envelope == \"a-f1.json\") | \"\(.attempt):\(.ok)\"" sp2/runs.jsonl | tr "\n" " ")" = "1:false 2:true " &&
	test "$(jq -r "select(.envelope == \"b-f2.json\" and .rule == \"broken\") | .attempt" sp2/runs.jsonl | tr "\n" " ")" = "1 2 3 " &&
	test "$(jq -r "select(.envelope == \"b-f2.json\" and .rule == \"flaky\") | .ok" sp2/runs.jsonl)" = true
'

test_expect_success 'spool: -m sets the attempts' '
	DELIVERY=m-1 push refs/heads/broken a >e.json && spool_put sp3 m1.json &&
	test_expect_code 1 glow-trigger -m 1 -s sp3 s.json >out &&
	test "$(jq -s "map(select(.rule == \"broken\")) | length" sp3/runs.jsonl)" = 1
'

test_expect_success 'spool: an invalid envelope goes straight to failed/' '
	mkdir -p sp4/new && echo "{not json" >sp4/new/bad.json &&
	test_expect_code 1 glow-trigger -s sp4 s.json >out &&
	test -e sp4/failed/bad.json &&
	jq -e ".envelope == \"bad.json\" and .rule == null and (.error | startswith(\"invalid envelope\"))" sp4/runs.jsonl
'

test_expect_success 'spool: one glow-trigger at a time' '
	cat >slow.json <<-\EOF &&
	{"workflows": [{"id": "slow", "on": "push", "run": "sleep 1"}]}
	EOF
	DELIVERY=l-1 push refs/heads/main a >e.json && spool_put sp5 l1.json &&
	glow-trigger -s sp5 slow.json >out1 &
	pid=$! &&
	i=0 && while [ ! -e sp5/cur/l1.json ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done &&
	test_expect_code 2 glow-trigger -s sp5 slow.json >out2 2>err &&
	wait $pid &&
	grep -q "cannot lock spool .sp5.: another glow-trigger is using it" err &&
	test -e sp5/done/l1.json
'

test_expect_success 'spool: -R runs failed envelopes again (one delivery, or all)' '
	cat >fix.json <<-\EOF &&
	{"workflows": [{"id": "fixable", "on": "push", "run": "test -e fixed"}]}
	EOF
	DELIVERY=r-1 push refs/heads/main a >e.json && spool_put spr 20300101T000000.000000Z-r-1.json &&
	DELIVERY=r-2 push refs/heads/main a >e.json && spool_put spr 20300101T000001.000000Z-r-2.json &&
	test_expect_code 1 glow-trigger -m 1 -s spr fix.json >out &&
	test "$(ls spr/failed | wc -l)" = 2 &&
	touch fixed &&
	glow-trigger -v -m 1 -R r-1 -s spr fix.json >out 2>err &&
	grep -q "retrying .20300101T000000.000000Z-r-1.json. as " err &&
	test "$(ls spr/failed)" = 20300101T000001.000000Z-r-2.json &&
	test "$(ls spr/done | grep -c -- -r-1.json)" = 1 &&
	jq -e "select(.delivery == \"r-1\") | .ok" out &&
	glow-trigger -m 1 -R all -s spr fix.json >out &&
	test -z "$(ls spr/failed)" && test "$(ls spr/done | wc -l)" = 2 &&
	test_expect_code 1 glow-trigger -R r-9 -s spr fix.json 2>err &&
	grep -q "nothing to retry in .spr/failed. for .r-9." err &&
	test_expect_code 2 glow-trigger -R "../x" -s spr fix.json 2>err
'

test_expect_success 'spool: -M prints the backlog, the oldest age, failures and runs by rule' '
	glow-trigger -s spr -M >m &&
	grep -qx "glow_trigger_backlog 0" m &&
	grep -qx "glow_trigger_failed_envelopes 0" m &&
	grep -qx "glow_trigger_oldest_age_seconds 0" m &&
	grep -qx "glow_trigger_runs_total{rule=\"fixable\",result=\"failed\"} 2" m &&
	grep -qx "glow_trigger_runs_total{rule=\"fixable\",result=\"ok\"} 2" m &&
	DELIVERY=r-3 push refs/heads/main a >e.json && spool_put spr 20300101T000003.000000Z-r-3.json &&
	touch -d "90 seconds ago" spr/new/20300101T000003.000000Z-r-3.json &&
	glow-trigger -s spr -M >m &&
	grep -qx "glow_trigger_backlog 1" m &&
	age=$(sed -n "s/^glow_trigger_oldest_age_seconds //p" m) &&
	test "$age" -ge 90 && test "$age" -lt 200 &&
	grep -q "^# TYPE glow_trigger_runs_total counter" m
'

test_expect_success 'crash: kill -9 mid-run; the rerun ends the orphaned command first, never two copies' '
	cat >c.json <<-\EOF &&
	{"workflows": [{"id": "quick", "on": "push", "run": "echo quick >>ran.log"},
	  {"id": "long", "on": "push", "timeout": 60, "run": "exec 9>>lock.$GLOW_DELIVERY; flock -n 9 || echo overlap >>ran.log; if [ -e second ]; then echo long >>ran.log; exit 0; fi; echo $$ >long.$GLOW_DELIVERY.pid; exec sleep 9876"}]}
	EOF
	DELIVERY=c-1 push refs/heads/main a >e.json && spool_put sp6 c1.json &&
	DELIVERY=c-2 push refs/heads/main a >e.json && spool_put sp6 c2.json &&
	glow-trigger -j 1 -s sp6 c.json >out1 &
	pid=$! &&
	i=0 && while ! { [ -s long.c-1.pid ] && grep -q quick sp6/runs.jsonl 2>/dev/null; } && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done &&
	kill -9 $pid; wait $pid
	# the command outlives a killed glow-trigger (its own group), recorded
	orphan=$(cat long.c-1.pid) &&
	kill -0 $orphan && test -n "$(ls sp6/running)" &&
	test -e sp6/cur/c1.json &&
	test "$(jq -s "map(select(.envelope == \"c1.json\" and .rule == \"quick\")) | length" sp6/runs.jsonl)" = 1 &&
	test "$(jq -s "map(select(.envelope == \"c1.json\" and .rule == \"long\")) | length" sp6/runs.jsonl)" = 0 &&
	touch second &&
	glow-trigger -k 1 -j 2 -s sp6 c.json >out2 2>err &&
	case $(ps -o stat= -p $orphan) in ""|Z*) ;; *) false ;; esac &&
	grep -q "orphaned command of rule .long. for .c1.json. ended" err &&
	test -z "$(ls sp6/running)" &&
	! grep -q overlap ran.log &&
	test -e sp6/done/c1.json && test -e sp6/done/c2.json &&
	test "$(jq -r "select(.envelope == \"c1.json\" and .rule == \"long\") | \"\(.attempt):\(.ok):\(.error // \"-\")\"" sp6/runs.jsonl | cut -c1-20 | tr "\n" " ")" = "1:false:interrupted: 2:true:- " &&
	test "$(jq -r "select(.envelope == \"c2.json\") | .rule" sp6/runs.jsonl | sort | tr "\n" " ")" = "long quick " &&
	test "$(grep -c quick ran.log)" = 2
'

cat >c2.json <<'EOF'
{"workflows": [{"id": "quick", "on": "push", "run": "echo quick >>ran.log"},
  {"id": "long", "on": "push", "run": "echo long >>ran.log"}]}
EOF

test_expect_success 'crash after the last record, before the move: moved to done/ without a run' '
	DELIVERY=c-3 push refs/heads/main a >e.json && mkdir -p sp7/cur && cp e.json sp7/cur/c3.json &&
	printf "{\"envelope\":\"c3.json\",\"rule\":\"quick\",\"attempt\":1,\"ok\":true}\n{\"envelope\":\"c3.json\",\"rule\":\"long\",\"attempt\":1,\"ok\":true}" >sp7/runs.jsonl &&
	rm -f ran.log &&
	glow-trigger -s sp7 c2.json >out &&
	test -e sp7/done/c3.json && test ! -e ran.log && test ! -s out &&
	test "$(wc -l <sp7/runs.jsonl)" = 2
'

test_expect_success 'a crash-torn last record does not glue to the next' '
	DELIVERY=c-4 push refs/heads/main a >e.json && mkdir -p sp8/cur && cp e.json sp8/cur/c4.json &&
	printf "{\"envelope\":\"c4.json\",\"rule\":\"quick\",\"attempt\":1,\"ok\":true}\n{\"envelope\":\"c4.json\",\"ru" >sp8/runs.jsonl &&
	glow-trigger -s sp8 c2.json >out &&
	test "$(jq -r .rule out)" = long &&
	tail -n 1 sp8/runs.jsonl | jq -e ".rule == \"long\""
'

test_expect_success '-w keeps watching: envelopes arriving later are processed; SIGTERM stops it' '
	cat >w.json <<-\EOF &&
	{"workflows": [{"id": "w", "on": "push", "run": "echo $GLOW_DELIVERY >>watched.log"}]}
	EOF
	mkdir -p sp9/new &&
	glow-trigger -w -i 50 -s sp9 w.json >out &
	pid=$! &&
	sleep 0.3 &&
	DELIVERY=w-1 push refs/heads/main a >e.json && spool_put sp9 w1.json &&
	i=0 && while [ ! -e sp9/done/w1.json ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done &&
	DELIVERY=w-2 push refs/heads/main a >e.json && spool_put sp9 w2.json &&
	i=0 && while [ ! -e sp9/done/w2.json ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done &&
	kill -TERM $pid && wait $pid &&
	printf "w-1\nw-2\n" >expect && test_cmp expect watched.log
'

test_done
