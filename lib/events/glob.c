/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events/glob.h"

enum { T_LIT, T_SET, T_STAR, T_ANY, T_REP, T_EPS };

struct glow_glob_tok {
	unsigned char op;
	unsigned char opt;      /* T_LIT/T_SET: may be skipped ('?') */
	unsigned char c;        /* T_LIT, and T_REP of a literal */
	unsigned char isset;    /* T_REP: repeats the set, not c */
	unsigned char set[32];  /* T_SET, T_REP: bit per byte */
};

/* States are token positions 0..ntok; '+' doubles a token at most. */
#define MAXSTATES (2 * GLOW_GLOB_MAX + 2)
#define WORDS ((MAXSTATES + 63) / 64)

static int
fail(struct glow_glob_error *err, size_t off, const char *reason)
{
	if (err) {
		err->offset = off;
		err->reason = reason;
	}
	errno = EINVAL;
	return -1;
}

static int
range_ok(unsigned char a, unsigned char b)
{
	if (a > b)
		return 0;
	return (a >= 'a' && b <= 'z') || (a >= 'A' && b <= 'Z') ||
	    (a >= '0' && b <= '9');
}

int
glow_glob_compile(struct glow_glob *g, const char *pat, size_t len,
    struct glow_glob_error *err)
{
	struct glow_glob_tok *t;
	size_t i = 0, j;
	int n = 0, prev_quant = 0;
	unsigned char c, a, b, k;

	memset(g, 0, sizeof *g);
	if (len == 0)
		return fail(err, 0, "empty pattern");
	if (len > GLOW_GLOB_MAX)
		return fail(err, GLOW_GLOB_MAX, "pattern too long");
	for (j = 0; j < len; j++)
		if ((unsigned char)pat[j] < 0x20 || pat[j] == 0x7f)
			return fail(err, j, "control character in pattern");
	if (pat[0] == '!') {
		g->neg = 1;
		if (len == 1)
			return fail(err, 1, "nothing after '!'");
		i = 1;
	}
	if (!(t = calloc(2 * (len - i) + 1, sizeof *t)))
		return -1;
	g->literal = 1;
	while (i < len) {
		c = (unsigned char)pat[i];
		switch (c) {
		case '*':
			g->literal = 0;
			prev_quant = 0;
			if (i + 1 < len && pat[i + 1] == '*') {
				/*
				 * "**" "/" at the start or after '/' may match ""
				 * as a whole: a T_EPS that can jump past the '/'
				 * before "**" has eaten anything.
				 */
				if (i + 2 < len && pat[i + 2] == '/' &&
				    (i == (size_t)g->neg || pat[i - 1] == '/'))
					t[n++].op = T_EPS;
				t[n].op = T_ANY;
				i += 2;
			} else {
				t[n].op = T_STAR;
				i++;
			}
			n++;
			continue;
		case '?':
		case '+':
			g->literal = 0;
			if (n == 0 || prev_quant ||
			    (t[n - 1].op != T_LIT && t[n - 1].op != T_SET))
				return free(t), fail(err, i, c == '?' ?
				    "'?' must follow a character or [...]" :
				    "'+' must follow a character or [...]");
			prev_quant = 1;
			if (c == '?')
				t[n - 1].opt = 1;
			else {
				t[n].op = T_REP;
				t[n].c = t[n - 1].c;
				t[n].isset = t[n - 1].op == T_SET;
				memcpy(t[n].set, t[n - 1].set, sizeof t[n].set);
				n++;
			}
			i++;
			continue;
		case '[':
			g->literal = 0;
			prev_quant = 0;
			t[n].op = T_SET;
			j = i + 1;
			if (j < len && pat[j] == ']')
				return free(t), fail(err, i, "empty '[]'");
			while (j < len && pat[j] != ']') {
				a = (unsigned char)pat[j];
				if (j + 2 < len && pat[j + 1] == '-' && pat[j + 2] != ']') {
					b = (unsigned char)pat[j + 2];
					if (!range_ok(a, b))
						return free(t), fail(err, j, "bad range in "
						    "[...]: only parts of a-z, A-Z, 0-9");
					for (k = a; ; k++) {
						t[n].set[k >> 3] |= (unsigned char)(1u << (k & 7));
						if (k == b)
							break;
					}
					j += 3;
				} else {
					t[n].set[a >> 3] |= (unsigned char)(1u << (a & 7));
					j++;
				}
			}
			if (j >= len)
				return free(t), fail(err, i, "unterminated '['");
			i = j + 1;
			n++;
			continue;
		case '\\':
			/* escapes the next character, whatever it is; a
			 * '\\' at the very end is itself */
			if (i + 1 < len) {
				g->literal = 0;
				i++;
				c = (unsigned char)pat[i];
			}
			break;
		}
		prev_quant = 0;
		t[n].op = T_LIT;
		t[n].c = c;
		n++;
		i++;
	}
	g->tok = t;
	g->ntok = n;
	/*
	 * The plain characters at either end: each matches exactly one
	 * byte, so a string is first checked against them cheaply.
	 */
	while (g->prefix < n && t[g->prefix].op == T_LIT && !t[g->prefix].opt &&
	    !(g->prefix + 1 < n && t[g->prefix + 1].op == T_REP))
		g->prefix++;
	while (g->suffix < n - g->prefix && t[n - 1 - g->suffix].op == T_LIT &&
	    !t[n - 1 - g->suffix].opt &&
	    !(n - 3 - g->suffix >= 0 && t[n - 3 - g->suffix].op == T_EPS))
		g->suffix++;    /* (the '/' after T_EPS "**" may be skipped) */
	if (!(g->text = malloc(len + 1))) {
		free(t);
		g->tok = NULL;
		return -1;
	}
	memcpy(g->text, pat, len);
	g->text[len] = '\0';
	return 0;
}

