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
#include <unistd.h>

#include "core/buf.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/json.h"
#include "github/github.h"
#include "progress/progress.h"
#include "roster/roster.h"
#include "roster/roster_load.h"

#define MAX_INPUT ((size_t)1 << 30)
/*
 * fetch reads at most this many requests per second: GitHub's secondary
 * limit allows 900 points (GETs) per minute per endpoint, and every
 * learner costs one GET on each of two endpoints.  12/s is 720/min.
 */
#define READ_RATE 12.0

static const char usage_text[] =
	"usage: glow-progress derive [file ...]\n"
	"       glow-progress fetch [-P] [-c cachedir] [-t tokenfile] [-f roster | roster]\n"
	"       glow-progress apply [-n] -f roster [file ...]\n"
	"       glow-progress apply [-n] file ... < roster > roster.new\n"
	"       glow-progress -h | --help | -V\n"
	"\n"
	"  -c cachedir   fetch: keep an ETag cache in cachedir\n"
	"  -f roster     the roster of record\n"
	"  -h, --help    print this usage and exit\n"
	"  -n            apply: dry run, print what would change\n"
	"  -P            fetch: no pacing between learners\n"
	"  -t tokenfile  fetch: read the token from tokenfile ('-': standard input)\n"
	"  -V            print the version and exit\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
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

/* One line as JSON; a warning "cannot VERB 'WHERE': ..." if it is not. */
static int
parse_line(struct glow_json *doc, const char *s, size_t n, const char *verb,
    const char *where)
{
	struct glow_json_error err;

	if (glow_json_parse(doc, s, n, &err) == 0)
		return 0;
	glow_warn("cannot %s '%s': %s at byte %zu", verb, where, err.reason,
	    err.offset + 1);
	return -1;
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
	struct glow_progress p;
	struct glow_jw w;
	const char *why;

	if (parse_line(&doc, s, n, "derive", where) < 0)
		return d->failed = -1;
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

	while ((c = glow_getopt(argc, argv, "", usage_text)) != -1)
		;
	each_line(argc - optind, argv + optind, derive_line, &d);
	glow_out(&d.out);
	glow_buf_free(&d.out);
	return d.failed ? GLOW_EXIT_NO : GLOW_EXIT_OK;
}

/* apply */

struct apply_ctx {
	struct glow_progress_apply a;
	int failed;
};

static int
apply_line(const char *s, size_t n, const char *where, void *arg)
{
	struct apply_ctx *c = arg;
	struct glow_json doc;
	const char *why;
	int rc;

	if (parse_line(&doc, s, n, "apply", where) < 0)
		return c->failed = -1;
	rc = glow_progress_apply_add(&c->a, &doc, 0, &why);
	glow_json_free(&doc);
	if (rc < 0 && !why)
		glow_die(GLOW_EXIT_ERR, "cannot apply 'input': out of memory");
	if (rc < 0) {
		glow_warn("cannot apply '%s': %s", where, why);
		c->failed = -1;
	}
	return rc;
}

static int
apply_fn(struct glow_roster *r, void *arg)
{
	return glow_progress_apply(arg, r);
}

static void
report(const struct glow_progress_apply *a, int dry)
{
	struct glow_buf md = GLOW_BUF_INIT;
	size_t k;

	for (k = 0; k < a->nrows; k++) {
		const struct glow_progress_row *row = &a->rows[k];
		const char *to = glow_progress_status_name(row->to);

		if (row->what == GLOW_PROGRESS_MOVED)
			fprintf(stderr, "%s: %s -> %s\n", row->key, row->from, to);
		else if (row->what == GLOW_PROGRESS_HELD)
			fprintf(stderr, "%s: %s kept, derived %s would move "
			    "backwards\n", row->key, row->from, to);
		else if (row->what == GLOW_PROGRESS_UNKNOWN)
			fprintf(stderr, "%s: not in the roster, derived %s "
			    "ignored\n", row->key, to);
	}
	fprintf(stderr, "apply%s: %ld moved, %ld unchanged, %ld kept, %ld not "
	    "in the roster\n", dry ? " (dry run)" : "",
	    a->count[GLOW_PROGRESS_MOVED], a->count[GLOW_PROGRESS_SAME],
	    a->count[GLOW_PROGRESS_HELD], a->count[GLOW_PROGRESS_UNKNOWN]);

	glow_progress_apply_summary(a, dry, &md);
	glow_step_summary(&md);
	glow_buf_free(&md);
}

