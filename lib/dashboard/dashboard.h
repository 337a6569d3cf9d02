/* SPDX-License-Identifier: ISC */
/*
 * dashboard.h: the cohort dashboard as GitHub-flavoured Markdown.
 *
 * Pure: a roster, the provisioning log and (optionally) an invitations
 * snapshot go in, one Markdown document comes out.  No I/O, no clock: the
 * caller gives the time, so the same inputs give the same bytes, and a
 * dashboard issue is edited only when something it shows has changed.
 * glow-dashboard(1) documents what the document holds; in short:
 *
 *  - the hidden marker GLOW_DASH_MARKER on the first line (the issue is
 *    found by it, never by its title);
 *  - totals per cohort: learners, each provisioning state, each status;
 *  - one Mermaid pie chart of the statuses per cohort (at most
 *    GLOW_DASH_MAX_CHARTS);
 *  - one table of learners, those who need attention first.
 *
 * Attention, first match wins (the order of the table):
 *
 *   1. provisioning failed (provision_state "failed");
 *   2. no live invitation: the snapshot says the invitation expired or is
 *      gone, or the log says it was sent more than 7 days ago (GitHub
 *      expires invitations after 7 days) and nothing shows it accepted;
 *   3. status needs-info;
 *   4. invitation not accepted for more than opts.days days.
 *
 * Within a class the oldest first (the time the trouble began), then by
 * cohort and handle.  A learner whose status shows progress has accepted.
 *
 * Public and private.  The public view (the default everywhere) shows
 * only: handle, cohort, path, provisioning state, invitation state,
 * status, the learning room link (its name is made from cohort and handle,
 * so it tells nothing new), the day of the last signal and the attention
 * reason.  Never notes, registration time, enrollment issue, error
 * details, or fields the format does not define.  The private view adds
 * the notes, the full time of the last signal and the error detail of a
 * failed attempt.
 *
 * Free text (cohort IDs, notes, errors) is escaped so that it cannot break
 * a table row, open HTML, or notify anyone: '@' and '#' are written as
 * entities, so "@alice" or "org/repo#1" in a note mentions nobody and
 * links nothing.
 *
 * Size.  The document stays within opts.max_bytes (default and upper
 * bound GLOW_DASH_MAX_BODY, GitHub's issue body limit; bytes are never
 * fewer than characters).  When the whole table does not fit, rows are
 * kept in table order (attention first) while they fit, whole rows only,
 * and a note says how many of each kind were left out; the totals above
 * still count everyone.
 */
#ifndef GLOW_DASHBOARD_H
#define GLOW_DASHBOARD_H

#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"
#include "roster/roster.h"

#define GLOW_DASH_MARKER "<!-- glow:dashboard -->"
#define GLOW_DASH_MAX_BODY 65536
#define GLOW_DASH_MAX_CHARTS 6
#define GLOW_DASH_MAX_COHORT_ROWS 100
#define GLOW_DASH_EXPIRY_DAYS 7     /* GitHub's invitation lifetime */

/* What is known of a learner's invitation. */
enum glow_dash_inv {
	GLOW_DASH_INV_UNKNOWN = 0,      /* nothing recorded */
	GLOW_DASH_INV_SENT,             /* the log says sent; acceptance unknown */
	GLOW_DASH_INV_PENDING,          /* snapshot: a live invitation */
	GLOW_DASH_INV_EXPIRED,          /* snapshot: expired */
	GLOW_DASH_INV_NONE,             /* snapshot: none, and no access */
	GLOW_DASH_INV_ACCEPTED          /* a collaborator, or progress shows it */
};
/* "unknown", "sent", "pending", "expired", "none", "accepted" */
const char *glow_dash_inv_name(int inv);
/* The state named s (snapshot spelling; "renewed" is pending), or -1. */
int glow_dash_inv_parse(const char *s, size_t n);

enum glow_dash_attn {
	GLOW_DASH_OK = 0,
	GLOW_DASH_FAILED,
	GLOW_DASH_NO_INVITATION,
	GLOW_DASH_NEEDS_INFO,
	GLOW_DASH_NOT_ACCEPTED
};

