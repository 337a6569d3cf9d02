#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-roster: every subcommand, in-place edits under the lock, the example
# roster's round trip, intake, redaction, stats.
. "${0%/*}/lib.sh"

ex=$GLOW_SRC/examples/roster.example.json
GLOW_NOW=2030-01-01T00:00:00.000Z
export GLOW_NOW

test_expect_success 'the example roster validates' '
	glow-roster validate "$ex" &&
	glow-roster validate -f "$ex" &&
	glow-roster validate <"$ex"
'

test_expect_success 'the example roster formats to itself, byte for byte' '
	glow-roster fmt "$ex" >out &&
	cmp "$ex" out
'

test_expect_success 'its unknown field is kept' '
	test "$(json_get out ".learners[0].pronouns")" = "she/her"
'

test_expect_success 'the example is what JSON.stringify(x, null, 2) prints' '
	if command -v node >/dev/null; then
		node -e "const f=require(\"fs\");process.stdout.write(JSON.stringify(JSON.parse(f.readFileSync(process.argv[1],\"utf8\")),null,2)+\"\\n\")" "$ex" >node.json &&
		cmp "$ex" node.json
	fi
'

cat >messy.json <<'EOF'
{"learners": [{"cohort_id": " spring ", "github_handle": "@Zed", "x-extra": {"a": [1, "\u00e9"]}},
 {"github_handle": "amy", "cohort_id": "spring", "status": "active-day1"}],
 "custom": 1, "version": 1, "generated_at": "2026-01-01T00:00:00Z", "cohorts": []}
EOF

test_expect_success 'fmt: canonical order, defaults, unknown fields kept' '
	glow-roster fmt messy.json >out &&
	test "$(jq -r "keys_unsorted | join(\",\")" out)" = "version,generated_at,cohorts,learners,custom" &&
	test "$(jq -r "[.learners[].github_handle] | join(\",\")" out)" = "amy,Zed" &&
	test "$(jq -r ".learners[1].cohort_id" out)" = "spring" &&
	test "$(jq -r ".learners[1].\"x-extra\".a[1]" out)" = "é" &&
	test "$(jq -r ".learners[1] | keys_unsorted | join(\",\")" out)" = "github_handle,cohort_id,path,learning_room_repo,provision_state,status,registered_at,last_signal_at,enrollment_repo,enrollment_issue_number,notes,x-extra" &&
	test "$(jq -r .generated_at out)" = 2026-01-01T00:00:00Z
'

test_expect_success 'fmt: idempotent' '
	glow-roster fmt out >out2 &&
	cmp out out2
'

test_expect_success 'fmt -f rewrites in place; a canonical file is left alone' '
	cp messy.json m.json &&
	glow-roster fmt -f m.json &&
	cmp out m.json &&
	ls -li m.json >before &&
	glow-roster fmt -f m.json &&
	ls -li m.json >after &&
	cmp before after
'

cat >bad.json <<'EOF'
{"version": 1, "learners": [
 {"github_handle": "alice", "cohort_id": "spring", "provision_state": "done"},
 {"github_handle": "@@bob", "cohort_id": "spring"},
 {"github_handle": "Alice", "cohort_id": "spring "}]}
EOF

test_expect_success 'validate reports every problem, one line each, and exits 1' '
	test_expect_code 1 glow-roster validate bad.json 2>err &&
	test_grep "^glow-roster: invalid roster .bad.json.: learner 0 (alice@@spring): provision_state: .done. is not one of pending, provisioned, failed, healed$" err &&
	test_grep "learner 1 (@bob@@spring): github_handle: .@@bob. is not a valid GitHub handle" err &&
	test_grep "learner 2 (alice@@spring): duplicate key (also learner 0)" err &&
	test "$(wc -l <err)" -eq 3
'

test_expect_success 'a syntax error gives the byte offset, line and column' '
	printf "{\"version\": 1,\n \"learners\": [1,]}\n" >syn.json &&
	test_expect_code 1 glow-roster validate syn.json 2>err &&
	test_grep "line 2, column 16: trailing comma" err
