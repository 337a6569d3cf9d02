/* SPDX-License-Identifier: ISC */
/*
 * provision_parts.h: what the provisioning run's own files share
 * (provision_run.c: helpers, tokens, existence, the template;
 * provision_steps.c: one learner's steps; provision_batch.c: the batch).
 * Not for programs: they use provision_run.h.
 */
#ifndef GLOW_PROVISION_PARTS_H
#define GLOW_PROVISION_PARTS_H

#include "provision/provision_run.h"

/* What one look at a new repository's content found. */
enum look { LOOK_READY, LOOK_NOT_YET, LOOK_FAILED };

/* provision_run.c */
/* A line for run->note, if set. */
void prov_note(struct glow_prov_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The run cannot go on (why, and GitHub's answer r if any). */
void prov_set_fatal(struct glow_prov_run *run, const char *why,
    const struct glow_gh_resp *r);
/* Out of memory: the batch stops.  NULL, for the caller to return. */
void *prov_nomem(struct glow_prov_run *run);
char *prov_dup_lower(struct glow_prov_run *run, const char *s);
/* The learner failed: o->detail from fmt, e and r.  Returns -1. */
int prov_fail(struct glow_prov_run *run, struct glow_prov_outcome *o,
    enum glow_gh_err e, const struct glow_gh_resp *r, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Whether GitHub's message in r contains s. */
int prov_message_has(const struct glow_gh_resp *r, const char *s);
/* The template's file name, base64, read once per run; NULL: failed. */
const char *prov_template_file(struct glow_prov_run *run, const char *name,
    struct glow_prov_outcome *o);

/* provision_steps.c */
/* Up to the content: existence, generation, provenance.  0, or -1. */
int prov_begin(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o);
/* One look at the content of a new repository (see provision_steps.c). */
enum look prov_look(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, struct glow_gh_resp *rp, struct glow_json *doc,
    int *have);
/* After the content: healing, invitation, comment. */
void prov_complete(struct glow_prov_run *run, struct glow_prov_learner *l,
    struct glow_prov_outcome *o, const struct glow_json *doc, int have);

#endif
