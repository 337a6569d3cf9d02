/* SPDX-License-Identifier: ISC */
/* roster_edit.c: changing learners and cohorts, and the locked edit; see roster.h. */

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fsio.h"
#include "core/isotime.h"
#include "roster/roster_parts.h"

/* Changing learners. */

static int
same_name(const struct glow_json *a, int ka, const struct glow_json *b, int kb,
    struct glow_buf *s1, struct glow_buf *s2)
{
	const char *x, *y;
	size_t xn, yn;

	x = roster_strval(a, ka, s1, &xn);
	y = roster_strval(b, kb, s2, &yn);
	return x && y && xn == yn && memcmp(x, y, xn) == 0;
}

/* Render fields compactly (the form stored and compared). */
static int
render(const struct fields *fs, struct glow_buf *out, struct glow_buf *scratch)
{
	struct glow_jw w;

	glow_buf_reset(out);
	glow_jw_init(&w, out, 0);
	roster_write_fields(&w, fs, GLOW_ROSTER_CANONICAL, scratch);
	return out->failed ? -1 : 0;
}

/*
 * The merge of an update `in` into the existing learner `ex`: known fields
 * from in where present (never the key fields), unknown fields of ex in
 * place (in's value where in names them too), then in's new ones.
 */
static int
merge(struct fields *m, const struct fields *ex, const struct fields *in,
    struct glow_buf *s1, struct glow_buf *s2)
{
	size_t a, b;
	int f;

	roster_fields_clear(m);
	for (f = 0; f < GLOW_RF_COUNT; f++)
		m->slot[f] = (f != GLOW_RF_HANDLE && f != GLOW_RF_COHORT &&
		    in->slot[f].tok >= 0) ? in->slot[f] : ex->slot[f];
	for (a = 0; a < ex->nunk; a++) {
		const struct unk *src = &ex->unk[a];

		for (b = 0; b < in->nunk; b++)
			if (same_name(ex->unk[a].doc, ex->unk[a].key,
			    in->unk[b].doc, in->unk[b].key, s1, s2)) {
				src = &in->unk[b];
				break;
			}
		if (roster_unk_add(m, src->doc, src->key) < 0)
			return -1;
	}
	for (b = 0; b < in->nunk; b++) {
		for (a = 0; a < ex->nunk; a++)
			if (same_name(ex->unk[a].doc, ex->unk[a].key,
			    in->unk[b].doc, in->unk[b].key, s1, s2))
				break;
		if (a == ex->nunk && roster_unk_add(m, in->unk[b].doc, in->unk[b].key) < 0)
			return -1;
	}
	return 0;
}

struct work {
	struct fields in, ex, m;
	struct glow_buf s1, s2, s3, a, b;
};

static void
work_free(struct work *wk)
{
	free(wk->in.unk);
	free(wk->ex.unk);
	free(wk->m.unk);
	glow_buf_free(&wk->s1);
	glow_buf_free(&wk->s2);
	glow_buf_free(&wk->s3);
	glow_buf_free(&wk->a);
	glow_buf_free(&wk->b);
}

static int
upsert(struct glow_roster *r, const struct glow_json *doc, int obj, int flags,
    const char *now, const char *what, struct glow_buf *why, long *index,
    struct work *wk)
{
	struct glow_buf pre = GLOW_BUF_INIT;
	size_t nprob = 0;
	struct glow_buf tmp = GLOW_BUF_INIT;
	struct probs p = { why, &nprob, "", 0 };
	const struct glow_json *nd;
	const char *h, *c;
	size_t hn, cn, at;
	char clock[25];
	long i;
	int rc = -1, ok;

