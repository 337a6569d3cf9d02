/* SPDX-License-Identifier: ISC */
/*
 * dispatch.h: a matched rule's "dispatch" (glow-trigger(5)): the event
 * handed to GitHub Actions, through the REST client (its retries, pacing
 * and rate limits).
 *
 *   workflow_dispatch    POST /repos/{o}/{r}/actions/workflows/{workflow}/
 *                        dispatches {"ref", "inputs"}: the inputs are the
 *                        envelope's essentials as strings, delivery,
 *                        event, action, repository, sender ("" when
 *                        absent); the workflow must declare them under
 *                        on.workflow_dispatch.inputs (GitHub answers 422
 *                        to an input it does not declare).
 *   repository_dispatch  POST /repos/{o}/{r}/dispatches {"event_type",
 *                        "client_payload"}: delivery, event, action,
 *                        repository, installation_id, sender, and the
 *                        webhook's payload, within GitHub's limits (at
 *                        most 10 top-level keys, 65,535 characters): when
 *                        the payload would pass them it is left out and
 *                        "payload_omitted" is true.
 *
 * Both always carry the delivery ID, so the workflow can tell a delivery
 * it already handled.  GitHub answers 204 No Content (a workflow_dispatch
 * may answer 200 with the run's details).  The token wants actions: write
 * (workflow_dispatch) or contents: write (repository_dispatch) on the
 * repository.
 */
#ifndef GLOW_DISPATCH_H
#define GLOW_DISPATCH_H

#include "core/buf.h"
#include "core/json.h"
#include "events/rules.h"
#include "github/github.h"

/* GitHub's limits on client_payload. */
#define GLOW_DISPATCH_MAX_KEYS 10
#define GLOW_DISPATCH_MAX_CHARS 65535

/* The request's path and JSON body for dp and the event (ev, loaded from
 * doc).  0, or -1 out of memory or with a bad repository (EINVAL). */
int glow_dispatch_request(const struct glow_dispatch *dp,
    const struct glow_event *ev, struct glow_buf *path, struct glow_buf *body);

/* Send it: 0; or -1 with the reason appended to why (GitHub's status and
 * message), *status the HTTP status (0: no answer). */
int glow_dispatch_send(struct glow_gh *gh, const struct glow_dispatch *dp,
    const struct glow_event *ev, long *status, struct glow_buf *why);

#endif
