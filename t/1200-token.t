#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-token against the simulator: the installation by number, settings
# URL, environment, owner, repository and listing; narrowing; revocation;
# actions-bot passthrough; masking; the classic failures' messages.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

sim_config_default >sim.json || skip_all 'cannot make the simulator configuration'
sim_start sim.json || skip_all 'the simulator does not start'
GLOW_WAIT_SCALE=0.01
export GLOW_WAIT_SCALE

clear() { sim_ctl DELETE /_sim/requests >/dev/null; }
# The App JWT, as glow-jwt prints it.
PROVISIONING_APP_ID=1001 PROVISIONING_APP_PRIVATE_KEY=@$(sim_app_key) glow-jwt >jwt.json ||
	skip_all 'glow-jwt does not work'

test_expect_success 'by installation number: the token JSON' '
	clear &&
	glow-token -i 42 <jwt.json >tok.json &&
	test "$(wc -l <tok.json)" = 1 &&
	test "$(jq -r "keys | join(\",\")" tok.json)" = \
		"expires_at,installation_id,permissions,repository_selection,token" &&
	test "$(json_get tok.json .installation_id)" = 42 &&
	json_get tok.json .token | grep -q "^ghs_" &&
	json_get tok.json .expires_at | grep -q "^20[0-9-]*T[0-9:]*Z\$" &&
	test "$(json_get tok.json .permissions.administration)" = write &&
	test "$(json_get tok.json .repository_selection)" = all &&
	test "$(sim_count "*" .)" = 1 &&
	test "$(sim_count POST "^/app/installations/42/access_tokens\$")" = 1
'

test_expect_success 'the token works with glow-api' '
	glow-api -t tok.json /repos/glow-org/admin >out &&
	test "$(json_get out .full_name)" = glow-org/admin
'

test_expect_success 'a bare JWT on stdin works too' '
	json_get jwt.json .token >jwt.raw &&
	glow-token -i 42 <jwt.raw >t2.json &&
	test "$(json_get t2.json .installation_id)" = 42
'

test_expect_success 'by the installation settings URL' '
	glow-token -i https://github.com/organizations/glow-org/settings/installations/42 \
		<jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 42 &&
	glow-token -i https://github.com/settings/installations/43/ <jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 43
'

test_expect_success 'from PROVISIONING_APP_INSTALLATION_ID' '
	PROVISIONING_APP_INSTALLATION_ID=43 glow-token <jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 43
'

test_expect_success 'a malformed installation is refused before any request' '
	clear &&
	test_expect_code 2 glow-token -i 42abc <jwt.json >out 2>err &&
	test_grep "bad installation '"'"'42abc'"'"'" err &&
	test_expect_code 2 glow-token -i https://github.com/settings/apps/x <jwt.json >out 2>err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'discovery by owner: organization' '
	clear &&
	glow-token -o glow-org <jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 42 &&
	test "$(sim_count GET "^/orgs/glow-org/installation\$")" = 1 &&
	test "$(sim_count "*" .)" = 2
'

test_expect_success 'discovery by owner: a user, after the organization endpoint' '
	clear &&
	glow-token -o dave <jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 43 &&
	test "$(sim_count GET "^/(orgs|users)/dave/installation\$")" -ge 1
'

test_expect_success 'discovery by repository' '
	clear &&
	glow-token -r dave/notes <jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 43 &&
	test "$(sim_count GET "^/repos/dave/notes/installation\$")" = 1
'

test_expect_success 'discovery by listing: the only installation' '
	sim_ctl POST /_sim/state "{\"op\":\"uninstall\",\"installation_id\":43}" >/dev/null &&
	clear &&
	glow-token <jwt.json >t.json &&
	test "$(json_get t.json .installation_id)" = 42 &&
	test "$(sim_count GET "^/app/installations\$")" = 1 &&
	sim_requests | jq -s -e "map(select(.path == \"/app/installations\")) | length == 1 and (.[0].query | test(\"per_page=100\"))" >/dev/null
'

test_expect_success 'listing with several installations names them all' '
	sim_ctl POST /_sim/state "{\"op\":\"add_installation\",\"id\":44,\"app_id\":1001,\"account\":{\"login\":\"erin\",\"type\":\"User\"},\"repository_selection\":\"all\",\"permissions\":{\"contents\":\"read\"}}" >/dev/null &&
	test_expect_code 2 glow-token <jwt.json >out 2>err &&
	test_grep "installed on 2 accounts: glow-org (Organization, id 42), erin (User, id 44)" err &&
	test ! -s out
'

test_expect_success 'not installed on the owner: lists where it is installed' '
	test_expect_code 2 glow-token -o other-org <jwt.json >out 2>err &&
	test_grep "cannot find installation '"'"'other-org'"'"': the App is not installed there; it is installed on: glow-org (Organization, id 42), erin (User, id 44)" err &&
	test_expect_code 2 glow-token -r other-org/secret <jwt.json >out 2>err &&
	test_grep "not installed there; it is installed on: glow-org" err &&
	test ! -s out
'

test_expect_success 'an App installed nowhere says so' '
	PROVISIONING_APP_ID=1002 PROVISIONING_APP_PRIVATE_KEY=@$(sim_app_key) glow-jwt >jwt2.json &&
	test_expect_code 2 glow-token <jwt2.json >out 2>err &&
	test_grep "not installed anywhere" err
'

test_expect_success 'a wrong installation ID (404) is named, with the right ones' '
	test_expect_code 2 glow-token -i 999 <jwt.json >out 2>err &&
	test_grep "installation '"'"'999'"'"': the App has no such installation: check the installation ID; the App is installed on: glow-org" err
'

