/* SPDX-License-Identifier: ISC */
/*
 * glow-companion: the optional web companion, as one CGI program.
 *
 * Every route (PATH_INFO) is answered here: the registration form, the
 * facilitator's sign-in, dashboard and redacted roster, health and
 * metrics, and the stylesheet.  Whatever outlives a request (signing key,
 * facilitator sessions, rate-limit windows, counters) is in the state
 * directory; the roster is changed only through glow_roster_edit(), under
 * the same lock as glow-roster -f.  Bad input of any kind is answered
 * with a 4xx page; a server that is set up wrongly answers 503, never 500.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "companion.h"
#include "crypto.h"
#include "diag.h"
#include "fsio.h"
#include "html.h"
#include "json.h"
#include "ratelimit.h"
#include "roster.h"
#include "secret.h"
#include "session.h"

#define BODY_MAX 16384          /* a registration is a few hundred bytes */
#define ROSTER_MAX (256u << 20)
#define ANON_TTL (2 * 3600)
#define FACILITATOR_TTL (8 * 3600)
#define SESSIONS_MAX 256
#define COOKIE "glow_session"

enum { EV_REGISTERED, EV_ALREADY, EV_INVALID, EV_SIGNIN, EV_SIGNIN_FAILED,
	EV_RATE_LIMITED, EV_CSRF, EV_COUNT };
static const char *const ev_name[EV_COUNT] = { "registered",
	"already_registered", "invalid_registration", "sign_in",
	"sign_in_failed", "rate_limited", "csrf_refused" };

static struct {
	const char *roster, *state, *base, *trusted, *secret_key;
	struct glow_buf token;          /* empty: sign-in is turned off */
	struct glow_buf key;            /* COMPANION_SECRET_KEY, read */
	int key_bad;                    /* it was given but cannot be read */
	int secure;
	unsigned rl_max, rl_window;
} cf;

static struct {
	const char *method, *path, *query, *cookie, *accept;
	char client[64];
	int https, head;
	long long now;
	struct glow_form body;
	int have_body;
	int state_ok;                   /* state directory and key loaded */
	unsigned char key[GLOW_SESSION_KEYLEN];
	struct glow_session s;
	int have_session, facilitator;
	char csrf[GLOW_CSRF_LEN + 1];
} rq;

static struct {
	struct glow_buf head, body;
	int status;
	const char *type;
	int cache;                      /* 0: no-store, 1: public */
} rs;

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	}
	return "Error";
}

