/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/events/rules.c: every validation error names its rule and
 * key; the event is read from envelopes as glow-webhook writes them; each
 * filter decides as glow-trigger(5) says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events/rules.h"
#include "tap.h"

#define W(x) "{\"workflows\": [" x "]}"

static const struct {
	const char *text;
	int index;
	const char *key;
	const char *reason;     /* a substring of the reason */
} bad[] = {
	{ "[]", 0, "", "want an object" },
	{ "{\"workflows\": [], \"x\": 1}", 0, "", "unknown key 'x'" },
	{ "{}", 0, "workflows", "no 'workflows'" },
	{ "{\"workflows\": {}}", 0, "workflows", "want an array" },
	{ "{\"workflows\": [], \"workflows\": []}", 0, "workflows", "repeated" },
	{ W("1"), 1, "", "want an object" },
	{ W("{\"on\": \"push\", \"run\": \"true\"}"), 1, "id", "no 'id'" },
	{ W("{\"id\": \"a b\", \"on\": \"push\", \"run\": \"true\"}"), 1, "id", "bad id" },
	{ W("{\"id\": \".a\", \"on\": \"push\", \"run\": \"true\"}"), 1, "id", "bad id" },
	{ W("{\"id\": 7, \"on\": \"push\", \"run\": \"true\"}"), 1, "id", "want a string" },
	{ W("{\"id\": \"a\", \"run\": \"true\"}"), 1, "", "no 'on'" },
	{ W("{\"id\": \"a\", \"on\": \"push\"}"), 1, "", "no 'run'" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"run\": \"\"}"), 1, "run", "empty command" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"run\": \"x\", \"bogus\": 1}"), 1, "", "unknown key 'bogus'" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"run\": \"x\", \"on\": \"push\"}"), 1, "on", "repeated key" },
	{ W("{\"id\": \"a\", \"on\": \"pull-request\", \"run\": \"x\"}"), 1, "on", "unknown event 'pull-request'" },
	{ W("{\"id\": \"a\", \"on\": [], \"run\": \"x\"}"), 1, "on", "empty list" },
	{ W("{\"id\": \"a\", \"on\": [1], \"run\": \"x\"}"), 1, "on", "want a string" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"actions\": [\"Opened\"], \"run\": \"x\"}"), 1, "actions", "bad action" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"branches\": \"main\", \"run\": \"x\"}"), 1, "branches", "want an array" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"branches\": [\"main\"], \"branches-ignore\": [\"dev\"], \"run\": \"x\"}"),
	  1, "branches-ignore", "'branches' and 'branches-ignore' cannot both be set" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"paths-ignore\": [\"a\"], \"paths\": [\"b\"], \"run\": \"x\"}"),
	  1, "paths", "cannot both be set" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"tags\": [\"v*\"], \"tags-ignore\": [\"x\"], \"run\": \"x\"}"),
	  1, "tags-ignore", "cannot both be set" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"branches\": [\"[z-a]\"], \"run\": \"x\"}"), 1, "branches", "bad pattern '[z-a]'" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"paths\": [\"+x\"], \"run\": \"x\"}"), 1, "paths", "bad pattern '+x'" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"repository\": \"!\", \"run\": \"x\"}"), 1, "repository", "only '!' patterns" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"branches\": [\"main\"], \"run\": \"x\"}"), 1, "branches", "carries a branch" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"paths-ignore\": [\"x\"], \"run\": \"x\"}"), 1, "paths-ignore", "carries changed files" },
	{ W("{\"id\": \"a\", \"on\": \"pull_request\", \"tags\": [\"v1\"], \"run\": \"x\"}"), 1, "tags", "carries a tag" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"labels\": [\"bug\"], \"run\": \"x\"}"), 1, "labels", "carries labels" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"labels\": [\"\"], \"run\": \"x\"}"), 1, "labels", "bad label" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"authors\": [\"no spaces\"], \"run\": \"x\"}"), 1, "authors", "bad login" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"ignore_bots\": 1, \"run\": \"x\"}"), 1, "ignore_bots", "true or false" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"timeout\": 0, \"run\": \"x\"}"), 1, "timeout", "whole seconds" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"timeout\": 1.5, \"run\": \"x\"}"), 1, "timeout", "whole seconds" },
	{ W("{\"id\": \"a\", \"on\": \"issues\", \"timeout\": 86401, \"run\": \"x\"}"), 1, "timeout", "whole seconds" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"run\": \"x\"}, {\"id\": \"b\", \"on\": \"push\", \"run\": 1}"), 2, "run", "want a string" },
	{ W("{\"id\": \"a\", \"on\": \"push\", \"run\": \"x\"}, {\"id\": \"a\", \"on\": \"push\", \"run\": \"y\"}"), 2, "id", "rule 1 again" },
	{ "{\"workflows\": [,]}", 0, "", "" },
};

