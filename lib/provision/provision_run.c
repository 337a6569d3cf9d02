/* SPDX-License-Identifier: ISC */
/* The per-learner provisioning algorithm: see provision_run.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "provision/provision_run.h"

void
glow_prov_run_init(struct glow_prov_run *run, struct glow_gh *gh)
{
	memset(run, 0, sizeof *run);
	run->gh = gh;
	run->timeout = 120;
	run->guess = 0.1;
}

void
glow_prov_run_free(struct glow_prov_run *run)
{
	size_t i;

	for (i = 0; i < run->nnames; i++)
		free(run->names[i]);
	free(run->names);
	for (i = 0; i < run->ntfiles; i++) {
		free(run->tfiles[i].name);
		free(run->tfiles[i].b64);
	}
	free(run->tfiles);
	glow_buf_free(&run->fatal_msg);
	run->names = NULL;
	run->tfiles = NULL;
	run->nnames = run->capnames = run->ntfiles = 0;
}

void
glow_prov_outcome_free(struct glow_prov_outcome *o)
{
	size_t h;

	for (h = 0; h < o->nhealed; h++)
		free(o->healed[h]);
	o->nhealed = 0;
	glow_buf_free(&o->detail);
}

static void
note(struct glow_prov_run *run, const char *fmt, ...)
{
	struct glow_buf b = GLOW_BUF_INIT;
	va_list ap;

	if (!run->note)
		return;
	va_start(ap, fmt);
	glow_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (b.p && !b.failed)
		run->note(run->note_arg, b.p);
	glow_buf_free(&b);
}

static void
set_fatal(struct glow_prov_run *run, const char *why,
    const struct glow_gh_resp *r)
{
	run->fatal = why;
	glow_buf_reset(&run->fatal_msg);
	glow_buf_adds(&run->fatal_msg, why);
	if (r && r->status) {
		glow_buf_printf(&run->fatal_msg, ": %ld ", r->status);
		glow_gh_message(r, &run->fatal_msg);
	}
}

/* Out of memory: the batch stops.  NULL, for the caller to return. */
static void *
nomem(struct glow_prov_run *run)
{
	run->nomem = 1;
	set_fatal(run, "out of memory", NULL);
	return NULL;
}

