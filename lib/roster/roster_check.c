/* SPDX-License-Identifier: ISC */
/* roster_check.c: validation of a roster of record and the problems it reports; see roster.h. */

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

/* Problems. */

/* Up to 60 bytes of s, control characters shown as '?'. */
static void
show_bytes(struct glow_buf *b, const char *s, size_t n)
{
	size_t i, m = n > 60 ? 60 : n;

	if (m < n)      /* do not cut a UTF-8 sequence */
		while (m > 0 && ((unsigned char)s[m] & 0xc0) == 0x80)
			m--;
	for (i = 0; i < m; i++) {
		unsigned char c = (unsigned char)s[i];

		glow_buf_addc(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (m < n)
		glow_buf_add(b, "...", 3);
}

/* A value as a problem shows it: 'text' for a string (as written, escapes
 * and all), the literal for others. */
static void
show_value(struct glow_buf *b, const struct glow_json *doc, int t)
{
	const char *raw;
	size_t n;

	switch (glow_json_type(doc, t)) {
	case GLOW_JSON_OBJECT:
		glow_buf_adds(b, "an object");
		return;
	case GLOW_JSON_ARRAY:
		glow_buf_adds(b, "an array");
		return;
	case GLOW_JSON_STRING:
		raw = glow_json_raw(doc, t, &n);
		glow_buf_addc(b, '\'');
		show_bytes(b, raw, n);
		glow_buf_addc(b, '\'');
		return;
	default:
		raw = glow_json_raw(doc, t, &n);
		show_bytes(b, raw, n);
	}
}


static void
problem(struct probs *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct probs *p, const char *fmt, ...)
{
	va_list ap;

	if (!p->out)
		return;
	glow_buf_add(p->out, p->prefix, p->plen);
	va_start(ap, fmt);
	glow_buf_vprintf(p->out, fmt, ap);
	va_end(ap);
	glow_buf_addc(p->out, '\n');
	(*p->count)++;
}

/* "field: <value> reason" */
static void
problem_value(struct probs *p, const char *field, const struct glow_json *doc,
    int t, const char *reason)
{
	if (!p->out)
		return;
	glow_buf_add(p->out, p->prefix, p->plen);
	glow_buf_printf(p->out, "%s: ", field);
	show_value(p->out, doc, t);
	glow_buf_printf(p->out, " %s\n", reason);
	(*p->count)++;
}

static void
enum_reason(char *buf, size_t n, const char *const *list)
{
	size_t len;
	int i;

	len = (size_t)snprintf(buf, n, "is not one of ");
	for (i = 0; list[i] && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s",
		    i ? ", " : "", list[i]);
}

static int
isnull(const struct glow_json *doc, int t)
{
	return glow_json_type(doc, t) == GLOW_JSON_NULL;
}

/* Unknown field names: none twice, none holding a NUL. */
struct name {
	const char *s;
	size_t off, n, order;
};

static int
name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	size_t m = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, m);

	if (c)
		return c;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
check_unknown(const struct fields *fs, struct probs *p)
{
	struct glow_buf text = GLOW_BUF_INIT, shown = GLOW_BUF_INIT;
	struct name *nm;
	const char *raw;
	size_t i, rn;
	long n;

	if (fs->nunk == 0)
		return;
	if (fs->nunk == 1) {    /* the common case: no copy */
		raw = glow_json_raw(fs->unk[0].doc, fs->unk[0].key, &rn);
		if (!memchr(raw, '\\', rn))
			return;
	}
	if (!(nm = malloc(fs->nunk * sizeof *nm))) {
		problem(p, "out of memory");
		return;
	}
	for (i = 0; i < fs->nunk; i++) {
		nm[i].off = text.len;
		n = glow_json_string(fs->unk[i].doc, fs->unk[i].key, &text);
		nm[i].n = n < 0 || text.failed ? 0 : (size_t)n;
		nm[i].order = i;
		if (nm[i].n && memchr(text.p + nm[i].off, '\0', nm[i].n))
			problem(p, "a field name holds a NUL character");
	}
	for (i = 0; i < fs->nunk; i++)
		nm[i].s = text.p ? text.p + nm[i].off : "";
	if (fs->nunk > 1 && !text.failed)
		qsort(nm, fs->nunk, sizeof *nm, name_cmp);
	for (i = 1; i < fs->nunk && !text.failed; i++) {
		if (nm[i].n != nm[i - 1].n ||
		    memcmp(nm[i].s, nm[i - 1].s, nm[i].n) != 0)
			continue;
		if (i >= 2 && nm[i - 2].n == nm[i].n &&
		    memcmp(nm[i].s, nm[i - 2].s, nm[i].n) == 0)
			continue;       /* once per name */
		glow_buf_reset(&shown);
		show_bytes(&shown, nm[i].s, nm[i].n);
		problem(p, "duplicate field '%s'", glow_buf_str(&shown));
	}
	free(nm);
	glow_buf_free(&text);
	glow_buf_free(&shown);
}

/*
 * Check one learner object; fs receives its fields.  Returns 1 if handle
 * and cohort are valid (the learner can have a key and a repository name).
 */
static int
check_fields(const struct glow_json *doc, struct fields *fs,
    struct glow_buf *scratch, struct probs *p)
{
	char reason[128];
	const char *s;
	size_t n;
	struct slot *sl;
	int f, keyok = 1;
	long long v;

	if (fs->dup)
		problem(p, "duplicate field '%s'", glow_roster_field_name[fs->dupfield]);
	for (f = 0; f < GLOW_RF_COUNT; f++) {
		const char *name = glow_roster_field_name[f];

		sl = &fs->slot[f];
		if (sl->tok < 0) {
			if (f == GLOW_RF_HANDLE || f == GLOW_RF_COHORT) {
				problem(p, "%s: missing", name);
				keyok = 0;
			}
			continue;
		}
		s = roster_strval(doc, sl->tok, scratch, &n);
		switch (f) {
		case GLOW_RF_HANDLE:
			if (!s || !glow_roster_handle_ok(s, n)) {
				problem_value(p, name, doc, sl->tok, s ?
				    "is not a valid GitHub handle" : "is not a string");
				keyok = 0;
			}
			break;
		case GLOW_RF_COHORT:
			if (!s) {
				problem_value(p, name, doc, sl->tok, "is not a string");
				keyok = 0;
			} else if (glow_roster_trim(s, n, &n), n == 0) {
				problem(p, "%s: empty", name);
				keyok = 0;
			}
			break;
		case GLOW_RF_PATH:
			if (!s || glow_roster_enum(glow_roster_paths, s, n) < 0) {
				enum_reason(reason, sizeof reason, glow_roster_paths);
				problem_value(p, name, doc, sl->tok, reason);
			}
			break;
		case GLOW_RF_STATE:
			if (!s || glow_roster_enum(glow_roster_states, s, n) < 0) {
				enum_reason(reason, sizeof reason, glow_roster_states);
				problem_value(p, name, doc, sl->tok, reason);
			}
			break;
		case GLOW_RF_STATUS:
			if (!s || glow_roster_enum(glow_roster_statuses, s, n) < 0) {
				enum_reason(reason, sizeof reason, glow_roster_statuses);
				problem_value(p, name, doc, sl->tok, reason);
			}
			break;
		case GLOW_RF_REPO:
		case GLOW_RF_ENROLL_REPO:
			if (s ? !glow_roster_owner_name_ok(s, n) : !isnull(doc, sl->tok))
				problem_value(p, name, doc, sl->tok,
				    "is not owner/name or null");
			break;
		case GLOW_RF_REGISTERED:
		case GLOW_RF_SIGNAL:
			if (s ? !glow_time_ok(s, n) : !isnull(doc, sl->tok))
				problem_value(p, name, doc, sl->tok,
				    "is not an ISO-8601 UTC time or null");
			break;
		case GLOW_RF_ENROLL_ISSUE:
			if (!isnull(doc, sl->tok) &&
			    (glow_json_int(doc, sl->tok, &v) < 0 || v < 1))
				problem_value(p, name, doc, sl->tok,
				    "is not a positive integer or null");
			break;
		case GLOW_RF_NOTES:
			if (!s)
				problem_value(p, name, doc, sl->tok, "is not a string");
			break;
		}
	}
	check_unknown(fs, p);
	return keyok;
}

int
roster_check_learner(const struct glow_json *doc, int obj, struct fields *fs,
    struct glow_buf *scratch, struct probs *p)
{
	if (glow_json_type(doc, obj) != GLOW_JSON_OBJECT) {
		roster_fields_clear(fs);
		problem(p, "not an object");
		return 0;
	}
	if (roster_collect(doc, obj, fs, scratch, NULL, 0) < 0) {
		problem(p, "out of memory");
		return 0;
	}
	return check_fields(doc, fs, scratch, p);
}


void
roster_prefix_learner(struct glow_buf *pre, int pos, const char *key, size_t keylen)
{
	glow_buf_reset(pre);
	glow_buf_printf(pre, "learner %d", pos);
	if (keylen) {
		glow_buf_add(pre, " (", 2);
		show_bytes(pre, key, keylen);
		glow_buf_addc(pre, ')');
	}
	glow_buf_add(pre, ": ", 2);
}

struct rname {
	const char *s;
	size_t off, n;
	size_t i;               /* learner index */
};

static int
rname_cmp(const void *a, const void *b)
{
	const struct rname *x = a, *y = b;
	size_t m = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->s, y->s, m);

	if (c)
		return c;
	return (x->n > y->n) - (x->n < y->n);
}

