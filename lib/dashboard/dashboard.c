/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/isotime.h"
#include "dashboard/dashboard.h"
#include "progress/progress.h"
#include "provision/provision.h"

static const char *const inv_names[] = {
	"unknown", "sent", "pending", "expired", "none", "accepted"
};

const char *
glow_dash_inv_name(int inv)
{
	if (inv < 0 || inv > GLOW_DASH_INV_ACCEPTED)
		return NULL;
	return inv_names[inv];
}

int
glow_dash_inv_parse(const char *s, size_t n)
{
	int k;

	if (n == 7 && !memcmp(s, "renewed", 7))
		return GLOW_DASH_INV_PENDING;
	for (k = GLOW_DASH_INV_PENDING; k <= GLOW_DASH_INV_ACCEPTED; k++)
		if (strlen(inv_names[k]) == n && !memcmp(inv_names[k], s, n))
			return k;
	return -1;
}

int
glow_dash_init(struct glow_dash *d, struct glow_roster *r)
{
	size_t i, n;
	const char *v;

	memset(d, 0, sizeof *d);

	d->r = r;
	glow_roster_sort(r);
	if (r->nlearner && !(d->info = calloc(r->nlearner, sizeof *d->info))) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < r->nlearner; i++) {
		v = glow_roster_get(r, i, GLOW_RF_SIGNAL, &d->scratch, &n);
		if (v && n < sizeof d->info[i].signal_at) {
			memcpy(d->info[i].signal_at, v, n);
			d->info[i].signal_at[n] = '\0';
		}
	}
	return 0;
}

void
glow_dash_free(struct glow_dash *d)
{
	size_t i;

	if (d->info)
		for (i = 0; i < d->r->nlearner; i++)
			free(d->info[i].error_detail);
	free(d->info);
	glow_buf_free(&d->scratch);
	memset(d, 0, sizeof *d);
}

/* Copy string member key of obj into dst (size bytes); 0 if it is one. */
static int
member(const struct glow_json *doc, int obj, const char *key, char *dst,
    size_t size)
{
	int v = glow_json_get(doc, obj, key);
	struct glow_buf b = GLOW_BUF_INIT;
	int rc = -1;

	dst[0] = '\0';
	if (v < 0 || glow_json_type(doc, v) != GLOW_JSON_STRING)
		return -1;
	if (glow_json_string(doc, v, &b) >= 0 && !b.failed && b.len < size &&
	    !memchr(glow_buf_str(&b), '\0', b.len)) {
		memcpy(dst, glow_buf_str(&b), b.len + 1);
		rc = 0;
	}
	glow_buf_free(&b);
	return rc;
}

/* The learner a record names (github_handle, cohort_id), or -1. */
static long
record_learner(struct glow_dash *d, const struct glow_json *doc, int obj)
{
	int h = glow_json_get(doc, obj, "github_handle");
	int c = glow_json_get(doc, obj, "cohort_id");
	struct glow_buf hb = GLOW_BUF_INIT, cb = GLOW_BUF_INIT;
	long i = -1;

	if (glow_json_string(doc, h, &hb) >= 0 &&
	    glow_json_string(doc, c, &cb) >= 0 && !hb.failed && !cb.failed) {
		glow_buf_reset(&d->scratch);
		glow_roster_key(&d->scratch, glow_buf_str(&hb), hb.len,
		    glow_buf_str(&cb), cb.len);
		if (!d->scratch.failed)
			i = glow_roster_find(d->r, d->scratch.p, d->scratch.len);
	}
	glow_buf_free(&hb);
	glow_buf_free(&cb);
	return i;
}

/* Whether text holds nothing but white space: an empty log or snapshot. */
static int
blank(const char *text, size_t len)
{
	size_t k;

	for (k = 0; k < len; k++)
		if (text[k] != ' ' && text[k] != '\t' && text[k] != '\n' &&
		    text[k] != '\r')
			return 0;
	return 1;
}

