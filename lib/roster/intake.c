/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/isotime.h"
#include "roster/intake.h"
#include "roster/roster.h"

struct span {
	const char *s;
	size_t n;
};

static int
lower_eq(const char *s, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[i])
			return 0;
	}
	return 1;
}

static const char *
memmem_ci(const char *s, size_t n, const char *lit)
{
	size_t m = strlen(lit), i;

	for (i = 0; m <= n && i <= n - m; i++)
		if (lower_eq(s + i, m, lit))
			return s + i;
	return NULL;
}

static struct span
trimmed(const char *s, size_t n)
{
	struct span sp;

	sp.s = glow_roster_trim(s, n, &sp.n);
	return sp;
}

/* The body with CRLF and lone CR made LF. */
static void
normalise(struct glow_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r') {
			glow_buf_addc(out, '\n');
			if (i + 1 < n && s[i + 1] == '\n')
				i++;
		} else {
			glow_buf_addc(out, s[i]);
		}
	}
}

/* Form answers: the text between "### Label" and the next heading. */
static void
form_answers(const char *b, size_t n, struct span *cohort, struct span *path,
    int *sections)
{
	const char *line = b, *end = b + n, *nl;
	struct span *cur = NULL, label;
	const char *vstart = NULL;

	*sections = 0;
	for (; line < end; line = nl + 1) {
		if (!(nl = memchr(line, '\n', (size_t)(end - line))))
			nl = end;
		if ((size_t)(nl - line) >= 4 && memcmp(line, "### ", 4) == 0) {
			if (cur)
				*cur = trimmed(vstart, (size_t)(line - vstart));
			label = trimmed(line + 4, (size_t)(nl - line - 4));
			(*sections)++;
			if (lower_eq(label.s, label.n, "cohort") ||
			    lower_eq(label.s, label.n, "cohort id"))
				cur = cohort;
			else if (lower_eq(label.s, label.n, "path") ||
			    lower_eq(label.s, label.n, "workshop path"))
				cur = path;
			else
				cur = NULL;
			vstart = nl < end ? nl + 1 : end;
		}
		if (nl == end)
			break;
	}
	if (cur)
		*cur = trimmed(vstart, (size_t)(end - vstart));
	if (cohort->s && lower_eq(cohort->s, cohort->n, "_no response_"))
		cohort->n = 0;
	if (path->s && lower_eq(path->s, path->n, "_no response_"))
		path->n = 0;
}

/* "- Key: value" lines of an [ENROLL-INTAKE] body. */
static struct span
enroll_line(const char *b, size_t n, const char *key)
{
	const char *line = b, *end = b + n, *nl, *p;
	struct span sp = { NULL, 0 }, k;
	size_t len;

	for (; line < end; line = nl + 1) {
		if (!(nl = memchr(line, '\n', (size_t)(end - line))))
			nl = end;
		p = line;
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (p < nl && (*p == '-' || *p == '*'))
			p++;
		len = (size_t)(nl - p);
		{
			const char *colon = memchr(p, ':', len);

			if (colon) {
				k = trimmed(p, (size_t)(colon - p));
				if (lower_eq(k.s, k.n, key)) {
					sp = trimmed(colon + 1, (size_t)(nl - colon - 1));
					return sp;
				}
			}
		}
		if (nl == end)
			break;
	}
	return sp;
}

/* "owner/name" from https://host/owner/name/issues/N; *num gets N. */
static int
issue_url(struct span u, struct span *repo, long long *num)
{
	const char *p = u.s, *end = u.s + u.n, *o, *slash;
	long long v = 0;

	if (u.n > 8 && memcmp(p, "https://", 8) == 0)
		p += 8;
	else if (u.n > 7 && memcmp(p, "http://", 7) == 0)
		p += 7;
	else
		return -1;
	if (!(o = memchr(p, '/', (size_t)(end - p))))
		return -1;
	o++;
	if (!(slash = memchr(o, '/', (size_t)(end - o))))
		return -1;
	if (!(slash = memchr(slash + 1, '/', (size_t)(end - slash - 1))))
		return -1;
	repo->s = o;
	repo->n = (size_t)(slash - o);
	p = slash + 1;
	if ((size_t)(end - p) < 8 || memcmp(p, "issues/", 7) != 0)
		return -1;
	for (p += 7; p < end && *p >= '0' && *p <= '9' && v < 1000000000000LL; p++)
		v = v * 10 + (*p - '0');
	if (p != end || v < 1)
		return -1;
	*num = v;
	return glow_roster_owner_name_ok(repo->s, repo->n) ? 0 : -1;
}