static const char *rules_text = W(
	"{\"id\": \"push-main\", \"on\": \"push\", \"branches\": [\"main\", \"releases/**\", \"!releases/**-alpha\"], \"run\": \"true\"},"
	"{\"id\": \"push-not-wip\", \"on\": \"push\", \"branches-ignore\": [\"wip/**\"], \"run\": \"true\"},"
	"{\"id\": \"tags-v\", \"on\": \"push\", \"tags\": [\"v[0-9]+.*\"], \"run\": \"true\"},"
	"{\"id\": \"docs\", \"on\": [\"push\", \"pull_request\"], \"paths\": [\"docs/**\", \"!docs/drafts/**\"], \"run\": \"true\"},"
	"{\"id\": \"code\", \"on\": \"push\", \"paths-ignore\": [\"**.md\"], \"run\": \"true\"},"
	"{\"id\": \"main-docs\", \"on\": \"push\", \"branches\": [\"main\"], \"paths\": [\"docs/**\"], \"run\": \"true\"},"
	"{\"id\": \"opened\", \"on\": \"pull_request\", \"actions\": [\"opened\", \"reopened\"], \"run\": \"true\"},"
	"{\"id\": \"org\", \"on\": \"*\", \"repository\": \"glow-org/*\", \"run\": \"true\"},"
	"{\"id\": \"alice\", \"on\": \"issues\", \"authors\": [\"Alice\"], \"run\": \"true\"},"
	"{\"id\": \"bugs\", \"on\": [\"issues\", \"pull_request\"], \"labels\": [\"BUG\"], \"run\": \"true\"},"
	"{\"id\": \"bots-too\", \"on\": \"issues\", \"ignore_bots\": false, \"run\": \"true\"},"
	"{\"id\": \"issues\", \"on\": \"issues\", \"timeout\": 5, \"run\": \"true\"}");

#define ENV(ev, action, repo, sender, type, payload) \
	"{\"event\":\"" ev "\",\"action\":" action ",\"delivery_id\":\"d-1\"," \
	"\"hook_id\":1,\"installation_id\":42,\"repository\":" repo "," \
	"\"sender\":{\"login\":\"" sender "\",\"type\":\"" type "\"}," \
	"\"received_at\":\"2030-01-01T00:00:00Z\",\"payload\":" payload "}"

#define PUSH(ref, files) ENV("push", "null", "\"glow-org/app\"", "alice", "User", \
	"{\"ref\":\"" ref "\",\"commits\":[{\"added\":[" files "],\"modified\":[],\"removed\":[]}]}")

