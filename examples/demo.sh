#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: glow against the bundled GitHub simulator, on a machine with no
# GitHub account.  A throwaway App key is made, the simulator (t/ghsim.py)
# is started on 127.0.0.1 with that App installed on the organisation
# glow-org and a learning-room template, and the glow programs do what the
# scheduled workflow does with real credentials: mint a JWT, exchange it for
# an installation token, see the template, make a learner's repository from
# it and invite the learner.  Nothing is left behind.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
bin=${GLOW_BIN:-$src/build/bin}
PATH=$bin:$PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/glow-demo.XXXXXX")
sim=
cleanup() {
	[ -n "$sim" ] && kill "$sim" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold= plain=; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

step "a throwaway GitHub App key, and the simulator on 127.0.0.1"
openssl genrsa -traditional -out "$work/app.pem" 2048 2>/dev/null
openssl rsa -in "$work/app.pem" -pubout -out "$work/app.pub" 2>/dev/null
jq --rawfile k "$work/app.pub" '.apps[].public_key_pem = $k' \
	"$src/t/sim-default.json" >"$work/sim.json"
python3 -I "$src/t/ghsim.py" --config "$work/sim.json" \
	--port-file "$work/port" >"$work/sim.log" 2>&1 &
sim=$!
i=0
until [ -s "$work/port" ]; do
	i=$((i + 1))
	[ $i -lt 100 ] || { echo "demo: the simulator did not start" >&2; exit 2; }
	sleep 0.1
done
GITHUB_API_URL=http://127.0.0.1:$(cat "$work/port")
export GITHUB_API_URL
echo "GITHUB_API_URL=$GITHUB_API_URL"

# The same variables a deployment sets as Actions variables and secrets.
PROVISIONING_APP_ID=1001
PROVISIONING_APP_PRIVATE_KEY=@$work/app.pem
export PROVISIONING_APP_ID PROVISIONING_APP_PRIVATE_KEY

step "glow-jwt | glow-token -o glow-org   (the token goes to a 0600 file)"
umask 077
glow-jwt | glow-token -o glow-org >"$work/token.json"
jq '{installation_id, expires_at, repository_selection, permissions}' "$work/token.json"

step "glow-api: the template the learners' repositories are made from"
glow-api -t "$work/token.json" /repos/glow-org/learning-room-template |
	jq '{full_name, private, is_template}'

step "glow-api -X POST .../generate: one learner's private repository"
printf '%s\n' '{"owner":"glow-org","name":"learning-room-demo-alice","private":true}' |
	glow-api -t "$work/token.json" -X POST /repos/glow-org/learning-room-template/generate |
	jq '{full_name, private}'

step "wait for the template's content (it arrives after the 201), then invite"
i=0
until glow-api -t "$work/token.json" \
	/repos/glow-org/learning-room-demo-alice/contents/.github/workflows >"$work/wf.json" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "demo: content never arrived" >&2; exit 1; }
	sleep 0.2
done
jq -r '.[].path' "$work/wf.json"
printf '%s\n' '{"permission":"push"}' |
	glow-api -t "$work/token.json" -X PUT /repos/glow-org/learning-room-demo-alice/collaborators/alice |
	jq '{invitee: .invitee.login, permissions}'

step "glow-token -d: revoke the token when the run is over"
glow-token -d <"$work/token.json" && echo "revoked"

step "what the simulator saw"
curl -s "$GITHUB_API_URL/_sim/requests" |
	jq -r '.[] | "\(.status)  \(.method) \(.path)"'
