/* SPDX-License-Identifier: ISC */
/* installations.c: installations.json, the installations of record kept from installation events; see webhook.h. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/counters.h"
#include "core/crypto.h"
#include "core/fsio.h"
#include "core/secret.h"
#include "events/webhook.h"
#include "web/cgi.h"

/* Installations of record ---------------------------------------------- */

/* JSON values are kept compact, as text; an empty buffer is null. */
struct inst {
	long long id;
	struct glow_buf account, selection, permissions, events;
	struct glow_buf suspended_at, created_at, updated_at;
	char **repos;
	size_t nrepos;
	int suspended;
};

struct insts {
	struct inst *v;
	size_t n, cap;
};

static struct glow_buf *
inst_blob(struct inst *in, int k)
{
	struct glow_buf *b[] = { &in->account, &in->selection,
	    &in->permissions, &in->events, &in->suspended_at,
	    &in->created_at, &in->updated_at };

	return k < 7 ? b[k] : NULL;
}

static void
inst_free(struct inst *in)
{
	size_t i;
	int k;

	for (k = 0; k < 7; k++)
		glow_buf_free(inst_blob(in, k));
	for (i = 0; i < in->nrepos; i++)
		free(in->repos[i]);
	free(in->repos);
	memset(in, 0, sizeof *in);
}

static void
insts_free(struct insts *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		inst_free(&s->v[i]);
	free(s->v);
}

/* The entry for id, added (sorted by id) if missing; NULL without memory. */
static struct inst *
insts_get(struct insts *s, long long id, int add)
{
	size_t i;

	for (i = 0; i < s->n && s->v[i].id < id; i++)
		;
	if (i < s->n && s->v[i].id == id)
		return &s->v[i];
	if (!add)
		return NULL;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct inst *v = realloc(s->v, cap * sizeof *v);

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof *s->v);
	memset(&s->v[i], 0, sizeof *s->v);
	s->v[i].id = id;
	s->n++;
	return &s->v[i];
}

static void
blob_set(struct glow_buf *b, const struct glow_json *doc, int i)
{
	struct glow_jw w;

	glow_buf_reset(b);
	if (i < 0 || glow_json_type(doc, i) == GLOW_JSON_NULL ||
	    glow_json_type(doc, i) == GLOW_JSON_NONE)
		return;
	glow_jw_init(&w, b, 0);
	glow_jw_value(&w, doc, i);
}

static void
blob_write(struct glow_jw *w, const struct glow_buf *b)
{
	struct glow_json doc;
	struct glow_json_error err;

	if (b->len == 0 || glow_json_parse(&doc, b->p, b->len, &err) < 0) {
		glow_jw_null(w);
		return;
	}
	glow_jw_value(w, &doc, 0);
	glow_json_free(&doc);
}

static int
repos_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
repos_add(struct inst *in, const char *name)
{
	char **v;
	size_t i;

	for (i = 0; i < in->nrepos; i++)
		if (strcmp(in->repos[i], name) == 0)
			return 0;
	if (!(v = realloc(in->repos, (in->nrepos + 1) * sizeof *v)))
		return -1;
	in->repos = v;
	if (!(v[in->nrepos] = strdup(name)))
		return -1;
	in->nrepos++;
	qsort(in->repos, in->nrepos, sizeof *in->repos, repos_cmp);
	return 0;
}

static void
repos_del(struct inst *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nrepos; i++)
		if (strcmp(in->repos[i], name) == 0) {
			free(in->repos[i]);
			memmove(&in->repos[i], &in->repos[i + 1],
			    (in->nrepos - i - 1) * sizeof *in->repos);
			in->nrepos--;
			return;
		}
}

/* Call fn on the full_name (or the string) of each element of arr. */
static int
each_repo(const struct glow_json *doc, int arr, struct inst *in,
    int add)
{
	int e, f;
	char *name;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY)
		return 0;
	for (e = glow_json_first(doc, arr); e >= 0; e = glow_json_next(doc, e)) {
		f = glow_json_type(doc, e) == GLOW_JSON_OBJECT ?
		    glow_json_get(doc, e, "full_name") : e;
		if (!(name = glow_json_strdup(doc, f)))
			continue;
		if (add && repos_add(in, name) < 0) {
			free(name);
			return -1;
		}
		if (!add)
			repos_del(in, name);
		free(name);
	}
	return 0;
}

