/* SPDX-License-Identifier: ISC */
#include <stddef.h>

#include "core/b64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
glow_b64url_enclen(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

void
glow_b64url_append(struct glow_buf *b, const void *src, size_t n)
{
	const unsigned char *s = src;
	unsigned long v;
	char *d;

	if (glow_buf_reserve(b, glow_b64url_enclen(n) + 1) < 0)
		return;
	d = b->p + b->len;
	for (; n >= 3; s += 3, n -= 3) {
		v = (unsigned long)s[0] << 16 | (unsigned long)s[1] << 8 | s[2];
		*d++ = alphabet[v >> 18];
		*d++ = alphabet[v >> 12 & 63];
		*d++ = alphabet[v >> 6 & 63];
		*d++ = alphabet[v & 63];
	}
	if (n) {
		v = (unsigned long)s[0] << 16 | (n > 1 ? (unsigned long)s[1] << 8 : 0);
		*d++ = alphabet[v >> 18];
		*d++ = alphabet[v >> 12 & 63];
		if (n > 1)
			*d++ = alphabet[v >> 6 & 63];
	}
	*d = '\0';
	b->len = (size_t)(d - b->p);
}
