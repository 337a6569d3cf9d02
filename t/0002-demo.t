#!/bin/sh
# SPDX-License-Identifier: ISC
# The README's first command, `make demo`, works and does what it says:
# glow-cohort's pass against the simulator takes in a registration,
# provisions the example roster's pending learners, applies progress, shows
# the summary, the roster's changes and the log; a second pass changes
# nothing; no secret is printed; it takes under 30 seconds.
. "${0%/*}/lib.sh"

test -x "$GLOW_BIN/glow-provision" || skip_all 'glow-provision is not built'

test_expect_success 'the demo runs against the simulator, in under 30 seconds' '
	t0=$(date +%s) &&
	sh "$GLOW_SRC/examples/demo.sh" >out 2>err &&
	t1=$(date +%s) &&
	echo "# demo: $((t1 - t0)) s" &&
	test $((t1 - t0)) -lt 30
'

test_expect_success 'it minted an installation token for glow-org and revoked it' '
	test_grep "201  POST /app/installations/42/access_tokens" out &&
	test_grep "204  DELETE /installation/token" out
'

test_expect_success 'it took in the registration issue and acknowledged it' '
	test_grep "intake: 1 added" out &&
	test_grep "201  POST /repos/glow-org/enrollment/issues/1/comments" out &&
	test_grep "comment on carol.s issue: Thank you, @carol" out
'

test_expect_success 'it made the pending learners'"'"' repositories and invited them' '
	test_grep "201  POST /repos/glow-org/learning-room-template/generate" out &&
	test_grep "201  PUT /repos/glow-org/learning-room-spring-2026-bob-example/collaborators/Bob-Example" out &&
	test_grep "201  PUT /repos/glow-org/learning-room-spring-2026-carol/collaborators/carol" out &&
	test_grep -v "POST /repos/glow-org/learning-room-template/generate.*alice" out
'

test_expect_success 'it printed the summary table, the roster'"'"'s changes and the log' '
	test_grep "^| bob-example@@spring-2026 | glow-org/learning-room-spring-2026-bob-example | created |" out &&
	test_grep "^| alice-example@@spring-2026 | active-day1 | day1-complete | moved |" out &&
	test_grep "^+      \"provision_state\": \"provisioned\"," out &&
	test_grep "^-      \"provision_state\": \"pending\"," out &&
	test_grep "^{\"github_handle\":\"carol\",\"cohort_id\":\"spring-2026\",\"result\":\"created\"" out
'

test_expect_success 'the second pass changed nothing' '
	test_grep "changed=false" out &&
	test_grep "unchanged: nothing to commit" out &&
	sed -n "/== a second pass/,\$p" out >second &&
	test_grep "intake: 0 added, 1 already in the roster" second &&
	test_grep -v "created" second
'

test_expect_success 'no secret reached the output' '
	test_grep -v "ghs_" out &&
	test_grep -v "ghs_" err &&
	test_grep -v "eyJ" out &&
	test_grep -v "add-mask" out &&
	test_grep -v "PRIVATE KEY" out &&
	test_grep -v "PRIVATE KEY" err
'

test_done
