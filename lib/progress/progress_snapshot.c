/* SPDX-License-Identifier: ISC */
/* glow-progress fetch: a learner's snapshot from GitHub's lists (see progress.h). */
#include <string.h>

#include "progress/progress.h"

/* Write the member key of obj as is (or null). */
static void
copy_member(struct glow_jw *w, const struct glow_json *doc, int obj,
    const char *key)
{
	int v = glow_json_get(doc, obj, key);

	glow_jw_key(w, key);
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
	copy_member(w, doc, obj, "number");
	copy_member(w, doc, obj, "state");
	glow_jw_key(w, "merged_at");
	if (merged_at >= 0)
		glow_jw_value(w, doc, merged_at);
	else
		glow_jw_null(w);
	copy_user(w, doc, obj);
	copy_member(w, doc, obj, "body");
	glow_jw_end(w);
}

int
glow_progress_snapshot_needs_pulls(const struct glow_json *issues)
{
	int e, pr;

	for (e = glow_json_first(issues, 0); e >= 0; e = glow_json_next(issues, e)) {
		pr = glow_json_get(issues, e, "pull_request");
		if (glow_json_type(issues, pr) == GLOW_JSON_OBJECT &&
		    glow_json_get(issues, pr, "merged_at") < 0)
			return 1;
	}
	return 0;
}

/* A learner field as a string ("" for none). */
static void
field(struct glow_jw *w, const struct glow_roster *r, size_t i,
    enum glow_roster_field f, struct glow_buf *scratch)
{
	size_t n;
	const char *v = glow_roster_get(r, i, f, scratch, &n);

	glow_jw_key(w, glow_roster_field_name[f]);
	glow_jw_strn(w, v ? v : "", v ? n : 0);
}

void
glow_progress_snapshot(struct glow_jw *w, const struct glow_roster *r,
    size_t i, const char *repo, const struct glow_json *is,
    const struct glow_json *cs, const struct glow_json *ps,
    struct glow_buf *scratch)
{
	int e, pr;

	glow_jw_object(w);
	glow_jw_key(w, "key");
	glow_jw_strn(w, r->learner[i].key, r->learner[i].keylen);
	field(w, r, i, GLOW_RF_HANDLE, scratch);
	field(w, r, i, GLOW_RF_COHORT, scratch);
	field(w, r, i, GLOW_RF_PATH, scratch);
	glow_jw_key(w, "repo");
	glow_jw_str(w, repo);

	glow_jw_key(w, "issues");
	glow_jw_array(w);
	for (e = glow_json_first(is, 0); e >= 0; e = glow_json_next(is, e)) {
		pr = glow_json_get(is, e, "pull_request");
		glow_jw_object(w);
		copy_member(w, is, e, "number");
		copy_member(w, is, e, "title");
		copy_member(w, is, e, "state");
		copy_member(w, is, e, "state_reason");
		copy_member(w, is, e, "closed_at");
		copy_labels(w, is, e);
		glow_jw_key(w, "pull_request");
		glow_jw_bool(w, pr >= 0 && glow_json_type(is, pr) != GLOW_JSON_NULL);
		glow_jw_end(w);
	}
	glow_jw_end(w);

	glow_jw_key(w, "comments");
	glow_jw_array(w);
	for (e = glow_json_first(cs, 0); e >= 0; e = glow_json_next(cs, e)) {
		glow_jw_object(w);
		copy_user(w, cs, e);
		copy_member(w, cs, e, "created_at");
		copy_member(w, cs, e, "body");
		glow_jw_end(w);
	}
	glow_jw_end(w);

	glow_jw_key(w, "pulls");
	glow_jw_array(w);
	if (ps) {
		for (e = glow_json_first(ps, 0); e >= 0; e = glow_json_next(ps, e))
			copy_pull(w, ps, e, glow_json_get(ps, e, "merged_at"));
	} else {
		for (e = glow_json_first(is, 0); e >= 0; e = glow_json_next(is, e)) {
			pr = glow_json_get(is, e, "pull_request");
			if (glow_json_type(is, pr) == GLOW_JSON_OBJECT)
				copy_pull(w, is, e, glow_json_get(is, pr, "merged_at"));
		}
	}
	glow_jw_end(w);
	glow_jw_end(w);
}
