#!/bin/sh
# SPDX-License-Identifier: ISC
# The GitHub simulator itself (t/ghsim.py), exercised with curl and openssl
# only: what every other test relies on it to do as GitHub does.
. "${0%/*}/lib.sh"
. "$T_DIR/sim.sh"

command -v python3 >/dev/null && command -v curl >/dev/null &&
command -v openssl >/dev/null && command -v jq >/dev/null ||
	skip_all 'python3, curl, openssl and jq are needed'

sim_config_default >sim.json || exit 1
sim_start sim.json || exit 1
TOK=$(sim_token) || exit 1

# gh METHOD PATH [CURL-ARGS...]: one request with the token $TOK; the body
# lands in out, the headers in hdr, the status in code.
gh() {
	gh_m=$1 gh_p=$2
	shift 2
	rm -f out hdr
	curl -sS -A glow-test -H "Authorization: token $TOK" \
		-H 'Accept: application/vnd.github+json' -X "$gh_m" -D hdr -o out \
		-w '%{http_code}' "$@" "$SIM_URL$gh_p" >code
}
# ghb METHOD PATH BODY [CURL-ARGS...]: the same with a JSON body.
ghb() {
	ghb_m=$1 ghb_p=$2 ghb_b=$3
	shift 3
	gh "$ghb_m" "$ghb_p" --data-binary "$ghb_b" "$@"
}
# as_tok TOKEN CMD...: CMD with $TOK set to TOKEN.
as_tok() {
	as_saved=$TOK
	TOK=$1
	shift
	"$@"
	as_s=$?
	TOK=$as_saved
	return $as_s
}
# jwtcall METHOD PATH JWT
jwtcall() {
	printf 'Authorization: Bearer %s\n' "$3" >jwthdr
	curl -sS -A glow-test -H @jwthdr -X "$1" -D hdr -o out -w '%{http_code}' \
		"$SIM_URL$2" >code
}
code_is() {
	test "$(cat code)" = "$1" && return 0
	echo "status $(cat code), wanted $1" >&2
	cat out >&2
	return 1
}
header() { tr -d '\r' <hdr | sed -n "s/^$1: //Ip" | head -n 1; }
msg() { jq -r .message out; }

# -- basics

test_expect_success 'the port file holds the listening port' '
	test "$SIM_PORT" -gt 0 &&
	curl -sS "$SIM_URL/_sim/health" >h &&
	test "$(jq -r .ok h)" = true
'

test_expect_success 'a request without User-Agent is refused with 403' '
	curl -sS -A "" -H "Authorization: token $TOK" -o out -w "%{http_code}" \
		"$SIM_URL/repos/glow-org/admin" >code &&
	code_is 403 &&
	test_grep "User-Agent" out
'

test_expect_success 'an unknown route answers 404 Not Found' '
	gh GET /no/such/route &&
	code_is 404 &&
	test "$(msg)" = "Not Found" &&
	test "$(jq -r .documentation_url out)" = https://docs.github.com/rest
'

test_expect_success 'a body that is not JSON answers 400 Problems parsing JSON' '
	ghb POST /repos/glow-org/admin/issues "{\"title\":" &&
	code_is 400 &&
	test "$(msg)" = "Problems parsing JSON"
'

test_expect_success 'every answer carries rate-limit headers and a request id' '
	gh GET /repos/glow-org/admin &&
	code_is 200 &&
	test "$(header x-ratelimit-limit)" = 5000 &&
	test -n "$(header x-ratelimit-remaining)" &&
	test -n "$(header x-ratelimit-reset)" &&
	test "$(header x-ratelimit-resource)" = core &&
	test -n "$(header x-github-request-id)"
'

# -- App JWTs

test_expect_success 'a JWT signed with the App key authenticates GET /app' '
	jwtcall GET /app "$(sim_jwt)" &&
	code_is 200 &&
	test "$(jq -r .id out)" = 1001 &&
	test "$(jq -r .slug out)" = glow-test-app
'

test_expect_success 'the client ID is accepted as the issuer' '
	jwtcall GET /app "$(sim_jwt Iv1.glowtestapp)" &&
	code_is 200 &&
	test "$(jq -r .client_id out)" = Iv1.glowtestapp
'

test_expect_success 'a JWT signed with another key cannot be decoded (401)' '
	openssl genrsa -out other.pem 2048 2>/dev/null &&
	jwtcall GET /app "$(sim_jwt 1001 -60 540 other.pem)" &&
	code_is 401 &&
	test "$(msg)" = "A JSON web token could not be decoded"
'

