#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/provision.sh: glow-provision's request cost and pacing against the
# simulator (t/ghsim.py), real time (no GLOW_WAIT_SCALE).
#
#   1. a cohort of N learners (default 200), all new: requests per new
#      learner (target <= 4), the listing and the template's head included;
#   2. the same roster again: requests per healthy learner (target < 0.05);
#   3. -a twice on the unchanged cohort: the second pass must be only 304s;
#   4. a slower template (content after 0.5 s): requests per new learner;
#   5. the secondary content-creation limit scaled down to P per W seconds
#      (default 30 per 2 s: each new learner costs two content-creating
#      requests, generate and the invitation): zero secondary-limit answers,
#      and the wall time of run 1 within 15% of the minimum the limit
#      allows, (ceil(2N / P) - 1) * W seconds.
#
#   sh t/perf/provision.sh [N [P [W]]]
#
# Work files go to build/perf/provision.  Exit 1 if a target is missed.
set -eu

top=$(cd "${0%/*}/../.." && pwd)
N=${1:-200}
P=${2:-30}
W=${3:-2}
out=$top/build/perf/provision
. "$top/t/perf/sim.sh"

sim_config_default | jq --argjson p "$P" --argjson w "$W" '
	.content_limit = {"per_window": $p, "window": $w, "hourly": 100000,
	                  "hour": 3600, "retry_after": true} |
	.template_delay = 0.05 | .primary_limit = 100000' >sim.json
sim_start sim.json

GLOW_TOKEN=ghp_statictoken
LEARNING_ROOM_TEMPLATE_REPO=glow-org/learning-room-template
PROVISIONING_STUDENT_OWNER=glow-org
GLOW_PACE="0,$P/$W"
GLOW_CACHE_DIR=$out/cache
export GLOW_TOKEN LEARNING_ROOM_TEMPLATE_REPO PROVISIONING_STUDENT_OWNER \
	GLOW_PACE GLOW_CACHE_DIR

# N users, and a roster of N pending learners
python3 - "$N" <<'PY' >ops.json
import json, sys
n = int(sys.argv[1])
print(json.dumps([{"op": "add_user", "login": "perf%04d" % i} for i in range(n)]))
PY
sim_ctl POST state "$(cat ops.json)" >/dev/null
python3 - "$N" <<'PY' >roster.json
import json, sys
n = int(sys.argv[1])
print(json.dumps({"version": 1, "cohorts": [{"cohort_id": "perf"}],
                  "learners": [{"github_handle": "perf%04d" % i, "cohort_id": "perf"}
                               for i in range(n)]}))
PY

now() { date +%s.%N; }
reqs() { sim_ctl GET /_sim/requests | jq length; }
clear() { sim_ctl DELETE /_sim/requests >/dev/null; }
fail=0
check() {       # check LABEL CONDITION(awk expression over $1) VALUE
	if awk -v v="$3" "BEGIN { exit !($2) }"; then
		printf '  %-58s %s\n' "$1" "ok"
	else
		printf '  %-58s %s\n' "$1" "MISSED"
		fail=1
	fi
}

echo "glow-provision: $N learners; content limit $P per $W s; template delay 0.05 s"

clear
t0=$(now)
glow-provision -f roster.json -l log.jsonl >run1.json 2>run1.err
t1=$(now)
r1=$(reqs)
sec=$(sim_state .secondary_limited)
created=$(jq .created run1.json)
wall=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')
min=$(awk -v n="$N" -v p="$P" -v w="$W" 'BEGIN {
	k = 2 * n; b = int((k + p - 1) / p); printf "%.2f", (b - 1) * w }')
polls=$(sim_ctl GET '/_sim/requests?path=/contents/' | jq length)
per_new=$(awk -v r="$r1" -v n="$N" 'BEGIN { printf "%.3f", r / n }')
over=$(awk -v a="$wall" -v m="$min" 'BEGIN { printf "%.1f", (a / m - 1) * 100 }')

clear
glow-provision -f roster.json -l log.jsonl >run2.json 2>run2.err
r2=$(reqs)
per_healthy=$(awk -v r="$r2" -v n="$N" 'BEGIN { printf "%.3f", r / n }')

glow-provision -a -f roster.json -l log.jsonl >run3.json 2>run3.err
clear
glow-provision -a -f roster.json -l log.jsonl >run4.json 2>run4.err
r4=$(reqs)
not304=$(sim_ctl GET /_sim/requests | jq '[.[] | select(.status != 304)] | length')
per_all=$(awk -v r="$r4" -v n="$N" 'BEGIN { printf "%.3f", r / n }')

# 5. a slower template (content after D seconds, as GitHub takes seconds):
#    the first wait adapts, so the checks stay near one per learner
D=0.5
M=20
sim_ctl POST state "{\"op\":\"set_config\",\"template_delay\":$D}" >/dev/null
python3 - "$M" <<'PY' >slow.json
import json, sys
n = int(sys.argv[1])
print(json.dumps({"version": 1, "cohorts": [{"cohort_id": "slow"}],
                  "learners": [{"github_handle": "perf%04d" % i, "cohort_id": "slow"}
                               for i in range(n)]}))
PY
clear
glow-provision -f slow.json -l slow.jsonl >run5.json 2>run5.err
r5=$(reqs)
polls5=$(sim_ctl GET '/_sim/requests?path=/contents/' | jq length)
per_slow=$(awk -v r="$r5" -v n="$M" 'BEGIN { printf "%.3f", r / n }')
wc5=$(jq .wait_content_s run5.json)

printf '\nrun 1 (all new):       %s created, %s requests = %s per new learner (%s content checks)\n' \
	"$created" "$r1" "$per_new" "$polls"
printf '                       wall %s s, minimum the limit allows %s s (+%s%%), %s secondary-limit answers\n' \
	"$wall" "$min" "$over" "$sec"
printf 'run 2 (healthy):       %s requests = %s per learner\n' "$r2" "$per_healthy"
printf 'run 4 (-a, unchanged): %s requests = %s per learner, %s not 304\n' \
	"$r4" "$per_all" "$not304"
printf 'run 5 (%s new, content after %s s): %s requests = %s per new learner (%s content checks, %s s waited)\n\n' \
	"$M" "$D" "$r5" "$per_slow" "$polls5" "$wc5"

check "requests per new learner <= 4" "v <= 4" "$per_new"
check "requests per new learner, slower template, <= 4" "v <= 4" "$per_slow"
check "requests per healthy learner on a re-run < 0.05" "v < 0.05" "$per_healthy"
check "-a on an unchanged cohort: only 304s" "v == 0" "$not304"
check "zero secondary-limit answers" "v == 0" "$sec"
check "wall time within 15% of the limit's minimum" "v <= 15" "$over"
check "every learner created" "v == $N" "$created"
exit $fail
