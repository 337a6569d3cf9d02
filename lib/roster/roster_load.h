/* SPDX-License-Identifier: ISC */
/*
 * roster_load.h: the roster of record as every program opens it, so that
 * one roster gives one message and one exit status everywhere (glow(7)).
 * Like diag.h, and only for programs, this prints and exits.
 *
 * The messages, each prefixed "glow-NAME: ":
 *
 *     cannot read 'PATH': REASON                                 (exit 2)
 *     invalid roster 'PATH': line L, column C: REASON            (exit 1)
 *     invalid roster 'PATH': learner I (KEY): FIELD: PROBLEM     (exit 1,
 *                                                 a line per problem)
 */
#ifndef GLOW_ROSTER_LOAD_H
#define GLOW_ROSTER_LOAD_H

#include "core/buf.h"
#include "roster/roster.h"

#define GLOW_ROSTER_MAX_TEXT ((size_t)1 << 30)

/*
 * Read the roster at path ("-": standard input) into text and load it
 * into *r (free both after).  A roster that cannot be read ends the
 * program with status 2; one that does not parse or does not validate
 * with status 1, after every problem.
 */
void glow_roster_open(const char *path, struct glow_buf *text,
    struct glow_roster *r);

/* Every problem of r (r->problems), one line each: "glow-NAME: what
 * 'name': problem". */
void glow_roster_warn_problems(const struct glow_roster *r, const char *what,
    const char *name);

#endif