static void
header(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
header(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	glow_buf_vprintf(&rs.head, fmt, ap);
	va_end(ap);
	glow_buf_adds(&rs.head, "\r\n");
}

static void
send_response(void)
{
	struct glow_buf out = GLOW_BUF_INIT;

	if (rs.body.failed || rs.head.failed) {
		/* out of memory: say so briefly rather than send half a page */
		glow_buf_free(&rs.body);
		glow_buf_reset(&rs.head);
		rs.status = 503;
		rs.type = "text/plain; charset=utf-8";
		glow_buf_adds(&rs.body, "The server is short of memory. Try again.\n");
	}
	glow_buf_printf(&out, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n", rs.status, reason(rs.status),
	    rs.type ? rs.type : "text/html; charset=utf-8", rs.body.len);
	glow_buf_adds(&out, "Content-Security-Policy: default-src 'none'; "
	    "style-src 'self'; img-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n");
	glow_buf_adds(&out, rs.cache ? "Cache-Control: public, max-age=86400\r\n" :
	    "Cache-Control: no-store\r\n");
	if (rq.https)
		glow_buf_adds(&out, "Strict-Transport-Security: max-age=31536000\r\n");
	glow_buf_add(&out, rs.head.p, rs.head.len);
	glow_buf_adds(&out, "\r\n");
	if (!rq.head)
		glow_buf_add(&out, rs.body.p, rs.body.len);
	if (!out.failed)
		glow_write_all(STDOUT_FILENO, out.p, out.len);
	glow_buf_free(&out);
}

static void
redirect(const char *route)
{
	rs.status = 303;
	header("Location: %s%s", cf.base, route);
	glow_buf_printf(&rs.body, "See %s%s\n", cf.base, route);
	rs.type = "text/plain; charset=utf-8";
}

static void
set_cookie(const struct glow_session *s)
{
	struct glow_buf v = GLOW_BUF_INIT;

	if (s)
		glow_session_cookie(rq.key, s, &v);
	header("Set-Cookie: " COOKIE "=%s; Path=%s/; Max-Age=%lld; HttpOnly; "
	    "SameSite=Lax%s", v.p ? v.p : "", cf.base,
	    s ? s->expires - rq.now : 0LL, cf.secure ? "; Secure" : "");
	glow_buf_free(&v);
}

static void
page_init(struct glow_page *p, const char *title, const char *nav)
{
	memset(p, 0, sizeof *p);
	p->base = cf.base;
	p->title = title;
	p->nav = nav;
	p->facilitator = rq.facilitator;
	p->csrf = rq.have_session ? rq.csrf : NULL;
}

/* A page that only says something: errors, and plain answers. */
static void
message(int status, const char *title, const char *text, const char *route,
    const char *link_text)
{
	struct glow_page p;

	page_init(&p, title, NULL);
	rs.status = status;
	glow_buf_reset(&rs.body);
	glow_page_message(&rs.body, &p, text, route, link_text);
}

static void
unavailable(const char *text)
{
	message(503, "Service unavailable", text, "/register", "Try again");
	header("Retry-After: 60");
}

static void
count(unsigned ev)
{
	if (rq.state_ok && glow_counter_add(cf.state, ev) < 0)
		glow_warn("cannot count in '%s':", cf.state);
}

/* The state directory and key: 0, or -1 with a 503 page ready. */
static int
need_state(void)
{
	if (rq.state_ok)
		return 0;
	if (cf.key_bad) {
		unavailable("The companion is not set up correctly.");
		return -1;
	}
	if (glow_state_open(cf.state) < 0) {
		if (errno == EACCES)
			glow_warn("cannot use state directory '%s': group or others "
			    "have access to it (chmod 700 it)", cf.state);
		else
			glow_warn("cannot use state directory '%s':", cf.state);
		unavailable("The companion is not set up correctly. Its "
		    "facilitators have been told.");
		return -1;
	}
	if (glow_session_key(cf.state, cf.secret_key, rq.key) < 0) {
		glow_warn("cannot read the signing key in '%s':", cf.state);
		unavailable("The companion is not set up correctly.");
		return -1;
	}
	rq.state_ok = 1;
	return 0;
}

/* The request's session, if its cookie is good (and alive, for a
 * facilitator). */
static void
read_session(void)
{
	const char *v;
	size_t n;

	if (!(v = glow_cookie_get(rq.cookie, COOKIE, &n)) ||
	    glow_session_parse(rq.key, v, n, rq.now, &rq.s) < 0)
		return;
	if (rq.s.facilitator && !glow_session_alive(cf.state, &rq.s))
		return;
	rq.have_session = 1;
	rq.facilitator = rq.s.facilitator;
	glow_session_csrf(rq.key, &rq.s, rq.csrf);
}

/* A session to bind a form's CSRF token to, new if need be. */
static int
ensure_session(void)
{
	if (rq.have_session)
		return 0;
	if (glow_session_new(&rq.s, 0, rq.now, ANON_TTL) < 0) {
		unavailable("The server could not start a session.");
		return -1;
	}
	rq.have_session = 1;
	glow_session_csrf(rq.key, &rq.s, rq.csrf);
	set_cookie(&rq.s);
	return 0;
}

/* A POST's form: 0, or -1 with a 4xx page ready. */
static int
read_body(void)
{
	const char *type = getenv("CONTENT_TYPE"), *len = getenv("CONTENT_LENGTH");
	struct glow_buf b = GLOW_BUF_INIT;
	unsigned long long n = 0;
	const char *p;
	ssize_t got;

	if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 ||
	    (type[33] && type[33] != ';' && type[33] != ' ')) {
		message(415, "Form not understood", "This address takes only "
		    "forms sent by its own pages.", "/register", "Go to the registration page");
		return -1;
	}
	if (!len || !*len) {
		message(411, "Form not understood", "The form came without its "
		    "length.", "/register", "Go to the registration page");
		return -1;
	}
	for (p = len; *p; p++) {
		if (*p < '0' || *p > '9' || n > BODY_MAX) {
			message(*p >= '0' && *p <= '9' ? 413 : 400, "Form too large",
			    "The form sent is far larger than any of this site's forms.",
			    "/register", "Go to the registration page");
			return -1;
		}
		n = n * 10 + (unsigned long long)(*p - '0');
	}
	if (n > BODY_MAX) {
		message(413, "Form too large", "The form sent is far larger than "
		    "any of this site's forms.", "/register", "Go to the registration page");
		return -1;
	}
	if (glow_buf_reserve(&b, (size_t)n + 1) < 0) {
		unavailable("The server is short of memory.");
		return -1;
	}
	while (b.len < n) {
		got = read(STDIN_FILENO, b.p + b.len, (size_t)n - b.len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		b.len += (size_t)got;
	}
	if (b.len < n || glow_form_parse(&rq.body, b.p ? b.p : "", b.len) < 0) {
		glow_buf_free(&b);
		message(400, "Form not understood", "The form could not be read: "
		    "it was cut short, or holds text that is not valid UTF-8.",
		    "/register", "Go to the registration page");
		return -1;
	}
	rq.have_body = 1;
	glow_buf_free(&b);
	return 0;
}

/* The CSRF check of a POST: 1 good, or 0 with a 403 page ready. */
static int
csrf_ok(void)
{
	const char *t;
	size_t n;

	if (rq.have_session && (t = glow_form_get(&rq.body, "csrf", &n)) &&
	    glow_session_csrf_ok(rq.key, &rq.s, t, n))
		return 1;
	count(EV_CSRF);
	message(403, "The form has expired", "For your safety, forms work only "
	    "for a while and only in the browser that opened them. Nothing was "
	    "changed. Open the page again and send the form once more.",
	    rq.path, "Open the page again");
	return 0;
}

static int
rate_ok(const char *scope)
{
	unsigned retry = 0;
	int rc;

	rc = glow_ratelimit_hit(cf.state, rq.key, scope, rq.client, cf.rl_max,
	    cf.rl_window, rq.now, &retry);
	if (rc < 0)
		glow_warn("cannot use the rate limits in '%s':", cf.state);
	if (rc != 0)
		return 1;       /* a broken limit must not lock everyone out */
	count(EV_RATE_LIMITED);
	message(429, "Too many attempts", "This address has sent this form too "
	    "many times in a short while. Wait a few minutes, then try again.",
	    NULL, NULL);
	header("Retry-After: %u", retry ? retry : 1);
	return 0;
}

/* The roster. */

static int
load_roster(struct glow_buf *text, struct glow_roster *r)
{
	struct glow_json_error e;

	if (glow_read_file(cf.roster, text, ROSTER_MAX) < 0) {
		glow_warn("cannot read roster '%s':", cf.roster);
		return -1;
	}
	if (glow_roster_load(r, text->p ? text->p : "", text->len, &e) < 0) {
		glow_warn("invalid roster '%s': byte %zu: %s", cf.roster, e.offset,
		    e.reason);
		return -1;
	}
	if (r->nproblems) {
		glow_warn("invalid roster '%s': %zu problems (glow-roster validate "
		    "lists them)", cf.roster, r->nproblems);
		glow_roster_free(r);
		return -1;
	}
	return 0;
}

static const char roster_down[] = "The list of learners cannot be read "
    "just now, so nothing can be shown or saved. Nothing was changed. "
    "Please try again later, or register on GitHub with the workshop's "
    "registration issue form.";

/*
 * The cohorts to offer, read from the roster, kept in the state directory
 * beside the roster file's identity (device, inode, size, mtime): the form
 * is the busiest page, and a roster of thousands of learners need not be
 * parsed to list a few cohorts.
 */
/* The roster file's identity, for caches: 0, or -1 (a warning). */
static int
roster_stamp(char *stamp, size_t size, size_t *len)
{
	struct stat st;

	if (stat(cf.roster, &st) < 0) {
		glow_warn("cannot read roster '%s':", cf.roster);
		return -1;
	}
	*len = (size_t)snprintf(stamp, size, "%llu %llu %lld %lld.%09ld\n",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

struct cohorts {
	struct glow_cohort_choice *c;
	size_t n;
	struct glow_json doc;
	struct glow_buf text;
};

static void
cohorts_free(struct cohorts *cs)
{
	free(cs->c);
	glow_json_free(&cs->doc);
	glow_buf_free(&cs->text);
}

static int
cohorts_from(struct cohorts *cs, const char *json, size_t len)
{
	int a, e, i = 0;

	if (glow_json_parse(&cs->doc, json, len, NULL) < 0 ||
	    glow_json_type(&cs->doc, 0) != GLOW_JSON_ARRAY)
		return -1;
	cs->c = calloc((size_t)glow_json_size(&cs->doc, 0) + 1, sizeof *cs->c);
	if (!cs->c)
		return -1;
	/* [[id, label-or-null], ...]: strings are decoded in place (no escapes
	 * are written for these, see cohorts_load) */
	for (a = glow_json_first(&cs->doc, 0); a >= 0; a = glow_json_next(&cs->doc, a)) {
		size_t n;
		char *s;

		e = glow_json_first(&cs->doc, a);
		if ((s = glow_json_strdup(&cs->doc, e)) == NULL)
			return -1;
		cs->c[i].id = s;
		(void)n;
		e = glow_json_next(&cs->doc, e);
		cs->c[i].label = glow_json_type(&cs->doc, e) == GLOW_JSON_STRING ?
		    glow_json_strdup(&cs->doc, e) : NULL;
		i++;
	}
	cs->n = (size_t)i;
	return 0;
}

static void
cohorts_release(struct cohorts *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++) {
		free((char *)cs->c[i].id);
		free((char *)cs->c[i].label);
	}
	cohorts_free(cs);
}

static int
cohorts_load(struct cohorts *cs)
{
	struct glow_buf text = GLOW_BUF_INIT, cache = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	struct glow_roster r;
	struct glow_jw w;
	char stamp[128];
	size_t i, sl;
	int rc = -1;

	memset(cs, 0, sizeof *cs);
	if (roster_stamp(stamp, sizeof stamp, &sl) < 0)
		return -1;
	glow_buf_printf(&path, "%s/cohorts", cf.state);
	if (glow_read_file(path.p, &cs->text, 1 << 20) == 0 && cs->text.len > sl &&
	    memcmp(cs->text.p, stamp, sl) == 0 &&
	    cohorts_from(cs, cs->text.p + sl, cs->text.len - sl) == 0) {
		glow_buf_free(&path);
		return 0;
	}
	cohorts_release(cs);
	memset(cs, 0, sizeof *cs);
	if (load_roster(&text, &r) < 0)
		goto out;
	glow_buf_adds(&cache, stamp);
	glow_jw_init(&w, &cache, 0);
	glow_jw_array(&w);
	for (i = 0; i < r.ncohort; i++) {
		const struct glow_json *d = r.cohort[i].doc;
		int id = glow_json_get(d, r.cohort[i].tok, "cohort_id");
		int label = glow_json_get(d, r.cohort[i].tok, "label");

		if (glow_json_type(d, id) != GLOW_JSON_STRING)
			continue;
		glow_jw_array(&w);
		glow_jw_value(&w, d, id);
		if (glow_json_type(d, label) == GLOW_JSON_STRING)
			glow_jw_value(&w, d, label);
		else
			glow_jw_null(&w);
		glow_jw_end(&w);
	}
	glow_jw_end(&w);
	glow_roster_free(&r);
	if (cache.failed || cohorts_from(cs, cache.p + sl, cache.len - sl) < 0)
		goto out;
	/* another process may write the same bytes at once: harmless */
	if (glow_write_atomic(path.p, cache.p, cache.len, 0600) < 0)
		glow_warn("cannot write '%s':", path.p);
	rc = 0;
out:
	glow_buf_free(&text);
	glow_buf_free(&cache);
	glow_buf_free(&path);
	return rc;
}

/* Registration. */

struct reg {
	const char *handle, *cohort, *path;
	int result;             /* GLOW_ROSTER_ADDED, _EXISTS, or 0: no cohort */
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
	glow_roster_now(now);
	rc = glow_roster_upsert(r, &doc, 0, GLOW_ROSTER_NO_UPDATE, now, NULL,
	    NULL, NULL);
	glow_json_free(&doc);
	glow_buf_free(&b);
	if (rc < 0)
		return -1;
	g->result = rc;
	return rc == GLOW_ROSTER_ADDED ? 0 : -1;        /* -1: nothing written */
}

static void
register_form(int status, struct glow_register_form *f, const struct cohorts *cs)
{
	struct glow_page p;

	page_init(&p, "Register for the workshop", "register");
	p.errors = f->err_handle || f->err_cohort || f->err_path;
	f->csrf = rq.csrf;
	f->cohort_list = cs->c;
	f->ncohort = cs->n;
	rs.status = status;
	glow_page_register(&rs.body, &p, f);
}

static void
confirmation_mac(const char *handle, const char *cohort, char out[33])
{
	struct glow_buf m = GLOW_BUF_INIT;

	glow_buf_printf(&m, "%s%c%s%c%s", rq.s.id, 0, handle, 0, cohort);
	glow_session_mac(rq.key, "registered", m.p ? m.p : "", m.len, out, 16);
	glow_buf_free(&m);
}

static void
do_register(void)
{
	struct glow_register_form f;
	struct glow_roster r;
	struct glow_roster_status st;
	struct glow_buf loc = GLOW_BUF_INIT;
	struct cohorts cs;
	struct reg g;
	const char *h, *c, *pth;
	size_t hn = 0, cn = 0, pn = 0, i;
	char mac[33];

	if (need_state() < 0)
		return;
	read_session();
	if (strcmp(rq.method, "POST") == 0 && (!rate_ok("register") ||
	    read_body() < 0 || !csrf_ok()))
		return;
	if (cohorts_load(&cs) < 0) {
		unavailable(roster_down);
		return;
	}
	memset(&f, 0, sizeof f);
	if (strcmp(rq.method, "POST") != 0) {
		if (ensure_session() == 0)
			register_form(200, &f, &cs);
		cohorts_release(&cs);
		return;
	}
	h = glow_form_get(&rq.body, "github_handle", &hn);
	c = glow_form_get(&rq.body, "cohort_id", &cn);
	pth = glow_form_get(&rq.body, "path", &pn);
	f.handle = h;
	f.cohort = c;
	f.path = pth;
	if (h)
		h = glow_roster_trim(h, hn, &hn);
	if (!h || hn == 0)
		f.err_handle = "Enter your GitHub username";
	else if (hn > 40 || !glow_roster_handle_ok(h, hn))
		f.err_handle = "Enter a GitHub username of 1 to 39 letters, digits "
		    "and single hyphens, not starting or ending with a hyphen";
	for (i = 0; c && i < cs.n; i++)
		if (strcmp(cs.c[i].id, c) == 0)
			break;
	if (!c || cn == 0)
		f.err_cohort = "Choose a cohort";
	else if (i == cs.n)
		f.err_cohort = "Choose one of the cohorts in the list";
	if (!pth || glow_roster_enum(glow_roster_paths, pth, pn) < 0)
		f.err_path = "Choose which days you will take part in";
	if (f.err_handle || f.err_cohort || f.err_path) {
		count(EV_INVALID);
		register_form(422, &f, &cs);
		cohorts_release(&cs);
		return;
	}
	g.handle = strndup(h[0] == '@' ? h + 1 : h, h[0] == '@' ? hn - 1 : hn);
	g.cohort = c;
	g.path = pth;
	if (!g.handle) {
		unavailable("The server is short of memory.");
		cohorts_release(&cs);
		return;
	}
	glow_roster_edit(cf.roster, 0, reg_fn, &g, NULL, &r, &st);
	if (st.stage == GLOW_ROSTER_OK && g.result == GLOW_ROSTER_ADDED) {
		count(EV_REGISTERED);
		confirmation_mac(g.handle, c, mac);
		glow_buf_adds(&loc, "/register/success?h=");
		glow_url_esc(&loc, g.handle, strlen(g.handle));
		glow_buf_adds(&loc, "&c=");
		glow_url_esc(&loc, c, strlen(c));
		glow_buf_printf(&loc, "&m=%s", mac);
		redirect(loc.p);
	} else if (st.stage == GLOW_ROSTER_ECALLBACK && g.result == GLOW_ROSTER_EXISTS) {
		struct glow_buf t = GLOW_BUF_INIT;

		count(EV_ALREADY);
		glow_buf_printf(&t, "%s is already registered for %s. Nothing was "
		    "changed: your place and your progress are kept.", g.handle, c);
		message(200, "You are already registered", t.p ? t.p : "",
		    "/register", "Back to the registration page");
		glow_buf_free(&t);
	} else if (st.stage == GLOW_ROSTER_ECALLBACK && g.result == 0) {
		f.err_cohort = "Choose one of the cohorts in the list";
		register_form(422, &f, &cs);
	} else if (st.stage == GLOW_ROSTER_EAFTER) {
		f.err_handle = "This username cannot be registered for this cohort "
		    "here; please ask the workshop's facilitators";
		register_form(422, &f, &cs);
	} else {
		switch (st.stage) {
		case GLOW_ROSTER_ELOCK: case GLOW_ROSTER_EREAD: case GLOW_ROSTER_EWRITE:
			errno = st.errnum;
			glow_warn("cannot register in '%s':", cf.roster);
			break;
		case GLOW_ROSTER_EPARSE:
			glow_warn("invalid roster '%s': byte %zu: %s", cf.roster,
			    st.jerr.offset, st.jerr.reason);
			break;
		case GLOW_ROSTER_EINVALID:
			glow_warn("invalid roster '%s': %zu problems", cf.roster,
			    r.nproblems);
			break;
		default:
			glow_warn("cannot register in '%s': out of memory", cf.roster);
		}
		unavailable(roster_down);
	}
	glow_roster_free(&r);
	glow_buf_free(&loc);
	free((char *)g.handle);
	cohorts_release(&cs);
}

static void
do_success(void)
{
	struct glow_form q;
	struct glow_buf t = GLOW_BUF_INIT;
	const char *h, *c, *m;
	char want[33];
	size_t mn = 0;

	if (need_state() < 0)
		return;
	read_session();
	if (glow_form_parse(&q, rq.query, strlen(rq.query)) < 0) {
		glow_form_free(&q);
		message(400, "Address not understood", "The address holds text "
		    "that is not valid UTF-8.", "/register", "Go to the registration page");
		return;
	}
	h = glow_form_get(&q, "h", NULL);
	c = glow_form_get(&q, "c", NULL);
	m = glow_form_get(&q, "m", &mn);
	if (h && c && m && rq.have_session) {
		confirmation_mac(h, c, want);
		if (mn == 32 && glow_ct_equal(want, m, 32))
			glow_buf_printf(&t, "%s is registered for %s. ", h, c);
	}
	glow_buf_adds(&t, "What happens next: a facilitator creates your "
	    "practice repository on GitHub, and GitHub sends you an invitation "
	    "by email and in your notifications. Accept it to start.");
	{
		struct glow_page p;

		page_init(&p, "Registration complete", "register");
		p.status = "Registration complete.";
		rs.status = 200;
		glow_page_message(&rs.body, &p, t.p ? t.p : "", "/register",
		    "Register someone else");
	}
	glow_buf_free(&t);
	glow_form_free(&q);
}

/* Facilitators. */

static int
token_ok(const char *t, size_t n)
{
	unsigned char a[GLOW_SHA256_LEN], b[GLOW_SHA256_LEN];
	int ok;

	/* Never "empty matches empty"; and MACs of both sides make the
	 * comparison constant-time whatever the lengths. */
	if (cf.token.len == 0 || n == 0)
		return 0;
	glow_hmac_sha256(rq.key, sizeof rq.key, t, n, a);
	glow_hmac_sha256(rq.key, sizeof rq.key, cf.token.p, cf.token.len, b);
	ok = glow_ct_equal(a, b, sizeof a);
	glow_wipe(a, sizeof a);
	glow_wipe(b, sizeof b);
	return ok;
}

static int
bearer_ok(void)
{
	const char *a = getenv("HTTP_AUTHORIZATION");

	return a && strncasecmp(a, "Bearer ", 7) == 0 && token_ok(a + 7, strlen(a + 7));
}

static void
do_login(void)
{
	struct glow_login_form f;
	struct glow_buf next = GLOW_BUF_INIT;
	struct glow_session s;
	struct glow_form q;
	struct glow_page p;
	const char *t, *n;
	size_t tn = 0;

	if (need_state() < 0)
		return;
	read_session();
	memset(&f, 0, sizeof f);
	f.disabled = cf.token.len == 0;
	memset(&q, 0, sizeof q);
	if (strcmp(rq.method, "POST") == 0) {
		if (!rate_ok("login") || read_body() < 0 || !csrf_ok())
			return;
		n = glow_form_get(&rq.body, "next", NULL);
	} else {
		if (glow_form_parse(&q, rq.query, strlen(rq.query)) < 0) {
			glow_form_free(&q);
			message(400, "Address not understood", "The address holds "
			    "text that is not valid UTF-8.", "/login", "Sign in");
			return;
		}
		n = glow_form_get(&q, "next", NULL);
	}
	if (n && glow_next_target(n, &next) == 0)
		f.next = next.p;
	page_init(&p, "Facilitator sign-in", "login");
	if (strcmp(rq.method, "POST") != 0) {
		if (glow_form_get(&q, "signed_out", NULL))
			p.status = "You have signed out.";
		if (ensure_session() == 0) {
			f.csrf = rq.csrf;
			rs.status = 200;
			glow_page_login(&rs.body, &p, &f);
		}
		goto out;
	}
	if (f.disabled) {
		message(403, "Sign-in is turned off", "No facilitator token is "
		    "configured on this server, so nobody can sign in.",
		    "/register", "Go to the registration page");
		goto out;
	}
	t = glow_form_get(&rq.body, "token", &tn);
	if (!token_ok(t ? t : "", t ? tn : 0)) {
		count(EV_SIGNIN_FAILED);
		f.err_token = t && tn ? "The token is not correct" : "Enter the token";
		f.csrf = rq.csrf;
		p.errors = 1;
		rs.status = t && tn ? 401 : 422;
		glow_page_login(&rs.body, &p, &f);
		goto out;
	}
	/* A new session at sign-in: an ID known before it (fixation) is
	 * worth nothing after. */
	glow_session_sweep(cf.state, rq.now, FACILITATOR_TTL, SESSIONS_MAX);
	if (glow_session_new(&s, 1, rq.now, FACILITATOR_TTL) < 0 ||
	    glow_session_store(cf.state, &s) < 0) {
		glow_warn("cannot store a session in '%s':", cf.state);
		unavailable("The server could not start a session.");
		goto out;
	}
	count(EV_SIGNIN);
	set_cookie(&s);
	redirect(f.next ? f.next : "/dashboard");
out:
	glow_form_free(&q);
	glow_buf_free(&next);
}

static void
do_logout(void)
{
	if (need_state() < 0)
		return;
	read_session();
	if (read_body() < 0 || !csrf_ok())
		return;
	if (rq.facilitator && glow_session_revoke(cf.state, &rq.s) < 0)
		glow_warn("cannot revoke a session in '%s':", cf.state);
	set_cookie(NULL);
	redirect("/login?signed_out=1");
}

/*
 * A facilitator's page asked without a facilitator: a browser is sent to
 * sign in (and back); a program gets a 401 in JSON.
 */
static void
not_signed_in(const char *route)
{
	struct glow_buf loc = GLOW_BUF_INIT;

	if (glow_accepts_html(rq.accept)) {
		glow_buf_adds(&loc, "/login?next=");
		glow_url_esc(&loc, route, strlen(route));
		redirect(loc.p);
		glow_buf_free(&loc);
		return;
	}
	rs.status = 401;
	rs.type = "application/json";
	header("WWW-Authenticate: Bearer realm=\"glow-companion\"");
	glow_buf_adds(&rs.body, "{\"error\":\"unauthorized\",\"message\":"
	    "\"sign in as a facilitator, or send Authorization: Bearer TOKEN\"}\n");
}

/*
 * The dashboard's content for (cohort, page), kept in DIR/cache while the
 * roster file is the same file: the roster of thousands of learners is
 * read once per change, not once per look.  0, or -1 (roster unusable).
 */
static int
dashboard_body(struct glow_buf *body, const char *cohort, long page)
{
	struct glow_buf text = GLOW_BUF_INIT, key = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	struct glow_buf kept = GLOW_BUF_INIT;
	unsigned char h[GLOW_SHA256_LEN];
	char stamp[128], hex[2 * 16 + 1];
	struct glow_roster r;
	size_t sl;
	int rc = -1;

	if (roster_stamp(stamp, sizeof stamp, &sl) < 0)
		return -1;
	glow_buf_printf(&key, "%s%c%s%c%ld", cf.base, 0, cohort ? cohort : "", 0, page);
	glow_sha256(key.p ? key.p : "", key.len, h);
	glow_hex(hex, h, 16);
	glow_buf_printf(&path, "%s/cache/dashboard-%s", cf.state, hex);
	if (glow_read_file(path.p, &kept, ROSTER_MAX) == 0 && kept.len >= sl &&
	    memcmp(kept.p, stamp, sl) == 0) {
		glow_buf_add(body, kept.p + sl, kept.len - sl);
		rc = 0;
		goto out;
	}
	if (load_roster(&text, &r) < 0)
		goto out;
	glow_buf_reset(&kept);
	glow_buf_add(&kept, stamp, sl);
	if (glow_dashboard_body(&kept, cf.base, &r, cohort, page) && !kept.failed &&
	    glow_write_atomic(path.p, kept.p, kept.len, 0600) < 0)
		glow_warn("cannot write '%s':", path.p);
	glow_buf_add(body, kept.p + sl, kept.len - sl);
	glow_roster_free(&r);
	rc = 0;
out:
	glow_buf_free(&text);
	glow_buf_free(&key);
	glow_buf_free(&path);
	glow_buf_free(&kept);
	return rc;
}

static void
do_dashboard(void)
{
	struct glow_buf route = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_form q;
	struct glow_page p;
	const char *cohort, *pg;
	size_t cn = 0;
	long page = 1;

	if (need_state() < 0)
		return;
	read_session();
	if (glow_form_parse(&q, rq.query, strlen(rq.query)) < 0) {
		glow_form_free(&q);
		message(400, "Address not understood", "The address holds text "
		    "that is not valid UTF-8.", "/dashboard", "Show every cohort");
		return;
	}
	cohort = glow_form_get(&q, "cohort", &cn);
	if (cohort && cn == 0)
		cohort = NULL;
	if ((pg = glow_form_get(&q, "page", NULL)) && strspn(pg, "0123456789") == strlen(pg) &&
	    strlen(pg) > 0 && strlen(pg) < 7)
		page = atol(pg);
	if (!rq.facilitator) {
		glow_buf_adds(&route, "/dashboard");
		if (cohort) {
			glow_buf_adds(&route, "?cohort=");
			glow_url_esc(&route, cohort, cn);
		}
		not_signed_in(route.p);
	} else if (dashboard_body(&body, cohort, page) < 0) {
		unavailable(roster_down);
	} else {
		page_init(&p, "Cohort dashboard", "dashboard");
		rs.status = 200;
		glow_page_begin(&rs.body, &p);
		glow_buf_add(&rs.body, body.p, body.len);
		glow_page_end(&rs.body, &p);
	}
	glow_form_free(&q);
	glow_buf_free(&route);
	glow_buf_free(&body);
}

static void
do_roster_json(void)
{
	struct glow_buf text = GLOW_BUF_INIT;
	struct glow_roster r;

	if (need_state() < 0)
		return;
	read_session();
	if (!rq.facilitator && !bearer_ok()) {
		not_signed_in("/roster.json");
		return;
	}
	if (load_roster(&text, &r) < 0) {
		rs.status = 503;
		rs.type = "application/json";
		glow_buf_adds(&rs.body, "{\"error\":\"roster unavailable\"}\n");
	} else {
		rs.status = 200;
		rs.type = "application/json";
		glow_roster_write(&r, &rs.body, GLOW_ROSTER_PUBLIC, NULL, NULL);
		glow_roster_free(&r);
	}
	glow_buf_free(&text);
}

static void
prom_label(struct glow_buf *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			glow_buf_addc(o, '\\');
		if (s[i] == '\n')
			glow_buf_adds(o, "\\n");
		else
			glow_buf_addc(o, s[i]);
	}
}

struct group {
	char *v[3];     /* cohort, status, provision state */
};

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int k, d;

	for (k = 0; k < 3; k++)
		if ((d = strcmp(x->v[k], y->v[k])))
			return d;
	return 0;
}

