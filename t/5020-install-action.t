#!/bin/sh
# SPDX-License-Identifier: ISC
# The install-glow action's script: from release (the default) it downloads
# the archive the action pins, of the repository the action was taken
# from, checks its SHA-256 before unpacking anything, and puts the static
# programs on PATH; a tampered archive, a missing release, a machine with
# no pinned archive and a plain-http server are refused with a message;
# from source builds every program.
. "${0%/*}/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all 'python3 not installed'
command -v curl >/dev/null 2>&1 || skip_all 'curl not installed'
SB=${GLOW_STATIC_BIN:-$GLOW_SRC/build/static/bin}
[ -x "$SB/glow-api" ] || skip_all "no static build in $SB (make static)"
version=$(sed -n 's/^VERSION *= *//p' "$GLOW_SRC/Makefile")
file=glow-$version-linux-x86_64.tar.gz
rel=srv/octo/glow/releases/download/v$version
act=$TRASH/_actions/octo/glow/0123456789abcdef0123456789abcdef01234567/.github/actions/install-glow

test_expect_success 'setup: a release of octo/glow on 127.0.0.1, the action as a runner unpacks it' '
	mkdir -p "$rel" "$act" &&
	sh "$GLOW_SRC/mk/dist.sh" "$version" "$SB" "$TRASH/$rel" >/dev/null 2>&1 &&
	cp "$GLOW_SRC"/.github/actions/install-glow/action.yml "$GLOW_SRC"/.github/actions/install-glow/install.sh "$act/" &&
	cp "$rel/SHA256SUMS" "$act/SHA256SUMS"
'
python3 -m http.server --bind 127.0.0.1 0 --directory "$TRASH/srv" >http.log 2>&1 &
test_at_exit "kill $! 2>/dev/null"
i=0
until port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' http.log | head -n 1) && [ -n "$port" ]; do
	i=$((i + 1)); [ $i -lt 100 ] || break; sleep 0.1
done
server=http://127.0.0.1:$port

# install DIR [VAR=value...]: the action's script as the runner runs it.
install() {
	d=$1; shift
	: >path && : >out.env &&
	env GITHUB_PATH="$TRASH/path" GITHUB_OUTPUT="$TRASH/out.env" GLOW_INSTALL_DIR="$TRASH/$d" \
		GITHUB_SERVER_URL="$server" GITHUB_REPOSITORY=someone/admin "$@" \
		sh "$act/install.sh" 2>err
}

test_expect_success 'from release: the pinned archive, checked, installed, on PATH' '
	install inst &&
	b=$TRASH/inst/glow-$version/bin &&
	echo "$b" >expect && test_cmp expect path &&
	test_grep "^bin=$b$" out.env &&
	test_grep "^version=$version$" out.env &&
	test_grep "downloading glow $version: $server/octo/glow/releases/download/v$version/$file" err &&
	for p in "$GLOW_SRC"/bin/glow-*; do
		n=${p##*/}; n=${n%.c};
		test -x "$b/$n" || { echo "no $n"; exit 1; }
	done &&
	"$b/glow-cohort" -V >v && test_grep "^glow-cohort $version$" v &&
	cmp "$b/glow-api" "$SB/glow-api" &&
	test ! -e "inst/$file"
'

test_expect_success 'the repository is the one the action came from, not the workflow'"'"'s' '
	test_grep "/octo/glow/" err &&
	test_grep -v "someone/admin" err
'

test_expect_success 'the repository input wins' '
	mkdir -p srv/fork/glow/releases/download/v$version &&
	cp "$rel"/* srv/fork/glow/releases/download/v$version/ &&
	install fork GLOW_INSTALL_REPOSITORY=fork/glow &&
	test_grep "/fork/glow/releases/" err
'

test_expect_success 'a tampered archive is refused before anything is unpacked' '
	cp "$rel/$file" good.tar.gz &&
	mkdir -p evil/glow-$version/bin && printf "#!/bin/sh\necho evil\n" >evil/glow-$version/bin/glow-api &&
	tar -czf "$rel/$file" -C evil "glow-$version" &&
	test_expect_code 2 install tampered &&
	test_grep "refusing .*$file.: its SHA-256 is not the $(cut -d" " -f1 "$act/SHA256SUMS") this action pins" err &&
	test ! -e tampered/glow-$version &&
	test ! -e tampered/$file &&
	test ! -s path &&
	cp good.tar.gz "$rel/$file"
'

test_expect_success 'a release that is not published: a message naming it' '
	test_expect_code 2 install none GLOW_INSTALL_REPOSITORY=octo/unreleased &&
	test_grep "is release v$version published in octo/unreleased" err
'

test_expect_success 'no archive pinned for this machine, or a plain-http server: refused' '
	cp "$act/SHA256SUMS" sums.save &&
	sed "s/x86_64/riscv64/" sums.save >"$act/SHA256SUMS" &&
	test_expect_code 2 install nopin &&
	test_grep "no release archive for linux-x86_64 is pinned in SHA256SUMS: use from: source" err &&
	cp sums.save "$act/SHA256SUMS" &&
	test_expect_code 2 install plain GITHUB_SERVER_URL=http://example.com &&
	test_grep "bad server URL .http://example.com.: want https://" err
'

test_expect_success 'from source: make builds every program, glow-cohort too' '
	: >path && : >out.env &&
	GLOW_INSTALL_FROM=source GLOW_INSTALL_DIR=$TRASH/src GITHUB_PATH=$TRASH/path GITHUB_OUTPUT=$TRASH/out.env \
		sh "$GLOW_SRC/.github/actions/install-glow/install.sh" >/dev/null 2>err &&
	for p in glow-jwt glow-token glow-api glow-roster glow-progress glow-provision glow-webhook glow-cohort; do
		test -x src/bin/$p || { echo "no $p"; exit 1; }
	done &&
	src/bin/glow-api -V &&
	test_grep "^bin=$TRASH/src/bin$" out.env &&
	test_grep "^version=$version$" out.env
'

test_done
