/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/provision/provision.c: the log (both formats), the plan, and
 * the small decisions on GitHub's answers. */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "core/isotime.h"
#include "core/json.h"
#include "provision/provision.h"
#include "tap.h"

static char dir[] = "/tmp/glow-provision-XXXXXX";

static struct glow_plog_rec
rec_of(const char *handle, const char *result)
{
	struct glow_plog_rec r;

	memset(&r, 0, sizeof r);
	r.github_handle = handle;
	r.cohort_id = "spring";
	r.attempt_at = "2026-03-01T10:00:00.000Z";
	r.result = result;
	r.repo = "o/learning-room-spring-x";
	r.requests = 3;
	r.invitation = "invited";
	return r;
}

struct collect {
	int n;
	char handles[256];
};

static int
collect_fn(const struct glow_json *doc, int obj, void *arg)
{
	struct collect *c = arg;
	char *h = glow_json_strdup(doc, glow_json_get(doc, obj, "github_handle"));

	c->n++;
	if (h) {
		strcat(c->handles, h);
		strcat(c->handles, " ");
		free(h);
	}
	return 0;
}

static void
test_record(void)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_plog_rec r = rec_of("alice", "created");
	const char *healed[] = { "a.yml", "b.yml" };

	glow_plog_record(&b, &r, 0);
	is_str(b.p, "{\"github_handle\":\"alice\",\"cohort_id\":\"spring\","
	    "\"attempt_at\":\"2026-03-01T10:00:00.000Z\",\"result\":\"created\","
	    "\"repo\":\"o/learning-room-spring-x\",\"template_sha\":null,"
	    "\"error_detail\":null,\"requests\":3,\"invitation\":\"invited\","
	    "\"healed\":[],\"comment\":null}", "record: fields in order, nulls");
	glow_buf_reset(&b);
	r.healed = healed;
	r.nhealed = 2;
	r.error_detail = "say \"no\"\n";
	glow_plog_record(&b, &r, 0);
	ok(strstr(b.p, "\"healed\":[\"a.yml\",\"b.yml\"]") != NULL, "healed files listed");
	ok(strstr(b.p, "\"error_detail\":\"say \\\"no\\\"\\n\"") != NULL,
	    "detail escaped, one line");
	ok(strchr(b.p, '\n') == NULL, "compact record has no newline");
	glow_buf_free(&b);
}

static void
test_detect(void)
{
	is_int(glow_plog_detect("", 0), GLOW_PLOG_LINES, "empty: JSON Lines");
	is_int(glow_plog_detect(" \n{\"a\":1}\n", 10), GLOW_PLOG_LINES, "object first: lines");
	is_int(glow_plog_detect("\xef\xbb\xbf [\n]", 7), GLOW_PLOG_ARRAY, "BOM, array");
	is_int(glow_plog_detect("hello", 5), -1, "anything else: -1");
}

static void
test_read(void)
{
	struct collect c;
	struct glow_json_error e;
	size_t torn;
	const char *lines = "{\"github_handle\":\"a\"}\n\n{\"github_handle\":\"b\"}\n{\"github_ha";
	const char *arr = "[\n  {\"github_handle\": \"x\"},\n  {\"github_handle\": \"y\"}\n]\n";

	memset(&c, 0, sizeof c);
	ok(glow_plog_read(lines, strlen(lines), collect_fn, &c, &torn, &e) == 0,
	    "lines with a torn tail read");
	is_int(c.n, 2, "two records");
	is_int((long long)torn, 1, "one torn line");
	is_str(c.handles, "a b ", "in order");
	memset(&c, 0, sizeof c);
	ok(glow_plog_read(arr, strlen(arr), collect_fn, &c, &torn, &e) == 0, "array read");
	is_str(c.handles, "x y ", "array records in order");
	ok(glow_plog_read("{\"a\":1}\nnope\n{\"b\":2}\n", 22, NULL, NULL, &torn, &e) < 0,
	    "a bad line that is not the last: refused");
	ok(glow_plog_read("[1,2]", 5, NULL, NULL, &torn, &e) < 0,
	    "array of non-objects: refused");
	ok(glow_plog_read("[{\"a\":1}", 8, NULL, NULL, &torn, &e) < 0,
	    "torn array: refused");
}

