/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/provision/provision_plan.c: the plan of a provisioning run,
 * what an outcome means for the roster, and the reports. */
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "provision/provision_run.h"
#include "roster/roster.h"
#include "tap.h"

static const char roster_text[] =
    "{\"version\":1,\"cohorts\":[{\"cohort_id\":\"s1\"}],\"learners\":["
    "{\"github_handle\":\"Carol\",\"cohort_id\":\"s1\","
    "\"provision_state\":\"failed\"},"
    "{\"github_handle\":\"alice\",\"cohort_id\":\"s1\","
    "\"enrollment_repo\":\"org/enroll\",\"enrollment_issue_number\":7},"
    "{\"github_handle\":\"bob\",\"cohort_id\":\"s1\","
    "\"provision_state\":\"provisioned\","
    "\"learning_room_repo\":\"elsewhere/room-bob\"}]}";

static int
load(struct glow_roster *r)
{
	struct glow_json_error e;

	if (glow_roster_load(r, roster_text, strlen(roster_text), &e) < 0)
		return -1;
	glow_roster_sort(r);
	return (int)r->nproblems;
}

static void
test_plan(void)
{
	struct glow_roster r;
	struct glow_prov_learner *ls;
	size_t n;

	is_int(load(&r), 0, "the roster loads");
	is_int(glow_prov_plan(&r, "org", 0, &ls, &n), 0, "plan");
	is_int((long)n, 2, "pending and failed learners are taken");
	is_str(ls[0].key, "alice@@s1", "in key order");
	is_str(ls[0].full, "org/learning-room-s1-alice", "the repository name");
	is_str(ls[0].state, "pending", "no provision_state: pending");
	is_str(ls[0].enroll, "org/enroll", "the enrollment repository");
	is_int(ls[0].issue, 7, "the enrollment issue");
	is_str(ls[1].handle, "Carol", "handles are as the roster gives them");
	is_str(ls[1].key, "carol@@s1", "keys are folded");
	is_str(ls[1].state, "failed", "failed is taken again");
	ok(ls[1].enroll == NULL && ls[1].issue == 0, "no enrollment");
	glow_prov_plan_free(ls, n);

	is_int(glow_prov_plan(&r, "org", 1, &ls, &n), 0, "plan with -a");
	is_int((long)n, 3, "-a takes the provisioned learner too");
	is_int(ls[1].sel, GLOW_PROV_VERIFY, "to verify");
	is_str(ls[1].full, "elsewhere/room-bob",
	    "a verified learner's repository is the one of record");
	is_str(ls[1].owner, "elsewhere", "its owner");
	glow_prov_plan_free(ls, n);
	glow_roster_free(&r);
}

static void
test_settle(void)
{
	struct glow_prov_learner l;
	struct glow_prov_outcome o;
	const char *state, *repo;

	memset(&l, 0, sizeof l);
	l.full = "org/room";
	l.sel = GLOW_PROV_PROVISION;
	memset(&o, 0, sizeof o);
	is_int(glow_prov_settle(&l, &o, &state, &repo), GLOW_PROV_C_ERROR,
	    "no result is an error");
	is_str(o.result, "error", "and says so");
	is_str(o.detail.p, "failed", "with a detail");
	is_str(state, "failed", "the learner fails");
	ok(repo == NULL, "no repository recorded when none was created");
	o.created = 1;
	glow_prov_settle(&l, &o, &state, &repo);
	is_str(repo, "org/room", "a created repository is recorded on error");
	glow_prov_outcome_free(&o);

	memset(&o, 0, sizeof o);
	o.result = "created";
	is_int(glow_prov_settle(&l, &o, &state, &repo), GLOW_PROV_C_CREATED,
	    "created");
	is_str(state, "provisioned", "created: provisioned");
	o.result = "healed";
	is_int(glow_prov_settle(&l, &o, &state, &repo), GLOW_PROV_C_HEALED,
	    "healed");
	is_str(state, "healed", "healed: healed");
	o.result = "already-exists";
	is_int(glow_prov_settle(&l, &o, &state, &repo), GLOW_PROV_C_EXISTS,
	    "already-exists");
	is_str(state, "provisioned", "a pending learner's room existed");
	l.sel = GLOW_PROV_VERIFY;
	glow_prov_settle(&l, &o, &state, &repo);
	ok(state == NULL, "a verified learner keeps its state");
	o.result = "verified";
	is_int(glow_prov_settle(&l, &o, &state, &repo), GLOW_PROV_C_VERIFIED,
	    "verified");
	ok(state == NULL && !strcmp(repo, "org/room"), "verified: unchanged");
	glow_prov_outcome_free(&o);
}

