#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: glow's main job against the bundled GitHub simulator, on a
# machine with no GitHub account.  A throwaway App key is made, the
# simulator (t/ghsim.py) is started on 127.0.0.1 with that App installed
# on the organisation glow-org, a learning-room template and an enrollment
# repository with one registration issue, and glow-cohort runs the pass
# the scheduled workflow runs, over a copy of examples/roster.example.json:
# take in the registration, provision the pending learners, read their
# progress.  It prints the progress, the step summary, the roster's
# changes and the log, then runs a second pass to show that it changes
# nothing.  Nothing is left behind.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
bin=${GLOW_BIN:-$src/build/bin}
PATH=$bin:$PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/glow-demo.XXXXXX")
sim=
cleanup() {
	[ -n "$sim" ] && kill "$sim" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
ctl() { curl -sS --fail-with-body -X "$1" -H 'Content-Type: application/json' \
	${2:+--data-binary "$2"} "$GITHUB_API_URL/_sim/${3:-state}" >/dev/null; }
start=$(date +%s)

step "a throwaway GitHub App key, and the simulator on 127.0.0.1"
umask 077
openssl genrsa -traditional -out "$work/app.pem" 2048 2>/dev/null
openssl rsa -in "$work/app.pem" -pubout -out "$work/app.pub" 2>/dev/null
# The example roster's learners are users of the simulated GitHub too.
jq --rawfile k "$work/app.pub" '.apps[].public_key_pem = $k |
	.users += ["alice-example", "Bob-Example"]' \
	"$src/t/sim-default.json" >"$work/sim.json"
python3 -I "$src/t/ghsim.py" --config "$work/sim.json" --die-with-parent \
	--port-file "$work/port" >"$work/sim.log" 2>&1 &
sim=$!
i=0
until [ -s "$work/port" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: the simulator did not start" >&2; exit 2; }
	sleep 0.1
done
GITHUB_API_URL=http://127.0.0.1:$(cat "$work/port")
export GITHUB_API_URL
echo "GITHUB_API_URL=$GITHUB_API_URL"

# What happened on GitHub before this run: alice-example's room exists and
# she said "day1-complete" in it; carol opened a registration issue with
# the form (.github/ISSUE_TEMPLATE/register.yml).
ctl POST '[{"op":"add_repo","full_name":"glow-org/learning-room-spring-2026-alice-example","private":true},
	{"op":"add_issue","repo":"glow-org/learning-room-spring-2026-alice-example","title":"Welcome","user":"alice-example",
	 "comments":[{"user":"alice-example","body":"Done with the first day: day1-complete"}]},
	{"op":"add_issue","repo":"glow-org/enrollment","title":"Registration","user":"carol","labels":["registration"],
	 "body":"### Cohort\n\nspring-2026\n\n### Path\n\nday1-day2 (Day 1 and Day 2)\n\n### This issue is public\n\n- [X] I understand that this issue is public"}]'
echo "template glow-org/learning-room-template; enrollment glow-org/enrollment (issue #1 from carol)"

step "the admin checkout: examples/roster.example.json (its organisation is glow-org here)"
mkdir "$work/admin"
sed 's/Community-Access/glow-org/g' "$src/examples/roster.example.json" >"$work/admin/roster.json"
cp "$work/admin/roster.json" "$work/roster.before"
glow-roster stats -t -f "$work/admin/roster.json"

# The variables and secrets the provisioning workflow passes
# (examples/workflows/provision.yml), and the files Actions provides.
PROVISIONING_APP_ID=1001
PROVISIONING_APP_PRIVATE_KEY=@$work/app.pem
LEARNING_ROOM_TEMPLATE_REPO=glow-org/learning-room-template
PROVISIONING_STUDENT_OWNER=glow-org
ADMIN_ROSTER_REPO=glow-org/admin
GITHUB_ACTIONS=true
GITHUB_OUTPUT=$work/output
GITHUB_STEP_SUMMARY=$work/summary.md
# An ETag cache kept between passes: an unchanged repository costs 304s.
GLOW_CACHE_DIR=$work/cache
export GLOW_CACHE_DIR ADMIN_ROSTER_REPO PROVISIONING_APP_ID PROVISIONING_APP_PRIVATE_KEY LEARNING_ROOM_TEMPLATE_REPO \
	PROVISIONING_STUDENT_OWNER GITHUB_ACTIONS GITHUB_OUTPUT GITHUB_STEP_SUMMARY

# One pass, as the workflow's step runs it.  The runner hides the
# ::add-mask:: lines (every secret is masked before it is printed); so does
# the demo.
pass() {
	: >"$GITHUB_OUTPUT"
	: >"$GITHUB_STEP_SUMMARY"
	ctl DELETE '' requests
	{ glow-cohort -d "$work/admin" -e glow-org/enrollment 2>&1 >"$work/pass.json"
	  echo $? >"$work/rc"; } | grep -v '^::add-mask::' || :
	echo "exit $(cat "$work/rc"); GITHUB_OUTPUT: $(tr '\n' ' ' <"$GITHUB_OUTPUT")"
}

step "glow-cohort -d admin -e glow-org/enrollment   (the scheduled pass)"
pass
[ "$(cat "$work/rc")" -eq 0 ] || { echo "demo: the pass failed" >&2; exit 1; }

step "the step summary (\$GITHUB_STEP_SUMMARY)"
cat "$GITHUB_STEP_SUMMARY"

step "the roster's changes (what the workflow commits)"
diff -u "$work/roster.before" "$work/admin/roster.json" |
	sed -e "1s|^--- .*|--- a/roster.json|" -e "2s|^+++ .*|+++ b/roster.json|" || :

step "the provisioning log (append-only, one record per attempt)"
jq -c '{github_handle, cohort_id, result, repo, invitation, requests}' "$work/admin/provisioning-log.jsonl"

step "what the simulator saw"
curl -sS "$GITHUB_API_URL/_sim/requests" | jq -r '.[] | "\(.status)  \(.method) \(.path)"'
curl -sS "$GITHUB_API_URL/_sim/state" | jq -r '.repos["glow-org/enrollment"].issues[0].comments[0].body' |
	sed -n '1s/^/comment on carol'"'"'s issue: /p'

step "a second pass: nothing to do"
cp "$work/admin/roster.json" "$work/roster.1"
cp "$work/admin/provisioning-log.jsonl" "$work/log.1"
pass
if cmp -s "$work/roster.1" "$work/admin/roster.json" && cmp -s "$work/log.1" "$work/admin/provisioning-log.jsonl"; then
	echo "roster.json and provisioning-log.jsonl unchanged: nothing to commit"
else
	echo "demo: the second pass changed the roster" >&2
	exit 1
fi
echo "requests: $(curl -sS "$GITHUB_API_URL/_sim/requests" | jq -r 'group_by(.method) | map("\(length) \(.[0].method)") | join(", ")')"

step "done in $(($(date +%s) - start)) s"