static void
test_append(void)
{
	char path[256];
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_plog_rec r1 = rec_of("alice", "created"), r2 = rec_of("bob", "error");
	struct collect c;
	struct glow_json_error e;
	struct stat st;
	size_t torn;

	snprintf(path, sizeof path, "%s/log.jsonl", dir);
	ok(glow_plog_append(path, &r1) == 0, "append creates the log");
	ok(glow_plog_append(path, &r2) == 0, "append again");
	glow_read_file(path, &b, 1 << 20);
	memset(&c, 0, sizeof c);
	ok(glow_plog_read(b.p, b.len, collect_fn, &c, &torn, &e) == 0 && c.n == 2,
	    "two lines read back");
	ok(b.len && b.p[b.len - 1] == '\n', "ends with a newline");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "created 0600");

	/* a torn last line: the next record on a line of its own */
	glow_append_durable(path, "{\"github_ha", 11, 0644);
	ok(glow_plog_append(path, &r1) == 0, "append after a torn line");
	glow_buf_reset(&b);
	glow_read_file(path, &b, 1 << 20);
	memset(&c, 0, sizeof c);
	ok(glow_plog_read(b.p, b.len, collect_fn, &c, &torn, &e) < 0,
	    "the torn line is now inside: the reader says so");
	ok(strstr(b.p, "{\"github_ha\n{\"github_handle\":\"alice\"") != NULL,
	    "the new record starts its own line");
	glow_buf_reset(&b);

	/* the array format stays an array, old bytes kept */
	snprintf(path, sizeof path, "%s/provisioning-log.json", dir);
	glow_write_atomic(path, "[\n  {\n    \"github_handle\": \"old\"\n  }\n]\n", 39, 0640);
	ok(glow_plog_append(path, &r1) == 0, "append to an array log");
	ok(glow_plog_append(path, &r2) == 0, "and again");
	glow_read_file(path, &b, 1 << 20);
	memset(&c, 0, sizeof c);
	ok(glow_plog_read(b.p, b.len, collect_fn, &c, &torn, &e) == 0, "still one JSON array");
	is_str(c.handles, "old alice bob ", "old record first, new ones after");
	ok(!strncmp(b.p, "[\n  {\n    \"github_handle\": \"old\"\n  },\n  {\n    \"github_handle\": \"alice\",", 69),
	    "indented as JSON.stringify(log, null, 2)");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "mode kept");
	glow_buf_reset(&b);

	snprintf(path, sizeof path, "%s/empty-array.json", dir);
	glow_write_atomic(path, "[]\n", 3, 0644);
	ok(glow_plog_append(path, &r1) == 0, "append to an empty array");
	glow_read_file(path, &b, 1 << 20);
	memset(&c, 0, sizeof c);
	ok(glow_plog_read(b.p, b.len, collect_fn, &c, &torn, &e) == 0 && c.n == 1,
	    "one record in it");
	glow_buf_reset(&b);

	snprintf(path, sizeof path, "%s/junk.log", dir);
	glow_write_atomic(path, "junk\n", 5, 0644);
	errno = 0;
	ok(glow_plog_append(path, &r1) < 0 && errno == EINVAL, "junk: EINVAL");
	glow_read_file(path, &b, 1 << 20);
	is_mem(b.p, b.len, "junk\n", 5, "junk left alone");
	glow_buf_free(&b);
}

static void
test_select(void)
{
	is_int(glow_prov_select("pending", 7, 0), GLOW_PROV_PROVISION, "pending: provision");
	is_int(glow_prov_select("failed", 6, 0), GLOW_PROV_PROVISION, "failed: provision");
	is_int(glow_prov_select(NULL, 0, 0), GLOW_PROV_PROVISION, "missing state: provision");
	is_int(glow_prov_select("provisioned", 11, 0), GLOW_PROV_SKIP, "provisioned: skip");
	is_int(glow_prov_select("healed", 6, 1), GLOW_PROV_VERIFY, "healed with -a: verify");
	is_int(glow_prov_select("provisioned", 11, 1), GLOW_PROV_VERIFY, "provisioned with -a: verify");
}