	if (what)
		glow_buf_printf(&pre, "%s: ", what);
	p.prefix = glow_buf_str(&pre);
	p.plen = pre.len;
	p.out = why ? why : &tmp;
	ok = roster_check_learner(doc, obj, &wk->in, &wk->s1, &p);
	glow_buf_free(&tmp);
	if (!ok || nprob) {
		errno = EINVAL;
		goto out;
	}
	h = roster_strval(doc, wk->in.slot[GLOW_RF_HANDLE].tok, &wk->s1, &hn);
	c = roster_strval(doc, wk->in.slot[GLOW_RF_COHORT].tok, &wk->s2, &cn);
	glow_buf_reset(&wk->a);
	glow_roster_key(&wk->a, h, hn, c, cn);
	if (wk->a.failed)
		goto nomem;
	i = roster_find_at(r, wk->a.p, wk->a.len, &at);
	if (i < 0) {
		char *key = roster_pool_copy(r, wk->a.p, wk->a.len);
		size_t keylen = wk->a.len;

		if (!key)
			goto nomem;
		if (wk->in.slot[GLOW_RF_REGISTERED].tok < 0) {
			if (!now) {
				glow_now(clock, NULL);
				now = clock;
			}
			wk->in.slot[GLOW_RF_REGISTERED].lit = now;
		}
		if (render(&wk->in, &wk->b, &wk->s3) < 0 ||
		    !(nd = roster_part_new(r, wk->b.p, wk->b.len)) ||
		    roster_learner_add(r, nd, 0, r->nextpos) < 0)
			goto nomem;
		r->nextpos++;
		/* into its place: the array stays in key order */
		{
			struct glow_roster_learner nl = r->learner[r->nlearner - 1];

			memmove(&r->learner[at + 1], &r->learner[at],
			    (r->nlearner - 1 - at) * sizeof nl);
			nl.key = key;
			nl.keylen = keylen;
			r->learner[at] = nl;
		}
		r->sorted = 1;
		r->dirty = 1;
		if (index)
			*index = (long)at;
		rc = GLOW_ROSTER_ADDED;
		goto out;
	}
	if (index)
		*index = i;
	if (flags & GLOW_ROSTER_NO_UPDATE) {
		rc = GLOW_ROSTER_EXISTS;
		goto out;
	}
	if (roster_collect(r->learner[i].doc, r->learner[i].tok, &wk->ex, &wk->s1, NULL, 0) < 0 ||
	    merge(&wk->m, &wk->ex, &wk->in, &wk->s1, &wk->s2) < 0 ||
	    render(&wk->ex, &wk->a, &wk->s3) < 0 ||
	    render(&wk->m, &wk->b, &wk->s3) < 0)
		goto nomem;
	if (wk->a.len == wk->b.len && memcmp(wk->a.p, wk->b.p, wk->a.len) == 0) {
		rc = GLOW_ROSTER_UNCHANGED;
		goto out;
	}
	if (!(nd = roster_part_new(r, wk->b.p, wk->b.len)))
		goto nomem;
	r->learner[i].doc = nd;
	r->learner[i].tok = 0;
	r->dirty = 1;
	rc = GLOW_ROSTER_UPDATED;
	goto out;
nomem:
	errno = ENOMEM;
	rc = -1;
out:
	glow_buf_free(&pre);
	return rc;
}

int
glow_roster_upsert(struct glow_roster *r, const struct glow_json *doc, int obj,
    int flags, const char *now, const char *what, struct glow_buf *why,
    long *index)
{
	struct work wk;
	int rc;

	memset(&wk, 0, sizeof wk);
	rc = upsert(r, doc, obj, flags, now, what, why, index, &wk);
	work_free(&wk);
	return rc;
}

