/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "roster/rosterselect.h"

int
glow_roster_enum_mask(unsigned *mask, const char *const *list, const char *s,
    size_t *badoff, size_t *badlen)
{
	const char *p = s, *c;
	size_t n;
	int i;

	for (;;) {
		c = strchr(p, ',');
		n = c ? (size_t)(c - p) : strlen(p);
		if ((i = glow_roster_enum(list, p, n)) < 0) {
			*badoff = (size_t)(p - s);
			*badlen = n;
			return -1;
		}
		*mask |= 1u << i;
		if (!c)
			return 0;
		p = c + 1;
	}
}

int
glow_roster_filter_cohort(struct glow_roster_filter *f, const char *id)
{
	const char **c = realloc(f->cohorts, (f->ncohorts + 1) * sizeof *c);

	if (!c) {
		errno = ENOMEM;
		return -1;
	}
	f->cohorts = c;
	f->cohorts[f->ncohorts++] = id;
	return 0;
}

int
glow_roster_filter_key(struct glow_roster_filter *f, const char *key)
{
	if (glow_roster_key_parse(&f->keys, key) < 0) {
		errno = EINVAL;
		return -1;
	}
	glow_buf_addc(&f->keys, '\0');
	if (f->keys.failed) {
		errno = ENOMEM;
		return -1;
	}
	f->nkeys++;
	return 0;
}

/* Is the learner's value of field one of mask's bits of list? */
static int
in_mask(const struct glow_roster *r, size_t i, enum glow_roster_field field,
    unsigned mask, const char *const *list, struct glow_buf *scratch)
{
	size_t n;
	const char *s = glow_roster_get(r, i, field, scratch, &n);
	int k;

	return s && (k = glow_roster_enum(list, s, n)) >= 0 && (mask & 1u << k);
}

static int
in_cohorts(const struct glow_roster *r, size_t i,
    const struct glow_roster_filter *f, struct glow_buf *scratch)
{
	size_t j, n, cn;
	const char *s = glow_roster_get(r, i, GLOW_RF_COHORT, scratch, &n), *c;

	for (j = 0; s && j < f->ncohorts; j++) {
		c = glow_roster_trim(f->cohorts[j], strlen(f->cohorts[j]), &cn);
		if (cn == n && memcmp(c, s, n) == 0)
			return 1;
	}
	return 0;
}

static int
in_keys(const struct glow_roster *r, size_t i, const struct glow_roster_filter *f)
{
	const char *k = f->keys.p;
	size_t j, n;

	for (j = 0; j < f->nkeys; j++, k += n + 1)
		if ((n = strlen(k)) == r->learner[i].keylen &&
		    memcmp(k, r->learner[i].key, n) == 0)
			return 1;
	return 0;
}

int
glow_roster_filter_match(const struct glow_roster *r, size_t i,
    const struct glow_roster_filter *f, struct glow_buf *scratch)
{
	if (f->states && !in_mask(r, i, GLOW_RF_STATE, f->states,
	    glow_roster_states, scratch))
		return 0;
	if (f->statuses && !in_mask(r, i, GLOW_RF_STATUS, f->statuses,
	    glow_roster_statuses, scratch))
		return 0;
	if (f->ncohorts && !in_cohorts(r, i, f, scratch))
		return 0;
	if (f->nkeys && !in_keys(r, i, f))
		return 0;
	return 1;
}

void
glow_roster_filter_free(struct glow_roster_filter *f)
{
	free(f->cohorts);
	f->cohorts = NULL;
	f->ncohorts = 0;
	glow_buf_free(&f->keys);
	f->nkeys = 0;
}
