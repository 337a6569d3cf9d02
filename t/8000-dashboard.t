#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-dashboard render: rosters of 0, 1, 50 and 5,000 learners give
# well-formed GitHub Markdown (every table row has the header's cells, an
# independent GFM parser sees the same tables), within GitHub's issue body
# limit, with no private field in the public view, learners who need
# attention first, and Mermaid blocks that the mermaid package parses (and
# mermaid-cli renders in headless Chromium, when npm and Chromium are here).
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'

GLOW_NOW=2026-03-20T12:00:00.000Z
GITHUB_SERVER_URL=https://github.com
export GLOW_NOW GITHUB_SERVER_URL

# roster N: a valid roster of N learners in three cohorts, every state and
# status, notes carrying a sentinel (and a would-be mention) that the public
# view must never show; log N: a provisioning log for the same learners.
roster() {
	jq -n --argjson n "$1" '
	["pending","provisioned","failed","healed"] as $states |
	["awaiting-ack","active-day1","day1-complete","day2-released","needs-info"] as $st |
	{version: 1, generated_at: "2026-03-19T08:00:00.000Z",
	 cohorts: [{cohort_id: "spring-2026"}, {cohort_id: "autumn-2026"}, {cohort_id: "evening|pipe"}],
	 learners: [range(0; $n) | . as $i |
	   (["spring-2026", "autumn-2026", "evening|pipe"][$i % 3]) as $c |
	   (if $i % 11 == 3 then "failed" elif $i % 13 == 5 then "pending"
	    elif $i % 7 == 0 then "healed" else "provisioned" end) as $s |
	   {github_handle: "learner-\($i)", cohort_id: $c, path: (if $i % 5 == 0 then "day2-only" else "day1-day2" end),
	    learning_room_repo: (if $s == "provisioned" or $s == "healed" then
	        "glow-org/learning-room-\($c | gsub("[^a-z0-9-]"; "-"))-learner-\($i)" else null end),
	    provision_state: $s,
	    status: (if $s == "provisioned" or $s == "healed" then $st[$i % 5] else "awaiting-ack" end),
	    registered_at: "2026-03-01T10:00:00.000Z",
	    last_signal_at: (if $i % 5 == 1 or $i % 5 == 2 then "2026-03-1\($i % 10)T09:30:00.000Z" else null end),
	    enrollment_repo: "glow-org/enrollment", enrollment_issue_number: ($i + 1),
	    notes: "SENTINEL-NOTE-\($i) call @mentor-\($i) about org/repo#\($i) | <b>x</b>",
	    private_extra: "SENTINEL-EXTRA-\($i)"}]}'
}
log() {
	jq -nc --argjson n "$1" '
	range(0; $n) | . as $i |
	(["spring-2026", "autumn-2026", "evening|pipe"][$i % 3]) as $c |
	if $i % 11 == 3 then
	  {github_handle: "learner-\($i)", cohort_id: $c, attempt_at: "2026-03-1\($i % 10)T10:00:00.000Z",
	   result: "error", repo: null, template_sha: null,
	   error_detail: "SENTINEL-ERROR-\($i) 403 Resource not accessible", requests: 2, invitation: null}
	elif $i % 13 == 5 then empty
	else
	  {github_handle: "learner-\($i)", cohort_id: $c,
	   attempt_at: (if $i % 4 == 0 then "2026-03-0\($i % 9 + 1)T10:00:00.000Z"
	     elif $i % 4 == 1 then "2026-03-15T10:00:00.000Z" else "2026-03-19T10:00:00.000Z" end),
	   result: "created", repo: "x", template_sha: null, error_detail: null, requests: 5,
	   invitation: "invited"}
	end'
}

