/* SPDX-License-Identifier: ISC */
/*
 * glow-provision: the idempotent, serial, paced provisioning of pending
 * and failed learners: one private repository per learner from the
 * template, verified and healed, then the invitation; the roster updated
 * and the log appended as each learner finishes.  See glow-provision(1).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "fsio.h"
#include "github.h"
#include "json.h"
#include "provision.h"
#include "roster.h"

#define MAX_INPUT ((size_t)1 << 30)
#define MARKER "<!-- glow:room-ready -->"
#define DEFAULT_WORKFLOWS \
	"pr-validation-bot.yml,student-progression.yml,content-validation.yml"
#define WORKFLOW_DIR ".github/workflows"

struct learner {
	size_t idx;                     /* index in the roster */
	char *key, *handle, *cohort;
	char *owner, *name;             /* the repository */
	char *full;                     /* owner/name */
	char *enroll;                   /* enrollment repository, or NULL */
	long long issue;                /* enrollment issue, or 0 */
	char state[16];
	enum glow_prov_sel sel;
};

struct outcome {
	const char *result;             /* created, already-exists, healed,
	                                   skipped, error; "verified" */
	const char *invitation, *comment;
	char *healed[16];
	size_t nhealed;
	struct glow_buf detail;
	long requests;
	int created, exists;
};

struct row {                            /* for the step summary */
	char *key, *repo, *result, *invitation, *detail;
	long requests;
};

struct tfile {                          /* a template file, base64 */
	char *name, *b64;
};

static struct {
	/* settings */
	int dry, all, verbose, comment;
	double timeout;
	const char *roster_file, *log_file, *token_file, *token_cmd;
	const char *summary_file;
	char *tmpl_owner, *tmpl_name, *tmpl_full, *owner;
	char **workflows;
	size_t nworkflows;

	/* the client and the token */
	struct glow_gh gh;
	struct glow_buf token;
	long long token_exp;            /* epoch seconds; 0 unknown */
	long long token_margin;

	/* what the run learned */
	int listed;                     /* names[] holds the owner's repos */
	char **names;
	size_t nnames, capnames;
	int have_sha;
	char sha[64];
	struct tfile *tfiles;
	size_t ntfiles;
	double guess;                   /* seconds before the first content check */
	double wait_content;

	/* state of the run */
	const char *fatal;              /* why the batch stops (auth), or NULL */
	struct glow_buf fatal_msg;
	int limited_stop;
	struct row *rows;
	size_t nrows;
	long count[6];
	struct glow_buf web;
} P;

enum { C_CREATED, C_EXISTS, C_HEALED, C_VERIFIED, C_SKIPPED, C_ERROR };

static volatile sig_atomic_t stop_requested;

static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: glow-provision [-naiv] [-f roster] [-l log] [-s summary]\n"
	    "                      [-t tokenfile | -c command] [-T template] [-o owner]\n"
	    "                      [-w workflow,...] [-k seconds]\n"
	    "       glow-provision --check-auth [-v] [-t tokenfile | -c command] "
	    "[-T template]\n");
	exit(status);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep seconds, scaled as the client scales its waits (GLOW_WAIT_SCALE). */
