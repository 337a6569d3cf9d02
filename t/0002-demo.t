#!/bin/sh
# SPDX-License-Identifier: ISC
# The README's first command, `make demo`, works and does what it says.
. "${0%/*}/lib.sh"

test_expect_success 'the demo runs against the simulator' '
	sh "$GLOW_SRC/examples/demo.sh" >out 2>err
'

test_expect_success 'it minted an installation token for glow-org' '
	test_grep "\"installation_id\": 42" out &&
	test_grep "201  POST /app/installations/42/access_tokens" out
'

test_expect_success 'it made the learner repository and invited the learner' '
	test_grep "201  POST /repos/glow-org/learning-room-template/generate" out &&
	test_grep "201  PUT /repos/glow-org/learning-room-demo-alice/collaborators/alice" out &&
	test_grep "student-progression.yml" out
'

test_expect_success 'it revoked the token at the end' '
	test_grep "204  DELETE /installation/token" out
'

test_expect_success 'no secret reached the output' '
	test_grep -v "ghs_" out &&
	test_grep -v "ghs_" err &&
	test_grep -v "eyJ" out &&
	test_grep -v "PRIVATE KEY" err
'

test_done
