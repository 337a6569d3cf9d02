/* SPDX-License-Identifier: ISC */
/*
 * progress.h: the progress of record, derived from a snapshot of signals.
 *
 * Pure: a snapshot (one JSON object per learner, as glow-progress fetch
 * prints it and glow-progress(1) documents it) goes in, a status, the
 * evidence for it and the time of the latest signal come out.  No I/O, no
 * clock, no locale: the same snapshot gives the same answer in every run.
 *
 * The rules (SPEC.md, "Progress of record"), with the choices glow makes
 * where the specification is silent:
 *
 * - Text signals `ack` and `day1-complete`: the word, ASCII
 *   case-insensitive, in a comment body as a standalone token: the byte
 *   before and the byte after it (if any) are not [a-z0-9-] after ASCII
 *   case folding.  So "ack!", "Ack." and "(ACK)" count; "acknowledge",
 *   "ack-ed", "xack" and "day1-completed" do not.  Only comments written
 *   by the learner count (the author's login equals github_handle, ASCII
 *   case-insensitive); a comment with no recorded author counts too, so
 *   hand-written snapshots work.  Why: a facilitator's "reply ack when
 *   ready" must not acknowledge for the learner.
 * - Labels, ASCII case-insensitive and exact: `acked`, `day1-complete`,
 *   `day2-released` count on any issue or pull request of the learner's
 *   repository, open or closed; `needs-info` counts only on an open one
 *   (or in the snapshot's top-level `labels`), so it clears both when the
 *   label is removed and when its issue is closed.
 * - Completed challenges: an issue (not a pull request) that is closed,
 *   not closed as `not_planned`, whose title names a challenge; or an
 *   issue that names a challenge and that a *merged* pull request's body
 *   closes with a closing keyword.  A title names challenge N when it
 *   holds the word `challenge` (ASCII case-insensitive, not preceded by a
 *   letter or digit), one or more blanks, then the digits of N (at most
 *   nine); the first such mention counts.  Closing keywords: close,
 *   closes, closed, fix, fixes, fixed, resolve, resolves, resolved (ASCII
 *   case-insensitive, standalone as above), one or more blanks, `#`, the
 *   digits (not followed by a letter, digit or `_`).  "fix: #12",
 *   "closes#12", "Fixes owner/repo#12" and issue URLs do not count.  A
 *   reference to a number that is not an issue of the snapshot, or to an
 *   issue whose title names no challenge, completes nothing.
 * - Status, first match wins: needs-info label; day2-released label;
 *   day1-complete (label or word) or path `day2-only`; acked (label or
 *   word) or a completed challenge; else awaiting-ack.
 * - last_signal_at: the latest timestamp among the signals considered:
 *   the learner's comments (created_at, every one of them, since every
 *   one is read for words), the completed challenge issues (closed_at) and
 *   the merged pull requests that completed one (merged_at).  Labels carry
 *   no time in GitHub's issue listing and add none.  Timestamps must be
 *   ISO-8601 UTC (YYYY-MM-DDTHH:MM:SS[.fff]Z); others are ignored for this
 *   (the signal itself still counts).  None: empty string.
 *
 * Status order for glow-progress apply: awaiting-ack < active-day1 <
 * day1-complete < day2-released; needs-info is a flag state outside the
 * order (see glow_progress_may_move()).
 *
 * The two ends of the pipeline are here too: glow_progress_snapshot()
 * writes a snapshot from GitHub's lists (fetch), and glow_progress_apply()
 * writes derived statuses into a roster (apply).
 */
#ifndef GLOW_PROGRESS_H
#define GLOW_PROGRESS_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "roster/roster.h"

enum glow_progress_status {
	GLOW_PROGRESS_AWAITING_ACK = 0,
	GLOW_PROGRESS_ACTIVE_DAY1,
	GLOW_PROGRESS_DAY1_COMPLETE,
	GLOW_PROGRESS_DAY2_RELEASED,
	GLOW_PROGRESS_NEEDS_INFO
};