int
glow_roster_update(struct glow_roster *r, size_t i, const char **field,
    const char **json, size_t n, struct glow_buf *why)
{
	struct glow_buf obj = GLOW_BUF_INIT, scratch = GLOW_BUF_INIT, pre = GLOW_BUF_INIT;
	struct glow_jw w;
	struct glow_json in, v;
	const char *s;
	size_t k, sn;
	int rc = -1, f;

	if (i >= r->nlearner) {
		errno = EINVAL;
		return -1;
	}
	glow_jw_init(&w, &obj, 0);
	glow_jw_object(&w);
	for (f = GLOW_RF_HANDLE; f <= GLOW_RF_COHORT; f++) {
		glow_jw_key(&w, glow_roster_field_name[f]);
		if ((s = glow_roster_get(r, i, (enum glow_roster_field)f, &scratch, &sn)))
			glow_jw_strn(&w, s, sn);
		else
			glow_jw_null(&w);
	}
	for (k = 0; k < n; k++) {
		f = glow_roster_field_lookup(field[k], strlen(field[k]));
		if (f == GLOW_RF_HANDLE || f == GLOW_RF_COHORT) {
			if (why)
				glow_buf_printf(why, "%s: the key fields cannot be changed\n",
				    field[k]);
			errno = EINVAL;
			goto out;
		}
		if (glow_json_parse(&v, json[k], strlen(json[k]), NULL) < 0) {
			if (why)
				glow_buf_printf(why, "%s: the value is not JSON\n", field[k]);
			errno = EINVAL;
			goto out;
		}
		glow_jw_key(&w, field[k]);
		glow_jw_value(&w, &v, 0);
		glow_json_free(&v);
	}
	glow_jw_end(&w);
	if (obj.failed) {
		errno = ENOMEM;
		goto out;
	}
	if (glow_json_parse(&in, obj.p, obj.len, NULL) < 0) {
		errno = EINVAL;
		goto out;
	}
	roster_prefix_learner(&pre, r->learner[i].pos, r->learner[i].key, r->learner[i].keylen);
	if (pre.len >= 2)
		pre.len -= 2;   /* upsert adds ": " */
	if (pre.p)
		pre.p[pre.len] = '\0';
	rc = glow_roster_upsert(r, &in, 0, 0, NULL, pre.p, why, NULL);
	glow_json_free(&in);
out:
	glow_buf_free(&obj);
	glow_buf_free(&scratch);
	glow_buf_free(&pre);
	return rc;
}

int
glow_roster_set_str(struct glow_roster *r, size_t i, const char *field,
    const char *s)
{
	struct glow_buf j = GLOW_BUF_INIT;
	const char *json;
	int rc;

	if (s)
		glow_json_quote(&j, s, strlen(s));
	else
		glow_buf_adds(&j, "null");
	if (j.failed) {
		errno = ENOMEM;
		return -1;
	}
	json = j.p;
	rc = glow_roster_update(r, i, &field, &json, 1, NULL);
	glow_buf_free(&j);
	return rc;
}

long
glow_roster_cohort_find(const struct glow_roster *r, const char *id, size_t n)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *s;
	size_t i, sn;
	int t;

	id = glow_roster_trim(id, n, &n);
	for (i = 0; i < r->ncohort; i++) {
		t = glow_json_get(r->cohort[i].doc, r->cohort[i].tok, "cohort_id");
		if (!(s = roster_strval(r->cohort[i].doc, t, &scratch, &sn)))
			continue;
		s = glow_roster_trim(s, sn, &sn);
		if (sn == n && memcmp(s, id, n) == 0) {
			glow_buf_free(&scratch);
			return (long)i;
		}
	}
	glow_buf_free(&scratch);
	return -1;
}

int
glow_roster_cohort_ensure(struct glow_roster *r, const char *id, size_t n)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_jw w;
	const struct glow_json *d;

	id = glow_roster_trim(id, n, &n);
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	if (glow_roster_cohort_find(r, id, n) >= 0)
		return 0;
	glow_jw_init(&w, &b, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "cohort_id");
	glow_jw_strn(&w, id, n);
	glow_jw_end(&w);
	if (b.failed || !(d = roster_part_new(r, b.p, b.len))) {
		glow_buf_free(&b);
		errno = ENOMEM;
		return -1;
	}
	glow_buf_free(&b);
	if (r->ncohort == r->capcohort) {
		size_t cap = r->capcohort ? r->capcohort * 2 : 4;
		struct glow_roster_cohort *c = realloc(r->cohort, cap * sizeof *c);

		if (!c) {
			errno = ENOMEM;
			return -1;
		}
		r->cohort = c;
		r->capcohort = cap;
	}
	r->cohort[r->ncohort].doc = d;
	r->cohort[r->ncohort].tok = 0;
	r->ncohort++;
	r->dirty = 1;
	return 1;
}

