#!/bin/sh
# SPDX-License-Identifier: ISC
# t/perf/json.sh: parse and reformat (indent 2) a generated ~25 MB roster of
# 100,000 learners with lib/core/json.c (driver t/perf/json-fmt.c) and with
# `jq .`, in the same run; the median of 5 runs of each, side by side.
# Run from anywhere: sh t/perf/json.sh.  Work files go to build/perf/.
set -eu

top=$(cd "${0%/*}/../.." && pwd)
out=$top/build/perf
mkdir -p "$out"

cc -O2 -I"$top/lib" -D_DEFAULT_SOURCE -DJSMN_STATIC -DJSMN_STRICT \
    -DJSMN_PARENT_LINKS -o "$out/json-fmt" "$top/t/perf/json-fmt.c" \
    "$top/lib/core/json.c" "$top/lib/core/buf.c" "$top/lib/core/secret.c" "$top/lib/core/fsio.c"

python3 - "$out/roster.json" <<'PY'
import json, random, sys
random.seed(1)
first = ["Ada", "L\u00e9a", "Zo\u00eb", "Ji\u0159\u00ed", "Mar\u00eda", "Noah",
         "\u674e", "Sven", "Chlo\u00e9", "Ren\u00e9e"]
last = ["Lovelace", "M\u00fcller", "O'Brien", "Dupont", "\u00c5str\u00f6m",
        "Smith \"Jr\"", "Garc\u00eda", "Nakamura", "Nguy\u1ec5n", "Kowalski"]
learners = []
for i in range(100000):
    learners.append({
        "login": "learner%06d" % i,
        "name": "%s %s" % (random.choice(first), random.choice(last)),
        "github_id": 1000000 + i * 7,
        "team": "team-%03d" % (i % 500),
        "status": random.choice(["invited", "accepted", "pending"]),
        "scores": [random.randint(0, 20), random.randint(0, 20)],
        "active": i % 3 != 0,
        "note": None if i % 5 else "needs\textension\n",
    })
doc = {"course": "Intro to C", "year": 2026, "learners": learners}
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=2)
    f.write("\n")
PY

# Milliseconds taken by a command (output to $out/out.json), median of 5.
median5() {
	i=0
	while [ $i -lt 5 ]; do
		t0=$(date +%s%N)
		"$@" >"$out/out.json"
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000000))
		i=$((i + 1))
	done | sort -n | sed -n 3p
}

size=$(wc -c <"$out/roster.json")
glow_parse=$(median5 "$out/json-fmt" -n "$out/roster.json")
glow_fmt=$(median5 "$out/json-fmt" "$out/roster.json")
mv "$out/out.json" "$out/glow.json"
jq_fmt=$(median5 jq . "$out/roster.json")
mv "$out/out.json" "$out/jq.json"
if cmp -s "$out/glow.json" "$out/jq.json"; then same=yes; else same=no; fi

printf 'roster.json: %d bytes, 100000 learners; median of 5 runs\n' "$size"
printf '%-28s %8s\n' 'command' 'ms'
printf '%-28s %8d\n' 'glow parse only' "$glow_parse"
printf '%-28s %8d\n' 'glow parse + indent 2' "$glow_fmt"
printf '%-28s %8d\n' 'jq .' "$jq_fmt"
printf 'same output as jq: %s\n' "$same"
