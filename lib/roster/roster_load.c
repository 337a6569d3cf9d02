/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "core/diag.h"
#include "core/fsio.h"
#include "roster/roster_load.h"

void
glow_roster_warn_problems(const struct glow_roster *r, const char *what,
    const char *name)
{
	glow_warn_lines(what, name, r->problems.p, r->problems.len);
	if (r->problems.failed || (!r->problems.len && r->nproblems))
		glow_warn("%s '%s': out of memory", what, name);
}

void
glow_roster_open(const char *path, struct glow_buf *text, struct glow_roster *r)
{
	struct glow_json_error e;
	size_t line, col;

	if (glow_read_file(path, text, GLOW_ROSTER_MAX_TEXT) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", path);
	if (!text->p)
		glow_buf_adds(text, "");
	if (text->failed)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s': out of memory", path);
	if (glow_roster_load(r, text->p, text->len, &e) < 0) {
		if (e.offset == 0 && strcmp(e.reason, "out of memory") == 0)
			glow_die(GLOW_EXIT_ERR, "cannot load '%s': out of memory",
			    path);
		glow_roster_linecol(text->p, text->len, e.offset, &line, &col);
		glow_die(GLOW_EXIT_NO, "invalid roster '%s': line %zu, column %zu: "
		    "%s", path, line, col, e.reason);
	}
	if (r->nproblems) {
		glow_roster_warn_problems(r, "invalid roster", path);
		exit(GLOW_EXIT_NO);
	}
}
