/* SPDX-License-Identifier: ISC */
/*
 * form.h: application/x-www-form-urlencoded (the WHATWG URL standard), the
 * one decoder for glow-companion(1)'s forms and query strings and for
 * glow-webhook(1)'s form deliveries.
 */
#ifndef GLOW_FORM_H
#define GLOW_FORM_H

#include <stddef.h>

#include "core/buf.h"

/*
 * Decode n bytes of application/x-www-form-urlencoded text into dst (room
 * for n bytes; no NUL added): '+' is a space, %XX a byte (either case).
 * The decoded length, or -1 on a '%' not followed by two hex digits.
 */
long glow_form_unescape(char *dst, const char *s, size_t n);

/* A small form or query string, every field decoded (the companion's). */
#define GLOW_FORM_MAX 16        /* fields */
struct glow_form {
	char *mem;
	size_t n;
	const char *name[GLOW_FORM_MAX];
	const char *value[GLOW_FORM_MAX];
	size_t vlen[GLOW_FORM_MAX];
};
/* 0, or -1: bad escape, not UTF-8, a control character, too many fields
 * (EINVAL), or no memory (ENOMEM).  Free with glow_form_free either way. */
int glow_form_parse(struct glow_form *f, const char *s, size_t n);
/* The first value of name (a C string, length in *len if not NULL). */
const char *glow_form_get(const struct glow_form *f, const char *name,
    size_t *len);
void glow_form_free(struct glow_form *f);

/* glow_form_unescape into out, NUL-terminated.  -1 (and nothing defined
 * in out) on a bad escape or without memory. */
int glow_form_decode(const char *s, size_t n, struct glow_buf *out);

/*
 * The decoded value of the field "payload" of a form body (a webhook
 * delivered as a form) into out: 0; 1
 * if there is no such field; -1 if the body's encoding is broken.  If the
 * field is repeated, the first one counts.
 */
int glow_form_payload(const char *body, size_t n, struct glow_buf *out);

#endif