void
glow_glob_free(struct glow_glob *g)
{
	free(g->tok);
	free(g->text);
	g->tok = NULL;
	g->text = NULL;
	g->ntok = 0;
}

#define SET(w, i)  ((w)[(i) >> 6] |= (uint64_t)1 << ((i) & 63))
#define HAS(w, i)  (((w)[(i) >> 6] >> ((i) & 63)) & 1)

/* Follow the moves that consume nothing; they only go forward. */
static void
closure(const struct glow_glob *g, uint64_t *w)
{
	const struct glow_glob_tok *t;
	int i;

	for (i = 0; i < g->ntok; i++) {
		if (!HAS(w, i))
			continue;
		t = &g->tok[i];
		if (t->op == T_STAR || t->op == T_ANY || t->op == T_REP ||
		    t->op == T_EPS || t->opt)
			SET(w, i + 1);
		if (t->op == T_EPS)
			SET(w, i + 3);  /* past "**" and '/' */
	}
}

static int
tok_eats(const struct glow_glob_tok *t, unsigned char c)
{
	switch (t->op) {
	case T_LIT:
		return t->c == c;
	case T_SET:
		return (t->set[c >> 3] >> (c & 7)) & 1;
	case T_STAR:
		return c != '/';
	case T_ANY:
		return 1;
	case T_EPS:
		return 0;
	default:        /* T_REP */
		return t->isset ? (t->set[c >> 3] >> (c & 7)) & 1 : t->c == c;
	}
}

int
glow_glob_match(const struct glow_glob *g, const char *s, size_t n)
{
	uint64_t cur[WORDS], nxt[WORDS], any;
	const struct glow_glob_tok *t;
	size_t words, k, w;
	int i;
	unsigned char c;

	if (g->literal) {
		/* only literal tokens: compare directly */
		if ((size_t)g->ntok != n)
			return 0;
		for (k = 0; k < n; k++)
			if (g->tok[k].c != (unsigned char)s[k])
				return 0;
		return 1;
	}
	if (n < (size_t)(g->prefix + g->suffix))
		return 0;
	for (k = 0; k < (size_t)g->prefix; k++)
		if (g->tok[k].c != (unsigned char)s[k])
			return 0;
	for (k = 0; k < (size_t)g->suffix; k++)
		if (g->tok[g->ntok - 1 - k].c != (unsigned char)s[n - 1 - k])
			return 0;
	/* the prefix is matched: start after it */
	words = (size_t)(g->ntok + 1 + 63) / 64;
	memset(cur, 0, words * sizeof *cur);
	SET(cur, g->prefix);
	closure(g, cur);
	for (k = (size_t)g->prefix; k < n; k++) {
		c = (unsigned char)s[k];
		memset(nxt, 0, words * sizeof *nxt);
		any = 0;
		for (w = 0; w < words; w++) {
			uint64_t bits = cur[w];

			while (bits) {
				i = (int)(w * 64) + __builtin_ctzll(bits);
				bits &= bits - 1;
				if (i >= g->ntok)
					continue;
				t = &g->tok[i];
				if (!tok_eats(t, c))
					continue;
				if (t->op == T_LIT || t->op == T_SET)
					SET(nxt, i + 1);
				else
					SET(nxt, i);
				any = 1;
			}
		}
		if (!any)
			return 0;
		closure(g, nxt);
		memcpy(cur, nxt, words * sizeof *cur);
	}
	return (int)HAS(cur, g->ntok);
}

int
glow_glob_list_match(const struct glow_glob *list, size_t n, const char *s,
    size_t len, int *which)
{
	size_t i;
	int sel = 0, w = -1;

	for (i = 0; i < n; i++)
		if (glow_glob_match(&list[i], s, len)) {
			sel = !list[i].neg;
			w = (int)i;
		}
	if (which)
		*which = w;
	return sel;
}

int
glow_glob_fnmatch(const char *pat, const char *s)
{
	struct glow_glob g;
	int r;

	if (glow_glob_compile(&g, pat, strlen(pat), NULL) < 0)
		return -1;
	r = glow_glob_match(&g, s, strlen(s));
	glow_glob_free(&g);
	return r;
}
