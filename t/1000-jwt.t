#!/bin/sh
# SPDX-License-Identifier: ISC
# glow-jwt: App JWTs that OpenSSL and an independent JWT library (jose, from
# npm) verify; every way of giving the key; refusals; secrets kept out of
# stderr.
. "${0%/*}/lib.sh"

command -v openssl >/dev/null 2>&1 || skip_all 'openssl not installed'
command -v jq >/dev/null 2>&1 || skip_all 'jq not installed'

# Keys made here, never kept: PKCS#1 as GitHub hands out, PKCS#8, both
# encrypted, an EC key and the public half.
umask 077
openssl genrsa -traditional -out key.pem 2048 2>/dev/null &&
openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem &&
openssl rsa -in key.pem -pubout -out pub.pem 2>/dev/null &&
openssl rsa -in key.pem -aes128 -traditional -passout pass:hunter2 -out enc1.pem 2>/dev/null &&
openssl pkcs8 -topk8 -in key.pem -passout pass:hunter2 -out enc8.pem &&
openssl ecparam -name prime256v1 -genkey -noout -out ec.pem ||
	skip_all 'openssl cannot make the test keys'
# A line from the middle of the private key: it must never reach stderr.
secret_line=$(sed -n 10p key.pem)

# b64url_decode: stdin base64url (no padding) to stdout bytes.
b64url_decode() {
	s=$(tr -- '-_' '+/')
	case $((${#s} % 4)) in
	2) s="$s==" ;;
	3) s="$s=" ;;
	esac
	printf '%s\n' "$s" | openssl base64 -d -A
}

# split OUT: the token's parts from glow-jwt's output into header.json,
# claims.json, input (the signing input) and sig (raw signature).
split() {
	jq -r .token "$1" >token &&
	tok=$(cat token) &&
	h=${tok%%.*} && rest=${tok#*.} && c=${rest%%.*} && s=${rest#*.} &&
	test "$s" != "$rest" && test "${s#*.}" = "$s" &&
	printf '%s' "$h" | b64url_decode >header.json &&
	printf '%s' "$c" | b64url_decode >claims.json &&
	printf '%s' "$s" | b64url_decode >sig &&
	printf '%s.%s' "$h" "$c" >input
}

# verify OUT [PUB]: OpenSSL accepts the token's RS256 signature.
verify() {
	split "$1" &&
	openssl dgst -sha256 -verify "${2:-pub.pem}" -signature sig input >verified &&
	grep -q '^Verified OK' verified
}

test_expect_success 'a PKCS#1 key from -k signs a token openssl verifies' '
	glow-jwt -a 12345 -k key.pem >out 2>err &&
	verify out &&
	test ! -s err
'

test_expect_success 'the output is one JSON line: token, issued_at, expires_at, app_id' '
	test $(wc -l <out) -eq 1 &&
	jq -c "keys_unsorted" out >keys &&
	echo "[\"token\",\"issued_at\",\"expires_at\",\"app_id\"]" >expect &&
	test_cmp expect keys &&
	test "$(json_get out .app_id)" = 12345
'

test_expect_success 'the header is exactly {"alg":"RS256","typ":"JWT"}' '
	split out &&
	printf "%s" "{\"alg\":\"RS256\",\"typ\":\"JWT\"}" >expect &&
	test_cmp expect header.json
'

test_expect_success 'claims: iss is a string, iat is now - 60, exp is now + 540' '
	before=$(date +%s) &&
	glow-jwt -a 12345 -k key.pem >out &&
	after=$(date +%s) &&
	split out &&
	test "$(jq -r ".iss | type" claims.json)" = string &&
	test "$(jq -r .iss claims.json)" = 12345 &&
	iat=$(jq -r .iat claims.json) && exp=$(jq -r .exp claims.json) &&
	test "$iat" -ge $((before - 60)) && test "$iat" -le $((after - 60)) &&
	test $((exp - iat)) -eq 600 &&
	test "$(jq -r "keys | join(\",\")" claims.json)" = exp,iat,iss
'

test_expect_success 'issued_at and expires_at are iat and exp in ISO 8601 UTC' '
	split out &&
	iat=$(jq -r .iat claims.json) && exp=$(jq -r .exp claims.json) &&
	test "$(json_get out .issued_at)" = "$(date -u -d @$iat +%Y-%m-%dT%H:%M:%SZ)" &&
	test "$(json_get out .expires_at)" = "$(date -u -d @$exp +%Y-%m-%dT%H:%M:%SZ)"
'

test_expect_success '-t fixes the clock: same token twice, signature equal to openssl dgst -sign' '
	glow-jwt -a 12345 -k key.pem -t 1700000060 >ref &&
	glow-jwt -a 12345 -k key.pem -t 1700000060 >again &&
	test_cmp ref again &&
	split ref &&
	printf "%s" "{\"iat\":1700000000,\"exp\":1700000600,\"iss\":\"12345\"}" >expect &&
	test_cmp expect claims.json &&
	openssl dgst -sha256 -sign key.pem -out osig input &&
	cmp osig sig &&
	test "$(json_get ref .issued_at)" = 2023-11-14T22:13:20Z &&
	test "$(json_get ref .expires_at)" = 2023-11-14T22:23:20Z
'

# same_token OUT: OUT holds the reference token (the same key and -t).
same_token() {
	test "$(json_get "$1" .token)" = "$(json_get ref .token)"
}

test_expect_success 'the key as PEM text in PROVISIONING_APP_PRIVATE_KEY' '
	PROVISIONING_APP_PRIVATE_KEY=$(cat key.pem) glow-jwt -a 12345 -t 1700000060 >out &&
	same_token out
'

test_expect_success 'the key as one line with literal \n escapes' '
	awk "{ printf \"%s\\\\n\", \$0 }" key.pem >oneline &&
	test $(wc -l <oneline) -eq 0 &&
	grep -q "KEY-----\\\\nMII" oneline &&
	PROVISIONING_APP_PRIVATE_KEY=$(cat oneline) glow-jwt -a 12345 -t 1700000060 >out &&
	same_token out
'

test_expect_success 'the key as @path' '
	PROVISIONING_APP_PRIVATE_KEY=@$PWD/key.pem glow-jwt -a 12345 -t 1700000060 >out &&
	same_token out
'

test_expect_success 'the App ID from PROVISIONING_APP_ID' '
	PROVISIONING_APP_ID=12345 glow-jwt -k key.pem -t 1700000060 >out &&
	same_token out
'

test_expect_success '-k and -a win over the environment' '
	PROVISIONING_APP_ID=999 PROVISIONING_APP_PRIVATE_KEY=@ec.pem \
		glow-jwt -a 12345 -k key.pem -t 1700000060 >out &&
	same_token out
'

test_expect_success 'a PKCS#8 key gives the same token' '
	glow-jwt -a 12345 -k key8.pem -t 1700000060 >out &&
	same_token out
'

test_expect_success 'a key with CRLF line ends and no final newline gives the same token' '
	sed "s/\$/\r/" key.pem | head -c -2 >crlf.pem &&
	tail -c 9 crlf.pem | grep -q "KEY-----\$" &&
	grep -q "$(printf "\r")" crlf.pem &&
	glow-jwt -a 12345 -k crlf.pem -t 1700000060 >out &&
	same_token out
'

test_expect_success 'a key file readable by others is accepted (a downloaded key usually is)' '
	cp key.pem open.pem && chmod 644 open.pem &&
	glow-jwt -a 12345 -k open.pem -t 1700000060 >out 2>err &&
	same_token out && test ! -s err
'

test_expect_success 'a Client ID is accepted as iss' '
	glow-jwt -a Iv1.0123abcd -k key.pem >out &&
	verify out &&
	test "$(jq -r .iss claims.json)" = Iv1.0123abcd &&
	test "$(json_get out .app_id)" = Iv1.0123abcd
'

if test_npm jose; then
	test_expect_success 'jose (an independent JWT library) verifies the token' '
		glow-jwt -a 12345 -k key.pem >out &&
		here=$PWD &&
		(cd "$GLOW_BUILD/npm" && node --input-type=module -e "
			import * as jose from \"jose\";
			import fs from \"node:fs\";
			const [out, pub] = process.argv.slice(1);
			const token = JSON.parse(fs.readFileSync(out, \"utf8\")).token;
			const key = await jose.importSPKI(fs.readFileSync(pub, \"utf8\"), \"RS256\");
			const { payload, protectedHeader } = await jose.jwtVerify(token, key,
			    { algorithms: [\"RS256\"], issuer: \"12345\", typ: \"JWT\" });
			console.log(JSON.stringify({ alg: protectedHeader.alg,
			    iss: payload.iss, life: payload.exp - payload.iat,
			    age: Math.floor(Date.now() / 1000) - payload.iat }));
		" "$here/out" "$here/pub.pem") >jose.json &&
		test "$(jq -r .alg jose.json)" = RS256 &&
		test "$(jq -r .iss jose.json)" = 12345 &&
		test "$(jq -r .life jose.json)" = 600 &&
		age=$(jq -r .age jose.json) && test "$age" -ge 58 && test "$age" -le 62
	'
	test_expect_success 'jose refuses the token signed by another key' '
		openssl genrsa -out other.pem 2048 2>/dev/null &&
		glow-jwt -a 12345 -k other.pem >out &&
		here=$PWD &&
		! (cd "$GLOW_BUILD/npm" && node --input-type=module -e "
			import * as jose from \"jose\";
			import fs from \"node:fs\";
			const [out, pub] = process.argv.slice(1);
			const token = JSON.parse(fs.readFileSync(out, \"utf8\")).token;
			const key = await jose.importSPKI(fs.readFileSync(pub, \"utf8\"), \"RS256\");
			await jose.jwtVerify(token, key, { algorithms: [\"RS256\"] });
		" "$here/out" "$here/pub.pem") 2>jose.err &&
		grep -q "signature verification failed" jose.err
	'
else
	test_skip 'jose (an independent JWT library) verifies the token' 'npm cannot install jose'
	test_skip 'jose refuses the token signed by another key' 'npm cannot install jose'
fi

# fails_with STATUS PATTERN CMD...: CMD exits STATUS, prints nothing on
# stdout, and one line matching PATTERN on stderr that holds no key text.
fails_with() {
	want=$1 pattern=$2
	shift 2
	test_expect_code "$want" "$@" >out 2>err &&
	test ! -s out &&
	test $(wc -l <err) -eq 1 &&
	test_grep "^glow-jwt: $pattern" err &&
	test_grep -v "$secret_line" err
}

test_expect_success 'no App ID: exit 2 and say how to give one' '
	fails_with 2 "no App ID: give -a ID or set PROVISIONING_APP_ID" glow-jwt -k key.pem
'

test_expect_success 'no key: exit 2 and say how to give one' '
	fails_with 2 "no private key: give -k FILE or set PROVISIONING_APP_PRIVATE_KEY" \
		glow-jwt -a 12345
'

test_expect_success 'a bad App ID is refused' '
	fails_with 2 "bad App ID .12 34.: give the App ID" glow-jwt -a "12 34" -k key.pem &&
	fails_with 2 "bad App ID" glow-jwt -a "https://github.com/apps/x" -k key.pem
'

test_expect_success 'a key pasted into PROVISIONING_APP_ID is not echoed' '
	PROVISIONING_APP_ID=$(cat key.pem) fails_with 2 \
		"bad App ID .PROVISIONING_APP_ID.: give" glow-jwt -k key.pem
'

test_expect_success 'an encrypted PKCS#1 key is refused, and says why' '
	PROVISIONING_APP_PRIVATE_KEY=$(cat enc1.pem) fails_with 2 \
		"cannot use key .PROVISIONING_APP_PRIVATE_KEY.: the key is encrypted; GitHub App keys are not, export it without a passphrase\$" \
		glow-jwt -a 12345
'

test_expect_success 'an encrypted PKCS#8 key is refused as encrypted' '
	fails_with 2 "cannot use key .enc8.pem.: the key is encrypted" glow-jwt -a 12345 -k enc8.pem
'

test_expect_success 'an EC key is refused as not RSA' '
	fails_with 2 "cannot use key .ec.pem.: not an RSA key" glow-jwt -a 12345 -k ec.pem
'

test_expect_success 'the public key is refused as such' '
	fails_with 2 "cannot use key .pub.pem.: that is a public key" glow-jwt -a 12345 -k pub.pem
'

test_expect_success 'garbage is refused' '
	echo "not a key" >garbage &&
	fails_with 2 "cannot use key .garbage.: no PEM private key found" glow-jwt -a 12345 -k garbage &&
	head -c 1000 key.pem >cut.pem &&
	fails_with 2 "cannot use key .cut.pem.: the PEM text is damaged or cut short" \
		glow-jwt -a 12345 -k cut.pem &&
	head -n 5 key.pem >cut.pem &&
	fails_with 2 "cannot use key .cut.pem.: the PEM text is damaged or cut short" \
		glow-jwt -a 12345 -k cut.pem
'

test_expect_success 'a key with damaged base64 is refused, without echoing it' '
	sed "10s/^..../!!!!/" key.pem >bad.pem &&
	PROVISIONING_APP_PRIVATE_KEY=@bad.pem fails_with 2 \
		"cannot use key .bad.pem.: the PEM text is damaged" glow-jwt -a 12345
'

test_expect_success 'a path given without @ gets a hint' '
	PROVISIONING_APP_PRIVATE_KEY=$PWD/key.pem fails_with 2 \
		"cannot use key .PROVISIONING_APP_PRIVATE_KEY.: it holds no PEM text; to name a file, write @" \
		glow-jwt -a 12345
'

test_expect_success 'a missing or empty key file is refused' '
	fails_with 2 "cannot read key .nosuch.pem.: No such file or directory" \
		glow-jwt -a 12345 -k nosuch.pem &&
	: >empty.pem &&
	PROVISIONING_APP_PRIVATE_KEY=@empty.pem fails_with 2 \
		"cannot read key .empty.pem.: the secret is empty" glow-jwt -a 12345
'

test_expect_success '-e 600 is the longest lifetime, -e 1 the shortest' '
	glow-jwt -a 1 -k key.pem -e 600 >out && split out &&
	test $(( $(jq -r ".exp - .iat" claims.json) )) -eq 660 &&
	glow-jwt -a 1 -k key.pem -e 1 >out && split out &&
	test $(( $(jq -r ".exp - .iat" claims.json) )) -eq 61
'

test_expect_success '-e outside 1..600 is refused' '
	for e in 0 601 -5 9999999999999 10s ""; do
		fails_with 2 "bad lifetime .$e.: give 1 to 600 seconds" \
			glow-jwt -a 1 -k key.pem -e "$e" || return 1
	done
'

test_expect_success '-t must be seconds since the epoch' '
	fails_with 2 "bad time .yesterday.: give seconds since the epoch" \
		glow-jwt -a 1 -k key.pem -t yesterday
'

test_expect_success 'in GitHub Actions the token is masked first, on stderr' '
	GITHUB_ACTIONS=true glow-jwt -a 12345 -k key.pem >out 2>err &&
	echo "::add-mask::$(json_get out .token)" >expect &&
	test_cmp expect err
'

test_expect_success 'outside Actions nothing is masked' '
	GITHUB_ACTIONS=false glow-jwt -a 12345 -k key.pem >out 2>err &&
	test ! -s err
'

test_expect_success 'a failed write to stdout exits 2' '
	test -w /dev/full || return 0
	test_expect_code 2 glow-jwt -a 12345 -k key.pem >/dev/full 2>err &&
	test_grep "cannot write .stdout." err
'

test_expect_success '-V prints the version, -h the usage' '
	glow-jwt -V >out && grep -q "^glow-jwt [0-9]" out &&
	glow-jwt -h >out && grep -q "^usage: glow-jwt .-a app-id. .-k key-file. .-e seconds. .-t time." out
'

test_expect_success 'an operand is a usage error' '
	test_expect_code 2 glow-jwt -a 1 -k key.pem extra >out 2>err &&
	test_grep "^usage: glow-jwt" err && test ! -s out
'

test_done
