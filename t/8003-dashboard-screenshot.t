#!/bin/sh
# SPDX-License-Identifier: ISC
# A screenshot of the dashboard as GitHub shows it: the Markdown rendered by
# an independent GFM parser (marked), GitHub's Markdown CSS, the Mermaid
# charts drawn by mermaid in headless Chromium.  Kept as a test artifact in
# $GLOW_BUILD/artifacts/dashboard.png.  Skipped when npm or Chromium is not
# here.
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v node >/dev/null 2>&1 || skip_all 'node not installed'
test -x /usr/bin/chromium || skip_all 'chromium not installed (/usr/bin/chromium)'
NPM=$GLOW_BUILD/npm
test_npm marked @mermaid-js/mermaid-cli github-markdown-css ||
	skip_all 'npm cannot install marked, mermaid-cli and github-markdown-css'
test -f "$NPM/node_modules/puppeteer/package.json" || skip_all 'puppeteer did not come with mermaid-cli'

GLOW_NOW=2026-03-12T09:00:00.000Z
GITHUB_SERVER_URL=https://github.com
export GLOW_NOW GITHUB_SERVER_URL

test_expect_success 'setup: a small cohort with every kind of trouble' '
	jq -n "{version: 1, generated_at: \"2026-03-12T08:55:00.000Z\",
	  cohorts: [{cohort_id: \"spring-2026\"}, {cohort_id: \"autumn-2026\"}],
	  learners: [
	    [\"ada-l\", \"spring-2026\", \"provisioned\", \"day1-complete\", \"2026-03-11T16:02:00.000Z\"],
	    [\"grace-h\", \"spring-2026\", \"provisioned\", \"active-day1\", \"2026-03-11T10:40:00.000Z\"],
	    [\"alan-t\", \"spring-2026\", \"failed\", \"awaiting-ack\", null],
	    [\"edsger-d\", \"spring-2026\", \"provisioned\", \"needs-info\", \"2026-03-10T09:15:00.000Z\"],
	    [\"barbara-l\", \"spring-2026\", \"provisioned\", \"awaiting-ack\", null],
	    [\"ken-t\", \"spring-2026\", \"healed\", \"day2-released\", \"2026-03-12T08:30:00.000Z\"],
	    [\"radia-p\", \"spring-2026\", \"provisioned\", \"active-day1\", \"2026-03-09T13:00:00.000Z\"],
	    [\"donald-k\", \"autumn-2026\", \"provisioned\", \"awaiting-ack\", null],
	    [\"frances-a\", \"autumn-2026\", \"provisioned\", \"active-day1\", \"2026-03-11T18:20:00.000Z\"],
	    [\"john-b\", \"autumn-2026\", \"pending\", \"awaiting-ack\", null],
	    [\"margaret-h\", \"autumn-2026\", \"provisioned\", \"day1-complete\", \"2026-03-12T07:45:00.000Z\"]
	  ] | map({github_handle: .[0], cohort_id: .[1], provision_state: .[2], status: .[3],
	           last_signal_at: .[4], notes: \"SENTINEL-NOTE\",
	           learning_room_repo: (if .[2] == \"provisioned\" or .[2] == \"healed\" then
	             \"glow-org/learning-room-\(.[1])-\(.[0])\" else null end)})}" >roster.json &&
	glow-roster validate -f roster.json >/dev/null &&
	jq -nc "
	  {github_handle: \"alan-t\", cohort_id: \"spring-2026\", attempt_at: \"2026-03-11T09:00:00.000Z\",
	   result: \"error\", error_detail: \"403 Resource not accessible by integration\", invitation: null},
	  {github_handle: \"barbara-l\", cohort_id: \"spring-2026\", attempt_at: \"2026-03-01T09:00:00.000Z\",
	   result: \"created\", invitation: \"invited\"},
	  {github_handle: \"donald-k\", cohort_id: \"autumn-2026\", attempt_at: \"2026-03-07T09:00:00.000Z\",
	   result: \"created\", invitation: \"invited\"}" >log.jsonl &&
	glow-dashboard render -l log.jsonl -f roster.json >dashboard.md
'

test_expect_success 'the screenshot: two tables, two pie charts drawn, no error' '
	mkdir -p "$GLOW_BUILD/artifacts" &&
	NODE_PATH=$NPM/node_modules timeout 180 node "$T_DIR/dashboard/screenshot.js" \
		dashboard.md "$GLOW_BUILD/artifacts/dashboard.png" >stats.json 2>node.err &&
	cat stats.json &&
	test "$(jq .tables stats.json)" = 2 &&
	test "$(jq .rows stats.json)" = $((2 + 1 + 11)) &&
	test "$(jq -c .chart_kinds stats.json)" = "[\"pie\",\"pie\"]" &&
	test "$(jq -c .errors stats.json)" = "[]" &&
	test "$(head -c 8 "$GLOW_BUILD/artifacts/dashboard.png" | od -An -tx1 | tr -d " ")" = 89504e470d0a1a0a &&
	size=$(wc -c <"$GLOW_BUILD/artifacts/dashboard.png") &&
	test "$size" -gt 20000 && test "$size" -lt 1000000 &&
	cp dashboard.md "$GLOW_BUILD/artifacts/dashboard.md"
'

test_expect_success 'the public screenshot has no notes' '
	test_grep -v SENTINEL dashboard.md
'

test_done