/* "owner/name" from https://api.github.com/repos/owner/name (or GHES
 * https://host/api/v3/repos/owner/name). */
static int
repository_url(struct span u, struct span *repo)
{
	const char *p = u.s, *end = u.s + u.n, *r = NULL, *q;

	for (q = p; q + 7 <= end; q++)
		if (memcmp(q, "/repos/", 7) == 0)
			r = q + 7;
	if (!r)
		return -1;
	repo->s = r;
	repo->n = (size_t)(end - r);
	return glow_roster_owner_name_ok(repo->s, repo->n) ? 0 : -1;
}

/* A string member, decoded into its own buffer; "" if absent. */
static struct span
str_member(const struct glow_json *doc, int obj, const char *key,
    struct glow_buf *store)
{
	struct span sp = { "", 0 };
	int t = glow_json_get(doc, obj, key);

	if (glow_json_type(doc, t) != GLOW_JSON_STRING ||
	    glow_json_string(doc, t, store) < 0 || store->failed || !store->p)
		return sp;
	sp.s = store->p;
	sp.n = store->len;
	return sp;
}

static void
bad(struct glow_intake *out, const char *fmt, const char *a, size_t an)
{
	char shown[64];
	size_t i, m = an < sizeof shown - 4 ? an : sizeof shown - 4;

	for (i = 0; i < m; i++)
		shown[i] = (unsigned char)a[i] < 0x20 ? '?' : a[i];
	if (m < an)
		memcpy(shown + m, "...", 3), m += 3;
	shown[m] = '\0';
	snprintf(out->reason, sizeof out->reason, fmt, shown);
}

int
glow_intake_issue(const struct glow_json *doc, int issue, const char *cohort,
    struct glow_intake *out)
{
	struct glow_buf store[6], body = GLOW_BUF_INIT;
	struct span title, rawbody, login, created, repourl, htmlurl;
	struct span fcohort = { NULL, 0 }, fpath = { NULL, 0 };
	struct span handle, when, repo = { NULL, 0 }, pub, sp;
	struct glow_jw w;
	long long number = 0, enum_n = 0;
	int t, sections = 0, enroll, rc = GLOW_INTAKE_BAD, u;
	const char *path = NULL;

	memset(store, 0, sizeof store);
	glow_buf_reset(&out->learner);
	out->reason[0] = '\0';
	out->number = 0;
	if (glow_json_type(doc, issue) != GLOW_JSON_OBJECT) {
		snprintf(out->reason, sizeof out->reason, "not an issue object");
		return GLOW_INTAKE_BAD;
	}
	t = glow_json_get(doc, issue, "number");
	if (glow_json_int(doc, t, &number) == 0 && number > 0)
		out->number = number;
	if (glow_json_get(doc, issue, "pull_request") >= 0) {
		snprintf(out->reason, sizeof out->reason, "a pull request");
		return GLOW_INTAKE_SKIP;
	}
	t = glow_json_get(doc, issue, "state");
	if (glow_json_streq(doc, t, "closed")) {
		snprintf(out->reason, sizeof out->reason, "closed");
		return GLOW_INTAKE_SKIP;
	}
	title = str_member(doc, issue, "title", &store[0]);
	rawbody = str_member(doc, issue, "body", &store[1]);
	u = glow_json_get(doc, issue, "user");
	login = str_member(doc, u, "login", &store[2]);
	created = str_member(doc, issue, "created_at", &store[3]);
	repourl = str_member(doc, issue, "repository_url", &store[4]);
	htmlurl = str_member(doc, issue, "html_url", &store[5]);
	normalise(&body, rawbody.s, rawbody.n);
	if (body.failed) {
		snprintf(out->reason, sizeof out->reason, "out of memory");
		goto out;
	}
	if (!body.p)
		glow_buf_adds(&body, "");

