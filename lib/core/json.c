/* SPDX-License-Identifier: ISC */
/*
 * json.c: strict JSON (RFC 8259) over jsmn, and the writer.
 *
 * Parsing is two passes.  validate() is a single iterative scan that checks
 * the whole grammar, strings (escapes, surrogate pairs, UTF-8) and nesting,
 * and counts the tokens jsmn will make; that count sizes the token array
 * exactly, and jsmn then fills it.  jsmn never sees text that validate()
 * rejected, so its own leniencies (trailing commas, "[1 2]", "01", lone
 * surrogates, several top-level values) never matter.
 */
#include <jsmn.h>               /* the implementation (JSMN_STATIC) */

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/json.h"

/*
 * Deeper documents are refused (RFC 8259, 9 allows it; serde_json's default
 * is the same).  No GitHub response or glow file nests beyond a handful of
 * levels, and jsmn finds the container a ']' or '}' closes by walking parent
 * links up from the last token, so text that repeatedly opens and closes
 * deep nests costs time in proportion to depth per byte: measured, 25 MB of
 * it parse in 2.1 s at depth 128, 8.2 s at 512 (normal text: 0.15 s).
 */
#define GLOW_JSON_MAXDEPTH 128

#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x

/*
 * 1 for the bytes a JSON string holds as they are, in input and in output:
 * printable ASCII except '"' and '\\' (DEL included, as JSON.stringify
 * leaves it).  Control characters, '"', '\\' and bytes >= 0x80 are looked at
 * one by one.
 */
static const unsigned char plain[256] = {
	R16(0), R16(0),
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,        /* 0x22 '"' */
	R16(1), R16(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,        /* 0x5c '\\' */
	R16(1), R16(1),
	R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0)
};

/*
 * The length of the well-formed UTF-8 sequence at p (n bytes available),
 * or 0: no overlongs, no UTF-16 surrogates, nothing past U+10FFFF, no
 * truncation (Unicode 15, table 3-7).
 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return n >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

static size_t
utf8_put(unsigned char *u, unsigned long cp)
{
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	u[0] = (unsigned char)(0xf0 | cp >> 18);
	u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	u[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Four hex digits at p as a number, or -1. */
static long
hex4(const unsigned char *p)
{
	unsigned char b[2];

	if (glow_unhex(b, (const char *)p, 2) < 0)
		return -1;
	return (long)b[0] << 8 | b[1];
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Reading. */

struct scan {
	const unsigned char *s;
	size_t len;
	int ntok;               /* tokens jsmn will make */
	size_t top, topend;     /* the top-level value */
	size_t errpos;
	const char *reason;
};

static long
fail(struct scan *sc, size_t at, const char *reason)
{
	sc->errpos = at;
	sc->reason = reason;
	return -1;
}

static size_t
skip_ws(const unsigned char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' ||
	    s[i] == '\t'))
		i++;
	return i;
}

/* The escape at s[i] == '\\' inside a string that opened at q: the offset
 * past it, or -1. */
static long
scan_escape(struct scan *sc, size_t i, size_t q)
{
	const unsigned char *s = sc->s;
	size_t n = sc->len;
	long u, lo;

	if (i + 1 >= n)
		return fail(sc, q, "unterminated string");
	switch (s[i + 1]) {
	case '"': case '\\': case '/':
	case 'b': case 'f': case 'n': case 'r': case 't':
		return (long)i + 2;
	case 'u':
		if (n - i < 6 || (u = hex4(s + i + 2)) < 0)
			return fail(sc, i, "invalid \\u escape");
		if (u >= 0xdc00 && u <= 0xdfff)
			return fail(sc, i, "lone surrogate");
		if (u < 0xd800 || u > 0xdbff)
			return (long)i + 6;
		/* A high surrogate: a low one must follow (RFC 8259, 7). */
		if (n - i < 8 || s[i + 6] != '\\' || s[i + 7] != 'u')
			return fail(sc, i, "lone surrogate");
		if (n - i < 12 || (lo = hex4(s + i + 8)) < 0)
			return fail(sc, i + 6, "invalid \\u escape");
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(sc, i, "lone surrogate");
		return (long)i + 12;
	}
	return fail(sc, i, "invalid escape");
}

