/* SPDX-License-Identifier: ISC */
/*
 * counters.h: event counters shared by every process, and their
 * Prometheus text (version 0.0.4).  The one owner of both for
 * glow-webhook(1), glow-trigger(1) and glow-companion(1).
 *
 * A counters file is text, one "SERIES VALUE" line per counter, where
 * SERIES is a metric name with its labels as Prometheus writes them
 * (glow_webhook_rejected_total{reason="json"}).  Every change takes the
 * file's own flock(2), reads it and writes it back whole, so concurrent
 * processes never lose a count; a line that is torn or has no space is
 * dropped at the next change.  A missing file reads as all zeros.
 */
#ifndef GLOW_COUNTERS_H
#define GLOW_COUNTERS_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Add 1 to each of the n (at most 16) named series at once, creating the
 * file (mode 0600) when missing.  Series are [A-Za-z0-9_"={},] (no space,
 * no newline); lines for other series are kept.  0, or -1 with errno.
 */
int glow_counters_add(const char *path, const char *const *series, int n);
/* The same, adding delta[k] to series[k]. */
int glow_counters_addn(const char *path, const char *const *series,
    const unsigned long long *delta, int n);

/* Read the file's text into text (emptied first): 0, also for a missing
 * file (empty); -1 with errno. */
int glow_counters_read(const char *path, struct glow_buf *text);

/* The value of one series in a counters file's text; 0 when absent. */
unsigned long long glow_counters_get(const char *text, size_t len,
    const char *series);

/*
 * Append a metric family to out: its HELP and TYPE lines, then the value
 * of each series from text: with n 0 the one series `name`, else one per
 * label value, name{label="values[i]"}.
 */
void glow_metric_family(struct glow_buf *out, const char *text, size_t len,
    const char *name, const char *type, const char *help, const char *label,
    const char *const *values, int n);

/* Append a metric family whose series are not known beforehand: HELP and
 * TYPE, then every line of text for name or name{...}, in order. */
void glow_metric_series(struct glow_buf *out, const char *text, size_t len,
    const char *name, const char *type, const char *help);

/* Append s[0..n) to o escaped for a label value ('\\', '"', newline). */
void glow_metrics_label(struct glow_buf *o, const char *s, size_t n);

#endif
