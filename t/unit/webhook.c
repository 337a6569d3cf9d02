/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/events/webhook.c. */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/fsio.h"
#include "core/json.h"
#include "core/counters.h"
#include "events/webhook.h"
#include "web/form.h"
#include "tap.h"

static char dir[] = "/tmp/glow-webhook-XXXXXX";

static void
test_verify(void)
{
	const char *vec = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
	const char *text = "It's a Secret to Everybody";
	const char *two = "  old \r\n\n It's a Secret to Everybody\n";
	struct glow_webhook_secrets s;
	unsigned char mac[32], want[32];

	is_int(glow_webhook_secrets(&s, text, strlen(text)), 1, "one secret");
	memset(mac, 0, sizeof mac);
	ok(glow_webhook_verify(vec, "Hello, World!", 13, &s, mac),
	    "GitHub's test vector");
	glow_hmac_sha256(text, strlen(text), "Hello, World!", 13, want);
	is_mem(mac, 32, want, 32, "a match gives the body's HMAC, its fingerprint");
	ok(!glow_webhook_verify(vec, "Hello, World?", 13, &s, mac),
	    "another body fails");
	ok(!glow_webhook_verify(vec + 1, "Hello, World!", 13, &s, mac),
	    "no sha256= prefix fails");
	ok(!glow_webhook_verify("sha256=757107ea", "Hello, World!", 13, &s, mac),
	    "short fails");
	ok(!glow_webhook_verify(NULL, "Hello, World!", 13, &s, mac), "none fails");
	is_int(glow_webhook_secrets(&s, two, strlen(two)), 2, "two secrets, trimmed");
	is_mem(s.p[0], s.len[0], "old", 3, "first secret");
	memset(mac, 0, sizeof mac);
	ok(glow_webhook_verify(vec, "Hello, World!", 13, &s, mac),
	    "the second secret verifies");
	is_mem(mac, 32, want, 32, "its HMAC is the fingerprint");
	is_int(glow_webhook_secrets(&s, "a\nb\nc\nd\ne\nf\ng\nh\ni", 17), -1,
	    "nine secrets are too many");
	is_int(glow_webhook_secrets(&s, " \n\n", 3), 0, "blank is none");
}