static void
do_metrics(void)
{
	unsigned long long v[GLOW_COUNTERS];
	struct glow_buf text = GLOW_BUF_INIT, scratch = GLOW_BUF_INIT;
	struct glow_buf *o = &rs.body;
	struct glow_roster r;
	const char *c, *st, *ps;
	struct group *g = NULL;
	size_t cn, sn, pn, i, j;
	int ok;

	if (need_state() < 0)
		return;
	read_session();
	if (!rq.facilitator && !glow_addr_loopback(rq.client) && !bearer_ok()) {
		not_signed_in("/metrics");
		return;
	}
	rs.status = 200;
	rs.type = "text/plain; version=0.0.4; charset=utf-8";
	ok = load_roster(&text, &r) == 0;
	glow_buf_printf(o, "# HELP glow_companion_roster_ok Whether the roster "
	    "reads and validates.\n# TYPE glow_companion_roster_ok gauge\n"
	    "glow_companion_roster_ok %d\n", ok);
	if (ok) {
		glow_buf_adds(o, "# HELP glow_companion_learners Learners by cohort, "
		    "status and provisioning state.\n"
		    "# TYPE glow_companion_learners gauge\n");
		if (r.nlearner && !(g = calloc(r.nlearner, sizeof *g)))
			o->failed = 1;
		for (i = 0; g && i < r.nlearner; i++) {
			c = glow_roster_get(&r, i, GLOW_RF_COHORT, &scratch, &cn);
			g[i].v[0] = c ? strndup(c, cn) : strdup("");
			st = glow_roster_get(&r, i, GLOW_RF_STATUS, &scratch, &sn);
			g[i].v[1] = st ? strndup(st, sn) : strdup("");
			ps = glow_roster_get(&r, i, GLOW_RF_STATE, &scratch, &pn);
			g[i].v[2] = ps ? strndup(ps, pn) : strdup("");
			if (!g[i].v[0] || !g[i].v[1] || !g[i].v[2])
				o->failed = 1;
		}
		if (g && !o->failed)
			qsort(g, r.nlearner, sizeof *g, group_cmp);
		for (i = 0; g && !o->failed && i < r.nlearner; i = j) {
			for (j = i + 1; j < r.nlearner && group_cmp(&g[i], &g[j]) == 0; j++)
				;
			glow_buf_adds(o, "glow_companion_learners{cohort=\"");
			prom_label(o, g[i].v[0], strlen(g[i].v[0]));
			glow_buf_adds(o, "\",status=\"");
			prom_label(o, g[i].v[1], strlen(g[i].v[1]));
			glow_buf_adds(o, "\",provision_state=\"");
			prom_label(o, g[i].v[2], strlen(g[i].v[2]));
			glow_buf_printf(o, "\"} %zu\n", j - i);
		}
		for (i = 0; g && i < r.nlearner; i++)
			for (j = 0; j < 3; j++)
				free(g[i].v[j]);
		free(g);
		glow_roster_free(&r);
	}
	if (glow_counter_read(cf.state, v) == 0) {
		glow_buf_adds(o, "# HELP glow_companion_events_total Events since "
		    "the state directory was made.\n"
		    "# TYPE glow_companion_events_total counter\n");
		for (i = 0; i < EV_COUNT; i++)
			glow_buf_printf(o, "glow_companion_events_total{event=\"%s\"} %llu\n",
			    ev_name[i], v[i]);
	}
	glow_buf_free(&text);
	glow_buf_free(&scratch);
}

