# SPDX-License-Identifier: ISC
# t/lib.sh: the shell test harness, in the manner of git's t/test-lib.sh.
#
#   . "${0%/*}/lib.sh"
#   test_expect_success 'title' '
#       command &&
#       test_cmp expect actual
#   '
#   test_done
#
# Each script runs in a fresh scratch directory under $GLOW_BUILD/trash (never
# in t/), with the build under test first on PATH.  Output is TAP.  A body is
# one &&-chained shell command list evaluated in a subshell; its status
# decides the result.  Set GLOW_TEST_VERBOSE=1 to see each body's output.

set -u

T_DIR=$(cd "${0%/*}" && pwd)
GLOW_SRC=$(cd "$T_DIR/.." && pwd)
: "${GLOW_BUILD:=$GLOW_SRC/build}"
: "${GLOW_BIN:=$GLOW_BUILD/bin}"
export GLOW_SRC GLOW_BUILD GLOW_BIN T_DIR
PATH="$GLOW_BIN:$PATH"
export PATH
# A clean environment: nothing from the caller's GitHub setup leaks in.
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT GITHUB_TOKEN GH_TOKEN \
      GLOW_TOKEN PROVISIONING_APP_ID PROVISIONING_APP_PRIVATE_KEY \
      PROVISIONING_APP_INSTALLATION_ID PROVISIONING_TOKEN GITHUB_API_URL \
      PROVISIONING_MODE 2>/dev/null
LC_ALL=C
export LC_ALL

test_name=${0##*/}
test_name=${test_name%.t}
TRASH="$GLOW_BUILD/trash/$test_name"
rm -rf "$TRASH"
mkdir -p "$TRASH" || exit 1
cd "$TRASH" || exit 1
HOME=$TRASH
export HOME

test_count=0
test_failed=0
test_cleanup_cmds=

# Under `make check-valgrind` every compiled glow program runs inside
# valgrind; an error exits 99, which no test expects.
if [ "${GLOW_VALGRIND:-}" = 1 ]; then
	mkdir -p "$TRASH/.vgbin"
	for p in "$GLOW_BIN"/glow-*; do
		[ -f "$p" ] || continue
		n=${p##*/}
		if head -c 4 "$p" | grep -q ELF; then
			printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "%s" "$@"\n' "$p" >"$TRASH/.vgbin/$n"
			chmod +x "$TRASH/.vgbin/$n"
		fi
	done
	PATH="$TRASH/.vgbin:$PATH"
fi

say() { printf '%s\n' "$*"; }

# Run cleanup commands (servers started by the script) at exit, whatever
# the reason.
test_at_exit() { test_cleanup_cmds="$1
$test_cleanup_cmds"; }
test_run_cleanup() { eval "$test_cleanup_cmds"; test_cleanup_cmds=; }
trap 'test_run_cleanup' EXIT
trap 'exit 130' INT TERM

test_run_() {
	if [ "${GLOW_TEST_VERBOSE:-}" = 1 ]; then
		(eval "$1")
	else
		(eval "$1") >"$TRASH/.out" 2>&1
	fi
}

test_expect_success() {
	test_count=$((test_count + 1))
	if test_run_ "$2"; then
		say "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		say "not ok $test_count - $1"
		# awk ends every line, so the next TAP line starts on its own.
		[ -f "$TRASH/.out" ] && awk '{ print "# " $0 }' "$TRASH/.out" | tail -n 40
	fi
}

test_skip() {
	test_count=$((test_count + 1))
	say "ok $test_count - $1 # skip $2"
}

test_done() {
	say "1..$test_count"
	test_run_cleanup
	[ "$test_failed" -eq 0 ]
	exit
}

# The whole script is skipped (for instance a tool is not installed).
skip_all() {
	say "1..0 # SKIP $*"
	exit 0
}

# test_must_fail CMD...: CMD fails in an orderly way (exit 1 or 2), not by a
# signal or a sanitizer (which exit with other codes).
test_must_fail() {
	"$@"
	s=$?
	case $s in
	1|2) return 0 ;;
	0) echo "test_must_fail: '$*' succeeded" >&2 ;;
	*) echo "test_must_fail: '$*' died with status $s" >&2 ;;
	esac
	return 1
}

# test_expect_code N CMD...: CMD exits with status N.
test_expect_code() {
	want=$1
	shift
	"$@"
	s=$?
	[ "$s" -eq "$want" ] && return 0
	echo "test_expect_code: '$*' exited $s, wanted $want" >&2
	return 1
}

# test_cmp EXPECTED ACTUAL: the files are the same; shows the diff if not.
test_cmp() { diff -u "$1" "$2"; }

# test_grep [-v] PATTERN FILE: like grep -q, and shows the file on failure.
test_grep() {
	if [ "$1" = -v ]; then
		shift
		grep -q -e "$1" "$2" || return 0
		echo "test_grep: '$1' found in $2:" >&2
	else
		grep -q -e "$1" "$2" && return 0
		echo "test_grep: '$1' not found in $2:" >&2
	fi
	sed 's/^/| /' "$2" >&2
	return 1
}

# test_npm PKG...: the npm packages a test needs, from t/package.json
# (pinned).  The first caller installs them all into $GLOW_BUILD/npm, under
# a lock so that parallel scripts neither race nor install twice; fails when
# npm cannot get them (the caller skips).  Puppeteer (mermaid-cli's) uses
# Debian's Chromium, so its own browser download is skipped.
test_npm() {
	command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 || return 1
	mkdir -p "$GLOW_BUILD/npm" || return 1
	(
		flock 9 || exit 1
		missing=
		for p; do
			test -f "$GLOW_BUILD/npm/node_modules/$p/package.json" || missing=1
		done
		if [ -n "$missing" ]; then
			cp "$T_DIR/package.json" "$GLOW_BUILD/npm/package.json" &&
			PUPPETEER_SKIP_DOWNLOAD=1 timeout 600 npm install \
				--prefix "$GLOW_BUILD/npm" --no-audit --no-fund --silent \
				>"$GLOW_BUILD/npm/install.log" 2>&1
		fi
		for p; do
			test -f "$GLOW_BUILD/npm/node_modules/$p/package.json" || exit 1
		done
	) 9>"$GLOW_BUILD/npm.lock"
}

# json_get FILE FILTER: a value read by jq, an independent JSON reader.
json_get() { jq -r "$2" "$1"; }

# fcgi_spawn SOCKET COMMAND...: COMMAND in the background with a new
# listening Unix socket SOCKET on its stdin, as a web server starts a
# FastCGI application; its pid in $TRASH/pid, its stderr in
# $TRASH/fcgi.err.
fcgi_spawn() {
	fs_sock=$1
	shift
	rm -f "$fs_sock"
	python3 -c 'import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
os.dup2(s.fileno(), 0)
os.execvp(sys.argv[2], sys.argv[2:])' "$fs_sock" "$@" \
	    </dev/null >/dev/null 2>>"$TRASH/fcgi.err" &
	echo $! >"$TRASH/pid"
}

# hmac_sign FILE: the hex HMAC-SHA256 of FILE under the secret $K, as
# GitHub signs a webhook delivery; computed by Python, not by glow.
hmac_sign() {
	python3 -c 'import hmac, hashlib, os, sys
print(hmac.new(os.environb[b"K"], open(sys.argv[1], "rb").read(), hashlib.sha256).hexdigest())' "$1"
}
