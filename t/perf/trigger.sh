#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/trigger.sh: glow-trigger's envelope-rule evaluations per second
# (issue 6 target: over 100,000).  100 generated rules (events, actions,
# repository, branch, tag and path patterns with negations, authors,
# labels) are matched in-process (t/perf/trigger-bench.c over
# lib/events/rules.c, the code glow-trigger runs) against three
# envelopes: a push of 50 commits touching 200 files, a pull request with
# labels, an issue.  Each envelope is parsed anew for every pass over the
# rules, so the figure includes reading the envelope.
#
#   make && sh t/perf/trigger.sh [PASSES]
#
# Work files go to build/perf/.
set -eu

top=$(cd "${0%/*}/../.." && pwd)
bin=${GLOW_BIN:-$top/build/bin}
out=$top/build/perf/trigger
n=${1:-20000}
mkdir -p "$out"
[ -x "$bin/glow-trigger" ] || { echo "trigger.sh: build first (make)" >&2; exit 2; }

awk 'BEGIN {
	printf "{\"workflows\": [\n"
	for (i = 0; i < 100; i++) {
		k = i % 5
		printf "  {\"id\": \"rule-%03d\", ", i
		if (k == 0)
			printf "\"on\": \"push\", \"branches\": [\"main\", \"release/v[0-9]+.*\", \"!release/**-rc\"], \"paths\": [\"src/mod%d/**\", \"!**.md\"]", i
		else if (k == 1)
			printf "\"on\": [\"push\", \"pull_request\"], \"repository\": [\"org-%d/*\", \"glow-org/app\"], \"paths-ignore\": [\"docs/**\", \"**/*.txt\"]", i
		else if (k == 2)
			printf "\"on\": \"pull_request\", \"actions\": [\"opened\", \"synchronize\"], \"branches-ignore\": [\"wip/**\"], \"labels\": [\"area-%d\", \"bug\"]", i
		else if (k == 3)
			printf "\"on\": [\"issues\", \"issue_comment\"], \"authors\": [\"user%d\", \"alice\"], \"labels\": [\"triage\"]", i
		else
			printf "\"on\": \"push\", \"tags\": [\"v%d.*\", \"v[0-9]+.[0-9]+.[0-9]+\"]", i
		printf ", \"run\": \"true\"}%s\n", i < 99 ? "," : ""
	}
	printf "]}\n"
}' >"$out/rules.json"

awk 'BEGIN {
	printf "{\"event\":\"push\",\"action\":null,\"delivery_id\":\"p-1\",\"hook_id\":1,\"installation_id\":42,\"repository\":\"glow-org/app\",\"sender\":{\"login\":\"alice\",\"type\":\"User\"},\"received_at\":\"2030-01-01T00:00:00Z\",\"payload\":{\"ref\":\"refs/heads/main\",\"commits\":["
	for (c = 0; c < 50; c++) {
		printf "%s{\"id\":\"%040d\",\"message\":\"commit %d\",\"added\":[", c ? "," : "", c, c
		for (f = 0; f < 4; f++)
			printf "%s\"src/mod%d/dir%d/file%d.c\"", f ? "," : "", (c * 4 + f) % 97, c, f
		printf "],\"modified\":[],\"removed\":[]}"
	}
	printf "]}}\n"
}' >"$out/push.json"
printf '%s\n' '{"event":"pull_request","action":"opened","delivery_id":"pr-1","hook_id":1,"installation_id":42,"repository":"glow-org/app","sender":{"login":"bob","type":"User"},"received_at":"2030-01-01T00:00:00Z","payload":{"number":7,"pull_request":{"number":7,"user":{"login":"bob"},"base":{"ref":"main"},"labels":[{"name":"bug"},{"name":"area-7"}]}}}' >"$out/pr.json"
printf '%s\n' '{"event":"issues","action":"opened","delivery_id":"i-1","hook_id":1,"installation_id":42,"repository":"glow-org/app","sender":{"login":"alice","type":"User"},"received_at":"2030-01-01T00:00:00Z","payload":{"issue":{"user":{"login":"alice"},"labels":[{"name":"triage"}]}}}' >"$out/issue.json"

"$bin/glow-trigger" -c "$out/rules.json"
# The driver, built against the library of this build (make first).
lib=${GLOW_BUILD:-$top/build}/libglow.a
cc -O2 -I"$top/lib" -D_DEFAULT_SOURCE -D_GNU_SOURCE -DJSMN_STATIC -DJSMN_STRICT \
    -DJSMN_PARENT_LINKS -o "$out/trigger-bench" "$top/t/perf/trigger-bench.c" \
    "$lib" -lcurl -lbearssl
echo "trigger-bench (lib/events/rules.c): 100 rules, $n passes per envelope"
for e in push pr issue; do
	printf '%-6s ' "$e"
	"$out/trigger-bench" "$n" "$out/rules.json" "$out/$e.json"
done | awk '{ print; ev += $7; s += $11 }
	END { printf "total  evaluations %d seconds %.3f evaluations_per_second %.0f (target > 100000)\n", ev, s, ev / s }'
