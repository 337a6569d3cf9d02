# SPDX-License-Identifier: ISC
# make static: fully static programs in build/static/bin, linked with musl
# against BearSSL and a minimal libcurl built from Debian's source packages
# (see mk/static.sh; everything is cached under build/static).
static:
	MAKE='$(MAKE)' sh mk/static.sh all

# Start the static build from nothing: drops the cached sources too, so the
# next make static fetches the distribution's current curl and BearSSL.
clean-static:
	rm -rf build/static

.PHONY: static clean-static