/* The string opening at s[q] == '"': the offset past it, or -1. */
static long
scan_string(struct scan *sc, size_t q)
{
	const unsigned char *s = sc->s;
	size_t n = sc->len, i = q + 1, k;
	long r;

	for (;;) {
		while (i + 4 <= n && plain[s[i]] && plain[s[i + 1]] &&
		    plain[s[i + 2]] && plain[s[i + 3]])
			i += 4;
		while (i < n && plain[s[i]])
			i++;
		if (i >= n)
			return fail(sc, q, "unterminated string");
		if (s[i] == '"')
			return (long)i + 1;
		if (s[i] == '\\') {
			if ((r = scan_escape(sc, i, q)) < 0)
				return -1;
			i = (size_t)r;
		} else if (s[i] < 0x20) {
			return fail(sc, i, "control character in string");
		} else {
			if (!(k = utf8_len(s + i, n - i)))
				return fail(sc, i, "invalid UTF-8");
			i += k;
		}
	}
}

/* The number at s[i] (RFC 8259, 6): the offset past it, or -1. */
static long
scan_number(struct scan *sc, size_t i)
{
	const unsigned char *s = sc->s;
	size_t n = sc->len;

	if (s[i] == '-')
		i++;
	if (i >= n || !is_digit(s[i]))
		return fail(sc, i, "expected digit");
	if (s[i] == '0') {
		if (++i < n && is_digit(s[i]))
			return fail(sc, i - 1, "leading zero");
	} else {
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return fail(sc, i, "expected digit");
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return fail(sc, i, "expected digit");
		while (i < n && is_digit(s[i]))
			i++;
	}
	return (long)i;
}

static int
starts_value(unsigned char c)
{
	return c == '{' || c == '[' || c == '"' || c == '-' || is_digit(c) ||
	    c == 't' || c == 'f' || c == 'n';
}

/*
 * The whole grammar, iteratively: stack[] holds the open containers, so
 * depth costs no C stack.  0, or -1 with sc->errpos and sc->reason.
 */
