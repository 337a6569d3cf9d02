/* SPDX-License-Identifier: ISC */
/* Unit tests for lib/invitation: finding, judging and recording an
 * invitation; and the dashboard issue found in a page of issues. */
#include <string.h>

#include "core/isotime.h"
#include "dashboard/dashboard.h"
#include "github/invitation.h"
#include "provision/provision.h"
#include "tap.h"

static const char list[] =
    "[{\"id\":1,\"invitee\":{\"login\":\"other\"},\"expired\":false,"
    "\"created_at\":\"2026-03-01T00:00:00Z\"},"
    "{\"id\":2,\"invitee\":{\"login\":\"Alice\"},\"expired\":true,"
    "\"created_at\":\"2026-02-01T00:00:00Z\"},"
    "{\"id\":3,\"invitee\":{\"login\":\"alice\"},\"expired\":false,"
    "\"created_at\":\"2026-03-02T00:00:00Z\"},"
    "{\"id\":4,\"invitee\":{\"login\":\"ALICE\"},\"expired\":true,"
    "\"created_at\":\"2026-03-03T00:00:00Z\"}]";

int
main(void)
{
	struct glow_invitation inv;
	struct glow_json_error err;
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_jw w;
	struct glow_dash_issue fd;
	long long now = glow_time_parse("2026-03-10T00:00:00Z", strlen("2026-03-10T00:00:00Z"));
	const char *answer = "{\"id\":9,\"created_at\":\"2026-03-10T01:00:00Z\"}";
	const char *nomarker = "[{\"number\":1,\"body\":\"x\"}]";

	glow_invitation_init(&inv);
	is_int(glow_invitation_find(&inv, list, sizeof list - 1, "aLiCe", &err), 0,
	    "found, the login without case");
	is_str(inv.state, "pending", "  a live invitation wins over expired ones");
	is_int(inv.id, 3, "  its id");
	is_str(inv.created, "2026-03-02T00:00:00Z", "  its time");
	ok(glow_invitation_due(&inv, now, 7), "pending 8 days, -d 7: due");
	ok(!glow_invitation_due(&inv, now, 8), "pending 8 days, -d 8: not due");

	glow_invitation_init(&inv);
	is_int(glow_invitation_find(&inv, list, sizeof list - 1, "bob", &err), 1,
	    "none for bob");
	ok(inv.state == NULL && inv.id == -1, "  nothing set");
	is_int(glow_invitation_find(&inv, "[", 1, "bob", &err), -1, "not JSON: -1");
	inv.state = "none";
	ok(glow_invitation_due(&inv, now, 3650), "none: due");
	inv.state = "accepted";
	ok(!glow_invitation_due(&inv, now, 0), "accepted: never due");

	glow_invitation_init(&inv);
	glow_invitation_renewed(&inv, answer, strlen(answer), "2026-03-10T00:00:00Z");
	ok(!strcmp(inv.state, "renewed") && inv.renewed && inv.id == 9,
	    "renewed: from the answer");
	is_mem(inv.created, strlen(inv.created), "2026-03-10T01:00:00Z", 20,
	    "  its time");
	glow_invitation_renewed(&inv, NULL, 0, "2026-03-10T00:00:00Z");
	ok(inv.id == -1 && !strcmp(inv.created, "2026-03-10T00:00:00Z"),
	    "renewed, no answer: now, no id");

	glow_jw_init(&w, &b, 0);
	glow_invitation_write(&w, "a", "c", "o/r", &inv, "boom");
	is_str(b.p, "{\"github_handle\":\"a\",\"cohort_id\":\"c\",\"repo\":\"o/r\","
	    "\"invitation\":\"renewed\",\"created_at\":\"2026-03-10T00:00:00Z\","
	    "\"id\":null,\"renewed\":true,\"error\":\"boom\"}", "the snapshot record");
	glow_buf_free(&b);

	memset(&fd, 0, sizeof fd);
	fd.number = -1;
	is_int(glow_dash_find_issue("{}", 2, &fd), -1, "issues: not an array");
	is_int(glow_dash_find_issue(nomarker, strlen(nomarker), &fd), 0,
	    "issues: no marker on the page");
	{
		static const char page[] = "[{\"number\":1,\"body\":\""
		    GLOW_DASH_MARKER "\",\"pull_request\":{}},"
		    "{\"number\":2,\"state\":\"closed\",\"html_url\":\"u\",\"body\":\"a "
		    GLOW_DASH_MARKER "\"},{\"number\":3,\"body\":\"" GLOW_DASH_MARKER "\"}]";

		is_int(glow_dash_find_issue(page, sizeof page - 1, &fd), 1,
		    "issues: found");
		ok(fd.number == 2 && fd.closed && !strcmp(fd.url, "u"),
		    "  the first issue, not the pull request");
	}
	glow_dash_issue_free(&fd);
	return done_testing();
}
