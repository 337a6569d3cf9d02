/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/roster/roster.c, lib/roster/rosterselect.c, lib/roster/rosterstats.c and
 * lib/roster/intake.c: the rules, table-driven. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/isotime.h"
#include "tap.h"
#include "roster/intake.h"
#include "roster/roster.h"
#include "roster/rosterselect.h"
#include "roster/rosterstats.h"

static void
test_handles(void)
{
	static const struct {
		const char *s;
		int ok;
		const char *why;
	} t[] = {
		{ "a", 1, "1 character" },
		{ "abcdefghijklmnopqrstuvwxyz0123456789ABC", 1, "39 characters" },
		{ "abcdefghijklmnopqrstuvwxyz0123456789ABCD", 0, "40 characters" },
		{ "@abcdefghijklmnopqrstuvwxyz0123456789ABC", 1, "@ and 39" },
		{ "", 0, "empty" },
		{ "@", 0, "only @" },
		{ "-alice", 0, "leading hyphen" },
		{ "alice-", 0, "trailing hyphen" },
		{ "al--ice", 0, "double hyphen" },
		{ "al-ice", 1, "inner hyphen" },
		{ "a-b-c", 1, "two single hyphens" },
		{ "@alice", 1, "one leading @" },
		{ "@@alice", 0, "two leading @ (only one is stripped)" },
		{ "al@ice", 0, "inner @" },
		{ "al_ice", 0, "underscore" },
		{ "al.ice", 0, "dot" },
		{ "alice\n", 0, "trailing newline" },
		{ " alice", 0, "leading space" },
		{ "al\xc3\xaf" "ce", 0, "non-ASCII (i diaeresis)" },
		{ "ALICE42", 1, "upper case and digits" },
		{ "4", 1, "one digit" },
	};
	size_t i;
	char name[128];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "handle rule: %s", t[i].why);
		is_int(glow_roster_handle_ok(t[i].s, strlen(t[i].s)), t[i].ok, name);
	}
}

static void
test_keys(void)
{
	static const struct {
		const char *h, *c, *key, *why;
	} t[] = {
		{ "Alice", "spring", "alice@@spring", "handle folded" },
		{ "@Alice", "spring", "alice@@spring", "@ stripped" },
		{ "alice", "Spring", "alice@@Spring", "cohort case kept" },
		{ "alice", "  spring\t", "alice@@spring", "cohort trimmed" },
		{ "alice", "\xc2\xa0spring\xe2\x80\xa8", "alice@@spring",
		    "cohort trimmed of NBSP and U+2028 (as JavaScript trim)" },
		{ "alice", "spr ing", "alice@@spr ing", "inner space kept" },
	};
	struct glow_buf b = GLOW_BUF_INIT;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		glow_buf_reset(&b);
		glow_roster_key(&b, t[i].h, strlen(t[i].h), t[i].c, strlen(t[i].c));
		snprintf(name, sizeof name, "key: %s", t[i].why);
		is_str(b.p, t[i].key, name);
	}
	glow_buf_free(&b);
}

static void
test_repo_names(void)
{
	static const struct {
		const char *c, *h, *name, *why;
	} t[] = {
		{ "spring", "Alice", "learning-room-spring-alice", "lower-cased" },
		{ "Spring 2026", "bob", "learning-room-spring-2026-bob", "space to -" },
		{ "s.1", "a-b", "learning-room-s-1-a-b", "dot to -" },
		{ "caf\xc3\xa9", "x", "learning-room-caf--x", "one - per BMP character" },
		{ "\xf0\x9f\x98\x80", "x", "learning-room----x", "two - beyond U+FFFF" },
		{ " spring ", "@x", "learning-room-spring-x", "trimmed, @ stripped" },
	};
	struct glow_buf b = GLOW_BUF_INIT;
	size_t i;
	char name[128];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		glow_buf_reset(&b);
		glow_roster_repo_name(&b, t[i].c, strlen(t[i].c), t[i].h, strlen(t[i].h));
		snprintf(name, sizeof name, "repository name: %s", t[i].why);
		is_str(b.p, t[i].name, name);
	}
	glow_buf_free(&b);
}

