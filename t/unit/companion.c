/* SPDX-License-Identifier: ISC */
/* Unit tests for the companion's library: CGI framing, the registration
 * check, the /metrics page, and the roster cache. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "roster/roster.h"
#include "roster/rostercache.h"
#include "core/http.h"
#include "web/cgi.h"
#include "web/companion.h"
#include "core/counters.h"
#include "web/metrics.h"
#include "tap.h"

static void
form_length(const char *type, const char *len, int want, size_t wantn,
    const char *name)
{
	size_t n = 0;
	int got = glow_cgi_form_length(type, len, 16384, &n);

	is_int(got, want, name);
	if (want == 0)
		is_int((long long)n, (long long)wantn, "  and its length");
}

static void
test_cgi(void)
{
	struct glow_cgi_resp rs;
	struct glow_buf out = GLOW_BUF_INIT;

	form_length("application/x-www-form-urlencoded", "12", 0, 12, "a form");
	form_length("Application/X-WWW-Form-Urlencoded; charset=utf-8", "0", 0, 0,
	    "type without case, with parameters");
	form_length("application/x-www-form-urlencodedx", "1", 415, 0, "a longer type");
	form_length("multipart/form-data", "1", 415, 0, "another type");
	form_length(NULL, "1", 415, 0, "no type");
	form_length("application/x-www-form-urlencoded", "", 411, 0, "no length");
	form_length("application/x-www-form-urlencoded", NULL, 411, 0, "no length at all");
	form_length("application/x-www-form-urlencoded", "-1", 400, 0, "a sign");
	form_length("application/x-www-form-urlencoded", "16385", 413, 0, "one too many");
	form_length("application/x-www-form-urlencoded", "16384", 0, 16384, "the most");
	form_length("application/x-www-form-urlencoded", "99999999999999999999999",
	    413, 0, "a huge length does not wrap");

	is_str(glow_http_reason(429), "Too Many Requests", "reason of 429");
	is_str(glow_http_reason(422), "Unprocessable Content", "reason of 422 (RFC 9110)");
	is_str(glow_http_reason(599), "Error", "reason of an unknown status");

	memset(&rs, 0, sizeof rs);
	rs.status = 303;
	rs.type = "text/plain; charset=utf-8";
	glow_cgi_header(&rs, "Location: %s", "/x");
	glow_buf_adds(&rs.body, "See /x\n");
	ok(glow_cgi_response(&rs, 1, 0, &out) == 0, "a response is framed");
	ok(strncmp(out.p, "Status: 303 See Other\r\nContent-Type: text/plain; "
	    "charset=utf-8\r\nContent-Length: 7\r\n", 71) == 0, "status, type and length first");
	ok(strstr(out.p, "\r\nStrict-Transport-Security: max-age=31536000\r\n"
	    "Location: /x\r\n\r\nSee /x\n") != NULL, "HSTS over HTTPS, extra headers, body");
	ok(strstr(out.p, "Cache-Control: no-store\r\n") != NULL, "no-store by default");
	glow_buf_reset(&out);
	ok(glow_cgi_response(&rs, 0, 1, &out) == 0 && !strstr(out.p, "Strict-") &&
	    out.len > 4 && strcmp(out.p + out.len - 4, "\r\n\r\n") == 0,
	    "HEAD: no body; plain HTTP: no HSTS");
	glow_buf_free(&out);
	glow_buf_free(&rs.head);
	glow_buf_free(&rs.body);
}

static void
test_register_check(void)
{
	static const struct glow_cohort_choice list[] = { { "c1", "One" },
	    { "c2", NULL } };
	struct glow_register_form f;
	const char *h = NULL;
	size_t hn = 0;

	memset(&f, 0, sizeof f);
	f.cohort_list = list;
	f.ncohort = 2;
	ok(glow_register_check(&f, " @Alice ", 8, "c2", 2, "day1-day2", 9, &h,
	    &hn) == 0, "a good registration passes");
	is_mem(h, hn, "Alice", 5, "  the handle trimmed, without '@'");
	ok(!f.err_handle && !f.err_cohort && !f.err_path, "  no errors");

	memset(&f, 0, sizeof f);
	f.cohort_list = list;
	f.ncohort = 2;
	ok(glow_register_check(&f, "-bad-", 5, "c3", 2, "someday", 7, &h, &hn) < 0,
	    "bad fields fail");
	ok(f.err_handle && strstr(f.err_handle, "1 to 39"), "  the handle rule is named");
	is_str(f.err_cohort, "Choose one of the cohorts in the list", "  a cohort not offered");
	is_str(f.err_path, "Choose which days you will take part in", "  a path not known");
	is_str(f.handle, "-bad-", "  the value is kept to show again");

	memset(&f, 0, sizeof f);
	f.cohort_list = list;
	f.ncohort = 2;
	ok(glow_register_check(&f, NULL, 0, "", 0, NULL, 0, &h, &hn) < 0,
	    "missing fields fail");
	is_str(f.err_handle, "Enter your GitHub username", "  no handle");
	is_str(f.err_cohort, "Choose a cohort", "  no cohort");
}

static const char roster[] =
    "{\"version\":1,\"cohorts\":[{\"cohort_id\":\"c\\\"1\",\"label\":\"One\"},"
    "{\"cohort_id\":\"c2\"}],\"learners\":["
    "{\"github_handle\":\"a\",\"cohort_id\":\"c2\",\"provision_state\":\"failed\"},"
    "{\"github_handle\":\"b\",\"cohort_id\":\"c\\\"1\",\"provision_state\":\"pending\"},"
    "{\"github_handle\":\"c\",\"cohort_id\":\"c2\",\"provision_state\":\"failed\"}]}";

static void
test_metrics(void)
{
	struct glow_buf o = GLOW_BUF_INIT;
	struct glow_roster r;
	static const char ev[] =
	    "glow_companion_events_total{event=\"registered\"} 3\n"
	    "foreign 9\n"
	    "glow_companion_events_total{event=\"csrf_refused\"} 7\n";

	glow_metrics_label(&o, "a\\b\"c\nd", 7);
	is_str(o.p, "a\\\\b\\\"c\\nd", "label values escaped");
	glow_buf_reset(&o);
	ok(glow_roster_load(&r, roster, sizeof roster - 1, NULL) == 0 &&
	    r.nproblems == 0, "the roster loads");
	glow_metrics_page(&o, &r, ev, sizeof ev - 1);
	ok(strstr(o.p, "glow_companion_roster_ok 1\n") != NULL, "roster_ok 1");
	ok(strstr(o.p, "glow_companion_learners{cohort=\"c2\",status=\"awaiting-ack\","
	    "provision_state=\"failed\"} 2\n") != NULL, "learners grouped and counted");
	ok(strstr(o.p, "{cohort=\"c\\\"1\",") != NULL, "cohort label escaped");
	ok(strstr(o.p, "c\\\"1") < strstr(o.p, "{cohort=\"c2\""), "groups sorted");
	ok(strstr(o.p, "glow_companion_events_total{event=\"registered\"} 3\n") &&
	    strstr(o.p, "glow_companion_events_total{event=\"csrf_refused\"} 7\n"),
	    "events by name");
	ok(strstr(o.p, "glow_companion_events_total{event=\"sign_in\"} 0\n") != NULL,
	    "an event never counted is 0");
	glow_roster_free(&r);
	glow_buf_reset(&o);
	glow_metrics_page(&o, NULL, NULL, 0);
	is_str(o.p, "# HELP glow_companion_roster_ok Whether the roster reads and "
	    "validates.\n# TYPE glow_companion_roster_ok gauge\n"
	    "glow_companion_roster_ok 0\n", "no roster, no counters: roster_ok 0 only");
	glow_buf_free(&o);
}

static void
test_rostercache(void)
{
	char dir[] = "/tmp/glow-unit-companion-XXXXXX";
	struct glow_buf path = GLOW_BUF_INIT, state = GLOW_BUF_INIT,
	    body1 = GLOW_BUF_INIT, body2 = GLOW_BUF_INIT;
	static const char small[] = "{\"version\":1,\"cohorts\":"
	    "[{\"cohort_id\":\"z\"}],\"learners\":[]}";
	struct glow_rostercache c;
	struct glow_cohorts cs;

	if (!mkdtemp(dir)) {
		ok(0, "a scratch directory");
		return;
	}
	glow_buf_printf(&path, "%s/roster.json", dir);
	glow_buf_printf(&state, "%s/state", dir);
	mkdir(state.p, 0700);
	glow_buf_printf(&state, "/cache");
	mkdir(state.p, 0700);
	state.len -= 6;
	state.p[state.len] = '\0';
	glow_rostercache_init(&c, path.p, state.p);

	ok(glow_rostercache_cohorts(&c, &cs) < 0 && c.err == GLOW_ROSTERCACHE_EREAD,
	    "no roster: EREAD");
	glow_write_atomic(path.p, "{", 1, 0600);
	ok(glow_rostercache_cohorts(&c, &cs) < 0 && c.err == GLOW_ROSTERCACHE_EPARSE,
	    "not JSON: EPARSE");
	glow_write_atomic(path.p, roster, sizeof roster - 1, 0600);
	ok(glow_rostercache_cohorts(&c, &cs) == 0 && cs.n == 2, "two cohorts");
	is_str(cs.c[0].id, "c\"1", "  the first, unescaped");
	is_str(cs.c[0].label, "One", "  with its label");
	ok(cs.c[1].label == NULL, "  the second without");
	glow_cohorts_free(&cs);
	ok(glow_rostercache_cohorts(&c, &cs) == 0 && cs.n == 2 &&
	    strcmp(cs.c[0].id, "c\"1") == 0, "read back from the kept file");
	glow_cohorts_free(&cs);
	ok(c.unwritten.len == 0, "  which was written");

	ok(glow_rostercache_dashboard(&c, "/x", NULL, 1, &body1) == 0 && body1.len,
	    "a dashboard body");
	ok(glow_rostercache_dashboard(&c, "/x", NULL, 1, &body2) == 0,
	    "  kept and read back");
	is_mem(body2.p, body2.len, body1.p, body1.len, "  the same bytes");

	/* a changed roster is read again */
	glow_write_atomic(path.p, small, strlen(small), 0600);
	ok(glow_rostercache_cohorts(&c, &cs) == 0 && cs.n == 1 &&
	    strcmp(cs.c[0].id, "z") == 0, "a new roster file: its cohorts");
	glow_cohorts_free(&cs);

	glow_rostercache_free(&c);
	glow_buf_reset(&body1);
	glow_buf_printf(&body1, "rm -rf '%s'", dir);
	if (system(body1.p) != 0)
		ok(0, "cleaning up");
	glow_buf_free(&path);
	glow_buf_free(&state);
	glow_buf_free(&body1);
	glow_buf_free(&body2);
}

int
main(void)
{
	test_cgi();
	test_register_check();
	test_metrics();
	test_rostercache();
	return done_testing();
}
