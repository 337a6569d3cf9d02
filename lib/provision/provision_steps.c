/* SPDX-License-Identifier: ISC */
/* provision_steps.c: the steps of one learner (generate, provenance, content, healing, invitation, comment); see provision_run.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "provision/provision_parts.h"

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
		return prov_fail(run, o, GLOW_GH_HTTP, NULL, "cannot create '%s'",
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
	    prov_message_has(&r, "already exists"))
		/* the name clash: it exists.  After a retry of this POST it may
		 * be this very generation, whose first answer was lost. */
		o->clash = run->gh->stats.retries > retries ? 2 : 1;
	else
		rc = prov_fail(run, o, e, &r, "cannot create '%s'", l->full);
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

	if (!(b64 = prov_template_file(run, file, o)))
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
	if (e == GLOW_GH_HTTP && r.status == 422 && prov_message_has(&r, "sha") &&
	    same_file(run, path.p, b64))
		e = GLOW_GH_OK, r.status = 201;
	if (e == GLOW_GH_OK && (r.status == 201 || r.status == 200)) {
		if (o->nhealed < GLOW_PROV_MAX_HEALED) {
			if ((copy = strdup(file)))
				o->healed[o->nhealed++] = copy;
			else {
				prov_nomem(run);
				rc = prov_fail(run, o, GLOW_GH_NOMEM, NULL,
				    "cannot heal '%s'", l->full);
			}
		}
	} else
		rc = prov_fail(run, o, e, &r, "cannot heal '%s': cannot write %s/%s",
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
		rc = prov_fail(run, o, e, &r, "cannot read '%s'", l->full);
		goto out;
	}
	if (glow_json_parse(&doc, glow_buf_str(&r.body), r.body.len, &jerr) < 0) {
		rc = prov_fail(run, o, GLOW_GH_JSON, &r, "cannot read '%s'", l->full);
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
enum look
prov_look(struct glow_prov_run *run, struct glow_prov_learner *l,
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
			prov_fail(run, o, GLOW_GH_JSON, &r, "cannot verify '%s'", l->full);
			k = LOOK_FAILED;
		} else
			*have = 1;
	} else if (e == GLOW_GH_HTTP && (r.status == 409 || (r.status == 404 &&
	    (o->created || prov_message_has(&r, "empty")))))
		k = LOOK_NOT_YET;
	else if (e == GLOW_GH_HTTP && r.status == 404)
		*have = -1;             /* no workflow directory at all */
	else {
		prov_fail(run, o, e, &r, "cannot verify '%s'", l->full);
		k = LOOK_FAILED;
	}
	*rp = r;                /* the listing's tokens point into its body */
	glow_buf_free(&path);
	return k;
}

/* The required workflow files in the listing prov_look() gave, healing each
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
		prov_note(run, "'%s' lacks %s/%s: healing", l->full,
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
		rc = prov_fail(run, o, e, &r, "cannot invite '%s' to '%s'", l->handle,
		    l->full);       /* prov_fail() adds GitHub's status and message */
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
		rc = prov_fail(run, o, e, &r, "cannot list the collaborators of '%s'",
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
		rc = prov_fail(run, o, e, &r, "cannot list the invitations of '%s'",
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
			rc = prov_fail(run, o, e, &r, "cannot delete the expired "
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
			rc = prov_fail(run, o, e, &r, "cannot read the comments of "
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
			rc = prov_fail(run, o, e, &r, "cannot comment on '%s#%lld'",
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
int
prov_begin(struct glow_prov_run *run, struct glow_prov_learner *l,
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
void
prov_complete(struct glow_prov_run *run, struct glow_prov_learner *l,
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