test_expect_success 'narrowing to repositories and permissions' '
	clear &&
	glow-token -i 42 -R glow-org/admin,enrollment -P contents=read,metadata=read \
		<jwt.json >n.json &&
	test "$(jq -c .permissions n.json)" = "{\"contents\":\"read\",\"metadata\":\"read\"}" &&
	test "$(json_get n.json .repository_selection)" = selected &&
	test "$(sim_requests | jq -c .body)" = \
		"{\"repositories\":[\"admin\",\"enrollment\"],\"permissions\":{\"contents\":\"read\",\"metadata\":\"read\"}}" &&
	glow-api -t n.json -p /installation/repositories >repos &&
	test "$(jq -r "map(.full_name) | sort | join(\",\")" repos)" = glow-org/admin,glow-org/enrollment
'

test_expect_success 'asking for more than the installation has is an error' '
	test_expect_code 2 glow-token -i 42 -P members=write <jwt.json >out 2>err &&
	test_grep "installation '"'"'42'"'"': 422 " err &&
	test ! -s out &&
	test_expect_code 2 glow-token -i 42 -P contents=all <jwt.json >out 2>err &&
	test_grep "bad permission" err
'

test_expect_success 'revoke: 204, then the token is refused' '
	glow-token -i 42 <jwt.json >r.json &&
	glow-api -t r.json /repos/glow-org/admin >out &&
	clear &&
	glow-token -d <r.json &&
	test "$(sim_requests | jq -r "[.method, .path, (.status | tostring)] | join(\" \")")" = "DELETE /installation/token 204" &&
	test_expect_code 2 glow-api -t r.json /repos/glow-org/admin >out 2>err &&
	test_grep "401 Bad credentials" err &&
	test_expect_code 2 glow-token -d <r.json 2>err &&
	test_grep "refused" err
'

test_expect_success 'actions-bot mode passes PROVISIONING_TOKEN through, no request' '
	clear &&
	PROVISIONING_MODE=actions-bot PROVISIONING_TOKEN=ghp_statictoken glow-token </dev/null >p.json &&
	test "$(cat p.json)" = "{\"token\":\"ghp_statictoken\",\"expires_at\":null,\"installation_id\":null,\"permissions\":null,\"repository_selection\":null}" &&
	PROVISIONING_TOKEN=ghp_statictoken glow-token -m actions-bot </dev/null >p2.json &&
	test_cmp p.json p2.json &&
	test "$(sim_count "*" .)" = 0 &&
	glow-api -t p.json /repos/glow-org/admin >out &&
	(unset PROVISIONING_TOKEN; PROVISIONING_MODE=actions-bot test_expect_code 2 glow-token </dev/null 2>err) &&
	test_grep PROVISIONING_TOKEN err
'

test_expect_success 'the deployment guide spelling github-app is the App mode' '
	clear &&
	PROVISIONING_MODE=github-app glow-token -i 42 <jwt.json >g.json &&
	test "$(jq -r .installation_id g.json)" = 42 &&
	glow-token -m app -i 42 <jwt.json >a.json &&
	test "$(jq -r .installation_id a.json)" = 42
'

test_expect_success 'revoking a passed-through token makes no request' '
	clear &&
	glow-token -d <p.json &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'in Actions the token is masked first; stderr has nothing else' '
	GITHUB_ACTIONS=true glow-token -i 42 <jwt.json >m.json 2>err &&
	test "$(cat err)" = "::add-mask::$(json_get m.json .token)" &&
	GITHUB_ACTIONS=true PROVISIONING_MODE=actions-bot PROVISIONING_TOKEN=ghp_x glow-token </dev/null >m.json 2>err &&
	test "$(cat err)" = "::add-mask::ghp_x" &&
	glow-token -i 42 <jwt.json >m.json 2>err &&
	test ! -s err
'

test_expect_success 'a JWT signed with another key: check the App ID and key' '
	openssl genrsa -traditional -out other.pem 2048 2>/dev/null &&
	PROVISIONING_APP_ID=1001 PROVISIONING_APP_PRIVATE_KEY=@other.pem glow-jwt >bad.json &&
	test_expect_code 2 glow-token -i 42 <bad.json >out 2>err &&
	test_grep "the App JWT was refused: check the App ID and key" err &&
	test_grep -v "$(json_get bad.json .token)" err
'

test_expect_success 'an unknown App ID: check the App ID' '
	PROVISIONING_APP_ID=9999 PROVISIONING_APP_PRIVATE_KEY=@$(sim_app_key) glow-jwt >bad.json &&
	test_expect_code 2 glow-token -i 42 <bad.json >out 2>err &&
	test_grep "the App JWT was refused: no App has this ID" err
'

test_expect_success 'a skewed clock: the message says to check the clock' '
	sim_jwt 1001 600 1000 >future.jwt &&
	test_expect_code 2 glow-token -i 42 <future.jwt >out 2>err &&
	test_grep "'"'"'Issued at'"'"' claim" err &&
	test_grep "check this machine'"'"'s clock" err &&
	sim_jwt 1001 -1200 -600 >past.jwt &&
	test_expect_code 2 glow-token -i 42 <past.jwt >out 2>err &&
	test_grep "check this machine'"'"'s clock" err
'

test_expect_success 'no JWT on stdin is a usage error' '
	clear &&
	test_expect_code 2 glow-token -i 42 </dev/null >out 2>err &&
	test_grep "no token" err &&
	test "$(sim_count "*" .)" = 0
'

test_expect_success 'conflicting selectors and bad modes are usage errors' '
	test_expect_code 2 glow-token -i 42 -o glow-org <jwt.json >out 2>err &&
	test_grep "usage: glow-token" err &&
	test_expect_code 2 glow-token -m robot <jwt.json >out 2>err &&
	test_grep "bad mode" err
'

test_done
