/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/events/spool.c: the layout is made and locked, envelopes are
 * listed in order, claimed once and retired; records are written in
 * runs.jsonl's shape and tallied back, torn lines and all.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fsio.h"
#include "events/spool.h"
#include "tap.h"

static char dir[] = "/tmp/glow-spool-XXXXXX";

static int
put(const char *sub, const char *name, const char *text)
{
	struct glow_buf p = GLOW_BUF_INIT;
	int rc;

	glow_spool_path(&p, dir, sub, name);
	rc = glow_write_atomic(p.p, text, strlen(text), 0600);
	glow_buf_free(&p);
	return rc;
}

static int
exists(const char *sub, const char *name)
{
	struct glow_buf p = GLOW_BUF_INIT;
	struct stat st;
	int rc;

	glow_spool_path(&p, dir, sub, name);
	rc = stat(p.p, &st) == 0;
	glow_buf_free(&p);
	return rc;
}

static void
test_path(void)
{
	struct glow_buf b = GLOW_BUF_INIT;

	glow_spool_path(&b, "/s", GLOW_SPOOL_CUR, "x.json");
	is_str(b.p, "/s/cur/x.json", "path: SPOOL/sub/name");
	glow_spool_path(&b, "/s", GLOW_SPOOL_RUNS, NULL);
	is_str(b.p, "/s/runs.jsonl", "path: SPOOL/sub");
	glow_spool_path(&b, "/s", "", NULL);
	is_str(b.p, "/s/", "path: the spool itself");
	glow_buf_free(&b);
}

static void
test_layout(void)
{
	struct glow_spool sp, other;
	struct glow_buf text = GLOW_BUF_INIT;
	char **names;
	size_t n;

	glow_spool_init(&sp, dir);
	is_int(glow_spool_open(&sp), 0, "open: creates the layout, locks it");
	ok(exists(GLOW_SPOOL_TMP, NULL) && exists(GLOW_SPOOL_NEW, NULL) &&
	    exists(GLOW_SPOOL_CUR, NULL) && exists(GLOW_SPOOL_DONE, NULL) &&
	    exists(GLOW_SPOOL_FAILED, NULL) && exists(GLOW_SPOOL_LOCK, NULL),
	    "open: tmp new cur done failed trigger.lock");
	glow_spool_init(&other, dir);
	ok(glow_spool_open(&other) < 0 && other.err == GLOW_SPOOL_LOCKED &&
	    errno == EWOULDBLOCK, "open: a second one finds it locked");
	glow_spool_free(&other);

	put(GLOW_SPOOL_NEW, "b.json", "{\"b\":1}");
	put(GLOW_SPOOL_NEW, "a.json", "{\"a\":1}");
	put(GLOW_SPOOL_NEW, ".hidden", "x");
	ok(glow_spool_list(&sp, GLOW_SPOOL_NEW, &names, &n) == 0 && n == 2 &&
	    strcmp(names[0], "a.json") == 0 && strcmp(names[1], "b.json") == 0,
	    "list: sorted, dot files left out");
	glow_spool_names_free(names, n);

	is_int(glow_spool_claim(&sp, "a.json"), 1, "claim: taken");
	ok(exists(GLOW_SPOOL_CUR, "a.json") && !exists(GLOW_SPOOL_NEW, "a.json"),
	    "claim: new/ to cur/");
	is_int(glow_spool_claim(&sp, "a.json"), 0, "claim: gone is not an error");
	is_int(glow_spool_read(&sp, "a.json", &text, 1 << 20), 0, "read");
	is_mem(text.p, text.len, "{\"a\":1}", 7, "read: the claimed envelope");
	glow_buf_reset(&text);
	ok(glow_spool_read(&sp, "a.json", &text, 3) < 0 && errno == EFBIG,
	    "read: EFBIG past the limit");
	ok(glow_spool_read(&sp, "zz.json", &text, 1 << 20) < 0 &&
	    sp.err == GLOW_SPOOL_READ && strstr(sp.path.p, "/cur/zz.json"),
	    "read: a failure names the file");
	is_int(glow_spool_retire(&sp, "a.json", 0), 0, "retire: done");
	ok(exists(GLOW_SPOOL_DONE, "a.json") && !exists(GLOW_SPOOL_CUR, "a.json"),
	    "retire: cur/ to done/");
	glow_spool_claim(&sp, "b.json");
	glow_spool_retire(&sp, "b.json", 1);
	ok(exists(GLOW_SPOOL_FAILED, "b.json"), "retire: failed/");
	ok(glow_spool_retire(&sp, "b.json", 0) < 0 && sp.err == GLOW_SPOOL_MOVE &&
	    strstr(sp.to.p, "/done/b.json"), "retire: a failed move names both");
	glow_buf_free(&text);
	glow_spool_free(&sp);
}