static char *
dup_lower(struct glow_prov_run *run, const char *s)
{
	char *p = strdup(s), *q;

	if (!p)
		return nomem(run);
	for (q = p; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q = (char)(*q + 32);
	return p;
}

/* ---------------------------------------------------------------- tokens */

/* Before a request: a token due for renewal is renewed. */
static int
token_fresh(struct glow_prov_run *run)
{
	if (!run->renew || !run->renew_at)
		return 0;
	if ((long long)time(NULL) < run->renew_at)
		return 0;
	if (run->renew(run->renew_arg, GLOW_PROV_RENEW_DUE, NULL) < 0) {
		set_fatal(run, "cannot renew the token", NULL);
		return -1;
	}
	return 0;
}

/* After a 401: a renewable token is renewed.  0 to try again, or -1. */
static int
token_refused(struct glow_prov_run *run, const char *path)
{
	if (!run->renew)
		return -1;
	if (run->renew(run->renew_arg, GLOW_PROV_RENEW_REFUSED, path) < 0) {
		set_fatal(run, "cannot renew the token", NULL);
		return -1;
	}
	return 0;
}

static void
after_call(struct glow_prov_run *run, enum glow_gh_err e,
    const struct glow_gh_resp *r)
{
	if (e == GLOW_GH_HTTP && r->status == 401)
		set_fatal(run, "authentication refused", r);
	if (e == GLOW_GH_LIMITED)
		run->limited_stop = 1;
}

enum glow_gh_err
glow_prov_call(struct glow_prov_run *run, const char *method, const char *path,
    const char *body, struct glow_gh_resp *r)
{
	enum glow_gh_err e;
	size_t len = body ? strlen(body) : 0;

	int renewals;

	if (run->fatal || token_fresh(run) < 0)
		return GLOW_GH_HTTP;
	e = glow_gh_request(run->gh, method, path, body, len, r);
	/* A call can outlive a token (a long limit wait), more than once: a
	 * 401 is answered with a new token up to GLOW_PROV_RENEWALS times. */
	for (renewals = 0; e == GLOW_GH_HTTP && r->status == 401 && run->renew &&
	    renewals < GLOW_PROV_RENEWALS; renewals++) {
		if (token_refused(run, path) < 0)
			return e;
		e = glow_gh_request(run->gh, method, path, body, len, r);
	}
	after_call(run, e, r);
	return e;
}

enum glow_gh_err
glow_prov_call_list(struct glow_prov_run *run, const char *path,
    struct glow_buf *out, struct glow_gh_resp *r)
{
	enum glow_gh_err e;

	int renewals;

	if (run->fatal || token_fresh(run) < 0)
		return GLOW_GH_HTTP;
	glow_buf_reset(out);
	e = glow_gh_paginate(run->gh, path, NULL, 1, out, NULL, r);
	for (renewals = 0; e == GLOW_GH_HTTP && r->status == 401 && run->renew &&
	    renewals < GLOW_PROV_RENEWALS; renewals++) {
		if (token_refused(run, NULL) < 0)
			return e;
		glow_buf_reset(out);
		e = glow_gh_paginate(run->gh, path, NULL, 1, out, NULL, r);
	}
	after_call(run, e, r);
	return e;
}

/* "what 'object': reason" into o->detail, for the log and the progress. */
static int
fail(struct glow_prov_run *run, struct glow_prov_outcome *o,
    enum glow_gh_err e, const struct glow_gh_resp *r, const char *fmt, ...)
{
	va_list ap;

	glow_buf_reset(&o->detail);
	va_start(ap, fmt);
	glow_buf_vprintf(&o->detail, fmt, ap);
	va_end(ap);
	glow_buf_adds(&o->detail, ": ");
	if (run->fatal && (!r || r->status != 401) && e == GLOW_GH_HTTP &&
	    (!r || !r->status))
		glow_buf_adds(&o->detail, run->fatal_msg.p);
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

static int
add_name(struct glow_prov_run *run, const char *s)
{
	char **n;

	if (run->nnames == run->capnames) {
		run->capnames = run->capnames ? run->capnames * 2 : 256;
		if (!(n = realloc(run->names, run->capnames * sizeof *n))) {
			nomem(run);
			return -1;
		}
		run->names = n;
	}
	if (!(run->names[run->nnames] = dup_lower(run, s)))
		return -1;
	run->nnames++;
	return 0;
}

/* Add the names of one page's repositories owned by run->owner. */
static int
add_page(struct glow_prov_run *run, const struct glow_buf *body)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	int arr, v, own, rc = 0;
	char *name;

	if (glow_json_parse(&doc, glow_buf_str(body), body->len, &jerr) < 0)
		return -1;
	arr = 0;
	if (glow_json_type(&doc, 0) == GLOW_JSON_OBJECT)
		arr = glow_json_get(&doc, 0, "repositories");
	if (glow_json_type(&doc, arr) != GLOW_JSON_ARRAY) {
		glow_json_free(&doc);
		return -1;
	}
	for (v = glow_json_first(&doc, arr); v >= 0 && rc == 0;
	    v = glow_json_next(&doc, v)) {
		own = glow_json_get(&doc, v, "owner");
		if (glow_json_type(&doc, own) == GLOW_JSON_OBJECT) {
			char *login = glow_json_strdup(&doc,
			    glow_json_get(&doc, own, "login"));

			if (!login || strcasecmp(login, run->owner) != 0) {
				free(login);
				continue;
			}
			free(login);
		}
		if ((name = glow_json_strdup(&doc, glow_json_get(&doc, v, "name")))) {
			rc = add_name(run, name);
			free(name);
		}
	}
	glow_json_free(&doc);
	return rc;
}

/*
 * GET /orgs/{owner}/repos, or for a user account /installation/repositories
 * (a user's private repositories are not in /users/{u}/repos).
 */
void
glow_prov_learn_listing(struct glow_prov_run *run, size_t nwanted)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e = GLOW_GH_OK;
	int pages = 0, attempt;
	size_t maxpages = nwanted > 3 ? nwanted : 3;
	char *next = NULL;

	glow_gh_resp_init(&r);
	for (attempt = 0; attempt < 2 && !run->listed; attempt++) {
		glow_buf_reset(&path);
		if (attempt == 0)
			glow_gh_path(&path, "/orgs/%s/repos", run->owner);
		else
			glow_buf_adds(&path, "/installation/repositories");
		glow_buf_adds(&path, "?per_page=100");
		while (run->nnames)
			free(run->names[--run->nnames]);
		pages = 0;
		free(next);
		if (!(next = strdup(glow_buf_str(&path))))
			nomem(run);
		while (next) {
			e = glow_prov_call(run, "GET", next, NULL, &r);
			if (e != GLOW_GH_OK || add_page(run, &r.body) < 0)
				break;
			if (++pages > (int)maxpages) {
				e = GLOW_GH_TOOBIG;
				break;
			}
			free(next);
			next = NULL;
			if (!r.next[0]) {
				run->listed = 1;
				break;
			}
			if (!(next = strdup(r.next)))
				nomem(run);
		}
		if (run->fatal)
			break;
		if (!run->listed)
			note(run, "no listing from '%s' (%s%ld): asking for each "
			    "repository", path.p, e == GLOW_GH_TOOBIG ?
			    "too many pages, " : "", r.status);
		if (e == GLOW_GH_TOOBIG)
			break;
		/* an organisation's listing failing for another reason than
		 * "not an organisation" is not retried elsewhere */
		if (attempt == 0 && !(e == GLOW_GH_HTTP && r.status == 404))
			break;
	}
	if (run->listed)
		qsort(run->names, run->nnames, sizeof *run->names, cmp_str);
	else {
		while (run->nnames)
			free(run->names[--run->nnames]);
	}
	free(next);
	glow_buf_free(&path);
	glow_gh_resp_free(&r);
}

