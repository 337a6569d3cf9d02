/* SPDX-License-Identifier: ISC */
/*
 * companion.h: the pieces of glow-companion(1) worth keeping out of the
 * program: request decoding (forms, cookies, the client's address, where
 * to go after sign-in) and the pages.
 *
 * Decoders are strict: a malformed percent escape, text that is not UTF-8
 * (or holds control characters), too many or too long fields all fail,
 * and the program answers 400.  Pages are written into a glow_buf with
 * every piece of data escaped (html.h); they use no script, no inline
 * style and no colour alone.
 */
#ifndef GLOW_COMPANION_H
#define GLOW_COMPANION_H

#include <stddef.h>

#include "core/buf.h"
#include "roster/roster.h"
#include "web/form.h"


/* The value of cookie name in a Cookie header, or NULL. */
const char *glow_cookie_get(const char *header, const char *name, size_t *len);
/* The same, from *header on, which moves past it: each cookie of that name
 * in turn (a browser may send several, one planted by a sibling domain). */
const char *glow_cookie_next(const char **header, const char *name,
    size_t *len);

/*
 * Where to go after sign-in.  next must name one of the companion's own
 * facilitator pages ("/dashboard", "/dashboard?cohort=X", "/roster.json",
 * "/metrics"); the address is rebuilt from what was understood (path
 * relative to the companion, cohort re-encoded) into out.  Anything else
 * ("//host", "/\host", "https://host", encoded slashes) returns -1.
 */
int glow_next_target(const char *next, struct glow_buf *out);

/*
 * The client's address: remote (REMOTE_ADDR), unless remote is one of the
 * trusted proxies (a comma-separated list); then the right-most address of
 * the X-Forwarded-For list that is not a trusted proxy.  At most n - 1
 * bytes of printable ASCII go to out.  Returns 1 if remote is a trusted
 * proxy (whose X-Forwarded-Proto may then be believed), else 0.
 */
int glow_client_addr(const char *remote, const char *trusted,
    const char *forwarded, char *out, size_t n);
/* 127.0.0.0/8, ::1 or ::ffff:127.x.x.x. */
int glow_addr_loopback(const char *addr);
/* The Accept header asks for HTML (text/html or application/xhtml+xml). */
int glow_accepts_html(const char *accept);

/* Pages. */
struct glow_page {
	const char *base;       /* URL prefix of the companion, "" at the root */
	const char *title;      /* the h1, and the start of <title> */
	const char *nav;        /* "register", "dashboard", "login" or NULL */
	int facilitator;        /* signed in: the sign-out button shows */
	const char *csrf;       /* for the sign-out form */
	const char *status;     /* message for the live region, or NULL */
	int errors;             /* the page shows errors: "Error: " title */
};
void glow_page_begin(struct glow_buf *o, const struct glow_page *p);
void glow_page_end(struct glow_buf *o, const struct glow_page *p);
/* A page with a heading, one paragraph and a way on. */
void glow_page_message(struct glow_buf *o, const struct glow_page *p,
    const char *text, const char *link, const char *link_text);

struct glow_cohort_choice {
	const char *id;
	const char *label;      /* may be NULL */
};
struct glow_register_form {
	const char *csrf;
	const char *handle, *cohort, *path;     /* values to show again */
	const struct glow_cohort_choice *cohort_list;
	size_t ncohort;
	const char *err_handle, *err_cohort, *err_path;
};
void glow_page_register(struct glow_buf *o, const struct glow_page *p,
    const struct glow_register_form *f);

/*
 * Check a registration as posted (handle, cohort and path may be NULL):
 * the values to show again go to f->handle, f->cohort and f->path, and
 * each wrong field gets its f->err_* message; the cohort must be one of
 * f->cohort_list.  Returns 0 if every field is right, with the handle to
 * register (trimmed, without its '@') in *h and *hlen; else -1.
 */
int glow_register_check(struct glow_register_form *f, const char *handle,
    size_t hn, const char *cohort, size_t cn, const char *path, size_t pn,
    const char **h, size_t *hlen);

/*
 * Add a learner (handle without '@', cohort, path) to the roster file
 * under its lock (glow_roster_edit; r and st as it leaves them), unless
 * the handle is already registered for that cohort.  Returns what the
 * edit found: GLOW_ROSTER_ADDED (written if st->stage is GLOW_ROSTER_OK),
 * GLOW_ROSTER_EXISTS (nothing written), or 0: the cohort is not in the
 * roster (any more), or the edit failed before (st says why).
 */
int glow_register_add(const char *roster, const char *handle,
    const char *cohort, const char *path, struct glow_roster *r,
    struct glow_roster_status *st);

struct glow_login_form {
	const char *csrf;
	const char *next;       /* rebuilt target, or NULL */
	const char *err_token;
	int disabled;           /* no facilitator token is configured */
};
void glow_page_login(struct glow_buf *o, const struct glow_page *p,
    const struct glow_login_form *f);

/*
 * The companion's roster page, GET /dashboard (not the GitHub issue of
 * lib/dashboard/): its content (between the heading and the end, so it
 * can be kept and served again while the roster is unchanged): a filter
 * form; for every cohort a bar chart of learners by status and by
 * provisioning state (inline SVG named by a text equivalent) and a link to
 * the cohort; for the one cohort named by filter, the chart and a table of
 * its learners, GLOW_ROSTER_PAGE_ROWS to a page (page counts from 1).
 * Returns 1 if the view is one of a bounded set worth keeping (no filter,
 * or a cohort that exists and one of its pages), else 0.
 */
#define GLOW_ROSTER_PAGE_ROWS 100
int glow_companion_roster_page(struct glow_buf *o, const char *base,
    struct glow_roster *r, const char *filter, long page);

/* The stylesheet. */
extern const char glow_companion_css[];

#endif