static const char *
insts_load(struct insts *s, const char *cur, size_t len, struct glow_buf *stamp)
{
	struct glow_json doc;
	struct glow_json_error err;
	static const char *keys[] = { "account", "repository_selection",
	    "permissions", "events", "suspended_at", "created_at",
	    "updated_at" };
	const char *why = NULL;
	long long v;
	struct inst *in;
	int arr, e, k, t;
	size_t i;

	for (i = 0; i < len && strchr(" \t\r\n", cur[i]); i++)
		;
	if (i == len)
		return NULL;
	if (glow_json_parse(&doc, cur, len, &err) < 0)
		return err.reason;
	if (glow_json_type(&doc, 0) != GLOW_JSON_OBJECT)
		why = "not a JSON object";
	else if ((t = glow_json_get(&doc, 0, "version")) < 0 ||
	    glow_json_int(&doc, t, &v) < 0 || v != 1)
		why = "version is not 1";
	else if (glow_json_type(&doc, arr = glow_json_get(&doc, 0,
	    "installations")) != GLOW_JSON_ARRAY)
		why = "no installations array";
	if (why)
		goto out;
	if ((t = glow_json_get(&doc, 0, "updated_at")) >= 0)
		glow_json_string(&doc, t, stamp);
	for (e = glow_json_first(&doc, arr); e >= 0 && !why;
	    e = glow_json_next(&doc, e)) {
		if (glow_json_type(&doc, e) != GLOW_JSON_OBJECT ||
		    (t = glow_json_get(&doc, e, "id")) < 0 ||
		    glow_json_int(&doc, t, &v) < 0) {
			why = "an installation without an integer id";
			break;
		}
		if (insts_get(s, v, 0)) {
			why = "an installation listed twice";
			break;
		}
		if (!(in = insts_get(s, v, 1))) {
			why = "out of memory";
			break;
		}
		for (k = 0; k < 7; k++)
			blob_set(inst_blob(in, k), &doc,
			    glow_json_get(&doc, e, keys[k]));
		in->suspended = glow_json_type(&doc, glow_json_get(&doc, e,
		    "suspended")) == GLOW_JSON_TRUE;
		t = glow_json_get(&doc, e, "repositories");
		if (t >= 0 && glow_json_type(&doc, t) != GLOW_JSON_ARRAY)
			why = "repositories is not an array";
		else if (each_repo(&doc, t, in, 1) < 0)
			why = "out of memory";
	}
out:
	glow_json_free(&doc);
	return why;
}

/* Refresh what payload.installation (inst) tells of an entry. */
static void
inst_refresh(struct inst *in, const struct glow_json *doc, int inst)
{
	struct glow_jw w;
	int a, k, t;

	if ((a = glow_json_get_as(doc, inst, "account", GLOW_JSON_OBJECT)) >= 0) {
		glow_buf_reset(&in->account);
		glow_jw_init(&w, &in->account, 0);
		glow_jw_object(&w);
		glow_jw_key(&w, "login");
		glow_jw_value_or_null(&w, doc,
		    glow_json_get_as(doc, a, "login", GLOW_JSON_STRING));
		glow_jw_key(&w, "id");
		t = glow_json_get(doc, a, "id");
		if (glow_json_type(doc, t) == GLOW_JSON_NUMBER)
			glow_jw_value(&w, doc, t);
		else
			glow_jw_null(&w);
		glow_jw_key(&w, "type");
		glow_jw_value_or_null(&w, doc,
		    glow_json_get_as(doc, a, "type", GLOW_JSON_STRING));
		glow_jw_end(&w);
	}
	static const char *keys[] = { "repository_selection", "permissions",
	    "events", "suspended_at", "created_at", "updated_at" };
	for (k = 0; k < 6; k++)
		if ((t = glow_json_get(doc, inst, keys[k])) >= 0)
			blob_set(inst_blob(in, k + 1), doc, t);
	in->suspended = in->suspended_at.len > 0;
}

