/* SPDX-License-Identifier: ISC */
/* The pure parts of lib/github/github.h: Link parsing, path segments, the retry
 * policy (classification, backoff, limit waits), pace specifications,
 * token files, the token's sources, the stats line and error messages.  The network behaviour is tested
 * against the simulator in t/1100-api.t. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "github/github.h"

static void
set_body(struct glow_gh_resp *r, const char *s)
{
	glow_buf_reset(&r->body);
	glow_buf_adds(&r->body, s);
}

static void
test_link(void)
{
	char dst[256];
	static const char gh[] =
	    "<https://api.github.com/repositories/1/issues?page=2>; rel=\"next\", "
	    "<https://api.github.com/repositories/1/issues?page=5>; rel=\"last\"";

	ok(glow_gh_link(gh, "next", dst, sizeof dst) == 0, "link: next found");
	is_str(dst, "https://api.github.com/repositories/1/issues?page=2", "link: next URL");
	ok(glow_gh_link(gh, "last", dst, sizeof dst) == 0, "link: last found");
	is_str(dst, "https://api.github.com/repositories/1/issues?page=5", "link: last URL");
	ok(glow_gh_link(gh, "prev", dst, sizeof dst) < 0, "link: no prev");
	ok(glow_gh_link("<https://x/a?q=a,b;c>; rel=\"prev\", <https://x/b?q=1,2>; rel=\"next\"",
	    "next", dst, sizeof dst) == 0, "link: commas and semicolons inside <>");
	is_str(dst, "https://x/b?q=1,2", "link: URL with a comma kept whole");
	ok(glow_gh_link("<https://x/n>; rel=NEXT", "next", dst, sizeof dst) == 0,
	    "link: unquoted, case-insensitive rel");
	ok(glow_gh_link("<https://x/n>; title=\"a, b\"; rel=\"prev next\"", "next",
	    dst, sizeof dst) == 0, "link: rel list with a quoted comma before it");
	is_str(dst, "https://x/n", "link: URL from a rel list");
	ok(glow_gh_link("<https://x/nextpage>; rel=\"last\"", "next", dst, sizeof dst) < 0,
	    "link: 'next' inside a URL is not a rel");
	ok(glow_gh_link("<https://x/0123456789>; rel=\"next\"", "next", dst, 8) < 0,
	    "link: too long for the destination");
	ok(glow_gh_link("garbage", "next", dst, sizeof dst) < 0, "link: garbage");
	ok(glow_gh_link("", "next", dst, sizeof dst) < 0, "link: empty");
}

static void
test_path(void)
{
	struct glow_buf b = GLOW_BUF_INIT;

	ok(glow_gh_segment(&b, "AZaz09-._~") == 0, "segment: unreserved kept");
	is_str(b.p, "AZaz09-._~", "segment: unreserved unchanged");
	glow_buf_reset(&b);
	glow_gh_segment(&b, "a/b?c#d e%f+g@h:i");
	is_str(b.p, "a%2Fb%3Fc%23d%20e%25f%2Bg%40h%3Ai", "segment: reserved encoded");
	glow_buf_reset(&b);
	glow_gh_segment(&b, "\xc3\xa9\n");
	is_str(b.p, "%C3%A9%0A", "segment: UTF-8 and control bytes encoded");
	glow_buf_reset(&b);
	ok(glow_gh_segment(&b, "..") < 0, "segment: '..' refused");
	ok(glow_gh_segment(&b, ".") < 0, "segment: '.' refused");
	ok(glow_gh_segment(&b, "") < 0, "segment: empty refused");
	ok(glow_gh_segment(&b, NULL) < 0, "segment: NULL refused");

	glow_buf_reset(&b);
	ok(glow_gh_path(&b, "/repos/%s/%s/collaborators/%s", "glow-org",
	    "room/../../x", "al ice") == 0, "path: built");
	is_str(b.p, "/repos/glow-org/room%2F..%2F..%2Fx/collaborators/al%20ice",
	    "path: every argument is one segment");
	glow_buf_reset(&b);
	glow_gh_path(&b, "/app/installations/%lld/access_tokens?x=%d%%", 42LL, 7);
	is_str(b.p, "/app/installations/42/access_tokens?x=7%", "path: numbers and %%");
	glow_buf_reset(&b);
	glow_buf_adds(&b, "keep");
	ok(glow_gh_path(&b, "/repos/%s/%s", "o", "..") < 0, "path: '..' argument refused");
	is_str(b.p, "keep", "path: nothing appended on failure");
	ok(glow_gh_path(&b, "/x/%x", 1) < 0, "path: other conversions refused");
	glow_buf_free(&b);
}

static void
test_classify(void)
{
	struct glow_gh_resp r;

	glow_gh_resp_init(&r);
	is_int(glow_gh_classify(&r), GLOW_GH_NETFAIL, "classify: no answer is a network failure");
	r.status = 200;
	is_int(glow_gh_classify(&r), GLOW_GH_FINAL, "classify: 200 final");
	r.status = 404;
	is_int(glow_gh_classify(&r), GLOW_GH_FINAL, "classify: 404 final");
	r.status = 502;
	is_int(glow_gh_classify(&r), GLOW_GH_SERVER, "classify: 502 server");
	r.status = 500;
	is_int(glow_gh_classify(&r), GLOW_GH_SERVER, "classify: 500 server");

	r.status = 403;
	set_body(&r, "{\"message\":\"Resource not accessible by integration\"}");
	r.rl_remaining = 4000;
	is_int(glow_gh_classify(&r), GLOW_GH_FINAL, "classify: plain 403 never retried");
	r.rl_remaining = 0;
	set_body(&r, "{\"message\":\"API rate limit exceeded for installation ID 42.\"}");
	is_int(glow_gh_classify(&r), GLOW_GH_PRIMARY, "classify: 403 remaining 0 is primary");
	r.status = 429;
	is_int(glow_gh_classify(&r), GLOW_GH_PRIMARY, "classify: 429 remaining 0 is primary");
	r.rl_remaining = 10;
	set_body(&r, "{}");
	is_int(glow_gh_classify(&r), GLOW_GH_SECONDARY, "classify: any other 429 is secondary");
	r.status = 403;
	set_body(&r, "{\"message\":\"You have exceeded a secondary rate limit. Please wait.\"}");
	is_int(glow_gh_classify(&r), GLOW_GH_SECONDARY, "classify: 403 secondary message");
	set_body(&r, "{\"message\":\"You have triggered an abuse detection mechanism.\"}");
	is_int(glow_gh_classify(&r), GLOW_GH_SECONDARY, "classify: 403 abuse message");
	set_body(&r, "{\"message\":\"Forbidden\"}");
	r.retry_after = 30;
	is_int(glow_gh_classify(&r), GLOW_GH_SECONDARY, "classify: 403 with retry-after");
	glow_gh_resp_free(&r);
}

static void
test_waits(void)
{
	struct glow_gh_resp r;

	is_int((long long)(glow_gh_backoff(0, 1, 60, 0) * 1000), 500, "backoff: first, no jitter: base/2");
	is_int((long long)(glow_gh_backoff(0, 1, 60, 0.999999) * 1000), 999, "backoff: first, full jitter: < base");
	is_int((long long)(glow_gh_backoff(3, 1, 60, 0) * 1000), 4000, "backoff: 4th: 8/2");
	is_int((long long)(glow_gh_backoff(3, 1, 60, 0.5) * 1000), 6000, "backoff: 4th: 8 * 3/4");
	is_int((long long)(glow_gh_backoff(20, 1, 60, 0) * 1000), 30000, "backoff: capped at cap/2 ..");
	is_int((long long)(glow_gh_backoff(20, 1, 60, 0.999999) * 1000), 59999, "backoff: .. to cap");

	glow_gh_resp_init(&r);
	r.status = 403;
	r.retry_after = 7;
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_SECONDARY, 0, 0), 7,
	    "limit wait: retry-after honoured");
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_SECONDARY, 3, 0), 7,
	    "limit wait: retry-after honoured when repeated");
	r.retry_after = -1;
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_SECONDARY, 0, 0), 60,
	    "limit wait: secondary without retry-after: 60 s");
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_SECONDARY, 1, 0), 120,
	    "limit wait: repeated secondary doubles");
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_SECONDARY, 2, 0), 240,
	    "limit wait: and doubles again");
	r.rl_remaining = 0;
	r.rl_reset = 1000100;
	r.date = 1000000;
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_PRIMARY, 0, 5),
	    101, "limit wait: primary until reset (by Date) + 1 s");
	r.date = -1;
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_PRIMARY, 0, 1000090),
	    11, "limit wait: primary by the local clock without Date");
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_PRIMARY, 0, 2000000),
	    1, "limit wait: primary reset in the past: 1 s");
	r.retry_after = 3;
	is_int((long long)glow_gh_limit_wait(&r, GLOW_GH_PRIMARY, 0, 1000090),
	    3, "limit wait: retry-after first, as GitHub says");
	glow_gh_resp_free(&r);
}

static void
test_pace(void)
{
	struct glow_gh_pace p;

	memset(&p, 0, sizeof p);
	ok(glow_gh_pace_parse(&p, "1,80/60,500/3600") == 0, "pace: default parses");
	is_int((long long)(p.interval * 10), 10, "pace: interval 1");
	is_int(p.nwin, 2, "pace: two windows");
	is_int(p.win[0].max, 80, "pace: 80 ..");
	is_int((long long)p.win[0].seconds, 60, "pace: .. per 60 s");
	is_int(p.win[1].max, 500, "pace: 500 ..");
	is_int((long long)p.win[1].seconds, 3600, "pace: .. per 3600 s");
	is_int(p.cap, 500, "pace: ring holds the largest window");
	ok(glow_gh_pace_parse(&p, "0.25,5/2") == 0, "pace: fractions");
	is_int((long long)(p.interval * 100), 25, "pace: interval 0.25");
	is_int(p.nwin, 1, "pace: one window");
	ok(glow_gh_pace_parse(&p, "off") == 0, "pace: off");
	ok(p.interval == 0 && p.nwin == 0, "pace: off means no pacing");
	ok(glow_gh_pace_parse(&p, "x") < 0, "pace: garbage refused");
	ok(glow_gh_pace_parse(&p, "1,0/60") < 0, "pace: zero count refused");
	ok(glow_gh_pace_parse(&p, "1,5/-1") < 0, "pace: negative window refused");
	ok(glow_gh_pace_parse(&p, "1,,2") < 0, "pace: empty item refused");
	ok(glow_gh_pace_parse(&p, "1/1,2/2,3/3,4/4,5/5") < 0, "pace: too many windows refused");
	free(p.times);
}

static void
test_token(void)
{
	struct glow_buf t = GLOW_BUF_INIT;
	static const char json[] = " {\"token\":\"ghs_abc\",\"expires_at\":null}\n";

	ok(glow_gh_token_parse(json, strlen(json), &t) == 0, "token: from JSON");
	is_str(t.p, "ghs_abc", "token: JSON's token");
	ok(glow_gh_token_parse("  ghp_raw\n", 10, &t) == 0, "token: raw, trimmed");
	is_mem(t.p, t.len, "ghp_raw", 7, "token: raw value");
	ok(glow_gh_token_parse("{\"tok\":\"x\"}", 11, &t) < 0, "token: JSON without token refused");
	ok(glow_gh_token_parse("a b", 3, &t) < 0, "token: inner space refused");
	ok(glow_gh_token_parse(" \n", 2, &t) < 0, "token: empty refused");
	ok(glow_gh_token_parse("{\"token\":1}", 11, &t) < 0, "token: non-string refused");
	glow_buf_free(&t);
}

static void
test_message(void)
{
	struct glow_gh_resp r;
	struct glow_buf m = GLOW_BUF_INIT;

	glow_gh_resp_init(&r);
	r.status = 404;
	set_body(&r, "{\"message\":\"Not Found\",\"documentation_url\":\"https://docs\"}");
	glow_gh_message(&r, &m);
	is_str(m.p, "Not Found", "message: GitHub's message");
	glow_buf_reset(&m);
	r.status = 422;
	set_body(&r, "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":"
	    "\"Repository\",\"code\":\"custom\",\"field\":\"name\",\"message\":"
	    "\"name already exists on this account\"},{\"code\":\"missing_field\","
	    "\"field\":\"title\"},\"plain\"]}");
	glow_gh_message(&r, &m);
	is_str(m.p, "Validation Failed: name already exists on this account (name); "
	    "missing_field (title); plain", "message: with errors");
	glow_buf_reset(&m);
	r.status = 502;
	set_body(&r, "<html>bad gateway</html>");
	glow_gh_message(&r, &m);
	is_str(m.p, "Bad Gateway", "message: reason phrase when not JSON");
	glow_buf_free(&m);
	glow_gh_resp_free(&r);

	ok(strcmp(glow_gh_strerror(GLOW_GH_LIMITED), glow_gh_strerror(GLOW_GH_NETWORK)) != 0,
	    "strerror: distinct sentences");
	ok(strcmp(glow_gh_strerror((enum glow_gh_err)99), "unknown error") == 0,
	    "strerror: unknown code");
}

static void
test_settings(void)
{
	struct glow_gh g;

	ok(glow_gh_init(&g) == GLOW_GH_OK, "init");
	is_str(g.base, "https://api.github.com", "base: default");
	ok(glow_gh_set_base(&g, "https://ghe.example.com/api/v3/") == GLOW_GH_OK,
	    "base: GHES with trailing slash");
	is_str(g.base, "https://ghe.example.com/api/v3", "base: slash dropped");
	ok(glow_gh_set_base(&g, "ftp://x") == GLOW_GH_URL, "base: ftp refused");
	setenv("GLOW_PACE", "nonsense", 1);
	is_int(glow_gh_env(&g), GLOW_GH_CONFIG, "env: bad GLOW_PACE refused");
	setenv("GLOW_PACE", "2,10/5", 1);
	setenv("GLOW_WAIT_SCALE", "0.5", 1);
	setenv("GITHUB_API_URL", "http://localhost:1/", 1);
	setenv("SSL_CERT_FILE", "/tmp/ca.pem", 1);
	is_int(glow_gh_env(&g), GLOW_GH_OK, "env: read");
	is_str(g.base, "http://localhost:1", "env: GITHUB_API_URL");
	ok(g.wait_scale == 0.5, "env: GLOW_WAIT_SCALE");
	ok(g.pace.interval == 2 && g.pace.nwin == 1, "env: GLOW_PACE");
	is_str(g.ca_file, "/tmp/ca.pem", "env: SSL_CERT_FILE is the CA bundle");
	glow_gh_free(&g);
}

/* The -t FILE / GLOW_TOKEN, GH_TOKEN, GITHUB_TOKEN rule. */
static void
test_token_load(void)
{
	struct glow_buf t = GLOW_BUF_INIT;
	char dir[] = "/tmp/glow-token-XXXXXX", file[64], empty[64], missing[64];
	const char *from = "x";
	enum glow_gh_token_err e;
	FILE *f;
	int saved;

	if (!mkdtemp(dir)) {
		ok(0, "token load: a scratch directory");
		return;
	}
	snprintf(file, sizeof file, "%s/tok.json", dir);
	snprintf(empty, sizeof empty, "%s/empty", dir);
	snprintf(missing, sizeof missing, "%s/missing", dir);
	if ((f = fopen(file, "w"))) {
		fputs("{\"token\":\"ghs_file\"}\n", f);
		fclose(f);
	}
	if ((f = fopen(empty, "w")))
		fclose(f);
	unsetenv("GLOW_TOKEN");
	unsetenv("GH_TOKEN");
	unsetenv("GITHUB_TOKEN");

	is_int(glow_gh_token_load(NULL, &t, &from), GLOW_GH_TOKEN_UNSET,
	    "token load: nothing set");
	ok(from == NULL, "token load: no source when unset");
	setenv("GITHUB_TOKEN", "ghp_third", 1);
	setenv("GH_TOKEN", "", 1);
	is_int(glow_gh_token_load(NULL, &t, &from), GLOW_GH_TOKEN_OK,
	    "token load: GITHUB_TOKEN when the others are unset or empty");
	is_str(t.p, "ghp_third", "token load: GITHUB_TOKEN's value");
	is_str(from, "GITHUB_TOKEN", "token load: GITHUB_TOKEN named");
	setenv("GH_TOKEN", "ghp_second", 1);
	is_int(glow_gh_token_load(NULL, &t, &from), GLOW_GH_TOKEN_OK,
	    "token load: GH_TOKEN before GITHUB_TOKEN");
	is_str(t.p, "ghp_second", "token load: GH_TOKEN's value");
	setenv("GLOW_TOKEN", "a b", 1);
	is_int(glow_gh_token_load(NULL, &t, &from), GLOW_GH_TOKEN_INVALID,
	    "token load: GLOW_TOKEN first, refused with white space inside");
	is_str(from, "GLOW_TOKEN", "token load: the refused variable named");
	ok(t.len == 0, "token load: nothing left on failure");

	is_int(glow_gh_token_load(file, &t, &from), GLOW_GH_TOKEN_OK,
	    "token load: a file wins over the environment");
	is_str(t.p, "ghs_file", "token load: the file's JSON token");
	is_str(from, file, "token load: the file named");
	is_int(glow_gh_token_load(empty, &t, &from), GLOW_GH_TOKEN_EMPTY,
	    "token load: an empty file");
	setenv("GLOW_TOKEN", " \n", 1);
	is_int(glow_gh_token_load(NULL, &t, &from), GLOW_GH_TOKEN_EMPTY,
	    "token load: a variable of white space only");
	if ((f = fopen(empty, "w"))) {
		fputs("{\"tok\":\"x\"}", f);
		fclose(f);
	}
	is_int(glow_gh_token_load(empty, &t, &from), GLOW_GH_TOKEN_INVALID,
	    "token load: JSON without a token");
	errno = 0;
	e = glow_gh_token_load(missing, &t, &from);
	saved = errno;
	is_int(e, GLOW_GH_TOKEN_READ, "token load: a missing file cannot be read");
	is_int(saved, ENOENT, "token load: errno tells why");
	{
		struct glow_buf m = GLOW_BUF_INIT;

		glow_gh_token_problem(&m, GLOW_GH_TOKEN_EMPTY, "t.json");
		is_str(m.p, "cannot use token 't.json': it is empty",
		    "token problem: an empty file");
		glow_buf_reset(&m);
		glow_gh_token_problem(&m, GLOW_GH_TOKEN_INVALID, "GLOW_TOKEN");
		ok(m.p && strncmp(m.p, "cannot use token 'GLOW_TOKEN': not a token",
		    42) == 0, "token problem: a variable without a token");
		glow_buf_reset(&m);
		errno = ENOENT;
		glow_gh_token_problem(&m, GLOW_GH_TOKEN_READ, "t.json");
		is_str(m.p, "cannot read token 't.json': No such file or directory",
		    "token problem: errno for a file that cannot be read");
		glow_buf_reset(&m);
		glow_gh_token_problem(&m, GLOW_GH_TOKEN_UNSET, NULL);
		is_str(m.p, "no token: give -t FILE, or set " GLOW_GH_TOKEN_VARS,
		    "token problem: none set");
		glow_buf_free(&m);
	}
	unlink(file);
	unlink(empty);
	rmdir(dir);
	unsetenv("GLOW_TOKEN");
	unsetenv("GH_TOKEN");
	unsetenv("GITHUB_TOKEN");
	glow_buf_free(&t);
}

static void
test_stats_format(void)
{
	struct glow_gh_stats s = { 7, 2, 3, 1, 60.04, 1.26, 0.5 };
	struct glow_buf b = GLOW_BUF_INIT;

	glow_gh_stats_format(&s, 0, &b);
	is_str(b.p, "requests=7 retries=2 not_modified=3 limited=1 "
	    "wait_limit=60.0 wait_backoff=1.3 wait_pace=0.5", "stats: the full line");
	glow_buf_reset(&b);
	glow_gh_stats_format(&s, GLOW_GH_STATS_BRIEF, &b);
	is_str(b.p, "requests=7 retries=2 wait_limit=60.0 wait_backoff=1.3",
	    "stats: the brief line");
	glow_buf_free(&b);
}

int
main(void)
{
	test_link();
	test_path();
	test_classify();
	test_waits();
	test_pace();
	test_token();
	test_token_load();
	test_stats_format();
	test_message();
	test_settings();
	return done_testing();
}
