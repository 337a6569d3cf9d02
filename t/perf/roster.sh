#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/roster.sh: glow-roster validate, fmt, select and redact over a
# generated roster of 100,000 learners, side by side with jq doing the
# equivalent work in the same run: the median wall time of 5 runs each and
# the peak resident memory (GNU time's %M; Debian package "time").
#
#   make && sh t/perf/roster.sh [LEARNERS]
#
# Work files go to build/perf/.  Targets (issue 4): each glow command under
# 0.5 s, peak memory under 4 times the input, faster than jq.
set -eu

top=$(cd "${0%/*}/../.." && pwd)
bin=${GLOW_BIN:-$top/build/bin}
out=$top/build/perf
n=${1:-100000}
mkdir -p "$out"
[ -x "$bin/glow-roster" ] || { echo "roster.sh: build first (make)" >&2; exit 2; }
command -v jq >/dev/null || { echo "roster.sh: needs jq" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "roster.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

# The roster, in canonical form as glow-roster fmt writes it: 8 cohorts,
# every state and status, some notes with escapes, some unknown fields.
awk -v n="$n" 'BEGIN {
	split("pending provisioned failed healed", st, " ")
	split("awaiting-ack active-day1 day1-complete day2-released needs-info", ss, " ")
	printf "{\n  \"version\": 1,\n  \"generated_at\": \"2026-03-01T10:00:00.000Z\",\n  \"cohorts\": [\n"
	for (c = 0; c < 8; c++)
		printf "    {\n      \"cohort_id\": \"cohort-%d\",\n      \"label\": \"Cohort %d\"\n    }%s\n", c, c, c < 7 ? "," : ""
	printf "  ],\n  \"learners\": [\n"
	for (i = 0; i < n; i++) {
		h = sprintf("learner-%06d", i)
		c = sprintf("cohort-%d", i % 8)
		s = st[i % 4 + 1]
		printf "    {\n"
		printf "      \"github_handle\": \"%s\",\n", h
		printf "      \"cohort_id\": \"%s\",\n", c
		printf "      \"path\": \"%s\",\n", i % 7 ? "day1-day2" : "day2-only"
		if (s == "pending")
			printf "      \"learning_room_repo\": null,\n"
		else
			printf "      \"learning_room_repo\": \"Community-Access/learning-room-%s-%s\",\n", c, h
		printf "      \"provision_state\": \"%s\",\n", s
		printf "      \"status\": \"%s\",\n", ss[i % 5 + 1]
		printf "      \"registered_at\": \"2026-02-%02dT%02d:%02d:00.000Z\",\n", i % 28 + 1, i % 24, i % 60
		if (i % 3)
			printf "      \"last_signal_at\": \"2026-03-%02dT10:00:00.000Z\",\n", i % 28 + 1
		else
			printf "      \"last_signal_at\": null,\n"
		printf "      \"enrollment_repo\": \"Community-Access/glow-enroll\",\n"
		printf "      \"enrollment_issue_number\": %d,\n", i + 1
		if (i % 10 == 0)
			printf "      \"notes\": \"needs \\\"captions\\\"\\nand extra time\"%s\n", i % 20 ? "" : ","
		else
			printf "      \"notes\": \"\"\n"
		if (i % 20 == 0)
			printf "      \"pronouns\": \"they/them\"\n"
		printf "    }%s\n", i < n - 1 ? "," : ""
	}
	printf "  ]\n}\n"
}' >"$out/roster.json"
size=$(wc -c <"$out/roster.json")

# The jq equivalents.
jq_validate='
def handle: test("^@?[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$");
def time: test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|\\+00:00)$");
(.version == 1)
and all(.learners[];
	(.github_handle | type == "string" and handle)
	and (.cohort_id | type == "string" and length > 0)
	and (.path | IN("day1-day2", "day2-only"))
	and (.provision_state | IN("pending", "provisioned", "failed", "healed"))
	and (.status | IN("awaiting-ack", "active-day1", "day1-complete", "day2-released", "needs-info"))
	and (.registered_at == null or (.registered_at | time))
	and (.last_signal_at == null or (.last_signal_at | time))
	and (.enrollment_issue_number == null or (.enrollment_issue_number | type == "number")))
and ([.learners[] | (.github_handle | ascii_downcase) + "@@" + .cohort_id]
	| length == (unique | length))'
jq_fmt='.learners |= sort_by((.github_handle | ascii_downcase) + "@@" + .cohort_id)'
jq_select='[.learners[] | select(.provision_state == "pending" or .provision_state == "failed")]'
jq_redact='{version, generated_at, cohorts: [.cohorts[] | {cohort_id, "label": .label}],
	learners: [.learners[] | {github_handle, cohort_id, path, provision_state, status}]}'

# Five runs under GNU time: prints the medians "wall-ms cpu-ms peak-KiB"
# (cpu = user + system); the output of the last run is $out/out.json.
run5() {
	: >"$out/time.txt"
	i=0
	while [ $i -lt 5 ]; do
		/usr/bin/time -a -o "$out/time.txt" -f '%e %U %S %M' \
		    "$@" <"$out/roster.json" >"$out/out.json"
		i=$((i + 1))
	done
	awk '{ w[NR] = $1 * 1000; c[NR] = ($2 + $3) * 1000; m[NR] = $4 }
	function med(a,   i, j, t) {
		for (i = 1; i <= 5; i++) for (j = i + 1; j <= 5; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[3]
	}
	END { printf "%d %d %d\n", med(w), med(c), med(m) }' "$out/time.txt"
}

printf 'roster: %d learners, %d bytes (%.1f MB), canonical form; median of 5 runs\n' \
    "$n" "$size" "$(echo "$size / 1000000" | bc -l)"
printf 'load average: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '%-9s %8s %8s %8s %8s %8s %8s %9s %9s %8s\n' command 'glow ms' 'cpu ms' \
    'jq ms' 'cpu ms' 'wall x' 'cpu x' 'glow MiB' 'jq MiB' 'RSS/in'
row() {
	name=$1
	shift
	set -- $(run5 "$bin/glow-roster" "$@")
	gw=$1 gc=$2 gk=$3
	cp "$out/out.json" "$out/glow-$name.json"
	set -- $(run5 jq "$jqf")
	jw=$1 jc=$2 jk=$3
	cp "$out/out.json" "$out/jq-$name.json"
	printf '%-9s %8d %8d %8d %8d %8.1f %8.1f %9.1f %9.1f %7.2fx\n' "$name" \
	    "$gw" "$gc" "$jw" "$jc" \
	    "$(echo "$jw / ($gw + 0.5)" | bc -l)" "$(echo "$jc / ($gc + 0.5)" | bc -l)" \
	    "$(echo "$gk / 1024" | bc -l)" "$(echo "$jk / 1024" | bc -l)" \
	    "$(echo "$gk * 1024 / $size" | bc -l)"
}
jqf=$jq_validate; row validate validate
jqf=$jq_fmt; row fmt fmt
jqf=$jq_select; row select select -s pending,failed
jqf=$jq_redact; row redact redact

# The outputs agree where the work is the same.
for c in fmt select redact; do
	if cmp -s "$out/glow-$c.json" "$out/jq-$c.json"; then s=same; else s=DIFFERENT; fi
	echo "$c: glow and jq output $s"
done
