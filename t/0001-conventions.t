#!/bin/sh
# SPDX-License-Identifier: ISC
# Conventions every program follows (glow(7)): -V; -h and --help print the
# same usage on standard output, exit 0, with a line for every option the
# synopsis names; a bad option exits 2 with the usage on standard error; a
# man page that lints; the one exit-status table.
. "${0%/*}/lib.sh"

progs=
for p in "$GLOW_SRC"/bin/glow-*; do
	n=${p##*/}
	n=${n%.c}
	case " $progs " in *" $n "*) ;; *) progs="$progs $n" ;; esac
done

for n in $progs; do
	test_expect_success "$n -V prints its name and version" "
		$n -V >out &&
		grep -q '^$n [0-9][0-9.]*\$' out
	"
	test_expect_success "$n -h prints the usage and exits 0" "
		$n -h >out 2>err &&
		grep -q 'usage: $n' out &&
		test ! -s err
	"
	test_expect_success "$n --help prints the same, exit 0" "
		$n --help >help 2>err &&
		test_cmp out help &&
		test ! -s err
	"
	test_expect_success "$n: a line for every option of its synopsis" "
		sed -n '/^\$/q; p' out | grep -o '\[-[A-Za-z]*\]\|\[-[A-Za-z] \|-[A-Za-z] |' |
			tr -d '[]| ' | sed 's/^-//' | fold -w1 | sort -u >letters &&
		test -s letters &&
		while read -r l; do
			grep -q \"^  -\$l[ ,]\" out || { echo \"no line for -\$l\"; exit 1; }
		done <letters
	"
	test_expect_success "$n rejects an unknown option with status 2" "
		test_expect_code 2 $n -Z >out 2>err &&
		grep -q 'usage: $n' err &&
		test ! -s out
	"
	test_expect_success "$n has a man page" "
		test -f '$GLOW_SRC/man/$n.1'
	"
done

if command -v mandoc >/dev/null 2>&1; then
	test_expect_success 'every man page is lint-clean' '
		mandoc -Tlint -W warning "$GLOW_SRC"/man/*.[1-8] >lint 2>&1;
		test ! -s lint || { cat lint; false; }
	'
else
	test_skip 'every man page is lint-clean' 'mandoc not installed'
fi

test_expect_success 'glow(7) has the exit-status table 0, 1, 2' '
	sed -n "/^\.Sh EXIT STATUS/,/^\.Sh/p" "$GLOW_SRC/man/glow.7" >table &&
	grep -q "^\.It 0" table &&
	grep -q "^\.It 1" table &&
	grep -q "^\.It 2" table
'

test_expect_success 'GLOW_NOW means the same everywhere: a malformed one is refused, exit 2' '
	printf "{\"version\":1,\"cohorts\":[],\"learners\":[]}\n" >r.json &&
	for c in "glow-roster stats r.json" "glow-dashboard render -f r.json" \
	    "glow-provision -n -o o -T o/t -f r.json" "glow-progress apply -n -f r.json /dev/null" \
	    "glow-companion"; do
		GLOW_NOW=2026-02-30T10:00:00Z test_expect_code 2 $c >out 2>err || exit 1
		test_grep "bad GLOW_NOW .2026-02-30T10:00:00Z.: not an ISO-8601 UTC time" err || exit 1
	done &&
	GLOW_NOW=2026-03-01T10:00:00.000Z glow-roster add -f r.json /dev/stdin <<-\EOF &&
	[{"github_handle":"ada","cohort_id":"c"}]
	EOF
	test "$(json_get r.json ".learners[0].registered_at")" = 2026-03-01T10:00:00.000Z
'

test_done
