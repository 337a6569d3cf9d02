/* SPDX-License-Identifier: ISC */
/*
 * html.h: writing HTML safely, and checking text before it gets there.
 *
 * Every byte of data that reaches a page goes through glow_html_esc(),
 * which escapes the five characters that matter in text and in quoted
 * attribute values (& < > " '), so one function serves both places.
 * Text that is not valid UTF-8 never reaches it: request input is checked
 * with glow_utf8_ok() when it is decoded and refused with a 400.
 */
#ifndef GLOW_HTML_H
#define GLOW_HTML_H

#include <stddef.h>

#include "core/buf.h"

/* Append s[0..n) to out, escaped for HTML text and quoted attributes. */
void glow_html_esc(struct glow_buf *out, const char *s, size_t n);
/* The same for a C string. */
void glow_html_escs(struct glow_buf *out, const char *s);

/*
 * 1 if s[0..n) is valid UTF-8 (RFC 3629: shortest form, no surrogates,
 * nothing above U+10FFFF) without C0 controls other than tab, LF and CR,
 * and without DEL; else 0.
 */
int glow_utf8_ok(const char *s, size_t n);

/* Append s[0..n) percent-encoded for a URL query value (RFC 3986
 * unreserved characters kept). */
void glow_url_esc(struct glow_buf *out, const char *s, size_t n);

#endif
