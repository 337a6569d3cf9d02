/* SPDX-License-Identifier: ISC */
/* changes.c: the changed files of a pull request or a push (changes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "github/changes.h"

/* Is name among ev's files already?  (A diverged push's two sides.) */
static int
listed(const struct glow_event *ev, const struct glow_buf *name)
{
	size_t i;

	for (i = 0; i < ev->nfile; i++)
		if (strlen(ev->file[i]) == name->len &&
		    memcmp(ev->file[i], name->p, name->len) == 0)
			return 1;
	return 0;
}

/* Add the "filename" of each file of array arr, up to limit in all;
 * with once, a name already listed is not added again. */
static int
add_files(struct glow_event *ev, const struct glow_json *page, int arr,
    size_t limit, int once, int *more)
{
	struct glow_buf name = GLOW_BUF_INIT;
	int v, rc = 0;

	for (v = glow_json_first(page, arr); v >= 0 && ev->nfile < limit;
	    v = glow_json_next(page, v)) {
		glow_buf_reset(&name);
		if (glow_json_string(page, glow_json_get(page, v, "filename"),
		    &name) < 0 || (once && listed(ev, &name)))
			continue;
		if (name.failed || glow_event_add_file(ev, glow_buf_str(&name),
		    name.len) < 0) {
			rc = -1;
			break;
		}
	}
	*more = v >= 0;
	glow_buf_free(&name);
	return rc;
}

/* GET path into *page (a JSON document of type want); -1 with err. */
static int
get_json(struct glow_gh *gh, const char *path, struct glow_gh_resp *r,
    struct glow_json *page, enum glow_json_type want, struct glow_buf *err)
{
	struct glow_json_error je;
	struct glow_buf msg = GLOW_BUF_INIT;
	enum glow_gh_err e;

	if ((e = glow_gh_request(gh, "GET", path, NULL, 0, r)) != GLOW_GH_OK) {
		glow_buf_printf(err, "GET '%s': %s", path, glow_gh_strerror(e));
		if (e == GLOW_GH_HTTP || r->status) {
			glow_gh_message(r, &msg);
			glow_buf_printf(err, ": %ld %s", r->status, glow_buf_str(&msg));
		}
		glow_buf_free(&msg);
		return -1;
	}
	if (glow_json_parse(page, glow_buf_str(&r->body), r->body.len, &je) < 0) {
		glow_buf_printf(err, "GET '%s': not JSON: %s", path, je.reason);
		return -1;
	}
	if (glow_json_type(page, 0) != want) {
		glow_json_free(page);
		glow_buf_printf(err, "GET '%s': not a JSON %s", path,
		    want == GLOW_JSON_ARRAY ? "array" : "object");
		return -1;
	}
	return 0;
}

/* The files of compare/{base}...{head}: 0 with *status ("ahead",
 * "behind", "diverged", "identical"), or -1. */
