/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "roster/rosterstats.h"

/* One learner, or one listed cohort (learner 0), by cohort ID. */
struct entry {
	const char *id;
	size_t off, n;          /* the ID in the names buffer */
	int learner, state, status;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t m = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->id, y->id, m);

	if (c)
		return c;
	return (x->n > y->n) - (x->n < y->n);
}

static void
add_entry(struct entry *e, struct glow_buf *names, const char *id, size_t n)
{
	e->off = names->len;
	e->n = n;
	glow_buf_add(names, id ? id : "", n);
}

static void
count(struct glow_roster_counts *c, const struct entry *e)
{
	c->learners++;
	if (e->state >= 0)
		c->state[e->state]++;
	if (e->status >= 0)
		c->status[e->status]++;
}

int
glow_roster_stats(const struct glow_roster *r, struct glow_roster_stats *st)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	struct entry *e;
	const char *s;
	size_t i, j, n = 0, sn;

	memset(st, 0, sizeof *st);
	st->all.id = "";
	if (!(e = malloc((r->nlearner + r->ncohort + 1) * sizeof *e)) ||
	    !(st->cohort = calloc(r->nlearner + r->ncohort + 1, sizeof *st->cohort))) {
		free(e);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < r->nlearner; i++, n++) {
		s = glow_roster_get(r, i, GLOW_RF_COHORT, &scratch, &sn);
		add_entry(&e[n], &st->names, s, s ? sn : 0);
		e[n].learner = 1;
		s = glow_roster_get(r, i, GLOW_RF_STATE, &scratch, &sn);
		e[n].state = s ? glow_roster_enum(glow_roster_states, s, sn) : -1;
		s = glow_roster_get(r, i, GLOW_RF_STATUS, &scratch, &sn);
		e[n].status = s ? glow_roster_enum(glow_roster_statuses, s, sn) : -1;
	}
	for (i = 0; i < r->ncohort; i++, n++) {
		int t = glow_json_get(r->cohort[i].doc, r->cohort[i].tok, "cohort_id");

		glow_buf_reset(&scratch);
		glow_json_string(r->cohort[i].doc, t, &scratch);
		s = glow_roster_trim(glow_buf_str(&scratch), scratch.len, &sn);
		add_entry(&e[n], &st->names, s, sn);
		e[n].learner = 0;
	}
	glow_buf_free(&scratch);
	if (st->names.failed) {
		free(e);
		glow_roster_stats_free(st);
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < n; i++)
		e[i].id = st->names.p ? st->names.p + e[i].off : "";
	qsort(e, n, sizeof *e, entry_cmp);
	for (i = 0; i < n; i = j) {
		struct glow_roster_counts *c = &st->cohort[st->ncohort++];

		c->id = e[i].id;
		c->idlen = e[i].n;
		for (j = i; j < n && entry_cmp(&e[i], &e[j]) == 0; j++) {
			if (!e[j].learner)
				continue;
			count(c, &e[j]);
			count(&st->all, &e[j]);
		}
	}
	free(e);
	return 0;
}

void
glow_roster_stats_free(struct glow_roster_stats *st)
{
	free(st->cohort);
	st->cohort = NULL;
	st->ncohort = 0;
	glow_buf_free(&st->names);
}

static void
counts_json(struct glow_jw *w, const struct glow_roster_counts *c, int cohort)
{
	int k;

	glow_jw_object(w);
	if (cohort) {
		glow_jw_key(w, "cohort_id");
		glow_jw_strn(w, c->id, c->idlen);
	}
	glow_jw_key(w, "learners");
	glow_jw_int(w, c->learners);
	glow_jw_key(w, "provision_state");
	glow_jw_object(w);
	for (k = 0; k < GLOW_ROSTER_NSTATE; k++) {
		glow_jw_key(w, glow_roster_states[k]);
		glow_jw_int(w, c->state[k]);
	}
	glow_jw_end(w);
	glow_jw_key(w, "status");
	glow_jw_object(w);
	for (k = 0; k < GLOW_ROSTER_NSTATUS; k++) {
		glow_jw_key(w, glow_roster_statuses[k]);
		glow_jw_int(w, c->status[k]);
	}
	glow_jw_end(w);
	if (cohort)
		glow_jw_end(w);
	/* else the caller writes "cohorts" and closes the object */
}

void
glow_roster_stats_json(const struct glow_roster_stats *st, struct glow_buf *out)
{
	struct glow_jw w;
	size_t i;

	glow_jw_init(&w, out, 2);
	counts_json(&w, &st->all, 0);
	glow_jw_key(&w, "cohorts");
	glow_jw_array(&w);
	for (i = 0; i < st->ncohort; i++)
		counts_json(&w, &st->cohort[i], 1);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_buf_addc(out, '\n');
}

#define NCOLUMN (2 + GLOW_ROSTER_NSTATE + GLOW_ROSTER_NSTATUS)

static void
table_row(struct glow_buf *out, const int *width, const char *id, size_t idn,
    const struct glow_roster_counts *c)
{
	int k;

	glow_buf_printf(out, "%-*.*s", width[0], (int)idn, id);
	glow_buf_printf(out, "  %*ld", width[1], c->learners);
	for (k = 0; k < GLOW_ROSTER_NSTATE; k++)
		glow_buf_printf(out, "  %*ld", width[2 + k], c->state[k]);
	for (k = 0; k < GLOW_ROSTER_NSTATUS; k++)
		glow_buf_printf(out, "  %*ld", width[2 + GLOW_ROSTER_NSTATE + k],
		    c->status[k]);
	glow_buf_addc(out, '\n');
}

void
glow_roster_stats_table(const struct glow_roster_stats *st, struct glow_buf *out)
{
	int k, width[NCOLUMN];
	size_t i;

	width[0] = 6;           /* "cohort" */
	for (i = 0; i < st->ncohort; i++)
		if ((int)st->cohort[i].idlen > width[0])
			width[0] = (int)st->cohort[i].idlen;
	width[1] = 8;           /* "learners" */
	for (k = 0; k < GLOW_ROSTER_NSTATE; k++)
		width[2 + k] = (int)strlen(glow_roster_states[k]);
	for (k = 0; k < GLOW_ROSTER_NSTATUS; k++)
		width[2 + GLOW_ROSTER_NSTATE + k] = (int)strlen(glow_roster_statuses[k]);
	for (k = 1; k < NCOLUMN; k++)
		if (width[k] < 7)
			width[k] = 7;   /* room for counts up to 9,999,999 */
	glow_buf_printf(out, "%-*s  %*s", width[0], "cohort", width[1], "learners");
	for (k = 0; k < GLOW_ROSTER_NSTATE; k++)
		glow_buf_printf(out, "  %*s", width[2 + k], glow_roster_states[k]);
	for (k = 0; k < GLOW_ROSTER_NSTATUS; k++)
		glow_buf_printf(out, "  %*s", width[2 + GLOW_ROSTER_NSTATE + k],
		    glow_roster_statuses[k]);
	glow_buf_addc(out, '\n');
	for (i = 0; i < st->ncohort; i++)
		table_row(out, width, st->cohort[i].id, st->cohort[i].idlen,
		    &st->cohort[i]);
	table_row(out, width, "(all)", 5, &st->all);
}
