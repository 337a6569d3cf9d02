#!/bin/sh
# SPDX-License-Identifier: ISC
# make static: every static program really is static (no program
# interpreter, no shared library) and under 1 MB; and a static program runs
# in an empty directory tree (a chroot holding only the programs, a CA file
# and a key: no /etc, no /dev, no libc) and talks HTTPS to the simulator.
. "${0%/*}/lib.sh"

SB=${GLOW_STATIC_BIN:-$GLOW_SRC/build/static/bin}
[ -d "$SB" ] || skip_all "no static build in $SB (make static)"
command -v readelf >/dev/null 2>&1 || skip_all "readelf not installed (binutils)"

progs=
for p in "$SB"/glow-*; do
	[ -f "$p" ] && head -c 4 "$p" | grep -q ELF && progs="$progs ${p##*/}"
done
[ -n "$progs" ] || skip_all "no static programs in $SB"

for n in $progs; do
	test_expect_success "$n has no program interpreter" "
		readelf -lW '$SB/$n' >phdr &&
		test_grep '^Program Headers:' phdr &&
		test_grep -v 'INTERP' phdr &&
		test_grep -v 'Requesting program interpreter' phdr
	"
	test_expect_success "$n needs no shared library" "
		readelf -dW '$SB/$n' >dyn &&
		test_grep -v '(NEEDED)' dyn
	"
	test_expect_success "$n is under 1 MB" "
		size=\$(wc -c <'$SB/$n') &&
		echo \"$n: \$size bytes\" &&
		test \"\$size\" -lt 1048576
	"
done

test_expect_success 'static glow-jwt -V prints the version of this tree' '
	version=$(sed -n "s/^VERSION *= *//p" "$GLOW_SRC/Makefile") &&
	"$SB/glow-jwt" -V >out &&
	echo "glow-jwt $version" >expect &&
	test_cmp expect out
'

# An empty tree, entered with chroot(2): as root directly, otherwise inside
# a user namespace where we are root, when the kernel allows that.  The
# program gets no environment but what a test gives it (env -i).
chroot_cmd=
if c=$(command -v chroot); then
	if [ "$(id -u)" = 0 ]; then
		chroot_cmd=$c
	elif u=$(command -v unshare) && "$u" -r "$c" / true >/dev/null 2>&1; then
		chroot_cmd="$u -r $c"
	fi
fi
if [ -z "$chroot_cmd" ]; then
	test_skip 'a static program runs in an empty tree' 'needs root or user namespaces'
	test_done
fi
ROOT=$TRASH/root

# The App key: the simulator's test App when there is a simulator.
have_sim=
if [ -r "$T_DIR/sim.sh" ] && command -v python3 >/dev/null 2>&1; then
	. "$T_DIR/sim.sh"
	have_sim=1
fi

test_expect_success 'set up an empty tree holding only the static programs and a key' '
	mkdir -p root/bin &&
	for n in $progs; do cp "$SB/$n" root/bin/ || return 1; done &&
	if test -n "$have_sim"
	then
		cp "$(sim_app_key)" root/app.pem
	else
		openssl genrsa -out root/app.pem 2048 2>/dev/null
	fi &&
	openssl rsa -in root/app.pem -pubout -out app.pub 2>/dev/null &&
	test ! -e root/etc && test ! -e root/dev && test ! -e root/lib &&
	test ! -e root/usr && test ! -e root/tmp
'

test_expect_success 'static glow-jwt mints a verifiable JWT in the empty tree' '
	env -i $chroot_cmd "$ROOT" /bin/glow-jwt -a 12345 -k /app.pem >jwt.json &&
	json_get jwt.json .token >jwt &&
	cut -d. -f1,2 jwt | tr -d "\n" >signed &&
	cut -d. -f3 jwt | tr -d "\n" | tr "_-" "/+" >sig.b64 &&
	pad=$(( (4 - $(wc -c <sig.b64) % 4) % 4 )) &&
	printf "%.${pad}s" "===" >>sig.b64 &&
	openssl base64 -d -A -in sig.b64 -out sig &&
	openssl dgst -sha256 -verify app.pub -signature sig signed
'

# The HTTPS half needs the simulator and the programs that call GitHub.
https='static glow-jwt, glow-token and glow-api reach the simulator over HTTPS from the empty tree'
if [ -z "$have_sim" ]; then
	test_skip "$https" 'no simulator (t/sim.sh)'
	test_done
fi
case " $progs " in
*" glow-api "*" glow-token "*) ;;
*)	test_skip "$https" 'no static glow-api or glow-token'
	test_done ;;
esac

sim_config_default >sim.json
sim_start sim.json --tls

test_expect_success 'the simulator serves HTTPS on localhost (BearSSL verifies a name, not an IP)' '
	case "$SIM_URL" in https://localhost:*) ;; *) false ;; esac &&
	test -r "$SSL_CERT_FILE"
'

# in_root PROGRAM ARG...: PROGRAM run in the empty tree with no environment
# but the simulator's URL, the CA file and $root_token as GLOW_TOKEN.
root_token=
in_root() {
	env -i GITHUB_API_URL="$SIM_URL" SSL_CERT_FILE=/ca.pem \
	    ${root_token:+GLOW_TOKEN="$root_token"} $chroot_cmd "$ROOT" "$@"
}

test_expect_success 'static glow-api GETs a repository with the static token' '
	cp "$SSL_CERT_FILE" root/ca.pem &&
	root_token=ghp_statictoken &&
	in_root /bin/glow-api /repos/glow-org/learning-room-template >repo.json &&
	test "$(json_get repo.json .full_name)" = glow-org/learning-room-template
'

test_expect_success 'without the CA file the static program refuses the server' '
	test_must_fail env -i GITHUB_API_URL="$SIM_URL" GLOW_TOKEN=ghp_statictoken \
	    $chroot_cmd "$ROOT" /bin/glow-api /repos/glow-org/admin >out 2>err &&
	test ! -s out &&
	test_grep "certificate" err
'

test_expect_success "$https" '
	in_root /bin/glow-jwt -a 1001 -k /app.pem >jwt.json &&
	in_root /bin/glow-token -i 42 <jwt.json >token.json &&
	token=$(json_get token.json .token) &&
	test "$(json_get token.json .installation_id)" = 42 &&
	root_token=$token &&
	in_root /bin/glow-api /repos/glow-org/learning-room-template >repo.json &&
	test "$(json_get repo.json .full_name)" = glow-org/learning-room-template &&
	test "$(sim_count POST "^/app/installations/42/access_tokens$")" = 1
'

test_expect_success 'the empty tree is still empty but for what was put there' '
	(cd root && find . | sort) >tree &&
	printf "%s\n" . ./app.pem ./bin ./ca.pem >expect &&
	for n in $progs; do echo "./bin/$n"; done >>expect &&
	sort expect >expect.sorted &&
	test_cmp expect.sorted tree
'

test_done