int
glow_prov_exists(struct glow_prov_run *run, const struct glow_prov_learner *l,
    struct glow_prov_outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	char *lname;
	int rc;

	if (run->listed && strcasecmp(l->owner, run->owner) == 0) {
		if (!(lname = dup_lower(run, l->name)))
			return fail(run, o, GLOW_GH_NOMEM, NULL,
			    "cannot look up '%s'", l->full);
		rc = bsearch(&lname, run->names, run->nnames,
		    sizeof *run->names, cmp_str) != NULL;
		free(lname);
		return rc;
	}
	glow_gh_path(&path, "/repos/%s/%s", l->owner, l->name);
	glow_gh_resp_init(&r);
	e = glow_prov_call(run, "GET", path.p, NULL, &r);
	if (e == GLOW_GH_OK)
		rc = 1;
	else if (e == GLOW_GH_HTTP && r.status == 404)
		rc = 0;
	else
		rc = fail(run, o, e, &r, "cannot look up '%s'", l->full);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

/* ------------------------------------------------------------- template */

const char *
glow_prov_template_sha(struct glow_prov_run *run)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	char *s;

	if (run->have_sha)
		return run->sha[0] ? run->sha : NULL;
	run->have_sha = 1;
	glow_gh_path(&path, "/repos/%s/%s/commits/HEAD", run->tmpl_owner,
	    run->tmpl_name);
	glow_gh_resp_init(&r);
	if (glow_prov_call(run, "GET", path.p, NULL, &r) == GLOW_GH_OK &&
	    glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) == 0) {
		if ((s = glow_json_strdup(&doc, glow_json_get(&doc, 0, "sha")))) {
			if (strlen(s) < sizeof run->sha)
				strcpy(run->sha, s);
			free(s);
		}
		glow_json_free(&doc);
	} else
		note(run, "cannot read the head of '%s': %ld", run->tmpl_full,
		    r.status);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return run->sha[0] ? run->sha : NULL;
}

int
glow_prov_preflight(struct glow_prov_run *run, struct glow_buf *why)
{
	struct glow_buf path = GLOW_BUF_INIT, msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	int rc = -1, is_template = 0;
	size_t k;

	glow_buf_reset(why);
	glow_gh_resp_init(&r);
	glow_gh_path(&path, "/repos/%s/%s", run->tmpl_owner, run->tmpl_name);
	e = glow_prov_call(run, "GET", path.p, NULL, &r);
	if (e != GLOW_GH_OK) {
		if (r.status)
			glow_gh_message(&r, &msg);
		glow_buf_printf(why, "cannot read template '%s': %s", run->tmpl_full,
		    r.status == 404 ? "no such repository, or the App cannot see it" :
		    r.status == 401 ? "authentication refused" :
		    r.status ? (msg.p ? msg.p : "refused") : glow_gh_strerror(e));
		goto out;
	}
	if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) == 0) {
		is_template = glow_json_type(&doc, glow_json_get(&doc, 0,
		    "is_template")) == GLOW_JSON_TRUE;
		glow_json_free(&doc);
	}
	if (!is_template) {
		glow_buf_printf(why, "cannot use template '%s': not a template "
		    "repository (Settings, Template repository)", run->tmpl_full);
		goto out;
	}
	glow_gh_resp_free(&r);
	glow_gh_resp_init(&r);
	glow_buf_reset(&path);
	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s", run->tmpl_owner,
	    run->tmpl_name, ".github", "workflows");
	e = glow_prov_call(run, "GET", path.p, NULL, &r);
	if (e != GLOW_GH_OK && !(e == GLOW_GH_HTTP && r.status == 404)) {
		glow_buf_printf(why, "cannot read '%s/%s' of template '%s': %s",
		    run->tmpl_full, GLOW_PROV_WORKFLOW_DIR, run->tmpl_full,
		    r.status ? "refused" : glow_gh_strerror(e));
		goto out;
	}
	doc.tok = NULL;
	if (e == GLOW_GH_OK && glow_json_parse(&doc, glow_buf_str(&r.body),
	    r.body.len, &jerr) < 0)
		doc.tok = NULL;
	for (k = 0; k < run->nworkflows; k++)
		if (!doc.tok || !glow_prov_dir_has(&doc, 0, run->workflows[k]))
			glow_buf_printf(why, "%s%s/%s", why->len ?
			    ", " : "it lacks ", GLOW_PROV_WORKFLOW_DIR,
			    run->workflows[k]);
	if (why->len) {
		glow_buf_printf(&msg, "cannot use template '%s': %s",
		    run->tmpl_full, why->p);
		glow_buf_reset(why);
		glow_buf_printf(why, "%s", glow_buf_str(&msg));
	}
	if (doc.tok)
		glow_json_free(&doc);
	rc = why->len ? -1 : 0;