static int
compare(struct glow_gh *gh, const char *owner, const char *name,
    const char *base, const char *head, struct glow_event *ev, char *status,
    size_t statussz, struct glow_buf *err)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json page;
	int more, rc = -1;

	glow_gh_resp_init(&r);
	/* files are on the first page only; one commit a page is enough */
	if (glow_gh_path(&path, "/repos/%s/%s/compare/%s...%s?per_page=1",
	    owner, name, base, head) < 0) {
		glow_buf_printf(err, "bad repository '%s/%s'", owner, name);
	} else if (get_json(gh, glow_buf_str(&path), &r, &page, GLOW_JSON_OBJECT,
	    err) == 0) {
		glow_buf_reset(&path);
		glow_json_string(&page, glow_json_get(&page, 0, "status"), &path);
		snprintf(status, statussz, "%s", glow_buf_str(&path));
		if (add_files(ev, &page, glow_json_get_as(&page, 0, "files",
		    GLOW_JSON_ARRAY), GLOW_CHANGES_ACTIONS, ev->nfile > 0,
		    &more) < 0)
			glow_buf_adds(err, "out of memory");
		else
			rc = 0;
		glow_json_free(&page);
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

/* A push's files from the compare API (changes.h). */
static int
push_files(const struct glow_changes *ch, struct glow_event *ev,
    const char *owner, const char *name, struct glow_buf *err)
{
	struct glow_gh *gh;
	struct glow_buf why = GLOW_BUF_INIT;
	char status[32];
	size_t i;

	if (!(gh = ch->client(ch->arg, &why))) {
		glow_buf_free(&why);
		ev->files = GLOW_FILES_LIST;    /* the commits' lists stay */
		return 1;
	}
	glow_buf_free(&why);
	for (i = 0; i < ev->nfile; i++)
		free(ev->file[i]);
	ev->nfile = 0;
	ev->files = GLOW_FILES_LIST;
	if (compare(gh, owner, name, ev->before, ev->after, ev, status,
	    sizeof status, err) < 0)
		return -1;
	if (strcmp(status, "behind") == 0 || strcmp(status, "diverged") == 0)
		return compare(gh, owner, name, ev->after, ev->before, ev, status,
		    sizeof status, err);
	return 0;
}

/* A pull request's files (changes.h). */
static int
pull_files(const struct glow_changes *pf, struct glow_event *ev,
    const struct glow_json *doc, const char *owner_s, const char *name,
    struct glow_buf *err)
{
	struct glow_buf path = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json page;
	struct glow_gh *gh;
	long long changed = -1;
	size_t limit = pf->all ? GLOW_CHANGES_API : GLOW_CHANGES_ACTIONS;
	int v, more = 0, rc = -1;

	ev->files = GLOW_FILES_LIST;
	if (!(gh = pf->client(pf->arg, err)))
		return -1;
	if (glow_gh_path(&path, "/repos/%s/%s/pulls/%ld/files?per_page=100",
	    owner_s, name, ev->pr_number) < 0) {
		glow_buf_printf(err, "bad repository '%s'", ev->repository);
		glow_buf_free(&path);
		return -1;
	}
	glow_gh_resp_init(&r);
	for (;;) {
		if (get_json(gh, glow_buf_str(&path), &r, &page, GLOW_JSON_ARRAY,
		    err) < 0)
			break;
		if (add_files(ev, &page, 0, limit, 0, &more) < 0) {
			glow_json_free(&page);
			glow_buf_adds(err, "out of memory");
			break;
		}
		more = more || r.next[0];
		glow_json_free(&page);
		if (ev->nfile >= limit || !r.next[0]) {
			rc = 0;
			break;
		}
		glow_buf_reset(&path);
		glow_buf_adds(&path, r.next);
	}
	if (rc == 0 && pf->all) {
		v = glow_json_get(doc, glow_json_get(doc, 0, "payload"), "pull_request");
		glow_json_int(doc, glow_json_get(doc, v, "changed_files"), &changed);
		if ((changed >= 0 && (size_t)changed > ev->nfile) ||
		    (changed < 0 && more) || ev->nfile >= GLOW_CHANGES_API)
			ev->files_unknown = 1;
	}
	glow_gh_resp_free(&r);
	glow_buf_free(&path);
	return rc;
}

int
glow_changes_fetch(const struct glow_changes *ch, struct glow_event *ev,
    const struct glow_json *doc, struct glow_buf *err)
{
	struct glow_buf owner = GLOW_BUF_INIT;
	const char *slash;
	int rc;

	if (!ev->repository || !(slash = strchr(ev->repository, '/'))) {
		ev->files = GLOW_FILES_LIST;
		glow_buf_adds(err, "no repository for the changed files");
		return -1;
	}
	glow_buf_add(&owner, ev->repository, (size_t)(slash - ev->repository));
	if (ev->pr_number)
		rc = pull_files(ch, ev, doc, glow_buf_str(&owner), slash + 1, err);
	else
		rc = push_files(ch, ev, glow_buf_str(&owner), slash + 1, err);
	glow_buf_free(&owner);
	return rc;
}