/* What the log and the snapshot say of one learner. */
struct glow_dash_info {
	char attempt_at[40];    /* the latest attempt; "" if none */
	char result[16];        /* its result */
	char *error_detail;     /* its error_detail (owned), or NULL */
	int log_inv;            /* from the log: UNKNOWN, SENT or ACCEPTED */
	char sent_at[40];       /* when the open invitation was sent; "" */
	int snap_inv;           /* from the snapshot; UNKNOWN if absent */
	char snap_at[40];       /* the snapshot invitation's created_at */
	char signal_at[40];     /* the roster's last_signal_at; "" */
};

struct glow_dash {
	struct glow_roster *r;          /* not owned; sorted by key */
	struct glow_dash_info *info;    /* r->nlearner, by learner index */
	size_t nlog, nsnap;             /* records used */
	size_t nlog_unknown;            /* records of learners not in the roster */
	struct glow_buf scratch;
};

struct glow_dash_opts {
	int private_view;               /* 0: public (the safe default) */
	long days;                      /* not accepted after this many days */
	long long now;                  /* epoch seconds */
	size_t max_bytes;               /* 0: GLOW_DASH_MAX_BODY */
	const char *web_base;           /* "https://github.com" if NULL */
};

struct glow_dash_stats {
	size_t learners, cohorts, attention;
	size_t attn[5];                 /* by enum glow_dash_attn */
	size_t rows;                    /* table rows written */
	size_t left_attention;          /* attention rows left out */
	size_t left_other;              /* other rows left out */
	size_t bytes;
};

/*
 * Set d up over the loaded, valid roster r (which it sorts by key and
 * which must outlive d).  0, or -1 (ENOMEM).
 */
int glow_dash_init(struct glow_dash *d, struct glow_roster *r);
void glow_dash_free(struct glow_dash *d);

/*
 * Read the provisioning log (either format of provision.h), in file order:
 * each learner's latest attempt, and the invitation it holds.  Records of
 * learners not in the roster are counted and ignored.  0, or -1 with err.
 */
int glow_dash_read_log(struct glow_dash *d, const char *text, size_t len,
    struct glow_json_error *err);

/*
 * Read an invitations snapshot: a JSON array (or JSON Lines) of objects
 * {"github_handle", "cohort_id", "invitation": pending | renewed | expired
 * | none | accepted, "created_at": time or null, ...} as glow-dashboard
 * invitations prints them.  0, or -1 with err.
 */
int glow_dash_read_snapshot(struct glow_dash *d, const char *text,
    size_t len, struct glow_json_error *err);

/* Learner i's invitation state, all sources weighed; *at (if not NULL)
 * the time it refers to ("" if none). */
int glow_dash_invitation(const struct glow_dash *d, size_t i,
    const char **at);
/* Learner i's attention class under o; *since the time it began (""). */
enum glow_dash_attn glow_dash_attention(const struct glow_dash *d, size_t i,
    const struct glow_dash_opts *o, const char **since);

/* Render the document into out (appended).  0, or -1 (out->failed). */
int glow_dash_render(struct glow_dash *d, const struct glow_dash_opts *o,
    struct glow_buf *out, struct glow_dash_stats *st);

/*
 * Append s[0..n) to out as the text of one table cell: no line breaks,
 * '|' and Markdown punctuation escaped, '<', '>', '&', '@', '#' as
 * entities, control characters dropped, at most max bytes of the input
 * (cut at a character boundary, "..." appended).
 */
void glow_dash_cell(struct glow_buf *out, const char *s, size_t n,
    size_t max);

/*
 * Are two issue bodies the same once normalized (CRLF and lone CR as LF,
 * trailing white space at the end dropped)?  GitHub may hand back a body
 * with CRLF line ends; an unchanged rendering must not count as a change.
 */
int glow_dash_same_body(const char *a, size_t an, const char *b, size_t bn);

/*
 * The dashboard issue in one page of GET /repos/{owner}/{repo}/issues: the
 * first issue (not pull request) whose body holds GLOW_DASH_MARKER.
 * Returns 1 and fills fd (free with glow_dash_issue_free), 0 if it is not
 * on this page, -1 if the page is not a JSON array.
 */
struct glow_dash_issue {
	long long number;       /* -1 when not found */
	int closed;
	char *body;
	char *url;              /* html_url, or NULL */
};
int glow_dash_find_issue(const char *page, size_t len,
    struct glow_dash_issue *fd);
void glow_dash_issue_free(struct glow_dash_issue *fd);

#endif
