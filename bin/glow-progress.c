/* SPDX-License-Identifier: ISC */
/*
 * glow-progress: the progress of record.  fetch reads each provisioned
 * learner's signals from GitHub and prints snapshots, derive turns
 * snapshots into statuses (pure, lib/progress), apply writes the statuses
 * into the roster under its lock.
 *
 *     glow-progress fetch -f roster.json | glow-progress derive |
 *         glow-progress apply -f roster.json
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fsio.h"
#include "github.h"
#include "json.h"
#include "progress.h"
#include "roster.h"
#include "secret.h"

#define MAX_INPUT ((size_t)1 << 30)
/*
 * fetch reads at most this many requests per second: GitHub's secondary
 * limit allows 900 points (GETs) per minute per endpoint, and every
 * learner costs one GET on each of two endpoints.  12/s is 720/min.
 */
#define READ_RATE 12.0

static void
usage(FILE *f, int status)
{
	fprintf(f,
	    "usage: glow-progress derive [file ...]\n"
	    "       glow-progress fetch [-P] [-c cachedir] [-t tokenfile] [-f roster | roster]\n"
	    "       glow-progress apply [-n] -f roster [file ...]\n"
	    "       glow-progress apply [-n] file ... < roster > roster.new\n"
	    "       glow-progress -h | -V\n");
	exit(status);
}

/*
 * Call fn on each non-blank line of each named file (or stdin), with a
 * "FILE:LINE" label for diagnostics; -1 if any call failed.
 */
static int
each_line(int argc, char **argv, int (*fn)(const char *, size_t,
    const char *, void *), void *arg)
{
	struct glow_buf in = GLOW_BUF_INIT;
	char *stdin_only[] = { "-" };
	char where[4096];
	size_t i, end, k;
	long lineno;
	int f, rc = 0;

	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (f = 0; f < argc; f++) {
		glow_buf_reset(&in);
		if (glow_read_file(argv[f], &in, MAX_INPUT) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s':",
			    strcmp(argv[f], "-") ? argv[f] : "stdin");
		for (i = 0, lineno = 1; i < in.len; i = end + 1, lineno++) {
			const char *nl = memchr(in.p + i, '\n', in.len - i);

			end = nl ? (size_t)(nl - in.p) : in.len;
			for (k = i; k < end && strchr(" \t\r", in.p[k]); k++)
				;
			if (k == end)
				continue;
			snprintf(where, sizeof where, "%s:%ld",
			    strcmp(argv[f], "-") ? argv[f] : "stdin", lineno);
			if (fn(in.p + i, end - i, where, arg) < 0)
				rc = -1;
		}
	}
	glow_buf_free(&in);
	return rc;
}

/* derive */

struct derive_ctx {
	struct glow_buf out;
	int failed;
};

static int
derive_line(const char *s, size_t n, const char *where, void *arg)
{
	struct derive_ctx *d = arg;
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_progress p;
	struct glow_jw w;
	const char *why;

	if (glow_json_parse(&doc, s, n, &err) < 0) {
		glow_warn("cannot derive '%s': %s at byte %zu", where,
		    err.reason, err.offset + 1);
		return d->failed = -1;
	}
	if (glow_progress_derive(&doc, 0, &p, &why) < 0) {
		glow_warn("cannot derive '%s': %s", where, why);
		d->failed = -1;
	} else {
		glow_jw_init(&w, &d->out, 0);
		glow_progress_write(&w, &p);
		glow_buf_addc(&d->out, '\n');
	}
	glow_progress_free(&p);
	glow_json_free(&doc);
	return d->failed;
}