static int
cmd_apply(int argc, char **argv)
{
	struct apply_ctx a;
	struct glow_roster r;
	struct glow_roster_status st;
	struct glow_buf rin = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	const char *file = NULL, *name;
	int c, dry = 0;

	memset(&a, 0, sizeof a);
	while ((c = glow_getopt(argc, argv, "f:n", usage_text)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!file && argc == 0)
		usage(GLOW_EXIT_ERR);   /* stdin cannot be both */
	each_line(argc, argv, apply_line, &a);
	if (a.failed)
		glow_die(GLOW_EXIT_ERR, "cannot apply 'input': malformed derived "
		    "lines, nothing written");

	if (file && !dry) {
		if (glow_roster_edit(file, 0, apply_fn, &a.a, NULL, &r, &st) < 0) {
			errno = st.errnum;
			switch (st.stage) {
			case GLOW_ROSTER_ELOCK:
				glow_die(GLOW_EXIT_ERR, "cannot lock '%s':", file);
			case GLOW_ROSTER_EREAD:
				glow_die(GLOW_EXIT_ERR, "cannot read '%s':", file);
			case GLOW_ROSTER_EPARSE:
				glow_die(GLOW_EXIT_NO, "invalid roster '%s': line %zu, "
				    "column %zu: %s", file, st.line, st.column,
				    st.jerr.reason);
			case GLOW_ROSTER_EINVALID:
				glow_roster_warn_problems(&r, "invalid roster", file);
				exit(GLOW_EXIT_NO);
			case GLOW_ROSTER_EAFTER:
				glow_roster_warn_problems(&r, "cannot apply: the "
				    "result would be invalid, nothing written", file);
				exit(GLOW_EXIT_NO);
			case GLOW_ROSTER_EWRITE:
				glow_die(GLOW_EXIT_ERR, "cannot write '%s':", file);
			default:
				glow_die(GLOW_EXIT_ERR, "cannot apply '%s': out of "
				    "memory", file);
			}
		}
	} else {
		name = file ? file : "stdin";
		glow_roster_open(file ? file : "-", &rin, &r);
		if (glow_progress_apply(&a.a, &r) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot apply '%s': out of memory", name);
		if (glow_roster_validate(&r)) {
			glow_roster_warn_problems(&r, "cannot apply: the result "
			    "would be invalid", name);
			exit(GLOW_EXIT_NO);
		}
		if (!file) {
			if (glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL,
			    NULL, NULL) < 0)
				out.failed = 1;
			glow_out(&out);
		}
	}
	report(&a.a, dry);
	glow_roster_free(&r);
	glow_progress_apply_free(&a.a);
	glow_buf_free(&rin);
	glow_buf_free(&out);
	return GLOW_EXIT_OK;
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
		    glow_buf_str(&msg));
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

/* Parse a list fetched for repo; what names it in diagnostics. */
static int
parse_list(struct glow_json *doc, const struct glow_buf *b, const char *repo,
    const char *what)
{
	struct glow_json_error err;

	if (glow_json_parse(doc, b->p, b->len, &err) == 0)
		return 0;
	glow_warn("cannot fetch '%s': %s: %s", repo, what, err.reason);
	return -1;
}

/* One learner's snapshot line (see glow_progress_snapshot()). */
static int
snapshot(struct fetch_ctx *f, struct glow_roster *r, size_t i,
    const char *repo, struct glow_buf *line)
{
	struct glow_json is, cs, ps;
	struct glow_jw w;
	char owner[128], name[128];
	const char *slash = strchr(repo, '/');
	int rc = -1, have_ps = 0;

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
	if (parse_list(&is, &f->issues, repo, "issues") < 0)
		return -1;
	if (parse_list(&cs, &f->comments, repo, "comments") < 0) {
		glow_json_free(&is);
		return -1;
	}
	if (f->force_pulls || glow_progress_snapshot_needs_pulls(&is)) {
		if (get_list(f, repo, owner, name, "pulls?state=all", &f->pulls) < 0 ||
		    parse_list(&ps, &f->pulls, repo, "pulls") < 0)
			goto done;
		have_ps = 1;
	}
	glow_jw_init(&w, line, 0);
	glow_progress_snapshot(&w, r, i, repo, &is, &cs, have_ps ? &ps : NULL,
	    &f->scratch);
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

/* Sleep so that the requests made since start keep to READ_RATE. */
static void
pace_reads(struct fetch_ctx *f, double start)
{
	double due = f->gh.stats.requests / READ_RATE * f->gh.wait_scale;

	glow_gh_sleep(due - (glow_gh_clock() - start));
}

/* The token: -t FILE ("-": standard input), else the environment; none
 * is fine. */
static void
read_token(const char *tokenfile, struct glow_buf *token)
{
	struct glow_buf why = GLOW_BUF_INIT;
	enum glow_gh_token_err te;
	const char *src;

	te = glow_gh_token_load(tokenfile, token, &src);
	if (te != GLOW_GH_TOKEN_OK && te != GLOW_GH_TOKEN_UNSET) {
		glow_gh_token_problem(&why, te, src);
		glow_die(GLOW_EXIT_ERR, "%s", why.p ? why.p : "no token");
	}
}

/* The learning room of a provisioned (or healed) learner, or NULL. */
static const char *
learning_room(const struct glow_roster *r, size_t i, struct glow_buf *scratch,
    size_t *n)
{
	const char *v = glow_roster_get(r, i, GLOW_RF_STATE, scratch, n);

	if (!v || !((*n == 11 && !memcmp(v, "provisioned", 11)) ||
	    (*n == 6 && !memcmp(v, "healed", 6))))
		return NULL;
	return glow_roster_get(r, i, GLOW_RF_REPO, scratch, n);
}

static int
cmd_fetch(int argc, char **argv)
{
	struct fetch_ctx f;
	struct glow_roster r;
	struct glow_buf text = GLOW_BUF_INIT, token = GLOW_BUF_INIT;
	const char *file = NULL, *tokenfile = NULL, *cache = NULL, *v;
	enum glow_gh_err e;
	size_t i, n, total = 0, done = 0;
	long before, before304;
	double start;
	int c, failed = 0;
	char repo[256];

	memset(&f, 0, sizeof f);
	while ((c = glow_getopt(argc, argv, "c:f:Pt:", usage_text)) != -1) {
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
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (file && argc))
		usage(GLOW_EXIT_ERR);
	if (!file)
		file = argc ? argv[0] : "-";
	if (tokenfile && !strcmp(tokenfile, "-") && !strcmp(file, "-"))
		glow_die(GLOW_EXIT_ERR, "cannot read both the token and the roster "
		    "from standard input: give the roster with -f");
	glow_roster_open(file, &text, &r);
	glow_roster_sort(&r);

	if ((e = glow_gh_init(&f.gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&f.gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot set up 'github': %s",
		    glow_gh_strerror(e));
	if (cache)
		f.gh.cache_dir = cache;
	read_token(tokenfile, &token);
	f.gh.token = token.len ? token.p : NULL;

	for (i = 0; i < r.nlearner; i++)
		if (learning_room(&r, i, &f.scratch, &n))
			total++;
	start = glow_gh_clock();
	for (i = 0; i < r.nlearner; i++) {
		if (!(v = learning_room(&r, i, &f.scratch, &n)))
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
		glow_out(&f.line);
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

static const struct glow_cmd cmds[] = {
	{ "derive", cmd_derive }, { "fetch", cmd_fetch }, { "apply", cmd_apply },
};

int
main(int argc, char **argv)
{
	return glow_cmd_main(argc, argv, usage_text, cmds,
	    sizeof cmds / sizeof *cmds);
}
