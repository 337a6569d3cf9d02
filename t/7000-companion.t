#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-companion as a CGI program: environment and stdin in, the response
# out, no server.  Every route, and every security rule of issue 7,
# including the earlier implementation's failures: an open redirect with
# //evil, a non-ASCII token answered with a 500, re-registration resetting
# a learner, a corrupt roster answered with a 500, sign-in with an empty
# configured token.
. "${0%/*}/lib.sh"

command -v jq >/dev/null || skip_all 'jq is not installed'

TOKEN='s3cret-facilitator-token'
unset COMPANION_SECRET_KEY COMPANION_FACILITATOR_TOKEN_FILE \
      COMPANION_TRUSTED_PROXIES COMPANION_BASE_PATH HTTPS HTTP_COOKIE \
      HTTP_ACCEPT HTTP_AUTHORIZATION HTTP_X_FORWARDED_FOR SCRIPT_NAME
COMPANION_ROSTER_PATH=$TRASH/roster.json
COMPANION_STATE_DIR=$TRASH/state
COMPANION_FACILITATOR_TOKEN=$TOKEN
export COMPANION_ROSTER_PATH COMPANION_STATE_DIR COMPANION_FACILITATOR_TOKEN
REMOTE_ADDR=198.51.100.7
# No limit, but in the tests of the limit (0 turns it off).
COMPANION_RATE_LIMIT_MAX=0
export REMOTE_ADDR COMPANION_RATE_LIMIT_MAX
cp "$GLOW_SRC/examples/roster.example.json" roster.json

