#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-companion behind lighttpd on 127.0.0.1 (the configuration of make
# serve, on a free port, stopped at exit): 200 concurrent registrations of
# distinct handles leave exactly 200 new learners and a valid roster; the
# rate limit holds across concurrent CGI processes.
. "${0%/*}/lib.sh"

command -v lighttpd >/dev/null || skip_all 'lighttpd is not installed'
command -v curl >/dev/null || skip_all 'curl is not installed'
command -v jq >/dev/null || skip_all 'jq is not installed'
command -v make >/dev/null || skip_all 'make is not installed'

. "$T_DIR/lighttpd.sh"

# start RATE_MAX: the make serve configuration, served in the background.
start() {
	port=$(free_port) &&
	make -s -C "$GLOW_SRC" serve-config SERVE_DIR="$TRASH/serve" SERVE_PORT="$port" \
	    SERVE_BIN="$GLOW_BIN/glow-companion" SERVE_RATE_MAX="$1" >config.out 2>&1 &&
	lighttpd_start "$TRASH/serve/lighttpd.conf" "http://127.0.0.1:$port/healthz" &&
	URL=http://127.0.0.1:$port
}
stop() {
	lighttpd_stop
	sleep 0.2
}
test_at_exit 'stop'

# session: JAR and CSRF from GET /register.
session() {
	curl -s -D h -o b "$URL/register" &&
	JAR=$(tr -d '\r' <h | sed -n 's/^Set-Cookie: glow_session=\([^;]*\);.*/\1/p') &&
	CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' b | head -n 1) &&
	test -n "$JAR" && test -n "$CSRF"
}

test_expect_success 'make serve-config: lighttpd serves the companion on 127.0.0.1' '
	start 0 && echo "$URL" >url && test -f serve/lighttpd.conf && test "$(stat -c %a serve/token)" = 600 &&
	curl -s -o b -w "%{http_code}" "$URL/" >code && test "$(cat code)" = 303 &&
	curl -s -D h -o b "$URL/register" && tr -d "\r" <h >head &&
	grep -q "^HTTP/1.1 200" head && grep -q "^X-Frame-Options: DENY" head &&
	grep -q "^Set-Cookie: glow_session=.*; HttpOnly; SameSite=Lax$" head &&
	grep -q "<option value=\"spring-2026\"" b &&
	curl -s "$URL/static/companion.css" | grep -q focus-visible &&
	test "$(curl -s "$URL/healthz")" = "{\"status\":\"ok\"}"
'

test_expect_success '200 concurrent registrations: exactly 200 new learners, a valid roster' '
	URL=$(cat url) && session && before=$(jq ".learners | length" serve/roster.json) &&
	i=0 && while [ $i -lt 200 ]; do echo $i; i=$((i + 1)); done >ids &&
	xargs -P 200 -I{} curl -s -o /dev/null -w "%{http_code}\n" -b "glow_session=$JAR" \
	    --data "csrf=$CSRF&github_handle=learner-{}&cohort_id=spring-2026&path=day1-day2" \
	    "$URL/register" <ids >codes &&
	test "$(grep -c "^303$" codes)" = 200 &&
	test "$(jq ".learners | length" serve/roster.json)" = $((before + 200)) &&
	test "$(jq "[.learners[] | select(.github_handle | startswith(\"learner-\"))] | map(.github_handle) | unique | length" serve/roster.json)" = 200 &&
	glow-roster validate serve/roster.json &&
	jq -e "[.learners[] | select(.github_handle | startswith(\"learner-\")) |
	    select(.provision_state == \"pending\" and .status == \"awaiting-ack\")] | length == 200" serve/roster.json
'

test_expect_success 'concurrent re-registrations change nothing' '
	URL=$(cat url) && session && cp serve/roster.json before.json &&
	xargs -P 50 -I{} curl -s -o /dev/null -w "%{http_code}\n" -b "glow_session=$JAR" \
	    --data "csrf=$CSRF&github_handle=LEARNER-{}&cohort_id=spring-2026&path=day2-only" \
	    "$URL/register" <ids >codes &&
	test "$(grep -c "^303$" codes)" = 200 && cmp serve/roster.json before.json
'

stop

test_expect_success 'the rate limit holds across concurrent processes' '
	start 5 && echo "$URL" >url && session &&
	seq 1 40 >n &&
	xargs -P 40 -I{} curl -s -o /dev/null -w "%{http_code}\n" -b "glow_session=$JAR" \
	    --data "csrf=$CSRF&token=wrong-{}" "$URL/login" <n >codes &&
	test "$(grep -c "^401$" codes)" = 5 && test "$(grep -c "^429$" codes)" = 35 &&
	before=$(jq ".learners | length" serve/roster.json) &&
	xargs -P 40 -I{} curl -s -o /dev/null -w "%{http_code}\n" -b "glow_session=$JAR" \
	    --data "csrf=$CSRF&github_handle=rl-{}&cohort_id=spring-2026&path=day1-day2" \
	    "$URL/register" <n >codes &&
	test "$(grep -c "^303$" codes)" = 5 && test "$(grep -c "^429$" codes)" = 35 &&
	test "$(jq ".learners | length" serve/roster.json)" = $((before + 5)) &&
	glow-roster validate serve/roster.json
'

test_expect_success 'a huge body is refused by the stack with a 4xx' '
	URL=$(cat url) && head -c 300000 /dev/zero | tr "\\0" a >big &&
	code=$(curl -s -o /dev/null -w "%{http_code}" --data-binary @big "$URL/register") &&
	case $code in 4??) ;; *) echo "got $code" >&2; false ;; esac
'

test_expect_success 'the CGI processes wrote no error to the server log' '
	! grep -i "segfault\|signal\|glow-companion:" serve/error.log
'

stop
test_done
