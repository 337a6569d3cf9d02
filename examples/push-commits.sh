#!/bin/sh
# SPDX-License-Identifier: ISC
# examples/push-commits.sh: a glow-trigger workflow that builds a push's
# context: every pushed commit, read through glow-api (one batch).
#
#   {"workflows": [{"id": "push-commits", "on": "push",
#     "branches": ["main"], "run": "sh examples/push-commits.sh"}]}
#
# Reads the envelope on stdin and prints one JSON object:
#
#   {"repository", "ref", "before", "after", "truncated", "commits"}
#
# A push payload lists at most 2048 commits (GitHub's webhook
# documentation); "truncated" is true when it lists that many, and the
# rest can be had from GET /repos/{o}/{r}/compare/{before}...{after}.  A
# branch deletion lists none.  The token as in pr-context.sh.  Needs jq.
set -eu

command -v jq >/dev/null 2>&1 || { echo "push-commits.sh: needs jq" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/push-commits.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

cat >"$tmp/envelope"
jq -e '.event == "push"' "$tmp/envelope" >/dev/null ||
	{ echo "push-commits.sh: not a push envelope" >&2; exit 2; }
repo=$(jq -r '.repository // .payload.repository.full_name // empty' "$tmp/envelope")
case $repo in
*/*/* | *[!A-Za-z0-9._/-]* | /* | */ | '') echo "push-commits.sh: bad repository '$repo'" >&2; exit 2 ;;
esac

token=
if [ -z "${GLOW_TOKEN:-}${GH_TOKEN:-}${GITHUB_TOKEN:-}" ] && [ -n "${GLOW_INSTALLATION_ID:-}" ]; then
	(umask 077 && glow-token -i "$GLOW_INSTALLATION_ID" >"$tmp/token")
	token=$tmp/token
fi

# commit ids are hex; anything else is refused rather than put in a path
jq -c --arg r "$repo" '.payload.commits // [] | .[] | .id |
	if test("^[0-9a-f]{4,64}$") then {path: "/repos/\($r)/commits/\(.)"}
	else error("bad commit id \(.)") end' "$tmp/envelope" >"$tmp/batch" ||
	{ echo "push-commits.sh: a commit id that is not one" >&2; exit 2; }
: >"$tmp/answers"
if [ -s "$tmp/batch" ]; then
	glow-api -b ${token:+-t "$token"} <"$tmp/batch" >"$tmp/answers"
fi
jq -n --slurpfile e "$tmp/envelope" --slurpfile a "$tmp/answers" --arg r "$repo" '
	$e[0].payload as $p | {
	repository: $r,
	ref: $p.ref,
	before: $p.before,
	after: $p.after,
	truncated: (($p.commits // []) | length >= 2048),
	commits: [$a[] | .body]
}'