test_expect_success 'a JWT with a flipped signature byte is refused' '
	j=$(sim_jwt) &&
	sig=${j##*.} &&
	head=${sig%??????????????????????????????} &&
	tail=${sig#"$head"} &&
	case $tail in A*) flip=B${tail#?} ;; *) flip=A${tail#?} ;; esac &&
	jwtcall GET /app "${j%.*}.$head$flip" &&
	code_is 401
'

test_expect_success 'an expired JWT is refused with the exp message' '
	jwtcall GET /app "$(sim_jwt 1001 -700 -10)" &&
	code_is 401 &&
	test_grep "claim (.exp.) must be a numeric value representing the future" out
'

test_expect_success 'a JWT expiring more than 10 minutes ahead is too far in the future' '
	jwtcall GET /app "$(sim_jwt 1001 -60 700)" &&
	code_is 401 &&
	test_grep "is too far in the future" out
'

test_expect_success 'a JWT issued in the future (clock skew) is refused' '
	jwtcall GET /app "$(sim_jwt 1001 300 500)" &&
	code_is 401 &&
	test_grep "Issued at" out
'

test_expect_success 'an unknown App ID answers 404 Integration not found' '
	jwtcall GET /app "$(sim_jwt 999999)" &&
	code_is 404 &&
	test "$(msg)" = "Integration not found"
'

test_expect_success 'a token on a JWT endpoint and a JWT elsewhere are refused' '
	gh GET /app/installations &&
	code_is 401 &&
	jwtcall GET /repos/glow-org/admin "$(sim_jwt)" &&
	code_is 403 &&
	test "$(msg)" = "Resource not accessible by integration"
'

test_expect_success 'installations: listed, found per owner and repo, 404 where not installed' '
	j=$(sim_jwt) &&
	jwtcall GET /app/installations "$j" && code_is 200 &&
	test "$(jq -r "map(.id) | join(\",\")" out)" = 42,43 &&
	jwtcall GET /orgs/glow-org/installation "$j" && code_is 200 &&
	test "$(jq -r .id out)" = 42 &&
	jwtcall GET /users/dave/installation "$j" && code_is 200 &&
	test "$(jq -r .id out)" = 43 &&
	jwtcall GET /repos/glow-org/admin/installation "$j" && code_is 200 &&
	jwtcall GET /orgs/other-org/installation "$j" && code_is 404 &&
	jwtcall GET /orgs/glow-org/installation "$(sim_jwt 1002)" && code_is 404
'

test_expect_success 'installations list paginates with a Link header' '
	jwtcall GET "/app/installations?per_page=1" "$(sim_jwt)" && code_is 200 &&
	test "$(jq length out)" = 1 &&
	header link >link &&
	test_grep "page=2>; rel=\"next\"" link
'

# -- installation tokens

test_expect_success 'an access token is 201 with token, expiry, permissions' '
	jwtcall POST /app/installations/42/access_tokens "$(sim_jwt)" &&
	code_is 201 &&
	jq -r .token out | grep -q "^ghs_[A-Za-z0-9]\{36\}$" &&
	test "$(jq -r .permissions.administration out)" = write &&
	test "$(jq -r .repository_selection out)" = all &&
	exp=$(jq -r .expires_at out) &&
	test "$(date -u -d "$exp" +%s)" -ge $(( $(date +%s) + 3500 ))
'

test_expect_success 'a narrowed token sees only its repositories and permissions' '
	printf "%s\n" "{\"repositories\":[\"admin\"],\"permissions\":{\"contents\":\"read\"}}" >body &&
	printf "Authorization: Bearer %s\n" "$(sim_jwt)" >jwthdr &&
	curl -sS -A t -H @jwthdr -X POST --data-binary @body -o tok.json \
		"$SIM_URL/app/installations/42/access_tokens" &&
	test "$(jq -r .repository_selection tok.json)" = selected &&
	test "$(jq -r ".repositories[0].full_name" tok.json)" = glow-org/admin &&
	test "$(jq -c .permissions tok.json)" = "{\"contents\":\"read\"}" &&
	as_tok "$(jq -r .token tok.json)" gh GET /installation/repositories &&
	code_is 200 &&
	test "$(jq -r "[.repositories[].full_name] | join(\",\")" out)" = glow-org/admin &&
	as_tok "$(jq -r .token tok.json)" gh GET /repos/glow-org/learning-room-template &&
	code_is 404 &&
	as_tok "$(jq -r .token tok.json)" ghb POST /repos/glow-org/admin/issues "{\"title\":\"x\"}" &&
	code_is 403
'

test_expect_success 'asking for more than the installation has is 422' '
	printf "Authorization: Bearer %s\n" "$(sim_jwt)" >jwthdr &&
	curl -sS -A t -H @jwthdr -X POST -o out -w "%{http_code}" \
		--data-binary "{\"permissions\":{\"secrets\":\"write\"}}" \
		"$SIM_URL/app/installations/42/access_tokens" >code &&
	code_is 422 &&
	curl -sS -A t -H @jwthdr -X POST -o out -w "%{http_code}" \
		--data-binary "{\"repositories\":[\"no-such-repo\"]}" \
		"$SIM_URL/app/installations/42/access_tokens" >code &&
	code_is 422 &&
	curl -sS -A t -H @jwthdr -X POST -o out -w "%{http_code}" \
		"$SIM_URL/app/installations/77/access_tokens" >code &&
	code_is 404
'

test_expect_success 'a token expires after token_ttl: 401 Bad credentials' '
	sim_ctl POST state "{\"op\":\"set_config\",\"token_ttl\":1}" >/dev/null &&
	t=$(sim_token) &&
	sim_ctl POST state "{\"op\":\"set_config\",\"token_ttl\":3600}" >/dev/null &&
	as_tok $t gh GET /repos/glow-org/admin && code_is 200 &&
	sleep 1.1 &&
	as_tok $t gh GET /repos/glow-org/admin && code_is 401 &&
	test "$(msg)" = "Bad credentials"
'

test_expect_success 'DELETE /installation/token revokes the token' '
	t=$(sim_token) &&
	as_tok $t gh DELETE /installation/token && code_is 204 &&
	as_tok $t gh GET /repos/glow-org/admin && code_is 401
'

test_expect_success 'a private repository the token cannot see is 404, a public one readable anonymously' '
	gh GET /repos/other-org/secret && code_is 404 &&
	as_tok "$(sim_token 43)" gh GET /repos/glow-org/admin && code_is 404 &&
	curl -sS -A t -o out -w "%{http_code}" "$SIM_URL/repos/glow-org/enrollment" >code &&
	code_is 200 &&
	curl -sS -A t -o out -w "%{http_code}" "$SIM_URL/repos/glow-org/admin" >code &&
	code_is 404
'

# -- generation from the template

test_expect_success 'generate: 201, Location, then content only after template_delay' '
	ghb POST /repos/glow-org/learning-room-template/generate \
		"{\"owner\":\"glow-org\",\"name\":\"room-alice\",\"private\":true}" &&
	code_is 201 &&
	test "$(jq -r .full_name out)" = glow-org/room-alice &&
	test "$(jq -r .private out)" = true &&
	test "$(header location)" = "$SIM_URL/repos/glow-org/room-alice" &&
	gh GET /repos/glow-org/room-alice/contents/.github/workflows/pr-validation-bot.yml &&
	code_is 404 &&
	gh GET /repos/glow-org/room-alice/git/ref/heads/main &&
	code_is 409 &&
	test "$(msg)" = "Git Repository is empty." &&
	sleep 0.4 &&
	gh GET /repos/glow-org/room-alice/contents/.github/workflows/pr-validation-bot.yml &&
	code_is 200 &&
	jq -r .content out | base64 -d >got &&
	sim_ctl GET state |
	jq -j ".repos[\"glow-org/learning-room-template\"].files[\".github/workflows/pr-validation-bot.yml\"]" >want &&
	test_cmp want got &&
	gh GET /repos/glow-org/room-alice/git/ref/heads/main && code_is 200
'

test_expect_success 'generate again: 422 name clash, and the simulator counts both calls' '
	ghb POST /repos/glow-org/learning-room-template/generate \
		"{\"owner\":\"glow-org\",\"name\":\"room-alice\",\"private\":true}" &&
	code_is 422 &&
	test "$(msg)" = "Could not clone: Name already exists on this account" &&
	test "$(sim_state ".generate_counts[\"glow-org/room-alice\"]")" = 2 &&
	test "$(sim_state ".generated[\"glow-org/room-alice\"]")" = 1
'

test_expect_success 'generating from a repository that is not a template is 422' '
	ghb POST /repos/glow-org/admin/generate "{\"owner\":\"glow-org\",\"name\":\"x\"}" &&
	code_is 422 &&
	test_grep "is not a template repository" out
'

# -- contents and git

test_expect_success 'contents: base64 with a newline every 60 characters, blob sha as git' '
	gh GET /repos/glow-org/learning-room-template/contents/.github/workflows/student-progression.yml &&
	code_is 200 &&
	test "$(jq -r .encoding out)" = base64 &&
	jq -j .content out >b64 &&
	awk "length(\$0) > 60 { bad = 1 } END { exit bad }" b64 &&
	test "$(head -n 1 b64 | wc -c)" = 61 &&
	base64 -d b64 >file &&
	sha=$(jq -r .sha out) &&
	test "$sha" = "$(printf "blob %d\\0" $(wc -c <file) | cat - file | sha1sum | cut -c1-40)" &&
	gh GET /repos/glow-org/learning-room-template/git/blobs/$sha && code_is 200 &&
	jq -r .content out | base64 -d >blob &&
	test_cmp file blob
'

test_expect_success 'a directory lists its entries; the tree lists every file' '
	gh GET /repos/glow-org/learning-room-template/contents/.github/workflows && code_is 200 &&
	test "$(jq -r "map(.name) | join(\",\")" out)" = content-validation.yml,pr-validation-bot.yml,student-progression.yml &&
	gh GET "/repos/glow-org/learning-room-template/git/trees/main?recursive=1" && code_is 200 &&
	test "$(jq -r "[.tree[] | select(.type == \"blob\") | .path] | length" out)" = 4
'

test_expect_success 'PUT contents: 201 new, 422 without sha, 200 with it; head sha moves' '
	gh GET /repos/glow-org/admin/branches/main && code_is 200 &&
	h1=$(jq -r .commit.sha out) &&
	c=$(printf "hello\n" | base64) &&
	ghb PUT /repos/glow-org/admin/contents/notes/a.txt "{\"message\":\"add\",\"content\":\"$c\"}" &&
	code_is 201 &&
	sha=$(jq -r .content.sha out) &&
	ghb PUT /repos/glow-org/admin/contents/notes/a.txt "{\"message\":\"again\",\"content\":\"$c\"}" &&
	code_is 422 &&
	ghb PUT /repos/glow-org/admin/contents/notes/a.txt "{\"message\":\"upd\",\"content\":\"$c\",\"sha\":\"$sha\"}" &&
	code_is 200 &&
	gh GET /repos/glow-org/admin/commits/main && code_is 200 &&
	h2=$(jq -r .sha out) &&
	test "$h1" != "$h2" &&
	gh GET /repos/glow-org/admin/git/ref/heads/main &&
	test "$(jq -r .object.sha out)" = "$h2"
'

# -- listings, pagination, ETags

test_expect_success 'owner listing: per_page, Link next/last on the same base URL' '
	ops=$(i=0; while [ $i -lt 25 ]; do
		printf "{\"op\":\"add_repo\",\"full_name\":\"glow-org/bulk-%02d\"}," $i
		i=$((i + 1)); done) &&
	sim_ctl POST state "[${ops%,}]" >/dev/null &&
	n=$(sim_state "[.repos | keys[] | select(startswith(\"glow-org/\"))] | length") &&
	gh GET "/orgs/glow-org/repos?per_page=10" && code_is 200 &&
	test "$(jq length out)" = 10 &&
	last=$(( (n + 9) / 10 )) &&
	header link >link &&
	test_grep "<$SIM_URL/orgs/glow-org/repos?per_page=10&page=2>; rel=\"next\"" link &&
	test_grep "<$SIM_URL/orgs/glow-org/repos?per_page=10&page=$last>; rel=\"last\"" link &&
	gh GET "/orgs/glow-org/repos?per_page=10&page=$last" && code_is 200 &&
	test "$(jq length out)" = $(( n - (last - 1) * 10 )) &&
	header link >link &&
	test_grep "rel=\"prev\"" link &&
	test_grep -v "rel=\"next\"" link
'

test_expect_success 'all pages together list every repository once' '
	: >all && p=1 &&
	while [ $p -le 10 ]; do
		gh GET "/orgs/glow-org/repos?per_page=7&page=$p" && code_is 200 &&
		jq -r ".[].full_name" out >>all &&
		p=$((p + 1)) || return 1
	done &&
	sim_state ".repos | keys[] | select(startswith(\"glow-org/\"))" | sort >want &&
	sort all >got &&
	test_cmp want got
'

test_expect_success 'ETag: If-None-Match answers 304, empty, not counted; a change gives 200' '
	gh GET /orgs/glow-org/repos && code_is 200 &&
	etag=$(header etag) &&
	case $etag in W/*) ;; *) false ;; esac &&
	used=$(header x-ratelimit-used) &&
	gh GET /orgs/glow-org/repos -H "If-None-Match: $etag" &&
	code_is 304 &&
	test ! -s out &&
	test "$(header x-ratelimit-used)" = "$used" &&
	sim_ctl POST state "{\"op\":\"add_repo\",\"full_name\":\"glow-org/zz-new\"}" >/dev/null &&
	gh GET /orgs/glow-org/repos -H "If-None-Match: $etag" &&
	code_is 200 &&
	test "$(header etag)" != "$etag"
'

# -- collaborators and invitations

test_expect_success 'invite: 201 invitation, again the same one, then accepted: 204' '
	ghb PUT /repos/glow-org/room-alice/collaborators/alice "{\"permission\":\"push\"}" &&
	code_is 201 &&
	id=$(jq -r .id out) &&
	test "$(jq -r .invitee.login out)" = alice &&
	test "$(jq -r .permissions out)" = write &&
	ghb PUT /repos/glow-org/room-alice/collaborators/alice "{\"permission\":\"push\"}" &&
	code_is 201 &&
	test "$(jq -r .id out)" = "$id" &&
	gh GET /repos/glow-org/room-alice/collaborators/alice && code_is 404 &&
	sim_ctl POST state "{\"op\":\"accept_invitation\",\"repo\":\"glow-org/room-alice\",\"user\":\"alice\"}" >/dev/null &&
	gh GET /repos/glow-org/room-alice/collaborators/alice && code_is 204 &&
	ghb PUT /repos/glow-org/room-alice/collaborators/alice "{\"permission\":\"push\"}" &&
	code_is 204
'

test_expect_success 'invite a user who does not exist: 404; bad permission: 422' '
	ghb PUT /repos/glow-org/room-alice/collaborators/no-such-user-x "{}" && code_is 404 &&
	ghb PUT /repos/glow-org/room-alice/collaborators/bob "{\"permission\":\"owner\"}" && code_is 422
'

test_expect_success 'an expired invitation reads expired: true and can be deleted' '
	ghb PUT /repos/glow-org/room-alice/collaborators/bob "{}" && code_is 201 &&
	id=$(jq -r .id out) &&
	gh GET /repos/glow-org/room-alice/invitations && code_is 200 &&
	test "$(jq -r ".[] | select(.id == $id) | .expired" out)" = false &&
	sim_ctl POST state "{\"op\":\"expire_invitation\",\"repo\":\"glow-org/room-alice\",\"id\":$id}" >/dev/null &&
	gh GET /repos/glow-org/room-alice/invitations &&
	test "$(jq -r ".[] | select(.id == $id) | .expired" out)" = true &&
	gh DELETE /repos/glow-org/room-alice/invitations/$id && code_is 204 &&
	gh GET /repos/glow-org/room-alice/invitations &&
	test "$(jq "map(select(.id == $id)) | length" out)" = 0
'

test_expect_success 'invitations expire by themselves after invitation_ttl' '
	sim_ctl POST state "{\"op\":\"set_config\",\"invitation_ttl\":0.2}" >/dev/null &&
	ghb PUT /repos/glow-org/room-alice/collaborators/carol "{}" && code_is 201 &&
	sleep 0.3 &&
	gh GET /repos/glow-org/room-alice/invitations &&
	sim_ctl POST state "{\"op\":\"set_config\",\"invitation_ttl\":604800}" >/dev/null &&
	test "$(jq -r ".[] | select(.invitee.login == \"carol\") | .expired" out)" = true
'

# -- issues, comments, labels, pulls

test_expect_success 'issues: create, comment, label, filter by state and labels' '
	ghb POST /repos/glow-org/enrollment/issues "{\"title\":\"Register\",\"body\":\"hi\"}" &&
	code_is 201 &&
	n=$(jq -r .number out) &&
	test "$(jq -r .user.login out)" = "glow-test-app[bot]" &&
	ghb POST /repos/glow-org/enrollment/issues/$n/comments "{\"body\":\"ack\"}" && code_is 201 &&
	ghb POST /repos/glow-org/enrollment/issues/$n/labels "{\"labels\":[\"acked\"]}" && code_is 200 &&
	gh GET "/repos/glow-org/enrollment/issues?labels=acked" && code_is 200 &&
	test "$(jq -r ".[0].number" out)" = "$n" &&
	test "$(jq -r ".[0].comments" out)" = 1 &&
	ghb PATCH /repos/glow-org/enrollment/issues/$n "{\"state\":\"closed\"}" && code_is 200 &&
	gh GET /repos/glow-org/enrollment/issues && test "$(jq length out)" = 0 &&
	gh GET "/repos/glow-org/enrollment/issues?state=closed" && test "$(jq length out)" = 1 &&
	gh GET /repos/glow-org/enrollment/issues/$n/comments && test "$(jq -r ".[0].body" out)" = ack &&
	cid=$(jq -r ".[0].id" out) &&
	ghb PATCH /repos/glow-org/enrollment/issues/comments/$cid "{\"body\":\"ack again\"}" &&
	code_is 200 &&
	gh GET /repos/glow-org/enrollment/issues/comments/$cid && code_is 200 &&
	test "$(jq -r .body out)" = "ack again"
'

test_expect_success 'pull requests appear in the issues list with a pull_request key' '
	sim_ctl POST state "{\"op\":\"add_pull\",\"repo\":\"glow-org/enrollment\",\"title\":\"PR\",\"user\":\"alice\",\"body\":\"Closes #1\"}" >r &&
	n=$(jq -r ".results[0].number" r) &&
	gh GET "/repos/glow-org/enrollment/issues?state=all" &&
	test "$(jq -r ".[] | select(.number == $n) | .pull_request.url" out)" = "$SIM_URL/repos/glow-org/enrollment/pulls/$n" &&
	gh GET /repos/glow-org/enrollment/pulls/$n && code_is 200 &&
	test "$(jq -r .body out)" = "Closes #1"
'

test_expect_success 'pull files are capped at 3000; the diff is 406 above 300 files' '
	sim_ctl POST state "{\"op\":\"add_pull\",\"repo\":\"glow-org/enrollment\",\"file_count\":3005}" >r &&
	n=$(jq -r ".results[0].number" r) &&
	gh GET "/repos/glow-org/enrollment/pulls/$n/files?per_page=100&page=30" && code_is 200 &&
	test "$(jq length out)" = 100 &&
	gh GET "/repos/glow-org/enrollment/pulls/$n/files?per_page=100&page=31" && code_is 200 &&
	test "$(jq length out)" = 0 &&
	gh GET /repos/glow-org/enrollment/pulls/$n -H "Accept: application/vnd.github.diff" &&
	code_is 406 &&
	sim_ctl POST state "{\"op\":\"add_pull\",\"repo\":\"glow-org/enrollment\",\"file_count\":2}" >r &&
	n=$(jq -r ".results[0].number" r) &&
	gh GET /repos/glow-org/enrollment/pulls/$n -H "Accept: application/vnd.github.diff" &&
	code_is 200 &&
	test "$(grep -c "^diff --git" out)" = 2
'

# -- limits

test_expect_success 'secondary content limit: beyond per_window 403 with retry-after, then free again' '
	sim_ctl POST state "{\"op\":\"set_config\",\"content_limit\":{\"per_window\":3,\"window\":1}}" >/dev/null &&
	sim_ctl POST state "{\"op\":\"reset_limits\"}" >/dev/null &&
	before=$(sim_state .secondary_limited) &&
	for i in 1 2 3; do
		ghb POST /repos/glow-org/enrollment/issues "{\"title\":\"t$i\"}" && code_is 201 || return 1
	done &&
	ghb POST /repos/glow-org/enrollment/issues "{\"title\":\"t4\"}" &&
	code_is 403 &&
	test_grep "You have exceeded a secondary rate limit" out &&
	ra=$(header retry-after) &&
	test "$ra" -ge 1 && test "$ra" -le 1 &&
	test "$(sim_state .secondary_limited)" = $((before + 1)) &&
	gh GET /repos/glow-org/enrollment && code_is 200 &&
	sleep "$ra" &&
	ghb POST /repos/glow-org/enrollment/issues "{\"title\":\"t5\"}" && code_is 201 &&
	sim_ctl POST state "{\"op\":\"set_config\",\"content_limit\":{\"per_window\":80,\"window\":60}}" >/dev/null
'

test_expect_success 'primary limit: 403 with x-ratelimit-remaining 0 and the installation named' '
	sim_ctl POST state "[{\"op\":\"reset_limits\"},{\"op\":\"set_config\",\"primary_limit\":3}]" >/dev/null &&
	gh GET /repos/glow-org/admin && code_is 200 &&
	test "$(header x-ratelimit-remaining)" = 2 &&
	gh GET /repos/glow-org/admin && gh GET /repos/glow-org/admin && code_is 200 &&
	test "$(header x-ratelimit-remaining)" = 0 &&
	gh GET /repos/glow-org/admin && code_is 403 &&
	test "$(header x-ratelimit-remaining)" = 0 &&
	test_grep "API rate limit exceeded for installation ID 42" out &&
	sim_ctl POST state "[{\"op\":\"reset_limits\"},{\"op\":\"set_config\",\"primary_limit\":5000}]" >/dev/null
'

# -- faults

test_expect_success 'fault status: answers 502 the given number of times, then normally' '
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"status\",\"status\":502,\"times\":2}" &&
	gh GET /repos/glow-org/admin && code_is 502 &&
	gh GET /repos/glow-org/admin && code_is 502 &&
	gh GET /repos/glow-org/admin && code_is 200
'

test_expect_success 'fault skip: lets the first matches through' '
	sim_fault "{\"method\":\"GET\",\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"status\",\"status\":503,\"skip\":1}" &&
	gh GET /repos/glow-org/admin && code_is 200 &&
	gh GET /repos/glow-org/admin && code_is 503 &&
	gh GET /repos/glow-org/admin && code_is 200
'

test_expect_success 'fault reset: the connection closes without an answer' '
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"reset\"}" &&
	{ gh GET /repos/glow-org/admin 2>err; s=$?; } &&
	case $s in 52|56) ;; *) echo "curl exited $s" >&2; false ;; esac &&
	gh GET /repos/glow-org/admin && code_is 200
'

test_expect_success 'fault reset on a reused connection: curl resends it once' '
	sim_ctl DELETE requests >/dev/null &&
	sim_fault "{\"path\":\"^/repos/glow-org/enrollment$\",\"kind\":\"reset\",\"skip\":1}" &&
	curl -sS -A t -o /dev/null -o /dev/null -w "%{http_code}\n" \
		"$SIM_URL/repos/glow-org/enrollment" "$SIM_URL/repos/glow-org/enrollment" >codes &&
	test "$(grep -c "^200$" codes)" = 2 &&
	test "$(sim_count GET "^/repos/glow-org/enrollment$")" = 3
'

test_expect_success 'fault truncate: headers, part of the body, a reset; never resent' '
	sim_ctl DELETE requests >/dev/null &&
	sim_fault "{\"path\":\"^/repos/glow-org/enrollment$\",\"kind\":\"truncate\",\"skip\":1}" &&
	{ curl -sS -A t -o /dev/null -o /dev/null \
		"$SIM_URL/repos/glow-org/enrollment" "$SIM_URL/repos/glow-org/enrollment" 2>err; s=$?; } &&
	case $s in 18|56) ;; *) echo "curl exited $s" >&2; false ;; esac &&
	test "$(sim_count GET "^/repos/glow-org/enrollment$")" = 2 &&
	gh GET /repos/glow-org/enrollment && code_is 200
'

test_expect_success 'fault slow: the answer comes after the delay' '
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"slow\",\"delay\":0.5}" &&
	gh GET /repos/glow-org/admin -w "%{http_code} %{time_total}" &&
	c=$(cut -d " " -f 1 code) && t=$(cut -d " " -f 2 code) &&
	test "$c" = 200 &&
	awk "BEGIN { exit !($t >= 0.5) }"
'

test_expect_success 'fault secondary: 403 with retry-after; secondary429: 429 without' '
	sim_fault "{\"path\":\"generate$\",\"kind\":\"secondary\",\"retry_after\":2}" &&
	ghb POST /repos/glow-org/learning-room-template/generate "{\"name\":\"room-x\"}" &&
	code_is 403 && test "$(header retry-after)" = 2 &&
	test_grep "secondary rate limit" out &&
	test "$(header x-ratelimit-remaining)" -gt 0 &&
	sim_fault "{\"path\":\"generate$\",\"kind\":\"secondary429\"}" &&
	ghb POST /repos/glow-org/learning-room-template/generate "{\"name\":\"room-x\"}" &&
	code_is 429 && test -z "$(header retry-after)" &&
	test "$(sim_state ".generate_counts[\"glow-org/room-x\"] // 0")" = 0
'

test_expect_success 'fault primary: 403, remaining 0, reset retry_after ahead' '
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"primary\",\"retry_after\":30}" &&
	now=$(date +%s) &&
	gh GET /repos/glow-org/admin && code_is 403 &&
	test "$(header x-ratelimit-remaining)" = 0 &&
	r=$(header x-ratelimit-reset) &&
	test "$r" -ge $((now + 29)) && test "$r" -le $((now + 32)) &&
	test_grep "API rate limit exceeded" out
'

test_expect_success 'fault plain403 and badjson' '
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"plain403\"}" &&
	gh GET /repos/glow-org/admin && code_is 403 &&
	test "$(msg)" = "Resource not accessible by integration" &&
	test -z "$(header retry-after)" &&
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"badjson\"}" &&
	gh GET /repos/glow-org/admin && code_is 200 &&
	! jq . out >/dev/null 2>&1
'

test_expect_success 'fault lost: the write takes effect, its answer is a 502' '
	sim_ctl DELETE requests >/dev/null &&
	sim_fault "{\"method\":\"POST\",\"path\":\"/generate\$\",\"kind\":\"lost\"}" &&
	ghb POST /repos/glow-org/learning-room-template/generate \
		"{\"owner\":\"glow-org\",\"name\":\"room-lost\",\"private\":true}" &&
	code_is 502 &&
	test "$(sim_state ".generated[\"glow-org/room-lost\"]")" = 1 &&
	sim_ctl GET requests | jq -e ".[-1] | .fault == \"lost\" and .lost_status == 201 and .status == 502" &&
	ghb POST /repos/glow-org/learning-room-template/generate \
		"{\"owner\":\"glow-org\",\"name\":\"room-lost\",\"private\":true}" &&
	code_is 422
'

test_expect_success 'replication lag: a generated repository answers 404 for a while' '
	sim_ctl POST state "{\"op\":\"set_config\",\"replication_lag\":0.5,\"template_delay\":0}" >/dev/null &&
	ghb POST /repos/glow-org/learning-room-template/generate \
		"{\"owner\":\"glow-org\",\"name\":\"room-lag\",\"private\":true}" &&
	code_is 201 &&
	gh GET /repos/glow-org/room-lag && code_is 404 && test "$(msg)" = "Not Found" &&
	gh GET /repos/glow-org/room-lag/contents/.github/workflows && code_is 404 &&
	sleep 0.6 &&
	gh GET /repos/glow-org/room-lag/contents/.github/workflows && code_is 200 &&
	sim_ctl POST state "{\"op\":\"set_config\",\"replication_lag\":0,\"template_delay\":0.3}" >/dev/null
'

test_expect_success 'template_delay_max: content arrives at a random time in the range' '
	sim_ctl POST state "{\"op\":\"set_config\",\"template_delay\":0.2,\"template_delay_max\":0.6}" >/dev/null &&
	for n in 1 2 3 4 5 6; do
		ghb POST /repos/glow-org/learning-room-template/generate \
			"{\"owner\":\"glow-org\",\"name\":\"room-rand$n\",\"private\":true}" && code_is 201 || exit 1
	done &&
	gh GET /repos/glow-org/room-rand1/contents/.github/workflows && code_is 404 &&
	sleep 0.7 &&
	for n in 1 2 3 4 5 6; do
		gh GET /repos/glow-org/room-rand$n/contents/.github/workflows && code_is 200 || exit 1
	done &&
	sim_ctl POST state "{\"op\":\"set_config\",\"template_delay\":0.3,\"template_delay_max\":0}" >/dev/null
'

test_expect_success 'add_repo from a template: template_repository, description' '
	sim_ctl POST state "{\"op\":\"add_repo\",\"full_name\":\"glow-org/made\",\"template\":\"glow-org/learning-room-template\",\"description\":\"d\"}" >/dev/null &&
	gh GET /repos/glow-org/made && code_is 200 &&
	test "$(jq -r .template_repository.full_name out)" = glow-org/learning-room-template &&
	test "$(jq -r .description out)" = d
'

test_expect_success 'DELETE /_sim/faults clears pending faults' '
	sim_fault "{\"path\":\"^/repos/glow-org/admin$\",\"kind\":\"status\",\"times\":-1}" &&
	gh GET /repos/glow-org/admin && code_is 502 &&
	sim_ctl DELETE faults >/dev/null &&
	gh GET /repos/glow-org/admin && code_is 200
'

# -- the request log

test_expect_success 'the request log records method, path, query, status and auth' '
	sim_ctl DELETE requests >/dev/null &&
	gh GET "/orgs/glow-org/repos?per_page=5" &&
	as_tok ghs_nonsense gh GET /repos/glow-org/admin &&
	curl -sS -A t -o /dev/null "$SIM_URL/repos/glow-org/enrollment" &&
	jwtcall GET /app "$(sim_jwt)" &&
	sim_requests >log &&
	test "$(wc -l <log)" = 4 &&
	test "$(sed -n 1p log | jq -r "[.method, .path, .query, .status, .auth] | join(\" \")")" = \
		"GET /orgs/glow-org/repos per_page=5 200 token" &&
	test "$(sed -n 2p log | jq -r "[.status, .auth] | join(\" \")")" = "401 bad" &&
	test "$(sed -n 3p log | jq -r .auth)" = none &&
	test "$(sed -n 4p log | jq -r .auth)" = jwt &&
	test "$(sim_count GET "^/repos/")" = 2 &&
	test "$(sim_count "*" "^/orgs/glow-org/repos$")" = 1 &&
	test "$(sim_count POST ".")" = 0
'

test_expect_success 'the simulator answers concurrent clients consistently' '
	sim_ctl DELETE requests >/dev/null &&
	for k in 1 2 3 4; do
		(i=0; while [ $i -lt 50 ]; do
			printf "url = \"%s\"\noutput = /dev/null\n" "$SIM_URL/repos/glow-org/admin"
			i=$((i + 1)); done) >urls$k &&
		curl -sS -A t -H "Authorization: token $TOK" -K urls$k -w "%{http_code}\n" >codes$k &
	done &&
	wait &&
	test "$(cat codes1 codes2 codes3 codes4 | grep -c "^200$")" = 200 &&
	test "$(sim_count GET "^/repos/glow-org/admin$")" = 200
'

test_expect_success 'a renamed repository answers 301 to its new home' '
	sim_ctl POST state "{\"op\":\"rename_repo\",\"repo\":\"glow-org/zz-new\",\"name\":\"zz-renamed\"}" >/dev/null &&
	gh GET /repos/glow-org/zz-new && code_is 301 &&
	gh GET /repos/glow-org/zz-new -L && code_is 200 &&
	test "$(jq -r .full_name out)" = glow-org/zz-renamed
'

# -- HTTPS

test_expect_success 'HTTPS on localhost with the test CA' '
	(
		sim_start sim.json --tls &&
		case $SIM_URL in https://localhost:*) ;; *) false ;; esac &&
		test -s "$SSL_CERT_FILE" &&
		curl -sS -A t -o out -w "%{http_code}" "$SIM_URL/repos/glow-org/enrollment" >code &&
		code_is 200 &&
		test "$(jq -r .url out)" = "$SIM_URL/repos/glow-org/enrollment" &&
		sim_stop
	)
'

test_done
