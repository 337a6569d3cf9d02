/* SPDX-License-Identifier: ISC */
/* hex.c: hex digits; see hex.h. */
#include "core/hex.h"

void
glow_hex(char *dst, const void *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = src;
	size_t i;

	for (i = 0; i < n; i++) {
		*dst++ = digits[s[i] >> 4];
		*dst++ = digits[s[i] & 15];
	}
	*dst = '\0';
}

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
glow_unhex(void *dst, const char *src, size_t n)
{
	unsigned char *d = dst;
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if ((hi = nibble(src[2 * i])) < 0 || (lo = nibble(src[2 * i + 1])) < 0)
			return -1;
		d[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}