static void
test_plan_line(void)
{
	struct glow_prov_learner l;
	struct glow_buf b = GLOW_BUF_INIT;

	memset(&l, 0, sizeof l);
	l.key = "a@@s";
	l.handle = "a";
	l.cohort = "s";
	l.full = "o/learning-room-s-a";
	l.sel = GLOW_PROV_PROVISION;
	glow_prov_plan_line(&l, -1, &b);
	is_str(b.p, "{\"key\":\"a@@s\",\"github_handle\":\"a\",\"cohort_id\":"
	    "\"s\",\"repo\":\"o/learning-room-s-a\",\"provision_state\":\"\","
	    "\"action\":\"provision\",\"exists\":null}\n", "plan line, unknown");
	glow_buf_reset(&b);
	glow_prov_plan_line(&l, 1, &b);
	ok(strstr(b.p, "\"action\":\"verify\",\"exists\":true}") != NULL,
	    "plan line, existing");
	glow_buf_reset(&b);
	glow_prov_plan_line(&l, 0, &b);
	ok(strstr(b.p, "\"action\":\"create\",\"exists\":false}") != NULL,
	    "plan line, missing");
	glow_buf_free(&b);
}

static void
test_report(void)
{
	struct glow_prov_report rep;
	struct glow_gh_stats st;
	struct glow_prov_learner l;
	struct glow_prov_outcome o;
	struct glow_buf b = GLOW_BUF_INIT;

	memset(&rep, 0, sizeof rep);
	memset(&st, 0, sizeof st);
	memset(&l, 0, sizeof l);
	memset(&o, 0, sizeof o);
	st.requests = 7;
	st.wait_pace = 1.6;
	rep.stats = &st;
	rep.learners = 3;
	rep.selected = 2;
	rep.done = 2;
	rep.count[GLOW_PROV_C_CREATED] = 1;
	rep.count[GLOW_PROV_C_ERROR] = 1;
	rep.elapsed = 1.234;
	rep.wait_content = 0.4;
	glow_prov_summary_json(&rep, &b);
	is_str(b.p, "{\"summary\":true,\"dry_run\":false,\"learners\":3,"
	    "\"selected\":2,\"done\":2,\"created\":1,\"already_exists\":0,"
	    "\"healed\":0,\"verified\":0,\"skipped\":0,\"error\":1,"
	    "\"requests\":7,\"not_modified\":0,\"retries\":0,\"limited\":0,"
	    "\"wait_limit_s\":0,\"wait_pace_s\":2,\"wait_backoff_s\":0,"
	    "\"wait_content_s\":0,\"elapsed_s\":1.23,\"interrupted\":false}\n",
	    "the summary line");

	l.key = "a|b@@s";
	l.full = "o/r";
	o.result = "error";
	glow_buf_adds(&o.detail, "cannot create 'o/r': 403 <no>");
	is_int(glow_prov_report_add(&rep, &l, &o), 0, "a row");
	glow_buf_reset(&b);
	glow_prov_summary_md(&rep, &b);
	ok(strstr(b.p, "2 learners taken: 1 created, 0 already existed, 0 "
	    "healed, 0 verified, 0 skipped, 1 failed; 7 requests.\n") != NULL,
	    "the step summary's sentence");
	ok(strstr(b.p, "| a\\|b@@s | o/r | error |  | 0 | cannot create "
	    "'o/r': 403 \\<no> |\n") != NULL, "the row, Markdown escaped");
	glow_prov_outcome_free(&o);
	glow_prov_report_free(&rep);
	glow_buf_free(&b);
}

static void
test_update(void)
{
	struct glow_roster r;
	struct glow_prov_update u = { "alice@@s1", "org/x", "provisioned" };
	struct glow_prov_update gone = { "zed@@s1", NULL, "failed" };
	struct glow_buf scratch = GLOW_BUF_INIT;
	const char *v;
	size_t n;
	long i;

	load(&r);
	is_int(glow_prov_update_fn(&r, &u), 0, "update a learner");
	i = glow_roster_find(&r, "alice@@s1", 9);
	v = glow_roster_get(&r, (size_t)i, GLOW_RF_STATE, &scratch, &n);
	is_mem(v, n, "provisioned", 11, "its state");
	v = glow_roster_get(&r, (size_t)i, GLOW_RF_REPO, &scratch, &n);
	is_mem(v, n, "org/x", 5, "its repository");
	is_int(glow_prov_update_fn(&r, &gone), -1, "a learner no longer there");
	glow_buf_free(&scratch);
	glow_roster_free(&r);
}

int
main(void)
{
	test_plan();
	test_settle();
	test_plan_line();
	test_report();
	test_update();
	return done_testing();
}