out:
	if (why->failed)
		nomem(run);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&msg);
	return rc;
}

/* A template workflow file's content, base64 without line breaks. */
static const char *
template_file(struct glow_prov_run *run, const char *name,
    struct glow_prov_outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, b = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	struct glow_prov_tfile *t;
	const char *b64 = NULL;
	size_t k, j;

	for (k = 0; k < run->ntfiles; k++)
		if (strcmp(run->tfiles[k].name, name) == 0)
			return run->tfiles[k].b64;
	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s/%s", run->tmpl_owner,
	    run->tmpl_name, ".github", "workflows", name);
	glow_gh_resp_init(&r);
	doc.tok = NULL;
	e = glow_prov_call(run, "GET", path.p, NULL, &r);
	if (e != GLOW_GH_OK) {
		fail(run, o, e, &r, "cannot heal: cannot read '%s/%s/%s' from the "
		    "template", run->tmpl_full, GLOW_PROV_WORKFLOW_DIR, name);
		goto out;
	}
	if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) < 0 ||
	    glow_json_string(&doc, glow_json_get(&doc, 0, "content"), &b) < 0) {
		if (doc.tok)
			glow_json_free(&doc);
		fail(run, o, GLOW_GH_JSON, &r, "cannot heal: '%s/%s/%s' in the "
		    "template is not a file", run->tmpl_full,
		    GLOW_PROV_WORKFLOW_DIR, name);
		goto out;
	}
	glow_json_free(&doc);
	for (k = j = 0; k < b.len; k++)
		if (b.p[k] != '\n' && b.p[k] != '\r')
			b.p[j++] = b.p[k];
	if (!(t = realloc(run->tfiles, (run->ntfiles + 1) * sizeof *t))) {
		nomem(run);
		fail(run, o, GLOW_GH_NOMEM, NULL, "cannot heal '%s'", name);
		goto out;
	}
	run->tfiles = t;
	t += run->ntfiles;
	t->name = strdup(name);
	t->b64 = strndup(glow_buf_str(&b), j);
	if (!t->name || !t->b64) {
		free(t->name);
		free(t->b64);
		nomem(run);
		fail(run, o, GLOW_GH_NOMEM, NULL, "cannot heal '%s'", name);
		goto out;
	}
	run->ntfiles++;
	b64 = t->b64;
out:
	glow_buf_free(&b);
	glow_buf_free(&path);
	glow_gh_resp_free(&r);
	return b64;
}

/* ------------------------------------------------------------ the steps */

static int
generate(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf desc = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_jw w;
	enum glow_gh_err e;
	long retries;
	int rc = 0;

	(void)glow_prov_template_sha(run);
	if (run->fatal)
		return fail(run, o, GLOW_GH_HTTP, NULL, "cannot create '%s'",
		    l->full);
	glow_gh_path(&path, "/repos/%s/%s/generate", run->tmpl_owner,
	    run->tmpl_name);
	glow_prov_description(&desc, l->handle, l->cohort, l->key);
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
	retries = run->gh->stats.retries;
	e = glow_prov_call(run, "POST", path.p, body.p, &r);
	if (e == GLOW_GH_OK && r.status == 201)
		o->created = 1;
	else if (e == GLOW_GH_HTTP && r.status == 422 &&
	    message_has(&r, "already exists"))
		/* the name clash: it exists.  After a retry of this POST it may
		 * be this very generation, whose first answer was lost. */
		o->clash = run->gh->stats.retries > retries ? 2 : 1;
	else
		rc = fail(run, o, e, &r, "cannot create '%s'", l->full);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&desc);
	return rc;
}

