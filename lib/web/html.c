/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "web/html.h"

void
glow_html_esc(struct glow_buf *out, const char *s, size_t n)
{
	size_t i, run = 0;
	const char *rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		glow_buf_add(out, s + run, i - run);
		glow_buf_adds(out, rep);
		run = i + 1;
	}
	glow_buf_add(out, s + run, n - run);
}

void
glow_html_escs(struct glow_buf *out, const char *s)
{
	glow_html_esc(out, s, strlen(s));
}

int
glow_utf8_ok(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, len;
	unsigned long c, min;

	while (i < n) {
		c = s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2; c &= 0x1f; min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3; c &= 0x0f; min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4; c &= 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

void
glow_url_esc(struct glow_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			glow_buf_addc(out, (char)c);
		} else {
			glow_buf_addc(out, '%');
			glow_buf_addc(out, hex[c >> 4]);
			glow_buf_addc(out, hex[c & 15]);
		}
	}
}