static void
test_times(void)
{
	static const struct {
		const char *s;
		int ok;
	} t[] = {
		{ "2026-03-01T10:00:00.000Z", 1 },
		{ "2026-03-01T10:00:00Z", 1 },
		{ "2026-03-01T10:00:00.123456+00:00", 1 },
		{ "2024-02-29T00:00:00Z", 1 },
		{ "2026-02-29T00:00:00Z", 0 },
		{ "1900-02-29T00:00:00Z", 0 },
		{ "2000-02-29T00:00:00Z", 1 },
		{ "2026-04-31T00:00:00Z", 0 },
		{ "2026-13-01T00:00:00Z", 0 },
		{ "2026-03-01T24:00:00Z", 0 },
		{ "2026-03-01T10:60:00Z", 0 },
		{ "2026-03-01T10:00:60Z", 0 },
		{ "2026-03-01 10:00:00Z", 0 },
		{ "2026-03-01T10:00:00", 0 },
		{ "2026-03-01T10:00:00+01:00", 0 },
		{ "2026-03-01T10:00:00.Z", 0 },
		{ "2026-03-01T10:00:00.1234567890Z", 0 },
		{ "2026-03-01T10:00:00.000Zx", 0 },
		{ "2026-03-01", 0 },
	};
	size_t i;
	char name[128];

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(name, sizeof name, "time '%s' %s", t[i].s,
		    t[i].ok ? "valid" : "refused");
		is_int(glow_time_ok(t[i].s, strlen(t[i].s)), t[i].ok, name);
	}
	ok(glow_roster_owner_name_ok("Community-Access/glow-admin", 27), "owner/name ok");
	ok(!glow_roster_owner_name_ok("Community-Access/", 17), "owner/ refused");
	ok(!glow_roster_owner_name_ok("a/b/c", 5), "a/b/c refused");
	ok(!glow_roster_owner_name_ok("a/..", 4), "a/.. refused");
	ok(glow_roster_owner_name_ok("a/x.y_z-1", 9), "a/x.y_z-1 ok");
	{
		char now[25];

		glow_now(now, NULL);
		ok(glow_time_ok(now, strlen(now)) && strlen(now) == 24,
		    "glow_now writes toISOString form");
	}
}

/* Load text; returns the problem count, or -1 if not JSON. */
static long
load(struct glow_roster *r, const char *text)
{
	struct glow_json_error e;

	if (glow_roster_load(r, text, strlen(text), &e) < 0)
		return -1;
	return (long)r->nproblems;
}

static int
has_problem(const struct glow_roster *r, const char *s)
{
	return r->problems.p && strstr(r->problems.p, s) != NULL;
}