/* Does the file at path (a contents API path) hold b64 (base64 without
 * line breaks)?  1 or 0. */
static int
same_file(struct glow_prov_run *run, const char *path, const char *b64)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	size_t k, j;
	int same = 0;

	glow_gh_resp_init(&r);
	if (glow_prov_call(run, "GET", path, NULL, &r) == GLOW_GH_OK &&
	    glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) == 0) {
		if (glow_json_string(&doc, glow_json_get(&doc, 0, "content"), &b) >= 0) {
			for (k = j = 0; k < b.len; k++)
				if (b.p[k] != '\n' && b.p[k] != '\r')
					b.p[j++] = b.p[k];
			same = j == strlen(b64) && (j == 0 || memcmp(b.p, b64, j) == 0);
		}
		glow_json_free(&doc);
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&b);
	return same;
}

static int
heal(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, const char *file)
{
	struct glow_buf path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_jw w;
	enum glow_gh_err e;
	const char *b64;
	char *copy;
	int rc = 0;

	if (!(b64 = template_file(run, file, o)))
		return -1;
	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s/%s", l->owner, l->name,
	    ".github", "workflows", file);
	glow_buf_printf(&msg, "Restore %s/%s from the template",
	    GLOW_PROV_WORKFLOW_DIR, file);
	glow_jw_init(&w, &body, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "message");
	glow_jw_str(&w, msg.p);
	glow_jw_key(&w, "content");
	glow_jw_str(&w, b64);
	glow_jw_end(&w);
	glow_gh_resp_init(&r);
	e = glow_prov_call(run, "PUT", path.p, body.p, &r);
	/* GitHub's "sha wasn't supplied": the file is there now.  When an
	 * earlier attempt of this PUT took effect but its answer was lost,
	 * the file holds the template's content: that is success. */
	if (e == GLOW_GH_HTTP && r.status == 422 && message_has(&r, "sha") &&
	    same_file(run, path.p, b64))
		e = GLOW_GH_OK, r.status = 201;
	if (e == GLOW_GH_OK && (r.status == 201 || r.status == 200)) {
		if (o->nhealed < GLOW_PROV_MAX_HEALED) {
			if ((copy = strdup(file)))
				o->healed[o->nhealed++] = copy;
			else {
				nomem(run);
				rc = fail(run, o, GLOW_GH_NOMEM, NULL,
				    "cannot heal '%s'", l->full);
			}
		}
	} else
		rc = fail(run, o, e, &r, "cannot heal '%s': cannot write %s/%s",
		    l->full, GLOW_PROV_WORKFLOW_DIR, file);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&msg);
	return rc;
}

/*
 * Is the existing repository this learner's?  Only when glow can show it
 * made it for the learner's key (provision.h, glow_prov_origin): GET
 * /repos/{o}/{r}.  Anything else fails the learner before any write or
 * invitation.
 */
static int
provenance(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	enum glow_prov_origin origin;
	int rc = 0;

	glow_gh_path(&path, "/repos/%s/%s", l->owner, l->name);
	glow_gh_resp_init(&r);
	e = glow_prov_call(run, "GET", path.p, NULL, &r);
	if (e != GLOW_GH_OK) {
		rc = fail(run, o, e, &r, "cannot read '%s'", l->full);
		goto out;
	}
	if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) < 0) {
		rc = fail(run, o, GLOW_GH_JSON, &r, "cannot read '%s'", l->full);
		goto out;
	}
	origin = glow_prov_origin(&doc, 0, run->tmpl_full, l->handle, l->cohort,
	    l->key);
	glow_json_free(&doc);
	if (origin != GLOW_PROV_OURS) {
		o->foreign = 1;
		o->result = "error";
		glow_buf_reset(&o->detail);
		glow_buf_printf(&o->detail, "the name is taken by a repository glow "
		    "did not make for %s: '%s' %s", l->key, l->full,
		    origin == GLOW_PROV_NOT_TEMPLATE ? "was not made from the "
		    "template" : "was made from the template for someone else");
		rc = -1;
	}
out:
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

enum look { LOOK_READY, LOOK_NOT_YET, LOOK_FAILED };

/*
 * One look at the content of l's repository: GET of its .github/workflows.
 * LOOK_READY with the listing in *doc (*have 1) or no such directory
 * (*have -1); LOOK_NOT_YET while GitHub is still copying the template
 * (409 "Git Repository is empty", 404 "This repository is empty", or, for
 * a repository just made, any 404: GitHub's read-after-write lag, the new
 * repository is not visible everywhere at once, and the preflight showed
 * the template has the files); LOOK_FAILED with o->detail.  *rp is the
 * answer, which the caller frees after *doc.
 */
