/* SPDX-License-Identifier: ISC */
/*
 * cond.h: conditions on a webhook payload's fields, a rule's "if" in
 * glow-trigger(5): what adnanh/webhook's trigger rules and an Actions
 * workflow's if: give, as JSON.
 *
 *   {"field": F, "equals": V}      F's value equals V (a string, number,
 *                                  true, false or null; numbers compare
 *                                  as numbers, strings as decoded text)
 *   {"field": F, "matches": P}     F is a string the filter pattern P
 *                                  (glob.h) matches, whole
 *   {"field": F, "regex": R}       F is a string in which the POSIX
 *                                  extended regular expression R finds
 *                                  a match (anchor it with ^ and $)
 *   {"field": F, "exists": B}      F is present and not null (B true),
 *                                  or absent or null (B false)
 *   {"all": [C, ...]}              every C holds (an empty list holds)
 *   {"any": [C, ...]}              some C holds (an empty list does not)
 *   {"not": C}                     C does not hold
 *
 * F is a path into the payload: names separated by '.', a name of digits
 * indexing an array ("pull_request.labels.0.name").  A field that is
 * missing, or not a string where a string is wanted, makes equals,
 * matches and regex false.  Conditions nest at most 16 deep and a rule's
 * holds at most 64 of them.
 */
#ifndef GLOW_COND_H
#define GLOW_COND_H

#include <stddef.h>

#include "core/json.h"

struct glow_cond;

/*
 * Compile the condition at token tok of doc into *out.  0; or -1 with
 * errno EINVAL, *badtok the token at fault and why[0..whysz) the reason;
 * ENOMEM when out of memory.
 */
int glow_cond_compile(struct glow_cond **out, const struct glow_json *doc,
    int tok, int *badtok, char *why, size_t whysz);
void glow_cond_free(struct glow_cond *c);

/* Does c hold for the payload object (token payload of doc)? */
int glow_cond_eval(const struct glow_cond *c, const struct glow_json *doc,
    int payload);

#endif