static const struct { const char *name, *env, *match; } cases[] = {
	{ "push to main", PUSH("refs/heads/main", "\"src/a.c\""),
	  "push-main push-not-wip code org" },
	{ "push to releases/10", PUSH("refs/heads/releases/10", "\"src/a.c\""),
	  "push-main push-not-wip code org" },
	{ "push to releases/10-alpha (negated)", PUSH("refs/heads/releases/10-alpha", "\"x\""),
	  "push-not-wip code org" },
	{ "push to wip/x (ignored)", PUSH("refs/heads/wip/x", "\"src/a.c\""),
	  "code org" },
	/* "Path filters are not evaluated for pushes of tags": docs too */
	{ "push of tag v1.2 (no branch filter matches a tag)", PUSH("refs/tags/v1.2", "\"src/a.c\""),
	  "tags-v docs code org" },
	{ "push of tag vx (tags filter)", PUSH("refs/tags/vx", "\"src/a.c\""),
	  "docs code org" },
	{ "push of docs only to dev", PUSH("refs/heads/dev", "\"docs/a.md\""),
	  "push-not-wip docs org" },
	{ "push of docs to main: branch and paths both match",
	  PUSH("refs/heads/main", "\"docs/a.md\",\"README.md\""),
	  "push-main push-not-wip docs main-docs org" },
	{ "push of drafts only (negated path)", PUSH("refs/heads/main", "\"docs/drafts/x.md\""),
	  "push-main push-not-wip main-docs org" },
	{ "push with no commits", ENV("push", "null", "\"glow-org/app\"", "alice", "User",
	  "{\"ref\":\"refs/heads/main\",\"commits\":[]}"),
	  "push-main push-not-wip org" },
	{ "pull_request opened, files not yet known",
	  ENV("pull_request", "\"opened\"", "\"glow-org/app\"", "bob", "User",
	  "{\"number\":5,\"pull_request\":{\"number\":5,\"user\":{\"login\":\"bob\"},"
	  "\"base\":{\"ref\":\"main\"},\"labels\":[{\"name\":\"bug\"}]}}"),
	  "docs? opened org bugs" },
	/* without actions, only opened, synchronize, reopened */
	{ "pull_request closed", ENV("pull_request", "\"closed\"", "\"other/app\"", "bob", "User",
	  "{\"number\":5,\"pull_request\":{\"number\":5,\"base\":{\"ref\":\"main\"}}}"),
	  "" },
	{ "issue by alice in another org", ENV("issues", "\"opened\"", "\"x/y\"", "alice", "User",
	  "{\"issue\":{\"user\":{\"login\":\"alice\"},\"labels\":[]}}"),
	  "alice bots-too issues" },
	{ "issue by a bot", ENV("issues", "\"opened\"", "\"glow-org/x\"", "dependabot[bot]", "Bot",
	  "{\"issue\":{\"user\":{\"login\":\"dependabot[bot]\"},\"labels\":[{\"name\":\"Bug\"}]}}"),
	  "bots-too" },
	{ "comment on an issue opened by alice: the comment's author counts",
	  ENV("issue_comment", "\"created\"", "\"x/y\"", "bob", "User",
	  "{\"issue\":{\"user\":{\"login\":\"alice\"}},\"comment\":{\"user\":{\"login\":\"bob\"}}}"),
	  "" },
	{ "ping of the org", ENV("ping", "null", "\"glow-org/z\"", "carol", "User", "{}"), "org" },
};

