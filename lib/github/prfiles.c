/* SPDX-License-Identifier: ISC */
/* prfiles.c: a pull request's changed files (prfiles.h). */
#include <string.h>

#include "github/prfiles.h"

/* Add the "filename" of each file of one page, up to limit in all. */
static int
add_page(struct glow_event *ev, const struct glow_json *page, size_t limit,
    int *more)
{
	struct glow_buf name = GLOW_BUF_INIT;
	int v, rc = 0;

	for (v = glow_json_first(page, 0); v >= 0 && ev->nfile < limit;
	    v = glow_json_next(page, v)) {
		glow_buf_reset(&name);
		if (glow_json_string(page, glow_json_get(page, v, "filename"),
		    &name) < 0)
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

int
glow_prfiles_fetch(const struct glow_prfiles *pf, struct glow_event *ev,
    const struct glow_json *doc, struct glow_buf *err)
{
	struct glow_buf path = GLOW_BUF_INIT, owner = GLOW_BUF_INIT;
	struct glow_buf msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	struct glow_json page;
	struct glow_json_error je;
	struct glow_gh *gh;
	enum glow_gh_err e;
	const char *slash;
	long long changed = -1;
	size_t limit = pf->all ? GLOW_PRFILES_API : GLOW_PRFILES_ACTIONS;
	int v, more = 0, rc = -1;

	ev->files = GLOW_FILES_LIST;
	if (!ev->repository || !(slash = strchr(ev->repository, '/'))) {
		glow_buf_adds(err, "no repository for the pull request's files");
		return -1;
	}
	if (!(gh = pf->client(pf->arg, err)))
		return -1;
	glow_buf_add(&owner, ev->repository, (size_t)(slash - ev->repository));
	if (glow_gh_path(&path, "/repos/%s/%s/pulls/%ld/files?per_page=100",
	    owner.p, slash + 1, ev->pr_number) < 0) {
		glow_buf_printf(err, "bad repository '%s'", ev->repository);
		goto out;
	}
	glow_gh_resp_init(&r);
	for (;;) {
		e = glow_gh_request(gh, "GET", path.p, NULL, 0, &r);
		if (e != GLOW_GH_OK) {
			glow_buf_printf(err, "GET '%s': %s", path.p, glow_gh_strerror(e));
			if (e == GLOW_GH_HTTP || r.status) {
				glow_gh_message(&r, &msg);
				glow_buf_printf(err, ": %ld %s", r.status, msg.p);
			}
			break;
		}
		if (glow_json_parse(&page, glow_buf_str(&r.body), r.body.len,
		    &je) < 0) {
			glow_buf_printf(err, "GET '%s': not JSON: %s", path.p,
			    je.reason);
			break;
		}
		if (glow_json_type(&page, 0) != GLOW_JSON_ARRAY) {
			glow_json_free(&page);
			glow_buf_printf(err, "GET '%s': not a JSON array", path.p);
			break;
		}
		if (add_page(ev, &page, limit, &more) < 0) {
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
		    (changed < 0 && more) || ev->nfile >= GLOW_PRFILES_API)
			ev->files_unknown = 1;
	}
	glow_gh_resp_free(&r);
out:
	glow_buf_free(&path);
	glow_buf_free(&owner);
	glow_buf_free(&msg);
	return rc;
}
