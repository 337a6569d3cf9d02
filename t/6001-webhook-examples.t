#!/bin/sh
# SPDX-License-Identifier: ISC
# Every example payload of the npm package @octokit/webhooks-examples,
# delivered to glow-webhook as GitHub would (signed, CGI): each is accepted
# and its envelope has the event, action, installation, repository, sender
# and payload that jq reads from the same payload.
. "${0%/*}/lib.sh"

command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'
command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
ex=$GLOW_BUILD/npm/node_modules/@octokit/webhooks-examples/api.github.com/index.json
test_npm @octokit/webhooks-examples ||
	skip_all 'npm cannot install @octokit/webhooks-examples'
test -f "$ex" || skip_all '@octokit/webhooks-examples has no index.json'

K='examples secret'
GLOW_WEBHOOK_SECRET=$K
export K GLOW_WEBHOOK_SECRET
unset GLOW_SPOOL GLOW_WEBHOOK_STATE 2>/dev/null

# One payload a file (ex/N.json), its event name (ex/N.event) and its
# signature (ex/N.sig), written by Python from the package's index.
mkdir ex spool &&
python3 - "$ex" <<'EOF' || skip_all 'cannot unpack the examples'
import hashlib, hmac, json, os, sys
n = 0
for event in json.load(open(sys.argv[1], encoding="utf-8")):
    for payload in event["examples"]:
        n += 1
        body = json.dumps(payload, ensure_ascii=False).encode()
        open("ex/%d.json" % n, "wb").write(body)
        open("ex/%d.event" % n, "w").write(event["name"])
        open("ex/%d.sig" % n, "w").write(
            hmac.new(os.environb[b"K"], body, hashlib.sha256).hexdigest())
print(n, file=open("count", "w"))
EOF
count=$(cat count)

test_expect_success "the package has its examples ($count)" '
	test "$count" -ge 300 &&
	test "$(for e in ex/*.event; do cat $e; echo; done | sort -u | wc -l)" -ge 50 &&
	test "$(jq "[.[].examples[]] | length" "$ex")" = "$count"
'

test_expect_success 'every example is accepted: 202' '
	i=1 && : >statuses &&
	while [ $i -le $count ]; do
		env REQUEST_METHOD=POST CONTENT_TYPE=application/json \
		    CONTENT_LENGTH=$(wc -c <ex/$i.json) \
		    HTTP_X_GITHUB_EVENT=$(cat ex/$i.event) \
		    HTTP_X_GITHUB_DELIVERY=ex-$i HTTP_X_GITHUB_HOOK_ID=1 \
		    HTTP_X_HUB_SIGNATURE_256=sha256=$(cat ex/$i.sig) \
		    GLOW_SPOOL=spool/$i glow-webhook <ex/$i.json >out 2>err
		echo "$i $? $(head -n 1 out)" >>statuses
		i=$((i + 1))
	done &&
	! grep -v " 0 Status: 202 Accepted" statuses
'

# The fields as jq reads them from the payload, and from the envelope.
filter='def s: if type == "string" then . else null end;
def o(f): if type == "object" then f else null end;
[(.action | s), (.installation | o(.id | if type == "number" then . else null end)),
 (.repository | o(.full_name | s)),
 (.sender | o({login: (.login | s), type: (.type | s)})), (. | tojson)] | tojson'

test_expect_success 'each envelope has the event, action, installation, repository, sender, payload' '
	i=1 && : >want && : >got &&
	while [ $i -le $count ]; do
		printf "%s %s " $i "$(cat ex/$i.event)" >>want &&
		jq -r "$filter" ex/$i.json >>want &&
		f=$(ls spool/$i/new/*-ex-$i.json) &&
		jq -r "\"\(.delivery_id | ltrimstr(\"ex-\")) \(.event) \", (.payload | $filter),
		    ([.action, .installation_id, .repository, .sender, (.payload | tojson)] | tojson)" \
		    "$f" >lines &&
		head -n 1 lines | tr -d "\n" >>got &&
		sed -n 2p lines >p.line && sed -n 3p lines >e.line &&
		if ! cmp -s p.line e.line; then
			echo "example $i: the envelope differs from its own payload:"
			cut -c 1-300 p.line e.line
			return 1
		fi
		cat e.line >>got
		i=$((i + 1))
	done &&
	cmp -s want got || { diff want got | cut -c 1-300 | head -n 20; false; }
'

test_expect_success 'examples with an installation, a repository, a bot sender are among them' '
	test "$(cat spool/*/new/*.json | jq -s "[.[] | select(.installation_id != null)] | length")" -gt 0 &&
	test "$(cat spool/*/new/*.json | jq -s "[.[] | select(.repository == null)] | length")" -gt 0 &&
	test "$(cat spool/*/new/*.json | jq -s "[.[] | select(.sender.type == \"Bot\")] | length")" -gt 0
'

test_done