/* Configuration and dispatch. */

static void usage(int) __attribute__((noreturn));
static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: glow-companion        (run as a CGI program; see glow-companion(1))\n"
	    "       glow-companion -h | -V\n");
	exit(status);
}

static unsigned
env_uint(const char *name, unsigned def)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > 1000000000ul || v[0] == '-') {
		glow_warn("ignoring '%s': not a number", name);
		return def;
	}
	return (unsigned)n;
}

static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void
configure(void)
{
	const char *v;
	enum glow_secret_err e;

	cf.roster = (v = getenv("COMPANION_ROSTER_PATH")) && *v ? v : "roster.json";
	cf.state = (v = getenv("COMPANION_STATE_DIR")) && *v ? v :
	    "/var/lib/glow-companion";
	if ((v = getenv("COMPANION_SECRET_KEY")) && *v) {
		if ((e = glow_secret_value(v, &cf.key, 1)) == GLOW_SECRET_OK) {
			cf.secret_key = cf.key.p;
		} else {
			glow_warn("cannot read COMPANION_SECRET_KEY: %s",
			    glow_secret_strerror(e));
			cf.key_bad = 1;
		}
	}
	cf.trusted = getenv("COMPANION_TRUSTED_PROXIES");
	cf.secure = !((v = getenv("COMPANION_SECURE_COOKIES")) && strcmp(v, "0") == 0);
	cf.rl_max = env_uint("COMPANION_RATE_LIMIT_MAX", 10);
	cf.rl_window = env_uint("COMPANION_RATE_LIMIT_WINDOW", 300);
	if (cf.rl_window == 0)
		cf.rl_window = 1;
	if (!(v = getenv("COMPANION_BASE_PATH")))
		v = getenv("SCRIPT_NAME");
	cf.base = v && printable(v) && v[0] == '/' ? v : "";
	if (cf.base[0] && cf.base[strlen(cf.base) - 1] == '/')
		cf.base = "";   /* "/x/" would make "//route": refuse it */
	/* The token: an empty value turns sign-in off. */
	v = getenv("COMPANION_FACILITATOR_TOKEN");
	if (v && *v)
		e = glow_secret_value(v, &cf.token, 1);
	else if ((v = getenv("COMPANION_FACILITATOR_TOKEN_FILE")) && *v)
		e = glow_secret_file(v, &cf.token, 1);
	else
		e = GLOW_SECRET_EMPTY;
	if (e != GLOW_SECRET_OK) {
		if (e != GLOW_SECRET_EMPTY)
			glow_warn("cannot read the facilitator token: %s; sign-in "
			    "is turned off", glow_secret_strerror(e));
		glow_buf_wipe(&cf.token);
		glow_buf_free(&cf.token);
	}
}

