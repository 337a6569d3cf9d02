#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-webhook as a FastCGI responder, started as a web server starts it
# (its listening socket on stdin) and spoken to by libfcgi's own client,
# cgi-fcgi: deliveries accepted, refused and deduplicated as in CGI, many
# at once, configuration never taken from a request, and a stop that
# answers the delivery in hand first.
. "${0%/*}/lib.sh"

for c in jq python3 cgi-fcgi; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
done

K="It's a Secret to Everybody"
GLOW_WEBHOOK_SECRET=$K
GLOW_SPOOL=$TRASH/spool
export GLOW_WEBHOOK_SECRET GLOW_SPOOL K
unset GLOW_WEBHOOK_STATE 2>/dev/null
sock=$TRASH/fcgi.socket

body() {
	printf '{"action":"opened","n":%s,"repository":{"full_name":"octo/hello"}}' \
	    "$1" >"${2:-body.json}"
}

# start [ARGS...]: glow-webhook on a new listening Unix socket $sock given
# as its stdin, in the background (pid in $TRASH/pid); returns once it
# answers.  Only the test that starts it may wait for it.
start() {
	fcgi_spawn "$sock" glow-webhook "$@"
	i=0
	until env -i REQUEST_METHOD=GET PATH_INFO=/metrics \
	    cgi-fcgi -bind -connect "$sock" 2>/dev/null | grep -q '^Status: 200'; do
		i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.1
	done
}

stop() {
	[ -f "$TRASH/pid" ] || return 0
	# shellcheck disable=SC2046
	kill $(cat "$TRASH/pid") 2>/dev/null
	rm -f "$TRASH/pid"
}
test_at_exit stop

# request FILE ID [VAR=VALUE...]: a signed delivery as GitHub makes it,
# through cgi-fcgi with only the CGI variables; the answer in OUT (default
# out).
request() {
	f=$1 id=$2
	shift 2
	env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <"$f" | tr -d ' ')" HTTP_X_GITHUB_EVENT=push \
	    HTTP_X_GITHUB_DELIVERY="$id" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign "$f")" "$@" \
	    cgi-fcgi -bind -connect "$sock" <"$f" >"${OUT:-out}" 2>/dev/null
}

status() { sed -n '1s/^Status: \([0-9]*\) .*/\1/p' "${1:-out}" | tr -d '\r'; }
nspooled() { ls "$GLOW_SPOOL/new" 2>/dev/null | wc -l | tr -d ' '; }

test_expect_success 'started on a listening socket, it answers /metrics' '
	start -j 4 &&
	env -i REQUEST_METHOD=GET PATH_INFO=/metrics \
	    cgi-fcgi -bind -connect "$sock" >out &&
	test "$(status)" = 200 &&
	grep -q "^glow_webhook_received_total 0" out
'

