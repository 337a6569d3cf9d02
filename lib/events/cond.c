/* SPDX-License-Identifier: ISC */
/* cond.c: conditions on a payload's fields; see cond.h. */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "events/cond.h"
#include "events/glob.h"

#define MAX_DEPTH 16
#define MAX_NODES 64

enum op { EQUALS, MATCHES, REGEX, EXISTS, ALL, ANY, NOT };

struct glow_cond {
	enum op op;
	char *field;                    /* a leaf's path */
	const struct glow_json *vdoc;   /* equals: the value, as compiled */
	struct glow_json value;
	char *text;                     /* equals: its JSON text */
	struct glow_glob glob;          /* matches */
	regex_t re;                     /* regex */
	int has_glob, has_re;
	int exists;                     /* exists: true or false */
	struct glow_cond *kids;         /* all, any: n; not: 1 */
	size_t nkids;
};

struct compiler {
	const struct glow_json *doc;
	int badtok;
	char *why;
	size_t whysz;
	int nodes;
};

static int
fail(struct compiler *C, int tok, const char *fmt, const char *arg)
{
	C->badtok = tok;
	snprintf(C->why, C->whysz, fmt, arg);
	errno = EINVAL;
	return -1;
}

static void
cond_clear(struct glow_cond *c)
{
	size_t i;

	for (i = 0; i < c->nkids; i++)
		cond_clear(&c->kids[i]);
	free(c->kids);
	free(c->field);
	free(c->text);
	if (c->vdoc)
		glow_json_free(&c->value);
	if (c->has_glob)
		glow_glob_free(&c->glob);
	if (c->has_re)
		regfree(&c->re);
	memset(c, 0, sizeof *c);
}

static int compile(struct compiler *C, struct glow_cond *c, int tok, int depth);

/* all, any: an array of conditions. */
static int
compile_list(struct compiler *C, struct glow_cond *c, int arr, int depth)
{
	size_t n = 0;
	int k;

	if (glow_json_type(C->doc, arr) != GLOW_JSON_ARRAY)
		return fail(C, arr, "want an array of conditions%s", "");
	c->nkids = (size_t)glow_json_size(C->doc, arr);
	if (c->nkids && !(c->kids = calloc(c->nkids, sizeof *c->kids)))
		return -1;
	for (k = glow_json_first(C->doc, arr); k >= 0;
	    k = glow_json_next(C->doc, k), n++)
		if (compile(C, &c->kids[n], k, depth + 1) < 0)
			return -1;
	return 0;
}

