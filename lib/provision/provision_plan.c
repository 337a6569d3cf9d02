/* SPDX-License-Identifier: ISC */
/* The plan of a provisioning run and its report: see provision_run.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "provision/provision_run.h"

/* ------------------------------------------------------------- the plan */

void
glow_prov_plan_free(struct glow_prov_learner *ls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ls[i].key);
		free(ls[i].handle);
		free(ls[i].cohort);
		free(ls[i].owner);
		free(ls[i].name);
		free(ls[i].full);
		free(ls[i].enroll);
	}
	free(ls);
}

/* Fill l from learner i of r: 0, or -1 (ENOMEM; l partly filled). */
static int
plan_one(const struct glow_roster *r, size_t i, const char *owner,
    struct glow_prov_learner *l, struct glow_buf *scratch)
{
	const struct glow_roster_learner *rl = &r->learner[i];
	struct glow_buf nb = GLOW_BUF_INIT;
	const char *v, *sl;
	size_t n;
	long long x;

	l->idx = i;
	l->key = strndup(rl->key, rl->keylen);
	v = glow_roster_get(r, i, GLOW_RF_HANDLE, scratch, &n);
	l->handle = strndup(v, n);
	v = glow_roster_get(r, i, GLOW_RF_COHORT, scratch, &n);
	l->cohort = strndup(v, n);
	if (!l->key || !l->handle || !l->cohort)
		return -1;
	glow_roster_repo_name(&nb, l->cohort, strlen(l->cohort), l->handle,
	    strlen(l->handle));
	if (l->sel == GLOW_PROV_VERIFY &&
	    (v = glow_roster_get(r, i, GLOW_RF_REPO, scratch, &n)) &&
	    (sl = memchr(v, '/', n))) {
		l->owner = strndup(v, (size_t)(sl - v));
		l->name = strndup(sl + 1, n - (size_t)(sl - v) - 1);
	} else {
		l->owner = strdup(owner);
		l->name = strndup(glow_buf_str(&nb), nb.len);
	}
	glow_buf_free(&nb);
	if (!l->owner || !l->name ||
	    !(l->full = malloc(strlen(l->owner) + strlen(l->name) + 2)))
		return -1;
	sprintf(l->full, "%s/%s", l->owner, l->name);
	/* The roster names this repository for this key: glow recorded it. */
	if ((v = glow_roster_get(r, i, GLOW_RF_REPO, scratch, &n)) &&
	    n == strlen(l->full) && strncasecmp(v, l->full, n) == 0)
		l->recorded = 1;
	if ((v = glow_roster_get(r, i, GLOW_RF_ENROLL_REPO, scratch, &n)) &&
	    !(l->enroll = strndup(v, n)))
		return -1;
	if (glow_json_int(rl->doc, glow_json_get(rl->doc, rl->tok,
	    "enrollment_issue_number"), &x) == 0)
		l->issue = x;
	return 0;
}

int
glow_prov_plan(const struct glow_roster *r, const char *owner, int verify_all,
    struct glow_prov_learner **out, size_t *count)
{
	struct glow_buf scratch = GLOW_BUF_INIT;
	struct glow_prov_learner *ls = NULL, *l;
	const char *v;
	size_t i, n, nl = 0;

	*out = NULL;
	*count = 0;
	if (r->nlearner && !(ls = calloc(r->nlearner, sizeof *ls)))
		goto nomem;
	for (i = 0; i < r->nlearner; i++) {
		l = &ls[nl];
		v = glow_roster_get(r, i, GLOW_RF_STATE, &scratch, &n);
		l->sel = glow_prov_select(v, n, verify_all);
		if (l->sel == GLOW_PROV_SKIP)
			continue;
		snprintf(l->state, sizeof l->state, "%.*s", (int)n, v);
		nl++;
		if (plan_one(r, i, owner, l, &scratch) < 0)
			goto nomem;
	}
	glow_buf_free(&scratch);
	*out = ls;
	*count = nl;
	return 0;
nomem:
	glow_buf_free(&scratch);
	if (ls)
		glow_prov_plan_free(ls, nl);
	errno = ENOMEM;
	return -1;
}

void
glow_prov_plan_line(const struct glow_prov_learner *l, int exists,
    struct glow_buf *out)
{
	struct glow_jw w;
	const char *action;

