/* SPDX-License-Identifier: ISC */
/*
 * cgi.h: a CGI response (RFC 3875, section 6), with the headers every
 * page of a glow web program carries.
 *
 * The program fills a struct glow_cgi_resp (status, type, extra headers,
 * body) and glow_cgi_response() frames it: Status with its reason phrase,
 * Content-Type, Content-Length, a strict Content-Security-Policy and the
 * other hardening headers, Cache-Control, HSTS over HTTPS, the extra
 * headers, then the body (none for HEAD).  A response whose building ran
 * out of memory is replaced by a short 503 rather than sent half made.
 */
#ifndef GLOW_CGI_H
#define GLOW_CGI_H

#include <stddef.h>

#include "core/buf.h"

struct glow_cgi_resp {
	int status;
	const char *type;               /* NULL: text/html; charset=utf-8 */
	int cache;                      /* 0: no-store, 1: public, a day */
	struct glow_buf head;           /* extra header lines, CRLF ended */
	struct glow_buf body;
};


/* Append one header line (printf-style, CRLF added) to rs->head. */
void glow_cgi_header(struct glow_cgi_resp *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Append the whole response to out: https adds Strict-Transport-Security,
 * head leaves the body out.  0, or -1 if out ran out of memory.
 */
int glow_cgi_response(struct glow_cgi_resp *rs, int https, int head,
    struct glow_buf *out);

/*
 * Check a form post's CONTENT_TYPE and CONTENT_LENGTH (either may be
 * NULL) before reading: application/x-www-form-urlencoded, a length of
 * decimal digits no larger than max.  Returns 0 with *n the length, or
 * the HTTP status to refuse it with: 415 (another type), 411 (no length),
 * 400 (not a number) or 413 (too large).
 */
int glow_cgi_form_length(const char *type, const char *length, size_t max,
    size_t *n);

#endif