static void
insts_write(const struct insts *s, const char *stamp, struct glow_buf *out)
{
	struct glow_jw w;
	size_t i, r;

	glow_jw_init(&w, out, 2);
	glow_jw_object(&w);
	glow_jw_key(&w, "version");
	glow_jw_int(&w, 1);
	glow_jw_key(&w, "updated_at");
	glow_jw_str(&w, stamp);
	glow_jw_key(&w, "installations");
	glow_jw_array(&w);
	for (i = 0; i < s->n; i++) {
		const struct inst *in = &s->v[i];

		glow_jw_object(&w);
		glow_jw_key(&w, "id");
		glow_jw_int(&w, in->id);
		glow_jw_key(&w, "account");
		blob_write(&w, &in->account);
		glow_jw_key(&w, "repository_selection");
		blob_write(&w, &in->selection);
		glow_jw_key(&w, "repositories");
		glow_jw_array(&w);
		for (r = 0; r < in->nrepos; r++)
			glow_jw_str(&w, in->repos[r]);
		glow_jw_end(&w);
		glow_jw_key(&w, "permissions");
		blob_write(&w, &in->permissions);
		glow_jw_key(&w, "events");
		blob_write(&w, &in->events);
		glow_jw_key(&w, "suspended");
		glow_jw_bool(&w, in->suspended);
		glow_jw_key(&w, "suspended_at");
		blob_write(&w, &in->suspended_at);
		glow_jw_key(&w, "created_at");
		blob_write(&w, &in->created_at);
		glow_jw_key(&w, "updated_at");
		blob_write(&w, &in->updated_at);
		glow_jw_end(&w);
	}
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_buf_addc(out, '\n');
}

int
glow_webhook_installations(const char *cur, size_t len, const char *event,
    const struct glow_json *doc, time_t now, struct glow_buf *out,
    const char **why)
{
	struct insts s = { 0 };
	struct glow_buf stamp = GLOW_BUF_INIT;
	struct inst *in;
	char iso[21];
	long long id;
	int inst, t, rc = 1, repos_event, act;
	const char *actions[] = { "created", "deleted", "suspend",
	    "unsuspend", "new_permissions_accepted", "added", "removed" };

	*why = NULL;
	repos_event = strcmp(event, "installation_repositories") == 0;
	if ((strcmp(event, "installation") != 0 && !repos_event) ||
	    glow_json_type(doc, 0) != GLOW_JSON_OBJECT ||
	    (inst = glow_json_get_as(doc, 0, "installation", GLOW_JSON_OBJECT)) < 0 ||
	    (t = glow_json_get(doc, inst, "id")) < 0 ||
	    glow_json_int(doc, t, &id) < 0)
		return 1;
	t = glow_json_get(doc, 0, "action");
	for (act = 0; act < 7; act++)
		if (glow_json_streq(doc, t, actions[act]))
			break;
	if (repos_event ? act != 5 && act != 6 : act > 4)
		return 1;
	if ((*why = insts_load(&s, cur, len, &stamp))) {
		rc = -1;
		goto out;
	}
	if (act == 1) {
		if (!(in = insts_get(&s, id, 0)))
			goto out;
		inst_free(in);
		memmove(in, in + 1, (size_t)(s.v + s.n - in - 1) * sizeof *in);
		s.n--;
	} else {
		if (!(in = insts_get(&s, id, 1))) {
			*why = "out of memory";
			rc = -1;
			goto out;
		}
		inst_refresh(in, doc, inst);
		if (act == 0) {
			while (in->nrepos)
				repos_del(in, in->repos[0]);
			each_repo(doc, glow_json_get(doc, 0, "repositories"),
			    in, 1);
		} else if (act == 2) {
			in->suspended = 1;
		} else if (act == 3) {
			in->suspended = 0;
			glow_buf_reset(&in->suspended_at);
		} else if (act == 5 || act == 6) {
			if ((t = glow_json_get(doc, 0,
			    "repository_selection")) >= 0)
				blob_set(&in->selection, doc, t);
			each_repo(doc, glow_json_get(doc, 0, act == 5 ?
			    "repositories_added" : "repositories_removed"),
			    in, act == 5);
		}
	}
	/* Unchanged content keeps the old file, stamp and all. */
	if (stamp.len) {
		insts_write(&s, stamp.p, out);
		if (!out->failed && out->len == len &&
		    memcmp(out->p, cur, len) == 0)
			goto out;
		glow_buf_reset(out);
	}
	glow_webhook_iso8601(iso, now);
	insts_write(&s, iso, out);
	rc = out->failed ? -1 : 0;
	if (rc < 0)
		*why = "out of memory";
out:
	insts_free(&s);
	glow_buf_free(&stamp);
	return rc;
}
