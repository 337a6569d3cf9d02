/* SPDX-License-Identifier: ISC */
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "core/http.h"
#include "web/cgi.h"

void
glow_cgi_header(struct glow_cgi_resp *rs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	glow_buf_vprintf(&rs->head, fmt, ap);
	va_end(ap);
	glow_buf_adds(&rs->head, "\r\n");
}

int
glow_cgi_response(struct glow_cgi_resp *rs, int https, int head,
    struct glow_buf *out)
{
	if (rs->body.failed || rs->head.failed) {
		/* out of memory: say so briefly rather than send half a page */
		glow_buf_free(&rs->body);
		glow_buf_reset(&rs->head);
		rs->status = 503;
		rs->type = "text/plain; charset=utf-8";
		glow_buf_adds(&rs->body, "The server is short of memory. Try again.\n");
	}
	glow_buf_printf(out, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n", rs->status, glow_http_reason(rs->status),
	    rs->type ? rs->type : "text/html; charset=utf-8", rs->body.len);
	glow_buf_adds(out, "Content-Security-Policy: default-src 'none'; "
	    "style-src 'self'; img-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Cross-Origin-Opener-Policy: same-origin\r\n");
	glow_buf_adds(out, rs->cache ? "Cache-Control: public, max-age=86400\r\n" :
	    "Cache-Control: no-store\r\n");
	if (https)
		glow_buf_adds(out, "Strict-Transport-Security: max-age=31536000\r\n");
	glow_buf_add(out, rs->head.p, rs->head.len);
	glow_buf_adds(out, "\r\n");
	if (!head)
		glow_buf_add(out, rs->body.p, rs->body.len);
	return out->failed ? -1 : 0;
}

int
glow_cgi_form_length(const char *type, const char *length, size_t max,
    size_t *n)
{
	static const char form[] = "application/x-www-form-urlencoded";
	size_t fl = sizeof form - 1;
	unsigned long long v = 0;
	const char *p;

	if (!type || strncasecmp(type, form, fl) != 0 ||
	    (type[fl] && type[fl] != ';' && type[fl] != ' '))
		return 415;
	if (!length || !*length)
		return 411;
	for (p = length; *p; p++) {
		if (*p < '0' || *p > '9')
			return 400;
		if (v > max)
			return 413;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	if (v > max)
		return 413;
	*n = (size_t)v;
	return 0;
}
