/* SPDX-License-Identifier: ISC */
#include <stdlib.h>
#include <string.h>

#include "core/counters.h"
#include "web/metrics.h"

const char *const glow_companion_event_names[GLOW_EV_COUNT] = { "registered",
	"already_registered", "invalid_registration", "sign_in",
	"sign_in_failed", "rate_limited", "csrf_refused" };

struct group {
	char *v[3];     /* cohort, status, provision state */
};

static int
group_cmp(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int k, d;

	for (k = 0; k < 3; k++)
		if ((d = strcmp(x->v[k], y->v[k])))
			return d;
	return 0;
}

/* Learners counted by cohort, status and provisioning state. */
static void
learners(struct glow_buf *o, const struct glow_roster *r)
{
	static const char *const label[3] = { "{cohort=\"", "\",status=\"",
	    "\",provision_state=\"" };
	static const int field[3] = { GLOW_RF_COHORT, GLOW_RF_STATUS,
	    GLOW_RF_STATE };
	struct glow_buf scratch = GLOW_BUF_INIT;
	struct group *g = NULL;
	const char *v;
	size_t i, j, n;
	int k;

	if (r->nlearner && !(g = calloc(r->nlearner, sizeof *g)))
		o->failed = 1;
	for (i = 0; g && i < r->nlearner; i++)
		for (k = 0; k < 3; k++) {
			v = glow_roster_get(r, i, field[k], &scratch, &n);
			if (!(g[i].v[k] = v ? strndup(v, n) : strdup("")))
				o->failed = 1;
		}
	if (g && !o->failed)
		qsort(g, r->nlearner, sizeof *g, group_cmp);
	for (i = 0; g && !o->failed && i < r->nlearner; i = j) {
		for (j = i + 1; j < r->nlearner && group_cmp(&g[i], &g[j]) == 0; j++)
			;
		glow_buf_adds(o, "glow_companion_learners");
		for (k = 0; k < 3; k++) {
			glow_buf_adds(o, label[k]);
			glow_metrics_label(o, g[i].v[k], strlen(g[i].v[k]));
		}
		glow_buf_printf(o, "\"} %zu\n", j - i);
	}
	for (i = 0; g && i < r->nlearner; i++)
		for (k = 0; k < 3; k++)
			free(g[i].v[k]);
	free(g);
	glow_buf_free(&scratch);
}

void
glow_metrics_page(struct glow_buf *o, const struct glow_roster *r,
    const char *events, size_t len)
{

	glow_buf_printf(o, "# HELP glow_companion_roster_ok Whether the roster "
	    "reads and validates.\n# TYPE glow_companion_roster_ok gauge\n"
	    "glow_companion_roster_ok %d\n", r != NULL);
	if (r) {
		glow_buf_adds(o, "# HELP glow_companion_learners Learners by cohort, "
		    "status and provisioning state.\n"
		    "# TYPE glow_companion_learners gauge\n");
		learners(o, r);
	}
	if (events)
		glow_metric_family(o, events, len, "glow_companion_events_total",
		    "counter", "Events since the state directory was made.",
		    "event", glow_companion_event_names, GLOW_EV_COUNT);
}
