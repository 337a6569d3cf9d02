/* SPDX-License-Identifier: ISC */
/*
 * The companion's pages.  Patterns follow the GOV.UK Design System (error
 * summary, hints and errors tied by aria-describedby, radios in a fieldset
 * whose first input carries the field's id), which is tested with
 * assistive technology; see glow-companion(1) for the WCAG 2.2 rules kept.
 */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "roster/roster.h"
#include "web/companion.h"
#include "web/html.h"

#define ESC(o, s) glow_html_escs((o), (s))

static const char *const status_label[] = { "Awaiting acknowledgement",
	"Active on day 1", "Day 1 complete", "Day 2 released",
	"Needs information" };
static const char *const state_label[] = { "Pending", "Provisioned",
	"Failed", "Healed" };
static const char *const path_label[] = { "Day 1 and day 2", "Day 2 only" };
static const char *const path_hint[] = {
	"The whole workshop, starting with the day 1 material.",
	"You already know the day 1 material and join on day 2." };

static void
link(struct glow_buf *o, const struct glow_page *p, const char *route)
{
	ESC(o, p->base);
	glow_buf_adds(o, route);
}

void
glow_page_begin(struct glow_buf *o, const struct glow_page *p)
{
	static const struct { const char *id, *route, *text; } nav[] = {
		{ "register", "/register", "Register" },
		{ "dashboard", "/dashboard", "Facilitator dashboard" },
	};
	size_t i;

	glow_buf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>");
	if (p->errors)
		glow_buf_adds(o, "Error: ");
	ESC(o, p->title);
	glow_buf_adds(o, " - GLOW workshop</title>\n<link rel=\"stylesheet\" href=\"");
	link(o, p, "/static/companion.css");
	glow_buf_adds(o, "\">\n</head>\n<body>\n"
	    "<a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n"
	    "<header class=\"site-header\">\n<p class=\"site-name\"><a href=\"");
	link(o, p, "/register");
	glow_buf_adds(o, "\">GLOW workshop</a></p>\n<nav aria-label=\"Main\">\n<ul>\n");
	for (i = 0; i < sizeof nav / sizeof nav[0]; i++) {
		glow_buf_adds(o, "<li><a href=\"");
		link(o, p, nav[i].route);
		glow_buf_adds(o, "\"");
		if (p->nav && strcmp(p->nav, nav[i].id) == 0)
			glow_buf_adds(o, " aria-current=\"page\"");
		glow_buf_printf(o, ">%s</a></li>\n", nav[i].text);
	}
	if (p->facilitator && p->csrf) {
		glow_buf_adds(o, "<li><form method=\"post\" action=\"");
		link(o, p, "/logout");
		glow_buf_adds(o, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
		ESC(o, p->csrf);
		glow_buf_adds(o, "\"><button type=\"submit\" class=\"link-button\">"
		    "Sign out</button></form></li>\n");
	} else {
		glow_buf_adds(o, "<li><a href=\"");
		link(o, p, "/login");
		glow_buf_adds(o, "\"");
		if (p->nav && strcmp(p->nav, "login") == 0)
			glow_buf_adds(o, " aria-current=\"page\"");
		glow_buf_adds(o, ">Facilitator sign-in</a></li>\n");
	}
	glow_buf_adds(o, "</ul>\n</nav>\n</header>\n"
	    "<main id=\"main\" tabindex=\"-1\">\n<h1>");
	ESC(o, p->title);
	glow_buf_adds(o, "</h1>\n<div class=\"status\" role=\"status\" aria-live=\"polite\">");
	if (p->status) {
		glow_buf_adds(o, "<p class=\"status-message\">");
		ESC(o, p->status);
		glow_buf_adds(o, "</p>");
	}
	glow_buf_adds(o, "</div>\n");
}

void
glow_page_end(struct glow_buf *o, const struct glow_page *p)
{
	(void)p;
	glow_buf_adds(o, "</main>\n<footer class=\"site-footer\">\n"
	    "<p>You can also register on GitHub with the workshop's registration "
	    "issue form; the workshop does not depend on this site.</p>\n"
	    "</footer>\n</body>\n</html>\n");
}

void
glow_page_message(struct glow_buf *o, const struct glow_page *p,
    const char *text, const char *route, const char *link_text)
{
	glow_page_begin(o, p);
	glow_buf_adds(o, "<p>");
	ESC(o, text);
	glow_buf_adds(o, "</p>\n");
	if (route) {
		glow_buf_adds(o, "<p><a href=\"");
		link(o, p, route);
		glow_buf_adds(o, "\">");
		ESC(o, link_text);
		glow_buf_adds(o, "</a></p>\n");
	}
	glow_page_end(o, p);
}

struct err {
	const char *anchor, *msg;
};

static void
error_summary(struct glow_buf *o, const struct err *e, size_t n)
{
	size_t i, any = 0;

	for (i = 0; i < n; i++)
		any += e[i].msg != NULL;
	if (!any)
		return;
	/* autofocus: with no script, this is what moves focus to the summary */
	glow_buf_adds(o, "<div class=\"error-summary\" role=\"alert\" "
	    "aria-labelledby=\"error-summary-title\" tabindex=\"-1\" autofocus>\n"
	    "<h2 id=\"error-summary-title\">There is a problem</h2>\n<ul>\n");
	for (i = 0; i < n; i++) {
		if (!e[i].msg)
			continue;
		glow_buf_printf(o, "<li><a href=\"#%s\">", e[i].anchor);
		ESC(o, e[i].msg);
		glow_buf_adds(o, "</a></li>\n");
	}
	glow_buf_adds(o, "</ul>\n</div>\n");
}

/* The hint and error paragraphs of field id, and its aria attributes. */
static void
field_notes(struct glow_buf *o, const char *id, const char *hint,
    const char *err)
{
	if (hint)
		glow_buf_printf(o, "<p class=\"hint\" id=\"%s-hint\">%s</p>\n", id, hint);
	if (err) {
		glow_buf_printf(o, "<p class=\"error-message\" id=\"%s-error\">"
		    "<span class=\"visually-hidden\">Error: </span>", id);
		ESC(o, err);
		glow_buf_adds(o, "</p>\n");
	}
}

static void
described(struct glow_buf *o, const char *id, int hint, const char *err)
{
	if (!hint && !err)
		return;
	glow_buf_adds(o, " aria-describedby=\"");
	if (hint)
		glow_buf_printf(o, "%s-hint", id);
	if (err)
		glow_buf_printf(o, "%s%s-error", hint ? " " : "", id);
	glow_buf_adds(o, "\"");
	if (err)
		glow_buf_adds(o, " aria-invalid=\"true\"");
}

static void
hidden(struct glow_buf *o, const char *name, const char *value)
{
	glow_buf_printf(o, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	ESC(o, value);
	glow_buf_adds(o, "\">\n");
}

void
glow_page_register(struct glow_buf *o, const struct glow_page *p,
    const struct glow_register_form *f)
{
	struct err e[3] = {
		{ "github_handle", f->err_handle },
		{ "cohort_id", f->err_cohort },
		{ "path", f->err_path },        /* the first radio */
	};
	size_t i;

	glow_page_begin(o, p);
	error_summary(o, e, 3);
	if (f->ncohort == 0) {
		glow_buf_adds(o, "<p>Registration is not open: no cohort is "
		    "listed yet. Please come back later, or ask the workshop's "
		    "facilitators.</p>\n");
		glow_page_end(o, p);
		return;
	}
	glow_buf_adds(o, "<p>Register for the workshop with your GitHub "
	    "username. A facilitator then creates your practice repository and "
	    "GitHub sends you an invitation to it.</p>\n"
	    "<p>All fields are required.</p>\n<form method=\"post\" action=\"");
	link(o, p, "/register");
	glow_buf_adds(o, "\" novalidate>\n");
	hidden(o, "csrf", f->csrf);

	glow_buf_printf(o, "<div class=\"field%s\">\n<label for=\"github_handle\">"
	    "GitHub username</label>\n", f->err_handle ? " field-error" : "");
	field_notes(o, "github_handle", "The name you sign in to GitHub with, "
	    "without the @. For example: octocat.", f->err_handle);
	glow_buf_adds(o, "<input class=\"input\" id=\"github_handle\" "
	    "name=\"github_handle\" type=\"text\" autocomplete=\"username\" "
	    "autocapitalize=\"none\" spellcheck=\"false\" required");
	described(o, "github_handle", 1, f->err_handle);
	glow_buf_adds(o, " value=\"");
	if (f->handle)
		ESC(o, f->handle);
	glow_buf_adds(o, "\">\n</div>\n");

	glow_buf_printf(o, "<div class=\"field%s\">\n<label for=\"cohort_id\">"
	    "Cohort</label>\n", f->err_cohort ? " field-error" : "");
	field_notes(o, "cohort_id", "The workshop you are joining.", f->err_cohort);
	glow_buf_adds(o, "<select class=\"select\" id=\"cohort_id\" name=\"cohort_id\" required");
	described(o, "cohort_id", 1, f->err_cohort);
	glow_buf_adds(o, ">\n<option value=\"\">Choose a cohort</option>\n");
	for (i = 0; i < f->ncohort; i++) {
		glow_buf_adds(o, "<option value=\"");
		ESC(o, f->cohort_list[i].id);
		glow_buf_adds(o, "\"");
		if ((f->cohort && strcmp(f->cohort, f->cohort_list[i].id) == 0) ||
		    (!f->cohort && f->ncohort == 1))
			glow_buf_adds(o, " selected");
		glow_buf_adds(o, ">");
		ESC(o, f->cohort_list[i].label ? f->cohort_list[i].label :
		    f->cohort_list[i].id);
		glow_buf_adds(o, "</option>\n");
	}
	glow_buf_adds(o, "</select>\n</div>\n");

	glow_buf_printf(o, "<div class=\"field%s\">\n<fieldset class=\"fieldset\"",
	    f->err_path ? " field-error" : "");
	described(o, "path", 1, f->err_path);
	glow_buf_adds(o, ">\n<legend>Which days will you take part in?</legend>\n");
	field_notes(o, "path", "Choose one.", f->err_path);
	glow_buf_adds(o, "<div class=\"radios\">\n");
	for (i = 0; i < 2; i++) {
		const char *v = glow_roster_paths[i];

		glow_buf_printf(o, "<div class=\"radio\">\n<input id=\"%s%s\" "
		    "name=\"path\" type=\"radio\" value=\"%s\" aria-describedby=\"path-%s-hint\"",
		    i ? "path-" : "path", i ? v : "", v, v);
		if (f->path && strcmp(f->path, v) == 0)
			glow_buf_adds(o, " checked");
		if (f->err_path)
			glow_buf_adds(o, " aria-invalid=\"true\"");
		glow_buf_printf(o, ">\n<label for=\"%s%s\">%s</label>\n"
		    "<p class=\"hint radio-hint\" id=\"path-%s-hint\">%s</p>\n</div>\n",
		    i ? "path-" : "path", i ? v : "", path_label[i], v, path_hint[i]);
	}
	glow_buf_adds(o, "</div>\n</fieldset>\n</div>\n"
	    "<button type=\"submit\" class=\"button\">Register</button>\n</form>\n");
	glow_page_end(o, p);
}

void
glow_page_login(struct glow_buf *o, const struct glow_page *p,
    const struct glow_login_form *f)
{
	struct err e[1] = { { "token", f->err_token } };

	glow_page_begin(o, p);
	if (f->disabled) {
		glow_buf_adds(o, "<p>Facilitator sign-in is turned off: no "
		    "facilitator token is configured on this server "
		    "(COMPANION_FACILITATOR_TOKEN).</p>\n<p><a href=\"");
		link(o, p, "/register");
		glow_buf_adds(o, "\">Go to the registration page</a></p>\n");
		glow_page_end(o, p);
		return;
	}
	error_summary(o, e, 1);
	glow_buf_adds(o, "<p>Facilitators sign in with the token the workshop's "
	    "organisers gave them.</p>\n<form method=\"post\" action=\"");
	link(o, p, "/login");
	glow_buf_adds(o, "\" novalidate>\n");
	hidden(o, "csrf", f->csrf);
	if (f->next)
		hidden(o, "next", f->next);
	glow_buf_printf(o, "<div class=\"field%s\">\n<label for=\"token\">"
	    "Facilitator token</label>\n", f->err_token ? " field-error" : "");
	field_notes(o, "token", "Paste the whole token. It is case sensitive.",
	    f->err_token);
	glow_buf_adds(o, "<input class=\"input\" id=\"token\" name=\"token\" "
	    "type=\"password\" autocomplete=\"current-password\" "
	    "spellcheck=\"false\" required");
	described(o, "token", 1, f->err_token);
	glow_buf_adds(o, ">\n</div>\n<button type=\"submit\" class=\"button\">"
	    "Sign in</button>\n</form>\n");
	glow_page_end(o, p);
}

/* The dashboard. */

struct cohort {
	char *id, *label;
	size_t nlearner;
	size_t status[5], state[4];
};

static char *
cohort_field(const struct glow_json *doc, int tok, const char *key)
{
	int v = glow_json_get(doc, tok, key);

	return glow_json_type(doc, v) == GLOW_JSON_STRING ?
	    glow_json_strdup(doc, v) : NULL;
}

static long
cohort_index(struct cohort **list, size_t *n, size_t *cap, const char *id,
    size_t idn)
{
	struct cohort *grown;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strlen((*list)[i].id) == idn && memcmp((*list)[i].id, id, idn) == 0)
			return (long)i;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		if (!(grown = realloc(*list, *cap * sizeof **list)))
			return -1;
		*list = grown;
	}
	memset(&(*list)[*n], 0, sizeof **list);
	if (!((*list)[*n].id = strndup(id, idn)))
		return -1;
	return (long)(*n)++;
}

