/* SPDX-License-Identifier: ISC */
/* provision_batch.c: learners interleaved while their content is on its way (glow_prov_batch); see provision_run.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/json.h"
#include "provision/provision_parts.h"

/* ---------------------------------------------------------------- batch */

/* A learner in the batch: its outcome and, while its content is on its
 * way, when it was made and when to look next (the client's clock). */
struct slot {
	struct glow_prov_learner *l;
	struct glow_prov_outcome o;
	double made, look_at;
	int fatal_before;
};

/* The requests of one step, counted for the learner it is for. */
static long
mark(struct glow_prov_run *run)
{
	return run->gh->stats.requests;
}

/* Done with s: credentials that failed while it was in flight say nothing
 * about the learner (skipped: it stays pending); then the caller's turn.
 * The return is done's: -1 to start no more learners. */
static int
finish(struct glow_prov_run *run, struct slot *s, glow_prov_done_fn *done,
    void *arg)
{
	int rc;

	if (!s->fatal_before && run->fatal && (!s->o.result ||
	    !strcmp(s->o.result, "error")))
		s->o.result = "skipped";
	rc = done(arg, s->l, &s->o);
	glow_prov_outcome_free(&s->o);
	return rc;
}

/* Look at s's content once; finish s when it is there, or failed, or has
 * not come in run->timeout seconds; else set the next prov_look, sooner while
 * the content is young (polling follows the arrival, a few seconds at
 * most, never doubling).  1 when s is finished (*rc done's answer). */
static int
step(struct glow_prov_run *run, struct slot *s, glow_prov_done_fn *done,
    void *arg, int *rc)
{
	struct glow_gh_resp r;
	struct glow_json doc;
	enum look k;
	double now, age, gap;
	long before = mark(run);
	int have;

	k = prov_look(run, s->l, &s->o, &r, &doc, &have);
	now = glow_gh_now(run->gh);
	age = now - s->made;
	if (k == LOOK_NOT_YET && age < run->timeout) {
		glow_gh_resp_free(&r);
		s->o.requests += mark(run) - before;
		/* before any content has arrived, content this old was not
		 * there yet: the next new repository is not looked at sooner */
		if (s->o.created && run->arrivals == 0 && age > run->guess)
			run->guess = age;
		gap = age / 4;
		s->look_at = now + (gap < 0.25 ? 0.25 : gap > 2 ? 2 : gap);
		return 0;
	}
	if (k == LOOK_NOT_YET) {
		glow_buf_reset(&s->o.detail);
		glow_buf_printf(&s->o.detail, "content of '%s' did not arrive in "
		    "%.0f s", s->l->full, age);
		s->o.result = "error";
	} else if (k == LOOK_READY) {
		if (s->o.created) {
			/* the next new repository is first looked at when the
			 * soonest arrival seen came */
			run->wait_content += age;
			if (run->arrivals++ == 0 || age < run->guess)
				run->guess = age;
		}
		prov_complete(run, s->l, &s->o, &doc, have);
		if (have == 1)
			glow_json_free(&doc);
	}
	glow_gh_resp_free(&r);
	s->o.requests += mark(run) - before;
	*rc = finish(run, s, done, arg);
	return 1;
}

int
glow_prov_batch(struct glow_prov_run *run, struct glow_prov_learner *ls,
    size_t n, glow_prov_done_fn *done, void *arg)
{
	size_t depth = run->depth ? run->depth : 1, nw = 0, next = 0, k, j, o;
	struct slot *w, s;
	double now, until;
	int stopping = 0, rc = 0;
	long before;

	if (!(w = calloc(depth, sizeof *w))) {
		prov_nomem(run);
		return -1;
	}
	for (;;) {
		now = glow_gh_now(run->gh);
		/* the waiting learner to look at first */
		for (k = 0, j = 1; j < nw; j++)
			if (w[j].look_at < w[k].look_at)
				k = j;
		if (nw && w[k].look_at <= now) {
			/* before any content has arrived, only the oldest new
			 * repository is looked at: the others would not be
			 * there sooner, and once one arrives run->guess says
			 * when to look */
			for (o = 0, j = 1; j < nw; j++)
				if (w[j].o.created && (!w[o].o.created ||
				    w[j].made < w[o].made))
					o = j;
			if (run->arrivals == 0 && w[k].o.created && k != o &&
			    w[o].o.created) {
				w[k].look_at = w[o].look_at + 0.001;
				continue;
			}
			if (step(run, &w[k], done, arg, &rc)) {
				w[k] = w[--nw];
				if (rc < 0)
					stopping = 1;
			}
			continue;
		}
		/* a new learner, once its writes may go (until then, the
		 * waiting learners' looks go first) */
		if (run->stop && *run->stop)
			stopping = 1;
		if (!stopping && next < n && nw < depth &&
		    (nw == 0 || glow_gh_pace_due(run->gh) <= now)) {
			memset(&s, 0, sizeof s);
			s.l = &ls[next++];
			s.fatal_before = run->fatal != NULL;
			before = mark(run);
			if (prov_begin(run, s.l, &s.o) == 0 && s.o.created) {
				s.o.requests = mark(run) - before;
				s.made = glow_gh_now(run->gh);
				s.look_at = s.made + run->guess;
				w[nw++] = s;
				continue;
			}
			s.o.requests = mark(run) - before;
			if (s.o.result) {       /* begin failed */
				if (finish(run, &s, done, arg) < 0)
					stopping = 1;
				continue;
			}
			/* an existing repository: its content is there (or, if
			 * GitHub is still copying it, waited for like a new one) */
			s.made = glow_gh_now(run->gh);
			if (!step(run, &s, done, arg, &rc))
				w[nw++] = s;
			else if (rc < 0)
				stopping = 1;
			continue;
		}
		if (nw == 0)
			break;
		until = w[k].look_at;
		if (!stopping && next < n && nw < depth &&
		    glow_gh_pace_due(run->gh) < until)
			until = glow_gh_pace_due(run->gh);
		glow_gh_wait(run->gh, until - now);
	}
	free(w);
	return stopping ? -1 : 0;
}