static int
top_check(struct glow_roster *r, struct probs *p, struct glow_buf *scratch)
{
	const struct glow_json *doc = &r->doc;
	int k, v, seen[4] = { -1, -1, -1, -1 };
	static const char *const top[] = {
		"version", "generated_at", "cohorts", "learners"
	};
	long long ver;
	const char *s;
	size_t n;
	int f;

	for (k = glow_json_first(doc, r->top); k >= 0; k = glow_json_next(doc, k)) {
		if (!(s = roster_strval(doc, k, scratch, &n)))
			continue;
		for (f = 3; f >= 0; f--)
			if (strlen(top[f]) == n && memcmp(top[f], s, n) == 0)
				break;
		if (f >= 0) {
			if (seen[f] >= 0)
				problem(p, "duplicate field '%s'", top[f]);
			seen[f] = k + 1;
		}
	}
	if ((v = seen[0]) < 0)
		problem(p, "version: missing");
	else if (glow_json_int(doc, v, &ver) < 0 || ver != 1)
		problem_value(p, "version", doc, v, "is not 1");
	if ((v = seen[1]) >= 0) {
		s = roster_strval(doc, v, scratch, &n);
		if (!s || !glow_time_ok(s, n))
			problem_value(p, "generated_at", doc, v,
			    "is not an ISO-8601 UTC time");
	}
	if ((v = seen[2]) >= 0 && glow_json_type(doc, v) != GLOW_JSON_ARRAY)
		problem_value(p, "cohorts", doc, v, "is not an array");
	/* A roster without learners is a typo ("learner"), not an empty one:
	 * an empty roster says "learners": []. */
	if ((v = seen[3]) < 0)
		problem(p, "learners: missing (an empty roster has \"learners\": [])");
	else if (glow_json_type(doc, v) != GLOW_JSON_ARRAY)
		problem_value(p, "learners", doc, v, "is not an array");
	/* unknown top-level fields */
	{
		struct fields fs;

		memset(&fs, 0, sizeof fs);
		roster_fields_clear(&fs);
		for (k = glow_json_first(doc, r->top); k >= 0; k = glow_json_next(doc, k)) {
			s = roster_strval(doc, k, scratch, &n);
			for (f = 3; s && f >= 0; f--)
				if (strlen(top[f]) == n && memcmp(top[f], s, n) == 0)
					break;
			if (f < 0 && roster_unk_add(&fs, doc, k) < 0)
				problem(p, "out of memory");
		}
		check_unknown(&fs, p);
		free(fs.unk);
	}
	return 0;
}