static void
chart(struct glow_buf *o, const struct cohort *c, size_t k)
{
	const int rowh = 30, labelw = 250, barmax = 300;
	size_t max = 1, i, row = 0, rows = 2 + 5 + 4;
	int y;

	for (i = 0; i < 5; i++)
		if (c->status[i] > max)
			max = c->status[i];
	for (i = 0; i < 4; i++)
		if (c->state[i] > max)
			max = c->state[i];
	glow_buf_printf(o, "<figure class=\"chart-figure\">\n"
	    "<svg class=\"chart\" role=\"img\" aria-labelledby=\"c%zu-chart-title "
	    "c%zu-chart-desc\" viewBox=\"0 0 640 %zu\" focusable=\"false\">\n",
	    k, k, rows * (size_t)rowh + 10);
	for (i = 0; i < rows; i++, row++) {
		size_t count, w;
		const char *label;

		y = (int)row * rowh + 20;
		if (i == 0 || i == 6) {
			glow_buf_printf(o, "<text class=\"chart-group\" x=\"0\" y=\"%d\" "
			    "fill=\"currentColor\">%s</text>\n", y,
			    i == 0 ? "Status" : "Provisioning");
			continue;
		}
		count = i < 6 ? c->status[i - 1] : c->state[i - 7];
		label = i < 6 ? status_label[i - 1] : state_label[i - 7];
		w = count * (size_t)barmax / max;
		glow_buf_printf(o, "<text x=\"16\" y=\"%d\" fill=\"currentColor\">%s</text>\n",
		    y, label);
		/* a thin outline keeps an empty bar visible; the number says it */
		glow_buf_printf(o, "<rect class=\"bar\" x=\"%d\" y=\"%d\" width=\"%zu\" "
		    "height=\"18\" fill=\"currentColor\" stroke=\"currentColor\"/>\n",
		    labelw, y - 14, w ? w : 1);
		glow_buf_printf(o, "<text x=\"%zu\" y=\"%d\" fill=\"currentColor\">%zu</text>\n",
		    (size_t)labelw + (w ? w : 1) + 8, y, count);
	}
	glow_buf_adds(o, "</svg>\n");
	glow_buf_printf(o, "<figcaption id=\"c%zu-chart-title\">Learners by status "
	    "and by provisioning state</figcaption>\n</figure>\n", k);
	glow_buf_printf(o, "<p id=\"c%zu-chart-desc\">", k);
	glow_buf_adds(o, "Status: ");
	for (i = 0; i < 5; i++)
		glow_buf_printf(o, "%s %zu%s", status_label[i], c->status[i],
		    i < 4 ? ", " : ". ");
	glow_buf_adds(o, "Provisioning: ");
	for (i = 0; i < 4; i++)
		glow_buf_printf(o, "%s %zu%s", state_label[i], c->state[i],
		    i < 3 ? ", " : ".");
	glow_buf_adds(o, "</p>\n");
}

