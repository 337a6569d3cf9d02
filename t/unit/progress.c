/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/progress: every rule of the progress of record, and
 * the two ends of the pipeline (snapshot writing, applying to a roster). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "progress/progress.h"
#include "tap.h"

static const struct {
	const char *text, *word;
	int want;
} tokens[] = {
	{ "ack", "ack", 1 },
	{ "ack!", "ack", 1 },
	{ "Ack.", "ack", 1 },
	{ "ACK", "ack", 1 },
	{ "aCk", "ack", 1 },
	{ "(ack)", "ack", 1 },
	{ "I ack this", "ack", 1 },
	{ "ok, ack", "ack", 1 },
	{ "ack\n", "ack", 1 },
	{ "\nack", "ack", 1 },
	{ "line one\r\nack\r\n", "ack", 1 },
	{ "\tack\t", "ack", 1 },
	{ "_ack_", "ack", 1 },
	{ "#ack", "ack", 1 },
	{ "ack/ack", "ack", 1 },
	{ "\xc3\xa9" "ack" "\xc3\xa9", "ack", 1 },     /* é ack é */
	{ "\xe2\x9c\x85" "ack", "ack", 1 },             /* ✅ack */
	{ "\xef\xbd\x81\xef\xbd\x83\xef\xbd\x8b", "ack", 0 }, /* fullwidth ａｃｋ */
	{ "acknowledge", "ack", 0 },
	{ "ack-ed", "ack", 0 },
	{ "-ack", "ack", 0 },
	{ "xack", "ack", 0 },
	{ "Xack", "ack", 0 },
	{ "ack1", "ack", 0 },
	{ "1ack", "ack", 0 },
	{ "backpack", "ack", 0 },
	{ "ac k", "ack", 0 },
	{ "ac", "ack", 0 },
	{ "", "ack", 0 },
	{ "acked", "ack", 0 },
	{ "ackack ack", "ack", 1 },
	{ "ackack", "ack", 0 },
	{ "day1-complete", "day1-complete", 1 },
	{ "Day1-Complete!", "day1-complete", 1 },
	{ "DAY1-COMPLETE", "day1-complete", 1 },
	{ "done: day1-complete.", "day1-complete", 1 },
	{ "day1-completed", "day1-complete", 0 },
	{ "day1-complete-ish", "day1-complete", 0 },
	{ "preday1-complete", "day1-complete", 0 },
	{ "my-day1-complete", "day1-complete", 0 },
	{ "day1 complete", "day1-complete", 0 },
	{ "day1complete", "day1-complete", 0 },
	{ "day1-complete2", "day1-complete", 0 },
};

static const struct {
	const char *title;
	long want;
} challenges[] = {
	{ "Challenge 1", 1 },
	{ "Challenge 1: Find your way around", 1 },
	{ "challenge 7", 7 },
	{ "CHALLENGE 12 - merge conflicts", 12 },
	{ "Day 1, Challenge 3", 3 },
	{ "[Challenge 4] labels", 4 },
	{ "Mini-Challenge 5", 5 },
	{ "Challenge  6", 6 },
	{ "Challenge\t8", 8 },
	{ "Challenge 009", 9 },
	{ "Challenge 0", 0 },
	{ "Challenge 3b", 3 },
	{ "Challenge 2 (after Challenge 1)", 2 },
	{ "Challenge #3", -1 },
	{ "Challenge3", -1 },
	{ "Challenges 3", -1 },
	{ "Subchallenge 3", -1 },
	{ "Challenge", -1 },
	{ "Challenge ", -1 },
	{ "Challenge one", -1 },
	{ "Challenge 1234567890", -1 },
	{ "Challenge 123456789", 123456789 },
	{ "Challenge one, then Challenge 2", 2 },
	{ "", -1 },
};

static const struct {
	const char *body, *want;        /* want: the refs, comma-separated */
} closing[] = {
	{ "Fixes #12", "12" },
	{ "fixes #12", "12" },
	{ "FIXES #12", "12" },
	{ "fix #1", "1" },
	{ "fixed #2", "2" },
	{ "close #3", "3" },
	{ "closes #4", "4" },
	{ "Closed #5", "5" },
	{ "resolve #6", "6" },
	{ "Resolves #7", "7" },
	{ "resolved #8", "8" },
	{ "Fixes  #9", "9" },
	{ "Fixes\t#10", "10" },
	{ "Fixes #12.", "12" },
	{ "(fixes #12)", "12" },
	{ "This PR\r\nCloses #3\r\n", "3" },
	{ "Closes #1, closes #2 and fixes #3", "1,2,3" },
	{ "Closes #1, #2", "1" },
	{ "fix: #12", "" },
	{ "Fixes: #12", "" },
	{ "closes#12", "" },
	{ "Fixes # 12", "" },
	{ "Fixes #", "" },
	{ "Fixes #12abc", "" },
	{ "Fixes #12_", "" },
	{ "Fixes owner/repo#12", "" },
	{ "Fixes https://github.com/o/r/issues/12", "" },
	{ "prefixes #12", "" },
	{ "re-fixes #12", "" },
	{ "fixing #12", "" },
	{ "fixes2 #12", "" },
	{ "Fixes\n#12", "" },
	{ "Fixes #1234567890", "" },
	{ "#12 fixes", "" },
	{ "", "" },
	{ "fixes", "" },
	{ "fixes ", "" },
};

