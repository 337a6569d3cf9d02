# SPDX-License-Identifier: ISC
# t/lighttpd.sh: lighttpd on 127.0.0.1 for shell tests.  Source it after
# lib.sh:
#
#   . "${0%/*}/lib.sh"
#   . "$T_DIR/lighttpd.sh"
#   port=$(free_port)
#   test_at_exit lighttpd_stop
#   test_expect_success 'lighttpd serves the companion' '
#       make -s -C "$GLOW_SRC" serve-config SERVE_PORT="$port" ... &&
#       lighttpd_start serve/lighttpd.conf "http://127.0.0.1:$port/healthz"
#   '
#
#   free_port               a TCP port free on 127.0.0.1 at the moment
#   lighttpd_start CONF URL [TRIES]
#                           lighttpd -D -f CONF in the background, its output
#                           in $TRASH/lighttpd.out and its pid in
#                           $TRASH/lighttpd.pid (so it works inside a test
#                           body too); returns once URL answers with a
#                           success status, 1 if it has not after TRIES
#                           tries 0.1 s apart (default 100)
#   lighttpd_stop           stop what lighttpd_start started, if anything
#   lighttpd_webhook PORT [CONF]
#                           examples/CONF (default lighttpd-webhook.conf,
#                           the FastCGI one) on PORT, with the secret $K:
#                           spool/, root/, secret, lighttpd.conf and the
#                           FastCGI socket in the trash directory, checked
#                           and started (stopped at exit), url set to the
#                           webhook's; top level only: it skips the script
#                           when lighttpd refuses the configuration or does
#                           not start

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

lighttpd_start() {
	{ lighttpd -D -f "$1" >"$TRASH/lighttpd.out" 2>&1 & echo $! >"$TRASH/lighttpd.pid"; } &&
	i=0 && until curl -sf -o /dev/null "$2" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt "${3:-100}" ] || return 1; sleep 0.1; done
}

lighttpd_stop() {
	[ -f "$TRASH/lighttpd.pid" ] || return 0
	kill "$(cat "$TRASH/lighttpd.pid")" 2>/dev/null
	wait "$(cat "$TRASH/lighttpd.pid")" 2>/dev/null
	rm -f "$TRASH/lighttpd.pid"
}

lighttpd_webhook() {
	mkdir spool root &&
	(umask 077 && printf '%s\n' "$K" >secret) &&
	sed -e "s|^var.port .*|var.port = $1|" \
	    -e "s|^var.glow_bin .*|var.glow_bin = \"$GLOW_BIN\"|" \
	    -e "s|^var.secret_file .*|var.secret_file = \"$TRASH/secret\"|" \
	    -e "s|^var.spool .*|var.spool = \"$TRASH/spool\"|" \
	    -e "s|^var.root .*|var.root = \"$TRASH/root\"|" \
	    -e "s|^var.log .*|var.log = \"$TRASH/error.log\"|" \
	    -e "s|^var.socket .*|var.socket = \"$TRASH/fcgi.socket\"|" \
	    "$GLOW_SRC/examples/${2:-lighttpd-webhook.conf}" >lighttpd.conf ||
		skip_all 'cannot write the configuration'
	lighttpd -tt -f lighttpd.conf >lint 2>&1 || { cat lint; skip_all 'lighttpd refuses the configuration'; }
	url=http://127.0.0.1:$1/github/webhook
	test_at_exit lighttpd_stop
	lighttpd_start lighttpd.conf "$url/metrics" 50 ||
		{ cat lighttpd.out; skip_all 'lighttpd did not start'; }
}
