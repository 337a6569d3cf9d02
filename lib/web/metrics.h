/* SPDX-License-Identifier: ISC */
/*
 * metrics.h: glow-companion(1)'s /metrics page, in the Prometheus text
 * format (version 0.0.4).
 *
 * Three families: glow_companion_roster_ok (1 if the roster reads and
 * validates), glow_companion_learners (a gauge per cohort, status and
 * provisioning state, sorted by those three) and
 * glow_companion_events_total (STATE/counters.txt, a counters file of
 * counters.h, one series per enum glow_companion_event).
 */
#ifndef GLOW_METRICS_H
#define GLOW_METRICS_H

#include <stddef.h>

#include "core/buf.h"
#include "roster/roster.h"

/* The events counted. */
enum glow_companion_event {
	GLOW_EV_REGISTERED,
	GLOW_EV_ALREADY,
	GLOW_EV_INVALID,
	GLOW_EV_SIGNIN,
	GLOW_EV_SIGNIN_FAILED,
	GLOW_EV_RATE_LIMITED,
	GLOW_EV_CSRF,
	GLOW_EV_COUNT
};
/* The event label of each: "registered", "already_registered", ... */
extern const char *const glow_companion_event_names[GLOW_EV_COUNT];

/*
 * Append the page to o: r the loaded, valid roster or NULL (the roster
 * cannot be used: roster_ok 0, no learners), events[0..len) the counters
 * file's text or NULL (not readable: the family is left out).  Out of memory sets o->failed.
 */
void glow_metrics_page(struct glow_buf *o, const struct glow_roster *r,
    const char *events, size_t len);

#endif
