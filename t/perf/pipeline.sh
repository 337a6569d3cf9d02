#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/pipeline.sh: how long glow-provision takes for a cohort of N new
# learners (default 100) when each repository's content arrives 10 to 20 s
# after its generation, as on GitHub; pipelined (the default, -j 16)
# against one learner at a time (-j 1), in the same run, side by side with
# the minimum GitHub's write limits impose.
#
# Each new learner costs two writes (the generation and the invitation),
# and GitHub asks for writes at least 1 s apart, at most 80 a minute and
# 500 an hour (GITHUB-FACTS.md): the minimum is the time of the 2N-th
# write under those rules.  To finish in minutes, the whole world runs ten
# times faster: GLOW_WAIT_SCALE=0.1 shortens every wait of glow's (its
# clock counts the full seconds), and the simulator's content delay (1 to
# 2 s) and content limit (80 per 6 s, 500 per 360 s) are scaled the same.
# Requests themselves take real time, so the figures are, if anything,
# against glow.  A benchmark: it prints figures and never fails.
#
#   sh t/perf/pipeline.sh [N]
set -eu

top=$(cd "${0%/*}/../.." && pwd)
N=${1:-100}
S=0.1
out=$top/build/perf/pipeline
. "$top/t/perf/sim.sh"

sim_config_default | jq --argjson s "$S" '
	.content_limit = {"per_window": 80, "window": (60 * $s), "hourly": 500,
	                  "hour": (3600 * $s), "retry_after": true} |
	.template_delay = (10 * $s) | .template_delay_max = (20 * $s) |
	.primary_limit = 100000' >sim.json
sim_start sim.json

GLOW_TOKEN=ghp_statictoken
LEARNING_ROOM_TEMPLATE_REPO=glow-org/learning-room-template
PROVISIONING_STUDENT_OWNER=glow-org
GLOW_WAIT_SCALE=$S
GLOW_CACHE_DIR=off
export GLOW_TOKEN LEARNING_ROOM_TEMPLATE_REPO PROVISIONING_STUDENT_OWNER \
	GLOW_WAIT_SCALE GLOW_CACHE_DIR

python3 - "$N" <<'PY' >ops.json
import json, sys
print(json.dumps([{"op": "add_user", "login": "pipe%04d" % i} for i in range(int(sys.argv[1]))]))
PY
sim_ctl POST state "$(cat ops.json)" >/dev/null
roster() {
	python3 - "$N" "$1" <<'PY'
import json, sys
n, c = int(sys.argv[1]), sys.argv[2]
print(json.dumps({"version": 1, "cohorts": [{"cohort_id": c}],
                  "learners": [{"github_handle": "pipe%04d" % i, "cohort_id": c}
                               for i in range(n)]}))
PY
}

now() { date +%s.%N; }
# run NAME DEPTH: wall seconds (in GitHub's time: real / S), to stdout
run() {
	roster "$1" >"$1.json"
	sim_ctl DELETE /_sim/requests >/dev/null
	sleep "$(awk -v s="$S" 'BEGIN { print 60 * s }')"   # an empty write window
	t0=$(now)
	glow-provision -j "$2" -f "$1.json" -l "$1.log" >"$1.sum" 2>"$1.err"
	t1=$(now)
	sim_ctl GET /_sim/requests >"$1.req"
	echo "$t0 $t1" | awk -v s="$S" '{ printf "%.1f", ($2 - $1) / s }'
}

# The 2N-th write at 1 s apart, 80 a minute, 500 an hour, from t = 0.
min=$(awk -v n="$N" 'BEGIN { w = 2 * n; t = w - 1;
	m = (int((w - 1) / 80)) * 60; if (m > t) t = m;
	h = (int((w - 1) / 500)) * 3600; if (h > t) t = h; printf "%.1f", t }')

p=$(run piped 16)
s=$(run serial 1)
for r in piped serial; do
	jq -e ".created == $N" "$r.sum" >/dev/null ||
		echo "warning: $r did not create every room: $(cat "$r.sum")" >&2
done
reqs() { jq length "$1.req"; }
looks() { jq '[.[] | select(.path | endswith("/contents/.github/workflows"))] | length' "$1.req"; }
limited() { jq '[.[] | select(.limited != null)] | length' "$1.req"; }

printf 'glow-provision, %d new learners, content arriving 10-20 s after generation\n' "$N"
printf '  (seconds of GitHub time; the world ran %sx, see the script)\n' "$(awk -v s="$S" 'BEGIN { print 1 / s }')"
printf '  %-30s %8s s\n' "minimum the write limits allow" "$min"
printf '  %-30s %8s s  (%+.1f%% of the minimum)  %d requests, %d content looks, %d limited\n' \
	"pipelined (-j 16)" "$p" "$(awk -v a="$p" -v m="$min" 'BEGIN { print (a / m - 1) * 100 }')" \
	"$(reqs piped)" "$(looks piped)" "$(limited piped)"
printf '  %-30s %8s s  (%+.1f%% of the minimum)  %d requests, %d content looks, %d limited\n' \
	"one at a time (-j 1)" "$s" "$(awk -v a="$s" -v m="$min" 'BEGIN { print (a / m - 1) * 100 }')" \
	"$(reqs serial)" "$(looks serial)" "$(limited serial)"
printf '  pipelined is %.1fx faster\n' "$(awk -v a="$p" -v b="$s" 'BEGIN { print b / a }')"