static void
test_validation(void)
{
	struct glow_roster r;

	is_int(load(&r, "{\"version\": 1, \"cohorts\": [], \"learners\": []}"), 0,
	    "the starter roster is valid");
	glow_roster_free(&r);
	is_int(load(&r, "[1]"), -1, "an array is not a roster");
	is_int(load(&r, "{\"version\": 1,}"), -1, "syntax error refused");

	is_int(load(&r, "{\"version\": 1, \"learners\": ["
	    "{\"github_handle\": \"a\", \"cohort_id\": \"s\", \"status\": \"x\"},"
	    "{\"github_handle\": \"@@b\", \"cohort_id\": \"s\"},"
	    "{\"github_handle\": \"A\", \"cohort_id\": \" s\"}]}"), 3,
	    "every problem reported, not only the first");
	ok(has_problem(&r, "learner 0 (a@@s): status: 'x' is not one of awaiting-ack"),
	    "enum problem names index, key and field");
	ok(has_problem(&r, "learner 1 (@b@@s): github_handle: '@@b' is not a valid"),
	    "@@ handle refused");
	ok(has_problem(&r, "learner 2 (a@@s): duplicate key (also learner 0)"),
	    "duplicate key by folded handle and trimmed cohort");
	glow_roster_free(&r);

	is_int(load(&r, "{\"version\": 1, \"learners\": ["
	    "{\"github_handle\": \"a\", \"cohort_id\": \"S\"},"
	    "{\"github_handle\": \"a\", \"cohort_id\": \"s\"}]}"), 1,
	    "cohorts differing in case: two keys, one repository name");
	ok(has_problem(&r, "repository name 'learning-room-s-a' is also that of learner 0"),
	    "repository-name collision reported");
	glow_roster_free(&r);

	is_int(load(&r, "{\"version\": \"1\", \"learners\": []}"), 1, "version \"1\" refused");
	glow_roster_free(&r);
	is_int(load(&r, "{\"learners\": []}"), 1, "missing version refused");
	glow_roster_free(&r);
	is_int(load(&r, "{\"version\": 1, \"learners\": [{\"github_handle\": \"a\","
	    " \"cohort_id\": \"s\", \"enrollment_issue_number\": 1.5,"
	    " \"registered_at\": \"2026-02-30T00:00:00Z\", \"notes\": null,"
	    " \"path\": \"day3\", \"learning_room_repo\": \"x\"}]}"), 5,
	    "five bad fields, five problems");
	glow_roster_free(&r);
	is_int(load(&r, "{\"version\": 1, \"learners\": [{\"github_handle\": \"a\","
	    " \"cohort_id\": \"s\", \"x\": 1, \"y\": 2, \"x\": 3}]}"), 1,
	    "a repeated unknown field is a problem");
	glow_roster_free(&r);
}

static char *
canon(const char *text)
{
	struct glow_roster r;
	struct glow_buf out = GLOW_BUF_INIT;

	if (load(&r, text) != 0)
		return NULL;
	glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL, NULL,
	    "2030-01-01T00:00:00.000Z");
	glow_roster_free(&r);
	return out.p;
}

static void
test_canonical(void)
{
	char *s;

	s = canon("{\"zz\": true, \"learners\": [{\"notes\": \"n\", \"extra\": [1],"
	    " \"cohort_id\": \"s\", \"github_handle\": \"@B\"},"
	    " {\"github_handle\": \"a\", \"cohort_id\": \"s\"}], \"version\": 1,"
	    " \"generated_at\": \"2026-01-01T00:00:00Z\"}");
	is_str(s,
	    "{\n"
	    "  \"version\": 1,\n"
	    "  \"generated_at\": \"2026-01-01T00:00:00Z\",\n"
	    "  \"cohorts\": [],\n"
	    "  \"learners\": [\n"
	    "    {\n"
	    "      \"github_handle\": \"a\",\n"
	    "      \"cohort_id\": \"s\",\n"
	    "      \"path\": \"day1-day2\",\n"
	    "      \"learning_room_repo\": null,\n"
	    "      \"provision_state\": \"pending\",\n"
	    "      \"status\": \"awaiting-ack\",\n"
	    "      \"registered_at\": null,\n"
	    "      \"last_signal_at\": null,\n"
	    "      \"enrollment_repo\": null,\n"
	    "      \"enrollment_issue_number\": null,\n"
	    "      \"notes\": \"\"\n"
	    "    },\n"
	    "    {\n"
	    "      \"github_handle\": \"B\",\n"
	    "      \"cohort_id\": \"s\",\n"
	    "      \"path\": \"day1-day2\",\n"
	    "      \"learning_room_repo\": null,\n"
	    "      \"provision_state\": \"pending\",\n"
	    "      \"status\": \"awaiting-ack\",\n"
	    "      \"registered_at\": null,\n"
	    "      \"last_signal_at\": null,\n"
	    "      \"enrollment_repo\": null,\n"
	    "      \"enrollment_issue_number\": null,\n"
	    "      \"notes\": \"n\",\n"
	    "      \"extra\": [\n"
	    "        1\n"
	    "      ]\n"
	    "    }\n"
	    "  ],\n"
	    "  \"zz\": true\n"
	    "}\n",
	    "canonical: key order, defaults, learners by key, unknown fields kept, "
	    "generated_at kept");
	free(s);
	s = canon("{\"version\": 1, \"cohorts\": [], \"learners\": []}");
	ok(s && strstr(s, "\"generated_at\": \"2030-01-01T00:00:00.000Z\""),
	    "a missing generated_at is set");
	free(s);
	s = canon("{\"version\": 1, \"learners\": [{\"github_handle\": \"b\", \"cohort_id\": \"s\"},"
	    "{\"github_handle\": \"B-\\u0061\", \"cohort_id\": \"s\"},"
	    "{\"github_handle\": \"a\", \"cohort_id\": \"t\"}]}");
	ok(s && strstr(s, "\"a\"") < strstr(s, "\"B-a\"") &&
	    strstr(s, "\"B-a\"") < strstr(s, "\"b\""),
	    "sorted bytewise by key: a@@t < b-a@@s < b@@s ('-' before '@')");
	free(s);
}