static enum look
look(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, struct glow_gh_resp *rp, struct glow_json *doc,
    int *have)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	enum look k = LOOK_READY;

	*have = 0;
	glow_gh_path(&path, "/repos/%s/%s/contents/%s/%s", l->owner, l->name,
	    ".github", "workflows");
	glow_gh_resp_init(&r);
	e = glow_prov_call(run, "GET", path.p, NULL, &r);
	if (e == GLOW_GH_OK) {
		if (glow_json_parse(doc, glow_buf_str(&r.body), r.body.len,
		    &jerr) < 0) {
			fail(run, o, GLOW_GH_JSON, &r, "cannot verify '%s'", l->full);
			k = LOOK_FAILED;
		} else
			*have = 1;
	} else if (e == GLOW_GH_HTTP && (r.status == 409 || (r.status == 404 &&
	    (o->created || message_has(&r, "empty")))))
		k = LOOK_NOT_YET;
	else if (e == GLOW_GH_HTTP && r.status == 404)
		*have = -1;             /* no workflow directory at all */
	else {
		fail(run, o, e, &r, "cannot verify '%s'", l->full);
		k = LOOK_FAILED;
	}
	*rp = r;                /* the listing's tokens point into its body */
	glow_buf_free(&path);
	return k;
}

/* The required workflow files in the listing look() gave, healing each
 * one that is missing. */
static int
check_files(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, const struct glow_json *doc, int have)
{
	size_t k;
	int rc = 0;

	for (k = 0; k < run->nworkflows && rc == 0; k++) {
		if (have == 1 && glow_prov_dir_has(doc, 0, run->workflows[k]))
			continue;
		note(run, "'%s' lacks %s/%s: healing", l->full,
		    GLOW_PROV_WORKFLOW_DIR, run->workflows[k]);
		rc = heal(run, l, o, run->workflows[k]);
	}
	return rc;
}

/* Send the invitation: PUT collaborators/{user} with push. */
static int
invite_put(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, const char *fresh)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	int rc = 0;

	glow_gh_path(&path, "/repos/%s/%s/collaborators/%s", l->owner, l->name,
	    l->handle);
	glow_gh_resp_init(&r);
	e = glow_prov_call(run, "PUT", path.p, "{\"permission\":\"push\"}", &r);
	if (e == GLOW_GH_OK && r.status == 204)
		o->invitation = "collaborator";
	else if (e == GLOW_GH_OK && (r.status == 201 || r.status == 200))
		o->invitation = fresh;
	else
		rc = fail(run, o, e, &r, "cannot invite '%s' to '%s'", l->handle,
		    l->full);       /* fail() adds GitHub's status and message */
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
invite(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, list = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	enum glow_gh_err e;
	long long id = 0;
	int rc = 0, inv;

	if (o->created)
		return invite_put(run, l, o, "invited");
	glow_gh_resp_init(&r);
	glow_gh_path(&path, "/repos/%s/%s/collaborators", l->owner, l->name);
	glow_buf_adds(&path, "?affiliation=direct");
	e = glow_prov_call_list(run, path.p, &list, &r);
	if (e != GLOW_GH_OK) {
		rc = fail(run, o, e, &r, "cannot list the collaborators of '%s'",
		    l->full);
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
	e = glow_prov_call_list(run, path.p, &list, &r);
	if (e != GLOW_GH_OK) {
		rc = fail(run, o, e, &r, "cannot list the invitations of '%s'",
		    l->full);
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
		e = glow_prov_call(run, "DELETE", path.p, NULL, &r);
		if (e != GLOW_GH_OK && !(e == GLOW_GH_HTTP && r.status == 404)) {
			rc = fail(run, o, e, &r, "cannot delete the expired "
			    "invitation of '%s' to '%s'", l->handle, l->full);
			goto out;
		}
	}
	rc = invite_put(run, l, o, inv == GLOW_PROV_INV_EXPIRED ? "renewed" :
	    "invited");
out:
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&list);
	return rc;
}

/*
 * The "your room is ready" comment, once: a comment of the App's carrying
 * the marker says it is there.  The POST is sent without the client's own
 * retries (a POST retried after a lost answer comments twice); after a
 * failure that may have taken effect (5xx, a network error) the comments
 * are read again for the marker before it is sent again, at most 3 times.
 */
