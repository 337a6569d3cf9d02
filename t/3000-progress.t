#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-progress derive and apply: snapshots to statuses, statuses into the
# roster (no network here; fetch is t/3001-progress-fetch.t).
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'

cat >snaps.jsonl <<'EOF'
{"key":"alice@@spring","github_handle":"alice","cohort_id":"spring","path":"day1-day2","repo":"glow-org/learning-room-spring-alice","comments":[{"user":"teacher","created_at":"2026-09-01T08:00:00Z","body":"Reply ack when you are ready"},{"user":"alice","created_at":"2026-09-01T09:00:00Z","body":"Ack!"}],"issues":[],"pulls":[]}
{"key":"bob@@spring","github_handle":"bob","path":"day1-day2","issues":[{"number":1,"title":"Challenge 1: explore","state":"closed","closed_at":"2026-09-02T10:00:00Z","labels":[]},{"number":2,"title":"Challenge 2: branch","state":"open","labels":[]},{"number":3,"title":"My change","state":"closed","labels":[],"pull_request":true}],"pulls":[{"number":3,"merged_at":"2026-09-02T11:00:00Z","body":"Fixes #2"}]}
{"key":"carol@@spring","github_handle":"carol","path":"day2-only"}
{"key":"dave@@spring","github_handle":"dave","issues":[{"number":1,"title":"Welcome","state":"open","labels":[{"name":"Day2-Released"}]}]}
{"key":"erin@@spring","github_handle":"erin","comments":[{"user":"erin","body":"I acknowledge it","created_at":"2026-09-03T00:00:00Z"}]}
{"key":"frank@@spring","github_handle":"frank","issues":[{"number":1,"title":"Help","state":"open","labels":["needs-info","acked"]}]}
EOF

test_expect_success 'derive: one line per snapshot, by the rules' '
	glow-progress derive snaps.jsonl >out &&
	test $(wc -l <out) = 6 &&
	jq -r "[.key, .status, (.last_signal_at // \"-\"), (.evidence.rule // \"-\"), (.evidence.challenges | map(tostring) | join(\",\"))] | join(\" \")" out >got &&
	cat >want <<-\EOF &&
	alice@@spring active-day1 2026-09-01T09:00:00Z comment:ack 
	bob@@spring active-day1 2026-09-02T11:00:00Z challenge 1,2
	carol@@spring day1-complete - path:day2-only 
	dave@@spring day2-released - label:day2-released 
	erin@@spring awaiting-ack 2026-09-03T00:00:00Z - 
	frank@@spring needs-info - label:needs-info 
	EOF
	test_cmp want got
'

test_expect_success 'derive: stdin gives the same bytes, every time' '
	glow-progress derive snaps.jsonl >one &&
	glow-progress derive <snaps.jsonl >two &&
	glow-progress derive - <snaps.jsonl >three &&
	test_cmp one two &&
	test_cmp one three
'