/* A leaf: "field" and one test. */
static int
compile_leaf(struct compiler *C, struct glow_cond *c, int f, int t,
    const char *test)
{
	const struct glow_json *d = C->doc;
	struct glow_glob_error ge;
	struct glow_jw w;
	struct glow_buf b = GLOW_BUF_INIT;
	int rc = -1, e;

	if (glow_json_type(d, f) != GLOW_JSON_STRING ||
	    !(c->field = glow_json_strdup(d, f)) || !c->field[0] ||
	    c->field[0] == '.' || strstr(c->field, "..") ||
	    c->field[strlen(c->field) - 1] == '.')
		return errno == ENOMEM ? -1 : fail(C, f, "want a field path "
		    "such as \"pull_request.merged\"%s", "");
	if (strcmp(test, "equals") == 0) {
		c->op = EQUALS;
		switch (glow_json_type(d, t)) {
		case GLOW_JSON_STRING: case GLOW_JSON_NUMBER: case GLOW_JSON_TRUE:
		case GLOW_JSON_FALSE: case GLOW_JSON_NULL:
			break;
		default:
			return fail(C, t, "'equals' wants a string, number, true, "
			    "false or null%s", "");
		}
		glow_jw_init(&w, &b, 0);
		glow_jw_value(&w, d, t);
		if (b.failed || !(c->text = strdup(glow_buf_str(&b))))
			goto out;
		if (glow_json_parse(&c->value, c->text, strlen(c->text), NULL) < 0)
			goto out;
		c->vdoc = &c->value;
	} else if (strcmp(test, "matches") == 0) {
		c->op = MATCHES;
		if (glow_json_type(d, t) != GLOW_JSON_STRING ||
		    glow_json_string(d, t, &b) < 0 || b.failed)
			return b.failed ? -1 : fail(C, t, "'matches' wants a "
			    "pattern%s", "");
		if (glow_glob_compile(&c->glob, glow_buf_str(&b), b.len, &ge) < 0) {
			if (errno != ENOMEM)
				fail(C, t, "bad pattern: %s", ge.reason);
			goto out;
		}
		c->has_glob = 1;
	} else if (strcmp(test, "regex") == 0) {
		c->op = REGEX;
		if (glow_json_type(d, t) != GLOW_JSON_STRING ||
		    glow_json_string(d, t, &b) < 0 || b.failed ||
		    memchr(b.p, '\0', b.len))
			return b.failed ? -1 : fail(C, t, "'regex' wants a regular "
			    "expression%s", "");
		if ((e = regcomp(&c->re, glow_buf_str(&b), REG_EXTENDED |
		    REG_NOSUB)) != 0) {
			char msg[128];

			regerror(e, &c->re, msg, sizeof msg);
			fail(C, t, "bad regular expression: %s", msg);
			goto out;
		}
		c->has_re = 1;
	} else {
		c->op = EXISTS;
		if (glow_json_type(d, t) != GLOW_JSON_TRUE &&
		    glow_json_type(d, t) != GLOW_JSON_FALSE)
			return fail(C, t, "'exists' wants true or false%s", "");
		c->exists = glow_json_type(d, t) == GLOW_JSON_TRUE;
	}
	rc = 0;
out:
	glow_buf_free(&b);
	return rc;
}

static int
compile(struct compiler *C, struct glow_cond *c, int tok, int depth)
{
	static const char *const tests[] = { "equals", "matches", "regex",
	    "exists" };
	const struct glow_json *d = C->doc;
	int k, f = -1, t = -1, which = -1, logic = -1, i;

	if (depth > MAX_DEPTH)
		return fail(C, tok, "conditions nested deeper than 16%s", "");
	if (++C->nodes > MAX_NODES)
		return fail(C, tok, "more than 64 conditions%s", "");
	if (glow_json_type(d, tok) != GLOW_JSON_OBJECT)
		return fail(C, tok, "want a condition object%s", "");
	for (k = glow_json_first(d, tok); k >= 0; k = glow_json_next(d, k)) {
		if (glow_json_streq(d, k, "field")) {
			f = k + 1;
			continue;
		}
		for (i = 0; i < 4 && !glow_json_streq(d, k, tests[i]); i++)
			;
		if (i < 4) {
			if (t >= 0)
				return fail(C, k, "one test a condition%s", "");
			t = k + 1;
			which = i;
			continue;
		}
		if (glow_json_streq(d, k, "all") || glow_json_streq(d, k, "any") ||
		    glow_json_streq(d, k, "not")) {
			if (logic >= 0)
				return fail(C, k, "one of all, any, not a "
				    "condition%s", "");
			logic = k;
			continue;
		}
		return fail(C, k, "unknown key in a condition (want field with "
		    "equals, matches, regex or exists; or all, any, not)%s", "");
	}
	if (logic >= 0) {
		if (f >= 0 || t >= 0)
			return fail(C, logic, "all, any and not stand alone%s", "");
		if (glow_json_streq(d, logic, "not")) {
			c->op = NOT;
			c->nkids = 1;
			if (!(c->kids = calloc(1, sizeof *c->kids)))
				return -1;
			return compile(C, c->kids, logic + 1, depth + 1);
		}
		c->op = glow_json_streq(d, logic, "all") ? ALL : ANY;
		return compile_list(C, c, logic + 1, depth);
	}
	if (f < 0 || t < 0)
		return fail(C, tok, "a condition wants a field and one of equals, "
		    "matches, regex, exists%s", "");
	return compile_leaf(C, c, f, t, tests[which]);
}