static void
sleep_scaled(double seconds)
{
	double real = seconds * P.gh.wait_scale;
	struct timespec ts;

	if (real <= 0)
		return;
	ts.tv_sec = (time_t)real;
	ts.tv_nsec = (long)((real - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

static void
lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

static void
now_iso(char out[40])
{
	const char *v = getenv("GLOW_NOW");

	if (v && *v && strlen(v) < 40 && glow_roster_time_ok(v, strlen(v))) {
		strcpy(out, v);
		return;
	}
	glow_roster_now(out);
}

/* --------------------------------------------------------------- tokens */

/* The token's expiry from token JSON (expires_at), or 0. */
static long long
token_expiry(const char *text, size_t len)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	char *s;
	long long t = 0;

	if (glow_json_parse(&doc, text, len, &jerr) < 0)
		return 0;
	if (glow_json_type(&doc, 0) == GLOW_JSON_OBJECT &&
	    (s = glow_json_strdup(&doc, glow_json_get(&doc, 0, "expires_at")))) {
		t = glow_prov_time(s);
		free(s);
	}
	glow_json_free(&doc);
	return t > 0 ? t : 0;
}

/* Run the token command: 0, or -1 with a diagnostic printed. */
static int
token_from_cmd(void)
{
	struct glow_buf out = GLOW_BUF_INIT, tok = GLOW_BUF_INIT;
	FILE *f;
	int st;
	long long now;

	fflush(NULL);
	if (!(f = popen(P.token_cmd, "r"))) {
		glow_warn("cannot run token command:");
		return -1;
	}
	if (glow_read_fd(fileno(f), &out, (size_t)1 << 20) < 0) {
		glow_warn("cannot read token command output:");
		pclose(f);
		glow_buf_wipe(&out);
		return -1;
	}
	st = pclose(f);
	if (st != 0) {
		glow_warn("cannot mint a token: the token command failed "
		    "(status %d)", st == -1 ? -1 : (st >> 8) & 0xff);
		glow_buf_wipe(&out);
		return -1;
	}
	if (glow_gh_token_parse(out.p ? out.p : "", out.len, &tok) < 0) {
		glow_warn("cannot mint a token: no token in the token command's "
		    "output");
		glow_buf_wipe(&out);
		return -1;
	}
	P.token_exp = token_expiry(out.p, out.len);
	glow_buf_wipe(&out);
	glow_buf_wipe(&P.token);
	glow_buf_add(&P.token, tok.p, tok.len);
	glow_buf_wipe(&tok);
	if (P.token.failed)
		glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
	P.gh.token = P.token.p;
	/* refresh 5 minutes early, or half way for short-lived tokens */
	now = (long long)time(NULL);
	P.token_margin = 300;
	if (P.token_exp && (P.token_exp - now) / 2 < P.token_margin)
		P.token_margin = (P.token_exp - now) / 2;
	if (P.verbose)
		glow_warn("minted a token%s", P.token_exp ? "" :
		    " (no expires_at: refreshed on 401 only)");
	return 0;
}

/* The first token: -c, -t, or the environment.  0, or -1 if none. */
static int
token_load(void)
{
	const char *src = NULL;

	if (P.token_cmd)
		return token_from_cmd();
	switch (glow_gh_token_load(P.token_file, &P.token, &src)) {
	case GLOW_GH_TOKEN_OK:
		P.gh.token = P.token.p;
		return 0;
	case GLOW_GH_TOKEN_UNSET:
		return -1;
	case GLOW_GH_TOKEN_READ:
		glow_die(GLOW_EXIT_ERR, "cannot read token '%s':", src);
	case GLOW_GH_TOKEN_EMPTY:
		glow_die(GLOW_EXIT_ERR, "cannot read token '%s': empty", src);
	default:
		glow_die(GLOW_EXIT_ERR, "cannot read token '%s': no token in it",
		    src);
	}
}

static void
set_fatal(const char *why, const struct glow_gh_resp *r)
{
	P.fatal = why;
	glow_buf_reset(&P.fatal_msg);
	glow_buf_adds(&P.fatal_msg, why);
	if (r && r->status) {
		glow_buf_printf(&P.fatal_msg, ": %ld ", r->status);
		glow_gh_message(r, &P.fatal_msg);
	}
}

/* Before a request: a token due for renewal is renewed. */
static int
token_fresh(void)
{
	if (!P.token_cmd || !P.token_exp)
		return 0;
	if ((long long)time(NULL) < P.token_exp - P.token_margin)
		return 0;
	if (P.verbose)
		glow_warn("the token expires soon: minting a new one");
	if (token_from_cmd() < 0) {
		set_fatal("cannot renew the token", NULL);
		return -1;
	}
	return 0;
}

/*
 * One request through the shared client, with the token kept fresh: a 401
 * with -c mints a new token and tries once more; a 401 that stays stops
 * the batch (P.fatal).  A limit the client could not wait out stops it too.
 */
static enum glow_gh_err
call(const char *method, const char *path, const char *body,
    struct glow_gh_resp *r)
{
	enum glow_gh_err e;
	size_t len = body ? strlen(body) : 0;

	if (P.fatal)
		return GLOW_GH_HTTP;
	if (token_fresh() < 0)
		return GLOW_GH_HTTP;
	e = glow_gh_request(&P.gh, method, path, body, len, r);
	if (e == GLOW_GH_HTTP && r->status == 401 && P.token_cmd) {
		if (P.verbose)
			glow_warn("401 on '%s': minting a new token", path);
		if (token_from_cmd() < 0) {
			set_fatal("cannot renew the token", NULL);
			return e;
		}
		e = glow_gh_request(&P.gh, method, path, body, len, r);
	}
	if (e == GLOW_GH_HTTP && r->status == 401)
		set_fatal("authentication refused", r);
	if (e == GLOW_GH_LIMITED)
		P.limited_stop = 1;
	return e;
}

/* Every page of a list, as one array in out.  The same token rules. */
static enum glow_gh_err
call_list(const char *path, struct glow_buf *out, struct glow_gh_resp *r)
{
	enum glow_gh_err e;

	if (P.fatal)
		return GLOW_GH_HTTP;
	if (token_fresh() < 0)
		return GLOW_GH_HTTP;
	glow_buf_reset(out);
	e = glow_gh_paginate(&P.gh, path, NULL, 1, out, NULL, r);
	if (e == GLOW_GH_HTTP && r->status == 401 && P.token_cmd) {
		if (token_from_cmd() < 0) {
			set_fatal("cannot renew the token", NULL);
			return e;
		}
		glow_buf_reset(out);
		e = glow_gh_paginate(&P.gh, path, NULL, 1, out, NULL, r);
	}
	if (e == GLOW_GH_HTTP && r->status == 401)
		set_fatal("authentication refused", r);
	if (e == GLOW_GH_LIMITED)
		P.limited_stop = 1;
	return e;
}

/* "what 'object': reason" into o->detail, for the log and the progress. */
static int
fail(struct outcome *o, enum glow_gh_err e, const struct glow_gh_resp *r,
    const char *fmt, ...)
{
	va_list ap;

	glow_buf_reset(&o->detail);
	va_start(ap, fmt);
	glow_buf_vprintf(&o->detail, fmt, ap);
	va_end(ap);
	glow_buf_adds(&o->detail, ": ");
	if (P.fatal && (!r || r->status != 401) && e == GLOW_GH_HTTP &&
	    (!r || !r->status))
		glow_buf_adds(&o->detail, P.fatal_msg.p);
	else if (e == GLOW_GH_HTTP || (e == GLOW_GH_LIMITED && r && r->status)) {
		if (e == GLOW_GH_LIMITED)
			glow_buf_printf(&o->detail, "%s: ", glow_gh_strerror(e));
		glow_buf_printf(&o->detail, "%ld ", r->status);
		glow_gh_message(r, &o->detail);
	} else if (e == GLOW_GH_OK)
		glow_buf_adds(&o->detail, "unexpected answer");
	else
		glow_buf_adds(&o->detail, glow_gh_strerror(e));
	o->result = "error";
	return -1;
}

/* Does GitHub's message in r contain s (case-insensitive)? */
static int
message_has(const struct glow_gh_resp *r, const char *s)
{
	struct glow_buf m = GLOW_BUF_INIT;
	int yes;

	glow_gh_message(r, &m);
	yes = m.p && strcasestr(m.p, s) != NULL;
	glow_buf_free(&m);
	return yes;
}

/* ------------------------------------------------------------- existence */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
add_name(const char *s)
{
	char **n;

	if (P.nnames == P.capnames) {
		P.capnames = P.capnames ? P.capnames * 2 : 256;
		if (!(n = realloc(P.names, P.capnames * sizeof *n)))
			glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
		P.names = n;
	}
	P.names[P.nnames] = xstrdup(s);
	lower(P.names[P.nnames++]);
}

/* Add the names of one page's repositories owned by P.owner. */
static int
add_page(const struct glow_buf *body)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	int arr, v, own;
	char *name;

	if (glow_json_parse(&doc, body->p ? body->p : "", body->len, &jerr) < 0)
		return -1;
	arr = 0;
	if (glow_json_type(&doc, 0) == GLOW_JSON_OBJECT)
		arr = glow_json_get(&doc, 0, "repositories");
	if (glow_json_type(&doc, arr) != GLOW_JSON_ARRAY) {
		glow_json_free(&doc);
		return -1;
	}
	for (v = glow_json_first(&doc, arr); v >= 0; v = glow_json_next(&doc, v)) {
		own = glow_json_get(&doc, v, "owner");
		if (glow_json_type(&doc, own) == GLOW_JSON_OBJECT) {
			char *login = glow_json_strdup(&doc,
			    glow_json_get(&doc, own, "login"));

			if (!login || strcasecmp(login, P.owner) != 0) {
				free(login);
				continue;
			}
			free(login);
		}
		if ((name = glow_json_strdup(&doc, glow_json_get(&doc, v, "name")))) {
			add_name(name);
			free(name);
		}
	}
	glow_json_free(&doc);
	return 0;
}

/*
 * Learn which repositories the owner has, in one paginated listing:
 * GET /orgs/{owner}/repos, or for a user account /installation/repositories
 * (a user's private repositories are not in /users/{u}/repos).  When the
 * listing is unavailable, or longer than asking for each learner's
 * repository would be, P.listed stays 0 and each learner is asked for.
 */
static void
learn_listing(size_t nwanted)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	int pages = 0, attempt;
	size_t maxpages = nwanted > 3 ? nwanted : 3;
	char *next = NULL;

	glow_gh_resp_init(&r);
	for (attempt = 0; attempt < 2 && !P.listed; attempt++) {
		glow_buf_reset(&path);
		if (attempt == 0)
			glow_gh_path(&path, "/orgs/%s/repos", P.owner);
		else
			glow_buf_adds(&path, "/installation/repositories");
		glow_buf_adds(&path, "?per_page=100");
		P.nnames = 0;
		pages = 0;
		free(next);
		next = xstrdup(path.p);
		for (;;) {
			e = call("GET", next, NULL, &r);
			if (e != GLOW_GH_OK || add_page(&r.body) < 0)
				break;
			if (++pages > (int)maxpages) {
				e = GLOW_GH_TOOBIG;
				break;
			}
			free(next);
			if (!r.next[0]) {
				next = NULL;
				P.listed = 1;
				break;
			}
			next = xstrdup(r.next);
		}
		if (P.fatal)
			break;
		if (P.verbose && !P.listed)
			glow_warn("no listing from '%s' (%s%ld): asking for each "
			    "repository", path.p, e == GLOW_GH_TOOBIG ?
			    "too many pages, " : "", r.status);
		if (e == GLOW_GH_TOOBIG)
			break;
		/* an organisation's listing failing for another reason than
		 * "not an organisation" is not retried elsewhere */
		if (attempt == 0 && !(e == GLOW_GH_HTTP && r.status == 404))
			break;
	}
	if (P.listed)
		qsort(P.names, P.nnames, sizeof *P.names, cmp_str);
	else {
		while (P.nnames)
			free(P.names[--P.nnames]);
	}
	free(next);
	glow_buf_free(&path);
	glow_gh_resp_free(&r);
}