/* "awaiting-ack", ...; NULL for a value out of range. */
const char *glow_progress_status_name(int status);
/* The status named by s[0..n) (exact, lower case), or -1. */
int glow_progress_status_parse(const char *s, size_t n);

/*
 * May a learner's recorded status `from` be replaced by the derived status
 * `to`?  1 if yes, 0 if that would move the learner backwards.  needs-info
 * may be entered from any state and left to any state (the label was
 * removed: the derived status is what the signals say now).  An unknown
 * `from` (-1) may always be replaced.
 */
int glow_progress_may_move(int from, int to);

/* Signals, as bits of glow_progress.signals, in order of precedence. */
enum {
	GLOW_SIG_NEEDS_INFO_LABEL = 1 << 0,
	GLOW_SIG_DAY2_LABEL = 1 << 1,
	GLOW_SIG_DAY1_LABEL = 1 << 2,
	GLOW_SIG_DAY1_WORD = 1 << 3,
	GLOW_SIG_DAY2_ONLY_PATH = 1 << 4,
	GLOW_SIG_ACKED_LABEL = 1 << 5,
	GLOW_SIG_ACK_WORD = 1 << 6,
	GLOW_SIG_CHALLENGE = 1 << 7
};
#define GLOW_SIG_COUNT 8
/* "label:needs-info", "comment:ack", "challenge", ... for one bit. */
const char *glow_progress_signal_name(unsigned bit);

struct glow_progress {
	char *key;              /* the learner's key (owned) */
	int status;             /* enum glow_progress_status */
	unsigned signals;       /* every GLOW_SIG_* present */
	unsigned rule;          /* the GLOW_SIG_* bit that decided; 0: none */
	char last_signal_at[40];        /* "" when there is none */
	long *challenges;       /* completed challenge numbers, ascending, */
	size_t nchallenges;     /* unique (owned) */
};

/*
 * Derive progress from the snapshot object at token obj of doc.  Returns
 * 0, or -1 with *why set to a static reason (the snapshot is malformed, or
 * memory ran out).  The key is the snapshot's "key", or else made from
 * github_handle and cohort_id by the roster rule (lower-cased handle
 * without '@', "@@", trimmed cohort).  Free the result with
 * glow_progress_free() in either case.
 */
int glow_progress_derive(const struct glow_json *doc, int obj,
    struct glow_progress *out, const char **why);
void glow_progress_free(struct glow_progress *p);

/*
 * Write p as the derive output object:
 *   {"key":K,"status":S,"last_signal_at":T|null,
 *    "evidence":{"rule":R|null,"signals":[...],"challenges":[N,...]}}
 */
void glow_progress_write(struct glow_jw *w, const struct glow_progress *p);

/* The rule's pieces, exposed for tests and for other programs. */

/* Is word (lower case) in text[0..n) as a standalone token? */
int glow_progress_has_token(const char *text, size_t n, const char *word);
/* The challenge number a title names, or -1. */
long glow_progress_challenge(const char *title, size_t n);
/*
 * Find the issue numbers a pull request body closes.  Stores up to max of
 * them in refs, in order of appearance, and returns how many there are
 * (which may be more than max).
 */
size_t glow_progress_closing_refs(const char *body, size_t n, long *refs,
    size_t max);
/* Is s[0..n) a timestamp last_signal_at accepts? */
int glow_progress_is_timestamp(const char *s, size_t n);
/* Compare two accepted timestamps: <0, 0, >0. */
int glow_progress_timecmp(const char *a, const char *b);