static int
log_record(const struct glow_json *doc, int obj, void *arg)
{
	struct glow_dash *d = arg;
	struct glow_dash_info *f;
	char at[40], inv[16];
	long i = record_learner(d, doc, obj);
	int v;

	if (i < 0) {
		d->nlog_unknown++;
		return 0;
	}
	d->nlog++;
	f = &d->info[i];
	if (member(doc, obj, "attempt_at", at, sizeof at) < 0 ||
	    glow_time_parse(at, strlen(at)) < 0)
		at[0] = '\0';
	/* The log is appended in time order: a later line is a later attempt. */
	if (at[0])
		memcpy(f->attempt_at, at, sizeof at);
	member(doc, obj, "result", f->result, sizeof f->result);
	free(f->error_detail);
	f->error_detail = NULL;
	v = glow_json_get(doc, obj, "error_detail");
	if (v >= 0 && glow_json_type(doc, v) == GLOW_JSON_STRING)
		f->error_detail = glow_json_strdup(doc, v);
	if (member(doc, obj, "invitation", inv, sizeof inv) < 0)
		return 0;       /* an attempt that did not reach the invitation */
	if (!strcmp(inv, "collaborator")) {
		f->log_inv = GLOW_DASH_INV_ACCEPTED;
		f->sent_at[0] = '\0';
	} else if (!strcmp(inv, "invited") || !strcmp(inv, "renewed")) {
		f->log_inv = GLOW_DASH_INV_SENT;
		memcpy(f->sent_at, at, sizeof at);
	} else if (!strcmp(inv, "pending")) {
		/* An invitation sent before, still open: keep its first time. */
		if (f->log_inv != GLOW_DASH_INV_SENT || !f->sent_at[0])
			memcpy(f->sent_at, at, sizeof at);
		f->log_inv = GLOW_DASH_INV_SENT;
	}
	return 0;
}

int
glow_dash_read_log(struct glow_dash *d, const char *text, size_t len,
    struct glow_json_error *err)
{
	if (blank(text, len))
		return 0;       /* an empty log */
	return glow_plog_read(text, len, log_record, d, NULL, err);
}

static int
snap_record(const struct glow_json *doc, int obj, void *arg)
{
	struct glow_dash *d = arg;
	struct glow_dash_info *f;
	char inv[16], at[40];
	long i = record_learner(d, doc, obj);
	int k;

	if (i < 0)
		return 0;
	if (member(doc, obj, "invitation", inv, sizeof inv) < 0 ||
	    (k = glow_dash_inv_parse(inv, strlen(inv))) < 0)
		return 0;
	d->nsnap++;
	f = &d->info[i];
	f->snap_inv = k;
	if (member(doc, obj, "created_at", at, sizeof at) < 0 ||
	    glow_time_parse(at, strlen(at)) < 0)
		at[0] = '\0';
	memcpy(f->snap_at, at, sizeof at);
	return 0;
}

int
glow_dash_read_snapshot(struct glow_dash *d, const char *text, size_t len,
    struct glow_json_error *err)
{
	if (blank(text, len))
		return 0;
	if (glow_plog_read(text, len, snap_record, d, NULL, err) < 0) {
		if (err->reason && !strcmp(err->reason, "not a provisioning log"))
			err->reason = "not an invitations snapshot";
		return -1;
	}
	return 0;
}

/* --------------------------------------------------------- the learner */

static int
field_is(const struct glow_dash *d, size_t i, enum glow_roster_field f,
    const char *want)
{
	struct glow_buf s = GLOW_BUF_INIT;
	size_t n;
	const char *v = glow_roster_get(d->r, i, f, &s, &n);
	int yes = v && n == strlen(want) && !memcmp(v, want, n);

	glow_buf_free(&s);
	return yes;
}

static int
has_room(const struct glow_dash *d, size_t i)
{
	return field_is(d, i, GLOW_RF_STATE, "provisioned") ||
	    field_is(d, i, GLOW_RF_STATE, "healed");
}

int
glow_dash_invitation(const struct glow_dash *d, size_t i, const char **at)
{
	const struct glow_dash_info *f = &d->info[i];

	if (at)
		*at = "";
	/* Progress is read from the learner's own repository: they are in. */
	if (field_is(d, i, GLOW_RF_STATUS, "active-day1") ||
	    field_is(d, i, GLOW_RF_STATUS, "day1-complete") ||
	    field_is(d, i, GLOW_RF_STATUS, "day2-released"))
		return GLOW_DASH_INV_ACCEPTED;
	if (f->snap_inv != GLOW_DASH_INV_UNKNOWN) {
		if (at)
			*at = f->snap_at;
		return f->snap_inv;
	}
	if (at && f->log_inv == GLOW_DASH_INV_SENT)
		*at = f->sent_at;
	return f->log_inv;
}

