/* SPDX-License-Identifier: ISC */
/*
 * rostercache.h: the roster as glow-companion(1) reads it, and what it
 * keeps of it while the roster file is unchanged.
 *
 * Every request of a CGI program would otherwise parse the roster again.
 * What is derived from it (the cohorts the registration form offers, the
 * dashboard's pages) is kept in the state directory (session.h) behind
 * the roster file's identity: device, inode, size and modification time,
 * one line.  A kept file whose first line is not the current identity is
 * stale and made again.  Two processes may write the same file at once:
 * both write the same bytes, atomically, so that is harmless.
 *
 * Nothing here prints.  A failure leaves its reason in the struct for the
 * program to report; a kept file that could not be written is not a
 * failure (the answer is still right) but is told the same way.
 */
#ifndef GLOW_ROSTERCACHE_H
#define GLOW_ROSTERCACHE_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "roster/roster.h"
#include "web/companion.h"

#define GLOW_ROSTERCACHE_MAX (256u << 20)       /* the largest roster read */

enum glow_rostercache_err {
	GLOW_ROSTERCACHE_OK = 0,
	GLOW_ROSTERCACHE_EREAD,         /* the file cannot be read (errnum) */
	GLOW_ROSTERCACHE_EPARSE,        /* not a roster (jerr) */
	GLOW_ROSTERCACHE_EINVALID,      /* it does not validate (nproblems) */
	GLOW_ROSTERCACHE_ENOMEM         /* out of memory making a kept file */
};

struct glow_rostercache {
	const char *roster;             /* the roster file */
	const char *state;              /* the state directory */
	/* after a call: */
	enum glow_rostercache_err err;
	int errnum;
	struct glow_json_error jerr;
	size_t nproblems;
	struct glow_buf unwritten;      /* a kept file not written, or empty */
	int unwritten_errnum;
};

/* Set c up for roster and state (both must outlive c). */
void glow_rostercache_init(struct glow_rostercache *c, const char *roster,
    const char *state);
void glow_rostercache_free(struct glow_rostercache *c);

/*
 * Read and validate the roster into r, its text into text (which r points
 * into: free both).  0, or -1 with c->err (r then needs no freeing).
 */
int glow_rostercache_load(struct glow_rostercache *c, struct glow_buf *text,
    struct glow_roster *r);

/*
 * The cohorts that have an ID, in roster order, with their labels: kept in
 * DIR/cohorts.  0, or -1 with c->err.  Free with glow_cohorts_free().
 */
struct glow_cohorts {
	struct glow_cohort_choice *c;   /* id and label owned */
	size_t n;
};
int glow_rostercache_cohorts(struct glow_rostercache *c,
    struct glow_cohorts *cs);
void glow_cohorts_free(struct glow_cohorts *cs);

/*
 * Append glow_companion_roster_page(base, filter, page) to body: kept in
 * DIR/cache/dashboard-HASH (a hash of base, filter and page) when the view
 * is one worth keeping.  0, or -1 with c->err.
 */
int glow_rostercache_dashboard(struct glow_rostercache *c, const char *base,
    const char *filter, long page, struct glow_buf *body);

#endif