static int
validate(struct scan *sc)
{
	unsigned char stack[GLOW_JSON_MAXDEPTH];
	const unsigned char *s = sc->s;
	const char *lit;
	size_t n = sc->len, i, comma, k;
	int depth = 0;
	long r;
	unsigned char c;

	i = skip_ws(s, 0, n);
	if (i == n)
		return fail(sc, i, "empty document");
	sc->top = i;
value:
	if (i >= n)
		return fail(sc, i, "unexpected end of input");
	c = s[i];
	switch (c) {
	case '{':
	case '[':
		if (depth == GLOW_JSON_MAXDEPTH)
			return fail(sc, i, "nesting too deep");
		stack[depth++] = c;
		sc->ntok++;
		i = skip_ws(s, i + 1, n);
		if (i < n && s[i] == c + 2) {   /* '{' + 2 == '}', '[' + 2 == ']' */
			depth--;
			i++;
			goto after;
		}
		if (c == '{')
			goto key;
		goto value;
	case '"':
		if ((r = scan_string(sc, i)) < 0)
			return -1;
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		if ((r = scan_number(sc, i)) < 0)
			return -1;
		break;
	case 't': case 'f': case 'n':
		lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
		k = strlen(lit);
		if (n - i < k || memcmp(s + i, lit, k) != 0)
			return fail(sc, i, "invalid literal");
		r = (long)(i + k);
		break;
	case ',': case ':': case ']': case '}':
		return fail(sc, i, "expected value");
	default:
		return fail(sc, i, "unexpected character");
	}
	sc->ntok++;
	i = (size_t)r;
after:
	if (depth == 0)
		sc->topend = i;
	i = skip_ws(s, i, n);
	if (depth == 0) {
		if (i == n)
			return 0;
		return fail(sc, i, starts_value(s[i]) ?
		    "more than one top-level value" : "unexpected character");
	}
	if (i >= n)
		return fail(sc, i, "unexpected end of input");
	c = stack[depth - 1];
	if (s[i] == c + 2) {
		depth--;
		i++;
		goto after;
	}
	if (s[i] != ',')
		return fail(sc, i, c == '{' ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	comma = i;
	i = skip_ws(s, i + 1, n);
	if (i < n && (s[i] == ']' || s[i] == '}'))
		return fail(sc, comma, "trailing comma");
	if (i < n && s[i] == ',')
		return fail(sc, i, "empty element");
	if (c == '[')
		goto value;
key:
	if (i >= n)
		return fail(sc, i, "unexpected end of input");
	if (s[i] != '"')
		return fail(sc, i, "expected string key");
	if ((r = scan_string(sc, i)) < 0)
		return -1;
	sc->ntok++;
	i = skip_ws(s, (size_t)r, n);
	if (i >= n)
		return fail(sc, i, "unexpected end of input");
	if (s[i] != ':')
		return fail(sc, i, "expected ':'");
	i = skip_ws(s, i + 1, n);
	goto value;
}

int
glow_json_parse(struct glow_json *doc, const char *text, size_t len,
    struct glow_json_error *err)
{
	struct scan sc;
	struct glow_json_error dummy;
	jsmn_parser p;
	int r;

	if (!err)
		err = &dummy;
	doc->text = text;
	doc->len = len;
	doc->tok = NULL;
	doc->ntok = 0;
	memset(&sc, 0, sizeof sc);
	sc.s = (const unsigned char *)text;
	sc.len = len;
	/* jsmn's offsets are ints. */
	if (len >= INT_MAX) {
		err->offset = 0;
		err->reason = "document too large (2 GiB or more)";
		return -1;
	}
	if (validate(&sc) < 0) {
		err->offset = sc.errpos;
		err->reason = sc.reason;
		return -1;
	}
	if (!(doc->tok = malloc((size_t)sc.ntok * sizeof *doc->tok))) {
		err->offset = 0;
		err->reason = "out of memory";
		return -1;
	}
	doc->ntok = sc.ntok;
	if (text[sc.top] == '{' || text[sc.top] == '[' || text[sc.top] == '"') {
		jsmn_init(&p);
		r = jsmn_parse(&p, text, len, doc->tok, (unsigned)sc.ntok);
	} else {
		/* Strict jsmn wants a delimiter after a primitive, even at the
		 * end of the text: a lone top-level number or literal is made
		 * here. */
		doc->tok[0].type = JSMN_PRIMITIVE;
		doc->tok[0].start = (int)sc.top;
		doc->tok[0].end = (int)sc.topend;
		doc->tok[0].size = 0;
		doc->tok[0].parent = -1;
		r = 1;
	}
	if (r != sc.ntok) {
		glow_json_free(doc);
		err->offset = 0;
		err->reason = "internal error: jsmn disagrees";
		return -1;
	}
	return 0;
}

void
glow_json_free(struct glow_json *doc)
{
	free(doc->tok);
	doc->tok = NULL;
	doc->ntok = 0;
}

static int
valid(const struct glow_json *doc, int i)
{
	return doc && i >= 0 && i < doc->ntok;
}

static int
container(const jsmntok_t *t)
{
	return t->type == JSMN_OBJECT || t->type == JSMN_ARRAY;
}

enum glow_json_type
glow_json_type(const struct glow_json *doc, int i)
{
	const jsmntok_t *t;

	if (!valid(doc, i))
		return GLOW_JSON_NONE;
	t = &doc->tok[i];
	switch (t->type) {
	case JSMN_OBJECT:
		return GLOW_JSON_OBJECT;
	case JSMN_ARRAY:
		return GLOW_JSON_ARRAY;
	case JSMN_STRING:
		return GLOW_JSON_STRING;
	case JSMN_PRIMITIVE:
		switch (doc->text[t->start]) {
		case 't':
			return GLOW_JSON_TRUE;
		case 'f':
			return GLOW_JSON_FALSE;
		case 'n':
			return GLOW_JSON_NULL;
		}
		return GLOW_JSON_NUMBER;
	default:
		return GLOW_JSON_NONE;
	}
}

/*
 * The index just past the subtree of token i.  Tokens are in document
 * order, so that is the first token starting at or after i's end: a few
 * linear steps for small subtrees, then a binary search.
 */
static int
skip(const struct glow_json *doc, int i)
{
	const jsmntok_t *t = doc->tok;
	int end, j, lo, hi, mid;

	if (!container(&t[i]))
		return i + 1;
	end = t[i].end;
	for (j = i + 1; j < doc->ntok && j < i + 16; j++)
		if (t[j].start >= end)
			return j;
	lo = j;
	hi = doc->ntok;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t[mid].start >= end)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int
glow_json_first(const struct glow_json *doc, int i)
{
	if (!valid(doc, i) || !container(&doc->tok[i]) || doc->tok[i].size == 0)
		return -1;
	return i + 1;
}

int
glow_json_next(const struct glow_json *doc, int i)
{
	const jsmntok_t *t;
	int p, j;

	if (!valid(doc, i))
		return -1;
	t = doc->tok;
	if ((p = t[i].parent) < 0)
		return -1;
	if (t[p].type == JSMN_OBJECT)   /* i is a key; i + 1 its value */
		j = skip(doc, i + 1);
	else if (t[p].type == JSMN_ARRAY)
		j = skip(doc, i);
	else                            /* a member's value has no sibling */
		return -1;
	return j < doc->ntok && t[j].parent == p ? j : -1;
}

int
glow_json_size(const struct glow_json *doc, int i)
{
	if (!valid(doc, i) || !container(&doc->tok[i]))
		return -1;
	return doc->tok[i].size;
}

int
glow_json_get(const struct glow_json *doc, int obj, const char *key)
{
	int k, v = -1;

	if (glow_json_type(doc, obj) != GLOW_JSON_OBJECT)
		return -1;
	for (k = glow_json_first(doc, obj); k >= 0; k = glow_json_next(doc, k))
		if (glow_json_streq(doc, k, key))
			v = k + 1;
	return v;
}

int
glow_json_get_as(const struct glow_json *doc, int obj, const char *key,
    enum glow_json_type t)
{
	int v = glow_json_get(doc, obj, key);

	return glow_json_type(doc, v) == t ? v : -1;
}

int
glow_json_at(const struct glow_json *doc, int arr, int n)
{
	int v;

	if (glow_json_type(doc, arr) != GLOW_JSON_ARRAY || n < 0 ||
	    n >= doc->tok[arr].size)
		return -1;
	for (v = glow_json_first(doc, arr); v >= 0 && n > 0; n--)
		v = glow_json_next(doc, v);
	return v;
}

const char *
glow_json_raw(const struct glow_json *doc, int i, size_t *len)
{
	if (!valid(doc, i)) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)(doc->tok[i].end - doc->tok[i].start);
	return doc->text + doc->tok[i].start;
}

