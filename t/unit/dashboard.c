/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/dashboard: escaping, comparing, attention, size. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/isotime.h"
#include "dashboard/dashboard.h"
#include "provision/provision.h"
#include "roster/roster.h"
#include "tap.h"

static void
cell(const char *in, size_t max, const char *want, const char *name)
{
	struct glow_buf b = GLOW_BUF_INIT;

	glow_dash_cell(&b, in, strlen(in), max);
	is_str(b.p ? b.p : "", want, name);
	glow_buf_free(&b);
}

static const char roster[] =
    "{\"version\":1,\"cohorts\":[{\"cohort_id\":\"c1\"}],\"learners\":["
    "{\"github_handle\":\"ok1\",\"cohort_id\":\"c1\",\"provision_state\":\"provisioned\","
    " \"status\":\"active-day1\",\"learning_room_repo\":\"o/learning-room-c1-ok1\"},"
    "{\"github_handle\":\"fail1\",\"cohort_id\":\"c1\",\"provision_state\":\"failed\"},"
    "{\"github_handle\":\"fail2\",\"cohort_id\":\"c1\",\"provision_state\":\"failed\"},"
    "{\"github_handle\":\"info\",\"cohort_id\":\"c1\",\"provision_state\":\"provisioned\","
    " \"status\":\"needs-info\",\"learning_room_repo\":\"o/learning-room-c1-info\","
    " \"last_signal_at\":\"2026-03-02T00:00:00.000Z\"},"
    "{\"github_handle\":\"old\",\"cohort_id\":\"c1\",\"provision_state\":\"provisioned\","
    " \"learning_room_repo\":\"o/learning-room-c1-old\"},"
    "{\"github_handle\":\"late\",\"cohort_id\":\"c1\",\"provision_state\":\"provisioned\","
    " \"learning_room_repo\":\"o/learning-room-c1-late\"},"
    "{\"github_handle\":\"fresh\",\"cohort_id\":\"c1\",\"provision_state\":\"provisioned\","
    " \"learning_room_repo\":\"o/learning-room-c1-fresh\"},"
    "{\"github_handle\":\"expd\",\"cohort_id\":\"c1\",\"provision_state\":\"healed\","
    " \"learning_room_repo\":\"o/learning-room-c1-expd\"},"
    "{\"github_handle\":\"acc\",\"cohort_id\":\"c1\",\"provision_state\":\"provisioned\","
    " \"learning_room_repo\":\"o/learning-room-c1-acc\"}"
    "]}";

static const char logtext[] =
    "{\"github_handle\":\"fail2\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-03-01T00:00:00Z\",\"result\":\"error\",\"error_detail\":\"boom\"}\n"
    "{\"github_handle\":\"fail1\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-03-03T00:00:00Z\",\"result\":\"error\"}\n"
    "{\"github_handle\":\"old\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-02-01T00:00:00Z\",\"result\":\"created\",\"invitation\":\"invited\"}\n"
    "{\"github_handle\":\"late\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-03-04T00:00:00Z\",\"result\":\"created\",\"invitation\":\"invited\"}\n"
    "{\"github_handle\":\"late\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-03-06T00:00:00Z\",\"result\":\"already-exists\",\"invitation\":\"pending\"}\n"
    "{\"github_handle\":\"fresh\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-03-09T00:00:00Z\",\"result\":\"created\",\"invitation\":\"invited\"}\n"
    "{\"github_handle\":\"expd\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-03-09T00:00:00Z\",\"result\":\"created\",\"invitation\":\"invited\"}\n"
    "{\"github_handle\":\"acc\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-02-01T00:00:00Z\",\"result\":\"created\",\"invitation\":\"invited\"}\n"
    "{\"github_handle\":\"acc\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-02-02T00:00:00Z\",\"result\":\"healed\",\"invitation\":\"collaborator\"}\n"
    "{\"github_handle\":\"ghost\",\"cohort_id\":\"c1\",\"attempt_at\":\"2026-02-02T00:00:00Z\",\"result\":\"created\"}\n";

static const char snapshot[] =
    "[{\"github_handle\":\"EXPD\",\"cohort_id\":\"c1\",\"invitation\":\"expired\","
    "\"created_at\":\"2026-03-01T00:00:00Z\"}]";

static long
find(struct glow_roster *r, const char *handle)
{
	struct glow_buf k = GLOW_BUF_INIT;
	long i;

	glow_roster_key(&k, handle, strlen(handle), "c1", 2);
	i = glow_roster_find(r, k.p, k.len);
	glow_buf_free(&k);
	return i;
}

