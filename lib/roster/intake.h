/* SPDX-License-Identifier: ISC */
/*
 * intake.h: registration issues to pending learners.
 *
 * One issue object, as GET /repos/{owner}/{repo}/issues returns it, in; a
 * learner object (compact JSON, ready for glow_roster_upsert()) or the
 * reason it is skipped or cannot be read, out.  Pure: no I/O, no clock.
 *
 * Two bodies are read (CRLF or LF):
 *
 * - A GitHub issue form: "### Label" headings, each followed by the answer
 *   ("_No response_" for none).  The labels read, ASCII case-insensitive:
 *   "Cohort" (or "Cohort ID") and "Path" (or "Workshop path"); the path
 *   answer must contain day1-day2 or day2-only (so a dropdown option may
 *   read "day2-only (Day 2 only)").  Other sections are ignored.  The
 *   handle is the issue's author (user.login), never a typed answer: a
 *   form cannot register someone else.
 * - The earlier implementation's "[ENROLL-INTAKE]" body (the marker in
 *   the title or body), written by its intake bot: "- Submitted by:
 *   @handle", "- Captured at: <ISO-8601>", "- Public issue:
 *   https://github.com/<o>/<r>/issues/<n>", and optionally "- Cohort:"
 *   and "- Path:" lines.  Here the handle is the Submitted by line, and the
 *   enrollment issue is the public one.
 *
 * The cohort is the answer, else the given default; registered_at is the
 * Captured at time, else the issue's created_at; enrollment_repo and
 * enrollment_issue_number come from the issue (repository_url, else
 * html_url; number) unless a Public issue line names another.
 *
 * Pull requests (objects with a pull_request member) and closed issues are
 * skipped.
 *
 * glow_intake_roster() takes a whole list into a roster (glow-roster
 * intake).
 */
#ifndef GLOW_INTAKE_H
#define GLOW_INTAKE_H

#include "core/buf.h"
#include "core/json.h"
#include "roster/roster.h"

enum {
	GLOW_INTAKE_LEARNER = 0,        /* learner holds a learner object */
	GLOW_INTAKE_SKIP,               /* not a registration; reason says */
	GLOW_INTAKE_BAD                 /* a registration that cannot be read */
};

struct glow_intake {
	long long number;               /* the issue number; 0 if none */
	char reason[160];               /* for SKIP and BAD */
	struct glow_buf learner;        /* for LEARNER: {"github_handle":...} */
};

/*
 * Read issue (a token of doc).  cohort is the default cohort ID (NULL for
 * none).  Returns GLOW_INTAKE_*; out->learner is reset first (free it with
 * glow_buf_free() when done).
 */
int glow_intake_issue(const struct glow_json *doc, int issue,
    const char *cohort, struct glow_intake *out);

/*
 * Take a list of issues (the array at token 0 of issues) into roster r,
 * in issue-number order: each registration is upserted with
 * GLOW_ROSTER_NO_UPDATE (a learner already in the roster is left as it
 * is), and a new learner's cohort is added to the cohorts list.  A
 * learner that glow_roster_upsert() refuses is unparseable, with the first
 * line of its reason.  now is as for glow_roster_upsert().
 *
 * run->report receives the report, indented by 2 and ended by a newline:
 *   {"added": [{"issue": N, "key": K}, ...], "existing": [...],
 *    "skipped": [{"issue": N|null, "reason": R}, ...], "unparseable": [...]}
 * run->bad lists the unparseable ones for diagnostics, in that order;
 * index is the issue's place in number order (from 0).
 *
 * Returns 0, or -1 on lack of memory (ENOMEM; run holds what was done so
 * far).  Free run with glow_intake_run_free() in either case.
 */
struct glow_intake_bad {
	long long number;               /* 0 if none */
	size_t index;
	char reason[160];
};
struct glow_intake_run {
	struct glow_buf report;
	struct glow_intake_bad *bad;
	size_t nbad;
};
int glow_intake_roster(struct glow_roster *r, const struct glow_json *issues,
    const char *cohort, const char *now, struct glow_intake_run *run);
void glow_intake_run_free(struct glow_intake_run *run);

#endif