/*
 * Derivation: a snapshot, and the status, rule, last_signal_at and
 * challenges that must come out.
 */
static const struct {
	const char *name, *snap, *status, *rule, *last, *challenges;
} derive[] = {
	{ "nothing: awaiting-ack",
	  "{\"key\":\"a@@c\",\"github_handle\":\"alice\"}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "ack word by the learner",
	  "{\"key\":\"a@@c\",\"github_handle\":\"alice\",\"comments\":[{\"body\":\"ack!\",\"user\":\"alice\",\"created_at\":\"2026-09-01T10:00:00Z\"}]}",
	  "active-day1", "comment:ack", "2026-09-01T10:00:00Z", "" },
	{ "ack word: author compared case-insensitively, '@' ignored",
	  "{\"key\":\"a@@c\",\"github_handle\":\"@Alice\",\"comments\":[{\"body\":\"Ack.\",\"user\":{\"login\":\"ALICE\"}}]}",
	  "active-day1", "comment:ack", NULL, "" },
	{ "ack word by someone else does not count",
	  "{\"key\":\"a@@c\",\"github_handle\":\"alice\",\"comments\":[{\"body\":\"reply ack when ready\",\"user\":\"facilitator\",\"created_at\":\"2026-09-01T10:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "comment without author counts",
	  "{\"key\":\"a@@c\",\"github_handle\":\"alice\",\"comments\":[{\"body\":\"ack\"}]}",
	  "active-day1", "comment:ack", NULL, "" },
	{ "escaped newline before the word",
	  "{\"key\":\"a@@c\",\"comments\":[{\"body\":\"hello\\nack\"}]}",
	  "active-day1", "comment:ack", NULL, "" },
	{ "escaped unicode around the word",
	  "{\"key\":\"a@@c\",\"comments\":[{\"body\":\"\\u00e9ack\\u2705\"}]}",
	  "active-day1", "comment:ack", NULL, "" },
	{ "acknowledge is not ack",
	  "{\"key\":\"a@@c\",\"comments\":[{\"body\":\"I acknowledge\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "acked label, any case",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":1,\"title\":\"Welcome\",\"state\":\"open\",\"labels\":[{\"name\":\"ACKED\"}]}]}",
	  "active-day1", "label:acked", NULL, "" },
	{ "label must match exactly",
	  "{\"key\":\"a@@c\",\"labels\":[\"acked \",\"not-acked\",\"day1-completed\",\"needs-info-later\"]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "closed challenge issue",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":3,\"title\":\"Challenge 2: branches\",\"state\":\"closed\",\"closed_at\":\"2026-09-02T08:00:00Z\"}]}",
	  "active-day1", "challenge", "2026-09-02T08:00:00Z", "2" },
	{ "open challenge issue is not completed",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":3,\"title\":\"Challenge 2\",\"state\":\"open\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "closed as not planned is not completed",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":3,\"title\":\"Challenge 2\",\"state\":\"closed\",\"state_reason\":\"not_planned\",\"closed_at\":\"2026-09-02T08:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "closed pull request titled Challenge is not a challenge",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":4,\"title\":\"Challenge 2\",\"state\":\"closed\",\"pull_request\":{\"merged_at\":null}}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "no state: closed_at says closed",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":3,\"title\":\"challenge 5\",\"closed_at\":\"2026-09-02T08:00:00Z\"}]}",
	  "active-day1", "challenge", "2026-09-02T08:00:00Z", "5" },
	{ "merged pull request closes an open challenge issue",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":7,\"title\":\"Challenge 4\",\"state\":\"open\"}],"
	  "\"pulls\":[{\"number\":8,\"body\":\"Fixes #7\",\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "active-day1", "challenge", "2026-09-03T09:00:00Z", "4" },
	{ "unmerged pull request closes nothing",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":7,\"title\":\"Challenge 4\",\"state\":\"open\"}],"
	  "\"pulls\":[{\"number\":8,\"body\":\"Fixes #7\",\"merged_at\":null,\"state\":\"closed\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "merged: true counts as merged",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":7,\"title\":\"Challenge 4\",\"state\":\"open\"}],"
	  "\"pulls\":[{\"number\":8,\"body\":\"closes #7\",\"merged\":true}]}",
	  "active-day1", "challenge", NULL, "4" },
	{ "fix: #7 is not a closing keyword",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":7,\"title\":\"Challenge 4\",\"state\":\"open\"}],"
	  "\"pulls\":[{\"number\":8,\"body\":\"fix: #7\",\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "closing a non-challenge issue completes nothing",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":7,\"title\":\"Typo\",\"state\":\"open\"}],"
	  "\"pulls\":[{\"number\":8,\"body\":\"Fixes #7\",\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "closing an unknown issue completes nothing",
	  "{\"key\":\"a@@c\",\"pulls\":[{\"number\":8,\"body\":\"Fixes #99\",\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "closing a pull request completes nothing",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":7,\"title\":\"Challenge 4\",\"state\":\"open\",\"pull_request\":{}}],"
	  "\"pulls\":[{\"number\":8,\"body\":\"Fixes #7\",\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "challenges sorted and unique",
	  "{\"key\":\"a@@c\",\"issues\":["
	  "{\"number\":1,\"title\":\"Challenge 3\",\"state\":\"closed\"},"
	  "{\"number\":2,\"title\":\"Challenge 1\",\"state\":\"closed\"},"
	  "{\"number\":5,\"title\":\"Challenge 3 again\",\"state\":\"closed\"},"
	  "{\"number\":6,\"title\":\"Challenge 10\",\"state\":\"open\"}],"
	  "\"pulls\":[{\"body\":\"Fixes #6 and fixes #2\",\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "active-day1", "challenge", "2026-09-03T09:00:00Z", "1,3,10" },
	{ "day1-complete word",
	  "{\"key\":\"a@@c\",\"comments\":[{\"body\":\"ack\"},{\"body\":\"Day1-Complete!\"}]}",
	  "day1-complete", "comment:day1-complete", NULL, "" },
	{ "day1-completed is not the word",
	  "{\"key\":\"a@@c\",\"comments\":[{\"body\":\"day1-completed\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "day1-complete label on a closed issue",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":1,\"title\":\"x\",\"state\":\"closed\",\"labels\":[\"Day1-Complete\"]}]}",
	  "day1-complete", "label:day1-complete", NULL, "" },
	{ "day2-only path",
	  "{\"key\":\"a@@c\",\"path\":\"day2-only\"}",
	  "day1-complete", "path:day2-only", NULL, "" },
	{ "day1-day2 path alone is nothing",
	  "{\"key\":\"a@@c\",\"path\":\"day1-day2\"}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "day2-released label beats day1-complete",
	  "{\"key\":\"a@@c\",\"path\":\"day2-only\",\"labels\":[\"day2-released\",\"day1-complete\"],\"comments\":[{\"body\":\"ack\"}]}",
	  "day2-released", "label:day2-released", NULL, "" },
	{ "needs-info beats everything",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":1,\"title\":\"Q\",\"state\":\"open\",\"labels\":[\"Needs-Info\",\"day2-released\"]}]}",
	  "needs-info", "label:needs-info", NULL, "" },
	{ "needs-info on a closed issue is cleared",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":1,\"title\":\"Q\",\"state\":\"closed\",\"labels\":[\"needs-info\",\"acked\"]}]}",
	  "active-day1", "label:acked", NULL, "" },
	{ "needs-info on an open pull request counts",
	  "{\"key\":\"a@@c\",\"issues\":[{\"number\":1,\"title\":\"Q\",\"state\":\"open\",\"pull_request\":{},\"labels\":[\"needs-info\"]}]}",
	  "needs-info", "label:needs-info", NULL, "" },
	{ "last_signal_at: the latest of comments, closings, merges",
	  "{\"key\":\"a@@c\",\"github_handle\":\"al\",\"comments\":["
	  "{\"body\":\"hi\",\"user\":\"al\",\"created_at\":\"2026-09-01T10:00:00Z\"},"
	  "{\"body\":\"hi\",\"user\":\"bob\",\"created_at\":\"2026-09-09T10:00:00Z\"},"
	  "{\"body\":\"hi\",\"user\":\"al\",\"created_at\":\"2026-09-04T10:00:00.5Z\"},"
	  "{\"body\":\"hi\",\"user\":\"al\",\"created_at\":\"2026-09-04T10:00:00Z\"},"
	  "{\"body\":\"hi\",\"user\":\"al\",\"created_at\":\"not a time\"}],"
	  "\"issues\":[{\"number\":1,\"title\":\"Challenge 1\",\"state\":\"closed\",\"closed_at\":\"2026-09-03T00:00:00Z\"},"
	  "{\"number\":2,\"title\":\"Other\",\"state\":\"closed\",\"closed_at\":\"2026-09-08T00:00:00Z\"}]}",
	  "active-day1", "challenge", "2026-09-04T10:00:00.5Z", "1" },
	{ "key made from handle and cohort",
	  "{\"github_handle\":\"@Alice\",\"cohort_id\":\"  Spring \"}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "null members are absent",
	  "{\"key\":\"a@@c\",\"comments\":null,\"issues\":null,\"pulls\":null,\"labels\":null,\"path\":null}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "unknown members are ignored",
	  "{\"key\":\"a@@c\",\"repo\":\"o/r\",\"extra\":[1,{\"a\":2}]}",
	  "awaiting-ack", NULL, NULL, "" },
	{ "pull request body null",
	  "{\"key\":\"a@@c\",\"pulls\":[{\"number\":1,\"body\":null,\"merged_at\":\"2026-09-03T09:00:00Z\"}]}",
	  "awaiting-ack", NULL, NULL, "" },
};

static const struct {
	const char *name, *snap, *why;
} bad[] = {
	{ "not an object", "[]", "snapshot is not an object" },
	{ "no key", "{\"github_handle\":\"a\"}", "snapshot has no key and no cohort_id" },
	{ "no key, no handle", "{}", "snapshot has no key and no github_handle" },
	{ "comments not an array", "{\"key\":\"k\",\"comments\":{}}", "'comments' is not an array" },
	{ "issue not an object", "{\"key\":\"k\",\"issues\":[1]}", "issue is not an object" },
	{ "issue number a string", "{\"key\":\"k\",\"issues\":[{\"number\":\"1\"}]}", "issue number is not an integer" },
	{ "label a number", "{\"key\":\"k\",\"labels\":[1]}", "label is not a string" },
	{ "body a number", "{\"key\":\"k\",\"comments\":[{\"body\":1}]}", "comment body is not a string" },
	{ "user a number", "{\"key\":\"k\",\"comments\":[{\"user\":1}]}", "comment user is not a string" },
};

/* A C-escaped copy of s for a test name: TAP names are one line. */
static const char *
esc(const char *s)
{
	static char out[4][512];
	static int turn;
	char *o = out[turn++ % 4];
	size_t n = 0;

	for (; *s && n < 500; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n')
			n += (size_t)snprintf(o + n, 512 - n, "\\n");
		else if (c == '\r')
			n += (size_t)snprintf(o + n, 512 - n, "\\r");
		else if (c == '\t')
			n += (size_t)snprintf(o + n, 512 - n, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(o + n, 512 - n, "\\x%02x", c);
		else
			o[n++] = (char)c;
	}
	o[n] = '\0';
	return o;
}

static void
join(char *dst, size_t size, const long *v, size_t n)
{
	size_t k, len = 0;

	dst[0] = '\0';
	for (k = 0; k < n && len < size; k++)
		len += (size_t)snprintf(dst + len, size - len, "%s%ld",
		    k ? "," : "", v[k]);
}

static void
test_derive(void)
{
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_progress p;
	const char *why;
	char name[256], got[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof derive / sizeof derive[0]; i++) {
		if (glow_json_parse(&doc, derive[i].snap, strlen(derive[i].snap),
		    &err) < 0) {
			snprintf(name, sizeof name, "%s: parses (%s at %zu)",
			    derive[i].name, err.reason, err.offset);
			ok(0, name);
			continue;
		}
		rc = glow_progress_derive(&doc, 0, &p, &why);
		snprintf(name, sizeof name, "%s: derives", derive[i].name);
		if (!ok(rc == 0, name))
			printf("#   why: %s\n", why);
		snprintf(name, sizeof name, "%s: status", derive[i].name);
		is_str(glow_progress_status_name(p.status), derive[i].status, name);
		snprintf(name, sizeof name, "%s: rule", derive[i].name);
		is_str(p.rule ? glow_progress_signal_name(p.rule) : NULL,
		    derive[i].rule, name);
		snprintf(name, sizeof name, "%s: last_signal_at", derive[i].name);
		is_str(p.last_signal_at[0] ? p.last_signal_at : NULL,
		    derive[i].last, name);
		snprintf(name, sizeof name, "%s: challenges", derive[i].name);
		join(got, sizeof got, p.challenges, p.nchallenges);
		is_str(got, derive[i].challenges, name);
		glow_progress_free(&p);
		glow_json_free(&doc);
	}
}

static void
test_key_and_output(void)
{
	static const char snap[] =
	    "{\"github_handle\":\"@Alice\",\"cohort_id\":\"  Spring \","
	    "\"labels\":[\"acked\"],\"comments\":[{\"body\":\"ack\",\"created_at\":\"2026-09-01T10:00:00Z\"}],"
	    "\"issues\":[{\"number\":1,\"title\":\"Challenge 2\",\"state\":\"closed\"}]}";
	static const char want[] =
	    "{\"key\":\"alice@@Spring\",\"status\":\"active-day1\","
	    "\"last_signal_at\":\"2026-09-01T10:00:00Z\",\"evidence\":{"
	    "\"rule\":\"label:acked\",\"signals\":[\"label:acked\",\"comment:ack\","
	    "\"challenge\"],\"challenges\":[2]}}";
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_progress p;
	struct glow_buf out = GLOW_BUF_INIT;
	struct glow_jw w;
	const char *why;

	if (!ok(glow_json_parse(&doc, snap, strlen(snap), &err) == 0,
	    "output snapshot parses"))
		return;
	is_int(glow_progress_derive(&doc, 0, &p, &why), 0, "output: derives");
	is_str(p.key, "alice@@Spring", "key: handle folded, '@' dropped, cohort trimmed");
	glow_jw_init(&w, &out, 0);
	glow_progress_write(&w, &p);
	is_mem(out.p, out.len, want, strlen(want), "output: the derive line");
	glow_buf_free(&out);
	glow_progress_free(&p);
	glow_json_free(&doc);

	/* A derived nothing writes nulls. */
	if (glow_json_parse(&doc, "{\"key\":\"k\"}", 11, &err) < 0)
		return;
	glow_progress_derive(&doc, 0, &p, &why);
	glow_jw_init(&w, &out, 0);
	glow_progress_write(&w, &p);
	is_str(out.p, "{\"key\":\"k\",\"status\":\"awaiting-ack\",\"last_signal_at\":null,"
	    "\"evidence\":{\"rule\":null,\"signals\":[],\"challenges\":[]}}",
	    "output: nothing derived");
	glow_buf_free(&out);
	glow_progress_free(&p);
	glow_json_free(&doc);
}

static void
test_bad(void)
{
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_progress p;
	const char *why;
	char name[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (glow_json_parse(&doc, bad[i].snap, strlen(bad[i].snap), &err) < 0) {
			ok(0, bad[i].name);
			continue;
		}
		snprintf(name, sizeof name, "malformed, %s: refused", bad[i].name);
		is_int(glow_progress_derive(&doc, 0, &p, &why), -1, name);
		snprintf(name, sizeof name, "malformed, %s: reason", bad[i].name);
		is_str(why, bad[i].why, name);
		glow_progress_free(&p);
		glow_json_free(&doc);
	}
}

static void
test_many_refs(void)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_progress p;
	const char *why;
	int i;

	/* More closing references than fit the fast path. */
	glow_buf_adds(&b, "{\"key\":\"k\",\"issues\":[{\"number\":500,"
	    "\"title\":\"Challenge 9\",\"state\":\"open\"}],\"pulls\":[{\"merged\":true,\"body\":\"");
	for (i = 0; i < 200; i++)
		glow_buf_printf(&b, "fixes #%d ", i);
	glow_buf_adds(&b, "fixes #500\"}]}");
	if (glow_json_parse(&doc, b.p, b.len, &err) < 0) {
		ok(0, "many refs parse");
		return;
	}
	is_int(glow_progress_derive(&doc, 0, &p, &why), 0, "many refs: derives");
	is_int(p.nchallenges == 1 ? p.challenges[0] : -1, 9,
	    "many refs: the 201st reference counts");
	glow_progress_free(&p);
	glow_json_free(&doc);
	glow_buf_free(&b);
}

static const char apply_roster[] = "{\"version\": 1, \"cohorts\": [], \"learners\": ["
    "{\"github_handle\": \"alice\", \"cohort_id\": \"s\", \"status\": \"awaiting-ack\"},"
    "{\"github_handle\": \"bob\", \"cohort_id\": \"s\", \"status\": \"day2-released\","
    " \"last_signal_at\": \"2026-09-05T00:00:00.000Z\"},"
    "{\"github_handle\": \"carol\", \"cohort_id\": \"s\", \"status\": \"active-day1\","
    " \"last_signal_at\": \"2026-09-05T00:00:00.000Z\"}]}";

/* Add one derive output line; the result of glow_progress_apply_add(). */
static int
add_line(struct glow_progress_apply *a, const char *line, const char **why)
{
	struct glow_json doc;
	int rc;

	if (glow_json_parse(&doc, line, strlen(line), NULL) < 0)
		return -2;
	rc = glow_progress_apply_add(a, &doc, 0, why);
	glow_json_free(&doc);
	return rc;
}

static void
test_apply(void)
{
	struct glow_progress_apply a;
	struct glow_roster r;
	struct glow_json_error e;
	struct glow_buf sc = GLOW_BUF_INIT, md = GLOW_BUF_INIT;
	const char *why = NULL, *v;
	size_t n;
	long i;

	memset(&a, 0, sizeof a);
	is_int(add_line(&a, "{\"key\": \"a\", \"status\": \"bogus\"}", &why), -1,
	    "apply_add: a bad status is refused");
	is_str(why, "no valid status", "apply_add: ... and why");
	is_int(add_line(&a, "{\"key\": \"a\", \"status\": \"active-day1\", \"last_signal_at\": 1}",
	    &why), -1, "apply_add: a bad last_signal_at is refused");
	is_int(add_line(&a, "{\"status\": \"active-day1\"}", &why), -1, "apply_add: no key");
	is_str(why, "no key", "apply_add: ... and why");
	is_int((long long)a.n, 0, "apply_add: refused lines are not kept");
	is_int(add_line(&a, "{\"key\": \"carol@@s\", \"status\": \"day1-complete\","
	    " \"last_signal_at\": \"2026-09-01T00:00:00Z\"}", &why), 0, "apply_add: carol");
	is_int(add_line(&a, "{\"key\": \"alice@@s\", \"status\": \"day1-complete\"}", &why),
	    0, "apply_add: alice, first line");
	is_int(add_line(&a, "{\"key\": \"alice@@s\", \"status\": \"active-day1\","
	    " \"last_signal_at\": \"2026-09-02T00:00:00Z\"}", &why), 0, "apply_add: alice, last line");
	is_int(add_line(&a, "{\"key\": \"bob@@s\", \"status\": \"active-day1\"}", &why), 0,
	    "apply_add: bob");
	is_int(add_line(&a, "{\"key\": \"zed@@s\", \"status\": \"active-day1\"}", &why), 0,
	    "apply_add: zed");

	is_int(glow_roster_load(&r, apply_roster, strlen(apply_roster), &e), 0,
	    "apply: the roster loads");
	is_int(glow_progress_apply(&a, &r), 0, "apply: done");
	is_int((long long)a.nrows, 4, "apply: one row per key");
	is_str(a.rows[0].key, "alice@@s", "apply: rows in key order");
	is_int(a.rows[0].what, GLOW_PROGRESS_MOVED, "apply: alice moved");
	is_int(a.rows[0].to, GLOW_PROGRESS_ACTIVE_DAY1, "apply: the last line for a key counts");
	is_int(a.rows[1].what, GLOW_PROGRESS_HELD, "apply: bob would move backwards");
	is_str(a.rows[1].from, "day2-released", "apply: the status recorded");
	is_int(a.rows[2].what, GLOW_PROGRESS_MOVED, "apply: carol moved");
	is_int(a.rows[3].what, GLOW_PROGRESS_UNKNOWN, "apply: zed is not in the roster");
	ok(a.count[GLOW_PROGRESS_MOVED] == 2 && a.count[GLOW_PROGRESS_HELD] == 1 &&
	    a.count[GLOW_PROGRESS_SAME] == 0 && a.count[GLOW_PROGRESS_UNKNOWN] == 1,
	    "apply: the counts");
	i = glow_roster_find(&r, "alice@@s", 8);
	v = glow_roster_get(&r, (size_t)i, GLOW_RF_STATUS, &sc, &n);
	is_mem(v, n, "active-day1", 11, "apply: alice's status written");
	v = glow_roster_get(&r, (size_t)i, GLOW_RF_SIGNAL, &sc, &n);
	is_mem(v, n, "2026-09-02T00:00:00Z", 20, "apply: alice's last signal written");
	i = glow_roster_find(&r, "carol@@s", 8);
	v = glow_roster_get(&r, (size_t)i, GLOW_RF_SIGNAL, &sc, &n);
	is_mem(v, n, "2026-09-05T00:00:00.000Z", 24, "apply: a later last signal stays");
	i = glow_roster_find(&r, "bob@@s", 6);
	v = glow_roster_get(&r, (size_t)i, GLOW_RF_STATUS, &sc, &n);
	is_mem(v, n, "day2-released", 13, "apply: bob's status kept");

	glow_progress_apply_summary(&a, 1, &md);
	glow_buf_addc(&md, '\0');
	is_str(md.p, "### glow-progress apply (dry run)\n\n"
	    "2 moved, 0 unchanged, 1 kept, 1 not in the roster.\n\n"
	    "| learner | from | to | result |\n|---|---|---|---|\n"
	    "| alice@@s | awaiting-ack | active-day1 | moved |\n"
	    "| bob@@s | day2-released | active-day1 | kept: would move backwards |\n"
	    "| carol@@s | active-day1 | day1-complete | moved |\n"
	    "| zed@@s |  | active-day1 | not in the roster |\n\n",
	    "apply: the step summary");
	is_str(glow_progress_outcome_name(GLOW_PROGRESS_SAME), "unchanged", "outcome names");
	glow_buf_free(&md);
	glow_buf_free(&sc);
	glow_roster_free(&r);
	glow_progress_apply_free(&a);
}

static void
test_snapshot(void)
{
	struct glow_roster r;
	struct glow_json_error e;
	struct glow_json is, cs, ps;
	struct glow_buf out = GLOW_BUF_INIT, sc = GLOW_BUF_INIT;
	struct glow_jw w;
	const char *roster = "{\"version\": 1, \"cohorts\": [], \"learners\": ["
	    "{\"github_handle\": \"@Alice\", \"cohort_id\": \" s \"}]}";
	const char *issues = "[{\"number\": 1, \"title\": \"Challenge 1\", \"state\": \"closed\","
	    " \"closed_at\": \"2026-09-01T00:00:00Z\", \"labels\": [{\"name\": \"acked\"}, \"raw\", 3],"
	    " \"user\": {\"login\": \"t\"}},"
	    " {\"number\": 2, \"state\": \"closed\", \"user\": null, \"body\": \"Fixes #1\","
	    " \"pull_request\": {\"merged_at\": \"2026-09-02T00:00:00Z\"}}]";
	const char *comments = "[{\"user\": {\"login\": \"alice\"}, \"created_at\": \"x\", \"body\": \"ack\","
	    " \"id\": 9}]";
	const char *pulls = "[{\"number\": 2, \"state\": \"closed\", \"merged_at\": null,"
	    " \"user\": {\"login\": \"alice\"}, \"body\": null}]";

	is_int(glow_roster_load(&r, roster, strlen(roster), &e), 0, "snapshot: the roster loads");
	glow_json_parse(&is, issues, strlen(issues), NULL);
	glow_json_parse(&cs, comments, strlen(comments), NULL);
	glow_json_parse(&ps, pulls, strlen(pulls), NULL);
	is_int(glow_progress_snapshot_needs_pulls(&is), 0,
	    "snapshot: pull requests with merged_at need no pulls list");
	glow_jw_init(&w, &out, 0);
	glow_progress_snapshot(&w, &r, 0, "o/r", &is, &cs, NULL, &sc);
	glow_buf_addc(&out, '\0');
	is_str(out.p, "{\"key\":\"alice@@s\",\"github_handle\":\"Alice\",\"cohort_id\":\"s\","
	    "\"path\":\"day1-day2\",\"repo\":\"o/r\","
	    "\"issues\":[{\"number\":1,\"title\":\"Challenge 1\",\"state\":\"closed\","
	    "\"state_reason\":null,\"closed_at\":\"2026-09-01T00:00:00Z\","
	    "\"labels\":[\"acked\",\"raw\"],\"pull_request\":false},"
	    "{\"number\":2,\"title\":null,\"state\":\"closed\",\"state_reason\":null,"
	    "\"closed_at\":null,\"labels\":[],\"pull_request\":true}],"
	    "\"comments\":[{\"user\":\"alice\",\"created_at\":\"x\",\"body\":\"ack\"}],"
	    "\"pulls\":[{\"number\":2,\"state\":\"closed\",\"merged_at\":\"2026-09-02T00:00:00Z\","
	    "\"user\":\"\",\"body\":\"Fixes #1\"}]}",
	    "snapshot: pull requests from the issues list");
	glow_buf_reset(&out);
	glow_jw_init(&w, &out, 0);
	glow_progress_snapshot(&w, &r, 0, "o/r", &is, &cs, &ps, &sc);
	glow_buf_addc(&out, '\0');
	ok(strstr(out.p, "\"pulls\":[{\"number\":2,\"state\":\"closed\",\"merged_at\":null,"
	    "\"user\":\"alice\",\"body\":null}]}") != NULL,
	    "snapshot: pull requests from the pulls list when given");
	glow_json_free(&is);
	issues = "[{\"number\": 2, \"pull_request\": {\"url\": \"u\"}}]";
	glow_json_parse(&is, issues, strlen(issues), NULL);
	is_int(glow_progress_snapshot_needs_pulls(&is), 1,
	    "snapshot: a pull request without merged_at needs the pulls list");
	glow_json_free(&is);
	glow_json_free(&cs);
	glow_json_free(&ps);
	glow_buf_free(&out);
	glow_buf_free(&sc);
	glow_roster_free(&r);
}

int
main(void)
{
	char name[256], got[256];
	long refs[16];
	size_t i, n;

	for (i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		snprintf(name, sizeof name, "token '%s' in \"%s\": %s",
		    tokens[i].word, esc(tokens[i].text), tokens[i].want ? "yes" : "no");
		is_int(glow_progress_has_token(tokens[i].text,
		    strlen(tokens[i].text), tokens[i].word), tokens[i].want, name);
	}
	for (i = 0; i < sizeof challenges / sizeof challenges[0]; i++) {
		snprintf(name, sizeof name, "challenge in \"%s\"", esc(challenges[i].title));
		is_int(glow_progress_challenge(challenges[i].title,
		    strlen(challenges[i].title)), challenges[i].want, name);
	}
	for (i = 0; i < sizeof closing / sizeof closing[0]; i++) {
		n = glow_progress_closing_refs(closing[i].body,
		    strlen(closing[i].body), refs, 16);
		join(got, sizeof got, refs, n);
		snprintf(name, sizeof name, "closing refs in \"%s\"", esc(closing[i].body));
		is_str(got, closing[i].want, name);
	}
	n = glow_progress_closing_refs("fixes #1 fixes #2 fixes #3", 26, refs, 2);
	is_int((long long)n, 3, "closing refs: count beyond max");
	is_int(refs[1], 2, "closing refs: the first max stored");

	ok(glow_progress_is_timestamp("2026-09-01T10:00:00Z", 20), "timestamp: plain");
	ok(glow_progress_is_timestamp("2026-09-01T10:00:00.123Z", 24), "timestamp: fraction");
	ok(!glow_progress_is_timestamp("2026-09-01T10:00:00.Z", 21), "timestamp: empty fraction");
	ok(!glow_progress_is_timestamp("2026-09-01T10:00:00+00:00", 25), "timestamp: offset refused");
	ok(!glow_progress_is_timestamp("2026-09-01 10:00:00Z", 20), "timestamp: space refused");
	ok(!glow_progress_is_timestamp("2026-09-01", 10), "timestamp: date only refused");
	ok(glow_progress_timecmp("2026-09-01T10:00:00.5Z", "2026-09-01T10:00:00Z") > 0,
	    "timecmp: a fraction is later");
	ok(glow_progress_timecmp("2026-09-01T10:00:00.50Z", "2026-09-01T10:00:00.5Z") == 0,
	    "timecmp: trailing zeros equal");
	ok(glow_progress_timecmp("2026-09-01T09:59:59.9Z", "2026-09-01T10:00:00Z") < 0,
	    "timecmp: seconds first");

	for (i = 0; i <= GLOW_PROGRESS_NEEDS_INFO; i++) {
		const char *s = glow_progress_status_name((int)i);

		snprintf(name, sizeof name, "status %s round-trips", s);
		is_int(glow_progress_status_parse(s, strlen(s)), (long long)i, name);
	}
	is_int(glow_progress_status_parse("Active-Day1", 11), -1, "status parse is exact");
	ok(glow_progress_status_name(5) == NULL, "status 5 has no name");

	{
		static const struct { int from, to, want; } mv[] = {
			{ GLOW_PROGRESS_AWAITING_ACK, GLOW_PROGRESS_ACTIVE_DAY1, 1 },
			{ GLOW_PROGRESS_ACTIVE_DAY1, GLOW_PROGRESS_ACTIVE_DAY1, 1 },
			{ GLOW_PROGRESS_DAY2_RELEASED, GLOW_PROGRESS_ACTIVE_DAY1, 0 },
			{ GLOW_PROGRESS_DAY1_COMPLETE, GLOW_PROGRESS_AWAITING_ACK, 0 },
			{ GLOW_PROGRESS_DAY2_RELEASED, GLOW_PROGRESS_NEEDS_INFO, 1 },
			{ GLOW_PROGRESS_NEEDS_INFO, GLOW_PROGRESS_AWAITING_ACK, 1 },
			{ GLOW_PROGRESS_NEEDS_INFO, GLOW_PROGRESS_DAY2_RELEASED, 1 },
			{ -1, GLOW_PROGRESS_AWAITING_ACK, 1 },
		};
		for (i = 0; i < sizeof mv / sizeof mv[0]; i++) {
			snprintf(name, sizeof name, "may move %s -> %s: %s",
			    mv[i].from < 0 ? "(unknown)" : glow_progress_status_name(mv[i].from),
			    glow_progress_status_name(mv[i].to), mv[i].want ? "yes" : "no");
			is_int(glow_progress_may_move(mv[i].from, mv[i].to), mv[i].want, name);
		}
	}

	test_derive();
	test_key_and_output();
	test_bad();
	test_many_refs();
	test_apply();
	test_snapshot();
	return done_testing();
}