int
glow_roster_cohort_ensure_learner(struct glow_roster *r, size_t i)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *c;
	size_t n;
	int rc = 0;

	if ((c = glow_roster_get(r, i, GLOW_RF_COHORT, &scratch, &n)))
		rc = glow_roster_cohort_ensure(r, c, n);
	glow_buf_free(&scratch);
	return rc;
}

/* The locked edit. */

int
glow_roster_edit(const char *path, int flags, glow_roster_edit_fn *fn,
    void *arg, const char *now, struct glow_roster *r,
    struct glow_roster_status *st)
{
	struct glow_buf in = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct stat sb;
	mode_t mode = 0600;
	const char *text;
	size_t len;
	int lockfd, rc = -1;

	memset(st, 0, sizeof *st);
	memset(r, 0, sizeof *r);
	if ((lockfd = glow_lock_within(path, flags & GLOW_ROSTER_BRIEF ?
	    GLOW_ROSTER_BRIEF_WAIT : -1)) < 0) {
		st->stage = GLOW_ROSTER_ELOCK;
		st->errnum = errno;
		return -1;
	}
	/* what a writer killed mid-write left (nothing writes it now) */
	glow_remove_stale(path, 600);
	if (glow_read_file(path, &in, (size_t)1 << 30) < 0) {
		if (errno != ENOENT || !(flags & GLOW_ROSTER_CREATE)) {
			st->stage = GLOW_ROSTER_EREAD;
			st->errnum = errno;
			goto out;
		}
		glow_buf_free(&in);
		text = roster_starter;
		len = strlen(roster_starter);
	} else {
		if (stat(path, &sb) == 0)
			mode = sb.st_mode & 07777;
		text = glow_buf_str(&in);
		len = in.len;
	}
	if (glow_roster_load(r, text, len, &st->jerr) < 0) {
		st->stage = errno == ENOMEM && st->jerr.offset == 0 &&
		    strcmp(st->jerr.reason, "out of memory") == 0 ?
		    GLOW_ROSTER_ENOMEM : GLOW_ROSTER_EPARSE;
		st->errnum = errno;
		glow_roster_linecol(text, len, st->jerr.offset, &st->line, &st->column);
		memset(r, 0, sizeof *r);
		goto out;
	}
	r->owned_text = in.p;           /* the roster now owns the text */
	in.p = NULL;
	in.len = in.cap = 0;
	if (r->nproblems) {
		st->stage = GLOW_ROSTER_EINVALID;
		goto out;
	}
	if (fn && fn(r, arg) < 0) {
		st->stage = GLOW_ROSTER_ECALLBACK;
		goto out;
	}
	if (glow_roster_validate(r)) {
		st->stage = GLOW_ROSTER_EAFTER;
		goto out;
	}
	if (glow_roster_write(r, &out, GLOW_ROSTER_CANONICAL, NULL, now) < 0) {
		st->stage = GLOW_ROSTER_ENOMEM;
		st->errnum = ENOMEM;
		goto out;
	}
	if (out.len != len || memcmp(out.p, text, len) != 0 || text == roster_starter) {
		if (glow_write_atomic(path, out.p, out.len, mode) < 0) {
			st->stage = GLOW_ROSTER_EWRITE;
			st->errnum = errno;
			goto out;
		}
		st->written = 1;
	}
	rc = 0;
out:
	glow_buf_free(&in);
	glow_buf_free(&out);
	glow_unlock(lockfd);
	return rc;
}
