# SPDX-License-Identifier: ISC
# make static: filled in by the static-build work (see mk/static.sh).
static:
	@echo "make static: not yet" >&2; exit 2
.PHONY: static