int
glow_cond_compile(struct glow_cond **out, const struct glow_json *doc,
    int tok, int *badtok, char *why, size_t whysz)
{
	struct compiler C = { doc, tok, why, whysz, 0 };

	why[0] = '\0';
	if (!(*out = calloc(1, sizeof **out)))
		return -1;
	if (compile(&C, *out, tok, 1) < 0) {
		*badtok = C.badtok;
		glow_cond_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

void
glow_cond_free(struct glow_cond *c)
{
	if (!c)
		return;
	cond_clear(c);
	free(c);
}

/* The token the dotted path names under obj, or -1. */
static int
lookup(const struct glow_json *doc, int obj, const char *path)
{
	char name[256];
	const char *p = path, *dot;
	size_t n;
	int t = obj;

	while (t >= 0 && *p) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof name)
			return -1;
		memcpy(name, p, n);
		name[n] = '\0';
		if (glow_json_type(doc, t) == GLOW_JSON_ARRAY &&
		    strspn(name, "0123456789") == n && n < 10)
			t = glow_json_at(doc, t, atoi(name));
		else
			t = glow_json_get(doc, t, name);
		p += n + (dot != NULL);
	}
	return t;
}

/* Do the two values (tokens) agree, as cond.h says? */
static int
same(const struct glow_json *a, int ta, const struct glow_json *b, int tb)
{
	struct glow_buf x = GLOW_BUF_INIT, y = GLOW_BUF_INIT;
	enum glow_json_type ka = glow_json_type(a, ta), kb = glow_json_type(b, tb);
	size_t n;
	int r = 0;

	if (ka != kb)
		return 0;
	switch (ka) {
	case GLOW_JSON_STRING:
		glow_json_string(a, ta, &x);
		glow_json_string(b, tb, &y);
		r = !x.failed && !y.failed && x.len == y.len &&
		    memcmp(glow_buf_str(&x), glow_buf_str(&y), x.len) == 0;
		break;
	case GLOW_JSON_NUMBER: {
		const char *s = glow_json_raw(a, ta, &n);
		char *e;
		double u, v;

		u = strtod(s, &e);
		s = glow_json_raw(b, tb, &n);
		v = strtod(s, &e);
		r = u == v;
		break;
	}
	default:
		r = 1;                  /* true, false, null */
	}
	glow_buf_free(&x);
	glow_buf_free(&y);
	return r;
}

int
glow_cond_eval(const struct glow_cond *c, const struct glow_json *doc,
    int payload)
{
	struct glow_buf s = GLOW_BUF_INIT;
	size_t i;
	int t, r = 0;

	switch (c->op) {
	case ALL:
		for (i = 0; i < c->nkids; i++)
			if (!glow_cond_eval(&c->kids[i], doc, payload))
				return 0;
		return 1;
	case ANY:
		for (i = 0; i < c->nkids; i++)
			if (glow_cond_eval(&c->kids[i], doc, payload))
				return 1;
		return 0;
	case NOT:
		return !glow_cond_eval(c->kids, doc, payload);
	default:
		break;
	}
	t = lookup(doc, payload, c->field);
	switch (c->op) {
	case EXISTS:
		r = (t >= 0 && glow_json_type(doc, t) != GLOW_JSON_NULL) ==
		    c->exists;
		break;
	case EQUALS:
		r = t >= 0 && same(doc, t, c->vdoc, 0);
		break;
	case MATCHES:
	case REGEX:
		if (glow_json_type(doc, t) != GLOW_JSON_STRING ||
		    glow_json_string(doc, t, &s) < 0 || s.failed)
			break;
		if (c->op == MATCHES)
			r = glow_glob_match(&c->glob, glow_buf_str(&s), s.len);
		else
			r = !memchr(glow_buf_str(&s), '\0', s.len) &&
			    regexec(&c->re, glow_buf_str(&s), 0, NULL, 0) == 0;
		break;
	default:
		break;
	}
	glow_buf_free(&s);
	return r;
}
