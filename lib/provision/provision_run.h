/* SPDX-License-Identifier: ISC */
/*
 * provision_run.h: the provisioning run of glow-provision(1): which
 * learners it takes (the plan), the per-learner algorithm over the GitHub
 * client (lib/provision/provision_run.c), and what is reported of it
 * (lib/provision/provision_plan.c).  The pure decisions it relies on are in
 * provision.h.
 *
 * Each learner, in this order of requests (the request counts of
 * glow-provision(1) PERFORMANCE depend on it); learners are interleaved
 * while their content is on its way (glow_prov_batch):
 *
 *  1. existence: looked up in the owner's listing, learnt once per run by
 *     glow_prov_learn_listing() (GET /orgs/{owner}/repos, or for a user
 *     /installation/repositories; paginated), or else GET /repos/{o}/{r};
 *  2. a missing repository is generated from the template (POST
 *     /repos/{t}/generate, glow's mark for the key in its description; the
 *     template's head commit is read once per run first, for the log); an
 *     existing one, or a 422 "already exists", is used only when glow made
 *     it for this key (provenance: the roster records it, or GET
 *     /repos/{o}/{r} shows the template and the mark, provision.h);
 *  3. the content wait and verification: GET of .github/workflows, first
 *     after run->guess seconds for a new repository (learned from the
 *     arrivals seen), then every few seconds while GitHub answers 409,
 *     "empty" or (a new one) 404, bounded by run->timeout; each required
 *     workflow file missing is healed (PUT contents, the file read once per
 *     run from the template; a retry that meets "sha wasn't supplied"
 *     reads the file and accepts the template's content);
 *  4. the invitation: PUT collaborators for a new repository; for an
 *     existing one, a collaborator or a live invitation is success (two
 *     cacheable listings), an expired invitation is deleted and sent again;
 *  5. with run->comment, the "room is ready" comment on the enrollment
 *     issue, once (a marker in a comment of the App's tells it is there;
 *     the POST is never retried blindly).
 *
 * Tokens.  Every request goes through glow_prov_call() or
 * glow_prov_call_list(): when run->renew_at (epoch seconds) has come, or
 * when GitHub answers 401, run->renew (if set) is asked for a new token
 * (it sets gh->token and renew_at itself) and a refused request is sent
 * again, up to GLOW_PROV_RENEWALS times (a call that waits out two long
 * limits outlives two tokens).  A 401 that stays, or a renewal that fails,
 * stops the batch:
 * run->fatal says why and run->fatal_msg holds the whole reason.  A rate
 * limit the client could not wait out sets run->limited_stop.
 *
 * Nothing here prints or exits.  Notes a verbose program shows go to
 * run->note, one line each (no newline); out of memory stops the batch
 * with run->nomem set.
 */
#ifndef GLOW_PROVISION_RUN_H
#define GLOW_PROVISION_RUN_H

#include <signal.h>
#include <stddef.h>

#include "core/buf.h"
#include "github/github.h"
#include "provision/provision.h"
#include "roster/roster.h"

#define GLOW_PROV_MARKER "<!-- glow:room-ready -->"
#define GLOW_PROV_WORKFLOW_DIR ".github/workflows"
#define GLOW_PROV_MAX_HEALED 16
#define GLOW_PROV_RENEWALS 3    /* new tokens for one call's 401s */

/* One learner the run takes (glow_prov_plan). */
struct glow_prov_learner {
	size_t idx;                     /* index in the roster */
	char *key, *handle, *cohort;
	char *owner, *name;             /* the repository */
	char *full;                     /* owner/name */
	char *enroll;                   /* enrollment repository, or NULL */
	long long issue;                /* enrollment issue, or 0 */
	char state[16];                 /* provision_state */
	enum glow_prov_sel sel;
	int recorded;                   /* the roster's learning_room_repo is
	                                   this repository */
};

/*
 * The learners of roster r (sorted by key first: glow_roster_sort) that
 * a run takes, as glow_prov_select() decides with verify_all, into a new
 * array *out of *n (free with glow_prov_plan_free).  A learner's
 * repository is owner/learning-room-COHORT-HANDLE, or for one verified
 * the learning_room_repo of record.  0, or -1 (ENOMEM).
 */