/* 1 exists, 0 not, -1 error (o filled). */
static int
repo_exists(struct learner *l, struct outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	char *lname;
	int rc;

	if (P.listed && strcasecmp(l->owner, P.owner) == 0) {
		lname = xstrdup(l->name);
		lower(lname);
		rc = bsearch(&lname, P.names, P.nnames, sizeof *P.names,
		    cmp_str) != NULL;
		free(lname);
		return rc;
	}
	glow_gh_path(&path, "/repos/%s/%s", l->owner, l->name);
	glow_gh_resp_init(&r);
	e = call("GET", path.p, NULL, &r);
	if (e == GLOW_GH_OK)
		rc = 1;
	else if (e == GLOW_GH_HTTP && r.status == 404)
		rc = 0;
	else
		rc = fail(o, e, &r, "cannot look up '%s'", l->full);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

/* ------------------------------------------------------------- template */

/* The template's head commit, once per run; NULL if it cannot be read. */
static const char *
template_sha(void)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	char *s;

	if (P.have_sha)
		return P.sha[0] ? P.sha : NULL;
	P.have_sha = 1;
	glow_gh_path(&path, "/repos/%s/%s/commits/HEAD", P.tmpl_owner, P.tmpl_name);
	glow_gh_resp_init(&r);
	if (call("GET", path.p, NULL, &r) == GLOW_GH_OK &&
	    glow_json_parse(&doc, r.body.p ? r.body.p : "", r.body.len, &jerr) == 0) {
		if ((s = glow_json_strdup(&doc, glow_json_get(&doc, 0, "sha")))) {
			if (strlen(s) < sizeof P.sha)
				strcpy(P.sha, s);
			free(s);
		}
		glow_json_free(&doc);
	} else if (P.verbose)
		glow_warn("cannot read the head of '%s': %ld", P.tmpl_full, r.status);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return P.sha[0] ? P.sha : NULL;
}

/* A template workflow file's content, base64 without line breaks. */
static const char *
template_file(const char *name, struct outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, b = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	struct tfile *t;
	size_t k, j;

	for (k = 0; k < P.ntfiles; k++)
		if (strcmp(P.tfiles[k].name, name) == 0)
			return P.tfiles[k].b64;
	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s/%s", P.tmpl_owner,
	    P.tmpl_name, ".github", "workflows", name);
	glow_gh_resp_init(&r);
	doc.tok = NULL;
	e = call("GET", path.p, NULL, &r);
	if (e != GLOW_GH_OK) {
		fail(o, e, &r, "cannot heal: cannot read '%s/%s/%s' from the "
		    "template", P.tmpl_full, WORKFLOW_DIR, name);
		goto out;
	}
	if (glow_json_parse(&doc, r.body.p ? r.body.p : "", r.body.len, &jerr) < 0 ||
	    glow_json_string(&doc, glow_json_get(&doc, 0, "content"), &b) < 0) {
		if (doc.tok)
			glow_json_free(&doc);
		fail(o, GLOW_GH_JSON, &r, "cannot heal: '%s/%s/%s' in the "
		    "template is not a file", P.tmpl_full, WORKFLOW_DIR, name);
		goto out;
	}
	glow_json_free(&doc);
	for (k = j = 0; k < b.len; k++)
		if (b.p[k] != '\n' && b.p[k] != '\r')
			b.p[j++] = b.p[k];
	if (!(t = realloc(P.tfiles, (P.ntfiles + 1) * sizeof *t)))
		glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
	P.tfiles = t;
	t[P.ntfiles].name = xstrdup(name);
	t[P.ntfiles].b64 = xstrndup(b.p ? b.p : "", j);
	glow_buf_free(&b);
	glow_buf_free(&path);
	glow_gh_resp_free(&r);
	return t[P.ntfiles++].b64;
out:
	glow_buf_free(&b);
	glow_buf_free(&path);
	glow_gh_resp_free(&r);
	return NULL;
}

/* ------------------------------------------------------------ the steps */

static int
generate(struct learner *l, struct outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf desc = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_jw w;
	enum glow_gh_err e;
	int rc = 0;

	(void)template_sha();
	if (P.fatal)
		return fail(o, GLOW_GH_HTTP, NULL, "cannot create '%s'", l->full);
	glow_gh_path(&path, "/repos/%s/%s/generate", P.tmpl_owner, P.tmpl_name);
	glow_buf_printf(&desc, "Learning room of @%s (%s)", l->handle, l->cohort);
	glow_jw_init(&w, &body, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "owner");
	glow_jw_str(&w, l->owner);
	glow_jw_key(&w, "name");
	glow_jw_str(&w, l->name);
	glow_jw_key(&w, "description");
	glow_jw_str(&w, desc.p);
	glow_jw_key(&w, "private");
	glow_jw_bool(&w, 1);
	glow_jw_key(&w, "include_all_branches");
	glow_jw_bool(&w, 0);
	glow_jw_end(&w);
	glow_gh_resp_init(&r);
	e = call("POST", path.p, body.p, &r);
	if (e == GLOW_GH_OK && r.status == 201)
		o->created = 1;
	else if (e == GLOW_GH_HTTP && r.status == 422 &&
	    message_has(&r, "already exists"))
		o->exists = 1;          /* the name clash: it exists */
	else
		rc = fail(o, e, &r, "cannot create '%s'", l->full);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&desc);
	return rc;
}

static int
heal(struct learner *l, struct outcome *o, const char *file)
{
	struct glow_buf path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_jw w;
	enum glow_gh_err e;
	const char *b64;
	int rc = 0;

	if (!(b64 = template_file(file, o)))
		return -1;
	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s/%s", l->owner, l->name,
	    ".github", "workflows", file);
	glow_buf_printf(&msg, "Restore %s/%s from the template", WORKFLOW_DIR, file);
	glow_jw_init(&w, &body, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "message");
	glow_jw_str(&w, msg.p);
	glow_jw_key(&w, "content");
	glow_jw_str(&w, b64);
	glow_jw_end(&w);
	glow_gh_resp_init(&r);
	e = call("PUT", path.p, body.p, &r);
	if (e == GLOW_GH_OK && (r.status == 201 || r.status == 200)) {
		if (o->nhealed < sizeof o->healed / sizeof o->healed[0])
			o->healed[o->nhealed++] = xstrdup(file);
	} else
		rc = fail(o, e, &r, "cannot heal '%s': cannot write %s/%s",
		    l->full, WORKFLOW_DIR, file);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&msg);
	return rc;
}