static void
test_upsert(void)
{
	struct glow_roster r;
	struct glow_json in;
	struct glow_buf why = GLOW_BUF_INIT, out = GLOW_BUF_INIT, sc = GLOW_BUF_INIT;
	const char *base = "{\"version\": 1, \"generated_at\": \"2026-01-01T00:00:00Z\","
	    " \"cohorts\": [], \"learners\": [{\"github_handle\": \"Alice\","
	    " \"cohort_id\": \"s\", \"provision_state\": \"provisioned\","
	    " \"status\": \"active-day1\", \"learning_room_repo\": \"o/r\", \"k\": 1}]}";
	const char *t, *s;
	size_t n;
	long i;

	is_int(load(&r, base), 0, "upsert: base loads");
	t = "{\"github_handle\": \"@alice\", \"cohort_id\": \" s \", \"path\": \"day2-only\", \"j\": 2}";
	glow_json_parse(&in, t, strlen(t), NULL);
	is_int(glow_roster_upsert(&r, &in, 0, 0, "2030-01-01T00:00:00.000Z", "in", &why, &i),
	    GLOW_ROSTER_UPDATED, "update of an existing learner");
	glow_json_free(&in);
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_STATE, &sc, &n);
	is_mem(s, n, "provisioned", 11, "update keeps provision_state");
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_STATUS, &sc, &n);
	is_mem(s, n, "active-day1", 11, "update keeps status");
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_PATH, &sc, &n);
	is_mem(s, n, "day2-only", 9, "update sets the field given");
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_HANDLE, &sc, &n);
	is_mem(s, n, "Alice", 5, "update keeps the handle as it was");
	is_int(r.nlearner, 1, "no learner added by an update");

	t = "{\"github_handle\": \"alice\", \"cohort_id\": \"s\", \"path\": \"day2-only\"}";
	glow_json_parse(&in, t, strlen(t), NULL);
	is_int(glow_roster_upsert(&r, &in, 0, 0, NULL, "in", &why, NULL),
	    GLOW_ROSTER_UNCHANGED, "the same update again changes nothing");
	is_int(glow_roster_upsert(&r, &in, 0, GLOW_ROSTER_NO_UPDATE, NULL, "in", &why, NULL),
	    GLOW_ROSTER_EXISTS, "NO_UPDATE: an existing learner is left alone");
	glow_json_free(&in);

	t = "{\"github_handle\": \"@Carol\", \"cohort_id\": \"s\"}";
	glow_json_parse(&in, t, strlen(t), NULL);
	is_int(glow_roster_upsert(&r, &in, 0, 0, "2030-01-01T00:00:00.000Z", "in", &why, &i),
	    GLOW_ROSTER_ADDED, "a new learner is added");
	glow_json_free(&in);
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_HANDLE, &sc, &n);
	is_mem(s, n, "Carol", 5, "new learner's handle stored without @");
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_REGISTERED, &sc, &n);
	is_mem(s, n, "2030-01-01T00:00:00.000Z", 24, "registered_at defaults to now");
	s = glow_roster_get(&r, (size_t)i, GLOW_RF_STATE, &sc, &n);
	is_mem(s, n, "pending", 7, "new learner pending");

	t = "{\"github_handle\": \"d_e\", \"cohort_id\": \"s\"}";
	glow_json_parse(&in, t, strlen(t), NULL);
	glow_buf_reset(&why);
	is_int(glow_roster_upsert(&r, &in, 0, 0, NULL, "input 3", &why, NULL), -1,
	    "an invalid learner is refused");
	is_int(errno, EINVAL, "with EINVAL");
	ok(why.p && strstr(why.p, "input 3: github_handle: 'd_e' is not a valid"),
	    "and the reason");
	glow_json_free(&in);

	{
		const char *field[] = { "status", "last_signal_at" };
		const char *json[] = { "\"day1-complete\"", "\"2030-01-02T00:00:00Z\"" };
		const char *key[] = { "cohort_id" };
		const char *kj[] = { "\"t\"" };

		i = glow_roster_find(&r, "alice@@s", 8);
		is_int(glow_roster_update(&r, (size_t)i, field, json, 2, &why),
		    GLOW_ROSTER_UPDATED, "update of two fields");
		s = glow_roster_get(&r, (size_t)i, GLOW_RF_STATUS, &sc, &n);
		is_mem(s, n, "day1-complete", 13, "status updated");
		is_int(glow_roster_update(&r, (size_t)i, key, kj, 1, &why), -1,
		    "the key fields cannot be updated");
		is_int(glow_roster_set_str(&r, (size_t)i, "status", "day1-complete"),
		    GLOW_ROSTER_UNCHANGED, "set_str to the same value: unchanged");
	}
	is_int(glow_roster_validate(&r), 0, "the edited roster validates");
	glow_roster_write(&r, &out, GLOW_ROSTER_CANONICAL, NULL, "2031-01-01T00:00:00.000Z");
	ok(out.p && strstr(out.p, "\"generated_at\": \"2031-01-01T00:00:00.000Z\""),
	    "a changed roster gets a new generated_at");
	ok(out.p && strstr(out.p, "\"k\": 1,\n      \"j\": 2"),
	    "unknown fields: existing in place, new after");
	glow_roster_free(&r);

	is_int(load(&r, base), 0, "base loads again");
	t = "{\"github_handle\": \"alice\", \"cohort_id\": \"s\", \"status\": \"active-day1\"}";
	glow_json_parse(&in, t, strlen(t), NULL);
	is_int(glow_roster_upsert(&r, &in, 0, 0, NULL, "in", &why, NULL),
	    GLOW_ROSTER_UNCHANGED, "an update to the values there is no change");
	glow_json_free(&in);
	is_int(glow_roster_cohort_ensure(&r, " s ", 3), 1, "a missing cohort is added");
	is_int(glow_roster_cohort_ensure(&r, "s", 1), 0, "and only once");
	glow_buf_reset(&out);
	glow_roster_write(&r, &out, GLOW_ROSTER_PUBLIC, NULL, "2031-01-01T00:00:00.000Z");
	ok(out.p && !strstr(out.p, "learning_room_repo") && !strstr(out.p, "\"k\"") &&
	    strstr(out.p, "\"provision_state\""), "public view: nothing private");
	glow_roster_free(&r);
	glow_buf_free(&why);
	glow_buf_free(&out);
	glow_buf_free(&sc);
}