int glow_prov_plan(const struct glow_roster *r, const char *owner,
    int verify_all, struct glow_prov_learner **out, size_t *n);
void glow_prov_plan_free(struct glow_prov_learner *ls, size_t n);

/* How one learner went.  Zero it before use; glow_prov_outcome_free. */
struct glow_prov_outcome {
	const char *result;             /* created, already-exists, healed,
	                                   verified, skipped (credentials
	                                   failed meanwhile), error; NULL:
	                                   error */
	const char *invitation;         /* invited, renewed, already-invited,
	                                   collaborator, or NULL */
	const char *comment;            /* posted, present, or NULL */
	char *healed[GLOW_PROV_MAX_HEALED];
	size_t nhealed;
	struct glow_buf detail;         /* "what 'object': reason" on error */
	long requests;
	int created, exists;
	int clash;                      /* generation answered 422 "exists":
	                                   1, or 2 after a retry of its POST */
	int foreign;                    /* the name is another's repository */
};
void glow_prov_outcome_free(struct glow_prov_outcome *o);

enum glow_prov_renew {
	GLOW_PROV_RENEW_DUE,            /* run->renew_at has come */
	GLOW_PROV_RENEW_REFUSED         /* GitHub answered 401 */
};

struct glow_prov_run {
	/* Settings: the caller fills them (glow_prov_run_init zeroes all and
	 * sets timeout 120 and guess 0.1). */
	struct glow_gh *gh;
	const char *tmpl_owner, *tmpl_name, *tmpl_full;
	const char *owner;              /* where new repositories go */
	char *const *workflows;         /* required files in .github/workflows */
	size_t nworkflows;
	int comment;                    /* post the "room is ready" comment */
	double timeout;                 /* seconds the content may take */
	double guess;                   /* seconds before the first content
	                                   check; adapted as the run goes */
	size_t depth;                   /* learners waiting for content at
	                                   once (glow_prov_batch) */
	volatile sig_atomic_t *stop;    /* when set (a signal): no new
	                                   learner is started */
	const char *web;                /* web address, for the comment */
	/* A new token into gh->token (and renew_at: 0 when never due): 0, or
	 * -1.  path is the refused request's, NULL for a refused listing or
	 * a renewal that is due. */
	int (*renew)(void *arg, enum glow_prov_renew why, const char *path);
	void *renew_arg;
	long long renew_at;
	void (*note)(void *arg, const char *line);
	void *note_arg;

	/* What the run learned; read-only for the caller. */
	int listed;                     /* names[] holds the owner's repos */
	char **names;
	size_t nnames, capnames;
	int have_sha;
	char sha[64];
	struct glow_prov_tfile { char *name, *b64; } *tfiles;
	size_t ntfiles;
	double wait_content;            /* seconds new repositories' content
	                                   took, added up */
	long arrivals;                  /* new repositories seen arrive */

	/* Why the batch stops, if it does. */
	const char *fatal;
	struct glow_buf fatal_msg;
	int limited_stop;
	int nomem;
};

/*
 * The preflight, before any learner is touched: the template is readable
 * (GET /repos/{t}), a template (is_template), and holds every required
 * workflow file (GET of its .github/workflows).  0, or -1 with why set to
 * one line naming the template and what is wrong ("cannot use template
 * 'o/t': it lacks .github/workflows/x.yml"); a run that fails it must mark
 * no learner failed.  Two GETs, cacheable (304s on a later run).
 */
int glow_prov_preflight(struct glow_prov_run *run, struct glow_buf *why);

void glow_prov_run_init(struct glow_prov_run *run, struct glow_gh *gh);
void glow_prov_run_free(struct glow_prov_run *run);

/* One request, or every page of a list as one array in out, with the
 * token rules above.  After run->fatal, GLOW_GH_HTTP without a request. */
enum glow_gh_err glow_prov_call(struct glow_prov_run *run, const char *method,
    const char *path, const char *body, struct glow_gh_resp *r);
enum glow_gh_err glow_prov_call_list(struct glow_prov_run *run,
    const char *path, struct glow_buf *out, struct glow_gh_resp *r);