# req METHOD PATH[?QUERY] [BODY]: one request; the response goes to
# resp, its head to head (CRs removed), its body to body, the status to
# status, stderr to err.  CT, CL and JAR (a cookie value) shape it.
req() {
	m=$1 p=$2 b=${3-}
	q=
	case $p in *\?*) q=${p#*\?}; p=${p%%\?*} ;; esac
	printf '%s' "$b" >req.in
	if [ -n "${JAR-}" ]; then HTTP_COOKIE="glow_session=$JAR"; export HTTP_COOKIE
	else unset HTTP_COOKIE; fi
	REQUEST_METHOD=$m PATH_INFO=$p QUERY_STRING=$q \
	CONTENT_TYPE=${CT-application/x-www-form-urlencoded} \
	CONTENT_LENGTH=${CL-${#b}} glow-companion <req.in >resp 2>err
	rc=$?
	tr -d '\r' <resp | sed '/^$/q' >head
	tr -d '\r' <resp | sed '1,/^$/d' >body
	sed -n 's/^Status: \([0-9]*\).*/\1/p' head >status
	[ $rc -eq 0 ] || { echo "glow-companion exited $rc" >&2; return 1; }
}
status_is() { test "$(cat status)" = "$1" || { echo "status $(cat status), wanted $1" >&2; cat head >&2; return 1; }; }
cookie_of() { sed -n 's/^Set-Cookie: glow_session=\([^;]*\);.*/\1/p' head; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' body | head -n 1; }
location() { sed -n 's/^Location: //p' head; }

# A fresh learner session: JAR and CSRF set from GET /register.
fresh() {
	JAR= && req GET /register && JAR=$(cookie_of) && CSRF=$(csrf_of) &&
	test -n "$JAR" && test -n "$CSRF"
}
# A facilitator session: FJAR and FCSRF.
signin() {
	JAR= && req GET /login && JAR=$(cookie_of) && c=$(csrf_of) &&
	req POST /login "csrf=$c&token=$TOKEN" && status_is 303 &&
	FJAR=$(cookie_of) && JAR=$FJAR && req GET /dashboard && status_is 200 &&
	FCSRF=$(csrf_of)
}

test_expect_success 'usage: -h, -V, and no CGI environment' '
	glow-companion -h >out && grep -q "usage: glow-companion" out &&
	glow-companion -V >out && grep -q "glow-companion" out &&
	test_expect_code 2 glow-companion -x 2>err &&
	(unset REQUEST_METHOD; test_expect_code 2 glow-companion 2>err) &&
	grep -q "glow-companion: cannot serve a request" err
'

test_expect_success '/ redirects to /register' '
	req GET / && status_is 303 && test "$(location)" = /register
'

test_expect_success 'a mount point (SCRIPT_NAME) prefixes every link and redirect' '
	SCRIPT_NAME=/app req GET / && test "$(location)" = /app/register &&
	SCRIPT_NAME=/app req GET /register &&
	grep -q "href=\"/app/static/companion.css\"" body &&
	grep -q "action=\"/app/register\"" body &&
	grep -q "Path=/app/;" head
'

test_expect_success 'GET /register: the form, a session cookie, strict headers' '
	req GET /register && status_is 200 &&
	grep -q "^Content-Security-Policy: default-src '\''none'\''; style-src '\''self'\''; img-src '\''self'\''; form-action '\''self'\''; frame-ancestors '\''none'\''; base-uri '\''none'\''$" head &&
	! grep -i "script-src\|unsafe" head &&
	grep -q "^X-Content-Type-Options: nosniff$" head &&
	grep -q "^X-Frame-Options: DENY$" head &&
	grep -q "^Referrer-Policy: no-referrer$" head &&
	grep -q "^Cache-Control: no-store$" head &&
	! grep -q "Strict-Transport-Security" head &&
	grep -q "^Set-Cookie: glow_session=[0-9a-f]\{32\}\.a\.[0-9]*\.[0-9a-f]\{64\}; Path=/; Max-Age=[0-9]*; HttpOnly; SameSite=Lax; Secure$" head &&
	! grep -qi "<script" body && ! grep -q " style=" body && ! grep -q " on[a-z]*=" body
'

test_expect_success 'COMPANION_SECURE_COOKIES=0 (only 0) drops Secure; HTTPS adds HSTS' '
	COMPANION_SECURE_COOKIES=0 req GET /register &&
	grep "^Set-Cookie:" head >c && ! grep -q Secure c && grep -q HttpOnly c &&
	COMPANION_SECURE_COOKIES=no req GET /register && grep -q "; Secure$" head &&
	HTTPS=on req GET /register &&
	grep -q "^Strict-Transport-Security: max-age=31536000" head &&
	HTTPS=on req GET /healthz && grep -q "^Strict-Transport-Security:" head
'

test_expect_success 'the page shell: landmarks, skip link, one h1, labelled fields' '
	req GET /register &&
	grep -q "<html lang=\"en\">" body &&
	grep -q "<a class=\"skip-link\" href=\"#main\">" body &&
	grep -q "<main id=\"main\"" body && grep -q "<nav aria-label=\"Main\">" body &&
	grep -q "<header" body && grep -q "<footer" body &&
	test "$(grep -c "<h1>" body)" = 1 &&
	grep -q "role=\"status\" aria-live=\"polite\"" body &&
	grep -q "<label for=\"github_handle\">" body &&
	grep -q "aria-describedby=\"github_handle-hint\"" body &&
	grep -q "<label for=\"cohort_id\">" body &&
	grep -q "<legend>" body && grep -q "<input id=\"path\" name=\"path\" type=\"radio\"" body &&
	grep -q "<option value=\"spring-2026\" selected>Spring 2026 workshop</option>" body
'

test_expect_success 'the state directory is made 0700 with a 0600 key, kept across requests' '
	test "$(stat -c %a state)" = 700 &&
	test "$(stat -c %a state/key)" = 600 &&
	test "$(stat -c %s state/key)" = 32 &&
	cp state/key key.before && req GET /register && cmp state/key key.before
'

test_expect_success 'a state directory open to others is refused (503, not 500)' '
	mkdir -p open && chmod 755 open &&
	COMPANION_STATE_DIR=$TRASH/open req GET /register && status_is 503 &&
	grep -q "cannot use state directory" err && ! test -e open/key
'

test_expect_success 'COMPANION_SECRET_KEY: no key file, and cookies made under it verify' '
	COMPANION_SECRET_KEY=k1 COMPANION_STATE_DIR=$TRASH/st2 req GET /register &&
	! test -e st2/key && JAR=$(cookie_of) && CSRF=$(csrf_of) &&
	COMPANION_SECRET_KEY=k1 COMPANION_STATE_DIR=$TRASH/st2 \
	    req POST /register "csrf=$CSRF&github_handle=keyed&cohort_id=spring-2026&path=day1-day2" &&
	status_is 303 &&
	COMPANION_SECRET_KEY=k2 COMPANION_STATE_DIR=$TRASH/st2 \
	    req POST /register "csrf=$CSRF&github_handle=keyed2&cohort_id=spring-2026&path=day1-day2" &&
	status_is 403
'

test_expect_success 'COMPANION_SECRET_KEY=@file is read; an unreadable one is a 503' '
	printf "file-key\n" >sk && chmod 600 sk &&
	COMPANION_SECRET_KEY=@$TRASH/sk COMPANION_STATE_DIR=$TRASH/st4 req GET /register && status_is 200 &&
	JAR=$(cookie_of) && CSRF=$(csrf_of) && ! test -e st4/key &&
	COMPANION_SECRET_KEY=file-key COMPANION_STATE_DIR=$TRASH/st4 \
	    req POST /register "csrf=$CSRF&github_handle=&cohort_id=spring-2026&path=day1-day2" &&
	status_is 422 &&
	COMPANION_SECRET_KEY=@$TRASH/missing req GET /register && status_is 503 &&
	grep -q "cannot read COMPANION_SECRET_KEY" err
'

test_expect_success 'registration: 303 to the confirmation, learner added with defaults' '
	fresh &&
	req POST /register "csrf=$CSRF&github_handle=%40Carol-New&cohort_id=spring-2026&path=day2-only" &&
	status_is 303 && location | grep -q "^/register/success?h=Carol-New&c=spring-2026&m=[0-9a-f]\{32\}$" &&
	jq -e ".learners[] | select(.github_handle == \"Carol-New\") |
	    .cohort_id == \"spring-2026\" and .path == \"day2-only\" and
	    .provision_state == \"pending\" and .status == \"awaiting-ack\" and
	    .learning_room_repo == null and .notes == \"\" and
	    (.registered_at | test(\"^20[0-9-]+T[0-9:.]+Z$\"))" roster.json &&
	glow-roster validate roster.json &&
	test "$(stat -c %a roster.json)" = "$(stat -c %a "$GLOW_SRC/examples/roster.example.json")" &&
	req GET "$(location)" && status_is 200 &&
	grep -q "Carol-New is registered for spring-2026" body &&
	grep -q "Registration complete" body
'

test_expect_success 'the confirmation names nobody for a forged or foreign link' '
	fresh &&
	req GET "/register/success?h=mallory&c=spring-2026&m=00000000000000000000000000000000" &&
	status_is 200 && ! grep -q mallory body &&
	JAR= req GET "/register/success?h=Carol-New&c=spring-2026&m=0" && ! grep -q Carol-New body
'

test_expect_success 'a planted cookie of the same name does not hide the good one' '
	fresh && cp roster.json before-planted.json &&
	HTTP_COOKIE="glow_session=planted.a.1.00; glow_session=$JAR" &&
	export HTTP_COOKIE &&
	printf "%s" "csrf=$CSRF&github_handle=planted-ok&cohort_id=spring-2026&path=day1-day2" >req.in &&
	REQUEST_METHOD=POST PATH_INFO=/register CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=$(wc -c <req.in) glow-companion <req.in >resp 2>err &&
	unset HTTP_COOKIE &&
	grep -q "^Status: 303" resp &&
	jq -e ".learners[] | select(.github_handle == \"planted-ok\")" roster.json &&
	cp before-planted.json roster.json
'

test_expect_success 're-registration changes nothing, and answers as a new one (no one learns who is registered)' '
	cp roster.json before.json &&
	fresh &&
	req POST /register "csrf=$CSRF&github_handle=ALICE-example&cohort_id=spring-2026&path=day2-only" &&
	status_is 303 && grep "^Location:" head | sed "s/m=.*//" >got &&
	cmp roster.json before.json &&
	req POST /register "csrf=$CSRF&github_handle=nobody-yet&cohort_id=spring-2026&path=day2-only" &&
	status_is 303 && grep "^Location:" head | sed "s/m=.*//;s/nobody-yet/ALICE-example/" >new &&
	test_cmp new got &&
	cp before.json roster.json &&
	jq -e ".learners[] | select(.github_handle == \"alice-example\") |
	    .provision_state == \"provisioned\" and .status == \"active-day1\" and .path == \"day1-day2\"" roster.json
'

test_expect_success 'validation: handle rule, cohort from the roster, path enum: 422, nothing written' '
	cp roster.json before.json &&
	for h in "" "-bad" "bad-" "a--b" "a_b" "%40%40x" \
	    "abcdefghijabcdefghijabcdefghijabcdefghij" "caf%C3%A9"; do
		fresh &&
		req POST /register "csrf=$CSRF&github_handle=$h&cohort_id=spring-2026&path=day1-day2" &&
		status_is 422 && grep -q "<a href=\"#github_handle\">" body || return 1
	done &&
	fresh &&
	req POST /register "csrf=$CSRF&github_handle=dave&cohort_id=nope&path=x" &&
	status_is 422 &&
	grep -q "<a href=\"#cohort_id\">Choose one of the cohorts in the list</a>" body &&
	grep -q "<a href=\"#path\">" body &&
	grep -q "<input id=\"path\" name=\"path\" type=\"radio\" value=\"day1-day2\" aria-describedby=\"path-day1-day2-hint\" aria-invalid=\"true\">" body &&
	grep -q "aria-describedby=\"cohort_id-hint cohort_id-error\" aria-invalid=\"true\"" body &&
	grep -q "<p class=\"error-message\" id=\"cohort_id-error\">" body &&
	grep -q "<title>Error: " body &&
	cmp roster.json before.json
'

test_expect_success 'every value shown again is escaped' '
	fresh &&
	req POST /register "csrf=$CSRF&github_handle=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%27&cohort_id=%3Cb%3E&path=day1-day2" &&
	status_is 422 && ! grep -q "<script>" body && ! grep -q "<b>" body &&
	grep -q "value=\"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;\"" body
'

test_expect_success 'CSRF: missing, foreign or tampered token, or no session: 403, nothing written' '
	cp roster.json before.json &&
	fresh && other=$CSRF && fresh &&
	req POST /register "github_handle=erin&cohort_id=spring-2026&path=day1-day2" && status_is 403 &&
	req POST /register "csrf=$other&github_handle=erin&cohort_id=spring-2026&path=day1-day2" && status_is 403 &&
	# tampered: the last hex digit changed (to 1 if it was 0, else to 0)
	case $CSRF in *0) t=1 ;; *) t=0 ;; esac &&
	req POST /register "csrf=${CSRF%?}$t&github_handle=erin&cohort_id=spring-2026&path=day1-day2" && status_is 403 &&
	good=$JAR && JAR= &&
	req POST /register "csrf=$CSRF&github_handle=erin&cohort_id=spring-2026&path=day1-day2" && status_is 403 &&
	JAR=$(printf %s "$good" | sed "s/\.a\./.f./") &&
	req POST /register "csrf=$CSRF&github_handle=erin&cohort_id=spring-2026&path=day1-day2" && status_is 403 &&
	cmp roster.json before.json
'

test_expect_success 'an expired session is no session' '
	fresh && exp=$(printf %s "$JAR" | cut -d. -f3) &&
	JAR=$(printf %s "$JAR" | sed "s/\.$exp\./.1000./") &&
	req POST /register "csrf=$CSRF&github_handle=erin&cohort_id=spring-2026&path=day1-day2" &&
	status_is 403
'

test_expect_success 'bad bodies: 415, 411, 413 (unread), 400 for invalid UTF-8, escapes, cut short' '
	fresh &&
	CT=text/plain req POST /register "csrf=$CSRF" && status_is 415 &&
	CT=multipart/form-data req POST /register "csrf=$CSRF" && status_is 415 &&
	CL= req POST /register "csrf=$CSRF" && status_is 411 &&
	CL=99999999999999999999 req POST /register "csrf=$CSRF" && status_is 413 &&
	CL=1000000 req POST /register "csrf=$CSRF" && status_is 413 &&
	CL=12x req POST /register "csrf=$CSRF" && status_is 400 &&
	req POST /register "csrf=$CSRF&github_handle=%FF%FE&cohort_id=spring-2026&path=day1-day2" && status_is 400 &&
	req POST /register "csrf=$CSRF&github_handle=$(printf "\\377")&cohort_id=spring-2026" && status_is 400 &&
	req POST /register "csrf=$CSRF&github_handle=%ED%A0%80" && status_is 400 &&
	req POST /register "csrf=$CSRF&github_handle=a%00b" && status_is 400 &&
	req POST /register "csrf=$CSRF&github_handle=%G1" && status_is 400 &&
	req POST /register "csrf=$CSRF&github_handle=%4" && status_is 400 &&
	CL=500 req POST /register "csrf=$CSRF" && status_is 400 &&
	req POST /register "$(i=0; while [ $i -lt 40 ]; do printf "f%d=1&" $i; i=$((i+1)); done)" && status_is 400
'

test_expect_success 'a huge body is refused whole, as a 4xx' '
	fresh &&
	head -c 2000000 /dev/zero | tr "\\0" a >big &&
	CL=2000000 REQUEST_METHOD=POST PATH_INFO=/register CONTENT_TYPE=application/x-www-form-urlencoded \
	    CONTENT_LENGTH=2000000 HTTP_COOKIE="glow_session=$JAR" glow-companion <big >resp 2>err &&
	grep -q "^Status: 413" resp
'

test_expect_success 'a corrupt roster: 503 pages, never a 500, never overwritten' '
	cp roster.json good.json &&
	printf "{\"version\": 1, \"learners\": [" >roster.json && cp roster.json corrupt.json &&
	fresh_status=0 && JAR= && req GET /register && status_is 503 &&
	grep -q "Nothing was changed" body && grep -q "^Retry-After:" head &&
	grep -q "invalid roster" err &&
	cp good.json roster.json && fresh && printf "{\"version\": 1, \"learners\": [" >roster.json &&
	req POST /register "csrf=$CSRF&github_handle=frank&cohort_id=spring-2026&path=day1-day2" &&
	status_is 503 && cmp roster.json corrupt.json &&
	jq ".learners += [.learners[0]]" good.json >roster.json && cp roster.json dup.json &&
	req POST /register "csrf=$CSRF&github_handle=frank&cohort_id=spring-2026&path=day1-day2" &&
	status_is 503 && cmp roster.json dup.json &&
	rm roster.json && req GET /register && status_is 503 &&
	req POST /register "csrf=$CSRF&github_handle=frank&cohort_id=spring-2026&path=day1-day2" &&
	status_is 503 && ! test -e roster.json &&
	cp good.json roster.json
'

test_expect_success 'a roster with no cohort: registration is closed' '
	jq ".cohorts = [] | .learners = []" good.json >roster.json &&
	JAR= req GET /register && status_is 200 && grep -q "Registration is not open" body &&
	! grep -q "<form method=\"post\" action=\"/register\"" body &&
	cp good.json roster.json
'

test_expect_success 'the cohort list follows the roster file (no stale cache)' '
	JAR= req GET /register && ! grep -q autumn body &&
	jq ".cohorts += [{\"cohort_id\": \"autumn-2026\", \"label\": \"Autumn <2026>\"}]" good.json >roster.json &&
	req GET /register && grep -q "<option value=\"autumn-2026\">Autumn &lt;2026&gt;</option>" body &&
	fresh &&
	req POST /register "csrf=$CSRF&github_handle=gina&cohort_id=autumn-2026&path=day1-day2" &&
	status_is 303 && jq -e ".learners[] | select(.github_handle == \"gina\") | .cohort_id == \"autumn-2026\"" roster.json
'

test_expect_success 'sign-in page, and a facilitator page sends a browser to it, filter kept' '
	JAR= && req GET /login && status_is 200 && grep -q "<label for=\"token\">" body &&
	grep -q "type=\"password\" autocomplete=\"current-password\"" body &&
	HTTP_ACCEPT="text/html" req GET "/dashboard?cohort=spring-2026" && status_is 303 &&
	test "$(location)" = "/login?next=%2Fdashboard%3Fcohort%3Dspring-2026" &&
	JAR= && req GET "/login?next=%2Fdashboard%3Fcohort%3Dspring-2026" &&
	grep -q "name=\"next\" value=\"/dashboard?cohort=spring-2026\"" body &&
	JAR=$(cookie_of) && c=$(csrf_of) &&
	req POST /login "csrf=$c&token=$TOKEN&next=%2Fdashboard%3Fcohort%3Dspring-2026" &&
	status_is 303 && test "$(location)" = "/dashboard?cohort=spring-2026"
'

test_expect_success 'sign-in rotates the session: a new ID, and the old one gains nothing' '
	JAR= && req GET /login && old=$(cookie_of) && JAR=$old && c=$(csrf_of) &&
	req POST /login "csrf=$c&token=$TOKEN" && status_is 303 &&
	new=$(cookie_of) && test -n "$new" &&
	test "${old%%.*}" != "${new%%.*}" &&
	printf %s "$new" | grep -q "^[0-9a-f]\{32\}\.f\." &&
	test -f "state/sessions/${new%%.*}" &&
	grep -q "; HttpOnly; SameSite=Lax; Secure$" head &&
	JAR=$old HTTP_ACCEPT=text/html req GET /dashboard && status_is 303 &&
	JAR=$new req GET /dashboard && status_is 200
'

test_expect_success 'no open redirect: //host, /\host, encoded forms, absolute URLs' '
	JAR= && req GET /login && JAR=$(cookie_of) && c=$(csrf_of) &&
	for n in //evil.example %2F%2Fevil.example /%5Cevil.example %2F%5Cevil.example \
	    https%3A%2F%2Fevil.example /%2F%2Fevil.example /%252F%252Fevil.example \
	    %2Fdashboard%2F..%2F%2Fevil.example %09%2F%2Fevil.example /dashboard%0d%0aX:1 \
	    %2Fdashboard%40evil.example "%2Fdashboard%3Fcohort%3D%0d%0aSet-Cookie:x" \
	    "javascript:alert(1)" %2F%2F%2Fevil.example; do
		req POST /login "csrf=$c&token=$TOKEN&next=$n" && status_is 303 &&
		loc=$(location) &&
		case $loc in /dashboard|/dashboard\?cohort=*) ;; *) echo "bad: $n -> $loc" >&2; false ;; esac &&
		! grep -qi "evil\|^X:\|^Set-Cookie: x" head || return 1
	done &&
	req GET "/login?next=//evil.example" && ! grep -q evil body
'

test_expect_success 'an empty configured token turns sign-in off (never empty matches empty)' '
	for t in "" " " "\\n"; do
		JAR= && COMPANION_FACILITATOR_TOKEN=$t req GET /login && status_is 200 &&
		grep -q "sign-in is turned off" body && ! grep -q "name=\"token\"" body &&
		JAR=$(cookie_of) && c=$(csrf_of) &&
		COMPANION_FACILITATOR_TOKEN=$t req POST /login "csrf=$c&token=" && status_is 403 &&
		! grep -q "^Set-Cookie" head &&
		COMPANION_FACILITATOR_TOKEN=$t req POST /login "csrf=$c&token=$t" && status_is 403 &&
		! grep -q "^Set-Cookie" head || return 1
	done &&
	ls state/sessions >before && JAR= &&
	COMPANION_FACILITATOR_TOKEN= HTTP_AUTHORIZATION="Bearer " req GET /roster.json && status_is 401
'

test_expect_success 'wrong, empty, non-ASCII and invalid tokens: 401, 422, 401, 400, never 500' '
	JAR= && req GET /login && JAR=$(cookie_of) && c=$(csrf_of) &&
	req POST /login "csrf=$c&token=wrong" && status_is 401 &&
	grep -q "<a href=\"#token\">The token is not correct</a>" body &&
	grep -q "aria-invalid=\"true\"" body && ! grep -q "^Set-Cookie" head &&
	req POST /login "csrf=$c&token=" && status_is 422 && grep -q "Enter the token" body &&
	req POST /login "csrf=$c&token=%C3%A9t%C3%A9%E2%9C%93%F0%9F%94%91" && status_is 401 &&
	req POST /login "csrf=$c&token=s3cret-facilitator-token%C3%A9" && status_is 401 &&
	req POST /login "csrf=$c&token=%FF" && status_is 400 &&
	req POST /login "csrf=$c&token=$(printf "\\351t\\351")" && status_is 400 &&
	! grep -q "$TOKEN" body err
'

test_expect_success 'the token may come from a file (@path or _FILE), 0600 only' '
	printf "%s\n" "$TOKEN" >tok && chmod 600 tok &&
	JAR= && COMPANION_FACILITATOR_TOKEN=@$TRASH/tok req GET /login && JAR=$(cookie_of) && c=$(csrf_of) &&
	COMPANION_FACILITATOR_TOKEN=@$TRASH/tok req POST /login "csrf=$c&token=$TOKEN" && status_is 303 &&
	(unset COMPANION_FACILITATOR_TOKEN; COMPANION_FACILITATOR_TOKEN_FILE=$TRASH/tok req POST /login "csrf=$c&token=$TOKEN") && status_is 303 &&
	chmod 644 tok &&
	COMPANION_FACILITATOR_TOKEN=@$TRASH/tok req POST /login "csrf=$c&token=$TOKEN" && status_is 403 &&
	grep -q "readable by group or others" err && ! grep -q "$TOKEN" err
'

test_expect_success 'the dashboard: cohorts, chart with a text equivalent, table with caption and scopes' '
	cp good.json roster.json && signin &&
	grep -q "^Cache-Control: no-store$" head &&
	grep -q "<svg class=\"chart\" role=\"img\" aria-labelledby=\"c0-chart-title c0-chart-desc\"" body &&
	grep -q "<figcaption id=\"c0-chart-title\">" body &&
	grep -q "<p id=\"c0-chart-desc\">Status: Awaiting acknowledgement 3, Active on day 1 1," body &&
	grep -q "fill=\"currentColor\"" body &&
	grep -q "<a href=\"/dashboard?cohort=spring-2026\">Show the 4 learners of Spring 2026 workshop</a>" body &&
	! grep -q "<table" body &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026" && status_is 200 &&
	grep -q "<caption>Learners in Spring 2026 workshop, 1 to 4 of 4</caption>" body &&
	grep -q "<th scope=\"col\">GitHub username</th>" body &&
	grep -q "<tr><th scope=\"row\">alice-example</th>" body &&
	grep -q ">Sign out</button>" body && ! grep -q "prefers screen-reader" body &&
	! grep -q "class=\"pagination\"" body
'

test_expect_success 'the dashboard pages a large cohort, 100 learners a page' '
	signin &&
	jq "[range(250) | {github_handle: \"p\(.)\", cohort_id: \"spring-2026\"}] as \$l | .learners += \$l" good.json >roster.json &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026&page=3" && status_is 200 &&
	grep -q "<caption>Learners in Spring 2026 workshop, 201 to 254 of 254</caption>" body &&
	test "$(grep -c "<tr><th scope=\"row\">" body)" = 54 &&
	grep -q "<nav class=\"pagination\" aria-label=\"Pages of learners\">" body &&
	grep -q "page=2\" rel=\"prev\">Previous page</a>" body &&
	grep -q "page=3\" aria-current=\"page\">" body && ! grep -q "rel=\"next\"" body &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026&page=999" &&
	grep -q "1 to 100 of 254" body &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026&page=-1" && grep -q "1 to 100 of 254" body