enum glow_dash_attn
glow_dash_attention(const struct glow_dash *d, size_t i,
    const struct glow_dash_opts *o, const char **since)
{
	const struct glow_dash_info *f = &d->info[i];
	const char *at = "";
	long long t;
	int inv;

	*since = "";
	if (field_is(d, i, GLOW_RF_STATE, "failed")) {
		*since = f->attempt_at;
		return GLOW_DASH_FAILED;
	}
	inv = has_room(d, i) ? glow_dash_invitation(d, i, &at) :
	    GLOW_DASH_INV_UNKNOWN;
	t = glow_time_parse(at, strlen(at));
	if (inv == GLOW_DASH_INV_EXPIRED || inv == GLOW_DASH_INV_NONE ||
	    (inv == GLOW_DASH_INV_SENT && t >= 0 &&
	    o->now - t > GLOW_DASH_EXPIRY_DAYS * 86400LL)) {
		*since = at;
		return GLOW_DASH_NO_INVITATION;
	}
	if (field_is(d, i, GLOW_RF_STATUS, "needs-info")) {
		*since = f->signal_at;
		return GLOW_DASH_NEEDS_INFO;
	}
	if ((inv == GLOW_DASH_INV_SENT || inv == GLOW_DASH_INV_PENDING) &&
	    t >= 0 && o->now - t > o->days * 86400LL) {
		*since = at;
		return GLOW_DASH_NOT_ACCEPTED;
	}
	return GLOW_DASH_OK;
}

/* ------------------------------------------------------------ rendering */

void
glow_dash_cell(struct glow_buf *out, const char *s, size_t n, size_t max)
{
	size_t k, cut = n;

	if (n > max) {
		cut = max;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	for (k = 0; k < cut; k++) {
		unsigned char c = (unsigned char)s[k];

		switch (c) {
		case '\n': case '\r': case '\t':
			glow_buf_addc(out, ' ');
			break;
		case '<': glow_buf_adds(out, "&lt;"); break;
		case '>': glow_buf_adds(out, "&gt;"); break;
		case '&': glow_buf_adds(out, "&amp;"); break;
		case '@': glow_buf_adds(out, "&#64;"); break;
		case '#': glow_buf_adds(out, "&#35;"); break;
		case '|': case '\\': case '`': case '*': case '_': case '[':
		case ']': case '~': case '!': case '$':
			glow_buf_addc(out, '\\');
			glow_buf_addc(out, (char)c);
			break;
		default:
			if (c >= 0x20 && c != 0x7f)
				glow_buf_addc(out, (char)c);
		}
	}
	if (cut < n)
		glow_buf_adds(out, "...");
}

/* Text for a Mermaid chart: only [A-Za-z0-9 ._-], at most 60 bytes. */
static void
mermaid_text(struct glow_buf *out, const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n && k < 60; k++) {
		char c = s[k];

		glow_buf_addc(out, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == ' ' || c == '.' || c == '_' ||
		    c == '-' ? c : '_');
	}
}

/* 5000 as "5,000". */
static void
count(struct glow_buf *out, size_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%zu", v), k;

	for (k = 0; k < n; k++) {
		if (k && (n - k) % 3 == 0)
			glow_buf_addc(out, ',');
		glow_buf_addc(out, digits[k]);
	}
}

struct cohort {
	const char *id;
	size_t n;
	size_t total;
	size_t state[4];
	size_t status[5];
};

struct row {
	size_t i;
	int attn;
	const char *since;
	const char *cohort;
	size_t cohortlen;
	const char *key;
};

static int
cohort_cmp(const void *a, const void *b)
{
	const struct cohort *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->id, y->id, n);

	return c ? c : (x->n > y->n) - (x->n < y->n);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	size_t n;
	int c;

	if (x->attn != y->attn) {
		if (!x->attn || !y->attn)
			return x->attn ? -1 : 1;
		return x->attn - y->attn;
	}
	if (x->attn) {
		/* the oldest trouble first; an unknown time after known ones */
		if (!*x->since != !*y->since)
			return *x->since ? -1 : 1;
		if (*x->since && (c = strcmp(x->since, y->since)))
			return c;
	}
	n = x->cohortlen < y->cohortlen ? x->cohortlen : y->cohortlen;
	if ((c = memcmp(x->cohort, y->cohort, n)))
		return c;
	if (x->cohortlen != y->cohortlen)
		return x->cohortlen < y->cohortlen ? -1 : 1;
	return strcmp(x->key, y->key);
}