static void
test_list(void)
{
	char **l;

	is_int(glow_prov_list(" a.yml, b-c.yaml ,,", &l), 2, "two names, blanks dropped");
	is_str(l[0], "a.yml", "first trimmed");
	is_str(l[1], "b-c.yaml", "second trimmed");
	ok(l[2] == NULL, "NULL-ended");
	glow_prov_list_free(l);
	ok(glow_prov_list("a/b.yml", &l) < 0 && errno == EINVAL, "a slash: refused");
	ok(glow_prov_list("..", &l) < 0, "dot-dot: refused");
	ok(glow_prov_list(" , ", &l) < 0, "none: refused");
}

static void
test_answers(void)
{
	struct glow_json d;
	struct glow_json_error e;
	long long id = 0;
	const char *dirl = "[{\"name\":\"a.yml\",\"type\":\"file\"},{\"name\":\"sub\",\"type\":\"dir\"}]";
	const char *com = "[{\"body\":\"hello\"},{\"body\":\"ready\\n<!-- glow:room-ready -->\","
	    "\"user\":{\"login\":\"glow[bot]\",\"type\":\"Bot\"}}]";
	const char *quoted = "[{\"body\":\"> ready\\n<!-- glow:room-ready -->\","
	    "\"user\":{\"login\":\"alice\",\"type\":\"User\"}}]";
	const char *users = "[{\"login\":\"Alice\"},{\"login\":\"bob\"}]";
	const char *inv = "[{\"id\":7,\"invitee\":{\"login\":\"alice\"},\"expired\":true},"
	    "{\"id\":8,\"invitee\":{\"login\":\"bob\"},\"expired\":true},"
	    "{\"id\":9,\"invitee\":{\"login\":\"bob\"},\"expired\":false}]";

	glow_json_parse(&d, dirl, strlen(dirl), &e);
	ok(glow_prov_dir_has(&d, 0, "a.yml"), "dir has a file");
	ok(!glow_prov_dir_has(&d, 0, "sub"), "a directory is not a file");
	ok(!glow_prov_dir_has(&d, 0, "b.yml"), "missing file");
	glow_json_free(&d);

	glow_json_parse(&d, com, strlen(com), &e);
	ok(glow_prov_marker_in(&d, 0, "<!-- glow:room-ready -->"), "marker found");
	ok(!glow_prov_marker_in(&d, 0, "<!-- other -->"), "other marker not found");
	glow_json_free(&d);
	glow_json_parse(&d, quoted, strlen(quoted), &e);
	ok(!glow_prov_marker_in(&d, 0, "<!-- glow:room-ready -->"),
	    "the marker in a learner's comment does not count");
	glow_json_free(&d);

	glow_json_parse(&d, users, strlen(users), &e);
	ok(glow_prov_login_in(&d, 0, "alice"), "login, case-insensitive");
	ok(!glow_prov_login_in(&d, 0, "carol"), "absent login");
	glow_json_free(&d);

	glow_json_parse(&d, inv, strlen(inv), &e);
	is_int(glow_prov_invitation(&d, 0, "ALICE", &id), GLOW_PROV_INV_EXPIRED, "expired only");
	is_int(id, 7, "its id");
	is_int(glow_prov_invitation(&d, 0, "bob", &id), GLOW_PROV_INV_LIVE,
	    "a live one wins over an expired one");
	is_int(glow_prov_invitation(&d, 0, "carol", &id), GLOW_PROV_INV_NONE, "none");
	glow_json_free(&d);
}

