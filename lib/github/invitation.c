/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/isotime.h"
#include "github/invitation.h"
#include "provision/provision.h"

void
glow_invitation_init(struct glow_invitation *inv)
{
	memset(inv, 0, sizeof *inv);
	inv->id = -1;
}

/* Copy a time into created if it fits. */
static void
set_created(struct glow_invitation *inv, const char *t)
{
	if (t && strlen(t) < sizeof inv->created)
		strcpy(inv->created, t);
}

int
glow_invitation_find(struct glow_invitation *inv, const char *list,
    size_t len, const char *handle, struct glow_json_error *err)
{
	struct glow_json doc;
	int v;

	if (glow_json_parse(&doc, list, len, err) < 0)
		return -1;
	for (v = glow_json_first(&doc, 0); v >= 0; v = glow_json_next(&doc, v)) {
		int invitee = glow_json_get(&doc, v, "invitee");
		char *s = glow_json_strdup(&doc, glow_json_get(&doc, invitee, "login"));
		char *t;

		if (!s || strcasecmp(s, handle)) {
			free(s);
			continue;
		}
		free(s);
		/* A live invitation wins over expired ones. */
		if (inv->state && !strcmp(inv->state, "pending"))
			continue;
		inv->state = glow_json_type(&doc, glow_json_get(&doc, v, "expired")) ==
		    GLOW_JSON_TRUE ? "expired" : "pending";
		glow_json_int(&doc, glow_json_get(&doc, v, "id"), &inv->id);
		t = glow_json_strdup(&doc, glow_json_get(&doc, v, "created_at"));
		set_created(inv, t);
		free(t);
	}
	glow_json_free(&doc);
	return inv->state ? 0 : 1;
}

int
glow_invitation_due(const struct glow_invitation *inv, long long now, long days)
{
	long long sent;

	if (!strcmp(inv->state, "expired") || !strcmp(inv->state, "none"))
		return 1;
	return !strcmp(inv->state, "pending") &&
	    (sent = glow_time_parse(inv->created, strlen(inv->created))) >= 0 &&
	    now - sent > days * 86400LL;
}

void
glow_invitation_renewed(struct glow_invitation *inv, const char *body,
    size_t len, const char *now)
{
	struct glow_json doc;
	char *t;

	inv->state = "renewed";
	inv->renewed = 1;
	inv->id = -1;
	strcpy(inv->created, now);
	if (glow_json_parse(&doc, body ? body : "", len, NULL) < 0)
		return;
	t = glow_json_strdup(&doc, glow_json_get(&doc, 0, "created_at"));
	glow_json_int(&doc, glow_json_get(&doc, 0, "id"), &inv->id);
	if (t && glow_time_parse(t, strlen(t)) >= 0)
		set_created(inv, t);
	free(t);
	glow_json_free(&doc);
}

void
glow_invitation_write(struct glow_jw *w, const char *handle,
    const char *cohort, const char *repo, const struct glow_invitation *inv,
    const char *error)
{
	glow_jw_object(w);
	glow_jw_key(w, "github_handle");
	glow_jw_str(w, handle);
	glow_jw_key(w, "cohort_id");
	glow_jw_str(w, cohort);
	glow_jw_key(w, "repo");
	glow_jw_str(w, repo);
	glow_jw_key(w, "invitation");
	glow_jw_str(w, inv->state);
	glow_jw_key(w, "created_at");
	if (*inv->created)
		glow_jw_str(w, inv->created);
	else
		glow_jw_null(w);
	glow_jw_key(w, "id");
	if (inv->id >= 0)
		glow_jw_int(w, inv->id);
	else
		glow_jw_null(w);
	glow_jw_key(w, "renewed");
	glow_jw_bool(w, inv->renewed);
	glow_jw_key(w, "error");
	if (error)
		glow_jw_str(w, error);
	else
		glow_jw_null(w);
	glow_jw_end(w);
}