static void
cell(struct glow_buf *o, const char *s, size_t n, const char *none)
{
	glow_buf_adds(o, "<td>");
	if (s && n)
		glow_html_esc(o, s, n);
	else
		glow_buf_adds(o, none);
	glow_buf_adds(o, "</td>");
}

static void
time_cell(struct glow_buf *o, const char *s, size_t n)
{
	if (!s || n < 16) {
		cell(o, s, n, "never");
		return;
	}
	glow_buf_adds(o, "<td><time datetime=\"");
	glow_html_esc(o, s, n);
	glow_buf_adds(o, "\">");
	glow_html_esc(o, s, 10);
	glow_buf_addc(o, ' ');
	glow_html_esc(o, s + 11, 5);
	glow_buf_adds(o, " UTC</time></td>");
}

static void
learner_table(struct glow_buf *o, struct glow_roster *r, const long *cidx,
    long k, const struct cohort *c, size_t first, size_t last)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *v;
	size_t i, n, seen = 0;
	int e;

	glow_buf_adds(o, "<div class=\"table-wrap\">\n<table class=\"learners\">\n<caption>Learners in ");
	ESC(o, c->label ? c->label : c->id);
	glow_buf_printf(o, ", %zu to %zu of %zu</caption>\n<thead>\n<tr><th scope=\"col\">GitHub "
	    "username</th><th scope=\"col\">Path</th><th scope=\"col\">Status</th>"
	    "<th scope=\"col\">Provisioning</th><th scope=\"col\">Repository</th>"
	    "<th scope=\"col\">Registered</th><th scope=\"col\">Last activity</th></tr>\n"
	    "</thead>\n<tbody>\n", first + 1, last, c->nlearner);
	for (i = 0; i < r->nlearner && seen < last; i++) {
		if (cidx[i] != k || seen++ < first)
			continue;
		glow_buf_adds(o, "<tr><th scope=\"row\">");
		if ((v = glow_roster_get(r, i, GLOW_RF_HANDLE, &scratch, &n)))
			glow_html_esc(o, v, n);
		glow_buf_adds(o, "</th>");
		v = glow_roster_get(r, i, GLOW_RF_PATH, &scratch, &n);
		e = v ? glow_roster_enum(glow_roster_paths, v, n) : -1;
		cell(o, e >= 0 ? path_label[e] : v, e >= 0 ? strlen(path_label[e]) : n, "");
		v = glow_roster_get(r, i, GLOW_RF_STATUS, &scratch, &n);
		e = v ? glow_roster_enum(glow_roster_statuses, v, n) : -1;
		cell(o, e >= 0 ? status_label[e] : v, e >= 0 ? strlen(status_label[e]) : n, "");
		v = glow_roster_get(r, i, GLOW_RF_STATE, &scratch, &n);
		e = v ? glow_roster_enum(glow_roster_states, v, n) : -1;
		cell(o, e >= 0 ? state_label[e] : v, e >= 0 ? strlen(state_label[e]) : n, "");
		v = glow_roster_get(r, i, GLOW_RF_REPO, &scratch, &n);
		cell(o, v, v ? n : 0, "none yet");
		v = glow_roster_get(r, i, GLOW_RF_REGISTERED, &scratch, &n);
		time_cell(o, v, v ? n : 0);
		v = glow_roster_get(r, i, GLOW_RF_SIGNAL, &scratch, &n);
		time_cell(o, v, v ? n : 0);
		glow_buf_adds(o, "</tr>\n");
	}
	glow_buf_adds(o, "</tbody>\n</table>\n</div>\n");
	glow_buf_free(&scratch);
}