static int
cmd_derive(int argc, char **argv)
{
	struct derive_ctx d = { GLOW_BUF_INIT, 0 };
	int c;

	while ((c = getopt(argc, argv, "h")) != -1)
		usage(c == 'h' ? stdout : stderr, c == 'h' ? 0 : GLOW_EXIT_ERR);
	each_line(argc - optind, argv + optind, derive_line, &d);
	if (d.out.failed)
		glow_die(GLOW_EXIT_ERR, "cannot derive 'input': out of memory");
	if (glow_write_all(STDOUT_FILENO, d.out.p, d.out.len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	glow_buf_free(&d.out);
	return d.failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

/* apply */

struct derived {
	char *key;
	int status;
	char last[40];          /* "" for null */
	size_t pos;             /* line order */
	int superseded;         /* a later line has the same key */
};

enum outcome { MOVED, SAME, HELD, UNKNOWN };

struct row {
	const char *key;
	char from[32];
	int to;
	enum outcome what;
};

struct apply_ctx {
	struct derived *d;
	size_t n, cap;
	struct row *rows;
	size_t nrows;
	long count[4];
	int failed;
};

static int
parse_derived(const char *s, size_t n, const char *where, void *arg)
{
	struct apply_ctx *a = arg;
	struct glow_json doc;
	struct glow_json_error err;
	struct derived d;
	const char *raw;
	size_t len;
	int t;

	memset(&d, 0, sizeof d);
	if (glow_json_parse(&doc, s, n, &err) < 0) {
		glow_warn("cannot apply '%s': %s at byte %zu", where,
		    err.reason, err.offset + 1);
		return a->failed = -1;
	}
	t = glow_json_get(&doc, 0, "status");
	raw = glow_json_raw(&doc, t, &len);
	if (glow_json_type(&doc, t) != GLOW_JSON_STRING ||
	    (d.status = glow_progress_status_parse(raw, len)) < 0) {
		glow_warn("cannot apply '%s': no valid status", where);
		goto bad;
	}
	t = glow_json_get(&doc, 0, "last_signal_at");
	raw = glow_json_raw(&doc, t, &len);
	if (glow_json_type(&doc, t) == GLOW_JSON_STRING &&
	    glow_progress_is_timestamp(raw, len)) {
		memcpy(d.last, raw, len);
		d.last[len] = '\0';
	} else if (t >= 0 && glow_json_type(&doc, t) != GLOW_JSON_NULL) {
		glow_warn("cannot apply '%s': last_signal_at is not a "
		    "timestamp", where);
		goto bad;
	}
	if (!(d.key = glow_json_strdup(&doc, glow_json_get(&doc, 0, "key")))) {
		glow_warn("cannot apply '%s': no key", where);
		goto bad;
	}
	if (a->n == a->cap) {
		struct derived *nd;

		a->cap = a->cap ? a->cap * 2 : 64;
		if (!(nd = realloc(a->d, a->cap * sizeof *nd)))
			glow_die(GLOW_EXIT_ERR, "cannot apply 'input': out of memory");
		a->d = nd;
	}
	d.pos = a->n;
	a->d[a->n++] = d;
	glow_json_free(&doc);
	return 0;
bad:
	glow_json_free(&doc);
	return a->failed = -1;
}

static int
cmp_derived(const void *x, const void *y)
{
	const struct derived *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* In key order; of several lines for one key, the last one counts. */
static void
order_derived(struct apply_ctx *a)
{
	size_t k;

	if (a->n > 1)
		qsort(a->d, a->n, sizeof *a->d, cmp_derived);
	for (k = 0; k + 1 < a->n; k++)
		a->d[k].superseded = strcmp(a->d[k].key, a->d[k + 1].key) == 0;
}

/*
 * The new last_signal_at: the derived one, unless the roster already holds
 * a later one (signals can vanish: a deleted comment; the time seen stays).
 */
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

static int
apply_fn(struct glow_roster *r, void *arg)
{
	struct apply_ctx *a = arg;
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *v, *t;
	size_t k, n;
	long i;
	int from, rc = 0;

	free(a->rows);
	a->nrows = 0;
	memset(a->count, 0, sizeof a->count);
	if (!(a->rows = calloc(a->n ? a->n : 1, sizeof *a->rows)))
		return -1;
	for (k = 0; k < a->n && rc == 0; k++) {
		struct derived *d = &a->d[k];
		struct row *row;

		if (d->superseded)
			continue;
		row = &a->rows[a->nrows++];

		row->key = d->key;
		row->to = d->status;
		if ((i = glow_roster_find(r, d->key, strlen(d->key))) < 0) {
			row->what = UNKNOWN;
			a->count[UNKNOWN]++;
			continue;
		}
		v = glow_roster_get(r, (size_t)i, GLOW_RF_STATUS, &scratch, &n);
		from = v ? glow_progress_status_parse(v, n) : -1;
		snprintf(row->from, sizeof row->from, "%.*s",
		    v ? (int)n : 0, v ? v : "");
		if (!glow_progress_may_move(from, d->status)) {
			row->what = HELD;
			a->count[HELD]++;
			continue;
		}
		row->what = from == d->status ? SAME : MOVED;
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

/* A Markdown table cell: no newlines, '|' escaped. */
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

static const char *const outcome_text[] = {
	"moved", "unchanged", "kept: would move backwards", "not in the roster"
};

static void
report(struct apply_ctx *a, int dry)
{
	struct glow_buf md = GLOW_BUF_INIT;
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	size_t k;

	for (k = 0; k < a->nrows; k++) {
		struct row *row = &a->rows[k];
		const char *to = glow_progress_status_name(row->to);

		if (row->what == MOVED)
			fprintf(stderr, "%s: %s -> %s\n", row->key, row->from, to);
		else if (row->what == HELD)
			fprintf(stderr, "%s: %s kept, derived %s would move "
			    "backwards\n", row->key, row->from, to);
		else if (row->what == UNKNOWN)
			fprintf(stderr, "%s: not in the roster, derived %s "
			    "ignored\n", row->key, to);
	}
	fprintf(stderr, "apply%s: %ld moved, %ld unchanged, %ld kept, %ld not "
	    "in the roster\n", dry ? " (dry run)" : "", a->count[MOVED],
	    a->count[SAME], a->count[HELD], a->count[UNKNOWN]);

	if (!getenv("GITHUB_ACTIONS") || strcmp(getenv("GITHUB_ACTIONS"), "true") ||
	    !summary || !*summary)
		return;
	glow_buf_printf(&md, "### glow-progress apply%s\n\n%ld moved, %ld "
	    "unchanged, %ld kept, %ld not in the roster.\n\n",
	    dry ? " (dry run)" : "", a->count[MOVED], a->count[SAME],
	    a->count[HELD], a->count[UNKNOWN]);
	if (a->count[MOVED] + a->count[HELD] + a->count[UNKNOWN]) {
		glow_buf_adds(&md, "| learner | from | to | result |\n"
		    "|---|---|---|---|\n");
		for (k = 0; k < a->nrows; k++) {
			struct row *row = &a->rows[k];

			if (row->what == SAME)
				continue;
			glow_buf_adds(&md, "| ");
			md_cell(&md, row->key);
			glow_buf_adds(&md, " | ");
			md_cell(&md, row->from);
			glow_buf_adds(&md, " | ");
			md_cell(&md, glow_progress_status_name(row->to));
			glow_buf_printf(&md, " | %s |\n", outcome_text[row->what]);
		}
		glow_buf_addc(&md, '\n');
	}
	if (md.failed || glow_append_durable(summary, md.p, md.len, 0644) < 0)
		glow_warn("cannot write '%s':", summary);
	glow_buf_free(&md);
}

static int
cmd_apply(int argc, char **argv)
{
	struct apply_ctx a;
	struct glow_roster r;
	struct glow_roster_status st;
	struct glow_buf rin = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_json_error jerr;
	const char *file = NULL;
	size_t k;
	int c, dry = 0, rc = GLOW_EXIT_OK;

	memset(&a, 0, sizeof a);
	while ((c = getopt(argc, argv, "f:hn")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, GLOW_EXIT_ERR);
		}
	}
	argc -= optind;
	argv += optind;
	if (!file && argc == 0)
		usage(stderr, GLOW_EXIT_ERR);   /* stdin cannot be both */
	each_line(argc, argv, parse_derived, &a);
	if (a.failed)
		glow_die(GLOW_EXIT_ERR, "cannot apply 'input': malformed derived "
		    "lines, nothing written");
	order_derived(&a);

	if (file && !dry) {
		if (glow_roster_edit(file, 0, apply_fn, &a, NULL, &r, &st) < 0) {
			errno = st.errnum;
			switch (st.stage) {
			case GLOW_ROSTER_ELOCK:
				glow_die(GLOW_EXIT_ERR, "cannot lock '%s':", file);
			case GLOW_ROSTER_EREAD:
				glow_die(GLOW_EXIT_ERR, "cannot read '%s':", file);
			case GLOW_ROSTER_EPARSE:
				glow_die(GLOW_EXIT_ERR, "cannot load '%s': %s at "
				    "line %zu, column %zu", file, st.jerr.reason,
				    st.line, st.column);
			case GLOW_ROSTER_EINVALID:
			case GLOW_ROSTER_EAFTER:
				fputs(r.problems.p ? r.problems.p : "", stderr);
				glow_die(GLOW_EXIT_NO, "cannot apply '%s': the roster "
				    "does not validate, nothing written", file);
			case GLOW_ROSTER_EWRITE:
				glow_die(GLOW_EXIT_ERR, "cannot write '%s':", file);
			default:
				glow_die(GLOW_EXIT_ERR, "cannot apply '%s': out of "
				    "memory", file);
			}
		}
	} else {
		if (glow_read_file(file ? file : "-", &rin, MAX_INPUT) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s':",
			    file ? file : "stdin");
		if (glow_roster_load(&r, rin.p ? rin.p : "", rin.len, &jerr) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot load '%s': %s at byte %zu",
			    file ? file : "stdin", jerr.reason, jerr.offset + 1);
		if (r.nproblems) {
			fputs(r.problems.p, stderr);
			glow_die(GLOW_EXIT_NO, "cannot apply '%s': the roster does "
			    "not validate", file ? file : "stdin");
		}
		if (apply_fn(&r, &a) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot apply '%s': out of memory",
			    file ? file : "stdin");
		if (glow_roster_validate(&r)) {
			fputs(r.problems.p, stderr);
			glow_die(GLOW_EXIT_NO, "cannot apply '%s': the result "
			    "does not validate", file ? file : "stdin");
		}
		if (!file) {
			if (glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL,
			    NULL, NULL) < 0)
				glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out "
				    "of memory");
			if (glow_write_all(STDOUT_FILENO, out.p, out.len) < 0)
				glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
		}
	}
	report(&a, dry);
	glow_roster_free(&r);
	for (k = 0; k < a.n; k++)
		free(a.d[k].key);
	free(a.d);
	free(a.rows);
	glow_buf_free(&rin);
	glow_buf_free(&out);
	return rc;
}

/* fetch */

struct fetch_ctx {
	struct glow_gh gh;
	struct glow_buf issues, comments, pulls, path, line, scratch;
	int force_pulls;
};

/* GET every page of /repos/OWNER/NAME/WHAT into out. */
static int
get_list(struct fetch_ctx *f, const char *repo, const char *owner,
    const char *name, const char *what, struct glow_buf *out)
{
	struct glow_gh_resp resp;
	struct glow_buf msg = GLOW_BUF_INIT;
	enum glow_gh_err e;

	glow_buf_reset(out);
	glow_buf_reset(&f->path);
	if (glow_gh_path(&f->path, "/repos/%s/%s/", owner, name) < 0) {
		glow_warn("cannot fetch '%s': not an owner/name", repo);
		return -1;
	}
	glow_buf_adds(&f->path, what);
	glow_gh_resp_init(&resp);
	e = glow_gh_paginate(&f->gh, f->path.p, NULL, 1, out, NULL, &resp);
	if (e == GLOW_GH_HTTP) {
		glow_gh_message(&resp, &msg);
		glow_warn("cannot fetch '%s': %ld %s", f->path.p, resp.status,
		    msg.p ? msg.p : "");
		if (resp.status == 401)
			exit(GLOW_EXIT_ERR);    /* every other learner would fail too */
	} else if (e != GLOW_GH_OK)
		glow_warn("cannot fetch '%s': %s", f->path.p, glow_gh_strerror(e));
	glow_gh_resp_free(&resp);
	glow_buf_free(&msg);
	if (e == GLOW_GH_LIMITED)
		exit(GLOW_EXIT_NO);     /* waiting more would pass the bound */
	return e == GLOW_GH_OK ? 0 : -1;
}

/* Write the string member key of obj as is (or null). */
static void
copy_member(struct glow_jw *w, const struct glow_json *doc, int obj,
    const char *key, const char *as)
{
	int v = glow_json_get(doc, obj, key);

	glow_jw_key(w, as ? as : key);
	if (v >= 0)
		glow_jw_value(w, doc, v);
	else
		glow_jw_null(w);
}

/* user: {"login": ...} becomes the login. */
static void
copy_user(struct glow_jw *w, const struct glow_json *doc, int obj)
{
	int u = glow_json_get(doc, obj, "user");

	glow_jw_key(w, "user");
	if (glow_json_type(doc, u) == GLOW_JSON_OBJECT)
		u = glow_json_get(doc, u, "login");
	if (glow_json_type(doc, u) == GLOW_JSON_STRING)
		glow_jw_value(w, doc, u);
	else
		glow_jw_str(w, "");     /* a deleted account: nobody's words */
}

static void
copy_labels(struct glow_jw *w, const struct glow_json *doc, int obj)
{
	int a = glow_json_get(doc, obj, "labels"), v, name;

	glow_jw_key(w, "labels");
	glow_jw_array(w);
	for (v = glow_json_first(doc, a); v >= 0; v = glow_json_next(doc, v)) {
		name = glow_json_type(doc, v) == GLOW_JSON_OBJECT ?
		    glow_json_get(doc, v, "name") : v;
		if (glow_json_type(doc, name) == GLOW_JSON_STRING)
			glow_jw_value(w, doc, name);
	}
	glow_jw_end(w);
}

static void
copy_pull(struct glow_jw *w, const struct glow_json *doc, int obj,
    int merged_at)
{
	glow_jw_object(w);
	copy_member(w, doc, obj, "number", NULL);
	copy_member(w, doc, obj, "state", NULL);
	glow_jw_key(w, "merged_at");
	if (merged_at >= 0)
		glow_jw_value(w, doc, merged_at);
	else
		glow_jw_null(w);
	copy_user(w, doc, obj);
	copy_member(w, doc, obj, "body", NULL);
	glow_jw_end(w);
}

/*
 * One learner's snapshot line.  The issues list holds pull requests too,
 * each with its body and pull_request.merged_at (GitHub's issue schema),
 * so the pulls list is read only when some pull request lacks merged_at
 * (an older Enterprise Server) or with -P.
 */
static int
snapshot(struct fetch_ctx *f, struct glow_roster *r, size_t i,
    const char *repo, struct glow_buf *line)
{
	struct glow_json is, cs, ps;
	struct glow_json_error err;
	struct glow_jw w;
	char owner[128], name[128];
	const char *slash = strchr(repo, '/'), *v;
	size_t n;
	int e, pr, need_pulls = f->force_pulls, rc = -1;
	int have_ps = 0;

	if (!slash || slash - repo >= (long)sizeof owner ||
	    strlen(slash + 1) >= sizeof name) {
		glow_warn("cannot fetch '%s': not an owner/name", repo);
		return -1;
	}
	memcpy(owner, repo, (size_t)(slash - repo));
	owner[slash - repo] = '\0';
	strcpy(name, slash + 1);
	if (get_list(f, repo, owner, name, "issues?state=all", &f->issues) < 0 ||
	    get_list(f, repo, owner, name, "issues/comments", &f->comments) < 0)
		return -1;
	if (glow_json_parse(&is, f->issues.p, f->issues.len, &err) < 0) {
		glow_warn("cannot fetch '%s': issues: %s", repo, err.reason);
		return -1;
	}
	if (glow_json_parse(&cs, f->comments.p, f->comments.len, &err) < 0) {
		glow_warn("cannot fetch '%s': comments: %s", repo, err.reason);
		glow_json_free(&is);
		return -1;
	}
	for (e = glow_json_first(&is, 0); e >= 0; e = glow_json_next(&is, e)) {
		pr = glow_json_get(&is, e, "pull_request");
		if (glow_json_type(&is, pr) == GLOW_JSON_OBJECT &&
		    glow_json_get(&is, pr, "merged_at") < 0)
			need_pulls = 1;
	}
	if (need_pulls) {
		if (get_list(f, repo, owner, name, "pulls?state=all", &f->pulls) < 0)
			goto done;
		if (glow_json_parse(&ps, f->pulls.p, f->pulls.len, &err) < 0) {
			glow_warn("cannot fetch '%s': pulls: %s", repo, err.reason);
			goto done;
		}
		have_ps = 1;
	}

	glow_jw_init(&w, line, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "key");
	glow_jw_strn(&w, r->learner[i].key, r->learner[i].keylen);
	v = glow_roster_get(r, i, GLOW_RF_HANDLE, &f->scratch, &n);
	glow_jw_key(&w, "github_handle");
	glow_jw_strn(&w, v ? v : "", v ? n : 0);
	v = glow_roster_get(r, i, GLOW_RF_COHORT, &f->scratch, &n);
	glow_jw_key(&w, "cohort_id");
	glow_jw_strn(&w, v ? v : "", v ? n : 0);
	v = glow_roster_get(r, i, GLOW_RF_PATH, &f->scratch, &n);
	glow_jw_key(&w, "path");
	glow_jw_strn(&w, v ? v : "", v ? n : 0);
	glow_jw_key(&w, "repo");
	glow_jw_str(&w, repo);

	glow_jw_key(&w, "issues");
	glow_jw_array(&w);
	for (e = glow_json_first(&is, 0); e >= 0; e = glow_json_next(&is, e)) {
		glow_jw_object(&w);
		copy_member(&w, &is, e, "number", NULL);
		copy_member(&w, &is, e, "title", NULL);
		copy_member(&w, &is, e, "state", NULL);
		copy_member(&w, &is, e, "state_reason", NULL);
		copy_member(&w, &is, e, "closed_at", NULL);
		copy_labels(&w, &is, e);
		glow_jw_key(&w, "pull_request");
		glow_jw_bool(&w, glow_json_get(&is, e, "pull_request") >= 0 &&
		    glow_json_type(&is, glow_json_get(&is, e, "pull_request")) !=
		    GLOW_JSON_NULL);
		glow_jw_end(&w);
	}
	glow_jw_end(&w);

	glow_jw_key(&w, "comments");
	glow_jw_array(&w);
	for (e = glow_json_first(&cs, 0); e >= 0; e = glow_json_next(&cs, e)) {
		glow_jw_object(&w);
		copy_user(&w, &cs, e);
		copy_member(&w, &cs, e, "created_at", NULL);
		copy_member(&w, &cs, e, "body", NULL);
		glow_jw_end(&w);
	}
	glow_jw_end(&w);

	glow_jw_key(&w, "pulls");
	glow_jw_array(&w);
	if (have_ps) {
		for (e = glow_json_first(&ps, 0); e >= 0; e = glow_json_next(&ps, e))
			copy_pull(&w, &ps, e, glow_json_get(&ps, e, "merged_at"));
	} else {
		for (e = glow_json_first(&is, 0); e >= 0; e = glow_json_next(&is, e)) {
			pr = glow_json_get(&is, e, "pull_request");
			if (glow_json_type(&is, pr) == GLOW_JSON_OBJECT)
				copy_pull(&w, &is, e, glow_json_get(&is, pr,
				    "merged_at"));
		}
	}
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_buf_addc(line, '\n');
	rc = line->failed ? -1 : 0;
	if (rc < 0)
		glow_warn("cannot fetch '%s': out of memory", repo);
	if (have_ps)
		glow_json_free(&ps);
done:
	glow_json_free(&is);
	glow_json_free(&cs);
	return rc;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep so that the requests made since start keep to READ_RATE. */
static void
pace_reads(struct fetch_ctx *f, double start)
{
	double due = f->gh.stats.requests / READ_RATE * f->gh.wait_scale;
	double late = due - (now_seconds() - start);
	struct timespec ts;

	if (late <= 0)
		return;
	ts.tv_sec = (time_t)late;
	ts.tv_nsec = (long)((late - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void
read_token(const char *tokenfile, struct glow_buf *token)
{
	static const char *const vars[] = { "GLOW_TOKEN", "GH_TOKEN", "GITHUB_TOKEN" };
	struct glow_buf raw = GLOW_BUF_INIT;
	enum glow_secret_err se;
	const char *v;
	size_t k;

	if (tokenfile) {
		if ((se = glow_secret_file(tokenfile, &raw, 0)) != GLOW_SECRET_OK)
			glow_die(GLOW_EXIT_ERR, "cannot read token '%s': %s",
			    tokenfile, glow_secret_strerror(se));
		if (glow_gh_token_parse(raw.p, raw.len, token) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot read token '%s': no token "
			    "in it", tokenfile);
		glow_buf_wipe(&raw);
		return;
	}
	for (k = 0; k < sizeof vars / sizeof vars[0]; k++)
		if ((v = getenv(vars[k])) && *v) {
			if (glow_gh_token_parse(v, strlen(v), token) < 0)
				glow_die(GLOW_EXIT_ERR, "cannot read token '%s': "
				    "not a token", vars[k]);
			return;
		}
}

static int
cmd_fetch(int argc, char **argv)
{
	struct fetch_ctx f;
	struct glow_roster r;
	struct glow_json_error jerr;
	struct glow_buf text = GLOW_BUF_INIT, token = GLOW_BUF_INIT;
	const char *file = NULL, *tokenfile = NULL, *cache = NULL, *v;
	enum glow_gh_err e;
	size_t i, n, total = 0, done = 0;
	long before, before304;
	double start;
	int c, failed = 0;
	char repo[256];

	memset(&f, 0, sizeof f);
	while ((c = getopt(argc, argv, "c:f:hPt:")) != -1) {
		switch (c) {
		case 'c':
			cache = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'P':
			f.force_pulls = 1;
			break;
		case 't':
			tokenfile = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, GLOW_EXIT_ERR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (file && argc))
		usage(stderr, GLOW_EXIT_ERR);
	if (!file)
		file = argc ? argv[0] : "-";
	if (glow_read_file(file, &text, MAX_INPUT) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':", file);
	if (glow_roster_load(&r, text.p ? text.p : "", text.len, &jerr) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot load '%s': %s at byte %zu", file,
		    jerr.reason, jerr.offset + 1);
	if (r.nproblems) {
		fputs(r.problems.p, stderr);
		glow_die(GLOW_EXIT_NO, "cannot fetch '%s': the roster does not "
		    "validate", file);
	}
	glow_roster_sort(&r);

	if ((e = glow_gh_init(&f.gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&f.gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot set up 'github': %s",
		    glow_gh_strerror(e));
	if (cache)
		f.gh.cache_dir = cache;
	read_token(tokenfile, &token);
	f.gh.token = token.len ? token.p : NULL;

	for (i = 0; i < r.nlearner; i++) {
		v = glow_roster_get(&r, i, GLOW_RF_STATE, &f.scratch, &n);
		if (v && ((n == 11 && !memcmp(v, "provisioned", 11)) ||
		    (n == 6 && !memcmp(v, "healed", 6))) &&
		    glow_roster_get(&r, i, GLOW_RF_REPO, &f.scratch, &n))
			total++;
	}
	start = now_seconds();
	for (i = 0; i < r.nlearner; i++) {
		v = glow_roster_get(&r, i, GLOW_RF_STATE, &f.scratch, &n);
		if (!v || !((n == 11 && !memcmp(v, "provisioned", 11)) ||
		    (n == 6 && !memcmp(v, "healed", 6))))
			continue;
		if (!(v = glow_roster_get(&r, i, GLOW_RF_REPO, &f.scratch, &n)))
			continue;
		snprintf(repo, sizeof repo, "%.*s", (int)n, v);
		pace_reads(&f, start);
		done++;
		before = f.gh.stats.requests;
		before304 = f.gh.stats.not_modified;
		glow_buf_reset(&f.line);
		if (snapshot(&f, &r, i, repo, &f.line) < 0) {
			failed = 1;
			fprintf(stderr, "[%zu/%zu] %.*s: failed\n", done, total,
			    (int)r.learner[i].keylen, r.learner[i].key);
			continue;
		}
		if (glow_write_all(STDOUT_FILENO, f.line.p, f.line.len) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
		fprintf(stderr, "[%zu/%zu] %.*s: %ld requests, %ld not modified\n",
		    done, total, (int)r.learner[i].keylen, r.learner[i].key,
		    f.gh.stats.requests - before,
		    f.gh.stats.not_modified - before304);
	}
	fprintf(stderr, "fetch: %zu learners, %ld requests, %ld not modified\n",
	    total, f.gh.stats.requests, f.gh.stats.not_modified);

	glow_buf_wipe(&token);
	glow_gh_free(&f.gh);
	glow_roster_free(&r);
	glow_buf_free(&text);
	glow_buf_free(&f.issues);
	glow_buf_free(&f.comments);
	glow_buf_free(&f.pulls);
	glow_buf_free(&f.path);
	glow_buf_free(&f.line);
	glow_buf_free(&f.scratch);
	return failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

int
main(int argc, char **argv)
{
	int c;

	glow_setprogname(argv[0]);
	while ((c = getopt(argc, argv, "+hV")) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'V':
			glow_version();
			return 0;
		default:
			usage(stderr, GLOW_EXIT_ERR);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(stderr, GLOW_EXIT_ERR);
	optind = 1;
	if (strcmp(argv[0], "derive") == 0)
		return cmd_derive(argc, argv);
	if (strcmp(argv[0], "fetch") == 0)
		return cmd_fetch(argc, argv);
	if (strcmp(argv[0], "apply") == 0)
		return cmd_apply(argc, argv);
	glow_warn("unknown command '%s'", argv[0]);
	usage(stderr, GLOW_EXIT_ERR);
}