static int
intake(const char *issue, const char *cohort, struct glow_intake *it)
{
	struct glow_json doc;
	int rc;

	if (glow_json_parse(&doc, issue, strlen(issue), NULL) < 0)
		return -1;
	rc = glow_intake_issue(&doc, 0, cohort, it);
	glow_json_free(&doc);
	return rc;
}

static void
test_intake(void)
{
	struct glow_intake it;

	memset(&it, 0, sizeof it);
	is_int(intake("{\"number\": 3, \"user\": {\"login\": \"dora\"},"
	    " \"repository_url\": \"https://api.github.com/repos/o/r\","
	    " \"created_at\": \"2026-03-05T08:00:00Z\","
	    " \"body\": \"### Name\\r\\n\\r\\nsomeone\\r\\n\\r\\n### Cohort\\r\\n\\r\\nspring\\r\\n\\r\\n"
	    "### Path\\r\\n\\r\\nday2-only (Day 2)\\r\\n\"}", NULL, &it),
	    GLOW_INTAKE_LEARNER, "intake: CRLF form");
	is_str(it.learner.p, "{\"github_handle\":\"dora\",\"cohort_id\":\"spring\","
	    "\"path\":\"day2-only\",\"provision_state\":\"pending\","
	    "\"registered_at\":\"2026-03-05T08:00:00Z\",\"enrollment_repo\":\"o/r\","
	    "\"enrollment_issue_number\":3}", "intake: the learner from a form");
	is_int(intake("{\"number\": 4, \"user\": {\"login\": \"eve\"},"
	    " \"body\": \"### Cohort\\n\\n_No response_\\n\"}", "autumn", &it),
	    GLOW_INTAKE_LEARNER, "intake: no answer, default cohort");
	ok(strstr(it.learner.p, "\"cohort_id\":\"autumn\"") != NULL, "intake: default cohort used");
	is_int(intake("{\"number\": 5, \"user\": {\"login\": \"eve\"},"
	    " \"body\": \"### Cohort\\n\\n_No response_\\n\"}", NULL, &it),
	    GLOW_INTAKE_BAD, "intake: no cohort anywhere");
	is_int(intake("{\"number\": 6, \"user\": {\"login\": \"x\"}, \"pull_request\": {},"
	    " \"body\": \"### Cohort\\n\\ns\"}", NULL, &it), GLOW_INTAKE_SKIP,
	    "intake: pull request skipped");
	is_int(intake("{\"number\": 7, \"user\": {\"login\": \"x\"}, \"body\": \"hi\"}",
	    "s", &it), GLOW_INTAKE_BAD, "intake: edited body without form");
	is_int(intake("{\"number\": 8, \"user\": {\"login\": \"x\"},"
	    " \"body\": \"### Path\\n\\nsomething else\\n### Cohort\\n\\ns\"}", NULL, &it),
	    GLOW_INTAKE_BAD, "intake: bad path answer");
	is_int(intake("{\"number\": 9, \"user\": {\"login\": \"bot\"},"
	    " \"title\": \"[ENROLL-INTAKE] x\", \"body\": \"- Submitted by: @Gina\\r\\n"
	    "- Captured at: 2026-03-06T08:59:00.000Z\\r\\n"
	    "- Public issue: https://github.com/o/pub/issues/77\\r\\n\"}", "s", &it),
	    GLOW_INTAKE_LEARNER, "intake: [ENROLL-INTAKE] body");
	is_str(it.learner.p, "{\"github_handle\":\"Gina\",\"cohort_id\":\"s\","
	    "\"provision_state\":\"pending\",\"registered_at\":\"2026-03-06T08:59:00.000Z\","
	    "\"enrollment_repo\":\"o/pub\",\"enrollment_issue_number\":77}",
	    "intake: handle, time and public issue from [ENROLL-INTAKE]");
	is_int(intake("{\"number\": 10, \"user\": {\"login\": \"bot\"},"
	    " \"body\": \"[ENROLL-INTAKE]\\n- Captured at: 2026-03-06T08:59:00Z\\n\"}", "s", &it),
	    GLOW_INTAKE_BAD, "intake: [ENROLL-INTAKE] without Submitted by");
	is_int(intake("{\"number\": 11, \"user\": {\"login\": \"github-actions[bot]\"},"
	    " \"body\": \"### Cohort\\n\\ns\"}", NULL, &it), GLOW_INTAKE_BAD,
	    "intake: a bot author is not a handle");
	is_int(intake("{\"number\": 12, \"state\": \"closed\", \"user\": {\"login\": \"x\"},"
	    " \"body\": \"### Cohort\\n\\ns\"}", NULL, &it), GLOW_INTAKE_SKIP,
	    "intake: closed issue skipped");
	glow_buf_free(&it.learner);
}

