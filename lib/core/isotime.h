/* SPDX-License-Identifier: ISC */
/*
 * isotime.h: ISO-8601 UTC times, the one reader and writer of them, and
 * the one "now" of every program.
 *
 * The form is the one JavaScript's toISOString() writes and GitHub
 * answers: 2026-03-01T10:00:00.000Z, with 0 to 9 fraction digits, "Z" or
 * "+00:00"; the date must exist (leap years), seconds 00 to 59.
 */
#ifndef GLOW_ISOTIME_H
#define GLOW_ISOTIME_H

#include <stddef.h>

#define GLOW_TIME_LEN 25        /* "2026-03-01T10:00:00.000Z" and NUL */

/* Epoch seconds of s[0..n), or -1 when it is not that form (NULL too). */
long long glow_time_parse(const char *s, size_t n);
/* Is s[0..n) that form?  1 or 0. */
int glow_time_ok(const char *s, size_t n);
/* t (epoch seconds) and ms (0 to 999) as 2026-03-01T10:00:00.000Z. */
void glow_time_format(char out[GLOW_TIME_LEN], long long t, unsigned ms);

/*
 * Now, for what programs record and compare: GLOW_NOW when it is set (a
 * time in that form: tests and reruns pin the clock with it), else the
 * clock, with milliseconds.  *t (if not NULL) gets its epoch seconds.  0,
 * or -1 when GLOW_NOW is set but not such a time (out holds the clock's
 * time then): programs refuse that with "bad GLOW_NOW".
 */
int glow_now(char out[GLOW_TIME_LEN], long long *t);

#endif
