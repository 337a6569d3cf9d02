/* SPDX-License-Identifier: ISC */
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
#include "roster/roster.h"

const char *const glow_roster_field_name[GLOW_RF_COUNT] = {
	"github_handle", "cohort_id", "path", "learning_room_repo",
	"provision_state", "status", "registered_at", "last_signal_at",
	"enrollment_repo", "enrollment_issue_number", "notes"
};
static const unsigned char field_len[GLOW_RF_COUNT] = {
	13, 9, 4, 18, 15, 6, 13, 14, 15, 23, 5
};

const char *const glow_roster_paths[] = { "day1-day2", "day2-only", NULL };
const char *const glow_roster_states[] = {
	"pending", "provisioned", "failed", "healed", NULL
};
const char *const glow_roster_statuses[] = {
	"awaiting-ack", "active-day1", "day1-complete", "day2-released",
	"needs-info", NULL
};

/* The fields of the public view. */
static const unsigned char public_field[GLOW_RF_COUNT] = {
	[GLOW_RF_HANDLE] = 1, [GLOW_RF_COHORT] = 1, [GLOW_RF_PATH] = 1,
	[GLOW_RF_STATE] = 1, [GLOW_RF_STATUS] = 1
};

static const char starter[] = "{\"version\": 1, \"cohorts\": [], \"learners\": []}\n";