/* Three learners in two cohorts, and a listed cohort without learners. */
static const char three[] = "{\"version\": 1, \"cohorts\": [{\"cohort_id\": \"empty\"}],"
    " \"learners\": ["
    "{\"github_handle\": \"Bob\", \"cohort_id\": \"spring\","
    " \"provision_state\": \"failed\", \"status\": \"needs-info\"},"
    "{\"github_handle\": \"alice\", \"cohort_id\": \"spring\","
    " \"provision_state\": \"provisioned\", \"status\": \"active-day1\","
    " \"learning_room_repo\": \"o/r\"},"
    "{\"github_handle\": \"carol\", \"cohort_id\": \" autumn \"}]}";

/* "1" or "0" per learner (in key order): does f match it? */
static void
picked(const struct glow_roster *r, const struct glow_roster_filter *f,
    struct glow_buf *sc, char *got)
{
	size_t i;

	for (i = 0; i < r->nlearner; i++)
		got[i] = glow_roster_filter_match(r, i, f, sc) ? '1' : '0';
	got[i] = '\0';
}

static void
test_select(void)
{
	struct glow_roster r;
	struct glow_roster_filter f = GLOW_ROSTER_FILTER_INIT;
	struct glow_buf b = GLOW_BUF_INIT, sc = GLOW_BUF_INIT;
	char got[8];
	unsigned mask = 0;
	size_t off = 99, n = 99;

	is_int(glow_roster_key_parse(&b, "@Alice@@ spring "), 0, "key_parse: handle@@cohort");
	is_mem(b.p, b.len, "alice@@spring", 13, "key_parse: '@' dropped, lower case, trimmed");
	is_int(glow_roster_key_parse(&b, "alice@spring"), -1, "key_parse: one '@' is no key");
	is_int((long long)b.len, 13, "key_parse: a refused key appends nothing");
	glow_buf_free(&b);

	is_int(glow_roster_enum_mask(&mask, glow_roster_states, "pending,healed", &off, &n),
	    0, "enum_mask: two states");
	is_int(mask, 1u << 0 | 1u << 3, "enum_mask: their bits");
	is_int(glow_roster_enum_mask(&mask, glow_roster_states, "failed,Pending,x", &off, &n),
	    -1, "enum_mask: values are exact");
	ok(off == 7 && n == 7, "enum_mask: the bad value's place");

	is_int(load(&r, three), 0, "select: the roster loads");
	glow_roster_sort(&r);
	picked(&r, &f, &sc, got);
	is_str(got, "111", "an empty filter matches every learner");
	f.statuses = 1u << 0 | 1u << 4;        /* awaiting-ack, needs-info */
	picked(&r, &f, &sc, got);
	is_str(got, "011", "by status (the default awaiting-ack counts)");
	is_int(glow_roster_filter_cohort(&f, " spring"), 0, "filter_cohort");
	picked(&r, &f, &sc, got);
	is_str(got, "010", "status and cohort (trimmed) both hold");
	f.statuses = 0;
	is_int(glow_roster_filter_key(&f, "bob"), -1, "filter_key: not handle@@cohort");
	is_int(glow_roster_filter_key(&f, "ALICE@@spring"), 0, "filter_key");
	picked(&r, &f, &sc, got);
	is_str(got, "100", "by key, normalised");
	glow_roster_filter_free(&f);
	f.states = 1u << 1;                     /* provisioned */
	picked(&r, &f, &sc, got);
	is_str(got, "100", "by provision state");
	glow_buf_free(&sc);
	glow_roster_free(&r);
}

