/* SPDX-License-Identifier: ISC */
/* The pure parts of lib/github/app.h: installation IDs as users give them, the
 * list of installations in messages, the narrowing body, and the reasons
 * GitHub gives for refusing an App JWT.  The searches themselves are
 * tested against the simulator in t/1200-token.t. */
#include <string.h>

#include "tap.h"
#include "github/app.h"

static void
test_installation_id(void)
{
	is_int(glow_app_installation_id("42"), 42, "id: digits");
	is_int(glow_app_installation_id("https://github.com/organizations/o/"
	    "settings/installations/42"), 42, "id: an organisation's settings URL");
	is_int(glow_app_installation_id("https://github.com/settings/"
	    "installations/43/"), 43, "id: a trailing slash");
	is_int(glow_app_installation_id("https://x/installations/44?a=1"), 44,
	    "id: a query");
	is_int(glow_app_installation_id("https://x/installations/45/#top"), 45,
	    "id: a slash and a fragment");
	is_int(glow_app_installation_id("999999999999999"), 999999999999999LL,
	    "id: fifteen digits");
	is_int(glow_app_installation_id("1234567890123456"), -1, "id: sixteen refused");
	is_int(glow_app_installation_id("0"), -1, "id: zero refused");
	is_int(glow_app_installation_id(""), -1, "id: empty refused");
	is_int(glow_app_installation_id("42a"), -1, "id: trailing letters refused");
	is_int(glow_app_installation_id("https://x/installations/"), -1,
	    "id: a URL without an ID refused");
	is_int(glow_app_installation_id("https://x/installations/4/x"), -1,
	    "id: a path after the ID refused");
	is_int(glow_app_installation_id("https://x/apps/42"), -1,
	    "id: another URL refused");
}

static void
test_describe(void)
{
	struct glow_buf b = GLOW_BUF_INIT;
	static const char two[] =
	    "[{\"id\":42,\"account\":{\"login\":\"glow-org\",\"type\":\"Organization\"}},"
	    "{\"id\":43,\"account\":{\"login\":\"dave\",\"type\":\"User\"}}]";
	static const char noid[] = "[{\"account\":{\"login\":\"x\",\"type\":\"User\"}}]";

	glow_app_describe(two, strlen(two), &b);
	is_mem(b.p, b.len, "glow-org (Organization, id 42), dave (User, id 43)",
	    50, "describe: two installations");
	glow_buf_reset(&b);
	glow_app_describe("[]", 2, &b);
	is_str(b.p, "nowhere", "describe: none");
	glow_buf_reset(&b);
	glow_app_describe("[", 1, &b);
	is_str(b.p, "nowhere", "describe: not JSON");
	glow_buf_reset(&b);
	glow_app_describe(NULL, 0, &b);
	is_str(b.p, "nowhere", "describe: nothing");
	glow_buf_reset(&b);
	glow_app_describe(noid, strlen(noid), &b);
	is_str(b.p, "x (User, id ?)", "describe: no id");
	glow_buf_free(&b);
}

static void
test_narrowing(void)
{
	static const char *const perms[] = { "x", "=read", "contents=",
	    "Contents=read", "contents=rw", "contents=read=write" };
	struct glow_buf body = GLOW_BUF_INIT, bad = GLOW_BUF_INIT;
	size_t i;

	is_int(glow_app_narrowing(&body, "glow-org/admin,,notes", "contents=read,"
	    "issues=write", &bad), GLOW_APP_OK, "narrowing: repositories and "
	    "permissions");
	is_str(body.p, "{\"repositories\":[\"admin\",\"notes\"],\"permissions\":"
	    "{\"contents\":\"read\",\"issues\":\"write\"}}",
	    "narrowing: owner dropped, empty items skipped");
	glow_buf_reset(&body);
	is_int(glow_app_narrowing(&body, NULL, ",administration=admin,", &bad),
	    GLOW_APP_OK, "narrowing: permissions only");
	is_str(body.p, "{\"permissions\":{\"administration\":\"admin\"}}",
	    "narrowing: no repositories member");
	glow_buf_reset(&body);
	is_int(glow_app_narrowing(&body, "", NULL, &bad), GLOW_APP_OK,
	    "narrowing: an empty list");
	is_str(body.p, "{\"repositories\":[]}", "narrowing: an empty array");

	glow_buf_reset(&body);
	is_int(glow_app_narrowing(&body, "admin,a/b/c", NULL, &bad), GLOW_APP_REPO,
	    "narrowing: a name with a slash refused");
	is_str(bad.p, "b/c", "narrowing: the name without its owner reported");
	glow_buf_reset(&bad);
	glow_buf_reset(&body);
	is_int(glow_app_narrowing(&body, "owner/", NULL, &bad), GLOW_APP_REPO,
	    "narrowing: an owner without a name refused");
	is_str(bad.p, "", "narrowing: the empty name reported");
	glow_buf_reset(&body);
	is_int(glow_app_narrowing(&body, "bad name", "x", &bad), GLOW_APP_REPO,
	    "narrowing: repositories are checked first");

	for (i = 0; i < sizeof perms / sizeof *perms; i++) {
		glow_buf_reset(&bad);
		glow_buf_reset(&body);
		is_int(glow_app_narrowing(&body, NULL, perms[i], &bad),
		    GLOW_APP_PERMISSION, perms[i]);
		is_str(bad.p, perms[i], "narrowing: the whole item reported");
	}
	glow_buf_free(&body);
	glow_buf_free(&bad);
}

static void
test_jwt(void)
{
	struct glow_gh_resp r;

	ok(glow_app_jwt_clock("'Expiration time' claim ('exp') is too far in the "
	    "future"), "jwt: exp blames the clock");
	ok(glow_app_jwt_clock("'Issued at' claim ('iat') must be an Integer "
	    "representing the time that the assertion was issued"),
	    "jwt: iat blames the clock");
	ok(!glow_app_jwt_clock("A JSON web token could not be decoded"),
	    "jwt: a bad signature blames the key");
	ok(!glow_app_jwt_clock(NULL), "jwt: no message");

	glow_gh_resp_init(&r);
	r.status = 404;
	glow_buf_adds(&r.body, "{\"message\":\"Integration not found\"}");
	ok(glow_app_jwt_unknown(GLOW_GH_HTTP, &r), "jwt: no App with this ID");
	ok(!glow_app_jwt_unknown(GLOW_GH_OK, &r), "jwt: only for an error");
	glow_buf_reset(&r.body);
	glow_buf_adds(&r.body, "{\"message\":\"Not Found\"}");
	ok(!glow_app_jwt_unknown(GLOW_GH_HTTP, &r), "jwt: another 404");
	glow_gh_resp_free(&r);
}

int
main(void)
{
	test_installation_id();
	test_describe();
	test_narrowing();
	test_jwt();
	return done_testing();
}