static void
cohorts_check(struct glow_roster *r, struct probs *p, struct glow_buf *pre,
    struct glow_buf *scratch)
{
	struct fields fs;
	struct glow_buf ids = GLOW_BUF_INIT;
	struct rname *nm = NULL;
	size_t i, nn = 0;
	const char *s;
	size_t n;

	memset(&fs, 0, sizeof fs);
	if (r->ncohort && !(nm = calloc(r->ncohort, sizeof *nm)))
		problem(p, "out of memory");
	for (i = 0; i < r->ncohort; i++) {
		const struct glow_json *doc = r->cohort[i].doc;
		int t = r->cohort[i].tok;

		glow_buf_reset(pre);
		glow_buf_printf(pre, "cohort %zu: ", i);
		p->prefix = pre->p;
		p->plen = pre->len;
		if (glow_json_type(doc, t) != GLOW_JSON_OBJECT) {
			problem(p, "not an object");
			continue;
		}
		if (roster_collect(doc, t, &fs, scratch, roster_cohort_fields, 3) < 0) {
			problem(p, "out of memory");
			continue;
		}
		if (fs.dup)
			problem(p, "duplicate field '%s'", roster_cohort_fields[fs.dupfield]);
		if (fs.slot[0].tok < 0) {
			problem(p, "cohort_id: missing");
		} else if (!(s = roster_strval(doc, fs.slot[0].tok, scratch, &n))) {
			problem_value(p, "cohort_id", doc, fs.slot[0].tok,
			    "is not a string");
		} else if (s = glow_roster_trim(s, n, &n), n == 0) {
			problem(p, "cohort_id: empty");
		} else if (nm) {
			nm[nn].off = ids.len;
			nm[nn].n = n;
			nm[nn].i = i;
			nn++;
			glow_buf_add(&ids, s, n);
		}
		if (fs.slot[1].tok >= 0 && !isnull(doc, fs.slot[1].tok) &&
		    glow_json_type(doc, fs.slot[1].tok) != GLOW_JSON_STRING)
			problem_value(p, "label", doc, fs.slot[1].tok,
			    "is not a string or null");
		if (fs.slot[2].tok >= 0 && !isnull(doc, fs.slot[2].tok) &&
		    (!(s = roster_strval(doc, fs.slot[2].tok, scratch, &n)) ||
		    !glow_time_ok(s, n)))
			problem_value(p, "opens_at", doc, fs.slot[2].tok,
			    "is not an ISO-8601 UTC time or null");
		check_unknown(&fs, p);
	}
	if (nm && !ids.failed && nn > 1) {
		for (i = 0; i < nn; i++)
			nm[i].s = ids.p + nm[i].off;
		qsort(nm, nn, sizeof *nm, rname_cmp);
		for (i = 1; i < nn; i++) {
			if (nm[i].n != nm[i - 1].n ||
			    memcmp(nm[i].s, nm[i - 1].s, nm[i].n) != 0)
				continue;
			glow_buf_reset(pre);
			glow_buf_printf(pre, "cohort %zu (", nm[i].i > nm[i - 1].i ?
			    nm[i].i : nm[i - 1].i);
			show_bytes(pre, nm[i].s, nm[i].n);
			glow_buf_add(pre, "): ", 3);
			p->prefix = pre->p;
			p->plen = pre->len;
			problem(p, "duplicate cohort_id (also cohort %zu)",
			    nm[i].i > nm[i - 1].i ? nm[i - 1].i : nm[i].i);
		}
	}
	free(nm);
	free(fs.unk);
	glow_buf_free(&ids);
}

