#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-companion in real headless Chromium (the distribution's chromium,
# driven by playwright-core; axe-core from npm, installed at test time into
# build/npm): zero axe violations at WCAG 2.2 AA on every page and state,
# and a keyboard-only pass.  Screenshots (the focus ring, the errors, the
# dashboard, the chart in forced colours) are kept in build/artifacts/.
. "${0%/*}/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || skip_all 'chromium is not installed (apt-get install chromium)'
command -v node >/dev/null || skip_all 'node is not installed'
command -v npm >/dev/null || skip_all 'npm is not installed'
command -v lighttpd >/dev/null || skip_all 'lighttpd is not installed'
command -v curl >/dev/null || skip_all 'curl is not installed'
command -v jq >/dev/null || skip_all 'jq is not installed'

NPM=$GLOW_BUILD/npm
test_npm playwright-core axe-core ||
	skip_all 'npm cannot install playwright-core and axe-core'
ARTIFACTS=$GLOW_BUILD/artifacts
mkdir -p "$ARTIFACTS"

. "$T_DIR/lighttpd.sh"
port=$(free_port)
URL=http://127.0.0.1:$port

# A roster with two cohorts, learners in every status and state, and a
# cohort nobody has joined.
jq '.cohorts += [{"cohort_id": "autumn-2026", "label": "Autumn 2026 workshop"},
                 {"cohort_id": "winter-2027"}] |
    .learners += [
      {"github_handle": "carol-c", "cohort_id": "spring-2026", "provision_state": "failed", "status": "needs-info"},
      {"github_handle": "dan-d", "cohort_id": "spring-2026", "provision_state": "healed", "status": "day1-complete",
       "learning_room_repo": "Community-Access/learning-room-spring-2026-dan-d"},
      {"github_handle": "erin-e", "cohort_id": "autumn-2026", "status": "day2-released", "provision_state": "provisioned",
       "learning_room_repo": "Community-Access/learning-room-autumn-2026-erin-e"},
      {"github_handle": "fay-f", "cohort_id": "autumn-2026"}]' \
    "$GLOW_SRC/examples/roster.example.json" >roster.json || exit 1

test_expect_success 'the companion runs behind lighttpd (make serve-config)' '
	make -s -C "$GLOW_SRC" serve-config SERVE_DIR="$TRASH/serve" SERVE_PORT="$port" \
	    SERVE_BIN="$GLOW_BIN/glow-companion" SERVE_ROSTER="$TRASH/roster.json" SERVE_RATE_MAX=0 >config.out 2>&1 &&
	lighttpd_start "$TRASH/serve/lighttpd.conf" "$URL/healthz"
'
test_at_exit lighttpd_stop

rm -rf profile
mkdir profile
NODE_PATH=$NPM/node_modules URL=$URL TOKEN=$(cat serve/token) ROSTER=$TRASH/roster.json \
    PROFILE=$TRASH/profile ARTIFACTS=$ARTIFACTS CHROMIUM=$CHROMIUM \
    timeout 300 node "$T_DIR/a11y/companion.js" >a11y.out 2>a11y.err
echo $? >a11y.rc

test_expect_success 'the Chromium driver ran to the end' '
	test -s a11y.out && ! grep -q "^FAIL driver" a11y.out &&
	grep -q "PASS no CSP violation" a11y.out
'

n=0
while IFS= read -r line; do
	n=$((n + 1))
	name=${line#PASS }
	name=${name#FAIL }
	name=${name%% -- *}
	test_expect_success "$name" "sed -n ${n}p a11y.out | grep '^PASS '"
done <a11y.out

test_expect_success 'the focus-ring screenshot is kept as an artifact' '
	test -s "$ARTIFACTS/companion-focus.png" &&
	head -c 8 "$ARTIFACTS/companion-focus.png" | od -An -c | grep -q "P   N   G"
'

test_done
