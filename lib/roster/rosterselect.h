/* SPDX-License-Identifier: ISC */
/*
 * rosterselect.h: choosing learners of a roster, as glow-roster select
 * does: by provision state, status, cohort and key.
 *
 * A filter is a conjunction of lists; each list that is not empty must
 * hold the learner's value (one of the states, one of the statuses, ...).
 * An empty filter matches every learner.
 *
 *     struct glow_roster_filter f = GLOW_ROSTER_FILTER_INIT;
 *
 *     glow_roster_enum_mask(&f.states, glow_roster_states, "pending,failed",
 *         &bad, &badn);
 *     glow_roster_filter_cohort(&f, "spring");
 *     for (i = 0; i < r.nlearner; i++)
 *         keep[i] = glow_roster_filter_match(&r, i, &f, &scratch);
 *     glow_roster_filter_free(&f);
 */
#ifndef GLOW_ROSTERSELECT_H
#define GLOW_ROSTERSELECT_H

#include <stddef.h>

#include "core/buf.h"
#include "roster/roster.h"

struct glow_roster_filter {
	unsigned states;        /* bit k: glow_roster_states[k]; 0: any */
	unsigned statuses;      /* bit k: glow_roster_statuses[k]; 0: any */
	const char **cohorts;   /* as given (not copied), compared trimmed */
	size_t ncohorts;
	struct glow_buf keys;   /* normalised keys, each NUL-ended */
	size_t nkeys;
};
#define GLOW_ROSTER_FILTER_INIT { 0, 0, NULL, 0, GLOW_BUF_INIT, 0 }

/*
 * Add the comma-separated values of s, each one of the NULL-terminated
 * list, to *mask (bit k for list[k]).  Returns 0, or -1 at the first value
 * that is not in the list: s[*badoff .. *badoff + *badlen).
 */
int glow_roster_enum_mask(unsigned *mask, const char *const *list,
    const char *s, size_t *badoff, size_t *badlen);

/* Add a cohort ID (kept as a pointer: it must outlive f); 0, or -1 (ENOMEM). */
int glow_roster_filter_cohort(struct glow_roster_filter *f, const char *id);
/* Add a key as a person writes it (see glow_roster_key_parse()); 0, or -1
 * (EINVAL: not handle@@cohort; ENOMEM). */
int glow_roster_filter_key(struct glow_roster_filter *f, const char *key);

/* Does learner i match?  1 or 0; scratch as for glow_roster_get(). */
int glow_roster_filter_match(const struct glow_roster *r, size_t i,
    const struct glow_roster_filter *f, struct glow_buf *scratch);

void glow_roster_filter_free(struct glow_roster_filter *f);

#endif
