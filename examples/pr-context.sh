#!/bin/sh
# SPDX-License-Identifier: ISC
# examples/pr-context.sh: a glow-trigger workflow that builds a pull
# request's context, as the seed's "GitHub trigger node" does: the pull
# request, its diff, its files and its comments, through glow-api (one
# batch, so retries, rate limits and pacing are glow's).
#
#   {"workflows": [{"id": "pr-context", "on": "pull_request",
#     "actions": ["opened", "synchronize", "reopened"],
#     "run": "sh examples/pr-context.sh >pr-$GLOW_DELIVERY.json"}]}
#
# Reads the envelope on stdin and prints one JSON object:
#
#   {"repository", "number", "pull_request", "diff", "diff_error",
#    "files", "comments"}
#
# GitHub answers the diff media type with 406 above 300 changed files: then
# "diff" is null, "diff_error" says why, and "files" (at most 3000, each
# with its "patch") is the context to use.  The token: GLOW_TOKEN (or
# GH_TOKEN, GITHUB_TOKEN) when set, else an installation token that
# glow-token mints for $GLOW_INSTALLATION_ID (App credentials in its
# environment, see glow-token(1)).  Needs jq.
set -eu

command -v jq >/dev/null 2>&1 || { echo "pr-context.sh: needs jq" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pr-context.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

cat >"$tmp/envelope"
repo=$(jq -r '.repository // .payload.repository.full_name // empty' "$tmp/envelope")
n=$(jq -r '.payload.pull_request.number // .payload.number // empty' "$tmp/envelope")
case $repo in
*/*/* | *[!A-Za-z0-9._/-]* | /* | */ | '') echo "pr-context.sh: bad repository '$repo'" >&2; exit 2 ;;
esac
case $n in
'' | *[!0-9]*) echo "pr-context.sh: not a pull request envelope" >&2; exit 2 ;;
esac

token=
if [ -z "${GLOW_TOKEN:-}${GH_TOKEN:-}${GITHUB_TOKEN:-}" ] && [ -n "${GLOW_INSTALLATION_ID:-}" ]; then
	(umask 077 && glow-token -i "$GLOW_INSTALLATION_ID" >"$tmp/token")
	token=$tmp/token
fi

jq -nc --arg r "$repo" --arg n "$n" '
	{path: "/repos/\($r)/pulls/\($n)"},
	{path: "/repos/\($r)/pulls/\($n)", accept: "application/vnd.github.diff"},
	{path: "/repos/\($r)/pulls/\($n)/files", paginate: true},
	{path: "/repos/\($r)/issues/\($n)/comments", paginate: true}' >"$tmp/batch"
# 1: some call answered an error status (the diff's 406 is expected)
s=0
glow-api -b ${token:+-t "$token"} <"$tmp/batch" >"$tmp/answers" || s=$?
[ "$s" -le 1 ] || exit "$s"
jq -se 'length == 4 and .[0].status == 200 and .[2].status == 200 and
	.[3].status == 200' "$tmp/answers" >/dev/null ||
	{ echo "pr-context.sh: cannot read $repo#$n" >&2; exit 1; }
jq -s --arg r "$repo" --argjson n "$n" '{
	repository: $r,
	number: $n,
	pull_request: .[0].body,
	diff: (if .[1].status == 200 then .[1].body else null end),
	diff_error: (if .[1].status == 200 then null
	    else "\(.[1].status) \(.[1].body.message? // "")" end),
	files: .[2].body,
	comments: .[3].body
}' "$tmp/answers"
