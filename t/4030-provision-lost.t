#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-provision when GitHub's answers are lost or late: every write
# survives an answer lost after the write took effect (the simulator's
# "lost" fault: done, then a 502), and GitHub's read-after-write lag.
#   - a generation whose answer was lost: recognised by glow's mark,
#     logged created with the template's SHA, generated once;
#   - a healing PUT whose answer was lost: the retry meets "sha wasn't
#     supplied", the file is read and found to be the template's: healed;
#   - the room-ready comment whose answer was lost: posted once;
#   - a comment of the learner's quoting the marker does not count;
#   - a 404 right after generation is waited out;
#   - an invitation refused carries GitHub's own message.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"
. "$T_DIR/prov.sh"

sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'
prov_env
sim_ctl POST state '{"op":"set_config","template_delay":0.02}' >/dev/null

C=lost
R=glow-org/learning-room-$C
T=glow-org/learning-room-template
WF=.github/workflows/student-progression.yml

test_expect_success 'a generation whose answer was lost: created, with the template SHA, once' '
	sim_fault "{\"method\":\"POST\",\"path\":\"^/repos/$T/generate\$\",\"kind\":\"lost\",\"times\":1}" &&
	prov_roster $C alice >a.json &&
	prov_clear &&
	glow-provision -f a.json -l a.log >sum 2>err &&
	test "$(sim_count POST "^/repos/$T/generate\$")" = 2 &&
	test "$(sim_state ".generated[\"$R-alice\"]")" = 1 &&
	test "$(json_get a.log .result)" = created &&
	test "$(json_get a.log .template_sha)" = "$(sim_state ".repos[\"$T\"].head_sha")" &&
	test "$(json_get a.json .learners[0].provision_state)" = provisioned &&
	test "$(sim_state ".repos[\"$R-alice\"].invitations[0].invitee")" = alice
'

test_expect_success 'a healing write whose answer was lost: healed, not failed' '
	sim_ctl POST state "{\"op\":\"set_files\",\"repo\":\"$R-alice\",\"files\":$(sim_state ".repos[\"$R-alice\"].files | del(.[\"'$WF'\"])")}" >/dev/null &&
	sim_fault "{\"method\":\"PUT\",\"path\":\"^/repos/$R-alice/contents/\",\"kind\":\"lost\",\"times\":1}" &&
	prov_clear &&
	glow-provision -a -f a.json -l a.log >sum 2>err &&
	test "$(tail -n 1 a.log | jq -r .result)" = healed &&
	test "$(json_get a.json .learners[0].provision_state)" = healed &&
	test "$(sim_count PUT "^/repos/$R-alice/contents/")" = 2 &&
	test "$(prov_file $R-alice $WF)" = "$(prov_file $T $WF)"
'

test_expect_success 'the room-ready comment whose answer was lost: posted exactly once' '
	n=$(sim_ctl POST state "{\"op\":\"add_issue\",\"repo\":\"glow-org/enrollment\",\"title\":\"Registration\",\"user\":\"bob\"}" | jq .results[0].number) &&
	prov_roster $C bob | jq ".learners[0].enrollment_repo = \"glow-org/enrollment\" | .learners[0].enrollment_issue_number = $n" >b.json &&
	sim_fault "{\"method\":\"POST\",\"path\":\"^/repos/glow-org/enrollment/issues/$n/comments\$\",\"kind\":\"lost\",\"times\":1}" &&
	prov_clear &&
	glow-provision -i -f b.json -l b.log >sum 2>err &&
	test "$(json_get b.log .comment)" = posted &&
	test "$(sim_count POST "^/repos/glow-org/enrollment/issues/$n/comments\$")" = 1 &&
	test "$(sim_state "[.repos[\"glow-org/enrollment\"].issues[] | select(.number == $n) | .comments[] | select(.body | contains(\"glow:room-ready\"))] | length")" = 1 &&
	echo $n >issue.n
'

test_expect_success 'a comment of the learner'"'"'s quoting the marker does not stop the App'"'"'s' '
	n=$(sim_ctl POST state "{\"op\":\"add_issue\",\"repo\":\"glow-org/enrollment\",\"title\":\"Registration\",\"user\":\"carol\",
		\"comments\":[{\"user\":\"carol\",\"body\":\"> copied <!-- glow:room-ready -->\"}]}" | jq .results[0].number) &&
	prov_roster $C carol | jq ".learners[0].enrollment_repo = \"glow-org/enrollment\" | .learners[0].enrollment_issue_number = $n" >c.json &&
	glow-provision -i -f c.json -l c.log >sum 2>err &&
	test "$(json_get c.log .comment)" = posted &&
	test "$(sim_state "[.repos[\"glow-org/enrollment\"].issues[] | select(.number == $n) | .comments[] | select(.user | test(\"bot\"))] | length")" = 1
'

test_expect_success 'a 404 right after generation (read-after-write lag) is waited out' '
	sim_ctl POST state "{\"op\":\"set_config\",\"replication_lag\":0.6}" >/dev/null &&
	prov_roster $C dave >d.json &&
	prov_clear &&
	glow-provision -f d.json -l d.log >sum 2>err &&
	sim_ctl POST state "{\"op\":\"set_config\",\"replication_lag\":0}" >/dev/null &&
	test "$(json_get d.log .result)" = created &&
	test "$(sim_requests | jq -r "select(.path | startswith(\"/repos/$R-dave\")) | .status" | grep -c 404)" -ge 1 &&
	test "$(sim_count PUT "^/repos/$R-dave/contents/")" = 0
'

test_expect_success 'an invitation refused carries GitHub'"'"'s message' '
	prov_roster $C no-such-person >x.json &&
	test_expect_code 1 glow-provision -f x.json -l x.log >sum 2>err &&
	json_get x.log .error_detail >detail &&
	test_grep "cannot invite .no-such-person. to .$R-no-such-person.: 404 " detail &&
	test_grep -v "no such user?" detail
'

test_done
