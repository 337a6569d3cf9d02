/* SPDX-License-Identifier: ISC */
/* Unit tests of lib/core/json.c: the strict reader, decoding, the accessors and
 * the writer.  Writer expectations were checked against Node's
 * JSON.stringify(v, null, 2) and are hard-coded here. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json.h"
#include "tap.h"

#define NOLEN ((size_t)-1)

static const struct {
	const char *text;
	size_t len;             /* NOLEN: strlen(text) */
	size_t offset;          /* for rejects */
	const char *reason;     /* NULL: accepted */
} cases[] = {
	/* accepted */
	{ "{}", NOLEN, 0, NULL },
	{ "[]", NOLEN, 0, NULL },
	{ "0", NOLEN, 0, NULL },
	{ "-0", NOLEN, 0, NULL },
	{ "1.5e+10", NOLEN, 0, NULL },
	{ "-1.0E-3", NOLEN, 0, NULL },
	{ "1E5", NOLEN, 0, NULL },
	{ "123456789012345678901234567890", NOLEN, 0, NULL },
	{ "\"x\"", NOLEN, 0, NULL },
	{ "true", NOLEN, 0, NULL },
	{ "false", NOLEN, 0, NULL },
	{ "null", NOLEN, 0, NULL },
	{ " \t\r\n[1] \n", NOLEN, 0, NULL },
	{ "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\"}", NOLEN, 0, NULL },
	{ "\"\\ud83d\\ude00\"", NOLEN, 0, NULL },
	{ "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"", NOLEN, 0, NULL },
	{ "\"\\u0000\"", NOLEN, 0, NULL },
	{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", NOLEN, 0, NULL },
	{ "\"\x7f\"", NOLEN, 0, NULL },
	{ "{\"a\":1,\"a\":2}", NOLEN, 0, NULL },
	{ "{\"\":0}", NOLEN, 0, NULL },
	{ "[[[]],{}]", NOLEN, 0, NULL },
	{ "[1 ,\n2\t]", NOLEN, 0, NULL },
	/* rejected */
	{ "", NOLEN, 0, "empty document" },
	{ "   ", NOLEN, 3, "empty document" },
	{ "{\"a\":1,}", NOLEN, 6, "trailing comma" },
	{ "[1,]", NOLEN, 2, "trailing comma" },
	{ "[1, ]", NOLEN, 2, "trailing comma" },
	{ "[1 2]", NOLEN, 3, "expected ',' or ']'" },
	{ "[1,,2]", NOLEN, 3, "empty element" },
	{ "[,1]", NOLEN, 1, "expected value" },
	{ "01", NOLEN, 0, "leading zero" },
	{ "-01", NOLEN, 1, "leading zero" },
	{ "[00]", NOLEN, 1, "leading zero" },
	{ "-", NOLEN, 1, "expected digit" },
	{ "[-]", NOLEN, 2, "expected digit" },
	{ "1.", NOLEN, 2, "expected digit" },
	{ "[1.e5]", NOLEN, 3, "expected digit" },
	{ ".5", NOLEN, 0, "unexpected character" },
	{ "1e", NOLEN, 2, "expected digit" },
	{ "1e+", NOLEN, 3, "expected digit" },
	{ "+1", NOLEN, 0, "unexpected character" },
	{ "[0x10]", NOLEN, 2, "expected ',' or ']'" },
	{ "NaN", NOLEN, 0, "unexpected character" },
	{ "[Infinity]", NOLEN, 1, "unexpected character" },
	{ "tru", NOLEN, 0, "invalid literal" },
	{ "nul", NOLEN, 0, "invalid literal" },
	{ "[fals]", NOLEN, 1, "invalid literal" },
	{ "True", NOLEN, 0, "unexpected character" },
	{ "truex", NOLEN, 4, "unexpected character" },
	{ "1x", NOLEN, 1, "unexpected character" },
	{ "'a'", NOLEN, 0, "unexpected character" },
	{ "\"a\x01" "b\"", NOLEN, 2, "control character in string" },
	{ "\"a\tb\"", NOLEN, 2, "control character in string" },
	{ "\"a\nb\"", NOLEN, 2, "control character in string" },
	{ "\"a\0\"", 4, 2, "control character in string" },
	{ "\"\\x\"", NOLEN, 1, "invalid escape" },
	{ "\"\\U0041\"", NOLEN, 1, "invalid escape" },
	{ "\"ab\\'\"", NOLEN, 3, "invalid escape" },
	{ "\"\\u12\"", NOLEN, 1, "invalid \\u escape" },
	{ "\"\\u12g4\"", NOLEN, 1, "invalid \\u escape" },
	{ "\"\\ud800\\u\"", NOLEN, 7, "invalid \\u escape" },
	{ "\"\xc0\xaf\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xc1\xbf\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xe0\x80\xaf\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xf0\x80\x80\xaf\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"a\xed\xa0\x80\"", NOLEN, 2, "invalid UTF-8" },
	{ "\"\xed\xbf\xbf\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xf4\x90\x80\x80\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xf5\x80\x80\x80\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xff\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\x80\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xe2\x82\"", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xe2\x82", NOLEN, 1, "invalid UTF-8" },
	{ "\"\xf0\x9f\x98\"", NOLEN, 1, "invalid UTF-8" },
	{ "{\"\xc3\":1}", NOLEN, 2, "invalid UTF-8" },
	{ "\"\\ud800\"", NOLEN, 1, "lone surrogate" },
	{ "\"\\udc00\"", NOLEN, 1, "lone surrogate" },
	{ "\"x\\uDFFF\"", NOLEN, 2, "lone surrogate" },
	{ "\"\\ud800\\u0041\"", NOLEN, 1, "lone surrogate" },
	{ "\"\\ud800x\"", NOLEN, 1, "lone surrogate" },
	{ "\"\\ud800\\ud800\"", NOLEN, 1, "lone surrogate" },
	{ "\"\\ud800\\n\"", NOLEN, 1, "lone surrogate" },
	{ "1 2", NOLEN, 2, "more than one top-level value" },
	{ "{}{}", NOLEN, 2, "more than one top-level value" },
	{ "[] \"x\"", NOLEN, 3, "more than one top-level value" },
	{ "1,", NOLEN, 1, "unexpected character" },
	{ "[1]]", NOLEN, 3, "unexpected character" },
	{ "{1:2}", NOLEN, 1, "expected string key" },
	{ "{,}", NOLEN, 1, "expected string key" },
	{ "{\"a\":1,2:3}", NOLEN, 7, "expected string key" },
	{ "{null:1}", NOLEN, 1, "expected string key" },
	{ "{\"a\" 1}", NOLEN, 5, "expected ':'" },
	{ "{\"a\":1,\"b\"}", NOLEN, 10, "expected ':'" },
	{ "{\"a\"::1}", NOLEN, 5, "expected value" },
	{ "{\"a\":}", NOLEN, 5, "expected value" },
	{ "]", NOLEN, 0, "expected value" },
	{ "\"abc", NOLEN, 0, "unterminated string" },
	{ "[\"abc\\", NOLEN, 1, "unterminated string" },
	{ "[1", NOLEN, 2, "unexpected end of input" },
	{ "[1,", NOLEN, 3, "unexpected end of input" },
	{ "{\"a\":1", NOLEN, 6, "unexpected end of input" },
	{ "{\"a\":", NOLEN, 5, "unexpected end of input" },
	{ "{\"a\"", NOLEN, 4, "unexpected end of input" },
	{ "{", NOLEN, 1, "unexpected end of input" },
	{ "[1}", NOLEN, 2, "expected ',' or ']'" },
	{ "{\"a\":1]", NOLEN, 6, "expected ',' or '}'" },
	{ "{\"a\":1 \"b\":2}", NOLEN, 7, "expected ',' or '}'" },
	{ "\xef\xbb\xbf{}", NOLEN, 0, "unexpected character" },
	{ "[1]\0", 4, 3, "unexpected character" },
	{ "[1\0]", 4, 2, "expected ',' or ']'" },
	{ "\v[]", NOLEN, 0, "unexpected character" },
	{ "\f[]", NOLEN, 0, "unexpected character" },
	{ "[1]\xc2\xa0", NOLEN, 3, "unexpected character" },
	{ "// c\n1", NOLEN, 0, "unexpected character" },
};

static void
test_cases(void)
{
	struct glow_json doc;
	struct glow_json_error err;
	char name[160];
	size_t i, len;
	int r;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		len = cases[i].len == NOLEN ? strlen(cases[i].text) : cases[i].len;
		err.offset = 9999;
		err.reason = NULL;
		r = glow_json_parse(&doc, cases[i].text, len, &err);
		if (!cases[i].reason) {
			snprintf(name, sizeof name, "accept case %zu", i);
			if (!ok(r == 0 && doc.ntok > 0, name))
				printf("#   rejected at %zu: %s\n", err.offset,
				    err.reason);
			glow_json_free(&doc);
			continue;
		}
		snprintf(name, sizeof name, "reject case %zu: %s", i,
		    cases[i].reason);
		if (!ok(r == -1 && err.reason &&
		    strcmp(err.reason, cases[i].reason) == 0 &&
		    err.offset == cases[i].offset, name))
			printf("#   got: %d at %zu: %s\n", r, err.offset,
			    err.reason ? err.reason : "(none)");
		ok(doc.tok == NULL && doc.ntok == 0, "  and leaves no tokens");
	}
}

/* Nesting: 128 levels are fine, one more is refused at its bracket. */
static void
test_depth(void)
{
	struct glow_json doc;
	struct glow_json_error err;
	char s[2 * 129 + 8];
	int r;

	memset(s, '[', 129);
	memset(s + 129, ']', 129);
	r = glow_json_parse(&doc, s + 1, 2 * 128, &err);
	ok(r == 0 && doc.ntok == 128, "128 levels of nesting parse");
	is_int(glow_json_type(&doc, 127), GLOW_JSON_ARRAY, "  innermost is an array");
	is_int(glow_json_size(&doc, 127), 0, "  and empty");
	glow_json_free(&doc);
	r = glow_json_parse(&doc, s, 2 * 129, &err);
	ok(r == -1 && err.offset == 128 &&
	    strcmp(err.reason, "nesting too deep") == 0,
	    "129 levels: nesting too deep at the 129th bracket");
	/* {"a":[[[...]]]} with 128 arrays under the object */
	memcpy(s, "{\"a\":", 5);
	memset(s + 5, '[', 128);
	r = glow_json_parse(&doc, s, 5 + 128, &err);
	ok(r == -1 && err.offset == 5 + 127 &&
	    strcmp(err.reason, "nesting too deep") == 0,
	    "129 levels under an object: nesting too deep");
}

static int
parse(struct glow_json *doc, const char *s)
{
	struct glow_json_error err;

	if (glow_json_parse(doc, s, strlen(s), &err) == 0)
		return 0;
	printf("# parse failed at %zu: %s\n", err.offset, err.reason);
	return -1;
}

static void
is_decoded(const char *json, const char *want, size_t wantlen,
    const char *name)
{
	struct glow_json doc;
	struct glow_buf b = GLOW_BUF_INIT;
	long n = -2;

	if (parse(&doc, json) == 0)
		n = glow_json_string(&doc, 0, &b);
	if (!is_int(n, (long long)wantlen, name))
		return;
	is_mem(b.p, b.len, want, wantlen, name);
	glow_buf_free(&b);
	glow_json_free(&doc);
}

static void
test_decode(void)
{
	struct glow_json doc;
	struct glow_buf b = GLOW_BUF_INIT;
	char *s;

	is_decoded("\"plain\"", "plain", 5, "plain string");
	is_decoded("\"\"", "", 0, "empty string");
	is_decoded("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8,
	    "short escapes");
	is_decoded("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac", 6,
	    "\\u escapes to 1, 2 and 3 bytes");
	is_decoded("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4,
	    "surrogate pair to U+1F600");
	is_decoded("\"\\uD800\\uDC00|\\uDBFF\\uDFFF\"",
	    "\xf0\x90\x80\x80|\xf4\x8f\xbf\xbf", 9,
	    "surrogate pair extremes U+10000 and U+10FFFF");
	is_decoded("\"a\\u0000b\"", "a\0b", 3, "\\u0000 decodes to a NUL");
	is_decoded("\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\"",
	    "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80", 10, "raw UTF-8 kept");
	is_decoded("\"x\\ny\\u2028z\"", "x\ny\xe2\x80\xa8z", 7,
	    "escapes between plain runs");

	if (parse(&doc, "[\"a\\u0000b\", \"caf\\u00e9\", 1]") == 0) {
		ok(glow_json_strdup(&doc, 1) == NULL,
		    "strdup refuses a string with a NUL");
		s = glow_json_strdup(&doc, 2);
		is_str(s, "caf\xc3\xa9", "strdup decodes");
		free(s);
		ok(glow_json_strdup(&doc, 3) == NULL, "strdup of a number is NULL");
		glow_json_free(&doc);
	}
	/* Found by the fuzzer: "" left the buffer without its NUL. */
	if (parse(&doc, "[\"\", \"caf\\u00e9\", 1]") == 0) {
		b.len = 0;
		glow_buf_add(&b, "xyz", 3);
		b.len = 0;
		is_int(glow_json_string(&doc, 1, &b), 0, "empty string decodes");
		is_str(b.p, "", "  and the buffer is NUL-terminated");
		glow_buf_free(&b);
		s = glow_json_strdup(&doc, 1);
		is_str(s, "", "strdup of an empty string is \"\"");
		free(s);
		is_int(glow_json_string(&doc, 3, &b), -1,
		    "glow_json_string of a number is -1");
		glow_buf_add(&b, "<", 1);
		glow_json_string(&doc, 2, &b);
		is_str(b.p, "<caf\xc3\xa9", "glow_json_string appends");
		glow_buf_free(&b);
		glow_json_free(&doc);
	}
}

static void
test_access(void)
{
	static const char text[] =
	    " {\"name\": \"Ada\", \"tags\": [\"x\", {\"deep\": [1, 2]}, 3],"
	    " \"k\\u00e9y\": true, \"a\\/b\": false, \"n\": null,"
	    " \"dup\": 1, \"nested\": {\"a\": {\"b\": [[], {}]}}, \"dup\": 2,"
	    " \"big\": 9223372036854775807, \"small\": -9223372036854775808,"
	    " \"over\": 9223372036854775808, \"under\": -9223372036854775809,"
	    " \"frac\": 1.0, \"exp\": 1e3, \"zero\": -0, \"nul\\u0000\": 7} ";
	struct glow_json doc;
	long long v;
	size_t len;
	const char *raw;
	int tags, k, v2, n;

	if (!ok(parse(&doc, text) == 0, "accessor document parses"))
		return;
	is_int(glow_json_type(&doc, 0), GLOW_JSON_OBJECT, "top is an object");
	is_int(glow_json_size(&doc, 0), 16, "16 members (repeated keys count)");
	is_int(glow_json_type(&doc, -1), GLOW_JSON_NONE, "type of -1 is NONE");
	is_int(glow_json_type(&doc, doc.ntok), GLOW_JSON_NONE,
	    "type past the end is NONE");

	k = glow_json_get(&doc, 0, "name");
	ok(glow_json_streq(&doc, k, "Ada"), "get name, streq Ada");
	ok(!glow_json_streq(&doc, k, "Ad"), "streq: a prefix differs");
	ok(!glow_json_streq(&doc, k, "Adam"), "streq: a longer string differs");
	ok(!glow_json_streq(&doc, 0, "Ada"), "streq: an object is no string");
	raw = glow_json_raw(&doc, k, &len);
	is_mem(raw, len, "Ada", 3, "raw of a string is without quotes");

	tags = glow_json_get(&doc, 0, "tags");
	is_int(glow_json_type(&doc, tags), GLOW_JSON_ARRAY, "tags is an array");
	is_int(glow_json_size(&doc, tags), 3, "tags has 3 elements");
	raw = glow_json_raw(&doc, tags, &len);
	is_mem(raw, len, "[\"x\", {\"deep\": [1, 2]}, 3]", 26,
	    "raw of an array is its text");
	ok(glow_json_streq(&doc, glow_json_at(&doc, tags, 0), "x"), "at 0");
	is_int(glow_json_type(&doc, glow_json_at(&doc, tags, 1)),
	    GLOW_JSON_OBJECT, "at 1 is an object");
	ok(glow_json_int(&doc, glow_json_at(&doc, tags, 2), &v) == 0 && v == 3,
	    "at 2 (after a subtree) is 3");
	is_int(glow_json_at(&doc, tags, 3), -1, "at 3 is -1");
	is_int(glow_json_at(&doc, tags, -1), -1, "at -1 is -1");
	is_int(glow_json_at(&doc, 0, 0), -1, "at on an object is -1");
	v2 = glow_json_get(&doc, glow_json_at(&doc, tags, 1), "deep");
	ok(glow_json_int(&doc, glow_json_at(&doc, v2, 1), &v) == 0 && v == 2,
	    "tags[1].deep[1] is 2");

	n = 0;
	for (k = glow_json_first(&doc, tags); k >= 0; k = glow_json_next(&doc, k))
		n++;
	is_int(n, 3, "first/next visit 3 elements");
	n = 0;
	for (k = glow_json_first(&doc, 0); k >= 0; k = glow_json_next(&doc, k)) {
		if (!ok(glow_json_type(&doc, k) == GLOW_JSON_STRING,
		    "each key is a string"))
			break;
		n++;
	}
	is_int(n, 16, "first/next visit 16 keys");
	is_int(glow_json_next(&doc, 0), -1, "the top-level value has no sibling");
	is_int(glow_json_next(&doc, glow_json_get(&doc, 0, "name")), -1,
	    "a member's value has no sibling");
	is_int(glow_json_first(&doc, glow_json_get(&doc, 0, "n")), -1,
	    "first of null is -1");
	is_int(glow_json_first(&doc, glow_json_at(&doc,
	    glow_json_get(&doc, glow_json_get(&doc, glow_json_get(&doc, 0,
	    "nested"), "a"), "b"), 0)), -1, "first of [] is -1");
	is_int(glow_json_size(&doc, glow_json_get(&doc, 0, "n")), -1,
	    "size of null is -1");

	is_int(glow_json_type(&doc, glow_json_get(&doc, 0, "k\xc3\xa9y")),
	    GLOW_JSON_TRUE, "get matches a key's decoded form (\\u00e9)");
	is_int(glow_json_type(&doc, glow_json_get(&doc, 0, "a/b")),
	    GLOW_JSON_FALSE, "get matches a key's decoded form (\\/)");
	is_int(glow_json_get(&doc, 0, "k\\u00e9y"), -1,
	    "get does not match the raw form");
	is_int(glow_json_type(&doc, glow_json_get(&doc, 0, "n")), GLOW_JSON_NULL,
	    "null");
	is_int(glow_json_get(&doc, 0, "nope"), -1, "missing key is -1");
	is_int(glow_json_get(&doc, 0, "nul"), -1,
	    "a key with \\u0000 does not match its prefix");
	is_int(glow_json_get(&doc, tags, "x"), -1, "get on an array is -1");
	ok(glow_json_int(&doc, glow_json_get(&doc, 0, "dup"), &v) == 0 && v == 2,
	    "repeated key: the last one wins");
	k = glow_json_get(&doc, glow_json_get(&doc, glow_json_get(&doc, 0,
	    "nested"), "a"), "b");
	is_int(glow_json_size(&doc, k), 2, "nested.a.b has 2 elements");

	ok(glow_json_int(&doc, glow_json_get(&doc, 0, "big"), &v) == 0 &&
	    v == 9223372036854775807LL, "LLONG_MAX");
	ok(glow_json_int(&doc, glow_json_get(&doc, 0, "small"), &v) == 0 &&
	    v == -9223372036854775807LL - 1, "LLONG_MIN");
	is_int(glow_json_int(&doc, glow_json_get(&doc, 0, "over"), &v), -1,
	    "LLONG_MAX + 1 is out of range");
	is_int(glow_json_int(&doc, glow_json_get(&doc, 0, "under"), &v), -1,
	    "LLONG_MIN - 1 is out of range");
	is_int(glow_json_int(&doc, glow_json_get(&doc, 0, "frac"), &v), -1,
	    "1.0 is no integer");
	is_int(glow_json_int(&doc, glow_json_get(&doc, 0, "exp"), &v), -1,
	    "1e3 is no integer");
	ok(glow_json_int(&doc, glow_json_get(&doc, 0, "zero"), &v) == 0 &&
	    v == 0, "-0 is 0");
	is_int(glow_json_int(&doc, glow_json_get(&doc, 0, "name"), &v), -1,
	    "a string is no integer");
	is_int(glow_json_int(&doc, glow_json_get(&doc, 0, "n"), &v), -1,
	    "null is no integer");
	is_int(glow_json_type(&doc, glow_json_get(&doc, 0, "exp")),
	    GLOW_JSON_NUMBER, "1e3 is a number");
	glow_json_free(&doc);

	/* Top-level scalars (jsmn alone would want a delimiter after them). */
	ok(parse(&doc, "42") == 0 && glow_json_int(&doc, 0, &v) == 0 && v == 42,
	    "top-level number");
	raw = glow_json_raw(&doc, 0, &len);
	is_mem(raw, len, "42", 2, "  its raw text");
	glow_json_free(&doc);
	ok(parse(&doc, " -7 \n") == 0 && glow_json_int(&doc, 0, &v) == 0 &&
	    v == -7, "top-level number among whitespace");
	raw = glow_json_raw(&doc, 0, &len);
	is_mem(raw, len, "-7", 2, "  its raw text");
	glow_json_free(&doc);
	ok(parse(&doc, "false") == 0 &&
	    glow_json_type(&doc, 0) == GLOW_JSON_FALSE, "top-level false");
	glow_json_free(&doc);
	ok(parse(&doc, "\"s\"") == 0 && glow_json_streq(&doc, 0, "s"),
	    "top-level string");
	glow_json_free(&doc);
}

static void
is_written(struct glow_buf *b, const char *want, const char *name)
{
	ok(!b->failed, name);
	is_mem(b->p, b->len, want, strlen(want), name);
	glow_buf_reset(b);
}

/* The same value built with the writer's calls, at the given indent. */
static void
build(struct glow_buf *b, int indent)
{
	struct glow_jw w;

	glow_jw_init(&w, b, indent);
	glow_jw_object(&w);
	glow_jw_key(&w, "name");
	glow_jw_str(&w, "Ada");
	glow_jw_key(&w, "tags");
	glow_jw_array(&w);
	glow_jw_str(&w, "a");
	glow_jw_str(&w, "b");
	glow_jw_end(&w);
	glow_jw_key(&w, "empty");
	glow_jw_object(&w);
	glow_jw_end(&w);
	glow_jw_key(&w, "list");
	glow_jw_array(&w);
	glow_jw_end(&w);
	glow_jw_key(&w, "n");
	glow_jw_int(&w, -15);
	glow_jw_key(&w, "t");
	glow_jw_bool(&w, 1);
	glow_jw_key(&w, "f");
	glow_jw_bool(&w, 0);
	glow_jw_key(&w, "z");
	glow_jw_null(&w);
	glow_jw_key(&w, "nested");
	glow_jw_object(&w);
	glow_jw_key(&w, "x");
	glow_jw_array(&w);
	glow_jw_int(&w, 1);
	glow_jw_array(&w);
	glow_jw_int(&w, 2);
	glow_jw_object(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_jw_array(&w);
	glow_jw_array(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	is_int(w.depth, 0, "writer back at depth 0");
}

/* node -e 'console.log(JSON.stringify(v, null, 2))' */
static const char pretty[] =
    "{\n  \"name\": \"Ada\",\n  \"tags\": [\n    \"a\",\n    \"b\"\n  ],\n"
    "  \"empty\": {},\n  \"list\": [],\n  \"n\": -15,\n  \"t\": true,\n"
    "  \"f\": false,\n  \"z\": null,\n  \"nested\": {\n    \"x\": [\n"
    "      1,\n      [\n        2,\n        {}\n      ],\n      [\n"
    "        []\n      ]\n    ]\n  }\n}";
/* node -e 'console.log(JSON.stringify(v))' */
static const char compact[] =
    "{\"name\":\"Ada\",\"tags\":[\"a\",\"b\"],\"empty\":{},\"list\":[],"
    "\"n\":-15,\"t\":true,\"f\":false,\"z\":null,"
    "\"nested\":{\"x\":[1,[2,{}],[[]]]}}";

static void
test_writer(void)
{
	struct glow_buf b = GLOW_BUF_INIT;
	struct glow_jw w;
	struct glow_json doc;

	build(&b, 2);
	is_written(&b, pretty, "indent 2 is JSON.stringify(v, null, 2)");
	build(&b, 0);
	is_written(&b, compact, "indent 0 is JSON.stringify(v)");

	glow_jw_init(&w, &b, 4);
	glow_jw_array(&w);
	glow_jw_object(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	is_written(&b, "[\n    {}\n]", "indent 4");
	glow_jw_init(&w, &b, 1);
	glow_jw_object(&w);
	glow_jw_key(&w, "a");
	glow_jw_object(&w);
	glow_jw_key(&w, "b");
	glow_jw_object(&w);
	glow_jw_key(&w, "c");
	glow_jw_array(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	glow_jw_end(&w);
	is_written(&b, "{\n \"a\": {\n  \"b\": {\n   \"c\": []\n  }\n }\n}",
	    "indent 1");

	glow_jw_init(&w, &b, 2);
	glow_jw_strn(&w, "\"\\/\b\f\n\r\t\x01\x1f\x7f \xc3\xa9 \xe2\x80\xa8 "
	    "\xf0\x9f\x98\x80 \0", 25);
	is_written(&b, "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xc3\xa9 "
	    "\xe2\x80\xa8 \xf0\x9f\x98\x80 \\u0000\"",
	    "string escaping is JSON.stringify's");
	glow_jw_init(&w, &b, 0);
	glow_jw_str(&w, "a\xff" "b\xc3(\xed\xa0\x80");
	is_written(&b, "\"a\xef\xbf\xbd" "b\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\"", "bytes that are not UTF-8 become U+FFFD");
	glow_jw_init(&w, &b, 0);
	glow_jw_str(&w, NULL);
	is_written(&b, "null", "a NULL string is written as null");
	glow_jw_init(&w, &b, 2);
	glow_jw_int(&w, -9223372036854775807LL - 1);
	is_written(&b, "-9223372036854775808", "LLONG_MIN");
	glow_json_quote(&b, "k\"\n", 3);
	is_written(&b, "\"k\\\"\\n\"", "glow_json_quote");
	glow_jw_init(&w, &b, 2);
	glow_jw_end(&w);
	ok(b.failed, "end with nothing open sets failed");
	glow_buf_free(&b);

	/* glow_jw_value re-emits a parsed value in the writer's layout. */
	if (parse(&doc, "{ \"name\" :\"Ada\", \"tags\":[\"a\" ,\"b\"],\"empty\""
	    ": { },\"list\":[\n],\"n\":-15,\"t\":true,\"f\":false,\"z\":null,"
	    "\"nested\":{\"x\":[1,[2,{}],[[ ]]]}}") == 0) {
		glow_jw_init(&w, &b, 2);
		glow_jw_value(&w, &doc, 0);
		is_written(&b, pretty, "glow_jw_value at indent 2");
		glow_jw_init(&w, &b, 0);
		glow_jw_value(&w, &doc, 0);
		is_written(&b, compact, "glow_jw_value compact");
		glow_jw_init(&w, &b, 2);
		glow_jw_array(&w);
		glow_jw_value(&w, &doc, glow_json_get(&doc, 0, "tags"));
		glow_jw_value(&w, &doc, glow_json_get(&doc, 0, "empty"));
		glow_jw_object(&w);
		glow_jw_key(&w, "k");
		glow_jw_value(&w, &doc, glow_json_get(&doc, 0, "nested"));
		glow_jw_end(&w);
		glow_jw_value(&w, &doc, glow_json_get(&doc, 0, "name"));
		glow_jw_end(&w);
		is_written(&b, "[\n  [\n    \"a\",\n    \"b\"\n  ],\n  {},\n"
		    "  {\n    \"k\": {\n      \"x\": [\n        1,\n        [\n"
		    "          2,\n          {}\n        ],\n        [\n"
		    "          []\n        ]\n      ]\n    }\n  },\n  \"Ada\"\n]",
		    "glow_jw_value of subtrees inside written containers");
		glow_json_free(&doc);
	}
	if (parse(&doc, "[\"\\u0041\\/\\u00e9\\ud83d\\ude00\\u001F\\u007f"
	    "\\u2028\\\"\\b\", 1.50E+3, -0.0]") == 0) {
		glow_jw_init(&w, &b, 0);
		glow_jw_value(&w, &doc, 0);
		is_written(&b, "[\"A/\xc3\xa9\xf0\x9f\x98\x80\\u001f\x7f"
		    "\xe2\x80\xa8\\\"\\b\",1.50E+3,-0.0]",
		    "glow_jw_value: canonical strings, numbers verbatim");
		glow_json_free(&doc);
	}
	glow_buf_free(&b);
}

/* parse -> write -> parse -> write is stable, and equal to Node's. */
static void
test_roundtrip(void)
{
	static const char text[] =
	    "{\"course\":\"Intro \\u00e0 C\",\"year\":2026,\"students\":["
	    "{\"login\":\"ada\",\"name\":\"Ada \\\"L\\\"\",\"scores\":[1,2.5,"
	    "-3e2],\"team\":null,\"active\":true},{\"login\":\"\\ud83d\\ude00\","
	    "\"tags\":[],\"meta\":{}}],\"path\":\"a\\/b\\\\c\\n\"}";
	/* node -e 'console.log(JSON.stringify(JSON.parse(text), null, 2))',
	 * with -3e2 kept as written */
	static const char want[] =
	    "{\n  \"course\": \"Intro \xc3\xa0 C\",\n  \"year\": 2026,\n"
	    "  \"students\": [\n    {\n      \"login\": \"ada\",\n"
	    "      \"name\": \"Ada \\\"L\\\"\",\n      \"scores\": [\n"
	    "        1,\n        2.5,\n        -3e2\n      ],\n"
	    "      \"team\": null,\n      \"active\": true\n    },\n    {\n"
	    "      \"login\": \"\xf0\x9f\x98\x80\",\n      \"tags\": [],\n"
	    "      \"meta\": {}\n    }\n  ],\n  \"path\": \"a/b\\\\c\\n\"\n}";
	struct glow_json doc, doc2;
	struct glow_buf b = GLOW_BUF_INIT, b2 = GLOW_BUF_INIT;
	struct glow_jw w;

	if (parse(&doc, text) != 0)
		return;
	glow_jw_init(&w, &b, 2);
	glow_jw_value(&w, &doc, 0);
	is_mem(b.p, b.len, want, strlen(want), "round trip: indent 2");
	ok(parse(&doc2, b.p) == 0, "round trip: the output parses");
	glow_jw_init(&w, &b2, 2);
	glow_jw_value(&w, &doc2, 0);
	is_mem(b2.p, b2.len, b.p, b.len, "round trip: writing again is stable");
	is_int(doc2.ntok, doc.ntok, "round trip: same number of tokens");
	glow_json_free(&doc2);
	glow_buf_reset(&b2);
	glow_jw_init(&w, &b2, 0);
	glow_jw_value(&w, &doc, 0);
	ok(parse(&doc2, b2.p) == 0, "round trip: compact output parses");
	glow_buf_reset(&b);
	glow_jw_init(&w, &b, 2);
	glow_jw_value(&w, &doc2, 0);
	is_mem(b.p, b.len, want, strlen(want),
	    "round trip: compact then indented is the same");
	glow_json_free(&doc2);
	glow_json_free(&doc);
	glow_buf_free(&b);
	glow_buf_free(&b2);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A 50 MB document: parses, and written back compact it is the same text. */
static void
test_large(void)
{
	struct glow_buf b = GLOW_BUF_INIT, out = GLOW_BUF_INIT;
	struct glow_json doc;
	struct glow_json_error err;
	struct glow_jw w;
	double t0, t1, t2;
	long long v;
	int i, n = 0, last;

	glow_buf_addc(&b, '[');
	while (b.len < 50u * 1024 * 1024) {
		glow_buf_printf(&b, "%s{\"id\":%d,\"login\":\"learner-%d\","
		    "\"name\":\"L\xc3\xa9" "arner \\\"%d\\\"\",\"team\":null,"
		    "\"scores\":[%d,2.5,-1e3],\"ok\":true}", n ? "," : "",
		    n, n, n, n % 100);
		n++;
	}
	glow_buf_addc(&b, ']');
	if (!ok(!b.failed, "50 MB document generated"))
		return;
	t0 = now();
	i = glow_json_parse(&doc, b.p, b.len, &err);
	t1 = now();
	if (!ok(i == 0, "50 MB document parses"))
		return;
	printf("# parsed %.1f MB (%d tokens) in %.3f s\n",
	    b.len / 1048576.0, doc.ntok, t1 - t0);
	is_int(glow_json_size(&doc, 0), n, "all elements are there");
	is_int(doc.ntok, 1 + n * 16, "16 tokens per element");
	last = glow_json_at(&doc, 0, n - 1);
	ok(glow_json_int(&doc, glow_json_get(&doc, last, "id"), &v) == 0 &&
	    v == n - 1, "the last element's id");
	t1 = now();
	glow_jw_init(&w, &out, 0);
	glow_jw_value(&w, &doc, 0);
	t2 = now();
	printf("# wrote it back compact in %.3f s\n", t2 - t1);
	ok(!out.failed && out.len == b.len && memcmp(out.p, b.p, b.len) == 0,
	    "written back compact it is the same text");
	glow_json_free(&doc);
	glow_buf_free(&out);
	glow_buf_free(&b);
}

int
main(void)
{
	test_cases();
	test_depth();
	test_decode();
	test_access();
	test_writer();
	test_roundtrip();
	test_large();
	return done_testing();
}
