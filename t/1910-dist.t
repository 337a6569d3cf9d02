#!/bin/sh
# SPDX-License-Identifier: ISC
# make dist (mk/dist.sh): the release archive holds every program (static)
# and shell program, the man pages, LICENSE and README under glow-VERSION/;
# entries sorted, owner 0, one fixed mtime, modes 755/644; the same tree
# gives the same bytes however its files' times and this umask differ; the
# sums file checks it.
. "${0%/*}/lib.sh"

SB=${GLOW_STATIC_BIN:-$GLOW_SRC/build/static/bin}
[ -x "$SB/glow-api" ] || skip_all "no static build in $SB (make static)"
version=$(sed -n 's/^VERSION *= *//p' "$GLOW_SRC/Makefile")
file=glow-$version-linux-x86_64.tar.gz

test_expect_success 'make dist writes the archive and its SHA256SUMS' '
	sh "$GLOW_SRC/mk/dist.sh" "$version" "$SB" "$TRASH/a" >sums 2>err &&
	test -f "a/$file" &&
	(cd a && sha256sum -c SHA256SUMS) &&
	test_cmp sums a/SHA256SUMS &&
	test_grep "dist: .*$file [0-9]* bytes" err &&
	sed -n "s/.* \([0-9]*\) bytes/# archive: \1 bytes/p" err
'

test_expect_success 'it holds every program, the man pages, LICENSE and README' '
	tar -tzf "a/$file" >list &&
	for p in "$GLOW_SRC"/bin/glow-*; do
		n=${p##*/}; grep -qx "glow-$version/bin/${n%.c}" list || { echo "no ${n%.c}"; exit 1; }
	done &&
	for m in "$GLOW_SRC"/man/*.[1-8]; do
		n=${m##*/}; grep -qx "glow-$version/man/man${n##*.}/$n" list || { echo "no $n"; exit 1; }
	done &&
	grep -qx "glow-$version/LICENSE" list &&
	grep -qx "glow-$version/README.md" list &&
	! grep -v "^glow-$version/" list
'

test_expect_success 'sorted entries, owner 0, one mtime, modes 755 and 644' '
	LC_ALL=C sort list >sorted && test_cmp sorted list &&
	tar -tvzf "a/$file" >long &&
	! grep -v " 0/0 " long &&
	test "$(awk "{print \$4, \$5}" long | sort -u)" = "2026-08-28 00:00" &&
	! grep -v -E "^(drwxr-xr-x|-rwxr-xr-x|-rw-r--r--) " long &&
	grep "glow-$version/bin/glow-cohort$" long | grep -q "^-rwxr-xr-x" &&
	grep "glow-$version/README.md$" long | grep -q "^-rw-r--r--"
'

test_expect_success 'the programs in it are the static ones' '
	mkdir x && tar -xzf "a/$file" -C x &&
	cmp "x/glow-$version/bin/glow-api" "$SB/glow-api" &&
	readelf -lW "x/glow-$version/bin/glow-api" >phdr && test_grep -v INTERP phdr
'

test_expect_success 'the same tree gives the same bytes (other times, another umask)' '
	mkdir -p tree && cp -R "$GLOW_SRC/bin" "$GLOW_SRC/man" "$GLOW_SRC/mk" "$GLOW_SRC/LICENSE" "$GLOW_SRC/README.md" tree/ &&
	cp -R "$SB" tree/sbin &&
	find tree -exec touch -d "2031-01-02 03:04:05" {} + &&
	(umask 002 && sh tree/mk/dist.sh "$version" "$TRASH/tree/sbin" "$TRASH/b" >/dev/null 2>&1) &&
	cmp "a/$file" "b/$file" &&
	test_cmp a/SHA256SUMS b/SHA256SUMS
'

test_expect_success 'and a change to the tree changes them' '
	echo "# changed" >>tree/README.md &&
	sh tree/mk/dist.sh "$version" "$TRASH/tree/sbin" "$TRASH/c" >/dev/null 2>&1 &&
	! cmp -s "a/$file" "c/$file"
'

test_done
