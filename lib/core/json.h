/* SPDX-License-Identifier: ISC */
/*
 * json.h: strict JSON reading over jsmn, and a JSON writer.
 *
 * Reading.  glow_json_parse() tokenizes a document with jsmn (the token
 * array sized from the input by a counting pass) and then checks what jsmn's
 * strict mode lets through: trailing commas, missing commas ("[1 2]"),
 * empty elements ("[1,,2]"), leading zeros ("01"), bad numbers and
 * literals, raw control characters and bad escapes in strings, invalid
 * UTF-8, lone surrogates (\ud800), and more than one top-level value.  Any
 * of these fails with the byte offset and a reason (RFC 8259).  The text is
 * not copied: it must outlive the document.
 *
 * Tokens are addressed by index; 0 is the top-level value.  An object's
 * children alternate key, value.  Walk them with glow_json_first() and
 * glow_json_next():
 *
 *     for (k = glow_json_first(doc, obj); k >= 0; k = glow_json_next(doc, k))
 *         value = k + 1;                        // k is a key
 *     for (v = glow_json_first(doc, arr); v >= 0; v = glow_json_next(doc, v))
 *         ...;                                  // v is an element
 *
 * For an object glow_json_next(doc, k) steps from one key to the next key.
 *
 * Writing.  struct glow_jw writes into a glow_buf, compact or indented.
 * With indent 2 the output is byte for byte what JavaScript's
 * JSON.stringify(value, null, 2) prints for the same value (numbers are
 * copied as written), so files written by the earlier Node implementation
 * round-trip unchanged.
 */
#ifndef GLOW_JSON_H
#define GLOW_JSON_H

#include <stddef.h>

/*
 * jsmn is used as a single header; only json.c holds its code.  Here only
 * the types are wanted: declared static (JSMN_STATIC) but never defined,
 * jsmn's functions would draw gcc's -Wunused-function at the end of every
 * file that includes this one, so they are declared extern instead.
 */
#define JSMN_HEADER
#ifdef JSMN_STATIC
#undef JSMN_STATIC
#include <jsmn.h>
#define JSMN_STATIC 1
#else
#include <jsmn.h>
#endif
#undef JSMN_HEADER

#include "core/buf.h"

enum glow_json_type {
	GLOW_JSON_NONE = 0,     /* no such token (index out of range, -1) */
	GLOW_JSON_OBJECT,
	GLOW_JSON_ARRAY,
	GLOW_JSON_STRING,
	GLOW_JSON_NUMBER,
	GLOW_JSON_TRUE,
	GLOW_JSON_FALSE,
	GLOW_JSON_NULL
};

struct glow_json {
	const char *text;       /* the document; not owned */
	size_t len;
	jsmntok_t *tok;         /* owned; tok[0] is the top-level value */
	int ntok;
};

struct glow_json_error {
	size_t offset;          /* byte offset of the problem in the text */
	const char *reason;     /* static, e.g. "trailing comma" */
};

/* 0 on success; -1 with err filled (offset, reason) if not. */
int glow_json_parse(struct glow_json *doc, const char *text, size_t len,
    struct glow_json_error *err);
void glow_json_free(struct glow_json *doc);

enum glow_json_type glow_json_type(const struct glow_json *doc, int i);
/* The first child of an object (its first key) or array; -1 if none. */
int glow_json_first(const struct glow_json *doc, int i);
/* The next sibling of token i (the next key, for a key); -1 if none. */
int glow_json_next(const struct glow_json *doc, int i);
/* Number of members of an object, or elements of an array; -1 if neither. */
int glow_json_size(const struct glow_json *doc, int i);
/* The value of key in object obj (the last one, if repeated); -1 if none. */
int glow_json_get(const struct glow_json *doc, int obj, const char *key);
/* The same, only if that value is of type t; else -1. */
int glow_json_get_as(const struct glow_json *doc, int obj, const char *key,
    enum glow_json_type t);
/* Element n of array arr; -1 if none. */
int glow_json_at(const struct glow_json *doc, int arr, int n);

/* The raw bytes of token i (a string's without its quotes). */
const char *glow_json_raw(const struct glow_json *doc, int i, size_t *len);
/* Is token i a string whose decoded value equals s? */
int glow_json_streq(const struct glow_json *doc, int i, const char *s);
/*
 * Append the decoded value of string token i to out.  Returns its decoded
 * length, or -1 if i is not a string.  A decoded value may hold a NUL
 * (from \u0000); glow_json_strdup() refuses those.
 */
long glow_json_string(const struct glow_json *doc, int i, struct glow_buf *out);
/* The decoded string as a new C string (free it); NULL if not a string,
 * if it holds a NUL, or if memory ran out. */
char *glow_json_strdup(const struct glow_json *doc, int i);
/* An integer number (no fraction or exponent) in range: 0, else -1. */
int glow_json_int(const struct glow_json *doc, int i, long long *v);

/* Writing.  Nothing is checked but the nesting: glow_jw_object() and
 * glow_jw_array() deeper than GLOW_JW_MAXDEPTH, or glow_jw_end() with
 * nothing open, set out->failed (glow_jw_value() has no such limit). */
#define GLOW_JW_MAXDEPTH 1024

struct glow_jw {
	struct glow_buf *out;
	int indent;             /* 0: compact; n: n spaces per level */
	int depth;
	int pending_key;        /* a key was written; its value comes next */
	int empty;              /* the innermost container has no member yet */
	/* bit d: the container at depth d is an array (for glow_jw_end) */
	unsigned char arrays[GLOW_JW_MAXDEPTH / 8];
};

void glow_jw_init(struct glow_jw *w, struct glow_buf *out, int indent);
void glow_jw_object(struct glow_jw *w);         /* { */
void glow_jw_array(struct glow_jw *w);          /* [ */
void glow_jw_end(struct glow_jw *w);            /* } or ] */
void glow_jw_key(struct glow_jw *w, const char *key);
void glow_jw_str(struct glow_jw *w, const char *s);
void glow_jw_strn(struct glow_jw *w, const char *s, size_t n);
void glow_jw_int(struct glow_jw *w, long long v);
void glow_jw_bool(struct glow_jw *w, int v);
void glow_jw_null(struct glow_jw *w);
/* Write value i of a parsed document (any type, whole subtree). */
void glow_jw_value(struct glow_jw *w, const struct glow_json *doc, int i);
/* The same, or null when i < 0 (no such value). */
void glow_jw_value_or_null(struct glow_jw *w, const struct glow_json *doc,
    int i);
/* Append s as a quoted, escaped JSON string (no writer state). */
void glow_json_quote(struct glow_buf *out, const char *s, size_t n);

#endif
