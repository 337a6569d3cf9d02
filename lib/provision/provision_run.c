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
#include "provision/provision_parts.h"

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

void
prov_note(struct glow_prov_run *run, const char *fmt, ...)
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

void
prov_set_fatal(struct glow_prov_run *run, const char *why,
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
void *
prov_nomem(struct glow_prov_run *run)
{
	run->nomem = 1;
	prov_set_fatal(run, "out of memory", NULL);
	return NULL;
}

char *
prov_dup_lower(struct glow_prov_run *run, const char *s)
{
	char *p = strdup(s), *q;

	if (!p)
		return prov_nomem(run);
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
		prov_set_fatal(run, "cannot renew the token", NULL);
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
		prov_set_fatal(run, "cannot renew the token", NULL);
		return -1;
	}
	return 0;
}

static void
after_call(struct glow_prov_run *run, enum glow_gh_err e,
    const struct glow_gh_resp *r)
{
	if (e == GLOW_GH_HTTP && r->status == 401)
		prov_set_fatal(run, "authentication refused", r);
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
int
prov_fail(struct glow_prov_run *run, struct glow_prov_outcome *o,
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
int
prov_message_has(const struct glow_gh_resp *r, const char *s)
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
			prov_nomem(run);
			return -1;
		}
		run->names = n;
	}
	if (!(run->names[run->nnames] = prov_dup_lower(run, s)))
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
			prov_nomem(run);
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
				prov_nomem(run);
		}
		if (run->fatal)
			break;
		if (!run->listed)
			prov_note(run, "no listing from '%s' (%s%ld): asking for each "
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
		if (!(lname = prov_dup_lower(run, l->name)))
			return prov_fail(run, o, GLOW_GH_NOMEM, NULL,
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
		rc = prov_fail(run, o, e, &r, "cannot look up '%s'", l->full);
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
		prov_note(run, "cannot read the head of '%s': %ld", run->tmpl_full,
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
		prov_nomem(run);
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	glow_buf_free(&msg);
	return rc;
}

/* A template workflow file's content, base64 without line breaks. */
const char *
prov_template_file(struct glow_prov_run *run, const char *name,
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
		prov_fail(run, o, e, &r, "cannot heal: cannot read '%s/%s/%s' from the "
		    "template", run->tmpl_full, GLOW_PROV_WORKFLOW_DIR, name);
		goto out;
	}
	if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) < 0 ||
	    glow_json_string(&doc, glow_json_get(&doc, 0, "content"), &b) < 0) {
		if (doc.tok)
			glow_json_free(&doc);
		prov_fail(run, o, GLOW_GH_JSON, &r, "cannot heal: '%s/%s/%s' in the "
		    "template is not a file", run->tmpl_full,
		    GLOW_PROV_WORKFLOW_DIR, name);
		goto out;
	}
	glow_json_free(&doc);
	for (k = j = 0; k < b.len; k++)
		if (b.p[k] != '\n' && b.p[k] != '\r')
			b.p[j++] = b.p[k];
	if (!(t = realloc(run->tfiles, (run->ntfiles + 1) * sizeof *t))) {
		prov_nomem(run);
		prov_fail(run, o, GLOW_GH_NOMEM, NULL, "cannot heal '%s'", name);
		goto out;
	}
	run->tfiles = t;
	t += run->ntfiles;
	t->name = strdup(name);
	t->b64 = strndup(glow_buf_str(&b), j);
	if (!t->name || !t->b64) {
		free(t->name);
		free(t->b64);
		prov_nomem(run);
		prov_fail(run, o, GLOW_GH_NOMEM, NULL, "cannot heal '%s'", name);
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