/*
 * Wait for the repository's content, then verify the required workflow
 * files, healing those that are missing.  A new repository is first
 * looked at after P.guess seconds, which adapts to how long GitHub takes
 * (a check that comes too early costs a request; one that comes late,
 * time).
 */
static int
verify(struct learner *l, struct outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	double wait = o->created ? P.guess : 0, waited = 0;
	int early = 0, have = 0, rc = 0;
	size_t k;

	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s", l->owner, l->name,
	    ".github", "workflows");
	glow_gh_resp_init(&r);
	for (;;) {
		if (wait > 0) {
			sleep_scaled(wait);
			waited += wait;
			P.wait_content += wait;
		}
		e = call("GET", path.p, NULL, &r);
		if (e == GLOW_GH_OK)
			break;
		if (e == GLOW_GH_HTTP && (r.status == 409 || (r.status == 404 &&
		    message_has(&r, "empty")))) {
			early++;
			if (waited >= P.timeout) {
				glow_buf_reset(&o->detail);
				glow_buf_printf(&o->detail, "content of '%s' did not "
				    "arrive in %.0f s", l->full, waited);
				o->result = "error";
				rc = -1;
				goto out;
			}
			wait = wait > 0 ? wait * 2 : P.guess;
			if (wait > 30)
				wait = 30;
			if (waited + wait > P.timeout)
				wait = P.timeout - waited;
			if (wait < 0.05)
				wait = 0.05;
			continue;
		}
		if (e == GLOW_GH_HTTP && r.status == 404) {
			have = -1;      /* no workflow directory at all */
			break;
		}
		rc = fail(o, e, &r, "cannot verify '%s'", l->full);
		goto out;
	}
	if (o->created) {
		/* learn: shorten the first wait while it works, else take
		 * the time it took */
		if (!early)
			P.guess = P.guess * 0.75 < 0.05 ? 0.05 : P.guess * 0.75;
		else
			P.guess = waited > 10 ? 10 : waited;
	}
	if (have == 0) {
		if (glow_json_parse(&doc, r.body.p ? r.body.p : "", r.body.len,
		    &jerr) < 0) {
			rc = fail(o, GLOW_GH_JSON, &r, "cannot verify '%s'", l->full);
			goto out;
		}
		have = 1;
	}
	for (k = 0; k < P.nworkflows && rc == 0; k++) {
		if (have == 1 && glow_prov_dir_has(&doc, 0, P.workflows[k]))
			continue;
		if (P.verbose)
			glow_warn("'%s' lacks %s/%s: healing", l->full, WORKFLOW_DIR,
			    P.workflows[k]);
		rc = heal(l, o, P.workflows[k]);
	}
	if (have == 1)
		glow_json_free(&doc);
out:
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

/* Send the invitation: PUT collaborators/{user} with push. */
static int
invite_put(struct learner *l, struct outcome *o, const char *fresh)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	int rc = 0;

	glow_gh_path(&path, "/repos/%s/%s/collaborators/%s", l->owner, l->name,
	    l->handle);
	glow_gh_resp_init(&r);
	e = call("PUT", path.p, "{\"permission\":\"push\"}", &r);
	if (e == GLOW_GH_OK && r.status == 204)
		o->invitation = "collaborator";
	else if (e == GLOW_GH_OK && (r.status == 201 || r.status == 200))
		o->invitation = fresh;
	else if (e == GLOW_GH_HTTP && (r.status == 404 || r.status == 422))
		rc = fail(o, e, &r, "cannot invite '%s' to '%s' (no such user?)",
		    l->handle, l->full);
	else
		rc = fail(o, e, &r, "cannot invite '%s' to '%s'", l->handle, l->full);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

/*
 * The learner gets access, after verification.  A new repository has no
 * invitation yet: send it.  An existing one: a collaborator or a live
 * invitation is success (two cacheable GETs, so that -a on a healthy cohort
 * costs only 304s); an expired invitation is deleted and sent again.
 */
static int
invite(struct learner *l, struct outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, list = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	long long id = 0;
	int rc = 0, inv;

	if (o->created)
		return invite_put(l, o, "invited");
	glow_gh_resp_init(&r);
	glow_gh_path(&path, "/repos/%s/%s/collaborators", l->owner, l->name);
	glow_buf_adds(&path, "?affiliation=direct");
	e = call_list(path.p, &list, &r);
	if (e != GLOW_GH_OK) {
		rc = fail(o, e, &r, "cannot list the collaborators of '%s'", l->full);
		goto out;
	}
	if (glow_json_parse(&doc, list.p, list.len, &jerr) == 0) {
		int yes = glow_prov_login_in(&doc, 0, l->handle);

		glow_json_free(&doc);
		if (yes) {
			o->invitation = "collaborator";
			goto out;
		}
	}
	glow_buf_reset(&path);
	glow_gh_path(&path, "/repos/%s/%s/invitations", l->owner, l->name);
	e = call_list(path.p, &list, &r);
	if (e != GLOW_GH_OK) {
		rc = fail(o, e, &r, "cannot list the invitations of '%s'", l->full);
		goto out;
	}
	inv = GLOW_PROV_INV_NONE;
	if (glow_json_parse(&doc, list.p, list.len, &jerr) == 0) {
		inv = glow_prov_invitation(&doc, 0, l->handle, &id);
		glow_json_free(&doc);
	}
	if (inv == GLOW_PROV_INV_LIVE) {
		o->invitation = "already-invited";
		goto out;
	}
	if (inv == GLOW_PROV_INV_EXPIRED) {
		glow_buf_reset(&path);
		glow_gh_path(&path, "/repos/%s/%s/invitations/%lld", l->owner,
		    l->name, id);
		e = call("DELETE", path.p, NULL, &r);
		if (e != GLOW_GH_OK && !(e == GLOW_GH_HTTP && r.status == 404)) {
			rc = fail(o, e, &r, "cannot delete the expired invitation "
			    "of '%s' to '%s'", l->handle, l->full);
			goto out;
		}
	}
	rc = invite_put(l, o, inv == GLOW_PROV_INV_EXPIRED ? "renewed" : "invited");
out:
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&list);
	return rc;
}

/* The "your room is ready" comment, once: the marker says it is there. */
static int
comment(struct learner *l, struct outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, list = GLOW_BUF_INIT;
	struct glow_buf body = GLOW_BUF_INIT, text = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_jw w;
	enum glow_gh_err e;
	char *slash;
	int rc = 0;

	if (!l->enroll || l->issue <= 0 || !(slash = strchr(l->enroll, '/')))
		return 0;
	*slash = '\0';
	glow_gh_path(&path, "/repos/%s/%s/issues/%lld/comments", l->enroll,
	    slash + 1, l->issue);
	*slash = '/';
	glow_gh_resp_init(&r);
	e = call_list(path.p, &list, &r);
	if (e != GLOW_GH_OK) {
		rc = fail(o, e, &r, "cannot read the comments of '%s#%lld'",
		    l->enroll, l->issue);
		goto out;
	}
	if (glow_json_parse(&doc, list.p, list.len, &jerr) == 0) {
		int yes = glow_prov_marker_in(&doc, 0, MARKER);

		glow_json_free(&doc);
		if (yes) {
			o->comment = "present";
			goto out;
		}
	}
	glow_buf_printf(&text, "@%s, your learning room is ready: %s/%s\n\n"
	    "Accept the invitation at %s/%s/invitations to start.\n\n" MARKER "\n",
	    l->handle, P.web.p, l->full, P.web.p, l->full);
	glow_jw_init(&w, &body, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "body");
	glow_jw_str(&w, text.p);
	glow_jw_end(&w);
	e = call("POST", path.p, body.p, &r);
	if (e == GLOW_GH_OK && r.status == 201)
		o->comment = "posted";
	else
		rc = fail(o, e, &r, "cannot comment on '%s#%lld'", l->enroll,
		    l->issue);
out:
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&list);
	glow_buf_free(&body);
	glow_buf_free(&text);
	return rc;
}

