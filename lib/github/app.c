/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "core/json.h"
#include "github/app.h"

#define DIGITS "0123456789"

long long
glow_app_installation_id(const char *s)
{
	const char *p, *digits;
	size_t n;
	long long v = 0;

	if (strspn(s, DIGITS) == strlen(s))
		digits = s;
	else if ((p = strstr(s, "/installations/")))
		digits = p + strlen("/installations/");
	else
		return -1;
	n = strspn(digits, DIGITS);
	if (n == 0 || n > 15 || (digits[n] && !strchr("/?#", digits[n])) ||
	    (digits[n] == '/' && digits[n + 1] && !strchr("?#", digits[n + 1])))
		return -1;
	while (n--)
		v = v * 10 + (*digits++ - '0');
	return v > 0 ? v : -1;
}

/* The "id" of the installation object in r's body, or -1. */
static long long
id_of(const struct glow_gh_resp *r)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	long long id = -1;

	if (glow_json_parse(&doc, glow_buf_str(&r->body), r->body.len,
	    &jerr) == 0) {
		if (glow_json_int(&doc, glow_json_get(&doc, 0, "id"), &id) < 0)
			id = -1;
		glow_json_free(&doc);
	}
	return id;
}

/* GET path: the installation's id; GLOW_APP_NOT_INSTALLED on 404. */
static enum glow_app_err
lookup(struct glow_gh *gh, const char *path, long long *id,
    enum glow_gh_err *e, struct glow_gh_resp *r)
{
	*e = glow_gh_request(gh, "GET", path, NULL, 0, r);
	if (*e == GLOW_GH_HTTP && r->status == 404)
		return GLOW_APP_NOT_INSTALLED;
	if (*e != GLOW_GH_OK)
		return GLOW_APP_REQUEST;
	return (*id = id_of(r)) > 0 ? GLOW_APP_OK : GLOW_APP_NO_ID;
}

enum glow_app_err
glow_app_find_owner(struct glow_gh *gh, const char *owner, long long *id,
    enum glow_gh_err *e, struct glow_gh_resp *r)
{
	struct glow_buf p = GLOW_BUF_INIT;
	enum glow_app_err ae;

	*e = GLOW_GH_OK;
	if (glow_gh_path(&p, "/orgs/%s/installation", owner) < 0)
		return GLOW_APP_NAME;
	if ((ae = lookup(gh, p.p, id, e, r)) == GLOW_APP_NOT_INSTALLED) {
		glow_buf_reset(&p);
		glow_gh_path(&p, "/users/%s/installation", owner);
		ae = lookup(gh, p.p, id, e, r);
	}
	glow_buf_free(&p);
	return ae;
}

enum glow_app_err
glow_app_find_repo(struct glow_gh *gh, const char *full, long long *id,
    enum glow_gh_err *e, struct glow_gh_resp *r)
{
	struct glow_buf p = GLOW_BUF_INIT, owner = GLOW_BUF_INIT;
	const char *slash = strchr(full, '/');
	enum glow_app_err ae = GLOW_APP_NAME;

	*e = GLOW_GH_OK;
	if (!slash || strchr(slash + 1, '/'))
		return GLOW_APP_NAME;
	glow_buf_add(&owner, full, (size_t)(slash - full));
	if (glow_gh_path(&p, "/repos/%s/%s/installation", owner.p, slash + 1) == 0)
		ae = lookup(gh, p.p, id, e, r);
	glow_buf_free(&p);
	glow_buf_free(&owner);
	return ae;
}

enum glow_gh_err
glow_app_list(struct glow_gh *gh, struct glow_buf *list, struct glow_gh_resp *r)
{
	return glow_gh_paginate(gh, "/app/installations", NULL, 1, list, NULL, r);
}

enum glow_app_err
glow_app_find_only(struct glow_gh *gh, struct glow_buf *list, long long *id,
    int *count, enum glow_gh_err *e, struct glow_gh_resp *r)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	int n;

	*count = 0;
	if ((*e = glow_app_list(gh, list, r)) != GLOW_GH_OK)
		return GLOW_APP_REQUEST;
	if (glow_json_parse(&doc, glow_buf_str(list), list->len, &jerr) < 0)
		return GLOW_APP_JSON;
	*count = n = glow_json_size(&doc, 0);
	if (n == 1 && glow_json_int(&doc, glow_json_get(&doc,
	    glow_json_at(&doc, 0, 0), "id"), id) < 0)
		*id = -1;
	glow_json_free(&doc);
	if (n == 0)
		return GLOW_APP_NOT_INSTALLED;
	if (n > 1)
		return GLOW_APP_AMBIGUOUS;
	return n == 1 && *id > 0 ? GLOW_APP_OK : GLOW_APP_NO_ID;
}