	if (exists < 0)
		action = l->sel == GLOW_PROV_VERIFY ? "verify" : "provision";
	else if (!exists)
		action = "create";
	else
		action = "verify";
	glow_jw_init(&w, out, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "key");
	glow_jw_str(&w, l->key);
	glow_jw_key(&w, "github_handle");
	glow_jw_str(&w, l->handle);
	glow_jw_key(&w, "cohort_id");
	glow_jw_str(&w, l->cohort);
	glow_jw_key(&w, "repo");
	glow_jw_str(&w, l->full);
	glow_jw_key(&w, "provision_state");
	glow_jw_str(&w, l->state);
	glow_jw_key(&w, "action");
	glow_jw_str(&w, action);
	glow_jw_key(&w, "exists");
	if (exists < 0)
		glow_jw_null(&w);
	else
		glow_jw_bool(&w, exists);
	glow_jw_end(&w);
	glow_buf_addc(out, '\n');
}

/* ---------------------------------------------------------- the outcome */

enum glow_prov_count
glow_prov_settle(const struct glow_prov_learner *l, struct glow_prov_outcome *o,
    const char **state, const char **repo)
{
	*state = NULL;
	*repo = l->full;
	if (!o->result)
		o->result = "error";
	if (!strcmp(o->result, "skipped")) {
		/* stopped by the credentials, not by anything of the learner's:
		 * the state stays (pending), a repository made is recorded */
		if (!o->created)
			*repo = NULL;
		return GLOW_PROV_C_SKIPPED;
	}
	if (!strcmp(o->result, "error")) {
		*state = "failed";
		if (!o->created)
			*repo = NULL;
		if (!o->detail.len)
			glow_buf_adds(&o->detail, "failed");
		return GLOW_PROV_C_ERROR;
	}
	if (!strcmp(o->result, "healed")) {
		*state = "healed";
		return GLOW_PROV_C_HEALED;
	}
	if (!strcmp(o->result, "created")) {
		*state = "provisioned";
		return GLOW_PROV_C_CREATED;
	}
	if (!strcmp(o->result, "verified"))
		return GLOW_PROV_C_VERIFIED;
	if (l->sel == GLOW_PROV_PROVISION)
		*state = "provisioned";
	return GLOW_PROV_C_EXISTS;
}

int
glow_prov_update_fn(struct glow_roster *r, void *arg)
{
	struct glow_prov_update *u = arg;
	long i = glow_roster_find(r, u->key, strlen(u->key));

	if (i < 0)
		return -1;
	if (u->repo && glow_roster_set_str(r, (size_t)i, "learning_room_repo",
	    u->repo) < 0)
		return -1;
	if (u->state && glow_roster_set_str(r, (size_t)i, "provision_state",
	    u->state) < 0)
		return -1;
	return 0;
}

/* ----------------------------------------------------------- the report */

static char *
dup_or_null(const char *s, int *bad)
{
	char *p;

	if (!s)
		return NULL;
	if (!(p = strdup(s)))
		*bad = 1;
	return p;
}

int
glow_prov_report_add(struct glow_prov_report *rep,
    const struct glow_prov_learner *l, const struct glow_prov_outcome *o)
{
	struct glow_prov_row *w;
	int bad = 0, err = o->result && !strcmp(o->result, "error");

	if (rep->nrows == rep->caprows) {
		size_t cap = rep->caprows ? rep->caprows * 2 : 16;

		if (!(w = realloc(rep->rows, cap * sizeof *w))) {
			errno = ENOMEM;
			return -1;
		}
		rep->rows = w;
		rep->caprows = cap;
	}
	w = &rep->rows[rep->nrows++];
	w->key = dup_or_null(l->key, &bad);
	w->repo = dup_or_null(l->full, &bad);
	w->result = dup_or_null(o->result, &bad);
	w->invitation = dup_or_null(o->invitation, &bad);
	w->detail = err ? dup_or_null(glow_buf_str(&o->detail), &bad) :
	    NULL;
	w->requests = o->requests;
	if (bad) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
glow_prov_report_free(struct glow_prov_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nrows; i++) {
		free(rep->rows[i].key);
		free(rep->rows[i].repo);
		free(rep->rows[i].result);
		free(rep->rows[i].invitation);
		free(rep->rows[i].detail);
	}
	free(rep->rows);
	rep->rows = NULL;
	rep->nrows = rep->caprows = 0;
}

static const char *const count_name[GLOW_PROV_NCOUNT] = {
	"created", "already_exists", "healed", "verified", "skipped", "error"
};