	enroll = memmem_ci(title.s, title.n, "[enroll-intake]") ||
	    memmem_ci(body.p, body.len, "[enroll-intake]");
	handle.s = NULL;
	handle.n = 0;
	when = created;
	if (enroll) {
		handle = enroll_line(body.p, body.len, "submitted by");
		if (!handle.s || !handle.n) {
			snprintf(out->reason, sizeof out->reason,
			    "[ENROLL-INTAKE] body without a 'Submitted by' line");
			goto out;
		}
		sp = enroll_line(body.p, body.len, "captured at");
		if (sp.s && sp.n) {
			if (!glow_time_ok(sp.s, sp.n)) {
				bad(out, "captured at '%s' is not an ISO-8601 UTC time",
				    sp.s, sp.n);
				goto out;
			}
			when = sp;
		}
		pub = enroll_line(body.p, body.len, "public issue");
		if (pub.s && pub.n && issue_url(pub, &repo, &enum_n) < 0) {
			bad(out, "public issue '%s' is not an issue URL", pub.s, pub.n);
			goto out;
		}
		fcohort = enroll_line(body.p, body.len, "cohort");
		fpath = enroll_line(body.p, body.len, "path");
	} else {
		form_answers(body.p, body.len, &fcohort, &fpath, &sections);
		if (!sections) {
			snprintf(out->reason, sizeof out->reason,
			    "not a registration: no form sections, no [ENROLL-INTAKE]");
			goto out;
		}
		handle = login;
		if (!handle.n) {
			snprintf(out->reason, sizeof out->reason, "no author (user.login)");
			goto out;
		}
	}
	if (!glow_roster_handle_ok(handle.s, handle.n)) {
		bad(out, enroll ? "submitted by '%s': not a valid GitHub handle" :
		    "author '%s' is not a valid GitHub handle", handle.s, handle.n);
		goto out;
	}
	if (!fcohort.s || !fcohort.n) {
		if (!cohort || !*cohort) {
			snprintf(out->reason, sizeof out->reason,
			    "no cohort: no Cohort answer and no default cohort");
			goto out;
		}
		fcohort.s = cohort;
		fcohort.n = strlen(cohort);
		fcohort = trimmed(fcohort.s, fcohort.n);
		if (!fcohort.n) {
			snprintf(out->reason, sizeof out->reason, "no cohort");
			goto out;
		}
	}
	if (fpath.s && fpath.n) {
		int one = memmem_ci(fpath.s, fpath.n, "day1-day2") != NULL;
		int two = memmem_ci(fpath.s, fpath.n, "day2-only") != NULL;

		if (one == two) {
			bad(out, "path '%s' is not one of day1-day2, day2-only",
			    fpath.s, fpath.n);
			goto out;
		}
		path = one ? "day1-day2" : "day2-only";
	}
	if (!repo.s) {
		if (repository_url(repourl, &repo) < 0) {
			long long n2 = 0;

			if (issue_url(htmlurl, &repo, &n2) < 0) {
				repo.s = NULL;
				repo.n = 0;
			}
		}
		enum_n = number;
	}

	glow_jw_init(&w, &out->learner, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "github_handle");
	glow_jw_strn(&w, handle.s[0] == '@' ? handle.s + 1 : handle.s,
	    handle.s[0] == '@' ? handle.n - 1 : handle.n);
	glow_jw_key(&w, "cohort_id");
	glow_jw_strn(&w, fcohort.s, fcohort.n);
	if (path) {
		glow_jw_key(&w, "path");
		glow_jw_str(&w, path);
	}
	glow_jw_key(&w, "provision_state");
	glow_jw_str(&w, "pending");
	if (when.n && glow_time_ok(when.s, when.n)) {
		glow_jw_key(&w, "registered_at");
		glow_jw_strn(&w, when.s, when.n);
	}
	glow_jw_key(&w, "enrollment_repo");
	if (repo.s)
		glow_jw_strn(&w, repo.s, repo.n);
	else
		glow_jw_null(&w);
	glow_jw_key(&w, "enrollment_issue_number");
	if (enum_n > 0)
		glow_jw_int(&w, enum_n);
	else
		glow_jw_null(&w);
	glow_jw_end(&w);
	if (out->learner.failed) {
		snprintf(out->reason, sizeof out->reason, "out of memory");
		goto out;
	}
	rc = GLOW_INTAKE_LEARNER;
out:
	for (t = 0; t < 6; t++)
		glow_buf_free(&store[t]);
	glow_buf_free(&body);
	return rc;
}

/* Issues in number order (ties: document order). */
struct numbered {
	long long number;
	int tok;
};

static int
numbered_cmp(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	return (x->tok > y->tok) - (x->tok < y->tok);
}

static void
report_item(struct glow_jw *w, long long number, const char *key, size_t kn,
    const char *reason)
{
	glow_jw_object(w);
	glow_jw_key(w, "issue");
	if (number > 0)
		glow_jw_int(w, number);
	else
		glow_jw_null(w);
	if (key) {
		glow_jw_key(w, "key");
		glow_jw_strn(w, key, kn);
	}
	if (reason) {
		glow_jw_key(w, "reason");
		glow_jw_str(w, reason);
	}
	glow_jw_end(w);
}

/*
 * Upsert the learner read from an issue: GLOW_ROSTER_ADDED or _EXISTS
 * with *i set; -2 if the roster refuses it (it->reason says why); -1 for
 * lack of memory.
 */