static const char *const attn_text[] = {
	"", "provisioning failed", "no live invitation", "needs info",
	"invitation not accepted"
};

/* The day of an ISO time, or the minute in the private view. */
static void
when(struct glow_buf *out, const char *t, size_t n, int private_view)
{
	if (!t || n < 10) {
		glow_buf_adds(out, "-");
		return;
	}
	if (private_view && n >= 16)
		glow_buf_printf(out, "%.10s %.5sZ", t, t + 11);
	else
		glow_buf_printf(out, "%.10s", t);
}

static void
render_row(struct glow_dash *d, const struct glow_dash_opts *o,
    const struct row *w, struct glow_buf *out)
{
	struct glow_buf s = GLOW_BUF_INIT;
	const struct glow_dash_info *f = &d->info[w->i];
	const char *v, *at;
	size_t n;
	int inv;

	glow_buf_adds(out, "| ");
	v = glow_roster_get(d->r, w->i, GLOW_RF_HANDLE, &s, &n);
	glow_dash_cell(out, v ? v : "", v ? n : 0, 64);
	glow_buf_adds(out, " | ");
	glow_dash_cell(out, w->cohort, w->cohortlen, 64);
	glow_buf_adds(out, " | ");
	v = glow_roster_get(d->r, w->i, GLOW_RF_PATH, &s, &n);
	glow_dash_cell(out, v ? v : "", v ? n : 0, 32);
	glow_buf_adds(out, " | ");
	v = glow_roster_get(d->r, w->i, GLOW_RF_STATE, &s, &n);
	glow_dash_cell(out, v ? v : "", v ? n : 0, 32);
	glow_buf_adds(out, " | ");
	inv = has_room(d, w->i) ? glow_dash_invitation(d, w->i, &at) :
	    GLOW_DASH_INV_UNKNOWN;
	if (inv == GLOW_DASH_INV_UNKNOWN)
		glow_buf_adds(out, "-");
	else if ((inv == GLOW_DASH_INV_SENT || inv == GLOW_DASH_INV_PENDING) &&
	    strlen(at) >= 10)
		/* One spelling for both: the next pass may know the same
		 * invitation from the log only, and must not count a change. */
		glow_buf_printf(out, "invited %.10s", at);
	else
		glow_buf_adds(out, glow_dash_inv_name(inv));
	glow_buf_adds(out, " | ");
	v = glow_roster_get(d->r, w->i, GLOW_RF_STATUS, &s, &n);
	glow_dash_cell(out, v ? v : "", v ? n : 0, 32);
	glow_buf_adds(out, " | ");
	v = glow_roster_get(d->r, w->i, GLOW_RF_REPO, &s, &n);
	if (v && glow_roster_owner_name_ok(v, n)) {
		const char *slash = memchr(v, '/', n);

		glow_buf_addc(out, '[');
		glow_buf_add(out, slash + 1, n - (size_t)(slash + 1 - v));
		glow_buf_printf(out, "](%s/%.*s)", o->web_base ? o->web_base :
		    "https://github.com", (int)n, v);
	} else {
		glow_buf_adds(out, "-");
	}
	glow_buf_adds(out, " | ");
	v = glow_roster_get(d->r, w->i, GLOW_RF_SIGNAL, &s, &n);
	when(out, v, v ? n : 0, o->private_view);
	glow_buf_adds(out, " | ");
	if (w->attn) {
		glow_buf_printf(out, "**%s**", attn_text[w->attn]);
		if (w->attn == GLOW_DASH_NOT_ACCEPTED)
			glow_buf_printf(out, " for over %ld days (sent %.10s)",
			    o->days, w->since);
		else if (*w->since)
			glow_buf_printf(out, " since %.10s", w->since);
		if (o->private_view && w->attn == GLOW_DASH_FAILED &&
		    f->error_detail) {
			glow_buf_adds(out, ": ");
			glow_dash_cell(out, f->error_detail,
			    strlen(f->error_detail), 160);
		}
	}
	if (o->private_view) {
		glow_buf_adds(out, " | ");
		v = glow_roster_get(d->r, w->i, GLOW_RF_NOTES, &s, &n);
		glow_dash_cell(out, v ? v : "", v ? n : 0, 200);
	}
	glow_buf_adds(out, " |\n");
	glow_buf_free(&s);
}