'

test_expect_success 'an invalid roster is never overwritten' '
	cp bad.json b.json &&
	cp syn.json s.json &&
	echo "{\"github_handle\": \"new\", \"cohort_id\": \"spring\"}" >new.json &&
	test_expect_code 1 glow-roster add -f b.json new.json 2>err &&
	test_expect_code 1 glow-roster add -f s.json new.json 2>err &&
	test_expect_code 1 glow-roster fmt -f b.json 2>err &&
	cmp bad.json b.json &&
	cmp syn.json s.json
'

test_expect_success 'add: a new learner gets defaults and its cohort' '
	cp "$ex" r.json &&
	echo "{\"github_handle\": \"@Carol\", \"cohort_id\": \"autumn\"}" >carol.json &&
	glow-roster add -f r.json carol.json &&
	glow-roster validate r.json &&
	test "$(json_get r.json ".learners[] | select(.github_handle == \"Carol\") | [.path, .provision_state, .status, .notes, .registered_at] | join(\",\")")" = "day1-day2,pending,awaiting-ack,,2030-01-01T00:00:00.000Z" &&
	test "$(json_get r.json ".cohorts[1].cohort_id")" = autumn &&
	test "$(json_get r.json .generated_at)" = 2030-01-01T00:00:00.000Z
'

test_expect_success 'add: an update never resets state it does not name' '
	echo "{\"github_handle\": \"ALICE-example\", \"cohort_id\": \"spring-2026\", \"notes\": \"moved\"}" >upd.json &&
	glow-roster add -f r.json upd.json &&
	test "$(json_get r.json ".learners[0] | [.github_handle, .provision_state, .status, .notes, .pronouns] | join(\",\")")" = "alice-example,provisioned,active-day1,moved,she/her"
'

test_expect_success 'add: an unchanged roster keeps its generated_at (no git diff)' '
	cp "$ex" r2.json &&
	echo "{\"github_handle\": \"alice-example\", \"cohort_id\": \"spring-2026\", \"status\": \"active-day1\"}" >same.json &&
	glow-roster add -f r2.json same.json &&
	cmp "$ex" r2.json
'

test_expect_success 'add: stdin to stdout, an array of learners' '
	echo "[{\"github_handle\": \"x1\", \"cohort_id\": \"c\"}, {\"github_handle\": \"x2\", \"cohort_id\": \"c\"}]" >two.json &&
	glow-roster add two.json <"$ex" >out &&
	test "$(json_get out ".learners | length")" = 4
'

test_expect_success 'add: one invalid learner and nothing is written' '
	cp "$ex" r3.json &&
	echo "[{\"github_handle\": \"ok1\", \"cohort_id\": \"c\"}, {\"github_handle\": \"no_way\", \"cohort_id\": \"c\"}]" >mixed.json &&
	test_expect_code 1 glow-roster add -f r3.json mixed.json 2>err &&
	test_grep "learner 1 of the input: github_handle: .no_way. is not a valid GitHub handle" err &&
	cmp "$ex" r3.json
'

