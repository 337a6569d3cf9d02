/* SPDX-License-Identifier: ISC */
/* roster.c: the roster of record: names, keys, memory, fields and loading;
 * see roster.h.  Validation is in roster_check.c, writing in roster_write.c,
 * changes in roster_edit.c. */
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

const char *const glow_roster_field_name[GLOW_RF_COUNT] = {
	"github_handle", "cohort_id", "path", "learning_room_repo",
	"provision_state", "status", "registered_at", "last_signal_at",
	"enrollment_repo", "enrollment_issue_number", "notes"
};
const unsigned char roster_field_len[GLOW_RF_COUNT] = {
	13, 9, 4, 18, 15, 6, 13, 14, 15, 23, 5
};

/* The fields of the public view. */
const unsigned char roster_public_field[GLOW_RF_COUNT] = {
	[GLOW_RF_HANDLE] = 1, [GLOW_RF_COHORT] = 1, [GLOW_RF_PATH] = 1,
	[GLOW_RF_STATE] = 1, [GLOW_RF_STATUS] = 1
};

const char roster_starter[] = "{\"version\": 1, \"cohorts\": [], \"learners\": []}\n";

const char *const roster_cohort_fields[3] = { "cohort_id", "label", "opens_at" };

const char *const glow_roster_paths[] = { "day1-day2", "day2-only", NULL };
const char *const glow_roster_states[] = {
	"pending", "provisioned", "failed", "healed", NULL
};
const char *const glow_roster_statuses[] = {
	"awaiting-ack", "active-day1", "day1-complete", "day2-released",
	"needs-info", NULL
};

int
glow_roster_field_lookup(const char *s, size_t n)
{
	int f;

	for (f = 0; f < GLOW_RF_COUNT; f++)
		if (n == roster_field_len[f] && memcmp(s, glow_roster_field_name[f], n) == 0)
			return f;
	return -1;
}

int
glow_roster_enum(const char *const *list, const char *s, size_t n)
{
	int i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return i;
	return -1;
}

/* The rules. */

