/* SPDX-License-Identifier: ISC */
/* event.c: what the filters of rules.h look at, read from one envelope
 * once (glow_event_load); see rules.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/rules.h"

static int
nomem(void)
{
	errno = ENOMEM;
	return -1;
}

/* The string at a path of keys from token t, or -1. */
static int
at(const struct glow_json *d, int t, const char *k1, const char *k2,
    const char *k3)
{
	if (t >= 0 && k1)
		t = glow_json_get(d, t, k1);
	if (t >= 0 && k2)
		t = glow_json_get(d, t, k2);
	if (t >= 0 && k3)
		t = glow_json_get(d, t, k3);
	return t;
}

static char *
dup_at(const struct glow_json *d, int t)
{
	return glow_json_type(d, t) == GLOW_JSON_STRING ? glow_json_strdup(d, t) :
	    NULL;
}

int
glow_event_add_file(struct glow_event *ev, const char *name, size_t len)
{
	char **nv, *s;
	size_t cap;

	if (ev->nfile == ev->capfile) {
		cap = ev->capfile ? 2 * ev->capfile : 32;
		if (!(nv = realloc(ev->file, cap * sizeof *nv)))
			return nomem();
		ev->file = nv;
		ev->capfile = cap;
	}
	if (!(s = malloc(len + 1)))
		return nomem();
	memcpy(s, name, len);
	s[len] = '\0';
	ev->file[ev->nfile++] = s;
	return 0;
}

static int
add_labels(struct glow_event *ev, const struct glow_json *d, int arr)
{
	int v, n;
	char *s;

	if (glow_json_type(d, arr) != GLOW_JSON_ARRAY)
		return 0;
	n = glow_json_size(d, arr);
	if (n == 0)
		return 0;
	if (!(ev->labels.v = calloc((size_t)n, sizeof *ev->labels.v)))
		return nomem();
	for (v = glow_json_first(d, arr); v >= 0; v = glow_json_next(d, v))
		if ((s = dup_at(d, glow_json_get(d, v, "name"))))
			ev->labels.v[ev->labels.n++] = s;
	return 0;
}

/* A full commit SHA, not all zeros (a created or deleted ref's "before"
 * or "after")? */
static int
sha_ok(const char *s)
{
	return s && strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40 &&
	    strspn(s, "0") != 40;
}

/*
 * A push's files: its commits' own lists (up to the first 300 names), and
 * when before and after are both commits, the compare API is to be asked
 * (files pending, changes.h): Actions diffs the push, it does not take the
 * union of its commits' lists.
 */
static int
push_files(struct glow_event *ev, const struct glow_json *d, int p)
{
	static const char *const kinds[] = { "added", "modified", "removed" };
	struct glow_buf b = GLOW_BUF_INIT;
	int c, f, l, commits = glow_json_get(d, p, "commits");
	size_t k;

	ev->files = GLOW_FILES_LIST;
	ev->before = dup_at(d, glow_json_get(d, p, "before"));
	ev->after = dup_at(d, glow_json_get(d, p, "after"));
	if (glow_json_type(d, commits) == GLOW_JSON_ARRAY)
		ev->ncommits = (size_t)glow_json_size(d, commits);
	if (ev->ncommits > GLOW_PUSH_MAX_COMMITS)
		ev->files_unknown = 1;
	else if (sha_ok(ev->before) && sha_ok(ev->after))
		ev->files = GLOW_FILES_PENDING;
	if (glow_json_type(d, commits) != GLOW_JSON_ARRAY)
		return 0;
	for (c = glow_json_first(d, commits); c >= 0; c = glow_json_next(d, c))
		for (k = 0; k < 3 && ev->nfile < GLOW_DIFF_MAX_FILES; k++) {
			l = glow_json_get(d, c, kinds[k]);
			if (glow_json_type(d, l) != GLOW_JSON_ARRAY)
				continue;
			for (f = glow_json_first(d, l); f >= 0 &&
			    ev->nfile < GLOW_DIFF_MAX_FILES;
			    f = glow_json_next(d, f)) {
				glow_buf_reset(&b);
				if (glow_json_string(d, f, &b) < 0)
					continue;
				if (b.failed || glow_event_add_file(ev, glow_buf_str(&b),
				    b.len) < 0) {
					glow_buf_free(&b);
					return nomem();
				}
			}
		}
	glow_buf_free(&b);
	return 0;
}

