# SPDX-License-Identifier: ISC
# t/sim.sh: the GitHub simulator (t/ghsim.py) for shell tests.  Source it
# after lib.sh:
#
#   . "${0%/*}/lib.sh"
#   . "$T_DIR/sim.sh"
#   sim_config_default >sim.json
#   sim_start sim.json                  # or: sim_start sim.json --tls
#   test_expect_success 'lists repos' '
#       GLOW_TOKEN=ghp_statictoken glow-api /orgs/glow-org/repos >out &&
#       test "$(sim_count GET "^/orgs/glow-org/repos$")" = 1
#   '
#
# Call sim_start at the top level of the script: it exports SIM_PORT,
# SIM_URL and GITHUB_API_URL (and, with --tls, SSL_CERT_FILE and
# CURL_CA_BUNDLE) and registers its own stop with test_at_exit.  A
# simulator started inside a test body lives until that body ends (the
# outer one keeps running; the body sees the new one).  To replace the
# simulator at the top level, sim_stop first.
#
#   sim_app_key             path of the test App's private key (PKCS#1 PEM,
#                           made once per script); apps 1001 and 1002 of the
#                           default configuration use its public key
#   sim_config_default      the default configuration (t/sim-default.json
#                           with the key filled in) on stdout: App 1001
#                           "Iv1.glowtestapp" installed as 42 on glow-org (all
#                           repositories) and as 43 on user dave (dave/notes
#                           only); App 1002 installed nowhere; static token
#                           ghp_statictoken (installation 42); users alice,
#                           bob, carol, dave, ...; repositories
#                           glow-org/learning-room-template (private template
#                           with README.md and the three workflows),
#                           glow-org/admin, glow-org/enrollment (public),
#                           dave/notes, other-org/secret (not installed)
#   sim_ctl METHOD PATH [JSON]  call the control API (PATH "/_sim/state" or
#                           just "state"); prints the answer, fails on >= 400
#   sim_fault JSON          add a fault (POST /_sim/faults)
#   sim_state [JQ-FILTER]   GET /_sim/state, through jq -r FILTER if given
#   sim_requests            the request log, one JSON object a line
#   sim_count METHOD REGEX  how many logged requests match (METHOD "*" = any;
#                           REGEX is a Python regex searched in the path)
#   sim_jwt [ISS [IAT-OFFSET [EXP-OFFSET [KEY]]]]  an App JWT made with
#                           openssl (default: 1001, -60, +540, sim_app_key)
#   sim_token [INSTALLATION]  a fresh installation token (default 42),
#                           minted through the simulator with sim_jwt
#   sim_stop                stop the simulator now
#
# The manual of the simulator itself (configuration keys, control API,
# faults) is the comment at the top of t/ghsim.py.

SIM_DIR=$TRASH/.sim
SIM_PID=
mkdir -p "$SIM_DIR"

sim_app_key() {
	if [ ! -s "$SIM_DIR/app.pem" ]; then
		openssl genrsa -traditional -out "$SIM_DIR/app.pem.tmp" 2048 2>/dev/null &&
		mv "$SIM_DIR/app.pem.tmp" "$SIM_DIR/app.pem" || return 1
	fi
	printf '%s\n' "$SIM_DIR/app.pem"
}

sim_config_default() {
	key=$(sim_app_key) || return 1
	if [ ! -s "$SIM_DIR/app.pub" ]; then
		openssl rsa -in "$key" -pubout -out "$SIM_DIR/app.pub" 2>/dev/null || return 1
	fi
	jq --rawfile k "$SIM_DIR/app.pub" '.apps[].public_key_pem = $k' \
		"$T_DIR/sim-default.json"
}

# A test CA and a certificate for localhost signed by it, made once per
# script.
sim_tls_files() {
	d=$SIM_DIR/tls
	[ -s "$d/server.pem" ] && return 0
	mkdir -p "$d" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=glow-test-ca \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign \
		-keyout "$d/ca.key" -out "$d/ca.pem" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
	printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
		'basicConstraints=CA:FALSE' \
		'keyUsage=critical,digitalSignature,keyEncipherment' \
		'extendedKeyUsage=serverAuth' >"$d/ext.cnf" &&
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 30 -extfile "$d/ext.cnf" \
		-out "$d/server.pem.tmp" 2>/dev/null &&
	mv "$d/server.pem.tmp" "$d/server.pem"
}