static void
test_time_url(void)
{
	struct glow_buf b = GLOW_BUF_INIT;

	is_int(glow_time_parse("1970-01-01T00:00:00Z", strlen("1970-01-01T00:00:00Z")), 0, "epoch");
	is_int(glow_time_parse("2026-03-01T10:00:00.123Z", strlen("2026-03-01T10:00:00.123Z")), 1772359200, "with fraction");
	is_int(glow_time_parse("2024-02-29T00:00:00+00:00", strlen("2024-02-29T00:00:00+00:00")), 1709164800, "leap day, +00:00");
	is_int(glow_time_parse("2025-02-29T00:00:00Z", strlen("2025-02-29T00:00:00Z")), -1, "no such day");
	is_int(glow_time_parse("2026-03-01 10:00", strlen("2026-03-01 10:00")), -1, "too short");
	glow_prov_web_url("https://api.github.com/", &b);
	is_str(b.p, "https://github.com", "github.com");
	glow_buf_reset(&b);
	glow_prov_web_url("https://ghe.example/api/v3", &b);
	is_str(b.p, "https://ghe.example", "enterprise server");
	glow_buf_reset(&b);
	glow_prov_web_url("http://127.0.0.1:8080", &b);
	is_str(b.p, "http://127.0.0.1:8080", "anything else as it is");
	glow_buf_free(&b);
}

static void
test_origin(void)
{
	struct glow_json d;
	struct glow_json_error e;
	struct glow_buf b = GLOW_BUF_INIT;
	const char *t = "o/tmpl", *h = "Alice", *c = "c1", *k = "alice@@c1";
	char j[512];
	int i;
	static const struct { const char *tmpl, *desc; enum glow_prov_origin want; const char *what; } cases[] = {
		{ "O/Tmpl", "Learning room of @Alice (c1) [glow alice@@c1]", GLOW_PROV_OURS, "mark and template (names in any case)" },
		{ "o/tmpl", "Learning room of @alice (c1)", GLOW_PROV_OURS, "glow 0.1's description" },
		{ "o/tmpl", "Learning room of @alice (c1) extra", GLOW_PROV_NOT_MARKED, "0.1's form, and more" },
		{ "o/tmpl", "Learning room of @alice (C1)", GLOW_PROV_NOT_MARKED, "0.1's form, cohort in another case" },
		{ "o/tmpl", "Learning room of @x (c-bob) [glow x@@c-bob]", GLOW_PROV_NOT_MARKED, "another key's mark" },
		{ "o/tmpl", "[glow alice@@c1x]", GLOW_PROV_NOT_MARKED, "a longer key" },
		{ "o/tmpl", NULL, GLOW_PROV_NOT_MARKED, "no description" },
		{ "o/other", "Learning room of @Alice (c1) [glow alice@@c1]", GLOW_PROV_NOT_TEMPLATE, "another template" },
		{ NULL, "Learning room of @Alice (c1) [glow alice@@c1]", GLOW_PROV_NOT_TEMPLATE, "no template" },
	};

	glow_prov_description(&b, h, c, k);
	is_str(b.p, "Learning room of @Alice (c1) [glow alice@@c1]", "the description glow writes");
	glow_buf_free(&b);
	for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
		snprintf(j, sizeof j, "{\"name\":\"r\"%s%s%s%s%s%s}",
		    cases[i].tmpl ? ",\"template_repository\":{\"full_name\":\"" : "",
		    cases[i].tmpl ? cases[i].tmpl : "", cases[i].tmpl ? "\"}" : "",
		    cases[i].desc ? ",\"description\":\"" : ",\"description\":null",
		    cases[i].desc ? cases[i].desc : "", cases[i].desc ? "\"" : "");
		if (glow_json_parse(&d, j, strlen(j), &e) < 0) {
			ok(0, cases[i].what);
			continue;
		}
		is_int(glow_prov_origin(&d, 0, t, h, c, k), cases[i].want, cases[i].what);
		glow_json_free(&d);
	}
}

int
main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_record();
	test_detect();
	test_read();
	test_append();
	test_select();
	test_list();
	test_answers();
	test_origin();
	test_time_url();
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			perror("rm");
	}
	return done_testing();
}