/* One learner, start to end.  o->result says how it went. */
static void
process(struct learner *l, struct outcome *o)
{
	int ex;

	if ((ex = repo_exists(l, o)) < 0)
		return;
	if (!ex && generate(l, o) < 0)
		return;
	if (ex)
		o->exists = 1;
	if (verify(l, o) < 0 || invite(l, o) < 0)
		return;
	if (P.comment && comment(l, o) < 0)
		return;
	if (o->nhealed)
		o->result = "healed";
	else if (o->created)
		o->result = "created";
	else if (l->sel == GLOW_PROV_VERIFY &&
	    (!o->invitation || !strcmp(o->invitation, "collaborator") ||
	    !strcmp(o->invitation, "already-invited")) &&
	    (!o->comment || !strcmp(o->comment, "present")))
		o->result = "verified";         /* healthy, nothing changed */
	else
		o->result = "already-exists";
}

/* --------------------------------------------------------------- roster */

struct update {
	const char *key, *repo, *state;
};

static int
update_fn(struct glow_roster *r, void *arg)
{
	struct update *u = arg;
	long i = glow_roster_find(r, u->key, strlen(u->key));

	if (i < 0)
		return -1;
	if (u->repo && glow_roster_set_str(r, (size_t)i, "learning_room_repo",
	    u->repo) < 0)
		return -1;
	if (u->state && glow_roster_set_str(r, (size_t)i, "provision_state",
	    u->state) < 0)
		return -1;
	return 0;
}

/* Write one learner's outcome into the roster: the file under its lock,
 * or the roster in memory.  0, or -1 (the batch stops). */
static int
roster_update(struct glow_roster *mem, struct learner *l, const char *repo,
    const char *state)
{
	struct update u = { l->key, repo, state };
	struct glow_roster r;
	struct glow_roster_status st;
	int rc = 0;

	if (!P.roster_file)
		return update_fn(mem, &u) < 0 ? -1 : 0;
	if (glow_roster_edit(P.roster_file, 0, update_fn, &u, NULL, &r, &st) < 0) {
		errno = st.errnum;
		switch (st.stage) {
		case GLOW_ROSTER_ECALLBACK:
			glow_warn("cannot update '%s' in '%s': the learner is no "
			    "longer there", l->key, P.roster_file);
			break;
		case GLOW_ROSTER_EINVALID:
		case GLOW_ROSTER_EAFTER:
		case GLOW_ROSTER_EPARSE:
			glow_warn("cannot update '%s': the roster does not "
			    "validate any more", P.roster_file);
			rc = -1;
			break;
		default:
			glow_warn("cannot update '%s':", P.roster_file);
			rc = -1;
		}
	}
	glow_roster_free(&r);
	return rc;
}

/* ----------------------------------------------------------- reporting */

static void
md_cell(struct glow_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' ||
		    *s == '_' || *s == '<' || *s == '[')
			glow_buf_addc(b, '\\');
		glow_buf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

static const char *const count_name[] = {
	"created", "already_exists", "healed", "verified", "skipped", "error"
};

static void
step_summary(size_t nsel, int interrupted)
{
	const char *f = getenv("GITHUB_STEP_SUMMARY"), *a = getenv("GITHUB_ACTIONS");
	struct glow_buf md = GLOW_BUF_INIT;
	size_t k;

	if (!a || strcmp(a, "true") || !f || !*f)
		return;
	glow_buf_printf(&md, "### glow-provision%s\n\n", P.dry ? " (dry run)" : "");
	glow_buf_printf(&md, "%zu learners taken: %ld created, %ld already "
	    "existed, %ld healed, %ld verified, %ld skipped, %ld failed; %ld "
	    "requests%s.\n\n", nsel, P.count[C_CREATED], P.count[C_EXISTS],
	    P.count[C_HEALED], P.count[C_VERIFIED], P.count[C_SKIPPED],
	    P.count[C_ERROR], P.gh.stats.requests,
	    interrupted ? "; interrupted, the rest is left for the next run" : "");
	if (P.nrows) {
		glow_buf_adds(&md, "| learner | repository | result | invitation "
		    "| requests | detail |\n|---|---|---|---|---:|---|\n");
		for (k = 0; k < P.nrows; k++) {
			struct row *w = &P.rows[k];

			glow_buf_adds(&md, "| ");
			md_cell(&md, w->key);
			glow_buf_adds(&md, " | ");
			md_cell(&md, w->repo);
			glow_buf_adds(&md, " | ");
			md_cell(&md, w->result);
			glow_buf_adds(&md, " | ");
			md_cell(&md, w->invitation ? w->invitation : "");
			glow_buf_printf(&md, " | %ld | ", w->requests);
			md_cell(&md, w->detail ? w->detail : "");
			glow_buf_adds(&md, " |\n");
		}
		glow_buf_addc(&md, '\n');
	}
	if (md.failed || glow_append_durable(f, md.p, md.len, 0644) < 0)
		glow_warn("cannot write '%s':", f);
	glow_buf_free(&md);
}

static void
summary(size_t nlearners, size_t nsel, size_t ndone, int interrupted,
    double t0)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_jw w;
	const struct glow_gh_stats *s = &P.gh.stats;
	char num[64];
	size_t k;
	FILE *f = NULL;

	glow_jw_init(&w, &b, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "summary");
	glow_jw_bool(&w, 1);
	glow_jw_key(&w, "dry_run");
	glow_jw_bool(&w, P.dry);
	glow_jw_key(&w, "learners");
	glow_jw_int(&w, (long long)nlearners);
	glow_jw_key(&w, "selected");
	glow_jw_int(&w, (long long)nsel);
	glow_jw_key(&w, "done");
	glow_jw_int(&w, (long long)ndone);
	for (k = 0; k < 6; k++) {
		glow_jw_key(&w, count_name[k]);
		glow_jw_int(&w, P.count[k]);
	}
	glow_jw_key(&w, "requests");
	glow_jw_int(&w, s->requests);
	glow_jw_key(&w, "not_modified");
	glow_jw_int(&w, s->not_modified);
	glow_jw_key(&w, "retries");
	glow_jw_int(&w, s->retries);
	glow_jw_key(&w, "limited");
	glow_jw_int(&w, s->limited);
	glow_jw_key(&w, "wait_limit_s");
	glow_jw_int(&w, (long long)(s->wait_limit + 0.5));
	glow_jw_key(&w, "wait_pace_s");
	glow_jw_int(&w, (long long)(s->wait_pace + 0.5));
	glow_jw_key(&w, "wait_backoff_s");
	glow_jw_int(&w, (long long)(s->wait_backoff + 0.5));
	glow_jw_key(&w, "wait_content_s");
	glow_jw_int(&w, (long long)(P.wait_content + 0.5));
	snprintf(num, sizeof num, "%.2f", mono() - t0);
	glow_jw_key(&w, "elapsed_s");
	{
		struct glow_json nd;
		struct glow_json_error je;

		if (glow_json_parse(&nd, num, strlen(num), &je) == 0) {
			glow_jw_value(&w, &nd, 0);
			glow_json_free(&nd);
		} else
			glow_jw_null(&w);
	}
	glow_jw_key(&w, "interrupted");
	glow_jw_bool(&w, interrupted);
	glow_jw_end(&w);
	glow_buf_addc(&b, '\n');
	if (P.summary_file) {
		if (!(f = fopen(P.summary_file, "w")))
			glow_warn("cannot write '%s':", P.summary_file);
	} else
		f = (P.roster_file || P.dry) ? stdout : stderr;
	if (f) {
		fwrite(b.p, 1, b.len, f);
		fflush(f);
		if (f != stdout && f != stderr)
			fclose(f);
	}
	glow_buf_free(&b);
}