static void
test_head(void)
{
	struct glow_webhook_req r;
	const char *ok1 = "\r\nPOST http://example.com/hook?x=1 HTTP/1.1\r\n"
	    "Host: example.com\r\ncontent-length:  42 \r\n"
	    "X-GitHub-Event: push\r\nX-GitHub-Delivery: abc\r\n"
	    "X-Hub-Signature-256: sha256=00\r\nX-Hub-Signature: sha1=00\r\n"
	    "Content-Type: application/json\r\n\r\nBODY";
	long n = glow_webhook_parse_head(&r, ok1, strlen(ok1));

	is_int(n, (long)strlen(ok1) - 4, "head length up to the body");
	is_str(r.method, "POST", "method");
	is_str(r.path, "/hook", "path of an absolute-form target, no query");
	is_int(r.content_length, 42, "content-length, white space trimmed");
	is_str(r.event, "push", "event");
	is_str(r.delivery, "abc", "delivery");
	is_str(r.signature, "sha256=00", "signature");
	ok(r.has_sha1, "legacy signature noticed");
	ok(r.bad == NULL, "not bad");
	is_int(glow_webhook_parse_head(&r, ok1, 30), 0, "incomplete head: 0");
	is_int(glow_webhook_parse_head(&r, "GET / HTTP/1.0\n\n", 16), 16,
	    "bare LF line ends");
#define BAD(s, why) do { \
	is_int(glow_webhook_parse_head(&r, s, strlen(s)), -1, why); \
	ok(r.bad != NULL, why " has a reason"); } while (0)
	BAD("POST / HTTP/1.1\r\n folded\r\n\r\n", "obsolete folding");
	BAD("POST / HTTP/2.0\r\n\r\n", "HTTP/2 request line");
	BAD("POST /\r\n\r\n", "no version");
	BAD("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    "conflicting lengths");
	BAD("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "negative length");
	BAD("POST / HTTP/1.1\r\nName : x\r\n\r\n", "space before colon");
	BAD("POST / HTTP/1.1\r\nA: b\rc\r\n\r\n", "bare CR");
	BAD("POST / HTTP/1.1\r\nX-GitHub-Event: a\r\nX-GitHub-Event: b\r\n\r\n",
	    "repeated GitHub header");
	BAD("POST nopath HTTP/1.1\r\n\r\n", "target not a path");
}

static char *const fake_env[] = {
	"CONTENT_LENGTH=12", "HTTP_X_GITHUB_EVENT_X=no", "HTTP_X_GITHUB_EVENT=issues",
	"REQUEST_METHOD=POST", "HTTP_X_GITHUB_DELIVERY", NULL
};

static void
test_env_media(void)
{
	struct glow_webhook_req r;

	glow_webhook_req_from_env(&r, fake_env);
	is_str(r.method, "POST", "CGI method");
	is_int(r.content_length, 12, "CGI length");
	is_str(r.event, "issues", "CGI event");
	is_str(r.delivery, "", "CGI delivery absent");
	is_int(glow_webhook_media("application/json"), GLOW_WEBHOOK_JSON, "json");
	is_int(glow_webhook_media("Application/JSON;charset=utf-8"),
	    GLOW_WEBHOOK_JSON, "json with a parameter");
	is_int(glow_webhook_media("application/x-www-form-urlencoded"),
	    GLOW_WEBHOOK_FORM, "form");
	is_int(glow_webhook_media("application/jsonx"), GLOW_WEBHOOK_OTHER, "jsonx");
	is_int(glow_webhook_media(NULL), GLOW_WEBHOOK_OTHER, "none");
	ok(glow_webhook_delivery_ok("72d3162e-cc78-11e3-81ab-4c9367dc0958"),
	    "a GUID is a delivery ID");
	ok(!glow_webhook_delivery_ok("../x"), "a path is not");
	ok(!glow_webhook_delivery_ok(".hidden"), "a dot name is not");
	ok(!glow_webhook_delivery_ok(""), "empty is not");
}

static void
test_form(void)
{
	struct glow_buf b = GLOW_BUF_INIT;

	is_int(glow_form_decode("a+b%41%2b%2F", 12, &b), 0, "decode");
	is_mem(b.p, b.len, "a bA+/", 6, "decoded value");
	glow_buf_reset(&b);
	is_int(glow_form_decode("%4", 2, &b), -1, "short escape");
	glow_buf_reset(&b);
	is_int(glow_form_decode("%g0", 3, &b), -1, "non-hex escape");
	glow_buf_reset(&b);
	is_int(glow_form_payload("a=1&payload=%7B%7D&payload=x", 28, &b), 0,
	    "payload among fields");
	is_mem(b.p, b.len, "{}", 2, "the first payload counts");
	glow_buf_reset(&b);
	is_int(glow_form_payload("pay%6Coad=%00", 13, &b), 0, "encoded name");
	is_mem(b.p, b.len, "\0", 1, "a NUL byte decodes");
	glow_buf_reset(&b);
	is_int(glow_form_payload("a=1&b", 5, &b), 1, "no payload");
	is_int(glow_form_payload("", 0, &b), 1, "empty form");
	is_int(glow_form_payload("payload", 7, &b), 0, "payload without =");
	is_int(glow_form_payload("x%zz=1&payload=2", 16, &b), -1, "broken name");
	glow_buf_free(&b);
}

static void
test_envelope(void)
{
	const char *p = "{\"action\":\"closed\",\"installation\":{\"id\":9},"
	    "\"repository\":{\"full_name\":\"a/b\"},\"sender\":{\"login\":\"x\"}}";
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_buf b = GLOW_BUF_INIT;

	glow_json_parse(&doc, p, strlen(p), &err);
	is_int(glow_webhook_envelope(&b, "issues", "d1", "17", 0, &doc), 0,
	    "envelope");
	is_str(b.p, "{\"event\":\"issues\",\"action\":\"closed\",\"delivery_id\":"
	    "\"d1\",\"hook_id\":17,\"installation_id\":9,\"repository\":\"a/b\","
	    "\"sender\":{\"login\":\"x\",\"type\":null},\"received_at\":"
	    "\"1970-01-01T00:00:00Z\",\"payload\":" "{\"action\":\"closed\","
	    "\"installation\":{\"id\":9},\"repository\":{\"full_name\":\"a/b\"},"
	    "\"sender\":{\"login\":\"x\"}}}\n", "envelope text");
	glow_json_free(&doc);
	glow_buf_reset(&b);
	glow_json_parse(&doc, "{}", 2, &err);
	glow_webhook_envelope(&b, "ping", "d2", NULL, 0, &doc);
	ok(strstr(b.p, "\"action\":null,\"delivery_id\":\"d2\",\"hook_id\":null,"
	    "\"installation_id\":null,\"repository\":null,\"sender\":null") != NULL,
	    "nulls for what is missing");
	glow_json_free(&doc);
	glow_json_parse(&doc, "[]", 2, &err);
	is_int(glow_webhook_envelope(&b, "ping", "d3", NULL, 0, &doc), -1,
	    "an array is no payload");
	glow_json_free(&doc);
	glow_buf_free(&b);
}

/* One delivery through claim (and, if new, spool and commit): its result. */
static int
deliver(const char *seen, const char *spool, const char *id,
    const unsigned char *h, time_t now, long expiry, int commit)
{
	struct glow_webhook_claim c;
	enum glow_webhook_seen r;
	struct timespec ts = { now, 0 };
	char name[256];

	if (glow_webhook_spool_name(name, sizeof name, id, &ts) < 0 ||
	    glow_webhook_claim(seen, spool, id, h, name, now, expiry, &c, &r) < 0)
		return -1;
	if (r == GLOW_WEBHOOK_NEW) {
		if (glow_webhook_spool(spool, name, "{}\n", 3) < 0)
			return -1;
		if (commit)
			glow_webhook_commit(&c);
		else
			glow_webhook_release(&c);
	}
	return (int)r;
}

/* Files in dir whose names contain s. */
static int
count_files(const char *path, const char *s)
{
	struct dirent *de;
	DIR *dp = opendir(path);
	int n = 0;

	while (dp && (de = readdir(dp)))
		n += de->d_name[0] != '.' && strstr(de->d_name, s) != NULL;
	if (dp)
		closedir(dp);
	return n;
}

static void
test_seen(void)
{
	char seen[128], spool[128], path[512], newdir[256], tmp[512];
	unsigned char h1[32], h2[32], h3[32];
	struct glow_webhook_claim c;
	enum glow_webhook_seen r;
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	time_t now = time(NULL);
	int fd;

	snprintf(seen, sizeof seen, "%s/seen", dir);
	snprintf(spool, sizeof spool, "%s/dspool", dir);
	snprintf(newdir, sizeof newdir, "%s/new", spool);
	glow_sha256("one", 3, h1);
	glow_sha256("two", 3, h2);
	glow_sha256("three", 5, h3);
	is_int(deliver(seen, spool, "a", h1, now, 100, 1), GLOW_WEBHOOK_NEW,
	    "a is new");
	is_int(deliver(seen, spool, "a", h2, now + 1, 100, 1),
	    GLOW_WEBHOOK_DUP_DELIVERY, "a again: duplicate delivery");
	is_int(deliver(seen, spool, "b", h1, now, 100, 1), GLOW_WEBHOOK_DUP_BODY,
	    "b with a's body: duplicate body");
	is_int(deliver(seen, spool, "b", h2, now, 100, 1), GLOW_WEBHOOK_NEW,
	    "b with its own body: new (a refused body commits nothing)");
	is_int(count_files(newdir, "-a.json") + count_files(newdir, "-b.json"), 2,
	    "one envelope each");

	/* killed after spooling, before the commit mark: found by name */
	is_int(deliver(seen, spool, "c", h3, now, 100, 0), GLOW_WEBHOOK_NEW,
	    "c spooled, not marked committed");
	is_int(deliver(seen, spool, "c", h3, now + 5, 100, 1),
	    GLOW_WEBHOOK_DUP_DELIVERY, "its redelivery: a duplicate");
	is_int(count_files(newdir, "-c.json"), 1, "c spooled once");

	/* killed before the rename: the redelivery is spooled, once */
	{
		struct timespec ts = { now, 0 };
		char name[256];
		unsigned char h4[32];

		glow_sha256("four", 4, h4);
		glow_webhook_spool_name(name, sizeof name, "e", &ts);
		ok(glow_webhook_claim(seen, spool, "e", h4, name, now, 100, &c,
		    &r) == 0 && r == GLOW_WEBHOOK_NEW, "e claimed");
		snprintf(tmp, sizeof tmp, "%s/tmp/%s", spool, name);
		fd = open(tmp, O_WRONLY | O_CREAT, 0600);
		close(fd);                      /* a half-written envelope */
		glow_webhook_release(&c);       /* the writer dies */
		is_int(deliver(seen, spool, "e", h4, now + 9, 100, 1),
		    GLOW_WEBHOOK_NEW, "its redelivery is new (same body: ours)");
		ok(access(tmp, F_OK) < 0, "the dead attempt's tmp file is gone");
		is_int(count_files(newdir, "-e.json"), 1, "e spooled once");
		is_int(deliver(seen, spool, "e", h4, now + 10, 100, 1),
		    GLOW_WEBHOOK_DUP_DELIVERY, "and then a duplicate");
	}

	/* the claim is exclusive while held */
	{
		struct timespec ts = { now, 0 };
		char name[256];
		unsigned char h5[32];

		glow_sha256("five", 4, h5);
		glow_webhook_spool_name(name, sizeof name, "f", &ts);
		ok(glow_webhook_claim(seen, spool, "f", h5, name, now, 100, &c,
		    &r) == 0 && r == GLOW_WEBHOOK_NEW, "f claimed");
		snprintf(path, sizeof path, "%s/d-f", seen);
		fd = open(path, O_RDONLY);
		ok(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 &&
		    errno == EWOULDBLOCK, "a held claim is locked");
		close(fd);
		glow_webhook_release(&c);
	}

	snprintf(path, sizeof path, "%s/d-a", seen);
	utimensat(AT_FDCWD, path, old, 0);
	snprintf(path, sizeof path, "%s/h-", seen);
	is_int(deliver(seen, spool, "a", h3, now, 100, 1), GLOW_WEBHOOK_DUP_BODY,
	    "an expired ID is claimed again; h3 is c's body");
	snprintf(path, sizeof path, "%s/d-a", seen);
	utimensat(AT_FDCWD, path, old, 0);
	ok(glow_webhook_prune(seen, spool, now, 100, 3600) >= 1,
	    "prune removes the expired marker");
	ok(access(path, F_OK) < 0, "gone");
	is_int(glow_webhook_prune(seen, spool, now, 0, 3600), 0,
	    "pruned at most once an interval");
	snprintf(tmp, sizeof tmp, "%s/tmp/stale.json", spool);
	fd = open(tmp, O_WRONLY | O_CREAT, 0600);
	close(fd);
	utimensat(AT_FDCWD, tmp, old, 0);
	ok(glow_webhook_prune(seen, spool, now + 7200, 0, 3600) > 0,
	    "after the interval, again");
	ok(access(tmp, F_OK) < 0, "a stale tmp/ file is removed");
}

static void
test_spool_counters(void)
{
	char spool[128], name[256], path[512], counters[256];
	struct timespec ts = { 1714564800, 123456789 };
	struct glow_buf b = GLOW_BUF_INIT;
	const char *names[] = { "x_total", "y_total{reason=\"q\"}" };
	struct stat st;

	snprintf(spool, sizeof spool, "%s/spool", dir);
	is_int(glow_webhook_spool_name(name, sizeof name, "d-1", &ts), 0,
	    "spool name");
	is_int(glow_webhook_spool(spool, name, "{}\n", 3), 0, "spool");
	is_str(name, "20240501T120000.123456Z-d-1.json", "spool name");
	snprintf(path, sizeof path, "%s/new/%s", spool, name);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 &&
	    st.st_size == 3, "in new/, 0600, whole");
	is_int(glow_webhook_spool_name(name, sizeof name, "../x", &ts), -1,
	    "a bad delivery ID is refused");
	is_int(glow_webhook_spool(spool, "../x.json", "{}", 2), -1,
	    "a bad spool name is refused");
	snprintf(counters, sizeof counters, "%s/counters", dir);
	glow_counters_add(counters, names, 2);
	glow_counters_add(counters, names, 1);
	glow_read_file(counters, &b, 4096);
	is_int((long long)glow_counters_get(b.p, b.len, "x_total"), 2, "x 2");
	is_int((long long)glow_counters_get(b.p, b.len, names[1]), 1, "y 1");
	is_int((long long)glow_counters_get(b.p, b.len, "x"), 0, "prefix 0");
	glow_buf_free(&b);
}

