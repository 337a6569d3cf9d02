/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/isotime.h"
#include "web/cgi.h"
#include "web/companion.h"
#include "web/html.h"


const char *
glow_cookie_next(const char **h, const char *name, size_t *len)
{
	size_t nl = strlen(name), e;
	const char *p = *h, *v;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		for (e = 0; p[e] && p[e] != ';'; e++)
			;
		if (e > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			if (len)
				*len = e - nl - 1;
			v = p + nl + 1;
			*h = p + e;
			return v;
		}
		p += e;
	}
	*h = p;
	return NULL;
}

const char *
glow_cookie_get(const char *h, const char *name, size_t *len)
{
	return glow_cookie_next(&h, name, len);
}

int
glow_next_target(const char *next, struct glow_buf *out)
{
	static const char *const routes[] = { "/dashboard", "/roster.json",
	    "/metrics", NULL };
	struct glow_form q;
	const char *query, *cohort;
	size_t plen, cl = 0;
	int i;

	if (!next || next[0] != '/')
		return -1;
	query = strchr(next, '?');
	plen = query ? (size_t)(query - next) : strlen(next);
	for (i = 0; routes[i]; i++)
		if (strlen(routes[i]) == plen && memcmp(routes[i], next, plen) == 0)
			break;
	if (!routes[i])
		return -1;
	glow_buf_adds(out, routes[i]);
	if (i != 0 || !query)
		return 0;
	if (glow_form_parse(&q, query + 1, strlen(query + 1)) == 0 &&
	    (cohort = glow_form_get(&q, "cohort", &cl)) && cl > 0 && cl <= 200) {
		glow_buf_adds(out, "?cohort=");
		glow_url_esc(out, cohort, cl);
	}
	glow_form_free(&q);
	return 0;
}

static int
in_list(const char *list, const char *a, size_t n)
{
	const char *p = list, *e;
	size_t l;

	while (p && *p) {
		while (*p == ' ' || *p == ',')
			p++;
		for (e = p; *e && *e != ',' && *e != ' '; e++)
			;
		l = (size_t)(e - p);
		if (l && l == n && memcmp(p, a, n) == 0)
			return 1;
		p = e;
	}
	return 0;
}

static void
copy_addr(char *out, size_t n, const char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len && o + 1 < n; i++)
		if (s[i] > ' ' && s[i] < 0x7f)
			out[o++] = s[i];
	out[o] = '\0';
}

int
glow_client_addr(const char *remote, const char *trusted,
    const char *fwd, char *out, size_t n)
{
	const char *end, *start;

	if (!remote)
		remote = "";
	copy_addr(out, n, remote, strlen(remote));
	if (!trusted || !*trusted || !in_list(trusted, remote, strlen(remote)))
		return 0;
	if (!fwd)
		return 1;
	/* right to left: the last hop not one of ours is the client */
	end = fwd + strlen(fwd);
	while (end > fwd) {
		for (start = end; start > fwd && start[-1] != ','; start--)
			;
		{
			const char *a = start, *b = end;

			while (a < b && (*a == ' ' || *a == '\t'))
				a++;
			while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
				b--;
			if (b > a && !in_list(trusted, a, (size_t)(b - a))) {
				copy_addr(out, n, a, (size_t)(b - a));
				return 1;
			}
		}
		end = start > fwd ? start - 1 : fwd;
	}
	return 1;
}

int
glow_addr_loopback(const char *a)
{
	return strncmp(a, "127.", 4) == 0 || strcmp(a, "::1") == 0 ||
	    strncmp(a, "::ffff:127.", 11) == 0;
}

int
glow_accepts_html(const char *accept)
{
	return accept && (strstr(accept, "text/html") ||
	    strstr(accept, "application/xhtml+xml"));
}

int
glow_register_check(struct glow_register_form *f, const char *handle,
    size_t hn, const char *cohort, size_t cn, const char *path, size_t pn,
    const char **h, size_t *hlen)
{
	size_t i;

	f->handle = handle;
	f->cohort = cohort;
	f->path = path;
	if (handle)
		handle = glow_roster_trim(handle, hn, &hn);
	if (!handle || hn == 0)
		f->err_handle = "Enter your GitHub username";
	else if (hn > 40 || !glow_roster_handle_ok(handle, hn))
		f->err_handle = "Enter a GitHub username of 1 to 39 letters, "
		    "digits and single hyphens, not starting or ending with a "
		    "hyphen";
	for (i = 0; cohort && i < f->ncohort; i++)
		if (strcmp(f->cohort_list[i].id, cohort) == 0)
			break;
	if (!cohort || cn == 0)
		f->err_cohort = "Choose a cohort";
	else if (i == f->ncohort)
		f->err_cohort = "Choose one of the cohorts in the list";
	if (!path || glow_roster_enum(glow_roster_paths, path, pn) < 0)
		f->err_path = "Choose which days you will take part in";
	if (f->err_handle || f->err_cohort || f->err_path)
		return -1;
	*h = handle[0] == '@' ? handle + 1 : handle;
	*hlen = handle[0] == '@' ? hn - 1 : hn;
	return 0;
}

struct reg {
	const char *handle, *cohort, *path;
	int result;
};

static int
reg_fn(struct glow_roster *r, void *arg)
{
	struct reg *g = arg;
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_jw w;
	char now[25];
	int rc;

	g->result = 0;
	if (glow_roster_cohort_find(r, g->cohort, strlen(g->cohort)) < 0)
		return -1;      /* the cohort went away since the form was shown */
	glow_jw_init(&w, &b, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "github_handle");
	glow_jw_str(&w, g->handle);
	glow_jw_key(&w, "cohort_id");
	glow_jw_str(&w, g->cohort);
	glow_jw_key(&w, "path");
	glow_jw_str(&w, g->path);
	glow_jw_end(&w);
	if (b.failed || glow_json_parse(&doc, b.p, b.len, NULL) < 0) {
		glow_buf_free(&b);
		return -1;
	}
	(void)glow_now(now, NULL);     /* GLOW_NOW: checked by the program */
	rc = glow_roster_upsert(r, &doc, 0, GLOW_ROSTER_NO_UPDATE, now, NULL,
	    NULL, NULL);
	glow_json_free(&doc);
	glow_buf_free(&b);
	if (rc < 0)
		return -1;
	g->result = rc;
	return rc == GLOW_ROSTER_ADDED ? 0 : -1;        /* -1: nothing written */
}

int
glow_register_add(const char *roster, const char *handle, const char *cohort,
    const char *path, struct glow_roster *r, struct glow_roster_status *st)
{
	struct reg g;

	g.handle = handle;
	g.cohort = cohort;
	g.path = path;
	g.result = 0;
	glow_roster_edit(roster, GLOW_ROSTER_BRIEF, reg_fn, &g, NULL, r, st);
	return g.result;
}
