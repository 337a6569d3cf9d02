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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/counters.h"
#include "core/crypto.h"
#include "core/diag.h"
#include "core/fsio.h"
#include "core/secret.h"
#include "roster/roster.h"
#include "roster/rostercache.h"
#include "web/cgi.h"
#include "web/companion.h"
#include "web/html.h"
#include "web/metrics.h"
#include "web/throttle.h"
#include "web/session.h"

#define BODY_MAX 16384          /* a registration is a few hundred bytes */
#define ANON_TTL (2 * 3600)
#define FACILITATOR_TTL (8 * 3600)
#define SESSIONS_MAX 256
#define COOKIE "glow_session"

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

static struct glow_cgi_resp rs;

static void
redirect(const char *route)
{
	rs.status = 303;
	glow_cgi_header(&rs, "Location: %s%s", cf.base, route);
	glow_buf_printf(&rs.body, "See %s%s\n", cf.base, route);
	rs.type = "text/plain; charset=utf-8";
}

static void
set_cookie(const struct glow_session *s)
{
	struct glow_buf v = GLOW_BUF_INIT;

	if (s)
		glow_session_cookie(rq.key, s, &v);
	glow_cgi_header(&rs, "Set-Cookie: " COOKIE "=%s; Path=%s/; Max-Age=%lld; HttpOnly; "
	    "SameSite=Lax%s", glow_buf_str(&v), cf.base,
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
	glow_cgi_header(&rs, "Retry-After: 60");
}

static void
count(enum glow_companion_event ev)
{
	struct glow_buf path = GLOW_BUF_INIT, series = GLOW_BUF_INIT;
	const char *name;

	if (!rq.state_ok)
		return;
	glow_buf_printf(&path, "%s/counters.txt", cf.state);
	glow_buf_printf(&series, "glow_companion_events_total{event=\"%s\"}",
	    glow_companion_event_names[ev]);
	name = glow_buf_str(&series);
	if (path.failed || series.failed ||
	    glow_counters_add(glow_buf_str(&path), &name, 1) < 0)
		glow_warn("cannot count in '%s':", cf.state);
	glow_buf_free(&path);
	glow_buf_free(&series);
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

/* The request's session, if a cookie of that name is good (and alive, for
 * a facilitator): among several, the first good one. */
static void
read_session(void)
{
	const char *v, *h = rq.cookie;
	size_t n;

	for (;;) {
		if (!(v = glow_cookie_next(&h, COOKIE, &n)))
			return;
		if (glow_session_parse(rq.key, v, n, rq.now, &rq.s) == 0 &&
		    (!rq.s.facilitator || glow_session_alive(cf.state, &rq.s)))
			break;
	}
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
	static const char *const refusal[][2] = {
		{ "Form not understood", "This address takes only forms sent by "
		    "its own pages." },                                 /* 415 */
		{ "Form not understood", "The form came without its length." },
		{ "Form too large", "The form sent is far larger than any of this "
		    "site's forms." },                                  /* 400, 413 */
	};
	struct glow_buf b = GLOW_BUF_INIT;
	size_t n = 0;
	ssize_t got;
	int status, k;

	status = glow_cgi_form_length(getenv("CONTENT_TYPE"),
	    getenv("CONTENT_LENGTH"), BODY_MAX, &n);
	if (status) {
		k = status == 415 ? 0 : status == 411 ? 1 : 2;
		message(status, refusal[k][0], refusal[k][1], "/register",
		    "Go to the registration page");
		return -1;
	}
	if (glow_buf_reserve(&b, n + 1) < 0) {
		unavailable("The server is short of memory.");
		return -1;
	}
	while (b.len < n) {
		got = read(STDIN_FILENO, b.p + b.len, n - b.len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		b.len += (size_t)got;
	}
	if (b.len < n || glow_form_parse(&rq.body, glow_buf_str(&b), b.len) < 0) {
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
	count(GLOW_EV_CSRF);
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

	rc = glow_throttle_hit(cf.state, rq.key, scope, rq.client, cf.rl_max,
	    cf.rl_window, rq.now, &retry);
	if (rc < 0) {
		/* closed, not open: unlimited sign-in guesses are worse */
		glow_warn("cannot use the rate limits in '%s':", cf.state);
		unavailable("The limits on this form cannot be kept right now. "
		    "Nothing was changed. Try again in a minute.");
		return 0;
	}
	if (rc == 1)
		return 1;
	count(GLOW_EV_RATE_LIMITED);
	message(429, "Too many attempts", "This address has sent this form too "
	    "many times in a short while. Wait a few minutes, then try again.",
	    NULL, NULL);
	glow_cgi_header(&rs, "Retry-After: %u", retry ? retry : 1);
	return 0;
}

/* The roster: its reader's reasons for failing, as warnings. */

static void
roster_warn(const struct glow_rostercache *c)
{
	switch (c->err) {
	case GLOW_ROSTERCACHE_OK:
		break;
	case GLOW_ROSTERCACHE_EREAD:
		errno = c->errnum;
		glow_warn("cannot read roster '%s':", c->roster);
		break;
	case GLOW_ROSTERCACHE_EPARSE:
		glow_warn("invalid roster '%s': byte %zu: %s", c->roster,
		    c->jerr.offset, c->jerr.reason);
		break;
	case GLOW_ROSTERCACHE_EINVALID:
		glow_warn("invalid roster '%s': %zu problems (glow-roster validate "
		    "lists them)", c->roster, c->nproblems);
		break;
	case GLOW_ROSTERCACHE_ENOMEM:
		break;          /* the 503 page says it */
	}
	if (c->unwritten.len) {
		errno = c->unwritten_errnum;
		glow_warn("cannot write '%s':", c->unwritten.p);
	}
}

static int
load_roster(struct glow_buf *text, struct glow_roster *r)
{
	struct glow_rostercache c;
	int rc;

	glow_rostercache_init(&c, cf.roster, cf.state);
	if ((rc = glow_rostercache_load(&c, text, r)) < 0)
		roster_warn(&c);
	glow_rostercache_free(&c);
	return rc;
}

static const char roster_down[] = "The list of learners cannot be read "
    "just now, so nothing can be shown or saved. Nothing was changed. "
    "Please try again later, or register on GitHub with the workshop's "
    "registration issue form.";

/* The query string into q: 0, or -1 with a 400 page ready (a way on to
 * route). */
static int
read_query(struct glow_form *q, const char *route, const char *link_text)
{
	if (glow_form_parse(q, rq.query, strlen(rq.query)) == 0)
		return 0;
	glow_form_free(q);
	message(400, "Address not understood", "The address holds text that "
	    "is not valid UTF-8.", route, link_text);
	return -1;
}

/* Registration. */

/* The cohorts to offer: 0, or -1 (a warning). */
static int
cohorts_load(struct glow_cohorts *cs)
{
	struct glow_rostercache c;
	int rc;

	glow_rostercache_init(&c, cf.roster, cf.state);
	rc = glow_rostercache_cohorts(&c, cs);
	roster_warn(&c);
	glow_rostercache_free(&c);
	return rc;
}

static void
register_form(int status, struct glow_register_form *f)
{
	struct glow_page p;

	page_init(&p, "Register for the workshop", "register");
	p.errors = f->err_handle || f->err_cohort || f->err_path;
	f->csrf = rq.csrf;
	rs.status = status;
	glow_page_register(&rs.body, &p, f);
}

static void
confirmation_mac(const char *handle, const char *cohort, char out[33])
{
	struct glow_buf m = GLOW_BUF_INIT;

	glow_buf_printf(&m, "%s%c%s%c%s", rq.s.id, 0, handle, 0, cohort);
	glow_session_mac(rq.key, "registered", glow_buf_str(&m), m.len, out, 16);
	glow_buf_free(&m);
}

/* Add a checked registration to the roster and answer. */
static void
register_learner(struct glow_register_form *f, const char *handle,
    const char *cohort, const char *path)
{
	struct glow_roster r;
	struct glow_roster_status st;
	struct glow_buf t = GLOW_BUF_INIT;
	char mac[33];
	int result;

	result = glow_register_add(cf.roster, handle, cohort, path, &r, &st);
	if ((st.stage == GLOW_ROSTER_OK && result == GLOW_ROSTER_ADDED) ||
	    (st.stage == GLOW_ROSTER_ECALLBACK && result == GLOW_ROSTER_EXISTS)) {
		/*
		 * One answer whether the handle was new or already there
		 * (nothing of it is changed then): the page never tells a
		 * visitor about anyone else's registration.
		 */
		count(result == GLOW_ROSTER_ADDED ? GLOW_EV_REGISTERED :
		    GLOW_EV_ALREADY);
		confirmation_mac(handle, cohort, mac);
		glow_buf_adds(&t, "/register/success?h=");
		glow_url_esc(&t, handle, strlen(handle));
		glow_buf_adds(&t, "&c=");
		glow_url_esc(&t, cohort, strlen(cohort));
		glow_buf_printf(&t, "&m=%s", mac);
		redirect(t.p);
	} else if (st.stage == GLOW_ROSTER_ECALLBACK && result == 0) {
		f->err_cohort = "Choose one of the cohorts in the list";
		register_form(422, f);
	} else if (st.stage == GLOW_ROSTER_EAFTER) {
		f->err_handle = "This username cannot be registered for this cohort "
		    "here; please ask the workshop's facilitators";
		register_form(422, f);
	} else if (st.stage == GLOW_ROSTER_ELOCK && st.errnum == ETIMEDOUT) {
		glow_warn("cannot register in '%s': the roster stayed locked",
		    cf.roster);
		unavailable("Many people are registering at this moment. Nothing "
		    "was changed. Try again in a minute.");
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
	glow_buf_free(&t);
}

static void
do_register(void)
{
	struct glow_register_form f;
	struct glow_cohorts cs;
	const char *h, *c, *pth;
	size_t hn = 0, cn = 0, pn = 0;
	char *handle;

	if (need_state() < 0)
		return;
	read_session();
	/* the cheap checks first: only a well-formed form with a valid
	 * CSRF token uses the address's budget */
	if (strcmp(rq.method, "POST") == 0 && (read_body() < 0 || !csrf_ok() ||
	    !rate_ok("register")))
		return;
	if (cohorts_load(&cs) < 0) {
		unavailable(roster_down);
		return;
	}
	memset(&f, 0, sizeof f);
	f.cohort_list = cs.c;
	f.ncohort = cs.n;
	if (strcmp(rq.method, "POST") != 0) {
		if (ensure_session() == 0)
			register_form(200, &f);
		glow_cohorts_free(&cs);
		return;
	}
	h = glow_form_get(&rq.body, "github_handle", &hn);
	c = glow_form_get(&rq.body, "cohort_id", &cn);
	pth = glow_form_get(&rq.body, "path", &pn);
	if (glow_register_check(&f, h, hn, c, cn, pth, pn, &h, &hn) < 0) {
		count(GLOW_EV_INVALID);
		register_form(422, &f);
	} else if (!(handle = strndup(h, hn))) {
		unavailable("The server is short of memory.");
	} else {
		register_learner(&f, handle, c, pth);
		free(handle);
	}
	glow_cohorts_free(&cs);
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
	if (read_query(&q, "/register", "Go to the registration page") < 0)
		return;
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
		glow_page_message(&rs.body, &p, glow_buf_str(&t), "/register",
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
		if (read_body() < 0 || !csrf_ok() || !rate_ok("login"))
			return;
		n = glow_form_get(&rq.body, "next", NULL);
	} else {
		if (read_query(&q, "/login", "Sign in") < 0)
			return;
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
		count(GLOW_EV_SIGNIN_FAILED);
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
	count(GLOW_EV_SIGNIN);
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
	glow_cgi_header(&rs, "WWW-Authenticate: Bearer realm=\"glow-companion\"");
	glow_buf_adds(&rs.body, "{\"error\":\"unauthorized\",\"message\":"
	    "\"sign in as a facilitator, or send Authorization: Bearer TOKEN\"}\n");
}

/*
 * The dashboard's content for (cohort, page), kept while the roster file
 * is the same file (rostercache.h).  0, or -1 (roster unusable).
 */
static int
dashboard_body(struct glow_buf *body, const char *cohort, long page)
{
	struct glow_rostercache c;
	int rc;

	glow_rostercache_init(&c, cf.roster, cf.state);
	rc = glow_rostercache_dashboard(&c, cf.base, cohort, page, body);
	roster_warn(&c);
	glow_rostercache_free(&c);
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
	if (read_query(&q, "/dashboard", "Show every cohort") < 0)
		return;
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
do_metrics(void)
{
	struct glow_buf text = GLOW_BUF_INIT, path = GLOW_BUF_INIT;
	struct glow_buf events = GLOW_BUF_INIT;
	struct glow_roster r;
	int ok, counted;

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
	glow_buf_printf(&path, "%s/counters.txt", cf.state);
	counted = !path.failed &&
	    glow_counters_read(glow_buf_str(&path), &events) == 0;
	glow_metrics_page(&rs.body, ok ? &r : NULL,
	    counted ? glow_buf_str(&events) : NULL, events.len);
	if (ok)
		glow_roster_free(&r);
	glow_buf_free(&text);
	glow_buf_free(&path);
	glow_buf_free(&events);
}

/* Configuration and dispatch. */

static void usage(int) __attribute__((noreturn));
static const char usage_text[] =
	"usage: glow-companion        (run as a CGI program; see glow-companion(1))\n"
	"       glow-companion -h | --help | -V\n"
	"\n"
	"  -h, --help    print this usage and exit\n"
	"  -V            print the version and exit\n";

static void
usage(int status)
{
	glow_usage(usage_text, status);
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
		/* what the seeds' deployment guide checks */
		rs.status = 200;
		rs.type = "application/json";
		glow_buf_adds(&rs.body, "{\"status\":\"ok\"}\n");
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
		glow_cgi_header(&rs, "Allow: %s", routes[i].post == 2 ? "POST" :
		    routes[i].post ? "GET, HEAD, POST" : "GET, HEAD");
		return;
	}
	if (strcmp(rq.path, "/") == 0 || strcmp(rq.path, "/healthz") == 0 ||
	    strcmp(rq.path, "/static/companion.css") == 0) {
		message(405, "Method not allowed", "This address does not take "
		    "that kind of request.", "/register", "Go to the registration page");
		glow_cgi_header(&rs, "Allow: GET, HEAD");
		return;
	}
	message(404, "Page not found", "There is no page at this address. "
	    "Check the address, or start from the registration page.",
	    "/register", "Go to the registration page");
}

int
main(int argc, char *argv[])
{
	struct glow_buf out = GLOW_BUF_INIT;

	glow_setprogname(argv[0]);
	glow_help(argc, argv, usage_text);
	glow_check_now();
	if (glow_getopt(argc, argv, "V", usage_text) == 'V') {
		glow_version();
		return GLOW_EXIT_OK;
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
	if (glow_cgi_response(&rs, rq.https, rq.head, &out) == 0)
		glow_write_all(STDOUT_FILENO, out.p, out.len);
	glow_buf_free(&out);
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