'

test_expect_success 'the kept dashboard follows every change of the roster' '
	signin && cp good.json roster.json &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026" && ! grep -q "newcomer" body &&
	fresh && req POST /register "csrf=$CSRF&github_handle=newcomer&cohort_id=spring-2026&path=day1-day2" &&
	status_is 303 &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026" && grep -q "<tr><th scope=\"row\">newcomer</th>" body &&
	ls state/cache | grep -q "^dashboard-" &&
	JAR=$FJAR req GET "/dashboard?cohort=nope1" && JAR=$FJAR req GET "/dashboard?cohort=nope2" &&
	JAR=$FJAR req GET "/dashboard?cohort=spring-2026&page=77" &&
	test "$(ls state/cache | grep -c "^dashboard-")" -le 3 &&
	cp good.json roster.json
'

test_expect_success 'the dashboard filter shows one cohort; an unknown one is said so' '
	signin &&
	jq ".cohorts += [{\"cohort_id\": \"autumn-2026\"}] | .learners += [{\"github_handle\": \"zed\", \"cohort_id\": \"autumn-2026\"}]" good.json >roster.json &&
	JAR=$FJAR req GET "/dashboard?cohort=autumn-2026" && status_is 200 &&
	grep -q "<option value=\"autumn-2026\" selected>" body &&
	grep -q "<caption>Learners in autumn-2026, 1 to 1 of 1</caption>" body &&
	! grep -q "<caption>Learners in Spring" body &&
	JAR=$FJAR req GET "/dashboard?cohort=%3Cnone%3E" && status_is 200 &&
	grep -q "No cohort is called &ldquo;&lt;none&gt;&rdquo;" body &&
	JAR=$FJAR req GET "/dashboard?cohort=%FF" && status_is 400 &&
	cp good.json roster.json