int
glow_event_load(struct glow_event *ev, const struct glow_json *d,
    const char **why)
{
	int p, t, pr, iss;
	long long id;
	char buf[32], *s;

	memset(ev, 0, sizeof *ev);
	ev->doc = d;
	ev->payload = -1;
	*why = NULL;
	if (glow_json_type(d, 0) != GLOW_JSON_OBJECT ||
	    glow_json_type(d, glow_json_get(d, 0, "event")) != GLOW_JSON_STRING ||
	    glow_json_type(d, (p = glow_json_get(d, 0, "payload"))) !=
	    GLOW_JSON_OBJECT) {
		*why = "not an envelope: want an object with \"event\" and "
		    "\"payload\"";
		errno = EINVAL;
		return -1;
	}
	ev->payload = p;
	if (!(ev->event = glow_json_strdup(d, glow_json_get(d, 0, "event")))) {
		*why = "not an envelope: a NUL in \"event\"";
		errno = EINVAL;
		return -1;
	}
	/* the envelope's normalised fields first, the payload's otherwise */
	if (!(ev->action = dup_at(d, glow_json_get(d, 0, "action"))))
		ev->action = dup_at(d, glow_json_get(d, p, "action"));
	ev->delivery = dup_at(d, glow_json_get(d, 0, "delivery_id"));
	if (!(ev->repository = dup_at(d, glow_json_get(d, 0, "repository"))))
		ev->repository = dup_at(d, at(d, p, "repository", "full_name", NULL));
	t = glow_json_get(d, 0, "installation_id");
	if (glow_json_type(d, t) != GLOW_JSON_NUMBER)
		t = at(d, p, "installation", "id", NULL);
	if (glow_json_type(d, t) == GLOW_JSON_NUMBER && glow_json_int(d, t, &id) == 0) {
		snprintf(buf, sizeof buf, "%lld", id);
		ev->installation = strdup(buf);
	}
	t = glow_json_get(d, 0, "sender");
	if (glow_json_type(d, t) != GLOW_JSON_OBJECT)
		t = glow_json_get(d, p, "sender");
	ev->sender = dup_at(d, glow_json_get(d, t, "login"));
	ev->bot = glow_json_streq(d, glow_json_get(d, t, "type"), "Bot");

	pr = glow_json_get(d, p, "pull_request");
	iss = glow_json_get(d, p, "issue");
	/* the author of what the event is about */
	if (!(ev->author = dup_at(d, at(d, p, "comment", "user", "login"))) &&
	    !(ev->author = dup_at(d, at(d, p, "review", "user", "login"))) &&
	    !(ev->author = dup_at(d, at(d, pr, "user", "login", NULL))) &&
	    !(ev->author = dup_at(d, at(d, iss, "user", "login", NULL))) &&
	    !(ev->author = dup_at(d, at(d, p, "release", "author", "login"))) &&
	    ev->sender)
		ev->author = strdup(ev->sender);

	/* the ref */
	if (strcmp(ev->event, "push") == 0 &&
	    (s = dup_at(d, glow_json_get(d, p, "ref")))) {
		if (strncmp(s, "refs/heads/", 11) == 0) {
			ev->ref = GLOW_REF_BRANCH;
			ev->refname = strdup(s + 11);
		} else if (strncmp(s, "refs/tags/", 10) == 0) {
			ev->ref = GLOW_REF_TAG;
			ev->refname = strdup(s + 10);
		}
		free(s);
	} else if ((strcmp(ev->event, "create") == 0 ||
	    strcmp(ev->event, "delete") == 0) &&
	    (ev->refname = dup_at(d, glow_json_get(d, p, "ref")))) {
		t = glow_json_get(d, p, "ref_type");
		ev->ref = glow_json_streq(d, t, "branch") ? GLOW_REF_BRANCH :
		    glow_json_streq(d, t, "tag") ? GLOW_REF_TAG : GLOW_REF_NONE;
	} else if (pr >= 0 &&
	    (ev->refname = dup_at(d, at(d, pr, "base", "ref", NULL))))
		ev->ref = GLOW_REF_BRANCH;
	else if (strcmp(ev->event, "workflow_run") == 0 &&
	    (ev->refname = dup_at(d, at(d, p, "workflow_run", "head_branch", NULL))))
		ev->ref = GLOW_REF_BRANCH;

	/* labels */
	if (add_labels(ev, d, pr >= 0 ? glow_json_get(d, pr, "labels") :
	    glow_json_get(d, iss, "labels")) < 0)
		goto nomem;

	/* changed files */
	if (strcmp(ev->event, "push") == 0) {
		if (push_files(ev, d, p) < 0)
			goto nomem;
	} else if (glow_json_type(d, pr) == GLOW_JSON_OBJECT) {
		t = glow_json_get(d, pr, "number");
		if (glow_json_type(d, t) != GLOW_JSON_NUMBER)
			t = glow_json_get(d, p, "number");
		if (glow_json_int(d, t, &id) == 0 && id > 0) {
			ev->pr_number = (long)id;
			ev->files = GLOW_FILES_PENDING;
		}
	}
	return 0;
nomem:
	glow_event_free(ev);
	*why = "out of memory";
	errno = ENOMEM;
	return -1;
}

void
glow_event_free(struct glow_event *ev)
{
	size_t i;

	free(ev->event);
	free(ev->action);
	free(ev->delivery);
	free(ev->repository);
	free(ev->installation);
	free(ev->sender);
	free(ev->author);
	free(ev->refname);
	free(ev->before);
	free(ev->after);
	for (i = 0; i < ev->labels.n; i++)
		free(ev->labels.v[i]);
	free(ev->labels.v);
	for (i = 0; i < ev->nfile; i++)
		free(ev->file[i]);
	free(ev->file);
	memset(ev, 0, sizeof *ev);
}