static int
comment(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o)
{
	struct glow_buf path = GLOW_BUF_INIT, list = GLOW_BUF_INIT;
	struct glow_buf body = GLOW_BUF_INIT, text = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json doc;
	struct glow_json_error jerr;
	struct glow_jw w;
	enum glow_gh_err e;
	char *slash;
	int rc = 0, tries, retries, yes;

	if (!l->enroll || l->issue <= 0 || !(slash = strchr(l->enroll, '/')))
		return 0;
	*slash = '\0';
	glow_gh_path(&path, "/repos/%s/%s/issues/%lld/comments", l->enroll,
	    slash + 1, l->issue);
	*slash = '/';
	glow_buf_printf(&text, "@%s, your learning room is ready: %s/%s\n\n"
	    "Accept the invitation at %s/%s/invitations to start.\n\n"
	    GLOW_PROV_MARKER "\n", l->handle, run->web, l->full, run->web,
	    l->full);
	glow_jw_init(&w, &body, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "body");
	glow_jw_str(&w, text.p);
	glow_jw_end(&w);
	glow_gh_resp_init(&r);
	for (tries = 0;; tries++) {
		e = glow_prov_call_list(run, path.p, &list, &r);
		if (e != GLOW_GH_OK) {
			rc = fail(run, o, e, &r, "cannot read the comments of "
			    "'%s#%lld'", l->enroll, l->issue);
			break;
		}
		yes = 0;
		if (glow_json_parse(&doc, list.p, list.len, &jerr) == 0) {
			yes = glow_prov_marker_in(&doc, 0, GLOW_PROV_MARKER);
			glow_json_free(&doc);
		}
		if (yes) {
			o->comment = tries ? "posted" : "present";
			break;
		}
		retries = run->gh->max_retries;
		run->gh->max_retries = 0;
		e = glow_prov_call(run, "POST", path.p, body.p, &r);
		run->gh->max_retries = retries;
		if (e == GLOW_GH_OK && r.status == 201) {
			o->comment = "posted";
			break;
		}
		if (tries == 2 || !((e == GLOW_GH_HTTP && r.status >= 500) ||
		    e == GLOW_GH_NETWORK || e == GLOW_GH_TIMEOUT)) {
			rc = fail(run, o, e, &r, "cannot comment on '%s#%lld'",
			    l->enroll, l->issue);
			break;
		}
		glow_gh_wait(run->gh, 1 << tries);
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&list);
	glow_buf_free(&body);
	glow_buf_free(&text);
	return rc;
}

/* ------------------------------------------------------------ a learner */

/* Up to the content: existence, generation, provenance.  0, or -1. */
static int
begin(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o)
{
	int ex;

	if ((ex = glow_prov_exists(run, l, o)) < 0)
		return -1;
	if (!ex && generate(run, l, o) < 0)
		return -1;
	if (ex || o->clash)
		o->exists = 1;
	/* An existing repository is used only when glow can show it made it
	 * for this key.  A name clash met by a retried generation, on a
	 * repository that carries glow's mark for this key, is that very
	 * generation, whose first answer was lost: created. */
	if (o->exists && !l->recorded) {
		if (provenance(run, l, o) < 0)
			return -1;
		if (o->clash == 2) {
			o->exists = 0;
			o->created = 1;
		}
	}
	return 0;
}

