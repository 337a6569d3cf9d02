# SPDX-License-Identifier: ISC
# glow: a plain Makefile.  Programs are derived from bin/*.c and unit tests
# from t/unit/*.c, so adding either edits nothing here.  B is the build
# directory: the sanitizer and static builds are the same rules with another
# B, CC and flags.

VERSION   = 0.2.0
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
B        ?= build

CC       ?= cc
CFLAGS   ?= -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
# override: flags given on the command line (make static passes its include
# directory this way) come first, and glow's own are still added.
override CPPFLAGS += -Ilib -D_DEFAULT_SOURCE -D_GNU_SOURCE -DGLOW_VERSION='"$(VERSION)"' \
            -DJSMN_STATIC -DJSMN_STRICT -DJSMN_PARENT_LINKS
LDLIBS   ?= -lcurl -lbearssl
# A program's own libraries beside those: glow-webhook is also a FastCGI
# responder (libfcgi) with a thread per connection it serves.
glow-webhook_LIBS = -lfcgi -lpthread

PROGS    = $(patsubst bin/%.c,$(B)/bin/%,$(wildcard bin/glow-*.c))
SCRIPTS  = $(filter-out %.c,$(wildcard bin/glow-*))
LIBOBJ   = $(patsubst lib/%.c,$(B)/lib/%.o,$(wildcard lib/*/*.c))
LIBHDR   = $(wildcard lib/*/*.h)
UNITS    = $(patsubst t/unit/%.c,$(B)/t/%.t,$(wildcard t/unit/*.c))
MANS     = $(wildcard man/*.[1-8])

all: $(PROGS) $(B)/bin/.scripts

# The Makefile too: VERSION is compiled in (lib/core/diag.c, lib/github/github.c).
$(B)/lib/%.o: lib/%.c $(LIBHDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libglow.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

$(B)/bin/%: bin/%.c $(B)/libglow.a $(LIBHDR) Makefile
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libglow.a $($(*F)_LIBS) $(LDLIBS)

# Shell programs are copied beside the compiled ones so tests find one bin.
$(B)/bin/.scripts: $(SCRIPTS)
	@mkdir -p $(@D)
	for s in $(SCRIPTS); do cp $$s $(B)/bin/ && chmod 755 $(B)/bin/$${s#bin/}; done
	@touch $@

$(B)/t/%.t: t/unit/%.c t/tap.h $(B)/libglow.a $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -It $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libglow.a $(LDLIBS)

# The suite: shell tests in t/, C unit tests built into $(B)/t.  GLOW_BIN
# tells the tests which build to exercise.  make check first makes sure
# every package a test needs is there (mk/deps.sh installs it as root, or
# prints the command), so no test is skipped for a missing package; the
# static build is part of it (t/1900, t/1910, the install action's test).
check:
	@sh mk/deps.sh check
	@$(MAKE) --no-print-directory test
test: all static $(UNITS)
	GLOW_BIN=$(CURDIR)/$(B)/bin GLOW_BUILD=$(CURDIR)/$(B) \
	    prove -j2 -e '' $(PROVEFLAGS) $(UNITS) t/[0-9]*.t

# The README's first command: glow against the bundled GitHub simulator.
demo:
	@sh mk/deps.sh demo
	@$(MAKE) --no-print-directory all
	GLOW_BIN=$(CURDIR)/$(B)/bin sh examples/demo.sh

# The release: build/dist/glow-VERSION-linux-ARCH.tar.gz of the static
# programs and build/dist/SHA256SUMS, the same bytes from the same tree
# (mk/dist.sh).  pin-release writes the sums into the install action, so
# that the commit tagged vVERSION names its own archive; dist-verify (the
# release workflow) refuses an archive that is not the one pinned.
DIST = build/dist
dist: static
	sh mk/dist.sh $(VERSION) build/static/bin $(DIST)
pin-release: dist
	cp $(DIST)/SHA256SUMS .github/actions/install-glow/SHA256SUMS
dist-verify: dist
	cd $(DIST) && sha256sum -c $(CURDIR)/.github/actions/install-glow/SHA256SUMS

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
check-asan:
	$(MAKE) B=build/asan CC=clang CFLAGS="$(SANFLAGS) -Wall -Wextra" LDFLAGS="$(SANFLAGS)" test

# glow-webhook, the one program with threads (its FastCGI responder), under
# ThreadSanitizer, driven by the tests of its threads.  A race stops it.
TSANFLAGS = -O1 -g -fsanitize=thread
check-tsan:
	$(MAKE) B=build/tsan CC=clang CFLAGS="$(TSANFLAGS)" LDFLAGS="$(TSANFLAGS)" build/tsan/bin/glow-webhook
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" GLOW_BIN=$(CURDIR)/build/tsan/bin \
	    GLOW_BUILD=$(CURDIR)/build/tsan prove -e '' $(PROVEFLAGS) t/6004-webhook-fastcgi.t

# The whole suite with every glow program run under valgrind (see t/lib.sh).
check-valgrind: all $(UNITS)
	GLOW_VALGRIND=1 $(MAKE) test

include mk/static.mk
include mk/serve.mk

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for p in $(PROGS) $(SCRIPTS); do install -m 755 $$p $(DESTDIR)$(BINDIR)/; done
	for m in $(MANS); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done

lint-man:
	mandoc -Tlint -W warning $(MANS)

deps:
	@sh mk/deps.sh

# libFuzzer targets: t/fuzz/NAME.c becomes build/fuzz/NAME, with ASan and
# UBSan.  Run one for two minutes, keeping its corpus and crashes in build:
#   mkdir -p build/fuzz/corpus && build/fuzz/json -max_total_time=120 \
#     -dict=t/fuzz/json.dict -artifact_prefix=build/fuzz/ build/fuzz/corpus
FUZZFLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
fuzz:
	$(MAKE) B=build/fuzz CC=clang CFLAGS="$(FUZZFLAGS) -fsanitize=fuzzer-no-link" LDFLAGS= build/fuzz/libglow.a
	for f in t/fuzz/*.c; do n=$${f##*/}; \
	    clang $(CPPFLAGS) $(FUZZFLAGS) -fsanitize=fuzzer -o build/fuzz/$${n%.c} $$f build/fuzz/libglow.a $(LDLIBS) || exit 1; \
	done

# Every fuzz target for FUZZ_SECONDS each (CI's regression guard; the long
# runs are done by hand, as above).  A crash fails the target.
FUZZ_SECONDS ?= 15
fuzz-smoke: fuzz
	for f in t/fuzz/*.c; do n=$${f##*/}; n=$${n%.c}; \
	    mkdir -p build/fuzz/corpus-$$n; \
	    d=; [ -f t/fuzz/$$n.dict ] && d=-dict=t/fuzz/$$n.dict; \
	    build/fuzz/$$n -max_total_time=$(FUZZ_SECONDS) $$d -print_final_stats=1 \
	        -artifact_prefix=build/fuzz/$$n- build/fuzz/corpus-$$n 2>build/fuzz/$$n.log || \
	        { tail -n 40 build/fuzz/$$n.log; exit 1; }; \
	    echo "$$n: $$(sed -n "s/^stat::number_of_executed_units: *//p" build/fuzz/$$n.log) executions, no crash"; \
	done

clean:
	rm -rf $(B)/bin $(B)/lib $(B)/t $(B)/libglow.a build/asan build/tsan build/fuzz build/trash $(DIST)

.PHONY: fuzz-smoke all demo check test dist pin-release dist-verify check-asan check-tsan check-valgrind install lint-man deps clean fuzz