'

test_expect_success 'the dashboard of an empty roster, and of a corrupt one (503)' '
	signin && jq ".learners = []" good.json >roster.json &&
	JAR=$FJAR req GET /dashboard && status_is 200 &&
	grep -q "No learner has registered for this cohort yet" body &&
	echo "[" >roster.json && JAR=$FJAR req GET /dashboard && status_is 503 &&
	cp good.json roster.json
'

test_expect_success '/roster.json: 401 JSON for programs, sign-in for browsers, redacted for facilitators' '
	signin && JAR= HTTP_ACCEPT=application/json req GET /roster.json && status_is 401 &&
	grep -q "^Content-Type: application/json" head &&
	grep -q "^WWW-Authenticate: Bearer" head && jq -e ".error == \"unauthorized\"" body &&
	JAR= req GET /roster.json && status_is 401 &&
	JAR= HTTP_ACCEPT="text/html,application/xhtml+xml;q=0.9" req GET /roster.json && status_is 303 &&
	test "$(location)" = "/login?next=%2Froster.json" &&
	JAR=$FJAR req GET /roster.json && status_is 200 && grep -q "^Cache-Control: no-store$" head &&
	jq -e "(.learners | length) == 4 and ([.learners[] | keys[]] | unique) ==
	    [\"cohort_id\", \"github_handle\", \"path\", \"provision_state\", \"status\"]" body &&
	! grep -q "notes\|pronouns\|enrollment" body &&
	JAR= HTTP_AUTHORIZATION="Bearer $TOKEN" req GET /roster.json && status_is 200 &&
	JAR= HTTP_AUTHORIZATION="Bearer wrong" req GET /roster.json && status_is 401
'

test_expect_success '/metrics: localhost or facilitator only, Prometheus text' '
	signin && JAR= REMOTE_ADDR=127.0.0.1 req GET /metrics && status_is 200 &&
	grep -q "^Content-Type: text/plain; version=0.0.4" head &&
	grep -q "^glow_companion_roster_ok 1$" body &&
	grep -q "^glow_companion_learners{cohort=\"spring-2026\",status=\"active-day1\",provision_state=\"provisioned\"} 1$" body &&
	grep -q "^glow_companion_events_total{event=\"registered\"} [1-9]" body &&
	JAR= REMOTE_ADDR=::1 req GET /metrics && status_is 200 &&
	JAR= req GET /metrics && status_is 401 &&
	JAR=$FJAR req GET /metrics && status_is 200 &&
	JAR= REMOTE_ADDR=127.0.0.1 COMPANION_TRUSTED_PROXIES=127.0.0.1 HTTP_X_FORWARDED_FOR=203.0.113.5 \
	    req GET /metrics && status_is 401
'

test_expect_success 'sign-out revokes the session (the old cookie is worth nothing) and needs CSRF' '
	signin && sid=${FJAR%%.*} && test -f state/sessions/$sid &&
	JAR=$FJAR req POST /logout "csrf=0" && status_is 403 && test -f state/sessions/$sid &&
	JAR=$FJAR req POST /logout "csrf=$FCSRF" && status_is 303 &&
	test "$(location)" = "/login?signed_out=1" &&
	grep -q "^Set-Cookie: glow_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure$" head &&
	! test -e state/sessions/$sid &&
	JAR=$FJAR HTTP_ACCEPT=text/html req GET /dashboard && status_is 303 &&
	JAR=$FJAR req GET /roster.json && status_is 401 &&
	JAR= req GET "/login?signed_out=1" && grep -q "<p class=\"status-message\">You have signed out.</p>" body
'

test_expect_success 'rate limit per client: the (max+1)th registration or sign-in is 429' '
	rm -rf state/ratelimit/* &&
	export COMPANION_RATE_LIMIT_MAX=3 &&
	fresh && n=0 && while [ $n -lt 3 ]; do
		req POST /register "csrf=$CSRF&github_handle=rl$n&cohort_id=spring-2026&path=day1-day2" &&
		status_is 303 || return 1; n=$((n + 1)); done &&
	cp roster.json before.json &&
	req POST /register "csrf=$CSRF&github_handle=rl9&cohort_id=spring-2026&path=day1-day2" &&
	status_is 429 && grep -q "^Retry-After: [1-9]" head && cmp roster.json before.json &&
	HTTP_X_FORWARDED_FOR=192.0.2.1 req POST /register "csrf=$CSRF&github_handle=rl9&cohort_id=spring-2026&path=day1-day2" &&
	status_is 429 &&
	REMOTE_ADDR=198.51.100.8 req POST /register "csrf=$CSRF&github_handle=rl9&cohort_id=spring-2026&path=day1-day2" &&
	status_is 303 &&
	JAR= && req GET /login && JAR=$(cookie_of) && c=$(csrf_of) &&
	for i in 1 2 3; do req POST /login "csrf=$c&token=x$i" && status_is 401 || return 1; done &&
	req POST /login "csrf=$c&token=$TOKEN" && status_is 429 && ! grep -q "^Set-Cookie" head
'

test_expect_success 'junk POSTs (bad CSRF, wrong content type) do not use the budget' '
	rm -rf state/ratelimit/* &&
	export COMPANION_RATE_LIMIT_MAX=3 &&
	fresh && i=0 && while [ $i -lt 10 ]; do
		req POST /register "csrf=forged&github_handle=j$i&cohort_id=spring-2026&path=day1-day2" &&
		status_is 403 || return 1; i=$((i + 1)); done &&
	n=0 && while [ $n -lt 3 ]; do
		req POST /register "csrf=$CSRF&github_handle=jb$n&cohort_id=spring-2026&path=day1-day2" &&
		status_is 303 || return 1; n=$((n + 1)); done
'

test_expect_success 'limits that cannot be kept: 503 with Retry-After, closed not open' '
	export COMPANION_RATE_LIMIT_MAX=3 &&
	fresh && cp roster.json before.json &&
	rm -rf state/ratelimit/* &&
	for f in 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f; do
		mkdir state/ratelimit/$f || return 1
	done &&
	req POST /register "csrf=$CSRF&github_handle=fc1&cohort_id=spring-2026&path=day1-day2" &&
	{ status_is 503; r=$?; rm -rf state/ratelimit/*; test $r = 0; } &&
	grep -q "^Retry-After: [1-9]" head && cmp roster.json before.json
'

test_expect_success 'a roster locked too long: 503 after a few seconds, not a hang' '
	rm -rf state/ratelimit/* && export COMPANION_RATE_LIMIT_MAX=10 &&
	fresh && cp roster.json before.json &&
	{ flock -x roster.json.lock -c "sleep 9" & } &&
	holder=$! && sleep 0.3 &&
	t0=$(date +%s) &&
	req POST /register "csrf=$CSRF&github_handle=lk1&cohort_id=spring-2026&path=day1-day2" &&
	t1=$(date +%s) && wait $holder &&
	status_is 503 && grep -q "^Retry-After: [1-9]" head &&
	test $((t1 - t0)) -ge 4 && test $((t1 - t0)) -le 8 &&
	cmp roster.json before.json
'

test_expect_success 'what a killed writer left beside the roster goes, once 10 minutes old' '
	rm -rf state/ratelimit/* &&
	: >.roster.json.abc123 && touch -d "1 hour ago" .roster.json.abc123 &&
	: >.roster.json.def456 &&
	fresh &&
	req POST /register "csrf=$CSRF&github_handle=lk2&cohort_id=spring-2026&path=day1-day2" &&
	status_is 303 &&
	test ! -e .roster.json.abc123 && test -e .roster.json.def456 &&
	rm -f .roster.json.def456
'

test_expect_success 'behind a configured proxy the forwarded address is the client' '
	rm -rf state/ratelimit/* &&
	export COMPANION_RATE_LIMIT_MAX=1 COMPANION_TRUSTED_PROXIES="10.0.0.1, 10.0.0.2" &&
	fresh &&
	REMOTE_ADDR=10.0.0.1 HTTP_X_FORWARDED_FOR="203.0.113.1, 10.0.0.2" req POST /register "csrf=$CSRF&github_handle=px1&cohort_id=spring-2026&path=day1-day2" && status_is 303 &&
	REMOTE_ADDR=10.0.0.1 HTTP_X_FORWARDED_FOR="203.0.113.1" req POST /register "csrf=$CSRF&github_handle=px2&cohort_id=spring-2026&path=day1-day2" && status_is 429 &&
	REMOTE_ADDR=10.0.0.1 HTTP_X_FORWARDED_FOR="203.0.113.2" req POST /register "csrf=$CSRF&github_handle=px3&cohort_id=spring-2026&path=day1-day2" && status_is 303 &&
	REMOTE_ADDR=10.0.0.1 HTTP_X_FORWARDED_FOR="203.0.113.1, 203.0.113.3" req POST /register "csrf=$CSRF&github_handle=px4&cohort_id=spring-2026&path=day1-day2" && status_is 303 &&
	REMOTE_ADDR=10.0.0.1 HTTPS= HTTP_X_FORWARDED_PROTO=https req GET /healthz &&
	grep -q "^Strict-Transport-Security" head
'

test_expect_success 'rate-limit state stays bounded whatever the number of clients' '
	export COMPANION_RATE_LIMIT_MAX=5 && unset COMPANION_TRUSTED_PROXIES &&
	i=0 && while [ $i -lt 600 ]; do
		REMOTE_ADDR=192.0.2.$((i % 250)).$i REQUEST_METHOD=POST PATH_INFO=/login \
		    CONTENT_TYPE=application/x-www-form-urlencoded CONTENT_LENGTH=0 \
		    glow-companion </dev/null >/dev/null 2>&1 || return 1
		i=$((i + 1))
	done &&
	test "$(ls state/ratelimit | wc -l)" -le 16 &&
	test "$(du -sb state/ratelimit | cut -f1)" -le $((16 * 8192 + 4096)) &&
	! grep -r "192.0.2" state
'

COMPANION_RATE_LIMIT_MAX=0
unset COMPANION_TRUSTED_PROXIES

test_expect_success 'sessions on disk stay bounded' '
	mkdir -p st3/sessions && chmod -R 700 st3 &&
	i=0 && while [ $i -lt 300 ]; do
		printf "" >st3/sessions/$(printf "%032x" $i); i=$((i + 1)); done &&
	touch -d "2 days ago" st3/sessions/$(printf "%032x" 0) &&
	JAR= COMPANION_STATE_DIR=$TRASH/st3 req GET /login && JAR=$(cookie_of) && c=$(csrf_of) &&
	COMPANION_STATE_DIR=$TRASH/st3 req POST /login "csrf=$c&token=$TOKEN" && status_is 303 &&
	test "$(ls st3/sessions | wc -l)" -le 256
'

test_expect_success '/healthz, the stylesheet, HEAD' '
	req GET /healthz && status_is 200 && test "$(cat body)" = "{\"status\":\"ok\"}" &&
	grep -q "^Content-Type: application/json" head &&
	req GET /static/companion.css && status_is 200 &&
	grep -q "^Content-Type: text/css" head && grep -q "^Cache-Control: public" head &&
	grep -q ":focus-visible" body && grep -q "forced-colors:active" body &&
	req HEAD /register && status_is 200 && test ! -s body
'

test_expect_success '404 and 405 pages' '
	req GET /nope && status_is 404 && grep -q "Page not found" body &&
	req GET /register/ && status_is 404 &&
	req GET /logout && status_is 405 && grep -q "^Allow: POST$" head &&
	req DELETE /register && status_is 405 && grep -q "^Allow: GET, HEAD, POST$" head &&
	req POST /healthz "" && status_is 405 &&
	req PUT / && status_is 405
'

test_expect_success 'any odd input gets a 4xx or a page, never a 500 or a crash' '
	for p in "/$(printf "\\377\\376")" "/register%00" "/../../etc/passwd" "/dashboard?cohort=%" \
	    "/register/success?h=%FF" "/login?next=%FF" "/register?x=$(printf "\\001")" "//" \
	    "/$(head -c 5000 /dev/zero | tr "\\0" a)"; do
		HTTP_COOKIE="glow_session=$(printf "\\377")..." req GET "$p" &&
		case $(cat status) in 2??|3??|4??) ;; *) echo "$p: $(cat status)" >&2; false ;; esac || return 1
	done &&
	JAR="$(head -c 3000 /dev/zero | tr "\\0" x)" req GET /register && status_is 200 &&
	JAR="x.f.99999999999999999999999.y" req GET /dashboard && status_is 401
'

test_expect_success 'no secret in any response or diagnostic' '
	! grep -r "$TOKEN" resp err body head
'

test_done