static void
test_format(void)
{
	struct glow_spool_run r = { "e.json", "d-1", "build", 2, NULL, 0, 0, 1.2345 };
	struct timespec t = { 1714564800, 123456789 };
	struct glow_buf b = GLOW_BUF_INIT;

	r.status = 3 << 8;      /* exited 3 */
	glow_spool_run_format(&b, &r, &t);
	is_str(b.p, "{\"time\":\"2024-05-01T12:00:00.123Z\",\"envelope\":\"e.json\","
	    "\"delivery\":\"d-1\",\"rule\":\"build\",\"attempt\":2,\"exit\":3,"
	    "\"signal\":null,\"timed_out\":false,\"duration_ms\":1235,"
	    "\"ok\":false}\n", "format: an exit status");
	r.status = 0;
	ok(glow_spool_run_ok(&r), "ok: exit 0");
	r.timed_out = 1;
	ok(!glow_spool_run_ok(&r), "ok: not when timed out");
	r.status = 9;           /* killed by SIGKILL */
	glow_buf_reset(&b);
	glow_spool_run_format(&b, &r, &t);
	ok(strstr(b.p, "\"exit\":null,\"signal\":9,\"timed_out\":true") != NULL,
	    "format: a signal");
	r.envelope = r.delivery = r.rule = NULL;
	r.error = "invalid envelope: offset 0: bad";
	glow_buf_reset(&b);
	glow_spool_run_format(&b, &r, &t);
	is_str(b.p, "{\"time\":\"2024-05-01T12:00:00.123Z\",\"delivery\":null,"
	    "\"rule\":null,\"attempt\":2,\"error\":\"invalid envelope: offset 0: "
	    "bad\",\"ok\":false}\n", "format: an error, no envelope");
	ok(!glow_spool_run_ok(&r), "ok: not with an error");
	glow_buf_free(&b);
}

static void
test_tally(void)
{
	static const char text[] =
	    "{\"envelope\":\"a\",\"rule\":\"x\",\"ok\":false}\n"
	    "\n"
	    "{\"envelope\":\"b\",\"rule\":\"x\",\"ok\":true}\n"
	    "{\"envelope\":\"a\",\"rule\":\"x\",\"ok\":true}\n"
	    "{\"envelope\":\"a\",\"rule\":null,\"ok\":false}\n"
	    "{\"envelope\":\"gone\",\"rule\":\"x\",\"ok\":true}\n"
	    "not json\n"
	    "{\"envelope\":\"a\",\"rule\":\"y\",\"ok\":fal";
	char *names[] = { "a", "b" };
	struct glow_spool_tallies t = GLOW_SPOOL_TALLIES_INIT;
	const struct glow_spool_tally *x;
	struct glow_spool sp;
	struct glow_buf p = GLOW_BUF_INIT, b = GLOW_BUF_INIT;

	is_int(glow_spool_tally_parse(&t, text, sizeof text - 1, names, 2), 0,
	    "tally: parses");
	is_int((long long)t.n, 3, "tally: one per envelope and rule named");
	x = glow_spool_tally_find(&t, "a", "x");
	ok(x && x->count == 2 && x->ok, "tally: attempts counted, one ok");
	x = glow_spool_tally_find(&t, "a", NULL);
	ok(x && x->count == 1 && !x->ok, "tally: evaluation errors (rule null)");
	ok(!glow_spool_tally_find(&t, "a", "y"), "tally: a torn line is no record");
	ok(!glow_spool_tally_find(&t, "gone", "x"), "tally: other envelopes left out");
	glow_spool_tally_free(&t);

	glow_spool_init(&sp, dir);
	glow_spool_path(&p, dir, GLOW_SPOOL_RUNS, NULL);
	unlink(p.p);
	ok(glow_spool_tally_load(&sp, &t, names, 2) == 0 && t.n == 0,
	    "load: no runs.jsonl, no records");
	glow_write_atomic(p.p, text, sizeof text - 1, 0600);
	ok(glow_spool_tally_load(&sp, &t, names, 2) == 0 && t.n == 3,
	    "load: from runs.jsonl");
	glow_read_file(p.p, &b, 1 << 20);
	ok(b.len == sizeof text && b.p[b.len - 1] == '\n',
	    "load: a torn last line is ended");
	is_int(glow_spool_append(&sp, "{}\n", 3), 0, "append: a record");
	glow_buf_reset(&b);
	glow_read_file(p.p, &b, 1 << 20);
	ok(b.len == sizeof text + 3 && memcmp(b.p + b.len - 4, "\n{}\n", 4) == 0,
	    "append: after the ended line");
	glow_spool_tally_free(&t);
	glow_spool_free(&sp);
	glow_buf_free(&p);
	glow_buf_free(&b);
}

int
main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_path();
	test_layout();
	test_format();
	test_tally();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	(void)!system(cmd);
	return done_testing();
}
