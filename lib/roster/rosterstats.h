/* SPDX-License-Identifier: ISC */
/*
 * rosterstats.h: counting a roster's learners, as glow-roster stats
 * prints them.
 *
 * Learners are counted by provision state and by status, in all and per
 * cohort.  The cohorts are every cohort ID that a learner names or the
 * cohorts list holds (trimmed), once each, in byte order; a listed cohort
 * without learners has zero counts.  The roster should be valid (see
 * glow_roster_validate()): a state or status that is not one of the
 * documented values counts the learner but no column.
 *
 *     struct glow_roster_stats st;
 *
 *     if (glow_roster_stats(&r, &st) < 0)
 *         ...;                        // out of memory
 *     glow_roster_stats_json(&st, &out);      // or _table
 *     glow_roster_stats_free(&st);
 */
#ifndef GLOW_ROSTERSTATS_H
#define GLOW_ROSTERSTATS_H

#include <stddef.h>

#include "core/buf.h"
#include "roster/roster.h"

/* The lengths of glow_roster_states[] and glow_roster_statuses[]. */
#define GLOW_ROSTER_NSTATE 4
#define GLOW_ROSTER_NSTATUS 5

struct glow_roster_counts {
	const char *id;         /* the cohort ID (not NUL-terminated) */
	size_t idlen;
	long learners;
	long state[GLOW_ROSTER_NSTATE];         /* by glow_roster_states[] */
	long status[GLOW_ROSTER_NSTATUS];       /* by glow_roster_statuses[] */
};

struct glow_roster_stats {
	struct glow_roster_counts all;          /* id "" */
	struct glow_roster_counts *cohort;      /* per cohort, by ID */
	size_t ncohort;
	struct glow_buf names;                  /* holds the IDs */
};

/* Count r's learners into st; 0, or -1 (ENOMEM) with st needing no free. */
int glow_roster_stats(const struct glow_roster *r, struct glow_roster_stats *st);
void glow_roster_stats_free(struct glow_roster_stats *st);

/*
 * Append the counts to out, ended by a newline.  JSON (indented by 2):
 *   {"learners": N, "provision_state": {...}, "status": {...},
 *    "cohorts": [{"cohort_id": ID, "learners": N, ...}, ...]}
 * Table: a header line, one line per cohort and an "(all)" line; columns
 * two spaces apart, the cohort left-aligned, counts right-aligned in
 * columns at least 7 wide (the cohort column at least 6).
 */
void glow_roster_stats_json(const struct glow_roster_stats *st,
    struct glow_buf *out);
void glow_roster_stats_table(const struct glow_roster_stats *st,
    struct glow_buf *out);

#endif