static int
apply(struct glow_buf *file, const char *event, const char *payload)
{
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_buf out = GLOW_BUF_INIT;
	const char *why;
	int rc;

	if (glow_json_parse(&doc, payload, strlen(payload), &err) < 0)
		return -2;
	rc = glow_webhook_installations(file->p, file->len, event, &doc,
	    1714564800, &out, &why);
	if (rc == 0) {
		glow_buf_reset(file);
		glow_buf_add(file, out.p, out.len);
	}
	glow_json_free(&doc);
	glow_buf_free(&out);
	return rc;
}

static void
test_installations(void)
{
	struct glow_buf f = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error err;
	const char *why;

	is_int(apply(&f, "installation", "{\"action\":\"created\","
	    "\"installation\":{\"id\":5,\"account\":{\"login\":\"o\",\"id\":1,"
	    "\"type\":\"User\",\"url\":\"u\"},\"permissions\":{\"issues\":\"read\"}},"
	    "\"repositories\":[{\"full_name\":\"o/z\"},{\"full_name\":\"o/a\"}]}"),
	    0, "created");
	is_str(f.p, "{\n  \"version\": 1,\n  \"updated_at\": \"2024-05-01T12:00:00Z\",\n"
	    "  \"installations\": [\n    {\n      \"id\": 5,\n      \"account\": {\n"
	    "        \"login\": \"o\",\n        \"id\": 1,\n        \"type\": \"User\"\n"
	    "      },\n      \"repository_selection\": null,\n      \"repositories\": [\n"
	    "        \"o/a\",\n        \"o/z\"\n      ],\n      \"permissions\": {\n"
	    "        \"issues\": \"read\"\n      },\n      \"events\": null,\n"
	    "      \"suspended\": false,\n      \"suspended_at\": null,\n"
	    "      \"created_at\": null,\n      \"updated_at\": null\n    }\n  ]\n}\n",
	    "the file");
	is_int(apply(&f, "installation", "{\"action\":\"created\","
	    "\"installation\":{\"id\":5,\"account\":{\"login\":\"o\",\"id\":1,"
	    "\"type\":\"User\",\"url\":\"u\"},\"permissions\":{\"issues\":\"read\"}},"
	    "\"repositories\":[{\"full_name\":\"o/a\"},{\"full_name\":\"o/z\"}]}"),
	    1, "the same again changes nothing");
	is_int(apply(&f, "installation_repositories", "{\"action\":\"removed\","
	    "\"installation\":{\"id\":5},\"repositories_removed\":[{\"full_name\":"
	    "\"o/z\"}]}"), 0, "removed");
	ok(strstr(f.p, "o/z") == NULL && strstr(f.p, "\"o/a\""), "o/z gone");
	is_int(apply(&f, "installation", "{\"action\":\"suspend\","
	    "\"installation\":{\"id\":2,\"suspended_at\":\"2024-01-01T00:00:00Z\"}}"),
	    0, "suspend of one not on record");
	ok(strstr(f.p, "\"id\": 2,") < strstr(f.p, "\"id\": 5,"), "sorted by id");
	ok(strstr(f.p, "\"suspended\": true") != NULL, "suspended");
	is_int(apply(&f, "installation", "{\"action\":\"deleted\","
	    "\"installation\":{\"id\":2}}"), 0, "deleted");
	ok(strstr(f.p, "\"id\": 2,") == NULL, "2 gone");
	is_int(apply(&f, "push", "{\"installation\":{\"id\":2}}"), 1,
	    "other events: nothing");
	is_int(apply(&f, "installation", "{\"action\":\"deleted\","
	    "\"installation\":{\"id\":99}}"), 1, "deleting the unknown: nothing");
	glow_json_parse(&doc, "{\"action\":\"created\",\"installation\":{\"id\":1}}",
	    44, &err);
	is_int(glow_webhook_installations("{\"version\":2,\"installations\":[]}",
	    32, "installation", &doc, 0, &f, &why), -1, "version 2 refused");
	ok(why && strstr(why, "version"), "with a reason");
	is_int(glow_webhook_installations("[", 1, "installation", &doc, 0, &f,
	    &why), -1, "broken JSON refused");
	glow_json_free(&doc);
	glow_buf_free(&f);
}

int
main(void)
{
	char cmd[64];

	if (!mkdtemp(dir))
		return 1;
	test_verify();
	test_head();
	test_env_media();
	test_form();
	test_envelope();
	test_seen();
	test_spool_counters();
	test_installations();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