int
glow_roster_field_lookup(const char *s, size_t n)
{
	int f;

	for (f = 0; f < GLOW_RF_COUNT; f++)
		if (n == field_len[f] && memcmp(s, glow_roster_field_name[f], n) == 0)
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

static char *
pool_copy(struct glow_roster *r, const char *s, size_t n)
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
static const struct glow_json *
part_new(struct glow_roster *r, const char *text, size_t n)
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
static const char *
strval(const struct glow_json *doc, int t, struct glow_buf *scratch, size_t *n)
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

/* A learner's (or cohort's) fields, collected from its object. */
struct slot {
	const struct glow_json *doc;
	int tok;                /* value token; -1: absent */
	const char *lit;        /* or a literal string value */
};
struct unk {
	const struct glow_json *doc;
	int key;                /* key token; its value is key + 1 */
};
struct fields {
	struct slot slot[GLOW_RF_COUNT];
	struct unk *unk;
	size_t nunk, capunk;
	int dup;                /* a known field appears twice */
	int dupfield;
};

static void
fields_clear(struct fields *fs)
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

static int
unk_add(struct fields *fs, const struct glow_json *doc, int key)
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
static int
classify(const struct glow_json *doc, int k, struct glow_buf *scratch)
{
	const char *s;
	size_t n;

	if (!(s = strval(doc, k, scratch, &n)))
		return -1;
	return glow_roster_field_lookup(s, n);
}

/* fields (learner fields; cohort fields if names != NULL). */
static int
collect(const struct glow_json *doc, int obj, struct fields *fs,
    struct glow_buf *scratch, const char *const *names, int nnames)
{
	int k, f;

	fields_clear(fs);
	if (glow_json_type(doc, obj) != GLOW_JSON_OBJECT)
		return 0;
	for (k = glow_json_first(doc, obj); k >= 0; k = glow_json_next(doc, k)) {
		if (names) {
			const char *s;
			size_t n;

			f = -1;
			if ((s = strval(doc, k, scratch, &n)))
				for (f = nnames - 1; f >= 0; f--)
					if (strlen(names[f]) == n &&
					    memcmp(names[f], s, n) == 0)
						break;
		} else {
			f = classify(doc, k, scratch);
		}
		if (f < 0) {
			if (unk_add(fs, doc, k) < 0)
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

struct probs {
	struct glow_buf *out;
	size_t *count;
	const char *prefix;     /* "learner 3 (alice@@spring): " */
	size_t plen;
};

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
		s = strval(doc, sl->tok, scratch, &n);
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

static int
check_learner(const struct glow_json *doc, int obj, struct fields *fs,
    struct glow_buf *scratch, struct probs *p)
{
	if (glow_json_type(doc, obj) != GLOW_JSON_OBJECT) {
		fields_clear(fs);
		problem(p, "not an object");
		return 0;
	}
	if (collect(doc, obj, fs, scratch, NULL, 0) < 0) {
		problem(p, "out of memory");
		return 0;
	}
	return check_fields(doc, fs, scratch, p);
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
static long
find_at(struct glow_roster *r, const char *key, size_t n, size_t *at)
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

	return find_at(r, key, n, &at);
}

static int
learner_add(struct glow_roster *r, const struct glow_json *doc, int tok,
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
static int
learner_key(struct glow_roster *r, struct glow_roster_learner *l,
    const struct fields *fs, struct glow_buf *s1, struct glow_buf *s2,
    struct glow_buf *kb)
{
	const char *h, *c;
	size_t hn, cn;

	if (l->key)
		return 0;
	h = strval(fs->slot[GLOW_RF_HANDLE].doc, fs->slot[GLOW_RF_HANDLE].tok, s1, &hn);
	c = strval(fs->slot[GLOW_RF_COHORT].doc, fs->slot[GLOW_RF_COHORT].tok, s2, &cn);
	if (!h || !c) {
		l->key = "";
		l->keylen = 0;
		return 0;
	}
	glow_buf_reset(kb);
	glow_roster_key(kb, h, hn, c, cn);
	if (kb->failed || !(l->key = pool_copy(r, kb->p, kb->len)))
		return -1;
	l->keylen = kb->len;
	r->sorted = 0;
	return 0;
}

static void
prefix_learner(struct glow_buf *pre, int pos, const char *key, size_t keylen)
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
		if (!(s = strval(doc, k, scratch, &n)))
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
		s = strval(doc, v, scratch, &n);
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
		fields_clear(&fs);
		for (k = glow_json_first(doc, r->top); k >= 0; k = glow_json_next(doc, k)) {
			s = strval(doc, k, scratch, &n);
			for (f = 3; s && f >= 0; f--)
				if (strlen(top[f]) == n && memcmp(top[f], s, n) == 0)
					break;
			if (f < 0 && unk_add(&fs, doc, k) < 0)
				problem(p, "out of memory");
		}
		check_unknown(&fs, p);
		free(fs.unk);
	}
	return 0;
}

static const char *const cohort_fields[] = { "cohort_id", "label", "opens_at" };

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
		if (collect(doc, t, &fs, scratch, cohort_fields, 3) < 0) {
			problem(p, "out of memory");
			continue;
		}
		if (fs.dup)
			problem(p, "duplicate field '%s'", cohort_fields[fs.dupfield]);
		if (fs.slot[0].tok < 0) {
			problem(p, "cohort_id: missing");
		} else if (!(s = strval(doc, fs.slot[0].tok, scratch, &n))) {
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
		    (!(s = strval(doc, fs.slot[2].tok, scratch, &n)) ||
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
			prefix_learner(&pre, l->pos, l->key, l->keylen);
			p.prefix = pre.p;
			p.plen = pre.len;
			problem(&p, "not an object");
			continue;
		}
		if (collect(l->doc, l->tok, &fs, &scratch, NULL, 0) < 0 ||
		    learner_key(r, l, &fs, &s1, &s2, &kb) < 0)
			goto nomem;
		prefix_learner(&pre, l->pos, l->key, l->keylen);
		p.prefix = pre.p;
		p.plen = pre.len;
		if (!check_fields(l->doc, &fs, &scratch, &p))
			continue;
		/* repository names: at most 100 characters, one key each */
		h = strval(l->doc, fs.slot[GLOW_RF_HANDLE].tok, &s1, &hn);
		c = strval(l->doc, fs.slot[GLOW_RF_COHORT].tok, &s2, &cn);
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
		prefix_learner(&pre, b->pos, b->key, b->keylen);
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
		prefix_learner(&pre, b->pos, b->key, b->keylen);
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
		s = strval(&r->doc, k, &scratch, &n);
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
				if (learner_add(r, &r->doc, e, pos++) < 0)
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
			const char *g = strval(&r->doc, v, &scratch, &n);

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

/* Writing. */

static void
write_key_of(struct glow_jw *w, const struct glow_json *doc, int k,
    struct glow_buf *scratch)
{
	glow_buf_reset(scratch);
	glow_json_string(doc, k, scratch);
	glow_jw_key(w, glow_buf_str(scratch));
}

static void
write_trimmed(struct glow_jw *w, const struct slot *sl, int f,
    struct glow_buf *scratch)
{
	const char *s;
	size_t n;

	if (sl->lit) {
		glow_jw_str(w, sl->lit);
		return;
	}
	if (!(s = strval(sl->doc, sl->tok, scratch, &n))) {
		glow_jw_value(w, sl->doc, sl->tok);
		return;
	}
	if (f == GLOW_RF_HANDLE) {
		if (n && s[0] == '@')
			s++, n--;
	} else {
		s = glow_roster_trim(s, n, &n);
	}
	glow_jw_strn(w, s, n);
}

/*
 * The writer's member step for a known field name, in one append: what
 * glow_jw_key() does (JSON.stringify's layout), without a call per byte.
 * Known field names need no escaping.
 */
static void
put_key(struct glow_jw *w, int f)
{
	struct glow_buf *b = w->out;
	size_t ind = (size_t)w->indent * (size_t)w->depth, n = field_len[f];
	char *p;

	if (glow_buf_reserve(b, n + ind + 8) < 0)
		return;
	p = b->p + b->len;
	if (!w->empty)
		*p++ = ',';
	w->empty = 0;
	if (w->indent) {
		*p++ = '\n';
		memset(p, ' ', ind);
		p += ind;
	}
	*p++ = '"';
	memcpy(p, glow_roster_field_name[f], n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	if (w->indent)
		*p++ = ' ';
	b->len = (size_t)(p - b->p);
	b->p[b->len] = '\0';
	w->pending_key = 1;
}

/* A member's value: a literal or a string without escapes is copied as
 * it is (it is already in canonical form); others go through the writer. */
static void
put_value(struct glow_jw *w, const struct glow_json *doc, int t)
{
	const jsmntok_t *tk = &doc->tok[t];
	const char *raw = doc->text + tk->start;
	size_t n = (size_t)(tk->end - tk->start);
	struct glow_buf *b = w->out;

	if (tk->type == JSMN_PRIMITIVE) {
		w->pending_key = 0;
		glow_buf_add(b, raw, n);
	} else if (tk->type == JSMN_STRING && !memchr(raw, '\\', n)) {
		w->pending_key = 0;
		if (glow_buf_reserve(b, n + 2) < 0)
			return;
		b->p[b->len] = '"';
		memcpy(b->p + b->len + 1, raw, n);
		b->p[b->len + 1 + n] = '"';
		b->len += n + 2;
		b->p[b->len] = '\0';
	} else {
		glow_jw_value(w, doc, t);
	}
}

static void
write_fields(struct glow_jw *w, const struct fields *fs, int view,
    struct glow_buf *scratch)
{
	const struct slot *sl;
	size_t u;
	int f;

	glow_jw_object(w);
	for (f = 0; f < GLOW_RF_COUNT; f++) {
		if (view == GLOW_ROSTER_PUBLIC && !public_field[f])
			continue;
		sl = &fs->slot[f];
		put_key(w, f);
		if (f == GLOW_RF_HANDLE || f == GLOW_RF_COHORT) {
			if (sl->tok < 0 && !sl->lit)
				glow_jw_null(w);
			else
				write_trimmed(w, sl, f, scratch);
		} else if (sl->lit) {
			glow_jw_str(w, sl->lit);
		} else if (sl->tok >= 0) {
			put_value(w, sl->doc, sl->tok);
		} else if (f == GLOW_RF_PATH) {
			glow_jw_str(w, glow_roster_paths[0]);
		} else if (f == GLOW_RF_STATE) {
			glow_jw_str(w, glow_roster_states[0]);
		} else if (f == GLOW_RF_STATUS) {
			glow_jw_str(w, glow_roster_statuses[0]);
		} else if (f == GLOW_RF_NOTES) {
			glow_jw_str(w, "");
		} else {
			glow_jw_null(w);
		}
	}
	if (view != GLOW_ROSTER_PUBLIC) {
		for (u = 0; u < fs->nunk; u++) {
			write_key_of(w, fs->unk[u].doc, fs->unk[u].key, scratch);
			glow_jw_value(w, fs->unk[u].doc, fs->unk[u].key + 1);
		}
	}
	glow_jw_end(w);
}

static void
write_learner(const struct glow_roster_learner *l, struct glow_jw *w, int view,
    struct fields *fs, struct glow_buf *scratch)
{
	if (glow_json_type(l->doc, l->tok) != GLOW_JSON_OBJECT ||
	    collect(l->doc, l->tok, fs, scratch, NULL, 0) < 0) {
		glow_jw_value(w, l->doc, l->tok);
		return;
	}
	write_fields(w, fs, view, scratch);
}

static void
write_cohort(struct glow_jw *w, const struct glow_roster_cohort *c, int view,
    struct fields *fs, struct glow_buf *scratch)
{
	size_t u;
	int f;

	if (glow_json_type(c->doc, c->tok) != GLOW_JSON_OBJECT ||
	    collect(c->doc, c->tok, fs, scratch, cohort_fields, 3) < 0) {
		glow_jw_value(w, c->doc, c->tok);
		return;
	}
	glow_jw_object(w);
	for (f = 0; f < 3; f++) {
		if (fs->slot[f].tok < 0 || (view == GLOW_ROSTER_PUBLIC && f == 2))
			continue;
		glow_jw_key(w, cohort_fields[f]);
		if (f == 0)
			write_trimmed(w, &fs->slot[f], GLOW_RF_COHORT, scratch);
		else
			glow_jw_value(w, fs->slot[f].doc, fs->slot[f].tok);
	}
	if (view != GLOW_ROSTER_PUBLIC) {
		for (u = 0; u < fs->nunk; u++) {
			write_key_of(w, fs->unk[u].doc, fs->unk[u].key, scratch);
			glow_jw_value(w, fs->unk[u].doc, fs->unk[u].key + 1);
		}
	}
	glow_jw_end(w);
}

/* Hand out's bytes to fd once there are many: memory stays small. */
static int
flush(struct glow_buf *out, int fd, size_t over)
{
	if (fd < 0 || out->len < over || out->failed)
		return 0;
	if (glow_write_all(fd, out->p, out->len) < 0)
		return -1;
	out->len = 0;
	return 0;
}

static int
write_roster(struct glow_roster *r, struct glow_buf *out, int fd, int view,
    const unsigned char *keep, const char *now)
{
	struct glow_jw w;
	struct fields fs;
	struct glow_buf scratch = GLOW_BUF_INIT;
	char clock[25];
	size_t i;
	int rc = 0;

	memset(&fs, 0, sizeof fs);
	glow_roster_sort(r);
	if (r->dirty || !r->generated_at[0]) {
		if (!now) {
			glow_now(clock, NULL);
			now = clock;
		}
		snprintf(r->generated_at, sizeof r->generated_at, "%s", now);
	}
	/* one allocation, not twenty */
	if (!out->p)
		glow_buf_reserve(out, fd >= 0 ? (1 << 20) + 65536 :
		    r->doc.len + r->doc.len / 8 + 4096);
	glow_jw_init(&w, out, 2);
	if (view == GLOW_ROSTER_LEARNERS) {
		glow_jw_array(&w);
		goto learners;
	}
	glow_jw_object(&w);
	glow_jw_key(&w, "version");
	glow_jw_int(&w, 1);
	glow_jw_key(&w, "generated_at");
	glow_jw_str(&w, r->generated_at);
	glow_jw_key(&w, "cohorts");
	glow_jw_array(&w);
	for (i = 0; i < r->ncohort; i++)
		write_cohort(&w, &r->cohort[i], view, &fs, &scratch);
	glow_jw_end(&w);
	glow_jw_key(&w, "learners");
	glow_jw_array(&w);
learners:
	for (i = 0; i < r->nlearner && rc == 0; i++) {
		if (!keep || keep[i])
			write_learner(&r->learner[i], &w,
			    view == GLOW_ROSTER_PUBLIC ? view : GLOW_ROSTER_CANONICAL,
			    &fs, &scratch);
		rc = flush(out, fd, 1 << 20);
	}
	glow_jw_end(&w);
	if (view == GLOW_ROSTER_CANONICAL) {
		for (i = 0; i < r->nextra; i++) {
			write_key_of(&w, &r->doc, r->extra[i], &scratch);
			glow_jw_value(&w, &r->doc, r->extra[i] + 1);
		}
	}
	if (view != GLOW_ROSTER_LEARNERS)
		glow_jw_end(&w);
	glow_buf_addc(out, '\n');
	free(fs.unk);
	glow_buf_free(&scratch);
	if (out->failed) {
		errno = ENOMEM;
		return -1;
	}
	if (rc == 0)
		rc = flush(out, fd, 0);
	return rc;
}

int
glow_roster_write(struct glow_roster *r, struct glow_buf *out, int view,
    const unsigned char *keep, const char *now)
{
	return write_roster(r, out, -1, view, keep, now);
}

int
glow_roster_write_fd(struct glow_roster *r, int fd, int view,
    const unsigned char *keep, const char *now)
{
	struct glow_buf out = GLOW_BUF_INIT;
	int rc = write_roster(r, &out, fd, view, keep, now);

	glow_buf_free(&out);
	return rc;
}

/* Reading one field. */

const char *
glow_roster_get(const struct glow_roster *r, size_t i, enum glow_roster_field f,
    struct glow_buf *scratch, size_t *n)
{
	const struct glow_roster_learner *l = &r->learner[i];
	const char *s = NULL;
	int k, t = -1;

	if (glow_json_type(l->doc, l->tok) != GLOW_JSON_OBJECT)
		return NULL;
	for (k = glow_json_first(l->doc, l->tok); k >= 0; k = glow_json_next(l->doc, k))
		if (classify(l->doc, k, scratch) == (int)f)
			t = k + 1;
	if (t < 0) {
		switch (f) {
		case GLOW_RF_PATH:
			s = glow_roster_paths[0];
			break;
		case GLOW_RF_STATE:
			s = glow_roster_states[0];
			break;
		case GLOW_RF_STATUS:
			s = glow_roster_statuses[0];
			break;
		case GLOW_RF_NOTES:
			s = "";
			break;
		default:
			return NULL;
		}
		*n = strlen(s);
		return s;
	}
	if (!(s = strval(l->doc, t, scratch, n)))
		return NULL;
	if (f == GLOW_RF_HANDLE && *n && s[0] == '@')
		s++, (*n)--;
	else if (f == GLOW_RF_COHORT)
		s = glow_roster_trim(s, *n, n);
	return s;
}

/* Changing learners. */

static int
same_name(const struct glow_json *a, int ka, const struct glow_json *b, int kb,
    struct glow_buf *s1, struct glow_buf *s2)
{
	const char *x, *y;
	size_t xn, yn;

	x = strval(a, ka, s1, &xn);
	y = strval(b, kb, s2, &yn);
	return x && y && xn == yn && memcmp(x, y, xn) == 0;
}

/* Render fields compactly (the form stored and compared). */
static int
render(const struct fields *fs, struct glow_buf *out, struct glow_buf *scratch)
{
	struct glow_jw w;

	glow_buf_reset(out);
	glow_jw_init(&w, out, 0);
	write_fields(&w, fs, GLOW_ROSTER_CANONICAL, scratch);
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

	fields_clear(m);
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
		if (unk_add(m, src->doc, src->key) < 0)
			return -1;
	}
	for (b = 0; b < in->nunk; b++) {
		for (a = 0; a < ex->nunk; a++)
			if (same_name(ex->unk[a].doc, ex->unk[a].key,
			    in->unk[b].doc, in->unk[b].key, s1, s2))
				break;
		if (a == ex->nunk && unk_add(m, in->unk[b].doc, in->unk[b].key) < 0)
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
	ok = check_learner(doc, obj, &wk->in, &wk->s1, &p);
	glow_buf_free(&tmp);
	if (!ok || nprob) {
		errno = EINVAL;
		goto out;
	}
	h = strval(doc, wk->in.slot[GLOW_RF_HANDLE].tok, &wk->s1, &hn);
	c = strval(doc, wk->in.slot[GLOW_RF_COHORT].tok, &wk->s2, &cn);
	glow_buf_reset(&wk->a);
	glow_roster_key(&wk->a, h, hn, c, cn);
	if (wk->a.failed)
		goto nomem;
	i = find_at(r, wk->a.p, wk->a.len, &at);
	if (i < 0) {
		char *key = pool_copy(r, wk->a.p, wk->a.len);
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
		    !(nd = part_new(r, wk->b.p, wk->b.len)) ||
		    learner_add(r, nd, 0, r->nextpos) < 0)
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
	if (collect(r->learner[i].doc, r->learner[i].tok, &wk->ex, &wk->s1, NULL, 0) < 0 ||
	    merge(&wk->m, &wk->ex, &wk->in, &wk->s1, &wk->s2) < 0 ||
	    render(&wk->ex, &wk->a, &wk->s3) < 0 ||
	    render(&wk->m, &wk->b, &wk->s3) < 0)
		goto nomem;
	if (wk->a.len == wk->b.len && memcmp(wk->a.p, wk->b.p, wk->a.len) == 0) {
		rc = GLOW_ROSTER_UNCHANGED;
		goto out;
	}
	if (!(nd = part_new(r, wk->b.p, wk->b.len)))
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
	prefix_learner(&pre, r->learner[i].pos, r->learner[i].key, r->learner[i].keylen);
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
		if (!(s = strval(r->cohort[i].doc, t, &scratch, &sn)))
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
	if (b.failed || !(d = part_new(r, b.p, b.len))) {
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
	if ((lockfd = glow_lock(path)) < 0) {
		st->stage = GLOW_ROSTER_ELOCK;
		st->errnum = errno;
		return -1;
	}
	if (glow_read_file(path, &in, (size_t)1 << 30) < 0) {
		if (errno != ENOENT || !(flags & GLOW_ROSTER_CREATE)) {
			st->stage = GLOW_ROSTER_EREAD;
			st->errnum = errno;
			goto out;
		}
		glow_buf_free(&in);
		text = starter;
		len = sizeof starter - 1;
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
	if (out.len != len || memcmp(out.p, text, len) != 0 || text == starter) {
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