/*
 * Decode the escape at p (p[0] == '\\', already validated) into u: its
 * UTF-8 bytes, their number in *ulen.  Returns the escape's length.
 */
static size_t
unescape(const unsigned char *p, unsigned char *u, size_t *ulen)
{
	unsigned long cp;

	*ulen = 1;
	switch (p[1]) {
	case 'b': u[0] = '\b'; return 2;
	case 'f': u[0] = '\f'; return 2;
	case 'n': u[0] = '\n'; return 2;
	case 'r': u[0] = '\r'; return 2;
	case 't': u[0] = '\t'; return 2;
	case 'u':
		cp = (unsigned long)hex4(p + 2);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			    ((unsigned long)hex4(p + 8) - 0xdc00);
			*ulen = utf8_put(u, cp);
			return 12;
		}
		*ulen = utf8_put(u, cp);
		return 6;
	default:                        /* '"', '\\', '/' */
		u[0] = p[1];
		return 2;
	}
}

int
glow_json_streq(const struct glow_json *doc, int i, const char *s)
{
	const unsigned char *raw, *q;
	unsigned char u[4];
	size_t n, j, run, ulen;

	if (glow_json_type(doc, i) != GLOW_JSON_STRING || !s)
		return 0;
	raw = (const unsigned char *)glow_json_raw(doc, i, &n);
	for (j = 0; j < n; ) {
		q = memchr(raw + j, '\\', n - j);
		run = q ? (size_t)(q - raw) - j : n - j;
		/* The raw text holds no NUL, so strncmp stops at s's end. */
		if (strncmp(s, (const char *)raw + j, run) != 0)
			return 0;
		s += run;
		j += run;
		if (!q)
			break;
		j += unescape(raw + j, u, &ulen);
		if (memchr(u, '\0', ulen) || strncmp(s, (char *)u, ulen) != 0)
			return 0;
		s += ulen;
	}
	return *s == '\0';
}