static void
cohort_link(struct glow_buf *o, const char *base, const char *id, long page)
{
	ESC(o, base);
	glow_buf_adds(o, "/dashboard?cohort=");
	glow_url_esc(o, id, strlen(id));
	if (page > 1)
		glow_buf_printf(o, "&amp;page=%ld", page);
}

/* Previous, numbered and next pages, as links in a labelled nav. */
static void
pagination(struct glow_buf *o, const char *base, const struct cohort *c,
    long page, long pages)
{
	long i;

	if (pages < 2)
		return;
	glow_buf_adds(o, "<nav class=\"pagination\" aria-label=\"Pages of learners\">\n<ul>\n");
	if (page > 1) {
		glow_buf_adds(o, "<li><a href=\"");
		cohort_link(o, base, c->id, page - 1);
		glow_buf_adds(o, "\" rel=\"prev\">Previous page</a></li>\n");
	}
	for (i = 1; i <= pages; i++) {
		if (i == page) {
			glow_buf_printf(o, "<li><a href=\"");
			cohort_link(o, base, c->id, i);
			glow_buf_printf(o, "\" aria-current=\"page\"><span class=\"visually-hidden\">"
			    "Page </span>%ld</a></li>\n", i);
			continue;
		}
		glow_buf_adds(o, "<li><a href=\"");
		cohort_link(o, base, c->id, i);
		glow_buf_printf(o, "\"><span class=\"visually-hidden\">Page </span>%ld</a></li>\n", i);
	}
	if (page < pages) {
		glow_buf_adds(o, "<li><a href=\"");
		cohort_link(o, base, c->id, page + 1);
		glow_buf_adds(o, "\" rel=\"next\">Next page</a></li>\n");
	}
	glow_buf_adds(o, "</ul>\n</nav>\n");
}