static int
upsert(struct glow_roster *r, struct glow_intake *it, const char *now, long *i)
{
	struct glow_json ld;
	struct glow_buf why = GLOW_BUF_INIT;
	char *nl;
	int rc;

	if (glow_json_parse(&ld, it->learner.p, it->learner.len, NULL) < 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = glow_roster_upsert(r, &ld, 0, GLOW_ROSTER_NO_UPDATE, now, NULL, &why, i);
	glow_json_free(&ld);
	if (rc < 0 && errno != ENOMEM) {
		if (why.p && (nl = strchr(why.p, '\n')))
			*nl = '\0';
		snprintf(it->reason, sizeof it->reason, "%s",
		    why.p ? why.p : "invalid learner");
		rc = -2;
	} else if (rc == GLOW_ROSTER_ADDED &&
	    glow_roster_cohort_ensure_learner(r, (size_t)*i) < 0) {
		errno = ENOMEM;
		rc = -1;
	}
	glow_buf_free(&why);
	return rc;
}

static int
note_bad(struct glow_intake_run *run, const struct glow_intake *it, size_t k)
{
	struct glow_intake_bad *b;

	if (!(b = realloc(run->bad, (run->nbad + 1) * sizeof *b))) {
		errno = ENOMEM;
		return -1;
	}
	run->bad = b;
	b += run->nbad++;
	b->number = it->number;
	b->index = k;
	snprintf(b->reason, sizeof b->reason, "%s", it->reason);
	return 0;
}

int
glow_intake_roster(struct glow_roster *r, const struct glow_json *issues,
    const char *cohort, const char *now, struct glow_intake_run *run)
{
	enum { ADDED, EXISTING, SKIPPED, UNPARSEABLE, NLIST };
	static const char *const names[NLIST] = {
		"added", "existing", "skipped", "unparseable"
	};
	struct glow_intake it;
	struct glow_buf lists[NLIST] = { GLOW_BUF_INIT, GLOW_BUF_INIT,
	    GLOW_BUF_INIT, GLOW_BUF_INIT };
	struct glow_jw w[NLIST], rw;
	struct numbered *order = NULL;
	size_t n = 0, k;
	int e, rc = 0, size = glow_json_size(issues, 0);
	long i;

	memset(run, 0, sizeof *run);
	memset(&it, 0, sizeof it);
	for (k = 0; k < NLIST; k++) {
		glow_jw_init(&w[k], &lists[k], 2);
		w[k].depth = 2;         /* nested in the report, below */
		w[k].empty = 1;
	}
	if (size > 0 && !(order = malloc((size_t)size * sizeof *order))) {
		errno = ENOMEM;
		return -1;
	}
	for (e = glow_json_first(issues, 0); e >= 0; e = glow_json_next(issues, e)) {
		order[n].tok = e;
		order[n].number = 0;
		glow_json_int(issues, glow_json_get(issues, e, "number"),
		    &order[n].number);
		n++;
	}
	if (n > 1)
		qsort(order, n, sizeof *order, numbered_cmp);
	for (k = 0; k < n && rc == 0; k++) {
		switch (glow_intake_issue(issues, order[k].tok, cohort, &it)) {
		case GLOW_INTAKE_SKIP:
			report_item(&w[SKIPPED], it.number, NULL, 0, it.reason);
			continue;
		case GLOW_INTAKE_LEARNER:
			if ((rc = upsert(r, &it, now, &i)) == -1)
				continue;
			if (rc >= 0) {
				report_item(&w[rc == GLOW_ROSTER_ADDED ? ADDED : EXISTING],
				    it.number, r->learner[i].key,
				    r->learner[i].keylen, NULL);
				rc = 0;
				continue;
			}
			rc = 0;
			break;          /* refused: unparseable */
		}
		rc = note_bad(run, &it, k);
		report_item(&w[UNPARSEABLE], it.number, NULL, 0, it.reason);
	}
	/* the report: {"added": [...], ...} */
	glow_jw_init(&rw, &run->report, 2);
	glow_jw_object(&rw);
	for (k = 0; k < NLIST; k++) {
		glow_jw_key(&rw, names[k]);
		glow_jw_array(&rw);
		glow_buf_add(&run->report, lists[k].p, lists[k].len);
		rw.empty = w[k].empty;
		glow_jw_end(&rw);
		glow_buf_free(&lists[k]);
	}
	glow_jw_end(&rw);
	glow_buf_addc(&run->report, '\n');
	free(order);
	glow_buf_free(&it.learner);
	return rc;
}

void
glow_intake_run_free(struct glow_intake_run *run)
{
	glow_buf_free(&run->report);
	free(run->bad);
	run->bad = NULL;
	run->nbad = 0;
}