# tables FILE: every Markdown table in FILE is well formed: a header, a
# delimiter row with as many cells, and rows with as many cells (a '|'
# after a backslash is text, not a cell border); every row ends with '|'.
# Prints the number of body rows of each table, one a line.
tables() {
	awk '
	function cells(s,   i, c, n) {
		n = 0
		for (i = 1; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "\\") { i++; continue }
			if (c == "|") n++
		}
		return n
	}
	/^\|/ {
		if (substr($0, length($0)) != "|") { print "row does not end with |: " NR > "/dev/stderr"; bad = 1 }
		n = cells($0)
		if (!intable) { intable = 1; want = n; line = 0; rows = 0 }
		else if (n != want) { print "line " NR ": " n " borders, header has " want > "/dev/stderr"; bad = 1 }
		line++
		if (line == 2 && $0 !~ /^\|(-+:?\|)+$/ && $0 !~ /^\|(---:?\|)+$/) { print "line " NR ": not a delimiter row" > "/dev/stderr"; bad = 1 }
		if (line > 2) rows++
		next
	}
	{ if (intable) print rows; intable = 0 }
	END { if (intable) print rows; exit bad }
	' "$1"
}

# attention_order FILE: in the learners table the attention classes never
# go back: failed, no live invitation, needs info, not accepted, none.
attention_order() {
	awk -F' \\| ' '
	/^\| Learner \|/ { t = 1; next }
	t && /^\|---/ { next }
	t && /^\|/ {
		a = $9
		r = 5
		if (a ~ /provisioning failed/) r = 1
		else if (a ~ /no live invitation/) r = 2
		else if (a ~ /needs info/) r = 3
		else if (a ~ /invitation not accepted/) r = 4
		if (r < last) { print "out of order at line " NR ": " $0 > "/dev/stderr"; exit 1 }
		last = r; n[r]++
		next
	}
	t { t = 0 }
	END { for (k = 1; k <= 5; k++) printf "%d ", n[k]; print "" }
	' "$1"
}

for n in 0 1 50 5000; do
	roster $n >roster-$n.json && log $n >log-$n.jsonl || skip_all 'jq cannot make the rosters'
done

test_expect_success 'the generated rosters validate' '
	for n in 0 1 50 5000; do
		glow-roster validate -f roster-$n.json >/dev/null || return 1
	done
'

for n in 0 1 50 5000; do
	test_expect_success "$n learners: public rendering, marker first, within the limit" '
		glow-dashboard render -l log-'$n'.jsonl -f roster-'$n'.json >pub-'$n'.md 2>err &&
		test ! -s err &&
		test "$(head -n 1 pub-'$n'.md)" = "<!-- glow:dashboard -->" &&
		bytes=$(wc -c <pub-'$n'.md) &&
		test "$bytes" -le 65536 &&
		chars=$(LC_ALL=C.UTF-8 wc -m <pub-'$n'.md) &&
		test "$chars" -le 65536
	'
	test_expect_success "$n learners: every table row has the header's cells" '
		tables pub-'$n'.md >rows &&
		glow-dashboard render -P -l log-'$n'.jsonl -f roster-'$n'.json >priv-'$n'.md &&
		tables priv-'$n'.md >/dev/null &&
		test "$(wc -c <priv-'$n'.md)" -le 65536
	'
	test_expect_success "$n learners: no private field in the public view (the default)" '
		test_grep -v SENTINEL pub-'$n'.md &&
		test_grep -v "@mentor" pub-'$n'.md &&
		test_grep -v "2026-03-01T10:00" pub-'$n'.md &&
		test_grep -v "glow-org/enrollment" pub-'$n'.md &&
		glow-dashboard render -p -l log-'$n'.jsonl -f roster-'$n'.json >pub2 &&
		test_cmp pub-'$n'.md pub2
	'
	test_expect_success "$n learners: the same inputs give the same bytes" '
		glow-dashboard render -l log-'$n'.jsonl -f roster-'$n'.json <roster-'$n'.json >again &&
		test_cmp pub-'$n'.md again
	'
done

test_expect_success 'the private view shows notes, escaped, and error details' '
	test_grep "SENTINEL-NOTE-1 " priv-50.md &&
	test_grep "SENTINEL-ERROR-3 " priv-50.md &&
	test_grep "call &#64;mentor-1 about org/repo&#35;1 \\\\| &lt;b&gt;x&lt;/b&gt;" priv-50.md &&
	test_grep -v SENTINEL-EXTRA priv-50.md &&
	test_grep "Private view" priv-50.md
'

test_expect_success '0 learners: says so, no chart, no table' '
	test_grep "No learners yet" pub-0.md &&
	test_grep -v mermaid pub-0.md &&
	test_grep -v "| Learner |" pub-0.md
