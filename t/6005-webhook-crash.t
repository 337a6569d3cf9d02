#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-webhook killed (SIGKILL, by strace's fault injection) at every
# system call of its write path in turn, as a CGI program and as a FastCGI
# responder; after each kill GitHub's redelivery of the same delivery is
# accepted and the delivery is in the spool exactly once, with nothing
# left in spool/tmp.  A delivery is committed to the spool exactly once, or
# not marked seen (glow-webhook(1), CRASH SAFETY).
. "${0%/*}/lib.sh"

for c in strace jq python3 cgi-fcgi; do
	command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
done

K="It's a Secret to Everybody"
GLOW_WEBHOOK_SECRET=$K
GLOW_SPOOL=$TRASH/spool
export GLOW_WEBHOOK_SECRET GLOW_SPOOL K
unset GLOW_WEBHOOK_STATE 2>/dev/null
# The program itself, not a valgrind wrapper: strace counts its calls.
webhook=$GLOW_BIN/glow-webhook
sock=$TRASH/fcgi.socket

# The write path: every call from the dedupe markers to the answer.
calls="openat flock write pwrite64 linkat unlinkat fdatasync rename fsync
	ftruncate utimensat close mkdir newfstatat"

body() {
	printf '{"action":"opened","n":"%s","repository":{"full_name":"octo/hello"}}' \
	    "$1" >body.json
}

# cgi ID [STRACE-ARGS...]: one signed delivery of body.json as a CGI
# request, under strace when given; the answer in out, exit status in rc.
cgi() {
	id=$1
	shift
	env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=$(wc -c <body.json | tr -d ' ') \
	    HTTP_X_GITHUB_EVENT=push HTTP_X_GITHUB_DELIVERY="$id" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
	    "$@" "$webhook" <body.json >out 2>err
	echo $? >rc
}

spooled() { ls "$GLOW_SPOOL/new" | grep -c -- "-$1\.json\$"; }
status() { sed -n '1s/^Status: \([0-9]*\) .*/\1/p' out | tr -d '\r'; }

# after_kill ID: the redelivery is accepted and the delivery is spooled
# once; tmp/ is empty.
after_kill() {
	before=$(spooled "$1")
	cgi "$1"
	case $before in
	0) test "$(status)" = 202 ;;
	1) test "$(status)" = 200 && grep -q "^duplicate $1" out ;;
	*) false ;;
	esac &&
	test "$(spooled "$1")" = 1 &&
	test -z "$(ls "$GLOW_SPOOL/tmp")" ||
	{ echo "$1: spooled $before before; then:"; cat out err; false; }
}

test_expect_success 'a delivery without faults is spooled (the write path runs)' '
	body 0 && cgi ok-0 && test "$(status)" = 202 && test "$(spooled ok-0)" = 1
'

test_expect_success 'CGI: killed at every write-path call, the redelivery is spooled once' '
	kills=0 &&
	for sc in $calls; do
		n=1
		while :; do
			id=cgi-$sc-$n
			body "$id"
			cgi "$id" strace -f -qq -o /dev/null \
			    -e trace=$sc -e inject=$sc:signal=KILL:when=$n
			# not killed: the delivery passed the last such call
			grep -q "^Status: " out && break
			kills=$((kills + 1))
			after_kill "$id" || exit 1
			n=$((n + 1))
			test $n -le 200 || { echo "$sc: no end"; exit 1; }
		done
	done &&
	echo "# $kills kills" &&
	test $kills -gt 40
'

test_expect_success 'CGI: a kill between the spool and the commit mark is no duplicate' '
	body mark && id=cgi-mark &&
	cgi "$id" strace -f -qq -o /dev/null -e trace=pwrite64 \
	    -e inject=pwrite64:signal=KILL:when=1 &&
	! grep -q "^Status: " out && test "$(spooled $id)" = 1 &&
	cgi "$id" && test "$(status)" = 200 && test "$(spooled $id)" = 1
'

# start [STRACE-ARGS...]: the FastCGI responder on a new socket (pid in
# $TRASH/pid), under strace when given.
start() {
	fcgi_spawn "$sock" "$@" "$webhook" -j 2 -S "$GLOW_SPOOL/state"
	i=0
	until test -S "$sock"; do
		i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.05
	done
}
# strace does not pass SIGTERM on: the responder (its command line names
# this test's state directory) is stopped itself, then strace ends.
stop() {
	[ -f "$TRASH/pid" ] || return 0
	pkill -f -- "-S $GLOW_SPOOL/state" 2>/dev/null
	wait "$(cat "$TRASH/pid")" 2>/dev/null
	rm -f "$TRASH/pid"
}
test_at_exit stop

fcgi() {
	env -i REQUEST_METHOD=POST CONTENT_TYPE=application/json \
	    CONTENT_LENGTH="$(wc -c <body.json | tr -d ' ')" \
	    HTTP_X_GITHUB_EVENT=push HTTP_X_GITHUB_DELIVERY="$1" \
	    HTTP_X_HUB_SIGNATURE_256="sha256=$(hmac_sign body.json)" \
	    cgi-fcgi -bind -connect "$sock" <body.json >out 2>/dev/null
}

test_expect_success 'FastCGI: killed at each write-path call, the redelivery is spooled once' '
	kills=0 &&
	for sc in openat linkat fdatasync rename fsync pwrite64; do
		n=1
		while :; do
			id=fcgi-$sc-$n
			body "$id"
			# the calls a responder makes before its first request
			# are counted too: it may die before it answers
			start strace -f -qq -o /dev/null -e trace=$sc \
			    -e inject=$sc:signal=KILL:when=$n &&
			fcgi "$id"
			if grep -q "^Status: " out; then
				stop
				break
			fi
			stop
			kills=$((kills + 1))
			start && fcgi "$id" && stop &&
			test "$(spooled "$id")" = 1 &&
			test -z "$(ls "$GLOW_SPOOL/tmp")" ||
			{ echo "$id:"; cat out; exit 1; }
			n=$((n + 1))
			test $n -le 200 || { echo "$sc: no end"; exit 1; }
		done
	done &&
	echo "# $kills kills" &&
	test $kills -gt 10
'

test_done