void
glow_app_describe(const char *list, size_t len, struct glow_buf *out)
{
	struct glow_json doc;
	struct glow_json_error jerr;
	const char *id;
	size_t idlen;
	int v, acct, n = 0;

	if (glow_json_parse(&doc, list ? list : "", len, &jerr) == 0) {
		for (v = glow_json_first(&doc, 0); v >= 0; v = glow_json_next(&doc, v)) {
			acct = glow_json_get(&doc, v, "account");
			if (n++)
				glow_buf_adds(out, ", ");
			glow_json_string(&doc, glow_json_get(&doc, acct, "login"), out);
			glow_buf_adds(out, " (");
			glow_json_string(&doc, glow_json_get(&doc, acct, "type"), out);
			glow_buf_adds(out, ", id ");
			id = glow_json_raw(&doc, glow_json_get(&doc, v, "id"), &idlen);
			glow_buf_add(out, id ? id : "?", id ? idlen : 1);
			glow_buf_adds(out, ")");
		}
		glow_json_free(&doc);
	}
	if (!n)
		glow_buf_adds(out, "nowhere");
}

/*
 * The next non-empty item of a comma list at *s, copied into item (as
 * strtok_r() with "," splits); 0 at the end of the list.
 */
static int
next_item(const char **s, struct glow_buf *item)
{
	size_t n;

	*s += strspn(*s, ",");
	if (!**s)
		return 0;
	n = strcspn(*s, ",");
	glow_buf_reset(item);
	glow_buf_add(item, *s, n);
	*s += n;
	return !item->failed;
}

static int
repo_name_ok(const char *name)
{
	return *name && strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz" DIGITS "._-") == strlen(name);
}

static int
permission_ok(const char *item)
{
	const char *eq = strchr(item, '='), *level;

	if (!eq || eq == item || !eq[1])
		return 0;
	level = eq + 1;
	return strspn(item, "abcdefghijklmnopqrstuvwxyz_") == (size_t)(eq - item) &&
	    (!strcmp(level, "read") || !strcmp(level, "write") ||
	    !strcmp(level, "admin"));
}

enum glow_app_err
glow_app_narrowing(struct glow_buf *body, const char *repos, const char *perms,
    struct glow_buf *bad)
{
	struct glow_buf item = GLOW_BUF_INIT;
	struct glow_jw w;
	const char *name, *slash;
	char *eq;
	enum glow_app_err ae = GLOW_APP_OK;

	glow_jw_init(&w, body, 0);
	glow_jw_object(&w);
	if (repos) {
		glow_jw_key(&w, "repositories");
		glow_jw_array(&w);
		while (ae == GLOW_APP_OK && next_item(&repos, &item)) {
			name = (slash = strchr(item.p, '/')) ? slash + 1 : item.p;
			if (!repo_name_ok(name)) {
				glow_buf_adds(bad, name);
				ae = GLOW_APP_REPO;
			} else
				glow_jw_str(&w, name);
		}
		glow_jw_end(&w);
	}
	if (perms) {
		glow_jw_key(&w, "permissions");
		glow_jw_object(&w);
		while (ae == GLOW_APP_OK && next_item(&perms, &item)) {
			if (!permission_ok(item.p)) {
				glow_buf_adds(bad, item.p);
				ae = GLOW_APP_PERMISSION;
				continue;
			}
			eq = strchr(item.p, '=');
			*eq = '\0';
			glow_jw_key(&w, item.p);
			glow_jw_str(&w, eq + 1);
		}
		glow_jw_end(&w);
	}
	glow_jw_end(&w);
	if (item.failed)
		body->failed = 1;
	glow_buf_free(&item);
	return ae;
}

int
glow_app_jwt_clock(const char *message)
{
	return message && (strstr(message, "'Issued at'") ||
	    strstr(message, "'Expiration time'") || strstr(message, "('iat')") ||
	    strstr(message, "('exp')"));
}

int
glow_app_jwt_unknown(enum glow_gh_err e, const struct glow_gh_resp *r)
{
	return e == GLOW_GH_HTTP && r->status == 404 && r->body.p &&
	    strstr(r->body.p, "Integration not found");
}