/* ------------------------------------------------------------ the plan */

static void
plan_line(struct learner *l, int exists)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_jw w;
	const char *action;

	if (exists < 0)
		action = l->sel == GLOW_PROV_VERIFY ? "verify" : "provision";
	else if (!exists)
		action = "create";
	else
		action = "verify";
	glow_jw_init(&w, &b, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "key");
	glow_jw_str(&w, l->key);
	glow_jw_key(&w, "github_handle");
	glow_jw_str(&w, l->handle);
	glow_jw_key(&w, "cohort_id");
	glow_jw_str(&w, l->cohort);
	glow_jw_key(&w, "repo");
	glow_jw_str(&w, l->full);
	glow_jw_key(&w, "provision_state");
	glow_jw_str(&w, l->state);
	glow_jw_key(&w, "action");
	glow_jw_str(&w, action);
	glow_jw_key(&w, "exists");
	if (exists < 0)
		glow_jw_null(&w);
	else
		glow_jw_bool(&w, exists);
	glow_jw_end(&w);
	glow_buf_addc(&b, '\n');
	if (glow_write_all(STDOUT_FILENO, b.p, b.len) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	glow_buf_free(&b);
}

/* ------------------------------------------------------------ settings */

static void
split_repo(const char *what, const char *v, char **owner, char **name)
{
	const char *slash;

	if (!v || !*v)
		glow_die(GLOW_EXIT_ERR, "no %s: give -T OWNER/NAME or set "
		    "LEARNING_ROOM_TEMPLATE_REPO", what);
	if (!glow_roster_owner_name_ok(v, strlen(v)) || !(slash = strchr(v, '/')))
		glow_die(GLOW_EXIT_ERR, "bad %s '%s': not owner/name", what, v);
	*owner = xstrndup(v, (size_t)(slash - v));
	*name = xstrdup(slash + 1);
}

static int
check_auth(void)
{
	struct glow_buf path = GLOW_BUF_INIT, msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	int is_t = 0, priv = 0;

	if (token_load() < 0)
		glow_die(GLOW_EXIT_ERR, "no token: give -c COMMAND or -t FILE, or "
		    "set " GLOW_GH_TOKEN_VARS);
	glow_gh_path(&path, "/repos/%s/%s", P.tmpl_owner, P.tmpl_name);
	glow_gh_resp_init(&r);
	e = call("GET", path.p, NULL, &r);
	if (e != GLOW_GH_OK) {
		if (r.status)
			glow_gh_message(&r, &msg);
		glow_die(GLOW_EXIT_ERR, "cannot see template '%s': %s%s%s",
		    P.tmpl_full, r.status == 401 ? "authentication refused: " : "",
		    r.status ? "" : glow_gh_strerror(e), msg.p ? msg.p : "");
	}
	if (glow_json_parse(&doc, r.body.p ? r.body.p : "", r.body.len, &jerr) == 0) {
		is_t = glow_json_type(&doc, glow_json_get(&doc, 0, "is_template")) ==
		    GLOW_JSON_TRUE;
		priv = glow_json_type(&doc, glow_json_get(&doc, 0, "private")) ==
		    GLOW_JSON_TRUE;
		glow_json_free(&doc);
	}
	if (!is_t)
		glow_die(GLOW_EXIT_ERR, "cannot use template '%s': not a template "
		    "repository", P.tmpl_full);
	printf("{\"template\":\"%s\",\"is_template\":true,\"private\":%s,"
	    "\"requests\":%ld}\n", P.tmpl_full, priv ? "true" : "false",
	    P.gh.stats.requests);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&msg);
	glow_buf_wipe(&P.token);
	glow_gh_free(&P.gh);
	return GLOW_EXIT_OK;
}

/* Cache beside the roster: DIR/.glow-cache (GLOW_CACHE_DIR wins; "off"). */
static void
set_cache(void)
{
	const char *v = getenv("GLOW_CACHE_DIR");
	static char dir[4096];
	const char *slash;

	if (v && (!strcmp(v, "off") || !strcmp(v, "none"))) {
		P.gh.cache_dir = NULL;
		return;
	}
	if (P.gh.cache_dir || !P.roster_file)
		return;
	slash = strrchr(P.roster_file, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".glow-cache");
	else
		snprintf(dir, sizeof dir, "%.*s/.glow-cache",
		    (int)(slash - P.roster_file), P.roster_file);
	P.gh.cache_dir = dir;
}

/* ----------------------------------------------------------------- main */

static void
record(struct learner *l, struct outcome *o, const char *at, const char *sha)
{
	struct glow_plog_rec rec;

	memset(&rec, 0, sizeof rec);
	rec.github_handle = l->handle;
	rec.cohort_id = l->cohort;
	rec.attempt_at = at;
	rec.result = o->result;
	rec.repo = l->full;
	rec.template_sha = sha;
	rec.error_detail = strcmp(o->result, "error") ? NULL : o->detail.p;
	rec.requests = o->requests;
	rec.invitation = o->invitation;
	rec.healed = (const char *const *)o->healed;
	rec.nhealed = o->nhealed;
	rec.comment = o->comment;
	if (glow_plog_append(P.log_file, &rec) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot append to '%s':%s", P.log_file,
		    errno == EINVAL ? " not a provisioning log" : "");
}