static void
request(void)
{
	const char *v;
	int proxy;

	rq.method = (v = getenv("REQUEST_METHOD")) ? v : "";
	rq.path = (v = getenv("PATH_INFO")) && *v ? v : "/";
	rq.query = (v = getenv("QUERY_STRING")) ? v : "";
	rq.cookie = getenv("HTTP_COOKIE");
	rq.accept = getenv("HTTP_ACCEPT");
	rq.now = (long long)time(NULL);
	rq.head = strcmp(rq.method, "HEAD") == 0;
	proxy = glow_client_addr(getenv("REMOTE_ADDR"), cf.trusted,
	    getenv("HTTP_X_FORWARDED_FOR"), rq.client, sizeof rq.client);
	if (!rq.client[0])
		snprintf(rq.client, sizeof rq.client, "unknown");
	rq.https = ((v = getenv("HTTPS")) && strcasecmp(v, "on") == 0) ||
	    ((v = getenv("REQUEST_SCHEME")) && strcmp(v, "https") == 0);
	if (!rq.https && proxy && (v = getenv("HTTP_X_FORWARDED_PROTO")) &&
	    strcmp(v, "https") == 0)
		rq.https = 1;
}

static void
dispatch(void)
{
	static const struct {
		const char *path;
		void (*fn)(void);
		int post;       /* 0 GET only, 1 GET and POST, 2 POST only */
	} routes[] = {
		{ "/register", do_register, 1 },
		{ "/register/success", do_success, 0 },
		{ "/login", do_login, 1 },
		{ "/logout", do_logout, 2 },
		{ "/dashboard", do_dashboard, 0 },
		{ "/roster.json", do_roster_json, 0 },
		{ "/metrics", do_metrics, 0 },
	};
	int get = strcmp(rq.method, "GET") == 0 || rq.head;
	int post = strcmp(rq.method, "POST") == 0;
	size_t i;

	if (strcmp(rq.path, "/") == 0 && get) {
		redirect("/register");
		return;
	}
	if (strcmp(rq.path, "/healthz") == 0 && get) {
		rs.status = 200;
		rs.type = "text/plain; charset=utf-8";
		glow_buf_adds(&rs.body, "ok\n");
		return;
	}
	if (strcmp(rq.path, "/static/companion.css") == 0 && get) {
		rs.status = 200;
		rs.cache = 1;
		rs.type = "text/css; charset=utf-8";
		glow_buf_adds(&rs.body, glow_companion_css);
		return;
	}
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (strcmp(rq.path, routes[i].path) != 0)
			continue;
		if ((get && routes[i].post != 2) || (post && routes[i].post != 0)) {
			routes[i].fn();
			return;
		}
		message(405, "Method not allowed", "This address does not take "
		    "that kind of request.", "/register", "Go to the registration page");
		header("Allow: %s", routes[i].post == 2 ? "POST" :
		    routes[i].post ? "GET, HEAD, POST" : "GET, HEAD");
		return;
	}
	if (strcmp(rq.path, "/") == 0 || strcmp(rq.path, "/healthz") == 0 ||
	    strcmp(rq.path, "/static/companion.css") == 0) {
		message(405, "Method not allowed", "This address does not take "
		    "that kind of request.", "/register", "Go to the registration page");
		header("Allow: GET, HEAD");
		return;
	}
	message(404, "Page not found", "There is no page at this address. "
	    "Check the address, or start from the registration page.",
	    "/register", "Go to the registration page");
}

int
main(int argc, char *argv[])
{
	int ch;

	glow_setprogname(argv[0]);
	while ((ch = getopt(argc, argv, "hV")) != -1) {
		switch (ch) {
		case 'h':
			usage(GLOW_EXIT_OK);
		case 'V':
			glow_version();
			return GLOW_EXIT_OK;
		default:
			usage(GLOW_EXIT_ERR);
		}
	}
	if (optind != argc)
		usage(GLOW_EXIT_ERR);
	if (!getenv("REQUEST_METHOD"))
		glow_die(GLOW_EXIT_ERR, "cannot serve a request: REQUEST_METHOD is "
		    "not set (run glow-companion as a CGI program)");
	configure();
	request();
	rs.status = 200;
	dispatch();
	send_response();
	glow_wipe(rq.key, sizeof rq.key);
	glow_buf_wipe(&cf.token);
	glow_buf_free(&cf.token);
	glow_buf_wipe(&cf.key);
	glow_buf_free(&cf.key);
	glow_form_free(&rq.body);
	glow_buf_free(&rs.head);
	glow_buf_free(&rs.body);
	return GLOW_EXIT_OK;
}