size_t
glow_roster_validate(struct glow_roster *r)
{
	struct glow_buf pre = GLOW_BUF_INIT, scratch = GLOW_BUF_INIT;
	struct glow_buf s1 = GLOW_BUF_INIT, s2 = GLOW_BUF_INIT, kb = GLOW_BUF_INIT;
	struct glow_buf names = GLOW_BUF_INIT, nb = GLOW_BUF_INIT;
	struct probs p = { &r->problems, &r->nproblems, "", 0 };
	struct fields fs;
	struct rname *rn = NULL;
	size_t i, nrn = 0;

	glow_buf_reset(&r->problems);
	r->nproblems = 0;
	memset(&fs, 0, sizeof fs);
	top_check(r, &p, &scratch);
	cohorts_check(r, &p, &pre, &scratch);

	if (r->nlearner && !(rn = malloc(r->nlearner * sizeof *rn)))
		goto nomem;
	for (i = 0; i < r->nlearner; i++) {
		struct glow_roster_learner *l = &r->learner[i];
		const char *h, *c;
		size_t hn, cn, len;

		/* the key first, so the prefix can name the learner */
		if (glow_json_type(l->doc, l->tok) != GLOW_JSON_OBJECT) {
			if (!l->key) {
				l->key = "";
				l->keylen = 0;
			}
			roster_prefix_learner(&pre, l->pos, l->key, l->keylen);
			p.prefix = pre.p;
			p.plen = pre.len;
			problem(&p, "not an object");
			continue;
		}
		if (roster_collect(l->doc, l->tok, &fs, &scratch, NULL, 0) < 0 ||
		    roster_learner_key(r, l, &fs, &s1, &s2, &kb) < 0)
			goto nomem;
		roster_prefix_learner(&pre, l->pos, l->key, l->keylen);
		p.prefix = pre.p;
		p.plen = pre.len;
		if (!check_fields(l->doc, &fs, &scratch, &p))
			continue;
		/* repository names: at most 100 characters, one key each */
		h = roster_strval(l->doc, fs.slot[GLOW_RF_HANDLE].tok, &s1, &hn);
		c = roster_strval(l->doc, fs.slot[GLOW_RF_COHORT].tok, &s2, &cn);
		glow_buf_reset(&nb);
		len = glow_roster_repo_name(&nb, c, cn, h, hn);
		if (len > GLOW_ROSTER_REPO_NAME_MAX) {
			problem(&p, "repository name is %zu characters, more than %d",
			    len, GLOW_ROSTER_REPO_NAME_MAX);
			continue;
		}
		rn[nrn].off = names.len;
		rn[nrn].n = len;
		rn[nrn].i = (size_t)l->pos;     /* a pos now, an index below */
		nrn++;
		glow_buf_add(&names, nb.p, len);
	}
	if (names.failed)
		goto nomem;

	/* duplicate keys */
	glow_roster_sort(r);
	for (i = 1; i < r->nlearner; i++) {
		const struct glow_roster_learner *a = &r->learner[i - 1], *b = &r->learner[i];
		size_t j = i - 1;

		if (!b->keylen || a->keylen != b->keylen ||
		    memcmp(a->key, b->key, b->keylen) != 0)
			continue;
		while (j > 0 && r->learner[j - 1].keylen == b->keylen &&
		    memcmp(r->learner[j - 1].key, b->key, b->keylen) == 0)
			j--;
		roster_prefix_learner(&pre, b->pos, b->key, b->keylen);
		p.prefix = pre.p;
		p.plen = pre.len;
		problem(&p, "duplicate key (also learner %d)", r->learner[j].pos);
	}

	/* learner positions to indexes, now that the order is by key */
	if (nrn) {
		int *at = NULL;
		size_t np = (size_t)r->nextpos;

		if (!(at = malloc(np * sizeof *at)))
			goto nomem;
		for (i = 0; i < r->nlearner; i++)
			if (r->learner[i].pos >= 0 && (size_t)r->learner[i].pos < np)
				at[r->learner[i].pos] = (int)i;
		for (i = 0; i < nrn; i++)
			rn[i].i = (size_t)at[rn[i].i];
		free(at);
	}
	for (i = 0; i < nrn; i++)
		rn[i].s = names.p + rn[i].off;
	if (nrn > 1)
		qsort(rn, nrn, sizeof *rn, rname_cmp);
	for (i = 1; i < nrn; i++) {
		const struct glow_roster_learner *a, *b;
		size_t j = i - 1;

		if (rn[i].n != rn[j].n || memcmp(rn[i].s, rn[j].s, rn[i].n) != 0)
			continue;
		a = &r->learner[rn[j].i];
		b = &r->learner[rn[i].i];
		if (a->keylen == b->keylen && memcmp(a->key, b->key, a->keylen) == 0)
			continue;               /* the same key: reported above */
		if (a->pos > b->pos) {
			const struct glow_roster_learner *t = a;

			a = b;
			b = t;
		}
		roster_prefix_learner(&pre, b->pos, b->key, b->keylen);
		p.prefix = pre.p;
		p.plen = pre.len;
		glow_buf_reset(&scratch);
		show_bytes(&scratch, a->key, a->keylen);
		problem(&p, "repository name '%.*s' is also that of learner %d (%s)",
		    (int)rn[i].n, rn[i].s, a->pos, glow_buf_str(&scratch));
	}
	goto out;
nomem:
	p.prefix = "";
	p.plen = 0;
	problem(&p, "out of memory");
out:
	free(rn);
	free(fs.unk);
	glow_buf_free(&pre);
	glow_buf_free(&scratch);
	glow_buf_free(&s1);
	glow_buf_free(&s2);
	glow_buf_free(&kb);
	glow_buf_free(&names);
	glow_buf_free(&nb);
	if (r->problems.failed && !r->nproblems)
		r->nproblems = 1;
	return r->nproblems;
}