int
main(int argc, char **argv)
{
	struct glow_roster r;
	struct glow_json_error jerr;
	struct glow_buf text = GLOW_BUF_INIT, scratch = GLOW_BUF_INIT;
	struct glow_buf out = GLOW_BUF_INIT;
	struct learner *ls = NULL;
	struct sigaction sa;
	enum glow_gh_err e;
	const char *v, *tmpl = NULL, *owner = NULL, *wf = NULL;
	size_t i, n, nl = 0, ndone = 0;
	int c, k, auth_only = 0, interrupted = 0, status = GLOW_EXIT_OK;
	double t0 = mono();

	glow_setprogname(argv[0]);
	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--") == 0)
			break;
		if (strcmp(argv[k], "--check-auth") == 0) {
			auth_only = 1;
			memmove(argv + k, argv + k + 1,
			    (size_t)(argc - k) * sizeof *argv);
			argc--;
			k--;
		}
	}
	P.timeout = 120;
	while ((c = getopt(argc, argv, "ac:f:hik:l:no:s:T:t:Vvw:")) != -1) {
		switch (c) {
		case 'a':
			P.all = 1;
			break;
		case 'c':
			P.token_cmd = optarg;
			break;
		case 'f':
			P.roster_file = optarg;
			break;
		case 'i':
			P.comment = 1;
			break;
		case 'k': {
			char *end;

			P.timeout = strtod(optarg, &end);
			if (*end || end == optarg || P.timeout <= 0)
				glow_die(GLOW_EXIT_ERR, "bad timeout '%s': not a "
				    "positive number of seconds", optarg);
			break;
		}
		case 'l':
			P.log_file = optarg;
			break;
		case 'n':
			P.dry = 1;
			break;
		case 'o':
			owner = optarg;
			break;
		case 's':
			P.summary_file = optarg;
			break;
		case 'T':
			tmpl = optarg;
			break;
		case 't':
			P.token_file = optarg;
			break;
		case 'V':
			glow_version();
			return 0;
		case 'v':
			P.verbose = 1;
			break;
		case 'w':
			wf = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, GLOW_EXIT_ERR);
		}
	}
	if (optind != argc)
		usage(stderr, GLOW_EXIT_ERR);
	if (P.token_cmd && P.token_file)
		glow_die(GLOW_EXIT_ERR, "cannot use both -c and -t");

	/* configuration */
	if (!tmpl)
		tmpl = getenv("LEARNING_ROOM_TEMPLATE_REPO");
	if (tmpl && *tmpl) {
		split_repo("template", tmpl, &P.tmpl_owner, &P.tmpl_name);
		P.tmpl_full = xstrdup(tmpl);
	} else if (!P.dry || auth_only)
		split_repo("template", NULL, NULL, NULL);
	if (!owner || !*owner)
		owner = getenv("PROVISIONING_STUDENT_OWNER");
	if (owner && *owner)
		P.owner = xstrdup(owner);
	else if (P.tmpl_owner)
		P.owner = xstrdup(P.tmpl_owner);        /* beside the template */
	else if (!auth_only)
		glow_die(GLOW_EXIT_ERR, "no owner: give -o OWNER or set "
		    "PROVISIONING_STUDENT_OWNER");
	if (P.owner && !glow_roster_handle_ok(P.owner, strlen(P.owner)))
		glow_die(GLOW_EXIT_ERR, "bad owner '%s': not an account name", P.owner);
	if (P.owner && P.owner[0] == '@')
		memmove(P.owner, P.owner + 1, strlen(P.owner));
	if (!wf || !*wf)
		wf = getenv("GLOW_REQUIRED_WORKFLOWS");
	if (!wf || !*wf)
		wf = DEFAULT_WORKFLOWS;
	{
		long nw = glow_prov_list(wf, &P.workflows);

		if (nw < 0)
			glow_die(GLOW_EXIT_ERR, "bad workflow list '%s': %s", wf,
			    errno == ENOMEM ? "out of memory" :
			    "names are 1 to 100 of A-Z a-z 0-9 . _ -");
		P.nworkflows = (size_t)nw;
	}

	if ((e = glow_gh_init(&P.gh)) != GLOW_GH_OK ||
	    (e = glow_gh_env(&P.gh)) != GLOW_GH_OK)
		glow_die(GLOW_EXIT_ERR, "cannot set up 'github': %s",
		    glow_gh_strerror(e));
	if (P.verbose) {
		P.gh.trace = glow_trace;
		P.gh.trace_arg = NULL;
	}
	glow_prov_web_url(P.gh.base, &P.web);
	P.guess = 0.1;
	if ((v = getenv("GLOW_CONTENT_WAIT")) && *v)
		P.guess = atof(v) > 0 ? atof(v) : 0.1;
	if (auth_only)
		return check_auth();
	set_cache();

	/* the roster, refused before any request if it does not validate */
	if (glow_read_file(P.roster_file ? P.roster_file : "-", &text, MAX_INPUT) < 0)
		glow_die(GLOW_EXIT_ERR, "cannot read '%s':",
		    P.roster_file ? P.roster_file : "stdin");
	if (glow_roster_load(&r, text.p ? text.p : "", text.len, &jerr) < 0) {
		size_t line, col;

		glow_roster_linecol(text.p ? text.p : "", text.len, jerr.offset,
		    &line, &col);
		glow_die(GLOW_EXIT_ERR, "cannot load '%s': %s at line %zu, column %zu",
		    P.roster_file ? P.roster_file : "stdin", jerr.reason, line, col);
	}
	if (r.nproblems) {
		fputs(r.problems.p, stderr);
		glow_die(GLOW_EXIT_ERR, "cannot provision '%s': the roster does not "
		    "validate (collisions and names over 100 characters included); "
		    "no request made", P.roster_file ? P.roster_file : "stdin");
	}
	if (P.log_file) {
		struct glow_buf lt = GLOW_BUF_INIT;
		size_t torn;

		if (glow_read_file(P.log_file, &lt, MAX_INPUT) < 0 && errno != ENOENT)
			glow_die(GLOW_EXIT_ERR, "cannot read '%s':", P.log_file);
		if (glow_plog_read(lt.p ? lt.p : "", lt.len, NULL, NULL, &torn,
		    &jerr) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot use log '%s': %s at byte %zu",
			    P.log_file, jerr.reason, jerr.offset + 1);
		if (torn)
			glow_warn("log '%s': a torn last record is ignored", P.log_file);
		glow_buf_free(&lt);
	}

	/* the plan: learners in key order */
	glow_roster_sort(&r);
	if (r.nlearner && !(ls = calloc(r.nlearner, sizeof *ls)))
		glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
	for (i = 0; i < r.nlearner; i++) {
		struct learner *l = &ls[nl];
		struct glow_buf nb = GLOW_BUF_INIT;
		const struct glow_roster_learner *rl = &r.learner[i];
		long long x;

		v = glow_roster_get(&r, i, GLOW_RF_STATE, &scratch, &n);
		l->sel = glow_prov_select(v, n, P.all);
		if (l->sel == GLOW_PROV_SKIP)
			continue;
		snprintf(l->state, sizeof l->state, "%.*s", (int)n, v);
		l->idx = i;
		l->key = xstrndup(rl->key, rl->keylen);
		v = glow_roster_get(&r, i, GLOW_RF_HANDLE, &scratch, &n);
		l->handle = xstrndup(v, n);
		v = glow_roster_get(&r, i, GLOW_RF_COHORT, &scratch, &n);
		l->cohort = xstrndup(v, n);
		glow_roster_repo_name(&nb, l->cohort, strlen(l->cohort), l->handle,
		    strlen(l->handle));
		l->owner = xstrdup(P.owner);
		l->name = xstrndup(nb.p, nb.len);
		glow_buf_free(&nb);
		if (l->sel == GLOW_PROV_VERIFY &&
		    (v = glow_roster_get(&r, i, GLOW_RF_REPO, &scratch, &n)) &&
		    memchr(v, '/', n)) {
			const char *sl = memchr(v, '/', n);

			free(l->owner);
			free(l->name);
			l->owner = xstrndup(v, (size_t)(sl - v));
			l->name = xstrndup(sl + 1, n - (size_t)(sl - v) - 1);
		}
		l->full = malloc(strlen(l->owner) + strlen(l->name) + 2);
		if (!l->full)
			glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");
		sprintf(l->full, "%s/%s", l->owner, l->name);
		if ((v = glow_roster_get(&r, i, GLOW_RF_ENROLL_REPO, &scratch, &n)))
			l->enroll = xstrndup(v, n);
		if (glow_json_int(rl->doc, glow_json_get(rl->doc, rl->tok,
		    "enrollment_issue_number"), &x) == 0)
			l->issue = x;
		nl++;
	}

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (P.dry) {
		int have = nl && token_load() == 0;

		if (have)
			learn_listing(nl);
		if (P.fatal)
			glow_die(GLOW_EXIT_ERR, "cannot read the repositories of "
			    "'%s': %s", P.owner, P.fatal_msg.p);
		for (i = 0; i < nl; i++) {
			int ex = -1;

			if (have && P.listed && strcasecmp(ls[i].owner, P.owner) == 0) {
				struct outcome o;

				memset(&o, 0, sizeof o);
				ex = repo_exists(&ls[i], &o);
			}
			plan_line(&ls[i], ex);
		}
		summary(r.nlearner, nl, 0, 0, t0);
		status = GLOW_EXIT_OK;
		goto done;
	}

	if (nl) {
		if (token_load() < 0)
			glow_die(GLOW_EXIT_ERR, "no token: give -c COMMAND or -t "
			    "FILE, or set " GLOW_GH_TOKEN_VARS);
		learn_listing(nl);
		if (P.fatal)
			glow_die(GLOW_EXIT_ERR, "cannot provision for '%s': %s",
			    P.owner, P.fatal_msg.p);
	}
	if (!(P.rows = calloc(nl ? nl : 1, sizeof *P.rows)))
		glow_die(GLOW_EXIT_ERR, "cannot provision: out of memory");

	for (i = 0; i < nl; i++) {
		struct learner *l = &ls[i];
		struct outcome o;
		const char *state = NULL, *repo = NULL, *sha = NULL;
		long before = P.gh.stats.requests;
		char at[40];
		size_t h;
		int cidx;

		if (stop_requested) {
			interrupted = 1;
			break;
		}
		memset(&o, 0, sizeof o);
		now_iso(at);
		process(l, &o);
		o.requests = P.gh.stats.requests - before;
		ndone++;
		if (!o.result)
			o.result = "error";
		if (!strcmp(o.result, "error")) {
			cidx = C_ERROR;
			state = "failed";
			if (o.created)
				repo = l->full;
			if (!o.detail.len)
				glow_buf_adds(&o.detail, "failed");
		} else if (!strcmp(o.result, "healed")) {
			cidx = C_HEALED;
			state = "healed";
			repo = l->full;
		} else if (!strcmp(o.result, "created")) {
			cidx = C_CREATED;
			state = "provisioned";
			repo = l->full;
		} else if (!strcmp(o.result, "verified")) {
			cidx = C_VERIFIED;
			repo = l->full;
		} else {
			cidx = C_EXISTS;
			repo = l->full;
			if (l->sel == GLOW_PROV_PROVISION)
				state = "provisioned";
		}
		P.count[cidx]++;
		if (o.created || cidx == C_HEALED)
			sha = template_sha();
		if (P.log_file && cidx != C_VERIFIED)
			record(l, &o, at, sha);
		if (roster_update(&r, l, repo, state) < 0) {
			status = GLOW_EXIT_ERR;
			interrupted = 1;
		}
		if (cidx == C_ERROR)
			fprintf(stderr, "[%zu/%zu] %s: error %s: %s (%ld requests)\n",
			    i + 1, nl, l->key, l->name, o.detail.p, o.requests);
		else
			fprintf(stderr, "[%zu/%zu] %s: %s %s%s%s (%ld requests)\n",
			    i + 1, nl, l->key, o.result, l->name,
			    o.invitation ? ", " : "", o.invitation ? o.invitation : "",
			    o.requests);
		if (cidx != C_VERIFIED) {
			struct row *w = &P.rows[P.nrows++];

			w->key = xstrdup(l->key);
			w->repo = xstrdup(l->full);
			w->result = xstrdup(o.result);
			w->invitation = o.invitation ? xstrdup(o.invitation) : NULL;
			w->detail = cidx == C_ERROR ? xstrdup(o.detail.p) : NULL;
			w->requests = o.requests;
		}
		for (h = 0; h < o.nhealed; h++)
			free(o.healed[h]);
		glow_buf_free(&o.detail);
		if (P.fatal) {
			glow_warn("cannot go on: %s", P.fatal_msg.p);
			status = GLOW_EXIT_ERR;
			interrupted = 1;
			break;
		}
		if (P.limited_stop) {
			glow_warn("cannot go on: rate limited for longer than "
			    "GLOW_MAX_WAIT allows; the rest is left for the next run");
			interrupted = 1;
			break;
		}
		if (status == GLOW_EXIT_ERR)
			break;
	}
	if (stop_requested && ndone < nl)
		interrupted = 1;
	if (interrupted && ndone < nl)
		fprintf(stderr, "%s: stopped: %zu learners left for the next run\n",
		    glow_progname, nl - ndone);

	if (!P.roster_file) {
		if (glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL, NULL, NULL) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot write 'stdout': out of memory");
		if (glow_write_all(STDOUT_FILENO, out.p, out.len) < 0)
			glow_die(GLOW_EXIT_ERR, "cannot write 'stdout':");
	}
	summary(r.nlearner, nl, ndone, interrupted, t0);
	step_summary(nl, interrupted);
	if (status == GLOW_EXIT_OK && (P.count[C_ERROR] || interrupted))
		status = GLOW_EXIT_NO;