long
glow_json_string(const struct glow_json *doc, int i, struct glow_buf *out)
{
	const unsigned char *raw, *q;
	unsigned char u[4];
	size_t n, j, run, ulen, total = 0;

	if (glow_json_type(doc, i) != GLOW_JSON_STRING)
		return -1;
	raw = (const unsigned char *)glow_json_raw(doc, i, &n);
	glow_buf_reserve(out, n);
	/* At least one glow_buf_add(), which writes the terminating NUL. */
	j = 0;
	do {
		q = memchr(raw + j, '\\', n - j);
		run = q ? (size_t)(q - raw) - j : n - j;
		glow_buf_add(out, raw + j, run);
		total += run;
		j += run;
		if (!q)
			break;
		j += unescape(raw + j, u, &ulen);
		glow_buf_add(out, u, ulen);
		total += ulen;
	} while (j < n);
	if (out->failed)
		return -1;
	return (long)total;
}

char *
glow_json_strdup(const struct glow_json *doc, int i)
{
	struct glow_buf b = GLOW_BUF_INIT;
	long n;

	n = glow_json_string(doc, i, &b);
	if (n < 0 || !b.p || memchr(b.p, '\0', (size_t)n)) {
		glow_buf_free(&b);
		return NULL;
	}
	return b.p;
}

int
glow_json_int(const struct glow_json *doc, int i, long long *v)
{
	const char *p;
	size_t n, j;
	unsigned long long acc = 0, max;
	int neg;

	if (glow_json_type(doc, i) != GLOW_JSON_NUMBER)
		return -1;
	p = glow_json_raw(doc, i, &n);
	neg = p[0] == '-';
	max = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;
	for (j = neg; j < n; j++) {
		if (!is_digit((unsigned char)p[j]))
			return -1;      /* a fraction or an exponent */
		if (acc > (max - (unsigned)(p[j] - '0')) / 10)
			return -1;
		acc = acc * 10 + (unsigned)(p[j] - '0');
	}
	if (v)
		*v = !neg ? (long long)acc : acc == max ? LLONG_MIN :
		    -(long long)acc;
	return 0;
}

/* Writing. */

