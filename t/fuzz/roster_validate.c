/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for lib/roster/roster.c (make fuzz; build/fuzz/roster_validate).
 * Any input loads or fails with a reason; a loaded roster is validated and
 * written in every view.  A roster without problems must write a canonical
 * form that loads without problems and formats to itself; an upsert and an
 * update of its first learner must keep it loadable.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roster/roster.h"

#define NOW "2030-01-01T00:00:00.000Z"

static void
check(int cond)
{
	if (!cond)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glow_roster r, r2;
	struct glow_json_error e;
	struct glow_buf a = GLOW_BUF_INIT, b = GLOW_BUF_INIT, why = GLOW_BUF_INIT;
	struct glow_buf sc = GLOW_BUF_INIT;
	struct glow_json in;
	const char *s;
	size_t i, n;
	int f;

	if (glow_roster_load(&r, (const char *)data, size, &e) < 0) {
		check(e.reason != NULL && e.offset <= size);
		return 0;
	}
	for (i = 0; i < r.nlearner; i++)
		for (f = 0; f < GLOW_RF_COUNT; f++)
			s = glow_roster_get(&r, i, (enum glow_roster_field)f, &sc, &n);
	(void)s;
	check(glow_roster_write(&r, &b, GLOW_ROSTER_PUBLIC, NULL, NOW) == 0);
	glow_buf_reset(&b);
	check(glow_roster_write(&r, &b, GLOW_ROSTER_LEARNERS, NULL, NOW) == 0);
	glow_buf_reset(&b);
	check(glow_roster_write(&r, &a, GLOW_ROSTER_CANONICAL, NULL, NOW) == 0);
	if (r.nproblems == 0) {
		check(glow_roster_load(&r2, a.p, a.len, &e) == 0);
		check(r2.nproblems == 0);
		check(glow_roster_write(&r2, &b, GLOW_ROSTER_CANONICAL, NULL,
		    "2031-01-01T00:00:00.000Z") == 0);
		check(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		glow_roster_free(&r2);

		/* edits keep a valid roster loadable */
		if (glow_json_parse(&in, "{\"github_handle\": \"@Fz\", \"cohort_id\": \" c \","
		    " \"zz\": [1]}", 47, NULL) == 0) {
			int rc = glow_roster_upsert(&r, &in, 0, 0, NOW, "in", &why, NULL);

			check(rc > 0 || errno == ENOMEM);
			glow_json_free(&in);
		}
		if (r.nlearner) {
			const char *field[] = { "status", "notes" };
			const char *json[] = { "\"day1-complete\"", "\"\\u00e9\"" };
			int rc = glow_roster_update(&r, 0, field, json, 2, &why);

			check(rc > 0 || errno == ENOMEM);
		}
		glow_roster_cohort_ensure(&r, "c", 1);
		glow_roster_validate(&r);
		glow_buf_reset(&a);
		check(glow_roster_write(&r, &a, GLOW_ROSTER_CANONICAL, NULL, NOW) == 0);
		if (r.nproblems == 0) {
			check(glow_roster_load(&r2, a.p, a.len, &e) == 0);
			check(r2.nproblems == 0);
			glow_roster_free(&r2);
		}
	}
	glow_roster_free(&r);
	glow_buf_free(&a);
	glow_buf_free(&b);
	glow_buf_free(&why);
	glow_buf_free(&sc);
	return 0;
}