test_expect_success 'a signed delivery is answered 202 and spooled' '
	body 1 && request body.json fc-1 &&
	test "$(status)" = 202 && grep -q "^accepted fc-1" out &&
	jq -e ".delivery_id == \"fc-1\" and .repository == \"octo/hello\"" \
	    "$GLOW_SPOOL"/new/*-fc-1.json >/dev/null
'

test_expect_success 'its redelivery is a duplicate; a bad signature 401, logged' '
	request body.json fc-1 &&
	test "$(status)" = 200 && grep -q "^duplicate fc-1" out &&
	K=wrong request body.json fc-2 &&
	test "$(status)" = 401 && grep -q "^signature does not match" out &&
	test "$(nspooled)" = 1 &&
	test_grep "delivery rejected .fc-2.: signature does not match" \
	    "$TRASH/fcgi.err"
'

test_expect_success 'a request cannot move the spool or change the secret' '
	body 2 && K=forged request body.json fc-3 GLOW_SPOOL="$TRASH/evil" \
	    GLOW_WEBHOOK_SECRET=forged &&
	test "$(status)" = 401 &&
	body 3 && request body.json fc-4 GLOW_SPOOL="$TRASH/evil" &&
	test "$(status)" = 202 && test ! -e "$TRASH/evil" &&
	test -f "$GLOW_SPOOL"/new/*-fc-4.json
'

test_expect_success 'thirty deliveries at once, four threads: all spooled' '
	n=$(nspooled) && i=0 &&
	while [ $i -lt 30 ]; do
		body "1$i" b$i.json &&
		OUT=ans.$i request b$i.json par-$i &
		i=$((i + 1))
	done; wait &&
	cat ans.* | grep -c "^Status: 202" >c && test "$(cat c)" = 30 &&
	test "$(nspooled)" = $((n + 30))
'

test_expect_success 'twelve identical deliveries at once: exactly one accepted' '
	rm -f ans.* && n=$(nspooled) && body 77 && i=0 &&
	while [ $i -lt 12 ]; do
		OUT=ans.$i request body.json same &
		i=$((i + 1))
	done; wait &&
	test "$(cat ans.* | grep -c "^Status: 202")" = 1 &&
	test "$(cat ans.* | grep -c "^Status: 200")" = 11 &&
	test "$(nspooled)" = $((n + 1))
'

test_expect_success 'a payload nested 120 deep is spooled by a worker thread' '
	python3 -c "print(\"{\\\"a\\\":\" * 120 + \"1\" + \"}\" * 120)" >deep.json &&
	request deep.json deep && test "$(status)" = 202 &&
	python3 -c "print(\"{\\\"a\\\":\" * 200 + \"1\" + \"}\" * 200)" >deeper.json &&
	request deeper.json deeper && test "$(status)" = 400
'

test_expect_success 'the metrics count what happened' '
	env -i REQUEST_METHOD=GET PATH_INFO=/metrics \
	    cgi-fcgi -bind -connect "$sock" >out &&
	grep -q "^glow_webhook_accepted_total 34$" out &&
	grep -q "^glow_webhook_duplicate_total 12$" out &&
	grep -q "^glow_webhook_rejected_total{reason=\"signature\"} 2$" out &&
	grep -q "^glow_webhook_rejected_total{reason=\"json\"} 1$" out
'

# Waits on what the test needs, not on time (valgrind on a loaded machine
# can take seconds).  glow-webhook blocks its stop signals for sigwait
# before it starts its workers: with all its threads up (its own and -j
# workers) it is ready to be stopped.  It holds one more socket once it
# has accepted a connection.
threads() { ls "/proc/$1/task" 2>/dev/null | wc -l; }
ready() { [ "$(threads "$1")" -gt "$2" ]; }         # ready PID WORKERS
sockets() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c "socket:"; }
more_sockets() { [ "$(sockets "$1")" -gt "$2" ]; }
wait_for() {    # wait_for CMD...: until CMD succeeds, 20 s at most
	w=0
	until "$@"; do w=$((w + 1)); [ $w -lt 200 ] || return 1; sleep 0.1; done
}

test_expect_success 'SIGTERM answers the delivery in hand, then exits 0' '
	stop && start && pid=$(cat "$TRASH/pid") &&
	kill "$pid" && { wait "$pid"; rc=$?; } && test "$rc" = 0 &&
	start -j 2 && pid=$(cat "$TRASH/pid") && body 500 slow.json &&
	wait_for ready "$pid" 2 && base=$(sockets "$pid") &&
	{ (sleep 4; cat slow.json) |
	    env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <slow.json | tr -d " ") \
	    HTTP_X_GITHUB_EVENT=push HTTP_X_GITHUB_DELIVERY=slow \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign slow.json)" \
	    cgi-fcgi -bind -connect "$sock" >slow.out 2>/dev/null & } &&
	client=$! && wait_for more_sockets "$pid" "$base" &&
	kill "$pid" && wait "$client" &&
	{ wait "$pid"; rc=$?; } && rm -f "$TRASH/pid" &&
	test "$rc" = 0 && test "$(status slow.out)" = 202 &&
	test -f "$GLOW_SPOOL"/new/*-slow.json &&
	! kill -0 "$pid" 2>/dev/null
'

# exited PID: its exit status, from the second line on of pair.
exited() { awk -v p="$1" 'NR > 1 && $1 == p { print $2 }' pair; }

test_expect_success 'two responders on one socket: stopping one leaves the other' '
	rm -f "$sock" &&
	python3 -c "import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
pids = []
for i in range(2):
    pid = os.fork()
    if pid == 0:
        os.dup2(s.fileno(), 0)
        os.execvp(sys.argv[2], sys.argv[2:])
    pids.append(pid)
s.close()
print(*pids, flush=True)
for p in pids:
    print(p, os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]), flush=True)
" "$sock" glow-webhook -j 2 >pair 2>>"$TRASH/fcgi.err" &
	i=0 && until [ -s pair ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done &&
	read -r one two <pair && echo "$one $two" >"$TRASH/pid" &&
	wait_for ready "$one" 2 && wait_for ready "$two" 2 &&
	kill "$one" &&
	i=0 && until [ -n "$(exited "$one")" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
	done &&
	test "$(exited "$one")" = 0 &&
	body 600 && request body.json pair-1 && test "$(status)" = 202 &&
	body 601 && request body.json pair-2 && test "$(status)" = 202 &&
	kill "$two" && wait && rm -f "$TRASH/pid" &&
	test "$(exited "$two")" = 0
'

test_expect_success 'a socket that cannot accept: it says so and exits 2' '
	python3 -c "import os, socket, sys
s = socket.socket(socket.AF_UNIX)
os.dup2(s.fileno(), 0)
os.execvp(sys.argv[1], sys.argv[1:])" glow-webhook -j 3 2>deaf.err &
	pid=$! && i=0 &&
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || { kill "$pid"; exit 1; }; sleep 0.1
	done &&
	{ wait "$pid"; rc=$?; } && test "$rc" = 2 &&
	test_grep "cannot accept a connection: Invalid argument" deaf.err
'

test_expect_success 'a changed secrets file is read again: rotation needs no restart' '
	(umask 077 && printf "%s\n" "$K" >secrets) &&
	GLOW_WEBHOOK_SECRET=@"$TRASH/secrets" start -j 2 &&
	body 700 && request body.json rot-1 && test "$(status)" = 202 &&
	(umask 077 && printf "%s\nnew secret\n" "$K" >secrets.new) &&
	mv secrets.new secrets &&
	body 701 && K="new secret" request body.json rot-2 && test "$(status)" = 202 &&
	body 702 && request body.json rot-3 && test "$(status)" = 202 &&
	(umask 077 && printf "new secret\n" >secrets.new) && mv secrets.new secrets &&
	body 703 && request body.json rot-4 && test "$(status)" = 401 &&
	body 704 && K="new secret" request body.json rot-5 && test "$(status)" = 202 &&
	test_grep "webhook secrets read again from .*secrets. (2)" "$TRASH/fcgi.err" &&
	test_grep "webhook secrets read again from .*secrets. (1)" "$TRASH/fcgi.err"
'

test_expect_success 'a secrets file that goes bad keeps the secrets in use' '
	chmod 644 secrets &&
	body 705 && K="new secret" request body.json rot-6 && test "$(status)" = 202 &&
	test_grep "cannot read the webhook secrets again from .*secrets.: .*keeping those in use" \
	    "$TRASH/fcgi.err" &&
	chmod 600 secrets &&
	body 706 && K="new secret" request body.json rot-7 && test "$(status)" = 202 &&
	test "$(grep -c "webhook secrets read again from .*secrets. (1)" \
	    "$TRASH/fcgi.err")" = 2 &&
	printf "third\n" >>secrets &&
	body 707 && K=third request body.json rot-8 && test "$(status)" = 202 &&
	stop
'

test_expect_success 'without a secret every request is 503, and it keeps serving' '
	GLOW_WEBHOOK_SECRET= start &&
	body 9 && request body.json fc-9 && test "$(status)" = 503 &&
	request body.json fc-9 && test "$(status)" = 503 &&
	stop
'

test_expect_success 'a bad -j is a usage error' '
	test_expect_code 2 glow-webhook -j 0 </dev/null 2>err &&
	test_grep "bad -j .0.: want 1 to 256" err
'

test_expect_success 'the secret is in no output' '
	! grep -rF "$K" out ans.* slow.out "$TRASH/fcgi.err"
'

test_done