static void
test_stats(void)
{
	struct glow_roster r;
	struct glow_roster_stats st;
	struct glow_buf out = GLOW_BUF_INIT;

	is_int(load(&r, three), 0, "stats: the roster loads");
	is_int(glow_roster_stats(&r, &st), 0, "stats: counted");
	is_int(st.all.learners, 3, "stats: learners in all");
	is_int((long long)st.ncohort, 3, "stats: cohorts of learners and listed ones");
	is_mem(st.cohort[0].id, st.cohort[0].idlen, "autumn", 6, "stats: cohorts in byte order, trimmed");
	is_mem(st.cohort[1].id, st.cohort[1].idlen, "empty", 5, "stats: a listed cohort");
	is_int(st.cohort[1].learners, 0, "stats: ... without learners");
	is_int(st.cohort[2].learners, 2, "stats: spring's learners");
	is_int(st.cohort[2].state[2], 1, "stats: spring's failed");
	is_int(st.all.state[0], 1, "stats: pending by default");
	is_int(st.all.status[4], 1, "stats: needs-info");
	glow_roster_stats_table(&st, &out);
	glow_buf_addc(&out, '\0');
	is_str(out.p,
	    "cohort  learners  pending  provisioned   failed   healed  awaiting-ack"
	    "  active-day1  day1-complete  day2-released  needs-info\n"
	    "autumn         1        1            0        0        0             1"
	    "            0              0              0           0\n"
	    "empty          0        0            0        0        0             0"
	    "            0              0              0           0\n"
	    "spring         2        0            1        1        0             0"
	    "            1              0              0           1\n"
	    "(all)          3        1            1        1        0             1"
	    "            1              0              0           1\n",
	    "stats: the table");
	glow_buf_reset(&out);
	glow_roster_stats_json(&st, &out);
	glow_buf_addc(&out, '\0');
	ok(out.p && strncmp(out.p, "{\n  \"learners\": 3,\n  \"provision_state\": {\n"
	    "    \"pending\": 1,", 43) == 0, "stats: JSON, indented");
	ok(out.p && strstr(out.p, "\"cohorts\": [\n    {\n      \"cohort_id\": \"autumn\","),
	    "stats: JSON cohorts after the totals");
	glow_buf_free(&out);
	glow_roster_stats_free(&st);
	glow_roster_free(&r);
}