static void
render_totals(struct cohort *c, size_t nc, size_t learners,
    struct glow_buf *out)
{
	struct cohort all;
	size_t k, j, shown = nc;

	memset(&all, 0, sizeof all);
	glow_buf_adds(out, "## Totals\n\n| Cohort | Learners |");
	for (j = 0; j < 4; j++)
		glow_buf_printf(out, " %s |", glow_roster_states[j]);
	for (j = 0; j < 5; j++)
		glow_buf_printf(out, " %s |", glow_progress_status_name((int)j));
	glow_buf_adds(out, "\n|---|---:|");
	for (j = 0; j < 9; j++)
		glow_buf_adds(out, "---:|");
	glow_buf_addc(out, '\n');
	if (shown > GLOW_DASH_MAX_COHORT_ROWS)
		shown = GLOW_DASH_MAX_COHORT_ROWS;
	for (k = 0; k < nc; k++) {
		all.total += c[k].total;
		for (j = 0; j < 4; j++)
			all.state[j] += c[k].state[j];
		for (j = 0; j < 5; j++)
			all.status[j] += c[k].status[j];
		if (k >= shown)
			continue;
		glow_buf_adds(out, "| ");
		glow_dash_cell(out, c[k].id, c[k].n, 64);
		glow_buf_printf(out, " | %zu |", c[k].total);
		for (j = 0; j < 4; j++)
			glow_buf_printf(out, " %zu |", c[k].state[j]);
		for (j = 0; j < 5; j++)
			glow_buf_printf(out, " %zu |", c[k].status[j]);
		glow_buf_addc(out, '\n');
	}
	if (nc != 1) {
		glow_buf_printf(out, "| **all cohorts** | **%zu** |", learners);
		for (j = 0; j < 4; j++)
			glow_buf_printf(out, " %zu |", all.state[j]);
		for (j = 0; j < 5; j++)
			glow_buf_printf(out, " %zu |", all.status[j]);
		glow_buf_addc(out, '\n');
	}
	if (shown < nc) {
		glow_buf_adds(out, "\n");
		count(out, nc - shown);
		glow_buf_printf(out, " more cohorts are counted in \"all "
		    "cohorts\" but not listed.\n");
	}
	glow_buf_addc(out, '\n');
}

static void
render_charts(struct cohort *c, size_t nc, struct glow_buf *out)
{
	size_t k, j, charts = 0, with = 0;

	for (k = 0; k < nc; k++)
		with += c[k].total > 0;
	if (!with)
		return;
	glow_buf_adds(out, "## Progress\n\n");
	for (k = 0; k < nc && charts < GLOW_DASH_MAX_CHARTS; k++) {
		if (!c[k].total)
			continue;
		charts++;
		glow_buf_adds(out, "```mermaid\npie showData\n    title ");
		mermaid_text(out, c[k].id, c[k].n);
		glow_buf_adds(out, "\n");
		for (j = 0; j < 5; j++)
			if (c[k].status[j])
				glow_buf_printf(out, "    \"%s\" : %zu\n",
				    glow_progress_status_name((int)j),
				    c[k].status[j]);
		glow_buf_adds(out, "```\n\n");
	}
	if (charts < with) {
		glow_buf_adds(out, "Charts for ");
		count(out, with - charts);
		glow_buf_adds(out, " more cohorts are left out; the totals "
		    "above count them.\n\n");
	}
}

int
glow_dash_render(struct glow_dash *d, const struct glow_dash_opts *o,
    struct glow_buf *out, struct glow_dash_stats *st)
{
	struct glow_roster *r = d->r;
	struct glow_buf head = GLOW_BUF_INIT, table = GLOW_BUF_INIT,
	    line = GLOW_BUF_INIT, s = GLOW_BUF_INIT;
	struct cohort *c = NULL;
	struct row *rows = NULL;
	size_t nc = 0, capc = 0, i, k, max, n, reserve;
	const char *v;
	int rc = -1;

	memset(st, 0, sizeof *st);
	max = o->max_bytes && o->max_bytes < GLOW_DASH_MAX_BODY ?
	    o->max_bytes : GLOW_DASH_MAX_BODY;
	st->learners = r->nlearner;
	if (r->nlearner && !(rows = calloc(r->nlearner, sizeof *rows)))
		goto out;

