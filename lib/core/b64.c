/* SPDX-License-Identifier: ISC */
#include <stddef.h>
#include <string.h>

#include "core/b64.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
glow_b64_enclen(size_t n)
{
	return (n + 2) / 3 * 4;
}

size_t
glow_b64url_enclen(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t
glow_b64_declen(size_t n)
{
	return n / 4 * 3 + n % 4 * 3 / 4;
}

static size_t
encode(char *dst, const unsigned char *s, size_t n, const char *abc, int pad)
{
	char *d = dst;
	unsigned long v;

	for (; n >= 3; s += 3, n -= 3) {
		v = (unsigned long)s[0] << 16 | (unsigned long)s[1] << 8 | s[2];
		*d++ = abc[v >> 18];
		*d++ = abc[v >> 12 & 63];
		*d++ = abc[v >> 6 & 63];
		*d++ = abc[v & 63];
	}
	if (n) {
		v = (unsigned long)s[0] << 16 | (n > 1 ? (unsigned long)s[1] << 8 : 0);
		*d++ = abc[v >> 18];
		*d++ = abc[v >> 12 & 63];
		if (n > 1)
			*d++ = abc[v >> 6 & 63];
		else if (pad)
			*d++ = '=';
		if (pad)
			*d++ = '=';
	}
	*d = '\0';
	return (size_t)(d - dst);
}

size_t
glow_b64_encode(char *dst, const void *src, size_t n)
{
	return encode(dst, src, n, std_alphabet, 1);
}

size_t
glow_b64url_encode(char *dst, const void *src, size_t n)
{
	return encode(dst, src, n, url_alphabet, 0);
}

static int
sextet(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

/*
 * Both decoders: url selects the alphabet and the strict JOSE rules; the
 * standard one skips line breaks and takes optional, correct padding.
 */
static int
decode(unsigned char *dst, size_t *len, const char *src, size_t n, int url)
{
	unsigned long v = 0;
	size_t i, nc = 0, npad = 0;
	unsigned char *d = dst;
	int x;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (!url && (c == '\n' || c == '\r'))
			continue;
		if (!url && c == '=') {
			npad++;
			continue;
		}
		if (npad || (x = sextet(c, url)) < 0)
			return -1;      /* bad character, or data after "=" */
		v = v << 6 | (unsigned long)x;
		if (++nc % 4 == 0) {
			*d++ = (unsigned char)(v >> 16);
			*d++ = (unsigned char)(v >> 8);
			*d++ = (unsigned char)v;
			v = 0;
		}
	}
	switch (nc % 4) {
	case 0:
		if (npad)
			return -1;
		break;
	case 1:
		return -1;
	case 2:
		if ((npad && npad != 2) || (v & 0xf))
			return -1;
		*d++ = (unsigned char)(v >> 4);
		break;
	case 3:
		if ((npad && npad != 1) || (v & 0x3))
			return -1;
		*d++ = (unsigned char)(v >> 10);
		*d++ = (unsigned char)(v >> 2);
		break;
	}
	*len = (size_t)(d - dst);
	return 0;
}

int
glow_b64_decode(void *dst, size_t *len, const char *src, size_t n)
{
	return decode(dst, len, src, n, 0);
}

int
glow_b64url_decode(void *dst, size_t *len, const char *src, size_t n)
{
	return decode(dst, len, src, n, 1);
}

static void
encode_append(struct glow_buf *b, const void *src, size_t n, int url)
{
	size_t want = url ? glow_b64url_enclen(n) : glow_b64_enclen(n);

	if (glow_buf_reserve(b, want) < 0)
		return;
	b->len += encode(b->p + b->len, src, n, url ? url_alphabet : std_alphabet, !url);
}

void
glow_b64_append(struct glow_buf *b, const void *src, size_t n)
{
	encode_append(b, src, n, 0);
}

void
glow_b64url_append(struct glow_buf *b, const void *src, size_t n)
{
	encode_append(b, src, n, 1);
}

static int
decode_append(struct glow_buf *b, const char *src, size_t n, int url)
{
	size_t len;

	if (glow_buf_reserve(b, glow_b64_declen(n)) < 0)
		return -1;
	if (decode((unsigned char *)b->p + b->len, &len, src, n, url) < 0) {
		b->p[b->len] = '\0';
		return -1;
	}
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

int
glow_b64_decode_append(struct glow_buf *b, const char *src, size_t n)
{
	return decode_append(b, src, n, 0);
}

int
glow_b64url_decode_append(struct glow_buf *b, const char *src, size_t n)
{
	return decode_append(b, src, n, 1);
}
