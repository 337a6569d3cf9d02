/* SPDX-License-Identifier: ISC */
/* dispatch.c: a rule's event handed to GitHub Actions; see dispatch.h. */
#include <errno.h>
#include <string.h>

#include "github/dispatch.h"

static void
str_key(struct glow_jw *w, const char *key, const char *v)
{
	glow_jw_key(w, key);
	glow_jw_str(w, v ? v : "");
}

/* client_payload, with the webhook's payload when include_payload. */
static void
client_payload(struct glow_jw *w, const struct glow_event *ev,
    int include_payload)
{
	glow_jw_key(w, "client_payload");
	glow_jw_object(w);
	str_key(w, "delivery", ev->delivery);
	str_key(w, "event", ev->event);
	str_key(w, "action", ev->action);
	str_key(w, "repository", ev->repository);
	str_key(w, "installation_id", ev->installation);
	str_key(w, "sender", ev->sender);
	if (include_payload) {
		glow_jw_key(w, "payload");
		glow_jw_value_or_null(w, ev->doc, ev->payload);
	} else {
		glow_jw_key(w, "payload_omitted");
		glow_jw_bool(w, 1);
	}
	glow_jw_end(w);
}

int
glow_dispatch_request(const struct glow_dispatch *dp,
    const struct glow_event *ev, struct glow_buf *path, struct glow_buf *body)
{
	const char *slash = strchr(dp->repository, '/');
	struct glow_buf owner = GLOW_BUF_INIT;
	struct glow_jw w;
	size_t start;
	int rc;

	if (!slash) {
		errno = EINVAL;
		return -1;
	}
	glow_buf_add(&owner, dp->repository, (size_t)(slash - dp->repository));
	glow_buf_reset(path);
	glow_buf_reset(body);
	if (dp->workflow)
		rc = glow_gh_path(path, "/repos/%s/%s/actions/workflows/%s/dispatches",
		    glow_buf_str(&owner), slash + 1, dp->workflow);
	else
		rc = glow_gh_path(path, "/repos/%s/%s/dispatches",
		    glow_buf_str(&owner), slash + 1);
	glow_buf_free(&owner);
	if (rc < 0)
		return -1;
	glow_jw_init(&w, body, 0);
	glow_jw_object(&w);
	if (dp->workflow) {
		str_key(&w, "ref", dp->ref);
		glow_jw_key(&w, "inputs");
		glow_jw_object(&w);
		str_key(&w, "delivery", ev->delivery);
		str_key(&w, "event", ev->event);
		str_key(&w, "action", ev->action);
		str_key(&w, "repository", ev->repository);
		str_key(&w, "sender", ev->sender);
		glow_jw_end(&w);
		glow_jw_end(&w);
		return body->failed ? -1 : 0;
	}
	str_key(&w, "event_type", dp->event_type);
	start = body->len;
	client_payload(&w, ev, 1);
	/* GitHub counts the client_payload's characters */
	if (body->len - start > GLOW_DISPATCH_MAX_CHARS) {
		body->len = start;
		client_payload(&w, ev, 0);
	}
	glow_jw_end(&w);
	return body->failed ? -1 : 0;
}

int
glow_dispatch_send(struct glow_gh *gh, const struct glow_dispatch *dp,
    const struct glow_event *ev, long *status, struct glow_buf *why)
{
	struct glow_buf path = GLOW_BUF_INIT, body = GLOW_BUF_INIT;
	struct glow_buf msg = GLOW_BUF_INIT;
	struct glow_gh_resp r;
	enum glow_gh_err e;
	int rc = -1;

	*status = 0;
	if (glow_dispatch_request(dp, ev, &path, &body) < 0) {
		glow_buf_adds(why, errno == ENOMEM ? "out of memory" :
		    "bad dispatch repository");
		goto out;
	}
	glow_gh_resp_init(&r);
	e = glow_gh_request(gh, "POST", glow_buf_str(&path), body.p, body.len, &r);
	*status = r.status;
	if (e == GLOW_GH_OK && (r.status == 204 || r.status == 200)) {
		rc = 0;
	} else {
		glow_buf_printf(why, "POST '%s': %s", glow_buf_str(&path),
		    glow_gh_strerror(e));
		if (r.status) {
			glow_gh_message(&r, &msg);
			glow_buf_printf(why, ": %ld %s", r.status, glow_buf_str(&msg));
		}
	}
	glow_gh_resp_free(&r);
out:
	glow_buf_free(&path);
	glow_buf_free(&body);
	glow_buf_free(&msg);
	return rc;
}