/* Every table row has as many cells as the header: count unescaped '|'. */
static int
rows_whole(const char *md, size_t *nrows)
{
	const char *p = md, *nl;
	int want = -1;

	*nrows = 0;
	for (; *p; p = nl + 1) {
		int bars = 0;
		const char *q;

		if (!(nl = strchr(p, '\n')))
			return 0;       /* the document ends with a newline */
		if (*p != '|')
			continue;
		for (q = p; q < nl; q++) {
			if (*q == '\\') {
				q++;
				continue;
			}
			bars += *q == '|';
		}
		if (nl[-1] != '|')
			return 0;
		if (!strncmp(p, "| Learner |", 11))
			want = bars;
		else if (want >= 0 && p[1] != '-') {
			if (bars != want)
				return 0;
			(*nrows)++;
		}
	}
	return 1;
}

int
main(void)
{
	struct glow_roster r;
	struct glow_dash d;
	struct glow_dash_opts o;
	struct glow_dash_stats st;
	struct glow_json_error e;
	struct glow_buf out = GLOW_BUF_INIT, big = GLOW_BUF_INIT;
	const char *since, *order[] = { "fail2", "fail1", "old", "expd",
	    "info", "late" };
	size_t k, rows;
	char *p, *prev;
	long i;

	(void)is_mem;
	cell("plain", 100, "plain", "cell: plain text is kept");
	cell("a|b", 100, "a\\|b", "cell: a pipe is escaped");
	cell("l1\nl2\r\n", 100, "l1 l2  ", "cell: line breaks become spaces");
	cell("@alice #12", 100, "&#64;alice &#35;12",
	    "cell: mentions and references are defused");
	cell("<b>&", 100, "&lt;b&gt;&amp;", "cell: HTML is escaped");
	cell("*_`[x]~", 100, "\\*\\_\\`\\[x\\]\\~", "cell: emphasis, code, links escaped");
	cell("a\x01" "b", 100, "ab", "cell: control characters dropped");
	cell("h\xc3\xa9llo", 2, "h...", "cell: cut at a character boundary");
	cell("abcdef", 3, "abc...", "cell: cut marked");

	ok(glow_dash_same_body("a\r\nb\r\n", 6, "a\nb", 3),
	    "same body: CRLF and trailing newline do not count");
	ok(glow_dash_same_body("a\rb", 3, "a\nb\n\n  ", 7),
	    "same body: lone CR, trailing blanks");
	ok(!glow_dash_same_body("a\nb", 3, "a\nc", 3), "same body: a change counts");
	ok(!glow_dash_same_body("a b", 3, "a  b", 4), "same body: inner spaces count");
	ok(!glow_dash_same_body("ab", 2, "a", 1), "same body: a prefix is not the same");

	is_int(glow_dash_inv_parse("renewed", 7), GLOW_DASH_INV_PENDING,
	    "inv: renewed is pending");
	is_int(glow_dash_inv_parse("expired", 7), GLOW_DASH_INV_EXPIRED, "inv: expired");
	is_int(glow_dash_inv_parse("sent", 4), -1, "inv: sent is not a snapshot state");

	if (glow_roster_load(&r, roster, sizeof roster - 1, &e) < 0 || r.nproblems) {
		printf("# roster: %s\n", r.nproblems ? r.problems.p : e.reason);
		return 1;
	}
	ok(glow_dash_init(&d, &r) == 0, "init");
	ok(glow_dash_read_log(&d, logtext, sizeof logtext - 1, &e) == 0, "log read");
	is_int((long long)d.nlog_unknown, 1, "log: a learner not in the roster is counted");
	ok(glow_dash_read_snapshot(&d, snapshot, sizeof snapshot - 1, &e) == 0,
	    "snapshot read (handle case-insensitive)");
	ok(glow_dash_read_snapshot(&d, "nope", 4, &e) < 0, "snapshot: not JSON refused");

	memset(&o, 0, sizeof o);
	o.days = 3;
	o.now = glow_time_parse("2026-03-10T00:00:00Z", strlen("2026-03-10T00:00:00Z"));
	is_int(glow_dash_attention(&d, find(&r, "fail1"), &o, &since),
	    GLOW_DASH_FAILED, "attention: failed");
	is_str(since, "2026-03-03T00:00:00Z", "attention: failed since the attempt");
	is_int(glow_dash_attention(&d, find(&r, "old"), &o, &since),
	    GLOW_DASH_NO_INVITATION, "attention: sent over 7 days ago is expired");
	is_int(glow_dash_attention(&d, find(&r, "expd"), &o, &since),
	    GLOW_DASH_NO_INVITATION, "attention: the snapshot says expired");
	is_str(since, "2026-03-01T00:00:00Z", "attention: snapshot time wins over log");
	is_int(glow_dash_attention(&d, find(&r, "info"), &o, &since),
	    GLOW_DASH_NEEDS_INFO, "attention: needs-info");
	is_int(glow_dash_attention(&d, find(&r, "late"), &o, &since),
	    GLOW_DASH_NOT_ACCEPTED, "attention: not accepted after 3 days");
	is_str(since, "2026-03-04T00:00:00Z",
	    "attention: a pending invitation keeps its first sending time");
	is_int(glow_dash_attention(&d, find(&r, "fresh"), &o, &since),
	    GLOW_DASH_OK, "attention: a fresh invitation is fine");
	is_int(glow_dash_attention(&d, find(&r, "acc"), &o, &since),
	    GLOW_DASH_OK, "attention: a collaborator is fine");
	is_int(glow_dash_invitation(&d, find(&r, "acc"), NULL),
	    GLOW_DASH_INV_ACCEPTED, "invitation: collaborator is accepted");
	is_int(glow_dash_attention(&d, find(&r, "ok1"), &o, &since),
	    GLOW_DASH_OK, "attention: progress means accepted");
	o.days = 10;
	is_int(glow_dash_attention(&d, find(&r, "late"), &o, &since),
	    GLOW_DASH_OK, "attention: days is honoured");
	o.days = 3;

	ok(glow_dash_render(&d, &o, &out, &st) == 0, "render");
	is_int((long long)st.attention, 6, "render: six need attention");
	ok(out.p && !strncmp(out.p, GLOW_DASH_MARKER "\n", strlen(GLOW_DASH_MARKER) + 1),
	    "render: the marker opens the document");
	ok(rows_whole(out.p, &rows) && rows == r.nlearner,
	    "render: every row has the header's cells");
	/* Attention order: class, then oldest first. */
	prev = out.p;
	for (k = 0; k < sizeof order / sizeof order[0]; k++) {
		char needle[32];

		snprintf(needle, sizeof needle, "\n| %s |", order[k]);
		p = strstr(out.p, needle);
		if (!ok(p && p > prev, order[k]))
			printf("#   %s out of order\n", order[k]);
		if (p)
			prev = p;
	}
	ok(!strstr(out.p, "boom"), "render: public view has no error detail");
	glow_buf_reset(&out);
	o.private_view = 1;
	glow_dash_render(&d, &o, &out, &st);
	ok(strstr(out.p, "boom") != NULL, "render: private view has the error detail");
	ok(rows_whole(out.p, &rows) && rows == r.nlearner,
	    "render: private rows are whole too");
	o.private_view = 0;
	glow_dash_free(&d);
	glow_roster_free(&r);

	/* Size: 2,000 learners under a 6,000-byte limit. */
	glow_buf_adds(&big, "{\"version\":1,\"cohorts\":[],\"learners\":[");
	for (i = 0; i < 2000; i++)
		glow_buf_printf(&big, "%s{\"github_handle\":\"u%ld\",\"cohort_id\":\"c1\","
		    "\"provision_state\":\"%s\",\"learning_room_repo\":"
		    "\"o/learning-room-c1-u%ld\"}", i ? "," : "", i,
		    i % 100 == 7 ? "failed" : "provisioned", i);
	glow_buf_adds(&big, "]}");
	if (glow_roster_load(&r, big.p, big.len, &e) < 0 || r.nproblems)
		return 1;
	glow_dash_init(&d, &r);
	for (k = 0; k < 2; k++) {
		glow_buf_reset(&out);
		o.max_bytes = k ? 0 : 6000;
		ok(glow_dash_render(&d, &o, &out, &st) == 0, "render 2,000");
		ok(out.len <= (k ? GLOW_DASH_MAX_BODY : 6000), "render: within the limit");
		is_int((long long)st.bytes, (long long)out.len, "render: bytes counted");
		ok(rows_whole(out.p, &rows) && rows == st.rows,
		    "render: summarised rows are whole");
		is_int((long long)(st.rows + st.left_attention + st.left_other), 2000,
		    "render: listed + left out = everyone");
		ok(st.rows <= 20 ? st.left_other == 1980 : st.left_attention == 0,
		    "render: the attention rows come first");
		ok(strstr(out.p, "**Summarised:**") != NULL, "render: a note says so");
	}
	glow_dash_free(&d);
	glow_roster_free(&r);
	glow_buf_free(&big);
	glow_buf_free(&out);
	return done_testing();
}