/*
 * Learn which repositories run->owner has, in one paginated listing, for
 * nwanted learners.  When the listing is unavailable, or longer than
 * asking for each learner would be, run->listed stays 0.
 */
void glow_prov_learn_listing(struct glow_prov_run *run, size_t nwanted);

/* Does l's repository exist?  1, 0, or -1 (o says why). */
int glow_prov_exists(struct glow_prov_run *run,
    const struct glow_prov_learner *l, struct glow_prov_outcome *o);

/* The template's head commit, read once per run; NULL if unreadable. */
const char *glow_prov_template_sha(struct glow_prov_run *run);

/*
 * Provision the n learners ls, in order, pipelined: while one learner's
 * content is on its way (steps 1 and 2 done), later learners are started,
 * up to run->depth waiting at once (1: one learner at a time).  Requests
 * stay serial, and writes paced by the client: pipelining interleaves
 * learners, it never sends requests at once.  A waiting learner is first
 * looked at after run->guess seconds (the soonest arrival seen),
 * then every age/4 seconds, between 0.25 and 2.  When a learner is
 * finished, done(arg, l, o) is called with its outcome (o->result says
 * how it went; "skipped" when the credentials failed while it was in
 * flight) and o is freed after; done returns 0 to go on, or -1 to start no
 * more learners: those already started are finished first.  0, or -1 when
 * done stopped the batch (or out of memory: run->nomem).
 */
typedef int glow_prov_done_fn(void *arg, struct glow_prov_learner *l,
    struct glow_prov_outcome *o);
int glow_prov_batch(struct glow_prov_run *run, struct glow_prov_learner *ls,
    size_t n, glow_prov_done_fn *done, void *arg);

/* ------------------------------------------------------------- report */

enum glow_prov_count {
	GLOW_PROV_C_CREATED, GLOW_PROV_C_EXISTS, GLOW_PROV_C_HEALED,
	GLOW_PROV_C_VERIFIED, GLOW_PROV_C_SKIPPED, GLOW_PROV_C_ERROR,
	GLOW_PROV_NCOUNT
};

/*
 * What an outcome means: its counter; *state the learner's new
 * provision_state (failed, provisioned, healed) or NULL to keep it (a
 * learner skipped because the credentials failed meanwhile stays as it was);
 * *repo the learning_room_repo to record or NULL.  A missing result
 * becomes "error", an error without detail "failed".
 */
enum glow_prov_count glow_prov_settle(const struct glow_prov_learner *l,
    struct glow_prov_outcome *o, const char **state, const char **repo);

/* One learner of the step summary. */
struct glow_prov_row {
	char *key, *repo, *result, *invitation, *detail;
	long requests;
};

/* A run's figures, for the summary line and the GitHub step summary. */
struct glow_prov_report {
	int dry, interrupted;
	size_t learners, selected, done;
	long count[GLOW_PROV_NCOUNT];
	const struct glow_gh_stats *stats;
	double wait_content, elapsed;   /* seconds */
	struct glow_prov_row *rows;
	size_t nrows, caprows;
};

/* Add l's row (not for "verified"): 0, or -1 (ENOMEM). */
int glow_prov_report_add(struct glow_prov_report *rep,
    const struct glow_prov_learner *l, const struct glow_prov_outcome *o);
void glow_prov_report_free(struct glow_prov_report *rep);

/* The summary object, one line with its newline (glow-provision(1)). */
void glow_prov_summary_json(const struct glow_prov_report *rep,
    struct glow_buf *out);
/* The Markdown for $GITHUB_STEP_SUMMARY: a sentence and a table. */
void glow_prov_summary_md(const struct glow_prov_report *rep,
    struct glow_buf *out);

/* A dry run's line for l: exists 1, 0, or -1 when not known. */
void glow_prov_plan_line(const struct glow_prov_learner *l, int exists,
    struct glow_buf *out);

/* Record l's outcome in the roster (learning_room_repo and
 * provision_state, each when not NULL): a glow_roster_edit() callback,
 * arg a struct glow_prov_update.  -1 if the learner is not there. */
struct glow_prov_update {
	const char *key, *repo, *state;
};
int glow_prov_update_fn(struct glow_roster *r, void *arg);

#endif
