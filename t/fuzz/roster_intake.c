/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for lib/roster/intake.c (make fuzz; build/fuzz/roster_intake).
 * An input starting with '[' is an issues array; anything else is an issue
 * body (with a fixed author and a default cohort).  Every learner read must
 * be a JSON object with a valid handle, and upserting it into a roster must
 * succeed or be refused as invalid.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roster/intake.h"
#include "roster/roster.h"

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
one(const struct glow_json *doc, int issue, struct glow_roster *r,
    struct glow_intake *it)
{
	struct glow_json ld;
	struct glow_buf why = GLOW_BUF_INIT;
	int rc, h;
	const char *s;
	size_t n;

	rc = glow_intake_issue(doc, issue, "default", it);
	check(rc == GLOW_INTAKE_LEARNER || rc == GLOW_INTAKE_SKIP ||
	    rc == GLOW_INTAKE_BAD);
	if (rc != GLOW_INTAKE_LEARNER) {
		check(it->reason[0] != '\0');
		return;
	}
	check(glow_json_parse(&ld, it->learner.p, it->learner.len, NULL) == 0);
	check(glow_json_type(&ld, 0) == GLOW_JSON_OBJECT);
	h = glow_json_get(&ld, 0, "github_handle");
	s = glow_json_raw(&ld, h, &n);
	check(s && glow_roster_handle_ok(s, n));
	rc = glow_roster_upsert(r, &ld, 0, GLOW_ROSTER_NO_UPDATE,
	    "2030-01-01T00:00:00.000Z", NULL, &why, NULL);
	check(rc > 0 || errno == EINVAL || errno == ENOMEM);
	glow_json_free(&ld);
	glow_buf_free(&why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char base[] = "{\"version\": 1, \"cohorts\": [], \"learners\": []}";
	struct glow_roster r;
	struct glow_json doc;
	struct glow_intake it;
	struct glow_buf wrap = GLOW_BUF_INIT;
	int e;

	memset(&it, 0, sizeof it);
	check(glow_roster_load(&r, base, sizeof base - 1, NULL) == 0);
	if (size && data[0] == '[') {
		if (glow_json_parse(&doc, (const char *)data, size, NULL) == 0) {
			if (glow_json_type(&doc, 0) == GLOW_JSON_ARRAY)
				for (e = glow_json_first(&doc, 0); e >= 0;
				    e = glow_json_next(&doc, e))
					one(&doc, e, &r, &it);
			glow_json_free(&doc);
		}
	} else {
		glow_buf_adds(&wrap, "{\"number\": 1, \"user\": {\"login\": \"fz\"}, "
		    "\"title\": \"t\", \"created_at\": \"2026-01-01T00:00:00Z\", "
		    "\"repository_url\": \"https://api.github.com/repos/o/r\", \"body\": ");
		glow_json_quote(&wrap, (const char *)data, size);
		glow_buf_addc(&wrap, '}');
		if (glow_json_parse(&doc, wrap.p, wrap.len, NULL) == 0) {
			one(&doc, 0, &r, &it);
			glow_json_free(&doc);
		}
	}
	glow_roster_validate(&r);
	glow_roster_free(&r);
	glow_buf_free(&it.learner);
	glow_buf_free(&wrap);
	return 0;
}