test_expect_success 'derive: the evidence lists every signal found' '
	glow-progress derive snaps.jsonl >out &&
	test "$(jq -c "select(.key == \"frank@@spring\") | .evidence.signals" out)" = "[\"label:needs-info\",\"label:acked\"]"
'

test_expect_success 'derive: a bad line is reported by file and line, the others derived' '
	{ sed -n 1p snaps.jsonl; echo "{\"key\": 1}"; echo; echo "not json"; sed -n 3p snaps.jsonl; } >mixed.jsonl &&
	test_expect_code 1 glow-progress derive mixed.jsonl >out 2>err &&
	test $(wc -l <out) = 2 &&
	test_grep "^glow-progress: cannot derive .mixed.jsonl:2.: key is not a string$" err &&
	test_grep "^glow-progress: cannot derive .mixed.jsonl:4.: " err &&
	test $(wc -l <err) = 2
'

test_expect_success 'derive: an unreadable file exits 2' '
	test_expect_code 2 glow-progress derive no-such-file >out 2>err &&
	test_grep "^glow-progress: cannot read .no-such-file.: " err
'

test_expect_success 'derive: the example of the manual' '
	sed -n "/^Derive a hand-written snapshot/,/^\.Ed/p" "$GLOW_SRC/man/glow-progress.1" >ex &&
	sed -n "s/^\\$ //p; /^    glow-progress derive/p" ex | sed "s/^ *//" >cmd &&
	test $(wc -l <cmd) = 2 &&
	sed -n "/^{/,/^\.Ed/p" ex | sed "/^\.Ed/d" | tr -d "\n" >want &&
	echo >>want &&
	sh cmd >got &&
	test_cmp want got
'

# A canonical roster (glow-roster(5)): what apply edits.
cat >roster.orig <<'EOF'
{
  "version": 1,
  "generated_at": "2026-09-01T00:00:00.000Z",
  "cohorts": [
    {
      "cohort_id": "spring",
      "label": "Spring"
    }
  ],
  "learners": [
    {
      "github_handle": "alice",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": "glow-org/learning-room-spring-alice",
      "provision_state": "provisioned",
      "status": "awaiting-ack",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": null,
      "enrollment_repo": "glow-org/enrollment",
      "enrollment_issue_number": 4,
      "notes": "private: prefers email",
      "x_custom": {
        "kept": true
      }
    },
    {
      "github_handle": "bob",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": "glow-org/learning-room-spring-bob",
      "provision_state": "provisioned",
      "status": "day2-released",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": "2026-09-05T00:00:00.000Z",
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    },
    {
      "github_handle": "carol",
      "cohort_id": "spring",
      "path": "day2-only",
      "learning_room_repo": "glow-org/learning-room-spring-carol",
      "provision_state": "healed",
      "status": "day1-complete",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": null,
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    },
    {
      "github_handle": "frank",
      "cohort_id": "spring",
      "path": "day1-day2",
      "learning_room_repo": null,
      "provision_state": "pending",
      "status": "day1-complete",
      "registered_at": "2026-08-30T10:00:00.000Z",
      "last_signal_at": "2026-09-09T00:00:00Z",
      "enrollment_repo": null,
      "enrollment_issue_number": null,
      "notes": ""
    }
  ]
}
EOF

# Everything but the fields apply may change.
rest='del(.generated_at) | .learners |= map(del(.status, .last_signal_at))'

test_expect_success 'apply: moves learners forward, writes last_signal_at' '
	cp roster.orig roster.json &&
	glow-progress derive snaps.jsonl >derived &&
	glow-progress apply -f roster.json derived 2>report &&
	test "$(jq -r ".learners[] | select(.github_handle == \"alice\") | .status + \" \" + .last_signal_at" roster.json)" = \
		"active-day1 2026-09-01T09:00:00Z" &&
	test_grep "^alice@@spring: awaiting-ack -> active-day1$" report
'

test_expect_success 'apply: changes nothing else (jq)' '
	jq -S "$rest" roster.orig >before &&
	jq -S "$rest" roster.json >after &&
	test_cmp before after
'

test_expect_success 'apply: changes nothing else (bytes): only those lines differ' '
	diff roster.orig roster.json | grep "^[<>]" >changed &&
	! grep -v "^[<>] *\"[a-z_]*\": " changed &&
	sed "s/^[<>] *\"\([a-z_]*\)\".*/\1/" changed | sort -u >fields &&
	printf "%s\n" generated_at last_signal_at status >want &&
	test_cmp want fields
'

test_expect_success 'apply: a backwards move is left alone and reported' '
	jq -e ".learners[] | select(.github_handle == \"bob\") | .status == \"day2-released\" and .last_signal_at == \"2026-09-05T00:00:00.000Z\"" roster.json &&
	test_grep "^bob@@spring: day2-released kept, derived active-day1 would move backwards$" report
'

test_expect_success 'apply: unknown keys are reported; the count line adds up' '
	test_grep "^dave@@spring: not in the roster, derived day2-released ignored$" report &&
	test_grep "^apply: 2 moved, 1 unchanged, 1 kept, 2 not in the roster$" report
'

test_expect_success 'apply: needs-info is entered from any status' '
	test "$(jq -r ".learners[] | select(.github_handle == \"frank\") | .status" roster.json)" = needs-info &&
	test_grep "^frank@@spring: day1-complete -> needs-info$" report
'

test_expect_success 'apply: needs-info is left for whatever is derived, even a lower status' '
	echo "{\"key\":\"frank@@spring\",\"status\":\"active-day1\",\"last_signal_at\":null,\"evidence\":{}}" >d2 &&
	glow-progress apply -f roster.json d2 2>r2 &&
	test "$(jq -r ".learners[] | select(.github_handle == \"frank\") | .status" roster.json)" = active-day1 &&
	test_grep "^frank@@spring: needs-info -> active-day1$" r2 &&
	echo "{\"key\":\"frank@@spring\",\"status\":\"awaiting-ack\",\"last_signal_at\":null,\"evidence\":{}}" >d3 &&
	glow-progress apply -f roster.json d3 2>r3 &&
	test "$(jq -r ".learners[] | select(.github_handle == \"frank\") | .status" roster.json)" = active-day1 &&
	test_grep "kept, derived awaiting-ack would move backwards" r3
'

test_expect_success 'apply: last_signal_at never moves backwards' '
	echo "{\"key\":\"frank@@spring\",\"status\":\"active-day1\",\"last_signal_at\":\"2026-09-01T00:00:00Z\",\"evidence\":{}}" >d4 &&
	glow-progress apply -f roster.json d4 2>r4 &&
	test "$(jq -r ".learners[] | select(.github_handle == \"frank\") | .last_signal_at" roster.json)" = 2026-09-09T00:00:00Z &&
	echo "{\"key\":\"frank@@spring\",\"status\":\"active-day1\",\"last_signal_at\":\"2026-09-10T00:00:00.5Z\",\"evidence\":{}}" >d5 &&
	glow-progress apply -f roster.json d5 2>r5 &&
	test "$(jq -r ".learners[] | select(.github_handle == \"frank\") | .last_signal_at" roster.json)" = 2026-09-10T00:00:00.5Z
'

test_expect_success 'apply: of several lines for one key the last counts' '
	glow-progress apply -f roster.json derived d5 2>r6 &&
	test "$(jq -r ".learners[] | select(.github_handle == \"frank\") | .status" roster.json)" = active-day1 &&
	test $(grep -c "^frank@@spring" r6) = 0
'

test_expect_success 'apply: the same input again writes nothing (bytes, inode)' '
	cp roster.json settled &&
	ls -i roster.json >inode1 &&
	glow-progress apply -f roster.json derived d5 2>r6 &&
	ls -i roster.json >inode2 &&
	test_cmp settled roster.json &&
	test_cmp inode1 inode2 &&
	test_grep "^apply: 0 moved, " r6
'

test_expect_success 'apply -n: reports and writes nothing' '
	cp roster.orig roster.json &&
	glow-progress apply -n -f roster.json derived 2>report &&
	test_cmp roster.orig roster.json &&
	test_grep "^alice@@spring: awaiting-ack -> active-day1$" report &&
	test_grep "^apply (dry run): 2 moved" report
'

test_expect_success 'apply without -f: roster on stdin, result on stdout' '
	glow-progress apply derived <roster.orig >stdout.json 2>report &&
	test_cmp roster.orig roster.json &&
	glow-progress apply -f roster.json derived 2>/dev/null &&
	jq -S "del(.generated_at)" roster.json >a &&
	jq -S "del(.generated_at)" stdout.json >b &&
	test_cmp a b
'

test_expect_success 'apply without -f and without operands is a usage error' '
	test_expect_code 2 glow-progress apply <roster.orig >out 2>err &&
	test_grep "^usage: glow-progress" err
'

test_expect_success 'apply: malformed derived lines write nothing, exit 2' '
	cp roster.orig roster.json &&
	{ cat derived; echo "{\"key\":\"alice@@spring\",\"status\":\"done\"}"; } >bad &&
	test_expect_code 2 glow-progress apply -f roster.json bad 2>err &&
	test_cmp roster.orig roster.json &&
	test_grep "cannot apply .bad:7.: no valid status" err
'

test_expect_success 'apply: a roster that does not validate is not written, exit 1' '
	jq ".learners[0].status = \"sleeping\"" roster.orig >roster.json &&
	cp roster.json invalid.json &&
	test_expect_code 1 glow-progress apply -f roster.json derived 2>err &&
	test_cmp invalid.json roster.json &&
	test_grep "^glow-progress: invalid roster .roster.json.: learner 0 .*status" err
'

test_expect_success 'apply: in Actions the report is appended to the step summary' '
	cp roster.orig roster.json &&
	echo "# earlier step" >summary.md &&
	GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY=$PWD/summary.md \
		glow-progress apply -f roster.json derived 2>/dev/null &&
	test_grep "^# earlier step$" summary.md &&
	test_grep "^### glow-progress apply$" summary.md &&
	test_grep "^| learner | from | to | result |$" summary.md &&
	test_grep "^| alice@@spring | awaiting-ack | active-day1 | moved |$" summary.md &&
	test_grep "^| bob@@spring | day2-released | active-day1 | kept: would move backwards |$" summary.md &&
	test_grep -v "carol@@spring" summary.md
'

test_expect_success 'apply: no step summary outside Actions' '
	cp roster.orig roster.json &&
	: >summary2.md &&
	GITHUB_STEP_SUMMARY=$PWD/summary2.md glow-progress apply -f roster.json derived 2>/dev/null &&
	test ! -s summary2.md
'

test_expect_success 'the pipeline derive | apply works with stdin' '
	cp roster.orig roster.json &&
	glow-progress derive snaps.jsonl >d &&
	glow-progress apply -f roster.json <d 2>report &&
	test_grep "^apply: 2 moved" report
'

test_done