static void
test_matching(void)
{
	struct glow_rules rs;
	struct glow_rules_error e;
	struct glow_json doc;
	struct glow_event ev;
	struct glow_buf got = GLOW_BUF_INIT, why = GLOW_BUF_INIT;
	const char *w;
	size_t i, j;
	int m;

	if (!ok(glow_rules_load(&rs, rules_text, strlen(rules_text), &e) == 0,
	    "the test rules load"))
		printf("# %s %s %s\n", e.id, e.key, e.reason);
	is_int((long long)rs.n, 12, "... all 12");
	is_int(rs.v[11].timeout, 5, "timeout is read");
	is_int(rs.v[0].timeout, GLOW_RULE_TIMEOUT, "timeout defaults to 600");
	ok(rs.v[0].ignore_bots && !rs.v[10].ignore_bots, "ignore_bots defaults to true");
	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (glow_json_parse(&doc, cases[i].env, strlen(cases[i].env), NULL) < 0 ||
		    glow_event_load(&ev, &doc, &w) < 0) {
			ok(0, cases[i].name);
			continue;
		}
		glow_buf_reset(&got);
		for (j = 0; j < rs.n; j++) {
			glow_buf_reset(&why);
			m = glow_rule_match(&rs.v[j], &ev, &why);
			if (m == GLOW_RULE_NO)
				continue;
			glow_buf_printf(&got, "%s%s%s", got.len ? " " : "",
			    rs.v[j].id, m == GLOW_RULE_FILES ? "?" : "");
		}
		is_str(got.p ? got.p : "", cases[i].match, cases[i].name);
		glow_event_free(&ev);
		glow_json_free(&doc);
	}

	/* a pull request's files, added by the caller */
	{
		const char *env = ENV("pull_request", "\"synchronize\"", "\"glow-org/app\"",
		    "bob", "User", "{\"pull_request\":{\"number\":9,\"base\":{\"ref\":\"main\"}}}");

		glow_json_parse(&doc, env, strlen(env), NULL);
		glow_event_load(&ev, &doc, &w);
		is_int(ev.pr_number, 9, "the pull request's number is read");
		is_int(ev.files, GLOW_FILES_PENDING, "... its files are pending");
		is_int(glow_rule_match(&rs.v[3], &ev, NULL), GLOW_RULE_FILES,
		    "a path filter asks for them");
		ev.files = GLOW_FILES_LIST;
		glow_event_add_file(&ev, "src/x.c", 7);
		is_int(glow_rule_match(&rs.v[3], &ev, NULL), GLOW_RULE_NO,
		    "src/x.c is not under docs/");
		glow_event_add_file(&ev, "docs/x.md", 9);
		glow_buf_reset(&why);
		is_int(glow_rule_match(&rs.v[3], &ev, &why), GLOW_RULE_YES,
		    "docs/x.md is");
		ok(strstr(why.p, "1 of 2 changed files selected") != NULL,
		    "... and the reason counts the files");
		is_mem(ev.file[1], strlen(ev.file[1]), "docs/x.md", 9,
		    "the file is kept as added");
		ev.nfile = 1;
		free(ev.file[1]);
		ev.files_unknown = 1;
		is_int(glow_rule_match(&rs.v[3], &ev, NULL), GLOW_RULE_YES,
		    "an incomplete list lets the path filter pass");
		glow_event_free(&ev);
		glow_json_free(&doc);
	}

	/* a push of more than 1000 commits: the path filter passes */
	{
		struct glow_buf b = GLOW_BUF_INIT;

		glow_buf_adds(&b, "{\"event\":\"push\",\"payload\":{\"ref\":\"refs/heads/x\",\"commits\":[");
		for (i = 0; i < 1001; i++)
			glow_buf_printf(&b, "%s{\"added\":[\"src/%zu.c\"]}", i ? "," : "", i);
		glow_buf_adds(&b, "]}}");
		glow_json_parse(&doc, b.p, b.len, NULL);
		glow_event_load(&ev, &doc, &w);
		is_int((long long)ev.ncommits, 1001, "1001 commits read");
		ok(ev.files_unknown, "... more than 1000: the list counts as incomplete");
		is_int(glow_rule_match(&rs.v[3], &ev, NULL), GLOW_RULE_YES,
		    "... so the docs/** filter passes, as in Actions");
		glow_event_free(&ev);
		glow_json_free(&doc);
		glow_buf_free(&b);
	}

	/* reasons */
	{
		const char *env = PUSH("refs/heads/dev", "\"a\"");

		glow_json_parse(&doc, env, strlen(env), NULL);
		glow_event_load(&ev, &doc, &w);
		glow_buf_reset(&why);
		glow_rule_match(&rs.v[0], &ev, &why);
		is_str(why.p, "branch 'dev' not selected by 'branches'",
		    "why: a branch not selected");
		glow_buf_reset(&why);
		glow_rule_match(&rs.v[6], &ev, &why);
		is_str(why.p, "event 'push' not in 'on'", "why: the event");
		glow_event_free(&ev);
		glow_json_free(&doc);
		env = PUSH("refs/heads/wip/a", "\"a\"");
		glow_json_parse(&doc, env, strlen(env), NULL);
		glow_event_load(&ev, &doc, &w);
		glow_buf_reset(&why);
		glow_rule_match(&rs.v[1], &ev, &why);
		is_str(why.p, "branch 'wip/a' ignored by 'branches-ignore'",
		    "why: a branch ignored");
		glow_event_free(&ev);
		glow_json_free(&doc);
	}
	ok(glow_json_parse(&doc, "{\"payload\":{}}", 14, NULL) == 0 &&
	    glow_event_load(&ev, &doc, &w) == -1 && strstr(w, "not an envelope"),
	    "an object without \"event\" is not an envelope");
	glow_json_free(&doc);
	glow_rules_free(&rs);
	glow_buf_free(&got);
	glow_buf_free(&why);
}

int
main(void)
{
	struct glow_rules rs;
	struct glow_rules_error e;
	char name[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		memset(&e, 0x55, sizeof e);
		snprintf(name, sizeof name, "refused: %s", bad[i].reason[0] ?
		    bad[i].reason : "bad JSON");
		if (!ok(glow_rules_load(&rs, bad[i].text, strlen(bad[i].text), &e)
		    == -1 && errno == EINVAL && strstr(e.reason, bad[i].reason),
		    name)) {
			printf("#   reason: %.200s\n", e.reason);
			continue;
		}
		snprintf(name, sizeof name, "... rule %d, key '%s'", bad[i].index,
		    bad[i].key);
		ok(e.index == bad[i].index && strcmp(e.key, bad[i].key) == 0 &&
		    e.offset < strlen(bad[i].text), name);
		if (bad[i].index > 1 || (bad[i].index == 1 &&
		    strstr(bad[i].text, "\"id\": \"a\"")))
			ok(strcmp(e.id, "a") == 0 || strcmp(e.id, "b") == 0,
			    "... and its id");
	}
	ok(glow_rules_load(&rs, "{\"workflows\": []}", 17, &e) == 0 && rs.n == 0,
	    "an empty list of workflows is valid");
	glow_rules_free(&rs);
	ok(glow_event_known("pull_request") && glow_event_known("workflow_run") &&
	    !glow_event_known("pull_requests"), "known events");
	test_matching();
	return done_testing();
}
