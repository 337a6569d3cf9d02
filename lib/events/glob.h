/* SPDX-License-Identifier: ISC */
/*
 * glob.h: the filter patterns of GitHub Actions (workflow syntax, "Filter
 * pattern cheat sheet"), for branch, tag, path and repository filters.
 *
 *   *       zero or more characters, but not '/'
 *   **      zero or more of any character; "**" followed by '/' at the
 *           start of a pattern or after a '/' may also match nothing at
 *           all, so "**" "/README.md" matches "README.md" as GitHub's own
 *           examples say
 *   ?       zero or one of the preceding character (or [...] set)
 *   +       one or more of the preceding character (or [...] set)
 *   [...]   one character of the set; ranges a-z, A-Z and 0-9 (or parts
 *           of them) only; a '-' first or last is literal
 *   \c      c literally, for any c (\* \? \+ \[ \] \\ \! and the rest:
 *           the backslash is dropped); a '\' at the very end is itself
 *   !       first: the pattern negates (see glow_glob_list_match)
 *
 * Everything else matches itself, case-sensitively, byte for byte.  A
 * pattern must match the whole string.  '?' and '+' after nothing, after
 * '*' or after another '?' or '+' are errors (GitHub refuses them too), as
 * are an unterminated or empty [...], a bad range, control characters, an
 * empty pattern or a lone "!".
 *
 * Lists: the patterns are evaluated in order and the last one that
 * matches decides: a positive pattern selects the string, a negated one
 * ("!...") deselects it.  So a list of only negations selects nothing;
 * the rules file refuses one (rules.h), as Actions does.
 *
 * Matching simulates the pattern as an NFA over a bit set of positions:
 * time O(pattern x string), no backtracking, no allocation.
 */
#ifndef GLOW_GLOB_H
#define GLOW_GLOB_H

#include <stddef.h>

/* The longest pattern accepted, in bytes. */
#define GLOW_GLOB_MAX 1000

struct glow_glob_tok;

struct glow_glob {
	struct glow_glob_tok *tok;  /* owned */
	int ntok;
	int neg;                /* the pattern started with '!' */
	int literal;            /* no special characters: compared directly */
	int prefix, suffix;     /* leading and trailing plain characters */
	char *text;             /* the pattern as given (with its '!'); owned */
};

struct glow_glob_error {
	size_t offset;          /* byte offset of the problem in the pattern */
	const char *reason;     /* static, e.g. "unterminated '['" */
};

/* Compile len bytes at pat: 0, or -1 with err set (errno ENOMEM: memory). */
int glow_glob_compile(struct glow_glob *g, const char *pat, size_t len,
    struct glow_glob_error *err);
void glow_glob_free(struct glow_glob *g);

/* Does the pattern (its '!' ignored) match all n bytes of s?  1 or 0. */
int glow_glob_match(const struct glow_glob *g, const char *s, size_t n);

/*
 * Actions list semantics over the n patterns of list: 1 if s is selected
 * (the last matching pattern is positive), else 0.  *which (if not NULL)
 * receives the index of the deciding pattern, or -1 when none matched.
 */
int glow_glob_list_match(const struct glow_glob *list, size_t n,
    const char *s, size_t len, int *which);

/* Compile and match once, for tests and tools: 1, 0, or -1 (bad pattern). */
int glow_glob_fnmatch(const char *pat, const char *s);

#endif