static void
escape_byte(struct glow_buf *out, unsigned char c)
{
	char e[7];

	switch (c) {
	case '"':  glow_buf_add(out, "\\\"", 2); return;
	case '\\': glow_buf_add(out, "\\\\", 2); return;
	case '\b': glow_buf_add(out, "\\b", 2); return;
	case '\f': glow_buf_add(out, "\\f", 2); return;
	case '\n': glow_buf_add(out, "\\n", 2); return;
	case '\r': glow_buf_add(out, "\\r", 2); return;
	case '\t': glow_buf_add(out, "\\t", 2); return;
	}
	memcpy(e, "\\u00", 4);
	glow_hex(e + 4, &c, 1);
	glow_buf_add(out, e, 6);
}

/*
 * Quoted like JSON.stringify: '"', '\\' and control characters escaped
 * (lower-case hex), everything else as it is.  Bytes that are not UTF-8
 * become U+FFFD, as Node's UTF-8 decoding makes them, so the output is
 * always valid JSON.
 */
void
glow_json_quote(struct glow_buf *out, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, k;

	glow_buf_reserve(out, n + 2);
	glow_buf_addc(out, '"');
	while (i < n) {
		run = i;
		while (i < n && plain[p[i]])
			i++;
		glow_buf_add(out, p + run, i - run);
		if (i >= n)
			break;
		if (p[i] < 0x80) {
			escape_byte(out, p[i++]);
		} else if ((k = utf8_len(p + i, n - i))) {
			glow_buf_add(out, p + i, k);
			i += k;
		} else {
			glow_buf_add(out, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	glow_buf_addc(out, '"');
}

/* The raw text of a validated string token, quoted in the canonical form of
 * its decoded value, without decoding it into a buffer first. */
static void
requote(struct glow_buf *out, const unsigned char *raw, size_t n)
{
	const unsigned char *q;
	unsigned char u[4];
	size_t j, run, ulen;

	glow_buf_addc(out, '"');
	for (j = 0; j < n; ) {
		q = memchr(raw + j, '\\', n - j);
		run = q ? (size_t)(q - raw) - j : n - j;
		glow_buf_add(out, raw + j, run);
		j += run;
		if (!q)
			break;
		j += unescape(raw + j, u, &ulen);
		if (ulen == 1 && !plain[u[0]])
			escape_byte(out, u[0]);
		else
			glow_buf_add(out, u, ulen);
	}
	glow_buf_addc(out, '"');
}

void
glow_jw_init(struct glow_jw *w, struct glow_buf *out, int indent)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->indent = indent > 0 ? indent : 0;
	w->empty = 1;
}

static void
newline(struct glow_jw *w)
{
	static const char spaces[] = "                                "
	    "                                ";
	size_t n = (size_t)w->indent * (size_t)w->depth, k;

	glow_buf_addc(w->out, '\n');
	while (n > 0) {
		k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		glow_buf_add(w->out, spaces, k);
		n -= k;
	}
}

/* What goes before a key, or a value that is not a member's. */
static void
member(struct glow_jw *w)
{
	if (w->pending_key) {
		w->pending_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->empty)
		glow_buf_addc(w->out, ',');
	w->empty = 0;
	if (w->indent)
		newline(w);
}

static void
jw_open(struct glow_jw *w, char c)
{
	member(w);
	glow_buf_addc(w->out, c);
	if (w->depth < GLOW_JW_MAXDEPTH) {
		if (c == '[')
			w->arrays[w->depth / 8] |= (unsigned char)(1u << w->depth % 8);
		else
			w->arrays[w->depth / 8] &= (unsigned char)~(1u << w->depth % 8);
	}
	w->depth++;
	w->empty = 1;
}

static void
jw_close(struct glow_jw *w, char c)
{
	w->depth--;
	if (!w->empty && w->indent)
		newline(w);
	glow_buf_addc(w->out, c);
	w->empty = 0;
}

void
glow_jw_object(struct glow_jw *w)
{
	if (w->depth >= GLOW_JW_MAXDEPTH) {
		w->out->failed = 1;
		return;
	}
	jw_open(w, '{');
}

void
glow_jw_array(struct glow_jw *w)
{
	if (w->depth >= GLOW_JW_MAXDEPTH) {
		w->out->failed = 1;
		return;
	}
	jw_open(w, '[');
}

void
glow_jw_end(struct glow_jw *w)
{
	int d = w->depth - 1;

	if (d < 0 || d >= GLOW_JW_MAXDEPTH) {
		w->out->failed = 1;
		return;
	}
	jw_close(w, w->arrays[d / 8] & (1u << d % 8) ? ']' : '}');
}

static void
jw_keyn(struct glow_jw *w, const char *key, size_t n)
{
	member(w);
	glow_json_quote(w->out, key, n);
	if (w->indent)
		glow_buf_add(w->out, ": ", 2);
	else
		glow_buf_addc(w->out, ':');
	w->pending_key = 1;
}

void
glow_jw_key(struct glow_jw *w, const char *key)
{
	jw_keyn(w, key, strlen(key));
}

void
glow_jw_str(struct glow_jw *w, const char *s)
{
	if (!s)
		glow_jw_null(w);
	else
		glow_jw_strn(w, s, strlen(s));
}

void
glow_jw_strn(struct glow_jw *w, const char *s, size_t n)
{
	member(w);
	glow_json_quote(w->out, s, n);
}

void
glow_jw_int(struct glow_jw *w, long long v)
{
	member(w);
	glow_buf_printf(w->out, "%lld", v);
}

void
glow_jw_bool(struct glow_jw *w, int v)
{
	member(w);
	glow_buf_adds(w->out, v ? "true" : "false");
}

void
glow_jw_null(struct glow_jw *w)
{
	member(w);
	glow_buf_add(w->out, "null", 4);
}

/* The container that holds token c inside the subtree of root, or -1. */
static int
enclosing(const struct glow_json *doc, int c, int root)
{
	int p;

	if (c == root || (p = doc->tok[c].parent) < 0)
		return -1;
	if (doc->tok[p].type == JSMN_STRING)    /* c is a member's value */
		p = doc->tok[p].parent;
	return p;
}

/*
 * Tokens are walked in document order, without recursion: before each
 * token, the open containers it lies past are closed, found through the
 * parent links.
 */
void
glow_jw_value(struct glow_jw *w, const struct glow_json *doc, int i)
{
	const jsmntok_t *t;
	const char *raw;
	int j, end, cur = -1;
	size_t n;

	if (!valid(doc, i)) {
		glow_jw_null(w);
		return;
	}
	end = skip(doc, i);
	for (j = i; j < end; j++) {
		t = &doc->tok[j];
		while (cur >= 0 && doc->tok[cur].end <= t->start) {
			jw_close(w, doc->tok[cur].type == JSMN_ARRAY ? ']' : '}');
			cur = enclosing(doc, cur, i);
		}
		raw = doc->text + t->start;
		n = (size_t)(t->end - t->start);
		if (j != i && doc->tok[t->parent].type == JSMN_OBJECT) {
			member(w);
			requote(w->out, (const unsigned char *)raw, n);
			glow_buf_add(w->out, w->indent ? ": " : ":",
			    w->indent ? 2 : 1);
			w->pending_key = 1;
			continue;
		}
		switch (t->type) {
		case JSMN_OBJECT:
			jw_open(w, '{');
			cur = j;
			break;
		case JSMN_ARRAY:
			jw_open(w, '[');
			cur = j;
			break;
		case JSMN_STRING:
			member(w);
			requote(w->out, (const unsigned char *)raw, n);
			break;
		default:
			member(w);
			glow_buf_add(w->out, raw, n);
			break;
		}
	}
	while (cur >= 0) {
		jw_close(w, doc->tok[cur].type == JSMN_ARRAY ? ']' : '}');
		cur = enclosing(doc, cur, i);
	}
}

void
glow_jw_value_or_null(struct glow_jw *w, const struct glow_json *doc, int i)
{
	if (i >= 0)
		glow_jw_value(w, doc, i);
	else
		glow_jw_null(w);
}