	/* Cohorts: the declared ones and every learner's, sorted, unique. */
	capc = r->ncohort + r->nlearner;
	if (capc && !(c = calloc(capc, sizeof *c)))
		goto out;
	for (k = 0; k < r->ncohort; k++) {
		int id = glow_json_get(r->cohort[k].doc, r->cohort[k].tok,
		    "cohort_id");
		size_t len;
		const char *p = glow_json_raw(r->cohort[k].doc, id, &len);

		/* Raw bytes: escapes are rare in IDs and kept as written. */
		if (p && glow_json_type(r->cohort[k].doc, id) == GLOW_JSON_STRING) {
			c[nc].id = glow_roster_trim(p, len, &c[nc].n);
			nc++;
		}
	}
	for (i = 0; i < r->nlearner; i++) {
		const char *key = r->learner[i].key;
		const char *at = strstr(key, "@@");

		/* The key holds the trimmed cohort: no copy needed. */
		rows[i].i = i;
		rows[i].key = key;
		rows[i].cohort = at ? at + 2 : "";
		rows[i].cohortlen = at ? r->learner[i].keylen -
		    (size_t)(at + 2 - key) : 0;
		c[nc].id = rows[i].cohort;
		c[nc].n = rows[i].cohortlen;
		nc++;
	}
	if (nc)
		qsort(c, nc, sizeof *c, cohort_cmp);
	for (i = k = 0; i < nc; i++)
		if (!k || cohort_cmp(&c[k - 1], &c[i]))
			c[k++] = c[i];
	nc = k;
	st->cohorts = nc;

	for (i = 0; i < r->nlearner; i++) {
		struct cohort key, *ch;
		int j;

		key.id = rows[i].cohort;
		key.n = rows[i].cohortlen;
		ch = bsearch(&key, c, nc, sizeof *c, cohort_cmp);
		ch->total++;
		v = glow_roster_get(r, i, GLOW_RF_STATE, &s, &n);
		if (v && (j = glow_roster_enum(glow_roster_states, v, n)) >= 0 &&
		    j < 4)
			ch->state[j]++;
		v = glow_roster_get(r, i, GLOW_RF_STATUS, &s, &n);
		if (v && (j = glow_progress_status_parse(v, n)) >= 0)
			ch->status[j]++;
		rows[i].attn = glow_dash_attention(d, i, o, &rows[i].since);
		st->attn[rows[i].attn]++;
		if (rows[i].attn)
			st->attention++;
	}
	if (r->nlearner)
		qsort(rows, r->nlearner, sizeof *rows, row_cmp);

	glow_buf_adds(&head, GLOW_DASH_MARKER "\n# Cohort dashboard\n\n");
	glow_buf_adds(&head, "Kept up to date by `glow-dashboard publish` from "
	    "the roster of record");
	if (r->generated_at[0]) {
		glow_buf_adds(&head, " (generated ");
		glow_dash_cell(&head, r->generated_at, strlen(r->generated_at), 40);
		glow_buf_addc(&head, ')');
	}
	glow_buf_adds(&head, ". Edits to this issue are overwritten.\n\n");
	if (o->private_view)
		glow_buf_adds(&head, "> [!WARNING]\n> Private view: this page "
		    "shows notes and error details. Keep it out of public "
		    "places.\n\n");
	glow_buf_addc(&head, '*');
	glow_buf_addc(&head, '*');
	count(&head, r->nlearner);
	glow_buf_adds(&head, r->nlearner == 1 ? " learner** in " : " learners** in ");
	count(&head, nc);
	glow_buf_adds(&head, nc == 1 ? " cohort; **" : " cohorts; **");
	count(&head, st->attention);
	glow_buf_adds(&head, st->attention == 1 ? " needs attention**" :
	    " need attention**");
	if (st->attention) {
		const char *sep = ": ";

		for (k = 1; k < 5; k++) {
			if (!st->attn[k])
				continue;
			glow_buf_adds(&head, sep);
			count(&head, st->attn[k]);
			glow_buf_printf(&head, " %s", attn_text[k]);
			if (k == GLOW_DASH_NOT_ACCEPTED)
				glow_buf_printf(&head, " for over %ld days", o->days);
			sep = ", ";
		}
	}
	glow_buf_adds(&head, ".\n\n");
	render_totals(c, nc, r->nlearner, &head);
	render_charts(c, nc, &head);