sim_stop() {
	if [ -n "$SIM_PID" ]; then
		kill "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
		SIM_PID=
	fi
	return 0
}

sim_start() {
	sim_config=$1
	sim_tls=
	[ "${2:-}" = --tls ] && sim_tls=1
	rm -f "$SIM_DIR/port"
	if [ -n "$sim_tls" ]; then
		sim_tls_files || { echo "sim_start: cannot make the test CA" >&2; return 1; }
		python3 -I "$T_DIR/ghsim.py" --config "$sim_config" --port-file "$SIM_DIR/port" \
			--die-with-parent --tls "$SIM_DIR/tls/server.pem" "$SIM_DIR/tls/server.key" \
			</dev/null >>"$SIM_DIR/log" 2>&1 &
	else
		python3 -I "$T_DIR/ghsim.py" --config "$sim_config" --port-file "$SIM_DIR/port" \
			--die-with-parent </dev/null >>"$SIM_DIR/log" 2>&1 &
	fi
	SIM_PID=$!
	test_at_exit "kill $SIM_PID 2>/dev/null; wait $SIM_PID 2>/dev/null"
	i=0
	while [ ! -s "$SIM_DIR/port" ]; do
		if ! kill -0 "$SIM_PID" 2>/dev/null || [ $i -ge 500 ]; then
			echo "sim_start: the simulator did not start:" >&2
			sed 's/^/| /' "$SIM_DIR/log" >&2
			SIM_PID=
			return 1
		fi
		sleep 0.01
		i=$((i + 1))
	done
	SIM_PORT=$(cat "$SIM_DIR/port")
	if [ -n "$sim_tls" ]; then
		SIM_URL=https://localhost:$SIM_PORT
		SSL_CERT_FILE=$SIM_DIR/tls/ca.pem
		CURL_CA_BUNDLE=$SIM_DIR/tls/ca.pem
		export SSL_CERT_FILE CURL_CA_BUNDLE
	else
		SIM_URL=http://127.0.0.1:$SIM_PORT
	fi
	GITHUB_API_URL=$SIM_URL
	export SIM_PORT SIM_URL GITHUB_API_URL
}

sim_ctl() {
	case $2 in
	/*) sim_path=$2 ;;
	*) sim_path=/_sim/$2 ;;
	esac
	if [ $# -ge 3 ]; then
		printf '%s' "$3" | curl -sS --fail-with-body -X "$1" \
			-H 'Content-Type: application/json' --data-binary @- "$SIM_URL$sim_path"
	else
		curl -sS --fail-with-body -X "$1" "$SIM_URL$sim_path"
	fi
}

sim_fault() { sim_ctl POST /_sim/faults "$1" >/dev/null; }

sim_state() {
	if [ $# -ge 1 ]; then
		sim_ctl GET /_sim/state | jq -r "$1"
	else
		sim_ctl GET /_sim/state
	fi
}

sim_requests() { sim_ctl GET /_sim/requests | jq -c '.[]'; }

sim_count() {
	curl -sS --fail-with-body -G --data-urlencode "method=$1" \
		--data-urlencode "path=$2" "$SIM_URL/_sim/requests" | jq length
}

sim_b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

sim_jwt() {
	sim_now=$(date +%s)
	sim_iat=$((sim_now + ${2:--60}))
	sim_exp=$((sim_now + ${3:-540}))
	sim_key=${4:-$(sim_app_key)}
	sim_h=$(printf '{"alg":"RS256","typ":"JWT"}' | sim_b64url)
	sim_p=$(printf '{"iat":%s,"exp":%s,"iss":"%s"}' "$sim_iat" "$sim_exp" "${1:-1001}" | sim_b64url)
	sim_s=$(printf '%s.%s' "$sim_h" "$sim_p" |
		openssl dgst -sha256 -sign "$sim_key" -binary | sim_b64url)
	printf '%s.%s.%s\n' "$sim_h" "$sim_p" "$sim_s"
}

sim_token() {
	sim_j=$(sim_jwt) || return 1
	sim_r=$(printf 'Authorization: Bearer %s\n' "$sim_j" |
		curl -sS -X POST -H @- -H 'Accept: application/vnd.github+json' \
		"$SIM_URL/app/installations/${1:-42}/access_tokens") || return 1
	printf '%s\n' "$sim_r" | jq -er .token 2>/dev/null && return 0
	echo "sim_token: no token: $sim_r" >&2
	return 1
}