int
glow_companion_roster_page(struct glow_buf *o, const char *base,
    struct glow_roster *r, const char *filter, long page)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	struct cohort *list = NULL;
	size_t n = 0, cap = 0, i;
	long *cidx = NULL, k, pages;
	const char *v;
	size_t vn;
	int e, found = 0, keep = 1;

	glow_roster_sort(r);
	for (i = 0; i < r->ncohort; i++) {
		char *id = cohort_field(r->cohort[i].doc, r->cohort[i].tok, "cohort_id");

		if (id && (k = cohort_index(&list, &n, &cap, id, strlen(id))) >= 0 &&
		    !list[k].label)
			list[k].label = cohort_field(r->cohort[i].doc, r->cohort[i].tok, "label");
		free(id);
	}
	if (r->nlearner && !(cidx = calloc(r->nlearner, sizeof *cidx)))
		o->failed = 1;
	for (i = 0; cidx && i < r->nlearner; i++) {
		v = glow_roster_get(r, i, GLOW_RF_COHORT, &scratch, &vn);
		cidx[i] = v ? cohort_index(&list, &n, &cap, v, vn) : -1;
		if (cidx[i] < 0)
			continue;
		list[cidx[i]].nlearner++;
		v = glow_roster_get(r, i, GLOW_RF_STATUS, &scratch, &vn);
		if (v && (e = glow_roster_enum(glow_roster_statuses, v, vn)) >= 0)
			list[cidx[i]].status[e]++;
		v = glow_roster_get(r, i, GLOW_RF_STATE, &scratch, &vn);
		if (v && (e = glow_roster_enum(glow_roster_states, v, vn)) >= 0)
			list[cidx[i]].state[e]++;
	}
	for (i = 0; i < n; i++)
		found |= filter && strcmp(filter, list[i].id) == 0;

	glow_buf_printf(o, "<p>%zu learner%s in %zu cohort%s, from the roster of record",
	    r->nlearner, r->nlearner == 1 ? "" : "s", n, n == 1 ? "" : "s");
	if (r->generated_at[0]) {
		glow_buf_adds(o, " generated at ");
		ESC(o, r->generated_at);
	}
	glow_buf_adds(o, ".</p>\n");
	if (n) {
		glow_buf_adds(o, "<form method=\"get\" action=\"");
		ESC(o, base);
		glow_buf_adds(o, "/dashboard\" class=\"filter\">\n<div class=\"field\">\n"
		    "<label for=\"cohort\">Show cohort</label>\n"
		    "<select class=\"select\" id=\"cohort\" name=\"cohort\">\n"
		    "<option value=\"\">All cohorts</option>\n");
		for (i = 0; i < n; i++) {
			glow_buf_adds(o, "<option value=\"");
			ESC(o, list[i].id);
			glow_buf_adds(o, "\"");
			if (filter && strcmp(filter, list[i].id) == 0)
				glow_buf_adds(o, " selected");
			glow_buf_adds(o, ">");
			ESC(o, list[i].label ? list[i].label : list[i].id);
			glow_buf_adds(o, "</option>\n");
		}
		glow_buf_adds(o, "</select>\n</div>\n<button type=\"submit\" "
		    "class=\"button button-secondary\">Show</button>\n</form>\n");
	}
	if (filter && !found) {
		glow_buf_adds(o, "<p>No cohort is called &ldquo;");
		ESC(o, filter);
		glow_buf_adds(o, "&rdquo;. Choose one from the list.</p>\n");
	}
	if (!n)
		glow_buf_adds(o, "<p>The roster lists no cohort yet, and no "
		    "learner has registered.</p>\n");
	for (i = 0; i < n; i++) {
		const struct cohort *c = &list[i];

		if (filter && found && strcmp(filter, c->id) != 0)
			continue;
		glow_buf_printf(o, "<section class=\"cohort\" aria-labelledby=\"c%zu\">\n"
		    "<h2 id=\"c%zu\">", i, i);
		ESC(o, c->label ? c->label : c->id);
		if (c->label) {
			glow_buf_adds(o, " <span class=\"cohort-id\">(");
			ESC(o, c->id);
			glow_buf_adds(o, ")</span>");
		}
		glow_buf_adds(o, "</h2>\n");
		if (!c->nlearner) {
			glow_buf_adds(o, "<p>No learner has registered for this cohort yet.</p>\n</section>\n");
			continue;
		}
		glow_buf_printf(o, "<p>%zu learner%s.</p>\n<h3>Progress</h3>\n",
		    c->nlearner, c->nlearner == 1 ? "" : "s");
		chart(o, c, i);
		if (!found) {
			glow_buf_adds(o, "<p><a href=\"");
			cohort_link(o, base, c->id, 1);
			glow_buf_printf(o, "\">Show the %zu learner%s of ", c->nlearner,
			    c->nlearner == 1 ? "" : "s");
			ESC(o, c->label ? c->label : c->id);
			glow_buf_adds(o, "</a></p>\n</section>\n");
			continue;
		}
		pages = (long)((c->nlearner + GLOW_ROSTER_PAGE_ROWS - 1) / GLOW_ROSTER_PAGE_ROWS);
		if (page < 1 || page > pages) {
			page = 1;
			keep = 0;
		}
		glow_buf_adds(o, "<h3>Learners</h3>\n");
		if (cidx)
			learner_table(o, r, cidx, (long)i, c,
			    (size_t)(page - 1) * GLOW_ROSTER_PAGE_ROWS,
			    (size_t)page * GLOW_ROSTER_PAGE_ROWS < c->nlearner ?
			    (size_t)page * GLOW_ROSTER_PAGE_ROWS : c->nlearner);
		pagination(o, base, c, page, pages);
		glow_buf_adds(o, "</section>\n");
	}
	for (i = 0; i < n; i++) {
		free(list[i].id);
		free(list[i].label);
	}
	free(list);
	free(cidx);
	glow_buf_free(&scratch);
	return keep && (!filter || found);
}