	/* The table, whole rows while they fit. */
	glow_buf_adds(&table, "## Learners\n\n");
	if (r->nlearner) {
		glow_buf_adds(&table, "| Learner | Cohort | Path | Provisioning "
		    "| Invitation | Status | Learning room | Last signal | "
		    "Attention |");
		glow_buf_adds(&table, o->private_view ? " Notes |\n" : "\n");
		glow_buf_adds(&table, "|---|---|---|---|---|---|---|---|---|");
		glow_buf_adds(&table, o->private_view ? "---|\n" : "\n");
	} else {
		glow_buf_adds(&table, "No learners yet.\n");
	}
	reserve = 400;  /* the note on what was left out, and the footer */
	for (k = 0; k < r->nlearner; k++) {
		glow_buf_reset(&line);
		render_row(d, o, &rows[k], &line);
		if (head.len + table.len + line.len + reserve > max)
			break;
		glow_buf_add(&table, line.p, line.len);
		st->rows++;
	}
	for (; k < r->nlearner; k++) {
		if (rows[k].attn)
			st->left_attention++;
		else
			st->left_other++;
	}
	if (st->left_attention || st->left_other) {
		glow_buf_adds(&table, "\n**Summarised:** ");
		count(&table, st->rows);
		glow_buf_adds(&table, " of ");
		count(&table, r->nlearner);
		glow_buf_adds(&table, " learners are listed, those who need "
		    "attention first; left out to stay within GitHub's limit of ");
		count(&table, GLOW_DASH_MAX_BODY);
		glow_buf_adds(&table, " characters: ");
		count(&table, st->left_attention);
		glow_buf_adds(&table, " who need attention and ");
		count(&table, st->left_other);
		glow_buf_adds(&table, " others. The totals above count everyone; "
		    "`glow-roster select` lists them all.\n");
	}
	glow_buf_add(out, head.p, head.len);
	glow_buf_add(out, table.p, table.len);
	st->bytes = head.len + table.len;
	rc = out->failed || head.failed || table.failed || line.failed ? -1 : 0;
out:
	free(c);
	free(rows);
	glow_buf_free(&head);
	glow_buf_free(&table);
	glow_buf_free(&line);
	glow_buf_free(&s);
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}

/* ------------------------------------------------------------ comparing */

/* The next byte of a normalized body, or -1 at its end. */
static int
norm_next(const char *s, size_t n, size_t *k, size_t end)
{
	if (*k >= end)
		return -1;
	if (s[*k] == '\r') {
		(*k)++;
		if (*k < n && s[*k] == '\n')
			(*k)++;
		return '\n';
	}
	return (unsigned char)s[(*k)++];
}

static size_t
norm_end(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

int
glow_dash_same_body(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0, ae = norm_end(a, an), be = norm_end(b, bn);
	int x, y;

	do {
		x = norm_next(a, an, &i, ae);
		y = norm_next(b, bn, &j, be);
		if (x != y)
			return 0;
	} while (x >= 0);
	return 1;
}

int
glow_dash_find_issue(const char *page, size_t len, struct glow_dash_issue *fd)
{
	struct glow_json doc;
	int v, found = 0;

	if (glow_json_parse(&doc, page ? page : "", len, NULL) < 0)
		return -1;
	if (glow_json_type(&doc, 0) != GLOW_JSON_ARRAY) {
		glow_json_free(&doc);
		return -1;
	}
	for (v = glow_json_first(&doc, 0); v >= 0; v = glow_json_next(&doc, v)) {
		int pr = glow_json_get(&doc, v, "pull_request");
		char *body;

		if (pr >= 0 && glow_json_type(&doc, pr) != GLOW_JSON_NULL)
			continue;
		body = glow_json_strdup(&doc, glow_json_get(&doc, v, "body"));
		if (!body || !strstr(body, GLOW_DASH_MARKER)) {
			free(body);
			continue;
		}
		glow_dash_issue_free(fd);
		fd->body = body;
		glow_json_int(&doc, glow_json_get(&doc, v, "number"), &fd->number);
		fd->closed = glow_json_streq(&doc, glow_json_get(&doc, v, "state"),
		    "closed");
		fd->url = glow_json_strdup(&doc, glow_json_get(&doc, v, "html_url"));
		found = 1;
		break;
	}
	glow_json_free(&doc);
	return found;
}

void
glow_dash_issue_free(struct glow_dash_issue *fd)
{
	free(fd->body);
	free(fd->url);
	fd->body = fd->url = NULL;
}