'

test_expect_success '50 learners: all listed, attention first in class order' '
	attention_order pub-50.md >classes &&
	read failed noinv info late fine <classes &&
	test $((failed + noinv + info + late + fine)) = 50 &&
	test "$failed" = "$(jq "[.learners[] | select(.provision_state == \"failed\")] | length" roster-50.json)" &&
	test "$noinv" -gt 0 && test "$info" -gt 0 && test "$late" -gt 0 && test "$fine" -gt 0 &&
	test_grep -v Summarised pub-50.md
'

test_expect_success '50 learners: totals agree with the roster' '
	total=$(grep "^| \*\*all cohorts\*\* |" pub-50.md) &&
	test "$total" = "| **all cohorts** | **50** | $(jq -r "[\"pending\",\"provisioned\",\"failed\",\"healed\"] as \$s |
		[\"awaiting-ack\",\"active-day1\",\"day1-complete\",\"day2-released\",\"needs-info\"] as \$t |
		[.learners] as [\$l] | [(\$s[] as \$x | [\$l[] | select(.provision_state == \$x)] | length),
		 (\$t[] as \$x | [\$l[] | select(.status == \$x)] | length)] | map(tostring) | join(\" | \")" roster-50.json) |"
'

test_expect_success '5,000 learners: summarised, attention first, whole rows, a note' '
	attention_order pub-5000.md >classes &&
	read failed noinv info late fine <classes &&
	listed=$((failed + noinv + info + late + fine)) &&
	test "$listed" -lt 5000 &&
	shown=$(sed -n "s/^\*\*Summarised:\*\* \([0-9,]*\) of 5,000 learners are listed.*/\1/p" pub-5000.md | tr -d ,) &&
	test "$shown" = "$listed" &&
	want_failed=$(jq "[.learners[] | select(.provision_state == \"failed\")] | length" roster-5000.json) &&
	test "$failed" = "$want_failed" &&
	test "$(tail -c 1 pub-5000.md | od -An -tx1 | tr -d " ")" = 0a
'

test_expect_success '5,000 learners: render time (figure)' '
	start=$(date +%s%N) &&
	glow-dashboard render -l log-5000.jsonl -f roster-5000.json >/dev/null &&
	end=$(date +%s%N) &&
	echo "render 5000: $(( (end - start) / 1000000 )) ms, $(wc -c <pub-5000.md) bytes" >"$GLOW_BUILD/dashboard-figures.txt" &&
	cat "$GLOW_BUILD/dashboard-figures.txt"
'

test_expect_success 'a smaller limit (-m) is honoured with whole rows' '
	glow-dashboard render -m 8000 -l log-50.jsonl -f roster-50.json >small.md &&
	test "$(wc -c <small.md)" -le 8000 &&
	tables small.md >/dev/null &&
	test_grep Summarised small.md
'

test_expect_success 'an invitations snapshot marks an expired invitation' '
	printf "[{\"github_handle\":\"learner-10\",\"cohort_id\":\"autumn-2026\",\"invitation\":\"expired\",\"created_at\":\"2026-03-02T00:00:00Z\"}]\n" >snap.json &&
	glow-dashboard render -i snap.json -f roster-50.json >snap.md &&
	grep "^| learner-10 |" snap.md >row &&
	test_grep "| expired |" row &&
	test_grep "no live invitation\*\* since 2026-03-02" row
'

test_expect_success 'refusals: bad flags, an invalid roster, a bad log' '
	test_expect_code 2 glow-dashboard render -d -1 -f roster-1.json &&
	test_expect_code 2 glow-dashboard render -m 10 -f roster-1.json &&
	test_expect_code 2 glow-dashboard nonsense &&
	echo "{\"version\":1,\"cohorts\":[],\"learners\":[{\"github_handle\":\"-bad\",\"cohort_id\":\"c\"}]}" >bad.json &&
	test_expect_code 1 glow-dashboard render -f bad.json 2>err &&
	test_grep "^glow-dashboard: invalid roster .bad.json.: learner 0 (-bad@@c): github_handle" err &&
	echo "garbage" >bad.log &&
	test_expect_code 2 glow-dashboard render -l bad.log -f roster-1.json 2>err &&
	test_grep "cannot read .bad.log." err &&
	GLOW_NOW=yesterday test_expect_code 2 glow-dashboard render -f roster-1.json
'

test_expect_success 'the first example of glow-dashboard(1) runs as written' '
	mkdir -p manex && cp roster-50.json manex/roster.json &&
	cp log-50.jsonl manex/provisioning-log.jsonl &&
	sed -n "/^\.Sh EXAMPLES/,/^\.Sh/p" "$GLOW_SRC/man/glow-dashboard.1" |
		sed -n "/^\.Bd -literal/,/^\.Ed/p" | sed -n 2p >manex/cmd &&
	test_grep "^glow-dashboard render " manex/cmd &&
	(cd manex && sh ./cmd >out.md) &&
	test_cmp pub-50.md manex/out.md
'

# GFM as an independent parser reads it, and Mermaid: npm packages
# installed into the build directory at test time, bounded; only these
# checks are skipped when npm cannot install them.
NPM=$GLOW_BUILD/npm
have_npm() { test_npm "$1"; }

if have_npm marked marked; then
	test_expect_success 'marked (GFM) sees the same tables, rows and cells' '
		for n in 1 50 5000; do
			tables pub-$n.md >want &&
			NODE_PATH=$NPM/node_modules node "$T_DIR/dashboard/tables.js" pub-$n.md >got &&
			test_cmp want got || return 1
		done
	'
else
	test_skip 'marked (GFM) sees the same tables, rows and cells' 'npm cannot install marked'
fi

# mermaid blocks: every ```mermaid block of the 50-learner rendering.
awk '/^```mermaid$/ { f = sprintf("chart-%d.mmd", ++n); inb = 1; next }
     /^```$/ { inb = 0; next } inb { print > f }' pub-50.md

if have_npm @mermaid-js/mermaid-cli @mermaid-js/mermaid-cli && test -x /usr/bin/chromium; then
	printf '{"executablePath":"/usr/bin/chromium","args":["--no-sandbox","--disable-gpu","--disable-background-networking","--disable-dev-shm-usage"]}\n' >puppeteer.json
	test_expect_success 'mermaid-cli renders every chart in headless Chromium' '
		ls chart-*.mmd >charts && test "$(wc -l <charts)" = 3 &&
		for f in chart-*.mmd; do
			timeout 120 "$NPM/node_modules/.bin/mmdc" -q -p puppeteer.json \
				-i "$f" -o "$f.svg" >mmdc.log 2>&1 || { cat mmdc.log; return 1; }
			# mmdc exits 0 for a chart it cannot parse, drawing an
			# error diagram instead: the diagram kind tells.
			grep -q "aria-roledescription=\"pie\"" "$f.svg" &&
			grep -q "awaiting-ack" "$f.svg" || return 1
		done
	'
	test_expect_success 'mermaid-cli refuses a broken chart (the check can fail)' '
		printf "pie showData\n    title x\n    awaiting-ack : 1\n" >broken.mmd &&
		timeout 120 "$NPM/node_modules/.bin/mmdc" -q -p puppeteer.json -i broken.mmd -o broken.svg >mmdc.log 2>&1 &&
		! grep -q "aria-roledescription=\"pie\"" broken.svg &&
		grep -q "aria-roledescription=\"error\"" broken.svg
	'
else
	test_skip 'mermaid-cli renders every chart in headless Chromium' 'mermaid-cli or chromium not available'
	test_skip 'mermaid-cli refuses a broken chart (the check can fail)' 'mermaid-cli or chromium not available'
fi

test_expect_success '-t - is standard input: not both the token and the roster from it' '
	printf "{\"version\":1,\"cohorts\":[],\"learners\":[]}\n" >empty.json &&
	: >./- &&
	echo ghp_statictoken | glow-dashboard invitations -n -t - -f empty.json >out 2>err &&
	rm ./- &&
	test_expect_code 2 glow-dashboard invitations -n -t - <empty.json >out 2>err &&
	test_grep "cannot read both the token and the roster from standard input" err
'

test_done