static int
isalnum_(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
login_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 39 || !isalnum_((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		if (isalnum_((unsigned char)s[i]))
			continue;
		/* '-' only when an alphanumeric follows */
		if (s[i] != '-' || i + 1 == n || !isalnum_((unsigned char)s[i + 1]))
			return 0;
	}
	return 1;
}

int
glow_roster_handle_ok(const char *s, size_t n)
{
	if (n && s[0] == '@')
		s++, n--;
	return login_ok(s, n);
}

int
glow_roster_owner_name_ok(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	size_t on, nn, i;

	if (!slash)
		return 0;
	on = (size_t)(slash - s);
	nn = n - on - 1;
	if (!login_ok(s, on) || nn < 1 || nn > 100)
		return 0;
	for (i = 0; i < nn; i++) {
		unsigned char c = (unsigned char)slash[1 + i];

		if (!isalnum_(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	if ((nn == 1 && slash[1] == '.') ||
	    (nn == 2 && slash[1] == '.' && slash[2] == '.'))
		return 0;
	return 1;
}

/* The code point at s (valid UTF-8, as the JSON reader guarantees). */
static unsigned long
utf8_at(const unsigned char *s, size_t n, size_t *len)
{
	if (s[0] < 0x80 || n < 2) {
		*len = 1;
		return s[0];
	}
	if (s[0] < 0xe0) {
		*len = 2;
		return (unsigned long)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	}
	if (s[0] < 0xf0 || n < 4) {
		*len = n < 3 ? n : 3;
		if (n < 3)
			return 0xfffd;
		return (unsigned long)(s[0] & 0x0f) << 12 |
		    (unsigned long)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	}
	*len = 4;
	return (unsigned long)(s[0] & 0x07) << 18 |
	    (unsigned long)(s[1] & 0x3f) << 12 |
	    (unsigned long)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
}

/* ECMAScript WhiteSpace and LineTerminator, what String.prototype.trim()
 * removes. */
static int
js_space(unsigned long c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	    c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000 ||
	    c == 0xfeff;
}

const char *
glow_roster_trim(const char *s, size_t n, size_t *outn)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t a = 0, b = n, len, j;

	while (a < b && js_space(utf8_at(u + a, b - a, &len)))
		a += len;
	while (b > a) {
		j = b - 1;
		while (j > a && (u[j] & 0xc0) == 0x80)
			j--;
		if (!js_space(utf8_at(u + j, b - j, &len)))
			break;
		b = j;
	}
	*outn = b - a;
	return s + a;
}

void
glow_roster_key(struct glow_buf *out, const char *handle, size_t hn,
    const char *cohort, size_t cn)
{
	size_t i;

	if (hn && handle[0] == '@')
		handle++, hn--;
	if (glow_buf_reserve(out, hn + cn + 2) < 0)
		return;
	for (i = 0; i < hn; i++) {
		char c = handle[i];

		out->p[out->len++] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
	}
	out->p[out->len++] = '@';
	out->p[out->len++] = '@';
	cohort = glow_roster_trim(cohort, cn, &cn);
	glow_buf_add(out, cohort, cn);
}

int
glow_roster_key_parse(struct glow_buf *out, const char *s)
{
	const char *at = strstr(s, "@@");

	if (!at)
		return -1;
	glow_roster_key(out, s, (size_t)(at - s), at + 2, strlen(at + 2));
	return 0;
}

static void
name_part(struct glow_buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, len;
	unsigned long c;

	for (i = 0; i < n; i += len) {
		c = utf8_at(u + i, n - i, &len);
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			glow_buf_addc(out, (char)c);
		else if (c > 0xffff)    /* two UTF-16 units in JavaScript */
			glow_buf_add(out, "--", 2);
		else
			glow_buf_addc(out, '-');
	}
}

size_t
glow_roster_repo_name(struct glow_buf *out, const char *cohort, size_t cn,
    const char *handle, size_t hn)
{
	size_t start = out->len;

	if (hn && handle[0] == '@')
		handle++, hn--;
	cohort = glow_roster_trim(cohort, cn, &cn);
	glow_buf_add(out, "learning-room-", 14);
	name_part(out, cohort, cn);
	glow_buf_addc(out, '-');
	name_part(out, handle, hn);
	return out->len - start;
}

void
glow_roster_linecol(const char *text, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t i, l = 1, c = 1;

	for (i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else {
			c++;
		}
	}
	*line = l;
	*col = c;
}

/* Memory: documents of changed learners, and a pool for keys. */

struct part {
	struct part *next;
	struct glow_json doc;
	char text[];
};

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

char *
roster_pool_copy(struct glow_roster *r, const char *s, size_t n)
{
	struct chunk *c = r->pool;
	char *p;

	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;

		if (!(c = malloc(sizeof *c + cap)))
			return NULL;
		c->next = r->pool;
		c->used = 0;
		c->cap = cap;
		r->pool = c;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

/* A document of the roster's own, from JSON text. */
const struct glow_json *
roster_part_new(struct glow_roster *r, const char *text, size_t n)
{
	struct part *p;

	if (!(p = malloc(sizeof *p + n + 1))) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(p->text, text, n);
	p->text[n] = '\0';
	if (glow_json_parse(&p->doc, p->text, n, NULL) < 0) {
		free(p);
		errno = ENOMEM;         /* our own output always parses */
		return NULL;
	}
	p->next = r->parts;
	r->parts = p;
	return &p->doc;
}

/* A string token's bytes: raw if it has no escape, else decoded into
 * scratch.  NULL if not a string. */
const char *
roster_strval(const struct glow_json *doc, int t, struct glow_buf *scratch, size_t *n)
{
	const char *raw;

	if (t < 0 || glow_json_type(doc, t) != GLOW_JSON_STRING)
		return NULL;
	raw = glow_json_raw(doc, t, n);
	if (!memchr(raw, '\\', *n))
		return raw;
	glow_buf_reset(scratch);
	glow_json_string(doc, t, scratch);
	*n = scratch->len;
	return glow_buf_str(scratch);
}

void
roster_fields_clear(struct fields *fs)
{
	int f;

	for (f = 0; f < GLOW_RF_COUNT; f++) {
		fs->slot[f].doc = NULL;
		fs->slot[f].tok = -1;
		fs->slot[f].lit = NULL;
	}
	fs->nunk = 0;
	fs->dup = 0;
}

int
roster_unk_add(struct fields *fs, const struct glow_json *doc, int key)
{
	if (fs->nunk == fs->capunk) {
		size_t cap = fs->capunk ? fs->capunk * 2 : 8;
		struct unk *u = realloc(fs->unk, cap * sizeof *u);

		if (!u)
			return -1;
		fs->unk = u;
		fs->capunk = cap;
	}
	fs->unk[fs->nunk].doc = doc;
	fs->unk[fs->nunk].key = key;
	fs->nunk++;
	return 0;
}

/* Which field key token k names: 0.. for known fields, -1 unknown. */
int
roster_classify(const struct glow_json *doc, int k, struct glow_buf *scratch)
{
	const char *s;
	size_t n;

	if (!(s = roster_strval(doc, k, scratch, &n)))
		return -1;
	return glow_roster_field_lookup(s, n);
}

/* fields (learner fields; cohort fields if names != NULL). */
int
roster_collect(const struct glow_json *doc, int obj, struct fields *fs,
    struct glow_buf *scratch, const char *const *names, int nnames)
{
	int k, f;

	roster_fields_clear(fs);
	if (glow_json_type(doc, obj) != GLOW_JSON_OBJECT)
		return 0;
	for (k = glow_json_first(doc, obj); k >= 0; k = glow_json_next(doc, k)) {
		if (names) {
			const char *s;
			size_t n;

			f = -1;
			if ((s = roster_strval(doc, k, scratch, &n)))
				for (f = nnames - 1; f >= 0; f--)
					if (strlen(names[f]) == n &&
					    memcmp(names[f], s, n) == 0)
						break;
		} else {
			f = roster_classify(doc, k, scratch);
		}
		if (f < 0) {
			if (roster_unk_add(fs, doc, k) < 0)
				return -1;
			continue;
		}
		if (fs->slot[f].tok >= 0 && !fs->dup) {
			fs->dup = 1;
			fs->dupfield = f;
		}
		fs->slot[f].doc = doc;
		fs->slot[f].tok = k + 1;
	}
	return 0;
}

/* Learner bookkeeping. */

static int
learner_cmp(const void *a, const void *b)
{
	const struct glow_roster_learner *x = a, *y = b;
	size_t m = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, m);

	if (c)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

void
glow_roster_sort(struct glow_roster *r)
{
	if (!r->sorted && r->nlearner > 1)
		qsort(r->learner, r->nlearner, sizeof *r->learner, learner_cmp);
	r->sorted = 1;
}

/* The learner with key[0..n), or -1; *at: where it is or would go. */
long
roster_find_at(struct glow_roster *r, const char *key, size_t n, size_t *at)
{
	size_t lo = 0, hi, mid, m;
	int c;

	glow_roster_sort(r);
	hi = r->nlearner;
	while (lo < hi) {
		const struct glow_roster_learner *l;

		mid = lo + (hi - lo) / 2;
		l = &r->learner[mid];
		m = l->keylen < n ? l->keylen : n;
		c = memcmp(l->key, key, m);
		if (c == 0)
			c = (l->keylen > n) - (l->keylen < n);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	if (lo < r->nlearner && r->learner[lo].keylen == n &&
	    memcmp(r->learner[lo].key, key, n) == 0)
		return (long)lo;
	return -1;
}

long
glow_roster_find(struct glow_roster *r, const char *key, size_t n)
{
	size_t at;

	return roster_find_at(r, key, n, &at);
}

int
roster_learner_add(struct glow_roster *r, const struct glow_json *doc, int tok,
    int pos)
{
	struct glow_roster_learner *l;

	if (r->nlearner == r->caplearner) {
		size_t cap = r->caplearner ? r->caplearner * 2 : 16;

		if (!(l = realloc(r->learner, cap * sizeof *l)))
			return -1;
		r->learner = l;
		r->caplearner = cap;
	}
	l = &r->learner[r->nlearner++];
	l->doc = doc;
	l->tok = tok;
	l->pos = pos;
	l->key = NULL;
	l->keylen = 0;
	r->sorted = r->nlearner < 2;
	return 0;
}

/* Compute learner l's key from its fields, if not done yet. */
int
roster_learner_key(struct glow_roster *r, struct glow_roster_learner *l,
    const struct fields *fs, struct glow_buf *s1, struct glow_buf *s2,
    struct glow_buf *kb)
{
	const char *h, *c;
	size_t hn, cn;

	if (l->key)
		return 0;
	h = roster_strval(fs->slot[GLOW_RF_HANDLE].doc, fs->slot[GLOW_RF_HANDLE].tok, s1, &hn);
	c = roster_strval(fs->slot[GLOW_RF_COHORT].doc, fs->slot[GLOW_RF_COHORT].tok, s2, &cn);
	if (!h || !c) {
		l->key = "";
		l->keylen = 0;
		return 0;
	}
	glow_buf_reset(kb);
	glow_roster_key(kb, h, hn, c, cn);
	if (kb->failed || !(l->key = roster_pool_copy(r, kb->p, kb->len)))
		return -1;
	l->keylen = kb->len;
	r->sorted = 0;
	return 0;
}

int
glow_roster_load(struct glow_roster *r, const char *text, size_t len,
    struct glow_json_error *err)
{
	struct glow_json_error dummy;
	struct glow_buf scratch = GLOW_BUF_INIT;
	int k, v, e, pos;
	const char *s;
	size_t n;

	if (!err)
		err = &dummy;
	memset(r, 0, sizeof *r);
	r->sorted = 1;
	if (glow_json_parse(&r->doc, text, len, err) < 0)
		return -1;
	if (glow_json_type(&r->doc, 0) != GLOW_JSON_OBJECT) {
		err->offset = (size_t)r->doc.tok[0].start;
		err->reason = "not a JSON object";
		glow_json_free(&r->doc);
		return -1;
	}
	for (k = glow_json_first(&r->doc, 0); k >= 0; k = glow_json_next(&r->doc, k)) {
		v = k + 1;
		s = roster_strval(&r->doc, k, &scratch, &n);
		if (n == 8 && memcmp(s, "learners", 8) == 0 &&
		    glow_json_type(&r->doc, v) == GLOW_JSON_ARRAY) {
			r->nlearner = 0;        /* a repeated key: the last wins */
			if (glow_json_size(&r->doc, v) > 0 && !r->learner) {
				r->caplearner = (size_t)glow_json_size(&r->doc, v);
				if (!(r->learner = malloc(r->caplearner * sizeof *r->learner)))
					goto nomem;
			}
			pos = 0;
			for (e = glow_json_first(&r->doc, v); e >= 0;
			    e = glow_json_next(&r->doc, e))
				if (roster_learner_add(r, &r->doc, e, pos++) < 0)
					goto nomem;
			r->nextpos = pos;
		} else if (n == 7 && memcmp(s, "cohorts", 7) == 0 &&
		    glow_json_type(&r->doc, v) == GLOW_JSON_ARRAY) {
			r->ncohort = 0;
			for (e = glow_json_first(&r->doc, v); e >= 0;
			    e = glow_json_next(&r->doc, e)) {
				if (r->ncohort == r->capcohort) {
					size_t cap = r->capcohort ? r->capcohort * 2 : 4;
					struct glow_roster_cohort *c =
					    realloc(r->cohort, cap * sizeof *c);

					if (!c)
						goto nomem;
					r->cohort = c;
					r->capcohort = cap;
				}
				r->cohort[r->ncohort].doc = &r->doc;
				r->cohort[r->ncohort].tok = e;
				r->ncohort++;
			}
		} else if (n == 12 && memcmp(s, "generated_at", 12) == 0) {
			const char *g = roster_strval(&r->doc, v, &scratch, &n);

			r->generated_at[0] = '\0';
			if (g && n < sizeof r->generated_at && !memchr(g, '\0', n)) {
				memcpy(r->generated_at, g, n);
				r->generated_at[n] = '\0';
			}
		} else if (!(n == 7 && memcmp(s, "version", 7) == 0) &&
		    !(n == 8 && memcmp(s, "learners", 8) == 0) &&
		    !(n == 7 && memcmp(s, "cohorts", 7) == 0)) {
			int *x = realloc(r->extra, (r->nextra + 1) * sizeof *x);

			if (!x)
				goto nomem;
			r->extra = x;
			r->extra[r->nextra++] = k;
		}
	}
	glow_buf_free(&scratch);
	glow_roster_validate(r);
	if (r->problems.failed)
		goto nomem2;
	return 0;
nomem:
	glow_buf_free(&scratch);
nomem2:
	glow_roster_free(r);
	err->offset = 0;
	err->reason = "out of memory";
	errno = ENOMEM;
	return -1;
}

void
glow_roster_free(struct glow_roster *r)
{
	struct part *p, *pn;
	struct chunk *c, *cn;

	for (p = r->parts; p; p = pn) {
		pn = p->next;
		glow_json_free(&p->doc);
		free(p);
	}
	for (c = r->pool; c; c = cn) {
		cn = c->next;
		free(c);
	}
	glow_json_free(&r->doc);
	free(r->owned_text);
	free(r->learner);
	free(r->cohort);
	free(r->extra);
	glow_buf_free(&r->problems);
	memset(r, 0, sizeof *r);
}