/* Once the content is there: the files, the invitation, the comment. */
static void
complete(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, const struct glow_json *doc, int have)
{
	if (check_files(run, l, o, doc, have) < 0 || invite(run, l, o) < 0)
		return;
	if (run->comment && comment(run, l, o) < 0)
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

/* ---------------------------------------------------------------- batch */

/* A learner in the batch: its outcome and, while its content is on its
 * way, when it was made and when to look next (the client's clock). */
struct slot {
	struct glow_prov_learner *l;
	struct glow_prov_outcome o;
	double made, look_at;
	int fatal_before;
};

/* The requests of one step, counted for the learner it is for. */
static long
mark(struct glow_prov_run *run)
{
	return run->gh->stats.requests;
}

/* Done with s: credentials that failed while it was in flight say nothing
 * about the learner (skipped: it stays pending); then the caller's turn.
 * The return is done's: -1 to start no more learners. */
static int
finish(struct glow_prov_run *run, struct slot *s, glow_prov_done_fn *done,
    void *arg)
{
	int rc;

	if (!s->fatal_before && run->fatal && (!s->o.result ||
	    !strcmp(s->o.result, "error")))
		s->o.result = "skipped";
	rc = done(arg, s->l, &s->o);
	glow_prov_outcome_free(&s->o);
	return rc;
}

/* Look at s's content once; finish s when it is there, or failed, or has
 * not come in run->timeout seconds; else set the next look, sooner while
 * the content is young (polling follows the arrival, a few seconds at
 * most, never doubling).  1 when s is finished (*rc done's answer). */
static int
step(struct glow_prov_run *run, struct slot *s, glow_prov_done_fn *done,
    void *arg, int *rc)
{
	struct glow_gh_resp r;
	struct glow_json doc;
	enum look k;
	double now, age, gap;
	long before = mark(run);
	int have;

	k = look(run, s->l, &s->o, &r, &doc, &have);
	now = glow_gh_now(run->gh);
	age = now - s->made;
	if (k == LOOK_NOT_YET && age < run->timeout) {
		glow_gh_resp_free(&r);
		s->o.requests += mark(run) - before;
		/* before any content has arrived, content this old was not
		 * there yet: the next new repository is not looked at sooner */
		if (s->o.created && run->arrivals == 0 && age > run->guess)
			run->guess = age;
		gap = age / 4;
		s->look_at = now + (gap < 0.25 ? 0.25 : gap > 2 ? 2 : gap);
		return 0;
	}
	if (k == LOOK_NOT_YET) {
		glow_buf_reset(&s->o.detail);
		glow_buf_printf(&s->o.detail, "content of '%s' did not arrive in "
		    "%.0f s", s->l->full, age);
		s->o.result = "error";
	} else if (k == LOOK_READY) {
		if (s->o.created) {
			/* the next new repository is first looked at when the
			 * soonest arrival seen came */
			run->wait_content += age;
			if (run->arrivals++ == 0 || age < run->guess)
				run->guess = age;
		}
		complete(run, s->l, &s->o, &doc, have);
		if (have == 1)
			glow_json_free(&doc);
	}
	glow_gh_resp_free(&r);
	s->o.requests += mark(run) - before;
	*rc = finish(run, s, done, arg);
	return 1;
}

int
glow_prov_batch(struct glow_prov_run *run, struct glow_prov_learner *ls,
    size_t n, glow_prov_done_fn *done, void *arg)
{
	size_t depth = run->depth ? run->depth : 1, nw = 0, next = 0, k, j, o;
	struct slot *w, s;
	double now, until;
	int stopping = 0, rc = 0;
	long before;

	if (!(w = calloc(depth, sizeof *w))) {
		nomem(run);
		return -1;
	}
	for (;;) {
		now = glow_gh_now(run->gh);
		/* the waiting learner to look at first */
		for (k = 0, j = 1; j < nw; j++)
			if (w[j].look_at < w[k].look_at)
				k = j;
		if (nw && w[k].look_at <= now) {
			/* before any content has arrived, only the oldest new
			 * repository is looked at: the others would not be
			 * there sooner, and once one arrives run->guess says
			 * when to look */
			for (o = 0, j = 1; j < nw; j++)
				if (w[j].o.created && (!w[o].o.created ||
				    w[j].made < w[o].made))
					o = j;
			if (run->arrivals == 0 && w[k].o.created && k != o &&
			    w[o].o.created) {
				w[k].look_at = w[o].look_at + 0.001;
				continue;
			}
			if (step(run, &w[k], done, arg, &rc)) {
				w[k] = w[--nw];
				if (rc < 0)
					stopping = 1;
			}
			continue;
		}
		/* a new learner, once its writes may go (until then, the
		 * waiting learners' looks go first) */
		if (run->stop && *run->stop)
			stopping = 1;
		if (!stopping && next < n && nw < depth &&
		    (nw == 0 || glow_gh_pace_due(run->gh) <= now)) {
			memset(&s, 0, sizeof s);
			s.l = &ls[next++];
			s.fatal_before = run->fatal != NULL;
			before = mark(run);
			if (begin(run, s.l, &s.o) == 0 && s.o.created) {
				s.o.requests = mark(run) - before;
				s.made = glow_gh_now(run->gh);
				s.look_at = s.made + run->guess;
				w[nw++] = s;
				continue;
			}
			s.o.requests = mark(run) - before;
			if (s.o.result) {       /* begin failed */
				if (finish(run, &s, done, arg) < 0)
					stopping = 1;
				continue;
			}
			/* an existing repository: its content is there (or, if
			 * GitHub is still copying it, waited for like a new one) */
			s.made = glow_gh_now(run->gh);
			if (!step(run, &s, done, arg, &rc))
				w[nw++] = s;
			else if (rc < 0)
				stopping = 1;
			continue;
		}
		if (nw == 0)
			break;
		until = w[k].look_at;
		if (!stopping && next < n && nw < depth &&
		    glow_gh_pace_due(run->gh) < until)
			until = glow_gh_pace_due(run->gh);
		glow_gh_wait(run->gh, until - now);
	}
	free(w);
	return stopping ? -1 : 0;
}
