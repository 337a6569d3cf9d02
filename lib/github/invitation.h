/* SPDX-License-Identifier: ISC */
/*
 * invitation.h: a learner's invitation to their learning room, as the
 * REST API shows it ("Repository invitations", GITHUB-FACTS.md), and the
 * record glow-dashboard(1) keeps of it in an invitations snapshot.
 *
 * Pure: the program makes the requests (list the repository's
 * invitations, check the collaborator, delete and send again) and gives
 * the answers here.  dashboard.h reads the snapshot back.
 */
#ifndef GLOW_INVITATION_H
#define GLOW_INVITATION_H

#include <stddef.h>

#include "core/json.h"

struct glow_invitation {
	const char *state;      /* "pending", "expired", "accepted", "none",
	                         * "renewed"; NULL until known */
	long long id;           /* the invitation's ID, or -1 */
	char created[40];       /* its created_at, or "" */
	int renewed;            /* sent again in this run */
};

void glow_invitation_init(struct glow_invitation *inv);

/*
 * Find handle's invitation (login compared without case) in a page of
 * GET /repos/{owner}/{repo}/invitations: a live one wins over expired
 * ones.  0 with inv->state "pending" or "expired", inv->id and
 * inv->created; 1 if there is none (inv->state stays NULL: ask whether
 * handle is a collaborator); -1 if the text is not JSON (err).
 */
int glow_invitation_find(struct glow_invitation *inv, const char *list,
    size_t len, const char *handle, struct glow_json_error *err);

/*
 * Should the invitation be sent again?  Expired or none: yes; pending
 * and sent more than days days before now (epoch seconds): yes.
 */
int glow_invitation_due(const struct glow_invitation *inv, long long now,
    long days);

/*
 * The invitation was sent again at now (ISO 8601), and body[0..len) is
 * the answer to PUT .../collaborators/{handle} (201, the invitation):
 * state "renewed", its id and created_at when the answer has them.
 */
void glow_invitation_renewed(struct glow_invitation *inv, const char *body,
    size_t len, const char *now);

/*
 * Append one snapshot record: {"github_handle", "cohort_id", "repo",
 * "invitation", "created_at", "id", "renewed", "error"} (unknowns null).
 */
void glow_invitation_write(struct glow_jw *w, const char *handle,
    const char *cohort, const char *repo, const struct glow_invitation *inv,
    const char *error);

#endif