done:
	for (i = 0; i < nl; i++) {
		free(ls[i].key);
		free(ls[i].handle);
		free(ls[i].cohort);
		free(ls[i].owner);
		free(ls[i].name);
		free(ls[i].full);
		free(ls[i].enroll);
	}
	free(ls);
	for (i = 0; i < P.nrows; i++) {
		free(P.rows[i].key);
		free(P.rows[i].repo);
		free(P.rows[i].result);
		free(P.rows[i].invitation);
		free(P.rows[i].detail);
	}
	free(P.rows);
	for (i = 0; i < P.nnames; i++)
		free(P.names[i]);
	free(P.names);
	for (i = 0; i < P.ntfiles; i++) {
		free(P.tfiles[i].name);
		free(P.tfiles[i].b64);
	}
	free(P.tfiles);
	glow_prov_list_free(P.workflows);
	free(P.tmpl_owner);
	free(P.tmpl_name);
	free(P.tmpl_full);
	free(P.owner);
	glow_buf_wipe(&P.token);
	glow_buf_free(&P.fatal_msg);
	glow_buf_free(&P.web);
	glow_buf_free(&scratch);
	glow_buf_free(&out);
	glow_roster_free(&r);
	glow_buf_free(&text);
	glow_gh_free(&P.gh);
	return status;
}