static void
test_intake_roster(void)
{
	struct glow_roster r;
	struct glow_json doc;
	struct glow_intake_run run;
	const char *issues = "["
	    "{\"number\": 5, \"user\": {\"login\": \"Dan\"}, \"body\": \"### Cohort\\n\\nnew\"},"
	    "{\"number\": 2, \"user\": {\"login\": \"alice\"}, \"body\": \"### Cohort\\n\\nspring\"},"
	    "{\"number\": 3, \"user\": {\"login\": \"x\"}, \"body\": \"### Path\\n\\nnope\"},"
	    "{\"number\": 4, \"pull_request\": {}, \"user\": {\"login\": \"x\"}}]";

	is_int(load(&r, three), 0, "intake_roster: the roster loads");
	glow_json_parse(&doc, issues, strlen(issues), NULL);
	is_int(glow_intake_roster(&r, &doc, NULL, "2026-03-01T00:00:00.000Z", &run), 0,
	    "intake_roster: done");
	glow_buf_addc(&run.report, '\0');
	is_str(run.report.p, "{\n"
	    "  \"added\": [\n    {\n      \"issue\": 5,\n      \"key\": \"dan@@new\"\n    }\n  ],\n"
	    "  \"existing\": [\n    {\n      \"issue\": 2,\n      \"key\": \"alice@@spring\"\n    }\n  ],\n"
	    "  \"skipped\": [\n    {\n      \"issue\": 4,\n      \"reason\": \"a pull request\"\n    }\n  ],\n"
	    "  \"unparseable\": [\n    {\n      \"issue\": 3,\n"
	    "      \"reason\": \"no cohort: no Cohort answer and no default cohort\"\n"
	    "    }\n  ]\n"
	    "}\n", "intake_roster: the report, in issue-number order");
	is_int((long long)run.nbad, 1, "intake_roster: one unparseable");
	ok(run.nbad == 1 && run.bad[0].number == 3 && run.bad[0].index == 1,
	    "intake_roster: its number and place in number order");
	is_int(r.nlearner, 4, "intake_roster: the new learner is in");
	ok(glow_roster_cohort_find(&r, "new", 3) >= 0, "intake_roster: and its cohort");
	glow_intake_run_free(&run);
	glow_json_free(&doc);
	glow_roster_free(&r);
}

int
main(void)
{
	test_handles();
	test_keys();
	test_repo_names();
	test_times();
	test_validation();
	test_canonical();
	test_upsert();
	test_intake();
	test_select();
	test_stats();
	test_intake_roster();
	return done_testing();
}
