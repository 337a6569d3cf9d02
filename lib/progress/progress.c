/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "progress/progress.h"

static const char *const status_names[] = {
	"awaiting-ack", "active-day1", "day1-complete", "day2-released",
	"needs-info"
};

static const char *const signal_names[GLOW_SIG_COUNT] = {
	"label:needs-info", "label:day2-released", "label:day1-complete",
	"comment:day1-complete", "path:day2-only", "label:acked",
	"comment:ack", "challenge"
};

const char *
glow_progress_status_name(int status)
{
	if (status < 0 || status > GLOW_PROGRESS_NEEDS_INFO)
		return NULL;
	return status_names[status];
}

int
glow_progress_status_parse(const char *s, size_t n)
{
	int i;

	for (i = 0; i <= GLOW_PROGRESS_NEEDS_INFO; i++)
		if (strlen(status_names[i]) == n && memcmp(s, status_names[i], n) == 0)
			return i;
	return -1;
}

int
glow_progress_may_move(int from, int to)
{
	if (from < 0 || from == GLOW_PROGRESS_NEEDS_INFO ||
	    to == GLOW_PROGRESS_NEEDS_INFO)
		return 1;
	return to >= from;
}

const char *
glow_progress_signal_name(unsigned bit)
{
	int i;

	for (i = 0; i < GLOW_SIG_COUNT; i++)
		if (bit == 1u << i)
			return signal_names[i];
	return NULL;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* [a-z0-9-] after ASCII folding: what may not touch a token. */
static int
tokenchar(int c)
{
	c = lower(c);
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int
alnum(int c)
{
	c = lower(c);
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Does text[i..] start with word (lower case), ASCII case-insensitive? */
static int
at_word(const char *text, size_t n, size_t i, const char *word, size_t wl)
{
	size_t k;

	if (n - i < wl)
		return 0;
	for (k = 0; k < wl; k++)
		if (lower((unsigned char)text[i + k]) != word[k])
			return 0;
	return 1;
}

int
glow_progress_has_token(const char *text, size_t n, const char *word)
{
	size_t wl = strlen(word), i;

	if (wl == 0 || n < wl)
		return 0;
	for (i = 0; i + wl <= n; i++) {
		if (!at_word(text, n, i, word, wl))
			continue;
		if (i > 0 && tokenchar((unsigned char)text[i - 1]))
			continue;
		if (i + wl < n && tokenchar((unsigned char)text[i + wl]))
			continue;
		return 1;
	}
	return 0;
}

/* Read 1 to 9 digits at text[*i]; -1 if there are none or more. */
static long
number_at(const char *text, size_t n, size_t *i)
{
	size_t start = *i;
	long v = 0;

	while (*i < n && digit((unsigned char)text[*i])) {
		if (*i - start == 9)
			return -1;
		v = v * 10 + (text[*i] - '0');
		(*i)++;
	}
	return *i == start ? -1 : v;
}

long
glow_progress_challenge(const char *title, size_t n)
{
	static const char word[] = "challenge";
	size_t wl = sizeof word - 1, i, j;
	long v;

	for (i = 0; i + wl <= n; i++) {
		if (!at_word(title, n, i, word, wl))
			continue;
		if (i > 0 && alnum((unsigned char)title[i - 1]))
			continue;
		j = i + wl;
		if (j >= n || !blank((unsigned char)title[j]))
			continue;
		while (j < n && blank((unsigned char)title[j]))
			j++;
		if ((v = number_at(title, n, &j)) >= 0)
			return v;
	}
	return -1;
}

static const char *const closing_words[] = {
	"close", "closes", "closed", "fix", "fixes", "fixed",
	"resolve", "resolves", "resolved"
};

static int
closing_word(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < sizeof closing_words / sizeof closing_words[0]; k++)
		if (strlen(closing_words[k]) == n &&
		    at_word(s, n, 0, closing_words[k], n))
			return 1;
	return 0;
}

size_t
glow_progress_closing_refs(const char *body, size_t n, long *refs, size_t max)
{
	size_t i = 0, j, count = 0;
	long v;

	while (i < n) {
		/* A run of letters that starts a token. */
		if (!alnum((unsigned char)body[i]) ||
		    (i > 0 && tokenchar((unsigned char)body[i - 1]))) {
			i++;
			continue;
		}
		j = i;
		while (j < n && alnum((unsigned char)body[j]))
			j++;
		if (!closing_word(body + i, j - i) || j >= n ||
		    !blank((unsigned char)body[j])) {
			i = j;
			continue;
		}
		while (j < n && blank((unsigned char)body[j]))
			j++;
		if (j < n && body[j] == '#') {
			j++;
			v = number_at(body, n, &j);
			if (v >= 0 && (j == n || !(alnum((unsigned char)body[j]) ||
			    body[j] == '_'))) {
				if (count < max)
					refs[count] = v;
				count++;
			}
		}
		i = j;
	}
	return count;
}

int
glow_progress_is_timestamp(const char *s, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	if (n < 20 || n > 39)
		return 0;
	for (i = 0; i < 19; i++)
		if (shape[i] == 'd' ? !digit((unsigned char)s[i]) : s[i] != shape[i])
			return 0;
	if (s[19] == '.') {
		for (i = 20; i < n - 1; i++)
			if (!digit((unsigned char)s[i]))
				return 0;
		if (n == 21)
			return 0;
	} else if (n != 20)
		return 0;
	return s[n - 1] == 'Z';
}

int
glow_progress_timecmp(const char *a, const char *b)
{
	int c = memcmp(a, b, 19);
	const char *fa = a + 19, *fb = b + 19;

	if (c)
		return c;
	/* Fractions: ".5Z" and "Z" compare as digits, a missing one as 0. */
	if (*fa == '.')
		fa++;
	if (*fb == '.')
		fb++;
	while (digit((unsigned char)*fa) || digit((unsigned char)*fb)) {
		int da = digit((unsigned char)*fa) ? *fa++ : '0';
		int db = digit((unsigned char)*fb) ? *fb++ : '0';

		if (da != db)
			return da - db;
	}
	return 0;
}

/* The derivation. */

struct issue_ref {
	long number;
	long challenge;
};

struct ctx {
	const struct glow_json *doc;
	struct glow_progress *out;
	const char *why;
	struct glow_buf s;      /* scratch: one decoded string */
	char *handle;           /* without '@'; NULL if unknown */
	struct issue_ref *refs; /* issues that name a challenge */
	size_t nrefs, caprefs;
	size_t capch;
};

static int
fail(struct ctx *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return -1;
}

/* A member that is absent or null counts as absent. */
static int
member(struct ctx *c, int obj, const char *key)
{
	int i = glow_json_get(c->doc, obj, key);

	return glow_json_type(c->doc, i) == GLOW_JSON_NULL ? -1 : i;
}

/* Decode the string member key of obj into c->s: 1 present, 0 absent. */
static int
string_member(struct ctx *c, int obj, const char *key, const char *why)
{
	int i = member(c, obj, key);

	glow_buf_reset(&c->s);
	if (i < 0)
		return 0;
	if (glow_json_type(c->doc, i) != GLOW_JSON_STRING)
		return fail(c, why);
	glow_json_string(c->doc, i, &c->s);
	glow_buf_add(&c->s, "", 0);     /* p is a C string even when empty */
	if (c->s.failed)
		return fail(c, "out of memory");
	return 1;
}

static int
array_member(struct ctx *c, int obj, const char *key, const char *why)
{
	int i = member(c, obj, key);

	if (i >= 0 && glow_json_type(c->doc, i) != GLOW_JSON_ARRAY)
		return fail(c, why), -2;
	return i;
}

static void
note_time(struct ctx *c, int obj, const char *key)
{
	int i = member(c, obj, key);
	const char *raw;
	size_t n;

	if (glow_json_type(c->doc, i) != GLOW_JSON_STRING)
		return;
	raw = glow_json_raw(c->doc, i, &n);     /* timestamps need no escapes */
	if (!glow_progress_is_timestamp(raw, n))
		return;
	if (c->out->last_signal_at[0] == '\0' ||
	    glow_progress_timecmp(raw, c->out->last_signal_at) > 0) {
		memcpy(c->out->last_signal_at, raw, n);
		c->out->last_signal_at[n] = '\0';
	}
}

static int
add_challenge(struct ctx *c, long v)
{
	struct glow_progress *p = c->out;
	long *np;
	size_t k;

	for (k = 0; k < p->nchallenges; k++)
		if (p->challenges[k] == v)
			return 0;
	if (p->nchallenges == c->capch) {
		c->capch = c->capch ? c->capch * 2 : 8;
		if (!(np = realloc(p->challenges, c->capch * sizeof *np)))
			return fail(c, "out of memory");
		p->challenges = np;
	}
	p->challenges[p->nchallenges++] = v;
	p->signals |= GLOW_SIG_CHALLENGE;
	return 0;
}

static int
ieq(const char *a, size_t n, const char *b)
{
	return strlen(b) == n && at_word(a, n, 0, b, n);
}

/* One label (a string, or an object with "name"); open: is its issue open? */
static int
label(struct ctx *c, int i, int open)
{
	int t = glow_json_type(c->doc, i);

	if (t == GLOW_JSON_OBJECT) {
		if (string_member(c, i, "name", "label name is not a string") <= 0)
			return c->why ? -1 : 0;
	} else if (t == GLOW_JSON_STRING) {
		glow_buf_reset(&c->s);
		glow_json_string(c->doc, i, &c->s);
		glow_buf_add(&c->s, "", 0);
		if (c->s.failed)
			return fail(c, "out of memory");
	} else
		return fail(c, "label is not a string");
	if (ieq(c->s.p, c->s.len, "acked"))
		c->out->signals |= GLOW_SIG_ACKED_LABEL;
	else if (ieq(c->s.p, c->s.len, "day1-complete"))
		c->out->signals |= GLOW_SIG_DAY1_LABEL;
	else if (ieq(c->s.p, c->s.len, "day2-released"))
		c->out->signals |= GLOW_SIG_DAY2_LABEL;
	else if (ieq(c->s.p, c->s.len, "needs-info") && open)
		c->out->signals |= GLOW_SIG_NEEDS_INFO_LABEL;
	return 0;
}

static int
labels(struct ctx *c, int obj, int open)
{
	int a = array_member(c, obj, "labels", "'labels' is not an array"), v;

	if (a == -2)
		return -1;
	for (v = glow_json_first(c->doc, a); v >= 0; v = glow_json_next(c->doc, v))
		if (label(c, v, open) < 0)
			return -1;
	return 0;
}

static int
is_pull(struct ctx *c, int obj)
{
	int i = member(c, obj, "pull_request");

	return i >= 0 && glow_json_type(c->doc, i) != GLOW_JSON_FALSE;
}

/* 1 closed, 0 open, -1 malformed.  Without a state, a closing time says closed. */
static int
is_closed(struct ctx *c, int obj)
{
	int r = string_member(c, obj, "state", "state is not a string");

	if (r < 0)
		return -1;
	if (r)
		return ieq(c->s.p, c->s.len, "closed");
	return glow_json_type(c->doc, member(c, obj, "closed_at")) ==
	    GLOW_JSON_STRING;
}

static int
issue(struct ctx *c, int obj)
{
	long long number = -1;
	long ch = -1;
	int i, closed, pull = is_pull(c, obj), r;
	struct issue_ref *nr;

	if (glow_json_type(c->doc, obj) != GLOW_JSON_OBJECT)
		return fail(c, "issue is not an object");
	if ((i = member(c, obj, "number")) >= 0 &&
	    glow_json_int(c->doc, i, &number) < 0)
		return fail(c, "issue number is not an integer");
	if ((closed = is_closed(c, obj)) < 0 || labels(c, obj, !closed) < 0)
		return -1;
	if (pull)
		return 0;
	if ((r = string_member(c, obj, "title", "issue title is not a string")) < 0)
		return -1;
	if (r == 0 || (ch = glow_progress_challenge(c->s.p, c->s.len)) < 0)
		return 0;
	if ((r = string_member(c, obj, "state_reason",
	    "issue state_reason is not a string")) < 0)
		return -1;
	if (closed && !(r && ieq(c->s.p, c->s.len, "not_planned"))) {
		if (add_challenge(c, ch) < 0)
			return -1;
		note_time(c, obj, "closed_at");
	}
	if (number < 0 || number > 0x7fffffffL)
		return 0;
	if (c->nrefs == c->caprefs) {
		c->caprefs = c->caprefs ? c->caprefs * 2 : 16;
		if (!(nr = realloc(c->refs, c->caprefs * sizeof *nr)))
			return fail(c, "out of memory");
		c->refs = nr;
	}
	c->refs[c->nrefs].number = (long)number;
	c->refs[c->nrefs].challenge = ch;
	c->nrefs++;
	return 0;
}

/* Is the author of obj (user: a login, or an object with "login") the learner? */
static int
by_learner(struct ctx *c, int obj)
{
	int u = member(c, obj, "user"), r;

	if (u < 0)
		return 1;
	if (glow_json_type(c->doc, u) == GLOW_JSON_OBJECT) {
		if ((r = string_member(c, u, "login", "user login is not a string")) < 0)
			return -1;
		if (r == 0)
			return 1;
	} else if (glow_json_type(c->doc, u) == GLOW_JSON_STRING) {
		glow_buf_reset(&c->s);
		glow_json_string(c->doc, u, &c->s);
		glow_buf_add(&c->s, "", 0);
		if (c->s.failed)
			return fail(c, "out of memory");
	} else
		return fail(c, "comment user is not a string");
	return c->handle && ieq(c->s.p, c->s.len, c->handle);
}

static int
comment(struct ctx *c, int obj)
{
	int r;

	if (glow_json_type(c->doc, obj) != GLOW_JSON_OBJECT)
		return fail(c, "comment is not an object");
	if ((r = by_learner(c, obj)) <= 0)
		return r;
	if (string_member(c, obj, "body", "comment body is not a string") < 0)
		return -1;
	if (glow_progress_has_token(c->s.p, c->s.len, "ack"))
		c->out->signals |= GLOW_SIG_ACK_WORD;
	if (glow_progress_has_token(c->s.p, c->s.len, "day1-complete"))
		c->out->signals |= GLOW_SIG_DAY1_WORD;
	note_time(c, obj, "created_at");
	return 0;
}

static int
pull(struct ctx *c, int obj)
{
	long few[64], *refs = few;
	size_t n, k, m;
	int merged, i, completed = 0, rc = 0;

	if (glow_json_type(c->doc, obj) != GLOW_JSON_OBJECT)
		return fail(c, "pull request is not an object");
	i = member(c, obj, "merged_at");
	merged = glow_json_type(c->doc, i) == GLOW_JSON_STRING ||
	    glow_json_type(c->doc, member(c, obj, "merged")) == GLOW_JSON_TRUE;
	/* A pull request's own labels, if given. */
	if ((i = is_closed(c, obj)) < 0 || labels(c, obj, !i) < 0)
		return -1;
	if (!merged)
		return 0;
	if (string_member(c, obj, "body", "pull request body is not a string") < 0)
		return -1;
	n = glow_progress_closing_refs(c->s.p, c->s.len, refs, 64);
	if (n > 64) {
		if (!(refs = calloc(n, sizeof *refs)))
			return fail(c, "out of memory");
		glow_progress_closing_refs(c->s.p, c->s.len, refs, n);
	}
	for (k = 0; k < n && rc == 0; k++)
		for (m = 0; m < c->nrefs && rc == 0; m++)
			if (c->refs[m].number == refs[k]) {
				rc = add_challenge(c, c->refs[m].challenge);
				completed = 1;
			}
	if (refs != few)
		free(refs);
	if (completed && rc == 0)
		note_time(c, obj, "merged_at");
	return rc;
}

static int
each(struct ctx *c, int obj, const char *key, const char *why,
    int (*fn)(struct ctx *, int))
{
	int a = array_member(c, obj, key, why), v;

	if (a == -2)
		return -1;
	for (v = glow_json_first(c->doc, a); v >= 0; v = glow_json_next(c->doc, v))
		if (fn(c, v) < 0)
			return -1;
	return 0;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static int
make_key(struct ctx *c, int obj)
{
	struct glow_buf k = GLOW_BUF_INIT;
	size_t a, b;
	int r;

	if ((r = string_member(c, obj, "key", "key is not a string")) < 0)
		return -1;
	if (r) {
		c->out->key = strdup(c->s.p);
		return c->out->key ? 0 : fail(c, "out of memory");
	}
	if (!c->handle)
		return fail(c, "snapshot has no key and no github_handle");
	if ((r = string_member(c, obj, "cohort_id", "cohort_id is not a string")) <= 0)
		return r < 0 ? -1 : fail(c, "snapshot has no key and no cohort_id");
	for (a = 0; a < c->s.len && strchr(" \t\r\n", c->s.p[a]); a++)
		;
	for (b = c->s.len; b > a && strchr(" \t\r\n", c->s.p[b - 1]); b--)
		;
	glow_buf_adds(&k, c->handle);
	glow_buf_adds(&k, "@@");
	glow_buf_add(&k, c->s.p + a, b - a);
	if (k.failed || memchr(k.p, '\0', k.len)) {
		glow_buf_free(&k);
		return fail(c, k.failed ? "out of memory" : "cohort_id holds a NUL");
	}
	c->out->key = k.p;
	return 0;
}

int
glow_progress_derive(const struct glow_json *doc, int obj,
    struct glow_progress *out, const char **why)
{
	struct ctx c;
	const char *h;
	unsigned bit;
	int r, rc = -1;
	char *q;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.doc = doc;
	c.out = out;
	if (glow_json_type(doc, obj) != GLOW_JSON_OBJECT) {
		fail(&c, "snapshot is not an object");
		goto done;
	}
	if ((r = string_member(&c, obj, "github_handle",
	    "github_handle is not a string")) < 0)
		goto done;
	if (r) {
		h = c.s.p;
		while (*h == '@')
			h++;
		if (!(c.handle = strdup(h))) {
			fail(&c, "out of memory");
			goto done;
		}
		for (q = c.handle; *q; q++)
			*q = (char)lower((unsigned char)*q);
	}
	if (make_key(&c, obj) < 0)
		goto done;
	if ((r = string_member(&c, obj, "path", "path is not a string")) < 0)
		goto done;
	if (r && ieq(c.s.p, c.s.len, "day2-only"))
		out->signals |= GLOW_SIG_DAY2_ONLY_PATH;
	if (labels(&c, obj, 1) < 0 ||
	    each(&c, obj, "issues", "'issues' is not an array", issue) < 0 ||
	    each(&c, obj, "comments", "'comments' is not an array", comment) < 0 ||
	    each(&c, obj, "pulls", "'pulls' is not an array", pull) < 0)
		goto done;
	if (out->nchallenges > 1)
		qsort(out->challenges, out->nchallenges, sizeof *out->challenges,
		    cmp_long);
	for (bit = 1; bit < 1u << GLOW_SIG_COUNT; bit <<= 1)
		if (out->signals & bit) {
			out->rule = bit;
			break;
		}
	switch (out->rule) {
	case GLOW_SIG_NEEDS_INFO_LABEL:
		out->status = GLOW_PROGRESS_NEEDS_INFO;
		break;
	case GLOW_SIG_DAY2_LABEL:
		out->status = GLOW_PROGRESS_DAY2_RELEASED;
		break;
	case GLOW_SIG_DAY1_LABEL:
	case GLOW_SIG_DAY1_WORD:
	case GLOW_SIG_DAY2_ONLY_PATH:
		out->status = GLOW_PROGRESS_DAY1_COMPLETE;
		break;
	case GLOW_SIG_ACKED_LABEL:
	case GLOW_SIG_ACK_WORD:
	case GLOW_SIG_CHALLENGE:
		out->status = GLOW_PROGRESS_ACTIVE_DAY1;
		break;
	default:
		out->status = GLOW_PROGRESS_AWAITING_ACK;
	}
	rc = 0;
done:
	if (why)
		*why = c.why;
	glow_buf_free(&c.s);
	free(c.handle);
	free(c.refs);
	return rc;
}

void
glow_progress_free(struct glow_progress *p)
{
	free(p->key);
	free(p->challenges);
	p->key = NULL;
	p->challenges = NULL;
	p->nchallenges = 0;
}

void
glow_progress_write(struct glow_jw *w, const struct glow_progress *p)
{
	unsigned bit;
	size_t k;

	glow_jw_object(w);
	glow_jw_key(w, "key");
	glow_jw_str(w, p->key ? p->key : "");
	glow_jw_key(w, "status");
	glow_jw_str(w, glow_progress_status_name(p->status));
	glow_jw_key(w, "last_signal_at");
	if (p->last_signal_at[0])
		glow_jw_str(w, p->last_signal_at);
	else
		glow_jw_null(w);
	glow_jw_key(w, "evidence");
	glow_jw_object(w);
	glow_jw_key(w, "rule");
	if (p->rule)
		glow_jw_str(w, glow_progress_signal_name(p->rule));
	else
		glow_jw_null(w);
	glow_jw_key(w, "signals");
	glow_jw_array(w);
	for (bit = 1; bit < 1u << GLOW_SIG_COUNT; bit <<= 1)
		if (p->signals & bit)
			glow_jw_str(w, glow_progress_signal_name(bit));
	glow_jw_end(w);
	glow_jw_key(w, "challenges");
	glow_jw_array(w);
	for (k = 0; k < p->nchallenges; k++)
		glow_jw_int(w, p->challenges[k]);
	glow_jw_end(w);
	glow_jw_end(w);
	glow_jw_end(w);
}