void
glow_prov_summary_json(const struct glow_prov_report *rep, struct glow_buf *b)
{
	static const struct glow_gh_stats none;
	const struct glow_gh_stats *s = rep->stats ? rep->stats : &none;
	struct glow_json nd;
	struct glow_json_error je;
	struct glow_jw w;
	char num[64];
	size_t k;

	glow_jw_init(&w, b, 0);
	glow_jw_object(&w);
	glow_jw_key(&w, "summary");
	glow_jw_bool(&w, 1);
	glow_jw_key(&w, "dry_run");
	glow_jw_bool(&w, rep->dry);
	glow_jw_key(&w, "learners");
	glow_jw_int(&w, (long long)rep->learners);
	glow_jw_key(&w, "selected");
	glow_jw_int(&w, (long long)rep->selected);
	glow_jw_key(&w, "done");
	glow_jw_int(&w, (long long)rep->done);
	for (k = 0; k < GLOW_PROV_NCOUNT; k++) {
		glow_jw_key(&w, count_name[k]);
		glow_jw_int(&w, rep->count[k]);
	}
	glow_jw_key(&w, "requests");
	glow_jw_int(&w, s->requests);
	glow_jw_key(&w, "not_modified");
	glow_jw_int(&w, s->not_modified);
	glow_jw_key(&w, "retries");
	glow_jw_int(&w, s->retries);
	glow_jw_key(&w, "limited");
	glow_jw_int(&w, s->limited);
	glow_jw_key(&w, "wait_limit_s");
	glow_jw_int(&w, (long long)(s->wait_limit + 0.5));
	glow_jw_key(&w, "wait_pace_s");
	glow_jw_int(&w, (long long)(s->wait_pace + 0.5));
	glow_jw_key(&w, "wait_backoff_s");
	glow_jw_int(&w, (long long)(s->wait_backoff + 0.5));
	glow_jw_key(&w, "wait_content_s");
	glow_jw_int(&w, (long long)(rep->wait_content + 0.5));
	/* the elapsed time with two decimals, as a JSON number */
	snprintf(num, sizeof num, "%.2f", rep->elapsed);
	glow_jw_key(&w, "elapsed_s");
	if (glow_json_parse(&nd, num, strlen(num), &je) == 0) {
		glow_jw_value(&w, &nd, 0);
		glow_json_free(&nd);
	} else
		glow_jw_null(&w);
	glow_jw_key(&w, "interrupted");
	glow_jw_bool(&w, rep->interrupted);
	glow_jw_end(&w);
	glow_buf_addc(b, '\n');
}

static void
md_cell(struct glow_buf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' ||
		    *s == '_' || *s == '<' || *s == '[')
			glow_buf_addc(b, '\\');
		glow_buf_addc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

void
glow_prov_summary_md(const struct glow_prov_report *rep, struct glow_buf *md)
{
	const long *c = rep->count;
	size_t k;

	glow_buf_printf(md, "### glow-provision%s\n\n", rep->dry ?
	    " (dry run)" : "");
	glow_buf_printf(md, "%zu learners taken: %ld created, %ld already "
	    "existed, %ld healed, %ld verified, %ld skipped, %ld failed; %ld "
	    "requests%s.\n\n", rep->selected, c[GLOW_PROV_C_CREATED],
	    c[GLOW_PROV_C_EXISTS], c[GLOW_PROV_C_HEALED],
	    c[GLOW_PROV_C_VERIFIED], c[GLOW_PROV_C_SKIPPED],
	    c[GLOW_PROV_C_ERROR], rep->stats ? rep->stats->requests : 0,
	    rep->interrupted ? "; interrupted, the rest is left for the next "
	    "run" : "");
	if (!rep->nrows)
		return;
	glow_buf_adds(md, "| learner | repository | result | invitation "
	    "| requests | detail |\n|---|---|---|---|---:|---|\n");
	for (k = 0; k < rep->nrows; k++) {
		const struct glow_prov_row *w = &rep->rows[k];

		glow_buf_adds(md, "| ");
		md_cell(md, w->key);
		glow_buf_adds(md, " | ");
		md_cell(md, w->repo);
		glow_buf_adds(md, " | ");
		md_cell(md, w->result);
		glow_buf_adds(md, " | ");
		md_cell(md, w->invitation ? w->invitation : "");
		glow_buf_printf(md, " | %ld | ", w->requests);
		md_cell(md, w->detail ? w->detail : "");
		glow_buf_adds(md, " |\n");
	}
	glow_buf_addc(md, '\n');
}