/*
 * Snapshots (lib/progress/progress_snapshot.c).  A learner's snapshot from the
 * lists GitHub returns for the learner's repository: issues (GET
 * /repos/{owner}/{repo}/issues?state=all), comments (.../issues/comments)
 * and, when needed, pulls (.../pulls?state=all).  The issues list holds
 * the pull requests too, each with pull_request.merged_at (GitHub's issue
 * schema), so pulls are needed only when some pull request there lacks
 * merged_at (an older Enterprise Server).
 *
 * The snapshot object, compact, members in this order:
 *   {"key", "github_handle", "cohort_id", "path", "repo",
 *    "issues": [{"number", "title", "state", "state_reason", "closed_at",
 *                "labels": [names], "pull_request": bool}],
 *    "comments": [{"user": login, "created_at", "body"}],
 *    "pulls": [{"number", "state", "merged_at", "user": login, "body"}]}
 * A missing member is null; a user that is gone is "".
 */
int glow_progress_snapshot_needs_pulls(const struct glow_json *issues);
/* Write learner i's snapshot with w; pulls NULL: take the pull requests
 * from the issues list.  scratch as for glow_roster_get(). */
void glow_progress_snapshot(struct glow_jw *w, const struct glow_roster *r,
    size_t i, const char *repo, const struct glow_json *issues,
    const struct glow_json *comments, const struct glow_json *pulls,
    struct glow_buf *scratch);

/*
 * Applying derived statuses to a roster (lib/progress/progress_apply.c), as
 * glow-progress apply does.  Add each derive output line with
 * glow_progress_apply_add(), then call glow_progress_apply() on the
 * roster (directly, or from a glow_roster_edit() callback): the lines are
 * taken in key order, and of several lines for one key the last one
 * counts.  For each key:
 *
 * - not in the roster: UNKNOWN, nothing changes;
 * - the derived status would move the learner backwards
 *   (glow_progress_may_move()): HELD, nothing changes;
 * - else MOVED (status written) or SAME; and last_signal_at becomes the
 *   derived one, unless it is null or the roster holds a later one
 *   (signals can vanish, a deleted comment: the time seen stays).
 *
 * rows[] tells what happened to each key, in key order; count[] sums them.
 */
enum glow_progress_outcome {
	GLOW_PROGRESS_MOVED = 0,
	GLOW_PROGRESS_SAME,
	GLOW_PROGRESS_HELD,
	GLOW_PROGRESS_UNKNOWN
};

struct glow_progress_derived {
	char *key;              /* owned */
	int status;
	char last[40];          /* last_signal_at; "" for null */
	size_t pos;             /* line order */
	int superseded;         /* a later line has the same key */
};

struct glow_progress_row {
	const char *key;        /* into the derived lines */
	char from[32];          /* the recorded status */
	int to;                 /* the derived status */
	enum glow_progress_outcome what;
};

struct glow_progress_apply {
	struct glow_progress_derived *d;
	size_t n, cap;
	struct glow_progress_row *rows;
	size_t nrows;
	long count[4];          /* by enum glow_progress_outcome */
	int ordered;
};

/*
 * Add the derive output object at token obj of doc.  0, or -1 with *why
 * ("no valid status", "last_signal_at is not a timestamp", "no key"), or
 * -1 with *why NULL and errno ENOMEM.
 */
int glow_progress_apply_add(struct glow_progress_apply *a,
    const struct glow_json *doc, int obj, const char **why);
/* Apply the lines to r; 0, or -1 (ENOMEM; r may be partly changed). */
int glow_progress_apply(struct glow_progress_apply *a, struct glow_roster *r);
/*
 * Append the Markdown step summary (GitHub Actions' GITHUB_STEP_SUMMARY):
 * a heading, the counts, and a table of the keys that did not stay the
 * same (cells escaped).  dry adds " (dry run)" to the heading.
 */
void glow_progress_apply_summary(const struct glow_progress_apply *a, int dry,
    struct glow_buf *md);
/* "moved", "unchanged", "kept: would move backwards", "not in the roster" */
const char *glow_progress_outcome_name(enum glow_progress_outcome what);
void glow_progress_apply_free(struct glow_progress_apply *a);

#endif
