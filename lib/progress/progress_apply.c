/* SPDX-License-Identifier: ISC */
/* glow-progress apply: derived statuses into the roster (see progress.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress/progress.h"

int
glow_progress_apply_add(struct glow_progress_apply *a,
    const struct glow_json *doc, int obj, const char **why)
{
	struct glow_progress_derived d;
	const char *raw;
	size_t len;
	int t;

	memset(&d, 0, sizeof d);
	t = glow_json_get(doc, obj, "status");
	raw = glow_json_raw(doc, t, &len);
	if (glow_json_type(doc, t) != GLOW_JSON_STRING ||
	    (d.status = glow_progress_status_parse(raw, len)) < 0) {
		*why = "no valid status";
		return -1;
	}
	t = glow_json_get(doc, obj, "last_signal_at");
	raw = glow_json_raw(doc, t, &len);
	if (glow_json_type(doc, t) == GLOW_JSON_STRING &&
	    glow_progress_is_timestamp(raw, len)) {
		memcpy(d.last, raw, len);
		d.last[len] = '\0';
	} else if (t >= 0 && glow_json_type(doc, t) != GLOW_JSON_NULL) {
		*why = "last_signal_at is not a timestamp";
		return -1;
	}
	if (!(d.key = glow_json_strdup(doc, glow_json_get(doc, obj, "key")))) {
		*why = "no key";
		return -1;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct glow_progress_derived *nd = realloc(a->d, cap * sizeof *nd);

		if (!nd) {
			free(d.key);
			*why = NULL;
			errno = ENOMEM;
			return -1;
		}
		a->d = nd;
		a->cap = cap;
	}
	d.pos = a->n;
	a->d[a->n++] = d;
	a->ordered = 0;
	return 0;
}

static int
cmp_derived(const void *x, const void *y)
{
	const struct glow_progress_derived *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* In key order; of several lines for one key, the last one counts. */
static void
order(struct glow_progress_apply *a)
{
	size_t k;

	if (a->n > 1)
		qsort(a->d, a->n, sizeof *a->d, cmp_derived);
	for (k = 0; k + 1 < a->n; k++)
		a->d[k].superseded = strcmp(a->d[k].key, a->d[k + 1].key) == 0;
	a->ordered = 1;
}

/* The new last_signal_at, or NULL to keep the roster's. */
static const char *
newer_time(const char *cur, size_t curlen, const char *derived)
{
	if (!derived[0])
		return NULL;
	if (cur && glow_progress_is_timestamp(cur, curlen) &&
	    glow_progress_timecmp(cur, derived) >= 0)
		return NULL;
	return derived;
}

int
glow_progress_apply(struct glow_progress_apply *a, struct glow_roster *r)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *v, *t;
	size_t k, n;
	long i;
	int from, rc = 0;

	if (!a->ordered)
		order(a);
	free(a->rows);
	a->nrows = 0;
	memset(a->count, 0, sizeof a->count);
	if (!(a->rows = calloc(a->n ? a->n : 1, sizeof *a->rows))) {
		errno = ENOMEM;
		return -1;
	}
	for (k = 0; k < a->n && rc == 0; k++) {
		struct glow_progress_derived *d = &a->d[k];
		struct glow_progress_row *row;

		if (d->superseded)
			continue;
		row = &a->rows[a->nrows++];
		row->key = d->key;
		row->to = d->status;
		if ((i = glow_roster_find(r, d->key, strlen(d->key))) < 0) {
			row->what = GLOW_PROGRESS_UNKNOWN;
			a->count[row->what]++;
			continue;
		}
		v = glow_roster_get(r, (size_t)i, GLOW_RF_STATUS, &scratch, &n);
		from = v ? glow_progress_status_parse(v, n) : -1;
		snprintf(row->from, sizeof row->from, "%.*s",
		    v ? (int)n : 0, v ? v : "");
		if (!glow_progress_may_move(from, d->status)) {
			row->what = GLOW_PROGRESS_HELD;
			a->count[row->what]++;
			continue;
		}
		row->what = from == d->status ? GLOW_PROGRESS_SAME : GLOW_PROGRESS_MOVED;
		a->count[row->what]++;
		if (from != d->status && glow_roster_set_str(r, (size_t)i,
		    "status", glow_progress_status_name(d->status)) < 0)
			rc = -1;
		v = glow_roster_get(r, (size_t)i, GLOW_RF_SIGNAL, &scratch, &n);
		if (rc == 0 && (t = newer_time(v, n, d->last)) &&
		    glow_roster_set_str(r, (size_t)i, "last_signal_at", t) < 0)
			rc = -1;
	}
	glow_buf_free(&scratch);
	return rc;
}

const char *
glow_progress_outcome_name(enum glow_progress_outcome what)
{
	static const char *const names[] = {
		"moved", "unchanged", "kept: would move backwards",
		"not in the roster"
	};

	return (unsigned)what < 4 ? names[what] : NULL;
}

/* A Markdown table cell: no newlines, Markdown's special characters escaped. */
static void
md_cell(struct glow_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' ||
		    *s == '_' || *s == '<')
			glow_buf_addc(b, '\\');
		glow_buf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

void
glow_progress_apply_summary(const struct glow_progress_apply *a, int dry,
    struct glow_buf *md)
{
	const long *c = a->count;
	size_t k;

	glow_buf_printf(md, "### glow-progress apply%s\n\n%ld moved, %ld "
	    "unchanged, %ld kept, %ld not in the roster.\n\n",
	    dry ? " (dry run)" : "", c[GLOW_PROGRESS_MOVED], c[GLOW_PROGRESS_SAME],
	    c[GLOW_PROGRESS_HELD], c[GLOW_PROGRESS_UNKNOWN]);
	if (!(c[GLOW_PROGRESS_MOVED] + c[GLOW_PROGRESS_HELD] +
	    c[GLOW_PROGRESS_UNKNOWN]))
		return;
	glow_buf_adds(md, "| learner | from | to | result |\n|---|---|---|---|\n");
	for (k = 0; k < a->nrows; k++) {
		const struct glow_progress_row *row = &a->rows[k];

		if (row->what == GLOW_PROGRESS_SAME)
			continue;
		glow_buf_adds(md, "| ");
		md_cell(md, row->key);
		glow_buf_adds(md, " | ");
		md_cell(md, row->from);
		glow_buf_adds(md, " | ");
		md_cell(md, glow_progress_status_name(row->to));
		glow_buf_printf(md, " | %s |\n", glow_progress_outcome_name(row->what));
	}
	glow_buf_addc(md, '\n');
}

void
glow_progress_apply_free(struct glow_progress_apply *a)
{
	size_t k;

	for (k = 0; k < a->n; k++)
		free(a->d[k].key);
	free(a->d);
	free(a->rows);
	memset(a, 0, sizeof *a);
}