test_expect_success 'add -f: two writers of 50 learners each lose nothing' '
	cp "$ex" c.json &&
	writer() {
		i=0
		while [ $i -lt 50 ]; do
			echo "{\"github_handle\": \"$1-$i\", \"cohort_id\": \"race\"}" >"in-$1-$i.json" &&
			glow-roster add -f c.json "in-$1-$i.json" || return 1
			i=$((i + 1))
		done
	}
	{ writer w1 & } &&
	p1=$! &&
	writer w2 &&
	wait $p1 &&
	glow-roster validate c.json &&
	test "$(json_get c.json ".learners | length")" = 102 &&
	test "$(json_get c.json "[.learners[] | select(.cohort_id == \"race\")] | length")" = 100
'

test_expect_success 'set: fields by key, validated' '
	cp "$ex" s.json &&
	glow-roster set -f s.json -k Bob-Example@@spring-2026 provision_state=provisioned learning_room_repo=o/learning-room-x enrollment_issue_number:=16 &&
	test "$(json_get s.json ".learners[1] | [.provision_state, .learning_room_repo, (.enrollment_issue_number|tostring)] | join(\",\")")" = "provisioned,o/learning-room-x,16" &&
	cp s.json s0.json &&
	test_expect_code 1 glow-roster set -f s.json -k bob-example@@spring-2026 status=done 2>err &&
	test_grep "status: .done. is not one of" err &&
	test_expect_code 1 glow-roster set -f s.json -k nobody@@spring-2026 status=active-day1 2>err &&
	test_grep "no such learner" err &&
	test_expect_code 1 glow-roster set -f s.json -k bob-example@@spring-2026 github_handle=x 2>err &&
	test_must_fail glow-roster set -f s.json -k bob-example@@spring-2026 typo=1 2>err &&
	cmp s0.json s.json
'

test_expect_success 'select: by state, status and cohort, as a JSON array' '
	glow-roster select -s pending,failed "$ex" >out &&
	test "$(json_get out "[.[].github_handle] | join(\",\")")" = Bob-Example &&
	glow-roster select -S active-day1 "$ex" >out &&
	test "$(json_get out "[.[].github_handle] | join(\",\")")" = alice-example &&
	glow-roster select -c nosuch "$ex" >out &&
	test "$(json_get out length)" = 0 &&
	glow-roster select -r -s provisioned "$ex" >out &&
	test "$(json_get out ".learners | length")" = 1 &&
	test_expect_code 2 glow-roster select -s done "$ex" 2>err
'

test_expect_success 'redact: only the public fields are left' '
	glow-roster redact "$ex" >out &&
	test "$(jq -c "[.learners[] | keys_unsorted] | unique" out)" = "[[\"github_handle\",\"cohort_id\",\"path\",\"provision_state\",\"status\"]]" &&
	test "$(jq -c "[.cohorts[] | keys_unsorted] | unique" out)" = "[[\"cohort_id\",\"label\"]]" &&
	test "$(jq -c "keys_unsorted" out)" = "[\"version\",\"generated_at\",\"cohorts\",\"learners\"]" &&
	test_grep -v "prefers" out &&
	test_grep -v "pronouns" out &&
	test_grep -v "glow-enroll" out
'

test_expect_success 'stats: counts as JSON, and a table' '
	glow-roster stats "$ex" >out &&
	test "$(jq -c "[.learners, .provision_state.pending, .provision_state.provisioned, .status[\"active-day1\"], .cohorts[0].cohort_id, .cohorts[0].learners]" out)" = "[2,1,1,1,\"spring-2026\",2]" &&
	glow-roster stats -t "$ex" >out &&
	test_grep "^cohort .*learners .*pending .*provisioned" out &&
	test_grep "^spring-2026 *2 *1 *1 " out &&
	test_grep "^(all) *2 " out
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 glow-roster 2>err &&
	test_expect_code 2 glow-roster frobnicate 2>err &&
	test_expect_code 2 glow-roster validate -x 2>err &&
	test_expect_code 2 glow-roster set -f r.json 2>err &&
	test_expect_code 2 glow-roster validate nosuchfile 2>err &&
	glow-roster -h >out &&
	test_grep "usage: glow-roster" out &&
	glow-roster -V >out &&
	test_grep "^glow-roster " out
'

test_expect_success 'a roster without learners (a typo such as "learner") is invalid, not empty' '
	printf "{\"version\":1,\"cohorts\":[],\"learner\":[{\"github_handle\":\"a\",\"cohort_id\":\"c\"}]}\n" >typo.json &&
	test_expect_code 1 glow-roster validate typo.json 2>err &&
	test_grep "learners: missing" err &&
	printf "{\"version\":1,\"cohorts\":[],\"learners\":[]}\n" >empty.json &&
	glow-roster validate empty.json
'

test_done
